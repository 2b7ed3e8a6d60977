"""Notebook 03's checkers accept the reference solutions and reject typical mistakes."""

import math

from course_lib.exercises.pretraining import check_mask_shares, check_perplexity, measured_shares


def test_mask_shares_checker(capsys):
    measured = measured_shares(0.3)
    assert abs(measured["mask"] - 0.24) < 0.005 and abs(measured["random"] - 0.03) < 0.003
    assert check_mask_shares(None) is False
    assert "NOT DONE YET" in capsys.readouterr().out
    assert check_mask_shares({"mask": 0.24, "random": 0.03, "unchanged": 0.03}) is True
    assert check_mask_shares({"mask": 0.8, "random": 0.1, "unchanged": 0.1}) is False
    assert "PICKED" in capsys.readouterr().out
    assert check_mask_shares({"mask": 0.3, "random": 0.0, "unchanged": 0.0}) is False
    assert "not every picked" in capsys.readouterr().out
    assert check_mask_shares({"mask": 0.24, "random": 0.03, "unchanged": 0.73}) is False
    assert "sum to" in capsys.readouterr().out
    assert check_mask_shares([0.24, 0.03]) is False


def test_perplexity_checker(capsys):
    assert check_perplexity(None) is False
    assert check_perplexity(math.exp(4.2)) is True
    assert check_perplexity(2**4.2) is False
    assert "nats" in capsys.readouterr().out
    assert check_perplexity(math.log(4.2)) is False
    assert check_perplexity("abc") is False
