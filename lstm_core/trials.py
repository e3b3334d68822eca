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

Sequential construction (the paper's remedy 1 for the abuse problem, section 4) is a per-trial,
per-block switch ``on``: a block that is off contributes nothing and learns nothing; switching it on
adds it with its initial weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import _validate as V

__all__ = ["NetSpec", "TrialNets", "TrialCache", "init_nets", "forward", "backward",
           "sgd_update", "squash"]


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
    ``"h1997"`` ∈ (−1, 1), ``"identity"``, ``"tanh"``); Chapter 8."""
    f, d = SQUASHERS[name]
    y = f(x)
    return y, d(x, y)


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


def init_nets(spec: NetSpec, rngs, scale: float = 0.1, input_gate_bias=None,
              output_gate_bias=None, on=True) -> TrialNets:
    """K freshly initialised nets, one per generator in ``rngs`` (Chapter 16).

    Every existing weight is uniform in ±``scale`` (the paper: 0.1 or 0.2), drawn from that
    trial's own generator in a fixed order, so trial k's weights do not depend on K.
    ``input_gate_bias`` / ``output_gate_bias``: ``None`` (random like every weight) or one value
    per block (the paper's −1, −2, −3, …). ``on``: blocks initially taking part (``True``, or a
    bool array (n_blocks,) — ``False`` for sequential construction).
    """
    rngs = [V.as_rng(r) for r in rngs]
    if not rngs:
        raise ValueError("rngs: expected at least one generator or seed, got none")
    scale = V.positive_float("scale", scale)
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


def forward(nets: TrialNets, x, t=None, mask=None, keep_states: bool = False) -> TrialCache:
    """Run K nets over their own batches; with targets, also the truncated gradient.

    Parameters
    ----------
    nets : TrialNets
    x : ndarray (T, K, B, I)
        Trial k's B input sequences (time-major, zero-padded after each sequence's end).
    t, mask : ndarray (T, K, B, O) and (T, K, B, 1), optional
        Targets and the steps that carry one. Without them only the forward pass runs.
    keep_states : bool
        Store the cell states (for plots).

    Returns
    -------
    TrialCache
    """
    spec = nets.spec
    x = V.float_array("x", x, ndim=4)
    T, K, B, I = x.shape
    if K != nets.K or I != spec.n_in:
        raise ValueError(f"x: expected shape (T, {nets.K}, B, {spec.n_in}), got {x.shape}")
    learn = t is not None
    if learn:
        t = V.float_array("t", t, shape=(T, K, B, spec.n_out))
        mask = V.float_array("mask", mask, shape=(T, K, B, 1))
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
        gc, gc_d = squash(g_fn, a[..., :C])
        y_in, y_in_d = squash("logistic", a[..., C:C + nb])
        y_in_c = np.repeat(y_in, S, axis=2) if S > 1 else y_in
        s = s + y_in_c * gc
        hs, hs_d = squash(h_fn, s)
        if has_out:
            y_out, y_out_d = squash("logistic", a[..., C + nb:])
            y_out_c = np.repeat(y_out, S, axis=2) if S > 1 else y_out
        else:
            y_out_c = 1.0
        yc = y_out_c * hs * on
        v[..., :C] = yc
        v[..., C:C + I] = x[step]
        yk, yk_d = squash("logistic", np.matmul(v, W_kT))
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
    masks = spec.masks()
    on_blocks = nets.on.astype(float)
    for n in grads:                      # weights that do not exist, or of blocks that are off
        grads[n] *= masks[n]
        if n == "W_c":
            grads[n] *= np.repeat(on_blocks, S, axis=1)[:, :, None]
        elif n in ("W_in", "W_out"):
            grads[n] *= on_blocks[:, :, None]
    return TrialCache(y=y, E=E, grads=grads, s=states)


def backward(nets: TrialNets, x, t, mask) -> dict:
    """The truncated ∂E/∂W of each trial (summed over its batch): :func:`forward` with targets.
    Shapes as in :func:`forward`; returns a dict like :meth:`TrialNets.arrays`."""
    return forward(nets, x, t, mask).grads


def sgd_update(nets: TrialNets, grads: dict, lr, active=None, batch_size: int = 1) -> None:
    """W ← W − α ∂E/∂W / B for the trials still ``active`` (bool (K,)), in place (Chapter 16).

    ``lr`` is one rate for all trials or one per trial (K,). A trial that is not active keeps its
    weights: its record is final.
    """
    K = nets.K
    rate = np.broadcast_to(np.asarray(lr, dtype=float), (K,)) / float(batch_size)
    if active is not None:
        rate = rate * np.asarray(active, dtype=bool)
    for n, W in nets.arrays().items():
        W -= rate[:, None, None] * grads[n]
