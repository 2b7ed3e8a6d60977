"""Sentence embeddings by self-supervision: SimCSE (Gao, Yao and Chen 2021) on the course's BERT.

The same text passed twice through the encoder with dropout on gives two slightly different
embeddings: a positive pair. The other texts of the batch are the negatives, and the loss is the
course's one contrastive loss, NT-Xent (`core.contrastive.nt_xent`), the loss SimCLR uses on two
augmented views of an image: here dropout is the augmentation.
"""

import argparse
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch.utils.data import DataLoader, TensorDataset
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from course_lib.core.checkpoints import read_training, write_training
from course_lib.core.contrastive import nt_xent
from course_lib.core.model_card import precision_phrase
from course_lib.core.paths import artifact_dir, reproduce_command, run_folder
from course_lib.core.profiles import get_profile
from course_lib.core.training import (
    Batch,
    TrainConfig,
    precision_used,
    pretraining_config,
    save_curve,
    train,
)
from course_lib.core.validate import check_choice, check_int, check_number, check_texts
from course_lib.data.corpus import pretraining_texts
from course_lib.text.classify import pooled_hidden_features, token_ids
from course_lib.text.mlm import pretrained_folder as mlm_folder
from course_lib.text.search import inverse_cloze, split_sentences

# sizes per profile (notebook 09): training texts, steps, batch, tokens per text
SIZES = {
    "smoke": {"texts": 2000, "steps": 12, "batch_size": 32, "max_tokens": 32},
    "cpu": {"texts": 40000, "steps": 200, "batch_size": 64, "max_tokens": 48},
    "gpu": {"texts": 200000, "steps": 5000, "batch_size": 256, "max_tokens": 64},
}
DROPOUT = 0.1  # SimCSE's: the only difference between the two views of a text
TEMPERATURE = 0.05  # SimCSE's (SimCLR's images use 0.5)
LR = 3e-4
WARMUP_STEPS = 20


def load_encoder(folder: str | Path, dropout: float = DROPOUT) -> tuple[PreTrainedModel, object]:
    """Return (encoder without its masked-LM head, tokenizer) of a saved BERT, with dropout set
    on its embeddings, attention and MLP (the reference was pretrained without any)."""
    check_number(dropout, "dropout", 0.0, 0.9)
    overrides = {"attention_dropout": dropout, "mlp_dropout": dropout, "embedding_dropout": dropout}
    return AutoModel.from_pretrained(folder, **overrides), AutoTokenizer.from_pretrained(folder)


def training_sentences(documents: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """Return n seeded sentences (at least 5 words each) of the unlabeled training documents."""
    documents = check_texts(documents, "documents")
    check_int(n, "n", 2)
    sentences = [s for d in documents for s in split_sentences(d) if len(s.split()) >= 5]
    random.Random(seed).shuffle(sentences)
    return sentences[:n]


def mean_pool(model: PreTrainedModel, ids: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Return the mean of the last hidden states over each text's real tokens (with gradients)."""
    mask = (ids != pad_id).long()
    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)


def simcse_loss_fn(
    pad_id: int, temperature: float = TEMPERATURE
) -> Callable[[PreTrainedModel, torch.Tensor | Sequence[torch.Tensor]], torch.Tensor]:
    """Return loss_fn(model, batch) for the training loop: each text twice, dropout on, NT-Xent."""

    def loss_fn(model: PreTrainedModel, batch: Batch) -> torch.Tensor:
        first, second = (batch[0], batch[-1]) if isinstance(batch, list | tuple) else (batch, batch)
        z1, z2 = mean_pool(model, first, pad_id), mean_pool(model, second, pad_id)
        return nt_xent(z1.float(), z2.float(), temperature)

    return loss_fn


def embed(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    max_tokens: int = 128,
) -> np.ndarray:
    """Return mean-pooled embeddings (numpy, n x hidden) of `texts`, dropout off."""
    texts = check_texts(texts)
    limit = min(max_tokens, model.config.max_position_embeddings)
    ids = token_ids(tokenizer, texts, limit)
    return pooled_hidden_features(model, ids, tokenizer.pad_token_id)


def train_simcse(
    folder: str | Path,
    texts: Sequence[str],
    sizes: dict,
    run_name: str = "simcse",
    seed: int = 0,
    live_plot: bool = True,
    partners: Sequence[str] | None = None,
    dropout: float = DROPOUT,
    temperature: float = TEMPERATURE,
) -> tuple[PreTrainedModel, object, dict]:
    """SimCSE-train the saved BERT in `folder` on `texts` (each text is its own positive; with
    `partners`, partners[i] is text i's); return (encoder, tokenizer, history)."""
    texts = check_texts(texts, "texts", min_count=sizes["batch_size"])
    model, tokenizer = load_encoder(folder, dropout)
    limit = min(sizes["max_tokens"], model.config.max_position_embeddings)
    tensors = [token_ids(tokenizer, texts, limit)]
    if partners is not None:
        tensors.append(token_ids(tokenizer, check_texts(partners, "partners"), limit))
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        TensorDataset(*tensors),
        batch_size=sizes["batch_size"],
        shuffle=True,
        drop_last=True,
        generator=generator,
    )
    config = pretraining_config(
        artifact_dir(run_name),
        sizes["steps"],
        LR,
        WARMUP_STEPS,
        5,
        seed,
        live_plot,
        {"temperature": temperature, "dropout": dropout, "pairs": partners is not None, **sizes},
    )
    sample = texts[: 4 * sizes["batch_size"]]

    def evaluate(
        m: PreTrainedModel,
    ) -> dict[str, float]:  # on training texts: no held-out document is read
        return {
            "mean_cosine_random_pairs": isotropy(embed(m, tokenizer, sample, sizes["max_tokens"]))
        }

    history = train(
        model, loader, simcse_loss_fn(tokenizer.pad_token_id, temperature), config, evaluate
    )
    model.eval()
    return model, tokenizer, history


