"""Chapter 10's learned timing experiment: one memory cell with and without peepholes.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python experiments/run_ch10_timing.py
    .venv/bin/python experiments/run_ch10_timing.py --quick   # seconds, writes nothing

Task :func:`lstm_core.tasks.spike_train.timed_spike_train`: one cue at a random step in
0 … 10, then an output spike every 10 steps, 3 times, with no further input (T = 41, every
step scored). This is the *generating* kind of task for which Gers, Schraudolph & Schmidhuber
(2002) report that peepholes are needed.

Network as in the paper as far as ``EXPERIMENTS.md`` states it: **one memory cell** with input,
forget and output gate, 1 input, 1 logistic output unit; with peepholes (``"gers2002"``,
17 weights) or without (``"gers2000"``, 14 weights); **output-gate bias positive** (+1.0; the
value is ours), every other weight uniform in ±0.1. Both nets of a seed start from the same
weights; the peephole weights are drawn like the others. Departures: Adam (lr 0.01, clipped to
norm 1) on batches of 16 sequences and full BPTT instead of the paper's tiny learning rate with
momentum and truncated gradient; ``STEPS`` steps.

Success: at least 90 % of 200 test sequences entirely right (output above 0.5 exactly at the
three spike steps). Fixed before the first full run. Per-trial results go to
``results/ch10_timing/<net>-s<seed>.json`` as they finish; then one record per net.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import records  # noqa: E402
from lstm_core.hs97 import wilson_interval  # noqa: E402
from lstm_core.lstm import LSTMConfig, LSTMParams  # noqa: E402
from lstm_core.optim import Adam  # noqa: E402
from lstm_core.readout import NetParams, net_forward, net_loss_and_grads  # noqa: E402
from lstm_core.tasks.spike_train import timed_spike_train  # noqa: E402
from lstm_core.train import train  # noqa: E402

PERIOD, N_SPIKES, MAX_ONSET = 10, 3, 10
SCALE, OUTPUT_GATE_BIAS = 0.1, 1.0
STEPS, BATCH, LR, CLIP = 3000, 16, 0.01, 1.0
N_TEST, CRITERION = 200, 0.9
SEEDS = list(range(10))
NETS = {"peep": "gers2002", "nopeep": "gers2000"}
OUT = HERE / "results" / "ch10_timing"
CODE_FILES = ["experiments/run_ch10_timing.py", "lstm_core/tasks/spike_train.py",
              "lstm_core/lstm.py", "lstm_core/readout.py", "lstm_core/optim.py",
              "lstm_core/train.py", "lstm_core/tasks/batch.py"]


def build(net: str, seed: int) -> NetParams:
    """The seed's network; ``"nopeep"`` is ``"peep"`` with the peephole weights removed."""
    rng = np.random.default_rng([10, seed])
    full = NetParams.init(1, 1, 1, rng, core="gers2002", scale=SCALE)
    full.out.W[:] = rng.uniform(-SCALE, SCALE, full.out.W.shape)
    lay = full.core.config.layout(1)
    full.core.b[lay["o"]] = OUTPUT_GATE_BIAS
    if net == "peep":
        return full
    c = full.core
    core = LSTMParams(W=c.W.copy(), R=c.R.copy(), b=c.b.copy(), P=None,
                      config=LSTMConfig.preset(NETS[net]))
    return NetParams(core=core, out=full.out)


def timing_error(y, batch) -> float:
    """Mean |argmax of y in the window of each target spike (± period/2) − the spike step|."""
    errs = []
    for row in batch.info["spikes"]:
        for b, s in enumerate(row):
            lo = max(0, s - PERIOD // 2)
            win = y[lo:min(batch.T, s + PERIOD // 2), b, 0]
            errs.append(abs(lo + int(np.argmax(win)) - s))
    return float(np.mean(errs))


def trial(net: str, seed: int, steps: int = STEPS) -> dict:
    t0 = time.process_time()
    params = build(net, seed)
    data_rng = np.random.default_rng([11, seed])
    data = lambda n: timed_spike_train(data_rng, BATCH, PERIOD, N_SPIKES, MAX_ONSET)
    hist = train(net_loss_and_grads, params, Adam(lr=LR), steps=steps, data=data, clip_norm=CLIP)
    test = timed_spike_train(np.random.default_rng([1010, seed]), N_TEST, PERIOD, N_SPIKES,
                             MAX_ONSET)
    y, _ = net_forward(params, test.x)
    frac = float(test.correct(y).mean())
    return dict(net=net, seed=seed, steps=steps, fraction_correct=round(frac, 4),
                success=bool(frac >= CRITERION), timing_error=round(timing_error(y, test), 3),
                max_output=round(float(np.nanmax(y)), 3),
                final_loss=round(float(np.mean(hist.losses[-100:])), 5),
                n_weights=int(params.n_weights), diverged=bool(hist.diverged),
                cpu_seconds=round(time.process_time() - t0, 2))


def _run(job):
    net, seed, steps, out = job
    path = out / f"{net}-s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    res = trial(net, seed, steps)
    path.write_text(json.dumps(res) + "\n")
    return res


def summarise(results: list[dict]) -> list[dict]:
    recs = []
    for net in NETS:
        rows = sorted((r for r in results if r["net"] == net), key=lambda r: r["seed"])
        if not rows:
            continue
        k, n = sum(r["success"] for r in rows), len(rows)
        lo, hi = wilson_interval(k, n)
        recs.append(dict(
            id=f"gers02-timing-{net}", chapter=10, trials=n, successes=k, median_sequences=None,
            sequences_per_trial=rows[0]["steps"] * BATCH, wilson95=[round(lo, 3), round(hi, 3)],
            fraction_correct=[r["fraction_correct"] for r in rows],
            timing_error=[r["timing_error"] for r in rows], n_weights=rows[0]["n_weights"],
            criterion=f">= {CRITERION:.0%} of {N_TEST} test sequences with every step right",
            cpu_seconds=round(sum(r["cpu_seconds"] for r in rows), 1),
            published=dict(success_pct=None, sequences=None,
                           source="Gers, Schraudolph & Schmidhuber 2002: peepholes needed to "
                                  "generate timed spikes (GTS), not to measure intervals "
                                  "(EXPERIMENTS.md [Q]; no figure quoted)"),
            departures=["our single-cue spike train (period 10, 3 spikes), not the paper's "
                        "exact GTS protocol", "Adam lr 0.01, batch 16, clipped to norm 1, full "
                        "BPTT, instead of a tiny learning rate with momentum and the truncated "
                        "gradient", f"{rows[0]['steps']} steps of {BATCH} sequences",
                        "output-gate bias +1.0 (the paper: positive), other weights ±0.1"]))
    return recs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, 20 steps, nothing written")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if args.quick:
        res = [trial(net, 0, steps=20) for net in NETS]
        print(json.dumps(summarise(res)[0], indent=1)[:400])
        return res
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [(net, s, STEPS, OUT) for s in SEEDS for net in NETS]
    with Pool(args.jobs) as pool:
        results = list(pool.imap_unordered(_run, jobs))
    for rec in summarise(results):
        print(records.write_record(rec, code_files=CODE_FILES))
    return results


if __name__ == "__main__":
    main()
