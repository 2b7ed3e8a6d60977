"""Masked-LM pieces: blocks, model, loss at masked positions only, held-out loss and baseline."""

import math

import pytest
import torch

from course_lib.core import runtime
from course_lib.core.checkpoints import read_training
from course_lib.text import lm_data, masking, mlm
from course_lib.text.masking import mask_tokens
from course_lib.text.tokenizer import build_tokenizer

TEXTS = ["the cat sat on the mat .", "a dog lay on the rug near the door ."] * 30


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(TEXTS, 60)


def test_pack_blocks(tokenizer):
    blocks = lm_data.pack_blocks(tokenizer, TEXTS, 16)
    assert blocks.shape[1] == 16 and blocks.dtype == torch.long
    assert (blocks[:, 0] == tokenizer.cls_token_id).all() and (
        blocks[:, -1] == tokenizer.sep_token_id
    ).all()
    with pytest.raises(ValueError, match="seq_len"):
        lm_data.pack_blocks(tokenizer, TEXTS, 4)
    with pytest.raises(ValueError, match="empty"):
        lm_data.pack_blocks(tokenizer, [], 16)
    with pytest.raises(ValueError, match="too few"):
        lm_data.pack_blocks(tokenizer, ["cat"], 64)


@pytest.mark.parametrize("architecture", mlm.ARCHITECTURES)
def test_masked_only_loss_equals_the_full_loss(tokenizer, architecture):
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16, architecture=architecture)
    model.eval()
    blocks = lm_data.pack_blocks(tokenizer, TEXTS, 16)
    inputs, labels = mask_tokens(
        blocks,
        tokenizer.mask_token_id,
        len(tokenizer),
        tokenizer.all_special_ids,
        0.3,
        torch.Generator().manual_seed(0),
    )
    ours = mlm.masked_lm_loss(model, {"input_ids": inputs, "labels": labels})
    full = model(input_ids=inputs, labels=labels).loss
    assert torch.allclose(ours, full, atol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        mlm.build_bert(60, 30, 1, 4, 16)
    with pytest.raises(ValueError, match="architecture must be one of"):
        mlm.build_bert(60, 32, 1, 2, 16, architecture="gpt")
    with pytest.raises(TypeError, match="BertForMaskedLM or ModernBertForMaskedLM"):
        mlm.encoder_and_head(torch.nn.Linear(2, 2))


def test_modernbert_layout_saves_and_loads_like_a_checkpoint(tokenizer, tmp_path):
    from transformers import AutoModelForMaskedLM, pipeline

    model = mlm.build_bert(len(tokenizer), 32, 2, 2, 16)
    assert model.config.model_type == "modernbert" and model.config.layer_types == [
        "full_attention",
        "full_attention",
    ]
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    again = AutoModelForMaskedLM.from_pretrained(tmp_path)
    assert type(again).__name__ == "ModernBertForMaskedLM"
    fill = pipeline("fill-mask", model=again, tokenizer=tokenizer, device=-1)
    assert len(fill("the cat [MASK] on the mat .", top_k=3)) == 3


@pytest.mark.parametrize("architecture", mlm.ARCHITECTURES)
def test_training_gets_below_the_unigram_baseline(tokenizer, architecture):
    torch.manual_seed(0)
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16, architecture=architecture)
    blocks = lm_data.pack_blocks(tokenizer, TEXTS, 16)
    inputs, labels = lm_data.fixed_masks(blocks, tokenizer, 0.15)
    baseline = lm_data.unigram_baseline(blocks, labels, len(tokenizer))
    before = mlm.heldout_loss(model, inputs, labels)
    optimizer = torch.optim.AdamW(model.parameters(), 5e-3)
    for _ in range(100):
        x, y = mask_tokens(
            blocks, tokenizer.mask_token_id, len(tokenizer), tokenizer.all_special_ids, 0.3
        )
        loss = mlm.masked_lm_loss(model, {"input_ids": x, "labels": y})
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    after = mlm.heldout_loss(model, inputs, labels)
    assert after < before and after < baseline - 0.3  # the context of this toy text is predictive


def test_unigram_baseline_is_the_entropy_of_frequencies():
    train = torch.tensor([[1, 1, 2, 3]])
    labels = torch.tensor([[1, -100, 2, 3]])
    counts = torch.tensor([0, 2, 1, 1]) + 1.0
    p = counts / counts.sum()
    want = -(torch.log(p[1]) + torch.log(p[2]) + torch.log(p[3])) / 3
    assert lm_data.unigram_baseline(train, labels, 4) == pytest.approx(float(want))
    assert lm_data.perplexity(math.log(50)) == pytest.approx(50)


