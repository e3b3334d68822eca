"""Pictures of single units and small feed-forward nets in the input plane (chapters 2 and 3).

A unit with two inputs (x_1, x_2) splits the plane along the line where its net input is
zero, w_1 x_1 + w_2 x_2 + b = 0; a small network bends that line into a curve. Everything
here draws such pictures from real weights:

* :func:`plot_patterns` — the training patterns, filled for class "true", hollow for "false".
* :func:`draw_line_boundary` — the line w·x + b = 0 of a perceptron or sigmoid unit, with the
  side where the unit says "true" shaded (Chapter 2).
* :func:`draw_surface` — the output of any function of (x_1, x_2) as a filled contour plot,
  with its decision curve at a threshold (Chapter 3).
* :func:`perceptron_epoch_figure` — one panel per Boolean function, the perceptron's line
  after a given epoch (frames of the Chapter 2 stepper).
* :func:`surface_figure` — a net's output surface next to its loss curve, a marker at the
  current training step (Chapter 3).
* :func:`perceptron_epoch_frames`, :func:`surface_frames` — the same pictures as PNG frames for
  :func:`lstm_core.viz.widgets.frame_stepper`. They lay the figure out once and only update
  what changes from frame to frame, several times faster than drawing every frame anew.

Functions that take an ``ax`` draw into it and return it; ``…_figure`` functions return a new
:class:`matplotlib.figure.Figure` (render it with :func:`lstm_core.viz.widgets.render_frames`).
"""
from __future__ import annotations

import io
from typing import Callable, Sequence

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["plot_patterns", "draw_line_boundary", "draw_surface", "perceptron_epoch_figure",
           "surface_figure", "perceptron_epoch_frames", "surface_frames", "TRUE_COLOR",
           "FALSE_COLOR"]

TRUE_COLOR, FALSE_COLOR = "#c0392b", "#2e6fb5"   # class "true" red, "false" blue
_SIDES = ListedColormap([FALSE_COLOR, TRUE_COLOR])


def _check_points(x, t):
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x: expected shape (D, 2) (points in the input plane), got {x.shape}")
    if t.shape != (x.shape[0],):
        raise ValueError(f"t: expected shape ({x.shape[0]},), one target per point, got {t.shape}")
    return x, t


def plot_patterns(ax, x, t, threshold: float = 0.5, size: float = 90, label: bool = True):
    """Scatter the patterns x_d (D, 2): filled red where t_d > threshold, hollow blue otherwise.

    Parameters
    ----------
    ax : matplotlib Axes
    x : array_like, shape (D, 2)
        Input patterns.
    t : array_like, shape (D,)
        Targets t_d.
    threshold : float
        0.5 for {0, 1} targets, 0 for ±1 targets.
    size : float
        Marker area.
    label : bool
        Give the two classes legend labels ("target 1" / "target 0 or −1").
    """
    x, t = _check_points(x, t)
    pos = t > threshold
    ax.scatter(x[pos, 0], x[pos, 1], s=size, c=TRUE_COLOR, edgecolors="k", zorder=3,
               label="target true" if label else None)
    ax.scatter(x[~pos, 0], x[~pos, 1], s=size, facecolors="white", edgecolors=FALSE_COLOR,
               linewidths=2, zorder=3, label="target false" if label else None)
    return ax


