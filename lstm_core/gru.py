"""Gated recurrent unit, GRU (Chapter 15; Cho et al. 2014).

The GRU keeps the LSTM's key idea — an additive, gated path for the state — with fewer
parts: no separate memory cell s_c, no output gate, two gates instead of three. In the
book's notation, with y(t) the hidden state (``h`` in code) and x(t) the input:

    net_r(t) = Σ_j w_rj x_j(t) + Σ_l u_rl y^l(t−1) + b_r        r(t) = σ(net_r(t))   reset gate
    net_u(t) = Σ_j w_uj x_j(t) + Σ_l u_ul y^l(t−1) + b_u        u(t) = σ(net_u(t))   update gate
    net_c(t) = Σ_j w_cj x_j(t) + Σ_l u_cl (r^l(t) y^l(t−1)) + b_c   ỹ(t) = tanh(net_c(t))  candidate
    y(t)     = u(t) ⊙ y(t−1) + (1 − u(t)) ⊙ ỹ(t)

or in matrix form r = σ(W_r x + U_r h + b_r), u = σ(W_u x + U_u h + b_u),
h̃ = tanh(W_c x + U_c (r ⊙ h) + b_c), h' = u ⊙ h + (1 − u) ⊙ h̃.

Convention
    The update gate u **keeps the old state**: u → 1 copies y(t−1) unchanged (the GRU's
    constant error carousel), u → 0 replaces it by the candidate. This is Cho et al.'s
    convention and PyTorch's (``h' = (1 − z) ⊙ n + z ⊙ h``); some texts swap u and 1 − u.
    The reset gate acts *before* the recurrent product, U_c (r ⊙ h), as in Cho et al.;
    ``torch.nn.GRU`` instead computes r ⊙ (U_c h + b_hc), a different function when r ≠ 1.

Weight layout (fused gate matrices, rows in the order **r, u, c**)
    ``W`` (3H, I) = [W_r; W_u; W_c], ``U`` (3H, H) = [U_r; U_u; U_c], ``b`` (3H,) —
    the same order as PyTorch's ``weight_ih_l0`` (r, z, n). All input projections
    x(t) W^T + b of a sequence are one matmul; per step there is one recurrent matmul for
    r and u together (``U[:2H]``) and one for the candidate (``U[2H:]``), which must wait
    for r.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _validate as V
from .activations import sigmoid

__all__ = ["GRUParams", "GRUGrads", "GRUStepCache", "GRUCache",
           "gru_step", "gru_step_backward", "gru_forward", "gru_backward"]


# ---------------------------------------------------------------- parameters


@dataclass
class GRUParams:
    """GRU weights, fused in the gate order r, u, c (Chapter 15).

    Attributes
    ----------
    W : ndarray (3H, I)
        Input weights [W_r; W_u; W_c]; ``W[k, j]`` is the book's w_kj, to unit k from input j.
    U : ndarray (3H, H)
        Recurrent weights [U_r; U_u; U_c]; rows 2H: multiply r ⊙ y(t−1), not y(t−1).
    b : ndarray (3H,)
        Biases [b_r; b_u; b_c].
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        # Python lists become float64 arrays (like RNNParams); ndarrays are kept, never copied
        for name in ("W", "U", "b"):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray):
                setattr(self, name, _checks.float_array(f"params.{name}", value))

    @classmethod
    def init(cls, n_in: int, n_hidden: int, rng=None, dtype=np.float64) -> "GRUParams":
        """Random GRU parameters, every entry uniform in ±1/√H (PyTorch's default).

        Parameters
        ----------
        n_in : int
            Number of input units I (≥ 1).
        n_hidden : int
            Number of hidden units H (≥ 1).
        rng : numpy.random.Generator or int, optional
            Random generator or seed (``None``: a fresh, unseeded generator).
        dtype : float32 or float64
        """
        n_in = V.positive_int("n_in", n_in)
        n_hidden = V.positive_int("n_hidden", n_hidden)
        rng = _as_rng(rng)
        dtype = _float_dtype(dtype)
        k = 1.0 / np.sqrt(n_hidden)
        return cls(W=rng.uniform(-k, k, (3 * n_hidden, n_in)).astype(dtype),
                   U=rng.uniform(-k, k, (3 * n_hidden, n_hidden)).astype(dtype),
                   b=rng.uniform(-k, k, 3 * n_hidden).astype(dtype))

    @property
    def n_in(self) -> int:
        return self.W.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.U.shape[1]


