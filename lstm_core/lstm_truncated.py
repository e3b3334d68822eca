"""The original, truncated LSTM gradient (Chapter 11; Hochreiter & Schmidhuber 1997,
Gers et al. 2000, Gers et al. 2002).

Full BPTT (:func:`lstm_core.lstm.lstm_backward`) follows every path from the error back to
every weight. The LSTM papers before 2005 trained with an approximation that is cheaper and
*local in time*: errors are truncated as soon as they leave a memory cell or a gate, so the only
way an error travels back through time is the constant error carousel, the cell's own state.

What is kept
    * The **cell state error** at step t is the one-step error arriving from the layer above
      through the cell output only (``dy`` is ∂E/∂y^c(t) from the output units, Σ_k w_kc δ_k):

          ∂E/∂s_c(t)|_trunc = dy(t) y^out(t) h'(s_c(t))

    * Inside the cell, the partial derivatives of the state with respect to the weights of the
      cell input, the input gate and the forget gate (and their peephole weights) are carried
      **forward in time**, RTRL-style, through the carousel only (Gers et al. 2000, appendix;
      Gers et al. 2002 for the peepholes; the 1997 paper is the case y^φ = 1):

          dS^c_{cm}(t)   = dS^c_{cm}(t−1) y^φ(t) + g'(net_c(t)) y^in(t) y^m(t−1)
          dS^in_{cm}(t)  = dS^in_{cm}(t−1) y^φ(t) + g(net_c(t)) f'_in(net_in(t)) y^m(t−1)
          dS^φ_{cm}(t)   = dS^φ_{cm}(t−1) y^φ(t) + s_c(t−1) f'_φ(net_φ(t)) y^m(t−1)

      where, in the book's notation (Chapter 11, as in the 1997 paper), y^m(t−1) runs over the
      sources of the net inputs at step t: the inputs x(t), the
      layer's previous outputs y(t−1), the bias 1, for peephole weights the cells' states
      s_c(t−1) of the block, and for FGR the previous gate activations. Then

          ∂E/∂w_{lm} ≈ Σ_t Σ_{c in l's block} ∂E/∂s_c(t)|_trunc · dS^l_{cm}(t).

      (CIFG, y^φ = 1 − y^in: the input gate's local term is (g(net_c) − s_c(t−1)) f'_in y^m.)
    * **Output gates** get the one-step error: ∂E/∂net_out(t) = f'_out Σ_v dy h(s_c), and
      ∂E/∂w_out,m = Σ_t ∂E/∂net_out(t) y^m(t−1) (the output peephole source is s_c(t)).

What is dropped (exactly the terms full BPTT has and this does not)
    1. Every error that reaches y(t−1) through the recurrent weights R (and FGR's Q) — i.e. from
       the gates and cell inputs of step t back into the previous step's cell outputs. This is
       also why there is no ∂E/∂x or ∂E/∂state0: errors never leave the layer.
    2. The peephole paths from s_c(t−1) into net_in(t), net_φ(t), and from s_c(t) into
       net_out(t): in dS the state's dependence on s_c(t−1) is y^φ(t) alone, and the output
       gate's error does not flow into the state.
    3. The dependence of the sources y^m(t−1) (= y(t−1), gates(t−1), s_c(t−1) of the peepholes)
       on the weights.

    Hence the truncated gradient **equals** full BPTT when R = 0, P = 0 and Q = 0 (no recurrent
    input to gates and cell input; the tests assert this for every preset), and differs
    otherwise. Memory is O(W) (the dS arrays), independent of the sequence length, and so is the
    cost per step — the LSTM's "O(W) per step" of Chapter 11. Per block of S cells with M sources
    there are up to (S + 3)·M weights (S cell inputs, three gates) and up to 3·S·M partials (each cell's own
    cell-input weights, and the input and forget gates' weights for every cell of the block), at
    most 3W whatever S: the partials of a shared gate are kept per cell, which costs a factor
    3S/(S + 3) < 3, not a factor of the block size.
    (:func:`lstm_core.truncated_training.lstm_truncated_online` runs the same algorithm step by
    step without a cache.)

Both functions here compute the same truncated gradient: :func:`lstm_backward_truncated` the
original way (dS carried forward), and :func:`lstm_backward_carousel` backward in time along
the carousel only, which is cheaper to run and serves as the independent check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _validate as V
from . import activations as act
from .lstm import (LSTMCache, LSTMGrads, LSTMParams, _block_sum, _check_params, _gate_rows,
                   _to_cells)

__all__ = ["lstm_backward_truncated", "lstm_backward_carousel", "TruncatedTrace"]


@dataclass
class TruncatedTrace:
    """Per-step quantities of the truncated gradient, for the widgets (Chapter 11).

    ``e_s`` (T, B, H): the book's state error −∂E/∂s_c(t)|_trunc (one-step error from the cell
    output only); ``delta_out`` (T, B, n_blocks) or ``None``: the output gates' δ = −∂E/∂net_out;
    ``dS_c`` (T, B, H): ∂s_c(t)/∂b_c, the carried partial of each state with respect to its own
    cell-input bias (one column of the dS arrays, to plot how it accumulates and decays).
    """

    e_s: np.ndarray
    delta_out: np.ndarray | None
    dS_c: np.ndarray


def lstm_backward_truncated(params: LSTMParams, cache: LSTMCache, dy,
                            return_trace: bool = False):
    """The original truncated LSTM gradient, with forward-carried partials dS (Chapter 11).

    See the module docstring for the equations and for exactly which terms are dropped.

    Book equations: eq-trunc-state, eq-trunc-ds

    Parameters
    ----------
    params : LSTMParams
    cache : LSTMCache
        From :func:`lstm_core.lstm.lstm_forward` with the same ``params``.
    dy : ndarray (T, B, H)
        ∂E/∂y^c(t), the error arriving at each cell output from the layer above.
    return_trace : bool
        Also return a :class:`TruncatedTrace`.

    Returns
    -------
    grads : LSTMGrads
        The truncated ∂E/∂θ (same names and shapes as the parameters).
    trace : TruncatedTrace
        Only if ``return_trace``.
    """
    cfg, lay, dy = _check(params, cache, dy)
    dtype = params.W.dtype
    T, B, H = dy.shape
    S, nb, I = cfg.block_size, params.n_blocks, params.n_in
    g_fn, h_fn = act.get(cfg.input_activation), act.get(cfg.output_activation)
    A, C = cache.act, cache.c
    n_g = _n_gate_units(cfg, nb)
    M = I + H + 1                                  # sources of every net input: x, y(t−1), 1
    Mg = M + n_g                                   # gates also see gates(t−1) under FGR
    gates_prev = cache.gates0

    def part(name, t):
        return A[t][:, lay[name]] if name in lay else None

    # dS arrays: ∂s_c(t)/∂w for each cell c (axis 1) and each source m (axis 2)
    dS = {"z": np.zeros((B, H, M), dtype)}
    acc = {"z": np.zeros((H, M), dtype)}
    for name in ("i", "f"):
        if name in cfg.gates:
            dS[name] = np.zeros((B, H, Mg), dtype)
            acc[name] = np.zeros((H, Mg), dtype)
            if name in cfg.peephole_gates:
                dS["p" + name] = np.zeros((B, H, S), dtype)   # source: the block's S states
                acc["p" + name] = np.zeros((H, S), dtype)
    acc_o = np.zeros((nb, Mg), dtype) if "o" in lay else None
    acc_po = np.zeros(H, dtype) if "o" in cfg.peephole_gates else None
    tr_e, tr_do, tr_dS = (np.zeros((T, B, H), dtype), np.zeros((T, B, nb), dtype) if "o" in lay else None,
                          np.zeros((T, B, H), dtype)) if return_trace else (None, None, None)

    for t in range(T):
        src = np.concatenate([cache.x[t], cache.y[t], np.ones((B, 1), dtype)], axis=1)   # y^m(t−1)
        src_g = np.concatenate([src, gates_prev], axis=1) if n_g and cfg.gate_recurrence else src
        c_prev, c = C[t], C[t + 1]
        i, f, z, o = part("i", t), part("f", t), part("z", t), part("o", t)
        if cfg.coupled_input_forget:
            f = 1.0 - i
        f_c = 1.0 if f is None else _to_cells(f, S)[:, :, None]
        i_c = 1.0 if i is None else _to_cells(i, S)
        # carry the partials forward along the carousel, add this step's local terms
        dS["z"] *= f_c
        dS["z"] += (g_fn.deriv_from_output(z) * i_c)[:, :, None] * src[:, None, :]
        block_states = np.repeat(c_prev.reshape(B, nb, S), S, axis=1)        # (B, H, S)
        for name, gate, local in (("i", i, z if not cfg.coupled_input_forget else z - c_prev),
                                  ("f", f, c_prev)):
            if name not in dS:
                continue
            slope = local * _to_cells(gate * (1.0 - gate), S)                 # ∂s/∂net_gate
            dS[name] *= f_c
            dS[name] += slope[:, :, None] * src_g[:, None, :]
            if "p" + name in dS:
                dS["p" + name] *= f_c
                dS["p" + name] += slope[:, :, None] * block_states
        # the truncated state error: from this step's cell output only
        hc = cache.hc[t]
        e = dy[t] * h_fn.deriv_from_output(hc)
        if o is not None:
            e *= _to_cells(o, S)
        for key in dS:
            acc[key] += np.einsum("bc,bcm->cm", e, dS[key])
        # output gate: one-step error
        if o is not None:
            d_o = _block_sum(dy[t] * hc, S) * o * (1.0 - o)
            acc_o += d_o.T @ src_g
            if acc_po is not None:
                acc_po += np.sum(_to_cells(d_o, S) * c, axis=0)
            if return_trace:
                tr_do[t] = -d_o
        if return_trace:
            tr_e[t] = -e
            tr_dS[t] = dS["z"][:, :, I + H]
        if cfg.gate_recurrence and n_g:
            gates_prev = _gate_rows(A[t], cfg, lay)

    # assemble the fused gradient: rows per part, columns split into x | y(t−1) | bias | gates
    G = params.W.shape[0]
    rows = np.zeros((G, Mg), dtype)
    rows[lay["z"], :M] = acc["z"]
    for name in ("i", "f"):
        if name in acc:
            rows[lay[name]] = acc[name].reshape(nb, S, Mg).sum(axis=1)        # gates per block
    if acc_o is not None:
        rows[lay["o"]] = acc_o
    grads = LSTMGrads(W=rows[:, :I].copy(), R=rows[:, I:I + H].copy(), b=rows[:, I + H].copy())
    if cfg.peepholes:
        grads.P = np.stack([acc_po if n == "o" else acc["p" + n].reshape(nb, S, S).sum(axis=1).reshape(H)
                            for n in cfg.peephole_gates])
    if cfg.gate_recurrence and n_g:
        grads.Q = _gate_rows(rows[:, M:].T, cfg, lay).T
    if return_trace:
        return grads, TruncatedTrace(e_s=tr_e, delta_out=tr_do, dS_c=tr_dS)
    return grads


def lstm_backward_carousel(params: LSTMParams, cache: LSTMCache, dy) -> LSTMGrads:
    """The same truncated gradient, computed backward in time along the carousel (Chapter 11).

    Instead of carrying dS forward, the truncated state errors are summed backward through the
    carousel alone, ∂E/∂s_c(t) = dy(t) y^out h'(s_c) + ∂E/∂s_c(t+1) y^φ(t+1) — no R^T, no
    peephole and no FGR terms — and each net input's error is then local:
    ∂E/∂net_c = ∂E/∂s_c y^in g', ∂E/∂net_in = Σ_v ∂E/∂s_c g f'_in, …, with the output gate's
    one-step error as in :func:`lstm_backward_truncated`. Σ_t e(t)·dS(t) = Σ_τ ∂E/∂s(τ)·local(τ)
    makes the two equal; the tests assert it for every preset.

    Parameters and return value as :func:`lstm_backward_truncated` (without the trace).

    Book equations: eq-trunc-state
    """
    cfg, lay, dy = _check(params, cache, dy)
    dtype = params.W.dtype
    T, B, H = dy.shape
    S = cfg.block_size
    g_fn, h_fn = act.get(cfg.input_activation), act.get(cfg.output_activation)
    A, C = cache.act, cache.c
    DA = np.zeros_like(A)                          # ∂E/∂net(t), fused layout
    ds = np.zeros((B, H), dtype)
    for t in reversed(range(T)):
        a, da, c_prev = A[t], DA[t], C[t]
        if t + 1 < T:                              # the carousel: ∂s(t+1)/∂s(t) = y^φ(t+1)
            if cfg.coupled_input_forget:
                ds = ds * _to_cells(1.0 - A[t + 1][:, lay["i"]], S)
            elif "f" in lay:
                ds = ds * _to_cells(A[t + 1][:, lay["f"]], S)
        e = dy[t] * h_fn.deriv_from_output(cache.hc[t])
        if "o" in lay:
            o = a[:, lay["o"]]
            e = e * _to_cells(o, S)
            da[:, lay["o"]] = _block_sum(dy[t] * cache.hc[t], S) * o * (1.0 - o)
        ds = ds + e
        z = a[:, lay["z"]]
        da[:, lay["z"]] = ds * g_fn.deriv_from_output(z) * (1.0 if "i" not in lay else _to_cells(a[:, lay["i"]], S))
        if "i" in lay:
            i = a[:, lay["i"]]
            local = z - c_prev if cfg.coupled_input_forget else z
            da[:, lay["i"]] = _block_sum(ds * local, S) * i * (1.0 - i)
        if "f" in lay:
            f = a[:, lay["f"]]
            da[:, lay["f"]] = _block_sum(ds * c_prev, S) * f * (1.0 - f)
    flat = DA.reshape(T * B, -1)
    grads = LSTMGrads(W=flat.T @ cache.x.reshape(T * B, -1), R=flat.T @ cache.y[:-1].reshape(T * B, H),
                      b=flat.sum(axis=0))
    if cfg.peepholes:
        grads.P = np.stack([np.einsum("tbh,tbh->h", _to_cells(DA[:, :, lay[n]], S, axis=2),
                                      C[1:] if n == "o" else C[:-1]) for n in cfg.peephole_gates])
    if cfg.gate_recurrence and _n_gate_units(cfg, params.n_blocks):
        gprev = np.concatenate([cache.gates0[None], _gate_rows(A[:-1], cfg, lay)], axis=0)
        grads.Q = _gate_rows(DA, cfg, lay).reshape(T * B, -1).T @ gprev.reshape(T * B, -1)
    return grads


def _n_gate_units(cfg, nb):
    return len(cfg.gates) * nb if cfg.gate_recurrence else 0


def _check(params, cache, dy):
    cfg, lay = _check_params(params)
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache: expected an LSTMCache from lstm_forward, got {type(cache).__name__}")
    T, B, G = cache.act.shape
    H = params.n_cells
    if G != params.W.shape[0] or cache.c.shape[2] != H or cache.act.dtype != params.W.dtype:
        raise ValueError(f"cache: expected a cache of these params (G={params.W.shape[0]}, H={H}, "
                         f"{params.W.dtype}), got G={G}, H={cache.c.shape[2]}, {cache.act.dtype}")
    if params.W.shape[1] != cache.x.shape[2]:
        raise ValueError(f"params.W: expected shape ({G}, {cache.x.shape[2]}) (the inputs the cache "
                         f"was made with), got {params.W.shape}")
    dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, H), dtype=params.W.dtype)
    return cfg, lay, dy
