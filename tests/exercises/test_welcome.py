"""Notebook 00's checker accepts the right answers and rejects typical mistakes."""

from course_lib.exercises.welcome import ANSWERS, check_paradigms


def test_reference_solution_passes():
    assert check_paradigms(dict(ANSWERS)) is True


def test_undone_is_a_hint_not_a_failure(capsys):
    assert check_paradigms(None) is False
    assert "NOT DONE YET" in capsys.readouterr().out


def test_calling_masked_words_unsupervised_is_caught(capsys):
    answer = dict(ANSWERS, b="unsupervised")
    assert check_paradigms(answer) is False
    assert "b: think again" in capsys.readouterr().out


def test_missing_keys_and_unknown_words_are_caught(capsys):
    assert check_paradigms({"a": "supervised"}) is False
    assert check_paradigms(dict(ANSWERS, d="reinforcement")) is False
    assert "use only" in capsys.readouterr().out
