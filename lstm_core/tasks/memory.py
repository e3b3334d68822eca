"""Memory tasks without a fixed paper protocol: parity, delayed recall (copy), future labels.

* :func:`parity` — running or final parity of a bit sequence (Chapter 14; the "parity problem"
  is a classic long-lag benchmark, e.g. Bengio, Simard & Frasconi 1994).
* :func:`copy_task` — read K symbols, wait ``delay`` steps, then reproduce them on cue
  (delayed recall; Chapters 12 and 15).
* :func:`future_symbol` — framewise labels that depend on **future** inputs, the case a
  bidirectional network is built for (Chapter 13, Graves & Schmidhuber 2005).

Success criteria are our own and documented with each generator.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _checks
from .._validate import positive_int
from .batch import (TaskBatch, argmax_correct, as_float_dtype, as_rng, end_mask,
                    framewise_accuracy, make_batch, one_hot, threshold_correct)


def parity(rng, batch_size: int, T: int, running: bool = True, dtype=np.float64) -> TaskBatch:
    """Bits in, parity out: ``t(τ) = x(1) ⊕ … ⊕ x(τ)``.

    Chapter 14. Inputs are random bits 0/1, one input unit. With ``running=True`` every step
    is scored with the parity of the bits so far; with ``running=False`` only the last step is
    scored, with the parity of the whole sequence (the harder, long-lag version).

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    T : int
        Sequence length, ≥ 1.
    running : bool
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (T, B, 1) with values 0/1. Criterion :func:`parity_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    T = positive_int("T", T)
    dt = as_float_dtype(dtype)
    bits = rng.integers(0, 2, size=(T, B))
    par = np.cumsum(bits, axis=0) % 2
    lengths = np.full(B, T)
    mask = np.ones((T, B, 1), dtype=dt) if running else end_mask(lengths, T, dt)
    t = par[..., None].astype(dt) * mask
    return make_batch("running_parity" if running else "parity", bits[..., None].astype(dt), t,
                      mask, lengths, parity_correct)


def parity_correct(y, batch: TaskBatch, threshold: float = 0.5) -> np.ndarray:
    """A sequence is correct if at every scored step the output is on the right side of 0.5
    (``y > 0.5`` exactly where the parity is 1). ``y``: (T, B, 1); returns bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return threshold_correct(y, batch, threshold)


def copy_task(rng, batch_size: int, n_symbols: int = 8, length: int = 5, delay: int = 10,
              dtype=np.float64) -> TaskBatch:
    """Delayed recall: show ``length`` random symbols, wait ``delay`` steps, replay them on cue.

    Chapters 12 and 15. Inputs have ``n_symbols + 1`` units: one-hot symbols during steps
    ``0 … length − 1``, all zeros during the ``delay`` quiet steps, and the recall cue (the
    last unit) on during the ``length`` recall steps, in which the targets are the symbols in
    their original order. Only the recall steps are scored. T = 2·length + delay; the lag
    between seeing a symbol and recalling it is length + delay steps.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    n_symbols : int
        Alphabet size, ≥ 2.
    length : int
        Symbols to remember, ≥ 1.
    delay : int
        Quiet steps between the last symbol and the cue, ≥ 0.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T, B, n_symbols + 1), ``t`` (T, B, n_symbols); ``info["symbols"]`` (length, B).
        Criterion :func:`copy_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    n = positive_int("n_symbols", n_symbols, minimum=2)
    K = positive_int("length", length)
    D = positive_int("delay", delay, minimum=0)
    dt = as_float_dtype(dtype)
    T = 2 * K + D
    sym = rng.integers(0, n, size=(K, B))
    x = np.zeros((T, B, n + 1), dtype=dt)
    x[:K, :, :n] = one_hot(sym, n, dt)
    x[K + D:, :, n] = 1.0
    t = np.zeros((T, B, n), dtype=dt)
    t[K + D:] = one_hot(sym, n, dt)
    mask = np.zeros((T, B, 1), dtype=dt)
    mask[K + D:] = 1.0
    return make_batch("copy", x, t, mask, np.full(B, T), copy_correct, symbols=sym)


def copy_correct(y, batch: TaskBatch) -> np.ndarray:
    """A sequence is correct if every recalled symbol is the most active output at its step.
    ``y``: (T, B, n_symbols); returns bool (B,)."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return argmax_correct(y, batch)


def future_symbol(rng, batch_size: int, T: int, n_symbols: int = 4, shift: int = 2,
                  dtype=np.float64) -> TaskBatch:
    """Framewise labels from another time step: ``label(τ) = symbol(τ + shift)``.

    Chapter 13. Inputs are random one-hot symbols; the target at step τ is the symbol seen at
    step τ + shift. With ``shift > 0`` the label lies in the **future**: a forward-only network
    can only guess (accuracy 1/n_symbols), a bidirectional one sees it through its backward
    half. With ``shift < 0`` it is a delayed echo that a forward network can learn, a useful
    control. Steps whose partner τ + shift falls outside the sequence are not scored.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    T : int
        Sequence length, > |shift|.
    n_symbols : int
        Alphabet size, ≥ 2.
    shift : int
        Offset of the label's source step; any integer with |shift| < T.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (T, B, n_symbols); ``info["symbols"]`` (T, B).
        Criterion :func:`future_symbol_correct`; :func:`framewise_accuracy` gives the
        fraction of correctly labelled frames.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    T = positive_int("T", T)
    n = positive_int("n_symbols", n_symbols, minimum=2)
    if isinstance(shift, bool) or not isinstance(shift, numbers.Integral):
        raise TypeError(f"shift: expected an integer, got {type(shift).__name__} {shift!r}")
    shift = int(shift)
    if abs(shift) >= T:
        raise ValueError(f"shift: expected |shift| < T = {T}, got {shift}")
    dt = as_float_dtype(dtype)
    sym = rng.integers(0, n, size=(T, B))
    x = one_hot(sym, n, dt)
    steps = np.arange(T)
    valid = (steps + shift >= 0) & (steps + shift < T)
    t = np.zeros_like(x)
    t[valid] = x[steps[valid] + shift]
    mask = np.broadcast_to(valid[:, None, None], (T, B, 1)).astype(dt)
    return make_batch("future_symbol", x, t, mask, np.full(B, T), future_symbol_correct,
                      symbols=sym, shift=shift)


def future_symbol_correct(y, batch: TaskBatch) -> np.ndarray:
    """A sequence is correct if every scored frame's most active output is its label.
    For the fraction of correct frames use :func:`framewise_accuracy`."""
    y = _checks.float_array("y", y, finite=False)   # ragged lists: a TypeError naming y
    return argmax_correct(y, batch)


__all__ = ["parity", "parity_correct", "copy_task", "copy_correct", "future_symbol",
           "future_symbol_correct", "framewise_accuracy"]
