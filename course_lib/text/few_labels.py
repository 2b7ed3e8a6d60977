"""Notebook 07's harness: the Wikipedia-topics task and every text classifier of the comparison as
a method of `core.label_efficiency.run_curves`: (labeled pool positions, seed) -> test predictions.

Every method chooses its one knob on a stratified fifth of its own labels and is then refitted on
all of them: the probes their regularisation C (`core.probe`), the trained classifiers their
number of steps (`core.finetune`). The test set is only ever predicted.
"""

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedTokenizerBase,
)
from transformers.utils import logging

from course_lib.core import label_efficiency as le
from course_lib.core.finetune import Recipe
from course_lib.core.paths import REFERENCE_DIR, artifact_dir, results_path
from course_lib.core.probe import joined_features
from course_lib.core.profiles import Profile, get_profile
from course_lib.core.results import update_results
from course_lib.core.validate import bad_input, check_int, check_labels, check_number, check_texts
from course_lib.data.corpus import leaking_texts
from course_lib.data.own import encode_labels, load_labeled
from course_lib.data.sources import load_wiki_summaries
from course_lib.data.splits import grouped_split, sample_labeled, stratified_split, text_split
from course_lib.text.cbow import load_vectors
from course_lib.text.cbow import pretrained_folder as cbow_folder
from course_lib.text.classify import (
    BagClassifier,
    SequenceClassifier,
    mean_pooled,
    minilm_features,
    pooled_hidden_features,
    tfidf_predict,
    token_ids,
)
from course_lib.text.mlm import pretrained_folder as mlm_folder
from course_lib.text.setfit_few import DOCUMENT_LR, DOCUMENT_SIZES, sentence_encoder, setfit_method
from course_lib.text.simcse import REFERENCE_NAME, embed, load_encoder

# the course's own pretrained candidates for the headline (chosen among on validation documents)
CANDIDATES = (
    "cbow_probe",
    "cbow_finetuned",
    "bert_probe",
    "bert_finetuned",
    "simcse_probe",
    "cbow_simcse_probe",
    "cbow_simcse_setfit",
)
# notebook 03's BERT trained further by contrast: a sentence and the rest of its document are a
# positive pair (the text twin of SimCLR; notebook 09 builds it)
DOCUMENT_ENCODER = REFERENCE_DIR / REFERENCE_NAME
SCREEN_FILE = "text_screen.json"
SCREEN_RULE = (
    "the candidate with the highest mean macro-F1 over the seeds on the fresh validation documents "
    "(pool documents no draw uses and no earlier choice saw), fixed before the screen ran"
)
BATCH_SIZE = 32


@dataclass
class TextTask:
    """A labeled pool to draw the few labels from, and a set of documents to score once."""

    pool_texts: list[str]
    pool_y: np.ndarray
    test_texts: list[str]
    test_y: np.ndarray
    names: list[str]
    dropped_leaks: int = 0  # pool texts dropped as near duplicates of test texts
    pool_ids: list[int] | None = None  # positions of the pool texts in the texts given
    test_ids: list[int] | None = None  # positions of the test texts in the texts given

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


def text_task(
    texts: Sequence[str],
    labels: Sequence,
    test_size: int | float = 0.3,
    seed: int = 0,
    names: Sequence[str] | None = None,
    groups: Sequence | None = None,
) -> TextTask:
    """Return your labeled texts as a task: a stratified, seeded test set of `test_size` texts
    (a share when < 1) and the pool the few labels are drawn from, without any pool text that
    equals or near-duplicates a test text. Labels may be ints or strings (`encode_labels`);
    `names` renames the classes (in sorted label order). With `groups` (one per text: a movie,
    an author), the test set is a `test_size` share of whole groups instead."""
    texts, labels = load_labeled((check_texts(texts, "texts"), labels))
    y, classes = encode_labels(labels)
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != len(classes):
            raise bad_input(
                "names",
                f"{len(classes)} class names (one per class, in the order {classes})",
                names,
                "pass one name per class, or leave names out to use the labels",
            )
    check_int(seed, "seed")
    if groups is None:
        n_test = test_count(test_size, len(texts), len(classes))
        parts = stratified_split(y, {"test": n_test, "pool": -1}, seed)
    else:
        groups = check_labels(groups, "groups", length=len(texts))
        parts = grouped_split(groups, test_size, seed)
    test, pool = parts["test"], parts["pool"]
    leaks = set(leaking_texts([texts[i] for i in pool], [texts[i] for i in test]))
    pool = [i for k, i in enumerate(pool) if k not in leaks]
    return TextTask(
        [texts[i] for i in pool],
        y[pool],
        [texts[i] for i in test],
        y[test],
        names or classes,
        len(leaks),
        pool,
        list(test),
    )


