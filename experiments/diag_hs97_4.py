"""Why the adding problem at T = 100 (experiment 4) never meets its stop criterion (Chapter 16).

    .venv/bin/python experiments/diag_hs97_4.py            # the battery's 10 trials, ~16 CPU-min
    .venv/bin/python experiments/diag_hs97_4.py --quick    # smoke run, nothing stored

The battery's ``hs97-4-T100`` trials are re-run here exactly (the same seeds, initial weights,
training sequences and order as ``lstm_core.hs97.run_trials``; none of them met the stop
criterion, so all ran to the budget), and every ``EVERY`` sequences the frozen nets are tested on
the battery's own test set of each trial (2560 sequences, ``default_rng([seed, 2])``). At the
budget the count of wrong test sequences must equal the battery's record: the re-run is the
battery's run.

Recorded per checkpoint and trial:

* ``wrong``: test sequences with absolute error ≥ 0.04 at the end (the paper's "incorrectly
  processed"), split into ``wrong_extreme`` — sequences whose target is near the ends of its
  range, |X1 + X2| > ``EXTREME`` (about 1 % of all sequences) — and ``wrong_interior``;
* ``bias_extreme``: the mean signed error y − t on the extreme sequences, negative for targets
  near 1 and positive near 0 when the output is pulled towards the middle;
* ``train_miss_rate``: the fraction of the last ``EVERY`` training sequences processed wrongly,
  and ``p_streak``: (1 − miss rate)^2000, the chance that 2000 successive sequences are all right
  at that rate — what the stop criterion asks for.

Writes ``results/hs97_diag/exp4.json`` (with the code fingerprint), which Chapter 16 plots.

``--control`` runs a control for the reading this gives (the misses are the targets near 0 and 1,
where the logistic output unit must reach a large net input): the same trials, seeds and stop
criterion with the target range narrowed from [0, 1] to [0.1, 0.9], ``t' = 0.1 + 0.8 t``, and the
tolerance narrowed with it, 0.04 · 0.8 = 0.032, so the precision asked of the stored sum is the
same. It uses ``lstm_core.hs97.run_trials`` itself and writes ``results/hs97_diag/exp4_control.json``
(one record per trial, like the battery's).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp4.json"
OUT_CONTROL = OUT.with_name("exp4_control.json")
NARROW = (0.1, 0.8)  # t' = 0.1 + 0.8 t
EXP = "hs97-4-T100"
EVERY = 20_000
EXTREME = 1.8        # |X1 + X2| above this: target below 0.05 or above 0.95
TOL = 0.04


def end_errors(nets: tr.TrialNets, tests, setup) -> np.ndarray:
    """Signed error y − t at each test sequence's end, (K, n)."""
    x, t, m, sel = hs97._stack(tests, setup)
    y = tr.forward(nets, x).y                                  # (T, K, n, 1)
    out = []
    for k, b in enumerate(tests):
        end, col = b.lengths - 1, np.arange(b.B)
        out.append(y[end, k, col, 0] - b.t[end, col, 0])
    return np.array(out)


def _mean(a):
    return round(float(a.mean()), 5) if a.size else None


def checkpoint(seen: int, nets, tests, setup, train_ok) -> dict:
    err = end_errors(nets, tests, setup)
    rows = []
    for k, b in enumerate(tests):
        z = b.info["X1"] + b.info["X2"]
        ext = np.abs(z) > EXTREME
        wrong = np.abs(err[k]) >= TOL
        miss = 1.0 - float(np.mean(train_ok[k])) if train_ok[k] else None
        rows.append(dict(
            wrong=int(wrong.sum()), wrong_extreme=int((wrong & ext).sum()),
            wrong_interior=int((wrong & ~ext).sum()), n_extreme=int(ext.sum()),
            bias_extreme_high=_mean(err[k][ext & (z > 0)]),
            bias_extreme_low=_mean(err[k][ext & (z < 0)]),
            mean_abs_error=round(float(np.abs(err[k]).mean()), 5),
            train_miss_rate=None if miss is None else round(miss, 5),
            p_streak=None if miss is None else float((1.0 - miss) ** 2000)))
    return dict(sequences=int(seen), trials=rows)


