"""lstm_core.viz.gru_stepper and lstm_core.viz.rtrl_stepper (Chapters 15 and 6): the traces hold
the right numbers (a GRU run written as a coupled-gate LSTM cell; RTRL's sensitivities, checked
against finite differences), the steppers hold one frame per step, bad inputs are refused."""
import matplotlib
import matplotlib.patches

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core import gradcheck  # noqa: E402
from lstm_core.gru import GRUParams, gru_forward  # noqa: E402
from lstm_core.rnn import RNNParams, rnn_forward  # noqa: E402
from lstm_core.viz.gru_stepper import (GRU_AS_LSTM, gru_as_lstm_trace, gru_step_figure,  # noqa: E402
                                       gru_stepper)
from lstm_core.viz.rtrl_stepper import rtrl_step_figure, rtrl_stepper, rtrl_trace  # noqa: E402


def _gru(T=5, B=2, seed=0):
    rng = np.random.default_rng(seed)
    p = GRUParams.init(2, 3, rng=rng)
    p.b[:] = rng.uniform(-1, 1, p.b.shape)
    return p, rng.normal(size=(T, B, 2))


def test_gru_trace_is_the_coupled_gate_cell_update():
    p, x = _gru()
    tr, r = gru_as_lstm_trace(p, x)
    h, cache = gru_forward(p, x)
    assert np.allclose(tr.y[1:], h) and np.allclose(tr.s, cache.h)
    # s_c(t) = y^φ s_c(t−1) + y^in g(net_c): the LSTM cell update reproduces the GRU state
    assert np.allclose(tr.y_phi * tr.s[:-1] + tr.y_in * tr.g, tr.s[1:], atol=1e-14)
    assert np.allclose(tr.y_in + tr.y_phi, 1.0)
    assert np.allclose(np.tanh(tr.net_c), tr.g, atol=1e-14)
    assert np.array_equal(r, cache.r)
    assert GRU_AS_LSTM.coupled_input_forget and not GRU_AS_LSTM.output_gate


def test_gru_frame_and_stepper():
    p, x = _gru()
    tr, r = gru_as_lstm_trace(p, x)
    fig = gru_step_figure(tr, r, 2, b=1, cell=2)
    assert f"r = {r[2, 1, 2]:.2f}" in fig._suptitle.get_text()
    plt.close(fig)
    box = gru_stepper(p, x, dpi=30, figsize=(5, 3))
    stack = box.children[-1]
    assert len(stack.children) == x.shape[0]
    assert [c.value for c in box.children[2].children] == [f"<code>t = {t + 1}</code>" for t in range(5)]


def test_gru_bad_input():
    p, x = _gru()
    tr, r = gru_as_lstm_trace(p, x)
    with pytest.raises(ValueError, match="t"):
        gru_step_figure(tr, r, 5)
    with pytest.raises(ValueError, match="cell"):
        gru_step_figure(tr, r, 0, cell=3)
    with pytest.raises(ValueError, match="r"):
        gru_step_figure(tr, r[:, :, :2], 0)
    with pytest.raises(ValueError, match="steps"):
        gru_stepper(p, x, steps=[])
    with pytest.raises(ValueError, match="x"):
        gru_as_lstm_trace(p, x[:, :, :1])


def _rnn(n=3, T=6, seed=0):
    rng = np.random.default_rng(seed)
    p = RNNParams.init(1, n, rng, scale=1.2, bias_scale=0.5)
    return p, rng.normal(size=(T, 1))


def test_rtrl_trace_sensitivities_are_derivatives():
    p, x = _rnn()
    tr = rtrl_trace(p, x)
    y, _ = rnn_forward(p, x[:, None, :])
    assert np.allclose(tr.y, y[:, 0])
    n, t, k = 3, 4, 1
    # p[t, k, i, j] = ∂y^k(t)/∂w_ij with W = [W_rec | W_in | b]: check the W_in and b columns
    for name, cols in (("W_in", slice(n, n + 1)), ("b", slice(n + 1, n + 2))):
        arr = getattr(p, name)

        def f():
            return float(rnn_forward(p, x[:, None, :])[0][t, 0, k])

        num = gradcheck.numerical_gradient(f, arr)
        ours = tr.p[t, k][:, cols].reshape(num.shape)
        assert gradcheck.relative_error(ours, num) < 1e-7
    num = gradcheck.numerical_gradient(lambda: float(rnn_forward(p, x[:, None, :])[0][t, 0, k]), p.W_rec)
    assert gradcheck.relative_error(tr.p[t, k][:, :n], num) < 1e-7


