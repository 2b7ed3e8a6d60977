"""Notebook 10's checkers accept the reference solutions and reject typical mistakes."""

import numpy as np

from course_lib.exercises.ship import biased_mmd2, check_mmd2, check_p95, check_parity


def test_p95_checker(capsys):
    assert check_p95(lambda t: np.percentile(t, 95))
    assert check_p95(lambda t: np.sort(t)[int(np.ceil(0.95 * len(t))) - 1])
    assert not check_p95(np.mean)
    assert "mean" in capsys.readouterr().out
    assert not check_p95(np.max)
    assert "maximum" in capsys.readouterr().out
    assert not check_p95(lambda t: t[int(np.ceil(0.95 * len(t))) - 1])
    assert "sort" in capsys.readouterr().out
    assert not check_p95(lambda t: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not check_p95(None) and "NOT DONE YET" in capsys.readouterr().out


def test_parity_checker(capsys):
    def right(a, b):
        return np.abs(a - b).max(), (a.argmax(1) == b.argmax(1)).mean()

    assert check_parity(right)
    assert not check_parity(lambda a, b: ((b - a).max(), right(a, b)[1]))
    assert "absolute" in capsys.readouterr().out
    assert not check_parity(lambda a, b: (np.abs(a - b).mean(), right(a, b)[1]))
    assert "mean difference" in capsys.readouterr().out
    assert not check_parity(lambda a, b: (right(a, b)[0], np.all(a == b, axis=1).mean()))
    assert "argmax" in capsys.readouterr().out
    assert not check_parity(lambda a, b: 0.5)
    assert "two numbers" in capsys.readouterr().out
    assert not check_parity(...) and "NOT DONE YET" in capsys.readouterr().out


def test_mmd2_checker(capsys):
    def right(x, y, s):
        def k(a, b):
            return np.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / (2 * s**2))

        n, m = len(x), len(y)
        xx = (k(x, x).sum() - n) / (n * (n - 1))
        yy = (k(y, y).sum() - m) / (m * (m - 1))
        return xx + yy - 2 * k(x, y).mean()

    assert check_mmd2(right)
    assert not check_mmd2(biased_mmd2)
    assert "n(n-1)" in capsys.readouterr().out
    assert not check_mmd2(lambda x, y, s: right(x, y, s * np.sqrt(0.5)))
    assert "2 s^2" in capsys.readouterr().out
    assert not check_mmd2(lambda x, y, s: 0.0)
    assert "expected" in capsys.readouterr().out
    assert not check_mmd2(None) and "NOT DONE YET" in capsys.readouterr().out
