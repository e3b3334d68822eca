"""Bad input at the public entry points: one test per case of issue 16.

Each case was reproduced before its fix (a silent wrong result, an exception from inside NumPy,
blame on the wrong argument, an overflow warning, or an inconsistent empty-batch rule).
"""
import warnings

import numpy as np
import pytest

from lstm_core import bidirectional, ffnn, grid, gru, losses, lstm, models, perceptron, readout, rnn
from lstm_core.tasks.batch import TaskBatch

T = B = K = 3   # T = B = K: a (T, B) mask broadcasts against (T, B, K) without an error


def _batch(mask, I=2, seed=0):
    rng = np.random.default_rng(seed)
    return TaskBatch(x=rng.normal(size=(T, B, I)), t=rng.uniform(size=(T, B, K)), mask=mask,
                     lengths=np.full(B, T), name="test")


# ---------------------------------------------------------------- silent wrong results


@pytest.mark.parametrize("shape", [(T, B), (T, 1, K), (1, B, 1), (T, B, 1, 1)])
def test_net_loss_rejects_a_mask_of_the_wrong_shape(shape):
    net = readout.NetParams.init(2, 4, K, 0)
    with pytest.raises(ValueError, match=r"batch\.mask: expected shape \(3, 3, 1\)"):
        readout.net_loss_and_grads(net, _batch(np.ones(shape)))


@pytest.mark.parametrize("shape", [(T, B), (T, 1, K)])
@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
def test_sequence_model_loss_rejects_a_mask_of_the_wrong_shape(shape, loss):
    model = models.SequenceModel(bidirectional.SequenceLayer(lstm.lstm_forward, lstm.lstm_backward))
    y = np.zeros((T, B, K))
    with pytest.raises(ValueError, match=r"batch\.mask: expected shape"):
        model.loss(y, _batch(np.ones(shape)), loss)


def test_valid_masks_still_give_the_masked_loss():
    """(T, B, 1) and the full (T, B, K) mask are accepted and agree with the formula."""
    net = readout.NetParams.init(2, 4, K, 0)
    mask = np.ones((T, B, 1))
    mask[0, 1] = 0.0
    batch = _batch(mask)
    batch.t[0, 1] = 0.0                      # TaskBatch: t is zero where mask is 0
    y, _ = readout.net_forward(net, batch.x)
    expected = 0.5 * np.sum((mask * (batch.t - y)) ** 2) / B
    E, _ = readout.net_loss_and_grads(net, batch)
    assert E == pytest.approx(expected, rel=1e-12)
    full = _batch(np.broadcast_to(mask, (T, B, K)).copy())
    full.t[0, 1] = 0.0
    E_full, _ = readout.net_loss_and_grads(net, full)
    assert E_full == pytest.approx(expected, rel=1e-12)


def test_lstm_backward_rejects_a_cache_of_another_configuration():
    x = np.random.default_rng(0).normal(size=(3, 2, 2))
    p = lstm.LSTMParams.init(2, 4, "vanilla", rng=0)
    q = lstm.LSTMParams.init(2, 4, "gers2000", rng=0)
    assert p.W.shape == q.W.shape            # the row count and H match: only the config differs
    y, cache = lstm.lstm_forward(p, x)
    with pytest.raises(ValueError, match="cache: expected a cache made by lstm_forward with these params' configuration"):
        lstm.lstm_backward(q, cache, np.ones_like(y))
    lstm.lstm_backward(p, cache, np.ones_like(y))     # its own params: fine


# ---------------------------------------------------------------- crashes from inside NumPy


def test_lstm_params_from_lists_equal_the_arrays():
    p = lstm.LSTMParams.init(2, 4, "gers2000", rng=0)
    q = lstm.LSTMParams(W=p.W.tolist(), R=p.R.tolist(), b=p.b.tolist(), config=p.config)
    x = np.random.default_rng(1).normal(size=(3, 2, 2))
    np.testing.assert_array_equal(lstm.lstm_forward(p, x)[0], lstm.lstm_forward(q, x)[0])


def test_gru_params_from_lists_equal_the_arrays():
    p = gru.GRUParams.init(2, 3, rng=0)
    q = gru.GRUParams(W=p.W.tolist(), U=p.U.tolist(), b=p.b.tolist())
    x = np.random.default_rng(1).normal(size=(3, 2, 2))
    np.testing.assert_array_equal(gru.gru_forward(p, x)[0], gru.gru_forward(q, x)[0])


