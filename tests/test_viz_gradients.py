"""Smoke tests for lstm_core.viz.gradients (figures and the kernel-free grid explorer)."""
import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lstm_core.viz.gradients import (error_flow_figure, grid_explorer, power_law_fit,  # noqa: E402
                                     scaling_figure)
from lstm_core.viz.widgets import figure_to_png  # noqa: E402


def test_power_law_fit_recovers_exponent():
    n = np.array([8.0, 16, 32, 64])
    k, a = power_law_fit(n, 3e-7 * n ** 4)
    assert k == pytest.approx(4.0) and a == pytest.approx(3e-7)
    with pytest.raises(ValueError, match="positive"):
        power_law_fit([1, 2], [0, 1])
    with pytest.raises(ValueError, match="equal length"):
        power_law_fit([1, 2, 3], [1, 2])


def test_scaling_figure_labels_slopes():
    n = np.array([10.0, 20, 40, 80])
    fig = scaling_figure({"RTRL": (n, n ** 4), "BPTT": (n, 5 * n ** 2)}, "n", "seconds", fit_from=20)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["RTRL (slope 4.0)", "BPTT (slope 2.0)"]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "n"
    plt.close(fig)


def test_error_flow_figure_clips_zeros():
    q = np.arange(6)
    fig = error_flow_figure(q, {"net": np.array([1, 0.5, 0.1, 0.0, 0.0, 0.0])},
                            bounds={"bound": 0.9 ** q}, title="t")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 3   # curve, bound, y = 1
    assert np.all(np.isfinite(ax.get_lines()[0].get_ydata()))
    plt.close(fig)


def _png(k):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title(str(k))
    return figure_to_png(fig, dpi=30)


def test_grid_explorer_links_every_level():
    frames = [[_png(3 * a + b) for b in range(3)] for a in range(2)]
    box = grid_explorer(frames, [("act", ["logistic", "tanh"]), ("rho", [0.5, 1, 2])], "<b>x</b>")
    assert isinstance(box, widgets.VBox)
    html, sliders, outer = box.children
    assert "lstm-stepper" in outer._dom_classes
    assert [s.options for s in sliders.children] == [(("logistic", 0), ("tanh", 1)),
                                                     (("0.5", 0), ("1", 1), ("2", 2))]
    assert len(outer.children) == 2 and all(len(c.children) == 3 for c in outer.children)
    # the Python side of the jslinks: moving a slider moves the stacks (no kernel needed on the page)
    from ipywidgets.widgets.widget import _instances
    from ipywidgets.widgets.widget_link import Link
    links = [w for w in _instances.values() if isinstance(w, Link)]
    targets = {(id(l.source[0]), id(l.target[0])) for l in links}
    assert (id(sliders.children[0]), id(outer)) in targets
    for inner in outer.children:
        assert (id(sliders.children[1]), id(inner)) in targets


def test_grid_explorer_bad_shapes():
    with pytest.raises(ValueError, match="has 3 values but 2 frames"):
        grid_explorer([_png(0), _png(1)], [("rho", [1, 2, 3])], "t")
    with pytest.raises(ValueError, match="at least one axis"):
        grid_explorer([], [], "t")


def test_error_flow_figure_into_existing_axes():
    fig, (a, b) = plt.subplots(1, 2)
    q = np.arange(4)
    assert error_flow_figure(q, {"s": 0.5 ** q}, ax=b) is fig
    assert len(b.get_lines()) == 2 and len(a.get_lines()) == 0
    plt.close(fig)


def test_factor_figure_draws_both_panels_with_bounds():
    from lstm_core.viz.gradients import factor_figure
    w = np.geomspace(0.25, 200, 20)
    u = np.geomspace(0.25, 64, 5)
    fig = factor_figure(w, {0.2: w * 0.1}, u, {"logistic": u / 8, "tanh": u / 2},
                        slopes={"logistic": 0.25, "tanh": 1.0})
    left, right = fig.axes
    assert left.get_xscale() == "log" and right.get_yscale() == "log"
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == ["logistic: measured", "logistic: bound 0.25·w", "tanh: measured", "tanh: bound 1·w"]
    bound = right.get_lines()[1]
    assert np.allclose(bound.get_ydata(), 0.25 * u) and bound.get_color() == right.get_lines()[0].get_color()
    plt.close(fig)
    with pytest.raises(ValueError, match="same activations"):
        factor_figure(w, {0.2: w}, u, {"tanh": u}, slopes={"logistic": 0.25})


def test_truncation_figure_compares_the_two_gradients():
    from lstm_core.viz.gradients import truncation_figure
    scales = np.linspace(0, 1.5, 4)
    fig = truncation_figure(np.ones(20), np.ones(20) * 0.5, scales, scales / 2, 1 - scales / 10)
    left, right = fig.axes
    assert len(left.get_lines()) == 2 and list(left.get_lines()[0].get_xdata()) == list(range(1, 21))
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["full BPTT", "truncated"]
    assert np.allclose(right.get_lines()[1].get_ydata(), 1 - scales / 10)
    plt.close(fig)
    with pytest.raises(ValueError, match="one length"):
        truncation_figure(np.ones(20), np.ones(19), scales, scales, scales)
