"""Notebook 03's exercises: the 80/10/10 masking rule, and perplexity from a loss."""

import math

import torch

from course_lib.exercises import feedback, not_done, todo

IGNORE = -100


def check_masking(answer) -> bool:
    """Check my_mask(ids, mask_id, vocab_size, special_ids, prob) -> (inputs, labels) statistically."""
    if not_done(answer):
        return todo(
            "define `my_mask(ids, mask_id, vocab_size, special_ids, prob)` returning "
            "(inputs, labels) and pass the function"
        )
    if not callable(answer):
        return feedback(False, "pass the function itself, e.g. check_masking(my_mask)")
    torch.manual_seed(0)
    vocab, mask_id, special = 500, 4, [0, 1, 2, 3, 4]
    ids = torch.randint(5, vocab, (256, 64))
    ids[:, 0], ids[:, -1], ids[:32, -10:] = 2, 3, 0
    try:
        inputs, labels = answer(ids.clone(), mask_id, vocab, special, 0.2)
        inputs, labels = torch.as_tensor(inputs), torch.as_tensor(labels)
    except Exception as error:
        return feedback(False, f"your function raised {type(error).__name__}: {error}")
    if inputs.shape != ids.shape or labels.shape != ids.shape:
        return feedback(
            False, f"inputs and labels must both have the shape of ids {tuple(ids.shape)}"
        )
    is_special = torch.isin(ids, torch.tensor(special))
    picked = labels != IGNORE
    if (picked & is_special).any() or not torch.equal(inputs[is_special], ids[is_special]):
        return feedback(False, "special and padding tokens must never be picked or changed")
    if not torch.equal(labels[picked], ids[picked]):
        return feedback(
            False, "labels must hold the ORIGINAL id at picked positions (-100 elsewhere)"
        )
    if not torch.equal(inputs[~picked], ids[~picked]):
        return feedback(False, "positions that were not picked must stay unchanged")
    share = picked.sum().item() / (~is_special).sum().item()
    if abs(share - 0.2) > 0.02:
        return feedback(
            False,
            f"{share:.1%} of the non-special tokens were picked; expected 20% "
            "(did you pick 20% of ALL positions, specials included, or forget labels?)",
        )
    as_mask = (inputs[picked] == mask_id).float().mean().item()
    kept = (inputs[picked] == ids[picked]).float().mean().item()
    if abs(as_mask - 0.8) > 0.04:
        return feedback(False, f"{as_mask:.0%} of the picked positions became [MASK]; expected 80%")
    if abs(kept - 0.1) > 0.03:
        return feedback(
            False,
            f"{kept:.0%} of the picked positions kept their token; expected 10% "
            "(the other 10% get a random token)",
        )
    randoms = inputs[picked & (inputs != mask_id) & (inputs != ids)]
    if torch.isin(randoms, torch.tensor(special)).any():
        return feedback(False, "a random replacement must not be a special token")
    return feedback(
        True, f"correct: {share:.1%} picked, {as_mask:.0%} [MASK], {kept:.0%} unchanged"
    )


def check_perplexity(answer, loss: float = 4.2) -> bool:
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
