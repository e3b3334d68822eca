"""Long-time-lag tasks of Hochreiter & Schmidhuber (1997), experiments 2a, 4, 5 and 6.

Chapters 12 and 16. Each task hides the information the target needs far back in the
sequence, separated from the moment it is needed by many irrelevant steps:

* :func:`noise_free_long_lag` (exp. 2a): two sequences that differ only in their first and last
  symbol; predicting the last symbol means remembering the first for p steps.
* :func:`adding_problem` (exp. 4): two marked real values among T; output their scaled sum.
* :func:`multiplication_problem` (exp. 5): the same with the product.
* :func:`temporal_order` (exp. 6a/6b): classify the order of 2 (or 3) symbols X/Y hidden among
  distractors.

Success criteria follow the paper: a sequence is processed correctly when every scored output
is within a tolerance of its target (0.25, 0.04, 0.04, 0.3). Where the generator generalises the
paper's fixed lengths and positions to any T, the docstring says how.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .._validate import positive_float, positive_int
from .batch import (TaskBatch, abs_error_correct, argmax_correct, as_float_dtype, as_rng,
                    end_mask, make_batch, one_hot)

# ---------------------------------------------------------------------------------------------
# Experiment 2a: noise-free sequences with long time lags
# ---------------------------------------------------------------------------------------------


def noise_free_long_lag(rng, batch_size: int, p: int, dtype=np.float64) -> TaskBatch:
    """Next-symbol prediction on ``(y, a_1, …, a_{p−1}, y)`` and ``(x, a_1, …, a_{p−1}, x)``
    (H&S 1997, experiment 2a).

    Chapter 16. There are p + 1 symbols ``a_1 … a_{p−1}, x, y``, one-hot as in the paper: unit
    ``i − 1`` is ``a_i``, unit ``p − 1`` is ``x``, unit ``p`` is ``y``. Each sequence is one of
    the two with probability ½. The input at step t is the t-th symbol and the target the next one,
    so every step is scored; only the last target (x or y again, p steps after it was seen) is
    hard, the a_i follow each other deterministically.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
        Number of sequences B.
    p : int
        Time lag, ≥ 1 (the paper uses p = 100). Each sequence has p input steps.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (p, B, p + 1) one-hot, ``mask`` all ones; ``info["first"]`` the first
        symbol's unit (p − 1 for x, p for y), shape (B,); ``info["hard_step"] = p − 1``.
        Criterion :func:`long_lag_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    p = positive_int("p", p)
    dt = as_float_dtype(dtype)
    first = p - 1 + rng.integers(2, size=B)                   # unit of x (p−1) or y (p)
    middle = np.broadcast_to(np.arange(p - 1)[:, None], (p - 1, B))  # a_1 … a_{p−1}
    inputs = np.concatenate([first[None, :], middle], axis=0)
    targets = np.concatenate([middle, first[None, :]], axis=0)
    return make_batch("noise_free_long_lag", one_hot(inputs, p + 1, dt),
                      one_hot(targets, p + 1, dt), np.ones((p, B, 1), dtype=dt), np.full(B, p),
                      long_lag_correct, first=first, hard_step=p - 1)


def long_lag_correct(y, batch: TaskBatch, tol: float = 0.25, rule: str = "abs_error",
                     final_only: bool = True) -> np.ndarray:
    """Which sequences of :func:`noise_free_long_lag` end with the right prediction.

    Chapter 16. With ``rule="abs_error"`` (default) the prediction is correct when every output
    unit is within ``tol`` = 0.25 of its target — our reading of the error threshold H&S (1997)
    use for the long-lag experiments; with ``rule="argmax"`` the most active output must be the
    right symbol. ``final_only=True`` scores only the last step (the hard one); ``False``
    scores every step.

    Parameters
    ----------
    y : ndarray, shape (p, B, p + 1)
    batch : TaskBatch
    tol : float
    rule : {"abs_error", "argmax"}
    final_only : bool

    Returns
    -------
    ndarray of bool, shape (B,)
    """
    tol = positive_float("tol", tol)
    if rule not in ("abs_error", "argmax"):
        raise ValueError(f"rule: expected 'abs_error' or 'argmax', got {rule!r}")
    if not isinstance(batch, TaskBatch):
        raise TypeError(f"batch: expected a TaskBatch, got {type(batch).__name__}")
    if final_only:  # score the last step only
        mask = np.zeros_like(batch.mask)
        mask[-1] = batch.mask[-1]
        batch = dataclasses.replace(batch, mask=mask)
    if rule == "argmax":
        return argmax_correct(y, batch)
    return abs_error_correct(y, batch, tol)


# ---------------------------------------------------------------------------------------------
# Experiments 4 and 5: adding and multiplication problems
# ---------------------------------------------------------------------------------------------

def _lengths(rng: np.random.Generator, B: int, T: int, variable_length: bool) -> np.ndarray:
    """Sequence lengths: uniform in [T, T + T/10] (the paper) or all equal to T."""
    if variable_length:
        return rng.integers(T, T + T // 10 + 1, size=B)
    return np.full(B, T)


def _marked_pairs(rng: np.random.Generator, B: int, T: int, low: float, high: float,
                  variable_length: bool, first_marked_value: float, dt):
    """Inputs shared by the adding and multiplication problems (H&S 1997, section 5.4).

    Returns x (T_max, B, 2), the two marked values X1, X2 and their positions, the lengths.
    Code positions count from 0; the paper counts pairs from 1.
    """
    lengths = _lengths(rng, B, T, variable_length)
    T_max = int(lengths.max())
    b = np.arange(B)
    values = rng.uniform(low, high, size=(T_max, B))
    values[np.arange(T_max)[:, None] >= lengths[None, :]] = 0.0  # padding
    # X1: one of the first ten pairs; X2: one of the first T/2 − 1 pairs still unmarked
    idx1 = rng.integers(0, min(10, T), size=B)
    n2 = max(T // 2 - 1, 1)
    r = rng.integers(0, n2, size=B)
    idx2 = np.where(r < idx1, r, r + 1)  # the r-th pair that is not idx1
    markers = np.zeros((T_max, B))
    markers[0, b] = -1.0
    markers[lengths - 1, b] = -1.0
    markers[idx1, b] = 1.0
    markers[idx2, b] = 1.0
    # "In the rare case where the first pair gets marked" its value is replaced by a neutral one
    values[0, b] = np.where((idx1 == 0) | (idx2 == 0), first_marked_value, values[0, b])
    X1, X2 = values[idx1, b], values[idx2, b]
    x = np.stack([values, markers], axis=-1).astype(dt)
    return x, X1, X2, idx1, idx2, lengths


def _check_T(T, minimum: int = 2) -> int:
    return positive_int("T", T, minimum=minimum)


def adding_problem(rng, batch_size: int, T: int = 100, variable_length: bool = True,
                   dtype=np.float64) -> TaskBatch:
    """The adding problem (H&S 1997, experiment 4), as the 1997 paper defines it.

    Chapters 12 and 16. Each step carries a pair ``(value, marker)``: the value is uniform in
    [−1, 1]; the marker is 1.0 for the two marked pairs, −1.0 for the first and the last pair
    (when they are not marked) and 0.0 otherwise. The first marked pair (value X1) is one of the
    first ten pairs; the second (X2) is one of the first T/2 − 1 pairs not yet marked. If the
    very first pair is marked, its value is set to 0. The only target comes at the sequence end:
    ``0.5 + (X1 + X2) / 4`` ∈ [0, 1]. (Later papers often use values in [0, 1], markers 0/1 and
    the target X1 + X2; this is not that variant.)

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    T : int
        Minimal sequence length, ≥ 2 (the paper: 100, 500, 1000).
    variable_length : bool
        Lengths uniform in [T, T + T/10] as in the paper (padded with zeros, ``mask`` marks each
        sequence's last step); ``False`` gives every sequence length T.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T_max, B, 2), ``t`` (T_max, B, 1) nonzero only at each sequence's last step,
        ``mask`` 1 there; ``info``: ``X1``, ``X2`` (B,), ``idx1``, ``idx2`` (B,) their steps.
        Criterion :func:`adding_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    T = _check_T(T)
    dt = as_float_dtype(dtype)
    x, X1, X2, idx1, idx2, lengths = _marked_pairs(rng, B, T, -1.0, 1.0, variable_length, 0.0, dt)
    mask = end_mask(lengths, x.shape[0], dt)
    t = mask * (0.5 + (X1 + X2) / 4.0)[None, :, None].astype(dt)
    return make_batch("adding", x, t, mask, lengths, adding_correct,
                      X1=X1, X2=X2, idx1=idx1, idx2=idx2)


