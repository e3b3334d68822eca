"""Multilayer feed-forward networks and backpropagation (Chapter 3).

A net of L weight layers maps the input layer (layer 0, the inputs x_i) through hidden layers
to the output layer L. Unit j of layer l+1 computes

    net_j = Σ_i w_ji y_i + b_j,        y_j = f(net_j),

with i running over the units of layer l (``y_i = x_i`` for the input layer). Backpropagation
sends the book's deltas δ = −∂E/∂net back through the same weights:

    output units   δ_k = f'(net_k) (t_k − y_k)          (for E = ½ Σ_k (t_k − y_k)²)
    hidden units   δ_j = f'(net_j) Σ_k w_kj δ_k
    gradient       ∂E/∂w_ji = −δ_j y_i,   ∂E/∂b_j = −δ_j,   so Δw_ji = α δ_j y_i.

Shapes: a batch of B examples comes **batch first**, ``x`` of shape ``(B, n_0)`` (these nets
see no sequence). Layer sizes are ``sizes = (n_0, n_1, …, n_L)``.

Code index vs the book: the code counts *weight layers* l = 0 … L−1. ``W[l]`` (shape
``(n_{l+1}, n_l)``, ``W[l][j, i] = w_ji``) and ``b[l]`` feed ``net[l]``, which produces
``y[l+1] = f_l(net[l])``; ``y[0] = x``; ``delta[l] = −∂E/∂net[l]``.

Cost: one forward pass costs one multiply-add per weight, the backward pass two (deltas and
gradients), so both are O(W) in the number of weights W (:func:`ffnn_cost`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from . import activations as act
from . import _checks
from ._checks import float_array
from ._validate import positive_float, positive_int
from .losses import squared_error


@dataclass
class FFNNParams:
    """Weights, biases and activation functions of a feed-forward net.

    Attributes
    ----------
    W : list of ndarray
        ``W[l]`` of shape ``(n_{l+1}, n_l)``: ``W[l][j, i]`` is w_ji, from unit i of layer l to
        unit j of layer l+1.
    b : list of ndarray
        ``b[l]`` of shape ``(n_{l+1},)``: biases of layer l+1.
    activations : tuple of str
        ``activations[l]`` is f of layer l+1 (names from :mod:`lstm_core.activations`).
        A single name is used for every layer.
    """

    W: list
    b: list
    activations: tuple | str = "logistic"

    def __post_init__(self):
        if not isinstance(self.W, (list, tuple)) or not isinstance(self.b, (list, tuple)):
            raise TypeError("W, b: expected lists of arrays, one per weight layer")
        L = len(self.W)
        if L == 0 or len(self.b) != L:
            raise ValueError(f"W, b: expected equally long non-empty lists, got {L} weight "
                             f"matrices and {len(self.b)} bias vectors")
        self.W = [float_array(f"W[{l}]", w, ndim=2) for l, w in enumerate(self.W)]
        dtype = self.W[0].dtype
        for l in range(L):
            n_to, n_from = self.W[l].shape
            if l > 0 and n_from != self.W[l - 1].shape[0]:
                raise ValueError(f"W[{l}]: expected {self.W[l - 1].shape[0]} columns (the units "
                                 f"of layer {l}), got shape {self.W[l].shape}")
            if self.W[l].dtype != dtype:
                raise TypeError(f"W[{l}]: expected dtype {dtype} like W[0], got {self.W[l].dtype}")
        self.b = [float_array(f"b[{l}]", bl, shape=(self.W[l].shape[0],), dtype=dtype)
                  for l, bl in enumerate(self.b)]
        if isinstance(self.activations, (str, act.Activation)):
            names = (self.activations,) * L
        elif isinstance(self.activations, (tuple, list)):
            names = tuple(self.activations)
        else:
            raise TypeError(f"activations: expected a name or a tuple of names, one per weight layer, "
                            f"got {type(self.activations).__name__} {self.activations!r}")
        if len(names) != L:
            raise ValueError(f"activations: expected one name per weight layer ({L}), got {len(names)}")
        try:
            self.activations = tuple(act.get(a).name for a in names)
        except (ValueError, TypeError) as err:
            raise type(err)(f"activations: {err}") from None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer sizes ``(n_0, n_1, …, n_L)``."""
        return (self.W[0].shape[1],) + tuple(w.shape[0] for w in self.W)

    @property
    def dtype(self) -> np.dtype:
        return self.W[0].dtype

    def named(self) -> dict[str, np.ndarray]:
        """The arrays by name, ``{"W0": W[0], "b0": b[0], "W1": …}`` (the same arrays, not
        copies), for :func:`lstm_core.gradcheck.check_gradients` and printing."""
        return _named(self.W, self.b)


