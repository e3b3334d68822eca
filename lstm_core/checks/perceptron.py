"""Checkers for the exercises of Chapter 2 (perceptron, delta rule, sigmoid unit).

Each checker calls the reader's function on a few random problems, compares with
:mod:`lstm_core.perceptron` / :mod:`lstm_core.activations`, and returns a
:class:`~lstm_core.checks.CheckResult`. When the answer is wrong it tries the usual mistakes
(returning Δw instead of the new w, a flipped error sign, a mean instead of a sum, σ instead
of σ') and names the one that matches.

==================================  =========================================================
checker                             the reader writes
==================================  =========================================================
:func:`check_perceptron_update`     ``fn(w, b, x, t, alpha) -> (w_new, b_new)``: one step of
                                    Δw = α (t − o) x, Δb = α (t − o), o = sgn(w·x + b)
:func:`check_delta_rule_step`       ``fn(w, b, X, t, alpha) -> (w_new, b_new)``: one batch step
                                    Δw = α Σ_d (t_d − o_d) x_d of a linear unit o = w·x + b
:func:`check_sigmoid_deriv`         ``fn(net) -> σ'(net)``, elementwise
==================================  =========================================================
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import perceptron
from ..activations import sigmoid, sigmoid_deriv
from . import CheckResult
from . import call_reader as _call
from . import diagnose as _diagnose

__all__ = ["check_perceptron_update", "check_delta_rule_step", "check_sigmoid_deriv"]


def _pair(name: str, got, what: str):
    """Unpack a reader's ``(w_new, b_new)``; return (w, b, None) or (None, None, failure)."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None, None, CheckResult(name, False, f"expected a pair (w_new, b_new) from {what}, "
                                                    f"got {type(got).__name__}")
    w, b = got
    if np.size(b) != 1:
        return None, None, CheckResult(name, False, f"b_new should be one number, got shape {np.shape(b)}")
    return w, float(np.asarray(b, dtype=np.float64).reshape(())), None


def _check_new_weights(name, w, b, got, ref_w, ref_b, extra_mistakes=None):
    """Check (w_new, b_new) against the reference, explaining Δ-vs-new and sign mistakes."""
    gw, gb, failed = _pair(name, got, "your function")
    if failed is not None:
        return failed
    dw, db = ref_w - w, ref_b - b
    mistakes = {"you returned Δw; return the updated weights w + Δw": dw,
                "the step goes the wrong way: use +α (t − o) x, the error is e = t − o": w - dw,
                "the weights did not change, but this example needed an update": w}
    mistakes.update(extra_mistakes or {})
    res = _diagnose(name, gw, ref_w, mistakes, "w_new")
    if not res:
        return res
    bias_mistakes = {"you returned Δb; return b + Δb": np.array([db]),
                     "the bias did not change: the bias learns like a weight on a constant "
                     "input 1, Δb = α (t − o)": np.array([b]),
                     "the bias steps the wrong way": np.array([b - db])}
    return _diagnose(name, np.array([gb]), np.array([ref_b]), bias_mistakes, "b_new")


