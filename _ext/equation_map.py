"""Which ``lstm_core`` function computes each labelled equation of the book, and which test checks it.

The map lives next to the code it describes:

* an ``lstm_core`` function, class or method declares the equations it computes with one line in
  its docstring, ``Book equations: eq-bptt-delta, eq-bptt-grad`` (labels as in the chapters);
* a test declares the equations it checks, and what it compares them with, with a marker::

      @pytest.mark.equations("eq-bptt-grad", compares="finite differences")

  ``compares`` starts with one of :data:`COMPARES` (optionally ``": details"``);
* an equation that only defines notation, or states a condition or a choice with nothing to
  compute, is listed once in ``_ext/equations_without_code.yml`` with the reason.

This module reads all three, and the labelled equations of ``chapters/*.ipynb``, without Sphinx:
``tests/test_equation_index.py`` checks the map with it, and ``_ext/equation_index.py`` builds the
book's equation index from it.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NO_CODE_FILE = ROOT / "_ext" / "equations_without_code.yml"

#: what a check may compare an equation with (the first words of ``compares=``)
COMPARES = ("finite differences", "another implementation", "an identity", "known values", "a bound")

#: the docstring line: ``Book equations: eq-a, eq-b`` (one line, labels separated by commas)
BOOK_EQUATIONS = re.compile(r"^\s*Book equations?:\s*(?P<labels>.*?)\s*$")
_LABEL = re.compile(r"^[A-Za-z][\w.:-]*$")

# labelled display math in MyST markdown: ``$$ ... $$ (label)`` and the ``{math}`` directive
_DOLLARS_CLOSE = re.compile(r"^(?P<before>.*?)\$\$\s*(?:\((?P<label>[^()\s]+)\))?\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\s*(?P<info>\S*)")
_OPTION = re.compile(r"^:(?P<key>\w+):\s*(?P<value>.*?)\s*$")


@dataclass
class Equation:
    """A labelled equation of a chapter: its label, the chapter's page and number, its TeX."""

    label: str
    docname: str            # "chapters/05_bptt"
    chapter: int            # 5
    tex: str
    position: int           # 0, 1, … within the chapter


@dataclass
class Declaration:
    """One function (or class, method) of ``lstm_core`` and the equations its docstring names."""

    name: str               # "lstm_core.rnn.bptt_deltas"
    labels: list[str]
    kind: str               # "function", "class", "method", "property"


@dataclass
class Check:
    """One test marked ``@pytest.mark.equations(...)``."""

    nodeid: str             # "tests/test_rnn.py::test_bptt_matches_finite_differences"
    labels: list[str]
    compares: str           # "finite differences: ..."
    line: int

    @property
    def kind(self) -> str:
        """The entry of :data:`COMPARES` that ``compares`` starts with ("" if none)."""
        return next((k for k in COMPARES if self.compares.startswith(k)), "")

    @property
    def detail(self) -> str:
        """What follows the kind (``"finite differences of E"`` → ``"of E"``)."""
        return self.compares[len(self.kind):].lstrip(" :,")


@dataclass
class EquationMap:
    equations: list[Equation]
    declarations: list[Declaration]
    checks: list[Check]
    without_code: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def by_label(self) -> dict[str, Equation]:
        return {e.label: e for e in self.equations}

    def functions_of(self, label: str) -> list[Declaration]:
        return [d for d in self.declarations if label in d.labels]

    def checks_of(self, label: str) -> list[Check]:
        return [c for c in self.checks if label in c.labels]

    def mapped(self) -> list[Equation]:
        """Equations with at least one function and at least one check."""
        return [e for e in self.equations if self.functions_of(e.label) and self.checks_of(e.label)]


# ---------------------------------------------------------------- the chapters' equations


def markdown_equations(text: str) -> list[tuple[str, str]]:
    """``(label, tex)`` of every labelled display equation in MyST markdown ``text``.

    Understands the two forms the book uses or may use: dollar math closed by ``$$ (label)``
    (``$$`` on its own lines or on one line with the TeX) and a ``{math}`` directive with a
    ``:label:`` option (backtick or colon fence). Code fences are skipped.
    """
    out: list[tuple[str, str]] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        line = lines[k]
        stripped = line.strip()
        fence = _FENCE.match(stripped)
        if fence:
            mark, info = fence.group("fence"), fence.group("info")
            body, k = [], k + 1
            while k < len(lines) and not (lines[k].strip().startswith(mark[0] * len(mark))
                                          and lines[k].strip().strip(mark[0]) == ""):
                body.append(lines[k])
                k += 1
            if info == "{math}":
                label, tex = None, []
                for b in body:
                    opt = _OPTION.match(b.strip())
                    if opt and not tex:
                        if opt.group("key") == "label":
                            label = opt.group("value")
                    else:
                        tex.append(b)
                if label:
                    out.append((label, "\n".join(tex).strip()))
            k += 1
            continue
        if stripped.startswith("$$"):
            rest = stripped[2:]
            one_line = _DOLLARS_CLOSE.match(rest) if "$$" in rest else None
            if one_line:                                   # $$ tex $$ (label)
                if one_line.group("label"):
                    out.append((one_line.group("label"), one_line.group("before").strip()))
                k += 1
                continue
            body, k = [rest] if rest.strip() else [], k + 1
            while k < len(lines):
                close = _DOLLARS_CLOSE.match(lines[k].strip()) if "$$" in lines[k] else None
                if close:
                    if close.group("before").strip():
                        body.append(close.group("before"))
                    if close.group("label"):
                        out.append((close.group("label"), "\n".join(body).strip()))
                    break
                body.append(lines[k])
                k += 1
        k += 1
    return out


