"""Your own images, ready for the course's encoders: from an array, a tensor or a folder of files.

The layout the course's encoders take (`vision.encoders.ConvEncoder`, `vision.augment`) is
channels first: uint8 images shaped (N, C, size, size) with C = 1 (gray) or 3 (RGB), values 0-255,
turned into floats in [0, 1] only at the encoder's door (`vision.simclr.float_images`).
Fashion-MNIST's (N, 28, 28) is the same thing with the channel left out.

Every image is made square without stretching: the longer side is center-cropped to the shorter
one, then the square is resized to `size` x `size` (bilinear, antialiased). Images of different
sizes are all brought to `size`; an image already `size` x `size` is returned unchanged. Files are
decoded one at a time (big JPEGs at a reduced scale first, Pillow's `draft`), so a folder of large
photos needs memory for the small images only.

    images = load_images("my_photos/", size=32)            # unlabeled: every image file
    images = load_images(np.load("mine.npy"))              # or a uint8 array / tensor (or the .npy path)
    images, labels = load_image_folder("pets/", size=32)   # labeled: pets/cats/*.jpg, pets/dogs/*.png
"""

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from course_lib.core.validate import bad_input, check_choice, check_int

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MIN_SIDE = 8  # smaller images cannot go through the encoder's pooling
GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as Pillow's convert("L")
FLOAT_FIX = (
    "expected uint8 0-255; if yours are floats in [0,1] multiply by 255 and .astype(np.uint8)"
)


def square_resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Return uint8 images (N, C, H, W) center-cropped to a square and resized to size x size."""
    height, width = images.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    images = images[..., top : top + side, left : left + side]
    if side == size:
        return images.contiguous()
    resized = torch.nn.functional.interpolate(
        images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False
    )
    return resized.round().clamp(0, 255).to(torch.uint8)


def set_channels(images: torch.Tensor, channels: int | None) -> torch.Tensor:
    """Return uint8 images (N, C, H, W) with `channels` channels (gray <-> RGB; None keeps C)."""
    if channels is None or images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    weights = torch.tensor(GRAY_WEIGHTS).view(1, 3, 1, 1)
    gray = (images.float() * weights).sum(1, keepdim=True)
    return gray.round().clamp(0, 255).to(torch.uint8)


def channels_first(array: torch.Tensor, name: str) -> torch.Tensor:
    """Return an image batch (N, H, W), (N, H, W, C) or (N, C, H, W), C in {1, 3}, as (N, C, H, W)."""
    if array.ndim == 3 and array.shape[-1] in (3, 4) and min(array.shape[:2]) >= MIN_SIDE:
        raise bad_input(
            name, "a batch of images (N, H, W, 3)", array, f"one image? use {name}[None]"
        )
    if array.ndim == 3:
        return array.unsqueeze(1)
    if array.ndim != 4:
        fix = (
            f"for one image use {name}[None]"
            if array.ndim == 2
            else "pass (N, H, W) or (N, H, W, 3)"
        )
        raise bad_input(
            name, "3 or 4 dimensions: (N, H, W), (N, H, W, 3) or (N, 3, H, W)", array, fix
        )
    if array.shape[-1] in (1, 3):
        return array.permute(0, 3, 1, 2)
    if array.shape[1] in (1, 3):
        return array
    fix = (
        f"drop the alpha channel: {name}[..., :3]" if 4 in (array.shape[1], array.shape[-1]) else ""
    )
    raise bad_input(
        name, "1 (gray) or 3 (RGB) channels, first or last", array, fix or "convert to gray or RGB"
    )


def check_images_array(source: object, name: str = "source") -> torch.Tensor:
    """Return a uint8 image array or tensor as a tensor (N, C, H, W); raise BadInput otherwise."""
    if not isinstance(source, np.ndarray | torch.Tensor):
        raise bad_input(
            name, "a uint8 numpy array, a tensor or a folder", source, "see load_images"
        )
    dtype = str(source.dtype).replace("torch.", "")
    if dtype != "uint8":
        fix = (
            FLOAT_FIX if dtype.startswith(("float", "bfloat")) else "use .astype(np.uint8) (0-255)"
        )
        raise bad_input(name, "uint8 images 0-255", source, fix)
    images = channels_first(torch.as_tensor(source), name)
    if len(images) == 0:
        raise bad_input(name, "at least one image", source, "pass a non-empty array")
    if min(images.shape[-2:]) < MIN_SIDE:
        raise bad_input(
            name, f"images at least {MIN_SIDE} px on each side", source, "use bigger images"
        )
    return images


def image_files(folder: Path) -> list[Path]:
    """Return the image files directly in `folder`, sorted by name (hidden files skipped)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )


