"""Drawings of the recurrent net and of BPTT, from real weights and activations (chapters 4–7).

Everything drawn here is computed: edge widths and colours are the entries of
``W_rec`` (w_kl) and ``W_in`` (w_ki), node colours are the activations y^k(t) of an actual
forward pass, and the rings around the nodes are the deltas δ_k(t) of an actual backward pass
(:func:`lstm_core.rnn.bptt_trace`).

* :func:`draw_rolled` — the net as it is built: n units, every one feeding every one
  (Chapter 4).
* :func:`draw_unrolled` — the same net unfolded in time: one column per time step, one node
  per unit per step (Chapter 4), optionally with deltas (Chapter 5).
* :func:`draw_bptt_frame`, :func:`bptt_frame_labels`, :func:`bptt_stepper` — the Chapter 5
  stepper: the forward pass one step at a time, then the deltas flowing back, then the
  accumulated weight gradient (:func:`accumulated_gradient`).

Code index vs the book: arrays are indexed ``[t]`` with t = 0 … T−1 for the book's times
1 … T; the pictures label columns with the book's times, column 0 being y(0).
"""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from .._validate import float_array
from ..rnn import BPTTTrace, RNNParams
from .widgets import frame_stepper, render_frames

__all__ = ["draw_rolled", "draw_unrolled", "graph_legend", "accumulated_gradient", "bptt_frame_count",
           "draw_bptt_frame", "bptt_frame_labels", "bptt_stepper"]

ACT_CMAP = "coolwarm"      # activations y^k(t): blue negative, red positive
DELTA_CMAP = "PuOr_r"      # deltas δ_k(t): purple negative, orange positive
POS_EDGE, NEG_EDGE = "#c0392b", "#2e6fb5"   # positive / negative weights


def _edge_style(w: float, w_max: float) -> tuple[float, str]:
    """Line width ∝ |w| and colour by sign."""
    return 0.3 + 3.2 * abs(w) / w_max, (POS_EDGE if w >= 0 else NEG_EDGE)


def _w_max(params: RNNParams) -> float:
    return max(float(np.max(np.abs(params.W_rec))), float(np.max(np.abs(params.W_in))), 1e-12)


def draw_rolled(ax, params: RNNParams, title: str = "the net (rolled)"):
    """Draw the recurrent net before unfolding (Chapter 4).

    The n units sit on a circle; an arrow from unit l to unit k has width ∝ |w_kl| and is red
    for w_kl > 0, blue for w_kl < 0; self-loops w_kk are drawn as small loops. The I inputs
    sit below, with arrows for w_ki.

    Parameters
    ----------
    ax : matplotlib Axes
    params : RNNParams
    title : str

    Returns
    -------
    ax
    """
    n, I = params.n_units, params.n_in
    w_max = _w_max(params)
    angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
    unit_xy = np.c_[np.cos(angles), np.sin(angles) + 0.3] if n > 1 else np.array([[0.0, 0.6]])
    input_xy = np.c_[np.linspace(-0.8, 0.8, I) if I > 1 else [0.0], np.full(I, -1.6)]
    for k in range(n):
        for l in range(n):
            lw, color = _edge_style(params.W_rec[k, l], w_max)
            if k == l:                       # self-loop w_kk: a ring on the outer side of the unit
                d = unit_xy[k] - [0.0, 0.3] if n > 1 else np.array([0.0, 1.0])
                d = d / (np.linalg.norm(d) + 1e-12)
                a = Circle(unit_xy[k] + 0.24 * d, 0.14, fill=False, lw=lw, color=color, alpha=0.75)
            else:
                a = FancyArrowPatch(unit_xy[l], unit_xy[k], connectionstyle="arc3,rad=0.18",
                                    arrowstyle="-|>", mutation_scale=9, lw=lw, color=color,
                                    alpha=0.75, shrinkA=11, shrinkB=11)
            ax.add_patch(a)
    for k in range(n):
        for i in range(I):
            lw, color = _edge_style(params.W_in[k, i], w_max)
            ax.add_patch(FancyArrowPatch(input_xy[i], unit_xy[k], arrowstyle="-|>", mutation_scale=9,
                                         lw=lw, color=color, alpha=0.5, shrinkA=9, shrinkB=11))
    ax.scatter(*unit_xy.T, s=420, c="white", edgecolors="k", zorder=3)
    ax.scatter(*input_xy.T, s=260, c="#eeeeee", marker="s", edgecolors="k", zorder=3)
    for k in range(n):
        ax.text(*unit_xy[k], f"$y^{{{k + 1}}}$", ha="center", va="center", fontsize=9, zorder=4)
    for i in range(I):
        ax.text(*input_xy[i], f"$x_{{{i + 1}}}$", ha="center", va="center", fontsize=9, zorder=4)
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-2.0, 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    return ax


