"""Chapter 9's continual embedded Reber experiment (Gers, Schmidhuber & Cummins 2000, reduced).

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python experiments/run_ch09_continual.py
    .venv/bin/python experiments/run_ch09_continual.py --quick      # seconds, nothing stored

The setup, fixed before any result was looked at:

* **Task**: continual embedded Reber streams (:func:`lstm_core.tasks.continual_reber_stream`),
  strings concatenated without a separator, the network is never reset (its state at the start
  of training is zero once, then carried on for the whole training and, separately, for the
  whole test stream).
* **Net**: 8 memory cells (the paper's 4 blocks x 2 cells, here 8 blocks of 1 cell), 7 inputs,
  7 logistic output units reading the cells; the 1997 cell (preset ``lstm1997``, no forget gate)
  against the same cell with a forget gate (``gers2000``). Weights uniform in ±1/√8; the
  forget-gate biases are set positive, 0.5 … 2 spread over the cells (the paper: +0.5 … +2).
* **Learning rule** (a departure: the paper used online gradient descent with the truncated
  1997 gradient): Adam, lr 0.01 fixed, full BPTT inside windows of 50 steps, each window
  starting from the state the previous one ended in; 4 training streams per trial side by side,
  one update per window, squared error summed over steps and outputs. No gradient clipping.
* **Budget**: 2,000 windows, i.e. 100,000 symbols per stream, 400,000 symbols (about 33,000
  strings) per trial.
* **Criterion** (scaled down from the paper's 10 test streams of 10^5 symbols): after training,
  10 fresh test streams of 10,000 symbols each; a trial is *perfect* when every symbol of all
  10 streams is predicted correctly (the output units above 0.5 are exactly the legal next symbols,
  :func:`lstm_core.tasks.reber.continual_reber_symbols_before_error`). The number of symbols
  predicted before the first error is stored for every stream of every trial.
* **Trials**: 20 per cell, seeds 900000 + k (the training and test streams of trial k are the
  same for both cells; only the weights differ).

How it runs: the K trials of a group train together as **one** LSTM layer of K·8 cells whose
weight matrices are block-diagonal (trial k's inputs are inputs 7k … 7k+6, its cells 8k … 8k+7,
its outputs 7k … 7k+6). The off-block weights start at zero and their gradients are masked to
zero, so they stay zero under Adam, and nothing mixes between trials: each trial computes what it
would compute alone (``tests/test_ch09_continual.py`` checks this). Results go to
``results/ch09_continual/<cell>-<seed>.json`` as each group finishes; a rerun skips trials on
file. Then one record per cell via :func:`records.write_record` (``--summary`` writes them from
the trials on file, for a run cut short).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "experiments"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from lstm_core import losses  # noqa: E402
from lstm_core.hs97 import wilson_interval  # noqa: E402
from lstm_core.lstm import LSTMParams, LSTMState, lstm_backward, lstm_forward  # noqa: E402
from lstm_core.optim import Adam  # noqa: E402
from lstm_core.readout import ReadoutParams, readout_backward, readout_forward  # noqa: E402
from lstm_core.tasks.reber import (continual_reber_stream,  # noqa: E402
                                   continual_reber_symbols_before_error)

CELLS = {"lstm1997": "gers00-cerg-lstm97", "gers2000": "gers00-cerg-forget"}
SETUP = dict(n_cells=8, forget_bias=(0.5, 2.0), lr=0.01, window=50, n_windows=2000,
             n_streams=4, test_length=10_000, n_test_streams=10, n_trials=20, seed0=900_000, group=10)
QUICK = dict(SETUP, n_windows=10, test_length=300, n_trials=2, group=2)
N_SYM = 7
OUT = ROOT / "experiments" / "results" / "ch09_continual"
PUBLISHED = {"lstm1997": (0.0, "Gers, Schmidhuber & Cummins 2000, Table 2 (1997 LSTM without "
                          "resets: 0 % perfect of 100 nets); see EXPERIMENTS.md"),
             "gers2000": (18.0, "Gers, Schmidhuber & Cummins 2000, Table 2 (forget gates: 18 % "
                          "perfect, +29 % good; with a decaying learning rate 62 % perfect)")}


def init_trial(cell: str, seed: int, setup=SETUP):
    """One trial's net: (LSTMParams, ReadoutParams), as it would be trained alone."""
    rng = np.random.default_rng(seed)
    H = setup["n_cells"]
    core = LSTMParams.init(N_SYM, H, cell, rng=rng)
    if core.config.forget_gate:
        lo, hi = setup["forget_bias"]
        core.b[core.config.layout(H)["f"]] = np.linspace(lo, hi, H)
    out = ReadoutParams.init(H, N_SYM, rng)
    return core, out


