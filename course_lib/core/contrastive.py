"""The contrastive loss of SimCLR: NT-Xent (normalized temperature-scaled cross-entropy, InfoNCE).

A batch holds N images seen twice: z1[i] and z2[i] are the two views of image i (a positive pair);
every other view in the batch is a negative. Each of the 2N views must pick its partner out of the
2N - 1 other views, a classification problem solved with cross-entropy over cosine similarities.
"""

import torch
import torch.nn.functional as F


def check_views(z1: torch.Tensor, z2: torch.Tensor) -> None:
    """Raise a clear error unless z1 and z2 are two (N, D) batches of the same shape, N >= 2."""
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor) or z.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D tensor (batch, dim), got {getattr(z, 'shape', z)}"
            )
    if z1.shape != z2.shape:
        raise ValueError(
            f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}"
        )
    if z1.shape[0] < 2:
        raise ValueError("NT-Xent needs at least 2 images per batch (one positive, one negative)")


def similarity_matrix(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Return the (2N, 2N) cosine similarities of all views [z1; z2] with each other."""
    check_views(z1, z2)
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    return z @ z.T


def positive_indices(n: int) -> torch.Tensor:
    """Return, for each of the 2N views [z1; z2], the row index of its partner view."""
    if n < 1:
        raise ValueError(f"n must be a positive number of images, got {n}")
    return torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """Return the NT-Xent loss (mean over the 2N views) of two batches of projected views."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    sim = similarity_matrix(z1.float(), z2.float()) / temperature
    self_pairs = torch.eye(sim.shape[0], dtype=torch.bool, device=sim.device)
    sim = sim.masked_fill(self_pairs, float("-inf"))  # a view is never its own candidate
    return F.cross_entropy(sim, positive_indices(z1.shape[0]).to(sim.device))


def contrastive_accuracy(z1: torch.Tensor, z2: torch.Tensor) -> float:
    """Return the fraction of views whose most similar other view is their partner."""
    with torch.no_grad():
        sim = similarity_matrix(z1.float(), z2.float()).fill_diagonal_(float("-inf"))
        hits = sim.argmax(dim=1).cpu() == positive_indices(z1.shape[0])
    return hits.float().mean().item()


def hardest_negative_share(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> float:
    """Return the mean share of the negatives' softmax weight that goes to the most similar one."""
    sim = similarity_matrix(z1, z2) / temperature
    mask = torch.eye(len(sim), dtype=torch.bool)
    mask |= F.one_hot(positive_indices(len(z1)), len(sim)).bool()
    weights = sim.masked_fill(mask, float("-inf")).softmax(dim=1)
    return weights.max(dim=1).values.mean().item()
