"""Linear probe and kNN: they separate separable features and refuse bad shapes."""

import numpy as np
import pytest
import torch

from course_lib.core.probe import fit_linear_probe, knn_predict, linear_probe_predict


def blobs(n_per_class=50, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    x = np.concatenate([c + rng.normal(size=(n_per_class, 3)) for c in centers])
    return x, np.repeat([0, 1, 2], n_per_class)


def test_linear_probe_separates_blobs():
    x, y = blobs()
    tx, ty = blobs(seed=1)
    assert (linear_probe_predict(x, y, tx) == ty).mean() > 0.95


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


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="n_examples, n_features"):
        fit_linear_probe(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="labels"):
        fit_linear_probe(np.zeros((5, 2)), np.zeros(4))


def test_cross_validated_probe_picks_c_on_labeled_data_only():
    from course_lib.core.probe import probe_cv_predict

    x, y = blobs(n_per_class=12)
    tx, ty = blobs(seed=1)
    assert (probe_cv_predict(x, y, tx) == ty).mean() > 0.95
    few_x, few_y = x[[0, 1, 12, 24]], y[[0, 1, 12, 24]]  # too few per class for 3 folds
    assert probe_cv_predict(few_x, few_y, tx).shape == ty.shape


def test_logreg_cv_picks_c_by_cross_validation_and_refuses_mismatched_labels():
    from course_lib.core.probe import logreg_cv

    x, y = blobs(n_per_class=12)
    model = logreg_cv(x, y, grid=(0.001, 10.0))
    assert model.C_ in (0.001, 10.0)
    with pytest.raises(ValueError, match="one label per example"):
        logreg_cv(x, y[:-1])
