"""The tokenizer playground: static HTML and a live widget that follows the text box."""

import pytest

from course_lib.text.playground import tokenizer_playground, tokens_html


def test_tokens_html_escapes_and_counts():
    page = tokens_html(["<b>", " x"], [7, 8])
    assert "&lt;b&gt;" in page and "2 tokens" in page and ">7<" in page


def test_tokens_html_needs_one_id_per_token():
    with pytest.raises(ValueError, match="one id per token"):
        tokens_html(["a"], [1, 2])


def test_widget_updates_when_the_text_changes():
    def split(text):
        return text.split(), list(range(len(text.split())))

    widget = tokenizer_playground({"words": split}, "a b")
    box, out = widget.children
    assert "2 tokens" in out.value
    box.value = "a b c"
    assert "3 tokens" in out.value
    with pytest.raises(ValueError, match="empty"):
        tokenizer_playground({}, "x")


def test_the_fill_mask_box_answers_each_pipeline_and_asks_for_one_mask():
    from course_lib.text.playground import fill_mask_box

    def fake(word):
        return lambda text, top_k: [{"token_str": word, "score": 0.5}] * top_k

    box = fill_mask_box({"trained": fake("sat"), "random": fake("##q")}, "The cat [MASK].")
    text, answers = box.children
    assert "sat" in answers.value and "##q" in answers.value and "trained" in answers.value
    text.value = "no mask here"
    assert "exactly one [MASK]" in answers.value
    with pytest.raises(ValueError, match="pipes is empty"):
        fill_mask_box({}, "x")