@dataclass
class GRUGrads:
    """∂E/∂θ for :class:`GRUParams`: same names, shapes and gate order."""

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray


@dataclass
class GRUStepCache:
    """What one GRU step keeps for its backward pass (and for a stepper widget).

    ``x`` (B, I) the input x(t), ``h_prev`` (B, H) y(t−1), ``r``, ``u`` (B, H) the gates,
    ``c`` (B, H) the candidate ỹ(t), ``h`` (B, H) the new state y(t).
    """

    x: np.ndarray
    h_prev: np.ndarray
    r: np.ndarray
    u: np.ndarray
    c: np.ndarray
    h: np.ndarray


@dataclass
class GRUCache:
    """Trace of a GRU sequence forward pass.

    ``x`` (T, B, I) the inputs; ``h`` (T+1, B, H) the states with ``h[0]`` = y(0) (the initial
    state) and ``h[t+1]`` = the state after input ``x[t]``; ``r``, ``u``, ``c`` (T, B, H) the
    reset gate, update gate and candidate at each step.
    """

    x: np.ndarray
    h: np.ndarray
    r: np.ndarray
    u: np.ndarray
    c: np.ndarray


# ---------------------------------------------------------------- one step


@_checks.overflow_checked('x, params')
def gru_step(params: GRUParams, x_t, h_prev) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU step: y(t) from x(t) and y(t−1) (Chapter 15).

    r = σ(W_r x + U_r h + b_r),  u = σ(W_u x + U_u h + b_u),
    ỹ = tanh(W_c x + U_c (r ⊙ h) + b_c),  y(t) = u ⊙ h + (1 − u) ⊙ ỹ   (h = y(t−1)).

    Book equations: eq-gru

    Parameters
    ----------
    params : GRUParams
    x_t : ndarray (B, I)
        Input at this step.
    h_prev : ndarray (B, H)
        Previous state y(t−1).

    Returns
    -------
    h : ndarray (B, H)
        New state y(t).
    cache : GRUStepCache
    """
    _check_params(params)
    dtype = params.W.dtype
    x_t = _checks.float_array("x_t", x_t, ndim=2, shape=(None, params.n_in), dtype=dtype)
    _checks.not_empty("x_t", x_t)
    h_prev = _checks.float_array("h_prev", h_prev, ndim=2, shape=(x_t.shape[0], params.n_hidden), dtype=dtype)
    a_t = x_t @ params.W.T + params.b
    h, r, u, c = _recurrent_step(params.U, a_t, h_prev)
    return h, GRUStepCache(x=x_t, h_prev=h_prev, r=r, u=u, c=c, h=h)


@_checks.overflow_checked("params, cache, dh")
def gru_step_backward(params: GRUParams, cache: GRUStepCache, dh) -> tuple[GRUGrads, np.ndarray, np.ndarray]:
    """Backward pass of one GRU step (Chapter 15).

    With dh = ∂E/∂y(t) (the book's δ is −∂E/∂net, so δ_k = −dnet_k here):

        ∂E/∂u = dh ⊙ (y(t−1) − ỹ),   ∂E/∂ỹ = dh ⊙ (1 − u),
        ∂E/∂net_c = ∂E/∂ỹ ⊙ (1 − ỹ²),
        ∂E/∂r = (∂E/∂net_c U_c) ⊙ y(t−1),
        ∂E/∂net_u = ∂E/∂u ⊙ u(1 − u),   ∂E/∂net_r = ∂E/∂r ⊙ r(1 − r),
        ∂E/∂y(t−1) = dh ⊙ u + (∂E/∂net_c U_c) ⊙ r + [∂E/∂net_r, ∂E/∂net_u] [U_r; U_u].

    Book equations: eq-gru-dnet, eq-gru-dh

    Parameters
    ----------
    params : GRUParams
    cache : GRUStepCache
        From :func:`gru_step`.
    dh : ndarray (B, H)
        ∂E/∂y(t).

    Returns
    -------
    grads : GRUGrads
        ∂E/∂W, ∂E/∂U, ∂E/∂b of this step alone.
    dx_t : ndarray (B, I)
        ∂E/∂x(t).
    dh_prev : ndarray (B, H)
        ∂E/∂y(t−1).
    """
    _check_params(params)
    if not isinstance(cache, GRUStepCache):
        raise TypeError(f"cache: expected a GRUStepCache from gru_step, got {type(cache).__name__}")
    _check_params_fit_cache(params, cache.x.shape[-1], cache.h.shape[-1])
    dh = _checks.float_array("dh", dh, shape=cache.h.shape, dtype=params.W.dtype)
    dU = np.zeros_like(params.U)
    dnet, dh_prev = _recurrent_step_backward(params.U, cache.h_prev, cache.r, cache.u, cache.c, dh, dU)
    grads = GRUGrads(W=dnet.T @ cache.x, U=dU, b=dnet.sum(axis=0))
    return grads, dnet @ params.W, dh_prev


# ---------------------------------------------------------------- the sequence


@_checks.overflow_checked('x, params')
def gru_forward(params: GRUParams, x, state0=None) -> tuple[np.ndarray, GRUCache]:
    """Run a GRU over a sequence (Chapter 15); the fused equivalent of looping :func:`gru_step`.

    Book equations: eq-gru

    Parameters
    ----------
    params : GRUParams
    x : ndarray (T, B, I)
        Input sequence, time-major.
    state0 : ndarray (B, H), optional
        Initial state y(0); zeros if omitted.

    Returns
    -------
    y : ndarray (T, B, H)
        States y(1) … y(T) (``y[t]`` is the state after input ``x[t]``).
    cache : GRUCache
    """
    _check_params(params)
    dtype = params.W.dtype
    x = _checks.float_array("x", x, ndim=3, shape=(None, None, params.n_in), dtype=dtype)
    T, B, _ = x.shape
    V.positive_int("x.shape[0] (number of time steps T)", T)
    V.positive_int("x.shape[1] (batch size B)", B)
    H = params.n_hidden
    if state0 is None:
        state0 = np.zeros((B, H), dtype=dtype)
    state0 = _checks.float_array("state0", state0, ndim=2, shape=(B, H), dtype=dtype)

    # input projections x(t) W^T + b of all T steps in one matmul: (T, B, 3H)
    a = (x.reshape(T * B, -1) @ params.W.T + params.b).reshape(T, B, 3 * H)
    h = np.empty((T + 1, B, H), dtype=dtype)
    r, u, c = (np.empty((T, B, H), dtype=dtype) for _ in range(3))
    h[0] = state0
    for t in range(T):
        h[t + 1], r[t], u[t], c[t] = _recurrent_step(params.U, a[t], h[t])
    return h[1:], GRUCache(x=x, h=h, r=r, u=u, c=c)


@_checks.overflow_checked("params, cache, dy")
def gru_backward(params: GRUParams, cache: GRUCache, dy, dstate_T=None) -> tuple[GRUGrads, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`gru_forward` (Chapter 15, after Chapter 5).

    Runs :func:`gru_step_backward`'s equations from t = T down to 1, adding the error that
    reaches y(t) from the output, dy[t], to the one flowing back from step t+1. The weight
    gradients are sums over time, ∂E/∂W = Σ_t ∂E/∂net(t)^T x(t); the input-side sums are one
    matmul over all steps.

    Book equations: eq-gru-dnet, eq-gru-dh

    Parameters
    ----------
    params : GRUParams
    cache : GRUCache
        From :func:`gru_forward`.
    dy : ndarray (T, B, H)
        ∂E/∂y(t) for every output.
    dstate_T : ndarray (B, H), optional
        ∂E/∂y(T) arriving from beyond the sequence (e.g. from a later chunk); zeros if omitted.

    Returns
    -------
    grads : GRUGrads
    dx : ndarray (T, B, I)
        ∂E/∂x(t).
    dstate0 : ndarray (B, H)
        ∂E/∂y(0), the gradient for the initial state.
    """
    _check_params(params)
    if not isinstance(cache, GRUCache):
        raise TypeError(f"cache: expected a GRUCache from gru_forward, got {type(cache).__name__}")
    _check_params_fit_cache(params, cache.x.shape[-1], cache.r.shape[-1])
    dtype = params.W.dtype
    T, B, H = cache.r.shape
    dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, H), dtype=dtype)
    dh = np.zeros((B, H), dtype=dtype) if dstate_T is None else \
        _checks.float_array("dstate_T", dstate_T, ndim=2, shape=(B, H), dtype=dtype)

    dU = np.zeros_like(params.U)
    dnet = np.empty((T, B, 3 * H), dtype=dtype)  # ∂E/∂net(t) in gate order r, u, c
    for t in reversed(range(T)):
        dnet[t], dh = _recurrent_step_backward(params.U, cache.h[t], cache.r[t], cache.u[t], cache.c[t],
                                               dh + dy[t], dU)
    flat = dnet.reshape(T * B, 3 * H)
    grads = GRUGrads(W=flat.T @ cache.x.reshape(T * B, -1), U=dU, b=flat.sum(axis=0))
    dx = (flat @ params.W).reshape(cache.x.shape)
    return grads, dx, dh


