"""Tests for lstm_core.rnn (chapters 4–7): forward pass, BPTT, truncated BPTT, RTRL, error flow."""
import numpy as np
import pytest

from lstm_core import activations
from lstm_core.gradcheck import check_gradients, max_error, numerical_gradient, relative_error
from lstm_core.rnn import (RTRL, BPTTTrace, RNNCache, RNNGrads, RNNParams, StepCache, bptt_delta_step,
                           bptt_deltas, bptt_trace, error_flow, rnn_backward, rnn_backward_truncated,
                           rnn_forward, rnn_rtrl_gradient, rnn_step, rnn_step_backward,
                           rtrl_sensitivity_step)

SHAPES = [(1, 1, 1, 1), (4, 2, 3, 3), (6, 1, 2, 1), (3, 3, 1, 2), (1, 2, 2, 4)]  # (T, B, I, n)
FIELDS = ("W_in", "W_rec", "b")


def make(T, B, I, n, seed=0, activation="tanh", dtype=np.float64, scale=1.2):
    rng = np.random.default_rng(seed)
    p = RNNParams.init(I, n, rng, scale=scale, activation=activation, dtype=dtype)
    p.b[:] = rng.uniform(0.2, 0.8, n) * rng.choice([-1, 1], n)          # non-zero biases
    x = rng.normal(size=(T, B, I)).astype(dtype)
    y0 = (0.5 * rng.normal(size=(B, n))).astype(dtype)
    return rng, p, x, y0


def reference_forward(p, x, y0, extra_net=None):
    """Unit-by-unit transcription of net_k(t) = Σ_l w_kl y^l(t−1) + Σ_i w_ki x_i(t) + b_k.

    ``extra_net`` (T, B, n) is added to every net, so finite differences can measure ∂E/∂net.
    """
    f = activations.get(p.activation).f
    T, B, _ = x.shape
    n = p.n_units
    y_prev, out = y0.copy(), np.zeros((T, B, n))
    for t in range(T):
        for b in range(B):
            for k in range(n):
                net = (sum(p.W_rec[k, l] * y_prev[b, l] for l in range(n))
                       + sum(p.W_in[k, i] * x[t, b, i] for i in range(x.shape[2])) + p.b[k])
                if extra_net is not None:
                    net += extra_net[t, b, k]
                out[t, b, k] = f(net)
        y_prev = out[t]
    return out


# ------------------------------------------------------------------------------ forward

@pytest.mark.equations("eq-notation-unit", "eq-rnn-net", "eq-bptt-forward", "eq-rtrl-net",
                        compares="another implementation: the sums over units and inputs written out, unit by unit")
@pytest.mark.parametrize("activation", ["logistic", "tanh", "identity"])
@pytest.mark.parametrize("T,B,I,n", SHAPES[:3])
def test_forward_matches_unit_by_unit_reference(T, B, I, n, activation):
    _, p, x, y0 = make(T, B, I, n, activation=activation, scale=0.8)
    y, cache = rnn_forward(p, x, y0)
    assert y.shape == (T, B, n) and cache.net.shape == (T, B, n)
    np.testing.assert_allclose(y, reference_forward(p, x, y0), rtol=1e-12, atol=1e-13)


@pytest.mark.equations("eq-rnn-unfold",
                        compares="another implementation: the unfolded net as a loop of one-step calls")
