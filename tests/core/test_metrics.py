"""Metrics agree with hand computations and refuse malformed input."""

import matplotlib

matplotlib.use("Agg")

import pytest

from course_lib.core.metrics import classification_scores, plot_confusion


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
    with pytest.raises(ValueError, match="same length"):
        classification_scores([0, 1], [0])
    with pytest.raises(ValueError, match="non-empty"):
        classification_scores([], [])


def test_confusion_plot_rows_are_normalised():
    ax = plot_confusion([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    image = ax.images[0].get_array()
    assert image[0].tolist() == [0.5, 0.5] and image[1].tolist() == [0.0, 1.0]
