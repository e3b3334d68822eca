"""Smoke tests for lstm_core.viz.rnn: the drawings render from a real net, the stepper has
2T+2 frames, and the accumulated gradient ends at BPTT's gradient."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lstm_core import rnn  # noqa: E402
from lstm_core.viz import rnn as vr  # noqa: E402


@pytest.fixture(scope="module")
def net_and_trace():
    rng = np.random.default_rng(0)
    params = rnn.RNNParams.init(2, 3, rng, scale=1.0, bias_scale=0.3)
    x = rng.normal(size=(3, 2, 2))
    y, cache = rnn.rnn_forward(params, x)
    dy = y - rng.normal(size=y.shape)
    return params, rnn.bptt_trace(params, cache, dy)


def test_accumulated_gradient_ends_at_the_bptt_gradient(net_and_trace):
    params, trace = net_and_trace
    G = vr.accumulated_gradient(params, trace)
    n, I = params.n_units, params.n_in
    assert G.shape == (4, n, n + I + 1)
    np.testing.assert_allclose(G[0][:, :n], trace.grads.W_rec, atol=1e-12)
    np.testing.assert_allclose(G[0][:, n:n + I], trace.grads.W_in, atol=1e-12)
    np.testing.assert_allclose(G[0][:, -1], trace.grads.b, atol=1e-12)
    assert np.all(G[-1] == 0)


def test_frames_render_and_count(net_and_trace):
    params, trace = net_and_trace
    assert vr.bptt_frame_count(3) == 8
    labels = vr.bptt_frame_labels(params, trace)
    assert len(labels) == 8 and "δ(3)" in labels[4] and "y(3)" in labels[3]
    for k in (0, 3, 7):
        fig = vr.draw_bptt_frame(params, trace, k)
        assert len(fig.axes) == 2
        plt.close(fig)
    with pytest.raises(ValueError, match="frame index"):
        vr.draw_bptt_frame(params, trace, 8)


def test_stepper_holds_one_image_per_frame(net_and_trace):
    params, trace = net_and_trace
    y, cache = rnn.rnn_forward(params, trace.x[:1])                  # T = 1 keeps the test fast
    short = rnn.bptt_trace(params, cache, y - 0.3)
    box = vr.bptt_stepper(params, short, dpi=30)
    stacks = [c for c in box.children if "lstm-stepper" in getattr(c, "_dom_classes", ())]
    assert len(stacks) == 1 and len(stacks[0].children) == vr.bptt_frame_count(1) == 4
    assert len({img.value for img in stacks[0].children}) == 4      # every frame differs


def test_rolled_and_unrolled_draw(net_and_trace):
    params, trace = net_and_trace
    fig, (a, b) = plt.subplots(1, 2)
    vr.draw_rolled(a, params)
    vr.draw_unrolled(b, params, trace.x, trace.y, trace.y0, delta=trace.delta)
    assert len(b.get_xticks()) == 4            # columns t = 0 … T
    plt.close(fig)


def test_bad_inputs_are_named(net_and_trace):
    params, trace = net_and_trace
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="x"):
        vr.draw_unrolled(ax, params, trace.x[:, :, :1], trace.y)            # I = 1, net has 2 inputs
    with pytest.raises(ValueError, match="y"):
        vr.draw_unrolled(ax, params, trace.x, trace.y[..., :2])             # 2 units, net has 3
    with pytest.raises(ValueError, match="b: expected a sequence index"):
        vr.draw_unrolled(ax, params, trace.x, trace.y, b=5)
    with pytest.raises(TypeError, match="RNNParams"):
        vr.draw_unrolled(ax, "net", trace.x, trace.y)
    with pytest.raises(TypeError, match="BPTTTrace"):
        vr.draw_bptt_frame(params, {"y": trace.y}, 0)
    y, cache = rnn.rnn_forward(params, np.zeros((20, 1, 2)))
    with pytest.raises(ValueError, match="at most T = 19"):
        vr.bptt_stepper(params, rnn.bptt_trace(params, cache, y))
    plt.close(fig)
