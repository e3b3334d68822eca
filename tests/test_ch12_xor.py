"""Chapter 12's delayed-XOR run (experiments/run_ch12_xor.py): the stored per-trial results give
exactly the records, the records' fingerprints match the code, the two gradients of a pair start
from the same weights and see the same data, and the quick mode runs."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

import records  # noqa: E402
import run_ch12_xor as run  # noqa: E402

from lstm_core.hs97 import delayed_xor  # noqa: E402
from lstm_core.readout import NetParams, net_forward  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "ch12_xor"
IDS = [f"ch12-xor-{run.cell_id(*c)}" for c in run.CELLS]


def _stored():
    return [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]


@pytest.mark.parametrize("rid", IDS)
def test_record_matches_stored_trials(rid):
    path = records.RECORDS / f"{rid}.json"
    assert path.exists(), f"{rid}: no record; run experiments/run_ch12_xor.py"
    rec = json.loads(path.read_text())
    records.check_record(rec)
    assert rec["trials"] == len(run.SEEDS)
    again = {r["id"]: r for r in run.summarise(_stored())}
    got = {k: v for k, v in rec.items() if k != "fingerprint"}
    assert json.loads(json.dumps(again[rid])) == got
    assert records.fingerprint_of(rec["fingerprint"]) == rec["fingerprint"], \
        f"{rid}: its code changed since it ran; delete results/ch12_xor and rerun the script"


def test_gradients_agree_where_the_truncation_cuts_nothing():
    """Full BPTT and the truncated gradient differ only through the recurrent paths: on one step
    (T = 1) there are none, so the two must agree; on T = 6 they must not."""
    rng = np.random.default_rng(3)
    net = NetParams.init(2, 4, 1, rng, core="lstm1997", scale=0.5)
    for T, same in ((1, True), (6, False)):
        b = delayed_xor(np.random.default_rng(T), 8, T=max(T, 4))
        x, t, m = b.x[-T:], b.t[-T:], b.mask[-T:]
        g_full, y1 = run.gradients(net, x, t, m, "full")
        g_trunc, y2 = run.gradients(net, x, t, m, "truncated")
        np.testing.assert_array_equal(y1, y2)
        a = np.concatenate([v.ravel() for v in run.named_arrays(g_full).values()])
        c = np.concatenate([v.ravel() for v in run.named_arrays(g_trunc).values()])
        assert np.allclose(a, c, rtol=1e-10, atol=1e-14) == same


def test_a_pair_starts_alike_and_sees_the_same_data():
    """Trial s of both gradients: the same initial weights and the same first sequences, so the
    comparison is paired; and a trial is deterministic."""
    a = run.trial("adam", "full", 4, 0, budget=64)
    b = run.trial("adam", "full", 4, 0, budget=64)
    assert {k: v for k, v in a.items() if k != "cpu_seconds"} == \
        {k: v for k, v in b.items() if k != "cpu_seconds"}
    nets = [NetParams.init(2, 4, 1, np.random.default_rng([12, 4, 0]), core="lstm1997", scale=0.1)
            for _ in range(2)]
    x = delayed_xor(np.random.default_rng(0), 4, T=4).x
    np.testing.assert_array_equal(net_forward(nets[0], x)[0], net_forward(nets[1], x)[0])


def test_end_error_reads_the_last_step_only():
    b = delayed_xor(np.random.default_rng(1), 5, T=8)
    y = np.where(b.mask > 0, b.t, 0.9)            # right at the end, wrong everywhere else
    assert np.all(run.end_error(y, b) == 0)
    y[-1] = 1 - b.t[-1]
    assert np.all(run.end_error(y, b) == 1)


def test_quick_mode_runs():
    res = run.main(["--quick"])
    assert len(res) == len(run.CELLS) and all(r["sequences"] <= 200 + run.BATCH for r in res)
