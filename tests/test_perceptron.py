"""Tests for lstm_core.perceptron (Chapter 2)."""
import numpy as np
import pytest

from lstm_core import perceptron as P
from lstm_core.gradcheck import numerical_gradient, relative_error

X_BOOL = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T_AND = np.array([-1, -1, -1, 1])
T_OR = np.array([-1, 1, 1, 1])
T_XOR = np.array([-1, 1, 1, -1])


@pytest.mark.equations("eq-perceptron-output", compares="known values of sgn, 0 included")
def test_sgn_threshold_at_zero():
    np.testing.assert_array_equal(P.sgn(np.array([-2.0, 0.0, 1e-300, 3.0])), [-1, -1, 1, 1])
    assert P.sgn(np.float32(0.5)).dtype == np.float32


@pytest.mark.equations("eq-perceptron-rule",
                        compares="known values of one update, and no change when the example is right")
def test_perceptron_update_rule():
    w, b = np.array([0.5, -1.0]), 0.25
    x = np.array([1.0, 2.0])
    # w·x + b = -1.25 -> o = -1; target +1: move by 2 alpha x
    w2, b2 = P.perceptron_update(w, b, x, 1, alpha=0.1)
    np.testing.assert_allclose(w2, w + 0.2 * x)
    assert b2 == pytest.approx(0.45)
    # correctly classified: no change, input not modified
    w3, b3 = P.perceptron_update(w, b, x, -1, alpha=0.1)
    np.testing.assert_array_equal(w3, w)
    assert b3 == b
    np.testing.assert_array_equal(w, [0.5, -1.0])


@pytest.mark.parametrize("t", [T_AND, T_OR], ids=["AND", "OR"])
@pytest.mark.parametrize("alpha", [0.1, 1.0])
def test_perceptron_converges_on_separable(t, alpha):
    h = P.train_perceptron(X_BOOL, t, alpha=alpha, epochs=100)
    assert h.converged
    assert h.epochs < 100
    np.testing.assert_array_equal(P.perceptron_output(h.w[-1], h.b[-1], X_BOOL), t)
    assert h.w.shape == (h.epochs + 1, 2) and h.b.shape == (h.epochs + 1,)
    assert h.mistakes[-1] == 0 and np.all(h.mistakes[:-1] > 0)
    np.testing.assert_array_equal(h.w[0], 0.0)


@pytest.mark.parametrize("w0", [None, np.array([0.3, -0.7])])
def test_perceptron_never_converges_on_xor(w0):
    h = P.train_perceptron(X_BOOL, T_XOR, alpha=0.1, epochs=200, w0=w0, b0=0.1)
    assert not h.converged
    assert h.epochs == 200
    assert np.all(h.mistakes > 0)
    # after every epoch at least one XOR example is misclassified
    for w, b in zip(h.w, h.b):
        assert np.any(P.perceptron_output(w, b, X_BOOL) != T_XOR)


def test_perceptron_float32_kept():
    h = P.train_perceptron(X_BOOL.astype(np.float32), T_OR, alpha=0.5)
    assert h.w.dtype == np.float32 and h.b.dtype == np.float32 and h.converged


def _noisy_linear(seed=0, D=50, n=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(D, n))
    t = X @ np.array([1.5, -2.0, 0.5])[:n] + 0.7 + 0.1 * rng.normal(size=D)
    return X, t


def test_least_squares_matches_lstsq():
    X, t = _noisy_linear()
    w, b = P.least_squares(X, t)
    A = np.hstack([X, np.ones((len(X), 1))])
    ref = np.linalg.lstsq(A, t, rcond=None)[0]
    np.testing.assert_allclose(np.append(w, b), ref, rtol=1e-12)


@pytest.mark.equations("eq-delta-rule",
                        compares="another implementation: the least-squares solution it must converge to")
def test_batch_delta_rule_reaches_least_squares():
    X, t = _noisy_linear()
    w_ls, b_ls = P.least_squares(X, t)
    h = P.train_delta_rule(X, t, alpha=0.01, epochs=300, mode="batch")
    # stated tolerance: gradient descent converges geometrically; 1e-8 after 300 epochs
    assert np.max(np.abs(np.append(h.w[-1], h.b[-1]) - np.append(w_ls, b_ls))) < 1e-8
    assert np.all(np.diff(h.loss) <= 1e-12)  # E never increases for a small alpha
    assert h.w.shape == (301, 3) and h.loss.shape == (301,)


