"""Bidirectional recurrent networks (Chapter 13; Schuster & Paliwal 1997, Graves & Schmidhuber 2005).

A recurrent layer reading left to right knows only the past: its output at time t is a
function of x(1) … x(t). Many labelling tasks (a phoneme, a handwritten letter) depend on
what comes *after* t as well. A bidirectional network runs two independent recurrent layers
over the same sequence, one forwards in time and one backwards, and joins their states:

    y^fw(t) = layer_fwd(x(1), …, x(t)),       the forward layer
    y^bw(t) = layer_bwd(x(T), …, x(t)),       the backward layer, run on x reversed in time
    y(t)    = [y^fw(t); y^bw(t)]              (T, B, H_f + H_b), or with an output layer
    y(t)    = W_f y^fw(t) + W_b y^bw(t) + b   (T, B, K)     Graves & Schmidhuber's BLSTM output

so y(t) sees the whole sequence. BLSTM is this wrapper with LSTM layers inside; any layer that
follows the **sequence layer protocol** of :mod:`lstm_core` fits:

    forward(params, x (T, B, I), state0=None)           -> (y (T, B, H), cache)
    backward(params, cache, dy (T, B, H), dstate_T=None) -> (grads, dx (T, B, I), dstate0)

(``rnn_forward``/``rnn_backward``, ``lstm_forward``/``lstm_backward``,
:func:`~lstm_core.gru.gru_forward`/:func:`~lstm_core.gru.gru_backward`). :class:`Bidirectional`
follows the protocol itself, so bidirectional layers can be stacked or nested.

The backward pass is exact: the two layers never interact, so each gets its part of ∂E/∂y,
the backward layer in reversed time, and their input gradients add, ∂E/∂x(t) = ∂E/∂x(t)|→ +
∂E/∂x(t)|←.
"""
from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import _checks
from . import _validate as V

__all__ = ["SequenceLayer", "Bidirectional", "BidirectionalParams", "BidirectionalGrads",
           "BidirectionalCache"]


@dataclass(frozen=True)
class SequenceLayer:
    """A recurrent layer given by its two protocol functions (and, optionally, its params' init).

    Attributes
    ----------
    forward : callable
        ``forward(params, x, state0=None) -> (y, cache)``.
    backward : callable
        ``backward(params, cache, dy, dstate_T=None) -> (grads, dx, dstate0)``.
    init : callable, optional
        ``init(n_in, n_hidden, rng=..., dtype=...) -> params`` (e.g. ``GRUParams.init``); needed only
        by :meth:`Bidirectional.init`.
    name : str
        Shown in reprs and error messages.

    Example: ``SequenceLayer(gru_forward, gru_backward, GRUParams.init, "GRU")``, or
    ``SequenceLayer.from_module(lstm_core.gru)``.
    """

    forward: Callable
    backward: Callable
    init: Callable | None = None
    name: str = "layer"

    def __post_init__(self):
        for field in ("forward", "backward"):
            if not callable(getattr(self, field)):
                raise TypeError(f"SequenceLayer.{field}: expected a function, "
                                f"got {type(getattr(self, field)).__name__}")
        if self.init is not None and not callable(self.init):
            raise TypeError(f"SequenceLayer.init: expected a function or None, got {type(self.init).__name__}")

    @classmethod
    def from_module(cls, module: types.ModuleType, prefix: str | None = None) -> "SequenceLayer":
        """The layer of a model module that names its functions ``<prefix>_forward`` / ``_backward``.

        ``prefix`` defaults to the module's short name (``lstm_core.gru`` → ``gru``); ``init``
        is taken from the module's one class named ``*Params`` that has an ``init`` classmethod.
        """
        if not isinstance(module, types.ModuleType):
            raise TypeError(f"module: expected a module such as lstm_core.gru, got {type(module).__name__}")
        prefix = prefix or module.__name__.rsplit(".", 1)[-1]
        try:
            forward, backward = getattr(module, f"{prefix}_forward"), getattr(module, f"{prefix}_backward")
        except AttributeError:
            raise ValueError(f"module: expected functions {prefix}_forward and {prefix}_backward "
                             f"in {module.__name__}") from None
        params = [obj for name, obj in vars(module).items()
                  if isinstance(obj, type) and name.endswith("Params") and hasattr(obj, "init")
                  and obj.__module__ == module.__name__]
        return cls(forward, backward, params[0].init if len(params) == 1 else None, prefix)


