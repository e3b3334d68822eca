"""Many trials at once: K copies of the 1997 LSTM net, trained in lockstep by the truncated
gradient (Chapter 16; Hochreiter & Schmidhuber 1997, section 4 and appendix A.1).

The 1997 experiments train tiny nets (1–6 memory cells) on one sequence at a time and report
means over 10–30 trials. At that size a time step is a few NumPy calls on arrays of a handful of
numbers, and the interpreter, not the arithmetic, sets the pace. This module pays that overhead
once for K independent trials: every array carries a leading **trial axis** k, and one batched
matmul advances all K nets. Nothing mixes across k, so trial k computes exactly what it would
compute alone (``tests/test_trials.py`` checks this to 1e-12, a trial that stops early included).

The network (the paper's figure 2)
    Inputs x(t) (I units); a hidden layer of C = n_blocks · S memory cells in blocks of S cells
    sharing an input gate in_j and, optionally, an output gate out_j; O logistic output units.
    Cells and gates see the **sources** u(t) = [x(t), y^c(t−1), y^in(t−1), y^out(t−1), 1]: the
    inputs, the hidden layer's previous activations (the paper's "fully connected hidden layer";
    ``recurrent=False`` drops them, as in experiment 2a) and a bias. Output units see the cells
    at the same step (and the inputs if ``direct``) and a bias:

        net_c(t) = W_c u(t),    s_c(t) = s_c(t−1) + y^in_j(t) g(net_c(t)),    s_c(0) = 0
        y^c(t)   = y^out_j(t) h(s_c(t)),           y^k(t) = f(W_k [y^c(t), x(t), 1])

    with f the logistic function (gates and outputs), g and h the cell's squashers (the paper:
    g ∈ [−2, 2], h ∈ [−1, 1]; experiment 2a: g logistic, h the identity). Which weights exist is a
    0/1 **connectivity mask** per weight matrix (no biases, no recurrence, no direct links): masked
    weights are zero and stay zero.

The learning rule (appendix A.1, the book's Chapter 11)
    Errors are truncated once they leave a cell or a gate; only the carousel carries them back in
    time, which the partials dS = ∂s_c/∂w, carried **forward**, express:

        dS_c(t)  = dS_c(t−1)  + g'(net_c(t)) y^in_j(t) u(t)           (paper's eq. 27)
        dS_in(t) = dS_in(t−1) + g(net_c(t)) f'(net_in_j(t)) u(t)      (eq. 25)
        e_s(t)   = y^out_j(t) h'(s_c(t)) Σ_k w_kc δ_k(t),   δ_k = f'(net_k) (t_k − y^k)
        ∂E/∂W_c ≈ −Σ_t e_s(t) dS_c(t),  ∂E/∂W_in ≈ −Σ_t Σ_{v∈j} e_s,v(t) dS_in,v(t)   (26, 28)

    and the output gates get the one-step error δ_out = f'(net_out) Σ_{v∈j} h(s_v) Σ_k w_kv δ_k.
    "Each weight's total update is the sum of the contributions of all time steps" (appendix A.1):
    we apply it after each sequence (``batch_size`` = 1: the paper's online learning) by plain
    gradient descent, W ← W − α ∂E/∂W, E = ½ Σ_t Σ_k (t_k − y^k)². A batch of B > 1 sequences
    averages their gradients (a departure the chapter states where it is used).

    This equals full backpropagation through time exactly when the hidden layer has no recurrent
    sources (``recurrent=False``), which the tests use for a finite-difference check; with
    recurrence the tests compare it with :func:`lstm_core.lstm_truncated.lstm_backward_truncated`.

Two paths compute these numbers. ``forward(..., path="dense")`` (:func:`_forward_dense`) is the
equations above as written, one step at a time with dS carried forward. The default fast path
(:func:`_forward_fast`) runs only the hidden layer's recurrence step by step and everything that
does not feed back — outputs, errors, the whole gradient — for all steps at once, with the two
sums of eqs. 26/28 exchanged so that no dS is needed; one-hot inputs are gathered instead of
multiplied. The two agree to rounding (``tests/test_trials.py``: 1e-12).

Sequential construction (the paper's remedy 1 for the abuse problem, section 4) is a per-trial,
per-block switch ``on``: a block that is off contributes nothing and learns nothing; switching it on
adds it with its initial weights.
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass, field, replace

import numpy as np

from . import _validate as V

__all__ = ["NetSpec", "TrialNets", "TrialCache", "OneHotInputs", "init_nets", "forward",
           "backward", "sgd_update", "squash"]


# --------------------------------------------------------------------------------------------
# Squashing functions and their derivatives expressed by the output (Chapter 8)
# --------------------------------------------------------------------------------------------

def _logistic(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))   # overflow-free σ(x)


SQUASHERS = {
    # name: (function, derivative as a function of (x, y=function(x)))
    "logistic": (_logistic, lambda x, y: y * (1.0 - y)),
    "g1997": (lambda x: 4.0 * _logistic(x) - 2.0, lambda x, y: (2.0 + y) * (2.0 - y) / 4.0),
    "h1997": (lambda x: 2.0 * _logistic(x) - 1.0, lambda x, y: (1.0 + y) * (1.0 - y) / 2.0),
    "identity": (lambda x: x, lambda x, y: np.ones_like(x)),
    "tanh": (np.tanh, lambda x, y: 1.0 - y * y),
}


def squash(name: str, x):
    """``(f(x), f'(x))`` for the squasher ``name`` (``"logistic"``, ``"g1997"`` ∈ (−2, 2),
    ``"h1997"`` ∈ (−1, 1), ``"identity"``, ``"tanh"``); Chapter 8.

    ``x`` is a non-empty real float array (or a list of numbers) without NaN or ±inf; a bad
    ``name`` or ``x`` raises ``ValueError``/``TypeError`` naming it. The forward pass calls the
    unchecked :func:`_squash`.
    """
    if not isinstance(name, str) or name not in SQUASHERS:
        raise ValueError(f"name: expected one of {sorted(SQUASHERS)}, got {name!r}")
    if not isinstance(x, np.ndarray):
        try:
            np.asarray(x)
        except (TypeError, ValueError) as err:     # ragged nested lists
            raise ValueError(f"x: expected a real float array, got a {type(x).__name__} that "
                             f"NumPy cannot read as one (ragged nested lists?)") from err
    x = V.float_array("x", x)
    if x.size == 0:
        raise ValueError(f"x: expected at least one value, got an empty array of shape {x.shape}")
    return _squash(name, x)


def _squash(name: str, x):
    """:func:`squash` without the checks (the forward pass's inner loop)."""
    f, d = SQUASHERS[name]
    y = f(x)
    return y, d(x, y)


#: each squasher that is built on tanh, as f(x) = α (tanh(γ x) + c₁) + c₂ — the same floating-point
#: operations as :data:`SQUASHERS` (σ(x) = ½ (1 + tanh(x / 2)); scaling by ½, 2 or 4 is exact), so
#: :func:`_squash_into` can squash cells and gates of different kinds with one ``tanh`` call
TANH_FORMS = {"logistic": (0.5, 0.5, 1.0, 0.0), "g1997": (0.5, 2.0, 1.0, -2.0),
              "h1997": (0.5, 1.0, 1.0, -1.0), "tanh": (1.0, 1.0, 0.0, 0.0)}


def _squash_into(a, out, form):
    """``out = α (tanh(a) + c₁) + c₂`` in place, ``a`` already scaled by γ (``form`` = per-unit
    (α, c₁, c₂) arrays or scalars, from :data:`TANH_FORMS`)."""
    alpha, c1, c2 = form
    np.tanh(a, out=out)
    out += c1
    out *= alpha
    out += c2
    return out


# --------------------------------------------------------------------------------------------
# The net's shape and its K trials' parameters
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NetSpec:
    """The shape of one 1997 net (Chapter 16; the paper's table 10).

    Attributes
    ----------
    n_in, n_out : int
        Input units I and output units O.
    n_blocks, block_size : int
        Memory blocks and cells per block S; C = n_blocks · S cells.
    output_gate : bool
        Blocks have output gates (experiment 2a: none).
    recurrent : bool
        Cells and gates see the hidden layer's previous activations (cells, input and output
        gates): the paper's connectivity "F". ``False``: they see the inputs only (2a, "B").
    direct : bool
        Output units also see the inputs (2a).
    bias_cells, bias_gates, bias_out : bool
        Which units have a bias weight (the paper's "ga": gates only; "b1": all hidden units;
        "all": all non-input units; 2a, 2c: none).
    g, h : str
        The cell-input and cell-output squashers (:data:`SQUASHERS`).
    """

    n_in: int
    n_out: int
    n_blocks: int = 1
    block_size: int = 1
    output_gate: bool = True
    recurrent: bool = True
    direct: bool = False
    bias_cells: bool = True
    bias_gates: bool = True
    bias_out: bool = True
    g: str = "g1997"
    h: str = "h1997"

    def __post_init__(self):
        for name in ("n_in", "n_out", "n_blocks", "block_size"):
            V.positive_int(f"NetSpec.{name}", getattr(self, name))
        for name in ("g", "h"):
            if getattr(self, name) not in SQUASHERS:
                raise ValueError(f"NetSpec.{name}: expected one of {sorted(SQUASHERS)}, "
                                 f"got {getattr(self, name)!r}")

    @property
    def n_cells(self) -> int:
        return self.n_blocks * self.block_size

    @property
    def n_gates(self) -> int:
        """Gate units: one input gate per block, and one output gate if present."""
        return self.n_blocks * (2 if self.output_gate else 1)

    @property
    def n_sources(self) -> int:
        """M, the length of the source vector u(t) = [x, y^c(t−1), gates(t−1), 1]."""
        return self.n_in + self.n_cells + self.n_gates + 1

    @property
    def n_out_sources(self) -> int:
        """Sources of the output units: [y^c(t), x(t), 1]."""
        return self.n_cells + self.n_in + 1

    def masks(self) -> dict[str, np.ndarray]:
        """0/1 connectivity of ``W_c`` (C, M), ``W_in`` (n_blocks, M), ``W_out`` and ``W_k``
        (O, C + I + 1)."""
        I, C, G, M = self.n_in, self.n_cells, self.n_gates, self.n_sources
        src = np.ones(M)
        if not self.recurrent:
            src[I:I + C + G] = 0.0
        cell, gate = src.copy(), src.copy()
        cell[-1], gate[-1] = float(self.bias_cells), float(self.bias_gates)
        out = np.ones(self.n_out_sources)
        if not self.direct:
            out[C:C + I] = 0.0
        out[-1] = float(self.bias_out)
        masks = {"W_c": np.tile(cell, (C, 1)), "W_in": np.tile(gate, (self.n_blocks, 1)),
                 "W_k": np.tile(out, (self.n_out, 1))}
        if self.output_gate:
            masks["W_out"] = np.tile(gate, (self.n_blocks, 1))
        return masks

    def n_weights(self) -> int:
        """The number of weights that exist (the paper's table 10, column w)."""
        return int(sum(m.sum() for m in self.masks().values()))


@dataclass
class TrialNets:
    """The weights of K nets of one :class:`NetSpec`, trial axis first (Chapter 16).

    ``W_c`` (K, C, M), ``W_in`` (K, n_blocks, M), ``W_out`` (K, n_blocks, M) or ``None``,
    ``W_k`` (K, O, C + I + 1); ``on`` (K, n_blocks) bool, which blocks take part (sequential
    construction). Columns of the hidden weights follow u = [x, y^c(t−1), y^in(t−1),
    y^out(t−1), 1].
    """

    spec: NetSpec
    W_c: np.ndarray
    W_in: np.ndarray
    W_out: np.ndarray | None
    W_k: np.ndarray
    on: np.ndarray

    NAMES = ("W_c", "W_in", "W_out", "W_k")

    def __post_init__(self):
        # lists become float64 arrays; ndarrays are kept as they are (never copied)
        for n in self.NAMES:
            if n != "W_out" or self.W_out is not None:
                setattr(self, n, V.float_array(f"TrialNets.{n}", getattr(self, n), finite=False))
        if not isinstance(self.on, np.ndarray):
            self.on = V.as_array("TrialNets.on", self.on, "booleans")
        _check_nets(self, "TrialNets")

    @property
    def K(self) -> int:
        return self.W_c.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        """The weight arrays that exist, by name."""
        return {n: getattr(self, n) for n in self.NAMES if getattr(self, n) is not None}

    def take(self, idx) -> "TrialNets":
        """The trials ``idx`` only (copies), e.g. to drop finished trials."""
        idx = np.asarray(idx, dtype=np.int64)
        return replace(self, **{n: a[idx].copy() for n, a in self.arrays().items()},
                       on=self.on[idx].copy())

    def copy(self) -> "TrialNets":
        return self.take(np.arange(self.K))


def _check_nets(nets, name: str = "nets", finite: bool = True) -> None:
    """Check that ``nets`` is a :class:`TrialNets` whose arrays fit its ``spec``: ``W_c``
    (K, C, M), ``W_in`` (K, n_blocks, M), ``W_out`` (K, n_blocks, M) exactly when the spec has
    output gates, ``W_k`` (K, O, C + I + 1), one float dtype, finite values (unless
    ``finite=False``: shapes and dtypes only, O(1)); ``on`` bool (K, n_blocks)."""
    if not isinstance(nets, TrialNets):
        raise TypeError(f"{name}: expected TrialNets (from init_nets), got {type(nets).__name__}")
    spec = nets.spec
    if not isinstance(spec, NetSpec):
        raise TypeError(f"{name}.spec: expected a NetSpec, got {type(spec).__name__}")
    C, nb, M = spec.n_cells, spec.n_blocks, spec.n_sources
    W_c = V.float_array(f"{name}.W_c", nets.W_c, ndim=3, shape=(None, C, M), finite=finite)
    K = W_c.shape[0]                  # K = 0 is allowed: run_trials keeps no nets once all are done
    shapes = {"W_in": (K, nb, M), "W_out": (K, nb, M), "W_k": (K, spec.n_out, spec.n_out_sources)}
    if spec.output_gate and nets.W_out is None:
        raise TypeError(f"{name}.W_out: expected an array of shape {shapes['W_out']} (the spec "
                        "has output gates), got None")
    if not spec.output_gate and nets.W_out is not None:
        raise ValueError(f"{name}.W_out: expected None (the spec has no output gates), got "
                         f"{type(nets.W_out).__name__}")
    for n, shape in shapes.items():
        a = getattr(nets, n)
        if n != "W_out" or a is not None:
            V.float_array(f"{name}.{n}", a, ndim=3, shape=shape, dtype=W_c.dtype, finite=finite)
    on = nets.on
    if not isinstance(on, np.ndarray) or on.dtype != bool:
        got = f"dtype {on.dtype}" if isinstance(on, np.ndarray) else type(on).__name__
        raise TypeError(f"{name}.on: expected a bool array of shape ({K}, {nb}), got {got}")
    if on.shape != (K, nb):
        raise ValueError(f"{name}.on: expected shape ({K}, {nb}) (trials, blocks), got {on.shape}")


def _check_rngs(rngs) -> list:
    """``rngs``: a list (tuple, 1-d integer array) of generators or int seeds >= 0, not empty."""
    if isinstance(rngs, np.ndarray):
        if rngs.dtype.kind not in "iu" or rngs.ndim != 1:
            raise TypeError(f"rngs: expected a list of generators or seeds, or a 1-d integer array "
                            f"of seeds, got an array of dtype {rngs.dtype} and shape {rngs.shape}")
    elif isinstance(rngs, (str, bytes, dict)) or not hasattr(rngs, "__iter__"):
        raise TypeError(f"rngs: expected a list of generators or seeds (one per trial), got "
                        f"{type(rngs).__name__}")
    rngs = list(rngs)
    if not rngs:
        raise ValueError("rngs: expected at least one generator or seed, got none")
    for k, r in enumerate(rngs):
        if isinstance(r, numbers.Integral) and not isinstance(r, (bool, np.bool_)):
            if r < 0:
                raise ValueError(f"rngs[{k}]: expected a seed >= 0, got {r}")
        elif r is not None and not isinstance(r, np.random.Generator):
            raise TypeError(f"rngs[{k}]: expected a numpy.random.Generator or an int seed >= 0, "
                            f"got {type(r).__name__} {r!r}")
    return rngs


def _check_bias(name: str, bias, n_blocks: int) -> None:
    """A gate bias: ``None`` or ``n_blocks`` finite numbers (ints or floats)."""
    if bias is None:
        return
    arr = V.as_array(name, bias, "numbers")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected {n_blocks} numbers (one per block), got dtype {arr.dtype}")
    if arr.shape != (n_blocks,):
        raise ValueError(f"{name}: expected {n_blocks} values (one per block), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        V.float_array(name, arr)


def _check_flag(name: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(v).__name__} {v!r}")
    return bool(v)


def _overflow_checked(fn):
    """Run ``fn`` with floating-point overflow (and the NaNs that follow) raised, reported as a
    ``ValueError`` naming the arguments: the policy of :func:`lstm_core._checks.overflow_checked`,
    written out here because this module may import only :mod:`lstm_core._validate`. Inputs that
    do not overflow run the same operations, so their results are unchanged."""
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            with np.errstate(over="raise", invalid="raise"):
                return fn(*args, **kwargs)
        except FloatingPointError as err:
            raise ValueError(f"nets, x, t, mask, grads, lr: expected values whose products and sums "
                             f"stay within the float range, got inputs so large that "
                             f"{fn.__name__} overflows ({err})") from None
    return checked


def init_nets(spec: NetSpec, rngs, scale: float = 0.1, input_gate_bias=None,
              output_gate_bias=None, on=True) -> TrialNets:
    """K freshly initialised nets, one per generator in ``rngs`` (Chapter 16).

    Every existing weight is uniform in ±``scale`` (the paper: 0.1 or 0.2), drawn from that
    trial's own generator in a fixed order, so trial k's weights do not depend on K.
    ``input_gate_bias`` / ``output_gate_bias``: ``None`` (random like every weight) or one value
    per block (the paper's −1, −2, −3, …). ``on``: blocks initially taking part (``True``, or a
    bool array (n_blocks,) — ``False`` for sequential construction).
    """
    if not isinstance(spec, NetSpec):
        raise TypeError(f"spec: expected a NetSpec, got {type(spec).__name__}")
    rngs = [V.as_rng(r) for r in _check_rngs(rngs)]
    scale = V.positive_float("scale", scale)
    if scale > np.finfo(float).max / 2:
        raise ValueError(f"scale: expected a number whose range 2·scale is finite (<= "
                         f"{np.finfo(float).max / 2:.4g}), got {scale}")
    _check_bias("input_gate_bias", input_gate_bias, spec.n_blocks)
    _check_bias("output_gate_bias", output_gate_bias, spec.n_blocks)
    if isinstance(on, (bool, np.bool_)):
        pass
    else:
        on_in = V.as_array("on", on, "booleans")
        if on_in.dtype != bool:
            raise TypeError(f"on: expected True, False or a bool array ({spec.n_blocks},), got "
                            f"dtype {on_in.dtype}")
        if on_in.shape != (spec.n_blocks,):
            raise ValueError(f"on: expected one flag per block, shape ({spec.n_blocks},), got "
                             f"shape {on_in.shape}")
    masks = spec.masks()
    shapes = {n: m.shape for n, m in masks.items()}
    out = {n: np.empty((len(rngs),) + s) for n, s in shapes.items()}
    for k, rng in enumerate(rngs):
        for n in ("W_c", "W_in", "W_out", "W_k"):
            if n in out:
                out[n][k] = rng.uniform(-scale, scale, size=shapes[n]) * masks[n]
    for name, bias in (("W_in", input_gate_bias), ("W_out", output_gate_bias)):
        if bias is None or name not in out:
            continue
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (spec.n_blocks,):
            raise ValueError(f"{name[2:]}put_gate_bias: expected {spec.n_blocks} values (one per "
                             f"block), got shape {bias.shape}")
        out[name][:, :, -1] = bias
    on_arr = np.broadcast_to(np.asarray(on, dtype=bool), (spec.n_blocks,))
    return TrialNets(spec, out["W_c"], out["W_in"], out.get("W_out"), out["W_k"],
                     np.tile(on_arr, (len(rngs), 1)))


# --------------------------------------------------------------------------------------------
# Forward pass, with the truncated gradient carried alongside (RTRL-style, O(W) memory)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class OneHotInputs:
    """Inputs that are one-hot at every step, or all zero (padding), given by index (Chapter 16).

    The long-lag experiments (2a–2c) feed one of p + 1 … p + 4 symbols per step; as an array
    (T, K, B, I) that is I numbers per step of which one is 1, and for q = 1000 most of a trial's
    time went into making, checking, copying and searching those zeros. :func:`forward` takes
    this form wherever it takes ``x``: ``x[t, k, b, idx[t, k, b]] = 1`` where ``on[t, k, b]``,
    every other entry 0; ``width`` is I. The fast path gathers the active unit's weights by
    ``idx`` as it does for a dense one-hot ``x`` (:func:`_one_hot`), so the two give the same
    bits; the dense path runs on :meth:`dense`.

    Attributes
    ----------
    idx : ndarray of int, shape (T, K, B)
        The active unit, in [0, width); 0 at padding steps.
    on : ndarray of bool, shape (T, K, B)
        False at padding steps (no unit active).
    width : int
        The number of input units I.
    """

    idx: np.ndarray
    on: np.ndarray
    width: int

    def __post_init__(self):
        width = V.positive_int("x.width", self.width)
        idx = V.int_array("x.idx", self.idx, ndim=3, low=0, high=width - 1,
                          what="indices of active input units")
        on = V.as_array("x.on", self.on, "flags (True where a unit is active)")
        if on.dtype != bool or on.shape != idx.shape:
            raise ValueError(f"x.on: expected a bool array of the shape of x.idx {idx.shape}, "
                             f"got {on.dtype} {on.shape}")
        object.__setattr__(self, "idx", np.asarray(idx, dtype=np.intp))
        object.__setattr__(self, "on", on)
        object.__setattr__(self, "width", width)

    @property
    def shape(self) -> tuple:
        """(T, K, B, I), the shape of the dense inputs."""
        return self.idx.shape + (self.width,)

    def dense(self, step: int | None = None) -> np.ndarray:
        """The inputs as a float64 array (T, K, B, I), or those of one ``step`` (K, B, I)."""
        idx, on = (self.idx, self.on) if step is None else (self.idx[step], self.on[step])
        out = np.zeros(idx.shape + (self.width,))
        np.put_along_axis(out, idx[..., None], on[..., None].astype(float), axis=-1)
        return out


@dataclass
class TrialCache:
    """What one pass over a batch leaves behind (Chapter 16).

    ``y`` (T, K, B, O) the outputs; ``E`` (K, B) each sequence's error ½ Σ_t Σ_k mask (t − y)²;
    ``grads`` the truncated ∂E/∂W of each trial, summed over the B sequences (same names and
    shapes as :meth:`TrialNets.arrays`), or ``None`` when no targets were given; ``s`` (T, K, B,
    C) the cell states when ``keep_states``.
    """

    y: np.ndarray
    E: np.ndarray | None
    grads: dict | None
    s: np.ndarray | None = None


@_overflow_checked
def forward(nets: TrialNets, x, t=None, mask=None, keep_states: bool = False,
            path: str = "auto") -> TrialCache:
    """Run K nets over their own batches; with targets, also the truncated gradient.

    Bad arguments raise ``ValueError``/``TypeError`` naming them, among them an empty batch
    (T, K or B = 0) and inputs so large that the pass overflows.

    Book equations: eq-ch16-reverse-sum

    Parameters
    ----------
    nets : TrialNets
    x : ndarray (T, K, B, I) or OneHotInputs
        Trial k's B input sequences (time-major, zero-padded after each sequence's end);
        one-hot inputs may come as :class:`OneHotInputs` (the same numbers, given by index).
    t, mask : ndarray (T, K, B, O) and (T, K, B, 1), optional
        Targets and the steps that carry one. Without them only the forward pass runs.
    keep_states : bool
        Store the cell states (for plots).
    path : ``"auto"``, ``"dense"`` or ``"fast"``
        ``"dense"`` (:func:`_forward_dense`) computes the equations above step by step, the
        partials dS carried forward; ``"fast"`` (:func:`_forward_fast`, what ``"auto"`` picks)
        computes the same numbers in another order: the recurrence step by step, everything
        else for all steps at once. They agree to rounding (``tests/test_trials.py``: 1e-12).

    Returns
    -------
    TrialCache
    """
    _check_nets(nets)
    _check_flag("keep_states", keep_states)
    spec = nets.spec
    given_hot = isinstance(x, OneHotInputs)
    if not given_hot:
        x = V.float_array("x", x, ndim=4, finite=False)
    T, K, B, I = x.shape
    if K != nets.K or I != spec.n_in:
        raise ValueError(f"x: expected shape (T, {nets.K}, B, {spec.n_in}), got {x.shape}")
    if T < 1 or K < 1 or B < 1:
        raise ValueError(f"x: expected at least one time step, trial and sequence, got shape "
                         f"{x.shape}")
    if path not in ("auto", "dense", "fast"):
        raise ValueError(f"path: expected 'auto', 'dense' or 'fast', got {path!r}")
    if given_hot:                                    # checked when it was made
        fast = path != "dense"
        hot = (x.idx, x.on) if fast else None
        if not fast:
            x = x.dense()
    else:
        fast = path != "dense" and T > 0 and B > 0 and x.dtype == np.float64
        hot = _one_hot(x) if fast and I >= ONE_HOT_MIN_WIDTH else None
    if hot is None:                                  # one-hot inputs are finite: no second pass
        V.float_array("x", x)
    if t is not None:
        t = V.float_array("t", t, shape=(T, K, B, spec.n_out))
        mask = V.float_array("mask", mask, shape=(T, K, B, 1))
    if not fast:
        return _forward_dense(nets, x, t, mask, keep_states)
    return _forward_fast(nets, x, t, mask, keep_states, hot)


def _forward_dense(nets: TrialNets, x, t, mask, keep_states: bool) -> TrialCache:
    """:func:`forward` as the equations read: one step at a time, the partials dS_c, dS_in
    (K, B, C, M) carried forward and every step's contribution added to ∂E/∂W at once.
    Arguments checked by :func:`forward`; shapes as there."""
    spec = nets.spec
    T, K, B, I = x.shape
    learn = t is not None
    C, S, nb = spec.n_cells, spec.block_size, spec.n_blocks
    M, G = spec.n_sources, spec.n_gates
    g_fn, h_fn = spec.g, spec.h
    has_out = spec.output_gate
    # fused hidden weights (K, M, C + G): columns [cells | input gates | output gates]
    hidden = [nets.W_c, nets.W_in] + ([nets.W_out] if has_out else [])
    W_hT = np.concatenate(hidden, axis=1).transpose(0, 2, 1).copy()
    W_kT = nets.W_k.transpose(0, 2, 1).copy()                     # (K, C + I + 1, O)
    W_kc = nets.W_k[:, :, :C]                                      # (K, O, C)
    on = np.repeat(nets.on, S, axis=1)[:, None, :].astype(float)   # (K, 1, C)
    on_b = nets.on[:, None, :].astype(float)                        # (K, 1, n_blocks)

    u = np.zeros((K, B, M))
    u[..., -1] = 1.0
    v = np.zeros((K, B, C + I + 1))
    v[..., -1] = 1.0
    s = np.zeros((K, B, C))
    y = np.empty((T, K, B, spec.n_out))
    states = np.empty((T, K, B, C)) if keep_states else None
    if learn:
        dS_c = np.zeros((K, B, C, M))
        dS_in = np.zeros((K, B, C, M))
        grads = {n: np.zeros_like(a) for n, a in nets.arrays().items()}
        E = np.zeros((K, B))
        scored = mask.reshape(T, -1).any(axis=1)
    for step in range(T):
        u[..., :I] = x[step]
        a = np.matmul(u, W_hT)                                     # (K, B, C + G)
        gc, gc_d = _squash(g_fn, a[..., :C])
        y_in, y_in_d = _squash("logistic", a[..., C:C + nb])
        y_in_c = np.repeat(y_in, S, axis=2) if S > 1 else y_in
        s = s + y_in_c * gc
        hs, hs_d = _squash(h_fn, s)
        if has_out:
            y_out, y_out_d = _squash("logistic", a[..., C + nb:])
            y_out_c = np.repeat(y_out, S, axis=2) if S > 1 else y_out
        else:
            y_out_c = 1.0
        yc = y_out_c * hs * on
        v[..., :C] = yc
        v[..., C:C + I] = x[step]
        yk, yk_d = _squash("logistic", np.matmul(v, W_kT))
        y[step] = yk
        if keep_states:
            states[step] = s
        if learn:
            # carried partials of the states (eqs. 25, 27): through the carousel only
            dS_c += (gc_d * y_in_c)[..., None] * u[:, :, None, :]
            dS_in += (gc * (np.repeat(y_in_d, S, axis=2) if S > 1 else y_in_d))[..., None] \
                * u[:, :, None, :]
            if scored[step]:
                e = mask[step] * (t[step] - yk)                    # (K, B, O)
                E += 0.5 * (e * e).sum(axis=2)
                delta_k = yk_d * e                                 # δ_k = f'(net_k) e_k
                grads["W_k"] -= np.matmul(delta_k.transpose(0, 2, 1), v)
                back = np.matmul(delta_k, W_kc) * on               # Σ_k w_kc δ_k, (K, B, C)
                if has_out:
                    d_out = (back * hs).reshape(K, B, nb, S).sum(axis=3) * y_out_d
                    grads["W_out"] -= np.matmul(d_out.transpose(0, 2, 1), u)
                e_s = back * y_out_c * hs_d                        # the state error
                grads["W_c"] -= (e_s[..., None] * dS_c).sum(axis=1)
                g_in = (e_s[..., None] * dS_in).sum(axis=1)        # (K, C, M)
                grads["W_in"] -= g_in.reshape(K, nb, S, M).sum(axis=2)
        # sources of the next step: the hidden layer's activations
        if spec.recurrent:
            u[..., I:I + C] = yc
            u[..., I + C:I + C + nb] = y_in * on_b       # a block that is off is not there
            if has_out:
                u[..., I + C + nb:I + C + G] = y_out * on_b
    if not learn:
        return TrialCache(y=y, E=None, grads=None, s=states)
    _mask_grads(nets, grads)             # weights that do not exist, or of blocks that are off
    return TrialCache(y=y, E=E, grads=grads, s=states)


# --------------------------------------------------------------------------------------------
# The same pass, faster: the recurrence step by step, everything else for all steps at once
# --------------------------------------------------------------------------------------------
#
# Only the hidden layer's recurrence has to run step by step. The output units, the errors and
# the gradient do not feed back, so they are computed after the loop for all T steps in a few
# large products; without recurrent sources (2a) even the state is one cumulative sum. The
# carried partials dS disappear by exchanging the two sums of eqs. 26 and 28: with
# dS_c(t) = Σ_{τ≤t} α_c(τ) u(τ), α_c = g'(net_c) y^in,
#
#     Σ_t e_s(t) dS_c(t) = Σ_τ α_c(τ) ρ(τ) u(τ),      ρ(τ) = Σ_{t≥τ} e_s(t),
#
# i.e. each step's source vector is weighted by the state error still to come (a reverse
# cumulative sum), and ∂E/∂W_c is one product Σ_τ (α_c ρ)(τ) u(τ)ᵀ; likewise for W_in with
# α_in = g(net_c) f'(net_in). Inputs that are one-hot at every step (experiments 1, 2) are not
# multiplied at all: the weight column of the active unit is gathered, and its gradient
# scattered back.

#: inputs at least this wide are checked for one-hot steps (:func:`_one_hot`)
ONE_HOT_MIN_WIDTH = 16


def _one_hot(x):
    """``(idx, hot)`` (T, K, B) if every step of ``x`` (T, K, B, I) is one-hot or all zero
    (padding): ``x[..., idx] == 1`` where ``hot``, every other entry 0. Otherwise ``None``."""
    idx = x.argmax(axis=-1)
    val = np.take_along_axis(x, idx[..., None], axis=-1)[..., 0]
    hot = val == 1.0
    if not np.all(hot | (val == 0.0)) or np.count_nonzero(x) != np.count_nonzero(hot):
        return None
    return idx, hot


def _input_part(x, W_xT, hot):
    """Σ_i x_i(t) W_xT[:, i, :] for all steps: (T, K, B, I) with (K, I, N) → (T, K, B, N)."""
    if hot is None:
        T, K, B, I = x.shape
        N = W_xT.shape[-1]
        if I * N < 256:
            return np.matmul(x, W_xT)                              # small: (B, I) @ (I, N) per step
        xk = x.transpose(1, 0, 2, 3).reshape(K, T * B, I)          # one GEMM per trial
        return np.ascontiguousarray(np.matmul(xk, W_xT).reshape(K, T, B, N).transpose(1, 0, 2, 3))
    idx, on = hot
    out = W_xT[np.arange(x.shape[1])[None, :, None], idx]          # gather the active rows
    if not on.all():
        out *= on[..., None]                                       # padding steps: nothing
    return out


def _sum_outer(P, Q, Pk=None):
    """Σ_{t,b} P[t, k, b]ᵀ Q[t, k, b]: (T, K, B, N) and (T, K, B, L) → (K, N, L). ``Pk``: P as
    (K, N, T·B), if already made."""
    T, K, B, N = P.shape
    if Pk is None:
        Pk = P.transpose(1, 3, 0, 2).reshape(K, N, T * B)
    Qk = Q.transpose(1, 0, 2, 3).reshape(K, T * B, Q.shape[-1])
    return np.matmul(Pk, Qk)


def _input_grad(P, x, hot, Pk=None):
    """Σ_{t,b} P[t, k, b]ᵀ x[t, k, b] (K, N, I); for one-hot x a scatter-add of P's rows.
    ``Pk`` as in :func:`_sum_outer`."""
    if hot is None:
        return _sum_outer(P, x, Pk)
    T, K, B, N = P.shape
    I = x.shape[-1]
    idx, on = hot
    unit = (np.arange(K)[None, :, None] * I + idx)[on]             # (n,) trial·I + active unit
    cell = (unit[:, None] * N + np.arange(N)).ravel()              # flat index into (K, I, N)
    g = np.bincount(cell, weights=P[on].ravel(), minlength=K * I * N)
    return g.reshape(K, I, N).transpose(0, 2, 1)


def _tanh_form(names):
    """Per-unit (γ, α, c₁, c₂) of :data:`TANH_FORMS` for a list of squasher names."""
    return np.array([TANH_FORMS.get(n, (1.0, 1.0, 0.0, 0.0)) for n in names]).T


def _block_sum(z):
    """Σ over a block's S cells, the last axis of ``z`` (…, n_blocks, S), added slice by slice
    (what ``z.sum(axis=-1)`` does for so short an axis, without its slow small-axis reduce)."""
    out = z[..., 0].copy()
    for i in range(1, z.shape[-1]):
        out += z[..., i]
    return out


def _recurrence(a, Y, s_b, hs_b, R, W_rT, form, h_form, views, on_blk, on_g) -> None:
    """The hidden layer step by step (the only part of :func:`_forward_fast` that must be),
    in place: a[t] += W_r R[t] (the sources from step t − 1), Y[t] = f(a[t]) for cells and
    gates, s(t) = s(t − 1) + y^in g, hs(t) = h(s(t)), R[t + 1] = [y^c, y^in, y^out](t).
    The per-step views are made once by iterating over the arrays (cheaper than indexing), and
    h and the activations are written out here rather than called (at a few numbers per array,
    a Python call per step costs as much as a ufunc); ``None`` for ``on_blk``/``on_g`` means
    every block is on, for ``h_form`` that h is the identity. The same operations, in the same
    order, as ``squash_h`` and ``activations`` in :func:`_forward_fast`."""
    Y_in, Y_c, Y_out, R_c, g_identity = views
    C = Y_c.shape[-1] * Y_c.shape[-2]
    alpha, c1, c2 = form
    has_out = Y_out is not None
    h_identity = h_form is None
    h_gamma, h_alpha, h_c1, h_c2 = (None,) * 4 if h_identity else h_form
    h_scaled = not h_identity and h_alpha != 1.0
    tanh, mul, add, copyto = np.tanh, np.multiply, np.add, np.copyto
    rec = np.empty(a.shape[1:])
    s_prev = None
    steps = zip(a, Y, s_b, hs_b, Y_in, Y_c, Y_out if has_out else Y_in, R[:-1], R_c[1:],
                Y[..., C:], R[1:, ..., C:])
    for a_t, Y_t, s_t, hs_t, yin_t, gc_t, yout_t, src_t, rc_next, yg_t, rg_next in steps:
        if s_prev is not None:
            add(a_t, np.matmul(src_t, W_rT, out=rec), out=a_t)
        tanh(a_t, out=Y_t)                                          # f = α (tanh(γ net) + c₁) + c₂
        add(Y_t, c1, out=Y_t)
        mul(Y_t, alpha, out=Y_t)
        add(Y_t, c2, out=Y_t)
        if g_identity:
            Y_t[..., :C] = a_t[..., :C]
        mul(yin_t, gc_t, out=s_t)                                   # s_c(t) = s_c(t−1) + y^in g
        if s_prev is not None:
            add(s_t, s_prev, out=s_t)
        if h_identity:                                              # hs = h(s)
            copyto(hs_t, s_t)
        else:
            mul(s_t, h_gamma, out=hs_t)
            tanh(hs_t, out=hs_t)
            add(hs_t, h_c1, out=hs_t)
            if h_scaled:
                mul(hs_t, h_alpha, out=hs_t)
            add(hs_t, h_c2, out=hs_t)
        if has_out:                                                 # [y^c, y^in, y^out]·on
            mul(yout_t, hs_t, out=rc_next)                          # y^c = y^out h(s)
            if on_blk is not None:
                mul(rc_next, on_blk, out=rc_next)
        else:
            mul(hs_t, 1.0 if on_blk is None else on_blk, out=rc_next)
        if on_g is None:
            copyto(rg_next, yg_t)
        else:
            mul(yg_t, on_g, out=rg_next)
        s_prev = s_t


def _forward_fast(nets: TrialNets, x, t, mask, keep_states: bool, hot=None) -> TrialCache:
    """:func:`forward` with the recurrence step by step and the rest for all steps at once
    (see the comment above). Arguments checked by :func:`forward`; shapes as there. Arrays
    over all steps: ``Y`` (T, K, B, C + G) the squashed cell inputs and gates
    [g(net_c) | y^in | y^out], ``s`` and ``hs`` (T, K, B, C) the states and h(s), ``R``
    (T + 1, K, B, C + G) the hidden layer's activations, R[t + 1] the sources of step t + 1.
    ``hot``: :func:`_one_hot` of ``x``, or ``None`` for dense inputs.

    Book equations: eq-ch16-reverse-sum
    """
    spec = nets.spec
    T, K, B, I = x.shape
    C, S, nb, G, O = spec.n_cells, spec.block_size, spec.n_blocks, spec.n_gates, spec.n_out
    H = C + G
    has_out = spec.output_gate
    on = np.repeat(nets.on, S, axis=1)[:, None, :].astype(float)   # (K, 1, C)
    on_g = np.tile(nets.on, 2 if has_out else 1)[:, None, :].astype(float)   # (K, 1, G)

    # cells and gates squashed by one tanh: f(x) = α (tanh(γ x) + c₁) + c₂, γ folded into W
    gamma, alpha, c1, c2 = _tanh_form([spec.g] * C + ["logistic"] * G)
    hidden = [nets.W_c, nets.W_in] + ([nets.W_out] if has_out else [])
    W_h = np.concatenate(hidden, axis=1) * gamma[:, None]           # (K, H, M), rows scaled
    W_hT = W_h.transpose(0, 2, 1)                                   # (K, M, H)
    # net(t) = W u(t), split by source: inputs and bias for all steps now, recurrence per step
    a = _input_part(x, W_hT[:, :I], hot)
    a += W_hT[:, None, -1]
    Y = np.empty((T, K, B, H))
    s = np.empty((T, K, B, C))
    hs = np.empty((T, K, B, C))
    R = np.zeros((T + 1, K, B, H))
    form = tuple(v[0] if np.all(v == v[0]) else v for v in (alpha, c1, c2))   # scalars if equal
    h_gamma, h_alpha, h_c1, h_c2 = _tanh_form([spec.h])[:, 0]
    all_on = bool(nets.on.all())
    # block views (…, n_blocks, S): a block's gates broadcast over its S cells without copies
    blk = (nb, S)
    Y_c, s_b, hs_b = (z.reshape(z.shape[:-1] + blk) for z in (Y[..., :C], s, hs))
    Y_in, Y_out = Y[..., C:C + nb, None], Y[..., C + nb:, None]
    R_c = R[..., :C].reshape(R.shape[:-1] + blk)
    on_blk = on.reshape(K, 1, nb, S)

    def squash_h(s_, out):                                          # hs = h(s)
        if spec.h == "identity":
            np.copyto(out, s_)
        else:
            np.multiply(s_, h_gamma, out=out)
            np.tanh(out, out=out)
            out += h_c1
            if h_alpha != 1.0:
                out *= h_alpha
            out += h_c2

    def activations(Y_out_, hs_, Y_gates, R_c_, R_g):               # [y^c, y^in, y^out]·on
        if has_out:
            np.multiply(Y_out_, hs_, out=R_c_)                      # y^c = y^out h(s)
            if not all_on:
                R_c_ *= on_blk
        else:
            np.multiply(hs_, on_blk, out=R_c_)
        if all_on:
            np.copyto(R_g, Y_gates)
        else:
            np.multiply(Y_gates, on_g, out=R_g)

    if spec.recurrent:
        _recurrence(a, Y, s_b, hs_b, R, W_hT[:, I:I + H].copy(), form,
                    None if spec.h == "identity" else (h_gamma, h_alpha, h_c1, h_c2),
                    (Y_in, Y_c, Y_out if has_out else None, R_c, spec.g == "identity"),
                    None if all_on else on_blk, None if all_on else on_g)
    else:                                                           # no recurrence: all at once
        _squash_into(a, Y, form)
        if spec.g == "identity":
            Y[..., :C] = a[..., :C]
        np.cumsum(Y_in * Y_c, axis=0, out=s_b)
        squash_h(s, hs)
        activations(Y_out if has_out else None, hs_b, Y[..., C:], R_c[1:], R[1:, ..., C:])

    # outputs y^k = f(W_k [y^c, x, 1]) for all steps, squashed in place (σ through tanh)
    yc = R[1:, ..., :C]
    W_kT = nets.W_k.transpose(0, 2, 1)                              # (K, C + I + 1, O)
    reads_x = spec.direct or np.any(nets.W_k[:, :, C:C + I])
    if reads_x:
        yk = _input_part(x, W_kT[:, C:C + I], hot)
        yk += np.matmul(yc, W_kT[:, :C])
    else:
        yk = np.matmul(yc, W_kT[:, :C])
    yk += W_kT[:, None, -1]
    yk *= 0.5
    _squash_into(yk, yk, (0.5, 1.0, 0.0))                           # σ(net) = ½ (1 + tanh(net / 2))
    states = s if keep_states else None
    if t is None:
        return TrialCache(y=yk, E=None, grads=None, s=states)
    yk_d = SQUASHERS["logistic"][1](None, yk)

    # errors and the output units' gradient (eqs. 19, 22), at the steps that carry a target
    e = mask * (t - yk)
    E = 0.5 * (e * e).sum(axis=3).sum(axis=0)
    sc = np.flatnonzero(mask.reshape(T, -1).any(axis=1))           # elsewhere e = 0: no error
    if sc.size == T:
        sc = slice(None)                                            # every step: views, no copies
    hot_sc = None if hot is None else (hot[0][sc], hot[1][sc])
    delta_k = yk_d[sc] * e[sc]                                      # δ_k = f'(net_k) e_k
    g_k = np.zeros_like(nets.W_k)
    g_k[:, :, :C] = _sum_outer(delta_k, yc[sc])
    if reads_x:
        g_k[:, :, C:C + I] = _input_grad(delta_k, x if hot_sc is not None else x[sc], hot_sc)
    g_k[:, :, -1] = delta_k.sum(axis=(0, 2))
    # the errors that reach the cells and the output gates (eqs. 21, 23). The cell arrays are
    # made contiguous (T, K, B, C), the block gates repeated over their S cells: products of
    # whole arrays, not a block's gate broadcast over an axis of S numbers (the same values)
    back = np.matmul(delta_k, nets.W_k[:, :, :C]) * on              # Σ_k w_kc δ_k, (n, K, B, C)
    hs_sc = hs[sc]
    hs_d = SQUASHERS[spec.h][1](s[sc], hs_sc)
    P = np.zeros((T, K, B, H))                   # each step's weight on u(t) in ∂E/∂W_h
    e_s = np.zeros((T, K, B, C))
    if has_out:
        y_out = Y[sc, ..., C + nb:]                                 # (n, K, B, nb)
        z = (back * hs_sc).reshape(back.shape[:-1] + blk)
        P[sc, ..., C + nb:] = _block_sum(z) * (y_out * (1.0 - y_out))
        e_s[sc] = back * np.repeat(y_out, S, axis=-1) * hs_d        # the state error
    else:
        e_s[sc] = back * hs_d
    # ρ(τ) = Σ_{t≥τ} e_s(t): the carried partials' sums exchanged (eqs. 25–28)
    rho = np.cumsum(e_s[::-1], axis=0)[::-1]
    gc = np.ascontiguousarray(Y[..., :C])                           # g(net_c), (T, K, B, C)
    y_in = Y[..., C:C + nb]
    gc_d = SQUASHERS[spec.g][1](gc, gc)                             # g'(net_c) from g(net_c)
    P[..., :C] = rho * (gc_d * np.repeat(y_in, S, axis=-1))         # α_c = g'(net_c) y^in
    z = rho * (gc * np.repeat(y_in * (1.0 - y_in), S, axis=-1))     # α_in = g f'(net_in)
    P[..., C:C + nb] = _block_sum(z.reshape(T, K, B, nb, S))
    Pk = None                                                       # P as (K, H, T·B): one copy,
    if hot is None or spec.recurrent:                               # used by both products
        Pk = P.transpose(1, 3, 0, 2).reshape(K, H, T * B)
    g_h = np.zeros(W_h.shape)                                       # (K, H, M)
    g_h[:, :, :I] = _input_grad(P, x, hot, Pk)
    if spec.recurrent:
        g_h[:, :, I:I + H] = _sum_outer(P, R[:-1], Pk)
    g_h[:, :, -1] = P.sum(axis=(0, 2))
    grads = {"W_c": -g_h[:, :C], "W_in": -g_h[:, C:C + nb], "W_k": -g_k}
    if has_out:
        grads["W_out"] = -g_h[:, C + nb:]
    _mask_grads(nets, grads)
    return TrialCache(y=yk, E=E, grads=grads, s=states)


def _mask_grads(nets: TrialNets, grads: dict) -> None:
    """Zero, in place, the gradients of weights that do not exist or of blocks that are off."""
    spec = nets.spec
    masks = spec.masks()
    on_blocks = nets.on.astype(float)
    for n in grads:
        grads[n] *= masks[n]
        if n == "W_c":
            grads[n] *= np.repeat(on_blocks, spec.block_size, axis=1)[:, :, None]
        elif n in ("W_in", "W_out"):
            grads[n] *= on_blocks[:, :, None]


@_overflow_checked
def backward(nets: TrialNets, x, t, mask) -> dict:
    """The truncated ∂E/∂W of each trial (summed over its batch): :func:`forward` with targets.
    Shapes as in :func:`forward`; returns a dict like :meth:`TrialNets.arrays`."""
    for name, v in (("t", t), ("mask", mask)):
        if v is None:
            raise TypeError(f"{name}: expected an array of floats (T, K, B, "
                            f"{'O' if name == 't' else '1'}), got None")
    return forward(nets, x, t, mask).grads


@_overflow_checked
def sgd_update(nets: TrialNets, grads: dict, lr, active=None, batch_size: int = 1) -> None:
    """W ← W − α ∂E/∂W / B for the trials still ``active`` (bool (K,)), in place (Chapter 16).

    ``lr`` is one rate >= 0 for all trials or one per trial (K,). A trial that is not active keeps
    its weights: its record is final.

    Checked, in one pass over the weights and one over ``grads``: ``nets`` a
    :class:`TrialNets` (shapes, dtypes, finite weights), ``grads`` exactly the arrays of
    ``nets.arrays()`` with their shapes, finite; ``lr``,
    ``active`` (bool (K,)) and ``batch_size`` (int >= 1). An update that overflows raises
    ``ValueError`` (the arrays updated before it keep their update).
    """
    _check_nets(nets)
    K = nets.K
    if not isinstance(grads, dict):
        raise TypeError(f"grads: expected a dict of arrays like nets.arrays(), got "
                        f"{type(grads).__name__}")
    arrays = nets.arrays()
    if set(grads) != set(arrays):
        raise ValueError(f"grads: expected the arrays {sorted(arrays)} (those of nets.arrays()), "
                         f"got {sorted(map(str, grads))}")
    for n, W in arrays.items():
        V.float_array(f"grads[{n!r}]", grads[n], shape=W.shape)
    if isinstance(lr, numbers.Real) and not isinstance(lr, (bool, np.bool_)):
        V.positive_float("lr", lr, allow_zero=True)
    else:
        lr_arr = V.float_array("lr", lr)
        if lr_arr.shape not in ((), (K,)):
            raise ValueError(f"lr: expected one rate or one per trial, shape ({K},), got shape "
                             f"{lr_arr.shape}")
        if np.any(lr_arr < 0):
            raise ValueError(f"lr: expected rates >= 0, got {float(lr_arr.min())}")
    if active is not None:
        act = V.as_array("active", active, "booleans")
        if act.dtype != bool:
            raise TypeError(f"active: expected a bool array ({K},), one flag per trial, got dtype "
                            f"{act.dtype}")
        if act.shape != (K,):
            raise ValueError(f"active: expected shape ({K},), one flag per trial, got {act.shape}")
    V.positive_int("batch_size", batch_size)
    rate = np.broadcast_to(np.asarray(lr, dtype=float), (K,)) / float(batch_size)
    if active is not None:
        rate = rate * np.asarray(active, dtype=bool)
    for n, W in nets.arrays().items():
        W -= rate[:, None, None] * grads[n]