def draw_unrolled(ax, params: RNNParams, x, y, y0=None, *, b: int = 0, forward_upto: int | None = None,
                  delta=None, backward_from: int | None = None, highlight: int | None = None,
                  numbers: bool = True, delta_max: float | None = None, act_max: float = 1.0):
    """Draw the net unfolded in time: a column per time step, a node per unit (Chapters 4, 5).

    Column t (t = 0 … T) holds the units' outputs y^k(t) (squares below: the inputs x_i(t)).
    The edge from y^l(t−1) to y^k(t) is the recurrent weight w_kl, the edge from x_i(t) to
    y^k(t) the input weight w_ki: width ∝ |w|, red positive, blue negative — the same weights in
    every column, which is what "unfolding" means. Node colour is y^k(t).

    Parameters
    ----------
    ax : matplotlib Axes
    params : RNNParams
    x : ndarray (T, B, I)
    y : ndarray (T, B, n)
        Outputs of :func:`lstm_core.rnn.rnn_forward`; ``y[t]`` is the book's y(t+1).
    y0 : ndarray (B, n), optional
        y(0) (zeros by default).
    b : int
        Which sequence of the batch to draw.
    forward_upto : int in [0, T], optional
        Show activations for times 1 … forward_upto only (later nodes grey); default T.
    delta : ndarray (T, B, n), optional
        δ(t) with the book's sign, drawn as a ring around each node (ring size ∝ |δ|,
        colour by sign) and as a number above it.
    backward_from : int in [1, T+1], optional
        Show δ(t) only for t ≥ backward_from (default 1, all of them).
    highlight : int, optional
        Book time of a column to shade (the step being computed).
    numbers : bool
        Write y (below the node) and δ (above) as numbers.
    delta_max : float, optional
        |δ| that gets the largest ring (default: max over the drawn sequence).
    act_max : float
        |y| mapped to the ends of the colour map.

    Returns
    -------
    ax
    """
    if not isinstance(params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(params).__name__}")
    n, I = params.n_units, params.n_in
    y = float_array("y", y, ndim=3, shape=(None, None, n))
    T, B, _ = y.shape
    x = float_array("x", x, ndim=3, shape=(T, B, I))
    y0 = np.zeros((B, n)) if y0 is None else float_array("y0", y0, ndim=2, shape=(B, n))
    if not 0 <= b < B:
        raise ValueError(f"b: expected a sequence index in [0, {B - 1}], got {b}")
    forward_upto = T if forward_upto is None else int(forward_upto)
    backward_from = 1 if backward_from is None else int(backward_from)
    w_max = _w_max(params)
    act_norm = Normalize(-act_max, act_max)
    cmap = plt.get_cmap(ACT_CMAP)
    ys = np.concatenate([y0[None, b], y[:, b]], axis=0)           # (T+1, n), book times 0 … T

    def unit_row(k):                      # rows: inputs at 0 … I−1, units above them
        return I + 0.7 + 1.35 * k

    if highlight is not None:
        ax.axvspan(highlight - 0.45, highlight + 0.45, color="#fff3b0", zorder=0)
    # edges: y^l(t−1) → y^k(t) (weight w_kl) and x_i(t) → y^k(t) (weight w_ki), one collection each
    rec, rec_w, inp, inp_w, rec_done, inp_done = [], [], [], [], [], []
    for t in range(1, T + 1):
        for k in range(n):
            for l in range(n):
                rec.append([(t - 1, unit_row(l)), (t, unit_row(k))])
                rec_w.append(params.W_rec[k, l])
                rec_done.append(t <= forward_upto)
            for i in range(I):
                inp.append([(t, i), (t, unit_row(k))])
                inp_w.append(params.W_in[k, i])
                inp_done.append(t <= forward_upto)
    for segs, ws, done, alpha in ((rec, rec_w, rec_done, 0.55), (inp, inp_w, inp_done, 0.35)):
        styles = [_edge_style(w, w_max) if d else (0.5, "#dddddd") for w, d in zip(ws, done)]
        ax.add_collection(LineCollection(segs, linewidths=[s[0] for s in styles],
                                         colors=[s[1] for s in styles], alpha=alpha, zorder=1,
                                         capstyle="round"))
    # deltas: rings behind the nodes
    if delta is not None:
        d = np.asarray(delta)[:, b]                                # (T, n)
        d_max = float(np.max(np.abs(d))) if delta_max is None else float(delta_max)
        d_max = max(d_max, 1e-12)
        d_norm = Normalize(-d_max, d_max)
        ts = np.arange(max(backward_from, 1), T + 1)
        if ts.size:
            tt, kk = np.meshgrid(ts, np.arange(n), indexing="ij")
            v = d[tt - 1, kk].ravel()
            ax.scatter(tt.ravel(), unit_row(kk.ravel()), s=250 + 900 * np.abs(v) / d_max,
                       c=v, cmap=DELTA_CMAP, norm=d_norm, edgecolors="none", zorder=2)
            if numbers:
                for t_, k_, v_ in zip(tt.ravel(), kk.ravel(), v):
                    ax.text(t_, unit_row(k_) + 0.3, f"δ {v_:+.2g}", ha="center", va="bottom",
                            fontsize=6.5, color="#5b3a00", zorder=5)
    # unit nodes (grey until the forward pass reaches them) and input nodes
    tt, kk = np.meshgrid(np.arange(T + 1), np.arange(n), indexing="ij")
    shown = (tt <= forward_upto).ravel()
    faces = [cmap(act_norm(v)) if s else (0.96, 0.96, 0.96, 1.0) for v, s in zip(ys.ravel(), shown)]
    ax.scatter(tt.ravel(), unit_row(kk.ravel()), s=220, c=faces, edgecolors="k", linewidths=0.6, zorder=3)
    ti, ii = np.meshgrid(np.arange(1, T + 1), np.arange(I), indexing="ij")
    xs = x[:, b]                                                   # (T, I)
    faces = [cmap(act_norm(xs[t - 1, i])) if t <= forward_upto else (0.96, 0.96, 0.96, 1.0)
             for t, i in zip(ti.ravel(), ii.ravel())]
    ax.scatter(ti.ravel(), ii.ravel(), s=150, marker="s", c=faces, edgecolors="k", linewidths=0.6, zorder=3)
    if numbers:
        for t in range(min(forward_upto, T) + 1):
            for k in range(n):
                ax.text(t, unit_row(k) - 0.33, f"{ys[t, k]:+.2f}", ha="center", va="top", fontsize=6.5, zorder=5)
            for i in range(I if t >= 1 else 0):
                ax.text(t, i - 0.3, f"{xs[t - 1, i]:+.1f}", ha="center", va="top", fontsize=6.5)
    ax.set_xticks(range(T + 1))
    ax.set_xticklabels([f"t={t}" for t in range(T + 1)], fontsize=7)
    ax.set_yticks([*range(I), *(unit_row(k) for k in range(n))])
    ax.set_yticklabels([f"$x_{{{i + 1}}}$" for i in range(I)] + [f"$y^{{{k + 1}}}$" for k in range(n)])
    ax.set_xlim(-0.5, T + 0.5)
    ax.set_ylim(-0.8, unit_row(n - 1) + 0.8)
    ax.set_xlabel("time step t")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


