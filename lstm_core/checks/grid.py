"""Checker for the Grid LSTM exercise (Chapter 14).

The reader writes one block of a D-dimensional Grid LSTM: all D hidden vectors are
concatenated into one shared input H, and each dimension d applies its **own** LSTM transform
to H. The checker compares with :func:`lstm_core.grid.grid_block` and recognises the usual
slips: each dimension reading only its own hidden vector, one transform's weights shared by
all dimensions, the output written as tanh(o ⊙ m') (the paper's printed form) instead of
o ⊙ tanh(m'), and the gate order.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import grid
from ..activations import sigmoid
from . import CheckResult, compare

__all__ = ["check_grid_block"]

_SHAPES = [(2, 2, 3), (1, 1, 1), (3, 3, 2)]   # (B, D, N)


def _variant(W, b, h, m, own_only=False, shared=False, tanh_outside=False, swap_fz=False):
    """A grid block with one slip switched on (the reference when all are off)."""
    B, D, N = h.shape
    H = h.reshape(B, D * N)
    h_new, m_new = np.empty_like(h), np.empty_like(m)
    for d in range(D):
        e = 0 if shared else d
        Wd, bd = W[e * 4 * N:(e + 1) * 4 * N], b[e * 4 * N:(e + 1) * 4 * N]
        if own_only:  # only the block of columns that belongs to dimension d
            net = h[:, d] @ Wd[:, d * N:(d + 1) * N].T + bd
        else:
            net = H @ Wd.T + bd
        i, f, z, o = (net[:, k * N:(k + 1) * N] for k in range(4))
        if swap_fz:
            f, z = z, f
        i, f, z, o = sigmoid(i), sigmoid(f), np.tanh(z), sigmoid(o)
        m_new[:, d] = f * m[:, d] + i * z
        h_new[:, d] = np.tanh(o * m_new[:, d]) if tanh_outside else o * np.tanh(m_new[:, d])
    return h_new, m_new


def check_grid_block(fn: Callable, seed: int = 0) -> CheckResult:
    """Check ``fn(W, b, h, m) -> (h_new, m_new)``, one Grid LSTM block (Chapter 14).

    ``W`` (D·4N, D·N) holds the D transforms [W_1; …; W_D], each with gate rows i, f, z, o;
    ``b`` (D·4N,); ``h``, ``m`` (B, D, N) the incoming hidden and memory vectors. For each d:
    net_d = W_d [h_1; …; h_D] + b_d, m'_d = σ(f) ⊙ m_d + σ(i) ⊙ tanh(z), h'_d = σ(o) ⊙ tanh(m'_d).
    """
    name = "check_grid_block"
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    for B, D, N in _SHAPES:
        W = rng.normal(scale=0.8, size=(D * 4 * N, D * N))
        b = rng.uniform(0.3, 1.0, D * 4 * N) * rng.choice([-1, 1], D * 4 * N)
        h, m = rng.normal(size=(B, D, N)), rng.normal(size=(B, D, N))
        try:
            got = fn(W.copy(), b.copy(), h.copy(), m.copy())
        except Exception as err:  # the reader's code may fail in any way; report, don't raise
            return CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")
        if not isinstance(got, (tuple, list)) or len(got) < 2:
            return CheckResult(name, False, f"expected a pair (h_new, m_new), got {type(got).__name__}")
        exp_h, exp_m, _ = grid.grid_block(W, b, h, m)
        mistakes = {
            "each dimension must read the shared input H = [h_1; …; h_D], not only its own h_d":
                dict(own_only=True),
            "each dimension has its own transform: rows d·4N … (d+1)·4N of W belong to dimension d":
                dict(shared=True),
            "the output is h' = o ⊙ tanh(m'), the squasher inside (the paper prints tanh(o ⊙ m'))":
                dict(tanh_outside=True),
            "the gate rows are in the order i, f, z, o (forget gate second, cell input third)":
                dict(swap_fz=True),
        }
        for what, got_k, exp_k, k in (("m_new", got[1], exp_m, 1), ("h_new", got[0], exp_h, 0)):
            result = compare(name, got_k, exp_k, what=what)
            if result.passed:
                continue
            if np.shape(got_k) == exp_k.shape:
                for hint, kw in mistakes.items():
                    wrong = _variant(W, b, h, m, **kw)[k]
                    if not compare(name, wrong, exp_k).passed and compare(name, got_k, wrong).passed:
                        return CheckResult(name, False, f"{what} differs from the reference: {hint} "
                                                        f"(B={B}, D={D}, N={N})")
            return CheckResult(name, False, f"{result.message} (B={B}, D={D}, N={N})")
    return CheckResult(name, True, f"h_new and m_new match the reference on {len(_SHAPES)} random problems")
