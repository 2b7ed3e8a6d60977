"""Real-browser fixtures: JupyterLab served as `make course` serves it, driven by headless Chromium.

Debian's `chromium` and `chromium-driver` (installed by `make setup` where it can) are used through
Selenium with the system driver: no browser download. Without them the tests are skipped, except
under CI=true, where a missing browser is a failure. Screenshots of failed tests are kept in
tests/browser/screenshots/ (git-ignored).
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from course_lib.core.paths import NOTEBOOKS_DIR
from course_lib.workshop import learner_copies

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MISSING = "no chromium/chromedriver: `make setup` installs Debian's chromium and chromium-driver"
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAB_SETTINGS = {  # every cell in the page (no virtual scrolling), no news fetched from outside,
    # and only the tests' own saves (no autosave writing while a test reads the file)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests where there is no chromium (fail instead under CI=true)."""
    if (CHROMIUM and DRIVER) or os.environ.get("CI") == "true":
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see whether the test failed."""
    outcome = yield
    setattr(item, f"report_{call.when}", outcome.get_result())


class Lab(NamedTuple):
    """A running JupyterLab: its address and token."""

    base: str
    token: str
    home: Path  # the server's log (lab.log) and the learner copies (my-notebooks/) live here

    def url(self, notebook: str) -> str:
        """The notebook alone in a fresh workspace of its own (no other tab, no restored state)."""
        return f"{self.base}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?reset&token={self.token}"

    def diagnosis(self, lines: int = 40) -> str:
        """What the server saw: the notebooks folder's listing and the last lines of its log."""
        listing = sorted(p.name for p in (self.home / "my-notebooks").iterdir())
        log = (self.home / "lab.log").read_text(errors="replace").splitlines()[-lines:]
        return f"files: {listing}\nserver log (last {lines} lines):\n" + "\n".join(log)


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_settings(folder: Path) -> None:
    """Write the user settings JupyterLab reads (one JSON file per plugin)."""
    for name, values in LAB_SETTINGS.items():
        plugin, file = name.rsplit("/", 1)
        (folder / plugin).mkdir(parents=True, exist_ok=True)
        (folder / plugin / file).write_text(json.dumps(values))


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    """Poll the server's status API until it answers; fail with its log if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """Serve learner copies of the notebooks (smoke profile) with JupyterLab; yield its base URL."""
    home = tmp_path_factory.mktemp("lab")
    work, settings = home / "my-notebooks", home / "settings"
    learner_copies(NOTEBOOKS_DIR, work)
    write_settings(settings)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "COURSE_PROFILE": "smoke", "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={work}", f"--LabApp.user_settings_dir={settings}"]
    command += [f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    command += ["--allow-root"] if os.geteuid() == 0 else []
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/api/status?token={token}", server)
        yield Lab(base, token, home)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def chrome():
    """One headless Chromium for the session, offline: every outside host name fails to resolve."""
    if not (CHROMIUM and DRIVER):
        pytest.fail(MISSING)  # reached only under CI=true, where the browser tests must run
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chrome, request):
    """The session's browser for one test; a screenshot is kept when the test fails."""
    chrome.get_log("browser")  # start each test with an empty console log
    chrome.get_log("performance")  # and an empty network log
    yield chrome
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        chrome.save_screenshot(str(SCREENSHOTS / f"{request.node.name}.png"))