def save_encoder(
    folder: str | Path,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    history: dict,
    record: dict,
) -> Path:
    """save_pretrained the encoder and tokenizer, plus training.json (the run and its curve)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    record = {**record, "steps": history["step"][-1], "seconds": history["seconds"]}
    write_training(folder, {**record, "curve": history})
    return folder


def isotropy(vectors: ArrayLike) -> float:
    """Return the mean cosine similarity of random pairs of embeddings (near 1: all alike)."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-12)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(x), (2, min(2000, len(x) * 4)))
    keep = a != b
    return float(np.mean(np.sum(x[a[keep]] * x[b[keep]], axis=1)))


VIEWS = ("dropout", "document")  # SimCSE's positives, or a sentence and the rest of its document
REFERENCE_NAME = "simcse_document"
# the command that made data/reference/simcse_document
REFERENCE_COMMAND = (
    "python -m course_lib.text.simcse --profile cpu --views document --steps 800 --max-tokens 96 "
    "--out data/reference/simcse_document"
)


def training_pairs(
    documents: Sequence[str], views: str, n: int, seed: int = 0
) -> tuple[list[str], list[str] | None]:
    """Return (texts, partners) for training: SimCSE's sentences (partners None: dropout makes the
    pair) or, for 'document', a sentence of each training document and the rest of it."""
    check_choice(views, "views", VIEWS)
    if views == "dropout":
        return training_sentences(documents, n, seed), None
    texts, partners, round_ = [], [], 0
    while len(texts) < n and round_ < 20:  # each round draws another sentence per document
        pairs = inverse_cloze(documents, seed=seed + round_)
        texts, partners, round_ = texts + pairs.queries, partners + pairs.items, round_ + 1
    order = random.Random(seed).sample(range(len(texts)), min(n, len(texts)))
    return [texts[i] for i in order], [partners[i] for i in order]


def model_card(record: dict) -> str:
    """Return the README.md of a saved contrastive sentence encoder."""
    positives = {
        "dropout": "the same sentence encoded twice with dropout on (SimCSE, Gao et al. 2021)",
        "document": "a sentence of a training document and the rest of that document (the "
        "inverse cloze task used for training, Lee et al. 2019)",
    }[record["views"]]
    curve = ", ".join(
        f"{e['step']}: {e['mean_cosine_random_pairs']:.3f}" for e in record["curve"]["eval"]
    )
    return f"""# The course's small BERT, trained for sentence embeddings by contrast (SSL course)

Starts from the course's masked-LM BERT ({record["start"]}; its encoder, mean-pooled) and trains it
with the course's NT-Xent (`course_lib.core.contrastive.nt_xent`, temperature {record["temperature"]}):
positives are {positives}; the other texts of the batch are the negatives. Dropout {record["dropout"]}.

## Training data
{record["n_texts"]:,} pairs from the course's unlabeled pretraining documents (`pretraining_texts()["train"]`):
never the held-out documents of the retrieval benchmark nor the labeled test set. No labels.

## Budget
{record["steps"]} steps of {record["batch_size"]} pairs, texts cut to {record["max_tokens"]} tokens,
{record["seconds"] / 60:.0f} minutes on a 2-core CPU{precision_phrase(record)}, seed {record["seed"]}.
Reproduce: `{record["command"]}`.
Mean cosine of random pairs of training texts by step (1: all embeddings alike): {curve}.
Curve: `training.json`, `training_curve.png`.

## Use and limits
Mean-pool the last hidden states over real tokens (`course_lib.text.simcse.embed`). A 1.4M-parameter
model trained for minutes on Wikipedia summaries: for teaching retrieval, not for production; it inherits
the topical and demographic biases of its training text.
"""


def main(argv: list[str] | None = None) -> None:
    """Train sentence embeddings from the command line (the reference: `REFERENCE_COMMAND`)."""
    parser = argparse.ArgumentParser(description="Contrastive sentence-embedding training.")
    parser.add_argument("--profile", default="cpu", help="sizes: smoke, cpu or gpu")
    parser.add_argument("--views", choices=VIEWS, default="dropout")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    sizes = dict(SIZES[profile.name])
    sizes.update({k: v for k, v in (("steps", args.steps), ("max_tokens", args.max_tokens)) if v})
    documents = pretraining_texts(profile.corpus_max_docs)["train"]
    texts, partners = training_pairs(documents, args.views, sizes["texts"], args.seed)
    folder, start = mlm_folder(profile)
    out = Path(args.out).resolve()
    model, tokenizer, history = train_simcse(
        folder, texts, sizes, run_folder("simcse", out).name, args.seed, False, partners
    )
    record = {
        "command": reproduce_command("course_lib.text.simcse", argv),
        "views": args.views,
        "start": start,
        "seed": args.seed,
        "temperature": TEMPERATURE,
        "dropout": DROPOUT,
        "n_texts": len(texts),
        "precision_used": precision_used(TrainConfig.mixed_precision),
        **sizes,
    }
    save_encoder(out, model, tokenizer, history, record)
    save_curve(history, out / "training_curve.png")
    full = read_training(out)
    (out / "README.md").write_text(model_card(full))
    print(f"saved to {args.out}: {full['steps']} steps in {full['seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
