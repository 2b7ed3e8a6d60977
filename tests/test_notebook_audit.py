"""Committed notebooks: executed top to bottom, no errors, no machine paths, each on the course map."""

import json
import re

import pytest

from course_lib.core.course_map import COURSE, markdown_table
from course_lib.core.notebook import BUDGET_MINUTES, about_as_stated
from course_lib.core.paths import NOTEBOOKS_DIR, ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|tmp|root|home|farm|opt|Users)/[\w.-]+")
MAX_BYTES = 3 * 1024 * 1024


def text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and text(c["source"]).strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert None not in counts, f"{path.name}: some code cells were never executed"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: re-run top to bottom"
    errors = [o for c in code_cells(path) for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"{path.name}: error outputs {[e['ename'] for e in errors]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_machine_paths_and_reasonable_size(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is too large to read comfortably"
    for cell in code_cells(path):
        blobs = [text(cell["source"])]
        for out in cell["outputs"]:
            blobs += [text(out.get("text")), text(out.get("data", {}).get("text/plain"))]
        for blob in blobs:
            hit = MACHINE_PATH.search(blob)
            assert not hit, f"{path.name}: machine path {hit.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_starts_with_profile_and_time(path):
    first = text(code_cells(path)[0]["source"])
    assert "start(" in first, (
        f"{path.name}: the first code cell must call course_lib.core.notebook.start"
    )


def test_every_notebook_is_on_the_course_map_and_in_the_readme():
    files = {p.name for p in NOTEBOOKS}
    assert files == {c.file for c in COURSE}
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, (
        "README's notebook table differs from the course map: "
        "paste the output of `python -m course_lib.core.course_map` into README.md"
    )


RAN_IN = re.compile(r"this notebook ran in ([\d.]+) min (?:\(\d+ s\) )?\(cpu profile\)")
STATED = re.compile(r"Expected time: about ([\d.]+) min")


def printed(cell) -> str:
    return "".join(text(out.get("text")) for out in cell["outputs"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_run_states_and_meets_its_time(path):
    """The committed (cpu) run printed the map's time first and, last, a time about as stated
    and within the budget: re-run the notebook, or update the map, when this fails."""
    cells = code_cells(path)
    item = next(c for c in COURSE if c.file == path.name)
    stated = STATED.search(printed(cells[0]))
    assert stated and float(stated.group(1)) == item.minutes_cpu, (
        f"{path.name}: its first cell states {stated and stated.group(1)} min, the map "
        f"{item.minutes_cpu}: re-run it after updating the map"
    )
    ran = RAN_IN.search(printed(cells[-1]))
    assert ran, f"{path.name}: the last code cell must be finish({item.number!r}), run in cpu"
    minutes = float(ran.group(1))
    assert minutes <= BUDGET_MINUTES, f"{path.name}: {minutes} min, over the budget"
    assert about_as_stated(minutes, item.minutes_cpu), (
        f"{path.name}: ran in {minutes} min, the map says {item.minutes_cpu}: update the map "
        "(course_map.py, README) and re-run"
    )
