"""One table of bad inputs a learner can hit at course_lib's public boundaries: each raises
BadInput naming the argument, what was expected, what came, and the fix. Then good inputs: labels
of any kind (two classes, three, indices or names) work everywhere labels go."""

import functools
import re
import shutil
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_lib.core import checks, contrastive, metrics, probe, results  # noqa: E402
from course_lib.core.paths import DATA_DIR  # noqa: E402
from course_lib.core.validate import BadInput  # noqa: E402
from course_lib.data import splits  # noqa: E402
from course_lib.text import gpt, masking, neighbours  # noqa: E402
from course_lib.text.bpe import BPETokenizer  # noqa: E402
from course_lib.vision import augment, encoders, patches  # noqa: E402

FAMILIES = ("types", "shapes", "dtypes", "ranges", "empty", "labels", "checkpoints", "mismatch")
BERT_DIR = DATA_DIR / "reference" / "bert_mlm"
IDS = torch.randint(5, 50, (4, 8), generator=torch.Generator().manual_seed(0))
SPECIAL = [0, 1, 2, 3, 4]
IMAGES = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
X = np.random.default_rng(0).normal(size=(20, 3))
Y = np.arange(20) % 2
TINY = encoders.EncoderConfig(widths=(8, 16), projection_hidden=8, projection_dim=4)


@functools.cache
def wordpiece():
    """A small WordPiece tokenizer (built once)."""
    from course_lib.text.tokenizer import build_tokenizer

    return build_tokenizer(["cat dog car bus"] * 20, 40)


@functools.cache
def tiny_gpt():
    """A tiny GPT (vocabulary 50, 8 positions)."""
    return gpt.build_gpt(50, 8, 1, 2, 8)


def encoder(channels: int = 1) -> encoders.ConvEncoder:
    """A tiny CNN encoder (two blocks: images must be 2x2 or larger)."""
    return encoders.ConvEncoder(encoders.EncoderConfig(widths=(4, 8, 8), in_channels=channels))


def saved(tmp, file: str | None = None, content: bytes = b"") -> str:
    """Save a tiny SimCLR model under tmp; overwrite `file` with `content` (or delete it if empty)."""
    folder = encoders.save_model(encoders.SimCLRModel(TINY), tmp / "enc")
    if file is not None:
        target = folder / file
        target.write_bytes(content) if content else target.unlink()
    return folder


