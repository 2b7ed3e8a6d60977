"""Cleaning an unlabeled text corpus: normalise, drop boilerplate, remove exact and near duplicates
(MinHash over word shingles), and filter low-quality documents.
"""

import hashlib
import html
import random
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from course_lib.core.validate import bad_input, check_int, check_number, check_texts

BOILERPLATE = re.compile(
    r"^\s*(accept (all )?cookies|this (website|site) uses cookies|click here|share (this|on)|"
    r"subscribe|sign in|log in|all rights reserved|copyright ©|jump to (navigation|search)|"
    r"retrieved from|skip to content|home \| |advertisement)",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]{1,200}>")
CITATION = re.compile(r"\[(\d+|citation needed|note \d+)\]")
EMPTY_PARENS = re.compile(r"\(\s*[;,]?\s*\)")
SPACES = re.compile(r"\s+")
PUNCTUATION = set(".,;:!?'\"()[]-\u2013\u2014%/&")  # ordinary prose punctuation
PRIME = (1 << 31) - 1  # a Mersenne prime: (a*x + b) mod PRIME stays exact in int64


def strip_boilerplate(text: str) -> str:
    """Drop whole lines that are web boilerplate (cookie banners, share buttons, menus)."""
    return "\n".join(line for line in text.splitlines() if not BOILERPLATE.match(line))


def normalize(text: str) -> str:
    """Unicode NFKC, HTML entities and tags, boilerplate lines, citation marks, one space between words."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects a str, got {type(text).__name__}")
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = strip_boilerplate(TAG.sub(" ", text))
    text = EMPTY_PARENS.sub("", CITATION.sub("", text))
    text = SPACES.sub(" ", text).strip()
    return re.sub(r" ([.,;:])", r"\1", text)


def content_key(text: str) -> str:
    """A hash of the lower-cased words: equal keys mean exact duplicates up to case and spacing."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


def exact_duplicates(texts: Sequence[str]) -> list[int]:
    """Return the positions of documents whose content key was already seen earlier."""
    seen, dropped = set(), []
    for i, text in enumerate(texts):
        key = content_key(text)
        if key in seen:
            dropped.append(i)
        seen.add(key)
    return dropped


