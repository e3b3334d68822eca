"""Tests for lstm_core.checks.lstm: correct answers pass, the usual mistakes fail with a hint."""
import numpy as np

from lstm_core.checks.lstm import check_cell_state_delta, check_lstm_backward, check_lstm_step


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _step(order="ifzo", forget=True, squash_out=True):
    def fn(x, y_prev, c_prev, W, R, b):
        H = y_prev.shape[1]
        net = x @ W.T + y_prev @ R.T + b
        part = {g: net[:, k * H:(k + 1) * H] for k, g in enumerate(order)}
        i, f, o, z = _sig(part["i"]), _sig(part["f"]), _sig(part["o"]), np.tanh(part["z"])
        c = z * i + (c_prev * f if forget else c_prev)
        y = (np.tanh(c) if squash_out else c) * o
        return y, c
    return fn


def test_check_lstm_step():
    assert check_lstm_step(_step()).passed
    r = check_lstm_step(_step(order="ifoz"))
    assert not r.passed and "i, f, o, z" in r.message and "i, f, z, o" in r.message
    r = check_lstm_step(_step(forget=False))
    assert not r.passed and "forget gate is missing" in r.message
    r = check_lstm_step(_step(squash_out=False))
    assert not r.passed and "needs h" in r.message
    r = check_lstm_step(lambda *a: 1 / 0)
    assert not r.passed and "ZeroDivisionError" in r.message
    r = check_lstm_step(lambda x, y, c, W, R, b: y)
    assert not r.passed and "pair" in r.message
    assert "✗" in repr(r)


def test_check_cell_state_delta():
    def right(dy, ds_next, o, s, f_next):
        return ds_next * f_next + dy * o * (1 - np.tanh(s) ** 2)

    assert check_cell_state_delta(right).passed
    r = check_cell_state_delta(lambda dy, dn, o, s, f: dy * o * (1 - np.tanh(s) ** 2))
    assert not r.passed and "carousel term" in r.message
    r = check_cell_state_delta(lambda dy, dn, o, s, f: dn * f + dy * o * (1 - s ** 2))
    assert not r.passed and "1 − tanh²" in r.message
    r = check_cell_state_delta(lambda dy, dn, o, s, f: -right(dy, dn, o, s, f))
    assert not r.passed and "sign" in r.message
    r = check_cell_state_delta(lambda dy, dn, o, s, f: dn[:1])
    assert not r.passed and "shape" in r.message


def _bptt(truncate=False):
    def fn(x, W, R, b, dy):
        T, B, _ = x.shape
        H = R.shape[1]
        ys, cs, acts = [np.zeros((B, H))], [np.zeros((B, H))], []
        for t in range(T):
            net = x[t] @ W.T + ys[-1] @ R.T + b
            i, f, z, o = (_sig(net[:, :H]), _sig(net[:, H:2 * H]), np.tanh(net[:, 2 * H:3 * H]),
                          _sig(net[:, 3 * H:]))
            cs.append(z * i + cs[-1] * f)
            ys.append(np.tanh(cs[-1]) * o)
            acts.append((i, f, z, o))
        dW, dR, db = np.zeros_like(W), np.zeros_like(R), np.zeros_like(b)
        dy_rec, dc_next = np.zeros((B, H)), np.zeros((B, H))
        for t in reversed(range(T)):
            i, f, z, o = acts[t]
            d = dy[t] + (0 if truncate else dy_rec)
            hc = np.tanh(cs[t + 1])
            dc = dc_next + d * o * (1 - hc ** 2)
            dnet = np.concatenate([dc * z * i * (1 - i), dc * cs[t] * f * (1 - f),
                                   dc * i * (1 - z ** 2), d * hc * o * (1 - o)], axis=1)
            dW += dnet.T @ x[t]
            dR += dnet.T @ ys[t]
            db += dnet.sum(axis=0)
            dy_rec, dc_next = dnet @ R, dc * f
        return dW, dR, db
    return fn


def test_check_lstm_backward():
    assert check_lstm_backward(_bptt()).passed
    r = check_lstm_backward(_bptt(truncate=True))
    assert not r.passed and "truncated gradient" in r.message
    r = check_lstm_backward(lambda x, W, R, b, dy: (W, R))
    assert not r.passed and "triple" in r.message
