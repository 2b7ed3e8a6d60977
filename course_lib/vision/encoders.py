"""A small CNN encoder sized for a CPU, the SimCLR projection head, and saving/loading them.

The encoder turns a (N, 1, 28, 28) batch into (N, feature_dim) features: the representation used
downstream. The projection head maps features to the space where the contrastive loss is computed;
it is thrown away after pretraining (features before the head transfer better).
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from torch import nn

from course_lib.core.checkpoints import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    check_folder,
    load_weights,
    save_weights,
    write_training,
)
from course_lib.core.validate import bad_input, check_int, check_tensor

FIELDS_AT_LEAST_ONE = (
    "convs_per_block",
    "in_channels",
    "projection_hidden",
    "projection_dim",
    "pool_grid",
)


@dataclass(frozen=True)
class EncoderConfig:
    """Shape of the CNN encoder and its projection head."""

    widths: tuple[int, ...] = (32, 64, 128, 256)  # channels of each conv block
    convs_per_block: int = 1
    in_channels: int = 1
    projection_hidden: int = 256
    projection_dim: int = 64
    pool_grid: int = 1  # the last map is average-pooled to pool_grid x pool_grid (1: global)

    def __post_init__(self) -> None:
        """Refuse shapes that cannot build a network."""
        widths = self.widths
        if isinstance(widths, str) or not isinstance(widths, tuple | list) or not widths:
            fix = "give the channels of each conv block, e.g. widths=(32, 64, 128)"
            raise bad_input("widths", "a non-empty tuple of positive ints", widths, fix)
        for width in widths:
            check_int(width, "widths", 1, "every block needs 1 or more channels")
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        for name in FIELDS_AT_LEAST_ONE:
            check_int(getattr(self, name), name, 1)

    @property
    def feature_dim(self) -> int:
        """Return the size of the encoder's output features: channels x pooled cells."""
        return self.widths[-1] * self.pool_grid**2


