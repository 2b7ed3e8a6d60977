"""The course in a real browser: JupyterLab runs notebooks in smoke size, the widgets respond.

Each test opens a learner copy of a notebook, runs it with the Run menu's "Run All Cells" and checks
what a learner would see: every cell ran, no error output, no "Error displaying widget", no severe
console message; then it plays with the notebook's widget and checks the output changes.
"""

import time

import nbformat
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from course_lib.site import NOTE

RUN_TIMEOUT = 240  # seconds for one notebook's Run All in the smoke profile (about 20 s here)
SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the active tab
PROMPTS = f"""return [...document.querySelectorAll("{SHOWN} .jp-CodeCell .jp-InputPrompt")]
    .map(p => p.textContent.trim());"""
KERNEL_IDLE = f"{SHOWN} .jp-Notebook-ExecutionIndicator[data-status='idle']"


def open_notebook(browser, lab, name: str) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is ready."""
    browser.get(lab.url(name))
    WebDriverWait(browser, 90).until(lambda b: b.find_elements(By.CSS_SELECTOR, KERNEL_IDLE))


def menu(browser, top: str, label: str) -> None:
    """Click a menu bar entry, then one of its items, by their visible labels."""
    menus = browser.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
    next(m for m in menus if m.text.strip() == top).click()
    item = f"//li[contains(@class,'lm-Menu-item')][.//div[text()='{label}']]"
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.XPATH, item))
    browser.find_element(By.XPATH, item).click()


def click_until(browser, top: str, label: str, done) -> None:
    """Click a menu item until `done(browser)` holds: a click that lands while the page is still
    settling (or a menu is closing) is lost, so try up to 3 times."""
    for _ in range(3):
        menu(browser, top, label)
        try:
            WebDriverWait(browser, 10).until(done)
            return
        except TimeoutException:
            continue
    raise TimeoutException(f"{top} > {label} had no effect after 3 clicks")


def cleared(browser) -> bool:
    """Whether every code cell shows an empty prompt: no outputs, nothing run."""
    return set(browser.execute_script(PROMPTS)) == {"[ ]:"}


def run_all(browser) -> None:
    """Clear the committed outputs, run every cell from the menus as a learner would, and wait."""
    click_until(browser, "Edit", "Clear Outputs of All Cells", cleared)
    click_until(browser, "Run", "Run All Cells", lambda b: not cleared(b))

    def finished(b) -> bool:
        prompts = b.execute_script(PROMPTS)
        return all(p not in ("[ ]:", "[*]:") for p in prompts) and b.find_elements(
            By.CSS_SELECTOR, KERNEL_IDLE
        )

    WebDriverWait(browser, RUN_TIMEOUT, poll_frequency=1).until(finished)


def saved_notebook(browser, lab, name: str) -> dict:
    """Save the notebook from the File menu and read the saved file back from disk."""
    menu(browser, "File", "Save Notebook")
    dirty = ".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"
    WebDriverWait(browser, 20).until_not(lambda b: b.find_elements(By.CSS_SELECTOR, dirty))
    # Read the file itself, never through the server's contents API: a GET that lands while a save
    # is still writing makes jupyter_server move the half-written file aside as `.invalid` (CI saw
    # it), and the next save then fails. Reading the file changes nothing; a half-written one is
    # read again.
    path = lab.home / "my-notebooks" / name
    for attempt in range(20):
        try:
            return nbformat.read(path, as_version=4)
        except (OSError, ValueError) as error:  # nbformat's NotJSONError is a ValueError
            if attempt == 19:
                raise AssertionError(
                    f"{name} unreadable after saving\n{lab.diagnosis()}"
                ) from error
            time.sleep(0.5)


def assert_clean(browser, lab, name: str) -> None:
    """Every code cell ran, in order, in smoke size; no cell errs; no widget or console error."""
    cells = [c for c in saved_notebook(browser, lab, name)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells if c["source"].strip()]
    in_order = counts and None not in counts and counts == list(range(counts[0], counts[-1] + 1))
    assert in_order, f"{name}: not run top to bottom: {counts}"
    errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"{name}: cell errors {[(e['ename'], e['evalue']) for e in errors]}"
    first = "".join(o.get("text", "") for o in cells[0]["outputs"])
    assert "Profile: smoke" in first, f"{name}: did not run in the smoke profile: {first[:300]}"
    page = browser.find_element(By.CSS_SELECTOR, f"{SHOWN} .jp-Notebook").text
    assert "Error displaying widget" not in page, f"{name}: a widget failed to display"
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"{name}: browser console errors: {severe}"


def test_tokenizer_playground_responds_to_typing(browser, lab):
    open_notebook(browser, lab, "02_tokenization.ipynb")
    run_all(browser)
    assert_clean(browser, lab, "02_tokenization.ipynb")
    box = browser.find_element(By.CSS_SELECTOR, f"{SHOWN} .widget-textarea textarea")
    playground = box.find_element(By.XPATH, "ancestor::div[contains(@class,'widget-vbox')][1]")
    shown = playground.find_elements(By.CSS_SELECTOR, ".widget-html")
    before = [h.text for h in shown]
    assert len(before) >= 3 and all(" tokens" in t for t in before), before
    box.send_keys(Keys.END, " Zyxwvutsrq")

    def all_redrawn(_) -> bool:
        return all(h.text != b for h, b in zip(shown, before, strict=True))

    WebDriverWait(browser, 20).until(all_redrawn, "a tokenizer's tokens did not change")
    assert "zyxwvutsrq" in shown[1].text.lower(), "the word tokenizer does not show the new word"
    assert_clean(browser, lab, "02_tokenization.ipynb")


def test_augmentation_explorer_redraws_when_a_slider_moves(browser, lab):
    open_notebook(browser, lab, "05_contrastive_learning.ipynb")
    run_all(browser)
    assert_clean(browser, lab, "05_contrastive_learning.ipynb")
    sliders = browser.find_elements(By.CSS_SELECTOR, f"{SHOWN} .widget-slider")
    seed = next(s for s in sliders if s.find_element(By.CSS_SELECTOR, "label").text == "seed")
    explorer = seed.find_element(By.XPATH, "ancestor::div[contains(@class,'widget-hbox')][1]")
    image = explorer.find_element(By.CSS_SELECTOR, ".jp-OutputArea img")
    before = image.get_attribute("src")
    seed.find_element(By.CSS_SELECTOR, ".noUi-handle").send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(browser, 30).until(
        lambda b: (
            explorer.find_element(By.CSS_SELECTOR, ".jp-OutputArea img").get_attribute("src")
            != before
        )
    )
    readout = seed.find_element(By.CSS_SELECTOR, ".widget-readout").text
    assert readout == "1", f"the seed slider reads {readout!r} after one step right"
    assert_clean(browser, lab, "05_contrastive_learning.ipynb")


@pytest.mark.parametrize("name", ["03_masked_lm_pretraining.ipynb"])
def test_training_notebook_runs_clean(browser, lab, name):
    open_notebook(browser, lab, name)
    run_all(browser)
    assert_clean(browser, lab, name)


def test_committed_widgets_read_as_snapshots_before_running(browser, lab):
    # 09 (search box, gallery): a notebook no other browser test runs and saves
    open_notebook(browser, lab, "09_search.ipynb")
    WebDriverWait(browser, 30).until(
        lambda b: NOTE in b.find_element(By.CSS_SELECTOR, f"{SHOWN} .jp-Notebook").text
    )
    page = browser.find_element(By.CSS_SELECTOR, f"{SHOWN} .jp-Notebook").text
    assert "VBox(children=" not in page and "HBox(children=" not in page, "raw widget repr shown"
    assert "Error displaying widget" not in page
