"""Checkers for the GRU exercises (chapter 15).

Each checker calls the reader's function on a few random problems (one with a single unit,
non-zero biases, inputs and states of different sizes), compares with :mod:`lstm_core.gru`
and returns a :class:`~lstm_core.checks.CheckResult`. When the answer is wrong it tries the
usual mistakes — the update gate's convention flipped, the reset gate applied after the
recurrent product (PyTorch's variant) or not at all, r and u swapped in the fused matrices,
a missing path in the backward pass — and names the one that matches.

===============================  ==============================================================
checker                          the reader writes
===============================  ==============================================================
:func:`check_gru_step`           ``fn(params, x_t, h_prev) -> h_t``: one GRU step,
                                 r = σ(W_r x + U_r h + b_r), u = σ(W_u x + U_u h + b_u),
                                 h̃ = tanh(W_c x + U_c (r ⊙ h) + b_c), h_t = u ⊙ h + (1 − u) ⊙ h̃
:func:`check_gru_step_backward`  ``fn(params, x_t, h_prev, dh) -> (dW, dU, db, dx_t, dh_prev)``:
                                 the gradients of one step for dh = ∂E/∂h_t
===============================  ==============================================================

``params`` is a :class:`~lstm_core.gru.GRUParams`: ``W`` (3H, I), ``U`` (3H, H), ``b`` (3H,),
rows in the order r, u, c.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import gru
from ..activations import sigmoid
from . import CheckResult, compare
from . import call_reader as _call
from . import diagnose as _diagnose

__all__ = ["check_gru_step", "check_gru_step_backward"]

# (B, I, H) of the random problems
_SHAPES = [(2, 3, 4), (1, 1, 1), (3, 2, 5)]


def _problems(seed: int):
    """Random GRU problems with non-zero biases and unsaturated gates."""
    rng = np.random.default_rng(seed)
    for B, I, H in _SHAPES:
        p = gru.GRUParams.init(I, H, rng)
        p.W *= 2.0
        p.U *= 2.0
        p.b[:] = rng.uniform(0.3, 1.0, 3 * H) * rng.choice([-1, 1], 3 * H)
        yield (B, I, H), p, rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))


def _variant_step(p, x, h, swap_convention=False, reset_after=False, no_reset=False, swap_ru=False,
                  sigmoid_candidate=False):
    """A GRU step with one of the usual mistakes switched on (the reference when all are off)."""
    H = h.shape[1]
    a = x @ p.W.T + p.b
    r = sigmoid(a[:, :H] + h @ p.U[:H].T)
    u = sigmoid(a[:, H:2 * H] + h @ p.U[H:2 * H].T)
    if swap_ru:
        r, u = u, r
    if no_reset:
        rec = h @ p.U[2 * H:].T
    elif reset_after:
        rec = r * (h @ p.U[2 * H:].T)
    else:
        rec = (r * h) @ p.U[2 * H:].T
    c = (sigmoid if sigmoid_candidate else np.tanh)(a[:, 2 * H:] + rec)
    return (1 - u) * h + u * c if swap_convention else u * h + (1 - u) * c


def check_gru_step(fn: Callable, seed: int = 0) -> CheckResult:
    """Check one GRU step (Chapter 15).

    ``fn(params, x_t, h_prev)`` with params a :class:`~lstm_core.gru.GRUParams`, x_t (B, I) and
    h_prev (B, H) must return h_t (B, H) (a tuple whose first entry is h_t, like
    :func:`~lstm_core.gru.gru_step`'s, is accepted too):

        r = σ(W_r x + U_r h + b_r),   u = σ(W_u x + U_u h + b_u),
        h̃ = tanh(W_c x + U_c (r ⊙ h) + b_c),   h_t = u ⊙ h + (1 − u) ⊙ h̃.
    """
    name = "check_gru_step"
    for (B, I, H), p, x, h, _ in _problems(seed):
        got, failed = _call(name, fn, p, x, h)
        if failed is not None:
            return failed
        if isinstance(got, tuple):
            got = got[0]
        expected, _ = gru.gru_step(p, x, h)
        mistakes = {
            "the update gate's convention is flipped — here u keeps the old state: "
            "h_t = u ⊙ h_prev + (1 − u) ⊙ h̃ (Cho et al., PyTorch)":
                _variant_step(p, x, h, swap_convention=True),
            "the reset gate must act before the recurrent product, U_c (r ⊙ h_prev); "
            "r ⊙ (U_c h_prev) is PyTorch's variant, a different function":
                _variant_step(p, x, h, reset_after=True),
            "the reset gate is missing from the candidate: use U_c (r ⊙ h_prev)": _variant_step(p, x, h, no_reset=True),
            "r and u are swapped: the fused rows are in the order r, u, c "
            "(W[:H] and U[:H] belong to the reset gate)": _variant_step(p, x, h, swap_ru=True),
            "the candidate h̃ uses tanh, not the logistic σ": _variant_step(p, x, h, sigmoid_candidate=True),
        }
        result = _diagnose(name, got, expected, mistakes, "h_t")
        if not result.passed:
            return CheckResult(name, False, f"{result.message} (B={B}, I={I}, H={H})")
    return CheckResult(name, True, f"h_t matches the reference on {len(_SHAPES)} random problems")


def _variant_backward(p, x, h, dh, no_direct=False, no_reset_path=False, du_sign=1.0, no_tanh_deriv=False):
    """Gradients of one GRU step with one of the usual mistakes (equal to
    :func:`~lstm_core.gru.gru_step_backward` when all are off)."""
    H = h.shape[1]
    _, cache = gru.gru_step(p, x, h)
    r, u, c = cache.r, cache.u, cache.c
    dnet_c = dh * (1 - u) * (1.0 if no_tanh_deriv else (1 - c * c))
    dnet_u = du_sign * dh * (h - c) * u * (1 - u)
    d_rh = dnet_c @ p.U[2 * H:]
    dnet_r = d_rh * h * r * (1 - r)
    dnet = np.concatenate([dnet_r, dnet_u, dnet_c], axis=1)
    dU = np.concatenate([np.concatenate([dnet_r, dnet_u], axis=1).T @ h, dnet_c.T @ (r * h)])
    dh_prev = (0.0 if no_direct else dh * u) + (0.0 if no_reset_path else d_rh * r) \
        + np.concatenate([dnet_r, dnet_u], axis=1) @ p.U[:2 * H]
    return {"dW": dnet.T @ x, "dU": dU, "db": dnet.sum(axis=0), "dx_t": dnet @ p.W, "dh_prev": dh_prev}


def check_gru_step_backward(fn: Callable, seed: int = 0) -> CheckResult:
    """Check the backward pass of one GRU step (Chapter 15).

    ``fn(params, x_t, h_prev, dh)`` with dh = ∂E/∂h_t (B, H) must return the five arrays
    ``(dW, dU, db, dx_t, dh_prev)``: ∂E/∂W (3H, I), ∂E/∂U (3H, H), ∂E/∂b (3H,), ∂E/∂x_t (B, I)
    and ∂E/∂h_prev (B, H) (:func:`~lstm_core.gru.gru_step_backward`'s ``(grads, dx_t, dh_prev)``
    is accepted too).
    """
    name = "check_gru_step_backward"
    names = ("dW", "dU", "db", "dx_t", "dh_prev")
    for (B, I, H), p, x, h, dh in _problems(seed):
        got, failed = _call(name, fn, p, x, h, dh)
        if failed is not None:
            return failed
        if isinstance(got, tuple) and len(got) == 3 and all(hasattr(got[0], k) for k in "WUb"):
            got = (got[0].W, got[0].U, got[0].b, got[1], got[2])
        if not isinstance(got, (tuple, list)) or len(got) != 5:
            return CheckResult(name, False, "expected a tuple (dW, dU, db, dx_t, dh_prev) of five arrays, "
                                            f"got {type(got).__name__}"
                                            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
        grads, dx_t, dh_prev = gru.gru_step_backward(p, gru.gru_step(p, x, h)[1], dh)
        expected = {"dW": grads.W, "dU": grads.U, "db": grads.b, "dx_t": dx_t, "dh_prev": dh_prev}
        variants = {
            "the direct path is missing: h_t = u ⊙ h_prev + … gives ∂E/∂h_prev a term dh ⊙ u":
                _variant_backward(p, x, h, dh, no_direct=True),
            "the path through the reset gate's product is missing: U_c (r ⊙ h_prev) gives "
            "∂E/∂h_prev a term (∂E/∂net_c U_c) ⊙ r": _variant_backward(p, x, h, dh, no_reset_path=True),
            "∂E/∂u has the wrong sign: ∂h_t/∂u = h_prev − h̃ (u keeps the old state)":
                _variant_backward(p, x, h, dh, du_sign=-1.0),
            "the derivative of tanh, 1 − h̃², is missing in ∂E/∂net_c":
                _variant_backward(p, x, h, dh, no_tanh_deriv=True),
        }
        for k, key in enumerate(names):
            mistakes = {hint: v[key] for hint, v in variants.items()
                        if not compare(name, v[key], expected[key]).passed}
            result = _diagnose(name, got[k], expected[key], mistakes, key)
            if not result.passed:
                return CheckResult(name, False, f"{result.message} (B={B}, I={I}, H={H})")
    return CheckResult(name, True, f"all five gradients match the reference on {len(_SHAPES)} random problems")
