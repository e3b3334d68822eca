"""Run the early LSTM experiments of Chapter 16 and write experiments/results/early_tasks.json.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/run_early_tasks.py            # full run
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/run_early_tasks.py --quick    # smoke test
    .venv/bin/python experiments/run_early_tasks.py --tasks adding --seeds 0 1 --out /tmp/a.json

The full run trains ``SEEDS`` trials of every task in :data:`TASKS` (setups from
:mod:`lstm_core.experiments`, with the changes listed in :data:`CHANGES`) on ``--jobs``
processes, one BLAS thread each. The results file records the parameters and the sha256 of this
script and of every ``lstm_core`` source file the run imports (:func:`sources`);
``tests/test_experiments.py`` recomputes them, so a committed results file always belongs to the
committed code.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lstm_core import experiments as X  # noqa: E402

#: tasks of the full run, in the order of the chapter's table
TASKS = ["embedded_reber", "embedded_reber_rnn", "long_lag", "long_lag_gers2000", "long_lag_rnn",
         "adding",
         "multiplication", "temporal_order"]
#: seeds of the full run (the paper: 30 trials for most experiments)
SEEDS = [0, 1, 2]
#: changes to the setups of lstm_core.experiments.SETUPS for the full run (none: as defined there)
CHANGES: dict[str, dict] = {}
#: the --quick smoke run: tiny budgets and short sequences, one seed
QUICK_CHANGES = {
    "embedded_reber": dict(max_sequences=400, n_train=64, n_test=64),
    "embedded_reber_rnn": dict(max_sequences=400, n_train=64, n_test=64),
    "long_lag": dict(task_kwargs=dict(p=10), n_in=11, n_out=11, max_sequences=400),
    "long_lag_gers2000": dict(task_kwargs=dict(p=10), n_in=11, n_out=11, max_sequences=400),
    "long_lag_rnn": dict(task_kwargs=dict(p=10), n_in=11, n_out=11, max_sequences=400),
    "adding": dict(task_kwargs=dict(T=20), max_sequences=640, n_test=256, window=200),
    "multiplication": dict(task_kwargs=dict(T=20), max_sequences=640, n_test=256, window=200),
    "temporal_order": dict(task_kwargs=dict(T=20, n_relevant=2), max_sequences=640, n_test=256,
                           window=200),
}
QUICK_SEEDS = [0]

DEFAULT_OUT = ROOT / "experiments" / "results" / "early_tasks.json"


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sources() -> list[str]:
    """The ``lstm_core`` files the experiments import, as repository paths.

    Found by importing :mod:`lstm_core.experiments` in a fresh interpreter and listing the
    ``lstm_core`` modules it loaded, so a new dependency is picked up without editing this script.
    """
    code = ("import json, sys, lstm_core.experiments; print(json.dumps(sorted("
            "m.__file__ for n, m in list(sys.modules.items()) "
            "if n.split('.')[0] == 'lstm_core' and getattr(m, '__file__', None))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [Path(f).resolve().relative_to(ROOT).as_posix() for f in json.loads(out)]


def code_version() -> dict[str, str]:
    """sha256 of this script and of every file in :func:`sources`, keyed by repository path."""
    files = ["experiments/run_early_tasks.py"] + sources()
    return {f: sha256(ROOT / f) for f in files}


def plan(quick: bool = False, tasks: list[str] | None = None, seeds: list[int] | None = None) -> dict:
    """The parameters of a run: the setups (as dicts) and the seeds. Recorded in the results."""
    changes = QUICK_CHANGES if quick else CHANGES
    names = tasks or TASKS
    return {"quick": quick,
            "seeds": list(seeds if seeds is not None else (QUICK_SEEDS if quick else SEEDS)),
            "setups": {n: asdict(X.setup(n, **changes.get(n, {}))) for n in names}}


def _trial(args):
    name, setup_dict, seed = args
    r = X.run_trial(X.TaskSetup(**setup_dict), seed)
    print(f"{name:20s} seed {seed}: solved {r.solved!s:5s} after {r.sequences:7d} sequences, "
          f"test correct {r.test_correct:.3f}, {r.seconds:.0f} s ({r.cpu_seconds:.0f} s CPU)", flush=True)
    return asdict(r)


def run(p: dict, jobs: int = 2) -> dict:
    """Run every (task, seed) trial of plan ``p``; return the results document."""
    version = code_version()  # fingerprint the code that is about to run …
    work = [(n, s, seed) for n, s in p["setups"].items() for seed in p["seeds"]]
    # longest trials first, so that two processes finish together
    work.sort(key=lambda w: -w[1]["max_sequences"] * w[1]["task_kwargs"].get("T", 30))
    start = time.perf_counter()
    if jobs > 1:
        with Pool(jobs) as pool:
            trials = pool.map(_trial, work, chunksize=1)
    else:
        trials = [_trial(w) for w in work]
    order = {n: k for k, n in enumerate(p["setups"])}
    trials.sort(key=lambda r: (order[r["task"]], r["seed"]))
    if code_version() != version:  # … and say so if it changed while the trials ran
        print("WARNING: source files changed during the run; the results record the version "
              "that ran, so tests/test_experiments.py will ask for a new run", file=sys.stderr)
    return {"plan": p, "code_version": version, "trials": trials,
            "summary": X.summarise(trials),
            "machine": {"jobs": jobs, "cpus": os.cpu_count(), "python": platform.python_version(),
                        "wall_seconds": time.perf_counter() - start,
                        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (seconds)")
    ap.add_argument("--tasks", nargs="+", choices=list(X.SETUPS), help="subset of tasks")
    ap.add_argument("--seeds", nargs="+", type=int, help="seeds (default: SEEDS)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"results file (default {DEFAULT_OUT.relative_to(ROOT)}; with --quick: "
                         "early_tasks_quick.json in the temporary directory, never committed)")
    a = ap.parse_args(argv)
    out = a.out or (Path(tempfile.gettempdir()) / "early_tasks_quick.json" if a.quick else DEFAULT_OUT)
    doc = run(plan(a.quick, a.tasks, a.seeds), jobs=a.jobs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    for task, s in doc["summary"].items():
        print(f"{task:20s} solved {s['solved']}/{s['trials']}  median sequences "
              f"{s['median_sequences']}  {s['seconds']:.0f} s ({s['cpu_seconds']:.0f} s CPU)")
    print(f"wrote {out} ({doc['machine']['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
