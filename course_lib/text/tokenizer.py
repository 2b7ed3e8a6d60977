"""The course's WordPiece tokenizer: trained with `tokenizers`, used through `transformers`.

It is wrapped as a `PreTrainedTokenizerFast` around the trained `tokenizers` object (in
transformers 5.x, `BertTokenizerFast(vocab_file=...)` silently gives a 5-token vocabulary), so
`save_pretrained`, `AutoTokenizer.from_pretrained` and `pipeline("fill-mask")` all work on it.
"""

import hashlib
from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers.trainers import WordPieceTrainer
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from course_lib.core.paths import artifact_dir
from course_lib.core.profiles import Profile
from course_lib.core.validate import check_int, check_texts
from course_lib.data.corpus import pretraining_texts

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
MIN_VOCAB_SIZE = len(SPECIAL_TOKENS) + 27  # the special tokens, the letters and a few more
CACHE_VERSION = 2  # part of the cache key: bump it when training changes (2: deterministic)


VOCAB_FIX = f"pass at least {MIN_VOCAB_SIZE} tokens; a few thousand suit a few thousand texts"


def train_wordpiece(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> Tokenizer:
    """Train a lower-cased BERT-style WordPiece `tokenizers.Tokenizer` on `texts`, the same
    vocabulary on every run (see `continuation_tokens`)."""
    check_int(vocab_size, "vocab_size", MIN_VOCAB_SIZE, VOCAB_FIX)
    texts = check_texts(texts, "texts")
    trained = wordpiece_tokenizer()
    fixed = [
        *SPECIAL_TOKENS,
        *continuation_tokens(texts, trained.normalizer, trained.pre_tokenizer),
    ]
    trainer = WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=fixed,
        show_progress=False,
    )
    trained.train_from_iterator(texts, trainer=trainer)
    # same vocabulary, ids that do not depend on the run; only the 5 special tokens stay special
    tok = wordpiece_tokenizer(canonical_ids(trained.get_vocab()))
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(list(SPECIAL_TOKENS))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return tok


def wordpiece_tokenizer(vocab: dict[str, int] | None = None) -> Tokenizer:
    """Return the course's WordPiece (`[UNK]` for unknown words, words of up to 100 characters)
    behind BERT's lower-casing, accent-stripping normaliser and pre-tokenizer."""
    model = models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok


def continuation_tokens(
    texts: list[str], normalizer: normalizers.Normalizer, pre_tokenizer: pre_tokenizers.PreTokenizer
) -> list[str]:
    """Every '##' + character that can continue a word, sorted.

    `tokenizers`' trainer numbers these tokens in hash-map order, which changes from run to run,
    and breaks ties between equally frequent merges by those numbers, so two trainings on the same
    texts could learn different vocabularies (huggingface/tokenizers#1794). Passed first, in
    sorted order, they get the same numbers on every run.
    """
    chars = set()
    for text in texts:
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)):
            chars.update(word[1:])
    return [f"##{c}" for c in sorted(chars)]


def canonical_ids(vocab: dict[str, int]) -> dict[str, int]:
    """Renumber a vocabulary: special tokens first, then the rest sorted.

    The trainer orders tokens with equal counts arbitrarily, so two trainings on the same text give
    the same tokens under different ids; WordPiece splits by longest match, so ids can be renumbered
    without changing any tokenization, and the sorted ids are the same on every run.
    """
    rest = sorted(t for t in vocab if t not in SPECIAL_TOKENS)
    return {t: i for i, t in enumerate([*SPECIAL_TOKENS, *rest])}


def wrap(tok: Tokenizer, model_max_length: int = 512) -> PreTrainedTokenizerFast:
    """Wrap a trained `tokenizers.Tokenizer` as a transformers tokenizer with BERT's special tokens."""
    missing = [t for t in SPECIAL_TOKENS if tok.token_to_id(t) is None]
    if missing:
        raise ValueError(f"the tokenizer lacks the special tokens {missing}: train it with them")
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
    )


def build_tokenizer(
    texts: Iterable[str], vocab_size: int, model_max_length: int = 512
) -> PreTrainedTokenizerFast:
    """Train WordPiece on `texts` and return it as a transformers tokenizer."""
    return wrap(train_wordpiece(texts, vocab_size), model_max_length)


def tokenizer_for(
    texts: Iterable[str], vocab_size: int, model_max_length: int = 512
) -> PreTrainedTokenizerFast:
    """Return WordPiece trained on `texts`: loaded from the cache when these very texts (and
    sizes) were seen before, else trained and saved (artifacts/wordpiece_<hash of both>/)."""
    texts = check_texts(texts, "texts")
    check_int(vocab_size, "vocab_size", MIN_VOCAB_SIZE, VOCAB_FIX)
    check_int(model_max_length, "model_max_length", 8, "pass the longest input in tokens, e.g. 512")
    folder = artifact_dir(f"wordpiece_{texts_key(texts, vocab_size, model_max_length)}")
    if (folder / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(folder)
    tokenizer = build_tokenizer(texts, vocab_size, model_max_length)
    tokenizer.save_pretrained(folder)
    return tokenizer


def texts_key(texts: Iterable[str], *sizes: int) -> str:
    """Return a short hash of the texts' content, in order, and of `sizes` (a cache key)."""
    digest = hashlib.sha256(f"v{CACHE_VERSION} {sizes}".encode())
    for text in texts:
        encoded = text.encode()
        digest.update(len(encoded).to_bytes(8, "little") + encoded)
    return digest.hexdigest()[:16]


def course_tokenizer(profile: Profile) -> PreTrainedTokenizerFast:
    """The course's WordPiece for `profile`: trained on the profile's pretraining texts, cached by
    their content (the same tokenizer as notebook 02's; a changed corpus retrains it)."""
    texts = pretraining_texts(profile.corpus_max_docs)["train"]
    return tokenizer_for(texts, profile.wordpiece_vocab_size)
