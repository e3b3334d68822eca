"""Tests for lstm_core.ffnn (Chapter 3): FD checks of every weight and bias, XOR, bad input."""
import numpy as np
import pytest

from lstm_core import ffnn as F
from lstm_core.activations import get, sigmoid
from lstm_core.gradcheck import check_gradients, max_error, numerical_gradient, relative_error
from lstm_core.losses import squared_error

CASES = [
    ([1, 1], 1, "logistic"),
    ([3, 1, 2], 1, ["tanh", "identity"]),
    ([2, 2, 1], 4, "logistic"),
    ([4, 5, 3, 2], 3, ["tanh", "logistic", "identity"]),
    ([2, 3, 3], 2, ["g1997", "h1997"]),
]


@pytest.mark.equations("eq-ffnn-grad", "eq-ffnn-output-delta", "eq-ffnn-hidden-delta",
                        compares="finite differences of E for every weight and bias, and of every layer's net input")
@pytest.mark.parametrize("sizes,B,acts", CASES)
def test_backward_matches_finite_differences(sizes, B, acts):
    rng = np.random.default_rng(len(sizes) * 100 + B)
    p = F.init_ffnn(sizes, acts, seed=rng, scale=1.0)  # biases are non-zero random draws
    assert all(np.all(b != 0) for b in p.b)
    x = rng.normal(size=(B, sizes[0]))
    t = rng.normal(size=(B, sizes[-1]))

    def E():
        return squared_error(F.ffnn_forward(p, x).output, t).loss

    _, g = F.ffnn_loss_and_grads(p, x, t)
    errors = check_gradients(E, p.named(), g.named())
    assert set(errors) == set(p.named()) and len(errors) == 2 * (len(sizes) - 1)
    assert max_error(errors) < 1e-6, errors
    # dx and every delta: delta[l] = -dE/dnet[l]
    assert relative_error(g.dx, numerical_gradient(E, x)) < 1e-6
    # every delta: delta[l] = -dE/dnet[l], perturbing net[l] and running the layers above it
    cache = F.ffnn_forward(p, x)
    for l in range(len(sizes) - 1):
        net = cache.net[l].copy()

        def E_of_net(l=l, net=net):
            y = get(p.activations[l]).f(net)
            for k in range(l + 1, len(sizes) - 1):
                y = get(p.activations[k]).f(y @ p.W[k].T + p.b[k])
            return squared_error(y, t).loss

        assert relative_error(-g.delta[l], numerical_gradient(E_of_net, net)) < 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_backward_fd_random_architectures(seed):
    rng = np.random.default_rng(1000 + seed)
    L = int(rng.integers(1, 4))
    sizes = [int(n) for n in rng.integers(1, 6, size=L + 1)]
    acts = [str(a) for a in rng.choice(["logistic", "tanh", "identity", "g1997"], size=L)]
    p = F.init_ffnn(sizes, acts, seed=rng, scale=1.5)
    x = rng.normal(size=(int(rng.integers(1, 5)), sizes[0]))
    t = rng.normal(size=(x.shape[0], sizes[-1]))
    _, g = F.ffnn_loss_and_grads(p, x, t, mean=True)
    errors = check_gradients(lambda: F.ffnn_loss_and_grads(p, x, t, mean=True)[0], p.named(), g.named())
    assert len(errors) == 2 * L and max_error(errors) < 1e-6, (sizes, acts, errors)


@pytest.mark.equations("eq-ffnn-forward", "eq-ffnn-output-delta", "eq-ffnn-hidden-delta", "eq-ffnn-grad",
                        compares="another implementation: the forward pass, the deltas and the gradient written out")
def test_book_delta_formulas_by_hand():
    rng = np.random.default_rng(3)
    p = F.init_ffnn([3, 4, 2], "logistic", seed=rng, scale=1.0)
    x, t = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    c = F.ffnn_forward(p, x)
    g = F.ffnn_backward(p, c, squared_error(c.output, t).grad)
    y1, y2 = c.y[1], c.y[2]
    np.testing.assert_allclose(c.net[0], x @ p.W[0].T + p.b[0])
    np.testing.assert_allclose(y2, sigmoid(y1 @ p.W[1].T + p.b[1]))
    d_out = y2 * (1 - y2) * (t - y2)  # δ_k = f'(net_k)(t_k − y_k)
    np.testing.assert_allclose(g.delta[1], d_out, rtol=1e-12)
    np.testing.assert_allclose(F.output_delta(t, y2, y2 * (1 - y2)), d_out)
    d_hid = np.einsum("bj,bk,kj->bj", y1 * (1 - y1), d_out, p.W[1])  # Σ_k w_kj δ_k
    np.testing.assert_allclose(g.delta[0], d_hid, rtol=1e-12)
    # ∂E/∂w_ji = −Σ_batch δ_j y_i
    np.testing.assert_allclose(g.W[0], -np.einsum("bj,bi->ji", d_hid, x), rtol=1e-12)
    np.testing.assert_allclose(g.b[1], -d_out.sum(0), rtol=1e-12)


