"""Drift tests: MMD^2 against a hand computation, the permutation test's false alarms and power on
samples whose answer is known, the class test against scipy's arithmetic, bad input refused."""

import itertools

import numpy as np
import pytest
from scipy.stats import chi2

from course_lib.core.validate import BadInput
from course_lib.serve import drift


def mmd2_by_hand(x, y, bandwidth):
    """Unbiased MMD^2 with explicit loops over pairs."""

    def k(a, b):
        return np.exp(-np.sum((np.asarray(a) - np.asarray(b)) ** 2) / (2 * bandwidth**2))

    def within(s):
        pairs = [k(a, b) for (i, a), (j, b) in itertools.product(enumerate(s), repeat=2) if i != j]
        return sum(pairs) / len(pairs)

    return within(x) + within(y) - 2 * np.mean([k(a, b) for a in x for b in y])


def test_mmd2_matches_a_hand_computation():
    x, y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], [[2.0, 0.0], [3.0, 1.0]]
    assert drift.mmd2(np.array(x), np.array(y), 1.5) == pytest.approx(mmd2_by_hand(x, y, 1.5))
    assert drift.mmd2(np.array(x), np.array(y)) == pytest.approx(
        mmd2_by_hand(x, y, drift.median_bandwidth(np.array(x + y)))
    )


def test_permutation_test_false_alarms_and_power():
    rng = np.random.default_rng(0)
    same = [drift.mmd_test(rng.normal(size=(60, 3)), rng.normal(size=(40, 3)), 100, s)[1]
            for s in range(100)]  # fmt: skip
    shifted = [
        drift.mmd_test(rng.normal(size=(60, 3)), rng.normal(0.8, size=(40, 3)), 100, s)[1]
        for s in range(20)
    ]
    assert np.mean(np.array(same) < 0.05) <= 0.15  # alpha = 0.05, give or take 2 binomial SDs
    assert np.mean(np.array(shifted) < 0.05) >= 0.95
    assert min(same) >= 1 / 101  # the observed relabelling counts


def test_class_test_is_the_chi_square_of_the_counts():
    reference, window = [0] * 30 + [1] * 30 + [2] * 40, [0] * 10 + [1] * 25 + [2] * 15
    statistic, p = drift.class_shift_test(reference, window, n_classes=4)  # class 3: unseen
    table = np.array([[30, 30, 40], [10, 25, 15]])
    expected = table.sum(1, keepdims=True) * table.sum(0) / table.sum()
    by_hand = ((table - expected) ** 2 / expected).sum()
    assert statistic == pytest.approx(by_hand) and p == pytest.approx(chi2.sf(by_hand, 2))
    assert drift.class_shift_test([1, 1], [1, 1, 1], 3) == (0.0, 1.0)


def dirichlet_outputs(rng, n, concentration):
    """Fake softmax outputs of a 5-class model."""
    return rng.dirichlet(concentration, size=n)


def test_detector_on_known_shift():
    rng = np.random.default_rng(1)
    calm = np.array([4.0, 1, 1, 1, 1])
    detector = drift.DriftDetector(dirichlet_outputs(rng, 200, calm), permutations=100)
    pool = dirichlet_outputs(rng, 2000, calm)
    in_dist = drift.windows_of(pool, 50, 20, seed=0)
    moved = drift.windows_of(dirichlet_outputs(rng, 500, np.array([1.0, 1, 1, 1, 4])), 50, 10)
    assert drift.alarm_rate(detector, in_dist) <= 0.1
    assert drift.alarm_rate(detector, moved) == 1.0
    record = detector.check(moved[0])
    assert record["alarm"] and record["mmd2"] > 0 and 0 < record["p_mmd"] <= 1


def test_softmax_rows_sum_to_one():
    probs = drift.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3)]]))
    assert probs == pytest.approx(np.array([[0.5, 0.5], [0.25, 0.75]]))


def test_bad_input():
    with pytest.raises(BadInput, match="x"):
        drift.mmd2(np.zeros((1, 2)), np.zeros((3, 2)))
    with pytest.raises(BadInput, match="columns"):
        drift.DriftDetector(np.ones((5, 3)) / 3).check(np.ones((5, 2)) / 2)
    with pytest.raises(BadInput, match="alpha"):
        drift.DriftDetector(np.ones((5, 3)) / 3, alpha=1.5)
    with pytest.raises(BadInput, match="size"):
        drift.windows_of(np.zeros((4, 2)), 5, 1)
    with pytest.raises(BadInput, match="windows"):
        drift.alarm_rate(drift.DriftDetector(np.ones((5, 3)) / 3), [])
    with pytest.raises(BadInput, match="x"):
        drift.mmd2([[1.0, 2.0]], np.zeros((3, 2)))
