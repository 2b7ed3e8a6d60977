"""The results writer merges records into one file per name and refuses what JSON cannot hold."""

import numpy as np
import pytest

from course_lib.core.results import update_results
from course_lib.core.validate import BadInput


def test_records_merge_into_one_file():
    update_results("test_merge.json", {"a": 1}, "smoke")
    content = update_results("test_merge.json", {"b": [0.5, 0.25]}, "smoke")
    assert content == {"profile": "smoke", "a": 1, "b": [0.5, 0.25]}


def test_values_json_cannot_write_exactly_are_refused_by_key():
    with pytest.raises(BadInput, match=r"updates\['acc'\]: .*Fix: convert"):
        update_results("test_refused.json", {"acc": np.float32(0.5)}, "smoke")
    with pytest.raises(BadInput, match=r"updates\['loss'\]"):
        update_results("test_refused.json", {"loss": float("nan")}, "smoke")
    with pytest.raises(BadInput, match="profile: expected one of"):
        update_results("test_refused.json", {"a": 1}, "laptop")
