"""The one checkpoint format: weights, config and training record round-trip through a folder."""

import json

import pytest
import torch

from course_lib.core import checkpoints
from course_lib.core.validate import BadInput


def test_weights_and_config_round_trip(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    folder = checkpoints.save_weights(tmp_path / "run", model, {"dim": 3})
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    state = checkpoints.load_weights(folder)
    assert torch.equal(state["weight"], model.weight.detach())
    assert checkpoints.read_config(folder) == {"dim": 3}


def test_training_record_round_trips_and_is_empty_when_absent(tmp_path):
    assert checkpoints.read_training(tmp_path) == {}
    path = checkpoints.write_training(tmp_path, {"steps": 7, "curve": {"loss": [2.0, 1.5]}})
    assert path.name == "training.json"
    assert checkpoints.read_training(tmp_path) == {"steps": 7, "curve": {"loss": [2.0, 1.5]}}
    assert json.loads(path.read_text())["steps"] == 7


def test_missing_weights_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        checkpoints.load_weights(tmp_path)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda t: checkpoints.save_weights(3, torch.nn.Linear(1, 1), {}), "folder"),
        (lambda t: checkpoints.save_weights(t, "model", {}), "model"),
        (lambda t: checkpoints.save_weights(t, torch.nn.Linear(1, 1), [1]), "config"),
        (lambda t: checkpoints.write_training(t, [("steps", 3)]), "record"),
        (lambda t: checkpoints.read_training(None), "folder"),
    ],
)
def test_bad_inputs_name_the_argument(tmp_path, call, argument):
    with pytest.raises(BadInput, match=f"^{argument}: expected"):
        call(tmp_path)
