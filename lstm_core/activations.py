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

from . import _checks


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function σ(x) = 1 / (1 + e^−x), shape-preserving, overflow-free.

    Chapter 2 (the sigmoid unit). For x ≥ 0 it evaluates 1 / (1 + e^−x); for x < 0 the
    algebraically equal e^x / (1 + e^x). Both only ever exponentiate −|x| ≤ 0.

    Book equations: eq-notation-squashers, eq-sigmoid
    """
    return _sigmoid(_checked(x))


def sigmoid_deriv(x: np.ndarray) -> np.ndarray:
    """σ'(x) = σ(x)(1 − σ(x)); at most 1/4, reached at x = 0 (chapters 2 and 7).

    Book equations: eq-notation-derivs, eq-sigmoid-deriv
    """
    return _sigmoid_deriv(_checked(x))


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, range (−1, 1)."""
    return _tanh(_checked(x))


def tanh_deriv(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 − tanh²(x); at most 1 at x = 0.

    Book equations: eq-notation-derivs
    """
    return _tanh_deriv(_checked(x))


def g1997(x: np.ndarray) -> np.ndarray:
    """Cell-input squasher of the 1997 LSTM: g(x) = 4σ(x) − 2, range (−2, 2) (chapter 8).

    Book equations: eq-notation-squashers
    """
    return _g1997(_checked(x))


def g1997_deriv(x: np.ndarray) -> np.ndarray:
    """g'(x) = 4σ(x)(1 − σ(x)); at most 1 at x = 0.

    Book equations: eq-notation-derivs
    """
    return _g1997_deriv(_checked(x))


def h1997(x: np.ndarray) -> np.ndarray:
    """Cell-output squasher of the 1997 LSTM: h(x) = 2σ(x) − 1, range (−1, 1) (chapter 8).

    Book equations: eq-notation-squashers
    """
    return _h1997(_checked(x))


def h1997_deriv(x: np.ndarray) -> np.ndarray:
    """h'(x) = 2σ(x)(1 − σ(x)); at most 1/2 at x = 0.

    Book equations: eq-notation-derivs
    """
    return _h1997_deriv(_checked(x))


def identity(x: np.ndarray) -> np.ndarray:
    """The linear activation f(x) = x (output units, the constant error carousel)."""
    return _identity(_checked(x))


def identity_deriv(x: np.ndarray) -> np.ndarray:
    """f'(x) = 1."""
    return _identity_deriv(_checked(x))


# ---------------------------------------------------------------------------------------------
# The implementations behind the public functions above, which check their input first (issue
# 16: ``x`` a non-empty, finite float32/float64 array, or Python numbers, which become float64).
# The :data:`ACTIVATIONS` table holds these: the layers call them once per time step on arrays
# they have checked already.


def _checked(x) -> np.ndarray:
    return _checks.not_empty("x", _checks.float_array("x", x))


def _sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_deriv(x):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _tanh(x):
    return np.tanh(x)


def _tanh_deriv(x):
    t = np.tanh(x)
    return 1.0 - t * t


def _g1997(x):
    return 4.0 * _sigmoid(x) - 2.0


def _g1997_deriv(x):
    return 4.0 * _sigmoid_deriv(x)


def _h1997(x):
    return 2.0 * _sigmoid(x) - 1.0


def _h1997_deriv(x):
    return 2.0 * _sigmoid_deriv(x)


def _identity(x):
    return np.asarray(x)


def _identity_deriv(x):
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
    "logistic": Activation("logistic", _sigmoid, _sigmoid_deriv, lambda y: y * (1.0 - y), 0.25),
    "tanh": Activation("tanh", _tanh, _tanh_deriv, lambda y: 1.0 - y * y, 1.0),
    "g1997": Activation("g1997", _g1997, _g1997_deriv, lambda y: (4.0 - y * y) * 0.25, 1.0),
    "h1997": Activation("h1997", _h1997, _h1997_deriv, lambda y: (1.0 - y * y) * 0.5, 0.5),
    "identity": Activation("identity", _identity, _identity_deriv, lambda y: np.ones_like(y), 1.0),
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
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)} as name, got {name!r}") from None
