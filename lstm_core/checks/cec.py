"""Checkers for the exercises of chapters 8 (constant error carousel), 9 (forget gates) and
10 (peephole connections).

Each checker calls the reader's function on a few random problems (including one sequence and
one cell), compares with the memory-cell equations of :mod:`lstm_core.lstm`, and returns a
:class:`~lstm_core.checks.CheckResult`. When the answer is wrong it tries the usual mistakes
(a missing gate, the state shifted by one step, the forget gate applied to the new input,
the output gate peeking at the old state) and names the one that matches.

================================  ==========================================================
checker                           the reader writes
================================  ==========================================================
:func:`check_cec_states`          ``fn(y_in, g, s0) -> s``: the 1997 carousel over a sequence,
                                  s_c(t) = s_c(t−1) + y^in(t) g(net_c(t))   (Chapter 8)
:func:`check_forget_states`       ``fn(y_phi, y_in, g, s0) -> s``: with a forget gate,
                                  s_c(t) = y^φ(t) s_c(t−1) + y^in(t) g(net_c(t))   (Chapter 9)
:func:`check_peephole_step`       ``fn(a_in, a_phi, a_c, a_out, p_in, p_phi, p_out, s_prev)
                                  -> (s, y)``: one step of a cell with peepholes   (Chapter 10)
================================  ==========================================================
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import activations as act
from . import CheckResult, compare

__all__ = ["check_cec_states", "check_forget_states", "check_peephole_step",
           "cec_states_reference", "forget_states_reference", "peephole_step_reference"]

# (T, B, H) of the random sequence problems
_SHAPES = [(6, 2, 3), (1, 1, 1), (9, 3, 2)]


def _call(name: str, fn: Callable, *args):
    """Run the reader's function on copies; return (result, None) or (None, failed CheckResult)."""
    if not callable(fn):
        return None, CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    try:
        return fn(*(a.copy() for a in args)), None
    except Exception as err:  # the reader's code may fail in any way; report, don't raise
        return None, CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")


def _diagnose(name: str, got, expected, mistakes: dict[str, np.ndarray], what: str) -> CheckResult:
    """Compare with the reference; on a mismatch, say which known mistake it matches."""
    result = compare(name, got, expected, what=what)
    if result.passed or np.shape(got) != np.shape(expected):
        return result
    for hint, wrong in mistakes.items():
        if np.shape(wrong) == np.shape(got) and compare(name, got, wrong).passed:
            return CheckResult(name, False, f"{what} differs from the reference: {hint}")
    return result


# ---------------------------------------------------------------- references


def forget_states_reference(y_phi, y_in, g, s0) -> np.ndarray:
    """s_c(t) = y^φ(t) s_c(t−1) + y^in(t) g(net_c(t)) for t = 1 … T (Chapter 9).

    ``y_phi``, ``y_in``, ``g`` (T, B, H); ``s0`` (B, H) the state s_c(0). Returns (T, B, H),
    entry ``[t]`` the book's s_c(t + 1).
    """
    s = np.empty_like(g)
    prev = s0
    for t in range(g.shape[0]):
        s[t] = prev = y_phi[t] * prev + y_in[t] * g[t]
    return s


def cec_states_reference(y_in, g, s0) -> np.ndarray:
    """The 1997 carousel s_c(t) = s_c(t−1) + y^in(t) g(net_c(t)) (Chapter 8): y^φ ≡ 1."""
    return forget_states_reference(np.ones_like(g), y_in, g, s0)


def peephole_step_reference(a_in, a_phi, a_c, a_out, p_in, p_phi, p_out, s_prev):
    """One step of a memory cell with peepholes (Chapter 10), one cell per block.

    ``a_in``, ``a_phi``, ``a_c``, ``a_out`` (B, H) are the net inputs without the peephole terms
    (the sums over y^m(t−1) plus the bias); ``p_in``, ``p_phi``, ``p_out`` (H,) the peephole
    weights (the book's w_in,c, w_φ,c, w_out,c); ``s_prev`` (B, H) is s_c(t−1)::

        y^in  = σ(a_in  + w_in,c s_c(t−1))       y^φ = σ(a_φ + w_φ,c s_c(t−1))
        s_c(t) = y^φ s_c(t−1) + y^in g(a_c)       g = 4σ − 2
        y^out = σ(a_out + w_out,c s_c(t))         (the new state)
        y^c   = y^out h(s_c(t))                   h = 2σ − 1

    Returns ``(s, y)``, each (B, H).
    """
    i = act.sigmoid(a_in + p_in * s_prev)
    f = act.sigmoid(a_phi + p_phi * s_prev)
    s = f * s_prev + i * act.g1997(a_c)
    o = act.sigmoid(a_out + p_out * s)
    return s, o * act.h1997(s)


# ---------------------------------------------------------------- checkers


def _gate_problem(rng, T, B, H):
    return (rng.uniform(0.05, 0.95, (T, B, H)), rng.uniform(0.05, 0.95, (T, B, H)),
            rng.uniform(-2.0, 2.0, (T, B, H)), rng.normal(0.0, 1.0, (B, H)))


