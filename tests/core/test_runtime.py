"""Seeding repeats runs; device and precision are detected."""

import random

import numpy as np
import pytest
import torch

from course_lib.core import runtime


def draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_seed_everything_repeats_python_numpy_and_torch():
    runtime.seed_everything(7)
    first = draw()
    runtime.seed_everything(7)
    assert draw() == first
    runtime.seed_everything(8)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "7"])
def test_bad_seed_is_refused(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        runtime.seed_everything(bad)


def test_device_and_precision_are_consistent():
    device = runtime.get_device()
    assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    mode = runtime.mixed_precision(torch.device("cpu"))
    assert mode == ("bf16" if runtime.cpu_has_bf16() else "no")
