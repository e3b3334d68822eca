"""Error functions and their gradients (chapters 1-3; used by every network).

Two losses, each returning the value **and** the gradient with respect to what the network
produced, ready to be handed to a backward pass as ``dy``:

* :func:`squared_error` — the book's ``E = ½ Σ_k e_k²`` with ``e_k = t_k − y_k``
  (chapters 2, 3, 5). Its gradient is ``∂E/∂y_k = −e_k = y_k − t_k``.
* :func:`softmax_cross_entropy` — ``E = −Σ_k t_k log softmax(net)_k`` for classification
  (chapters 16-17), computed from the logits ``net`` with the log-sum-exp trick, so it does
  not overflow (a loss beyond the float range is a ``ValueError``, never inf). Its gradient is ``∂E/∂net_k = softmax(net)_k − t_k``.

Batch reduction
---------------
By default both losses **sum** over everything: every unit, every example, every time step.
That is the book's E. With ``mean=True`` the sum is divided by the batch size B, which
keeps the step size of a learning rate α independent of B:

* ``(K,)``        one example, B = 1 (``mean`` changes nothing);
* ``(B, K)``      B examples (batch first, chapters 2-3);
* ``(T, B, K)``   B sequences of T steps, time-major (chapters 4-17); the mean is over the
  B sequences, time steps are still summed, as in E_total = Σ_t E(t).

The gradient is divided by the same B, so it is always the exact gradient of the returned E.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks
from ._checks import float_array


class LossResult(NamedTuple):
    """The value of a loss and its gradient. Unpacks as ``E, dy = squared_error(y, t)``.

    Attributes
    ----------
    loss : float
        The scalar error E.
    grad : ndarray
        ∂E/∂(first argument), same shape and dtype as the first argument.
    """

    loss: float
    grad: np.ndarray


def _batch_size(shape: tuple[int, ...]) -> int:
    """B for shapes (K,), (B, K) and (T, B, K) (see the module docstring)."""
    if len(shape) == 1:
        return 1
    return shape[-2]


def error(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The book's error signal ``e_k = t_k − y_k`` (Chapter 1), elementwise.

    Book equations: eq-notation-error

    Parameters
    ----------
    y : ndarray, shape (..., K)
        Network outputs y^k.
    t : ndarray, same shape as ``y``
        Targets t_k.
    """
    y = float_array("y", y)
    _checks.not_empty("y", y)
    t = float_array("t", t, shape=y.shape, dtype=y.dtype)
    with np.errstate(over="raise"):
        try:
            return t - y
        except FloatingPointError:
            raise ValueError("y, t: expected values whose difference stays within the float range, "
                             "got t − y overflowing") from None


def squared_error(y: np.ndarray, t: np.ndarray, mean: bool = False) -> LossResult:
    """Sum-of-squares error ``E = ½ Σ e_k²``, ``e_k = t_k − y_k``, and ``∂E/∂y = −e``.

    Chapter 2 (the delta rule minimises it), Chapter 3 (backpropagation), Chapter 5 (summed
    over time as E_total = Σ_t E(t)).

    Book equations: eq-notation-error, eq-ffnn-error, eq-bptt-error

    Parameters
    ----------
    y : ndarray, float32 or float64, shape (K,), (B, K) or (T, B, K)
        Outputs y^k.
    t : ndarray, same shape and dtype as ``y``
        Targets t_k.
    mean : bool
        Divide E (and its gradient) by the batch size B; see the module docstring.

    Returns
    -------
    LossResult
        ``loss`` = E (float), ``grad`` = ∂E/∂y = y − t (divided by B if ``mean``), shape and
        dtype of ``y``. The book's output delta of a linear unit is ``δ_k = −grad``.
    """
    y = float_array("y", y)
    if y.ndim == 0 or y.ndim > 3:
        raise ValueError(f"y: expected shape (K,), (B, K) or (T, B, K), got {y.shape}")
    _checks.not_empty("y", y)
    t = float_array("t", t, shape=y.shape, dtype=y.dtype)
    try:
        with np.errstate(over="raise", invalid="raise"):
            e = t - y
            scale = 1.0 / _batch_size(y.shape) if mean else 1.0
            loss = 0.5 * float(np.sum(e.astype(np.float64) ** 2)) * scale
            grad = (-e * y.dtype.type(scale)).astype(y.dtype, copy=False)
    except FloatingPointError:
        raise ValueError(f"y, t: expected outputs and targets whose squared differences stay within "
                         f"the float range, got |t - y| too large (max |y| = {float(np.max(np.abs(y))):.3g}, "
                         f"max |t| = {float(np.max(np.abs(t))):.3g}): E overflows") from None
    return LossResult(loss, grad)


def log_softmax(net: np.ndarray) -> np.ndarray:
    """``log softmax(net)_k = net_k − log Σ_j exp(net_j)`` over the last axis, overflow-free.

    The log-sum-exp trick: subtracting ``m = max_j net_j`` first makes every exponent ≤ 0,
    so ``exp`` cannot overflow, and ``log Σ_j exp(net_j − m) ≥ 0`` cannot underflow to −inf.

    Parameters
    ----------
    net : ndarray, shape (..., K)
        Logits (net inputs of K output units).
    """
    net = float_array("net", net)
    if net.ndim == 0 or net.shape[-1] == 0:
        raise ValueError(f"net: expected at least one class on the last axis, got shape {net.shape}")
    _checks.not_empty("net", net)
    logp = _log_softmax(net)
    if not np.all(np.isfinite(logp)):
        raise ValueError("net: expected logits whose spread (max − min on the last axis) stays within "
                         "the float range, got a spread so large that log softmax is −inf")
    return logp


