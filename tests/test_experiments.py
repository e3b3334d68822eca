"""Tests for Chapter 16: lstm_core.experiments, the experiments script and its committed results,
and the exercise checker lstm_core.checks.experiments."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from lstm_core import tasks
from lstm_core.checks.experiments import check_adding_criterion
from lstm_core.experiments import (SETUPS, TaskSetup, paper_gate_biases, run_trial, sequence_errors,
                                   setup, summarise)
from lstm_core.lstm import LSTMConfig, LSTMParams

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "run_hs97.py"
SUMMARY = ROOT / "experiments" / "results" / "summary.json"


def load_script(name: str = "run_hs97.py"):
    """An experiments/ script as a module (default: the battery's runner)."""
    spec = importlib.util.spec_from_file_location(name[:-3], SCRIPT.parent / name)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- the committed battery (Chapter 16)

REQUIRED_IDS = ["hs97-1", "hs97-2a", "hs97-2a-rnn", "hs97-2b", "hs97-2c-q100", "hs97-2c-q1000",
                "hs97-3a", "hs97-4-T100", "hs97-4-T500", "hs97-5-n140", "hs97-5-n13", "hs97-6a",
                "hs97-6b", "hs97-xor-truncated", "hs97-xor-full", "hs97-2c-rnn", "hs97-4-rnn"]


def test_summary_belongs_to_the_committed_code_and_trials():
    """summary.json is what run_hs97.py computes now from the committed per-trial files, and
    every trial in it was produced by the current library code and its experiment's setup."""
    script = load_script()
    doc = json.loads(SUMMARY.read_text())
    assert isinstance(doc, list), "summary.json: expected a list of records, one per experiment"
    battery_ids = {e["id"] for e in script.EXPERIMENTS + script.SERIAL}
    battery = [r for r in doc if r["id"] in battery_ids]
    assert all(r["fingerprint"] == script.fingerprint() for r in battery), \
        "lstm_core code changed since the battery ran: rerun `make experiments`"
    stored = [{k: v for k, v in r.items() if k != "fingerprint"} for r in battery]
    assert stored == json.loads(json.dumps(script.summarise())), \
        "summary.json differs from the per-trial files: run experiments/run_hs97.py --summary"
    assert doc[len(battery):] == script.records.load_records(), \
        "summary.json lacks the records of experiments/results/records: run run_hs97.py --summary"


def test_dense_run_archive_is_recomputed_from_its_trials():
    """results/hs97_dense_run.json, the battery's first run (the dense path), is what
    run_hs97.summarise computes from the per-trial files for that run's fingerprint and setup
    hashes: each row at its planned trial count, and none of its trials is the current run's."""
    script = load_script()
    doc = json.loads((ROOT / "experiments" / "results" / "hs97_dense_run.json").read_text())
    assert doc["fingerprint"] != script.fingerprint()
    again = {r["id"]: r for r in script.summarise(doc["fingerprint"], doc["setup_hash"])}
    assert [r["id"] for r in doc["rows"]] == list(again)
    for row in doc["rows"]:
        assert row["trials"] == row["trials_planned"] > 0, row["id"]
        assert row == {k: again[row["id"]][k] for k in row}, row["id"]


@pytest.mark.parametrize("name", ["rerun_check.json", "rerun_check_run3.json"])
def test_rerun_comparison_is_recomputed_from_the_trials(name):
    """results/rerun_check.json and the earlier re-run's rerun_check_run3.json
    (experiments/compare_reruns.py, quoted by chapter 16) are what the comparison computes now
    from the per-trial files: the re-run's trials (the current code's, or those of the code the
    file names as new) paired by seed with those of the code it names as old, and they pair every
    trial of every row."""
    path = ROOT / "experiments" / "results" / name
    doc = json.loads(path.read_text())
    mod = load_script("compare_reruns.py")
    again = json.loads(json.dumps(mod.compare(doc["old_fingerprint"], doc.get("new_fingerprint"))))
    assert {k: doc[k] for k in again} == again, \
        "rerun_check.json differs from the per-trial files: run experiments/compare_reruns.py --json"
    assert all(r["paired"] == r["trials"] > 0 for r in doc["rows"]), \
        "a row of the re-run has trials without a partner of the same seed in the run before"


def test_lpt_hours():
    mod = load_script("compare_reruns.py")
    assert mod.lpt_hours([60, 60, 60]) == 2.0                     # two workers: 60 + 60 | 60
    assert mod.lpt_hours([90, 30, 30, 30]) == 1.5
    assert mod.lpt_hours([]) == 0.0


def test_every_other_record_belongs_to_the_committed_code():
    """Each record of the extension runs (experiments/records.py) has the schema and was made by
    the code it names: the fingerprint of its script and library files is recomputed here."""
    script = load_script()
    for rec in script.records.load_records():
        script.records.check_record(rec)
        files = sorted(rec["fingerprint"])
        assert files, f"{rec['id']}: the record names no code"
        assert rec["fingerprint"] == script.records.fingerprint_of(files), \
            f"{rec['id']}: its code changed since it ran; rerun the script that wrote it"


def test_record_schema_errors_name_the_field():
    records = load_script().records
    good = dict(id="x", chapter=9, trials=10, successes=3, median_sequences=None, cpu_seconds=1.0,
                published=dict(success_pct=None, sequences=None, source="none"), departures=[])
    assert records.check_record(good) is good
    with pytest.raises(ValueError, match="missing fields \\['departures'\\]"):
        records.check_record({k: v for k, v in good.items() if k != "departures"})
    with pytest.raises(ValueError, match="successes <= trials"):
        records.check_record({**good, "successes": 11})
    with pytest.raises(ValueError, match="published"):
        records.check_record({**good, "published": {"source": "x"}})
    with pytest.raises(ValueError, match="median_sequences"):
        records.check_record({**good, "median_sequences": float("nan")})


def test_summary_schema_and_required_rows():
    doc = json.loads(SUMMARY.read_text())
    rows = {r["id"]: r for r in doc}
    assert set(REQUIRED_IDS) <= set(rows)
    for r in rows.values():
        assert {"id", "chapter", "trials", "successes", "median_sequences", "cpu_seconds",
                "published", "departures"} <= set(r)
        assert {"success_pct", "sequences", "source"} <= set(r["published"])
        assert 0 <= r["successes"] <= r["trials"]
        if r["id"].startswith("hs97-"):
            assert len(r["success_sequences"]) == r["successes"]


@pytest.mark.parametrize("control, base", [("hs97-4-T100-b8", "hs97-4-T100"),
                                           ("hs97-6a-b8", "hs97-6a"),
                                           ("hs97-4-T500-b1", "hs97-4-T500"),
                                           ("hs97-6b-b1", "hs97-6b"),
                                           ("hs97-2c-q1000-b1", "hs97-2c-q1000"),
                                           ("hs97-5-n140-b1", "hs97-5-n140"),
                                           ("hs97-5-n13-b1", "hs97-5-n13")])
def test_minibatch_controls_change_only_the_batch_and_the_rate(control, base):
    """Each control of the minibatch departure is its base row with another number of sequences
    per update, the rate per sequence kept (summed gradients: lr / batch_size is the paper's)."""
    script = load_script()
    c, b = (script.EXPERIMENTS_BY_ID[i]["setup"].as_dict() for i in (control, base))
    changed = {k for k in c if k != "id" and c[k] != b[k]}
    assert changed == {"batch_size", "lr"}
    assert {c["batch_size"], b["batch_size"]} == {1, script.B8}
    assert c["lr"] / c["batch_size"] == pytest.approx(b["lr"] / b["batch_size"])
    assert script.EXPERIMENTS_BY_ID[control]["trials"] == script.EXPERIMENTS_BY_ID[base]["trials"]
    assert script.seeds_of(script.EXPERIMENTS_BY_ID[control]) == \
        script.seeds_of(script.EXPERIMENTS_BY_ID[base])


def test_the_two_hour_run_leaves_out_only_the_slow_controls():
    script = load_script()
    every = {e["id"] for e in script.EXPERIMENTS}
    assert set(script.battery_ids()) == every - set(script.SLOW_CONTROLS)
    assert set(script.battery_ids(with_slow_controls=True)) == every
    assert set(script.SLOW_CONTROLS) <= every


def test_every_trial_record_names_its_seed_and_code():
    script = load_script()
    for exp in script.EXPERIMENTS:
        recs = script.load_trials(exp["id"])
        seeds = set(script.seeds_of(exp))
        assert all(r["seed"] in seeds for r in recs), exp["id"]


def test_battery_worker_runs_with_one_blas_thread(monkeypatch):
    """A worker of the battery runs its experiment with the BLAS held to one thread, whatever the
    environment says (two threads per worker changed hs97-2a-rnn's last digits), and gives the
    threads back afterwards."""
    from threadpoolctl import threadpool_info, threadpool_limits
    script = load_script()
    seen = {}

    def fake_run(exp_id, quick):
        seen[exp_id, quick] = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        return "ok"

    monkeypatch.setattr(script, "run_experiment", fake_run)
    with threadpool_limits(limits=2, user_api="blas"):
        before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        if set(before) != {2}:                  # nothing to hold back: the test would prove nothing
            pytest.skip(f"the BLAS runs {before} threads here, not 2")
        assert script._worker(("hs97-3a", True)) == "ok"
        after = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert seen[("hs97-3a", True)] and set(seen[("hs97-3a", True)]) == {1}
    assert after == before


def test_battery_quick_run(tmp_path, monkeypatch):
    """The script's smoke run trains two trials of two experiments end to end."""
    script = load_script()
    msg = script.run_experiment("hs97-3a", quick=True)
    assert "2 trials" in msg
    assert "2 trials" in script.run_experiment("hs97-xor-full", quick=True)


def test_fingerprint_ignores_docstrings_not_code(tmp_path):
    script = load_script()
    a = tmp_path / "a.py"
    a.write_text('def f(x):\n    """doc"""\n    return x + 1  # comment\n')
    h = script._code_hash(a)
    a.write_text('def f(x):\n    """other words"""\n    return x + 1\n')
    assert script._code_hash(a) == h
    a.write_text('def f(x):\n    return x + 2\n')
    assert script._code_hash(a) != h


def test_run_trial_is_deterministic_and_reports_what_it_did():
    s = setup("adding", task_kwargs=dict(T=10), max_sequences=256, n_test=64, window=64,
              eval_every=2)
    a, b = run_trial(s, 3), run_trial(s, 3)
    assert a.curve_loss == b.curve_loss and a.test_wrong == b.test_wrong
    assert a.sequences == (256 if not a.solved else a.sequences)
    assert a.curve_sequences[0] == 2 * s.batch_size
    assert a.test_n == 64 and 0 <= a.test_correct <= 1
    assert a.n_weights == 8 * 2 + 8 * 4 + 8 + 4 + 1
    c = run_trial(s, 4)
    assert c.curve_loss != a.curve_loss


def test_reber_trial_learns_the_short_range_predictions():
    """A short Reber run: the network learns the plain grammar transitions quickly, so the
    fraction of correct strings on train + test rises from 0."""
    s = setup("embedded_reber", max_sequences=1600, n_train=64, n_test=64)
    r = run_trial(s, 0)
    assert r.test_n == 64
    assert r.curve_correct[0] < r.curve_correct[-1] or r.solved


def test_paper_gate_biases():
    p = LSTMParams.init(2, 6, LSTMConfig.preset("lstm1997", block_size=2), rng=0)
    paper_gate_biases(p)
    lay = p.config.layout(6)
    np.testing.assert_array_equal(p.b[lay["o"]], [-1.0, -2.0, -3.0])
    paper_gate_biases(p, 0.0, 3.0)
    np.testing.assert_array_equal(p.b[lay["i"]], [-3.0, -6.0, -9.0])
    np.testing.assert_array_equal(p.b[lay["o"]], [-1.0, -2.0, -3.0])
    with pytest.raises(ValueError, match="input_step: expected a finite number >= 0"):
        paper_gate_biases(p, 1.0, -1.0)
    with pytest.raises(TypeError, match="params: expected LSTMParams"):
        paper_gate_biases(None)


def test_sequence_errors():
    batch = tasks.adding_problem(0, 4, T=10)
    y = batch.t + 0.1 * batch.mask
    np.testing.assert_allclose(sequence_errors(y, batch), 0.005)
    np.testing.assert_allclose(sequence_errors(y, batch, "abs"), 0.1)
    with pytest.raises(ValueError, match="kind: expected"):
        sequence_errors(y, batch, "rms")
    with pytest.raises(ValueError, match="y: expected shape"):
        sequence_errors(y[:-1], batch)


def test_summarise():
    trials = [dict(task="a", solved=True, sequences=100, test_correct=1.0, seconds=1.0),
              dict(task="a", solved=False, sequences=500, test_correct=0.5, seconds=2.0),
              dict(task="a", solved=True, sequences=300, test_correct=1.0, seconds=1.0),
              dict(task="b", solved=False, sequences=500, test_correct=0.0, seconds=1.0)]
    s = summarise(trials)
    assert s["a"]["success_rate"] == pytest.approx(2 / 3) and s["a"]["median_sequences"] == 200
    assert s["a"]["seconds"] == 4.0 and s["a"]["cpu_seconds"] == 0.0
    assert s["b"]["median_sequences"] is None
    with pytest.raises(ValueError, match="every trial needs 'solved'"):
        summarise([dict(task="a", sequences=1)])
    with pytest.raises(TypeError, match="trials: expected a list"):
        summarise({"task": "a"})


def test_setups_and_bad_input():
    assert set(SETUPS) >= {"embedded_reber", "long_lag", "adding", "multiplication",
                           "temporal_order"}
    for s in SETUPS.values():
        b = s.batch(np.random.default_rng(0), 2)
        assert b.x.shape[2] == s.n_in and b.t.shape[2] == s.n_out
    assert setup("adding", lr=0.5).lr == 0.5 and SETUPS["adding"].lr != 0.5
    with pytest.raises(ValueError, match="name: expected one of"):
        setup("parity")
    with pytest.raises(TypeError, match="s: expected a TaskSetup"):
        run_trial("adding", 0)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"):
        run_trial(setup("adding"), -1)
    with pytest.raises(ValueError, match="s.stop: expected"):
        run_trial(setup("adding", stop="never"), 0)
    assert isinstance(setup("adding"), TaskSetup)


# ---------------------------------------------------------------- the exercise checker


def reference(y, batch):
    B = y.shape[1]
    end = batch.lengths - 1
    return np.abs(y[end, np.arange(B), 0] - batch.t[end, np.arange(B), 0]) < 0.04


def test_checker_passes_the_reference_and_the_library():
    assert check_adding_criterion(reference).passed
    assert check_adding_criterion(tasks.adding_correct).passed


@pytest.mark.parametrize("wrong,hint", [
    (lambda y, b: np.abs(y[-1, :, 0] - b.t[b.lengths - 1, np.arange(y.shape[1]), 0]) < 0.04,
     "y\\[-1\\]"),
    (lambda y, b: (y - b.t)[b.lengths - 1, np.arange(y.shape[1]), 0] ** 2 < 0.04, "squared"),
    (lambda y, b: (y - b.t)[b.lengths - 1, np.arange(y.shape[1]), 0] < 0.04, "absolute value"),
    (lambda y, b: np.all(np.abs(y - b.t)[..., 0] < 0.04, axis=0), "only the end"),
    (lambda y, b: None, "return statement"),
    (lambda y, b: np.ones(3, bool), "shape"),
    (lambda y, b: np.ones(y.shape[1]), "booleans"),
    (lambda y, b: 1 / 0, "ZeroDivisionError"),
    (lambda y, b: reference(y, b) & (b.lengths < 21), "expected True, got False"),
])
def test_checker_explains_wrong_answers(wrong, hint):
    r = check_adding_criterion(wrong)
    assert not r.passed
    assert pytest.importorskip("re").search(hint, r.message), r.message


def test_checker_rejects_non_functions():
    r = check_adding_criterion(42)
    assert not r.passed and "expected a function" in r.message


# ---------------------------------------------------------------- the chapter's figures


# ---------------------------------------------------------------- experiment 1, diagnosed (Chapter 16)

def load_diag(name: str = "diag_hs97_1"):
    """One of the experiments/diag_*.py scripts, imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_exp1_diagnosis_quick_run_scores_both_rules():
    doc = load_diag().main(["--quick"])
    assert [r["rule"] for r in doc["runs"]] == ["per-sequence", "per-step"]
    for run in doc["runs"]:
        assert [c["sequences"] for c in run["checkpoints"]] == [20, 40]
        for c in run["checkpoints"]:
            for t in c["trials"]:
                assert 0 <= t["hard_wrong"] <= 1 and 0 <= t["other_wrong"] <= 1


def test_exp1_diagnosis_on_file_belongs_to_the_committed_code():
    diag = load_diag()
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert doc["budget"] == diag.BUDGET and len(doc["runs"][0]["seeds"]) == diag.TRIALS


# ---------------------------------------------------------------- experiment 2a, diagnosed (Chapter 16)

def test_exp2a_diagnosis_quick_run_records_every_training_sequence():
    doc = load_diag("diag_hs97_2a").main(["--quick"])
    assert [r["rule"] for r in doc["runs"]] == ["per-sequence", "per-step"]
    for run in doc["runs"]:
        assert len(run["trials"]) == 2
        for t in run["trials"]:
            assert [w["sequences"] for w in t["windows"]] == [2000, 4000]
            for w in t["windows"]:
                assert 0 <= w["frac_bad"] <= 1 and w["median_max_error"] >= 0
                assert w["frac_bad_at_last_step"] is None or 0 <= w["frac_bad_at_last_step"] <= 1


def test_exp2a_diagnosis_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_2a")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert [len(r["trials"]) for r in doc["runs"]] == [diag.TRIALS, diag.TRIALS]
    battery = {json.loads(line)["seed"]: json.loads(line)
               for line in (ROOT / "experiments" / "results" / "hs97" / "hs97-2a-perstep.jsonl")
               .read_text().splitlines() if line.strip()}
    for t in doc["runs"][1]["trials"]:        # the re-run trials are the battery's trials
        assert (t["success"], t["sequences"], t["test_wrong"]) == (
            battery[t["seed"]]["success"], battery[t["seed"]]["sequences"], battery[t["seed"]]["test_wrong"])


# ---------------------------------------------------------------- experiment 4, diagnosed (Chapter 16)

def test_exp4_diagnosis_quick_run_splits_the_misses():
    doc = load_diag("diag_hs97_4").main(["--quick"])
    assert [c["sequences"] for c in doc["checkpoints"]] == [20, 40]
    for c in doc["checkpoints"]:
        for t in c["trials"]:
            assert t["wrong"] == t["wrong_extreme"] + t["wrong_interior"] <= doc["n_test"]
            assert 0 <= t["train_miss_rate"] <= 1 and 0 <= t["p_streak"] <= 1


def test_exp4_control_quick_run_narrows_targets_and_tolerance():
    diag = load_diag("diag_hs97_4")
    doc = diag.main(["--quick", "--control"])
    assert doc["setup"]["tol"] == pytest.approx(0.032) and len(doc["trials"]) == 2
    b = diag._adding_narrow(np.random.default_rng(0), 64, T=20)
    end = b.t[b.lengths - 1, np.arange(64), 0]
    assert end.min() >= 0.1 and end.max() <= 0.9
    assert np.allclose(end, 0.1 + 0.8 * (0.5 + (b.info["X1"] + b.info["X2"]) / 4))


def test_exp4_diagnosis_on_file_is_the_battery_run():
    diag = load_diag("diag_hs97_4")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    battery = {json.loads(line)["seed"]: json.loads(line)
               for line in (ROOT / "experiments" / "results" / "hs97" / f"{diag.EXP}.jsonl")
               .read_text().splitlines() if line.strip()}
    last = doc["checkpoints"][-1]
    assert last["sequences"] == doc["budget"]
    for seed, t in zip(doc["seeds"], last["trials"]):   # the re-run ends where the battery ended
        assert not battery[seed]["success"] and t["wrong"] == battery[seed]["test_wrong"]
    ctl = json.loads(diag.OUT_CONTROL.read_text())
    assert ctl["fingerprint"] == diag.records.fingerprint_of(sorted(ctl["fingerprint"]))
    assert [t["seed"] for t in ctl["trials"]] == doc["seeds"]


# ---------------------------------------------------------------- experiment 2c, diagnosed (Chapter 16)

def test_exp2c_diagnosis_quick_run_measures_states_and_separation():
    doc = load_diag("diag_hs97_2c").main(["--quick"])
    assert [c["sequences"] for c in doc["checkpoints"]] == [0, 20, 40]
    for c in doc["checkpoints"]:
        for t in c["trials"]:
            assert 0 <= t["wrong"] <= doc["n_test"] and 0 <= t["sat"] <= 1
            assert t["abs_s"] >= 0 and t["sep"] >= 0 and 0 < t["w_k"]


def test_exp2c_cell_outputs_recovered_from_the_outputs_are_the_forward_pass_ones():
    """y^c = W_kc⁻¹ logit(y) at the scored step, against y^c computed from the stored states:
    with no output gates, y^c = h(s) exactly, so build such a net and compare."""
    diag = load_diag("diag_hs97_2c")
    from dataclasses import replace
    setup = diag.run_hs97.EXPERIMENTS_BY_ID[diag.EXP]["setup"]
    spec = replace(setup.spec, output_gate=False)
    small = diag.hs97.Setup(**{**setup.__dict__, "spec": spec,
                               "task_kwargs": dict(q=10, p=100)})
    nets = diag.tr.init_nets(spec, [np.random.default_rng(3), np.random.default_rng(4)], scale=0.2)
    tests = [small.sample(np.random.default_rng(k), 40) for k in range(2)]
    v = diag.end_view(nets, tests, small, chunk=16)
    h, _ = diag.tr.squash(spec.h, v["s"])
    assert v["yc"].shape == (2, 40, 2)
    assert np.allclose(v["yc"], h, atol=1e-9)


def test_exp2c_control_quick_run_biases_the_input_gates():
    diag = load_diag("diag_hs97_2c")
    doc = diag.main(["--quick", "--control"])
    assert tuple(doc["setup"]["input_gate_bias"]) == diag.CONTROL_BIAS and len(doc["trials"]) == 2


def test_exp2c_diagnosis_on_file_is_the_battery_run():
    diag = load_diag("diag_hs97_2c")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    battery = {json.loads(line)["seed"]: json.loads(line)
               for line in (ROOT / "experiments" / "results" / "hs97" / f"{diag.EXP}.jsonl")
               .read_text().splitlines() if line.strip()}
    last = doc["checkpoints"][-1]
    assert last["sequences"] == doc["budget"]
    for seed, t in zip(doc["seeds"], last["trials"]):   # the re-run ends where the battery ended
        assert not battery[seed]["success"] and t["wrong"] == battery[seed]["test_wrong"]
    ctl = json.loads(diag.OUT_CONTROL.read_text())
    assert ctl["fingerprint"] == diag.records.fingerprint_of(sorted(ctl["fingerprint"]))
    assert [t["seed"] for t in ctl["trials"]] == doc["seeds"]


# ---------------------------------------------------------------- experiment 6b, diagnosed (Chapter 16)

@pytest.mark.parametrize("args", [[], ["--solved"], ["--row", "hs97-6b-b1"]])
def test_exp6b_diagnosis_quick_run_measures_states_outputs_and_steps(args):
    doc = load_diag("diag_hs97_6b").main(["--quick"] + args)
    assert [c["sequences"] for c in doc["checkpoints"]] == [0, 40, 80]
    for c in doc["checkpoints"]:
        for t in c["trials"]:
            assert 0 <= t["wrong"] <= doc["n_test"] and 0 <= t["sat"] <= 1
            assert 0 < t["y_sum"] < 8 and t["abs_s"] >= 0 and t["drift"] >= 0
            assert len(t["igb"]) == len(t["ogb"]) == 3
    assert all(t["step_max"] > 0 for t in doc["checkpoints"][-1]["trials"])


def test_exp6b_distractor_steps_leave_out_the_first_the_relevant_and_the_trigger():
    diag = load_diag("diag_hs97_6b")
    b = diag.hs97.SAMPLERS["temporal_order"](np.random.default_rng(2), 8, n_relevant=3)
    keep = diag.distractor_steps(b.lengths, b.info["positions"], b.t.shape[0])
    sym = b.x.argmax(axis=2)                       # 0 E, 1 B, 2-5 a-d, 6-7 X/Y
    for k in range(8):
        L = b.lengths[k]
        assert keep[:L, k].tolist() == [2 <= s <= 5 for s in sym[:L, k]][:L - 1] + [False]
        assert not keep[L:, k].any()


@pytest.mark.parametrize("row", ["hs97-6b", "hs97-6b-b1"])
def test_exp6b_diagnosis_on_file_is_the_battery_run(row):
    """The re-run's learning curves are the battery's, number for number, and its nets end where
    the battery's failed trials ended (the row, and its control by the paper's rule)."""
    diag = load_diag("diag_hs97_6b")
    doc = json.loads(diag.ROWS[row].read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert doc["experiment"] == row
    battery = {r["seed"]: r for r in diag.run_hs97.current_trials(row)}
    assert doc["seeds"] == diag.failed_seeds(row) and len(doc["seeds"]) > 0
    last = doc["checkpoints"][-1]
    assert last["sequences"] == doc["budget"] == battery[doc["seeds"][0]]["sequences"]
    for seed, t, curve in zip(doc["seeds"], last["trials"], doc["curves"]):
        assert not battery[seed]["success"] and t["wrong"] == battery[seed]["test_wrong"]
        assert curve == battery[seed]["curve"]


def test_exp6b_solved_diagnosis_on_file_is_the_battery_run():
    """The solved trials, re-run: their curves are the battery's up to the stop, and at the
    update after which each met the stop criterion the frozen test is the battery's."""
    diag = load_diag("diag_hs97_6b")
    doc = json.loads(diag.OUT_SOLVED.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    battery = {r["seed"]: r for r in diag.run_hs97.current_trials(diag.EXP)}
    assert dict(zip(doc["seeds"], doc["stops"])) == diag.solved_stops() and doc["seeds"]
    at = {c["sequences"]: c for c in doc["checkpoints"]}
    for k, (seed, stop, curve) in enumerate(zip(doc["seeds"], doc["stops"], doc["curves"])):
        b = battery[seed]
        assert b["success"] and b["sequences"] == stop
        assert at[stop]["trials"][k]["wrong"] == b["test_wrong"]
        assert curve[:len(b["curve"])] == b["curve"]


# ---------------------------------------------------------------- experiment 1, next-symbol targets (Chapter 16)

def test_exp1_next_symbol_targets_are_the_next_input_and_the_closing_e():
    diag = load_diag("diag_hs97_1_targets")
    from lstm_core import tasks
    b = tasks.reber_batch(np.random.default_rng(5), 16)
    n = diag.next_symbol_targets(b)
    for k, s in enumerate(b.info["strings"]):
        L = b.lengths[k]
        want = [tasks.reber.SYMBOLS.index(c) for c in s[1:]]       # what comes after each input
        assert n.t[:L, k].argmax(axis=1).tolist() == want
        assert np.all(n.t[:L, k].sum(axis=1) == 1) and not n.t[L:, k].any()
        assert np.all(b.t[:L, k][np.arange(L), want] == 1)         # one of the possible symbols


def test_exp1_next_symbol_control_quick_run_restores_the_stream():
    diag = load_diag("diag_hs97_1_targets")
    doc = diag.main(["--quick"])
    assert len(doc["trials"]) == 2 and diag.hs97._Stream is not diag.NextSymbolStream


def test_exp1_next_symbol_control_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_1_targets")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert [t["seed"] for t in doc["trials"]] == diag.run_hs97.seeds_of(
        diag.run_hs97.EXPERIMENTS_BY_ID[diag.EXP])