def _named(W, b) -> dict[str, np.ndarray]:
    out = {}
    for l, (w, bl) in enumerate(zip(W, b)):
        out[f"W{l}"], out[f"b{l}"] = w, bl
    return out


@dataclass
class FFNNCache:
    """Everything the forward pass computed, kept for the backward pass.

    Attributes
    ----------
    y : list of ndarray
        ``y[0] = x`` (B, n_0); ``y[l+1] = f_l(net[l])`` of shape (B, n_{l+1}).
    net : list of ndarray
        ``net[l] = y[l] @ W[l].T + b[l]``, shape (B, n_{l+1}).
    """

    y: list
    net: list

    @property
    def output(self) -> np.ndarray:
        """The net's output y[L], shape (B, n_L)."""
        return self.y[-1]


@dataclass
class FFNNGrads:
    """∂E/∂θ for every weight and bias, plus the deltas the chapter prints.

    Attributes
    ----------
    W : list of ndarray
        ``W[l]`` = ∂E/∂W[l] = −delta[l]ᵀ y[l] (summed over the batch), shape of ``W[l]``.
    b : list of ndarray
        ``b[l]`` = ∂E/∂b[l] = −Σ_batch delta[l], shape of ``b[l]``.
    delta : list of ndarray
        ``delta[l]`` = δ of the units of layer l+1 = −∂E/∂net[l], shape (B, n_{l+1});
        ``delta[-1]`` are the output deltas δ_k.
    dx : ndarray
        ∂E/∂x, shape (B, n_0) (what a layer below would receive as its dy).
    """

    W: list
    b: list
    delta: list = field(default_factory=list)
    dx: np.ndarray | None = None

    def named(self) -> dict[str, np.ndarray]:
        """``{"W0": …, "b0": …}`` like :meth:`FFNNParams.named`."""
        return _named(self.W, self.b)


