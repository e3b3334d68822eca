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

Generators, what they reproduce, and their criteria (chapter in brackets):

* :func:`truth_table` — AND / OR / XOR; output on the right side of the threshold [2, 3].
* :func:`reber_batch`, :func:`encode_reber` — (embedded) Reber grammar, H&S 1997 exp. 1;
  the outputs above 0.5 are exactly the legal next symbols, :func:`reber_correct` [16].
* :func:`continual_reber_stream` — continual embedded Reber grammar, Gers et al. 2000;
  symbols predicted before the first error, :func:`continual_reber_symbols_before_error` [9].
* :func:`noise_free_long_lag` — H&S 1997 exp. 2a; final prediction within 0.25 [16].
* :func:`adding_problem` — H&S 1997 exp. 4; absolute error < 0.04 at the end [12, 16].
* :func:`multiplication_problem` — H&S 1997 exp. 5; absolute error < 0.04 at the end [16].
* :func:`temporal_order` — H&S 1997 exp. 6a / 6b; every final output within 0.3 [16].
* :func:`parity` — running or final parity of bits; threshold 0.5 [14].
* :func:`copy_task` — delayed recall; argmax at every recall step [12, 15].
* :func:`spike_delay` — a spike exactly D steps after each cue; threshold 0.5 at every step [10].
* :func:`spike_interval` — tell 49 from 50 step intervals; argmax at the second spike [10].
* :func:`future_symbol` — label(t) = symbol(t + shift); argmax, :func:`framewise_accuracy` [13].
* :func:`next_marker` — label(t) = class of the next marker, a look-ahead that varies per
  frame; :func:`next_marker_delay_bound` the best a delay-D network can do [13].
* :func:`timed_spike_train` — one cue, then a spike every ``period`` steps; exact spike steps [10].
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
from .lookahead import next_marker, next_marker_correct, next_marker_delay_bound  # noqa: F401
from .spike_train import spike_train_correct, timed_spike_train  # noqa: F401
from .timing import (spike_delay, spike_interval, spike_interval_correct,  # noqa: F401
                     spike_timing_correct)
