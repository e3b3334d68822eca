"""Docstrings in lstm_core write absolute values and norms the mathematical way, ``|w|`` and
``|δ|``. In reStructuredText ``|w|`` is a substitution reference, which Sphinx reports as an
error. Escape such pairs before autodoc parses the docstring (code literals are left alone)."""
import re

# |x| not inside ``code``: a bar, no space after it, up to 40 non-bar characters, a bar
_ABS = re.compile(r"(?<![\\`|])\|(?=\S)([^|`\n]{1,40}?)(?<=\S)\|(?![`|_])")
_LITERAL = re.compile(r"(``.*?``)")


def _escape(line: str) -> str:
    parts = _LITERAL.split(line)
    return "".join(p if p.startswith("``") else _ABS.sub(r"\\|\1\\|", p) for p in parts)


def _process(app, what, name, obj, options, lines):
    lines[:] = [_escape(line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _process)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
