"""Notebook 10's exercises: a latency percentile by hand, a parity check of an exported model,
and the MMD^2 statistic of the drift test."""

from collections.abc import Callable

import numpy as np

from course_lib.exercises import feedback, not_done, todo
from course_lib.serve.drift import mmd2

# request latencies in ms: most fast, a slow tail (where p95 and the mean part ways)
LATENCIES = np.array(
    [12, 11, 13, 12, 14, 11, 12, 95, 13, 12, 15, 12, 11, 13, 60, 12, 14, 13, 12, 40.0]
)
# eager logits and an export's: tiny differences, one row whose argmax flips, one negative gap
EAGER = np.array([[2.0, 1.0, -1.0], [0.5, 0.50001, 0.1], [-3.0, 1.0, 2.0], [1.0, 0.0, 0.0]])
EXPORTED = EAGER + np.array([[1e-6, 0, 0], [2e-5, 0, 0], [0, 0, -3e-4], [0, 0, 1e-6]])
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
Y = np.array([[2.0, 0.0], [3.0, 1.0], [2.5, 0.5], [2.0, 1.0]])


def call(fn: Callable[..., object], *args: object) -> object:
    """Return fn(*args), or the exception it raised (the learner's code failing is feedback)."""
    try:
        return fn(*args)
    except Exception as error:  # noqa: BLE001
        return error


def check_p95(fn: Callable[..., object] | None) -> bool:
    """Check my_p95(latencies): the 95th percentile of request latencies."""
    if not_done(fn):
        return todo("define `my_p95(latencies)`: sort them and read 95% of the way up")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_p95(my_p95)")
    got = call(fn, LATENCIES.copy())
    if isinstance(got, Exception):
        return feedback(False, f"your function raised {type(got).__name__}: {got}")
    got, ordered = float(got), np.sort(LATENCIES)
    linear = float(np.percentile(LATENCIES, 95))
    nearest = float(ordered[int(np.ceil(0.95 * len(ordered))) - 1])
    if np.isclose(got, linear) or np.isclose(got, nearest):
        return feedback(True, f"p95 = {got:.1f} ms while the mean is {LATENCIES.mean():.1f} ms")
    if np.isclose(got, LATENCIES.mean()):
        return feedback(False, "that is the mean: the slow tail hides in it; sort and index")
    if np.isclose(got, LATENCIES.max()):
        return feedback(False, "that is the maximum (p100): take the value 95% of the way up")
    if np.isclose(got, np.median(LATENCIES)):
        return feedback(False, "that is the median (p50)")
    if np.isclose(got, LATENCIES[int(np.ceil(0.95 * len(LATENCIES))) - 1]):
        return feedback(False, "sort the latencies first: the 95% position is in sorted order")
    return feedback(False, f"expected {linear:.2f} (np.percentile's) or {nearest:.1f}, got {got}")


def check_parity(fn: Callable[..., object] | None) -> bool:
    """Check my_parity(eager, exported): (max |logit difference|, share of equal predictions)."""
    if not_done(fn):
        return todo("define `my_parity(eager, exported)` returning (max_abs_diff, agreement)")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_parity(my_parity)")
    got = call(fn, EAGER.copy(), EXPORTED.copy())
    if isinstance(got, Exception):
        return feedback(False, f"your function raised {type(got).__name__}: {got}")
    try:
        diff, agreement = (float(v) for v in got)
    except (TypeError, ValueError):
        return feedback(False, "return two numbers: (max_abs_diff, agreement)")
    want_diff = float(np.abs(EAGER - EXPORTED).max())
    want_agree = float((EAGER.argmax(1) == EXPORTED.argmax(1)).mean())
    if not np.isclose(diff, want_diff, rtol=1e-3):
        if np.isclose(diff, (EXPORTED - EAGER).max(), rtol=1e-3):
            return feedback(False, "a difference can be negative: take the absolute value first")
        if np.isclose(diff, np.abs(EAGER - EXPORTED).mean(), rtol=1e-3):
            return feedback(False, "that is the mean difference: parity is about the worst one")
        return feedback(False, f"max |difference|: expected {want_diff:.2g}, got {diff:.2g}")
    if np.isclose(agreement, float(np.all(EAGER == EXPORTED, axis=1).mean())):
        return feedback(False, "compare the predicted classes (argmax), not the exact logits")
    if not np.isclose(agreement, want_agree):
        return feedback(False, f"agreement: expected {want_agree:.2f}, got {agreement:.2f}")
    return feedback(True, "3e-04 apart at worst, yet the second row's prediction flips: check both")


def check_mmd2(fn: Callable[..., object] | None) -> bool:
    """Check my_mmd2(x, y, bandwidth): the unbiased squared MMD with a Gaussian kernel."""
    if not_done(fn):
        return todo("define `my_mmd2(x, y, bandwidth)` with k(a, b) = exp(-|a-b|^2 / (2 s^2))")
    if not callable(fn):
        return feedback(False, "pass the function itself: check_mmd2(my_mmd2)")
    got = call(fn, X.copy(), Y.copy(), 1.0)
    if isinstance(got, Exception):
        return feedback(False, f"your function raised {type(got).__name__}: {got}")
    got, want = float(got), mmd2(X, Y, 1.0)
    if np.isclose(got, want):
        return feedback(True, f"MMD^2 = {want:.4f}; same-distribution samples give about 0")
    if np.isclose(got, biased_mmd2(X, Y, 1.0)):
        return feedback(False, "leave out k(a, a) = 1 within each sample: divide by n(n-1)")
    if np.isclose(got, mmd2(X, Y, np.sqrt(0.5))):
        return feedback(False, "the kernel divides the squared distance by 2 s^2, not s^2")
    return feedback(False, f"expected {want:.4f}, got {got:.4f}")


def biased_mmd2(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    """The biased MMD^2 (kernel means including each point with itself): a typical slip."""

    def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        return np.exp(-d / (2 * bandwidth**2))

    return float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())
