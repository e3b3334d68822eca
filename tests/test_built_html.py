"""Build artefacts in the pages a reader sees: checked on the built site (_build/html).

Slips that only show after the build — a cross-reference role doubled with its own word
("Exercise Exercise 4"), a NumPy scalar printed with its type (``np.int64(3)``), an equation
label printed raw instead of its number ("eq. (eq-rnn-net)"), a MyST role left unparsed — are
looked for in the visible text of every page (scripts and styles left out, code cells and their
outputs included: a reader sees those too).

`make test` runs this file after the book build (the ``browser`` target). Without a built site
it is skipped with a message, except under CI, where a missing site is an error. The checker
itself is tested on small made-up pages, so the patterns are known to catch each slip.
"""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"

#: (name, pattern) of every slip; each pattern runs over the visible text of a page
SLIPS = [
    ("doubled 'Exercise'", re.compile(r"\bexercise\s+exercise\b", re.IGNORECASE)),
    ("NumPy scalar repr", re.compile(r"\bnp\.(?:int|uint|float|bool|str|complex)_?\d*\(")),
    ("raw equation label", re.compile(r"(?<![\w-])eq-[a-z0-9]")),
    ("unparsed MyST role", re.compile(r"\{(?:eq|numref|ref|doc|glue:text|glue|cite:p|cite:t|func|class|mod)\}`")),
]


class _VisibleText(HTMLParser):
    """The text of a page as a reader sees it: everything but <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Visible text of an HTML page, whitespace collapsed to single spaces."""
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def find_slips(html: str) -> list[str]:
    """Every slip in a page, as 'name: …context…' lines (empty when the page is clean)."""
    text = visible_text(html)
    found = []
    for name, pattern in SLIPS:
        for m in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, m.start() - 60):m.end() + 40]}…")
    return found


def _pages() -> list[Path]:
    return sorted(p for p in SITE.rglob("*.html")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(SITE).parts))


# ------------------------------------------------------------------ the checker on made-up pages

@pytest.mark.parametrize("snippet", [
    "<p>(see <a href='#x'>Exercise Exercise 47</a>)</p>",
    "<p>exercise <span>Exercise 4</span> asks you</p>",
    "<p>wins in np.int64(3) of 3 cases</p>",
    "<pre>np.float64(0.25)</pre>",
    "<p>one step at a time: eq. (eq-rnn-net)</p>",
    "<p>Equation (eq-vg-paths): all paths</p>",
    "<p>see {eq}`eq-cec-state`</p>",
])
def test_checker_catches_each_slip(snippet):
    assert find_slips(f"<html><body>{snippet}</body></html>"), snippet


@pytest.mark.parametrize("snippet", [
    "<p>Exercise 4 asks you to prove it; see <a href='#equation-eq-rnn-net'>(12)</a>.</p>",
    "<p id='eq-rnn-net'>the frequency of a sequence, freq-eq-x</p>",
    "<script>var s = 'np.int64(3) eq-x Exercise Exercise';</script><p>clean</p>",
    "<p>3 of 3 cases, 0.25</p>",
])
def test_checker_passes_clean_pages(snippet):
    assert find_slips(f"<html><body>{snippet}</body></html>") == []


# ------------------------------------------------------------------ the built site

def test_built_pages_have_no_build_artefacts():
    if not (SITE / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("site not built: the book build must run before this test (make test does)")
        pytest.skip("site not built: run `make book` first (make test runs this after the build)")
    pages = _pages()
    assert any(p.parent.name == "chapters" for p in pages), "no chapter pages in the built site"
    problems = []
    for page in pages:
        for slip in find_slips(page.read_text(encoding="utf-8")):
            problems.append(f"{page.relative_to(SITE)}: {slip}")
    assert not problems, "build artefacts in the pages:\n" + "\n".join(problems)
