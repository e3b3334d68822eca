"""A small, quiet training loop shared by the chapters (Chapter 3 on).

:func:`train` repeats: take a batch, compute ``(E, ∂E/∂θ)``, optionally clip, let the optimiser
step — and records what happened in a :class:`TrainHistory`. It prints nothing unless asked
(``verbose=True``), and then only rounded numbers at fixed steps, so notebook outputs are the
same on every machine (the book's outputs are compared by nbval).

Example (Chapter 3, XOR)::

    params = init_ffnn([2, 2, 1], "logistic", seed=0)
    hist = train(lambda p, batch: ffnn_loss_and_grads(p, X, T), params, SGD(lr=2.0),
                 steps=5000, stop=lambda h: h.losses[-1] < 0.01)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ._validate import positive_float, positive_int
from .optim import _global_norm_unchecked, clip_by_global_norm


@dataclass
class TrainHistory:
    """What :func:`train` did.

    Attributes
    ----------
    losses : ndarray, shape (steps,)
        E of the batch at each step, before that step's update (a list while training runs,
        which is what a ``stop`` criterion sees).
    grad_norms : ndarray, shape (steps,)
        Global gradient norm at each step, before clipping.
    eval_steps : list of int
        Steps after which ``evaluate`` ran (1-based: after 10 updates, ``10``).
    evals : list
        What ``evaluate(params)`` returned at those steps.
    steps : int
        Updates made.
    stopped : bool
        True if the ``stop`` criterion was met (training ended early because of it).
    diverged : bool
        True if the loss or a gradient became NaN/inf; training ended without that update.
    """

    losses: Any = field(default_factory=list)
    grad_norms: Any = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    evals: list = field(default_factory=list)
    steps: int = 0
    stopped: bool = False
    diverged: bool = False

    @property
    def last_loss(self) -> float | None:
        """The most recent loss (None before the first step)."""
        return float(self.losses[-1]) if len(self.losses) else None

    @property
    def last_eval(self):
        """The most recent evaluation result (None if there was none)."""
        return self.evals[-1] if self.evals else None


def _fmt(v) -> str:
    """Deterministic short text for a number or anything else (3 significant digits)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.3g}"
    return str(v)


