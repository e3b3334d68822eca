"""The K-trial 1997 net (lstm_core.trials): gradients, agreement with lstm_core, trial independence."""
import numpy as np
import pytest

from lstm_core import trials as tr
from lstm_core.lstm import LSTMConfig, LSTMParams, lstm_forward
from lstm_core.lstm_truncated import lstm_backward_truncated

from _helpers import trial_case


def _batch(rng, spec, K, B, T):
    x = rng.normal(size=(T, K, B, spec.n_in))
    t = rng.uniform(0.1, 0.9, size=(T, K, B, spec.n_out))
    mask = (rng.uniform(size=(T, K, B, 1)) < 0.6).astype(float)
    mask[-1] = 1.0
    return x, t, mask


def _random_nets(rng, spec, K, scale=0.7):
    nets = tr.init_nets(spec, [int(s) for s in rng.integers(1 << 30, size=K)], scale=scale)
    return nets


SPECS = [
    tr.NetSpec(n_in=3, n_out=2, n_blocks=2, block_size=2, recurrent=False, direct=True),
    tr.NetSpec(n_in=2, n_out=1, n_blocks=1, block_size=1, output_gate=False, recurrent=False,
               direct=True, bias_cells=False, bias_gates=False, g="logistic", h="identity"),
    tr.NetSpec(n_in=4, n_out=3, n_blocks=3, block_size=1, recurrent=False, bias_out=False),
]


@pytest.mark.parametrize("spec", SPECS, ids=["2x2-direct", "2a-like", "3x1"])
def test_truncated_gradient_is_exact_without_recurrence(spec):
    """Without recurrent sources the truncated gradient is the full gradient: central
    differences in float64 agree to < 1e-6 relative error, for every weight that exists."""
    rng = np.random.default_rng(7)
    K, B, T = 2, 3, 6
    nets = _random_nets(rng, spec, K)
    x, t, mask = _batch(rng, spec, K, B, T)
    grads = tr.backward(nets, x, t, mask)
    masks = spec.masks()
    eps = 1e-6
    for name, W in nets.arrays().items():
        num = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            if masks[name][idx[1:]] == 0:
                continue
            old = W[idx]
            W[idx] = old + eps
            Ep = tr.forward(nets, x, t, mask).E.sum()
            W[idx] = old - eps
            Em = tr.forward(nets, x, t, mask).E.sum()
            W[idx] = old
            num[idx] = (Ep - Em) / (2 * eps)
        err = np.abs(grads[name] - num).max() / max(np.abs(num).max(), 1e-12)
        assert err < 1e-6, (name, err)
        assert np.abs(num).max() > 1e-6, name      # the check compares something


@pytest.mark.parametrize("S,out_gate", [(1, True), (2, True), (2, False)])
def test_recurrent_truncated_gradient_matches_lstm_core(S, out_gate):
    """With recurrence from the cell outputs, the states and the truncated gradient equal
    lstm_core's 1997 cell with lstm_backward_truncated (an independent implementation)."""
    rng = np.random.default_rng(11)
    I, nb, O, T, B = 3, 2, 2, 7, 4
    C = nb * S
    spec = tr.NetSpec(n_in=I, n_out=O, n_blocks=nb, block_size=S, output_gate=out_gate)
    nets = _random_nets(rng, spec, 1, scale=0.6)
    G = spec.n_gates
    for n in ("W_c", "W_in", "W_out"):           # lstm_core's cells see y^c(t-1) only, not the gates
        if getattr(nets, n) is not None:
            getattr(nets, n)[:, :, I + C:I + C + G] = 0.0
    x, t, mask = _batch(rng, spec, 1, B, T)
    cache = tr.forward(nets, x, t, mask, keep_states=True)

    cfg = LSTMConfig.preset("lstm1997", block_size=S, output_gate=out_gate)
    rows = [nets.W_in[0], nets.W_c[0]] + ([nets.W_out[0]] if out_gate else [])
    Wf = np.concatenate(rows, axis=0)
    params = LSTMParams(W=Wf[:, :I].copy(), R=Wf[:, I:I + C].copy(), b=Wf[:, -1].copy(), config=cfg)
    yc, lc = lstm_forward(params, x[:, 0])
    np.testing.assert_allclose(lc.c[1:], cache.s[:, 0], rtol=0, atol=1e-13)   # c[0] = s(0)
    # the error arriving at the cell outputs from the logistic output layer
    v = np.concatenate([yc, x[:, 0], np.ones((T, B, 1))], axis=2)
    yk = 1 / (1 + np.exp(-(v @ nets.W_k[0].T)))
    np.testing.assert_allclose(yk, cache.y[:, 0], rtol=0, atol=1e-13)
    dyk = -mask[:, 0] * (t[:, 0] - yk) * yk * (1 - yk)
    dyc = dyk @ nets.W_k[0][:, :C]
    ref = lstm_backward_truncated(params, cache=lc, dy=dyc)
    ours = np.concatenate([cache.grads["W_in"][0], cache.grads["W_c"][0]]
                          + ([cache.grads["W_out"][0]] if out_gate else []), axis=0)
    np.testing.assert_allclose(ours[:, :I], ref.W, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ours[:, I:I + C], ref.R, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ours[:, -1], ref.b, rtol=1e-10, atol=1e-13)
    ref_k = (dyk.reshape(-1, O).T @ v.reshape(-1, v.shape[2])) * spec.masks()["W_k"]  # no x→y links
    np.testing.assert_allclose(cache.grads["W_k"][0], ref_k, rtol=1e-10, atol=1e-13)


