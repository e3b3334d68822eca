"""Experiment 2b: what keeps the paper's net from the end criterion, the every-step targets or
the random middle symbols? (Chapter 16).

    .venv/bin/python experiments/diag_hs97_2b.py             # 5 rows x 18 trials, ~20 CPU-min
    .venv/bin/python experiments/diag_hs97_2b.py --only end
    .venv/bin/python experiments/diag_hs97_2b.py --quick     # smoke run, nothing stored

In task 2b every next symbol is a target ("again, every next sequence element has to be
predicted"), but success is judged at the sequence end only: "the maximal absolute error of all
output units is below 0.25 at sequence end" (section 5.2; table 11: ABS(0.25)). The paper's net
for 2a and 2b has no recurrent weights into its one cell or input gate, so after the first symbol
the cell's state moves the same way in both classes, and chapter 16 shows that a net meeting the
end criterion must then predict x or y with at least 0.75 at some middle step of about a third of
the sequences, where the target of both is 0. The every-step targets work against such a net.

The hypothesis this tests: that conflict is what keeps the battery's 2b nets from the end
criterion. Each row here is a battery row re-run with one change: the error enters at the
sequence end only (the targets and the mask of every other step set to 0; the inputs, the end
targets and every random draw are the row's own). Everything else — net, seeds, initial weights,
training sequences, sequential construction, learning rate, criterion, budget, frozen test and
trainer (:func:`lstm_core.hs97.run_trials`) — is the battery row's. With one target per sequence
the per-step rule makes the same change as this one, so there is no per-step row. This is a
control, not a reproduction: the paper states every-step targets. The frozen test's MSE is then
taken at the sequence end only, not over every step as in the battery's row.

A second hypothesis, for why the nets then still fail: in 2b the 99 random middle symbols each add
a small random amount to the state, and at the start the spread of the state within a class is
several times the gap between the classes (chapter 16 measures both). Rows ``end-shut`` and
``shut`` test it: the same re-runs, with and without the change above, and with the input gate's
weights from the 99 middle symbols set to ``SHUT`` after every weight has been drawn, so that
the gate starts closed to them (σ(−6) ≈ 0.0025) and open as drawn to x and y. Those weights still
learn. This, too, is a control and not a reproduction: the paper draws every weight in ±0.2.
Row ``end-shut`` missed the criterion within the battery's budget of 40,000 sequences while its
error kept falling, so ``end-shut-long`` runs it again to 200,000 (chosen after seeing that, and
reported as such).

Writes ``results/hs97_diag/exp2b.json``: per row its base row, the changes, the trials' records
and the base row as it stands (``run_hs97.stored_row``) beside them.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp2b.json"
TASK = "random_long_lag_end"
LONG_BUDGET = 200_000   # end-shut again, run after its 40,000-sequence row had failed

#: the control's rows: name -> (the battery row it re-runs, error at the end only, gate shut to
#: the middle symbols at the start, budget or None for the row's own)
ROWS = {"end": ("hs97-2b", True, False, None), "paper-g-end": ("hs97-2b-paper-g", True, False, None),
        "end-shut": ("hs97-2b", True, True, None), "shut": ("hs97-2b", False, True, None),
        "end-shut-long": ("hs97-2b", True, True, LONG_BUDGET)}
SHUT = -6.0    # the input gate's initial weights from the middle symbols a_1 … a_(p−1)


def end_only(batch):
    """``batch`` of task 2b with a target at its last step only: ``mask`` set to the scored step
    ``info["score"]`` (p, B, 1) and ``t`` to 0 everywhere else; the inputs and info unchanged."""
    score = batch.info["score"]
    return dataclasses.replace(batch, t=batch.t * score, mask=score.copy())


@contextlib.contextmanager
def end_only_task():
    """Register task 2b with the error at the end only as :data:`TASK` in the battery's sampler
    tables for the duration of the block (both tables are restored after it)."""
    saved = dict(hs97.SAMPLERS), dict(hs97.HOT_SAMPLERS)
    hs97.SAMPLERS[TASK] = lambda rng, B, p: end_only(hs97.random_long_lag(rng, B, p=p))
    hs97.HOT_SAMPLERS[TASK] = lambda rng, B, p: end_only(hs97.random_long_lag(rng, B, p=p, hot=True))
    try:
        yield
    finally:
        for table, old in zip((hs97.SAMPLERS, hs97.HOT_SAMPLERS), saved):
            table.clear()
            table.update(old)


def shut_middle_gate(init_nets, n_middle: int):
    """``init_nets`` with every trial's input-gate weights from the first ``n_middle`` input units
    (the middle symbols) set to :data:`SHUT` after the draw; every other weight as drawn."""
    def init(spec, rngs, **kw):
        nets = init_nets(spec, rngs, **kw)
        nets.W_in[:, :, :n_middle] = SHUT
        return nets
    return init


def run_row(base_id: str, seeds, budget: int | None = None, end: bool = True, shut: bool = False,
            progress=None):
    """The battery row ``base_id`` on ``seeds``, with the error at the sequence end only when
    ``end`` and the input gate shut to the middle symbols at the start when ``shut``."""
    setup = run_hs97.EXPERIMENTS_BY_ID[base_id]["setup"]
    assert setup.task == "random_long_lag" and setup.score == "end", base_id
    change = dict(task=TASK) if end else {}
    if budget is not None:
        change["max_sequences"] = budget
    setup = hs97.Setup(**{**setup.__dict__, **change})
    saved = hs97.tr
    if shut:            # hs97.run_trials draws the nets through its module reference ``tr``
        hs97.tr = types.SimpleNamespace(**{n: getattr(tr, n) for n in dir(tr) if not n.startswith("__")})
        hs97.tr.init_nets = shut_middle_gate(tr.init_nets, setup.task_kwargs["p"] - 1)
    try:
        with end_only_task():
            return hs97.run_trials(setup, seeds, progress=progress)
    finally:
        hs97.tr = saved


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 300 sequences, nothing stored")
    ap.add_argument("--only", nargs="*", default=None, help=f"some rows of {sorted(ROWS)}")
    a = ap.parse_args(argv)
    doc = {"rows": {}}
    for name in a.only or list(ROWS):
        base, end, shut, budget = ROWS[name]
        exp = run_hs97.EXPERIMENTS_BY_ID[base]
        seeds = run_hs97.seeds_of(exp)[:2] if a.quick else run_hs97.seeds_of(exp)
        t0 = time.process_time()
        recs = run_row(base, seeds, budget=300 if a.quick else budget, end=end, shut=shut,
                       progress=lambda r: print(
                           f"[{time.strftime('%H:%M:%S')}] {name} seed {r.seed}: success {r.success} "
                           f"after {r.sequences:,d}, test wrong {r.test_wrong}/{r.test_n}", flush=True))
        row = dict(base=base, end_only=end, shut=SHUT if shut else None, budget=budget, seeds=list(seeds),
                   trials=[dataclasses.asdict(r) for r in recs],
                   successes=int(sum(r.success for r in recs)),
                   median_wrong=float(np.median([r.test_wrong for r in recs])),
                   cpu_seconds=round(time.process_time() - t0, 1),
                   battery=None if a.quick else run_hs97.stored_row(base))
        doc["rows"][name] = row
        print(f"{name}: {row['successes']}/{len(recs)}, frozen test median {row['median_wrong']:.0f} "
              f"wrong (battery row {base}: {row['battery']})", flush=True)
        if a.quick:
            continue
        disk = json.loads(OUT.read_text()) if OUT.exists() else {"rows": {}}   # another run's rows
        disk["rows"][name] = row
        disk["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + [
            "experiments/diag_hs97_2b.py"])
        OUT.write_text(json.dumps(disk, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
