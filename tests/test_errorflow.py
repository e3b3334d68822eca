"""lstm_core.errorflow: LSTM error flow against finite differences and suffix backward passes."""
import numpy as np
import pytest

from lstm_core import activations, gradcheck
from lstm_core.errorflow import delta_jacobian, lstm_error_flow
from lstm_core.lstm import LSTMParams, LSTMState, lstm_backward, lstm_forward, lstm_trace


def _setup(preset, T, B, I, H, seed):
    rng = np.random.default_rng(seed)
    params = LSTMParams.init(I, H, preset, rng=rng, scale=0.8)
    params.b += rng.normal(0.0, 0.5, params.b.shape)            # non-zero random biases
    x = rng.normal(size=(T, B, I))
    state0 = LSTMState(y=rng.normal(0, 0.5, (B, H)), c=rng.normal(0, 0.5, (B, H)))
    dy_T = rng.normal(size=(B, H))
    return params, x, state0, dy_T


def _fd_at_lag(params, x, state0, dy_T, q):
    """Central differences of E = Σ dy_T ⊙ y(T) w.r.t. y(T−q) and s_c(T−q), 1 ≤ q ≤ T.

    y(T−q) is perturbed on its own (an independent input of the remaining steps). s_c(T−q) is
    perturbed *with* the output it makes, y^c = y^out h(s_c) (y^out also sees s_c through an
    output peephole), which is the total derivative the flow reports; at q = T the initial
    state y(0) is given, so only s_c(0) moves.
    """
    T = x.shape[0]
    trace = lstm_trace(params, x, None, state0)
    t = T - q                                       # book time; trace index t−1
    y_mid, c_mid = trace.y[t].copy(), trace.s[t].copy()

    def rest(y, c):
        y_out, _ = lstm_forward(params, x[t:], LSTMState(y=y, c=c))
        return float(np.sum(dy_T * y_out[-1]))

    gy = gradcheck.numerical_gradient(lambda: rest(y_mid, c_mid), y_mid)
    if t == 0:
        return gy, gradcheck.numerical_gradient(lambda: rest(y_mid, c_mid), c_mid)
    cfg = params.config
    h = activations.get(cfg.output_activation)
    c_ref = trace.s[t].copy()

    def y_of_s(c):
        if trace.y_out is None:
            o = 1.0
        elif "o" in cfg.peephole_gates:
            p_o = params.P[cfg.peephole_gates.index("o")]
            o = activations.sigmoid(trace.net_out[t - 1] + p_o * (c - c_ref))
        else:
            o = trace.y_out[t - 1]
        return o * h.f(c)

    gs = gradcheck.numerical_gradient(lambda: rest(y_of_s(c_mid), c_mid), c_mid)
    return gy, gs


@pytest.mark.parametrize("preset,T,B,I,H,seed", [
    ("vanilla", 5, 2, 3, 4, 0),
    ("lstm1997", 4, 1, 1, 1, 1),
    ("gers2002", 6, 3, 2, 2, 2),
    ("CIFG", 3, 2, 2, 3, 3),
    ("NP", 1, 1, 2, 2, 4),
])
def test_flow_matches_finite_differences(preset, T, B, I, H, seed):
    params, x, state0, dy_T = _setup(preset, T, B, I, H, seed)
    flow = lstm_error_flow(params, x, state0=state0, dy_T=dy_T)
    assert flow.grad_y.shape == flow.grad_s.shape == (T + 1, B, H)
    np.testing.assert_array_equal(flow.grad_y[0], dy_T)
    for q in range(1, T + 1):
        gy, gs = _fd_at_lag(params, x, state0, dy_T, q)
        assert gradcheck.relative_error(flow.grad_y[q], gy) < 1e-6, (preset, q)
        assert gradcheck.relative_error(flow.grad_s[q], gs) < 1e-6, (preset, q)


