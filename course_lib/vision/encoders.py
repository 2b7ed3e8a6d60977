"""A small CNN encoder sized for a CPU, the SimCLR projection head, and saving/loading them.

The encoder turns a (N, 1, 28, 28) batch into (N, feature_dim) features: the representation used
downstream. The projection head maps features to the space where the contrastive loss is computed;
it is thrown away after pretraining (features before the head transfer better).
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

CONFIG_NAME = "config.json"
TRAINING_NAME = "training.json"  # as for the BERT and CBOW checkpoints
WEIGHTS_NAME = "model.safetensors"


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
        widths = tuple(self.widths)
        if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
            raise ValueError(
                f"widths must be a non-empty tuple of positive ints, got {self.widths}"
            )
        object.__setattr__(self, "widths", widths)
        for name in (
            "convs_per_block",
            "in_channels",
            "projection_hidden",
            "projection_dim",
            "pool_grid",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")

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
        maps = self.blocks(images)
        pooled = self.pool(maps) if grid is None else nn.functional.adaptive_avg_pool2d(maps, grid)
        return pooled.flatten(1)


class SimCLRModel(nn.Module):
    """Encoder + projection head (Linear, BN, ReLU, Linear) as in SimCLR."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        self.config = config or EncoderConfig()
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
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def save_model(model: SimCLRModel, folder: Path, training: dict | None = None) -> Path:
    """Save a model in the course's one checkpoint format: model.safetensors (weights),
    config.json (architecture) and, when given, training.json (how it was trained)."""
    if not isinstance(model, SimCLRModel):
        raise TypeError(f"expected a SimCLRModel, got {type(model).__name__}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, folder / WEIGHTS_NAME)
    record = {"architecture": "SimCLRModel", **asdict(model.config)}
    (folder / CONFIG_NAME).write_text(json.dumps(record, indent=2) + "\n")
    if training is not None:
        (folder / TRAINING_NAME).write_text(json.dumps(training, indent=1, default=str) + "\n")
    return folder


def load_config(folder: Path) -> EncoderConfig:
    """Read the EncoderConfig saved in `folder`."""
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"no {CONFIG_NAME} in {Path(folder).name!r}: save it with save_model"
        )
    record = json.loads(path.read_text())
    names = EncoderConfig.__dataclass_fields__
    return EncoderConfig(
        **{k: tuple(v) if k == "widths" else v for k, v in record.items() if k in names}
    )


def load_model(folder: Path) -> SimCLRModel:
    """Load a SimCLRModel saved with `save_model` (config + safetensors weights), in eval mode."""
    folder = Path(folder)
    if not (folder / WEIGHTS_NAME).is_file():
        raise FileNotFoundError(f"no {WEIGHTS_NAME} in {folder.name!r}: save it with save_model")
    model = SimCLRModel(load_config(folder))
    model.load_state_dict(load_file(folder / WEIGHTS_NAME))
    return model.eval()