def adding_correct(y, batch: TaskBatch, tol: float = 0.04) -> np.ndarray:
    """A sequence is processed correctly if the absolute error at its end is below 0.04
    (H&S 1997, experiment 4). ``y``: shape (T, B, 1); returns bool (B,)."""
    return abs_error_correct(y, batch, positive_float("tol", tol))


def multiplication_problem(rng, batch_size: int, T: int = 100, variable_length: bool = True,
                           dtype=np.float64) -> TaskBatch:
    """The multiplication problem (H&S 1997, experiment 5).

    Chapter 16. As :func:`adding_problem`, except that the values are uniform in [0, 1], a
    marked first pair gets the neutral value 1.0, and the target at the end is ``X1 · X2``.
    Same layout, ``info`` and padding. Criterion :func:`multiplication_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    T = _check_T(T)
    dt = as_float_dtype(dtype)
    x, X1, X2, idx1, idx2, lengths = _marked_pairs(rng, B, T, 0.0, 1.0, variable_length, 1.0, dt)
    mask = end_mask(lengths, x.shape[0], dt)
    t = mask * (X1 * X2)[None, :, None].astype(dt)
    return make_batch("multiplication", x, t, mask, lengths, multiplication_correct,
                      X1=X1, X2=X2, idx1=idx1, idx2=idx2)


def multiplication_correct(y, batch: TaskBatch, tol: float = 0.04) -> np.ndarray:
    """A sequence is processed correctly if the absolute error at its end is below ``tol``
    (0.04, the adding problem's threshold). ``y``: shape (T, B, 1); returns bool (B,)."""
    return abs_error_correct(y, batch, positive_float("tol", tol))


# ---------------------------------------------------------------------------------------------
# Experiment 6: temporal order
# ---------------------------------------------------------------------------------------------

TEMPORAL_ORDER_SYMBOLS = ("E", "B", "a", "b", "c", "d", "X", "Y")
"""Input units of the temporal-order task: start E, trigger B, distractors a–d, relevant X, Y."""

# windows for the relevant symbols as fractions of T (the paper's values for T = 100)
_WINDOWS = {2: ((0.10, 0.20), (0.50, 0.60)),
            3: ((0.10, 0.20), (0.33, 0.43), (0.66, 0.76))}


def temporal_order(rng, batch_size: int, n_relevant: int = 2, T: int = 100,
                   variable_length: bool = True, dtype=np.float64) -> TaskBatch:
    """Classify the temporal order of X and Y (H&S 1997, experiment 6a, or 6b for 3 symbols).

    Chapter 16. A sequence starts with E, ends with the trigger B, and is otherwise made of
    random distractors a, b, c, d — except at ``n_relevant`` positions that hold X or Y. For
    T = 100 the positions are drawn from steps 10–20 and 50–60 (6a) or 10–20, 33–43 and
    66–76 (6b), the paper's windows (we count steps from 0); for other T the windows scale
    with T. Lengths are uniform in [T, T + T/10]. The class is the X/Y pattern read as a
    binary number with X = 0, Y = 1: XX, XY, YX, YY → 0, 1, 2, 3 (the paper's classes
    Q, R, S, U), and 8 classes XXX … YYY for 6b. The target is the one-hot class at the last
    step, the only scored step.

    Parameters
    ----------
    rng : np.random.Generator or int seed
    batch_size : int
    n_relevant : {2, 3}
    T : int
        Minimal length, ≥ 10 (the paper: 100).
    variable_length : bool
        ``False`` gives every sequence length T.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T_max, B, 8) one-hot over :data:`TEMPORAL_ORDER_SYMBOLS`, ``t`` (T_max, B,
        2**n_relevant); ``info["label"]`` the class (B,), ``info["positions"]`` (n_relevant, B).
        Criterion :func:`temporal_order_correct`.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    if n_relevant not in _WINDOWS:
        raise ValueError(f"n_relevant: expected 2 or 3 relevant symbols, got {n_relevant!r}")
    T = positive_int("T", T, minimum=10)
    dt = as_float_dtype(dtype)
    lengths = _lengths(rng, B, T, variable_length)
    T_max = int(lengths.max())
    b = np.arange(B)
    sym = rng.integers(2, 6, size=(T_max, B))          # distractors a, b, c, d
    sym[0] = 0                                          # E
    sym[lengths - 1, b] = 1                             # trigger B
    bits = rng.integers(0, 2, size=(n_relevant, B))     # 0 = X, 1 = Y
    positions = np.stack([rng.integers(round(lo * T), round(hi * T) + 1, size=B)
                          for lo, hi in _WINDOWS[n_relevant]])
    sym[positions, b] = 6 + bits
    label = (bits * (2 ** np.arange(n_relevant - 1, -1, -1))[:, None]).sum(axis=0)
    x = one_hot(sym, len(TEMPORAL_ORDER_SYMBOLS), dt)
    x[np.arange(T_max)[:, None] >= lengths[None, :]] = 0.0  # padding
    mask = end_mask(lengths, T_max, dt)
    t = one_hot(np.broadcast_to(label, (T_max, B)), 2 ** n_relevant, dt) * mask
    return make_batch(f"temporal_order_{n_relevant}", x, t, mask, lengths, temporal_order_correct,
                      label=label, positions=positions)


def temporal_order_correct(y, batch: TaskBatch, tol: float = 0.3,
                           rule: str = "abs_error") -> np.ndarray:
    """A sequence is classified correctly if every output's final absolute error is below 0.3
    (H&S 1997, experiment 6); ``rule="argmax"`` only asks for the right most active output.

    ``y``: shape (T, B, 4) or (T, B, 8); returns bool (B,).
    """
    tol = positive_float("tol", tol)
    if rule == "argmax":
        return argmax_correct(y, batch)
    if rule != "abs_error":
        raise ValueError(f"rule: expected 'abs_error' or 'argmax', got {rule!r}")
    return abs_error_correct(y, batch, tol)
