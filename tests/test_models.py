"""Tests for lstm_core.models (Chapters 13-15): stacks, readout, losses, output delay, exact gradients."""

import numpy as np
import pytest

import lstm_core.grid as grid
import lstm_core.gru as gru
import lstm_core.lstm as lstm
import lstm_core.rnn as rnn
from lstm_core import tasks
from lstm_core.bidirectional import Bidirectional, SequenceLayer
from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from lstm_core.models import (ModelParams, SequenceModel, Stacked, StackedCache, count_params,
                              delay_targets, linear_readout)
from lstm_core.readout import ReadoutParams, readout_backward, readout_forward

from _helpers import random_biases

LSTM = SequenceLayer(lstm.lstm_forward, lstm.lstm_backward, None, "LSTM")
GRU = SequenceLayer(gru.gru_forward, gru.gru_backward, None, "GRU")
RNN = SequenceLayer(rnn.rnn_forward, rnn.rnn_backward, None, "RNN")
GRID = SequenceLayer(grid.grid_forward, grid.grid_backward, None, "grid")
SHAPES = [(1, 1, 1, 1), (4, 2, 3, 2), (3, 3, 2, 1)]   # (T, B, I, H)


def stack_params(rng, I, H):
    """An LSTM (vanilla, with peepholes), a GRU and a tanh RNN on top of each other."""
    ps = [lstm.LSTMParams.init(I, H, "vanilla", rng), gru.GRUParams.init(H, H + 1, rng),
          rnn.RNNParams.init(H + 1, H, rng, bias_scale=0.5)]
    for p in ps[:2]:
        random_biases(p, rng)
    return ps


@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_stacked_gradients_exact(T, B, I, H):
    rng = np.random.default_rng(T * 100 + H)
    st = Stacked([LSTM, GRU, RNN])
    ps = stack_params(rng, I, H)
    x = rng.normal(size=(T, B, I))
    state0 = [lstm.LSTMState(rng.normal(size=(B, H)), rng.normal(size=(B, H))), rng.normal(size=(B, H + 1)),
              rng.normal(size=(B, H))]
    y, cache = st.forward(ps, x, state0)
    assert y.shape == (T, B, H)
    G = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(G * st.forward(ps, x, state0)[0]))

    grads, dx, dstate0 = st.backward(ps, cache, G)
    errors = {}
    for l, (p, g) in enumerate(zip(ps, grads)):
        errors.update({f"{l}.{k}": v for k, v in check_gradients(loss, p, g).items()})
    # ∂E/∂x is ~1e-5 at T = B = I = H = 1: with eps = 1e-6 the round-off of the differences
    # (~1e-16 / eps relative to E) dominates; eps = 1e-5 is nearer the optimal u^(1/3) step
    errors["x"] = relative_error(dx, numerical_gradient(loss, x, eps=1e-5))
    errors["s0.y"] = relative_error(dstate0[0].y, numerical_gradient(loss, state0[0].y))
    errors["s0.c"] = relative_error(dstate0[0].c, numerical_gradient(loss, state0[0].c))
    errors["s1"] = relative_error(dstate0[1], numerical_gradient(loss, state0[1]))
    assert len(errors) >= 10
    assert max(errors.values()) < 1e-6, errors


def test_stacked_input_gradient_norms_match_backward():
    rng = np.random.default_rng(3)
    st = Stacked([LSTM, LSTM])
    ps = [lstm.LSTMParams.init(2, 3, "NP", rng), lstm.LSTMParams.init(3, 3, "NP", rng)]
    x = rng.normal(size=(5, 2, 2))
    y, cache = st.forward(ps, x)
    dy = rng.normal(size=y.shape)
    norms = st.input_gradient_norms(ps, cache, dy)
    _, dx, _ = st.backward(ps, cache, dy)
    _, dh1, _ = LSTM.backward(ps[1], cache.caches[1], dy)
    np.testing.assert_allclose(norms, [np.linalg.norm(dx), np.linalg.norm(dh1), np.linalg.norm(dy)])
    assert isinstance(cache, StackedCache) and cache.h[0] is not None


@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_linear_readout_is_linear_and_its_gradients_exact(T, B, I, H):
    rng = np.random.default_rng(7 + T)
    p = linear_readout(H, I + 1, rng)
    assert isinstance(p, ReadoutParams) and p.activation == "identity" and np.all(p.b != 0)
    h = rng.normal(size=(T, B, H))
    G = rng.normal(size=(T, B, I + 1))
    y, cache = readout_forward(p, h)
    np.testing.assert_allclose(y, np.einsum("kj,tbj->tbk", p.W, h) + p.b, atol=1e-13)

    def loss():
        return float(np.sum(G * readout_forward(p, h)[0]))

    grads, dh, _ = readout_backward(p, cache, G)
    errors = check_gradients(loss, p, grads)
    errors["h"] = relative_error(dh, numerical_gradient(loss, h))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("loss_name", ["cross_entropy", "squared"])
