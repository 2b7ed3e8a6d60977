"""The inverse cloze benchmark and the retrieval scores: ranks, recall@k, MRR, BM25, TF-IDF."""

import numpy as np
import pytest

from course_lib.core.profiles import get_profile
from course_lib.core.validate import BadInput
from course_lib.text import search

DOCS = [
    "Paris is the capital of France. It lies on the Seine. The city has many museums.",
    "The violin is a string instrument. It is played with a bow. Orchestras use many violins.",
    "Photosynthesis turns light into sugar. Plants do it in leaves. Chlorophyll absorbs light.",
    "Short text. Only two.",
]


def test_split_sentences():
    assert search.split_sentences("One. Two words! Three? 4 more.") == [
        "One.",
        "Two words!",
        "Three?",
        "4 more.",
    ]
    assert search.split_sentences("e.g. this stays one") == ["e.g. this stays one"]
    with pytest.raises(BadInput, match="text"):
        search.split_sentences(["a list"])


def test_inverse_cloze_removes_the_query_from_its_item():
    bench = search.inverse_cloze(DOCS, seed=0)
    assert bench.documents == [0, 1, 2] and len(bench) == 3  # the two-sentence text is skipped
    for query, item, doc in zip(bench.queries, bench.items, bench.documents, strict=True):
        assert query in DOCS[doc] and query not in item
        assert sorted(search.split_sentences(item) + [query]) == sorted(
            search.split_sentences(DOCS[doc])
        )
    assert search.inverse_cloze(DOCS, seed=0).queries == bench.queries  # seeded
    with pytest.raises(BadInput, match="min_sentences"):
        search.inverse_cloze(DOCS, min_sentences=1)
    with pytest.raises(BadInput, match="texts"):
        search.inverse_cloze(DOCS[3:] * 3)


def test_ranks_recall_and_mrr_by_hand():
    scores = np.array([[0.9, 0.1, 0.0], [0.5, 0.4, 0.6], [0.2, 0.3, 0.1]])
    ranks = search.relevant_ranks(scores)
    assert ranks.tolist() == [1, 3, 3]
    assert search.recall_at_k(ranks, 1) == pytest.approx(1 / 3)
    assert search.recall_at_k(ranks, 3) == 1.0
    assert search.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 1 / 3) / 3)
    tied = np.ones((3, 3))  # a method that cannot tell items apart gets no credit for ties
    assert search.relevant_ranks(tied).tolist() == [3, 3, 3]
    report = search.retrieval_report(scores)
    assert report["n_queries"] == 3 and report["recall_at_10"] == 1.0
    with pytest.raises(BadInput, match="scores"):
        search.relevant_ranks(np.ones((2, 3)))
    with pytest.raises(BadInput, match="k"):
        search.recall_at_k(ranks, 0)


def test_word_overlap_methods_find_the_right_document():
    bench = search.inverse_cloze(DOCS, seed=1)
    for scorer in (search.bm25_scores, search.tfidf_scores):
        scores = scorer(bench.queries, bench.items)
        assert scores.shape == (3, 3)
        assert search.retrieval_report(scores)["mrr"] > 1 / 3  # better than the worst ranking
    scores = search.bm25_scores(["violin bow orchestra"], bench.items)
    assert search.top_k(scores[0], 1) == [bench.documents.index(1)]


def test_cosine_scores_and_top_k():
    q = np.array([[1.0, 0.0], [0.0, 2.0]])
    t = np.array([[3.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    scores = search.cosine_scores(q, t)
    assert scores[0].tolist() == pytest.approx([1.0, 2**-0.5, 0.0])
    assert search.top_k(scores[1], 2) == [2, 1]
    assert search.top_k(scores[1], 10) == [2, 1, 0]
    with pytest.raises(BadInput, match="item_vectors"):
        search.cosine_scores(q, np.ones((2, 3)))


def test_leak_check_and_heldout_documents():
    text = "A long enough document about rivers and lakes and the fish that live in them all year."
    assert search.near_duplicates_of([text, DOCS[0]], [DOCS[1], text.upper()]) == [0]
    docs, dropped = search.heldout_documents(get_profile("smoke"))
    assert len(docs) >= 20 and dropped >= 0
    assert search.near_duplicates_of(docs, docs[:1]) == [0]  # the check does find a copy


def test_search_box_shows_each_engine_side_by_side():
    engines = {
        "BM25": lambda q: search.bm25_scores([q], DOCS)[0],
        "TF-IDF": lambda q: search.tfidf_scores([q], DOCS)[0],
    }
    box = search.search_box(engines, DOCS, "violin bow", k=2)
    text, columns = box.children
    first = columns.children[0].value
    assert "BM25" in first and first.index("violin") < first.index("</ol>")
    text.value = "capital of France"
    assert "Paris" in columns.children[1].value
    with pytest.raises(BadInput, match="engines"):
        search.search_box({}, DOCS, "x")


def test_claim_judges_or_only_shows(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    search.claim("a holds", True, "1 vs 0")
    assert "[MET] a holds" in capsys.readouterr().out
    search.claim("b fails", False, "0 vs 1", judged=False)  # shown, never raises
    assert "[NOT JUDGED: smoke size] b fails (0 vs 1)" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="NOT MET"):
        search.claim("b fails", False, "0 vs 1")


def test_recall_goals(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    r = {"mlm_encoder": 0.6, "cbow": 0.5, "minilm": 0.9, "bm25": 0.85, "good": 0.82, "bad": 0.55}
    search.recall_goals(r, "good")
    out = capsys.readouterr().out
    assert out.count("[MET]") == 3 and "0.080 behind MiniLM" in out
    with pytest.raises(AssertionError, match="good beats mlm_encoder"):
        search.recall_goals({**r, "mlm_encoder": 0.83}, "good")
    search.recall_goals(r, "bad", judged=False)
    assert capsys.readouterr().out.count("[NOT JUDGED") == 3
