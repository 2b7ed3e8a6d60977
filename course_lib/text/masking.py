"""BERT's masking rule: pick 15% of the tokens; of those, 80% become [MASK], 10% a random token,
10% stay as they are. The model must predict the original token at every picked position.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import torch

from course_lib.core.validate import bad_input, check_int, check_number, check_tensor

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

IGNORE_INDEX = -100  # label value that cross-entropy skips (PyTorch's and transformers' default)


def mask_tokens(
    input_ids: torch.Tensor,
    mask_token_id: int,
    vocab_size: int,
    special_ids: Sequence[int],
    mask_prob: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (masked inputs, labels): labels hold the original id at picked positions, else -100.

    Special and padding tokens (`special_ids`) are never picked. Of the picked positions, 80% are
    replaced by `mask_token_id`, 10% by a random non-special token and 10% are left unchanged.
    """
    special_ids = check_mask_args(input_ids, mask_token_id, vocab_size, special_ids, generator)
    mask_prob = check_mask_prob(mask_prob)

    def uniform() -> torch.Tensor:
        return torch.rand(input_ids.shape, generator=generator)

    special = torch.isin(input_ids, torch.tensor(list(special_ids), dtype=torch.long))
    picked = (uniform() < mask_prob) & ~special
    labels = torch.where(picked, input_ids, torch.full_like(input_ids, IGNORE_INDEX))

    to_mask = picked & (uniform() < 0.8)
    to_random = picked & ~to_mask & (uniform() < 0.5)  # half of the remaining 20%
    allowed = torch.tensor(sorted(set(range(vocab_size)) - set(special_ids)), dtype=torch.long)
    random_ids = allowed[torch.randint(len(allowed), input_ids.shape, generator=generator)]

    masked = input_ids.clone()
    masked[to_mask] = mask_token_id
    masked[to_random] = random_ids[to_random]
    return masked, labels


def check_ids(input_ids: torch.Tensor, vocab_size: int, name: str = "input_ids") -> torch.Tensor:
    """Return `input_ids` if it is a non-empty torch.long tensor of ids in 0..vocab_size-1."""
    if not isinstance(input_ids, torch.Tensor) or input_ids.dtype != torch.long:
        raise bad_input(name, "a torch.long tensor of token ids", input_ids, "convert with .long()")
    if input_ids.numel() == 0:
        raise bad_input(name, "at least one token id", input_ids, "pass a non-empty batch")
    low, high = int(input_ids.min()), int(input_ids.max())
    if low < 0 or high >= vocab_size:
        expected = f"token ids in 0..{vocab_size - 1}, but they span {low}..{high}"
        fix = "encode with the tokenizer this vocab_size belongs to (vocab_size=len(tokenizer))"
        raise bad_input(name, expected, input_ids, fix)
    return input_ids


def check_mask_args(
    input_ids: torch.Tensor,
    mask_token_id: int,
    vocab_size: int,
    special_ids: Sequence[int] | torch.Tensor,
    generator: torch.Generator | None,
) -> list[int]:
    """Check mask_tokens' ids, vocabulary and generator; return the special ids as a list."""
    vocab_size = check_int(vocab_size, "vocab_size", 2, "pass len(tokenizer)")
    check_ids(input_ids, vocab_size)
    if not isinstance(mask_token_id, int) or not 0 <= mask_token_id < vocab_size:
        fix = "pass tokenizer.mask_token_id of the tokenizer that made input_ids"
        raise bad_input("mask_token_id", f"an id in 0..{vocab_size - 1}", mask_token_id, fix)
    if isinstance(special_ids, str) or not isinstance(special_ids, Sequence | torch.Tensor):
        fix = "pass tokenizer.all_special_ids"
        raise bad_input("special_ids", "a list of token ids", special_ids, fix)
    special_ids = [int(i) for i in special_ids]
    if any(not 0 <= i < vocab_size for i in special_ids) or len(set(special_ids)) >= vocab_size:
        fix = "pass tokenizer.all_special_ids of the tokenizer that made input_ids"
        raise bad_input("special_ids", f"some of the ids 0..{vocab_size - 1}", special_ids, fix)
    if generator is not None and not isinstance(generator, torch.Generator):
        fix = "pass torch.Generator().manual_seed(seed), or None"
        raise bad_input("generator", "a torch.Generator or None", generator, fix)
    return special_ids


