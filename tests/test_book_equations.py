"""Checks of book equations that no other test checks on its own (see the equation index,
appendix/equations.md): each test names the equations it verifies and what it compares them with.

Most equations are checked where their function is tested (tests/test_rnn.py, test_lstm.py, …);
these are the rest: the chapters' equations written out by hand (a block-by-block LSTM step),
the carousel's Jacobians by finite differences, the forget gate's bound, the random walk of an
ungated carousel, and the closed-form weight counts.
"""
import numpy as np
import pytest

from lstm_core import activations as act
from lstm_core import ffnn, losses, perceptron, rnn, tasks
from lstm_core.charlm import next_char_probabilities
from lstm_core.errorflow import delta_jacobian
from lstm_core.experiments import sequence_errors
from lstm_core.gradcheck import numerical_gradient, relative_error
from lstm_core.grid import GridLSTMParams
from lstm_core.lstm import LSTMConfig, LSTMParams, LSTMState, lstm_forward, lstm_step, lstm_step_backward, lstm_trace
from lstm_core.models import count_params

# ---------------------------------------------------------------- chapters 2 and 3


@pytest.mark.equations("eq-perceptron-output", compares="another implementation: +1 where w·x + w_0 > 0, else −1")
def test_perceptron_output_is_the_sign_of_the_net():
    rng = np.random.default_rng(0)
    w, b, X = rng.normal(size=3), 0.3, rng.normal(size=(50, 3))
    o = perceptron.perceptron_output(w, b, X)
    np.testing.assert_array_equal(o, np.where(X @ w + b > 0, 1.0, -1.0))
    assert set(np.unique(o)) == {-1.0, 1.0}


@pytest.mark.equations("eq-delta-error", compares="another implementation: ½ Σ_d (t_d − o_d)² after every epoch")
def test_delta_rule_records_the_half_sum_of_squared_errors():
    rng = np.random.default_rng(1)
    X, t = rng.normal(size=(20, 2)), rng.normal(size=20)
    h = perceptron.train_delta_rule(X, t, alpha=0.01, epochs=5, mode="batch")
    for k in range(6):
        assert h.loss[k] == pytest.approx(0.5 * np.sum((t - (X @ h.w[k] + h.b[k])) ** 2), rel=1e-12)


@pytest.mark.equations("eq-delta-gradient", "eq-delta-rule",
                       compares="finite differences: Δw = −α ∂E/∂w with ∂E/∂w from central differences of E")
def test_delta_rule_step_is_minus_alpha_times_the_gradient():
    rng = np.random.default_rng(2)
    X, t = rng.normal(size=(7, 3)), rng.normal(size=7)
    w, b = rng.normal(size=3), np.array([0.4])
    alpha = 0.05
    w2, b2 = perceptron.delta_rule_step(w, b[0], X, t, alpha)
    E = lambda: 0.5 * float(np.sum((t - (X @ w + b[0])) ** 2))  # noqa: E731
    assert relative_error(w2 - w, -alpha * numerical_gradient(E, w)) < 1e-8
    assert relative_error(np.array([b2 - b[0]]), -alpha * numerical_gradient(E, b)) < 1e-8


@pytest.mark.equations("eq-sigmoid", "eq-notation-squashers", compares="another implementation: 1 / (1 + e^−net)")
def test_sigmoid_unit_is_the_logistic_of_its_net():
    rng = np.random.default_rng(3)
    w, b, X = rng.normal(size=4), -0.2, rng.normal(scale=3.0, size=(30, 4))
    net = X @ w + b
    np.testing.assert_allclose(perceptron.sigmoid_unit(w, b, X), 1.0 / (1.0 + np.exp(-net)), rtol=1e-14)
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(act.sigmoid(x), 1.0 / (1.0 + np.exp(-x)), rtol=1e-14)


@pytest.mark.equations("eq-ffnn-error", compares="another implementation: ½ Σ_k (t_k − y_k)² of the net's outputs")
def test_ffnn_loss_is_half_the_sum_of_squared_errors():
    rng = np.random.default_rng(4)
    p = ffnn.init_ffnn([3, 4, 2], ["tanh", "identity"], seed=rng)
    x, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    E, _ = ffnn.ffnn_loss_and_grads(p, x, t)
    y = ffnn.ffnn_forward(p, x).output
    assert E == pytest.approx(0.5 * np.sum((t - y) ** 2), rel=1e-12)


# ---------------------------------------------------------------- chapter 8: one self-connected unit


