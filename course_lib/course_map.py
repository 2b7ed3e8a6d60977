"""The course map: every notebook, what it teaches and how long it takes (measured, 2-core CPU)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course."""

    number: str
    file: str
    title: str
    teaches: str
    minutes_cpu: float  # measured wall time of a full run in the cpu profile on a 2-core CPU
    minutes_smoke: float  # the same in the smoke profile (what the tests run)


COURSE: tuple[Chapter, ...] = (
    Chapter(
        "00",
        "00_welcome.ipynb",
        "Welcome and setup check",
        "environment check; supervised vs unsupervised vs self-supervised vs RLHF; the map",
        0.5,
        0.3,
    ),
)


def chapter(number: str) -> Chapter:
    """Return the chapter numbered `number` (e.g. '03')."""
    for item in COURSE:
        if item.number == number:
            return item
    known = ", ".join(c.number for c in COURSE)
    raise KeyError(f"no notebook numbered {number!r}: expected one of {known}")
