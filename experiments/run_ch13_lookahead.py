"""Chapter 13's look-ahead experiment: BLSTM against LSTM with output delays.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python experiments/run_ch13_lookahead.py
    .venv/bin/python experiments/run_ch13_lookahead.py --quick   # seconds, writes nothing

Task :func:`lstm_core.tasks.lookahead.next_marker` (T = 20, 2 marker classes, 2 distractors,
marker probability 0.08): every frame is labelled with the class of the next marker, which
lies 0 … 19 steps ahead. Networks (all ``"NP"`` cells, full BPTT, softmax cross-entropy):

* ``blstm``: a BLSTM with 4 cells per direction (:class:`lstm_core.bidirectional.Bidirectional`);
* ``lstm-d<D>``: one forward layer of 8 cells (more weights than the BLSTM) that answers for
  frame t at step t + D (:func:`lstm_core.models.delay_targets`), D in ``DELAYS``.

Each trial: Adam (lr 0.02), gradient clipped to norm 1, ``STEPS`` steps of 32 fresh sequences,
then framewise accuracy on 500 new sequences. Success: accuracy ≥ ``CRITERION`` (0.95), above
the best any delay-D network can reach on the test set for every D tried
(:func:`lstm_core.tasks.lookahead.next_marker_delay_bound`). All of this was fixed before the
first full run. Per-trial results go to ``results/ch13_lookahead/<net>-s<seed>.json`` as they
finish (finished trials are not re-run); then one record per network via ``records.py``.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import records  # noqa: E402
from lstm_core import lstm  # noqa: E402
from lstm_core.bidirectional import Bidirectional, SequenceLayer  # noqa: E402
from lstm_core.hs97 import wilson_interval  # noqa: E402
from lstm_core.models import (ModelParams, SequenceModel, count_params, delay_targets,  # noqa: E402
                              linear_readout)
from lstm_core.optim import Adam  # noqa: E402
from lstm_core.tasks import framewise_accuracy  # noqa: E402
from lstm_core.tasks.lookahead import next_marker, next_marker_delay_bound  # noqa: E402
from lstm_core.train import train  # noqa: E402

T, C, N_NOISE, P_MARKER = 20, 2, 2, 0.08
H_LSTM, H_BLSTM = 8, 4
STEPS, BATCH, LR, CLIP = 2000, 32, 0.02, 1.0
N_TEST, CRITERION = 500, 0.95
DELAYS = [0, 4, 8, 12]
SEEDS = list(range(10))
NETS = ["blstm"] + [f"lstm-d{d}" for d in DELAYS]
OUT = HERE / "results" / "ch13_lookahead"
CODE_FILES = ["experiments/run_ch13_lookahead.py", "lstm_core/tasks/lookahead.py",
              "lstm_core/lstm.py", "lstm_core/bidirectional.py", "lstm_core/models.py",
              "lstm_core/optim.py", "lstm_core/train.py", "lstm_core/readout.py",
              "lstm_core/tasks/batch.py"]

LSTM_NP = SequenceLayer(lstm.lstm_forward, lstm.lstm_backward,
                        functools.partial(lstm.LSTMParams.init, config="NP"), "LSTM")


def build(net: str, rng):
    """(model, params, delay) for ``"blstm"`` or ``"lstm-d<D>"``."""
    I = N_NOISE + C
    if net == "blstm":
        bi = Bidirectional(LSTM_NP)
        return SequenceModel(bi), ModelParams(bi.init(I, H_BLSTM, rng=rng, n_out=C)), 0
    delay = int(net.split("-d")[1])
    core = lstm.LSTMParams.init(I, H_LSTM, "NP", rng)
    return SequenceModel(LSTM_NP), ModelParams(core, linear_readout(H_LSTM, C, rng)), delay


def test_batch(seed: int):
    return next_marker(np.random.default_rng([1000, seed]), N_TEST, T, C, N_NOISE, P_MARKER)


def trial(net: str, seed: int, steps: int = STEPS) -> dict:
    t0 = time.process_time()
    rng = np.random.default_rng([13, seed])
    model, params, delay = build(net, rng)
    data = lambda n: delay_targets(next_marker(rng, BATCH, T, C, N_NOISE, P_MARKER), delay)
    hist = train(lambda p, b: model.loss_and_grads(p, b), params, Adam(lr=LR), steps=steps,
                 data=data, clip_norm=CLIP)
    test = test_batch(seed)
    acc = framewise_accuracy(model.forward(params, delay_targets(test, delay).x)[0],
                             delay_targets(test, delay))
    return dict(net=net, seed=seed, delay=delay, steps=steps, accuracy=round(acc, 4),
                success=bool(acc >= CRITERION), bound=round(next_marker_delay_bound(test, delay), 4)
                if net != "blstm" else 1.0, final_loss=round(float(np.mean(hist.losses[-50:])), 4),
                n_weights=count_params(params), diverged=bool(hist.diverged),
                cpu_seconds=round(time.process_time() - t0, 2))


def _run(job):
    net, seed, steps, out = job
    path = out / f"{net}-s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    res = trial(net, seed, steps)
    if out is not None:
        path.write_text(json.dumps(res) + "\n")
    return res


def summarise(results: list[dict]) -> list[dict]:
    """One record per network; the best delay (most successes, then median accuracy) is also
    written as ``lstm-delay-lookahead``."""
    recs = {}
    for net in NETS:
        rows = [r for r in results if r["net"] == net]
        if not rows:
            continue
        k, n = sum(r["success"] for r in rows), len(rows)
        lo, hi = wilson_interval(k, n)
        rid = "blstm-lookahead" if net == "blstm" else f"lstm-delay-lookahead-d{rows[0]['delay']}"
        recs[net] = dict(
            id=rid, chapter=13, trials=n, successes=k, median_sequences=None,
            sequences_per_trial=STEPS * BATCH, wilson95=[round(lo, 3), round(hi, 3)],
            accuracies=[r["accuracy"] for r in sorted(rows, key=lambda r: r["seed"])],
            median_accuracy=float(np.median([r["accuracy"] for r in rows])),
            delay=None if net == "blstm" else rows[0]["delay"],
            delay_bound=None if net == "blstm" else float(np.median([r["bound"] for r in rows])),
            criterion=f"framewise accuracy >= {CRITERION} on {N_TEST} test sequences",
            n_weights=rows[0]["n_weights"],
            cpu_seconds=round(sum(r["cpu_seconds"] for r in rows), 1),
            published=dict(success_pct=None, sequences=None,
                           source="Graves & Schmidhuber 2005: BLSTM beats LSTM with target delays "
                                  "on framewise TIMIT phoneme classification (no figure quoted)"),
            departures=["our next-marker task, not TIMIT", "Adam (lr 0.02), batch 32, clipped "
                        "to norm 1, instead of the paper's online gradient descent",
                        f"{STEPS} steps of {BATCH} sequences"])
    delays = [n for n in recs if n != "blstm"]
    if delays:
        best = max(delays, key=lambda n: (recs[n]["successes"], recs[n]["median_accuracy"]))
        recs["best"] = dict(recs[best], id="lstm-delay-lookahead",
                            note=f"the best of the delays tried ({best})")
    return list(recs.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, 20 steps, nothing written")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if args.quick:
        res = [trial(net, 0, steps=20) for net in NETS]
        print(json.dumps(summarise(res)[0], indent=1)[:400])
        return res
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [(net, s, STEPS, OUT) for s in SEEDS for net in NETS]
    with Pool(args.jobs) as pool:
        results = list(pool.imap_unordered(_run, jobs))
    for rec in summarise(results):
        print(records.write_record(rec, code_files=CODE_FILES))
    return results


if __name__ == "__main__":
    main()
