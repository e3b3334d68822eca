"""The equation index (appendix/equations.html) as a reader uses it, in headless Chromium.

Every link on the index resolves (the page exists and, for a link to a place in it, an element
with that id is there); it has one row per labelled equation, each typeset; every labelled
equation of every chapter links to its row, and the link lands there; the API reference's
"Book equations" lines link to equations that exist. The link checker is shown to catch a
broken link, so it cannot pass vacuously.
"""
import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from docutils.nodes import make_id

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
INDEX = "appendix/equations.html"


def _equation_map():
    spec = importlib.util.spec_from_file_location("equation_map", ROOT / "_ext" / "equation_map.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("equation_map", mod)
    spec.loader.exec_module(mod)
    return mod


M = _equation_map()


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)


def _ids_of(page, url: str, cache: dict) -> set | None:
    """The ids of the page at ``url`` as the server sends it (None if it does not load)."""
    if url not in cache:
        r = page.request.get(url)
        if not r.ok:
            cache[url] = None
        else:
            p = _Ids()
            p.feed(r.text())
            cache[url] = p.ids
    return cache[url]


def broken_links(page, base_url: str, hrefs: list[str], cache: dict) -> list[str]:
    """The internal links among ``hrefs`` (relative to the loaded page) whose page does not load
    or whose #fragment names no element of it."""
    bad = []
    for href in hrefs:
        if not href or href.startswith(("mailto:", "javascript:")):
            continue
        url = urljoin(page.url, href)
        if not url.startswith(base_url):
            continue
        target, _, frag = url.partition("#")
        ids = _ids_of(page, target, cache)
        if ids is None or (frag and frag not in ids):
            bad.append(href)
    return bad