# ---------------------------------------------------------------- experiment 2a, the added cell's first weights (Chapter 16)

def _battery_and_control(diag, base: str, budget: int, off: dict, on: dict):
    """Two seeds of battery row ``base`` at ``budget`` sequences (64 test sequences): the
    battery's own trainer, then ``diag.run_row`` with the change ``off`` and ``on``; each as a
    list of records without their CPU time."""
    exp = diag.run_hs97.EXPERIMENTS_BY_ID[base]
    seeds = diag.run_hs97.seeds_of(exp)[:2]
    setup = diag.hs97.Setup(**{**exp["setup"].__dict__, "max_sequences": budget, "n_test": 64})
    runner = diag.hs97_online.run_trials if exp.get("rule") == "per-step" else diag.hs97.run_trials
    want = runner(setup, seeds)
    diag.run_hs97.EXPERIMENTS_BY_ID[base] = dict(exp, setup=setup)
    try:
        got, changed = [diag.run_row(base, seeds, **kw) for kw in (off, on)]
    finally:
        diag.run_hs97.EXPERIMENTS_BY_ID[base] = exp
    strip = lambda recs: [{k: v for k, v in r.__dict__.items() if k != "cpu_seconds"} for r in recs]  # noqa: E731
    return strip(want), strip(got), strip(changed)


