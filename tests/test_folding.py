"""Figure code is folded, computation stays in view (CONTRIBUTING.md, "Notebook rules").

A code cell *draws* when the website shows a figure of it: its stored outputs hold one (an image,
or widget views such as a stepper's frames) or it carries a ``mystnb.figure`` caption, and its
output is not removed (a live ``interact`` cell, whose output needs a kernel, is all code on the
page). A statement *computes* when it calls,
by name,

- anything imported from ``lstm_core`` outside ``lstm_core.viz`` (a model, a task, a checker),
- ``glue``, ``print`` or ``display`` (numbers the prose or the reader uses), or
- a function defined in the notebook whose body computes by this same rule, or
- a method of a value computed earlier (a model, a task, a vocabulary: ``blstm.forward(x)``),
  except methods that only read an array or a container (``READING``: ``.max()``, ``.mean()``,
  ``.items()``, …). A value is computed when it is assigned the result of a computing call
  (``blstm = Bidirectional(...)``); values taken out of it later are not tracked.

Everything else — matplotlib, NumPy arithmetic on values computed earlier, ``lstm_core.viz``,
helpers made only of those — is plotting. A drawing cell none of whose statements computes is
*plotting-only*. The rules:

- every plotting-only cell of ``MIN_LINES`` or more non-blank lines is folded: tag ``hide-input``,
  toggle labelled ``LABEL`` (cell metadata ``mystnb.code_prompt_show``);
- a folded cell is plotting-only: code that computes is never hidden behind the toggle.
"""
import ast
import json
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
MIN_LINES = 8
LABEL = "Show the plotting code"
LABEL_HIDE = "Hide the plotting code"
REPORTING = {"glue", "print", "display"}
READING = {"max", "min", "mean", "sum", "std", "var", "argmax", "argmin", "any", "all", "cumsum",
           "copy", "reshape", "ravel", "flatten", "astype", "item", "tolist", "round", "clip",
           "transpose", "squeeze", "nonzero", "get", "items", "keys", "values", "index", "count",
           "upper", "lower", "title", "strip", "split", "join", "format", "replace", "startswith",
           "endswith"}
DRAWN = ("image/png", "image/svg+xml", "image/jpeg", "application/vnd.jupyter.widget-view+json")
_ipython = TransformerManager()


def _root(func):
    """The name a call goes through: ``f`` for ``f(...)``, ``m`` for ``m.a.b(...)``; None for a
    method of a computed value (``np.abs(x).max()`` goes through ``np``)."""
    while isinstance(func, (ast.Attribute, ast.Subscript, ast.Call)):
        func = func.func if isinstance(func, ast.Call) else func.value
    return func.id if isinstance(func, ast.Name) else None


