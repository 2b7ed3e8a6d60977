"""Image patches: shapes, order, round trip, clear errors."""

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.vision.patches import image_to_patches, patches_to_image


def test_patches_are_row_major_and_round_trip():
    image = torch.arange(16, dtype=torch.uint8).view(4, 4)  # pixel values show the order
    patches = image_to_patches(image, 2)
    assert patches.shape == (4, 4)
    assert patches[0].tolist() == [0, 1, 4, 5] and patches[1].tolist() == [2, 3, 6, 7]
    assert torch.equal(patches_to_image(patches, 4, 4)[0], image)


def test_channels():
    image = torch.rand(3, 28, 28)
    patches = image_to_patches(image, 7)
    assert patches.shape == (16, 3 * 49)
    assert torch.equal(patches_to_image(patches, 28, 28, channels=3), image)


def test_bad_input():
    with pytest.raises(
        BadInput, match=r"patch_size: expected a divisor .*Fix: pick one of \[1, 2, 4, 7, 14, 28\]"
    ):
        image_to_patches(torch.rand(28, 28), 5)
    with pytest.raises(BadInput, match="image: expected one image"):
        image_to_patches(torch.rand(2, 3, 4, 4), 2)
    with pytest.raises(BadInput, match="patches: expected patches that make a 1x4x4 image"):
        patches_to_image(torch.rand(5, 4), 4, 4)
    with pytest.raises(BadInput, match="image: expected float pixels in .0, 1."):
        image_to_patches(torch.rand(28, 28) * 255, 7)  # floats on the 0-255 scale
