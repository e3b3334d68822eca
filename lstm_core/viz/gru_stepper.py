"""The GRU cell stepper: the LSTM cell stepper of Chapter 11, run on a GRU (Chapter 15).

A GRU step, y(t) = u ⊙ y(t−1) + (1 − u) ⊙ ỹ with ỹ = tanh(W_c x + U_c (r ⊙ y(t−1)) + b_c), is
the LSTM cell update s_c(t) = y^φ s_c(t−1) + y^in g(net_c) with

* the forget gate y^φ = u and the input gate **coupled** to it, y^in = 1 − u (Greff et al.'s
  CIFG variant),
* g = tanh, no output gate and no output squashing (h = identity): the state is the output,
* one extra gate, the reset gate r, inside the candidate's net input.

:func:`gru_as_lstm_trace` writes a GRU run in exactly those terms, as an
:class:`~lstm_core.lstm.LSTMTrace` of the configuration :data:`GRU_AS_LSTM`, so that the LSTM
stepper (:mod:`lstm_core.viz.lstm_stepper`) draws it unchanged: the cell diagram with the
numbers of the step, the table of all units, the strip of the states. :func:`gru_stepper` adds
the reset gate to each frame's title and renders the frames into a kernel-free
:func:`~lstm_core.viz.widgets.frame_stepper`.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import _validate as V
from ..gru import GRUParams, gru_forward
from ..lstm import LSTMConfig, LSTMTrace
from .lstm_stepper import MAX_FRAMES, cell_step_figure
from .widgets import frame_stepper, render_frames

__all__ = ["GRU_AS_LSTM", "gru_as_lstm_trace", "gru_step_figure", "gru_stepper"]

#: the LSTM configuration a GRU step matches: coupled input and forget gate, no output gate,
#: no peepholes, g = tanh, h = identity
GRU_AS_LSTM = LSTMConfig(input_gate=True, forget_gate=True, output_gate=False, peepholes=False,
                         input_activation="tanh", output_activation="identity",
                         coupled_input_forget=True)


def gru_as_lstm_trace(params: GRUParams, x, h0=None) -> tuple[LSTMTrace, np.ndarray]:
    """Run a GRU over ``x`` and return the run as an LSTM trace, plus the reset gates (Chapter 15).

    Parameters
    ----------
    params : GRUParams
    x : ndarray (T, B, I)
    h0 : ndarray (B, H), optional
        Initial state y(0) (zeros if omitted).

    Returns
    -------
    trace : LSTMTrace
        Of :data:`GRU_AS_LSTM`: ``y_phi`` = u, ``y_in`` = 1 − u, ``net_c`` the candidate's net
        input W_c x + U_c (r ⊙ y(t−1)) + b_c, ``g`` = ỹ, ``s`` = ``y`` the states (T+1, B, H),
        ``h`` = y(t); no output gate.
    r : ndarray (T, B, H)
        The reset gates, which have no LSTM counterpart.
    """
    h_all, cache = gru_forward(params, x, h0)
    H = params.n_hidden
    states = cache.h                                     # (T+1, B, H), states[0] = y(0)
    net_c = (cache.x @ params.W[2 * H:].T + params.b[2 * H:]
             + (cache.r * states[:-1]) @ params.U[2 * H:].T)
    u = cache.u
    trace = LSTMTrace(x=cache.x, y_in=1.0 - u, y_phi=u, y_out=None, net_in=None, net_phi=None,
                      net_out=None, net_c=net_c, g=cache.c, s=states, h=states[1:].copy(), y=states)
    return trace, cache.r


def _frame_title(r: np.ndarray, t: int, b: int, cell: int) -> str:
    return f"GRU unit {cell}: y^φ = u, y^in = 1 − u, s_c = y;  reset gate r = {float(r[t, b, cell]):.2f}"


def gru_step_figure(trace: LSTMTrace, r, t: int, *, b: int = 0, cell: int = 0,
                    figsize=(8.0, 4.2)) -> Figure:
    """One frame of the GRU stepper: the LSTM stepper's frame with the reset gate in the title.

    Parameters
    ----------
    trace, r
        From :func:`gru_as_lstm_trace`.
    t : int
        Code time index 0 … T−1.
    b, cell : int
        Sequence of the batch and unit shown on the diagram.
    figsize : (float, float)
    """
    r = V.float_array("r", r, ndim=3, shape=trace.g.shape)
    T, B, H = r.shape
    for name, v, n in (("t", t, T), ("b", b, B), ("cell", cell, H)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= v < n:
            raise ValueError(f"{name}: expected an int in [0, {n}), got {v!r}")
    return cell_step_figure(trace, int(t), GRU_AS_LSTM, b=b, cell=cell, figsize=figsize,
                            title=_frame_title(r, int(t), b, cell))


def gru_stepper(params: GRUParams, x, *, h0=None, b: int = 0, cell: int = 0, steps=None,
                dpi: int = 80, title: str = "", figsize=(8.0, 4.2)):
    """A kernel-free stepper over the time steps of a GRU run (Chapter 15).

    Parameters
    ----------
    params : GRUParams
    x : ndarray (T, B, I)
    h0 : ndarray (B, H), optional
    b, cell : int
        Sequence and unit drawn on the diagram.
    steps : sequence of int, optional
        Code time indices to show (default all, at most :data:`~lstm_core.viz.lstm_stepper.MAX_FRAMES`).
    dpi : int
    title : str
        HTML above the controls.
    figsize : (float, float)

    Returns
    -------
    ipywidgets.VBox
    """
    trace, r = gru_as_lstm_trace(params, x, h0)
    T = trace.x.shape[0]
    steps = list(range(T)) if steps is None else [int(s) for s in steps]
    if not steps or len(steps) > MAX_FRAMES:
        raise ValueError(f"steps: expected 1 to {MAX_FRAMES} frames, got {len(steps)} "
                         "(pass steps= to choose fewer)")
    frames = render_frames(lambda k: gru_step_figure(trace, r, steps[k], b=b, cell=cell, figsize=figsize),
                           len(steps), dpi=dpi)
    return frame_stepper(frames, title, description="frame", labels=[f"<code>t = {s + 1}</code>" for s in steps])
