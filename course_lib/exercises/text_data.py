"""Notebook 01's exercises: Jaccard similarity by hand, and choosing LSH bands for a threshold."""

from collections.abc import Callable

from course_lib.data.cleaning import candidate_probability, jaccard, shingles
from course_lib.exercises import feedback, not_done, todo

PAIR = (
    "The cat sat on the mat and looked at the dog.",
    "The cat sat on the mat and looked at a dog.",
)


def check_jaccard(answer: Callable[..., object] | None) -> bool:
    """Check a function jaccard(a, b) -> float against the course's version on several set pairs."""
    if not_done(answer):
        return todo("define `my_jaccard(a, b)` returning |a & b| / |a | b| and pass the function")
    if not callable(answer):
        return feedback(False, "pass the function itself, e.g. check_jaccard(my_jaccard)")
    cases = [
        ({1, 2, 3}, {2, 3, 4}),
        ({"x"}, {"x"}),
        ({1, 2}, {3}),
        (set(), {1}),
        (shingles(PAIR[0], 3), shingles(PAIR[1], 3)),
    ]
    for a, b in cases:
        try:
            got = float(answer(set(a), set(b)))
        except Exception as error:  # feedback, not a crash
            return feedback(False, f"your function raised {type(error).__name__}: {error}")
        want = jaccard(a, b)
        if abs(got - want) > 1e-9:
            if abs(got - len(a & b) / max(len(a), 1)) < 1e-9 and a != b:
                return feedback(False, "divide by the size of the union |a | b|, not by |a|")
            if abs(got - len(a & b)) < 1e-9:
                return feedback(
                    False, "that is the size of the intersection: divide it by the union"
                )
            return feedback(
                False, f"for {sorted(a)[:4]} and {sorted(b)[:4]} expected {want:.3f}, got {got:.3f}"
            )
    return feedback(
        True,
        "correct: the two sentences above share "
        f"{jaccard(shingles(PAIR[0], 3), shingles(PAIR[1], 3)):.2f} of their 3-word shingles",
    )


BAND_GOAL = (0.55, 0.95, 0.25, 0.15)  # Jaccard 0.55: caught >= 95%; Jaccard 0.25: <= 15%


def check_bands(answer: object) -> bool:
    """Check (bands, rows) with bands*rows == 128 for a looser detector: Jaccard 0.55 pairs caught
    at least 95% of the time, Jaccard 0.25 pairs at most 15%."""
    if not_done(answer):
        return todo("set `my_bands = (bands, rows)` with bands * rows == 128")
    try:
        bands, rows = (int(x) for x in answer)
    except (TypeError, ValueError):
        return feedback(False, "expected a pair of ints (bands, rows), e.g. (16, 8)")
    if bands * rows != 128:
        return feedback(
            False, f"bands * rows must use the whole signature of 128, got {bands * rows}"
        )
    similar, at_least, dissimilar, at_most = BAND_GOAL
    high = candidate_probability(similar, bands, rows)
    low = candidate_probability(dissimilar, bands, rows)
    if high < at_least:
        return feedback(
            False,
            f"pairs at Jaccard {similar} are caught only {high:.1%} of the time: "
            "use more bands (fewer rows per band)",
        )
    if low > at_most:
        return feedback(
            False,
            f"pairs at Jaccard {dissimilar} become candidates {low:.1%} of the time: "
            "use more rows per band",
        )
    return feedback(
        True, f"{high:.1%} of {similar}-pairs are candidates, {low:.1%} of {dissimilar}-pairs"
    )
