"""Where the course keeps things, resolved from the package, never from the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
SPLITS_DIR = DATA_DIR / "splits"
CACHE_DIR = DATA_DIR / "cache"  # git-ignored: downloads and derived caches
ARTIFACTS_DIR = ROOT / "artifacts"  # git-ignored: what the notebooks train and save
RESULTS_DIR = ROOT / "results"  # committed: the numbers the notebooks measure


def artifact_dir(name: str) -> Path:
    """Return (and create) a git-ignored folder for a trained artifact, e.g. 'bert_mlm'."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"artifact name must be a plain folder name like 'bert_mlm', got {name!r}")
    path = ARTIFACTS_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_path(name: str) -> Path:
    """Return the path of a committed results file, e.g. 'pretraining_text.json'."""
    if not name.endswith(".json"):
        raise ValueError(f"results files are JSON: expected a name ending in '.json', got {name!r}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR / name
