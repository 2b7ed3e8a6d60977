"""The course's one training loop, on `accelerate`: the same code on a CPU, one GPU or several.

Progress with tqdm.auto, a live loss plot in notebooks, periodic evaluation, bf16 where the
hardware supports it, and checkpoints: re-running an interrupted cell resumes where it stopped.

Checkpoints survive a `kill -9` at any moment and lose at most one checkpoint interval:

- each checkpoint is a folder `run_dir/checkpoint-<seq>-step<step>` (seq counts saves);
- it is written as `<name>.partial`, its files are fsynced, then `manifest.json` (size and
  sha256 of every file) is written last, and only then is the folder renamed to its final name
  (one atomic `rename`, then the run folder is fsynced). A folder without `.partial` is complete;
- the two newest complete checkpoints are kept, older ones and leftover `.partial` folders are
  deleted (the partials when the next run starts, under the run folder's lock);
- `run_dir/checkpoint` is a link to the newest one (swapped atomically), for people and tools;
- resuming loads the newest complete checkpoint whose files match its manifest. A damaged one
  (truncated, edited or missing file) is skipped with a message naming it, in favour of the
  older one; if none is usable, `CheckpointDamaged` names the folders and says what to delete.

A resumed run is bit-identical to an uninterrupted one (same thread count): the checkpoint also
holds every random state (python, numpy, torch, CUDA), the loader's generators at the start of
the epoch, the random state just before the last batch was fetched and the losses not yet
logged. Resuming replays the epoch's batches up to the checkpoint (so a collator that draws
random numbers, e.g. masking, and the loader's one-batch look-ahead see the same states), then
restores the random state of the checkpoint's step. Each process of a multi-process run saves
its own (`resume_<rank>.json`). The stop button (SIGINT) or a SIGTERM ends the run at the end of
the current step, so the checkpoint it saves is exact; a second signal stops it at once (then the
last periodic checkpoint stands).

A lock (`fcntl.flock` on `run_dir/train.lock`, held for the run, released by the system when the
process dies) makes a second process training into the same folder stop at once, naming the
other process.
"""

import base64
import fcntl
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Self, TextIO

import matplotlib.pyplot as plt
import numpy as np
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from IPython.display import display
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import get_scheduler

from course_lib.core.runtime import mixed_precision as detected_precision
from course_lib.core.runtime import seed_everything
from course_lib.core.validate import bad_input, check_choice, check_int, check_number

SCHEDULES = ("cosine", "linear", "constant")
PRECISIONS = ("auto", "no", "bf16")
LOCK_NAME = "train.lock"
KEEP_CHECKPOINTS = 2  # the newest and one older to fall back on if the newest is damaged
CHECKPOINT_NAME = re.compile(r"checkpoint-(\d+)-step(\d+)")
SAVE_AT_THE_END = "pass a number of steps >= 1 (max_steps or more saves only at the end)"
EVAL_AT_THE_END = "pass 0 to evaluate only at the end"
NO_CLIP = "pass None to train without clipping"
NO_DECAY = "pass 0 for no weight decay"
# what a loader yields: a tensor, a tuple/list of tensors or a dict of them
Batch = torch.Tensor | Sequence[torch.Tensor] | dict[str, torch.Tensor]


