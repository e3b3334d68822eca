"""Checkers for the exercises of Chapter 3 (backpropagation in feed-forward nets).

Each checker calls the reader's function on a few random problems (batch first, non-square
weight matrices so that w_kj and w_jk cannot be confused unnoticed, and one case with a
single unit), compares with :mod:`lstm_core.ffnn`, and returns a
:class:`~lstm_core.checks.CheckResult` naming the usual mistake when one matches.

The reader writes:

:func:`check_output_delta`
    ``fn(t, y, fprime) -> delta``: δ_k = f'(net_k)(t_k − y_k), all arrays (B, n_out).
:func:`check_hidden_delta`
    ``fn(fprime, W_next, delta_next) -> delta``: δ_j = f'(net_j) Σ_k w_kj δ_k, with
    fprime (B, n_j), W_next (n_k, n_j), delta_next (B, n_k).
:func:`check_weight_gradient`
    ``fn(delta, y_prev) -> dE_dW``: ∂E/∂w_ji = −Σ_batch δ_j y_i, with delta (B, n_j),
    y_prev (B, n_i), result (n_j, n_i).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import ffnn
from . import CheckResult
from . import call_reader as _call
from . import diagnose as _diagnose

__all__ = ["check_output_delta", "check_hidden_delta", "check_weight_gradient"]

# (B, n_j, n_k) of the random problems; the first has clearly different layer sizes.
_SHAPES = [(3, 4, 2), (1, 1, 1), (5, 3, 6)]


def check_output_delta(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the output-unit deltas δ_k = f'(net_k)(t_k − y_k) (Chapter 3).

    ``fn(t, y, fprime)`` gets targets t, outputs y and the derivatives f'(net_k), all of shape
    (B, n_out), and must return δ (B, n_out).
    """
    name = "check_output_delta"
    rng = np.random.default_rng(seed)
    for B, n, _ in _SHAPES:
        t, y = rng.uniform(size=(B, n)), rng.uniform(0.05, 0.95, size=(B, n))
        fprime = rng.uniform(0.05, 0.25, size=(B, n))
        got, failed = _call(name, fn, t, y, fprime)
        if failed is not None:
            return failed
        mistakes = {"you forgot the factor f'(net_k)": t - y,
                    "f'(net_k) multiplies the error, it is not added to it": fprime + (t - y),
                    "you used y(1 − y) for f'; use the fprime you were given "
                    "(not every unit is logistic)": y * (1 - y) * (t - y)}
        res = _diagnose(name, got, ffnn.output_delta(t, y, fprime), mistakes, "δ_k")
        if not res:
            return CheckResult(name, False, f"with B = {B}, n_out = {n}: {res.message}")
    return CheckResult(name, True, f"matches δ_k = f'(net_k)(t_k − y_k) on {len(_SHAPES)} random batches")


def check_hidden_delta(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the hidden-unit deltas δ_j = f'(net_j) Σ_k w_kj δ_k (Chapter 3).

    ``fn(fprime, W_next, delta_next)`` gets f'(net_j) (B, n_j), the weights W_next (n_k, n_j)
    into the next layer (``W_next[k, j]`` = w_kj) and that layer's deltas δ_k (B, n_k), and
    must return δ_j (B, n_j).
    """
    name = "check_hidden_delta"
    rng = np.random.default_rng(seed)
    for B, nj, nk in _SHAPES + [(2, 3, 3)]:  # the square case catches a transposed W
        fprime = rng.uniform(0.05, 0.25, size=(B, nj))
        W = rng.normal(size=(nk, nj))
        delta_next = rng.normal(size=(B, nk))
        got, failed = _call(name, fn, fprime, W, delta_next)
        if failed is not None:
            return failed
        if np.shape(got) == (B, nk) and nk != nj:
            return CheckResult(name, False, f"δ_j has shape {(B, nk)}, the next layer's; expected "
                                            f"{(B, nj)}: sum over k, Σ_k w_kj δ_k = (delta_next @ W_next)")
        mistakes = {"you forgot the factor f'(net_j)": delta_next @ W,
                    "f'(net_j) multiplies the sum, it is not added to it": fprime + delta_next @ W}
        if nk == nj:
            mistakes["you used w_jk instead of w_kj: the sum runs over the units k the unit j "
                     "feeds, Σ_k w_kj δ_k = delta_next @ W_next"] = fprime * (delta_next @ W.T)
        res = _diagnose(name, got, ffnn.hidden_delta(fprime, W, delta_next), mistakes, "δ_j")
        if not res:
            return CheckResult(name, False, f"with B = {B}, n_j = {nj}, n_k = {nk}: {res.message}")
    return CheckResult(name, True, f"matches δ_j = f'(net_j) Σ_k w_kj δ_k on {len(_SHAPES) + 1} random batches")


def check_weight_gradient(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the weight gradient ∂E/∂w_ji = −Σ_batch δ_j y_i of one layer (Chapter 3).

    ``fn(delta, y_prev)`` gets the deltas δ_j (B, n_j) of a layer and the outputs y_i
    (B, n_i) of the layer below, and must return ∂E/∂W (n_j, n_i), ``[j, i]`` = ∂E/∂w_ji,
    summed over the batch. (Gradient descent then steps W ← W − α ∂E/∂W, i.e. Δw_ji = α δ_j y_i.)
    """
    name = "check_weight_gradient"
    rng = np.random.default_rng(seed)
    for B, nj, ni in _SHAPES:
        delta, y_prev = rng.normal(size=(B, nj)), rng.uniform(size=(B, ni))
        got, failed = _call(name, fn, delta, y_prev)
        if failed is not None:
            return failed
        expected = -(delta.T @ y_prev)
        if np.shape(got) == (ni, nj) and ni != nj:
            return CheckResult(name, False, f"∂E/∂W has shape {(ni, nj)}, the transpose of the "
                                            f"weights' {(nj, ni)}: W[j, i] is w_ji, to j from i")
        mistakes = {"you returned Δw = α δ_j y_i without α, i.e. −∂E/∂w: the gradient is "
                    "∂E/∂w_ji = −δ_j y_i (δ = −∂E/∂net)": -expected}
        if B > 1:
            mistakes["you averaged over the batch; sum it (E is summed over the examples)"] = expected / B
        res = _diagnose(name, got, expected, mistakes, "∂E/∂W")
        if not res:
            return CheckResult(name, False, f"with B = {B}, n_j = {nj}, n_i = {ni}: {res.message}")
    return CheckResult(name, True, f"matches ∂E/∂w_ji = −Σ δ_j y_i on {len(_SHAPES)} random batches")