def test_exp2a_init_control_zeroes_only_the_cell_to_output_weights():
    diag = load_diag("diag_hs97_2a_init")
    setup = diag.run_hs97.EXPERIMENTS_BY_ID["hs97-2a-paper-g-frozen"]["setup"]
    spec, C = setup.spec, setup.spec.n_cells
    plain = diag.tr.init_nets(spec, [np.random.default_rng(s) for s in (1, 2)], scale=0.2, on=False)
    zero = diag.zero_cell_output_init(diag.tr.init_nets)(
        spec, [np.random.default_rng(s) for s in (1, 2)], scale=0.2, on=False)
    assert np.all(zero.W_k[:, :, :C] == 0) and np.any(plain.W_k[:, :, :C] != 0)
    assert np.array_equal(zero.W_k[:, :, C:], plain.W_k[:, :, C:])
    for n in ("W_c", "W_in"):
        assert np.array_equal(getattr(zero, n), getattr(plain, n))


@pytest.mark.parametrize("base", ["hs97-2a-paper-g-frozen", "hs97-2a-paper-g-perstep"])
def test_exp2a_init_control_without_the_change_is_the_battery_trainer(base):
    """run_row(zero=False) is the battery's trainer for that row, record for record."""
    diag = load_diag("diag_hs97_2a_init")
    # the cell is switched on after 600 sequences in these rows: run past that
    want, got, changed = _battery_and_control(diag, base, 800, dict(zero=False), dict(zero=True))
    assert got == want
    assert all(r["blocks_added_at"] == [600] for r in want)
    assert changed != want
    assert diag.hs97.tr is diag.tr                      # the trials module is restored



