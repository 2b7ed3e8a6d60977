"""Seeding and device selection: the same notebook on a laptop CPU or a GPU."""

import os
import random
import time
from collections.abc import Callable

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


def matmul_gflops(
    size: int = 1024, seconds: float = 1.0, dtype: torch.dtype = torch.float32
) -> float:
    """Measure this machine's matrix-multiply speed (GFLOP/s) with square `size` matrices."""
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
    return 2 * size**3 * count / (time.perf_counter() - start) / 1e9


PRECISION_DTYPES = {"bf16": torch.bfloat16, "no": torch.float32}


def training_peak_gflops(precision: str, size: int = 1024, seconds: float = 1.0) -> float:
    """Measure the matrix-multiply peak (GFLOP/s) in the precision training ran in ('bf16' or 'no').

    Under bf16 autocast the model's matrix multiplies run in bf16, so its MFU is measured against
    the bf16 peak, not the (often several times lower) fp32 one.
    """
    if precision not in PRECISION_DTYPES:
        raise ValueError(f"precision must be one of {sorted(PRECISION_DTYPES)}, got {precision!r}")
    return matmul_gflops(size, seconds, PRECISION_DTYPES[precision])


def step_seconds(model: torch.nn.Module, batch: dict, loss_fn: Callable, repeats: int = 3) -> float:
    """Fastest of `repeats` forward+backward passes of `loss_fn` on `batch` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loss_fn(model, batch).backward()
        times.append(time.perf_counter() - started)
    model.zero_grad()
    return min(times)
