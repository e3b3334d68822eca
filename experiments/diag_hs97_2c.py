"""Why experiment 2c at q = p = 100 never holds its success streak (Chapter 16).

    .venv/bin/python experiments/diag_hs97_2c.py            # the battery's 20 trials, ~25 CPU-min
    .venv/bin/python experiments/diag_hs97_2c.py --quick    # smoke run, nothing stored

The battery's ``hs97-2c-q100`` trials are re-run here exactly (the same seeds, initial weights,
training sequences and order as ``lstm_core.hs97.run_trials``; none met the stop criterion, so
all ran to the budget), and every ``EVERY`` sequences the frozen nets are tested on each trial's
battery test set (2560 sequences, ``default_rng([seed, 2])``). At the budget the count of wrong
test sequences must equal the battery's record: the re-run is the battery's run.

Recorded per checkpoint and trial, at the step that shows the trigger e (where the target is):

* ``wrong``, ``mse``: the frozen test, as the battery scores it (both outputs within 0.2);
* ``abs_s``: the mean |s_c| of the more strongly charged of the two cells, and ``sat``: the
  fraction of test sequences on which both cells are saturated, h'(s_c) < 0.05 (|s_c| > 3.6,
  where h = 2σ − 1 passes on less than a tenth of its slope at 0);
* ``sep``: how far apart the two classes put the cell outputs, max over cells of
  |mean y^c | x − mean y^c | y|: 0 when the net has stored nothing about the class;
* ``y_out``: the mean output-gate activation, and ``w_k``: the largest |w_kc|.

The cell outputs y^c are not returned by ``lstm_core.trials.forward``; this net's output units
see only the two cells, without bias (``net_k = Σ_c w_kc y^c``), so y^c = W_kc⁻¹ logit(y) at the
scored step, and y^out = y^c / h(s_c).

Writes ``results/hs97_diag/exp2c.json`` (with the code fingerprint), which Chapter 16 plots.

``--control`` runs the control for the reading this gives (nets that had learned the lag
collapse when their cell states drift into saturation, the paper's "internal state drift"): the
same trials, seeds, stop criterion and budget, with the input gates biased as the paper's section
4 recommends against drift and as its experiment 4 does for its two blocks (table 10), −3 and
−6 (fixed: the row's nets have no bias weights, so the values stay at their initial ones). It uses
``lstm_core.hs97.run_trials`` itself and writes ``results/hs97_diag/exp2c_control.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp2c.json"
OUT_CONTROL = OUT.with_name("exp2c_control.json")
EXP = "hs97-2c-q100"
EVERY = 10_000
SAT = 0.05                 # h'(s) below this: saturated
CONTROL_BIAS = (-3.0, -6.0)


def end_view(nets: tr.TrialNets, tests, setup, chunk: int = 256) -> dict:
    """At each test sequence's scored step: outputs y (K, n, 2), states s and cell outputs y^c
    (K, n, C)."""
    n = tests[0].B
    parts = [_end_view(nets, [hs97._slice(b, i, min(n, i + chunk)) for b in tests], setup)
             for i in range(0, n, chunk)]
    return {key: np.concatenate([p[key] for p in parts], axis=1) for key in parts[0]}


def _end_view(nets: tr.TrialNets, tests, setup) -> dict:
    x, t, m, sel = hs97._stack(tests, setup)
    cache = tr.forward(nets, x, keep_states=True)
    y_all, s_all = cache.y, cache.s                       # (T, K, n, ·)
    C = setup.spec.n_cells
    ys, ss, yc = [], [], []
    for k, b in enumerate(tests):
        end, col = b.lengths - 1, np.arange(b.B)
        y = y_all[end, k, col]                            # (n, 2)
        s = s_all[end, k, col]                            # (n, C)
        logit = np.log(y) - np.log1p(-y)
        W_kc = nets.W_k[k][:, :C]                         # (2, C)
        yc.append(np.linalg.solve(W_kc, logit.T).T)
        ys.append(y)
        ss.append(s)
    return dict(y=np.array(ys), s=np.array(ss), yc=np.array(yc))


def checkpoint(seen: int, nets, tests, setup) -> dict:
    wrong, mse, _ = hs97._evaluate(setup, nets, tests)
    v = end_view(nets, tests, setup)
    h, h_d = tr.squash(setup.spec.h, v["s"])
    rows = []
    for k, b in enumerate(tests):
        cls = b.info["label"]
        yc = v["yc"][k]
        sep = np.abs(yc[cls == 0].mean(axis=0) - yc[cls == 1].mean(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            y_out = np.where(np.abs(h[k]) > 1e-3, yc / h[k], np.nan)
        rows.append(dict(
            wrong=int(wrong[k]), mse=round(float(mse[k]), 5),
            abs_s=round(float(np.abs(v["s"][k]).mean(axis=0).max()), 4),
            sat=round(float((h_d[k] < SAT).all(axis=1).mean()), 4),
            sep=round(float(sep.max()), 4),
            y_out=round(float(np.nanmean(y_out)), 4),
            w_k=round(float(np.abs(nets.W_k[k][:, :setup.spec.n_cells]).max()), 4)))
    return dict(sequences=int(seen), trials=rows)


def run(seeds, budget: int, every: int, n_test: int) -> dict:
    """The battery's trials of ``EXP``, exactly as ``hs97.run_trials`` trains them."""
    setup = run_hs97.EXPERIMENTS_BY_ID[EXP]["setup"]
    spec = setup.spec
    assert setup.batch_size == 1 and not setup.sequential and setup.stop == "streak"
    assert not spec.direct and not spec.bias_out and spec.n_cells == spec.n_out == 2
    rngs = [np.random.default_rng(s) for s in seeds]
    nets = tr.init_nets(spec, rngs, scale=setup.scale, input_gate_bias=setup.input_gate_bias,
                        output_gate_bias=setup.output_gate_bias, on=True)
    streams = [hs97._Stream(setup, r, None) for r in rngs]
    tests = [setup.sample(np.random.default_rng([s, 2]), n_test) for s in seeds]
    checkpoints = [checkpoint(0, nets, tests, setup)]
    t0 = time.process_time()
    for seen in range(1, budget + 1):
        batches = [s.next() for s in streams]
        x, t, m, sel = hs97._stack(batches, setup)
        cache = tr.forward(nets, x, t, m)
        tr.sgd_update(nets, cache.grads, setup.lr, batch_size=1)
        if seen % every == 0:
            checkpoints.append(checkpoint(seen, nets, tests, setup))
            print(f"[{time.strftime('%H:%M:%S')}] {seen:,d} sequences: test wrong "
                  f"{[r['wrong'] for r in checkpoints[-1]['trials']]}", flush=True)
    return dict(experiment=EXP, seeds=list(seeds), budget=budget, every=every, n_test=n_test,
                sat=SAT, checkpoints=checkpoints, cpu_seconds=round(time.process_time() - t0, 1))