def test_flow_equals_backward_on_suffixes():
    params, x, state0, dy_T = _setup("vanilla", 7, 2, 2, 3, 5)
    flow = lstm_error_flow(params, x, state0=state0, dy_T=dy_T)
    _, cache = lstm_forward(params, x, state0)
    T = x.shape[0]
    for q in range(1, T + 1):
        s = LSTMState(y=cache.y[T - q], c=cache.c[T - q])
        _, c2 = lstm_forward(params, x[T - q:], s)
        dy = np.zeros((q,) + dy_T.shape)
        dy[-1] = dy_T
        _, _, d0 = lstm_backward(params, c2, dy)
        np.testing.assert_allclose(flow.grad_y[q], d0.y, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(flow.grad_s[T], d0.c, rtol=1e-10, atol=1e-14)   # s_c(0)
    np.testing.assert_allclose(flow.norm_s, np.sqrt((flow.grad_s ** 2).sum(axis=(1, 2))))


@pytest.mark.equations("eq-forget-flow",
                        compares="a bound: an open forget gate keeps the state error, a closed one wipes it out")
def test_open_forget_gate_keeps_the_state_error():
    """With y^φ ≈ 1 and nothing else feeding back, ∂E/∂s_c(T−q) stays near ∂E/∂s_c(T)."""
    rng = np.random.default_rng(0)
    params = LSTMParams.init(1, 2, "NP", rng=rng, scale=0.1)
    lay = params.config.layout(2)
    params.b[lay["f"]] = 8.0                 # y^φ = σ(8) ≈ 0.9997
    x = rng.normal(size=(40, 1, 1))
    flow = lstm_error_flow(params, x)
    assert flow.norm_s[40] > 0.5 * flow.norm_s[1]
    params.b[lay["f"]] = -3.0                # y^φ ≈ 0.05: the state error dies at once
    closed = lstm_error_flow(params, x)
    assert closed.norm_s[20] < 1e-12 * closed.norm_s[1]


def test_q_max_and_defaults():
    params, x, _, _ = _setup("vanilla", 6, 2, 2, 3, 6)
    flow = lstm_error_flow(params, x, q_max=3)
    assert flow.q.tolist() == [0, 1, 2, 3]
    assert flow.norm_y[0] == pytest.approx(1.0)
    full = lstm_error_flow(params, x)
    np.testing.assert_allclose(full.grad_s[:4], flow.grad_s)


def test_float32_kept():
    params = LSTMParams.init(2, 3, "vanilla", rng=0, dtype=np.float32)
    x = np.random.default_rng(0).normal(size=(4, 1, 2)).astype(np.float32)
    flow = lstm_error_flow(params, x)
    assert flow.grad_y.dtype == np.float32 and flow.grad_s.dtype == np.float32


def test_bad_inputs():
    params, x, _, _ = _setup("vanilla", 4, 2, 2, 3, 7)
    with pytest.raises(ValueError, match="q_max: expected at most T = 4"):
        lstm_error_flow(params, x, q_max=5)
    with pytest.raises(ValueError, match="q_max"):
        lstm_error_flow(params, x, q_max=-1)
    with pytest.raises(ValueError, match="dy_T: expected shape"):
        lstm_error_flow(params, x, dy_T=np.ones((3, 3)))
    with pytest.raises(ValueError, match="dy_T: expected finite"):
        lstm_error_flow(params, x, dy_T=np.full((2, 3), np.nan))
    with pytest.raises(TypeError, match="x"):
        lstm_error_flow(params, x.astype(np.int64))
    with pytest.raises(ValueError, match="x"):
        lstm_error_flow(params, x[:, :, :1])
    with pytest.raises(ValueError, match="x"):
        lstm_error_flow(params, np.full_like(x, np.inf))


# --- delta_jacobian ---------------------------------------------------------------------------

def _path_sum(W, fprime, u, v):
    """The book's sum over all paths u = l_0 → l_1 → … → l_q = v of Π f'_{l_m} w_{l_{m-1} l_m}."""
    import itertools
    q, n = fprime.shape
    total = 0.0
    for middle in itertools.product(range(n), repeat=q - 1):
        path = (u,) + middle + (v,)
        prod = 1.0
        for m in range(1, q + 1):
            prod *= fprime[m - 1, path[m]] * W[path[m - 1], path[m]]
        total += prod
    return total


@pytest.mark.equations("eq-vg-paths", "eq-vg-one-step",
                        compares="another implementation: the explicit sum over all paths of products")
@pytest.mark.parametrize("n,q,seed", [(1, 1, 0), (3, 1, 1), (3, 4, 2), (2, 5, 3)])
def test_delta_jacobian_is_the_path_sum(n, q, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n)) + np.triu(rng.normal(size=(n, n)), 1)
    fprime = rng.uniform(0.0, 0.25, (q, n))
    J = delta_jacobian(W, fprime)
    for u in range(n):
        for v in range(n):
            assert J[v, u] == pytest.approx(_path_sum(W, fprime, u, v), rel=1e-12, abs=1e-15)


@pytest.mark.equations("eq-vg-one-step", "eq-vg-recursion",
                        compares="another implementation: BPTT's deltas with the error injected at the last step")
def test_delta_jacobian_matches_bptt_deltas():
    """Inject e at the last step only: BPTT's δ(T−q) = J(q) δ(T), f' taken from the forward pass."""
    from lstm_core.rnn import RNNParams, bptt_deltas, rnn_forward
    rng = np.random.default_rng(4)
    params = RNNParams.init(2, 4, rng, scale=1.3, bias_scale=0.5)
    x = rng.normal(size=(6, 1, 2))
    y, cache = rnn_forward(params, x)
    dy = np.zeros_like(y)
    dy[-1] = rng.normal(size=(1, 4))
    delta = bptt_deltas(params, cache, dy)
    fprime = 1.0 - y[:, 0] ** 2                       # tanh' from outputs, (T, n)
    for q in range(1, 6):
        J = delta_jacobian(params.W_rec, fprime[::-1][1:q + 1])
        np.testing.assert_allclose(J @ delta[-1, 0], delta[-1 - q, 0], rtol=1e-10, atol=1e-14)


def test_delta_jacobian_bad_inputs():
    with pytest.raises(ValueError, match="W_rec: expected shape"):
        delta_jacobian(np.ones((2, 3)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="fprime: expected shape"):
        delta_jacobian(np.eye(2), np.ones((1, 3)))
    with pytest.raises(ValueError, match="number of steps q"):
        delta_jacobian(np.eye(2), np.ones((0, 2)))
    with pytest.raises(TypeError, match="fprime"):
        delta_jacobian(np.eye(2), np.ones((1, 2), dtype=int))
    with pytest.raises(ValueError, match="W_rec: expected finite"):
        delta_jacobian(np.full((2, 2), np.nan), np.ones((1, 2)))
