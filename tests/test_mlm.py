"""Masked-LM pieces: blocks, model, loss at masked positions only, held-out loss and baseline."""

import math

import pytest
import torch

from course_lib import mlm
from course_lib.masking import mask_tokens
from course_lib.tokenizer import build_tokenizer

TEXTS = ["the cat sat on the mat .", "a dog lay on the rug near the door ."] * 30


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(TEXTS, 60)


def test_pack_blocks(tokenizer):
    blocks = mlm.pack_blocks(tokenizer, TEXTS, 16)
    assert blocks.shape[1] == 16 and blocks.dtype == torch.long
    assert (blocks[:, 0] == tokenizer.cls_token_id).all() and (
        blocks[:, -1] == tokenizer.sep_token_id
    ).all()
    with pytest.raises(ValueError, match="seq_len"):
        mlm.pack_blocks(tokenizer, TEXTS, 4)
    with pytest.raises(ValueError, match="empty"):
        mlm.pack_blocks(tokenizer, [], 16)
    with pytest.raises(ValueError, match="too few"):
        mlm.pack_blocks(tokenizer, ["cat"], 64)


def test_masked_only_loss_equals_the_full_loss(tokenizer):
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16)
    model.eval()
    blocks = mlm.pack_blocks(tokenizer, TEXTS, 16)
    inputs, labels = mask_tokens(
        blocks,
        tokenizer.mask_token_id,
        len(tokenizer),
        tokenizer.all_special_ids,
        0.3,
        torch.Generator().manual_seed(0),
    )
    ours = mlm.masked_lm_loss(model, {"input_ids": inputs, "labels": labels})
    full = model(input_ids=inputs, labels=labels).loss
    assert torch.allclose(ours, full, atol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        mlm.build_bert(60, 30, 1, 4, 16)


def test_training_gets_below_the_unigram_baseline(tokenizer):
    torch.manual_seed(0)
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16)
    blocks = mlm.pack_blocks(tokenizer, TEXTS, 16)
    inputs, labels = mlm.fixed_masks(blocks, tokenizer, 0.15)
    baseline = mlm.unigram_baseline(blocks, labels, len(tokenizer))
    before = mlm.heldout_loss(model, inputs, labels)
    optimizer = torch.optim.AdamW(model.parameters(), 5e-3)
    for _ in range(100):
        x, y = mask_tokens(
            blocks, tokenizer.mask_token_id, len(tokenizer), tokenizer.all_special_ids, 0.3
        )
        loss = mlm.masked_lm_loss(model, {"input_ids": x, "labels": y})
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    after = mlm.heldout_loss(model, inputs, labels)
    assert after < before and after < baseline - 0.3  # the context of this toy text is predictive


def test_unigram_baseline_is_the_entropy_of_frequencies():
    train = torch.tensor([[1, 1, 2, 3]])
    labels = torch.tensor([[1, -100, 2, 3]])
    counts = torch.tensor([0, 2, 1, 1]) + 1.0
    p = counts / counts.sum()
    want = -(torch.log(p[1]) + torch.log(p[2]) + torch.log(p[3])) / 3
    assert mlm.unigram_baseline(train, labels, 4) == pytest.approx(float(want))
    assert mlm.perplexity(math.log(50)) == pytest.approx(50)


def test_sinusoidal_positions_and_flops(tokenizer):
    table = mlm.sinusoidal_positions(16, 8)
    assert table.shape == (16, 8) and table[0, 1] == 1.0
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16)
    assert mlm.train_flops_per_token(model, 16, 0.15) > 6 * 32 * 32
    assert mlm.matmul_gflops(64, seconds=0.05) > 0
