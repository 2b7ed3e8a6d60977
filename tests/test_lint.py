"""The code and notebooks pass ruff (lint and format), as the developers' guide asks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.core.paths import ROOT

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
TARGETS = ["course_lib", "tests", "notebooks", "conftest.py"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command):
    assert RUFF, "ruff is missing: run `make setup`"
    result = subprocess.run([RUFF, *command, *TARGETS], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
