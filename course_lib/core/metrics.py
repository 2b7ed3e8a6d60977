"""Classification metrics (accuracy, macro precision/recall/F1) and the confusion matrix plot."""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def check_labels(y_true: Sequence[int], y_pred: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Return both label arrays as ints, refusing mismatched or empty inputs."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise ValueError(
            f"expected two non-empty 1-D label arrays of the same length, "
            f"got shapes {y_true.shape} and {y_pred.shape}"
        )
    return y_true.astype(int), y_pred.astype(int)


def classification_scores(
    y_true: Sequence[int], y_pred: Sequence[int], n_classes: int | None = None
) -> dict[str, float]:
    """Return accuracy and macro-averaged precision, recall and F1 over all `n_classes` classes."""
    y_true, y_pred = check_labels(y_true, y_pred)
    labels = np.arange(n_classes) if n_classes else np.unique(np.concatenate([y_true, y_pred]))
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "macro_f1": float(f1),
    }


def plot_confusion(
    y_true: Sequence[int], y_pred: Sequence[int], class_names: Sequence[str], ax=None, title=""
):
    """Plot the row-normalised confusion matrix (each row: where that true class went)."""
    y_true, y_pred = check_labels(y_true, y_pred)
    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(len(class_names)), normalize="true")
    ax = ax or plt.subplots(figsize=(5.5, 5))[1]
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(ticks, class_names, fontsize=7)
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
    values = [float(v) for v in values]
    if not values:
        raise ValueError("expected at least one score (one per seed)")
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "seeds": values}
