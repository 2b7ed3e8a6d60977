"""The argument checks: each bad value raises BadInput naming the argument and a fix."""

import numpy as np
import pytest
import torch

from course_lib.core.validate import (
    BadInput,
    check_choice,
    check_int,
    check_labels,
    check_number,
    check_pixels,
    check_tensor,
    check_texts,
)

BAD = [
    (lambda: check_int(0, "steps", 1), "steps"),
    (lambda: check_int(True, "k", 1), "k"),
    (lambda: check_int(2.0, "k"), "k"),
    (lambda: check_number(float("nan"), "lr", 0, open_low=True), "lr"),
    (lambda: check_number(0.0, "lr", 0, open_low=True), "lr"),
    (lambda: check_number(1.5, "p", 0, 1), "p"),
    (lambda: check_number("0.1", "p", 0, 1), "p"),
    (lambda: check_number(1.0, "p", 0, 1, open_high=True), "p"),
    (lambda: check_choice("x", "mode", ["a", "b"]), "mode"),
    (lambda: check_texts("one text"), "texts"),
    (lambda: check_texts(["a", 3]), r"texts\[1\]"),
    (lambda: check_texts(["a", None]), r"texts\[1\]"),
    (lambda: check_texts([], min_count=1), "texts"),
    (lambda: check_tensor([1, 2], "images"), "images"),
    (lambda: check_tensor(np.zeros((2, 3)), "images", ndim=3), "images"),
    (lambda: check_tensor(np.zeros((2, 3, 3)), "images", dtype="uint8"), "images"),
    (lambda: check_labels([0.2, 0.8], "y_pred"), "y_pred"),
    (lambda: check_labels(np.array([True, False]), "y"), "y"),
    (lambda: check_labels([0, "cat"], "y"), "y"),
    (lambda: check_labels(np.zeros((3, 2), dtype=int), "y"), "y"),
    (lambda: check_labels("cat", "y"), "y"),
    (lambda: check_labels([0, 1], "y", length=3), "y"),
    (lambda: check_pixels(torch.full((1, 4, 4), 255.0)), "images"),
    (lambda: check_pixels(torch.full((1, 4, 4), -0.5)), "images"),
    (lambda: check_pixels(torch.zeros((1, 4, 4), dtype=torch.int64)), "images"),
    (lambda: check_pixels(torch.zeros((0, 4, 4))), "images"),
    (lambda: check_pixels(torch.full((1, 4, 4), float("nan"))), "images"),
]


@pytest.mark.parametrize(("call", "name"), BAD)
def test_bad_values_raise_naming_the_argument_and_a_fix(call, name):
    with pytest.raises(BadInput, match=rf"^{name}: expected .*Fix: "):
        call()


def test_bad_input_is_both_value_and_type_error():
    assert issubclass(BadInput, ValueError) and issubclass(BadInput, TypeError)


def test_good_values_come_back():
    assert check_int(np.int64(3), "k", 1) == 3
    assert check_number(3, "lr", 0, open_low=True) == 3.0
    assert check_texts(("a", "b")) == ["a", "b"]
    assert check_choice("a", "mode", ["a"]) == "a"
    assert check_labels(torch.tensor([2, 0])).tolist() == [2, 0]
    assert check_labels(("cat", np.str_("dog"))).tolist() == ["cat", "dog"]
    assert check_labels([np.int64(1), 0]).dtype.kind == "i"
    assert check_pixels(torch.ones(1, 2, 2)).max() == 1.0
