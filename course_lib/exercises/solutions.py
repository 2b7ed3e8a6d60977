"""Reference answers to the exercises of notebooks 00-08: one source for the tests and the
workshop's solutions page (`python -m course_lib.workshop solutions` renders them).

Each `Solution` names its checker; tests/exercises/test_solutions.py passes every answer to its
checker, so a solution that stops being right fails the suite.
"""

import inspect
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike

from course_lib.exercises import (
    contrastive,
    few_labels_images,
    label_efficiency,
    pretraining,
    simclr,
    text_data,
    tokenization,
    welcome,
    what_learned,
)


@dataclass(frozen=True)
class Solution:
    """A reference answer: the notebook, its checker, the answer it accepts and why."""

    notebook: str
    checker: Callable[..., bool]
    answer: object
    why: str
    args: tuple = field(default=())  # the checker's other arguments, as the test passes them
    shown: str = ""  # the code shown on the solutions page (default: the answer's source)

    def code(self) -> str:
        """Return the code a learner would write, as shown on the solutions page."""
        if self.shown:
            return self.shown
        if callable(self.answer):
            return inspect.getsource(self.answer).strip()
        return f"answer = {self.answer!r}"


def my_jaccard(a: set, b: set) -> float:
    """Jaccard similarity: shared elements over all elements (0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def my_most_frequent_pair(ids: list[int]) -> tuple[int, int]:
    """The adjacent pair that occurs most often (Counter keeps the first seen on a tie)."""
    counts = Counter(zip(ids, ids[1:], strict=False))
    return max(counts, key=counts.get)


def my_top_k(logits: torch.Tensor, targets: torch.Tensor, k: int) -> float:
    """Share of rows whose target is among the k highest logits."""
    top = logits.topk(k, dim=1).indices
    return (top == targets.unsqueeze(1)).any(dim=1).float().mean().item()


def my_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine similarity: the dot product of the two vectors divided by their lengths."""
    return (a @ b / (a.norm() * b.norm())).item()


def tiny_nt_xent_by_hand() -> float:
    """NT-Xent of exercise 3's batch: mean over the 4 views of -log softmax at the partner."""
    z = F.normalize(torch.cat([contrastive.TINY_Z1, contrastive.TINY_Z2]), dim=1)
    logits = (z @ z.T) / contrastive.TINY_TEMPERATURE
    logits.fill_diagonal_(float("-inf"))  # a view never competes with itself
    partners = torch.tensor([2, 3, 0, 1])  # row i pairs with (i + N) mod 2N, N = 2
    return -logits.log_softmax(dim=1)[torch.arange(4), partners].mean().item()


def my_nearest_label(
    bank: torch.Tensor, bank_labels: torch.Tensor, queries: torch.Tensor
) -> torch.Tensor:
    """Label of each query's most cosine-similar bank row: normalise, matmul, argmax."""
    sim = F.normalize(queries, dim=1) @ F.normalize(bank, dim=1).T
    return bank_labels[sim.argmax(dim=1)]


def my_labels_needed(points: list[tuple[int, float]], target: float) -> float:
    """Labels needed to reach `target`: interpolate log(n) between the points around it."""
    if points[0][1] >= target:
        return float(points[0][0])
    for (n0, s0), (n1, s1) in zip(points, points[1:], strict=False):
        if s0 < target <= s1:
            share = (target - s0) / (s1 - s0)
            return math.exp(math.log(n0) + share * (math.log(n1) - math.log(n0)))
    return float(points[-1][0])  # never reached: the largest n is a lower bound


def my_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """The unweighted mean over all classes of F1 = 2TP / (2TP + FP + FN), 0 for an empty class."""
    scores = []
    for c in range(n_classes):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def early_stopping_answer() -> tuple[int, int]:
    """Read exercise_curves(): the lowest validation loss, then 3 evaluations without a better."""
    curves = few_labels_images.exercise_curves()
    best = int(np.argmin(curves["val_loss"]))
    return curves["step"][best], curves["step"][best + 3]


def most_confused_answer(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]
) -> tuple[str, str]:
    """The largest off-diagonal count of the confusion matrix (rows true, columns predicted)."""
    true, predicted = few_labels_images.most_confused_pair(y_true, y_pred, len(class_names))
    return class_names[true], class_names[predicted]


CONFUSED_EXAMPLE = (  # the checker's other arguments: a small confusion between dog and fox
    np.array([0] * 10 + [1] * 10 + [2] * 10),
    np.array([0] * 8 + [2] * 2 + [1] * 5 + [2] * 5 + [2] * 9 + [0]),
    ["cat", "dog", "fox"],
)
PRECISION_RECALL = label_efficiency.precision_recall(
    label_efficiency.CONFUSION, label_efficiency.CLASS
)