def init_ffnn(sizes: Sequence[int], activations="logistic", seed=0, scale: float | None = None,
              dtype=np.float64) -> FFNNParams:
    """Random feed-forward net (Chapter 3).

    Every weight and bias (the bias is the weight from a constant input 1) is drawn
    uniformly from [−s, s], with ``s = scale`` or, by default, ``s = 1/√n_from`` (so that
    net inputs start of order one whatever the fan-in).

    Parameters
    ----------
    sizes : sequence of int
        ``(n_0, n_1, …, n_L)``, at least two entries, each ≥ 1.
    activations : str or sequence of str
        One name for all layers or one per weight layer (e.g. ``["tanh", "identity"]``).
    seed : int or numpy.random.Generator
        Randomness, for reproducible chapters.
    scale : float, optional
        Half-width s of the uniform distribution.
    dtype : float32 or float64
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes: expected at least two layer sizes (n_0, …, n_L), got {sizes!r}")
    sizes = [positive_int(f"sizes[{k}]", n) for k, n in enumerate(sizes)]
    if np.dtype(dtype).type not in (np.float32, np.float64):
        raise TypeError(f"dtype: expected float32 or float64, got {np.dtype(dtype)}")
    if scale is not None:
        scale = positive_float("scale", scale)
    rng = _checks.rng(seed, name="seed")
    W, b = [], []
    for n_from, n_to in zip(sizes[:-1], sizes[1:]):
        s = scale if scale is not None else 1.0 / np.sqrt(n_from)
        W.append(rng.uniform(-s, s, size=(n_to, n_from)).astype(dtype))
        b.append(rng.uniform(-s, s, size=n_to).astype(dtype))
    return FFNNParams(W, b, activations)


@_checks.overflow_checked('x, params')
def ffnn_forward(params: FFNNParams, x: np.ndarray) -> FFNNCache:
    """Forward pass, layer by layer: ``net_j = Σ_i w_ji y_i + b_j``, ``y_j = f(net_j)`` (Chapter 3).

    Book equations: eq-notation-unit, eq-ffnn-forward

    Parameters
    ----------
    params : FFNNParams
    x : ndarray, shape (B, n_0), dtype of the parameters
        A batch of inputs.

    Returns
    -------
    FFNNCache
        ``cache.output`` is y[L], shape (B, n_L); ``cache.net`` and ``cache.y`` hold every layer.
    """
    x = float_array("x", x, ndim=2, shape=(None, params.sizes[0]), dtype=params.dtype)
    _checks.not_empty("x", x)
    y, net = [x], []
    for W, b, name in zip(params.W, params.b, params.activations):
        net.append(y[-1] @ W.T + b)
        y.append(act.get(name).f(net[-1]))
    return FFNNCache(y=y, net=net)


def output_delta(t: np.ndarray, y: np.ndarray, fprime: np.ndarray) -> np.ndarray:
    """Output deltas ``δ_k = f'(net_k)(t_k − y_k)`` for E = ½ Σ_k (t_k − y_k)² (Chapter 3).

    Book equations: eq-ffnn-output-delta

    Parameters
    ----------
    t, y, fprime : ndarray, shape (B, n_L)
        Targets t_k, outputs y_k and the derivatives f'(net_k) of the output units.
    """
    t = float_array("t", t, ndim=2)
    _checks.not_empty("t", t)
    y = float_array("y", y, shape=t.shape, dtype=t.dtype)
    fprime = float_array("fprime", fprime, shape=t.shape, dtype=t.dtype)
    return _checks.overflow_checked("t, y, fprime")(lambda: fprime * (t - y))()


def hidden_delta(fprime: np.ndarray, W_next: np.ndarray, delta_next: np.ndarray) -> np.ndarray:
    """Hidden deltas ``δ_j = f'(net_j) Σ_k w_kj δ_k`` (Chapter 3).

    Book equations: eq-ffnn-hidden-delta

    Parameters
    ----------
    fprime : ndarray, shape (B, n_j)
        f'(net_j) of the hidden layer.
    W_next : ndarray, shape (n_k, n_j)
        Weights w_kj from this layer (units j) to the next (units k).
    delta_next : ndarray, shape (B, n_k)
        Deltas δ_k of the next layer.
    """
    W_next = float_array("W_next", W_next, ndim=2)
    n_k, n_j = W_next.shape
    fprime = float_array("fprime", fprime, ndim=2, shape=(None, n_j), dtype=W_next.dtype)
    _checks.not_empty("fprime", fprime)
    delta_next = float_array("delta_next", delta_next, shape=(fprime.shape[0], n_k), dtype=W_next.dtype)
    return _checks.overflow_checked("fprime, W_next, delta_next")(lambda: fprime * (delta_next @ W_next))()  # (δ @ W)[b, j] = Σ_k δ_k w_kj


@_checks.overflow_checked('dy, params')
def ffnn_backward(params: FFNNParams, cache: FFNNCache, dy: np.ndarray) -> FFNNGrads:
    """Backpropagation (Chapter 3): deltas from the output layer down, then ∂E/∂w_ji = −δ_j y_i.

    Starting from ``dy = ∂E/∂y`` at the output, ``δ_k = −f'(net_k) dy_k`` — with squared error
    ``dy = −(t − y)`` and this is :func:`output_delta`. Hidden deltas follow from
    :func:`hidden_delta`. Every step reuses the forward pass's ``y`` (``f'`` is computed
    from the outputs, e.g. σ' = y(1 − y)).

    Book equations: eq-ffnn-grad, eq-ffnn-output-delta, eq-ffnn-hidden-delta

    Parameters
    ----------
    params : FFNNParams
    cache : FFNNCache
        From :func:`ffnn_forward` with the same ``params``.
    dy : ndarray, shape (B, n_L)
        ∂E/∂y[L], e.g. ``squared_error(cache.output, t).grad``.

    Returns
    -------
    FFNNGrads
        Gradients named like the parameters, the deltas of every layer and ∂E/∂x.
    """
    L = len(params.W)
    if len(cache.net) != L:
        raise ValueError(f"cache: expected the cache of a {L}-layer net, got {len(cache.net)} layers")
    dy = float_array("dy", dy, shape=cache.output.shape, dtype=params.dtype)
    fprime = [act.get(name).deriv_from_output(y) for name, y in zip(params.activations, cache.y[1:])]
    delta = [None] * L
    delta[L - 1] = -fprime[L - 1] * dy
    for l in range(L - 2, -1, -1):
        delta[l] = hidden_delta(fprime[l], params.W[l + 1], delta[l + 1])
    gW = [-(delta[l].T @ cache.y[l]) for l in range(L)]
    gb = [-np.sum(delta[l], axis=0) for l in range(L)]
    return FFNNGrads(W=gW, b=gb, delta=delta, dx=-(delta[0] @ params.W[0]))


@_checks.overflow_checked('x, params')
def ffnn_loss_and_grads(params: FFNNParams, x: np.ndarray, t: np.ndarray, mean: bool = False):
    """Squared error ``E = ½ Σ (t − y)²`` of the net on a batch and its gradients (Chapter 3).

    Forward pass, :func:`lstm_core.losses.squared_error`, backward pass — the function a
    training loop (:func:`lstm_core.train.train`) calls each step.

    Book equations: eq-ffnn-error

    Parameters
    ----------
    params : FFNNParams
    x : ndarray, shape (B, n_0)
    t : ndarray, shape (B, n_L)
        Targets.
    mean : bool
        Average E over the batch instead of summing.

    Returns
    -------
    (E, grads) : (float, FFNNGrads)
    """
    cache = ffnn_forward(params, x)
    E, dy = squared_error(cache.output, t, mean=mean)
    return E, ffnn_backward(params, cache, dy)


@dataclass
class FFNNCost:
    """Size and arithmetic cost of a feed-forward net, per example (:func:`ffnn_cost`).

    Attributes
    ----------
    weights : int
        W = Σ_l n_l n_{l+1}, the number of connections.
    biases : int
        Σ_l n_{l+1}.
    forward_mult_adds : int
        Multiply-adds of the forward pass: one per weight, W.
    backward_mult_adds : int
        Multiply-adds of the backward pass: one per weight for the deltas (Σ_k w_kj δ_k,
        including ∂E/∂x) and one per weight for the gradients δ_j y_i: 2W.
    """

    weights: int
    biases: int
    forward_mult_adds: int
    backward_mult_adds: int

    @property
    def parameters(self) -> int:
        """All trainable numbers, weights plus biases."""
        return self.weights + self.biases


def ffnn_cost(sizes: Sequence[int]) -> FFNNCost:
    """Count the weights and the multiply-adds of one forward and backward pass (Chapter 3).

    Both passes cost O(W), W the number of weights — backpropagation computes all W partial
    derivatives for about twice the price of evaluating the net, where finite differences
    need two forward passes per weight, O(W²). Activation function evaluations (Σ_l n_{l+1})
    are not counted.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_0, …, n_L)``.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes: expected at least two layer sizes (n_0, …, n_L), got {sizes!r}")
    sizes = [positive_int(f"sizes[{k}]", n) for k, n in enumerate(sizes)]
    W = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return FFNNCost(weights=W, biases=sum(sizes[1:]), forward_mult_adds=W, backward_mult_adds=2 * W)
