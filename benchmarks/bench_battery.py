"""Benchmark: the cost of one update of every row of the 1997 battery, at its real stack.

Run from the repository root (a script, not a test):

    .venv/bin/python benchmarks/bench_battery.py [--updates 200] [--only ID ...] [--perstep]
                                                 [--json FILE] [--profile ID]

For each lockstep row of ``experiments/run_hs97.py`` (the serial baselines ``*-rnn``, ``*-xor-*``
are skipped: they do not use ``lstm_core.trials``) it runs :func:`lstm_core.hs97.run_trials` (or
``experiments/hs97_online.run_trials`` for the ``-perstep`` rows) with all of the row's trials,
its batch size and its rule, for the first ``--updates`` updates (``max_sequences`` = updates ×
batch size; the frozen tests every ``eval_every`` sequences included; the final test shrunk to
``n_test`` = 16 sequences), and prints the CPU seconds per update (``time.process_time``, one BLAS
thread). ``--only`` keeps the rows named, ``--perstep`` the ``-perstep`` rows. ``--json`` stores
the figures, so that two checkouts can be compared and the stored battery CPU time projected
(``--compare OLD.json NEW.json``). ``--profile ID`` prints a cProfile of one row instead.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path.cwd()
sys.path.insert(0, str(ROOT / "experiments"))


def _rows():
    import run_hs97 as R
    return [e for e in R.EXPERIMENTS if "kind" not in e]


def time_row(exp, updates: int) -> float:
    import hs97_online
    import run_hs97 as R
    from lstm_core import hs97
    s = exp["setup"]
    setup = hs97.Setup(**{**s.__dict__, "max_sequences": updates * s.batch_size,
                          "n_test": min(s.n_test, 16)})
    run = hs97_online.run_trials if exp.get("rule") == "per-step" else hs97.run_trials
    t0 = time.process_time()
    run(setup, R.seeds_of(exp))
    return (time.process_time() - t0) / updates


def compare(old_file: str, new_file: str) -> None:
    old, new = json.loads(Path(old_file).read_text()), json.loads(Path(new_file).read_text())
    stored = {r["id"]: r["cpu_seconds"] for r in
              json.loads((ROOT / "experiments/results/summary.json").read_text())
              if "cpu_seconds" in r}
    tot_old = tot_new = 0.0
    print("| row | stored CPU min | old s/update | new s/update | old/new | projected CPU min |")
    print("|---|---|---|---|---|---|")
    for rid in old:
        if rid not in new:
            continue
        cpu = stored.get(rid, 0.0) / 60
        proj = cpu * new[rid] / old[rid]
        tot_old += cpu
        tot_new += proj
        print(f"| {rid} | {cpu:.1f} | {old[rid]:.4f} | {new[rid]:.4f} | {old[rid] / new[rid]:.1f}× "
              f"| {proj:.1f} |")
    print(f"| **total** | {tot_old:.0f} ({tot_old / 60:.2f} h) | | | {tot_old / max(tot_new, 1e-9):.1f}× "
          f"| **{tot_new:.0f} ({tot_new / 60:.2f} h)** |")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--perstep", action="store_true", help="the -perstep rows only")
    ap.add_argument("--json")
    ap.add_argument("--profile")
    ap.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"))
    a = ap.parse_args()
    if a.compare:
        compare(*a.compare)
        return
    rows = {e["id"]: e for e in _rows()}
    if a.profile:
        import cProfile
        import pstats
        cProfile.runctx("time_row(rows[a.profile], a.updates)", globals(), locals(), "/tmp/prof.out")
        pstats.Stats("/tmp/prof.out").sort_stats("tottime").print_stats(25)
        return
    out = {}
    ids = a.only or list(rows)
    if a.perstep:
        ids = [r for r in ids if rows[r].get("rule") == "per-step"]
    for rid in ids:
        out[rid] = time_row(rows[rid], a.updates)
        print(f"{rid:34s} {out[rid]:.4f} s/update", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
