"""A labelling task whose look-ahead differs from frame to frame (Chapter 13).

Graves & Schmidhuber (2005) compared bidirectional LSTM with one-directional LSTM given a fixed
output delay. A delay of D steps shows the network D future frames; it suffices when the label
of a frame never depends on anything further ahead. In speech the needed context varies, and
this generator makes that variation explicit:

* :func:`next_marker` — a stream of distractor symbols with occasional *marker* symbols, each
  marker one of C classes; the label of every frame is the class of the next marker at or
  after it. How far ahead that marker lies varies per frame and per sequence.
* :func:`next_marker_delay_bound` — the best framewise accuracy *any* network that answers
  for frame t at step t + D can reach on a given batch: frames whose marker lies more than D
  steps ahead can only be guessed (accuracy 1/C).

This is our task definition (not one of the paper's); the criterion is stated below.
"""
from __future__ import annotations

import numpy as np

from .. import _checks
from .._validate import positive_float, positive_int
from .batch import TaskBatch, argmax_correct, as_float_dtype, as_rng, make_batch, one_hot

__all__ = ["next_marker", "next_marker_correct", "next_marker_delay_bound"]


def next_marker(rng, batch_size: int, T: int, n_classes: int = 2, n_noise: int = 2,
                p_marker: float = 0.1, dtype=np.float64) -> TaskBatch:
    """Label every frame with the class of the next marker at or after it.

    Chapter 13. At each step the input is one of ``n_noise`` distractor symbols or, with
    probability ``p_marker``, a marker of a random class in ``0 … n_classes − 1``; the last step
    is always a marker, so every frame has one ahead of it. The label of frame t is the class of
    the first marker at a step τ ≥ t; ``τ − t`` (the *gap*, 0 at a marker) is the look-ahead that
    frame needs. Every step is scored. Classes are drawn independently, so the past says nothing
    about the next marker: a network that has not yet read it can only guess (1/C).

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
        Sequences B (≥ 1).
    T : int
        Steps per sequence (≥ 1).
    n_classes : int
        Marker classes C (≥ 2), the outputs.
    n_noise : int
        Distractor symbols (≥ 1).
    p_marker : float
        Probability of a marker at each step before the last, in (0, 1].
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T, B, n_noise + C) one-hot, the distractors first, then marker class c at index
        ``n_noise + c``; ``t`` (T, B, C) one-hot labels; ``mask`` all ones;
        ``info["gap"]`` int (T, B) the look-ahead of each frame, ``info["markers"]`` bool (T, B),
        ``info["label"]`` int (T, B), ``info["n_classes"]``. Criterion
        :func:`next_marker_correct`; :func:`~lstm_core.tasks.framewise_accuracy` gives the
        fraction of frames right.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    T = positive_int("T", T)
    C = positive_int("n_classes", n_classes, minimum=2)
    N = positive_int("n_noise", n_noise)
    p = positive_float("p_marker", p_marker)
    if p > 1.0:
        raise ValueError(f"p_marker: expected a probability in (0, 1], got {p_marker}")
    dt = as_float_dtype(dtype)
    markers = rng.random((T, B)) < p
    markers[-1] = True
    cls = rng.integers(0, C, size=(T, B))
    noise = rng.integers(0, N, size=(T, B))
    sym = np.where(markers, N + cls, noise)
    # index of the next marker at or after t: a reversed running minimum
    pos = np.where(markers, np.arange(T)[:, None], T)
    nxt = np.minimum.accumulate(pos[::-1], axis=0)[::-1]
    gap = nxt - np.arange(T)[:, None]
    label = np.take_along_axis(cls, nxt, axis=0)
    x = one_hot(sym, N + C, dt)
    t = one_hot(label, C, dt)
    return make_batch("next_marker", x, t, np.ones((T, B, 1), dtype=dt), np.full(B, T),
                      next_marker_correct, gap=gap.astype(np.int64), markers=markers,
                      label=label.astype(np.int64), n_classes=C)


def next_marker_correct(y, batch: TaskBatch) -> np.ndarray:
    """A sequence is correct if the most active output is the label at every frame.
    ``y``: (T, B, C); returns bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return argmax_correct(y, batch)


def next_marker_delay_bound(batch: TaskBatch, delay: int) -> float:
    """Highest expected framewise accuracy of a network that labels frame t at step t + ``delay``.

    Chapter 13. Such a network has read the inputs up to t + D when it answers; it can be right
    for sure where the gap is at most D and can only guess (1/C) where it is larger. Returns the
    mean over all frames of ``[gap ≤ D] + [gap > D] / C``. A bidirectional network has no
    such bound (it reads the whole sequence).

    Book equations: eq-blstm-delay-bound

    Parameters
    ----------
    batch : TaskBatch
        From :func:`next_marker`.
    delay : int
        D ≥ 0.
    """
    if not isinstance(batch, TaskBatch) or "gap" not in batch.info:
        raise TypeError("batch: expected a TaskBatch from next_marker (with info['gap'])")
    _checks.task_batch(batch)
    D = positive_int("delay", delay, minimum=0)
    seen = batch.info["gap"] <= D
    return float(np.mean(seen + (~seen) / batch.info["n_classes"]))