def test_weight_counts_match_the_paper():
    """The paper's table 10, column w: 264/276 (exp. 1), 10,504 (2a), 664 (2c, p = 100),
    102 (3a), 93 (4, 5), 156 (6a), 308 (6b)."""
    ga = dict(bias_cells=False, bias_gates=True, bias_out=False)
    assert tr.NetSpec(7, 7, 4, 1, **ga).n_weights() == 264
    assert tr.NetSpec(7, 7, 3, 2, **ga).n_weights() == 276
    assert tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True,
                      bias_cells=False, bias_gates=False, bias_out=False).n_weights() == 10504
    none = dict(bias_cells=False, bias_gates=False, bias_out=False)
    assert tr.NetSpec(104, 2, 2, 1, **none).n_weights() == 664
    assert tr.NetSpec(1, 1, 3, 1, bias_out=False).n_weights() == 102
    assert tr.NetSpec(2, 1, 2, 2).n_weights() == 93
    assert tr.NetSpec(8, 4, 2, 2).n_weights() == 156
    assert tr.NetSpec(8, 8, 3, 2).n_weights() == 308


def test_trials_do_not_interact():
    """Trial k's outputs and gradient do not depend on the other trials in the stack."""
    rng = np.random.default_rng(3)
    spec = tr.NetSpec(n_in=3, n_out=2, n_blocks=2, block_size=2)
    nets = _random_nets(rng, spec, 4, scale=0.5)
    x, t, mask = _batch(rng, spec, 4, 2, 9)
    together = tr.forward(nets, x, t, mask)
    for k in range(4):
        alone = tr.forward(nets.take([k]), x[:, [k]], t[:, [k]], mask[:, [k]])
        np.testing.assert_allclose(alone.y[:, 0], together.y[:, k], rtol=0, atol=1e-14)
        for n in alone.grads:
            np.testing.assert_allclose(alone.grads[n][0], together.grads[n][k], rtol=0, atol=1e-14)


def test_blocks_switched_off_take_no_part():
    """Sequential construction: a block that is off changes no output and learns nothing."""
    rng = np.random.default_rng(5)
    spec = tr.NetSpec(n_in=2, n_out=1, n_blocks=2, block_size=1, direct=True)
    nets = tr.init_nets(spec, [1, 2], scale=0.5, on=[True, False])
    x, t, mask = _batch(rng, spec, 2, 3, 5)
    cache = tr.forward(nets, x, t, mask)
    assert np.all(cache.grads["W_c"][:, 1] == 0) and np.all(cache.grads["W_in"][:, 1] == 0)
    assert np.all(np.abs(cache.grads["W_c"][:, 0, :2]) > 0)   # the block that is on learns
    nets_on = tr.init_nets(spec, [1, 2], scale=0.5)
    gate_src = slice(2 + 2, 2 + 2 + 4)                          # y^in, y^out of both blocks
    assert np.all(tr.forward(nets, x, t, mask).grads["W_c"][:, 0, [5, 7]] == 0)  # off block's gates
    assert np.all(np.abs(tr.forward(nets_on, x, t, mask).grads["W_c"][:, 0, gate_src]) > 0)
    nets2 = nets.copy()
    nets2.W_c[:, 1] += 5.0                      # the off block's weights do not matter
    np.testing.assert_array_equal(tr.forward(nets2, x).y, tr.forward(nets, x).y)


