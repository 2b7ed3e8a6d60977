"""Notebook 05's checkers accept the reference solutions and reject typical mistakes."""

import math

from course_lib.core.contrastive import nt_xent
from course_lib.exercises.contrastive import (
    TINY_TEMPERATURE,
    TINY_Z1,
    TINY_Z2,
    check_extreme_losses,
    check_positive_indices,
    check_tiny_nt_xent,
    tiny_loss_variants,
)


def test_extreme_losses_checker(capsys):
    collapsed, perfect = math.log(7), math.log(1 + 6 * math.exp(-2))
    assert check_extreme_losses((collapsed, perfect))
    assert not check_extreme_losses((math.log(8), perfect))
    assert "never its own candidate" in capsys.readouterr().out
    assert not check_extreme_losses((collapsed, 0.0))
    assert "still count" in capsys.readouterr().out
    assert not check_extreme_losses((collapsed, math.log(1 + 6 * math.exp(-1))))
    assert "temperature" in capsys.readouterr().out
    assert not check_extreme_losses((1.0, perfect))
    assert not check_extreme_losses("x")
    assert not check_extreme_losses(None)
    assert "NOT DONE YET" in capsys.readouterr().out


def test_positive_indices_checker(capsys):
    assert check_positive_indices([4, 5, 6, 7, 0, 1, 2, 3])
    assert not check_positive_indices(list(range(8)))
    assert "itself" in capsys.readouterr().out
    assert not check_positive_indices([4, 5, 6, 7])
    assert "8 indices" in capsys.readouterr().out
    assert not check_positive_indices([5, 6, 7, 4, 1, 2, 3, 0])
    assert "wrong view" in capsys.readouterr().out
    assert not check_positive_indices(...)


def test_tiny_nt_xent_checker(capsys):
    assert check_tiny_nt_xent(nt_xent(TINY_Z1, TINY_Z2, TINY_TEMPERATURE))
    variants = tiny_loss_variants()
    numbers = list(variants.values())
    assert len({round(v, 4) for v in numbers}) == len(numbers), "mistakes must be distinguishable"
    for mistake, number in variants.items():
        if mistake != "right":
            assert not check_tiny_nt_xent(number)
            assert mistake in capsys.readouterr().out
    assert not check_tiny_nt_xent(0.123)
    assert not check_tiny_nt_xent("abc")
    assert not check_tiny_nt_xent(float("nan"))
    assert not check_tiny_nt_xent(None)
