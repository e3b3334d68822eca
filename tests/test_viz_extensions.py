"""Tests for lstm_core.viz.extensions (figures of Chapters 13-15)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core.viz.extensions import depth_norms, learning_curves, seed_strip  # noqa: E402


def test_seed_strip_draws_one_dot_per_seed():
    fig, ax = plt.subplots()
    seed_strip(ax, {"a": [0.1, 0.2, 0.3], "b": [0.5]}, "loss", log=True, reference=0.25,
               reference_label="chance")
    dots = sum(len(c.get_offsets()) for c in ax.collections)
    assert dots == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        seed_strip(ax, {}, "loss")
    with pytest.raises(ValueError, match="non-empty"):
        seed_strip(ax, {"a": []}, "loss")


def test_learning_curves_median_and_seeds():
    fig, ax = plt.subplots()
    rng = np.random.default_rng(0)
    learning_curves(ax, {"A": [rng.random(50), rng.random(50)], "B": [rng.random(40)]}, smooth=5)
    assert len(ax.lines) == 2 + 1 + 1 + 1
    assert len(ax.lines[2].get_xdata()) == 46
    assert "median of 2" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_xlabel() == "training step"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        learning_curves(ax, {})


def test_depth_norms():
    fig, ax = plt.subplots()
    depth_norms(ax, {"grid": [1, 2, 3], "stacked": [0.1, 1, 3]})
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        depth_norms(ax, {})
