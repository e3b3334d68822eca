"""Tests for lstm_core.grid (Chapter 14): the Grid LSTM block, the 2-D grid, exact gradients."""
import dataclasses

import numpy as np
import pytest

import lstm_core.grid as grid
from lstm_core.bidirectional import Bidirectional, SequenceLayer
from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from lstm_core.grid import (GridLSTMParams, grid_backward, grid_block,
                            grid_block_backward, grid_depth_gradient_norms, grid_depth_gradients,
                            grid_forward)

SHAPES = [(1, 1, 1, 1, 1), (3, 2, 2, 2, 3), (2, 1, 3, 1, 2), (4, 2, 1, 2, 1)]  # (T, B, I, N, L)


def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def reference_grid(p, x, h0=None, m0=None, delta=None):
    """Unfused transcription of the paper's 2-D grid, one dimension and one gate at a time.

    ``delta`` (L+1, T, B, N), if given, is added to each depth-hidden vector h_2(t, l) as soon as
    it is computed, so that ∂E/∂delta = ∂E/∂h_2(t, l).
    """
    T, B, _ = x.shape
    N, L = p.n_hidden, p.n_layers
    h_t = [np.zeros((B, N)) if h0 is None else h0[l] for l in range(L)]
    m_t = [np.zeros((B, N)) if m0 is None else m0[l] for l in range(L)]
    ys = []
    for t in range(T):
        h_d, m_d = x[t] @ p.W_in.T, np.zeros((B, N))
        if delta is not None:
            h_d = h_d + delta[0, t]
        for l in range(L):
            H = np.concatenate([h_t[l], h_d], axis=1)
            out = []
            for d, m_old in enumerate((m_t[l], m_d)):
                def net(k):
                    rows = slice((4 * d + k) * N, (4 * d + k + 1) * N)
                    return H @ p.W[l, rows].T + p.b[l, rows]
                i, f, z, o = sig(net(0)), sig(net(1)), np.tanh(net(2)), sig(net(3))
                m_new = f * m_old + i * z
                out.append((o * np.tanh(m_new), m_new))
            (h_t[l], m_t[l]), (h_d, m_d) = out
            if delta is not None:
                h_d = h_d + delta[l + 1, t]
        ys.append(h_d)
    return np.stack(ys), np.stack(h_t), np.stack(m_t)