@dataclass
class BidirectionalParams:
    """Parameters of a bidirectional layer (Chapter 13).

    Attributes
    ----------
    fwd, bwd : params of the forward and of the backward layer (e.g. two ``GRUParams``).
    W_f : ndarray (K, H_f) or None
        Output weights from the forward states y^fw(t); ``None`` for no output layer.
    W_b : ndarray (K, H_b) or None
        Output weights from the backward states y^bw(t).
    b : ndarray (K,) or None
        Output bias.
    """

    fwd: Any
    bwd: Any
    W_f: np.ndarray | None = None
    W_b: np.ndarray | None = None
    b: np.ndarray | None = None

    @property
    def has_output_layer(self) -> bool:
        return self.W_f is not None


@dataclass
class BidirectionalGrads:
    """∂E/∂θ for :class:`BidirectionalParams`: the two layers' grads and the output layer's."""

    fwd: Any
    bwd: Any
    W_f: np.ndarray | None = None
    W_b: np.ndarray | None = None
    b: np.ndarray | None = None


@dataclass
class BidirectionalCache:
    """Trace of :meth:`Bidirectional.forward`.

    ``fwd`` / ``bwd`` are the two layers' own caches (``bwd`` in reversed time, as that layer
    saw it); ``h_fwd`` (T, B, H_f) holds y^fw(t) and ``h_bwd`` (T, B, H_b) holds y^bw(t), both in
    natural time order (``h_bwd[t]`` has read x[t], …, x[T−1]).
    """

    fwd: Any
    bwd: Any
    h_fwd: np.ndarray
    h_bwd: np.ndarray


def _as_layer(name: str, layer) -> SequenceLayer | Any:
    """Accept a SequenceLayer, a ``(forward, backward)`` pair, or any object with both methods."""
    if isinstance(layer, tuple):
        if len(layer) != 2:
            raise TypeError(f"{name}: expected a (forward, backward) pair of functions, got a tuple "
                            f"of length {len(layer)}")
        return SequenceLayer(*layer)
    if callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None)):
        return layer
    raise TypeError(f"{name}: expected a SequenceLayer, a (forward, backward) pair or an object with "
                    f"forward/backward methods, got {type(layer).__name__}")


