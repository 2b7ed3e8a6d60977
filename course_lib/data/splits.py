"""Fixed, seeded, leakage-free splits, saved as ids under data/splits/ so every learner gets the same.

The test sets are never used for training or model selection.
"""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from course_lib.core.paths import SPLITS_DIR
from course_lib.core.validate import bad_input, check_choice, check_int, check_labels, check_number
from course_lib.data.sources import SOURCES, load_fashion_mnist, load_wiki_summaries

SPLIT_SEED = 20261122
TEXT_TEST_SIZE = 2000
IMAGE_VAL_SIZE = 5000


def stratified_split(
    labels: Sequence[int], sizes: dict[str, int], seed: int
) -> dict[str, list[int]]:
    """Split positions 0..N-1 into named parts of the given sizes, keeping class proportions.

    A size of -1 means "everything left"; at most one part may use it.
    """
    labels = check_labels(labels, "labels")
    total, seed = len(labels), check_int(seed, "seed", 0)
    check_sizes(sizes, total)
    rest = [name for name, n in sizes.items() if n == -1]
    rng = np.random.default_rng(seed)
    order = rng.permutation(total)
    remaining = order
    parts = {}
    for name, n in sizes.items():
        if n == -1:
            continue
        chosen = take_stratified(labels, remaining, n, rng)
        parts[name] = sorted(int(i) for i in chosen)
        remaining = np.setdiff1d(remaining, chosen, assume_unique=True)
        remaining = remaining[rng.permutation(len(remaining))]
    if rest:
        parts[rest[0]] = sorted(int(i) for i in remaining)
    return {name: parts[name] for name in sizes}


def grouped_split(groups: Sequence, test_fraction: float, seed: int) -> dict[str, list[int]]:
    """Split positions 0..N-1 into {'pool', 'test'} so that no group (a movie, an author, a
    product) has items in both: a seeded `test_fraction` of the groups goes to the test part."""
    groups = check_labels(groups, "groups")
    check_number(test_fraction, "test_fraction", 0, 1, "pass a share such as 0.2", open_low=True,
                 open_high=True)  # fmt: skip
    names = np.unique(groups)
    n_test = round(test_fraction * len(names))
    if not 0 < n_test < len(names):
        fix = "pass more groups or a test_fraction that leaves groups on both sides"
        raise bad_input("groups", "enough groups for both parts", f"{len(names)} groups", fix)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    chosen = set(rng.choice(names, n_test, replace=False).tolist())
    in_test = np.array([g in chosen for g in groups.tolist()])
    return {"pool": np.flatnonzero(~in_test).tolist(), "test": np.flatnonzero(in_test).tolist()}


def check_sizes(sizes: dict[str, int], total: int) -> None:
    """Raise BadInput unless `sizes` are positive ints (one may be -1: the rest) adding up to `total`."""
    if not isinstance(sizes, dict) or not sizes:
        fix = "name each part and its size, e.g. {'test': 100, 'rest': -1}"
        raise bad_input("sizes", "a non-empty {name: size} dict", sizes, fix)
    for name, n in sizes.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < -1 or n == 0:
            fix = "give a positive number of examples, or -1 for one part that takes the rest"
            raise bad_input(f"sizes[{name!r}]", "split sizes: an int >= 1 or -1", n, fix)
    rest = [name for name, n in sizes.items() if n == -1]
    fixed = sum(n for n in sizes.values() if n > 0)
    if len(rest) > 1 or fixed > total or (not rest and fixed != total):
        expected = f"split sizes that add up to the {total} examples"
        raise bad_input("sizes", expected, sizes, "use -1 for one part that takes the rest")


