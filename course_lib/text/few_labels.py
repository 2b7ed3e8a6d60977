"""Notebook 07's harness: the Wikipedia-topics task and every text classifier of the comparison as
a method of `core.label_efficiency.run_curves`: (labeled pool positions, seed) -> test predictions.

Every method chooses its one knob on a stratified fifth of its own labels and is then refitted on
all of them: the probes their regularisation C (`core.probe`), the trained classifiers their
number of steps (`core.finetune`). The test set is only ever predicted.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification
from transformers.utils import logging

from course_lib.core.finetune import Recipe
from course_lib.data.sources import load_wiki_summaries
from course_lib.data.splits import sample_labeled, text_split
from course_lib.text.classify import BagClassifier, SequenceClassifier, tfidf_predict

# the course's own pretrained candidates for the headline (chosen among on validation documents)
CANDIDATES = ("cbow_probe", "cbow_finetuned", "bert_probe", "bert_finetuned")
BATCH_SIZE = 32


@dataclass
class TextTask:
    """A labeled pool to draw the few labels from, and a set of documents to score once."""

    pool_texts: list[str]
    pool_y: np.ndarray
    test_texts: list[str]
    test_y: np.ndarray
    names: list[str]

    def draw(self, n: int, seed: int) -> np.ndarray:
        """Return the pool positions of n stratified, seeded labeled documents."""
        return np.array(sample_labeled(self.pool_y, n, seed))


def wiki_task(test_size: int | None = None) -> TextTask:
    """Return the Wikipedia topics: the labeled pool and the held-out test set (a stratified,
    seeded subset of `test_size` documents when given)."""
    corpus, split = load_wiki_summaries(), text_split()
    labels, texts = np.array(corpus["label"]), corpus["text"]
    pool, test = np.array(split["pool"]), np.array(split["test"])
    if test_size:
        test = test[sample_labeled(labels[test], test_size, seed=0)]
    return TextTask(
        [texts[i] for i in pool],
        labels[pool],
        [texts[i] for i in test],
        labels[test],
        list(corpus.features["label"].names),
    )


def validation_task(task: TextTask, n: int, seeds: Sequence[int], size: int) -> TextTask:
    """Return `task` with its test set replaced by `size` pool documents that no draw of n labels
    for `seeds` contains: for choosing among methods without ever touching the test set."""
    used = {int(i) for s in seeds for i in task.draw(n, s)}
    rest = np.array(sorted(set(range(len(task.pool_y))) - used))
    val = rest[sample_labeled(task.pool_y[rest], min(size, len(rest)), seed=0)]
    texts = [task.pool_texts[i] for i in val]
    return TextTask(task.pool_texts, task.pool_y, texts, task.pool_y[val], task.names)


def text_recipes(profile) -> dict[str, Recipe]:
    """Return each trained method's recipe: the same epochs, batch and step floor for all; the
    pretrained weights learn 10x slower than the new head, a model from scratch at one rate."""
    shared = {
        "epochs": profile.text_finetune_epochs,
        "batch_size": BATCH_SIZE,
        "min_steps": profile.text_min_steps,
    }
    return {
        "cbow_finetuned": Recipe(lr=1e-2, body_lr=1e-3, **shared),
        "scratch": Recipe(lr=1e-2, **shared),
        "bert_finetuned": Recipe(lr=1e-3, body_lr=1e-4, warmup_frac=0.1, **shared),
        "bert_scratch": Recipe(lr=1e-3, warmup_frac=0.1, **shared),
    }


def bag_maker(vectors: torch.Tensor, n_classes: int, pad_id: int, pretrained: bool, seed: int):
    """Return make_model() for the bag-of-vectors classifier: from `vectors` or random ones."""

    def make() -> BagClassifier:
        torch.manual_seed(seed)
        if pretrained:
            return BagClassifier.from_vectors(vectors, n_classes, pad_id)
        return BagClassifier(vectors.shape[0], vectors.shape[1], n_classes, pad_id)

    return make


def bert_maker(folder, n_classes: int, pad_id: int, pretrained: bool, seed: int):
    """Return make_model() for the small BERT + a new classification head: its pretrained
    weights, or the same architecture from random init."""

    def make() -> SequenceClassifier:
        torch.manual_seed(seed)
        verbosity = logging.get_verbosity()
        logging.set_verbosity_error()  # "newly initialized: classifier" is the point here
        try:
            if pretrained:
                model = AutoModelForSequenceClassification.from_pretrained(
                    folder, num_labels=n_classes
                )
            else:
                config = AutoConfig.from_pretrained(folder, num_labels=n_classes)
                model = AutoModelForSequenceClassification.from_config(config)
        finally:
            logging.set_verbosity(verbosity)
        return SequenceClassifier(model, pad_id)

    return make


Method = Callable[[np.ndarray, int], np.ndarray]


def tfidf_method(task: TextTask) -> Method:
    """TF-IDF fitted on the labeled texts + the course's probe."""

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        texts = [task.pool_texts[i] for i in drawn]
        return tfidf_predict(texts, task.pool_y[drawn], task.test_texts, seed)

    return run


