"""Gradient-descent optimisers and gradient clipping (chapters 2-3 introduce α; used from 5 on).

Every optimiser updates parameters **in place** from gradients ∂E/∂θ (what the backward
passes return), one call of ``step(params, grads)`` per training step:

* :class:`SGD` — plain gradient descent, the book's ``Δw = −α ∂E/∂w`` (= α δ y), optionally
  with momentum ``Δw(n) = −α ∂E/∂w + μ Δw(n−1)`` (Rumelhart, Hinton & Williams 1986).
* :class:`Adam` — per-weight step sizes from running averages of the gradient and its square
  (Kingma & Ba 2015); the reduced-scale reproductions in chapters 12-17 use it.
* :func:`clip_by_global_norm` and :func:`clip_by_value` — tame the exploding gradients of
  Chapter 7 before the step.

Parameters and gradients
------------------------
``params`` may be a dataclass (``FFNNParams``, ``LSTMParams``, …), a dict, or a list/tuple of
float arrays, nested freely; its float ndarrays are the parameters (strings such as activation
names are skipped). ``grads`` must hold an array of the same shape and dtype under the same
name for each of them — a dataclass with the same field names, or a dict with the same keys.
Extra entries of ``grads`` (deltas, ∂E/∂x, …) are ignored. float32 parameters stay float32.
"""
from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ._tree import named_arrays  # noqa: F401  (re-exported: optim.named_arrays)
from ._validate import positive_float

# ---------------------------------------------------------------------------------------
# walking nested parameter structures


def _param_grad_pairs(params, grads) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Match every parameter array with its gradient; check shapes, dtypes, finiteness."""
    p, g = named_arrays(params), named_arrays(grads)
    if not p:
        raise ValueError(f"params: expected float arrays (a dataclass, dict or list of them), "
                         f"got {type(params).__name__} with none")
    for name, arr in _all_arrays(params).items():
        if name in g and name not in p:
            raise TypeError(f"params.{name}: expected a float32 or float64 array (grads[{name!r}] "
                            f"is its gradient), got dtype {arr.dtype}")
    pairs = []
    for name, arr in p.items():
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"params.{name}: expected finite values, got "
                             f"{int(arr.size - np.count_nonzero(np.isfinite(arr)))} NaN/inf entries")
        if name not in g:
            raise ValueError(f"grads: no gradient for parameter {name!r} (grads has {sorted(g)})")
        grad = g[name]
        if grad.shape != arr.shape:
            raise ValueError(f"grads[{name!r}]: expected shape {arr.shape}, got {grad.shape}")
        if grad.dtype != arr.dtype:
            raise TypeError(f"grads[{name!r}]: expected dtype {arr.dtype} (the parameter's), got {grad.dtype}")
        if not np.all(np.isfinite(grad)):
            raise ValueError(f"grads[{name!r}]: expected finite values, got NaN/inf "
                             "(exploding gradients? try clip_by_global_norm or a smaller lr)")
        pairs.append((name, arr, grad))
    return pairs


def _all_arrays(tree, prefix: str = "") -> dict[str, np.ndarray]:
    """Every ndarray inside ``tree`` (any dtype), by the paths of :func:`named_arrays`."""
    if isinstance(tree, np.ndarray):
        return {prefix: tree}
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        items = ((f.name, getattr(tree, f.name)) for f in dataclasses.fields(tree))
    elif isinstance(tree, Mapping):
        items = ((str(k), v) for k, v in tree.items())
    elif isinstance(tree, (list, tuple)):
        return {k: v for i, item in enumerate(tree) for k, v in _all_arrays(item, f"{prefix}[{i}]").items()}
    else:
        return {}
    out = {}
    for name, value in items:
        out.update(_all_arrays(value, f"{prefix}.{name}" if prefix else name))
    return out


def _grad_arrays(grads, params, check: bool = True, finite: bool = True) -> list[np.ndarray]:
    """The gradient arrays (of ``params``' arrays if given); with ``check``, each one a
    non-empty float32/float64 array of its parameter's shape (and finite, with ``finite``)."""
    g = named_arrays(grads)
    if params is None:
        if not check:
            return list(g.values())
        arrays = _all_arrays(grads)
        if not arrays:
            raise ValueError(f"grads: expected float arrays (a dataclass, dict or list of them), "
                             f"got {type(grads).__name__} with none")
        return [_checked_grad(n, a, finite=finite) for n, a in arrays.items()]
    names = named_arrays(params)
    if check:
        for n, a in _all_arrays(grads).items():
            if n in names and n not in g:
                _checked_grad(n, a, finite=finite)  # a non-float gradient of a parameter
    missing = [n for n in names if n not in g]
    if missing:
        raise ValueError(f"grads: no gradient for parameters {missing}")
    if not check:
        return [g[n] for n in names]
    return [_checked_grad(n, g[n], names[n], finite) for n in names]


def _checked_grad(name: str, a: np.ndarray, param: np.ndarray | None = None,
                  finite: bool = True) -> np.ndarray:
    label = f"grads[{name!r}]"
    if a.dtype.type not in (np.float32, np.float64):
        raise TypeError(f"{label}: expected a float32 or float64 array, got dtype {a.dtype}")
    if param is not None and a.shape != param.shape:
        raise ValueError(f"{label}: expected shape {param.shape} (the parameter's), got {a.shape}")
    if a.size == 0:
        raise ValueError(f"{label}: expected a non-empty array (empty arrays are rejected), "
                         f"got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{label}: expected finite values, got "
                         f"{int(a.size - np.count_nonzero(np.isfinite(a)))} NaN/inf entries "
                         "(exploding gradients? try clip_by_global_norm or a smaller lr)")
    return a


def _unit_interval(name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}: expected a real number in [0, 1), got {type(v).__name__} {v!r}")
    if not 0.0 <= float(v) < 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1), got {v}")
    return float(v)