def graph_legend(ax, deltas: bool = False, **kwargs):
    """A legend for :func:`draw_rolled` / :func:`draw_unrolled` (Chapters 4, 5).

    Explains the edge colours (sign of the weight, width ∝ |w|) and, with ``deltas``, the ring
    colours (sign of δ). ``kwargs`` go to ``ax.legend`` (e.g. ``loc``, ``bbox_to_anchor``).
    Returns the Legend.
    """
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=POS_EDGE, lw=2.5, label="weight > 0 (width ∝ |w|)"),
               Line2D([], [], color=NEG_EDGE, lw=2.5, label="weight < 0")]
    if deltas:
        cmap = plt.get_cmap(DELTA_CMAP)
        handles += [Line2D([], [], ls="", marker="o", ms=9, color=cmap(0.9), label="δ > 0 (size ∝ |δ|)"),
                    Line2D([], [], ls="", marker="o", ms=9, color=cmap(0.1), label="δ < 0")]
    kwargs.setdefault("fontsize", 7)
    return ax.legend(handles=handles, **kwargs)


def accumulated_gradient(params: RNNParams, trace: BPTTTrace) -> np.ndarray:
    """The weight gradient as BPTT accumulates it, sweeping from t = T back to 1 (Chapter 5).

    With all weights of unit i in one row, W = [W_rec | W_in | b] of shape (n, n+I+1), and
    z(t) = [y(t−1), x(t), 1] the values they multiply,

        G(τ) = Σ_{t ≥ τ} −δ(t) z(t)ᵀ        (summed over the batch),

    so ``G[0]`` is the full gradient ∂E/∂W (equal to ``trace.grads``) and ``G[T]`` = 0.

    Parameters
    ----------
    params : RNNParams
    trace : BPTTTrace

    Returns
    -------
    G : ndarray (T+1, n, n+I+1)
        ``G[τ]`` (code index τ = book time τ+1) holds the terms of times τ+1 … T.
    """
    y_prev = np.concatenate([trace.y0[None], trace.y[:-1]], axis=0)
    ones = np.ones(trace.x.shape[:2] + (1,), dtype=trace.x.dtype)
    z = np.concatenate([y_prev, trace.x, ones], axis=2)                 # (T, B, n+I+1)
    per_step = -np.einsum("tbi,tbj->tij", trace.delta, z)             # −δ(t) z(t)ᵀ per time step
    T = per_step.shape[0]
    G = np.zeros((T + 1,) + per_step.shape[1:], dtype=per_step.dtype)
    G[:T] = np.cumsum(per_step[::-1], axis=0)[::-1]
    return G