# ---------------------------------------------------------------- shared internals


def _recurrent_step(U: np.ndarray, a_t: np.ndarray, h_prev: np.ndarray):
    """The GRU step after the input projection ``a_t = x(t) W^T + b`` (B, 3H).

    Returns (h, r, u, c), each (B, H).
    """
    H = h_prev.shape[1]
    ru = sigmoid(a_t[:, :2 * H] + h_prev @ U[:2 * H].T)  # one matmul for both gates
    r, u = ru[:, :H], ru[:, H:]
    c = np.tanh(a_t[:, 2 * H:] + (r * h_prev) @ U[2 * H:].T)
    h = u * h_prev + (1.0 - u) * c
    return h, r, u, c


def _recurrent_step_backward(U, h_prev, r, u, c, dh, dU):
    """Backward of :func:`_recurrent_step` for dh = ∂E/∂y(t) (B, H).

    Adds this step's ∂E/∂U into ``dU`` in place and returns (dnet (B, 3H), dh_prev (B, H)),
    dnet = ∂E/∂net(t) in gate order r, u, c.
    """
    H = h_prev.shape[1]
    dnet_c = dh * (1.0 - u) * (1.0 - c * c)
    dnet_u = dh * (h_prev - c) * u * (1.0 - u)
    d_rh = dnet_c @ U[2 * H:]                       # ∂E/∂(r ⊙ y(t−1))
    dnet_r = d_rh * h_prev * r * (1.0 - r)
    dnet_ru = np.concatenate([dnet_r, dnet_u], axis=1)
    dU[:2 * H] += dnet_ru.T @ h_prev
    dU[2 * H:] += dnet_c.T @ (r * h_prev)
    dh_prev = dh * u + d_rh * r + dnet_ru @ U[:2 * H]
    return np.concatenate([dnet_ru, dnet_c], axis=1), dh_prev


def _check_params(params) -> None:
    if not isinstance(params, GRUParams):
        raise TypeError(f"params: expected GRUParams, got {type(params).__name__}")
    W = _checks.float_array("params.W", params.W, ndim=2)
    dtype = W.dtype
    H3 = W.shape[0]
    if H3 == 0 or H3 % 3:
        raise ValueError(f"params.W: expected shape (3H, I) with H >= 1, got {W.shape}")
    H = H3 // 3
    _checks.float_array("params.U", params.U, ndim=2, shape=(3 * H, H), dtype=dtype)
    _checks.float_array("params.b", params.b, ndim=1, shape=(3 * H,), dtype=dtype)


def _check_params_fit_cache(params, I: int, H: int) -> None:
    """The params a backward pass gets must be the shape of those its cache was made with."""
    if params.W.shape != (3 * H, I):
        raise ValueError(f"params.W: expected shape {(3 * H, I)} (the cache's I = {I}, H = {H}), "
                         f"got {params.W.shape}")


_as_rng = _checks.rng
_float_dtype = V.float_dtype
