"""Generating a timed spike train from a single cue (Chapter 10).

Gers, Schraudolph & Schmidhuber (2002) found that LSTM needs peephole connections to
*generate* precisely timed spikes (their GTS tasks), while it can *measure* intervals without
them. :func:`timed_spike_train` is a small version of the generating kind: one cue, then the
network must spike every ``period`` steps on its own, with no further input to count from.

This is our task definition, in the spirit of the paper's GTS task (not its exact protocol);
the criterion is stated below.
"""
from __future__ import annotations

import numpy as np

from .. import _checks
from .._validate import positive_int
from .batch import TaskBatch, as_float_dtype, as_rng, make_batch, threshold_correct

__all__ = ["timed_spike_train", "spike_train_correct"]


def timed_spike_train(rng, batch_size: int, period: int = 10, n_spikes: int = 3,
                      max_onset: int = 10, dtype=np.float64) -> TaskBatch:
    """After one input cue, spike every ``period`` steps, ``n_spikes`` times, without a cue.

    Chapter 10. The single input is 1.0 at the cue step (uniform in ``0 … max_onset``) and 0.0
    at every other step. The single target is 1.0 at ``cue + k · period`` for
    k = 1 … ``n_spikes`` and 0.0 elsewhere; every step of the sequence is scored (staying quiet
    between spikes is part of the task). The sequence ends one step after the latest possible
    spike, T = max_onset + n_spikes · period + 1, the same for every sequence.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
        Sequences B (≥ 1).
    period : int
        Steps between spikes (≥ 1).
    n_spikes : int
        Spikes to generate after the cue (≥ 1).
    max_onset : int
        Latest cue step (≥ 0).
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (T, B, 1); ``mask`` all ones; ``info["cue"]`` (B,) the cue steps,
        ``info["spikes"]`` (n_spikes, B) the target spike steps, ``info["period"]``.
        Criterion :func:`spike_train_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    P = positive_int("period", period)
    n = positive_int("n_spikes", n_spikes)
    m = positive_int("max_onset", max_onset, minimum=0)
    dt = as_float_dtype(dtype)
    T = m + n * P + 1
    cue = rng.integers(0, m + 1, size=B)
    spikes = cue[None, :] + P * np.arange(1, n + 1)[:, None]
    b = np.arange(B)
    x = np.zeros((T, B, 1), dtype=dt)
    t = np.zeros((T, B, 1), dtype=dt)
    x[cue, b, 0] = 1.0
    t[spikes, b[None, :], 0] = 1.0
    return make_batch("timed_spike_train", x, t, np.ones((T, B, 1), dtype=dt), np.full(B, T),
                      spike_train_correct, cue=cue, spikes=spikes, period=P)


def spike_train_correct(y, batch: TaskBatch, threshold: float = 0.5) -> np.ndarray:
    """A sequence is correct if its output exceeds ``threshold`` exactly at the target spike
    steps and nowhere else (a spike one step early or late fails). ``y``: (T, B, 1); bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return threshold_correct(y, batch, threshold)
