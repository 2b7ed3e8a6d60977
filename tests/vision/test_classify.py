"""Few-label image classification: classifiers from a pretrained or random encoder, trained by the
course's one recipe with the supervised augmentation; own images (RGB, string labels) as a task
through SimCLR, the probe and fine-tuning."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_lib.core import label_efficiency as le
from course_lib.core.finetune import Recipe, fit_classifier, predict
from course_lib.core.validate import BadInput
from course_lib.vision.classify import (
    ImageClassifier,
    image_task,
    make_classifier,
    show_labeled,
    supervised_augment,
)
from course_lib.vision.encoders import EncoderConfig, SimCLRModel
from course_lib.vision.simclr import SimCLRConfig, encoder_features, pixel_features, pretrain


def toy_images(n: int = 60, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two easy classes, unchanged by a left-right flip: a bright top half or a bright bottom half."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    images = torch.randint(0, 40, (n, 28, 28), generator=g, dtype=torch.uint8)
    images[labels == 0, :14, :] += 200
    images[labels == 1, 14:, :] += 200
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


def test_bad_inputs_are_clear_errors():
    with pytest.raises(TypeError, match="SimCLRModel or ConvEncoder"):
        make_classifier(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="n_classes"):
        ImageClassifier(make_classifier().encoder, n_classes=1)
    with pytest.raises(ValueError, match="at least one example"):
        predict(make_classifier(), torch.zeros(0, 28, 28, dtype=torch.uint8))


def test_scratch_follows_the_pretrained_architecture():
    wide = EncoderConfig(widths=(8, 16, 32, 64))
    assert make_classifier(None, config=wide).encoder.config == wide


def test_augmentation_keeps_images_in_range_and_shape():
    images, _ = toy_images(8)
    out = supervised_augment()(images)
    assert out.shape == (8, 1, 28, 28) or out.shape == (8, 28, 28)
    assert out.dtype == torch.float32 and 0 <= out.min() and out.max() <= 1


def test_the_recipe_learns_images_with_augmentation(tmp_path):
    images, labels = toy_images()
    recipe = Recipe(lr=3e-3, epochs=8, batch_size=16, min_steps=20, evals=4)
    model, record = fit_classifier(
        lambda: make_classifier(seed=0, n_classes=2),
        images,
        labels,
        recipe,
        tmp_path / "run",
        augment=supervised_augment(),
    )
    assert (record["fit"], record["val"]) == (48, 12) and record["steps"] >= 1
    test_images, test_labels = toy_images(40, seed=1)
    assert (predict(model, test_images) == test_labels.numpy()).mean() >= 0.9


def rgb_halves(n: int = 40, seed: int = 0) -> tuple[torch.Tensor, list[str]]:
    """RGB 16x16 images, labelled 'top' (bright top half) or 'bottom' (bright bottom half)."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 60, (n, 3, 16, 16), generator=g, dtype=torch.uint8)
    labels = ["top" if i % 3 else "bottom" for i in range(n)]  # unbalanced: 2 to 1
    for i, label in enumerate(labels):
        images[i, :, :8] += 180 if label == "top" else 0
        images[i, :, 8:] += 180 if label == "bottom" else 0
    return images, labels


def test_own_images_split_stratified_seeded_and_named():
    images, labels = rgb_halves(40)
    task = image_task(images, labels, test_size=0.2, seed=3)
    assert task.class_names == ["bottom", "top"] and task.n_classes == 2
    assert (len(task.pool_x), len(task.test_x)) == (32, 8)
    assert np.bincount(task.test_y).tolist() == [3, 5]  # a fifth of each class (14 and 26)
    pool_top = task.pool_x[:, :, :8].float().mean((1, 2, 3)) > task.pool_x[:, :, 8:].float().mean(
        (1, 2, 3)
    )
    assert (pool_top.numpy() == (task.pool_y == 1)).all()  # labels stay with their images
    again = image_task(images, labels, test_size=8, seed=3)
    assert torch.equal(again.test_x, task.test_x) and (again.pool_y == task.pool_y).all()
    other = image_task(images, labels, test_size=0.2, seed=4)
    assert not torch.equal(other.test_x, task.test_x)
    gray = image_task(images[:, 0].numpy(), [int(y == "top") for y in labels])
    assert gray.pool_x.shape[1:] == (1, 16, 16) and gray.class_names == ["0", "1"]


