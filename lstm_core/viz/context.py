"""Frames for two kernel-free steppers of the extensions part (Chapters 13 and 14).

* :func:`influence_figure` (Chapter 13): which hidden states of a bidirectional net move when the
  input at one step τ changes — the forward half from τ on, the backward half up to τ. A stepper
  over τ shows the two halves' windows sliding in opposite directions.
* :func:`grid_order_figure` (Chapter 14): the blocks of a 2-D Grid LSTM (time × depth) in the
  order they are computed; the current block (t, l) and the two blocks whose outputs it needs,
  (t − 1, l) along time and (t, l − 1) along depth.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from .. import _validate as V

__all__ = ["influence_figure", "grid_order", "grid_order_figure"]


def influence_figure(change_fwd, change_bwd, tau: int, figsize=(7.0, 3.0)) -> Figure:
    """Bars of how much each forward and backward state moved when the input at ``tau`` changed.

    Parameters
    ----------
    change_fwd, change_bwd : ndarray (T,)
        Size of the change of the forward and the backward hidden states at every step (e.g. the
        largest absolute difference over batch and units).
    tau : int
        Code time index of the changed input.
    figsize : (float, float)
    """
    f = V.float_array("change_fwd", change_fwd, ndim=1)
    b = V.float_array("change_bwd", change_bwd, ndim=1, shape=f.shape)
    T = f.shape[0]
    if not isinstance(tau, (int, np.integer)) or isinstance(tau, bool) or not 0 <= tau < T:
        raise ValueError(f"tau: expected an int in [0, {T}), got {tau!r}")
    fig, ax = plt.subplots(figsize=figsize)
    steps = np.arange(1, T + 1)
    ax.bar(steps - 0.2, f, width=0.4, color="tab:blue", label="forward states $h^{\\rightarrow}(t)$")
    ax.bar(steps + 0.2, b, width=0.4, color="tab:orange", label="backward states $h^{\\leftarrow}(t)$")
    ax.axvline(tau + 1, color="tab:red", lw=1.2, ls=":")
    top = max(float(np.max(f)), float(np.max(b)), 1e-12)
    ax.text(tau + 1, 1.05 * top, f"input changed at t = {tau + 1}", color="tab:red", ha="center",
            fontsize=8)
    ax.set(xlabel="time step t", ylabel="largest change of the state", xticks=steps,
           ylim=(0, 1.2 * top))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def grid_order(T: int, L: int) -> list[tuple[int, int]]:
    """The blocks (t, l) of a T × L grid in the order they are computed: time outer, depth inner."""
    T = V.positive_int("T", T)
    L = V.positive_int("L", L)
    return [(t, l) for t in range(T) for l in range(L)]


def grid_order_figure(T: int, L: int, k: int, figsize=(6.0, 3.2)) -> Figure:
    """The grid after ``k`` + 1 blocks: computed blocks filled, block k outlined, its two inputs.

    Parameters
    ----------
    T, L : int
        Time steps and layers of the grid.
    k : int
        Index into :func:`grid_order` of the block being computed.
    figsize : (float, float)
    """
    order = grid_order(T, L)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k < len(order):
        raise ValueError(f"k: expected an int in [0, {len(order)}), got {k!r}")
    t, l = order[k]
    fig, ax = plt.subplots(figsize=figsize)
    for j, (tt, ll) in enumerate(order):
        done = j < k
        ax.add_patch(Rectangle((tt + 0.1, ll + 0.1), 0.8, 0.8,
                               fc="#dde8f6" if done else ("#f6d7b0" if j == k else "white"),
                               ec="black", lw=2.0 if j == k else 0.8))
        ax.text(tt + 0.5, ll + 0.5, f"({tt + 1},{ll + 1})", ha="center", va="center", fontsize=7)
    for (ta, la), label in (((t - 1, l), "time: $h, m$ of $(t-1, l)$"),
                            ((t, l - 1), "depth: $h, m$ of $(t, l-1)$")):
        if ta < 0 or la < 0:
            continue
        ax.add_patch(FancyArrowPatch((ta + 0.5, la + 0.5), (t + 0.5, l + 0.5), arrowstyle="-|>",
                                     mutation_scale=12, color="tab:red", lw=1.6, shrinkA=8, shrinkB=8))
    ax.set(xlim=(0, T), ylim=(0, L), xlabel="time step t", ylabel="layer l (depth)",
           xticks=np.arange(T) + 0.5, yticks=np.arange(L) + 0.5)
    ax.set_xticklabels(range(1, T + 1))
    ax.set_yticklabels(range(1, L + 1))
    ax.set_aspect("equal")
    ax.set_title(f"block (t = {t + 1}, l = {l + 1}) needs the block before it in time and the one "
                 "below it in depth (red)", fontsize=8)
    fig.tight_layout()
    return fig
