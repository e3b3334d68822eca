"""Figures for the Applications and Conclusion chapters (17, 18).

* :func:`plot_training_curve` — loss per step (smoothed) with held-out evaluations, in bits.
* :func:`text_figure` — a block of sampled text drawn as an image (frames for
  :func:`lstm_core.viz.widgets.setting_explorer`).
* :func:`plot_cell_text` — one memory cell's output y^c(t) as the colour behind each character.
* :func:`plot_error_flow` — ‖∂E/∂x(T−q)‖ over the lag q for several networks, log scale.
"""
from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def moving_average(v, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (shorter at the start)."""
    v = np.asarray(v, dtype=np.float64)
    c = np.cumsum(np.insert(v, 0, 0.0))
    k = np.arange(1, v.size + 1)
    lo = np.maximum(k - window, 0)
    return (c[k] - c[lo]) / (k - lo)


def plot_training_curve(ax, losses, eval_steps=None, eval_losses=None, window: int = 20,
                        unit: str = "bits per character", scale: float = 1.0,
                        baseline: float | None = None, baseline_label: str = "") -> None:
    """Training loss per step (thin), its moving average (thick) and held-out losses (dots).

    ``scale`` multiplies every loss (1 / ln 2 turns nats into bits).
    """
    steps = np.arange(1, len(losses) + 1)
    losses = np.asarray(losses) * scale
    ax.plot(steps, losses, color="C0", alpha=0.25, lw=0.8, label="training chunk")
    ax.plot(steps, moving_average(losses, window), color="C0", lw=2,
            label=f"training, mean of {window} steps")
    if eval_steps is not None and eval_losses is not None:
        ax.plot(eval_steps, np.asarray(eval_losses) * scale, "o-", color="C3", ms=4,
                label="held-out text")
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls=":", lw=1, label=baseline_label)
    ax.set(xlabel="training step (one chunk per step)", ylabel=unit)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def text_figure(text: str, title: str, width: int = 60, lines: int = 6,
                figsize=(7.0, 2.3)) -> Figure:
    """A monospace block of ``text`` (wrapped at ``width``, at most ``lines`` lines) with a title."""
    wrapped = []
    for para in text.split("\n"):
        wrapped.extend(textwrap.wrap(para, width) or [""])
    body = "\n".join(wrapped[:lines])
    fig = plt.figure(figsize=figsize)
    fig.text(0.01, 0.97, title, fontsize=11, weight="bold", va="top")
    fig.text(0.01, 0.82, body, family="monospace", fontsize=10.5, va="top")
    return fig


def plot_cell_text(ax, text: str, values, width: int = 64, cmap: str = "coolwarm",
                   vmax: float = 1.0, fontsize: float = 9):
    """Draw ``text`` in a grid, each character on a square coloured by ``values`` (len(text),).

    Returns the image (for a colour bar). Newlines are drawn as ``⏎``.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(text)
    rows = int(np.ceil(n / width))
    grid = np.full((rows, width), np.nan)
    grid.flat[:n] = values
    im = ax.imshow(grid, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto")
    for k, ch in enumerate(text):
        ax.text(k % width, k // width, "⏎" if ch == "\n" else ch, ha="center", va="center",
                fontsize=fontsize, family="monospace")
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def plot_error_flow(ax, curves: Mapping[str, Sequence[float]], floor: float = 1e-18) -> None:
    """‖∂E/∂x(T−q)‖ against the lag q for each named network (log y axis).

    ``curves`` maps a label to norms at q = 0, 1, …; values below ``floor`` are drawn at it.
    """
    for label, norms in curves.items():
        norms = np.maximum(np.asarray(norms, dtype=np.float64), floor)
        ax.semilogy(np.arange(norms.size), norms, lw=2, label=label)
    ax.set(xlabel="lag q (steps back from the error)", ylabel=r"$\|\partial E / \partial x(T-q)\|$")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
