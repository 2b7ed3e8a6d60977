"""Every notebook asks for the kernel `make setup` registers, so any Jupyter opens it in the course's
environment (not a generic `python3` that may be another Python)."""

import json
import re

import pytest

from course_lib.core.paths import NOTEBOOKS_DIR, ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
INSTALL = re.compile(r'ipykernel install --sys-prefix --name (\S+) --display-name "([^"]+)"')


def registered_kernel() -> tuple[str, str]:
    """Return (name, display name) of the kernel the Makefile's set-up registers."""
    found = INSTALL.findall((ROOT / "Makefile").read_text())
    assert len(found) == 1, f"expected one `ipykernel install` line in the Makefile, found {found}"
    return found[0]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_asks_for_the_course_kernel(path):
    name, display_name = registered_kernel()
    spec = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("kernelspec", {})
    assert spec.get("name") == name, (
        f"{path.name}: kernelspec name is {spec.get('name')!r}, expected {name!r}; set "
        f'metadata.kernelspec to {{"name": "{name}", "display_name": "{display_name}", '
        f'"language": "python"}} (JupyterLab: Kernel > Change Kernel > {display_name})'
    )
    assert spec.get("display_name") == display_name, f"{path.name}: display_name {spec}"
    assert spec.get("language") == "python", f"{path.name}: language {spec}"


def test_make_notebooks_executes_in_the_course_kernel():
    name, _ = registered_kernel()
    makefile = (ROOT / "Makefile").read_text()
    assert f"--ExecutePreprocessor.kernel_name={name}" in makefile, (
        f"`make notebooks` should execute in the course kernel {name!r}"
    )
