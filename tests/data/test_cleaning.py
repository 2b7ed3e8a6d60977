"""Cleaning: normalisation, exact and near duplicates (MinHash vs exact Jaccard), quality filters."""

import numpy as np
import pytest

from course_lib.core.validate import BadInput
from course_lib.data import cleaning
from course_lib.data.sources import load_wiki_summaries

DOC = (
    "The Amazon rainforest is a moist broadleaf tropical rainforest in the Amazon biome that "
    "covers most of the Amazon basin of South America. This basin encompasses seven million "
    "square kilometres, of which five and a half million square kilometres are covered by the "
    "rainforest. The region includes territory belonging to nine nations."
)


def test_normalize_unicode_markup_boilerplate_and_spaces():
    raw = "Accept all cookies\n<p>Caf\u00e9\xa0&amp; \ufb01sh [12]  ( ) here .</p>\nShare this page"
    assert cleaning.normalize(raw) == "Café & fish here."
    assert cleaning.normalize(cleaning.normalize(raw)) == cleaning.normalize(raw)  # idempotent


def test_normalize_rejects_non_text():
    with pytest.raises(TypeError, match="str"):
        cleaning.normalize(None)


def test_exact_duplicates_ignore_case_and_spacing_and_keep_the_first():
    texts = ["A b c.", "x", "a  B c.", "y", "A b c."]
    assert cleaning.exact_duplicates(texts) == [2, 4]


def test_shingles_and_jaccard():
    assert cleaning.shingles("a b c d", k=2) == {"a b", "b c", "c d"}
    assert cleaning.shingles("short", k=5) == {"short"}
    assert cleaning.jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)
    assert cleaning.jaccard(set(), set()) == 0.0


def test_minhash_estimates_exact_jaccard():
    rng = np.random.default_rng(0)
    words = DOC.split()
    texts, pairs = [DOC], []
    for n_changes in (1, 3, 6, 12, 25):
        edited = list(words)
        for i in rng.choice(len(words), n_changes, replace=False):
            edited[i] = "zzz"
        texts.append(" ".join(edited))
    signatures = cleaning.minhash_signatures(texts, num_perm=256)
    for j in range(1, len(texts)):
        exact = cleaning.jaccard(cleaning.shingles(texts[0]), cleaning.shingles(texts[j]))
        estimate = cleaning.estimated_jaccard(signatures[0], signatures[j])
        pairs.append((exact, estimate))
        assert abs(exact - estimate) < 0.1, (exact, estimate)
    assert pairs[0][0] > pairs[-1][0]  # more edits, less similar


def test_minhash_is_deterministic_and_seeded():
    a = cleaning.minhash_signatures([DOC], seed=1)
    assert (a == cleaning.minhash_signatures([DOC], seed=1)).all()
    assert not (a == cleaning.minhash_signatures([DOC], seed=2)).all()


def test_near_duplicate_pairs_finds_edited_copies_only():
    edited = DOC.replace("seven", "7").replace("nine", "9")
    other = "Mount Everest is Earth's highest mountain above sea level, in the Himalayas of Asia."
    signatures = cleaning.minhash_signatures([DOC, other, edited])
    pairs = cleaning.near_duplicate_pairs(signatures, bands=16, threshold=0.6)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)]
    with pytest.raises(ValueError, match="divide"):
        cleaning.near_duplicate_pairs(signatures, bands=10)


def test_candidate_probability_is_an_s_curve():
    p = cleaning.candidate_probability(np.array([0.2, 0.7, 0.95]), bands=16, rows=8)
    assert p[0] < 0.01 and 0.3 < p[1] < 0.7 and p[2] > 0.99


@pytest.mark.parametrize(
    "text, issue",
    [
        ("Too short text.", "too short"),
        ("$$$ ### @@@ " * 5 + "word " * 8, "symbols"),
        ("buy now " * 20, "repetitive"),
    ],
)
def test_quality_issues(text, issue):
    assert issue in cleaning.quality_issues(text)
    assert cleaning.quality_issues(DOC) == []


def test_pipeline_on_a_simulated_crawl_keeps_every_original():
    originals = list(load_wiki_summaries()["text"][:80])
    crawl, kinds, sources = cleaning.simulate_crawl(
        originals, seed=0, exact_rate=0.2, near_rate=0.2, junk_rate=0.1
    )
    assert kinds[: len(originals)] == ["original"] * len(originals)
    assert all(sources[k] >= 0 for k, kind in enumerate(kinds) if kind != "junk")
    kept, removed, cleaned = cleaning.clean_corpus(crawl, threshold=0.7)
    assert sorted(kinds[i] for i in kept).count("original") == len(originals)
    assert all(kinds[i] != "exact duplicate" for i in kept)
    assert all(kinds[i] != "junk" for i in kept)
    assert set(removed) == {"exact duplicate", "near duplicate", "low quality"}
    assert len(cleaned) == len(crawl)


def test_short_texts_are_kept_with_a_lower_min_words_and_defaults_stay():
    reviews = ["A great film.", "Dull and far too long.", "Loved it!", "a great film."]
    kept, removed, _ = cleaning.clean_corpus(reviews)
    assert kept == [] and removed["exact duplicate"] == [3]  # today's default: 8 words at least
    kept, removed, _ = cleaning.clean_corpus(reviews, min_words=3)
    assert kept == [0, 1] and removed["low quality"] == [2]
    kept, _, _ = cleaning.clean_corpus(reviews, min_words=0)
    assert kept == [0, 1, 2]
    loose, _, _ = cleaning.clean_corpus(["$$$ $$$ $$$ word"] * 1, min_words=0, max_symbol_ratio=1)
    assert loose == [0]


BAD = [
    (lambda: cleaning.shingles("a b c", k=0), r"^k: expected an int >= 1"),
    (lambda: cleaning.minhash_signatures(["a b"], num_perm=0), r"^num_perm: expected an int >= 1"),
    (lambda: cleaning.clean_corpus("one text"), r"^texts: expected a list of texts"),
    (
        lambda: cleaning.clean_corpus(["a", 3]),
        r"^texts\[1\]: expected a string \(a list of strings\)",
    ),
    (lambda: cleaning.clean_corpus([]), r"^texts: expected at least 1 texts"),
    (lambda: cleaning.clean_corpus(["a"], min_words=-1), r"^min_words: expected an int >= 0"),
    (lambda: cleaning.clean_corpus(["a"], min_words=2.5), r"^min_words: expected an int"),
    (lambda: cleaning.clean_corpus(["a"], max_symbol_ratio=2), r"^max_symbol_ratio: expected"),
    (lambda: cleaning.clean_corpus(["a"], max_repeat_ratio=-0.1), r"^max_repeat_ratio: expected"),
    (lambda: cleaning.clean_corpus(["a"], threshold=0), r"^threshold: expected a finite number"),
    (
        lambda: cleaning.clean_corpus(["a"], bands=7),
        r"^bands: expected a number of bands that divides",
    ),
    (lambda: cleaning.quality_issues("a b", min_words=-3), r"^min_words: expected an int >= 0"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_bad_arguments_are_refused_with_a_fix(call, match):
    with pytest.raises(BadInput, match=match) as caught:
        call()
    assert "Fix: " in str(caught.value)
