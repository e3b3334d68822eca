"""The benchmark script's baselines compute what they claim (no timing here: speed targets live
in benchmarks/bench_lstm.py, not in tests)."""
import importlib.util
import json
import pathlib

import numpy as np

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_lstm.py"
spec = importlib.util.spec_from_file_location("bench_lstm", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_per_gate_baseline_and_torch_agree_with_ours():
    impls = bench.check_agreement()                  # raises AssertionError on any disagreement
    assert impls[:2] == ("ours", "pergate")


def test_per_gate_baseline_gradients_match_ours():
    p, x, dy = bench.make_problem(np.float64, 3, 5, 4)
    _, (g, dx, _) = bench.make_runner("ours", p, x, dy)()
    _, (dW, dR, db, dx_pg) = bench.make_runner("pergate", p, x, dy)()
    lay = p.config.layout(5)
    for k, s in lay.items():
        np.testing.assert_allclose(dW[k], g.W[s], atol=1e-12)
        np.testing.assert_allclose(dR[k], g.R[s], atol=1e-12)
        np.testing.assert_allclose(db[k], g.b[s], atol=1e-12)
    np.testing.assert_allclose(dx_pg, dx, atol=1e-12)


def test_worker_reports_every_size(monkeypatch, capsys):
    monkeypatch.setattr(bench, "SIZES", [(2, 4, 3)])
    bench.worker("ours", threads=1, repeats=1)
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"float64 2 4 3", "float32 2 4 3"} and all(t > 0 for t in out.values())
