"""Checker for the Chapter 16 exercise: the adding problem's success criterion.

Hochreiter & Schmidhuber (1997, experiment 4) call a sequence *processed correctly* when the
absolute error of the network's output **at the sequence's end** is below 0.04. The sequences
of a batch have different lengths (uniform in [T, T + T/10]), so "the end" of sequence b is
step ``lengths[b] − 1``, not the last row of the padded array. The reader writes
``fn(y, batch) -> bool array (B,)``; :func:`check_adding_criterion` compares it with
:func:`lstm_core.tasks.adding_correct` on outputs built to sit just inside and just outside the
tolerance, with junk in the padding, and names the usual mistakes.
"""
from __future__ import annotations

import numpy as np

from ..tasks import adding_correct, adding_problem
from . import CheckResult

_NAME = "adding criterion"


def _test_outputs(seed: int):
    """A batch with variable lengths and outputs whose end errors straddle 0.04."""
    rng = np.random.default_rng(seed)
    batch = adding_problem(rng, 40, T=20)
    B = batch.x.shape[1]
    end = batch.lengths - 1
    target = batch.t[end, np.arange(B), 0]
    err = rng.choice([-0.05, -0.041, -0.039, -0.02, 0.0, 0.02, 0.039, 0.041, 0.05, 0.3], size=B)
    y = rng.uniform(0.0, 1.0, batch.t.shape)           # junk at every unscored step …
    y[end, np.arange(B), 0] = target + err             # … and the real answer at each end
    return y, batch


def _variants(y, batch) -> dict[str, np.ndarray]:
    """What common wrong versions of the criterion return."""
    B = y.shape[1]
    end = batch.lengths - 1
    err_end = np.abs(y[end, np.arange(B), 0] - batch.t[end, np.arange(B), 0])
    err_last = np.abs(y[-1, :, 0] - batch.t[end, np.arange(B), 0])
    return {
        "last_row": err_last < 0.04,
        "squared": err_end ** 2 < 0.04,
        "signed": (y[end, np.arange(B), 0] - batch.t[end, np.arange(B), 0]) < 0.04,
        "all_steps": np.all(np.abs(y - batch.t)[..., 0] < 0.04, axis=0),
        "percent": err_end < 4.0,
    }


_HINTS = {
    "last_row": "you read y[-1], the last row of the padded array; sequence b ends at step "
                "batch.lengths[b] − 1 (or: where batch.mask is 1)",
    "squared": "the criterion is on the absolute error |y − t|, not the squared error",
    "signed": "take the absolute value: an output far below the target is wrong too",
    "all_steps": "only the end of each sequence is scored (the target is zero elsewhere); "
                 "use batch.mask or batch.lengths",
    "percent": "the tolerance is 0.04 in the output's units (the target lies in [0, 1])",
}


def check_adding_criterion(fn, seed: int = 0) -> CheckResult:
    """Check a reader's ``fn(y, batch) -> bool (B,)`` against the published adding criterion.

    Parameters
    ----------
    fn : callable
        ``fn(y, batch)`` with ``y`` of shape (T, B, 1) and ``batch`` from
        :func:`lstm_core.tasks.adding_problem`; returns one boolean per sequence.
    seed : int
        Seed of the test batches.
    """
    if not callable(fn):
        return CheckResult(_NAME, False, f"expected a function fn(y, batch), got {type(fn).__name__}")
    for k in range(3):
        y, batch = _test_outputs(seed + k)
        expected = adding_correct(y, batch)
        try:
            got = fn(y.copy(), batch)
        except Exception as err:  # the reader's code: report, never raise
            return CheckResult(_NAME, False, f"raised {type(err).__name__}: {err}")
        if got is None:
            return CheckResult(_NAME, False, "returned None (did you forget the return statement?)")
        got = np.asarray(got)
        if got.shape != expected.shape:
            return CheckResult(_NAME, False, f"returned shape {got.shape}; expected one boolean per "
                                             f"sequence, shape {expected.shape}")
        if got.dtype != bool:
            return CheckResult(_NAME, False, f"returned dtype {got.dtype}; expected booleans "
                                             "(e.g. the result of a comparison)")
        if np.array_equal(got, expected):
            continue
        for name, variant in _variants(y, batch).items():
            if np.array_equal(got, variant):
                return CheckResult(_NAME, False, _HINTS[name])
        b = int(np.flatnonzero(got != expected)[0])
        end = int(batch.lengths[b]) - 1
        return CheckResult(_NAME, False,
                           f"sequence {b} (length {end + 1}): output {y[end, b, 0]:.3f} at its end, "
                           f"target {batch.t[end, b, 0]:.3f}; expected {bool(expected[b])}, "
                           f"got {bool(got[b])}")
    return CheckResult(_NAME, True, "agrees with the published criterion |y − t| < 0.04 at each "
                                    "sequence's end, on sequences of different lengths")
