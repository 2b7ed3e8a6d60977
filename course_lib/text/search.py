"""Search without labels: the inverse cloze benchmark (Lee et al. 2019) and how retrieval is scored.

Each held-out document gives one query, one of its sentences, and one relevant item, the rest of
the document; every other held-out document's rest is a distractor. A method scores every
(query, item) pair; recall@k is the share of queries whose item is among the k best, MRR the mean
of 1 / (rank of the item). Word overlap (BM25, TF-IDF) and embeddings (cosine) are scored alike.
"""

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.feature_extraction.text import TfidfVectorizer

from course_lib.core.checks import verdict
from course_lib.core.profiles import Profile
from course_lib.core.validate import bad_input, check_int, check_tensor, check_texts
from course_lib.data.cleaning import minhash_signatures, near_duplicate_pairs, normalize

if TYPE_CHECKING:
    import ipywidgets

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences at '.', '!' or '?' followed by a space and a capital."""
    if not isinstance(text, str):
        raise bad_input("text", "a str", text, "pass one document as a string")
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


@dataclass
class ClozeBenchmark:
    """Queries and items of an inverse cloze task: item i is the one relevant to query i."""

    queries: list[str]
    items: list[str]
    documents: list[int]  # position in the input texts of each query's document

    def __len__(self) -> int:
        return len(self.queries)


def inverse_cloze(texts: Sequence[str], seed: int = 0, min_sentences: int = 3) -> ClozeBenchmark:
    """Build the benchmark: per document with >= min_sentences sentences, a seeded random sentence
    is the query and the document without it is the relevant item."""
    texts = check_texts(texts, "texts", min_count=2)
    check_int(min_sentences, "min_sentences", 2, "a query needs at least one other sentence")
    rng = random.Random(seed)
    queries, items, documents = [], [], []
    for position, text in enumerate(texts):
        sentences = split_sentences(text)
        if len(sentences) < min_sentences:
            continue
        pick = rng.randrange(len(sentences))
        queries.append(sentences[pick])
        items.append(" ".join(sentences[:pick] + sentences[pick + 1 :]))
        documents.append(position)
    if len(queries) < 2:
        raise bad_input(
            "texts", f"at least 2 documents with {min_sentences}+ sentences", texts, "pass more"
        )
    return ClozeBenchmark(queries, items, documents)


def near_duplicates_of(
    candidates: Sequence[str], others: Sequence[str], threshold: float = 0.7
) -> list[int]:
    """Return the positions of `candidates` that equal or near-duplicate (MinHash) one of `others`:
    the course's leakage check, for texts rather than corpus ids."""
    candidates, others = check_texts(candidates, "candidates"), check_texts(others, "others")
    signatures = minhash_signatures([normalize(t) for t in list(candidates) + list(others)])
    n = len(candidates)
    pairs = near_duplicate_pairs(signatures, threshold=threshold)
    return sorted({i for i, j, _ in pairs if i < n <= j})


