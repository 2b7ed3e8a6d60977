"""Byte-pair encoding from scratch: start from the 256 bytes, repeatedly merge the most frequent
adjacent pair into a new token. (The `tokenizers` library does the same, much faster; the tests
check that both learn nearly the same vocabulary.)
"""

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from course_lib.core.validate import bad_input, check_int, check_texts

# Split text into word-like chunks first, as GPT-2 does, so merges never cross a word boundary:
# a leading space stays attached to the word that follows it.
CHUNK = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""")


def chunks(text: str) -> list[bytes]:
    """Split `text` into word-like chunks and return each as UTF-8 bytes."""
    check_text(text)
    return [piece.encode("utf-8") for piece in CHUNK.findall(text)]


def pair_counts(words: dict[tuple[int, ...], int]) -> Counter:
    """Count adjacent id pairs over words (id tuples), each weighted by its frequency."""
    counts: Counter = Counter()
    for word, freq in words.items():
        for pair in zip(word, word[1:], strict=False):
            counts[pair] += freq
    return counts


def merge(ids: Sequence[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of `pair` in `ids` (left to right) by `new_id`."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise bad_input("pair", "two adjacent ids (a, b)", pair, "pass a tuple of 2 ids")
    check_int(new_id, "new_id", 0)
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def check_text(text: object) -> str:
    """Return `text` if it is a string."""
    if not isinstance(text, str):
        fix = "pass one text as a str (for several, loop or use a list comprehension)"
        raise bad_input("text", "a str", text, fix)
    return text


class BPETokenizer:
    """A byte-level BPE tokenizer: `train`, `encode`, `decode`, `save`, `load`."""

    def __init__(self) -> None:
        self.merges: dict[tuple[int, int], int] = {}  # pair -> new id, in the order learned
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}

    def train(self, texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> None:
        """Learn merges on `texts` until the vocabulary has `vocab_size` tokens (or no pair repeats)."""
        texts = check_texts(texts, "texts")
        fix = "the vocabulary starts with the 256 bytes: ask for 256 or more tokens"
        vocab_size = check_int(vocab_size, "vocab_size", 256, fix)
        min_frequency = check_int(min_frequency, "min_frequency", 1)
        words: Counter = Counter()
        for text in texts:
            words.update(tuple(chunk) for chunk in chunks(text))
        if not words:
            fix = "pass at least one non-empty text to train on"
            raise bad_input("texts", "some non-empty text", texts, fix)
        self.__init__()
        words = dict(words)
        counts = pair_counts(words)
        for new_id in range(256, vocab_size):
            if not counts:
                break
            # the most frequent pair; ties go to the pair that comes first in id order
            pair, freq = max(counts.items(), key=lambda item: (item[1], -item[0][0], -item[0][1]))
            if freq < min_frequency:
                break
            self.merges[pair] = new_id
            self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]
            words = self.apply_merge(words, counts, pair, new_id)

    @staticmethod
    def apply_merge(words: dict, counts: Counter, pair: tuple[int, int], new_id: int) -> dict:
        """Merge `pair` in every word that holds it, updating the pair counts in place."""
        updated = {}
        for word, freq in words.items():
            if pair[0] in word and pair[1] in word:
                merged = tuple(merge(word, pair, new_id))
                if merged != word:
                    for old in zip(word, word[1:], strict=False):
                        counts[old] -= freq
                    for new in zip(merged, merged[1:], strict=False):
                        counts[new] += freq
                    word = merged
            updated[word] = updated.get(word, 0) + freq
        for key in [k for k, v in counts.items() if v <= 0]:
            del counts[key]
        return updated

    def encode_chunk(self, data: bytes) -> list[int]:
        """Encode one chunk: apply learned merges, earliest-learned first, until none applies."""
        ids = list(data)
        while len(ids) > 1:
            pairs = set(zip(ids, ids[1:], strict=False))
            pair = min(pairs, key=lambda p: self.merges.get(p, float("inf")))
            if pair not in self.merges:
                break
            ids = merge(ids, pair, self.merges[pair])
        return ids

    def encode(self, text: str) -> list[int]:
        """Return the token ids of `text`."""
        check_text(text)
        return [i for chunk in chunks(text) for i in self.encode_chunk(chunk)]

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of token ids (invalid UTF-8 shown as the replacement character)."""
        data = b"".join(self.vocab[i] for i in self.check_ids(ids))
        return data.decode("utf-8", errors="replace")

    def token_strings(self, ids: Iterable[int]) -> list[str]:
        """Return each id's bytes as readable text (for display)."""
        return [self.vocab[i].decode("utf-8", errors="replace") for i in self.check_ids(ids)]

    def check_ids(self, ids: Iterable[int]) -> list[int]:
        """Return `ids` as a list if every one is a token id of this vocabulary."""
        if isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
            raise bad_input("ids", "a list of token ids", ids, "pass what encode returned")
        ids = [int(i) if hasattr(i, "item") else i for i in ids]
        unknown = next((i for i in ids if i not in self.vocab), None)
        if unknown is not None:
            expected = f"ids of this vocabulary (0..{len(self.vocab) - 1})"
            fix = "decode with the tokenizer that encoded them (not in this vocabulary)"
            raise bad_input("ids", expected, unknown, fix)
        return ids

    def save(self, path: str | Path) -> None:
        """Save the merges as JSON (the vocabulary follows from them)."""
        if not isinstance(path, str | Path) or not Path(path).parent.is_dir():
            raise bad_input("path", "a file path in an existing folder", path, "mkdir it first")
        record = {
            "type": "byte-level BPE",
            "merges": [[a, b, i] for (a, b), i in self.merges.items()],
        }
        Path(path).write_text(json.dumps(record))

    @classmethod
    def load(cls, path: str | Path) -> "BPETokenizer":
        """Load a tokenizer saved with `save`."""
        tok = cls()
        for a, b, new_id in read_merges(path):
            tok.merges[(a, b)] = new_id
            tok.vocab[new_id] = tok.vocab[a] + tok.vocab[b]
        return tok


def read_merges(path: str | Path) -> list:
    """Return the merges [a, b, new_id] of a file written by BPETokenizer.save."""
    fix = "pass a file written by BPETokenizer.save (not a tokenizers/transformers tokenizer.json)"
    if not isinstance(path, str | Path) or not Path(path).is_file():
        raise bad_input("path", "an existing file", str(path), fix)
    try:
        record = json.loads(Path(path).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_input("path", "a JSON file", Path(path).name, fix) from None
    merges = record.get("merges") if isinstance(record, dict) else None
    if record.get("type") != "byte-level BPE" or not isinstance(merges, list):
        raise bad_input("path", "a saved BPETokenizer", Path(path).name, fix)
    if any(not isinstance(m, list) or len(m) != 3 for m in merges):
        raise bad_input("path", "merges as [a, b, new_id]", Path(path).name, "save it again")
    return merges


def byte_level_alphabet() -> list[str]:
    """GPT-2's printable stand-in for each byte 0..255 (as used by `tokenizers`' ByteLevel)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]
