"""The text corpus as the course uses it: cleaned, leakage-checked, split for pretraining.

Pretraining uses only the `unlabeled` ids (every document except the labeled test set), cleaned
with `course_lib.data.cleaning`, minus any document that near-duplicates a test document. A fixed,
seeded share of those documents is held out to measure the masked-LM loss on unseen text.
"""

import random
from functools import lru_cache

from course_lib.core.validate import check_int, check_number, check_texts
from course_lib.data.cleaning import (
    clean_corpus,
    minhash_signatures,
    near_duplicate_pairs,
    normalize,
)
from course_lib.data.sources import load_wiki_summaries
from course_lib.data.splits import text_split

HELDOUT_FRACTION = 0.05
HELDOUT_SEED = 0


def leaking_texts(candidates: list[str], tests: list[str], threshold: float = 0.7) -> list[int]:
    """Return the positions of the candidate texts that equal or near-duplicate (MinHash
    Jaccard >= threshold, after `normalize`) some test text: drop them before training."""
    candidates = check_texts(candidates, "candidates", min_count=0)
    tests = check_texts(tests, "tests", min_count=0)
    signatures = minhash_signatures([normalize(t) for t in [*candidates, *tests]])
    n = len(candidates)
    found = set()
    for i, j, _ in near_duplicate_pairs(signatures, threshold=threshold):
        if i < n <= j:  # one candidate, one test text
            found.add(i)
    return sorted(found)


def leaking_ids(candidate_ids: list[int], test_ids: list[int], threshold: float = 0.7) -> list[int]:
    """Return the candidate ids whose Wikipedia text equals or near-duplicates a test document's."""
    texts = load_wiki_summaries()["text"]
    candidate_ids = list(candidate_ids)
    leaks = leaking_texts(
        [texts[i] for i in candidate_ids], [texts[i] for i in test_ids], threshold
    )
    return sorted(candidate_ids[i] for i in leaks)


def split_heldout(
    texts: list[str], fraction: float = HELDOUT_FRACTION, seed: int = HELDOUT_SEED
) -> dict[str, list[str]]:
    """Return {'train': texts, 'heldout': texts}: a seeded `fraction` of the documents (at least
    one, never all) held out whole, to measure a language model's loss on unseen text."""
    texts = check_texts(texts, "texts", min_count=2)
    check_number(fraction, "heldout_fraction", 0, 0.5, "pass a share such as 0.05", open_low=True)
    check_int(seed, "seed")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    n_held = max(1, round(fraction * len(texts)))
    return {
        "train": [texts[i] for i in order[n_held:]],
        "heldout": [texts[i] for i in order[:n_held]],
    }


@lru_cache(maxsize=4)
def pretraining_texts(max_docs: int | None = None) -> dict[str, list[str]]:
    """Return {'train': texts, 'heldout': texts}: cleaned unlabeled documents, never a test one.

    Documents that near-duplicate a test document are dropped too. `max_docs` keeps the first
    documents of a seeded shuffle (small profiles). Returns lists: do not modify them in place.
    """
    dataset = load_wiki_summaries()
    ids = list(text_split()["unlabeled"])
    random.Random(HELDOUT_SEED).shuffle(ids)
    if max_docs is not None:
        if max_docs < 20:
            raise ValueError(f"max_docs must be at least 20 (or None for all), got {max_docs}")
        ids = ids[:max_docs]
    leaks = set(leaking_ids(ids, text_split()["test"]))
    all_texts = dataset["text"]
    raw = [all_texts[i] for i in ids if i not in leaks]
    kept, _, cleaned = clean_corpus(raw)
    texts = [cleaned[i] for i in kept]
    n_held = max(1, round(HELDOUT_FRACTION * len(texts)))
    return {"train": texts[n_held:], "heldout": texts[:n_held]}
