"""Figures about gradients: their cost (Chapter 6) and how far they reach back (Chapter 7).

* :func:`power_law_fit` and :func:`scaling_figure` — cost per step against network size on
  log-log axes, with the fitted exponent (BPTT ≈ n², RTRL ≈ n⁴ per step).
* :func:`error_flow_figure` — ‖∂E(T)/∂y(T−q)‖ against the lag q on a log axis, with reference
  curves such as the scalar-unit bound (f'_max |w|)^q drawn dashed.
* :func:`factor_figure` — the error factor |w f'(w y)| of one unit against w, and the measured
  mean factor per step of a self-connected unit beside its bound f'_max w.
* :func:`truncation_figure` — full BPTT against the 1997 truncated gradient: one cell's state
  error over time, and how far the two gradients differ as the recurrent weights grow.
* :func:`grid_explorer` — a kernel-free explorer over a grid of precomputed settings
  (e.g. activation × spectral radius): one slider per axis, nested ``Stack`` widgets linked
  client-side, so the website changes the picture with no Python running
  (the one-axis version is :func:`lstm_core.viz.widgets.setting_explorer`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .lstm import GATE_COLORS


def power_law_fit(x, y) -> tuple[float, float]:
    """Least-squares fit of log y = k log x + log a; returns (k, a), i.e. y ≈ a x^k."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"power_law_fit: expected two 1-D arrays of equal length ≥ 2, "
                         f"got shapes {x.shape} and {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("power_law_fit: expected positive values (log-log fit)")
    k, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return float(k), float(np.exp(log_a))