def test_sequence_equals_looped_step_and_default_state_is_zero():
    _, p, x, y0 = make(5, 3, 2, 4, seed=1)
    y, cache = rnn_forward(p, x, y0)
    y_prev = y0
    for t in range(5):
        y_prev, sc = rnn_step(p, x[t], y_prev)
        assert isinstance(sc, StepCache)
        np.testing.assert_allclose(y_prev, y[t], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(sc.net, cache.net[t], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(cache.y_prev[1:], y[:-1])
    np.testing.assert_array_equal(rnn_forward(p, x, state0=y0)[0], y)     # the protocol's name
    y_default, _ = rnn_forward(p, x)
    y_zero, _ = rnn_forward(p, x, np.zeros_like(y0))
    np.testing.assert_array_equal(y_default, y_zero)
    assert not np.allclose(y_default, y)


def test_init_is_seeded_and_scale_sets_the_spectral_radius():
    a = RNNParams.init(3, 4, 7, bias_scale=0.1)
    b = RNNParams.init(3, 4, np.random.default_rng(7), bias_scale=0.1)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.W_in.shape == (4, 3) and a.W_rec.shape == (4, 4) and a.b.shape == (4,)
    assert np.all(RNNParams.init(3, 4, 0).b == 0)
    big = RNNParams.init(2, 300, 0, scale=0.7)
    radius = np.max(np.abs(np.linalg.eigvals(big.W_rec)))
    assert abs(radius - 0.7) < 0.1
    c = a.copy()
    c.W_rec[0, 0] += 1.0
    assert c.W_rec[0, 0] != a.W_rec[0, 0]


# ------------------------------------------------------------------------------ BPTT

def squared_loss(p, x, y0, target, g_T=None):
    """E = ½ Σ (y − target)² (+ g_T · y(T)), the loss of the gradient checks."""
    def E():
        y, _ = rnn_forward(p, x, y0)
        extra = 0.0 if g_T is None else float(np.sum(g_T * y[-1]))
        return 0.5 * float(np.sum((y - target) ** 2)) + extra
    return E


@pytest.mark.equations("eq-bptt-delta", "eq-bptt-grad",
                        compares="finite differences of the sequence's error, every weight, input and initial state")
@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("T,B,I,n", SHAPES)
def test_bptt_matches_finite_differences(T, B, I, n, activation):
    rng, p, x, y0 = make(T, B, I, n, seed=10 + T + n, activation=activation)
    target, g_T = rng.normal(size=(T, B, n)), rng.normal(size=(B, n))
    E = squared_loss(p, x, y0, target, g_T)
    y, cache = rnn_forward(p, x, y0)
    grads, dx, dy0 = rnn_backward(p, cache, y - target, dstate_T=g_T)
    assert isinstance(grads, RNNGrads)
    errors = check_gradients(E, p, grads)
    assert set(errors) == set(FIELDS)
    assert max_error(errors) < 1e-6, errors
    assert relative_error(dx, numerical_gradient(E, x)) < 1e-6
    assert relative_error(dy0, numerical_gradient(E, y0)) < 1e-6


@pytest.mark.equations("eq-notation-delta", "eq-bptt-delta-def", "eq-bptt-grad",
                        compares="finite differences: each net input perturbed directly; the weight gradient as the sum over time written out")
def test_deltas_are_minus_dE_dnet():
    """The book's sign: δ(t) = −∂E/∂net(t), checked by perturbing each net directly."""
    rng, p, x, y0 = make(4, 2, 2, 3, seed=3, activation="logistic")
    target = rng.normal(size=(4, 2, 3))
    u = np.zeros((4, 2, 3))
    E = lambda: 0.5 * float(np.sum((reference_forward(p, x, y0, u) - target) ** 2))  # noqa: E731
    y, cache = rnn_forward(p, x, y0)
    delta = bptt_deltas(p, cache, y - target)
    assert relative_error(delta, -numerical_gradient(E, u)) < 1e-7
    trace = bptt_trace(p, cache, y - target)
    assert isinstance(trace, BPTTTrace)
    np.testing.assert_array_equal(trace.delta, delta)
    np.testing.assert_array_equal(trace.e, target - y)          # e = t − y for squared error
    grads, dx, dy0 = rnn_backward(p, cache, y - target)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(trace.grads, name), getattr(grads, name))
    np.testing.assert_array_equal(trace.dx, dx)
    np.testing.assert_array_equal(trace.dstate0, dy0)
    # ∂E/∂w_ij = −Σ_t δ_i(t) y^j(t−1), written out as a sum over time and batch
    manual = -sum(np.outer(delta[t, b], cache.y_prev[t, b]) for t in range(4) for b in range(2))
    np.testing.assert_allclose(grads.W_rec, manual, rtol=1e-12)


@pytest.mark.equations("eq-bptt-delta", "eq-vg-delta",
                        compares="another implementation: the delta recursion one step at a time")
def test_sequence_backward_equals_looped_step_backward_and_delta_step():
    rng, p, x, y0 = make(5, 2, 3, 4, seed=4)
    dy = rng.normal(size=(5, 2, 4))
    y, cache = rnn_forward(p, x, y0)
    grads, dx, dy0 = rnn_backward(p, cache, dy)
    delta = bptt_deltas(p, cache, dy)
    total = RNNGrads.zeros_like(p)
    y_prev, steps = y0, []
    for t in range(5):
        y_prev, sc = rnn_step(p, x[t], y_prev)
        steps.append(sc)
    dy_next = np.zeros((2, 4))
    fprime = 1 - y ** 2
    delta_next = np.zeros((2, 4))
    for t in range(4, -1, -1):
        g, dx_t, dy_next = rnn_step_backward(p, steps[t], dy[t] + dy_next)
        total += g
        np.testing.assert_allclose(dx_t, dx[t], rtol=1e-12, atol=1e-15)
        delta_next = bptt_delta_step(p.W_rec, fprime[t], -dy[t], delta_next)
        np.testing.assert_allclose(delta_next, delta[t], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dy_next, dy0, rtol=1e-12, atol=1e-15)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(total, name), getattr(grads, name), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------ truncated BPTT

def truncated_by_sources(p, cache, dy, h):
    """BPTT(h) by its definition: back-propagate each error e(t) on its own, h steps back."""
    T, B, n = dy.shape
    fprime = activations.get(p.activation).deriv_from_output(cache.y)
    delta = np.zeros_like(dy)
    for t in range(T):
        d = fprime[t] * -dy[t]
        delta[t] += d
        for tau in range(t - 1, max(t - h, 0) - 1, -1):
            d = fprime[tau] * (d @ p.W_rec)
            delta[tau] += d
    return -np.einsum("tbi,tbj->ij", delta, cache.y_prev), -(delta[0] @ p.W_rec)


@pytest.mark.equations("eq-bptt-truncated",
                        compares="another implementation: each injected error back-propagated on its own, h steps")
@pytest.mark.parametrize("h", [0, 1, 2, 4])
def test_truncated_bptt_matches_its_definition(h):
    rng, p, x, y0 = make(6, 2, 2, 3, seed=5, activation="logistic")
    dy = rng.normal(size=(6, 2, 3))
    _, cache = rnn_forward(p, x, y0)
    grads, _, dy0 = rnn_backward_truncated(p, cache, dy, h)
    W_rec_ref, dy0_ref = truncated_by_sources(p, cache, dy, h)
    np.testing.assert_allclose(grads.W_rec, W_rec_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dy0, dy0_ref, rtol=1e-12, atol=1e-15)


@pytest.mark.equations("eq-bptt-truncated",
                        compares="an identity: h ≥ T − 1 gives full BPTT, shorter truncation differs")
@pytest.mark.parametrize("T", [1, 2, 5])
def test_truncation_at_least_T_equals_full_bptt_and_shorter_differs(T):
    rng, p, x, y0 = make(T, 2, 3, 3, seed=6 + T)
    dy, g_T = rng.normal(size=(T, 2, 3)), rng.normal(size=(2, 3))
    _, cache = rnn_forward(p, x, y0)
    full = rnn_backward(p, cache, dy, g_T)
    for h in (T - 1, T, T + 3):
        trunc = rnn_backward_truncated(p, cache, dy, h, g_T)
        for name in FIELDS:
            assert relative_error(getattr(trunc[0], name), getattr(full[0], name)) < 1e-13
        assert relative_error(trunc[1], full[1]) < 1e-13
        assert relative_error(trunc[2], full[2]) < 1e-13
    for h in range(0, T - 1):
        trunc = rnn_backward_truncated(p, cache, dy, h, g_T)
        assert relative_error(trunc[0].W_rec, full[0].W_rec) > 1e-4
        assert relative_error(trunc[1], full[1]) > 1e-4


# ------------------------------------------------------------------------------ RTRL

@pytest.mark.equations("eq-rtrl-update", "eq-rtrl-net", compares="finite differences, and BPTT's gradient")
@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("T,B,I,n", [(1, 1, 1, 1), (5, 2, 3, 3), (4, 3, 2, 2)])
def test_bptt_rtrl_and_finite_differences_agree(T, B, I, n, activation):
    rng, p, x, y0 = make(T, B, I, n, seed=20 + T, activation=activation)
    target = rng.normal(size=(T, B, n))
    y, cache = rnn_forward(p, x, y0)
    bptt, _, _ = rnn_backward(p, cache, y - target)
    rtrl, y_rtrl = rnn_rtrl_gradient(p, x, lambda t, y_t: y_t - target[t], y0)
    np.testing.assert_allclose(y_rtrl, y, rtol=1e-14, atol=1e-15)
    fd = {name: numerical_gradient(squared_loss(p, x, y0, target), getattr(p, name), eps=1e-5)
          for name in FIELDS}
    for name in FIELDS:
        assert relative_error(getattr(rtrl, name), getattr(bptt, name)) < 1e-12
        assert relative_error(getattr(bptt, name), fd[name]) < 1e-8
        assert relative_error(getattr(rtrl, name), fd[name]) < 1e-8
    rtrl_array, _ = rnn_rtrl_gradient(p, x, y - target, y0)      # dy given as an array
    for name in FIELDS:
        np.testing.assert_allclose(getattr(rtrl_array, name), getattr(rtrl, name), rtol=1e-13)


@pytest.mark.equations("eq-rtrl-p", "eq-rtrl-recursion",
                        compares="finite differences of the output with respect to every weight")
def test_sensitivities_are_dy_dw():
    """p^k_ij(T) = ∂y^k(T)/∂w_ij, compared with finite differences of the forward pass."""
    rng, p, x, y0 = make(4, 2, 2, 3, seed=8, activation="logistic")
    learner = RTRL(p, batch_size=2, state0=y0)
    for t in range(4):
        learner.step(x[t], np.zeros((2, 3)))
    n = 3
    for b in range(2):
        for k in range(n):
            E = lambda: float(rnn_forward(p, x, y0)[0][-1, b, k])  # noqa: E731
            np.testing.assert_allclose(learner.p[b, k, :, :n], numerical_gradient(E, p.W_rec),
                                       rtol=1e-7, atol=1e-10)
            np.testing.assert_allclose(learner.p[b, k, :, n:n + 2], numerical_gradient(E, p.W_in),
                                       rtol=1e-7, atol=1e-10)
            np.testing.assert_allclose(learner.p[b, k, :, -1], numerical_gradient(E, p.b),
                                       rtol=1e-7, atol=1e-10)


@pytest.mark.equations("eq-rtrl-recursion",
                        compares="another implementation: the recursion written out for every k, i, j")
def test_rtrl_sensitivity_step_equals_unit_by_unit_formula():
    rng = np.random.default_rng(9)
    B, n, M = 2, 3, 6
    W, fp = rng.normal(size=(n, n)), rng.uniform(0.1, 1, (B, n))
    p_prev, z = rng.normal(size=(B, n, n, M)), rng.normal(size=(B, M))
    p_prev_before = p_prev.copy()
    got = rtrl_sensitivity_step(W, fp, p_prev, z)
    np.testing.assert_array_equal(p_prev, p_prev_before)       # p(t−1) is not overwritten
    for b in range(B):
        for k in range(n):
            for i in range(n):
                for j in range(M):
                    want = fp[b, k] * (sum(W[k, l] * p_prev[b, l, i, j] for l in range(n))
                                       + (k == i) * z[b, j])
                    assert got[b, k, i, j] == pytest.approx(want, rel=1e-12, abs=1e-14)


@pytest.mark.equations("eq-rtrl-update", compares="another implementation: BPTT on the sequence so far")
def test_online_rtrl_gradient_so_far_equals_bptt_on_the_prefix():
    rng, p, x, y0 = make(5, 2, 2, 3, seed=11)
    target = rng.normal(size=(5, 2, 3))
    learner = RTRL(p, batch_size=2, state0=y0)
    for t in range(5):
        y_t, g_t = learner.step(x[t], lambda y: y - target[t])
        assert learner.t == t + 1
        y, cache = rnn_forward(p, x[:t + 1], y0)
        np.testing.assert_allclose(y_t, y[-1], rtol=1e-13, atol=1e-15)
        bptt, _, _ = rnn_backward(p, cache, y - target[:t + 1])
        for name in FIELDS:
            assert relative_error(getattr(learner.grads, name), getattr(bptt, name)) < 1e-12
        only_last = np.zeros_like(y)
        only_last[-1] = y[-1] - target[t]
        bptt_t, _, _ = rnn_backward(p, cache, only_last)
        assert relative_error(g_t.W_rec, bptt_t.W_rec) < 1e-12
    learner.zero_grad()
    assert np.all(learner.grads.W_rec == 0) and learner.t == 5
    learner.reset()
    assert learner.t == 0 and np.all(learner.p == 0) and np.all(learner.y == 0)


def test_online_rtrl_learns_to_echo_the_previous_input():
    """Williams & Zipser style online learning: a weight update after every step."""
    rng = np.random.default_rng(12)
    p = RNNParams.init(1, 3, rng, scale=0.5, activation="tanh")
    xs = rng.uniform(-0.5, 0.5, (800, 1, 1))
    targets = np.concatenate([np.zeros((1, 1, 1)), xs[:-1]])   # y^1(t) should be x(t−1)
    learner = RTRL(p)
    sq = []
    for t in range(800):
        def dy(y):
            d = np.zeros_like(y)
            d[:, 0] = y[:, 0] - targets[t, :, 0]
            return d
        y_t, g = learner.step(xs[t], dy)
        sq.append(float((y_t[0, 0] - targets[t, 0, 0]) ** 2))
        for name in FIELDS:
            getattr(p, name)[...] -= 0.1 * getattr(g, name)
    assert np.mean(sq[-100:]) < 0.2 * np.mean(sq[:100])


def test_rtrl_uses_weights_updated_in_place():
    _, p, x, y0 = make(2, 1, 2, 2, seed=13)
    learner = RTRL(p, state0=y0)
    y1, _ = learner.step(x[0], np.zeros((1, 2)))
    p.W_rec *= 2.0
    y2, _ = learner.step(x[1], np.zeros((1, 2)))
    np.testing.assert_allclose(y2, rnn_step(p, x[1], y1)[0], rtol=1e-14)


# ------------------------------------------------------------------------------ error flow

def test_error_flow_matches_finite_differences():
    """∂E(T)/∂y(T−q) for E = dy_T · y(T): rerun the net from y(T−q) and differentiate."""
    rng, p, x, y0 = make(6, 2, 2, 3, seed=14, activation="logistic", scale=2.0)
    dy_T = rng.normal(size=(2, 3))
    flow = error_flow(p, x, None, y0, dy_T)
    assert flow.grad.shape == (7, 2, 3) and list(flow.q) == list(range(7))
    y, _ = rnn_forward(p, x, y0)
    states = np.concatenate([y0[None], y])          # states[s] is the book's y(s)
    T = 6
    for q in range(T + 1):
        start = states[T - q].copy()
        if q == 0:
            fd = dy_T
        else:
            E = lambda: float(np.sum(dy_T * rnn_forward(p, x[T - q:], start)[0][-1]))  # noqa: E731
            fd = numerical_gradient(E, start)
        assert relative_error(flow.grad[q], fd) < 1e-7
        assert flow.norm[q] == pytest.approx(np.linalg.norm(fd), rel=1e-6)
    # the last lag is BPTT's ∂E/∂y(0)
    only_last = np.zeros_like(y)
    only_last[-1] = dy_T
    _, _, dy0 = rnn_backward(p, rnn_forward(p, x, y0)[1], only_last)
    np.testing.assert_allclose(flow.grad[T], dy0, rtol=1e-12)


@pytest.mark.equations("eq-vg-bound",
                        compares="a bound: a logistic unit's error shrinks by at least |w|/4 per step")
def test_error_flow_of_one_logistic_unit_respects_the_quarter_bound():
    """Chapter 7: one unit with self-weight w loses at least a factor 0.25|w| per step."""
    for w in (1.0, 3.0, 3.9):
        p = RNNParams(np.array([[0.5]]), np.array([[w]]), np.array([-0.3]), "logistic")
        x = np.random.default_rng(0).normal(size=(30, 1, 1))
        flow = error_flow(p, x, 25)
        assert flow.norm[0] == pytest.approx(1.0)
        assert np.all(flow.norm <= (0.25 * w) ** flow.q * (1 + 1e-12))
        assert np.all(np.diff(flow.norm) < 0)
    lin = RNNParams(np.array([[1.0]]), np.array([[1.0]]), np.array([0.0]), "identity")
    flow = error_flow(lin, np.ones((10, 1, 1)), 10)
    np.testing.assert_allclose(flow.norm, 1.0)                 # the constant error carousel


# ------------------------------------------------------------------------------ dtypes, numerics

def test_float32_in_float32_out():
    rng, p, x, y0 = make(3, 2, 2, 3, dtype=np.float32)
    assert p.W_rec.dtype == np.float32
    y, cache = rnn_forward(p, x, y0)
    dy = rng.normal(size=y.shape).astype(np.float32)
    assert y.dtype == np.float32 and cache.net.dtype == np.float32
    for grads, dx, dy0 in (rnn_backward(p, cache, dy), rnn_backward_truncated(p, cache, dy, 1)):
        assert {getattr(grads, f).dtype for f in FIELDS} == {np.dtype(np.float32)}
        assert dx.dtype == np.float32 and dy0.dtype == np.float32
    rtrl, y_r = rnn_rtrl_gradient(p, x, dy, y0)
    assert rtrl.W_rec.dtype == np.float32 and y_r.dtype == np.float32
    assert error_flow(p, x).norm.dtype == np.float32
    assert rnn_step(p, x[0], y0)[0].dtype == np.float32
    assert bptt_deltas(p, cache, dy).dtype == np.float32
    f64 = make(3, 2, 2, 3)[1]
    g64, _, _ = rnn_backward(f64, rnn_forward(f64, x.astype(np.float64), y0.astype(np.float64))[1],
                             dy.astype(np.float64))
    assert relative_error(g64.W_rec, rtrl.W_rec) < 1e-5


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
def test_no_warnings_and_finite_results_at_huge_inputs(activation):
    rng, p, x, y0 = make(4, 2, 2, 3, activation=activation)
    x = np.sign(rng.normal(size=x.shape)) * 1e4
    y, cache = rnn_forward(p, x, y0)                           # RuntimeWarnings are errors
    dy = rng.normal(size=y.shape)
    grads, dx, dy0 = rnn_backward(p, cache, dy)
    rtrl, _ = rnn_rtrl_gradient(p, x, dy, y0)
    flow = error_flow(p, x)
    for arr in (y, grads.W_rec, grads.W_in, dx, dy0, rtrl.W_rec, flow.norm):
        assert np.all(np.isfinite(arr))
    assert relative_error(rtrl.W_rec, grads.W_rec) < 1e-12


# ------------------------------------------------------------------------------ bad input

def test_bad_params():
    with pytest.raises(ValueError, match="n_units: expected an integer >= 1, got -2"):
        RNNParams.init(2, -2, 0)
    with pytest.raises(ValueError, match="n_in: expected an integer >= 1, got 0"):
        RNNParams.init(0, 2, 0)
    with pytest.raises(TypeError, match="n_units: expected an integer"):
        RNNParams.init(2, 2.5, 0)
    with pytest.raises(TypeError, match="dtype: expected float32 or float64"):
        RNNParams.init(2, 2, 0, dtype=np.int32)
    with pytest.raises(ValueError, match="activation: expected one of"):
        RNNParams.init(2, 2, 0, activation="relu6")
    with pytest.raises(ValueError, match=r"params.W_rec: expected shape \(2, 2\), got \(2, 3\)"):
        RNNParams(np.zeros((2, 1)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"params.b: expected shape \(3,\), got \(2,\)"):
        RNNParams(np.zeros((3, 1)), np.zeros((3, 3)), np.zeros(2))
    with pytest.raises(TypeError, match="params.W_in: expected dtype float64"):
        RNNParams(np.zeros((2, 1), np.float32), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="params.W_rec: expected finite values"):
        RNNParams(np.zeros((2, 1)), np.full((2, 2), np.nan), np.zeros(2))
    p = RNNParams.init(2, 2, 0)
    p.W_rec[0, 0] = np.inf                                     # corrupted after construction
    with pytest.raises(ValueError, match="params.W_rec: expected finite values"):
        rnn_forward(p, np.zeros((1, 1, 2)))
    with pytest.raises(TypeError, match="params: expected RNNParams, got dict"):
        rnn_forward({"W_rec": np.eye(2)}, np.zeros((1, 1, 2)))


def test_bad_sequences_and_states():
    _, p, x, y0 = make(3, 2, 2, 3)
    with pytest.raises(ValueError, match=r"x: expected 3 dimensions .* got shape \(2, 2\)"):
        rnn_forward(p, x[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 2\), got \(3, 2, 4\)"):
        rnn_forward(p, np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match="x: expected at least one time step"):
        rnn_forward(p, np.zeros((0, 2, 2)))
    with pytest.raises(ValueError, match=r"state0: expected shape \(2, 3\), got \(1, 3\)"):
        rnn_forward(p, x, y0[:1])                              # batch mismatch
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN/inf"):
        bad = x.copy()
        bad[1, 0, 1] = np.nan
        rnn_forward(p, bad, y0)
    with pytest.raises(ValueError, match="state0: expected finite values"):
        rnn_forward(p, x, np.full_like(y0, np.inf))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array, got dtype int64"):
        rnn_forward(p, np.ones((3, 2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="x: expected dtype float64"):
        rnn_forward(p, x.astype(np.float32))
    with pytest.raises(ValueError, match=r"y_prev: expected shape \(2, 3\)"):
        rnn_step(p, x[0], y0[:1])
    with pytest.raises(ValueError, match=r"x_t: expected shape \(any, 2\)"):
        rnn_step(p, x[0, :, :1], y0)


def test_bad_backward_arguments():
    rng, p, x, y0 = make(3, 2, 2, 3)
    y, cache = rnn_forward(p, x, y0)
    dy = rng.normal(size=y.shape)
    with pytest.raises(ValueError, match=r"dy: expected shape \(3, 2, 3\), got \(2, 2, 3\)"):
        rnn_backward(p, cache, dy[:2])
    with pytest.raises(ValueError, match="dy: expected finite values"):
        rnn_backward(p, cache, dy * np.nan)
    with pytest.raises(TypeError, match="cache: expected the RNNCache"):
        rnn_backward(p, (y, x), dy)
    with pytest.raises(ValueError, match=r"dstate_T: expected shape \(2, 3\)"):
        rnn_backward(p, cache, dy, dy[0, :1])
    other = RNNParams.init(2, 4, 0)
    with pytest.raises(ValueError, match="cache: made by a net with 3 units"):
        rnn_backward(other, cache, dy)
    with pytest.raises(ValueError, match="h: expected an integer >= 0, got -1"):
        rnn_backward_truncated(p, cache, dy, -1)
    with pytest.raises(TypeError, match="h: expected an integer >= 0, got float"):
        rnn_backward_truncated(p, cache, dy, 2.0)
    with pytest.raises(TypeError, match="cache: expected the StepCache"):
        rnn_step_backward(p, cache, dy[0])
    with pytest.raises(ValueError, match=r"delta_next: expected shape \(2, 3\)"):
        bptt_delta_step(p.W_rec, dy[0], dy[0], dy[0, :1])


def test_bad_rtrl_and_error_flow_arguments():
    rng, p, x, y0 = make(3, 2, 2, 3)
    with pytest.raises(ValueError, match="batch_size: expected an integer >= 1, got 0"):
        RTRL(p, batch_size=0)
    learner = RTRL(p, batch_size=2)
    with pytest.raises(ValueError, match=r"x_t: expected shape \(2, 2\), got \(1, 2\)"):
        learner.step(x[0, :1], np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"dy_t: expected shape \(2, 3\), got \(2, 2\)"):
        learner.step(x[0], lambda y: y[:, :2])
    with pytest.raises(ValueError, match=r"dy: expected shape \(3, 2, 3\)"):
        rnn_rtrl_gradient(p, x, np.zeros((3, 1, 3)))
    with pytest.raises(ValueError, match=r"p_prev: expected shape \(2, 3, 3, any\)"):
        rtrl_sensitivity_step(p.W_rec, np.ones((2, 3)), np.zeros((2, 3, 2, 6)), np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"z_t: expected shape \(2, 6\), got \(2, 5\)"):
        rtrl_sensitivity_step(p.W_rec, np.ones((2, 3)), np.zeros((2, 3, 3, 6)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="q_max: expected at most T = 3"):
        error_flow(p, x, 4)
    with pytest.raises(ValueError, match="q_max: expected an integer >= 0, got -1"):
        error_flow(p, x, -1)
    with pytest.raises(ValueError, match=r"dy_T: expected 2 dimensions \(2, 3\), got shape \(3,\)"):
        error_flow(p, x, 2, dy_T=np.ones(3))


def test_cache_is_an_rnncache_with_the_activation_name():
    _, p, x, y0 = make(2, 1, 1, 2, activation="logistic")
    _, cache = rnn_forward(p, x, y0)
    assert isinstance(cache, RNNCache) and cache.activation == "logistic"
    np.testing.assert_array_equal(cache.y0, y0)
