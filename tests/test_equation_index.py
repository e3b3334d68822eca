"""The equation index is complete and true (issue 19; the map is read by _ext/equation_map.py).

Every labelled equation of the chapters is either computed by an ``lstm_core`` function (a
``Book equations:`` line in its docstring) and checked by a test (``@pytest.mark.equations``), or
listed with its reason in ``_ext/equations_without_code.yml``; every label named anywhere exists;
every marked test is collected by ``pytest tests/``. Adding an equation to a chapter without doing
one of these fails here (and in the book build, which warns).
"""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return mod


M = _load("equation_map")


@pytest.fixture(scope="module")
def emap():
    return M.build(ROOT)


def test_the_reader_finds_every_labelled_equation_of_the_chapters():
    """A labelling form the reader does not understand would leave equations out silently;
    a crude count of the lines that label an equation must agree with what it reads."""
    total = 0
    for path in M.chapter_notebooks(ROOT):
        for text in M.notebook_markdown(path):
            assert len(M.markdown_equations(text)) == M.label_lines(text), (path.name, text[:200])
            total += M.label_lines(text)
    assert total == len(M.chapter_equations(ROOT)) >= 80


def test_the_reader_understands_both_labelling_forms_and_skips_code():
    text = "\n".join([
        "Text $x$ and", "$$", "a = b", "$$ (eq-one)", "", "$$ c = d $$ (eq-two)",
        "```{math}", ":label: eq-three", "e = f", "```", ":::{math}", ":label: eq-four", "g", ":::",
        "```python", "$$", "not math", "$$ (eq-code)", "```", "$$", "unlabelled", "$$",
        "$$", "h", "= i", "$$ (eq-five)"])
    assert M.markdown_equations(text) == [("eq-one", "a = b"), ("eq-two", "c = d"), ("eq-three", "e = f"),
                                          ("eq-four", "g"), ("eq-five", "h\n= i")]


def test_docstring_lines_are_read_with_their_continuations():
    doc = "Summary.\n\nBook equations: eq-a, eq-b,\neq-c\n\nParameters\n----------"
    assert M.docstring_labels(doc) == ["eq-a", "eq-b", "eq-c"]
    assert M.book_equations_lines(doc.splitlines()) == (2, 4, ["eq-a", "eq-b", "eq-c"])
    assert M.docstring_labels("Summary only.") is None


def test_the_map_is_complete_and_true(emap):
    problems = M.problems(emap)
    assert not problems, "\n".join(problems)


def test_at_least_80_percent_of_the_equations_are_computed_and_checked(emap):
    mapped = len(emap.mapped())
    assert mapped + len(emap.without_code) == len(emap.equations)
    assert mapped / len(emap.equations) >= 0.8, f"only {mapped} of {len(emap.equations)} mapped"


def test_an_equation_added_without_code_or_check_fails(emap):
    """The check above can fail: a new labelled equation, a declaration of an unknown label, a
    listed equation that has code after all, a check without a comparison each give a problem."""
    new = M.Equation("eq-brand-new", "chapters/05_bptt", 5, "x = y", 99)
    m = M.EquationMap(emap.equations + [new], emap.declarations, emap.checks, emap.without_code)
    assert any(p.startswith("eq-brand-new") and "no lstm_core function" in p for p in M.problems(m))
    m = M.EquationMap(emap.equations + [new], emap.declarations + [M.Declaration("lstm_core.x.f", ["eq-brand-new"], "function")],
                      emap.checks, emap.without_code)
    assert any("eq-brand-new" in p and "no test checks it" in p for p in M.problems(m))
    m = M.EquationMap(emap.equations, emap.declarations + [M.Declaration("lstm_core.x.f", ["eq-nowhere"], "function")],
                      emap.checks + [M.Check("tests/t.py::test_x", ["eq-bptt-grad"], "eyeballing", 1)],
                      {**emap.without_code, "eq-bptt-grad": "it is obvious"})
    found = M.problems(m)
    assert any("eq-nowhere, which no chapter labels" in p for p in found)
    assert any("compares='eyeballing'" in p for p in found)
    assert any(p.startswith("eq-bptt-grad") and "remove it from equations_without_code.yml" in p for p in found)


def test_declarations_name_documented_objects(emap):
    """Each declaring object is in a module that appendix/api.md documents (so it has an entry
    to link to), and each declared label appears in its docstring exactly as the index reads it."""
    api = (ROOT / "appendix" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule::\s*(\S+)", api))
    for d in emap.declarations:
        module = d.name.rsplit(".", 2 if d.kind in ("method", "property") else 1)[0]
        assert module in documented, f"{d.name}: module {module} is not in appendix/api.md"
    assert len(emap.declarations) >= 40


def test_every_marked_test_is_collected_by_pytest(emap):
    """Each test that declares equations exists and runs in `pytest tests/`: collect the files
    that hold them, with the marker selected, and compare with what the map read from source."""
    files = sorted({c.nodeid.split("::")[0] for c in emap.checks})
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "equations",
                          "-p", "no:cacheprovider", "-p", "no:randomly", *files],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    collected = {line.split("[")[0] for line in out.stdout.splitlines() if "::" in line}
    declared = {c.nodeid for c in emap.checks}
    assert declared - collected == set(), f"marked but not collected: {sorted(declared - collected)}"
    assert collected - declared == set(), f"collected with the marker but not read by equation_map: " \
                                          f"{sorted(collected - declared)}"


def test_the_marker_is_registered():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'markers\s*=\s*\[[^\]]*"equations\(', text)


def test_the_index_page_and_extension_are_wired_into_the_book():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "appendix/equations" in toc
    assert re.search(r"^\s+equation_index:\s*_ext\s*$", config, re.M)
    assert "{equation-index}" in (ROOT / "appendix" / "equations.md").read_text(encoding="utf-8")
    json.dumps(M.read_without_code())          # the list parses
