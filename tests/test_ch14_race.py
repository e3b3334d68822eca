"""Chapter 14's race (experiments/run_ch14_race.py): the stored per-trial results match the
records, the fingerprints match the code, both nets start from the same forget-gate bias, their
weight counts are within 3 %, and the quick mode runs."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

import records  # noqa: E402
import run_ch14_race as run  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "ch14_race"


def _record(rid):
    path = records.RECORDS / f"{rid}.json"
    if not path.exists():
        pytest.skip(f"{rid}: no record yet (the run has not finished)")
    return json.loads(path.read_text())


@pytest.mark.parametrize("net, rid", list(run.NETS.items()))
def test_record_matches_stored_trials(net, rid):
    rec = _record(rid)
    records.check_record(rec)
    stored = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    for fb in run.SETUP["forget_biases"]:
        mine = [r for r in stored if r["net"] == net and r["forget_bias"] == fb]
        parts = [rec] if fb == rec["forget_bias"] else \
            [c for c in rec["controls"] if c["forget_bias"] == fb]
        if not parts:                       # a control the run did not reach
            assert not mine
            continue
        part = parts[0]
        assert len(mine) == part["trials"] <= run.SETUP["n_trials"]
        assert sum(r["success"] for r in mine) == part["successes"]
        assert all(r["success"] == (r["accuracy"] >= run.SETUP["success_fraction"])
                   for r in mine)
        assert part["median_accuracy"] == float(np.median([r["accuracy"] for r in mine]))
    assert rec["trials"] >= 10
    assert rec["setup"] == run.SETUP


@pytest.mark.parametrize("rid", list(run.NETS.values()))
def test_record_fingerprint_matches_code(rid):
    rec = _record(rid)
    assert records.fingerprint_of(rec["fingerprint"]) == rec["fingerprint"]


@pytest.mark.parametrize("bias", [0.0, 1.0, 2.5])
def test_both_nets_get_the_same_forget_bias(bias):
    for net, width in (("grid", run.SETUP["N"]), ("stacked", run.SETUP["H"])):
        _, params = run.build(net, bias, np.random.default_rng(3))
        fb = run.forget_biases(net, params)
        k = 1 / np.sqrt(width)
        assert fb.size == 2 * run.SETUP["L"] * width if net == "grid" else \
            fb.size == run.SETUP["L"] * width
        assert np.all(np.abs(fb - bias) <= k)
        assert abs(fb.mean() - bias) < 0.5 * k       # centred on the shift, not on 0 or +1


def test_matched_weight_counts():
    g, s = run.count("grid"), run.count("stacked")
    assert abs(g - s) / max(g, s) < 0.03


def test_quick_mode_runs():
    results = run.main(["--quick"])
    assert len(results) == 2 * len(run.SETUP["forget_biases"]) * run.QUICK["n_trials"]
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in results)