def truncated(tmp) -> str:
    """A saved model whose model.safetensors was cut in half (an interrupted copy)."""
    folder = saved(tmp)
    weights = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(weights[: len(weights) // 2])
    return folder


def bert_copy(tmp) -> str:
    """A copy of the reference BERT folder's config (what `ls` shows: config.json, weights)."""
    folder = tmp / "bert"
    folder.mkdir()
    shutil.copy(BERT_DIR / "config.json", folder / "config.json")
    return folder


def scores(y_true, y_pred, **kw):
    return metrics.classification_scores(y_true, y_pred, **kw)


BAD = [
    # types: the wrong kind of object
    ("types/scores-y_true-a-bare-string", lambda t: scores("0101", [0, 1, 0, 1]), "y_true"),
    ("types/probe-features-texts", lambda t: probe.fit_probe([["a", "b"]] * 4, [0, 1] * 2), "features"),
    ("types/nt_xent-z1-numpy", lambda t: contrastive.nt_xent(X, torch.tensor(X)), "z1"),
    ("types/mask_tokens-input_ids-list", lambda t: masking.mask_tokens([[5, 6]], 4, 50, SPECIAL), "input_ids"),
    ("types/neighbours-embeddings-numpy", lambda t: neighbours.nearest_tokens(np.zeros((40, 4)), wordpiece(), "cat"), "embeddings"),
    ("types/neighbours-tokenizer-none", lambda t: neighbours.nearest_tokens(torch.zeros(40, 4), None, "cat"), "tokenizer"),
    ("types/make_augment-config-dict", lambda t: augment.make_augment({"flip_p": 0.5}), "config"),
    ("types/two_views-augment-a-config", lambda t: augment.two_views(IMAGES, augment.STRONG), "augment"),
    ("types/bpe-encode-bytes", lambda t: BPETokenizer().encode(b"the cat"), "text"),
    ("types/bpe-train-one-string", lambda t: BPETokenizer().train("the cat sat", 300), "texts"),
    ("types/save_model-a-linear-layer", lambda t: encoders.save_model(torch.nn.Linear(2, 2), t), "model"),
    ("types/conv-encoder-config-dict", lambda t: encoders.ConvEncoder({"widths": (8,)}), "config"),
    ("types/verdict-holds-a-number", lambda t: checks.verdict("accuracy is high", 0.93), "holds"),
    ("types/results-numpy-float32", lambda t: results.update_results("t.json", {"acc": np.float32(1)}, "smoke"), "updates['acc']"),
    ("types/generate-prompt-list", lambda t: gpt.generate(tiny_gpt(), None, ["the cat"]), "prompt"),
    ("types/collator-tokenizer-without-mask", lambda t: masking.MaskingCollator(SimpleNamespace(mask_token_id=None)), "tokenizer"),
    ("types/seed_summary-a-string", lambda t: metrics.seed_summary("0.8"), "values"),
    ("types/knn-k-true", lambda t: probe.knn_predict(X, Y, X, k=True), "k"),
    ("types/load_config-folder-int", lambda t: encoders.load_config(3), "folder"),
    # shapes: the right kind, the wrong shape
    ("shapes/probe-features-1d", lambda t: probe.fit_probe(X[:, 0], Y), "features"),
    ("shapes/scores-y_pred-probabilities-2d", lambda t: scores(Y, np.eye(2)[Y]), "y_pred"),
    ("shapes/probe-labels-a-column", lambda t: probe.fit_probe(X, Y[:, None]), "labels"),
    ("shapes/nt_xent-z1-1d", lambda t: contrastive.nt_xent(torch.randn(4), torch.randn(4)), "z1"),
    ("shapes/split_views-odd-stack", lambda t: contrastive.split_views(torch.randn(5, 3)), "z"),
    ("shapes/to_float_images-one-image-2d", lambda t: augment.to_float_images(IMAGES[0]), "images"),
    ("shapes/to_float_images-two-channels", lambda t: augment.to_float_images(torch.rand(2, 2, 28, 28)), "images"),
    ("shapes/patches-a-batch", lambda t: patches.image_to_patches(torch.rand(2, 1, 28, 28), 7), "image"),
    ("shapes/patches-back-wrong-height", lambda t: patches.patches_to_image(torch.rand(16, 49), 21, 28), "patches"),
    ("shapes/gallery-a-batch", lambda t: augment.augmentation_gallery(IMAGES[:2]), "image"),
    ("shapes/encoder-images-3d", lambda t: encoder()(torch.rand(2, 28, 28)), "images"),
    ("shapes/encoder-rgb-for-gray", lambda t: encoder()(torch.rand(2, 3, 28, 28)), "images"),
    ("shapes/encoder-images-too-small", lambda t: encoder()(torch.rand(2, 1, 3, 3)), "images"),
    ("shapes/gpt-batch-1d", lambda t: gpt.next_token_loss(tiny_gpt(), IDS[0]), "batch"),
    ("shapes/gpt-blocks-longer-than-positions", lambda t: gpt.next_token_loss(tiny_gpt(), IDS.repeat(1, 2)), "batch"),
    ("shapes/collator-ragged-blocks", lambda t: masking.MaskingCollator(wordpiece())([[5, 6, 7], [5, 6]]), "examples"),
    # dtypes: the right shape, the wrong element type
    ("dtypes/scores-y_pred-probabilities", lambda t: scores([0, 1, 1], [0.2, 0.9, 0.6]), "y_pred"),
    ("dtypes/probe-labels-floats", lambda t: probe.fit_probe(X, Y.astype(float)), "labels"),
    ("dtypes/knn-labels-bools", lambda t: probe.knn_predict(X, Y.astype(bool), X), "train_y"),
    ("dtypes/scores-mixed-ints-and-names", lambda t: scores([0, "cat"], [0, "cat"]), "y_true"),
    ("dtypes/mask_tokens-float-ids", lambda t: masking.mask_tokens(IDS.float(), 4, 50, SPECIAL), "input_ids"),
    ("dtypes/mask_tokens-int32-ids", lambda t: masking.mask_tokens(IDS.int(), 4, 50, SPECIAL), "input_ids"),
    ("dtypes/to_float_images-int64", lambda t: augment.to_float_images(IMAGES.long()), "images"),
    ("dtypes/patches-int64", lambda t: patches.image_to_patches(IMAGES[0].long(), 7), "image"),
    ("dtypes/nt_xent-int-projections", lambda t: contrastive.nt_xent(IDS, IDS), "z1"),
    ("dtypes/encoder-uint8-images", lambda t: encoder()(IMAGES[:, None]), "images"),
    ("dtypes/gpt-float-batch", lambda t: gpt.next_token_loss(tiny_gpt(), IDS.float()), "batch"),
    # ranges: a number or values outside what works
    ("ranges/nt_xent-temperature-0", lambda t: contrastive.nt_xent(torch.randn(4, 3), torch.randn(4, 3), 0), "temperature"),
    ("ranges/nt_xent-temperature-negative", lambda t: contrastive.nt_xent(torch.randn(4, 3), torch.randn(4, 3), -0.5), "temperature"),
    ("ranges/hardest-share-temperature-nan", lambda t: contrastive.hardest_negative_share(torch.randn(4, 3), torch.randn(4, 3), float("nan")), "temperature"),
    ("ranges/positive_indices-0", lambda t: contrastive.positive_indices(0), "n"),
    ("ranges/to_float_images-0-255-floats", lambda t: augment.to_float_images(IMAGES.float()), "images"),
    ("ranges/to_float_images-normalised", lambda t: augment.to_float_images(torch.randn(2, 28, 28)), "images"),
    ("ranges/patches-0-255-floats", lambda t: patches.image_to_patches(IMAGES[0].float(), 7), "image"),
    ("ranges/patch_size-not-dividing", lambda t: patches.image_to_patches(IMAGES[0], 5), "patch_size"),
    ("ranges/patch_size-0", lambda t: patches.image_to_patches(IMAGES[0], 0), "patch_size"),
    ("ranges/mask_tokens-ids-beyond-vocab", lambda t: masking.mask_tokens(IDS, 4, 30, SPECIAL), "input_ids"),
    ("ranges/mask_prob-0", lambda t: masking.mask_tokens(IDS, 4, 50, SPECIAL, 0.0), "mask_prob"),
    ("ranges/mask_prob-1", lambda t: masking.mask_tokens(IDS, 4, 50, SPECIAL, 1.0), "mask_prob"),
    ("ranges/mask_token_id-beyond-vocab", lambda t: masking.mask_tokens(IDS, 50, 50, SPECIAL), "mask_token_id"),
    ("ranges/knn-k-0", lambda t: probe.knn_predict(X, Y, X, k=0), "k"),
    ("ranges/probe-features-nan", lambda t: probe.fit_probe(np.where(X > 1, np.nan, X), Y), "features"),
    ("ranges/probe-grid-negative-C", lambda t: probe.fit_probe(X, Y, grid=(-1.0, 1.0)), "grid"),
    ("ranges/augment-flip_p-1.5", lambda t: augment.AugmentConfig(flip_p=1.5), "flip_p"),
    ("ranges/augment-crop-scale-0", lambda t: augment.AugmentConfig(crop_scale_min=0.0), "crop_scale_min"),
    ("ranges/augment-jitter-1", lambda t: augment.AugmentConfig(jitter=1.0), "jitter"),
    ("ranges/augment-noise-negative", lambda t: augment.AugmentConfig(noise_std=-0.1), "noise_std"),
    ("ranges/make_augment-size-0", lambda t: augment.make_augment(augment.STRONG, size=0), "size"),
    ("ranges/show_pairs-n-beyond-images", lambda t: augment.show_pairs(IMAGES, n=5), "n"),
    ("ranges/encoder-pool_grid-0", lambda t: encoders.EncoderConfig(pool_grid=0), "pool_grid"),
    ("ranges/encoder-width-0", lambda t: encoders.EncoderConfig(widths=(8, 0)), "widths"),
    ("ranges/bpe-vocab-below-256", lambda t: BPETokenizer().train(["the cat"], 100), "vocab_size"),
    ("ranges/bpe-decode-unknown-id", lambda t: BPETokenizer().decode([65, 999]), "ids"),
    ("ranges/gpt-heads-not-dividing-hidden", lambda t: gpt.build_gpt(60, 30, 1, 4, 16), "heads"),
    ("ranges/gpt-bos-beyond-vocab", lambda t: gpt.build_gpt(60, 8, 1, 2, 16, bos_token_id=60), "bos_token_id"),
    ("ranges/generate-temperature-0", lambda t: gpt.generate(tiny_gpt(), None, "a", temperature=0), "temperature"),
    ("ranges/generate-new_tokens-0", lambda t: gpt.generate(tiny_gpt(), None, "a", new_tokens=0), "new_tokens"),
    ("ranges/holdout-fraction-1", lambda t: splits.labeled_holdout(Y, 1.0), "fraction"),
    ("ranges/sample_labeled-n-beyond-labels", lambda t: splits.sample_labeled(Y, 21, 0), "n"),
    ("ranges/split-sizes-not-adding-up", lambda t: splits.stratified_split(Y, {"a": 15, "b": 15}, 0), "sizes"),
    ("ranges/split-size-a-fraction", lambda t: splits.stratified_split(Y, {"a": 2.5, "b": -1}, 0), "sizes['a']"),
    ("ranges/at_least-value-nan", lambda t: checks.at_least("accuracy is high", float("nan"), 0.5), "value"),
    ("ranges/results-nan", lambda t: results.update_results("t.json", {"loss": float("nan")}, "smoke"), "updates['loss']"),
    ("ranges/results-unknown-profile", lambda t: results.update_results("t.json", {"a": 1}, "laptop"), "profile"),
    ("ranges/neighbours-k-beyond-vocab", lambda t: neighbours.nearest_tokens(torch.randn(len(wordpiece()), 4), wordpiece(), "cat", 500), "k"),
    ("ranges/load_split-unknown-source", lambda t: splits.load_split("imagenet"), "name"),
    # empty: nothing where something is needed
    ("empty/scores-no-labels", lambda t: scores([], []), "y_true"),
    ("empty/probe-no-rows", lambda t: probe.fit_probe(np.zeros((0, 3)), []), "features"),
    ("empty/probe-grid", lambda t: probe.fit_probe(X, Y, grid=()), "grid"),
    ("empty/mask_tokens-no-ids", lambda t: masking.mask_tokens(torch.zeros(0, dtype=torch.long), 4, 50, SPECIAL), "input_ids"),
    ("empty/collator-no-examples", lambda t: masking.MaskingCollator(wordpiece())([]), "examples"),
    ("empty/to_float_images-no-images", lambda t: augment.to_float_images(IMAGES[:0]), "images"),
    ("empty/gallery-no-configs", lambda t: augment.augmentation_gallery(IMAGES[0], {}), "configs"),
    ("empty/bpe-train-no-texts", lambda t: BPETokenizer().train([], 300), "texts"),
    ("empty/bpe-train-empty-texts", lambda t: BPETokenizer().train(["", ""], 300), "texts"),
    ("empty/results-no-updates", lambda t: results.update_results("t.json", {}, "smoke"), "updates"),
    ("empty/seed_summary-no-seeds", lambda t: metrics.seed_summary([]), "values"),
    ("empty/verdict-no-claim", lambda t: checks.verdict("", True), "claim"),
    ("empty/split-no-sizes", lambda t: splits.stratified_split(Y, {}, 0), "sizes"),
    ("empty/holdout-no-labels", lambda t: splits.labeled_holdout([], 0.2), "labels"),
    # labels: label sets that cannot be scored or learned as given
    ("labels/probe-one-class", lambda t: probe.fit_probe(X, np.zeros(20, dtype=int)), "labels"),
    ("labels/probe_predict-one-class", lambda t: probe.probe_predict(X, ["cat"] * 20, X), "train_y"),
    ("labels/scores-one-class-no-n_classes", lambda t: scores([0, 0], [0, 0]), "y_true"),
    ("labels/scores-label-beyond-n_classes", lambda t: scores([0, 1, 5], [0, 1, 5], n_classes=5), "y_true"),
    ("labels/scores-negative-prediction", lambda t: scores([0, 1], [0, -1], n_classes=2), "y_pred"),
    ("labels/scores-n_classes-1", lambda t: scores([0, 0], [0, 0], n_classes=1), "n_classes"),
    ("labels/scores-names-with-n_classes", lambda t: scores(["cat", "dog"], ["cat", "dog"], n_classes=2), "n_classes"),
    ("labels/scores-prediction-not-in-labels", lambda t: scores(["cat"], ["cow"], labels=["cat", "dog"]), "y_pred"),
    ("labels/scores-duplicate-labels", lambda t: scores(["cat"], ["cat"], labels=["cat", "cat"]), "labels"),
    ("labels/scores-n_classes-and-labels", lambda t: scores([0, 1], [0, 1], n_classes=2, labels=[0, 1]), "labels"),
    ("labels/scores-indices-vs-names", lambda t: scores([0, 1], ["cat", "dog"]), "y_pred"),
    ("labels/confusion-index-beyond-names", lambda t: metrics.plot_confusion([0, 2], [0, 1], ["a", "b"]), "y_true"),
    ("labels/confusion-name-not-listed", lambda t: metrics.plot_confusion(["cat", "eel"], ["cat", "cat"], ["cat", "dog"]), "y_true"),
    # checkpoints: saved-model folders that are missing, damaged or of another kind
    ("checkpoints/encoder-folder-missing", lambda t: encoders.load_model(t / "nothing"), "folder"),
    ("checkpoints/encoder-a-file-not-a-folder", lambda t: encoders.load_model(saved(t) / "config.json"), "folder"),
    ("checkpoints/encoder-no-config", lambda t: encoders.load_model(saved(t, "config.json")), "folder"),
    ("checkpoints/encoder-no-weights", lambda t: encoders.load_model(saved(t, "model.safetensors")), "folder"),
    ("checkpoints/encoder-truncated-weights", lambda t: encoders.load_model(truncated(t)), "folder"),
    ("checkpoints/encoder-config-not-json", lambda t: encoders.load_model(saved(t, "config.json", b"{oops")), "folder"),
    ("checkpoints/encoder-a-bert-folder", lambda t: encoders.load_model(bert_copy(t)), "folder"),
    ("checkpoints/encoder-weights-of-another-config", lambda t: encoders.load_model(saved(t, "config.json", b'{"architecture": "SimCLRModel"}')), "folder"),
    ("checkpoints/bpe-load-a-wordpiece-file", lambda t: BPETokenizer.load(BERT_DIR / "tokenizer.json"), "path"),
    ("checkpoints/bpe-load-missing-file", lambda t: BPETokenizer.load(t / "bpe.json"), "path"),
    # mismatch: two arguments that must agree and do not
    ("mismatch/scores-lengths", lambda t: scores([0, 1, 1], [0, 1]), "y_pred"),
    ("mismatch/probe-labels-vs-rows", lambda t: probe.fit_probe(X, Y[:-1]), "labels"),
    ("mismatch/probe-test-width", lambda t: probe.probe_predict(X, Y, X[:, :2]), "test_x"),
    ("mismatch/knn-test-width", lambda t: probe.knn_predict(X, Y, X[:, :2]), "test_x"),
    ("mismatch/knn-labels-vs-rows", lambda t: probe.knn_predict(X, Y[:5], X), "train_y"),
    ("mismatch/nt_xent-view-shapes", lambda t: contrastive.nt_xent(torch.randn(4, 3), torch.randn(5, 3)), "z2"),
    ("mismatch/neighbours-table-of-another-tokenizer", lambda t: neighbours.nearest_tokens(torch.randn(8000, 4), wordpiece(), "cat"), "embeddings"),
    ("mismatch/masking_stats-originals", lambda t: masking.masking_stats({"input_ids": IDS, "labels": IDS}, IDS[:2], 4, SPECIAL), "originals"),
    ("mismatch/collator-ids-of-a-bigger-vocab", lambda t: masking.MaskingCollator(wordpiece())([[5, 6, 900]]), "input_ids"),
    ("mismatch/mask_tokens-special-ids-of-another-vocab", lambda t: masking.mask_tokens(IDS, 4, 50, [0, 4, 101]), "special_ids"),
    ("mismatch/unigram-heldout-ids-beyond-vocab", lambda t: gpt.next_token_unigram_baseline(IDS, IDS + 50, 50), "heldout_blocks"),
    ("mismatch/bpe-decode-a-string", lambda t: BPETokenizer().decode("the cat"), "ids"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "name"), [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_input_names_the_argument_and_the_fix(call, name, tmp_path):
    with pytest.raises(BadInput, match=rf"(?s)^{re.escape(name)}: expected .+Fix: \S"):
        call(tmp_path)


def test_the_table_is_big_distinct_and_covers_every_family():
    ids = [row[0] for row in BAD]
    assert len(ids) == len(set(ids)) >= 60
    counts = {family: sum(i.startswith(family + "/") for i in ids) for family in FAMILIES}
    assert sum(counts.values()) == len(ids) and min(counts.values()) >= 8, counts


# good inputs: labels of any kind


@pytest.mark.parametrize("k", [2, 3])
def test_probe_and_metrics_with_indices_and_names_agree(k):
    rng = np.random.default_rng(k)
    y = np.arange(60) % k
    x = 4.0 * np.eye(3)[y] + rng.normal(size=(60, 3))
    names = np.array(["cat", "dog", "eel"])[:k]
    by_index = probe.probe_predict(x[:40], y[:40], x[40:])
    by_name = probe.probe_predict(x[:40], names[y[:40]], x[40:])
    assert by_name.dtype.kind == "U" and (names[by_index] == by_name).all()
    index_scores = metrics.classification_scores(y[40:], by_index, n_classes=k)
    name_scores = metrics.classification_scores(names[y[40:]], by_name, labels=list(names))
    assert index_scores == name_scores and index_scores["macro_f1"] > 0.8
    assert list(metrics.per_class_scores(names[y[40:]], by_name)) == list(names)


def test_binary_string_labels_through_knn_and_the_confusion_plot():
    y = np.array(["spam", "ham"] * 10)
    x = np.where((y == "spam")[:, None], 1.0, -1.0) + 0.1 * X[:, :2]
    predicted = probe.knn_predict(x, y, x, k=3)
    assert (predicted == y).all()
    ax = metrics.plot_confusion(y, predicted, ["spam", "ham"])
    assert ax.images[0].get_array().tolist() == [[1.0, 0.0], [0.0, 1.0]]