def draw_line_boundary(ax, w, b, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), shade: bool = True,
                       color: str = "k", ls: str = "-", label: str | None = "w·x + b = 0"):
    """Draw the decision line w_1 x_1 + w_2 x_2 + b = 0 of a unit with two inputs (Chapter 2).

    The half-plane where w·x + b > 0 (the unit answers "true") is shaded red, the other blue.
    When w = 0 there is no line: the whole plane is on one side (the side of sgn(b), with
    sgn(0) = −1 as in :func:`lstm_core.perceptron.sgn`).

    Parameters
    ----------
    ax : matplotlib Axes
    w : array_like, shape (2,)
        Weights w_1, w_2.
    b : float
        Bias.
    xlim, ylim : (float, float)
        The window drawn.
    shade : bool
        Shade the two half-planes.
    color, ls : str
        Line colour and style.
    label : str or None
        Legend label of the line.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(f"w: expected shape (2,) (a unit with two inputs), got {w.shape}")
    b = float(b)
    if shade:
        gx, gy = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
        side = (w[0] * gx + w[1] * gy + b > 0).astype(float)
        ax.imshow(side, extent=(*xlim, *ylim), origin="lower", cmap=_SIDES, vmin=0, vmax=1,
                  alpha=0.15, aspect="auto", interpolation="nearest")
    if np.any(w != 0):
        if abs(w[1]) >= abs(w[0]):   # solve for x_2 (the line is not vertical)
            xs = np.array(xlim, dtype=float)
            ys = -(w[0] * xs + b) / w[1]
        else:                        # solve for x_1
            ys = np.array(ylim, dtype=float)
            xs = -(w[1] * ys + b) / w[0]
        ax.plot(xs, ys, color=color, ls=ls, lw=2, label=label)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def draw_surface(ax, predict: Callable[[np.ndarray], np.ndarray], xlim=(-0.5, 1.5),
                 ylim=(-0.5, 1.5), threshold: float = 0.5, resolution: int = 81,
                 vmin: float = 0.0, vmax: float = 1.0, cmap: str = "RdBu_r"):
    """Fill the plane with a network's output y(x_1, x_2) and draw the curve y = threshold.

    Parameters
    ----------
    ax : matplotlib Axes
    predict : callable
        ``predict(points)`` with points of shape (N, 2) returns N outputs (shape (N,) or (N, 1)).
    xlim, ylim : (float, float)
        The window drawn.
    threshold : float
        Level of the decision curve (0.5 for a logistic output).
    resolution : int
        Grid points per axis.
    vmin, vmax : float
        Colour scale of the output.
    cmap : str
        Colour map.

    Returns
    -------
    AxesImage
        The coloured output (pass to ``fig.colorbar``).
    """
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    points = np.c_[gx.ravel(), gy.ravel()]
    z = np.asarray(predict(points), dtype=np.float64).reshape(-1)
    if z.size != points.shape[0]:
        raise ValueError(f"predict: expected {points.shape[0]} outputs for {points.shape[0]} "
                         f"points, got {z.size}")
    z = z.reshape(gx.shape)
    filled = ax.imshow(z, extent=(*xlim, *ylim), origin="lower", cmap=cmap, vmin=vmin, vmax=vmax,
                       aspect="auto", interpolation="bilinear")
    if z.min() < threshold < z.max():
        ax.contour(gx, gy, z, levels=[threshold], colors="k", linewidths=2).set_gid("decision-curve")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return filled


def perceptron_epoch_figure(tables: Sequence, histories: Sequence, epoch: int,
                            figsize=(9, 3.1)) -> Figure:
    """One panel per truth table with the perceptron's line after ``epoch`` epochs (Chapter 2).

    Parameters
    ----------
    tables : sequence of :class:`lstm_core.tasks.TruthTable`
        The Boolean functions (inputs x of shape (4, 2), targets t).
    histories : sequence of :class:`lstm_core.perceptron.PerceptronHistory`
        One training run per table. A run that stopped before ``epoch`` is shown at its end.
    epoch : int
        Epochs of training to show (0 = the initial weights).

    Returns
    -------
    Figure
    """
    if len(tables) != len(histories) or len(tables) == 0:
        raise ValueError(f"tables, histories: expected equally many (≥ 1), got {len(tables)} "
                         f"and {len(histories)}")
    fig, axes = plt.subplots(1, len(tables), figsize=figsize, squeeze=False)
    for ax, table, hist in zip(axes[0], tables, histories):
        k = min(epoch, hist.epochs)
        lo, hi = float(np.min(table.x)) - 0.6, float(np.max(table.x)) + 0.6
        draw_line_boundary(ax, hist.w[k], hist.b[k], xlim=(lo, hi), ylim=(lo, hi),
                           label="boundary" if ax is axes[0, 0] else None)
        plot_patterns(ax, table.x, table.t, threshold=table.threshold, label=ax is axes[0, 0])
        ax.set_title(f"{table.name.upper()}   ({_epoch_status(hist, k)})", fontsize=10)
        ax.set_xlabel("input $x_1$")
        ax.set_aspect("equal")
    axes[0, 0].set_ylabel("input $x_2$")
    axes[0, 0].legend(loc="upper left", fontsize=7, framealpha=0.9)
    fig.tight_layout()
    return fig


def surface_figure(predict: Callable[[np.ndarray], np.ndarray], x, t, losses=None,
                   step: int | None = None, lines: Sequence = (), title: str = "",
                   figsize=(8, 3.4)) -> Figure:
    """A 2-input net's output surface, its patterns and (optionally) its loss curve (Chapter 3).

    Parameters
    ----------
    predict : callable
        ``predict(points (N, 2)) -> outputs (N,) or (N, 1)`` in [0, 1].
    x : array_like, shape (D, 2)
        Training patterns.
    t : array_like, shape (D,)
        Their targets in {0, 1}.
    losses : array_like, shape (S,), optional
        Loss E at every training step; drawn on log axes in a second panel.
    step : int, optional
        Current step, marked on the loss curve (number of updates made so far).
    lines : sequence of (w, b)
        Lines w·x + b = 0 to draw dashed — e.g. where the hidden units' net inputs are zero.
    title : str
        Title of the surface panel.

    Returns
    -------
    Figure
    """
    x, t = _check_points(x, t)
    if losses is None:
        fig, ax = plt.subplots(figsize=(figsize[1] * 1.15, figsize[1]))
        ax_loss = None
    else:
        fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=figsize,
                                          gridspec_kw={"width_ratios": [1, 1.25]})
    filled = draw_surface(ax, predict)
    for j, (w, b) in enumerate(lines):
        draw_line_boundary(ax, w, b, shade=False, color="0.3", ls="--",
                           label="hidden $net_j = 0$" if j == 0 else None)
    plot_patterns(ax, x, t, label=True)
    ax.set(xlabel="input $x_1$", ylabel="input $x_2$", title=title)
    ax.set_aspect("equal")
    fig.colorbar(filled, ax=ax, fraction=0.046, pad=0.04, label="output $y$")
    handles, names = ax.get_legend_handles_labels()
    if ax_loss is None:
        ax.legend(handles, names, loc="upper center", fontsize=7, framealpha=0.9,
                  bbox_to_anchor=(0.5, -0.18))
    if ax_loss is not None:
        losses = np.asarray(losses, dtype=np.float64)
        steps = np.arange(len(losses))
        ax_loss.semilogy(steps, losses, color="0.4", lw=1.5, label="E (training loss)")
        if step is not None:
            s = int(np.clip(step, 0, len(losses) - 1))
            ax_loss.semilogy([s], [losses[s]], "o", color=TRUE_COLOR, label="current step")
        ax_loss.set(xlabel="training step (full-batch updates)", ylabel="E = ½ Σ (t − y)²",
                    title="loss")
        ax_loss.grid(alpha=0.3, which="both")
        loss_handles, loss_names = ax_loss.get_legend_handles_labels()
        ax_loss.legend(loss_handles + handles, loss_names + names, fontsize=7, loc="lower left",
                       framealpha=0.9)
    fig.tight_layout()
    return fig


def _png(fig: Figure, dpi: int) -> bytes:
    """PNG bytes of ``fig`` as laid out (no tight bounding box: every frame has the same size).

    The image is reduced to a 256-colour palette, which makes a frame about three times
    smaller (pages with steppers stay light) without a visible difference.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB").quantize(colors=256)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def _line_points(w, b, xlim, ylim):
    """Two points of the line w·x + b = 0 spanning the window (empty if w = 0)."""
    w = np.asarray(w, dtype=np.float64)
    if not np.any(w != 0):
        return [], []
    if abs(w[1]) >= abs(w[0]):
        xs = np.array(xlim, dtype=float)
        return xs, -(w[0] * xs + float(b)) / w[1]
    ys = np.array(ylim, dtype=float)
    return -(w[1] * ys + float(b)) / w[0], ys


