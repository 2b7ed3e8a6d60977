"""Test set-up: smoke profile, quiet progress bars, no network beyond loopback (kernels included)."""

import os
import sys
from pathlib import Path

GUARD = Path(__file__).parent / "netguard"

os.environ["COURSE_PROFILE"] = os.environ.get("COURSE_PROFILE", "smoke")
for var in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS", "HF_DATASETS_DISABLE_PROGRESS_BARS"):
    os.environ[var] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(GUARD)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)
sys.path.insert(0, str(GUARD))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process too)
