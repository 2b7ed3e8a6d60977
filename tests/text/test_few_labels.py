"""Notebook 07's harness: draws, the validation task, recipes and the methods of run_curves."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

from course_lib.core import label_efficiency as le
from course_lib.core.finetune import two_speed_optimizer
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