def bptt_frame_count(T: int) -> int:
    """Frames of the BPTT stepper for T steps: y(0), T forward, T backward, the gradient: 2T+2."""
    return 2 * int(T) + 2


def _matrix_panel(ax, M, n, I, title, cmap="RdBu_r"):
    vmax = max(float(np.max(np.abs(M))), 1e-12)
    ax.imshow(M, cmap=cmap, vmin=-vmax, vmax=vmax)
    for (i, j), v in np.ndenumerate(M):
        ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=6.5)
    ax.set_xticks(range(n + I + 1))
    ax.set_xticklabels([f"$y^{{{l + 1}}}$" for l in range(n)] + [f"$x_{{{i + 1}}}$" for i in range(I)] + ["1"],
                       fontsize=7)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"unit {k + 1}" for k in range(n)], fontsize=7)
    ax.set_xlabel("from (j)", fontsize=7)
    ax.set_ylabel("to (i)", fontsize=7)
    ax.set_title(title, fontsize=8)


def draw_bptt_frame(params: RNNParams, trace: BPTTTrace, k: int, b: int = 0,
                    figsize=(8.2, 3.4)) -> Figure:
    """Frame k of the BPTT stepper (Chapter 5); k = 0 … 2T+1 (:func:`bptt_frame_count`).

    * k = 0: only y(0) is known.
    * k = 1 … T: the forward pass has computed y(1) … y(k) (node colours, numbers below).
      Right panel: the weights [W_rec | W_in | b] the edges draw.
    * k = T+1 … 2T: the backward pass has computed δ(T) … δ(2T+1−k) (rings, numbers above),
      and the right panel shows the gradient accumulated so far (:func:`accumulated_gradient`).
    * k = 2T+1: all deltas and the full gradient ∂E/∂W, as :func:`lstm_core.rnn.rnn_backward`
      returns it.
    """
    if not isinstance(trace, BPTTTrace):
        raise TypeError(f"trace: expected the BPTTTrace of lstm_core.rnn.bptt_trace, got {type(trace).__name__}")
    T = trace.y.shape[0]
    n, I = params.n_units, params.n_in
    if not 0 <= k < bptt_frame_count(T):
        raise ValueError(f"k: expected a frame index in [0, {bptt_frame_count(T) - 1}], got {k}")
    fig, (ax, ax_m) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [3.2, 1.25]})
    d_max = float(np.max(np.abs(trace.delta[:, b])))
    if k <= T:
        draw_unrolled(ax, params, trace.x, trace.y, trace.y0, b=b, forward_upto=k,
                      highlight=k if k > 0 else None)
        ax.set_title(f"forward pass: y({k}) computed" if k else "start: only y(0) is known", fontsize=9)
        W = np.concatenate([params.W_rec, params.W_in, params.b[:, None]], axis=1)
        _matrix_panel(ax_m, W, n, I, "weights $w_{ij}$")
    else:
        first = 2 * T + 1 - k if k < 2 * T + 1 else 1
        draw_unrolled(ax, params, trace.x, trace.y, trace.y0, b=b, delta=trace.delta,
                      backward_from=first, delta_max=d_max,
                      highlight=first if k < 2 * T + 1 else None)
        G = accumulated_gradient(params, trace)[first - 1]
        if k < 2 * T + 1:
            ax.set_title(f"backward pass: δ({first}) computed from e({first}) and δ({first + 1})",
                         fontsize=9)
            _matrix_panel(ax_m, G, n, I, f"$\\partial E/\\partial w_{{ij}}$, sum over t ≥ {first}")
        else:
            ax.set_title("done: every δ(t) known", fontsize=9)
            _matrix_panel(ax_m, G, n, I, "full gradient $\\partial E/\\partial w_{ij}$")
    graph_legend(ax_m, deltas=True, loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=6, ncol=2,
                 frameon=False)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.15, top=0.9, wspace=0.12)
    return fig


