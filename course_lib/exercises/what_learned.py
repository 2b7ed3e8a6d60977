"""Notebook 04's exercises: top-k accuracy and cosine similarity by hand."""

from collections.abc import Callable

import torch

from course_lib.exercises import feedback, not_done, todo


def reference_top_k(logits: torch.Tensor, targets: torch.Tensor, k: int) -> float:
    """Share of rows whose target is among the k highest logits."""
    top = logits.topk(k, dim=-1).indices
    return (top == targets.unsqueeze(1)).any(dim=1).float().mean().item()


def check_top_k(answer: Callable[..., object] | None) -> bool:
    """Check my_top_k(logits, targets, k) -> float on random and hand-made cases."""
    if not_done(answer):
        return todo("define `my_top_k(logits, targets, k)` returning a share between 0 and 1")
    if not callable(answer):
        return feedback(False, "pass the function itself, e.g. check_top_k(my_top_k)")
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(200, 50, generator=generator)
    targets = torch.randint(0, 50, (200,), generator=generator)
    hand = torch.tensor([[0.1, 0.9, 0.5], [0.8, 0.1, 0.3]])
    for case_logits, case_targets, k in (
        (logits, targets, 5),
        (logits, targets, 1),
        (hand, torch.tensor([2, 2]), 2),
    ):
        want = reference_top_k(case_logits, case_targets, k)
        try:
            got = float(answer(case_logits.clone(), case_targets.clone(), k))
        except Exception as error:
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        if abs(got - want) > 1e-6:
            if k == 2 and abs(got - 0.5) < 1e-6:
                return feedback(False, "take the k HIGHEST scores (topk, or argsort descending)")
            return feedback(False, f"expected {want:.3f} for k={k}, got {got:.3f}")
    return feedback(True, "correct")


def check_cosine(answer: Callable[..., object] | None) -> bool:
    """Check my_cosine(a, b) -> float."""
    if not_done(answer):
        return todo("define `my_cosine(a, b)` = a . b / (|a| |b|)")
    if not callable(answer):
        return feedback(False, "pass the function itself")
    cases = [
        (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0]), 0.0),
        (torch.tensor([1.0, 1.0]), torch.tensor([3.0, 3.0]), 1.0),
        (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.5, 2.0]), None),
    ]
    for a, b, want in cases:
        want = float(torch.nn.functional.cosine_similarity(a, b, dim=0)) if want is None else want
        try:
            got = float(answer(a.clone(), b.clone()))
        except Exception as error:
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        if abs(got - want) > 1e-5:
            if abs(got - float(a @ b)) < 1e-5:
                return feedback(False, "that is the dot product: divide by the two lengths")
            return feedback(
                False, f"for {a.tolist()} and {b.tolist()} expected {want:.3f}, got {got:.3f}"
            )
    return feedback(True, "correct: 1 = same direction, 0 = unrelated, -1 = opposite")
