"""Few-label image classification (notebook 08): the CNN encoder plus a linear head, started from
SimCLR's weights (fine-tuning) or from random ones (`scratch`); both are trained by the course's
one recipe, `course_lib.core.finetune.fit_classifier`, with the same augmentation.

A task is Fashion-MNIST's (`fashion_task`) or your own (`image_task`: any images of
`course_lib.data.images`, gray or RGB, with int or string labels, two classes or more).
"""

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from course_lib.core.finetune import Recipe
from course_lib.core.profiles import Profile
from course_lib.core.validate import bad_input, check_int, check_number
from course_lib.data.images import check_images_array, encode_labels
from course_lib.data.sources import FASHION_CLASSES, load_fashion_mnist
from course_lib.data.splits import image_split, sample_labeled
from course_lib.vision.augment import AugmentConfig, make_augment
from course_lib.vision.encoders import ConvEncoder, EncoderConfig
from course_lib.vision.simclr import check_channels, float_images

# what a labeled image may become during supervised training: the same for fine-tuning and scratch
SUPERVISED_AUGMENT = AugmentConfig(crop_scale_min=0.6, flip_p=0.5, jitter=0.2, jitter_p=0.5)


class ImageClassifier(nn.Module):
    """A conv encoder followed by one linear layer to class logits."""

    def __init__(self, encoder: ConvEncoder, n_classes: int = 10) -> None:
        super().__init__()
        check_int(n_classes, "n_classes", 2, fix="pass the number of classes (2 or more)")
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.feature_dim, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return (N, n_classes) logits of uint8 or [0, 1] float images (N, [C,] H, W)."""
        x = float_images(images)
        check_channels(x, self.encoder.config)
        return self.head(self.encoder(x.contiguous(memory_format=torch.channels_last)))


def make_classifier(
    pretrained: nn.Module | None = None,
    n_classes: int = 10,
    seed: int = 0,
    config: EncoderConfig | None = None,
) -> ImageClassifier:
    """Return a classifier on a copy of `pretrained`'s encoder, or on a randomly initialised one
    (of `config`'s architecture: give the pretrained encoder's, so that only the weights differ;
    for RGB images, EncoderConfig(in_channels=3))."""
    torch.manual_seed(seed)
    if pretrained is None:
        encoder = ConvEncoder(config or EncoderConfig())
    else:
        source = getattr(pretrained, "encoder", pretrained)
        if not isinstance(source, ConvEncoder):
            raise TypeError(f"expected a SimCLRModel or ConvEncoder, got {type(source).__name__}")
        encoder = copy.deepcopy(source)
    return ImageClassifier(encoder, n_classes).to(memory_format=torch.channels_last).train()


def supervised_augment(
    config: AugmentConfig = SUPERVISED_AUGMENT,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Return x -> augmented [0, 1] float images (N, C, H, W) of the same size (uint8 accepted,
    gray or RGB), for supervised training."""
    pipelines = {}  # one per image size, made when first seen

    def augment(images: torch.Tensor) -> torch.Tensor:
        size = images.shape[-1]
        if size not in pipelines:
            pipelines[size] = make_augment(config, size=size)
        return pipelines[size](float_images(images)).clamp_(0, 1)

    return augment


@dataclass
class ImageTask:
    """A labeled pool to draw the few labels from, and a test set scored once per method."""

    pool_x: torch.Tensor
    pool_y: np.ndarray
    test_x: torch.Tensor
    test_y: np.ndarray
    class_names: list[str] = field(default_factory=list)  # the name of each class id

    @property
    def n_classes(self) -> int:
        """Return the number of classes (named, or seen in the labels)."""
        return max(len(self.class_names), int(max(self.pool_y.max(), self.test_y.max())) + 1)

    def draw(self, n: int, seed: int) -> np.ndarray:
        """Return the pool positions of n stratified, seeded labeled images."""
        return np.array(sample_labeled(self.pool_y, n, seed))