SOLUTIONS = [
    Solution(
        "00",
        welcome.check_paradigms,
        dict(welcome.ANSWERS),
        "; ".join(f"{k}: {why}" for k, why in welcome.WHY.items()),
    ),
    Solution(
        "01", text_data.check_jaccard, my_jaccard, "intersection over union, not over one set"
    ),
    Solution(
        "01",
        text_data.check_bands,
        (32, 4),
        "a looser detector needs shorter bands: with 32 bands of 4 rows a 0.55-similar pair "
        "matches in some band 1 - (1 - 0.55^4)^32 = 95.4% of the time, a 0.25-similar pair "
        "11.8%; 16 x 8 catches only 12.6% of the 0.55-pairs, 64 x 2 lets 98% of the 0.25-pairs "
        "through",
    ),
    Solution(
        "02",
        tokenization.check_first_merges,
        ["ug", "hug", " hug"],
        "the chunks are 'hug', ' pug', ' hug' (twice), ' pun', ' bun', ' hugs': u-g occurs 5 "
        "times; then h-ug 4 times ('hug', ' hug' twice, ' hugs'); then space-hug 3 times (the "
        "first 'hug' has no space before it)",
    ),
    Solution(
        "02",
        tokenization.check_most_frequent_pair,
        my_most_frequent_pair,
        "count adjacent pairs with zip(ids, ids[1:]) and take the commonest",
    ),
    Solution(
        "02",
        tokenization.check_patch_count,
        (28 // 4) ** 2,
        "7 patches per side, a 7 x 7 grid: 49 tokens",
        shown="answer = (28 // 4) ** 2  # 49",
    ),
    Solution(
        "03",
        pretraining.check_mask_shares,
        {"mask": 0.24, "random": 0.03, "unchanged": 0.03},
        "30% of the ordinary tokens are picked; of those 80% become [MASK] (24% of all), 10% a "
        "random token (3%) and 10% stay as they were but must still be predicted (3%): the model "
        "sees 73% of each block untouched and unscored, and is scored on 30%",
    ),
    Solution(
        "03",
        pretraining.check_perplexity,
        math.exp(4.2),
        "perplexity is e to the mean cross-entropy (natural log): exp(4.2) = 66.7",
        shown="answer = math.exp(4.2)  # 66.7",
    ),
    Solution(
        "04", what_learned.check_top_k, my_top_k, "the target counts if any of the k best is it"
    ),
    Solution("04", what_learned.check_cosine, my_cosine, "a dot product alone grows with length"),
    Solution(
        "05",
        contrastive.check_extreme_losses,
        (math.log(7), math.log(1 + 6 * math.exp(-2))),
        "collapsed: every similarity is 1, so each view's softmax is uniform over its 2N - 1 = 7 "
        "candidates and the loss is log 7 = 1.946; perfect: the partner scores 1 / 0.5 = 2 and "
        "the 6 orthogonal views 0, so the loss is -log(e^2 / (e^2 + 6)) = log(1 + 6 / e^2) = 0.594",
        shown="answer = (math.log(7), math.log(1 + 6 * math.exp(-2)))  # (1.946, 0.594)",
    ),
    Solution(
        "05",
        contrastive.check_positive_indices,
        [(i + 4) % 8 for i in range(8)],
        "with N = 4 images, view i's partner is (i + N) mod 2N",
        shown="answer = [(i + 4) % 8 for i in range(8)]  # [4, 5, 6, 7, 0, 1, 2, 3]",
    ),
    Solution(
        "05",
        contrastive.check_tiny_nt_xent,
        tiny_nt_xent_by_hand(),
        "normalise, divide by the temperature, drop the diagonal, cross-entropy at the partner",
        shown=inspect.getsource(tiny_nt_xent_by_hand).strip(),
    ),
    Solution(
        "06",
        simclr.check_nearest_neighbour,
        my_nearest_label,
        "cosine similarity compares directions, so a far-out class does not swallow the queries",
    ),
    Solution(
        "06",
        simclr.check_harmful_augmentations,
        set(simclr.HARMFUL),
        "upside-down or rotated clothes never occur in Fashion-MNIST; crops, jitter and mirror "
        "images keep the class",
        shown="answer = {'a', 'd'}  # vertical flip, rotation by up to 180 degrees",
    ),
    Solution(
        "07",
        label_efficiency.check_precision_recall,
        PRECISION_RECALL,
        "class 1: precision = 20 / 40 (its column), recall = 20 / 30 (its row)",
        shown="answer = (20 / 40, 20 / 30)  # (precision, recall) of class 1",
    ),
    Solution(
        "07",
        label_efficiency.check_labels_needed,
        my_labels_needed,
        "learning curves are straight-ish on log-x: interpolate log(n), never n",
    ),
    Solution(
        "07",
        label_efficiency.check_selection,
        set(label_efficiency.HONEST),
        "cross-validation inside the labeled set and a small held-out split never touch test",
        shown="answer = {'a', 'd'}",
    ),
    Solution(
        "08",
        few_labels_images.check_macro_f1,
        my_macro_f1,
        "every class counts the same, including one that is never predicted (its F1 is 0)",
    ),
    Solution(
        "08",
        few_labels_images.check_early_stopping,
        early_stopping_answer(),
        "keep the weights of the lowest validation loss; stop 3 evaluations later",
        shown=inspect.getsource(early_stopping_answer).strip(),
    ),
    Solution(
        "08",
        few_labels_images.check_most_confused,
        most_confused_answer(*CONFUSED_EXAMPLE),
        "rows are the true class, columns the prediction; the largest off-diagonal count wins "
        "(in the notebook: most_confused_answer(task.test_y, predictions['scratch'], "
        "FASHION_CLASSES))",
        args=CONFUSED_EXAMPLE,
        shown=inspect.getsource(most_confused_answer).strip(),
    ),
]
