"""Tests for lstm_core.readout (Chapter 16): output units, the two-layer net, FD gradients, bad input."""
import numpy as np
import pytest

from lstm_core import tasks
from lstm_core.gradcheck import check_gradients, numerical_gradient, relative_error
from lstm_core.lstm import LSTMConfig, LSTMParams
from lstm_core.readout import (NetParams, ReadoutParams, net_backward, net_forward,
                               net_loss_and_grads, readout_backward, readout_forward)
from lstm_core.rnn import RNNParams

SHAPES = [(1, 1, 1, 1, 1), (3, 2, 4, 3, 2), (5, 1, 2, 1, 3), (2, 3, 1, 2, 1)]  # (T, B, I, H, K)


def nonzero(rng, shape):
    return rng.uniform(0.2, 0.8, shape) * rng.choice([-1, 1], shape)


def make_readout(H, K, I, activation, direct, seed=0):
    rng = np.random.default_rng(seed)
    p = ReadoutParams.init(H, K, rng, activation, n_direct=I if direct else 0)
    p.b[:] = nonzero(rng, p.b.shape)
    return rng, p


@pytest.mark.parametrize("T,B,I,H,K", SHAPES)
@pytest.mark.parametrize("activation", ["logistic", "identity"])
@pytest.mark.parametrize("direct", [False, True])
def test_readout_backward_matches_finite_differences(T, B, I, H, K, activation, direct):
    rng, p = make_readout(H, K, I, activation, direct, seed=T + 7 * H + K)
    h = rng.normal(size=(T, B, H))
    x = rng.normal(size=(T, B, I)) if direct else None
    G = rng.normal(size=(T, B, K))                    # E = Σ G ⊙ y

    def E():
        return float(np.sum(G * readout_forward(p, h, x)[0]))

    y, cache = readout_forward(p, h, x)
    grads, dh, dx = readout_backward(p, cache, G)
    errors = check_gradients(E, p, grads)
    assert set(errors) == ({"W", "b", "V"} if direct else {"W", "b"})
    assert max(errors.values()) < 1e-6
    assert relative_error(dh, numerical_gradient(E, h)) < 1e-6
    if direct:
        assert relative_error(dx, numerical_gradient(E, x)) < 1e-6
    else:
        assert dx is None


@pytest.mark.equations("eq-ch16-readout", "eq-app-readout",
                        compares="another implementation: the output units written out")
def test_readout_forward_equations():
    rng, p = make_readout(3, 2, 4, "logistic", True, seed=1)
    h, x = rng.normal(size=(2, 1, 3)), rng.normal(size=(2, 1, 4))
    y, _ = readout_forward(p, h, x)
    k, t, j = 1, 1, 0
    net = sum(p.W[k, jj] * h[t, j, jj] for jj in range(3)) + \
        sum(p.V[k, i] * x[t, j, i] for i in range(4)) + p.b[k]
    assert y[t, j, k] == pytest.approx(1.0 / (1.0 + np.exp(-net)), rel=1e-12)


def make_net(kind, T, B, I, H, K, seed):
    rng = np.random.default_rng(seed)
    if kind == "rnn":
        net = NetParams.init(I, H, K, rng, core="rnn", direct=True)
    else:
        net = NetParams.init(I, H * 2 if kind == "blocks" else H, K, rng,
                             core=LSTMConfig.preset("lstm1997", block_size=2) if kind == "blocks"
                             else kind, direct=True)
    for arr in (net.core.b, net.out.b):
        arr[:] = nonzero(rng, arr.shape)
    x = rng.normal(size=(T, B, I))
    return rng, net, x


@pytest.mark.parametrize("kind", ["lstm1997", "gers2000", "blocks", "rnn"])
@pytest.mark.parametrize("T,B,I,H,K", SHAPES)
def test_net_backward_matches_finite_differences(kind, T, B, I, H, K):
    rng, net, x = make_net(kind, T, B, I, H, K, seed=3 * T + H)
    G = rng.normal(size=(T, B, K))

    def E():
        return float(np.sum(G * net_forward(net, x)[0]))

    _, cache = net_forward(net, x)
    grads, dx = net_backward(net, cache, G)
    errors = {**check_gradients(E, net.core, grads.core, eps=1e-5),
              **check_gradients(E, net.out, grads.out, eps=1e-5)}
    assert max(errors.values()) < 1e-6, errors
    assert relative_error(dx, numerical_gradient(E, x)) < 1e-6


@pytest.mark.equations("eq-ch16-loss",
                        compares="another implementation: the masked error written out, and its gradient")
