"""The equation index (issue 19): every labelled equation, the code that computes it, the test that
checks it — generated at build time from the map that :mod:`equation_map` reads out of the code.

* The directive ``{equation-index}`` (on ``appendix/equations.md``) writes one row per labelled
  equation of the chapters, grouped by chapter: the equation rendered, its number linked to the
  chapter, the ``lstm_core`` functions that compute it linked into the API reference, and the
  tests that check it with what they compare; then the short list of equations with nothing to
  compute, each with its reason. Every gap in the map is a build warning (an error under ``-W``).
* In the API reference, a docstring's ``Book equations: eq-a, eq-b`` line becomes the numbers
  of those equations, linked to the chapters, and a link to the index.
* In the chapters, every labelled equation gets a small link to its row of the index, placed
  right under its number (``_assets/css/equation_index.css``).
* After reading, the labelled equations Sphinx found are compared with the ones
  :func:`equation_map.chapter_equations` reads from the notebooks (the test suite relies on
  that reader), so the two cannot drift apart.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

sys.path.insert(0, str(Path(__file__).resolve().parent))
import equation_map as M  # noqa: E402

logger = logging.getLogger(__name__)
INDEX_DOC = "appendix/equations"
_MAP: dict[str, M.EquationMap] = {}
_EQ_ROLE = re.compile(r"\{eq\}`([^`]+)`")


def row_id(label: str) -> str:
    """The HTML id of an equation's row in the index."""
    return nodes.make_id(f"eqindex-{label}")


def _map(srcdir) -> M.EquationMap:
    key = str(srcdir)
    if key not in _MAP:
        _MAP[key] = M.build(Path(srcdir))
    return _MAP[key]


def _reset(app):
    _MAP.clear()


# ---------------------------------------------------------------- nodes the directive builds


def _eq_ref(label: str, docname: str) -> addnodes.pending_xref:
    """``(26)``: the equation's number, linked to it (the math domain resolves it)."""
    ref = addnodes.pending_xref("", nodes.inline("", label), refdomain="math", reftype="eq",
                                reftarget=label, refdoc=docname, refexplicit=False, refwarn=True)
    return ref


def _doc_ref(target: str, text: str, docname: str) -> addnodes.pending_xref:
    return addnodes.pending_xref("", nodes.inline("", text), refdomain="std", reftype="doc",
                                 reftarget="/" + target, refdoc=docname, refexplicit=True, refwarn=True)


def _py_ref(name: str, docname: str) -> addnodes.pending_xref:
    short = name.removeprefix("lstm_core.")
    ref = addnodes.pending_xref("", nodes.literal("", short, classes=["xref", "py", "py-obj"]),
                                refdomain="py", reftype="obj", reftarget=name, refdoc=docname,
                                refexplicit=True, refwarn=True)
    ref["eqindex"] = True
    ref["py:module"] = None
    ref["py:class"] = None
    return ref


def _text_with_eq_refs(text: str, docname: str) -> list[nodes.Node]:
    """Plain text in which ``{eq}`label``` becomes a linked equation number."""
    out: list[nodes.Node] = []
    for k, part in enumerate(_EQ_ROLE.split(text)):
        if k % 2:
            out.append(_eq_ref(part, docname))
        elif part:
            out.append(nodes.Text(part))
    return out


def _math(tex: str, docname: str) -> nodes.math_block:
    return nodes.math_block(tex, tex, nowrap=False, number=None, docname=docname, classes=["eqindex-math"])


