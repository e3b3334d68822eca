"""Tests for lstm_core.losses: values, finite-difference gradients, stability, bad input."""
import numpy as np
import pytest

from lstm_core import losses
from lstm_core.gradcheck import numerical_gradient, relative_error

SHAPES = [(1,), (5,), (1, 1), (3, 4), (1, 1, 1), (4, 2, 3), (1, 3, 2)]


@pytest.mark.equations("eq-notation-error", "eq-ffnn-error", "eq-bptt-error",
                        compares="finite differences of E, and E written out")
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mean", [False, True])
def test_squared_error_value_and_fd_gradient(shape, mean):
    rng = np.random.default_rng(0)
    y, t = rng.normal(size=shape), rng.normal(size=shape)
    E, dy = losses.squared_error(y, t, mean=mean)
    B = 1 if len(shape) == 1 else shape[-2]
    assert E == pytest.approx(0.5 * np.sum((t - y) ** 2) / (B if mean else 1), rel=1e-12)
    num = numerical_gradient(lambda: losses.squared_error(y, t, mean=mean).loss, y)
    assert relative_error(dy, num) < 1e-6
    # the book's convention: dE/dy = -e = -(t - y)
    np.testing.assert_allclose(dy * (B if mean else 1), -(t - y), rtol=1e-12)


@pytest.mark.equations("eq-notation-error", compares="known values of e and E")
def test_squared_error_keeps_float32_and_error_signal():
    y = np.array([[0.5, 1.0]], dtype=np.float32)
    t = np.array([[1.0, 0.0]], dtype=np.float32)
    E, dy = losses.squared_error(y, t)
    assert dy.dtype == np.float32
    assert E == pytest.approx(0.5 * (0.25 + 1.0))
    np.testing.assert_array_equal(losses.error(y, t), [[0.5, -1.0]])


@pytest.mark.equations("eq-app-delta", compares="finite differences of the cross-entropy")
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mean", [False, True])
@pytest.mark.parametrize("labels", [True, False])
def test_softmax_cross_entropy_fd_gradient(shape, mean, labels):
    rng = np.random.default_rng(1)
    net = rng.normal(size=shape) * 3
    K = shape[-1]
    if labels:
        t = rng.integers(0, K, size=shape[:-1])
    else:  # soft targets: probability rows
        t = losses.softmax(rng.normal(size=shape))
    E, g = losses.softmax_cross_entropy(net, t, mean=mean)
    num = numerical_gradient(lambda: losses.softmax_cross_entropy(net, t, mean=mean).loss, net)
    assert relative_error(g, num) < 1e-6
    assert np.isfinite(E) and E >= 0


@pytest.mark.equations("eq-app-loss", "eq-app-delta",
                        compares="an identity: the gradient is (p − t)/N and E is the mean of −log p")
def test_labels_and_one_hot_agree_and_gradient_is_p_minus_t():
    rng = np.random.default_rng(2)
    net = rng.normal(size=(3, 5, 4))
    labels = rng.integers(0, 4, size=(3, 5))
    onehot = np.eye(4)[labels]
    a = losses.softmax_cross_entropy(net, labels, mean=True)
    b = losses.softmax_cross_entropy(net, onehot, mean=True)
    assert a.loss == pytest.approx(b.loss, rel=1e-12)
    np.testing.assert_allclose(a.grad, b.grad, atol=1e-15)
    np.testing.assert_allclose(a.grad * 5, losses.softmax(net) - onehot, atol=1e-14)
    # by hand: E = -sum log p(label)
    p = losses.softmax(net)
    manual = -np.sum(np.log(np.take_along_axis(p, labels[..., None], axis=-1))) / 5
    assert a.loss == pytest.approx(manual, rel=1e-12)


def test_zero_target_row_masks_a_step():
    net = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    t = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    E, g = losses.softmax_cross_entropy(net, t)
    np.testing.assert_array_equal(g[1], 0.0)
    assert E == pytest.approx(-losses.log_softmax(net)[0, 2])


def test_softmax_stable_for_huge_logits():
    net = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=np.float32)
    p = losses.softmax(net)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    E, g = losses.softmax_cross_entropy(net, np.array([2, 0]))
    # -log p of the wrong extreme class: exactly 2e4 up to float32 rounding
    assert E == pytest.approx(2e4 + np.log(3), rel=1e-6)
    assert np.all(np.isfinite(g)) and g.dtype == np.float32
    np.testing.assert_allclose(np.exp(losses.log_softmax(net)).sum(-1), 1.0, rtol=1e-6)


def test_bad_input():
    y = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"t: expected shape \(2, 3\)"):
        losses.squared_error(y, np.zeros((3, 2)))
    with pytest.raises(TypeError, match="t: expected dtype float64"):
        losses.squared_error(y, np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="y: expected a float32 or float64 array"):
        losses.squared_error(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="y: expected finite values"):
        losses.squared_error(np.array([[np.nan, 0, 0], [0, 0, 0]]), y)
    with pytest.raises(ValueError, match=r"y: expected shape \(K,\), \(B, K\) or \(T, B, K\)"):
        losses.squared_error(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\)"):
        losses.softmax_cross_entropy(y, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\)"):
        losses.softmax_cross_entropy(y, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"integer class labels must have shape \(2,\)"):
        losses.softmax_cross_entropy(y, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="entries >= 0"):
        losses.softmax_cross_entropy(y, np.array([[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="net: expected finite values"):
        losses.softmax_cross_entropy(np.array([[np.inf, 0.0]]), np.array([0]))
    with pytest.raises(ValueError, match="at least one class"):
        losses.softmax(np.zeros((2, 0)))
