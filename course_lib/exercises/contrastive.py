"""Notebook 05's exercises: the similarity matrix, the positive pairs, NT-Xent by hand."""

import math

import torch
import torch.nn.functional as F

from course_lib.core.contrastive import nt_xent, positive_indices, similarity_matrix
from course_lib.exercises import feedback, not_done, todo

# Exercise 3's batch: two images, two views each, 3-d projections, temperature 0.5.
TINY_Z1 = torch.tensor([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
TINY_Z2 = torch.tensor([[1.0, 0.5, 1.0], [0.5, 2.0, 0.0]])
TINY_TEMPERATURE = 0.5


def check_similarity_matrix(fn) -> bool:
    """Check a function fn(z1, z2) -> (2N, 2N) cosine similarities of [z1; z2]."""
    if not_done(fn):
        return todo("write `my_similarity(z1, z2)` returning the (2N, 2N) cosine similarities")
    if not callable(fn):
        return feedback(False, "expected a function my_similarity(z1, z2), got a value")
    torch.manual_seed(0)
    z1, z2 = torch.randn(4, 5) * 3, torch.randn(4, 5) * 3
    try:
        got = torch.as_tensor(fn(z1.clone(), z2.clone())).float()
    except Exception as error:  # the learner's code failing is feedback
        return feedback(False, f"your function raised {type(error).__name__}: {error}")
    want = similarity_matrix(z1, z2)
    if got.shape == (4, 4):
        return feedback(False, "got (N, N): compare ALL 2N views with each other, z = [z1; z2]")
    if got.shape != want.shape:
        return feedback(False, f"expected shape {tuple(want.shape)}, got {tuple(got.shape)}")
    raw = torch.cat([z1, z2]) @ torch.cat([z1, z2]).T
    if torch.allclose(got, raw, atol=1e-4):
        return feedback(False, "these are dot products: normalise each row to length 1 first")
    if not torch.allclose(got, want, atol=1e-4):
        return feedback(False, "values differ from cosine similarity: the diagonal should be all 1")
    return feedback(True, "cosine similarities of all views, diagonal 1 (each view with itself)")


def check_positive_indices(answer) -> bool:
    """Check the list of partner indices for N = 4 images (8 views: z1 rows 0-3, z2 rows 4-7)."""
    if not_done(answer):
        return todo("for N = 4, list for each view 0..7 the index of its partner view")
    try:
        got = [int(i) for i in answer]
    except (TypeError, ValueError):
        return feedback(False, "expected a list of 8 integers")
    want = positive_indices(4).tolist()
    if got == list(range(8)):
        return feedback(False, "that pairs each view with itself; its partner is the OTHER view")
    if len(got) == 4:
        return feedback(
            False, "the loss is computed for all 8 views, z2's rows too: give 8 indices"
        )
    if len(got) != 8:
        return feedback(False, f"expected 8 indices, got {len(got)}")
    if got == want:
        return feedback(True, "view i of z1 sits at row i, its partner at row i + N, and back")
    wrong = [i for i in range(8) if got[i] != want[i]]
    return feedback(False, f"rows {wrong} point to the wrong view: row i pairs with (i + N) mod 2N")


def tiny_loss_variants() -> dict[str, float]:
    """Return the right NT-Xent of the tiny batch and the numbers typical mistakes give."""
    z = F.normalize(torch.cat([TINY_Z1, TINY_Z2]), dim=1)
    sim = z @ z.T
    targets = positive_indices(2)
    masked = sim.masked_fill(torch.eye(4, dtype=torch.bool), float("-inf"))
    return {
        "right": nt_xent(TINY_Z1, TINY_Z2, TINY_TEMPERATURE).item(),
        "kept the diagonal (a view competes with itself)": F.cross_entropy(
            sim / TINY_TEMPERATURE, targets
        ).item(),
        "forgot the temperature": F.cross_entropy(masked, targets).item(),
        "did not normalise (dot products, not cosines)": F.cross_entropy(
            (torch.cat([TINY_Z1, TINY_Z2]) @ torch.cat([TINY_Z1, TINY_Z2]).T).masked_fill(
                torch.eye(4, dtype=torch.bool), float("-inf")
            )
            / TINY_TEMPERATURE,
            targets,
        ).item(),
        "summed over the 4 views instead of averaging": 4
        * nt_xent(TINY_Z1, TINY_Z2, TINY_TEMPERATURE).item(),
    }


def check_tiny_nt_xent(value) -> bool:
    """Check the NT-Xent loss the learner computed by hand for TINY_Z1, TINY_Z2 at T = 0.5."""
    if not_done(value):
        return todo("compute NT-Xent for TINY_Z1, TINY_Z2 at temperature 0.5 step by step")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return feedback(False, "expected one number (a float, or a 1-element tensor)")
    if not math.isfinite(value):
        return feedback(False, f"got {value}: check for log(0) or a division by zero")
    variants = tiny_loss_variants()
    if math.isclose(value, variants["right"], rel_tol=1e-3):
        return feedback(True, f"NT-Xent = {variants['right']:.4f}")
    for mistake, number in variants.items():
        if mistake != "right" and math.isclose(value, number, rel_tol=1e-3):
            return feedback(False, f"{value:.4f} is what you get if you {mistake}")
    return feedback(
        False, f"{value:.4f} is not it: mean over 4 views of -log softmax at the partner"
    )
