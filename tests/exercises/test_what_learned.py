"""Notebook 04's checkers accept the reference solutions and reject typical mistakes."""

import torch

from course_lib.exercises.what_learned import check_cosine, check_top_k, reference_top_k


def test_top_k_checker(capsys):
    assert check_top_k(None) is False
    assert check_top_k(reference_top_k) is True
    lowest = lambda logits, targets, k: reference_top_k(-logits, targets, k)  # noqa: E731
    assert check_top_k(lowest) is False
    assert (
        check_top_k(lambda logits, targets, k: (logits.argmax(1) == targets).float().mean())
        is False
    )


def test_cosine_checker(capsys):
    assert check_cosine(None) is False
    assert check_cosine(lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=0)) is True
    assert check_cosine(lambda a, b: a @ b) is False
    assert "dot product" in capsys.readouterr().out