def test_count(test_size: int | float, n: int, n_classes: int) -> int:
    """Return the number of test texts: `test_size` itself, or that share of n when < 1."""
    if isinstance(test_size, float) and test_size < 1:
        share = check_number(test_size, "test_size", 0, 1, "pass a share such as 0.3", True)
        count = round(share * n)
    else:
        count = check_int(test_size, "test_size", 1, "pass a count, or a share such as 0.3")
    if not n_classes <= count <= n - 2 * n_classes:
        raise bad_input(
            "test_size",
            f"between {n_classes} and {n - 2 * n_classes} test texts (of {n}, {n_classes} classes)",
            test_size,
            "keep some texts of every class for the test set and for the labeled pool",
        )
    return count


def validation_task(
    task: TextTask, n: int, seeds: Sequence[int], size: int, part: int = 0
) -> TextTask:
    """Return `task` with its test set replaced by `size` pool documents that no draw of n labels
    for `seeds` contains: for choosing among methods without ever touching the test set. Each
    `part` (0, 1, ...) is a further `size` documents, disjoint from the earlier parts': a fresh set
    for confirming a choice made on part 0."""
    part = check_int(part, "part", 0, "pass 0 for the first validation set, 1 for a fresh one")
    used = {int(i) for s in seeds for i in task.draw(n, s)}
    rest = np.array(sorted(set(range(len(task.pool_y))) - used))
    for _ in range(part + 1):
        if len(rest) < 2 * len(task.names):
            fix = "ask for fewer or smaller validation sets"
            raise bad_input("part", "a part the pool still has documents for", part, fix)
        val = rest[sample_labeled(task.pool_y[rest], min(size, len(rest)), seed=0)]
        rest = np.setdiff1d(rest, val)
    texts = [task.pool_texts[i] for i in val]
    return TextTask(task.pool_texts, task.pool_y, texts, task.pool_y[val], task.names)


def text_recipes(profile: Profile) -> dict[str, Recipe]:
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


def bag_maker(
    vectors: torch.Tensor, n_classes: int, pad_id: int, pretrained: bool, seed: int
) -> Callable[[], BagClassifier]:
    """Return make_model() for the bag-of-vectors classifier: from `vectors` or random ones."""

    def make() -> BagClassifier:
        torch.manual_seed(seed)
        if pretrained:
            return BagClassifier.from_vectors(vectors, n_classes, pad_id)
        return BagClassifier(vectors.shape[0], vectors.shape[1], n_classes, pad_id)

    return make


def bert_maker(
    folder: str | Path, n_classes: int, pad_id: int, pretrained: bool, seed: int
) -> Callable[[], SequenceClassifier]:
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


def text_methods(
    task: TextTask,
    profile: Profile,
    counts: Sequence[int],
    seeds: Sequence[int],
    vectors: torch.Tensor | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    bert_folder: str | Path | None = None,
    minilm: bool = True,
    run_name: str = "own",
    records: dict | None = None,
    document_folder: str | Path | None = None,
    setfit: bool = False,
) -> dict[str, Method]:
    """Return notebook 07's comparison as methods of `core.label_efficiency.run_curves` for any
    task: TF-IDF; with CBOW `vectors` (and their `tokenizer`) the bag of vectors from scratch,
    probed and fine-tuned; with a pretrained BERT folder its probe, fine-tuning and the same
    architecture from scratch; with `document_folder` (and CBOW `vectors`) the document encoder's
    probe, alone and beside CBOW's (and with `setfit`, fine-tuned by SetFit on each draw's labels,
    beside CBOW's); with `minilm` the MiniLM probe. Features are computed only for
    the pool texts that some draw of `counts` x `seeds` uses; trained runs go to
    artifacts/<run_name>_<method>/ and record their choice of steps in `records[method]`."""
    recipes, records = text_recipes(profile), {} if records is None else records

    def trained(name: str, make: Callable, pool_x: torch.Tensor, test_x: torch.Tensor) -> Method:
        run_dir, choices = artifact_dir(f"{run_name}_{name}"), records.setdefault(name, {})
        return le.trained_method(make, pool_x, test_x, task.pool_y, recipes[name], run_dir, choices)

    drawn = {int(i) for n in counts for s in seeds for i in task.draw(n, s)}
    methods = {"tfidf": tfidf_method(task)}
    if vectors is not None:
        texts = (task.pool_texts, task.test_texts)
        ids = tuple(token_ids(tokenizer, t, profile.text_max_tokens) for t in texts)
        cbow_x = tuple(mean_pooled(vectors, i, tokenizer.pad_token_id) for i in ids)  # frozen
        methods |= bag_methods(task, vectors, tokenizer.pad_token_id, trained, ids, cbow_x)
    if document_folder is not None and vectors is not None:
        fit = (DOCUMENT_SIZES[profile.name], artifact_dir(f"{run_name}_setfit")) if setfit else None
        methods |= document_methods(
            task, document_folder, profile.text_max_tokens, drawn, cbow_x, fit
        )
    bert_len = profile.text_max_tokens
    if bert_folder is not None:
        positions = AutoConfig.from_pretrained(bert_folder).max_position_embeddings
        bert_len = min(bert_len, positions)
        methods |= bert_methods(task, bert_folder, bert_len, drawn, trained)
    if minilm:
        few = {int(i) for n in counts if n <= profile.text_minilm_max_labels for s in seeds
               for i in task.draw(n, s)}  # fmt: skip
        methods["minilm_probe"] = minilm_method(task, few, min(bert_len, 128))
    return methods


