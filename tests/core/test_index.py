"""faiss indexes: exact search is exact, HNSW is measured against it, timings are positive."""

import numpy as np
import pytest

from course_lib.core import index as ix
from course_lib.core.validate import BadInput


def data(n=500, d=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype(np.float32)


def test_exact_index_matches_brute_force_cosine():
    x, q = data(), data(20, seed=1)
    scores, ids = ix.search(ix.build_index(x, "flat"), q, k=5)
    brute = ix.normalized(q) @ ix.normalized(x).T
    assert ids.tolist() == np.argsort(-brute, axis=1)[:, :5].tolist()
    assert scores[:, 0] == pytest.approx(brute.max(axis=1), abs=1e-5)


def test_hnsw_recall_against_exact():
    x, q = data(2000), data(50, seed=2)
    _, exact = ix.search(ix.build_index(x, "flat"), q, 10)
    _, approx = ix.search(ix.build_index(x, "hnsw"), q, 10)
    assert 0.8 <= ix.recall_against_exact(approx, exact) <= 1.0
    assert ix.recall_against_exact(exact, exact) == 1.0
    shifted = (exact + 1) % 2000  # other ids: nothing found
    assert ix.recall_against_exact(shifted, exact) < 0.05
    with pytest.raises(BadInput, match="approx_ids"):
        ix.recall_against_exact(approx[:, :5], exact)


def test_grown_collection_and_comparison():
    x = data(100)
    big = ix.grown(x, 3, seed=0)
    assert big.shape == (300, 16)
    assert np.allclose(big[:100], ix.normalized(x))
    assert not np.allclose(big[100:200], big[:100])
    record = ix.compare_indexes(x, data(10, seed=3), k=5, factors=(1, 2))
    assert set(record) == {"1x", "2x"} and record["2x"]["n_vectors"] == 200
    for row in record.values():
        assert 0 <= row["hnsw_recall_vs_exact"] <= 1
        assert row["exact_ms_per_query"] > 0 and row["hnsw_ms_per_query"] > 0


def test_bad_input():
    with pytest.raises(BadInput, match="kind"):
        ix.build_index(data(), "ivf-magic")
    with pytest.raises(BadInput, match="queries"):
        ix.search(ix.build_index(data()), data(3, d=8))
    with pytest.raises(BadInput, match="vectors"):
        ix.build_index(np.ones(5))
