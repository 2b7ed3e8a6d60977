"""Your own texts, into the course: from a list, a `datasets.Dataset` or a file (.txt, .jsonl,
.csv), with or without labels, and labels (ints or strings) turned into class ids.

    texts = load_texts("reviews.txt")                       # one text per line
    texts, labels = load_labeled("reviews.csv")             # columns "text" and "label"
    y, names = encode_labels(labels)                        # 'neg'/'pos' -> 0/1, ['neg', 'pos']
"""

import csv
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from course_lib.core.validate import bad_input, check_texts

if TYPE_CHECKING:
    from datasets import Dataset

SUFFIXES = (".txt", ".jsonl", ".csv")
EXPECTED = (
    "a list of texts, a datasets.Dataset or the path of an existing .txt, .jsonl or .csv file"
)


def load_texts(source: object, field: str = "text") -> list[str]:
    """Return the texts of `source`: a list/tuple/array of strings, a datasets.Dataset (column
    `field`), or a .txt (one text per line, blank lines skipped), .jsonl or .csv file."""
    if is_dataset(source):
        return check_nonblank(column(source, field, "field"), "source")
    path = as_path(source)
    if path is not None:
        return check_nonblank(read_file(path, field)[0], "source")
    if hasattr(source, "tolist") and not isinstance(source, str):  # numpy array, pandas Series
        source = source.tolist()
    if isinstance(source, list | tuple):
        return check_nonblank(check_texts(source, "source"), "source")
    raise bad_input("source", EXPECTED, source, "pass a list of strings or a file path")


def load_labeled(
    source: object, text_field: str = "text", label_field: str = "label"
) -> tuple[list[str], list]:
    """Return (texts, labels) of `source`: a (texts, labels) pair, a datasets.Dataset or a .jsonl
    or .csv file with columns `text_field` and `label_field`; checks lengths, no missing label
    and at least 2 classes."""
    if is_dataset(source):
        texts = column(source, text_field, "text_field")
        labels = column(source, label_field, "label_field", strings=False)
    elif (path := as_path(source)) is not None:
        if path.suffix.lower() == ".txt":
            raise bad_input(
                "source",
                "a .jsonl or .csv file with a text and a label per row",
                str(path.name),
                "a .txt file holds texts only: write a .csv with columns "
                f"'{text_field}' and '{label_field}' (or pass (texts, labels))",
            )
        texts, labels = read_file(path, text_field, label_field)
    elif isinstance(source, tuple) and len(source) == 2 and not isinstance(source[0], str):
        texts = check_texts(source[0], "texts")
        labels = list(np.asarray(source[1]).tolist()) if hasattr(source[1], "shape") else source[1]
        if isinstance(labels, str) or not isinstance(labels, Sequence):
            raise bad_input("labels", "a list of labels, one per text", labels, "pass a list")
        labels = list(labels)
    else:
        raise bad_input(
            "source",
            "a (texts, labels) pair, a datasets.Dataset or the path of a .jsonl or .csv file",
            source,
            "pass (texts, labels) with two lists of the same length",
        )
    if len(texts) != len(labels):
        raise bad_input(
            "labels",
            f"one label per text ({len(texts)} texts)",
            labels,
            "pass exactly one label for each text, in the same order",
        )
    check_nonblank(texts, "texts")
    encode_labels(labels)  # no missing label, at least 2 classes
    return texts, labels


def encode_labels(labels: object) -> tuple[np.ndarray, list[str]]:
    """Return (class ids 0..k-1 as an int array, class names as strings) of any hashable labels
    (ints or strings), classes in sorted order; refuses missing labels and fewer than 2 classes."""
    if isinstance(labels, str | bytes) or not hasattr(labels, "__iter__"):
        raise bad_input("labels", "a list of labels", labels, "pass one label per text, in a list")
    labels = np.asarray(labels).tolist() if hasattr(labels, "shape") else list(labels)
    for i, label in enumerate(labels):
        if is_missing(label) or isinstance(label, list | dict | set):
            raise bad_input(
                f"labels[{i}]",
                "a label (an int or a string)",
                label,
                "give every text a label, or drop the texts without one",
            )
    try:
        classes = sorted(set(labels))
    except TypeError as error:  # e.g. 1 and 'pos' in the same list
        raise bad_input(
            "labels",
            "labels of one kind (all ints or all strings)",
            sorted({type(x).__name__ for x in labels}),
            "convert them all, e.g. [str(x) for x in labels]",
        ) from error
    if len(classes) < 2:
        raise bad_input(
            "labels",
            "at least 2 different classes",
            classes,
            "a classifier needs examples of two or more classes",
        )
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[x] for x in labels], dtype=np.int64), [str(c) for c in classes]


