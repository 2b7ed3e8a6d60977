"""Notebook 06's exercises: a nearest-neighbour classifier on features, choosing augmentations."""

from collections.abc import Callable

import numpy as np
import torch

from course_lib.core.probe import knn_predict
from course_lib.exercises import feedback, not_done, todo


def exercise_features(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (bank, bank_labels, queries) where cosine and Euclidean nearest neighbours differ."""
    g = torch.Generator().manual_seed(seed)
    directions = torch.nn.functional.normalize(torch.randn(5, 16, generator=g), dim=1)
    labels = torch.arange(50) % 5
    lengths = torch.where(labels % 2 == 0, 0.5, 6.0).unsqueeze(1)  # some classes far out
    bank = directions[labels] * lengths + 0.3 * torch.randn(50, 16, generator=g)
    query_labels = torch.arange(30) % 5
    queries = directions[query_labels] * 2.0 + 0.3 * torch.randn(30, 16, generator=g)
    return bank, labels, queries


def check_nearest_neighbour(fn: Callable[..., object] | None) -> bool:
    """Check fn(bank, bank_labels, queries) -> the label of each query's most cosine-similar row."""
    if not_done(fn):
        return todo("write `nearest_label(bank, bank_labels, queries)` using cosine similarity")
    if not callable(fn):
        return feedback(False, "expected a function nearest_label(bank, bank_labels, queries)")
    bank, labels, queries = exercise_features()
    try:
        got = np.asarray(torch.as_tensor(fn(bank.clone(), labels.clone(), queries.clone()))).ravel()
    except Exception as error:  # the learner's code failing is feedback
        return feedback(False, f"your function raised {type(error).__name__}: {error}")
    want = knn_predict(bank, labels, queries, k=1)
    if got.shape != want.shape:
        return feedback(False, f"expected one label per query ({len(want)}), got shape {got.shape}")
    euclid = labels[torch.cdist(queries, bank).argmin(1)].numpy()
    farthest = labels[(queries @ bank.T).argmin(1)].numpy()
    if np.array_equal(got, want):
        return feedback(True, "cosine nearest neighbour: direction counts, not length")
    if np.array_equal(got, euclid):
        return feedback(False, "that is the Euclidean nearest neighbour: normalise rows first")
    if np.array_equal(got, farthest):
        return feedback(False, "you picked the LEAST similar row: use argmax of the similarity")
    wrong = int((got != want).sum())
    return feedback(
        False, f"{wrong} of {len(want)} labels differ: normalise, matmul, argmax, label"
    )


AUGMENTATION_CHOICES = {
    "a": "vertical flip (upside down)",
    "b": "random resized crop keeping 30-100% of the area",
    "c": "brightness/contrast jitter",
    "d": "rotation by up to 180 degrees",
    "e": "horizontal flip",
}
HARMFUL = {"a", "d"}


def check_harmful_augmentations(answer: object) -> bool:
    """Check the set of augmentations that would teach a Fashion-MNIST model the wrong thing."""
    if not_done(answer):
        return todo("give the set of letters (a-e) of augmentations that would hurt here")
    try:
        chosen = {str(x).strip().lower() for x in answer}
    except TypeError:
        return feedback(False, "expected a set of letters such as {'a', 'b'}")
    unknown = chosen - set(AUGMENTATION_CHOICES)
    if unknown:
        return feedback(False, f"{sorted(unknown)} are not among the choices a-e")
    if chosen == HARMFUL:
        return feedback(
            True,
            "upside-down or rotated clothes never occur in this data, and they blur the line "
            "between classes (a sandal upside down); crops, jitter and mirror images keep the class",
        )
    missing, extra = HARMFUL - chosen, chosen - HARMFUL
    parts = []
    if missing:
        parts.append(f"{sorted(missing)} would also hurt: do clothes appear that way in the data?")
    if extra:
        parts.append(
            f"{sorted(extra)} keep(s) the class and the photo plausible: a useful invariance"
        )
    return feedback(False, " ".join(parts))