def bm25_scores(queries: Sequence[str], items: Sequence[str]) -> np.ndarray:
    """Return BM25 scores (n_queries, n_items) from `bm25s` (English stop words removed)."""
    queries, items = check_texts(queries, "queries"), check_texts(items, "items")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(items, stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(queries, stopwords="en", return_ids=False, show_progress=False)
    empty = np.zeros(len(items), dtype=np.float32)  # a query of stop words only matches nothing
    return np.stack([retriever.get_scores(q) if q else empty for q in tokens]).astype(np.float32)


def tfidf_scores(queries: Sequence[str], items: Sequence[str]) -> np.ndarray:
    """Return TF-IDF cosine similarities (n_queries, n_items), the vocabulary fitted on the items."""
    queries, items = check_texts(queries, "queries"), check_texts(items, "items")
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    item_x = vectorizer.fit_transform(items)
    return (vectorizer.transform(queries) @ item_x.T).toarray().astype(np.float32)


def cosine_scores(
    query_vectors: torch.Tensor | np.ndarray, item_vectors: torch.Tensor | np.ndarray
) -> np.ndarray:
    """Return cosine similarities (n_queries, n_items) of two sets of embeddings."""
    q = np.asarray(check_tensor(query_vectors, "query_vectors", ndim=2), dtype=np.float32)
    t = np.asarray(check_tensor(item_vectors, "item_vectors", ndim=2), dtype=np.float32)
    if q.shape[1] != t.shape[1]:
        raise bad_input("item_vectors", f"{q.shape[1]} columns", t, "embed both with one model")
    q = q / np.linalg.norm(q, axis=1, keepdims=True).clip(1e-12)
    t = t / np.linalg.norm(t, axis=1, keepdims=True).clip(1e-12)
    return q @ t.T


def relevant_ranks(scores: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return the rank (1 = best) of item i among all items for query i; ties count against it."""
    scores = np.asarray(check_tensor(scores, "scores", ndim=2), dtype=np.float64)
    if scores.shape[0] != scores.shape[1]:
        raise bad_input("scores", "a square (query, item) matrix", scores, "one item per query")
    own = np.diag(scores)[:, None]
    return (scores >= own).sum(axis=1)


def recall_at_k(ranks: ArrayLike, k: int) -> float:
    """Return the share of queries whose relevant item is among the k best."""
    check_int(k, "k", 1)
    return float(np.mean(np.asarray(ranks) <= k))


def mean_reciprocal_rank(ranks: ArrayLike) -> float:
    """Return the mean of 1 / rank of the relevant item."""
    return float(np.mean(1.0 / np.asarray(ranks, dtype=np.float64)))


def retrieval_report(scores: torch.Tensor | np.ndarray) -> dict[str, float | int]:
    """Return recall@1, recall@10, MRR and the number of queries of a (query, item) score matrix."""
    ranks = relevant_ranks(scores)
    return {
        "recall_at_1": recall_at_k(ranks, 1),
        "recall_at_10": recall_at_k(ranks, 10),
        "mrr": mean_reciprocal_rank(ranks),
        "n_queries": int(len(ranks)),
    }


def top_k(scores_row: ArrayLike, k: int = 5) -> list[int]:
    """Return the positions of the k highest scores of one query, best first."""
    row = np.asarray(scores_row, dtype=np.float64).ravel()
    k = min(check_int(k, "k", 1), len(row))
    best = np.argpartition(-row, k - 1)[:k]
    return [int(i) for i in best[np.argsort(-row[best], kind="stable")]]


def results_table(reports: dict[str, dict]) -> str:
    """Return a markdown table of retrieval reports, one row per method."""
    rows = ["| method | recall@1 | recall@10 | MRR |", "|---|---|---|---|"]
    rows += [
        f"| `{m}` | {r['recall_at_1']:.3f} | {r['recall_at_10']:.3f} | {r['mrr']:.3f} |"
        for m, r in reports.items()
    ]
    return "\n".join(rows)


def heldout_documents(profile: Profile) -> tuple[list[str], int]:
    """Return the held-out pretraining documents that near-duplicate no training document (no
    model of the course trained on them), and how many were dropped by that check."""
    from course_lib.data.corpus import pretraining_texts

    corpus = pretraining_texts(profile.corpus_max_docs)
    leaks = set(near_duplicates_of(corpus["heldout"], corpus["train"]))
    return [t for i, t in enumerate(corpus["heldout"]) if i not in leaks], len(leaks)


def results_html(
    name: str, texts: Sequence[str], scores: np.ndarray, k: int = 5, chars: int = 160
) -> str:
    """Return an HTML column: the k best texts for one query, each with its score."""
    rows = "".join(
        f"<li><b>{scores[i]:.3f}</b> {html.escape(texts[i][:chars])}…</li>"
        for i in top_k(scores, k)
    )
    return f"<b>{html.escape(name)}</b><ol style='padding-left:1.2em'>{rows}</ol>"


def search_box(engines: dict, texts: Sequence[str], query: str, k: int = 5) -> "ipywidgets.VBox":
    """Return a widget: a question box and, side by side, each engine's top k texts with scores.
    `engines` maps a name to a function query -> scores over `texts`."""
    import ipywidgets as widgets

    if not engines:
        raise bad_input("engines", "{name: function(query) -> scores}", engines, "pass one")
    box = widgets.Text(value=query, continuous_update=False, layout=widgets.Layout(width="95%"))
    columns = {name: widgets.HTML(layout=widgets.Layout(width="48%")) for name in engines}

    def refresh(_=None) -> None:
        for name, engine in engines.items():
            columns[name].value = results_html(name, texts, engine(box.value), k)

    box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([box, widgets.HBox(list(columns.values()))])


def claim(text: str, holds: bool, detail: str, judged: bool = True) -> None:
    """A goal's verdict ([MET] / [NOT MET], `core.checks.verdict`) when the run is big enough to
    judge it; otherwise its numbers, marked as not judged (the smoke profile's tiny runs)."""
    if judged:
        verdict(text, holds, detail)
    else:
        print(f"[NOT JUDGED: smoke size] {text} ({detail})")


def recall_goals(recall_at_10: dict[str, float], name: str, judged: bool = True) -> None:
    """Notebook 09's goals for encoder `name` on recall@10: it beats 'mlm_encoder' (its own self
    before contrastive training) and 'cbow', and comes within 0.10 of 'minilm' or beats 'bm25'."""
    r = recall_at_10
    for other in ("mlm_encoder", "cbow"):
        claim(
            f"{name} beats {other} on recall@10",
            r[name] > r[other],
            f"{r[name]:.3f} vs {r[other]:.3f}",
            judged,
        )
    gap, over = r["minilm"] - r[name], r[name] - r["bm25"]
    claim(
        f"{name} within 0.10 of MiniLM or above BM25 on recall@10",
        gap <= 0.10 or over > 0,
        f"{gap:.3f} behind MiniLM, {over:+.3f} vs BM25",
        judged,
    )
