"""BERT's masking rule: pick 15% of the tokens; of those, 80% become [MASK], 10% a random token,
10% stay as they are. The model must predict the original token at every picked position.
"""

from collections.abc import Sequence

import torch

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
    if not isinstance(input_ids, torch.Tensor) or input_ids.dtype != torch.long:
        raise TypeError("input_ids must be a torch.long tensor of token ids")
    if not 0.0 < mask_prob < 1.0:
        raise ValueError(f"mask_prob must be between 0 and 1 (exclusive), got {mask_prob!r}")
    if not 0 <= mask_token_id < vocab_size:
        raise ValueError(f"mask_token_id {mask_token_id} is outside the vocabulary of {vocab_size}")

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


class MaskingCollator:
    """Stack fixed-length token blocks into a batch and mask them (a DataLoader `collate_fn`)."""

    def __init__(self, tokenizer, mask_prob: float = 0.15, seed: int | None = None) -> None:
        self.mask_token_id = tokenizer.mask_token_id
        self.vocab_size = len(tokenizer)
        self.special_ids = sorted(tokenizer.all_special_ids)
        self.mask_prob = mask_prob
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def __call__(self, examples: list) -> dict[str, torch.Tensor]:
        """Return input_ids, attention_mask and labels for a list of equal-length id lists."""
        ids = torch.stack(
            [torch.as_tensor(e["input_ids"] if isinstance(e, dict) else e) for e in examples]
        )
        masked, labels = mask_tokens(
            ids.long(),
            self.mask_token_id,
            self.vocab_size,
            self.special_ids,
            self.mask_prob,
            self.generator,
        )
        return {"input_ids": masked, "attention_mask": torch.ones_like(masked), "labels": labels}


def masking_stats(batch: dict, originals: torch.Tensor, mask_token_id: int, special_ids) -> dict:
    """Share of non-special tokens picked, and of picked ones turned to [MASK] or left unchanged."""
    special = torch.isin(originals, torch.tensor(list(special_ids)))
    picked = batch["labels"] != IGNORE_INDEX
    inputs = batch["input_ids"][picked]
    return {
        "picked share": picked.sum().item() / (~special).sum().item(),
        "-> [MASK]": (inputs == mask_token_id).float().mean().item(),
        "-> unchanged": (inputs == originals[picked]).float().mean().item(),
        "specials picked": int((picked & special).sum()),
    }
