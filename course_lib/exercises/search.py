"""Notebook 09's exercises: recall@k by hand, cosine top-k, and the in-batch positive of SimCSE."""

from collections.abc import Callable

import numpy as np
import torch

from course_lib.core.contrastive import positive_indices
from course_lib.exercises import feedback, not_done, todo
from course_lib.text.search import recall_at_k, relevant_ranks, top_k

# query i's relevant item is item i (the diagonal), as in the inverse cloze benchmark
SCORES = np.array(
    [
        [0.9, 0.2, 0.1, 0.4],  # rank 1
        [0.8, 0.3, 0.5, 0.1],  # rank 3
        [0.1, 0.2, 0.7, 0.6],  # rank 1
        [0.6, 0.9, 0.7, 0.5],  # rank 4
    ]
)
# vectors where the largest dot product and the largest cosine disagree
VECTORS = np.array([[1.0, 0.0], [10.0, 10.0], [0.9, 0.1], [0.0, 3.0], [-1.0, 0.0]])
QUERY = np.array([1.0, 0.05])


def call(fn: Callable[..., object], *args: object) -> object:
    """Return fn(*args), or the exception it raised (the learner's code failing is feedback)."""
    try:
        return fn(*args)
    except Exception as error:  # noqa: BLE001
        return error


def check_recall_at_k(fn: Callable[..., object] | None) -> bool:
    """Check my_recall_at_k(scores, k): the share of queries whose item i is among the k best."""
    if not_done(fn):
        return todo("define `my_recall_at_k(scores, k)`; query i's relevant item is column i")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_recall_at_k(my_recall_at_k)")
    ranks = relevant_ranks(SCORES)
    for k in (1, 2, 3, 4):
        got = call(fn, SCORES.copy(), k)
        if isinstance(got, Exception):
            return feedback(False, f"your function raised {type(got).__name__}: {got}")
        want = recall_at_k(ranks, k)
        if not np.isclose(float(got), want):
            if np.isclose(float(got), recall_at_k(ranks, k + 1)):
                return feedback(False, f"k={k}: rank 1 is the best item; count ranks <= k")
            if np.isclose(float(got), recall_at_k(ranks, 1)):
                return feedback(False, f"k={k}: you counted only the best item, not the k best")
            return feedback(False, f"k={k}: expected {want:.2f}, got {float(got):.2f}")
    return feedback(True, "recall@1 0.50, @2 0.50, @3 0.75, @4 1.00: ranks 1, 3, 1, 4")


def check_cosine_top_k(fn: Callable[..., object] | None) -> bool:
    """Check my_top_k(query, vectors, k): positions of the k most cosine-similar rows, best first."""
    if not_done(fn):
        return todo("define `my_top_k(query, vectors, k)` returning k row positions, best first")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_cosine_top_k(my_top_k)")
    got = call(fn, QUERY.copy(), VECTORS.copy(), 3)
    if isinstance(got, Exception):
        return feedback(False, f"your function raised {type(got).__name__}: {got}")
    try:
        got = [int(i) for i in np.asarray(got).ravel()]
    except (TypeError, ValueError):
        return feedback(False, "return row positions (ints), not the vectors themselves")
    cosine = VECTORS @ QUERY / np.linalg.norm(VECTORS, axis=1) / np.linalg.norm(QUERY)
    want = top_k(cosine, 3)
    if got == want:
        return feedback(True, f"rows {want}: the direction counts, not the length")
    if got == top_k(VECTORS @ QUERY, 3):
        return feedback(False, "these are dot products: row 1 wins by its length; normalise")
    if got == want[::-1] or got == [int(i) for i in np.argsort(cosine)[:3]]:
        return feedback(False, "best first: sort by decreasing similarity")
    if len(got) != 3:
        return feedback(False, f"expected k = 3 positions, got {len(got)}")
    return feedback(False, f"expected rows {want}, got {got}")


def check_in_batch_positive(fn: Callable[..., object] | None) -> bool:
    """Check my_positive_index(n): for the 2N rows [z1; z2] of a SimCSE batch, each row's partner."""
    if not_done(fn):
        return todo("define `my_positive_index(n)` returning 2n partner row indices")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_in_batch_positive(my_fn)")
    for n in (1, 3, 5):
        got = call(fn, n)
        if isinstance(got, Exception):
            return feedback(False, f"your function raised {type(got).__name__}: {got}")
        got = [int(i) for i in torch.as_tensor(got).ravel()]
        if got == list(range(2 * n)):
            return feedback(False, "each row points to itself: its partner is the OTHER view")
        if len(got) == n:
            return feedback(False, "give a partner for all 2n rows, z2's rows too")
        if got != positive_indices(n).tolist():
            return feedback(False, f"n={n}: row i pairs with (i + n) mod 2n, got {got}")
    return feedback(True, "text i's two dropout views sit at rows i and i + n: one implementation")
