"""Masked-language-model pretraining of a small BERT: data blocks, model, loss, held-out metrics."""

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch.utils.data import DataLoader
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    ModernBertConfig,
    ModernBertForMaskedLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from course_lib.core.checkpoints import CONFIG_NAME, read_training, write_training
from course_lib.core.model_card import WIKIPEDIA, write_model_card
from course_lib.core.paths import (
    DATA_DIR,
    artifact_dir,
    longest_trained,
    reproduce_command,
    run_folder,
)
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.training import (
    PRECISIONS,
    plot_history,
    precision_used,
    pretraining_config,
    save_curve,
    train,
)
from course_lib.core.validate import check_int, check_number
from course_lib.data.corpus import HELDOUT_FRACTION
from course_lib.text.lm_data import (
    EVAL_MASK_PROB,
    add_own_data_arguments,
    data_record,
    heldout_mean_loss,
    own_data,
    perplexity,
    positive_int,
    prepare_data,
    pretraining_data,
    unigram_baseline,
)
from course_lib.text.masking import IGNORE_INDEX, MaskingCollator

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


def heldout_loss(
    model: PreTrainedModel, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int = 64
) -> float:
    """Mean masked-LM loss (nats per masked token) on fixed held-out masked blocks."""
    device = next(model.parameters()).device
    batches = (
        (
            {"input_ids": inputs[i : i + batch_size].to(device), "labels": chunk.to(device)},
            int((chunk != IGNORE_INDEX).sum()),
        )
        for i in range(0, len(inputs), batch_size)
        for chunk in [labels[i : i + batch_size]]
    )
    return heldout_mean_loss(model, batches, masked_lm_loss)


SIZES = ("batch_size", "lr", "seq_len", "hidden", "layers", "heads", "mask_prob", "warmup_steps")


def run_settings(profile: Profile, **overrides: int | float | None) -> dict:
    """Return a masked-LM run's sizes: the profile's `mlm_*` values, with every given (not None)
    override of SIZES validated and in their place."""
    unknown = set(overrides) - set(SIZES)
    if unknown:
        raise TypeError(f"unknown sizes {sorted(unknown)}: expected some of {SIZES}")
    settings = {name: getattr(profile, f"mlm_{name}") for name in SIZES}
    for name, value in overrides.items():
        if value is None:
            continue
        if name in ("lr", "mask_prob"):
            high = 1 if name == "mask_prob" else None
            settings[name] = check_number(value, name, 0, high, open_low=True)
        else:
            settings[name] = check_int(value, name, 0 if name == "warmup_steps" else 1)
    check_int(settings["seq_len"], "seq_len", 8, "pass at least 8 tokens per block, e.g. 128")
    return settings


def pretrain(
    profile: Profile,
    run_dir: str | Path,
    steps: int | None = None,
    seed: int = 0,
    live_plot: bool = True,
    architecture: str = "modernbert",
    *,
    texts: list[str] | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    vocab_size: int | None = None,
    heldout_fraction: float = HELDOUT_FRACTION,
    data_description: str = WIKIPEDIA,
    mixed_precision: str = "auto",
    **sizes: int | float | None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, dict, dict[str, torch.Tensor]]:
    """Pretrain a small BERT with the course's training loop; return (model, tokenizer, history,
    data).

    Without `texts`: the course's Wikipedia corpus and WordPiece. With them: your texts (a seeded
    `heldout_fraction` held out whole) and `tokenizer`, else WordPiece of `vocab_size` trained on
    them. `steps` (default: the profile's) and `sizes` (any of SIZES, e.g. batch_size=16; the
    rest from the profile) are validated; `data_description` names the data in the record;
    `mixed_precision`: 'auto' (bf16 where fast), 'bf16' or 'no' (fp32).
    """
    if steps is None:
        steps = profile.mlm_steps
    steps = check_int(steps, "steps", 1, "pass the number of training steps, e.g. 1000")
    settings = run_settings(profile, **sizes)
    overrides = {k: v for k, v in sizes.items() if v is not None}
    given = (texts, tokenizer, vocab_size)
    custom = any(v is not None for v in given) or heldout_fraction != HELDOUT_FRACTION
    tokenizer, data = pretraining_data(
        profile, texts, tokenizer, vocab_size, settings["seq_len"], heldout_fraction
    )
    model = build_bert(
        len(tokenizer),
        settings["hidden"],
        settings["layers"],
        settings["heads"],
        settings["seq_len"],
        tokenizer.pad_token_id,
        seed=seed,
        architecture=architecture,
    )
    loader = DataLoader(
        data["train"],
        batch_size=settings["batch_size"],
        shuffle=True,
        drop_last=len(data["train"]) >= settings["batch_size"],
        collate_fn=MaskingCollator(tokenizer, settings["mask_prob"]),
    )
    extra = {"mask_prob": settings["mask_prob"], "profile": profile.name}
    extra |= {"architecture": architecture, **overrides}
    extra |= data_record(data, data_description, custom)
    config = pretraining_config(
        run_dir,
        steps,
        settings["lr"],
        settings["warmup_steps"],
        5,
        seed,
        live_plot,
        extra,
        mixed_precision,
    )  # held-out loss every fifth of the run

    def evaluate(m: PreTrainedModel) -> dict[str, float]:
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
    train_blocks: torch.Tensor, labels: torch.Tensor, k: int = 5, exclude: Iterable[int] = ()
) -> float:
    """Top-k accuracy of always guessing the k most frequent training tokens (no context)."""
    counts = torch.bincount(train_blocks.flatten())
    counts[list(exclude)] = 0
    top = counts.topk(k).indices
    targets = labels[labels != IGNORE_INDEX]
    return float(torch.isin(targets, top).float().mean())