@dataclass(frozen=True)
class Bidirectional:
    """Bidirectional wrapper around any sequence layer (Chapter 13).

    ``Bidirectional(layer_fwd, layer_bwd=None)``: ``layer_bwd`` defaults to the same kind of layer
    as ``layer_fwd`` (with its own parameters). Each may be a :class:`SequenceLayer`, a
    ``(forward, backward)`` pair, or another :class:`Bidirectional`. The object itself follows
    the sequence layer protocol (``forward``, ``backward``, ``init``).

    Example::

        bi = Bidirectional(SequenceLayer.from_module(lstm_core.gru))
        params = bi.init(n_in=3, n_hidden=8, rng=0, n_out=2)
        y, cache = bi.forward(params, x)              # (T, B, 2)
        grads, dx, dstate0 = bi.backward(params, cache, dy)
    """

    layer_fwd: Any
    layer_bwd: Any = None

    def __post_init__(self):
        object.__setattr__(self, "layer_fwd", _as_layer("layer_fwd", self.layer_fwd))
        bwd = self.layer_fwd if self.layer_bwd is None else _as_layer("layer_bwd", self.layer_bwd)
        object.__setattr__(self, "layer_bwd", bwd)

    # ------------------------------------------------------------ parameters

    def init(self, n_in: int, n_hidden: int, rng=None, dtype=np.float64, n_out: int | None = None
             ) -> BidirectionalParams:
        """Fresh parameters: ``n_hidden`` units in each direction; an output layer of ``n_out``
        units (weights and bias uniform in ±1/√(H_f + H_b)) when ``n_out`` is given.

        Parameters
        ----------
        n_in : int
            Input units I.
        n_hidden : int
            Hidden units H of each direction (the concatenated output has 2H).
        rng : numpy.random.Generator or int, optional
        dtype : float32 or float64
        n_out : int, optional
            Output units K of y(t) = W_f y^fw(t) + W_b y^bw(t) + b; ``None``: no output layer.
        """
        for name, layer in (("layer_fwd", self.layer_fwd), ("layer_bwd", self.layer_bwd)):
            if getattr(layer, "init", None) is None:
                raise TypeError(f"{name}: has no init function; build BidirectionalParams yourself "
                                f"or give the SequenceLayer an init")
        n_hidden = V.positive_int("n_hidden", n_hidden)
        rng = _checks.rng(rng)
        fwd = self.layer_fwd.init(n_in, n_hidden, rng=rng, dtype=dtype)
        bwd = self.layer_bwd.init(n_in, n_hidden, rng=rng, dtype=dtype)
        if n_out is None:
            return BidirectionalParams(fwd, bwd)
        n_out = V.positive_int("n_out", n_out)
        # each layer's output width H_f, H_b (n_hidden, or 2·n_hidden for a nested Bidirectional),
        # read off one step on a zero input
        probe = np.zeros((1, 1, n_in), dtype=dtype)
        H_f = self.layer_fwd.forward(fwd, probe)[0].shape[2]
        H_b = self.layer_bwd.forward(bwd, probe)[0].shape[2]
        k = 1.0 / np.sqrt(H_f + H_b)
        return BidirectionalParams(fwd, bwd,
                                   W_f=rng.uniform(-k, k, (n_out, H_f)).astype(dtype),
                                   W_b=rng.uniform(-k, k, (n_out, H_b)).astype(dtype),
                                   b=rng.uniform(-k, k, n_out).astype(dtype))

    # ------------------------------------------------------------ forward / backward

    def forward(self, params: BidirectionalParams, x, state0=None) -> tuple[np.ndarray, BidirectionalCache]:
        """Run both layers over ``x`` and join them (Chapter 13).

        Book equations: eq-blstm-layers, eq-blstm-output

        Parameters
        ----------
        params : BidirectionalParams
        x : ndarray (T, B, I)
        state0 : pair, optional
            ``(state0_fwd, state0_bwd)``: initial states of the two layers, each in its layer's
            own format (``None`` entries: zeros). The backward layer's initial state is the
            one it starts from at t = T.

        Returns
        -------
        y : ndarray
            (T, B, H_f + H_b) = [y^fw(t); y^bw(t)], or (T, B, K) = W_f y^fw(t) + W_b y^bw(t) + b.
        cache : BidirectionalCache
        """
        _check_params(params)
        x = _checks.float_array("x", x, ndim=3)
        s_f, s_b = _pair("state0", state0)
        h_fwd, cache_f = self.layer_fwd.forward(params.fwd, x, s_f)
        # index reversal: the backward layer's step k reads x[T−1−k]
        h_bwd_rev, cache_b = self.layer_bwd.forward(params.bwd, np.ascontiguousarray(x[::-1]), s_b)
        h_bwd = h_bwd_rev[::-1]
        cache = BidirectionalCache(fwd=cache_f, bwd=cache_b, h_fwd=h_fwd, h_bwd=h_bwd)
        if not params.has_output_layer:
            return np.concatenate([h_fwd, h_bwd], axis=2), cache
        _check_output_layer(params, h_fwd, h_bwd)
        return h_fwd @ params.W_f.T + h_bwd @ params.W_b.T + params.b, cache

    def backward(self, params: BidirectionalParams, cache: BidirectionalCache, dy, dstate_T=None
                 ) -> tuple[BidirectionalGrads, np.ndarray, tuple]:
        """Exact gradient of :meth:`forward` (Chapter 13).

        With an output layer: ∂E/∂W_f = Σ_t dy(t)^T y^fw(t), ∂E/∂W_b = Σ_t dy(t)^T y^bw(t),
        ∂E/∂b = Σ_t dy(t), ∂E/∂y^fw(t) = dy(t) W_f, ∂E/∂y^bw(t) = dy(t) W_b; without one,
        dy splits into its first H_f and last H_b columns. Each layer then runs its own BPTT,
        the backward layer on the reversed sequence; the input gradients add.

        Book equations: eq-blstm-out-grads, eq-blstm-split

        Parameters
        ----------
        params : BidirectionalParams
        cache : BidirectionalCache
        dy : ndarray (T, B, H_f + H_b) or (T, B, K)
            ∂E/∂y(t).
        dstate_T : pair, optional
            ``(dstate_T_fwd, dstate_T_bwd)``: gradients arriving at each layer's *final* state
            (the backward layer's final state is h←(1), at t = 0 in code).

        Returns
        -------
        grads : BidirectionalGrads
        dx : ndarray (T, B, I)
        dstate0 : pair
            ``(dstate0_fwd, dstate0_bwd)``, the gradients for the two initial states.
        """
        _check_params(params)
        if not isinstance(cache, BidirectionalCache):
            raise TypeError(f"cache: expected a BidirectionalCache from Bidirectional.forward, "
                            f"got {type(cache).__name__}")
        h_fwd, h_bwd = cache.h_fwd, cache.h_bwd
        (T, B, H_f), H_b = h_fwd.shape, h_bwd.shape[2]
        dtype = h_fwd.dtype
        ds_f, ds_b = _pair("dstate_T", dstate_T)
        if params.has_output_layer:
            _check_output_layer(params, h_fwd, h_bwd)      # blame W_f / W_b / b, not dy
            K = params.b.shape[0]
            dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, K), dtype=dtype)
            flat = dy.reshape(T * B, K)
            W_f = flat.T @ h_fwd.reshape(T * B, H_f)
            W_b = flat.T @ h_bwd.reshape(T * B, H_b)
            b = flat.sum(axis=0)
            dh_f, dh_b = dy @ params.W_f, dy @ params.W_b
        else:
            dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, H_f + H_b), dtype=dtype)
            W_f = W_b = b = None
            dh_f, dh_b = dy[:, :, :H_f], dy[:, :, H_f:]
        g_f, dx_f, d0_f = self.layer_fwd.backward(params.fwd, cache.fwd, np.ascontiguousarray(dh_f), ds_f)
        g_b, dx_b_rev, d0_b = self.layer_bwd.backward(params.bwd, cache.bwd, np.ascontiguousarray(dh_b[::-1]),
                                                      ds_b)
        dx = dx_f + dx_b_rev[::-1]
        return BidirectionalGrads(g_f, g_b, W_f, W_b, b), dx, (d0_f, d0_b)


