"""Grid LSTM (Chapter 14; Kalchbrenner, Danihelka & Graves 2015).

A stacked LSTM has memory cells along time only: between layers the signal passes through
plain squashing functions, so error flowing *down through depth* meets the same vanishing
products that chapter 7 found along time. Grid LSTM puts LSTM cells along **every**
dimension of a grid. At each grid point there is one hidden vector h_d and one memory vector
m_d per dimension d = 1 … D; the point reads all hidden vectors into one shared input

    H = [h_1; h_2; …; h_D]                                   (D·N values)

and applies, **for each dimension separately and with its own weights**, an LSTM transform

    net_d = W_d H + b_d,   gates in the order i, f, z, o (as everywhere in lstm_core)
    y^in = σ(net_i),  y^φ = σ(net_f),  g = tanh(net_z),  y^out = σ(net_o)
    m'_d = y^φ ⊙ m_d + y^in ⊙ g                 (the cell state s_c of chapter 9)
    h'_d = y^out ⊙ tanh(m'_d)

whose outputs (h'_d, m'_d) travel on along dimension d. (The paper prints the last line as
h' = tanh(y^out ⊙ m'); we use the standard LSTM output y^out ⊙ h(s_c) of the rest of the book.)

The 2-D network here is the paper's 2-D Grid LSTM over a sequence: dimension 1 is **time**
(the recurrence, index t) and dimension 2 is **depth** (the layers, index l = 1 … L). Grid
point (t, l) gets (h_1, m_1) from (t − 1, l) and (h_2, m_2) from (t, l − 1). The input enters
at the bottom as the depth-hidden vector h_2(t, 0) = P x(t) (a linear projection, all time
steps in one matmul) with m_2(t, 0) = 0; the output is the top depth-hidden vector
y(t) = h_2(t, L). Unlike a stacked LSTM, the path from y(t) down to x(t) runs through memory
cells, which is what :func:`grid_depth_gradient_norms` lets chapter 14 measure.

Weight layout (fused): the two transforms of layer l share H, so both are one matmul per grid
point, ``W[l]`` (8N, 2N) = [W_time; W_depth], each block 4N rows in the order i, f, z, o;
columns [h_time (N) | h_depth (N)]. Code index ``l`` in ``W[l]`` is the book's layer l + 1.

Forward and backward are exact (backpropagation through both dimensions); the grid is swept
row by row (t outer, l inner), the order in which every point's inputs exist.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _validate as V
from .activations import _sigmoid as sigmoid   # on checked arrays, per step

__all__ = ["GridLSTMParams", "GridLSTMGrads", "GridBlockCache", "GridLSTMCache", "grid_block",
           "grid_block_backward", "grid_forward", "grid_backward", "grid_depth_gradients",
           "grid_depth_gradient_norms"]

_I, _F, _Z, _O = range(4)  # gate order i, f, z, o along axis −2 of a (…, 4, N) gate array


# ---------------------------------------------------------------- parameters


@dataclass
class GridLSTMParams:
    """Weights of a 2-D (time × depth) Grid LSTM with N units per dimension (Chapter 14).

    Attributes
    ----------
    W_in : ndarray (N, I)
        Input projection P: h_2(t, 0) = P x(t).
    W : ndarray (L, 8N, 2N)
        Per layer, the fused transforms [W_time; W_depth], each (4N, 2N) with gate rows i, f, z, o;
        ``W[l, d*4N + k*N + j, c]`` is the weight to unit j of gate k of dimension d from entry c of H.
    b : ndarray (L, 8N)
        Biases, same row layout.
    """

    W_in: np.ndarray
    W: np.ndarray
    b: np.ndarray

    @classmethod
    def init(cls, n_in: int, n_hidden: int, rng=None, dtype=np.float64, n_layers: int = 2,
             forget_bias: float = 1.0) -> "GridLSTMParams":
        """Random parameters, uniform in ±1/√N (projection ±1/√I), forget-gate biases + ``forget_bias``.

        Parameters
        ----------
        n_in : int
            Input units I.
        n_hidden : int
            Units N of each dimension's hidden and memory vectors.
        rng : numpy.random.Generator or int, optional
        dtype : float32 or float64
        n_layers : int
            Depth L of the grid.
        forget_bias : float
            Added to the forget-gate biases of both transforms (1.0 keeps memories at the start).
        """
        n_in = V.positive_int("n_in", n_in)
        N = V.positive_int("n_hidden", n_hidden)
        L = V.positive_int("n_layers", n_layers)
        if isinstance(forget_bias, bool) or not isinstance(forget_bias, numbers.Real) \
                or not np.isfinite(forget_bias):
            raise TypeError(f"forget_bias: expected a finite real number, got {forget_bias!r}")
        rng = rng if isinstance(rng, np.random.Generator) else _rng(rng)
        dtype = _float_dtype(dtype)
        k = 1.0 / np.sqrt(N)
        b = rng.uniform(-k, k, (L, 2, 4, N))
        b[:, :, _F] += forget_bias
        return cls(W_in=(rng.uniform(-1, 1, (N, n_in)) / np.sqrt(n_in)).astype(dtype),
                   W=rng.uniform(-k, k, (L, 8 * N, 2 * N)).astype(dtype),
                   b=b.reshape(L, 8 * N).astype(dtype))

    @property
    def n_in(self) -> int:
        return self.W_in.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W_in.shape[0]

    @property
    def n_layers(self) -> int:
        return self.W.shape[0]


@dataclass
class GridLSTMGrads:
    """∂E/∂θ for :class:`GridLSTMParams`: same names, shapes and layout."""

    W_in: np.ndarray
    W: np.ndarray
    b: np.ndarray


@dataclass
class GridBlockCache:
    """What one Grid LSTM block keeps for its backward pass.

    ``H`` (B, D·N) the shared input; ``gates`` (B, D, 4, N) the activated gates i, f, z, o of
    each dimension; ``m`` (B, D, N) the memories coming in; ``m_new`` (B, D, N) going out.
    """

    H: np.ndarray
    gates: np.ndarray
    m: np.ndarray
    m_new: np.ndarray


@dataclass
class GridLSTMCache:
    """Trace of :func:`grid_forward` over a T × L grid with N units per dimension.

    ``x`` (T, B, I) the inputs. Time dimension: ``h_time``, ``m_time`` (T+1, L, B, N), with
    index 0 the initial states and ``[t+1, l]`` what point (t, l) sends to (t+1, l).
    Depth dimension: ``h_depth``, ``m_depth`` (T, L+1, B, N), with ``[t, 0]`` the projected input
    (and zero memory) and ``[t, l+1]`` what point (t, l) sends up; ``h_depth[:, L]`` is the output.
    ``gates`` (T, L, B, 2, 4, N): the activated gates of both transforms at every point.
    """

    x: np.ndarray
    h_time: np.ndarray
    m_time: np.ndarray
    h_depth: np.ndarray
    m_depth: np.ndarray
    gates: np.ndarray


# ---------------------------------------------------------------- one grid block


def grid_block(W, b, h, m) -> tuple[np.ndarray, np.ndarray, GridBlockCache]:
    """One Grid LSTM block with D dimensions (Chapter 14).

    H = [h_1; …; h_D];  for each d: net_d = W_d H + b_d,  (i, f, z, o) = (σ, σ, tanh, σ)(net_d),
    m'_d = f ⊙ m_d + i ⊙ z,  h'_d = o ⊙ tanh(m'_d).

    Book equations: eq-grid-block

    Parameters
    ----------
    W : ndarray (D·4N, D·N)
        The D transforms stacked, [W_1; …; W_D], each with gate rows i, f, z, o.
    b : ndarray (D·4N,)
    h : ndarray (B, D, N)
        Incoming hidden vectors, one per dimension.
    m : ndarray (B, D, N)
        Incoming memory vectors.

    Returns
    -------
    h_new, m_new : ndarray (B, D, N)
    cache : GridBlockCache
    """
    W = _checks.float_array("W", W, ndim=2)
    h = _checks.float_array("h", h, ndim=3, dtype=W.dtype)
    B, D, N = h.shape
    _checks.float_array("W", W, shape=(D * 4 * N, D * N))
    b = _checks.float_array("b", b, shape=(D * 4 * N,), dtype=W.dtype)
    m = _checks.float_array("m", m, shape=(B, D, N), dtype=W.dtype)
    return _block(W, b, h.reshape(B, D * N), m)


def grid_block_backward(W, cache: GridBlockCache, dh_new, dm_new):
    """Backward pass of :func:`grid_block` (Chapter 14).

    Per dimension, with dh = ∂E/∂h'_d and dm = ∂E/∂m'_d:
    ∂E/∂m' ← dm + dh ⊙ o ⊙ (1 − tanh²m'),  ∂E/∂o = dh ⊙ tanh m',  ∂E/∂i = ∂E/∂m' ⊙ z,
    ∂E/∂z = ∂E/∂m' ⊙ i,  ∂E/∂f = ∂E/∂m' ⊙ m,  ∂E/∂m = ∂E/∂m' ⊙ f; through the squashers to
    ∂E/∂net, then ∂E/∂W = ∂E/∂net^T H, ∂E/∂H = ∂E/∂net W (all dimensions' errors add in H).

    Parameters
    ----------
    W : ndarray (D·4N, D·N)
    cache : GridBlockCache
    dh_new, dm_new : ndarray (B, D, N)
        ∂E/∂h'_d and ∂E/∂m'_d.

    Returns
    -------
    dW : ndarray (D·4N, D·N)
    db : ndarray (D·4N,)
    dh, dm : ndarray (B, D, N)
        ∂E/∂h_d and ∂E/∂m_d of the incoming vectors.
    """
    if not isinstance(cache, GridBlockCache):
        raise TypeError(f"cache: expected a GridBlockCache from grid_block, got {type(cache).__name__}")
    W = _checks.float_array("W", W, ndim=2, shape=(cache.gates.size // cache.H.shape[0], cache.H.shape[1]),
                      dtype=cache.H.dtype)
    dh_new = _checks.float_array("dh_new", dh_new, shape=cache.m.shape, dtype=W.dtype)
    dm_new = _checks.float_array("dm_new", dm_new, shape=cache.m.shape, dtype=W.dtype)
    dnet, dm = _block_backward(cache, dh_new, dm_new)
    return dnet.T @ cache.H, dnet.sum(axis=0), (dnet @ W).reshape(cache.m.shape), dm


def _block(W, b, H, m):
    """:func:`grid_block` on the concatenated input H (B, D·N), without checks."""
    B, D, N = m.shape
    net = (H @ W.T + b).reshape(B, D, 4, N)
    gates = sigmoid(net)
    gates[:, :, _Z] = np.tanh(net[:, :, _Z])
    i, f, z, o = (gates[:, :, k] for k in range(4))
    m_new = f * m + i * z
    h_new = o * np.tanh(m_new)
    return h_new, m_new, GridBlockCache(H=H, gates=gates, m=m, m_new=m_new)


def _block_backward(cache: GridBlockCache, dh_new, dm_new):
    """Returns (dnet (B, D·4N), dm (B, D, N)) for :func:`grid_block`."""
    i, f, z, o = (cache.gates[:, :, k] for k in range(4))
    tm = np.tanh(cache.m_new)
    dm_total = dm_new + dh_new * o * (1.0 - tm * tm)
    dnet = np.empty_like(cache.gates)
    dnet[:, :, _I] = dm_total * z * i * (1.0 - i)
    dnet[:, :, _F] = dm_total * cache.m * f * (1.0 - f)
    dnet[:, :, _Z] = dm_total * i * (1.0 - z * z)
    dnet[:, :, _O] = dh_new * tm * o * (1.0 - o)
    return dnet.reshape(cache.H.shape[0], -1), dm_total * f


# ---------------------------------------------------------------- the 2-D grid over a sequence


def grid_forward(params: GridLSTMParams, x, state0=None) -> tuple[np.ndarray, GridLSTMCache]:
    """Run a 2-D (time × depth) Grid LSTM over a sequence (Chapter 14).

    Book equations: eq-grid-2d

    Parameters
    ----------
    params : GridLSTMParams
    x : ndarray (T, B, I)
    state0 : pair of ndarrays (L, B, N), optional
        ``(h_time0, m_time0)``: the time dimension's initial hidden and memory vectors of every
        layer; zeros if omitted.

    Returns
    -------
    y : ndarray (T, B, N)
        The top depth-hidden vectors h_2(t, L).
    cache : GridLSTMCache
    """
    _check_params(params)
    dtype, N, L = params.W.dtype, params.n_hidden, params.n_layers
    x = _checks.float_array("x", x, ndim=3, shape=(None, None, params.n_in), dtype=dtype)
    T, B, I = x.shape
    V.positive_int("x.shape[0] (number of time steps T)", T)
    V.positive_int("x.shape[1] (batch size B)", B)
    h_time = np.zeros((T + 1, L, B, N), dtype=dtype)
    m_time = np.zeros((T + 1, L, B, N), dtype=dtype)
    if state0 is not None:
        h_time[0], m_time[0] = _state_pair("state0", state0, (L, B, N), dtype)
    h_depth = np.zeros((T, L + 1, B, N), dtype=dtype)
    m_depth = np.zeros((T, L + 1, B, N), dtype=dtype)
    gates = np.empty((T, L, B, 2, 4, N), dtype=dtype)
    h_depth[:, 0] = (x.reshape(T * B, I) @ params.W_in.T).reshape(T, B, N)  # P x(t), all t at once

    for t in range(T):
        for l in range(L):
            H = np.concatenate([h_time[t, l], h_depth[t, l]], axis=1)       # shared input (B, 2N)
            m = np.stack([m_time[t, l], m_depth[t, l]], axis=1)             # (B, 2, N)
            h_new, m_new, c = _block(params.W[l], params.b[l], H, m)
            h_time[t + 1, l], h_depth[t, l + 1] = h_new[:, 0], h_new[:, 1]
            m_time[t + 1, l], m_depth[t, l + 1] = m_new[:, 0], m_new[:, 1]
            gates[t, l] = c.gates
    cache = GridLSTMCache(x=x, h_time=h_time, m_time=m_time, h_depth=h_depth, m_depth=m_depth, gates=gates)
    return h_depth[:, L], cache


@_checks.overflow_checked('dy, params')
def grid_backward(params: GridLSTMParams, cache: GridLSTMCache, dy, dstate_T=None
                  ) -> tuple[GridLSTMGrads, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Exact gradient of :func:`grid_forward`: backpropagation through time and depth (Chapter 14).

    The grid is swept in reverse (t from T−1 down, l from L−1 down); each point receives the
    errors of its two outputs, ∂E/∂(h, m) from (t+1, l) along time and from (t, l+1) along
    depth (dy(t) at the top), and passes its input errors on with :func:`grid_block_backward`.

    Parameters
    ----------
    params : GridLSTMParams
    cache : GridLSTMCache
    dy : ndarray (T, B, N)
        ∂E/∂y(t).
    dstate_T : pair of ndarrays (L, B, N), optional
        ∂E/∂ of the final time-dimension (h, m) of every layer; zeros if omitted.

    Returns
    -------
    grads : GridLSTMGrads
    dx : ndarray (T, B, I)
    dstate0 : pair of ndarrays (L, B, N)
        Gradients for ``state0 = (h_time0, m_time0)``.
    """
    grads, dx, dstate0, _ = _grid_backward(params, cache, dy, dstate_T)
    return grads, dx, dstate0


@_checks.overflow_checked('dy, params')
def grid_depth_gradients(params: GridLSTMParams, cache: GridLSTMCache, dy, dstate_T=None) -> np.ndarray:
    """∂E/∂h_2(t, l): the error reaching each depth level (Chapter 14, "gradients through depth").

    Returns
    -------
    ndarray (L+1, T, B, N)
        Index [l, t] is the gradient with respect to the depth-hidden vector entering layer l+1
        at time t: level 0 is the projected input P x(t), level L the output y(t) (= dy(t)).
    """
    return _grid_backward(params, cache, dy, dstate_T)[3]


@_checks.overflow_checked('dy, params')
def grid_depth_gradient_norms(params: GridLSTMParams, cache: GridLSTMCache, dy, dstate_T=None,
                              per_time: bool = False) -> np.ndarray:
    """Norms of :func:`grid_depth_gradients` per depth level (Chapter 14).

    Returns ‖∂E/∂h_2(·, l)‖ over time, batch and units, shape (L+1,), level 0 = the projected input,
    level L = the output; with ``per_time=True`` the norm over batch and units only, shape (L+1, T).
    """
    g = grid_depth_gradients(params, cache, dy, dstate_T)
    axes = (2, 3) if per_time else (1, 2, 3)
    return np.sqrt(np.sum(g * g, axis=axes))


def _grid_backward(params, cache, dy, dstate_T):
    _check_params(params)
    if not isinstance(cache, GridLSTMCache):
        raise TypeError(f"cache: expected a GridLSTMCache from grid_forward, got {type(cache).__name__}")
    dtype, N, L = params.W.dtype, params.n_hidden, params.n_layers
    T, Lp1, B, _ = cache.h_depth.shape
    if (Lp1 - 1, cache.h_depth.shape[3]) != (L, N):
        raise ValueError(f"cache: expected a grid of {L} layers of {N} units (the params'), "
                         f"got {Lp1 - 1} layers of {cache.h_depth.shape[3]}")
    if params.W_in.shape[1] != cache.x.shape[2]:
        raise ValueError(f"params.W_in: expected shape ({N}, {cache.x.shape[2]}) (the inputs the cache "
                         f"was made with), got {params.W_in.shape}")
    dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, N), dtype=dtype)
    dh_time, dm_time = np.zeros((L, B, N), dtype=dtype), np.zeros((L, B, N), dtype=dtype)
    if dstate_T is not None:
        dh_time[...], dm_time[...] = _state_pair("dstate_T", dstate_T, (L, B, N), dtype)
    dW, db = np.zeros_like(params.W), np.zeros_like(params.b)
    depth_grads = np.empty((L + 1, T, B, N), dtype=dtype)

    for t in reversed(range(T)):
        dh_depth, dm_depth = dy[t], np.zeros((B, N), dtype=dtype)    # errors arriving from above
        depth_grads[L, t] = dh_depth
        for l in reversed(range(L)):
            H = np.concatenate([cache.h_time[t, l], cache.h_depth[t, l]], axis=1)
            m = np.stack([cache.m_time[t, l], cache.m_depth[t, l]], axis=1)
            m_new = np.stack([cache.m_time[t + 1, l], cache.m_depth[t, l + 1]], axis=1)
            block = GridBlockCache(H=H, gates=cache.gates[t, l], m=m, m_new=m_new)
            dnet, dm = _block_backward(block, np.stack([dh_time[l], dh_depth], axis=1),
                                       np.stack([dm_time[l], dm_depth], axis=1))
            dW[l] += dnet.T @ H
            db[l] += dnet.sum(axis=0)
            dH = dnet @ params.W[l]                                     # (B, 2N) = [time | depth]
            dh_time[l], dh_depth = dH[:, :N], dH[:, N:]
            dm_time[l], dm_depth = dm[:, 0], dm[:, 1]
            depth_grads[l, t] = dh_depth

    dproj = depth_grads[0].reshape(T * B, N)                           # ∂E/∂(P x(t))
    grads = GridLSTMGrads(W_in=dproj.T @ cache.x.reshape(T * B, -1), W=dW, b=db)
    dx = (dproj @ params.W_in).reshape(cache.x.shape)
    return grads, dx, (dh_time, dm_time), depth_grads


# ---------------------------------------------------------------- checks


def _check_params(params) -> None:
    if not isinstance(params, GridLSTMParams):
        raise TypeError(f"params: expected GridLSTMParams, got {type(params).__name__}")
    W_in = _checks.float_array("params.W_in", params.W_in, ndim=2)
    N = W_in.shape[0]
    V.positive_int("params.W_in.shape[0] (units N)", N)
    _checks.not_empty("params.W_in", W_in)
    W = _checks.float_array("params.W", params.W, ndim=3, shape=(None, 8 * N, 2 * N), dtype=W_in.dtype)
    V.positive_int("params.W.shape[0] (layers L)", W.shape[0])
    _checks.float_array("params.b", params.b, ndim=2, shape=(W.shape[0], 8 * N), dtype=W_in.dtype)


def _state_pair(name, value, shape, dtype):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"{name}: expected a pair (h_time, m_time) of arrays of shape {shape}, "
                        f"got {type(value).__name__}")
    return (_checks.float_array(f"{name}[0] (h_time)", value[0], shape=shape, dtype=dtype),
            _checks.float_array(f"{name}[1] (m_time)", value[1], shape=shape, dtype=dtype))


_rng = _checks.rng
_float_dtype = V.float_dtype
