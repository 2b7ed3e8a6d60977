"""The static site's pieces: widget snapshots, the notebook fallbacks, the offline page template."""

import json

import nbformat
import pytest

from course_lib import site

IMAGE = "iVBORw0KGgo="  # the first bytes of a PNG: enough for an <img> tag


def model(name: str, **state) -> dict:
    return {"model_name": name, "state": state}


STATES = {
    "box": model("HBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_out"]),
    "slider": model("IntSliderModel", description="seed", value=3),
    "out": model(
        "OutputModel",
        outputs=[
            {"output_type": "stream", "name": "stdout", "text": "a < b\n"},
            {"output_type": "display_data", "data": {"image/png": IMAGE}, "metadata": {}},
        ],
    ),
    "bar": model("HBoxModel", children=["IPY_MODEL_label", "IPY_MODEL_progress"]),
    "label": model("HTMLModel", value="train: 100%"),
    "progress": model("FloatProgressModel", value=5.0, max=5.0),
    "pick": model("DropdownModel", description="engine", _options_labels=["bm25", "cbow"], index=1),
}


def notebook_with(*model_ids: str) -> dict:
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "text/plain": "HBox(children=(...))",
                site.WIDGET_VIEW: {"model_id": m, "version_major": 2, "version_minor": 0},
            },
        }
        for m in model_ids
    ]
    cell = nbformat.v4.new_code_cell("show()", outputs=outputs)
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["widgets"] = {site.WIDGET_STATE: {"state": STATES}}
    return nbformat.from_dict(notebook)


def test_a_snapshot_shows_values_printed_text_and_plots():
    html = site.widget_html(STATES, "box")
    assert "seed: <code>3</code>" in html
    assert "a &lt; b" in html
    assert f"data:image/png;base64,{IMAGE}" in html
    assert "cbow" in site.widget_html(STATES, "pick")
    assert site.widget_html(STATES, "missing") == ""
    assert site.plain_text(html) == "seed: 3 a < b [plot]"


def test_progress_bars_show_where_the_run_ended_without_the_play_note():
    notebook = notebook_with("box", "bar")
    assert site.add_fallbacks(notebook) == 2
    box, bar = notebook.cells[0].outputs
    assert box.data["text/plain"].startswith(f"[{site.NOTE}]")
    assert site.NOTE in box.data["text/html"]
    assert bar.data["text/plain"] == "train: 100%"
    assert '<progress value="5.0" max="5.0">' in bar.data["text/html"]
    assert site.interactive(STATES, "box") and not site.interactive(STATES, "bar")


def test_an_output_without_saved_state_is_left_alone():
    notebook = notebook_with("box")
    notebook.metadata.pop("widgets")
    assert site.add_fallbacks(notebook) == 0
    assert notebook.cells[0].outputs[0].data["text/plain"] == "HBox(children=(...))"


def test_the_site_copy_has_no_live_widgets_and_the_original_is_untouched():
    notebook = notebook_with("box")
    static = site.static_copy(notebook)
    assert site.WIDGET_VIEW not in static.cells[0].outputs[0]["data"]
    assert "widgets" not in static.metadata
    assert site.WIDGET_VIEW in notebook.cells[0].outputs[0].data


def test_fallbacks_are_written_into_notebook_files(tmp_path, capsys):
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.from_dict(notebook_with("bar")), path)
    site.main(["fallbacks", str(path)])
    assert "1 widget snapshot(s)" in capsys.readouterr().out
    saved = json.loads(path.read_text())
    assert "train: 100%" in "".join(saved["cells"][0]["outputs"][0]["data"]["text/plain"])


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(SystemExit, match="not a notebook file"):
        site.write_fallbacks([tmp_path / "notes.txt"])
    with pytest.raises(FileNotFoundError, match="notebooks: .* lacks"):
        site.build_site(tmp_path / "out", tmp_path)


def test_the_page_template_asks_no_outside_host():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("$x^2$"), nbformat.v4.new_code_cell("1")]
    )
    body, _ = site.exporter().from_notebook_node(notebook)
    scripts = [part.split('"')[1] for part in body.split("<script src=")[1:]]
    assert scripts == ["mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"]
    assert "require.js" not in body and "unpkg" not in body and "cdnjs" not in body


def test_the_recap_page_is_the_kit_recap_as_html(tmp_path):
    recap = tmp_path / "recap.md"
    recap.write_text("# Recap\n\n| track | x |\n|---|---|\n| text | 3.0x |\n")
    page = site.recap_page(recap)
    assert "<table>" in page and "<td>3.0x</td>" in page and 'href="index.html"' in page
