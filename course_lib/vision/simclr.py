"""SimCLR pretraining on unlabeled Fashion-MNIST (or your own images) with the course's one
training loop.

Each step: take a batch of unlabeled images, augment each twice, encode and project all views,
and ask NT-Xent to match every view with its partner. Labels are used only to *measure* the
encoder (kNN accuracy on the validation split), never to train it.

Reference checkpoint (the longer run notebooks load when they have not trained longer):
    python -m course_lib.vision.simclr --epochs 40 --lr 4e-3 --out data/reference/simclr_fmnist

Your own images: a folder of image files (one subfolder per class gives the kNN monitor labels)
or a .npy uint8 array (N, H, W), (N, H, W, 3) or (N, 3, H, W), resized to --size (RGB images get
SimCLR's colour distortion, vision.augment; --no-colour-distortion leaves it out):
    python -m course_lib.vision.simclr --images pets/ --size 32 --epochs 20 --batch-size 64 --out my_simclr
"""

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score
from torch.utils.data import DataLoader, TensorDataset

from course_lib.core.checkpoints import read_config, read_training
from course_lib.core.contrastive import contrastive_accuracy, nt_xent, split_views
from course_lib.core.finetune import fingerprint
from course_lib.core.metrics import seed_summary
from course_lib.core.model_card import simclr_card
from course_lib.core.paths import (
    DATA_DIR,
    artifact_dir,
    longest_trained,
    reproduce_command,
    run_folder,
)
from course_lib.core.probe import knn_predict, probe_predict
from course_lib.core.training import (
    PRECISIONS,
    Batch,
    TrainConfig,
    plot_history,
    precision_used,
    throughput,
    train,
)
from course_lib.core.validate import BadInput, bad_input, check_choice, check_int, check_number
from course_lib.data.images import (
    class_folders,
    describe_images,
    encode_labels,
    image_files,
    load_image_folder,
    load_images,
)
from course_lib.data.sources import load_fashion_mnist
from course_lib.data.splits import image_split, sample_labeled
from course_lib.vision.augment import (
    NO_COLOUR,
    SIMCLR,
    STRONG,
    AugmentConfig,
    make_augment,
    to_float_images,
)
from course_lib.vision.encoders import (
    EncoderConfig,
    SimCLRModel,
    count_parameters,
    load_model,
    save_model,
)


