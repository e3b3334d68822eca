"""Tests for the Chapter 2-3 exercise checkers: the reference passes, usual mistakes fail
with a message that names them, and nothing the reader writes makes a checker raise."""
import numpy as np
import pytest

from lstm_core import ffnn, perceptron
from lstm_core.activations import sigmoid, sigmoid_deriv
from lstm_core.checks import CheckResult
from lstm_core.checks import ffnn as cf
from lstm_core.checks import perceptron as cp


def _fails_with(result, text):
    assert isinstance(result, CheckResult)
    assert not result.passed, result
    assert text in result.message, result.message
    assert repr(result).startswith("✗")
    with pytest.raises(AssertionError, match="✗"):
        result.raise_if_failed()


# --- perceptron update ---------------------------------------------------------------

def test_perceptron_update_reference_and_by_hand_pass():
    assert cp.check_perceptron_update(perceptron.perceptron_update).passed

    def mine(w, b, x, t, alpha):
        o = 1.0 if w @ x + b > 0 else -1.0
        return w + alpha * (t - o) * x, b + alpha * (t - o)

    r = cp.check_perceptron_update(mine)
    assert r.passed and repr(r).startswith("✓")


def test_perceptron_update_mistakes():
    def delta_only(w, b, x, t, alpha):
        o = 1.0 if w @ x + b > 0 else -1.0
        return alpha * (t - o) * x, alpha * (t - o)

    def wrong_sign(w, b, x, t, alpha):
        o = 1.0 if w @ x + b > 0 else -1.0
        return w - alpha * (t - o) * x, b - alpha * (t - o)

    def frozen_bias(w, b, x, t, alpha):
        o = 1.0 if w @ x + b > 0 else -1.0
        return w + alpha * (t - o) * x, b

    def np_sign_zero(w, b, x, t, alpha):  # uses t instead of (t − o): half the step
        o = 1.0 if w @ x + b > 0 else -1.0
        return (w + alpha * t * x, b + alpha * t) if o != t else (w, b)

    _fails_with(cp.check_perceptron_update(delta_only), "you returned Δw")
    _fails_with(cp.check_perceptron_update(wrong_sign), "wrong way")
    _fails_with(cp.check_perceptron_update(frozen_bias), "the bias did not change")
    _fails_with(cp.check_perceptron_update(np_sign_zero), "half as big")
    _fails_with(cp.check_perceptron_update(lambda w, b, x, t, alpha: (w, b)), "needed an update")
    _fails_with(cp.check_perceptron_update(lambda w, b, x, t, alpha: w), "expected a pair")


def test_checkers_never_raise_on_broken_functions():
    def stub(*args):
        raise NotImplementedError

    for check in (cp.check_perceptron_update, cp.check_delta_rule_step, cp.check_sigmoid_deriv,
                  cf.check_output_delta, cf.check_hidden_delta, cf.check_weight_gradient):
        _fails_with(check(stub), "not implemented yet")
        _fails_with(check(lambda *a: 1 / 0), "ZeroDivisionError")
        _fails_with(check("not a function"), "expected a function")


# --- delta rule ----------------------------------------------------------------------

def test_delta_rule_step_reference_passes_and_mistakes_fail():
    assert cp.check_delta_rule_step(perceptron.delta_rule_step).passed

    def mean_not_sum(w, b, X, t, alpha):
        e = t - (X @ w + b)
        return w + alpha * e @ X / len(t), b + alpha * e.mean()

    def thresholded(w, b, X, t, alpha):
        e = t - np.where(X @ w + b > 0, 1.0, -1.0)
        return w + alpha * e @ X, b + alpha * e.sum()

    _fails_with(cp.check_delta_rule_step(mean_not_sum), "averaged")
    _fails_with(cp.check_delta_rule_step(thresholded), "thresholded")
    _fails_with(cp.check_delta_rule_step(lambda w, b, X, t, a: (w[:-1], b)), "has shape")


# --- sigmoid derivative ----------------------------------------------------------------

def test_sigmoid_deriv_reference_passes_and_mistakes_fail():
    r = cp.check_sigmoid_deriv(sigmoid_deriv)
    assert r.passed and "0.25" in r.message
    assert cp.check_sigmoid_deriv(lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2).passed
    _fails_with(cp.check_sigmoid_deriv(sigmoid), "σ(net) itself")
    _fails_with(cp.check_sigmoid_deriv(lambda x: x * (1 - x)), "first compute y = σ(net)")
    _fails_with(cp.check_sigmoid_deriv(lambda x: 1 - sigmoid(x)), "multiply by σ(net)")
    _fails_with(cp.check_sigmoid_deriv(lambda x: 1 - np.tanh(x) ** 2), "tanh")
    _fails_with(cp.check_sigmoid_deriv(lambda x: 2 * sigmoid_deriv(x)), "constant factor 2")
    _fails_with(cp.check_sigmoid_deriv(lambda x: sigmoid_deriv(x)[0]), "has shape")


# --- ffnn deltas -----------------------------------------------------------------------

def test_output_delta():
    assert cf.check_output_delta(ffnn.output_delta).passed
    assert cf.check_output_delta(lambda t, y, fp: fp * (t - y)).passed
    _fails_with(cf.check_output_delta(lambda t, y, fp: fp * (y - t)), "wrong sign")
    _fails_with(cf.check_output_delta(lambda t, y, fp: t - y), "forgot the factor f'(net_k)")
    _fails_with(cf.check_output_delta(lambda t, y, fp: y * (1 - y) * (t - y)), "use the fprime")


def test_hidden_delta():
    assert cf.check_hidden_delta(ffnn.hidden_delta).passed
    assert cf.check_hidden_delta(lambda fp, W, d: fp * np.einsum("bk,kj->bj", d, W)).passed
    _fails_with(cf.check_hidden_delta(lambda fp, W, d: d @ W), "forgot the factor f'(net_j)")
    _fails_with(cf.check_hidden_delta(lambda fp, W, d: d), "the next layer's")

    def transposed(fp, W, d):  # right shapes only when W is square
        return fp * (d @ W.T) if W.shape[0] == W.shape[1] else fp * (d @ W)

    _fails_with(cf.check_hidden_delta(transposed), "w_jk instead of w_kj")


def test_weight_gradient():
    assert cf.check_weight_gradient(lambda d, y: -d.T @ y).passed
    _fails_with(cf.check_weight_gradient(lambda d, y: d.T @ y), "∂E/∂w_ji = −δ_j y_i")
    _fails_with(cf.check_weight_gradient(lambda d, y: -y.T @ d), "transpose")
    _fails_with(cf.check_weight_gradient(lambda d, y: -d.T @ y / len(d)), "averaged")


def test_weight_gradient_reference_agrees_with_ffnn_backward():
    # the checker's reference is the gradient ffnn_backward computes for one layer
    p = ffnn.init_ffnn([3, 2], "logistic", seed=4)
    x, t = np.random.default_rng(4).normal(size=(5, 3)), np.zeros((5, 2))
    g = ffnn.ffnn_loss_and_grads(p, x, t)[1]
    np.testing.assert_allclose(-(g.delta[0].T @ x), g.W[0])
