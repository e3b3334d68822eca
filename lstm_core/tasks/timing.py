"""Precise-timing tasks in the style of Gers, Schraudolph & Schmidhuber (2002) (Chapter 10).

Gers et al. (2002) show that LSTM with peephole connections learns to tell apart spike
intervals of 50 and 49 steps and to generate spikes at exact times. The two generators here are
small versions of those ideas, built so that a chapter can run them in seconds:

* :func:`spike_delay` — a cue spike at a random time; the output must spike exactly ``delay``
  steps later (and be quiet everywhere else). Several cues per sequence give a continual
  version without resets.
* :func:`spike_interval` — two input spikes ``d`` steps apart, ``d`` from a small set such as
  {49, 50}; at the second spike the network must say which interval it was.

These are our task definitions (not the paper's exact protocols); the criteria are stated with
each function.
"""
from __future__ import annotations

import numpy as np

from .. import _checks
from .._validate import positive_int
from .batch import (TaskBatch, argmax_correct, as_float_dtype, as_rng, make_batch, one_hot,
                    threshold_correct)


def spike_delay(rng, batch_size: int, delay: int, T: int, n_cues: int = 1,
                dtype=np.float64) -> TaskBatch:
    """Emit an output spike exactly ``delay`` steps after each input cue.

    Chapter 10. One input unit is 1.0 at the cue steps and 0.0 elsewhere; one output target is
    1.0 at ``cue + delay`` and 0.0 elsewhere, and every step is scored (staying quiet is part of
    the task). With ``n_cues > 1`` the cues are spread at random over the sequence, each coming
    after the previous target spike, so the network must time every interval without a reset.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    delay : int
        Steps from cue to spike, ≥ 1.
    T : int
        Sequence length, ≥ n_cues · (delay + 1).
    n_cues : int
        Cues per sequence, ≥ 1.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (T, B, 1); ``info["cues"]`` (n_cues, B) the cue steps,
        ``info["spikes"] = cues + delay``. Criterion :func:`spike_timing_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    D = positive_int("delay", delay)
    n = positive_int("n_cues", n_cues)
    T = positive_int("T", T)
    dt = as_float_dtype(dtype)
    if T < n * (D + 1):
        raise ValueError(f"T: {n} cue(s) with delay {D} need T >= {n * (D + 1)}, got {T}")
    # slack steps spread before/between the cues: sorted offsets in [0, slack]
    slack = T - n * (D + 1)
    offsets = np.sort(rng.integers(0, slack + 1, size=(n, B)), axis=0)
    cues = offsets + (D + 1) * np.arange(n)[:, None]
    spikes = cues + D
    b = np.arange(B)
    x = np.zeros((T, B, 1), dtype=dt)
    t = np.zeros((T, B, 1), dtype=dt)
    x[cues, b, 0] = 1.0
    t[spikes, b, 0] = 1.0
    return make_batch("spike_delay", x, t, np.ones((T, B, 1), dtype=dt), np.full(B, T),
                      spike_timing_correct, cues=cues, spikes=spikes, delay=D)


def spike_timing_correct(y, batch: TaskBatch, threshold: float = 0.5) -> np.ndarray:
    """A sequence is correct if its output exceeds ``threshold`` exactly at the target spike
    steps and nowhere else — a spike one step early or late fails. ``y``: (T, B, 1); bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return threshold_correct(y, batch, threshold)


def spike_interval(rng, batch_size: int, intervals=(49, 50), max_onset: int = 10,
                   dtype=np.float64) -> TaskBatch:
    """Classify the interval between two input spikes (e.g. 49 vs 50 steps).

    Chapter 10. The first spike comes at a random step in ``0 … max_onset``, the second
    ``d`` steps later with ``d`` drawn uniformly from ``intervals``. The target is the one-hot
    index of ``d`` in ``intervals``, scored only at the step of the second spike; later steps
    are padding. Because the onset is random, counting from the sequence start does not help:
    the network must time the gap itself.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    intervals : sequence of int
        At least two distinct intervals, each ≥ 1.
    max_onset : int
        Latest step of the first spike, ≥ 0.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T, B, 1), ``t`` (T, B, len(intervals)), T the latest second spike + 1 (at most
        max_onset + max(intervals) + 1);
        ``info["label"]`` (B,), ``info["onset"]`` (B,), ``info["intervals"]``.
        Criterion :func:`spike_interval_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    if isinstance(intervals, (str, bytes)) or not np.iterable(intervals):
        raise TypeError(f"intervals: expected a sequence of integers >= 1, got {intervals!r}")
    ivals = [positive_int("intervals", d) for d in intervals]
    if len(ivals) < 2 or len(set(ivals)) != len(ivals):
        raise ValueError("intervals: expected at least two distinct integers >= 1, "
                         f"got {intervals!r}")
    m = positive_int("max_onset", max_onset, minimum=0)
    dt = as_float_dtype(dtype)
    ivals = np.asarray(ivals)
    label = rng.integers(0, len(ivals), size=B)
    onset = rng.integers(0, m + 1, size=B)
    second = onset + ivals[label]
    T = int(second.max()) + 1
    b = np.arange(B)
    x = np.zeros((T, B, 1), dtype=dt)
    x[onset, b, 0] = 1.0
    x[second, b, 0] = 1.0
    mask = np.zeros((T, B, 1), dtype=dt)
    mask[second, b, 0] = 1.0
    t = one_hot(np.broadcast_to(label, (T, B)), len(ivals), dt) * mask
    return make_batch("spike_interval", x, t, mask, second + 1, spike_interval_correct,
                      label=label, onset=onset, intervals=tuple(int(d) for d in ivals))


def spike_interval_correct(y, batch: TaskBatch) -> np.ndarray:
    """A sequence is correct if at the second spike the most active output is the right
    interval. ``y``: (T, B, len(intervals)); returns bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return argmax_correct(y, batch)
