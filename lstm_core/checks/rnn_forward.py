"""Checker for the coding exercise of Chapter 4: the forward pass of the fully recurrent net.

==========================  ================================================================
checker                     the reader writes
==========================  ================================================================
:func:`check_rnn_forward`   ``fn(W_in, W_rec, b, x, y0) -> y``, the whole forward pass
                            net_k(t) = Σ_l w_kl y^l(t−1) + Σ_i w_ki x_i(t) + b_k,
                            y^k(t) = tanh(net_k(t)), over a (T, B, I) sequence
==========================  ================================================================

The checker runs the reader's function on a few random problems (one of them with T = 1,
B = 1 and one unit; all with a non-symmetric W_rec, non-zero biases and a non-zero y(0)),
compares with :func:`lstm_core.rnn.rnn_forward`, and on a mismatch names the usual mistake
(transposed recurrent weights, a missing bias, no squashing, the recurrence fed from y(0) at
every step, or y(t) instead of y(t−1) on the right-hand side).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import rnn
from . import CheckResult
from .rnn import _call, _diagnose

__all__ = ["check_rnn_forward"]

# (T, B, I, n) of the random problems
_SHAPES = [(5, 2, 2, 3), (1, 1, 1, 1), (7, 3, 3, 4)]


def _loop(W_in, W_rec, b, x, y0, f=np.tanh, recur=lambda y_prev, y0: y_prev):
    """A plain loop over time, with hooks to build the wrong answers the checker recognises."""
    y_prev, out = y0, np.empty((x.shape[0],) + y0.shape)
    for t in range(x.shape[0]):
        out[t] = y_prev = f(recur(y_prev, y0) @ W_rec.T + x[t] @ W_in.T + b)
    return out


def check_rnn_forward(fn: Callable, seed: int = 0) -> CheckResult:
    """Check a reader's forward pass of the recurrent net with f = tanh (Chapter 4).

    ``fn(W_in, W_rec, b, x, y0)`` with W_in (n, I) (``W_in[k, i]`` = w_ki), W_rec (n, n)
    (``W_rec[k, l]`` = w_kl), b (n,), x (T, B, I) and y0 = y(0) (B, n) must return
    y (T, B, n), ``y[t]`` being the book's y(t+1):

        net_k(t) = Σ_l w_kl y^l(t−1) + Σ_i w_ki x_i(t) + b_k,    y^k(t) = tanh(net_k(t))
    """
    name = "check_rnn_forward"
    rng = np.random.default_rng(seed)
    for T, B, I, n in _SHAPES:
        W_in = rng.normal(0.0, 1.0, (n, I))
        W_rec = rng.normal(0.0, 0.8, (n, n)) + np.triu(rng.normal(0.0, 1.0, (n, n)), 1)  # w_kl ≠ w_lk
        b = rng.normal(0.0, 0.5, n)
        x = rng.normal(0.0, 1.0, (T, B, I))
        y0 = rng.uniform(-0.8, 0.8, (B, n))
        got, failed = _call(name, fn, W_in, W_rec, b, x, y0)
        if failed is not None:
            return failed
        params = rnn.RNNParams(W_in, W_rec, b, "tanh")
        expected, _ = rnn.rnn_forward(params, x, y0)
        shifted = np.empty_like(expected)                      # y(t) on both sides: a one-step lag lost
        y_prev = y0
        for t in range(T):
            shifted[t] = y_prev = np.tanh(np.tanh(y_prev @ W_rec.T + x[t] @ W_in.T + b) @ W_rec.T
                                          + x[t] @ W_in.T + b)
        mistakes = {
            "the recurrent sum runs over the wrong index — net_k(t) uses Σ_l w_kl y^l(t−1), i.e. "
            "y_prev @ W_rec.T (row k of W_rec holds the weights into unit k)":
                _loop(W_in, W_rec.T, b, x, y0),
            "the bias b_k is missing from net_k(t)": _loop(W_in, W_rec, 0.0 * b, x, y0),
            "y^k(t) = tanh(net_k(t)): the squashing function is missing":
                _loop(W_in, W_rec, b, x, y0, f=lambda v: v),
            "every step reads y(0); the recurrent input must be the previous step's output y(t−1)":
                _loop(W_in, W_rec, b, x, y0, recur=lambda y_prev, y0: y0),
            "the recurrent input is ignored: net_k(t) needs Σ_l w_kl y^l(t−1)":
                _loop(W_in, 0.0 * W_rec, b, x, y0),
            "each step is applied twice; compute net(t) once from y(t−1) and x(t)": shifted,
        }
        result = _diagnose(name, got, expected, mistakes, "y")
        if not result.passed:
            return CheckResult(name, False, f"{result.message} (T={T}, B={B}, I={I}, n={n})")
    return CheckResult(name, True, f"y matches the reference on {len(_SHAPES)} random sequences")
