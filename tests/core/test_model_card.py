"""The model card names data, objective, budget, metrics and limits."""

from course_lib.core.model_card import precision_phrase, write_model_card
from course_lib.text import mlm


def test_model_card(tmp_path):
    model = mlm.build_bert(100, 16, 1, 2, 16)
    training = {
        "steps": 10,
        "tokens_seen": 1000,
        "seconds": 60,
        "profile": "smoke",
        "mask_prob": 0.3,
        "command": "python -m course_lib.text.mlm --profile smoke",
        "curve": {
            "eval": [{"step": 5, "heldout_mlm_loss": 7.25}, {"step": 10, "heldout_mlm_loss": 6.5}]
        },
    }
    text = write_model_card(tmp_path, model, training, {"top5_accuracy": 0.5})
    assert (tmp_path / "README.md").read_text() == text
    for needed in (
        "Training data",
        "test documents",
        "Limits",
        "top5_accuracy",
        "10 steps",
        "python -m course_lib.text.mlm",
        "5: 7.25, 10: 6.50",
    ):
        assert needed in text
    assert "pre-LN" in text and "rotary" in text  # the default layout is named
    classic = mlm.build_bert(100, 16, 1, 2, 16, architecture="bert")
    assert "learned position" in write_model_card(tmp_path, classic, training, {})


def test_cards_name_own_data_instead_of_wikipedia(tmp_path):
    from course_lib.core.model_card import WIKIPEDIA, cbow_card

    model = mlm.build_bert(100, 16, 1, 2, 16)
    training = {"steps": 10, "tokens_seen": 1000, "seconds": 60, "profile": "smoke", "curve": {}}
    own = training | {
        "data": "2,000 movie-review sentences (your own data)",
        "heldout_fraction": 0.1,
    }
    text = write_model_card(tmp_path, model, own, {})
    assert "2,000 movie-review sentences (your own data), not the course's Wikipedia" in text
    assert "10% of the documents were held out" in text
    assert "Wikipedia article summaries" not in text and "11-topic" not in text
    default = write_model_card(tmp_path, model, training | {"data": WIKIPEDIA}, {})
    assert "Wikipedia article summaries (CC BY-SA 4.0" in default and "11-topic" in default
    record = own | {
        "curve": {"best": {"step": 5}}, "batch_size": 8, "seq_len": 16, "target_prob": 0.15,
        "lr": 0.01, "seed": 0, "command": "c", "heldout_loss": 3.0, "unigram_entropy_baseline": 4.0,
    }  # fmt: skip
    card = cbow_card({"vocab_size": 100, "dim": 8, "window": 3}, record)
    assert "movie-review sentences" in card and "lowest at step 5" in card
    assert "Wikipedia article summaries" not in card
    assert "Wikipedia article summaries" in cbow_card(
        {"vocab_size": 100, "dim": 8, "window": 3}, record | {"data": WIKIPEDIA}
    )


def test_simclr_card_is_written_from_the_saved_record():
    import json

    from course_lib.core.model_card import simclr_card
    from course_lib.core.paths import REFERENCE_DIR

    folder = REFERENCE_DIR / "simclr_fmnist"
    config = json.loads((folder / "config.json").read_text())
    record = json.loads((folder / "training.json").read_text())
    card = simclr_card(config, record, "python -m course_lib.vision.simclr --epochs 40")
    assert record["data_description"] in card and "8,560 steps of 256 images" in card
    assert (folder / "README.md").read_text().startswith(card.split("## Budget")[0])


def test_cards_say_the_precision_a_run_computed_in():
    assert precision_phrase({"precision_used": "bf16"}) == " in bf16 autocast"
    assert precision_phrase({"precision_used": "no"}) == " in fp32"
    assert precision_phrase({}) == ""  # records made before it was recorded say nothing
