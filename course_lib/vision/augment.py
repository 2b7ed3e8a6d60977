"""Augmentations for contrastive learning on gray (28x28 Fashion-MNIST) or RGB images, with kornia.

Two random augmentations of one image make a positive pair; whatever the augmentations change
(position, scale, left/right, brightness, sharpness) is what the encoder learns to ignore.
`AugmentConfig` holds every strength in one place; `make_augment` turns it into a kornia pipeline
that works on whole batches at once.

Colour images get SimCLR's colour distortion on top (saturation and hue jitter, random grayscale;
Chen et al. 2020): without it two views of an image share their colours, and matching views by
colour alone is a shortcut that teaches the encoder nothing about shapes. Gray images never get
it: their pipeline, its random draws and its outputs are those of the gray-only course.
"""

from dataclasses import asdict, dataclass, field, fields, replace

import ipywidgets as widgets
import kornia.augmentation as K
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from torch import nn

from course_lib.core.validate import (
    bad_input,
    check_choice,
    check_int,
    check_number,
    check_pixels,
)


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
    # colour distortion, RGB images only (SimCLR's, at CIFAR strength; gray images ignore these,
    # and so does the repr, which prints what gray images get: describe(config, 3) shows them)
    saturation: float = field(default=0.4, repr=False)  # by up to +-saturation (p = jitter_p)
    hue: float = field(default=0.1, repr=False)  # by up to +-hue of a full turn (p = jitter_p)
    grayscale_p: float = field(default=0.2, repr=False)  # probability of turning the view gray

    def __post_init__(self) -> None:
        """Refuse strengths outside their valid ranges."""
        for name in ("flip_p", "jitter_p", "blur_p", "erase_p", "grayscale_p"):
            check_number(getattr(self, name), name, 0, 1, "a probability: 0 (off) to 1 (always)")
        fix = "keep a share of the area in (0, 1]: 1.0 turns cropping off"
        check_number(self.crop_scale_min, "crop_scale_min", 0, 1, fix, open_low=True)
        check_number(self.jitter, "jitter", 0, 0.99, "brightness changes by up to +-jitter < 1")
        check_number(self.noise_std, "noise_std", 0, 1, "a standard deviation in pixels (0-1)")
        check_number(self.saturation, "saturation", 0, 0.99, "saturation changes by < +-1")
        check_number(self.hue, "hue", 0, 0.5, "a share of a full turn of hue, 0 to 0.5")


COLOUR_FIELDS = ("saturation", "hue", "grayscale_p")  # used on RGB images only
NO_COLOUR = {"saturation": 0.0, "hue": 0.0, "grayscale_p": 0.0}
NO_AUGMENT = AugmentConfig(crop_scale_min=1.0, flip_p=0.0, jitter=0.0, jitter_p=0.0, **NO_COLOUR)
WEAK = AugmentConfig(
    crop_scale_min=0.8,
    flip_p=0.5,
    jitter=0.1,
    jitter_p=0.5,
    saturation=0.1,
    hue=0.02,
    grayscale_p=0,
)
STRONG = AugmentConfig()
# SimCLR's default for Fashion-MNIST: STRONG with milder crops (at least half the area), the best
# of the crop scales measured for the 100-label probe (data/reference/simclr_fmnist/RECIPE_NOTES.md)
SIMCLR = replace(STRONG, crop_scale_min=0.5)