def _one_unit(w, activation):
    return rnn.RNNParams(W_in=np.zeros((1, 1)), W_rec=np.array([[w]]), b=np.zeros(1), activation=activation)


@pytest.mark.equations("eq-cec-local-flow",
                       compares="an identity: BPTT's δ(t−1) is f'(net(t−1)) w_jj δ(t) at every step")
@pytest.mark.parametrize("activation,w", [("logistic", 1.5), ("tanh", 0.9), ("identity", 1.0)])
def test_a_self_connected_unit_scales_its_delta_by_fprime_times_w(activation, w):
    rng = np.random.default_rng(5)
    p = _one_unit(w, activation)
    x = rng.normal(size=(12, 1, 1))
    p.W_in[:] = 0.7
    y, cache = rnn.rnn_forward(p, x, np.full((1, 1), 0.3))
    dy = np.zeros_like(y)
    dy[-1] = 1.0                                   # error injected at the last step only
    delta = rnn.bptt_deltas(p, cache, dy)
    fprime = act.get(activation).deriv_from_output(y)
    for t in range(11, 0, -1):
        np.testing.assert_allclose(delta[t - 1], fprime[t - 1] * w * delta[t], rtol=1e-13)
        J = delta_jacobian(p.W_rec, fprime[t - 1, 0][None, :])
        assert J[0, 0] == pytest.approx(fprime[t - 1, 0, 0] * w, rel=1e-13)


@pytest.mark.equations("eq-cec-constant",
                       compares="known values: a linear unit with w_jj = 1 keeps its activation and its error for 1000 steps")
def test_a_linear_unit_with_unit_self_weight_keeps_its_activation():
    p = _one_unit(1.0, "identity")
    x = np.zeros((1000, 1, 1))
    y, _ = rnn.rnn_forward(p, x, np.full((1, 1), 0.5))
    np.testing.assert_array_equal(y, 0.5)
    flow = rnn.error_flow(p, x, state0=np.full((1, 1), 0.5))
    np.testing.assert_array_equal(flow.norm, flow.norm[0])
    shrinking, _ = rnn.rnn_forward(_one_unit(0.9, "identity"), x[:10], np.full((1, 1), 0.5))
    assert shrinking[-1, 0, 0] == pytest.approx(0.5 * 0.9 ** 10)     # w_jj ≠ 1: not constant


# ---------------------------------------------------------------- chapters 8-11: the memory cell written out


def _squash(name, x):
    return act.get(name).f(x)


