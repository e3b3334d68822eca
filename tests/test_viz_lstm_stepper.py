"""lstm_core.viz.lstm_stepper: frames draw the trace's numbers, steppers hold one frame per step,
bad inputs are refused with a message."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_core.lstm import LSTMConfig, LSTMParams, lstm_trace  # noqa: E402
from lstm_core.viz.lstm_stepper import (MAX_FRAMES, cell_step_figure, cell_stepper,  # noqa: E402
                                        draw_cell_table, draw_cell_values)


def _trace(config="vanilla", H=3, T=4, dy=True, seed=0):
    cfg = LSTMConfig.preset(config) if isinstance(config, str) else config
    rng = np.random.default_rng(seed)
    p = LSTMParams.init(2, H, cfg, rng=rng)
    x = rng.normal(size=(T, 2, 2))
    return lstm_trace(p, x, rng.normal(size=(T, 2, H)) if dy else None), cfg


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_forward_values_are_the_trace_values():
    tr, cfg = _trace()
    step = tr.step(2)
    fig, ax = plt.subplots()
    draw_cell_values(ax, step, cfg, b=1, cell=2)
    texts = _texts(ax)
    assert f"{step['y_in'][1, 2]:.2f}" in texts
    assert f"{step['y'][1, 2]:+.2f}" in texts
    assert f"{step['s_prev'][1, 2]:+.2f} → {step['s'][1, 2]:+.2f}" in texts
    plt.close(fig)


def test_backward_values_and_blocks():
    cfg = LSTMConfig.preset("gers2002", block_size=2)
    tr, cfg = _trace(cfg, H=4)
    step = tr.step(1)
    fig, ax = plt.subplots()
    draw_cell_values(ax, step, cfg, cell=3, mode="backward")     # cell 3 is in block 1
    texts = _texts(ax)
    assert f"δ_in = {step['delta_in'][0, 1]:+.2g}" in texts
    assert f"e_s = {step['e_s'][0, 3]:+.2g}" in texts
    _, ax_new = plt.subplots()
    ax2 = draw_cell_table(ax_new, step, cfg, mode="backward")
    assert len(ax2.texts) == 5 * 4                              # 5 rows × 4 cells
    plt.close("all")


def test_table_skips_absent_gates():
    tr, cfg = _trace("lstm1997")
    fig, ax = plt.subplots()
    draw_cell_table(ax, tr.step(0), cfg)
    assert len(ax.get_yticklabels()) == 5                       # no forget gate row
    plt.close(fig)


def test_figure_and_stepper():
    tr, cfg = _trace(T=3)
    fig = cell_step_figure(tr, 2, cfg, mode="backward")
    assert "t = 3" in fig._suptitle.get_text()
    plt.close(fig)
    box = cell_stepper(tr, cfg, dpi=30, figsize=(4, 2))
    stack = box.children[-1]
    assert len(stack.children) == 3 and "lstm-stepper" in stack._dom_classes
    labels = box.children[-2]
    back = cell_stepper(tr, cfg, mode="backward", dpi=30, figsize=(4, 2))
    assert back.children[-2].children[0].value == "<code>t = 3</code>"   # backward starts at T
    assert labels.children[0].value == "<code>t = 1</code>"


def test_bad_inputs():
    tr, cfg = _trace(dy=False)
    with pytest.raises(ValueError, match="backward mode needs deltas"):
        cell_step_figure(tr, 0, cfg, mode="backward")
    with pytest.raises(ValueError, match="mode"):
        cell_step_figure(tr, 0, cfg, mode="sideways")
    with pytest.raises(ValueError, match="t: expected an int in"):
        cell_step_figure(tr, 4, cfg)
    with pytest.raises(ValueError, match="cell: expected an int in"):
        cell_step_figure(tr, 0, cfg, cell=-1)
    with pytest.raises(TypeError, match="LSTMTrace"):
        cell_step_figure("trace", 0, cfg)
    with pytest.raises(TypeError, match="LSTMConfig"):
        cell_step_figure(tr, 0, 3)
    long_tr, _ = _trace(T=MAX_FRAMES + 1, dy=False)
    with pytest.raises(ValueError, match="frames"):
        cell_stepper(long_tr, cfg)
    plt.close("all")
