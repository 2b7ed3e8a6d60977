"""The course's one training loop, on `accelerate`: the same code on a CPU, one GPU or several.

Progress with tqdm.auto, a live loss plot in notebooks, periodic evaluation, bf16 where the
hardware supports it, and checkpoints: re-running an interrupted cell resumes where it stopped.
"""

import json
import math
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from IPython.display import display
from tqdm.auto import tqdm
from transformers import get_scheduler

from course_lib.core.runtime import mixed_precision as detected_precision
from course_lib.core.runtime import seed_everything

SCHEDULES = ("cosine", "linear", "constant")
PRECISIONS = ("auto", "no", "bf16")


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved beside its checkpoints)."""

    run_dir: Path
    max_steps: int
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 0
    schedule: str = "cosine"
    eval_every: int = 0  # 0: evaluate only at the end
    checkpoint_every: int = 200
    log_every: int = 10
    grad_clip: float | None = 1.0
    mixed_precision: str = "auto"
    seed: int = 0
    live_plot: bool = True
    select_best: str | None = None  # an eval metric: keep the weights where it was best
    patience: int = 0  # stop after this many evaluations without improvement (0: never stop)
    extra: dict = field(default_factory=dict)  # anything else worth recording with the run

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        if not isinstance(self.max_steps, int) or self.max_steps < 1:
            raise ValueError(f"max_steps must be a positive int, got {self.max_steps!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.mixed_precision not in PRECISIONS:
            raise ValueError(
                f"mixed_precision must be one of {PRECISIONS}, got {self.mixed_precision!r}"
            )
        if self.patience and not (self.select_best and self.eval_every):
            raise ValueError("patience (early stopping) needs select_best and eval_every")
        if not 0 <= self.warmup_steps < self.max_steps:
            raise ValueError(f"warmup_steps must be in [0, max_steps), got {self.warmup_steps}")

    def as_record(self) -> dict:
        """Return the config as JSON-ready values (paths as folder names)."""
        record = asdict(self)
        record["run_dir"] = self.run_dir.name
        return record


def make_accelerator(precision: str) -> Accelerator:
    """Return an Accelerator, resetting a single-process state left by an earlier run."""
    mode = detected_precision() if precision == "auto" else precision
    cpu = not torch.cuda.is_available()  # lets `torchrun` start several CPU processes (gloo)
    try:
        return Accelerator(mixed_precision=mode, cpu=cpu)
    except ValueError:  # a notebook's earlier run fixed another precision: start afresh
        AcceleratorState._reset_state(reset_partial_state=True)
        return Accelerator(mixed_precision=mode, cpu=cpu)


def default_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Return AdamW with weight decay on matrices only (not on biases and norms)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    other = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": other, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr)


def batch_size_of(batch) -> int:
    """Return the number of examples in a batch (tensor, tuple/list or dict of tensors)."""
    if isinstance(batch, torch.Tensor):
        return batch.shape[0]
    first = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    return batch_size_of(first)


def new_history() -> dict:
    """Return an empty training history."""
    return {"step": [], "loss": [], "lr": [], "eval": [], "seconds": 0.0, "samples": 0}


class LivePlot:
    """A loss (and eval) plot that redraws in place in a notebook; silent elsewhere."""

    def __init__(self, enabled: bool) -> None:
        self.handle = None
        self.fig = None
        if not enabled:
            return
        try:
            from IPython import get_ipython

            if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
                return
        except ImportError:
            return

        self.plt = plt
        self.fig, self.ax = plt.subplots(figsize=(6, 3))
        self.handle = display(self.fig, display_id=True)

    def update(self, history: dict) -> None:
        """Redraw the curves from the history."""
        if self.handle is None:
            return
        ax = self.ax
        ax.clear()
        ax.plot(history["step"], history["loss"], label="train loss", lw=1)
        for key in sorted({k for e in history["eval"] for k in e if "loss" in k}):
            points = [(e["step"], e[key]) for e in history["eval"] if key in e]
            ax.plot(*zip(*points, strict=True), "o-", label=key)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (nats)")
        ax.legend(loc="upper right")
        ax.grid(alpha=0.3)
        self.fig.tight_layout()
        self.handle.update(self.fig)

    def close(self) -> None:
        """Stop drawing (the last frame stays in the notebook)."""
        if self.fig is not None:
            self.plt.close(self.fig)


def cycle(loader: Iterable, accelerator: Accelerator, start_step: int, seed: int):
    """Yield batches forever, epoch after epoch, skipping what a resumed run already saw."""
    per_epoch = len(loader)
    epoch, skip = divmod(start_step, per_epoch)
    while True:
        torch.manual_seed(seed * 100_003 + epoch)  # same shuffle per epoch, with or without resume
        epoch_loader = accelerator.skip_first_batches(loader, skip) if skip else loader
        yield from epoch_loader
        epoch, skip = epoch + 1, 0


def save_checkpoint(accelerator: Accelerator, config: TrainConfig, step: int, history: dict):
    """Save model, optimizer, scheduler and RNG state plus the history, atomically."""
    accelerator.wait_for_everyone()
    final, partial = config.run_dir / "checkpoint", config.run_dir / "checkpoint.partial"
    accelerator.save_state(str(partial))
    if accelerator.is_main_process:
        state = {"step": step, "config": config.as_record(), "history": history}
        (partial / "train_state.json").write_text(json.dumps(state))
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
        (config.run_dir / "history.json").write_text(json.dumps(history))
    accelerator.wait_for_everyone()


def load_checkpoint(accelerator: Accelerator, config: TrainConfig) -> tuple[int, dict]:
    """Resume from run_dir/checkpoint if it was made with the same config; else start at step 0."""
    folder = config.run_dir / "checkpoint"
    state_file = folder / "train_state.json"
    if not state_file.is_file():
        return 0, new_history()
    state = json.loads(state_file.read_text())
    if state["config"] != json.loads(json.dumps(config.as_record())):  # tuples saved as lists
        if accelerator.is_main_process:
            print(f"{config.run_dir.name}: the config changed since the saved run; starting afresh")
        return 0, new_history()
    accelerator.load_state(str(folder))
    return state["step"], state["history"]


def evaluate(model, eval_fn, step: int, history: dict) -> dict:
    """Run eval_fn in eval mode without gradients and record its metrics."""
    model.eval()
    with torch.no_grad():
        metrics = {k: float(v) for k, v in eval_fn(model).items()}
    model.train()
    history["eval"].append({"step": step, **metrics})
    return metrics


def better(metric: str, new: float, old: float | None) -> bool:
    """Return True when `new` improves on `old` (lower for losses, higher for everything else)."""
    if old is None:
        return True
    return new < old if "loss" in metric else new > old


def track_best(model, accelerator, config: TrainConfig, step: int, history: dict) -> bool:
    """Save the weights when the selected metric improved; return True when it is time to stop."""
    metric, latest = config.select_best, history["eval"][-1]
    if metric not in latest:
        raise KeyError(f"select_best={metric!r} but eval_fn returned only {sorted(latest)}")
    best = history.get("best")
    if better(metric, latest[metric], best and best[metric]):
        history["best"] = {"step": step, metric: latest[metric]}
        if accelerator.is_main_process:
            torch.save(accelerator.unwrap_model(model).state_dict(), config.run_dir / "best.pt")
        return False
    since = sum(1 for e in history["eval"] if e["step"] > history["best"]["step"])
    return bool(config.patience) and since >= config.patience


def train(
    model: torch.nn.Module,
    train_loader,
    loss_fn: Callable,
    config: TrainConfig,
    eval_fn: Callable | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    progress: bool = True,
) -> dict:
    """Train `model` for config.max_steps on batches from `train_loader`; return the history.
    `progress=False` hides the progress bar (e.g. for dozens of short runs in one cell)."""
    if len(train_loader) == 0:
        raise ValueError("train_loader is empty: expected at least one batch")
    config.run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    accelerator = make_accelerator(config.mixed_precision)
    optimizer = optimizer or default_optimizer(model, config)
    name = "constant_with_warmup" if config.schedule == "constant" else config.schedule
    scheduler = get_scheduler(name, optimizer, config.warmup_steps, config.max_steps)
    model, optimizer, loader, scheduler = accelerator.prepare(
        model, optimizer, train_loader, scheduler
    )
    step, history = load_checkpoint(accelerator, config)
    if step >= config.max_steps or history.get("stopped_early"):
        return history
    if step and accelerator.is_main_process:
        print(f"{config.run_dir.name}: resuming from step {step} of {config.max_steps}")
    plot = LivePlot(config.live_plot and accelerator.is_main_process)
    plot_every = max(config.log_every, config.max_steps // 25)
    bar = tqdm(
        total=config.max_steps,
        initial=step,
        desc=config.run_dir.name,
        disable=not (progress and accelerator.is_main_process),
    )
    batches = cycle(loader, accelerator, step, config.seed)
    model.train()
    started, running = time.perf_counter(), []
    previous_handler = stop_on_sigterm()
    try:
        while step < config.max_steps:
            batch = next(batches)
            with accelerator.autocast():
                loss = loss_fn(model, batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss is {loss.item()} at step {step}: lower the lr")
            accelerator.backward(loss)
            if config.grad_clip:
                accelerator.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running.append(loss.item())
            history["samples"] += batch_size_of(batch) * accelerator.num_processes
            if step % config.log_every == 0 or step == config.max_steps:
                history["step"].append(step)
                history["loss"].append(sum(running) / len(running))
                history["lr"].append(scheduler.get_last_lr()[0])
                bar.set_postfix(**last_loss(history))
                running = []
            if eval_fn and config.eval_every and step % config.eval_every == 0:
                scores = evaluate(model, eval_fn, step, history)
                bar.set_postfix(**last_loss(history), **scores)
                if config.select_best and track_best(model, accelerator, config, step, history):
                    history["stopped_early"] = step
                    bar.update(1)
                    break
            if step % plot_every == 0:
                plot.update(history)
            bar.update(1)
            if step % config.checkpoint_every == 0 and step < config.max_steps:
                history["seconds"] += time.perf_counter() - started
                started = time.perf_counter()
                save_checkpoint(accelerator, config, step, history)
    except KeyboardInterrupt:
        history["seconds"] += time.perf_counter() - started
        save_checkpoint(accelerator, config, step, history)
        bar.close()
        plot.close()
        print(f"interrupted at step {step}: checkpoint saved; run the cell again to resume")
        raise
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    history["seconds"] += time.perf_counter() - started
    if eval_fn and (not history["eval"] or history["eval"][-1]["step"] != step):
        evaluate(model, eval_fn, step, history)
        if config.select_best:
            track_best(model, accelerator, config, step, history)
    if config.select_best:  # finish with the best weights seen, not the last ones
        accelerator.wait_for_everyone()
        best = torch.load(config.run_dir / "best.pt", weights_only=True)
        accelerator.unwrap_model(model).load_state_dict(best)
    plot.update(history)
    plot.close()
    bar.close()
    save_checkpoint(accelerator, config, step, history)
    return history


def last_loss(history: dict) -> dict:
    """Return {'loss': last logged loss} for the progress bar, or {} before the first log."""
    return {"loss": f"{history['loss'][-1]:.3f}"} if history["loss"] else {}


def stop_on_sigterm():
    """Turn SIGTERM (a killed job) into KeyboardInterrupt; return the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, handler)


