"""Activations (chapter 1, 2, 8): values, derivatives, ranges, stability."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstm_core import activations as A
from lstm_core.gradcheck import relative_error

NAMES = ["logistic", "tanh", "g1997", "h1997", "identity"]


@pytest.mark.equations("eq-notation-derivs", "eq-sigmoid-deriv",
                        compares="finite differences of each squashing function")
@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    act = A.get(name)
    x = np.linspace(-6, 6, 241)
    eps = 1e-6
    numeric = (act.f(x + eps) - act.f(x - eps)) / (2 * eps)
    assert relative_error(act.deriv(x), numeric) < 1e-8


@pytest.mark.equations("eq-notation-derivs", "eq-sigmoid-deriv",
                        compares="an identity: the derivative from the output y equals the derivative from net")
@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output_equals_derivative(name):
    act = A.get(name)
    x = np.random.default_rng(0).normal(scale=3, size=500)
    assert relative_error(act.deriv_from_output(act.f(x)), act.deriv(x)) < 1e-12


@pytest.mark.parametrize("name, lo, hi", [("logistic", 0, 1), ("tanh", -1, 1),
                                          ("g1997", -2, 2), ("h1997", -1, 1)])
def test_ranges(name, lo, hi):
    act = A.get(name)
    y = act.f(np.linspace(-30, 30, 1001))
    assert y.min() >= lo and y.max() <= hi
    assert y.min() < lo + 1e-6 and y.max() > hi - 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_max_derivative(name):
    act = A.get(name)
    x = np.linspace(-10, 10, 20001)
    assert act.deriv(x).max() == pytest.approx(act.max_deriv, rel=1e-9)


def test_logistic_quarter_at_zero():
    assert A.sigmoid_deriv(np.array(0.0)) == 0.25


@pytest.mark.equations("eq-notation-squashers",
                        compares="another implementation: 4/(1 + e^−x) − 2 and 2/(1 + e^−x) − 1")
def test_g_and_h_are_scaled_logistics():
    x = np.linspace(-5, 5, 11)
    assert np.allclose(A.g1997(x), 4 / (1 + np.exp(-x)) - 2)
    assert np.allclose(A.h1997(x), 2 / (1 + np.exp(-x)) - 1)


@given(arrays(np.float64, st.integers(1, 50), elements=st.floats(-1e4, 1e4)))
@settings(max_examples=50, deadline=None)
def test_sigmoid_no_overflow_and_exact_limits(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(x)
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.isfinite(s))


def test_sigmoid_extremes_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(np.array([-1e4, -745.0, 0.0, 745.0, 1e4]))
    assert s[0] == 0.0 and s[2] == 0.5 and s[-1] == 1.0
    assert A.sigmoid(np.array(-40.0)) == pytest.approx(np.exp(-40.0), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_kept(name, dtype):
    act = A.get(name)
    x = np.linspace(-3, 3, 7, dtype=dtype)
    assert act.f(x).dtype == dtype
    assert act.deriv(x).dtype == dtype
    assert act.deriv_from_output(act.f(x)).dtype == dtype


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="expected one of .*got 'relu6'"):
        A.get("relu6")
    with pytest.raises(TypeError, match="expected a name or an Activation, got int"):
        A.get(3)