def take_stratified(
    labels: np.ndarray, pool: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick `n` positions from `pool` with class proportions as in the pool (largest remainders)."""
    classes, counts = np.unique(labels[pool], return_counts=True)
    exact = counts / counts.sum() * n
    quota = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - quota))[: n - quota.sum()]:
        quota[k] += 1
    picked = [
        rng.permutation(pool[labels[pool] == c])[:q] for c, q in zip(classes, quota, strict=True)
    ]
    return np.concatenate(picked)


def sample_labeled(labels: Sequence[int], n: int, seed: int) -> list[int]:
    """Pick `n` stratified positions (at least one per class when n allows) for a labeled budget."""
    labels = check_labels(labels, "labels")
    n = check_int(n, "n", 1, f"ask for between 1 and {len(labels)} labeled examples")
    if n > len(labels):
        fix = "ask for fewer, or label more examples"
        raise bad_input("n", f"between 1 and the {len(labels)} examples", n, fix)
    seed = check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    if n < len(classes):
        return sorted(int(i) for i in take_stratified(labels, np.arange(len(labels)), n, rng))
    first = np.array([rng.choice(np.flatnonzero(labels == c)) for c in classes])
    pool = np.setdiff1d(np.arange(len(labels)), first)
    more = take_stratified(labels, pool, n - len(first), rng) if n > len(first) else []
    return sorted(int(i) for i in np.concatenate([first, more]))


def labeled_holdout(
    labels: Sequence[int], fraction: float = 0.2, seed: int = 0
) -> tuple[list, list]:
    """Split labeled positions into (fit, validation), stratified; the test set is never involved.

    Every class with two or more examples puts at least one in each part; when some class has a
    single example there is nothing to validate on fairly, and validation is empty.
    """
    if hasattr(labels, "__len__") and len(labels) == 0:
        fix = "pass the labels of the labeled examples"
        raise bad_input("labels", "some labels to hold a fraction out of", labels, fix)
    labels = check_labels(labels, "labels")
    fix = "hold out a share between 0 and 1, e.g. 0.2"
    fraction = check_number(fraction, "fraction", 0, 1, fix, open_low=True, open_high=True)
    seed = check_int(seed, "seed", 0)
    if np.unique(labels, return_counts=True)[1].min() < 2:
        return list(range(len(labels))), []
    rng = np.random.default_rng(seed)
    fit, val = [], []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_val = min(max(int(round(len(members) * fraction)), 1), len(members) - 1)
        val += members[:n_val].tolist()
        fit += members[n_val:].tolist()
    return sorted(fit), sorted(val)


def split_file(name: str) -> Path:
    """Return the path of the committed split file for a source."""
    return SPLITS_DIR / f"{name}.json"


def save_split(name: str, parts: dict[str, list[int]], note: str) -> Path:
    """Save split ids with the seed and the source's checksums."""
    check_choice(name, "name", list(SOURCES))
    if not isinstance(parts, dict) or not parts:
        raise bad_input("parts", "a non-empty {part: ids} dict", parts, "pass stratified_split's")
    SPLITS_DIR.mkdir(parents=True, exist_ok=True)
    record = {"source": name, "seed": SPLIT_SEED, "note": note, "files": SOURCES[name].files}
    record.update({k: v for k, v in parts.items()})
    path = split_file(name)
    path.write_text(json.dumps(record, indent=None, separators=(",", ":")) + "\n")
    return path


def load_split(name: str) -> dict[str, list[int]]:
    """Load the committed split ids for a source, checking they belong to this version of it."""
    check_choice(name, "name", list(SOURCES))
    path = split_file(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"no split file {path.name}: run `python -m course_lib.data.splits`"
        )
    record = json.loads(path.read_text())
    if record["files"] != SOURCES[name].files:
        raise ValueError(f"{path.name} was made for another version of {name!r}: re-make it")
    return {k: v for k, v in record.items() if isinstance(v, list)}


def make_text_split() -> dict[str, list[int]]:
    """Make the wiki split: a labeled test set, a labeled pool, and the unlabeled pretraining ids."""
    ds = load_wiki_summaries()
    labels = np.array(ds["label"])
    labeled = np.flatnonzero(labels >= 0)
    parts = stratified_split(labels[labeled], {"test": TEXT_TEST_SIZE, "pool": -1}, SPLIT_SEED)
    test = sorted(int(labeled[i]) for i in parts["test"])
    pool = sorted(int(labeled[i]) for i in parts["pool"])
    unlabeled = sorted(set(range(len(ds))) - set(test))
    return {"test": test, "pool": pool, "unlabeled": unlabeled}


def make_image_split() -> dict[str, list[int]]:
    """Make the Fashion-MNIST split of the official train set: a validation set and the rest."""
    _, labels = load_fashion_mnist("train")
    return stratified_split(labels.numpy(), {"val": IMAGE_VAL_SIZE, "train": -1}, SPLIT_SEED)


def text_split() -> dict[str, list[int]]:
    """Return the wiki ids: 'test' (2,000 labeled, held out), 'pool' (labeled), 'unlabeled'."""
    return load_split("wiki_summaries")


def image_split() -> dict[str, list[int]]:
    """Return Fashion-MNIST train-set indices: 'val' (5,000) and 'train'; the test set is official."""
    return load_split("fashion_mnist")


if __name__ == "__main__":
    save_split(
        "wiki_summaries",
        make_text_split(),
        "ids index load_wiki_summaries(); test and pool are labeled, unlabeled = all but test",
    )
    save_split(
        "fashion_mnist",
        make_image_split(),
        "indices into the official train set; the official test set is the test set",
    )
    print(f"wrote {split_file('wiki_summaries').name} and {split_file('fashion_mnist').name}")
