"""Frozen features, judged: the course's one linear probe, and k-nearest neighbours.

The probe's one knob, the regularisation strength C, is chosen the way every method of the course
chooses its knobs (`course_lib.data.splits.labeled_holdout`): on a stratified fifth of the labeled
examples, by the lowest validation cross-entropy; the probe is then refitted on all of them.
"""

import numpy as np
import torch
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from course_lib.data.splits import labeled_holdout

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
DEFAULT_C = 1.0  # used when some class has a single labeled example (nothing to validate on)


def as_features(x) -> np.ndarray | sparse.spmatrix:
    """Return features as a 2-D float array (sparse matrices stay sparse), refusing anything else."""
    if sparse.issparse(x):
        return x
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"expected features of shape (n_examples, n_features), got {x.shape}")
    return x


def as_labels(y, n_rows: int) -> np.ndarray:
    """Return integer class labels, one per feature row, refusing anything else."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"expected {n_rows} integer class labels (one per row of features), got "
            f"{y.dtype} of shape {y.shape}: pass class indices, not probabilities or names"
        )
    return y


def make_probe(C: float, seed: int = 0, standardize: bool = True) -> Pipeline:
    """Return an unfitted probe: standardisation (dense features) + logistic regression."""
    model = LogisticRegression(C=C, max_iter=3000, random_state=seed)
    return make_pipeline(StandardScaler(), model) if standardize else make_pipeline(model)


def choose_c(x, y, grid=C_GRID, seed: int = 0, standardize: bool = True) -> float:
    """Return the C of `grid` with the lowest cross-entropy on a stratified fifth of the labels."""
    fit, val = labeled_holdout(y, 0.2, seed)
    if not val:
        return DEFAULT_C
    losses = []
    for c in grid:
        probe = make_probe(c, seed, standardize).fit(x[fit], y[fit])
        losses.append(log_loss(y[val], probe.predict_proba(x[val]), labels=probe.classes_))
    return float(grid[int(np.argmin(losses))])


def fit_probe(features, labels, grid=C_GRID, seed: int = 0, standardize: bool = True) -> Pipeline:
    """Choose C on a holdout of the labeled examples, then fit the probe on all of them."""
    x = as_features(features)
    y = as_labels(labels, x.shape[0])
    standardize = standardize and not sparse.issparse(x)
    probe = make_probe(choose_c(x, y, grid, seed, standardize), seed, standardize)
    return probe.fit(x, y)


def probe_predict(train_x, train_y, test_x, seed: int = 0, grid=C_GRID) -> np.ndarray:
    """Fit the course's probe on the labeled features and predict the test features."""
    return fit_probe(train_x, train_y, grid, seed).predict(as_features(test_x))


def knn_predict(train_x, train_y, test_x, k: int = 20, batch: int = 2048) -> np.ndarray:
    """Predict by a cosine-similarity-weighted vote of the k nearest labeled examples."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive number of neighbours, got {k!r}")
    bank = torch.nn.functional.normalize(torch.as_tensor(as_features(train_x)).float(), dim=1)
    queries = torch.nn.functional.normalize(torch.as_tensor(as_features(test_x)).float(), dim=1)
    labels = torch.as_tensor(as_labels(train_y, len(bank)), dtype=torch.long)
    n_classes, k = int(labels.max()) + 1, min(k, len(bank))
    predictions = []
    for start in range(0, len(queries), batch):
        sims, idx = (queries[start : start + batch] @ bank.T).topk(k, dim=1)
        votes = torch.zeros(len(idx), n_classes).scatter_add_(1, labels[idx], sims.exp())
        predictions.append(votes.argmax(1))
    return torch.cat(predictions).numpy()
