"""The built website as a reader meets it, in headless Chromium with no network.

Every page loads from 127.0.0.1 with no failed request, no request to another host and no
console error; math is typeset (no raw TeX left); every image loads; every precomputed-frame
stepper and every jshtml animation changes what it shows when clicked or slid, with no kernel.
The last tests break a page on purpose (block MathJax, block the widget manager) and check
that these same checks then fail, so they cannot pass vacuously.
"""
import hashlib
import json
import re
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"
SHOTS = SITE.parent / "screenshots"
PAGES = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
               if not p.relative_to(SITE).parts[0].startswith(("_", "genindex", "search", "py-modindex"))) \
    if SITE.exists() else []
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
RAW_TEX = re.compile(r"\$\$|\\frac|\\sum|\\begin\{|\\delta|\\alpha|\\partial|\\sigma")


def wait_for_math(page):
    """Wait until MathJax has finished typesetting (or is absent / failed to load)."""
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise",
        timeout=20_000)
    page.evaluate("() => (window.MathJax && window.MathJax.startup) ? window.MathJax.startup.promise : null")


def math_problems(page) -> list[str]:
    """Reasons the page's math is not properly typeset (empty list: all good)."""
    problems = []
    n_math_src = page.evaluate("() => document.querySelectorAll('.math, mjx-container').length")
    if n_math_src and page.evaluate("() => document.querySelectorAll('mjx-container').length") == 0:
        problems.append("math present but MathJax typeset nothing")
    text = page.evaluate("""() => {
        const body = document.querySelector('main') || document.body;
        const clone = body.cloneNode(true);
        clone.querySelectorAll('pre, code, .highlight, mjx-container, script, style, .cell_input, dt.sig')
             .forEach(e => e.remove());
        return clone.innerText;
    }""")
    leftover = RAW_TEX.findall(text)
    if leftover:
        problems.append(f"raw TeX left in the page text: {sorted(set(leftover))[:5]}")
    return problems


def _visible_frames(stack) -> str:
    src = stack.evaluate("""el => [...el.querySelectorAll('img')]
        .filter(i => i.offsetParent !== null).map(i => i.src).join('|')""")
    return hashlib.sha1(src.encode()).hexdigest()


