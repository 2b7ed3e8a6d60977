"""CBOW (word2vec's idea): predict a hidden token from the average of its neighbours' vectors.

The simplest masked-word pretext task: no order, no attention, just a bag of context vectors.
"""

import torch
import torch.nn.functional as F
from torch import nn


class CBOW(nn.Module):
    """Token embeddings, averaged over a window around each position, then a linear output layer."""

    def __init__(self, vocab_size: int, dim: int, window: int = 5, special_ids=()) -> None:
        super().__init__()
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window = window
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, vocab_size)
        nn.init.normal_(self.embed.weight, std=dim**-0.5)
        self.register_buffer("special_ids", torch.tensor(list(special_ids), dtype=torch.long))

    def context_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """Return, for every position of `ids` (batch, length), the mean of its neighbours' vectors."""
        vectors = self.embed(ids)  # (B, L, D)
        w, length = self.window, ids.shape[1]
        padded = F.pad(vectors, (0, 0, w + 1, w))  # zeros outside the block
        cumsum = padded.cumsum(dim=1)
        window_sum = cumsum[:, 2 * w + 1 :] - cumsum[:, :length]  # positions i-w .. i+w
        positions = torch.arange(length, device=ids.device)
        count = (positions + w).clamp(max=length - 1) - (positions - w).clamp(min=0)  # minus self
        return (window_sum - vectors) / count.view(1, -1, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return logits (batch, length, vocab) for the token at each position."""
        return self.out(self.context_vectors(ids))


def cbow_loss(model: CBOW, batch: torch.Tensor | dict, target_prob: float = 1.0) -> torch.Tensor:
    """Cross-entropy (nats) of predicting non-special tokens from their neighbours.

    `target_prob` < 1 scores a random share of the positions only (the output layer over the whole
    vocabulary is the costly part, so this makes a step that much cheaper).
    """
    ids = batch["input_ids"] if isinstance(batch, dict) else batch
    if isinstance(ids, list | tuple):
        ids = ids[0]
    context = model.context_vectors(ids)
    keep = ~torch.isin(ids, model.special_ids)
    if target_prob < 1.0:
        keep &= torch.rand(ids.shape, device=ids.device) < target_prob
    logits = model.out(context[keep])
    return F.cross_entropy(logits.float(), ids[keep])
