"""Single units and how they learn: perceptron, delta rule, sigmoid unit (Chapter 2).

Three units, each with its one-step learning rule next to the loop that repeats it:

=====================  ===========================  =========================================
unit                   output o(x)                  one learning step
=====================  ===========================  =========================================
perceptron             sgn(w·x + b)                 Δw = α (t − o) x            (one example)
linear unit (LMS)      w·x + b                      Δw = α Σ_d (t_d − o_d) x_d  (delta rule)
sigmoid unit           σ(w·x + b)                   Δw = α Σ_d δ_d x_d, δ_d = o_d(1−o_d)(t_d−o_d)
=====================  ===========================  =========================================

Shapes: examples come **batch first**, ``X`` of shape ``(D, n)`` — D training examples d with
n inputs x_i each (a single unit sees no sequence); targets ``t`` have shape ``(D,)``; the
weight vector ``w`` has shape ``(n,)`` and the bias ``b`` (the book's w_0 on a constant input
x_0 = 1) is a scalar. Perceptron targets are ±1.

The perceptron rule converges in finitely many steps when the data are linearly separable
(AND, OR) and cycles forever when they are not (XOR). The delta rule minimises
E = ½ Σ_d (t_d − o_d)² of the *linear* output, so it converges (for small enough α) to the
least-squares weights even when no line separates the classes.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._checks import float_array
from ._validate import positive_float, positive_int
from .activations import sigmoid

# ---------------------------------------------------------------------------------------
# input checks shared by the functions below


def _examples(X) -> np.ndarray:
    X = float_array("X", X, ndim=2)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X: expected at least one example with at least one input, got shape {X.shape}")
    return X


def _weights(w, n: int, dtype, name: str = "w") -> np.ndarray:
    if w is None:
        if name == "w":                     # only the training loops' w0 has a default
            raise TypeError("w: expected an array of weights, got None")
        return np.zeros(n, dtype=dtype)
    return float_array(name, w, shape=(n,), dtype=dtype).copy()


def _bias(b, dtype, name: str = "b") -> np.generic:
    if isinstance(b, np.ndarray) and b.size == 1:
        b = b.reshape(())[()]
    if isinstance(b, bool) or not isinstance(b, numbers.Real):
        raise TypeError(f"{name}: expected a real number (the bias), got {type(b).__name__} {b!r}")
    if not np.isfinite(b):
        raise ValueError(f"{name}: expected a finite number, got {b}")
    return np.dtype(dtype).type(b)


def _targets(t, D: int, dtype, plus_minus_one: bool = False) -> np.ndarray:
    try:
        t_arr = np.asarray(t)
    except (ValueError, TypeError):
        t_arr = float_array("t", t)          # a ragged list: a TypeError naming t
    if t_arr.dtype.kind in "iub":
        t_arr = t_arr.astype(dtype)
    t_arr = float_array("t", t_arr, shape=(D,), dtype=dtype)
    if plus_minus_one and not np.all(np.abs(t_arr) == 1):
        raise ValueError(f"t: perceptron targets must be -1 or +1, got values {np.unique(t_arr)}")
    return t_arr


def _training_inputs(X, t, alpha, epochs, w0, b0, plus_minus_one: bool = False):
    """Checked (X, t, α in X's dtype, epochs, w, b) for the training loops below."""
    X = _examples(X)
    D, n = X.shape
    t = _targets(t, D, X.dtype, plus_minus_one=plus_minus_one)
    alpha = positive_float("alpha", alpha)
    epochs = positive_int("epochs", epochs)
    return (X, t, X.dtype.type(alpha), epochs, _weights(w0, n, X.dtype, "w0"),
            _bias(b0, X.dtype, "b0"))


# ---------------------------------------------------------------------------------------
# the perceptron (Rosenblatt 1958)


def sgn(net: np.ndarray) -> np.ndarray:
    """Threshold ``sgn(net) = +1 if net > 0 else −1`` (Chapter 2), keeping the dtype.

    Note ``sgn(0) = −1`` here, as in the perceptron's definition ``o = 1 if w·x + b > 0,
    −1 otherwise``; a perceptron started at w = 0, b = 0 therefore answers −1 everywhere.

    Book equations: eq-perceptron-output
    """
    net = float_array("net", net)
    _checks.not_empty("net", net)
    return np.where(net > 0, 1, -1).astype(net.dtype)


@_checks.overflow_checked('X, w, b')
def perceptron_output(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Perceptron outputs ``o_d = sgn(w·x_d + b)`` for every example (Chapter 2).

    Book equations: eq-perceptron-output

    Parameters
    ----------
    w : ndarray, shape (n,)
        Weights w_i.
    b : float
        Bias (the book's w_0).
    X : ndarray, shape (D, n)
        Examples x_d, one per row.

    Returns
    -------
    ndarray, shape (D,), values ±1, dtype of ``X``
    """
    X = _examples(X)
    w = _weights(w, X.shape[1], X.dtype)
    return sgn(X @ w + _bias(b, X.dtype))


@_checks.overflow_checked('x, w, b, t')
def perceptron_update(w: np.ndarray, b: float, x: np.ndarray, t: float, alpha: float):
    """One step of the perceptron rule on one example (Chapter 2)::

        o  = sgn(w·x + b)
        w ← w + α (t − o) x
        b ← b + α (t − o)

    Nothing changes when the example is already classified correctly (t = o); otherwise the
    weights move by ±2α x towards the correct side.

    Book equations: eq-perceptron-rule

    Parameters
    ----------
    w : ndarray, shape (n,)
        Weights (not modified).
    b : float
        Bias.
    x : ndarray, shape (n,)
        One example.
    t : float
        Its target, −1 or +1.
    alpha : float
        Learning rate α > 0.

    Returns
    -------
    (w_new, b_new) : (ndarray of shape (n,), scalar)
    """
    x = float_array("x", x, ndim=1)
    w = _weights(w, x.shape[0], x.dtype)
    b = _bias(b, x.dtype)
    t = _targets(np.reshape(t, (1,)), 1, x.dtype, plus_minus_one=True)[0]
    return _perceptron_step(w, b, x, t, x.dtype.type(positive_float("alpha", alpha)))


def _perceptron_step(w, b, x, t, a):
    """:func:`perceptron_update` without the input checks (for the training loop)."""
    step = a * (t - sgn(w @ x + b))
    return w + step * x, b + step


@dataclass
class PerceptronHistory:
    """What :func:`train_perceptron` did, epoch by epoch.

    Attributes
    ----------
    w : ndarray, shape (epochs + 1, n)
        ``w[k]`` = weights after k epochs (``w[0]`` the initial weights), for drawing the
        decision boundary w·x + b = 0 after each epoch.
    b : ndarray, shape (epochs + 1,)
        Biases, likewise.
    mistakes : ndarray of int, shape (epochs,)
        Examples misclassified (hence updates made) during each epoch.
    converged : bool
        True if the last epoch made no mistake: every example is classified correctly.
    epochs : int
        Epochs run (training stops after the first epoch without mistakes).
    """

    w: np.ndarray
    b: np.ndarray
    mistakes: np.ndarray
    converged: bool
    epochs: int


@_checks.overflow_checked("X, alpha, w0, b0")
def train_perceptron(X: np.ndarray, t: np.ndarray, alpha: float = 0.1, epochs: int = 100,
                     w0: np.ndarray | None = None, b0: float = 0.0) -> PerceptronHistory:
    """Train a perceptron with :func:`perceptron_update`, example by example (Chapter 2).

    One epoch presents the examples once, in the order given (no shuffling, so the result is
    deterministic). Training stops after the first epoch in which no example was
    misclassified (``converged=True``) or after ``epochs`` epochs (``converged=False`` — what
    always happens on XOR, which no line separates).

    Parameters
    ----------
    X : ndarray, shape (D, n)
        Training examples.
    t : array_like, shape (D,)
        Targets, −1 or +1.
    alpha : float
        Learning rate α > 0.
    epochs : int
        Maximum number of epochs.
    w0 : ndarray, shape (n,), optional
        Initial weights (default zeros).
    b0 : float
        Initial bias.

    Returns
    -------
    PerceptronHistory
    """
    X, t, a, epochs, w, b = _training_inputs(X, t, alpha, epochs, w0, b0, plus_minus_one=True)
    D = X.shape[0]
    ws, bs, mistakes = [w.copy()], [b], []
    for _ in range(epochs):
        wrong = 0
        for d in range(D):  # the rule is incremental: one example at a time
            if sgn(w @ X[d] + b) != t[d]:
                wrong += 1
            w, b = _perceptron_step(w, b, X[d], t[d], a)
        ws.append(w.copy())
        bs.append(b)
        mistakes.append(wrong)
        if wrong == 0:
            break
    return PerceptronHistory(w=np.array(ws), b=np.array(bs, dtype=X.dtype),
                             mistakes=np.array(mistakes, dtype=int),
                             converged=mistakes[-1] == 0, epochs=len(mistakes))


# ---------------------------------------------------------------------------------------
# the delta rule (LMS, Widrow & Hoff 1960) for a linear unit o = w·x + b


@_checks.overflow_checked('X, w, b')
def linear_output(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Outputs ``o_d = w·x_d + b`` of a linear unit (Chapter 2); shapes as in :func:`perceptron_output`."""
    X = _examples(X)
    return X @ _weights(w, X.shape[1], X.dtype) + _bias(b, X.dtype)


@_checks.overflow_checked('X, w, b, t')
def delta_rule_step(w: np.ndarray, b: float, X: np.ndarray, t: np.ndarray, alpha: float):
    """One gradient-descent step of the delta rule on the examples given (Chapter 2)::

        o_d = w·x_d + b
        Δw  = α Σ_d (t_d − o_d) x_d  =  −α ∂E/∂w,   E = ½ Σ_d (t_d − o_d)²
        Δb  = α Σ_d (t_d − o_d)

    Pass all D examples for the batch rule, one example (``X`` of shape (1, n)) for the
    incremental (stochastic) rule.

    Book equations: eq-delta-gradient, eq-delta-rule

    Parameters
    ----------
    w : ndarray, shape (n,)
        Weights (not modified).
    b : float
        Bias.
    X : ndarray, shape (D, n)
        Examples.
    t : array_like, shape (D,)
        Real-valued targets.
    alpha : float
        Learning rate α > 0.

    Returns
    -------
    (w_new, b_new) : (ndarray of shape (n,), scalar)
    """
    X = _examples(X)
    w = _weights(w, X.shape[1], X.dtype)
    b = _bias(b, X.dtype)
    t = _targets(t, X.shape[0], X.dtype)
    return _delta_step(w, b, X, t, X.dtype.type(positive_float("alpha", alpha)))


def _delta_step(w, b, X, t, a):
    """:func:`delta_rule_step` without the input checks (for the training loop)."""
    e = t - (X @ w + b)  # e_d = t_d − o_d
    return w + a * (e @ X), b + a * np.sum(e)


@dataclass
class DeltaRuleHistory:
    """What :func:`train_delta_rule` did, epoch by epoch.

    Attributes
    ----------
    w : ndarray, shape (epochs + 1, n)
        Weights after each epoch (``w[0]`` initial).
    b : ndarray, shape (epochs + 1,)
        Biases after each epoch.
    loss : ndarray, shape (epochs + 1,)
        E = ½ Σ_d (t_d − o_d)² over all examples after each epoch.
    mode : str
        ``"batch"`` or ``"incremental"``.
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    mode: str


def train_delta_rule(X: np.ndarray, t: np.ndarray, alpha: float = 0.01, epochs: int = 100,
                     mode: str = "batch", w0: np.ndarray | None = None,
                     b0: float = 0.0) -> DeltaRuleHistory:
    """Train a linear unit with the delta rule, batch or incremental (Chapter 2).

    * ``mode="batch"``: one :func:`delta_rule_step` on all D examples per epoch — true
      gradient descent on E. It converges to the least-squares weights (:func:`least_squares`)
      if α < 2 / λ_max, λ_max the largest eigenvalue of ``[X 1]ᵀ[X 1]``.
    * ``mode="incremental"``: D steps per epoch, one example at a time, in the given order.
      With a fixed α it ends in a small cycle around the least-squares weights, whose size
      shrinks with α.

    Book equations: eq-delta-error, eq-delta-rule

    Parameters
    ----------
    X : ndarray, shape (D, n)
        Examples.
    t : array_like, shape (D,)
        Real-valued targets.
    alpha : float
        Learning rate α > 0.
    epochs : int
        Number of epochs.
    mode : {"batch", "incremental"}
    w0 : ndarray, shape (n,), optional
        Initial weights (default zeros).
    b0 : float
        Initial bias.

    Returns
    -------
    DeltaRuleHistory
    """
    X, t, a, epochs, w, b = _training_inputs(X, t, alpha, epochs, w0, b0)
    D = X.shape[0]
    if mode not in ("batch", "incremental"):
        raise ValueError(f"mode: expected 'batch' or 'incremental', got {mode!r}")

    def E(w, b):
        return 0.5 * float(np.sum((t - (X @ w + b)) ** 2))

    with np.errstate(over="ignore", invalid="ignore"):
        E0 = E(w, b)
    if not np.isfinite(E0):
        raise ValueError("X, t, w0, b0: expected values whose squared error stays within the float "
                         "range, got an initial error E that overflows")
    ws, bs, loss = [w.copy()], [b], [E0]
    for _ in range(epochs):
        # too large an alpha makes w grow geometrically: let it overflow quietly, then say so
        with np.errstate(over="ignore", invalid="ignore"):
            if mode == "batch":
                w, b = _delta_step(w, b, X, t, a)
            else:
                for d in range(D):
                    w, b = _delta_step(w, b, X[d:d + 1], t[d:d + 1], a)
            E_now = E(w, b)
        if not np.isfinite(E_now):
            raise ValueError(f"alpha, X: the delta rule diverged with alpha={alpha} "
                             f"(E overflowed after {len(loss)} epochs); use a smaller learning rate "
                             f"(or inputs X of smaller magnitude)")
        ws.append(w.copy())
        bs.append(b)
        loss.append(E_now)
    return DeltaRuleHistory(w=np.array(ws), b=np.array(bs, dtype=X.dtype),
                            loss=np.array(loss), mode=mode)


@_checks.overflow_checked('X, t')
def least_squares(X: np.ndarray, t: np.ndarray):
    """The weights the delta rule converges to: ``argmin_{w,b} ½ Σ_d (t_d − w·x_d − b)²``.

    Solved directly with ``np.linalg.lstsq`` on ``[X 1]`` (Chapter 2 compares it with
    gradient descent).

    Returns
    -------
    (w, b) : (ndarray of shape (n,), scalar)
    """
    X = _examples(X)
    t = _targets(t, X.shape[0], X.dtype)
    A = np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])
    sol = np.linalg.lstsq(A, t, rcond=None)[0]
    return sol[:-1], sol[-1]


# ---------------------------------------------------------------------------------------
# the sigmoid unit: a differentiable threshold


@_checks.overflow_checked('X, w, b')
def sigmoid_unit(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Outputs ``o_d = σ(net_d)``, ``net_d = w·x_d + b``, of a sigmoid unit (Chapter 2).

    Shapes as in :func:`perceptron_output`; returns ``(D,)`` values in (0, 1).

    Book equations: eq-sigmoid
    """
    return sigmoid(linear_output(w, b, X))


@dataclass
class SigmoidUnitGradient:
    """Error and gradient of a sigmoid unit (:func:`sigmoid_unit_gradient`).

    Attributes
    ----------
    loss : float
        E = ½ Σ_d (t_d − o_d)².
    w : ndarray, shape (n,)
        ∂E/∂w_i = −Σ_d δ_d x_id.
    b : scalar
        ∂E/∂b = −Σ_d δ_d.
    delta : ndarray, shape (D,)
        The book's δ_d = −∂E/∂net_d = σ'(net_d)(t_d − o_d) = o_d (1 − o_d)(t_d − o_d).
    o : ndarray, shape (D,)
        Outputs o_d.
    """

    loss: float
    w: np.ndarray
    b: np.generic
    delta: np.ndarray
    o: np.ndarray


@_checks.overflow_checked('X, w, b, t')
def sigmoid_unit_gradient(w: np.ndarray, b: float, X: np.ndarray, t: np.ndarray) -> SigmoidUnitGradient:
    """Forward pass and gradient of ``E = ½ Σ_d (t_d − o_d)²`` for a sigmoid unit (Chapter 2)::

        o_d   = σ(w·x_d + b)
        δ_d   = σ'(net_d) (t_d − o_d) = o_d (1 − o_d)(t_d − o_d)
        ∂E/∂w = −Σ_d δ_d x_d,   ∂E/∂b = −Σ_d δ_d

    Gradient descent w ← w − α ∂E/∂w is then the delta rule with the extra factor
    σ'(net) ≤ 1/4 — the factor that, multiplied over many layers or time steps, makes
    errors vanish (Chapter 7).

    Book equations: eq-sigmoid-gradient

    Parameters
    ----------
    w : ndarray, shape (n,)
    b : float
    X : ndarray, shape (D, n)
    t : array_like, shape (D,)
        Targets, usually in [0, 1].

    Returns
    -------
    SigmoidUnitGradient
    """
    X = _examples(X)
    w = _weights(w, X.shape[1], X.dtype)
    b = _bias(b, X.dtype)
    t = _targets(t, X.shape[0], X.dtype)
    o = sigmoid(X @ w + b)
    e = t - o
    delta = o * (1 - o) * e
    return SigmoidUnitGradient(loss=0.5 * float(np.sum(e * e)), w=-(delta @ X), b=-np.sum(delta),
                               delta=delta, o=o)
