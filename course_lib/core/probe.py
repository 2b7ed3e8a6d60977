"""Frozen features, judged: the course's one linear probe, and k-nearest neighbours.

The probe's one knob, the regularisation strength C, is chosen the way every method of the course
chooses its knobs (`course_lib.data.splits.labeled_holdout`): on a stratified fifth of the labeled
examples, by the lowest validation cross-entropy; the probe is then refitted on all of them.
"""

from collections.abc import Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from course_lib.core.validate import bad_input, check_int, check_labels, check_number
from course_lib.data.splits import labeled_holdout

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
DEFAULT_C = 1.0  # used when some class has a single labeled example (nothing to validate on)
# The probe's solves are small: with two BLAS threads beside torch's, a probe took 7-12x longer on
# the course's 2-core machine; one thread gives the same solution (tests/core/test_probe.py).
BLAS_THREADS = 1
# features as the probe takes them: an array (or nested lists), a tensor or a sparse matrix
FeatureInput = ArrayLike | torch.Tensor | sparse.spmatrix


def as_features(x: FeatureInput, name: str = "features") -> np.ndarray | sparse.spmatrix:
    """Return features as a 2-D finite float array (sparse matrices stay sparse), refusing
    anything else: a wrong rank, no rows, text, NaN or infinite values."""
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    if not sparse.issparse(x):
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise bad_input(
                name, "numbers", x, "encode texts or images to features first"
            ) from None
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        fix = "one row per example: stack vectors with np.stack, or .reshape(-1, 1) for one feature"
        raise bad_input(name, "a non-empty (n_examples, n_features) matrix", x, fix)
    values = x.data if sparse.issparse(x) else x
    if not np.isfinite(values).all():
        fix = "find where NaN/inf came from (a diverged model? missing values?) and drop or fill it"
        raise bad_input(name, "finite values", x, fix)
    return x


def as_labels(y: ArrayLike, n_rows: int, name: str = "labels") -> np.ndarray:
    """Return class labels (ints or strings), one per feature row, refusing anything else."""
    return check_labels(y, name, n_rows)


def check_classes(y: np.ndarray, name: str = "labels") -> np.ndarray:
    """Return `y` if it holds at least 2 classes (a classifier needs some to tell apart)."""
    if len(np.unique(y)) < 2:
        fix = "draw labeled examples of 2 or more classes (data.splits.sample_labeled stratifies)"
        raise bad_input(name, "at least 2 classes", y, fix)
    return y


def check_grid(grid: Sequence[float]) -> tuple[float, ...]:
    """Return a grid of regularisation strengths C: a non-empty sequence of positive numbers."""
    if isinstance(grid, str) or not isinstance(grid, Sequence | np.ndarray) or not len(grid):
        raise bad_input("grid", "a non-empty list of C values", grid, "e.g. grid=(0.1, 1.0, 10.0)")
    return tuple(check_number(c, "grid", 0, open_low=True, fix="use C > 0") for c in grid)


def same_width(
    test_x: np.ndarray | sparse.spmatrix,
    train_x: np.ndarray | sparse.spmatrix,
    name: str = "test_x",
) -> np.ndarray | sparse.spmatrix:
    """Return `test_x` if it has as many features per row as `train_x`."""
    if test_x.shape[1] != train_x.shape[1]:
        fix = "encode both with the same encoder (and readout)"
        raise bad_input(name, f"{train_x.shape[1]} features per row like train_x", test_x, fix)
    return test_x


def joined_features(*features: FeatureInput) -> np.ndarray:
    """Return several encoders' features of the same examples side by side, each encoder's rows
    L2-normalised so that every encoder weighs the same in the probe (all-zero rows stay zero)."""
    if not features:
        fix = "pass two or more feature matrices, e.g. joined_features(cbow_x, document_x)"
        raise bad_input("features", "at least one (n_examples, n_features) matrix", features, fix)
    parts = [as_features(f, f"features[{i}]") for i, f in enumerate(features)]
    rows = [part.shape[0] for part in parts]
    if any(sparse.issparse(part) for part in parts) or len(set(rows)) > 1:
        fix = "compute every encoder's dense features for the same examples, in the same order"
        raise bad_input("features", "dense matrices with the same number of rows", rows, fix)
    norms = [np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12) for part in parts]
    return np.hstack([part / norm for part, norm in zip(parts, norms, strict=True)])