def test_rtrl_sensitivities_fill_in():
    p, x = _rnn()
    tr = rtrl_trace(p, x)
    n = 3
    first = tr.p[0]                     # after step 1: only the direct term δ_ik z_j
    for k in range(n):
        assert not np.any(np.delete(first[k], k, axis=0))
        assert np.any(first[k, k])
    assert np.count_nonzero(tr.p[-1]) > np.count_nonzero(first)


def test_rtrl_frame_and_stepper():
    p, x = _rnn()
    tr = rtrl_trace(p, x)
    fig = rtrl_step_figure(tr, 0)
    assert "t = 1" in fig._suptitle.get_text() and "sensitivities" in fig._suptitle.get_text()
    plt.close(fig)
    box = rtrl_stepper(p, x, steps=[0, 2, 4], dpi=30, figsize=(5, 3))
    assert len(box.children[-1].children) == 3


def test_rtrl_bad_input():
    p, x = _rnn()
    tr = rtrl_trace(p, x)
    with pytest.raises(ValueError, match="t"):
        rtrl_step_figure(tr, 6)
    with pytest.raises(TypeError, match="trace"):
        rtrl_step_figure("trace", 0)
    with pytest.raises(ValueError, match="x"):
        rtrl_trace(p, x[:, None, :])
    with pytest.raises(ValueError, match="x"):
        rtrl_trace(p, np.zeros((0, 1)))
    big = RNNParams.init(1, 7, np.random.default_rng(0))
    with pytest.raises(ValueError, match="6 units"):
        rtrl_stepper(big, x)
    with pytest.raises(TypeError, match="params"):
        rtrl_stepper("net", x)
    with pytest.raises(ValueError, match="steps"):
        rtrl_stepper(p, x, steps=list(range(41)))


def test_step_graph_marks_exactly_the_cut_edges():
    from lstm_core.viz.truncation import STEP_EDGES, STEP_NODES, draw_step_graph
    assert all(a in STEP_NODES and b in STEP_NODES for a, b, _ in STEP_EDGES)
    cut = {(a, b) for a, b, k in STEP_EDGES if k == "cut"}
    # the recurrent connections and the peepholes, nothing inside the cell
    assert ("y_prev", "net_c") in cut and ("s_prev", "net_in") in cut and ("s", "net_out") in cut
    assert ("s_prev", "s") not in cut and ("y_in", "s") not in cut
    n_scissors = {}
    for truncated in (True, False):
        fig, ax = plt.subplots()
        draw_step_graph(ax, truncated=truncated)
        n_scissors[truncated] = sum(t.get_text() == "✂" for t in ax.texts)
        plt.close(fig)
    assert n_scissors == {True: len(cut), False: 0}
    with pytest.raises(TypeError, match="truncated"):
        draw_step_graph(plt.gca(), truncated="yes")


def test_influence_and_grid_order_figures():
    from lstm_core.viz.context import grid_order, grid_order_figure, influence_figure
    fig = influence_figure(np.array([0.0, 0.0, 1.0, 0.5]), np.array([0.2, 0.3, 1.0, 0.0]), 2)
    assert any("t = 3" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
    assert grid_order(2, 3) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    fig = grid_order_figure(3, 2, 3)                # block (t=2, l=2): arrows from (1,2) and (2,1)
    ax = fig.axes[0]
    assert sum(isinstance(p, matplotlib.patches.FancyArrowPatch) for p in ax.patches) == 2
    plt.close(fig)
    fig = grid_order_figure(3, 2, 0)                # the first block needs nothing computed before
    assert sum(isinstance(p, matplotlib.patches.FancyArrowPatch) for p in fig.axes[0].patches) == 0
    plt.close(fig)
    with pytest.raises(ValueError, match="tau"):
        influence_figure(np.zeros(3), np.zeros(3), 3)
    with pytest.raises(ValueError, match="change_bwd"):
        influence_figure(np.zeros(3), np.zeros(4), 0)
    with pytest.raises(ValueError, match="k"):
        grid_order_figure(2, 2, 4)
    with pytest.raises(ValueError, match="T"):
        grid_order(0, 2)