def test_params_keep_ndarrays_without_copying():
    p = lstm.LSTMParams.init(2, 4, rng=0)
    assert lstm.LSTMParams(W=p.W, R=p.R, b=p.b, P=p.P).W is p.W
    g = gru.GRUParams.init(2, 3, rng=0)
    assert gru.GRUParams(W=g.W, U=g.U, b=g.b).U is g.U


@pytest.mark.parametrize("make, name", [
    (lambda: lstm.LSTMParams(W=[[1.0, 2.0], [1.0]], R=np.zeros((4, 1)), b=np.zeros(4)), "params.W"),
    (lambda: gru.GRUParams(W=np.zeros((3, 1)), U=[[1.0], [1.0, 2.0], [0.0]], b=np.zeros(3)), "params.U"),
    (lambda: rnn.RNNParams(W_in=[[1.0, 2.0], [1.0]], W_rec=[[1.0]], b=[0.0]), "params.W_in"),
])
def test_ragged_lists_name_the_argument(make, name):
    with pytest.raises(TypeError, match=rf"^{name}: expected a rectangular array"):
        make()


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), ("abc", TypeError), (1.5, TypeError)])
@pytest.mark.parametrize("make", [
    lambda r: lstm.LSTMParams.init(2, 4, rng=r),
    lambda r: gru.GRUParams.init(2, 4, rng=r),
    lambda r: rnn.RNNParams.init(2, 4, rng=r),
    lambda r: readout.NetParams.init(2, 4, 1, rng=r),
    lambda r: readout.ReadoutParams.init(2, 4, rng=r),
    lambda r: models.linear_readout(2, 4, rng=r),
    lambda r: grid.GridLSTMParams.init(2, 4, rng=r),
])
def test_invalid_seeds_name_rng(make, seed, exc):
    with pytest.raises(exc, match=r"^rng: expected"):
        make(seed)


def test_invalid_seed_of_init_ffnn_names_seed():
    with pytest.raises(ValueError, match=r"^seed: expected an int seed >= 0"):
        ffnn.init_ffnn([2, 3], seed=-1)


# ---------------------------------------------------------------- blame on the right argument


def _bidir():
    layer = bidirectional.SequenceLayer(lstm.lstm_forward, lstm.lstm_backward, lstm.LSTMParams.init)
    net = bidirectional.Bidirectional(layer)
    params = net.init(2, 3, rng=0, n_out=2)
    x = np.random.default_rng(0).normal(size=(4, 2, 2))
    y, cache = net.forward(params, x)
    return net, params, cache, y


@pytest.mark.parametrize("bad", ["nan", "shape"])
def test_bidirectional_backward_blames_W_f(bad):
    net, params, cache, y = _bidir()
    if bad == "nan":
        params.W_f[0, 0] = np.nan
    else:
        params.W_f = np.zeros((2, 5))
    with pytest.raises(ValueError, match=r"^params\.W_f: "):
        net.backward(params, cache, np.ones_like(y))