def test_bad_input_is_named():
    spec = tr.NetSpec(n_in=2, n_out=1)
    nets = tr.init_nets(spec, [0, 1])
    with pytest.raises(ValueError, match="x"):
        tr.forward(nets, np.zeros((4, 3, 1, 2)))
    with pytest.raises(ValueError, match="t"):
        tr.forward(nets, np.zeros((4, 2, 1, 2)), np.zeros((4, 2, 1, 2)), np.ones((4, 2, 1, 1)))
    with pytest.raises(ValueError, match="input_gate_bias"):
        tr.init_nets(spec, [0], input_gate_bias=[-1.0, -2.0])
    with pytest.raises(ValueError, match="NetSpec.g"):
        tr.NetSpec(n_in=2, n_out=1, g="relu")
    with pytest.raises(ValueError, match="rngs"):
        tr.init_nets(spec, [])


def test_lockstep_training_equals_one_by_one_including_an_early_stop():
    """K trials trained together (one stack, per-trial learning rate, a trial stopped early)
    end with the same weights, trial by trial, as each trial trained alone (float64, 1e-12)."""
    rng = np.random.default_rng(21)
    spec = tr.NetSpec(n_in=3, n_out=2, n_blocks=2, block_size=2)
    K, B, T, N, stop_at = 4, 2, 8, 25, {2: 9}          # trial 2 stops after 9 updates
    seeds = [100 + k for k in range(K)]
    lrs = np.array([0.5, 0.3, 0.8, 0.1])
    data = [_batch(np.random.default_rng(1000 + n), spec, K, B, T) for n in range(N)]
    together = tr.init_nets(spec, seeds, scale=0.3, input_gate_bias=[-1.0, -2.0])
    for n, (x, t, m) in enumerate(data):
        active = np.array([n < stop_at.get(k, N) for k in range(K)])
        tr.sgd_update(together, tr.backward(together, x, t, m), lrs, active=active, batch_size=B)
    for k in range(K):
        alone = tr.init_nets(spec, [seeds[k]], scale=0.3, input_gate_bias=[-1.0, -2.0])
        for n, (x, t, m) in enumerate(data[:stop_at.get(k, N)]):
            g = tr.backward(alone, x[:, [k]], t[:, [k]], m[:, [k]])
            tr.sgd_update(alone, g, lrs[k], batch_size=B)
        for name, W in alone.arrays().items():
            np.testing.assert_allclose(together.arrays()[name][k], W[0], rtol=1e-12, atol=1e-14)
    assert not np.allclose(together.W_c[0], together.W_c[1])   # the trials really differ


def test_run_trials_records_do_not_depend_on_the_company():
    """hs97.run_trials: each trial's record (stop point, test error) is the same whether it
    runs alone or beside others, with trials stopping at different points."""
    from lstm_core import hs97
    setup = hs97.Setup(id="t", spec=tr.NetSpec(2, 1, 2, 2), task="adding",
                       task_kwargs=dict(T=12), scale=0.1, input_gate_bias=(-3, -6), lr=0.5,
                       stop="window", tol=0.25, beta=0.02, window=20, max_sequences=600,
                       n_test=64, chunk=8)
    seeds = [5, 6, 7]
    together = hs97.run_trials(setup, seeds)
    assert len({r.sequences for r in together}) > 1              # they stop at different points
    for r in together:
        alone = hs97.run_trials(setup, [r.seed])[0]
        assert (alone.success, alone.sequences, alone.test_wrong) == (r.success, r.sequences, r.test_wrong)
        assert abs(alone.test_mse - r.test_mse) <= 1e-12 * max(1.0, abs(r.test_mse))


