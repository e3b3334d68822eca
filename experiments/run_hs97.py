"""The Hochreiter & Schmidhuber (1997) battery, as the paper ran it, at its trial counts (Chapter 16).

    .venv/bin/python experiments/run_hs97.py                 # the whole battery, two workers
    .venv/bin/python experiments/run_hs97.py --all           # and the slow controls (SLOW_CONTROLS)
    .venv/bin/python experiments/run_hs97.py --only hs97-2a  # some experiments
    .venv/bin/python experiments/run_hs97.py --quick         # smoke run: 2 trials, tiny budgets

Each experiment's trials run together in one process (lstm_core.trials: a trial axis on every
array); two worker processes take experiments from the queue, longest first. Every finished
trial is appended to ``results/hs97/<id>.jsonl`` at once, so an interrupted run resumes where it
stopped (finished trials are not re-run). ``results/summary.json`` is rewritten after each
experiment from all the per-trial files, with the library fingerprint
(:func:`fingerprint`) that ``tests/test_experiments.py`` recomputes.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402  (experiments/records.py)

from lstm_core import hs97
from lstm_core import trials as tr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TRIALS_DIR = RESULTS / "hs97"
SUMMARY = RESULTS / "summary.json"

# --------------------------------------------------------------------------------------------
# The paper's setups (tables 10 and 11 of Hochreiter & Schmidhuber 1997) and our departures
# --------------------------------------------------------------------------------------------
GA = dict(bias_cells=False, bias_gates=True, bias_out=False)         # "ga": gates biased
NONE = dict(bias_cells=False, bias_gates=False, bias_out=False)
B1 = dict(bias_cells=True, bias_gates=True, bias_out=False)          # "b1": hidden units
ALL = dict(bias_cells=True, bias_gates=True, bias_out=True)          # "all" non-input units
NET_2A_PAPER = tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True,
                          g="logistic", h="identity", **NONE)
# our departure for 2a/2b: a zero-centred cell input g = 2σ − 1 ∈ (−1, 1) instead of σ ∈ (0, 1)
NET_2A = tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True,
                    g="h1997", h="identity", **NONE)
G_NOTE = ("cell input g zero-centred, 2σ − 1 in (−1, 1), instead of the paper's logistic σ in "
          "(0, 1); control: hs97-2a-paper-g")

BATCH_NOTE = ("minibatch of 8 sequences per update, their gradients summed, i.e. a rate of 8 "
              "times the paper's on the batch mean (the paper: one sequence per update); "
              "control: hs97-4-T100-b8 against hs97-4-T100")
B8 = 8   # sequences per update where the paper's budget is too long for one at a time
B1_NOTE = ("control for the minibatch departure: the paper's rule, one sequence per update at its "
           "learning rate, against the battery's row {base} (8 sequences per update)")
BUDGET_NOTE = "budget at least twice the paper's mean number of sequences"
STREAK_NOTE = ("the 10,000-sequence success streak is counted on training sequences while "
               "learning continues; the count reported is where the streak began")


FROZEN_NOTE = ("success read as the paper words it, 'after training, during 10,000 successive, "
               "randomly chosen input sequences' the error stays below 0.25: every 100 training "
               "sequences the frozen net is tested on 256 fresh sequences (every step, every "
               "output below 0.25), and a net that passes is tested once more on 10,000 fresh "
               "sequences (test_wrong); rows hs97-2a and hs97-2a-perstep count the streak on "
               "training sequences while learning continues instead")


def _e(id_, chapter, published, departures, trials, **kw):
    return dict(id=id_, chapter=chapter, published=published, departures=departures,
                trials=trials, setup=hs97.Setup(id=id_, **kw))


EXPERIMENTS = [
    _e("hs97-1", 16, dict(success_pct=100, sequences=8440, source="Table 1 (3 blocks of size 2, lr 0.5)"),
       ["30 trials with 30 different training/test set pairs (the paper: 3 pairs x 10 initialisations)",
        "test strings may repeat training strings (the paper excludes them)",
        "frozen test every 100 sequences"], 30,
       spec=tr.NetSpec(7, 7, 3, 2, **GA), task="reber", scale=0.2, output_gate_bias=(-1, -2, -3),
       lr=0.5, stop="test", n_train=256, n_test=256, eval_every=100, max_sequences=60_000),
    _e("hs97-1-noogb", 16, dict(success_pct=None, sequences=None, source="ablation of section 4, remedy 2"),
       ["as hs97-1, output-gate biases random in ±0.2 instead of -1, -2, -3 (abuse-problem remedy off)"], 30,
       spec=tr.NetSpec(7, 7, 3, 2, **GA), task="reber", scale=0.2, output_gate_bias=None,
       lr=0.5, stop="test", n_train=256, n_test=256, eval_every=100, max_sequences=60_000),
    _e("hs97-2a", 16, dict(success_pct=100, sequences=5040, source="Table 2 (LSTM, p = 100)"),
       [G_NOTE, STREAK_NOTE, "plateau rule for adding the cell: the mean number of wrongly "
        "predicted steps per sequence over 200 sequences is not 1 % below that of the previous 200"], 18,
       spec=NET_2A, task="noise_free_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="streak", tol=0.25, score="all", sequential=True, max_sequences=40_000, n_test=64),
    _e("hs97-2a-frozen", 16, dict(success_pct=100, sequences=5040, source="Table 2 (LSTM, p = 100)"),
       [G_NOTE, FROZEN_NOTE, "plateau rule for adding the cell as in hs97-2a"], 18,
       spec=NET_2A, task="noise_free_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="test", tol=0.25, score="all", sequential=True, eval_every=100,
       max_sequences=40_000, n_test=10_000),
    _e("hs97-2a-paper-g-frozen", 16, dict(success_pct=100, sequences=5040, source="Table 2 (LSTM, p = 100)"),
       ["control for the g departure: as hs97-2a-frozen with the paper's logistic g in (0, 1)",
        FROZEN_NOTE], 18,
       spec=NET_2A_PAPER, task="noise_free_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="test", tol=0.25, score="all", sequential=True, eval_every=100,
       max_sequences=40_000, n_test=10_000),
    _e("hs97-2a-paper-g", 16, dict(success_pct=100, sequences=5040, source="Table 2 (LSTM, p = 100)"),
       ["control for the g departure: as hs97-2a with the paper's logistic g in (0, 1)", STREAK_NOTE], 18,
       spec=NET_2A_PAPER, task="noise_free_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="streak", tol=0.25, score="all", sequential=True, max_sequences=40_000, n_test=64),
    _e("hs97-2a-noseq", 16, dict(success_pct=None, sequences=None, source="ablation of section 4, remedy 1"),
       ["as hs97-2a, the cell present from the start (no sequential construction)", G_NOTE,
        STREAK_NOTE], 18,
       spec=NET_2A, task="noise_free_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="streak", tol=0.25, score="all", sequential=False, max_sequences=40_000, n_test=64),
    _e("hs97-2b", 16, dict(success_pct=100, sequences=5680, source="section 5.2, task 2b (mean of 18 trials)"),
       [G_NOTE, STREAK_NOTE, "sequential construction as in hs97-2a"], 18,
       spec=NET_2A, task="random_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="streak", tol=0.25, score="end", sequential=True, max_sequences=40_000),
    _e("hs97-2b-paper-g", 16, dict(success_pct=100, sequences=5680, source="section 5.2, task 2b (mean of 18 trials)"),
       ["control for the g departure: as hs97-2b with the paper's logistic g in (0, 1)", STREAK_NOTE,
        "sequential construction as in hs97-2a"], 18,
       spec=NET_2A_PAPER, task="random_long_lag", task_kwargs=dict(p=100), scale=0.2, lr=1.0,
       stop="streak", tol=0.25, score="end", sequential=True, max_sequences=40_000),
    _e("hs97-2c-q100", 16, dict(success_pct=100, sequences=31000, source="Table 3 (q = 100, p = 100)"),
       [STREAK_NOTE], 20,
       spec=tr.NetSpec(104, 2, 2, 1, **NONE), task="distractor_long_lag",
       task_kwargs=dict(q=100, p=100), scale=0.2, lr=0.01, stop="streak", tol=0.2,
       max_sequences=150_000),
    _e("hs97-2c-q1000", 16, dict(success_pct=100, sequences=135000, source="Table 3 (q = 1000, p = 100)"),
       [STREAK_NOTE, "5 trials (the paper: 20)", BATCH_NOTE], 5,
       spec=tr.NetSpec(104, 2, 2, 1, **NONE), task="distractor_long_lag",
       task_kwargs=dict(q=1000, p=100), scale=0.2, lr=0.01 * B8, batch_size=B8, stop="streak",
       tol=0.2, max_sequences=300_000, n_test=512),
    _e("hs97-3a", 16, dict(success_pct=100, sequences=27380, source="Table 4 (T = 100, N = 3, ST1)"),
       ["frozen test on 256 fresh sequences every 100 training sequences (ST1)"], 10,
       spec=tr.NetSpec(1, 1, 3, 1, **B1), task="two_sequence", task_kwargs=dict(T=100, N=3),
       scale=0.1, input_gate_bias=(-1, -3, -5), output_gate_bias=(-2, -4, -6), lr=1.0,
       stop="test", tol=0.2, eval_every=100, max_sequences=150_000),
    _e("hs97-4-T100", 16, dict(success_pct=100, sequences=74000, source="Table 7 (T = 100)"),
       [], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="adding", task_kwargs=dict(T=100), scale=0.1,
       input_gate_bias=(-3, -6), lr=0.5, stop="window", tol=0.04, beta=0.01, max_sequences=200_000),
    _e("hs97-4-T100-b8", 16, dict(success_pct=100, sequences=74000, source="Table 7 (T = 100)"),
       ["control for the minibatch departure: " + BATCH_NOTE], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="adding", task_kwargs=dict(T=100), scale=0.1,
       input_gate_bias=(-3, -6), lr=0.5 * B8, batch_size=B8, stop="window", tol=0.04, beta=0.01,
       max_sequences=200_000),
    _e("hs97-4-T100-noigb", 16, dict(success_pct=None, sequences=None, source="ablation of section 4 (state drift)"),
       ["as hs97-4-T100, input-gate biases random in ±0.1 instead of -3, -6 (drift remedy off)"], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="adding", task_kwargs=dict(T=100), scale=0.1,
       input_gate_bias=None, lr=0.5, stop="window", tol=0.04, beta=0.01, max_sequences=200_000),
    _e("hs97-4-T500", 16, dict(success_pct=100, sequences=209000, source="Table 7 (T = 500)"),
       [BATCH_NOTE], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="adding", task_kwargs=dict(T=500), scale=0.1,
       input_gate_bias=(-3, -6), lr=0.5 * B8, batch_size=B8, stop="window", tol=0.04, beta=0.01,
       max_sequences=420_000),
    _e("hs97-5-n140", 16, dict(success_pct=100, sequences=482000, source="Table 8 (n_seq = 140)"),
       [BATCH_NOTE], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="multiplication", task_kwargs=dict(T=100),
       scale=0.1, lr=0.1 * B8, batch_size=B8, stop="count", tol=0.04, n_seq=140,
       max_sequences=1_000_000),
    _e("hs97-5-n13", 16, dict(success_pct=100, sequences=1273000, source="Table 8 (n_seq = 13)"),
       [BATCH_NOTE], 10,
       spec=tr.NetSpec(2, 1, 2, 2, **ALL), task="multiplication", task_kwargs=dict(T=100),
       scale=0.1, lr=0.1 * B8, batch_size=B8, stop="count", tol=0.04, n_seq=13,
       max_sequences=2_600_000),
    _e("hs97-6a", 16, dict(success_pct=100, sequences=31390, source="Table 9 (task 6a)"),
       [], 20,
       spec=tr.NetSpec(8, 4, 2, 2, **ALL), task="temporal_order", task_kwargs=dict(n_relevant=2),
       scale=0.1, input_gate_bias=(-2, -4), lr=0.5, stop="window", tol=0.3, beta=0.1,
       max_sequences=150_000),
    _e("hs97-6b", 16, dict(success_pct=100, sequences=571100, source="Table 9 (task 6b)"),
       [BATCH_NOTE], 10,
       spec=tr.NetSpec(8, 8, 3, 2, **ALL), task="temporal_order", task_kwargs=dict(n_relevant=3),
       scale=0.1, input_gate_bias=(-2, -4, -6), lr=0.1 * B8, batch_size=B8, stop="window", tol=0.3,
       beta=0.1, max_sequences=1_200_000),
]


def _batch_control(base_id: str, batch_size: int, departures: list[str]) -> dict:
    """A control of the minibatch departure: row ``base_id`` with ``batch_size`` sequences per
    update and the rate that keeps the rate per sequence (the gradients are summed), id
    ``<base_id>-b<batch_size>``; nothing else changes."""
    base = next(e for e in EXPERIMENTS if e["id"] == base_id)
    s, id_ = base["setup"], f"{base_id}-b{batch_size}"
    return dict(base, id=id_, departures=departures,
                setup=hs97.Setup(**{**s.__dict__, "id": id_, "batch_size": batch_size,
                                    "lr": s.lr / s.batch_size * batch_size}))


for _base, _b, _deps in [
        ("hs97-2c-q1000", 1, [STREAK_NOTE, "5 trials (the paper: 20)", B1_NOTE.format(base="hs97-2c-q1000")]),
        ("hs97-4-T500", 1, [B1_NOTE.format(base="hs97-4-T500")]),
        ("hs97-5-n140", 1, [B1_NOTE.format(base="hs97-5-n140")]),
        ("hs97-5-n13", 1, [B1_NOTE.format(base="hs97-5-n13")]),
        ("hs97-6a", B8, ["control for the minibatch departure on a row that meets its bar: as hs97-6a, "
                         + BATCH_NOTE]),
        ("hs97-6b", 1, [B1_NOTE.format(base="hs97-6b")])]:
    EXPERIMENTS.insert([e["id"] for e in EXPERIMENTS].index(_base) + 1, _batch_control(_base, _b, _deps))

# --------------------------------------------------------------------------------------------
# Baselines trained one trial at a time with lstm_core's own layers (full BPTT where stated)
# --------------------------------------------------------------------------------------------
RNN_NOTE = ("baseline: a tanh RNN trained by full BPTT with Adam (lr 0.01, minibatches of 16, "
            "gradients clipped to global norm 1): a stronger learner than the paper's RTRL/BPTT "
            "with plain gradient descent")
SERIAL = [
    dict(id="hs97-2a-rnn", chapter=16, trials=10, kind="rnn", hidden=1, direct=True,
         published=dict(success_pct=0, sequences=5_000_000,
                        source="Table 2 (BPTT and RTRL, p = 100: 0 % after 5,000,000)"),
         departures=[RNN_NOTE, "one self-recurrent tanh hidden unit and direct input-output links "
                     "(the paper: logistic units)",
                     "10 trials, budget 20,000 sequences (the paper: 18 trials, 5,000,000)",
                     STREAK_NOTE],
         task="noise_free_long_lag", task_kwargs=dict(p=100), lr=0.01, batch_size=16,
         max_sequences=20_000, tol=0.25, score="all"),
    dict(id="hs97-2c-rnn", chapter=16, trials=10, kind="rnn", hidden=2, direct=False,
         published=dict(success_pct=None, sequences=None,
                        source="section 5.2, task 2c: 'to our knowledge no other recurrent net "
                               "algorithm can solve it' (no trials reported)"),
         departures=[RNN_NOTE, "2 tanh hidden units (the LSTM net: 2 cells), q = p = 100",
                     "budget 50,000 sequences", STREAK_NOTE],
         task="distractor_long_lag", task_kwargs=dict(q=100, p=100), lr=0.01, batch_size=16,
         max_sequences=50_000, tol=0.2, score="end"),
    dict(id="hs97-4-rnn", chapter=16, trials=10, kind="rnn", hidden=4, direct=False,
         published=dict(success_pct=None, sequences=None,
                        source="section 5.4: similar tasks 'never have been solved by other "
                               "recurrent net algorithms' (no trials reported)"),
         departures=[RNN_NOTE, "4 tanh hidden units (the LSTM net: 4 cells), T = 100",
                     "success: 2000 successive training sequences within 0.04 (the paper's "
                     "criterion without its average-error bound)", "budget 50,000 sequences"],
         task="adding", task_kwargs=dict(T=100), lr=0.01, batch_size=16, max_sequences=50_000,
         tol=0.04, score="end"),
    dict(id="hs97-xor-truncated", chapter=12, trials=10, kind="xor", gradient="truncated",
         published=dict(success_pct=None, sequences=None,
                        source="section 6: truncated LSTM 'will not easily solve' a strongly delayed XOR"),
         departures=["our task: XOR of two marked bits among T = 40 random bits (the paper gives no setup)",
                     "lstm_core's 1997 cell, 4 blocks of 1 cell, logistic output, minibatches of 16, "
                     "plain gradient descent, lr 0.5; success: 2000 successive training sequences "
                     "within 0.3"],
         task="delayed_xor", task_kwargs=dict(T=40), lr=0.5, batch_size=16, max_sequences=60_000,
         tol=0.3, score="end"),
    dict(id="hs97-xor-full", chapter=12, trials=10, kind="xor", gradient="full",
         published=dict(success_pct=None, sequences=None,
                        source="section 6: the full gradient may circumvent the limitation"),
         departures=["as hs97-xor-truncated, with full BPTT through the same net"],
         task="delayed_xor", task_kwargs=dict(T=40), lr=0.5, batch_size=16, max_sequences=60_000,
         tol=0.3, score="end"),
]
for _s in SERIAL:
    _s["setup"] = hs97.Setup(id=_s["id"], spec=tr.NetSpec(1, 1), task=_s["task"],
                             task_kwargs=_s["task_kwargs"], lr=_s["lr"], batch_size=_s["batch_size"],
                             max_sequences=_s["max_sequences"], tol=_s["tol"], score=_s["score"],
                             stop="streak" if _s["task"] != "adding" and _s["kind"] == "rnn"
                             else "window")
EXPERIMENTS += SERIAL

# --------------------------------------------------------------------------------------------
# The same setups under the other reading of the learning rule: the weights changed after every
# time step (real-time learning, experiments/hs97_online.py), one sequence at a time as in the
# paper. Only the experiments whose sequences are affordable one by one.
# --------------------------------------------------------------------------------------------
PERSTEP_NOTE = ("weights changed after every time step by that step's contribution (real-time "
                "learning, appendix A.1 read per step); control: the same setup and seeds with "
                "one change per sequence, row {base}")
PERSTEP_OF = ["hs97-2a", "hs97-2a-frozen", "hs97-2a-paper-g-frozen", "hs97-2a-paper-g", "hs97-2a-noseq", "hs97-2b",
              "hs97-2b-paper-g", "hs97-1", "hs97-1-noogb",
              "hs97-6a", "hs97-3a", "hs97-2c-q100", "hs97-4-T100"]
PERSTEP = []
for _base in [e for e in EXPERIMENTS if e["id"] in PERSTEP_OF]:
    _id = _base["id"] + "-perstep"
    PERSTEP.append(dict(_base, id=_id, rule="per-step",
                        departures=[PERSTEP_NOTE.format(base=_base["id"])] + _base["departures"],
                        setup=hs97.Setup(**{**_base["setup"].__dict__, "id": _id})))
EXPERIMENTS += PERSTEP
EXPERIMENTS_BY_ID = {e["id"]: e for e in EXPERIMENTS}
# Controls of the minibatch departure that run the paper's rule, one sequence per update, on the
# long rows: they cost what the minibatch saves (about 5.4 CPU-hours together), so the battery's
# two-hour run leaves them out; `--all` (or `--only`) runs them.
SLOW_CONTROLS = ["hs97-2c-q1000-b1", "hs97-4-T500-b1", "hs97-5-n140-b1", "hs97-5-n13-b1",
                 "hs97-6b-b1"]
SEED_BASE = 1997


def seeds_of(exp) -> list[int]:
    """Trial k of every experiment uses seed 1997 * 1000 + k: fixed before any run."""
    return [SEED_BASE * 1000 + k for k in range(exp["trials"])]


# --------------------------------------------------------------------------------------------
# Fingerprint: the code (not the docstrings or comments) of this script and the modules it uses
# --------------------------------------------------------------------------------------------
FINGERPRINT_FILES = ["lstm_core/trials.py", "lstm_core/hs97.py",
                     "lstm_core/tasks/batch.py", "lstm_core/tasks/longlag.py",
                     "lstm_core/tasks/reber.py", "lstm_core/_validate.py"]


_code_hash = records.code_hash


SERIAL_FILES = ["lstm_core/lstm.py", "lstm_core/lstm_truncated.py", "lstm_core/rnn.py",
                "lstm_core/readout.py", "lstm_core/optim.py", "lstm_core/activations.py"]


def _code_hash_of(fn) -> str:
    import inspect
    src = inspect.getsource(fn)
    tree = ast.parse(src)
    fn_node = tree.body[0]
    if isinstance(fn_node.body[0], ast.Expr) and isinstance(fn_node.body[0].value, ast.Constant):
        fn_node.body = fn_node.body[1:]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def fingerprint(root: Path = HERE.parent) -> dict:
    """sha256 of the AST (docstrings dropped) of every library file the battery's numbers
    depend on; each trial also stores the hash of its experiment's setup (:func:`setup_hash`)."""
    return {f: _code_hash(root / f) for f in FINGERPRINT_FILES}


