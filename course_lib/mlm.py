"""Masked-language-model pretraining of a small BERT: data blocks, model, loss, held-out metrics."""

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertForMaskedLM

from course_lib.masking import IGNORE_INDEX, mask_tokens


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


def build_bert(
    vocab_size: int,
    hidden: int,
    layers: int,
    heads: int,
    seq_len: int,
    pad_token_id: int = 0,
    dropout: float = 0.0,
    seed: int = 0,
) -> BertForMaskedLM:
    """Return a randomly initialised `BertForMaskedLM` of the given shape (seeded)."""
    if hidden % heads:
        raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
    torch.manual_seed(seed)
    config = BertConfig(
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
    return BertForMaskedLM(config)


def masked_lm_loss(model: BertForMaskedLM, batch: dict) -> torch.Tensor:
    """Cross-entropy (nats) at the masked positions only: the output layer runs just there."""
    hidden = model.bert(
        input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")
    ).last_hidden_state
    picked = batch["labels"] != IGNORE_INDEX
    logits = model.cls(hidden[picked])
    return F.cross_entropy(logits.float(), batch["labels"][picked])


def fixed_masks(
    blocks: torch.Tensor, tokenizer, mask_prob: float, seed: int = 1234
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask held-out blocks once with a fixed seed, so every evaluation scores the same positions."""
    generator = torch.Generator().manual_seed(seed)
    return mask_tokens(
        blocks, tokenizer.mask_token_id, len(tokenizer), tokenizer.all_special_ids, mask_prob,
        generator,
    )


@torch.no_grad()
def heldout_loss(
    model: BertForMaskedLM, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int = 64
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
