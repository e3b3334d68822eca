"""Squashing functions and their derivatives (chapters 1, 2, 8).

Each activation is an :class:`Activation` holding the function ``f(net)``, its derivative
``f'(net)``, and the same derivative written in terms of the output ``y = f(net)``, which
is what a backward pass has at hand (``σ' = y(1 − y)``, ``tanh' = 1 − y²``).

=========  ======================  ==========  ===============================
name       f(net)                  range       f' in terms of y
=========  ======================  ==========  ===============================
logistic   σ(x) = 1 / (1 + e^−x)   (0, 1)      y (1 − y)            (max 1/4)
tanh       tanh(x)                 (−1, 1)     1 − y²               (max 1)
g1997      4σ(x) − 2               (−2, 2)     (4 − y²) / 4         (max 1)
h1997      2σ(x) − 1               (−1, 1)     (1 − y²) / 2         (max 1/2)
identity   x                       ℝ           1
=========  ======================  ==========  ===============================

``g1997`` and ``h1997`` are the cell-input and cell-output squashers of the original LSTM
(Hochreiter & Schmidhuber 1997), written ``g`` and ``h`` in the book.

All functions keep the dtype of their input and never overflow: the logistic is computed
from ``exp(−|x|)``, so ``σ(±1e4)`` is exact and silent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function σ(x) = 1 / (1 + e^−x), shape-preserving, overflow-free.

    Chapter 2 (the sigmoid unit). For x ≥ 0 it evaluates 1 / (1 + e^−x); for x < 0 the
    algebraically equal e^x / (1 + e^x). Both only ever exponentiate −|x| ≤ 0.

    Book equations: eq-notation-squashers, eq-sigmoid
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_deriv(x: np.ndarray) -> np.ndarray:
    """σ'(x) = σ(x)(1 − σ(x)); at most 1/4, reached at x = 0 (chapters 2 and 7).

    Book equations: eq-notation-derivs, eq-sigmoid-deriv
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, range (−1, 1)."""
    return np.tanh(x)


def tanh_deriv(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 − tanh²(x); at most 1 at x = 0.

    Book equations: eq-notation-derivs
    """
    t = np.tanh(x)
    return 1.0 - t * t


def g1997(x: np.ndarray) -> np.ndarray:
    """Cell-input squasher of the 1997 LSTM: g(x) = 4σ(x) − 2, range (−2, 2) (chapter 8).

    Book equations: eq-notation-squashers
    """
    return 4.0 * sigmoid(x) - 2.0


def g1997_deriv(x: np.ndarray) -> np.ndarray:
    """g'(x) = 4σ(x)(1 − σ(x)); at most 1 at x = 0.

    Book equations: eq-notation-derivs
    """
    return 4.0 * sigmoid_deriv(x)


def h1997(x: np.ndarray) -> np.ndarray:
    """Cell-output squasher of the 1997 LSTM: h(x) = 2σ(x) − 1, range (−1, 1) (chapter 8).

    Book equations: eq-notation-squashers
    """
    return 2.0 * sigmoid(x) - 1.0


def h1997_deriv(x: np.ndarray) -> np.ndarray:
    """h'(x) = 2σ(x)(1 − σ(x)); at most 1/2 at x = 0.

    Book equations: eq-notation-derivs
    """
    return 2.0 * sigmoid_deriv(x)


def identity(x: np.ndarray) -> np.ndarray:
    """The linear activation f(x) = x (output units, the constant error carousel)."""
    return np.asarray(x)


def identity_deriv(x: np.ndarray) -> np.ndarray:
    """f'(x) = 1."""
    return np.ones_like(np.asarray(x))


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative, by net input and by output.

    Book equations: eq-notation-derivs

    Attributes
    ----------
    name : str
        Key in :data:`ACTIVATIONS`.
    f : callable
        ``y = f(net)``, elementwise.
    deriv : callable
        ``f'(net)``, elementwise.
    deriv_from_output : callable
        ``f'(net)`` computed from ``y = f(net)`` alone (what backward passes use).
    max_deriv : float
        ``max_x f'(x)``: 1/4 for the logistic, the number behind chapter 7.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray], np.ndarray]
    deriv_from_output: Callable[[np.ndarray], np.ndarray]
    max_deriv: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.f(x)


ACTIVATIONS: dict[str, Activation] = {
    "logistic": Activation("logistic", sigmoid, sigmoid_deriv, lambda y: y * (1.0 - y), 0.25),
    "tanh": Activation("tanh", tanh, tanh_deriv, lambda y: 1.0 - y * y, 1.0),
    "g1997": Activation("g1997", g1997, g1997_deriv, lambda y: (4.0 - y * y) * 0.25, 1.0),
    "h1997": Activation("h1997", h1997, h1997_deriv, lambda y: (1.0 - y * y) * 0.5, 0.5),
    "identity": Activation("identity", identity, identity_deriv, lambda y: np.ones_like(y), 1.0),
}
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]


def get(name: str | Activation) -> Activation:
    """Look an activation up by name (``"logistic"``/``"sigmoid"``, ``"tanh"``, ``"g1997"``,
    ``"h1997"``, ``"identity"``); an :class:`Activation` is returned unchanged."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation: expected a name or an Activation, got {type(name).__name__}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}") from None
