"""CBOW: the window average matches a direct computation, and training lowers the loss."""

import torch

from course_lib.text.cbow import CBOW, cbow_loss


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


def test_cli_saves_vectors_with_card_and_curve_that_load_back(tmp_path):
    from course_lib.text.cbow import load_vectors, main

    main(
        [
            "--profile",
            "smoke",
            "--steps",
            "4",
            "--batch-size",
            "8",
            "--window",
            "3",
            "--out",
            str(tmp_path / "vectors"),
        ]
    )
    folder = tmp_path / "vectors"
    for name in (
        "model.safetensors",
        "tokenizer.json",
        "training.json",
        "README.md",
        "training_curve.png",
        "config.json",
    ):
        assert (folder / name).is_file(), name
    vectors, tokenizer = load_vectors(folder)
    assert vectors.shape == (len(tokenizer), 2 * 64)  # input and output vectors side by side
    card = (folder / "README.md").read_text()
    assert (
        "python -m course_lib.text.cbow --profile smoke --steps 4" in card
        and "window" not in str(tmp_path)
    )


def test_missing_vectors_are_a_clear_error(tmp_path):
    import pytest

    from course_lib.text.cbow import load_vectors

    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_vectors(tmp_path)
