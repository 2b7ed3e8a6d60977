"""Notebook 05's checkers accept the reference solutions and reject typical mistakes."""

import torch
import torch.nn.functional as F

from course_lib.core.contrastive import nt_xent
from course_lib.exercises.contrastive import (
    TINY_TEMPERATURE,
    TINY_Z1,
    TINY_Z2,
    check_positive_indices,
    check_similarity_matrix,
    check_tiny_nt_xent,
    tiny_loss_variants,
)


def test_similarity_checker(capsys):
    def right(z1, z2):
        z = F.normalize(torch.cat([z1, z2]), dim=1)
        return z @ z.T

    assert check_similarity_matrix(right)
    assert not check_similarity_matrix(lambda z1, z2: torch.cat([z1, z2]) @ torch.cat([z1, z2]).T)
    assert "normalise" in capsys.readouterr().out
    assert not check_similarity_matrix(
        lambda z1, z2: F.normalize(z1, dim=1) @ F.normalize(z2, dim=1).T
    )
    assert "(N, N)" in capsys.readouterr().out
    assert not check_similarity_matrix(lambda z1, z2: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not check_similarity_matrix(None)
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
