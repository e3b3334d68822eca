"""Tests for lstm_core.lstm_truncated: the original truncated gradient (forward dS, RTRL-style)
equals its backward carousel-only form, equals full BPTT where nothing is dropped, and differs
from it otherwise."""
import numpy as np
import pytest

from lstm_core.gradcheck import relative_error
from lstm_core.lstm import PRESETS, LSTMConfig, LSTMParams, lstm_backward, lstm_forward
from lstm_core.lstm_truncated import lstm_backward_carousel, lstm_backward_truncated

ALL = list(PRESETS)
FIELDS = ("W", "R", "b", "P", "Q")


def _net(name, S=1, T=5, B=2, I=3, H=2, seed=0, cut=False):
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(I, H * S, LSTMConfig.preset(name, block_size=S), rng=rng, scale=0.9)
    if cut:                                   # nothing for the truncation to drop
        p.R[...] = 0.0
        if p.P is not None:
            p.P[...] = 0.0
        if p.Q is not None:
            p.Q[...] = 0.0
    x = rng.normal(size=(T, B, I))
    dy = rng.normal(size=(T, B, H * S))
    return p, x, dy


def _max_err(g1, g2):
    return max(relative_error(getattr(g1, f), getattr(g2, f)) for f in FIELDS if getattr(g1, f) is not None)


@pytest.mark.equations("eq-trunc-state", "eq-trunc-ds",
                        compares="another implementation: the partials carried forward against the errors carried back along the carousel")
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("S", [1, 2])
def test_forward_dS_equals_backward_carousel(name, S):
    p, x, dy = _net(name, S, seed=1)
    _, cache = lstm_forward(p, x)
    g1 = lstm_backward_truncated(p, cache, dy)
    g2 = lstm_backward_carousel(p, cache, dy)
    assert _max_err(g1, g2) < 1e-12
    for f in FIELDS:
        a, b = getattr(g1, f), getattr(p, f)
        assert (a is None) == (b is None) and (a is None or a.shape == b.shape)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("S", [1, 2])
def test_equals_full_bptt_when_nothing_is_dropped(name, S):
    p, x, dy = _net(name, S, seed=2, cut=True)          # R = 0, P = 0, Q = 0
    _, cache = lstm_forward(p, x)
    full, _, _ = lstm_backward(p, cache, dy)
    assert _max_err(lstm_backward_truncated(p, cache, dy), full) < 1e-12


@pytest.mark.parametrize("name", ALL)
def test_differs_from_full_bptt_otherwise(name):
    p, x, dy = _net(name, seed=3, T=6)
    p.R *= 2.0
    _, cache = lstm_forward(p, x)
    full, _, _ = lstm_backward(p, cache, dy)
    trunc = lstm_backward_truncated(p, cache, dy)
    assert relative_error(trunc.W, full.W) > 1e-3
    # the output gate's bias gradient at the last step is one-step in both: with one time step
    # and a zero initial state nothing at all is dropped except the peephole paths
    p1, x1, dy1 = _net(name, seed=3, T=1)
    if p1.P is not None:
        p1.P[...] = 0.0
    _, c1 = lstm_forward(p1, x1)
    assert _max_err(lstm_backward_truncated(p1, c1, dy1), lstm_backward(p1, c1, dy1)[0]) < 1e-12


def test_peepholes_alone_make_a_difference():
    p, x, dy = _net("gers2002", seed=4, cut=True)
    p.P[...] = 0.5                                          # R = 0, but the peepholes are on
    _, cache = lstm_forward(p, x)
    full, _, _ = lstm_backward(p, cache, dy)
    assert relative_error(lstm_backward_truncated(p, cache, dy).W, full.W) > 1e-4


def test_trace_holds_book_sign_errors_and_the_carried_partial():
    p, x, dy = _net("lstm1997", seed=5, cut=True)
    _, cache = lstm_forward(p, x)
    grads, tr = lstm_backward_truncated(p, cache, dy, return_trace=True)
    T, B, H = dy.shape
    assert tr.e_s.shape == (T, B, H) and tr.delta_out.shape == (T, B, H)
    # ∂E/∂b_c = Σ_t ∂E/∂s_c(t) ∂s_c(t)/∂b_c = −Σ_t e_s(t) dS_c(t)
    lay = p.config.layout(H)
    np.testing.assert_allclose(grads.b[lay["z"]], -np.sum(tr.e_s * tr.dS_c, axis=(0, 1)), atol=1e-12)
    # without a forget gate (1997) ∂s_c/∂b_c only grows (g' y^in > 0 is added each step)
    assert np.all(np.diff(tr.dS_c, axis=0) > 0) and np.all(tr.dS_c[0] > 0)
    np.testing.assert_allclose(grads.b[lay["o"]], -np.sum(tr.delta_out, axis=(0, 1)), atol=1e-12)


def test_bad_input():
    p, x, dy = _net("vanilla")
    _, cache = lstm_forward(p, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(5, 2, 2\), got \(5, 2, 3\)"):
        lstm_backward_truncated(p, cache, np.zeros((5, 2, 3)))
    with pytest.raises(TypeError, match="cache: expected an LSTMCache"):
        lstm_backward_truncated(p, None, dy)
    with pytest.raises(ValueError, match="dy: expected finite"):
        lstm_backward_carousel(p, cache, np.full_like(dy, np.inf))
    with pytest.raises(TypeError, match="dy: expected a float32 or float64 array, got dtype int64"):
        lstm_backward_truncated(p, cache, np.zeros((5, 2, 2), dtype=np.int64))


@pytest.mark.equations("eq-trunc-ds", compares="finite differences, where the truncation drops nothing")
@pytest.mark.parametrize("name", ALL)
def test_truncated_matches_finite_differences_where_nothing_is_dropped(name):
    from lstm_core.gradcheck import check_gradients
    p, x, dy = _net(name, S=2, T=3, B=1, I=2, H=1, seed=6, cut=True)

    def loss():
        return float(np.sum(dy * lstm_forward(p, x)[0]))

    _, cache = lstm_forward(p, x)
    errs = check_gradients(loss, p, lstm_backward_truncated(p, cache, dy))
    assert max(errs.values()) < 1e-6, errs