def perceptron_epoch_frames(tables: Sequence, histories: Sequence, n_frames: int, dpi: int = 80,
                            figsize=(9, 3.1)) -> list[bytes]:
    """PNG frames of :func:`perceptron_epoch_figure` for epochs 0 … n_frames − 1 (Chapter 2)."""
    fig = perceptron_epoch_figure(tables, histories, 0, figsize=figsize)
    axes = fig.axes
    res = 200
    handles = []
    for ax, table in zip(axes, tables):
        lo, hi = ax.get_xlim()
        gx, gy = np.meshgrid(np.linspace(lo, hi, res), np.linspace(lo, hi, res))
        image = next(a for a in ax.get_images())
        line = ax.lines[0] if ax.lines else ax.plot([], [], color="k", lw=2)[0]
        handles.append((gx, gy, image, line, (lo, hi)))
    frames = []
    for epoch in range(n_frames):
        for ax, table, hist, (gx, gy, image, line, lim) in zip(axes, tables, histories, handles):
            k = min(epoch, hist.epochs)
            w, b = hist.w[k], hist.b[k]
            image.set_data((w[0] * gx + w[1] * gy + b > 0).astype(float))
            line.set_data(*_line_points(w, b, lim, lim))
            ax.set_title(f"{table.name.upper()}   ({_epoch_status(hist, k)})", fontsize=10)
        frames.append(_png(fig, dpi))
    plt.close(fig)
    return frames