def _vec(v) -> str:
    return "[" + ", ".join(f"{a:+.3f}" for a in v) + "]"


def bptt_frame_labels(params: RNNParams, trace: BPTTTrace, b: int = 0) -> list[str]:
    """One HTML line per stepper frame with the numbers computed at that step (Chapter 5).

    Forward frames show net(t) = W_rec y(t−1) + W_in x(t) + b and y(t) = f(net(t)); backward
    frames show e(t), δ(t+1) and δ(t) = f'(net(t)) ⊙ [e(t) + W_recᵀ δ(t+1)] (the book's
    δ_k(t) = f'(net_k(t)) [e_k(t) + Σ_l w_lk δ_l(t+1)]); the last frame shows ∂E/∂W_rec.

    Parameters
    ----------
    params : RNNParams
    trace : BPTTTrace from :func:`lstm_core.rnn.bptt_trace`
    b : int
        Which sequence of the batch.

    Returns
    -------
    list of str, length 2T+2 (:func:`bptt_frame_count`)
    """
    T = trace.y.shape[0]
    labels = [f"<code>y(0) = {_vec(trace.y0[b])}</code>"]
    for t in range(1, T + 1):
        labels.append(f"<code>net({t}) = W_rec y({t - 1}) + W_in x({t}) + b = {_vec(trace.net[t - 1, b])}"
                      f"; &nbsp;y({t}) = f(net({t})) = {_vec(trace.y[t - 1, b])}</code>")
    for t in range(T, 0, -1):
        nxt = "0" if t == T else _vec(trace.delta[t, b])
        labels.append(f"<code>e({t}) = {_vec(trace.e[t - 1, b])}, δ({t + 1}) = {nxt}"
                      f"; &nbsp;δ({t}) = f'(net({t})) ⊙ [e({t}) + W_recᵀ δ({t + 1})] = "
                      f"{_vec(trace.delta[t - 1, b])}</code>")
    g = trace.grads.W_rec
    labels.append("<code>∂E/∂W_rec = −Σ_t δ(t) y(t−1)ᵀ = "
                  + "; ".join(_vec(row) for row in g) + "</code>")
    return labels


def bptt_stepper(params: RNNParams, trace: BPTTTrace, b: int = 0, dpi: int = 80,
                 title: str = "<b>BPTT, one step at a time</b>: forward, then backward"):
    """The Chapter 5 stepper: every frame of :func:`draw_bptt_frame` in a kernel-free
    :func:`lstm_core.viz.widgets.frame_stepper`, with the numbers of each step beneath the slider.

    Parameters
    ----------
    params : RNNParams
    trace : BPTTTrace from :func:`lstm_core.rnn.bptt_trace`; keep T small (2T+2 frames, ≤ 40)
    b : int
        Which sequence of the batch to draw.
    dpi : int
        Resolution of the PNG frames.
    title : str
        HTML above the controls.

    Returns
    -------
    ipywidgets.VBox (display it as the last expression of a cell)
    """
    if not isinstance(trace, BPTTTrace):
        raise TypeError(f"trace: expected the BPTTTrace of lstm_core.rnn.bptt_trace, got {type(trace).__name__}")
    T = trace.y.shape[0]
    if bptt_frame_count(T) > 40:
        raise ValueError(f"trace: expected at most T = 19 steps (2T+2 ≤ 40 frames keep the page light), got T = {T}")
    frames = render_frames(lambda k: draw_bptt_frame(params, trace, k, b=b), bptt_frame_count(T), dpi=dpi)
    return frame_stepper(frames, title, description="step", labels=bptt_frame_labels(params, trace, b))
