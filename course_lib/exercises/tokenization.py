"""Notebook 02's exercises: BPE merges by hand, the most frequent pair, patch tokens."""

from collections import Counter
from collections.abc import Callable

from course_lib.exercises import feedback, not_done, todo
from course_lib.text.bpe import BPETokenizer, chunks


def most_frequent_pair_reference(ids: list[int]) -> tuple[int, int]:
    """The most frequent adjacent pair of `ids` (first seen wins a tie)."""
    counts = Counter(zip(ids, ids[1:], strict=False))
    return max(counts, key=counts.get)


def check_most_frequent_pair(answer: Callable[..., object] | None) -> bool:
    """Check a function most_frequent_pair(ids) -> (a, b)."""
    if not_done(answer):
        return todo("define `my_most_frequent_pair(ids)` returning the commonest adjacent pair")
    if not callable(answer):
        return feedback(False, "pass the function itself")
    for ids in ([1, 2, 1, 2, 3], [5, 5, 5, 6], list(b"the theme then"), [7, 1, 2, 1, 2]):
        try:
            got = tuple(answer(list(ids)))
        except Exception as error:
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        counts = Counter(zip(ids, ids[1:], strict=False))
        if counts.get(got, 0) != max(counts.values()):
            return feedback(
                False,
                f"for {ids} the pair {got} occurs {counts.get(got, 0)} times, "
                f"but {most_frequent_pair_reference(ids)} occurs {max(counts.values())} "
                "times (count adjacent pairs: zip(ids, ids[1:]))",
            )
    return feedback(True, "correct")


def check_patch_count(answer: object, image_size: int = 28, patch_size: int = 4) -> bool:
    """Check the number of patch tokens of a square image."""
    if not_done(answer):
        return todo(
            f"how many {patch_size}x{patch_size} patches does a {image_size}x{image_size} image give?"
        )
    want = (image_size // patch_size) ** 2
    if answer == image_size // patch_size:
        return feedback(
            False, "that is the patches along one side; the image is a square grid of them"
        )
    if answer == patch_size * patch_size:
        return feedback(
            False, "that is the number of pixels in one patch, not the number of patches"
        )
    return feedback(
        answer == want,
        "correct: a sequence of that many tokens"
        if answer == want
        else "not quite: count rows of patches times columns of patches",
    )


HAND_CORPUS = "hug pug hug pun bun hug hugs"
SPACE_SIGNS = ("␣", "Ġ", "▁")  # how tokenizers display a leading space; read as a space


def first_merges(texts: list[str], n: int = 3) -> list[str]:
    """The first `n` tokens byte-level BPE learns on `texts`, as strings (the course's trainer)."""
    tokenizer = BPETokenizer()
    tokenizer.train(texts, vocab_size=256 + n, min_frequency=2)
    return [tokenizer.vocab[256 + k].decode("utf-8") for k in range(n)]


def check_first_merges(answer: object) -> bool:
    """Check the first three tokens BPE learns on HAND_CORPUS, predicted by hand."""
    if not_done(answer):
        return todo(f"list the first 3 tokens BPE learns on {HAND_CORPUS!r}, e.g. ['ab', ...]")
    if not isinstance(answer, list | tuple) or not all(isinstance(a, str) for a in answer):
        return feedback(False, "expected a list of 3 strings, e.g. ['ab', 'abc', ' ab']")
    got = [a.translate({ord(sign): " " for sign in SPACE_SIGNS}) for a in answer]
    want = first_merges([HAND_CORPUS])
    if got == want:
        return feedback(True, f"{want}: count, merge the commonest pair, recount, repeat")
    if len(got) != len(want):
        return feedback(False, f"give exactly {len(want)} tokens, in the order they are learned")
    if sorted(got) == sorted(want):
        return feedback(
            False, "the right tokens in the wrong order: which pair is commonest first?"
        )
    if got[:2] == want[:2] and got[2].strip() == want[2].strip():
        return feedback(False, "the space belongs to the token: a chunk starts with its space")
    if got == first_merges(HAND_CORPUS.split()):  # each word alone: no spaces
        return feedback(
            False, "spaces are bytes too: the text splits into chunks like ' hug', space first"
        )
    initial = Counter()
    for chunk in chunks(HAND_CORPUS):
        initial.update(zip(chunk, chunk[1:], strict=False))
    once = [bytes(pair).decode("utf-8") for pair, _ in initial.most_common(len(want))]
    if got == once:
        return feedback(False, "recount after every merge: a merged pair's neighbours change")
    return feedback(False, "list the chunks with their counts, count adjacent pairs, merge, repeat")