def pool_features(docs, compute: Callable[[list[int]], np.ndarray], n_pool: int) -> np.ndarray:
    """Return (n_pool, d) features with only the rows of `docs` computed (the rest stay zero and
    must never be read): for features too costly to compute for the whole pool."""
    docs = sorted({int(d) for d in docs})
    if not docs:
        raise ValueError("expected at least one pool document to compute features for")
    computed = np.asarray(compute(docs), dtype=np.float32)
    out = np.zeros((n_pool, computed.shape[1]), dtype=np.float32)
    out[docs] = computed
    return out


def chosen_steps(records: dict, n: int) -> str:
    """Return 'chosen step / budget' of every seed's run at n labels, e.g. '60/90, 80/90'."""
    runs = [r for (count, _), r in sorted(records.items()) if count == n]
    return ", ".join(f"{r['steps']}/{r['budget_steps']}" for r in runs)


def results_table(scores: dict, kinds: dict[str, str], n: int = 100) -> str:
    """Return a markdown table of every method at n labels: accuracy, precision, recall and
    macro-F1 (mean ± std over seeds); `kinds[method]` says what it was pretrained on."""
    rows = [
        "| method | pretrained | accuracy | precision | recall | macro-F1 (mean ± std) |",
        "|---|---|---|---|---|---|",
    ]
    for method, by_n in scores.items():
        runs = by_n[n]
        mean = {k: float(np.mean([s[k] for s in runs])) for k in runs[0]}
        std = float(np.std([s["macro_f1"] for s in runs]))
        rows.append(
            f"| `{method}` | {kinds[method]} | {mean['accuracy']:.3f} | {mean['precision']:.3f} "
            f"| {mean['recall']:.3f} | **{mean['macro_f1']:.3f}** ± {std:.3f} |"
        )
    return "\n".join(rows)


def clearly_better(curves: dict, method: str, other: str, n: int = 100) -> tuple[float, float]:
    """Return (gap in mean score at n labels, twice the larger seed spread of the two)."""
    a, b = curves[method][str(n)], curves[other][str(n)]
    return a["mean"] - b["mean"], 2 * max(a["std"], b["std"])


def run_summary(history: dict) -> dict[str, dict]:
    """Return the evaluations of a run with validation at its kept step ('kept': the lowest
    validation loss) and at its last step ('last')."""
    by_step = {e["step"]: e for e in history["eval"]}
    return {"kept": by_step[history["best"]["step"]], "last": history["eval"][-1]}


def shown_not_judged(claim: str, value: float, bound: float) -> bool:
    """Print a claim's numbers without a verdict (a run too small to judge it); return False."""
    print(f"[NOT JUDGED: one seed] {claim} ({value:.4g} vs {bound:.4g} needed)")
    return False