def _main_hrefs(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href'))")


def _wait_for_math(page):
    page.wait_for_function("() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise",
                           timeout=20_000)
    page.evaluate("() => (window.MathJax && window.MathJax.startup) ? window.MathJax.startup.promise : null")


@pytest.fixture(scope="module")
def emap():
    return M.build(ROOT)


def test_every_link_on_the_index_resolves(open_page, base_url):
    rec = open_page(INDEX)
    page = rec.page
    assert not rec.failed and not rec.outside and not rec.console_errors, (rec.failed, rec.outside, rec.console_errors)
    hrefs = _main_hrefs(page)
    assert len(hrefs) > 300, f"only {len(hrefs)} links on the index"
    bad = broken_links(page, base_url, hrefs, {})
    assert not bad, f"{len(bad)} broken links on the index: {bad[:10]}"
    kinds = {"chapters": 0, "api": 0}
    for h in hrefs:
        kinds["chapters"] += "chapters/" in h and "#equation-" in h
        kinds["api"] += h.startswith("api.html#lstm_core.")
    assert kinds["chapters"] >= 80 and kinds["api"] >= 80, kinds


def test_one_typeset_row_per_labelled_equation(open_page, emap):
    rec = open_page(INDEX)
    page = rec.page
    _wait_for_math(page)
    rows = page.evaluate("""() => [...document.querySelectorAll('div.eqindex-row')].map(r => ({
        id: r.id, math: r.querySelectorAll('mjx-container').length,
        functions: r.querySelectorAll('.eqindex-code a').length,
        tests: r.querySelectorAll('code.eqindex-test').length,
        reason: r.querySelectorAll('.eqindex-reason').length}))""")
    assert sorted(r["id"] for r in rows) == sorted(make_id(f"eqindex-{e.label}") for e in emap.equations)
    assert all(r["math"] >= 1 for r in rows), [r["id"] for r in rows if not r["math"]]
    for r in rows:
        assert (r["functions"] >= 1 and r["tests"] >= 1) or r["reason"] == 1, r
    assert sum(r["reason"] for r in rows) == len(emap.without_code)
    text = page.inner_text("main")
    assert "(no function declares it yet)" not in text and "(no test checks it yet)" not in text


_LABELLED = re.compile(r'<div class="math[^"]*" id="(equation-[^"]+)">')
_BACKLINK = re.compile(r'\s*<p class="eqindex-link"><a [^>]*href="([^"]+)"')


def backlinks(html: str) -> list[tuple[str, str | None]]:
    """(id of each labelled equation, href of the index link right after it or None)."""
    out = []
    for m in _LABELLED.finditer(html):
        close = html.index("</div>", m.end()) + len("</div>")
        link = _BACKLINK.match(html, close)
        out.append((m.group(1), link.group(1) if link else None))
    return out


def test_each_chapter_equation_links_to_its_row(open_page, base_url, emap):
    """The chapters as served (fetched by the browser's request context; rendering 17 long
    pages would add nothing), then one link clicked through."""
    rec = open_page(INDEX)
    page = rec.page
    cache: dict = {}
    for doc in sorted({e.docname for e in emap.equations}):
        r = page.request.get(f"{base_url}/{doc}.html")
        assert r.ok, doc
        links = backlinks(r.text())
        labels = [e.label for e in emap.equations if e.docname == doc]
        assert [i for i, _ in links] == [make_id(f"equation-{label}") for label in labels], doc
        assert all(h for _, h in links), f"{doc}: equations without a link to the index: {links}"
        for (_, href), label in zip(links, labels):
            assert href == f"../{INDEX}#{make_id(f'eqindex-{label}')}", (doc, href)
            target, _, frag = urljoin(f"{base_url}/{doc}.html", href).partition("#")
            assert frag in _ids_of(page, target, cache), (doc, href)
    rec = open_page("chapters/05_bptt.html")
    rec.page.locator("#equation-eq-bptt-grad + p.eqindex-link a").click()
    rec.page.wait_for_load_state("load")
    assert rec.page.url.endswith(f"{INDEX}#eqindex-eq-bptt-grad")
    assert rec.page.evaluate("() => document.querySelector(':target') && document.querySelector(':target').id") \
        == "eqindex-eq-bptt-grad"


def test_backlink_reader_sees_a_missing_link():
    html = ('<div class="math notranslate nohighlight" id="equation-a">\\[x\\]</div>\n<p class="eqindex-link">'
            '<a class="eqindex-backlink" href="../x.html#r">code</a></p>'
            '<div class="math notranslate nohighlight" id="equation-b">\\[y\\]</div>\n<p>text</p>')
    assert backlinks(html) == [("equation-a", "../x.html#r"), ("equation-b", None)]


def test_api_entries_list_their_equations_linked(open_page, base_url, emap):
    rec = open_page("appendix/api.html")
    page = rec.page
    lines = page.evaluate("""() => [...document.querySelectorAll('dd > p')]
        .filter(p => p.textContent.startsWith('Book equations:'))
        .map(p => ({text: p.textContent, hrefs: [...p.querySelectorAll('a')].map(a => a.getAttribute('href'))}))""")
    n_labels = sum(len(d.labels) for d in emap.declarations)
    assert len(lines) == len(emap.declarations), (len(lines), len(emap.declarations))
    eq_links = [h for ln in lines for h in ln["hrefs"] if "#equation-" in h]
    assert len(eq_links) == n_labels
    assert not any(re.search(r"(?<![\w-])eq-[a-z]", ln["text"]) for ln in lines), "a raw label was left"
    bad = broken_links(page, base_url, [h for ln in lines for h in ln["hrefs"]], {})
    assert not bad, f"broken links in 'Book equations' lines: {bad[:10]}"


def test_the_link_checker_catches_a_broken_link(open_page, base_url):
    rec = open_page(INDEX)
    cache: dict = {}
    assert broken_links(rec.page, base_url, ["api.html#lstm_core.no_such_function"], cache)
    assert broken_links(rec.page, base_url, ["../chapters/99_missing.html"], cache)
    assert not broken_links(rec.page, base_url, ["api.html#lstm_core.rnn.rnn_backward"], cache)
