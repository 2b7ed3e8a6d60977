"""Byte-pair encoding from scratch: start from the 256 bytes, repeatedly merge the most frequent
adjacent pair into a new token. (The `tokenizers` library does the same, much faster; the tests
check that both learn nearly the same vocabulary.)
"""

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

# Split text into word-like chunks first, as GPT-2 does, so merges never cross a word boundary:
# a leading space stays attached to the word that follows it.
CHUNK = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""")


def chunks(text: str) -> list[bytes]:
    """Split `text` into word-like chunks and return each as UTF-8 bytes."""
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
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class BPETokenizer:
    """A byte-level BPE tokenizer: `train`, `encode`, `decode`, `save`, `load`."""

    def __init__(self) -> None:
        self.merges: dict[tuple[int, int], int] = {}  # pair -> new id, in the order learned
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}

    def train(self, texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> None:
        """Learn merges on `texts` until the vocabulary has `vocab_size` tokens (or no pair repeats)."""
        if not isinstance(vocab_size, int) or vocab_size < 256:
            raise ValueError(f"vocab_size must be an int >= 256 (the bytes), got {vocab_size!r}")
        words: Counter = Counter()
        for text in texts:
            words.update(tuple(chunk) for chunk in chunks(text))
        if not words:
            raise ValueError("texts is empty: expected at least one non-empty text to train on")
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
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        return [i for chunk in chunks(text) for i in self.encode_chunk(chunk)]

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of token ids (invalid UTF-8 shown as the replacement character)."""
        try:
            data = b"".join(self.vocab[i] for i in ids)
        except KeyError as error:
            raise ValueError(f"unknown token id {error.args[0]}: not in this vocabulary") from None
        return data.decode("utf-8", errors="replace")

    def token_strings(self, ids: Iterable[int]) -> list[str]:
        """Return each id's bytes as readable text (for display)."""
        return [self.vocab[i].decode("utf-8", errors="replace") for i in ids]

    def save(self, path: str | Path) -> None:
        """Save the merges as JSON (the vocabulary follows from them)."""
        record = {
            "type": "byte-level BPE",
            "merges": [[a, b, i] for (a, b), i in self.merges.items()],
        }
        Path(path).write_text(json.dumps(record))

    @classmethod
    def load(cls, path: str | Path) -> "BPETokenizer":
        """Load a tokenizer saved with `save`."""
        record = json.loads(Path(path).read_text())
        if record.get("type") != "byte-level BPE":
            raise ValueError(f"{Path(path).name} is not a saved BPETokenizer")
        tok = cls()
        for a, b, new_id in record["merges"]:
            tok.merges[(a, b)] = new_id
            tok.vocab[new_id] = tok.vocab[a] + tok.vocab[b]
        return tok


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
