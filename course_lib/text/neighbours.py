"""Nearest neighbours in an embedding table: which tokens did a model place close together?"""

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from course_lib.core.validate import bad_input, check_int, check_tensor

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


def check_table(embeddings: torch.Tensor, tokenizer: "PreTrainedTokenizerBase") -> torch.Tensor:
    """Return `embeddings` if it is a float (vocabulary, dim) table with one row per token of
    `tokenizer` (a table from another model's tokenizer would give nonsense neighbours)."""
    if not isinstance(embeddings, torch.Tensor):
        fix = "pass model.get_input_embeddings().weight (or a CBOW's embed.weight)"
        raise bad_input("embeddings", "a torch tensor (vocabulary, dim)", embeddings, fix)
    check_tensor(embeddings, "embeddings", ndim=2, dtype="float")
    if not hasattr(tokenizer, "convert_tokens_to_ids"):
        fix = "pass the transformers tokenizer saved with the model"
        raise bad_input("tokenizer", "a transformers tokenizer", tokenizer, fix)
    if len(embeddings) != len(tokenizer):
        expected = f"one row per token of the tokenizer ({len(tokenizer)} rows)"
        fix = "pass the tokenizer saved with this model: AutoTokenizer.from_pretrained(its folder)"
        raise bad_input("embeddings", expected, embeddings, fix)
    return embeddings


def nearest_tokens(
    embeddings: torch.Tensor, tokenizer: "PreTrainedTokenizerBase", word: str, k: int = 5
) -> list[str]:
    """Return the `k` tokens whose vectors have the highest cosine similarity to `word`'s vector."""
    check_table(embeddings, tokenizer)
    if not isinstance(word, str) or not word:
        raise bad_input("word", "one token as a string", word, "pass a common word, e.g. 'king'")
    candidates = len(embeddings) - len(set(tokenizer.all_special_ids)) - 1
    k = check_int(k, "k", 1, f"ask for 1 to {candidates} neighbours")
    if k > candidates:
        raise bad_input("k", f"at most {candidates} (the other tokens)", k, "ask for fewer")
    token_id = tokenizer.convert_tokens_to_ids(word)
    if token_id is None or token_id == tokenizer.unk_token_id:
        fix = "pick a common word; check with tokenizer.tokenize(word)"
        raise bad_input("word", "a single token of this vocabulary", word, fix)
    vectors = F.normalize(embeddings.detach().float(), dim=1)
    scores = vectors @ vectors[token_id]
    scores[token_id] = -2.0  # not itself
    scores[torch.tensor(tokenizer.all_special_ids)] = -2.0
    return tokenizer.convert_ids_to_tokens(scores.topk(k).indices.tolist())
