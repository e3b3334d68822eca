"""Output units on top of a recurrent layer: the networks of the 1997 experiments (Chapter 16).

A recurrent layer (:mod:`lstm_core.lstm`, :mod:`lstm_core.rnn`) produces hidden outputs
y^j(t) — the cell outputs y^c of the memory cells, or the units of a tanh net. The tasks of
Hochreiter & Schmidhuber (1997) read them with a layer of **output units** k that have no
recurrence of their own:

    net_k(t) = Σ_j w_kj y^j(t) [+ Σ_i v_ki x_i(t)] + b_k,          y^k(t) = f_k(net_k(t)),

optionally with direct connections v_ki from the input units (the 1997 next-symbol tasks use
them: predicting a_{i+1} from a_i needs no memory, only a direct path), and
with f_k the logistic function (targets in [0, 1]: the next-symbol sets of the Reber grammar,
the classes of the temporal-order task, the scaled sum of the adding problem) or the identity.
This module holds that layer (:func:`readout_forward` next to :func:`readout_backward`) and the
two-layer network "recurrent layer → output units" (:func:`net_forward`, :func:`net_backward`,
:func:`net_loss_and_grads`) that :mod:`experiments` trains.

Backward, in the book's notation (e_k(t) = t_k(t) − y^k(t) for E = ½ Σ_t Σ_k e_k(t)²)::

    δ_k(t) = f_k'(net_k(t)) e_k(t)                       output delta (= −∂E/∂net_k(t))
    ∂E/∂w_kj = −Σ_t δ_k(t) y^j(t),    ∂E/∂v_ki = −Σ_t δ_k(t) x_i(t),    ∂E/∂b_k = −Σ_t δ_k(t)
    ∂E/∂y^j(t) = −Σ_k w_kj δ_k(t)                        the error injected into the layer below

Code conventions as in :mod:`lstm_core`: time-major (T, B, ·) arrays, ``W[k, j]`` = w_kj,
backward functions take dy = ∂E/∂y and return ∂E/∂θ.

Simplification against the 1997 networks: there the gates and cells of some experiments also
had bias-like connections and the hidden layer could contain conventional units; here the
hidden layer is the recurrent layer alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from . import _validate as check
from . import activations
from .losses import squared_error
from .lstm import LSTMParams, lstm_backward, lstm_forward
from .rnn import RNNParams, rnn_backward, rnn_forward

__all__ = ["ReadoutParams", "ReadoutGrads", "ReadoutCache", "readout_forward", "readout_backward",
           "NetParams", "NetGrads", "NetCache", "net_forward", "net_backward",
           "net_loss_and_grads"]

_OUTPUT_ACTIVATIONS = ("logistic", "identity")


# ---------------------------------------------------------------- the output layer


@dataclass
class ReadoutParams:
    """Weights of the output units (Chapter 16).

    Attributes
    ----------
    W : ndarray (K, H)
        w_kj, to output unit k from hidden unit j.
    b : ndarray (K,)
        Biases b_k.
    activation : str
        f_k: ``"logistic"`` (default) or ``"identity"``.
    V : ndarray (K, I) or None
        v_ki, direct connections from input unit i (``None``: the output units see only the
        recurrent layer).
    """

    W: np.ndarray
    b: np.ndarray
    activation: str = "logistic"
    V: np.ndarray | None = None

    @classmethod
    def init(cls, n_in: int, n_out: int, rng, activation: str = "logistic",
             scale: float | None = None, dtype=np.float64, n_direct: int = 0) -> "ReadoutParams":
        """Weights uniform in ±scale (default 1/√H), biases zero.

        Parameters
        ----------
        n_in : int
            H, the hidden units read (≥ 1).
        n_out : int
            K, the output units (≥ 1).
        rng : numpy.random.Generator or int seed
        activation : {"logistic", "identity"}
        scale : float, optional
        dtype : float32 or float64
        n_direct : int
            I, the input units with direct connections (0: none, ``V`` is ``None``).
        """
        n_in = check.positive_int("n_in", n_in)
        n_out = check.positive_int("n_out", n_out)
        _check_activation(activation)
        rng = _as_rng(rng)
        dtype = _float_dtype(dtype)
        k = 1.0 / np.sqrt(n_in) if scale is None else check.positive_float("scale", scale, allow_zero=True)
        n_direct = check.positive_int("n_direct", n_direct, minimum=0)
        W = rng.uniform(-k, k, (n_out, n_in)).astype(dtype)
        Vd = rng.uniform(-k, k, (n_out, n_direct)).astype(dtype) if n_direct else None
        return cls(W=W, b=np.zeros(n_out, dtype), activation=activation, V=Vd)


@dataclass
class ReadoutGrads:
    """∂E/∂θ for :class:`ReadoutParams` (same names and shapes; ``V`` is ``None`` without
    direct connections)."""

    W: np.ndarray
    b: np.ndarray
    V: np.ndarray | None = None


@dataclass
class ReadoutCache:
    """What :func:`readout_forward` keeps: the hidden outputs ``h`` (T, B, H) it read, the
    inputs ``x`` (T, B, I) of the direct connections (or ``None``) and the output activations
    ``y`` (T, B, K)."""

    h: np.ndarray
    x: np.ndarray | None
    y: np.ndarray


def readout_forward(params: ReadoutParams, h, x=None) -> tuple[np.ndarray, ReadoutCache]:
    """Output units on every time step: y^k(t) = f_k(Σ_j w_kj y^j(t) + Σ_i v_ki x_i(t) + b_k)
    (Chapter 16).

    Book equations: eq-ch16-readout, eq-app-readout

    Parameters
    ----------
    params : ReadoutParams
    h : ndarray (T, B, H)
        Hidden outputs y^j(t) of the recurrent layer, the parameters' dtype.
    x : ndarray (T, B, I), optional
        The network's inputs x_i(t); required exactly when ``params.V`` is not ``None``.

    Returns
    -------
    y : ndarray (T, B, K)
    cache : ReadoutCache
    """
    _check_readout(params)
    h = _checks.float_array("h", h, ndim=3, shape=(None, None, params.W.shape[1]), dtype=params.W.dtype)
    _checks.not_empty("h", h)
    net = h @ params.W.T + params.b                     # all T steps in one matmul
    if params.V is not None:
        if x is None:
            raise ValueError("x: expected the inputs (T, B, I) for the direct connections V, got None")
        x = _checks.float_array("x", x, ndim=3, shape=h.shape[:2] + (params.V.shape[1],), dtype=h.dtype)
        net += x @ params.V.T
    elif x is not None:
        raise ValueError("x: expected None (params.V is None: no direct input connections), got an array")
    y = activations._sigmoid(net) if params.activation == "logistic" else net   # net: checked inputs
    return y, ReadoutCache(h=h, x=x, y=y)


def readout_backward(params: ReadoutParams, cache: ReadoutCache,
                     dy) -> tuple[ReadoutGrads, np.ndarray, np.ndarray | None]:
    """Backward pass of :func:`readout_forward` (Chapter 16).

    With dy = ∂E/∂y^k(t): ∂E/∂net_k(t) = f_k'(net_k(t)) dy = −δ_k(t), then
    ∂E/∂w_kj = Σ_t ∂E/∂net_k(t) y^j(t), ∂E/∂v_ki = Σ_t ∂E/∂net_k(t) x_i(t),
    ∂E/∂b_k = Σ_t ∂E/∂net_k(t), ∂E/∂y^j(t) = Σ_k w_kj ∂E/∂net_k(t) and, through the direct
    connections, ∂E/∂x_i(t) = Σ_k v_ki ∂E/∂net_k(t).

    Parameters
    ----------
    params : ReadoutParams
    cache : ReadoutCache
    dy : ndarray (T, B, K)

    Returns
    -------
    grads : ReadoutGrads
    dh : ndarray (T, B, H)
        ∂E/∂y^j(t), to hand to the recurrent layer's backward pass.
    dx : ndarray (T, B, I) or None
        ∂E/∂x_i(t) through the direct connections (``None`` without them).
    """
    _check_readout(params)
    if not isinstance(cache, ReadoutCache):
        raise TypeError(f"cache: expected a ReadoutCache from readout_forward, got {type(cache).__name__}")
    if params.W.shape != (cache.y.shape[2], cache.h.shape[2]):
        raise ValueError(f"params.W: expected shape {(cache.y.shape[2], cache.h.shape[2])} (K, H of the "
                         f"cache), got {params.W.shape}")
    dy = _checks.float_array("dy", dy, ndim=3, shape=cache.y.shape, dtype=params.W.dtype)
    dnet = dy * (cache.y * (1.0 - cache.y)) if params.activation == "logistic" else dy
    K, H = params.W.shape
    flat = dnet.reshape(-1, K)
    grads = ReadoutGrads(W=flat.T @ cache.h.reshape(-1, H), b=flat.sum(axis=0))
    dx = None
    if params.V is not None:
        grads.V = flat.T @ cache.x.reshape(-1, params.V.shape[1])
        dx = dnet @ params.V
    return grads, dnet @ params.W, dx


# ---------------------------------------------------------------- recurrent layer + output units


@dataclass
class NetParams:
    """A recurrent layer and the output units that read it (Chapter 16).

    Attributes
    ----------
    core : LSTMParams or RNNParams
        The recurrent layer (LSTM memory cells, or the tanh net of Chapter 4 as a baseline).
    out : ReadoutParams
        The output units, reading the layer's outputs.
    """

    core: Any
    out: ReadoutParams

    @classmethod
    def init(cls, n_in: int, n_hidden: int, n_out: int, rng, core: str = "lstm1997",
             activation: str = "logistic", direct: bool = False, dtype=np.float64,
             **core_kwargs) -> "NetParams":
        """A fresh network.

        Parameters
        ----------
        n_in, n_hidden, n_out : int
            I inputs, H memory cells (or tanh units), K outputs.
        rng : numpy.random.Generator or int seed
        core : str or LSTMConfig
            An LSTM preset name or :class:`~lstm_core.lstm.LSTMConfig`, or ``"rnn"`` for a tanh net.
        activation : {"logistic", "identity"}
            The output units' f_k.
        direct : bool
            Direct connections from the inputs to the output units (``ReadoutParams.V``).
        dtype : float32 or float64
        **core_kwargs
            Passed to :meth:`LSTMParams.init <lstm_core.lstm.LSTMParams.init>` (e.g. ``scale``) or
            :meth:`RNNParams.init <lstm_core.rnn.RNNParams.init>`.
        """
        from .lstm import PRESETS, LSTMConfig
        if not (isinstance(core, LSTMConfig) or (isinstance(core, str) and (core == "rnn" or core in PRESETS))):
            raise ValueError(f"core: expected \"rnn\", an LSTM preset name (one of {list(PRESETS)}) or an "
                             f"LSTMConfig; accepted names: {['rnn'] + list(PRESETS)}, got {core!r}")
        n_hidden = check.positive_int("n_hidden", n_hidden)
        rng = _as_rng(rng)
        if isinstance(core, str) and core == "rnn":
            layer = RNNParams.init(n_in, n_hidden, rng, dtype=dtype, **core_kwargs)
        else:
            layer = LSTMParams.init(n_in, n_hidden, core, rng=rng, dtype=dtype, **core_kwargs)
        return cls(core=layer, out=ReadoutParams.init(n_hidden, n_out, rng, activation, dtype=dtype,
                                                     n_direct=n_in if direct else 0))

    @property
    def n_weights(self) -> int:
        """Number of trainable numbers (the 1997 paper reports it for every experiment)."""
        from .optim import named_arrays
        return sum(a.size for a in named_arrays(self).values())


@dataclass
class NetGrads:
    """∂E/∂θ for :class:`NetParams`: the layer's grads and the output units'."""

    core: Any
    out: ReadoutGrads


@dataclass
class NetCache:
    """Caches of the two layers of :func:`net_forward`."""

    core: Any
    out: ReadoutCache


def _layer(core):
    if isinstance(core, LSTMParams):
        return lstm_forward, lstm_backward
    if isinstance(core, RNNParams):
        return rnn_forward, rnn_backward
    raise TypeError(f"params.core: expected LSTMParams or RNNParams, got {type(core).__name__}")


def net_forward(params: NetParams, x) -> tuple[np.ndarray, NetCache]:
    """Run the network over a batch of sequences from zero initial states (Chapter 16).

    Parameters
    ----------
    params : NetParams
    x : ndarray (T, B, I)

    Returns
    -------
    y : ndarray (T, B, K)
        Output units y^k(t) at every step.
    cache : NetCache
    """
    if not isinstance(params, NetParams):
        raise TypeError(f"params: expected NetParams, got {type(params).__name__}")
    forward, _ = _layer(params.core)
    h, core_cache = forward(params.core, x)
    y, out_cache = readout_forward(params.out, h, x if params.out.V is not None else None)
    return y, NetCache(core=core_cache, out=out_cache)


def net_backward(params: NetParams, cache: NetCache, dy) -> tuple[NetGrads, np.ndarray]:
    """Full BPTT through output units and recurrent layer (Chapter 16).

    Parameters
    ----------
    params : NetParams
    cache : NetCache
        From :func:`net_forward` with the same ``params``.
    dy : ndarray (T, B, K)
        ∂E/∂y^k(t).

    Returns
    -------
    grads : NetGrads
    dx : ndarray (T, B, I)
    """
    if not isinstance(params, NetParams):
        raise TypeError(f"params: expected NetParams, got {type(params).__name__}")
    if not isinstance(cache, NetCache):
        raise TypeError(f"cache: expected a NetCache from net_forward, got {type(cache).__name__}")
    _, backward = _layer(params.core)
    out_grads, dh, dx_direct = readout_backward(params.out, cache.out, dy)
    core_grads, dx, _ = backward(params.core, cache.core, dh)
    if dx_direct is not None:
        dx = dx + dx_direct
    return NetGrads(core=core_grads, out=out_grads), dx


def net_loss_and_grads(params: NetParams, batch) -> tuple[float, NetGrads]:
    """E = (1/B) Σ_b Σ_t Σ_k ½ m_b(t) (t_k − y^k)² on a task batch, and ∂E/∂θ (Chapter 16).

    The mask m_b(t) of the batch (:class:`lstm_core.tasks.TaskBatch`) selects the scored steps;
    the sum over sequences is divided by B so a learning rate does not depend on the batch size.
    Ready for :func:`lstm_core.train.train` as ``loss_and_grads``.

    Book equations: eq-ch16-loss

    Parameters
    ----------
    params : NetParams
    batch : TaskBatch
        Needs ``x`` (T, B, I), ``t`` (T, B, K) and ``mask`` (T, B, 1).

    Returns
    -------
    E : float
    grads : NetGrads
    """
    x, _, _ = _checks.task_batch(batch)
    y, cache = net_forward(params, x)
    _, t, mask = _checks.task_batch(batch, y_shape=y.shape)
    E, dy = squared_error(y * mask, t, mean=True)
    grads, _ = net_backward(params, cache, dy * mask)
    return E, grads


# ---------------------------------------------------------------- helpers


def _check_activation(activation) -> None:
    if activation not in _OUTPUT_ACTIVATIONS:
        raise ValueError(f"activation: expected one of {list(_OUTPUT_ACTIVATIONS)}, got {activation!r}")


def _check_readout(params) -> None:
    if not isinstance(params, ReadoutParams):
        raise TypeError(f"params: expected ReadoutParams, got {type(params).__name__}")
    _check_activation(params.activation)
    W = _checks.float_array("params.W", params.W, ndim=2)
    if W.shape[0] == 0 or W.shape[1] == 0:
        raise ValueError(f"params.W: expected shape (K, H) with K, H >= 1, got {W.shape}")
    _checks.float_array("params.b", params.b, ndim=1, shape=(W.shape[0],), dtype=W.dtype)
    if params.V is not None:
        Vd = _checks.float_array("params.V", params.V, ndim=2, shape=(W.shape[0], None), dtype=W.dtype)
        if Vd.shape[1] == 0:
            raise ValueError(f"params.V: expected shape ({W.shape[0]}, I) with I >= 1 or None, got {Vd.shape}")


def _as_rng(rng) -> np.random.Generator:
    if rng is None:
        raise TypeError("rng: expected a numpy.random.Generator or an int seed, got None")
    return _checks.rng(rng)
    raise TypeError(f"rng: expected a numpy.random.Generator or an int seed, got {type(rng).__name__}")


_float_dtype = check.float_dtype
