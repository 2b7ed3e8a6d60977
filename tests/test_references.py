"""Each committed reference checkpoint's card and the README name the command its module records
as the one that made it."""

import re

import pytest

from course_lib.core.paths import DATA_DIR, ROOT
from course_lib.text import cbow, mlm, simcse
from course_lib.vision import simclr

REFERENCES = {
    "bert_mlm": mlm.REFERENCE_COMMAND,
    "cbow_vectors": cbow.REFERENCE_COMMAND,
    "simcse_document": simcse.REFERENCE_COMMAND,
    "simclr_fmnist": simclr.REFERENCE_COMMAND,
}


@pytest.mark.parametrize("folder", sorted(REFERENCES))
def test_card_names_the_module_command(folder: str) -> None:
    card = (DATA_DIR / "reference" / folder / "README.md").read_text()
    stated = re.findall(r"Reproduce: `([^`]+)`", card)
    assert stated == [REFERENCES[folder]], f"{folder}: card says {stated}"
    assert REFERENCES[folder].endswith(f"--out data/reference/{folder}")


@pytest.mark.parametrize("folder", sorted(REFERENCES))
def test_readme_table_names_the_module_command(folder: str) -> None:
    readme = (ROOT / "README.md").read_text()
    row = re.search(rf"^\| `data/reference/{folder}/` \| `([^`]+)` \|", readme, re.MULTILINE)
    assert row, f"README's table of references has no row for {folder}"
    assert row.group(1) == REFERENCES[folder]
