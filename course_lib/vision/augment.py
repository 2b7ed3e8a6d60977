"""Augmentations for contrastive learning on 28x28 grayscale images, built with kornia.

Two random augmentations of one image make a positive pair; whatever the augmentations change
(position, scale, left/right, brightness, sharpness) is what the encoder learns to ignore.
`AugmentConfig` holds every strength in one place; `make_augment` turns it into a kornia pipeline
that works on whole batches at once.
"""

from dataclasses import asdict, dataclass, fields, replace

import ipywidgets as widgets
import kornia.augmentation as K
import matplotlib.pyplot as plt
import torch
from IPython.display import display
from torch import nn

from course_lib.core.validate import bad_input, check_int, check_number, check_pixels


@dataclass(frozen=True)
class AugmentConfig:
    """Strengths of each augmentation (0 or 1.0 scale minimum turns one off)."""

    crop_scale_min: float = 0.3  # random resized crop keeps this fraction of the area at least
    flip_p: float = 0.5  # probability of a left-right flip
    jitter: float = 0.4  # brightness and contrast change by up to +-jitter
    jitter_p: float = 0.8  # probability of the brightness/contrast jitter
    blur_p: float = 0.0  # probability of a Gaussian blur (sigma 0.1-1.0)
    noise_std: float = 0.0  # standard deviation of added Gaussian noise (pixels in [0, 1])
    erase_p: float = 0.0  # probability of erasing a random rectangle

    def __post_init__(self) -> None:
        """Refuse strengths outside their valid ranges."""
        for name in ("flip_p", "jitter_p", "blur_p", "erase_p"):
            check_number(getattr(self, name), name, 0, 1, "a probability: 0 (off) to 1 (always)")
        fix = "keep a share of the area in (0, 1]: 1.0 turns cropping off"
        check_number(self.crop_scale_min, "crop_scale_min", 0, 1, fix, open_low=True)
        check_number(self.jitter, "jitter", 0, 0.99, "brightness changes by up to +-jitter < 1")
        check_number(self.noise_std, "noise_std", 0, 1, "a standard deviation in pixels (0-1)")


NO_AUGMENT = AugmentConfig(crop_scale_min=1.0, flip_p=0.0, jitter=0.0, jitter_p=0.0)
WEAK = AugmentConfig(crop_scale_min=0.8, flip_p=0.5, jitter=0.1, jitter_p=0.5)
STRONG = AugmentConfig()
# SimCLR's default for Fashion-MNIST: STRONG with milder crops (at least half the area), the best
# of the crop scales measured for the 100-label probe (data/reference/simclr_fmnist/README.md)
SIMCLR = replace(STRONG, crop_scale_min=0.5)


def to_float_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Return uint8 images (N, H, W) or (N, 1, H, W), or floats in [0, 1], as floats in [0, 1]
    shaped (N, 1, H, W); refuse other shapes, dtypes and float images on the 0-255 scale."""
    if not isinstance(images, torch.Tensor) or images.ndim not in (3, 4):
        fix = "pass a batch: images[None] for one (H, W) image; torch.as_tensor for arrays"
        raise bad_input(name, "a tensor of images shaped (N, H, W) or (N, 1, H, W)", images, fix)
    if images.ndim == 3:
        images = images.unsqueeze(1)
    if images.shape[1] != 1:
        fix = "convert to grayscale (e.g. .mean(1, keepdim=True)), or put channels second"
        raise bad_input(name, "grayscale images with 1 channel (N, 1, H, W)", images, fix)
    check_pixels(images, name)
    if images.dtype == torch.uint8:
        return images.float() / 255.0
    return images.float()


def check_augment(augment: object) -> object:
    """Return `augment` if it can be called on a batch (a module from make_augment)."""
    if not callable(augment) or isinstance(augment, AugmentConfig):
        fix = "turn a config into a pipeline first: make_augment(config)"
        raise bad_input("augment", "a callable pipeline", augment, fix)
    return augment


def make_augment(config: AugmentConfig = STRONG, size: int = 28) -> nn.Module:
    """Return a kornia pipeline that augments a float batch (N, 1, size, size) in [0, 1]."""
    if not isinstance(config, AugmentConfig):
        fix = "build one: AugmentConfig(crop_scale_min=0.5), or use STRONG / WEAK / SIMCLR"
        raise bad_input("config", "an AugmentConfig", config, fix)
    size = check_int(size, "size", 8, "pass the image side in pixels (28 for Fashion-MNIST)")
    steps: list[nn.Module] = []
    if config.crop_scale_min < 1.0:
        steps.append(
            K.RandomResizedCrop(
                (size, size), scale=(config.crop_scale_min, 1.0), cropping_mode="resample"
            )
        )
    if config.flip_p > 0:
        steps.append(K.RandomHorizontalFlip(p=config.flip_p))
    if config.jitter > 0 and config.jitter_p > 0:
        low, high = 1.0 - config.jitter, 1.0 + config.jitter
        steps.append(K.RandomBrightness((low, high), p=config.jitter_p))
        steps.append(K.RandomContrast((low, high), p=config.jitter_p))
    if config.blur_p > 0:
        steps.append(K.RandomGaussianBlur(3, (0.1, 1.0), p=config.blur_p))
    if config.noise_std > 0:
        steps.append(K.RandomGaussianNoise(std=config.noise_std, p=1.0))
    if config.erase_p > 0:
        steps.append(K.RandomErasing(scale=(0.02, 0.2), p=config.erase_p))
    if not steps:
        return nn.Identity()
    return K.AugmentationSequential(*steps)


def two_views(images: torch.Tensor, augment: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Return two independent augmentations of the same batch: a batch of positive pairs."""
    batch = to_float_images(images)
    check_augment(augment)
    with torch.no_grad():
        return augment(batch).clamp(0, 1), augment(batch).clamp(0, 1)


