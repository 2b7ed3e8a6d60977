"""Few labels with contrastive sentence embeddings: SetFit (Tunstall et al. 2022), with the package.

SetFit fine-tunes a sentence encoder on pairs built from the few labels (same topic: similar,
different topics: dissimilar), then fits a logistic head on its embeddings. Here the head is the
course's probe (`core.probe.fit_probe`, C chosen on a fifth of the labels), so that the one
difference with the frozen probe of the same encoder is the contrastive fine-tuning.
Both run as methods of `core.label_efficiency.run_curves`: (drawn pool positions, seed) -> predictions.
"""

import contextlib
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from datasets import Dataset
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
from setfit import SetFitModel, Trainer, TrainingArguments

from course_lib.core.paths import artifact_dir
from course_lib.core.probe import fit_probe, joined_features
from course_lib.core.validate import bad_input, check_choice, check_number, check_texts
from course_lib.data.sources import minilm_path


class LabeledTexts(Protocol):
    """What `methods_for` reads of a task (e.g. `few_labels.TextTask`): pool, its labels, test."""

    pool_texts: list[str]
    pool_y: np.ndarray
    test_texts: list[str]


# sizes per profile (notebook 09): pairs per labeled text, steps cap, batch, tokens per text
SIZES = {
    "smoke": {"iterations": 2, "max_steps": 4, "batch_size": 8, "max_tokens": 32},
    "cpu": {"iterations": 5, "max_steps": 20, "batch_size": 16, "max_tokens": 32},
    "gpu": {"iterations": 20, "max_steps": 500, "batch_size": 32, "max_tokens": 128},
}
# the encoder's learning rate: SetFit's default for MiniLM (not screened: its runs are the costly
# ones); for the course's small BERT the best validation mean macro-F1 of 2e-5, 2e-4, 2e-3 and 2e-2
# (0.590, 0.595, 0.607, 0.315; frozen probe 0.588) at 100 labels, seeds 0-2, on 2,000 pool documents
# outside every draw (`few_labels.validation_task`), cpu sizes: never the test set
BODY_LR = {"minilm": 2e-5, "course": 2e-3}
# notebook 07's SetFit of the document encoder, read beside CBOW (`few_labels.document_methods`):
# more pairs and steps than notebook 09's short runs, and whole summaries (the encoder's 128
# positions); its learning rate chosen on the first 2,000 validation documents (2e-4: joined
# macro-F1 0.694, 2e-3: 0.690, frozen 0.681), never the test set
DOCUMENT_SIZES = {
    "smoke": {"iterations": 2, "max_steps": 4, "batch_size": 8, "max_tokens": 32},
    "cpu": {"iterations": 20, "max_steps": 100, "batch_size": 16, "max_tokens": 128},
    "gpu": {"iterations": 20, "max_steps": 500, "batch_size": 32, "max_tokens": 128},
}
DOCUMENT_LR = 2e-4
ENCODERS = ("minilm", "course")


def sentence_encoder(
    kind: str, folder: str | Path | None = None, max_tokens: int = 64
) -> SentenceTransformer:
    """Return a sentence-transformers encoder: all-MiniLM-L6-v2, or the course's BERT (a saved
    folder) with mean pooling, reading at most `max_tokens` tokens."""
    check_choice(kind, "kind", ENCODERS)
    if kind == "minilm":
        model = SentenceTransformer(str(minilm_path()), device="cpu")
    else:
        body = Transformer(str(folder), max_seq_length=max_tokens)
        pooling = Pooling(body.get_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[body, pooling], device="cpu")
    model.max_seq_length = max_tokens
    return model


