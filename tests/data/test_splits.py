"""Splits: fixed, stratified, leakage-free, and the committed files are what the code makes."""

import numpy as np
import pytest

from course_lib.core.validate import BadInput
from course_lib.data import splits


def test_stratified_split_sizes_and_proportions():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    parts = splits.stratified_split(labels, {"test": 100, "rest": -1}, seed=0)
    assert len(parts["test"]) == 100 and len(parts["rest"]) == 900
    assert not set(parts["test"]) & set(parts["rest"])
    assert np.bincount(labels[parts["test"]]).tolist() == [50, 30, 20]


def test_split_is_repeatable_and_seed_dependent():
    labels = np.arange(100) % 4
    a = splits.stratified_split(labels, {"a": 20, "b": -1}, seed=1)
    assert a == splits.stratified_split(labels, {"a": 20, "b": -1}, seed=1)
    assert a != splits.stratified_split(labels, {"a": 20, "b": -1}, seed=2)


@pytest.mark.parametrize(
    "sizes",
    [{"a": 60, "b": 50}, {"a": 30, "b": 30}, {"a": -1, "b": -1}, {"a": 0, "b": -1}, {"a": 2.5}],
)
def test_sizes_that_do_not_add_up_are_refused(sizes):
    with pytest.raises(BadInput, match=r"sizes.*: expected split sizes.*Fix: "):
        splits.stratified_split(np.arange(100) % 2, sizes, seed=0)


def test_sample_labeled_covers_every_class():
    labels = np.repeat(np.arange(11), [400, 300, 200, 150, 100, 80, 60, 40, 30, 20, 10])
    chosen = splits.sample_labeled(labels, 100, seed=3)
    assert len(chosen) == 100 == len(set(chosen))
    assert set(labels[chosen]) == set(range(11))
    assert chosen != splits.sample_labeled(labels, 100, seed=4)
    with pytest.raises(BadInput, match="n: expected an int >= 1"):
        splits.sample_labeled(labels, 0, seed=0)
    with pytest.raises(BadInput, match="n: expected between 1 and the 1390 examples"):
        splits.sample_labeled(labels, 2000, seed=0)


def test_labels_of_any_kind_are_split_alike():
    """Names and indices of the same classes give the same positions."""
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    names = np.array(["cat", "dog", "eel"])[labels]
    assert splits.sample_labeled(names, 10, 1) == splits.sample_labeled(labels, 10, 1)
    assert splits.labeled_holdout(names, 0.2, 1) == splits.labeled_holdout(labels, 0.2, 1)
    sizes = {"a": 10, "b": -1}
    assert splits.stratified_split(names, sizes, 1) == splits.stratified_split(labels, sizes, 1)


def test_committed_text_split_is_leakage_free_and_reproducible():
    parts = splits.text_split()
    test, pool, unlabeled = (set(parts[k]) for k in ("test", "pool", "unlabeled"))
    assert len(test) == splits.TEXT_TEST_SIZE and len(test) + len(pool) == 9_033
    assert not test & pool and not test & unlabeled and pool <= unlabeled
    assert len(unlabeled) == 10_033 - len(test)
    assert parts == splits.make_text_split()  # the committed ids are exactly what the code makes


def test_committed_image_split_is_reproducible():
    parts = splits.image_split()
    assert len(parts["val"]) == splits.IMAGE_VAL_SIZE and len(parts["train"]) == 55_000
    assert not set(parts["val"]) & set(parts["train"])
    assert parts == splits.make_image_split()


def test_grouped_split_keeps_every_group_on_one_side():
    groups = [f"movie{i % 10}" for i in range(100)]
    parts = splits.grouped_split(groups, 0.2, seed=0)
    test = {groups[i] for i in parts["test"]}
    pool = {groups[i] for i in parts["pool"]}
    assert len(test) == 2 and not test & pool
    assert sorted(parts["pool"] + parts["test"]) == list(range(100))
    assert splits.grouped_split(groups, 0.2, seed=0) == parts
    assert splits.grouped_split(groups, 0.2, seed=1) != parts


@pytest.mark.parametrize(("groups", "fraction"), [(["a"] * 5, 0.2), (["a", "b"], 0.1)])
def test_grouped_split_needs_groups_on_both_sides(groups, fraction):
    with pytest.raises(BadInput, match="^groups: expected enough groups"):
        splits.grouped_split(groups, fraction, seed=0)