def class_folders(folder: Path) -> list[Path]:
    """Return the subfolders of `folder`, sorted by name (hidden ones such as .ipynb_checkpoints skipped)."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def open_image(path: Path, root: Path) -> Image.Image:
    """Return one image file opened (header read, pixels not yet decoded); BadInput names it."""
    try:
        return Image.open(path)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise unreadable(path, root, error) from error


def unreadable(path: Path, root: Path, error: Exception) -> Exception:
    """Return (to raise) the BadInput for an image file that cannot be read."""
    name = path.relative_to(root).as_posix()
    return bad_input(
        "source", "readable image files", name, f"remove or re-save {name!r} ({error})"
    )


def is_gray(mode: str) -> bool:
    """Return whether a Pillow image mode has no colour (1, L, LA, I, I;16, F)."""
    return mode in ("1", "L", "LA", "I", "I;16", "F")


def read_image(path: Path, root: Path, size: int, channels: int) -> torch.Tensor:
    """Return one image file decoded (upright as its EXIF says), squared and resized: uint8
    (1, channels, size, size)."""
    mode = "L" if channels == 1 else "RGB"
    with open_image(path, root) as image:
        try:
            image.draft(mode, (size, size))  # JPEG: decode at a smaller scale, still >= size
            picture = ImageOps.exif_transpose(image).convert(mode)
        except (OSError, ValueError) as error:
            raise unreadable(path, root, error) from error
    if min(picture.size) < MIN_SIDE:
        name = path.relative_to(root).as_posix()
        raise bad_input(
            "source", f"images at least {MIN_SIDE} px on each side", name, f"remove {name!r}"
        )
    array = torch.from_numpy(np.array(picture)).reshape(1, picture.height, picture.width, -1)
    return square_resize(array.permute(0, 3, 1, 2), size)


def images_from_files(
    paths: list[Path], root: Path, size: int, channels: int | None
) -> torch.Tensor:
    """Return image files decoded, squared and resized: uint8 (N, C, size, size)."""
    if channels is None:
        with_colour = False
        for path in paths:
            with open_image(path, root) as image:
                with_colour = with_colour or not is_gray(image.mode)
        channels = 3 if with_colour else 1
    return torch.cat([read_image(path, root, size, channels) for path in paths])


def check_folder(source: object) -> Path:
    """Return `source` as an existing folder; raise BadInput otherwise."""
    folder = Path(source)
    if not folder.is_dir():
        fix = "check the path (a folder of image files, or a .npy file of a uint8 array)"
        raise bad_input("source", "an existing folder of images", str(source), fix)
    return folder


def load_images(
    source: np.ndarray | torch.Tensor | str | Path, size: int = 32, channels: int | None = None
) -> torch.Tensor:
    """Return images as uint8 (N, C, size, size), C = `channels` (None: 1 if all are gray, else 3).

    `source`: a uint8 array or tensor (N, H, W), (N, H, W, 3) or (N, 3, H, W) (or a .npy file of
    one), or a folder of image files (PNG, JPEG, ...), taken from the folder itself and its
    subfolders, sorted by name.
    """
    size = check_int(size, "size", MIN_SIDE, fix=f"pass a side in pixels >= {MIN_SIDE}, e.g. 32")
    if channels is not None:
        check_choice(channels, "channels", (1, 3))
    if isinstance(source, str | Path) and Path(source).suffix == ".npy" and Path(source).is_file():
        source = np.load(source, allow_pickle=False)
    if isinstance(source, str | Path):
        folder = check_folder(source)
        paths = image_files(folder) + [p for c in class_folders(folder) for p in image_files(c)]
        if not paths:
            raise bad_input("source", f"image files {IMAGE_SUFFIXES}", str(source), "add images")
        return images_from_files(paths, folder, size, channels)
    images = check_images_array(source)
    return square_resize(set_channels(images, channels), size)


def load_image_folder(
    folder: str | Path, size: int = 32, channels: int | None = None
) -> tuple[torch.Tensor, list[str]]:
    """Return the images of `folder`'s class subfolders (uint8 (N, C, size, size), as load_images)
    and each image's label: the name of its subfolder (e.g. pets/cats/1.jpg -> 'cats')."""
    size = check_int(size, "size", MIN_SIDE, fix=f"pass a side in pixels >= {MIN_SIDE}, e.g. 32")
    if channels is not None:
        check_choice(channels, "channels", (1, 3))
    root = check_folder(folder)
    classes = class_folders(root)
    if not classes:
        fix = "put each class's images in its own subfolder (cats/, dogs/), or use load_images"
        raise bad_input("folder", "one subfolder per class", str(folder), fix)
    if image_files(root):
        fix = "move them into their class's subfolder"
        raise bad_input(
            "folder", "images only inside class subfolders", image_files(root)[0].name, fix
        )
    paths, labels = [], []
    for class_folder in classes:
        files = image_files(class_folder)
        if not files:
            fix = "add images to it or remove it"
            raise bad_input(
                "folder", "image files in every class subfolder", class_folder.name, fix
            )
        paths += files
        labels += [class_folder.name] * len(files)
    return images_from_files(paths, root, size, channels), labels


def describe_images(images: torch.Tensor) -> str:
    """Return e.g. '1,200 images 32x32 RGB' for uint8 images (N, H, W) or (N, C, H, W)."""
    n, c, h, w = channels_first(images, "images").shape
    return f"{n:,} images {h}x{w} {'gray' if c == 1 else 'RGB'}"


def encode_labels(labels: object, name: str = "labels") -> tuple[np.ndarray, list[str]]:
    """Return labels (ints or strings) as class ids 0..K-1 in sorted class order, and the K names."""
    if isinstance(labels, str | bytes) or not hasattr(labels, "__len__"):
        raise bad_input(name, "a list of labels (ints or strings)", labels, "pass one per image")
    items = labels.tolist() if isinstance(labels, np.ndarray | torch.Tensor) else list(labels)
    values = np.asarray(items)
    kinds = {isinstance(v, str) for v in items} if values.ndim == 1 else {True, False}
    if len(kinds) > 1 or not (np.issubdtype(values.dtype, np.str_) or values.dtype.kind in "iu"):
        fix = "use ints or strings, e.g. [int(y) for y in labels] (floats and mixed types are ambiguous)"
        raise bad_input(name, "one int or string label per image", labels, fix)
    classes, ids = np.unique(values, return_inverse=True)
    return ids.astype(np.int64), [str(c) for c in classes]
