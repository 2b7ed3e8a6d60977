"""The course's WordPiece tokenizer: real vocabulary, special tokens, save/load via AutoTokenizer."""

import pytest
from tokenizers import normalizers, pre_tokenizers
from transformers import AutoTokenizer

from course_lib.data.corpus import pretraining_texts
from course_lib.text.tokenizer import (
    SPECIAL_TOKENS,
    build_tokenizer,
    canonical_ids,
    continuation_tokens,
    train_wordpiece,
    wrap,
)

TEXTS = ["The cat sat on the mat.", "Photosynthesis converts light into chemical energy."] * 50


def test_trained_tokenizer_has_its_vocabulary_and_special_tokens(tmp_path):
    tok = build_tokenizer(TEXTS, 120)
    assert 60 < len(tok) <= 120  # not the 5-token vocabulary of BertTokenizerFast(vocab_file=...)
    for token in SPECIAL_TOKENS:
        assert tok.convert_tokens_to_ids(token) != tok.unk_token_id or token == "[UNK]"
    ids = tok("The cat sat.")["input_ids"]
    assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
    assert tok.unk_token_id not in ids
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert len(again) == len(tok) and again("The cat sat.")["input_ids"] == ids
    assert again.mask_token == "[MASK]" and again.pad_token_id == 0


def test_lower_cases_and_marks_word_pieces():
    tok = build_tokenizer(TEXTS, 120)
    pieces = tok.tokenize("CATS")
    assert pieces[0].startswith("cat") and all(p.startswith("##") for p in pieces[1:])


def test_bad_input():
    with pytest.raises(ValueError, match="vocab_size"):
        train_wordpiece(TEXTS, 10)
    from tokenizers import Tokenizer, models

    with pytest.raises(ValueError, match="special tokens"):
        wrap(Tokenizer(models.WordPiece({"a": 0, "[UNK]": 1}, unk_token="[UNK]")))


def test_training_twice_gives_the_same_ids():
    texts = [f"the {w} sat on the mat near a {w}ish door ." for w in ("cat", "dog", "bird")] * 20
    first, second = train_wordpiece(texts, 80), train_wordpiece(texts, 80)
    assert first.get_vocab() == second.get_vocab()
    assert [first.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(len(SPECIAL_TOKENS)))
    assert first.encode("the cat sat").ids == second.encode("the cat sat").ids


def test_trainings_on_real_text_learn_the_same_vocabulary():
    """On 3,000 course documents the library's trainer alone learned 3 different vocabularies in
    6 trainings (ties broken in hash-map order); with the sorted continuation tokens, one."""
    texts = pretraining_texts(3000)["train"]
    vocabularies = {tuple(sorted(train_wordpiece(texts, 4000).get_vocab())) for _ in range(6)}
    assert len(vocabularies) == 1


def test_continuation_tokens_are_sorted_and_only_the_special_tokens_stay_special():
    norm, pre = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
    assert continuation_tokens(["Cab, ba!"], norm, pre) == ["##a", "##b"]
    tok = train_wordpiece(TEXTS, 120)
    assert sorted(t.content for t in tok.get_added_tokens_decoder().values()) == sorted(
        SPECIAL_TOKENS
    )
    assert tok.encode("##a [MASK]", add_special_tokens=False).tokens[-1] == "[MASK]"


def test_canonical_ids_keep_the_tokens_and_put_specials_first():
    vocab = {"##b": 7, "[PAD]": 3, "a": 1, "[UNK]": 0, "[CLS]": 2, "[SEP]": 4, "[MASK]": 5}
    ids = canonical_ids(vocab)
    assert set(ids) == set(vocab) and sorted(ids.values()) == list(range(len(vocab)))
    assert [t for t, _ in sorted(ids.items(), key=lambda kv: kv[1])][:5] == list(SPECIAL_TOKENS)


def test_tokenizer_for_is_cached_by_the_content_of_the_texts(monkeypatch, tmp_path):
    from course_lib.core import paths
    from course_lib.text import tokenizer as tk

    monkeypatch.setattr(paths, "ARTIFACTS_DIR", tmp_path)
    first = tk.tokenizer_for(TEXTS, 120)
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].startswith("wordpiece_")
    again = tk.tokenizer_for(list(TEXTS), 120)  # same content: loaded, not a new folder
    assert sorted(p.name for p in tmp_path.iterdir()) == folders
    assert again.get_vocab() == first.get_vocab()
    other = tk.tokenizer_for(["Reviews of films, not cats: a great, moving film."] * 40, 120)
    assert len(list(tmp_path.iterdir())) == 2 and "film" in other.get_vocab()
    assert "film" not in first.get_vocab()  # never the other texts' tokenizer
    tk.tokenizer_for(TEXTS, 100)
    assert len(list(tmp_path.iterdir())) == 3  # the vocabulary size is part of the key


def test_course_tokenizer_is_the_tokenizer_of_the_pretraining_texts():
    from course_lib.core import paths
    from course_lib.core.profiles import get_profile
    from course_lib.data.corpus import pretraining_texts
    from course_lib.text.tokenizer import course_tokenizer, texts_key

    profile = get_profile("smoke")
    tok = course_tokenizer(profile)
    texts = pretraining_texts(profile.corpus_max_docs)["train"]
    assert len(tok) == profile.wordpiece_vocab_size
    key = texts_key(texts, profile.wordpiece_vocab_size, 512)
    saved = paths.ARTIFACTS_DIR / f"wordpiece_{key}"
    assert AutoTokenizer.from_pretrained(saved).get_vocab() == tok.get_vocab()
    assert texts_key(texts[1:], profile.wordpiece_vocab_size, 512) != key


BAD = [
    (lambda tk: tk.tokenizer_for("one text", 100), r"^texts: expected a list of texts"),
    (lambda tk: tk.tokenizer_for([], 100), r"^texts: expected at least 1 texts"),
    (
        lambda tk: tk.tokenizer_for(["a", 2], 100),
        r"^texts\[1\]: expected a string \(a list of strings\)",
    ),
    (lambda tk: tk.tokenizer_for(TEXTS, 20), r"^vocab_size: expected an int >= 32"),
    (lambda tk: tk.tokenizer_for(TEXTS, 100.0), r"^vocab_size: expected an int"),
    (lambda tk: tk.tokenizer_for(TEXTS, 100, 0), r"^model_max_length: expected an int >= 8"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_bad_arguments_are_refused_with_a_fix(call, match):
    from course_lib.core.validate import BadInput
    from course_lib.text import tokenizer as tk

    with pytest.raises(BadInput, match=match) as caught:
        call(tk)
    assert "Fix: " in str(caught.value)


def test_a_string_is_refused_not_read_character_by_character():
    from course_lib.core.validate import BadInput
    from course_lib.text.lm_data import pack_blocks

    with pytest.raises(BadInput, match=r"^texts: expected a list of texts"):
        train_wordpiece("the cat sat on the mat", 100)
    with pytest.raises(BadInput, match=r"^texts: expected a list of texts"):
        pack_blocks(build_tokenizer(TEXTS, 120), "the cat sat on the mat", 8)