def _epoch_status(hist, k: int) -> str:
    if k == 0:
        return "start"
    made = hist.mistakes[k - 1]
    status = f"epoch {k}: {made} mistake{'s' if made != 1 else ''}"
    return status + (" — converged" if made == 0 else "")


def surface_frames(snapshots: Sequence, x, t, losses, dpi: int = 80,
                   figsize=(7.5, 3.3), resolution: int = 81) -> list[bytes]:
    """PNG frames of :func:`surface_figure`, one per training snapshot (Chapter 3).

    Parameters
    ----------
    snapshots : sequence of (step, predict, lines)
        ``step`` the number of updates made, ``predict(points (N, 2)) -> (N,) or (N, 1)`` the
        net at that step, ``lines`` a sequence of (w, b) drawn dashed (hidden units' lines).
    x, t : array_like, shapes (D, 2) and (D,)
        Training patterns and targets in {0, 1}.
    losses : array_like, shape (S,)
        Loss at every step.
    dpi : int
        Resolution of the frames.
    resolution : int
        Grid points per axis of the surface.

    Returns
    -------
    list of bytes
        One PNG per snapshot, all of the same size.
    """
    if len(snapshots) == 0:
        raise ValueError("snapshots: expected at least one (step, predict, lines) entry")
    step0, predict0, lines0 = snapshots[0]
    fig = surface_figure(predict0, x, t, losses, step=step0, lines=lines0, figsize=figsize)
    ax, ax_loss = fig.axes[0], fig.axes[1]
    image = ax.get_images()[0]
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    points = np.c_[gx.ravel(), gy.ravel()]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    marker = ax_loss.lines[-1]
    losses = np.asarray(losses, dtype=np.float64)
    frames = []
    for step, predict, lines in snapshots:
        z = np.asarray(predict(points), dtype=np.float64).reshape(gx.shape)
        image.set_data(z)
        for coll in list(ax.collections):
            if coll.get_gid() == "decision-curve":
                coll.remove()
        if z.min() < 0.5 < z.max():
            ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=2).set_gid("decision-curve")
        for ln, (w, b) in zip(dashed, lines):
            ln.set_data(*_line_points(w, b, xlim, ylim))
        s = int(np.clip(step, 0, len(losses) - 1))
        marker.set_data([s], [losses[s]])
        ax.set_title(f"output after {step} steps")
        frames.append(_png(fig, dpi))
    plt.close(fig)
    return frames