def test_wilson_interval():
    from lstm_core.hs97 import wilson_interval
    lo, hi = wilson_interval(10, 10)
    assert 0.72 < lo < 0.73 and hi == 1.0          # 10 of 10: [0.722, 1]
    lo, hi = wilson_interval(0, 18)
    assert lo == 0.0 and 0.17 < hi < 0.18


# --------------------------------------------------------------------------------------------
# The fast path (all steps at once, one-hot gathers) against the dense path (the equations
# step by step, partials carried forward)
# --------------------------------------------------------------------------------------------

FAST_SPECS = {
    "2a": tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True, g="h1997",
                     h="identity", bias_cells=False, bias_gates=False, bias_out=False),
    "2a-paper-g": tr.NetSpec(101, 101, 1, 1, output_gate=False, recurrent=False, direct=True,
                             g="logistic", h="identity", bias_cells=False, bias_gates=False,
                             bias_out=False),
    "2c": tr.NetSpec(104, 2, 2, 1, bias_cells=False, bias_gates=False, bias_out=False),
    "adding": tr.NetSpec(2, 1, 2, 2),
    "reber": tr.NetSpec(7, 7, 3, 2, bias_cells=False, bias_out=False),
    "no-out-gate-tanh": tr.NetSpec(5, 3, 2, 2, output_gate=False, direct=True, g="tanh"),
}


def _rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)


@pytest.mark.equations("eq-ch16-reverse-sum",
                        compares="another implementation: the partials dS carried forward step by step")
@pytest.mark.parametrize("one_hot", [True, False], ids=["one-hot", "dense-x"])
@pytest.mark.parametrize("name", sorted(FAST_SPECS))
def test_fast_path_equals_dense_path(name, one_hot):
    """Outputs, states, E and every gradient of the fast path equal the dense path to 1e-12
    relative (of the largest entry), with B > 1, a block switched off in one trial, and a
    sequence padded (zero inputs, masked targets) for its last steps."""
    spec = FAST_SPECS[name]
    nets, x, t, mask = trial_case(spec, K=3, B=4, T=23, one_hot=one_hot, seed=3)
    if spec.n_in >= tr.ONE_HOT_MIN_WIDTH:
        assert (tr._one_hot(x) is not None) == one_hot        # the sparse path is taken
    dense = tr.forward(nets, x, t, mask, keep_states=True, path="dense")
    fast = tr.forward(nets, x, t, mask, keep_states=True, path="fast")
    for what in ("y", "E", "s"):
        assert _rel(getattr(fast, what), getattr(dense, what)) <= 1e-12, what
    assert fast.grads.keys() == dense.grads.keys()
    for n in dense.grads:
        assert np.abs(dense.grads[n]).max() > 0, n              # the check compares something
        assert _rel(fast.grads[n], dense.grads[n]) <= 1e-12, n
    y_only = tr.forward(nets, x, path="fast")
    np.testing.assert_array_equal(y_only.y, fast.y)


def test_one_hot_detection():
    """Only steps with a single 1 and zeros elsewhere (or all zeros) count as one-hot."""
    x = np.zeros((3, 1, 2, 20))
    x[0, 0, 0, 4] = x[1, 0, 1, 7] = 1.0
    idx, hot = tr._one_hot(x)
    assert hot.sum() == 2 and idx[0, 0, 0] == 4 and idx[1, 0, 1] == 7
    for bad in (0.5, -1.0, 2.0, np.nan):
        y = x.copy()
        y[2, 0, 0, 3] = bad
        assert tr._one_hot(y) is None, bad
    y = x.copy()
    y[0, 0, 0, 5] = 1.0                                          # two units on
    assert tr._one_hot(y) is None


def _battery_setup(exp_id):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
    import run_hs97
    return run_hs97.EXPERIMENTS_BY_ID[exp_id]["setup"]


