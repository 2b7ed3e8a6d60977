"""Own data: texts and labels from lists, datasets and files; labels to ids; clear bad input."""

import json

import numpy as np
import pytest
from datasets import Dataset

from course_lib.core.validate import BadInput
from course_lib.data.own import encode_labels, load_labeled, load_texts

TEXTS = ["a great film", "a dull film", "loved every minute", "fell asleep twice"]
LABELS = ["pos", "neg", "pos", "neg"]


@pytest.fixture
def files(tmp_path):
    """The same four labeled texts as .txt, .jsonl and .csv files."""
    (tmp_path / "t.txt").write_text("\n".join(TEXTS[:2]) + "\n\n  \n" + "\n".join(TEXTS[2:]) + "\n")
    rows = [{"text": t, "label": y} for t, y in zip(TEXTS, LABELS, strict=True)]
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    csv_rows = ["text,label"] + [f'"{t}",{y}' for t, y in zip(TEXTS, LABELS, strict=True)]
    (tmp_path / "t.csv").write_text("\n".join(csv_rows) + "\n")
    return tmp_path


@pytest.mark.parametrize("name", ["t.txt", "t.jsonl", "t.csv"])
def test_every_file_kind_gives_the_same_texts(files, name):
    assert load_texts(files / name) == TEXTS
    assert load_texts(str(files / name)) == TEXTS


def test_lists_tuples_and_datasets_give_their_texts():
    assert load_texts(TEXTS) == TEXTS and load_texts(tuple(TEXTS)) == TEXTS
    assert load_texts(np.array(TEXTS)) == TEXTS
    dataset = Dataset.from_dict({"body": TEXTS, "label": LABELS})
    assert load_texts(dataset, field="body") == TEXTS


@pytest.mark.parametrize("name", ["t.jsonl", "t.csv"])
def test_labeled_files_pairs_and_datasets_agree(files, name):
    assert load_labeled(files / name) == (TEXTS, LABELS)
    assert load_labeled((TEXTS, np.array([1, 0, 1, 0]))) == (TEXTS, [1, 0, 1, 0])
    dataset = Dataset.from_dict({"text": TEXTS, "stars": [5, 1, 4, 2]})
    assert load_labeled(dataset, label_field="stars") == (TEXTS, [5, 1, 4, 2])


def test_encode_labels_sorts_classes_and_maps_every_label():
    ids, names = encode_labels(LABELS)
    assert names == ["neg", "pos"] and ids.tolist() == [1, 0, 1, 0] and ids.dtype == np.int64
    ids, names = encode_labels(np.array([10, 2, 2, 10, 7]))
    assert names == ["2", "7", "10"] and ids.tolist() == [2, 0, 0, 2, 1]  # numeric order
    ids, names = encode_labels(LABELS)
    assert [names[i] for i in ids] == LABELS  # round trip


def write(tmp_path, name, text):
    """Write a file and return its path."""
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = [
    ("bare string as texts", lambda p: load_texts("a great film"), r"^source: .*wrap it in a list"),
    ("missing file", lambda p: load_texts(p / "nope.txt"), r"^source: .*path that does not"),
    ("non-string item", lambda p: load_texts(["ok", 3]), r"^source\[1\]: expected a string"),
    ("None as a text", lambda p: load_texts(["ok", None]), r"^source\[1\]: expected a string"),
    ("empty list", lambda p: load_texts([]), r"^source: expected at least 1 texts"),
    ("blank text", lambda p: load_texts(["ok", "  "]), r"^source\[1\]: expected a text with"),
    ("a number", lambda p: load_texts(42), r"^source: expected a list of texts, a datasets"),
    ("a dict", lambda p: load_texts({"text": "x"}), r"^source: expected a list of texts"),
    (
        "unsupported suffix",
        lambda p: load_texts(write(p, "t.md", "x\n")),
        r"^source: expected a \.txt, \.jsonl or \.csv",
    ),
    (
        "empty .txt",
        lambda p: load_texts(write(p, "e.txt", "\n \n")),
        r"^source: expected at least 1",
    ),
    (
        "missing field in .jsonl",
        lambda p: load_texts(write(p, "m.jsonl", '{"body": "x"}\n')),
        r"^field: expected a key of every row of m\.jsonl \(line 1 has \['body'\]\)",
    ),
    (
        "broken .jsonl line",
        lambda p: load_texts(write(p, "b.jsonl", '{"text": "x"}\n{oops\n')),
        r"^b\.jsonl line 2: expected one JSON object",
    ),
    (
        "missing column in .csv",
        lambda p: load_texts(write(p, "m.csv", "body\nx\n")),
        r"^field: expected a key of every row of m\.csv",
    ),
    (
        "dataset without the column",
        lambda p: load_texts(Dataset.from_dict({"body": ["x"]})),
        r"^field: expected a column of the dataset \(\['body'\]\)",
    ),
    (
        "mismatched lengths",
        lambda p: load_labeled((TEXTS, ["pos", "neg"])),
        r"^labels: expected one label per text \(4 texts\)",
    ),
    (
        "one class",
        lambda p: load_labeled((TEXTS, ["pos"] * 4)),
        r"^labels: expected at least 2 different classes",
    ),
    (
        "missing label (None)",
        lambda p: load_labeled((TEXTS, ["pos", None, "neg", "pos"])),
        r"^labels\[1\]: expected a label",
    ),
    (
        "missing label (NaN)",
        lambda p: encode_labels([1.0, float("nan"), 0.0]),
        r"^labels\[1\]: expected a label",
    ),
    (
        "empty label in .csv",
        lambda p: load_labeled(write(p, "e.csv", "text,label\na,pos\nb,\nc,neg\n")),
        r"^labels\[1\]: expected a label",
    ),
    (
        "missing label field",
        lambda p: load_labeled(write(p, "n.jsonl", '{"text": "a"}\n')),
        r"^label_field: expected a key of every row of n\.jsonl",
    ),
    (
        "labels in a .txt",
        lambda p: load_labeled(write(p, "l.txt", "a\nb\n")),
        r"^source: expected a \.jsonl or \.csv file .*texts only",
    ),
    (
        "texts without labels",
        lambda p: load_labeled(TEXTS),
        r"^source: expected a \(texts, labels\)",
    ),
    (
        "labels as one string",
        lambda p: load_labeled((TEXTS[:2], "pn")),
        r"^labels: expected a list of labels",
    ),
    (
        "mixed label kinds",
        lambda p: encode_labels([1, "pos"]),
        r"^labels: expected labels of one kind",
    ),
    ("unhashable label", lambda p: encode_labels([[1], [2]]), r"^labels\[0\]: expected a label"),
    ("labels not a list", lambda p: encode_labels(3), r"^labels: expected a list of labels"),
]


@pytest.mark.parametrize(("case", "call", "match"), BAD, ids=[row[0] for row in BAD])
def test_bad_input_names_the_argument_and_the_fix(tmp_path, case, call, match):
    with pytest.raises(BadInput, match=match) as caught:
        call(tmp_path)
    assert "Fix: " in str(caught.value)
