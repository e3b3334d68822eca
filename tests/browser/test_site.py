"""The built website as a reader meets it, in headless Chromium with no network.

Every page loads from 127.0.0.1 with no failed request, no request to another host and no
console error; math is typeset (no raw TeX left); every image loads; every precomputed-frame
stepper and every jshtml animation changes what it shows when clicked or slid, with no kernel.
"""
import hashlib
import re

import pytest

from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"
SHOTS = SITE.parent / "screenshots"

PAGES = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
               if not p.relative_to(SITE).parts[0].startswith(("_", "genindex", "search"))) \
    if SITE.exists() else []
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
RAW_TEX = re.compile(r"\$\$|\\frac|\\sum|\\begin\{|\\delta|\\alpha|\\partial")


def wait_for_math(page):
    page.wait_for_function("() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)",
                           timeout=20_000)
    page.evaluate("() => window.MathJax ? window.MathJax.startup.promise : null")


def visible_text_without_code(page) -> str:
    return page.evaluate("""() => {
        const body = document.querySelector('main') || document.body;
        const clone = body.cloneNode(true);
        clone.querySelectorAll('pre, code, .highlight, mjx-container, script, style, .cell_input')
             .forEach(e => e.remove());
        return clone.innerText;
    }""")


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
    n_math_src = page.evaluate("() => document.querySelectorAll('.math, mjx-container').length")
    if n_math_src:
        assert page.evaluate("() => document.querySelectorAll('mjx-container').length") > 0, \
            f"{path}: math present but MathJax typeset nothing"
    leftover = RAW_TEX.findall(visible_text_without_code(page))
    assert not leftover, f"{path}: raw TeX left in the page text: {leftover[:5]}"
    broken = page.evaluate("""() => [...document.images]
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert not broken, f"{path}: images that did not load: {broken[:5]}"
    if path.startswith("chapters/"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / (path.replace("/", "_") + ".png")), full_page=True)


def _frame_hash(page, locator):
    src = locator.evaluate("""el => {
        const imgs = [...el.querySelectorAll('img')].filter(i => i.offsetParent !== null);
        return imgs.map(i => i.src).join('|');
    }""")
    return hashlib.sha1(src.encode()).hexdigest()


@pytest.mark.parametrize("path", CHAPTERS)
def test_steppers_respond_without_kernel(open_page, path):
    rec = open_page(path)
    page = rec.page
    page.wait_for_timeout(300)
    steppers = page.locator(".lstm-stepper")
    expected = page.evaluate("""() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')].length""")
    for k in range(steppers.count()):
        stack = steppers.nth(k)
        box = stack.locator("xpath=..")
        slider = box.locator(".widget-slider .noUi-handle, .widget-slider input").first
        before = _frame_hash(page, stack)
        slider.focus()
        for _ in range(2):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
        after = _frame_hash(page, stack)
        assert before != after, f"{path}: stepper {k} did not change its frame when the slider moved"
    animations = page.locator("div.animation")
    for k in range(animations.count()):
        anim = animations.nth(k)
        img = anim.locator("img").first
        before = hashlib.sha1(img.get_attribute("src").encode()).hexdigest()
        anim.locator("button[title='Next frame'], button[title='Step forward']").first.click()
        page.wait_for_timeout(200)
        after = hashlib.sha1(img.get_attribute("src").encode()).hexdigest()
        assert before != after, f"{path}: animation {k} did not advance on 'next frame'"
    assert not rec.console_errors, f"{path}: console errors while stepping: {rec.console_errors[:5]}"
    if expected:
        assert page.locator(".widget-box, .jupyter-widgets").count() > 0, f"{path}: widgets not rendered"


def test_navigation_and_search(open_page):
    rec = open_page("index.html")
    page = rec.page
    toc_links = page.locator("nav.bd-docs-nav a.reference.internal")
    assert toc_links.count() >= 2, "table of contents has no links"
    page.locator("a.right-next").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(".html") and "index.html" not in page.url
    rec2 = open_page("search.html?q=gradient")
    rec2.page.wait_for_selector("#search-results li, ul.search li", timeout=15_000)
    assert rec2.page.locator("ul.search li").count() > 0, "search found nothing for 'gradient'"
