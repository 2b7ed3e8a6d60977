"""Few-label text classifiers: TF-IDF baseline, bag of word vectors, frozen encoder features."""

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

from course_lib.text.classify import (
    BagClassifier,
    SequenceClassifier,
    mean_pooled,
    minilm_features,
    pooled_hidden_features,
    tfidf_predict,
)

TOPICS = {
    0: "the river flows through the valley past the mountain lake",
    1: "the striker scored a goal in the final match of the league",
    2: "the enzyme binds the protein inside the cell membrane",
}


def corpus(n_per_topic, seed):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, sentence in TOPICS.items():
        words = sentence.split()
        for _ in range(n_per_topic):
            texts.append(" ".join(rng.choice(words, size=6)))
            labels.append(label)
    return texts, np.array(labels)


def test_tfidf_separates_topics_and_refuses_mismatched_labels():
    texts, labels = corpus(6, 0)
    test_texts, test_labels = corpus(10, 1)
    assert (tfidf_predict(texts, labels, test_texts) == test_labels).mean() > 0.9
    with pytest.raises(ValueError, match="as many labels as texts"):
        tfidf_predict(texts, labels[:-1], test_texts)


def test_bag_features_ignore_padding_and_match_mean_pooled():
    vectors = torch.arange(12.0).view(6, 2)
    ids = torch.tensor([[1, 2, 0, 0], [3, 3, 3, 5]])
    expected = np.array([[3.0, 4.0], [7.0, 8.0]])  # mean of rows (1, 2) and (3, 3, 3, 5)
    np.testing.assert_allclose(mean_pooled(vectors, ids, pad_id=0), expected)
    bag = BagClassifier.from_vectors(vectors, n_classes=3, pad_id=0)
    np.testing.assert_allclose(bag.features(ids).detach().numpy(), expected)
    assert bag.eval()(ids).shape == (2, 3)


def tiny_bert():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=4,
    )
    return BertForSequenceClassification(config).eval()


def test_sequence_classifier_and_pooled_hidden_features_mask_the_padding():
    model = tiny_bert()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    same_without_padding = torch.tensor([[5, 6, 7]])
    classifier = SequenceClassifier(model, pad_id=0)
    torch.testing.assert_close(classifier(ids), classifier(same_without_padding))
    features = pooled_hidden_features(model, ids, pad_id=0)
    assert features.shape == (1, 16)
    np.testing.assert_allclose(
        features, pooled_hidden_features(model, same_without_padding, 0), atol=1e-5
    )


def test_minilm_features_keep_the_input_order():
    texts = [
        "a short one",
        "a considerably longer sentence about rivers and lakes",
        "mid length text",
    ]
    features = minilm_features(texts, batch_size=2)
    assert features.shape == (3, 384)
    np.testing.assert_allclose(features[1], minilm_features([texts[1]])[0], atol=1e-4)


def test_two_classes_with_string_names_go_through_tfidf():
    from course_lib.data.own import encode_labels

    texts, labels = corpus(10, 0)
    keep = labels < 2
    two = [t for t, k in zip(texts, keep, strict=True) if k]
    y, names = encode_labels(["water" if label == 0 else "sport" for label in labels[keep]])
    assert names == ["sport", "water"]
    predicted = tfidf_predict(two, y, two, seed=0)
    assert set(predicted) <= {0, 1} and (predicted == y).mean() > 0.9


BAD = [
    (lambda: tfidf_predict("the river", [0], ["a"]), r"^train_texts: expected a list of texts"),
    (lambda: tfidf_predict(["a", "b"], [0, 1], "one text"), r"^test_texts: expected a list of"),
    (
        lambda: tfidf_predict(["a", 2], [0, 1], ["a"]),
        r"^train_texts\[1\]: expected a string \(a list of strings\)",
    ),
    (lambda: minilm_features("one text"), r"^texts: expected a list of texts"),
    (lambda: minilm_features([]), r"^texts: expected at least 1 texts"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_a_string_is_not_read_as_a_list_of_texts(call, match):
    from course_lib.core.validate import BadInput

    with pytest.raises(BadInput, match=match):
        call()
