"""Checker for the LSTM-variants exercise (Chapter 15): count the weights of a variant.

Comparing architectures "at equal parameter budget" needs the parameter count of each. The
reader writes ``fn(n_in, n_cells, preset) -> int`` for one LSTM layer of ``n_cells`` cells
(block size 1) in one of Greff et al.'s configurations; the checker compares with the arrays
:meth:`lstm_core.lstm.LSTMParams.init` allocates and names the part that was miscounted.
"""
from __future__ import annotations

from typing import Callable

from .. import lstm
from . import CheckResult

__all__ = ["check_lstm_param_count"]

_CASES = [(3, 4), (1, 1), (5, 2)]   # (n_in, n_cells)


def _parts(I: int, H: int, preset: str) -> dict[str, int]:
    """Sizes of the parameter arrays of one layer: W, R, b, peepholes P, FGR's Q."""
    p = lstm.LSTMParams.init(I, H, preset, rng=0)
    return {"W": p.W.size, "R": p.R.size, "b": p.b.size,
            "P": 0 if p.P is None else p.P.size, "Q": 0 if p.Q is None else p.Q.size}


def check_lstm_param_count(fn: Callable) -> CheckResult:
    """Check ``fn(n_in, n_cells, preset) -> int`` on every preset of Greff et al. (Chapter 15)."""
    name = "check_lstm_param_count"
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    presets = ["vanilla", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR"]
    for preset in presets:
        for I, H in _CASES:
            parts = _parts(I, H, preset)
            expected = sum(parts.values())
            try:
                got = fn(I, H, preset)
            except Exception as err:  # the reader's code may fail in any way; report, don't raise
                return CheckResult(name, False, f"your function raised {type(err).__name__}: {err} "
                                                f"(preset {preset!r})")
            if isinstance(got, bool) or not isinstance(got, (int,)) and not hasattr(got, "__index__"):
                return CheckResult(name, False, f"expected an integer, got {type(got).__name__}")
            got = int(got)
            if got == expected:
                continue
            where = f"(preset {preset!r}, n_in={I}, n_cells={H}: got {got}, expected {expected})"
            missing = expected - got
            gate = H * (I + H + 1) + (H if preset != "NP" else 0)   # one gate's W, R, b rows and peephole
            if missing > 0 and missing == parts["P"]:
                hint = "the peephole weights (a vector of n_cells per gate that has weights) are missing"
            elif missing > 0 and missing == parts["Q"]:
                hint = "FGR's gate-to-gate weights Q (n_g × n_g for the n_g gate units) are missing"
            elif missing == parts["b"]:
                hint = "the biases are missing"
            elif missing == -gate and preset in ("NIG", "NFG", "NOG", "CIFG"):
                hint = "a removed gate has no weights at all (CIFG's forget gate is 1 − i, computed)"
            elif missing < 0 and preset == "NP" and -missing == 3 * H:
                hint = "NP has no peepholes"
            else:
                hint = "the count is wrong"
            return CheckResult(name, False, f"{hint} {where}")
    return CheckResult(name, True, f"the counts match for all {len(presets)} configurations")
