"""Checks shared by several modules, built on :mod:`lstm_core._validate` (issue 16).

:mod:`lstm_core._validate` is part of the fingerprint of the stored experiment results (every
change to it means re-running the 1997 battery), so it holds only what the fingerprinted modules
need; the checks that the other modules need live here and use its helpers.

Empty batches
-------------
One policy everywhere: a batch with no examples (B = 0), a sequence with no steps (T = 0) and
an array with no units are **rejected** with a ``ValueError`` that names the argument and the
axis. An empty batch has no loss to average (``mean=True`` would divide by zero), no state to
carry and nothing to learn from; returning empty arrays would hide a bug upstream (an empty
slice, a filter that kept nothing). The forward functions of every network, the one-step
functions, the feed-forward net and the losses all apply it.

Overflow
--------
One policy everywhere: a public function returns **finite** numbers or raises a
``ValueError`` that names the arguments responsible and says the values overflow the float
range — never an inf/NaN result, never a ``RuntimeWarning``. Where a finite answer exists
for large inputs it is computed (the squashers saturate, :func:`lstm_core.losses.log_softmax`
shifts by the maximum, ``softmax_cross_entropy`` stays finite for logits of any size whose
loss is a float); where it does not (a net input ``x @ W.T`` beyond ~1.8e308, a squared error
of 1e200, an identity RNN that grows to inf) the error is raised, by :func:`overflow_checked`
(floating-point overflow raised inside the call and reported as a ``ValueError``) or by an
explicit check. Inputs that do not overflow give exactly the results they gave before.

Ragged lists
------------
:func:`lstm_core._validate.float_array` and :func:`lstm_core._validate.int_array` turn ``None``
and nested lists of unequal lengths into a ``TypeError`` naming the argument; lists of Python
numbers become float64 (int arrays for ``int_array``). :func:`float_array` here also refuses
lists that NumPy can only make an object array of; every module that is not fingerprinted by
the 1997 battery calls it.
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from . import _validate as V

__all__: list[str] = []   # internal helpers; the public functions that use them are tested

#: magnitude above which an input is refused as "near the float limit": products of such
#: numbers with weights of order 1 overflow float32, and sums of squares overflow float64
SAFE_MAX = {np.dtype(np.float32): 1e18, np.dtype(np.float64): 1e150}


def not_empty(name: str, arr: np.ndarray, axes=None) -> np.ndarray:
    """Reject an array with a zero-length axis (see the empty-batch policy above)."""
    shape = arr.shape
    for ax, n in enumerate(shape):
        if n == 0 and (axes is None or ax in axes):
            what = {0: "first"}.get(ax, f"axis {ax}")
            raise ValueError(f"{name}: expected a non-empty array (no axis of length 0; empty "
                             f"batches are rejected), got shape {shape} ({what} axis is empty)")
    return arr


def bounded(name: str, arr: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Reject entries whose magnitude is so large that the result would overflow.

    ``limit`` defaults to :data:`SAFE_MAX` for the array's dtype.
    """
    lim = SAFE_MAX[arr.dtype] if limit is None else limit
    if arr.size and float(np.max(np.abs(arr))) > lim:
        raise ValueError(f"{name}: expected entries of magnitude <= {lim:g} (larger values overflow "
                         f"the {arr.dtype} arithmetic), got a maximum magnitude of "
                         f"{float(np.max(np.abs(arr))):.3g}")
    return arr


def float_array(name: str, x, **kw) -> np.ndarray:
    """:func:`lstm_core._validate.float_array` that also refuses lists NumPy can only make an
    object array of (numbers mixed with ``None`` or other objects) instead of converting them."""
    if not isinstance(x, np.ndarray) and V.as_array(name, x, "floats").dtype == object:
        raise TypeError(f"{name}: expected an array of floats, got {type(x).__name__} of dtype object")
    return V.float_array(name, x, **kw)


def rng(value, name: str = "rng") -> np.random.Generator:
    """A Generator from a Generator, a non-negative int seed or ``None``; else a clear error."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a numpy.random.Generator, an int seed >= 0 or None, "
                        f"got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name}: expected an int seed >= 0, got {value}")
    return np.random.default_rng(int(value))


def task_batch(batch, y_shape: tuple | None = None, dtype=None, name: str = "batch"):
    """Validate a :class:`~lstm_core.tasks.TaskBatch` where it is consumed.

    ``x`` (T, B, I), ``t`` (T, B, K) and ``mask`` (T, B, 1) — or exactly (T, B, K), one flag per
    output — finite floats of one dtype. A mask of any other shape would broadcast silently
    (a (T, B) mask with T = B = K, a (T, 1, K) mask), so it is an error. ``y_shape`` is the
    shape of the network's outputs ``t`` must match. Returns ``(x, t, mask)``.
    """
    for field in ("x", "t", "mask"):
        if not hasattr(batch, field):
            raise TypeError(f"{name}: expected a TaskBatch with x, t and mask, got {type(batch).__name__}")
    x = float_array(f"{name}.x", batch.x, ndim=3, dtype=dtype)
    not_empty(f"{name}.x", x)
    if y_shape is not None:
        t = float_array(f"{name}.t", batch.t, ndim=3, dtype=x.dtype)
        if t.shape != tuple(y_shape):
            raise ValueError(f"{name}.t: expected shape {tuple(y_shape)} (the network's outputs), "
                             f"got {t.shape}")
    else:
        t = float_array(f"{name}.t", batch.t, ndim=3, shape=x.shape[:2] + (None,), dtype=x.dtype)
    not_empty(f"{name}.t", t)
    T, B, K = t.shape
    if t.shape[:2] != x.shape[:2]:
        raise ValueError(f"{name}.t: expected shape ({x.shape[0]}, {x.shape[1]}, K) like {name}.x, "
                         f"got {t.shape}")
    mask = float_array(f"{name}.mask", batch.mask, dtype=x.dtype)
    if mask.shape not in ((T, B, 1), (T, B, K)):
        raise ValueError(f"{name}.mask: expected shape ({T}, {B}, 1) (or ({T}, {B}, {K}), one flag "
                         f"per output), got {mask.shape}")
    if mask.size and (float(mask.min()) < 0.0 or float(mask.max()) > 1.0):
        raise ValueError(f"{name}.mask: expected flags (weights) in [0, 1], got values in "
                         f"[{float(mask.min()):.3g}, {float(mask.max()):.3g}]")
    return x, t, mask


def overflow_checked(names: str):
    """Decorator: run the function with floating-point overflow (and the NaNs that follow from
    it) raised, and report it as a ``ValueError`` naming ``names`` — inputs near the float limits
    give a clear error instead of a warning and an inf/NaN result. Valid inputs never overflow,
    so their results are unchanged (the same operations run)."""
    def wrap(fn):
        @functools.wraps(fn)
        def checked(*args, **kwargs):
            try:
                with np.errstate(over="raise", invalid="raise"):
                    return fn(*args, **kwargs)
            except FloatingPointError as err:
                raise ValueError(f"{names}: expected values whose products and sums stay within the "
                                 f"float range, got inputs so large that {fn.__name__} overflows "
                                 f"({err})") from None
        return checked
    return wrap
