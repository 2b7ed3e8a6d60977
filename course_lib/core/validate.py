"""Checks for arguments at course_lib's public boundaries, with errors a learner can act on.

Every message names the argument, what was expected, what came, and the fix:

    n_classes: expected an int >= 2, got 1 (int). Fix: pass the number of distinct labels.

`BadInput` is both a ValueError and a TypeError, so code catching either still works.
"""

from collections.abc import Sequence

import numpy as np
import torch


class BadInput(ValueError, TypeError):
    """An argument that course_lib cannot use; the message says which, why and the fix."""


def describe(value: object) -> str:
    """Return a short description of a value for an error message: its repr and type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    if shape is not None:
        kind += f", shape {tuple(shape)}, dtype {getattr(value, 'dtype', '?')}"
    elif isinstance(value, Sequence) and not isinstance(value, str):
        kind += f" of {len(value)}"
    return f"{text} ({kind})" if shape is None else f"a {kind}"


def bad_input(name: str, expected: str, got: object, fix: str) -> BadInput:
    """Return (to raise) the error for argument `name`: expected, what came, and the fix."""
    return BadInput(f"{name}: expected {expected}, got {describe(got)}. Fix: {fix}")


def check_int(value: object, name: str, minimum: int | None = None, fix: str = "") -> int:
    """Return `value` if it is an int (not a bool) >= minimum; raise BadInput otherwise."""
    expected = "an int" + (f" >= {minimum}" if minimum is not None else "")
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or (minimum is not None and value < minimum):
        raise bad_input(name, expected, value, fix or f"pass a whole number{_at_least(minimum)}")
    return int(value)


def check_number(
    value: object,
    name: str,
    low: float | None = None,
    high: float | None = None,
    fix: str = "",
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """Return `value` as a float if it is a finite number in [low, high] (either end left out
    when open_low / open_high); raise BadInput otherwise."""
    lo = "" if low is None else f"{'>' if open_low else '>='} {low}"
    hi = "" if high is None else f"{'<' if open_high else '<='} {high}"
    expected = "a finite number" + (f" {lo}" if lo else "") + (f" and {hi}" if lo and hi else hi)
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = np.isfinite(value)
        ok = ok and (low is None or (value > low if open_low else value >= low))
        ok = ok and (high is None or (value < high if open_high else value <= high))
    if not ok:
        raise bad_input(name, expected.strip(), value, fix or f"pass a number {lo} {hi}".strip())
    return value


def check_choice(value: object, name: str, choices: Sequence) -> object:
    """Return `value` if it is one of `choices`; raise BadInput naming them otherwise."""
    if value not in choices:
        raise bad_input(name, f"one of {list(choices)}", value, "pick one of those")
    return value


def check_texts(texts: object, name: str = "texts", min_count: int = 1) -> list[str]:
    """Return `texts` as a list of strings; raise BadInput for a bare string, non-strings or
    too few texts."""
    if isinstance(texts, str | bytes):
        raise bad_input(name, "a list of texts", texts, f"wrap one text in a list: [{name}]")
    if not isinstance(texts, Sequence | np.ndarray) and not hasattr(texts, "__iter__"):
        raise bad_input(name, "a list of strings", texts, "pass a list of strings")
    texts = list(texts)
    odd = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if odd:
        fix = "convert each item with str() or drop it"
        raise bad_input(f"{name}[{odd[0]}]", "a string (a list of strings)", texts[odd[0]], fix)
    if len(texts) < min_count:
        raise bad_input(name, f"at least {min_count} texts", texts, "pass more texts")
    return texts


def check_tensor(
    value: object, name: str, ndim: int | None = None, dtype: str | None = None
) -> torch.Tensor | np.ndarray:
    """Return `value` if it is a tensor or array with `ndim` dimensions and (when given) a
    dtype kind ('int', 'float' or 'uint8'); raise BadInput otherwise."""
    if not isinstance(value, torch.Tensor | np.ndarray):
        raise bad_input(name, "a torch tensor or numpy array", value, "convert it first")
    if ndim is not None and value.ndim != ndim:
        raise bad_input(name, f"{ndim} dimensions", value, "reshape it (see the docstring)")
    if dtype is not None and _dtype_kind(value) != dtype:
        raise bad_input(name, f"dtype {dtype}", value, f"convert it, e.g. .astype/.to({dtype})")
    return value


def _dtype_kind(value: torch.Tensor | np.ndarray) -> str:
    """Return 'uint8', 'int', 'float', 'bool' or 'other' for a tensor's or array's dtype."""
    dtype = str(value.dtype).replace("torch.", "")
    if dtype == "uint8":
        return "uint8"
    if dtype.startswith(("int", "uint")):
        return "int"
    if dtype.startswith(("float", "bfloat")):
        return "float"
    return "bool" if dtype == "bool" else "other"


def _at_least(minimum: int | None) -> str:
    """Return ' >= minimum' for a fix message, or '' without a minimum."""
    return "" if minimum is None else f" >= {minimum}"


def check_labels(values: object, name: str = "labels", length: int | None = None) -> np.ndarray:
    """Return class labels as a 1-D array of ints or of strings (one kind); raise BadInput for
    floats (scores, probabilities), bools, mixed kinds, a wrong shape or length, or no labels."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise bad_input(
            name, "a 1-D sequence of class labels", values, "pass one label per example"
        )
    array = values if isinstance(values, np.ndarray) else np.asarray(list(values), dtype=object)
    if array.ndim != 1:
        fix = "for scores or one-hot rows take .argmax(1); for a column, .ravel()"
        raise bad_input(name, "a 1-D sequence of class labels", array, fix)
    if len(array) == 0:
        raise bad_input(name, "at least one label", values, "pass the labels of some examples")
    kind = labels_kind(array)
    if kind not in ("int", "str"):
        raise bad_input(
            name, "class labels: ints or strings (one kind)", values, _LABEL_FIXES[kind]
        )
    if length is not None and len(array) != length:
        raise bad_input(name, f"{length} labels (one per example)", values, "pass one per example")
    return array.astype(int if kind == "int" else str)


