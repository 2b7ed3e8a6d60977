"""Image similarity search: "find clothes that look like this one" with the SimCLR encoder.

Every test image is embedded and stored in one faiss index (`core.index`); each image in turn is
the query and its 10 nearest other images are the answer. Labels are never used to search, only to
measure: precision@10 is the share of those neighbours that are of the query's class.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from course_lib.core.index import build_index, search
from course_lib.core.validate import bad_input, check_int, check_tensor
from course_lib.vision.encoders import SimCLRModel
from course_lib.vision.simclr import encoder_features, pixel_features

if TYPE_CHECKING:
    import ipywidgets


def random_encoder(model: SimCLRModel, seed: int = 0) -> SimCLRModel:
    """Return the same architecture as `model` with random (seeded) weights: the no-pretraining
    baseline."""
    torch.manual_seed(seed)
    return SimCLRModel(model.config).eval()


def image_embeddings(model: SimCLRModel | None, images: torch.Tensor) -> np.ndarray:
    """Return float32 embeddings of uint8 images: the encoder's features, or raw pixels (None)."""
    check_tensor(images, "images", ndim=3, dtype="uint8")
    x = pixel_features(images) if model is None else encoder_features(model)(images)
    return x.detach().float().cpu().numpy()


def neighbours(embeddings: np.ndarray, k: int = 10) -> np.ndarray:
    """Return each item's k nearest OTHER items (exact cosine search in a faiss index)."""
    check_int(k, "k", 1)
    if len(embeddings) <= k:
        raise bad_input("embeddings", f"more than k={k} rows", embeddings, "pass more images")
    _, ids = search(build_index(embeddings, "flat"), embeddings, k + 1)
    keep = ids != np.arange(len(ids))[:, None]  # drop the query itself wherever it lands
    return np.stack([row[mask][:k] for row, mask in zip(ids, keep, strict=True)])


def precision_at_k(neighbour_ids: np.ndarray, labels: ArrayLike) -> np.ndarray:
    """Return, per query, the share of its neighbours whose label equals the query's."""
    labels = np.asarray(labels)
    if len(labels) != len(neighbour_ids):
        raise bad_input("labels", f"{len(neighbour_ids)} labels", labels, "one per query")
    return (labels[neighbour_ids] == labels[:, None]).mean(axis=1)


def precision_by_class(
    neighbour_ids: np.ndarray, labels: ArrayLike, names: list[str]
) -> dict[str, float]:
    """Return precision@k averaged over all queries ('all') and over each class's queries."""
    labels = np.asarray(labels)
    per_query = precision_at_k(neighbour_ids, labels)
    record = {"all": float(per_query.mean())}
    record.update({name: float(per_query[labels == c].mean()) for c, name in enumerate(names)})
    return record


def plot_gallery(
    images: torch.Tensor,
    query: int,
    neighbour_ids: np.ndarray | Sequence[int],
    labels: np.ndarray | torch.Tensor | Sequence[int],
    names: Sequence[str],
    ax_row: np.ndarray | Sequence[Axes] | None = None,
) -> np.ndarray | Sequence[Axes]:
    """Draw the query image then its neighbours in one row, each titled with its class."""
    shown = [query, *[int(i) for i in neighbour_ids]]
    if ax_row is None:
        _, ax_row = plt.subplots(1, len(shown), figsize=(1.3 * len(shown), 1.8))
    for position, (ax, i) in enumerate(zip(ax_row, shown, strict=True)):
        ax.imshow(np.asarray(images[i]), cmap="gray_r")
        colour = "k" if position == 0 or labels[i] == labels[query] else "tab:red"
        ax.set_title(
            ("query\n" if position == 0 else "") + names[int(labels[i])], fontsize=7, color=colour
        )
        ax.axis("off")
    return ax_row


def gallery(
    images: torch.Tensor,
    neighbour_ids: dict,
    labels: np.ndarray | torch.Tensor | Sequence[int],
    names: Sequence[str],
    start: int = 0,
) -> "ipywidgets.VBox":
    """Return a widget: pick a test image (slider), see its 10 nearest neighbours per method
    (`neighbour_ids` maps a method's name to its (N, k) neighbour array); red = another class."""
    import ipywidgets as widgets
    from IPython.display import display

    slider = widgets.IntSlider(value=start, min=0, max=len(images) - 1, description="image")
    out = widgets.Output()

    def refresh(_=None) -> None:
        with out:
            out.clear_output(wait=True)
            k = next(iter(neighbour_ids.values())).shape[1]
            fig, axes = plt.subplots(
                len(neighbour_ids),
                k + 1,
                figsize=(1.1 * (k + 1), 1.6 * len(neighbour_ids)),
                squeeze=False,
            )
            for row, (method, ids) in zip(axes, neighbour_ids.items(), strict=True):
                plot_gallery(images, slider.value, ids[slider.value], labels, names, row)
                row[0].set_title(f"{method}\n{names[int(labels[slider.value])]}", fontsize=7)
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    slider.observe(refresh, names="value")
    refresh()
    return widgets.VBox([slider, out])


def precision_table(precision: dict[str, dict[str, float]], names: Sequence[str]) -> str:
    """Return a markdown table of precision@k: one column per method, one row per class + 'all'."""
    rows = ["| class | " + " | ".join(precision) + " |", "|---" * (len(precision) + 1) + "|"]
    rows += [
        f"| {c} | " + " | ".join(f"{precision[m][c]:.3f}" for m in precision) + " |"
        for c in ["all", *names]
    ]
    return "\n".join(rows)


def compare(
    models: dict, images: torch.Tensor, labels: ArrayLike, names: Sequence[str], k: int = 10
) -> tuple[dict, dict]:
    """Return ({method: neighbour ids}, {method: precision@k by class}) for each named encoder
    (None: raw pixels) on the same images."""
    found = {m: neighbours(image_embeddings(model, images), k) for m, model in models.items()}
    precision = {m: precision_by_class(ids, labels, list(names)) for m, ids in found.items()}
    return found, precision