def show_pairs(
    images: torch.Tensor, config: AugmentConfig = STRONG, n: int = 8, seed: int = 0, title: str = ""
) -> plt.Figure:
    """Plot n images (top row) and two augmented views of each (rows 2 and 3)."""
    originals = to_float_images(images)
    n = check_int(n, "n", 1)
    if n > len(originals):
        fix = f"ask for at most {len(originals)} or pass more images"
        raise bad_input("n", f"at most the {len(originals)} images given", n, fix)
    torch.manual_seed(seed)
    originals = originals[:n]
    view1, view2 = two_views(originals, make_augment(config, size=originals.shape[-1]))
    fig, axes = plt.subplots(3, n, figsize=(1.1 * n, 3.6), squeeze=False)
    for row, (label, batch) in enumerate(
        (("image", originals), ("view 1", view1), ("view 2", view2))
    ):
        for col in range(n):
            ax = axes[row, col]
            ax.imshow(batch[col, 0].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=9)
    fig.suptitle(title or describe(config), fontsize=9)
    fig.tight_layout()
    return fig


ONE_AT_A_TIME = {
    "crop (position, scale)": replace(NO_AUGMENT, crop_scale_min=0.3),
    "flip (left/right)": replace(NO_AUGMENT, flip_p=0.5),
    "brightness/contrast": replace(NO_AUGMENT, jitter=0.6, jitter_p=1.0),
    "blur (sharpness)": replace(NO_AUGMENT, blur_p=1.0),
    "noise (pixel noise)": replace(NO_AUGMENT, noise_std=0.1),
    "erasing (occlusion)": replace(NO_AUGMENT, erase_p=1.0),
}


def augmentation_gallery(
    image: torch.Tensor, configs: dict[str, AugmentConfig] | None = None, n: int = 8, seed: int = 0
) -> plt.Figure:
    """Plot one image augmented n times by each config (one row per config)."""
    configs = ONE_AT_A_TIME if configs is None else configs
    if not isinstance(image, torch.Tensor) or image.ndim != 2:
        fix = "pass one image, e.g. images[0]"
        raise bad_input("image", "one image (H, W)", image, fix)
    if not isinstance(configs, dict) or not configs:
        raise bad_input(
            "configs", "a non-empty {name: AugmentConfig}", configs, "e.g. ONE_AT_A_TIME"
        )
    bad = next((c for c in configs.values() if not isinstance(c, AugmentConfig)), None)
    if bad is not None:
        raise bad_input("configs", "AugmentConfig values", bad, "build each with AugmentConfig()")
    n = check_int(n, "n", 1)
    torch.manual_seed(seed)
    batch = to_float_images(image.unsqueeze(0).repeat(n, 1, 1), "image")
    fig, axes = plt.subplots(len(configs), n, figsize=(1.0 * n, 1.05 * len(configs)), squeeze=False)
    for row, (name, config) in enumerate(configs.items()):
        with torch.no_grad():
            views = make_augment(config, size=batch.shape[-1])(batch).clamp(0, 1)
        for col in range(n):
            axes[row, col].imshow(views[col, 0].numpy(), cmap="gray", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def describe(config: AugmentConfig) -> str:
    """Return a one-line summary of the strengths, e.g. for a plot title."""
    return ", ".join(f"{k}={v:g}" for k, v in asdict(config).items())


def explorer(images: torch.Tensor, n: int = 8):
    """Return an ipywidgets explorer: one slider per augmentation strength, the pairs redrawn."""
    to_float_images(images)
    check_int(n, "n", 1)
    sliders = {
        f.name: widgets.FloatSlider(
            value=getattr(STRONG, f.name),
            min=0.05 if f.name == "crop_scale_min" else 0.0,
            max=0.95 if f.name == "jitter" else 1.0,
            step=0.05,
            description=f.name,
            continuous_update=False,
            style={"description_width": "110px"},
        )
        for f in fields(AugmentConfig)
    }
    seed = widgets.IntSlider(value=0, min=0, max=20, description="seed")
    out = widgets.Output()

    def redraw(_=None) -> None:
        config = replace(STRONG, **{k: s.value for k, s in sliders.items()})
        with out:
            out.clear_output(wait=True)
            fig = show_pairs(images, config, n=n, seed=seed.value)
            display(fig)
            plt.close(fig)

    for slider in [*sliders.values(), seed]:
        slider.observe(redraw, names="value")
    redraw()
    return widgets.HBox([widgets.VBox([*sliders.values(), seed]), out])
