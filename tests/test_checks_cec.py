"""Checkers of chapters 8-10 (lstm_core.checks.cec): pass the reference, fail wrong answers
with a message that names the mistake."""
import numpy as np
import pytest

from lstm_core import activations as act
from lstm_core.checks import cec
from lstm_core.lstm import LSTMConfig, LSTMParams, LSTMState, lstm_step


@pytest.mark.equations("eq-peep-nets", "eq-forget-state",
                        compares="another implementation: the exercise checkers' reference step")
def test_references_agree_with_lstm_step():
    # the checkers' equations are the lstm module's: one step of a gers2002 cell
    rng = np.random.default_rng(0)
    p = LSTMParams.init(2, 3, "gers2002", rng=rng, scale=1.0)
    p.R[:] = 0.0
    x = rng.normal(size=(4, 2))
    s_prev = rng.normal(size=(4, 3))
    new, cache = lstm_step(p, x, LSTMState(y=np.zeros((4, 3)), c=s_prev))
    lay = p.config.layout(3)
    a = x @ p.W.T + p.b
    s, y = cec.peephole_step_reference(a[:, lay["i"]], a[:, lay["f"]], a[:, lay["z"]], a[:, lay["o"]],
                                       p.P[0], p.P[1], p.P[2], s_prev)
    np.testing.assert_allclose(s, new.c, rtol=1e-12)
    np.testing.assert_allclose(y, new.y, rtol=1e-12)
    y_phi = np.full((1, 4, 3), 0.3)
    np.testing.assert_allclose(cec.forget_states_reference(y_phi, cache.i[None], cache.z[None], s_prev)[0],
                               0.3 * s_prev + cache.i * cache.z)


def test_cec_states():
    assert cec.check_cec_states(lambda y_in, g, s0: s0 + np.cumsum(y_in * g, axis=0)).passed
    r = cec.check_cec_states(lambda y_in, g, s0: s0 + np.cumsum(g, axis=0))
    assert not r.passed and "input gate is missing" in r.message
    r = cec.check_cec_states(lambda y_in, g, s0: np.cumsum(y_in * g, axis=0))
    assert not r.passed and "initial state" in r.message
    r = cec.check_cec_states(lambda y_in, g, s0: np.zeros_like(g))
    assert not r.passed and "✗" in repr(r)
    r = cec.check_cec_states(lambda y_in, g, s0: 1 / 0)
    assert not r.passed and "ZeroDivisionError" in r.message
    assert not cec.check_cec_states("not a function").passed


def _forget_loop(order_wrong=False):
    def fn(y_phi, y_in, g, s0):
        s, prev = np.empty_like(g), s0
        for t in range(g.shape[0]):
            prev = y_phi[t] * (prev + y_in[t] * g[t]) if order_wrong else y_phi[t] * prev + y_in[t] * g[t]
            s[t] = prev
        return s
    return fn


def test_forget_states():
    assert cec.check_forget_states(_forget_loop()).passed
    r = cec.check_forget_states(_forget_loop(order_wrong=True))
    assert not r.passed and "also scales the new input" in r.message
    r = cec.check_forget_states(lambda y_phi, y_in, g, s0: s0 + np.cumsum(y_in * g, axis=0))
    assert not r.passed and "forget gate is ignored" in r.message
    r = cec.check_forget_states(lambda y_phi, y_in, g, s0: g[:1])
    assert not r.passed and "shape" in r.message


def _peep(old_state_for_output=False, no_output_gate=False):
    def fn(a_in, a_phi, a_c, a_out, p_in, p_phi, p_out, s_prev):
        i = act.sigmoid(a_in + p_in * s_prev)
        f = act.sigmoid(a_phi + p_phi * s_prev)
        s = f * s_prev + i * act.g1997(a_c)
        o = act.sigmoid(a_out + p_out * (s_prev if old_state_for_output else s))
        return s, (act.h1997(s) if no_output_gate else o * act.h1997(s))
    return fn


def test_peephole_step():
    assert cec.check_peephole_step(_peep()).passed
    r = cec.check_peephole_step(_peep(old_state_for_output=True))
    assert not r.passed and "NEW state" in r.message
    r = cec.check_peephole_step(_peep(no_output_gate=True))
    assert not r.passed and "output gate is missing" in r.message
    r = cec.check_peephole_step(lambda *a: a[0])
    assert not r.passed and "pair" in r.message
