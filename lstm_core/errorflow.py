"""How far an error signal travels back in time (Chapter 7, with a preview of Chapters 8-11).

:func:`delta_jacobian` is Hochreiter's (1991) error-flow product for the plain recurrent net:
∂δ_v(t−q)/∂δ_u(t) as a product of q factors diag(f'(net)) Wᵀ. Chapter 7 measures the backward error flow of a plain recurrent net with
:func:`lstm_core.rnn.error_flow`: inject ∂E(T)/∂y(T) at the last step and follow it back,
∂E(T)/∂y(T−q) = ∂E(T)/∂y(T) · Π_{m=0}^{q−1} diag(f'(net(T−m))) W_rec, a product of q
Jacobians whose norm shrinks or grows exponentially in q. :func:`lstm_error_flow` does the same
for an LSTM layer (:mod:`lstm_core.lstm`). There the error has a second road back, the cell
state: ∂E/∂s_c(t−1) = ∂E/∂s_c(t) · y^φ(t) + (terms through the gates and y), so with the
forget gate held open (y^φ ≈ 1) the error reaching s_c(T−q) hardly decays — the constant error
carousel of Chapter 8.

Both flows come out of one full-BPTT pass (:func:`lstm_core.lstm.lstm_trace`) with the error
injected at the last step only: the trace's state errors give ∂E(T)/∂s_c(t) for every t, and
its deltas give ∂E(T)/∂y(t−1) = Σ_k ∂E/∂net_k(t) w_k· through the recurrent weights R.

Index convention: lag q means the book's time T − q; q = 0 is the last step, q = T the initial
state (y(0), s_c(0)).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _validate as V
from .lstm import LSTMParams, LSTMState, lstm_backward, lstm_forward, lstm_trace

__all__ = ["delta_jacobian", "LSTMErrorFlow", "lstm_error_flow"]

# which LSTMTrace delta holds the book's δ of each fused part (rows i, f, z, o)
_DELTA_OF_PART = {"i": "delta_in", "f": "delta_phi", "z": "delta_c", "o": "delta_out"}


@_checks.overflow_checked("W_rec, fprime")
def delta_jacobian(W_rec, fprime) -> np.ndarray:
    """How a delta at time t scales the deltas q steps earlier (Chapter 7; Hochreiter 1991).

    One step of BPTT, δ_v(t−1) = f'_v(net_v(t−1)) Σ_l w_lv δ_l(t), gives
    ∂δ_v(t−1)/∂δ_u(t) = f'_v(net_v(t−1)) w_uv, and chaining q such steps

        ∂δ_v(t−q)/∂δ_u(t) = f'_v(net_v(t−q)) Σ_l ∂δ_l(t−q+1)/∂δ_u(t) w_lv
                          = Σ_{l_1 … l_{q−1}} Π_{m=1}^{q} f'_{l_m}(net_{l_m}(t−m)) w_{l_{m−1} l_m}

    (l_0 = u, l_q = v): a sum over all n^{q−1} paths of products of f'(net)·w. In matrices,
    J(q) = diag(f'(t−q)) W_recᵀ · … · diag(f'(t−1)) W_recᵀ.

    Book equations: eq-vg-one-step, eq-vg-recursion, eq-vg-paths, eq-cec-local-flow

    Parameters
    ----------
    W_rec : ndarray (n, n)
        ``W_rec[l, v]`` = w_lv (to unit l from unit v).
    fprime : ndarray (q, n), q ≥ 1
        ``fprime[m−1]`` = f'(net(t−m)) for m = 1 … q (most recent first).

    Returns
    -------
    J : ndarray (n, n)
        ``J[v, u]`` = ∂δ_v(t−q)/∂δ_u(t).
    """
    W_rec = _checks.float_array("W_rec", W_rec, ndim=2)
    n = W_rec.shape[0]
    _checks.float_array("W_rec", W_rec, shape=(n, n))
    fprime = _checks.float_array("fprime", fprime, ndim=2, shape=(None, n), dtype=W_rec.dtype)
    V.positive_int("fprime.shape[0] (number of steps q)", fprime.shape[0])
    J = np.eye(n, dtype=W_rec.dtype)
    for fp in fprime:                       # m = 1, 2, …, q
        J = fp[:, None] * (W_rec.T @ J)     # ∂δ(t−m)/∂δ(t) = diag(f'(t−m)) Wᵀ ∂δ(t−m+1)/∂δ(t)
    return J


@dataclass
class LSTMErrorFlow:
    """Backward error flow of an LSTM layer from its last step (Chapter 7).

    Attributes
    ----------
    q : ndarray (q_max+1,) of int
        Lags 0, 1, …, q_max.
    grad_y : ndarray (q_max+1, B, H)
        ∂E(T)/∂y^c(T−q), the error reaching the cell outputs q steps back.
    grad_s : ndarray (q_max+1, B, H)
        ∂E(T)/∂s_c(T−q), the error reaching the cell states q steps back: the total derivative,
        through the carousel and through the cell's own output y^c(T−q) = y^out h(s_c(T−q))
        (the state error of full BPTT, −e_s in :class:`lstm_core.lstm.LSTMTrace`).
    norm_y, norm_s : ndarray (q_max+1,)
        Their Frobenius norms over batch and cells.
    """

    q: np.ndarray
    grad_y: np.ndarray
    grad_s: np.ndarray
    norm_y: np.ndarray
    norm_s: np.ndarray


def lstm_error_flow(params: LSTMParams, x, q_max: int | None = None, state0: LSTMState | None = None,
                    dy_T=None) -> LSTMErrorFlow:
    """Inject ∂E(T)/∂y(T) at the last step of an LSTM layer and follow it back (Chapter 7).

    E(T) = Σ dy_T ⊙ y^c(T), a linear read-out of the last output only, so that every
    gradient below is the flow of that one injected error:

        ∂E(T)/∂s_c(t)    (total; the state road ∂E/∂s_c(t−1) ∋ ∂E/∂s_c(t) · y^φ(t) plus
                          the path through y^c(t) = y^out(t) h(s_c(t)))
        ∂E(T)/∂y^c(t−1) = Σ_k ∂E(T)/∂net_k(t) w_k,c    (k over all fused rows i, f, z, o;
                                                        w_k,c the recurrent weight R[k, c])

    computed for all t in one full-BPTT pass (:func:`lstm_core.lstm.lstm_trace`); the initial
    state's gradient (q = T) comes from :func:`lstm_core.lstm.lstm_backward`.

    Book equations: eq-forget-flow

    Parameters
    ----------
    params : LSTMParams
        Any configuration (:class:`lstm_core.lstm.LSTMConfig`).
    x : ndarray (T, B, I)
        Input sequence, the parameters' dtype.
    q_max : int in [0, T], optional
        Largest lag (default T, reaching the initial state).
    state0 : LSTMState, optional
        y(0), s_c(0); zeros by default.
    dy_T : ndarray (B, H), optional
        The injected error ∂E(T)/∂y(T); default all entries equal with Frobenius norm 1, so the
        norms are gains.

    Returns
    -------
    LSTMErrorFlow
    """
    if not isinstance(x, np.ndarray):
        x = _checks.float_array("x", x)                  # a ragged list: a TypeError naming x
    _, cache = lstm_forward(params, x, state0)          # validates params, x and state0
    T, B, _ = cache.x.shape
    H, dtype = params.n_cells, params.W.dtype
    q_max = T if q_max is None else V.positive_int("q_max", q_max, minimum=0)
    if q_max > T:
        raise ValueError(f"q_max: expected at most T = {T} (the initial state is the earliest), "
                         f"got {q_max}")
    if dy_T is None:
        dy_T = np.full((B, H), 1.0 / np.sqrt(B * H), dtype=dtype)
    dy_T = _checks.float_array("dy_T", dy_T, ndim=2, shape=(B, H), dtype=dtype)
    dy = np.zeros((T, B, H), dtype=dtype)
    dy[-1] = dy_T

    trace = lstm_trace(params, cache.x, dy, state0)
    # ∂E/∂net(t) for every fused row (book sign flipped back: δ = −∂E/∂net)
    dnet = np.empty((T, B, params.W.shape[0]), dtype=dtype)
    for part, rows in params.config.layout(H).items():
        dnet[:, :, rows] = -getattr(trace, _DELTA_OF_PART[part])
    # code index t of dnet is the book's net(t+1), which reads y(t): dnet[t] @ R = ∂E/∂y(t)
    dy_prev = dnet @ params.R                            # (T, B, H), book times 0 … T−1
    _, _, dstate0 = lstm_backward(params, cache, dy)

    grad_y = np.empty((q_max + 1, B, H), dtype=dtype)
    grad_s = np.empty((q_max + 1, B, H), dtype=dtype)
    for q in range(q_max + 1):
        t = T - q                                        # book time of lag q
        grad_y[q] = dy_T if q == 0 else dy_prev[t]
        # trace.e_s[t−1] = −∂E/∂s_c(t) for book times 1 … T; s_c(0) from the backward pass
        grad_s[q] = -trace.e_s[t - 1] if t >= 1 else dstate0.c
    norm_y = np.sqrt(np.einsum("qbh,qbh->q", grad_y, grad_y))
    norm_s = np.sqrt(np.einsum("qbh,qbh->q", grad_s, grad_s))
    return LSTMErrorFlow(np.arange(q_max + 1), grad_y, grad_s, norm_y, norm_s)
