"""Notebook 08's exercises: macro-F1 by hand, the early-stopping step read off curves, and the
most confused pair of classes in a confusion matrix."""

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix, f1_score

from course_lib.core.metrics import classification_scores
from course_lib.exercises import feedback, not_done, todo


def macro_f1_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Return (y_true, y_pred, n_classes) cases; the last has a class that is never predicted."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 60)
    y_pred = np.where(rng.random(60) < 0.6, y_true, rng.integers(0, 4, 60))
    skewed_true = np.array([0] * 30 + [1] * 6 + [2] * 4)
    skewed_pred = np.array([0] * 28 + [1] * 2 + [1] * 3 + [0] * 3 + [0] * 4)
    return [(y_true, y_pred, 4), (skewed_true, skewed_pred, 3)]


def check_macro_f1(fn: Callable[..., object] | None) -> bool:
    """Check fn(y_true, y_pred, n_classes) -> macro-F1 (F1 per class, then the plain mean)."""
    if not_done(fn):
        return todo("write `macro_f1(y_true, y_pred, n_classes)`: F1 of each class, then the mean")
    if not callable(fn):
        return feedback(False, "expected a function macro_f1(y_true, y_pred, n_classes)")
    for y_true, y_pred, n_classes in macro_f1_cases():
        want = classification_scores(y_true, y_pred, n_classes)["macro_f1"]
        try:
            got = float(fn(y_true.copy(), y_pred.copy(), n_classes))
        except Exception as error:  # the learner's code failing is feedback
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        if abs(got - want) < 1e-6:
            continue
        labels = np.arange(n_classes)
        weighted = f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)
        present = f1_score(y_true, y_pred, labels=np.unique(y_pred), average="macro")
        scores = classification_scores(y_true, y_pred, n_classes)
        p, r = scores["precision"], scores["recall"]
        if abs(got - scores["accuracy"]) < 1e-6:
            return feedback(False, "that is accuracy (micro-F1): average the per-class F1 instead")
        if abs(got - weighted) < 1e-6:
            return feedback(False, "that is weighted by class size: macro gives each class 1/K")
        if abs(got - 2 * p * r / (p + r)) < 1e-6:
            return feedback(False, "F1 of the mean precision and recall: take F1 per class first")
        if abs(got - present) < 1e-6:
            return feedback(
                False, "a class that is never predicted has F1 = 0: keep it in the mean"
            )
        return feedback(False, f"expected {want:.4f}, got {got:.4f}")
    return feedback(True, "macro-F1 gives every class the same weight, however rare")


def exercise_curves() -> dict[str, list[float]]:
    """Return evaluation steps with train and validation losses of a run that overfits."""
    steps = list(range(20, 301, 20))
    train = [round(2.3 * 0.78**i, 3) for i in range(len(steps))]
    val = [2.1, 1.6, 1.25, 1.02, 0.9, 0.86, 0.88, 0.85, 0.87, 0.93, 0.99, 1.06, 1.12, 1.2, 1.27]
    return {"step": steps, "train_loss": train, "val_loss": val}


def check_early_stopping(answer: object, patience: int = 3) -> bool:
    """Check (best_step, stop_step): the step whose weights are kept, and the step at which a loop
    with `patience` evaluations without improvement stops."""
    if not_done(answer):
        return todo("give (best_step, stop_step) read off exercise_curves() with patience 3")
    curves = exercise_curves()
    steps, val, train = curves["step"], curves["val_loss"], curves["train_loss"]
    best_index = int(np.argmin(val))
    best, stop = steps[best_index], steps[min(best_index + patience, len(steps) - 1)]
    try:
        got_best, got_stop = (int(x) for x in answer)
    except (TypeError, ValueError):
        return feedback(False, "expected two steps: (best_step, stop_step)")
    if got_best != best:
        if got_best == steps[int(np.argmin(train))]:
            return feedback(False, "the training loss always falls: select on validation loss")
        if got_best == steps[5]:
            return feedback(False, "that is the first dip; the validation loss is lower later")
        return feedback(False, f"{got_best} is not the step with the lowest validation loss")
    if got_stop != stop:
        if got_stop == steps[-1]:
            return feedback(False, "early stopping ends the run before the last step")
        return feedback(False, f"count {patience} evaluations after the best one, no improvement")
    return feedback(True, f"keep step {best}'s weights; the loop stops at step {stop}")


def most_confused_pair(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> tuple[int, int]:
    """Return (true class, predicted class) of the largest off-diagonal count."""
    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
    np.fill_diagonal(matrix, -1)
    true, predicted = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
    return int(true), int(predicted)


def check_most_confused(
    answer: object, y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]
) -> bool:
    """Check (true name, predicted name): the mistake the model makes most often (raw counts)."""
    if not_done(answer):
        return todo("give (true class name, predicted class name) of the most frequent mistake")
    true, predicted = most_confused_pair(y_true, y_pred, len(class_names))
    try:
        got = tuple(str(x).strip().lower() for x in answer)
    except TypeError:
        return feedback(False, "expected two class names: (true, predicted)")
    want = (class_names[true].lower(), class_names[predicted].lower())
    if got == want:
        return feedback(True, f"true {want[0]!r} predicted as {want[1]!r} is the top mistake")
    if got == want[::-1]:
        return feedback(False, "reversed: rows are the true class, columns the prediction")
    if len(got) != 2 or got[0] == got[1]:
        return feedback(False, "two different class names: the diagonal is what is right")
    return feedback(False, "look for the largest number off the diagonal (counts, not rates)")
