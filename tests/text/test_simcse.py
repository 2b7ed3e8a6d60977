"""SimCSE on the course's BERT: dropout makes the pair, NT-Xent is the course's, a tiny run trains."""

import numpy as np
import pytest
import torch

from course_lib.core import contrastive
from course_lib.core.profiles import get_profile
from course_lib.core.validate import BadInput
from course_lib.data.corpus import pretraining_texts
from course_lib.text import mlm, simcse


@pytest.fixture(scope="module")
def folder():
    return mlm.pretrained_folder(get_profile("smoke"))[0]


@pytest.fixture(scope="module")
def documents():
    return pretraining_texts(get_profile("smoke").corpus_max_docs)["train"]


def test_one_contrastive_loss_for_images_and_text():
    assert simcse.nt_xent is contrastive.nt_xent


def test_dropout_makes_two_views_only_in_training(folder):
    model, tokenizer = simcse.load_encoder(folder, dropout=0.2)
    ids = tokenizer(
        ["a sentence about rivers", "another about music"], return_tensors="pt", padding=True
    )["input_ids"]
    model.train()
    a, b = (simcse.mean_pool(model, ids, tokenizer.pad_token_id) for _ in range(2))
    assert not torch.allclose(a, b)
    model.eval()
    with torch.no_grad():
        a, b = (simcse.mean_pool(model, ids, tokenizer.pad_token_id) for _ in range(2))
    assert torch.allclose(a, b)
    with pytest.raises(BadInput, match="dropout"):
        simcse.load_encoder(folder, dropout=1.5)


def test_loss_is_nt_xent_of_the_pooled_views(folder):
    model, tokenizer = simcse.load_encoder(folder, dropout=0.0)  # no dropout: equal views
    ids = tokenizer(
        ["one text here", "two text there", "third"], return_tensors="pt", padding=True
    )["input_ids"]
    loss = simcse.simcse_loss_fn(tokenizer.pad_token_id, 0.05)(model, (ids,))
    z = simcse.mean_pool(model, ids, tokenizer.pad_token_id)
    assert loss.item() == pytest.approx(contrastive.nt_xent(z, z, 0.05).item(), rel=1e-4)


def test_training_pairs(documents):
    texts, partners = simcse.training_pairs(documents, "dropout", 50)
    assert len(texts) == 50 and partners is None and all(len(t.split()) >= 5 for t in texts)
    texts, partners = simcse.training_pairs(documents, "document", 50)
    assert len(texts) == len(partners) == 50
    assert all(t not in p for t, p in zip(texts, partners, strict=True))
    with pytest.raises(BadInput, match="views"):
        simcse.training_pairs(documents, "augment", 50)


def test_tiny_run_trains_and_embeds(folder, documents):
    sizes = simcse.SIZES["smoke"]
    texts, _ = simcse.training_pairs(documents, "dropout", sizes["texts"])
    model, tokenizer, history = simcse.train_simcse(folder, texts, sizes, "test_simcse", 0, False)
    assert history["step"][-1] == sizes["steps"]
    assert np.isfinite(history["loss"]).all()
    assert history["loss"][-1] < history["loss"][0]  # it learns to pick its partner
    assert "mean_cosine_random_pairs" in history["eval"][-1]
    x = simcse.embed(model, tokenizer, texts[:7])
    assert x.shape == (7, model.config.hidden_size)
    assert -1 <= simcse.isotropy(x) <= 1
