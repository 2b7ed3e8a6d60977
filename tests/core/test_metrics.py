"""Metrics agree with hand computations and refuse malformed input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_lib.core.metrics import classification_scores, per_class_scores, plot_confusion
from course_lib.core.validate import BadInput


def test_scores_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    scores = classification_scores(y_true, y_pred, n_classes=3)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    # per class precision 1/2, 2/3, 1; recall 1/2, 1, 1/2
    assert scores["precision"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert scores["recall"] == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    f1 = [2 * p * r / (p + r) for p, r in [(1 / 2, 1 / 2), (2 / 3, 1), (1, 1 / 2)]]
    assert scores["macro_f1"] == pytest.approx(sum(f1) / 3)


def test_a_class_never_predicted_counts_as_zero():
    scores = classification_scores([0, 1, 2], [0, 1, 1], n_classes=4)
    assert scores["macro_f1"] == pytest.approx((1 + 2 / 3 + 0 + 0) / 4)


def test_mismatched_labels_are_refused():
    with pytest.raises(BadInput, match="y_pred: expected 2 labels, one per y_true"):
        classification_scores([0, 1], [0])
    with pytest.raises(BadInput, match="y_true: expected at least one label"):
        classification_scores([], [])


def test_two_classes_string_labels_and_three_classes_score_alike():
    """The same predictions scored as indices or as names give the same numbers."""
    names = np.array(["cat", "dog", "eel"])
    for k in (2, 3):
        y_true = np.arange(12) % k
        y_pred = np.where(np.arange(12) % 4 == 0, (y_true + 1) % k, y_true)
        by_index = classification_scores(y_true, y_pred, n_classes=k)
        by_name = classification_scores(names[y_true], names[y_pred], labels=list(names[:k]))
        assert by_index == by_name
        assert by_index["accuracy"] == pytest.approx((y_true == y_pred).mean())
        assert by_index["macro_f1"] < 1.0


def test_per_class_scores_name_each_class():
    scores = per_class_scores(["cat", "cat", "dog", "dog"], ["cat", "dog", "dog", "dog"])
    assert list(scores) == ["cat", "dog"]
    assert scores["cat"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2.0,
    }
    assert scores["dog"]["precision"] == pytest.approx(2 / 3) and scores["dog"]["recall"] == 1.0
    absent = per_class_scores([0, 1], [0, 1], n_classes=3)["2"]
    assert absent["support"] == 0.0 and absent["f1"] == 0.0


def test_confusion_plot_rows_are_normalised():
    ax = plot_confusion([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    image = ax.images[0].get_array()
    assert image[0].tolist() == [0.5, 0.5] and image[1].tolist() == [0.0, 1.0]


def test_confusion_plot_takes_names_as_labels_in_the_given_order():
    ax = plot_confusion(["dog", "cat", "cat"], ["dog", "dog", "cat"], ["dog", "cat"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dog", "cat"]
    assert ax.images[0].get_array().tolist() == [[1.0, 0.0], [0.5, 0.5]]
    plain = plot_confusion([2, 0, 1], [2, 0, 0])  # no names: the classes that occur
    assert [t.get_text() for t in plain.get_yticklabels()] == ["0", "1", "2"]
