"""One LSTM step as a computational graph, with the edges the 1997 truncation cuts (Chapter 11).

:func:`draw_step_graph` draws the quantities of one time step of a memory block (the vanilla
cell of Chapter 11: input, forget and output gate, peepholes) as nodes and their dependencies as
edges, from the previous step (left) to the output units (right). Full BPTT sends the error back
along every edge. The truncated gradient of Hochreiter & Schmidhuber (1997) sends it back only
along the **kept** edges (black; the carousel s_c(t−1) → s_c(t) in bold): from the output units
into the cell output, through the output gate and h into the state, along the carousel, and into
the net inputs of the cell input and the gates, where it changes their weights and stops. The
**cut** edges (red, dashed, marked ✂) are the recurrent connections from y^c(t−1) into the net
inputs and the peephole connections from the state into the gates: an error never travels back
along them. (The 1997 cell has no forget gate and no peepholes; its graph is this one without
those nodes and edges.)
"""
from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["STEP_NODES", "STEP_EDGES", "draw_step_graph"]

#: node name → (x, y, label)
STEP_NODES = {
    "x": (0.0, 5.6, "$x(t)$"),
    "y_prev": (0.0, 3.3, "$y^c(t-1)$"),
    "s_prev": (0.0, 0.5, "$s_c(t-1)$"),
    "net_out": (2.6, 5.6, "$net_{out}$"),
    "net_in": (2.6, 4.3, "$net_{in}$"),
    "net_phi": (2.6, 3.0, "$net_{\\varphi}$"),
    "net_c": (2.6, 1.7, "$net_c$"),
    "y_out": (4.4, 5.6, "$y^{out}$"),
    "y_in": (4.4, 4.3, "$y^{in}$"),
    "y_phi": (4.4, 3.0, "$y^{\\varphi}$"),
    "g": (4.4, 1.7, "$g(net_c)$"),
    "s": (6.2, 0.5, "$s_c(t)$"),
    "h": (7.4, 1.9, "$h(s_c)$"),
    "y": (8.6, 3.6, "$y^c(t)$"),
    "y_k": (10.4, 3.6, "$y^k(t)$"),
    "next": (10.4, 5.6, "step $t+1$"),
}

#: (from, to, kind): kind "kept" (error flows back in both algorithms), "carousel" (kept, the
#: CEC), "cut" (error flows back only in full BPTT), "input" (no error is needed there)
STEP_EDGES = (
    [("x", n, "input") for n in ("net_out", "net_in", "net_phi", "net_c")]
    + [("y_prev", n, "cut") for n in ("net_out", "net_in", "net_phi", "net_c")]
    + [("s_prev", "net_in", "cut"), ("s_prev", "net_phi", "cut"), ("s", "net_out", "cut")]
    + [("net_out", "y_out", "kept"), ("net_in", "y_in", "kept"), ("net_phi", "y_phi", "kept"),
       ("net_c", "g", "kept"),
       ("y_in", "s", "kept"), ("g", "s", "kept"), ("y_phi", "s", "kept"),
       ("s_prev", "s", "carousel"),
       ("s", "h", "kept"), ("h", "y", "kept"), ("y_out", "y", "kept"), ("y", "y_k", "kept"),
       ("y", "next", "cut")]
)

_W, _H = 0.58, 0.3              # half width and height of a node box (data units)

_STYLE = {"kept": dict(color="black", lw=1.3, ls="-"),
          "carousel": dict(color="tab:blue", lw=3.0, ls="-"),
          "cut": dict(color="tab:red", lw=1.2, ls="--"),
          "input": dict(color="0.65", lw=0.9, ls="-")}


def _node(ax: Axes, x: float, y: float, label: str, state: bool) -> None:
    ax.add_patch(FancyBboxPatch((x - _W, y - _H), 2 * _W, 2 * _H, boxstyle="round,pad=0.05",
                                fc="#dde8f6" if state else "white", ec="black", lw=1.0, zorder=3))
    ax.text(x, y, label, ha="center", va="center", fontsize=8.5, zorder=4)


def _clip(xa, ya, xb, yb):
    """The point where the segment from box a's centre towards b leaves box a."""
    dx, dy = xb - xa, yb - ya
    t = min(_W / abs(dx) if dx else float("inf"), _H / abs(dy) if dy else float("inf"))
    return xa + t * dx * 1.08, ya + t * dy * 1.08


def draw_step_graph(ax: Axes, truncated: bool = True, title: str | None = None) -> Axes:
    """Draw one LSTM step as a graph; with ``truncated`` mark the edges the 1997 gradient cuts.

    Parameters
    ----------
    ax : matplotlib Axes
    truncated : bool
        Mark cut edges (red, dashed, ✂) — the error paths that only full BPTT follows. With
        ``False`` every edge is drawn as an error path (full BPTT).
    title : str, optional

    Returns
    -------
    Axes
    """
    if not isinstance(truncated, bool):
        raise TypeError(f"truncated: expected True or False, got {truncated!r}")
    ax.set_xlim(-0.8, 11.2)
    ax.set_ylim(-0.2, 6.3)
    ax.set_aspect("equal")
    ax.axis("off")
    for a, b, kind in STEP_EDGES:
        style = dict(_STYLE["kept"] if (kind == "cut" and not truncated) else _STYLE[kind])
        xa, ya, _ = STEP_NODES[a]
        xb, yb, _ = STEP_NODES[b]
        rad = -0.3 if (a, b) == ("s", "net_out") else (0.25 if (a, b) == ("y", "next") else 0.0)
        p1, p2 = _clip(xa, ya, xb, yb), _clip(xb, yb, xa, ya)
        ax.add_patch(FancyArrowPatch(p1, p2, arrowstyle="-|>", mutation_scale=11,
                                     color=style["color"], lw=style["lw"], linestyle=style["ls"],
                                     shrinkA=0, shrinkB=1, connectionstyle=f"arc3,rad={rad}",
                                     zorder=2))
        if kind == "cut" and truncated:
            # the midpoint of the arc (matplotlib's arc3: a quadratic Bezier curve)
            dx, dy = p2[0] - p1[0], p2[1] - p1[1]
            cx, cy = (p1[0] + p2[0]) / 2 + rad * dy, (p1[1] + p2[1]) / 2 - rad * dx
            mx, my = 0.25 * p1[0] + 0.5 * cx + 0.25 * p2[0], 0.25 * p1[1] + 0.5 * cy + 0.25 * p2[1]
            if a == "y_prev":                       # four cuts side by side: spread them out
                mx, my = 0.6 * p1[0] + 0.4 * p2[0], 0.6 * p1[1] + 0.4 * p2[1]
            ax.text(mx, my, "✂", color="tab:red", fontsize=11, ha="center", va="center", zorder=5,
                    bbox=dict(fc="white", ec="none", pad=0.1))
    for key, (x, y, label) in STEP_NODES.items():
        _node(ax, x, y, label, state=key in ("s", "s_prev"))
    ax.text(0.0, -0.15, "step t − 1", ha="center", fontsize=8, color="0.4")
    ax.text(5.2, -0.15, "step t", ha="center", fontsize=8, color="0.4")
    if title is None:
        title = ("one LSTM step: the 1997 truncated gradient sends errors back along black edges only"
                 if truncated else "one LSTM step: full BPTT sends errors back along every edge")
    ax.set_title(title, fontsize=10)
    return ax
