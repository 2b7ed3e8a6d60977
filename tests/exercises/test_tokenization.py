"""Notebook 02's checkers accept the reference solutions and reject typical mistakes."""

from collections import Counter

from course_lib.exercises.tokenization import (
    check_merge,
    check_most_frequent_pair,
    check_patch_count,
)
from course_lib.text.bpe import merge


def overlapping_merge(ids, pair, new_id):
    out = list(ids)
    for i in range(len(out) - 1):
        if (out[i], out[i + 1]) == pair:
            out[i] = new_id
    return [x for x in out if x != pair[1]] if pair[0] != pair[1] else out


def test_merge_checker(capsys):
    assert check_merge(None) is False
    assert check_merge(merge) is True
    assert check_merge(overlapping_merge) is False
    assert check_merge(lambda ids, pair, new_id: ids) is False
    assert check_merge(lambda ids, pair, new_id: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_most_frequent_pair_checker(capsys):
    assert check_most_frequent_pair(None) is False

    def right(ids):
        counts = Counter(zip(ids, ids[1:], strict=False))
        return max(counts, key=counts.get)

    assert check_most_frequent_pair(right) is True
    assert check_most_frequent_pair(lambda ids: (ids[0], ids[1])) is False
    assert "zip" in capsys.readouterr().out


def test_patch_count_checker(capsys):
    assert check_patch_count(None) is False
    assert check_patch_count(49) is True
    assert check_patch_count(7) is False
    assert "one side" in capsys.readouterr().out
    assert check_patch_count(16) is False
    assert "pixels" in capsys.readouterr().out
