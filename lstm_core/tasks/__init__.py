"""Seeded generators for the book's learning tasks, each with its published success criterion.

Every sequence generator takes an ``rng`` (``np.random.default_rng(seed)`` or an integer seed)
first, a ``dtype`` (float32 or float64) last, and returns a :class:`TaskBatch` of time-major
arrays: inputs ``x`` (T, B, I), targets ``t`` (T, B, K), ``mask`` (T, B, 1) marking the steps
that carry a target, ``lengths`` (B,) and task facts in ``info``. ``batch.correct(y)`` applies
the task's success criterion to network outputs ``y`` of shape (T, B, K) and returns one
boolean per sequence (``.mean()`` = fraction correct, ``.all()`` = solved).

Training with a mask: targets are zero where ``mask`` is 0, so
``E, g = losses.squared_error(y * batch.mask, batch.t)`` is ``½ Σ mask (t − y)²`` and
``dy = g * batch.mask`` its gradient ∂E/∂y; unscored steps contribute nothing.

=======================================  =============================  ==============  =======
generator                                task (source)                  criterion       chapter
=======================================  =============================  ==============  =======
:func:`truth_table`                      AND / OR / XOR                 threshold       2, 3
:func:`reber_batch`, :func:`encode_reber`  (embedded) Reber grammar      legal-next set  16
                                         (H&S 1997 exp. 1)
:func:`continual_reber_stream`           continual embedded Reber       symbols before  9
                                         (Gers et al. 2000)             first error
:func:`noise_free_long_lag`              H&S 1997 exp. 2a               |e| < 0.25      16
:func:`adding_problem`                   H&S 1997 exp. 4                |e| < 0.04      12, 16
:func:`multiplication_problem`           H&S 1997 exp. 5                |e| < 0.04      16
:func:`temporal_order`                   H&S 1997 exp. 6a / 6b          |e| < 0.3       16
:func:`parity`                           running / final parity         threshold 0.5   14
:func:`copy_task`                        delayed recall                 argmax          12, 15
:func:`spike_delay`                      timed spike after a cue        threshold 0.5   10
:func:`spike_interval`                   49 vs 50 step intervals        argmax          10
:func:`future_symbol`                    label(t) = symbol(t + shift)   argmax / frame  13
=======================================  =============================  ==============  =======
"""
from .batch import (TaskBatch, abs_error_correct, argmax_correct, framewise_accuracy,  # noqa: F401
                    threshold_correct)
from .logic import TruthTable, truth_table, truth_table_correct  # noqa: F401
from .longlag import (TEMPORAL_ORDER_SYMBOLS, adding_correct, adding_problem,  # noqa: F401
                      long_lag_correct, multiplication_correct, multiplication_problem,
                      noise_free_long_lag, temporal_order, temporal_order_correct)
from .memory import (copy_correct, copy_task, future_symbol, future_symbol_correct,  # noqa: F401
                     parity, parity_correct)
from .reber import (SYMBOLS as REBER_SYMBOLS, continual_reber_correct,  # noqa: F401
                    continual_reber_solved,
                    continual_reber_stream, continual_reber_symbols_before_error, encode_reber,
                    is_reber, legal_next, reber_batch, reber_correct, reber_string,
                    reber_strings)
from .timing import (spike_delay, spike_interval, spike_interval_correct,  # noqa: F401
                     spike_timing_correct)
