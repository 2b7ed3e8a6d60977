"""A tiny training run for tests/core/test_training_durability.py that kills itself (SIGKILL)
at a named point, as `kill -9` would.

    python train_durability.py RUN_DIR THREADS [POINT WHEN]

POINT, WHEN:
    writing N   during the N-th checkpoint save, while its files are being written (one of
                them half-written)
    written N   the N-th checkpoint is complete on disk but not yet switched to
    switched N  right after the switch to the N-th checkpoint, before the older ones are deleted
    step N      in the middle of step N (its forward pass)
    pause N     no kill: after the N-th checkpoint, write RUN_DIR/paused and wait to be killed

Without POINT it trains to the end. Every random source the course's loaders and losses use is
drawn from: the shuffle, a masking collator (torch), python's and numpy's generators, dropout
in the loss and an evaluation that samples.
"""

import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core import training
from course_lib.core.training import TrainConfig, train

CHECKPOINT_EVERY = 10
MAX_STEPS = 40


def collate(items: list) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack a batch and mask it at random, as a masked-LM collator does."""
    x = torch.stack([item[0] for item in items])
    y = torch.stack([item[1] for item in items])
    keep = (torch.rand(x.shape) > 0.15).float()
    jitter = random.random() * 1e-3 + float(np.random.rand()) * 1e-3
    return x * keep + jitter, y


def loss_fn(model: torch.nn.Module, batch) -> torch.Tensor:
    """Mean squared error of a model with dropout."""
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


def eval_fn(model: torch.nn.Module) -> dict[str, float]:
    """Loss on a random sample of fresh points (the evaluation draws random numbers too)."""
    x = torch.randn(16, 4)
    return {"val_loss": float(torch.nn.functional.mse_loss(model(x), x.sum(1, keepdim=True)))}


def make_run(run_dir: Path) -> tuple:
    """Return (model, loader, config) of the run, the same on every call."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(96, 4, generator=generator)
    loader = DataLoader(
        TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8, shuffle=True, collate_fn=collate
    )
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 1)
    )
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=MAX_STEPS,
        lr=0.02,
        checkpoint_every=CHECKPOINT_EVERY,
        log_every=3,  # not a divisor of CHECKPOINT_EVERY: losses not yet logged are saved too
        eval_every=5,
        mixed_precision="no",
        live_plot=False,
    )
    return model, loader, config


def kill_on_call(name: str, when: int, before=None) -> None:
    """Replace training.<name> by a version that SIGKILLs this process on its `when`-th call."""
    original, calls = getattr(training, name), {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == when:
            if before is not None:
                before(*args)
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(training, name, wrapper)


def half_write(folder: Path) -> None:
    """Cut the checkpoint's largest file in half, as a kill in the middle of writing it would."""
    largest = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    os.truncate(largest, largest.stat().st_size // 2)


def pause_after(when: int, run_dir: Path) -> None:
    """After the `when`-th switch, say so in RUN_DIR/paused and wait to be killed."""
    original, calls = training.publish, {"n": 0}

    def wrapper(*args):
        original(*args)
        calls["n"] += 1
        if calls["n"] == when:
            (run_dir / "paused").write_text(str(os.getpid()))
            time.sleep(600)

    training.publish = wrapper


def main(run_dir: Path, threads: int, point: str | None, when: int) -> None:
    """Train, killed at `point` when one is given."""
    torch.set_num_threads(threads)
    model, loader, config = make_run(run_dir)
    loss = loss_fn
    if point == "writing":
        kill_on_call("write_manifest", when, before=half_write)
    elif point == "written":
        kill_on_call("publish", when)
    elif point == "switched":
        kill_on_call("remove_old_checkpoints", when)
    elif point == "pause":
        pause_after(when, run_dir)
    elif point == "step":
        calls = {"n": 0}

        def loss(model, batch):
            calls["n"] += 1
            if calls["n"] == when:
                os.kill(os.getpid(), signal.SIGKILL)
            return loss_fn(model, batch)

    train(model, loader, loss, config, eval_fn=eval_fn, progress=False)


if __name__ == "__main__":
    arguments = sys.argv[1:] + [None, "0"]
    main(Path(arguments[0]), int(arguments[1]), arguments[2], int(arguments[3]))
