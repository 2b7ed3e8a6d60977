"""Notebook 03's exercises: what the 80/10/10 masking rule does to a block, and perplexity from a
loss."""

import math

import torch

from course_lib.exercises import feedback, not_done, todo
from course_lib.text.masking import mask_tokens

IGNORE = -100


def measured_shares(mask_prob: float, seed: int = 0) -> dict[str, float]:
    """Measure, with the course's mask_tokens, what share of the ordinary tokens of many blocks
    the model sees as [MASK], as a random token, and unchanged but still to be predicted."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 8000, (512, 128), generator=generator)
    inputs, labels = mask_tokens(ids, 4, 8000, [0, 1, 2, 3, 4], mask_prob, generator=generator)
    picked = labels != IGNORE
    return {
        "mask": (inputs == 4).float().mean().item(),
        "random": (picked & (inputs != 4) & (inputs != ids)).float().mean().item(),
        "unchanged": (picked & (inputs == ids)).float().mean().item(),
    }


def check_mask_shares(answer: object, mask_prob: float = 0.3) -> bool:
    """Check the predicted shares of all ordinary tokens that become [MASK], a random token, or
    stay unchanged but are predicted, at `mask_prob` with the 80/10/10 rule."""
    keys = ("mask", "random", "unchanged")
    if not_done(answer):
        return todo(
            f"set `my_shares = {{'mask': ..., 'random': ..., 'unchanged': ...}}` at {mask_prob:.0%}"
        )
    try:
        got = {k: float(answer[k]) for k in keys}
    except (TypeError, KeyError, ValueError):
        return feedback(
            False, f"expected a dict with the numbers {keys}, e.g. {{'mask': 0.5, ...}}"
        )
    want = {"mask": 0.8 * mask_prob, "random": 0.1 * mask_prob, "unchanged": 0.1 * mask_prob}
    measured = measured_shares(mask_prob)
    seen = ", ".join(f"{k} {measured[k]:.4f}" for k in keys)
    if all(abs(got[k] - want[k]) < 0.002 for k in keys):
        return feedback(True, f"{want}; mask_tokens on 65,536 tokens measured: {seen}")
    if abs(got["mask"] - 0.8) < 0.01:
        return feedback(
            False, f"80/10/10 are shares of the PICKED tokens; only {mask_prob:.0%} are picked"
        )
    if abs(got["mask"] - mask_prob) < 0.002:
        return feedback(
            False, "not every picked token becomes [MASK]: 10% get a random token, 10% stay"
        )
    if abs(sum(got.values()) - mask_prob) > 0.002:
        return feedback(
            False, f"the three shares together are the picked tokens: they sum to {mask_prob}"
        )
    return feedback(False, f"split the {mask_prob:.0%} picked tokens 80/10/10 (measured: {seen})")


def check_perplexity(answer: object, loss: float = 4.2) -> bool:
    """Check the perplexity for a mean cross-entropy of `loss` nats."""
    if not_done(answer):
        return todo(f"perplexity = exp(loss in nats); compute it for a loss of {loss}")
    want = math.exp(loss)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return feedback(False, "expected a number")
    if abs(value - 2**loss) < 1e-6 * 2**loss or abs(value - 10**loss) < 1e-6 * 10**loss:
        return feedback(False, "the loss is in nats (natural log): use e as the base")
    if abs(value - math.log(loss)) < 1e-6:
        return feedback(False, "perplexity is exp(loss), not log(loss)")
    if abs(value - want) > 0.01 * want:
        return feedback(False, f"not quite: expected about {want:.1f}")
    return feedback(
        True,
        f"{want:.1f}: the model is as unsure as a uniform choice among about {want:.0f} tokens",
    )
