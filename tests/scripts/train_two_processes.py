"""Run by tests/core/test_training.py under `torch.distributed.run --nproc_per_node 2`: a run
straight through, and the same run interrupted at step 13 then resumed, on 2 processes."""

import json
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.training import TrainConfig, train


def fit(run_dir: Path, stop_at: int | None = None) -> tuple[dict, torch.nn.Module]:
    """Fit y = 3x - 1 (randomly weighted examples: random states matter); stop during step
    `stop_at`."""
    torch.manual_seed(0)
    x = torch.randn(256, 1)
    loader = DataLoader(TensorDataset(x, 3 * x - 1), batch_size=16, shuffle=True)
    model = torch.nn.Linear(1, 1)
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=40,
        lr=0.3,
        log_every=3,
        checkpoint_every=10,
        mixed_precision="no",
        live_plot=False,
    )
    calls = {"n": 0}

    def loss_fn(m, b):
        calls["n"] += 1
        if calls["n"] == stop_at:
            raise KeyboardInterrupt
        weights = 1 + 0.1 * torch.rand_like(b[1])
        return ((m(b[0]) - b[1]) ** 2 * weights).mean()

    return train(model, loader, loss_fn, config, progress=False), model


def main(folder: str) -> None:
    """Report each rank's result, straight and resumed."""
    history, model = fit(Path(folder, "straight"))
    try:
        fit(Path(folder, "resumed"), stop_at=13)
    except KeyboardInterrupt:
        pass
    resumed, resumed_model = fit(Path(folder, "resumed"))
    from accelerate import PartialState

    state = PartialState()
    weight = getattr(model, "module", model).weight
    report = {
        "rank": state.process_index,
        "world": state.num_processes,
        "first": history["loss"][0],
        "last": history["loss"][-1],
        "weight": float(weight.detach().flatten()[0]),
        "samples": history["samples"],
        "resumed_same": resumed["loss"] == history["loss"] and resumed["lr"] == history["lr"],
        "resumed_weights_same": all(
            torch.equal(a, b)
            for a, b in zip(model.parameters(), resumed_model.parameters(), strict=True)
        ),
    }
    Path(folder, f"rank{state.process_index}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
