"""Checkers for the exercises of chapters 5 (BPTT) and 6 (RTRL).

Each checker calls the reader's function on a few random problems (including one sequence,
one unit and a non-symmetric W_rec, so that w_kl and w_lk cannot be confused unnoticed),
compares with :mod:`lstm_core.rnn`, and returns a :class:`~lstm_core.checks.CheckResult`.
When the answer is wrong it tries the usual mistakes (transposed weights, a missing f',
a missing term) and names the one that matches.

==========================  ================================================================
checker                     the reader writes
==========================  ================================================================
:func:`check_bptt_delta`    ``fn(W_rec, fprime_t, e_t, delta_next) -> delta_t``, one step of
                            δ_k(t) = f'(net_k(t)) [e_k(t) + Σ_l w_lk δ_l(t+1)]
:func:`check_bptt_deltas`   ``fn(W_rec, fprime, e) -> delta``, the whole backward sweep over
                            (T, B, n) arrays, δ(T+1) = 0
:func:`check_rtrl_step`     ``fn(W_rec, fprime_t, p_prev, z_t) -> p_t``, one step of
                            p^k_ij(t) = f'(net_k(t)) [Σ_l w_kl p^l_ij(t−1) + δ_ik z_j(t)]
==========================  ================================================================
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import rnn
from . import CheckResult
from . import call_reader as _call
from . import diagnose as _diagnose

__all__ = ["check_bptt_delta", "check_bptt_deltas", "check_rtrl_step"]

# (B, n, I) of the random problems; the first has a clearly non-symmetric W_rec.
_SHAPES = [(2, 3, 2), (1, 1, 1), (4, 5, 3)]


def _problem(rng, B, n):
    W_rec = rng.normal(0.0, 1.0, (n, n))
    W_rec += np.triu(rng.normal(0.0, 1.0, (n, n)), 1)      # make w_kl ≠ w_lk
    fprime = rng.uniform(0.05, 0.25, (B, n))
    return W_rec, fprime


def check_bptt_delta(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one step of the BPTT delta recursion (Chapter 5).

    ``fn(W_rec, fprime_t, e_t, delta_next)`` with W_rec (n, n) (``W_rec[l, k]`` = w_lk),
    fprime_t, e_t, delta_next (B, n) must return δ(t) (B, n):

        δ_k(t) = f'(net_k(t)) [ e_k(t) + Σ_l w_lk δ_l(t+1) ]
    """
    name = "check_bptt_delta"
    rng = np.random.default_rng(seed)
    for B, n, _ in _SHAPES:
        W_rec, fprime = _problem(rng, B, n)
        e, delta_next = rng.normal(size=(B, n)), rng.normal(size=(B, n))
        got, failed = _call(name, fn, W_rec, fprime, e, delta_next)
        if failed is not None:
            return failed
        expected = rnn.bptt_delta_step(W_rec, fprime, e, delta_next)
        mistakes = {
            "the sum runs over the wrong index — use Σ_l w_lk δ_l(t+1) (the weights *from* "
            "unit k), i.e. delta_next @ W_rec, not delta_next @ W_rec.T":
                rnn.bptt_delta_step(W_rec.T.copy(), fprime, e, delta_next),
            "the factor f'(net_k(t)) is missing": e + delta_next @ W_rec,
            "f'(net_k(t)) must multiply the whole bracket, the back-propagated part too":
                fprime * e + delta_next @ W_rec,
            "the injected error e_k(t) is missing": fprime * (delta_next @ W_rec),
        }
        result = _diagnose(name, got, expected, mistakes, "δ(t)")
        if not result.passed:
            return CheckResult(name, False, f"{result.message} (B={B}, n={n})")
    return CheckResult(name, True, f"δ(t) matches the reference on {len(_SHAPES)} random problems")


