"""The one fine-tuning recipe: the holdout never leaks, the step is chosen on it, the final model
is refitted on all labels, bad input is refused."""

import numpy as np
import pytest
import torch

from course_lib.core.finetune import Recipe, fit_classifier, predict, train_steps
from course_lib.data.splits import labeled_holdout


def test_holdout_is_a_stratified_partition_of_the_labeled_examples():
    labels = np.repeat(np.arange(5), 20)
    fit, val = labeled_holdout(labels, 0.2, seed=0)
    assert sorted(fit + val) == list(range(100)) and not set(fit) & set(val)
    assert np.bincount(labels[val]).tolist() == [4] * 5
    assert labeled_holdout(labels, 0.2, seed=0) == (fit, val)
    assert labeled_holdout(labels, 0.2, seed=1) != (fit, val)


def test_no_holdout_when_a_class_has_a_single_example():
    labels = np.array([0, 0, 0, 1, 2, 2])
    assert labeled_holdout(labels, 0.5, seed=0) == (list(range(6)), [])


@pytest.mark.parametrize("fraction, labels", [(0.0, [0, 1]), (1.0, [0, 1]), (0.2, [])])
def test_holdout_bad_input(fraction, labels):
    with pytest.raises(ValueError, match="fraction"):
        labeled_holdout(labels, fraction)


class Linear(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Linear(3, 3)
        self.head = torch.nn.Linear(3, 3)

    def forward(self, x):
        return self.head(self.body(x))


def blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    return torch.eye(3)[y] * 3 + torch.randn(n, 3, generator=g), y


def test_step_is_chosen_on_the_holdout_then_refitted_on_all_labels(tmp_path):
    torch.manual_seed(0)
    recipe = Recipe(lr=0.05, epochs=5, batch_size=8, min_steps=20, evals=4)
    x, y = blobs(60, 0)
    model, record = fit_classifier(Linear, x, y, recipe, tmp_path / "run")
    assert (record["fit"], record["val"]) == (48, 12)
    evals = record["history"]["eval"]
    assert len(evals) >= 4
    assert record["steps"] == record["chosen_step"] == record["history"]["best"]["step"]
    assert {"train_loss", "val_loss", "val_macro_f1"} <= set(evals[-1])
    tx, ty = blobs(300, 2)
    assert (predict(model, tx) == ty.numpy()).mean() > 0.9


def test_without_a_holdout_the_whole_budget_is_trained(tmp_path):
    x, y = blobs(3, 0)  # one example per class
    recipe = Recipe(lr=0.05, epochs=2, min_steps=5)
    _, record = fit_classifier(Linear, x, y, recipe, tmp_path / "run")
    assert record["history"] is None and record["steps"] == 5


def test_bad_input_is_refused(tmp_path):
    x, y = blobs(10, 0)
    with pytest.raises(ValueError, match="matching"):
        fit_classifier(Linear, x, y[:5], Recipe(lr=0.1), tmp_path)
    with pytest.raises(ValueError, match="lr must be positive"):
        Recipe(lr=0)
    with pytest.raises(ValueError, match="epochs"):
        Recipe(lr=0.1, epochs=0)
    with pytest.raises(TypeError, match="head"):
        train_steps(torch.nn.Linear(3, 3), x, y, Recipe(lr=0.1), tmp_path, 2)


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


def test_a_finished_run_is_reloaded_and_a_changed_one_retrained(tmp_path, capsys):
    x, y = blobs(60, 0)
    recipe = Recipe(lr=0.05, epochs=5, batch_size=8, min_steps=20, evals=4)
    first, record = fit_classifier(Linear, x, y, recipe, tmp_path / "run")
    again, same = fit_classifier(Linear, x, y, recipe, tmp_path / "run")
    torch.testing.assert_close(first.head.weight, again.head.weight)
    assert same["chosen_step"] == record["chosen_step"]
    assert same["history"]["seconds"] == record["history"]["seconds"]  # reloaded, not retrained
    other_x = x + 1.0  # other examples: the saved run must not be reused
    fit_classifier(Linear, other_x, y, recipe, tmp_path / "run")
    assert "config changed" in capsys.readouterr().out


def test_class_names_are_refused_with_the_fix(tmp_path):
    from course_lib.core.validate import BadInput

    x, _ = blobs(6, 0)
    for y in (["pos", "neg"] * 3, np.array([0.0, 1.0] * 3), [0, -1] * 3):
        with pytest.raises(BadInput, match=r"^y: expected class ids.*encode_labels"):
            fit_classifier(Linear, x, y, Recipe(lr=0.1), tmp_path)


def test_two_classes_train(tmp_path):
    x, y = blobs(40, 0)
    keep = y < 2
    recipe = Recipe(lr=0.05, epochs=5, batch_size=8, min_steps=20)
    model, record = fit_classifier(Linear, x[keep], y[keep], recipe, tmp_path / "two", n_classes=2)
    tx, ty = blobs(90, 1)
    two = ty < 2
    assert record["val"] >= 2 and (predict(model, tx[two]) == ty[two].numpy()).mean() > 0.9


def test_a_saved_run_is_not_reused_from_other_starting_weights(tmp_path, capsys):
    x, y = blobs(60, 0)
    recipe = Recipe(lr=0.05, epochs=5, batch_size=8, min_steps=20, evals=4)
    fit_classifier(Linear, x, y, recipe, tmp_path / "run")

    def pretrained_elsewhere() -> Linear:  # same examples, another checkpoint to start from
        model = Linear()
        with torch.no_grad():
            model.body.weight.add_(1.0)
        return model

    capsys.readouterr()
    fit_classifier(pretrained_elsewhere, x, y, recipe, tmp_path / "run")
    assert "config changed" in capsys.readouterr().out
