"""The course's one recipe for training a classifier on a few labels, text or images.

The number of training steps is chosen the way every method of the course chooses its knobs
(`course_lib.data.splits.labeled_holdout`): train on four fifths of the labeled examples, keep the
step with the lowest cross-entropy on the held-out fifth, then train a fresh copy on *all* the
labeled examples for that many steps. The test set is never involved.
"""

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.metrics import classification_scores
from course_lib.core.training import Batch, TrainConfig, plot_history, train
from course_lib.core.validate import bad_input
from course_lib.data.splits import labeled_holdout


@dataclass(frozen=True)
class Recipe:
    """How a classifier is trained on labels: rates, epoch budget, batch, evaluations."""

    lr: float  # the new head's learning rate (every weight's, for a model from scratch)
    body_lr: float | None = None  # the pretrained body's rate (None: the head's)
    epochs: int = 30  # passes over the labeled examples, before the holdout choice
    batch_size: int = 32
    min_steps: int = 100  # tiny label sets still get this many steps
    evals: int = 10  # validation evaluations in the run that chooses the step
    schedule: str = "cosine"
    warmup_frac: float = 0.0
    weight_decay: float = 0.01
    mixed_precision: str = "no"

    def __post_init__(self) -> None:
        """Refuse settings that cannot train."""
        if not self.lr > 0 or (self.body_lr is not None and not self.body_lr >= 0):
            raise ValueError(f"lr must be positive and body_lr >= 0, got {self.lr}, {self.body_lr}")
        if min(self.epochs, self.batch_size, self.min_steps, self.evals) < 1:
            raise ValueError(
                "epochs, batch_size, min_steps and evals must be >= 1, got "
                f"{self.epochs}, {self.batch_size}, {self.min_steps}, {self.evals}"
            )

    def steps_for(self, n_examples: int) -> int:
        """Return the step budget for n examples: `epochs` passes, at least `min_steps`."""
        per_epoch = -(-n_examples // min(self.batch_size, n_examples))
        return max(self.min_steps, self.epochs * per_epoch)


def two_speed_optimizer(
    model: nn.Module, head: nn.Module, lr: float, body_lr: float, weight_decay: float = 0.01
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
def predict_logits(model: nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Return the model's logits for every row of `x`, in eval mode, batch by batch."""
    if len(x) == 0:
        raise ValueError("expected at least one example (an image or a document) to predict")
    was_training = model.training
    model.eval()
    logits = torch.cat([model(x[i : i + batch_size]).float() for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return logits


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """Return predicted classes (numpy) for every row of `x`."""
    return predict_logits(model, x, batch_size).argmax(1).numpy()


def classifier_eval_fn(
    train_xy: tuple[torch.Tensor, torch.Tensor],
    val_xy: tuple[torch.Tensor, torch.Tensor],
    n_classes: int,
    max_train_eval: int = 128,
) -> Callable[[nn.Module], dict[str, float]]:
    """Return eval_fn(model): loss on (up to max_train_eval) training examples, validation loss
    and validation macro-F1."""
    tx, ty = train_xy[0][:max_train_eval], train_xy[1][:max_train_eval]

    def eval_fn(model: nn.Module) -> dict[str, float]:
        logits = predict_logits(model, val_xy[0])
        f1 = classification_scores(val_xy[1].numpy(), logits.argmax(1).numpy(), n_classes)
        return {
            "train_loss": F.cross_entropy(predict_logits(model, tx), ty).item(),
            "val_loss": F.cross_entropy(logits, val_xy[1]).item(),
            "val_macro_f1": f1["macro_f1"],
        }

    return eval_fn


def fingerprint(*tensors: torch.Tensor | tuple[torch.Tensor | None, ...] | None) -> str:
    """Return a short hash of the examples a run trains and validates on (resume only on the same)."""
    digest = hashlib.sha1()
    for t in tensors:
        for part in t if isinstance(t, tuple) else (t,):
            if part is not None:
                digest.update(torch.as_tensor(part).contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def weights_fingerprint(model: nn.Module) -> str:
    """Return a short hash of a model's weights (a run resumes only from the same start)."""
    return fingerprint(tuple(v.detach().cpu().float() for v in model.state_dict().values()))


def start_fingerprint(make_model: Callable[[], nn.Module]) -> str:
    """Return the hash of what `make_model()` starts from (its random parts drawn with seed 0,
    the caller's random state left untouched): another pretrained checkpoint, another hash."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return weights_fingerprint(make_model())


def train_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    recipe: Recipe,
    run_dir: Path,
    steps: int,
    *,
    val_xy: tuple[torch.Tensor, torch.Tensor] | None = None,
    n_classes: int | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    progress: bool = False,
    start: str | None = None,
) -> dict:
    """Train `model` (x -> logits, with a `.head`) with cross-entropy for `steps` steps; with
    `val_xy`, evaluate `recipe.evals` times and finish with the lowest-validation-loss weights.
    A finished run is reloaded only for the same examples, recipe and `start` (default: the
    hash of `model`'s weights)."""
    if not hasattr(model, "head"):
        raise TypeError(f"expected a model with a `.head` module, got {type(model).__name__}")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        TensorDataset(x, y),
        batch_size=min(recipe.batch_size, len(x)),
        shuffle=True,
        drop_last=True,
        generator=generator,
    )

    def loss_fn(m: nn.Module, batch: Batch) -> torch.Tensor:
        inputs, targets = batch
        if augment is not None:
            with torch.no_grad():
                inputs = augment(inputs)
        return F.cross_entropy(m(inputs), targets)

    body_lr = recipe.lr if recipe.body_lr is None else recipe.body_lr
    optimizer = two_speed_optimizer(model, model.head, recipe.lr, body_lr, recipe.weight_decay)
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=recipe.lr,
        schedule=recipe.schedule,
        warmup_steps=int(recipe.warmup_frac * steps),
        checkpoint_every=10**9,
        eval_every=max(1, steps // recipe.evals) if val_xy is not None else 0,
        log_every=max(1, min(10, steps // 10)),
        mixed_precision=recipe.mixed_precision,
        seed=seed,
        live_plot=False,
        select_best="val_loss" if val_xy is not None else None,
        # a finished run with the same config, recipe and examples is reloaded, not retrained
        extra={
            "recipe": asdict(recipe),
            "data": fingerprint(x, y, val_xy),
            "start": start or weights_fingerprint(model),  # another checkpoint: trained afresh
            "augment": bool(augment),
        },
    )
    n_classes = n_classes or int(y.max()) + 1
    eval_fn = classifier_eval_fn((x, y), val_xy, n_classes) if val_xy is not None else None
    return train(model, loader, loss_fn, config, eval_fn, optimizer, progress=progress)


def fit_classifier(
    make_model: Callable[[], nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    recipe: Recipe,
    run_dir: Path,
    *,
    n_classes: int | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    progress: bool = False,
) -> tuple[nn.Module, dict]:
    """Choose the number of steps on a holdout of the labels, then train a fresh model from
    `make_model()` on all of them for that many steps; return (model, record of the choice)."""
    if len(x) != len(y) or len(y) < 2:
        raise ValueError(f"expected matching examples and labels (>= 2), got {len(x)} / {len(y)}")
    y = class_ids(y)
    n_classes = n_classes or int(y.max()) + 1
    fit, val = labeled_holdout(y.numpy(), 0.2, seed)
    budget = recipe.steps_for(len(fit))
    record = {"budget_steps": budget, "fit": len(fit), "val": len(val), "history": None}
    start = start_fingerprint(make_model)
    if val:  # choose the step on the held-out fifth
        fit_t, val_t = torch.as_tensor(fit), torch.as_tensor(val)
        chooser = make_model()
        history = train_steps(
            chooser,
            x[fit_t],
            y[fit_t],
            recipe,
            Path(run_dir) / "choose",
            budget,
            val_xy=(x[val_t], y[val_t]),
            n_classes=n_classes,
            augment=augment,
            seed=seed,
            progress=progress,
            start=start,
        )
        record |= {"history": history, "chosen_step": history["best"]["step"]}
    steps = record.get("chosen_step", recipe.steps_for(len(y)))
    model = make_model()
    train_steps(
        model,
        x,
        y,
        recipe,
        Path(run_dir) / "refit",
        steps,
        n_classes=n_classes,
        augment=augment,
        seed=seed,
        progress=progress,
        start=start,
    )
    return model.eval(), record | {"steps": steps, "recipe": asdict(recipe)}


def class_ids(y: torch.Tensor | ArrayLike) -> torch.Tensor:
    """Return labels as a long tensor of class ids; BadInput for names, floats or negatives."""
    array = y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if array.dtype.kind not in "iu" or (array.size and array.min() < 0):
        raise bad_input(
            "y",
            "class ids: ints 0..k-1",
            y,
            "turn class names into ids first: ids, names = course_lib.data.own.encode_labels(y)",
        )
    return torch.as_tensor(array, dtype=torch.long)


def plot_fit(history: dict, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Plot a run's training and validation loss against steps, with a star at the kept step."""
    ax = ax or plt.subplots(figsize=(5.5, 3.4))[1]
    plot_history(history, ["train_loss", "val_loss"], ax)
    if history.get("best"):
        best = history["best"]
        ax.plot(best["step"], best["val_loss"], "k*", ms=12, label=f"kept: step {best['step']}")
    ax.set(xlabel="step", ylabel="cross-entropy (nats)", title=title)
    ax.legend(fontsize=7)
    return ax
