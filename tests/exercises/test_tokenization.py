"""Notebook 02's checkers accept the reference solutions and reject typical mistakes."""

from collections import Counter

from course_lib.exercises.tokenization import (
    check_most_frequent_pair,
    check_patch_count,
)


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


def test_first_merges_checker(capsys):
    from course_lib.exercises.tokenization import HAND_CORPUS, check_first_merges, first_merges

    want = first_merges([HAND_CORPUS])
    assert len(set(want)) == 3 and all(len(token.strip()) >= 2 for token in want)
    assert check_first_merges(None) is False
    assert "NOT DONE YET" in capsys.readouterr().out
    assert check_first_merges(want) is True
    assert check_first_merges([t.replace(" ", "Ġ") for t in want]) is True
    assert check_first_merges(want[::-1]) is False
    assert "wrong order" in capsys.readouterr().out
    assert check_first_merges(first_merges(HAND_CORPUS.split())) is False
    assert "spaces are bytes too" in capsys.readouterr().out
    assert check_first_merges([t.strip() for t in want]) is False
    assert "space belongs" in capsys.readouterr().out
    assert check_first_merges("ug hug") is False
    assert check_first_merges(["x", "y", "z"]) is False
    assert check_first_merges(want[:2]) is False
    assert "exactly 3" in capsys.readouterr().out