def _log_softmax(net: np.ndarray) -> np.ndarray:
    """log softmax without checks; −inf where net_k − max overflows (softmax exactly 0 there)."""
    with np.errstate(over="ignore"):                    # net_k − max → −inf: exp gives 0, right
        shifted = net - np.max(net, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(net: np.ndarray) -> np.ndarray:
    """``softmax(net)_k = exp(net_k) / Σ_j exp(net_j)`` over the last axis (rows sum to 1).

    Chapter 17 (sampling a language model). Overflow-free, like :func:`log_softmax`.

    Book equations: eq-app-softmax

    Parameters
    ----------
    net : ndarray, shape (..., K)
        Logits.
    """
    net = float_array("net", net)
    if net.ndim == 0 or net.shape[-1] == 0:
        raise ValueError(f"net: expected at least one class on the last axis, got shape {net.shape}")
    _checks.not_empty("net", net)
    with np.errstate(over="ignore"):                    # net_k − max → −inf: exp gives 0, right
        ex = np.exp(net - np.max(net, axis=-1, keepdims=True))
    return ex / np.sum(ex, axis=-1, keepdims=True)


def _targets_as_probabilities(t, net: np.ndarray) -> np.ndarray:
    """Turn integer class labels or one-hot / probability rows into an array like ``net``."""
    K = net.shape[-1]
    try:
        t_arr = np.asarray(t)
    except (ValueError, TypeError):
        t_arr = float_array("t", t)          # a ragged list: a TypeError naming t
    if t_arr.dtype.kind in "iu":
        if t_arr.shape != net.shape[:-1]:
            raise ValueError(f"t: integer class labels must have shape {net.shape[:-1]} "
                             f"(the logits' shape without the class axis), got {t_arr.shape}")
        if t_arr.size and (t_arr.min() < 0 or t_arr.max() >= K):
            raise ValueError(f"t: class labels must lie in [0, {K}), got values in "
                             f"[{t_arr.min()}, {t_arr.max()}]")
        onehot = np.zeros(net.shape, dtype=net.dtype)
        np.put_along_axis(onehot, t_arr[..., None].astype(np.intp), 1.0, axis=-1)
        return onehot
    t_arr = float_array("t", t, shape=net.shape, dtype=net.dtype)
    if np.any(t_arr < 0):
        raise ValueError("t: expected one-hot or probability rows (entries >= 0), "
                         f"got a minimum of {float(t_arr.min())}")
    return t_arr


def softmax_cross_entropy(net: np.ndarray, t, mean: bool = False) -> LossResult:
    """Cross-entropy of softmax outputs, ``E = −Σ_k t_k log softmax(net)_k``, and ``∂E/∂net``.

    Chapters 16-17 (classification at the end of a sequence, character-level language model).
    The loss is computed from the logits with :func:`log_softmax` (log-sum-exp), never from
    rounded probabilities, so it stays finite for logits of any size whose loss is a float:
    only when a target sits on a class whose log-probability is below the float range
    (logits spread by more than ~1.8e308) is there no finite answer, and that is a
    ``ValueError`` naming ``net`` (the overflow policy of :mod:`lstm_core._checks`).

    Book equations: eq-app-loss, eq-app-delta

    Parameters
    ----------
    net : ndarray, float32 or float64, shape (K,), (B, K) or (T, B, K)
        Logits: net inputs of the K output units, before the softmax.
    t : ndarray
        Either integer class labels of shape ``net.shape[:-1]`` with values in [0, K), or
        float one-hot / probability rows of ``net``'s shape and dtype (entries ≥ 0). A row of
        zeros contributes nothing to E or to the gradient — a way to mask time steps that
        have no target.
    mean : bool
        Divide E (and its gradient) by the batch size B; see the module docstring.

    Returns
    -------
    LossResult
        ``loss`` = E (float), ``grad`` = ∂E/∂net = softmax(net)·Σ_k t_k − t (which is
        ``softmax(net) − t`` for one-hot rows), divided by B if ``mean``; shape and dtype of
        ``net``.
    """
    net = float_array("net", net)
    if net.ndim == 0 or net.ndim > 3:
        raise ValueError(f"net: expected shape (K,), (B, K) or (T, B, K), got {net.shape}")
    if net.shape[-1] == 0:
        raise ValueError(f"net: expected at least one class on the last axis, got shape {net.shape}")
    _checks.not_empty("net", net)
    tp = _targets_as_probabilities(t, net)
    logp = _log_softmax(net)
    scale = 1.0 / _batch_size(net.shape) if mean else 1.0
    with np.errstate(invalid="ignore"):                 # 0 · (−inf): a class without target
        terms = np.where(tp != 0, tp.astype(np.float64) * logp, 0.0)
    loss = -float(np.sum(terms)) * scale
    if not np.isfinite(loss):
        raise ValueError("net: expected logits whose spread stays within the float range, got a "
                         "target on a class whose log softmax overflows to −inf (the loss is infinite)")
    grad = np.exp(logp) * np.sum(tp, axis=-1, keepdims=True) - tp
    return LossResult(loss, (grad * net.dtype.type(scale)).astype(net.dtype, copy=False))
