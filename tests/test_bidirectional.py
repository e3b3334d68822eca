"""Tests for lstm_core.bidirectional (Chapter 13): exact gradients with any layer inside, bad input."""
import dataclasses
import functools

import numpy as np
import pytest

import lstm_core.gru as gru
import lstm_core.lstm as lstm
import lstm_core.rnn as rnn
from lstm_core.bidirectional import (Bidirectional, BidirectionalCache, BidirectionalParams,
                                     SequenceLayer)
from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from _helpers import random_biases

GRU = SequenceLayer(gru.gru_forward, gru.gru_backward, gru.GRUParams.init, "GRU")
SHAPES = [(1, 1, 1, 1), (4, 2, 3, 2), (3, 3, 2, 1)]   # (T, B, I, H)


def setup(layer, T, B, I, H, n_out=None, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    bi = Bidirectional(layer)
    p = bi.init(I, H, rng, dtype=dtype, n_out=n_out)
    random_biases(p.fwd, rng)
    random_biases(p.bwd, rng)
    x = rng.normal(size=(T, B, I)).astype(dtype)
    return rng, bi, p, x


def assert_gradients_exact(bi, p, x, rng, state0=None, dstate_T=None):
    y, cache = bi.forward(p, x, state0)
    G = rng.normal(size=y.shape)

    def loss():
        yy, c = bi.forward(p, x, state0)
        extra = 0.0
        if dstate_T is not None:  # the final states: h→(T) = h_fwd[-1], h←(1) = h_bwd[0]
            extra = np.sum(dstate_T[0] * c.h_fwd[-1]) + np.sum(dstate_T[1] * c.h_bwd[0])
        return float(np.sum(G * yy) + extra)

    grads, dx, dstate0 = bi.backward(p, cache, G, dstate_T)
    errors = {}
    for part in ("fwd", "bwd"):
        for name, err in check_gradients(loss, getattr(p, part), getattr(grads, part)).items():
            errors[f"{part}.{name}"] = err
    errors.update(check_gradients(loss, p, grads))        # the output layer, if any
    errors["x"] = relative_error(dx, numerical_gradient(loss, x))
    if state0 is not None:
        errors["state0_fwd"] = relative_error(dstate0[0], numerical_gradient(loss, state0[0]))
        errors["state0_bwd"] = relative_error(dstate0[1], numerical_gradient(loss, state0[1]))
    assert max(errors.values()) < 1e-6, errors
    return errors


@pytest.mark.parametrize("T,B,I,H", SHAPES)
@pytest.mark.parametrize("n_out", [None, 2])
def test_gradients_with_gru_inside(T, B, I, H, n_out):
    rng, bi, p, x = setup(GRU, T, B, I, H, n_out, seed=T + 10 * H)
    state0 = (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    dstate_T = (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    errors = assert_gradients_exact(bi, p, x, rng, state0, dstate_T)
    expected = {"fwd.W", "fwd.U", "fwd.b", "bwd.W", "bwd.U", "bwd.b", "x", "state0_fwd", "state0_bwd"}
    if n_out:
        expected |= {"W_f", "W_b", "b"}
    assert set(errors) == expected


@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_gradients_with_rnn_inside(T, B, I, H):
    layer = SequenceLayer.from_module(rnn)
    assert layer.forward is rnn.rnn_forward and layer.init == rnn.RNNParams.init
    rng, bi, p, x = setup(layer, T, B, I, H, n_out=3, seed=5 + T)
    errors = assert_gradients_exact(bi, p, x, rng)
    assert {"fwd.W_in", "fwd.W_rec", "bwd.W_rec", "W_f", "x"} <= set(errors)


@pytest.mark.equations("eq-blstm-out-grads", "eq-blstm-split",
                        compares="finite differences of E, LSTM layers inside")
@pytest.mark.parametrize("preset", ["vanilla", "gers2002", "CIFG"])
def test_gradients_with_lstm_inside(preset):
    """BLSTM proper (Graves & Schmidhuber 2005), with LSTMState initial states and their gradients."""
    layer = SequenceLayer(lstm.lstm_forward, lstm.lstm_backward,
                          functools.partial(lstm.LSTMParams.init, config=preset), "LSTM")
    assert SequenceLayer.from_module(lstm).forward is lstm.lstm_forward
    rng, bi, p, x = setup(layer, 3, 2, 2, 2, n_out=2, seed=3)
    s0 = (lstm.LSTMState(rng.normal(size=(2, 2)), rng.normal(size=(2, 2))),
          lstm.LSTMState(rng.normal(size=(2, 2)), rng.normal(size=(2, 2))))
    G = rng.normal(size=(3, 2, 2))
    loss = lambda: float(np.sum(G * bi.forward(p, x, s0)[0]))  # noqa: E731
    grads, dx, (d0_f, d0_b) = bi.backward(p, bi.forward(p, x, s0)[1], G)
    errors = {f"{part}.{k}": e for part in ("fwd", "bwd")
              for k, e in check_gradients(loss, getattr(p, part), getattr(grads, part)).items()}
    errors.update(check_gradients(loss, p, grads))
    errors["x"] = relative_error(dx, numerical_gradient(loss, x))
    for name, st, d in (("fwd", s0[0], d0_f), ("bwd", s0[1], d0_b)):
        errors[f"{name}.y0"] = relative_error(d.y, numerical_gradient(loss, st.y))
        errors[f"{name}.c0"] = relative_error(d.c, numerical_gradient(loss, st.c))
    assert {"fwd.W", "fwd.R", "bwd.b", "W_f", "fwd.y0", "bwd.c0"} <= set(errors)
    assert max(errors.values()) < 1e-6, errors


def test_gradients_with_different_layers_and_nesting():
    """GRU forwards, RNN backwards; and a bidirectional layer inside a bidirectional layer."""
    rng = np.random.default_rng(7)
    bi = Bidirectional(GRU, (rnn.rnn_forward, rnn.rnn_backward))
    p = BidirectionalParams(gru.GRUParams.init(2, 3, rng), rnn.RNNParams.init(2, 2, rng, bias_scale=0.5))
    x = rng.normal(size=(3, 2, 2))
    y, _ = bi.forward(p, x)
    assert y.shape == (3, 2, 5)
    assert_gradients_exact(bi, p, x, rng)

    inner = Bidirectional(GRU)
    outer = Bidirectional(inner)
    po = outer.init(2, 2, rng, n_out=1)
    for q in (po.fwd.fwd, po.fwd.bwd, po.bwd.fwd, po.bwd.bwd):
        random_biases(q, rng)
    assert outer.forward(po, x)[0].shape == (3, 2, 1)
    assert_gradients_exact(outer, po, x, rng)


@pytest.mark.equations("eq-blstm-layers",
                        compares="another implementation: each layer run on its own, forwards and on the reversed sequence")
def test_halves_are_the_layer_forwards_and_backwards_in_time():
    rng, bi, p, x = setup(GRU, 5, 2, 3, 4)
    y, cache = bi.forward(p, x)
    h_f, _ = gru.gru_forward(p.fwd, x)
    h_b_rev, _ = gru.gru_forward(p.bwd, x[::-1].copy())
    np.testing.assert_allclose(y[:, :, :4], h_f, rtol=1e-14)
    np.testing.assert_allclose(y[:, :, 4:], h_b_rev[::-1], rtol=1e-14)
    np.testing.assert_array_equal(cache.h_bwd, y[:, :, 4:])


@pytest.mark.equations("eq-blstm-output", compares="another implementation: the output layer written out")
def test_output_layer_equation():
    rng, bi, p, x = setup(GRU, 4, 3, 2, 3, n_out=2)
    y, cache = bi.forward(p, x)
    expected = np.einsum("kh,tbh->tbk", p.W_f, cache.h_fwd) + np.einsum("kh,tbh->tbk", p.W_b, cache.h_bwd) + p.b
    np.testing.assert_allclose(y, expected, rtol=1e-13)


def test_output_at_time_t_depends_on_later_inputs():
    rng, bi, p, x = setup(GRU, 6, 1, 2, 3, n_out=1, seed=9)
    x2 = x.copy()
    x2[-1] += 1.0                    # change only the last input
    y1, _ = bi.forward(p, x)
    y2, _ = bi.forward(p, x2)
    assert np.all(np.abs(y2[0] - y1[0]) > 1e-6)     # the first output sees it
    # a forward-only layer cannot: its first state is unchanged
    np.testing.assert_array_equal(gru.gru_forward(p.fwd, x)[0][:-1], gru.gru_forward(p.fwd, x2)[0][:-1])
    # and the gradient agrees: E = y(1) reaches every later x(t), through the backward layer only
    dy = np.zeros((6, 1, 1))
    dy[0] = 1.0
    _, dx, _ = bi.backward(p, bi.forward(p, x)[1], dy)
    assert np.all(np.abs(dx[1:]).sum(axis=(1, 2)) > 1e-8)
    _, dx_f, _ = gru.gru_backward(p.fwd, gru.gru_forward(p.fwd, x)[1], dy @ p.W_f)
    np.testing.assert_array_equal(dx_f[1:], 0.0)
    assert np.any(dx_f[0] != 0)

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept(dtype):
    rng, bi, p, x = setup(GRU, 3, 2, 2, 2, n_out=2, dtype=dtype)
    y, cache = bi.forward(p, x)
    grads, dx, (d0f, d0b) = bi.backward(p, cache, np.ones_like(y))
    assert all(a.dtype == dtype for a in (y, dx, grads.W_f, grads.b, grads.fwd.W, grads.bwd.U, d0f, d0b))


def test_init_without_output_layer_and_from_module():
    layer = SequenceLayer.from_module(gru)
    assert (layer.forward, layer.backward, layer.name) == (gru.gru_forward, gru.gru_backward, "gru")
    p = Bidirectional(layer).init(3, 4, 0)
    assert p.W_f is None and not p.has_output_layer and p.fwd.W.shape == (12, 3)
    assert not np.array_equal(p.fwd.W, p.bwd.W)     # two independent layers


def test_bad_input():
    rng, bi, p, x = setup(GRU, 3, 2, 2, 2, n_out=2)
    with pytest.raises(ValueError, match="x: expected 3 dimensions"):
        bi.forward(p, x[0])
    with pytest.raises(ValueError, match="x: expected finite values"):
        bi.forward(p, np.full_like(x, np.nan))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array, got dtype int64"):
        bi.forward(p, np.ones((3, 2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 2\), got \(3, 2, 5\)"):
        bi.forward(p, np.zeros((3, 2, 5)))          # the inner layer's own check
    with pytest.raises(TypeError, match="state0: expected None or a pair"):
        bi.forward(p, x, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="params: expected BidirectionalParams, got GRUParams"):
        bi.forward(p.fwd, x)
    with pytest.raises(ValueError, match=r"params.W_b: expected shape \(2, 2\), got \(2, 3\)"):
        bi.forward(dataclasses.replace(p, W_b=np.zeros((2, 3))), x)
    with pytest.raises(ValueError, match="expected W_f, W_b and b all given .* got W_f set, W_b None"):
        bi.forward(dataclasses.replace(p, W_b=None), x)
    y, cache = bi.forward(p, x)
    with pytest.raises(ValueError, match=r"dy: expected shape \(3, 2, 2\), got \(3, 2, 4\)"):
        bi.backward(p, cache, np.zeros((3, 2, 4)))
    with pytest.raises(TypeError, match="cache: expected a BidirectionalCache"):
        bi.backward(p, cache.fwd, y)
    with pytest.raises(TypeError, match="layer_fwd: expected a SequenceLayer"):
        Bidirectional("gru")
    with pytest.raises(TypeError, match="layer_bwd: expected a .forward, backward. pair"):
        Bidirectional(GRU, (gru.gru_forward,))
    with pytest.raises(TypeError, match="SequenceLayer.backward: expected a function, got int"):
        SequenceLayer(gru.gru_forward, 3)
    with pytest.raises(TypeError, match="layer_fwd: has no init function"):
        Bidirectional((gru.gru_forward, gru.gru_backward)).init(2, 2)
    with pytest.raises(ValueError, match="n_out: expected an integer >= 1, got 0"):
        bi.init(2, 2, n_out=0)
    with pytest.raises(ValueError, match="expected functions lstm_core_forward"):
        import lstm_core
        SequenceLayer.from_module(lstm_core)
    assert isinstance(cache, BidirectionalCache)
