"""The environment check: [OK] or [FAIL] for every package, data source, the device and the profile."""

import platform
import sys
from importlib import metadata

from packaging.requirements import Requirement

from course_lib.data.sources import SOURCES, ChecksumError, SourceMissingError, source_dir

DISTRIBUTION = "ssl-course"


def course_requirements() -> list[Requirement]:
    """Return the course's declared requirements (from its installed metadata)."""
    try:
        declared = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError as error:
        raise RuntimeError(
            "the course package is not installed: run `make setup` in the course folder"
        ) from error
    return [Requirement(r.split(";")[0]) for r in declared]


def check_package(requirement: Requirement) -> tuple[bool, str]:
    """Return (ok, line) for one requirement: installed, and at a version the course expects."""
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return False, f"[FAIL] {requirement.name}: not installed (expected {requirement})"
    public = version.split("+")[0]  # 2.13.0+cpu and 2.13.0+cu128 are both 2.13.0
    if requirement.specifier and not requirement.specifier.contains(public, prereleases=True):
        return False, f"[FAIL] {requirement.name} {public}: the course expects {requirement}"
    return True, f"[OK]   {requirement.name} {public}"


def check_sources() -> list[tuple[bool, str]]:
    """Return (ok, line) for every registered data source, checksums verified."""
    rows = []
    for name, source in SOURCES.items():
        try:
            source_dir(name)
            rows.append((True, f"[OK]   data: {name} ({source.licence.split(';')[0]})"))
        except (SourceMissingError, ChecksumError) as error:
            rows.append((False, f"[FAIL] data: {error}"))
    return rows


def check_environment(verbose: bool = True) -> bool:
    """Print one line per package and data source; return True when everything is OK."""
    rows = [(sys.version_info[:2] == (3, 11), "[OK]   python 3.11")]
    if not rows[0][0]:
        rows[0] = (False, f"[FAIL] python {platform.python_version()}: the course expects 3.11")
    rows += [check_package(r) for r in course_requirements()]
    rows += check_sources()
    if verbose:
        print("\n".join(line for _, line in rows))
    return all(ok for ok, _ in rows)