@pytest.mark.parametrize("architecture", mlm.ARCHITECTURES)
def test_flops_and_matmul_speed(tokenizer, architecture):
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16, architecture=architecture)
    assert mlm.train_flops_per_token(model, 16, 0.15) > 6 * 32 * 32
    assert runtime.matmul_gflops(64, seconds=0.05) > 0


def test_top_k_accuracy_counts_hits_at_masked_positions(tokenizer):
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16)
    blocks = lm_data.pack_blocks(tokenizer, TEXTS, 16)
    inputs, labels = lm_data.fixed_masks(blocks, tokenizer, 0.15)
    assert mlm.top_k_accuracy(model, inputs, labels, k=len(tokenizer)) == 1.0
    assert 0.0 <= mlm.top_k_accuracy(model, inputs, labels, k=1) < 1.0
    most = int(torch.bincount(blocks.flatten()).argmax())
    targets = labels[labels != -100]
    want = float((targets == most).float().mean())
    assert mlm.unigram_top_k_accuracy(blocks, labels, k=1) == pytest.approx(want)


def test_command_line_pretrains_and_saves_a_loadable_checkpoint(tmp_path):
    import json

    from transformers import AutoModelForMaskedLM

    out = tmp_path / "tiny_mlm"
    mlm.main(["--profile", "smoke", "--steps", "3", "--out", str(out)])
    record = json.loads((out / "training.json").read_text())
    assert record["steps"] == 3 and record["architecture"] == "modernbert"
    assert "--steps 3" in record["command"]
    assert (
        record["mixed_precision"] == "auto"
        and record["precision_used"] == runtime.mixed_precision()
    )
    from course_lib.core.paths import run_folder

    state = json.loads((run_folder("mlm", out) / "checkpoint" / "train_state.json").read_text())
    extra = {"mask_prob": 0.3, "profile": "smoke", "architecture": "modernbert"}
    assert state["config"]["extra"] == extra  # the course's runs: config as before, so they resume
    assert AutoModelForMaskedLM.from_pretrained(out).config.model_type == "modernbert"
    card = (out / "README.md").read_text()
    assert "top5_accuracy_random_init" in card and "--steps 3" in card
    assert (out / "training_curve.png").stat().st_size > 1000


def test_training_peak_is_measured_in_the_training_precision(monkeypatch):
    seen = []
    monkeypatch.setattr(
        runtime, "matmul_gflops", lambda size, seconds, dtype: seen.append(dtype) or 1.0
    )
    runtime.training_peak_gflops("bf16", 64, 0.01)
    runtime.training_peak_gflops("no", 64, 0.01)
    assert seen == [torch.bfloat16, torch.float32]
    with pytest.raises(ValueError, match="precision must be one of"):
        runtime.training_peak_gflops("fp16")


def test_masking_stats_and_step_timing(tokenizer):
    from course_lib.text.masking import MaskingCollator

    blocks = lm_data.pack_blocks(tokenizer, TEXTS * 4, 16)
    batch = MaskingCollator(tokenizer, 0.3, seed=0)(list(blocks))
    stats = masking.masking_stats(batch, blocks, tokenizer.mask_token_id, tokenizer.all_special_ids)
    assert 0.2 < stats["picked share"] < 0.4 and 0.6 < stats["-> [MASK]"] < 0.95
    assert stats["specials picked"] == 0 and 0.0 <= stats["-> unchanged"] < 0.3
    model = mlm.build_bert(len(tokenizer), 32, 1, 2, 16).eval()
    full = mlm.full_vocabulary_loss(model, batch)
    assert torch.allclose(full, mlm.masked_lm_loss(model, batch), atol=1e-5)
    assert runtime.step_seconds(model, batch, mlm.masked_lm_loss, repeats=2) > 0
    assert all(p.grad is None for p in model.parameters())  # gradients cleared afterwards


def test_run_summary_reference_and_plot(tmp_path):
    from course_lib.core.profiles import get_profile

    profile = get_profile("smoke")
    history = {
        "step": [10, 20],
        "loss": [8.0, 6.0],
        "eval": [{"step": 10, "heldout_mlm_loss": 7.0}, {"step": 20, "heldout_mlm_loss": 5.0}],
        "samples": 320,
        "seconds": 2.0,
    }
    summary = mlm.run_summary(history, profile, 6.5)
    assert (
        mlm.run_summary(history, profile, 6.5, mlm.run_settings(profile, seq_len=8))["tokens_seen"]
        == 320 * 8
    )
    assert summary["steps"] == 20 and summary["heldout_mlm_loss"] == 5.0
    assert summary["tokens_seen"] == 320 * profile.mlm_seq_len
    assert summary["tokens_per_s"] == pytest.approx(160 * profile.mlm_seq_len)
    assert summary["heldout_perplexity"] == pytest.approx(math.exp(5.0))
    assert mlm.measure_reference(tmp_path, profile) is None  # no checkpoint in that folder
    fig = mlm.plot_heldout_curves({"run": history["eval"]}, 6.5)
    assert len(fig.axes[0].lines) == 3  # the run, the plateau, the 1-nat line


