"""How fast a stack of 2a trials could possibly be: the readout's arithmetic alone (issue 13).

    .venv/bin/python benchmarks/floor_2a.py [--seconds 2] [--repeats 3]

The issue's bar asks K = 16 trials run together to train at least 8 times the sequences per
second of the same trials one by one. For the adding and the Reber nets a trial alone is bound by
per-step interpreter overhead, which a stack pays once for all trials. Experiment 2a's net is
different (``bench_trials.py``, net ``2a-hot``): it has no recurrent connections, so
``lstm_core.trials`` runs it without a time loop, and a trial alone is already mostly arithmetic
on its readout, 101 logistic output units at each of the T = 100 steps.

This script measures, with one BLAS thread, on the net and inputs of ``bench_trials.py``'s
``2a-hot``:

* **serial** and **together (K = 16)**: µs per trial and training sequence, one update being
  ``trials.backward`` + ``trials.sgd_update`` as in ``bench_trials.py``;
* **the floor**: eight elementwise passes over the readout's (T, K, 1, 101) array that any update
  must make, into arrays allocated once — the logistic output y = ½ (1 + tanh(½ net)) (four
  passes), the error t − y (one) and δ = (t − y) y (1 − y) (three). An update also gathers the
  input weights, adds the cell's contribution, forms the gradients and changes 101 × 103 weights
  per trial; none of that is timed here, so the floor is below what any implementation in NumPy
  can reach.

A trial alone costs S µs: a cost per update (NumPy calls, checks) plus its arithmetic. A stack of K
pays the first once and the second K times. Even if the arithmetic were only the floor A and all
the rest a cost per update, the stack could reach at most S / ((S − A) / K + A) times the serial
rate; the script prints that bound beside the bar.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_trials  # noqa: E402

K = 16


def readout_passes(net, t, y, e, d, w) -> None:
    """The eight passes, in place: ``y`` = σ(net) = ½ (1 + tanh(½ net)), ``e`` = t − y,
    ``d`` = δ = (t − y) y (1 − y); ``w`` is scratch. All arrays of one shape."""
    np.multiply(net, 0.5, out=y)
    np.tanh(y, out=y)
    np.add(y, 1.0, out=y)
    np.multiply(y, 0.5, out=y)                              # y = σ(net)
    np.subtract(t, y, out=e)                                # t − y
    np.multiply(e, y, out=d)
    np.subtract(1.0, y, out=w)
    np.multiply(d, w, out=d)                                # δ = (t − y) y (1 − y)


def tanh_pass(net, t, y, e, d, w) -> None:
    """One of the eight passes alone, the only transcendental one: ``y`` = tanh(net)."""
    np.tanh(net, out=y)


def floor_us(K: int, seconds: float, passes=readout_passes) -> float:
    """µs per trial and sequence for ``passes`` (:func:`readout_passes`, or :func:`tanh_pass`) on
    the (T, K, 1, 101) readout of K trials of the 2a net (see the module docstring)."""
    T, O = bench_trials.NETS["2a-hot"]["T"], bench_trials.NETS["2a-hot"]["spec"]["n_out"]
    rng = np.random.default_rng(0)
    net = rng.normal(size=(T, K, 1, O))
    t = np.eye(O)[rng.integers(O, size=(T, K, 1))]
    bufs = [np.empty_like(net) for _ in range(4)]
    passes(net, t, *bufs)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        passes(net, t, *bufs)
        n += 1
    return (time.perf_counter() - t0) / n / K * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    rows = {"serial": [], f"together K={K}": [], f"floor K={K}": [], "of it tanh": []}
    with threadpool_limits(limits=1):
        for _ in range(a.repeats):                          # interleaved, medians reported
            rows["serial"].append(1e6 / bench_trials.measure_ours("2a-hot", 1, a.seconds))
            rows[f"together K={K}"].append(1e6 / bench_trials.measure_ours("2a-hot", K, a.seconds))
            rows[f"floor K={K}"].append(floor_us(K, a.seconds))
            rows["of it tanh"].append(floor_us(K, a.seconds, tanh_pass))
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"2a-hot net, one BLAS thread, {a.repeats} repeats of {a.seconds} s (median; all runs):")
    for k, v in rows.items():
        print(f"  {k:>14}: {med[k]:6.1f} µs per trial and sequence   ({', '.join(f'{x:.1f}' for x in v)})")
    S, A = med["serial"], med[f"floor K={K}"]
    print(f"the bar (8x serial) needs <= {S / 8:.1f} µs per trial and sequence; together reaches "
          f"{S / med[f'together K={K}']:.1f}x serial")
    # a trial alone costs S = overhead per update + arithmetic; a stack pays the overhead once for
    # K trials and the arithmetic K times; with the arithmetic at its floor A and all the rest
    # overhead, the stack reaches at most S / ((S - A) / K + A)
    print(f"upper bound at K = {K} (arithmetic at the floor, all else paid once per update): "
          f"{S / ((S - A) / K + A):.1f}x")


if __name__ == "__main__":
    main()
