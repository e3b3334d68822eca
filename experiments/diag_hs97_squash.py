"""The paper's two readings of the squashers g and h, tested on the battery's rows (Chapter 16).

    .venv/bin/python experiments/diag_hs97_squash.py                   # 10 rows, ~85 CPU-min
    .venv/bin/python experiments/diag_hs97_squash.py --only hs97-4-T100 hs97-1
    .venv/bin/python experiments/diag_hs97_squash.py --quick           # smoke run, nothing stored

Hochreiter & Schmidhuber (1997) state the ranges of the cell input squasher g and the cell output
squasher h twice, and the two statements disagree. The sections of experiments 1, 2c, 3a, 4 and
6 say "h, whose range is [-1,1], and g, whose range is [-2,2]" (2c: "h and g are logistic
sigmoids with output ranges [-1,1] and [-2,2], respectively"); the battery runs that reading,
h = 2σ − 1 and g = 4σ − 2. The caption of table 10, which sums up every experiment's conditions,
defines its codes the other way round: '"h1" is logistic sigmoid in [-2, 2]' and '"g2" in
[-1, 1]', and the table gives every one of these experiments h1 and g2. This script re-runs
battery rows with that reading, h = 4σ − 2 and g = 2σ − 1, and nothing else changed: the same
nets, seeds, initial weights, data, learning rule, criteria, budgets and trainer
(:func:`lstm_core.hs97.run_trials`, or :func:`hs97_online.run_trials` for a ``-perstep`` row).

Writes ``results/hs97_diag/squash.json``: per row the trials' records beside the battery row's
successes. Two processes may share the file (``--only``).
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
import hs97_online  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "squash.json"

#: the battery rows re-run with table 10's squashers (every row with the sections' h and g that
#: has a bar, experiment 3a, and experiment 1 under the per-step rule)
ROWS = ["hs97-1", "hs97-1-perstep", "hs97-2c-q100", "hs97-2c-q1000", "hs97-3a", "hs97-4-T100",
        "hs97-4-T500", "hs97-5-n140", "hs97-6a", "hs97-6b"]
#: table 10's reading: h in (−2, 2), g in (−1, 1)
TABLE10 = dict(g="h1997", h="g1997")


def table10_setup(base_id: str, budget: int | None = None) -> hs97.Setup:
    """The battery row's setup with h and g as table 10's caption defines them."""
    setup = run_hs97.EXPERIMENTS_BY_ID[base_id]["setup"]
    assert (setup.spec.g, setup.spec.h) == ("g1997", "h1997"), base_id     # the sections' reading
    kw = {**setup.__dict__, "id": base_id + "-table10", "spec": replace(setup.spec, **TABLE10)}
    if budget is not None:
        kw["max_sequences"] = budget
    return hs97.Setup(**kw)


def run_row(base_id: str, seeds, budget: int | None = None, progress=None):
    """The battery row ``base_id`` on ``seeds`` with table 10's squashers."""
    exp = run_hs97.EXPERIMENTS_BY_ID[base_id]
    runner = hs97_online.run_trials if exp.get("rule") == "per-step" else hs97.run_trials
    return runner(table10_setup(base_id, budget), seeds, progress=progress)


def stored(base_id: str) -> dict:
    """The battery's row ``base_id`` as it stands (the trials ``results/summary.json`` counts)."""
    exp = run_hs97.EXPERIMENTS_BY_ID[base_id]
    fp, sh, seeds = run_hs97.fingerprint(), run_hs97.setup_hash(exp), set(run_hs97.seeds_of(exp))
    recs = [r for r in run_hs97.load_trials(base_id) if r.get("fingerprint") == fp
            and r.get("setup_hash") == sh and r["seed"] in seeds]
    ok = [r["sequences"] for r in recs if r["success"]]
    return dict(trials=len(recs), successes=len(ok),
                median_sequences=float(np.median(ok)) if ok else None,
                test_wrong_median=float(np.median([r["test_wrong"] for r in recs])) if recs else None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 300 sequences, nothing stored")
    ap.add_argument("--only", nargs="*", default=None, help=f"some rows of {ROWS}")
    a = ap.parse_args(argv)
    names = a.only or ROWS
    for name in names:
        if name not in ROWS:
            sys.exit(f"--only: unknown row {name!r}; known: {ROWS}")
    doc = {"rows": {}}
    for name in names:
        exp = run_hs97.EXPERIMENTS_BY_ID[name]
        seeds = run_hs97.seeds_of(exp)[:2] if a.quick else run_hs97.seeds_of(exp)
        t0 = time.process_time()
        recs = run_row(name, seeds, budget=300 if a.quick else None, progress=lambda r: print(
            f"[{time.strftime('%H:%M:%S')}] {name} seed {r.seed}: success {r.success} after "
            f"{r.sequences:,d}, test wrong {r.test_wrong}/{r.test_n}", flush=True))
        ok = [r for r in recs if r.success]
        row = dict(base=name, rule=exp.get("rule", "per-sequence"), seeds=list(seeds),
                   g=TABLE10["g"], h=TABLE10["h"], trials=[asdict(r) for r in recs],
                   successes=len(ok),
                   median_sequences=float(np.median([r.sequences for r in ok])) if ok else None,
                   test_wrong_median=float(np.median([r.test_wrong for r in recs])),
                   cpu_seconds=round(time.process_time() - t0, 1),
                   battery=stored(name) if not a.quick else None)
        print(f"{name}, table 10's h and g: {row['successes']}/{len(recs)} (the battery: "
              f"{row['battery']['successes'] if row['battery'] else '?'}/{len(recs)})", flush=True)
        if a.quick:
            doc["rows"][name] = row
            continue
        doc = json.loads(OUT.read_text()) if OUT.exists() else {"rows": {}}   # another process's rows
        doc["rows"][name] = row
        doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + [
            "experiments/hs97_online.py", "experiments/diag_hs97_squash.py"])
        OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