def scaling_figure(series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                   xlabel: str, ylabel: str, title: str = "", fit: bool = True,
                   fit_from: float | None = None, figsize=(6.5, 3.8)) -> Figure:
    """Log-log plot of measured costs, one series per algorithm, with fitted power laws.

    Parameters
    ----------
    series : mapping label -> (x, y)
        E.g. ``{"BPTT": (n_values, seconds_per_step)}``.
    xlabel, ylabel, title : str
    fit : bool
        Draw the fitted line ``a x^k`` (dashed) and put k in the legend.
    fit_from : float, optional
        Fit only points with x ≥ fit_from (small sizes are dominated by fixed overheads).
    """
    fig, ax = plt.subplots(figsize=figsize)
    for (label, (x, y)), color in zip(series.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        x, y = np.asarray(x, float), np.asarray(y, float)
        text = label
        if fit:
            keep = x >= (fit_from if fit_from is not None else x.min())
            k, a = power_law_fit(x[keep], y[keep])
            xs = np.geomspace(x[keep].min(), x[keep].max(), 50)
            ax.plot(xs, a * xs ** k, "--", color=color, lw=1)
            text = f"{label} (slope {k:.1f})"
        ax.plot(x, y, "o", color=color, label=text)
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def error_flow_figure(q, curves: Mapping[str, np.ndarray], bounds: Mapping[str, np.ndarray] | None = None,
                      title: str = "", ylim=(1e-16, 1e8), ylabel=r"$\|\partial E(T)/\partial y(T-q)\|$",
                      figsize=(7, 3.5), ax=None) -> Figure:
    """‖error at lag q‖ against q on a log axis (Chapter 7).

    Parameters
    ----------
    q : ndarray (Q,)
        Lags.
    curves : mapping label -> ndarray (Q,)
        Measured norms, drawn as solid lines.
    bounds : mapping label -> ndarray (Q,), optional
        Reference curves (bounds, scalar-unit predictions), drawn dashed in grey tones.
    title, ylabel : str
    ylim : (low, high)
        The y range; values outside are clipped to it so that zeros and infinities still draw.
    figsize : (width, height)
        Size of a new figure.
    ax : matplotlib Axes, optional
        Draw into this panel of an existing figure instead (returns that figure).
    """
    q = np.asarray(q)
    low, high = ylim
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    for label, v in curves.items():
        ax.plot(q, np.clip(np.asarray(v, float), low, high), lw=2, label=label)
    for (label, v), ls in zip((bounds or {}).items(), ("--", ":", "-.")):
        ax.plot(q, np.clip(np.asarray(v, float), low, high), ls, color="0.35", lw=1.3, label=label)
    ax.axhline(1.0, color="0.7", lw=0.8)
    ax.set(yscale="log", ylim=ylim, xlim=(q.min(), q.max()), xlabel="lag $q$ (time steps back)",
           ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def factor_figure(w, factors: Mapping[float, np.ndarray], w_unit, rates: Mapping[str, np.ndarray],
                  slopes: Mapping[str, float], figsize=(9.5, 3.6)) -> Figure:
    """The per-step error factor of one unit, two panels (Chapter 7).

    Parameters
    ----------
    w : ndarray (W,)
        Weights of the left panel (log axis).
    factors : mapping y -> ndarray (W,)
        |w f'(w y)| for incoming activation y, drawn against ``w`` (left).
    w_unit : ndarray (U,)
        Self-weights of the right panel.
    rates : mapping activation name -> ndarray (U,)
        Measured mean factor per step of a self-connected unit, drawn against ``w_unit`` (right).
    slopes : mapping activation name -> float
        f'_max of each activation: its bound f'_max w is drawn dotted beside the measured rate.
    figsize : (width, height)
    """
    w, w_unit = np.asarray(w, float), np.asarray(w_unit, float)
    if set(slopes) != set(rates):
        raise ValueError(f"factor_figure: slopes {sorted(slopes)} and rates {sorted(rates)} "
                         "must name the same activations")
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize)
    for y_in, factor in factors.items():
        ax_l.plot(w, factor, label=f"$y = {y_in}$")
    ax_l.axhline(1.0, color="0.4", ls="--", lw=1)
    ax_l.set(xscale="log", xlabel="weight $w$", ylabel=r"$|w\,\sigma'(w\,y)|$",
             title="one factor of the product")
    for name, rate in rates.items():
        line, = ax_r.plot(w_unit, rate, "o-", ms=3, label=f"{name}: measured")
        ax_r.plot(w_unit, slopes[name] * w_unit, ":", color=line.get_color(),
                  label=f"{name}: bound {slopes[name]:g}·w")
    ax_r.axhline(1.0, color="0.4", ls="--", lw=1)
    ax_r.set(xscale="log", yscale="log", ylim=(1e-4, 20), xlabel="self-weight $w$",
             ylabel="mean factor per step", title="one self-connected unit")
    for ax in (ax_l, ax_r):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def truncation_figure(full, truncated, scales, diffs, cosines, figsize=(9, 3.4)) -> Figure:
    """Full BPTT against the 1997 truncated gradient, two panels (Chapter 11).

    Parameters
    ----------
    full, truncated : ndarray (T,)
        The state error e_s(t) of one cell under each gradient (left, against t = 1 … T).
    scales : ndarray (S,)
        Scales of the recurrent and peephole weights (right, x axis).
    diffs, cosines : ndarray (S,)
        Relative difference and cosine between the two gradients at each scale.
    figsize : (width, height)
    """
    full, truncated = np.asarray(full, float), np.asarray(truncated, float)
    if full.shape != truncated.shape or full.ndim != 1:
        raise ValueError(f"truncation_figure: full and truncated must be 1-D of one length, "
                         f"got {full.shape} and {truncated.shape}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    ts = np.arange(1, len(full) + 1)
    ax1.plot(ts, full, color=GATE_COLORS["c"], label="full BPTT")
    ax1.plot(ts, truncated, color="tab:red", ls="--", label="truncated")
    ax1.set(xlabel="time step t", ylabel="state error $e_s(t)$ of cell 0")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    ax2.plot(scales, diffs, "o-", color="tab:red", label="relative difference (rms over W, R, b, P)")
    ax2.plot(scales, cosines, "s-", color="tab:green", label="cosine(full, truncated)")
    ax2.set(xlabel="scale of recurrent and peephole weights", ylabel="difference / cosine")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def grid_explorer(frames, axes: Sequence[tuple[str, Sequence]], title: str) -> widgets.VBox:
    """A kernel-free explorer over a grid of settings: one slider per axis (Chapter 7).

    ``frames`` is nested like the axes: ``frames[a][b]`` is the PNG for value a of the first
    axis and value b of the second (any depth ≥ 1). Each level is a ``widgets.Stack`` whose
    ``selected_index`` is ``jslink``-ed to that axis' slider, so moving any slider changes the
    visible image on the static website. The outermost Stack carries the ``lstm-stepper`` class
    that the browser test looks for.

    Parameters
    ----------
    frames : nested sequences of PNG bytes
    axes : sequence of (name, values)
        Slider label and the setting values along that axis (shown under the sliders).
    title : str
        HTML above the controls.
    """
    axes = list(axes)
    if not axes:
        raise ValueError("grid_explorer: expected at least one axis")
    sliders = [widgets.SelectionSlider(options=[(str(v), k) for k, v in enumerate(values)], value=0,
                                       description=name, continuous_update=True)
               for name, values in axes]

    def build(node, depth):
        values = axes[depth][1]
        if len(node) != len(values):
            raise ValueError(f"grid_explorer: axis {axes[depth][0]!r} has {len(values)} values "
                             f"but {len(node)} frames at depth {depth}")
        if depth == len(axes) - 1:
            children = [widgets.Image(value=png, format="png") for png in node]
        else:
            children = [build(child, depth + 1) for child in node]
        stack = widgets.Stack(children, selected_index=0)
        widgets.jslink((sliders[depth], "index"), (stack, "selected_index"))
        return stack

    outer = build(frames, 0)
    outer.add_class("lstm-stepper")
    return widgets.VBox([widgets.HTML(value=title), widgets.VBox(sliders), outer])
