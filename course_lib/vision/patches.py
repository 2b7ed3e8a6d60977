"""Images as token sequences: cut an image into square patches, one flattened vector per patch
(what a Vision Transformer feeds its encoder instead of word embeddings)."""

import torch


def image_to_patches(image: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Return (num_patches, channels * patch_size**2) for an image (H, W) or (C, H, W), row by row."""
    if image.dim() == 2:
        image = image.unsqueeze(0)
    if image.dim() != 3:
        raise ValueError(
            f"expected an image of shape (H, W) or (C, H, W), got {tuple(image.shape)}"
        )
    channels, height, width = image.shape
    if patch_size < 1 or height % patch_size or width % patch_size:
        raise ValueError(
            f"patch_size {patch_size} must divide the image size {height}x{width} exactly"
        )
    patches = image.unfold(1, patch_size, patch_size).unfold(2, patch_size, patch_size)
    # (C, rows, cols, p, p) -> (rows * cols, C * p * p)
    return patches.permute(1, 2, 0, 3, 4).reshape(-1, channels * patch_size * patch_size)


def patches_to_image(
    patches: torch.Tensor, height: int, width: int, channels: int = 1
) -> torch.Tensor:
    """Put patches from `image_to_patches` back together into an image (C, H, W)."""
    num, size = patches.shape
    patch_size = round((size // channels) ** 0.5)
    rows, cols = height // patch_size, width // patch_size
    if rows * cols != num or channels * patch_size**2 != size:
        raise ValueError(
            f"{num} patches of {size} values do not make a {channels}x{height}x{width} image"
        )
    grid = patches.reshape(rows, cols, channels, patch_size, patch_size)
    return grid.permute(2, 0, 3, 1, 4).reshape(channels, height, width)
