"""The LSTM cell stepper: one time step of a memory-cell layer per frame (Chapter 11).

Each frame shows, for one time step t of an :class:`~lstm_core.lstm.LSTMTrace`,

* the diagram of one memory cell (:func:`lstm_core.viz.lstm.draw_cell`) with the numbers of that
  step written next to its parts — in the **forward** mode the net input net_c, the cell input
  g(net_c), the gate activations y^in, y^φ, y^out (each gate disc is filled in proportion to how
  far it is open), the state s_c(t−1) → s_c(t), h(s_c(t)) and the output y^c(t); in the
  **backward** mode the deltas δ_c, δ_in, δ_φ, δ_out (the book's δ = −∂E/∂net) and the state
  error e_s(t) = −∂E/∂s_c(t) that the carousel carries back;
* a table of the same quantities for **every** cell of the layer (colour = value);
* a strip with the states (forward) or the state errors (backward) of all cells over the whole
  sequence, with the current step marked.

:func:`cell_step_figure` draws one frame; :func:`cell_stepper` renders up to 40 of them into a
kernel-free :func:`~lstm_core.viz.widgets.frame_stepper` for the static website.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..lstm import LSTMConfig, LSTMTrace
from .lstm import GATE_COLORS, draw_cell
from .widgets import frame_stepper, render_frames

__all__ = ["draw_cell_values", "draw_cell_table", "cell_step_figure", "cell_stepper", "MAX_FRAMES"]

#: most frames a stepper may hold (pages stay light)
MAX_FRAMES = 40

# positions of the parts in draw_cell's coordinates (keep in step with viz.lstm.draw_cell)
_Y0 = 1.2
_POS = {"net_c": (0.0, _Y0), "g": (1.4, _Y0), "in": (2.9, -0.35), "s": (4.6, _Y0),
        "phi": (5.7, 2.85), "h": (6.3, _Y0), "out": (7.8, -0.35), "y": (9.65, _Y0)}
_GATE_R = 0.32

#: rows of the all-cells table: (label, trace field, per block?)
_ROWS = {
    "forward": [("$y^{in}$", "y_in", True), ("$y^{\\varphi}$", "y_phi", True), ("$g$", "g", False),
                ("$s_c$", "s", False), ("$y^{out}$", "y_out", True), ("$y^c$", "y", False)],
    "backward": [("$\\delta_{in}$", "delta_in", True), ("$\\delta_{\\varphi}$", "delta_phi", True),
                 ("$\\delta_c$", "delta_c", False), ("$e_s$", "e_s", False),
                 ("$\\delta_{out}$", "delta_out", True)],
}


def _check_mode(mode: str) -> str:
    if mode not in _ROWS:
        raise ValueError(f"mode: expected 'forward' or 'backward', got {mode!r}")
    return mode


def _as_config(config) -> LSTMConfig:
    cfg = LSTMConfig.preset(config) if isinstance(config, str) else config
    if not isinstance(cfg, LSTMConfig):
        raise TypeError(f"config: expected an LSTMConfig or a preset name, got {type(config).__name__}")
    return cfg


def _check_trace(trace, mode: str) -> LSTMTrace:
    if not isinstance(trace, LSTMTrace):
        raise TypeError(f"trace: expected an LSTMTrace from lstm_core.lstm.lstm_trace, got {type(trace).__name__}")
    if mode == "backward" and trace.e_s is None:
        raise ValueError("trace: the backward mode needs deltas; call lstm_trace(params, x, dy) with dy")
    return trace


def _value(step: dict, name: str, b: int, idx: int):
    v = step.get(name)
    return None if v is None else float(v[b, idx])


def _fill_gate(ax: Axes, key: str, a: float) -> None:
    """Fill the gate disc: the filled area is the fraction a ∈ [0, 1] the gate is open."""
    r = _GATE_R * np.sqrt(min(max(a, 0.0), 1.0))
    ax.add_patch(Circle(_POS[key], r, fc=GATE_COLORS[key], ec="none", alpha=0.6, zorder=1.5))


def draw_cell_values(ax: Axes, step: dict, config: LSTMConfig | str, *, b: int = 0, cell: int = 0,
                     mode: str = "forward") -> Axes:
    """Draw memory cell ``cell`` of sequence ``b`` with the numbers of one time step (Chapter 11).

    Parameters
    ----------
    ax : matplotlib Axes
    step : dict
        One step of a trace, :meth:`LSTMTrace.step(t) <lstm_core.lstm.LSTMTrace.step>`: cell arrays
        (B, H), gate arrays (B, n_blocks) or ``None`` for an absent gate.
    config : LSTMConfig or preset name
        The traced layer's configuration (its ``block_size`` maps the cell to its block).
    b : int
        Which sequence of the batch.
    cell : int
        Which cell (code index); its gates are those of block ``cell // block_size``.
    mode : {"forward", "backward"}
        Activations and states, or deltas and the state error (the trace must hold them).
    """
    cfg = _as_config(config)
    mode = _check_mode(mode)
    blk = cell // cfg.block_size
    draw_cell(ax, cfg, title=f"cell {cell}" + (f" (block {blk})" if cfg.block_size > 1 else ""))
    ax.set_ylim(-1.25, 3.55)
    kw = dict(ha="center", va="center", fontsize=8.5)
    # gate discs filled by their activation, in both modes (the deltas are scaled by them)
    for key, name in (("in", "y_in"), ("phi", "y_phi"), ("out", "y_out")):
        a = _value(step, name, b, blk)
        if a is not None:
            _fill_gate(ax, key, a)
    if mode == "forward":
        pairs = [("net_c", "net_c", cell, (0.0, -0.45), "{:+.2f}"),
                 ("g", "g", cell, (0.0, 0.55), "g = {:+.2f}"),
                 ("in", "y_in", blk, (0.0, -0.6), "{:.2f}"),
                 ("out", "y_out", blk, (0.0, -0.6), "{:.2f}"),
                 ("phi", "y_phi", blk, (0.0, 0.5), "{:.2f}"),
                 ("h", "h", cell, (0.0, 0.55), "h = {:+.2f}"),
                 ("y", "y", cell, (0.0, -0.45), "{:+.2f}")]
        s_prev, s_now = _value(step, "s_prev", b, cell), _value(step, "s", b, cell)
        ax.text(_POS["s"][0], _POS["s"][1] - 0.72, f"{s_prev:+.2f} → {s_now:+.2f}", color="black",
                fontweight="bold", **kw)
    else:
        pairs = [("g", "delta_c", cell, (0.0, 0.55), "δ_c = {:+.2g}"),
                 ("in", "delta_in", blk, (0.0, -0.6), "δ_in = {:+.2g}"),
                 ("out", "delta_out", blk, (0.0, -0.6), "δ_out = {:+.2g}"),
                 ("phi", "delta_phi", blk, (0.0, 0.5), "δ_φ = {:+.2g}")]
        e = _value(step, "e_s", b, cell)
        ax.text(_POS["s"][0], _POS["s"][1] - 0.72, f"e_s = {e:+.2g}", color="tab:red",
                fontweight="bold", **kw)
    for key, name, idx, (dx, dy), fmt in pairs:
        v = _value(step, name, b, idx)
        if v is None:
            continue
        x, y = _POS[key]
        ax.text(x + dx, y + dy, fmt.format(v), color="black" if mode == "forward" else "tab:red", **kw)
    return ax


def draw_cell_table(ax: Axes, step: dict, config: LSTMConfig | str, *, b: int = 0,
                    mode: str = "forward", vmax: float | None = None) -> Axes:
    """All cells of the layer at one step as a coloured table (rows: quantities, columns: cells).

    Gate values are shown under every cell of their block. Colour runs from −vmax (blue) to
    +vmax (red); the default vmax is 1 for the forward mode and the largest |value| of the
    step for the backward mode. Parameters as :func:`draw_cell_values`.
    """
    cfg = _as_config(config)
    mode = _check_mode(mode)
    rows = [(lab, name, per_block) for lab, name, per_block in _ROWS[mode] if step.get(name) is not None]
    H = step["s"].shape[1]
    M = np.full((len(rows), H), np.nan)
    for r, (_, name, per_block) in enumerate(rows):
        v = step[name][b]
        M[r] = np.repeat(v, cfg.block_size) if per_block else v
    if vmax is None:
        vmax = 1.0 if mode == "forward" else max(float(np.nanmax(np.abs(M))), 1e-12)
    ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
    for r in range(M.shape[0]):
        for c in range(H):
            txt = f"{M[r, c]:+.2f}" if mode == "forward" else f"{M[r, c]:+.2g}"
            ax.text(c, r, txt, ha="center", va="center", fontsize=6.5 if H > 3 else 7.5)
    ax.set_yticks(range(len(rows)), [lab for lab, _, _ in rows], fontsize=9)
    ax.set_xticks(range(H), [f"cell {c}" for c in range(H)], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_title("every cell", fontsize=9, pad=18)
    return ax


def cell_step_figure(trace: LSTMTrace, t: int, config: LSTMConfig | str, *, b: int = 0, cell: int = 0,
                     mode: str = "forward", figsize=(8.0, 4.2), vmax: float | None = None,
                     title: str | None = None) -> Figure:
    """One stepper frame: cell diagram with values, all-cells table, and the sequence strip.

    Parameters
    ----------
    trace : LSTMTrace
        From :func:`lstm_core.lstm.lstm_trace` (with ``dy`` for ``mode="backward"``).
    t : int
        Code time index, 0 … T−1 (the book's time t + 1, shown as such).
    config : LSTMConfig or preset name
        The traced layer's configuration.
    b, cell : int
        Sequence of the batch and cell drawn on the diagram.
    mode : {"forward", "backward"}
    figsize : (float, float)
    vmax : float, optional
        Colour range of the table (see :func:`draw_cell_table`).
    title : str, optional
        Text after the time in the figure title.

    Returns
    -------
    matplotlib Figure
    """
    mode = _check_mode(mode)
    trace = _check_trace(trace, mode)
    cfg = _as_config(config)
    T, B, _ = trace.x.shape
    H = trace.s.shape[2]
    for name, v, n in (("t", t, T), ("b", b, B), ("cell", cell, H)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= v < n:
            raise ValueError(f"{name}: expected an int in [0, {n}), got {v!r}")
    step = trace.step(int(t))
    fig = plt.figure(figsize=figsize)
    gs = fig.add_gridspec(2, 2, width_ratios=[2.6, 1.0], height_ratios=[2.2, 1.0], hspace=0.45,
                          wspace=0.18)
    ax_cell = fig.add_subplot(gs[0, 0])
    draw_cell_values(ax_cell, step, cfg, b=b, cell=cell, mode=mode)
    ax_tab = fig.add_subplot(gs[0, 1])
    draw_cell_table(ax_tab, step, cfg, b=b, mode=mode, vmax=vmax)
    ax_seq = fig.add_subplot(gs[1, :])
    steps = np.arange(1, T + 1)
    series = trace.s[1:, b] if mode == "forward" else trace.e_s[:, b]
    for c in range(H):
        ax_seq.plot(steps, series[:, c], lw=2.0 if c == cell else 0.9,
                    color=GATE_COLORS["c"] if c == cell else "0.6",
                    label=f"cell {cell}" if c == cell else ("other cells" if c == (1 if cell == 0 else 0) else None))
    ax_seq.axvline(t + 1, color="tab:red", lw=1.0)
    ax_seq.set_xlim(0.5, T + 0.5)
    ax_seq.set_xlabel("time step t")
    ax_seq.set_ylabel("$s_c(t)$" if mode == "forward" else "$e_s(t)$")
    ax_seq.grid(alpha=0.3)
    ax_seq.legend(fontsize=7, loc="upper left", ncol=2)
    x_t = ", ".join(f"{v:+.2f}" for v in trace.x[t, b])
    head = f"t = {t + 1}   x(t) = ({x_t})"
    fig.suptitle(head + (f"   {title}" if title else ""), fontsize=10, y=0.99)
    return fig


def cell_stepper(trace: LSTMTrace, config: LSTMConfig | str, *, b: int = 0, cell: int = 0,
                 mode: str = "forward", steps=None, dpi: int = 80, title: str = "",
                 figsize=(8.0, 4.2)):
    """A kernel-free stepper over the time steps of a trace (Chapter 11).

    Renders :func:`cell_step_figure` for each step in ``steps`` (default: all, at most
    :data:`MAX_FRAMES`) and wraps the frames in :func:`~lstm_core.viz.widgets.frame_stepper`,
    whose image stack carries the CSS class ``lstm-stepper``. The backward mode runs from the
    last step to the first, the order in which BPTT computes the deltas; the table's colour
    range is then fixed over the whole sequence so the frames compare.

    Parameters
    ----------
    trace : LSTMTrace
    config : LSTMConfig or preset name
    b, cell : int
    mode : {"forward", "backward"}
    steps : sequence of int, optional
        Code time indices to show.
    dpi : int
    title : str
        HTML above the controls.
    figsize : (float, float)

    Returns
    -------
    ipywidgets.VBox
    """
    mode = _check_mode(mode)
    trace = _check_trace(trace, mode)
    T = trace.x.shape[0]
    steps = list(range(T)) if steps is None else [int(s) for s in steps]
    if mode == "backward" and steps == list(range(T)):
        steps = steps[::-1]
    if not steps or len(steps) > MAX_FRAMES:
        raise ValueError(f"steps: expected 1 to {MAX_FRAMES} frames, got {len(steps)} "
                         "(pass steps= to choose fewer)")
    vmax = None
    if mode == "backward":
        vals = [np.abs(v[:, b]).max() for v in (trace.delta_in, trace.delta_phi, trace.delta_c,
                                                 trace.e_s, trace.delta_out) if v is not None]
        vmax = max(float(max(vals)), 1e-12)
    frames = render_frames(lambda k: cell_step_figure(trace, steps[k], config, b=b, cell=cell, mode=mode,
                                                      figsize=figsize, vmax=vmax), len(steps), dpi=dpi)
    labels = [f"<code>t = {s + 1}</code>" for s in steps]
    return frame_stepper(frames, title, description="frame", labels=labels)
