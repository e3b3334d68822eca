"""Where a battery row's CPU time goes: forward pass against backward pass, inside the real trainer.

    .venv/bin/python benchmarks/profile_rows.py hs97-4-T500 --sequences 8000
    .venv/bin/python benchmarks/profile_rows.py hs97-4-T500 --sequences 8000 --stacks 2

Runs the trials of the named rows of ``experiments/run_hs97.py`` with the row's own setup, seeds
and trainer (:func:`lstm_core.hs97.run_trials`), but with the budget cut to ``--sequences`` per
trial, so a row takes a minute instead of twenty. Nothing is stored. Every training update's
:func:`lstm_core.trials.forward` call (forward and truncated backward) is timed, then the same
forward pass is run once more without targets and timed too, outside the row's total: the
difference is the backward pass. ``--stacks N`` runs the row's trials as N stacks one after
another instead of one stack of all of them (the same trials; a test of whether smaller stacks,
whose arrays stay in the cache, beat one large one).

Micro-benchmarks of one update in a fresh process can mislead here: how fast the large temporary
arrays are allocated depends on the state glibc's allocator has reached in a long run. This
script measures inside a run. Only rows trained per sequence by ``hs97.run_trials`` are
supported (not the ``-perstep`` rows or the serial baselines).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))
import run_hs97 as R  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402


def profile_row(exp_id: str, sequences: int, stacks: int = 1) -> dict:
    """CPU seconds of one row cut to ``sequences`` per trial: total, forward + backward, forward."""
    exp = R.EXPERIMENTS_BY_ID[exp_id]
    if "kind" in exp or exp.get("rule") == "per-step":
        raise SystemExit(f"{exp_id}: only rows trained per sequence by hs97.run_trials are profiled")
    setup = hs97.Setup(**{**exp["setup"].__dict__, "max_sequences": int(sequences)})
    seeds = R.seeds_of(exp)
    acc = {"fwd_bwd": 0.0, "fwd": 0.0, "updates": 0}
    forward = tr.forward

    def timed(nets, x, t=None, mask=None, **kw):
        if t is None:                                    # frozen tests: not an update
            return forward(nets, x, t, mask, **kw)
        t0 = time.process_time()
        out = forward(nets, x, t, mask, **kw)
        t1 = time.process_time()
        forward(nets, x)                                 # the forward pass alone, once more
        acc["fwd_bwd"] += t1 - t0
        acc["fwd"] += time.process_time() - t1
        acc["updates"] += 1
        return out

    size = -(-len(seeds) // stacks)
    t0 = time.process_time()
    tr.forward = timed
    try:
        for i in range(0, len(seeds), size):
            hs97.run_trials(setup, seeds[i:i + size])
    finally:
        tr.forward = forward
    total = time.process_time() - t0 - acc["fwd"]
    return dict(row=exp_id, trials=len(seeds), stacks=stacks, sequences=sequences,
                updates=acc["updates"], total=total, fwd_bwd=acc["fwd_bwd"], fwd=acc["fwd"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", help="experiment ids of experiments/run_hs97.py")
    ap.add_argument("--sequences", type=int, default=8000, help="budget per trial (default 8000)")
    ap.add_argument("--stacks", type=int, default=1, help="run the trials as this many stacks")
    a = ap.parse_args(argv)
    print("row  trials  stacks  updates  total CPU s  forward+backward s  forward s  backward s")
    for row in a.rows:
        r = profile_row(row, a.sequences, a.stacks)
        print(f"{r['row']}  {r['trials']}  {r['stacks']}  {r['updates']}  {r['total']:.1f}  "
              f"{r['fwd_bwd']:.1f}  {r['fwd']:.1f}  {r['fwd_bwd'] - r['fwd']:.1f}", flush=True)


if __name__ == "__main__":
    main()
