"""Few-label image classification (notebook 08): the CNN encoder plus a linear head, started from
SimCLR's weights (fine-tuning) or from random ones (`scratch`); both are trained by the course's
one recipe, `course_lib.core.finetune.fit_classifier`, with the same augmentation.
"""

import copy
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from course_lib.core.finetune import Recipe
from course_lib.data.sources import FASHION_CLASSES, load_fashion_mnist
from course_lib.data.splits import image_split, sample_labeled
from course_lib.vision.augment import AugmentConfig, make_augment, to_float_images
from course_lib.vision.encoders import ConvEncoder, EncoderConfig

# what a labeled image may become during supervised training: the same for fine-tuning and scratch
SUPERVISED_AUGMENT = AugmentConfig(crop_scale_min=0.6, flip_p=0.5, jitter=0.2, jitter_p=0.5)


class ImageClassifier(nn.Module):
    """A conv encoder followed by one linear layer to class logits."""

    def __init__(self, encoder: ConvEncoder, n_classes: int = 10) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes}")
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.feature_dim, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return (N, n_classes) logits of uint8 or [0, 1] float images."""
        x = to_float_images(images)
        return self.head(self.encoder(x.contiguous(memory_format=torch.channels_last)))


def make_classifier(
    pretrained: nn.Module | None = None,
    n_classes: int = 10,
    seed: int = 0,
    config: EncoderConfig | None = None,
) -> ImageClassifier:
    """Return a classifier on a copy of `pretrained`'s encoder, or on a randomly initialised one
    (of `config`'s architecture: give the pretrained encoder's, so that only the weights differ)."""
    torch.manual_seed(seed)
    if pretrained is None:
        encoder = ConvEncoder(config or EncoderConfig())
    else:
        source = getattr(pretrained, "encoder", pretrained)
        if not isinstance(source, ConvEncoder):
            raise TypeError(f"expected a SimCLRModel or ConvEncoder, got {type(source).__name__}")
        encoder = copy.deepcopy(source)
    return ImageClassifier(encoder, n_classes).to(memory_format=torch.channels_last).train()


def supervised_augment(config: AugmentConfig = SUPERVISED_AUGMENT):
    """Return x -> augmented [0, 1] float images (uint8 accepted), for supervised training."""
    pipeline = make_augment(config)

    def augment(images: torch.Tensor) -> torch.Tensor:
        return pipeline(to_float_images(images)).clamp_(0, 1)

    return augment


@dataclass
class ImageTask:
    """A labeled pool to draw the few labels from, and a test set scored once per method."""

    pool_x: torch.Tensor
    pool_y: np.ndarray
    test_x: torch.Tensor
    test_y: np.ndarray

    def draw(self, n: int, seed: int) -> np.ndarray:
        """Return the pool positions of n stratified, seeded labeled images."""
        return np.array(sample_labeled(self.pool_y, n, seed))


def fashion_task(test_size: int | None = None) -> ImageTask:
    """Return Fashion-MNIST's labeled pool (the course's train split) and official test set."""
    train_x, train_y = load_fashion_mnist("train")
    test_x, test_y = load_fashion_mnist("test")
    pool = torch.tensor(image_split()["train"])
    test_x, test_y = test_x[:test_size], test_y[:test_size]
    return ImageTask(train_x[pool], train_y[pool].numpy(), test_x, test_y.numpy())


def show_labeled(images: torch.Tensor, labels: np.ndarray, title: str = "") -> plt.Figure:
    """Plot labeled images in rows by class (at most 10 per class), class names on the left."""
    per_class = {c: np.flatnonzero(labels == c)[:10] for c in range(len(FASHION_CLASSES))}
    fig, axes = plt.subplots(len(per_class), 10, figsize=(7, 7.4), squeeze=False)
    for row, idx in per_class.items():
        for col, ax in enumerate(axes[row]):
            if col < len(idx):
                ax.imshow(images[idx[col]].numpy(), cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(
            FASHION_CLASSES[row], rotation=0, ha="right", va="center", fontsize=8
        )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def image_recipes(profile) -> dict[str, Recipe]:
    """Return the fine-tuning and scratch recipes of a profile: the same epochs, batch and
    augmentation; the pretrained encoder learns 10x slower than the new head."""
    shared = {
        "epochs": profile.finetune_epochs,
        "batch_size": profile.image_batch_size,
        "min_steps": profile.image_min_steps,
    }
    return {
        "simclr_finetune": Recipe(
            lr=profile.image_finetune_lr, body_lr=profile.image_finetune_encoder_lr, **shared
        ),
        "scratch": Recipe(lr=profile.image_scratch_lr, **shared),
    }
