"""Tests for lstm_core.gru (Chapter 15): equations, BPTT vs finite differences, bad input."""
import numpy as np
import pytest

from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from lstm_core.gru import (GRUCache, GRUParams, GRUStepCache, gru_backward, gru_forward, gru_step,
                           gru_step_backward)

SHAPES = [(1, 1, 1, 1), (3, 2, 4, 3), (5, 1, 2, 1), (2, 3, 1, 2)]  # (T, B, I, H)


def reference_gru(params, x, h0):
    """Direct, unfused transcription of Cho et al.'s equations, unit by unit."""
    H = params.n_hidden
    W_r, W_u, W_c = params.W[:H], params.W[H:2 * H], params.W[2 * H:]
    U_r, U_u, U_c = params.U[:H], params.U[H:2 * H], params.U[2 * H:]
    b_r, b_u, b_c = params.b[:H], params.b[H:2 * H], params.b[2 * H:]
    h, out = h0.copy(), []
    for x_t in x:
        r = 1 / (1 + np.exp(-(x_t @ W_r.T + h @ U_r.T + b_r)))
        u = 1 / (1 + np.exp(-(x_t @ W_u.T + h @ U_u.T + b_u)))
        cand = np.tanh(x_t @ W_c.T + (r * h) @ U_c.T + b_c)
        h = u * h + (1 - u) * cand
        out.append(h)
    return np.stack(out)


