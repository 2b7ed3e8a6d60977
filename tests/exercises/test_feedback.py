"""The exercise-checker helpers: hints for undone work, specific feedback for wrong answers."""

from course_lib.exercises import run_checks


def checks():
    return [
        (lambda a: isinstance(a, int), "the answer should be an int"),
        (lambda a: a > 0, "the answer should be positive"),
        (lambda a: a == 42, "close, but not the right number"),
    ]


def test_undone_exercise_prints_the_hint(capsys):
    assert run_checks(None, "hint: count them", checks()) is False
    assert run_checks(..., "hint: count them", checks()) is False
    assert "NOT DONE YET" in capsys.readouterr().out


def test_first_failing_check_is_the_feedback(capsys):
    assert run_checks("42", "h", checks()) is False
    assert "should be an int" in capsys.readouterr().out
    assert run_checks(-1, "h", checks()) is False
    assert "positive" in capsys.readouterr().out


def test_errors_in_a_check_become_feedback(capsys):
    assert (
        run_checks(3, "h", [(lambda a: a.shape == (2,), "expected an array of shape (2,)")])
        is False
    )
    assert "AttributeError" in capsys.readouterr().out


def test_right_answer_passes(capsys):
    assert run_checks(42, "h", checks()) is True
    assert "PASS" in capsys.readouterr().out
