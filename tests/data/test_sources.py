"""The data registry: real sources load, a missing source says how to get it, corruption is refused."""

import dataclasses
import gzip

import numpy as np
import pytest

from course_lib.data import sources as data


def test_wiki_summaries_load_as_a_dataset():
    ds = data.load_wiki_summaries()
    assert len(ds) == 10_033
    assert ds.column_names == ["id", "title", "text", "description", "topic", "label"]
    assert ds.features["label"].names == list(data.WIKI_TOPICS)
    labels = np.array(ds["label"])
    assert (labels == -1).sum() == 1000  # the Uncategorized articles carry no label
    assert set(labels[labels >= 0]) == set(range(11))
    assert ds[0]["id"] == 0 and len(ds[0]["text"]) > 50


def test_fashion_mnist_loads_as_tensors():
    images, labels = data.load_fashion_mnist("test")
    assert images.shape == (10_000, 28, 28) and str(images.dtype) == "torch.uint8"
    assert labels.shape == (10_000,) and set(labels.tolist()) == set(range(10))
    train_images, _ = data.load_fashion_mnist("train")
    assert train_images.shape == (60_000, 28, 28)


def test_movie_reviews_load_as_a_dataset():
    ds = data.load_movie_reviews()
    labels = np.array(ds["label"])
    assert len(ds) == 13_905 and ds.features["label"].names == ["rotten", "fresh"]
    assert (labels == 1).sum() == 7_403 and (labels == 0).sum() == 5_405
    assert (labels == -1).sum() == 1_097  # the plot summaries carry no label
    assert {ds[int(i)]["category"] for i in np.flatnonzero(labels == -1)} == {"plot"}


def test_bad_split_name_is_refused():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.load_fashion_mnist("validation")


def test_minilm_checkpoint_is_present():
    assert (data.minilm_path() / "config.json").is_file()


def test_unknown_source_lists_the_known_ones():
    with pytest.raises(KeyError, match="wiki_summaries"):
        data.get_source("imagenet")


def test_missing_source_says_how_to_get_it(monkeypatch):
    fake = dataclasses.replace(
        data.SOURCES["fashion_mnist"],
        system_dirs=("/nonexistent/fashion-mnist",),
        download_url=None,
    )
    monkeypatch.setitem(data.SOURCES, "fashion_mnist", fake)
    with pytest.raises(data.SourceMissingError, match="apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist("test")


def test_corrupt_file_is_refused(tmp_path, monkeypatch):
    real = data.source_dir("fashion_mnist")
    for name in data.SOURCES["fashion_mnist"].files:
        (tmp_path / name).write_bytes((real / name).read_bytes())
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "ab") as handle:
        handle.write(b"\x01")  # one extra byte: a different file
    fake = dataclasses.replace(data.SOURCES["fashion_mnist"], system_dirs=(str(tmp_path),))
    monkeypatch.setitem(data.SOURCES, "fashion_mnist", fake)
    with pytest.raises(data.ChecksumError, match="does not match"):
        data.load_fashion_mnist("test")


def test_read_idx_refuses_other_files(tmp_path):
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"not an idx file")
    with pytest.raises(ValueError, match="IDX"):
        data.read_idx(path)


def test_download_refuses_package_sources():
    with pytest.raises(ValueError, match="pip install"):
        data.download("wiki_summaries")


def test_check_command_reports_every_source(capsys):
    data.main(["check"])
    out = capsys.readouterr().out
    assert all(f"[OK]   {name}" in out for name in data.SOURCES)