def _pair(name: str, value) -> tuple:
    if value is None:
        return None, None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    raise TypeError(f"{name}: expected None or a pair (forward layer's, backward layer's), "
                    f"got {type(value).__name__}")


def _check_params(params) -> None:
    if not isinstance(params, BidirectionalParams):
        raise TypeError(f"params: expected BidirectionalParams, got {type(params).__name__}")
    given = [a is not None for a in (params.W_f, params.W_b, params.b)]
    if any(given) and not all(given):
        raise ValueError("params: expected W_f, W_b and b all given (output layer) or all None, "
                         f"got W_f {'set' if given[0] else 'None'}, W_b {'set' if given[1] else 'None'}, "
                         f"b {'set' if given[2] else 'None'}")


def _check_output_layer(params: BidirectionalParams, h_fwd: np.ndarray, h_bwd: np.ndarray) -> None:
    dtype = h_fwd.dtype
    b = _checks.float_array("params.b", params.b, ndim=1, dtype=dtype)
    K = b.shape[0]
    _checks.float_array("params.W_f", params.W_f, ndim=2, shape=(K, h_fwd.shape[2]), dtype=dtype)
    _checks.float_array("params.W_b", params.W_b, ndim=2, shape=(K, h_bwd.shape[2]), dtype=dtype)
