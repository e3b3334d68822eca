"""Checker for the bidirectional exercise (Chapter 13).

The reader writes the backward half of a bidirectional layer: run a forward-in-time layer over
the reversed sequence and return its states in natural time order, so that index t holds
y_bw(t), the state that has read x(t), …, x(T). The checker compares with
:class:`lstm_core.bidirectional.Bidirectional` and recognises the two usual slips: forgetting to
reverse the input, and forgetting to reverse the states back.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import gru
from . import CheckResult, compare

__all__ = ["check_backward_states"]

_SHAPES = [(5, 2, 3, 4), (1, 1, 1, 1), (4, 3, 2, 1)]   # (T, B, I, H)


def check_backward_states(fn: Callable, seed: int = 0) -> CheckResult:
    """Check ``fn(forward, params, x) -> h_bwd`` (Chapter 13).

    ``forward(params, x)`` is a sequence layer's forward function (here
    :func:`lstm_core.gru.gru_forward`, returning ``(h, cache)``), ``x`` (T, B, I). ``fn`` must
    return y_bw (T, B, H) with ``h_bwd[t]`` the state after the layer has read x[T−1], …, x[t]
    (run forward over x reversed in time, then reverse the result back).
    """
    name = "check_backward_states"
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    for T, B, I, H in _SHAPES:
        p = gru.GRUParams.init(I, H, rng)
        p.b[:] = rng.uniform(0.3, 1.0, 3 * H)
        x = rng.normal(size=(T, B, I))
        try:
            got = fn(gru.gru_forward, p, x.copy())
        except Exception as err:  # the reader's code may fail in any way; report, don't raise
            return CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")
        if isinstance(got, tuple):
            got = got[0]
        expected = gru.gru_forward(p, x[::-1].copy())[0][::-1]
        result = compare(name, got, expected, what="h_bwd")
        if result.passed:
            continue
        if np.shape(got) == expected.shape and T > 1:
            if compare(name, got, gru.gru_forward(p, x)[0][::-1]).passed:
                return CheckResult(name, False, "the input was not reversed: the backward layer must read "
                                                f"x[T−1], …, x[0] (use x[::-1]) (T={T}, B={B}, I={I}, H={H})")
            if compare(name, got, gru.gru_forward(p, x[::-1].copy())[0]).passed:
                return CheckResult(name, False, "the states are in the backward layer's own time order: "
                                                "reverse them back so that h_bwd[t] has read x[t], …, x[T−1] "
                                                f"(T={T}, B={B}, I={I}, H={H})")
            if compare(name, got, gru.gru_forward(p, x)[0]).passed:
                return CheckResult(name, False, "this is the forward layer's output: run the layer over "
                                                "x reversed in time")
        return CheckResult(name, False, f"{result.message} (T={T}, B={B}, I={I}, H={H})")
    return CheckResult(name, True, f"h_bwd matches the reference on {len(_SHAPES)} random problems")