class CheckpointDamaged(RuntimeError):
    """No usable checkpoint is left in a run folder; the message names the damaged folders."""


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
        if not isinstance(self.run_dir, str | os.PathLike) or not str(self.run_dir):
            raise bad_input("run_dir", "a folder path", self.run_dir, "pass a Path or a str")
        self.run_dir = Path(self.run_dir)
        self.max_steps = check_int(self.max_steps, "max_steps", 1)
        self.lr = check_number(self.lr, "lr", 0, open_low=True, fix="pass a rate > 0, e.g. 1e-3")
        self.weight_decay = check_number(self.weight_decay, "weight_decay", 0, fix=NO_DECAY)
        self.warmup_steps = check_int(self.warmup_steps, "warmup_steps", 0)
        if self.warmup_steps >= self.max_steps:
            raise bad_input(
                "warmup_steps",
                f"an int in [0, max_steps={self.max_steps})",
                self.warmup_steps,
                "warm up for fewer steps than the run has",
            )
        check_choice(self.schedule, "schedule", SCHEDULES)
        self.eval_every = check_int(self.eval_every, "eval_every", 0, fix=EVAL_AT_THE_END)
        self.checkpoint_every = check_int(
            self.checkpoint_every, "checkpoint_every", 1, fix=SAVE_AT_THE_END
        )
        self.log_every = check_int(self.log_every, "log_every", 1)
        self.check_options()

    def check_options(self) -> None:
        """Check the optional fields (clipping, precision, seed, best-weights selection, extra)."""
        if self.grad_clip is not None:
            self.grad_clip = check_number(
                self.grad_clip, "grad_clip", 0, open_low=True, fix=NO_CLIP
            )
        check_choice(self.mixed_precision, "mixed_precision", PRECISIONS)
        self.seed = check_int(self.seed, "seed", 0)
        if not isinstance(self.live_plot, bool):
            raise bad_input("live_plot", "True or False", self.live_plot, "pass a bool")
        if self.select_best is not None and not (
            isinstance(self.select_best, str) and self.select_best
        ):
            raise bad_input(
                "select_best",
                "None or the name of a metric eval_fn returns",
                self.select_best,
                "pass e.g. 'val_loss'",
            )
        self.patience = check_int(self.patience, "patience", 0, fix="pass 0 to never stop early")
        if self.patience and not (self.select_best and self.eval_every):
            raise bad_input(
                "patience",
                "0 unless select_best and eval_every are set",
                self.patience,
                "early stopping needs select_best and eval_every; set them or pass patience=0",
            )
        if not isinstance(self.extra, dict):
            raise bad_input("extra", "a dict", self.extra, "pass a dict (or leave it out)")
        try:
            json.dumps(self.extra)
        except (TypeError, ValueError):
            raise bad_input(
                "extra",
                "a dict of JSON values (numbers, strings, lists, dicts)",
                self.extra,
                "convert paths and arrays to str or lists",
            ) from None

    def as_record(self) -> dict:
        """Return the config as JSON-ready values (paths as folder names)."""
        record = asdict(self)
        record["run_dir"] = self.run_dir.name
        return record


def check_train_args(
    model: object,
    train_loader: object,
    loss_fn: object,
    config: object,
    eval_fn: object,
    optimizer: object,
    progress: object,
) -> None:
    """Raise BadInput at once for an argument of train() it cannot use."""
    if not isinstance(model, torch.nn.Module):
        raise bad_input("model", "a torch.nn.Module", model, "pass the model to train")
    if not isinstance(config, TrainConfig):
        raise bad_input("config", "a TrainConfig", config, "build one: TrainConfig(run_dir, ...)")
    if not hasattr(train_loader, "__iter__") or not hasattr(train_loader, "__len__"):
        raise bad_input(
            "train_loader",
            "a DataLoader (iterable, with a length)",
            train_loader,
            "wrap the data in a torch DataLoader over a map-style Dataset",
        )
    if len(train_loader) == 0:
        raise bad_input(
            "train_loader",
            "at least one batch (the loader is empty)",
            train_loader,
            "give it data, or a batch_size <= the number of examples with drop_last=True",
        )
    if not callable(loss_fn):
        raise bad_input("loss_fn", "a function (model, batch) -> loss", loss_fn, "pass a function")
    if eval_fn is not None and not callable(eval_fn):
        raise bad_input("eval_fn", "None or a function model -> dict", eval_fn, "pass a function")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise bad_input("optimizer", "None or a torch optimizer", optimizer, "pass e.g. AdamW")
    if not isinstance(progress, bool):
        raise bad_input("progress", "True or False", progress, "pass a bool")
    if config.select_best and eval_fn is None:
        raise bad_input(
            "eval_fn",
            f"a function returning {config.select_best!r} (select_best needs it)",
            eval_fn,
            "pass eval_fn, or select_best=None",
        )