# the command that made data/reference/bert_mlm
REFERENCE_COMMAND = (
    "python -m course_lib.text.mlm --profile cpu --steps 4000 --out data/reference/bert_mlm"
)


def pretrained_folder(profile: Profile) -> tuple[Path, str]:
    """Pick the pretrained BERT for later notebooks: the longest-trained of this profile's own run
    (notebook 03, in artifacts/) and the committed reference checkpoint."""
    return longest_trained(
        [
            (artifact_dir(f"bert_mlm_{profile.name}"), "this profile's run of notebook 03"),
            (DATA_DIR / "reference" / "bert_mlm", "the committed reference checkpoint"),
        ],
        REFERENCE_COMMAND,
    )


def train_flops_per_token(model: PreTrainedModel, seq_len: int, mask_prob: float) -> float:
    """Approximate training FLOPs per token: 6 x (weights used per token) + attention scores."""
    config = model.config
    encoder, _ = encoder_and_head(model)
    embeddings = sum(p.numel() for p in encoder.embeddings.parameters())
    body = sum(p.numel() for p in encoder.parameters()) - embeddings
    head = config.hidden_size**2 + mask_prob * config.hidden_size * config.vocab_size
    attention = 2 * config.num_hidden_layers * seq_len * config.hidden_size
    return 6 * (body + head + attention)


def save_run(
    folder: str | Path,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    history: dict,
    profile: Profile,
    unigram: float,
    command: str = "",
    seed: int = 0,
    settings: dict | None = None,
    data_description: str = WIKIPEDIA,
    heldout_fraction: float = HELDOUT_FRACTION,
    mixed_precision: str = "auto",
) -> dict:
    """save_pretrained the model and tokenizer, plus training.json (numbers and the curve);
    `settings` are the run's sizes (`run_settings`, default: the profile's)."""
    settings = settings or run_settings(profile)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    final = history["eval"][-1]["heldout_mlm_loss"]
    record = {
        "command": command,
        "profile": profile.name,
        "data": data_description,
        "heldout_fraction": heldout_fraction,
        "architecture": model.config.model_type,
        "seed": seed,
        "steps": history["step"][-1],
        "seconds": history["seconds"],
        "tokens_seen": history["samples"] * settings["seq_len"],
        "mask_prob": settings["mask_prob"],
        "lr": settings["lr"],
        "batch_size": settings["batch_size"],
        "seq_len": settings["seq_len"],
        "mixed_precision": mixed_precision,
        "precision_used": precision_used(mixed_precision),
        "unigram_entropy_baseline": unigram,
        "heldout_mlm_loss": final,
        "heldout_perplexity": perplexity(final),
        "curve": history,
    }
    write_training(folder, record)
    return record


def describe_run(folder: str | Path, data: dict) -> dict[str, float]:
    """Measure a saved run on the held-out masked blocks; write its curve and model card."""
    folder = Path(folder)
    record = read_training(folder)
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


