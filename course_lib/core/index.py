"""A real vector index (faiss, CPU): exact search against approximate search (HNSW), measured.

Embeddings are L2-normalised, so the inner product an index ranks by is the cosine similarity.
An exact (flat) index compares a query with every vector; HNSW walks a graph of neighbours and
looks at a few hundred. What the walk costs in recall is measured against the exact answer.
"""

import time
from collections.abc import Sequence

import faiss
import numpy as np
import torch

from course_lib.core.validate import bad_input, check_choice, check_int, check_tensor

KINDS = ("flat", "hnsw")
HNSW_NEIGHBOURS = 32  # edges per node of the graph (faiss's M)
HNSW_EF_SEARCH = 64  # candidates kept while walking the graph at query time


def normalized(vectors: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return float32, C-contiguous, L2-normalised rows (what faiss's inner product needs)."""
    x = np.asarray(check_tensor(vectors, "vectors", ndim=2), dtype=np.float32)
    x = np.ascontiguousarray(x)
    return x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-12)


def build_index(
    vectors: torch.Tensor | np.ndarray, kind: str = "flat", ef_search: int = HNSW_EF_SEARCH
) -> faiss.Index:
    """Return a faiss inner-product index of the normalised `vectors`: exact or HNSW."""
    check_choice(kind, "kind", KINDS)
    x = normalized(vectors)
    if kind == "flat":
        index = faiss.IndexFlatIP(x.shape[1])
    else:
        index = faiss.IndexHNSWFlat(x.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = check_int(ef_search, "ef_search", 1)
    index.add(x)
    return index


def search(
    index: faiss.Index, queries: torch.Tensor | np.ndarray, k: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Return (cosine scores, ids) of the k nearest stored vectors of each query, best first."""
    check_int(k, "k", 1)
    q = normalized(queries)
    if q.shape[1] != index.d:
        raise bad_input("queries", f"{index.d} columns", q, "embed queries with the same model")
    return index.search(q, min(k, index.ntotal))


def recall_against_exact(approx_ids: np.ndarray, exact_ids: np.ndarray) -> float:
    """Return the mean share of the exact top-k that the approximate top-k also finds."""
    approx_ids, exact_ids = np.asarray(approx_ids), np.asarray(exact_ids)
    if approx_ids.shape != exact_ids.shape or approx_ids.ndim != 2:
        raise bad_input("approx_ids", f"shape {exact_ids.shape}", approx_ids, "same queries, k")
    hits = [len(set(a) & set(e)) for a, e in zip(approx_ids, exact_ids, strict=True)]
    return float(np.sum(hits) / exact_ids.size)


def ms_per_query(
    index: faiss.Index, queries: torch.Tensor | np.ndarray, k: int = 10, repeats: int = 3
) -> float:
    """Return the best of `repeats` timings of searching all `queries`, in ms per query."""
    q = normalized(queries)
    best = float("inf")
    for _ in range(check_int(repeats, "repeats", 1)):
        started = time.perf_counter()
        index.search(q, k)
        best = min(best, time.perf_counter() - started)
    return 1000 * best / len(q)


def grown(
    vectors: torch.Tensor | np.ndarray, factor: int, noise: float = 0.05, seed: int = 0
) -> np.ndarray:
    """Return `vectors` repeated `factor` times, every copy but the first with Gaussian noise
    (a bigger collection for timing: the copies are near, not equal, to the originals)."""
    x = normalized(vectors)
    check_int(factor, "factor", 1)
    rng = np.random.default_rng(seed)
    noisy = [x + noise * rng.standard_normal(x.shape, dtype=np.float32) for _ in range(factor - 1)]
    return np.concatenate([x, *noisy])


def compare_indexes(
    vectors: torch.Tensor | np.ndarray,
    queries: torch.Tensor | np.ndarray,
    k: int = 10,
    factors: Sequence[int] = (1, 10),
    seed: int = 0,
) -> dict:
    """Return, per size factor: HNSW's recall@k against the exact index, and both ms/query."""
    record = {}
    for factor in factors:
        stored = grown(vectors, factor, seed=seed)
        exact, approx = build_index(stored, "flat"), build_index(stored, "hnsw")
        _, exact_ids = search(exact, queries, k)
        _, approx_ids = search(approx, queries, k)
        record[f"{factor}x"] = {
            "n_vectors": int(len(stored)),
            "hnsw_recall_vs_exact": recall_against_exact(approx_ids, exact_ids),
            "exact_ms_per_query": ms_per_query(exact, queries, k),
            "hnsw_ms_per_query": ms_per_query(approx, queries, k),
        }
    return record