def precision_used(precision: str) -> str:
    """Return the precision a run asking for `precision` trains in ('auto' resolved here)."""
    return (
        detected_precision()
        if check_choice(precision, "mixed_precision", PRECISIONS) == "auto"
        else precision
    )


def make_accelerator(precision: str) -> Accelerator:
    """Return an Accelerator, resetting a single-process state left by an earlier run."""
    mode = precision_used(precision)
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


def batch_size_of(batch: Batch) -> int:
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


def rng_states() -> dict:
    """Return every global random state: python, numpy, torch CPU and CUDA (when in use)."""
    states = {"python": random.getstate(), "numpy": np.random.get_state()}
    states["torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict) -> None:
    """Restore the global random states returned by rng_states()."""
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def rng_to_json(states: dict) -> dict:
    """Return rng_states() as JSON values (lists and base64 text)."""
    version, internal, gauss = states["python"]
    name, keys, pos, has_gauss, cached = states["numpy"]
    record = {
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), pos, has_gauss, cached],
        "torch": encode_bytes(states["torch"]),
    }
    if "cuda" in states:
        record["cuda"] = [encode_bytes(s) for s in states["cuda"]]
    return record


def rng_from_json(record: dict) -> dict:
    """Return the states saved by rng_to_json(), ready for set_rng_states()."""
    version, internal, gauss = record["python"]
    name, keys, pos, has_gauss, cached = record["numpy"]
    states = {
        "python": (version, tuple(internal), gauss),
        "numpy": (name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached),
        "torch": decode_bytes(record["torch"]),
    }
    if "cuda" in record:
        states["cuda"] = [decode_bytes(s) for s in record["cuda"]]
    return states


def encode_bytes(state: torch.Tensor) -> str:
    """Return a uint8 random-state tensor as base64 text."""
    return base64.b64encode(state.cpu().numpy().tobytes()).decode()


def decode_bytes(text: str) -> torch.Tensor:
    """Return the uint8 tensor encoded by encode_bytes()."""
    return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.uint8)


def loader_generators(loader: Iterable) -> list[torch.Generator]:
    """Return the distinct torch.Generators a (prepared) loader shuffles with, in a fixed order."""
    base = getattr(loader, "base_dataloader", loader)
    parts = [loader, base, getattr(loader, "synchronized_generator", None)]
    for owner in (loader, base):
        batches = getattr(owner, "batch_sampler", None)
        inner = getattr(batches, "batch_sampler", None)  # accelerate's shards wrap the original
        parts += [getattr(owner, "sampler", None), batches, getattr(batches, "sampler", None)]
        parts.append(getattr(inner, "sampler", None))
    found = []
    for part in parts:
        generator = part if isinstance(part, torch.Generator) else getattr(part, "generator", None)
        if isinstance(generator, torch.Generator) and all(generator is not g for g in found):
            found.append(generator)
    return found


class BatchStream:
    """Batches forever, epoch after epoch, each epoch shuffled from its own seed; its state()
    lets a resumed run see exactly the batches and random states an uninterrupted one sees."""

    def __init__(self, loader: Iterable, seed: int) -> None:
        self.loader, self.seed = loader, seed
        self.generators = loader_generators(loader)
        self.epoch, self.index, self.batches = 0, 0, None
        self.epoch_generators = self.generator_states()
        self.before_last = None  # the random states just before the last batch was fetched

    def generator_states(self) -> list[str]:
        """Return the loader's generator states as text."""
        return [encode_bytes(g.get_state()) for g in self.generators]

    def start_epoch(self) -> None:
        """Seed the epoch's shuffle (the same with or without resume) and start iterating."""
        self.epoch_generators = self.generator_states()
        torch.manual_seed(self.seed * 100_003 + self.epoch)
        if hasattr(self.loader, "set_epoch"):  # accelerate's count of passes, also after a resume
            self.loader.set_epoch(self.epoch)
        self.batches, self.index = iter(self.loader), 0

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Batch:
        """Return the next batch, starting a new epoch when this one is spent."""
        while True:
            if self.batches is None:
                self.start_epoch()
            self.before_last = rng_states()
            try:
                batch = next(self.batches)
            except StopIteration:
                self.epoch, self.batches = self.epoch + 1, None
                continue
            self.index += 1
            return batch

    def state(self) -> dict:
        """Return where the stream is: epoch, batches fetched in it, the generators at the epoch's
        start and the random states before the last fetch (stream_record() makes it JSON)."""
        return {
            "epoch": self.epoch,
            "index": self.index,
            "epoch_generators": self.epoch_generators,
            "before_last": self.before_last,
        }

    def restore(self, state: dict) -> None:
        """Go back to a stream_record() by replaying the epoch's batches up to it."""
        self.epoch = state["epoch"]
        for generator, saved in zip(self.generators, state["epoch_generators"], strict=True):
            generator.set_state(decode_bytes(saved))
        if not state["index"]:
            return
        self.start_epoch()
        for _ in range(state["index"] - 1):
            next(self.batches)
        self.before_last = rng_from_json(state["before_last"])
        set_rng_states(self.before_last)  # the loader's look-ahead batch sees what it saw
        next(self.batches)
        self.index = state["index"]