def run(seeds, budget: int, every: int, n_test: int) -> dict:
    """The battery's trials of ``EXP``, exactly as ``hs97.run_trials`` trains them."""
    setup = run_hs97.EXPERIMENTS_BY_ID[EXP]["setup"]
    assert setup.batch_size == 1 and not setup.sequential and setup.stop == "window"
    rngs = [np.random.default_rng(s) for s in seeds]
    nets = tr.init_nets(setup.spec, rngs, scale=setup.scale, input_gate_bias=setup.input_gate_bias,
                        output_gate_bias=setup.output_gate_bias, on=True)
    streams = [hs97._Stream(setup, r, None) for r in rngs]
    tests = [setup.sample(np.random.default_rng([s, 2]), n_test) for s in seeds]
    train_ok = [[] for _ in seeds]
    checkpoints = []
    t0 = time.process_time()
    for seen in range(1, budget + 1):
        batches = [s.next() for s in streams]
        x, t, m, sel = hs97._stack(batches, setup)
        cache = tr.forward(nets, x, t, m)
        tr.sgd_update(nets, cache.grads, setup.lr, batch_size=1)
        ok, _, _, _ = hs97._judge(setup, cache.y, t, m, sel, batches)
        for k in range(len(seeds)):
            train_ok[k].append(bool(ok[k][0]))
        if seen % every == 0:
            checkpoints.append(checkpoint(seen, nets, tests, setup, train_ok))
            train_ok = [[] for _ in seeds]
            print(f"[{time.strftime('%H:%M:%S')}] {seen:,d} sequences: test wrong "
                  f"{[r['wrong'] for r in checkpoints[-1]['trials']]}", flush=True)
    return dict(experiment=EXP, seeds=list(seeds), budget=budget, every=every, n_test=n_test,
                extreme=EXTREME, tol=TOL, checkpoints=checkpoints,
                cpu_seconds=round(time.process_time() - t0, 1))


def _adding_narrow(rng, B, T):
    """The adding problem with targets 0.1 + 0.8 (0.5 + (X1 + X2) / 4) in [0.1, 0.9]."""
    b = hs97.SAMPLERS["adding"](rng, B, T=T)
    return replace(b, t=b.mask * (NARROW[0] + NARROW[1] * b.t))


def run_control(seeds, budget: int) -> dict:
    """``EXP`` with the narrowed targets and tolerance, trained and judged by ``hs97.run_trials``."""
    hs97.SAMPLERS["adding_narrow"] = _adding_narrow
    base = run_hs97.EXPERIMENTS_BY_ID[EXP]["setup"]
    setup = hs97.Setup(**{**base.__dict__, "id": EXP + "-narrow", "task": "adding_narrow",
                          "tol": round(base.tol * NARROW[1], 6), "max_sequences": budget})
    t0 = time.process_time()
    recs = hs97.run_trials(setup, seeds, progress=lambda r: print(
        f"[{time.strftime('%H:%M:%S')}] control seed {r.seed}: success {r.success} after "
        f"{r.sequences:,d}, test wrong {r.test_wrong}/{r.test_n}", flush=True))
    return dict(experiment=EXP, control="targets 0.1 + 0.8 t, tolerance 0.04 * 0.8",
                setup=setup.as_dict(), trials=[asdict(r) for r in recs],
                successes=int(sum(r.success for r in recs)),
                cpu_seconds=round(time.process_time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 40 sequences, nothing stored")
    ap.add_argument("--control", action="store_true", help="the narrowed-target control")
    a = ap.parse_args(argv)
    exp = run_hs97.EXPERIMENTS_BY_ID[EXP]
    seeds = run_hs97.seeds_of(exp)[:2] if a.quick else run_hs97.seeds_of(exp)
    if a.control:
        doc = run_control(seeds, 300 if a.quick else exp["setup"].max_sequences)
        if not a.quick:
            doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES
                                                        + ["experiments/diag_hs97_4.py"])
            OUT_CONTROL.write_text(json.dumps(doc, indent=1) + "\n")
        return doc
    if a.quick:
        return run(seeds, 40, 20, 64)
    doc = run(seeds, exp["setup"].max_sequences, EVERY, exp["setup"].n_test)
    doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + ["experiments/diag_hs97_4.py"])
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
