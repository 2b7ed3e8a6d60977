"""Few-label image classification: classifiers from a pretrained or random encoder, the step
budget, the labeled holdout, training with early stopping, the probe."""

import numpy as np
import pytest
import torch

from course_lib.vision.classify import (
    ImageClassifier,
    fit_classifier,
    holdout_or_none,
    make_classifier,
    predict_images,
    probe_scores,
    steps_for,
)
from course_lib.vision.encoders import EncoderConfig, SimCLRModel


def toy_images(n: int = 60, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two easy classes: a bright left half or a bright right half."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    images = torch.randint(0, 40, (n, 28, 28), generator=g, dtype=torch.uint8)
    images[labels == 0, :, :14] += 200
    images[labels == 1, :, 14:] += 200
    return images, labels


def test_pretrained_encoder_is_copied_not_shared():
    pretrained = SimCLRModel(EncoderConfig())
    model = make_classifier(pretrained, n_classes=10)
    first = next(iter(pretrained.encoder.parameters()))
    copied = next(iter(model.encoder.parameters()))
    torch.testing.assert_close(first, copied)
    with torch.no_grad():
        copied.add_(1.0)
    assert not torch.equal(first, copied)
    assert model(torch.zeros(3, 28, 28, dtype=torch.uint8)).shape == (3, 10)


def test_random_classifiers_depend_on_the_seed_only():
    a, b, c = make_classifier(seed=1), make_classifier(seed=1), make_classifier(seed=2)
    torch.testing.assert_close(a.head.weight, b.head.weight)
    assert not torch.equal(a.head.weight, c.head.weight)


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="SimCLRModel or ConvEncoder"):
        make_classifier(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="n_classes"):
        ImageClassifier(make_classifier().encoder, n_classes=1)
    with pytest.raises(ValueError, match="positive"):
        steps_for(0, 10, 32, 100)
    with pytest.raises(ValueError, match="uint8 images"):
        fit_classifier(make_classifier(), torch.rand(4, 28, 28), torch.zeros(4), tmp_path, 1e-3, 2)
    with pytest.raises(ValueError, match="at least one example"):
        predict_images(make_classifier(), torch.zeros(0, 28, 28, dtype=torch.uint8))


def test_step_budget_is_epochs_capped():
    assert steps_for(100, 30, 32, 1000) == 4 * 30
    assert steps_for(100, 30, 32, 50) == 50
    assert steps_for(8, 3, 32, 100) == 3  # a batch larger than the data is one step per epoch
    assert steps_for(8, 3, 32, 100, min_steps=40) == 40  # tiny label sets still get trained
    with pytest.raises(ValueError, match="min_steps <= max_steps"):
        steps_for(100, 30, 32, 50, min_steps=60)


def test_holdout_keeps_every_class_in_training():
    labels = np.repeat(np.arange(10), 10)
    fit, val = holdout_or_none(labels)
    assert len(val) == 20 and set(labels[fit]) == set(range(10)) and not set(fit) & set(val)
    fit, val = holdout_or_none(np.arange(10))  # one example per class: nothing to hold out
    assert val == [] and fit == list(range(10))


def test_training_learns_and_early_stopping_keeps_the_best(tmp_path):
    images, labels = toy_images()
    model = make_classifier(seed=0)
    history = fit_classifier(
        model, images, labels, tmp_path / "run", lr=3e-3, steps=40, batch_size=16, patience=2
    )
    assert history["fit"] == 48 and history["val"] == 12
    assert {"train_loss", "val_loss", "val_macro_f1"} <= set(history["eval"][0])
    best = min(e["val_loss"] for e in history["eval"])
    assert history["best"]["val_loss"] == pytest.approx(best)
    test_images, test_labels = toy_images(40, seed=1)
    assert (predict_images(model, test_images) == test_labels.numpy()).mean() >= 0.9


def test_without_early_stopping_every_label_trains(tmp_path):
    images, labels = toy_images(20)
    history = fit_classifier(
        make_classifier(),
        images,
        labels,
        tmp_path,
        1e-3,
        3,
        augment=None,
        early_stopping=False,
        schedule="constant",
        progress=False,
    )
    assert history["fit"] == 20 and history["val"] == 0 and "best" not in history
    assert history["lr"][-1] == 1e-3  # a constant schedule does not decay


def test_probe_scores_on_separable_features():
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(10, 8, generator=g) * 5
    train_y, test_y = torch.arange(100) % 10, torch.arange(200) % 10
    train_x = centers[train_y] + torch.randn(100, 8, generator=g)
    test_x = centers[test_y] + torch.randn(200, 8, generator=g)
    scores, predicted = probe_scores(train_x, train_y, test_x, test_y)
    assert scores["accuracy"] > 0.9 and scores["macro_f1"] > 0.9 and predicted.shape == (200,)
