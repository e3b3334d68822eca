"""Checkers for the exercises of Chapters 11 and 12 (LSTM passes, cost and limitations).

* :func:`check_ds_update` — one step of the original truncated gradient's forward-carried
  partials ∂s_c(t)/∂w_cm for the cell-input weights (Chapter 11); the checker also runs the
  reader's step over a whole sequence and compares the accumulated gradient with
  :func:`lstm_core.lstm_truncated.lstm_backward_truncated`.
* :func:`check_weight_count` — the number of weights of a recurrent layer with output units
  (Chapter 12), compared with :attr:`lstm_core.readout.NetParams.n_weights`.
"""
from __future__ import annotations

import numpy as np

from . import CheckResult, call_reader, diagnose
from ..lstm import LSTMParams, lstm_forward
from ..lstm_truncated import lstm_backward_truncated
from ..readout import NetParams

__all__ = ["check_ds_update", "ds_update_reference", "check_weight_count"]


def ds_update_reference(dS_prev, y_phi, g_prime, y_in, src):
    """∂s_c(t)/∂w_cm = y^φ(t) ∂s_c(t−1)/∂w_cm + g'(net_c(t)) y^in(t) y^m(t−1) (Chapter 11).

    Shapes: ``dS_prev`` (B, H, M); ``y_phi``, ``g_prime``, ``y_in`` (B, H); ``src`` (B, M).
    Returns (B, H, M).
    """
    return dS_prev * y_phi[:, :, None] + (g_prime * y_in)[:, :, None] * src[:, None, :]


def check_ds_update(fn, seed: int = 0) -> CheckResult:
    """Check ``fn(dS_prev, y_phi, g_prime, y_in, src) -> dS``, one step of the truncated
    gradient's partials for the cell-input weights (Chapter 11, the book's dS).

    First one step on random arrays (with hints for the usual slips), then the whole
    truncated gradient of a small ``NP`` layer (g = h = tanh, one cell per block) accumulated
    with the reader's step, ∂E/∂w_cm ≈ Σ_t ∂E/∂s_c(t)|_trunc · dS_cm(t), against
    :func:`~lstm_core.lstm_truncated.lstm_backward_truncated`.
    """
    name = "check_ds_update"
    rng = np.random.default_rng(seed)
    B, H, M = 3, 2, 4
    args = (rng.normal(size=(B, H, M)), rng.uniform(0.1, 0.9, (B, H)), rng.uniform(0.1, 1.0, (B, H)),
            rng.uniform(0.1, 0.9, (B, H)), rng.normal(size=(B, M)))
    dS_prev, y_phi, gp, y_in, src = args
    ref = ds_update_reference(*args)
    out, err = call_reader(name, fn, *args)
    if err is not None:
        return err
    local = (gp * y_in)[:, :, None] * src[:, None, :]
    mistakes = {
        "the carried partial must be multiplied by the forget gate y^φ(t)": dS_prev + local,
        "the old partial ∂s_c(t−1)/∂w is missing (dS is carried forward, not recomputed)": local,
        "the local term needs the input gate: g'(net_c) · y^in · y^m": dS_prev * y_phi[:, :, None]
        + gp[:, :, None] * src[:, None, :],
        "the local term needs g'(net_c), the slope of the cell input": dS_prev * y_phi[:, :, None]
        + y_in[:, :, None] * src[:, None, :],
        "the local term is missing": dS_prev * y_phi[:, :, None],
    }
    res = diagnose(name, out, ref, mistakes, what="∂s_c(t)/∂w_cm", rtol=1e-10)
    if not res:
        return res
    # the whole truncated gradient with the reader's step
    I, H, T, B = 2, 3, 6, 2
    p = LSTMParams.init(I, H, "NP", rng=rng, scale=0.9)
    x, dy = rng.normal(size=(T, B, I)), rng.normal(size=(T, B, H))
    _, cache = lstm_forward(p, x)
    lay = p.config.layout(H)
    dS = np.zeros((B, H, I + H + 1))
    acc = np.zeros((H, I + H + 1))
    for t in range(T):
        a = cache.act[t]
        i, f, z, o = (a[:, lay[n]] for n in ("i", "f", "z", "o"))
        src_t = np.concatenate([x[t], cache.y[t], np.ones((B, 1))], axis=1)
        dS, err = call_reader(name, fn, dS, f, 1.0 - z * z, i, src_t)
        if err is not None:
            return err
        try:
            dS = np.asarray(dS, dtype=np.float64).reshape(B, H, I + H + 1)
        except (TypeError, ValueError):
            return CheckResult(name, False, f"step {t}: expected an array of shape {(B, H, I + H + 1)}")
        ds = dy[t] * o * (1.0 - np.tanh(cache.c[t + 1]) ** 2)         # ∂E/∂s_c(t), truncated
        acc += np.einsum("bc,bcm->cm", ds, dS)
    tr = lstm_backward_truncated(p, cache, dy)
    expected = np.concatenate([tr.W[lay["z"]], tr.R[lay["z"]], tr.b[lay["z"]][:, None]], axis=1)
    seq = diagnose(name, acc, expected, {}, what="accumulated truncated gradient of the cell input",
                   rtol=1e-9)
    if not seq:
        return seq
    return CheckResult(name, True, "one step right, and over a sequence it reproduces "
                                   "lstm_backward_truncated's ∂E/∂W, ∂E/∂R, ∂E/∂b of the cell input")


