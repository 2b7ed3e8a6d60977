"""The models the service ships: the course's reference BERT and SimCLR encoder (the committed
checkpoints, so that every checkout serves the same models), each fine-tuned on 100
labels with the course's one recipe (`core.finetune.fit_classifier`), exported to ONNX with a
manifest (class names, tokenizer, limits) in one folder, `artifacts/serve/` by default.

`build` trains and exports once; a folder that already holds a manifest is reused.
"""

import json
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from course_lib.core.finetune import fit_classifier
from course_lib.core.paths import DATA_DIR, artifact_dir
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.validate import bad_input
from course_lib.serve.export import FORMATS, ImageLogits, TextLogits, export_all
from course_lib.text.classify import SequenceClassifier, token_ids
from course_lib.text.few_labels import bert_maker, text_recipes, wiki_task
from course_lib.vision.classify import (
    ImageClassifier,
    fashion_task,
    image_recipes,
    make_classifier,
    supervised_augment,
)
from course_lib.vision.encoders import load_model
from course_lib.vision.simclr import REFERENCE_DIR as SIMCLR_DIR

MANIFEST = "manifest.json"
SERVE_NAME = "serve"
MAX_TOKENS = 128  # the course's BERT has 128 positions; longer texts are truncated
N_LABELS = 100
BERT_DIR = DATA_DIR / "reference" / "bert_mlm"  # the same start on every machine


def text_classifier(
    profile: Profile, n_labels: int = N_LABELS, seed: int = 0
) -> tuple[SequenceClassifier, PreTrainedTokenizerBase, list[str], str]:
    """Return (fine-tuned SequenceClassifier, tokenizer, class names, source) for Wikipedia
    topics from `n_labels` stratified labeled documents, on the committed reference BERT."""
    folder, source = BERT_DIR, "data/reference/bert_mlm"
    tokenizer, task = AutoTokenizer.from_pretrained(folder), wiki_task()
    drawn = task.draw(n_labels, seed)
    ids = token_ids(tokenizer, [task.pool_texts[i] for i in drawn], MAX_TOKENS)
    make = bert_maker(folder, len(task.names), tokenizer.pad_token_id, True, seed)
    recipe = text_recipes(profile)["bert_finetuned"]
    run_dir = artifact_dir(f"{SERVE_NAME}_text_{profile.name}")
    model, _ = fit_classifier(make, ids, torch.as_tensor(task.pool_y[drawn]), recipe, run_dir)
    return model, tokenizer, task.names, source


def image_classifier(
    profile: Profile, n_labels: int = N_LABELS, seed: int = 0
) -> tuple[ImageClassifier, list[str], str]:
    """Return (fine-tuned ImageClassifier, class names, source) for Fashion-MNIST from
    `n_labels` stratified labeled images, the committed reference SimCLR encoder as its start."""
    pretrained, source = load_model(SIMCLR_DIR), "data/reference/simclr_fmnist"
    task = fashion_task()
    drawn = torch.as_tensor(task.draw(n_labels, seed))
    recipe = image_recipes(profile)["simclr_finetune"]
    run_dir = artifact_dir(f"{SERVE_NAME}_image_{profile.name}")
    model, _ = fit_classifier(
        lambda: make_classifier(pretrained, task.n_classes, seed),
        task.pool_x[drawn],
        torch.as_tensor(task.pool_y[drawn.numpy()]),
        recipe,
        run_dir,
        augment=supervised_augment(),
        seed=seed,
    )
    return model, task.class_names, source


def package(
    text: SequenceClassifier,
    tokenizer: PreTrainedTokenizerBase,
    text_names: list[str],
    image: ImageClassifier,
    image_names: list[str],
    folder: Path,
    sources: dict | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> Path:
    """Export both classifiers into `folder` (`formats`: ONNX, .pt2, TorchScript), save the tokenizer and
    write the manifest the service reads; return the folder."""
    folder = Path(folder)
    exports = {
        "text": export_all(TextLogits(text), "text", folder, MAX_TOKENS, formats),
        "image": export_all(ImageLogits(image), "image", folder, formats=formats),
    }
    tokenizer.save_pretrained(folder / "tokenizer")
    manifest = {
        "text": {"names": list(text_names), "max_tokens": MAX_TOKENS, "pad_id": text.pad_id},
        "image": {"names": list(image_names), "height": 28, "width": 28},
        "files": {
            kind: {fmt: p.name if isinstance(p, Path) else p for fmt, p in paths.items()}
            for kind, paths in exports.items()
        },
        "sources": sources or {},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def build(
    profile: Profile | None = None, folder: Path | None = None, n_labels: int = N_LABELS
) -> Path:
    """Return a folder with both models fine-tuned on `n_labels` labels and exported; reuse it
    when its manifest exists (delete the folder to rebuild)."""
    profile = profile or get_profile()
    folder = Path(folder) if folder is not None else artifact_dir(SERVE_NAME)
    if (folder / MANIFEST).is_file():
        return folder
    text, tokenizer, text_names, text_source = text_classifier(profile, n_labels)
    image, image_names, image_source = image_classifier(profile, n_labels)
    sources = {"text": text_source, "image": image_source, "profile": profile.name}
    sources["n_labels"] = n_labels
    return package(text, tokenizer, text_names, image, image_names, folder, sources)


def read_manifest(folder: Path) -> dict:
    """Return a served folder's manifest; BadInput naming `build` when there is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        fix = "build the models first: course_lib.serve.models.build() (or run `make serve`)"
        raise bad_input("folder", f"a folder with {MANIFEST}", str(folder), fix)
    return json.loads(path.read_text())


def exported(folder: Path, kind: str) -> dict:
    """Return {format: path, or why its export failed} of one model ('text' or 'image')."""
    files = read_manifest(folder)["files"][kind]
    return {f: Path(folder) / v if (Path(folder) / v).is_file() else v for f, v in files.items()}


def encode_texts(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], max_tokens: int = MAX_TOKENS
) -> np.ndarray:
    """Return int64 token ids (n, length) padded to the longest text (at least 2 tokens), as the
    classifiers were trained on them: no special tokens, truncated to `max_tokens`."""
    encoded = tokenizer(
        texts, add_special_tokens=False, truncation=True, max_length=max_tokens, padding=True
    )
    ids = np.asarray(encoded["input_ids"], dtype=np.int64)
    if ids.shape[1] < 2:  # the export's shortest length
        ids = np.pad(ids, ((0, 0), (0, 2 - ids.shape[1])), constant_values=tokenizer.pad_token_id)
    return ids
