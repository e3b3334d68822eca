"""Figures of Chapter 16: learning curves of the reproduced 1997 experiments.

Everything drawn comes from trial results — :class:`lstm_core.experiments.TrialResult` objects or
their dicts as stored in ``experiments/results/early_tasks.json``:

* :func:`plot_learning_curves` — one panel per task, fraction of sequences processed correctly
  against training sequences seen, one line per seed, a dot where a trial met its stop
  criterion, baselines (tanh net, forget-gate cell) dashed in the same panel, and the published
  number of sequences as a grey mark when there is one.
* :func:`plot_trial` — one trial's curve and training loss (the chapter's live run).
"""
from __future__ import annotations

from dataclasses import asdict, is_dataclass

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["PANELS", "plot_learning_curves", "plot_trial"]

#: panels of :func:`plot_learning_curves`: title, tasks drawn (first = the 1997 LSTM)
PANELS = [
    ("Embedded Reber grammar (exp. 1)", ["embedded_reber", "embedded_reber_rnn"]),
    ("Noise-free long lag, p = 100 (exp. 2a)", ["long_lag", "long_lag_gers2000", "long_lag_rnn"]),
    ("Adding, T = 100 (exp. 4)", ["adding"]),
    ("Multiplication, T = 100 (exp. 5)", ["multiplication"]),
    ("Temporal order, T = 100 (exp. 6a)", ["temporal_order"]),
]

_STYLE = {"": ("#c0392b", "-", "LSTM 1997"), "_rnn": ("#2e6fb5", "--", "tanh RNN"),
          "_gers2000": ("#27ae60", ":", "LSTM + forget gate")}


def _as_dict(trial) -> dict:
    return asdict(trial) if is_dataclass(trial) else dict(trial)


def _style(task: str, base: str):
    return _STYLE.get(task[len(base):], ("#555555", "-.", task))


def plot_learning_curves(trials, published: dict | None = None, panels=None, figsize=(11, 6)):
    """Learning curves of many trials, one panel per task group (Chapter 16).

    Parameters
    ----------
    trials : list of TrialResult or dict
        E.g. ``json.load(...)["trials"]`` of the results file.
    published : dict, optional
        ``{task: number of training sequences}`` reported in the literature, drawn as a grey
        vertical mark.
    panels : list of (title, [task, …]), optional
        Default :data:`PANELS`; tasks without trials are left out.
    figsize : tuple

    Returns
    -------
    matplotlib.figure.Figure
    """
    trials = [_as_dict(t) for t in trials]
    have = {t["task"] for t in trials}
    panels = [(title, [n for n in names if n in have]) for title, names in (panels or PANELS)]
    panels = [p for p in panels if p[1]]
    n = len(panels)
    cols = 3 if n > 4 else max(n, 1)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    for ax, (title, names) in zip(axes.flat, panels):
        base = names[0]
        for task in names:
            colour, ls, label = _style(task, base)
            first = True
            for t in (t for t in trials if t["task"] == task):
                x = np.asarray(t["curve_sequences"], float)
                y = np.asarray(t["curve_correct"], float)
                ax.plot(x, y, color=colour, ls=ls, lw=1.3, alpha=0.85,
                        label=label if first else None)
                first = False
                if t["solved"] and len(x):
                    ax.plot(x[-1], y[-1], "o", color=colour, ms=5)
        if published and published.get(base):
            ax.axvline(published[base], color="0.55", lw=4, alpha=0.35,
                       label="published (reported)")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training sequences seen")
        ax.set_ylabel("fraction correct")
        ax.set_ylim(-0.03, 1.03)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 3))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_trial(trial, title: str = "", figsize=(9, 3.4)):
    """One trial: fraction correct (left) and mean training loss E (right, log scale) against
    training sequences seen (Chapter 16's live run).

    Parameters
    ----------
    trial : TrialResult or dict
    title : str
    figsize : tuple

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _as_dict(trial)
    x = np.asarray(t["curve_sequences"], float)
    fig, (a, b) = plt.subplots(1, 2, figsize=figsize)
    a.plot(x, t["curve_correct"], color="#c0392b", marker=".", label=f"seed {t['seed']}")
    if t["solved"] and len(x):
        a.plot(x[-1], t["curve_correct"][-1], "o", color="#c0392b", ms=8, mfc="none",
               label="stop criterion met")
    a.set_xlabel("training sequences seen")
    a.set_ylabel("fraction of strings correct")
    a.set_ylim(-0.03, 1.03)
    a.grid(alpha=0.3)
    a.legend(loc="lower right", fontsize=8)
    b.semilogy(x, t["curve_loss"], color="#2e6fb5", label="training loss E per batch")
    b.set_xlabel("training sequences seen")
    b.set_ylabel("mean E (log scale)")
    b.grid(alpha=0.3, which="both")
    b.legend(loc="upper right", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
