"""Checker for the coding exercise of Chapter 18 (the decay rate of the error flow).

==========================  ===================================================================
checker                     the reader writes
==========================  ===================================================================
:func:`check_decay_rate`    ``fn(norms) -> rho``: the factor ρ by which an error norm shrinks per
                            step back in time, from a least-squares line through log ‖·‖ vs q
==========================  ===================================================================

Chapter 7 showed that the error flowing back q steps through a plain recurrent net behaves
like ρ^q; a straight line through ln ‖∂E/∂x(T−q)‖ over q has slope ln ρ.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import CheckResult, call_reader, compare

__all__ = ["decay_rate", "check_decay_rate"]


def decay_rate(norms) -> float:
    """ρ = exp(slope) of the least-squares line through (q, ln norms[q]), q = 0, 1, … (Chapter 18).

    Book equations: eq-concl-decay

    Parameters
    ----------
    norms : array (Q,), Q ≥ 2, entries > 0
        Error norms at lags q = 0 … Q−1.
    """
    n = np.asarray(norms, dtype=np.float64)
    if n.ndim != 1 or n.size < 2:
        raise ValueError(f"norms: expected a 1-D array of at least 2 norms, got shape {n.shape}")
    if not np.all(np.isfinite(n)) or np.any(n <= 0):
        raise ValueError("norms: expected finite, positive norms")
    q = np.arange(n.size, dtype=np.float64)
    slope = np.polyfit(q, np.log(n), 1)[0]
    return float(np.exp(slope))


def check_decay_rate(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the reader's decay-rate estimate on noisy geometric sequences (Chapter 18).

    ``fn(norms)`` gets norms (Q,) at lags q = 0 … Q−1 and must return ρ = exp(slope) of the
    least-squares line through (q, ln norms[q]) (:func:`decay_rate`).
    """
    name = "check_decay_rate"
    rng = np.random.default_rng(seed)
    problems = [(0.5, 12), (0.9, 30), (1.05, 8), (0.2, 5)]
    for rho, Q in problems:
        q = np.arange(Q)
        norms = 3.0 * rho ** q * np.exp(rng.normal(0.0, 0.2, Q))   # a geometric decay, with noise
        got, failed = call_reader(name, fn, norms)
        if failed is not None:
            return failed
        expected = decay_rate(norms)
        try:
            g = float(got)
        except (TypeError, ValueError):
            return CheckResult(name, False, f"expected a number ρ, got {type(got).__name__}")
        slope = np.log(expected)
        mistakes = {
            "this is the slope ln ρ — return exp(slope)": slope,
            "this is a base-10 slope — fit the natural logarithm, or return 10**slope":
                float(np.polyfit(q, np.log10(norms), 1)[0]),
            "this uses only the first and last norm — fit a line through all of them":
                float((norms[-1] / norms[0]) ** (1.0 / (Q - 1))),
            "this fits the norms themselves, not their logarithms":
                float(np.exp(np.polyfit(q, norms, 1)[0])),
        }
        result = compare(name, g, expected, rtol=1e-6, what="ρ")
        if result.passed:
            continue
        for hint, wrong in mistakes.items():
            if compare(name, g, wrong, rtol=1e-6).passed:
                return CheckResult(name, False,
                                   f"ρ = {g:.4g} differs from the reference {expected:.4g}: {hint}")
        return CheckResult(name, False, f"ρ = {g:.4g} differs from the reference {expected:.4g} "
                                        f"(true decay {rho}, {Q} noisy norms)")
    return CheckResult(name, True,
                       f"ρ matches the least-squares reference on {len(problems)} noisy decays")
