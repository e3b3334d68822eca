"""The container every task generator returns, and the success criteria they share.

A task batch holds B sequences, time-major like everything in :mod:`lstm_core`:

* ``x``    inputs,  shape ``(T, B, I)``;
* ``t``    targets, shape ``(T, B, K)`` (zero where there is no target);
* ``mask`` shape ``(T, B, 1)``, 1 where ``t`` carries a target and 0 elsewhere — after the
  end of a shorter sequence (padding) or at steps the task does not score. It broadcasts
  against ``(T, B, K)``, so a masked error is ``mask * (t − y)`` and a masked gradient
  ``mask * dy``;
* ``lengths`` the number of real (unpadded) steps of each sequence, shape ``(B,)``;
* ``info`` task-specific facts (the strings, the marked positions, the class of each
  sequence, …) that a chapter may print or plot.

Success criteria take the network's outputs ``y`` in the layout of ``t`` and return one boolean
per sequence, ``True`` where the sequence is processed correctly in the sense of the paper
that introduced the task. ``correct.mean()`` is then the fraction of sequences processed
correctly and ``correct.all()`` the paper's "solved" on that set. Outputs that are NaN or
infinite at a scored step count as wrong (a diverged network solves nothing).

The three rules below cover the papers' definitions; each task module wraps them with the
published tolerance (Chapters 12 and 16).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._validate import float_array, float_dtype, int_array, positive_float, positive_int

FLOAT_DTYPES = (np.float32, np.float64)


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class TaskBatch:
    """B sequences of one task: inputs, targets, mask, lengths and task facts.

    Attributes
    ----------
    x : ndarray, shape (T, B, I)
        Inputs, float32 or float64 (the ``dtype`` asked for). Zero after a sequence's end.
    t : ndarray, shape (T, B, K)
        Targets, same dtype; zero where ``mask`` is 0.
    mask : ndarray, shape (T, B, 1)
        1.0 where ``t`` carries a target, 0.0 elsewhere; same dtype as ``x``.
    lengths : ndarray of int, shape (B,)
        Real length of each sequence; steps ``lengths[b]:`` of sequence b are padding.
    name : str
        The task's name (e.g. ``"adding"``).
    info : dict
        Task-specific facts (documented by each generator).
    criterion : callable
        ``criterion(y, batch) -> bool array (B,)``, the task's success criterion; call it
        as ``batch.correct(y)``.
    """

    x: np.ndarray
    t: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray
    name: str
    info: dict = field(default_factory=dict)
    criterion: Callable[..., np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def T(self) -> int:
        """Number of time steps (the longest sequence)."""
        return self.x.shape[0]

    @property
    def B(self) -> int:
        """Number of sequences."""
        return self.x.shape[1]

    @property
    def n_in(self) -> int:
        """Input units I."""
        return self.x.shape[2]

    @property
    def n_out(self) -> int:
        """Output units K."""
        return self.t.shape[2]

    def correct(self, y) -> np.ndarray:
        """The task's success criterion on outputs ``y`` of shape ``(T, B, K)``: bool ``(B,)``."""
        if self.criterion is None:
            raise ValueError(f"task {self.name!r} has no success criterion")
        return self.criterion(y, self)

    def __repr__(self) -> str:
        return (f"TaskBatch({self.name!r}, T={self.T}, B={self.B}, I={self.n_in}, K={self.n_out}, "
                f"dtype={self.x.dtype}, scored steps={int(self.mask.sum())})")


# ---------------------------------------------------------------------------------------------
# Argument checks shared by the generators
# ---------------------------------------------------------------------------------------------

