"""Notebook 07's checkers accept the reference solutions and reject typical mistakes."""

import math

from course_lib.core.label_efficiency import labels_needed
from course_lib.exercises.label_efficiency import (
    CLASS,
    CONFUSION,
    check_labels_needed,
    check_precision_recall,
    check_selection,
    precision_recall,
)


def test_precision_recall_checker(capsys):
    precision, recall = precision_recall(CONFUSION, CLASS)
    assert math.isclose(precision, 20 / 40) and math.isclose(recall, 20 / 30)
    assert check_precision_recall(None) is False
    assert check_precision_recall((precision, recall)) is True
    assert check_precision_recall((recall, precision)) is False
    assert "swapped" in capsys.readouterr().out
    assert check_precision_recall((20 / 90, recall)) is False  # divided by everything
    assert check_precision_recall(0.5) is False  # not a pair: feedback, no crash


def linear(points, target):
    for (n0, s0), (n1, s1) in zip(points, points[1:], strict=False):
        if s0 <= target <= s1:
            return n0 + (target - s0) / (s1 - s0) * (n1 - n0)
    return points[0][0] if target <= points[0][1] else points[-1][0]


def test_labels_needed_checker(capsys):
    assert check_labels_needed(None) is False
    assert check_labels_needed(lambda points, target: labels_needed(points, target)[0]) is True
    assert check_labels_needed(linear) is False
    assert "linear interpolation" in capsys.readouterr().out
    assert check_labels_needed(lambda points, target: float("nan")) is False
    assert check_labels_needed(lambda points: 1) is False  # wrong signature: feedback


def test_selection_checker(capsys):
    assert check_selection(None) is False
    assert check_selection({"a", "d"}) is True
    assert check_selection({"a", "b", "d"}) is False
    assert "test set" in capsys.readouterr().out
    assert check_selection({"a"}) is False
    assert check_selection({"z"}) is False
