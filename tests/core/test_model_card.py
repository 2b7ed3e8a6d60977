"""The model card names data, objective, budget, metrics and limits."""

from course_lib.core.model_card import write_model_card
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
