"""The contrastive loss of SimCLR: NT-Xent (normalized temperature-scaled cross-entropy, InfoNCE).

A batch holds N images seen twice: z1[i] and z2[i] are the two views of image i (a positive pair);
every other view in the batch is a negative. Each of the 2N views must pick its partner out of the
2N - 1 other views, a classification problem solved with cross-entropy over cosine similarities.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from course_lib.core.validate import bad_input, check_int, check_number, check_tensor


def check_views(z1: torch.Tensor, z2: torch.Tensor) -> None:
    """Raise BadInput unless z1 and z2 are two float (N, D) batches of one shape, N >= 2."""
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor):
            raise bad_input(name, "a torch tensor (batch, dim)", z, "torch.as_tensor(...).float()")
        check_tensor(z, name, ndim=2, dtype="float")
    if z1.shape != z2.shape:
        fix = "z1[i] and z2[i] must be the two views of image i: same batch, same model"
        raise bad_input("z2", f"the shape of z1 {tuple(z1.shape)}", z2, fix)
    if z1.shape[0] < 2:
        fix = "NT-Xent needs at least 2 images per batch (one positive, one negative)"
        raise bad_input("z1", "a batch of at least 2 views", z1, fix)


def split_views(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a stacked batch [z1; z2] of 2N views (N, D each) into (z1, z2)."""
    check_tensor(z, "z", ndim=2)
    if len(z) % 2:
        fix = "stack both views of every image: torch.cat([z1, z2]) has an even length"
        raise bad_input("z", "an even number of views (2N: two per image)", z, fix)
    return z[: len(z) // 2], z[len(z) // 2 :]


def check_temperature(temperature: float) -> float:
    """Return the temperature if it is a finite number > 0."""
    fix = "pass a temperature > 0 (SimCLR uses 0.1 to 0.5)"
    return check_number(temperature, "temperature", 0, open_low=True, fix=fix)


def similarity_matrix(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Return the (2N, 2N) cosine similarities of all views [z1; z2] with each other."""
    check_views(z1, z2)
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    return z @ z.T


def positive_indices(n: int) -> torch.Tensor:
    """Return, for each of the 2N views [z1; z2], the row index of its partner view."""
    n = check_int(n, "n", 1, "pass the number of images N (each seen twice)")
    return torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])


def candidate_logits(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """Return the (2N, 2N) similarities / temperature, each view's own entry set to -inf."""
    check_views(z1, z2)
    temperature = check_temperature(temperature)
    sim = similarity_matrix(z1.float(), z2.float()) / temperature
    self_pairs = torch.eye(sim.shape[0], dtype=torch.bool, device=sim.device)
    return sim.masked_fill(self_pairs, float("-inf"))  # a view is never its own candidate


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """Return the NT-Xent loss (mean over the 2N views) of two batches of projected views."""
    sim = candidate_logits(z1, z2, temperature)
    return F.cross_entropy(sim, positive_indices(z1.shape[0]).to(sim.device))


def contrastive_accuracy(z1: torch.Tensor, z2: torch.Tensor) -> float:
    """Return the fraction of views whose most similar other view is their partner."""
    check_views(z1, z2)
    with torch.no_grad():
        sim = similarity_matrix(z1.float(), z2.float()).fill_diagonal_(float("-inf"))
        hits = sim.argmax(dim=1).cpu() == positive_indices(z1.shape[0])
    return hits.float().mean().item()


def hardest_negative_share(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> float:
    """Return the mean share of the negatives' softmax weight that goes to the most similar one."""
    check_views(z1, z2)
    temperature = check_temperature(temperature)
    sim = similarity_matrix(z1, z2) / temperature
    mask = torch.eye(len(sim), dtype=torch.bool)
    mask |= F.one_hot(positive_indices(len(z1)), len(sim)).bool()
    weights = sim.masked_fill(mask, float("-inf")).softmax(dim=1)
    return weights.max(dim=1).values.mean().item()


def partner_probabilities(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """Return the (2N, 2N) softmax over candidates of each view at `temperature` (self excluded)."""
    return candidate_logits(z1, z2, temperature).softmax(dim=1)


def temperature_explorer(z1: torch.Tensor, z2: torch.Tensor) -> widgets.VBox:
    """Return a widget: a temperature slider and each view's softmax over the candidates."""
    slider = widgets.FloatLogSlider(value=0.5, base=10, min=-2, max=1, step=0.1)
    slider.description, readout, plot = "temperature", widgets.HTML(), widgets.Output()
    partners = positive_indices(len(z1))

    def redraw(_=None) -> None:
        probs = partner_probabilities(z1, z2, slider.value)
        on_partner = probs[torch.arange(len(probs)), partners].mean().item()
        loss = nt_xent(z1, z2, slider.value).item()
        readout.value = (
            f"<b>NT-Xent {loss:.3f} nats; mean probability on the partner {on_partner:.2f}; "
            f"largest weight on any candidate {probs.max(dim=1).values.mean().item():.2f}</b>"
        )
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(4.5, 4))
            shown = ax.imshow(probs.numpy(), cmap="viridis", vmin=0, vmax=1)
            ax.scatter(partners, range(len(probs)), s=40, facecolors="none", edgecolors="red")
            ax.set(title=f"softmax at temperature {slider.value:.2f}", xlabel="candidate view")
            fig.colorbar(shown, ax=ax)
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, readout, plot])
