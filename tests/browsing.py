"""A served Datasette and a headless Chromium for the browser tests (shared by their modules)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"datasette exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"datasette did not answer {url}")


@contextmanager
def served(db: Path) -> Iterator[str]:
    """``datasette serve DB`` on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(db), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=db.parent,  # not the checkout: serve what is installed
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Debian's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser, server: str) -> Iterator[object]:
    """A page whose ``problems`` list records console errors, failed requests and any
    request off the server."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    problems: list[str] = []

    def on_console(message):
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def on_request(request):
        if not request.url.startswith((server, "data:")):
            problems.append(f"off-site request: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_failed(request):
        # a fetch the browser drops because the test navigated away is no failure
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", on_failed)
    page.on("request", on_request)
    page.problems = problems
    try:
        yield page
    finally:
        context.close()