class EquationIndex(SphinxDirective):
    """``{equation-index}``: the whole index, from :func:`equation_map.build`."""

    has_content = False

    def run(self):
        m = _map(self.env.srcdir)
        here = self.env.docname
        for problem in M.problems(m):
            logger.warning(f"equation index: {problem}", location=(here, self.lineno),
                           type="equation-index", subtype="map")
        self.env.note_dependency(str(M.NO_CODE_FILE))
        mapped = {e.label for e in m.mapped()}
        n, n_mapped, n_none = len(m.equations), len(mapped), len(m.without_code)
        intro = nodes.paragraph("", (
            f"{n} labelled equations in {len({e.chapter for e in m.equations})} chapters: {n_mapped} "
            f"({100 * n_mapped / max(n, 1):.0f} %) are computed by a function of lstm_core and checked "
            f"by a test; {n_none} define notation or state a condition with nothing to compute and "
            "are listed at the end with the reason."), classes=["eqindex-summary"])
        out: list[nodes.Node] = [intro]
        titles = {int(p.name[:2]): M.chapter_title(p) for p in M.chapter_notebooks(Path(self.env.srcdir))}
        chapters = sorted({e.chapter for e in m.equations})
        for chapter in chapters:
            eqs = [e for e in m.equations if e.chapter == chapter and e.label not in m.without_code]
            if not eqs:
                continue
            section = nodes.section("", ids=[nodes.make_id(f"eqindex-chapter-{chapter}")])
            section += nodes.title("", f"Chapter {chapter}: {titles.get(chapter, '')}")
            for e in eqs:
                section += self._row(m, e, here)
            out.append(section)
        listed = [e for e in m.equations if e.label in m.without_code]
        if listed:
            section = nodes.section("", ids=["eqindex-without-code"])
            section += nodes.title("", "Equations with nothing to compute")
            section += nodes.paragraph("", "These equations define notation, or state a condition or "
                                           "a choice of weights, rather than a quantity that a "
                                           "function computes; each says why.")
            for e in listed:
                section += self._row(m, e, here, reason=m.without_code[e.label])
            out.append(section)
        return out

    def _row(self, m: M.EquationMap, e: M.Equation, here: str, reason: str | None = None):
        rid = row_id(e.label)
        row = nodes.container("", ids=[rid], classes=["eqindex-row"])
        name = nodes.fully_normalize_name(rid)
        row["names"].append(name)
        self.state.document.note_explicit_target(row)
        head = nodes.paragraph("", "", classes=["eqindex-head"])
        head += nodes.strong("", "", _eq_ref(e.label, here))
        head += nodes.Text(" in ")
        head += _doc_ref(e.docname, f"Chapter {e.chapter}", here)
        row += head
        row += _math(e.tex, here)
        if reason is not None:
            p = nodes.paragraph("", "", classes=["eqindex-reason"])
            p += nodes.emphasis("", "No code: ")
            p.extend(_text_with_eq_refs(reason, here))
            row += p
            return row
        funcs, checks = m.functions_of(e.label), m.checks_of(e.label)
        p = nodes.paragraph("", "", classes=["eqindex-code"])
        p += nodes.emphasis("", "Computed by: ")
        for k, d in enumerate(funcs):
            if k:
                p += nodes.Text(", ")
            p += _py_ref(d.name, here)
        if not funcs:
            p += nodes.Text("(no function declares it yet)")
        row += p
        p = nodes.paragraph("", "", classes=["eqindex-checks-head"])
        p += nodes.emphasis("", "Checked by:")
        row += p
        items = nodes.bullet_list("", classes=["eqindex-checks"])
        for c in checks:
            item = nodes.list_item()
            para = nodes.paragraph()
            para += nodes.literal("", c.nodeid, classes=["eqindex-test"])
            para += nodes.Text(" — ")
            para += nodes.strong("", c.kind)
            para += nodes.Text(c.compares[len(c.kind):])
            item += para
            items += item
        if not checks:
            items += nodes.list_item("", nodes.paragraph("", "(no test checks it yet)"))
        row += items
        return row


# ---------------------------------------------------------------- the API reference


