"""lstm_core — every network of *Understanding LSTM* in small, readable NumPy.

The package is the computational half of the book: each chapter explains an idea and
calls the function here that holds it. Modules follow the book's order
(``activations`` → ``losses`` → ``perceptron`` → ``ffnn`` → ``rnn`` → ``lstm`` → ``gru`` →
``bidirectional`` / ``grid``), with ``optim``, ``tasks``, ``gradcheck`` and the exercise
``checks`` beside them. A lower module never imports a higher one, and nothing here imports
matplotlib or ipywidgets (that lives in :mod:`lstm_core.viz`, imported explicitly).

Conventions (used by every module; the Notation chapter prints them)
--------------------------------------------------------------------
Tensor layout
    Sequences are **time-major**: inputs ``x`` have shape ``(T, B, I)`` — T time steps,
    B sequences in the batch, I input units; per-step activations have shape ``(B, n)``.
    Code index ``x[t]`` is the book's ``x(t+1)`` where the book counts time from 1; the book's
    ``y(0)`` (the initial state) is the ``h0`` / ``s0`` argument.
Weights
    Stored as ``(n_to, n_from)``, so ``W[i, j]`` is the book's ``w_ij``, the weight **to**
    unit i **from** unit j. Products are written ``x @ W.T``.
dtype
    float32 or float64. Inputs must match the parameters' dtype; outputs keep it.
    Gradient checks run in float64.
Errors and deltas
    ``e = t − y`` and ``E = ½ Σ e²`` (:mod:`lstm_core.losses`). Backward functions take
    the upstream gradient ``dy = ∂E/∂y`` and return ``∂E/∂θ`` (same names and shapes as the
    parameters), ready for :mod:`lstm_core.optim`, which steps θ ← θ − α ∂E/∂θ.
    The book's delta is ``δ = −∂E/∂net``, so that ``Δw_ij = α δ_i y_j``; traces for the
    widgets store δ with that sign and say so.
LSTM gates
    Fused gate matrices stack the four pre-activations in the order **i, f, z, o**
    (input gate, forget gate, cell input, output gate — PyTorch's order, so weights can be
    compared with ``torch.nn.LSTM``). In the book: ``y^in``, ``y^φ``, ``g(net_c)``, ``y^out``.
Caches and parameters
    Small dataclasses (``...Params``, ``...Grads``, ``...Cache``), never positional tuples.
Bad input
    Wrong shapes, dtypes, NaN/inf and impossible hyperparameters raise ``ValueError`` or
    ``TypeError`` whose message names the argument, what was expected and what came
    (:mod:`lstm_core._validate`).
"""
# Submodules are imported explicitly (``from lstm_core import lstm``), so that what a script
# depends on is exactly what it imports (experiments/ fingerprints those files).
from . import activations, gradcheck  # noqa: F401

__version__ = "0.1.0"
