"""The API appendix documents every module of lstm_core (so a new module cannot be forgotten)."""
import pkgutil
import re
from pathlib import Path

import lstm_core

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_is_in_the_api_reference():
    api = (ROOT / "appendix" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule::\s*(\S+)", api))
    # a package documented with :imported-members: covers the submodules it re-exports
    whole = set(re.findall(r"automodule::\s*(\S+)\n\s*:members:\n\s*:imported-members:", api))
    modules = {m.name for m in pkgutil.walk_packages(lstm_core.__path__, "lstm_core.")
               if not m.name.rsplit(".", 1)[-1].startswith("_")
               and not any(m.name.startswith(p + ".") for p in whole)}
    missing = sorted(modules - documented)
    assert not missing, f"add these modules to appendix/api.md: {missing}"
    stale = sorted(m for m in documented - modules - {"lstm_core"})
    assert not stale, f"appendix/api.md documents modules that no longer exist: {stale}"


def test_every_module_names_its_chapter_or_purpose():
    """Each module docstring says where in the book it is used (a back-link, d2l style)."""
    for m in pkgutil.walk_packages(lstm_core.__path__, "lstm_core."):
        if m.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        path = Path(m.module_finder.path) / (m.name.rsplit(".", 1)[-1] + ("/__init__.py" if m.ispkg else ".py"))
        text = path.read_text(encoding="utf-8")
        doc = re.match(r'\s*(?:#[^\n]*\n)*\s*[rRuU]?"""(.*?)"""', text, re.S)
        assert doc, f"{m.name}: no module docstring"
        assert re.search(r"[Cc]hapter|[Cc]hapters|\bch\.? ?\d", doc.group(1)) or m.name.startswith(
            ("lstm_core.tasks", "lstm_core.optim", "lstm_core.train", "lstm_core.viz", "lstm_core.checks")), \
            f"{m.name}: module docstring should name the chapter(s) that use it"


def test_importing_lstm_core_pulls_in_no_plotting_or_widgets():
    """ARCHITECTURE: lstm_core is NumPy only; pictures live in lstm_core.viz."""
    import subprocess
    import sys
    code = ("import sys, lstm_core; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing lstm_core imported {out.stdout.strip()}"


def _chapter_links():
    import importlib.util
    spec = importlib.util.spec_from_file_location("chapter_links", ROOT / "_ext" / "chapter_links.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_chapter_numbers_in_docstrings_become_links_to_existing_chapters():
    """_ext/chapter_links turns "Chapter N" in docstrings into links; every N must exist."""
    import importlib
    import inspect

    cl = _chapter_links()
    files = cl._chapter_files(ROOT)
    assert sorted(files) == list(range(1, 19))
    linked = 0
    for m in pkgutil.walk_packages(lstm_core.__path__, "lstm_core."):
        mod = importlib.import_module(m.name)
        objs = [mod] + [v for _, v in inspect.getmembers(mod) if getattr(v, "__module__", None) == m.name]
        for obj in objs:
            lines = (inspect.getdoc(obj) or "").splitlines()
            out = cl.link_lines(lines, files, m.name)        # raises on a chapter without a file
            linked += sum(a != b for a, b in zip(lines, out))
    assert linked > 100


def test_chapter_links_leave_code_and_literal_blocks_alone():
    cl = _chapter_links()
    files = cl._chapter_files(ROOT)
    out = cl.link_lines(["Fused (Chapters 8-10, 15) and ``Chapter 3``::", "", "    Chapter 5", "", "Chapter 2."],
                        files)
    assert out[0] == ("Fused (Chapters :doc:`8 </chapters/08_constant_error_carousel>`-"
                      ":doc:`10 </chapters/10_peepholes>`, :doc:`15 </chapters/15_gru_and_variants>`) "
                      "and ``Chapter 3``::")
    assert out[2] == "    Chapter 5" and out[4] == "Chapter :doc:`2 </chapters/02_perceptron>`."
    import pytest
    with pytest.raises(Exception, match="Chapter 19"):
        cl.link_lines(["see Chapter 19"], files)