def test_exp2a_init_control_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_2a_init")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert set(doc["rows"]) == set(diag.ROWS)
    for name, row in doc["rows"].items():
        exp = diag.run_hs97.EXPERIMENTS_BY_ID[diag.ROWS[name]]
        assert row["base"] == diag.ROWS[name] and row["seeds"] == diag.run_hs97.seeds_of(exp)
        assert [t["seed"] for t in row["trials"]] == row["seeds"]
        assert row["successes"] == sum(t["success"] for t in row["trials"])
        assert row["battery"] == diag.stored(row["base"])     # the battery row it is set against


# ---------------------------------------------------------------- experiment 2b, the error at the end and the shut gate (Chapter 16)

@pytest.mark.parametrize("hot", [False, True])
def test_exp2b_end_only_keeps_the_inputs_and_the_end_targets(hot):
    diag = load_diag("diag_hs97_2b")
    b = diag.hs97.random_long_lag(np.random.default_rng(3), 5, p=12, hot=hot)
    e = diag.end_only(b)
    assert e.x is b.x and e.info is b.info and np.array_equal(e.lengths, b.lengths)
    assert np.all(e.mask[-1] == 1) and not e.mask[:-1].any()
    assert np.array_equal(e.t[-1], b.t[-1]) and b.t[:-1].any() and not e.t[:-1].any()


