"""The environment check passes here and fails loudly on a missing or wrong package."""

from packaging.requirements import Requirement

from course_lib.core import envcheck


def test_everything_is_ok_in_the_course_environment(capsys):
    assert envcheck.check_environment() is True
    out = capsys.readouterr().out
    assert "[FAIL]" not in out and "[OK]   torch 2.13.0" in out and "data: wiki_summaries" in out


def test_missing_package_fails():
    ok, line = envcheck.check_package(Requirement("surely-not-installed-package==1.0"))
    assert not ok and line.startswith("[FAIL]") and "not installed" in line


def test_wrong_version_fails():
    ok, line = envcheck.check_package(Requirement("torch==1.0.0"))
    assert not ok and "expects torch==1.0.0" in line
