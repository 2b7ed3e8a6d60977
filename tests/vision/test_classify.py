"""Few-label image classification: classifiers from a pretrained or random encoder, trained by the
course's one recipe with the supervised augmentation."""

import pytest
import torch

from course_lib.core.finetune import Recipe, fit_classifier, predict
from course_lib.vision.classify import ImageClassifier, make_classifier, supervised_augment
from course_lib.vision.encoders import EncoderConfig, SimCLRModel


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
