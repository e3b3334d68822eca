"""lstm_core.checks.errorflow: the Chapter 7 checker passes right answers, explains wrong ones."""
import numpy as np

from lstm_core.checks.errorflow import check_delta_jacobian


def path_by_path(W, fprime):
    """A reader's loop version of J(q) = diag(f'(t−q)) Wᵀ … diag(f'(t−1)) Wᵀ."""
    J = np.eye(W.shape[0])
    for fp in fprime:
        J = np.diag(fp) @ W.T @ J
    return J


def test_right_answer_passes():
    result = check_delta_jacobian(path_by_path)
    assert result.passed and "✓" in repr(result)


def test_transposed_weights_named():
    result = check_delta_jacobian(lambda W, fp: path_by_path(W.T, fp))
    assert not result.passed and "transposed" in result.message


def test_reversed_order_named():
    result = check_delta_jacobian(lambda W, fp: path_by_path(W, fp[::-1]))
    assert not result.passed and "wrong order" in result.message


def test_missing_fprime_named():
    result = check_delta_jacobian(lambda W, fp: path_by_path(W, np.ones_like(fp)))
    assert not result.passed and "missing" in result.message


def test_transposed_result_named():
    result = check_delta_jacobian(lambda W, fp: path_by_path(W, fp).T)
    assert not result.passed and "J is transposed" in result.message


def test_stub_shape_and_errors_reported():
    assert "shape" in check_delta_jacobian(lambda W, fp: np.zeros(3)).message
    assert "raised ZeroDivisionError" in check_delta_jacobian(lambda W, fp: 1 / 0).message
    assert not check_delta_jacobian(lambda W, fp: np.zeros_like(W)).passed
    assert "expected a function" in check_delta_jacobian(42).message
