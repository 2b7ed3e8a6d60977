"""CBOW (word2vec's idea): predict a hidden token from the average of its neighbours' vectors.

The simplest masked-word pretext task: no order, no attention, just a bag of context vectors.
"""

import argparse
from collections.abc import Iterable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from course_lib.core.checkpoints import load_weights, save_weights, write_training
from course_lib.core.model_card import WIKIPEDIA, cbow_card
from course_lib.core.paths import (
    REFERENCE_DIR,
    artifact_dir,
    longest_trained,
    reproduce_command,
    run_folder,
)
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.training import TrainConfig, precision_used, save_curve, train
from course_lib.core.validate import check_int, check_number
from course_lib.data.corpus import HELDOUT_FRACTION
from course_lib.text.lm_data import (
    add_own_data_arguments,
    data_record,
    own_data,
    positive_int,
    pretraining_data,
    unigram_baseline,
)


class CBOW(nn.Module):
    """Token embeddings, averaged over a window around each position, then a linear output layer."""

    def __init__(
        self, vocab_size: int, dim: int, window: int = 5, special_ids: Iterable[int] = ()
    ) -> None:
        super().__init__()
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window = window
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, vocab_size)
        nn.init.normal_(self.embed.weight, std=dim**-0.5)
        self.register_buffer("special_ids", torch.tensor(list(special_ids), dtype=torch.long))

    def context_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """Return, for every position of `ids` (batch, length), the mean of its neighbours' vectors."""
        vectors = self.embed(ids)  # (B, L, D)
        w, length = self.window, ids.shape[1]
        padded = F.pad(vectors, (0, 0, w + 1, w))  # zeros outside the block
        cumsum = padded.cumsum(dim=1)
        window_sum = cumsum[:, 2 * w + 1 :] - cumsum[:, :length]  # positions i-w .. i+w
        positions = torch.arange(length, device=ids.device)
        count = (positions + w).clamp(max=length - 1) - (positions - w).clamp(min=0)  # minus self
        return (window_sum - vectors) / count.view(1, -1, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return logits (batch, length, vocab) for the token at each position."""
        return self.out(self.context_vectors(ids))


def cbow_loss(model: CBOW, batch: torch.Tensor | dict, target_prob: float = 1.0) -> torch.Tensor:
    """Cross-entropy (nats) of predicting non-special tokens from their neighbours.

    `target_prob` < 1 scores a random share of the positions only (the output layer over the whole
    vocabulary is the costly part, so this makes a step that much cheaper).
    """
    ids = batch["input_ids"] if isinstance(batch, dict) else batch
    if isinstance(ids, list | tuple):
        ids = ids[0]
    context = model.context_vectors(ids)
    keep = ~torch.isin(ids, model.special_ids)
    if target_prob < 1.0:
        keep &= torch.rand(ids.shape, device=ids.device) < target_prob
    logits = model.out(context[keep])
    return F.cross_entropy(logits.float(), ids[keep])


def heldout_loss(model: CBOW, blocks: torch.Tensor, chunk: int = 32) -> float:
    """Mean CBOW loss (nats) over every non-special position of held-out blocks."""
    model.eval()
    with torch.no_grad():
        losses = [
            cbow_loss(model, blocks[i : i + chunk]).item() for i in range(0, len(blocks), chunk)
        ]
    model.train()
    return sum(losses) / len(losses)


def pretrain(
    profile: Profile,
    run_dir: str | Path,
    steps: int,
    batch_size: int = 32,
    lr: float = 1e-2,
    target_prob: float = 0.15,
    seed: int = 0,
    live_plot: bool = True,
    window: int = 5,
    *,
    texts: list[str] | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    dim: int | None = None,
    vocab_size: int | None = None,
    seq_len: int | None = None,
    heldout_fraction: float = HELDOUT_FRACTION,
    data_description: str = WIKIPEDIA,
) -> tuple[CBOW, PreTrainedTokenizerBase, dict, dict[str, torch.Tensor]]:
    """Pretrain CBOW vectors with the course's loop, keeping the weights with the lowest held-out
    loss (stops after 2 evaluations without improvement); return (model, tokenizer, history, data).

    Without `texts`: the course's Wikipedia corpus and WordPiece. With them: your texts (a seeded
    `heldout_fraction` held out whole) and `tokenizer`, else WordPiece of `vocab_size` trained on
    them. Sizes not given come from the profile; `data_description` names the data in the record.
    """
    steps = check_int(steps, "steps", 1, "pass the number of training steps, e.g. 1000")
    check_sizes(batch_size, lr, target_prob, window)
    overrides = (texts, tokenizer, dim, vocab_size, seq_len)
    custom = any(v is not None for v in overrides) or heldout_fraction != HELDOUT_FRACTION
    dim = profile.mlm_hidden if dim is None else check_int(dim, "dim", 1, "pass e.g. 128")
    tokenizer, data = pretraining_data(
        profile, texts, tokenizer, vocab_size, seq_len, heldout_fraction
    )
    torch.manual_seed(seed)
    model = CBOW(len(tokenizer), dim, window=window, special_ids=tokenizer.all_special_ids)
    every = max(1, steps // 10)
    extra = {
        "batch_size": batch_size,
        "target_prob": target_prob,
        "window": window,
        "profile": profile.name,
    }
    extra |= data_record(data, data_description, custom) | ({"dim": dim} if custom else {})
    config = TrainConfig(
        run_dir=run_dir,
        max_steps=steps,
        lr=lr,
        schedule="constant",
        warmup_steps=max(1, steps // 20),
        eval_every=every,
        checkpoint_every=every,
        log_every=min(10, every),
        seed=seed,
        live_plot=live_plot,
        select_best="heldout_loss",  # keep the vectors from before the output layer overfits
        patience=2,
        extra=extra,
    )
    loader = DataLoader(data["train"], batch_size=batch_size, shuffle=True)
    heldout = data["heldout"][: 8 * batch_size]

    def evaluate(m: nn.Module) -> dict[str, float]:
        return {"heldout_loss": heldout_loss(m, heldout)}

    history = train(model, loader, lambda m, b: cbow_loss(m, b, target_prob), config, evaluate)
    return model, tokenizer, history, data


def check_sizes(batch_size: int, lr: float, target_prob: float, window: int) -> None:
    """Refuse CBOW settings that cannot train (BadInput naming the argument and a fix)."""
    check_int(batch_size, "batch_size", 1, "pass the number of blocks per step, e.g. 32")
    check_number(lr, "lr", 0, fix="pass a learning rate such as 1e-2", open_low=True)
    check_number(target_prob, "target_prob", 0, 1, "pass a share such as 0.15", open_low=True)
    check_int(window, "window", 1, "pass the neighbours on each side, e.g. 5")


def training_record(model: CBOW, data: dict, settings: dict) -> dict:
    """Return what `save_vectors` records of a run: `settings` (how it was trained, the data's
    description under 'data') plus its held-out loss and the unigram baseline to compare with."""
    heldout = data["heldout"]
    targets = heldout[~torch.isin(heldout, model.special_ids)]
    return settings | {
        "precision_used": precision_used(TrainConfig.mixed_precision),  # what it trained in
        "seq_len": int(heldout.shape[1]),
        "heldout_loss": heldout_loss(model, heldout),
        "unigram_entropy_baseline": unigram_baseline(
            data["train"], targets, model.embed.num_embeddings
        ),
    }


def save_vectors(
    folder: str | Path, model: CBOW, tokenizer: PreTrainedTokenizerBase, history: dict, record: dict
) -> dict:
    """Save CBOW weights (safetensors), its tokenizer, training.json, the curve and a model card."""

    folder = Path(folder)
    config = {
        "vocab_size": model.embed.num_embeddings,
        "dim": model.embed.embedding_dim,
        "window": model.window,
    }
    save_weights(folder, model, config)
    tokenizer.save_pretrained(folder)
    record = record | {
        "steps": history["step"][-1],
        "seconds": history["seconds"],
        "curve": history,
    }
    write_training(folder, record)
    save_curve(history, folder / "training_curve.png", record["unigram_entropy_baseline"])
    (folder / "README.md").write_text(cbow_card(config, record))
    return record


def load_vectors(folder: str | Path) -> tuple[torch.Tensor, object]:
    """Return (word vectors, tokenizer) of a saved CBOW run: each token's input vector (as a
    neighbour) next to its output vector (as the hidden word), concatenated
    (GloVe adds its two tables, W + C; keeping both side by side loses nothing)."""

    folder = Path(folder)
    weights = load_weights(folder)  # FileNotFoundError naming model.safetensors when missing
    vectors = side_by_side(weights["embed.weight"], weights["out.weight"])
    return vectors, AutoTokenizer.from_pretrained(folder)


def word_vectors(model: CBOW) -> torch.Tensor:
    """Return a trained CBOW's word vectors as `load_vectors` does (input and output vectors
    side by side), without saving it first: e.g. for `few_labels.text_methods`."""
    return side_by_side(model.embed.weight, model.out.weight)


def side_by_side(embed: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Return each token's input vector next to its output vector (detached, on the CPU)."""
    return torch.cat([embed.detach().cpu(), out.detach().cpu()], dim=1)