@pytest.mark.parametrize("layer", ["lstm", "grid", "bidirectional"])
def test_model_loss_and_grads_exact(loss_name, layer):
    rng = np.random.default_rng(11)
    batch = tasks.future_symbol(rng, 2, 4, n_symbols=3, shift=1)
    if layer == "lstm":
        model = SequenceModel(LSTM)
        params = ModelParams(lstm.LSTMParams.init(3, 2, "NP", rng), linear_readout(2, 3, rng))
        random_biases(params.core, rng)
    elif layer == "grid":
        model = SequenceModel(GRID)
        params = ModelParams(grid.GridLSTMParams.init(3, 2, rng, n_layers=2), linear_readout(2, 3, rng))
    else:
        bi = Bidirectional(SequenceLayer(gru.gru_forward, gru.gru_backward, gru.GRUParams.init))
        model = SequenceModel(bi)
        params = ModelParams(bi.init(3, 2, rng, n_out=3))   # the layer's own output layer
    E, grads = model.loss_and_grads(params, batch, loss_name)
    assert E > 0

    def loss():
        return model.loss_and_grads(params, batch, loss_name)[0]

    from lstm_core.optim import named_arrays
    p_arrays, g_arrays = named_arrays(params), named_arrays(grads)
    assert set(p_arrays) == set(g_arrays)
    errors = {k: relative_error(g_arrays[k], numerical_gradient(loss, a)) for k, a in p_arrays.items()}
    assert max(errors.values()) < 1e-6, errors


def test_masked_steps_do_not_count():
    """Changing the output at an unscored step changes neither E nor anything but zero gradient."""
    rng = np.random.default_rng(2)
    batch = tasks.future_symbol(rng, 3, 5, n_symbols=4, shift=2)   # steps 3, 4 unscored
    model = SequenceModel(LSTM)
    y = rng.normal(size=(5, 3, 4))
    for name in ("cross_entropy", "squared"):
        E, g = model.loss(y, batch, name)
        y2 = y.copy()
        y2[3:] += 5.0
        assert model.loss(y2, batch, name)[0] == pytest.approx(E)
        assert np.all(g[3:] == 0) and np.any(g[:3] != 0)


def test_delay_targets_shifts_targets_not_inputs():
    rng = np.random.default_rng(0)
    b = tasks.future_symbol(rng, 2, 6, n_symbols=3, shift=2)
    d = delay_targets(b, 2)
    assert d.x.shape == (8, 2, 3) and d.t.shape == (8, 2, 3) and d.mask.shape == (8, 2, 1)
    np.testing.assert_array_equal(d.x[:6], b.x)
    np.testing.assert_array_equal(d.x[6:], 0)
    np.testing.assert_array_equal(d.t[2:], b.t)
    np.testing.assert_array_equal(d.mask[:2], 0)
    np.testing.assert_array_equal(d.lengths, b.lengths + 2)
    assert d.info["delay"] == 2
    # the target of frame τ, asked for at τ + D, is the input seen at τ + shift ≤ τ + D: visible now
    scored = d.mask[:, 0, 0] > 0
    tau = np.arange(8)[scored]
    np.testing.assert_array_equal(d.t[tau], d.x[tau])
    assert delay_targets(b, 0).x.shape == b.x.shape


def test_count_params():
    rng = np.random.default_rng(0)
    p = lstm.LSTMParams.init(3, 4, "NP", rng)
    assert count_params(p) == 4 * 4 * (3 + 4 + 1)
    assert count_params(ModelParams(p, linear_readout(4, 2, rng))) == 128 + 2 * 4 + 2
    assert count_params(grid.GridLSTMParams.init(1, 8, rng, n_layers=2)) == 8 + 2 * (16 * 64 + 64)
    with pytest.raises(ValueError, match="float arrays"):
        count_params({"name": "x"})


def test_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="non-empty list"):
        Stacked([])
    with pytest.raises(TypeError, match="sequence layer"):
        Stacked([lambda x: x])
    st = Stacked([LSTM, LSTM])
    ps = [lstm.LSTMParams.init(2, 3, "NP", rng), lstm.LSTMParams.init(3, 3, "NP", rng)]
    with pytest.raises(ValueError, match="list of 2 entries"):
        st.forward(ps[:1], np.zeros((2, 1, 2)))
    with pytest.raises(ValueError, match="x"):
        st.forward(ps, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x"):
        st.forward(ps, np.full((2, 1, 2), np.nan))
    with pytest.raises(TypeError, match="StackedCache"):
        st.backward(ps, None, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="n_out"):
        linear_readout(3, -1)
    with pytest.raises(ValueError, match="n_hidden"):
        linear_readout(0, 2)
    model = SequenceModel(LSTM)
    with pytest.raises(TypeError, match="ModelParams"):
        model.forward(ps[0], np.zeros((2, 1, 2)))
    batch = tasks.future_symbol(rng, 1, 3, n_symbols=2, shift=1)
    with pytest.raises(ValueError, match="loss"):
        model.loss(np.zeros((3, 1, 2)), batch, "hinge")
    with pytest.raises(TypeError, match="TaskBatch"):
        delay_targets(np.zeros((3, 1, 2)), 1)
    with pytest.raises(ValueError, match="delay"):
        delay_targets(batch, -1)
    with pytest.raises(TypeError, match="sequence layer"):
        SequenceModel(3)
