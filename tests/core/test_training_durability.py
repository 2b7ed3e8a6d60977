"""Training runs that never get lost: kill -9 at any point of a checkpoint save, damaged
checkpoints, two processes on one run folder, resumes identical to uninterrupted runs, and
bad arguments refused before any work."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.training import (
    CheckpointDamaged,
    TrainConfig,
    checkpoint_folders,
    latest_checkpoint,
    train,
)
from course_lib.core.validate import BadInput

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "scripts" / "train_durability.py"
spec = importlib.util.spec_from_file_location("train_durability", SCRIPT)
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)


def run_script(run_dir: Path, *point: str, wait: bool = True) -> subprocess.Popen:
    """Start the training script (killing itself at `point`, if given) in a fresh process; when
    waiting for it, its stderr is in `.errors`."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    command = [sys.executable, str(SCRIPT), str(run_dir), str(torch.get_num_threads()), *point]
    output = subprocess.PIPE if wait else subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=output)
    if wait:
        process.errors = process.communicate(timeout=120)[1].decode()
    return process


def train_in_process(run_dir: Path) -> tuple[dict, torch.nn.Module]:
    """Train (or resume) the script's run here; return its history and model."""
    model, loader, config = script.make_run(run_dir)
    history = train(model, loader, script.loss_fn, config, eval_fn=script.eval_fn, progress=False)
    return history, model


def comparable(history: dict) -> dict:
    """A history without its wall-clock time."""
    return {k: v for k, v in history.items() if k != "seconds"}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[dict, torch.nn.Module]:
    """The run trained from start to end without a break."""
    return train_in_process(tmp_path_factory.mktemp("straight") / "run")


@pytest.mark.parametrize(
    "point, when, resumes_at",
    [
        ("writing", 2, 10),  # the second checkpoint (step 20) half-written: back to step 10
        ("written", 2, 10),  # complete but not switched to: back to step 10
        ("switched", 2, 20),  # switched to, older ones not yet deleted: nothing lost
        ("step", 27, 20),  # in the middle of step 27: back to step 20
    ],
)
def test_kill_9_resumes_from_the_last_complete_checkpoint_identically(
    tmp_path, capsys, uninterrupted, point, when, resumes_at
):
    run_dir = tmp_path / "run"
    killed = run_script(run_dir, point, str(when))
    assert killed.returncode == -9, killed.errors[-2000:]
    done = 2 * script.CHECKPOINT_EVERY if point != "step" else when - 1  # steps finished

    history, model = train_in_process(run_dir)
    resumed = re.search(r"resuming from step (\d+)", capsys.readouterr().out)
    assert resumed and int(resumed[1]) == resumes_at
    assert 0 <= done - resumes_at <= script.CHECKPOINT_EVERY  # at most one interval lost
    assert not list(run_dir.glob("*.partial"))  # what the killed run left half-done is gone
    straight_history, straight_model = uninterrupted
    assert comparable(history) == comparable(straight_history)  # every loss and eval, exactly
    for mine, theirs in zip(model.parameters(), straight_model.parameters(), strict=True):
        assert torch.equal(mine, theirs)


def interrupted_run(run_dir: Path, stop_at: int) -> None:
    """Train the script's run until a KeyboardInterrupt during step `stop_at`."""
    model, loader, config = script.make_run(run_dir)
    calls = {"n": 0}

    def stopping(model, batch):
        calls["n"] += 1
        if calls["n"] == stop_at:
            raise KeyboardInterrupt
        return script.loss_fn(model, batch)

    with pytest.raises(KeyboardInterrupt):
        train(model, loader, stopping, config, eval_fn=script.eval_fn, progress=False)


