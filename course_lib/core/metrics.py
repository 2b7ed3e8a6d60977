"""Classification metrics (accuracy, macro precision/recall/F1, per class) and the confusion
matrix plot, for labels of any kind: class indices (0..K-1) or names ('cat', 'dog'), K >= 2."""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from course_lib.core.validate import bad_input, check_int, check_labels, check_number, labels_kind


def check_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return y_true and y_pred as label arrays of one kind (ints or strings), same length."""
    y_true = check_labels(y_true, "y_true")
    y_pred = check_labels(y_pred, "y_pred")
    if len(y_pred) != len(y_true):
        fix = "predict the same examples as y_true, in the same order"
        raise bad_input("y_pred", f"{len(y_true)} labels, one per y_true", y_pred, fix)
    if labels_kind(y_pred) != labels_kind(y_true):
        fix = "map names to indices (or back) so both use the same labels"
        raise bad_input("y_pred", f"{labels_kind(y_true)} labels like y_true", y_pred, fix)
    return y_true, y_pred


def class_labels(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int | None = None,
    labels: ArrayLike | None = None,
) -> np.ndarray:
    """Return the classes to score: 0..n_classes-1, the given `labels`, or those that occur."""
    if n_classes is not None and labels is not None:
        raise bad_input("labels", "n_classes or labels, not both", labels, "pass one of them")
    if n_classes is not None:
        return index_classes(y_true, y_pred, n_classes)
    if labels is not None:
        return named_classes(y_true, y_pred, labels)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    if len(classes) < 2:
        fix = "pass n_classes= (indices) or labels= (names) so absent classes count too"
        raise bad_input("y_true", "at least 2 classes among y_true and y_pred", classes, fix)
    return classes


def index_classes(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Return 0..n_classes-1 after checking every label is such an index."""
    n_classes = check_int(n_classes, "n_classes", 2, "pass the number of classes (2 or more)")
    if labels_kind(y_true) != "int":
        fix = "n_classes is for class indices; for names pass labels=[...] instead"
        raise bad_input("n_classes", "integer labels", y_true, fix)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.min() < 0 or y.max() >= n_classes:
            expected = f"class indices in 0..{n_classes - 1} (n_classes={n_classes}), not {y.min()}..{y.max()}"
            fix = "raise n_classes to the true number of classes, or fix the labels"
            raise bad_input(name, expected, y, fix)
    return np.arange(n_classes)


def named_classes(y_true: np.ndarray, y_pred: np.ndarray, labels: ArrayLike) -> np.ndarray:
    """Return `labels` (every class, in order) after checking each label in y_true/y_pred is one."""
    classes = check_labels(labels, "labels")
    if len(set(classes.tolist())) != len(classes) or len(classes) < 2:
        raise bad_input("labels", "2 or more distinct classes", labels, "list each class once")
    if labels_kind(classes) != labels_kind(y_true):
        raise bad_input("labels", f"{labels_kind(y_true)} labels like y_true", labels, "match them")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        unknown = sorted(set(y.tolist()) - set(classes.tolist()))
        if unknown:
            fix = f"add {unknown[:5]} to labels, or fix {name}"
            raise bad_input(name, f"only the classes in labels {classes.tolist()[:10]}", y, fix)
    return classes


def classification_scores(
    y_true: Sequence,
    y_pred: Sequence,
    n_classes: int | None = None,
    labels: ArrayLike | None = None,
) -> dict[str, float]:
    """Return accuracy and macro-averaged precision, recall and F1 over all classes: 0..n_classes-1,
    the given `labels` (names or indices), or those that occur in y_true and y_pred."""
    y_true, y_pred = check_pair(y_true, y_pred)
    classes = class_labels(y_true, y_pred, n_classes, labels)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "macro_f1": float(f1),
    }


def per_class_scores(
    y_true: Sequence,
    y_pred: Sequence,
    n_classes: int | None = None,
    labels: ArrayLike | None = None,
) -> dict[str, dict[str, float]]:
    """Return {class name: precision, recall, f1, support} for every class (JSON-ready keys)."""
    y_true, y_pred = check_pair(y_true, y_pred)
    classes = class_labels(y_true, y_pred, n_classes, labels)
    columns = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    keys = ("precision", "recall", "f1", "support")
    return {
        str(c): {k: float(col[i]) for k, col in zip(keys, columns, strict=True)}
        for i, c in enumerate(classes)
    }


def confusion_classes(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str] | None
) -> tuple:
    """Return (classes, names) for plot_confusion: indices named by class_names, or the names."""
    if class_names is None:
        classes = class_labels(y_true, y_pred)
        return classes, [str(c) for c in classes]
    names = check_labels(class_names, "class_names")
    if labels_kind(y_true) == "str":
        return named_classes(y_true, y_pred, names), [str(n) for n in names]
    return index_classes(y_true, y_pred, len(names)), [str(n) for n in names]


def plot_confusion(
    y_true: Sequence,
    y_pred: Sequence,
    class_names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    title: str = "",
) -> plt.Axes:
    """Plot the row-normalised confusion matrix (each row: where that true class went).

    Integer labels are indices into `class_names`; string labels are the names themselves
    (`class_names`, when given, orders them); without names, the classes that occur are shown."""
    y_true, y_pred = check_pair(y_true, y_pred)
    classes, names = confusion_classes(y_true, y_pred, class_names)
    matrix = confusion_matrix(y_true, y_pred, labels=classes, normalize="true")
    ax = ax or plt.subplots(figsize=(5.5, 5))[1]
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(ticks, names, fontsize=7)
    for i, j in np.ndindex(matrix.shape):
        if matrix[i, j] >= 0.05:
            color = "white" if matrix[i, j] > 0.6 else "black"
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=6, color=color)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix (rows sum to 1)")
    return ax


def seed_summary(values: Sequence[float]) -> dict:
    """Return {'mean', 'std', 'seeds'} of one score measured over several seeds (JSON-ready)."""
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray) or not len(values):
        fix = "pass one score per seed, e.g. [0.71, 0.69, 0.73]"
        raise bad_input("values", "a non-empty list of scores, one per seed", values, fix)
    values = [
        check_number(v, f"values[{i}]", fix="drop or re-run that seed's NaN score")
        for i, v in enumerate(values)
    ]
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "seeds": values}