@dataclass
class SimCLRConfig:
    """Everything that defines a SimCLR run."""

    epochs: float = 8
    batch_size: int = 256
    lr: float = 2e-3
    temperature: float = 0.5
    weight_decay: float = 1e-4
    warmup_epochs: float = 0.5
    train_images: int | None = None  # None: the whole 'train' split
    augment: AugmentConfig = field(default_factory=lambda: SIMCLR)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    monitor_images: int = 2000  # labeled validation images used (only) to measure kNN accuracy
    evals: int = 8  # how many times the monitor runs during training
    mixed_precision: str = "auto"  # bf16 where the device runs it fast (detected), else fp32
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse settings that cannot train (BadInput naming the setting and the fix)."""
        check_number(self.epochs, "epochs", 0, open_low=True, fix="pass a number > 0, e.g. 8")
        fix = "pass at least 2: each image's negatives are the other images of its batch"
        check_int(self.batch_size, "batch_size", 2, fix=fix)
        check_number(self.lr, "lr", 0, open_low=True, fix="pass a learning rate > 0, e.g. 2e-3")
        check_number(self.temperature, "temperature", 0, open_low=True, fix="e.g. 0.5")
        check_choice(self.mixed_precision, "mixed_precision", PRECISIONS)

    def as_record(self) -> dict:
        """Return the config as JSON-ready values."""
        return asdict(self)


# gray or RGB, uint8 (N, [C,] H, W) or floats in [0, 1] -> floats (N, C, H, W) in [0, 1]: the
# encoders' door, one implementation (`augment.to_float_images`) under the name used here
float_images = to_float_images


def image_loader(images: torch.Tensor, batch_size: int, seed: int = 0) -> DataLoader:
    """Return a shuffling loader of uint8 image batches (N, H, W) or (N, C, H, W) (no labels)."""
    if not isinstance(images, torch.Tensor) or images.ndim not in (3, 4):
        fix = "load them with course_lib.data.images.load_images"
        raise bad_input("images", "a uint8 tensor (N, H, W) or (N, C, H, W)", images, fix)
    if images.dtype != torch.uint8:
        fix = "expected uint8 0-255; if yours are floats in [0,1] multiply by 255 and .to(torch.uint8)"
        raise bad_input("images", "uint8 images", images, fix)
    if len(images) < batch_size:
        fix = f"pass a batch_size <= {len(images)} or more images"
        raise bad_input("batch_size", f"at most the {len(images)} images", batch_size, fix)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(images),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=generator,
    )


def simclr_loss_fn(augment: torch.nn.Module, temperature: float) -> Callable:
    """Return loss_fn(model, batch) for the training loop: two views of each image, NT-Xent."""

    def loss_fn(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        images = batch[0] if isinstance(batch, (list, tuple)) else batch
        with torch.autocast(images.device.type, enabled=False), torch.no_grad():
            x = float_images(images)
            views = torch.cat([augment(x), augment(x)]).clamp_(0, 1)
        z = model(views.contiguous(memory_format=torch.channels_last))
        with torch.autocast(z.device.type, enabled=False):  # the loss in fp32 under bf16
            return nt_xent(*split_views(z.float()), temperature)

    return loss_fn


@torch.no_grad()
def encode(
    encoder: torch.nn.Module,
    images: torch.Tensor,
    batch_size: int = 1000,
    grid: int | None = None,
) -> torch.Tensor:
    """Return a ConvEncoder's features (N, D) of uint8 or [0, 1] images, in eval mode, on the CPU."""
    was_training = encoder.training
    encoder.eval()
    device = next(encoder.parameters()).device
    out = []
    for start in range(0, len(images), batch_size):
        x = float_images(images[start : start + batch_size]).to(device)
        if isinstance(getattr(encoder, "config", None), EncoderConfig):
            check_channels(x, encoder.config)
        x = x.contiguous(memory_format=torch.channels_last)
        out.append(encoder(x, grid=grid).float().cpu())
    encoder.train(was_training)
    return torch.cat(out)


def knn_monitor(images: torch.Tensor, labels: torch.Tensor, k: int = 20) -> Callable:
    """Return eval_fn(model) -> {'knn_acc': ...}: kNN on half the labeled images, scored on the rest."""
    half = len(images) // 2

    def eval_fn(model: torch.nn.Module) -> dict[str, float]:
        encoder = getattr(model, "encoder", model)
        feats = encode(encoder, images)
        predicted = knn_predict(feats[:half], labels[:half], feats[half:], k=k)
        return {"knn_acc": float((predicted == labels[half:].numpy()).mean())}

    return eval_fn


