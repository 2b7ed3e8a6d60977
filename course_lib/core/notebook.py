"""What every notebook does first (pick the profile, seed, say how long the run will take) and last
(say how long it took, against that statement and the course's 10-minute budget)."""

import logging
import time
import warnings

import torch

from course_lib.core.course_map import chapter
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.runtime import get_device, mixed_precision, seed_everything
from course_lib.core.validate import bad_input

BUDGET_MINUTES = 10.0  # no notebook may take longer in the cpu profile
TOLERANCE = 0.25  # a run "takes about" the stated time when within 25% of it (or 0.25 min:
# the map times whole runs, finish() from the first cell: the kernel's start-up is not counted)
STARTED: dict[str, float] = {}  # notebook number -> when start() ran (perf_counter seconds)


def quiet_libraries() -> None:
    """Silence library warnings whose text changes from run to run (paths, timings)."""
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    for name in ("transformers", "datasets", "accelerate", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers is a course dependency
        pass


def start(number: str, seed: int = 0) -> Profile:
    """Set up a notebook: quiet warnings, seed everything, print profile, device and expected time."""
    quiet_libraries()
    seed_everything(seed)
    profile = get_profile()
    item = chapter(number)
    device = get_device()
    STARTED[item.number] = time.perf_counter()
    minutes = stated_minutes(number, profile.name)
    where = "2-core CPU" if profile.name != "gpu" else "one GPU (less)"
    print(f"Notebook {item.number}: {item.title}")
    print(f"Profile: {profile.name} ({profile.description})")
    print(
        f"Device: {device.type}, {torch.get_num_threads()} threads, precision: {mixed_precision()}"
    )
    print(f"Expected time: about {minutes:g} min on a {where} in this profile")
    return profile


def stated_minutes(number: str, profile_name: str) -> float:
    """Return the minutes the course map states for notebook `number` in this profile."""
    item = chapter(number)
    return item.minutes_smoke if profile_name == "smoke" else item.minutes_cpu


def about_as_stated(minutes: float, stated: float) -> bool:
    """Return True if a run of `minutes` took about the `stated` time (within TOLERANCE)."""
    return abs(minutes - stated) <= max(TOLERANCE * stated, 0.25)


def finish(number: str) -> float:
    """Print how long notebook `number` ran since start() (the kernel's few seconds of start-up are
    not counted), judged against its stated time and the budget in cpu; return the minutes."""
    if number not in STARTED:
        fix = f"run the first cell (start({number!r})) before this one"
        raise bad_input("number", "a notebook started in this kernel", number, fix)
    minutes = (time.perf_counter() - STARTED[number]) / 60
    profile = get_profile().name
    stated = stated_minutes(number, profile)
    took = f"{minutes:.1f} min" + (f" ({minutes * 60:.0f} s)" if minutes < 1 else "")
    line = f"this notebook ran in {took} ({profile} profile); stated: about {stated:g} min"
    if profile == "cpu":
        pace = "faster" if minutes < stated else "slower"
        judged = "about as stated" if about_as_stated(minutes, stated) else f"{pace} than stated"
        budget = "within" if minutes <= BUDGET_MINUTES else "OVER"
        line += f": {judged}; {budget} the {BUDGET_MINUTES:g}-min budget"
    print(line)
    return minutes
