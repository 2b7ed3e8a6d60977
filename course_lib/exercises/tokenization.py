"""Notebook 02's exercises: one BPE merge step, the most frequent pair, patch tokens."""

from collections import Counter

from course_lib.exercises import feedback, not_done, todo
from course_lib.text.bpe import merge

MERGE_CASES = [
    ([1, 2, 3, 1, 2], (1, 2), 99, [99, 3, 99]),
    ([1, 1, 1], (1, 1), 7, [7, 1]),
    ([5, 6], (6, 5), 9, [5, 6]),
    ([], (1, 2), 3, []),
    ([4, 1, 2, 1, 2, 2], (1, 2), 8, [4, 8, 8, 2]),
]


def check_merge(answer) -> bool:
    """Check a function merge(ids, pair, new_id) -> list against the course's BPE merge."""
    if not_done(answer):
        return todo("define `my_merge(ids, pair, new_id)` and pass the function")
    if not callable(answer):
        return feedback(False, "pass the function itself, e.g. check_merge(my_merge)")
    for ids, pair, new_id, want in MERGE_CASES:
        assert merge(ids, pair, new_id) == want  # the reference agrees with the cases
        try:
            got = list(answer(list(ids), pair, new_id))
        except Exception as error:
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        if got != want:
            hint = ""
            if ids == [1, 1, 1]:
                hint = " (occurrences must not overlap: after merging a pair, skip both of its ids)"
            elif ids == [5, 6]:
                hint = " (the pair is ordered: (6, 5) is not (5, 6))"
            return feedback(
                False, f"merge({ids}, {pair}, {new_id}) should be {want}, got {got}{hint}"
            )
    return feedback(
        True, "correct: this is one step of BPE training, repeated vocab_size - 256 times"
    )


def most_frequent_pair_reference(ids: list[int]) -> tuple[int, int]:
    """The most frequent adjacent pair of `ids` (first seen wins a tie)."""
    counts = Counter(zip(ids, ids[1:], strict=False))
    return max(counts, key=counts.get)


def check_most_frequent_pair(answer) -> bool:
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


def check_patch_count(answer, image_size: int = 28, patch_size: int = 4) -> bool:
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
