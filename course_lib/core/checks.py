"""Claims a notebook makes, checked on the numbers of the same run, with a readable verdict.

A learner sees `[MET]` or `[NOT MET]` and why; the test suite (which sets COURSE_STRICT_CHECKS=1)
turns a claim that does not hold into a failure.
"""

import os

import numpy as np

from course_lib.core.validate import bad_input, check_number

STRICT_VAR = "COURSE_STRICT_CHECKS"


class ClaimNotMet(AssertionError):
    """Raised, under the tests, when a notebook's claim does not hold in this run."""


def strict() -> bool:
    """Return whether a claim that does not hold should raise (the tests) or only say so."""
    return os.environ.get(STRICT_VAR, "") not in ("", "0")


def scalar(value: object) -> object:
    """Return the Python value of a one-element tensor or array; anything else as it is."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


def verdict(claim: str, holds: bool, detail: str = "") -> None:
    """Print `[MET] claim (detail)` or `[NOT MET] ...`; raise ClaimNotMet when strict.

    Returns nothing, so that a cell ending with a check shows only the printed verdict."""
    if not isinstance(claim, str) or not claim.strip():
        raise bad_input("claim", "a sentence saying what should hold", claim, "write the claim")
    holds = scalar(holds)
    if not isinstance(holds, bool | np.bool_):
        fix = "pass a comparison (e.g. value >= bound), or use at_least/below for numbers"
        raise bad_input("holds", "True or False", holds, fix)
    if not isinstance(detail, str):
        raise bad_input("detail", "a string", detail, "format the numbers, e.g. f'{x:.3f}'")
    line = f"[{'MET' if holds else 'NOT MET'}] {claim}" + (f" ({detail})" if detail else "")
    print(line)
    if not holds and strict():
        raise ClaimNotMet(line)


def numbers(value: object, bound: object) -> tuple[float, float]:
    """Return value and bound as finite floats (one-element tensors and arrays accepted)."""
    fix = "a NaN or infinite measurement means the run broke: look at it before claiming"
    return check_number(scalar(value), "value", fix=fix), check_number(scalar(bound), "bound")


def at_least(claim: str, value: float, bound: float, unit: str = "") -> None:
    """Verdict on `value >= bound`, printing both numbers."""
    value, bound = numbers(value, bound)
    verdict(claim, value >= bound, f"{value:.4g}{unit} vs {bound:.4g}{unit} needed")


def below(claim: str, value: float, bound: float, unit: str = "") -> None:
    """Verdict on `value < bound`, printing both numbers."""
    value, bound = numbers(value, bound)
    verdict(claim, value < bound, f"{value:.4g}{unit} vs below {bound:.4g}{unit} needed")
