"""BERT masking: proportions (property tests over many seeds), special tokens, labels, and the
same statistics as transformers' DataCollatorForLanguageModeling."""

import pytest
import torch
from transformers import DataCollatorForLanguageModeling

from course_lib.core.validate import BadInput
from course_lib.text.masking import IGNORE_INDEX, MaskingCollator, mask_tokens, masking_stats
from course_lib.text.tokenizer import build_tokenizer

VOCAB, MASK, SPECIAL = 1000, 4, [0, 1, 2, 3, 4]


def random_batch(seed: int, shape=(64, 128)) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, VOCAB, shape, generator=generator)
    ids[:, 0], ids[:, -1] = 2, 3  # [CLS] ... [SEP]
    ids[: shape[0] // 4, -20:] = 0  # some padding
    return ids


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("prob", [0.15, 0.3, 0.5])
def test_proportions_specials_and_labels(seed, prob):
    ids = random_batch(seed)
    generator = torch.Generator().manual_seed(100 + seed)
    masked, labels = mask_tokens(ids, MASK, VOCAB, SPECIAL, prob, generator)
    special = torch.isin(ids, torch.tensor(SPECIAL))
    picked = labels != IGNORE_INDEX
    # special and padding tokens are never picked, never changed
    assert not (picked & special).any()
    assert torch.equal(masked[special], ids[special])
    # labels hold the original ids exactly where picked
    assert torch.equal(labels[picked], ids[picked])
    # positions not picked are unchanged
    assert torch.equal(masked[~picked], ids[~picked])
    n = int(picked.sum())
    share = n / int((~special).sum())
    assert abs(share - prob) < 4 * (prob * (1 - prob) / int((~special).sum())) ** 0.5
    as_mask = (masked[picked] == MASK).float().mean().item()
    unchanged = (masked[picked] == ids[picked]).float().mean().item()
    assert abs(as_mask - 0.8) < 0.05 and abs(unchanged - 0.1) < 0.04
    random_tokens = masked[picked & (masked != MASK) & (masked != ids)]
    assert not torch.isin(random_tokens, torch.tensor(SPECIAL)).any()  # never a special token


def test_seeded_masks_repeat():
    ids = random_batch(0)
    a = mask_tokens(ids, MASK, VOCAB, SPECIAL, 0.15, torch.Generator().manual_seed(1))
    b = mask_tokens(ids, MASK, VOCAB, SPECIAL, 0.15, torch.Generator().manual_seed(1))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_bad_input():
    ids = random_batch(0)
    with pytest.raises(BadInput, match="input_ids: expected a torch.long"):
        mask_tokens(ids.float(), MASK, VOCAB, SPECIAL)
    with pytest.raises(BadInput, match="mask_prob"):
        mask_tokens(ids, MASK, VOCAB, SPECIAL, 1.5)
    with pytest.raises(BadInput, match="mask_token_id: expected an id in 0..999"):
        mask_tokens(ids, VOCAB + 1, VOCAB, SPECIAL)
    with pytest.raises(BadInput, match="input_ids: expected token ids in 0..99, but they span"):
        mask_tokens(ids, MASK, 100, SPECIAL)  # ids of a bigger vocabulary


def test_same_statistics_as_transformers_collator():
    texts = ["the cat sat on the mat and the dog lay on the rug near the door"] * 40
    tokenizer = build_tokenizer(texts, 60)
    blocks = torch.tensor([tokenizer(t)["input_ids"] for t in texts] * 20)
    torch.manual_seed(0)
    ours = MaskingCollator(tokenizer, 0.15, seed=0)([b for b in blocks])
    theirs = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0)(
        [{"input_ids": b} for b in blocks]
    )

    def stats(batch):
        picked = batch["labels"] != IGNORE_INDEX
        return (
            picked.float().mean().item(),
            (batch["input_ids"][picked] == tokenizer.mask_token_id).float().mean().item(),
            (batch["input_ids"][picked] == blocks[picked]).float().mean().item(),
            bool((picked & torch.isin(blocks, torch.tensor(tokenizer.all_special_ids))).any()),
        )

    a, b = stats(ours), stats(theirs)
    assert abs(a[0] - b[0]) < 0.02 and abs(a[1] - b[1]) < 0.04 and abs(a[2] - b[2]) < 0.03
    assert a[3] is False and b[3] is False
    # masking_stats reads either batch (theirs is a BatchEncoding, not a dict)
    specials = tokenizer.all_special_ids
    for batch in (ours, theirs):
        share = masking_stats(batch, blocks, tokenizer.mask_token_id, specials)["picked share"]
        assert abs(share - 0.15) < 0.03
