"""Fine-tuning a classifier on a few labels with the course's training loop: a validation split
carved from the labeled examples only, train vs validation curves, early stopping."""

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.metrics import classification_scores
from course_lib.core.training import TrainConfig, train


def labeled_holdout(labels, fraction: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """Split labeled positions into (fit, validation), stratified, at least one of each per class
    when the class has two or more examples; the test set is never involved."""
    labels = np.asarray(labels)
    if not 0 < fraction < 1 or len(labels) < 2:
        raise ValueError(
            f"expected 0 < fraction < 1 and at least 2 labels, got {fraction}, {len(labels)}"
        )
    rng = np.random.default_rng(seed)
    fit, val = [], []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_val = int(round(len(members) * fraction)) if len(members) > 1 else 0
        n_val = min(max(n_val, 1 if len(members) > 1 else 0), len(members) - 1)
        val += members[:n_val].tolist()
        fit += members[n_val:].tolist()
    if not val:
        val, fit = fit[-1:], fit[:-1]
    return sorted(fit), sorted(val)


def two_speed_optimizer(
    model: torch.nn.Module, head: torch.nn.Module, lr: float, body_lr: float, weight_decay=0.01
) -> torch.optim.AdamW:
    """AdamW where the new `head` learns at `lr` and every other (pretrained) weight at `body_lr`
    (ULMFiT's discriminative fine-tuning in its simplest form)."""
    head_ids = {id(p) for p in head.parameters()}
    body = [p for p in model.parameters() if id(p) not in head_ids]
    if not head_ids or not body or len(body) + len(head_ids) != len(list(model.parameters())):
        raise ValueError("expected a head that is part of the model and some weights outside it")
    groups = [{"params": list(head.parameters()), "lr": lr}, {"params": body, "lr": body_lr}]
    # fused: one kernel for all the weights (4x faster steps for a small model on a CPU)
    return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, fused=True)


@torch.no_grad()
def predict_logits(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Return the model's logits for every row of `x`, in eval mode, batch by batch."""
    if len(x) == 0:
        raise ValueError("expected at least one example (an image or a document) to predict")
    was_training = model.training
    model.eval()
    logits = torch.cat([model(x[i : i + batch_size]).float() for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return logits


def predict(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """Return predicted classes (numpy) for every row of `x`."""
    return predict_logits(model, x, batch_size).argmax(1).numpy()


def classifier_eval_fn(
    train_xy: tuple[torch.Tensor, torch.Tensor],
    val_xy: tuple[torch.Tensor, torch.Tensor] | None,
    n_classes: int = 10,
    max_train_eval: int = 128,
) -> Callable[[nn.Module], dict[str, float]]:
    """Return eval_fn(model): loss on (up to max_train_eval) training images, and validation
    loss and macro-F1 when there is a validation split."""
    tx, ty = train_xy[0][:max_train_eval], train_xy[1][:max_train_eval]

    def eval_fn(model: nn.Module) -> dict[str, float]:
        scores = {"train_loss": F.cross_entropy(predict_logits(model, tx), ty).item()}
        if val_xy is not None:
            logits = predict_logits(model, val_xy[0])
            f1 = classification_scores(val_xy[1].numpy(), logits.argmax(1).numpy(), n_classes)
            scores |= {"val_loss": F.cross_entropy(logits, val_xy[1]).item()}
            scores |= {"val_macro_f1": f1["macro_f1"]}
        return scores

    return eval_fn


def fit_classifier(
    model: torch.nn.Module,
    train_xy: tuple[torch.Tensor, torch.Tensor],
    val_xy: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    batch_size: int = 16,
    augment=None,
    optimizer: torch.optim.Optimizer | None = None,
    progress: bool = True,
) -> dict:
    """Train `model` (x -> logits) with cross-entropy; evaluate train and validation loss and
    macro-F1 every config.eval_every steps; return the loop's history."""
    (x, y), (vx, vy) = train_xy, val_xy
    if len(x) != len(y) or len(vx) != len(vy) or not len(x):
        raise ValueError(
            f"expected matching examples and labels, got {len(x)}/{len(y)} and {len(vx)}/{len(vy)}"
        )
    n_classes = int(max(y.max(), vy.max())) + 1
    generator = torch.Generator().manual_seed(config.seed)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=min(batch_size, len(x)), shuffle=True, generator=generator
    )

    def loss_fn(m, batch):
        inputs, targets = batch
        return F.cross_entropy(m(augment(inputs) if augment else inputs), targets)

    eval_fn = classifier_eval_fn(train_xy, val_xy, n_classes, max_train_eval=len(x))
    return train(model, loader, loss_fn, config, eval_fn, optimizer, progress=progress)
