"""Chapter 15's ranking of Greff et al.'s LSTM variants on two tasks, 5 seeds each.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python experiments/run_ch15_greff.py
    .venv/bin/python experiments/run_ch15_greff.py --quick   # seconds, writes nothing

Variants: the presets ``vanilla, NIG, NFG, NOG, NIAF, NOAF, NP, CIFG, FGR`` of
:class:`lstm_core.lstm.LSTMConfig`, 8 cells each, default initialisation, full BPTT.

* ``continual`` — a task that needs forgetting: the continual embedded Reber stream
  (:func:`lstm_core.tasks.continual_reber_stream`, no resets between strings). Training: streams
  of 100 symbols from a zero state (about 8 strings each, none reset), 16 per step, Adam lr 0.01,
  clipped to norm 1, ``CONT_STEPS`` steps, squared error on 7 logistic outputs
  (:class:`lstm_core.readout.NetParams`). Test: 10 streams of 2,000 symbols from a zero state,
  20 times longer than any training stream; measured: the fraction of symbols predicted wrongly
  (outputs above 0.5 not exactly the legal successors) and the symbols before the first error.
  Success (Gers et al. 2000's criterion scaled down from 10 streams of 100,000 symbols): all 10
  test streams predicted without an error.
* ``temporal`` — the chapter's short task: temporal order (T = 15), softmax cross-entropy,
  Adam lr 0.01, clipped to norm 1, 32 sequences per step, 200 steps; measured: the final loss
  (mean of the last 20 steps); success: final loss < 0.05.

Fixed before the first full run. Per-trial results go to
``results/ch15_greff/<task>-<variant>-s<seed>.json`` as they finish; then one record per task
and variant (``greff-continual-<variant>``, ``greff-temporal-<variant>``).
"""
from __future__ import annotations

import argparse
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
from lstm_core import lstm, tasks  # noqa: E402
from lstm_core.bidirectional import SequenceLayer  # noqa: E402
from lstm_core.hs97 import wilson_interval  # noqa: E402
from lstm_core.models import ModelParams, SequenceModel, count_params, linear_readout  # noqa: E402
from lstm_core.optim import Adam  # noqa: E402
from lstm_core.readout import NetParams, net_forward, net_loss_and_grads  # noqa: E402
from lstm_core.train import train  # noqa: E402

