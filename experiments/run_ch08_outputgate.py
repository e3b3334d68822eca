"""Chapter 8's output-gate experiment: write experiments/results/ch08_outputgate.json.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/run_ch08_outputgate.py          # ~4 min on 2 cores
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/run_ch08_outputgate.py --quick  # seconds

Trains memory cells with and without output gates on the embedded Reber grammar, with the 1997
truncated gradient and with full BPTT, ``SEEDS`` trials each (:func:`lstm_core.output_gate.output_gate_trial`
holds the network, the training and the success criterion). The chapter loads the file and runs
one short trial of its own.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import product
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lstm_core.output_gate import output_gate_trial  # noqa: E402

SEEDS = list(range(10))
GRADIENTS = ["truncated", "full"]
MAX_SEQUENCES = 30_000
DEFAULT_OUT = ROOT / "experiments" / "results" / "ch08_outputgate.json"


def _run(args):
    gradient, output_gate, seed, budget = args
    return output_gate_trial(output_gate, seed, gradient=gradient, max_sequences=budget)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, tiny budget (smoke test)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    seeds, budget = ([0], 800) if args.quick else (SEEDS, MAX_SEQUENCES)
    plan = [(g, og, s, budget) for g, og, s in product(GRADIENTS, (True, False), seeds)]
    t0 = time.time()
    with Pool(args.jobs) as pool:
        trials = pool.map(_run, plan, chunksize=1)
    out = dict(experiment="ch08_outputgate", seeds=seeds, gradients=GRADIENTS,
               max_sequences=budget, trials=trials, wall_seconds=round(time.time() - t0, 1))
    if args.quick and args.out == DEFAULT_OUT:
        print(json.dumps({k: v for k, v in out.items() if k != "trials"}, indent=1))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out} ({len(trials)} trials, {out['wall_seconds']} s)")


if __name__ == "__main__":
    main()
