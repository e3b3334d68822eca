"""Checkers for the book's exercises (see the coursework appendix).

A coding exercise asks the reader to write a function; a checker in this package calls it on
random inputs, compares with the reference in :mod:`lstm_core`, and returns a
:class:`CheckResult` that shows ✓ or ✗ with a message saying what went wrong (wrong shape,
wrong sign, off by a factor, …). Checkers never raise on a wrong answer, so a notebook with
an unfinished exercise still runs top to bottom; call ``result.raise_if_failed()`` in
autograding scripts.

Each concept has its own module (``checks.perceptron``, ``checks.rnn``, …).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one exercise check: ``passed`` and a human-readable ``message``."""

    name: str
    passed: bool
    message: str

    def __repr__(self) -> str:
        mark = "✓" if self.passed else "✗"
        return f"{mark} {self.name}: {self.message}"

    def __bool__(self) -> bool:
        return self.passed

    def raise_if_failed(self) -> "CheckResult":
        """Raise ``AssertionError`` with the message when the check failed (for autograders)."""
        if not self.passed:
            raise AssertionError(repr(self))
        return self


def compare(name: str, got, expected, rtol: float = 1e-6, what: str = "result") -> CheckResult:
    """Compare a reader's array with the reference and explain the first kind of mismatch.

    Checks, in order: that ``got`` is array-like with a float dtype, its shape, NaNs, a flipped
    sign, a constant factor, and finally the values to relative tolerance ``rtol``.
    """
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return CheckResult(name, False, f"expected an array for the {what}, got {type(got).__name__}")
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return CheckResult(name, False, f"{what} has shape {g.shape}, expected {e.shape}")
    if not np.all(np.isfinite(g)):
        return CheckResult(name, False, f"{what} contains NaN or inf")
    scale = max(float(np.max(np.abs(e), initial=0.0)), 1e-12)
    err = float(np.max(np.abs(g - e), initial=0.0)) / scale
    if err <= rtol:
        return CheckResult(name, True, f"matches the reference (relative error below {rtol:.0e})")
    if np.max(np.abs(g + e), initial=0.0) / scale <= rtol:
        return CheckResult(name, False, f"{what} has the wrong sign (check e = t − y and δ = −∂E/∂net)")
    ratio = g.ravel() @ e.ravel() / max(e.ravel() @ e.ravel(), 1e-300)
    if ratio != 0 and np.max(np.abs(g - ratio * e), initial=0.0) / scale <= rtol:
        return CheckResult(name, False, f"{what} is off by a constant factor {ratio:.3g}")
    return CheckResult(name, False, f"{what} differs from the reference (max relative error {err:.1e})")


def call_reader(name: str, fn: Callable, *args):
    """Run the reader's function on deep copies of ``args``.

    Returns ``(result, None)``, or ``(None, failed CheckResult)`` when ``fn`` is not callable,
    raises ``NotImplementedError`` (an untouched stub) or fails in any other way: a checker
    reports the reader's error instead of raising it.
    """
    if not callable(fn):
        return None, CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    try:
        with np.errstate(all="ignore"):  # the reader's overflow should show as a wrong value
            return fn(*(copy.deepcopy(a) for a in args)), None
    except NotImplementedError:
        return None, CheckResult(name, False, "not implemented yet")
    except Exception as err:  # the reader's code may fail in any way; report, don't raise
        return None, CheckResult(name, False, f"your function raised {type(err).__name__}: {err}")


def diagnose(name: str, got, expected, mistakes: dict, what: str, rtol: float = 1e-6) -> CheckResult:
    """Compare with the reference; on a mismatch, say which known mistake ``got`` matches.

    ``mistakes`` maps a hint ("the sign of e is flipped") to the array that mistake produces;
    entries that are ``None`` or of another shape are skipped.
    """
    result = compare(name, got, expected, rtol=rtol, what=what)
    if result.passed or np.shape(got) != np.shape(expected):
        return result
    for hint, wrong in mistakes.items():
        if wrong is not None and np.shape(wrong) == np.shape(got) and compare(name, got, wrong, rtol=rtol).passed:
            return CheckResult(name, False, f"{what} differs from the reference: {hint}")
    return result
