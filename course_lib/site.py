"""The course as a static web site that needs no outside host, and widgets that read without a kernel.

`python -m course_lib.site build` (`make site`) turns the committed, executed notebooks into HTML
pages under `site/` with nbconvert (JupyterLab's look): MathJax is served from the site itself
(copied from the `jupyter-server-mathjax` package), there is no require.js, no widget renderer and
no CDN; each widget is replaced by a snapshot of the state the committed run left it in.

`python -m course_lib.site fallbacks NOTEBOOK ...` (run by `make notebooks`) writes the same
snapshot into each widget output's HTML and plain-text forms, so that JupyterLab shows something
readable before the notebook runs, instead of `HBox(children=(VBox(...`.
"""

import argparse
import copy
import html
import json
import re
import shutil
from pathlib import Path

import jupyter_server_mathjax
import mistune
import nbformat
from nbconvert import HTMLExporter

from course_lib.core.course_map import COURSE
from course_lib.core.paths import NOTEBOOKS_DIR, ROOT
from course_lib.workshop import RECAP

SITE_DIR = ROOT / "site"  # git-ignored: rebuilt by `make site`
TEMPLATES = Path(__file__).parent / "site_templates"
MATHJAX = Path(jupyter_server_mathjax.__file__).parent / "static"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NOTE = "Interactive widget, shown as the committed run left it: run the notebook to use it."
BOXES = {"HBoxModel": "row", "VBoxModel": "column", "BoxModel": "row", "GridBoxModel": "row"}
VALUE_MODELS = re.compile(r"(Slider|Text|Textarea|Dropdown|Select|Checkbox|Toggle|Radio|Combobox)")


def widget_states(notebook: dict) -> dict:
    """Return the saved state of every widget model in `notebook` (empty when none was saved)."""
    return notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def output_html(output: dict) -> str:
    """Return one saved output (stream, image, HTML or text) as HTML."""
    if output.get("output_type") == "stream":
        return f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>"
    data = output.get("data", {})
    if "image/png" in data:
        return f'<img alt="plot" src="data:image/png;base64,{"".join(data["image/png"])}">'
    if "text/html" in data:
        return "".join(data["text/html"])
    return f"<pre>{html.escape(''.join(data.get('text/plain', '')))}</pre>"


def widget_value(state: dict) -> str:
    """Return what a value widget shows: its value, or the label of its selected option."""
    labels, index = state.get("_options_labels"), state.get("index")
    if labels is not None and isinstance(index, int) and 0 <= index < len(labels):
        return str(labels[index])
    return str(state.get("value", ""))


def widget_html(states: dict, model_id: str) -> str:
    """Return a static HTML snapshot of one widget and its children."""
    model = states.get(model_id)
    if model is None:
        return ""
    name, state = model["model_name"], model["state"]
    label = html.escape(str(state.get("description") or ""))
    if name in BOXES or "children" in state:
        children = "".join(
            widget_html(states, ref.removeprefix("IPY_MODEL_")) for ref in state.get("children", [])
        )
        direction = BOXES.get(name, "column")
        return f'<div style="display:flex;flex-direction:{direction};gap:6px">{children}</div>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<div>{label} {state.get('value', '')}</div>"
    if name == "OutputModel":
        return "".join(output_html(output) for output in state.get("outputs", []))
    if name in ("FloatProgressModel", "IntProgressModel"):
        return (
            f'<progress value="{state.get("value", 0)}" max="{state.get("max", 100)}"></progress>'
        )
    if name == "ButtonModel":
        return f"<button disabled>{label}</button>"
    if name == "LabelModel" or VALUE_MODELS.search(name):
        shown = html.escape(widget_value(state))
        return f"<div>{label + ': ' if label else ''}<code>{shown}</code></div>"
    return f"<div>{label}</div>" if label else ""


def interactive(states: dict, model_id: str) -> bool:
    """Return True when the widget or one of its children takes input (a slider, a text box...)."""
    model = states.get(model_id)
    if model is None:
        return False
    name, children = model["model_name"], model["state"].get("children", [])
    if name == "ButtonModel" or (name != "LabelModel" and VALUE_MODELS.search(name)):
        return True
    return any(interactive(states, ref.removeprefix("IPY_MODEL_")) for ref in children)


def plain_text(snapshot: str, limit: int = 400) -> str:
    """Return the words of an HTML snapshot as one line of text, at most `limit` characters."""
    without_images = re.sub(r"<img[^>]*>", " [plot] ", snapshot)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_images)).split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def add_fallbacks(notebook: dict) -> int:
    """Write each widget output's snapshot into its text/html and text/plain; return how many."""
    states, count = widget_states(notebook), 0
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None or view.get("model_id") not in states:
                continue
            snapshot = widget_html(states, view["model_id"])
            if interactive(states, view["model_id"]):
                output["data"]["text/html"] = f"<div><p><em>{NOTE}</em></p>{snapshot}</div>"
                output["data"]["text/plain"] = f"[{NOTE}] {plain_text(snapshot)}"
            else:  # a progress bar or a display: its last state is all there is to show
                output["data"]["text/html"] = snapshot
                output["data"]["text/plain"] = plain_text(snapshot)
            count += 1
    return count