def as_rng(rng) -> np.random.Generator:
    """Return a ``np.random.Generator`` from a Generator or an integer seed (never ``None``:
    every experiment in the book is seeded)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: expected a seed >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError("rng: expected np.random.default_rng(seed) or an integer seed, "
                    f"got {type(rng).__name__} {rng!r}")


as_float_dtype = float_dtype  # the shared check from lstm_core._validate


def one_hot(indices: np.ndarray, n: int, dtype) -> np.ndarray:
    """One-hot: ``out[..., k] = 1`` where ``indices == k``; shape ``indices.shape + (n,)``.

    ``indices``: integers in ``[0, n)`` (any shape, not empty); ``dtype``: float32 or float64.
    """
    n = positive_int("n", n)
    int_array("indices", indices, low=0, high=n - 1, what="class indices")
    float_dtype(dtype)
    idx = np.asarray(indices, dtype=np.intp).ravel()        # C order; a copy only if strided
    out = np.zeros(idx.size * n, dtype=dtype)
    pos = np.arange(0, idx.size * n, n, dtype=np.intp)      # start of each row
    pos += idx
    out[pos] = 1.0                                          # one flat scatter
    return out.reshape(np.shape(indices) + (n,))


def _check_lengths(lengths, T) -> int:
    """Check ``T`` (steps) and ``lengths`` (B,) of sequences of 1 … T steps; return ``T``."""
    T = positive_int("T", T)
    int_array("lengths", lengths, ndim=1, low=1, high=T, what="sequence lengths")
    return T


def end_mask(lengths: np.ndarray, T: int, dtype) -> np.ndarray:
    """Mask ``(T, B, 1)`` with a single 1 at each sequence's last real step ``lengths[b] − 1``.

    ``lengths``: integers in ``[1, T]``, shape (B,); ``dtype``: float32 or float64.
    """
    T = _check_lengths(lengths, T)
    float_dtype(dtype)
    m = np.zeros((T, len(lengths), 1), dtype=dtype)
    m[np.asarray(lengths) - 1, np.arange(len(lengths)), 0] = 1.0
    return m


def length_mask(lengths: np.ndarray, T: int, dtype) -> np.ndarray:
    """Mask ``(T, B, 1)``: 1 at every real step ``t < lengths[b]``, 0 in the padding.

    ``lengths``: integers in ``[1, T]``, shape (B,); ``dtype``: float32 or float64.
    """
    T = _check_lengths(lengths, T)
    float_dtype(dtype)
    return (np.arange(T)[:, None] < np.asarray(lengths)[None, :]).astype(dtype)[..., None]


# ---------------------------------------------------------------------------------------------
# Success criteria (Chapters 12, 16)
# ---------------------------------------------------------------------------------------------

def check_outputs(y, batch: TaskBatch) -> np.ndarray:
    """Validate network outputs against a batch: a float array shaped like ``batch.t``.

    NaN and ±inf are network outputs like any other (a diverged net gives them), not an input
    error: they are returned as they came, and the criteria count a sequence with a non-finite
    output at a scored step as wrong. Anything else that is not a float array of the shape of
    ``batch.t`` (ints, bools, objects, ``None``, ragged lists, another shape) is an error.
    """
    if not isinstance(batch, TaskBatch):
        raise TypeError(f"batch: expected a TaskBatch, got {type(batch).__name__}")
    return float_array("y", y, shape=batch.t.shape, finite=False)


def _per_sequence(ok_per_step: np.ndarray, y: np.ndarray, batch: TaskBatch) -> np.ndarray:
    """Combine a ``(T, B)`` per-step verdict into one verdict per sequence over scored steps."""
    scored = batch.mask[..., 0] > 0
    ok = ok_per_step & np.all(np.isfinite(y), axis=-1)
    return np.all(ok | ~scored, axis=0)


def abs_error_correct(y, batch: TaskBatch, tol: float) -> np.ndarray:
    """A sequence is correct if at every scored step every output has ``|t_k − y_k| < tol``.

    The rule of Hochreiter & Schmidhuber (1997): tol = 0.04 for the adding and multiplication
    problems, 0.3 for temporal order, 0.25 for the long-lag tasks.

    Parameters
    ----------
    y : ndarray, shape (T, B, K)
        Network outputs y^k(t).
    batch : TaskBatch
    tol : float
        Largest allowed absolute error (exclusive).

    Returns
    -------
    ndarray of bool, shape (B,)
    """
    y = check_outputs(y, batch)
    tol = positive_float("tol", tol)
    with np.errstate(invalid="ignore"):
        ok = np.all(np.abs(batch.t - y) < tol, axis=-1)
    return _per_sequence(ok, y, batch)


def threshold_correct(y, batch: TaskBatch, threshold: float = 0.5) -> np.ndarray:
    """A sequence is correct if at every scored step ``y_k > threshold`` exactly where ``t_k = 1``.

    For multi-hot targets (the Reber grammar's legal next symbols) this says the set of
    "active" outputs equals the target set; for a single output (parity, spike timing) it says
    the output is on the right side of the threshold.
    """
    y = check_outputs(y, batch)
    if (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)
            or not np.isfinite(threshold)):
        raise TypeError(f"threshold: expected a finite real number, got {threshold!r}")
    with np.errstate(invalid="ignore"):
        ok = np.all((y > threshold) == (batch.t > 0.5), axis=-1)
    return _per_sequence(ok, y, batch)


def argmax_correct(y, batch: TaskBatch) -> np.ndarray:
    """A sequence is correct if at every scored step ``argmax_k y_k`` is the target class."""
    y = check_outputs(y, batch)
    ok = np.argmax(np.nan_to_num(y, nan=-np.inf), axis=-1) == np.argmax(batch.t, axis=-1)
    return _per_sequence(ok, y, batch)


def framewise_accuracy(y, batch: TaskBatch) -> float:
    """Fraction of scored steps (frames) whose ``argmax_k y_k`` is the target class (Chapter 13)."""
    y = check_outputs(y, batch)
    scored = batch.mask[..., 0] > 0
    ok = (np.argmax(np.nan_to_num(y, nan=-np.inf), axis=-1) == np.argmax(batch.t, axis=-1))
    ok &= np.all(np.isfinite(y), axis=-1)
    n = int(scored.sum())
    return float(ok[scored].sum() / n) if n else 1.0


def _check_arrays(x, t, mask):
    """Check a batch's ``x`` (T, B, I), ``t`` (T, B, K) and ``mask`` (T, B, 1) or (T, B, K):
    non-empty finite float arrays of one dtype, flags in [0, 1]. Returns them as arrays."""
    x = float_array("x", x, ndim=3)
    if 0 in x.shape:
        raise ValueError(f"x: expected a non-empty array (T, B, I), got shape {x.shape}")
    T, B = x.shape[:2]
    t = float_array("t", t, shape=(T, B, None))
    if t.shape[2] == 0:
        raise ValueError(f"t: expected a non-empty array (T, B, K), got shape {t.shape}")
    mask = float_array("mask", mask, ndim=3)
    if mask.shape not in ((T, B, 1), t.shape):
        raise ValueError(f"mask: expected shape ({T}, {B}, 1) (or {t.shape}, one flag per output), "
                         f"got {mask.shape}")
    for arg, a in (("t", t), ("mask", mask)):
        if a.dtype != x.dtype:
            raise TypeError(f"{arg}: expected dtype {x.dtype} (the dtype of x), got {a.dtype}")
    if mask.min() < 0.0 or mask.max() > 1.0:
        raise ValueError(f"mask: expected flags (weights) in [0, 1], got values in "
                         f"[{mask.min():.3g}, {mask.max():.3g}]")
    return x, t, mask


def make_batch(name: str, x, t, mask, lengths, criterion, **info: Any) -> TaskBatch:
    """Assemble a :class:`TaskBatch` (used by the generators).

    ``x`` (T, B, I), ``t`` (T, B, K) and ``mask`` (T, B, 1) — or (T, B, K), one flag per output
    — finite non-empty float arrays of one dtype, the mask's flags in [0, 1]; ``lengths`` (B,)
    integers in [1, T]. Arrays are stored as given (lists become arrays, ``lengths`` int64).
    """
    x, t, mask = _check_arrays(x, t, mask)
    _check_lengths(lengths, x.shape[0])
    if len(lengths) != x.shape[1]:
        raise ValueError(f"lengths: expected shape ({x.shape[1]},) (one length per sequence of x), "
                         f"got ({len(lengths)},)")
    return TaskBatch(x=x, t=t, mask=mask, lengths=np.asarray(lengths, dtype=np.int64),
                     name=name, info=info, criterion=criterion)
