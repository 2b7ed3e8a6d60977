"""Images as token sequences: cut an image into square patches, one flattened vector per patch
(what a Vision Transformer feeds its encoder instead of word embeddings)."""

import torch

from course_lib.core.validate import bad_input, check_int, check_pixels, check_tensor


def image_to_patches(image: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Return (num_patches, channels * patch_size**2) for an image (H, W) or (C, H, W), row by row.

    Pixels are uint8 (0-255) or floats in [0, 1]."""
    if not isinstance(image, torch.Tensor) or image.dim() not in (2, 3):
        fix = "pass one image: images[0], not the batch; torch.as_tensor for arrays"
        raise bad_input("image", "one image shaped (H, W) or (C, H, W)", image, fix)
    check_pixels(image, "image")
    image = image.unsqueeze(0) if image.dim() == 2 else image
    channels, height, width = image.shape
    patch_size = check_int(patch_size, "patch_size", 1, "pass a side length in pixels, e.g. 7")
    if height % patch_size or width % patch_size:
        sides = [d for d in range(1, min(height, width) + 1) if not height % d and not width % d]
        expected = f"a divisor of the image size {height}x{width}"
        raise bad_input("patch_size", expected, patch_size, f"pick one of {sides}")
    patches = image.unfold(1, patch_size, patch_size).unfold(2, patch_size, patch_size)
    # (C, rows, cols, p, p) -> (rows * cols, C * p * p)
    return patches.permute(1, 2, 0, 3, 4).reshape(-1, channels * patch_size * patch_size)


def patches_to_image(
    patches: torch.Tensor, height: int, width: int, channels: int = 1
) -> torch.Tensor:
    """Put patches from `image_to_patches` back together into an image (C, H, W)."""
    check_tensor(patches, "patches", ndim=2)
    height, width = check_int(height, "height", 1), check_int(width, "width", 1)
    channels = check_int(channels, "channels", 1)
    num, size = patches.shape
    patch_size = round((size // channels) ** 0.5)
    rows, cols = height // max(patch_size, 1), width // max(patch_size, 1)
    if patch_size < 1 or rows * cols != num or channels * patch_size**2 != size:
        expected = f"patches that make a {channels}x{height}x{width} image"
        fix = "pass the height, width and channels of the image the patches came from"
        raise bad_input("patches", expected, patches, fix)
    grid = patches.reshape(rows, cols, channels, patch_size, patch_size)
    return grid.permute(2, 0, 3, 1, 4).reshape(channels, height, width)
