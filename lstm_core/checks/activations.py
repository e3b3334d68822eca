"""Checkers for the Notation chapter's exercises (chapter 1)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import activations as A
from . import CheckResult, compare


def check_deriv_from_output(fn: Callable[[np.ndarray], np.ndarray], name: str) -> CheckResult:
    """Check a reader's ``f'`` written in terms of the output ``y = f(net)``.

    Parameters
    ----------
    fn : callable
        Maps an array ``y`` (any shape) to ``f'(net)`` where ``y = f(net)``.
    name : str
        Which activation: ``"logistic"``, ``"tanh"``, ``"g1997"`` or ``"h1997"``.
    """
    act = A.get(name)
    net = np.random.default_rng(7).normal(scale=2.0, size=(4, 5))
    y = act.f(net)
    try:
        got = fn(y.copy())
    except Exception as err:  # the reader's code raised: report it instead of crashing the page
        return CheckResult(f"{name}' from y", False, f"your function raised {type(err).__name__}: {err}")
    return compare(f"{name}' from y", got, act.deriv(net), rtol=1e-10, what=f"{name}'")
