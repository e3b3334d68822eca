"""Why the paper's logistic g fails experiment 2a in our runs: the cell's first outgoing weights
(Chapter 16).

    .venv/bin/python experiments/diag_hs97_2a_init.py               # 8 rows x 18 trials, ~50 CPU-min
    .venv/bin/python experiments/diag_hs97_2a_init.py --only paper-g-frozen-perstep
    .venv/bin/python experiments/diag_hs97_2a_init.py --quick       # smoke run, nothing stored

In experiment 2a the memory cell is added by sequential construction, once the net without it
(inputs straight to the outputs) has stopped improving. Until then the cell takes no part, and
its weights keep the values they were drawn with: uniform in ±0.2, like every weight. With the
paper's logistic g in (0, 1) and h the identity, the cell's state grows by about
y^in g ≈ 0.5 · 0.5 on every step, to about 25 at the end of a sequence of 100 steps, so on the
step the cell is switched on, its outgoing weights w_kc of ±0.2 shift the net input of every one
of the 101 output units by up to ±5 — the predictions learned so far are overwritten — and the
first gradient on w_kc, δ_k s_c, is as large. With our zero-centred g the increments are small
(g ≈ net_c / 2 with |net_c| ≤ 0.2) and of either sign: the state is about 0.15 at the end and the
jolt about 0.03 (chapter 16 measures both on the trials' initial nets).

The hypothesis this tests: that jolt, not the sign of g, is what decides the 2a rows. Each row
here is a battery row re-run with one change: the cell's outgoing weights w_kc start at 0, so
switching the cell on leaves every output as it was, and w_kc grows only as the gradient asks.
Everything else — net, seeds, the other initial weights, training sequences, sequential
construction, learning rate, criterion, budget and frozen test — is the battery row's, and so is
the trainer: :func:`lstm_core.hs97.run_trials` (one change per sequence) or
:func:`hs97_online.run_trials` (a change after every step), with ``init_nets`` wrapped to zero
w_kc after it has drawn every weight (the generator's draws, and so every other weight and all
data, are the row's own). Two rows of experiment 2b (random middle symbols) are run the same way.
The paper does not say how the weights of an added cell are
initialised, so this is a control, not a reproduction; the battery's rows are unchanged.

Writes ``results/hs97_diag/exp2a_init.json``: per row its base row, rule, the trials' records and
the base row's stored successes beside them.
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
import hs97_online  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp2a_init.json"

#: the control's rows: name -> the battery row it re-runs with w_kc = 0 at the start
ROWS = {
    "paper-g-frozen-perstep": "hs97-2a-paper-g-frozen-perstep",
    "paper-g-frozen": "hs97-2a-paper-g-frozen",
    "frozen-perstep": "hs97-2a-frozen-perstep",
    "frozen": "hs97-2a-frozen",
    "paper-g-perstep": "hs97-2a-paper-g-perstep",
    "paper-g": "hs97-2a-paper-g",
    "2b-paper-g-perstep": "hs97-2b-paper-g-perstep",
    "2b-paper-g": "hs97-2b-paper-g",
}


def zero_cell_output_init(init_nets):
    """``init_nets`` with every trial's cell-to-output weights w_kc set to 0 after the draw."""
    def init(spec, rngs, **kw):
        nets = init_nets(spec, rngs, **kw)
        nets.W_k[:, :, :spec.n_cells] = 0.0
        return nets
    return init


def run_row(base_id: str, seeds, budget: int | None = None, zero: bool = True, progress=None):
    """The battery row ``base_id`` on ``seeds``, with w_kc = 0 at the start when ``zero``."""
    exp = run_hs97.EXPERIMENTS_BY_ID[base_id]
    setup = exp["setup"]
    assert setup.sequential and setup.task in ("noise_free_long_lag", "random_long_lag"), base_id
    if budget is not None:
        setup = hs97.Setup(**{**setup.__dict__, "max_sequences": budget})
    per_step = exp.get("rule") == "per-step"
    ns = hs97_online._per_step_trials(setup.lr) if per_step else \
        __import__("types").SimpleNamespace(**{n: getattr(tr, n) for n in dir(tr)
                                               if not n.startswith("__")})
    if zero:
        ns.init_nets = zero_cell_output_init(tr.init_nets)
    saved = hs97.tr
    hs97.tr = ns
    try:
        return hs97.run_trials(setup, seeds, progress=progress)
    finally:
        hs97.tr = saved


def stored(base_id: str) -> dict:
    """The battery's row ``base_id`` as it stands: its trials of the current code (the trials
    ``results/summary.json`` counts), their successes and how many frozen nets were right on
    every test sequence."""
    exp = run_hs97.EXPERIMENTS_BY_ID[base_id]
    fp, sh, seeds = run_hs97.fingerprint(), run_hs97.setup_hash(exp), set(run_hs97.seeds_of(exp))
    recs = [r for r in run_hs97.load_trials(base_id) if r.get("fingerprint") == fp
            and r.get("setup_hash") == sh and r["seed"] in seeds]
    ok = [r["sequences"] for r in recs if r["success"]]
    return dict(trials=len(recs), successes=len(ok),
                median_sequences=float(np.median(ok)) if ok else None,
                perfect=int(sum(r["test_wrong"] == 0 for r in recs)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 300 sequences, nothing stored")
    ap.add_argument("--only", nargs="*", default=None, help=f"some rows of {sorted(ROWS)}")
    a = ap.parse_args(argv)
    names = a.only or list(ROWS)
    doc = {"rows": {}}
    for name in names:
        base = ROWS[name]
        exp = run_hs97.EXPERIMENTS_BY_ID[base]
        seeds = run_hs97.seeds_of(exp)[:2] if a.quick else run_hs97.seeds_of(exp)
        t0 = time.process_time()
        recs = run_row(base, seeds, budget=300 if a.quick else None, progress=lambda r: print(
            f"[{time.strftime('%H:%M:%S')}] {name} seed {r.seed}: success {r.success} after "
            f"{r.sequences:,d}, test wrong {r.test_wrong}/{r.test_n}", flush=True))
        ok = [r for r in recs if r.success]
        row = dict(base=base, rule=exp.get("rule", "per-sequence"), seeds=list(seeds),
                   trials=[asdict(r) for r in recs], successes=len(ok),
                   median_sequences=float(np.median([r.sequences for r in ok])) if ok else None,
                   perfect=int(sum(r.test_wrong == 0 for r in recs)),
                   cpu_seconds=round(time.process_time() - t0, 1),
                   battery=stored(base) if not a.quick else None)
        print(f"{name}: {row['successes']}/{len(recs)} (battery row {base}: "
              f"{row['battery']['successes'] if row['battery'] else '?'}/{len(recs)})", flush=True)
        if a.quick:
            continue
        doc = json.loads(OUT.read_text()) if OUT.exists() else {"rows": {}}   # another process's rows
        doc["rows"][name] = row
        doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + [
            "experiments/hs97_online.py", "experiments/diag_hs97_2a_init.py"])
        OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
