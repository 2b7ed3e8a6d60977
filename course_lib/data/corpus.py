"""The text corpus as the course uses it: cleaned, leakage-checked, split for pretraining.

Pretraining uses only the `unlabeled` ids (every document except the labeled test set), cleaned
with `course_lib.data.cleaning`, minus any document that near-duplicates a test document. A fixed,
seeded share of those documents is held out to measure the masked-LM loss on unseen text.
"""

import random
from functools import lru_cache

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


def leaking_ids(candidate_ids: list[int], test_ids: list[int], threshold: float = 0.7) -> list[int]:
    """Return the candidate ids whose text equals or near-duplicates a test document's text."""
    texts = load_wiki_summaries()["text"]
    ids = list(candidate_ids) + list(test_ids)
    signatures = minhash_signatures([normalize(texts[i]) for i in ids])
    n = len(candidate_ids)
    found = set()
    for i, j, _ in near_duplicate_pairs(signatures, threshold=threshold):
        if i < n <= j:  # one candidate, one test document
            found.add(ids[i])
    return sorted(found)


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
