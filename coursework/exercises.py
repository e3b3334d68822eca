"""Which exercises a notebook has, read from cell tags.

The book's notebooks are the instructor's source. Every cell that belongs to an exercise says so
in its metadata, with one tag per role:

``exercise:<label>``
    the markdown cell that states the exercise (the sphinx-exercise ``{exercise}`` directive);
``answer:<label>``
    the code cell a student fills in: a stub that runs and whose checker prints ✗
    (only coding exercises have one);
``solution:<label>``
    every cell of the worked solution: the ``{solution}`` directive of a pen-and-paper exercise,
    or, for a coding exercise, the ``{solution-start}`` … ``{solution-end}`` cells with the
    solution code between them.

An exercise with an answer cell is *coding*: the checker calls in its answer cell
(``check_…(…)``, with the cell's own imports) are what the grader runs. Any other exercise is
*written* and is marked by hand.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROLES = ("exercise", "answer", "solution")
TAG = re.compile(r"^(exercise|answer|solution):(\S+)$")
DIRECTIVE_TITLE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)$", re.M)


def cell_roles(cell) -> list[tuple[str, str]]:
    """The ``(role, label)`` pairs of a cell's exercise tags, in tag order."""
    out = []
    for tag in cell.get("metadata", {}).get("tags", []):
        m = TAG.match(tag)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def labels_of(cell) -> set[str]:
    return {label for _, label in cell_roles(cell)}


@dataclass
class Exercise:
    """One exercise of one chapter notebook."""

    label: str
    chapter: str                      # the notebook's stem, e.g. "05_bptt"
    title: str = ""
    kind: str = "written"             # "coding" when the notebook has an answer cell for it
    imports: str = ""                 # import statements of the answer cell
    checks: list[str] = field(default_factory=list)   # checker calls of the answer cell


def checker_calls(source: str) -> tuple[str, list[str]]:
    """The import statements and the ``check_…(…)`` calls of an answer cell's source.

    Calls are found anywhere in a top-level expression statement, so both
    ``check_x(f)`` and ``print(check_x(f))`` count; imports are the cell's top-level
    ``import`` / ``from … import`` statements, which the grader runs again before each call
    so that the instructor's checker is the one called.
    """
    tree = ast.parse(source)
    imports = [ast.get_source_segment(source, node) for node in tree.body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    calls = []
    for node in tree.body:
        if not isinstance(node, ast.Expr):
            continue
        for sub in ast.walk(node):
            if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)
                    and sub.func.id.startswith("check_")):
                calls.append(ast.get_source_segment(source, sub))
    return "\n".join(imports), calls


def exercises_in(nb, chapter: str) -> list[Exercise]:
    """The exercises of a notebook, in the order their statements appear."""
    found: dict[str, Exercise] = {}
    for cell in nb.cells:
        for role, label in cell_roles(cell):
            ex = found.setdefault(label, Exercise(label=label, chapter=chapter))
            if role == "exercise":
                m = DIRECTIVE_TITLE.search(cell.source)
                ex.title = m.group("title").strip() if m else ""
            elif role == "answer" and ex.kind != "coding":
                ex.kind = "coding"
                ex.imports, ex.checks = checker_calls(cell.source)
    return list(found.values())


def chapter_notebooks(root: Path) -> list[Path]:
    """The chapter notebooks of a book or of a student edition (``chapters/*.ipynb``)."""
    return sorted(Path(root, "chapters").glob("*.ipynb"))


def book_exercises(root: Path) -> list[Exercise]:
    """Every exercise of every chapter of the book at ``root``, in book order."""
    out = []
    for path in chapter_notebooks(root):
        out += exercises_in(nbformat.read(path, as_version=4), path.stem)
    return out
