"""Long Short-Term Memory: the memory cell with all its historical parts (Chapters 8-11, 15).

One layer of LSTM memory blocks whose parts switch on and off through an :class:`LSTMConfig`,
so that the same code is the 1997 cell (Chapter 8), the cell with a forget gate (Gers et al.
2000, Chapter 9), with peephole connections (Gers et al. 2002, Chapter 10), Greff et al.'s
"vanilla" LSTM and each of their eight variants (Chapter 15):

=============  ==============================================================================
preset         what it is
=============  ==============================================================================
``vanilla``    input, forget, output gate, peepholes, g = h = tanh (Greff et al. 2017)
``lstm1997``   no forget gate (y^φ = 1), no peepholes, g ∈ (−2, 2) (``g1997``), h ∈ (−1, 1)
               (``h1997``) — Hochreiter & Schmidhuber 1997
``gers2000``   ``lstm1997`` + forget gate (Gers, Schmidhuber & Cummins 2000)
``gers2002``   ``gers2000`` + peepholes (Gers, Schraudolph & Schmidhuber 2002; for a cell
               without output squashing add ``output_activation="identity"``)
``NIG``        vanilla without input gate (y^in = 1)
``NFG``        vanilla without forget gate (y^φ = 1)
``NOG``        vanilla without output gate (y^out = 1)
``NIAF``       no input activation function (g(x) = x)
``NOAF``       no output activation function (h(x) = x)
``NP``         no peepholes (the same function as ``torch.nn.LSTM``)
``CIFG``       coupled input–forget gate, y^φ = 1 − y^in (no forget-gate weights)
``FGR``        full gate recurrence: every gate also gets the previous gate activations
               y^in(t−1), y^φ(t−1), y^out(t−1) as recurrent input (weights ``Q``)
=============  ==============================================================================

Equations (Greff et al. 2017 vector form; book names in brackets)
------------------------------------------------------------------
With x = x(t), y = y(t−1) the layer's previous output, c = s_c(t−1) the previous cell state::

    z    = g(W_z x + R_z y + b_z)                            cell input      [g(net_c)]
    i    = σ(W_i x + R_i y + p_i ⊙ c + b_i)                 input gate     [y^in]
    f    = σ(W_f x + R_f y + p_f ⊙ c + b_f)                 forget gate    [y^φ]
    s(t) = z ⊙ i + c ⊙ f                                     cell state     [s_c(t)]
    o    = σ(W_o x + R_o y + p_o ⊙ s(t) + b_o)              output gate    [y^out]
    y(t) = h(s(t)) ⊙ o                                       cell output    [y^c]

A switched-off gate is the constant 1 (NIG, NFG, NOG; ``lstm1997`` has f = 1, the pure
constant error carousel s(t) = s(t−1) + y^in g(net_c)); CIFG sets f = 1 − i; FGR adds
``Q [i(t−1); f(t−1); o(t−1)]`` to the gates' net inputs (the activations before the first
step are ``LSTMState.gates``, zeros by default).

Functions: :func:`lstm_step` / :func:`lstm_step_backward` (one step, written out),
:func:`lstm_forward` / :func:`lstm_backward` (a sequence, fused, full BPTT),
:func:`lstm_trace` (every gate, state and delta for the widgets). The original truncated
gradient of 1997–2002 is in :mod:`lstm_core.lstm_truncated`.

Memory blocks (Hochreiter & Schmidhuber 1997)
    The H cells are grouped into ``n_blocks = H / block_size`` blocks of ``block_size`` cells.
    Cell input z and state s are per **cell**; the gates i, f, o are per **block** and shared
    by its cells. Cell v of block j is code index ``j * block_size + v``. A peephole weight
    connects each cell to its block's gate, so a gate's peephole input is
    Σ_v p[j*S + v] s_{j,v} (for block_size = 1 that is simply p ⊙ s).

Squashing functions
    All of them are affine images of tanh, f(x) = m·tanh(s·x) + k: σ (s = ½, m = ½, k = ½),
    tanh (1, 1, 0), g1997 = 4σ − 2 (½, 2, 0), h1997 = 2σ − 1 (½, 1, 0); identity is the
    exception. The fast sequence functions use this form in place (it never overflows and
    σ(±1e4) is exactly 1 or 0); :func:`lstm_step` uses :mod:`lstm_core.activations` directly.
    Tests assert both agree.

Weight layout (fused gate matrices; rows in the order **i, f, z, o**)
---------------------------------------------------------------------
``W`` (G, I) input weights, ``R`` (G, H) recurrent weights, ``b`` (G,) biases, where the G rows
are the net inputs of the parts that exist, in this order:

    i  rows ``[0, nb)``                 input gate, one per block     (absent for NIG)
    f  rows ``[.., +nb)``               forget gate, one per block    (absent for NFG, CIFG, lstm1997)
    z  rows ``[.., +H)``                cell input, one per cell
    o  rows ``[.., +nb)``               output gate, one per block    (absent for NOG)

(:meth:`LSTMConfig.layout` gives the slices). ``W[k, j]`` is the book's w_kj (to unit k from
input j). ``P`` (n_peep, H): peephole weights, one row per gate that has them, in the order
i, f, o (``None`` without peepholes). ``Q`` (n_g, n_g): FGR weights from the previous gate
activations [i; f; o] (only gates with own weights, n_g = number of gate rows) to the gates'
net inputs in the same order (``None`` unless FGR).

For the ``NP`` preset with ``block_size = 1``, G = 4H and the layout is PyTorch's:
``W = weight_ih_l0`` (4H, I), ``R = weight_hh_l0`` (4H, H), ``b = bias_ih_l0 + bias_hh_l0``
— PyTorch's gate order i, f, g, o is ours, i, f, z, o (:meth:`LSTMParams.from_torch`).

Index convention: code time index ``t`` (0-based) holds the book's time t + 1; the arrays
``y`` and ``c`` of a cache have T + 1 entries with ``[0]`` the initial state y(0), s_c(0).
Backward passes return ∂E/∂θ; the traces store the book's δ = −∂E/∂net.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from . import _buffers, _checks
from . import _validate as V
from . import activations as act

__all__ = ["LSTMConfig", "PRESETS", "LSTMParams", "LSTMGrads", "LSTMState", "LSTMStepCache",
           "LSTMCache", "LSTMTrace", "lstm_step", "lstm_step_backward", "lstm_forward",
           "lstm_backward", "lstm_trace"]

# ---------------------------------------------------------------- configuration

#: squashing functions allowed for g and h, written as f(x) = m·tanh(s·x) + k  (s, m, k)
_TANH_FORM = {"logistic": (0.5, 0.5, 0.5), "sigmoid": (0.5, 0.5, 0.5), "tanh": (1.0, 1.0, 0.0),
              "g1997": (0.5, 2.0, 0.0), "h1997": (0.5, 1.0, 0.0)}
_SQUASHERS = tuple(_TANH_FORM) + ("identity",)

#: named configurations (Chapter 8: lstm1997, 9: gers2000, 10: gers2002, 15: Greff's variants)
PRESETS: dict[str, dict] = {
    "vanilla": {},
    "lstm1997": dict(forget_gate=False, peepholes=False, input_activation="g1997",
                     output_activation="h1997"),
    "gers2000": dict(peepholes=False, input_activation="g1997", output_activation="h1997"),
    "gers2002": dict(input_activation="g1997", output_activation="h1997"),
    "NIG": dict(input_gate=False),
    "NFG": dict(forget_gate=False),
    "NOG": dict(output_gate=False),
    "NIAF": dict(input_activation="identity"),
    "NOAF": dict(output_activation="identity"),
    "NP": dict(peepholes=False),
    "CIFG": dict(coupled_input_forget=True),
    "FGR": dict(gate_recurrence=True),
}


@dataclass(frozen=True)
class LSTMConfig:
    """Which parts an LSTM layer has (Chapters 8-10, 15). Use :meth:`preset` for the named ones.

    Attributes
    ----------
    input_gate, forget_gate, output_gate : bool
        Whether the gate exists; a missing gate is the constant 1.
    peepholes : bool
        Gates see the cell state: i and f see s_c(t−1), o sees s_c(t) (Gers et al. 2002).
    input_activation : str
        The cell-input squasher g: ``"tanh"``, ``"g1997"`` (range (−2, 2)), ``"h1997"``,
        ``"logistic"`` or ``"identity"`` (NIAF).
    output_activation : str
        The cell-output squasher h, same choices (``"h1997"``: range (−1, 1); NOAF: identity).
    coupled_input_forget : bool
        CIFG: y^φ = 1 − y^in; the forget gate has no weights of its own.
    gate_recurrence : bool
        FGR: the gates get the previous gate activations as extra recurrent input.
    block_size : int
        Cells per memory block (sharing one set of gates); the number of cells must be a
        multiple of it.
    """

    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    peepholes: bool = True
    input_activation: str = "tanh"
    output_activation: str = "tanh"
    coupled_input_forget: bool = False
    gate_recurrence: bool = False
    block_size: int = 1

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type in ("bool", bool) and not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"LSTMConfig.{f.name}: expected True or False, got {type(v).__name__} {v!r}")
        for name in ("input_activation", "output_activation"):
            v = getattr(self, name)
            if v not in _SQUASHERS:
                raise ValueError(f"LSTMConfig.{name}: expected one of {sorted(_SQUASHERS)}, got {v!r}")
        V.positive_int("LSTMConfig.block_size", self.block_size)
        if self.coupled_input_forget and not (self.input_gate and self.forget_gate):
            raise ValueError("LSTMConfig.coupled_input_forget: expected input_gate=True and "
                             f"forget_gate=True (f = 1 − i needs both), got input_gate={self.input_gate}, "
                             f"forget_gate={self.forget_gate}")

        if self.gate_recurrence and not (self.input_gate or self.forget_gate or self.output_gate):
            raise ValueError("LSTMConfig.gate_recurrence: expected at least one gate to recur, "
                             "got input_gate=forget_gate=output_gate=False")

    @classmethod
    def preset(cls, name: str, **overrides) -> "LSTMConfig":
        """The configuration called ``name`` (see :data:`PRESETS`), with optional overrides,
        e.g. ``LSTMConfig.preset("lstm1997", block_size=2)``."""
        if name not in PRESETS:
            raise ValueError(f"preset: expected one of {list(PRESETS)} as name, got {name!r}")
        return cls(**{**PRESETS[name], **overrides})

    # -- derived facts used by the layout and the kernels
    @property
    def gates(self) -> tuple[str, ...]:
        """Gates with weights of their own, in fused order (subset of ``("i", "f", "o")``)."""
        return tuple(g for g, on in (("i", self.input_gate),
                                     ("f", self.forget_gate and not self.coupled_input_forget),
                                     ("o", self.output_gate)) if on)

    @property
    def peephole_gates(self) -> tuple[str, ...]:
        """Gates with peephole weights (rows of ``P``, in order)."""
        return self.gates if self.peepholes else ()

    def n_blocks(self, n_cells: int) -> int:
        """Number of memory blocks for ``n_cells`` cells."""
        n_cells = V.positive_int("n_cells", n_cells)
        if n_cells % self.block_size:
            raise ValueError(f"n_cells: expected a multiple of block_size={self.block_size}, got {n_cells}")
        return n_cells // self.block_size

    def layout(self, n_cells: int) -> dict[str, slice]:
        """Row slices of W, R, b for each part (``"i"``, ``"f"``, ``"z"``, ``"o"``) that exists."""
        nb = self.n_blocks(n_cells)
        out, start = {}, 0
        for part in ("i", "f", "z", "o"):
            if part == "z" or part in self.gates:
                size = n_cells if part == "z" else nb
                out[part] = slice(start, start + size)
                start += size
        return out

    def n_rows(self, n_cells: int) -> int:
        """G, the number of fused rows (net inputs) for ``n_cells`` cells."""
        return n_cells + len(self.gates) * self.n_blocks(n_cells)


# ---------------------------------------------------------------- parameters and state


@dataclass
class LSTMParams:
    """Weights of one LSTM layer (see the module docstring for the fused layout).

    Attributes
    ----------
    W : ndarray (G, I)
        Input weights, rows i, f, z, o (those that exist).
    R : ndarray (G, H)
        Recurrent weights from y(t−1).
    b : ndarray (G,)
        Biases.
    P : ndarray (n_peep, H) or None
        Peephole weights, one row per gate in ``config.peephole_gates``.
    Q : ndarray (n_g, n_g) or None
        FGR weights from the previous gate activations to the gates.
    config : LSTMConfig
    """

    W: np.ndarray
    R: np.ndarray
    b: np.ndarray
    P: np.ndarray | None = None
    Q: np.ndarray | None = None
    config: LSTMConfig = field(default_factory=LSTMConfig)

    def __post_init__(self):
        # Python lists become float64 arrays (like RNNParams); ndarrays are kept, never copied,
        # so in-place updates by an optimiser are seen. Shapes are checked where params are used.
        for name in ("W", "R", "b", "P", "Q"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, np.ndarray):
                setattr(self, name, _checks.float_array(f"params.{name}", value))

    @classmethod
    def init(cls, n_in: int, n_cells: int, config: LSTMConfig | str | None = None, rng=None,
             dtype=np.float64, scale: float | None = None) -> "LSTMParams":
        """Random parameters, every entry uniform in ±scale (default 1/√H, PyTorch's).

        Parameters
        ----------
        n_in : int
            Input units I (≥ 1).
        n_cells : int
            Memory cells H (≥ 1, a multiple of ``config.block_size``).
        config : LSTMConfig or preset name, optional
            Default: ``"vanilla"``.
        rng : numpy.random.Generator or int seed, optional
        dtype : float32 or float64
        scale : float, optional
        """
        config = _as_config(config)
        n_in = V.positive_int("n_in", n_in)
        H = V.positive_int("n_cells", n_cells)
        G = config.n_rows(H)
        rng = _as_rng(rng)
        dtype = _float_dtype(dtype)
        k = 1.0 / np.sqrt(H) if scale is None else V.positive_float("scale", scale, allow_zero=True)
        k_max = min(np.finfo(np.float64).max / 2, float(np.finfo(dtype).max))
        if k > k_max:
            raise ValueError(f"scale: expected a number <= {k_max:.3g} (uniform in ±scale must stay "
                             f"within the {dtype} range), got {k:.3g}")

        def u(*shape):
            return rng.uniform(-k, k, shape).astype(dtype)

        n_g = len(config.gates) * (H // config.block_size)
        return cls(W=u(G, n_in), R=u(G, H), b=u(G),
                   P=u(len(config.peephole_gates), H) if config.peephole_gates else None,
                   Q=u(n_g, n_g) if config.gate_recurrence and n_g else None, config=config)

    @classmethod
    def from_torch(cls, lstm_module) -> "LSTMParams":
        """Copy the first layer of a ``torch.nn.LSTM`` (its function is our ``NP`` preset)."""
        w_ih = lstm_module.weight_ih_l0.detach().cpu().numpy()
        w_hh = lstm_module.weight_hh_l0.detach().cpu().numpy()
        b = (lstm_module.bias_ih_l0 + lstm_module.bias_hh_l0).detach().cpu().numpy()
        return cls(W=w_ih.copy(), R=w_hh.copy(), b=b.copy(), config=LSTMConfig.preset("NP"))

    @property
    def n_in(self) -> int:
        return self.W.shape[1]

    @property
    def n_cells(self) -> int:
        return self.R.shape[1]

    @property
    def n_blocks(self) -> int:
        return self.R.shape[1] // self.config.block_size


@dataclass
class LSTMGrads:
    """∂E/∂θ for :class:`LSTMParams`: same names and shapes (``None`` where a part is absent)."""

    W: np.ndarray
    R: np.ndarray
    b: np.ndarray
    P: np.ndarray | None = None
    Q: np.ndarray | None = None


@dataclass
class LSTMState:
    """The recurrent state carried between steps (or the gradient with respect to it).

    Attributes
    ----------
    y : ndarray (B, H)
        Cell outputs y^c(t) (the layer's output).
    c : ndarray (B, H)
        Cell states s_c(t).
    gates : ndarray (B, n_g) or None
        FGR only: the gate activations [i; f; o] of this step (zeros at the start).
    """

    y: np.ndarray
    c: np.ndarray
    gates: np.ndarray | None = None


@dataclass
class LSTMStepCache:
    """What :func:`lstm_step` keeps for :func:`lstm_step_backward` and a stepper widget.

    ``x`` (B, I) input; ``prev`` the state before the step; ``i``, ``f``, ``o`` (B, n_blocks)
    gate activations (``None`` if the gate is absent; ``f`` is 1 − i for CIFG); ``z`` (B, H)
    cell input g(net_c); ``c`` (B, H) new state s_c(t); ``hc`` (B, H) h(s_c(t)); ``y`` (B, H).
    """

    x: np.ndarray
    prev: LSTMState
    i: np.ndarray | None
    f: np.ndarray | None
    z: np.ndarray
    o: np.ndarray | None
    c: np.ndarray
    hc: np.ndarray
    y: np.ndarray


@dataclass
class LSTMCache:
    """Everything :func:`lstm_forward` computed, for :func:`lstm_backward` and the traces.

    Attributes
    ----------
    x : ndarray (T, B, I)
    act : ndarray (T, B, G)
        Activations of every fused row, layout of ``config.layout``: i, f, z = g(net_c), o.
    y : ndarray (T+1, B, H)
        Outputs, ``y[0]`` = y(0) the initial state.
    c : ndarray (T+1, B, H)
        Cell states, ``c[0]`` = s_c(0).
    hc : ndarray (T, B, H)
        h(s_c(t)) (the same array as ``c[1:]`` when h is the identity).
    gates0 : ndarray (B, n_g) or None
        FGR: the gate activations before the first step.
    sources : ndarray (T+1, B, I+1+H) or None
        [x(t) | 1 | y(t−1)] per step, the inputs of every net input; ``y`` is a view into it.
    """

    x: np.ndarray
    act: np.ndarray
    y: np.ndarray
    c: np.ndarray
    hc: np.ndarray
    gates0: np.ndarray | None = None
    sources: np.ndarray | None = None
    config: LSTMConfig | None = None   # the params' configuration, checked by lstm_backward

    def part(self, name: str, config: LSTMConfig) -> np.ndarray | None:
        """Activations of one part (``"i"``, ``"f"``, ``"z"``, ``"o"``) over time, (T, B, n);
        ``None`` for a gate the configuration does not have."""
        if not isinstance(name, str) or name not in ("i", "f", "z", "o"):
            raise ValueError(f"name: expected one of 'i', 'f', 'z', 'o', got {name!r}")
        if not isinstance(config, LSTMConfig):
            raise TypeError(f"config: expected an LSTMConfig, got {type(config).__name__}")
        lay = config.layout(self.c.shape[2])
        if name == "f" and config.coupled_input_forget:
            return 1.0 - self.act[:, :, lay["i"]]
        return self.act[:, :, lay[name]] if name in lay else None


# ---------------------------------------------------------------- one step (readable)


@_checks.overflow_checked('x, params')
def lstm_step(params: LSTMParams, x_t, state: LSTMState | None = None) -> tuple[LSTMState, LSTMStepCache]:
    """One step of an LSTM layer (Chapters 8-10): the equations, written out.

    In the book's notation, for memory block j with cells v (net inputs sum over all sources m
    — inputs x(t) and cell outputs y(t−1) — plus the bias)::

        y^in_j(t)  = f_in(Σ_m w_in_j,m y^m(t−1) + Σ_v w_in_j,c_j^v s_c_j^v(t−1))   (peephole)
        y^φ_j(t)   = f_φ(Σ_m w_φ_j,m y^m(t−1) + Σ_v w_φ_j,c_j^v s_c_j^v(t−1))
        s_c(t)     = y^φ_j(t) s_c(t−1) + y^in_j(t) g(net_c(t))
        y^out_j(t) = f_out(Σ_m w_out_j,m y^m(t−1) + Σ_v w_out_j,c_j^v s_c_j^v(t))
        y^c(t)     = y^out_j(t) h(s_c(t))

    with f_in = f_φ = f_out = σ; absent gates are 1 (CIFG: y^φ = 1 − y^in).

    Book equations: eq-cec-state, eq-cec-output, eq-forget-state, eq-peep-no-peep, eq-peep-nets,
    eq-fwd-in, eq-fwd-phi, eq-fwd-netc, eq-fwd-state, eq-fwd-out, eq-fwd-y, eq-ch16-cell

    Parameters
    ----------
    params : LSTMParams
    x_t : ndarray (B, I)
        Input x(t).
    state : LSTMState, optional
        y(t−1), s_c(t−1) (and FGR gates(t−1)), each (B, ·); zeros if omitted.

    Returns
    -------
    state : LSTMState
        y(t), s_c(t) (and the FGR gate activations of this step).
    cache : LSTMStepCache
    """
    cfg, lay = _check_params(params)
    x_t = _checks.float_array("x_t", x_t, ndim=2, shape=(None, params.n_in), dtype=params.W.dtype)
    _checks.not_empty("x_t", x_t)
    prev = _check_state("state", state, params, x_t.shape[0])
    S = cfg.block_size
    gsig = act.get("logistic")
    g, h = act.get(cfg.input_activation), act.get(cfg.output_activation)

    net = x_t @ params.W.T + prev.y @ params.R.T + params.b                  # (B, G)
    if cfg.gate_recurrence:
        _add_gate_rows(net, prev.gates @ params.Q.T, cfg, lay)
    peep = dict(zip(cfg.peephole_gates, params.P)) if cfg.peepholes else {}

    def gate(name, s):
        if name not in lay:
            return None
        n = net[:, lay[name]]
        if name in peep:
            n = n + _block_sum(peep[name] * s, S)
        return gsig(n)

    i = gate("i", prev.c)
    f = 1.0 - i if cfg.coupled_input_forget else gate("f", prev.c)
    z = g(net[:, lay["z"]])
    c = (z if i is None else z * _to_cells(i, S)) + (prev.c if f is None else prev.c * _to_cells(f, S))
    o = gate("o", c)
    hc = h(c)
    y = hc if o is None else hc * _to_cells(o, S)
    gates = None
    if cfg.gate_recurrence:
        gates = np.concatenate([a for a, n in ((i, "i"), (f, "f"), (o, "o")) if n in cfg.gates], axis=1)
    new = LSTMState(y=y, c=c, gates=gates)
    return new, LSTMStepCache(x=x_t, prev=prev, i=i, f=f, z=z, o=o, c=c, hc=hc, y=y)


@_checks.overflow_checked('dstate, params')
def lstm_step_backward(params: LSTMParams, cache: LSTMStepCache,
                       dstate: LSTMState) -> tuple[LSTMGrads, np.ndarray, LSTMState]:
    """Backward pass of one :func:`lstm_step` (Chapter 11): full gradient, nothing truncated.

    With dy = ∂E/∂y(t), ds = ∂E/∂s_c(t) arriving from step t+1 (the book's state error is
    e_s = −ds)::

        ∂E/∂y^out = Σ_v dy h(s_c)                       ∂E/∂net_out = ∂E/∂y^out f'_out
        ∂E/∂s_c(t) = ds + dy y^out h'(s_c) + w_out,c ∂E/∂net_out     (output peephole)
        ∂E/∂g      = ∂E/∂s_c y^in          ∂E/∂net_c  = ∂E/∂g g'(net_c)
        ∂E/∂y^in  = Σ_v ∂E/∂s_c g(net_c)   ∂E/∂y^φ = Σ_v ∂E/∂s_c s_c(t−1)
        ∂E/∂s_c(t−1) = ∂E/∂s_c y^φ + w_in,c ∂E/∂net_in + w_φ,c ∂E/∂net_φ
        ∂E/∂y(t−1) = R^T ∂E/∂net,   ∂E/∂x(t) = W^T ∂E/∂net

    Book equations: eq-cec-unit-jacobian, eq-forget-flow, eq-peep-state-error, eq-bwd-out,
    eq-bwd-state, eq-bwd-c, eq-bwd-gates

    Parameters
    ----------
    params : LSTMParams
    cache : LSTMStepCache
        From :func:`lstm_step`.
    dstate : LSTMState
        ∂E/∂y(t) (all of it: from the output and from step t+1), ∂E/∂s_c(t) from step t+1,
        and for FGR ∂E/∂gates(t) from step t+1 (``None`` = zeros).

    Returns
    -------
    grads : LSTMGrads
        This step's ∂E/∂θ.
    dx_t : ndarray (B, I)
    dprev : LSTMState
        ∂E/∂y(t−1), ∂E/∂s_c(t−1) (and ∂E/∂gates(t−1)).
    """
    cfg, lay = _check_params(params)
    if not isinstance(cache, LSTMStepCache):
        raise TypeError(f"cache: expected an LSTMStepCache from lstm_step, got {type(cache).__name__}")
    B = cache.x.shape[0]
    d = _check_state("dstate", dstate, params, B, allow_none=False)
    S = cfg.block_size
    g, h = act.get(cfg.input_activation), act.get(cfg.output_activation)
    peep = dict(zip(cfg.peephole_gates, params.P)) if cfg.peepholes else {}
    dnet = np.zeros((B, params.W.shape[0]), dtype=params.W.dtype)
    dgates = d.gates if cfg.gate_recurrence else None
    dgate_of = {}
    if cfg.gate_recurrence:
        k = 0
        for name in cfg.gates:
            n = lay[name].stop - lay[name].start
            dgate_of[name] = dgates[:, k:k + n]
            k += n

    ds = d.c + d.y * h.deriv_from_output(cache.hc) * (1.0 if cache.o is None else _to_cells(cache.o, S))
    if cache.o is not None:
        d_o = _block_sum(d.y * cache.hc, S) + dgate_of.get("o", 0.0)
        dnet[:, lay["o"]] = d_o * cache.o * (1.0 - cache.o)
        if "o" in peep:
            ds = ds + peep["o"] * _to_cells(dnet[:, lay["o"]], S)
    dz = ds if cache.i is None else ds * _to_cells(cache.i, S)
    dnet[:, lay["z"]] = dz * g.deriv_from_output(cache.z)
    dprev_c = ds if cache.f is None else ds * _to_cells(cache.f, S)
    if cache.i is not None:
        d_i = _block_sum(ds * cache.z, S) + dgate_of.get("i", 0.0)
        if cfg.coupled_input_forget:
            d_i = d_i - _block_sum(ds * cache.prev.c, S)
        dnet[:, lay["i"]] = d_i * cache.i * (1.0 - cache.i)
    if "f" in lay:
        d_f = _block_sum(ds * cache.prev.c, S) + dgate_of.get("f", 0.0)
        dnet[:, lay["f"]] = d_f * cache.f * (1.0 - cache.f)
    for name in ("i", "f"):
        if name in peep:
            dprev_c = dprev_c + peep[name] * _to_cells(dnet[:, lay[name]], S)

    P = None
    if cfg.peepholes:
        P = np.stack([_to_cells(dnet[:, lay[n]], S) * (cache.c if n == "o" else cache.prev.c)
                      for n in cfg.peephole_gates]).sum(axis=1)
    Q, dprev_gates = None, None
    if cfg.gate_recurrence:
        dq = _gate_rows(dnet, cfg, lay)
        Q = dq.T @ cache.prev.gates
        dprev_gates = dq @ params.Q
    grads = LSTMGrads(W=dnet.T @ cache.x, R=dnet.T @ cache.prev.y, b=dnet.sum(axis=0), P=P, Q=Q)
    return grads, dnet @ params.W, LSTMState(y=dnet @ params.R, c=dprev_c, gates=dprev_gates)


# ---------------------------------------------------------------- the sequence (fused, in place)


@_checks.overflow_checked('x, params')
def lstm_forward(params: LSTMParams, x, state0: LSTMState | None = None) -> tuple[np.ndarray, LSTMCache]:
    """Run an LSTM layer over a sequence (Chapters 8-11); the fused equivalent of :func:`lstm_step`.

    The input projections x(t) W^T + b of all T steps are one matmul into the (T, B, G) buffer
    that ends up holding the activations; per step there is one recurrent matmul
    y(t−1) R^T for all parts, then the squashing and the cell update are done in place in
    preallocated buffers (no temporaries in the loop). Every squasher is m·tanh(s·net) + k,
    so the rows of W, R, b are multiplied by their s once and a single ``tanh`` per step
    squashes all parts that are not linear. The big (T, B, ·) arrays come from
    :mod:`lstm_core._buffers`, which hands out the arrays of earlier calls once their caches are
    gone (fresh memory costs a page fault per page). Tests assert the result equals looping
    :func:`lstm_step`.

    Book equations: eq-cec-state, eq-cec-output, eq-cec-random-walk, eq-forget-state,
    eq-forget-bound, eq-peep-nets, eq-fwd-in, eq-fwd-phi, eq-fwd-netc, eq-fwd-state, eq-fwd-out,
    eq-fwd-y, eq-ch16-cell

    Parameters
    ----------
    params : LSTMParams
    x : ndarray (T, B, I)
        Input sequence, time-major, the parameters' dtype.
    state0 : LSTMState, optional
        y(0), s_c(0) (and FGR gates(0)); zeros if omitted.

    Returns
    -------
    y : ndarray (T, B, H)
        Cell outputs y^c(1) … y^c(T) (``y[t]`` after input ``x[t]``); a view into the cache
        (``cache.y[1:]``), so copy it before changing it in place.
    cache : LSTMCache
    """
    cfg, lay = _check_params(params)
    dtype = params.W.dtype
    x = _checks.float_array("x", x, ndim=3, shape=(None, None, params.n_in), dtype=dtype)
    T, B, _ = x.shape
    V.positive_int("x.shape[0] (number of time steps T)", T)
    V.positive_int("x.shape[1] (batch size B)", B)
    s0 = _check_state("state0", state0, params, B)
    H, S, G = params.n_cells, cfg.block_size, params.W.shape[0]
    kern = _Kernels(cfg, lay, H, dtype)

    WbT, RT, peep, Qs = kern.scaled_params(params, cfg, lay)   # rows × s, transposed (see _Kernels)
    I = params.n_in
    # the sources of every net input side by side, [x(t) | 1 | y(t−1)], so that the input
    # projection (with the bias) and, in the backward pass, ∂E/∂W, ∂E/∂b, ∂E/∂R are one matmul
    XY = _buffers.empty((T + 1, B, I + 1 + H), dtype)    # reused across calls (see _buffers)
    XY[:T, :, :I] = x
    XY[T, :, :I] = 0.0
    XY[:, :, I] = 1.0
    Y = XY[:, :, I + 1:]                                 # y(t−1) for step t, (T+1, B, H)
    A = _buffers.empty((T, B, G), dtype)                 # s·net inputs, then activations
    np.matmul(XY[:T, :, :I + 1].reshape(T * B, I + 1), WbT,
              out=A.reshape(T * B, G))
    C = _buffers.empty((T + 1, B, H), dtype)
    HC = C[1:] if kern.h_identity else _buffers.empty((T, B, H), dtype)
    Y[0], C[0] = s0.y, s0.c
    rec = np.empty((B, G), dtype=dtype)
    tmp = np.empty((B, H), dtype=dtype)
    gprev = s0.gates
    if cfg.gate_recurrence:
        QT, qbuf = Qs.T, np.empty_like(s0.gates)
    si, sf, sz, so = (lay.get(n) for n in ("i", "f", "z", "o"))
    fbuf = np.empty((B, kern.nb), dtype=dtype) if cfg.coupled_input_forget else None

    for t in range(T):
        a, c_prev, c = A[t], C[t], C[t + 1]
        np.matmul(Y[t], RT, out=rec)
        a += rec
        if cfg.gate_recurrence:
            np.matmul(gprev, QT, out=qbuf)
            _add_gate_rows(a, qbuf, cfg, lay)
        for name in ("i", "f"):
            if name in peep:
                np.multiply(c_prev, peep[name], out=tmp)
                a[:, lay[name]] += _block_sum(tmp, S)
        kern.squash_early(a)
        # s_c(t) = g(net_c) y^in + s_c(t−1) y^φ
        if si is None:
            c[...] = a[:, sz]
        else:
            np.multiply(a[:, sz], _to_cells(a[:, si], S), out=c)
        if cfg.coupled_input_forget:
            np.subtract(1.0, a[:, si], out=fbuf)
            np.multiply(c_prev, _to_cells(fbuf, S), out=tmp)
            c += tmp
        elif sf is not None:
            np.multiply(c_prev, _to_cells(a[:, sf], S), out=tmp)
            c += tmp
        else:
            c += c_prev
        if "o" in peep:
            np.multiply(c, peep["o"], out=tmp)
            a[:, so] += _block_sum(tmp, S)
        kern.squash_late(a)
        # y^c(t) = h(s_c(t)) y^out
        hc = HC[t]
        kern.h(c, hc)
        if so is None:
            Y[t + 1] = hc
        else:
            np.multiply(hc, _to_cells(a[:, so], S), out=Y[t + 1])
        if cfg.gate_recurrence:
            gprev = _gate_rows(a, cfg, lay)
    return Y[1:], LSTMCache(x=x, act=A, y=Y, c=C, hc=HC, gates0=s0.gates, sources=XY, config=cfg)


@_checks.overflow_checked('dy, params')
def lstm_backward(params: LSTMParams, cache: LSTMCache, dy,
                  dstate_T: LSTMState | None = None) -> tuple[LSTMGrads, np.ndarray, LSTMState]:
    """Full backpropagation through time for :func:`lstm_forward` (Chapter 11).

    :func:`lstm_step_backward`'s equations from t = T down to 1, in place: the error reaching
    y(t) is the output's dy[t] plus R^T ∂E/∂net(t+1); the cell state's error adds the output
    path to the carousel's ∂E/∂s_c(t+1) y^φ(t+1) (and the peephole paths). Weight gradients
    are sums over time, done after the loop as one matmul each:
    ∂E/∂W = Σ_t ∂E/∂net(t)^T x(t), ∂E/∂R = Σ_t ∂E/∂net(t)^T y(t−1), and ∂E/∂x = ∂E/∂net W.
    Nothing is truncated; compare :func:`lstm_core.lstm_truncated.lstm_backward_truncated`.

    Book equations: eq-peep-state-error, eq-bwd-out, eq-bwd-state, eq-bwd-c, eq-bwd-gates,
    eq-bwd-weights

    Parameters
    ----------
    params : LSTMParams
    cache : LSTMCache
        From :func:`lstm_forward` with the same ``params``.
    dy : ndarray (T, B, H)
        ∂E/∂y(t) from the layer above, for every step.
    dstate_T : LSTMState, optional
        ∂E/∂y(T), ∂E/∂s_c(T) (and ∂E/∂gates(T)) from beyond the sequence; zeros if omitted.

    Returns
    -------
    grads : LSTMGrads
    dx : ndarray (T, B, I)
        ∂E/∂x(t).
    dstate0 : LSTMState
        ∂E/∂y(0), ∂E/∂s_c(0) (and ∂E/∂gates(0)).
    """
    grads, dx, dstate0, _, _ = _bptt(params, cache, dy, dstate_T, keep_dc=False)
    return grads, dx, dstate0


def _bptt(params, cache, dy, dstate_T, keep_dc):
    """Backward of :func:`lstm_forward`; also returns ∂E/∂net (T, B, G) and, if ``keep_dc``,
    ∂E/∂s_c(t) (T, B, H) for the traces."""
    cfg, lay = _check_params(params)
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache: expected an LSTMCache from lstm_forward, got {type(cache).__name__}")
    if cache.config is not None and cache.config != cfg:
        raise ValueError(f"cache: expected a cache made by lstm_forward with these params' "
                         f"configuration {cfg}, got one made with {cache.config}")
    dtype = params.W.dtype
    T, B, G = cache.act.shape
    H, S = params.n_cells, cfg.block_size
    if G != params.W.shape[0] or cache.c.shape[2] != H or cache.act.dtype != dtype:
        raise ValueError(f"cache: expected a cache of these params (G={params.W.shape[0]}, H={H}, "
                         f"{dtype}), got G={G}, H={cache.c.shape[2]}, {cache.act.dtype}")
    if params.W.shape[1] != cache.x.shape[2]:
        raise ValueError(f"params.W: expected shape ({G}, {cache.x.shape[2]}) (the inputs the cache "
                         f"was made with), got {params.W.shape}")
    dy = _checks.float_array("dy", dy, ndim=3, shape=(T, B, H), dtype=dtype)
    dT = _check_state("dstate_T", dstate_T, params, B)
    kern = _Kernels(cfg, lay, H, dtype)
    peep = dict(zip(cfg.peephole_gates, params.P)) if cfg.peepholes else {}
    si, sf, sz, so = (lay.get(n) for n in ("i", "f", "z", "o"))
    A, C, HC = cache.act, cache.c, cache.hc

    DA = _buffers.empty((T, B, G), dtype)              # ∂E/∂net(t), fused layout
    DC = np.empty((T, B, H), dtype=dtype) if keep_dc else None
    dyt = np.empty((B, H), dtype=dtype)
    drec = dT.y.copy()                                  # ∂E/∂y(t) from step t+1 (R^T ∂E/∂net(t+1))
    dc_next = dT.c.copy()                               # ∂E/∂s_c(t) from step t+1
    dc = np.empty((B, H), dtype=dtype)
    tmp = np.empty((B, H), dtype=dtype)
    dg_next = dT.gates.copy() if cfg.gate_recurrence else None
    fbuf = np.empty((B, kern.nb), dtype=dtype) if cfg.coupled_input_forget else None
    wsq = np.empty((B, G), dtype=dtype)                 # workspace for f'(net)

    for t in reversed(range(T)):
        a, da, c_prev, hc = A[t], DA[t], C[t], HC[t]
        np.add(dy[t], drec, out=dyt)
        # ∂E/∂s_c(t) = ∂E/∂s_c from t+1 + dy y^out h'(s_c)   (+ output peephole below)
        kern.h_deriv(hc, dc)
        dc *= dyt
        if so is not None:
            _mul_block_sum(dyt, hc, S, da[:, so], tmp)
            np.multiply(dc, _to_cells(a[:, so], S), out=dc)
        dc += dc_next
        if cfg.gate_recurrence:
            _add_gate_rows(da, dg_next, cfg, lay, only=("o",))
        if "o" in peep:
            kern.deriv_late(a, da, wsq)                   # ∂E/∂net_out, needed for ∂E/∂s_c
            np.multiply(_to_cells(da[:, so], S), peep["o"], out=tmp)
            dc += tmp
        if keep_dc:
            DC[t] = dc
        # cell input, input gate, forget gate
        if si is None:
            da[:, sz] = dc
        else:
            np.multiply(dc, _to_cells(a[:, si], S), out=da[:, sz])
            _mul_block_sum(dc, a[:, sz], S, da[:, si], tmp)
        if cfg.coupled_input_forget:                    # y^φ = 1 − y^in
            np.multiply(dc, c_prev, out=tmp)
            da[:, si] -= _block_sum(tmp, S)
        elif sf is not None:
            _mul_block_sum(dc, c_prev, S, da[:, sf], tmp)
        if cfg.gate_recurrence:
            _add_gate_rows(da, dg_next, cfg, lay, only=("i", "f"))
        kern.deriv_early(a, da, wsq)
        if "o" not in peep:
            kern.deriv_late(a, da, wsq)
        # ∂E/∂s_c(t−1) = ∂E/∂s_c(t) y^φ(t) + peephole paths into i(t), f(t)
        if cfg.coupled_input_forget:
            np.subtract(1.0, a[:, si], out=fbuf)
            np.multiply(dc, _to_cells(fbuf, S), out=dc_next)
        elif sf is not None:
            np.multiply(dc, _to_cells(a[:, sf], S), out=dc_next)
        else:
            dc_next[...] = dc
        for name in ("i", "f"):
            if name in peep:
                np.multiply(_to_cells(da[:, lay[name]], S), peep[name], out=tmp)
                dc_next += tmp
        np.matmul(da, params.R, out=drec)
        if cfg.gate_recurrence:
            dg_next = _gate_rows(da, cfg, lay) @ params.Q

    flat = DA.reshape(T * B, G)
    I = params.n_in
    if cache.sources is not None:                   # [∂E/∂W | ∂E/∂b | ∂E/∂R] in one matmul
        full = np.matmul(flat.T, cache.sources[:T].reshape(T * B, I + 1 + H),
                         out=_buffers.empty((G, I + 1 + H), dtype))
        grads = LSTMGrads(W=full[:, :I].copy(), R=full[:, I + 1:].copy(), b=full[:, I].copy())
    else:
        grads = LSTMGrads(W=flat.T @ cache.x.reshape(T * B, I), R=flat.T @ cache.y[:-1].reshape(T * B, H),
                          b=flat.sum(axis=0))
    if cfg.peepholes:
        grads.P = np.stack([np.einsum("tbh,tbh->h", _to_cells(DA[:, :, lay[n]], S, axis=2),
                                      C[1:] if n == "o" else C[:-1]) for n in cfg.peephole_gates])
    if cfg.gate_recurrence:
        gprev = np.concatenate([cache.gates0[None], _gate_rows(A[:-1], cfg, lay)], axis=0)
        dg = _gate_rows(DA, cfg, lay)
        grads.Q = dg.reshape(T * B, -1).T @ gprev.reshape(T * B, -1)
    dx = np.matmul(flat, params.W, out=_buffers.empty((T * B, I), dtype)).reshape(cache.x.shape)
    return grads, dx, LSTMState(y=drec, c=dc_next, gates=dg_next), DA, DC


# ---------------------------------------------------------------- trace for the widgets


@dataclass
class LSTMTrace:
    """Every gate, state and delta of a forward + backward pass, as arrays over time (Chapter 11).

    Gate arrays are (T, B, n_blocks) and ``None`` for an absent gate; cell arrays (T, B, H).
    Deltas use the book's sign, δ = −∂E/∂net, and the state error e_s = −∂E/∂s_c.

    Attributes
    ----------
    x : (T, B, I)                 inputs
    y_in, y_phi, y_out            gate activations y^in, y^φ, y^out
    net_in, net_phi, net_out      their net inputs (including peephole and FGR terms)
    net_c, g                      cell input net_c and g(net_c)
    s : (T+1, B, H)               cell states, ``s[0]`` = s_c(0)
    h : (T, B, H)                 h(s_c(t))
    y : (T+1, B, H)               cell outputs y^c, ``y[0]`` = y(0)
    delta_in, delta_phi, delta_out, delta_c
                                  δ = −∂E/∂net of the gates and the cell input (``None`` without dy)
    e_s : (T, B, H)               −∂E/∂s_c(t), full BPTT (``None`` without dy)
    """

    x: np.ndarray
    y_in: np.ndarray | None
    y_phi: np.ndarray | None
    y_out: np.ndarray | None
    net_in: np.ndarray | None
    net_phi: np.ndarray | None
    net_out: np.ndarray | None
    net_c: np.ndarray
    g: np.ndarray
    s: np.ndarray
    h: np.ndarray
    y: np.ndarray
    delta_in: np.ndarray | None = None
    delta_phi: np.ndarray | None = None
    delta_out: np.ndarray | None = None
    delta_c: np.ndarray | None = None
    e_s: np.ndarray | None = None

    def step(self, t: int) -> dict[str, np.ndarray | None]:
        """Everything at code time index ``t`` (the book's t + 1) as a dict, for a stepper frame."""
        T = self.x.shape[0]
        t = V.positive_int("t", t, minimum=0)
        if t >= T:
            raise ValueError(f"t: expected a time index in [0, {T}), got {t}")
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None:
                out[f.name] = None
            else:
                out[f.name] = v[t + 1] if f.name in ("s", "y") else v[t]
        out["s_prev"], out["y_prev"] = self.s[t], self.y[t]
        return out


def lstm_trace(params: LSTMParams, x, dy=None, state0: LSTMState | None = None) -> LSTMTrace:
    """Forward (and, with ``dy``, full-BPTT backward) pass, returning an :class:`LSTMTrace`.

    Book equations: eq-bwd-out, eq-bwd-state, eq-bwd-c, eq-bwd-gates

    Parameters
    ----------
    params : LSTMParams
    x : ndarray (T, B, I)
    dy : ndarray (T, B, H), optional
        ∂E/∂y(t); if given, the trace holds the deltas and the state error.
    state0 : LSTMState, optional
    """
    _, cache = lstm_forward(params, x, state0)
    cfg, lay = _check_params(params)
    A = cache.act
    # net inputs recomputed from the cached states (the cache keeps only activations)
    nets = _recompute_nets(params, cache)
    gate = {n: cache.part(n, cfg) for n in ("i", "f", "o")}
    tr = LSTMTrace(x=cache.x, y_in=gate["i"], y_phi=gate["f"], y_out=gate["o"],
                   net_in=nets.get("i"), net_phi=nets.get("f"), net_out=nets.get("o"),
                   net_c=nets["z"], g=A[:, :, lay["z"]], s=cache.c, h=cache.hc, y=cache.y)
    if dy is not None:
        _, _, _, DA, DC = _bptt(params, cache, dy, None, keep_dc=True)
        tr.delta_c = -DA[:, :, lay["z"]]
        tr.delta_in = -DA[:, :, lay["i"]] if "i" in lay else None
        tr.delta_phi = -DA[:, :, lay["f"]] if "f" in lay else None
        tr.delta_out = -DA[:, :, lay["o"]] if "o" in lay else None
        tr.e_s = -DC
    return tr


def _recompute_nets(params: LSTMParams, cache: LSTMCache) -> dict[str, np.ndarray]:
    """Net inputs of every part over time, recomputed from the cached states (for traces)."""
    cfg, lay = _check_params(params)
    S = cfg.block_size
    T, B, _ = cache.x.shape
    net = cache.x @ params.W.T + cache.y[:-1] @ params.R.T + params.b
    if cfg.gate_recurrence:
        gprev = np.concatenate([cache.gates0[None], _gate_rows(cache.act[:-1], cfg, lay)], axis=0)
        _add_gate_rows(net, gprev @ params.Q.T, cfg, lay)
    if cfg.peepholes:
        for name, p in zip(cfg.peephole_gates, params.P):
            s = cache.c[1:] if name == "o" else cache.c[:-1]
            net[:, :, lay[name]] += _block_sum(s * p, S)
    return {n: net[:, :, sl] for n, sl in lay.items()}


# ---------------------------------------------------------------- in-place kernels


class _Kernels:
    """In-place squashing and derivatives on the fused (B, G) rows, f(x) = m·tanh(s·x) + k.

    The forward pass multiplies each row of W, R, b (and the peephole and FGR weights) by that
    row's s once per call, so the buffer holds s·net and one ``tanh`` over every tanh-form row
    follows; then y = m·u + k per part (skipped where m = 1, k = 0). "Early" parts are squashed
    before the cell update (i, f, z, and o without a peephole); "late" is o with a peephole,
    which needs s_c(t) first. The backward pass uses the true net inputs and
    f'(net) = (s/m)(m² − (y − k)²), which for σ is y(1 − y) and for tanh 1 − y².
    """

    def __init__(self, cfg: LSTMConfig, lay: dict[str, slice], H: int, dtype):
        self.nb = H // cfg.block_size
        sig = _TANH_FORM["logistic"]
        forms = {"i": sig, "f": sig, "o": sig, "z": _TANH_FORM.get(cfg.input_activation)}
        G = max(sl.stop for sl in lay.values())
        self.scale = np.ones(G, dtype=dtype)
        for p, sl in lay.items():
            if forms[p] is not None:
                self.scale[sl] = forms[p][0]
        self.scaled = bool(np.any(self.scale != 1))
        late = ["o"] if (cfg.peepholes and "o" in lay) else []
        early = [p for p in ("i", "f", "z", "o") if p in lay and p not in late]
        self.early = self._plan(early, lay, forms, dtype)
        self.late = self._plan(late, lay, forms, dtype)
        self.h_form = _TANH_FORM.get(cfg.output_activation)
        self.h_identity = self.h_form is None

    @staticmethod
    def _runs(parts, lay, key):
        """Merge contiguous parts with equal ``key(part)`` (None = skip) → [(slice, key)]."""
        runs = []
        for p in parts:
            k = key(p)
            if k is None:
                continue
            sl = lay[p]
            if runs and runs[-1][0].stop == sl.start and runs[-1][1] == k:
                runs[-1] = (slice(runs[-1][0].start, sl.stop), k)
            else:
                runs.append((sl, k))
        return runs

    def _plan(self, parts, lay, forms, dtype):
        """(tanh runs, affine runs, derivative runs) for these parts.

        A contiguous run of parts with different forms (e.g. all of i, f, z, o) is handled as
        one slice with per-row vectors m, k, s/m: a few passes over whole contiguous rows are
        cheaper than more passes over strided (B, part) slices.
        """
        tanh_runs = [sl for sl, _ in self._runs(parts, lay, lambda p: forms[p] is not None or None)]
        affine, deriv = [], []
        for sl in tanh_runs:
            inside = [p for p in parts if forms[p] is not None and sl.start <= lay[p].start < sl.stop]
            if len({forms[p] for p in inside}) == 1:
                s, m, k = forms[inside[0]]
                if (m, k) != (1.0, 0.0):
                    affine.append((sl, (m, k)))
                deriv.append((sl, (s, m, k)))
            else:
                vec = np.empty((3, sl.stop - sl.start), dtype=dtype)
                for p in inside:
                    vec[:, lay[p].start - sl.start:lay[p].stop - sl.start] = \
                        np.asarray(forms[p], dtype=dtype)[:, None]
                s, m, k = vec
                affine.append((sl, (m, k)))
                deriv.append((sl, ("rows", s / m, m * m, k)))
        return tanh_runs, affine, deriv

    @staticmethod
    def _squash(a, plan):
        tanh_runs, affine, _ = plan
        for sl in tanh_runs:
            v = a[:, sl]
            np.tanh(v, out=v)
        for sl, (m, k) in affine:
            v = a[:, sl]
            v *= m
            v += k

    @staticmethod
    def _deriv(a, da, work, plan):
        """da[:, run] *= f'(net), computed from the activations a."""
        for sl, form in plan[2]:
            y, w, d = a[:, sl], work[:, sl], da[:, sl]
            if form[0] == "rows":                        # per-row vectors: (s/m)(m² − (y − k)²)
                _, s_over_m, m2, k = form
                np.subtract(y, k, out=w)
                w *= w
                np.subtract(m2, w, out=w)
                w *= s_over_m
            elif form == (0.5, 0.5, 0.5):                # σ' = y(1 − y)
                np.subtract(1.0, y, out=w)
                w *= y
            else:
                s, m, k = form
                if k == 0:
                    np.multiply(y, y, out=w)
                else:
                    np.subtract(y, k, out=w)
                    w *= w
                np.subtract(m * m, w, out=w)
                if s != m:
                    w *= s / m
            d *= w

    def scaled_params(self, params: LSTMParams, cfg: LSTMConfig, lay: dict):
        """[W | b]^T (I+1, G), R^T (H, G), the peephole rows and Q, every net-input row multiplied
        by its s. The transposes are made contiguous: a matmul with a contiguous right-hand
        side is about 25 % faster in float32 than one with a transposed view."""
        s = self.scale
        I, H, G = params.n_in, params.n_cells, s.shape[0]
        WbT = np.empty((I + 1, G), dtype=params.W.dtype)
        np.multiply(params.W.T, s, out=WbT[:I])
        np.multiply(params.b, s, out=WbT[I])
        RT = np.empty((H, G), dtype=params.R.dtype)
        np.multiply(params.R.T, s, out=RT)
        if not self.scaled:
            peep = dict(zip(cfg.peephole_gates, params.P)) if cfg.peepholes else {}
            return WbT, RT, peep, params.Q
        peep = {}
        if cfg.peepholes:
            for name, p in zip(cfg.peephole_gates, params.P):
                peep[name] = p * s[lay[name].start]
        Q = None
        if cfg.gate_recurrence and params.Q is not None:
            Q = params.Q * _gate_rows(s, cfg, lay)[:, None]
        return WbT, RT, peep, Q

    def squash_early(self, a):
        self._squash(a, self.early)

    def squash_late(self, a):
        self._squash(a, self.late)

    def deriv_early(self, a, da, work):
        self._deriv(a, da, work, self.early)

    def deriv_late(self, a, da, work):
        self._deriv(a, da, work, self.late)

    def h(self, c, out):
        """out = h(c); for identity ``out`` is ``c`` itself (the cache shares the array)."""
        if self.h_form is None:
            return
        s, m, k = self.h_form
        if s == 1:
            np.tanh(c, out=out)
        else:
            np.multiply(c, s, out=out)
            np.tanh(out, out=out)
        if m != 1:
            out *= m
        if k != 0:
            out += k

    def h_deriv(self, hc, out):
        """out = h'(s_c) from hc = h(s_c)."""
        if self.h_form is None:
            out.fill(1.0)
            return
        s, m, k = self.h_form
        if k == 0:
            np.multiply(hc, hc, out=out)
        else:
            np.subtract(hc, k, out=out)
            out *= out
        np.subtract(m * m, out, out=out)
        if s != m:
            out *= s / m


# ---------------------------------------------------------------- small helpers


def _to_cells(g: np.ndarray, S: int, axis: int = 1) -> np.ndarray:
    """Per-block values (…, n_blocks) → per-cell values (…, H): each block's value S times."""
    return g if S == 1 else np.repeat(g, S, axis=axis)


def _block_sum(v: np.ndarray, S: int) -> np.ndarray:
    """Per-cell values (…, H) → per-block sums (…, n_blocks)."""
    return v if S == 1 else v.reshape(v.shape[:-1] + (-1, S)).sum(axis=-1)


def _mul_block_sum(u: np.ndarray, v: np.ndarray, S: int, out: np.ndarray, tmp: np.ndarray) -> None:
    """out = per-block sums of u ⊙ v, (B, H) → (B, n_blocks), without temporaries."""
    if S == 1:
        np.multiply(u, v, out=out)
    else:
        np.multiply(u, v, out=tmp)
        tmp.reshape(tmp.shape[:-1] + (-1, S)).sum(axis=-1, out=out)


def _gate_rows(a: np.ndarray, cfg: LSTMConfig, lay: dict) -> np.ndarray:
    """The rows of the gates with own weights, [i; f; o], from a fused (…, G) array."""
    return np.concatenate([a[..., lay[g]] for g in cfg.gates], axis=-1)


def _add_gate_rows(a: np.ndarray, v: np.ndarray, cfg: LSTMConfig, lay: dict, only=None) -> None:
    """a[gate rows] += v, where v holds the gates [i; f; o] side by side (FGR)."""
    k = 0
    for g in cfg.gates:
        n = lay[g].stop - lay[g].start
        if only is None or g in only:
            a[..., lay[g]] += v[..., k:k + n]
        k += n


def _as_config(config) -> LSTMConfig:
    if config is None:
        return LSTMConfig()
    if isinstance(config, str):
        if config not in PRESETS:
            raise ValueError(f"config: expected an LSTMConfig, None or a preset name (one of "
                             f"{list(PRESETS)}), got {config!r}")
        return LSTMConfig.preset(config)
    if isinstance(config, LSTMConfig):
        return config
    raise TypeError(f"config: expected an LSTMConfig, a preset name or None, got {type(config).__name__}")


def _check_params(params) -> tuple[LSTMConfig, dict[str, slice]]:
    """Validate an :class:`LSTMParams`; return its config and row layout."""
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params: expected LSTMParams, got {type(params).__name__}")
    cfg = params.config
    if not isinstance(cfg, LSTMConfig):
        raise TypeError(f"params.config: expected an LSTMConfig, got {type(cfg).__name__}")
    R = _checks.float_array("params.R", params.R, ndim=2)
    dtype = R.dtype
    H = R.shape[1]
    if H == 0:
        raise ValueError(f"params.R: expected shape (G, H) with H >= 1, got {R.shape}")
    if H % cfg.block_size:
        raise ValueError(f"params.R: expected H = R.shape[1] to be a multiple of block_size="
                         f"{cfg.block_size}, got {H}")
    G = cfg.n_rows(H)
    _checks.float_array("params.R", R, shape=(G, H))
    W = _checks.float_array("params.W", params.W, ndim=2, shape=(G, None), dtype=dtype)
    if W.shape[1] == 0:
        raise ValueError(f"params.W: expected shape ({G}, I) with I >= 1, got {W.shape}")
    _checks.float_array("params.b", params.b, ndim=1, shape=(G,), dtype=dtype)
    n_peep = len(cfg.peephole_gates)
    if n_peep and params.P is None:
        raise ValueError(f"params.P: expected peephole weights of shape ({n_peep}, {H}) "
                         f"(this configuration has peepholes), got None")
    if n_peep:
        _checks.float_array("params.P", params.P, ndim=2, shape=(n_peep, H), dtype=dtype)
    elif params.P is not None:
        raise ValueError("params.P: expected None (this configuration has no peepholes), got an array")
    n_g = len(cfg.gates) * (H // cfg.block_size)
    if cfg.gate_recurrence and n_g:
        _checks.float_array("params.Q", params.Q, ndim=2, shape=(n_g, n_g), dtype=dtype)
    elif params.Q is not None:
        raise ValueError("params.Q: expected None (only full gate recurrence, FGR, has Q), got an array")
    return cfg, cfg.layout(H)


def _check_state(name, state, params, B, allow_none=True) -> LSTMState:
    """Validate an initial state / state gradient; ``None`` → zeros."""
    dtype, H = params.W.dtype, params.n_cells
    cfg = params.config
    n_g = len(cfg.gates) * (H // cfg.block_size) if cfg.gate_recurrence else 0
    if state is None and allow_none:
        return LSTMState(y=np.zeros((B, H), dtype), c=np.zeros((B, H), dtype),
                         gates=np.zeros((B, n_g), dtype) if cfg.gate_recurrence else None)
    if not isinstance(state, LSTMState):
        raise TypeError(f"{name}: expected an LSTMState(y, c), got {type(state).__name__}")
    y = _checks.float_array(f"{name}.y", state.y, ndim=2, shape=(B, H), dtype=dtype)
    c = _checks.float_array(f"{name}.c", state.c, ndim=2, shape=(B, H), dtype=dtype)
    gates = None
    if cfg.gate_recurrence:
        gates = np.zeros((B, n_g), dtype) if state.gates is None else \
            _checks.float_array(f"{name}.gates", state.gates, ndim=2, shape=(B, n_g), dtype=dtype)
    return LSTMState(y=y, c=c, gates=gates)


_as_rng = _checks.rng
_float_dtype = V.float_dtype

