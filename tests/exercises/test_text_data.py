"""Notebook 01's checkers accept the reference solutions and reject typical mistakes."""

from course_lib.data.cleaning import jaccard
from course_lib.exercises.text_data import check_bands, check_jaccard


def test_jaccard_checker(capsys):
    assert check_jaccard(None) is False
    assert "NOT DONE YET" in capsys.readouterr().out
    assert check_jaccard(jaccard) is True
    assert check_jaccard(lambda a, b: len(a & b) / len(a)) is False
    assert "union" in capsys.readouterr().out
    assert check_jaccard(lambda a, b: len(a & b)) is False
    assert "intersection" in capsys.readouterr().out
    assert check_jaccard(3) is False


def test_bands_checker(capsys):
    assert check_bands(None) is False
    assert check_bands((32, 4)) is True
    assert check_bands((64, 2)) is False
    assert "more rows" in capsys.readouterr().out
    assert check_bands((16, 8)) is False
    assert "more bands" in capsys.readouterr().out
    assert check_bands((10, 10)) is False
    assert check_bands("x") is False