def check_bptt_deltas(fn: Callable, seed: int = 0) -> CheckResult:
    """Check a whole backward sweep of BPTT (Chapter 5).

    ``fn(W_rec, fprime, e)`` with W_rec (n, n), fprime = f'(net) and e (T, B, n) must return
    all deltas (T, B, n), running δ(t) = f'(net(t)) ⊙ [e(t) + δ(t+1) W_rec] from the last
    step back to the first with δ(T+1) = 0.
    """
    name = "check_bptt_deltas"
    rng = np.random.default_rng(seed)
    for T, (B, n, _) in zip((4, 1, 6), _SHAPES):
        W_rec, _ = _problem(rng, B, n)
        fprime = rng.uniform(0.05, 0.25, (T, B, n))
        e = rng.normal(size=(T, B, n))
        got, failed = _call(name, fn, W_rec, fprime, e)
        if failed is not None:
            return failed
        expected = _sweep(W_rec, fprime, e)
        mistakes = {
            "the sum runs over the wrong index — use Σ_l w_lk δ_l(t+1), i.e. "
            "delta_next @ W_rec, not delta_next @ W_rec.T": _sweep(W_rec.T.copy(), fprime, e),
            "the sweep runs forwards in time; BPTT starts at the last step (δ(T+1) = 0) "
            "and goes back": _sweep(W_rec, fprime[::-1], e[::-1])[::-1],
            "the factor f'(net_k(t)) is missing": _sweep(W_rec, np.ones_like(fprime), e),
            "each δ(t) ignores δ(t+1): the recurrent term is missing": fprime * e,
        }
        result = _diagnose(name, got, expected, mistakes, "the delta array")
        if not result.passed:
            return CheckResult(name, False, f"{result.message} (T={T}, B={B}, n={n})")
    return CheckResult(name, True, "all deltas match the reference on 3 random sequences")


def _sweep(W_rec, fprime, e):
    delta = np.zeros_like(e)
    delta_next = np.zeros_like(e[0])
    for t in range(e.shape[0] - 1, -1, -1):
        delta[t] = delta_next = rnn.bptt_delta_step(W_rec, fprime[t], e[t], delta_next)
    return delta


def check_rtrl_step(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one step of the RTRL sensitivity recursion (Chapter 6).

    ``fn(W_rec, fprime_t, p_prev, z_t)`` with W_rec (n, n) (``W_rec[k, l]`` = w_kl),
    fprime_t (B, n), p_prev (B, n, n, M) indexed ``[b, k, i, j]`` and z_t = [y(t−1), x(t), 1]
    (B, M), M = n + I + 1, must return p(t) (B, n, n, M):

        p^k_ij(t) = f'(net_k(t)) [ Σ_l w_kl p^l_ij(t−1) + δ_ik z_j(t) ]
    """
    name = "check_rtrl_step"
    rng = np.random.default_rng(seed)
    for B, n, I in _SHAPES:
        W_rec, fprime = _problem(rng, B, n)
        M = n + I + 1
        p_prev = rng.normal(size=(B, n, n, M))
        z = np.concatenate([rng.normal(size=(B, n + I)), np.ones((B, 1))], axis=1)
        got, failed = _call(name, fn, W_rec, fprime, p_prev, z)
        if failed is not None:
            return failed
        expected = rnn.rtrl_sensitivity_step(W_rec, fprime, p_prev, z)
        kron = rnn.rtrl_sensitivity_step(W_rec, np.ones_like(fprime), np.zeros_like(p_prev), z)
        carried = np.einsum("kl,blij->bkij", W_rec, p_prev)
        mistakes = {
            "the sum runs over the wrong index — use Σ_l w_kl p^l_ij(t−1) (the weights *into* "
            "unit k), i.e. W_rec[k, l], not W_rec[l, k]":
                rnn.rtrl_sensitivity_step(W_rec.T.copy(), fprime, p_prev, z),
            "the factor f'(net_k(t)) is missing": carried + kron,
            "f'(net_k(t)) must multiply the whole bracket, the δ_ik z_j(t) term too":
                fprime[:, :, None, None] * carried + kron,
            "the direct term δ_ik z_j(t) is missing": fprime[:, :, None, None] * carried,
            "the carried term Σ_l w_kl p^l_ij(t−1) is missing": fprime[:, :, None, None] * kron,
        }
        result = _diagnose(name, got, expected, mistakes, "p(t)")
        if not result.passed:
            return CheckResult(name, False, f"{result.message} (B={B}, n={n}, I={I})")
    return CheckResult(name, True, f"p(t) matches the reference on {len(_SHAPES)} random problems")
