"""The course's probe and kNN: they separate separable features, choose C on labeled data only,
work for two classes and sparse features, and refuse bad input."""

import numpy as np
import pytest
import torch
from scipy import sparse
from threadpoolctl import threadpool_info

from course_lib.core import probe
from course_lib.core.probe import (
    DEFAULT_C,
    choose_c,
    fit_probe,
    joined_features,
    knn_predict,
    probe_predict,
)
from course_lib.core.validate import BadInput


def blobs(n_per_class=50, seed=0, classes=3):
    rng = np.random.default_rng(seed)
    centers = 5.0 * np.eye(3)[:classes]
    x = np.concatenate([c + rng.normal(size=(n_per_class, 3)) for c in centers])
    return x, np.repeat(np.arange(classes), n_per_class)


def test_probe_separates_blobs_with_three_and_two_classes():
    for classes in (3, 2):
        x, y = blobs(classes=classes)
        tx, ty = blobs(seed=1, classes=classes)
        assert (probe_predict(x, y, tx) == ty).mean() > 0.95


def test_probe_solves_with_one_blas_thread_and_finds_the_same_solution(monkeypatch):
    x, y = blobs(n_per_class=40, classes=3)
    x = np.hstack([x, np.random.default_rng(2).normal(size=(len(x), 61))])  # 64-d, some noise
    threads, make = [], probe.make_probe

    def spy(*args, **kwargs):  # the BLAS threads at each probe the search makes
        threads.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return make(*args, **kwargs)

    monkeypatch.setattr(probe, "make_probe", spy)
    fitted = fit_probe(x, y)
    assert len(threads) == len(probe.C_GRID) + 1 and all(t <= {1} for t in threads), threads
    reference = make(fitted[-1].C).fit(x, y)  # outside the limit: the libraries' own threads
    np.testing.assert_allclose(fitted[-1].coef_, reference[-1].coef_, rtol=1e-6, atol=1e-9)


def test_c_is_chosen_by_holdout_cross_entropy_and_defaults_without_a_holdout():
    x, y = blobs(n_per_class=12)
    assert choose_c(x, y, grid=(1e-4, 10.0)) == 10.0  # 1e-4 barely moves off uniform
    one_each = [0, 12, 24]
    assert choose_c(x[one_each], y[one_each], grid=(1e-4, 10.0)) == DEFAULT_C
    assert fit_probe(x, y).predict(x).shape == y.shape


def test_sparse_features_are_not_standardised():
    x, y = blobs()
    probe = fit_probe(sparse.csr_matrix(np.abs(x)), y)
    assert len(probe.steps) == 1


def test_knn_separates_blobs_and_accepts_tensors():
    x, y = blobs()
    tx, ty = blobs(seed=1)
    assert (knn_predict(torch.tensor(x), y, torch.tensor(tx), k=5) == ty).mean() > 0.95


def test_knn_agrees_with_sklearn_on_k1():
    from sklearn.neighbors import KNeighborsClassifier

    x, y = blobs(seed=2)
    tx, _ = blobs(seed=3)
    reference = KNeighborsClassifier(n_neighbors=1, metric="cosine").fit(x, y).predict(tx)
    assert (knn_predict(x, y, tx, k=1) == reference).all()


def test_string_labels_come_back_as_strings_for_two_and_three_classes():
    names = np.array(["cat", "dog", "eel"])
    for classes in (2, 3):
        x, y = blobs(classes=classes)
        tx, ty = blobs(seed=1, classes=classes)
        predicted = probe_predict(x, names[y], tx)
        assert predicted.dtype.kind == "U" and (predicted == names[ty]).mean() > 0.95
        assert set(fit_probe(x, list(names[y])).classes_) == set(names[:classes])
        assert (knn_predict(x, names[y], tx, k=5) == names[ty]).mean() > 0.95


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(BadInput, match="n_examples, n_features"):
        fit_probe(np.zeros(5), np.zeros(5, dtype=int))
    with pytest.raises(BadInput, match="labels: expected 5 labels"):
        fit_probe(np.zeros((5, 2)), np.zeros(4, dtype=int))
    with pytest.raises(BadInput, match="probabilities"):
        fit_probe(np.zeros((4, 2)), np.array([0.2, 0.8, 0.1, 0.9]))
    with pytest.raises(BadInput, match="k: expected an int >= 1"):
        knn_predict(np.zeros((4, 2)), np.zeros(4, dtype=int), np.zeros((1, 2)), k=0)


def test_joined_features_weigh_every_encoder_the_same_and_keep_zero_rows():
    a, b = np.array([[3.0, 4.0], [0.0, 0.0]]), np.array([[0.0, 10.0, 0.0], [0.0, 0.0, 0.0]])
    joined = joined_features(a, b)
    np.testing.assert_allclose(joined, [[0.6, 0.8, 0.0, 1.0, 0.0], [0, 0, 0, 0, 0]])


@pytest.mark.parametrize(
    "features, message",
    [
        ((), r"^features: expected at least one"),
        ((np.ones((2, 2)), np.ones((3, 2))), r"^features: expected dense matrices with the same"),
        ((np.ones((2, 2)), np.array([[1.0], [np.nan]])), r"^features\[1\]: expected finite"),
    ],
)
def test_joined_features_refuse_what_cannot_be_joined(features, message):
    with pytest.raises(ValueError, match=message):
        joined_features(*features)