def make(T, B, I, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = GRUParams.init(I, H, rng, dtype=dtype)
    p.b[:] = rng.uniform(0.2, 0.8, p.b.shape) * rng.choice([-1, 1], p.b.shape)  # non-zero biases
    x = rng.normal(size=(T, B, I)).astype(dtype)
    h0 = rng.normal(size=(B, H)).astype(dtype) * 0.5
    return rng, p, x, h0


@pytest.mark.equations("eq-gru", compares="another implementation: the gates and candidate written out")
@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_forward_matches_unfused_reference(T, B, I, H):
    _, p, x, h0 = make(T, B, I, H)
    y, cache = gru_forward(p, x, h0)
    assert y.shape == (T, B, H) and cache.h.shape == (T + 1, B, H)
    np.testing.assert_allclose(y, reference_gru(p, x, h0), rtol=1e-12, atol=1e-12)


def test_sequence_equals_looped_step():
    _, p, x, h0 = make(4, 3, 2, 5, seed=1)
    y, cache = gru_forward(p, x, h0)
    h = h0
    for t in range(x.shape[0]):
        h, sc = gru_step(p, x[t], h)
        np.testing.assert_allclose(h, y[t], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(sc.r, cache.r[t], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(sc.c, cache.c[t], rtol=1e-13, atol=1e-14)


def test_update_gate_convention_u_one_keeps_state():
    """Cho's / PyTorch's convention: u → 1 copies y(t−1), u → 0 takes the candidate."""
    _, p, x, h0 = make(6, 2, 3, 4, seed=2)
    H = p.n_hidden
    p.b[H:2 * H] = 50.0            # u = σ(50) ≈ 1
    y, _ = gru_forward(p, x, h0)
    np.testing.assert_allclose(y[-1], h0, atol=1e-15)
    p.b[H:2 * H] = -50.0           # u ≈ 0: the state is the candidate
    y, cache = gru_forward(p, x, h0)
    np.testing.assert_allclose(y, cache.c, atol=1e-15)


def test_reset_gate_zero_hides_the_old_state_from_the_candidate():
    _, p, x, h0 = make(1, 2, 3, 4, seed=3)
    H = p.n_hidden
    p.b[:H] = -50.0                # r ≈ 0
    _, cache = gru_forward(p, x, h0)
    a_c = x[0] @ p.W[2 * H:].T + p.b[2 * H:]
    np.testing.assert_allclose(cache.c[0], np.tanh(a_c), atol=1e-15)


@pytest.mark.equations("eq-gru-dnet", "eq-gru-dh", compares="finite differences of a sequence's error")
@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_bptt_matches_finite_differences(T, B, I, H):
    rng, p, x, h0 = make(T, B, I, H, seed=10 + T + H)
    G = rng.normal(size=(T, B, H))          # E = Σ G ⊙ y + Σ g_T ⊙ y(T)
    gT = rng.normal(size=(B, H))

    def loss():
        y, _ = gru_forward(p, x, h0)
        return float(np.sum(G * y) + np.sum(gT * y[-1]))

    _, cache = gru_forward(p, x, h0)
    grads, dx, dh0 = gru_backward(p, cache, G, dstate_T=gT)
    errors = check_gradients(loss, p, grads)
    assert set(errors) == {"W", "U", "b"}
    assert max(errors.values()) < 1e-6, errors
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6
    assert relative_error(dh0, numerical_gradient(loss, h0)) < 1e-6


def test_bptt_without_dstate_T_and_state0():
    rng, p, x, _ = make(3, 2, 2, 3, seed=4)
    G = rng.normal(size=(3, 2, 3))
    loss = lambda: float(np.sum(G * gru_forward(p, x)[0]))  # noqa: E731
    grads, dx, dh0 = gru_backward(p, gru_forward(p, x)[1], G)
    assert max(check_gradients(loss, p, grads).values()) < 1e-6
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6
    assert dh0.shape == (2, 3) and np.any(dh0 != 0)


@pytest.mark.equations("eq-gru-dnet", "eq-gru-dh", compares="finite differences of one step")
@pytest.mark.parametrize("B,I,H", [(1, 1, 1), (3, 2, 4)])
def test_step_backward_matches_finite_differences(B, I, H):
    rng, p, x, h0 = make(1, B, I, H, seed=20 + H)
    x_t = x[0]
    G = rng.normal(size=(B, H))
    loss = lambda: float(np.sum(G * gru_step(p, x_t, h0)[0]))  # noqa: E731
    grads, dx, dh_prev = gru_step_backward(p, gru_step(p, x_t, h0)[1], G)
    assert max(check_gradients(loss, p, grads).values()) < 1e-6
    assert relative_error(dx, numerical_gradient(loss, x_t)) < 1e-6
    assert relative_error(dh_prev, numerical_gradient(loss, h0)) < 1e-6


def test_sequence_backward_is_sum_of_step_backwards():
    rng, p, x, h0 = make(3, 2, 2, 3, seed=5)
    y, cache = gru_forward(p, x, h0)
    G = rng.normal(size=y.shape)
    grads, dx, dh0 = gru_backward(p, cache, G)
    steps, h = [], h0
    for t in range(3):
        h, sc = gru_step(p, x[t], h)
        steps.append(sc)
    dh, W = np.zeros_like(h0), np.zeros_like(p.W)
    for t in reversed(range(3)):
        g, dx_t, dh = gru_step_backward(p, steps[t], dh + G[t])
        W += g.W
        np.testing.assert_allclose(dx_t, dx[t], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(W, grads.W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh, dh0, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    _, p, x, h0 = make(3, 2, 2, 3, dtype=dtype)
    y, cache = gru_forward(p, x, h0)
    grads, dx, dh0 = gru_backward(p, cache, np.ones_like(y))
    h, _ = gru_step(p, x[0], h0)
    assert all(a.dtype == dtype for a in (y, cache.h, cache.r, grads.W, grads.U, grads.b, dx, dh0, h))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_no_overflow_at_large_inputs(dtype, scale):
    _, p, _, _ = make(4, 2, 3, 2, dtype=dtype)
    x = np.full((4, 2, 3), scale, dtype=dtype)
    y, cache = gru_forward(p, x)      # RuntimeWarnings are errors in this suite
    grads, dx, dh0 = gru_backward(p, cache, np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.abs(y) <= 1)
    assert all(np.all(np.isfinite(a)) for a in (grads.W, grads.U, grads.b, dx, dh0))


def test_init_shapes_and_seed():
    p = GRUParams.init(3, 5, 7)
    q = GRUParams.init(3, 5, np.random.default_rng(7))
    assert p.W.shape == (15, 3) and p.U.shape == (15, 5) and p.b.shape == (15,)
    assert (p.n_in, p.n_hidden) == (3, 5)
    np.testing.assert_array_equal(p.W, q.W)
    assert np.all(np.abs(p.W) <= 1 / np.sqrt(5)) and np.any(p.b != 0)


def test_bad_input():
    _, p, x, h0 = make(3, 2, 2, 3)
    with pytest.raises(ValueError, match=r"x: expected 3 dimensions"):
        gru_forward(p, x[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 2\), got \(3, 2, 4\)"):
        gru_forward(p, np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match=r"state0: expected shape \(2, 3\), got \(4, 3\)"):
        gru_forward(p, x, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN/inf"):
        bad = x.copy(); bad[1, 0, 0] = np.nan; gru_forward(p, bad)  # noqa: E702
    with pytest.raises(ValueError, match="state0: expected finite"):
        gru_forward(p, x, np.full((2, 3), np.inf))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array, got dtype int64"):
        gru_forward(p, np.zeros((3, 2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="x: expected dtype float64"):
        gru_forward(p, x.astype(np.float32))
    with pytest.raises(ValueError, match=r"number of time steps T.*got 0"):
        gru_forward(p, np.zeros((0, 2, 2)))
    with pytest.raises(TypeError, match="params: expected GRUParams, got dict"):
        gru_forward({"W": p.W}, x)
    with pytest.raises(ValueError, match=r"params.U: expected shape \(9, 3\)"):
        gru_forward(GRUParams(W=p.W, U=p.U[:, :2], b=p.b), x)
    with pytest.raises(ValueError, match=r"params.W: expected shape \(3H, I\)"):
        gru_forward(GRUParams(W=p.W[:4], U=p.U, b=p.b), x)
    y, cache = gru_forward(p, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(3, 2, 3\), got \(3, 2, 2\)"):
        gru_backward(p, cache, y[..., :2])
    with pytest.raises(ValueError, match=r"dstate_T: expected 2 dimensions \(2, 3\), got shape \(3,\)"):
        gru_backward(p, cache, y, dstate_T=np.zeros(3))
    with pytest.raises(TypeError, match="cache: expected a GRUCache"):
        gru_backward(p, GRUStepCache(*(6 * [y[0]])), y)
    with pytest.raises(ValueError, match=r"h_prev: expected shape \(2, 3\), got \(1, 3\)"):
        gru_step(p, x[0], h0[:1])
    with pytest.raises(TypeError, match="cache: expected a GRUStepCache"):
        gru_step_backward(p, GRUCache(*(5 * [x])), y[0])


def test_bad_init():
    with pytest.raises(ValueError, match="n_hidden: expected an integer >= 1, got -2"):
        GRUParams.init(3, -2)
    with pytest.raises(TypeError, match="n_in: expected an integer >= 1, got float"):
        GRUParams.init(2.5, 3)
    with pytest.raises(TypeError, match="dtype: expected float32 or float64, got int32"):
        GRUParams.init(2, 3, 0, dtype=np.int32)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        GRUParams.init(2, 3, "seed")