def run_control(seeds, budget: int) -> dict:
    """``EXP`` with the input gates biased at −3, −6, trained and judged by ``hs97.run_trials``."""
    base = run_hs97.EXPERIMENTS_BY_ID[EXP]["setup"]
    setup = hs97.Setup(**{**base.__dict__, "id": EXP + "-igb", "input_gate_bias": CONTROL_BIAS,
                          "max_sequences": budget})
    t0 = time.process_time()
    recs = hs97.run_trials(setup, seeds, progress=lambda r: print(
        f"[{time.strftime('%H:%M:%S')}] control seed {r.seed}: success {r.success} after "
        f"{r.sequences:,d}, test wrong {r.test_wrong}/{r.test_n}", flush=True))
    return dict(experiment=EXP, control=f"input-gate biases {CONTROL_BIAS}, fixed",
                setup=setup.as_dict(), trials=[asdict(r) for r in recs],
                successes=int(sum(r.success for r in recs)),
                cpu_seconds=round(time.process_time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 40 sequences, nothing stored")
    ap.add_argument("--control", action="store_true", help="the input-gate-bias control")
    a = ap.parse_args(argv)
    exp = run_hs97.EXPERIMENTS_BY_ID[EXP]
    seeds = run_hs97.seeds_of(exp)[:2] if a.quick else run_hs97.seeds_of(exp)
    files = run_hs97.FINGERPRINT_FILES + ["experiments/diag_hs97_2c.py"]
    if a.control:
        doc = run_control(seeds, 300 if a.quick else exp["setup"].max_sequences)
        if not a.quick:
            doc["fingerprint"] = records.fingerprint_of(files)
            OUT_CONTROL.write_text(json.dumps(doc, indent=1) + "\n")
        return doc
    if a.quick:
        return run(seeds, 40, 20, 64)
    doc = run(seeds, exp["setup"].max_sequences, EVERY, exp["setup"].n_test)
    doc["fingerprint"] = records.fingerprint_of(files)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
