"""Tests for lstm_core.optim and lstm_core.train."""
from dataclasses import dataclass

import numpy as np
import pytest

from lstm_core import optim
from lstm_core.ffnn import ffnn_loss_and_grads, init_ffnn
from lstm_core.train import TrainHistory, train


@dataclass
class QP:
    """A toy params/grads dataclass: a vector and a matrix."""

    a: np.ndarray
    M: np.ndarray


def quadratic(dtype=np.float64):
    """E = ½ Σ_i h_i (a_i − c_i)² + ½ Σ h (M − C)², minimum at (c, C)."""
    rng = np.random.default_rng(0)
    c, C = rng.normal(size=3).astype(dtype), rng.normal(size=(2, 2)).astype(dtype)
    h = np.array([1.0, 3.0, 10.0], dtype=dtype)

    def loss_and_grads(p, batch=None):
        da, dM = p.a - c, p.M - C
        E = 0.5 * float(np.sum(h * da ** 2) + np.sum(dM ** 2))
        return E, QP(a=h * da, M=dM.copy())

    params = QP(a=np.zeros(3, dtype=dtype), M=np.zeros((2, 2), dtype=dtype))
    return params, loss_and_grads, c, C


@pytest.mark.parametrize("make", [lambda: optim.SGD(lr=0.05), lambda: optim.SGD(lr=0.02, momentum=0.9),
                                  lambda: optim.Adam(lr=0.05)], ids=["sgd", "momentum", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimisers_minimise_a_quadratic(make, dtype):
    opt = make()
    p, f, c, C = quadratic(dtype)
    a_id = id(p.a)
    for _ in range(1500):
        opt.step(p, f(p)[1])
    assert id(p.a) == a_id and p.a.dtype == dtype and p.M.dtype == dtype  # in place, dtype kept
    tol = 1e-5 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(p.a, c, atol=tol)
    np.testing.assert_allclose(p.M, C, atol=tol)
    assert opt.steps == 1500


@pytest.mark.equations("eq-notation-delta", "eq-ffnn-update",
                        compares="known values of one update w ← w − α ∂E/∂w")
def test_sgd_step_is_minus_lr_grad_and_momentum_recursion():
    p = {"w": np.array([1.0, 2.0])}
    g = {"w": np.array([0.5, -1.0])}
    optim.SGD(lr=0.1).step(p, g)
    np.testing.assert_allclose(p["w"], [0.95, 2.1])
    p = {"w": np.zeros(2)}
    opt = optim.SGD(lr=0.1, momentum=0.5)
    opt.step(p, g)
    opt.step(p, g)  # Δ1 = -0.1 g, Δ2 = -0.1 g + 0.5 Δ1 = -0.15 g
    np.testing.assert_allclose(p["w"], -0.25 * g["w"])


def test_adam_first_step_moves_each_weight_by_lr():
    p = {"w": np.array([0.0, 0.0, 0.0])}
    g = {"w": np.array([1e-4, -3.0, 200.0])}
    optim.Adam(lr=0.01, eps=1e-12).step(p, g)
    np.testing.assert_allclose(p["w"], -0.01 * np.sign(g["w"]), rtol=1e-6)


def test_nested_params_and_extra_grad_fields():
    params = init_ffnn([2, 3, 1], "tanh", seed=0)
    x, t = np.ones((4, 2)), np.zeros((4, 1))
    E0, g = ffnn_loss_and_grads(params, x, t)
    assert set(optim.named_arrays(params)) == {"W[0]", "W[1]", "b[0]", "b[1]"}
    W1 = params.W[1].copy()
    optim.SGD(lr=0.01).step(params, g)  # g.delta and g.dx are ignored
    np.testing.assert_allclose(params.W[1], W1 - 0.01 * g.W[1])
    assert ffnn_loss_and_grads(params, x, t)[0] < E0


def test_clip_by_global_norm_exact():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    norm = optim.clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(5.0, rel=1e-15)
    np.testing.assert_allclose(g["a"], [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(g["b"], [[0.8]], rtol=1e-15)
    assert optim.global_norm(g) == pytest.approx(1.0, rel=1e-15)
    # below the limit: untouched
    g2 = {"a": np.array([0.3, 0.4])}
    assert optim.clip_by_global_norm(g2, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g2["a"], [0.3, 0.4])
    # float32 kept, huge finite gradients do not overflow the norm
    g3 = [np.array([3e200, 4e200]), np.array([0.0], dtype=np.float32)]
    assert optim.global_norm(g3) == pytest.approx(5e200)
    optim.clip_by_global_norm(g3, 2.0)
    np.testing.assert_allclose(g3[0], [1.2, 1.6])
    assert g3[1].dtype == np.float32


def test_clip_only_counts_params_when_given():
    params = {"w": np.zeros(2)}
    grads = {"w": np.array([0.0, 2.0]), "delta": np.array([100.0])}
    assert optim.global_norm(grads, params) == pytest.approx(2.0)
    optim.clip_by_global_norm(grads, 1.0, params)
    np.testing.assert_allclose(grads["w"], [0.0, 1.0])
    assert grads["delta"][0] == 100.0


def test_clip_by_value_exact():
    g = {"a": np.array([-5.0, 0.5, 2.0, -0.1])}
    assert optim.clip_by_value(g, 1.0) == 2
    np.testing.assert_array_equal(g["a"], [-1.0, 0.5, 1.0, -0.1])


def test_bad_hyperparameters_and_grads():
    with pytest.raises(ValueError, match="lr: expected a finite number > 0, got -0.1"):
        optim.SGD(lr=-0.1)
    with pytest.raises(ValueError, match="lr: expected a finite number > 0"):
        optim.Adam(lr=0.0)
    with pytest.raises(ValueError, match=r"beta1: expected a number in \[0, 1\), got 1.0"):
        optim.Adam(beta1=1.0)
    with pytest.raises(ValueError, match=r"beta2: expected a number in \[0, 1\), got -0.5"):
        optim.Adam(beta2=-0.5)
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\)"):
        optim.SGD(momentum=1.5)
    with pytest.raises(TypeError, match="momentum: expected a real number"):
        optim.SGD(momentum="0.9")
    with pytest.raises(ValueError, match="eps: expected a finite number > 0"):
        optim.Adam(eps=np.nan)
    with pytest.raises(ValueError, match="max_norm: expected a finite number > 0"):
        optim.clip_by_global_norm({"a": np.ones(2)}, -1.0)
    with pytest.raises(ValueError, match="limit: expected a finite number > 0"):
        optim.clip_by_value({"a": np.ones(2)}, 0.0)
    p = {"w": np.zeros(2), "b": np.zeros(1)}
    with pytest.raises(ValueError, match="grads: no gradient for parameter 'b'"):
        optim.SGD().step(p, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape \(2,\), got \(3,\)"):
        optim.SGD().step(p, {"w": np.ones(3), "b": np.ones(1)})
    with pytest.raises(TypeError, match=r"grads\['w'\]: expected dtype float64"):
        optim.Adam().step(p, {"w": np.ones(2, dtype=np.float32), "b": np.ones(1)})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected finite values"):
        optim.SGD().step(p, {"w": np.array([np.inf, 0.0]), "b": np.ones(1)})
    with pytest.raises(ValueError, match="cannot clip non-finite"):
        optim.clip_by_global_norm({"w": np.array([np.nan])}, 1.0)
    with pytest.raises(ValueError, match="params: expected float arrays"):
        optim.SGD().step({"name": "x"}, {})


# ---------------------------------------------------------------------------------------
# train loop


def test_train_stops_on_criterion_and_records_history():
    p, f, c, C = quadratic()
    hist = train(f, p, optim.SGD(lr=0.05), steps=5000, stop=lambda h: h.losses[-1] < 1e-6,
                 evaluate=lambda q: float(np.max(np.abs(q.a - c))), eval_every=50)
    assert isinstance(hist, TrainHistory)
    assert hist.stopped and not hist.diverged
    assert 0 < hist.steps < 5000
    assert hist.losses.shape == (hist.steps,) and hist.grad_norms.shape == (hist.steps,)
    assert hist.losses[-1] < 1e-6 and np.all(hist.losses[:-1] >= 1e-6)
    # every 50 steps, and the final state (the criterion is met between evaluations)
    assert hist.eval_steps == [50 * k for k in range(1, hist.steps // 50 + 1)] + [hist.steps]
    assert hist.last_eval == hist.evals[-1] and hist.last_eval < 1e-2


def test_train_without_criterion_runs_all_steps_and_epochs_over_data():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    params = init_ffnn([2, 2, 1], "logistic", seed=0)
    batches = [(X[:2], T[:2], "first"), (X[2:], T[2:], "second")]
    seen = []

    def f(p, batch):
        seen.append(batch[2])
        return ffnn_loss_and_grads(p, batch[0], batch[1])

    hist = train(f, params, optim.SGD(lr=1.0), epochs=3, data=batches)
    assert hist.steps == 6 and not hist.stopped and hist.evals == []
    assert seen == ["first", "second"] * 3  # in order, once per epoch
    # data as a callable receives the step index
    steps_seen = []
    train(lambda p, n: (steps_seen.append(n), ffnn_loss_and_grads(p, X, T))[1], params,
          optim.SGD(lr=1.0), steps=4, data=lambda n: n)
    assert steps_seen == [0, 1, 2, 3]


def test_train_xor_with_clipping_and_adam():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    params = init_ffnn([2, 3, 1], "tanh", seed=1)
    hist = train(lambda p, _: ffnn_loss_and_grads(p, X, T), params, optim.Adam(lr=0.05),
                 steps=2000, clip_norm=1.0, stop=lambda h: h.last_loss < 1e-3)
    assert hist.stopped and hist.steps < 2000


def test_train_is_quiet_by_default_and_deterministic_when_verbose(capsys):
    p, f, _, _ = quadratic()
    train(f, p, optim.SGD(lr=0.05), steps=30)
    assert capsys.readouterr().out == ""
    outs = []
    for _ in range(2):
        p, f, _, _ = quadratic()
        train(f, p, optim.SGD(lr=0.05), steps=30, verbose=True, print_every=10,
              evaluate=lambda q: 0.123456, eval_every=20)
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    lines = outs[0].splitlines()
    assert lines[0].startswith("step 10  loss ") and len(lines[0].split()[-1]) <= 6
    assert lines[1].endswith("eval 0.123")
    assert lines[-1] == "finished 30 steps" and len(lines) == 4


def test_train_reports_divergence():
    def f(q, _):  # E = w²/2 with lr = 3: w ← −2w grows until w² overflows
        with np.errstate(over="ignore"):
            return float(q["w"][0] ** 2 / 2), {"w": q["w"].copy()}

    hist = train(f, {"w": np.array([1.0])}, optim.SGD(lr=3.0), steps=5000)
    assert hist.diverged and not hist.stopped
    assert not np.isfinite(hist.losses[-1]) or not np.isfinite(hist.grad_norms[-1])
    assert hist.steps == len(hist.losses) - 1


def test_train_bad_input():
    p, f, _, _ = quadratic()
    with pytest.raises(ValueError, match="give exactly one of them"):
        train(f, p, optim.SGD(), steps=5, epochs=2, data=[1])
    with pytest.raises(ValueError, match="give exactly one of them"):
        train(f, p, optim.SGD())
    with pytest.raises(ValueError, match="steps: expected an integer >= 1, got 0"):
        train(f, p, optim.SGD(), steps=0)
    with pytest.raises(ValueError, match="epochs need a non-empty sequence"):
        train(f, p, optim.SGD(), epochs=2)
    with pytest.raises(TypeError, match="optimizer: expected an object with a step"):
        train(f, p, "sgd", steps=2)
    with pytest.raises(TypeError, match="loss_and_grads: expected a callable"):
        train(None, p, optim.SGD(), steps=2)
    with pytest.raises(ValueError, match="clip_norm: expected a finite number > 0"):
        train(f, p, optim.SGD(), steps=2, clip_norm=-1)
    with pytest.raises(TypeError, match="stop: expected a callable"):
        train(f, p, optim.SGD(), steps=2, stop=0.1)
