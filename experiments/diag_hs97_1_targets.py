"""Experiment 1 with the targets read literally: the next symbol, not the set of possible ones
(Chapter 16).

    .venv/bin/python experiments/diag_hs97_1_targets.py            # 30 trials, ~10 CPU-min
    .venv/bin/python experiments/diag_hs97_1_targets.py --quick    # smoke run, nothing stored

The paper states experiment 1's task as "to read strings, one symbol at a time, and to
permanently predict the next symbol (error signals occur at every time step)", and its success
criterion as "the output unit(s) corresponding to the possible next symbol(s) is(are) always the
most active ones". The battery's ``hs97-1`` trains on the second reading: the target at each step
is the multi-hot set of the symbols that may come next. This control trains on the first, the
one-hot code of the symbol that does come next, and changes nothing else: the battery's seeds,
initial weights, training and test string sets, training order, learning rule and stop
criterion (every 100 sequences the frozen net must predict every string of both sets, judged as
the battery judges it against the possible next symbols), through ``lstm_core.hs97.run_trials``
itself. Only the training stream's targets are swapped (:class:`NextSymbolStream`).

Writes ``results/hs97_diag/exp1_targets.json`` (one record per trial, with the code
fingerprint).
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

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp1_targets.json"
EXP = "hs97-1"


def next_symbol_targets(batch):
    """The batch with each step's target the one-hot code of the symbol that comes next.

    Inputs are s(1) … s(L−1) and the battery's target at step t the set of possible successors
    of s(1) … s(t); the symbol that comes next is the input of step t + 1, and after the last
    input it is the closing E, the only possible successor there (so that target is unchanged).
    """
    t = np.zeros_like(batch.t)
    t[:-1] = batch.x[1:]
    last = batch.lengths - 1
    cols = np.arange(batch.B)
    t[last, cols] = batch.t[last, cols]
    return replace(batch, t=t * batch.mask)


class NextSymbolStream(hs97._Stream):
    """The battery's training stream (the same strings in the same order), next-symbol targets."""

    def next(self):
        return next_symbol_targets(super().next())


def run(seeds, budget: int) -> dict:
    base = run_hs97.EXPERIMENTS_BY_ID[EXP]["setup"]
    setup = hs97.Setup(**{**base.__dict__, "id": EXP + "-next-symbol", "max_sequences": budget})
    stream = hs97._Stream
    hs97._Stream = NextSymbolStream
    t0 = time.process_time()
    try:
        recs = hs97.run_trials(setup, seeds, progress=lambda r: print(
            f"[{time.strftime('%H:%M:%S')}] seed {r.seed}: success {r.success} after "
            f"{r.sequences:,d}", flush=True))
    finally:
        hs97._Stream = stream
    return dict(experiment=EXP, control="targets: the next symbol (one-hot), not the possible ones",
                setup=setup.as_dict(), trials=[asdict(r) for r in recs],
                successes=int(sum(r.success for r in recs)),
                cpu_seconds=round(time.process_time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 200 sequences, nothing stored")
    a = ap.parse_args(argv)
    exp = run_hs97.EXPERIMENTS_BY_ID[EXP]
    if a.quick:
        return run(run_hs97.seeds_of(exp)[:2], 200)
    doc = run(run_hs97.seeds_of(exp), exp["setup"].max_sequences)
    doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES
                                                + ["experiments/diag_hs97_1_targets.py"])
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
