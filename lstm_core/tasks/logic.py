"""The Boolean functions AND, OR and XOR as four-row truth tables (Chapters 2 and 3).

A single perceptron ``o = sgn(w·x + b)`` learns AND and OR, which are linearly separable,
and never XOR, which is not (Minsky & Papert 1969); a 2-2-1 network with backpropagation
learns XOR (Chapter 3). These are not sequences: inputs are ``(4, 2)``, one row per input
pattern, targets ``(4,)``.

Encodings (chosen separately for inputs and targets)
----------------------------------------------------
``"binary"``
    values in {0, 1}; an output counts as 1 when it is > 0.5 (a logistic unit).
``"bipolar"``
    values in {−1, +1}; an output counts as +1 when it is > 0 (the perceptron's sgn, whose
    targets are ±1 in :mod:`lstm_core.perceptron`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import float_array
from .batch import as_float_dtype

_FUNCTIONS = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "xor": np.array([0, 1, 1, 0]),
}
_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
_THRESHOLD = {"binary": 0.5, "bipolar": 0.0}


@dataclass(frozen=True)
class TruthTable:
    """A Boolean function of two inputs as training data.

    Attributes
    ----------
    x : ndarray, shape (4, 2)
        The four input patterns (rows), in the order 00, 01, 10, 11.
    t : ndarray, shape (4,)
        Target of each pattern.
    name : str
        ``"and"``, ``"or"`` or ``"xor"``.
    inputs, targets : str
        Encoding of ``x`` and of ``t``: ``"binary"`` or ``"bipolar"``.
    """

    x: np.ndarray
    t: np.ndarray
    name: str
    inputs: str
    targets: str

    @property
    def threshold(self) -> float:
        """Decision threshold of the target encoding: 0.5 (binary) or 0 (bipolar)."""
        return _THRESHOLD[self.targets]

    def correct(self, o) -> np.ndarray:
        """Shortcut for :func:`truth_table_correct`."""
        return truth_table_correct(o, self)


def truth_table(name: str, inputs: str = "binary", targets: str = "binary",
                dtype=np.float64) -> TruthTable:
    """The truth table of ``"and"``, ``"or"`` or ``"xor"`` (Chapter 2).

    For the perceptron use ``targets="bipolar"`` (t ∈ {−1, +1}, read with sgn); for a
    logistic unit or network the default {0, 1}.

    Parameters
    ----------
    name : {"and", "or", "xor"}
    inputs, targets : {"binary", "bipolar"}
        {0, 1} or {−1, +1} (see the module docstring).
    dtype : float32 or float64

    Returns
    -------
    TruthTable
        ``x`` (4, 2), ``t`` (4,). Criterion :func:`truth_table_correct`.
    """
    if not isinstance(name, str) or name.lower() not in _FUNCTIONS:
        raise ValueError(f"name: expected one of {sorted(_FUNCTIONS)}, got {name!r}")
    for arg, enc in (("inputs", inputs), ("targets", targets)):
        if enc not in _THRESHOLD:
            raise ValueError(f"{arg}: expected 'binary' or 'bipolar', got {enc!r}")
    dt = as_float_dtype(dtype)
    name = name.lower()
    x, t = _INPUTS.astype(dt), _FUNCTIONS[name].astype(dt)
    if inputs == "bipolar":
        x = 2 * x - 1
    if targets == "bipolar":
        t = 2 * t - 1
    return TruthTable(x, t, name, inputs, targets)


def truth_table_correct(o, table: TruthTable) -> np.ndarray:
    """Which of the four patterns the outputs ``o`` (shape (4,)) classify correctly.

    An output is read as "true" when it exceeds the target encoding's threshold (0.5 binary,
    0 bipolar). ``correct.all()`` means the function has been learned.

    Returns
    -------
    ndarray of bool, shape (4,)
    """
    if not isinstance(table, TruthTable):
        raise TypeError(f"table: expected a TruthTable, got {type(table).__name__}")
    o = float_array("o", o, shape=(4,), finite=False)
    with np.errstate(invalid="ignore"):
        ok = (o > table.threshold) == (table.t > table.threshold)
    return ok & np.isfinite(o)
