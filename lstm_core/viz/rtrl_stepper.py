"""The RTRL stepper: the sensitivities p^k_ij(t) of real-time recurrent learning, step by step (Chapter 6).

RTRL carries, next to the state, one sensitivity p^k_ij(t) = ∂y^k(t)/∂w_ij for every unit k and
every weight w_ij, updated forward in time by p^k_ij(t+1) = f'_k [Σ_l w_kl p^l_ij(t) + δ_ik z_j(t)].
Each frame of the stepper shows one step of a small net:

* the sensitivities as n small matrices, one per unit k, with rows i (the unit a weight leads
  to) and columns j (its source z_j: the units' outputs, the inputs, the bias). At t = 1 only the
  rows i = k are filled (the direct term δ_ik z_j); from then on the recurrent weights spread
  every unit's dependence on every weight to all units, and the matrices fill up;
* the size of each unit's sensitivities ‖p^k(t)‖ and the fraction of non-zero entries over the
  whole sequence, with the current step marked.

:func:`rtrl_trace` runs :class:`lstm_core.rnn.RTRL` and keeps p; :func:`rtrl_step_figure` draws a
frame; :func:`rtrl_stepper` renders them into a kernel-free
:func:`~lstm_core.viz.widgets.frame_stepper`.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import _validate as V
from ..rnn import RTRL, RNNParams
from .widgets import frame_stepper, render_frames

__all__ = ["RTRLTrace", "rtrl_trace", "rtrl_step_figure", "rtrl_stepper", "MAX_FRAMES"]

#: most frames a stepper may hold (pages stay light)
MAX_FRAMES = 40


@dataclass
class RTRLTrace:
    """The sensitivities of one sequence, step by step (Chapter 6).

    ``x`` (T, I) inputs; ``y`` (T, n) outputs y(t); ``p`` (T, n, n, M) the sensitivities
    ``p[t, k, i, j]`` = ∂y^k(t)/∂w_ij after step t (code index; the book's t + 1), over the
    combined weights W = [W_rec | W_in | b], M = n + I + 1.
    """

    x: np.ndarray
    y: np.ndarray
    p: np.ndarray


def rtrl_trace(params: RNNParams, x) -> RTRLTrace:
    """Run :class:`lstm_core.rnn.RTRL` over one sequence ``x`` (T, I) and keep p at every step.

    The sensitivities do not depend on the error, so none is needed (a zero error is passed).
    """
    x = V.float_array("x", x, ndim=2, shape=(None, params.n_in), dtype=params.dtype)
    T = x.shape[0]
    if T == 0 or T > 10_000:
        raise ValueError(f"x: expected 1 to 10000 steps, got {T}")
    learner = RTRL(params)
    n = params.n_units
    ys, ps = [], []
    for t in range(T):
        y_t, _ = learner.step(x[t][None, :], np.zeros((1, n), dtype=params.dtype))
        ys.append(y_t[0].copy())
        ps.append(learner.p[0].copy())
    return RTRLTrace(x=x, y=np.stack(ys), p=np.stack(ps))


def _source_labels(n: int, I: int) -> list[str]:
    return [f"$y_{l + 1}$" for l in range(n)] + [f"$x_{i + 1}$" for i in range(I)] + ["1"]


def rtrl_step_figure(trace: RTRLTrace, t: int, figsize=(9.0, 4.4)) -> Figure:
    """One frame: the sensitivities after step ``t`` (code index) and their growth over the sequence.

    The colour scale is fixed over the whole sequence (the largest |p|), so the frames compare.
    """
    if not isinstance(trace, RTRLTrace):
        raise TypeError(f"trace: expected an RTRLTrace from rtrl_trace, got {type(trace).__name__}")
    T, n, _, M = trace.p.shape
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t < T:
        raise ValueError(f"t: expected an int in [0, {T}), got {t!r}")
    I = M - n - 1
    vmax = max(float(np.abs(trace.p).max()), 1e-12)
    fig = plt.figure(figsize=figsize)
    gs = fig.add_gridspec(2, n, height_ratios=[1.25, 1.0], hspace=0.65, wspace=0.25)
    labels = _source_labels(n, I)
    for k in range(n):
        ax = fig.add_subplot(gs[0, k])
        P = trace.p[t, k]
        ax.imshow(P, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
        for i in range(n):
            for j in range(M):
                if P[i, j] != 0.0:
                    ax.text(j, i, f"{P[i, j]:+.2f}", ha="center", va="center", fontsize=6)
        ax.set_xticks(range(M), labels, fontsize=7)
        ax.set_yticks(range(n), [f"i = {i + 1}" for i in range(n)] if k == 0 else [], fontsize=7)
        ax.set_title(f"$p^{{{k + 1}}}_{{ij}}$: ∂y$^{{{k + 1}}}$/∂w$_{{ij}}$", fontsize=9)
        if k == 0:
            ax.set_ylabel("weight to unit i", fontsize=8)
        ax.set_xlabel("from source j", fontsize=8)
    steps = np.arange(1, T + 1)
    norms = np.sqrt((trace.p ** 2).sum(axis=(2, 3)))                     # (T, n)
    filled = (trace.p != 0.0).mean(axis=(1, 2, 3))                       # (T,)
    ax_n = fig.add_subplot(gs[1, : max(1, n - 1)])
    for k in range(n):
        ax_n.plot(steps, norms[:, k], lw=1.4, label=f"unit {k + 1}")
    ax_n.axvline(t + 1, color="tab:red", lw=1.0)
    ax_n.set(xlabel="time step t", ylabel="‖p$^k$(t)‖", xlim=(0.5, T + 0.5))
    ax_n.grid(alpha=0.3)
    ax_n.legend(fontsize=7, loc="lower right", ncol=n)
    ax_f = fig.add_subplot(gs[1, n - 1]) if n > 1 else ax_n.twinx()
    ax_f.plot(steps, 100 * filled, color="0.3", lw=1.4)
    ax_f.axvline(t + 1, color="tab:red", lw=1.0)
    ax_f.set(xlabel="time step t", ylabel="non-zero entries (%)", ylim=(0, 105), xlim=(0.5, T + 0.5))
    ax_f.grid(alpha=0.3)
    y_t = ", ".join(f"{v:+.2f}" for v in trace.y[t])
    x_t = ", ".join(f"{v:+.2f}" for v in trace.x[t])
    fig.suptitle(f"t = {t + 1}   x(t) = ({x_t})   y(t) = ({y_t})   "
                 f"{n * n * M} sensitivities, {100 * filled[t]:.0f} % non-zero", fontsize=10, y=1.0)
    return fig


def rtrl_stepper(params: RNNParams, x, *, steps=None, dpi: int = 80, title: str = "",
                 figsize=(9.0, 4.4)):
    """A kernel-free stepper over the RTRL sensitivities of one sequence ``x`` (T, I) (Chapter 6).

    Parameters
    ----------
    params : RNNParams
        A small net (the frames show n matrices of n × (n + I + 1) numbers).
    x : ndarray (T, I)
    steps : sequence of int, optional
        Code time indices to show (default all, at most :data:`MAX_FRAMES`).
    dpi : int
    title : str
        HTML above the controls.
    figsize : (float, float)

    Returns
    -------
    ipywidgets.VBox
    """
    if not isinstance(params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(params).__name__}")
    if params.n_units > 6:
        raise ValueError(f"params: the stepper draws one matrix per unit; expected at most 6 units, "
                         f"got {params.n_units}")
    trace = rtrl_trace(params, x)
    T = trace.x.shape[0]
    steps = list(range(T)) if steps is None else [int(s) for s in steps]
    if not steps or len(steps) > MAX_FRAMES:
        raise ValueError(f"steps: expected 1 to {MAX_FRAMES} frames, got {len(steps)} "
                         "(pass steps= to choose fewer)")
    frames = render_frames(lambda k: rtrl_step_figure(trace, steps[k], figsize=figsize), len(steps), dpi=dpi)
    return frame_stepper(frames, title, description="step", labels=[f"<code>t = {s + 1}</code>" for s in steps])