def test_interrupted_again_right_after_resuming_still_matches(tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    interrupted_run(run_dir, stop_at=14)  # saves step 13, mid-epoch and between two logs
    interrupted_run(run_dir, stop_at=1)  # stopped in the first step after resuming: step 13 again
    history, _ = train_in_process(run_dir)
    assert comparable(history) == comparable(uninterrupted[0])


def test_a_checkpoint_of_the_older_layout_is_named_then_replaced(tmp_path, capsys):
    run_dir = tmp_path / "run"
    (run_dir / "checkpoint").mkdir(parents=True)
    (run_dir / "checkpoint" / "train_state.json").write_text("{}")
    history, _ = train_in_process(run_dir)
    assert "older version of the course: starting afresh" in capsys.readouterr().out
    assert history["step"][-1] == script.MAX_STEPS
    assert (run_dir / "checkpoint").resolve() == latest_checkpoint(run_dir).resolve()


def truncate(folder: Path) -> None:
    """Cut the weights file in half."""
    path = folder / "model.safetensors"
    os.truncate(path, path.stat().st_size // 2)


def bad_json(folder: Path) -> None:
    """Damage train_state.json (same size, not JSON any more)."""
    path = folder / "train_state.json"
    text = path.read_text()
    path.write_text("#" + text[1:])


def missing(folder: Path) -> None:
    """Delete the optimizer state."""
    (folder / "optimizer.bin").unlink()


@pytest.mark.parametrize("damage", [truncate, bad_json, missing])
def test_a_damaged_checkpoint_falls_back_to_the_older_one_and_says_so(
    tmp_path, capsys, uninterrupted, damage
):
    run_dir = tmp_path / "run"
    interrupted_run(run_dir, stop_at=26)  # checkpoints at steps 10, 20 and 25 (the interrupt)
    newest, older = checkpoint_folders(run_dir)[:2]
    damage(newest)
    history, _ = train_in_process(run_dir)
    out = capsys.readouterr().out
    assert str(newest) in out and f"resuming from step {script.CHECKPOINT_EVERY * 2}" in out
    assert comparable(history) == comparable(uninterrupted[0])


def test_no_usable_checkpoint_is_an_error_naming_the_folders_never_a_restart(tmp_path):
    run_dir = tmp_path / "run"
    interrupted_run(run_dir, stop_at=16)
    for folder in checkpoint_folders(run_dir):
        truncate(folder)
    with pytest.raises(CheckpointDamaged, match="delete the damaged folder") as error:
        train_in_process(run_dir)
    assert all(str(folder) in str(error.value) for folder in checkpoint_folders(run_dir))


def test_a_second_process_on_the_same_run_folder_is_refused_at_once(tmp_path):
    run_dir = tmp_path / "run"
    first = run_script(run_dir, "pause", "1", wait=False)
    try:
        deadline = time.monotonic() + 120
        while not (run_dir / "paused").exists():
            assert first.poll() is None and time.monotonic() < deadline, (
                "the first run did not start"
            )
            time.sleep(0.05)
        started = time.perf_counter()
        with pytest.raises(BadInput, match=f"process {first.pid}") as error:
            train_in_process(run_dir)
        assert str(run_dir) in str(error.value) and time.perf_counter() - started < 5
    finally:
        first.kill()
        first.wait(timeout=60)
    history, _ = train_in_process(run_dir)  # the killed run left no stale lock
    assert history["step"][-1] == script.MAX_STEPS


def test_unfinished_checkpoints_alone_mean_a_fresh_start_that_says_so(
    tmp_path, capsys, uninterrupted
):
    run_dir = tmp_path / "run"
    interrupted_run(run_dir, stop_at=16)
    for folder in checkpoint_folders(run_dir):  # as if the run was killed before finishing them
        folder.rename(folder.with_name(folder.name + ".partial"))
    history, _ = train_in_process(run_dir)
    assert "did not finish writing" in capsys.readouterr().out
    assert comparable(history) == comparable(uninterrupted[0])
    assert not list(run_dir.glob("*.partial")) and latest_checkpoint(run_dir) is not None


def tiny_loader(n: int = 8) -> DataLoader:
    """A loader of n examples of y = x."""
    x = torch.randn(n, 2)
    return DataLoader(TensorDataset(x, x), batch_size=4)


def mse(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


@pytest.mark.parametrize(
    "field, value",
    [
        ("run_dir", 3),
        ("max_steps", 0),
        ("max_steps", 2.5),
        ("lr", 0),
        ("lr", float("nan")),
        ("weight_decay", -0.1),
        ("warmup_steps", -1),
        ("warmup_steps", 10),
        ("schedule", "step"),
        ("eval_every", -1),
        ("checkpoint_every", 0),
        ("log_every", 0),
        ("grad_clip", 0),
        ("mixed_precision", "fp8"),
        ("seed", -1),
        ("seed", True),
        ("live_plot", "yes"),
        ("select_best", ""),
        ("patience", 2),  # without select_best and eval_every
        ("patience", -1),
        ("extra", {"path": Path("x")}),
        ("extra", ["not", "a", "dict"]),
    ],
)
def test_bad_config_field_is_refused_naming_it(tmp_path, field, value):
    values = {"run_dir": tmp_path / "run", "max_steps": 10} | {field: value}
    with pytest.raises(BadInput, match=rf"^{field}: expected"):
        TrainConfig(**values)


def test_eval_fn_returning_something_else_than_a_dict_is_refused(tmp_path):
    config = TrainConfig(tmp_path / "run", max_steps=4, eval_every=2, live_plot=False)
    with pytest.raises(BadInput, match="^eval_fn: expected"):
        train(torch.nn.Linear(2, 2), tiny_loader(), mse, config, eval_fn=lambda m: 0.5)
    config = TrainConfig(tmp_path / "run2", max_steps=4, eval_every=2, live_plot=False)
    with pytest.raises(BadInput, match=r"^eval_fn\(\)\['acc'\]: expected a number"):
        train(torch.nn.Linear(2, 2), tiny_loader(), mse, config, eval_fn=lambda m: {"acc": "hi"})


@pytest.mark.parametrize(
    "argument, value",
    [
        ("model", "a model"),
        ("train_loader", tiny_loader(0)),
        ("train_loader", iter([1, 2])),
        ("loss_fn", "mse"),
        ("config", {"max_steps": 4}),
        ("eval_fn", 3),
        ("optimizer", "adam"),
        ("progress", "no"),
    ],
)
def test_bad_train_argument_is_refused_before_any_work(tmp_path, argument, value):
    config = TrainConfig(tmp_path / "run", max_steps=4, live_plot=False)
    arguments = dict(model=torch.nn.Linear(2, 2), train_loader=tiny_loader(), loss_fn=mse)
    arguments |= {"config": config, argument: value}
    with pytest.raises(BadInput, match=rf"^{argument}: expected"):
        train(**arguments)
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_select_best_without_eval_fn_and_a_non_scalar_loss_are_refused(tmp_path):
    config = TrainConfig(tmp_path / "run", max_steps=4, select_best="val_loss", live_plot=False)
    with pytest.raises(BadInput, match="^eval_fn: expected a function returning 'val_loss'"):
        train(torch.nn.Linear(2, 2), tiny_loader(), mse, config)
    config = TrainConfig(tmp_path / "run2", max_steps=4, live_plot=False)
    with pytest.raises(BadInput, match="^loss_fn: expected a function returning a scalar"):
        train(torch.nn.Linear(2, 2), tiny_loader(), lambda m, b: m(b[0]), config)


def test_a_loader_with_its_own_generator_resumes_identically(tmp_path):
    """Like core.finetune's loaders: the shuffle comes from the loader's generator, whose state
    at the start of the epoch is part of the checkpoint."""

    def run(run_dir: Path, stop_at: int | None = None) -> dict:
        x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
        loader = DataLoader(
            TensorDataset(x, x),
            batch_size=8,
            shuffle=True,
            generator=torch.Generator().manual_seed(5),
        )
        calls = {"n": 0}

        def loss(model, batch):
            calls["n"] += 1
            if calls["n"] == stop_at:
                raise KeyboardInterrupt
            return mse(model, batch)

        torch.manual_seed(0)
        config = TrainConfig(run_dir, max_steps=23, lr=0.05, log_every=1, live_plot=False)
        return train(torch.nn.Linear(2, 2), loader, loss, config, progress=False)

    straight = run(tmp_path / "straight")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "resumed", stop_at=13)  # in the third epoch of five batches
    assert (
        json.loads((latest_checkpoint(tmp_path / "resumed") / "train_state.json").read_text())[
            "step"
        ]
        == 12
    )
    assert comparable(run(tmp_path / "resumed")) == comparable(straight)
