"""Own images into the encoders' layout: arrays, tensors and folders of files; bad input refused."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from course_lib.core.validate import BadInput
from course_lib.data.images import encode_labels, load_image_folder, load_images


def save(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array (H, W) or (H, W, 3) as an image file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def pet_folder(root: Path) -> Path:
    """Two classes of different sizes and modes: bright gray 'cats', dark RGB 'dogs'."""
    rng = np.random.default_rng(0)
    for i in range(3):
        save(root / "cats" / f"c{i}.png", rng.integers(200, 256, (20 + i, 30), dtype=np.uint8))
        save(root / "dogs" / f"d{i}.png", rng.integers(0, 50, (40, 24 + i, 3), dtype=np.uint8))
    save(root / "dogs" / "d9.jpg", np.full((16, 16, 3), 30, dtype=np.uint8))
    (root / "dogs" / "notes.txt").write_text("not an image: skipped")
    return root


def test_a_class_folder_gives_resized_images_and_subfolder_labels(tmp_path):
    images, labels = load_image_folder(pet_folder(tmp_path / "pets"), size=12)
    assert images.dtype == torch.uint8 and images.shape == (7, 3, 12, 12)  # dogs are colour
    assert labels == ["cats"] * 3 + ["dogs"] * 4
    assert images[:3].float().mean() > 190 and images[3:].float().mean() < 60
    assert torch.equal(images[0, 0], images[0, 1])  # gray files repeated into RGB
    gray, _ = load_image_folder(tmp_path / "pets", size=12, channels=1)
    assert gray.shape == (7, 1, 12, 12)
    assert torch.equal(load_images(tmp_path / "pets", size=12, channels=1), gray)


def test_arrays_in_every_layout_give_the_same_channels_first_images():
    rng = np.random.default_rng(1)
    last = rng.integers(0, 256, (5, 20, 30, 3), dtype=np.uint8)
    first = load_images(np.moveaxis(last, -1, 1), size=16)
    assert torch.equal(load_images(last, size=16), first)
    assert torch.equal(load_images(torch.from_numpy(last), size=16), first)
    assert first.shape == (5, 3, 16, 16)
    gray = load_images(last, size=20, channels=1)  # cropped to 20x20, not resized
    assert gray.shape == (5, 1, 20, 20)
    luma = load_images(last, size=20).float() * torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)
    assert (gray[:, 0].float() - luma.sum(1)).abs().max() <= 0.5


def test_a_npy_file_and_a_big_jpeg_load_like_the_array_they_hold(tmp_path):
    rng = np.random.default_rng(3)
    smooth = np.kron(rng.integers(0, 256, (2, 6, 8, 3), dtype=np.uint8), np.ones((1, 50, 50, 1)))
    photos = smooth.astype(np.uint8)  # two 300x400 RGB 'photos' of flat 50 px tiles
    np.save(tmp_path / "mine.npy", photos)
    expected = load_images(photos, size=24)
    assert torch.equal(load_images(tmp_path / "mine.npy", size=24), expected)
    save(tmp_path / "photos" / "a.jpg", photos[0])
    save(tmp_path / "photos" / "b.jpg", photos[1])
    from_jpeg = load_images(tmp_path / "photos", size=24)  # decoded at a reduced scale first
    assert from_jpeg.shape == expected.shape
    assert (from_jpeg.float() - expected.float()).abs().mean() < 8  # JPEG loss and scaling only


def test_an_image_already_the_right_size_is_unchanged_and_aspect_is_kept():
    square = np.random.default_rng(2).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    assert torch.equal(load_images(square, size=28)[:, 0], torch.from_numpy(square))
    wide = np.zeros((1, 10, 30), dtype=np.uint8)
    wide[:, :, 10:20] = 255  # the middle third: what a center crop keeps
    assert load_images(wide, size=10).min() == 255


def test_labels_become_ids_in_sorted_class_order():
    ids, names = encode_labels(["dog", "cat", "dog", "bird"])
    assert ids.tolist() == [2, 1, 2, 0] and names == ["bird", "cat", "dog"]
    ids, names = encode_labels(torch.tensor([7, 3, 7]))
    assert ids.tolist() == [1, 0, 1] and names == ["3", "7"]


def folder_without_classes(root: Path) -> Path:
    save(root / "a.png", np.zeros((10, 10), dtype=np.uint8))
    return root


def folder_with_stray_image(root: Path) -> Path:
    pet_folder(root)
    return folder_without_classes(root)


def folder_with_empty_class(root: Path) -> Path:
    pet_folder(root)
    (root / "birds").mkdir()
    return root


def folder_with_broken_file(root: Path) -> Path:
    pet_folder(root)
    (root / "cats" / "broken.png").write_bytes(b"not a png")
    return root


def folder_with_tiny_image(root: Path) -> Path:
    pet_folder(root)
    save(root / "cats" / "tiny.png", np.zeros((4, 30), dtype=np.uint8))
    return root


U8 = np.zeros((3, 10, 10), dtype=np.uint8)
BAD_ARRAYS = [
    (np.random.default_rng(0).random((3, 10, 10)), r"source: expected uint8.*multiply by 255"),
    (torch.rand(3, 10, 10), r"source: expected uint8.*Fix: expected uint8 0-255"),
    (U8.astype(np.int64), r"source: expected uint8.*Fix: use \.astype\(np\.uint8\)"),
    ([[0, 1], [2, 3]], r"source: expected a uint8 numpy array.*Fix:"),
    (np.zeros((10, 10), dtype=np.uint8), r"source: expected 3 or 4 dimensions.*Fix: for one image"),
    (np.zeros((2, 2, 10, 10, 3), dtype=np.uint8), r"source: expected 3 or 4 dimensions.*Fix:"),
    (np.zeros((20, 20, 3), dtype=np.uint8), r"source: expected a batch.*Fix: one image\?"),
    (np.zeros((2, 10, 10, 4), dtype=np.uint8), r"source: expected 1 \(gray\).*Fix: drop the alpha"),
    (np.zeros((2, 5, 10, 10), dtype=np.uint8), r"source: expected 1 \(gray\).*Fix: convert"),
    (np.zeros((0, 10, 10), dtype=np.uint8), r"source: expected at least one image.*Fix:"),
    (np.zeros((2, 6, 10), dtype=np.uint8), r"source: expected images at least 8 px.*Fix:"),
]
BAD_CALLS = [
    (lambda tmp: load_images(U8, size=4), r"size: expected an int >= 8.*Fix:"),
    (lambda tmp: load_images(U8, size=12.5), r"size: expected an int.*Fix:"),
    (lambda tmp: load_images(U8, channels=2), r"channels: expected one of \[1, 3\].*Fix:"),
    (lambda tmp: load_images(tmp / "nowhere"), r"source: expected an existing folder.*Fix:"),
    (lambda tmp: load_images(tmp), r"source: expected image files.*Fix: add images"),
    (lambda tmp: load_image_folder(tmp), r"folder: expected one subfolder per class.*Fix:"),
    (
        lambda tmp: load_image_folder(folder_without_classes(tmp)),
        r"folder: expected one subfolder per class.*Fix: put each class",
    ),
    (
        lambda tmp: load_image_folder(folder_with_stray_image(tmp)),
        r"folder: expected images only inside class subfolders.*'a\.png'.*Fix:",
    ),
    (
        lambda tmp: load_image_folder(folder_with_empty_class(tmp)),
        r"folder: expected image files in every class subfolder.*'birds'.*Fix:",
    ),
    (
        lambda tmp: load_image_folder(folder_with_broken_file(tmp)),
        r"source: expected readable image files.*cats/broken\.png.*Fix: remove or re-save",
    ),
    (
        lambda tmp: load_images(folder_with_tiny_image(tmp)),
        r"source: expected images at least 8 px.*cats/tiny\.png.*Fix:",
    ),
    (lambda tmp: load_image_folder(tmp, channels=4), r"channels: expected one of.*Fix:"),
    (lambda tmp: encode_labels([0.0, 1.0]), r"labels: expected one int or string.*Fix: use ints"),
    (lambda tmp: encode_labels([1, "cat"]), r"labels: expected one int or string.*Fix:"),
    (lambda tmp: encode_labels("cats"), r"labels: expected a list of labels.*Fix:"),
]


@pytest.mark.parametrize("source, match", BAD_ARRAYS)
def test_bad_arrays_are_refused_with_a_fix(source, match):
    with pytest.raises(BadInput, match=match):
        load_images(source)


@pytest.mark.parametrize("call, match", BAD_CALLS)
def test_bad_arguments_and_folders_are_refused_with_a_fix(tmp_path, call, match):
    with pytest.raises(BadInput, match=match):
        call(tmp_path)
