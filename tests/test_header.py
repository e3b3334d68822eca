"""The repository setting (``_ext/header.py``) and the first code cell of every chapter.

The built site is checked in ``tests/browser/test_site.py``; these tests check the pieces
without a build: which URL a setting gives, and what a chapter does when it is opened outside
the repository.
"""
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sphinx.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import header  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("remote", ["https://github.com/ann/lstm-book", "https://github.com/ann/lstm-book.git",
                                    "https://github.com/ann/lstm-book/", "git@github.com:ann/lstm-book.git",
                                    "ssh://git@github.com/ann/lstm-book.git"])
def test_github_remotes_give_one_url(remote):
    assert header.github_url(remote) == "https://github.com/ann/lstm-book"


@pytest.mark.parametrize("remote", ["https://gitlab.com/ann/lstm-book", "/srv/git/book.git",
                                    "https://github.com/ann", "https://example.org/github.com/ann/b"])
def test_other_remotes_give_none(remote):
    assert header.github_url(remote) is None


def _repo(tmp_path, origin=None):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if origin:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", origin], check=True)
    return tmp_path


def test_the_setting_wins_and_empty_means_none(tmp_path):
    repo = _repo(tmp_path, "git@github.com:ann/lstm-book.git")
    assert header.repository_url(repo, environ={}) == "https://github.com/ann/lstm-book"
    assert header.repository_url(repo, environ={header.ENV: "https://github.com/bob/fork"}) \
        == "https://github.com/bob/fork"
    assert header.repository_url(repo, environ={header.ENV: ""}) is None
    with pytest.raises(ConfigError, match="not a GitHub repository"):
        header.repository_url(repo, environ={header.ENV: "https://gitlab.com/bob/fork"})


def test_no_origin_or_no_github_origin_means_no_repository(tmp_path):
    assert header.repository_url(_repo(tmp_path / "a"), environ={}) is None
    assert header.repository_url(_repo(tmp_path / "b", "https://gitlab.com/ann/b"), environ={}) is None
    assert header.repository_url(tmp_path / "not-a-repo-at-all", environ={}) is None


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_first_code_cell_gets_lstm_core_outside_the_repository(path):
    """In the repository the block imports lstm_core and prints nothing (nbval compares the
    cell's empty output); opened on its own it says how to install it in one line."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert header.setup_block() in source, f"{path.name}: the first code cell lacks the setup block"
    before = source.split(header.setup_block())[0]
    assert "lstm_core" not in before and "numpy" not in before, \
        f"{path.name}: the setup block must come before anything that imports lstm_core"
    assert "%matplotlib inline" in source


def test_the_setup_block_says_one_line_or_installs():
    said = header.setup_block()
    assert "raise ImportError" in said and "%pip" not in said.split("raise")[0]
    with pytest.raises(ImportError, match=r"^lstm_core is not installed: %pip install "
                                          r"'lstm_core\[notebooks\] @ git\+<URL of the book's repository>'$"):
        exec(said.replace("import lstm_core", "import lstm_core_not_installed_anywhere"), {})
    installs = header.setup_block("https://github.com/ann/lstm-book")
    assert installs.endswith('    %pip install --quiet "lstm_core[notebooks] @ git+https://github.com/ann/lstm-book"\n')
    assert "raise" not in installs


def test_stamping_changes_only_the_setup_block():
    nb = json.loads(CHAPTERS[0].read_text(encoding="utf-8"))
    before = json.dumps(nb)
    assert not header.stamp_notebook(nb, None) and json.dumps(nb) == before
    assert header.stamp_notebook(nb, "https://github.com/ann/lstm-book")
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert header.setup_block("https://github.com/ann/lstm-book") in "".join(first["source"])
    assert not header.stamp_notebook(nb, "https://github.com/ann/lstm-book")   # done once


def test_the_install_line_names_an_extra_that_exists():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra = project["optional-dependencies"]["notebooks"]
    names = {d.split(">")[0].split("=")[0].strip() for d in extra}
    assert {"matplotlib", "ipywidgets", "myst-nb"} <= names   # viz, the steppers, glue


def test_binder_python_matches_what_the_pins_need():
    """repo2docker reads runtime.txt for the Python version; the pins (numpy 2.4) need ≥ 3.11."""
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime.startswith("python-3.")
    assert int(runtime.split(".")[1]) >= 11
