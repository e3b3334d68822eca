"""The student edition (``make student``): the repository an instructor hands out.

``build(root, out)`` writes to ``out`` (``_build/student/``):

* every notebook of ``chapters/`` and ``appendix/`` without its solution cells — the cells
  tagged ``solution:<label>`` (:mod:`coursework.exercises`): solution directives, the
  ``{solution-start}`` … ``{solution-end}`` cells and the solution code between them. Answer
  cells stay as they are in the book: stubs that run, whose checker prints ✗ with its diagnosis.
  Stored outputs of the remaining cells are kept, so the student website shows the same
  figures and the same ✗ as a student's first run;
* ``lstm_core`` with its checkers, ``coursework`` (so that ``make grade`` works in the
  student's repository too), the book's configuration, data and experiment results;
* a README and an appendix page for students, a small Makefile, and the CI workflow of
  ``appendix/course-ci.yml`` as ``.github/workflows/grade.yml``;
* with ``site=True``, the student website, built from that tree into ``out/_build/html`` with
  warnings as errors. The solutions are absent from its pages, not folded away, because they
  are absent from its source.

The transform is an nbconvert preprocessor applied by nbconvert's ``NotebookExporter``.
Why not nbgrader or otter-grader: both want the solution and the stub in *one* cell, between
``### BEGIN SOLUTION`` / ``### END SOLUTION`` (nbgrader) or ``# BEGIN SOLUTION`` / ``# END
SOLUTION`` comments in an Otter-Assign notebook, and tests written in their own format (hidden
``assert`` cells, Otter test files). The book shows the stub, its ✗ and the worked solution
as separate cells rendered by sphinx-exercise, and its checkers already return a diagnosis
instead of raising; adopting either tool would mean rewriting every exercise into its format
(and, for nbgrader, a course directory and gradebook database; for ``otter grade``, Docker by
default). Tags plus nbconvert/nbclient keep the book's source as it is.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from .exercises import cell_roles

HERE = Path(__file__).resolve().parent
# what the student repository contains besides the transformed notebooks
COPY = ["intro.md", "references.bib", "_config.yml", "_toc.yml", "pyproject.toml",
        "requirements.txt", "constraints.txt", ".gitignore", "_assets", "_extra", "_ext",
        "data", "experiments", "lstm_core", "coursework", "chapters", "appendix"]
LEAVE_OUT = ["appendix/coursework.md", "appendix/course-ci.yml"]   # replaced by student versions
# The book's tests/ stay out of the handout: tests of the checkers pass correct answers to them.
# The equation index (appendix/equations.md, _ext/equation_index.py) names, for each equation,
# the tests that check it, so it leaves with them: page, table-of-contents entry, extension.
DROP_PAGES = ["appendix/equations.md"]
DROP_LINES = {"_toc.yml": ["- file: appendix/equations"], "_config.yml": ["equation_index: _ext"]}
IGNORE = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "_build", "*.egg-info")


class RemoveSolutions(TagRemovePreprocessor):
    """nbconvert's TagRemovePreprocessor, removing every cell tagged ``solution:<label>``.

    TagRemovePreprocessor matches whole tags, and the labels differ per exercise, so the set
    of tags to remove is read from the notebook it is given.
    """

    def preprocess(self, nb, resources):
        self.remove_cell_tags = {f"{role}:{label}" for cell in nb.cells
                                 for role, label in cell_roles(cell) if role == "solution"}
        return super().preprocess(nb, resources)


def student_notebook(nb):
    """The student version of one notebook node (a new node; ``nb`` is not changed)."""
    exporter = NotebookExporter(preprocessors=[RemoveSolutions])
    text, _ = exporter.from_notebook_node(nb)
    return nbformat.reads(text, as_version=4)


def leftovers(nb) -> list[str]:
    """What of a solution is still in a notebook: solution tags or solution directives."""
    found = []
    for i, cell in enumerate(nb.cells):
        if any(role == "solution" for role, _ in cell_roles(cell)):
            found.append(f"cell {i}: tagged {cell.metadata['tags']}")
        if cell.cell_type == "markdown" and "{solution" in cell.source:
            found.append(f"cell {i}: a solution directive in the text")
    return found


def build(root: Path, out: Path, site: bool = True) -> list[Path]:
    """Write the student edition of the book at ``root`` to ``out``; return its notebooks."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in COPY:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, out / name, ignore=IGNORE)
        elif src.exists():
            shutil.copy2(src, out / name)
    for name in LEAVE_OUT + DROP_PAGES:
        (out / name).unlink(missing_ok=True)
    for name, drop in DROP_LINES.items():
        path = out / name
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            path.write_text("".join(l for l in lines if l.strip() not in drop), encoding="utf-8")
    notebooks = sorted(out.glob("chapters/*.ipynb")) + sorted(out.glob("appendix/*.ipynb"))
    for path in notebooks:
        nb = student_notebook(nbformat.read(path, as_version=4))
        bad = leftovers(nb)
        if bad:
            raise RuntimeError(f"{path.name}: solution left in the student edition: {bad}")
        nbformat.write(nb, path)
    shutil.copy2(HERE / "student_files" / "README.md", out / "README.md")
    shutil.copy2(HERE / "student_files" / "coursework.md", out / "appendix" / "coursework.md")
    shutil.copy2(HERE / "student_files" / "Makefile", out / "Makefile")
    (out / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(root / "appendix" / "course-ci.yml", out / ".github" / "workflows" / "grade.yml")
    if site:
        build_site(out)
    return notebooks


def build_site(out: Path) -> Path:
    """Build the student website (Jupyter Book, warnings as errors) and check its pages."""
    jb = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(jb), "build", str(out), "--warningiserror", "--keep-going", "--quiet"],
                   check=True)
    html = out / "_build" / "html"
    bad = [str(p.relative_to(html)) for p in html.rglob("*.html") if solution_in_page(p.read_text(encoding="utf-8"))]
    if bad:
        raise RuntimeError(f"solutions found in the student website: {bad}")
    return html


class _Classes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.classes = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "class" and value:
                self.classes.update(value.split())


def solution_in_page(html: str) -> bool:
    """Whether a page has a sphinx-exercise solution node (class ``solution``, ``solution-start``)."""
    parser = _Classes()
    parser.feed(html)
    return any(c == "solution" or c.startswith("solution-") for c in parser.classes)