def train(loss_and_grads: Callable[[Any, Any], tuple[float, Any]], params, optimizer,
          steps: int | None = None, *, epochs: int | None = None, data=None,
          stop: Callable[[TrainHistory], bool] | None = None,
          evaluate: Callable[[Any], Any] | None = None, eval_every: int | None = None,
          clip_norm: float | None = None, verbose: bool = False,
          print_every: int = 100) -> TrainHistory:
    """Train ``params`` in place by repeated optimiser steps; return the :class:`TrainHistory`.

    Parameters
    ----------
    loss_and_grads : callable
        ``loss_and_grads(params, batch) -> (E, grads)``, e.g. a lambda around
        :func:`lstm_core.ffnn.ffnn_loss_and_grads`.
    params : dataclass, dict or list of arrays
        Updated in place.
    optimizer : object with ``step(params, grads)``
        E.g. :class:`lstm_core.optim.SGD` or :class:`lstm_core.optim.Adam`.
    steps : int, optional
        Number of updates. Give ``steps`` or ``epochs``, not both.
    epochs : int, optional
        Passes over ``data`` (which must then be a sequence of batches): ``epochs·len(data)`` steps.
    data : None, sequence, or callable
        Where the batch of each step comes from: ``None`` → ``batch = None`` (the function
        holds its own data); a sequence → ``data[n % len(data)]`` at step n, in order; a
        callable → ``data(n)`` (a fresh random batch per step; seed it for reproducibility).
        Steps n count from 0.
    stop : callable, optional
        ``stop(history) -> bool``, called after every step (after the evaluation, if one ran
        at that step); True ends training with ``history.stopped = True``. Example:
        ``lambda h: h.losses[-1] < 1e-3`` or ``lambda h: h.last_eval == 1.0``.
    evaluate : callable, optional
        ``evaluate(params) -> anything`` (an accuracy, a dict, …), run after every
        ``eval_every`` steps and after the last step.
    eval_every : int, optional
        Evaluation period in steps (default: only after the last step).
    clip_norm : float, optional
        If given, gradients are rescaled to this global norm
        (:func:`lstm_core.optim.clip_by_global_norm`) before each step.
    verbose : bool
        Print progress: a line every ``print_every`` steps and a final line, losses and
        evaluations rounded to 3 significant digits. Quiet by default.
    print_every : int
        Period of the progress lines.

    Returns
    -------
    TrainHistory
    """
    if not callable(loss_and_grads):
        raise TypeError(f"loss_and_grads: expected a callable (params, batch) -> (loss, grads), "
                        f"got {type(loss_and_grads).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer: expected an object with a step(params, grads) method, "
                        f"got {type(optimizer).__name__}")
    if (steps is None) == (epochs is None):
        raise ValueError("steps, epochs: give exactly one of them")
    if data is not None and not callable(data) and not isinstance(data, Sequence):
        raise TypeError(f"data: expected None, a sequence of batches or a callable step -> batch, "
                        f"got {type(data).__name__}")
    if epochs is not None:
        epochs = positive_int("epochs", epochs)
        if not isinstance(data, Sequence) or len(data) == 0:
            raise ValueError("data: epochs need a non-empty sequence of batches")
        steps = epochs * len(data)
    steps = positive_int("steps", steps)
    if eval_every is not None:
        eval_every = positive_int("eval_every", eval_every)
    print_every = positive_int("print_every", print_every)
    if clip_norm is not None:
        clip_norm = positive_float("clip_norm", clip_norm)
    for name, fn in (("stop", stop), ("evaluate", evaluate)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name}: expected a callable, got {type(fn).__name__}")

    hist = TrainHistory()
    width = len(str(steps))
    for n in range(steps):
        if data is None:
            batch = None
        elif callable(data):
            batch = data(n)
        else:
            batch = data[n % len(data)]
        loss, grads = loss_and_grads(params, batch)
        loss = float(loss)
        norm = _global_norm_unchecked(grads, params)   # inf/nan: diverged (below)
        hist.losses.append(loss)
        hist.grad_norms.append(norm)
        if not (np.isfinite(loss) and np.isfinite(norm)):
            hist.diverged = True
            break
        if clip_norm is not None:
            clip_by_global_norm(grads, clip_norm, params)
        optimizer.step(params, grads)
        hist.steps = n + 1
        last = hist.steps == steps
        if evaluate is not None and (last or (eval_every is not None and hist.steps % eval_every == 0)):
            hist.eval_steps.append(hist.steps)
            hist.evals.append(evaluate(params))
        if stop is not None and stop(hist):
            hist.stopped = True
        if verbose and (hist.steps % print_every == 0 or hist.stopped or last):
            line = f"step {hist.steps:>{width}d}  loss {_fmt(loss)}"
            if hist.eval_steps and hist.eval_steps[-1] == hist.steps:
                line += f"  eval {_fmt(hist.evals[-1])}"
            print(line)
        if hist.stopped:
            break

    if evaluate is not None and hist.steps and (not hist.eval_steps or hist.eval_steps[-1] != hist.steps):
        hist.eval_steps.append(hist.steps)  # the final state is always evaluated
        hist.evals.append(evaluate(params))
    if verbose:
        if hist.diverged:
            print(f"diverged at step {hist.steps + 1}: loss {_fmt(hist.losses[-1])}, "
                  f"gradient norm {_fmt(hist.grad_norms[-1])}")
        elif hist.stopped:
            print(f"stopped after {hist.steps} steps: criterion met")
        else:
            print(f"finished {hist.steps} steps")
    hist.losses = np.asarray(hist.losses, dtype=np.float64)
    hist.grad_norms = np.asarray(hist.grad_norms, dtype=np.float64)
    return hist
