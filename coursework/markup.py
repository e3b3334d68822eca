"""Mark up a chapter's exercises with cell tags (``python -m coursework markup NOTEBOOK…``).

For authors: run it once on a new chapter (under the notebook lock, see CONTRIBUTING.md).
It splits markdown cells so that each exercise statement and each solution directive sits in
its own cell, then tags the cells (``exercise:``, ``answer:``, ``solution:``, see
:mod:`coursework.exercises`):

* a markdown cell holding an ``{exercise}`` directive: ``exercise:<label>``;
* a ``{solution} <label>`` directive, and every cell from ``{solution-start} <label>`` to
  ``{solution-end}`` (code cells included): ``solution:<label>``;
* a code cell containing ``# your code here`` after an exercise statement: ``answer:<label>``,
  plus ``nbval-ignore-output`` (a reader who solves the stub turns the stored ✗ into ✓, and the
  book's own test must not fail on that).

Splitting a markdown cell does not change the rendered page (MyST-NB renders consecutive
markdown cells as one flow), and code cells are not touched apart from their tags, so stored
outputs stay valid. Running it again on a marked-up notebook changes nothing.
"""
from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

from .exercises import TAG

OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>exercise|solution|solution-start|solution-end)\}"
                  r"[ \t]*(?P<arg>[^\n]*)$")
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
STUB = "# your code here"


def pieces(text: str):
    """Split MyST text into ``(kind, label, text)``: directive blocks and the text between them."""
    lines = text.split("\n")
    out, buf, i = [], [], 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if not m:
            buf.append(lines[i])
            i += 1
            continue
        if buf:
            out.append(("text", None, "\n".join(buf)))
            buf = []
        fence = m.group("fence")
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence))
                                      and set(lines[j].strip()) == {fence[0]}):
            j += 1
        block = "\n".join(lines[i:j + 1])
        name, arg = m.group("name"), m.group("arg").strip()
        if name == "exercise":
            label = LABEL.search(block)
            out.append(("exercise", label.group(1) if label else None, block))
        else:
            out.append((name, arg or None, block))
        i = j + 1
    if buf:
        out.append(("text", None, "\n".join(buf)))
    return out


def _retag(cell, owner: str | None, extra=()):
    tags = ([owner] if owner else []) + [t for t in cell.metadata.get("tags", []) if not TAG.match(t)]
    tags += [t for t in extra if t not in tags]
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)


def mark_up(nb) -> list[str]:
    """Split and tag the cells of ``nb`` in place; return the exercise labels found."""
    cells, labels = [], []
    open_solution = None          # label of a {solution-start} not yet closed
    last_exercise = None          # label of the latest exercise statement
    answered = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            if open_solution:
                _retag(cell, f"solution:{open_solution}")
            elif STUB in cell.source and last_exercise and last_exercise not in answered:
                _retag(cell, f"answer:{last_exercise}", extra=["nbval-ignore-output"])
                answered.add(last_exercise)
            else:
                _retag(cell, None)
            cells.append(cell)
            continue
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        groups: list[list] = []   # [owner, [texts]]
        for kind, label, text in pieces(cell.source):
            if kind == "text":
                owner = f"solution:{open_solution}" if open_solution else None
                if not text.strip():
                    if groups:
                        groups[-1][1].append(text)
                    continue
            elif kind == "exercise":
                owner = f"exercise:{label}"
                labels.append(label)
                last_exercise = label
            elif kind == "solution-start":
                owner, open_solution = f"solution:{label}", label
            elif kind == "solution-end":
                owner, open_solution = f"solution:{open_solution}", None
            else:  # a {solution} directive
                owner = f"solution:{label}"
            if groups and (groups[-1][0] == owner
                           or (owner is None and not (groups[-1][0] or "").startswith("solution:"))
                           or (groups[-1][0] is None and owner.startswith("exercise:"))):
                groups[-1][0] = groups[-1][0] or owner
                groups[-1][1].append(text)
            else:
                groups.append([owner, [text]])
        if not groups:
            cells.append(cell)
            continue
        for k, (owner, texts) in enumerate(groups):
            source = "\n".join(texts).strip("\n")
            if k == 0:
                new = cell
                new.source = source
            else:
                new = nbformat.v4.new_markdown_cell(source, metadata=copy.deepcopy(dict(cell.metadata)))
                if "id" in cell:   # reproducible ids: the k-th part of cell X is X-k
                    new["id"] = f"{cell['id'][:60]}-{k}"
            _retag(new, owner)
            cells.append(new)
    nb.cells = cells
    return labels


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        labels = mark_up(nb)
        nbformat.validate(nb)
        after = nbformat.writes(nb)
        if after != before:
            path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
        print(f"{path}: {len(labels)} exercises{' (changed)' if after != before else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