def shingles(text: str, k: int = 5) -> set[str]:
    """Return the set of lower-cased word k-grams of `text` (the whole text if shorter)."""
    check_int(k, "k", 1, "pass the number of words per shingle, e.g. 5 (0 makes every text equal)")
    words = re.findall(r"\w+", text.lower())
    if len(words) <= k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set, b: set) -> float:
    """Exact Jaccard similarity |a & b| / |a | b| of two sets (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def minhash_signatures(
    texts: Sequence[str], num_perm: int = 128, k: int = 5, seed: int = 0
) -> np.ndarray:
    """Return a (len(texts), num_perm) array: per text, the minimum of each of `num_perm` hashes.

    Two texts agree at one position with probability equal to the Jaccard similarity of their
    shingle sets, so the share of equal positions estimates it.
    """
    check_int(num_perm, "num_perm", 1, "pass the number of hash functions, e.g. 128")
    check_int(k, "k", 1, "pass the number of words per shingle, e.g. 5")
    rng = np.random.default_rng(seed)
    a = rng.integers(1, PRIME, num_perm, dtype=np.int64)
    b = rng.integers(0, PRIME, num_perm, dtype=np.int64)
    out = np.empty((len(texts), num_perm), dtype=np.int64)
    for row, text in enumerate(texts):
        hashes = np.array([shingle_hash(s) for s in shingles(text, k)], dtype=np.int64)
        out[row] = ((hashes[:, None] * a[None, :] + b[None, :]) % PRIME).min(axis=0)
    return out


def shingle_hash(shingle: str) -> int:
    """A stable 31-bit hash of a shingle (Python's own hash() changes from run to run)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=4).digest(), "big") % PRIME


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """The share of equal MinHash positions: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(sig_a == sig_b))


def candidate_probability(
    similarity: float | np.ndarray, bands: int, rows: int
) -> float | np.ndarray:
    """Chance that two texts of this Jaccard similarity share at least one LSH band: 1-(1-s^r)^b."""
    return 1.0 - (1.0 - np.asarray(similarity) ** rows) ** bands


def near_duplicate_pairs(
    signatures: np.ndarray, bands: int = 16, threshold: float = 0.7
) -> list[tuple[int, int, float]]:
    """Return (i, j, estimated Jaccard) for i < j whose signatures match on >= threshold.

    Locality-sensitive hashing: signatures are cut into `bands` bands; only texts that agree on a
    whole band become candidates, so we never compare all pairs.
    """
    n, num_perm = signatures.shape
    check_number(threshold, "threshold", 0, 1, "pass a Jaccard similarity, e.g. 0.7", open_low=True)
    if check_int(bands, "bands", 1) > num_perm or num_perm % bands:
        raise bad_input(
            "bands",
            f"a number of bands that divides the signature length ({num_perm})",
            bands,
            "pick bands so that num_perm / bands is a whole number, e.g. 16 for 128",
        )
    rows = num_perm // bands
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for i in range(n):
            buckets.setdefault(signatures[i, band * rows : (band + 1) * rows].tobytes(), []).append(
                i
            )
        for members in buckets.values():
            candidates.update(
                (members[x], members[y])
                for x in range(len(members))
                for y in range(x + 1, len(members))
            )
    pairs = []
    for i, j in sorted(candidates):
        similarity = estimated_jaccard(signatures[i], signatures[j])
        if similarity >= threshold:
            pairs.append((i, j, similarity))
    return pairs


def quality_issues(
    text: str, min_words: int = 8, max_symbol_ratio: float = 0.1, max_repeat_ratio: float = 0.3
) -> list[str]:
    """Return the reasons `text` looks low-quality: 'too short', 'symbols', 'repetitive' (or [])."""
    check_quality_thresholds(min_words, max_symbol_ratio, max_repeat_ratio)
    words = text.split()
    issues = []
    if len(words) < min_words:
        issues.append("too short")
    symbols = sum(not (ch.isalnum() or ch.isspace() or ch in PUNCTUATION) for ch in text)
    if text and symbols / len(text) > max_symbol_ratio:
        issues.append("symbols")
    trigrams = [" ".join(words[i : i + 3]).lower() for i in range(len(words) - 2)]
    if trigrams and 1 - len(set(trigrams)) / len(trigrams) > max_repeat_ratio:
        issues.append("repetitive")
    return issues


def check_quality_thresholds(
    min_words: int, max_symbol_ratio: float, max_repeat_ratio: float
) -> None:
    """Refuse quality thresholds that cannot be used (BadInput naming the argument)."""
    check_int(min_words, "min_words", 0, "pass the fewest words a kept text has, e.g. 8 (0: any)")
    for name, value in (
        ("max_symbol_ratio", max_symbol_ratio),
        ("max_repeat_ratio", max_repeat_ratio),
    ):
        check_number(value, name, 0, 1, "pass a share between 0 and 1 (1 keeps everything)")


def clean_corpus(
    texts: Sequence[str],
    threshold: float = 0.7,
    num_perm: int = 128,
    bands: int = 16,
    min_words: int = 8,
    max_symbol_ratio: float = 0.1,
    max_repeat_ratio: float = 0.3,
) -> tuple[list[int], dict[str, list[int]], list[str]]:
    """Run the whole pipeline; return (kept positions, removed positions per step, normalised texts).

    Steps, in order: normalise; drop exact duplicates; drop near duplicates (MinHash + LSH at
    `threshold`); drop low-quality documents (`quality_issues` with the given thresholds; short
    texts such as one-sentence reviews need a lower `min_words`). A duplicate's first occurrence
    is kept.
    """
    texts = check_texts(texts, "texts")
    check_number(threshold, "threshold", 0, 1, "pass a Jaccard similarity, e.g. 0.7", open_low=True)
    check_int(num_perm, "num_perm", 1, "pass the number of hash functions, e.g. 128")
    check_quality_thresholds(min_words, max_symbol_ratio, max_repeat_ratio)
    cleaned = [normalize(t) for t in texts]
    removed: dict[str, list[int]] = {"exact duplicate": exact_duplicates(cleaned)}
    gone = set(removed["exact duplicate"])
    alive = [i for i in range(len(cleaned)) if i not in gone]
    signatures = minhash_signatures([cleaned[i] for i in alive], num_perm)
    pairs = near_duplicate_pairs(signatures, bands, threshold)
    removed["near duplicate"] = sorted({alive[j] for _, j, _ in pairs})
    gone = set(removed["near duplicate"])
    alive = [i for i in alive if i not in gone]
    thresholds = (min_words, max_symbol_ratio, max_repeat_ratio)
    removed["low quality"] = [i for i in alive if quality_issues(cleaned[i], *thresholds)]
    gone = set(removed["low quality"])
    kept = [i for i in alive if i not in gone]
    return kept, removed, cleaned


JUNK_PAGES = (
    "Home | About | Contact | Blog | Shop | Home | About | Contact | Blog | Shop",
    "$$$ !!! ### >>> CLICK ### <<< !!! $$$ @@@ *** ~~~ ^^^ +++ ===",
    "buy now buy now buy now buy now buy now buy now buy now buy now buy now",
    "Page not found.",
)
BOILERPLATE_LINES = ("Accept all cookies", "Share this page", "All rights reserved.")


def simulate_crawl(
    texts: Sequence[str],
    seed: int = 0,
    exact_rate: float = 0.05,
    near_rate: float = 0.05,
    junk_rate: float = 0.02,
) -> tuple[list[str], list[str], list[int]]:
    """Make a web-crawl-like copy of clean `texts`: markup, boilerplate, copies, near copies, junk.

    Returns (crawled texts, kind of each: 'original', 'exact duplicate', 'near duplicate' or
    'junk', position of the original each copy was made from, -1 for none), so a cleaning
    pipeline can be scored against the truth. The originals come first, in order.
    """
    rng = random.Random(seed)
    out, kinds, sources = [], [], []
    for i, text in enumerate(texts):
        page = text
        if rng.random() < 0.3:
            page = f"<p>{html.escape(page, quote=False)}</p>"
        if rng.random() < 0.2:
            page = f"{rng.choice(BOILERPLATE_LINES)}\n{page}\n{rng.choice(BOILERPLATE_LINES)}"
        if rng.random() < 0.1:
            page = page.replace(". ", f".[{rng.randint(1, 40)}] ", 1)
        out.append(page)
        kinds.append("original")
        sources.append(i)
    long_docs = [i for i in range(len(texts)) if len(texts[i].split()) >= 40]
    for _ in range(round(exact_rate * len(texts))):
        i = rng.randrange(len(texts))
        out.append(rng.choice([texts[i], f"<div>{texts[i]}</div>", "  ".join(texts[i].split(" "))]))
        kinds.append("exact duplicate")
        sources.append(i)
    for _ in range(round(near_rate * len(texts)) if long_docs else 0):
        i = rng.choice(long_docs)
        words = texts[i].split()
        for _ in range(max(1, len(words) // 50)):  # change about 2% of the words
            words[rng.randrange(len(words))] = rng.choice(["the", "a", "its", "famous", "early"])
        out.append(" ".join(words) + " Read more on our website.")
        kinds.append("near duplicate")
        sources.append(i)
    for _ in range(round(junk_rate * len(texts))):
        out.append(rng.choice(JUNK_PAGES))
        kinds.append("junk")
        sources.append(-1)
    order = list(range(len(texts)))
    extra = list(range(len(texts), len(out)))
    rng.shuffle(extra)  # copies land after the originals, in random order
    order += extra
    return [out[i] for i in order], [kinds[i] for i in order], [sources[i] for i in order]
