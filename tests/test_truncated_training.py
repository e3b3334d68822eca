"""Tests for lstm_core.truncated_training: the online truncated gradient equals the cached one
(and so full BPTT where the truncation drops nothing, checked there against finite differences);
the network loss with the truncated layer matches the full one where nothing is dropped and
differs where something is; bad input is refused with a message naming the argument."""
import numpy as np
import pytest

from lstm_core import gradcheck, tasks
from lstm_core.gradcheck import relative_error
from lstm_core.lstm import PRESETS, LSTMConfig, LSTMParams, lstm_backward, lstm_forward
from lstm_core.lstm_truncated import lstm_backward_truncated
from lstm_core.readout import NetParams, net_loss_and_grads
from lstm_core.truncated_training import lstm_truncated_online, net_loss_and_grads_truncated

ONLINE = [name for name in PRESETS if not LSTMConfig.preset(name).gate_recurrence]
FIELDS = ("W", "R", "b", "P")


def _net(name, S=1, T=6, B=2, I=3, H=2, seed=0, cut=False):
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(I, H * S, LSTMConfig.preset(name, block_size=S), rng=rng, scale=0.9)
    if cut:
        p.R[...] = 0.0
        if p.P is not None:
            p.P[...] = 0.0
    return p, rng.normal(size=(T, B, I)), rng.normal(size=(T, B, H * S))


def _max_err(g1, g2):
    return max(relative_error(getattr(g1, f), getattr(g2, f)) for f in FIELDS if getattr(g1, f) is not None)


@pytest.mark.parametrize("name", ONLINE)
@pytest.mark.parametrize("S", [1, 2])
def test_online_equals_cached_truncated(name, S):
    p, x, dy = _net(name, S, seed=3)
    y, cache = lstm_forward(p, x)
    online, y_last = lstm_truncated_online(p, x, dy)
    assert _max_err(online, lstm_backward_truncated(p, cache, dy)) < 1e-12
    assert np.allclose(y_last, y[-1], rtol=1e-12, atol=1e-14)


def test_online_callable_error_sees_the_step_outputs():
    p, x, dy = _net("lstm1997", 2, seed=4)
    y, cache = lstm_forward(p, x)
    target = np.random.default_rng(5).normal(size=y.shape)
    seen = []

    def err(t, y_t):
        seen.append(t)
        return y_t - target[t]

    online, _ = lstm_truncated_online(p, x, err)
    assert seen == list(range(x.shape[0]))
    assert _max_err(online, lstm_backward_truncated(p, cache, y - target)) < 1e-12


@pytest.mark.parametrize("name", ["lstm1997", "vanilla"])
def test_online_is_the_true_gradient_where_nothing_is_dropped(name):
    p, x, dy = _net(name, 2, seed=6, cut=True)

    def loss():
        y, _ = lstm_forward(p, x)
        return float(np.sum(dy * y))

    online, _ = lstm_truncated_online(p, x, dy)
    _, cache = lstm_forward(p, x)
    full, _, _ = lstm_backward(p, cache, dy)
    assert _max_err(online, full) < 1e-12
    errors = {f: relative_error(getattr(online, f), gradcheck.numerical_gradient(loss, getattr(p, f)))
              for f in ("W", "b")}
    assert max(errors.values()) < 1e-6


def test_online_differs_from_full_bptt_with_recurrent_weights():
    p, x, dy = _net("lstm1997", 1, seed=7)
    online, _ = lstm_truncated_online(p, x, dy)
    _, cache = lstm_forward(p, x)
    full, _, _ = lstm_backward(p, cache, dy)
    assert relative_error(online.W, full.W) > 1e-3


def test_online_bad_input():
    p, x, dy = _net("lstm1997")
    with pytest.raises(ValueError, match="x"):
        lstm_truncated_online(p, x[:, :, :2], dy)
    with pytest.raises(ValueError, match="dy"):
        lstm_truncated_online(p, x, dy[:-1])
    with pytest.raises(ValueError, match=r"dy\(t\)"):
        lstm_truncated_online(p, x, lambda t, y: np.zeros((5, 5)))
    with pytest.raises(ValueError, match="x"):
        lstm_truncated_online(p, np.zeros((0, 2, 3)), np.zeros((0, 2, 2)))
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x"):
        lstm_truncated_online(p, bad, dy)
    fgr = LSTMParams.init(3, 2, "FGR", rng=0)
    with pytest.raises(ValueError, match="FGR"):
        lstm_truncated_online(fgr, x, dy)
    with pytest.raises(TypeError):
        lstm_truncated_online("params", x, dy)


def _reber_net(cut, seed=0):
    net = NetParams.init(7, 4, 7, rng=seed, core=LSTMConfig.preset("lstm1997", block_size=2), scale=0.5)
    if cut:
        net.core.R[...] = 0.0
    return net, tasks.reber_batch(np.random.default_rng(seed + 1), 4)


def test_net_truncated_matches_full_where_nothing_is_dropped():
    net, batch = _reber_net(cut=True)
    E1, g1 = net_loss_and_grads(net, batch)
    E2, g2 = net_loss_and_grads_truncated(net, batch)
    assert E1 == E2
    assert relative_error(g1.out.W, g2.out.W) < 1e-12
    assert _max_err(g1.core, g2.core) < 1e-10


def test_net_truncated_differs_with_recurrent_weights_but_not_in_the_output_units():
    net, batch = _reber_net(cut=False)
    _, g1 = net_loss_and_grads(net, batch)
    _, g2 = net_loss_and_grads_truncated(net, batch)
    assert relative_error(g1.out.W, g2.out.W) < 1e-12          # output units: exact in both
    assert relative_error(g1.core.W, g2.core.W) > 1e-3


def test_net_truncated_bad_input():
    net, batch = _reber_net(cut=False)
    with pytest.raises(TypeError, match="params"):
        net_loss_and_grads_truncated(net.core, batch)
    rnn_net = NetParams.init(7, 4, 7, rng=0, core="rnn")
    with pytest.raises(TypeError, match="params.core"):
        net_loss_and_grads_truncated(rnn_net, batch)
    with pytest.raises(TypeError, match="batch"):
        net_loss_and_grads_truncated(net, batch.x)
    import dataclasses
    wrong = dataclasses.replace(batch, t=batch.t[:, :, :3])
    with pytest.raises(ValueError, match="batch.t"):
        net_loss_and_grads_truncated(net, wrong)
