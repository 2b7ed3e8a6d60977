"""SetFit with the package, offline: the course's BERT as a sentence encoder, fine-tuned on pairs."""

import numpy as np
import pytest
import torch

from course_lib.core.profiles import get_profile
from course_lib.core.validate import BadInput
from course_lib.text import mlm
from course_lib.text import setfit_few as sf

TEXTS = [
    "The violin is played with a bow in orchestras.",
    "A cello is a large string instrument.",
    "Jazz musicians improvise on the saxophone.",
    "The piano has black and white keys.",
    "Paris is the capital of France on the Seine.",
    "The Nile is the longest river in Africa.",
    "Mount Everest is the highest mountain on Earth.",
    "The Sahara is a large hot desert.",
]
LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1])


@pytest.fixture(scope="module")
def make():
    folder = mlm.pretrained_folder(get_profile("smoke"))[0]
    return lambda: sf.sentence_encoder("course", folder, max_tokens=16)


def test_course_encoder_as_sentence_transformer(make):
    encoder = make()
    x = sf.embed(encoder, TEXTS)
    assert x.shape == (8, encoder.get_embedding_dimension())
    assert np.isfinite(x).all()
    with pytest.raises(BadInput, match="kind"):
        sf.sentence_encoder("bert-large")


def test_fine_tune_moves_the_encoder_and_methods_predict(make, tmp_path):
    before = make()
    sizes = sf.SIZES["smoke"]
    after = sf.fine_tune(make(), TEXTS, LABELS, sizes, tmp_path / "run", seed=0)
    changed = [
        not torch.equal(a, b)
        for a, b in zip(before.state_dict().values(), after.state_dict().values(), strict=True)
    ]
    assert any(changed)
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").rglob("*.safetensors"))
    drawn = np.arange(8)
    for method in (
        sf.frozen_probe_method(make, TEXTS, LABELS, TEXTS[:3]),
        sf.setfit_method(make, TEXTS, LABELS, TEXTS[:3], sizes, tmp_path / "runs"),
    ):
        predicted = method(drawn, 0)
        assert predicted.shape == (3,) and set(predicted) <= {0, 1}


def test_setfit_reads_other_features_beside_its_own(make, tmp_path):
    # a second encoder's features that name the class outright: read beside SetFit's, the probe
    # finds them (the test texts are the first 3 training texts: classes 0, 0, 0)
    pool_x = np.eye(2)[LABELS] * 5.0
    beside = (pool_x, pool_x[:3])
    method = sf.setfit_method(
        make, TEXTS, LABELS, TEXTS[:3], sf.DOCUMENT_SIZES["smoke"], tmp_path, 2e-4, beside
    )
    assert list(method(np.arange(8), 0)) == [0, 0, 0]
    with pytest.raises(BadInput, match="features"):  # not one row per pool text
        sf.setfit_method(make, TEXTS, LABELS, TEXTS[:3], sf.SIZES["smoke"], tmp_path, 2e-4,
                         (pool_x[:4], pool_x[:3]))(np.arange(8), 0)  # fmt: skip


def test_methods_for_a_task():
    from course_lib.text.few_labels import TextTask

    task = TextTask(TEXTS, LABELS, TEXTS[:2], LABELS[:2], ["music", "places"])
    folder = mlm.pretrained_folder(get_profile("smoke"))[0]
    methods = sf.methods_for(task, folder, sf.SIZES["smoke"], "test_setfit")
    assert set(methods) == {"minilm_probe", "minilm_setfit", "course_probe", "course_setfit"}
    assert methods["course_probe"](np.arange(8), 0).shape == (2,)


def test_learning_rate_is_checked(make, tmp_path):
    with pytest.raises(BadInput, match="body_lr"):
        sf.fine_tune(make(), TEXTS, LABELS, sf.SIZES["smoke"], tmp_path, 0, body_lr=0.0)
