"""Notebook 00's exercise: where does the training signal come from?"""

from course_lib.exercises import feedback, not_done, todo

PARADIGMS = ("supervised", "unsupervised", "self-supervised", "rlhf")

SCENARIOS = {
    "a": "Predict the topic of an article from 5,000 articles that people tagged by hand.",
    "b": "Hide 15% of the words of a million web pages and train a model to guess them.",
    "c": "Group 50,000 customer photos into clusters, with no labels and no prediction target.",
    "d": "Show people two answers of a chatbot, ask which is better, and tune the chatbot on that.",
    "e": "Train an image model to recognise that two random crops come from the same photo.",
}
ANSWERS = {
    "a": "supervised",
    "b": "self-supervised",
    "c": "unsupervised",
    "d": "rlhf",
    "e": "self-supervised",
}
WHY = {
    "a": "the labels were made by people, one per example: that is supervision",
    "b": "the data labels itself: the hidden words are the targets",
    "c": "there is no target at all: the model only describes structure",
    "d": "people compare outputs; a reward model learns their preference",
    "e": "the pairing of two views of one photo is a label the data gives for free",
}


def check_paradigms(answer: dict[str, str] | None) -> bool:
    """Check a {scenario: paradigm} dict and explain every wrong answer."""
    if not_done(answer):
        return todo(
            "fill `answer` with a paradigm for each scenario a to e, e.g. {'a': 'supervised', ...}"
        )
    if not isinstance(answer, dict) or set(answer) != set(SCENARIOS):
        return feedback(False, f"expected a dict with the keys {sorted(SCENARIOS)}")
    wrong = [k for k in sorted(SCENARIOS) if str(answer[k]).strip().lower() != ANSWERS[k]]
    unknown = [k for k in wrong if str(answer[k]).strip().lower() not in PARADIGMS]
    if unknown:
        return feedback(False, f"use only {PARADIGMS}; scenario(s) {unknown} are not one of them")
    if wrong:
        hints = "; ".join(f"{k}: think again, {WHY[k].split(':')[0]}" for k in wrong)
        return feedback(False, f"{len(wrong)} of 5 to rethink. {hints}")
    return feedback(True, "all five right: " + "; ".join(f"{k}: {WHY[k]}" for k in sorted(WHY)))
