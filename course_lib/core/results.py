"""The one writer of results/*.json: every notebook merges its record into a named file."""

import json

from course_lib.core.paths import results_path


def update_results(name: str, updates: dict, profile: str) -> dict:
    """Merge `updates` into results file `name` for `profile` (cpu: results/); return the file."""
    if not isinstance(updates, dict) or not updates:
        raise ValueError(f"updates must be a non-empty dict of JSON-ready values, got {updates!r}")
    path = results_path(name, profile)
    content = json.loads(path.read_text()) if path.is_file() else {}
    content.update({"profile": profile, **updates})
    path.write_text(json.dumps(content, indent=2) + "\n")
    return content
