"""Around the notebooks: the learner's own working copies (`make course`) and the workshop kit.

`make course` runs `python -m course_lib.workshop copies`: the committed notebooks are copied into
the git-ignored `my-notebooks/` folder, missing files only, so a learner's edits and outputs never
touch the committed files and `git pull` stays clean.
"""

import argparse
import shutil
from pathlib import Path

from course_lib.core.paths import NOTEBOOKS_DIR, ROOT

WORK_DIR = ROOT / "my-notebooks"  # git-ignored: the learner's copies, never overwritten


def learner_copies(source: Path = NOTEBOOKS_DIR, dest: Path = WORK_DIR) -> list[Path]:
    """Copy each notebook of `source` missing from `dest` into it; return the ones copied."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for notebook in sorted(Path(source).glob("*.ipynb")):
        target = dest / notebook.name
        if not target.exists():
            shutil.copy2(notebook, target)
            copied.append(target)
    return copied


def print_copies(copied: list[Path], dest: Path = WORK_DIR) -> None:
    """Say which notebooks were copied and how to get a fresh copy of one."""
    where = dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest
    for path in copied:
        print(f"copied {path.name} into {where}/")
    print(
        f"Your notebooks are in {where}/ (git-ignored: your edits never touch notebooks/). "
        f"To start one afresh, delete it from {where}/ and run `make course` again."
    )


def main(argv: list[str] | None = None) -> None:
    """Command line: `copies` makes the learner's working copies."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.workshop", description=__doc__)
    parser.add_argument("command", choices=["copies"])
    args = parser.parse_args(argv)
    if args.command == "copies":
        print_copies(learner_copies())


if __name__ == "__main__":
    main()
