"""Image similarity search: neighbours exclude the query, precision@k by hand, the baselines."""

import numpy as np
import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.data.sources import FASHION_CLASSES, load_fashion_mnist
from course_lib.vision import similarity as sim
from course_lib.vision.encoders import EncoderConfig, SimCLRModel


def test_neighbours_exclude_the_query_and_precision_by_hand():
    x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.8, 0.2]])
    ids = sim.neighbours(x, k=2)
    assert ids.shape == (5, 2)
    assert all(i not in row for i, row in enumerate(ids))
    assert ids[2].tolist() == [3, 4]
    labels = np.array([0, 0, 1, 1, 0])
    per_query = sim.precision_at_k(ids, labels)
    assert per_query[0] == 1.0  # its two nearest are the other class-0 rows
    table = sim.precision_by_class(ids, labels, ["a", "b"])
    assert table["all"] == pytest.approx(per_query.mean())
    assert table["a"] == pytest.approx(per_query[labels == 0].mean())
    with pytest.raises(BadInput, match="embeddings"):
        sim.neighbours(x, k=5)
    with pytest.raises(BadInput, match="labels"):
        sim.precision_at_k(ids, labels[:3])


def test_pixels_beat_a_shuffle_and_encoders_embed():
    images, labels = load_fashion_mnist("test")
    images, labels = images[:400], labels[:400].numpy()
    pixels = sim.image_embeddings(None, images)
    assert pixels.shape == (400, 784)
    ids = sim.neighbours(pixels, 10)
    chance = np.bincount(labels).max() / len(labels) + 0.05
    assert sim.precision_at_k(ids, labels).mean() > chance  # pixels already group some clothes
    shuffled = sim.precision_at_k(ids, np.random.default_rng(0).permutation(labels)).mean()
    assert shuffled < chance
    torch.manual_seed(0)  # not the random encoder's seed, whatever ran before in this worker
    model = SimCLRModel(EncoderConfig(widths=(8, 16)))
    rand = sim.random_encoder(model, seed=1)
    assert rand.config == model.config
    assert not torch.equal(rand.encoder.blocks[0][0].weight, model.encoder.blocks[0][0].weight)
    assert sim.image_embeddings(rand, images[:5]).shape[0] == 5
    axes = sim.plot_gallery(images, 0, ids[0], labels, FASHION_CLASSES)
    assert len(axes) == 11


def test_gallery_widget():
    images, labels = load_fashion_mnist("test")
    images, labels = images[:50], labels[:50].numpy()
    ids = {"pixels": sim.neighbours(sim.image_embeddings(None, images), 10)}
    widget = sim.gallery(images, ids, labels, FASHION_CLASSES, start=3)
    slider, out = widget.children
    assert slider.max == 49 and slider.value == 3
    slider.value = 4  # redraws without error


def test_precision_table():
    table = sim.precision_table({"a": {"all": 0.5, "x": 1.0}, "b": {"all": 0.25, "x": 0.0}}, ["x"])
    assert table.splitlines()[0] == "| class | a | b |"
    assert "| all | 0.500 | 0.250 |" in table and "| x | 1.000 | 0.000 |" in table


def test_compare_methods_on_the_same_images():
    images, labels = load_fashion_mnist("test")
    images, labels = images[:60], labels[:60].numpy()
    model = SimCLRModel(EncoderConfig(widths=(8, 16))).eval()
    found, precision = sim.compare({"cnn": model, "pixels": None}, images, labels, FASHION_CLASSES)
    assert set(found) == set(precision) == {"cnn", "pixels"}
    assert found["pixels"].shape == (60, 10)
    assert precision["pixels"]["all"] == pytest.approx(
        sim.precision_at_k(found["pixels"], labels).mean()
    )
