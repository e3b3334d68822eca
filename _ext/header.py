"""What a page's header offers: the book's repository, Binder and Colab, and one search box.

The repository comes from one setting, the environment variable ``BOOK_REPO_URL`` (``make book
BOOK_REPO_URL=https://github.com/you/your-fork``). Unset, it is ``git remote get-url origin`` when
that is a GitHub repository; empty, or with neither, the site has no repository icon and no launch
buttons, rather than links to a repository that does not exist.

The same URL goes into the first code cell of every chapter as the website publishes it (the page
and the downloadable .ipynb): the committed notebooks say in one line how to install ``lstm_core``
when it cannot be imported, the published ones install it from the configured repository.
"""
import json
import os
import re
import subprocess
from pathlib import Path

from sphinx.errors import ConfigError

ENV = "BOOK_REPO_URL"
_GITHUB = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                     r"(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$")

# The first code cell of every chapter starts with this block (tests/test_notebooks.py checks it).
_TRY = ("try:  # lstm_core comes with the book's repository (make lab, Binder)\n"
        "    import lstm_core\n"
        "except ImportError:  # this notebook was opened on its own (Colab, a download)\n")
_SAY = ("    raise ImportError(\"lstm_core is not installed: %pip install \"\n"
        "                      \"'lstm_core[notebooks] @ git+<URL of the book's repository>'\") from None\n")
_INSTALL = "    %pip install --quiet \"lstm_core[notebooks] @ git+{url}\"\n"


def setup_block(url: str | None = None) -> str:
    """The lines that open a chapter's first code cell: without ``url`` they only say how to get
    ``lstm_core``; with it they install it from that repository."""
    return _TRY + (_INSTALL.format(url=url) if url else _SAY)


def github_url(url: str) -> str | None:
    """``https://github.com/OWNER/REPO`` for any usual spelling of a GitHub remote, else None."""
    m = _GITHUB.match(url.strip())
    return f"https://github.com/{m['owner']}/{m['repo']}" if m else None


def repository_url(srcdir: str | Path = ".", environ=os.environ) -> str | None:
    """The configured repository: ``$BOOK_REPO_URL`` if set (empty: none), else the git remote
    ``origin`` when it is on GitHub, else None."""
    if ENV in environ:
        given = environ[ENV].strip()
        if not given:
            return None
        url = github_url(given)
        if url is None:
            raise ConfigError(f"{ENV}={given!r} is not a GitHub repository URL "
                              "(https://github.com/OWNER/REPO); Binder and Colab need one")
        return url
    try:
        origin = subprocess.run(["git", "remote", "get-url", "origin"], cwd=srcdir,
                                capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return github_url(origin) if origin.strip() else None


def stamp_notebook(nb: dict, url: str | None) -> bool:
    """Put ``url`` into the setup block of the notebook's first code cell; True if it changed."""
    if not url:
        return False
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not code:
        return False
    src = code[0]["source"]
    text = "".join(src) if isinstance(src, list) else src
    if setup_block() not in text:
        return False
    text = text.replace(setup_block(), setup_block(url), 1)
    code[0]["source"] = text.splitlines(keepends=True) if isinstance(src, list) else text
    return True


def _configure(app, config):
    url = repository_url(app.srcdir)
    config.book_repository_url = url
    opts = config.html_theme_options
    # sphinx-book-theme has its search box in the sidebar; pydata-sphinx-theme >= 0.16 adds a
    # second one in a header bar unless navbar_persistent is set.
    opts["navbar_persistent"] = []
    if url:
        opts["repository_url"] = url
        opts["use_repository_button"] = True
    else:
        opts.pop("repository_url", None)
        opts["use_repository_button"] = False
        opts.pop("launch_buttons", None)   # Binder / Colab need a repository


def _stamp_source(app, docname, source):
    url = app.config.book_repository_url
    if not url or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    nb = json.loads(source[0])
    if stamp_notebook(nb, url):
        source[0] = json.dumps(nb, ensure_ascii=False)


def _stamp_downloads(app, exception):
    """The .ipynb offered for download is Sphinx's copy of the source: stamp it as the page."""
    url = app.config.book_repository_url
    if exception is not None or not url or app.builder.format != "html":
        return
    for docname in app.env.found_docs:
        src = Path(app.env.doc2path(docname))
        copy = Path(app.outdir, "_sources", docname + src.suffix)
        if src.suffix == ".ipynb" and copy.exists():
            nb = json.loads(src.read_text(encoding="utf-8"))
            if stamp_notebook(nb, url):
                copy.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def setup(app):
    app.add_config_value("book_repository_url", None, "env")
    app.connect("config-inited", _configure)
    app.connect("source-read", _stamp_source)
    app.connect("build-finished", _stamp_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