def make_probe(C: float, seed: int = 0, standardize: bool = True) -> Pipeline:
    """Return an unfitted probe: standardisation (dense features) + logistic regression."""
    C = check_number(C, "C", 0, open_low=True, fix="use C > 0 (larger: weaker regularisation)")
    seed = check_int(seed, "seed", 0)
    model = LogisticRegression(C=C, max_iter=3000, random_state=seed)
    return make_pipeline(StandardScaler(), model) if standardize else make_pipeline(model)


def choose_c(
    x: FeatureInput,
    y: ArrayLike,
    grid: Sequence[float] = C_GRID,
    seed: int = 0,
    standardize: bool = True,
) -> float:
    """Return the C of `grid` with the lowest cross-entropy on a stratified fifth of the labels."""
    x = as_features(x)
    y = check_classes(as_labels(y, x.shape[0]))
    grid = check_grid(grid)
    fit, val = labeled_holdout(y, 0.2, seed)
    if not val:
        return DEFAULT_C
    losses = []
    for c in grid:
        probe = make_probe(c, seed, standardize).fit(x[fit], y[fit])
        losses.append(log_loss(y[val], probe.predict_proba(x[val]), labels=probe.classes_))
    return float(grid[int(np.argmin(losses))])


def fit_probe(
    features: FeatureInput,
    labels: ArrayLike,
    grid: Sequence[float] = C_GRID,
    seed: int = 0,
    standardize: bool = True,
) -> Pipeline:
    """Choose C on a holdout of the labeled examples, then fit the probe on all of them."""
    x = as_features(features)
    y = check_classes(as_labels(labels, x.shape[0]))
    standardize = standardize and not sparse.issparse(x)
    with threadpool_limits(BLAS_THREADS, user_api="blas"):
        probe = make_probe(choose_c(x, y, grid, seed, standardize), seed, standardize)
        return probe.fit(x, y)


def probe_predict(
    train_x: FeatureInput,
    train_y: ArrayLike,
    test_x: FeatureInput,
    seed: int = 0,
    grid: Sequence[float] = C_GRID,
) -> np.ndarray:
    """Fit the course's probe on the labeled features and predict the test features (labels of
    the kind given: indices or names)."""
    train_x = as_features(train_x, "train_x")
    test_x = same_width(as_features(test_x, "test_x"), train_x)
    train_y = check_classes(as_labels(train_y, train_x.shape[0], "train_y"), "train_y")
    return fit_probe(train_x, train_y, grid, seed).predict(test_x)


def knn_predict(
    train_x: FeatureInput, train_y: ArrayLike, test_x: FeatureInput, k: int = 20, batch: int = 2048
) -> np.ndarray:
    """Predict by a cosine-similarity-weighted vote of the k nearest labeled examples (labels of
    the kind given: indices or names)."""
    k = check_int(k, "k", 1, "pass a positive number of neighbours, e.g. k=20")
    batch = check_int(batch, "batch", 1)
    train_x, test_x = as_features(train_x, "train_x"), as_features(test_x, "test_x")
    same_width(test_x, train_x)
    classes, codes = np.unique(as_labels(train_y, train_x.shape[0], "train_y"), return_inverse=True)
    bank = torch.nn.functional.normalize(dense_tensor(train_x), dim=1)
    queries = torch.nn.functional.normalize(dense_tensor(test_x), dim=1)
    labels, k = torch.as_tensor(codes, dtype=torch.long), min(k, len(bank))
    predictions = []
    for start in range(0, len(queries), batch):
        sims, idx = (queries[start : start + batch] @ bank.T).topk(k, dim=1)
        votes = torch.zeros(len(idx), len(classes)).scatter_add_(1, labels[idx], sims.exp())
        predictions.append(votes.argmax(1))
    return classes[torch.cat(predictions).numpy()]


def dense_tensor(x: np.ndarray | sparse.spmatrix) -> torch.Tensor:
    """Return features (dense or sparse) as a dense float32 tensor."""
    return torch.as_tensor(x.toarray() if sparse.issparse(x) else x).float()
