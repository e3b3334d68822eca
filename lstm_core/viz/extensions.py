"""Figures for the Extensions chapters (13 bidirectional, 14 Grid LSTM, 15 GRU and variants).

* :func:`seed_strip` — one column per model: every seed's result as a dot, with a box for the
  spread (Greff et al.'s way of showing variant rankings; Chapters 13 and 15).
* :func:`learning_curves` — loss against training step, one colour per model, one thin line per
  seed and a thick line for the median (Chapters 14 and 15).
* :func:`depth_norms` — gradient norm against depth level on a log axis (Chapter 14).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def _colours(n: int):
    import matplotlib.pyplot as plt
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return [cycle[i % len(cycle)] for i in range(n)]


def seed_strip(ax, results: Mapping[str, Sequence[float]], ylabel: str, log: bool = False,
               title: str | None = None, reference: float | None = None, reference_label: str = ""):
    """Box plot plus one dot per seed for each model (Chapters 13, 15).

    Parameters
    ----------
    ax : matplotlib Axes
    results : mapping name -> sequence of numbers (one per seed), drawn in the mapping's order
    ylabel : str
    log : bool
        Logarithmic y axis (for losses).
    title : str, optional
    reference : float, optional
        A horizontal dotted line (e.g. chance level), labelled ``reference_label``.
    """
    if not results:
        raise ValueError("results: expected at least one model")
    names = list(results)
    data = [np.asarray(results[n], dtype=float) for n in names]
    if any(d.ndim != 1 or d.size == 0 for d in data):
        raise ValueError("results: expected a non-empty 1-D sequence of numbers per model")
    pos = np.arange(len(names))
    ax.boxplot(data, positions=pos, widths=0.5, showfliers=False,
               medianprops=dict(color="black"), boxprops=dict(color="grey"),
               whiskerprops=dict(color="grey"), capprops=dict(color="grey"))
    for k, (d, c) in enumerate(zip(data, _colours(len(names)))):
        jitter = np.linspace(-0.12, 0.12, d.size) if d.size > 1 else np.zeros(1)
        ax.scatter(pos[k] + jitter, d, color=c, s=22, zorder=3,
                   label="one seed" if k == 0 else None)
    if reference is not None:
        ax.axhline(reference, color="grey", ls=":", lw=1, label=reference_label or None)
    ax.set_xticks(pos)
    ax.set_xticklabels(names)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="best")
    return ax


def _smooth(v: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or v.size < window:
        return v
    kernel = np.ones(window) / window
    return np.convolve(v, kernel, mode="valid")


def learning_curves(ax, curves: Mapping[str, Sequence[Sequence[float]]], ylabel: str = "loss E",
                    smooth: int = 10, log: bool = True, title: str | None = None):
    """Loss per step for several models and seeds (Chapters 14, 15).

    Parameters
    ----------
    ax : matplotlib Axes
    curves : mapping name -> list of 1-D loss arrays (one per seed, equal lengths)
    ylabel : str
    smooth : int
        Width of the moving average applied to each curve (steps).
    log : bool
        Logarithmic y axis.
    """
    if not curves:
        raise ValueError("curves: expected at least one model")
    for (name, runs), c in zip(curves.items(), _colours(len(curves))):
        runs = [_smooth(np.asarray(r, dtype=float), smooth) for r in runs]
        n = min(r.size for r in runs)
        if n == 0:
            raise ValueError(f"curves[{name!r}]: expected non-empty loss arrays")
        steps = np.arange(n) + (smooth if smooth > 1 else 1)
        for r in runs:
            ax.plot(steps, r[:n], color=c, lw=0.6, alpha=0.45)
        ax.plot(steps, np.median([r[:n] for r in runs], axis=0), color=c, lw=2,
                label=f"{name} (median of {len(runs)})")
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel + (f" ({smooth}-step average)" if smooth > 1 else ""))
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def depth_norms(ax, norms: Mapping[str, Sequence[float]], title: str | None = None):
    """‖∂E/∂(input of layer l)‖ against depth level l, log scale (Chapter 14).

    ``norms`` maps a model name to an array of L + 1 norms, level 0 = the input, level L = the
    output (as :func:`lstm_core.grid.grid_depth_gradient_norms` and
    :meth:`lstm_core.models.Stacked.input_gradient_norms` return them).
    """
    if not norms:
        raise ValueError("norms: expected at least one model")
    for (name, v), c in zip(norms.items(), _colours(len(norms))):
        v = np.asarray(v, dtype=float)
        ax.semilogy(np.arange(v.size), v, "o-", color=c, label=name)
    ax.set_xlabel("depth level l (0 = input, L = output)")
    ax.set_ylabel("gradient norm ‖∂E/∂h(l)‖")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax
