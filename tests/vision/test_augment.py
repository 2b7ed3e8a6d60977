"""The kornia augmentation pipelines: shapes, ranges, strengths and bad input; gray pipelines
pinned to their outputs before colour distortion existed; colour distortion on RGB only."""

from dataclasses import replace

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.vision.augment import (
    NO_AUGMENT,
    NO_COLOUR,
    SIMCLR,
    STRONG,
    WEAK,
    AugmentConfig,
    describe,
    make_augment,
    show_pairs,
    to_float_images,
    two_views,
)


def images(n: int = 16) -> torch.Tensor:
    torch.manual_seed(0)
    return (torch.rand(n, 28, 28) * 255).to(torch.uint8)


def test_to_float_images_shapes_and_range():
    x = to_float_images(images(4))
    assert x.shape == (4, 1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    with pytest.raises(BadInput, match=r"images: expected 1 \(gray\) or 3 \(RGB\) channels.*Fix"):
        to_float_images(torch.zeros(2, 2, 28, 28))
    with pytest.raises(BadInput, match="images shaped"):
        to_float_images(torch.zeros(28, 28))
    with pytest.raises(
        BadInput, match=r"images: expected float pixels in \[0, 1\] \(these span 0 to 25"
    ):
        to_float_images(images(4).float())  # 0-255 floats would all clamp to white
    assert torch.equal(to_float_images(images(4).float() / 255), to_float_images(images(4)))


def test_to_float_images_takes_rgb_in_one_call():
    rgb = (torch.rand(2, 3, 8, 8) * 255).to(torch.uint8)
    x = to_float_images(rgb)
    assert x.shape == (2, 3, 8, 8) and torch.equal(x, rgb.float() / 255)
    assert torch.equal(to_float_images(x), x)
    with pytest.raises(BadInput, match=r"expected float pixels in \[0, 1\]"):
        to_float_images(rgb.float())


# Sums of the 32 views two_views(images(), make_augment(config)) draws, seeded 0 after images(), as
# the gray-only code (before colour distortion) computed them: (all views, views weighted by index)
GRAY_PINS = [
    (SIMCLR, 13187.9682, 204821.6022),
    (AugmentConfig(blur_p=1.0, noise_std=0.1, erase_p=1.0), 11796.7663, 183325.7393),
]


@pytest.mark.parametrize(("config", "total", "weighted"), GRAY_PINS)
def test_gray_pipelines_draw_what_they_drew_before_colour(config, total, weighted):
    batch = images()
    torch.manual_seed(0)
    per_view = torch.cat(two_views(batch, make_augment(config))).double().flatten(1).sum(1)
    assert per_view.sum().item() == pytest.approx(total, abs=1e-3)
    assert (per_view * torch.arange(32)).sum().item() == pytest.approx(weighted, abs=1e-2)
    torch.manual_seed(0)  # the colour strengths never touch gray images
    colourless = make_augment(replace(config, **NO_COLOUR))
    again = torch.cat(two_views(batch, colourless)).double().flatten(1).sum(1)
    assert torch.equal(again, per_view)


def test_colour_distortion_only_for_rgb():
    rgb = torch.rand(8, 3, 16, 16)
    gray_pipeline, rgb_pipeline = make_augment(SIMCLR), make_augment(SIMCLR, channels=3)
    names = [type(step).__name__ for step in rgb_pipeline.children()]
    assert names[-2:] == ["ColorJitter", "RandomGrayscale"]
    assert len(list(gray_pipeline.children())) == len(names) - 2
    all_gray = make_augment(replace(NO_AUGMENT, grayscale_p=1.0), size=16, channels=3)(rgb)
    assert torch.allclose(all_gray[:, :1].expand(-1, 3, -1, -1), all_gray)  # R = G = B
    torch.manual_seed(0)
    hue_only = make_augment(replace(NO_AUGMENT, hue=0.5, jitter_p=1.0), size=16, channels=3)
    turned = hue_only(rgb)
    assert not torch.allclose(turned, rgb)  # colours change ...
    assert torch.allclose(turned.amax(1), rgb.amax(1), atol=1e-4)  # ... brightest channel kept
    assert make_augment(replace(SIMCLR, **NO_COLOUR), 16, channels=3)(rgb).shape == rgb.shape
    assert "hue" in describe(SIMCLR, channels=3) and "hue" not in describe(SIMCLR) + repr(SIMCLR)
    with pytest.raises(BadInput, match=r"channels: expected one of \[1, 3\].*Fix"):
        make_augment(SIMCLR, channels=2)


def test_views_differ_keep_shape_and_range():
    torch.manual_seed(0)
    v1, v2 = two_views(images(), make_augment(STRONG))
    assert v1.shape == v2.shape == (16, 1, 28, 28)
    assert 0.0 <= v1.min() and v1.max() <= 1.0
    assert not torch.allclose(v1, v2)


def test_no_augment_is_identity_and_strength_orders_change():
    x = to_float_images(images())
    assert torch.equal(make_augment(NO_AUGMENT)(x), x)

    def change(config: AugmentConfig) -> float:
        torch.manual_seed(0)
        v1, v2 = two_views(x, make_augment(config))
        return (v1 - v2).abs().mean().item()

    assert change(WEAK) < change(STRONG)
    assert SIMCLR == replace(STRONG, crop_scale_min=0.5)  # the same pipeline, milder crops
    assert make_augment(SIMCLR)(x).shape == x.shape


def test_every_augmentation_can_be_switched_on():
    config = AugmentConfig(blur_p=1.0, noise_std=0.1, erase_p=1.0)
    out = make_augment(config)(to_float_images(images()))
    assert out.shape == (16, 1, 28, 28)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"crop_scale_min": 0.0},
        {"flip_p": 1.5},
        {"jitter": 1.0},
        {"noise_std": -0.1},
        {"saturation": 1.0},
        {"hue": 0.6},
        {"grayscale_p": -0.1},
    ],
)
def test_bad_strengths_are_refused(kwargs):
    with pytest.raises(BadInput, match=f"{next(iter(kwargs))}: expected"):
        AugmentConfig(**kwargs)


def test_show_pairs_draws_three_rows():
    fig = show_pairs(images(), n=4)
    assert len(fig.axes) == 12
    with pytest.raises(BadInput, match="n: expected at most the 3 images given"):
        show_pairs(images(3), n=5)
    rgb = show_pairs(torch.rand(4, 3, 16, 16), n=2)  # drawn in colour, titled with colour strengths
    assert (
        rgb.axes[1].images[0].get_array().shape == (16, 16, 3) and "hue" in rgb._suptitle.get_text()
    )


def test_gallery_and_explorer_build():
    import ipywidgets as widgets

    from course_lib.vision.augment import ONE_AT_A_TIME, augmentation_gallery, explorer

    fig = augmentation_gallery(images(1)[0], n=3)
    assert len(fig.axes) == 3 * len(ONE_AT_A_TIME)
    with pytest.raises(BadInput, match="image: expected one image"):
        augmentation_gallery(images(2))
    widget = explorer(images(4), n=2)
    assert isinstance(widget, widgets.HBox)
    sliders = widget.children[0].children
    sliders[0].value = 0.5  # moving a slider redraws without error
