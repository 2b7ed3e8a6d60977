"""Notebook 09's checkers accept the reference solutions and reject typical mistakes."""

import numpy as np
import torch

from course_lib.exercises.search import (
    check_cosine_top_k,
    check_in_batch_positive,
    check_recall_at_k,
)


def test_recall_checker(capsys):
    def right(scores, k):
        ranks = (scores >= np.diag(scores)[:, None]).sum(axis=1)
        return float(np.mean(ranks <= k))

    assert check_recall_at_k(right)
    assert not check_recall_at_k(lambda s, k: float(np.mean(s.argmax(1) == np.arange(len(s)))))
    assert "k best" in capsys.readouterr().out
    off_by_one = lambda s, k: right(s, k + 1)  # noqa: E731
    assert not check_recall_at_k(off_by_one)
    assert "ranks <= k" in capsys.readouterr().out
    assert not check_recall_at_k(lambda s, k: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not check_recall_at_k(0.5)
    assert not check_recall_at_k(None)
    assert "NOT DONE YET" in capsys.readouterr().out


def test_top_k_checker(capsys):
    def right(query, vectors, k):
        sims = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
        return np.argsort(-sims)[:k]

    assert check_cosine_top_k(right)
    assert not check_cosine_top_k(lambda q, v, k: np.argsort(-(v @ q))[:k])
    assert "dot products" in capsys.readouterr().out
    assert not check_cosine_top_k(lambda q, v, k: right(q, v, k)[::-1])
    assert "best first" in capsys.readouterr().out
    assert not check_cosine_top_k(lambda q, v, k: right(q, v, 2))
    assert "k = 3" in capsys.readouterr().out
    assert not check_cosine_top_k(None)


def test_in_batch_positive_checker(capsys):
    assert check_in_batch_positive(lambda n: torch.cat([torch.arange(n, 2 * n), torch.arange(n)]))
    assert not check_in_batch_positive(lambda n: list(range(2 * n)))
    assert "itself" in capsys.readouterr().out
    assert not check_in_batch_positive(lambda n: list(range(n, 2 * n)))
    assert "all 2n rows" in capsys.readouterr().out
    assert not check_in_batch_positive(lambda n: [(i + 1) % (2 * n) for i in range(2 * n)])
    assert "(i + n) mod 2n" in capsys.readouterr().out
    assert not check_in_batch_positive(...)
