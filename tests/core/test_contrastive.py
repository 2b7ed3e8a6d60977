"""NT-Xent against a direct computation of its formula, plus its properties."""

import math

import pytest
import torch
import torch.nn.functional as F

from course_lib.core.contrastive import (
    contrastive_accuracy,
    nt_xent,
    positive_indices,
    similarity_matrix,
    split_views,
)
from course_lib.core.validate import BadInput


def reference_nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> float:
    """The SimCLR paper's formula, one view at a time, with plain loops."""
    z = [F.normalize(v, dim=0) for v in torch.cat([z1, z2])]
    n = len(z1)
    total = 0.0
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        sims = [math.exp(float(z[i] @ z[k]) / temperature) for k in range(2 * n) if k != i]
        total += -math.log(math.exp(float(z[i] @ z[j]) / temperature) / sum(sims))
    return total / (2 * n)


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
def test_matches_direct_formula(temperature):
    torch.manual_seed(0)
    z1, z2 = torch.randn(6, 5), torch.randn(6, 5)
    got = nt_xent(z1, z2, temperature).item()
    assert got == pytest.approx(reference_nt_xent(z1, z2, temperature), rel=1e-5)


def test_symmetric_in_the_two_views():
    torch.manual_seed(1)
    z1, z2 = torch.randn(8, 16), torch.randn(8, 16)
    assert nt_xent(z1, z2).item() == pytest.approx(nt_xent(z2, z1).item(), rel=1e-6)


def test_invariant_to_scale_and_same_order_of_pairs():
    torch.manual_seed(2)
    z1, z2 = torch.randn(8, 16), torch.randn(8, 16)
    perm = torch.randperm(8)
    assert nt_xent(3 * z1, 0.5 * z2).item() == pytest.approx(nt_xent(z1, z2).item(), rel=1e-5)
    assert nt_xent(z1[perm], z2[perm]).item() == pytest.approx(nt_xent(z1, z2).item(), rel=1e-5)


def test_perfect_pairs_score_low_and_low_temperature_sharpens():
    torch.manual_seed(3)
    z = torch.randn(16, 32)
    good = z + 0.01 * torch.randn_like(z)
    shuffled = good[torch.randperm(16)]
    assert nt_xent(z, good, 0.5) < nt_xent(z, shuffled, 0.5)
    # aligned pairs: a lower temperature makes the loss smaller (more confident)
    assert nt_xent(z, good, 0.1) < nt_xent(z, good, 0.5) < nt_xent(z, good, 1.0)
    # with random views every candidate is alike: the loss approaches log(2N - 1)
    far = nt_xent(torch.randn(64, 256), torch.randn(64, 256), 10.0).item()
    assert far == pytest.approx(math.log(127), rel=0.01)


def test_gradients_are_finite_even_for_identical_views():
    z1 = torch.randn(4, 8, requires_grad=True)
    z2 = z1.detach().clone().requires_grad_(True)
    loss = nt_xent(z1, z2, 0.05)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(z1.grad).all() and torch.isfinite(z2.grad).all()


def test_similarity_matrix_and_positive_indices():
    z1 = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    z2 = torch.tensor([[3.0, 0.0], [0.0, -1.0]])
    sim = similarity_matrix(z1, z2)
    assert sim.shape == (4, 4)
    assert torch.allclose(sim.diagonal(), torch.ones(4))
    assert sim[0, 2].item() == pytest.approx(1.0) and sim[1, 3].item() == pytest.approx(-1.0)
    assert positive_indices(3).tolist() == [3, 4, 5, 0, 1, 2]
    assert contrastive_accuracy(z1, z1 * 2) == 1.0


def test_bad_input_is_refused_clearly():
    with pytest.raises(BadInput, match="z2: expected the shape of z1"):
        nt_xent(torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(BadInput, match="z1: expected 2 dimensions"):
        nt_xent(torch.randn(4), torch.randn(4))
    with pytest.raises(BadInput, match="at least 2"):
        nt_xent(torch.randn(1, 3), torch.randn(1, 3))
    with pytest.raises(BadInput, match="temperature"):
        nt_xent(torch.randn(4, 3), torch.randn(4, 3), temperature=0)
    with pytest.raises(BadInput, match="n: expected an int >= 1"):
        positive_indices(0)


def test_split_views_undoes_the_stacking():
    z1, z2 = torch.randn(3, 4), torch.randn(3, 4)
    a, b = split_views(torch.cat([z1, z2]))
    assert torch.equal(a, z1) and torch.equal(b, z2)


def test_hardest_negative_share_grows_as_the_temperature_falls():
    from course_lib.core.contrastive import hardest_negative_share

    torch.manual_seed(0)
    z1 = torch.randn(32, 8)
    z2 = z1 + 0.5 * torch.randn(32, 8)
    shares = [hardest_negative_share(z1, z2, t) for t in (0.05, 0.5, 5.0)]
    assert shares[0] > shares[1] > shares[2] > 1 / 62  # 62 negatives: uniform is 1/62


def test_partner_probabilities_sharpen_as_the_temperature_falls():
    from course_lib.core.contrastive import partner_probabilities

    torch.manual_seed(0)
    z1 = torch.randn(8, 4)
    z2 = z1 + 0.1 * torch.randn(8, 4)
    warm, cold = (partner_probabilities(z1, z2, t) for t in (2.0, 0.05))
    assert torch.allclose(warm.sum(dim=1), torch.ones(16))
    assert (warm.diagonal() == 0).all()
    rows = torch.arange(16)
    assert (cold[rows, positive_indices(8)] > warm[rows, positive_indices(8)]).all()


def test_the_temperature_explorer_updates_when_the_slider_moves():
    from course_lib.core.contrastive import temperature_explorer

    torch.manual_seed(0)
    z1 = torch.randn(4, 3)
    box = temperature_explorer(z1, z1 + 0.1 * torch.randn(4, 3))
    slider, readout = box.children[:2]
    before = readout.value
    slider.value = 0.05
    assert readout.value != before and "NT-Xent" in readout.value