def make(T, B, I, N, L, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = GridLSTMParams.init(I, N, rng, dtype=dtype, n_layers=L)
    p.b[...] = rng.uniform(0.2, 0.8, p.b.shape) * rng.choice([-1, 1], p.b.shape)  # non-zero biases
    p.W *= 2.0                                   # larger weights: more non-linear, stronger test
    x = rng.normal(size=(T, B, I)).astype(dtype)
    return rng, p, x


@pytest.mark.equations("eq-grid-block", "eq-grid-2d",
                        compares="another implementation: the grid swept point by point with per-dimension weights")
@pytest.mark.parametrize("T,B,I,N,L", SHAPES)
def test_forward_matches_unfused_reference(T, B, I, N, L):
    rng, p, x = make(T, B, I, N, L)
    h0, m0 = rng.normal(size=(L, B, N)), rng.normal(size=(L, B, N))
    y, cache = grid_forward(p, x, (h0, m0))
    y_ref, h_T, m_T = reference_grid(p, x, h0, m0)
    assert y.shape == (T, B, N) and cache.gates.shape == (T, L, B, 2, 4, N)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.h_time[-1], h_T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache.m_time[-1], m_T, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(cache.h_depth[:, L], y)


@pytest.mark.parametrize("T,B,I,N,L", SHAPES)
def test_backward_matches_finite_differences(T, B, I, N, L):
    rng, p, x = make(T, B, I, N, L, seed=T + 10 * L)
    h0, m0 = rng.normal(size=(L, B, N)), rng.normal(size=(L, B, N))
    G = rng.normal(size=(T, B, N))
    gh, gm = rng.normal(size=(L, B, N)), rng.normal(size=(L, B, N))

    def loss():   # E = Σ G ⊙ y + Σ gh ⊙ h_time(T) + Σ gm ⊙ m_time(T)
        y, c = grid_forward(p, x, (h0, m0))
        return float(np.sum(G * y) + np.sum(gh * c.h_time[-1]) + np.sum(gm * c.m_time[-1]))

    _, cache = grid_forward(p, x, (h0, m0))
    grads, dx, (dh0, dm0) = grid_backward(p, cache, G, (gh, gm))
    errors = check_gradients(loss, p, grads)
    assert set(errors) == {"W_in", "W", "b"}
    errors["x"] = relative_error(dx, numerical_gradient(loss, x))
    errors["h0"] = relative_error(dh0, numerical_gradient(loss, h0))
    errors["m0"] = relative_error(dm0, numerical_gradient(loss, m0))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("T,B,I,N,L", [(1, 1, 1, 1, 1), (3, 2, 2, 2, 3)])
def test_depth_gradients_match_finite_differences(T, B, I, N, L):
    rng, p, x = make(T, B, I, N, L, seed=3)
    G = rng.normal(size=(T, B, N))
    delta = np.zeros((L + 1, T, B, N))
    loss = lambda: float(np.sum(G * reference_grid(p, x, delta=delta)[0]))  # noqa: E731
    _, cache = grid_forward(p, x)
    g = grid_depth_gradients(p, cache, G)
    assert g.shape == (L + 1, T, B, N)
    assert relative_error(g, numerical_gradient(loss, delta)) < 1e-6
    np.testing.assert_array_equal(g[L], G)                 # the top level is dy itself

    norms = grid_depth_gradient_norms(p, cache, G)
    per_t = grid_depth_gradient_norms(p, cache, G, per_time=True)
    assert norms.shape == (L + 1,) and per_t.shape == (L + 1, T)
    np.testing.assert_allclose(norms, [np.linalg.norm(g[l]) for l in range(L + 1)], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt((per_t ** 2).sum(axis=1)), norms, rtol=1e-12)


@pytest.mark.parametrize("D,B,N", [(1, 1, 1), (2, 3, 2), (3, 2, 2)])
def test_block_backward_matches_finite_differences(D, B, N):
    rng = np.random.default_rng(D)
    W = rng.normal(size=(D * 4 * N, D * N))
    b = rng.uniform(0.2, 0.8, D * 4 * N) * rng.choice([-1, 1], D * 4 * N)
    h, m = rng.normal(size=(B, D, N)), rng.normal(size=(B, D, N))
    Gh, Gm = rng.normal(size=(B, D, N)), rng.normal(size=(B, D, N))

    def loss():
        hn, mn, _ = grid_block(W, b, h, m)
        return float(np.sum(Gh * hn) + np.sum(Gm * mn))

    dW, db, dh, dm = grid_block_backward(W, grid_block(W, b, h, m)[2], Gh, Gm)
    for got, arr in ((dW, W), (db, b), (dh, h), (dm, m)):
        assert relative_error(got, numerical_gradient(loss, arr)) < 1e-6


@pytest.mark.equations("eq-grid-block", "eq-grid-2d",
                        compares="an identity: a grid point is the block on its two neighbours' vectors")
def test_block_is_the_grid_point_and_dimensions_have_own_weights():
    rng, p, x = make(1, 2, 2, 3, 1, seed=4)
    y, cache = grid_forward(p, x)
    h = np.stack([np.zeros((2, 3)), x[0] @ p.W_in.T], axis=1)
    h_new, m_new, _ = grid_block(p.W[0], p.b[0], h, np.zeros((2, 2, 3)))
    np.testing.assert_allclose(h_new[:, 1], y[0], rtol=1e-14)
    np.testing.assert_allclose(m_new[:, 0], cache.m_time[1, 0], rtol=1e-14)
    # changing the time transform's weights leaves the depth output of this point alone
    p.W[0, :12] += 1.0
    np.testing.assert_array_equal(grid_forward(p, x)[0], y)
    p.W[0, 12:] += 1.0
    assert np.all(grid_forward(p, x)[0] != y)


def test_inside_bidirectional_protocol():
    """The grid follows the sequence layer protocol, so it fits the bidirectional wrapper."""
    layer = SequenceLayer.from_module(grid)
    assert layer.init == GridLSTMParams.init
    rng = np.random.default_rng(5)
    bi = Bidirectional(layer)
    p = bi.init(2, 2, rng, n_out=1)
    x = rng.normal(size=(3, 1, 2))
    G = rng.normal(size=(3, 1, 1))
    loss = lambda: float(np.sum(G * bi.forward(p, x)[0]))  # noqa: E731
    grads, dx, _ = bi.backward(p, bi.forward(p, x)[1], G)
    for part in ("fwd", "bwd"):
        assert max(check_gradients(loss, getattr(p, part), getattr(grads, part)).values()) < 1e-6
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_no_overflow(dtype):
    _, p, _ = make(3, 2, 2, 2, 2, dtype=dtype)
    for scale in (1e4, -1e4):
        x = np.full((3, 2, 2), scale, dtype=dtype)
        y, cache = grid_forward(p, x)          # RuntimeWarnings are errors in this suite
        grads, dx, (dh0, dm0) = grid_backward(p, cache, np.ones_like(y))
        arrays = (y, grads.W_in, grads.W, grads.b, dx, dh0, dm0, cache.gates)
        assert all(a.dtype == dtype and np.all(np.isfinite(a)) for a in arrays)
        assert grid_depth_gradient_norms(p, cache, np.ones_like(y)).dtype == dtype


def test_init():
    p = GridLSTMParams.init(3, 4, 0, n_layers=5)
    assert (p.n_in, p.n_hidden, p.n_layers) == (3, 4, 5)
    assert p.W.shape == (5, 32, 8) and p.b.shape == (5, 32) and p.W_in.shape == (4, 3)
    f_rows = p.b.reshape(5, 2, 4, 4)[:, :, 1]
    assert np.all(f_rows > 0.4)                                  # forget bias 1 ± 1/√N
    q = GridLSTMParams.init(3, 4, 0, n_layers=5, forget_bias=0.0)
    np.testing.assert_allclose(p.b.reshape(5, 2, 4, 4)[:, :, 1] - 1, q.b.reshape(5, 2, 4, 4)[:, :, 1])


def test_bad_input():
    rng, p, x = make(3, 2, 2, 2, 2)
    with pytest.raises(ValueError, match="x: expected 3 dimensions"):
        grid_forward(p, x[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 2\), got \(3, 2, 3\)"):
        grid_forward(p, np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match="x: expected finite values"):
        grid_forward(p, np.full_like(x, np.inf))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array, got dtype int32"):
        grid_forward(p, np.zeros((3, 2, 2), dtype=np.int32))
    with pytest.raises(TypeError, match="x: expected dtype float64"):
        grid_forward(p, x.astype(np.float32))
    with pytest.raises(ValueError, match=r"batch size B.*got 0"):
        grid_forward(p, np.zeros((3, 0, 2)))
    with pytest.raises(TypeError, match=r"state0: expected a pair \(h_time, m_time\)"):
        grid_forward(p, x, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"state0\[1\] \(m_time\): expected shape \(2, 2, 2\), got \(2, 3, 2\)"):
        grid_forward(p, x, (np.zeros((2, 2, 2)), np.zeros((2, 3, 2))))
    with pytest.raises(TypeError, match="params: expected GridLSTMParams"):
        grid_forward({"W": p.W}, x)
    with pytest.raises(ValueError, match=r"params.W: expected shape \(any, 16, 4\), got \(2, 16, 3\)"):
        grid_forward(dataclasses.replace(p, W=p.W[:, :, :3]), x)
    with pytest.raises(ValueError, match=r"params.b: expected shape \(2, 16\), got \(1, 16\)"):
        grid_forward(dataclasses.replace(p, b=p.b[:1]), x)
    y, cache = grid_forward(p, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(3, 2, 2\), got \(2, 2, 2\)"):
        grid_backward(p, cache, y[:2])
    with pytest.raises(TypeError, match="cache: expected a GridLSTMCache"):
        grid_backward(p, (y,), y)
    with pytest.raises(ValueError, match="cache: expected a grid of 1 layers of 2 units .* got 2 layers"):
        grid_backward(dataclasses.replace(p, W=p.W[:1], b=p.b[:1]), cache, y)
    with pytest.raises(ValueError, match=r"dstate_T\[0\] \(h_time\): expected finite"):
        grid_backward(p, cache, y, (np.full((2, 2, 2), np.nan), np.zeros((2, 2, 2))))
    with pytest.raises(ValueError, match=r"W: expected shape \(16, 4\), got \(16, 3\)"):
        grid_block(np.zeros((16, 3)), np.zeros(16), np.zeros((1, 2, 2)), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match=r"m: expected shape \(1, 2, 2\), got \(1, 2, 3\)"):
        grid_block(np.zeros((16, 4)), np.zeros(16), np.zeros((1, 2, 2)), np.zeros((1, 2, 3)))
    with pytest.raises(TypeError, match="cache: expected a GridBlockCache"):
        grid_block_backward(np.zeros((16, 4)), cache, y, y)
    with pytest.raises(ValueError, match="n_layers: expected an integer >= 1, got 0"):
        GridLSTMParams.init(2, 2, n_layers=0)
    with pytest.raises(ValueError, match="n_hidden: expected an integer >= 1, got -1"):
        GridLSTMParams.init(2, -1)
    with pytest.raises(TypeError, match="forget_bias: expected a finite real number"):
        GridLSTMParams.init(2, 2, forget_bias=float("nan"))
