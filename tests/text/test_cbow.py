"""CBOW: the window average matches a direct computation, and training lowers the loss."""

import pytest
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
    import json

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
    from course_lib.core.paths import run_folder

    state = json.loads((run_folder("cbow", folder) / "checkpoint" / "train_state.json").read_text())
    extra = {"batch_size": 8, "target_prob": 0.15, "window": 3, "profile": "smoke"}
    assert state["config"]["extra"] == extra  # the course's runs: config as before, so they resume
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


REVIEWS = [
    f"the {w} film had a {a} plot and {b} acting from the whole cast"
    for w in ("new", "old", "long", "short", "french", "quiet")
    for a in ("great", "dull", "moving", "flat")
    for b in ("warm", "stiff", "fine")
]


def test_pretrain_on_own_texts_uses_them_and_their_tokenizer(tmp_path):
    from course_lib.core.profiles import get_profile
    from course_lib.text.cbow import load_vectors, pretrain, save_vectors, word_vectors

    model, tokenizer, history, data = pretrain(
        get_profile("smoke"), tmp_path / "run", 6, batch_size=4, live_plot=False, texts=REVIEWS,
        vocab_size=120, dim=16, seq_len=16, data_description="72 toy reviews (your own data)",
    )  # fmt: skip
    assert model.embed.weight.shape == (len(tokenizer), 16) and len(tokenizer) <= 120

    assert "film" in tokenizer.get_vocab() and data["train"].shape[1] == 16
    record = {
        "command": "test", "profile": "smoke", "data": "72 toy reviews (your own data)",
        "seed": 0, "batch_size": 4, "seq_len": 16, "lr": 0.01, "target_prob": 0.15,
        "heldout_loss": 3.0, "unigram_entropy_baseline": 3.5,
    }  # fmt: skip
    save_vectors(tmp_path / "out", model, tokenizer, history, record)
    vectors, _ = load_vectors(tmp_path / "out")
    assert vectors.shape == (len(tokenizer), 32) and torch.equal(word_vectors(model), vectors)
    card = (tmp_path / "out" / "README.md").read_text()
    assert "72 toy reviews (your own data), not the course's Wikipedia corpus" in card
    assert "Wikipedia article summaries" not in card


def test_cli_trains_on_a_texts_file_and_says_so(tmp_path):
    import json

    from course_lib.text.cbow import main

    (tmp_path / "reviews.txt").write_text("\n".join(REVIEWS) + "\n")
    out = tmp_path / "vectors"
    main(
        ["--profile", "smoke", "--steps", "3", "--batch-size", "2", "--vocab-size", "60",
         "--texts", str(tmp_path / "reviews.txt"), "--out", str(out)]
    )  # fmt: skip
    record = json.loads((out / "training.json").read_text())
    assert record["data"] == "72 texts from reviews.txt (your own data)" and record["steps"] == 3
    assert "72 texts from reviews.txt" in (out / "README.md").read_text()


BAD_CLI = [
    (["--steps", "0"], "--steps: expected a whole number >= 1, got '0'"),
    (["--steps", "-5"], "--steps: expected a whole number >= 1, got '-5'"),
    (["--steps", "3", "--batch-size", "0"], "--batch-size: expected a whole number >= 1"),
    (["--steps", "3", "--vocab-size", "10"], "--vocab-size: expected a vocabulary of at least 32"),
    (["--steps", "3", "--texts", "missing.txt"], "--texts: no such file 'missing.txt'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CLI)
def test_cli_refuses_bad_arguments_before_training(tmp_path, capsys, args, message):
    from course_lib.text.cbow import main

    with pytest.raises(SystemExit):
        main([*args, "--out", str(tmp_path / "never")])
    assert message in capsys.readouterr().err and not (tmp_path / "never").exists()


BAD = [
    (dict(steps=0), r"^steps: expected an int >= 1"),
    (dict(steps=-2), r"^steps: expected an int >= 1"),
    (dict(steps=3, batch_size=0), r"^batch_size: expected an int >= 1"),
    (dict(steps=3, lr=0.0), r"^lr: expected a finite number > 0"),
    (dict(steps=3, dim=0), r"^dim: expected an int >= 1"),
    (dict(steps=3, texts="one review"), r"^texts: expected a list of texts"),
    (dict(steps=3, texts=REVIEWS, vocab_size=8), r"^vocab_size: expected an int >= 32"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
def test_pretrain_refuses_bad_arguments(tmp_path, kwargs, match):
    from course_lib.core.profiles import get_profile
    from course_lib.core.validate import BadInput
    from course_lib.text.cbow import pretrain

    with pytest.raises(BadInput, match=match):
        pretrain(get_profile("smoke"), tmp_path, live_plot=False, **kwargs)
