"""Test set-up for tests/ and notebooks/: smoke profile, quiet progress bars, no network beyond loopback (kernels included)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

GUARD = Path(__file__).parent / "tests" / "netguard"

os.environ["COURSE_PROFILE"] = os.environ.get("COURSE_PROFILE", "smoke")
for var in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS", "HF_DATASETS_DISABLE_PROGRESS_BARS"):
    os.environ[var] = "1"
# parallel workers share the cores instead of each spawning one thread per core
workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
# each test worker trains into its own scratch folder, never into the learner's artifacts/
worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
scratch = Path(tempfile.gettempdir()) / f"ssl-course-tests-{worker}"
shutil.rmtree(scratch, ignore_errors=True)  # every session starts from nothing, like a new learner
os.environ["COURSE_ARTIFACTS_DIR"] = str(scratch)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["COURSE_STRICT_CHECKS"] = "1"  # a notebook claim that does not hold fails the test
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(GUARD)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)
sys.path.insert(0, str(GUARD))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process too)