def test_exp2b_end_only_task_is_registered_only_inside_the_block():
    diag = load_diag("diag_hs97_2b")
    base = diag.run_hs97.EXPERIMENTS_BY_ID["hs97-2b"]["setup"]
    setup = diag.hs97.Setup(**{**base.__dict__, "task": diag.TASK})
    before = dict(diag.hs97.SAMPLERS), dict(diag.hs97.HOT_SAMPLERS)
    with diag.end_only_task():
        for hot in (False, True):
            got = setup.sample(np.random.default_rng(5), 4, hot=hot)
            want = base.sample(np.random.default_rng(5), 4, hot=hot)     # the same draws
            x_got, x_want = (b.x.sym if hot else b.x for b in (got, want))
            assert np.array_equal(x_got, x_want)
            assert np.array_equal(got.mask, want.info["score"])
            assert np.array_equal(got.t, want.t * want.info["score"])
    assert (dict(diag.hs97.SAMPLERS), dict(diag.hs97.HOT_SAMPLERS)) == before
    assert diag.TASK not in diag.hs97.SAMPLERS


def test_exp2b_end_only_control_without_the_change_is_the_battery_trainer():
    """run_row(end=False) is the battery's trainer for hs97-2b, record for record."""
    diag = load_diag("diag_hs97_2b")
    want, got, changed = _battery_and_control(diag, "hs97-2b", 1000, dict(end=False), dict(end=True))
    assert got == want
    assert all(len(r["curve"]) == 1 for r in want)
    assert [r["curve"] for r in changed] != [r["curve"] for r in want]
    assert diag.TASK not in diag.hs97.SAMPLERS


