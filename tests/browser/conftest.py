"""A real `streamlit run` of the app on 127.0.0.1, driven by Playwright in Debian's Chromium.

Chromium is Debian's (/usr/bin/chromium); a browser is never downloaded. Without it these
tests skip with the reason shown — unless REQUIRE_BROWSER=1 (set by CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app as ``./dev app`` starts it (``python -m ui.serve``: ``streamlit run app.py`` with the default
    map prepared at start) on a free port of 127.0.0.1, with its own environment."""

    def __init__(self, env: dict | None = None, name: str = "streamlit-server"):
        ARTIFACTS.mkdir(exist_ok=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / f"{name}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.serve", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=self.log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"streamlit did not answer /_stcore/health within 60 s; see test-artifacts/{name}.log")

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB."""
        with open(f"/proc/{self.proc.pid}/status") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        return kb / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server({"HOTSPOT_STORE": str(tmp_path_factory.mktemp("store") / "empty.duckdb")})
    yield srv
    srv.stop()


def warm_up(browser, url: str) -> None:
    """Open the app once. Streamlit shows a spurious "Page not found" modal over the right page when the
    first session after a restart opens a page URL (streamlit/streamlit#9992); later sessions do not."""
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(url)
    pg.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    context.close()


@pytest.fixture(scope="session")
def app_url(server, browser):
    warm_up(browser, server.url)
    return server.url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = "Debian chromium is not installed (apt-get install chromium); browser tests skipped"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason.replace("skipped", "are required here (REQUIRE_BROWSER=1)"))
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()
