"""A continual memory task without resets, small enough to train in seconds (Chapter 9).

Gers, Schmidhuber & Cummins (2000) showed the need for forget gates on the continual embedded
Reber grammar, a stream of strings with no marked ends. Training on it takes far longer than a
chapter may run, so Chapter 9 uses this smaller task with the same demand: the network must
*replace* what it stores, again and again, in one stream that never resets.

* :func:`continual_latch` — a stream of random ±1 values; some steps are marked, and at every
  step the target is the most recently marked value. Each mark makes the old memory worthless.

This is our task definition (not one of the paper's); the criterion is stated below.
"""
from __future__ import annotations

import numpy as np

from .. import _checks
from .._validate import positive_float, positive_int
from .batch import TaskBatch, as_float_dtype, as_rng, make_batch, threshold_correct

__all__ = ["continual_latch", "latch_correct", "latch_steps_before_error"]


def continual_latch(rng, length: int, batch_size: int = 1, p_mark: float = 0.1,
                    dtype=np.float64) -> TaskBatch:
    """Streams in which the target is always the value seen at the most recent mark.

    Chapter 9. Input 0 is a random value v(t) ∈ {−1, +1} at every step (distractors included);
    input 1 is the mark m(t) ∈ {0, 1}, 1 with probability ``p_mark`` (the first step is always
    marked). The target is (v(t*) + 1)/2 ∈ {0, 1}, t* ≤ t the latest marked step, scored at
    every step. Streams are meant to be processed without resets, e.g. in consecutive windows
    that pass the final state on.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    length : int
        Steps T per stream (≥ 1).
    batch_size : int
        Independent streams B.
    p_mark : float
        Probability of a mark at each step, in (0, 1].
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T, B, 2) [value, mark]; ``t`` (T, B, 1); ``info["marks"]`` bool (T, B).
        Criterion :func:`latch_correct`.
    """
    rng = as_rng(rng)
    T = positive_int("length", length)
    B = positive_int("batch_size", batch_size)
    p = positive_float("p_mark", p_mark)
    if p > 1.0:
        raise ValueError(f"p_mark: expected a probability in (0, 1], got {p_mark}")
    dt = as_float_dtype(dtype)
    v = rng.choice(np.array([-1.0, 1.0]), size=(T, B))
    marks = rng.random((T, B)) < p
    marks[0] = True
    last = np.maximum.accumulate(np.where(marks, np.arange(T)[:, None], 0), axis=0)
    held = np.take_along_axis(v, last, axis=0)
    x = np.stack([v, marks.astype(np.float64)], axis=2).astype(dt)
    t = ((held + 1.0) / 2.0)[:, :, None].astype(dt)
    return make_batch("continual_latch", x, t, np.ones((T, B, 1), dtype=dt), np.full(B, T),
                      latch_correct, marks=marks)


def latch_correct(y, batch: TaskBatch) -> np.ndarray:
    """A stream is correct if its output is on the right side of 0.5 at every step; bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return threshold_correct(y, batch, 0.5)


def latch_steps_before_error(y, batch: TaskBatch) -> np.ndarray:
    """Steps each stream gets right before its first error (``T`` if none), int (B,) — the
    continual measure of Gers et al. (2000), here for :func:`continual_latch`."""
    y = _checks.float_array("y", y, finite=False)     # NaN/inf outputs count as errors
    if y.shape != batch.t.shape:
        raise ValueError(f"y: expected shape {batch.t.shape}, got {y.shape}")
    ok = ((y[..., 0] > 0.5) == (batch.t[..., 0] > 0.5)) & np.isfinite(y[..., 0])
    first_bad = np.argmin(ok, axis=0)
    return np.where(np.all(ok, axis=0), batch.T, first_bad).astype(np.int64)
