"""Why experiment 2a (noise-free long lag, p = 100) misses its stop criterion (Chapter 16).

    .venv/bin/python experiments/diag_hs97_2a.py          # 5 trials x 2 update rules, ~8 CPU-min
    .venv/bin/python experiments/diag_hs97_2a.py --quick  # smoke run, nothing stored

The battery's ``hs97-2a`` trials (and their ``-perstep`` twins) are re-run exactly — the same
seeds, weights, sequential construction and training sequences, through
:func:`lstm_core.hs97.run_trials` and :func:`hs97_online.run_trials` — while every training
sequence's outputs, as the stop criterion judges them, are recorded: the largest absolute output
error of the sequence, the step where it occurs and the output unit. The paper's criterion
needs that error below 0.25 for 10,000 successive sequences. Per window of ``WINDOW`` sequences
the script stores the median of the largest error, the fraction of sequences at or above 0.25, and
the fraction of those whose largest error is at the last step (the prediction of the closing x or
y, the task's only long time lag).

Writes ``results/hs97_diag/exp2a.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hs97_online  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp2a.json"
TRIALS, WINDOW = 5, 2000


def run(rule: str, seeds, budget: int) -> dict:
    exp_id = "hs97-2a" if rule == "per-sequence" else "hs97-2a-perstep"
    setup = run_hs97.EXPERIMENTS_BY_ID[exp_id]["setup"]
    setup = hs97.Setup(**{**setup.__dict__, "max_sequences": budget})
    K = len(seeds)
    worst, where = [[] for _ in range(K)], [[] for _ in range(K)]
    judge = hs97._judge

    def recording_judge(setup_, y, t, m, sel, batches=None):
        if y.shape[1] == K and y.shape[2] == 1:          # a training step with every trial alive
            err = (np.abs(t - y) * m)[:, :, 0, :]        # (T, K, O)
            per_step = err.max(axis=2)                   # (T, K)
            for k in range(K):
                T_k = batches[k].T
                worst[k].append(float(per_step[:T_k, k].max()))
                where[k].append(int(per_step[:T_k, k].argmax() == T_k - 1))
        return judge(setup_, y, t, m, sel, batches)

    hs97._judge = recording_judge
    try:
        recs = (hs97.run_trials if rule == "per-sequence" else hs97_online.run_trials)(setup, seeds)
    finally:
        hs97._judge = judge
    trials = []
    for k, rec in enumerate(recs):
        w, at_end = np.array(worst[k]), np.array(where[k])
        windows = []
        for i0 in range(0, len(w) - WINDOW + 1, WINDOW):
            ws, es = w[i0:i0 + WINDOW], at_end[i0:i0 + WINDOW]
            bad = ws >= setup.tol
            windows.append(dict(sequences=i0 + WINDOW, median_max_error=round(float(np.median(ws)), 4),
                                frac_bad=round(float(bad.mean()), 4),
                                frac_bad_at_last_step=round(float(es[bad].mean()), 4) if bad.any() else None))
        trials.append(dict(seed=rec.seed, success=rec.success, sequences=rec.sequences,
                           test_wrong=rec.test_wrong, test_n=rec.test_n,
                           blocks_added_at=rec.blocks_added_at, windows=windows))
    return dict(rule=rule, setup=exp_id, budget=budget, tol=setup.tol, trials=trials)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    exp = run_hs97.EXPERIMENTS_BY_ID["hs97-2a"]
    seeds = run_hs97.seeds_of(exp)[:2 if a.quick else TRIALS]
    budget = 2 * WINDOW if a.quick else exp["setup"].max_sequences
    doc = dict(window=WINDOW, runs=[run(rule, seeds, budget) for rule in ("per-sequence", "per-step")])
    if a.quick:
        return doc
    doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + [
        "experiments/hs97_online.py", "experiments/diag_hs97_2a.py"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
