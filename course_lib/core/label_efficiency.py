"""The label-efficiency curve and the multiplier read off it: how many labels a baseline needs
to match what a pretrained model reaches with 100.

Labels needed are interpolated linearly in log(number of labels) between measured points.
"""

import json
import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_lib.core.paths import results_path

RESULTS_FILE = "label_efficiency.json"
TRACKS = ("text", "images")


def summarize(scores: Mapping[int, Sequence[float]]) -> dict[str, dict]:
    """Turn {n_labels: [score per seed]} into {"n": {"mean", "std", "seeds"}} (JSON-ready)."""
    summary = {}
    for n in sorted(scores, key=int):
        values = [float(v) for v in scores[n]]
        if not values:
            raise ValueError(f"no scores for {n} labels")
        summary[str(int(n))] = {
            "mean": float(np.mean(values)),
            "std": float(np.std(values)),
            "seeds": values,
        }
    return summary


def means(curve: Mapping[str, Mapping]) -> list[tuple[int, float]]:
    """Return (n_labels, mean score) pairs of a summarized curve, sorted by n."""
    return sorted((int(n), float(point["mean"])) for n, point in curve.items())


def labels_needed(points: Sequence[tuple[int, float]], target: float) -> tuple[float, bool]:
    """Return (labels needed to reach `target`, is_lower_bound) from (n, score) points.

    The first crossing is interpolated on log-x; a curve that never reaches the target gives
    its largest n, marked as a lower bound.
    """
    points = sorted(points)
    if not points:
        raise ValueError("expected at least one (n_labels, score) point")
    if points[0][1] >= target:
        return float(points[0][0]), False
    for (n0, s0), (n1, s1) in zip(points, points[1:], strict=False):
        if s1 >= target:
            fraction = (target - s0) / (s1 - s0)
            return float(math.exp(math.log(n0) + fraction * (math.log(n1) - math.log(n0)))), False
    return float(points[-1][0]), True


def envelope(curves: Sequence[Mapping[str, Mapping]]) -> list[tuple[int, float]]:
    """Return the best mean score among several curves at each label count they share."""
    shared = set.intersection(*(set(c) for c in curves))
    return sorted((int(n), max(float(c[n]["mean"]) for c in curves)) for n in shared)


def multipliers(
    curves: Mapping[str, Mapping[str, Mapping]],
    pretrained_method: str,
    baselines: Sequence[str],
    at: int = 100,
    scratch: str = "scratch",
) -> dict[str, float | bool]:
    """Return multiplier_at_<at> (vs `scratch`) and multiplier_vs_best_baseline, with bound flags."""
    if str(at) not in curves[pretrained_method]:
        raise ValueError(f"{pretrained_method!r} has no point at {at} labels")
    target = float(curves[pretrained_method][str(at)]["mean"])
    vs_scratch, scratch_bound = labels_needed(means(curves[scratch]), target)
    vs_best, best_bound = labels_needed(envelope([curves[b] for b in baselines]), target)
    return {
        "target_score": target,
        f"multiplier_at_{at}": vs_scratch / at,
        f"multiplier_at_{at}_is_lower_bound": scratch_bound,
        "multiplier_vs_best_baseline": vs_best / at,
        "multiplier_vs_best_baseline_is_lower_bound": best_bound,
    }


def write_track(track: str, record: dict, profile: str) -> dict:
    """Merge one track's record into label_efficiency.json (for this profile) and return the file."""
    if track not in TRACKS:
        raise ValueError(f"track must be one of {TRACKS}, got {track!r}")
    path = results_path(RESULTS_FILE, profile)
    content = json.loads(path.read_text()) if path.is_file() else {}
    content.update({"profile": profile, track: record})
    path.write_text(json.dumps(content, indent=2) + "\n")
    return content


def plot_curves(curves: Mapping[str, Mapping[str, Mapping]], metric: str, ax=None, title: str = ""):
    """Plot every method's score vs number of labels (log-x), mean ± std over seeds."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    for method, curve in curves.items():
        ns = sorted(curve, key=int)
        mean = [curve[n]["mean"] for n in ns]
        std = [curve[n]["std"] for n in ns]
        ax.errorbar([int(n) for n in ns], mean, yerr=std, marker="o", capsize=3, label=method)
    ax.set_xscale("log")
    ax.set_xlabel("number of labeled examples (log scale)")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title(title or f"label efficiency: {metric} vs labels")
    return ax
