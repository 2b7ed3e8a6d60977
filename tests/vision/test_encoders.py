"""The CNN encoder, the projection head, and saving/loading them with safetensors + JSON."""

import json

import pytest
import torch

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
    with pytest.raises(ValueError, match="widths"):
        EncoderConfig(widths=())
    with pytest.raises(ValueError, match="projection_dim"):
        EncoderConfig(projection_dim=0)
    with pytest.raises(ValueError, match="pool_grid must be a positive int"):
        EncoderConfig(pool_grid=0)
    with pytest.raises(TypeError, match="SimCLRModel"):
        save_model(torch.nn.Linear(2, 2), tmp_path)
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_model(tmp_path)