def check_weight_count(fn, core: str = "vanilla") -> CheckResult:
    """Check ``fn(n_in, n_hidden, n_out) -> int``: the number of weights (biases included) of a
    recurrent layer ``core`` (an LSTM preset with one cell per block, or ``"rnn"``) read by
    ``n_out`` output units, as :class:`lstm_core.readout.NetParams` builds it (Chapter 12).
    """
    name = f"check_weight_count({core!r})"
    cases = [(1, 1, 1), (2, 8, 1), (5, 3, 4), (10, 100, 2)]
    got, ref = [], []
    for I, H, K in cases:
        ref.append(NetParams.init(I, H, K, rng=0, core=core).n_weights)
        out, err = call_reader(name, fn, I, H, K)
        if err is not None:
            return err
        try:
            n = int(out)
            if n != out:
                raise ValueError
        except (TypeError, ValueError):
            return CheckResult(name, False, f"expected a whole number, got {out!r}")
        got.append(n)
    wrong = [k for k in range(len(cases)) if got[k] != ref[k]]
    if not wrong:
        return CheckResult(name, True, f"right for {len(cases)} sizes")
    # a known slip explains the count if it is off by the same missing term for every size
    rnn = core == "rnn"
    slips = [("the output units' weights (K·(H + 1), bias included) are missing", lambda I, H, K: K * (H + 1)),
             ("each unit has a bias too" if rnn else "each of the net inputs (i, f, z, o) has a bias too",
              lambda I, H, K: (1 if rnn else len(NetParams.init(1, 1, 1, rng=0, core=core).core.b)) * H),
             ("the recurrent weights from y(t−1) are missing",
              lambda I, H, K: (1 if rnn else len(NetParams.init(1, 1, 1, rng=0, core=core).core.b)) * H * H)]
    if not rnn:
        slips.append(("the gates have one peephole weight per cell each", lambda I, H, K:
                      NetParams.init(1, H, 1, rng=0, core=core).core.P.size
                      if NetParams.init(1, 1, 1, rng=0, core=core).core.P is not None else -1))
    hint = next((text for text, term in slips
                 if all(ref[k] - got[k] == term(*cases[k]) for k in range(len(cases)))), "")
    I, H, K = cases[wrong[0]]
    return CheckResult(name, False, f"for I={I}, H={H}, K={K} you count {got[wrong[0]]}, expected "
                                    f"{ref[wrong[0]]}" + (f": {hint}" if hint else ""))
