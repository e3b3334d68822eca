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


def test_floor_2a_times_the_readout_arithmetic_it_names():
    """benchmarks/floor_2a.py's eight passes are the logistic output and its δ (so the floor it
    reports is a floor of that arithmetic), and it times them per trial and sequence."""
    path = SCRIPT.parent / "floor_2a.py"
    spec_ = importlib.util.spec_from_file_location("floor_2a", path)
    floor = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(floor)
    rng = np.random.default_rng(3)
    net, t = rng.normal(scale=3.0, size=(2, 3, 1, 5)), rng.uniform(size=(2, 3, 1, 5))
    y, e, d, w = (np.empty_like(net) for _ in range(4))
    floor.readout_passes(net, t, y, e, d, w)
    sig = 1.0 / (1.0 + np.exp(-net))
    np.testing.assert_allclose(y, sig, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(e, t - sig, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d, (t - sig) * sig * (1.0 - sig), rtol=1e-12, atol=1e-15)
    assert floor.floor_us(2, 0.0) > 0
