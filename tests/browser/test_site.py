"""The static site in a real browser: every page loads with no request outside the site, its plots
show, its maths is typeset, and widgets read as snapshots."""

import functools
import http.server
import json
import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from course_lib.core.course_map import COURSE
from course_lib.site import NOTE, build_site, page_name


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that keeps its request log to itself."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site from the committed notebooks and serve it on a loopback port."""
    folder = tmp_path_factory.mktemp("site")
    build_site(folder)
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def network(browser) -> tuple[list[str], list[str]]:
    """Return the URLs the page requested and the URLs that failed, from Chromium's log."""
    requested, failed, urls = [], [], {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            requested.append(params["request"]["url"])
        elif message["method"] == "Network.loadingFailed":
            failed.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}")
        elif message["method"] == "Network.responseReceived":
            if params["response"]["status"] >= 400:
                failed.append(f"{params['response']['url']}: HTTP {params['response']['status']}")
    return requested, failed


PAGES = ["index.html", "recap.html"] + [page_name(c.file) for c in COURSE]


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_everything_from_the_site_itself(browser, site, page):
    browser.get(site + page)
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    if browser.find_elements(By.CSS_SELECTOR, "script[src^='mathjax/']"):  # typesetting ends
        WebDriverWait(browser, 30).until(
            lambda b: b.execute_script("return !!window.MathJax && MathJax.isReady === true")
        )
    requested, failed = network(browser)
    local = (site, "data:", "about:")  # the site itself, inline data, a blank frame: no host
    outside = [u for u in requested if not u.startswith(local)]
    assert not outside, f"{page} asked hosts outside the site: {outside}"
    # MathJax 2 probes font loading with a blank font at about:blank: no host is asked, but the
    # browser logs the refusal; it is the only failure allowed
    failed = [f for f in failed if not f.startswith("about:")]
    assert not failed, f"{page}: failed requests {failed}"
    logged = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    severe = [m for m in logged if "about:blank" not in m]
    assert not severe, f"{page}: console errors {severe}"
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length"
    )
    assert broken == 0, f"{page}: {broken} image(s) did not show"


def test_notebook_pages_show_their_plots_maths_and_widget_snapshots(browser, site):
    for chapter in COURSE:
        browser.get(site + page_name(chapter.file))
        plots = browser.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output img")
        if chapter.number in ("03", "05", "06", "07", "08"):
            assert plots, f"{chapter.file}: no plot on its page"
        nav = browser.find_element(By.CSS_SELECTOR, "nav.course-nav").text
        assert "Contents" in nav, f"{chapter.file}: no navigation bar"
    browser.get(site + page_name("05_contrastive_learning.ipynb"))
    WebDriverWait(browser, 30).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".MathJax_CHTML, .MathJax, mjx-container")
    )
    browser.get(site + page_name("02_tokenization.ipynb"))
    text = browser.find_element(By.TAG_NAME, "body").text
    assert NOTE in text and "VBox(children=" not in text, "02: the playground has no snapshot"
