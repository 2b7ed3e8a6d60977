"""The one writer of results/*.json: every notebook merges its record into a named file."""

import json

from course_lib.core.paths import results_path
from course_lib.core.profiles import PROFILES
from course_lib.core.validate import bad_input, check_choice


def check_record(updates: object) -> dict:
    """Return `updates` if it is a non-empty dict with string keys that JSON can write exactly."""
    if not isinstance(updates, dict) or not updates:
        fix = "pass {'name': value, ...}"
        raise bad_input("updates", "a non-empty dict of JSON-ready values", updates, fix)
    for key, value in updates.items():
        if not isinstance(key, str):
            raise bad_input("updates", "string keys", key, "name each entry with a string")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            fix = "convert with float()/int()/.tolist(); NaN or inf means a broken measurement"
            raise bad_input(f"updates[{key!r}]", "a JSON-ready finite value", value, fix) from None
    return updates


def update_results(name: str, updates: dict, profile: str) -> dict:
    """Merge `updates` into results file `name` for `profile` (cpu: results/); return the file."""
    if not isinstance(name, str) or not name.endswith(".json") or "/" in name:
        fix = "a file name such as 'pretraining_text.json' (no folder)"
        raise bad_input("name", "a name ending in '.json'", name, fix)
    check_choice(profile, "profile", list(PROFILES))
    updates = check_record(updates)
    path = results_path(name, profile)
    content = json.loads(path.read_text()) if path.is_file() else {}
    content.update({"profile": profile, **updates})
    path.write_text(json.dumps(content, indent=2) + "\n")
    return content
