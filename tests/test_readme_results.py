"""The README's table of results says what the committed results/label_efficiency.json holds."""

import json
import re

import pytest

from course_lib.core.label_efficiency import goal_report
from course_lib.core.paths import ROOT


def readme_row(track: str) -> list[str]:
    rows = re.findall(rf"^\| {track} \|(.+)\|$", (ROOT / "README.md").read_text(), re.MULTILINE)
    assert len(rows) == 1, f"README has {len(rows)} result rows for {track}"
    return [cell.strip() for cell in rows[0].split("|")]


@pytest.mark.parametrize("track", ["text", "images"])
def test_readme_results_match_the_committed_record(track: str) -> None:
    record = json.loads((ROOT / "results" / "label_efficiency.json").read_text())[track]
    method, score, needed, multiplier, goal = readme_row(track)
    per_draw = ", ".join(f"{m:.1f}x" for m in record["multiplier_vs_best_baseline_per_seed"])
    assert method == f"`{record['preregistered_method']}`"
    assert score == f"{record['target_score']:.3f}"
    assert needed == f"{record['labels_needed']['envelope']:.0f} labels"
    assert multiplier == f"{record['multiplier_vs_best_baseline']:.1f}x ({per_draw})"
    assert goal == ("met" if goal_report(record) else "not met")
