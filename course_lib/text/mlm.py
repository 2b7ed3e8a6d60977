"""Masked-language-model pretraining of a small BERT: data blocks, model, loss, held-out metrics."""

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import (
    BertConfig,
    BertForMaskedLM,
    ModernBertConfig,
    ModernBertForMaskedLM,
    PreTrainedModel,
)

from course_lib.text.masking import IGNORE_INDEX, mask_tokens


def pack_blocks(tokenizer, texts: Sequence[str], seq_len: int) -> torch.Tensor:
    """Tokenize `texts`, join them with [SEP] and cut into [CLS] ... [SEP] blocks of `seq_len` ids."""
    if seq_len < 8:
        raise ValueError(f"seq_len must be at least 8, got {seq_len}")
    if len(texts) == 0:
        raise ValueError("texts is empty: expected at least one document")
    ids = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    stream: list[int] = []
    for doc in ids:
        stream.extend(doc)
        stream.append(tokenizer.sep_token_id)
    body = seq_len - 2
    n = len(stream) // body
    if n == 0:
        raise ValueError(f"the texts hold {len(stream)} tokens: too few for one block of {seq_len}")
    chunks = torch.tensor(stream[: n * body], dtype=torch.long).view(n, body)
    cls = torch.full((n, 1), tokenizer.cls_token_id, dtype=torch.long)
    sep = torch.full((n, 1), tokenizer.sep_token_id, dtype=torch.long)
    return torch.cat([cls, chunks, sep], dim=1)


ARCHITECTURES = ("modernbert", "bert")


def build_bert(
    vocab_size: int,
    hidden: int,
    layers: int,
    heads: int,
    seq_len: int,
    pad_token_id: int = 0,
    dropout: float = 0.0,
    seed: int = 0,
    architecture: str = "modernbert",
) -> PreTrainedModel:
    """Return a randomly initialised small masked-LM encoder of the given shape (seeded).

    'modernbert' (the default): ModernBERT's layout (pre-LayerNorm, rotary positions, GeGLU);
    'bert': the original BERT (post-LayerNorm, learned positions), which stalls on the unigram
    plateau at this size and budget (notebook 03 measures both).
    """
    if hidden % heads:
        raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    torch.manual_seed(seed)
    if architecture == "bert":
        return BertForMaskedLM(
            BertConfig(
                vocab_size=vocab_size,
                hidden_size=hidden,
                num_hidden_layers=layers,
                num_attention_heads=heads,
                intermediate_size=4 * hidden,
                max_position_embeddings=seq_len,
                hidden_dropout_prob=dropout,
                attention_probs_dropout_prob=dropout,
                pad_token_id=pad_token_id,
                type_vocab_size=1,
            )
        )
    return ModernBertForMaskedLM(
        ModernBertConfig(
            vocab_size=vocab_size,
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            intermediate_size=2 * hidden,  # GeGLU: the input projection is twice this wide
            max_position_embeddings=seq_len,
            layer_types=["full_attention"] * layers,  # every layer sees the whole block
            local_attention=seq_len,
            attention_dropout=dropout,
            mlp_dropout=dropout,
            embedding_dropout=dropout,
            pad_token_id=pad_token_id,
            bos_token_id=None,  # ModernBERT's defaults point into its own 50k vocabulary
            eos_token_id=None,
            cls_token_id=None,
            sep_token_id=None,
            classifier_pooling="mean",  # fine-tuning (notebook 07) pools all tokens
        )
    )


def encoder_and_head(model: PreTrainedModel) -> tuple[torch.nn.Module, Callable]:
    """Split a masked-LM model into its encoder and its output layer (hidden states -> logits)."""
    if isinstance(model, BertForMaskedLM):
        return model.bert, model.cls
    if isinstance(model, ModernBertForMaskedLM):
        return model.model, lambda hidden: model.decoder(model.head(hidden))
    raise TypeError(
        f"expected a BertForMaskedLM or ModernBertForMaskedLM, got {type(model).__name__}"
    )


