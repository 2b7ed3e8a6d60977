"""Few-label text classification: a TF-IDF baseline, frozen-feature extractors and a
bag-of-embeddings classifier that starts from random or from pretrained word vectors.
"""

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from course_lib.core.probe import fit_probe
from course_lib.core.validate import check_texts
from course_lib.data.sources import minilm_path

TFIDF_C_GRID = (1.0, 10.0, 100.0, 1000.0)


def tfidf_predict(
    train_texts: Sequence[str],
    train_y: Sequence[int] | np.ndarray,
    test_texts: Sequence[str],
    seed: int = 0,
) -> np.ndarray:
    """Fit TF-IDF on the labeled texts + the course's probe (C chosen on a holdout); predict."""
    train_texts = check_texts(train_texts, "train_texts", min_count=0)
    test_texts = check_texts(test_texts, "test_texts")
    if len(train_texts) != len(train_y) or not len(train_texts):
        raise ValueError(
            f"expected as many labels as texts, got {len(train_y)} and {len(train_texts)}"
        )
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    x = vectorizer.fit_transform(train_texts)
    model = fit_probe(x, np.asarray(train_y), TFIDF_C_GRID, seed)
    return model.predict(vectorizer.transform(test_texts))


def token_ids(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int
) -> torch.Tensor:
    """Return padded token ids (n, max_length) without special tokens, for bag-of-words models."""
    encoded = tokenizer(
        check_texts(texts, "texts"),
        add_special_tokens=False,
        truncation=True,
        max_length=max_length,
        padding="max_length",
        return_tensors="pt",
    )
    return encoded["input_ids"]


class BagClassifier(nn.Module):
    """Mean of the word vectors of a text (padding ignored), then a linear layer to the classes."""

    def __init__(self, vocab_size: int, dim: int, n_classes: int, pad_id: int = 0) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.embed = nn.Embedding(vocab_size, dim)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(dim, n_classes)

    @classmethod
    def from_vectors(
        cls, vectors: torch.Tensor, n_classes: int, pad_id: int = 0
    ) -> "BagClassifier":
        """Return a classifier whose word vectors start from pretrained `vectors` (vocab, dim)."""
        model = cls(vectors.shape[0], vectors.shape[1], n_classes, pad_id)
        model.embed.weight.data.copy_(vectors)
        return model

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the mean word vector of each text (batch, dim)."""
        keep = (ids != self.pad_id).unsqueeze(-1).float()
        return (self.embed(ids) * keep).sum(1) / keep.sum(1).clamp(min=1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return class logits (batch, n_classes)."""
        return self.head(self.dropout(self.features(ids)))


def mean_pooled(vectors: torch.Tensor, ids: torch.Tensor, pad_id: int = 0) -> np.ndarray:
    """Return frozen features: the mean of `vectors` over each text's tokens (padding ignored)."""
    bag = BagClassifier.from_vectors(vectors.detach().float().cpu(), 1, pad_id)
    with torch.no_grad():
        return bag.features(ids).numpy()


class SequenceClassifier(nn.Module):
    """Wrap a transformers sequence-classification model so it maps token ids to logits; `head`
    holds its new parts (every child but the pretrained `base_model`), for two learning rates."""

    def __init__(self, model: nn.Module, pad_id: int) -> None:
        super().__init__()
        self.model, self.pad_id = model, pad_id
        if not list(self.head.parameters()):
            raise ValueError("expected a model with a classification head beside its base_model")

    @property
    def head(self) -> nn.ModuleList:
        """The model's new parts: every child but the pretrained base_model (not registered a
        second time, so the saved weights hold each tensor once)."""
        return nn.ModuleList(m for m in self.model.children() if m is not self.model.base_model)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return class logits (batch, n_classes), padding masked out."""
        return self.model(input_ids=ids, attention_mask=(ids != self.pad_id).long()).logits


def mean_hidden(
    model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor
) -> np.ndarray:
    """Return the last hidden states of a transformers encoder, mean-pooled over real tokens."""
    with torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
    mask = attention_mask.unsqueeze(-1).float()
    return ((out.hidden_states[-1].float() * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy()


def pooled_hidden_features(
    model: nn.Module, ids: torch.Tensor, pad_id: int, batch_size: int = 64
) -> np.ndarray:
    """Return frozen features of padded token ids: mean-pooled last hidden states (numpy)."""
    model.eval()
    chunks = [
        mean_hidden(model, ids[i : i + batch_size], (ids[i : i + batch_size] != pad_id).long())
        for i in range(0, len(ids), batch_size)
    ]
    return np.concatenate(chunks)


@lru_cache(maxsize=1)
def minilm() -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, model) of the shipped all-MiniLM-L6-v2, loaded with from_pretrained."""

    folder = minilm_path()
    return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


def minilm_features(
    texts: Sequence[str], batch_size: int = 64, max_length: int = 256
) -> np.ndarray:
    """Return all-MiniLM-L6-v2 sentence embeddings (mean-pooled, 384-d) of `texts`."""
    texts = check_texts(texts, "texts")
    tokenizer, model = minilm()
    order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            [texts[i] for i in order[start : start + batch_size]],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
        chunks.append(mean_hidden(model, batch["input_ids"], batch["attention_mask"]))
    features = np.empty((len(texts), model.config.hidden_size), dtype=np.float32)
    features[order] = np.concatenate(chunks)
    return features
