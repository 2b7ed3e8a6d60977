"""Notebook 10's monitoring: a stream of requests to the running service, shifted inputs, drift
scores window by window, and a dashboard of latency and drift over time."""

import time
from collections.abc import Sequence

import httpx
import matplotlib.pyplot as plt
import numpy as np

from course_lib.core.validate import bad_input, check_choice, check_int
from course_lib.serve.drift import DriftDetector

SHIFTS = ("inverted", "rotated", "noisy")
KEYS = {"/classify/text": "texts", "/classify/image": "images"}


def as_payload(item: str | np.ndarray) -> object:
    """Return one text or image as JSON-ready (images as nested lists of ints)."""
    return item.tolist() if hasattr(item, "tolist") else item


def classify(
    url: str,
    path: str,
    items: Sequence[str] | Sequence[np.ndarray] | np.ndarray,
    batch_size: int = 1,
) -> tuple[np.ndarray, list[float]]:
    """Send `items` to the service `batch_size` per request, in order; return the probabilities
    (n, classes) and each request's latency in seconds (RuntimeError on any non-200 answer)."""
    key = KEYS[check_choice(path, "path", list(KEYS))]
    check_int(batch_size, "batch_size", 1)
    probs, latencies = [], []
    with httpx.Client(base_url=url, timeout=30) as client:
        for start in range(0, len(items), batch_size):
            body = {key: [as_payload(x) for x in items[start : start + batch_size]]}
            begin = time.perf_counter()
            answer = client.post(path, json=body)
            latencies.append(time.perf_counter() - begin)
            if answer.status_code != 200:
                raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
            probs += answer.json()["probabilities"]
    return np.asarray(probs), latencies


def shifted_images(images: np.ndarray, kind: str, seed: int = 0) -> np.ndarray:
    """Return uint8 images (N, 28, 28) inverted (255 - x), rotated a quarter turn, or with
    Gaussian noise (std 60 grey levels)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        fix = "pass uint8 images (N, H, W) as Fashion-MNIST gives them"
        raise bad_input("images", "uint8 (N, H, W)", images, fix)
    if check_choice(kind, "kind", SHIFTS) == "inverted":
        return 255 - images
    if kind == "rotated":
        return np.rot90(images, 1, axes=(1, 2)).copy()
    noise = np.random.default_rng(seed).normal(0, 60, images.shape)
    return np.clip(images + noise, 0, 255).astype(np.uint8)


def stream_scores(detector: DriftDetector, outputs: np.ndarray, window: int) -> list[dict]:
    """Return the drift test of each consecutive window of `window` outputs of a stream."""
    check_int(window, "window", 2)
    return [
        detector.check(outputs[start : start + window])
        for start in range(0, len(outputs) - window + 1, window)
    ]


def plot_dashboard(streams: dict[str, dict], window: int, shift_at: int) -> plt.Figure:
    """Plot, for each model's stream {latencies (s), scores (stream_scores)}, the p50/p95 latency
    and the drift p-values per window, with the moment the inputs shifted marked."""
    fig, axes = plt.subplots(2, len(streams), figsize=(5.2 * len(streams), 5.6), squeeze=False)
    for col, (name, stream) in enumerate(streams.items()):
        ms = np.asarray(stream["latencies"]) * 1000
        ends = np.arange(window, len(ms) + 1, window)
        for q in (50, 95):
            axes[0, col].plot(ends, [np.percentile(ms[e - window : e], q) for e in ends],
                              marker=".", label=f"p{q}")  # fmt: skip
        axes[0, col].set(title=f"{name}: latency per window", ylabel="ms")
        p_mmd = [max(s["p_mmd"], 1e-4) for s in stream["scores"]]
        p_cls = [max(s["p_classes"], 1e-12) for s in stream["scores"]]
        axes[1, col].semilogy(ends[: len(p_mmd)], p_mmd, "o-", label="MMD p-value")
        axes[1, col].semilogy(ends[: len(p_cls)], p_cls, "s-", label="class chi-square p-value")
        axes[1, col].axhline(0.025, color="red", lw=1, label="alarm below 0.025")
        axes[1, col].set(xlabel="requests", ylabel="p-value (log)", title=f"{name}: drift")
        for ax in axes[:, col]:
            ax.axvline(shift_at, color="gray", ls="--", lw=1)
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def parity_rows(results: dict[str, dict[str, dict]]) -> str:
    """Return a markdown table of {model: {'format @ shape': parity(...)}}."""
    lines = [
        "| model | format, inputs | n | max abs logit diff | agreement |",
        "|---|---|---|---|---|",
    ]
    for model, rows in results.items():
        for name, r in rows.items():
            lines.append(
                f"| {model} | {name} | {r['n']} | {r['max_abs_diff']:.2e} | {r['agreement']:.4f} |"
            )
    return "\n".join(lines)
