"""SimCLR pretraining on a few random images, the probe helpers and choosing the pretrained model;
own images (a folder or an array, gray or RGB) through the command line."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from course_lib.core.contrastive import nt_xent
from course_lib.core.metrics import seed_summary
from course_lib.core.validate import BadInput
from course_lib.vision.augment import NO_AUGMENT, NO_COLOUR, WEAK, make_augment
from course_lib.vision.encoders import EncoderConfig, SimCLRModel, save_model
from course_lib.vision.simclr import (
    READOUTS,
    SimCLRConfig,
    augmentation_ablation,
    check_command,
    colours,
    command_parser,
    encode,
    encoder_features,
    float_images,
    format_ablation,
    format_scores,
    image_loader,
    images_seen,
    knn_curve,
    knn_monitor,
    linear_probe_accuracies,
    load_own_images,
    main,
    parse_args,
    pixel_features,
    plot_ablation,
    plot_against_reference,
    plot_feature_maps,
    plot_probe,
    pretrain,
    probe_record,
    readout_accuracies,
    reference_record,
    run_summary,
    save_training_curve,
    simclr_loss_fn,
    training_record,
    view_matching_accuracy,
)

TINY = EncoderConfig(widths=(4, 8), projection_hidden=8, projection_dim=4)


def fake_data(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Two 'classes': bright top half or bright bottom half."""
    torch.manual_seed(0)
    labels = torch.arange(n) % 2
    images = (torch.rand(n, 28, 28) * 60).to(torch.uint8)
    for i, y in enumerate(labels):
        rows = slice(0, 14) if y == 0 else slice(14, 28)
        images[i, rows] += 150
    return images, labels


def test_loss_fn_gives_a_finite_scalar():
    images, _ = fake_data(8)
    loss = simclr_loss_fn(make_augment(WEAK), 0.5)(SimCLRModel(TINY), (images,))
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_loss_pairs_view_i_with_view_n_plus_i():
    images, _ = fake_data(8)
    model, augment = SimCLRModel(TINY), make_augment(WEAK)
    torch.manual_seed(0)
    loss = simclr_loss_fn(augment, 0.5)(model, (images,))
    torch.manual_seed(0)
    x = float_images(images)
    z = model(torch.cat([augment(x), augment(x)]).clamp(0, 1))
    assert torch.allclose(loss, nt_xent(z[:8], z[8:], 0.5))
    assert not torch.allclose(loss, nt_xent(z[:8], z[8:].roll(1, 0), 0.5))


