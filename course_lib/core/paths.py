"""Where the course keeps things, resolved from the package, never from the working directory."""

import hashlib
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from course_lib.core.checkpoints import read_training
from course_lib.core.profiles import get_profile

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
SPLITS_DIR = DATA_DIR / "splits"
REFERENCE_DIR = DATA_DIR / "reference"  # committed reference checkpoints, each with a model card
CACHE_DIR = DATA_DIR / "cache"  # git-ignored: downloads and derived caches
# git-ignored: what the notebooks train and save (the tests point it at a scratch folder)
ARTIFACTS_DIR = Path(os.environ.get("COURSE_ARTIFACTS_DIR") or ROOT / "artifacts")
RESULTS_DIR = ROOT / "results"  # committed: the numbers measured in the cpu profile
COMMITTED_RESULTS_PROFILE = "cpu"


def artifact_dir(name: str) -> Path:
    """Return (and create) a git-ignored folder for a trained artifact, e.g. 'bert_mlm'."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"artifact name must be a plain folder name like 'bert_mlm', got {name!r}")
    path = ARTIFACTS_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_folder(kind: str, out: Path) -> Path:
    """Return (and create) the checkpoint folder of a CLI run writing to `out`: one per `out`
    path (its name plus a hash of the resolved path), so two `--out`s never share a run."""
    out = Path(out).resolve()
    digest = hashlib.sha256(str(out).encode()).hexdigest()[:8]
    return artifact_dir(f"{kind}_run_{out.name}_{digest}")


def results_path(name: str, profile: str | None = None) -> Path:
    """Return where a results file goes: results/ for the cpu profile, artifacts/ for the others."""
    if not name.endswith(".json") or "/" in name:
        raise ValueError(f"results files are JSON: expected a name ending in '.json', got {name!r}")
    profile = profile or get_profile().name
    folder = (
        RESULTS_DIR if profile == COMMITTED_RESULTS_PROFILE else ARTIFACTS_DIR / "results" / profile
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def steps_trained(folder: Path) -> int:
    """Return the training steps recorded in a folder's training.json (0 when there is none)."""
    return read_training(folder).get("steps", 0)


def longest_trained(
    candidates: list[tuple[Path, str]],
    make_command: str,
    measure: Callable[[Path], int] = steps_trained,
    unit: str = "steps",
) -> tuple[Path, str]:
    """Among (folder, description) pairs, pick the one trained longest by `measure`; with none,
    raise FileNotFoundError saying which command makes one (the course's one fallback)."""
    found = [(measure(Path(folder)), str(folder), name) for folder, name in candidates]
    amount, folder, name = max(found)
    if amount == 0:
        names = " or ".join(name for _, name in candidates)
        raise FileNotFoundError(f"no trained model found ({names}): run `{make_command}`")
    return Path(folder), f"{name} ({amount:,} {unit})"


def reproduce_command(module: str, argv: list[str] | None = None) -> str:
    """Return `python -m <module> <args>` as typed, with this checkout's paths made relative."""
    args = shlex.join(argv if argv is not None else sys.argv[1:])
    return f"python -m {module} " + args.replace(str(ROOT) + "/", "")
