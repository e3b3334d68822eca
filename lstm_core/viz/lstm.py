"""Drawings of the LSTM memory cell and its signals over time (Chapters 8-11).

* :func:`draw_cell` — a schematic of one memory cell for any :class:`~lstm_core.lstm.LSTMConfig`:
  the cell input g, the gates, the constant error carousel (self-loop of weight 1, or y^φ with a
  forget gate), h, and dashed peephole connections when the configuration has them.
* :func:`plot_states` — cell states s_c(t) of many runs over time, with their mean and an
  optional ±k√t envelope (the random walk of Chapter 8).
* :func:`plot_gates` — the gate activations y^in, y^φ, y^out of one cell from an
  :class:`~lstm_core.lstm.LSTMTrace`, with the cell state on a second axis.

Everything draws into a matplotlib ``Axes`` the caller owns and returns it, so chapters can
combine panels freely.
"""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..lstm import LSTMConfig, LSTMTrace

__all__ = ["draw_cell", "plot_states", "plot_gates", "GATE_COLORS"]

#: one colour per part, shared by every LSTM figure of the book
GATE_COLORS = {"in": "tab:green", "phi": "tab:orange", "out": "tab:purple", "c": "tab:blue",
               "s": "black"}


def _box(ax, xy, text, w=0.9, h=0.6, fc="white", ec="black", fs=10):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                fc=fc, ec=ec, lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fs)


def _mult(ax, xy, r=0.22):
    ax.add_patch(Circle(xy, r, fc="white", ec="black", lw=1.2))
    ax.text(xy[0], xy[1], "×", ha="center", va="center", fontsize=11)


def _arrow(ax, a, b, color="black", ls="-", rad=0.0, lw=1.2):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=11, color=color, lw=lw,
                                 linestyle=ls, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=2, shrinkB=2))


def _gate(ax, xy, name, key):
    ax.add_patch(Circle(xy, 0.32, fc=GATE_COLORS[key], ec="black", alpha=0.35, lw=1.2))
    ax.text(xy[0], xy[1], name, ha="center", va="center", fontsize=10)


def draw_cell(ax: Axes, config: LSTMConfig | str = "lstm1997", title: str | None = None) -> Axes:
    """Draw one memory cell of ``config`` (Chapters 8-10): inputs flow left to right.

    net_c → g → × y^in → s_c (the carousel: a self-loop of weight 1, × y^φ with a forget gate)
    → h → × y^out → y^c. Gates are coloured discs (:data:`GATE_COLORS`); peephole connections,
    if any, are dashed arrows from the state to the gates (s_c(t−1) into y^in and y^φ, s_c(t)
    into y^out). A gate the configuration lacks is not drawn (its multiplication is by 1).

    Parameters
    ----------
    ax : matplotlib Axes
    config : LSTMConfig or preset name
    title : str, optional
        Defaults to a description of the configuration.
    """
    cfg = LSTMConfig.preset(config) if isinstance(config, str) else config
    if not isinstance(cfg, LSTMConfig):
        raise TypeError(f"config: expected an LSTMConfig or a preset name, got {type(config).__name__}")
    ax.set_xlim(-0.3, 10.3)
    ax.set_ylim(-0.8, 3.2)
    ax.set_aspect("equal")
    ax.axis("off")
    y0 = 1.2                                  # the main signal line
    g_name = {"g1997": "g ∈ (−2,2)", "tanh": "g = tanh", "identity": "g = id",
              "logistic": "g = σ", "sigmoid": "g = σ", "h1997": "g ∈ (−1,1)"}[cfg.input_activation]
    h_name = {"h1997": "h ∈ (−1,1)", "tanh": "h = tanh", "identity": "h = id",
              "logistic": "h = σ", "sigmoid": "h = σ", "g1997": "h ∈ (−2,2)"}[cfg.output_activation]
    ax.text(0.0, y0, "net$_c$", ha="center", va="center", fontsize=10)
    _box(ax, (1.4, y0), g_name, w=1.4, fs=8)
    _arrow(ax, (0.35, y0), (0.65, y0))
    x_in = 2.9
    if cfg.input_gate:
        _mult(ax, (x_in, y0))
        _gate(ax, (x_in, -0.35), "$y^{in}$", "in")
        _arrow(ax, (x_in, -0.03), (x_in, y0 - 0.22), color=GATE_COLORS["in"])
    _arrow(ax, (2.1, y0), (x_in - 0.22, y0))
    # the carousel
    xs = 4.6
    ax.add_patch(Circle((xs, y0), 0.45, fc="#dde8f6", ec="black", lw=1.5))
    ax.text(xs, y0, "$s_c$", ha="center", va="center", fontsize=12)
    _arrow(ax, (x_in + 0.22, y0), (xs - 0.45, y0))
    loop_top = y0 + 1.3
    xl, xr = xs - 0.35, xs + 0.35
    ax.plot([xr, xr, xl], [y0 + 0.3, loop_top, loop_top], color="black", lw=1.4)
    _arrow(ax, (xl, loop_top), (xl, y0 + 0.3), lw=1.4)
    if cfg.forget_gate:
        label = "$1 - y^{in}$" if cfg.coupled_input_forget else "$y^{\\varphi}$"
        _mult(ax, (xs, loop_top))
        _gate(ax, (xs + 1.1, loop_top + 0.35), label, "phi")
        _arrow(ax, (xs + 0.8, loop_top + 0.25), (xs + 0.22, loop_top + 0.05), color=GATE_COLORS["phi"])
    else:
        ax.text(xs, loop_top + 0.08, "weight 1", ha="center", va="bottom", fontsize=9)
    # output side
    _box(ax, (6.3, y0), h_name, w=1.4, fs=8)
    _arrow(ax, (xs + 0.45, y0), (5.6, y0))
    x_out = 7.8
    if cfg.output_gate:
        _mult(ax, (x_out, y0))
        _gate(ax, (x_out, -0.35), "$y^{out}$", "out")
        _arrow(ax, (x_out, -0.03), (x_out, y0 - 0.22), color=GATE_COLORS["out"])
    _arrow(ax, (7.0, y0), (x_out - 0.22, y0))
    _arrow(ax, (x_out + 0.22, y0), (9.2, y0))
    ax.text(9.65, y0, "$y^c$", ha="center", va="center", fontsize=11)
    if cfg.peepholes:
        pc = "tab:red"
        if cfg.input_gate:
            _arrow(ax, (xs - 0.3, y0 - 0.35), (x_in + 0.28, -0.25), color=pc, ls="--", rad=-0.2)
        if cfg.forget_gate and not cfg.coupled_input_forget:
            _arrow(ax, (xs + 0.45, y0 + 0.1), (xs + 1.1, loop_top + 0.03), color=pc, ls="--", rad=0.3)
        if cfg.output_gate:
            _arrow(ax, (xs + 0.3, y0 - 0.35), (x_out - 0.28, -0.25), color=pc, ls="--", rad=0.2)
        ax.text(10.2, 2.6, "dashed: peepholes", ha="right", fontsize=8, color=pc)
    if title is None:
        parts = [p for p, on in (("input gate", cfg.input_gate), ("forget gate", cfg.forget_gate),
                                 ("output gate", cfg.output_gate), ("peepholes", cfg.peepholes)) if on]
        title = "memory cell: " + (", ".join(parts) if parts else "no gates")
    ax.set_title(title, fontsize=10)
    return ax


