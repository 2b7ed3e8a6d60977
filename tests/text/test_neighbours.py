"""Nearest tokens by cosine similarity."""

import pytest
import torch

from course_lib.core.validate import BadInput
from course_lib.text.neighbours import nearest_tokens
from course_lib.text.tokenizer import build_tokenizer


def test_nearest_tokens():
    tokenizer = build_tokenizer(["cat dog car bus"] * 20, 40)
    embeddings = torch.randn(len(tokenizer), 8)
    cat, dog = tokenizer.convert_tokens_to_ids("cat"), tokenizer.convert_tokens_to_ids("dog")
    embeddings[dog] = embeddings[cat] * 2  # same direction
    assert nearest_tokens(embeddings, tokenizer, "cat", 1) == ["dog"]
    assert "cat" not in nearest_tokens(embeddings, tokenizer, "cat", 5)
    with pytest.raises(BadInput, match="word: expected a single token"):
        nearest_tokens(embeddings, tokenizer, "zebra")
    with pytest.raises(
        BadInput,
        match=rf"embeddings: expected one row per token of the tokenizer \({len(tokenizer)} rows",
    ):
        nearest_tokens(embeddings[:-3], tokenizer, "cat")  # another tokenizer's table
