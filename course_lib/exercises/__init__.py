"""Exercise checkers: each gives specific feedback and returns True only for a right answer.

A checker called with the learner's answer still `None` (or `...`) prints a hint instead of
raising, so the shipped notebooks run clean with the exercises left undone.
"""

from collections.abc import Callable

PASS, FAIL, TODO = "[PASS]", "[TRY AGAIN]", "[NOT DONE YET]"


def not_done(answer: object) -> bool:
    """Return True while the learner has not answered (None or Ellipsis)."""
    return answer is None or answer is Ellipsis


def feedback(ok: bool, message: str) -> bool:
    """Print a pass/fail line with a specific message and return `ok`."""
    print(f"{PASS if ok else FAIL} {message}")
    return ok


def todo(hint: str) -> bool:
    """Print the hint for an exercise that has not been attempted; return False."""
    print(f"{TODO} {hint}")
    return False


def run_checks(
    answer: object, hint: str, checks: list[tuple[Callable[[object], bool], str]]
) -> bool:
    """Apply (predicate, message-if-it-fails) pairs in order; the first failure is the feedback."""
    if not_done(answer):
        return todo(hint)
    for predicate, message in checks:
        try:
            passed = bool(predicate(answer))
        except Exception as error:  # a wrong type or shape is feedback, not a crash
            return feedback(False, f"{message} ({type(error).__name__}: {error})")
        if not passed:
            return feedback(False, message)
    return feedback(True, "correct")
