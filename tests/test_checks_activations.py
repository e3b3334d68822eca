import numpy as np

from lstm_core.checks.activations import check_deriv_from_output


def test_reference_passes_and_mistakes_are_explained():
    assert check_deriv_from_output(lambda y: 1 - y**2, "tanh").passed
    assert check_deriv_from_output(lambda y: (4 - y**2) / 4, "g1997").passed
    wrong = check_deriv_from_output(lambda y: 1 - y, "tanh")
    assert not wrong.passed and "differs" in wrong.message
    factor = check_deriv_from_output(lambda y: 2 * y * (1 - y), "logistic")
    assert not factor.passed and "constant factor 2" in factor.message
    shape = check_deriv_from_output(lambda y: np.ones(3), "logistic")
    assert not shape.passed and "shape (3,)" in shape.message
    crash = check_deriv_from_output(lambda y: undefined_name, "logistic")  # noqa: F821
    assert not crash.passed and "NameError" in crash.message