def _changes(read, before, page, timeout_ms: int = 5000) -> bool:
    """Poll ``read()`` until it differs from ``before`` (True) or the timeout passes (False):
    a loaded machine may take a moment to swap the frame."""
    for _ in range(timeout_ms // 100):
        if read() != before:
            return True
        page.wait_for_timeout(100)
    return read() != before


def stepper_problems(page) -> list[str]:
    """Move every kernel-free stepper's slider and click every animation's 'next frame';
    return the ones whose picture did not change."""
    problems = []
    steppers = page.locator(".lstm-stepper")
    n_widget_views = page.evaluate(
        """() => document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length""")
    if n_widget_views and steppers.count() == 0 and page.locator(".widget-box, .jupyter-widgets").count() == 0:
        problems.append(f"{n_widget_views} widget views stored but none rendered")
    for k in range(steppers.count()):
        stack = steppers.nth(k)
        slider = stack.locator("xpath=..").locator(".widget-slider .noUi-handle, .widget-slider input").first
        before = _visible_frames(stack)
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        if not _changes(lambda: _visible_frames(stack), before, page):
            problems.append(f"stepper {k} did not change its frame when the slider moved")
    animations = page.locator("div.animation")
    for k in range(animations.count()):
        anim = animations.nth(k)
        img = anim.locator("img").first
        before = img.get_attribute("src")
        anim.locator("button[title='Next frame'], button[title='Step forward']").first.click()
        if not _changes(lambda: img.get_attribute("src"), before, page):
            problems.append(f"animation {k} did not advance on 'next frame'")
    return problems


def test_site_has_the_chapters():
    assert "index.html" in PAGES and CHAPTERS, f"expected index and chapter pages, found {PAGES}"


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_clean_and_typeset(open_page, path):
    rec = open_page(path)
    page = rec.page
    wait_for_math(page)
    assert not rec.outside, f"{path}: requests to outside hosts: {rec.outside[:5]}"
    assert not rec.failed, f"{path}: failed requests: {rec.failed[:5]}"
    assert not rec.console_errors, f"{path}: console errors: {rec.console_errors[:5]}"
    assert not math_problems(page), f"{path}: {math_problems(page)}"
    broken = page.evaluate("""() => [...document.images]
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert not broken, f"{path}: images that did not load: {broken[:5]}"
    if path.startswith("chapters/"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / (path.replace("/", "_") + ".png")), full_page=True)


@pytest.mark.parametrize("path", CHAPTERS)
def test_steppers_respond_without_kernel(open_page, path):
    rec = open_page(path)
    rec.page.wait_for_timeout(300)
    problems = stepper_problems(rec.page)
    assert not problems, f"{path}: {problems}"
    assert not rec.console_errors, f"{path}: console errors while stepping: {rec.console_errors[:5]}"


def test_navigation_search_and_downloads(open_page):
    rec = open_page("index.html")
    page = rec.page
    assert page.locator("nav.bd-docs-nav a.reference.internal").count() >= 2, "no table of contents"
    page.locator("a.right-next").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(".html") and "index.html" not in page.url
    rec2 = open_page("search.html?q=gradient")
    rec2.page.wait_for_selector("ul.search li", timeout=15_000)
    assert rec2.page.locator("ul.search li").count() > 0, "search found nothing for 'gradient'"
    rec3 = open_page(CHAPTERS[0])
    hrefs = rec3.page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '')")
    assert any(h.endswith(".ipynb") for h in hrefs), "no .ipynb download link on a chapter page"
    notation = [h for h in hrefs if "01_notation" in h]
    assert notation, "the Notation chapter is not linked from a chapter page"


def test_api_reference_links_back_to_the_chapters(open_page):
    """Docstrings' "Chapter N" are links (``_ext/chapter_links.py``) to pages that exist."""
    rec = open_page("appendix/api.html")
    page = rec.page
    hrefs = page.evaluate("""() => [...document.querySelectorAll('a.reference.internal')]
        .map(a => a.getAttribute('href'))""")
    hrefs = [h for h in hrefs if re.search(r"chapters/\d\d_", h or "")]
    chapters = {h.split("#")[0] for h in hrefs}
    assert len(chapters) >= 15, f"only {len(chapters)} chapters linked from the API reference"
    for href in chapters:
        assert (SITE / "appendix" / href).resolve().exists(), f"API reference links to missing {href}"
    page.locator("a.reference.internal[href*='11_lstm_forward_backward']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("chapters/11_lstm_forward_backward.html")


# --- the checks can fail -------------------------------------------------------------------

def test_math_check_fails_when_mathjax_is_missing(open_page):
    rec = open_page("chapters/01_notation.html", block=("tex-mml-chtml.js",))
    wait_for_math(rec.page)
    assert math_problems(rec.page), "math check passed on a page whose MathJax was blocked"


def test_stepper_check_fails_when_the_widget_manager_is_missing(open_page):
    with_steppers = None
    for path in CHAPTERS:
        rec = open_page(path)
        if rec.page.locator(".lstm-stepper").count():
            with_steppers = path
            break
    if with_steppers is None:
        pytest.skip("no chapter has a stepper yet")
    rec = open_page(with_steppers, block=("embed-amd.js",))
    rec.page.wait_for_timeout(300)
    assert rec.page.locator(".lstm-stepper").count() == 0 or stepper_problems(rec.page), \
        "stepper check passed although the widget manager was blocked"
    assert stepper_problems(rec.page), "stepper check passed although the widget manager was blocked"


# --- the page as a book: one search box, folded figure code, code that fits, honest links ------

FOLD_SHOW, FOLD_HIDE = "Show the plotting code", "Hide the plotting code"
SEARCH_BOXES = """() => [...document.querySelectorAll(
    '.search-button-field, .search-button, #searchbox input, form.bd-search input')]
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().width > 0).length"""
CUT_OFF_CODE = """() => {
    document.querySelectorAll('details').forEach(d => d.open = true);   // folded code too
    return [...document.querySelectorAll('div.highlight pre')]
        .filter(p => p.scrollWidth > p.clientWidth + 1)
        .map(p => p.textContent.trim().split('\\n')[0].slice(0, 60));
}"""


def folded_cells(path: str) -> int:
    """How many code cells of the page's notebook are folded as plotting code."""
    nb = json.loads((SITE.parents[1] / path.replace(".html", ".ipynb")).read_text(encoding="utf-8"))
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code"
               and "hide-input" in c["metadata"].get("tags", [])
               and c["metadata"].get("mystnb", {}).get("code_prompt_show") == FOLD_SHOW)


@pytest.mark.parametrize("width", [1280, 500])
def test_exactly_one_search_box(open_page, width):
    for path in ("intro.html", CHAPTERS[0]):
        rec = open_page(path)
        rec.page.set_viewport_size({"width": width, "height": 900})
        rec.page.wait_for_timeout(200)
        assert rec.page.evaluate(SEARCH_BOXES) == 1, f"{path} at {width}px: not exactly one search box"


def test_search_box_count_sees_a_second_box(open_page):
    rec = open_page(CHAPTERS[0])
    rec.page.evaluate("""() => { const b = document.querySelector('.search-button-field');
                                 b.parentElement.appendChild(b.cloneNode(true)); }""")
    assert rec.page.evaluate(SEARCH_BOXES) == 2


def test_plotting_code_is_folded_and_unfolds_on_a_click(open_page):
    folded_pages = 0
    for path in CHAPTERS:
        expected = folded_cells(path)
        if not expected:
            continue
        folded_pages += 1
        page = open_page(path).page
        folds = page.locator(f"details.above-input:has(p.collapsed:text-is('{FOLD_SHOW}'))")
        assert folds.count() == expected, f"{path}: {folds.count()} folded code cells, notebook has {expected}"
        fold = folds.first
        code = fold.locator("div.cell_input pre")
        assert not code.is_visible(), f"{path}: folded plotting code is visible before a click"
        # the figure itself is not folded: it follows the toggle
        assert fold.locator("xpath=following-sibling::*[1]").is_visible()
        fold.locator("summary").click()
        code.wait_for(state="visible", timeout=5000)
        assert fold.locator("summary p.expanded").inner_text().strip() == FOLD_HIDE
    assert folded_pages >= 5, f"only {folded_pages} chapters fold plotting code"


@pytest.mark.parametrize("path", CHAPTERS)
def test_code_lines_are_not_cut_off(open_page, path):
    cut = open_page(path).page.evaluate(CUT_OFF_CODE)
    assert not cut, f"{path}: code blocks wider than their box: {cut[:5]}"


def test_cut_off_check_fails_without_wrapping(open_page):
    page = open_page("chapters/04_recurrent_networks.html").page
    page.add_style_tag(content="div.highlight pre { white-space: pre !important; }")
    assert page.evaluate(CUT_OFF_CODE), "cut-off check passed on code that does not wrap"