def to_float_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Return gray or RGB images, uint8 (N, H, W) or (N, C, H, W) with C = 1 or 3, or floats in
    [0, 1], as floats in [0, 1] shaped (N, C, H, W); refuse other shapes, dtypes and float images
    on the 0-255 scale."""
    if not isinstance(images, torch.Tensor) or images.ndim not in (3, 4):
        fix = "pass a batch: images[None] for one (H, W) image; torch.as_tensor for arrays"
        raise bad_input(name, "a tensor of images shaped (N, H, W) or (N, C, H, W)", images, fix)
    if images.ndim == 3:
        images = images.unsqueeze(1)
    if images.shape[1] not in (1, 3):
        fix = "put the channels second, (N, C, H, W); load images with data.images.load_images"
        raise bad_input(name, "1 (gray) or 3 (RGB) channels", images, fix)
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


def make_augment(config: AugmentConfig = STRONG, size: int = 28, channels: int = 1) -> nn.Module:
    """Return a kornia pipeline that augments a float batch (N, channels, size, size) in [0, 1];
    for channels=3 with the colour distortion (saturation, hue, random grayscale) after the jitter."""
    if not isinstance(config, AugmentConfig):
        fix = "build one: AugmentConfig(crop_scale_min=0.5), or use STRONG / WEAK / SIMCLR"
        raise bad_input("config", "an AugmentConfig", config, fix)
    size = check_int(size, "size", 8, "pass the image side in pixels (28 for Fashion-MNIST)")
    check_choice(channels, "channels", (1, 3))
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
    if channels == 3:  # SimCLR's order: crop, flip, colour jitter, grayscale, blur
        steps.extend(colour_steps(config))
    if config.blur_p > 0:
        steps.append(K.RandomGaussianBlur(3, (0.1, 1.0), p=config.blur_p))
    if config.noise_std > 0:
        steps.append(K.RandomGaussianNoise(std=config.noise_std, p=1.0))
    if config.erase_p > 0:
        steps.append(K.RandomErasing(scale=(0.02, 0.2), p=config.erase_p))
    if not steps:
        return nn.Identity()
    return K.AugmentationSequential(*steps)


def colour_steps(config: AugmentConfig) -> list[nn.Module]:
    """Return SimCLR's colour distortion for RGB batches: saturation/hue jitter, random grayscale."""
    steps: list[nn.Module] = []
    if (config.saturation > 0 or config.hue > 0) and config.jitter_p > 0:
        steps.append(K.ColorJitter(saturation=config.saturation, hue=config.hue, p=config.jitter_p))
    if config.grayscale_p > 0:
        steps.append(K.RandomGrayscale(p=config.grayscale_p))
    return steps


def two_views(images: torch.Tensor, augment: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Return two independent augmentations of the same batch: a batch of positive pairs (build
    the pipeline with make_augment(config, channels=3) for RGB images)."""
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
    channels = originals.shape[1]
    pipeline = make_augment(config, size=originals.shape[-1], channels=channels)
    view1, view2 = two_views(originals, pipeline)
    fig, axes = plt.subplots(3, n, figsize=(1.1 * n, 3.6), squeeze=False)
    for row, (label, batch) in enumerate(
        (("image", originals), ("view 1", view1), ("view 2", view2))
    ):
        for col in range(n):
            ax = axes[row, col]
            ax.imshow(picture(batch[col]), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=9)
    fig.suptitle(title or describe(config, channels), fontsize=9)
    fig.tight_layout()
    return fig


def picture(image: torch.Tensor) -> np.ndarray:
    """Return one float image (C, H, W) as imshow takes it: (H, W) for gray, (H, W, 3) for RGB."""
    return image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()


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


def describe(config: AugmentConfig, channels: int = 1) -> str:
    """Return a one-line summary of the strengths used on images with `channels`, e.g. for a plot
    title (the colour ones only for RGB)."""
    used = asdict(config).items()
    return ", ".join(f"{k}={v:g}" for k, v in used if channels == 3 or k not in COLOUR_FIELDS)


def explorer(images: torch.Tensor, n: int = 8) -> widgets.HBox:
    """Return an ipywidgets explorer: one slider per augmentation strength, the pairs redrawn."""
    channels = to_float_images(images).shape[1]
    check_int(n, "n", 1)
    highest = {"jitter": 0.95, "saturation": 0.95, "hue": 0.5}
    sliders = {
        f.name: widgets.FloatSlider(
            value=getattr(STRONG, f.name),
            min=0.05 if f.name == "crop_scale_min" else 0.0,
            max=highest.get(f.name, 1.0),
            step=0.05,
            description=f.name,
            continuous_update=False,
            style={"description_width": "110px"},
        )
        for f in fields(AugmentConfig)
        if channels == 3 or f.name not in COLOUR_FIELDS
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