VARIANTS = ["vanilla", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR"]
SEEDS = list(range(5))
H, LR, CLIP = 8, 0.01, 1.0
CONT_T, CONT_BATCH, CONT_STEPS, CONT_POOL = 100, 16, 600, 150
TEST_T, TEST_B = 2000, 10
ORDER_T, ORDER_BATCH, ORDER_STEPS, LEARNED = 15, 32, 200, 0.05
TASKS = ["continual", "temporal"]
OUT = HERE / "results" / "ch15_greff"
CODE_FILES = ["experiments/run_ch15_greff.py", "lstm_core/lstm.py", "lstm_core/readout.py",
              "lstm_core/models.py", "lstm_core/optim.py", "lstm_core/train.py",
              "lstm_core/tasks/reber.py", "lstm_core/tasks/longlag.py", "lstm_core/tasks/batch.py"]


def step_errors(y, batch) -> np.ndarray:
    """bool (T, B): True where the outputs above 0.5 are not exactly the legal successors."""
    return np.any((y > 0.5) != (batch.t > 0.5), axis=2) | ~np.all(np.isfinite(y), axis=2)


def continual_trial(variant: str, seed: int, steps: int = CONT_STEPS) -> dict:
    t0 = time.process_time()
    rng = np.random.default_rng([15, seed])
    net = NetParams.init(7, H, 7, rng, core=variant)
    pool = [tasks.continual_reber_stream(rng, CONT_T, CONT_BATCH) for _ in range(CONT_POOL)]
    hist = train(net_loss_and_grads, net, Adam(lr=LR), steps=steps, data=pool, clip_norm=CLIP)
    test = tasks.continual_reber_stream(np.random.default_rng([1015, seed]), TEST_T, TEST_B)
    y, _ = net_forward(net, test.x)
    err = step_errors(y, test)
    before = tasks.continual_reber_symbols_before_error(y, test)
    hard = test.info["hard"]
    early, late = err[:CONT_T].mean(), err[-CONT_T:].mean()
    return dict(task="continual", variant=variant, seed=seed, steps=steps,
                error_rate=round(float(err.mean()), 5),
                error_rate_first100=round(float(early), 4), error_rate_last100=round(float(late), 4),
                hard_error_rate=round(float(err[hard].mean()), 4),
                median_symbols_before_error=float(np.median(before)),
                success=bool(np.all(before >= TEST_T)), final_loss=round(float(np.mean(
                    hist.losses[-50:])), 4), n_weights=int(net.n_weights),
                diverged=bool(hist.diverged), cpu_seconds=round(time.process_time() - t0, 2))


LSTM_LAYER = SequenceLayer(lstm.lstm_forward, lstm.lstm_backward)


def temporal_trial(variant: str, seed: int, steps: int = ORDER_STEPS) -> dict:
    t0 = time.process_time()
    r = np.random.default_rng(seed)
    probe = tasks.temporal_order(np.random.default_rng(0), 1, 2, ORDER_T)
    model = SequenceModel(LSTM_LAYER)
    params = ModelParams(lstm.LSTMParams.init(probe.n_in, H, variant, r),
                         linear_readout(H, probe.n_out, r))
    hist = train(lambda p, b: model.loss_and_grads(p, b), params, Adam(lr=LR), steps=steps,
                 data=lambda n: tasks.temporal_order(r, ORDER_BATCH, 2, ORDER_T), clip_norm=CLIP)
    final = float(np.mean(hist.losses[-20:]))
    return dict(task="temporal", variant=variant, seed=seed, steps=steps,
                final_loss=round(final, 6), success=bool(final < LEARNED),
                n_weights=count_params(params), diverged=bool(hist.diverged),
                cpu_seconds=round(time.process_time() - t0, 2))


def _run(job):
    task, variant, seed, out = job
    path = out / f"{task}-{variant}-s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    res = (continual_trial if task == "continual" else temporal_trial)(variant, seed)
    path.write_text(json.dumps(res) + "\n")
    return res


GREFF = ("Greff et al. 2017: no variant significantly beats vanilla; NFG and NOAF hurt most; "
         "CIFG and NP cost little (EXPERIMENTS.md [V, abstract])")


def summarise(results: list[dict]) -> list[dict]:
    recs = []
    for task in TASKS:
        for v in VARIANTS:
            rows = sorted((r for r in results if r["task"] == task and r["variant"] == v),
                          key=lambda r: r["seed"])
            if not rows:
                continue
            k, n = sum(r["success"] for r in rows), len(rows)
            lo, hi = wilson_interval(k, n)
            rec = dict(id=f"greff-{task}-{v}", chapter=15, trials=n, successes=k,
                       median_sequences=None, wilson95=[round(lo, 3), round(hi, 3)],
                       variant=v, n_weights=rows[0]["n_weights"],
                       cpu_seconds=round(sum(r["cpu_seconds"] for r in rows), 1),
                       published=dict(success_pct=None, sequences=None, source=GREFF))
            if task == "continual":
                rec.update(error_rate=[r["error_rate"] for r in rows],
                           median_error_rate=float(np.median([r["error_rate"] for r in rows])),
                           criterion=f"{TEST_B} test streams of {TEST_T} symbols without an error",
                           sequences_per_trial=CONT_STEPS * CONT_BATCH,
                           departures=["our scale: 8 cells, 600 Adam steps of 16 streams of 100 "
                                       "symbols, one setting for all variants (Greff et al.: "
                                       "random search per variant on speech, handwriting, music)",
                                       "criterion scaled down from Gers et al. 2000's 10 streams "
                                       "of 100,000 symbols"])
            else:
                rec.update(final_loss=[r["final_loss"] for r in rows],
                           criterion=f"final training loss < {LEARNED}",
                           sequences_per_trial=ORDER_STEPS * ORDER_BATCH,
                           departures=["temporal order T = 15, a short task with resets; one "
                                       "setting for all variants"])
            recs.append(rec)
    return recs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two variants, a few steps, nothing written")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if args.quick:
        res = [continual_trial(v, 0, steps=5) for v in ("vanilla", "NFG")]
        res += [temporal_trial(v, 0, steps=5) for v in ("vanilla", "NFG")]
        print(json.dumps(summarise(res)[0], indent=1)[:400])
        return res
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [(task, v, s, OUT) for task in TASKS[::-1] for s in SEEDS for v in VARIANTS]
    with Pool(args.jobs) as pool:
        results = list(pool.imap_unordered(_run, jobs))
    for rec in summarise(results):
        print(records.write_record(rec, code_files=CODE_FILES))
    return results


if __name__ == "__main__":
    main()
