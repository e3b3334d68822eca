"""Tests for the Chapter 13-15 exercise checkers: they pass the reference, fail wrong answers
with a helpful message, and never raise on a broken answer."""
import numpy as np

from lstm_core import grid, lstm
from lstm_core.activations import sigmoid
from lstm_core.checks.bidirectional import check_backward_states
from lstm_core.checks.grid import check_grid_block
from lstm_core.checks.variants import check_lstm_param_count
from lstm_core.models import count_params


def test_backward_states():
    assert check_backward_states(lambda fwd, p, x: fwd(p, x[::-1].copy())[0][::-1]).passed
    r = check_backward_states(lambda fwd, p, x: fwd(p, x)[0][::-1])
    assert not r.passed and "input was not reversed" in r.message
    r = check_backward_states(lambda fwd, p, x: fwd(p, x[::-1].copy())[0])
    assert not r.passed and "reverse them back" in r.message
    r = check_backward_states(lambda fwd, p, x: fwd(p, x)[0])
    assert not r.passed and "forward layer's output" in r.message
    r = check_backward_states(lambda fwd, p, x: 1 / 0)
    assert not r.passed and "ZeroDivisionError" in r.message
    r = check_backward_states(lambda fwd, p, x: np.zeros((2, 2)))
    assert not r.passed and "shape" in r.message
    assert not check_backward_states(3).passed


def test_grid_block():
    def ref(W, b, h, m):
        h_new, m_new, _ = grid.grid_block(W, b, h, m)
        return h_new, m_new
    assert check_grid_block(ref).passed

    def tanh_outside(W, b, h, m):
        B, D, N = h.shape
        net = (h.reshape(B, D * N) @ W.T + b).reshape(B, D, 4, N)
        i, f, z, o = sigmoid(net[:, :, 0]), sigmoid(net[:, :, 1]), np.tanh(net[:, :, 2]), sigmoid(net[:, :, 3])
        m_new = f * m + i * z
        return np.tanh(o * m_new), m_new
    r = check_grid_block(tanh_outside)
    assert not r.passed and "o ⊙ tanh(m')" in r.message

    def shared(W, b, h, m):
        B, D, N = h.shape
        W1 = np.concatenate([W[:4 * N]] * D)
        b1 = np.concatenate([b[:4 * N]] * D)
        return ref(W1, b1, h, m)
    r = check_grid_block(shared)
    assert not r.passed and "own transform" in r.message

    def own_only(W, b, h, m):
        B, D, N = h.shape
        mask = np.zeros_like(W)
        for d in range(D):
            mask[d * 4 * N:(d + 1) * 4 * N, d * N:(d + 1) * N] = 1
        return ref(W * mask, b, h, m)
    r = check_grid_block(own_only)
    assert not r.passed and "shared input" in r.message
    r = check_grid_block(lambda W, b, h, m: (h, m))
    assert not r.passed and "differs" in r.message
    assert not check_grid_block(lambda W, b, h, m: h).passed
    assert "raised" in check_grid_block(lambda W, b, h, m: [][0]).message


def test_lstm_param_count():
    def ref(I, H, preset):
        return count_params(lstm.LSTMParams.init(I, H, preset, rng=0))
    assert check_lstm_param_count(ref).passed

    def no_peepholes(I, H, preset):
        p = lstm.LSTMParams.init(I, H, preset, rng=0)
        return p.W.size + p.R.size + p.b.size + (0 if p.Q is None else p.Q.size)
    r = check_lstm_param_count(no_peepholes)
    assert not r.passed and "peephole" in r.message

    def always_four_gates(I, H, preset):
        return 4 * H * (I + H + 1) + 3 * H
    r = check_lstm_param_count(always_four_gates)
    assert not r.passed and "removed gate" in r.message and "NIG" in r.message
    r = check_lstm_param_count(lambda I, H, preset: "many")
    assert not r.passed and "integer" in r.message
    assert not check_lstm_param_count(None).passed
