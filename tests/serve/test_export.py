"""Exports of both classifiers: dynamic shapes that really are dynamic (parity at shapes other than
the traced one), BatchNorm frozen, timings that are timings, bad input refused."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from course_lib.core.paths import DATA_DIR
from course_lib.core.validate import BadInput
from course_lib.serve import export
from course_lib.text.few_labels import bert_maker
from course_lib.vision.classify import make_classifier
from course_lib.vision.encoders import EncoderConfig

BERT = DATA_DIR / "reference" / "bert_mlm"


@pytest.fixture(scope="module")
def text_exports(tmp_path_factory):
    """The reference BERT with a new 4-class head, exported once to every format."""
    pad = AutoTokenizer.from_pretrained(BERT).pad_token_id
    module = export.TextLogits(bert_maker(BERT, 4, pad, True, 0)())
    paths = export.export_all(module, "text", tmp_path_factory.mktemp("text"))
    return module, export.load_runners(module, paths), paths


@pytest.fixture(scope="module")
def image_exports(tmp_path_factory):
    """A small CNN classifier whose BatchNorm has non-trivial running statistics, exported."""
    classifier = make_classifier(None, 10, 0, EncoderConfig(widths=(8, 16, 16)))
    with torch.no_grad():  # move the running statistics away from (0, 1)
        classifier.train()(export.example_inputs("image", 64).unsqueeze(1).float() / 255)
    module = export.ImageLogits(classifier)
    paths = export.export_all(module, "image", tmp_path_factory.mktemp("image"))
    return module, export.load_runners(module, paths), paths


def padded_ids(batch: int, length: int, seed: int) -> np.ndarray:
    """Random ids with a padded tail on half the rows (pad id 0)."""
    ids = export.example_inputs("text", batch, length, seed).numpy()
    ids[::2, length // 2 :] = 0
    return ids


@pytest.mark.parametrize("batch, length", [(3, 40), (1, 7), (5, 100)])
def test_text_exports_match_eager_at_other_shapes(text_exports, batch, length):
    _, runners, _ = text_exports
    ids = padded_ids(batch * 2, length, seed=batch)
    for name in ("torch_export", "onnx_runtime"):
        result = export.parity(runners["eager"], runners[name], ids, batch)
        assert result["max_abs_diff"] <= 1e-4, name
        assert result["agreement"] == 1.0 and result["n"] == batch * 2


def test_image_exports_match_eager_at_other_batches(image_exports):
    _, runners, _ = image_exports
    images = export.example_inputs("image", 21, seed=3).numpy()
    for name in ("torch_export", "onnx_runtime", "torchscript"):
        for batch in (1, 7):
            result = export.parity(runners["eager"], runners[name], images, batch)
            assert result["max_abs_diff"] <= 1e-4 and result["agreement"] == 1.0, name


def test_image_export_uses_running_batchnorm_statistics(image_exports):
    module, runners, _ = image_exports
    images = export.example_inputs("image", 8, seed=4).numpy()
    train_mode = module.classifier.train()(torch.from_numpy(images).unsqueeze(1).float() / 255)
    module.classifier.eval()
    one = runners["onnx_runtime"](images[:1])
    assert np.abs(runners["onnx_runtime"](images)[:1] - one).max() < 1e-5  # batch-independent
    assert np.abs(train_mode.detach().numpy() - runners["onnx_runtime"](images)).max() > 1e-3


def test_torchscript_is_reported_either_way(text_exports, tmp_path):
    _, _, paths = text_exports
    assert paths["onnx"].stat().st_size > 100_000 and paths["torch_export"].is_file()
    assert isinstance(paths["torchscript"], export.Path | str)
    failed = export.export_torchscript(torch.nn.Linear(3, 2), torch.zeros(2, 5), tmp_path / "x.pt")
    assert isinstance(failed, str) and "RuntimeError" in failed


def test_text_export_refuses_flash_attention():
    fake = SimpleNamespace(model=SimpleNamespace(config=SimpleNamespace(_attn_implementation="x")))
    with pytest.raises(BadInput, match="sdpa"):
        export.TextLogits(fake)


def test_speed_measures_latency_and_throughput(image_exports):
    _, runners, _ = image_exports
    one = export.example_inputs("image", 1).numpy()
    batch = export.example_inputs("image", 32).numpy()
    result = export.speed(runners["onnx_runtime"], one, batch, repeats=10)
    assert 0 < result["p50_ms"] <= result["p95_ms"] and result["throughput_per_s"] > 0
    table = export.speed_table({"image": {"onnx_runtime": result}})
    assert table.count("\n") == 2 and "onnx_runtime" in table


def test_percentiles_by_hand_and_bad_input():
    assert export.percentile_ms([0.001, 0.002, 0.003], 50) == pytest.approx(2.0)
    with pytest.raises(BadInput, match="seconds"):
        export.percentile_ms([], 50)
    with pytest.raises(BadInput, match="kind"):
        export.example_inputs("audio")
    with pytest.raises(BadInput, match="batch_size"):
        export.parity(np.abs, np.abs, np.zeros((2, 2)), 0)


def test_torchscript_warns_nothing_even_where_deprecations_show(tmp_path):
    """Some libraries turn DeprecationWarning back on; torch.jit's would print library paths."""
    module = torch.nn.Sequential(torch.nn.Linear(5, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        saved = export.export_torchscript(module, torch.zeros(2, 5), tmp_path / "m.pt")
        with export.jit_quietly():
            torch.jit.load(saved)
        warnings.warn("sentinel", UserWarning, stacklevel=1)  # the recording itself works
    assert isinstance(saved, export.Path)
    assert [str(w.message) for w in caught] == ["sentinel"]