def stream_record(state: dict) -> dict:
    """Return a BatchStream.state() as JSON values."""
    before = state["before_last"]
    return state | {"before_last": before and rng_to_json(before)}


def fsync_path(path: Path) -> None:
    """Flush a file or a folder (its list of names) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_durably(path: Path, text: str) -> None:
    """Write a text file and flush it to disk."""
    with open(path, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def replace_file(path: Path, text: str) -> None:
    """Replace a text file atomically: write a temporary file beside it, then rename it over."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def file_digest(path: Path) -> str:
    """Return the sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder: Path) -> None:
    """Flush every file of a checkpoint to disk, then record their sizes and hashes (last)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    entries = {}
    for path in files:
        fsync_path(path)
        entries[path.relative_to(folder).as_posix()] = [path.stat().st_size, file_digest(path)]
    write_durably(folder / "manifest.json", json.dumps({"files": entries}))
    fsync_path(folder)


def manifest_problem(folder: Path) -> str | None:
    """Return what is wrong with a checkpoint folder's files, or None when they are intact."""
    try:
        entries = json.loads((folder / "manifest.json").read_text())["files"]
        expected = {name: (int(size), str(digest)) for name, (size, digest) in entries.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "manifest.json is missing or unreadable"
    for name in ("train_state.json", "resume_0.json"):
        if name not in expected:
            return f"manifest.json does not list {name}"
    for name, (size, digest) in expected.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes instead of {size} (truncated?)"
        if file_digest(path) != digest:
            return f"{name} changed since it was saved"
    return None


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a file (no copy, and later replacements of `source` leave it as it is)."""
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def publish(partial: Path, final: Path) -> None:
    """Switch to a complete checkpoint: one atomic rename, then flush the run folder."""
    partial.rename(final)
    fsync_path(final.parent)


def checkpoint_folders(run_dir: Path) -> list[Path]:
    """Return the complete checkpoint folders of a run, newest first."""
    found = [p for p in Path(run_dir).glob("checkpoint-*") if CHECKPOINT_NAME.fullmatch(p.name)]
    number = lambda folder: int(CHECKPOINT_NAME.fullmatch(folder.name)[1])  # noqa: E731
    return sorted((p for p in found if p.is_dir()), key=number, reverse=True)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """Return the newest complete checkpoint folder of a run (None before the first)."""
    folders = checkpoint_folders(run_dir)
    return folders[0] if folders else None


def remove_old_checkpoints(run_dir: Path, keep: int = KEEP_CHECKPOINTS) -> None:
    """Delete all but the `keep` newest complete checkpoints (and the course's older layout)."""
    for folder in checkpoint_folders(run_dir)[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(Path(run_dir) / "checkpoint.partial", ignore_errors=True)


def point_to(folder: Path) -> None:
    """Make run_dir/checkpoint a link to `folder` (swapped atomically), for people and tools
    that look there; resuming itself picks the newest intact folder."""
    link, temporary = folder.parent / "checkpoint", folder.parent / "checkpoint.link"
    if link.is_dir() and not link.is_symlink():  # the course's older layout
        shutil.rmtree(link)
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    os.replace(temporary, link)


def remove_partials(run_dir: Path) -> None:
    """Delete the unfinished checkpoint folders a killed run left behind."""
    for folder in Path(run_dir).glob("checkpoint-*.partial"):
        shutil.rmtree(folder, ignore_errors=True)
        print(f"removed {folder}: a checkpoint a stopped run did not finish writing")


def lock_run(run_dir: Path) -> TextIO:
    """Hold run_dir/train.lock for this process (the system releases it when the process dies);
    raise BadInput naming the other process when it is taken."""
    handle = open(Path(run_dir) / LOCK_NAME, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise bad_input(
            "config.run_dir",
            "a run folder no other process is training into",
            str(run_dir),
            f"{holder} is training into {run_dir}: wait for it to finish or stop it, or pass "
            "another run_dir",
        ) from None
    except OSError:  # a file system without locks (some network drives): train unguarded
        print(f"{run_dir}: this file system cannot lock; do not train into it twice at once")
        return handle
    handle.seek(0)
    handle.truncate()
    handle.write(f"process {os.getpid()}")
    handle.flush()
    return handle


def unlock_run(handle: TextIO) -> None:
    """Release the run folder's lock."""
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def next_checkpoint_name(run_dir: Path, step: int) -> str:
    """Return the folder name of the next checkpoint (one more than the newest's number)."""
    newest = latest_checkpoint(run_dir)
    number = int(CHECKPOINT_NAME.fullmatch(newest.name)[1]) + 1 if newest else 1
    return f"checkpoint-{number:06d}-step{step}"


def save_checkpoint(accelerator: Accelerator, config: TrainConfig, state: dict) -> Path:
    """Write a checkpoint completely, flush it, then switch to it atomically (see the module
    docstring). `state`: step, history, running (losses not yet logged), rng and stream."""
    accelerator.wait_for_everyone()
    run_dir = config.run_dir
    final = run_dir / next_checkpoint_name(run_dir, state["step"])
    partial = final.with_name(final.name + ".partial")
    accelerator.save_state(str(partial))
    resume = {"rng": rng_to_json(state["rng"]), "stream": stream_record(state["stream"])}
    resume |= {"history": state["history"], "running": state["running"]}  # this process's
    (partial / f"resume_{accelerator.process_index}.json").write_text(json.dumps(resume))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        keys = ("step", "history", "running")
        record = {k: state[k] for k in keys} | {"config": config.as_record()}
        (partial / "train_state.json").write_text(json.dumps(record))
        if (run_dir / "best.pt").is_file():  # the best weights so far, as they were then
            link_or_copy(run_dir / "best.pt", partial / "best.pt")
        write_manifest(partial)
        publish(partial, final)
        point_to(final)
        remove_old_checkpoints(run_dir)
        replace_file(run_dir / "history.json", json.dumps(state["history"]))  # a copy, for people
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(
    accelerator: Accelerator, config: TrainConfig, stream: BatchStream
) -> tuple[int, dict, list]:
    """Resume from the newest intact checkpoint made with the same config; return (step,
    history, running). Start at step 0 without one; raise CheckpointDamaged if all are damaged."""
    damaged = []
    for folder in checkpoint_folders(config.run_dir):
        problem = manifest_problem(folder)
        if problem is None:
            state = json.loads((folder / "train_state.json").read_text())
            if state["config"] != json.loads(json.dumps(config.as_record())):  # tuples: lists
                say(accelerator, f"{config.run_dir.name}: the config changed; starting afresh")
                if accelerator.is_main_process:  # the other run's best weights are not ours
                    (config.run_dir / "best.pt").unlink(missing_ok=True)
                return 0, new_history(), []
            try:
                history, running = restore(accelerator, config, folder, stream, state)
            except Exception as error:  # a file that passed its manifest but does not load
                problem = f"it does not load ({type(error).__name__}: {error})"
            else:
                if damaged:
                    say(accelerator, f"skipped {'; '.join(damaged)}: resuming from {folder}")
                if accelerator.is_main_process:
                    point_to(folder)
                return state["step"], history, running
        damaged.append(f"{folder} ({problem})")
    if damaged:
        raise CheckpointDamaged(
            f"no usable checkpoint in {config.run_dir}: {'; '.join(damaged)}. Fix: delete the "
            "damaged folder(s) to restart this run from step 0 (or restore them from a backup)"
        )
    legacy = config.run_dir / "checkpoint"
    if legacy.is_dir() and not legacy.is_symlink():
        say(accelerator, f"{legacy} is from an older version of the course: starting afresh")
    return 0, new_history(), []


def restore(
    accelerator: Accelerator, config: TrainConfig, folder: Path, stream: BatchStream, state: dict
) -> tuple[dict, list]:
    """Load a checkpoint's weights, optimizer and scheduler; for an unfinished run also its
    best weights, data order and random states; return this process's (history, running)."""
    accelerator.load_state(str(folder))
    if state["step"] >= config.max_steps or state["history"].get("stopped_early"):
        return state["history"], state["running"]
    if accelerator.is_main_process:  # best.pt as it was at the checkpoint (or none)
        best, temporary = config.run_dir / "best.pt", config.run_dir / "best.pt.tmp"
        if (folder / "best.pt").is_file():
            shutil.copyfile(folder / "best.pt", temporary)
            os.replace(temporary, best)
        else:
            best.unlink(missing_ok=True)
    resume = json.loads((folder / f"resume_{accelerator.process_index}.json").read_text())
    stream.restore(resume["stream"])
    set_rng_states(rng_from_json(resume["rng"]))
    return resume["history"], resume["running"]


def say(accelerator: Accelerator, message: str) -> None:
    """Print a message once (on the main process)."""
    if accelerator.is_main_process:
        print(message)


def evaluate(
    model: torch.nn.Module, eval_fn: Callable[[torch.nn.Module], object], step: int, history: dict
) -> dict:
    """Run eval_fn in eval mode without gradients and record its metrics."""
    model.eval()
    with torch.no_grad():
        scores = eval_fn(model)
    model.train()
    if not isinstance(scores, dict):
        raise bad_input(
            "eval_fn",
            "a function returning a dict {metric name: number}",
            scores,
            "return e.g. {'val_loss': 0.7}",
        )
    metrics = {}
    for key, value in scores.items():
        try:
            metrics[str(key)] = float(value)
        except (TypeError, ValueError):
            raise bad_input(
                f"eval_fn()[{key!r}]", "a number", value, "return floats (.item() on tensors)"
            ) from None
    history["eval"].append({"step": step, **metrics})
    return metrics


def better(metric: str, new: float, old: float | None) -> bool:
    """Return True when `new` improves on `old` (lower for losses, higher for everything else)."""
    if old is None:
        return True
    return new < old if "loss" in metric else new > old


def track_best(
    model: torch.nn.Module, accelerator: Accelerator, config: TrainConfig, step: int, history: dict
) -> bool:
    """Save the weights when the selected metric improved; return True when it is time to stop."""
    metric, latest = config.select_best, history["eval"][-1]
    if metric not in latest:
        raise KeyError(f"select_best={metric!r} but eval_fn returned only {sorted(latest)}")
    best = history.get("best")
    if better(metric, latest[metric], best and best[metric]):
        history["best"] = {"step": step, metric: latest[metric]}
        if accelerator.is_main_process:
            save_weights(accelerator.unwrap_model(model), config.run_dir / "best.pt")
        return False
    since = sum(1 for e in history["eval"] if e["step"] > history["best"]["step"])
    return bool(config.patience) and since >= config.patience


def save_weights(model: torch.nn.Module, path: Path) -> None:
    """Save a state_dict atomically (a temporary file, flushed, then renamed over `path`)."""
    temporary = path.with_name(path.name + ".tmp")
    torch.save(model.state_dict(), temporary)
    fsync_path(temporary)
    os.replace(temporary, path)


def check_loss(loss: object, step: int) -> None:
    """Raise for a loss_fn result that is not a finite scalar tensor."""
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise bad_input(
            "loss_fn",
            "a function returning a scalar tensor (the loss)",
            loss,
            "return the mean loss of the batch, e.g. F.cross_entropy(model(x), y)",
        )
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss is {loss.item()} at step {step}: lower the lr")


def train(
    model: torch.nn.Module,
    train_loader: DataLoader,
    loss_fn: Callable,
    config: TrainConfig,
    eval_fn: Callable | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    progress: bool = True,
) -> dict:
    """Train `model` for config.max_steps on batches from `train_loader`; return the history.
    `progress=False` hides the progress bar (e.g. for dozens of short runs in one cell)."""
    check_train_args(model, train_loader, loss_fn, config, eval_fn, optimizer, progress)
    config.run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    accelerator = make_accelerator(config.mixed_precision)
    lock = lock_run(config.run_dir) if accelerator.is_main_process else None
    try:
        if lock is not None:
            remove_partials(config.run_dir)
        accelerator.wait_for_everyone()
        optimizer = optimizer or default_optimizer(model, config)
        name = "constant_with_warmup" if config.schedule == "constant" else config.schedule
        scheduler = get_scheduler(name, optimizer, config.warmup_steps, config.max_steps)
        parts = accelerator.prepare(model, optimizer, train_loader, scheduler)
        return run(accelerator, parts, loss_fn, config, eval_fn, progress)
    finally:
        if lock is not None:
            unlock_run(lock)


def run(
    accelerator: Accelerator,
    parts: tuple,
    loss_fn: Callable,
    config: TrainConfig,
    eval_fn: Callable | None,
    progress: bool,
) -> dict:
    """The loop of train(), on prepared (model, optimizer, loader, scheduler)."""
    state = RunState(accelerator, parts, config)
    if state.step >= config.max_steps or state.history.get("stopped_early"):
        return state.history
    if state.step:
        say(
            accelerator,
            f"{config.run_dir.name}: resuming from step {state.step} of {config.max_steps}",
        )
    state.show(progress)
    try:
        with StopSignals() as stop:
            while state.step < config.max_steps:
                stop.check()
                state.update(loss_fn)
                if state.after_update(eval_fn):
                    break
    except KeyboardInterrupt:
        state.interrupted()
        raise
    state.finish(eval_fn)
    return state.history


class RunState:
    """A run in progress: its prepared parts, its step, history and data stream, its display."""

    def __init__(self, accelerator: Accelerator, parts: tuple, config: TrainConfig) -> None:
        self.accelerator, self.config = accelerator, config
        self.model, self.optimizer, loader, self.scheduler = parts
        self.stream = BatchStream(loader, config.seed)
        self.step, self.history, self.running = load_checkpoint(accelerator, config, self.stream)
        self.snapshot, self.updating = self.position(), False
        self.started, self.bar, self.plot = time.perf_counter(), None, None

    def position(self) -> dict:
        """Return where the run is: its step, every random state and the data stream's state."""
        return {"step": self.step, "rng": rng_states(), "stream": self.stream.state()}

    def show(self, progress: bool) -> None:
        """Start the progress bar and the live plot (main process only)."""
        main = self.accelerator.is_main_process
        self.plot = LivePlot(self.config.live_plot and main)
        self.bar = tqdm(
            total=self.config.max_steps,
            initial=self.step,
            desc=self.config.run_dir.name,
            disable=not (progress and main),
        )
        self.model.train()
        self.started = time.perf_counter()

    def save(self, position: dict) -> None:
        """Save a checkpoint of `position` with the history and the losses not yet logged."""
        self.history["seconds"] += time.perf_counter() - self.started
        self.started = time.perf_counter()
        extra = {"history": self.history, "running": list(self.running)}
        save_checkpoint(self.accelerator, self.config, position | extra)

    def update(self, loss_fn: Callable) -> None:
        """Take one optimisation step on the next batch."""
        batch = next(self.stream)
        with self.accelerator.autocast():
            loss = loss_fn(self.model, batch)
        check_loss(loss, self.step)
        self.accelerator.backward(loss)
        if self.config.grad_clip:
            self.accelerator.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.updating = True  # until the step is recorded, the state is neither step's
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        self.running.append(loss.item())
        self.history["samples"] += batch_size_of(batch) * self.accelerator.num_processes

    def after_update(self, eval_fn: Callable | None) -> bool:
        """Log, evaluate, plot and checkpoint as the config says; return True to stop early."""
        config, step, history = self.config, self.step, self.history
        if step % config.log_every == 0 or step == config.max_steps:
            history["step"].append(step)
            history["loss"].append(sum(self.running) / len(self.running))
            history["lr"].append(self.scheduler.get_last_lr()[0])
            self.bar.set_postfix(**last_loss(history))
            self.running = []
        if eval_fn and config.eval_every and step % config.eval_every == 0:
            scores = evaluate(self.model, eval_fn, step, history)
            self.bar.set_postfix(**last_loss(history), **scores)
            if config.select_best and track_best(
                self.model, self.accelerator, config, step, history
            ):
                history["stopped_early"] = step
                self.bar.update(1)
                return True
        if step % max(config.log_every, config.max_steps // 25) == 0:
            self.plot.update(history)
        self.bar.update(1)
        self.snapshot = self.position()
        if step % config.checkpoint_every == 0 and step < config.max_steps:
            self.save(self.snapshot)
        self.updating = False
        return False

    def interrupted(self) -> None:
        """Save the last whole step after a KeyboardInterrupt (none when it came mid-update)."""
        self.bar.close()
        self.plot.close()
        if self.updating:
            print(f"interrupted during step {self.step}: the last checkpoint stands; run it again")
            return
        self.save(self.snapshot)
        print(f"interrupted at step {self.step}: checkpoint saved; run the cell again to resume")

    def finish(self, eval_fn: Callable | None) -> None:
        """Evaluate the last step, keep the best weights if asked, save the final checkpoint."""
        model, config, history = self.model, self.config, self.history
        if eval_fn and (not history["eval"] or history["eval"][-1]["step"] != self.step):
            evaluate(model, eval_fn, self.step, history)
            if config.select_best:
                track_best(model, self.accelerator, config, self.step, history)
        if config.select_best:  # finish with the best weights seen, not the last ones
            self.accelerator.wait_for_everyone()
            best = torch.load(config.run_dir / "best.pt", weights_only=True)
            self.accelerator.unwrap_model(model).load_state_dict(best)
        self.plot.update(history)
        self.plot.close()
        self.bar.close()
        self.save(self.position())


def last_loss(history: dict) -> dict:
    """Return {'loss': last logged loss} for the progress bar, or {} before the first log."""
    return {"loss": f"{history['loss'][-1]:.3f}"} if history["loss"] else {}


class StopSignals:
    """While training: the first SIGINT or SIGTERM (the stop button, a killed job) stops the run
    at the end of the current step, so its checkpoint is exact; a second one stops it at once."""

    def __init__(self) -> None:
        self.requested, self.previous = None, {}

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, self.handler)
        return self

    def handler(self, signum: int, frame: FrameType | None) -> None:
        """Remember the first signal; raise at the second."""
        if self.requested is not None:
            raise KeyboardInterrupt(f"signal {signum}, twice")
        self.requested = signum

    def check(self) -> None:
        """Raise KeyboardInterrupt at a step boundary when a signal came."""
        if self.requested is not None:
            raise KeyboardInterrupt(f"signal {self.requested}")

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)


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
    mixed_precision: str = TrainConfig.mixed_precision,
) -> TrainConfig:
    """Return the config of a pretraining run: warm-up then cosine decay, `evals` held-out
    evaluations, each followed by a checkpoint (so an interrupted run resumes from there);
    `mixed_precision` as in TrainConfig ('auto': bf16 where the device runs it fast)."""
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
        mixed_precision=mixed_precision,
    )