def stack_trials(nets):
    """K trials' nets as one block-diagonal layer and readout, plus the 0/1 masks."""
    K = len(nets)
    core0, out0 = nets[0]
    H = core0.n_cells
    lay = core0.config.layout(H)
    G = core0.config.n_rows(H)
    W = np.zeros((K * G, K * N_SYM))
    R = np.zeros((K * G, K * H))
    b = np.zeros(K * G)
    oW = np.zeros((K * N_SYM, K * H))
    ob = np.zeros(K * N_SYM)
    big_lay = core0.config.layout(K * H)
    row_of = {}  # (part, trial) -> rows in the big layer, in the trial's order
    for k, (core, out) in enumerate(nets):
        cols_x = slice(k * N_SYM, (k + 1) * N_SYM)
        cols_h = slice(k * H, (k + 1) * H)
        for part, sl in lay.items():
            big = big_lay[part]
            rows = np.arange(big.start + k * H, big.start + (k + 1) * H)
            row_of[part, k] = rows
            W[rows, cols_x] = core.W[sl]
            R[rows, cols_h] = core.R[sl]
            b[rows] = core.b[sl]
        oW[cols_x, cols_h] = out.W
        ob[cols_x] = out.b
    mask_W, mask_R, mask_o = (W != 0) * 0.0, (R != 0) * 0.0, (oW != 0) * 0.0
    for k in range(K):
        rows = np.concatenate([row_of[p, k] for p in lay])
        mask_W[np.ix_(rows, range(k * N_SYM, (k + 1) * N_SYM))] = 1.0
        mask_R[np.ix_(rows, range(k * H, (k + 1) * H))] = 1.0
        mask_o[k * N_SYM:(k + 1) * N_SYM, k * H:(k + 1) * H] = 1.0
    core = LSTMParams(W=W, R=R, b=b, config=core0.config)
    out = ReadoutParams(W=oW, b=ob)
    return core, out, (mask_W, mask_R, mask_o), row_of


def unstack_trial(core, out, row_of, k, H):
    """Trial k's own (LSTMParams, ReadoutParams) cut out of the stacked layer."""
    lay = core.config.layout(H)
    G = core.config.n_rows(H)
    W, R, b = np.zeros((G, N_SYM)), np.zeros((G, H)), np.zeros(G)
    for part, sl in lay.items():
        rows = row_of[part, k]
        W[sl] = core.W[rows, k * N_SYM:(k + 1) * N_SYM]
        R[sl] = core.R[rows, k * H:(k + 1) * H]
        b[sl] = core.b[rows]
    o = ReadoutParams(W=out.W[k * N_SYM:(k + 1) * N_SYM, k * H:(k + 1) * H].copy(),
                      b=out.b[k * N_SYM:(k + 1) * N_SYM].copy())
    return LSTMParams(W=W, R=R, b=b, config=core.config), o


def side_by_side(batches):
    """K streams batches (T, B, 7) as one input (T, B, 7K) and target."""
    return (np.concatenate([bt.x for bt in batches], axis=2),
            np.concatenate([bt.t for bt in batches], axis=2))


def train_group(cell: str, seeds, setup=SETUP):
    """Train the trials ``seeds`` of ``cell`` together; return each trial's nets and the
    per-window loss of each trial (n_windows, K)."""
    nets = [init_trial(cell, s, setup) for s in seeds]
    core, out, (mW, mR, mo), row_of = stack_trials(nets)
    T_all = setup["window"] * setup["n_windows"]
    data = [continual_reber_stream(np.random.default_rng([s, 1]), T_all, setup["n_streams"])
            for s in seeds]
    x_all, t_all = side_by_side(data)
    params = {"W": core.W, "R": core.R, "b": core.b, "oW": out.W, "ob": out.b}
    opt = Adam(lr=setup["lr"])
    K, state = len(seeds), None
    curve = np.zeros((setup["n_windows"], K))
    for n in range(setup["n_windows"]):
        w = slice(n * setup["window"], (n + 1) * setup["window"])
        h, cache = lstm_forward(core, x_all[w], state)
        y, oc = readout_forward(out, h)
        e = y - t_all[w]
        curve[n] = 0.5 * (e ** 2).reshape(e.shape[0], e.shape[1], K, N_SYM).sum(axis=(0, 1, 3))
        og, dh, _ = readout_backward(out, oc, e)
        cg, _, _ = lstm_backward(core, cache, dh)
        state = LSTMState(y=cache.y[-1].copy(), c=cache.c[-1].copy())
        grads = {"W": cg.W * mW, "R": cg.R * mR, "b": cg.b, "oW": og.W * mo, "ob": og.b}
        opt.step(params, grads)
    H = setup["n_cells"]
    return [unstack_trial(core, out, row_of, k, H) for k in range(K)], curve


