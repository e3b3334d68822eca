"""Tests for lstm_core.checks.rnn_forward: the Chapter 4 checker passes right answers and
names the usual mistakes."""
import numpy as np
import pytest

from lstm_core.checks.rnn_forward import check_rnn_forward


def forward(W_in, W_rec, b, x, y0):
    """Unit by unit, as a reader might write it."""
    T, B, I = x.shape
    n = W_rec.shape[0]
    y, y_prev = np.zeros((T, B, n)), y0
    for t in range(T):
        net = np.zeros((B, n))
        for k in range(n):
            net[:, k] = sum(W_rec[k, l] * y_prev[:, l] for l in range(n)) \
                + sum(W_in[k, i] * x[t, :, i] for i in range(I)) + b[k]
        y[t] = y_prev = np.tanh(net)
    return y


def test_passes_a_correct_answer():
    assert check_rnn_forward(forward).passed
    assert check_rnn_forward(forward, seed=3).passed


@pytest.mark.parametrize("wrong,hint", [
    (lambda Wi, Wr, b, x, y0: forward(Wi, Wr.T, b, x, y0), "wrong index"),
    (lambda Wi, Wr, b, x, y0: forward(Wi, Wr, 0 * b, x, y0), "bias b_k is missing"),
    (lambda Wi, Wr, b, x, y0: np.arctanh(forward(Wi, Wr, b, x, y0)), "differs"),
    (lambda Wi, Wr, b, x, y0: forward(Wi, 0 * Wr, b, x, y0), "recurrent input is ignored"),
    (lambda Wi, Wr, b, x, y0: -forward(Wi, Wr, b, x, y0), "wrong sign"),
    (lambda Wi, Wr, b, x, y0: forward(Wi, Wr, b, x, y0)[:, 0], "has shape"),
    (lambda Wi, Wr, b, x, y0: np.stack([np.tanh(y0 @ Wr.T + x[t] @ Wi.T + b) for t in range(len(x))]),
     "every step reads y(0)"),
])
def test_names_the_mistake(wrong, hint):
    result = check_rnn_forward(wrong)
    assert not result.passed
    assert hint in result.message, result.message


def test_missing_squashing_is_named():
    def linear(W_in, W_rec, b, x, y0):
        y, y_prev = np.zeros(x.shape[:2] + (W_rec.shape[0],)), y0
        for t in range(len(x)):
            y[t] = y_prev = y_prev @ W_rec.T + x[t] @ W_in.T + b
        return y
    result = check_rnn_forward(linear)
    assert not result.passed and "squashing function is missing" in result.message


def test_exceptions_and_non_functions_are_reported():
    def broken(*args):
        raise ValueError("shapes do not align")
    result = check_rnn_forward(broken)
    assert not result.passed and "raised ValueError: shapes do not align" in result.message
    assert "expected a function" in check_rnn_forward(3).message