def test_show_labeled_draws_rgb_rows_with_the_task_names():
    images, labels = rgb_halves(12)
    task = image_task(images, labels, test_size=0.5)
    fig = show_labeled(task.pool_x, task.pool_y, "mine", task.class_names)
    assert [ax.get_ylabel() for ax in fig.axes[::10]] == ["bottom", "top"]
    assert fig.axes[0].images[0].get_array().shape == (16, 16, 3)
    plt.close("all")


def test_own_rgb_images_go_through_simclr_the_probe_and_fine_tuning(tmp_path):
    images, labels = rgb_halves(48)
    task = image_task(images, labels, test_size=0.25)
    tiny = EncoderConfig(widths=(4, 8), projection_hidden=8, projection_dim=4, in_channels=3)
    config = SimCLRConfig(epochs=1, batch_size=12, encoder=tiny)
    model, history = pretrain(config, task.pool_x, tmp_path / "simclr", live_plot=False)
    assert history["samples"] == 36
    features = {"pixels": pixel_features, "simclr_probe": encoder_features(model)}
    methods = {
        name: le.probe_method(f(task.pool_x), f(task.test_x), task.pool_y)
        for name, f in features.items()
    }
    recipe = Recipe(lr=3e-3, epochs=2, batch_size=8, min_steps=6, evals=2)
    methods["simclr_finetune"] = le.trained_method(
        lambda seed: lambda: make_classifier(model, n_classes=task.n_classes, seed=seed),
        task.pool_x,
        task.test_x,
        task.pool_y,
        recipe,
        tmp_path / "finetune",
        augment=supervised_augment(),
    )
    counts = {name: [4, 12] for name in methods}
    scores, _ = le.run_curves(methods, counts, [0, 1], task.draw, task.test_y, task.n_classes)
    curves = le.curves_of(scores)
    assert set(curves["simclr_finetune"]) == {"4", "12"}
    assert curves["pixels"]["12"]["mean"] >= 0.9  # two bright halves: pixels separate them


U8 = torch.zeros(6, 16, 16, dtype=torch.uint8)
AB = ["a", "b"] * 3
BAD_CALLS = [
    (lambda: image_task(U8, AB[:5]), r"labels: expected 6 labels \(one per image\).*Fix:"),
    (lambda: image_task(U8, ["a"] * 6), r"labels: expected 2\+ classes.*Fix:"),
    (lambda: image_task(U8, ["a"] * 5 + ["b"]), r"labels: expected 2\+ classes.*'b': 1.*Fix:"),
    (lambda: image_task(U8, [0.0, 1.0] * 3), r"labels: expected one int or string.*Fix:"),
    (lambda: image_task(U8.float(), AB), r"images: expected uint8.*multiply by 255"),
    (lambda: image_task(U8[:, :4], AB), r"images: expected images at least 8 px.*Fix:"),
    (lambda: image_task(U8, AB, test_size=0), r"test_size: expected an int between 1 and 5.*Fix:"),
    (lambda: image_task(U8, AB, test_size=6), r"test_size: expected an int between 1 and 5.*Fix:"),
    (lambda: image_task(U8, AB, test_size=1.0), r"test_size: expected a fraction < 1.*Fix:"),
    (lambda: image_task(U8, AB, test_size=-0.2), r"test_size: expected a finite number > 0.*Fix:"),
    (lambda: image_task(U8, AB, test_size="0.3"), r"test_size: expected a finite number.*Fix:"),
    (lambda: make_classifier(n_classes=1), r"n_classes: expected an int >= 2.*Fix:"),
    (
        lambda: make_classifier(n_classes=2)(torch.zeros(2, 3, 16, 16, dtype=torch.uint8)),
        r"images: expected 1 channel\(s\), as the encoder.*Fix: .*in_channels=3",
    ),
    (
        lambda: show_labeled(U8, np.array([0, 1, 2] * 2), class_names=["a", "b"]),
        r"class_names: expected a name for each of the 3 classes.*Fix: pass task\.class_names",
    ),
]


@pytest.mark.parametrize("call, match", BAD_CALLS)
def test_bad_input_is_refused_with_a_fix(call, match):
    with pytest.raises(BadInput, match=match):
        call()