def _train(setup, path, n_updates, check=None):
    """``n_updates`` updates of two trials of ``setup`` on ``path`` (trial 1's blocks off for
    the first half, as under sequential construction); ``check(nets, x, t, m, cache)`` is
    called before each update. Returns the nets and the errors E per update."""
    from lstm_core import hs97
    rngs = [np.random.default_rng(s) for s in (11, 12)]
    nets = tr.init_nets(setup.spec, rngs, scale=setup.scale)
    nets.on[1] = False
    Es = []
    for n in range(n_updates):
        if n == n_updates // 2:
            nets.on[:] = True
        x, t, m = hs97._stack([setup.sample(r, setup.batch_size) for r in rngs])
        cache = tr.forward(nets, x, t, m, path=path)
        if check:
            check(nets, x, t, m, cache)
        tr.sgd_update(nets, cache.grads, setup.lr, batch_size=setup.batch_size)
        Es.append(cache.E)
    return nets, np.array(Es)


@pytest.mark.parametrize("exp_id", ["hs97-2a", "hs97-2a-paper-g", "hs97-2c-q100"])
def test_fast_path_along_a_training_run(exp_id):
    """Along 300 updates of a battery row trained on the dense path (the stored battery's
    code), the fast path's E and gradients equal the dense path's at every update to 1e-12."""
    setup = _battery_setup(exp_id)

    def check(nets, x, t, m, dense):
        fast = tr.forward(nets, x, t, m, path="fast")
        assert _rel(fast.E, dense.E) <= 1e-12
        for n in dense.grads:
            assert _rel(fast.grads[n], dense.grads[n]) <= 1e-12, n
    _train(setup, "dense", 300, check)


@pytest.mark.parametrize("exp_id,tol", [("hs97-2a-paper-g", 1e-10), ("hs97-2c-q100", 1e-10),
                                        ("hs97-2a", 1e-7)])
def test_training_on_the_fast_path_equals_the_dense_path(exp_id, tol):
    """300 updates on each path from the same seeds and data: weights and errors agree to
    ``tol`` relative. The two paths round differently (≈ 1e-15 per update, see above); 2a at
    the paper's rate 1 with g = 2σ − 1 and h the identity drives its cell weights into the
    hundreds and amplifies that rounding about 10⁷-fold within 100 updates (the dense path
    under another summation order would do the same), hence its looser bound."""
    setup = _battery_setup(exp_id)
    nd, Ed = _train(setup, "dense", 300)
    nf, Ef = _train(setup, "fast", 300)
    assert _rel(Ef, Ed) < tol
    for n, W in nd.arrays().items():
        assert _rel(nf.arrays()[n], W) < tol, n


# ---------------------------------------------------------------- one-hot inputs given by index

HOT_CASES = [("noise_free_long_lag", dict(p=7)), ("noise_free_long_lag", dict(p=100)),
             ("random_long_lag", dict(p=5)), ("random_long_lag", dict(p=100)),
             ("distractor_long_lag", dict(q=0, p=3)), ("distractor_long_lag", dict(q=10, p=100)),
             ("distractor_long_lag", dict(q=1000, p=100))]


@pytest.mark.parametrize("task,kw", HOT_CASES)
def test_hot_samplers_draw_the_public_generators_batches(task, kw):
    """hs97.HOT_SAMPLERS (the battery's inputs as symbol indices) make the same draws and the
    same batches as the public generators of SAMPLERS: x equal once made dense, everything else
    equal, the generator left in the same state."""
    from lstm_core import hs97
    for seed in range(3):
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        dense = hs97.SAMPLERS[task](r1, 9, **kw)
        hot = hs97.HOT_SAMPLERS[task](r2, 9, **kw)
        assert isinstance(hot.x, hs97._Symbols) and hot.x.shape == dense.x.shape
        assert np.array_equal(hot.x.dense(), dense.x)
        for f in ("t", "mask", "lengths"):
            assert np.array_equal(getattr(hot, f), getattr(dense, f)), f
        assert hot.info.keys() == dense.info.keys()
        assert all(np.array_equal(hot.info[k], dense.info[k]) for k in hot.info)
        assert r1.integers(1 << 30) == r2.integers(1 << 30)          # the same draws