def conv_block(in_ch: int, out_ch: int, convs: int, pool: bool) -> nn.Sequential:
    """Return `convs` x (3x3 conv, batch norm, ReLU), then a 2x2 max-pool if `pool`."""
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [
            nn.Conv2d(in_ch if i == 0 else out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        ]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class ConvEncoder(nn.Module):
    """Conv blocks with max-pooling between them, then average pooling to a grid, flattened."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        if not isinstance(config, EncoderConfig):
            raise bad_input(
                "config", "an EncoderConfig", config, "e.g. EncoderConfig(widths=(8, 16))"
            )
        self.config = config
        blocks, channels = [], config.in_channels
        for i, width in enumerate(config.widths):
            last = i == len(config.widths) - 1
            blocks.append(conv_block(channels, width, config.convs_per_block, pool=not last))
            channels = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(config.pool_grid)

    def forward(self, images: torch.Tensor, grid: int | None = None) -> torch.Tensor:
        """Return features of a (N, C, H, W) float batch; `grid` overrides config.pool_grid."""
        self.check_images(images)
        if grid is not None:
            check_int(grid, "grid", 1, "average the last map to a grid x grid, e.g. 1 or 2")
        maps = self.blocks(images)
        pooled = self.pool(maps) if grid is None else nn.functional.adaptive_avg_pool2d(maps, grid)
        return pooled.flatten(1)

    def check_images(self, images: torch.Tensor) -> None:
        """Raise BadInput unless `images` is a float (N, in_channels, H, W) batch big enough for
        every max-pool."""
        if not isinstance(images, torch.Tensor):
            raise bad_input("images", "a float tensor (N, C, H, W)", images, "torch.as_tensor")
        check_tensor(images, "images", ndim=4)
        if not images.is_floating_point():
            fix = "scale pixels to [0, 1] floats first: vision.augment.to_float_images(images)"
            raise bad_input("images", "float pixels in [0, 1]", images, fix)
        channels, side = self.config.in_channels, 2 ** (len(self.config.widths) - 1)
        if images.shape[1] != channels:
            fix = "pass (N, C, H, W) images with the channels the encoder was built for"
            raise bad_input("images", f"{channels} channel(s) in dim 1", images, fix)
        if min(images.shape[-2:]) < side or images.shape[0] == 0:
            fix = "pass bigger images, or fewer conv blocks (shorter widths)"
            raise bad_input(
                "images", f"a non-empty batch of images at least {side}x{side}", images, fix
            )


class SimCLRModel(nn.Module):
    """Encoder + projection head (Linear, BN, ReLU, Linear) as in SimCLR."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        self.config = EncoderConfig() if config is None else config
        self.encoder = ConvEncoder(self.config)
        self.head = nn.Sequential(
            nn.Linear(self.config.feature_dim, self.config.projection_hidden, bias=False),
            nn.BatchNorm1d(self.config.projection_hidden),
            nn.ReLU(inplace=True),
            nn.Linear(self.config.projection_hidden, self.config.projection_dim),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return the projections z of a batch (what the contrastive loss sees)."""
        return self.head(self.encoder(images))


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable parameters."""
    if not isinstance(model, nn.Module):
        raise bad_input("model", "a torch nn.Module", model, "pass the model itself")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def save_model(model: SimCLRModel, folder: Path, training: dict | None = None) -> Path:
    """Save a model in the course's one checkpoint format: model.safetensors (weights),
    config.json (architecture) and, when given, training.json (how it was trained)."""
    if not isinstance(model, SimCLRModel):
        fix = "save transformers models with .save_pretrained(folder)"
        raise bad_input("model", "a SimCLRModel", model, fix)
    folder = check_folder(folder)
    if training is not None and not isinstance(training, dict):
        raise bad_input("training", "a dict (or None)", training, "e.g. {'epochs': 3}")
    save_weights(folder, model, {"architecture": "SimCLRModel", **asdict(model.config)})
    if training is not None:
        write_training(folder, training)
    return folder


def checkpoint_folder(folder: object) -> Path:
    """Return `folder` as a Path if it is an existing folder holding a config.json."""
    folder = check_folder(folder)
    if not folder.is_dir():
        fix = "pass a folder written by vision.encoders.save_model (e.g. data/reference/simclr_fmnist)"
        raise bad_input("folder", "an existing folder", str(folder), fix)
    if not (folder / CONFIG_NAME).is_file():
        fix = "save the model with vision.encoders.save_model, which writes config.json"
        raise bad_input("folder", f"a saved encoder with {CONFIG_NAME}", folder.name, fix)
    return folder


def read_record(folder: Path) -> dict:
    """Return the SimCLR architecture record of config.json, refusing other kinds of model."""
    try:
        record = json.loads((folder / CONFIG_NAME).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        fix = "the file is damaged: save the model again (vision.encoders.save_model)"
        raise bad_input("folder", f"a readable JSON {CONFIG_NAME}", folder.name, fix) from None
    if not isinstance(record, dict) or record.get("architecture") != "SimCLRModel":
        kind = (
            record.get("model_type", record.get("architecture"))
            if isinstance(record, dict)
            else None
        )
        fix = (
            "load transformers models (BERT, ...) with AutoModel.from_pretrained(folder); "
            "pass a folder written by vision.encoders.save_model here"
        )
        raise bad_input("folder", f"a SimCLR CNN encoder, not a {kind!r} model", folder.name, fix)
    return record


def load_config(folder: Path) -> EncoderConfig:
    """Read the EncoderConfig saved in `folder`."""
    record = read_record(checkpoint_folder(folder))
    names = EncoderConfig.__dataclass_fields__
    values = {
        k: tuple(v) if k == "widths" and isinstance(v, list) else v for k, v in record.items()
    }
    return EncoderConfig(**{k: v for k, v in values.items() if k in names})


def load_model(folder: Path) -> SimCLRModel:
    """Load a SimCLRModel saved with `save_model` (config + safetensors weights), in eval mode."""
    model = SimCLRModel(load_config(folder))
    folder = Path(folder)
    if not (folder / WEIGHTS_NAME).is_file():
        fix = "save the model with vision.encoders.save_model (it writes the weights)"
        raise bad_input("folder", f"a saved encoder with {WEIGHTS_NAME}", folder.name, fix)
    try:
        state = load_weights(folder)
    except (SafetensorError, OSError):
        fix = f"{WEIGHTS_NAME} is damaged (a cut-off copy?): copy or save it again"
        raise bad_input("folder", f"a complete {WEIGHTS_NAME}", folder.name, fix) from None
    try:
        model.load_state_dict(state)
    except RuntimeError:
        fix = f"{CONFIG_NAME} and {WEIGHTS_NAME} come from different models: save them together"
        raise bad_input("folder", f"weights that fit {CONFIG_NAME}", folder.name, fix) from None
    return model.eval()