def _docstring_line(app, labels: list[str], where: str) -> str:
    """``Book equations: …`` as reST: the numbers, linked, grouped by chapter; then the index."""
    by_label = _map(app.srcdir).by_label()
    groups: dict[str, list[str]] = {}
    for label in labels:
        e = by_label.get(label)
        if e is None:
            logger.warning(f"{where}: 'Book equations:' names {label}, which no chapter labels",
                           type="equation-index", subtype="docstring")
            continue
        groups.setdefault(e.docname, []).append(label)
    parts = []
    for docname, group in groups.items():
        eqs = ", ".join(f":eq:`{label}`" for label in group)
        chapter = int(Path(docname).name[:2])
        parts.append(f"{eqs} in :doc:`Chapter {chapter} </{docname}>`")
    if not parts:
        return "**Book equations:** (none found)"
    first = next(label for label in labels if label in by_label)
    return (f"**Book equations:** {'; '.join(parts)} "
            f"(:ref:`where they are checked <{row_id(first)}>`)")


def _process_docstring(app, what, name, obj, options, lines):
    found = M.book_equations_lines(lines)
    if found:
        first, end, labels = found
        indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        lines[first:end] = [indent + _docstring_line(app, labels, name)]


# ---------------------------------------------------------------- the chapters


def _add_backlinks(app, doctree, docname):
    if not docname.startswith("chapters/") or app.builder.format != "html":
        return
    m = _map(app.srcdir)
    listed = {e.label for e in m.equations}
    uri = app.builder.get_relative_uri(docname, INDEX_DOC)
    for node in list(doctree.findall(nodes.math_block)):
        label = node.get("label")
        if not label or label not in listed:
            continue
        text = "why no code" if label in m.without_code else "code · test"
        title = ("Why this equation has no code (equation index)" if label in m.without_code
                 else "The function that computes this equation and the test that checks it")
        ref = nodes.reference("", text, refuri=f"{uri}#{row_id(label)}", reftitle=title,
                              classes=["eqindex-backlink"])
        para = nodes.paragraph("", "", ref, classes=["eqindex-link"])
        node.parent.insert(node.parent.index(node) + 1, para)


# ---------------------------------------------------------------- consistency and references


def _always_reread_index(app, env, added, changed, removed):
    """The index reads notebooks, docstrings and tests: re-read its page on every build."""
    return [INDEX_DOC] if INDEX_DOC in env.found_docs else []


def _check_against_sphinx(app, env):
    """The notebook reader must see exactly the labelled equations Sphinx numbered."""
    m = _map(app.srcdir)
    ours = {(e.label, e.docname) for e in m.equations}
    sphinx = {(label, doc) for label, (doc, _n) in env.get_domain("math").equations.items()
              if doc.startswith("chapters/")}
    for label, doc in sorted(sphinx - ours):
        logger.warning(f"equation index: {doc} labels {label}, which equation_map.py does not read "
                       "(teach markdown_equations the form it is written in)",
                       location=doc, type="equation-index", subtype="reader")
    for label, doc in sorted(ours - sphinx):
        logger.warning(f"equation index: equation_map.py reads {label} in {doc}, which Sphinx does "
                       "not know as a labelled equation", location=doc, type="equation-index",
                       subtype="reader")


def _missing_reference(app, env, node, contnode):
    """Index links to objects documented under another name (re-exported by a package)."""
    if not node.get("eqindex"):
        return None
    py = env.get_domain("py")
    target = node["reftarget"]
    head, _, tail = target.rpartition(".")
    parts = head.split(".")
    for k in range(len(parts) - 1, 0, -1):
        alt = ".".join(parts[:k] + [tail])
        found = py.resolve_xref(env, node["refdoc"], app.builder, "obj", alt, node, contnode)
        if found is not None:
            return found
    logger.warning(f"equation index: {target} is not in the API reference (appendix/api.md)",
                   location=node, type="equation-index", subtype="api")
    return None


def setup(app):
    app.add_directive("equation-index", EquationIndex)
    app.connect("builder-inited", _reset)
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("env-get-outdated", _always_reread_index)
    app.connect("env-check-consistency", _check_against_sphinx)
    app.connect("doctree-resolved", _add_backlinks)
    app.connect("missing-reference", _missing_reference)
    app.add_css_file("css/equation_index.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