# the command that made data/reference/cbow_vectors
REFERENCE_COMMAND = (
    "python -m course_lib.text.cbow --profile cpu --steps 4000 --batch-size 64 --window 40 "
    "--vocab-size 16000 --out data/reference/cbow_vectors"
)


def pretrained_folder(profile: Profile) -> tuple[Path, str]:
    """Pick CBOW vectors for notebook 07: the longest-trained of the learner's own run (this
    profile) and the committed reference vectors."""
    return longest_trained(
        [
            (artifact_dir(f"cbow_vectors_{profile.name}"), "your own longer run"),
            (REFERENCE_DIR / "cbow_vectors", "the committed reference vectors"),
        ],
        REFERENCE_COMMAND,
    )


def main(argv: list[str] | None = None) -> None:
    """Pretrain CBOW vectors from the command line (the reference: `REFERENCE_COMMAND`);
    `--texts my_texts.txt` pretrains on your own texts instead of the course's Wikipedia corpus."""
    parser = argparse.ArgumentParser(description="Pretrain the course's CBOW word vectors.")
    parser.add_argument(
        "--profile", default=None, help="smoke, cpu or gpu (default: $COURSE_PROFILE)"
    )
    parser.add_argument("--steps", type=positive_int, required=True)
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--window", type=positive_int, default=5, help="neighbours on each side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="folder for the vectors, tokenizer and card")
    add_own_data_arguments(parser)
    parser.add_argument("--dim", type=positive_int, default=None, help="default: the profile's")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    out = Path(args.out).resolve()
    run_dir = run_folder("cbow", out)
    target_prob = 0.15
    texts, description = own_data(args)
    model, tokenizer, history, data = pretrain(
        profile,
        run_dir,
        args.steps,
        args.batch_size,
        args.lr,
        target_prob,
        args.seed,
        live_plot=False,
        window=args.window,
        texts=texts,
        dim=args.dim,
        vocab_size=args.vocab_size,
        data_description=description,
    )
    settings = {
        "command": reproduce_command("course_lib.text.cbow", argv),
        "profile": profile.name,
        "data": description,
        "heldout_fraction": HELDOUT_FRACTION,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "target_prob": target_prob,
    }
    record = save_vectors(out, model, tokenizer, history, training_record(model, data, settings))
    print(
        f"held-out CBOW loss {record['heldout_loss']:.3f} nats "
        f"(unigram {record['unigram_entropy_baseline']:.3f}); saved to {out.name}"
    )


if __name__ == "__main__":
    main()