def throughput(history: dict) -> float:
    """Return training examples per second over the whole (possibly resumed) run."""
    return history["samples"] / history["seconds"] if history["seconds"] else math.nan


def plot_history(
    history: dict,
    keys: Sequence[str],
    ax: plt.Axes,
    per_step: float = 1.0,
    label: str = "",
    style: str = "o-",
) -> plt.Axes:
    """The course's one curve plot: each key of a run against steps (or epochs, with per_step =
    1 / steps per epoch); 'loss' is the logged training loss, other keys its evaluations."""
    for key in keys:
        if key == "loss":
            points, line = list(zip(history["step"], history["loss"], strict=True)), "-"
        else:
            points, line = [(e["step"], e[key]) for e in history["eval"] if key in e], style
        if points:
            steps, values = zip(*points, strict=True)
            name = label or key.replace("_", " ")
            ax.plot([x * per_step for x in steps], values, line, ms=3, lw=1, label=name)
    ax.grid(alpha=0.3)
    return ax


def save_curve(history: dict, path: Path, baseline: float | None = None) -> Path:
    """Plot the training loss and every held-out loss of a run (plus a baseline line) to a PNG."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    keys = ["loss"] + sorted({k for e in history["eval"] for k in e if "loss" in k})
    plot_history(history, keys, ax)
    if baseline is not None:
        ax.axhline(baseline, ls="--", c="gray", label="unigram baseline")
    ax.set(xlabel="step", ylabel="nats")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return Path(path)


def pretraining_config(
    run_dir: Path,
    steps: int,
    lr: float,
    warmup_steps: int,
    evals: int,
    seed: int = 0,
    live_plot: bool = True,
    extra: dict | None = None,
) -> TrainConfig:
    """Return the config of a pretraining run: warm-up then cosine decay, `evals` held-out
    evaluations, each followed by a checkpoint (so an interrupted run resumes from there)."""
    every = max(1, steps // evals)
    return TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=lr,
        warmup_steps=min(warmup_steps, steps // 3),
        schedule="cosine",
        eval_every=every,
        checkpoint_every=every,
        log_every=min(10, every),
        seed=seed,
        live_plot=live_plot,
        extra=extra or {},
    )
