"""The kornia augmentation pipelines: shapes, ranges, strengths and bad input."""

from dataclasses import replace

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.vision.augment import (
    NO_AUGMENT,
    SIMCLR,
    STRONG,
    WEAK,
    AugmentConfig,
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
    with pytest.raises(BadInput, match="grayscale"):
        to_float_images(torch.zeros(2, 3, 28, 28))
    with pytest.raises(BadInput, match="images shaped"):
        to_float_images(torch.zeros(28, 28))
    with pytest.raises(
        BadInput, match=r"images: expected float pixels in \[0, 1\] \(these span 0 to 25"
    ):
        to_float_images(images(4).float())  # 0-255 floats would all clamp to white
    assert torch.equal(to_float_images(images(4).float() / 255), to_float_images(images(4)))


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
    [{"crop_scale_min": 0.0}, {"flip_p": 1.5}, {"jitter": 1.0}, {"noise_std": -0.1}],
)
def test_bad_strengths_are_refused(kwargs):
    with pytest.raises(BadInput, match=f"{next(iter(kwargs))}: expected"):
        AugmentConfig(**kwargs)


def test_show_pairs_draws_three_rows():
    fig = show_pairs(images(), n=4)
    assert len(fig.axes) == 12
    with pytest.raises(BadInput, match="n: expected at most the 3 images given"):
        show_pairs(images(3), n=5)


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