_LABEL_FIXES = {
    "float": "floats look like scores or probabilities: pass class labels (e.g. probs.argmax(1)); "
    "whole-number floats: .astype(int)",
    "bool": "pass ints, e.g. (scores > 0.5).astype(int)",
    "mixed": "use one kind for every label: all ints or all strings",
}


def labels_kind(array: np.ndarray) -> str:
    """Return 'int', 'str', 'float', 'bool' or 'mixed' for the items of a 1-D label array."""
    if array.dtype.kind in "iu":
        return "int"
    if array.dtype.kind in "US":
        return "str"
    if array.dtype.kind in "fc":
        return "float"
    if array.dtype.kind == "b":
        return "bool"
    kinds = {_item_kind(item) for item in array}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _item_kind(item: object) -> str:
    """Return the label kind of one item: 'bool', 'int', 'str', 'float' or 'mixed'."""
    if isinstance(item, bool | np.bool_):
        return "bool"
    if isinstance(item, int | np.integer):
        return "int"
    if isinstance(item, str | np.str_):
        return "str"
    return "float" if isinstance(item, float | np.floating) else "mixed"


def check_pixels(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Return `images` if they are uint8 (0-255) or finite floats in [0, 1]; raise BadInput for
    other dtypes, float images on the 0-255 scale, normalised (negative) pixels, NaNs or none."""
    if images.numel() == 0:
        raise bad_input(name, "at least one image", images, "pass a non-empty batch")
    if images.dtype == torch.uint8:
        return images
    if not images.is_floating_point():
        fix = "convert 0-255 integers with .to(torch.uint8)"
        raise bad_input(name, "uint8 (0-255) or float (0-1) pixels", images, fix)
    low, high = torch.stack(torch.aminmax(images)).tolist()  # one read-back, also on a GPU
    if not (np.isfinite(low) and np.isfinite(high)):
        fix = "the images hold NaN or inf: look at how they were made (a division by zero?)"
        raise bad_input(name, "finite pixels", images, fix)
    if low < -1e-4 or high > 1 + 1e-4:
        raise bad_input(
            name,
            f"float pixels in [0, 1] (these span {low:.4g} to {high:.4g})",
            images,
            "divide 0-255 floats by 255 (or pass the uint8 images); undo any normalisation",
        )
    return images
