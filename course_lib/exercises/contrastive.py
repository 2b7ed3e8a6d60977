"""Notebook 05's exercises: NT-Xent of two extreme encoders, the positive pairs, NT-Xent by hand."""

import math

import torch
import torch.nn.functional as F

from course_lib.core.contrastive import nt_xent, positive_indices
from course_lib.exercises import feedback, not_done, todo

# Exercise 3's batch: two images, two views each, 3-d projections, temperature 0.5.
TINY_Z1 = torch.tensor([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
TINY_Z2 = torch.tensor([[1.0, 0.5, 1.0], [0.5, 2.0, 0.0]])
TINY_TEMPERATURE = 0.5


EXTREMES_N, EXTREMES_TEMPERATURE = 4, 0.5


def extreme_views() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The two extreme encoders of exercise 1, for N=4: collapsed, and perfect with orthogonal negatives."""
    same = torch.ones(EXTREMES_N, EXTREMES_N)
    perfect = torch.eye(EXTREMES_N)
    return {"collapsed": (same, same.clone()), "perfect": (perfect, perfect.clone())}


def check_extreme_losses(answer: object) -> bool:
    """Check (collapsed, perfect): NT-Xent of the two extreme encoders at N=4, temperature 0.5."""
    if not_done(answer):
        return todo("set `my_losses = (collapsed, perfect)`: two numbers, in nats")
    try:
        collapsed, perfect = (float(x) for x in answer)
    except (TypeError, ValueError):
        return feedback(False, "expected two numbers (collapsed, perfect), e.g. (1.5, 0.2)")
    views = extreme_views()
    want = {k: nt_xent(*v, EXTREMES_TEMPERATURE).item() for k, v in views.items()}
    n = EXTREMES_N
    if abs(collapsed - math.log(2 * n)) < 1e-3:
        return feedback(False, "collapsed: a view is never its own candidate: 2N - 1 = 7 remain")
    if abs(collapsed - want["collapsed"]) > 1e-3:
        return feedback(False, "collapsed: all similarities are equal, so the softmax is uniform")
    if abs(perfect) < 1e-3:
        return feedback(
            False, "perfect: orthogonal negatives have similarity 0 and e^0 = 1: they still count"
        )
    if abs(perfect - math.log(1 + (2 * n - 2) * math.exp(-1))) < 1e-3:
        return feedback(False, "perfect: divide the similarities by the temperature first")
    if abs(perfect - want["perfect"]) > 1e-3:
        return feedback(False, "perfect: the partner has similarity 1, the 6 others 0; softmax")
    return feedback(
        True,
        f"collapsed log(7) = {want['collapsed']:.3f}, perfect log(1 + 6/e^2) = {want['perfect']:.3f}: "
        "even a perfect encoder pays for its negatives, and a collapsed one sits at chance",
    )


def check_positive_indices(answer: object) -> bool:
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


def check_tiny_nt_xent(value: object) -> bool:
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
