"""Checker for the coding exercise of Chapter 17 (sampling at a temperature).

=======================================  =========================================================
checker                                  the reader writes
=======================================  =========================================================
:func:`check_temperature_probabilities`  ``fn(net, tau) -> p`` with p_k = exp(net_k/τ) / Σ_j
                                         exp(net_j/τ) over the last axis, for τ > 0
=======================================  =========================================================
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..charlm import next_char_probabilities
from . import CheckResult, call_reader, diagnose

__all__ = ["check_temperature_probabilities"]


def _naive(net, tau):
    with np.errstate(all="ignore"):
        e = np.exp(net / tau)
        return e / e.sum(axis=-1, keepdims=True)


def check_temperature_probabilities(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the reader's sampling distribution at temperature τ (Chapter 17).

    ``fn(net, tau)`` gets logits ``net`` of shape (B, K) and a temperature τ > 0 and must
    return p (B, K), p_k = exp(net_k / τ) / Σ_j exp(net_j / τ) — the reference is
    :func:`lstm_core.charlm.next_char_probabilities`. The last problem has logits near
    800, where exp overflows unless the largest logit is subtracted first.
    """
    name = "check_temperature_probabilities"
    rng = np.random.default_rng(seed)
    problems = [(rng.normal(0.0, 2.0, (3, 5)), 1.0), (rng.normal(0.0, 2.0, (2, 7)), 0.5),
                (rng.normal(0.0, 2.0, (1, 4)), 2.5), (rng.normal(0.0, 1.0, (2, 6)) + 800.0, 0.7)]
    for net, tau in problems:
        got, failed = call_reader(name, fn, net, tau)
        if failed is not None:
            return failed
        expected = next_char_probabilities(net, tau)
        with np.errstate(all="ignore"):
            mistakes = {
                "the temperature is ignored — divide the logits by τ":
                    next_char_probabilities(net, 1.0),
                "the logits are multiplied by τ; divide them": next_char_probabilities(net * tau, 1.0),
                "the probabilities are not normalised — divide by the sum over the last axis":
                    np.exp((net - net.max(-1, keepdims=True)) / tau),
                "the probabilities are normalised over the wrong axis (use axis=-1)":
                    np.exp(net / tau) / np.exp(net / tau).sum(axis=0, keepdims=True)
                    if net.max() < 50 else None,
            }
        result = diagnose(name, got, expected, mistakes, what="p")
        if not result.passed:
            hint = ""
            if net.max() > 100 and not np.all(np.isfinite(np.asarray(got, dtype=float))) \
                    and not np.all(np.isfinite(_naive(net, tau))):
                hint = "; exp overflows for large logits: subtract the largest logit of each row first"
            return CheckResult(name, False, f"{result.message} (τ = {tau}){hint}")
    return CheckResult(name, True, f"p matches the reference on {len(problems)} problems, "
                                   "large logits included")
