"""The data of language-model pretraining (CBOW, masked LM, next token): the course's corpus or
your own texts packed into blocks of token ids, held-out blocks masked once, the unigram plateau
to beat, and the data arguments the pretraining command lines share (--texts, --vocab-size)."""

import argparse
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import torch
from transformers import PreTrainedTokenizerBase

from course_lib.core.model_card import WIKIPEDIA
from course_lib.core.profiles import Profile
from course_lib.core.validate import bad_input, check_int, check_texts
from course_lib.data.corpus import HELDOUT_FRACTION, HELDOUT_SEED, pretraining_texts, split_heldout
from course_lib.data.own import SUFFIXES, load_texts
from course_lib.text.masking import IGNORE_INDEX, mask_tokens
from course_lib.text.tokenizer import MIN_VOCAB_SIZE, tokenizer_for


def pack_blocks(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], seq_len: int
) -> torch.Tensor:
    """Tokenize `texts`, join them with [SEP] and cut into [CLS] ... [SEP] blocks of `seq_len` ids."""
    if seq_len < 8:
        raise ValueError(f"seq_len must be at least 8, got {seq_len}")
    if len(texts) == 0:
        raise ValueError("texts is empty: expected at least one document")
    texts = check_texts(texts, "texts")
    # verbose=False: documents longer than the model's input are fine here, they are cut in blocks
    ids = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
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


def fixed_masks(
    blocks: torch.Tensor, tokenizer: PreTrainedTokenizerBase, mask_prob: float, seed: int = 1234
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


def prepare_data(
    profile: Profile,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str] | None = None,
    heldout_fraction: float = HELDOUT_FRACTION,
    seq_len: int | None = None,
    seed: int = HELDOUT_SEED,
) -> dict[str, torch.Tensor]:
    """Pack the pretraining texts into blocks of `seq_len` (default: the profile's) token ids and
    mask the held-out blocks once (fixed seed). Without `texts`: the course's Wikipedia corpus
    for the profile; with them: your texts, a seeded `heldout_fraction` of them held out whole."""
    seq_len = profile.mlm_seq_len if seq_len is None else check_int(seq_len, "seq_len", 8)
    if texts is None:
        if heldout_fraction != HELDOUT_FRACTION or seed != HELDOUT_SEED:
            raise bad_input(
                "heldout_fraction",
                f"the corpus's own split ({HELDOUT_FRACTION}, seed {HELDOUT_SEED}) without texts",
                heldout_fraction,
                "pass texts= to split your own texts, or leave heldout_fraction and seed out",
            )
        corpus = pretraining_texts(profile.corpus_max_docs)
    else:
        corpus = split_heldout(texts, heldout_fraction, seed)
    train_blocks = pack_part(tokenizer, corpus["train"], seq_len, "training")
    heldout_blocks = pack_part(tokenizer, corpus["heldout"], seq_len, "held-out")
    inputs, labels = fixed_masks(heldout_blocks, tokenizer, EVAL_MASK_PROB)
    return {
        "train": train_blocks,
        "heldout": heldout_blocks,
        "heldout_inputs": inputs,
        "heldout_labels": labels,
    }


def pretraining_data(
    profile: Profile,
    texts: list[str] | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    vocab_size: int | None = None,
    seq_len: int | None = None,
    heldout_fraction: float = HELDOUT_FRACTION,
) -> tuple[object, dict[str, torch.Tensor]]:
    """Return (tokenizer, data) of a pretraining run: the given tokenizer, else WordPiece trained
    on the training part of the texts (the course corpus without `texts`), and `prepare_data`."""
    if texts is not None:
        texts = check_texts(texts, "texts", min_count=2)
    if tokenizer is not None and vocab_size is not None:
        raise bad_input(
            "vocab_size",
            "no vocab_size when a tokenizer is given (it has its own)",
            vocab_size,
            "leave vocab_size out, or tokenizer out to train one of that size",
        )
    if tokenizer is None:
        vocab_size = profile.wordpiece_vocab_size if vocab_size is None else vocab_size
        if texts is None:
            train_texts = pretraining_texts(profile.corpus_max_docs)["train"]
        else:
            train_texts = split_heldout(texts, heldout_fraction)["train"]
        tokenizer = tokenizer_for(train_texts, vocab_size)
    return tokenizer, prepare_data(profile, tokenizer, texts, heldout_fraction, seq_len)


