"""Notebook 07's harness: draws, the validation task, recipes and the methods of run_curves."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

from course_lib.core import label_efficiency as le
from course_lib.core.finetune import two_speed_optimizer
from course_lib.core.profiles import get_profile
from course_lib.core.validate import BadInput
from course_lib.text import few_labels as fl
from course_lib.text.classify import SequenceClassifier

WORDS = {0: "river valley lake mountain", 1: "goal match league striker", 2: "enzyme cell protein"}


def toy_task(per_class=20, test_per_class=5, seed=0):
    rng = np.random.default_rng(seed)

    def texts(n):
        out, labels = [], []
        for label, words in WORDS.items():
            for _ in range(n):
                out.append(" ".join(rng.choice(words.split(), size=5)))
                labels.append(label)
        return out, np.array(labels)

    pool_texts, pool_y = texts(per_class)
    test_texts, test_y = texts(test_per_class)
    return fl.TextTask(pool_texts, pool_y, test_texts, test_y, ["geo", "sport", "bio"])


def test_validation_task_never_overlaps_the_draws_and_keeps_the_pool():
    task = toy_task()
    val = fl.validation_task(task, 9, seeds=[0, 1], size=12)
    drawn = {int(i) for s in (0, 1) for i in task.draw(9, s)}
    assert len(val.test_y) == 12 and sorted(np.bincount(val.test_y)) == [4, 4, 4]
    assert not {t for t in val.test_texts} - set(task.pool_texts)  # pool documents only
    positions = [i for i in range(len(task.pool_y)) if i not in drawn]
    assert set(val.test_texts) <= {task.pool_texts[i] for i in positions}
    np.testing.assert_array_equal(val.draw(9, 0), task.draw(9, 0))  # the same draws
    fresh = fl.validation_task(task, 9, seeds=[0, 1], size=12, part=1)
    assert not set(fresh.test_texts) & set(val.test_texts)  # a set no earlier choice saw
    assert set(fresh.test_texts) <= {task.pool_texts[i] for i in positions}
    assert len(fresh.test_y) == 12 and sorted(np.bincount(fresh.test_y)) == [4, 4, 4]
    with pytest.raises(BadInput, match="^part: "):
        fl.validation_task(task, 9, seeds=[0, 1], size=12, part=9)


def test_recipes_share_the_budget_and_slow_down_only_pretrained_weights():
    profile = SimpleNamespace(text_finetune_epochs=7, text_min_steps=11)
    recipes = fl.text_recipes(profile)
    assert {(r.epochs, r.batch_size, r.min_steps) for r in recipes.values()} == {(7, 32, 11)}
    for pretrained, scratch in (("cbow_finetuned", "scratch"), ("bert_finetuned", "bert_scratch")):
        assert recipes[pretrained].body_lr == pytest.approx(recipes[pretrained].lr / 10)
        assert recipes[scratch].body_lr is None and recipes[scratch].lr == recipes[pretrained].lr


def test_sequence_classifier_head_is_everything_but_the_base_model():
    config = BertConfig(
        vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, num_labels=3,
    )  # fmt: skip
    classifier = SequenceClassifier(BertForSequenceClassification(config), pad_id=0)
    head = {id(p) for p in classifier.head.parameters()}
    body = {id(p) for p in classifier.model.base_model.parameters()}
    assert head and not head & body
    assert len(head) + len(body) == len(list(classifier.parameters()))
    assert not any(k.startswith("head.") for k in classifier.state_dict())  # each tensor once
    two_speed_optimizer(classifier, classifier.head, 1e-3, 1e-4)


def test_methods_predict_the_test_set_and_record_the_chosen_step(tmp_path):
    task = toy_task()
    vocab = {w: i + 1 for i, w in enumerate(sorted(set(" ".join(WORDS.values()).split())))}

    def ids(texts):
        return torch.tensor([[vocab[w] for w in t.split()] for t in texts])

    pool_x, test_x = ids(task.pool_texts), ids(task.test_texts)
    vectors = torch.randn(len(vocab) + 1, 8)
    recipe = fl.text_recipes(SimpleNamespace(text_finetune_epochs=2, text_min_steps=5))["scratch"]
    records = {}
    method = le.trained_method(
        lambda s: fl.bag_maker(vectors, 3, 0, False, s), pool_x, test_x, task.pool_y, recipe,
        tmp_path, records,
    )  # fmt: skip
    drawn = task.draw(30, 0)
    assert method(drawn, 0).shape == (15,)
    record = records[(30, 0)]
    assert 1 <= record["steps"] <= record["budget_steps"] and record["val"] == 6
    assert fl.chosen_steps(records, 30) == f"{record['steps']}/{record['budget_steps']}"
    features = np.eye(3)[task.pool_y] + 0.01 * np.random.default_rng(0).normal(size=(60, 3))
    probe = le.probe_method(features, np.eye(3)[task.test_y], task.pool_y)
    assert (probe(drawn, 0) == task.test_y).mean() == 1.0
    assert (fl.tfidf_method(task)(drawn, 0) == task.test_y).mean() > 0.9


def test_pool_features_compute_only_the_drawn_documents():
    seen = []

    def compute(docs):
        seen.extend(docs)
        return np.ones((len(docs), 2))

    out = fl.pool_features([3, 1, 3], compute, n_pool=5)
    assert seen == [1, 3] and out.shape == (5, 2)
    np.testing.assert_array_equal(out.sum(1), [0, 2, 0, 2, 0])
    with pytest.raises(ValueError, match="at least one"):
        fl.pool_features([], compute, 5)


def test_run_summary_table_and_gap():
    history = {
        "eval": [
            {"step": 10, "val_loss": 1.0, "train_loss": 0.5, "val_macro_f1": 0.5},
            {"step": 20, "val_loss": 1.2, "train_loss": 0.1, "val_macro_f1": 0.4},
        ],
        "best": {"step": 10, "val_loss": 1.0},
    }
    summary = fl.run_summary(history)
    assert summary["kept"]["step"] == 10 and summary["last"]["step"] == 20
    run = {"accuracy": 0.5, "precision": 0.5, "recall": 0.5, "macro_f1": 0.4}
    table = fl.results_table({"a": {100: [run, run]}}, {"a": "no"})
    assert "| `a` | no | 0.500" in table and "**0.400** ± 0.000" in table
    curves = {"a": {"100": {"mean": 0.6, "std": 0.02}}, "b": {"100": {"mean": 0.5, "std": 0.01}}}
    gap, noise = fl.clearly_better(curves, "a", "b")
    assert gap == pytest.approx(0.1) and noise == pytest.approx(0.04)


def review_texts(n=200, seed=0):
    """Two-class toy reviews with string labels: the class words decide, the rest is noise."""
    rng = np.random.default_rng(seed)
    words = {"pos": "great moving superb warm funny", "neg": "dull flat boring weak tedious"}
    common = "the film was a with its plot cast and story".split()
    texts, labels = [], []
    for i in range(n):
        label = "pos" if i % 2 else "neg"
        chosen = list(rng.choice(common, 6)) + list(rng.choice(words[label].split(), 2))
        texts.append(" ".join(rng.permutation(chosen)) + f" number {i}")
        labels.append(label)
    return texts, labels


def test_text_task_splits_stratified_seeded_and_drops_leaks():
    texts, labels = review_texts(100)
    task = fl.text_task(texts, labels, test_size=0.3, seed=0)
    assert task.names == ["neg", "pos"] and len(task.test_y) == 30
    assert sorted(np.bincount(task.test_y)) == [15, 15]
    assert len(task.pool_y) + len(task.test_y) + task.dropped_leaks == 100
    assert not set(task.pool_texts) & set(task.test_texts)
    same = fl.text_task(texts, labels, test_size=30, seed=0)
    assert same.test_texts == task.test_texts and same.pool_texts == task.pool_texts
    assert fl.text_task(texts, labels, seed=1).test_texts != task.test_texts
    named = fl.text_task(texts, [1 if y == "pos" else 0 for y in labels], names=["bad", "good"])
    assert named.names == ["bad", "good"] and named.test_texts == task.test_texts


def test_text_task_drops_pool_copies_of_test_texts():
    texts, labels = review_texts(60)
    task = fl.text_task(texts + [t.upper() for t in texts], labels * 2, test_size=30, seed=0)
    tests = {t.lower() for t in task.test_texts}
    assert task.dropped_leaks > 0 and not {t.lower() for t in task.pool_texts} & tests
    assert len(task.pool_texts) + 30 + task.dropped_leaks == 120


def test_text_task_with_groups_keeps_each_group_on_one_side():
    texts, labels = review_texts(100)
    movies = [f"movie{i % 10}" for i in range(100)]
    task = fl.text_task(texts, labels, test_size=0.2, seed=0, groups=movies)
    test = {movies[i] for i in task.test_ids}
    assert len(test) == 2 and not test & {movies[i] for i in task.pool_ids}
    assert task.test_texts == [texts[i] for i in task.test_ids]
    assert task.pool_texts == [texts[i] for i in task.pool_ids]


def test_text_methods_run_the_whole_comparison_on_two_string_classes(tmp_path):
    from course_lib.text import mlm
    from course_lib.text.tokenizer import build_tokenizer

    texts, labels = review_texts(200)
    task = fl.text_task(texts, labels, test_size=0.3, seed=0)
    tokenizer = build_tokenizer(texts, 80)
    bert = mlm.build_bert(len(tokenizer), 16, 1, 2, 32, tokenizer.pad_token_id)
    bert.save_pretrained(tmp_path / "bert")
    tokenizer.save_pretrained(tmp_path / "bert")
    profile = SimpleNamespace(
        name="smoke",
        text_max_tokens=16,
        text_finetune_epochs=1,
        text_min_steps=4,
        text_minilm_max_labels=10,
    )
    counts, seeds, records = [10, 100], [0], {}
    vectors = torch.randn(len(tokenizer), 8)
    bert_at = tmp_path / "bert"
    methods = fl.text_methods(
        task, profile, counts, seeds, vectors, tokenizer, bert_at, True, "t", records, bert_at,
        setfit=True,
    )  # fmt: skip
    assert list(methods) == [
        "tfidf", "scratch", "cbow_probe", "cbow_finetuned", "simcse_probe", "cbow_simcse_probe",
        "cbow_simcse_setfit", "bert_probe", "bert_finetuned", "bert_scratch", "minilm_probe",
    ]  # fmt: skip
    at = {m: counts for m in methods} | {"minilm_probe": [10]}
    scores, kept = le.run_curves(methods, at, seeds, task.draw, task.test_y, len(task.names))
    curves = le.curves_of(scores)
    assert set(kept) == set(methods) - {"minilm_probe"} and len(kept["tfidf"]) == len(task.test_y)
    assert curves["tfidf"]["100"]["mean"] > 0.9  # the class words are in the text
    assert set(records) == {"scratch", "cbow_finetuned", "bert_finetuned", "bert_scratch"}
    assert set(fl.CANDIDATES) <= set(methods)
    result = le.headline(curves, "cbow_finetuned", ("tfidf", "scratch"))
    assert result["multiplier_at_100"] > 0 and len(result["multiplier_at_100_per_seed"]) == 1
    only_tfidf = fl.text_methods(task, profile, counts, seeds, minilm=False)
    assert list(only_tfidf) == ["tfidf"]


BAD = [
    (lambda t, y: fl.text_task("one review", ["pos"]), r"^texts: expected a list of texts"),
    (lambda t, y: fl.text_task(t, y[:-1]), r"^labels: expected one label per text"),
    (lambda t, y: fl.text_task(t, ["pos"] * len(t)), r"^labels: expected at least 2 different"),
    (lambda t, y: fl.text_task(t, y, test_size=0), r"^test_size: expected an int >= 1"),
    (lambda t, y: fl.text_task(t, y, test_size=1.5), r"^test_size: expected an int"),
    (lambda t, y: fl.text_task(t, y, test_size=59), r"^test_size: expected between 2 and 56"),
    (lambda t, y: fl.text_task(t, y, names=["a"]), r"^names: expected 2 class names"),
    (lambda t, y: fl.text_task(t, y, seed=0.5), r"^seed: expected an int"),
    (lambda t, y: fl.text_task(t, y, groups=["a"] * 59), r"^groups: expected 60 labels"),
    (lambda t, y: fl.text_task(t, y, groups=["a"] * 60), r"^groups: expected enough groups"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_text_task_refuses_bad_input(call, match):
    from course_lib.core.validate import BadInput

    texts, labels = review_texts(60)
    with pytest.raises(BadInput, match=match) as caught:
        call(texts, labels)
    assert "Fix: " in str(caught.value)


def test_the_preregistered_text_headline_is_the_committed_screens_choice():
    record = fl.screen_record()
    best = max(record["candidates"], key=lambda m: record["macro_f1"][m]["mean"])
    assert le.PREREGISTERED["text"] == record["chosen"] == best
    assert set(record["candidates"]) == set(fl.CANDIDATES)
    assert {"tfidf", "scratch"} <= set(record["macro_f1"]) and record["seeds"] == [0, 1, 2]


def test_screen_scores_every_candidate_on_pool_documents_and_records_the_choice(monkeypatch):
    written = {}
    monkeypatch.setattr(fl, "update_results", lambda name, record, profile: written.update(record))
    record = fl.screen(get_profile("smoke"), n=20, seeds=(0,), size=40)
    assert written == record and record["validation_documents"] == 40
    for part in ("macro_f1", "design_macro_f1"):  # fresh documents, and the design set
        assert set(fl.CANDIDATES) | {"tfidf", "scratch"} <= set(record[part])
    assert record["chosen"] == max(fl.CANDIDATES, key=lambda m: record["macro_f1"][m]["mean"])
    table = fl.screen_table(record)
    assert table.count("\n") == len(record["macro_f1"]) + 1 and f"`{record['chosen']}`" in table
