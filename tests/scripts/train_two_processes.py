"""Run by tests/test_training.py under `accelerate launch --num_processes 2 --cpu`."""

import json
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.training import TrainConfig, train


def main(run_dir: str) -> None:
    """Fit y = 3x - 1 on 2 processes and report each rank's result."""
    torch.manual_seed(0)
    x = torch.randn(256, 1)
    loader = DataLoader(TensorDataset(x, 3 * x - 1), batch_size=16, shuffle=True)
    model = torch.nn.Linear(1, 1)
    config = TrainConfig(
        run_dir=run_dir, max_steps=40, lr=0.3, mixed_precision="no", live_plot=False
    )
    history = train(model, loader, lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]), config)
    from accelerate import PartialState

    state = PartialState()
    report = {
        "rank": state.process_index,
        "world": state.num_processes,
        "first": history["loss"][0],
        "last": history["loss"][-1],
        "weight": float(model.weight.detach().flatten()[0]) if hasattr(model, "weight") else None,
        "samples": history["samples"],
    }
    if report["weight"] is None:
        report["weight"] = float(model.module.weight.detach().flatten()[0])
    Path(run_dir, f"rank{state.process_index}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
