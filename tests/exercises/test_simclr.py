"""Notebook 06's checkers accept the reference solutions and reject typical mistakes."""

import torch
import torch.nn.functional as F

from course_lib.exercises.simclr import (
    check_harmful_augmentations,
    check_nearest_neighbour,
    exercise_features,
)


def right(bank, labels, queries):
    sim = F.normalize(queries, dim=1) @ F.normalize(bank, dim=1).T
    return labels[sim.argmax(1)]


def test_nearest_neighbour_checker(capsys):
    assert check_nearest_neighbour(right)
    bank, labels, queries = exercise_features()
    euclid = labels[torch.cdist(queries, bank).argmin(1)]
    assert not torch.equal(euclid, right(bank, labels, queries)), "the data must separate them"
    assert not check_nearest_neighbour(lambda b, y, q: y[torch.cdist(q, b).argmin(1)])
    assert "Euclidean" in capsys.readouterr().out
    assert not check_nearest_neighbour(lambda b, y, q: y[(q @ b.T).argmin(1)])
    assert "LEAST" in capsys.readouterr().out
    assert not check_nearest_neighbour(lambda b, y, q: y[:5])
    assert "one label per query" in capsys.readouterr().out
    assert not check_nearest_neighbour(None)
    assert "NOT DONE YET" in capsys.readouterr().out


def test_harmful_augmentations_checker(capsys):
    assert check_harmful_augmentations({"a", "d"})
    assert check_harmful_augmentations(["D", "a"])
    assert not check_harmful_augmentations({"a"})
    assert "would also hurt" in capsys.readouterr().out
    assert not check_harmful_augmentations({"a", "d", "e"})
    assert "keep(s) the class" in capsys.readouterr().out
    assert not check_harmful_augmentations({"z"})
    assert not check_harmful_augmentations(5)
    assert not check_harmful_augmentations(None)
