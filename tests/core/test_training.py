"""The training loop: learns, validates its config, resumes after an interrupt, runs on 2 processes."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core import runtime
from course_lib.core.training import (
    TrainConfig,
    latest_checkpoint,
    precision_used,
    save_curve,
    throughput,
    train,
)

ROOT = Path(__file__).resolve().parents[2]


def regression_loader(seed: int = 0) -> DataLoader:
    """A shuffled loader for y = 2x + 1 with noise."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(200, 3, generator=generator)
    y = (
        x @ torch.tensor([[2.0], [-1.0], [0.5]])
        + 1
        + 0.01 * torch.randn(200, 1, generator=generator)
    )
    return DataLoader(TensorDataset(x, y), batch_size=20, shuffle=True)


def mse(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


def fresh_model() -> torch.nn.Module:
    torch.manual_seed(123)
    return torch.nn.Linear(3, 1)


def config(run_dir, **overrides) -> TrainConfig:
    values = dict(
        run_dir=run_dir,
        max_steps=30,
        lr=0.2,
        checkpoint_every=10,
        log_every=5,
        mixed_precision="no",
        live_plot=False,
    )
    return TrainConfig(**(values | overrides))


def saved_state(run_dir) -> dict:
    """The train_state.json of a run's newest checkpoint."""
    return json.loads((latest_checkpoint(run_dir) / "train_state.json").read_text())


def test_loss_goes_down_and_history_is_recorded(tmp_path):
    evals = []
    history = train(
        fresh_model(),
        regression_loader(),
        mse,
        config(tmp_path / "run"),
        eval_fn=lambda m: evals.append(1) or {"val_loss": 0.5},
    )
    assert history["loss"][-1] < 0.2 * history["loss"][0]
    assert history["step"] == [5, 10, 15, 20, 25, 30]
    assert history["samples"] == 30 * 20
    assert history["eval"][-1]["step"] == 30 and evals
    assert throughput(history) > 0
    saved = json.loads((tmp_path / "run" / "history.json").read_text())
    assert saved["step"] == history["step"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"max_steps": 0}, "max_steps"),
        ({"lr": 0}, "lr"),
        ({"schedule": "step"}, "schedule"),
        ({"mixed_precision": "fp8"}, "mixed_precision"),
        ({"warmup_steps": 30}, "warmup_steps"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        config(tmp_path, **bad)


def test_empty_loader_is_a_clear_error(tmp_path):
    empty = DataLoader(TensorDataset(torch.zeros(0, 3), torch.zeros(0, 1)), batch_size=4)
    with pytest.raises(ValueError, match="empty"):
        train(fresh_model(), empty, mse, config(tmp_path))


def test_interrupted_run_resumes_and_matches_an_uninterrupted_one(tmp_path):
    straight = fresh_model()
    train(straight, regression_loader(), mse, config(tmp_path / "straight"))

    calls = {"n": 0}

    def interrupting(model, batch):
        calls["n"] += 1
        if calls["n"] == 17:  # the learner presses stop during step 17
            raise KeyboardInterrupt
        return mse(model, batch)

    resumed = fresh_model()
    with pytest.raises(KeyboardInterrupt):
        train(resumed, regression_loader(), interrupting, config(tmp_path / "resumed"))
    state = saved_state(tmp_path / "resumed")
    assert state["step"] == 16  # nothing done before the interrupt was lost

    resumed = fresh_model()  # a new kernel: fresh weights, the checkpoint restores them
    history = train(resumed, regression_loader(), mse, config(tmp_path / "resumed"))
    assert history["step"][-1] == 30 and history["samples"] == 30 * 20
    torch.testing.assert_close(resumed.weight, straight.weight)
    torch.testing.assert_close(resumed.bias, straight.bias)


def test_a_config_holding_tuples_still_resumes(tmp_path):
    """JSON gives tuples in `extra` back as lists: the same run, so it resumes, not restarts."""
    calls = {"n": 0}

    def interrupted_at_call_15(model, batch):
        calls["n"] += 1
        if calls["n"] == 15:
            raise KeyboardInterrupt
        return mse(model, batch)

    run = config(tmp_path / "run", extra={"encoder": {"widths": (32, 64)}})
    with pytest.raises(KeyboardInterrupt):
        train(fresh_model(), regression_loader(), interrupted_at_call_15, run)
    calls["n"] = 100
    train(fresh_model(), regression_loader(), interrupted_at_call_15, run)
    assert calls["n"] == 100 + 30 - 14  # only the steps after the checkpoint at step 14 ran


def test_sigterm_saves_a_checkpoint_and_restores_the_handler(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    calls = {"n": 0}

    def killed_at_step_12(model, batch):
        calls["n"] += 1
        if calls["n"] == 12:
            os.kill(os.getpid(), signal.SIGTERM)
        return mse(model, batch)

    with pytest.raises(KeyboardInterrupt):
        train(fresh_model(), regression_loader(), killed_at_step_12, config(tmp_path / "run"))
    state = saved_state(tmp_path / "run")
    assert state["step"] == 12  # the step in progress finishes, then the run stops and saves
    assert signal.getsignal(signal.SIGTERM) is before


def test_evaluating_before_the_first_logged_loss(tmp_path):
    history = train(
        fresh_model(),
        regression_loader(),
        mse,
        config(tmp_path / "run", log_every=10, eval_every=3),
        eval_fn=lambda m: {"val_loss": 0.5},
    )
    assert history["eval"][0]["step"] == 3 and history["step"][0] == 10


def test_finished_run_returns_its_history_and_weights(tmp_path):
    first = fresh_model()
    history = train(first, regression_loader(), mse, config(tmp_path / "run"))
    again = fresh_model()
    assert train(again, regression_loader(), mse, config(tmp_path / "run")) == history
    torch.testing.assert_close(again.weight, first.weight)


def test_changed_config_starts_afresh(tmp_path, capsys):
    train(fresh_model(), regression_loader(), mse, config(tmp_path / "run"))
    history = train(fresh_model(), regression_loader(), mse, config(tmp_path / "run", lr=0.01))
    assert "starting afresh" in capsys.readouterr().out
    assert history["step"][0] == 5


def test_two_processes(tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        OMP_NUM_THREADS="1",
    )
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(ROOT / "tests" / "scripts" / "train_two_processes.py"),
        str(tmp_path),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["world"] == 2 for r in reports)
    assert reports[0]["last"] < 0.1 * reports[0]["first"]
    assert reports[0]["weight"] == pytest.approx(reports[1]["weight"])  # ranks stay in sync
    assert reports[0]["samples"] == 40 * 16 * 2
    assert all(r["resumed_same"] and r["resumed_weights_same"] for r in reports)  # bit-identical


def test_early_stopping_keeps_the_best_weights(tmp_path):
    scores = iter([0.5, 0.9, 0.7, 0.6, 0.8, 0.95, 0.99])
    seen = {}

    def eval_fn(model):
        seen[len(seen)] = model.weight.detach().clone()
        return {"val_accuracy": next(scores)}

    model = fresh_model()
    cfg = config(tmp_path / "run", eval_every=5, select_best="val_accuracy", patience=2)
    history = train(model, regression_loader(), mse, cfg, eval_fn=eval_fn)
    assert history["best"] == {"step": 10, "val_accuracy": 0.9}
    assert history["stopped_early"] == 20  # two evaluations (15, 20) without improvement
    torch.testing.assert_close(model.weight, seen[1])  # the weights of step 10, not step 20
    again = fresh_model()
    assert train(again, regression_loader(), mse, cfg, eval_fn=eval_fn) == history
    torch.testing.assert_close(again.weight, seen[1])


def test_selecting_an_unknown_metric_is_a_clear_error(tmp_path):
    cfg = config(tmp_path / "run", eval_every=5, select_best="val_f1")
    with pytest.raises(KeyError, match="val_f1"):
        train(fresh_model(), regression_loader(), mse, cfg, eval_fn=lambda m: {"val_loss": 1.0})
    with pytest.raises(ValueError, match="patience"):
        config(tmp_path, patience=3)


def test_save_curve_writes_a_png_of_the_losses(tmp_path):
    history = {"step": [1, 2, 3], "loss": [3.0, 2.0, 1.5], "eval": [{"step": 3, "val_loss": 1.7}]}
    path = save_curve(history, tmp_path / "curve.png", baseline=2.5)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_plot_history_draws_the_training_loss_and_each_evaluated_key():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib.core.training import plot_history

    history = {
        "step": [1, 2, 3, 4],
        "loss": [4.0, 3.0, 2.5, 2.0],
        "eval": [{"step": 2, "val_loss": 3.1, "acc": 0.5}, {"step": 4, "val_loss": 2.9}],
    }
    ax = plot_history(history, ["loss", "val_loss", "acc"], plt.subplots()[1], per_step=0.5)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"loss", "val loss", "acc"}
    assert list(lines["val loss"].get_xdata()) == [1.0, 2.0]  # steps 2 and 4, in epochs of 2 steps
    assert list(lines["acc"].get_ydata()) == [0.5]  # only the evaluations that measured it


def test_precision_used_resolves_auto_and_refuses_unknown_names():
    assert precision_used("auto") == runtime.mixed_precision()
    assert (precision_used("no"), precision_used("bf16")) == ("no", "bf16")
    with pytest.raises(ValueError, match="mixed_precision"):
        precision_used("fp16")
