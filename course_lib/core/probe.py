"""Frozen features, judged: logistic regression (a linear probe) and k-nearest neighbours."""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)


def as_features(x) -> np.ndarray:
    """Return features as a 2-D float array, refusing anything else."""
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"expected features of shape (n_examples, n_features), got {x.shape}")
    return x


def fit_linear_probe(features, labels, C: float = 1.0, seed: int = 0) -> Pipeline:
    """Fit standardisation + multinomial logistic regression on frozen features."""
    x, y = as_features(features), np.asarray(labels)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} feature rows but {len(y)} labels")
    probe = make_pipeline(
        StandardScaler(), LogisticRegression(C=C, max_iter=3000, random_state=seed)
    )
    return probe.fit(x, y)


def logreg_cv(x, y, grid=C_GRID, seed: int = 0, folds: int = 3, default_c: float = 1.0):
    """Fit logistic regression with C chosen by stratified cross-validation (macro-F1) on the
    labeled examples only; with fewer than `folds` examples of some class, use `default_c`."""
    y = np.asarray(y)
    if len(y) != x.shape[0]:
        raise ValueError(f"expected one label per example, got {len(y)} labels for {x.shape[0]}")
    if np.unique(y, return_counts=True)[1].min() < folds:
        return LogisticRegression(C=default_c, max_iter=3000, random_state=seed).fit(x, y)
    return LogisticRegressionCV(
        Cs=list(grid),
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        scoring="f1_macro",
        max_iter=3000,
        random_state=seed,
        l1_ratios=(0.0,),
        use_legacy_attributes=False,
    ).fit(x, y)


def probe_cv_predict(train_x, train_y, test_x, seed: int = 0, grid=C_GRID) -> np.ndarray:
    """Standardise frozen features, fit a probe with C by cross-validation; predict test."""
    scaler = StandardScaler().fit(as_features(train_x))
    probe = logreg_cv(scaler.transform(as_features(train_x)), train_y, grid, seed)
    return probe.predict(scaler.transform(as_features(test_x)))


def linear_probe_predict(train_x, train_y, test_x, C: float = 1.0, seed: int = 0) -> np.ndarray:
    """Fit a linear probe on the labeled features and predict the test features."""
    return fit_linear_probe(train_x, train_y, C=C, seed=seed).predict(as_features(test_x))


def knn_predict(train_x, train_y, test_x, k: int = 20, batch: int = 2048) -> np.ndarray:
    """Predict by a cosine-similarity-weighted vote of the k nearest labeled examples."""
    bank = torch.nn.functional.normalize(torch.as_tensor(as_features(train_x)).float(), dim=1)
    queries = torch.nn.functional.normalize(torch.as_tensor(as_features(test_x)).float(), dim=1)
    labels = torch.as_tensor(np.asarray(train_y), dtype=torch.long)
    n_classes, k = int(labels.max()) + 1, min(k, len(bank))
    predictions = []
    for start in range(0, len(queries), batch):
        sims, idx = (queries[start : start + batch] @ bank.T).topk(k, dim=1)
        votes = torch.zeros(len(idx), n_classes).scatter_add_(1, labels[idx], sims.exp())
        predictions.append(votes.argmax(1))
    return torch.cat(predictions).numpy()
