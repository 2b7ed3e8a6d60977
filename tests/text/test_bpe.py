"""BPE from scratch: merges, round trips, save/load, and agreement with the `tokenizers` library."""

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from course_lib.core.validate import BadInput
from course_lib.data.sources import load_wiki_summaries
from course_lib.text.bpe import BPETokenizer, byte_level_alphabet, merge, pair_counts

TEXTS = [
    "The cat sat on the mat. The cat ate the rat!",
    "Thermodynamics: the theory of heat, 1824-1850. Ünïcödé and emoji 🙂 too.",
] * 5


def test_merge_is_left_to_right_and_non_overlapping():
    assert merge([1, 1, 1], (1, 1), 9) == [9, 1]
    assert merge([1, 2, 3, 1, 2], (1, 2), 7) == [7, 3, 7]
    assert merge([], (1, 2), 7) == []


def test_pair_counts_weights_by_frequency():
    counts = pair_counts({(1, 2, 3): 2, (2, 3): 5})
    assert counts[(2, 3)] == 7 and counts[(1, 2)] == 2


def test_train_encode_decode_round_trip():
    tok = BPETokenizer()
    tok.train(TEXTS, 300)
    assert len(tok.vocab) == 300
    for text in TEXTS + ["unseen wörds ✓ and 12345"]:
        assert tok.decode(tok.encode(text)) == text
    assert len(tok.encode("The cat sat on the mat.")) < len("The cat sat on the mat.")


def test_save_and_load(tmp_path):
    tok = BPETokenizer()
    tok.train(TEXTS, 280)
    tok.save(tmp_path / "bpe.json")
    again = BPETokenizer.load(tmp_path / "bpe.json")
    assert again.merges == tok.merges and again.encode(TEXTS[1]) == tok.encode(TEXTS[1])
    (tmp_path / "other.json").write_text('{"type": "something else"}')
    with pytest.raises(BadInput, match="path: expected a saved BPETokenizer"):
        BPETokenizer.load(tmp_path / "other.json")


def test_bad_input_is_a_clear_error():
    with pytest.raises(BadInput, match="vocab_size: expected an int >= 256"):
        BPETokenizer().train(TEXTS, 100)
    with pytest.raises(BadInput, match="texts: expected at least 1 texts"):
        BPETokenizer().train([], 300)
    with pytest.raises(BadInput, match="texts: expected some non-empty text"):
        BPETokenizer().train(["", ""], 300)
    with pytest.raises(BadInput, match="text: expected a str"):
        BPETokenizer().encode(123)
    with pytest.raises(BadInput, match=r"ids: expected ids of this vocabulary \(0..255\), got 999"):
        BPETokenizer().decode([999])


def test_same_vocabulary_as_the_tokenizers_library():
    texts = list(load_wiki_summaries()["text"][:150])
    ours = BPETokenizer()
    ours.train(texts, 400)
    reference = Tokenizer(models.BPE())
    reference.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    reference.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=400,
            min_frequency=2,
            show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    byte_of = {ch: b for b, ch in enumerate(byte_level_alphabet())}
    theirs = {bytes(byte_of[c] for c in token) for token in reference.get_vocab()}
    assert len(theirs & set(ours.vocab.values())) / len(theirs) > 0.97
    ours_n = sum(len(ours.encode(t)) for t in texts[:50])
    theirs_n = sum(len(reference.encode(t).ids) for t in texts[:50])
    assert abs(ours_n - theirs_n) / theirs_n < 0.02


def test_byte_level_alphabet_matches_tokenizers():
    assert sorted(byte_level_alphabet()) == sorted(pre_tokenizers.ByteLevel.alphabet())
    assert byte_level_alphabet()[ord(" ")] == "Ġ"
