"""The battery's rows with connectivity "F", without the gate sources (Chapter 16).

    .venv/bin/python experiments/diag_hs97_gate_sources.py              # 6 rows, ~65 CPU-min
    .venv/bin/python experiments/diag_hs97_gate_sources.py --only hs97-2c-q100
    .venv/bin/python experiments/diag_hs97_gate_sources.py --quick      # smoke run, nothing stored

In the paper's connectivity "F" (its table 10: experiments 1, 2c, 3, 4, 5, 6) "memory cells and
gate units receive connections from input units, memory cells and gate units": every cell and
gate sees the previous activations of all input and output gates, numbers in (0, 1) that start
near 0.5 on every step. The paper's weight counts include these connections (2c at q = 100:
664 weights; without them 640). ``diag_hs97_1_wiring.py`` finds that in experiment 1 they
decide much of the gap to the paper. This control runs the other rows with connectivity "F" and
a bar that the battery misses (2c at q = 100 and 1000, 4 at T = 100 and 500, 6b) and 6a, which
meets its bar, with one change: the gate-activation columns of ``W_c``, ``W_in``, ``W_out`` are
masked (:class:`diag_hs97_1_wiring.NoGateSources`). Seeds, every other initial weight, data,
order, rule, criterion and budget are the battery row's (through
:func:`lstm_core.hs97.run_trials`), so each part stands beside its battery row (``battery``).

This is a control that tests what decides a row, not a reproduction: the paper's nets have
these connections.

Writes ``results/hs97_diag/gate_sources.json`` (with the code fingerprint). Two processes may
share the file (``--only``).
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import diag_hs97_1_wiring as wiring  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "gate_sources.json"
ROWS = ["hs97-2c-q100", "hs97-4-T100", "hs97-6a", "hs97-6b", "hs97-4-T500", "hs97-2c-q1000"]


def nogate_setup(row: str, budget: int | None = None) -> hs97.Setup:
    """The battery's ``row`` without the gate sources, nothing else changed."""
    base = run_hs97.EXPERIMENTS_BY_ID[row]["setup"]
    if not base.spec.recurrent:
        raise ValueError(f"row: {row} has no recurrent sources (connectivity 'B'), nothing to mask")
    spec = wiring.NoGateSources(**{f.name: getattr(base.spec, f.name) for f in fields(base.spec)})
    kw = {} if budget is None else dict(max_sequences=budget)
    return replace(base, id=f"{row}-nogate", spec=spec, **kw)


def run_row(row: str, seeds, budget=None, progress=None) -> dict:
    setup = nogate_setup(row, budget)
    recs = hs97.run_trials(setup, seeds, progress=progress)
    ok = [r.sequences for r in recs if r.success]
    return dict(row=row, seeds=list(seeds), weights=setup.spec.n_weights(),
                battery_weights=run_hs97.EXPERIMENTS_BY_ID[row]["setup"].spec.n_weights(),
                budget=setup.max_sequences, trials=[asdict(r) for r in recs],
                successes=len(ok), median_sequences=float(np.median(ok)) if ok else None,
                test_wrong_median=float(np.median([r.test_wrong for r in recs])),
                battery=run_hs97.stored_row(row))


def main(argv=None):
    quick, names = records.diagnostic_args(argv, __doc__, ROWS, what="rows")
    doc = {"rows": {}}
    for name in names:
        seeds = run_hs97.seeds_of(run_hs97.EXPERIMENTS_BY_ID[name])
        seeds = seeds[:2] if quick else seeds
        log = records.trial_logger(f"{name} ")
        t0 = time.process_time()
        part = run_row(name, seeds, 300 if quick else None, progress=log)
        part["cpu_seconds"] = round(time.process_time() - t0, 1)
        print(f"{name} without gate sources: {part['successes']}/{len(seeds)} "
              f"(battery {part['battery']['successes']}/{part['battery']['trials']})", flush=True)
        if quick:
            doc["rows"][name] = part
            continue
        doc = records.store_part(OUT, "rows", name, part, run_hs97.FINGERPRINT_FILES + [
            "experiments/hs97_online.py", "experiments/diag_hs97_1_table1.py",
            "experiments/diag_hs97_1_wiring.py", "experiments/diag_hs97_gate_sources.py"])
    return doc


if __name__ == "__main__":
    main()