def test_net_loss_is_masked_mean_squared_error_and_its_gradient():
    rng = np.random.default_rng(4)
    batch = tasks.adding_problem(rng, 3, T=6)
    net = NetParams.init(2, 2, 1, rng)
    net.core.b[:] = nonzero(rng, net.core.b.shape)
    y, _ = net_forward(net, batch.x)
    E, grads = net_loss_and_grads(net, batch)
    expected = 0.5 * np.sum(batch.mask * (batch.t - y) ** 2) / 3
    assert E == pytest.approx(expected, rel=1e-12)
    f = lambda: net_loss_and_grads(net, batch)[0]  # noqa: E731
    errors = {**check_gradients(f, net.core, grads.core), **check_gradients(f, net.out, grads.out)}
    assert max(errors.values()) < 1e-6
    # unscored steps do not matter: changing outputs there leaves E unchanged
    assert np.all(batch.mask[:-1].sum() <= 3)


def test_float32_is_kept():
    rng = np.random.default_rng(5)
    net = NetParams.init(3, 2, 2, rng, dtype=np.float32, direct=True)
    y, cache = net_forward(net, rng.normal(size=(4, 2, 3)).astype(np.float32))
    grads, dx = net_backward(net, cache, np.ones_like(y))
    assert y.dtype == np.float32 and dx.dtype == np.float32 and grads.out.V.dtype == np.float32


def test_n_weights_counts_every_trainable_number():
    net = NetParams.init(2, 4, 1, 0, core=LSTMConfig.preset("lstm1997", block_size=2))
    # 1997 cell, 2 blocks of 2: rows i (2), z (4), o (2) = 8; W 8×2, R 8×4, b 8; out W 1×4, b 1
    assert net.n_weights == 8 * 2 + 8 * 4 + 8 + 4 + 1


# ---------------------------------------------------------------- bad input


def test_bad_readout_input():
    rng, p = make_readout(3, 2, 4, "logistic", False)
    with pytest.raises(ValueError, match="h: expected shape"):
        readout_forward(p, np.zeros((2, 1, 4)))
    with pytest.raises(ValueError, match="h: expected 3 dimensions"):
        readout_forward(p, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="h: expected a float32 or float64"):
        readout_forward(p, np.zeros((2, 1, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="h: expected finite"):
        readout_forward(p, np.full((2, 1, 3), np.nan))
    with pytest.raises(ValueError, match="x: expected None"):
        readout_forward(p, np.zeros((2, 1, 3)), np.zeros((2, 1, 4)))
    _, pd = make_readout(3, 2, 4, "logistic", True)
    with pytest.raises(ValueError, match="x: expected the inputs"):
        readout_forward(pd, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="x: expected shape"):
        readout_forward(pd, np.zeros((2, 1, 3)), np.zeros((2, 2, 4)))
    y, cache = readout_forward(p, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="dy: expected shape"):
        readout_backward(p, cache, np.zeros((2, 1, 3)))
    with pytest.raises(TypeError, match="cache: expected a ReadoutCache"):
        readout_backward(p, None, y)


def test_bad_readout_params():
    with pytest.raises(ValueError, match="activation: expected one of"):
        ReadoutParams.init(3, 2, 0, activation="tanh")
    with pytest.raises(ValueError, match="n_in: expected an integer >= 1"):
        ReadoutParams.init(0, 2, 0)
    with pytest.raises(ValueError, match="n_direct: expected an integer >= 0"):
        ReadoutParams.init(3, 2, 0, n_direct=-1)
    with pytest.raises(TypeError, match="rng: expected"):
        ReadoutParams.init(3, 2, "seed")
    p = ReadoutParams.init(3, 2, 0)
    p.b = np.zeros(3)
    with pytest.raises(ValueError, match="params.b: expected shape"):
        readout_forward(p, np.zeros((1, 1, 3)))
    with pytest.raises(TypeError, match="params: expected ReadoutParams"):
        readout_forward(None, np.zeros((1, 1, 3)))


def test_bad_net_input():
    net = NetParams.init(2, 2, 1, 0)
    with pytest.raises(ValueError, match=r"x: expected shape \(any, any, 2\)"):
        net_forward(net, np.zeros((3, 1, 5)))
    with pytest.raises(TypeError, match="params.core: expected LSTMParams or RNNParams"):
        net_forward(NetParams(core="lstm", out=net.out), np.zeros((3, 1, 2)))
    with pytest.raises(TypeError, match="params: expected NetParams"):
        net_forward(net.core, np.zeros((3, 1, 2)))
    y, cache = net_forward(net, np.zeros((3, 1, 2)))
    with pytest.raises(TypeError, match="cache: expected a NetCache"):
        net_backward(net, cache.core, y)
    with pytest.raises(TypeError, match="batch: expected a TaskBatch"):
        net_loss_and_grads(net, np.zeros((3, 1, 2)))
    batch = tasks.temporal_order(0, 2, T=10)            # 8 inputs, not 2
    with pytest.raises(ValueError, match="x: expected shape"):
        net_loss_and_grads(net, batch)
    assert isinstance(NetParams.init(3, 2, 1, 0, core="rnn").core, RNNParams)
    assert isinstance(net.core, LSTMParams)