def is_dataset(source: object) -> bool:
    """True for a `datasets.Dataset` (checked without importing `datasets`)."""
    return type(source).__module__.startswith("datasets") and hasattr(source, "column_names")


def column(dataset: "Dataset", name: str, argument: str, strings: bool = True) -> list:
    """Return one column of a datasets.Dataset as a list (strings checked when `strings`)."""
    if name not in dataset.column_names:
        raise bad_input(
            argument,
            f"a column of the dataset ({dataset.column_names})",
            name,
            f"pass {argument}= one of those column names",
        )
    values = list(dataset[name])
    return check_texts(values, f"source[{name!r}]") if strings else values


def as_path(source: object) -> Path | None:
    """Return `source` as the path of an existing file of a supported kind; None when `source`
    is not a str or path at all; BadInput for a str or path that cannot be read."""
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    if is_file(path):
        if path.suffix.lower() not in SUFFIXES:
            raise bad_input(
                "source",
                "a .txt, .jsonl or .csv file",
                path.name,
                "save your texts as one of those (one text per line in a .txt)",
            )
        return path
    raise bad_input(
        "source",
        EXPECTED,
        source if isinstance(source, str) else str(source),
        "a path that does not exist, or one text: wrap it in a list "
        "(['your text']) or check the path",
    )


def is_file(path: Path) -> bool:
    """True when `path` is an existing file (False for a string too long to be a path)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_file(path: Path, field: str, label_field: str | None = None) -> tuple[list, list]:
    """Return (texts, labels) of a .txt, .jsonl or .csv file (labels [] without label_field)."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip()], []
    rows = read_jsonl(path) if suffix == ".jsonl" else read_csv(path)
    texts = [row_value(row, field, "field", path, n) for n, row in rows]
    check_texts(texts, f"{path.name} column {field!r}")
    if label_field is None:
        return texts, []
    return texts, [row_value(row, label_field, "label_field", path, n) for n, row in rows]


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """Return (line number, object) for every non-blank line of a .jsonl file."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise bad_input(
                f"{path.name} line {n}",
                "one JSON object per line",
                line,
                'write each line as {"text": "...", "label": "..."}',
            ) from error
        if not isinstance(row, dict):
            raise bad_input(f"{path.name} line {n}", "a JSON object", row, 'write {"text": ...}')
        rows.append((n, row))
    return rows


def read_csv(path: Path) -> list[tuple[int, dict]]:
    """Return (row number, row as a dict) for every row of a .csv file with a header line."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [(n, row) for n, row in enumerate(csv.DictReader(handle), start=2)]


def row_value(row: dict, key: str, argument: str, path: Path, n: int) -> object:
    """Return row[key], or BadInput naming the file, the line and the keys it has."""
    if key not in row or row[key] is None:
        raise bad_input(
            argument,
            f"a key of every row of {path.name} (line {n} has {sorted(k for k in row if k)})",
            key,
            f"pass {argument}= the name your file uses, or add it to every row",
        )
    return row[key]


def is_missing(label: object) -> bool:
    """True for a label that is absent: None, NaN or an empty string."""
    if label is None or (isinstance(label, str) and not label.strip()):
        return True
    return isinstance(label, float) and math.isnan(label)


def check_nonblank(texts: list[str], name: str) -> list[str]:
    """Return `texts`, refusing an empty list or a text with nothing but spaces."""
    check_texts(texts, name)
    odd = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if odd is not None:  # check_texts lets None through (it is next()'s default)
        raise bad_input(name, "a list of strings", texts[odd], "drop or fill the missing texts")
    blank = next((i for i, t in enumerate(texts) if not t.strip()), None)
    if blank is not None:
        raise bad_input(
            f"{name}[{blank}]",
            "a text with words",
            texts[blank],
            "drop empty texts, e.g. [t for t in texts if t.strip()]",
        )
    return texts
