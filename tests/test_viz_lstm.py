"""Smoke tests for lstm_core.viz.lstm: every drawing runs for every configuration and draws."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core.lstm import PRESETS, LSTMConfig, LSTMParams, lstm_trace  # noqa: E402
from lstm_core.viz.lstm import draw_cell, plot_gates, plot_states  # noqa: E402


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_draw_cell_every_preset(name):
    fig, ax = plt.subplots()
    assert draw_cell(ax, name) is ax
    n_patches = len(ax.patches)
    assert n_patches >= 5
    plt.close(fig)


def test_draw_cell_parts_follow_config():
    fig, (a, b) = plt.subplots(1, 2)
    draw_cell(a, "lstm1997")
    draw_cell(b, "gers2002")
    assert len(b.patches) > len(a.patches)          # forget gate, peepholes
    assert "peepholes" in b.get_title()
    plt.close(fig)
    with pytest.raises(TypeError, match="LSTMConfig"):
        draw_cell(plt.gca(), 3)
    with pytest.raises(ValueError, match="preset"):
        draw_cell(plt.gca(), "nope")
    plt.close("all")


def test_plot_states():
    fig, ax = plt.subplots()
    s = np.cumsum(np.random.default_rng(0).normal(size=(50, 30)), axis=0)
    plot_states(ax, s, runs=5, envelope=1.0)
    assert len(ax.lines) == 5 + 1 + 2
    plot_states(ax, s[:, 0])
    with pytest.raises(ValueError, match="shape"):
        plot_states(ax, np.zeros((0, 3)))
    plt.close(fig)


@pytest.mark.parametrize("name", ["lstm1997", "gers2002", "NOG"])
def test_plot_gates(name):
    p = LSTMParams.init(2, 2, LSTMConfig.preset(name), rng=0)
    tr = lstm_trace(p, np.random.default_rng(1).normal(size=(7, 2, 2)))
    fig, ax = plt.subplots()
    ax2 = plot_gates(ax, tr, b=1, cell=1)
    n_gates = sum(g is not None for g in (tr.y_in, tr.y_phi, tr.y_out))
    assert len(ax.lines) == n_gates and len(ax2.lines) == 1
    assert plot_gates(ax, tr, state=False) is ax
    plt.close(fig)