def check_cec_states(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the 1997 carousel over a sequence (Chapter 8).

    ``fn(y_in, g, s0)`` with y_in, g (T, B, H) (g = g(net_c(t))) and s0 (B, H) must return
    s (T, B, H) with ``s[t]`` the book's s_c(t + 1) = s_c(t) + y^in(t + 1) g(net_c(t + 1)).
    """
    name = "check_cec_states"
    rng = np.random.default_rng(seed)
    for T, B, H in _SHAPES:
        _, y_in, g, s0 = _gate_problem(rng, T, B, H)
        got, failed = _call(name, fn, y_in, g, s0)
        if failed is not None:
            return failed
        expected = cec_states_reference(y_in, g, s0)
        no_gate = cec_states_reference(np.ones_like(g), g, s0)
        mistakes = {
            "it looks like the input gate is missing (s_c(t) = s_c(t−1) + g, without y^in)": no_gate,
            "it looks like the initial state s_c(0) was left out": cec_states_reference(y_in, g, 0 * s0),
            "it looks like s[t] holds the state before step t (shifted by one: s[0] should be "
            "s_c(1), not s_c(0))": np.concatenate([s0[None], expected[:-1]]),
            "it looks like the state is not accumulated (s_c(t) = y^in g without s_c(t−1))": y_in * g,
        }
        result = _diagnose(name, got, expected, mistakes, "the states s")
        if not result.passed:
            return result
    return CheckResult(name, True, "s_c(t) = s_c(t−1) + y^in(t) g(net_c(t)) on every test sequence")


def check_forget_states(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the cell state with a forget gate over a sequence (Chapter 9).

    ``fn(y_phi, y_in, g, s0)`` with y_phi, y_in, g (T, B, H) and s0 (B, H) must return
    s (T, B, H), ``s[t]`` = the book's s_c(t + 1) = y^φ s_c(t) + y^in g(net_c) at time t + 1.
    """
    name = "check_forget_states"
    rng = np.random.default_rng(seed)
    for T, B, H in _SHAPES:
        y_phi, y_in, g, s0 = _gate_problem(rng, T, B, H)
        got, failed = _call(name, fn, y_phi, y_in, g, s0)
        if failed is not None:
            return failed
        expected = forget_states_reference(y_phi, y_in, g, s0)
        wrong_order = np.empty_like(g)
        prev = s0
        for t in range(T):
            wrong_order[t] = prev = y_phi[t] * (prev + y_in[t] * g[t])
        mistakes = {
            "it looks like the forget gate is ignored (that is the 1997 cell, y^φ ≡ 1)":
                cec_states_reference(y_in, g, s0),
            "it looks like y^φ also scales the new input: use s_c(t) = y^φ s_c(t−1) + y^in g, "
            "not y^φ (s_c(t−1) + y^in g)": wrong_order,
            "it looks like y^φ and y^in were swapped": forget_states_reference(y_in, y_phi, g, s0),
            "it looks like the initial state s_c(0) was left out":
                forget_states_reference(y_phi, y_in, g, 0 * s0),
            "it looks like the input gate is missing": forget_states_reference(y_phi, np.ones_like(g), g, s0),
        }
        result = _diagnose(name, got, expected, mistakes, "the states s")
        if not result.passed:
            return result
    return CheckResult(name, True, "s_c(t) = y^φ(t) s_c(t−1) + y^in(t) g(net_c(t)) on every test sequence")


def check_peephole_step(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one step of a memory cell with peephole connections (Chapter 10).

    ``fn(a_in, a_phi, a_c, a_out, p_in, p_phi, p_out, s_prev)`` (see
    :func:`peephole_step_reference` for shapes and equations) must return ``(s, y)``: the new
    state s_c(t) and the cell output y^c(t), both (B, H). Squashers: σ for the gates,
    g = 4σ − 2 and h = 2σ − 1 (:mod:`lstm_core.activations`).
    """
    name = "check_peephole_step"
    rng = np.random.default_rng(seed)
    for _, B, H in _SHAPES:
        a_in, a_phi, a_c, a_out = (rng.normal(0.0, 1.5, (B, H)) for _ in range(4))
        p_in, p_phi, p_out = (rng.normal(0.0, 1.5, H) for _ in range(3))
        s_prev = rng.normal(0.0, 1.5, (B, H))
        args = (a_in, a_phi, a_c, a_out, p_in, p_phi, p_out, s_prev)
        got, failed = _call(name, fn, *args)
        if failed is not None:
            return failed
        if not (isinstance(got, tuple) and len(got) == 2):
            return CheckResult(name, False, f"expected a pair (s, y), got {type(got).__name__}")
        s_ref, y_ref = peephole_step_reference(*args)
        # the classic slip: the output gate looks at s_c(t−1) instead of s_c(t)
        y_old = act.sigmoid(a_out + p_out * s_prev) * act.h1997(s_ref)
        _, y_nopeep = peephole_step_reference(a_in, a_phi, a_c, a_out, 0 * p_in, 0 * p_phi, 0 * p_out, s_prev)
        s_new_peep = (act.sigmoid(a_phi + p_phi * s_ref) * s_prev
                      + act.sigmoid(a_in + p_in * s_ref) * act.g1997(a_c))
        s_nopeep, _ = peephole_step_reference(a_in, a_phi, a_c, a_out, 0 * p_in, 0 * p_phi, p_out, s_prev)
        result = _diagnose(name, got[0], s_ref, {
            "the input and forget gates should see s_c(t−1) through their peepholes; "
            "it looks like their peephole terms are missing": s_nopeep,
            "it looks like the input and forget gates use a new state instead of s_c(t−1)": s_new_peep,
        }, "the state s")
        if not result.passed:
            return result
        result = _diagnose(name, got[1], y_ref, {
            "the output gate must see the NEW state s_c(t) (it opens after the update); "
            "it looks like it used s_c(t−1)": y_old,
            "it looks like the peephole terms are missing": y_nopeep,
            "it looks like the output gate is missing (y^c = h(s_c))": act.h1997(s_ref),
        }, "the output y")
        if not result.passed:
            return result
    return CheckResult(name, True, "state and output match, with y^in, y^φ seeing s_c(t−1) "
                                   "and y^out seeing s_c(t)")
