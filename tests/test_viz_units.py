"""Smoke tests for lstm_core.viz.units (Chapters 2-3 pictures): they draw, frames are PNGs of
one size, and what is drawn comes from the weights given."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core import ffnn, perceptron  # noqa: E402
from lstm_core.tasks import truth_table  # noqa: E402
from lstm_core.viz import units as vu  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_line_boundary_passes_through_zero_net_and_shades_the_positive_side():
    fig, ax = plt.subplots()
    w, b = np.array([1.0, 2.0]), -1.0
    vu.draw_line_boundary(ax, w, b, xlim=(-1, 2), ylim=(-1, 2))
    xs, ys = ax.lines[0].get_data()
    np.testing.assert_allclose(w[0] * np.asarray(xs) + w[1] * np.asarray(ys) + b, 0.0, atol=1e-12)
    side = ax.get_images()[0].get_array()
    assert side[-1, -1] == 1 and side[0, 0] == 0   # top right: net > 0; bottom left: net < 0


def test_vertical_line_and_zero_weights():
    fig, ax = plt.subplots()
    vu.draw_line_boundary(ax, [2.0, 0.0], -1.0)          # the line x_1 = 0.5
    np.testing.assert_allclose(ax.lines[0].get_data()[0], 0.5)
    fig, ax = plt.subplots()
    vu.draw_line_boundary(ax, [0.0, 0.0], 0.3)           # no line, all of the plane positive
    assert not ax.lines
    assert np.all(ax.get_images()[0].get_array() == 1)


def test_bad_shapes_are_reported():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"w: expected shape \(2,\)"):
        vu.draw_line_boundary(ax, [1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match=r"x: expected shape \(D, 2\)"):
        vu.plot_patterns(ax, np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"t: expected shape \(4,\)"):
        vu.plot_patterns(ax, np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="predict: expected"):
        vu.draw_surface(ax, lambda pts: np.zeros(3))
    with pytest.raises(ValueError, match="equally many"):
        vu.perceptron_epoch_figure([truth_table("and")], [], 0)
    with pytest.raises(ValueError, match="at least one"):
        vu.surface_frames([], np.zeros((4, 2)), np.zeros(4), np.ones(3))


def test_surface_shows_the_network_output():
    p = ffnn.init_ffnn([2, 3, 1], "logistic", seed=0, scale=3.0)
    fig, ax = plt.subplots()
    image = vu.draw_surface(ax, lambda pts: ffnn.ffnn_forward(p, pts).output, resolution=11)
    z = image.get_array()
    corner = ffnn.ffnn_forward(p, np.array([[-0.5, -0.5]])).output[0, 0]
    assert z.shape == (11, 11)
    assert z[0, 0] == pytest.approx(corner)


def test_perceptron_frames_are_equal_sized_pngs_that_change_while_learning():
    tables = [truth_table(n, targets="bipolar") for n in ("and", "xor")]
    hists = [perceptron.train_perceptron(t.x, t.t, alpha=0.25, epochs=4, w0=np.array([0.5, -0.25]),
                                         b0=0.125) for t in tables]
    frames = vu.perceptron_epoch_frames(tables, hists, 3, dpi=40)
    assert len(frames) == 3 and all(f.startswith(PNG) for f in frames)
    assert len({_png_size(f) for f in frames}) == 1
    assert frames[0] != frames[1]
    fig = vu.perceptron_epoch_figure(tables, hists, 2)
    assert "epoch 2" in fig.axes[0].get_title()


def test_surface_frames_follow_the_snapshots():
    xor = truth_table("xor")
    nets = [ffnn.init_ffnn([2, 2, 1], "logistic", seed=s, scale=3.0) for s in range(3)]
    snaps = [(10 * k, (lambda q: lambda pts: ffnn.ffnn_forward(q, pts).output)(q),
              [(q.W[0][j], q.b[0][j]) for j in range(2)]) for k, q in enumerate(nets)]
    frames = vu.surface_frames(snaps, xor.x, xor.t, np.geomspace(1, 0.01, 30), dpi=40,
                               resolution=21)
    assert len(frames) == 3 and all(f.startswith(PNG) for f in frames)
    assert len({_png_size(f) for f in frames}) == 1
    assert len(set(frames)) == 3
    fig = vu.surface_figure(snaps[0][1], xor.x, xor.t)           # without a loss curve
    assert len(fig.axes) == 2                                      # surface + colour bar
