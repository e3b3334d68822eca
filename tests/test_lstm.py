"""Tests for lstm_core.lstm: every preset forward = step loop, full BPTT vs finite differences,
the carousel keeping its state, dtypes, overflow, bad input, and PyTorch (when installed)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstm_core import activations as act
from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from lstm_core.lstm import (PRESETS, LSTMConfig, LSTMParams, LSTMState,
                            lstm_backward, lstm_forward, lstm_step, lstm_step_backward, lstm_trace)
from lstm_core.lstm_truncated import lstm_backward_truncated

ALL = list(PRESETS)


def _setup(name, T, B, I, H, S=1, seed=0, dtype=np.float64):
    cfg = LSTMConfig.preset(name, block_size=S)
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(I, H, cfg, rng=rng, dtype=dtype, scale=0.9)   # non-zero biases, peepholes
    x = rng.normal(size=(T, B, I)).astype(dtype)
    n_g = len(cfg.gates) * (H // S)
    s0 = LSTMState(y=rng.normal(size=(B, H)).astype(dtype), c=rng.normal(size=(B, H)).astype(dtype),
                   gates=rng.uniform(size=(B, n_g)).astype(dtype) if cfg.gate_recurrence else None)
    return p, x, s0, rng


# ---------------------------------------------------------------- configuration


def test_presets_have_the_documented_parts():
    c = LSTMConfig.preset("lstm1997")
    assert c.gates == ("i", "o") and not c.peepholes
    assert (c.input_activation, c.output_activation) == ("g1997", "h1997")
    assert LSTMConfig.preset("gers2000").gates == ("i", "f", "o")
    assert LSTMConfig.preset("gers2002").peephole_gates == ("i", "f", "o")
    assert LSTMConfig.preset("NIG").gates == ("f", "o")
    assert LSTMConfig.preset("NFG").gates == ("i", "o")
    assert LSTMConfig.preset("NOG").gates == ("i", "f")
    assert LSTMConfig.preset("CIFG").gates == ("i", "o")
    assert LSTMConfig.preset("NP").peephole_gates == ()
    assert LSTMConfig.preset("NIAF").input_activation == "identity"
    assert LSTMConfig.preset("NOAF").output_activation == "identity"
    assert LSTMConfig.preset("FGR").gate_recurrence
    assert LSTMConfig.preset("vanilla") == LSTMConfig()


def test_layout_is_i_f_z_o_with_gates_per_block():
    lay = LSTMConfig(block_size=3).layout(6)        # 2 blocks of 3 cells
    assert lay == {"i": slice(0, 2), "f": slice(2, 4), "z": slice(4, 10), "o": slice(10, 12)}
    p = LSTMParams.init(4, 6, LSTMConfig(block_size=3), rng=0)
    assert p.W.shape == (12, 4) and p.R.shape == (12, 6) and p.P.shape == (3, 6) and p.n_blocks == 2
    lay = LSTMConfig.preset("CIFG").layout(5)
    assert lay == {"i": slice(0, 5), "z": slice(5, 10), "o": slice(10, 15)}
    assert LSTMParams.init(2, 3, "FGR", rng=0).Q.shape == (9, 9)


@pytest.mark.equations("eq-fwd-in", "eq-fwd-phi", "eq-fwd-netc", "eq-fwd-state", "eq-fwd-out", "eq-fwd-y",
                        compares="another implementation: the fused sequence function against the written-out step, every preset")
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("S", [1, 2])
def test_forward_equals_step_loop(name, S):
    p, x, s0, _ = _setup(name, 4, 3, 2, 2 * S, S)
    y, cache = lstm_forward(p, x, s0)
    state, ys = s0, []
    for t in range(x.shape[0]):
        state, _ = lstm_step(p, x[t], state)
        ys.append(state.y)
    np.testing.assert_allclose(y, np.stack(ys), rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.c[-1], state.c, rtol=0, atol=1e-14)


@pytest.mark.parametrize("g", ["logistic", "tanh", "g1997", "h1997", "identity"])
def test_in_place_squashers_match_activations_module(g):
    cfg = LSTMConfig(input_activation=g, output_activation=g)
    p = LSTMParams.init(2, 3, cfg, rng=1, scale=3.0)
    x = np.random.default_rng(2).normal(scale=5.0, size=(1, 4, 2))
    _, cache = lstm_forward(p, x)
    lay = cfg.layout(3)
    net = x[0] @ p.W.T + p.b                    # y(0) = s(0) = 0: no recurrent or peephole input to i, f, z
    np.testing.assert_allclose(cache.act[0][:, lay["z"]], act.get(g)(net[:, lay["z"]]), atol=1e-15)
    np.testing.assert_allclose(cache.act[0][:, lay["i"]], act.sigmoid(net[:, lay["i"]]), atol=1e-15)
    np.testing.assert_allclose(cache.hc[0], act.get(g)(cache.c[1]), atol=1e-15)


@pytest.mark.equations("eq-cec-state",
                        compares="an identity: each state is the previous one plus its block's gated input")
def test_memory_block_cells_share_their_gates():
    cfg = LSTMConfig.preset("lstm1997", block_size=2)
    p, x, s0, _ = _setup("lstm1997", 3, 2, 2, 4, S=2)
    tr = lstm_trace(p, x, state0=s0)
    assert tr.y_in.shape == (3, 2, 2) and tr.g.shape == (3, 2, 4)
    # s_c(t) = s_c(t−1) + y^in_j g(net_c): cells 0, 1 use block 0's gate, cells 2, 3 block 1's
    expect = tr.s[:-1] + np.repeat(tr.y_in, 2, axis=2) * tr.g
    np.testing.assert_allclose(tr.s[1:], expect, atol=1e-15)
    assert cfg.n_blocks(4) == 2


# ---------------------------------------------------------------- gradients


SHAPES = [(1, 1, 1, 1), (3, 2, 3, 2), (4, 1, 2, 3), (2, 3, 1, 1)]   # T, B, I, H (cells per block: ×S)


def _fd_sequence(name, shape, S, seed):
    T, B, I, H = shape
    H *= S
    p, x, s0, rng = _setup(name, T, B, I, H, S, seed)
    wy = rng.normal(size=(T, B, H))
    dT = LSTMState(y=rng.normal(size=(B, H)), c=rng.normal(size=(B, H)),
                   gates=rng.normal(size=s0.gates.shape) if s0.gates is not None else None)

    def loss():
        y, cache = lstm_forward(p, x, s0)
        E = np.sum(wy * y) + np.sum(dT.y * y[-1]) + np.sum(dT.c * cache.c[-1])
        if dT.gates is not None:
            from lstm_core.lstm import _gate_rows
            E += np.sum(dT.gates * _gate_rows(cache.act[-1], p.config, p.config.layout(H)))
        return E

    _, cache = lstm_forward(p, x, s0)
    grads, dx, ds0 = lstm_backward(p, cache, wy, dT)
    errs = check_gradients(loss, p, grads)
    errs["x"] = relative_error(dx, numerical_gradient(loss, x))
    errs["y0"] = relative_error(ds0.y, numerical_gradient(loss, s0.y))
    errs["c0"] = relative_error(ds0.c, numerical_gradient(loss, s0.c))
    if s0.gates is not None:
        errs["gates0"] = relative_error(ds0.gates, numerical_gradient(loss, s0.gates))
    return errs


@pytest.mark.equations("eq-peep-state-error", "eq-bwd-out", "eq-bwd-state", "eq-bwd-c", "eq-bwd-gates", "eq-bwd-weights",
                        compares="finite differences of a sequence's error, every preset, every weight, input and initial state")
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("S", [1, 2])
def test_bptt_matches_finite_differences(name, S):
    for k, shape in enumerate(SHAPES if S == 1 else SHAPES[1:3]):
        errs = _fd_sequence(name, shape, S, seed=10 + k)
        assert max(errs.values()) < 1e-6, (shape, errs)
        assert {"W", "R", "b", "x", "y0", "c0"} <= set(errs)


@pytest.mark.equations("eq-peep-state-error", "eq-bwd-out", "eq-bwd-state", "eq-bwd-c", "eq-bwd-gates", "eq-cec-unit-jacobian",
                        compares="finite differences of one step, every preset")
@pytest.mark.parametrize("name", ALL)
def test_step_backward_matches_finite_differences(name):
    p, x, s0, rng = _setup(name, 1, 2, 3, 2, seed=3)
    d = LSTMState(y=rng.normal(size=(2, 2)), c=rng.normal(size=(2, 2)),
                  gates=np.zeros_like(s0.gates) if s0.gates is not None else None)

    def loss():
        st_, _ = lstm_step(p, x[0], s0)
        return np.sum(d.y * st_.y) + np.sum(d.c * st_.c)

    _, cache = lstm_step(p, x[0], s0)
    grads, dx, dprev = lstm_step_backward(p, cache, d)
    errs = check_gradients(loss, p, grads)
    errs["x"] = relative_error(dx, numerical_gradient(loss, x[0]))
    errs["c0"] = relative_error(dprev.c, numerical_gradient(loss, s0.c))
    errs["y0"] = relative_error(dprev.y, numerical_gradient(loss, s0.y))
    assert max(errs.values()) < 1e-6, errs


@pytest.mark.equations("eq-bwd-weights",
                        compares="an identity: each input weight's gradient is −Σ_t δ(t) x(t) from the trace's deltas")
def test_trace_deltas_are_minus_dE_dnet():
    p, x, s0, rng = _setup("vanilla", 3, 2, 2, 3, seed=4)
    dy = rng.normal(size=(3, 2, 3))
    tr = lstm_trace(p, x, dy, state0=s0)
    grads, _, _ = lstm_backward(p, lstm_forward(p, x, s0)[1], dy)
    lay = p.config.layout(3)
    # ∂E/∂w_kj = −Σ_t δ_k(t) x_j(t)
    for name, delta in (("i", tr.delta_in), ("f", tr.delta_phi), ("z", tr.delta_c), ("o", tr.delta_out)):
        np.testing.assert_allclose(grads.W[lay[name]], -np.einsum("tbk,tbj->kj", delta, x), atol=1e-12)
    # the nets in the trace reproduce the activations
    np.testing.assert_allclose(tr.y_in, act.sigmoid(tr.net_in), atol=1e-15)
    np.testing.assert_allclose(tr.g, np.tanh(tr.net_c), atol=1e-15)
    step = tr.step(1)
    assert step["s"].shape == (2, 3) and np.array_equal(step["s_prev"], tr.s[1])
    assert tr.e_s.shape == (3, 2, 3) and np.all(np.isfinite(tr.e_s))


# ---------------------------------------------------------------- properties


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**16), preset=st.sampled_from(["vanilla", "lstm1997", "gers2002", "FGR"]))
def test_closed_input_gate_keeps_state_exactly_for_10000_steps(seed, preset):
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(2, 2, preset, rng=rng)
    lay = p.config.layout(2)
    p.b[lay["i"]] = -1e4                        # y^in = 0
    if "f" in lay:
        p.b[lay["f"]] = 1e4                     # y^φ = 1
    x = rng.uniform(-1, 1, size=(10_000, 1, 2))
    c0 = rng.uniform(-5, 5, size=(1, 2))
    _, cache = lstm_forward(p, x, LSTMState(y=np.zeros((1, 2)), c=c0))
    assert np.array_equal(cache.c[-1], c0)
    assert np.array_equal(cache.c[5000], c0)


@settings(max_examples=12, deadline=None)
@given(dtype=st.sampled_from([np.float32, np.float64]), preset=st.sampled_from(ALL),
       S=st.integers(1, 2), seed=st.integers(0, 1000))
def test_outputs_and_gradients_keep_the_dtype(dtype, preset, S, seed):
    p, x, s0, rng = _setup(preset, 3, 2, 2, 2 * S, S, seed, dtype)
    y, cache = lstm_forward(p, x, s0)
    grads, dx, ds0 = lstm_backward(p, cache, np.ones_like(y))
    assert y.dtype == dtype and dx.dtype == dtype and ds0.c.dtype == dtype and ds0.y.dtype == dtype
    for f in ("W", "R", "b", "P", "Q"):
        g = getattr(grads, f)
        assert g is None or g.dtype == dtype
    st_, _ = lstm_step(p, x[0], s0)
    assert st_.y.dtype == dtype and st_.c.dtype == dtype


@settings(max_examples=10, deadline=None)
@given(preset=st.sampled_from(ALL), sign=st.sampled_from([-1.0, 1.0]), seed=st.integers(0, 1000),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_no_warnings_at_huge_inputs(preset, sign, seed, dtype):
    p, _, _, rng = _setup(preset, 2, 2, 3, 2, seed=seed, dtype=dtype)
    x = (sign * 1e4 * rng.choice([-1.0, 1.0], size=(5, 2, 3))).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, cache = lstm_forward(p, x)
        grads, dx, _ = lstm_backward(p, cache, np.ones_like(y))
        lstm_trace(p, x, np.ones_like(y))
        lstm_backward_truncated(p, cache, np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(grads.W)) and np.all(np.isfinite(dx))


# ---------------------------------------------------------------- bad input


def test_bad_input_raises_clear_errors():
    p = LSTMParams.init(3, 4, rng=0)
    x = np.zeros((5, 2, 3))
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 3\), got \(5, 2, 4\)"):
        lstm_forward(p, np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"x: expected 3 dimensions.*got shape \(2, 3\)"):
        lstm_forward(p, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"state0.y: expected shape \(2, 4\), got \(3, 4\)"):
        lstm_forward(p, x, LSTMState(np.zeros((3, 4)), np.zeros((3, 4))))
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN/inf"):
        lstm_forward(p, np.where(np.arange(30).reshape(5, 2, 3) == 7, np.nan, 0.0))
    with pytest.raises(ValueError, match="finite"):
        lstm_forward(p, np.full((1, 1, 3), np.inf))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array, got dtype int64"):
        lstm_forward(p, np.zeros((5, 2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="expected dtype float64.*got float32"):
        lstm_forward(p, x.astype(np.float32))
    with pytest.raises(ValueError, match="batch size B"):
        lstm_forward(p, np.zeros((5, 0, 3)))
    with pytest.raises(ValueError, match="n_cells: expected an integer >= 1, got -2"):
        LSTMParams.init(3, -2)
    with pytest.raises(ValueError, match="n_in: expected an integer >= 1, got 0"):
        LSTMParams.init(0, 2)
    with pytest.raises(TypeError, match="n_cells: expected an integer"):
        LSTMParams.init(3, 2.5)
    with pytest.raises(ValueError, match="multiple of block_size=2, got 3"):
        LSTMParams.init(3, 3, LSTMConfig(block_size=2))
    with pytest.raises(ValueError, match="block_size: expected an integer >= 1, got -1"):
        LSTMConfig(block_size=-1)
    with pytest.raises(ValueError, match="preset: expected one of .*got 'GRU'"):
        LSTMConfig.preset("GRU")
    with pytest.raises(ValueError, match="input_activation: expected one of .*got 'relu'"):
        LSTMConfig(input_activation="relu")
    with pytest.raises(TypeError, match="peepholes: expected True or False, got int 1"):
        LSTMConfig(peepholes=1)
    with pytest.raises(ValueError, match="coupled_input_forget: expected input_gate=True"):
        LSTMConfig(input_gate=False, coupled_input_forget=True)
    with pytest.raises(ValueError, match="gate_recurrence: expected at least one gate"):
        LSTMConfig(input_gate=False, forget_gate=False, output_gate=False, gate_recurrence=True)
    with pytest.raises(TypeError, match="dtype: expected float32 or float64"):
        LSTMParams.init(2, 2, dtype=np.int32)
    y, cache = lstm_forward(p, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(5, 2, 4\), got \(5, 2, 3\)"):
        lstm_backward(p, cache, np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="dy: expected finite"):
        lstm_backward(p, cache, np.full((5, 2, 4), np.nan))
    with pytest.raises(TypeError, match="cache: expected an LSTMCache"):
        lstm_backward(p, {"x": x}, y)
    with pytest.raises(TypeError, match="dstate_T: expected an LSTMState"):
        lstm_backward(p, cache, y, dstate_T=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="cache: expected a cache of these params"):
        lstm_backward(LSTMParams.init(3, 2, rng=0), cache, np.zeros((5, 2, 2)))
    bad = LSTMParams(W=p.W, R=p.R[:, :3], b=p.b, P=p.P)
    with pytest.raises(ValueError, match=r"params.R: expected shape \(12, 3\), got \(16, 3\)"):
        lstm_forward(bad, x)
    with pytest.raises(ValueError, match="params.P: expected None"):
        lstm_forward(LSTMParams(W=p.W, R=p.R, b=p.b, P=p.P, config=LSTMConfig.preset("NP")), x)
    with pytest.raises(ValueError, match=r"params.P: expected peephole weights of shape \(3, 4\).*got None"):
        lstm_forward(LSTMParams(W=p.W, R=p.R, b=p.b, P=None), x)
    with pytest.raises(TypeError, match="params: expected LSTMParams, got dict"):
        lstm_forward({"W": p.W}, x)
    with pytest.raises(ValueError, match=r"x_t: expected shape \(any, 3\), got \(2, 2\)"):
        lstm_step(p, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="cache: expected an LSTMStepCache"):
        lstm_step_backward(p, cache, LSTMState(np.zeros((2, 4)), np.zeros((2, 4))))


# ---------------------------------------------------------------- PyTorch (optional)


def test_matches_torch_nn_lstm():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 4).double()
    p = LSTMParams.from_torch(m)
    x = np.random.default_rng(0).normal(size=(6, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    yt, _ = m(xt)
    dy = np.random.default_rng(1).normal(size=(6, 2, 4))
    yt.backward(torch.tensor(dy))
    y, cache = lstm_forward(p, x)
    grads, dx, _ = lstm_backward(p, cache, dy)
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads.W, m.weight_ih_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads.R, m.weight_hh_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads.b, m.bias_ih_l0.grad.numpy(), atol=1e-12)
