"""Small models built from the sequence layers: stacks, a linear readout, a loss (Chapters 13-15).

The recurrent layers of :mod:`lstm_core` (``rnn``, ``lstm``, ``gru``, ``grid``, and
:class:`~lstm_core.bidirectional.Bidirectional`) all follow one **sequence layer protocol**::

    forward(params, x (T, B, I), state0=None)            -> (h (T, B, H), cache)
    backward(params, cache, dh (T, B, H), dstate_T=None) -> (grads, dx (T, B, I), dstate0)

This module joins them into the networks the Extensions chapters train:

* :class:`Stacked` — L layers on top of each other, h_l(t) = layer_l(h_{l−1}(1…t)), h_0 = x
  (the "stacked LSTM" that Chapter 14 compares with Grid LSTM); it follows the protocol itself.
* :func:`linear_readout` — linear output units applied at every step,
  net_k(t) = Σ_j w_kj h_j(t) + b_k (the output units of Chapter 4, without a squasher): a
  :class:`~lstm_core.readout.ReadoutParams` with the identity as activation, run by
  :func:`lstm_core.readout.readout_forward` / :func:`~lstm_core.readout.readout_backward`.
* :class:`SequenceModel` — a protocol layer plus (optionally) the readout, with
  :meth:`SequenceModel.loss_and_grads` for a :class:`~lstm_core.tasks.TaskBatch`: softmax
  cross-entropy for framewise labels, or the masked squared error E = ½ Σ mask (t − y)².
* :func:`delay_targets` — the "output delay" of Chapter 13: the target of frame t is asked for
  at step t + D, so a forward-only net sees D frames of future context before it answers.
* :func:`count_params` — the number of trainable numbers, for comparisons at equal budget.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from . import _validate as V
from .losses import softmax_cross_entropy, squared_error
from .optim import named_arrays
from .readout import ReadoutCache, ReadoutGrads, ReadoutParams, readout_backward, readout_forward

__all__ = ["Stacked", "StackedCache", "linear_readout", "ModelParams", "ModelGrads", "ModelCache",
           "SequenceModel", "delay_targets", "count_params"]


def _as_layer(name: str, layer):
    if callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None)):
        return layer
    raise TypeError(f"{name}: expected a sequence layer (an object with forward and backward, e.g. "
                    f"lstm_core.bidirectional.SequenceLayer), got {type(layer).__name__}")


# ---------------------------------------------------------------- a stack of layers


@dataclass
class StackedCache:
    """Trace of :meth:`Stacked.forward`: ``caches[l]`` is layer l's own cache and ``h[l]`` its
    input (``h[0]`` = x, ``h[l]`` (T, B, H_{l−1}) the output of layer l − 1 in code order)."""

    caches: list
    h: list


@dataclass(frozen=True)
class Stacked:
    """Layers stacked in depth (Chapter 14): layer l reads the output sequence of layer l − 1.

    ``Stacked([layer_1, …, layer_L])``, each entry a sequence layer (for example
    ``SequenceLayer(lstm_forward, lstm_backward)``). Parameters are a list with one entry per
    layer; ``state0`` and ``dstate_T`` likewise (``None``: zeros for every layer).

    h_0(t) = x(t),   h_l(·) = layer_l(h_{l−1}(·)),   output h_L(t).

    Between two layers the signal passes through the upper layer's input weights and
    squashing functions only, one at a time — no memory cell lies on the vertical path, which
    is what Grid LSTM changes.
    """

    layers: tuple

    def __post_init__(self):
        if not isinstance(self.layers, (list, tuple)) or len(self.layers) == 0:
            raise ValueError(f"layers: expected a non-empty list of sequence layers, got {self.layers!r}")
        object.__setattr__(self, "layers", tuple(_as_layer(f"layers[{i}]", l)
                                                 for i, l in enumerate(self.layers)))

    def _per_layer(self, name: str, value) -> list:
        L = len(self.layers)
        if value is None:
            return [None] * L
        if not isinstance(value, (list, tuple)) or len(value) != L:
            raise ValueError(f"{name}: expected None or a list of {L} entries (one per layer), got "
                             f"{type(value).__name__}" + (f" of length {len(value)}"
                                                          if isinstance(value, (list, tuple)) else ""))
        return list(value)

    def forward(self, params, x, state0=None) -> tuple[np.ndarray, StackedCache]:
        """Run the stack (Chapter 14).

        Parameters
        ----------
        params : list
            One params object per layer.
        x : ndarray (T, B, I)
        state0 : list, optional
            Initial states, one per layer (each in its layer's format).

        Returns
        -------
        h : ndarray (T, B, H_L)
            The top layer's outputs.
        cache : StackedCache
        """
        params = self._per_layer("params", params)
        states = self._per_layer("state0", state0)
        h = _checks.float_array("x", x, ndim=3)
        caches, inputs = [], []
        for layer, p, s in zip(self.layers, params, states):
            inputs.append(h)
            h, c = layer.forward(p, h, s)
            caches.append(c)
        return h, StackedCache(caches=caches, h=inputs)

    def backward(self, params, cache: StackedCache, dy, dstate_T=None) -> tuple[list, np.ndarray, list]:
        """Exact gradient of :meth:`forward`: each layer's BPTT, top layer first; the input
        gradient ∂E/∂h_{l−1} of layer l is the output gradient of layer l − 1 (Chapter 14).

        Returns
        -------
        grads : list
            One grads object per layer.
        dx : ndarray (T, B, I)
        dstate0 : list
            Gradients of the initial states, one per layer.
        """
        params = self._per_layer("params", params)
        if not isinstance(cache, StackedCache):
            raise TypeError(f"cache: expected a StackedCache from Stacked.forward, got {type(cache).__name__}")
        dstates = self._per_layer("dstate_T", dstate_T)
        L = len(self.layers)
        grads, dstate0 = [None] * L, [None] * L
        dh = dy
        for l in reversed(range(L)):
            grads[l], dh, dstate0[l] = self.layers[l].backward(params[l], cache.caches[l], dh, dstates[l])
        return grads, dh, dstate0

    @_checks.overflow_checked('dy, params')
    def input_gradient_norms(self, params, cache: StackedCache, dy) -> np.ndarray:
        """‖∂E/∂h_l‖ for l = 0 … L (over time, batch and units): the error reaching the input
        of each layer, level 0 = x, level L = the output (= ‖dy‖). Chapter 14's depth figure."""
        params = self._per_layer("params", params)
        L = len(self.layers)
        norms = np.empty(L + 1)
        dh = _checks.float_array("dy", dy, ndim=3)
        norms[L] = np.linalg.norm(dh)
        for l in reversed(range(L)):
            _, dh, _ = self.layers[l].backward(params[l], cache.caches[l], dh)
            norms[l] = np.linalg.norm(dh)
        return norms


# ---------------------------------------------------------------- a linear readout


def linear_readout(n_hidden: int, n_out: int, rng=None, dtype=np.float64) -> ReadoutParams:
    """Linear output units y_k(t) = Σ_j w_kj h_j(t) + b_k for H hidden units (Chapters 4, 13-15).

    The output layer of :mod:`lstm_core.readout` with the identity as activation; weights and
    biases uniform in ±1/√H.

    Parameters
    ----------
    n_hidden : int
        H, the hidden units read (≥ 1).
    n_out : int
        K, the outputs (≥ 1).
    rng : numpy.random.Generator or int seed, optional
    dtype : float32 or float64

    Returns
    -------
    ReadoutParams
        ``W`` (K, H), ``b`` (K,), ``activation="identity"``.
    """
    H = V.positive_int("n_hidden", n_hidden)
    K = V.positive_int("n_out", n_out)
    rng = _checks.rng(rng)
    k = 1.0 / np.sqrt(H)
    return ReadoutParams(W=rng.uniform(-k, k, (K, H)).astype(dtype), b=rng.uniform(-k, k, K).astype(dtype),
                         activation="identity")


# ---------------------------------------------------------------- layer + readout + loss


@dataclass
class ModelParams:
    """Parameters of a :class:`SequenceModel`: ``core`` (the layer's params) and ``out``
    (a :class:`~lstm_core.readout.ReadoutParams`, e.g. from :func:`linear_readout`, or ``None``
    when the layer's own output is the model's)."""

    core: Any
    out: ReadoutParams | None = None


@dataclass
class ModelGrads:
    """∂E/∂θ for :class:`ModelParams` (same field names)."""

    core: Any
    out: ReadoutGrads | None = None


@dataclass
class ModelCache:
    """Trace of :meth:`SequenceModel.forward`: the layer's cache, its output h (T, B, H) and
    the readout's cache (``None`` without a readout)."""

    core: Any
    h: np.ndarray
    out: ReadoutCache | None = None


@dataclass(frozen=True)
class SequenceModel:
    """A sequence layer followed, at every step, by a readout (Chapters 13-15).

    ``SequenceModel(layer)``: y(t) = W h(t) + b with h = layer(x) for a :func:`linear_readout`
    (any :class:`~lstm_core.readout.ReadoutParams` works). With ``params.out = None``
    the layer's output is y itself (e.g. a :class:`~lstm_core.bidirectional.Bidirectional`
    with its own output layer, y(t) = W_f h→(t) + W_b h←(t) + b).
    """

    layer: Any

    def __post_init__(self):
        object.__setattr__(self, "layer", _as_layer("layer", self.layer))

    def forward(self, params: ModelParams, x) -> tuple[np.ndarray, ModelCache]:
        """y (T, B, K) for x (T, B, I), and the cache."""
        if not isinstance(params, ModelParams):
            raise TypeError(f"params: expected ModelParams, got {type(params).__name__}")
        h, c = self.layer.forward(params.core, x)
        if params.out is None:
            return h, ModelCache(core=c, h=h)
        y, out_cache = readout_forward(params.out, h)
        return y, ModelCache(core=c, h=h, out=out_cache)

    def backward(self, params: ModelParams, cache: ModelCache, dy) -> tuple[ModelGrads, np.ndarray]:
        """∂E/∂θ and ∂E/∂x for dy = ∂E/∂y (T, B, K)."""
        if not isinstance(cache, ModelCache):
            raise TypeError(f"cache: expected a ModelCache from SequenceModel.forward, got {type(cache).__name__}")
        if params.out is None:
            g_out, dh = None, dy
        else:
            g_out, dh, _ = readout_backward(params.out, cache.out, dy)
        g_core, dx, _ = self.layer.backward(params.core, cache.core, dh)
        return ModelGrads(core=g_core, out=g_out), dx

    def loss(self, y, batch, loss: str = "cross_entropy") -> tuple[float, np.ndarray]:
        """E and ∂E/∂y of outputs ``y`` on a :class:`~lstm_core.tasks.TaskBatch`, averaged over
        the batch (E / B).

        ``"cross_entropy"``: softmax over the K outputs of each scored step,
        E = −(1/B) Σ_t Σ_b mask Σ_k t_k log softmax(y)_k. ``"squared"``:
        E = (1/2B) Σ mask (t − y)², the book's squared error on the scored steps only.
        """
        if loss not in ("cross_entropy", "squared"):
            raise ValueError(f"loss: expected 'cross_entropy' or 'squared', got {loss!r}")
        y = _checks.float_array("y", y, ndim=3)
        _, t, mask = _checks.task_batch(batch, y_shape=y.shape, dtype=y.dtype)
        t = t * mask
        if loss == "cross_entropy":
            E, g = softmax_cross_entropy(y, t, mean=True)
        elif loss == "squared":
            E, g = squared_error(y * mask, t, mean=True)
            g = g * mask
        else:
            raise ValueError(f"loss: expected 'cross_entropy' or 'squared', got {loss!r}")
        return E, g

    def loss_and_grads(self, params: ModelParams, batch, loss: str = "cross_entropy"
                       ) -> tuple[float, ModelGrads]:
        """(E, ∂E/∂θ) on one batch — the function :func:`lstm_core.train.train` calls."""
        y, cache = self.forward(params, batch.x)
        E, dy = self.loss(y, batch, loss)
        grads, _ = self.backward(params, cache, dy)
        return E, grads


# ---------------------------------------------------------------- output delay, parameter count


def delay_targets(batch, delay: int):
    """The same task with every target asked for ``delay`` steps later (Chapter 13).

    A forward network trained on the result answers for frame t at step t + D, after it has
    read x(t + 1) … x(t + D) (Graves & Schmidhuber 2005's "LSTM with a target delay").
    Inputs get D steps of zeros appended, so the last frames can still be answered.

    Parameters
    ----------
    batch : TaskBatch
        With ``x`` (T, B, I), ``t`` (T, B, K), ``mask`` (T, B, 1).
    delay : int
        D ≥ 0.

    Returns
    -------
    TaskBatch
        ``x`` (T+D, B, I), ``t`` and ``mask`` (T+D, B, ·) with ``t_new[τ + D] = t[τ]``;
        ``info["delay"] = D``; the same criterion.
    """
    from .tasks.batch import TaskBatch  # tasks sit above models in the import order

    if not isinstance(batch, TaskBatch):
        raise TypeError(f"batch: expected a TaskBatch, got {type(batch).__name__}")
    _checks.task_batch(batch)
    D = V.positive_int("delay", delay, minimum=0)

    def pad(a, front):
        z = np.zeros((D,) + a.shape[1:], dtype=a.dtype)
        return np.concatenate([z, a] if front else [a, z], axis=0)

    return TaskBatch(x=pad(batch.x, front=False), t=pad(batch.t, front=True),
                     mask=pad(batch.mask, front=True), lengths=batch.lengths + D,
                     name=f"{batch.name}_delay{D}", info={**batch.info, "delay": D},
                     criterion=batch.criterion)


def count_params(params) -> int:
    """Number of trainable numbers in ``params`` (any dataclass / dict / list of float arrays).

    Book equations: eq-complexity-w, eq-grid-count
    """
    arrays = named_arrays(params)
    if not arrays:
        raise ValueError(f"params: expected float arrays (a dataclass, dict or list of them), "
                         f"got {type(params).__name__} with none")
    return int(sum(a.size for a in arrays.values()))