def test_nan_mask_is_reported_as_the_mask():
    mask = np.ones((T, B, 1))
    mask[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^batch\.mask: expected finite values"):
        readout.net_loss_and_grads(readout.NetParams.init(2, 4, K, 0), _batch(mask))


@pytest.mark.parametrize("t", [np.zeros(2, dtype=int), np.zeros((2, 0))])
def test_zero_classes_blame_the_logits(t):
    with pytest.raises(ValueError, match=r"^net: expected at least one class"):
        losses.softmax_cross_entropy(np.zeros((2, 0)), t)


def test_unknown_core_lists_every_accepted_core():
    with pytest.raises(ValueError, match=r"^core: ") as err:
        readout.NetParams.init(2, 4, 1, 0, core="bogus")
    for name in ["rnn", *lstm.PRESETS]:
        assert repr(name) in str(err.value)


# ---------------------------------------------------------------- overflow


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _overflows(fn, name="x"):
    with pytest.raises(ValueError, match=rf"^{name}\b.*float range"):
        fn()


@pytest.mark.usefixtures("no_warnings")
def test_forward_passes_near_the_float_limit_raise_a_clear_error():
    x = np.full((30, 2, 2), 1e308)
    _overflows(lambda: lstm.lstm_forward(lstm.LSTMParams.init(2, 4, rng=0, scale=10.0), x))
    _overflows(lambda: lstm.lstm_step(lstm.LSTMParams.init(2, 4, rng=0, scale=10.0), x[0]))
    _overflows(lambda: gru.gru_forward(gru.GRUParams(W=np.full((9, 2), 10.0), U=np.zeros((9, 3)), b=np.zeros(9)), x))
    _overflows(lambda: rnn.rnn_forward(rnn.RNNParams.init(2, 3, 0, scale=3.0, activation="identity"),
                                       np.full((30, 2, 2), 1e300)))
    _overflows(lambda: rnn.rnn_forward(rnn.RNNParams(W_in=np.full((3, 2), 10.0), W_rec=np.eye(3), b=np.zeros(3)), x))
    _overflows(lambda: perceptron.sigmoid_unit(np.array([10.0, 10.0]), 0.0, np.full((3, 2), 1e308)), "X")


@pytest.mark.usefixtures("no_warnings")
def test_large_but_representable_inputs_stay_finite():
    x = np.full((3, 2, 2), 1e200)
    y, _ = lstm.lstm_forward(lstm.LSTMParams.init(2, 4, rng=0), x)
    assert np.all(np.isfinite(y))
    o = perceptron.sigmoid_unit(np.array([1.0, -1.0]), 0.0, np.full((3, 2), 1e300))
    assert np.all(np.isfinite(o))


@pytest.mark.usefixtures("no_warnings")
def test_squared_error_overflow_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^y, t: .*overflows"):
        losses.squared_error(np.array([1e200]), np.array([-1e200]))
    with pytest.raises(ValueError, match=r"^y, t: "):
        losses.error(np.array([1e308]), np.array([-1e308]))


@pytest.mark.usefixtures("no_warnings")
def test_softmax_cross_entropy_is_finite_for_huge_logits_when_the_loss_is():
    net = np.array([[1e308, -1e308], [-1e308, 1e308]])
    E, g = losses.softmax_cross_entropy(net, np.array([0, 1]))
    assert E == 0.0 and np.all(np.isfinite(g))
    np.testing.assert_array_equal(losses.softmax(net), np.eye(2))
    with pytest.raises(ValueError, match=r"^net: .*infinite"):     # the true loss is 2e308 = inf
        losses.softmax_cross_entropy(net, np.array([1, 0]))
    with pytest.raises(ValueError, match=r"^net: "):
        losses.log_softmax(net)


# ---------------------------------------------------------------- one empty-batch policy


@pytest.mark.parametrize("call, name", [
    (lambda: lstm.lstm_step(lstm.LSTMParams.init(2, 4, rng=0), np.zeros((0, 2))), "x_t"),
    (lambda: gru.gru_step(gru.GRUParams.init(2, 3, rng=0), np.zeros((0, 2)), np.zeros((0, 3))), "x_t"),
    (lambda: rnn.rnn_step(rnn.RNNParams.init(2, 3, 0), np.zeros((0, 2)), np.zeros((0, 3))), "x_t"),
    (lambda: ffnn.ffnn_forward(ffnn.init_ffnn([2, 3]), np.zeros((0, 2))), "x"),
    (lambda: losses.squared_error(np.zeros((0, 2)), np.zeros((0, 2))), "y"),
    (lambda: losses.squared_error(np.zeros((3, 0, 2)), np.zeros((3, 0, 2)), mean=True), "y"),
    (lambda: losses.softmax_cross_entropy(np.zeros((0, 2)), np.zeros(0, dtype=int)), "net"),
    (lambda: lstm.lstm_forward(lstm.LSTMParams.init(2, 4, rng=0), np.zeros((3, 0, 2))), "x"),
    (lambda: rnn.rnn_forward(rnn.RNNParams.init(2, 3, 0), np.zeros((3, 0, 2))), "x"),
    (lambda: gru.gru_forward(gru.GRUParams.init(2, 3, rng=0), np.zeros((3, 0, 2))), "x"),
])
def test_empty_batches_are_rejected_everywhere(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