def pretrain(
    config: SimCLRConfig,
    images: torch.Tensor,
    run_dir: Path,
    monitor: tuple[torch.Tensor, torch.Tensor] | None = None,
    live_plot: bool = True,
    data_description: str | None = None,
) -> tuple[SimCLRModel, dict]:
    """Pretrain a SimCLRModel on unlabeled uint8 images (N, H, W) or (N, C, H, W); return it (eval
    mode) and the history. A `data_description` is kept with the run, with the images' fingerprint
    (a run resumes only on the same data)."""
    loader = image_loader(images, config.batch_size, config.seed)
    check_channels(images, config.encoder)
    torch.manual_seed(config.seed)
    model = SimCLRModel(config.encoder).to(memory_format=torch.channels_last)
    steps = max(1, round(config.epochs * len(loader)))
    eval_fn = knn_monitor(*monitor) if monitor is not None else None
    train_config = TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=config.lr,
        weight_decay=config.weight_decay,
        warmup_steps=min(steps - 1, round(config.warmup_epochs * len(loader))),
        schedule="cosine",
        eval_every=max(1, steps // max(1, config.evals)),
        checkpoint_every=max(50, steps // 10),
        log_every=max(1, min(10, steps // 10)),
        grad_clip=None,
        mixed_precision=config.mixed_precision,
        seed=config.seed,
        live_plot=live_plot,
        extra={"simclr": config.as_record(), "images": len(images)},
    )
    if data_description is not None:
        train_config.extra |= {"data": data_description, "data_fingerprint": fingerprint(images)}
    history = train(
        model,
        loader,
        simclr_loss_fn(
            make_augment(
                config.augment, size=images.shape[-1], channels=config.encoder.in_channels
            ),
            config.temperature,
        ),
        train_config,
        eval_fn=eval_fn,
    )
    return model.eval(), history


def check_channels(images: torch.Tensor, encoder: EncoderConfig) -> int:
    """Return the images' channels (1 or 3) if the encoder takes them; raise BadInput otherwise."""
    channels = 1 if images.ndim == 3 else images.shape[1]
    if channels != encoder.in_channels:
        fix = (
            f"build the encoder with EncoderConfig(in_channels={channels}) (in SimCLRConfig's "
            "encoder or make_classifier's config), or load the images with "
            f"channels={encoder.in_channels}"
        )
        raise bad_input("images", f"{encoder.in_channels} channel(s), as the encoder", images, fix)
    return channels


@torch.no_grad()
def view_matching_accuracy(
    model: torch.nn.Module, images: torch.Tensor, augment: AugmentConfig = STRONG, seed: int = 0
) -> float:
    """Return how often a view's nearest other view (encoder features) is its partner."""
    encoder = getattr(model, "encoder", model)
    torch.manual_seed(seed)
    x = float_images(images)
    pipeline = make_augment(augment, size=x.shape[-1], channels=x.shape[1])
    v1, v2 = pipeline(x).clamp(0, 1), pipeline(x).clamp(0, 1)
    return contrastive_accuracy(encode(encoder, v1), encode(encoder, v2))


REFERENCE_DIR = DATA_DIR / "reference" / "simclr_fmnist"
ARTIFACT_NAME = "simclr_fmnist"  # where notebook 06 saves the encoder it trained
FASHION_DATA = "Fashion-MNIST, the course's 'train' split (28x28 gray, labels unused)"


def training_record(
    config: SimCLRConfig, history: dict, parameters: int, data_description: str = FASHION_DATA
) -> dict:
    """Return what is saved beside the weights about how they were trained, and on which data."""
    return {
        "data_description": data_description,
        "simclr": config.as_record(),
        "history": history,
        "images_per_s": throughput(history),
        "parameters": parameters,
        "steps": history["step"][-1] if history["step"] else 0,
        "wall_seconds": history["seconds"],
        "precision_used": precision_used(config.mixed_precision),
    }


def write_card(folder: Path, command: str, notes: str = "") -> str:
    """Write a saved SimCLR folder's README.md (core.model_card.simclr_card) and return it."""
    folder = Path(folder)
    config, record = read_config(folder), read_training(folder)
    text = simclr_card(config, record, command, notes)
    (folder / "README.md").write_text(text + "\n")
    return text


def images_seen(folder: Path) -> int:
    """Return how many training images a saved model saw (0 when there is none)."""
    return int(read_training(folder).get("history", {}).get("samples", 0))


# the command that made data/reference/simclr_fmnist (module docstring)
REFERENCE_COMMAND = (
    "python -m course_lib.vision.simclr --epochs 40 --lr 4e-3 --out data/reference/simclr_fmnist"
)


def load_pretrained() -> tuple[SimCLRModel, str]:
    """Return the longest-trained SimCLR model available (notebook 06's own run or the committed
    reference checkpoint) and where it came from."""
    folder, which = longest_trained(
        [
            (artifact_dir(ARTIFACT_NAME), "notebook 06's own run"),
            (REFERENCE_DIR, "the reference checkpoint"),
        ],
        REFERENCE_COMMAND,
        measure=images_seen,
        unit="images seen",
    )
    return load_model(folder), which


def pixel_features(images: torch.Tensor) -> torch.Tensor:
    """Return raw pixels as features: (N, C*H*W) floats in [0, 1] (the no-learning baseline)."""
    return float_images(images).flatten(1)


# Ways to read the frozen encoder for a probe: (grid the last map is averaged to, L2-normalise?).
READOUTS = {"global": (1, False), "global+L2": (1, True), "2x2": (2, False), "2x2+L2": (2, True)}
PROBE_READOUT = "2x2+L2"  # chosen on the val split, never on test (notebook 06, section 6)


def encoder_features(
    model: torch.nn.Module, readout: str = PROBE_READOUT
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Return a function images -> frozen encoder features (before the head), read as READOUTS says."""
    check_choice(readout, "readout", list(READOUTS))
    grid, normalize = READOUTS[readout]
    encoder = getattr(model, "encoder", model)

    def features(images: torch.Tensor) -> torch.Tensor:
        x = encode(encoder, images, grid=grid)
        return torch.nn.functional.normalize(x, dim=1) if normalize else x

    return features


def linear_probe_accuracies(
    features_fn: Callable[[torch.Tensor], torch.Tensor],
    pool: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    n_labels: int = 100,
    seeds: int | Sequence[int] = 3,
) -> list[float]:
    """Return the accuracy on `test` of the course's probe (`core.probe`) fitted on n_labels
    stratified labels, per seed."""
    pool_images, pool_labels = pool
    test_images, test_labels = test
    test_x = features_fn(test_images)
    accuracies = []
    for seed in range(seeds) if isinstance(seeds, int) else seeds:
        idx = torch.tensor(sample_labeled(pool_labels.numpy(), n_labels, seed))
        predicted = probe_predict(
            features_fn(pool_images[idx]), pool_labels[idx].numpy(), test_x, seed=seed
        )
        accuracies.append(float((predicted == test_labels.numpy()).mean()))
    return accuracies


def readout_accuracies(
    model: torch.nn.Module,
    pool: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    n_labels: int = 100,
    seeds: Sequence[int] = range(10, 20),
) -> dict[str, list[float]]:
    """Return each read-out's probe accuracies on the val split (to choose one without the test set)."""
    return {
        name: linear_probe_accuracies(encoder_features(model, name), pool, val, n_labels, seeds)
        for name in READOUTS
    }


def command_parser() -> argparse.ArgumentParser:
    """Return the command line's parser (defaults: SimCLRConfig())."""
    base = SimCLRConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=float, default=base.epochs)
    parser.add_argument("--batch-size", type=int, default=base.batch_size)
    parser.add_argument("--lr", type=float, default=base.lr)
    parser.add_argument("--temperature", type=float, default=base.temperature)
    parser.add_argument("--projection-dim", type=int, default=base.encoder.projection_dim)
    parser.add_argument("--pool-grid", type=int, default=base.encoder.pool_grid)
    parser.add_argument("--widths", type=int, nargs="+", default=list(base.encoder.widths))
    parser.add_argument("--convs-per-block", type=int, default=base.encoder.convs_per_block)
    parser.add_argument("--crop-scale-min", type=float, default=base.augment.crop_scale_min)
    parser.add_argument("--mixed-precision", choices=PRECISIONS, default=base.mixed_precision)
    parser.add_argument("--seed", type=int, default=base.seed)
    parser.add_argument("--out", type=Path, required=True, help="folder for the saved model")
    own = parser.add_argument_group("your own images (default: Fashion-MNIST's train split)")
    own.add_argument("--images", type=Path, help="a folder of image files or a .npy uint8 array")
    own.add_argument("--size", type=int, default=32, help="side the images are resized to")
    own.add_argument("--channels", type=int, choices=(1, 3), help="default: as the images")
    own.add_argument(
        "--no-colour-distortion",
        action="store_true",
        help="RGB images: leave out the saturation/hue jitter and random grayscale (gray: no-op)",
    )
    return parser


def check_command(args: argparse.Namespace) -> None:
    """Refuse command-line settings that cannot train, before any image is loaded."""
    check_number(args.epochs, "--epochs", 0, open_low=True, fix="pass a number > 0, e.g. 8")
    check_int(args.batch_size, "--batch-size", 2, fix="pass at least 2 (negatives are needed)")
    check_number(args.lr, "--lr", 0, open_low=True, fix="pass a learning rate > 0, e.g. 2e-3")
    check_number(args.temperature, "--temperature", 0, open_low=True, fix="e.g. 0.5")
    fix = "pass a fraction of the area in (0, 1], e.g. 0.5"
    check_number(args.crop_scale_min, "--crop-scale-min", 0, 1, fix=fix, open_low=True)
    if args.images is not None:
        check_int(args.size, "--size", 8, fix="pass a side in pixels >= 8, e.g. 32")
        path = Path(args.images)
        if not (path.is_dir() or (path.is_file() and path.suffix == ".npy")):
            fix = "pass an existing folder of images or a .npy file saved with np.save"
            raise bad_input("--images", "a folder or a .npy file", path.name, fix)


def config_from(args: argparse.Namespace, channels: int = 1) -> SimCLRConfig:
    """Return the SimCLRConfig of parsed command-line arguments, for images with `channels`."""
    base = SimCLRConfig()
    return SimCLRConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        temperature=args.temperature,
        augment=replace(
            base.augment,
            crop_scale_min=args.crop_scale_min,
            **(NO_COLOUR if args.no_colour_distortion else {}),
        ),
        encoder=replace(
            base.encoder,
            projection_dim=args.projection_dim,
            pool_grid=args.pool_grid,
            widths=tuple(args.widths),
            convs_per_block=args.convs_per_block,
            in_channels=channels,
        ),
        mixed_precision=args.mixed_precision,
        seed=args.seed,
    )


def parse_args(argv: list[str] | None = None) -> tuple[SimCLRConfig, Path]:
    """Return the SimCLRConfig and output folder of a command line (defaults: SimCLRConfig())."""
    args = command_parser().parse_args(argv)
    return config_from(args), args.out


def load_own_images(
    path: Path, size: int = 32, channels: int | None = None
) -> tuple[torch.Tensor, np.ndarray | None, str]:
    """Return own images (uint8 (N, C, size, size)), class ids when a folder has class subfolders
    (else None), and a description for the training record (the name only, never a full path)."""
    path = Path(path)
    if path.is_file():
        images, labels = load_images(path, size, channels), None
        where = f"own images, array {path.name!r}"
    elif class_folders(path) and not image_files(path):
        images, names = load_image_folder(path, size, channels)
        labels, classes = encode_labels(names)
        where = f"own images, folder {path.name!r} ({len(classes)} classes: labels unused)"
    else:
        images, labels = load_images(path, size, channels), None
        where = f"own images, folder {path.name!r} (unlabeled)"
    return images, labels, f"{where}: {describe_images(images)}"


def own_monitor(
    images: torch.Tensor, labels: np.ndarray | None, n: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Return up to n labeled images, shuffled (seeded), for the kNN monitor; None without labels."""
    if labels is None or len(np.unique(labels)) < 2:
        return None
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    return images[order], torch.as_tensor(labels)[order]


def save_training_curve(
    history: dict,
    steps_per_epoch: int,
    folder: Path,
    knn_title: str = "kNN monitor (2,000 val images)",
) -> Path:
    """Plot the training loss and the kNN monitor against epochs into folder/training_curve.png."""
    fig, (loss_ax, knn_ax) = plt.subplots(1, 2, figsize=(9, 3))
    plot_history(history, ["loss"], loss_ax, 1 / steps_per_epoch)
    plot_history(history, ["knn_acc"], knn_ax, 1 / steps_per_epoch)
    loss_ax.set(title="training loss", xlabel="epoch", ylabel="NT-Xent (nats)")
    knn_ax.set(title=knn_title, xlabel="epoch", ylabel="kNN accuracy")
    fig.tight_layout()
    path = Path(folder) / "training_curve.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- notebook 06's bookkeeping


def run_summary(history: dict, n_images: int) -> str:
    """Return two lines on a finished run: images, epochs, speed, loss and the kNN monitor."""
    return (
        f"{history['samples']:,} images ({history['samples'] / n_images:.2f} epochs) "
        f"in {history['seconds']:.0f} s: {throughput(history):,.0f} images/s (each seen as 2 views)\n"
        f"loss {history['loss'][0]:.3f} -> {history['loss'][-1]:.3f}; kNN monitor: "
        + ", ".join(f"{e['knn_acc']:.3f}" for e in history["eval"])
    )


def knn_curve(history: dict, steps_per_epoch: int) -> list[dict[str, float]]:
    """Return the kNN monitor of a history as [{'epoch', 'knn_acc'}, ...]."""
    return [
        {"epoch": e["step"] / steps_per_epoch, "knn_acc": e["knn_acc"]} for e in history["eval"]
    ]


def plot_against_reference(
    reference: dict,
    reference_steps_per_epoch: int,
    own: dict,
    own_steps_per_epoch: int,
    knn_at_init: float,
) -> "Figure":
    """Plot the loss and kNN monitor of the reference run and this run against epochs."""
    fig, (loss_ax, knn_ax) = plt.subplots(1, 2, figsize=(9, 3))
    runs = {
        "reference": (reference, reference_steps_per_epoch),
        "this notebook": (own, own_steps_per_epoch),
    }
    for name, (history, per_epoch) in runs.items():
        plot_history(history, ["loss"], loss_ax, 1 / per_epoch, label=name)
        start = {"step": 0, "knn_acc": knn_at_init}  # this run's monitor before training
        evals = ([start] if name != "reference" else []) + history["eval"]
        plot_history({"eval": evals}, ["knn_acc"], knn_ax, 1 / per_epoch, label=name)
    loss_ax.set(xlabel="epoch", ylabel="NT-Xent (nats)", title="training loss")
    knn_ax.set(
        xlabel="epoch", ylabel="kNN monitor accuracy", title="kNN monitor (labels only measure)"
    )
    for ax in (loss_ax, knn_ax):
        ax.legend()
    fig.tight_layout()
    return fig


def probe_record(probe: dict[str, Sequence[float]], best: str) -> dict:
    """Return the results keys of notebook 06's probe (entries 'SimCLR, this notebook',
    'random encoder', 'raw pixels'; `best` is the headline encoder), every seed kept."""
    mean = {name: seed_summary(accs)["mean"] for name, accs in probe.items()}
    return {
        "linear_probe_encoder": best,
        "linear_probe_acc_100": mean[best],
        "linear_probe_acc_100_seeds": [float(a) for a in probe[best]],
        "linear_probe_acc_100_this_run": mean["SimCLR, this notebook"],
        "linear_probe_acc_100_random_encoder": mean["random encoder"],
        "linear_probe_acc_100_raw_pixels": mean["raw pixels"],
        "linear_probe": {name: seed_summary(accs) for name, accs in probe.items()},
    }


def format_scores(scores: dict[str, Sequence[float]], width: int = 24) -> str:
    """Return one line per entry: name, mean ± std, and every seed's accuracy."""
    lines = []
    for name, accs in scores.items():
        s = seed_summary(accs)
        seeds = ", ".join(f"{a:.3f}" for a in s["seeds"])
        lines.append(f"{name:{width}s} {s['mean']:.3f} ± {s['std']:.3f}   seeds: {seeds}")
    return "\n".join(lines)


def plot_probe(probe: dict[str, Sequence[float]], xlabel: str) -> "Figure":
    """Plot each encoder's mean probe accuracy as a bar, its seeds as dots."""
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.55 * len(probe)))
    for row, accs in enumerate(probe.values()):
        s = seed_summary(accs)
        ax.barh(row, s["mean"], xerr=s["std"], color="C0", alpha=0.7)
        ax.plot(s["seeds"], [row] * len(s["seeds"]), "k.", ms=6)
    ax.set_yticks(range(len(probe)), list(probe))
    ax.set_xlim(0.5, 0.9)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def colours(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Return one RGBA colour per label: tab10's for up to 10 classes, else tab20's (wrapping)."""
    palette = plt.cm.tab10 if n_classes <= 10 else plt.cm.tab20
    return palette(np.asarray(labels) % palette.N)


def plot_feature_maps(
    encoders: dict[str, torch.nn.Module],
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: Sequence[str],
) -> tuple["Figure", dict[str, float]]:
    """Draw each encoder's features in 2-D (PCA, t-SNE), coloured by label; return the figure and
    each encoder's silhouette score (cosine, in the full feature space)."""
    fig, axes = plt.subplots(len(encoders), 2, figsize=(10, 4.25 * len(encoders)), squeeze=False)
    y = labels.numpy()
    silhouette = {}
    for row, (name, net) in enumerate(encoders.items()):
        feats = encode(getattr(net, "encoder", net), images).numpy()
        silhouette[name] = float(silhouette_score(feats, y, metric="cosine"))
        flat = (feats - feats.mean(0)) / (feats.std(0) + 1e-6)
        maps = {
            "PCA": PCA(n_components=2, random_state=0).fit_transform(flat),
            "t-SNE": TSNE(
                2, init="pca", perplexity=min(30, len(flat) - 1), random_state=0
            ).fit_transform(flat),
        }
        for ax, (method, xy) in zip(axes[row], maps.items(), strict=True):
            ax.scatter(xy[:, 0], xy[:, 1], c=colours(y, len(class_names)), s=4)
            ax.set_title(f"{method}: {name} (silhouette {silhouette[name]:.2f})", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=colours(np.array([i]), len(class_names))[0])
        for i in range(len(class_names))
    ]
    fig.legend(handles, list(class_names), loc="lower center", ncol=5, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig, silhouette


def augmentation_ablation(
    augments: dict[str, AugmentConfig],
    images: torch.Tensor,
    monitor: tuple[torch.Tensor, torch.Tensor],
    base: SimCLRConfig,
    steps: int,
    run_name: Callable[[str], str],
    match_images: torch.Tensor,
) -> dict[str, dict]:
    """Train one short run per augmentation (else identical to `base`, `steps` steps of one epoch
    each); return each run's final loss, kNN monitor and view matching, after a 'random init' row."""
    torch.manual_seed(base.seed)
    initial = SimCLRModel(base.encoder)
    rows = {
        "random init": {
            "loss_end": None,
            "knn_acc": knn_monitor(*monitor)(initial)["knn_acc"],
            "view_matching": view_matching_accuracy(initial, match_images),
        }
    }
    for name, augment in augments.items():
        config = replace(base, epochs=1, augment=augment, evals=1, warmup_epochs=0.1)
        model, run = pretrain(
            config,
            images[: steps * base.batch_size],
            artifact_dir(run_name(name)),
            monitor=monitor,
            live_plot=False,
        )
        rows[name] = {
            "loss_end": run["loss"][-1],
            "knn_acc": run["eval"][-1]["knn_acc"],
            "view_matching": view_matching_accuracy(model, match_images),
        }
    return rows


def format_ablation(ablation: dict[str, dict]) -> str:
    """Return one line per ablation run: final loss, kNN monitor, view matching."""
    lines = []
    for name, row in ablation.items():
        loss = "     -" if row["loss_end"] is None else f"{row['loss_end']:6.3f}"
        lines.append(
            f"{name:12s} final loss {loss}   kNN monitor {row['knn_acc']:.3f}   "
            f"view matching (strong pairs) {row['view_matching']:.1%}"
        )
    return "\n".join(lines)


def plot_ablation(ablation: dict[str, dict]) -> "Figure":
    """Plot the ablation's final loss, kNN monitor and view matching as bars, one per run."""
    titles = {
        "loss_end": "final NT-Xent: the game's difficulty",
        "knn_acc": "kNN monitor accuracy",
        "view_matching": "view matching, strong pairs",
    }
    fig, axes = plt.subplots(1, len(titles), figsize=(10, 2.6))
    colors = ["gray", "C3", "C1", "C0", "C2", "C4"][: len(ablation)]
    for ax, (key, title) in zip(axes, titles.items(), strict=True):
        ax.bar(list(ablation), [row[key] or 0.0 for row in ablation.values()], color=colors)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig


def reference_record(training: dict, train_size: int) -> dict:
    """Return what results record about the reference run, from its saved training record."""
    history = training["history"]
    steps_per_epoch = train_size // training["simclr"]["batch_size"]
    return {
        "epochs": history["samples"] / train_size,
        "epochs_planned": training["simclr"]["epochs"],
        "images_per_s": training["images_per_s"],
        "minutes": history["seconds"] / 60,
        "loss_start": history["loss"][0],
        "loss_end": history["loss"][-1],
        "knn_acc": knn_curve(history, steps_per_epoch),
    }


def training_data(
    args: argparse.Namespace, monitor_images: int
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None, str | None]:
    """Return the images to pretrain on, the kNN monitor's labeled images (or None) and a
    description of own images (None for Fashion-MNIST, whose runs are recorded as before)."""
    if args.images is None:
        images, labels = load_fashion_mnist("train")
        split = image_split()
        val = torch.tensor(split["val"][:monitor_images])
        return images[split["train"]], (images[val], labels[val]), None
    images, labels, description = load_own_images(args.images, args.size, args.channels)
    return images, own_monitor(images, labels, monitor_images, args.seed), description


def main(argv: list[str] | None = None) -> None:
    """Command line: pretrain on Fashion-MNIST's 'train' split (or --images), save the model, its
    history (with the data it saw) and its curve. Settings are checked before any training."""
    args = command_parser().parse_args(argv)
    try:
        check_command(args)
    except BadInput as error:
        raise SystemExit(f"simclr: {error}") from None
    try:
        images, monitor, description = training_data(args, SimCLRConfig().monitor_images)
    except BadInput as error:  # named by load_images' arguments: say they come from --images
        raise SystemExit(f"simclr: --images {str(args.images)!r}: {error}") from None
    try:
        config = config_from(args, channels=1 if images.ndim == 3 else images.shape[1])
        if config.batch_size > len(images):
            fix = f"pass --batch-size {len(images)} or less, or add images"
            raise bad_input(
                "--batch-size", f"at most the {len(images)} images", config.batch_size, fix
            )
    except BadInput as error:
        raise SystemExit(f"simclr: {error}") from None
    started = time.time()
    model, history = pretrain(
        config,
        images,
        run_folder("simclr", args.out),
        monitor=monitor,
        live_plot=False,
        data_description=description,
    )
    extra = training_record(config, history, count_parameters(model), description or FASHION_DATA)
    extra["wall_seconds"] = time.time() - started
    save_model(model, args.out, training=extra)
    title = "kNN monitor (2,000 val images)" if description is None else "kNN monitor (own labels)"
    save_training_curve(history, len(images) // config.batch_size, args.out, title)
    write_card(args.out, reproduce_command("course_lib.vision.simclr", argv))
    knn = f"knn_acc {history['eval'][-1]['knn_acc']:.3f}" if history["eval"] else "no kNN monitor"
    print(f"saved to {args.out} ({extra['data_description']}): {knn}")


if __name__ == "__main__":
    main()