def reference_step(p: LSTMParams, x, y_prev, s_prev):
    """One LSTM step block by block and cell by cell, as chapter 11 writes it: for block j with
    cells v, net_in_j = Σ_m w_in_j,m y^m + Σ_v w_in_j,c_j^v s_c_j^v(t−1) (peepholes), the same for
    φ, s_c = y^φ s_c(t−1) + y^in g(net_c), net_out_j with the new states, y^c = y^out h(s_c).
    A missing gate is the constant 1. Sources m are the inputs x, the outputs y(t−1) and the bias."""
    cfg = p.config
    H, S = y_prev.shape[1], cfg.block_size
    lay, peep = cfg.layout(H), dict(zip(cfg.peephole_gates, p.P)) if cfg.peepholes else {}
    B = x.shape[0]
    y_new, s_new = np.zeros((B, H)), np.zeros((B, H))
    for b in range(B):
        src = list(x[b]) + list(y_prev[b])
        W = np.hstack([p.W, p.R])

        def net(row):
            return sum(W[row, m] * src[m] for m in range(len(src))) + p.b[row]

        for j in range(H // S):
            cells = range(j * S, (j + 1) * S)

            def gate(name, states):
                if name not in lay:
                    return 1.0
                n = net(lay[name].start + j)
                if name in peep:
                    n += sum(peep[name][c] * states[c] for c in cells)
                return 1.0 / (1.0 + np.exp(-n))

            y_in, y_phi = gate("i", s_prev[b]), gate("f", s_prev[b])
            for c in cells:
                g = _squash(cfg.input_activation, net(lay["z"].start + c))
                s_new[b, c] = y_phi * s_prev[b, c] + y_in * g
            y_out = gate("o", s_new[b])
            for c in cells:
                y_new[b, c] = y_out * _squash(cfg.output_activation, s_new[b, c])
    return y_new, s_new


@pytest.mark.equations("eq-cec-state", "eq-cec-output", "eq-ch16-cell", "eq-forget-state", "eq-peep-no-peep",
                       "eq-peep-nets", "eq-fwd-in", "eq-fwd-phi", "eq-fwd-netc", "eq-fwd-state", "eq-fwd-out",
                       "eq-fwd-y",
                       compares="another implementation: the equations written out block by block and cell by cell")
@pytest.mark.parametrize("preset", ["lstm1997", "gers2000", "gers2002", "vanilla"])
@pytest.mark.parametrize("S", [1, 2])
def test_lstm_step_and_sequence_are_the_chapters_equations(preset, S):
    rng = np.random.default_rng(10 + S)
    p = LSTMParams.init(3, 2 * S, LSTMConfig.preset(preset, block_size=S), rng=rng, scale=0.9)
    x = rng.normal(size=(4, 2, 3))
    y, s = rng.normal(size=(2, 2 * S)), rng.normal(size=(2, 2 * S))
    new, _ = lstm_step(p, x[0], LSTMState(y=y, c=s))
    y_ref, s_ref = reference_step(p, x[0], y, s)
    np.testing.assert_allclose(new.c, s_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(new.y, y_ref, rtol=1e-12, atol=1e-14)
    ys, cache = lstm_forward(p, x, LSTMState(y=y, c=s))
    for t in range(4):
        y, s = reference_step(p, x[t], y, s)
        np.testing.assert_allclose(ys[t], y, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(cache.c[t + 1], s, rtol=1e-11, atol=1e-13)


def _state_jacobian(p, x, y, s):
    """∂s_c(t)/∂s_c(t−1) of one lstm_step, by central differences, (B, H, H)."""
    B, H = s.shape
    J = np.zeros((B, H, H))
    for c in range(H):
        for b in range(B):
            e = np.zeros_like(s)
            e[b, c] = 1e-6
            up = lstm_step(p, x, LSTMState(y=y, c=s + e))[0].c[b]
            down = lstm_step(p, x, LSTMState(y=y, c=s - e))[0].c[b]
            J[b, :, c] = (up - down) / 2e-6
    return J


@pytest.mark.equations("eq-cec-unit-jacobian",
                       compares="finite differences: ∂s_c(t)/∂s_c(t−1) is the identity for the 1997 cell; "
                                "the backward step passes the state error through unchanged")
def test_the_1997_carousel_has_unit_state_jacobian():
    rng = np.random.default_rng(20)
    p = LSTMParams.init(2, 3, "lstm1997", rng=rng, scale=1.0)
    x, y, s = rng.normal(size=(2, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    J = _state_jacobian(p, x, y, s)
    np.testing.assert_allclose(J, np.broadcast_to(np.eye(3), J.shape), atol=1e-9)
    _, cache = lstm_step(p, x, LSTMState(y=y, c=s))
    ds = rng.normal(size=(2, 3))
    _, _, dprev = lstm_step_backward(p, cache, LSTMState(y=np.zeros((2, 3)), c=ds))
    np.testing.assert_allclose(dprev.c, ds, rtol=1e-15)


@pytest.mark.equations("eq-forget-flow",
                       compares="finite differences: ∂s_c(t)/∂s_c(t−1) = y^φ(t), and over T steps the product of the y^φ")
def test_the_forget_gate_scales_the_state_jacobian():
    rng = np.random.default_rng(21)
    p = LSTMParams.init(2, 3, "gers2000", rng=rng, scale=1.0)
    x, y, s = rng.normal(size=(6, 2, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    _, cache = lstm_step(p, x[0], LSTMState(y=y, c=s))
    J = _state_jacobian(p, x[0], y, s)
    np.testing.assert_allclose(J, cache.f[:, :, None] * np.eye(3), atol=1e-9)
    # T steps, nothing feeding back into the gates (R = 0): ∂s_c(T)/∂s_c(0) = Π_m y^φ(m)
    p.R[:] = 0.0
    tr = lstm_trace(p, x, state0=LSTMState(y=y, c=s))
    c0 = s.copy()
    for b in range(2):
        for c in range(3):
            dsT = numerical_gradient(lambda: float(lstm_forward(p, x, LSTMState(y=y, c=c0))[1].c[-1, b, c]), c0)
            want = np.zeros_like(c0)
            want[b, c] = np.prod(tr.y_phi[:, b, c])
            np.testing.assert_allclose(dsT, want, atol=1e-9)


@pytest.mark.equations("eq-forget-bound",
                       compares="a bound: |s_c(t)| ≤ φ_max^t |s_c(0)| + 2 Σ_m φ_max^m at every step of a long random stream")
def test_the_forget_gate_bounds_the_cell_state():
    rng = np.random.default_rng(22)
    p = LSTMParams.init(5, 6, "gers2000", rng=rng, scale=1.0)
    x = rng.normal(size=(3000, 3, 5))
    s0 = rng.uniform(-30, 30, size=(3, 6))
    tr = lstm_trace(p, x, state0=LSTMState(y=np.zeros((3, 6)), c=s0))
    phi_max = tr.y_phi.max(axis=0)                       # per cell, over the whole stream (< 1)
    assert np.all(phi_max < 1)
    t = np.arange(3001)[:, None, None]
    bound = phi_max ** t * np.abs(s0) + 2 * (1 - phi_max ** t) / (1 - phi_max)
    assert np.all(np.abs(tr.s) <= bound * (1 + 1e-12))
    assert np.all(np.abs(tr.s[-1]) <= 2 / (1 - phi_max))
    # without the forget gate there is no such bound: on the same stream most cells drift past it
    p97 = LSTMParams.init(5, 6, "lstm1997", rng=np.random.default_rng(22), scale=1.0)
    s97 = lstm_trace(p97, x, state0=LSTMState(y=np.zeros((3, 6)), c=s0)).s
    assert np.mean(np.abs(s97).max(axis=0) > 2 / (1 - phi_max)) > 0.5


@pytest.mark.equations("eq-cec-random-walk",
                       compares="an identity: without an input gate s_c(t) − s_c(0) is the sum of the g(net_c); "
                                "its spread over 4000 runs is std g · √t within 5 %")
def test_an_ungated_carousel_is_a_random_walk():
    cfg = LSTMConfig.preset("lstm1997", input_gate=False)
    lay = cfg.layout(1)
    W, R, b = np.zeros((cfg.n_rows(1), 1)), np.zeros((cfg.n_rows(1), 1)), np.zeros(cfg.n_rows(1))
    W[lay["z"], 0] = 1.0                                # net_c = x(t)
    p = LSTMParams(W=W, R=R, b=b, config=cfg)
    x = np.random.default_rng(23).normal(size=(400, 4000, 1))
    tr = lstm_trace(p, x)
    steps = act.g1997(x[:, :, 0])
    np.testing.assert_allclose(tr.s[1:, :, 0], np.cumsum(steps, axis=0), rtol=1e-10, atol=1e-11)
    for t in (100, 400):
        spread = tr.s[t, :, 0].std()
        assert spread == pytest.approx(steps.std() * np.sqrt(t), rel=0.05)


# ---------------------------------------------------------------- counting weights (chapters 11 and 14)


@pytest.mark.equations("eq-complexity-w", compares="known values: W = 4H(I + H + 1) + 3H for several I, H")
@pytest.mark.parametrize("I,H", [(1, 1), (3, 2), (7, 5), (16, 16)])
def test_lstm_weight_count(I, H):
    p = LSTMParams.init(I, H, "vanilla", rng=0)
    assert count_params(p) == 4 * H * (I + H + 1) + 3 * H


@pytest.mark.equations("eq-grid-count",
                       compares="known values: the grid's N I + L(16N² + 8N) and the stack's 4H(I + H + 1) + (L − 1) 4H(2H + 1)")
@pytest.mark.parametrize("I,N,L", [(1, 1, 1), (2, 8, 2), (3, 4, 3)])
def test_grid_and_stack_weight_counts(I, N, L):
    assert count_params(GridLSTMParams.init(I, N, rng=0, n_layers=L)) == N * I + L * (16 * N ** 2 + 8 * N)
    H = N + 1
    stack = [LSTMParams.init(I if l == 0 else H, H, "NP", rng=l) for l in range(L)]
    assert count_params(stack) == 4 * H * (I + H + 1) + (L - 1) * 4 * H * (2 * H + 1)


# ---------------------------------------------------------------- chapters 16 and 17


@pytest.mark.equations("eq-ch16-window", compares="another implementation: E_n = ½ Σ_t m(t) Σ_k e_k(t)², sequence by sequence")
def test_sequence_errors_are_the_masked_half_sums_of_squares():
    rng = np.random.default_rng(30)
    batch = tasks.adding_problem(rng, 5, T=8)
    y = rng.normal(size=batch.t.shape)
    want = [0.5 * sum(batch.mask[t, b, 0] * np.sum((batch.t[t, b] - y[t, b]) ** 2) for t in range(batch.T))
            for b in range(5)]
    np.testing.assert_allclose(sequence_errors(y, batch), want, rtol=1e-12)


@pytest.mark.equations("eq-app-softmax", compares="another implementation: e^net_k / Σ_j e^net_j; positive, rows sum to 1")
def test_softmax_is_exp_over_its_sum():
    net = np.random.default_rng(31).normal(scale=4.0, size=(6, 5))
    p = losses.softmax(net)
    np.testing.assert_allclose(p, np.exp(net) / np.exp(net).sum(axis=1, keepdims=True), rtol=1e-13)
    assert np.all(p > 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)


@pytest.mark.equations("eq-app-temperature", compares="another implementation: the softmax of net / τ")
@pytest.mark.parametrize("tau", [0.25, 1.0, 3.0])
def test_temperature_divides_the_logits(tau):
    net = np.random.default_rng(32).normal(scale=2.0, size=(4, 7))
    np.testing.assert_allclose(next_char_probabilities(net, tau), losses.softmax(net / tau), rtol=1e-12)


# ---------------------------------------------------------------- chapter 11: the backward pass written out


def book_backward(p: LSTMParams, tr, dy):
    """Full BPTT of a layer of one-cell blocks with all three gates and peepholes, in the book's
    notation (chapter 11), from the end of the sequence back: ε_c(t) = −∂E/∂y^c(t) (the output's
    error plus what the next step's net inputs send back through R), then
    δ_out = f'_out h(s_c) ε_c,
    e_s(t) = ε_c y^out h'(s_c) + w_out,c δ_out(t) + e_s(t+1) y^φ(t+1) + w_in,c δ_in(t+1) + w_φ,c δ_φ(t+1),
    δ_c = g'(net_c) y^in e_s,  δ_in = f'_in g(net_c) e_s,  δ_φ = f'_φ s_c(t−1) e_s."""
    cfg = p.config
    T, B, H = dy.shape
    lay = cfg.layout(H)
    w_in, w_phi, w_out = p.P
    g_d, h_d = act.get(cfg.input_activation).deriv, act.get(cfg.output_activation).deriv
    out = {k: np.zeros((T, B, H)) for k in ("out", "s", "c", "in", "phi")}
    nxt = {k: np.zeros((B, H)) for k in ("s", "in", "phi")}
    delta_next = np.zeros((B, cfg.n_rows(H)))                  # δ of every net input at t+1
    y_phi_next = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        eps = -dy[t] + delta_next @ p.R                         # ε_c(t)
        d_out = tr.y_out[t] * (1 - tr.y_out[t]) * tr.h[t] * eps
        e_s = (eps * tr.y_out[t] * h_d(tr.s[t + 1]) + w_out * d_out
               + nxt["s"] * y_phi_next + w_in * nxt["in"] + w_phi * nxt["phi"])
        d_c = g_d(tr.net_c[t]) * tr.y_in[t] * e_s
        d_in = tr.y_in[t] * (1 - tr.y_in[t]) * tr.g[t] * e_s
        d_phi = tr.y_phi[t] * (1 - tr.y_phi[t]) * tr.s[t] * e_s
        for k, v in (("out", d_out), ("s", e_s), ("c", d_c), ("in", d_in), ("phi", d_phi)):
            out[k][t] = v
        nxt = {"s": e_s, "in": d_in, "phi": d_phi}
        y_phi_next = tr.y_phi[t]
        delta_next = np.zeros_like(delta_next)
        for k, v in (("i", d_in), ("f", d_phi), ("z", d_c), ("o", d_out)):
            delta_next[:, lay[k]] = v
    return out


@pytest.mark.equations("eq-bwd-out", "eq-bwd-state", "eq-bwd-c", "eq-bwd-gates", "eq-peep-state-error",
                       compares="another implementation: the chapter's backward equations written out, "
                                "step by step, against the deltas and state errors of full BPTT")
@pytest.mark.parametrize("preset", ["gers2002", "vanilla"])
def test_lstm_backward_is_the_chapters_backward_equations(preset):
    rng = np.random.default_rng(40)
    p = LSTMParams.init(2, 3, preset, rng=rng, scale=0.8)
    x, dy = rng.normal(size=(5, 2, 2)), rng.normal(size=(5, 2, 3))
    tr = lstm_trace(p, x, dy)
    book = book_backward(p, tr, dy)
    for name, got in (("out", tr.delta_out), ("s", tr.e_s), ("c", tr.delta_c), ("in", tr.delta_in),
                      ("phi", tr.delta_phi)):
        np.testing.assert_allclose(got, book[name], rtol=1e-10, atol=1e-13, err_msg=name)