def label_lines(text: str) -> int:
    """How many lines of ``text`` close a labelled equation, counted crudely (a cross-check on
    :func:`markdown_equations`: a labelling form it does not understand shows up as a mismatch)."""
    lines = text.splitlines()
    closes = sum(1 for line in lines if re.search(r"\$\$\s*\([^()\s]+\)\s*$", line))
    directives = sum(1 for k, line in enumerate(lines) if re.match(r"\s*(`{3,}|:{3,})\s*\{math\}", line)
                     and any(re.match(r"\s*:label:", b) for b in lines[k + 1:k + 6]))
    return closes + directives


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(Path(root, "chapters").glob("[0-9][0-9]_*.ipynb"))


def notebook_markdown(path: Path) -> list[str]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "markdown"]


def chapter_title(path: Path) -> str:
    for text in notebook_markdown(path):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def chapter_equations(root: Path = ROOT) -> list[Equation]:
    """Every labelled equation of ``chapters/NN_*.ipynb``, in reading order."""
    out = []
    for path in chapter_notebooks(root):
        n = 0
        for text in notebook_markdown(path):
            for label, tex in markdown_equations(text):
                out.append(Equation(label, f"chapters/{path.stem}", int(path.name[:2]), tex, n))
                n += 1
    return out


# ---------------------------------------------------------------- lstm_core's declarations


def book_equations_lines(lines: list[str]) -> tuple[int, int, list[str]] | None:
    """Where the ``Book equations:`` line is in a docstring's ``lines`` and what it names:
    ``(first, last + 1, labels)``, or None. A line ending in a comma continues on the next."""
    for k, line in enumerate(lines):
        m = BOOK_EQUATIONS.match(line)
        if m:
            text, end = m.group("labels"), k + 1
            while text.rstrip().endswith(",") and end < len(lines) and lines[end].strip():
                text += " " + lines[end].strip()
                end += 1
            return k, end, [s.strip() for s in text.split(",") if s.strip()]
    return None


def docstring_labels(doc: str | None) -> list[str] | None:
    """The labels of a docstring's ``Book equations:`` line (None if it has none)."""
    found = book_equations_lines((doc or "").splitlines())
    return found[2] if found else None


def _documented_in(module, name: str, obj) -> str:
    """The module under whose name the API reference documents ``obj`` (defined in ``module`` as
    ``name``): its package's, if the package imports it under the same name (``lstm_core.tasks``
    documents its submodules' functions with ``:imported-members:``, as ``lstm_core.tasks.f``),
    else ``module``'s own. The index links to the declaration by this name."""
    package = module.__name__.rpartition(".")[0]
    if package and getattr(importlib.import_module(package), name, None) is obj:
        return package
    return module.__name__


def _members(module):
    """(qualified name, object, kind) of everything defined in ``module`` that has a docstring,
    named as the API reference documents it (:func:`_documented_in`)."""
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module.__name__ or name.startswith("_"):
            continue
        where = _documented_in(module, name, obj)
        if inspect.isclass(obj):
            yield f"{where}.{name}", obj, "class"
            for mname, member in vars(obj).items():
                if mname.startswith("_"):
                    continue
                kind = "property" if isinstance(member, property) else "method"
                target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                if callable(target) or isinstance(member, property):
                    yield f"{where}.{name}.{mname}", target, kind
        elif inspect.isfunction(obj):
            yield f"{where}.{name}", obj, "function"


def lstm_core_declarations() -> list[Declaration]:
    """Every ``Book equations:`` line in the docstrings of ``lstm_core`` (``viz`` left out: it
    draws, it does not compute the book's equations)."""
    import lstm_core
    out = []
    for info in pkgutil.walk_packages(lstm_core.__path__, "lstm_core."):
        if info.name.startswith("lstm_core.viz") or any(p.startswith("_") for p in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        for name, obj, kind in _members(module):
            labels = docstring_labels(inspect.getdoc(obj))
            if labels is not None:
                out.append(Declaration(name, labels, kind))
    return out


# ---------------------------------------------------------------- the tests' markers


def _marker_call(dec: ast.expr) -> ast.Call | None:
    """``dec`` if it is ``pytest.mark.equations(...)``."""
    if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "equations"
            and isinstance(dec.func.value, ast.Attribute) and dec.func.value.attr == "mark"):
        return dec
    return None


