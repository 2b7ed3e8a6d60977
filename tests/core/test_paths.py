"""Paths come from the package, not from the working directory."""

import os

import pytest

from course_lib.core import paths


def test_paths_do_not_depend_on_the_working_directory(tmp_path):
    before = paths.ROOT
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert paths.ROOT == before
        assert (paths.ROOT / "course_lib" / "core" / "paths.py").is_file()
    finally:
        os.chdir(cwd)


def test_artifact_dir_is_created_and_ignored_by_git():
    folder = paths.artifact_dir("unit_test_probe")
    assert folder.is_dir() and folder.parent == paths.ARTIFACTS_DIR
    folder.rmdir()
    ignored = (paths.ROOT / ".gitignore").read_text().split()
    assert "artifacts/" in ignored and "data/cache/" in ignored


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden"])
def test_bad_artifact_names_are_refused(bad):
    with pytest.raises(ValueError, match="plain folder name"):
        paths.artifact_dir(bad)


def test_only_the_cpu_profile_writes_committed_results():
    assert paths.results_path("x.json", "cpu").parent == paths.RESULTS_DIR
    smoke = paths.results_path("x.json", "smoke")
    assert smoke.parent == paths.ARTIFACTS_DIR / "results" / "smoke"
    with pytest.raises(ValueError, match=".json"):
        paths.results_path("x.csv")


def test_longest_trained_picks_the_most_steps(tmp_path):
    import json

    from course_lib.core.paths import longest_trained

    for name, steps in (("short", 10), ("long", 500)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "training.json").write_text(json.dumps({"steps": steps}))
    folder, which = longest_trained(
        [(tmp_path / "short", "a"), (tmp_path / "long", "b"), (tmp_path / "absent", "c")], "make it"
    )
    assert folder == tmp_path / "long" and which == "b (500 steps)"
    with pytest.raises(FileNotFoundError, match="run `make it`"):
        longest_trained([(tmp_path / "absent", "c")], "make it")
    folder, which = longest_trained(
        [(tmp_path / "short", "a")], "x", measure=lambda f: 7, unit="images seen"
    )
    assert which == "a (7 images seen)"


def test_reproduce_command_makes_checkout_paths_relative():
    from course_lib.core.paths import ROOT, reproduce_command

    argv = ["--steps", "4", "--out", str(ROOT / "data" / "reference" / "x")]
    assert reproduce_command("course_lib.text.cbow", argv) == (
        "python -m course_lib.text.cbow --steps 4 --out data/reference/x"
    )


def test_run_folders_are_unique_per_out_path(tmp_path):
    a = paths.run_folder("cbow", tmp_path / "x" / "vectors")
    b = paths.run_folder("cbow", tmp_path / "y" / "vectors")
    assert a != b and a.name.startswith("cbow_run_vectors_")
    assert paths.run_folder("cbow", tmp_path / "x" / "vectors") == a
