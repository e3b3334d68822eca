"""Experiment 1 at every LSTM setting of the paper's table 1, and what the battery's nets hold
at the end (Chapter 16).

    .venv/bin/python experiments/diag_hs97_1_table1.py                 # 14 parts, ~75 CPU-min
    .venv/bin/python experiments/diag_hs97_1_table1.py --only 1-1 states
    .venv/bin/python experiments/diag_hs97_1_table1.py --quick         # smoke run, nothing stored

The battery's ``hs97-1`` is table 1's last LSTM row (3 blocks of 2 cells, learning rate 0.5).
The paper's table 1 has four more LSTM rows, and table 10 (rows 1-1 to 1-4) gives their setups:

====  =================  =====  ===================  =============================
row   blocks x cells     rate   output-gate biases   table 1: success, sequences
====  =================  =====  ===================  =============================
1-1   4 x 1 (264 w.)     0.1    -1, -2, -3, -4       100 %, 39,740
1-2   3 x 2 (276 w.)     0.1    -1, -2, -3           100 %, 21,730
1-3   3 x 2              0.2    -1, -2, -3           97 %, 14,060
1-4   4 x 1              0.5    -1, -2, -3, -4       97 %, 9,500
====  =================  =====  ===================  =============================

Each is run here as the battery runs ``hs97-1`` (the same 30 seeds, string sets, training order,
criterion, through :func:`lstm_core.hs97.run_trials`), under both update rules (one change per
string, and after every step: :func:`hs97_online.run_trials`); only the net, the rate and the
output-gate biases differ from ``hs97-1``. Budgets, fixed before the runs: 60,000 sequences as in
``hs97-1``, and for row 1-1 80,000 (at least twice the paper's mean, the battery's rule).

Parts ``outbias`` and ``outbias-perstep`` test a mechanism (next paragraph): ``hs97-1`` with a
bias weight on each of the 7 output units, which the paper's net (276 weights) does not have,
everything else unchanged.

Parts ``igb`` and ``igb-perstep`` switch on the paper's remedy for internal state drift
(section 4: input gates biased towards zero at the start), which experiment 1 does not use
(table 10: input-gate biases random): biases −1, −2, −3, one per block, as the output gates'
are; and part ``states-igb`` measures those trials as ``states`` measures the battery's.

Part ``states`` re-runs the battery's ``hs97-1`` and ``hs97-1-perstep`` trials themselves (a
record-for-record check against the stored trials is in ``tests/test_experiments.py``) and
keeps each trial's net at its end, to measure on its 256 training strings what the cells hold
at the hard step, the step whose input is the inner string's closing E and whose target is the
second symbol c ∈ {T, P}:

* ``hard_right``: the share of strings whose output unit c is the most active there;
* ``s_max``: the largest |s| of any cell on any step (median over the strings);
* ``s_hard``: |s| at the hard step (median over strings and cells);
* ``h_flat``: the share of cells at the hard step where h'(s) is below a tenth of h'(0), so
  that almost no error reaches the state;
* ``sep``: the best cell's separation of the two classes at the hard step,
  |mean_T(s) − mean_P(s)| / sqrt((var_T(s) + var_P(s)) / 2).

and the output-gate biases at the end. The same measures are taken on the same trials stopped
early, after 100, 300, 1,000 and 3,000 sequences (:data:`EARLY`): the paper's section 4 warns
that at the start of learning a net may "abuse" its memory cells as bias cells, making their
activations constant and using their outgoing weights as adaptive thresholds, and a saturated
state at the hard step is what such a cell shows.

Writes ``results/hs97_diag/exp1_table1.json``. Two processes may share the file (``--only``).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hs97_online  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402
from lstm_core.tasks import reber  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp1_table1.json"
BASE = "hs97-1"

#: table 1's other LSTM rows (table 10's rows 1-1 to 1-4): blocks, cells per block, rate,
#: output-gate biases, the published success and mean sequences, and the budget
TABLE1 = {
    "1-1": dict(blocks=4, cells=1, lr=0.1, ogb=(-1, -2, -3, -4), pct=100, sequences=39_740,
                budget=80_000),
    "1-2": dict(blocks=3, cells=2, lr=0.1, ogb=(-1, -2, -3), pct=100, sequences=21_730,
                budget=60_000),
    "1-3": dict(blocks=3, cells=2, lr=0.2, ogb=(-1, -2, -3), pct=97, sequences=14_060,
                budget=60_000),
    "1-4": dict(blocks=4, cells=1, lr=0.5, ogb=(-1, -2, -3, -4), pct=97, sequences=9_500,
                budget=60_000),
}
RULES = {"per-sequence": "", "per-step": "-perstep"}
#: the mechanism control: ``hs97-1`` with a bias on each output unit (7 weights the paper's net
#: does not have), so that no cell is needed as one
OUTBIAS = "outbias"
#: the drift control: ``hs97-1`` with the paper's remedy for internal state drift (its section 4:
#: input gates biased towards zero at the start), which experiment 1 does not use (table 10:
#: input-gate biases random); the biases, one per block, as the output gates' are
IGB = "igb"
IGB_BIAS = (-1.0, -2.0, -3.0)
PARTS = [r + s for r in [*TABLE1, OUTBIAS, IGB] for s in RULES.values()] + ["states", "states-igb"]
#: the budgets at which part ``states`` also measures the nets, early in training
EARLY = (100, 300, 1000, 3000)
SYMBOL = {c: reber.INDEX[c] for c in "TP"}


def table1_setup(row: str, rule: str, budget: int | None = None) -> hs97.Setup:
    """``hs97-1`` with table 1's row ``row``: its net, rate and output-gate biases."""
    p = TABLE1[row]
    base = run_hs97.EXPERIMENTS_BY_ID[BASE + RULES[rule]]["setup"]
    kw = {**base.__dict__, "id": f"hs97-1-table1-{row}{RULES[rule]}",
          "spec": replace(base.spec, n_blocks=p["blocks"], block_size=p["cells"]),
          "lr": p["lr"], "output_gate_bias": p["ogb"],
          "max_sequences": budget if budget is not None else p["budget"]}
    return hs97.Setup(**kw)


