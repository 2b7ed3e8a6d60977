"""The corpus helpers on any texts: near duplicates of test texts found, held-out split seeded."""

import pytest

from course_lib.core.validate import BadInput
from course_lib.data.corpus import leaking_texts, split_heldout

BASE = (
    "the film follows a young chef who opens a small restaurant in a quiet harbour town and "
    "slowly wins over the locals with her cooking, until a storm closes the only road and the "
    "whole town ends up eating at her tables for a week while the fishermen tell stories of the "
    "sea and her brother arrives with news from the city"
)


def test_leaking_texts_finds_copies_and_near_copies_of_test_texts_only():
    tests = [BASE, "a documentary about bees and the farmers who keep them through a hard winter"]
    candidates = [
        "an unrelated story about a detective in a rainy city chasing a forger",
        BASE.upper() + " .",  # the same words: a copy
        BASE.replace("quiet", "sleepy"),  # one word changed: a near copy
        "the film follows a young chef",  # a shared start only
    ]
    assert leaking_texts(candidates, tests) == [1, 2]
    assert leaking_texts(candidates, tests, threshold=1.0) == [1]
    assert leaking_texts([], tests) == [] and leaking_texts(candidates, []) == []


def test_split_heldout_is_seeded_and_by_document():
    texts = [f"text number {i}" for i in range(40)]
    split = split_heldout(texts, 0.1, seed=0)
    assert len(split["heldout"]) == 4 and len(split["train"]) == 36
    assert sorted(split["train"] + split["heldout"]) == sorted(texts)
    assert split_heldout(texts, 0.1, seed=0) == split
    assert split_heldout(texts, 0.1, seed=1)["heldout"] != split["heldout"]
    assert len(split_heldout(texts[:2], 0.05)["heldout"]) == 1  # at least one, never all


BAD = [
    (lambda: leaking_texts("one text", ["a"]), r"^candidates: expected a list of texts"),
    (lambda: leaking_texts(["a"], [5]), r"^tests\[0\]: expected a string \(a list of strings\)"),
    (lambda: leaking_texts(["a b"], ["a b"], threshold=1.5), r"^threshold: expected"),
    (lambda: split_heldout(["a"], 0.1), r"^texts: expected at least 2 texts"),
    (lambda: split_heldout(["a", "b"], 1.0), r"^heldout_fraction: expected"),
    (lambda: split_heldout(["a", "b"], 0.1, seed=0.5), r"^seed: expected an int"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_bad_arguments_are_refused_with_a_fix(call, match):
    with pytest.raises(BadInput, match=match) as caught:
        call()
    assert "Fix: " in str(caught.value)
