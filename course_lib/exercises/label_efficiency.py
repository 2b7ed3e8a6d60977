"""Notebook 07's exercises: precision and recall from a confusion matrix, labels needed read off
a curve on log-x, and model selection that never touches the test set."""

import math
from collections.abc import Callable

import numpy as np

from course_lib.core.label_efficiency import labels_needed
from course_lib.exercises import feedback, not_done, run_checks, todo

# rows: true class, columns: predicted class (as sklearn's confusion_matrix)
CONFUSION = np.array([[30, 5, 5], [10, 20, 0], [0, 15, 15]])
CLASS = 1  # the exercise asks about class 1


def precision_recall(matrix: np.ndarray, k: int) -> tuple[float, float]:
    """Precision and recall of class k from a confusion matrix (rows true, columns predicted)."""
    return matrix[k, k] / matrix[:, k].sum(), matrix[k, k] / matrix[k, :].sum()


def check_precision_recall(answer: object) -> bool:
    """Check (precision, recall) of class 1 in CONFUSION."""
    precision, recall = precision_recall(CONFUSION, CLASS)
    return run_checks(
        answer,
        "set `answer = (precision, recall)` for class 1, e.g. (0.5, 0.5)",
        [
            (lambda a: len(a) == 2, "give two numbers: (precision, recall)"),
            (
                lambda a: not (math.isclose(a[0], recall) and math.isclose(a[1], precision)),
                "swapped: precision divides by the column (everything predicted as class 1), "
                "recall by the row (everything truly class 1)",
            ),
            (
                lambda a: math.isclose(a[0], precision, abs_tol=1e-3),
                "precision = correct class-1 predictions / all class-1 predictions (column 1)",
            ),
            (
                lambda a: math.isclose(a[1], recall, abs_tol=1e-3),
                "recall = correct class-1 predictions / all true class-1 examples (row 1)",
            ),
        ],
    )


CASES = (
    ([(10, 0.2), (100, 0.5), (1000, 0.8)], 0.65),  # between 100 and 1000
    ([(10, 0.3), (30, 0.45), (100, 0.6)], 0.3),  # reached at the first point
    ([(10, 0.1), (100, 0.3)], 0.9),  # never reached: a lower bound
)


def check_labels_needed(answer: Callable[..., object] | None) -> bool:
    """Check my_labels_needed(points, target) -> labels against the course's log-x rule."""
    if not_done(answer):
        return todo("define `my_labels_needed(points, target)` returning a number of labels")
    if not callable(answer):
        return feedback(
            False, "pass the function itself, e.g. check_labels_needed(my_labels_needed)"
        )
    for points, target in CASES:
        want, _ = labels_needed(points, target)
        try:
            got = float(answer(list(points), target))
        except Exception as error:
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        if not math.isclose(got, want, rel_tol=1e-3):
            if points[0][0] == 10 and target == 0.65 and math.isclose(got, 550, rel_tol=1e-3):
                return feedback(False, "that is linear interpolation: interpolate log(n), then exp")
            if target == 0.9:
                return feedback(False, "a curve that never gets there: answer its largest n")
            return feedback(
                False, f"for target {target} on {points} expected {want:.1f}, got {got:.1f}"
            )
    return feedback(True, "correct: interpolate on log(n) between the two points around the target")


PROCEDURES = {
    "a": "pick C by 3-fold cross-validation on the 100 labeled examples, then score once on test",
    "b": "try five values of C and keep the one with the best test macro-F1",
    "c": "stop fine-tuning at the epoch where the test loss is lowest",
    "d": "stop fine-tuning where the loss on 20 held-out labeled examples is lowest",
}
HONEST = {"a", "d"}


def check_selection(answer: object) -> bool:
    """Check the set of procedures that never use the test set to choose anything."""
    return run_checks(
        answer,
        "set `answer` to the set of honest procedures, e.g. {'a'}",
        [
            (lambda a: set(a) <= set(PROCEDURES), f"choose among {sorted(PROCEDURES)}"),
            (
                lambda a: not set(a) & {"b", "c"},
                "b and c choose something by looking at the test set: its score is no longer an "
                "estimate of new data",
            ),
            (lambda a: set(a) == HONEST, "one honest procedure is missing"),
        ],
    )
