"""What every notebook does first: pick the profile, seed, and say how long the run will take."""

import logging
import warnings

import torch

from course_lib.core.course_map import chapter
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.runtime import get_device, mixed_precision, seed_everything


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
    minutes = item.minutes_smoke if profile.name == "smoke" else item.minutes_cpu
    where = "2-core CPU" if profile.name != "gpu" else "one GPU (less)"
    print(f"Notebook {item.number}: {item.title}")
    print(f"Profile: {profile.name} ({profile.description})")
    print(
        f"Device: {device.type}, {torch.get_num_threads()} threads, precision: {mixed_precision()}"
    )
    print(f"Expected time: about {minutes:g} min on a {where} in this profile")
    return profile