# ---------------------------------------------------------------------------------------
# optimisers


@dataclass
class SGD:
    """Stochastic gradient descent, optionally with momentum.

    Without momentum (μ = 0) one step is the book's rule ``w ← w − α ∂E/∂w``; with the
    book's δ = −∂E/∂net this is ``Δw_ij = α δ_i y_j``. With momentum μ each step keeps a
    fraction of the previous one::

        Δθ(n) = −α ∂E/∂θ + μ Δθ(n−1),      θ ← θ + Δθ(n)

    Book equations: eq-notation-delta, eq-ffnn-update

    Attributes
    ----------
    lr : float
        Learning rate α > 0.
    momentum : float
        μ in [0, 1).
    """

    lr: float = 0.1
    momentum: float = 0.0
    steps: int = field(default=0, init=False)
    _velocity: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.lr = positive_float("lr", self.lr)
        self.momentum = _unit_interval("momentum", self.momentum)

    def step(self, params, grads) -> None:
        """Update every array of ``params`` in place from the matching array of ``grads``."""
        lr = positive_float("lr", self.lr)
        for name, p, g in _param_grad_pairs(params, grads):
            a = p.dtype.type(lr)
            if self.momentum == 0.0:
                p -= a * g
                continue
            v = self._velocity.get(name)
            if v is None or v.shape != p.shape or v.dtype != p.dtype:
                v = self._velocity[name] = np.zeros_like(p)
            v *= p.dtype.type(self.momentum)
            v -= a * g
            p += v
        self.steps += 1


@dataclass
class Adam:
    """Adam (Kingma & Ba 2015): gradient descent with per-weight step sizes.

    With g = ∂E/∂θ at step n = 1, 2, …::

        m ← β₁ m + (1 − β₁) g            running mean of g
        v ← β₂ v + (1 − β₂) g²           running mean of g²
        θ ← θ − α · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ⁿ),  v̂ = v / (1 − β₂ⁿ)

    Each weight moves by about α per step whatever the scale of its gradient, which is why
    it copes with the very unequal gradient sizes of recurrent nets.

    Attributes
    ----------
    lr : float
        α > 0.
    beta1, beta2 : float
        Decay rates in [0, 1).
    eps : float
        ε > 0, guards the division.
    """

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    steps: int = field(default=0, init=False)
    _m: dict = field(default_factory=dict, init=False, repr=False)
    _v: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.lr = positive_float("lr", self.lr)
        self.beta1 = _unit_interval("beta1", self.beta1)
        self.beta2 = _unit_interval("beta2", self.beta2)
        self.eps = positive_float("eps", self.eps)

    def step(self, params, grads) -> None:
        """Update every array of ``params`` in place from the matching array of ``grads``."""
        lr = positive_float("lr", self.lr)
        pairs = _param_grad_pairs(params, grads)
        for name, p, g in pairs:             # g * g below must not overflow
            lim = float(np.sqrt(np.finfo(p.dtype).max))
            big = float(np.max(np.abs(g))) if g.size else 0.0
            if big > lim:
                raise ValueError(f"grads[{name!r}]: expected entries of magnitude <= {lim:.3g} (Adam "
                                 f"squares them; larger ones overflow {p.dtype}), got {big:.3g}")
        n = self.steps + 1
        c1, c2 = 1.0 - self.beta1 ** n, 1.0 - self.beta2 ** n  # bias corrections
        for name, p, g in pairs:
            m, v = self._m.get(name), self._v.get(name)
            if m is None or m.shape != p.shape or m.dtype != p.dtype:
                m = self._m[name] = np.zeros_like(p)
                v = self._v[name] = np.zeros_like(p)
            dt = p.dtype.type
            m *= dt(self.beta1)
            m += dt(1.0 - self.beta1) * g
            v *= dt(self.beta2)
            v += dt(1.0 - self.beta2) * (g * g)
            p -= dt(lr / c1) * m / (np.sqrt(v / dt(c2)) + dt(self.eps))
        self.steps = n


