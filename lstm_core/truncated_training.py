"""Training with the original truncated LSTM gradient, online and in a network (Chapters 8, 11).

:func:`lstm_core.lstm_truncated.lstm_backward_truncated` computes the truncated gradient of
Hochreiter & Schmidhuber (1997) from the cache of a whole forward pass, which is convenient for
comparing it with full BPTT but keeps every step in memory. This module has the two things the
chapters need beyond that:

* :func:`lstm_truncated_online` — the algorithm as the paper ran it: one forward step at a time
  (:func:`lstm_core.lstm.lstm_step`), the partials dS = ∂s_c(t)/∂w carried forward, and the
  gradient of each step's error added as soon as the step is done. Nothing of the past is kept
  but dS and the current state, so its memory does not grow with the sequence length T
  (Chapter 11 measures this against full BPTT). It returns exactly the gradient of
  ``lstm_backward_truncated`` (the tests assert it).
* :func:`net_loss_and_grads_truncated` — the loss and gradient of a network "LSTM layer → output
  units" (:class:`lstm_core.readout.NetParams`) with the truncated gradient in the layer and the
  exact gradient in the output units, as in the 1997 paper; a drop-in for
  :func:`lstm_core.readout.net_loss_and_grads` in :func:`lstm_core.train.train` (Chapter 8's
  output-gate experiment).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _checks
from . import _validate as V
from . import activations as act
from .losses import squared_error
from .lstm import (LSTMGrads, LSTMParams, LSTMState, _block_sum, _check_params, _to_cells,
                   lstm_step)
from .lstm_truncated import lstm_backward_truncated
from .readout import NetGrads, NetParams, net_forward, readout_backward

__all__ = ["lstm_truncated_online", "net_loss_and_grads_truncated"]


def lstm_truncated_online(params: LSTMParams, x, dy) -> tuple[LSTMGrads, np.ndarray]:
    """The truncated LSTM gradient computed online, step by step, in O(W) memory (Chapter 11).

    At step t the layer runs one :func:`~lstm_core.lstm.lstm_step`, updates the carried partials

        dS^l_{cm}(t) = y^φ(t) dS^l_{cm}(t−1) + (∂s_c(t)/∂net_l(t)) y^m(t−1)

    for the cell input, the input gate and the forget gate (and their peephole weights, source
    s_c(t−1)), and adds this step's contribution to the gradient,
    Σ_c ∂E/∂s_c(t)|_trunc dS^l_{cm}(t), with the truncated state error
    ∂E/∂s_c(t)|_trunc = dy(t) y^out(t) h'(s_c(t)); the output gates get the one-step error.
    These are the equations of :mod:`lstm_core.lstm_truncated`; only the order of the work
    differs: nothing is stored per step.

    Parameters
    ----------
    params : LSTMParams
        Any configuration except full gate recurrence (FGR).
    x : ndarray (T, B, I)
        The input sequence, read one step at a time.
    dy : ndarray (T, B, H), or callable ``(t, y_t) -> ndarray (B, H)``
        ∂E/∂y^c(t), the error arriving at the cell outputs at step t (code index t). A callable
        receives the code time index and the new outputs y^c(t), so the error of a step can be
        computed when the step is done (online learning).

    Returns
    -------
    grads : LSTMGrads
        The truncated ∂E/∂θ, equal to :func:`~lstm_core.lstm_truncated.lstm_backward_truncated`'s.
    y : ndarray (B, H)
        The outputs of the last step.
    """
    cfg, lay = _check_params(params)
    if cfg.gate_recurrence:
        raise ValueError("params: lstm_truncated_online does not handle full gate recurrence (FGR); "
                         "use lstm_core.lstm_truncated.lstm_backward_truncated")
    dtype = params.W.dtype
    x = _checks.float_array("x", x, ndim=3, shape=(None, None, params.n_in), dtype=dtype)
    T, B, I = x.shape
    if T == 0 or B == 0:
        raise ValueError(f"x: expected at least one step and one sequence, got shape {x.shape}")
    H, S, nb = params.n_cells, cfg.block_size, params.n_blocks
    if not callable(dy):
        dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, H), dtype=dtype)
    g_fn, h_fn = act.get(cfg.input_activation), act.get(cfg.output_activation)
    M = I + H + 1                                   # sources: x(t), y(t−1), 1

    dS = {"z": np.zeros((B, H, M), dtype)}
    acc = {"z": np.zeros((H, M), dtype)}
    for name in ("i", "f"):
        if name in cfg.gates:
            dS[name] = np.zeros((B, H, M), dtype)
            acc[name] = np.zeros((H, M), dtype)
            if name in cfg.peephole_gates:
                dS["p" + name] = np.zeros((B, H, S), dtype)
                acc["p" + name] = np.zeros((H, S), dtype)
    acc_o = np.zeros((nb, M), dtype) if "o" in lay else None
    acc_po = np.zeros(H, dtype) if "o" in cfg.peephole_gates else None

    state = LSTMState(y=np.zeros((B, H), dtype), c=np.zeros((B, H), dtype))
    for t in range(T):
        src = np.concatenate([x[t], state.y, np.ones((B, 1), dtype)], axis=1)    # y^m(t−1)
        c_prev = state.c
        state, sc = lstm_step(params, x[t], state)
        i, f, z, o = sc.i, sc.f, sc.z, sc.o
        f_c = 1.0 if f is None else _to_cells(f, S)[:, :, None]
        i_c = 1.0 if i is None else _to_cells(i, S)
        dS["z"] *= f_c
        dS["z"] += (g_fn.deriv_from_output(z) * i_c)[:, :, None] * src[:, None, :]
        block_states = np.repeat(c_prev.reshape(B, nb, S), S, axis=1)            # (B, H, S)
        for name, gate, local in (("i", i, z - c_prev if cfg.coupled_input_forget else z),
                                  ("f", f, c_prev)):
            if name not in dS:
                continue
            slope = local * _to_cells(gate * (1.0 - gate), S)                     # ∂s/∂net_gate
            dS[name] *= f_c
            dS[name] += slope[:, :, None] * src[:, None, :]
            if "p" + name in dS:
                dS["p" + name] *= f_c
                dS["p" + name] += slope[:, :, None] * block_states
        dy_t = dy(t, state.y) if callable(dy) else dy[t]
        dy_t = _checks.float_array("dy(t)", dy_t, ndim=2, shape=(B, H), dtype=dtype)
        e = dy_t * h_fn.deriv_from_output(sc.hc)
        if o is not None:
            e = e * _to_cells(o, S)
        for key in dS:
            acc[key] += np.einsum("bc,bcm->cm", e, dS[key])
        if o is not None:
            d_o = _block_sum(dy_t * sc.hc, S) * o * (1.0 - o)
            acc_o += d_o.T @ src
            if acc_po is not None:
                acc_po += np.sum(_to_cells(d_o, S) * sc.c, axis=0)

    rows = np.zeros((params.W.shape[0], M), dtype)
    rows[lay["z"]] = acc["z"]
    for name in ("i", "f"):
        if name in acc:
            rows[lay[name]] = acc[name].reshape(nb, S, M).sum(axis=1)
    if acc_o is not None:
        rows[lay["o"]] = acc_o
    grads = LSTMGrads(W=rows[:, :I].copy(), R=rows[:, I:I + H].copy(), b=rows[:, I + H].copy())
    if cfg.peepholes:
        grads.P = np.stack([acc_po if n == "o" else acc["p" + n].reshape(nb, S, S).sum(axis=1).reshape(H)
                            for n in cfg.peephole_gates])
    return grads, state.y


def net_loss_and_grads_truncated(params: NetParams, batch) -> tuple[float, NetGrads]:
    """Loss and gradient of "LSTM layer → output units" with the 1997 truncated gradient (Chapter 8).

    Same loss as :func:`lstm_core.readout.net_loss_and_grads`,
    E = (1/B) Σ_b Σ_t Σ_k ½ m_b(t) (t_k − y^k)², and the same exact gradient for the output
    units; the LSTM layer gets :func:`~lstm_core.lstm_truncated.lstm_backward_truncated`
    instead of full BPTT (errors reach the layer's weights only through the carousel and the
    one-step paths of the output gates). Ready for :func:`lstm_core.train.train`.

    Parameters
    ----------
    params : NetParams
        With an :class:`~lstm_core.lstm.LSTMParams` core and no direct input → output links
        (their error would have nowhere to go in the truncated layer; the 1997 embedded Reber
        network has none).
    batch : TaskBatch
        Needs ``x`` (T, B, I), ``t`` (T, B, K) and ``mask`` (T, B, 1).

    Returns
    -------
    E : float
    grads : NetGrads
    """
    if not isinstance(params, NetParams):
        raise TypeError(f"params: expected NetParams, got {type(params).__name__}")
    if not isinstance(params.core, LSTMParams):
        raise TypeError(f"params.core: the truncated gradient needs an LSTM layer (LSTMParams), "
                        f"got {type(params.core).__name__}")
    x, t, mask = _checks.task_batch(batch)
    y, cache = net_forward(params, x)
    if y.shape != t.shape:
        raise ValueError(f"batch.t: expected shape {y.shape} (the network's outputs), got {t.shape}")
    E, dy = squared_error(y * mask, t, mean=True)
    out_grads, dh, _ = readout_backward(params.out, cache.out, dy * mask)
    core_grads = lstm_backward_truncated(params.core, cache.core, dh)
    return E, NetGrads(core=core_grads, out=out_grads)
