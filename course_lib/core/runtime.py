"""Seeding and device selection: the same notebook on a laptop CPU or a GPU."""

import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) so that a run can be repeated."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


def get_device() -> torch.device:
    """Return CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_has_bf16() -> bool:
    """Return True when this CPU has native bf16 instructions (AVX512-BF16 or AMX)."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


def bf16_supported(device: torch.device | None = None) -> bool:
    """Return True when bf16 autocast is fast on `device` (detected, never assumed)."""
    device = device or get_device()
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return cpu_has_bf16()


def mixed_precision(device: torch.device | None = None) -> str:
    """Return the `accelerate` mixed-precision mode for `device`: 'bf16' or 'no'."""
    return "bf16" if bf16_supported(device) else "no"
