"""Language-model data from your own texts: a seeded split by document, blocks, fixed masks."""

import pytest
import torch

from course_lib.core.profiles import get_profile
from course_lib.core.validate import BadInput
from course_lib.text import lm_data
from course_lib.text.tokenizer import build_tokenizer

WORDS = "the film was great and the acting moved me while the plot dragged on".split()
TEXTS = [
    " ".join(WORDS[(i + j) % len(WORDS)] for j in range(12)) + f" review {i}" for i in range(60)
]


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(TEXTS, 80)


def test_own_texts_are_split_by_document_and_packed(tokenizer):
    profile = get_profile("smoke")
    data = lm_data.prepare_data(profile, tokenizer, texts=TEXTS, heldout_fraction=0.2, seq_len=16)
    assert data["train"].shape[1] == 16 and data["heldout"].shape[1] == 16
    assert data["heldout_inputs"].shape == data["heldout_labels"].shape == data["heldout"].shape
    n_train = sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) + 1 for t in TEXTS)
    assert 0.6 * n_train < data["train"].numel() + data["heldout"].numel() < 1.2 * n_train
    assert data["heldout"].numel() < 0.35 * data["train"].numel()  # about a fifth held out
    again = lm_data.prepare_data(profile, tokenizer, texts=TEXTS, heldout_fraction=0.2, seq_len=16)
    assert torch.equal(again["heldout"], data["heldout"])  # seeded
    other = lm_data.prepare_data(
        profile, tokenizer, texts=TEXTS, heldout_fraction=0.2, seq_len=16, seed=1
    )
    assert other["heldout"].shape != data["heldout"].shape or not torch.equal(
        other["heldout"], data["heldout"]
    )


BAD = [
    (dict(texts="one review", seq_len=16), r"^texts: expected a list of texts"),
    (dict(texts=["only one"], seq_len=16), r"^texts: expected at least 2 texts"),
    (dict(texts=TEXTS, heldout_fraction=0.0, seq_len=16), r"^heldout_fraction: expected"),
    (dict(texts=TEXTS, heldout_fraction=0.9, seq_len=16), r"^heldout_fraction: expected"),
    (dict(texts=TEXTS, seq_len=4), r"^seq_len: expected an int >= 8"),
    (dict(texts=TEXTS[:3], seq_len=64), r"^texts: expected enough held-out text for one block"),
    (dict(heldout_fraction=0.3), r"^heldout_fraction: expected the corpus's own split"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
def test_bad_arguments_are_refused_with_a_fix(tokenizer, kwargs, match):
    with pytest.raises(BadInput, match=match) as caught:
        lm_data.prepare_data(get_profile("smoke"), tokenizer, **kwargs)
    assert "Fix: " in str(caught.value)
