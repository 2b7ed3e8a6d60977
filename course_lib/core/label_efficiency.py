"""The label-efficiency curve and the multiplier read off it: how many labels a baseline needs
to match what a pretrained model reaches with 100.

Labels needed are interpolated linearly in log(number of labels) between measured points.
"""

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import sparse
from torch import nn

from course_lib.core.finetune import Recipe, fit_classifier, predict
from course_lib.core.metrics import classification_scores, seed_summary
from course_lib.core.probe import FeatureInput, as_features, fit_probe
from course_lib.core.results import update_results

RESULTS_FILE = "label_efficiency.json"
TRACKS = ("text", "images")
# Each track's headline method, fixed in code before the test set is scored (never chosen by it).
PREREGISTERED = {
    "images": "simclr_probe",  # the standard SSL read-out: frozen encoder + the course's probe
    # the highest macro-F1 of the course's own candidates on fresh validation documents
    # (results/text_screen.json); round 1 (design documents only) had chosen cbow_simcse_probe
    "text": "cbow_simcse_setfit",
}


def summarize(scores: Mapping[int, Sequence[float]]) -> dict[str, dict]:
    """Turn {n_labels: [score per seed]} into {"n": {"mean", "std", "seeds"}} (JSON-ready)."""
    summary = {}
    for n in sorted(scores, key=int):
        if not scores[n]:
            raise ValueError(f"no scores for {n} labels")
        summary[str(int(n))] = seed_summary(scores[n])
    return summary


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
    vs_scratch = multiplier_at(curves, pretrained_method, [scratch], at)
    vs_best = multiplier_at(curves, pretrained_method, baselines, at)
    return {
        "target_score": vs_best["score"],
        f"multiplier_at_{at}": vs_scratch["x"],
        f"multiplier_at_{at}_is_lower_bound": vs_scratch["lower_bound"],
        "multiplier_vs_best_baseline": vs_best["x"],
        "multiplier_vs_best_baseline_is_lower_bound": vs_best["lower_bound"],
    }


def write_track(track: str, record: dict, profile: str) -> dict:
    """Merge one track's record into label_efficiency.json (for this profile) and return the file."""
    if track not in TRACKS:
        raise ValueError(f"track must be one of {TRACKS}, got {track!r}")
    return update_results(RESULTS_FILE, {track: record}, profile)


# a method: (labeled positions drawn from the pool, seed) -> predicted classes of the test set
Method = Callable[[np.ndarray, int], np.ndarray]


def probe_method(
    pool_x: np.ndarray | torch.Tensor | sparse.spmatrix, test_x: FeatureInput, pool_y: np.ndarray
) -> Method:
    """The course's probe on frozen features of the pool (only the drawn rows are read)."""
    test_x = as_features(test_x)

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        return fit_probe(pool_x[drawn], pool_y[drawn], seed=seed).predict(test_x)

    return run