def masked_lm_loss(model: PreTrainedModel, batch: dict) -> torch.Tensor:
    """Cross-entropy (nats) at the masked positions only: the output layer runs just there."""
    encoder, head = encoder_and_head(model)
    hidden = encoder(
        input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")
    ).last_hidden_state
    picked = batch["labels"] != IGNORE_INDEX
    logits = head(hidden[picked])
    return F.cross_entropy(logits.float(), batch["labels"][picked])


def fixed_masks(
    blocks: torch.Tensor, tokenizer, mask_prob: float, seed: int = 1234
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask held-out blocks once with a fixed seed, so every evaluation scores the same positions."""
    generator = torch.Generator().manual_seed(seed)
    return mask_tokens(
        blocks,
        tokenizer.mask_token_id,
        len(tokenizer),
        tokenizer.all_special_ids,
        mask_prob,
        generator,
    )


@torch.no_grad()
def heldout_loss(
    model: PreTrainedModel, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int = 64
) -> float:
    """Mean masked-LM loss (nats per masked token) on fixed held-out masked blocks."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for start in range(0, len(inputs), batch_size):
        batch = {
            "input_ids": inputs[start : start + batch_size].to(device),
            "labels": labels[start : start + batch_size].to(device),
        }
        n = int((batch["labels"] != IGNORE_INDEX).sum())
        total += masked_lm_loss(model, batch).item() * n
        count += n
    model.train(was_training)
    return total / count


def unigram_baseline(train_blocks: torch.Tensor, labels: torch.Tensor, vocab_size: int) -> float:
    """Loss (nats) of always predicting training-set token frequencies, on the same masked labels.

    This is the "plateau": what a model reaches by learning word frequencies and ignoring context.
    """
    counts = torch.bincount(train_blocks.flatten(), minlength=vocab_size).double() + 1.0
    log_p = torch.log(counts / counts.sum())
    targets = labels[labels != IGNORE_INDEX]
    return float(-log_p[targets].mean())


def perplexity(loss: float) -> float:
    """Perplexity from a mean cross-entropy in nats: exp(loss)."""
    return math.exp(loss)


EVAL_MASK_PROB = (
    0.15  # held-out loss is always measured with BERT's 15%, whatever the training rate
)


def prepare_data(profile, tokenizer) -> dict[str, torch.Tensor]:
    """Pack the pretraining corpus into blocks; mask the held-out blocks once (fixed seed)."""
    from course_lib.data.corpus import pretraining_texts

    corpus = pretraining_texts(profile.corpus_max_docs)
    train_blocks = pack_blocks(tokenizer, corpus["train"], profile.mlm_seq_len)
    heldout_blocks = pack_blocks(tokenizer, corpus["heldout"], profile.mlm_seq_len)
    inputs, labels = fixed_masks(heldout_blocks, tokenizer, EVAL_MASK_PROB)
    return {
        "train": train_blocks,
        "heldout": heldout_blocks,
        "heldout_inputs": inputs,
        "heldout_labels": labels,
    }


def pretrain(
    profile,
    run_dir,
    steps: int | None = None,
    seed: int = 0,
    live_plot: bool = True,
    architecture: str = "modernbert",
):
    """Pretrain the profile's BERT with the course's training loop; return (model, tokenizer, history, data)."""
    from torch.utils.data import DataLoader

    from course_lib.core.training import TrainConfig, train
    from course_lib.text.masking import MaskingCollator
    from course_lib.text.tokenizer import course_tokenizer

    steps = steps or profile.mlm_steps
    tokenizer = course_tokenizer(profile)
    data = prepare_data(profile, tokenizer)
    model = build_bert(
        len(tokenizer),
        profile.mlm_hidden,
        profile.mlm_layers,
        profile.mlm_heads,
        profile.mlm_seq_len,
        tokenizer.pad_token_id,
        seed=seed,
        architecture=architecture,
    )
    loader = DataLoader(
        data["train"],
        batch_size=profile.mlm_batch_size,
        shuffle=True,
        drop_last=True,
        collate_fn=MaskingCollator(tokenizer, profile.mlm_mask_prob),
    )
    every = max(1, steps // 5)  # held-out loss every fifth of the run
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=profile.mlm_lr,
        warmup_steps=min(profile.mlm_warmup_steps, steps // 3),
        schedule="cosine",
        eval_every=every,
        checkpoint_every=every,
        log_every=min(10, every),
        seed=seed,
        live_plot=live_plot,
        extra={
            "mask_prob": profile.mlm_mask_prob,
            "profile": profile.name,
            "architecture": architecture,
        },
    )

    def evaluate(m) -> dict[str, float]:
        return {"heldout_mlm_loss": heldout_loss(m, data["heldout_inputs"], data["heldout_labels"])}

    history = train(model, loader, masked_lm_loss, config, eval_fn=evaluate)
    return model, tokenizer, history, data


@torch.no_grad()
def top_k_accuracy(
    model: PreTrainedModel,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    k: int = 5,
    batch_size: int = 64,
) -> float:
    """Share of masked positions whose original token is among the model's `k` best guesses."""
    was_training = model.training
    model.eval()
    encoder, head = encoder_and_head(model)
    hits, count = 0, 0
    for start in range(0, len(inputs), batch_size):
        x, y = inputs[start : start + batch_size], labels[start : start + batch_size]
        hidden = encoder(input_ids=x).last_hidden_state
        picked = y != IGNORE_INDEX
        top = head(hidden[picked]).topk(k, dim=-1).indices
        hits += int((top == y[picked].unsqueeze(1)).any(dim=1).sum())
        count += int(picked.sum())
    model.train(was_training)
    return hits / count


def unigram_top_k_accuracy(
    train_blocks: torch.Tensor, labels: torch.Tensor, k: int = 5, exclude=()
) -> float:
    """Top-k accuracy of always guessing the k most frequent training tokens (no context)."""
    counts = torch.bincount(train_blocks.flatten())
    counts[list(exclude)] = 0
    top = counts.topk(k).indices
    targets = labels[labels != IGNORE_INDEX]
    return float(torch.isin(targets, top).float().mean())


def pretrained_folder(profile) -> tuple[Path, str]:
    """Pick the pretrained BERT for later notebooks: the longest-trained of this profile's own run
    (notebook 03, in artifacts/) and the committed reference checkpoint; ('', 'none') if neither."""
    from course_lib.core.paths import DATA_DIR, artifact_dir, longest_trained

    return longest_trained(
        [
            (artifact_dir(f"bert_mlm_{profile.name}"), "this profile's run of notebook 03"),
            (DATA_DIR / "reference" / "bert_mlm", "the committed reference checkpoint"),
        ]
    )


def matmul_gflops(size: int = 1024, seconds: float = 1.0, dtype=torch.float32) -> float:
    """Measure this machine's matrix-multiply speed (GFLOP/s) with square `size` matrices."""
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
    return 2 * size**3 * count / (time.perf_counter() - start) / 1e9


PRECISION_DTYPES = {"bf16": torch.bfloat16, "no": torch.float32}


def training_peak_gflops(precision: str, size: int = 1024, seconds: float = 1.0) -> float:
    """Measure the matrix-multiply peak (GFLOP/s) in the precision training ran in ('bf16' or 'no').

    Under bf16 autocast the model's matrix multiplies run in bf16, so its MFU is measured against
    the bf16 peak, not the (often several times lower) fp32 one.
    """
    if precision not in PRECISION_DTYPES:
        raise ValueError(f"precision must be one of {sorted(PRECISION_DTYPES)}, got {precision!r}")
    return matmul_gflops(size, seconds, PRECISION_DTYPES[precision])


def train_flops_per_token(model: PreTrainedModel, seq_len: int, mask_prob: float) -> float:
    """Approximate training FLOPs per token: 6 x (weights used per token) + attention scores."""
    config = model.config
    encoder, _ = encoder_and_head(model)
    embeddings = sum(p.numel() for p in encoder.embeddings.parameters())
    body = sum(p.numel() for p in encoder.parameters()) - embeddings
    head = config.hidden_size**2 + mask_prob * config.hidden_size * config.vocab_size
    attention = 2 * config.num_hidden_layers * seq_len * config.hidden_size
    return 6 * (body + head + attention)


def main(argv: list[str] | None = None) -> None:
    """`python -m course_lib.text.mlm --profile cpu --steps 2400 --out data/reference/bert_mlm`."""
    import argparse

    from course_lib.core.paths import artifact_dir, reproduce_command
    from course_lib.core.profiles import get_profile

    parser = argparse.ArgumentParser(description="Pretrain the course's small BERT (masked LM).")
    parser.add_argument(
        "--profile", default=None, help="smoke, cpu or gpu (default: $COURSE_PROFILE)"
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="training steps (default: profile's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--architecture", choices=ARCHITECTURES, default="modernbert", help="model layout"
    )
    parser.add_argument("--out", required=True, help="folder for the model, tokenizer and card")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    out = Path(args.out).resolve()
    run_dir = artifact_dir(f"mlm_run_{out.name}")
    model, tokenizer, history, data = pretrain(
        profile, run_dir, args.steps, args.seed, False, args.architecture
    )
    command = reproduce_command("course_lib.text.mlm", argv)
    unigram = unigram_baseline(data["train"], data["heldout_labels"], len(tokenizer))
    record = save_run(out, model, tokenizer, history, profile, unigram, command, args.seed)
    metrics = describe_run(out, data)
    print(
        f"held-out MLM loss {record['heldout_mlm_loss']:.3f} nats "
        f"(unigram baseline {unigram:.3f}); top-5 {metrics['top5_accuracy']:.1%} "
        f"(random init {metrics['top5_accuracy_random_init']:.1%}); saved to {out.name}"
    )


def save_run(
    folder,
    model,
    tokenizer,
    history: dict,
    profile,
    unigram: float,
    command: str = "",
    seed: int = 0,
) -> dict:
    """save_pretrained the model and tokenizer, plus training.json (numbers and the curve)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    final = history["eval"][-1]["heldout_mlm_loss"]
    record = {
        "command": command,
        "profile": profile.name,
        "architecture": model.config.model_type,
        "seed": seed,
        "steps": history["step"][-1],
        "seconds": history["seconds"],
        "tokens_seen": history["samples"] * profile.mlm_seq_len,
        "mask_prob": profile.mlm_mask_prob,
        "lr": profile.mlm_lr,
        "batch_size": profile.mlm_batch_size,
        "seq_len": profile.mlm_seq_len,
        "unigram_entropy_baseline": unigram,
        "heldout_mlm_loss": final,
        "heldout_perplexity": perplexity(final),
        "curve": history,
    }
    (folder / "training.json").write_text(json.dumps(record, indent=1))
    return record


def describe_run(folder, data: dict) -> dict[str, float]:
    """Measure a saved run on the held-out masked blocks; write its curve and model card."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from course_lib.core.model_card import write_model_card
    from course_lib.core.training import save_curve

    folder = Path(folder)
    record = json.loads((folder / "training.json").read_text())
    model = AutoModelForMaskedLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    inputs, labels = data["heldout_inputs"], data["heldout_labels"]
    torch.manual_seed(record["seed"])
    untrained = AutoModelForMaskedLM.from_config(model.config).eval()
    metrics = {
        "heldout_mlm_loss": record["heldout_mlm_loss"],
        "heldout_perplexity": record["heldout_perplexity"],
        "unigram_entropy_baseline": record["unigram_entropy_baseline"],
        "top5_accuracy": top_k_accuracy(model, inputs, labels),
        "top5_accuracy_random_init": top_k_accuracy(untrained, inputs, labels),
        "top5_accuracy_frequency_guess": unigram_top_k_accuracy(
            data["train"], labels, exclude=tokenizer.all_special_ids
        ),
    }
    save_curve(record["curve"], folder / "training_curve.png", record["unigram_entropy_baseline"])
    write_model_card(folder, model, record, metrics)
    return metrics


if __name__ == "__main__":
    main()


def masking_stats(batch: dict, originals: torch.Tensor, mask_token_id: int, special_ids) -> dict:
    """Share of non-special tokens picked, and of picked ones turned to [MASK] or left unchanged."""
    special = torch.isin(originals, torch.tensor(list(special_ids)))
    picked = batch["labels"] != IGNORE_INDEX
    inputs = batch["input_ids"][picked]
    return {
        "picked share": picked.sum().item() / (~special).sum().item(),
        "-> [MASK]": (inputs == mask_token_id).float().mean().item(),
        "-> unchanged": (inputs == originals[picked]).float().mean().item(),
        "specials picked": int((picked & special).sum()),
    }


def full_vocabulary_loss(model: PreTrainedModel, batch: dict) -> torch.Tensor:
    """The masked-LM loss as `transformers` computes it: scores over the vocabulary everywhere."""
    return model(input_ids=batch["input_ids"], labels=batch["labels"]).loss


def step_seconds(model: torch.nn.Module, batch: dict, loss_fn: Callable, repeats: int = 3) -> float:
    """Fastest of `repeats` forward+backward passes of `loss_fn` on `batch` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loss_fn(model, batch).backward()
        times.append(time.perf_counter() - started)
    model.zero_grad()
    return min(times)


def measure_reference(folder, profile) -> dict | None:
    """Measure a saved checkpoint on this profile's held-out masked tokens (its own tokenizer's ids);
    None when the folder holds no model."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return None
    record = json.loads((folder / "training.json").read_text())
    model = AutoModelForMaskedLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    data = prepare_data(profile, tokenizer)
    if model.config.max_position_embeddings < data["heldout"].shape[1]:
        raise ValueError("the reference was trained on shorter blocks than this profile's")
    loss = heldout_loss(model, data["heldout_inputs"], data["heldout_labels"])
    return {
        "steps": record["steps"],
        "tokens_seen": record["tokens_seen"],
        "minutes": record["seconds"] / 60,
        "command": record["command"],
        "heldout_mlm_loss": loss,
        "heldout_perplexity": perplexity(loss),
        "unigram_entropy_baseline": unigram_baseline(
            data["train"], data["heldout_labels"], len(tokenizer)
        ),
        "heldout_curve": record["curve"]["eval"],
    }


def plot_heldout_curves(
    curves: dict[str, list[dict]], unigram: float, key: str = "heldout_mlm_loss"
):
    """Plot held-out loss against step for each labelled run, with the unigram plateau; return the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for (label, curve), marker in zip(curves.items(), "o^sdv", strict=False):
        ax.plot([e["step"] for e in curve], [e[key] for e in curve], f"{marker}-", label=label)
    ax.axhline(unigram, color="k", ls="--", lw=1, label="unigram plateau")
    ax.axhline(unigram - 1.0, color="tab:green", ls=":", lw=1, label="1 nat below the plateau")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"{key.replace('_', ' ')} (nats)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def run_summary(history: dict, profile, unigram: float) -> dict:
    """The numbers of a masked-LM run worth recording: steps, tokens, losses, perplexity, curve."""
    final = history["eval"][-1]["heldout_mlm_loss"]
    return {
        "steps": history["step"][-1],
        "tokens_seen": history["samples"] * profile.mlm_seq_len,
        "tokens_per_s": history["samples"] * profile.mlm_seq_len / history["seconds"],
        "mask_prob_train": profile.mlm_mask_prob,
        "mask_prob_heldout": EVAL_MASK_PROB,
        "mlm_loss_start": history["loss"][0],
        "mlm_loss_end": history["loss"][-1],
        "heldout_mlm_loss": final,
        "heldout_perplexity": perplexity(final),
        "unigram_entropy_baseline": unigram,
        "heldout_curve": history["eval"],
    }