def marked_checks(root: Path = ROOT) -> tuple[list[Check], list[str]]:
    """Every test function under ``tests/`` marked ``@pytest.mark.equations(...)``, read from the
    source (no test is run), and the problems found in the markers."""
    checks, problems = [], []
    for path in sorted(Path(root, "tests").rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as e:
            problems.append(f"{rel}: cannot be read for equations markers ({e.msg}, line {e.lineno})")
            continue
        scopes = [("", tree.body)] + [(f"{n.name}::", n.body) for n in tree.body if isinstance(n, ast.ClassDef)]
        for prefix, body in scopes:
            for node in body:
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for dec in node.decorator_list:
                    call = _marker_call(dec)
                    if call is None:
                        continue
                    where = f"{rel}:{node.lineno} {node.name}"
                    labels = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                    if len(labels) != len(call.args) or not labels:
                        problems.append(f"{where}: equations(...) takes the labels as string literals")
                    kw = {k.arg: k.value for k in call.keywords}
                    compares = kw.get("compares")
                    if not (isinstance(compares, ast.Constant) and isinstance(compares.value, str)):
                        problems.append(f"{where}: equations(...) needs compares=\"...\" (a string literal)")
                        continue
                    if set(kw) - {"compares"}:
                        problems.append(f"{where}: equations(...) takes only compares=, not {sorted(set(kw) - {'compares'})}")
                    checks.append(Check(f"{rel}::{prefix}{node.name}", labels, compares.value, node.lineno))
    return checks, problems


# ---------------------------------------------------------------- the list of equations without code


def read_without_code(path: Path = NO_CODE_FILE) -> dict[str, str]:
    import yaml
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping label: reason")
    return {str(k): str(v).strip() if v is not None else "" for k, v in data.items()}


# ---------------------------------------------------------------- the whole map and what is wrong with it


def problems(m: EquationMap) -> list[str]:
    """Everything that keeps the map from being complete and true (empty list: all good)."""
    out = list(m.problems)
    labels = [e.label for e in m.equations]
    known = set(labels)
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        out.append(f"{label}: labelled more than once in the chapters")
    for d in m.declarations:
        if not d.labels:
            out.append(f"{d.name}: 'Book equations:' line without labels")
        for label in d.labels:
            if not _LABEL.match(label):
                out.append(f"{d.name}: {label!r} is not an equation label")
            elif label not in known:
                out.append(f"{d.name}: declares {label}, which no chapter labels")
        if len(set(d.labels)) != len(d.labels):
            out.append(f"{d.name}: names an equation twice")
    for c in m.checks:
        for label in c.labels:
            if label not in known:
                out.append(f"{c.nodeid}: checks {label}, which no chapter labels")
        if not c.kind:
            out.append(f"{c.nodeid}: compares={c.compares!r} must start with one of {COMPARES}")
    for label, reason in m.without_code.items():
        if label not in known:
            out.append(f"{label} (equations_without_code.yml): no chapter labels it")
        if not reason:
            out.append(f"{label} (equations_without_code.yml): give the reason it has no code")
    for e in m.equations:
        funcs, checks = m.functions_of(e.label), m.checks_of(e.label)
        where = f"{e.label} (chapter {e.chapter})"
        if e.label in m.without_code:
            if funcs or checks:
                out.append(f"{where}: listed as without code, but "
                           f"{'computed by ' + funcs[0].name if funcs else 'checked by ' + checks[0].nodeid}"
                           " — remove it from equations_without_code.yml")
        elif not funcs and not checks:
            out.append(f"{where}: no lstm_core function declares it ('Book equations: {e.label}' in a "
                       "docstring) and no test checks it (@pytest.mark.equations); or list it in "
                       "_ext/equations_without_code.yml with the reason")
        elif not funcs:
            out.append(f"{where}: checked but no lstm_core function declares it "
                       f"('Book equations: {e.label}' in the docstring of the function that computes it)")
        elif not checks:
            out.append(f"{where}: computed by {funcs[0].name} but no test checks it "
                       f"(@pytest.mark.equations(\"{e.label}\", compares=...))")
    return out


def build(root: Path = ROOT) -> EquationMap:
    """The map as the repository holds it now."""
    checks, marker_problems = marked_checks(root)
    return EquationMap(chapter_equations(root), lstm_core_declarations(), checks,
                       read_without_code(Path(root, "_ext", "equations_without_code.yml")),
                       marker_problems)
