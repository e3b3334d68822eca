"""Fixtures for the browser tests: the built site served on 127.0.0.1 and headless Chromium.

The tests drive Debian's Chromium through Playwright (no browser download). Every request to a
host other than 127.0.0.1 is aborted and recorded, so a page that needs the internet fails.
"""
import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    reason = None
    if CHROMIUM is None:
        reason = "Chromium not installed (apt-get install chromium; .ci/run does this)"
    elif not (SITE / "index.html").exists():
        reason = "site not built: run `make book` first"
    if reason:
        import os
        if os.environ.get("CI"):
            raise pytest.UsageError(f"browser tests cannot run in CI: {reason}")
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serving(directory):
    """Serve ``directory`` on a free local port; yields its URL. The listening socket is closed
    afterwards (left open, it is a ResourceWarning under ``pytest -W error``)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def serve():
    """``with serve(path) as url``: a directory served on a free local port."""
    return _serving


@pytest.fixture(scope="session")
def base_url():
    with _serving(SITE) as url:
        yield url


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        # Playwright gives the browser a fresh temporary profile of its own.
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


class PageRecord:
    """A loaded page with what went wrong while loading it."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []


@pytest.fixture
def open_page(browser, base_url):
    contexts = []

    def _open(path: str, block: tuple[str, ...] = ()) -> PageRecord:
        """Load ``path`` from the local server; requests whose URL contains one of ``block`` are
        aborted (used to prove that the checks fail when a page's math or widgets break)."""
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        rec = PageRecord(page)

        def route(r):
            if any(b in r.request.url for b in block):
                r.abort()
            elif r.request.url.startswith(base_url) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                rec.outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: rec.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: rec.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: rec.failed.append(r.url)
                if r.url.startswith(base_url) and not any(b in r.url for b in block) else None)
        page.on("response", lambda r: rec.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{base_url}/{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        return rec

    yield _open
    for ctx in contexts:
        ctx.close()
