"""gradcheck: the tool every other test relies on must itself be right."""
import numpy as np
import pytest

from lstm_core.gradcheck import check_gradients, max_error, numerical_gradient, relative_error


@pytest.mark.equations("eq-notation-central", compares="known values: the exact gradient of a quadratic form")
def test_numerical_gradient_of_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 5))
    x = rng.normal(size=(5,))
    num = numerical_gradient(lambda: 0.5 * x @ A @ x, x)
    assert relative_error(num, 0.5 * (A + A.T) @ x) < 1e-9


def test_numerical_gradient_restores_the_array():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    assert np.array_equal(x, before)


def test_check_gradients_detects_a_wrong_gradient():
    rng = np.random.default_rng(2)
    p = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=(3,))}
    f = lambda: float(np.sum(np.tanh(p["w"]).sum(1) * p["b"]))  # noqa: E731
    right = {"w": (1 - np.tanh(p["w"]) ** 2) * p["b"][:, None], "b": np.tanh(p["w"]).sum(1)}
    errs = check_gradients(f, p, right)
    assert max_error(errs) < 1e-8
    wrong = dict(right, b=right["b"] * 1.001)
    assert check_gradients(f, p, wrong)["b"] > 1e-4


def test_relative_error_properties():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, 2 * a) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"equal shapes, got \(3,\) and \(2,\)"):
        relative_error(a, a[:2])


def test_float32_is_refused():
    x = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match="float64 ndarray.*got float32"):
        numerical_gradient(lambda: float(x.sum()), x)


def test_gradient_shape_mismatch_is_reported():
    p = {"w": np.ones((2, 2))}
    with pytest.raises(ValueError, match=r"gradient w: expected shape \(2, 2\), got \(4,\)"):
        check_gradients(lambda: float(p["w"].sum()), p, {"w": np.ones(4)})


def test_report_rounds_up_to_a_power_of_ten():
    from lstm_core.gradcheck import error_bound, report
    assert error_bound(3.2e-10) == pytest.approx(1e-9)
    assert error_bound(1e-9) == pytest.approx(1e-9)
    assert error_bound(0.0) == 1e-16
    assert report({"a": 3e-10, "b": 2e-11}) == "max relative error < 1e-09 (bar 1e-06): ok"
    assert report(3e-5).endswith("FAILED")


def test_nested_parameters_are_checked_by_path():
    rng = np.random.default_rng(4)
    params = {"core": {"W": rng.normal(size=(2, 3))}, "out": [rng.normal(size=(3,))]}
    f = lambda: float(np.sum(np.sin(params["core"]["W"])) + params["out"][0] @ params["out"][0])  # noqa: E731
    grads = {"core": {"W": np.cos(params["core"]["W"])}, "out": [2 * params["out"][0]]}
    errs = check_gradients(f, params, grads)
    assert set(errs) == {"core.W", "out[0]"} and max_error(errs) < 1e-8


def test_a_check_that_compares_nothing_is_an_error():
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match="no parameter array had a matching gradient"):
        check_gradients(lambda: float(p["w"].sum()), p, {"v": np.ones(2)})
    from lstm_core.gradcheck import report
    with pytest.raises(ValueError, match="compared nothing"):
        report({})
    with pytest.raises(TypeError, match="bare ndarray"):
        check_gradients(lambda: 0.0, np.ones(2), np.ones(2))
