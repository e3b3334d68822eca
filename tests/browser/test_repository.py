"""Repository and launch links on the built site follow the one setting (``_ext/header.py``).

The site ``make book`` built is checked against the setting it was built with (``BOOK_REPO_URL``,
or a GitHub ``origin``): with none, no page may link to a repository, offer Binder or Colab, or
name the repository an earlier configuration invented. A small book (one chapter, the book's own
configuration) is also built with a repository configured, and its links checked, so that both
cases are tested whatever the default is.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "_ext"))
import header  # noqa: E402

DEAD = "understanding-lstm/understanding-lstm-executable"
CHAPTER = "chapters/04_recurrent_networks"
FORK = "https://github.com/a-teacher/lstm-course"   # a made-up fork: its links are only checked
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def links(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")


def first_code_cell(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def link_problems(page, site: Path, url: str | None) -> list[str]:
    """What is wrong with a chapter page's repository links for the configured ``url``."""
    problems = []
    hrefs = links(page)
    repo_button = page.locator("a.btn-source-repository-button")
    launch = page.locator(".dropdown-launch-buttons a")
    notebook_copy = site / "_sources" / f"{CHAPTER}.ipynb"
    if url is None:
        if repo_button.count() or launch.count():
            problems.append(f"{repo_button.count()} repository and {launch.count()} launch buttons "
                            "although no repository is configured")
        github = [h for h in hrefs if "github.com" in h or "mybinder.org" in h or "colab." in h]
        if github:
            problems.append(f"links to a repository: {github[:3]}")
        if header.setup_block() not in first_code_cell(notebook_copy):
            problems.append("the downloadable notebook does not say how to get lstm_core")
        return problems
    owner_repo = url.removeprefix("https://github.com/")
    expected = {
        "repository": url,
        "Binder": f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/{CHAPTER}.ipynb",
        "Colab": f"https://colab.research.google.com/github/{owner_repo}/blob/main/{CHAPTER}.ipynb",
    }
    found = {"repository": [repo_button.nth(k).get_attribute("href") for k in range(repo_button.count())],
             "Binder": [], "Colab": []}
    for k in range(launch.count()):
        href = launch.nth(k).get_attribute("href")
        found["Binder" if "mybinder.org" in href else "Colab" if "colab." in href else href] = [href]
    for name, href in expected.items():
        if found.get(name) != [href]:
            problems.append(f"{name} link {found.get(name)!r}, expected {href!r}")
    stray = [h for h in hrefs if "github.com/" in h and owner_repo not in h]
    if stray:
        problems.append(f"links to another repository: {stray[:3]}")
    if header.setup_block(url) not in first_code_cell(notebook_copy):
        problems.append("the downloadable notebook does not install lstm_core from the repository")
    if f"git+{url}" not in page.locator("div.cell_input").first.inner_text():
        problems.append("the page's first code cell does not show the install line")
    return problems


def test_no_page_names_the_invented_repository():
    pages = [p for p in SITE.rglob("*") if p.suffix in (".html", ".ipynb", ".js")]
    assert pages
    named = [str(p.relative_to(SITE)) for p in pages if DEAD in p.read_text(encoding="utf-8", errors="ignore")]
    assert not named, f"pages naming {DEAD}: {named[:5]}"


def test_default_build_follows_the_setting(open_page):
    url = header.repository_url(ROOT)
    rec = open_page(f"{CHAPTER}.html")
    problems = link_problems(rec.page, SITE, url)
    assert not problems, f"site built for repository {url!r}: {problems}"


# --- a build with a repository configured ------------------------------------------------

@pytest.fixture(scope="module")
def configured_site(tmp_path_factory):
    book = tmp_path_factory.mktemp("book")
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, book / name)
    for name in ("_ext", "_assets", "_extra"):
        shutil.copytree(ROOT / name, book / name, ignore=shutil.ignore_patterns("__pycache__"))
    (book / "chapters").mkdir()
    shutil.copy(ROOT / f"{CHAPTER}.ipynb", book / f"{CHAPTER}.ipynb")
    (book / "_toc.yml").write_text(f"format: jb-book\nroot: {CHAPTER}\n", encoding="utf-8")
    env = {**os.environ, header.ENV: FORK}
    # links to the chapters left out of this small book warn; the full build runs with -W
    done = subprocess.run([str(JUPYTER_BOOK), "build", str(book), "--quiet"], env=env,
                          capture_output=True, text=True, timeout=600)
    site = book / "_build" / "html"
    assert (site / f"{CHAPTER}.html").exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return site


@pytest.fixture(scope="module")
def configured_url(configured_site, serve):
    with serve(configured_site) as url:
        yield url


def test_configured_build_links_the_repository_binder_and_colab(browser, configured_site, configured_url):
    ctx = browser.new_context()
    page = ctx.new_page()
    outside = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(configured_url)
               else (outside.append(r.request.url), r.abort()))
    page.goto(f"{configured_url}/{CHAPTER}.html", wait_until="load")
    try:
        problems = link_problems(page, configured_site, FORK)
        assert not problems, problems
        assert not [u for u in outside if "github" in u or "binder" in u or "colab" in u], \
            "the page loads something from the repository's hosts"
        # the same page must fail the unconfigured check: the two cases are told apart
        assert link_problems(page, configured_site, None)
    finally:
        ctx.close()
