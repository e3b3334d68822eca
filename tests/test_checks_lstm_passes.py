"""Checkers of chapters 11-12 (lstm_core.checks.lstm_passes): pass the reference, fail wrong
answers with a message that names the mistake."""
import numpy as np

from lstm_core.checks.lstm_passes import check_ds_update, check_weight_count, ds_update_reference
from lstm_core.lstm import LSTMParams, lstm_forward
from lstm_core.lstm_truncated import TruncatedTrace, lstm_backward_truncated


def test_reference_is_the_truncated_partial():
    # the bias column of dS for the cell input, carried by the reference, equals the trace's dS_c
    rng = np.random.default_rng(0)
    p = LSTMParams.init(2, 3, "NP", rng=rng)
    x = rng.normal(size=(5, 2, 2))
    _, cache = lstm_forward(p, x)
    _, tr = lstm_backward_truncated(p, cache, rng.normal(size=(5, 2, 3)), return_trace=True)
    assert isinstance(tr, TruncatedTrace)
    lay = p.config.layout(3)
    dS = np.zeros((2, 3, 1))
    for t in range(5):
        a = cache.act[t]
        dS = ds_update_reference(dS, a[:, lay["f"]], 1 - a[:, lay["z"]] ** 2, a[:, lay["i"]], np.ones((2, 1)))
        np.testing.assert_allclose(dS[:, :, 0], tr.dS_c[t], rtol=1e-12)


def test_check_ds_update():
    assert check_ds_update(ds_update_reference).passed
    r = check_ds_update(lambda d, f, g, i, s: d + (g * i)[:, :, None] * s[:, None, :])
    assert not r.passed and "forget gate" in r.message
    r = check_ds_update(lambda d, f, g, i, s: (g * i)[:, :, None] * s[:, None, :])
    assert not r.passed and "old partial" in r.message
    r = check_ds_update(lambda d, f, g, i, s: d * f[:, :, None] + g[:, :, None] * s[:, None, :])
    assert not r.passed and "input gate" in r.message
    r = check_ds_update(lambda d, f, g, i, s: d)
    assert not r.passed and "✗" in repr(r)
    r = check_ds_update(lambda d, f, g, i, s: 1 / 0)
    assert not r.passed and "ZeroDivisionError" in r.message
    assert not check_ds_update(None).passed


def test_check_ds_update_catches_a_sequence_only_mistake():
    # right on the first call (dS_prev given as random), wrong over a sequence: ignores dS_prev
    # after the first step — the sequence stage must catch it
    calls = []

    def sneaky(d, f, g, i, s):
        calls.append(1)
        out = ds_update_reference(d, f, g, i, s)
        return out if len(calls) == 1 else 2 * out

    r = check_ds_update(sneaky)
    assert not r.passed and "accumulated" in r.message


def test_check_weight_count():
    lstm = lambda I, H, K: 4 * H * (I + H + 1) + 3 * H + K * (H + 1)   # noqa: E731
    assert check_weight_count(lstm).passed
    assert check_weight_count(lambda I, H, K: H * (I + H + 1) + K * (H + 1), core="rnn").passed
    assert check_weight_count(lambda I, H, K: 3 * H * (I + H + 1) + K * (H + 1), core="lstm1997").passed
    r = check_weight_count(lambda I, H, K: 4 * H * (I + H + 1) + 3 * H)
    assert not r.passed and "output units" in r.message
    r = check_weight_count(lambda I, H, K: 4 * H * (I + H) + 3 * H + K * (H + 1))
    assert not r.passed and "bias" in r.message
    r = check_weight_count(lambda I, H, K: 4 * H * (I + H + 1) + K * (H + 1))
    assert not r.passed and "peephole" in r.message
    r = check_weight_count(lambda I, H, K: H * (I + 1) + K * (H + 1), core="rnn")
    assert not r.passed and "recurrent" in r.message
    r = check_weight_count(lambda I, H, K: "many")
    assert not r.passed and "whole number" in r.message
    r = check_weight_count(lambda I, H, K: 1.5)
    assert not r.passed and "whole number" in r.message
