"""The tokenizer playground: type text, see its tokens coloured with their ids."""

import html
from collections.abc import Callable

import ipywidgets as widgets

PALETTE = ("#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1", "#e8dff5", "#d7f9f8", "#ffd6a5")

Tokenize = Callable[[str], tuple[list[str], list[int]]]


def tokens_html(tokens: list[str], ids: list[int]) -> str:
    """Return HTML showing each token on its own colour, with its id underneath."""
    if len(tokens) != len(ids):
        raise ValueError(f"got {len(tokens)} tokens but {len(ids)} ids: expected one id per token")
    cells = []
    for k, (token, token_id) in enumerate(zip(tokens, ids, strict=True)):
        shown = html.escape(token).replace(" ", "&#9251;")  # show spaces as the open-box sign
        cells.append(
            f'<span style="display:inline-block;margin:1px;padding:1px 3px;'
            f'background:{PALETTE[k % len(PALETTE)]};font-family:monospace;text-align:center">'
            f'{shown}<br><small style="color:#555">{token_id}</small></span>'
        )
    return f"<div>{''.join(cells)}<br><small>{len(tokens)} tokens</small></div>"


def tokenizer_playground(tokenizers: dict[str, Tokenize], text: str) -> widgets.VBox:
    """Return a widget: a text box and, for each named tokenizer, the coloured tokens of the text."""
    if not tokenizers:
        raise ValueError("tokenizers is empty: expected {name: function(text) -> (tokens, ids)}")
    box = widgets.Textarea(value=text, layout=widgets.Layout(width="95%", height="60px"))
    outputs = {name: widgets.HTML() for name in tokenizers}

    def refresh(_=None) -> None:
        for name, tokenize in tokenizers.items():
            outputs[name].value = f"<b>{html.escape(name)}</b>" + tokens_html(*tokenize(box.value))

    box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([box, *outputs.values()])


def fill_mask_box(pipes: dict[str, Callable], text: str, k: int = 5) -> widgets.VBox:
    """Return a widget: a sentence with [MASK] and, per fill-mask pipeline, its top-k answers."""
    if not pipes:
        raise ValueError("pipes is empty: expected {name: pipeline('fill-mask', ...)}")
    box = widgets.Text(value=text, layout=widgets.Layout(width="95%"))
    answers = widgets.HTML()

    def refresh(_=None) -> None:
        if box.value.count("[MASK]") != 1:
            answers.value = "<i>write a sentence with exactly one [MASK]</i>"
            return
        columns = []
        for name, fill in pipes.items():
            rows = "".join(
                f"<tr><td>{html.escape(a['token_str'])}</td><td>{a['score']:.2f}</td></tr>"
                for a in fill(box.value, top_k=k)
            )
            columns.append(
                f"<td style='vertical-align:top'><b>{html.escape(name)}</b>"
                f"<table>{rows}</table></td>"
            )
        answers.value = f"<table><tr>{''.join(columns)}</tr></table>"

    box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([box, answers])