def test_exp2b_end_only_quick_run_stores_nothing(tmp_path, monkeypatch):
    diag = load_diag("diag_hs97_2b")
    monkeypatch.setattr(diag, "OUT", tmp_path / "exp2b.json")
    doc = diag.main(["--quick"])
    assert set(doc["rows"]) == set(diag.ROWS) and not diag.OUT.exists()
    assert all(len(row["trials"]) == 2 for row in doc["rows"].values())


def test_exp2b_shut_gate_changes_only_the_gate_weights_from_the_middle_symbols():
    diag = load_diag("diag_hs97_2b")
    spec = diag.run_hs97.EXPERIMENTS_BY_ID["hs97-2b"]["setup"].spec
    plain = diag.tr.init_nets(spec, [np.random.default_rng(s) for s in (1, 2)], scale=0.2)
    shut = diag.shut_middle_gate(diag.tr.init_nets, 99)(
        spec, [np.random.default_rng(s) for s in (1, 2)], scale=0.2)
    assert np.all(shut.W_in[:, :, :99] == diag.SHUT)
    assert np.array_equal(shut.W_in[:, :, 99:], plain.W_in[:, :, 99:])     # x, y: as drawn
    for n in ("W_c", "W_k"):
        assert np.array_equal(getattr(shut, n), getattr(plain, n))


def test_exp2b_shut_row_restores_the_trials_module():
    diag = load_diag("diag_hs97_2b")
    exp = diag.run_hs97.EXPERIMENTS_BY_ID["hs97-2b"]
    seeds = diag.run_hs97.seeds_of(exp)[:2]
    plain = diag.run_row("hs97-2b", seeds, budget=1000, end=False)
    shut = diag.run_row("hs97-2b", seeds, budget=1000, end=False, shut=True)
    assert diag.hs97.tr is diag.tr and [r.curve for r in shut] != [r.curve for r in plain]


def test_exp2b_end_only_control_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_2b")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert set(doc["rows"]) == set(diag.ROWS)
    for name, row in doc["rows"].items():
        base, end, shut, budget = diag.ROWS[name]
        exp = diag.run_hs97.EXPERIMENTS_BY_ID[base]
        assert (row["end_only"], row["shut"], row["budget"]) == (end, diag.SHUT if shut else None, budget)
        assert all(t["sequences"] <= (budget or exp["setup"].max_sequences) for t in row["trials"])
        assert row["base"] == base and row["seeds"] == diag.run_hs97.seeds_of(exp)
        assert [t["seed"] for t in row["trials"]] == row["seeds"]
        assert row["successes"] == sum(t["success"] for t in row["trials"])
        assert row["median_wrong"] == float(np.median([t["test_wrong"] for t in row["trials"]]))
        assert row["battery"] == diag.run_hs97.stored_row(row["base"])   # the row it is set against


# ---------------------------------------------------------------- the two readings of g and h (Chapter 16)

def test_squash_control_changes_only_g_and_h():
    diag = load_diag("diag_hs97_squash")
    for base in diag.ROWS:
        old = diag.run_hs97.EXPERIMENTS_BY_ID[base]["setup"]
        new = diag.table10_setup(base)
        assert (new.spec.g, new.spec.h) == ("h1997", "g1997")        # g in (−1, 1), h in (−2, 2)
        assert {k: v for k, v in new.spec.__dict__.items() if k not in ("g", "h")} == \
            {k: v for k, v in old.spec.__dict__.items() if k not in ("g", "h")}
        assert {k: v for k, v in new.__dict__.items() if k not in ("id", "spec")} == \
            {k: v for k, v in old.__dict__.items() if k not in ("id", "spec")}
    lo, hi = [diag.hs97.tr.squash("g1997", np.array(v))[0] for v in (-50.0, 50.0)]
    assert (lo, hi) == pytest.approx((-2.0, 2.0))                    # h of table 10's reading


def test_squash_control_quick_run():
    diag = load_diag("diag_hs97_squash")
    doc = diag.main(["--quick", "--only", "hs97-3a", "hs97-1-perstep"])
    assert set(doc["rows"]) == {"hs97-3a", "hs97-1-perstep"}
    assert doc["rows"]["hs97-1-perstep"]["rule"] == "per-step"
    assert all(len(r["trials"]) == 2 for r in doc["rows"].values())


def test_squash_control_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_squash")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert sorted(doc["rows"]) == sorted(diag.ROWS)
    for name, row in doc["rows"].items():
        exp = diag.run_hs97.EXPERIMENTS_BY_ID[name]
        assert row["seeds"] == diag.run_hs97.seeds_of(exp) == [t["seed"] for t in row["trials"]]
        assert (row["g"], row["h"]) == (diag.TABLE10["g"], diag.TABLE10["h"])
        assert row["successes"] == sum(t["success"] for t in row["trials"])
        assert row["battery"] == diag.stored(name)         # the battery row it is set against


# ---------------------------------------------------------------- experiment 1 at table 1's settings (Chapter 16)

