"""The course's WordPiece tokenizer: real vocabulary, special tokens, save/load via AutoTokenizer."""

import pytest
from transformers import AutoTokenizer

from course_lib.tokenizer import SPECIAL_TOKENS, build_tokenizer, train_wordpiece, wrap

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
