"""Fine-tuning on a few labels: the holdout never leaks, the classifier learns, curves are recorded."""

import numpy as np
import pytest
import torch

from course_lib.core.finetune import fit_classifier, labeled_holdout, predict
from course_lib.core.training import TrainConfig


def test_holdout_is_a_stratified_partition_of_the_labeled_examples():
    labels = np.repeat(np.arange(5), 20)
    fit, val = labeled_holdout(labels, 0.2, seed=0)
    assert sorted(fit + val) == list(range(100)) and not set(fit) & set(val)
    assert np.bincount(labels[val]).tolist() == [4] * 5
    assert labeled_holdout(labels, 0.2, seed=0) == (fit, val)
    assert labeled_holdout(labels, 0.2, seed=1) != (fit, val)


def test_holdout_keeps_singleton_classes_for_training():
    labels = np.array([0, 0, 0, 1, 2, 2])
    fit, val = labeled_holdout(labels, 0.5, seed=0)
    assert 3 in fit and all(labels[i] != 1 for i in val)
    assert {labels[i] for i in fit} == {0, 1, 2}


@pytest.mark.parametrize("fraction, labels", [(0.0, [0, 1]), (1.0, [0, 1]), (0.2, [0])])
def test_holdout_bad_input(fraction, labels):
    with pytest.raises(ValueError, match="fraction"):
        labeled_holdout(labels, fraction)


def blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    return torch.eye(3)[y] * 3 + torch.randn(n, 3, generator=g), y


def test_classifier_learns_and_records_train_and_validation_curves(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 3)
    config = TrainConfig(
        run_dir=tmp_path / "run",
        max_steps=40,
        lr=0.05,
        eval_every=10,
        live_plot=False,
        mixed_precision="no",
        select_best="val_loss",
    )
    history = fit_classifier(model, blobs(60, 0), blobs(30, 1), config, batch_size=8)
    evals = history["eval"]
    assert [e["step"] for e in evals] == [10, 20, 30, 40]
    assert {"train_loss", "val_loss", "val_macro_f1"} <= set(evals[-1])
    assert evals[-1]["train_loss"] < evals[0]["train_loss"]
    x, y = blobs(300, 2)
    assert (predict(model, x) == y.numpy()).mean() > 0.9


def test_mismatched_examples_and_labels_are_refused(tmp_path):
    x, y = blobs(10, 0)
    config = TrainConfig(run_dir=tmp_path, max_steps=2, live_plot=False)
    with pytest.raises(ValueError, match="matching"):
        fit_classifier(torch.nn.Linear(3, 3), (x, y[:5]), (x, y), config)


def test_two_speed_optimizer_puts_the_head_and_the_body_in_two_groups():
    from course_lib.core.finetune import two_speed_optimizer

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    optimizer = two_speed_optimizer(model, model[1], lr=1e-2, body_lr=1e-3)
    head, body = optimizer.param_groups
    assert head["lr"] == 1e-2 and body["lr"] == 1e-3
    assert {id(p) for p in head["params"]} == {id(p) for p in model[1].parameters()}
    assert {id(p) for p in body["params"]} == {id(p) for p in model[0].parameters()}
    with pytest.raises(ValueError, match="head"):
        two_speed_optimizer(model, torch.nn.Linear(2, 2), 1e-2, 1e-3)
