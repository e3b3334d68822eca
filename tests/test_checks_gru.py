"""Tests for lstm_core.checks.gru: the GRU exercise checkers pass right answers and explain wrong ones."""
import numpy as np
import pytest

from lstm_core.checks import CheckResult
from lstm_core.checks.gru import _variant_backward, check_gru_step, check_gru_step_backward
from lstm_core.gru import GRUParams, gru_step, gru_step_backward


# --- answers a reader might write ------------------------------------------------------------

def step(params, x_t, h_prev, flip=False, reset_after=False, no_reset=False, swap=False, sig_cand=False):
    """A reader's GRU step from separate blocks, with optional mistakes."""
    H = h_prev.shape[1]
    Wr, Wu, Wc = np.split(params.W, 3)
    Ur, Uu, Uc = np.split(params.U, 3)
    br, bu, bc = np.split(params.b, 3)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    r = sig(x_t @ Wr.T + h_prev @ Ur.T + br)
    u = sig(x_t @ Wu.T + h_prev @ Uu.T + bu)
    if swap:
        r, u = u, r
    rec = h_prev @ Uc.T if no_reset else r * (h_prev @ Uc.T) if reset_after else (r * h_prev) @ Uc.T
    cand = (sig if sig_cand else np.tanh)(x_t @ Wc.T + rec + bc)
    assert cand.shape[1] == H
    return (1 - u) * h_prev + u * cand if flip else u * h_prev + (1 - u) * cand


def step_backward(params, x_t, h_prev, dh):
    """A reader's backward step by finite differences of their own step (slow, but right)."""
    eps = 1e-6
    out = []
    for arr in (params.W, params.U, params.b, x_t, h_prev):
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = np.sum(dh * step(params, x_t, h_prev))
            arr[idx] = old - eps
            minus = np.sum(dh * step(params, x_t, h_prev))
            arr[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        out.append(g)
    return tuple(out)


def from_library(params, x_t, h_prev, dh):
    return gru_step_backward(params, gru_step(params, x_t, h_prev)[1], dh)


def variant(**flags):
    def fn(params, x_t, h_prev, dh):
        v = _variant_backward(params, x_t, h_prev, dh, **flags)
        return v["dW"], v["dU"], v["db"], v["dx_t"], v["dh_prev"]
    return fn


# --- check_gru_step --------------------------------------------------------------------------

def test_step_passes_correct_answers():
    for fn in (step, gru_step, lambda p, x, h: gru_step(p, x, h)[0]):
        result = check_gru_step(fn)
        assert isinstance(result, CheckResult) and result.passed, result
    assert check_gru_step(step, seed=3).passed
    assert "✓" in repr(check_gru_step(step))


@pytest.mark.parametrize("wrong,hint", [
    (lambda p, x, h: step(p, x, h, flip=True), "convention is flipped"),
    (lambda p, x, h: step(p, x, h, reset_after=True), "PyTorch's variant"),
    (lambda p, x, h: step(p, x, h, no_reset=True), "reset gate is missing"),
    (lambda p, x, h: step(p, x, h, swap=True), "r and u are swapped"),
    (lambda p, x, h: step(p, x, h, sig_cand=True), "uses tanh"),
    (lambda p, x, h: -step(p, x, h), "wrong sign"),
    (lambda p, x, h: step(p, x, h)[0], "has shape"),
    (lambda p, x, h: step(p, x, h) + 0.01, "differs from the reference"),
    (lambda p, x, h: step(p, x, h) * np.nan, "NaN"),
    (lambda p, x, h: 1 / 0, "raised ZeroDivisionError"),
    ("not a function", "expected a function, got str"),
])
def test_step_explains_mistakes(wrong, hint):
    result = check_gru_step(wrong)
    assert not result.passed
    assert hint in result.message, result.message
    assert "✗" in repr(result)
    with pytest.raises(AssertionError, match="check_gru_step"):
        result.raise_if_failed()


def test_step_reader_cannot_corrupt_the_reference():
    def vandal(p, x, h):
        p.W[...] = 0.0
        return step(p, x, h)
    assert not check_gru_step(vandal).passed      # zeroed weights give a different h_t
    assert check_gru_step(step).passed            # and the next check is unaffected


# --- check_gru_step_backward ------------------------------------------------------------------

def test_backward_passes_correct_answers():
    for fn in (from_library, variant(), step_backward):
        result = check_gru_step_backward(fn)
        assert result.passed, result


@pytest.mark.parametrize("wrong,hint", [
    (variant(no_direct=True), "direct path is missing"),
    (variant(no_reset_path=True), "reset gate's product is missing"),
    (variant(du_sign=-1.0), "∂E/∂u has the wrong sign"),
    (variant(no_tanh_deriv=True), "1 − h̃², is missing"),
    (lambda p, x, h, dh: from_library(p, x, h, 2 * dh), "constant factor 2"),
    (lambda p, x, h, dh: from_library(p, x, h, dh)[1:], "five arrays, got tuple of length 2"),
    (lambda p, x, h, dh: None, "five arrays, got NoneType"),
    (lambda p, x, h, dh: variant()(p, x, h, dh)[:3] + (x.T, h), "dx_t has shape (3, 2)"),
])
def test_backward_explains_mistakes(wrong, hint):
    result = check_gru_step_backward(wrong)
    assert not result.passed
    assert hint in result.message, result.message


def test_variants_differ_from_the_reference_on_every_problem():
    """Each simulated mistake must actually change some gradient, or its hint could never show."""
    rng = np.random.default_rng(1)
    p = GRUParams.init(2, 3, rng)
    p.b[:] = 0.5
    x, h, dh = rng.normal(size=(2, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    ref = _variant_backward(p, x, h, dh)
    for flags in ({"no_direct": True}, {"no_reset_path": True}, {"du_sign": -1.0}, {"no_tanh_deriv": True}):
        v = _variant_backward(p, x, h, dh, **flags)
        assert any(not np.allclose(v[k], ref[k]) for k in ref), flags
