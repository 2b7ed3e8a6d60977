"""The CNN encoder, the projection head, and saving/loading them with safetensors + JSON."""

import json
import re
import shutil

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.vision.encoders import (
    EncoderConfig,
    SimCLRModel,
    count_parameters,
    load_config,
    load_model,
    save_model,
)


def test_shapes_and_feature_dim():
    config = EncoderConfig(widths=(8, 16, 32), projection_hidden=32, projection_dim=16)
    model = SimCLRModel(config)
    x = torch.rand(5, 1, 28, 28)
    assert model.encoder(x).shape == (5, config.feature_dim) == (5, 32)
    assert model(x).shape == (5, 16)
    assert count_parameters(model) > count_parameters(model.encoder) > 0


def test_pool_grid_keeps_a_grid_of_the_last_map():
    config = EncoderConfig(widths=(8, 16), pool_grid=2, projection_hidden=8, projection_dim=4)
    model = SimCLRModel(config)
    x = torch.rand(3, 1, 28, 28)
    assert config.feature_dim == 16 * 2 * 2
    assert model.encoder(x).shape == (3, 64) and model(x).shape == (3, 4)


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = SimCLRModel(EncoderConfig(widths=(8, 16), convs_per_block=2, pool_grid=2)).eval()
    folder = save_model(model, tmp_path / "enc", training={"steps": 3})
    record = json.loads((folder / "config.json").read_text())
    assert record["widths"] == [8, 16] and "steps" not in record
    assert json.loads((folder / "training.json").read_text()) == {"steps": 3}
    assert load_config(folder) == model.config
    loaded = load_model(folder)
    x = torch.rand(3, 1, 28, 28)
    assert torch.allclose(loaded(x), model(x))
    assert not loaded.training


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(BadInput, match="widths"):
        EncoderConfig(widths=())
    with pytest.raises(BadInput, match="projection_dim"):
        EncoderConfig(projection_dim=0)
    with pytest.raises(BadInput, match="pool_grid: expected an int >= 1"):
        EncoderConfig(pool_grid=0)
    with pytest.raises(BadInput, match="model: expected a SimCLRModel"):
        save_model(torch.nn.Linear(2, 2), tmp_path)
    with pytest.raises(BadInput, match="folder: expected a saved encoder with config.json"):
        load_model(tmp_path)


def damaged_copies(tmp_path):
    """Yield (what is wrong, folder) for damaged or wrong-kind copies of a saved encoder."""
    model = SimCLRModel(EncoderConfig(widths=(8, 16), projection_hidden=8, projection_dim=4))
    good = save_model(model, tmp_path / "good")
    weights = (good / "model.safetensors").read_bytes()
    for what, name, content in [
        ("a complete model.safetensors", "model.safetensors", weights[: len(weights) // 2]),
        ("a readable JSON config.json", "config.json", b"{not json"),
        ("a SimCLR CNN encoder, not a 'bert' model", "config.json", b'{"model_type": "bert"}'),
        ("weights that fit config.json", "config.json", b'{"architecture": "SimCLRModel"}'),
    ]:
        folder = tmp_path / what.split()[1]
        shutil.copytree(good, folder, dirs_exist_ok=True)
        (folder / name).write_bytes(content)
        yield what, folder


def test_damaged_or_wrong_kind_folders_are_named_with_a_fix(tmp_path):
    for what, folder in damaged_copies(tmp_path):
        with pytest.raises(BadInput, match=rf"^folder: expected {re.escape(what)}.*Fix: "):
            load_model(folder)