def test_exp1_table1_setups_change_only_the_net_the_rate_and_the_gate_biases():
    diag = load_diag("diag_hs97_1_table1")
    weights = {(4, 1): 264, (3, 2): 276}                 # table 10, rows 1-1 to 1-5
    for row, p in diag.TABLE1.items():
        for rule, suffix in diag.RULES.items():
            old = diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE + suffix]["setup"]
            new = diag.table1_setup(row, rule)
            assert new.spec.n_weights() == weights[(p["blocks"], p["cells"])]
            assert (new.lr, new.output_gate_bias, new.max_sequences) == (p["lr"], p["ogb"], p["budget"])
            assert len(new.output_gate_bias) == new.spec.n_blocks
            assert new.max_sequences >= 2 * p["sequences"]            # the battery's budget rule
            keep = lambda s: {k: v for k, v in s.__dict__.items()  # noqa: E731
                              if k not in ("id", "spec", "lr", "output_gate_bias", "max_sequences")}
            assert keep(new) == keep(old)
            assert {k: v for k, v in new.spec.__dict__.items() if k not in ("n_blocks", "block_size")} \
                == {k: v for k, v in old.spec.__dict__.items() if k not in ("n_blocks", "block_size")}
        ob = diag.control_setup(diag.OUTBIAS, rule)
        assert ob.spec.bias_out and ob.spec.n_weights() == 276 + 7
        assert {k: v for k, v in ob.__dict__.items() if k not in ("id", "spec")} == \
            {k: v for k, v in old.__dict__.items() if k not in ("id", "spec")}
        ig = diag.control_setup(diag.IGB, rule)
        assert ig.input_gate_bias == diag.IGB_BIAS and old.input_gate_bias is None
        assert {k: v for k, v in ig.__dict__.items() if k not in ("id", "input_gate_bias")} == \
            {k: v for k, v in old.__dict__.items() if k not in ("id", "input_gate_bias")}
    with pytest.raises(ValueError, match="control"):
        diag.control_setup("nothing", "per-step")


@pytest.mark.parametrize("rule", ["per-sequence", "per-step"])
def test_exp1_table1_watching_the_trainer_changes_nothing_and_keeps_the_last_nets(rule):
    """run_with_nets gives the trainer's records unchanged, and each net it keeps is the trial's
    net at its end: its frozen test on the trial's test set is the record's."""
    diag = load_diag("diag_hs97_1_table1")
    exp = diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE + diag.RULES[rule]]
    setup = diag.hs97.Setup(**{**exp["setup"].__dict__, "max_sequences": 400})
    seeds = diag.run_hs97.seeds_of(exp)[:3]
    want = diag.runner_of(rule)(setup, seeds)
    got, ends = diag.run_with_nets(setup, seeds, rule)
    strip = lambda r: {k: v for k, v in r.__dict__.items() if k != "cpu_seconds"}  # noqa: E731
    assert [strip(r) for r in got] == [strip(r) for r in want]
    assert diag.hs97._evaluate.__name__ == "_evaluate"           # the trainer is restored
    for net, train in ends:
        assert train.B == setup.n_train and net.K == 1
        m = diag.cell_measures(net, train, setup)
        assert 0 <= m["hard_right"] <= 1 and 0 <= m["h_flat"] <= 1 and m["s_max"] >= m["s_hard"] >= 0
        assert len(m["output_gate_bias"]) == setup.spec.n_blocks
    # the kept net reproduces the record's frozen test (the trial's own test set, drawn second)
    rngs = [np.random.default_rng(s) for s in seeds]
    diag.tr.init_nets(setup.spec, rngs, scale=setup.scale, input_gate_bias=setup.input_gate_bias,
                      output_gate_bias=setup.output_gate_bias)
    [setup.sample(r, setup.n_train) for r in rngs]
    tests = [setup.sample(r, setup.n_train) for r in rngs]
    for rec, (net, _), test in zip(got, ends, tests):
        wrong, _, _ = diag.hs97._evaluate(setup, net, [test])
        assert int(wrong[0]) == rec.test_wrong


def test_exp1_table1_quick_run():
    diag = load_diag("diag_hs97_1_table1")
    doc = diag.main(["--quick", "--only", "1-4-perstep", "outbias", "igb-perstep"])
    assert set(doc["parts"]) == {"1-4-perstep", "outbias", "igb-perstep"}
    assert doc["parts"]["1-4-perstep"]["rule"] == "per-step" and doc["parts"]["outbias"]["output_bias"]
    assert doc["parts"]["igb-perstep"]["input_gate_bias"] == list(diag.IGB_BIAS)
    assert all(len(p["trials"]) == 2 for p in doc["parts"].values())


def test_exp1_table1_on_file_belongs_to_the_committed_code_and_the_battery():
    diag = load_diag("diag_hs97_1_table1")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert sorted(doc["parts"]) == sorted(diag.PARTS)
    seeds = diag.run_hs97.seeds_of(diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE])
    for name, part in doc["parts"].items():
        if name.startswith("states"):
            continue
        assert part["seeds"] == seeds == [t["seed"] for t in part["trials"]]
        assert part["successes"] == sum(t["success"] for t in part["trials"])
    assert doc["battery"] == {i: diag.run_hs97.stored_row(i) for i in (diag.BASE, diag.BASE + "-perstep")}
    assert doc["parts"]["igb"]["input_gate_bias"] == list(diag.IGB_BIAS)
    assert all(r["control"] == diag.IGB for r in doc["parts"]["states-igb"]["rules"].values())
    # part "states" re-ran the battery's own trials: record for record, the stored ones
    for rule, r in doc["parts"]["states"]["rules"].items():
        battery = {t["seed"]: t for t in diag.run_hs97.current_trials(r["row"])}
        assert r["seeds"] == seeds and sorted(diag.EARLY) == sorted(int(n) for n in r["early"])
        for t in r["trials"]:
            b = battery[t["seed"]]
            assert (t["success"], t["sequences"], t["test_wrong"]) == \
                (b["success"], b["sequences"], b["test_wrong"])


# ---------------------------------------------------------------- experiment 1's wiring, and the F rows without gate sources (Chapter 16)

#: weights of hs97-1 with each set of changes (the paper's 3 x 2 net: 276, table 10)
WIRING_WEIGHTS = {"": 276, "nogate": 204, "bias": 289, "bias-nogate": 217, "4x2": 432,
                  "nogate-4x2": 304, "bias-4x2": 447, "bias-nogate-4x2": 319}


def _wiring_name(part):
    return part[:-len("-perstep")] if part.endswith("-perstep") else part