def test_pretrain_gives_rgb_images_the_colour_distortion(tmp_path, monkeypatch):
    import course_lib.vision.simclr as simclr

    built = []

    def recording(*args, **kwargs):
        built.append(make_augment(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(simclr, "make_augment", recording)
    config = SimCLRConfig(epochs=1, batch_size=4, encoder=TINY, evals=1)
    pretrain(config, fake_data(4)[0], tmp_path / "gray", live_plot=False)
    rgb = torch.randint(0, 256, (4, 3, 16, 16), dtype=torch.uint8)
    rgb_config = replace(config, encoder=replace(TINY, in_channels=3))
    pretrain(rgb_config, rgb, tmp_path / "rgb", live_plot=False)
    steps = [[type(step).__name__ for step in pipeline.children()] for pipeline in built]
    assert "ColorJitter" not in steps[0] and steps[1][-2:] == ["ColorJitter", "RandomGrayscale"]


def test_loss_is_computed_in_fp32_under_bf16_autocast():
    images, _ = fake_data(8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = simclr_loss_fn(make_augment(WEAK), 0.1)(SimCLRModel(TINY), (images,))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_command_line_defaults_are_the_config_defaults_and_options_apply(tmp_path):
    config, out = parse_args(["--out", str(tmp_path)])
    assert config == SimCLRConfig() and out == tmp_path
    options = "--temperature 0.3 --projection-dim 32 --pool-grid 2 --crop-scale-min 0.5"
    config, _ = parse_args([*options.split(), "--mixed-precision", "no", "--out", "x"])
    assert (config.temperature, config.encoder.projection_dim, config.encoder.pool_grid) == (
        0.3,
        32,
        2,
    )
    assert config.augment.crop_scale_min == 0.5 and config.mixed_precision == "no"
    with pytest.raises(SystemExit):
        parse_args(["--mixed-precision", "fp64", "--out", "x"])
    with pytest.raises(ValueError, match="pool_grid"):
        parse_args(["--pool-grid", "0", "--out", "x"])
    config, _ = parse_args("--widths 8 16 --convs-per-block 2 --lr 4e-3 --out x".split())
    assert config.encoder.widths == (8, 16) and config.encoder.convs_per_block == 2
    assert config.lr == 4e-3
    with pytest.raises(ValueError, match="widths"):
        parse_args("--widths 8 0 --out x".split())
    config, _ = parse_args("--no-colour-distortion --crop-scale-min 0.4 --out x".split())
    assert config.augment == replace(SimCLRConfig().augment, crop_scale_min=0.4, **NO_COLOUR)


def test_training_curve_is_saved(tmp_path):
    history = {"step": [1, 2, 3], "loss": [5.0, 4.0, 3.5], "eval": [{"step": 3, "knn_acc": 0.5}]}
    assert save_training_curve(history, 2, tmp_path).is_file()


def test_pretrain_runs_resumes_and_records(tmp_path):
    images, labels = fake_data()
    config = SimCLRConfig(epochs=2, batch_size=16, encoder=TINY, evals=2, augment=WEAK)
    model, history = pretrain(
        config, images, tmp_path / "run", monitor=(images, labels), live_plot=False
    )
    assert history["samples"] == 2 * 64
    assert len(history["eval"]) == 2 and 0.0 <= history["eval"][-1]["knn_acc"] <= 1.0
    assert not model.training
    again, same = pretrain(config, images, tmp_path / "run", live_plot=False)  # finished: resumes
    assert same["samples"] == history["samples"]
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(again(x), model(x))
    folder = save_model(model, tmp_path / "saved", training=training_record(config, history, 1))
    assert images_seen(folder) == 128 and images_seen(tmp_path / "nothing") == 0
    assert training_record(config, history, 1)["precision_used"] in ("no", "bf16")


def test_knn_monitor_and_probe_on_separable_data():
    images, labels = fake_data()
    assert view_matching_accuracy(SimCLRModel(TINY), images[:8], NO_AUGMENT) == 1.0
    assert knn_monitor(images, labels)(SimCLRModel(TINY))["knn_acc"] >= 0.0
    accs = linear_probe_accuracies(pixel_features, (images, labels), (images, labels), 10, 2)
    assert len(accs) == 2 and min(accs) > 0.9  # two bright halves: pixels separate them


def test_readouts_pool_the_last_map_and_normalise_without_touching_the_model():
    images, labels = fake_data(16)
    torch.manual_seed(0)
    model = SimCLRModel(TINY).train()
    plain = encode(model.encoder, images)
    assert torch.allclose(encoder_features(model, "global")(images), plain, atol=1e-6)
    assert torch.allclose(
        encoder_features(model, "global+L2")(images),
        torch.nn.functional.normalize(plain, dim=1),
        atol=1e-6,
    )
    grid = encoder_features(model, "2x2+L2")(images)
    assert grid.shape == (16, 4 * TINY.widths[-1])
    assert torch.allclose(grid.norm(dim=1), torch.ones(16), atol=1e-5)
    assert model.training  # the probe reads in eval mode and gives the mode back
    scores = readout_accuracies(model, (images, labels), (images, labels), 4, seeds=[5, 6])
    assert list(scores) == list(READOUTS) and all(len(v) == 2 for v in scores.values())
    with pytest.raises(BadInput, match=r"readout: expected one of.*Fix:"):
        encoder_features(model, "3x3")


U8 = torch.zeros(3, 28, 28, dtype=torch.uint8)
BAD_CALLS = [
    (lambda: SimCLRConfig(epochs=0), r"epochs: expected a finite number > 0.*Fix:"),
    (lambda: SimCLRConfig(batch_size=1), r"batch_size: expected an int >= 2.*Fix: .*negatives"),
    (lambda: SimCLRConfig(lr=-1e-3), r"lr: expected a finite number > 0.*Fix:"),
    (lambda: SimCLRConfig(temperature=0), r"temperature: expected a finite number > 0.*Fix:"),
    (lambda: SimCLRConfig(mixed_precision="fp64"), r"mixed_precision: expected one of.*Fix:"),
    (lambda: image_loader(torch.rand(10, 28, 28), 4), r"images: expected uint8.*multiply by 255"),
    (lambda: float_images(torch.zeros(2, 2, 8, 8)), r"images: expected 1 \(gray\) or 3.*Fix:"),
    (
        lambda: float_images(torch.full((2, 3, 8, 8), 255.0)),
        r"images: expected float pixels in \[0, 1\].*Fix:",
    ),
    (lambda: image_loader(U8.numpy(), 2), r"images: expected a uint8 tensor.*Fix: load them"),
    (lambda: image_loader(U8, 4), r"batch_size: expected at most the 3 images.*Fix:"),
    (
        lambda: pretrain(
            SimCLRConfig(batch_size=2), torch.zeros(4, 3, 16, 16, dtype=torch.uint8), Path("x")
        ),
        r"images: expected 1 channel\(s\), as the encoder.*Fix: .*in_channels=3",
    ),
    (
        lambda: encode(SimCLRModel(TINY).encoder, torch.zeros(2, 3, 16, 16, dtype=torch.uint8)),
        r"images: expected 1 channel\(s\), as the encoder.*Fix: .*channels=1",
    ),
]


@pytest.mark.parametrize("call, match", BAD_CALLS)
def test_bad_input_is_refused_with_a_fix(call, match):
    with pytest.raises(BadInput, match=match):
        call()


BAD_COMMANDS = [
    ("--epochs 0", r"--epochs: expected a finite number > 0.*Fix:"),
    ("--batch-size 1", r"--batch-size: expected an int >= 2.*Fix:"),
    ("--lr 0", r"--lr: expected a finite number > 0.*Fix:"),
    ("--temperature -1", r"--temperature: expected a finite number > 0.*Fix:"),
    ("--crop-scale-min 0", r"--crop-scale-min: expected a finite number > 0 and <= 1.*Fix:"),
    ("--crop-scale-min 1.5", r"--crop-scale-min: expected a finite number > 0 and <= 1.*Fix:"),
    ("--images nowhere", r"--images: expected a folder or a \.npy file.*'nowhere'.*Fix:"),
    ("--images . --size 4", r"--size: expected an int >= 8.*Fix:"),
]


@pytest.mark.parametrize("command, match", BAD_COMMANDS)
def test_bad_command_lines_are_refused_before_training(command, match):
    args = command_parser().parse_args([*command.split(), "--out", "x"])
    with pytest.raises(BadInput, match=match):
        check_command(args)


def save_pets(root: Path, per_class: int = 6) -> Path:
    """A folder of PNGs: gray 'cats' (bright, 20x24) and RGB 'dogs' (dark, 30x18)."""
    rng = np.random.default_rng(0)
    for i in range(per_class):
        for name, array in (
            ("cats", rng.integers(150, 256, (20, 24), dtype=np.uint8)),
            ("dogs", rng.integers(0, 90, (30, 18, 3), dtype=np.uint8)),
        ):
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(root / name / f"{i}.png")
    return root


TINY_COMMAND = "--size 16 --epochs 2 --batch-size 4 --widths 4 8 --projection-dim 4"


def test_own_image_folder_pretrains_from_the_command_line(tmp_path, monkeypatch, capsys):
    import course_lib.vision.simclr as simclr

    monkeypatch.setattr(simclr, "run_folder", lambda kind, out: tmp_path / "run")
    pets = save_pets(tmp_path / "pets")
    main(["--images", str(pets), *TINY_COMMAND.split(), "--out", str(tmp_path / "out")])
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["data_description"] == (
        "own images, folder 'pets' (2 classes: labels unused): 12 images 16x16 RGB"
    )
    assert str(tmp_path) not in json.dumps(record)  # no machine paths in the record
    assert record["history"]["samples"] == 2 * 12 and record["history"]["eval"]  # kNN monitor ran
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["in_channels"] == 3
    model = simclr.load_model(tmp_path / "out")
    images, labels, _ = load_own_images(pets, 16)
    assert encode(model.encoder, images).shape == (12, 8) and labels.tolist() == [0] * 6 + [1] * 6
    assert "knn_acc" in capsys.readouterr().out


def test_an_own_array_pretrains_gray_without_a_monitor(tmp_path, monkeypatch):
    import course_lib.vision.simclr as simclr

    monkeypatch.setattr(simclr, "run_folder", lambda kind, out: tmp_path / "run")
    images, _ = fake_data(8)
    np.save(tmp_path / "mine.npy", images.numpy())
    main(
        [
            "--images",
            str(tmp_path / "mine.npy"),
            *TINY_COMMAND.split(),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    record = json.loads((tmp_path / "o" / "training.json").read_text())
    assert record["data_description"] == "own images, array 'mine.npy': 8 images 16x16 gray"
    assert record["history"]["eval"] == []
    assert json.loads((tmp_path / "o" / "config.json").read_text())["in_channels"] == 1
    with pytest.raises(SystemExit, match=r"--batch-size: expected at most the 8 images.*Fix:"):
        main(["--images", str(tmp_path / "mine.npy"), "--batch-size", "9", "--out", "x"])
    np.save(tmp_path / "floats.npy", images.numpy() / 255.0)
    with pytest.raises(SystemExit, match=r"--images '.*floats\.npy': source: expected uint8"):
        main(["--images", str(tmp_path / "floats.npy"), "--out", "x"])


def test_float_images_scale_gray_and_rgb_alike():
    rgb = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    x = float_images(rgb)
    assert x.shape == (2, 3, 8, 8) and x.dtype == torch.float32
    assert torch.equal(x, rgb.float() / 255) and torch.equal(float_images(x), x)
    assert float_images(rgb[:, 0]).shape == (2, 1, 8, 8)


def test_pretrain_takes_rgb_images_and_resumes_only_on_the_same_data(tmp_path):
    images = torch.randint(0, 256, (16, 3, 16, 16), dtype=torch.uint8)
    config = SimCLRConfig(epochs=1, batch_size=8, encoder=replace(TINY, in_channels=3))

    def run(data: torch.Tensor) -> tuple[SimCLRModel, dict]:
        return pretrain(config, data, tmp_path / "run", live_plot=False, data_description="mine")

    model, history = run(images)
    x = images[:2].float() / 255
    assert history["samples"] == 16 and model(x).shape == (2, 4)
    same, _ = run(images)  # finished on these images: reloaded
    assert torch.equal(same(x), model(x))
    other, _ = run(255 - images)  # same description, other images: trained afresh
    assert not torch.allclose(other(x), model(x))


def test_load_pretrained_returns_the_reference_when_nothing_was_trained():
    from course_lib.vision.simclr import REFERENCE_DIR, load_pretrained

    model, where = load_pretrained()
    assert isinstance(model, SimCLRModel) and "images seen" in where
    assert (REFERENCE_DIR / "README.md").is_file(), "the reference checkpoint needs its model card"


HISTORY = {
    "step": [1, 2, 3, 4],
    "loss": [5.0, 4.5, 4.0, 3.5],
    "eval": [{"step": 2, "knn_acc": 0.6}, {"step": 4, "knn_acc": 0.7}],
    "samples": 64,
    "seconds": 2.0,
}


def test_run_summary_knn_curve_and_reference_record():
    text = run_summary(HISTORY, n_images=32)
    assert "64 images (2.00 epochs)" in text and "5.000 -> 3.500" in text and "0.600, 0.700" in text
    assert knn_curve(HISTORY, 2) == [{"epoch": 1.0, "knn_acc": 0.6}, {"epoch": 2.0, "knn_acc": 0.7}]
    training = {"history": HISTORY, "simclr": {"batch_size": 16, "epochs": 2}, "images_per_s": 32.0}
    record = reference_record(training, train_size=32)
    assert record["epochs"] == 2.0 and record["minutes"] == 2.0 / 60
    assert (record["loss_start"], record["loss_end"]) == (5.0, 3.5)
    assert record["knn_acc"][-1] == {"epoch": 2.0, "knn_acc": 0.7}


def test_probe_summary_and_table_show_every_seed():
    summary = seed_summary([0.7, 0.8, 0.9])
    assert summary["mean"] == pytest.approx(0.8) and summary["std"] == pytest.approx(
        0.08165, abs=1e-5
    )
    assert summary["seeds"] == [0.7, 0.8, 0.9]
    table = format_scores({"random encoder": [0.7, 0.8, 0.9], "pixels": [0.5]})
    assert "0.800 ± 0.082   seeds: 0.700, 0.800, 0.900" in table and len(table.splitlines()) == 2


def test_plots_are_drawn():
    import matplotlib.pyplot as plt

    fig = plot_against_reference(HISTORY, 2, HISTORY, 2, knn_at_init=0.5)
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2
    fig = plot_probe({"a": [0.6, 0.7], "b": [0.8]}, "accuracy")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]
    images, labels = fake_data(40)
    fig, silhouette = plot_feature_maps({"tiny": SimCLRModel(TINY)}, images, labels, list("ab"))
    assert list(silhouette) == ["tiny"] and -1.0 <= silhouette["tiny"] <= 1.0
    plt.close("all")


def test_feature_map_colours_tell_up_to_20_classes_apart():
    assert len({tuple(c) for c in colours(np.arange(10), 10)}) == 10
    assert len({tuple(c) for c in colours(np.arange(12), 12)}) == 12


def test_augmentation_ablation_trains_one_short_run_per_augmentation(tmp_path, monkeypatch):
    import course_lib.vision.simclr as simclr

    monkeypatch.setattr(simclr, "artifact_dir", lambda name: tmp_path / name)
    images, labels = fake_data()
    base = SimCLRConfig(batch_size=16, encoder=TINY, monitor_images=64)
    rows = augmentation_ablation(
        {"none": NO_AUGMENT, "weak": WEAK},
        images,
        (images, labels),
        base,
        steps=2,
        run_name=lambda name: f"ablation_{name}",
        match_images=images[:8],
    )
    assert list(rows) == ["random init", "none", "weak"] and rows["random init"]["loss_end"] is None
    assert all(0.0 <= row["view_matching"] <= 1.0 for row in rows.values())
    assert (tmp_path / "ablation_none").is_dir()
    assert len(format_ablation(rows).splitlines()) == 3
    assert len(plot_ablation(rows).axes) == 3


def test_probe_record_keeps_every_seed_and_the_headline():
    probe = {
        "raw pixels": [0.6],
        "random encoder": [0.7, 0.72],
        "SimCLR, this notebook": [0.75, 0.77],
    }
    record = probe_record(probe, "SimCLR, this notebook")
    assert record["linear_probe_acc_100"] == pytest.approx(0.76)
    assert record["linear_probe_acc_100_random_encoder"] == pytest.approx(0.71)
    assert record["linear_probe_acc_100_seeds"] == [0.75, 0.77]
    assert record["linear_probe"]["raw pixels"]["seeds"] == [0.6]
