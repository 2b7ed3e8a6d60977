"""course_lib.workshop: the learner's copies never overwrite their work and are git-ignored."""

import pytest

from course_lib.core.paths import ROOT
from course_lib.workshop import WORK_DIR, learner_copies, main


def test_copies_missing_notebooks_only(tmp_path, capsys):
    source, dest = tmp_path / "notebooks", tmp_path / "mine"
    source.mkdir()
    (source / "00_a.ipynb").write_text("committed a")
    (source / "01_b.ipynb").write_text("committed b")
    (source / "notes.txt").write_text("not a notebook")
    assert [p.name for p in learner_copies(source, dest)] == ["00_a.ipynb", "01_b.ipynb"]
    (dest / "00_a.ipynb").write_text("the learner's work")
    (dest / "01_b.ipynb").unlink()
    (source / "02_c.ipynb").write_text("a new chapter")
    assert [p.name for p in learner_copies(source, dest)] == ["01_b.ipynb", "02_c.ipynb"]
    assert (dest / "00_a.ipynb").read_text() == "the learner's work"
    assert sorted(p.name for p in dest.iterdir()) == ["00_a.ipynb", "01_b.ipynb", "02_c.ipynb"]


def test_work_folder_is_git_ignored_and_used_by_make_course():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert f"{WORK_DIR.name}/" in ignored
    makefile = (ROOT / "Makefile").read_text()
    assert "python -m course_lib.workshop copies" in makefile
    assert f"--notebook-dir={WORK_DIR.name}" in makefile


def test_cli_rejects_unknown_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["nonsense"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