def bag_methods(
    task: TextTask,
    vectors: torch.Tensor,
    pad: int,
    trained: Callable[[str, Callable, torch.Tensor, torch.Tensor], Method],
    ids: tuple,
    pooled: tuple,
) -> dict[str, Method]:
    """The bag of CBOW vectors on the (pool, test) token `ids`: from random vectors ('scratch'),
    probed on `pooled` (the mean CBOW vector of each text), fine-tuned."""
    k, (pool, test) = len(task.names), ids
    return {
        "scratch": trained("scratch", partial(bag_maker, vectors, k, pad, False), pool, test),
        "cbow_probe": le.probe_method(*pooled, task.pool_y),
        "cbow_finetuned": trained(
            "cbow_finetuned", partial(bag_maker, vectors, k, pad, True), pool, test
        ),
    }


def bert_methods(
    task: TextTask,
    folder: str | Path,
    length: int,
    drawn: set[int],
    trained: Callable[[str, Callable, torch.Tensor, torch.Tensor], Method],
) -> dict[str, Method]:
    """The small BERT of `folder`: probed (features of the drawn pool texts only), fine-tuned,
    and the same architecture from random init."""
    k, tokenizer = len(task.names), AutoTokenizer.from_pretrained(folder)
    pad = tokenizer.pad_token_id
    pool, test = (token_ids(tokenizer, t, length) for t in (task.pool_texts, task.test_texts))
    encoder = bert_maker(folder, k, pad, True, 0)().model.base_model  # no head
    features = partial(pooled_hidden_features, encoder, pad_id=pad)
    pool_x = pool_features(drawn, lambda d: features(pool[d]), len(task.pool_y))
    return {
        "bert_probe": le.probe_method(pool_x, features(test), task.pool_y),
        "bert_finetuned": trained(
            "bert_finetuned", partial(bert_maker, folder, k, pad, True), pool, test
        ),
        "bert_scratch": trained(
            "bert_scratch", partial(bert_maker, folder, k, pad, False), pool, test
        ),
    }


def document_methods(
    task: TextTask,
    folder: str | Path,
    max_tokens: int,
    drawn: set[int],
    cbow_x: tuple[np.ndarray, ...],
    setfit: tuple[dict, str | Path] | None = None,
) -> dict[str, Method]:
    """The document encoder of `folder`, probed alone ('simcse_probe') and side by side with the
    mean CBOW vectors `cbow_x` (pool, test) ('cbow_simcse_probe'); pool features of the drawn
    texts only. With `setfit` (SetFit's sizes, a run folder), also the encoder fine-tuned by
    SetFit on each draw's labels, then probed beside CBOW ('cbow_simcse_setfit')."""
    methods = {}
    if setfit is not None:
        sizes, run_dir = setfit
        make = partial(sentence_encoder, "course", folder, sizes["max_tokens"])
        methods["cbow_simcse_setfit"] = setfit_method(
            make, task.pool_texts, task.pool_y, task.test_texts, sizes, run_dir, DOCUMENT_LR, cbow_x
        )
    model, tokenizer = load_encoder(folder, dropout=0.0)

    def features(texts: list[str]) -> np.ndarray:
        return embed(model, tokenizer, texts, max_tokens)

    pool_x = pool_features(
        drawn, lambda d: features([task.pool_texts[i] for i in d]), len(task.pool_y)
    )
    test_x = features(task.test_texts)
    joined = joined_features(cbow_x[0], pool_x), joined_features(cbow_x[1], test_x)
    return {
        "simcse_probe": le.probe_method(pool_x, test_x, task.pool_y),
        "cbow_simcse_probe": le.probe_method(*joined, task.pool_y),
    } | methods


