"""Claims a notebook makes, checked on the numbers of the same run, with a readable verdict.

A learner sees `[MET]` or `[NOT MET]` and why; the test suite (which sets COURSE_STRICT_CHECKS=1)
turns a claim that does not hold into a failure.
"""

import os

STRICT_VAR = "COURSE_STRICT_CHECKS"


class ClaimNotMet(AssertionError):
    """Raised, under the tests, when a notebook's claim does not hold in this run."""


def strict() -> bool:
    """Return whether a claim that does not hold should raise (the tests) or only say so."""
    return os.environ.get(STRICT_VAR, "") not in ("", "0")


def verdict(claim: str, holds: bool, detail: str = "") -> None:
    """Print `[MET] claim (detail)` or `[NOT MET] ...`; raise ClaimNotMet when strict.

    Returns nothing, so that a cell ending with a check shows only the printed verdict."""
    if not isinstance(claim, str) or not claim:
        raise ValueError("claim must be a non-empty sentence saying what should hold")
    line = f"[{'MET' if holds else 'NOT MET'}] {claim}" + (f" ({detail})" if detail else "")
    print(line)
    if not holds and strict():
        raise ClaimNotMet(line)


def at_least(claim: str, value: float, bound: float, unit: str = "") -> None:
    """Verdict on `value >= bound`, printing both numbers."""
    verdict(claim, value >= bound, f"{value:.4g}{unit} vs {bound:.4g}{unit} needed")


def below(claim: str, value: float, bound: float, unit: str = "") -> None:
    """Verdict on `value < bound`, printing both numbers."""
    verdict(claim, value < bound, f"{value:.4g}{unit} vs below {bound:.4g}{unit} needed")