def fashion_task(test_size: int | None = None) -> ImageTask:
    """Return Fashion-MNIST's labeled pool (the course's train split) and official test set."""
    train_x, train_y = load_fashion_mnist("train")
    test_x, test_y = load_fashion_mnist("test")
    pool = torch.tensor(image_split()["train"])
    test_x, test_y = test_x[:test_size], test_y[:test_size]
    return ImageTask(
        train_x[pool], train_y[pool].numpy(), test_x, test_y.numpy(), list(FASHION_CLASSES)
    )


def image_task(
    images: torch.Tensor | np.ndarray,
    labels: Sequence[int | str] | np.ndarray | torch.Tensor,
    test_size: int | float = 0.3,
    seed: int = 0,
) -> ImageTask:
    """Return your own labeled images as a task: a seeded split, stratified by class (about
    `test_size` of each class, a fraction or a number of images, and at least one in each part),
    into a labeled pool and a test set. Labels (ints or strings) become ids 0..K-1 in sorted order;
    `class_names` keeps the names. Images: uint8 as `course_lib.data.images.load_images` gives."""
    x = check_images_array(images, "images")
    y, names = encode_labels(labels)
    if len(y) != len(x):
        fix = "pass one label per image, in the same order"
        raise bad_input("labels", f"{len(x)} labels (one per image)", labels, fix)
    counts = np.bincount(y)
    if len(names) < 2 or counts.min() < 2:
        fix = "pass at least 2 classes with at least 2 images each (one for the pool, one to test)"
        raise bad_input(
            "labels",
            "2+ classes with 2+ images each",
            {n: int(c) for n, c in zip(names, counts, strict=True)},
            fix,
        )
    fraction = split_fraction(test_size, len(y))
    rng = np.random.default_rng(seed)
    test = []
    for c, count in enumerate(counts):
        k = min(max(round(fraction * count), 1), count - 1)
        test += rng.permutation(np.flatnonzero(y == c))[:k].tolist()
    test = np.sort(test)
    pool = np.setdiff1d(np.arange(len(y)), test)
    return ImageTask(x[pool], y[pool], x[test], y[test], names)


def split_fraction(test_size: int | float, n: int) -> float:
    """Return the test set's share of n images: test_size itself (a fraction) or test_size / n."""
    if isinstance(test_size, int | np.integer) and not isinstance(test_size, bool):
        if not 1 <= test_size < n:
            fix = f"pass a number of images between 1 and {n - 1}, or a fraction such as 0.3"
            raise bad_input("test_size", f"an int between 1 and {n - 1}", test_size, fix)
        return test_size / n
    fix = "pass a fraction strictly between 0 and 1, e.g. 0.3, or a number of images"
    fraction = check_number(test_size, "test_size", 0, 1, fix=fix, open_low=True)
    if fraction == 1:
        raise bad_input("test_size", "a fraction < 1", test_size, fix)
    return fraction


def show_labeled(
    images: torch.Tensor,
    labels: np.ndarray,
    title: str = "",
    class_names: Sequence[str] = FASHION_CLASSES,
) -> plt.Figure:
    """Plot labeled images (N, [C,] H, W), gray or RGB, in rows by class (at most 10 per class),
    class names on the left (pass your task's `class_names`)."""
    labels = np.asarray(labels)
    if len(class_names) < 2 or labels.max() >= len(class_names):
        fix = "pass task.class_names (one name per class id)"
        raise bad_input(
            "class_names", f"a name for each of the {labels.max() + 1} classes", class_names, fix
        )
    pictures = float_images(images).permute(0, 2, 3, 1).numpy()  # (N, H, W, C) for imshow
    per_class = {c: np.flatnonzero(labels == c)[:10] for c in range(len(class_names))}
    height = max(1.5, 0.74 * len(per_class))
    fig, axes = plt.subplots(len(per_class), 10, figsize=(7, height), squeeze=False)
    for row, idx in per_class.items():
        for col, ax in enumerate(axes[row]):
            if col < len(idx):
                picture = pictures[idx[col]]
                gray = picture.shape[-1] == 1
                ax.imshow(picture[..., 0] if gray else picture, cmap="gray" if gray else None)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(class_names[row], rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def image_recipes(profile: Profile) -> dict[str, Recipe]:
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
