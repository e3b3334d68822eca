"""Figures of Chapters 17-18 (lstm_core.viz.applications): correct numbers, labelled axes."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core.viz import applications as vizapp  # noqa: E402


def test_moving_average():
    v = np.array([1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(vizapp.moving_average(v, 2), [1.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(vizapp.moving_average(v, 10), [1.0, 2.0, 3.0, 4.0])


def test_training_curve_is_labelled_and_scaled():
    fig, ax = plt.subplots()
    vizapp.plot_training_curve(ax, [2.0, 1.0], eval_steps=[2], eval_losses=[1.5], scale=0.5, window=1)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.5])
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0.75])
    plt.close(fig)


def test_text_figure_wraps_and_cuts():
    fig = vizapp.text_figure("word " * 100, "title", width=20, lines=3)
    body = fig.texts[1].get_text().split("\n")
    assert len(body) == 3 and all(len(line) <= 20 for line in body)
    plt.close(fig)


def test_cell_text_places_every_character():
    fig, ax = plt.subplots()
    vizapp.plot_cell_text(ax, "ab\nc", [0.1, -0.2, 0.3, 0.4], width=3)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "⏎", "c"]
    plt.close(fig)


def test_error_flow_floor_and_labels():
    fig, ax = plt.subplots()
    vizapp.plot_error_flow(ax, {"net": [1.0, 0.0, 1e-3]}, floor=1e-9)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 1e-9, 1e-3])
    assert ax.get_yscale() == "log" and ax.get_xlabel().startswith("lag")
    plt.close(fig)


@pytest.mark.parametrize("window", [1, 5])
def test_moving_average_of_constant_is_constant(window):
    np.testing.assert_allclose(vizapp.moving_average(np.full(7, 2.5), window), 2.5)