def fine_tune(
    encoder: SentenceTransformer,
    texts: Sequence[str],
    labels: Iterable[int],
    sizes: dict,
    run_dir: str | Path,
    seed: int,
    body_lr: float = BODY_LR["minilm"],
) -> SentenceTransformer:
    """SetFit's contrastive phase: fine-tune `encoder` on pairs of the labeled texts (seeded)."""
    texts = check_texts(texts, "texts", min_count=2)
    labels_ = [int(y) for y in labels]
    model = SetFitModel(model_body=encoder)
    args = TrainingArguments(
        output_dir=str(run_dir),
        batch_size=sizes["batch_size"],
        num_iterations=sizes["iterations"],
        num_epochs=1,
        max_steps=sizes["max_steps"],
        body_learning_rate=check_number(body_lr, "body_lr", 0.0, 1.0, open_low=True),
        seed=seed,
        report_to="none",
        save_strategy="no",
        logging_strategy="no",
        logging_first_step=False,
        show_progress_bar=False,
    )
    data = Dataset.from_dict({"text": list(texts), "label": labels_})
    logging.getLogger("setfit").setLevel(logging.WARNING)  # no banner per run
    with contextlib.redirect_stdout(io.StringIO()):  # nor the trainer's final log line
        Trainer(model=model, args=args, train_dataset=data).train_embeddings(list(texts), labels_)
    return model.model_body


def embed(encoder: SentenceTransformer, texts: Sequence[str]) -> np.ndarray:
    """Return the encoder's sentence embeddings (numpy) of `texts`."""
    return encoder.encode(check_texts(texts), batch_size=64, convert_to_numpy=True)


def frozen_probe_method(
    make: Callable[[], SentenceTransformer],
    pool_texts: Sequence[str],
    pool_y: np.ndarray,
    test_texts: Sequence[str],
) -> Callable:
    """The course's probe on the encoder's frozen embeddings (only drawn pool texts embedded)."""
    encoder, cache = make(), {}
    test_x = embed(encoder, test_texts)

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        missing = [int(i) for i in drawn if int(i) not in cache]
        if missing:
            cache.update(
                zip(missing, embed(encoder, [pool_texts[i] for i in missing]), strict=True)
            )
        x = np.stack([cache[int(i)] for i in drawn])
        return fit_probe(x, pool_y[drawn], seed=seed).predict(test_x)

    return run


def setfit_method(
    make: Callable[[], SentenceTransformer],
    pool_texts: Sequence[str],
    pool_y: np.ndarray,
    test_texts: Sequence[str],
    sizes: dict,
    run_dir: str | Path,
    body_lr: float = BODY_LR["minilm"],
    beside: tuple[np.ndarray, np.ndarray] | None = None,
) -> Callable:
    """SetFit: a fresh encoder fine-tuned on pairs of the drawn labels, then the course's probe;
    with `beside` (pool, test features of another encoder), the probe reads both side by side."""
    if beside is not None and [len(x) for x in beside] != [len(pool_texts), len(test_texts)]:
        fix = "compute the other encoder's features for every pool text and every test text"
        rows = [len(pool_texts), len(test_texts)]
        raise bad_input("beside", f"(pool, test) features with {rows} rows", beside, fix)

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        texts = [pool_texts[i] for i in drawn]
        where = Path(run_dir) / f"{len(drawn)}_{seed}"
        encoder = fine_tune(make(), texts, pool_y[drawn], sizes, where, seed, body_lr)
        train_x, test_x = embed(encoder, texts), embed(encoder, test_texts)
        if beside is not None:
            train_x = joined_features(beside[0][drawn], train_x)
            test_x = joined_features(beside[1], test_x)
        return fit_probe(train_x, pool_y[drawn], seed=seed).predict(test_x)

    return run


def methods_for(
    task: LabeledTexts, bert_folder: str | Path, sizes: dict, run_prefix: str
) -> dict[str, Callable]:
    """Return notebook 09's four methods on a `few_labels.TextTask`: the frozen probe and SetFit
    of MiniLM and of the course's BERT (saved in `bert_folder`), all reading sizes["max_tokens"]."""
    methods = {}
    for kind in ENCODERS:

        def make(kind: str = kind) -> SentenceTransformer:
            return sentence_encoder(kind, bert_folder, sizes["max_tokens"])

        pool, y, test = task.pool_texts, task.pool_y, task.test_texts
        methods[f"{kind}_probe"] = frozen_probe_method(make, pool, y, test)
        run_dir = Path(artifact_dir(f"{run_prefix}_{kind}"))
        methods[f"{kind}_setfit"] = setfit_method(
            make, pool, y, test, sizes, run_dir, BODY_LR[kind]
        )
    return methods