def test_exp1_wiring_setups_change_only_what_their_names_say():
    diag = load_diag("diag_hs97_1_wiring")
    for part in diag.PARTS:
        got, rule = diag.changes_of(part)
        old = diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE + diag.t1.RULES[rule]]["setup"]
        new = diag.wiring_setup(part)
        assert new.spec.n_weights() == WIRING_WEIGHTS[_wiring_name(part)]
        changed = {"id", "spec"} | ({"output_gate_bias"} if "4x2" in got else set())
        keep = lambda s: {k: v for k, v in s.__dict__.items() if k not in changed}  # noqa: E731
        assert keep(new) == keep(old)
        assert len(new.output_gate_bias) == new.spec.n_blocks
        assert isinstance(new.spec, diag.NoGateSources) == ("nogate" in got)
        spec_changed = ({"bias_cells", "bias_out"} if "bias" in got else set()) | \
            ({"n_blocks"} if "4x2" in got else set())
        assert {k: v for k, v in new.spec.__dict__.items() if k not in spec_changed} == \
            {k: v for k, v in old.spec.__dict__.items() if k not in spec_changed}
        # the mask removes exactly the gate-activation columns of the cells' and gates' weights
        plain = diag.tr.NetSpec(**{f: getattr(new.spec, f) for f in new.spec.__dataclass_fields__})
        m, p = new.spec.masks(), plain.masks()
        I, C, G = plain.n_in, plain.n_cells, plain.n_gates
        for n in m:
            gate_cols = np.zeros(m[n].shape[1], bool)
            if n != "W_k":
                gate_cols[I + C:I + C + G] = "nogate" in got
            assert np.array_equal(m[n][:, ~gate_cols], p[n][:, ~gate_cols])
            assert not m[n][:, gate_cols].any()
    for bad in ("nogates", "bias-4x1", ""):
        with pytest.raises(ValueError, match="part"):
            diag.changes_of(bad)


def test_exp1_wiring_masked_weights_start_and_stay_zero_the_others_drawn_as_before():
    diag = load_diag("diag_hs97_1_wiring")
    setup = diag.hs97.Setup(**{**diag.wiring_setup("nogate").__dict__, "max_sequences": 300})
    plain = diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE]["setup"]
    seeds = diag.run_hs97.seeds_of(diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE])[:2]
    init = lambda spec: diag.tr.init_nets(  # noqa: E731
        spec, [np.random.default_rng(s) for s in seeds], scale=plain.scale,
        output_gate_bias=plain.output_gate_bias)
    a, b = init(setup.spec), init(plain.spec)
    masks = setup.spec.masks()
    for n, w in a.arrays().items():
        assert np.array_equal(w, b.arrays()[n] * masks[n])
    _, ends = diag.t1.run_with_nets(setup, seeds, "per-sequence")
    for net, _ in ends:
        for n, w in net.arrays().items():
            assert not w[0][masks[n] == 0].any()
        assert np.abs(net.W_c[0][masks["W_c"] > 0]).max() > 0


def test_exp1_wiring_quick_run():
    diag = load_diag("diag_hs97_1_wiring")
    doc = diag.main(["--quick", "--only", "nogate-perstep", "bias-4x2"])
    assert set(doc["parts"]) == {"nogate-perstep", "bias-4x2"}
    p, q = doc["parts"]["nogate-perstep"], doc["parts"]["bias-4x2"]
    assert p["rule"] == "per-step" and p["weights"] == 204 and q["blocks"] == 4
    assert q["output_gate_bias"] == list(diag.OGB_4)
    for part in (p, q):
        assert len(part["trials"]) == 2
        assert all(0 <= t["hard_right"] <= 1 and 0 <= t["h_flat"] <= 1 for t in part["trials"])


def test_exp1_wiring_on_file_belongs_to_the_committed_code_and_the_battery():
    diag = load_diag("diag_hs97_1_wiring")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert "experiments/diag_hs97_1_wiring.py" in doc["fingerprint"]
    assert sorted(doc["parts"]) == sorted(diag.PARTS)
    seeds = diag.run_hs97.seeds_of(diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE])
    for name, part in doc["parts"].items():
        assert part["seeds"] == seeds == [t["seed"] for t in part["trials"]]
        assert part["successes"] == sum(t["success"] for t in part["trials"])
        assert part["weights"] == WIRING_WEIGHTS[_wiring_name(name)]
        assert part["budget"] == diag.run_hs97.EXPERIMENTS_BY_ID[diag.BASE]["setup"].max_sequences
    assert doc["battery"] == {i: diag.run_hs97.stored_row(i) for i in (diag.BASE, diag.BASE + "-perstep")}


def test_gate_sources_control_masks_only_the_gate_columns():
    diag = load_diag("diag_hs97_gate_sources")
    for row in diag.ROWS:
        old = diag.run_hs97.EXPERIMENTS_BY_ID[row]["setup"]
        new = diag.nogate_setup(row)
        assert {k: v for k, v in new.__dict__.items() if k not in ("id", "spec")} == \
            {k: v for k, v in old.__dict__.items() if k not in ("id", "spec")}
        assert new.spec.__dict__ == old.spec.__dict__
        lost = (old.spec.n_cells + 2 * old.spec.n_blocks) * old.spec.n_gates   # gates x (cells + gates)
        assert old.spec.n_weights() - new.spec.n_weights() == lost
    assert diag.nogate_setup("hs97-2c-q100").spec.n_weights() == 640       # the paper's 664 - 24
    with pytest.raises(ValueError, match="row"):
        diag.nogate_setup("hs97-2a")                                         # connectivity B


def test_gate_sources_control_quick_run():
    diag = load_diag("diag_hs97_gate_sources")
    doc = diag.main(["--quick", "--only", "hs97-6a"])
    row = doc["rows"]["hs97-6a"]
    assert len(row["trials"]) == 2 and row["budget"] == 300
    assert row["battery"] == diag.run_hs97.stored_row("hs97-6a")


def test_gate_sources_control_on_file_belongs_to_the_committed_code():
    diag = load_diag("diag_hs97_gate_sources")
    doc = json.loads(diag.OUT.read_text())
    assert doc["fingerprint"] == diag.records.fingerprint_of(sorted(doc["fingerprint"]))
    assert sorted(doc["rows"]) == sorted(diag.ROWS)
    for name, row in doc["rows"].items():
        exp = diag.run_hs97.EXPERIMENTS_BY_ID[name]
        assert row["seeds"] == diag.run_hs97.seeds_of(exp) == [t["seed"] for t in row["trials"]]
        assert row["successes"] == sum(t["success"] for t in row["trials"])
        assert row["budget"] == exp["setup"].max_sequences
        assert row["battery"] == diag.run_hs97.stored_row(name)
        assert row["weights"] == diag.nogate_setup(name).spec.n_weights()