def check_perceptron_update(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one step of the perceptron rule (Chapter 2).

    ``fn(w, b, x, t, alpha)`` with w (n,), b a number, x (n,), t = ±1 and alpha > 0 must
    return ``(w_new, b_new)``::

        o = sgn(w·x + b)   (+1 if w·x + b > 0, else −1)
        w_new = w + α (t − o) x,   b_new = b + α (t − o)

    Cases include correctly classified examples (nothing may change) and misclassified
    ones, with n = 1 and n > 1.
    """
    name = "check_perceptron_update"
    rng = np.random.default_rng(seed)
    cases = 0
    for n in (3, 1, 5, 2):
        for wrong in (True, False):
            w, x = rng.normal(size=n), rng.normal(size=n)
            b = float(rng.normal())
            o = 1.0 if w @ x + b > 0 else -1.0
            t = -o if wrong else o
            alpha = float(rng.uniform(0.05, 0.5))
            got, failed = _call(name, fn, w, b, x, t, alpha)
            if failed is not None:
                return failed
            ref_w, ref_b = perceptron.perceptron_update(w, b, x, t, alpha)
            extra = {} if not wrong else {"the step is half as big as it should be: t − o is ±2 "
                                          "for a misclassified example": w + 0.5 * (ref_w - w)}
            res = _check_new_weights(name, w, b, got, ref_w, float(ref_b), extra)
            if not res:
                kind = "a misclassified" if wrong else "a correctly classified"
                return CheckResult(name, False, f"on {kind} example (n = {n}): {res.message}")
            cases += 1
    return CheckResult(name, True, f"matches the perceptron rule on {cases} random examples, "
                                   "misclassified and correctly classified")


def check_delta_rule_step(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one batch step of the delta rule (Chapter 2).

    ``fn(w, b, X, t, alpha)`` with w (n,), b a number, X (D, n), t (D,) and alpha > 0 must
    return ``(w_new, b_new)`` for the linear unit o_d = w·x_d + b::

        w_new = w + α Σ_d (t_d − o_d) x_d,   b_new = b + α Σ_d (t_d − o_d)
    """
    name = "check_delta_rule_step"
    rng = np.random.default_rng(seed)
    for D, n in ((5, 3), (1, 1), (4, 2)):
        X, t, w = rng.normal(size=(D, n)), rng.normal(size=D), rng.normal(size=n)
        b, alpha = float(rng.normal()), float(rng.uniform(0.01, 0.2))
        got, failed = _call(name, fn, w, b, X, t, alpha)
        if failed is not None:
            return failed
        ref_w, ref_b = perceptron.delta_rule_step(w, b, X, t, alpha)
        o_sgn = np.where(X @ w + b > 0, 1.0, -1.0)
        extra = {"you thresholded the output: the delta rule uses the linear output "
                 "o = w·x + b, not sgn(w·x + b)": w + alpha * ((t - o_sgn) @ X)}
        if D > 1:
            extra["you averaged over the examples; the book's rule sums them, "
                  "Δw = α Σ_d (t_d − o_d) x_d"] = w + (ref_w - w) / D
        res = _check_new_weights(name, w, b, got, ref_w, float(ref_b), extra)
        if not res:
            return CheckResult(name, False, f"with D = {D} examples of n = {n} inputs: {res.message}")
    return CheckResult(name, True, "matches the delta rule on 3 random batches")


def check_sigmoid_deriv(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the derivative of the logistic function, σ'(net) = σ(net)(1 − σ(net)) (Chapter 2).

    ``fn(net)`` gets an array (a (4, 5) batch of values between −8 and 8, exact 0 and ±30
    included) and must return σ'(net) elementwise, same shape.
    """
    name = "check_sigmoid_deriv"
    rng = np.random.default_rng(seed)
    net = rng.uniform(-8.0, 8.0, size=(4, 5))
    net[0, :3] = (0.0, 30.0, -30.0)
    got, failed = _call(name, fn, net)
    if failed is not None:
        return failed
    s = sigmoid(net)
    mistakes = {"you returned σ(net) itself, not its derivative": s,
                "you applied y(1 − y) to net; first compute y = σ(net), then y(1 − y)": net * (1 - net),
                "you returned 1 − σ(net); multiply by σ(net): σ' = σ(1 − σ)": 1 - s,
                "that is tanh'(net) = 1 − tanh², not the logistic's σ(1 − σ)": 1 - np.tanh(net) ** 2}
    res = _diagnose(name, got, sigmoid_deriv(net), mistakes, "σ'(net)", rtol=1e-10)
    if res:
        return CheckResult(name, True, f"{res.message}; max σ' = {float(np.max(got)):.4g} at net = 0")
    return res
