"""Docstrings name the chapter that introduces them ("Chapter 11", "Chapters 8-10, 15"). In the
API reference each such chapter number becomes a link to that chapter, the way d2l links its
library code back to the text. Chapter N is the notebook ``chapters/NN_*.ipynb``; a number
without a chapter file is an error, so a renamed chapter cannot leave dead links behind."""
import functools
import re
from pathlib import Path

from sphinx.errors import ExtensionError

# "Chapter 11", "Chapters 8-11", "Chapters 4, 13", "Chapters 12 and 16", "Chapters 8-11, 15"
_NUM = r"\d+(?:[-–]\d+)?"
_REF = re.compile(rf"\bChapters? ({_NUM}(?:(?:, | and ){_NUM})*)")
_LITERAL = re.compile(r"(``.*?``)")


@functools.lru_cache(maxsize=None)
def _chapter_files(srcdir) -> dict[int, str]:
    files = {}
    for path in sorted(Path(srcdir, "chapters").glob("[0-9][0-9]_*.ipynb")):
        files[int(path.name[:2])] = f"/chapters/{path.stem}"
    return files


def _linker(files: dict[int, str], where: str):
    def link(number: re.Match) -> str:
        n = int(number.group(0))
        if n not in files:
            raise ExtensionError(f"{where}: 'Chapter {n}' has no chapters/{n:02d}_*.ipynb")
        return f":doc:`{n} <{files[n]}>`"

    def refs(m: re.Match) -> str:
        return m.group(0).split(" ", 1)[0] + " " + re.sub(r"\d+", link, m.group(1))
    return refs


def link_line(line: str, files: dict[int, str], where: str = "docstring") -> str:
    """``line`` with every chapter number outside ``code literals`` turned into a :doc: link."""
    refs = _linker(files, where)
    return "".join(p if p.startswith("``") else _REF.sub(refs, p) for p in _LITERAL.split(line))


def link_lines(lines: list[str], files: dict[int, str], where: str = "docstring") -> list[str]:
    """:func:`link_line` on every line outside literal blocks (the indented lines after ``::``)."""
    out, block_indent = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and line.strip() and indent <= block_indent:
            block_indent = None                       # the literal block ended
        if block_indent is None:
            out.append(link_line(line, files, where))
            if line.rstrip().endswith("::"):
                block_indent = indent
        else:
            out.append(line)
    return out


def setup(app):
    def process(app_, what, name, obj, options, lines):
        lines[:] = link_lines(lines, _chapter_files(app_.srcdir), name)

    app.connect("autodoc-process-docstring", process)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
