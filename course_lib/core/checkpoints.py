"""The course's one checkpoint format: a folder holding the weights (model.safetensors), what to
build (config.json) and how it was trained (training.json), with a model card (README.md).

transformers models (the small BERT, the SimCSE encoder) write the first two with
`save_pretrained`; the course's own models (CBOW, the SimCLR CNN) with `save_weights`. Every
checkpoint writes its training record with `write_training`, and `core.paths.longest_trained`
picks among checkpoints by what `read_training` returns.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from course_lib.core.validate import bad_input

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
TRAINING_NAME = "training.json"


def check_folder(folder: object) -> Path:
    """Return `folder` as a Path, refusing anything that is not a path."""
    if not isinstance(folder, str | Path):
        raise bad_input("folder", "a folder path", folder, "pass a str or pathlib.Path")
    return Path(folder)


def save_weights(folder: str | Path, model: torch.nn.Module, config: dict) -> Path:
    """Write a course model's weights (model.safetensors) and its config.json into `folder`."""
    folder = check_folder(folder)
    if not isinstance(model, torch.nn.Module):
        raise bad_input("model", "a torch nn.Module", model, "pass the trained model itself")
    if not isinstance(config, dict):
        raise bad_input("config", "a dict (what to build)", config, "e.g. {'dim': 128}")
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, folder / WEIGHTS_NAME)
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def load_weights(folder: str | Path) -> dict[str, torch.Tensor]:
    """Return the state dict saved in `folder` by `save_weights` (or `save_pretrained`)."""
    path = check_folder(folder) / WEIGHTS_NAME
    if not path.is_file():
        fix = "pass a folder written by the course's training commands (they save the weights)"
        raise FileNotFoundError(f"no {WEIGHTS_NAME} in {path.parent.name}: {fix}")
    return load_file(path)


def write_training(folder: str | Path, record: dict) -> Path:
    """Write training.json (the run's settings, its curve and its time) into `folder`."""
    folder = check_folder(folder)
    if not isinstance(record, dict):
        raise bad_input("record", "a dict (how it was trained)", record, "e.g. {'steps': 100}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TRAINING_NAME
    path.write_text(json.dumps(record, indent=1, default=str) + "\n")
    return path


def read_training(folder: str | Path) -> dict:
    """Return a checkpoint's training.json ({} when the folder has none)."""
    path = check_folder(folder) / TRAINING_NAME
    return json.loads(path.read_text()) if path.is_file() else {}


def read_config(folder: str | Path) -> dict:
    """Return a checkpoint's config.json."""
    return json.loads((check_folder(folder) / CONFIG_NAME).read_text())