def setup_hash(exp) -> str:
    """sha256 of an experiment's setup and seeds: editing one experiment re-runs only that one."""
    extra = {}
    if exp.get("rule") == "per-step":      # the per-step rule's code lives in hs97_online.py
        extra = {"rule": "per-step", "online": _code_hash(HERE / "hs97_online.py")}
    if "kind" in exp:          # the baselines' code lives in this script and lstm_core's layers
        extra = {"runner": _code_hash_of(run_serial_trial), "gradient": exp.get("gradient"),
                 "layers": {f: _code_hash(HERE.parent / f) for f in SERIAL_FILES}}
    key = json.dumps({"setup": exp["setup"].as_dict(), "seeds": seeds_of(exp), **extra},
                     sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Running and summarising
# --------------------------------------------------------------------------------------------

def _trial_file(exp_id: str) -> Path:
    return TRIALS_DIR / f"{exp_id}.jsonl"


def current_trials(exp_id: str, fp: dict | None = None, sh: str | None = None) -> list[dict]:
    """The stored trials of experiment ``exp_id`` that ``results/summary.json`` counts: produced
    by the current library code and the experiment's current setup (or by the code of
    fingerprint ``fp`` and the setup of hash ``sh``), one per seed of the row."""
    exp = EXPERIMENTS_BY_ID[exp_id]
    fp = fingerprint() if fp is None else fp
    sh = setup_hash(exp) if sh is None else sh
    seeds = set(seeds_of(exp))
    return [r for r in load_trials(exp_id) if r.get("fingerprint") == fp
            and r.get("setup_hash") == sh and r["seed"] in seeds]


def stored_row(exp_id: str) -> dict:
    """The battery's row ``exp_id`` as it stands (its :func:`current_trials`): ``trials``,
    ``successes``, ``median_sequences`` of the successful trials and ``test_wrong_median``; what
    the diagnostic scripts set their controls against."""
    recs = current_trials(exp_id)
    ok = [r["sequences"] for r in recs if r["success"]]
    return dict(trials=len(recs), successes=len(ok),
                median_sequences=float(np.median(ok)) if ok else None,
                test_wrong_median=float(np.median([r["test_wrong"] for r in recs])) if recs else None)


def load_trials(exp_id: str) -> list[dict]:
    f = _trial_file(exp_id)
    if not f.exists():
        return []
    out, seen = [], set()
    for line in f.read_text().splitlines():       # first record of a seed wins (two runs racing)
        if line.strip():
            r = json.loads(line)
            key = (r["seed"], r.get("fingerprint") and json.dumps(r["fingerprint"], sort_keys=True),
                   r.get("setup_hash"))
            if key not in seen:
                seen.add(key)
                out.append(r)
    return out


def run_serial_trial(exp, seed: int, setup) -> dict:
    """One baseline trial (lstm_core's layers, one trial at a time)."""
    from lstm_core.lstm_truncated import lstm_backward_truncated
    from lstm_core.readout import NetParams, net_backward, net_forward, readout_backward
    rng = np.random.default_rng(seed)
    t0 = time.process_time()
    from lstm_core.optim import Adam, clip_by_global_norm, named_arrays
    opt = None
    if exp["kind"] == "rnn":
        probe = setup.sample(np.random.default_rng(0), 1)        # only the sizes: not rng
        net = NetParams.init(probe.x.shape[-1], exp["hidden"], probe.t.shape[-1], rng, core="rnn",
                             direct=exp["direct"])
        opt = Adam(lr=setup.lr)
    else:
        net = NetParams.init(2, 4, 1, rng, core="lstm1997", scale=0.1)
    params = named_arrays(net)
    B = setup.batch_size
    seen, streak, recent, curve, acc = 0, 0, [], [], [0.0, 0]
    success = False
    while seen < setup.max_sequences:
        batch = setup.sample(rng, B)
        y, cache = net_forward(net, batch.x)
        e = batch.mask * (batch.t - y)
        dy = -e / B
        if exp.get("gradient") == "truncated":
            out_g, dh, _ = readout_backward(net.out, cache.out, dy)
            core_g = lstm_backward_truncated(net.core, cache.core, dh)
            from lstm_core.readout import NetGrads
            grads = NetGrads(core=core_g, out=out_g)
        else:
            grads, _ = net_backward(net, cache, dy)
        if opt is not None:
            clip_by_global_norm(grads, 1.0, net)
            opt.step(net, grads)
        else:
            g = named_arrays(grads)
            for k in params:
                params[k] -= setup.lr * g[k]
        x4 = lambda a: a[:, None]                                    # (T, 1, B, ·)
        sel = hs97._scored_steps(setup, batch)
        ok, E, _, _ = hs97._judge(setup, x4(y), x4(batch.t), x4(batch.mask), x4(sel))
        for o, err in zip(ok[0], E[0]):
            seen += 1
            streak = streak + 1 if o else 0
            acc[0] += float(err)
            acc[1] += 1
            if acc[1] == 1000:
                curve.append(round(acc[0] / 1000, 6))
                acc[:] = [0.0, 0]
        need = setup.streak if setup.stop == "streak" else setup.window
        if streak >= need:
            success = True
            break
    test = setup.sample(np.random.default_rng([seed, 2]), 512)
    y, _ = net_forward(net, test.x)
    x4 = lambda a: a[:, None]
    ok, _, sq, _ = hs97._judge(setup, x4(y), x4(test.t), x4(test.mask), x4(hs97._scored_steps(setup, test)))
    seqs = seen - (setup.streak if setup.stop == "streak" else setup.window) if success else seen
    return dict(seed=seed, success=success, sequences=int(seqs), test_wrong=int((~ok).sum()),
                test_n=512, test_mse=float(sq.mean()), cpu_seconds=round(time.process_time() - t0, 2),
                blocks_added_at=[], curve=curve)


def run_experiment(exp_id: str, quick: bool = False) -> str:
    exp = EXPERIMENTS_BY_ID[exp_id]
    setup = exp["setup"]
    seeds = seeds_of(exp)
    if quick:
        setup = hs97.Setup(**{**setup.__dict__, "max_sequences": 300, "n_test": 64})
        seeds = seeds[:2]
    fp = fingerprint()
    sh = setup_hash(exp)
    have = {r["seed"] for r in load_trials(exp_id)
            if r.get("fingerprint") == fp and r.get("setup_hash") == sh} if not quick else set()
    todo = [s for s in seeds if s not in have]
    if not todo:
        return f"{exp_id}: all {len(seeds)} trials on file"
    TRIALS_DIR.mkdir(parents=True, exist_ok=True)
    out = _trial_file(exp_id) if not quick else Path(os.devnull)
    t0 = time.time()

    def progress(rec):
        d = asdict(rec)
        d["fingerprint"] = fp
        d["setup_hash"] = sh
        with open(out, "a") as fh:
            fh.write(json.dumps(d) + "\n")
        print(f"[{time.strftime('%H:%M:%S')}] {exp_id} seed {rec.seed}: "
              f"{'success' if rec.success else 'FAIL'} after {rec.sequences:,} sequences, "
              f"test wrong {rec.test_wrong}/{rec.test_n}, {rec.cpu_seconds:.0f} s CPU", flush=True)

    if "kind" in exp:
        for seed in todo:
            progress(hs97.TrialRecord(**run_serial_trial(exp, seed, setup)))
    elif exp.get("rule") == "per-step":
        import hs97_online
        hs97_online.run_trials(setup, todo, progress=progress)
    else:
        hs97.run_trials(setup, todo, progress=progress)
    return f"{exp_id}: {len(todo)} trials in {time.time() - t0:.0f} s"


def summarise(fp: dict | None = None, setup_hashes: dict | None = None) -> list[dict]:
    """One row per experiment from its trial file: the trials of the current code (default),
    or of the code whose ``fp`` (fingerprint) and ``setup_hashes`` (``{id: setup hash}``) are
    given — as ``results/hs97_dense_run.json`` records the battery's first run; rows added after
    that run, absent from ``setup_hashes``, are left out."""
    fp = fingerprint() if fp is None else fp
    rows = []
    for exp in EXPERIMENTS:
        if setup_hashes is not None and exp["id"] not in setup_hashes:
            continue                    # a row added after that run
        recs = current_trials(exp["id"], fp, None if setup_hashes is None else setup_hashes[exp["id"]])
        n = len(recs)
        k = sum(r["success"] for r in recs)
        seqs = [r["sequences"] for r in recs if r["success"]]
        lo, hi = hs97.wilson_interval(k, n)
        rows.append(dict(
            id=exp["id"], chapter=exp["chapter"], trials=n, trials_planned=exp["trials"],
            successes=k, success_interval_95=[round(lo, 3), round(hi, 3)],
            median_sequences=int(np.median(seqs)) if seqs else None,
            mean_sequences=int(np.mean(seqs)) if seqs else None,
            success_sequences=sorted(int(v) for v in seqs),
            budget=exp["setup"].max_sequences,
            test_wrong_median=int(np.median([r["test_wrong"] for r in recs])) if recs else None,
            test_n=recs[0]["test_n"] if recs else None,
            test_mse_median=float(np.median([r["test_mse"] for r in recs])) if recs else None,
            cpu_seconds=round(sum(r["cpu_seconds"] for r in recs), 1),
            published=exp["published"], departures=exp["departures"],
            setup=exp["setup"].as_dict(), n_weights=exp["setup"].spec.n_weights()))
    return rows


def write_summary() -> None:
    rows = summarise()
    fp = fingerprint()
    for r in rows:                      # the schema: a list of records, one per experiment
        r["fingerprint"] = fp
    rows += records.load_records()      # the other long runs (experiments/records.py)
    SUMMARY.write_text(json.dumps(rows, indent=1) + "\n")


def _worker(args):
    """One experiment in a worker process, its BLAS held to one thread. Setting
    ``OPENBLAS_NUM_THREADS`` here would come too late (the spawned worker has imported NumPy by
    then); a BLAS thread pool per worker on a 2-core machine both oversubscribes the cores and
    changes the rounding of the wide baseline matmuls (``hs97-2a-rnn``: 101 outputs), so the
    trials would no longer match the ones on file bit for bit."""
    from threadpoolctl import threadpool_limits
    exp_id, quick = args
    with threadpool_limits(limits=1):
        return run_experiment(exp_id, quick)


def longest_first(ids: list[str]) -> list[str]:
    """``ids`` by the CPU time their experiments took in the run on file (``summary.json``),
    longest first, rows without a time on file before all others: two workers taking the rows
    in this order (LPT) finish close together."""
    try:
        cost = {r["id"]: r["cpu_seconds"] for r in json.loads(SUMMARY.read_text())
                if "cpu_seconds" in r}
    except FileNotFoundError:
        cost = {}
    return sorted(ids, key=lambda i: -cost.get(i, float("inf")))


def battery_ids(with_slow_controls: bool = False) -> list[str]:
    """The rows a run without ``--only`` trains, longest first: every experiment but the
    :data:`SLOW_CONTROLS`, unless ``with_slow_controls``."""
    return longest_first([e["id"] for e in EXPERIMENTS
                          if with_slow_controls or e["id"] not in SLOW_CONTROLS])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="experiment ids (default: all)")
    ap.add_argument("--quick", action="store_true", help="smoke run, nothing stored")
    ap.add_argument("--all", action="store_true",
                    help="also the slow controls " + ", ".join(SLOW_CONTROLS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--summary", action="store_true", help="only rewrite summary.json")
    a = ap.parse_args(argv)
    if a.summary:
        write_summary()
        return
    ids = a.only or battery_ids(a.all)
    for i in ids:
        if i not in EXPERIMENTS_BY_ID:
            sys.exit(f"--only: unknown experiment {i!r}; known: {sorted(EXPERIMENTS_BY_ID)}")
    t0 = time.time()
    with mp.get_context("spawn").Pool(a.workers) as pool:
        for msg in pool.imap_unordered(_worker, [(i, a.quick) for i in ids]):
            print(">>>", msg, flush=True)
            if not a.quick:
                write_summary()
    print(f">>> battery: {time.time() - t0:.0f} s wall", flush=True)


if __name__ == "__main__":
    main()
