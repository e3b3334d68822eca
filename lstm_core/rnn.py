"""The fully recurrent network and its three gradient algorithms (chapters 4–7).

Chapter 4 introduces the net: n units, each seeing the previous outputs of all units and the
current external input,

    net_k(t) = Σ_l w_kl y^l(t−1) + Σ_i w_ki x_i(t) + b_k,        y^k(t) = f(net_k(t)).

Chapter 5 computes its gradient by **backpropagation through time** (BPTT): unfold the net
in time and run the delta rule backwards through the copies,

    δ_k(t) = f'(net_k(t)) [ e_k(t) + Σ_l w_lk δ_l(t+1) ],      ∂E/∂w_ij = −Σ_t δ_i(t) y^j(t−1),

and its cheaper, approximate cousin **truncated BPTT(h)**. Chapter 6 computes the *same*
gradient forwards in time by **real-time recurrent learning** (RTRL), carrying the
sensitivities p^k_ij(t) = ∂y^k(t)/∂w_ij along with the activations. Chapter 7 uses
:func:`error_flow` to watch the backward error vanish or explode.

Code conventions (see :mod:`lstm_core`)
---------------------------------------
* Sequences are time-major: ``x`` is ``(T, B, I)``, outputs ``y`` are ``(T, B, n)``.
  Code index ``y[t]`` is the book's y(t+1); the book's initial state y(0) is the
  argument ``state0`` (the protocol's name) and the cache field ``y0``.
* ``W_rec[k, l]`` is the book's w_kl (to unit k from unit l), ``W_in[k, i]`` is w_ki.
* Backward functions take ``dy = ∂E/∂y`` and return ``∂E/∂θ``. The book's error and delta
  carry the opposite sign: **e(t) = −∂E/∂y(t)** (for E = ½ Σ (t − y)² this is the usual
  e = t − y) and **δ(t) = −∂E/∂net(t)**. Every array called ``delta`` or ``e`` here has the
  book's sign.

The sequence layer protocol
---------------------------
Every recurrent layer of :mod:`lstm_core` (this one, the LSTM, the GRU) offers

    ``forward(params, x, state0=None) -> (y, cache)``
    ``backward(params, cache, dy, dstate_T=None) -> (grads, dx, dstate0)``

with ``grads`` a dataclass whose fields have the parameters' names. Here they are
:func:`rnn_forward` and :func:`rnn_backward`; the bidirectional wrapper relies on them.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import numpy as np

from . import activations
from . import _checks
from ._checks import float_array
from ._validate import positive_float, positive_int

__all__ = [
    "RNNParams", "RNNGrads", "StepCache", "RNNCache", "BPTTTrace", "ErrorFlow", "RTRL",
    "rnn_step", "rnn_forward", "rnn_step_backward", "bptt_delta_step", "bptt_deltas",
    "rnn_backward", "bptt_trace", "rnn_backward_truncated",
    "rtrl_sensitivity_step", "rnn_rtrl_gradient", "error_flow",
]


# ---------------------------------------------------------------------------------------------
# Parameters and gradients
# ---------------------------------------------------------------------------------------------

@dataclass
class RNNParams:
    """Weights of a fully recurrent net with n units and I inputs (Chapter 4).

    Attributes
    ----------
    W_in : ndarray (n, I)
        Input weights, ``W_in[k, i]`` = w_ki (to unit k from input i).
    W_rec : ndarray (n, n)
        Recurrent weights, ``W_rec[k, l]`` = w_kl (to unit k from unit l's previous output).
    b : ndarray (n,)
        Biases b_k (the weight from an input that is always 1).
    activation : str
        Name of the squashing function f in :mod:`lstm_core.activations`
        (``"logistic"``, ``"tanh"``, ``"identity"``, …). Not a trained parameter.

    The three arrays share one dtype (float32 or float64); the constructor checks shapes,
    dtypes and finiteness but keeps the arrays themselves (no copies), so in-place updates by
    an optimiser or a finite-difference check are seen by every function here.
    """

    W_in: np.ndarray
    W_rec: np.ndarray
    b: np.ndarray
    activation: str = "tanh"

    def __post_init__(self):
        # lists become float64 arrays; ndarrays are kept as they are (never copied)
        self.W_in = _checks.float_array("params.W_in", self.W_in)
        self.W_rec = _checks.float_array("params.W_rec", self.W_rec)
        self.b = _checks.float_array("params.b", self.b)
        _check_params(self)

    @classmethod
    def init(cls, n_in: int, n_units: int, rng, scale: float = 1.0, input_scale: float = 1.0,
             bias_scale: float = 0.0, activation: str = "tanh", dtype=np.float64) -> "RNNParams":
        """Random weights drawn from Gaussians (Chapter 4).

        ``W_rec ~ N(0, scale²/n)``, so for large n its spectral radius is close to ``scale``
        (the circular law; Chapter 7 varies it). ``W_in ~ N(0, input_scale²/I)`` and
        ``b ~ N(0, bias_scale²)`` (zeros by default).

        Parameters
        ----------
        n_in, n_units : int ≥ 1
            I and n.
        rng : numpy.random.Generator or int
            A generator, or a seed for ``np.random.default_rng``.
        scale, input_scale, bias_scale : float ≥ 0
        activation : str
            Name of f (see :mod:`lstm_core.activations`).
        dtype : float32 or float64
        """
        n_in = positive_int("n_in", n_in)
        n_units = positive_int("n_units", n_units)
        scale = positive_float("scale", scale, allow_zero=True)
        input_scale = positive_float("input_scale", input_scale, allow_zero=True)
        bias_scale = positive_float("bias_scale", bias_scale, allow_zero=True)
        dtype = np.dtype(dtype)
        if dtype.type not in (np.float32, np.float64):
            raise TypeError(f"dtype: expected float32 or float64, got {dtype}")
        rng = _checks.rng(rng)
        W_in = rng.normal(0.0, input_scale / np.sqrt(n_in), (n_units, n_in))
        W_rec = rng.normal(0.0, scale / np.sqrt(n_units), (n_units, n_units))
        b = rng.normal(0.0, bias_scale, n_units) if bias_scale > 0 else np.zeros(n_units)
        return cls(W_in.astype(dtype), W_rec.astype(dtype), b.astype(dtype), activation)

    @property
    def n_units(self) -> int:
        """n, the number of recurrent units."""
        return self.W_rec.shape[0]

    @property
    def n_in(self) -> int:
        """I, the number of input units."""
        return self.W_in.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.W_rec.dtype

    def copy(self) -> "RNNParams":
        """A deep copy (new arrays)."""
        return RNNParams(self.W_in.copy(), self.W_rec.copy(), self.b.copy(), self.activation)


@dataclass
class RNNGrads:
    """∂E/∂θ for :class:`RNNParams`: same field names and shapes (W_in, W_rec, b)."""

    W_in: np.ndarray
    W_rec: np.ndarray
    b: np.ndarray

    @classmethod
    def zeros_like(cls, params: RNNParams) -> "RNNGrads":
        return cls(np.zeros_like(params.W_in), np.zeros_like(params.W_rec), np.zeros_like(params.b))

    def __iadd__(self, other: "RNNGrads") -> "RNNGrads":
        for f in fields(self):
            getattr(self, f.name)[...] += getattr(other, f.name)
        return self


def _check_params(params) -> activations.Activation:
    """Validate an :class:`RNNParams` and return its activation."""
    if not isinstance(params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(params).__name__}")
    W_rec = float_array("params.W_rec", params.W_rec, ndim=2)
    n = W_rec.shape[0]
    if n < 1:
        raise ValueError(f"params.W_rec: expected at least one unit, got shape {W_rec.shape}")
    float_array("params.W_rec", W_rec, shape=(n, n))
    _checks.not_empty("params.W_in", float_array("params.W_in", params.W_in, ndim=2, shape=(n, None),
                                                 dtype=W_rec.dtype))
    float_array("params.b", params.b, ndim=1, shape=(n,), dtype=W_rec.dtype)
    return activations.get(params.activation)


def _check_x(params: RNNParams, x, state0):
    """Validate a sequence ``x`` (T, B, I) and an optional initial state; return (x, y0)."""
    x = float_array("x", x, ndim=3, shape=(None, None, params.n_in), dtype=params.dtype)
    T, B, _ = x.shape
    if T < 1 or B < 1:
        raise ValueError(f"x: expected at least one time step and one sequence, got shape {x.shape}")
    return x, _check_state("state0", params, state0, B)


def _check_state(name: str, params: RNNParams, y, B: int) -> np.ndarray:
    if y is None:
        return np.zeros((B, params.n_units), dtype=params.dtype)
    return float_array(name, y, ndim=2, shape=(B, params.n_units), dtype=params.dtype)


def _check_step_x(params: RNNParams, x_t, B: int | None = None) -> np.ndarray:
    return _checks.not_empty("x_t", float_array("x_t", x_t, ndim=2, shape=(B, params.n_in),
                                                dtype=params.dtype))


# ---------------------------------------------------------------------------------------------
# Forward pass (Chapter 4)
# ---------------------------------------------------------------------------------------------

@dataclass
class StepCache:
    """What one forward step keeps: inputs x(t) (B, I), y(t−1) (B, n), net(t) and y(t) (B, n)."""

    x: np.ndarray
    y_prev: np.ndarray
    net: np.ndarray
    y: np.ndarray


@dataclass
class RNNCache:
    """What :func:`rnn_forward` keeps for the backward pass (one row per time step).

    x (T, B, I), y0 (B, n) = the book's y(0), net (T, B, n), y (T, B, n), and the activation.
    ``net[t]``, ``y[t]`` are the book's net(t+1), y(t+1).
    """

    x: np.ndarray
    y0: np.ndarray
    net: np.ndarray
    y: np.ndarray
    activation: str

    @property
    def y_prev(self) -> np.ndarray:
        """y(t−1) for every step, (T, B, n): y0 followed by y[:-1]."""
        return np.concatenate([self.y0[None], self.y[:-1]], axis=0)


@_checks.overflow_checked('x, params')
def rnn_step(params: RNNParams, x_t, y_prev) -> tuple[np.ndarray, StepCache]:
    """One time step of the recurrent net (Chapter 4).

        net_k(t) = Σ_l w_kl y^l(t−1) + Σ_i w_ki x_i(t) + b_k,    y^k(t) = f(net_k(t))

    Book equations: eq-notation-unit, eq-rnn-net, eq-bptt-forward, eq-rtrl-net

    Parameters
    ----------
    params : RNNParams
    x_t : ndarray (B, I)
        x(t).
    y_prev : ndarray (B, n)
        y(t−1).

    Returns
    -------
    y_t : ndarray (B, n)
    cache : StepCache
    """
    act = _check_params(params)
    x_t = _check_step_x(params, x_t)
    y_prev = float_array("y_prev", y_prev, ndim=2, shape=(x_t.shape[0], params.n_units),
                         dtype=params.dtype)
    net = y_prev @ params.W_rec.T + x_t @ params.W_in.T + params.b
    y = act.f(net)
    return y, StepCache(x_t, y_prev, net, y)


@_checks.overflow_checked('x, params')
def rnn_forward(params: RNNParams, x, state0=None) -> tuple[np.ndarray, RNNCache]:
    """Run the recurrent net over a whole sequence (Chapter 4; the protocol's ``forward``).

    Same equations as :func:`rnn_step` (and tested equal to it), but the input part
    Σ_i w_ki x_i(t) + b_k is computed for all T steps in one matmul, leaving one (B, n)×(n, n)
    recurrent matmul per step.

    Book equations: eq-rnn-net, eq-rnn-unfold, eq-bptt-forward, eq-cec-constant

    Parameters
    ----------
    params : RNNParams
    x : ndarray (T, B, I)
    state0 : ndarray (B, n), optional
        The initial state y(0); zeros by default.

    Returns
    -------
    y : ndarray (T, B, n)
        ``y[t]`` is the book's y(t+1).
    cache : RNNCache
    """
    act = _check_params(params)
    x, y0 = _check_x(params, x, state0)
    net = x @ params.W_in.T + params.b            # (T, B, n): input part of every net(t)
    y = np.empty_like(net)
    y_prev = y0
    for t in range(x.shape[0]):
        net[t] += y_prev @ params.W_rec.T
        y[t] = y_prev = act.f(net[t])
    return y, RNNCache(x, y0, net, y, act.name)


# ---------------------------------------------------------------------------------------------
# Backpropagation through time (Chapter 5)
# ---------------------------------------------------------------------------------------------

def _check_backward(params: RNNParams, cache, dy, dstate_T=None):
    act = _check_params(params)
    if not isinstance(cache, RNNCache):
        raise TypeError(f"cache: expected the RNNCache returned by rnn_forward, "
                        f"got {type(cache).__name__}")
    if cache.y.shape[2] != params.n_units or cache.x.shape[2] != params.n_in:
        raise ValueError(f"cache: made by a net with {cache.y.shape[2]} units and {cache.x.shape[2]} "
                         f"inputs, but params have {params.n_units} and {params.n_in}")
    dy = float_array("dy", dy, ndim=3, shape=cache.y.shape, dtype=params.dtype)
    if dstate_T is not None:
        dstate_T = float_array("dstate_T", dstate_T, ndim=2, shape=cache.y.shape[1:],
                               dtype=params.dtype)
        dy = dy.copy()
        dy[-1] += dstate_T          # y(T) is both the last output and the final state
    return act, dy


def bptt_delta_step(W_rec, fprime_t, e_t, delta_next) -> np.ndarray:
    """One backward step of BPTT: the book's delta recursion (Chapter 5).

        δ_k(t) = f'(net_k(t)) [ e_k(t) + Σ_l w_lk δ_l(t+1) ]

    The sum over l runs over the units that unit k feeds, i.e. a column of W_rec:
    in code ``delta_next @ W_rec``.

    Book equations: eq-bptt-delta, eq-vg-delta, eq-cec-local-flow

    Parameters
    ----------
    W_rec : ndarray (n, n)
        Recurrent weights, ``W_rec[l, k]`` = w_lk.
    fprime_t : ndarray (B, n)
        f'(net(t)).
    e_t : ndarray (B, n)
        The error injected at t, e(t) = −∂E/∂y(t) (zero where there is no target).
    delta_next : ndarray (B, n)
        δ(t+1) (zeros after the last step).

    Returns
    -------
    delta_t : ndarray (B, n), δ(t) = −∂E/∂net(t)
    """
    W_rec = float_array("W_rec", W_rec, ndim=2)
    n = W_rec.shape[0]
    float_array("W_rec", W_rec, shape=(n, n))
    fprime_t = float_array("fprime_t", fprime_t, ndim=2, shape=(None, n), dtype=W_rec.dtype)
    shape = fprime_t.shape
    e_t = float_array("e_t", e_t, ndim=2, shape=shape, dtype=W_rec.dtype)
    delta_next = float_array("delta_next", delta_next, ndim=2, shape=shape, dtype=W_rec.dtype)
    return _delta_step(W_rec, fprime_t, e_t, delta_next)


def _delta_step(W_rec, fprime_t, e_t, delta_next):
    return fprime_t * (e_t + delta_next @ W_rec)


def rnn_step_backward(params: RNNParams, cache: StepCache, dy_t):
    """Backward pass through one time step (Chapter 5), the mirror of :func:`rnn_step`.

    Given the *total* gradient ∂E/∂y(t) reaching this step (its own error plus what flows
    back from t+1), with δ(t) = −∂E/∂net(t) = f'(net(t)) ⊙ (−dy_t) and z(t) = [y(t−1), x(t), 1]:

        ∂E/∂w_ij = −δ_i(t) z_j(t),  ∂E/∂x_i(t) = −Σ_k δ_k(t) w_ki,  ∂E/∂y^l(t−1) = −Σ_k δ_k(t) w_kl

    Parameters
    ----------
    params : RNNParams
    cache : StepCache from :func:`rnn_step`
    dy_t : ndarray (B, n)
        ∂E/∂y(t).

    Returns
    -------
    grads : RNNGrads
        This step's share of ∂E/∂θ (summed over the batch).
    dx_t : ndarray (B, I)
    dy_prev : ndarray (B, n)
        ∂E/∂y(t−1), to be added to the next-earlier step's ``dy_t``.
    """
    act = _check_params(params)
    if not isinstance(cache, StepCache):
        raise TypeError(f"cache: expected the StepCache returned by rnn_step, "
                        f"got {type(cache).__name__}")
    if cache.x.shape[1] != params.n_in or cache.y.shape[1] != params.n_units:
        raise ValueError(f"params.W_in: expected shape ({cache.y.shape[1]}, {cache.x.shape[1]}) (the "
                         f"net that made the cache: {cache.y.shape[1]} units, {cache.x.shape[1]} inputs), "
                         f"got {params.W_in.shape}")
    dy_t = float_array("dy_t", dy_t, ndim=2, shape=cache.y.shape, dtype=params.dtype)
    delta = act.deriv_from_output(cache.y) * -dy_t
    grads = RNNGrads(W_in=-(delta.T @ cache.x), W_rec=-(delta.T @ cache.y_prev), b=-delta.sum(axis=0))
    return grads, -(delta @ params.W_in), -(delta @ params.W_rec)


@_checks.overflow_checked('dy, params')
def bptt_deltas(params: RNNParams, cache: RNNCache, dy, dstate_T=None) -> np.ndarray:
    """All BPTT deltas δ(t) = −∂E/∂net(t), from the last step back to the first (Chapter 5).

    Runs :func:`bptt_delta_step` for t = T, T−1, …, 1 with e(t) = −dy(t) and δ(T+1) = 0.

    Book equations: eq-notation-delta, eq-bptt-delta-def, eq-bptt-delta

    Parameters
    ----------
    params : RNNParams
    cache : RNNCache from :func:`rnn_forward`
    dy : ndarray (T, B, n)
        ∂E/∂y(t) from the loss (the error injected at each step, with the code's sign).
    dstate_T : ndarray (B, n), optional
        ∂E/∂y(T) arriving from later computation (e.g. the next chunk of a long sequence).

    Returns
    -------
    delta : ndarray (T, B, n), with the book's sign; ``delta[t]`` is δ(t+1).
    """
    act, dy = _check_backward(params, cache, dy, dstate_T)
    return _bptt_deltas(params.W_rec, act.deriv_from_output(cache.y), -dy)


def _bptt_deltas(W_rec, fprime, e):
    delta = np.empty_like(e)
    delta_next = np.zeros_like(e[0])
    for t in range(e.shape[0] - 1, -1, -1):
        delta[t] = delta_next = _delta_step(W_rec, fprime[t], e[t], delta_next)
    return delta


def _grads_from_deltas(params: RNNParams, cache: RNNCache, delta):
    """∂E/∂w_ij = −Σ_t δ_i(t) z_j(t), summed over the batch; plus ∂E/∂x and ∂E/∂y(0)."""
    T, B, n = delta.shape
    d2 = delta.reshape(T * B, n)
    grads = RNNGrads(
        W_in=-(d2.T @ cache.x.reshape(T * B, -1)),
        W_rec=-(d2.T @ cache.y_prev.reshape(T * B, n)),
        b=-d2.sum(axis=0),
    )
    dx = -(delta @ params.W_in)            # ∂E/∂x_i(t) = −Σ_k δ_k(t) w_ki
    dstate0 = -(delta[0] @ params.W_rec)   # ∂E/∂y_l(0) = −Σ_k δ_k(1) w_kl
    return grads, dx, dstate0


@_checks.overflow_checked('dy, params')
def rnn_backward(params: RNNParams, cache: RNNCache, dy, dstate_T=None):
    """Full backpropagation through time (Chapter 5; the protocol's ``backward``).

        δ_k(t) = f'(net_k(t)) [ e_k(t) + Σ_l w_lk δ_l(t+1) ],   e(t) = −dy(t),  δ(T+1) = 0
        ∂E/∂w_ij = −Σ_t δ_i(t) y^j(t−1)  (recurrent),   ∂E/∂w_ij = −Σ_t δ_i(t) x_j(t)  (input)
        ∂E/∂b_i  = −Σ_t δ_i(t)

    Sums also run over the batch. Cost O(T B n²) time, O(T B n) memory.

    Book equations: eq-bptt-delta, eq-bptt-grad

    Parameters
    ----------
    params : RNNParams
    cache : RNNCache from :func:`rnn_forward`
    dy : ndarray (T, B, n)
        ∂E/∂y(t).
    dstate_T : ndarray (B, n), optional
        Extra ∂E/∂y(T) from computation after the sequence.

    Returns
    -------
    grads : RNNGrads
        ∂E/∂W_in, ∂E/∂W_rec, ∂E/∂b.
    dx : ndarray (T, B, I)
        ∂E/∂x.
    dstate0 : ndarray (B, n)
        ∂E/∂y(0).

    See :func:`bptt_trace` for the same computation with the deltas kept (the stepper).
    """
    act, dy = _check_backward(params, cache, dy, dstate_T)
    delta = _bptt_deltas(params.W_rec, act.deriv_from_output(cache.y), -dy)
    return _grads_from_deltas(params, cache, delta)


@dataclass
class BPTTTrace:
    """Everything BPTT computed, one row per time step, for the Chapter 5 stepper.

    Index ``[t]`` is the book's time t+1.

    Attributes
    ----------
    x : (T, B, I), y0 : (B, n), net : (T, B, n), y : (T, B, n)
        The forward pass.
    e : (T, B, n)
        Injected errors e(t) = −∂E/∂y(t) (book's sign).
    fprime : (T, B, n)
        f'(net(t)).
    delta : (T, B, n)
        δ(t) = −∂E/∂net(t) (book's sign).
    grads : RNNGrads, dx : (T, B, I), dstate0 : (B, n)
        What :func:`rnn_backward` returns.
    """

    x: np.ndarray
    y0: np.ndarray
    net: np.ndarray
    y: np.ndarray
    e: np.ndarray
    fprime: np.ndarray
    delta: np.ndarray
    grads: RNNGrads
    dx: np.ndarray
    dstate0: np.ndarray


@_checks.overflow_checked('dy, params')
def bptt_trace(params: RNNParams, cache: RNNCache, dy, dstate_T=None) -> BPTTTrace:
    """:func:`rnn_backward` with its intermediate deltas kept (Chapter 5's BPTT stepper).

    Arguments as for :func:`rnn_backward`; returns a :class:`BPTTTrace`.
    """
    act, dy = _check_backward(params, cache, dy, dstate_T)
    fprime = act.deriv_from_output(cache.y)
    delta = _bptt_deltas(params.W_rec, fprime, -dy)
    grads, dx, dstate0 = _grads_from_deltas(params, cache, delta)
    return BPTTTrace(cache.x, cache.y0, cache.net, cache.y, -dy, fprime, delta, grads, dx, dstate0)


@_checks.overflow_checked('dy, params')
def rnn_backward_truncated(params: RNNParams, cache: RNNCache, dy, h: int, dstate_T=None):
    """Truncated BPTT(h): each injected error flows back at most h steps (Chapter 5).

    Definition (BPTT(h) of Williams & Peng 1990 and Williams & Zipser 1995, applied to a whole
    sequence): the error e(t) injected at time t is back-propagated through at most h
    recurrent connections, so it reaches the net inputs net(τ) for t−h ≤ τ ≤ t only:

        δ^{(t)}_k(t) = f'(net_k(t)) e_k(t)
        δ^{(t)}_k(τ) = f'(net_k(τ)) Σ_l w_lk δ^{(t)}_l(τ+1)      for t−h ≤ τ < t
        δ̃_k(τ)       = Σ_{t=τ}^{min(τ+h, T)} δ^{(t)}_k(τ)

    and the weight gradient is the full-BPTT formula with δ̃ in place of δ,
    ∂E/∂w_ij ≈ −Σ_τ δ̃_i(τ) z_j(τ) with z(τ) = [y(τ−1), x(τ), 1]. ``dx`` and ``dstate0`` are formed from δ̃ the same way
    (so y(0) receives the errors injected at t ≤ h+1). h = 0 keeps only the direct,
    same-step term; h ≥ T−1 gives the full BPTT gradient (equal up to rounding).

    The errors of all sources t are carried back together, one lag k = 0, …, h at a time
    (a loop over lags, vectorised over t), costing O(h T B n²).

    Book equations: eq-bptt-truncated

    Parameters
    ----------
    params : RNNParams
    cache : RNNCache
    dy : ndarray (T, B, n)
    h : int ≥ 0
        Truncation depth.
    dstate_T : ndarray (B, n), optional
        Treated as error injected at the last step (also truncated).

    Returns
    -------
    grads, dx, dstate0 : as :func:`rnn_backward`, truncated.
    """
    act, dy = _check_backward(params, cache, dy, dstate_T)
    h = positive_int("h", h, minimum=0)
    fprime = act.deriv_from_output(cache.y)
    T = dy.shape[0]
    # D[τ] holds δ^{(τ+k)}(τ): the part of δ(τ) due to the error injected k steps later.
    D = fprime * -dy
    delta = D.copy()
    for k in range(1, min(h, T - 1) + 1):
        D = fprime[: T - k] * (D[1:] @ params.W_rec)
        delta[: T - k] += D
    return _grads_from_deltas(params, cache, delta)


# ---------------------------------------------------------------------------------------------
# Real-time recurrent learning (Chapter 6)
# ---------------------------------------------------------------------------------------------

def _concat_z(x_t, y_prev):
    """z(t) = [y(t−1), x(t), 1], (B, n+I+1): the inputs every unit sees."""
    return np.concatenate([y_prev, x_t, np.ones((x_t.shape[0], 1), dtype=x_t.dtype)], axis=1)


def rtrl_sensitivity_step(W_rec, fprime_t, p_prev, z_t) -> np.ndarray:
    """One step of the RTRL sensitivity recursion (Chapter 6).

        p^k_ij(t) = f'(net_k(t)) [ Σ_l w_kl p^l_ij(t−1) + δ_ik z_j(t) ]

    with p^k_ij(t) = ∂y^k(t)/∂w_ij, δ_ik the Kronecker delta (not a BPTT delta), and the
    weights w_ij collected in one matrix W = [W_rec | W_in | b] of shape (n, n+I+1) whose
    inputs are z(t) = [y(t−1), x(t), 1]. Cost O(B n²·n(n+I+1)) = O(n⁴) per step.

    Book equations: eq-rtrl-recursion

    Parameters
    ----------
    W_rec : ndarray (n, n)
    fprime_t : ndarray (B, n)
        f'(net(t)).
    p_prev : ndarray (B, n, n, M)
        p(t−1), indexed ``[b, k, i, j]``; M = n + I + 1. Zeros at t = 0.
    z_t : ndarray (B, M)
        z(t).

    Returns
    -------
    p_t : ndarray (B, n, n, M)
    """
    W_rec = float_array("W_rec", W_rec, ndim=2)
    n = W_rec.shape[0]
    float_array("W_rec", W_rec, shape=(n, n))
    fprime_t = float_array("fprime_t", fprime_t, ndim=2, shape=(None, n), dtype=W_rec.dtype)
    B = fprime_t.shape[0]
    p_prev = float_array("p_prev", p_prev, ndim=4, shape=(B, n, n, None), dtype=W_rec.dtype)
    z_t = float_array("z_t", z_t, ndim=2, shape=(B, p_prev.shape[3]), dtype=W_rec.dtype)
    return _rtrl_step(W_rec, fprime_t, p_prev, z_t)


def _rtrl_step(W_rec, fprime_t, p_prev, z_t):
    B, n, _, M = p_prev.shape
    p = np.matmul(W_rec, p_prev.reshape(B, n, n * M)).reshape(B, n, n, M)  # Σ_l w_kl p^l_ij
    units = np.arange(n)
    p[:, units, units, :] += z_t[:, None, :]                                # + δ_ik z_j(t)
    p *= fprime_t[:, :, None, None]
    return p


def _split_grads(G: np.ndarray, n: int, n_in: int) -> RNNGrads:
    """Split ∂E/∂W for W = [W_rec | W_in | b] into an RNNGrads."""
    return RNNGrads(W_in=G[:, n:n + n_in].copy(), W_rec=G[:, :n].copy(), b=G[:, n + n_in].copy())


class RTRL:
    """Online real-time recurrent learning (Chapter 6).

    Feed one time step at a time: :meth:`step` runs the net forward, updates the
    sensitivities p^k_ij(t) = ∂y^k(t)/∂w_ij with :func:`rtrl_sensitivity_step`, and turns the
    error of that step into its exact gradient

        ∂E(t)/∂w_ij = Σ_k ∂E(t)/∂y^k(t) · p^k_ij(t),

    added to :attr:`grads` (the gradient of Σ_{τ≤t} E(τ), identical to BPTT's on the prefix).
    Nothing from the past is stored besides p, so the gradient is available at every step:
    one may update the weights each step (online learning, Williams & Zipser 1989). The object
    holds ``params`` by reference; after an in-place update, later steps use the new weights
    while p still describes the old ones — the usual online-RTRL approximation.

    Book equations: eq-rtrl-p, eq-rtrl-recursion, eq-rtrl-update

    Attributes
    ----------
    params : RNNParams
    y : ndarray (B, n)
        Current state y(t).
    p : ndarray (B, n, n, n+I+1)
        Sensitivities ``p[b, k, i, j]`` = ∂y^k(t)/∂w_ij, W = [W_rec | W_in | b].
    grads : RNNGrads
        Accumulated gradient since the last :meth:`reset` / :meth:`zero_grad`.
    t : int
        Steps taken since the last :meth:`reset`.

    Memory O(B n³), time O(B n⁴) per step.
    """

    def __init__(self, params: RNNParams, batch_size: int = 1, state0=None):
        _check_params(params)
        self.params = params
        self.batch_size = positive_int("batch_size", batch_size)
        self.reset(state0)

    def reset(self, state0=None) -> None:
        """Start a new sequence: y = y(0) = ``state0`` (zeros by default), p = 0, grads = 0, t = 0."""
        n, I, B = self.params.n_units, self.params.n_in, self.batch_size
        self.y = _check_state("state0", self.params, state0, B).copy()
        self.p = np.zeros((B, n, n, n + I + 1), dtype=self.params.dtype)
        self.grads = RNNGrads.zeros_like(self.params)
        self.t = 0

    def zero_grad(self) -> None:
        """Clear the accumulated gradient (keep state and sensitivities)."""
        self.grads = RNNGrads.zeros_like(self.params)

    def step(self, x_t, dy_t) -> tuple[np.ndarray, RNNGrads]:
        """Advance one time step and accumulate that step's gradient.

        Parameters
        ----------
        x_t : ndarray (B, I)
            x(t).
        dy_t : ndarray (B, n), or callable ``y_t -> (B, n)``
            ∂E(t)/∂y(t). A callable receives the new output y(t) first (the error usually
            depends on it, e.g. ``lambda y: y - target``).

        Returns
        -------
        y_t : ndarray (B, n)
        grads_t : RNNGrads
            ∂E(t)/∂θ, this step's contribution (already added to :attr:`grads`).
        """
        params = self.params
        act = _check_params(params)
        x_t = _check_step_x(params, x_t, self.batch_size)
        z_t = _concat_z(x_t, self.y)                               # [y(t−1), x(t), 1]
        W = np.concatenate([params.W_rec, params.W_in, params.b[:, None]], axis=1)
        y_t = act.f(z_t @ W.T)                                     # net(t) = W z(t), as rnn_step
        self.p = _rtrl_step(params.W_rec, act.deriv_from_output(y_t), self.p, z_t)
        if callable(dy_t):
            dy_t = dy_t(y_t)
        dy_t = float_array("dy_t", dy_t, ndim=2, shape=y_t.shape, dtype=params.dtype)
        G = np.tensordot(dy_t, self.p, axes=([0, 1], [0, 1]))      # Σ_b Σ_k dy_k p^k_ij
        grads_t = _split_grads(G, params.n_units, params.n_in)
        self.grads += grads_t
        self.y = y_t
        self.t += 1
        return y_t, grads_t


def rnn_rtrl_gradient(params: RNNParams, x, dy, state0=None) -> tuple[RNNGrads, np.ndarray]:
    """The gradient of a whole sequence's error, computed forwards by RTRL (Chapter 6).

    Equal to :func:`rnn_backward`'s ``grads`` up to rounding (tested to ~1e-12), at
    O(T B n⁴) cost instead of O(T B n²).

    Book equations: eq-rtrl-update

    Parameters
    ----------
    params : RNNParams
    x : ndarray (T, B, I)
    dy : ndarray (T, B, n), or callable ``(t, y_t) -> (B, n)``
        ∂E/∂y(t) per step; a callable gets the code index t and the output y[t].
    state0 : ndarray (B, n), optional
        y(0); zeros by default.

    Returns
    -------
    grads : RNNGrads
    y : ndarray (T, B, n)
        The outputs.
    """
    _check_params(params)
    x, y0 = _check_x(params, x, state0)
    T, B, _ = x.shape
    if not callable(dy):
        dy = float_array("dy", dy, ndim=3, shape=(T, B, params.n_units), dtype=params.dtype)
    learner = RTRL(params, batch_size=B, state0=y0)
    y = np.empty((T, B, params.n_units), dtype=params.dtype)
    for t in range(T):
        dy_t = (lambda yt, t=t: dy(t, yt)) if callable(dy) else dy[t]
        y[t], _ = learner.step(x[t], dy_t)
    return learner.grads, y


# ---------------------------------------------------------------------------------------------
# Error flow (Chapter 7)
# ---------------------------------------------------------------------------------------------

@dataclass
class ErrorFlow:
    """Backward error flow from the last step (Chapter 7).

    Attributes
    ----------
    q : ndarray (q_max+1,) of int
        Lags 0, 1, …, q_max.
    norm : ndarray (q_max+1,)
        ‖∂E(T)/∂y(T−q)‖, the Frobenius norm over batch and units.
    grad : ndarray (q_max+1, B, n)
        ∂E(T)/∂y(T−q) itself (``grad[T]`` is ∂E/∂y(0) when q_max = T).
    """

    q: np.ndarray
    norm: np.ndarray
    grad: np.ndarray


def error_flow(params: RNNParams, x, q_max: int | None = None, state0=None, dy_T=None) -> ErrorFlow:
    """How far back an error injected at the last step T reaches (Chapter 7).

    Injects ∂E(T)/∂y(T) = ``dy_T`` at the last step only and runs the BPTT recursion back:

        ∂E/∂y(t−1) = Σ_k ∂E/∂y^k(t) f'(net_k(t)) w_k·,

    i.e. ∂E(T)/∂y(T−q) = dy_T · Π_{m=0}^{q−1} diag(f'(net(T−m))) W_rec, the product of q
    per-step Jacobians whose norm vanishes or explodes with q.

    Book equations: eq-vg-bound, eq-cec-constant

    Parameters
    ----------
    params : RNNParams
    x : ndarray (T, B, I)
    q_max : int in [0, T], optional
        Largest lag (default T, reaching y(0)).
    state0 : ndarray (B, n), optional
        y(0); zeros by default.
    dy_T : ndarray (B, n), optional
        The injected error; default all entries equal with Frobenius norm 1, so
        ``norm[q]`` is the gain over q steps.

    Returns
    -------
    ErrorFlow
    """
    act = _check_params(params)
    x, y0 = _check_x(params, x, state0)
    T, B, _ = x.shape
    q_max = T if q_max is None else positive_int("q_max", q_max, minimum=0)
    if q_max > T:
        raise ValueError(f"q_max: expected at most T = {T} (y(0) is the earliest state), got {q_max}")
    if dy_T is None:
        dy_T = np.full((B, params.n_units), 1.0 / np.sqrt(B * params.n_units), dtype=params.dtype)
    dy_T = float_array("dy_T", dy_T, ndim=2, shape=(B, params.n_units), dtype=params.dtype)
    y, cache = rnn_forward(params, x, y0)
    fprime = act.deriv_from_output(y)
    grad = np.empty((q_max + 1, B, params.n_units), dtype=params.dtype)
    grad[0] = dy_T
    for q in range(1, q_max + 1):
        # y(T−q+1) is code index T−q; its net depends on y(T−q) through W_rec.
        grad[q] = (grad[q - 1] * fprime[T - q]) @ params.W_rec
    norm = np.sqrt(np.einsum("qbn,qbn->q", grad, grad))
    return ErrorFlow(np.arange(q_max + 1), norm, grad)
