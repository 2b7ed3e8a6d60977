"""The multiplier: interpolation on log-x, lower bounds, the best-baseline envelope, the file."""

import json
import math

import matplotlib

matplotlib.use("Agg")

import pytest

from course_lib.core import label_efficiency as le


def curve(points):
    return le.summarize({n: [s] for n, s in points.items()})


def test_summarize_mean_std_and_seeds():
    summary = le.summarize({100: [0.5, 0.7], 10: [0.2, 0.2]})
    assert list(summary) == ["10", "100"]
    assert summary["100"]["mean"] == pytest.approx(0.6)
    assert summary["100"]["std"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no scores"):
        le.summarize({10: []})


def test_labels_needed_interpolates_on_log_x():
    points = [(100, 0.4), (1000, 0.6)]
    needed, bound = le.labels_needed(points, 0.5)
    assert needed == pytest.approx(math.sqrt(100 * 1000)) and not bound
    assert le.labels_needed(points, 0.3) == (100.0, False)
    assert le.labels_needed(points, 0.9) == (1000.0, True)  # never reached: a lower bound


def test_multipliers_against_scratch_and_the_best_baseline():
    curves = {
        "pretrained": curve({100: 0.6, 1000: 0.8}),
        "scratch": curve({100: 0.3, 1000: 0.6, 10000: 0.8}),
        "tfidf": curve({100: 0.4, 1000: 0.7, 10000: 0.75}),
    }
    result = le.multipliers(curves, "pretrained", ["scratch", "tfidf"])
    assert result["multiplier_at_100"] == pytest.approx(10.0)
    # envelope: 0.4 @100, 0.7 @1000 -> 0.6 is reached at 10**(2 + 2/3) labels
    assert result["multiplier_vs_best_baseline"] == pytest.approx(10 ** (2 + 2 / 3) / 100)
    assert not result["multiplier_vs_best_baseline_is_lower_bound"]
    with pytest.raises(ValueError, match="no point at 30"):
        le.multipliers(curves, "pretrained", ["scratch"], at=30)


def test_write_track_merges_tracks(tmp_path, monkeypatch):
    from course_lib.core import results

    monkeypatch.setattr(results, "results_path", lambda name, profile: tmp_path / name)
    le.write_track("text", {"multiplier_at_100": 4.0}, "cpu")
    content = le.write_track("images", {"multiplier_at_100": 2.0}, "cpu")
    saved = json.loads((tmp_path / le.RESULTS_FILE).read_text())
    assert saved == content and set(saved) == {"profile", "text", "images"}
    with pytest.raises(ValueError, match="track"):
        le.write_track("audio", {}, "cpu")


def test_plot_has_one_line_per_method():
    ax = le.plot_curves(
        {"a": curve({10: 0.1, 100: 0.5}), "b": curve({10: 0.2, 100: 0.3})}, "macro_f1"
    )
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 2


def test_per_seed_multipliers_read_each_seed_on_its_own():
    curves = {
        "pretrained": le.summarize({100: [0.6, 0.8]}),
        "scratch": le.summarize({100: [0.4, 0.5], 1000: [0.6, 0.9]}),
        "pixels": le.summarize({100: [0.5, 0.5], 1000: [0.55, 0.7]}),
    }
    result = le.multipliers_per_seed(curves, "pretrained", ["scratch", "pixels"])
    assert result["multiplier_at_100_per_seed"] == pytest.approx([10.0, 10 ** (2 + 0.75) / 100])
    assert result["multiplier_vs_best_baseline_per_seed"][0] == pytest.approx(10.0)
    assert result["lower_bound_per_seed"] == [False, False]
    head = le.headline(curves, "pretrained", ["scratch", "pixels"])
    assert (
        head["multiplier_vs_best_baseline_per_seed"]
        == result["multiplier_vs_best_baseline_per_seed"]
    )


def test_run_curves_scores_every_method_on_the_same_draws():
    import numpy as np

    seen = []

    def method(idx, seed):
        seen.append((len(idx), seed, tuple(idx)))
        return np.zeros(4, dtype=int)

    draw = lambda n, seed: np.arange(n) + seed  # noqa: E731
    scores, kept = le.run_curves(
        {"a": method, "b": method}, {"a": [10, 100], "b": [100]}, [0, 1], draw, np.zeros(4, int), 2
    )
    assert sorted(scores["a"]) == [10, 100] and sorted(scores["b"]) == [100]
    assert scores["a"][100][0]["accuracy"] == 1.0 and set(kept) == {"a", "b"}
    assert seen.count((100, 0, tuple(range(100)))) == 2  # both methods saw the same draw


def test_headline_and_kept_predictions_at_another_label_count(capsys):
    import numpy as np

    curves = {
        "pretrained": le.summarize({30: [0.6, 0.8]}),
        "scratch": le.summarize({30: [0.4, 0.5], 300: [0.6, 0.9]}),
    }
    head = le.headline(curves, "pretrained", ["scratch"], at=30)
    assert head["multiplier_at_30_per_seed"] == pytest.approx([10.0, 10**1.75 / 10])
    assert "multiplier_at_100" not in head
    worse = curves | {"scratch": le.summarize({10: [0.9, 0.9], 30: [0.95, 0.95]})}
    le.headline(worse, "pretrained", ["scratch"], at=30)
    assert (
        "upper bound: the baseline's fewest labels, 10, already got there"
        in capsys.readouterr().out
    )
    _, kept = le.run_curves(
        {"a": lambda idx, seed: np.ones(3, int)}, {"a": [10, 30]}, [0], lambda n, s: np.arange(n),
        np.ones(3, int), 2, keep_at=30,
    )  # fmt: skip
    assert list(kept) == ["a"]


SLIDER_CURVES = {
    "ssl": le.summarize({10: [0.5], 100: [0.7], 1000: [0.8]}),
    "tfidf": le.summarize({10: [0.3], 100: [0.5], 1000: [0.7]}),
    "scratch": le.summarize({10: [0.2], 100: [0.4], 1000: [0.6]}),
}


def test_the_multiplier_is_read_off_the_curves_at_any_measured_count():
    reading = le.multiplier_at(SLIDER_CURVES, "ssl", ["tfidf", "scratch"], 100)
    assert reading["score"] == pytest.approx(0.7) and reading["needed"] == pytest.approx(1000)
    assert reading["x"] == pytest.approx(10) and not reading["lower_bound"]
    at_10 = le.multiplier_at(SLIDER_CURVES, "ssl", ["tfidf"], 10)
    assert at_10["needed"] == pytest.approx(100) and at_10["x"] == pytest.approx(10)
    top = le.multiplier_at(SLIDER_CURVES, "ssl", ["tfidf"], 1000)
    assert top["lower_bound"] and ">= 1.0x" in le.multiplier_text(top, "ssl")
    with pytest.raises(ValueError, match="n: 'ssl' was measured at"):
        le.multiplier_at(SLIDER_CURVES, "ssl", ["tfidf"], 30)


def test_the_label_count_slider_updates_its_reading():
    box = le.multiplier_slider(SLIDER_CURVES, "ssl", ["tfidf", "scratch"])
    slider, readout = box.children[:2]
    assert slider.value == 100 and "10.0x" in readout.value
    slider.value = 10
    assert "With 10 labels" in readout.value and "about 100 labels" in readout.value


def test_labels_needed_by_each_baseline_and_by_their_joined_points(capsys):
    curves = {
        "ssl": curve({100: 0.7}),
        "a": curve({100: 0.3, 1000: 0.6, 10000: 0.9}),
        "b": curve({100: 0.5, 1000: 0.7, 10000: 0.72}),
    }
    needed = le.labels_needed_by_baseline(curves, "ssl", ["a", "b"])
    assert needed["a"][0] == pytest.approx(10 ** (3 + 1 / 3)) and needed["b"][0] == pytest.approx(
        1000
    )
    assert needed["envelope"][0] == pytest.approx(1000)  # b is the best at every shared count
    # best point at each count from different baselines (b at 100, a at 10,000), joined: the
    # envelope reaches 0.7 sooner than either baseline on its own (a conservative reading)
    mixed = curves | {"b": curve({100: 0.5, 10000: 0.8})}
    needed = le.labels_needed_by_baseline(mixed, "ssl", ["a", "b"])
    assert needed["envelope"] == (pytest.approx(1000), False)
    assert needed["a"][0] == pytest.approx(needed["b"][0]) == pytest.approx(10 ** (3 + 1 / 3))
    # a baseline that never gets there is said to need more than its largest count
    never = curves | {"ssl": curve({100: 0.95}), "scratch": curves["a"]}
    head = le.headline(never, "ssl", ["a", "b"])
    assert head["labels_needed"] == {"a": 10000.0, "b": 10000.0, "envelope": 10000.0}
    out = capsys.readouterr().out
    assert "a more than 10000, b more than 10000;" in out and "joined) more than 10000" in out