def test_incremental_delta_rule_reaches_least_squares():
    X, t = _noisy_linear()
    w_ls, b_ls = P.least_squares(X, t)
    h = P.train_delta_rule(X, t, alpha=0.002, epochs=300, mode="incremental")
    # stated tolerance: with fixed alpha the incremental rule cycles around the solution,
    # within O(alpha * noise); 5e-3 for alpha = 0.002 and noise 0.1
    assert np.max(np.abs(np.append(h.w[-1], h.b[-1]) - np.append(w_ls, b_ls))) < 5e-3
    assert h.loss[-1] < 1.001 * 0.5 * np.sum((t - X @ w_ls - b_ls) ** 2)


def test_delta_rule_step_single_example_is_incremental():
    X, t = _noisy_linear(D=4)
    w, b = np.array([0.1, 0.2, -0.3]), 0.4
    w1, b1 = P.delta_rule_step(w, b, X[:1], t[:1], 0.05)
    e = t[0] - (X[0] @ w + b)
    np.testing.assert_allclose(w1, w + 0.05 * e * X[0])
    assert b1 == pytest.approx(b + 0.05 * e)


def test_delta_rule_diverges_loudly():
    X, t = _noisy_linear()
    with pytest.raises(ValueError, match="diverged"):
        P.train_delta_rule(X, t, alpha=5.0, epochs=2000)


@pytest.mark.equations("eq-sigmoid-gradient",
                        compares="finite differences of E for every weight and the bias")
@pytest.mark.parametrize("D,n", [(1, 1), (4, 3), (7, 1)])
def test_sigmoid_unit_gradient_fd(D, n):
    rng = np.random.default_rng(D * 10 + n)
    X = rng.normal(size=(D, n))
    t = rng.uniform(size=D)
    w = rng.normal(size=n)
    b = np.array([rng.normal()])  # non-zero bias, as an array so it can be perturbed
    g = P.sigmoid_unit_gradient(w, b[0], X, t)
    E = lambda: P.sigmoid_unit_gradient(w, b[0], X, t).loss  # noqa: E731
    assert relative_error(g.w, numerical_gradient(E, w)) < 1e-6
    assert relative_error(np.array([g.b]), numerical_gradient(E, b)) < 1e-6
    o = P.sigmoid_unit(w, b[0], X)
    np.testing.assert_allclose(g.o, o)
    np.testing.assert_allclose(g.delta, o * (1 - o) * (t - o))
    assert g.loss == pytest.approx(0.5 * np.sum((t - o) ** 2))


def test_bad_input():
    with pytest.raises(ValueError, match="perceptron targets must be -1 or \\+1"):
        P.train_perceptron(X_BOOL, np.array([0, 1, 1, 1]))
    with pytest.raises(ValueError, match=r"t: expected shape \(4,\)"):
        P.train_perceptron(X_BOOL, np.array([1, -1]))
    with pytest.raises(ValueError, match="X: expected 2 dimensions"):
        P.train_perceptron(X_BOOL[0], T_AND)
    with pytest.raises(ValueError, match="alpha: expected a finite number > 0"):
        P.train_perceptron(X_BOOL, T_AND, alpha=-0.1)
    with pytest.raises(ValueError, match="epochs: expected an integer >= 1"):
        P.train_delta_rule(X_BOOL, T_AND, epochs=0)
    with pytest.raises(TypeError, match="epochs: expected an integer"):
        P.train_delta_rule(X_BOOL, T_AND, epochs=2.5)
    with pytest.raises(ValueError, match="mode: expected 'batch' or 'incremental'"):
        P.train_delta_rule(X_BOOL, T_AND, mode="online")
    with pytest.raises(ValueError, match="X: expected finite values"):
        P.sigmoid_unit_gradient(np.zeros(2), 0.0, np.array([[np.nan, 0.0]]), [1.0])
    with pytest.raises(TypeError, match="X: expected a float32 or float64 array"):
        P.perceptron_output(np.zeros(2), 0.0, np.array([[1, 0]]))
    with pytest.raises(ValueError, match=r"w: expected shape \(2,\)"):
        P.perceptron_output(np.zeros(3), 0.0, X_BOOL)
    with pytest.raises(TypeError, match="b: expected a real number"):
        P.delta_rule_step(np.zeros(2), "0", X_BOOL, T_AND, 0.1)
    with pytest.raises(ValueError, match="b: expected a finite number"):
        P.sigmoid_unit(np.zeros(2), np.inf, X_BOOL)
    with pytest.raises(ValueError, match="at least one example"):
        P.least_squares(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="w: expected dtype float32"):
        P.perceptron_output(np.zeros(2), 0.0, X_BOOL.astype(np.float32))
