"""Nearest neighbours in an embedding table: which tokens did a model place close together?"""

import torch
import torch.nn.functional as F


def nearest_tokens(embeddings: torch.Tensor, tokenizer, word: str, k: int = 5) -> list[str]:
    """Return the `k` tokens whose vectors have the highest cosine similarity to `word`'s vector."""
    token_id = tokenizer.convert_tokens_to_ids(word)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise ValueError(f"{word!r} is not a single token of this vocabulary: pick a common word")
    vectors = F.normalize(embeddings.detach().float(), dim=1)
    scores = vectors @ vectors[token_id]
    scores[token_id] = -2.0  # not itself
    scores[torch.tensor(tokenizer.all_special_ids)] = -2.0
    return tokenizer.convert_ids_to_tokens(scores.topk(k).indices.tolist())
