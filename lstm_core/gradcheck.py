"""Finite-difference gradient checks (chapter 1 introduces them; every chapter uses them).

The book's rule: every backward pass is compared with central differences

    ∂E/∂θ ≈ (E(θ + ε) − E(θ − ε)) / 2ε,

computed in float64, one parameter entry at a time. The truncation error of central
differences is O(ε²) and the rounding error O(u/ε) (u ≈ 1.1e−16), so ε ≈ 1e−6 gives about
ten correct digits on smooth functions.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from ._tree import named_arrays


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Max-norm relative error ``max|a − b| / max(max|a|, max|b|)`` between two arrays.

    Scaling by the largest entry (rather than entry by entry) keeps tiny gradient entries,
    which finite differences cannot resolve to many relative digits, from dominating.
    Returns 0.0 when both arrays are all zeros.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: expected equal shapes, got {a.shape} and {b.shape}")
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is perturbed **in place**, one entry at a time, and restored afterwards, so ``f``
    must read ``x`` (e.g. a parameter array of a network) each time it is called.

    Book equations: eq-notation-central

    Parameters
    ----------
    f : callable
        Zero-argument function returning the scalar loss E.
    x : ndarray, float64, any shape
        The array to differentiate with respect to.
    eps : float
        Step ε.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient: expected a float64 ndarray (float32 is too coarse "
                        f"for finite differences), got {got}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if flat.base is None and x.size > 0 and not np.shares_memory(flat, x):  # pragma: no cover
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        e_plus = float(f())
        flat[k] = old - eps
        e_minus = float(f())
        flat[k] = old
        gflat[k] = (e_plus - e_minus) / (2.0 * eps)
    return grad


def check_gradients(f: Callable[[], float], params, grads, eps: float = 1e-6) -> dict[str, float]:
    """Compare analytic gradients with central differences, array by array.

    Parameters
    ----------
    f : callable
        Zero-argument function returning the loss; it must read the arrays of ``params``.
    params : dataclass, mapping or list of float64 arrays, nested in any way
        The parameters (perturbed in place and restored), named by path (``"core.W"``,
        ``"W[0]"``) as in :func:`lstm_core.optim.named_arrays`.
    grads : same structure
        Analytic ∂E/∂θ with the same paths and shapes as ``params``. Paths of ``params`` that
        are absent in ``grads`` are skipped; if *nothing* can be compared, ``ValueError``.

    Returns
    -------
    dict
        ``{name: relative_error}`` for each compared array.
    """
    if isinstance(params, np.ndarray) or isinstance(grads, np.ndarray):
        raise TypeError("check_gradients: expected containers of named arrays (a dataclass, dict or "
                        "list, nested in any way), got a bare ndarray: wrap it as {'x': x}")
    p, g = named_arrays(params), named_arrays(grads)
    errors = {}
    for name, arr in p.items():
        if g.get(name) is None or arr.size == 0:
            continue
        if g[name].shape != arr.shape:
            raise ValueError(f"gradient {name}: expected shape {arr.shape}, got {g[name].shape}")
        num = numerical_gradient(f, arr, eps)
        errors[name] = relative_error(g[name], num)
    if not errors:
        raise ValueError(f"check_gradients: no parameter array had a matching gradient "
                         f"(params: {sorted(p) or 'no float arrays'}; grads: {sorted(g) or 'no float arrays'})")
    return errors


def max_error(errors: Mapping[str, float]) -> float:
    """Largest value of a ``{name: relative_error}`` dict (0.0 for an empty one)."""
    return max(errors.values(), default=0.0)


def error_bound(err: float) -> float:
    """The smallest power of ten ≥ ``err`` (1e-16 at least): a machine-independent way to print
    an error whose last digits depend on the CPU's floating-point kernels."""
    if not np.isfinite(err):
        return float("inf")
    if err <= 1e-16:
        return 1e-16
    return float(10.0 ** np.ceil(np.log10(err)))


def report(errors, bar: float = 1e-6) -> str:
    """One line for a chapter: ``"max relative error < 1e-09 (bar 1e-06): ok"``.

    ``errors`` is a float or a ``{name: relative_error}`` dict (its maximum is reported).
    The error is rounded *up* to a power of ten (:func:`error_bound`) so that the printed line
    is identical on machines whose last floating-point digits differ.
    """
    if isinstance(errors, Mapping) and not errors:
        raise ValueError("report: got no errors to report (an empty check compared nothing)")
    err = max_error(errors) if isinstance(errors, Mapping) else float(errors)
    verdict = "ok" if err < bar else "FAILED"
    return f"max relative error < {error_bound(err):.0e} (bar {bar:.0e}): {verdict}"