def trained_method(
    make: Callable[[int], Callable[[], nn.Module]],
    pool_x: torch.Tensor,
    test_x: torch.Tensor,
    pool_y: np.ndarray,
    recipe: Recipe,
    run_dir: Path,
    records: dict | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Method:
    """A classifier trained by the course's one recipe (`fit_classifier`): `make(seed)` returns
    its make_model; the choice of steps of each run is kept in `records[(n, seed)]`."""
    n_classes = int(pool_y.max()) + 1

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        y = torch.as_tensor(pool_y[drawn], dtype=torch.long)
        where = Path(run_dir) / f"{len(drawn)}_{seed}"
        model, record = fit_classifier(
            make(seed),
            pool_x[drawn],
            y,
            recipe,
            where,
            n_classes=n_classes,
            augment=augment,
            seed=seed,
        )
        if records is not None:
            records[(len(drawn), seed)] = record
        return predict(model, test_x)

    return run


def run_curves(
    methods: Mapping[str, Method],
    counts: Mapping[str, Sequence[int]],
    seeds: Sequence[int],
    draw: Callable[[int, int], np.ndarray],
    y_test: np.ndarray,
    n_classes: int,
    keep_at: int = 100,
) -> tuple[dict, dict]:
    """Run every method at its label counts and seeds on the same draws; score each on the test
    set once. Return ({method: {n: [scores per seed]}}, {method: predictions at `keep_at` labels,
    first seed})."""
    scores, kept = {m: {} for m in methods}, {}
    for n in sorted({n for m in methods for n in counts[m]}):
        tick, line = time.perf_counter(), []
        for method, run in methods.items():
            if n not in counts[method]:
                continue
            for seed in seeds:
                predicted = run(draw(n, seed), seed)
                scores[method].setdefault(n, []).append(
                    classification_scores(y_test, predicted, n_classes)
                )
                if n == keep_at and seed == seeds[0]:
                    kept[method] = predicted
            line.append(f"{method} {np.mean([s['macro_f1'] for s in scores[method][n]]):.3f}")
        print(f"{n:5d} labels: " + "  ".join(line) + f"  ({time.perf_counter() - tick:.0f} s)")
    return scores, kept


def curves_of(
    scores: Mapping[str, Mapping[int, Sequence[dict]]], metric: str = "macro_f1"
) -> dict[str, dict[str, dict]]:
    """Return summarized curves {method: {"n": {"mean", "std", "seeds"}}} of one metric."""
    return {
        m: summarize({n: [s[metric] for s in v] for n, v in by_n.items()})
        for m, by_n in scores.items()
    }


def seed_curve(curve: Mapping[str, Mapping], seed: int) -> dict:
    """Return a one-seed copy of a summarized curve (that seed's score as the mean)."""
    return {n: {"mean": point["seeds"][seed]} for n, point in curve.items()}


def multipliers_per_seed(
    curves: Mapping[str, Mapping[str, Mapping]],
    method: str,
    baselines: Sequence[str],
    at: int = 100,
    scratch: str = "scratch",
) -> dict[str, list]:
    """Return the multipliers of every seed (each seed's curves read on their own)."""
    per_seed = {f"multiplier_at_{at}_per_seed": [], "multiplier_vs_best_baseline_per_seed": []}
    per_seed |= {"lower_bound_per_seed": []}
    for seed in range(len(curves[method][str(at)]["seeds"])):
        one = {m: seed_curve(curves[m], seed) for m in {method, scratch, *baselines}}
        result = multipliers(one, method, baselines, at, scratch)
        per_seed[f"multiplier_at_{at}_per_seed"].append(result[f"multiplier_at_{at}"])
        per_seed["multiplier_vs_best_baseline_per_seed"].append(
            result["multiplier_vs_best_baseline"]
        )
        per_seed["lower_bound_per_seed"].append(
            result["multiplier_vs_best_baseline_is_lower_bound"]
        )
    return per_seed


def plot_curves(
    curves: Mapping[str, Mapping[str, Mapping]],
    metric: str,
    ax: plt.Axes | None = None,
    title: str = "",
) -> plt.Axes:
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


def headline(
    curves: Mapping[str, Mapping[str, Mapping]],
    method: str,
    baselines: Sequence[str],
    scratch: str = "scratch",
    at: int = 100,
) -> dict:
    """Return the multipliers of the pre-registered `method` at `at` labels (mean curves and
    every seed) and print them with their range."""
    result = multipliers(curves, method, baselines, at, scratch)
    result |= multipliers_per_seed(curves, method, baselines, at, scratch)
    fewest = {  # the fewest labels each baseline curve was measured at
        f"multiplier_at_{at}": min(int(n) for n in curves[scratch]),
        "multiplier_vs_best_baseline": min(n for n, _ in envelope([curves[b] for b in baselines])),
    }
    needed = labels_needed_by_baseline(curves, method, baselines, at)
    result["labels_needed"] = {name: n for name, (n, _) in needed.items()}
    said = {name: f"{'more than ' if bound else ''}{n:.0f}" for name, (n, bound) in needed.items()}
    print(
        f"labels needed for {result['target_score']:.3f} on the mean curves: "
        + ", ".join(f"{b} {said[b]}" for b in baselines)
        + f"; the best baseline at each count (its points joined) {said['envelope']}"
    )
    for key in (f"multiplier_at_{at}", "multiplier_vs_best_baseline"):
        seeds = result[f"{key}_per_seed"]
        bound = ""
        if result[f"{key}_is_lower_bound"]:
            bound = " (lower bound: the baseline never got there)"
        elif result[key] * at <= fewest[key]:
            bound = (
                f" (upper bound: the baseline's fewest labels, {fewest[key]}, already got there)"
            )
        print(
            f"{key}: {result[key]:.1f}x on the mean curves{bound}; per seed "
            + ", ".join(f"{m:.1f}x" for m in seeds)
            + f" (range {min(seeds):.1f}-{max(seeds):.1f}x)"
        )
    return result


def labels_needed_by_baseline(
    curves: Mapping[str, Mapping[str, Mapping]],
    method: str,
    baselines: Sequence[str],
    at: int = 100,
) -> dict[str, tuple[float, bool]]:
    """Return (labels needed, is_lower_bound) for `method`'s mean at `at`: each baseline's own
    and their envelope's (key "envelope")."""
    target = float(curves[method][str(at)]["mean"])
    needed = {b: labels_needed(envelope([curves[b]]), target) for b in baselines}
    return needed | {"envelope": labels_needed(envelope([curves[b] for b in baselines]), target)}


def goal_report(result: dict, goal: float = 5.0, every_seed: float = 3.0) -> bool:
    """Print whether the course's goal holds: the multiplier vs the best baseline >= `goal` and
    every seed's >= `every_seed` (a goal, not a claim: it may honestly not be met)."""
    mean, seeds = (
        result["multiplier_vs_best_baseline"],
        result["multiplier_vs_best_baseline_per_seed"],
    )
    met = mean >= goal and min(seeds) >= every_seed
    print(
        f"goal ({goal:g}x vs the best baseline, every seed >= {every_seed:g}x): "
        f"{'MET' if met else 'NOT MET'} ({mean:.1f}x, lowest seed {min(seeds):.1f}x)"
    )
    return met


def multiplier_at(
    curves: Mapping[str, Mapping[str, Mapping]], method: str, baselines: Sequence[str], n: int
) -> dict:
    """Return what `method` reaches with `n` labels and how many the best baseline needs for it."""
    if str(n) not in curves[method]:
        raise ValueError(
            f"n: {method!r} was measured at {sorted(map(int, curves[method]))}, not {n}"
        )
    target = float(curves[method][str(n)]["mean"])
    needed, lower_bound = labels_needed(envelope([curves[b] for b in baselines]), target)
    return {"n": n, "score": target, "needed": needed, "lower_bound": lower_bound, "x": needed / n}


def multiplier_text(reading: dict, method: str) -> str:
    """Return one sentence saying what a reading of the curves means."""
    more = "more than " if reading["lower_bound"] else "about "
    return (
        f"With {reading['n']} labels, {method} reaches {reading['score']:.3f}; the best baseline "
        f"without pretraining needs {more}{reading['needed']:.0f} labels for that: "
        f"{'>= ' if reading['lower_bound'] else ''}{reading['x']:.1f}x"
    )


def multiplier_slider(
    curves: Mapping[str, Mapping[str, Mapping]], method: str, baselines: Sequence[str]
) -> widgets.VBox:
    """Return a widget: pick a label count, read the multiplier off the curves, see where."""
    counts = sorted(int(n) for n in curves[method])
    slider = widgets.SelectionSlider(options=counts, value=100 if 100 in counts else counts[0])
    slider.description, readout, plot = "labels", widgets.HTML(), widgets.Output()

    def redraw(_=None) -> None:
        reading = multiplier_at(curves, method, baselines, slider.value)
        readout.value = f"<b>{multiplier_text(reading, method)}</b>"
        with plot:
            plot.clear_output(wait=True)
            ax = plot_curves({m: curves[m] for m in (method, *baselines)}, "macro-F1")
            ax.axhline(reading["score"], ls=":", c="gray")
            ax.axvline(reading["n"], ls="--", c="tab:blue", alpha=0.5)
            ax.axvline(reading["needed"], ls="--", c="tab:red", alpha=0.5)
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, readout, plot])
