"""Chapter 9's continual embedded Reber run (experiments/run_ch09_continual.py): the stored
per-trial results match the records, the records' fingerprints match the code, trials stacked on
the block-diagonal trial axis compute what they compute alone, and the quick mode runs."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

import records  # noqa: E402
import run_ch09_continual as run  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "ch09_continual"


def _stored():
    return [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]


def _record(rid):
    path = records.RECORDS / f"{rid}.json"
    if not path.exists():
        pytest.skip(f"{rid}: no record yet (the run has not finished)")
    return json.loads(path.read_text())


@pytest.mark.parametrize("cell, rid", list(run.CELLS.items()))
def test_record_matches_stored_trials(cell, rid):
    rec = _record(rid)
    records.check_record(rec)
    trials = [r for r in _stored() if r["cell"] == cell]
    assert len(trials) == rec["trials"] <= run.SETUP["n_trials"]
    assert rec["trials"] >= 10
    assert sum(r["perfect"] for r in trials) == rec["successes"]
    assert all(r["perfect"] == (min(r["per_stream"]) >= r["test_length"]) for r in trials)
    assert rec["median_symbols_before_error"] == float(
        np.median([r["symbols_before_error"] for r in trials]))
    assert rec["setup"] == json.loads(json.dumps(run.SETUP))   # tuples are stored as lists


@pytest.mark.parametrize("rid", list(run.CELLS.values()))
def test_record_fingerprint_matches_code(rid):
    rec = _record(rid)
    assert records.fingerprint_of(rec["fingerprint"]) == rec["fingerprint"]


@pytest.mark.parametrize("cell", list(run.CELLS))
def test_stacked_trials_equal_a_trial_alone(cell):
    setup = dict(run.QUICK, n_windows=10)
    together, curve = run.train_group(cell, [11, 12, 13], setup)
    alone, curve1 = run.train_group(cell, [12], setup)
    for a, b in [(together[1][0].W, alone[0][0].W), (together[1][0].R, alone[0][0].R),
                 (together[1][0].b, alone[0][0].b), (together[1][1].W, alone[0][1].W),
                 (together[1][1].b, alone[0][1].b)]:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(curve[:, 1], curve1[:, 0], rtol=1e-12)
    # and the trials really differ (their own seeds and data)
    assert not np.allclose(together[0][0].W, together[1][0].W)


def test_forget_bias_is_set_positive_only_with_a_forget_gate():
    core, _ = run.init_trial("gers2000", 0)
    f = core.b[core.config.layout(8)["f"]]
    np.testing.assert_allclose(f, np.linspace(0.5, 2.0, 8))
    core97, _ = run.init_trial("lstm1997", 0)
    assert "f" not in core97.config.layout(8)


def test_quick_mode_runs():
    results = run.main(["--quick"])
    assert len(results) == 2 * run.QUICK["n_trials"]
    assert {r["cell"] for r in results} == set(run.CELLS)
    assert all(len(r["per_stream"]) == run.QUICK["n_test_streams"] for r in results)
