"""Drift tests for a served model: has what the model sees stopped looking like what it saw when
it was checked?

Two tests on each window of requests, both against a reference window from held-out data:

* MMD (maximum mean discrepancy) between the model's softmax outputs on the reference and on the
  window (black-box shift detection, Lipton et al., 2018: the classifier's outputs are a small
  embedding in which a shift that matters to the classifier shows), Gaussian kernel with the
  median-distance bandwidth, p-value from a permutation test.
* A chi-square test of homogeneity on the predicted-class counts (reference vs window).

An alarm is raised when either p-value is below alpha / 2 (Bonferroni), so that on windows drawn
like the reference the false-alarm rate stays at or below alpha.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2_contingency

from course_lib.core.validate import bad_input, check_int, check_number, check_tensor

if TYPE_CHECKING:
    import torch


def as_matrix(x: "np.ndarray | torch.Tensor", name: str) -> np.ndarray:
    """Return `x` as a float64 (n, d) array with n >= 2; BadInput otherwise."""
    check_tensor(x, name)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) < 2 or not np.isfinite(x).all():
        fix = "pass one row of finite numbers per example, at least 2 rows"
        raise bad_input(name, "a finite (n, d) array with n >= 2", x, fix)
    return x


def squared_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the matrix of squared Euclidean distances between the rows of x and of y."""
    d = (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2 * x @ y.T
    return np.maximum(d, 0)


def median_bandwidth(z: np.ndarray) -> float:
    """Return the median heuristic: the median distance between distinct rows of z."""
    d = squared_distances(z, z)[np.triu_indices(len(z), 1)]
    positive = d[d > 0]
    return float(np.sqrt(np.median(positive))) if len(positive) else 1.0


def mmd2_from_kernel(k: np.ndarray, n: int) -> float:
    """Return the unbiased MMD^2 from the kernel matrix of [x; y], x being the first n rows."""
    m = len(k) - n
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    xx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(xx + yy - 2 * kxy.mean())


def mmd2(
    x: "np.ndarray | torch.Tensor", y: "np.ndarray | torch.Tensor", bandwidth: float | None = None
) -> float:
    """Return the unbiased squared MMD between samples x and y with a Gaussian kernel
    exp(-|a - b|^2 / (2 bandwidth^2)) (bandwidth: the median heuristic when None)."""
    x, y = as_matrix(x, "x"), as_matrix(y, "y")
    z = np.concatenate([x, y])
    bandwidth = bandwidth or median_bandwidth(z)
    check_number(bandwidth, "bandwidth", 0, open_low=True)
    return mmd2_from_kernel(np.exp(-squared_distances(z, z) / (2 * bandwidth**2)), len(x))


def mmd_test(
    x: "np.ndarray | torch.Tensor",
    y: "np.ndarray | torch.Tensor",
    permutations: int = 200,
    seed: int = 0,
    bandwidth: float | None = None,
) -> tuple[float, float]:
    """Return (MMD^2, p-value): the share of random relabellings of the pooled rows whose MMD^2
    is at least the observed one ((count + 1) / (permutations + 1))."""
    x, y = as_matrix(x, "x"), as_matrix(y, "y")
    check_int(permutations, "permutations", 1)
    z = np.concatenate([x, y])
    bandwidth = bandwidth or median_bandwidth(z)
    k = np.exp(-squared_distances(z, z) / (2 * bandwidth**2))
    observed = mmd2_from_kernel(k, len(x))
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(permutations):
        order = rng.permutation(len(z))
        count += mmd2_from_kernel(k[np.ix_(order, order)], len(x)) >= observed
    return observed, (count + 1) / (permutations + 1)


def class_shift_test(
    reference_classes: ArrayLike, window_classes: ArrayLike, n_classes: int
) -> tuple[float, float]:
    """Return (chi-square statistic, p-value) of the test that both sets of predicted classes
    come from one distribution (classes seen in neither are left out)."""
    check_int(n_classes, "n_classes", 2)
    counts = np.stack([
        np.bincount(np.asarray(c, dtype=np.int64), minlength=n_classes)[:n_classes]
        for c in (reference_classes, window_classes)
    ])  # fmt: skip
    if counts.sum(1).min() == 0:
        raise bad_input("window_classes", "at least one class id", window_classes, "pass ids")
    counts = counts[:, counts.sum(0) > 0]
    if counts.shape[1] < 2:
        return 0.0, 1.0  # one class everywhere: nothing to compare
    result = chi2_contingency(counts, correction=False)
    return float(result.statistic), float(result.pvalue)


@dataclass
class DriftDetector:
    """Reference softmax outputs (n, classes) and the tests' settings; `check` tests a window."""

    reference: np.ndarray
    alpha: float = 0.05
    permutations: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the reference and the settings."""
        self.reference = as_matrix(self.reference, "reference")
        check_number(self.alpha, "alpha", 0, 1, open_low=True, open_high=True)

    def check(self, window: "np.ndarray | torch.Tensor") -> dict:
        """Return the window's MMD^2, both p-values and whether it raises an alarm."""
        window = as_matrix(window, "window")
        if window.shape[1] != self.reference.shape[1]:
            fix = "pass the same model's outputs as the reference"
            raise bad_input("window", f"{self.reference.shape[1]} columns", window, fix)
        mmd, p_mmd = mmd_test(self.reference, window, self.permutations, self.seed)
        n_classes = self.reference.shape[1]
        chi2, p_class = class_shift_test(self.reference.argmax(1), window.argmax(1), n_classes)
        return {
            "mmd2": mmd,
            "p_mmd": p_mmd,
            "chi2": chi2,
            "p_classes": p_class,
            "alarm": bool(min(p_mmd, p_class) < self.alpha / 2),
        }


def alarm_rate(detector: DriftDetector, windows: list) -> float:
    """Return the share of `windows` on which the detector raises an alarm."""
    if not windows:
        raise bad_input("windows", "at least one window", windows, "pass a list of arrays")
    return float(np.mean([detector.check(w)["alarm"] for w in windows]))


def windows_of(outputs: np.ndarray, size: int, count: int, seed: int = 0) -> list[np.ndarray]:
    """Return `count` windows of `size` rows drawn without replacement within each window."""
    outputs = as_matrix(outputs, "outputs")
    check_int(size, "size", 2)
    if size > len(outputs):
        raise bad_input("size", f"at most {len(outputs)} rows", size, "pass smaller windows")
    rng = np.random.default_rng(seed)
    return [outputs[rng.choice(len(outputs), size, replace=False)] for _ in range(count)]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return the row-wise softmax of logits (numerically stable)."""
    logits = np.asarray(logits, dtype=np.float64)
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