# ---------------------------------------------------------------------------------------
# clipping


def global_norm(grads, params=None) -> float:
    """The Euclidean norm of all gradient entries together, ``√(Σ_θ Σ (∂E/∂θ)²)``.

    Computed without overflow (scaled by the largest entry), so huge but finite gradients
    give a finite norm. A gradient that is not a non-empty, finite float array (or, with
    ``params``, not of its parameter's shape) is a ``ValueError``/``TypeError`` naming it.

    Parameters
    ----------
    grads : dataclass, dict or list of arrays
    params : optional
        If given, only the gradients of these parameters count (deltas, ∂E/∂x … are left out).
    """
    return _norm(_grad_arrays(grads, params))


def _global_norm_unchecked(grads, params=None) -> float:
    """:func:`global_norm` without the checks: inf (or nan) for non-finite gradients, which
    :func:`lstm_core.train.train` reads as divergence."""
    return _norm(_grad_arrays(grads, params, check=False))


def _norm(arrays) -> float:
    arrays = [a for a in arrays if a.size]
    if not arrays:
        return 0.0
    big = max(float(np.max(np.abs(a))) for a in arrays)
    if big == 0.0 or not np.isfinite(big):
        return big
    scale = np.float64(big)  # a float64 scalar keeps float32 arrays from overflowing in a / big
    return big * float(np.sqrt(sum(np.sum(np.square(a / scale)) for a in arrays)))


def clip_by_global_norm(grads, max_norm: float, params=None) -> float:
    """Rescale all gradients together, in place, so that their global norm is ≤ ``max_norm``.

    If ‖g‖ > max_norm every gradient is multiplied by max_norm / ‖g‖ — the direction of the
    step is kept, only its length shrinks (Pascanu et al. 2013, against the exploding
    gradients of Chapter 7). Otherwise nothing changes.

    Parameters
    ----------
    grads : dataclass, dict or list of arrays
        Modified in place.
    max_norm : float
        Largest allowed norm, > 0.
    params : optional
        If given, only the gradients of these parameters are counted and scaled.

    Returns
    -------
    float
        The global norm **before** clipping.
    """
    max_norm = positive_float("max_norm", max_norm)
    arrays = _grad_arrays(grads, params, finite=False)
    norm = _norm(arrays)
    if not np.isfinite(norm) or not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError(f"grads: cannot clip non-finite gradients (global norm {norm})")
    if norm > max_norm:
        for a in arrays:
            a *= a.dtype.type(max_norm / norm)
    return norm


def clip_by_value(grads, limit: float, params=None) -> int:
    """Clip every gradient entry, in place, into [−limit, limit].

    Unlike :func:`clip_by_global_norm` this changes the direction of the step. (The 1997
    LSTM's truncated gradient is a different thing: it cuts error flow, not values.)

    Returns
    -------
    int
        How many entries were clipped.
    """
    limit = positive_float("limit", limit)
    clipped = 0
    for a in _grad_arrays(grads, params):
        clipped += int(np.count_nonzero(np.abs(a) > limit))
        np.clip(a, -limit, limit, out=a)
    return clipped
