"""Checkers for the LSTM exercises (Chapters 8-11).

Each checker calls the reader's function on random inputs, compares with :mod:`lstm_core.lstm`
and returns a :class:`~lstm_core.checks.CheckResult` (✓/✗ and what went wrong). The exercises
use the ``NP`` cell (input, forget and output gate, no peepholes, g = h = tanh — the cell of
``torch.nn.LSTM``) with fused gate rows in the order **i, f, z, o**.

* :func:`check_lstm_step` — one forward step, s_c(t) and y^c(t).
* :func:`check_cell_state_delta` — the cell state's error ∂E/∂s_c(t) (carousel + output path).
* :func:`check_lstm_backward` — full BPTT over a sequence, ∂E/∂W, ∂E/∂R, ∂E/∂b.
"""
from __future__ import annotations

from itertools import permutations

import numpy as np

from . import CheckResult, compare
from ..lstm import LSTMConfig, LSTMParams, LSTMState, lstm_backward, lstm_forward, lstm_step
from ..lstm_truncated import lstm_backward_truncated

_GATES = ("i", "f", "z", "o")


def _call(name, fn, *args):
    """Call the reader's function; turn an exception into a failed CheckResult."""
    try:
        return fn(*args), None
    except Exception as err:  # noqa: BLE001 — any error in the reader's code is a failed check
        return None, CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")


def _np_params(rng, I, H):
    return LSTMParams.init(I, H, LSTMConfig.preset("NP"), rng=rng, scale=0.8)


def _permuted(p: LSTMParams, order) -> LSTMParams:
    """The same cell with its gate rows stored in another order (to recognise a mix-up)."""
    H = p.n_cells
    idx = np.concatenate([np.arange(_GATES.index(g) * H, (_GATES.index(g) + 1) * H) for g in order])
    return LSTMParams(W=p.W[idx], R=p.R[idx], b=p.b[idx], config=p.config)


def check_lstm_step(fn, seed: int = 0) -> CheckResult:
    """Check ``fn(x_t, y_prev, c_prev, W, R, b) -> (y_t, c_t)``, one step of the NP LSTM cell.

    Shapes: x_t (B, I), y_prev and c_prev (B, H), W (4H, I), R (4H, H), b (4H,) with rows
    i, f, z, o; returns y^c(t) and s_c(t), each (B, H). The reference is
    :func:`lstm_core.lstm.lstm_step` with ``LSTMConfig.preset("NP")``.
    """
    name = "check_lstm_step"
    rng = np.random.default_rng(seed)
    B, I, H = 3, 4, 5
    p = _np_params(rng, I, H)
    x = rng.normal(size=(B, I))
    prev = LSTMState(y=rng.uniform(-1, 1, (B, H)), c=rng.normal(size=(B, H)))
    ref, _ = lstm_step(p, x, prev)
    out, err = _call(name, fn, x.copy(), prev.y.copy(), prev.c.copy(), p.W.copy(), p.R.copy(), p.b.copy())
    if err is not None:
        return err
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        return CheckResult(name, False, f"expected a pair (y_t, c_t), got {type(out).__name__}")
    y, c = out
    res_c = compare(name, c, ref.c, rtol=1e-8, what="the cell state s_c(t)")
    if not res_c:
        return CheckResult(name, False, res_c.message + _diagnose_step(p, x, prev, c, "c"))
    res_y = compare(name, y, ref.y, rtol=1e-8, what="the cell output y^c(t)")
    if not res_y:
        return CheckResult(name, False, res_y.message + _diagnose_step(p, x, prev, y, "y"))
    return CheckResult(name, True, "s_c(t) and y^c(t) match the reference "
                                   "(s = z⊙i + s(t−1)⊙f, y = tanh(s)⊙o)")