def write_fallbacks(paths: list[Path]) -> None:
    """Add the widget snapshots to each notebook file in `paths`, in place."""
    for path in paths:
        path = Path(path)
        if path.suffix != ".ipynb" or not path.is_file():
            raise SystemExit(f"fallbacks: {path} is not a notebook file (expected an .ipynb file)")
        notebook = nbformat.read(path, as_version=4)
        count = add_fallbacks(notebook)
        nbformat.write(notebook, path)
        print(f"{path.name}: {count} widget snapshot(s)")


def static_copy(notebook: dict) -> dict:
    """Return a copy of `notebook` for the site: widgets replaced by their snapshots, state dropped."""
    notebook = copy.deepcopy(notebook)
    add_fallbacks(notebook)
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def page_name(notebook: Path) -> str:
    """Return the site page of a notebook file: 03_masked_lm.ipynb -> 03_masked_lm.html."""
    return Path(notebook).with_suffix(".html").name


def navigation(index: int) -> str:
    """Return the bar at the top of a page: the contents, and the notebooks before and after."""
    links = ['<a href="index.html">Contents</a>']
    if index > 0:
        before = COURSE[index - 1]
        links.append(
            f'<a href="{page_name(before.file)}">&larr; {before.number} {before.title}</a>'
        )
    if index + 1 < len(COURSE):
        after = COURSE[index + 1]
        links.append(f'<a href="{page_name(after.file)}">{after.number} {after.title} &rarr;</a>')
    else:
        links.append('<a href="recap.html">Recap &rarr;</a>')
    return '<nav class="course-nav">' + " &middot; ".join(links) + "</nav>"


def standalone_page(title: str, body: str) -> str:
    """Return a page of the site that is not a notebook (the contents, the recap)."""
    page = (TEMPLATES / "page.html").read_text(encoding="utf-8")
    return page.replace("{{title}}", html.escape(title)).replace("{{body}}", body)


def index_page() -> str:
    """Return the site's first page: what the course is and the table of its notebooks."""
    rows = "".join(
        f'<tr><td>{c.number}</td><td><a href="{page_name(c.file)}">{html.escape(c.title)}</a></td>'
        f"<td>{html.escape(c.teaches)}</td><td>{c.minutes_cpu:g}</td></tr>"
        for c in COURSE
    )
    body = (TEMPLATES / "index.html").read_text(encoding="utf-8").replace("{{rows}}", rows)
    return standalone_page("Self-Supervised Learning, hands-on", body)


def recap_page(recap: Path = RECAP) -> str:
    """Return the course's closing page (workshop/recap.md, numbers from results/) as HTML."""
    body = mistune.create_markdown(plugins=["table"])(recap.read_text(encoding="utf-8"))
    nav = '<nav class="course-nav"><a href="index.html">Contents</a></nav>\n'
    return standalone_page("Recap · Self-Supervised Learning, hands-on", nav + body)


def exporter() -> HTMLExporter:
    """Return nbconvert's HTML exporter with the course's offline template and local MathJax."""
    return HTMLExporter(
        template_name="course",
        extra_template_basedirs=[str(TEMPLATES)],
        mathjax_url="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe",
        embed_images=True,
    )


def build_site(out: Path = SITE_DIR, notebooks: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Write the site: index.html, recap.html, a page per notebook of the course map, MathJax."""
    out, notebooks = Path(out), Path(notebooks)
    missing = [c.file for c in COURSE if not (notebooks / c.file).is_file()]
    if missing:
        raise FileNotFoundError(f"notebooks: {notebooks} lacks {missing}; pass the course's folder")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(MATHJAX, out / "mathjax", dirs_exist_ok=True)
    (out / "index.html").write_text(index_page(), encoding="utf-8")
    (out / "recap.html").write_text(recap_page(), encoding="utf-8")
    pages, export = [out / "index.html", out / "recap.html"], exporter()
    for index, chapter in enumerate(COURSE):
        raw = json.loads((notebooks / chapter.file).read_text(encoding="utf-8"))
        notebook = nbformat.reads(json.dumps(static_copy(raw)), as_version=4)
        body, _ = export.from_notebook_node(
            notebook, resources={"metadata": {"name": chapter.title}}
        )
        body = body.replace("<main>", "<main>" + navigation(index), 1)
        page = out / page_name(chapter.file)
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    return pages


def main(argv: list[str] | None = None) -> None:
    """Command line: `build [--out DIR]` writes the site; `fallbacks NOTEBOOK ...` the snapshots."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.site", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the static site")
    build.add_argument("--out", type=Path, default=SITE_DIR, help="folder to write (default site/)")
    fallbacks = commands.add_parser("fallbacks", help="write widget snapshots into notebooks")
    fallbacks.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "fallbacks":
        write_fallbacks(args.notebooks)
        return
    pages = build_site(args.out)
    where = args.out.relative_to(ROOT) if args.out.resolve().is_relative_to(ROOT) else args.out
    print(f"wrote {len(pages)} pages to {where}/ (open {where}/index.html; no outside host needed)")


if __name__ == "__main__":
    main()
