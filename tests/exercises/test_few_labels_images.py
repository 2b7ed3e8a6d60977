"""Notebook 08's checkers accept the reference solutions and reject typical mistakes."""

import numpy as np
from sklearn.metrics import f1_score

from course_lib.exercises.few_labels_images import (
    check_early_stopping,
    check_macro_f1,
    check_most_confused,
    most_confused_pair,
)


def macro_f1(y_true, y_pred, n_classes):
    scores = []
    for c in range(n_classes):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp, fn = np.sum((y_pred == c) & (y_true != c)), np.sum((y_pred != c) & (y_true == c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def test_macro_f1_checker(capsys):
    assert check_macro_f1(macro_f1)
    assert not check_macro_f1(lambda t, p, k: float(np.mean(t == p)))
    assert "accuracy" in capsys.readouterr().out
    assert not check_macro_f1(
        lambda t, p, k: f1_score(t, p, labels=np.arange(k), average="weighted", zero_division=0)
    )
    assert "weighted" in capsys.readouterr().out
    assert not check_macro_f1(lambda t, p, k: f1_score(t, p, labels=np.unique(p), average="macro"))
    assert "never predicted" in capsys.readouterr().out
    assert not check_macro_f1(lambda t, p, k: 1 / 0)
    assert "raised ZeroDivisionError" in capsys.readouterr().out
    assert not check_macro_f1(None)
    assert "NOT DONE YET" in capsys.readouterr().out


def test_early_stopping_checker(capsys):
    assert check_early_stopping((160, 220))
    assert not check_early_stopping((300, 300))
    assert "training loss" in capsys.readouterr().out
    assert not check_early_stopping((120, 180))
    assert "first dip" in capsys.readouterr().out
    assert not check_early_stopping((160, 300))
    assert "before the last step" in capsys.readouterr().out
    assert not check_early_stopping((160, 200))
    assert not check_early_stopping("soon")
    assert not check_early_stopping(None)


def test_most_confused_checker(capsys):
    names = ["cat", "dog", "fox"]
    y_true = np.array([0] * 10 + [1] * 10 + [2] * 10)
    y_pred = np.array([0] * 8 + [2] * 2 + [1] * 5 + [2] * 5 + [2] * 9 + [0])
    assert most_confused_pair(y_true, y_pred, 3) == (1, 2)
    assert check_most_confused(("dog", "fox"), y_true, y_pred, names)
    assert check_most_confused(["Dog ", "FOX"], y_true, y_pred, names)
    assert not check_most_confused(("fox", "dog"), y_true, y_pred, names)
    assert "reversed" in capsys.readouterr().out
    assert not check_most_confused(("cat", "fox"), y_true, y_pred, names)
    assert not check_most_confused(("dog", "dog"), y_true, y_pred, names)
    assert not check_most_confused(None, y_true, y_pred, names)