def data_record(data: dict[str, torch.Tensor], description: str, custom: bool) -> dict:
    """Return what a run's config records about its data when it is not one of the course's own
    runs (`custom`, or other data): the description and a fingerprint, so that a run folder never
    resumes on other data; {} for the course's runs, whose saved checkpoints keep resuming."""
    if not custom and description == WIKIPEDIA:
        return {}
    return {"data": description, "data_key": data_fingerprint(data)}


def data_fingerprint(data: dict[str, torch.Tensor]) -> str:
    """Return a short hash of a run's training and held-out blocks (resume only on the same)."""
    digest = hashlib.sha256()
    for key in ("train", "heldout"):
        digest.update(data[key].contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (e.g. --steps, --batch-size), refused otherwise."""
    try:
        return check_int(int(text), "value", 1)
    except ValueError:  # BadInput too
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None


def vocab_size_arg(text: str) -> int:
    """argparse type: a vocabulary size >= MIN_VOCAB_SIZE."""
    size = positive_int(text)
    if size < MIN_VOCAB_SIZE:
        raise argparse.ArgumentTypeError(
            f"expected a vocabulary of at least {MIN_VOCAB_SIZE} tokens, got {text!r}"
        )
    return size


def texts_file(text: str) -> Path:
    """argparse type: an existing .txt, .jsonl or .csv file of texts (see data.own.load_texts)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(
            f"no such file {text!r}: expected a .txt (one text per line), .jsonl or .csv file"
        )
    if path.suffix.lower() not in SUFFIXES:
        raise argparse.ArgumentTypeError(f"expected a .txt, .jsonl or .csv file, got {text!r}")
    return path


def add_own_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --texts, --field, --vocab-size and --data-description to a pretraining CLI."""
    parser.add_argument(
        "--texts",
        type=texts_file,
        default=None,
        help="your own texts: a .txt (one per line), .jsonl or .csv file "
        "(default: the course's Wikipedia corpus)",
    )
    parser.add_argument("--field", default="text", help="the texts' key (.jsonl) or column (.csv)")
    parser.add_argument(
        "--vocab-size",
        type=vocab_size_arg,
        default=None,
        help="WordPiece size (default: profile's)",
    )
    parser.add_argument(
        "--data-description",
        default=None,
        help='what the texts are, for the model card, e.g. "2,000 movie-review sentences"',
    )


def own_data(args: argparse.Namespace) -> tuple[list[str] | None, str]:
    """Return (texts, description) from the arguments of `add_own_data_arguments`: (None, the
    course corpus's description) without --texts."""
    if args.texts is None:
        return None, args.data_description or WIKIPEDIA
    texts = load_texts(args.texts, args.field)
    name = Path(args.texts).name
    return texts, args.data_description or f"{len(texts):,} texts from {name} (your own data)"


def pack_part(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], seq_len: int, part: str
) -> torch.Tensor:
    """`pack_blocks`, with a BadInput saying what to change when a part is too small."""
    try:
        return pack_blocks(tokenizer, texts, seq_len)
    except ValueError as error:
        if "too few" not in str(error):
            raise
        raise bad_input(
            "texts",
            f"enough {part} text for one block of {seq_len} tokens",
            f"{len(texts)} texts",
            "pass more texts, a larger heldout_fraction or a smaller seq_len",
        ) from error


@torch.no_grad()
def heldout_mean_loss(
    model: torch.nn.Module, batches: Iterable[tuple[object, int]], loss_fn: Callable
) -> float:
    """Mean of `loss_fn(model, batch)` over held-out (batch, number of scored tokens) pairs,
    weighted by tokens, in eval mode (the model's mode is restored)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch, n in batches:
        total += loss_fn(model, batch).item() * n
        count += n
    model.train(was_training)
    return total / count
