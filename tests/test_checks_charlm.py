"""Exercise checkers of Chapters 17-18: the reference passes, typical mistakes fail with a hint."""
import numpy as np
import pytest

from lstm_core.checks.charlm import check_temperature_probabilities
from lstm_core.checks.decay import check_decay_rate, decay_rate


def good_probs(net, tau):
    z = net / tau
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_temperature_reference_passes():
    r = check_temperature_probabilities(good_probs)
    assert r.passed and "✓" in repr(r)


@pytest.mark.parametrize("fn,hint", [
    (lambda net, tau: good_probs(net, 1.0), "temperature is ignored"),
    (lambda net, tau: good_probs(net * tau * tau, tau), "multiplied by τ"),
    (lambda net, tau: np.exp((net - net.max(-1, keepdims=True)) / tau), "not normalised"),
    (lambda net, tau: np.exp(net / tau) / np.exp(net / tau).sum(-1, keepdims=True),
     "subtract the largest"),
    (lambda net, tau: np.zeros_like(net), "differs"),
])
def test_temperature_mistakes_fail_with_a_hint(fn, hint):
    r = check_temperature_probabilities(fn)
    assert not r.passed and hint in r.message, r.message


def test_temperature_stub_and_crash():
    def stub(net, tau):
        raise NotImplementedError
    assert "not implemented" in check_temperature_probabilities(stub).message
    assert "raised ZeroDivisionError" in check_temperature_probabilities(lambda n, t: 1 / 0).message
    assert "expected a function" in check_temperature_probabilities(3).message


def good_rate(norms):
    q = np.arange(len(norms))
    return float(np.exp(np.polyfit(q, np.log(norms), 1)[0]))


def test_decay_reference_passes():
    assert check_decay_rate(good_rate).passed


@pytest.mark.parametrize("fn,hint", [
    (lambda n: float(np.polyfit(np.arange(len(n)), np.log(n), 1)[0]), "return exp(slope)"),
    (lambda n: float((n[-1] / n[0]) ** (1 / (len(n) - 1))), "first and last"),
    (lambda n: float(np.polyfit(np.arange(len(n)), np.log10(n), 1)[0]), "base-10"),
    (lambda n: 0.5, "differs from the reference"),
    (lambda n: "fast", "expected a number"),
])
def test_decay_mistakes_fail_with_a_hint(fn, hint):
    r = check_decay_rate(fn)
    assert not r.passed and hint in r.message, r.message


@pytest.mark.equations("eq-concl-decay", compares="known values: ρ of an exact geometric sequence")
def test_decay_rate_recovers_an_exact_geometric_sequence():
    assert decay_rate(2.0 * 0.7 ** np.arange(10)) == pytest.approx(0.7, rel=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        decay_rate([1.0])
    with pytest.raises(ValueError, match="positive"):
        decay_rate([1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="positive"):
        decay_rate([1.0, np.nan])
