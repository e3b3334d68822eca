"""Tests for lstm_core.checks.rnn: the BPTT and RTRL exercise checkers pass right answers
and explain wrong ones."""
import numpy as np
import pytest

from lstm_core.checks import CheckResult
from lstm_core.checks.rnn import check_bptt_delta, check_bptt_deltas, check_rtrl_step


# --- answers a reader might write ------------------------------------------------------------

def delta_step(W_rec, fprime_t, e_t, delta_next):
    """Unit by unit: δ_k(t) = f'(net_k(t)) [e_k(t) + Σ_l w_lk δ_l(t+1)]."""
    B, n = e_t.shape
    out = np.zeros((B, n))
    for b in range(B):
        for k in range(n):
            out[b, k] = fprime_t[b, k] * (e_t[b, k] + sum(W_rec[l, k] * delta_next[b, l] for l in range(n)))
    return out


def deltas(W_rec, fprime, e):
    out, d = np.zeros_like(e), np.zeros_like(e[0])
    for t in reversed(range(e.shape[0])):
        out[t] = d = delta_step(W_rec, fprime[t], e[t], d)
    return out


def forward_sweep(W_rec, fprime, e):
    out, d = np.zeros_like(e), np.zeros_like(e[0])
    for t in range(e.shape[0]):
        out[t] = d = delta_step(W_rec, fprime[t], e[t], d)
    return out


def rtrl_step(W_rec, fprime_t, p_prev, z_t):
    p = np.einsum("kl,blij->bkij", W_rec, p_prev)
    for k in range(W_rec.shape[0]):
        p[:, k, k, :] += z_t
    return fprime_t[:, :, None, None] * p


# --- tests ----------------------------------------------------------------------------------

def test_bptt_delta_passes_a_correct_answer():
    result = check_bptt_delta(delta_step)
    assert isinstance(result, CheckResult) and result.passed, result
    assert check_bptt_delta(delta_step, seed=5).passed


@pytest.mark.parametrize("wrong,hint", [
    (lambda W, f, e, d: delta_step(W.T, f, e, d), "wrong index"),
    (lambda W, f, e, d: e + d @ W, "f'(net_k(t)) is missing"),
    (lambda W, f, e, d: f * e + d @ W, "whole bracket"),
    (lambda W, f, e, d: f * (d @ W), "injected error e_k(t) is missing"),
    (lambda W, f, e, d: -delta_step(W, f, e, d), "wrong sign"),
    (lambda W, f, e, d: 2 * delta_step(W, f, e, d), "constant factor 2"),
    (lambda W, f, e, d: delta_step(W, f, e, d)[0], "has shape"),
    (lambda W, f, e, d: delta_step(W, f, e, d) + 0.01, "differs from the reference"),
])
def test_bptt_delta_explains_wrong_answers(wrong, hint):
    result = check_bptt_delta(wrong)
    assert not result.passed
    assert hint in result.message, result.message


def test_bptt_deltas_passes_and_fails():
    assert check_bptt_deltas(deltas).passed
    wrong = check_bptt_deltas(forward_sweep)
    assert not wrong.passed and "runs forwards in time" in wrong.message
    wrong = check_bptt_deltas(lambda W, f, e: deltas(W.T, f, e))
    assert not wrong.passed and "wrong index" in wrong.message
    wrong = check_bptt_deltas(lambda W, f, e: f * e)
    assert not wrong.passed and "recurrent term is missing" in wrong.message
    wrong = check_bptt_deltas(lambda W, f, e: deltas(W, np.ones_like(f), e))
    assert not wrong.passed and "f'(net_k(t)) is missing" in wrong.message


def test_rtrl_step_passes_and_fails():
    assert check_rtrl_step(rtrl_step).passed
    cases = {
        "wrong index": lambda W, f, p, z: rtrl_step(W.T, f, p, z),
        "direct term δ_ik z_j(t) is missing": lambda W, f, p, z: rtrl_step(W, f, p, 0 * z),
        "carried term": lambda W, f, p, z: rtrl_step(W, f, 0 * p, z),
        "f'(net_k(t)) is missing": lambda W, f, p, z: rtrl_step(W, np.ones_like(f), p, z),
        "too": lambda W, f, p, z: rtrl_step(W, f, p, 0 * z) + rtrl_step(W, np.ones_like(f), 0 * p, z),
    }
    for hint, wrong in cases.items():
        result = check_rtrl_step(wrong)
        assert not result.passed and hint in result.message, (hint, result.message)


def test_checkers_report_exceptions_and_non_functions_without_raising():
    def broken(*args):
        raise IndexError("index 3 is out of bounds")
    for checker in (check_bptt_delta, check_bptt_deltas, check_rtrl_step):
        result = checker(broken)
        assert not result.passed
        assert "raised IndexError: index 3 is out of bounds" in result.message
        result = checker(np.zeros(3))
        assert not result.passed and "expected a function, got ndarray" in result.message
        with pytest.raises(AssertionError, match="expected a function"):
            result.raise_if_failed()


def test_reader_cannot_pass_by_overwriting_the_inputs():
    """The checker hands copies to the reader's function, so in-place tricks change nothing."""
    def sneaky(W, f, e, d):
        out = delta_step(W, f, e, d)
        f[...] = 0.0
        W[...] = 0.0
        return out
    assert check_bptt_delta(sneaky).passed
    assert not check_bptt_delta(lambda W, f, e, d: np.zeros_like(e)).passed