def plot_states(ax: Axes, s, dt: float = 1.0, *, runs: int = 20, envelope: float | None = None,
                label: str = "$s_c(t)$", color: str = "tab:blue", t0: int = 0) -> Axes:
    """Plot cell states of many runs over time (Chapters 8-9).

    Parameters
    ----------
    ax : matplotlib Axes
    s : ndarray (T,) or (T, N)
        State s_c(t) of N runs (or cells) at times t0, t0 + 1, …
    dt : float
        Steps between samples (for subsampled series).
    runs : int
        How many individual runs to draw thinly (the rest only enter the mean and spread).
    envelope : float, optional
        If given, draw ±envelope·√t (the spread of a random walk with step size ``envelope``).
    label : str
        Legend label of the runs.
    color : str
    t0 : int
        Time of the first sample.
    """
    s = np.asarray(s, dtype=np.float64)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2 or s.shape[0] == 0:
        raise ValueError(f"s: expected shape (T,) or (T, N) with T >= 1, got {np.shape(s)}")
    t = t0 + dt * np.arange(s.shape[0])
    n = min(runs, s.shape[1])
    for j in range(n):
        ax.plot(t, s[:, j], color=color, lw=0.6, alpha=0.35, label=label if j == 0 else None)
    if s.shape[1] > 1:
        ax.plot(t, s.std(axis=1), color="black", lw=1.5, label=f"spread (std over {s.shape[1]} runs)")
    if envelope is not None:
        env = envelope * np.sqrt(np.maximum(t, 0.0))
        ax.plot(t, env, color="tab:red", ls="--", lw=1.2, label=f"±{envelope:.3g}·√t")
        ax.plot(t, -env, color="tab:red", ls="--", lw=1.2)
    ax.set_xlabel("time step t")
    ax.set_ylabel("cell state $s_c(t)$")
    ax.grid(alpha=0.3)
    return ax


def plot_gates(ax: Axes, trace: LSTMTrace, b: int = 0, cell: int = 0, *, state: bool = True,
               block_size: int = 1) -> Axes:
    """Gate activations of one memory cell over time from an :class:`~lstm_core.lstm.LSTMTrace`
    (Chapters 9-11); the cell state s_c(t) on a twin axis if ``state``.

    Parameters
    ----------
    ax : matplotlib Axes
    trace : LSTMTrace
        From :func:`lstm_core.lstm.lstm_trace`.
    b : int
        Which sequence of the batch.
    cell : int
        Which cell (code index); its block is ``cell // block_size``.
    state : bool
        Also plot s_c(t) (right axis).
    block_size : int
        Cells per block of the traced layer.

    Returns
    -------
    Axes
        The twin axis with the state if ``state``, else ``ax``.
    """
    T = trace.x.shape[0]
    t = np.arange(1, T + 1)                      # code index t holds the book's time t + 1
    blk = cell // block_size
    for name, key, tex in (("y_in", "in", "$y^{in}$"), ("y_phi", "phi", "$y^{\\varphi}$"),
                           ("y_out", "out", "$y^{out}$")):
        v = getattr(trace, name)
        if v is not None:
            ax.plot(t, v[:, b, blk], color=GATE_COLORS[key], lw=1.4, label=tex)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("time step t")
    ax.set_ylabel("gate activation")
    ax.grid(alpha=0.3)
    if not state:
        ax.legend(fontsize=8, loc="upper left")
        return ax
    ax2 = ax.twinx()
    ax2.plot(np.arange(0, T + 1), trace.s[:, b, cell], color=GATE_COLORS["s"], lw=1.2, ls="--",
             label="$s_c(t)$")
    ax2.set_ylabel("cell state $s_c(t)$")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
    return ax2
