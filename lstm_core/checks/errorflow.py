"""Checker for the coding exercise of Chapter 7 (the error-flow product).

==============================  ==============================================================
checker                         the reader writes
==============================  ==============================================================
:func:`check_delta_jacobian`    ``fn(W_rec, fprime) -> J`` with J[v, u] = ∂δ_v(t−q)/∂δ_u(t),
                                the product of q factors f'(net(t−m)) w_lv
==============================  ==============================================================
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..errorflow import delta_jacobian
from . import CheckResult, compare

__all__ = ["check_delta_jacobian"]

# (n, q) of the random problems: a non-symmetric W, one unit, one step, a longer product
_SHAPES = [(3, 4), (1, 3), (4, 1), (2, 6)]


def check_delta_jacobian(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the reader's error-flow Jacobian (Chapter 7).

    ``fn(W_rec, fprime)`` with W_rec (n, n) (``W_rec[l, v]`` = w_lv) and fprime (q, n)
    (``fprime[m−1]`` = f'(net(t−m)), most recent first) must return J (n, n) with

        J[v, u] = ∂δ_v(t−q)/∂δ_u(t),   ∂δ_v(t−1)/∂δ_u(t) = f'_v(net_v(t−1)) w_uv,

    chained q times (see :func:`lstm_core.errorflow.delta_jacobian`).
    """
    name = "check_delta_jacobian"
    rng = np.random.default_rng(seed)
    for n, q in _SHAPES:
        W = rng.normal(0.0, 1.0, (n, n)) + np.triu(rng.normal(0.0, 1.0, (n, n)), 1)
        fprime = rng.uniform(0.05, 0.25, (q, n))
        if not callable(fn):
            return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
        try:
            got = fn(W.copy(), fprime.copy())
        except Exception as err:  # the reader's code may fail in any way; report, don't raise
            return CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")
        expected = delta_jacobian(W, fprime)
        result = compare(name, got, expected, what="J")
        if result.passed or np.shape(got) != expected.shape:
            if not result.passed:
                return CheckResult(name, False, f"{result.message} (n={n}, q={q})")
            continue
        mistakes = {
            "the weights are transposed — the error reaches unit v from every unit l that v "
            "feeds, through w_lv = W_rec[l, v], i.e. W_rec.T @ J": delta_jacobian(W.T.copy(), fprime),
            "the f' factors are used in the wrong order — fprime[0] belongs to the first step "
            "back (t−1), fprime[q−1] to the last (t−q)": delta_jacobian(W, fprime[::-1].copy()),
            "the factors f'(net) are missing": delta_jacobian(W, np.ones_like(fprime)),
            "J is transposed: it must be indexed [v, u] "
            "(earlier unit first), so transpose your result": delta_jacobian(W, fprime).T,
        }
        for hint, wrong in mistakes.items():
            if compare(name, got, wrong).passed:
                return CheckResult(name, False, f"J differs from the reference: {hint} (n={n}, q={q})")
        return CheckResult(name, False, f"{result.message} (n={n}, q={q})")
    return CheckResult(name, True, f"J matches the reference on {len(_SHAPES)} random problems")
