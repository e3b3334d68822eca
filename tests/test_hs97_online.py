"""The per-step (real-time) reading of the 1997 learning rule (experiments/hs97_online.py)."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
import hs97_online  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

from _helpers import trial_case  # noqa: E402

SPECS = {
    "gated, recurrent, blocks of 2": tr.NetSpec(3, 2, 2, 2),
    "2a-like: no output gate, identity h": tr.NetSpec(4, 4, 1, 1, output_gate=False,
                                                      recurrent=False, direct=True,
                                                      g="logistic", h="identity",
                                                      bias_cells=False, bias_gates=False,
                                                      bias_out=False),
}


def _data(spec, K, B, T, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, K, B, spec.n_in))
    t = rng.uniform(size=(T, K, B, spec.n_out))
    m = (rng.uniform(size=(T, K, B, 1)) < 0.6).astype(float)
    return x, t, m


def _nets(spec, K, seed, on=None):
    nets = tr.init_nets(spec, [np.random.default_rng(seed + k) for k in range(K)], scale=0.3,
                        input_gate_bias=-np.arange(1, spec.n_blocks + 1.0))
    if on is not None:
        nets.on[:] = on
    return nets


@pytest.mark.parametrize("name", sorted(SPECS))
def test_zero_rate_is_the_plain_forward_pass(name):
    spec = SPECS[name]
    nets = _nets(spec, 3, 0)
    x, t, m = _data(spec, 3, 2, 7, 1)
    before = {n: a.copy() for n, a in nets.arrays().items()}
    y = hs97_online.forward_online(nets, x, t, m, 0.0).y
    np.testing.assert_allclose(y, tr.forward(nets, x).y, rtol=0, atol=1e-14)
    for n, a in nets.arrays().items():
        np.testing.assert_array_equal(a, before[n])


@pytest.mark.parametrize("name", sorted(SPECS))
def test_small_rate_sums_to_the_per_sequence_gradient(name):
    """Σ_t Δw(t) / α → −∂E/∂W / B (the truncated gradient of lstm_core.trials) as α → 0."""
    spec = SPECS[name]
    K, B = 3, 2
    on = np.ones((K, spec.n_blocks), bool)
    on[1, -1] = False                                   # a block switched off in one trial
    nets = _nets(spec, K, 0, on=on)
    x, t, m = _data(spec, K, B, 9, 2)
    grads = tr.forward(nets, x, t, m).grads
    alpha = 1e-7
    before = {n: a.copy() for n, a in nets.arrays().items()}
    hs97_online.forward_online(nets, x, t, m, alpha)
    for n, a in nets.arrays().items():
        step = (a - before[n]) / alpha
        scale = np.abs(grads[n]).max() + 1e-12
        assert np.abs(step + grads[n] / B).max() / scale < 1e-4, n


def test_trials_together_equal_trials_alone():
    spec = SPECS["gated, recurrent, blocks of 2"]
    K = 4
    nets = _nets(spec, K, 5)
    x, t, m = _data(spec, K, 1, 12, 3)
    rates = np.array([0.1, 0.5, 1.0, 0.0])
    alone = []
    for k in range(K):
        one = nets.take([k])
        hs97_online.forward_online(one, x[:, [k]], t[:, [k]], m[:, [k]], rates[k])
        alone.append(one)
    hs97_online.forward_online(nets, x, t, m, rates)
    for k in range(K):
        for n, a in nets.arrays().items():
            np.testing.assert_allclose(a[k], alone[k].arrays()[n][0], rtol=0, atol=1e-12)


def test_the_rule_differs_from_per_sequence_at_the_papers_rate():
    spec = SPECS["gated, recurrent, blocks of 2"]
    a, b = _nets(spec, 1, 7), _nets(spec, 1, 7)
    x, t, m = _data(spec, 1, 1, 20, 4)
    tr.sgd_update(a, tr.forward(a, x, t, m).grads, 1.0)
    hs97_online.forward_online(b, x, t, m, 1.0)
    assert np.abs(a.W_c - b.W_c).max() > 1e-3


def test_run_trials_restores_hs97_and_is_deterministic():
    from dataclasses import asdict
    setup = hs97.Setup(id="t", spec=SPECS["2a-like: no output gate, identity h"],
                       task="noise_free_long_lag", task_kwargs=dict(p=3), lr=1.0, stop="streak",
                       streak=50, tol=0.25, score="all", max_sequences=120, n_test=16)

    def strip(rec):
        return {k: v for k, v in asdict(rec).items() if k != "cpu_seconds"}
    r1 = hs97_online.run_trials(setup, [1, 2])
    assert hs97.tr is tr
    r2 = hs97_online.run_trials(setup, [2])
    assert strip(r1[1]) == strip(r2[0])                 # trial 2 alone = trial 2 beside trial 1
    plain = hs97.run_trials(setup, [2])
    assert strip(plain[0]) != strip(r2[0])              # the rule was in effect


def test_bad_shapes_are_named():
    spec = SPECS["gated, recurrent, blocks of 2"]
    nets = _nets(spec, 2, 0)
    x, t, m = _data(spec, 2, 1, 5, 0)
    with pytest.raises(ValueError, match="x:"):
        hs97_online.forward_online(nets, x[:, :1], t, m, 0.1)
    with pytest.raises(ValueError, match="t, mask:"):
        hs97_online.forward_online(nets, x, t[..., :1], m, 0.1)


def test_one_hot_inputs_take_the_sparse_path_and_agree():
    """With one-hot inputs only a few columns of W_k take part: same outputs, same gradient."""
    spec = tr.NetSpec(12, 12, 1, 1, output_gate=False, recurrent=False, direct=True,
                      g="logistic", h="identity", bias_cells=False, bias_gates=False,
                      bias_out=False)
    K, T = 3, 8
    rng = np.random.default_rng(9)
    x = np.zeros((T, K, 1, 12))
    x[np.arange(T), :, 0, rng.integers(12, size=T)] = 1.0        # the same symbol in every trial
    t = np.roll(x, -1, axis=0)
    m = np.ones((T, K, 1, 1))
    nets = _nets(spec, K, 3)
    grads = tr.forward(nets, x, t, m).grads
    y0 = tr.forward(nets, x).y
    before = {n: a.copy() for n, a in nets.arrays().items()}
    alpha = 1e-7
    y = hs97_online.forward_online(nets, x, t, m, alpha).y
    np.testing.assert_allclose(y, y0, atol=1e-6)
    for n, a in nets.arrays().items():
        step = (a - before[n]) / alpha
        assert np.abs(step + grads[n]).max() / (np.abs(grads[n]).max() + 1e-12) < 1e-4, n


def test_one_target_per_sequence_makes_the_rules_coincide():
    """With a target at the last step only (experiments 2c, 3a, 4, 6), the per-step rule makes
    the per-sequence change: over many sequences the weights agree to rounding."""
    spec = tr.NetSpec(3, 2, 2, 2)
    a, b = _nets(spec, 2, 11), _nets(spec, 2, 11)
    rng = np.random.default_rng(12)
    for _ in range(30):
        x = rng.normal(size=(15, 2, 1, 3))
        t = rng.uniform(size=(15, 2, 1, 2))
        m = np.zeros((15, 2, 1, 1))
        m[-1] = 1.0
        tr.sgd_update(a, tr.forward(a, x, t, m).grads, 0.5)
        hs97_online.forward_online(b, x, t, m, 0.5)
    for n, w in a.arrays().items():
        np.testing.assert_allclose(b.arrays()[n], w, rtol=0, atol=1e-12)


FAST_SPECS = {
    "2a": tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True, g="h1997",
                     h="identity", bias_cells=False, bias_gates=False, bias_out=False),
    "2c": tr.NetSpec(104, 2, 2, 1, bias_cells=False, bias_gates=False, bias_out=False),
    "adding": tr.NetSpec(2, 1, 2, 2),
    "reber": tr.NetSpec(7, 7, 3, 2, bias_cells=False, bias_out=False),
    "one-hot, direct, recurrent": tr.NetSpec(20, 4, 2, 2, direct=True),
}


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("one_hot", [True, False], ids=["one-hot", "dense-x"])
@pytest.mark.parametrize("name", sorted(FAST_SPECS))
def test_fast_path_equals_dense_path(name, one_hot, B):
    """The fast per-step trainer changes the weights as the dense one (the equations as
    written) to 1e-12 relative, outputs and E too: B sequences, a block off in one trial, a
    sequence padded for its last steps."""
    spec = FAST_SPECS[name]
    nets, x, t, m = trial_case(spec, K=3, B=B, T=23, one_hot=one_hot, seed=5)
    a, b = nets.copy(), nets.copy()
    dense = hs97_online.forward_online(a, x, t, m, 0.7, path="dense")
    fast = hs97_online.forward_online(b, x, t, m, 0.7, path="fast")

    def rel(p, q):
        return np.abs(p - q).max() / np.abs(q).max()
    assert rel(fast.y, dense.y) <= 1e-12 and rel(fast.E, dense.E) <= 1e-12
    for n, w in a.arrays().items():
        assert np.abs(w - nets.arrays()[n]).max() > 0, n          # the weights did change
        assert rel(b.arrays()[n], w) <= 1e-12, n


def _battery_setup(exp_id):
    import run_hs97
    return run_hs97.EXPERIMENTS_BY_ID[exp_id]["setup"]


def _rel(p, q):
    return np.abs(p - q).max() / max(np.abs(q).max(), 1e-300)


@pytest.mark.parametrize("exp_id,n_updates", [("hs97-2a-perstep", 300),
                                              ("hs97-2a-paper-g-perstep", 200),
                                              ("hs97-2c-q100-perstep", 300),
                                              ("hs97-4-T100-perstep", 300),
                                              ("hs97-1-perstep", 300)])
def test_fast_path_along_a_training_run(exp_id, n_updates):
    """Along a few hundred updates of a battery row trained per step on the dense path (the
    equations as written), the fast path started from the same weights on the same sequence
    changes them as the dense one at every update, outputs and E too, to 1e-12 relative (two
    trials; trial 1's blocks off for the first half, as under sequential construction)."""
    setup = _battery_setup(exp_id)
    rngs = [np.random.default_rng(s) for s in (11, 12)]
    nets = tr.init_nets(setup.spec, rngs, scale=setup.scale,
                        input_gate_bias=setup.input_gate_bias,
                        output_gate_bias=setup.output_gate_bias)
    nets.on[1] = False
    for n in range(n_updates):
        if n == n_updates // 2:
            nets.on[:] = True
        x, t, m = hs97._stack([setup.sample(r, setup.batch_size) for r in rngs])
        fast_nets = nets.copy()
        fast = hs97_online.forward_online(fast_nets, x, t, m, setup.lr, path="fast")
        dense = hs97_online.forward_online(nets, x, t, m, setup.lr, path="dense")
        assert _rel(fast.y, dense.y) <= 1e-12 and _rel(fast.E, dense.E) <= 1e-12, n
        for name, W in nets.arrays().items():
            assert _rel(fast_nets.arrays()[name], W) <= 1e-12, (n, name)
