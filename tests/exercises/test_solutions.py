"""Every reference answer passes its checker, and every checker of notebooks 00-08 has one."""

import importlib
import inspect
import pkgutil
import re

import pytest

import course_lib.exercises as exercises
from course_lib.exercises.solutions import SOLUTIONS, Solution
from course_lib.exercises.tokenization import check_patch_count

CHAPTERS = {f"{n:02d}" for n in range(9)}  # notebooks 00-08; 09 on bring their own


def checkers_of_chapters() -> set[tuple[str, str]]:
    """Return (notebook, checker name) of every check_* in the exercise modules of 00-08."""
    found = set()
    for info in pkgutil.iter_modules(exercises.__path__):
        module = importlib.import_module(f"course_lib.exercises.{info.name}")
        notebook = re.match(r"Notebook (\d\d)'s", module.__doc__ or "")
        if notebook and notebook.group(1) in CHAPTERS:
            for name, fn in inspect.getmembers(module, inspect.isfunction):
                if name.startswith("check_") and fn.__module__ == module.__name__:
                    found.add((notebook.group(1), name))
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda s: s.checker.__name__)
def test_solution_passes_its_checker(solution, capsys):
    assert solution.checker(solution.answer, *solution.args) is True
    assert "[PASS]" in capsys.readouterr().out
    assert solution.code().strip() and solution.why.strip()


def test_every_checker_of_notebooks_00_to_08_has_a_solution():
    solved = {(s.notebook, s.checker.__name__) for s in SOLUTIONS}
    wanted = checkers_of_chapters()
    assert len(wanted) >= 20, f"found too few checkers: {sorted(wanted)}"
    assert wanted <= solved, f"no solution for {sorted(wanted - solved)}"


def test_a_wrong_answer_is_not_a_solution():
    wrong = Solution("02", check_patch_count, 7, "one side only")
    assert wrong.checker(wrong.answer) is False
    assert wrong.code() == "answer = 7"