def test_float32_kept():
    p = F.init_ffnn([2, 3, 1], ["tanh", "logistic"], seed=0, dtype=np.float32)
    x = np.ones((4, 2), dtype=np.float32)
    E, g = F.ffnn_loss_and_grads(p, x, np.zeros((4, 1), dtype=np.float32), mean=True)
    assert F.ffnn_forward(p, x).output.dtype == np.float32
    assert all(a.dtype == np.float32 for a in g.W + g.b + g.delta + [g.dx])


def test_mean_divides_by_batch():
    p = F.init_ffnn([2, 3, 1], "tanh", seed=1)
    x, t = np.ones((4, 2)), np.zeros((4, 1))
    Es, gs = F.ffnn_loss_and_grads(p, x, t)
    Em, gm = F.ffnn_loss_and_grads(p, x, t, mean=True)
    assert Em == pytest.approx(Es / 4)
    np.testing.assert_allclose(gm.W[0] * 4, gs.W[0])


def test_xor_2_2_1_sigmoid_net_learns():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    p = F.init_ffnn([2, 2, 1], "logistic", seed=0)
    for _ in range(2000):  # plain gradient descent, alpha = 2
        E, g = F.ffnn_loss_and_grads(p, X, T)
        for w, dw in zip(p.W + p.b, g.W + g.b):
            w -= 2.0 * dw
    E, _ = F.ffnn_loss_and_grads(p, X, T)
    assert E < 0.01
    np.testing.assert_array_equal(F.ffnn_forward(p, X).output > 0.5, T > 0.5)


def test_init_is_seeded_and_scaled():
    a, b = F.init_ffnn([3, 4, 2], seed=5), F.init_ffnn([3, 4, 2], seed=5)
    np.testing.assert_array_equal(a.W[1], b.W[1])
    assert np.max(np.abs(a.W[0])) <= 1 / np.sqrt(3) and np.max(np.abs(a.W[1])) <= 0.5
    assert a.sizes == (3, 4, 2) and a.activations == ("logistic", "logistic")
    assert F.init_ffnn([1, 1], "sigmoid").activations == ("logistic",)


def test_cost_counts():
    c = F.ffnn_cost([2, 2, 1])
    assert (c.weights, c.biases, c.parameters) == (6, 3, 9)
    assert c.forward_mult_adds == 6 and c.backward_mult_adds == 12
    p = F.init_ffnn([5, 7, 3, 2], seed=0)
    c = F.ffnn_cost(p.sizes)
    assert c.weights == sum(w.size for w in p.W) and c.biases == sum(b.size for b in p.b)


def test_bad_input():
    p = F.init_ffnn([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"x: expected shape \(any, 3\)"):
        F.ffnn_forward(p, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="x: expected 2 dimensions"):
        F.ffnn_forward(p, np.zeros(3))
    with pytest.raises(TypeError, match="x: expected dtype float64"):
        F.ffnn_forward(p, np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="x: expected a float32 or float64 array"):
        F.ffnn_forward(p, np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="x: expected finite values"):
        F.ffnn_forward(p, np.full((1, 3), np.nan))
    c = F.ffnn_forward(p, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dy: expected shape \(4, 1\)"):
        F.ffnn_backward(p, c, np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"t: expected shape \(4, 1\)"):
        F.ffnn_loss_and_grads(p, np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"sizes\[1\]: expected an integer >= 1, got -2"):
        F.init_ffnn([3, -2, 1])
    with pytest.raises(ValueError, match="sizes: expected at least two layer sizes"):
        F.init_ffnn([3])
    with pytest.raises(ValueError, match="activations: expected one name per weight layer"):
        F.init_ffnn([3, 2, 1], ["tanh"])
    with pytest.raises(ValueError, match="activation: expected one of"):
        F.init_ffnn([3, 2, 1], "relu6")
    with pytest.raises(ValueError, match=r"W\[1\]: expected 2 columns"):
        F.FFNNParams([np.zeros((2, 3)), np.zeros((1, 3))], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match=r"b\[0\]: expected shape \(2,\)"):
        F.FFNNParams([np.zeros((2, 3))], [np.zeros(3)])
    with pytest.raises(TypeError, match="dtype: expected float32 or float64"):
        F.init_ffnn([2, 1], dtype=np.int32)
    with pytest.raises(ValueError, match="cache: expected the cache of a 2-layer net"):
        F.ffnn_backward(p, F.FFNNCache(y=[c.y[0], c.y[1]], net=[c.net[0]]), np.zeros((4, 1)))