def check_mask_prob(mask_prob: float) -> float:
    """Return mask_prob if it is a number strictly between 0 and 1."""
    fix = "pick a share of tokens to mask between 0 and 1, e.g. 0.15 (BERT)"
    return check_number(mask_prob, "mask_prob", 0, 1, fix, open_low=True, open_high=True)


class MaskingCollator:
    """Stack fixed-length token blocks into a batch and mask them (a DataLoader `collate_fn`)."""

    def __init__(
        self, tokenizer: "PreTrainedTokenizerBase", mask_prob: float = 0.15, seed: int | None = None
    ) -> None:
        if getattr(tokenizer, "mask_token_id", None) is None:
            fix = "use a tokenizer with a [MASK] token, e.g. text.tokenizer.build_tokenizer's"
            raise bad_input("tokenizer", "a tokenizer with a [MASK] token", tokenizer, fix)
        if seed is not None:
            check_int(seed, "seed", 0)
        check_mask_prob(mask_prob)
        self.mask_token_id = tokenizer.mask_token_id
        self.vocab_size = len(tokenizer)
        self.special_ids = sorted(tokenizer.all_special_ids)
        self.mask_prob = mask_prob
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def __call__(self, examples: list) -> dict[str, torch.Tensor]:
        """Return input_ids, attention_mask and labels for a list of equal-length id lists."""
        ids = stack_blocks(examples)
        masked, labels = mask_tokens(
            ids.long(),
            self.mask_token_id,
            self.vocab_size,
            self.special_ids,
            self.mask_prob,
            self.generator,
        )
        return {"input_ids": masked, "attention_mask": torch.ones_like(masked), "labels": labels}


def stack_blocks(examples: list) -> torch.Tensor:
    """Stack examples (id lists, tensors or {'input_ids': ...} dicts) of one length into a batch."""
    if isinstance(examples, str | dict) or not isinstance(examples, Sequence) or not examples:
        raise bad_input("examples", "a non-empty list of token blocks", examples, "pass a list")
    rows = [torch.as_tensor(e["input_ids"] if isinstance(e, dict) else e) for e in examples]
    if len({tuple(r.shape) for r in rows}) != 1 or rows[0].ndim != 1:
        fix = "cut the texts into fixed-length blocks first (text.lm_data makes them)"
        raise bad_input("examples", "1-D blocks of one length", [len(r) for r in rows], fix)
    return torch.stack(rows)


def masking_stats(
    batch: dict, originals: torch.Tensor, mask_token_id: int, special_ids: Iterable[int]
) -> dict:
    """Share of non-special tokens picked, and of picked ones turned to [MASK] or left unchanged."""
    if not isinstance(batch, Mapping) or not {"input_ids", "labels"} <= set(batch):
        fix = "pass what MaskingCollator returns"
        raise bad_input("batch", "a dict with 'input_ids' and 'labels'", batch, fix)
    check_tensor(originals, "originals")
    if tuple(originals.shape) != tuple(batch["input_ids"].shape):
        fix = "pass the unmasked ids of the same batch"
        raise bad_input("originals", f"shape {tuple(batch['input_ids'].shape)}", originals, fix)
    special = torch.isin(originals, torch.tensor(list(special_ids)))
    picked = batch["labels"] != IGNORE_INDEX
    inputs = batch["input_ids"][picked]
    return {
        "picked share": picked.sum().item() / (~special).sum().item(),
        "-> [MASK]": (inputs == mask_token_id).float().mean().item(),
        "-> unchanged": (inputs == originals[picked]).float().mean().item(),
        "specials picked": int((picked & special).sum()),
    }