def _diagnose_step(p, x, prev, got, which) -> str:
    """Recognise the usual mistakes in a forward step; return a hint (or '')."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return ""

    def close(a):
        return a.shape == got.shape and np.allclose(got, a, rtol=1e-8, atol=1e-10)

    for order in permutations(_GATES):
        if order == _GATES:
            continue
        st, _ = lstm_step(_permuted(p, order), x, prev)
        if close(st.c if which == "c" else st.y):
            return (f" — it matches gate rows read in the order {', '.join(order)}; "
                    "lstm_core (and PyTorch) stack them as i, f, z, o")
    H = p.n_cells
    net = x @ p.W.T + prev.y @ p.R.T + p.b
    sig = 1.0 / (1.0 + np.exp(-np.clip(net, -500, 500)))
    i, f, o, z = sig[:, :H], sig[:, H:2 * H], sig[:, 3 * H:], np.tanh(net[:, 2 * H:3 * H])
    c = z * i + prev.c * f
    if which == "c":
        if close(z * i + prev.c):
            return " — the forget gate is missing: s_c(t) = z⊙i + s_c(t−1)⊙f"
        if close(sig[:, 2 * H:3 * H] * i + prev.c * f):
            return " — the cell input z uses σ; it is g = tanh"
        if close(np.tanh(c)):
            return " — s_c(t) is not squashed; h = tanh is applied only for the output"
    else:
        if close(c * o):
            return " — the output needs h: y^c(t) = tanh(s_c(t))⊙o"
        if close(np.tanh(c)):
            return " — the output gate is missing: y^c(t) = tanh(s_c(t))⊙o"
    return ""


def check_cell_state_delta(fn, seed: int = 0) -> CheckResult:
    """Check ``fn(dy, ds_next, o, s, f_next) -> ds``: the cell state's error at step t.

    For the NP cell, with dy = ∂E/∂y^c(t) (B, H) (everything reaching the output), ds_next =
    ∂E/∂s_c(t+1), o = y^out(t), s = s_c(t), f_next = y^φ(t+1) (all (B, H))::

        ∂E/∂s_c(t) = ∂E/∂s_c(t+1) y^φ(t+1) + dy y^out(t) h'(s_c(t)),   h' = 1 − tanh²

    — the constant error carousel plus the path through the cell output. (The book's state
    error is e_s = −∂E/∂s_c.)
    """
    name = "check_cell_state_delta"
    rng = np.random.default_rng(seed)
    B, H = 4, 3
    dy, ds_next, s = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(scale=1.5, size=(B, H))
    o, f_next = rng.uniform(0.05, 0.95, (B, H)), rng.uniform(0.05, 0.95, (B, H))
    hs = np.tanh(s)
    ref = ds_next * f_next + dy * o * (1.0 - hs * hs)
    out, err = _call(name, fn, dy.copy(), ds_next.copy(), o.copy(), s.copy(), f_next.copy())
    if err is not None:
        return err
    res = compare(name, out, ref, rtol=1e-10, what="∂E/∂s_c(t)")
    if res:
        return CheckResult(name, True, "carousel term ∂E/∂s_c(t+1)·y^φ(t+1) and output path "
                                       "dy·y^out·h'(s_c) both right")
    try:
        got = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return res
    hints = [
        (dy * o * (1.0 - hs * hs), "the carousel term ∂E/∂s_c(t+1)·y^φ(t+1) is missing"),
        (ds_next * f_next, "the output path dy·y^out·h'(s_c(t)) is missing"),
        (ds_next + dy * o * (1.0 - hs * hs), "the carried error must be multiplied by y^φ(t+1)"),
        (ds_next * f_next + dy * o * (1.0 - s * s), "h'(s) = 1 − tanh²(s), not 1 − s²"),
        (ds_next * f_next + dy * (1.0 - hs * hs), "the output path is multiplied by y^out(t)"),
        (ds_next * f_next + dy * o * hs, "use h'(s_c), not h(s_c), on the output path"),
    ]
    for cand, hint in hints:
        if got.shape == cand.shape and np.allclose(got, cand, rtol=1e-10, atol=1e-12):
            return CheckResult(name, False, f"∂E/∂s_c(t) is wrong: {hint}")
    return res


def check_lstm_backward(fn, seed: int = 0) -> CheckResult:
    """Check ``fn(x, W, R, b, dy) -> (dW, dR, db)``: full BPTT of the NP LSTM layer.

    x (T, B, I), W (4H, I), R (4H, H), b (4H,) with rows i, f, z, o, zero initial state,
    dy = ∂E/∂y^c(t) (T, B, H). The reference is :func:`lstm_core.lstm.lstm_backward`.
    """
    name = "check_lstm_backward"
    rng = np.random.default_rng(seed)
    T, B, I, H = 4, 2, 3, 2
    p = _np_params(rng, I, H)
    x, dy = rng.normal(size=(T, B, I)), rng.normal(size=(T, B, H))
    _, cache = lstm_forward(p, x)
    ref, _, _ = lstm_backward(p, cache, dy)
    out, err = _call(name, fn, x.copy(), p.W.copy(), p.R.copy(), p.b.copy(), dy.copy())
    if err is not None:
        return err
    if not (isinstance(out, (tuple, list)) and len(out) == 3):
        return CheckResult(name, False, f"expected a triple (dW, dR, db), got {type(out).__name__}")
    for got, exp, what in zip(out, (ref.W, ref.R, ref.b), ("∂E/∂W", "∂E/∂R", "∂E/∂b")):
        res = compare(name, got, exp, rtol=1e-7, what=what)
        if not res:
            hint = ""
            # the classic slip: no error through y(t−1), which is the original truncated gradient
            tr = lstm_backward_truncated(p, cache, dy)
            trunc = {"∂E/∂W": tr.W, "∂E/∂R": tr.R, "∂E/∂b": tr.b}[what]
            try:
                if np.allclose(np.asarray(got, dtype=np.float64), trunc, rtol=1e-7, atol=1e-12):
                    hint = (" — it equals the truncated gradient: add the error that reaches "
                            "y(t−1) through R, ∂E/∂y(t−1) += R^T ∂E/∂net(t)")
            except (TypeError, ValueError):
                pass
            return CheckResult(name, False, res.message + hint)
    return CheckResult(name, True, "∂E/∂W, ∂E/∂R and ∂E/∂b match full BPTT")