class Notebook:
    """Walks a notebook's code cells in order, remembering which names compute."""

    def __init__(self, nb: dict):
        self.nb = nb
        self.computing: set[str] = set(REPORTING)
        self.computed: set[str] = set()

    def _imports(self, node):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module == "lstm_core" or module.startswith("lstm_core."):
                for alias in node.names:
                    dotted = f"{module}.{alias.name}"
                    if not (dotted + ".").startswith("lstm_core.viz."):
                        self.computing.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lstm_core" and not alias.name.startswith("lstm_core.viz"):
                    self.computing.add((alias.asname or alias.name).split(".")[0])

    def _computing_call(self, call: ast.Call) -> bool:
        root = _root(call.func)
        if root in self.computing:
            return True
        return (root in self.computed and isinstance(call.func, ast.Attribute)
                and call.func.attr not in READING)

    def computes(self, node) -> bool:
        return any(isinstance(n, ast.Call) and self._computing_call(n) for n in ast.walk(node))

    def _bind(self, node):
        """``name = <a computing call>`` makes ``name`` a computed value (a model, a trace, a
        vocabulary); ``name = <anything else>`` makes it a plain one again."""
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if self.computes(node.value):
                self.computed |= bound
            else:
                self.computed -= bound

    def statements(self, source: str):
        """(statement, computes) for each top-level statement of a cell, updating the names."""
        tree = ast.parse(_ipython.transform_cell(source))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._imports(node)
                yield node, False
                continue
            computes = self.computes(node)
            if computes and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.computing.add(node.name)
            self._bind(node)
            yield node, computes

    def cells(self):
        """(index, cell, draws, plotting_only, n_lines) for every code cell."""
        for i, cell in enumerate(self.nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            computes = any([c for _, c in self.statements(source)])   # every statement: names
            outputs = cell.get("outputs", [])
            shown = not {"remove-output", "remove-cell"} & set(cell["metadata"].get("tags", []))
            draws = shown and ("figure" in cell["metadata"].get("mystnb", {})
                               or any(k in o.get("data", {}) for o in outputs for k in DRAWN))
            n_lines = sum(1 for line in source.splitlines() if line.strip())
            yield i, cell, draws, draws and not computes, n_lines


def classify(path: Path):
    return list(Notebook(json.loads(path.read_text(encoding="utf-8"))).cells())


def _tags(cell):
    return cell["metadata"].get("tags", [])


def _where(path, i, cell):
    first = "".join(cell["source"]).strip().splitlines()[0]
    return f"{path.name} cell {i} ({first[:60]!r})"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_plotting_only_cells_are_folded(path):
    unfolded = [_where(path, i, c) for i, c, _, plotting, n in classify(path)
                if plotting and n >= MIN_LINES and "hide-input" not in _tags(c)
                and not {"remove-input", "remove-cell"} & set(_tags(c))]
    assert not unfolded, (f"plotting-only cells of {MIN_LINES}+ lines not folded (add the tag "
                          f"hide-input and mystnb.code_prompt_show {LABEL!r}): {unfolded}")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_folded_cells_are_plotting_only_and_labelled(path):
    for i, cell, draws, plotting, _ in classify(path):
        if "hide-input" not in _tags(cell) or not draws:
            continue          # a folded cell that draws nothing is not figure code (e.g. a data table)
        assert plotting, f"{_where(path, i, cell)} is folded but computes: keep it in view"
        meta = cell["metadata"].get("mystnb", {})
        assert meta.get("code_prompt_show") == LABEL and meta.get("code_prompt_hide") == LABEL_HIDE, (
            f"{_where(path, i, cell)}: folded figure code needs the toggle label {LABEL!r}")


# --- the rule itself ----------------------------------------------------------------------

def _nb(*sources, outputs=None):
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": []} for s in sources]
    cells[-1]["outputs"] = outputs if outputs is not None else [{"output_type": "display_data",
                                                                  "data": {"image/png": "x"}}]
    return {"cells": cells}


def _last(*sources, **kw):
    *_, (_, _, draws, plotting, n) = Notebook(_nb(*sources, **kw)).cells()
    return draws, plotting, n


IMPORTS = ("%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
           "from myst_nb import glue\nfrom lstm_core import rnn\nfrom lstm_core.lstm import lstm_trace\n"
           "from lstm_core.viz import rnn as viz_rnn\nfrom lstm_core.viz.lstm import plot_gates\n")


def test_matplotlib_numpy_and_viz_are_plotting():
    assert _last(IMPORTS, "fig, ax = plt.subplots()\nax.plot(np.log(x), y.max(axis=0))\n"
                          "plot_gates(ax, trace)\nviz_rnn.draw_rolled(ax, params)\n")[:2] == (True, True)


@pytest.mark.parametrize("line", ["tr = lstm_trace(p, x)", "g = rnn.rnn_forward(p, x)",
                                  "glue('k', 1.0, display=False)", "print(x.max())",
                                  "f = lambda v: rnn.step(p, v)"])
def test_calls_into_lstm_core_and_reports_compute(line):
    assert _last(IMPORTS, f"fig, ax = plt.subplots()\n{line}\nax.plot(x)\n")[:2] == (True, False)


def test_notebook_functions_inherit_what_their_body_does():
    helper_plots = "def smooth(v):\n    return np.convolve(v, np.ones(5) / 5)\n"
    helper_computes = "def run(seed):\n    return lstm_trace(p, x)\n"
    assert _last(IMPORTS, helper_plots, "fig, ax = plt.subplots()\nax.plot(smooth(y))\n")[1]
    assert not _last(IMPORTS, helper_computes, "fig, ax = plt.subplots()\nax.plot(run(0))\n")[1]
    # a helper that calls a computing helper computes, also when both come after other computation
    chain = "tr = lstm_trace(p, x)\n" + helper_computes + "def draw(s):\n    return viz_rnn.f(run(s))\n"
    assert not _last(IMPORTS, chain, "fig = draw(0)\n")[1]


def test_methods_of_computed_values_compute_reading_them_does_not():
    model = "net = rnn.init(3)\nres = net.forward(x)\n"
    assert not _last(IMPORTS, model, "fig, ax = plt.subplots()\nax.plot(net.forward(x2))\n")[1]
    assert _last(IMPORTS, model, "fig, ax = plt.subplots()\nax.plot(res.y.max(axis=0))\n")[1]
    # a loop over computed data is plotting when its body only draws
    assert _last(IMPORTS, model, "fig, axes = plt.subplots(1, 2)\nfor ax, v in zip(axes, res.y):\n"
                                 "    ax.plot(v)\n    ax.set_xlim(0, len(res.y))\n")[1]
    # a name bound again to a plain value is plain again
    assert _last(IMPORTS, model, "net = np.zeros(3)\nfig, ax = plt.subplots()\nax.plot(net.cumprod())\n")[1]


def test_a_cell_without_a_figure_is_not_figure_code():
    assert _last(IMPORTS, "y = np.cumsum(x)\n", outputs=[])[:2] == (False, False)
    live = _nb(IMPORTS, "ax.plot(x)\n")
    live["cells"][-1]["metadata"] = {"tags": ["remove-output"]}
    assert not list(Notebook(live).cells())[-1][2]
    captioned = _nb(IMPORTS, "ax.plot(x)\n", outputs=[])
    captioned["cells"][-1]["metadata"] = {"mystnb": {"figure": {"caption": "c"}}}
    assert list(Notebook(captioned).cells())[-1][2]


def test_lines_are_counted_without_blanks():
    assert _last(IMPORTS, "a = 1\n\n\nb = 2\n")[2] == 2