REVIEWS = [
    f"the {w} film had a {a} plot and {b} acting from the whole cast"
    for w in ("new", "old", "long", "short", "french", "quiet")
    for a in ("great", "dull", "moving", "flat")
    for b in ("warm", "stiff", "fine")
]


def test_pretrain_on_own_texts_with_own_sizes_and_no_stale_resume(tmp_path):
    from course_lib.core.profiles import get_profile

    profile = get_profile("smoke")
    sizes = dict(batch_size=4, seq_len=16, hidden=16, layers=1, heads=2, live_plot=False)
    model, tok, history, data = mlm.pretrain(
        profile, tmp_path, 4, texts=REVIEWS, vocab_size=120, **sizes
    )
    assert history["step"][-1] == 4 and history["samples"] == 16  # 4 steps of 4 blocks
    assert model.config.hidden_size == 16 and data["train"].shape[1] == 16 and "film" in tok.vocab
    other = [t.replace("film", "play") for t in REVIEWS]
    _, tok2, again, _ = mlm.pretrain(profile, tmp_path, 4, texts=other, vocab_size=120, **sizes)
    assert "play" in tok2.vocab and again["samples"] == 16  # other texts: trained afresh
    settings = mlm.run_settings(profile, batch_size=4, lr=None)
    assert settings["batch_size"] == 4 and settings["lr"] == profile.mlm_lr


BAD = [
    (dict(steps=0), r"^steps: expected an int >= 1"),
    (dict(steps=-1), r"^steps: expected an int >= 1"),
    (dict(batch_size=0), r"^batch_size: expected an int >= 1"),
    (dict(lr=-1e-3), r"^lr: expected a finite number > 0"),
    (dict(seq_len=4), r"^seq_len: expected an int >= 8"),
    (dict(texts="a single review"), r"^texts: expected a list of texts"),
    (dict(texts=REVIEWS, vocab_size=31), r"^vocab_size: expected an int >= 32"),
    (dict(texts=REVIEWS, tokenizer="x", vocab_size=100), r"^vocab_size: expected no vocab_size"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
def test_pretrain_refuses_bad_arguments(tmp_path, kwargs, match):
    from course_lib.core.profiles import get_profile
    from course_lib.core.validate import BadInput

    with pytest.raises(BadInput, match=match):
        mlm.pretrain(get_profile("smoke"), tmp_path, live_plot=False, **kwargs)


def test_command_line_trains_in_the_precision_asked_for(tmp_path):
    out = tmp_path / "fp32"
    mlm.main(["--profile", "smoke", "--steps", "2", "--mixed-precision", "no", "--out", str(out)])
    record = read_training(out)
    assert (record["mixed_precision"], record["precision_used"]) == ("no", "no")
    assert "--mixed-precision no" in record["command"]
    with pytest.raises(SystemExit):
        mlm.main(["--mixed-precision", "fp16", "--out", str(tmp_path / "never")])


def test_cli_refuses_steps_zero_and_trains_on_a_texts_file(tmp_path, capsys):
    import json

    with pytest.raises(SystemExit):
        mlm.main(["--steps", "0", "--out", str(tmp_path / "never")])
    assert "--steps: expected a whole number >= 1, got '0'" in capsys.readouterr().err
    (tmp_path / "reviews.jsonl").write_text(
        "\n".join(json.dumps({"body": f"{t}, {t}"}) for t in REVIEWS)
    )
    out = tmp_path / "bert"
    mlm.main(
        ["--profile", "smoke", "--steps", "2", "--batch-size", "2", "--vocab-size", "120",
         "--texts", str(tmp_path / "reviews.jsonl"), "--field", "body", "--out", str(out)]
    )  # fmt: skip
    record = json.loads((out / "training.json").read_text())
    assert record["steps"] == 2 and record["batch_size"] == 2
    assert record["data"] == "72 texts from reviews.jsonl (your own data)"
    card = (out / "README.md").read_text()
    assert "72 texts from reviews.jsonl" in card and "11-topic" not in card
