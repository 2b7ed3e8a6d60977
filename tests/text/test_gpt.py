"""Next-token pieces: model, loss, held-out loss, the next-token unigram baseline, training, sampling."""

import math
from types import SimpleNamespace

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.text import gpt, lm_data
from course_lib.text.tokenizer import build_tokenizer

TEXTS = ["the cat sat on the mat .", "a dog lay on the rug near the door ."] * 30


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(TEXTS, 60)


@pytest.fixture(scope="module")
def blocks(tokenizer):
    return lm_data.pack_blocks(tokenizer, TEXTS, 16)


def test_loss_matches_transformers_shifted_loss(tokenizer, blocks):
    model = gpt.build_gpt(len(tokenizer), 32, 1, 2, 16).eval()
    ours = gpt.next_token_loss(model, blocks)
    reference = model(input_ids=blocks, labels=blocks).loss
    assert torch.allclose(ours, reference, atol=1e-5)
    untrained = gpt.heldout_next_token_loss(model, blocks, batch_size=3)
    assert abs(untrained - ours.item()) < 1e-4  # batching does not change the mean
    assert abs(untrained - math.log(len(tokenizer))) < 0.5  # random init: close to uniform
    with pytest.raises(BadInput, match="heads: expected a divisor of hidden"):
        gpt.build_gpt(60, 30, 1, 4, 16)


def test_next_token_unigram_baseline_scores_every_target_but_the_first():
    train = torch.tensor([[0, 1, 1, 2], [0, 1, 2, 2]])
    heldout = torch.tensor([[0, 2, 1]])
    counts = torch.tensor([0, 3, 3, 0]) + 1.0  # [CLS]=0 is never a target; add-one smoothing
    log_p = torch.log(counts / counts.sum())
    expected = -(log_p[2] + log_p[1]) / 2
    assert gpt.next_token_unigram_baseline(train, heldout, 4) == pytest.approx(float(expected))


def test_training_beats_the_unigram_baseline_and_generates(tokenizer, blocks, tmp_path):
    profile = SimpleNamespace(
        name="test",
        gpt_steps=60,
        gpt_batch_size=8,
        gpt_warmup_steps=5,
        gpt_eval_blocks=8,
        mlm_hidden=32,
        mlm_layers=1,
        mlm_heads=2,
        mlm_seq_len=16,
        mlm_lr=3e-3,
    )
    data = {"train": blocks, "heldout": blocks[:8]}
    model, history = gpt.pretrain_gpt(profile, tmp_path / "run", tokenizer, data, live_plot=False)
    final = history["eval"][-1]["heldout_next_token_loss"]
    baseline = gpt.next_token_unigram_baseline(blocks, blocks[:8], len(tokenizer))
    assert history["step"][-1] == 60 and final < baseline - 0.5
    text = gpt.generate(model, tokenizer, "the cat", new_tokens=5, seed=0)
    assert text.startswith("the cat") and len(text) > len("the cat")
    assert text == gpt.generate(model, tokenizer, "the cat", new_tokens=5, seed=0)
    with pytest.raises(BadInput, match="new_tokens: expected an int >= 1"):
        gpt.generate(model, tokenizer, "the cat", new_tokens=0)
