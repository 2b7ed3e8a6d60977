"""Monitoring helpers: the shifts are the named transformations, windows are consecutive, the
dashboard draws every stream, tables hold every row, bad input is refused."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.core.validate import BadInput  # noqa: E402
from course_lib.serve import drift, monitor  # noqa: E402

IMAGES = np.random.default_rng(0).integers(0, 256, (4, 28, 28)).astype(np.uint8)


def test_shifted_images():
    assert (monitor.shifted_images(IMAGES, "inverted") == 255 - IMAGES).all()
    rotated = monitor.shifted_images(IMAGES, "rotated")
    assert (rotated[:, :, 0] == IMAGES[:, 0, ::-1]).all()  # a quarter turn anticlockwise
    noisy = monitor.shifted_images(IMAGES, "noisy", seed=1)
    assert noisy.dtype == np.uint8 and 30 < np.abs(noisy.astype(int) - IMAGES).mean() < 60
    assert (monitor.shifted_images(IMAGES, "noisy", seed=1) == noisy).all()
    with pytest.raises(BadInput, match="kind"):
        monitor.shifted_images(IMAGES, "blurred")
    with pytest.raises(BadInput, match="uint8"):
        monitor.shifted_images(IMAGES.astype(float), "inverted")


def test_stream_scores_are_per_consecutive_window():
    rng = np.random.default_rng(2)
    calm = rng.dirichlet([4.0, 1, 1], size=200)
    detector = drift.DriftDetector(calm[:100], permutations=50)
    stream = np.concatenate([calm[100:], rng.dirichlet([1.0, 1, 4], size=100)])
    scores = monitor.stream_scores(detector, stream, 50)
    assert len(scores) == 4 and [s["alarm"] for s in scores[2:]] == [True, True]
    assert scores[0] == detector.check(stream[:50])
    with pytest.raises(BadInput, match="window"):
        monitor.stream_scores(detector, stream, 1)


def test_dashboard_and_tables():
    scores = [{"p_mmd": 0.5, "p_classes": 0.3}, {"p_mmd": 0.0, "p_classes": 1e-30}]
    streams = {"text": {"latencies": [0.01] * 20, "scores": scores}}
    fig = monitor.plot_dashboard(streams | {"images": streams["text"]}, 10, shift_at=10)
    assert len(fig.axes) == 4 and len(fig.axes[2].lines) == 4  # 2 p-values, threshold, shift
    row = {"n": 5, "max_abs_diff": 1e-6, "agreement": 1.0}
    table = monitor.parity_rows({"text": {"onnx": row, "pt2": row}})
    assert table.count("\n") == 3 and "1.00e-06" in table


def test_classify_refuses_unknown_paths():
    with pytest.raises(BadInput, match="path"):
        monitor.classify("http://127.0.0.1:9", "/classify/audio", ["x"])