def test_forward_on_one_hot_inputs_equals_forward_on_the_dense_array():
    """trials.forward on OneHotInputs gives the bits of forward on the dense one-hot x (fast
    path) and the dense path's numbers; padding steps (on = False) are zero inputs."""
    from lstm_core import hs97
    spec = tr.NetSpec(n_in=24, n_out=2, n_blocks=2, block_size=1, bias_out=False)
    rng = np.random.default_rng(5)
    nets = tr.init_nets(spec, [np.random.default_rng(s) for s in (1, 2, 3)], scale=0.3)
    batches = [hs97.distractor_long_lag(rng, 4, q=3, p=20, hot=True) for _ in range(3)]
    x, t, m = hs97._stack(batches)
    assert isinstance(x, tr.OneHotInputs) and not x.on.all()         # sequences of unequal length
    xd = x.dense()
    a, b = tr.forward(nets, x, t, m), tr.forward(nets, xd, t, m)
    assert np.array_equal(a.y, b.y) and np.array_equal(a.E, b.E)
    assert all(np.array_equal(a.grads[n], b.grads[n]) for n in a.grads)
    c = tr.forward(nets, x, t, m, path="dense")
    assert np.allclose(c.y, a.y, rtol=1e-12, atol=0)
    assert np.array_equal(x.dense(0), xd[0])


def test_one_hot_inputs_bad_input_is_named():
    idx, on = np.zeros((2, 1, 3), int), np.ones((2, 1, 3), bool)
    with pytest.raises(ValueError, match="x.idx"):
        tr.OneHotInputs(idx=idx + 4, on=on, width=4)
    with pytest.raises(TypeError, match="x.idx"):
        tr.OneHotInputs(idx=idx.astype(float), on=on, width=4)
    with pytest.raises(ValueError, match="x.on"):
        tr.OneHotInputs(idx=idx, on=on[:1], width=4)
    with pytest.raises(TypeError, match="x.on"):
        tr.OneHotInputs(idx=idx, on=[[[True], [True, False]]], width=4)
    with pytest.raises(ValueError, match="x.width"):
        tr.OneHotInputs(idx=idx, on=on, width=0)
    nets = tr.init_nets(tr.NetSpec(n_in=5, n_out=1), [0], scale=0.1)
    with pytest.raises(ValueError, match="x: expected shape"):
        tr.forward(nets, tr.OneHotInputs(idx=idx, on=on, width=4))



def test_frozen_test_stopped_at_the_first_all_wrong_piece_decides_as_the_full_test():
    """hs97._evaluate(until_all_wrong=True), the pass/fail test of stop rule "test": a count of
    wrong sequences that is zero exactly where the full test's is, and never more than it; it
    stops early only when every net has failed."""
    from dataclasses import replace
    from lstm_core import hs97
    setup = _battery_setup("hs97-2a-frozen")
    rngs = [np.random.default_rng(s) for s in range(6)]
    nets = tr.init_nets(setup.spec, rngs, scale=setup.scale)
    tests = [setup.sample(np.random.default_rng([s, 1]), 256, hot=True) for s in range(6)]
    # the paper's tolerance 0.25: nets that output about 0.5 everywhere fail every sequence
    full, mse, _ = hs97._evaluate(setup, nets, tests)
    early, mse_early, _ = hs97._evaluate(setup, nets, tests, until_all_wrong=True)
    assert full.min() > 0 and mse is not None
    assert np.all(early > 0) and np.all(early <= full)
    assert early.sum() < full.sum() and mse_early is None          # it stopped early
    # tolerance 0.6: outputs of exactly 0.5 (W_k = 0) pass every sequence, outputs near 1
    # (a bias of +10) fail; with some nets passing the test runs to the end, as in full
    loose = replace(setup, tol=0.6)
    nets.W_k[:3] = 0.0
    nets.W_k[3:] = 0.0
    nets.W_k[3:, :, -1] = 10.0
    full, _, _ = hs97._evaluate(loose, nets, tests)
    early, _, _ = hs97._evaluate(loose, nets, tests, until_all_wrong=True)
    assert np.all(full[:3] == 0) and np.all(full[3:] == 256)
    assert np.array_equal(early, full)
