"""Few-label image classification (notebook 08): the SimCLR encoder probed or fine-tuned, the same
encoder from random init (`scratch`), and raw pixels, all judged on the same labeled examples.

Fine-tuning and `scratch` share one recipe: the course's training loop, the same augmentation,
a validation split carved from the labeled examples only, early stopping on it.
"""

import copy
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.finetune import classifier_eval_fn, labeled_holdout, predict
from course_lib.core.metrics import classification_scores
from course_lib.core.probe import probe_cv_predict
from course_lib.core.training import TrainConfig, train
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
    pretrained: nn.Module | None = None, n_classes: int = 10, seed: int = 0
) -> ImageClassifier:
    """Return a classifier on a copy of `pretrained`'s encoder, or on a randomly initialised one."""
    torch.manual_seed(seed)
    if pretrained is None:
        encoder = ConvEncoder(EncoderConfig())
    else:
        source = getattr(pretrained, "encoder", pretrained)
        if not isinstance(source, ConvEncoder):
            raise TypeError(f"expected a SimCLRModel or ConvEncoder, got {type(source).__name__}")
        encoder = copy.deepcopy(source)
    return ImageClassifier(encoder, n_classes).to(memory_format=torch.channels_last).train()


def steps_for(
    n_examples: int, epochs: int, batch_size: int, max_steps: int, min_steps: int = 1
) -> int:
    """Return the step budget: `epochs` passes over the examples, within [min_steps, max_steps]."""
    if min(n_examples, epochs, batch_size, max_steps, min_steps) < 1 or min_steps > max_steps:
        raise ValueError(
            "n_examples, epochs, batch_size, max_steps and min_steps must be positive, with "
            f"min_steps <= max_steps; got {n_examples}, {epochs}, {batch_size}, {max_steps}, "
            f"{min_steps}"
        )
    per_epoch = -(-n_examples // min(batch_size, n_examples))
    return int(min(max_steps, max(min_steps, epochs * per_epoch)))


def holdout_or_none(labels: np.ndarray, seed: int = 0) -> tuple[list[int], list[int]]:
    """Split labeled positions into (fit, validation); no validation when a class has < 2 examples."""
    labels = np.asarray(labels)
    if np.unique(labels, return_counts=True)[1].min() < 2:
        return list(range(len(labels))), []
    return labeled_holdout(labels, fraction=0.2, seed=seed)


def predict_images(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Return the predicted class of every image, in eval mode."""
    return predict(model, images, batch_size)


def fit_classifier(
    model: ImageClassifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    run_dir: Path,
    lr: float,
    steps: int,
    batch_size: int = 32,
    encoder_lr: float | None = None,
    augment: AugmentConfig | None = SUPERVISED_AUGMENT,
    early_stopping: bool = True,
    patience: int = 4,
    evals: int = 6,
    schedule: str = "cosine",
    seed: int = 0,
    live_plot: bool = False,
    progress: bool = True,
    fresh: bool = True,
) -> dict:
    """Train on labeled uint8 images with cross-entropy and the course loop; with early_stopping,
    hold out 20% of the labels, keep the weights with the lowest validation loss and stop after
    `patience` evaluations without improvement (0: never stop); `schedule` is the loop's
    learning-rate schedule. `progress=False` hides the bar;
    `fresh` discards an earlier run in run_dir instead of resuming it. Return the history (with
    'fit' and 'val' sizes)."""
    if images.ndim != 3 or images.dtype != torch.uint8 or len(images) != len(labels):
        raise ValueError(
            f"expected uint8 images (N, H, W) and N labels, got {images.dtype} "
            f"{tuple(images.shape)} and {len(labels)} labels"
        )
    if fresh:
        shutil.rmtree(run_dir, ignore_errors=True)
    fit, val = holdout_or_none(labels.numpy(), seed) if early_stopping else (range(len(labels)), [])
    fit, val = torch.as_tensor(list(fit)), torch.as_tensor(list(val), dtype=torch.long)
    fx, fy = images[fit], labels[fit]
    val_xy = (images[val], labels[val]) if len(val) else None
    pipeline = make_augment(augment) if augment is not None else None

    def loss_fn(m: nn.Module, batch) -> torch.Tensor:
        x, y = batch
        x = to_float_images(x)
        if pipeline is not None:
            with torch.no_grad():
                x = pipeline(x).clamp_(0, 1)
        return F.cross_entropy(m(x), y)

    groups = [{"params": list(model.head.parameters()), "lr": lr}]
    groups.append({"params": list(model.encoder.parameters()), "lr": encoder_lr or lr})
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=0.01)
    loader = DataLoader(
        TensorDataset(fx, fy),
        batch_size=min(batch_size, len(fx)),
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(seed),
    )
    stop = early_stopping and val_xy is not None
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=lr,
        schedule=schedule,
        eval_every=max(1, steps // evals),
        checkpoint_every=10**9,
        log_every=max(1, min(10, steps // 10)),
        mixed_precision="no",
        seed=seed,
        live_plot=live_plot,
        select_best="val_loss" if stop else None,
        patience=patience if stop else 0,
        extra={"fit": len(fx), "val": len(val), "encoder_lr": encoder_lr},
    )
    eval_fn = classifier_eval_fn((fx, fy), val_xy)
    history = train(model, loader, loss_fn, config, eval_fn, optimizer, progress=progress)
    return history | {"fit": len(fx), "val": len(val)}


def probe_scores(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    test_x: torch.Tensor,
    test_y: torch.Tensor,
    seed: int = 0,
) -> tuple[dict[str, float], np.ndarray]:
    """Fit a linear probe (standardised features, C by cross-validation on the labeled examples
    only) and return its test scores and predictions."""
    predicted = probe_cv_predict(train_x, np.asarray(train_y), test_x, seed=seed)
    return classification_scores(np.asarray(test_y), predicted, 10), predicted
