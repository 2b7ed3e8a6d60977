"""The data of language-model pretraining (CBOW, masked LM, next token): the corpus packed into
blocks of token ids, held-out blocks masked once, and the unigram plateau to beat."""

import math
from collections.abc import Callable, Iterable, Sequence

import torch

from course_lib.core.validate import bad_input, check_int
from course_lib.data.corpus import HELDOUT_FRACTION, HELDOUT_SEED, pretraining_texts, split_heldout
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
    profile,
    tokenizer,
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


def pack_part(tokenizer, texts: list[str], seq_len: int, part: str) -> torch.Tensor:
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