def minilm_method(task: TextTask, drawn: set[int], max_length: int) -> Method:
    """The MiniLM probe (pretrained at scale), features of the drawn pool texts only."""
    pool_x = pool_features(
        drawn,
        lambda d: minilm_features([task.pool_texts[i] for i in d], max_length=max_length),
        len(task.pool_y),
    )
    test_x = minilm_features(task.test_texts, max_length=max_length)
    return le.probe_method(pool_x, test_x, task.pool_y)


def tfidf_method(task: TextTask) -> Method:
    """TF-IDF fitted on the labeled texts + the course's probe."""

    def run(drawn: np.ndarray, seed: int) -> np.ndarray:
        texts = [task.pool_texts[i] for i in drawn]
        return tfidf_predict(texts, task.pool_y[drawn], task.test_texts, seed)

    return run


def pool_features(
    docs: Iterable[int], compute: Callable[[list[int]], np.ndarray], n_pool: int
) -> np.ndarray:
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


def screen(
    profile: Profile, n: int = 100, seeds: Sequence[int] = (0, 1, 2), size: int = 2000
) -> dict:
    """Run the course's own pretrained candidates (and the baselines, for reference) with n labels
    on two sets of `size` pool documents that no draw uses: the design set (part 0, where the
    candidates were shaped) and a fresh set (part 1), where the rule chooses. Write the scores to
    results/text_screen.json: how notebook 07's headline method is chosen without the test set."""
    check_int(n, "n", 2, "pass the number of labels, e.g. 100")
    size = check_int(size, "size", 10)
    (vectors_at, which), (bert_at, _) = cbow_folder(profile), mlm_folder(profile)
    vectors, tokenizer = load_vectors(vectors_at)
    task, curves = wiki_task(), {}
    for part, name in enumerate(("design", "fresh")):
        val = validation_task(task, n, seeds, size, part)
        methods = text_methods(
            val, profile, [n], seeds, vectors, tokenizer, bert_at, False, f"screen{part}", None,
            DOCUMENT_ENCODER, setfit=True,
        )  # fmt: skip
        at = {m: [n] for m in methods}
        scores, _ = le.run_curves(methods, at, seeds, val.draw, val.test_y, len(val.names))
        curves[name] = {m: c[str(n)] for m, c in le.curves_of(scores).items()}
    record = {
        "n_labels": n,
        "seeds": list(seeds),
        "validation_documents": len(val.test_y),
        "cbow_vectors": which,
        "rule": SCREEN_RULE,
        "candidates": list(CANDIDATES),
        "macro_f1": curves["fresh"],
        "design_macro_f1": curves["design"],
        "chosen": max(CANDIDATES, key=lambda m: curves["fresh"][m]["mean"]),
    }
    update_results(SCREEN_FILE, record, profile.name)
    return record


def screen_record() -> dict:
    """Return the committed validation screen (results/text_screen.json, made by this module's
    command in the cpu profile); FileNotFoundError naming the command when it is missing."""
    path = results_path(SCREEN_FILE, "cpu")
    if not path.is_file():
        raise FileNotFoundError(
            f"no {SCREEN_FILE} in results/: run `python -m course_lib.text.few_labels --profile cpu`"
        )
    return json.loads(path.read_text())


def screen_table(record: dict) -> str:
    """Return a markdown table of a screen's macro-F1 on the fresh validation documents (every
    seed, mean; the rule reads this) and the mean on the design documents."""
    rows = [
        "| method | candidate? | fresh: macro-F1 per seed | fresh: mean | design: mean |",
        "|---|---|---|---|---|",
    ]
    for method, score in sorted(record["macro_f1"].items(), key=lambda kv: -kv[1]["mean"]):
        mark = "yes" if method in record["candidates"] else "baseline"
        mean = f"**{score['mean']:.3f}**" if method == record["chosen"] else f"{score['mean']:.3f}"
        seeds = " / ".join(f"{s:.3f}" for s in score["seeds"])
        design = record["design_macro_f1"][method]["mean"]
        rows.append(f"| `{method}` | {mark} | {seeds} | {mean} | {design:.3f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """`python -m course_lib.text.few_labels --profile cpu`: the validation screen of the
    headline candidates (results/text_screen.json for the cpu profile)."""
    parser = argparse.ArgumentParser(description="Screen notebook 07's headline candidates.")
    parser.add_argument("--profile", default=None, help="smoke, cpu or gpu")
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--size", type=int, default=2000, help="validation documents")
    args = parser.parse_args(argv)
    record = screen(get_profile(args.profile), args.labels, size=args.size)
    print(screen_table(record))
    print(f"chosen by the rule ({record['rule']}): {record['chosen']}")


if __name__ == "__main__":
    main()
