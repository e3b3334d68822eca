"""Why some 6b nets lose the temporal order they had learned (Chapter 16).

    .venv/bin/python experiments/diag_hs97_6b.py            # the battery's 4 failed trials, ~14 CPU-min
    .venv/bin/python experiments/diag_hs97_6b.py --solved   # its 6 solved trials, ~7 CPU-min
    .venv/bin/python experiments/diag_hs97_6b.py --row hs97-6b-b1   # the paper's rule, ~40 CPU-min
    .venv/bin/python experiments/diag_hs97_6b.py --quick    # smoke run, nothing stored

The battery's ``hs97-6b`` trials that failed are re-run here exactly: the same seeds, initial
weights, training sequences and order as ``lstm_core.hs97.run_trials`` (nothing mixes across the
trial axis, so the other trials need not run beside them), eight sequences per update as the row;
``--row hs97-6b-b1`` does the same for the control that updates after every sequence, the paper's
rule.
They ran to the budget, so at the budget the count of wrong test sequences and the whole learning
curve (the mean training error of every 1000 sequences) must equal the battery's records: the
re-run is the battery's run, and a test checks it.

Every ``EVERY`` sequences the frozen nets are tested on each trial's battery test set (2560
sequences, ``default_rng([seed, 2])``), and recorded per trial:

* ``wrong``, ``mse``: the frozen test as the battery scores it (every output within 0.3 at the
  trigger, the last step);
* ``y_sum``: the mean over the test sequences of Σ_k y^k at the trigger (1 for outputs that are
  class probabilities; near 0 when every output unit is switched off);
* ``abs_s``: the mean |s_c| at the trigger of the most strongly charged cell, and ``sat``: the
  fraction of (sequence, cell) pairs with h'(s_c) < 0.05 there (|s_c| > 3.6: the cell passes on
  less than a tenth of h's slope at 0, to the outputs' error and to the class);
* ``drift``: the mean |s_c(t) − s_c(t−1)| over the distractor steps (a, b, c, d: every step but
  the first, the trigger and the three X/Y), largest over the cells: how far the cells move on
  the steps that carry nothing;
* ``w_max``: the largest |w| of each weight group, and ``igb``, ``ogb``: the gates' bias weights.

Between checkpoints, per trial: ``E``, the mean training error, and ``step_max``, the largest
change of a single weight by one update.

Writes ``results/hs97_diag/exp6b.json`` (``exp6b_b1.json`` for ``--row hs97-6b-b1``), with the
code fingerprint, which Chapter 16 reads.

``--solved`` re-runs the solved trials instead, each measured also at the very update after which
it met the stop criterion (its frozen test there must be the battery's), and writes
``results/hs97_diag/exp6b_solved.json``: how the nets that succeeded looked when they stopped.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp6b.json"
OUT_SOLVED = OUT.with_name("exp6b_solved.json")
EXP = "hs97-6b"
ROWS = {EXP: OUT, "hs97-6b-b1": OUT.with_name("exp6b_b1.json")}   # row: where its re-run goes
EVERY = 10_000
SAT = 0.05                 # h'(s) below this: saturated


def failed_seeds(row: str = EXP) -> list[int]:
    """The seeds of the failed trials of ``row`` that ``summary.json`` counts, in seed order."""
    return sorted(r["seed"] for r in run_hs97.current_trials(row) if not r["success"])


def solved_stops(row: str = EXP) -> dict[int, int]:
    """``{seed: sequences}`` of the solved trials of ``row``: where each met the stop criterion."""
    return {r["seed"]: r["sequences"] for r in sorted(run_hs97.current_trials(row),
                                                      key=lambda r: r["seed"]) if r["success"]}


def distractor_steps(lengths, positions, T: int) -> np.ndarray:
    """(T, B) bool: the steps of each sequence (``lengths`` (B,), X/Y at ``positions``
    (n_relevant, B)) that hold a distractor a, b, c or d."""
    steps = np.arange(T)[:, None]
    keep = (steps >= 1) & (steps < lengths[None, :] - 1)
    keep[positions, np.arange(len(lengths))[None, :]] = False
    return keep


def state_view(nets: tr.TrialNets, tests, setup, chunk: int = 512) -> dict:
    """Per trial k and test sequence: outputs y at the trigger (K, n, O), states s there
    (K, n, C), and the mean |Δs| over the distractor steps (K, n, C)."""
    n = tests[0].B
    parts = []
    for i in range(0, n, chunk):
        pieces = [hs97._slice(b, i, min(n, i + chunk)) for b in tests]
        x, _, _, _ = hs97._stack(pieces, setup)
        cache = tr.forward(nets, x, keep_states=True)
        y_end, s_end, ds = [], [], []
        for k, b in enumerate(tests):
            lo, hi = i, min(n, i + chunk)
            L, col = b.lengths[lo:hi], np.arange(hi - lo)
            y_end.append(cache.y[L - 1, k, col])
            s_end.append(cache.s[L - 1, k, col])
            s = cache.s[:, k]                                     # (T, n, C)
            d = np.abs(np.diff(s, axis=0, prepend=0.0))
            keep = distractor_steps(L, b.info["positions"][:, lo:hi], s.shape[0])
            ds.append((d * keep[..., None]).sum(axis=0) / keep.sum(axis=0)[:, None])
        parts.append(dict(y=np.array(y_end), s=np.array(s_end), ds=np.array(ds)))
    return {key: np.concatenate([p[key] for p in parts], axis=1) for key in parts[0]}


def checkpoint(seen: int, nets, tests, setup, E_sum, E_n, step_max) -> dict:
    wrong, mse, _ = hs97._evaluate(setup, nets, tests)
    v = state_view(nets, tests, setup)
    _, h_d = tr.squash(setup.spec.h, v["s"])
    M = nets.W_in.shape[2]
    rows = []
    for k in range(nets.K):
        rows.append(dict(
            wrong=int(wrong[k]), mse=round(float(mse[k]), 5),
            y_sum=round(float(v["y"][k].sum(axis=1).mean()), 4),
            abs_s=round(float(np.abs(v["s"][k]).mean(axis=0).max()), 4),
            sat=round(float((h_d[k] < SAT).mean()), 4),
            drift=round(float(v["ds"][k].mean(axis=0).max()), 5),
            w_max={n: round(float(np.abs(W[k]).max()), 3) for n, W in nets.arrays().items()},
            igb=[round(float(b), 3) for b in nets.W_in[k][:, M - 1]],
            ogb=[round(float(b), 3) for b in nets.W_out[k][:, M - 1]],
            E=round(float(E_sum[k] / max(E_n, 1)), 5), step_max=round(float(step_max[k]), 5)))
    return dict(sequences=int(seen), trials=rows)


def run(row: str, seeds, budget: int, every: int, n_test: int, extra=()) -> dict:
    """The battery's trials of ``row`` for ``seeds``, exactly as ``hs97.run_trials`` trains
    them, all to ``budget``; checkpoints every ``every`` sequences and after the sequences
    counted in ``extra``."""
    setup = run_hs97.EXPERIMENTS_BY_ID[row]["setup"]
    spec, B = setup.spec, setup.batch_size
    assert not setup.sequential and setup.stop == "window" and spec.output_gate and spec.bias_gates
    assert every % B == 0 and budget % B == 0 and all(n % B == 0 for n in extra)
    K = len(seeds)
    rngs = [np.random.default_rng(s) for s in seeds]
    nets = tr.init_nets(spec, rngs, scale=setup.scale, input_gate_bias=setup.input_gate_bias,
                        output_gate_bias=setup.output_gate_bias, on=True)
    streams = [hs97._Stream(setup, r, None) for r in rngs]
    tests = [setup.sample(np.random.default_rng([s, 2]), n_test, hot=True) for s in seeds]
    curves = [[] for _ in seeds]
    acc = np.zeros((K, 2))
    E_sum, E_n, step_max = np.zeros(K), 0, np.zeros(K)
    checkpoints = [checkpoint(0, nets, tests, setup, E_sum, 0, step_max)]
    t0 = time.process_time()
    for seen in range(B, budget + 1, B):
        batches = [s.next() for s in streams]
        x, t, m, sel = hs97._stack(batches, setup)
        cache = tr.forward(nets, x, t, m)
        rate = setup.lr / B
        step = np.max([np.abs(rate * g).reshape(K, -1).max(axis=1) for g in cache.grads.values()],
                      axis=0)
        step_max = np.maximum(step_max, step)
        tr.sgd_update(nets, cache.grads, setup.lr, batch_size=B)
        _, EE, _, _ = hs97._judge(setup, cache.y, t, m, sel, batches)
        for k in range(K):
            for e in EE[k]:                    # the battery's curve: mean E of each 1000 sequences
                acc[k] += (float(e), 1)
                if acc[k, 1] == 1000:
                    curves[k].append(round(acc[k, 0] / 1000, 6))
                    acc[k] = 0
            E_sum[k] += float(np.sum(EE[k]))
        E_n += B
        if seen % every == 0 or seen in extra or seen == budget:
            checkpoints.append(checkpoint(seen, nets, tests, setup, E_sum, E_n, step_max))
            E_sum, E_n, step_max = np.zeros(K), 0, np.zeros(K)
            print(f"[{time.strftime('%H:%M:%S')}] {seen:,d} sequences: test wrong "
                  f"{[r['wrong'] for r in checkpoints[-1]['trials']]}", flush=True)
    return dict(experiment=row, seeds=list(seeds), budget=budget, every=every, n_test=n_test,
                sat=SAT, checkpoints=checkpoints, curves=curves,
                cpu_seconds=round(time.process_time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 80 sequences, nothing stored")
    ap.add_argument("--solved", action="store_true",
                    help=f"the solved trials of {EXP} instead, each up to where it met the stop "
                         "criterion")
    ap.add_argument("--row", choices=sorted(ROWS), default=EXP, help="whose failed trials")
    a = ap.parse_args(argv)
    if a.solved and a.row != EXP:
        ap.error(f"--solved: only for {EXP}")
    exp = run_hs97.EXPERIMENTS_BY_ID[a.row]
    if a.solved:
        stops = solved_stops()
        seeds, budget, extra, out = list(stops), max(stops.values()), set(stops.values()), OUT_SOLVED
    else:
        seeds, budget, extra, out = failed_seeds(a.row), exp["setup"].max_sequences, set(), ROWS[a.row]
    if a.quick:
        return run(a.row, seeds[:2], 80, 40, 64, {k for k in extra if k <= 80})
    doc = run(a.row, seeds, budget, EVERY, exp["setup"].n_test, extra)
    if a.solved:
        doc["stops"] = [stops[s] for s in seeds]
    doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES
                                                + ["experiments/diag_hs97_6b.py"])
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