def control_setup(control: str, rule: str, budget: int | None = None) -> hs97.Setup:
    """``hs97-1`` with biased output units (``control`` :data:`OUTBIAS`) or with input gates
    biased by :data:`IGB_BIAS` (:data:`IGB`), nothing else changed."""
    base = run_hs97.EXPERIMENTS_BY_ID[BASE + RULES[rule]]["setup"]
    assert not base.spec.bias_out and base.input_gate_bias is None, "the paper's net for task 1"
    kw = {**base.__dict__, "id": f"hs97-1-{control}{RULES[rule]}"}
    if control == OUTBIAS:
        kw["spec"] = replace(base.spec, bias_out=True)
    elif control == IGB:
        kw["input_gate_bias"] = IGB_BIAS
    else:
        raise ValueError(f"control: expected {OUTBIAS!r} or {IGB!r}, got {control!r}")
    if budget is not None:
        kw["max_sequences"] = budget
    return hs97.Setup(**kw)


def runner_of(rule: str):
    return hs97_online.run_trials if rule == "per-step" else hs97.run_trials


def run_row(row: str, rule: str, seeds, budget=None, progress=None):
    setup = control_setup(row, rule, budget) if row in (OUTBIAS, IGB) else table1_setup(row, rule, budget)
    return runner_of(rule)(setup, seeds, progress=progress)


def run_with_nets(setup: hs97.Setup, seeds, rule: str, progress=None):
    """:func:`lstm_core.hs97.run_trials` (or the per-step trainer) on ``seeds``, unchanged, and
    each trial's net as it ends with its training strings: (records, [(net, train_set)]).

    The trainer draws every trial's training set, then every trial's test set
    (``setup.sample``), and ends a trial with a frozen test of its one net on its test set
    (``_evaluate``); both are watched here, nothing in them is changed."""
    drawn, nets_at_end = [], {}
    sample, evaluate = hs97.Setup.sample, hs97._evaluate

    def watched_sample(self, rng, n, hot=False):
        batch = sample(self, rng, n, hot=hot)
        drawn.append(batch)
        return batch

    def watched_evaluate(setup_, nets, batches, *a, **kw):
        K = len(seeds)
        if nets.K == 1 and len(drawn) == 2 * K:
            for k, test in enumerate(drawn[K:]):
                if batches[0] is test:
                    nets_at_end[k] = nets.copy()
        return evaluate(setup_, nets, batches, *a, **kw)

    hs97.Setup.sample, hs97._evaluate = watched_sample, watched_evaluate
    try:
        recs = runner_of(rule)(setup, seeds, progress=progress)
    finally:
        hs97.Setup.sample, hs97._evaluate = sample, evaluate
    K = len(seeds)
    return recs, [(nets_at_end[k], drawn[k]) for k in range(K)]


def _hprime(spec: tr.NetSpec, s):
    return tr.squash(spec.h, s)[1]


