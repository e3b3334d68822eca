"""Chapter 15's variant ranking (experiments/run_ch15_greff.py): the stored per-trial results give exactly the records,
the records' fingerprints match the code, and the quick mode runs."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

import records  # noqa: E402
import run_ch15_greff as run  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "ch15_greff"
IDS = [f'greff-{t}-{v}' for t in run.TASKS for v in run.VARIANTS]


def _record(rid):
    path = records.RECORDS / f"{rid}.json"
    if not path.exists():
        pytest.skip(f"{rid}: no record yet (the run has not finished)")
    return json.loads(path.read_text())


def _stored():
    return [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]


@pytest.mark.parametrize("rid", IDS)
def test_record_matches_stored_trials(rid):
    rec = _record(rid)
    records.check_record(rec)
    assert rec["trials"] >= 5
    again = {r["id"]: r for r in run.summarise(_stored())}
    expected = dict(again[rid])
    got = {k: v for k, v in rec.items() if k != "fingerprint"}
    assert json.loads(json.dumps(expected)) == got


@pytest.mark.parametrize("rid", IDS)
def test_record_fingerprint_matches_code(rid):
    rec = _record(rid)
    assert records.fingerprint_of(rec["fingerprint"]) == rec["fingerprint"]


def test_quick_mode_runs():
    res = run.main(["--quick"])
    assert res and all(r["steps"] < 100 for r in res)