def full_vocabulary_loss(model: PreTrainedModel, batch: dict) -> torch.Tensor:
    """The masked-LM loss as `transformers` computes it: scores over the vocabulary everywhere."""
    return model(input_ids=batch["input_ids"], labels=batch["labels"]).loss


def measure_reference(folder: str | Path, profile: Profile) -> dict | None:
    """Measure a saved checkpoint on this profile's held-out masked tokens (its own tokenizer's ids);
    None when the folder holds no model."""
    folder = Path(folder)
    if not (folder / CONFIG_NAME).is_file():
        return None
    record = read_training(folder)
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
) -> Figure:
    """Plot held-out loss against step for each labelled run, with the unigram plateau; return the figure."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for (label, curve), marker in zip(curves.items(), "o^sdv", strict=False):
        plot_history({"eval": curve}, [key], ax, label=label, style=f"{marker}-")
    ax.axhline(unigram, color="k", ls="--", lw=1, label="unigram plateau")
    ax.axhline(unigram - 1.0, color="tab:green", ls=":", lw=1, label="1 nat below the plateau")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"{key.replace('_', ' ')} (nats)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def run_summary(
    history: dict, profile: Profile, unigram: float, settings: dict | None = None
) -> dict:
    """The numbers of a masked-LM run worth recording: steps, tokens, losses, perplexity, curve;
    `settings`: the run's sizes when not the profile's (`run_settings`)."""
    settings = settings or run_settings(profile)
    final = history["eval"][-1]["heldout_mlm_loss"]
    return {
        "steps": history["step"][-1],
        "tokens_seen": history["samples"] * settings["seq_len"],
        "tokens_per_s": history["samples"] * settings["seq_len"] / history["seconds"],
        "mask_prob_train": settings["mask_prob"],
        "mask_prob_heldout": EVAL_MASK_PROB,
        "mlm_loss_start": history["loss"][0],
        "mlm_loss_end": history["loss"][-1],
        "heldout_mlm_loss": final,
        "heldout_perplexity": perplexity(final),
        "unigram_entropy_baseline": unigram,
        "heldout_curve": history["eval"],
    }


def main(argv: list[str] | None = None) -> None:
    """Pretrain the small BERT from the command line (the reference: `REFERENCE_COMMAND`);
    `--texts my_texts.txt` pretrains on your own texts instead of the course's Wikipedia corpus."""
    parser = argparse.ArgumentParser(description="Pretrain the course's small BERT (masked LM).")
    parser.add_argument(
        "--profile", default=None, help="smoke, cpu or gpu (default: $COURSE_PROFILE)"
    )
    parser.add_argument(
        "--steps", type=positive_int, default=None, help="training steps (default: profile's)"
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=None, help="blocks per step (default: profile's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--architecture", choices=ARCHITECTURES, default="modernbert", help="model layout"
    )
    parser.add_argument(
        "--mixed-precision", choices=PRECISIONS, default="auto", help="auto: bf16 where fast"
    )
    parser.add_argument("--out", required=True, help="folder for the model, tokenizer and card")
    add_own_data_arguments(parser)
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    out = Path(args.out).resolve()
    run_dir = run_folder("mlm", out)
    texts, description = own_data(args)
    model, tokenizer, history, data = pretrain(
        profile,
        run_dir,
        args.steps,
        args.seed,
        False,
        args.architecture,
        texts=texts,
        vocab_size=args.vocab_size,
        data_description=description,
        mixed_precision=args.mixed_precision,
        batch_size=args.batch_size,
    )
    command = reproduce_command("course_lib.text.mlm", argv)
    unigram = unigram_baseline(data["train"], data["heldout_labels"], len(tokenizer))
    settings = run_settings(profile, batch_size=args.batch_size)
    record = save_run(
        out, model, tokenizer, history, profile, unigram, command, args.seed, settings, description,
        mixed_precision=args.mixed_precision,
    )  # fmt: skip
    metrics = describe_run(out, data)
    print(
        f"held-out MLM loss {record['heldout_mlm_loss']:.3f} nats "
        f"(unigram baseline {unigram:.3f}); top-5 {metrics['top5_accuracy']:.1%} "
        f"(random init {metrics['top5_accuracy_random_init']:.1%}); saved to {out.name}"
    )


if __name__ == "__main__":
    main()