def cell_measures(net: tr.TrialNets, strings, setup: hs97.Setup) -> dict:
    """What one net's cells hold on its training strings at the hard step (module docstring)."""
    x, t, m, sel = hs97._stack([strings], setup)
    cache = tr.forward(net, x, keep_states=True)
    y, s = cache.y[:, 0], cache.s[:, 0]                      # (T, B, O), (T, B, C)
    B = strings.B
    cols = np.arange(B)
    hard = strings.lengths - 2                               # input: the inner E
    target = strings.t[hard, cols]                           # one-hot c
    c_unit = target.argmax(axis=1)
    assert set(np.unique(c_unit)) <= set(SYMBOL.values()), "the hard step's target is T or P"
    yh = y[hard, cols]
    right = yh.argmax(axis=1) == c_unit
    steps = np.arange(s.shape[0])[:, None] < strings.lengths[None, :]      # (T, B)
    s_abs = np.where(steps[..., None], np.abs(s), 0.0)
    sh = s[hard, cols]                                       # (B, C)
    is_T = c_unit == SYMBOL["T"]
    sep = 0.0
    if is_T.any() and (~is_T).any():
        d = np.abs(sh[is_T].mean(0) - sh[~is_T].mean(0))
        pooled = np.sqrt((sh[is_T].var(0) + sh[~is_T].var(0)) / 2)
        sep = float(np.max(d / np.maximum(pooled, 1e-12)))
    h0 = float(_hprime(net.spec, np.zeros(1))[0])
    return dict(hard_right=round(float(right.mean()), 4),
                output_gate_bias=[round(float(b), 3) for b in net.W_out[0, :, -1]],
                s_max=round(float(np.median(s_abs.max(axis=(0, 2)))), 3),
                s_hard=round(float(np.median(np.abs(sh))), 3),
                h_flat=round(float((_hprime(net.spec, sh) < h0 / 10).mean()), 4),
                sep=round(sep, 3))


def run_states(seeds, budget=None, early=EARLY, progress=None, control=None) -> dict:
    """Per rule: the battery's trials (or those of :func:`control_setup` ``control``) to their
    end (``trials``) and, run again to each budget of ``early`` (``early``: {budget: trials}),
    each with its net's :func:`cell_measures`."""
    out = {}
    for rule, suffix in RULES.items():
        exp = run_hs97.EXPERIMENTS_BY_ID[BASE + suffix]
        full = exp["setup"] if control is None else control_setup(control, rule)

        def measured(n):
            setup = full if n is None else replace(full, max_sequences=n)
            recs, ends = run_with_nets(setup, seeds, rule, progress=progress if n is None else None)
            return [dict(seed=r.seed, success=r.success, sequences=r.sequences,
                         test_wrong=r.test_wrong, **cell_measures(net, strings, setup))
                    for r, (net, strings) in zip(recs, ends)]

        out[rule] = dict(row=exp["id"], control=control, seeds=list(seeds), trials=measured(budget),
                         early={str(n): measured(n) for n in early})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 300 sequences, nothing stored")
    ap.add_argument("--only", nargs="*", default=None, help=f"some parts of {PARTS}")
    a = ap.parse_args(argv)
    names = a.only or PARTS
    for name in names:
        if name not in PARTS:
            sys.exit(f"--only: unknown part {name!r}; known: {PARTS}")
    seeds = run_hs97.seeds_of(run_hs97.EXPERIMENTS_BY_ID[BASE])
    seeds = seeds[:2] if a.quick else seeds
    budget = 300 if a.quick else None
    log = lambda r: print(f"[{time.strftime('%H:%M:%S')}] seed {r.seed}: success {r.success} "  # noqa: E731
                          f"after {r.sequences:,d}", flush=True)
    doc = {"parts": {}}
    for name in names:
        t0 = time.process_time()
        if name.startswith("states"):
            part = dict(rules=run_states(seeds, budget, early=EARLY[:1] if a.quick else EARLY,
                                         progress=log, control=IGB if name == "states-igb" else None))
        else:
            rule = "per-step" if name.endswith("-perstep") else "per-sequence"
            row = name[:-len("-perstep")] if rule == "per-step" else name
            recs = run_row(row, rule, seeds, budget, progress=log)
            ok = [r.sequences for r in recs if r.success]
            p = TABLE1.get(row) or dict(blocks=3, cells=2, lr=0.5, ogb=(-1, -2, -3), pct=None,
                                        sequences=None, budget=60_000)
            part = dict(row=row, rule=rule, seeds=list(seeds), blocks=p["blocks"], cells=p["cells"],
                        lr=p["lr"], output_gate_bias=list(p["ogb"]),
                        budget=budget or p["budget"],
                        output_bias=row == OUTBIAS,
                        input_gate_bias=list(IGB_BIAS) if row == IGB else None,
                        published=dict(success_pct=p["pct"], sequences=p["sequences"],
                                       source="Table 1" if p["pct"] else None),
                        trials=[asdict(r) for r in recs], successes=len(ok),
                        median_sequences=float(np.median(ok)) if ok else None)
            print(f"table 1 row {row}, {rule}: {len(ok)}/{len(recs)} (the paper: {p['pct']} %)",
                  flush=True)
        part["cpu_seconds"] = round(time.process_time() - t0, 1)
        if a.quick:
            doc["parts"][name] = part
            continue
        doc = records.store_part(OUT, "parts", name, part, run_hs97.FINGERPRINT_FILES + [
            "experiments/hs97_online.py", "experiments/diag_hs97_1_table1.py"],
            battery={i: run_hs97.stored_row(i) for i in (BASE, BASE + "-perstep")})
    return doc


if __name__ == "__main__":
    main()