def test_trial(core, out, seed, setup=SETUP):
    """Symbols predicted before the first error on each of the trial's fresh test streams."""
    test = continual_reber_stream(np.random.default_rng([seed, 2]), setup["test_length"],
                                  setup["n_test_streams"])
    h, cache = lstm_forward(core, test.x)
    y, _ = readout_forward(out, h)
    before = [int(v) for v in continual_reber_symbols_before_error(y, test)]
    return before, float(np.abs(cache.c).max())


def run(setup, out_dir: Path | None, log=print):
    done = {}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for p in out_dir.glob("*.json"):
            r = json.loads(p.read_text())
            done[r["cell"], r["seed"]] = r
    seeds = [setup["seed0"] + k for k in range(setup["n_trials"])]
    # groups of trials, the two cells alternating, so that a partial run compares like with like
    for g in range(0, len(seeds), setup["group"]):
        for cell in CELLS:
            group = [s for s in seeds[g:g + setup["group"]] if (cell, s) not in done]
            if not group:
                continue
            c0 = time.process_time()
            nets, curve = train_group(cell, group, setup)
            for k, (s, (core, out)) in enumerate(zip(group, nets)):
                before, s_max = test_trial(core, out, s, setup)
                r = dict(cell=cell, seed=s, symbols_before_error=min(before),
                         per_stream=before, perfect=min(before) >= setup["test_length"],
                         test_length=setup["test_length"],
                         max_abs_state_test=round(s_max, 3),
                         final_window_loss=round(float(curve[-50:, k].mean()), 4),
                         loss_curve=[round(float(v), 3) for v in
                                     curve.reshape(-1, 10, len(group)).mean(axis=1)[:, k]],
                         cpu_seconds=round((time.process_time() - c0) / len(group), 2))
                done[cell, s] = r
                if out_dir is not None:
                    (out_dir / f"{cell}-{s}.json").write_text(json.dumps(r) + "\n")
                log(f"{cell} seed {s}: {min(before)} symbols before the first error "
                    f"(perfect: {r['perfect']}), cpu {r['cpu_seconds']} s/trial")
    return [done[cell, s] for cell in CELLS for s in seeds if (cell, s) in done]


def summarise(results, setup=SETUP):
    recs = []
    for cell, rid in CELLS.items():
        rs = [r for r in results if r["cell"] == cell]
        k, n = sum(r["perfect"] for r in rs), len(rs)
        lo, hi = wilson_interval(k, n)
        pct, src = PUBLISHED[cell]
        recs.append(dict(
            id=rid, chapter=9, trials=n, successes=k,
            success_interval_95=[round(lo, 3), round(hi, 3)],
            median_sequences=setup["n_windows"] * setup["window"] * setup["n_streams"],
            median_symbols_before_error=float(np.median([r["symbols_before_error"] for r in rs])),
            cpu_seconds=round(sum(r["cpu_seconds"] for r in rs), 1),
            published={"success_pct": pct, "sequences": None, "source": src},
            criterion=f"{setup['n_test_streams']} fresh test streams of "
                      f"{setup['test_length']} symbols each predicted without an error "
                      "(threshold 0.5 on every output)",
            departures=[
                "8 one-cell blocks instead of 4 blocks of 2 cells",
                "Adam (lr 0.01, fixed) on full BPTT within 50-step windows instead of online "
                "gradient descent with the truncated 1997 gradient",
                f"budget {setup['n_windows'] * setup['window']} symbols on each of "
                f"{setup['n_streams']} training streams; 'sequences' here = training symbols",
                f"test: {setup['n_test_streams']} streams of {setup['test_length']} symbols "
                "instead of 10 of 100,000",
                f"{n} trials instead of 100"],
            setup={k2: v for k2, v in setup.items()}))
    return recs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 trials, tiny budget, nothing stored")
    ap.add_argument("--summary", action="store_true",
                    help="only write the records from the trials on file (a partial run)")
    args = ap.parse_args(argv)
    if args.quick:
        results = run(QUICK, None)
        for rec in summarise(results, QUICK):
            print(rec["id"], f"{rec['successes']}/{rec['trials']}")
        return results
    if args.summary:
        results = [json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))]
        results = [r for cell in CELLS for r in sorted(results, key=lambda r: r["seed"])
                   if r["cell"] == cell]
    else:
        results = run(SETUP, OUT)
    import records
    code = [Path(__file__), ROOT / "lstm_core/lstm.py", ROOT / "lstm_core/readout.py",
            ROOT / "lstm_core/optim.py", ROOT / "lstm_core/tasks/reber.py",
            ROOT / "lstm_core/hs97.py"]
    for rec in summarise(results):
        print("wrote", records.write_record(rec, code_files=code))
    return results


if __name__ == "__main__":
    main()
