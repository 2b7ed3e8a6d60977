"""CBOW: the window average matches a direct computation, and training lowers the loss."""

import torch

from course_lib.cbow import CBOW, cbow_loss


def test_context_vectors_match_a_direct_window_average():
    torch.manual_seed(0)
    model = CBOW(20, 4, window=2)
    ids = torch.randint(0, 20, (3, 7))
    got = model.context_vectors(ids)
    vectors = model.embed(ids)
    for b in range(3):
        for i in range(7):
            neighbours = [j for j in range(max(0, i - 2), min(7, i + 3)) if j != i]
            want = vectors[b, neighbours].mean(0)
            assert torch.allclose(got[b, i], want, atol=1e-6)


def test_training_lowers_the_loss_and_skips_special_tokens():
    torch.manual_seed(0)
    ids = torch.tensor([[0, 5, 6, 7, 5, 6, 7, 5, 6, 7, 1]] * 8)
    model = CBOW(10, 8, window=1, special_ids=[0, 1])
    optimizer = torch.optim.Adam(model.parameters(), 0.05)
    first = cbow_loss(model, ids).item()
    for _ in range(100):
        loss = cbow_loss(model, ids)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert loss.item() < 0.2 * first
    assert cbow_loss(model, {"input_ids": ids}, target_prob=0.5).item() >= 0
