"""A notebook's first and last cells: the stated time, and the run's time judged against it."""

import pytest

from course_lib.core import notebook
from course_lib.core.course_map import chapter
from course_lib.core.validate import BadInput


def test_about_as_stated_allows_a_quarter_or_a_quarter_minute():
    assert notebook.about_as_stated(8.0, 7.0)
    assert not notebook.about_as_stated(9.0, 7.0)  # 29% slower
    assert not notebook.about_as_stated(3.0, 7.3)  # much faster is a wrong statement too
    assert notebook.about_as_stated(0.1, 0.3)  # small notebooks: within 0.25 min (start-up)
    assert not notebook.about_as_stated(0.6, 0.3)


def test_finish_before_start_names_the_argument(monkeypatch):
    monkeypatch.setattr(notebook, "STARTED", {})
    with pytest.raises(BadInput, match="number: .*start\\('05'\\)"):
        notebook.finish("05")


def test_start_states_the_map_time_and_finish_judges_the_run(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    monkeypatch.setattr(notebook, "STARTED", {})
    notebook.start("00")
    stated = chapter("00").minutes_cpu
    assert f"Expected time: about {stated:g} min" in capsys.readouterr().out
    notebook.STARTED["00"] -= 60 * 12  # as if it had run for 12 minutes
    minutes = notebook.finish("00")
    out = capsys.readouterr().out
    assert 12 <= minutes < 12.1
    assert "ran in 12.0 min (cpu profile); stated: about" in out
    assert "slower than stated; OVER the 10-min budget" in out


def test_smoke_runs_are_reported_not_judged(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(notebook, "STARTED", {})
    notebook.start("01")
    notebook.finish("01")
    out = capsys.readouterr().out
    assert f"about {chapter('01').minutes_smoke:g}" in out and "budget" not in out
    assert "ran in 0.0 min (0 s) (smoke profile)" in out  # seconds shown under a minute
