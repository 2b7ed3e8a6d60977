"""course_lib.workshop: the learner's copies never overwrite their work and are git-ignored."""

import json

import pytest

from course_lib.core.paths import ROOT
from course_lib.workshop import (
    WORK_DIR,
    kit_files,
    learner_copies,
    main,
    render_guide,
    result_value,
)


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


def test_workshop_kit_is_up_to_date():
    for path, text in kit_files().items():
        assert path.is_file(), f"{path.name} is missing: run `python -m course_lib.workshop kit`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run `python -m course_lib.workshop kit` and commit it"
        )


def test_guide_numbers_come_from_the_results(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"text": {"x": 4.96, "seeds": [1.25, 2.5]}}))
    assert result_value("run | text | x | .1f", tmp_path) == "5.0"
    assert result_value(" run|text|seeds|1|.2f ", tmp_path) == "2.50"
    source = ROOT / "workshop" / "teachers_guide.in.md"
    guide = render_guide(source)
    assert "{{" not in guide and "}}" not in guide
    with pytest.raises(KeyError, match="no 'y' in results/run.json"):
        result_value("run | text | y | .1f", tmp_path)
    with pytest.raises(ValueError, match="expected 'file"):
        result_value("run | .1f", tmp_path)
