"""Notebook 03's checkers accept the reference solutions and reject typical mistakes."""

import math

import torch

from course_lib.exercises.pretraining import check_masking, check_perplexity
from course_lib.text.masking import mask_tokens


def reference(ids, mask_id, vocab, special, prob):
    return mask_tokens(ids, mask_id, vocab, special, prob)


def all_masked(ids, mask_id, vocab, special, prob):
    inputs, labels = mask_tokens(ids, mask_id, vocab, special, prob)
    picked = labels != -100
    inputs[picked] = mask_id
    return inputs, labels


def specials_too(ids, mask_id, vocab, special, prob):
    picked = torch.rand(ids.shape) < prob
    labels = torch.where(picked, ids, torch.full_like(ids, -100))
    inputs = ids.clone()
    inputs[picked] = mask_id
    return inputs, labels


def test_masking_checker(capsys):
    assert check_masking(None) is False
    assert "NOT DONE YET" in capsys.readouterr().out
    assert check_masking(reference) is True
    assert check_masking(all_masked) is False
    assert "[MASK]" in capsys.readouterr().out
    assert check_masking(specials_too) is False
    assert "special" in capsys.readouterr().out
    assert check_masking(lambda *a: (a[0], a[0])) is False


def test_perplexity_checker(capsys):
    assert check_perplexity(None) is False
    assert check_perplexity(math.exp(4.2)) is True
    assert check_perplexity(2**4.2) is False
    assert "nats" in capsys.readouterr().out
    assert check_perplexity(math.log(4.2)) is False
    assert check_perplexity("abc") is False
