"""Property-based fuzz of lstm_core's public API with malformed inputs (issue 16).

Every public callable (each module's ``__all__``; modules without one: the public names they
define) has an entry in :data:`CASES` — a factory of one *valid* call — or an entry in
:data:`NOT_FUZZED` with the reason. :func:`test_public_list_is_complete` fails when a new
public name has neither.

For each case hypothesis picks one argument of the valid call (a top-level array or scalar,
or an array field of a parameter / batch / state object passed in) and one way to break it:

* wrong dtype (int, object, complex, bool, the other float dtype), NaN, ±inf;
* Python lists and ragged nested lists; ``None`` for a required argument;
* empty axes (B = 0, T = 0, K = 0: one policy, rejected — see ``lstm_core/_checks.py``);
* wrong shapes: one axis longer, an axis dropped or set to 1, an axis added — the shapes
  that broadcast silently, among them the (T, B) mask where (T, B, 1) is expected with
  T = B = K;
* huge values (1e200 … 1e308; float32: 1e30 … 1e38);
* bad scalars: seeds -1 / "abc" / 1.5, sizes -1 / 2.5 / "3", rates NaN / inf, unknown names,
  non-float dtypes; caches made under another configuration.

The call must then either raise ``ValueError``/``TypeError`` whose message names the broken
argument, or return a result whose arrays are finite with the dtype (and, unless the broken
argument is one that sets a size, the shape) of the valid call's result. Kinds that can only
be wrong (NaN, ragged, empty, wrong shape of an argument whose shape is fixed by the others,
bad seeds …) must raise. Everything runs with warnings as errors, so an overflow warning or
a NumPy deprecation fails; an exception of any other type (IndexError, AttributeError,
FloatingPointError, numpy's AxisError …) fails.

Known gaps. Some public functions still fail the property. A few are not bugs but cases the
property cannot tell from valid calls (a resized gradient given to ``optim.global_norm`` and the
clipping functions without ``params``; a ``W_in`` of another input size given to ``rnn.RTRL``,
which sees no input). The fingerprinted modules (``trials``, ``hs97``, ``tasks/batch``,
``tasks/longlag``, ``tasks/reber``, ``_validate``, and ``lstm``, ``rnn``, ``readout``, ``models``,
``bidirectional``, ``grid``, ``optim``, ``activations``, ``lstm_truncated``, ``train``,
``tasks/lookahead``, ``tasks/spike_train``) have no gaps left; the checks leave every result on
valid input unchanged to the bit (``tests/test_validation_equivalence.py``).
:data:`KNOWN_GAPS` lists the gaps as (argument, kind) per case; the property test leaves them
out, and :func:`test_known_gaps_are_still_there` is a strict expected failure per case that
names the reason — and a real failure once a listed gap is fixed, so the list cannot go stale.

NaN / inf in network outputs. The success criteria judge outputs ``y``; a NaN or inf there is
a diverged network's output, not an input error, so it is judged wrong (cases with
``nonfinite_ok``), and ``tasks.batch.check_outputs``, the validator they share, returns it
unchanged (``echoes``).
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_core
from lstm_core import (activations, bidirectional, charlm, errorflow, experiments, ffnn,
                       grid, gru, hs97, losses, lstm, lstm_truncated, models, optim, output_gate,
                       perceptron, readout, rnn, train, trials, truncated_training)
from lstm_core.tasks import batch as tbatch
from lstm_core.tasks import continual, logic, longlag, lookahead, memory, reber, spike_train, timing

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

T = B = K = 3          # T = B = K: a (T, B) mask broadcasts against (T, B, K) unnoticed
I, H = 2, 3

# --------------------------------------------------------------------------- the public list

#: packages whose public names are figures / widgets or exercise checkers, not numerical
#: entry points; they are not walked (their inputs are the library's own results or a
#: reader's function, and they are tested by their own test files)
SKIPPED_PACKAGES = {
    "lstm_core.viz": "matplotlib figures and widgets of the library's own results (tests/test_viz_*)",
    "lstm_core.checks": "exercise checkers that call a reader's function (tests/test_checks_*)",
}


def public_names() -> set[str]:
    out = set()
    for m in pkgutil.walk_packages(lstm_core.__path__, "lstm_core."):
        if any(m.name == p or m.name.startswith(p + ".") for p in SKIPPED_PACKAGES):
            continue
        if any(part.startswith("_") for part in m.name.split(".")):
            continue
        mod = importlib.import_module(m.name)
        names = getattr(mod, "__all__", None)
        if names is None:
            names = [n for n, o in vars(mod).items() if not n.startswith("_")
                     and (inspect.isfunction(o) or inspect.isclass(o))
                     and getattr(o, "__module__", None) == mod.__name__]
        for n in names:
            obj = getattr(mod, n)
            if callable(obj):
                # a re-export is listed under the module that defines it
                home = getattr(obj, "__module__", mod.__name__)
                if home != mod.__name__ and home.startswith("lstm_core"):
                    continue
                out.add(f"{mod.__name__.removeprefix('lstm_core.')}.{n}")
    return out


# --------------------------------------------------------------------------- valid calls


def _x(shape=(T, B, I), seed=0, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _lstm(preset="vanilla", **kw):
    return lstm.LSTMParams.init(I, H, preset, rng=0, **kw)


def _batch(I_=I, K_=K, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(size=(T, B, K_))
    return tbatch.TaskBatch(x=rng.normal(size=(T, B, I_)), t=t, mask=np.ones((T, B, 1)),
                            lengths=np.full(B, T), name="fuzz",
                            criterion=tbatch.threshold_correct)


def _class_batch(K_=K):
    """A batch with one-hot targets (for cross entropy)."""
    b = _batch(K_=K_)
    t = np.eye(K_)[np.arange(T * B).reshape(T, B) % K_]
    return dataclasses.replace(b, t=t)


def _seq_model(kind="lstm"):
    layer = bidirectional.SequenceLayer.from_module(lstm) if kind == "lstm" else \
        bidirectional.SequenceLayer.from_module(gru)
    model = models.SequenceModel(layer)
    core = _lstm() if kind == "lstm" else gru.GRUParams.init(I, H, rng=0)
    params = models.ModelParams(core=core, out=models.linear_readout(H, K, rng=0))
    return model, params


def _bidir():
    net = bidirectional.Bidirectional(bidirectional.SequenceLayer.from_module(lstm))
    params = net.init(I, H, rng=0, n_out=K)
    return net, params


def _stacked():
    layer = bidirectional.SequenceLayer.from_module(lstm)
    st_ = models.Stacked((layer, layer))
    params = [_lstm(), lstm.LSTMParams.init(H, H, "vanilla", rng=1)]
    return st_, params


def _grid():
    return grid.GridLSTMParams.init(I, H, rng=0)


def _ffnn():
    return ffnn.init_ffnn([I, H, K], seed=0)


def _charlm():
    vocab = charlm.Vocabulary("abcd")
    params = charlm.charlm_init(4, H, rng=0)
    ids = np.array([[0, 1], [2, 3], [1, 0], [3, 2]])
    return vocab, params, ids


def _rnn(**kw):
    return rnn.RNNParams.init(I, H, 0, **kw)


def _net(core="lstm1997"):
    return readout.NetParams.init(I, 4, K, 0, core=core)


def _c(fn, **kw):
    """A case: the callable and its valid keyword arguments."""
    return fn, kw


class Case:
    """One valid call, rebuilt fresh for every example (calls may update in place).

    ``sizes``: arguments whose shape may change (they set T, B or I), so a changed shape
    there may give a result of another shape. ``free``: arguments any value of whose kind
    is valid (names, text, callables) and are not fuzzed. ``int_ok``: integer arrays
    (labels, ids, lengths). ``alt``: extra (argument, value) pairs that must be rejected
    (a cache made under another configuration). ``nonfinite_ok``: arguments where NaN / inf
    are valid values (network outputs to be judged). ``echoes``: arguments the call returns
    as they came (a validator), so NaN / inf given there must come back unchanged.
    """

    def __init__(self, make, sizes=(), free=(), int_ok=(), alt=None, lazy=False, nonfinite_ok=(),
                 unbounded=(), echoes=()):
        self.make, self.sizes, self.free, self.int_ok = make, set(sizes), set(free), set(int_ok)
        self.alt, self.lazy, self.nonfinite_ok, self.unbounded = alt, lazy, set(nonfinite_ok), set(unbounded)
        self.echoes = set(echoes)


def _lstm_cache(preset="vanilla"):
    p = _lstm(preset)
    y, cache = lstm.lstm_forward(p, _x())
    return p, y, cache


def _lstm_step_cache():
    p = _lstm()
    st_, cache = lstm.lstm_step(p, _x((B, I)))
    return p, st_, cache


def _foreign_lstm_cache():
    """A cache made under gers2000 (same row count and H as vanilla's)."""
    return _lstm_cache("gers2000")[2]


def _rnn_cache():
    p = _rnn()
    y, cache = rnn.rnn_forward(p, _x())
    return p, y, cache


def _gru_cache():
    p = gru.GRUParams.init(I, H, rng=0)
    y, cache = gru.gru_forward(p, _x())
    return p, y, cache


def _grid_cache():
    p = _grid()
    y, cache = grid.grid_forward(p, _x())
    return p, y, cache


def _grid_block():
    p = _grid()
    D = 2
    W = np.random.default_rng(0).normal(size=(D * 4 * H, D * H)) * 0.3
    return W, np.zeros(D * 4 * H), _x((B, D, H), 1), _x((B, D, H), 2)


def _trial_spec(**kw):
    return trials.NetSpec(**{"n_in": I, "n_out": 2, "n_blocks": 2, "block_size": 2, **kw})


#: the 2a-like net: no output gates, no recurrence, direct input-output links
TRIAL_2A = dict(n_blocks=1, block_size=1, output_gate=False, recurrent=False, direct=True,
                bias_cells=False, bias_gates=False, g="logistic", h="identity")


def _trial_nets(**kw):
    return trials.init_nets(_trial_spec(**kw), [0, 1, 2], scale=0.3)     # K = 3 trials


def _trial_data(O=2):
    """x, t, mask of K = 3 trials, (T, K, B, ·), a step without target."""
    mask = np.ones((T, K, B, 1))
    mask[0, :, 1] = 0.0
    return _x((T, K, B, I)), 0.5 + 0.4 * np.tanh(_x((T, K, B, O), 1)), mask


def _trial_step(lr, **kw):
    nets = _trial_nets()
    x, t, m = _trial_data()
    return _c(trials.sgd_update, nets=nets, grads=trials.forward(nets, x, t, m).grads, lr=lr,
              batch_size=B, **kw)


def _stats():
    return [dict(task="a", solved=True, sequences=10, test_correct=1.0, seconds=1.0,
                 cpu_seconds=1.0)]


CASES: dict[str, Case] = {
    # ---- activations
    **{f"activations.{n}": Case(lambda n=n: _c(getattr(activations, n), x=_x()), sizes={"x"})
       for n in ["sigmoid", "sigmoid_deriv", "tanh", "tanh_deriv", "g1997", "g1997_deriv",
                 "h1997", "h1997_deriv", "identity", "identity_deriv"]},
    "activations.get": Case(lambda: _c(activations.get, name="tanh")),
    # ---- losses
    "losses.error": Case(lambda: _c(losses.error, y=_x((B, K)), t=_x((B, K), 1)), sizes={"y"}),
    "losses.squared_error": Case(lambda: _c(losses.squared_error, y=_x((T, B, K)), t=_x((T, B, K), 1)),
                                 sizes={"y"}),
    "losses.log_softmax": Case(lambda: _c(losses.log_softmax, net=_x((B, K))), sizes={"net"}),
    "losses.softmax": Case(lambda: _c(losses.softmax, net=_x((B, K))), sizes={"net"}),
    "losses.softmax_cross_entropy": Case(lambda: _c(losses.softmax_cross_entropy, net=_x((T, B, K)),
                                                    t=np.arange(T * B).reshape(T, B) % K),
                                         sizes={"net"}, int_ok={"t"}),
    "losses.softmax_cross_entropy[prob]": Case(lambda: _c(losses.softmax_cross_entropy, net=_x((B, K)),
                                                          t=np.eye(K)[[0, 1, 2]]), sizes={"net"}),
    # ---- perceptron
    "perceptron.sgn": Case(lambda: _c(perceptron.sgn, net=_x((B,))), sizes={"net"}),
    "perceptron.perceptron_output": Case(lambda: _c(perceptron.perceptron_output, w=_x((I,)), b=0.1,
                                                    X=_x((B, I), 1)), sizes={"X"}),
    "perceptron.perceptron_update": Case(lambda: _c(perceptron.perceptron_update, w=_x((I,)), b=0.1,
                                                    x=_x((I,), 1), t=1.0, alpha=0.5)),
    "perceptron.train_perceptron": Case(lambda: _c(perceptron.train_perceptron, X=_x((4, I)),
                                                   t=np.array([1.0, -1.0, 1.0, -1.0]), alpha=0.1,
                                                   epochs=3, w0=np.zeros(I), b0=0.0), int_ok={"t"}),
    "perceptron.linear_output": Case(lambda: _c(perceptron.linear_output, w=_x((I,)), b=0.1,
                                                X=_x((B, I), 1)), sizes={"X"}),
    "perceptron.delta_rule_step": Case(lambda: _c(perceptron.delta_rule_step, w=_x((I,)), b=0.1,
                                                  X=_x((B, I), 1), t=_x((B,), 2), alpha=0.1), int_ok={"t"}),
    "perceptron.train_delta_rule": Case(lambda: _c(perceptron.train_delta_rule, X=_x((4, I)),
                                                   t=_x((4,), 1), alpha=0.05, epochs=3, mode="batch",
                                                   w0=np.zeros(I), b0=0.0), int_ok={"t"}),
    "perceptron.least_squares": Case(lambda: _c(perceptron.least_squares, X=_x((5, I)), t=_x((5,), 1)), sizes={"X"}, int_ok={"t"}),
    "perceptron.sigmoid_unit": Case(lambda: _c(perceptron.sigmoid_unit, w=_x((I,)), b=0.1,
                                               X=_x((B, I), 1)), sizes={"X"}),
    "perceptron.sigmoid_unit_gradient": Case(lambda: _c(perceptron.sigmoid_unit_gradient, w=_x((I,)),
                                                        b=0.1, X=_x((B, I), 1),
                                                        t=np.array([0.0, 1.0, 1.0])), int_ok={"t"}),
    # ---- ffnn
    "ffnn.FFNNParams": Case(lambda: _c(ffnn.FFNNParams, W=[_x((H, I)), _x((K, H), 1)],
                                       b=[np.zeros(H), np.zeros(K)], activations="logistic"), lazy=True),
    "ffnn.init_ffnn": Case(lambda: _c(ffnn.init_ffnn, sizes=[I, H, K], seed=0)),
    "ffnn.ffnn_forward": Case(lambda: _c(ffnn.ffnn_forward, params=_ffnn(), x=_x((B, I))), sizes={"x"}),
    "ffnn.output_delta": Case(lambda: _c(ffnn.output_delta, t=_x((B, K)), y=_x((B, K), 1),
                                         fprime=_x((B, K), 2)), sizes={"t"}),
    "ffnn.hidden_delta": Case(lambda: _c(ffnn.hidden_delta, fprime=_x((B, H)), W_next=_x((K, H), 1),
                                         delta_next=_x((B, K), 2))),
    "ffnn.ffnn_backward": Case(lambda: (lambda p: _c(ffnn.ffnn_backward, params=p,
                                                     cache=ffnn.ffnn_forward(p, _x((B, I))),
                                                     dy=_x((B, K), 1)))(_ffnn())),
    "ffnn.ffnn_loss_and_grads": Case(lambda: _c(ffnn.ffnn_loss_and_grads, params=_ffnn(),
                                                x=_x((B, I)), t=_x((B, K), 1))),
    "ffnn.ffnn_cost": Case(lambda: _c(ffnn.ffnn_cost, sizes=[I, H, K])),
    # ---- rnn
    "rnn.RNNParams": Case(lambda: _c(rnn.RNNParams, W_in=_x((H, I)), W_rec=_x((H, H), 1) * 0.3,
                                     b=np.zeros(H)), lazy=True),
    "rnn.RNNParams.init": Case(lambda: _c(rnn.RNNParams.init, n_in=I, n_units=H, rng=0, scale=1.0)),
    "rnn.rnn_step": Case(lambda: _c(rnn.rnn_step, params=_rnn(), x_t=_x((B, I)), y_prev=_x((B, H), 1))),
    "rnn.rnn_forward": Case(lambda: _c(rnn.rnn_forward, params=_rnn(), x=_x(), state0=_x((B, H), 1)),
                            sizes={"x"}),
    "rnn.rnn_step_backward": Case(lambda: (lambda p: _c(rnn.rnn_step_backward, params=p,
                                                        cache=rnn.rnn_step(p, _x((B, I)), _x((B, H), 1))[1],
                                                        dy_t=_x((B, H), 2)))(_rnn())),
    "rnn.bptt_delta_step": Case(lambda: _c(rnn.bptt_delta_step, W_rec=_x((H, H)), fprime_t=_x((B, H), 1),
                                           e_t=_x((B, H), 2), delta_next=_x((B, H), 3))),
    **{f"rnn.{n}": Case(lambda n=n: (lambda p, y, c: _c(getattr(rnn, n), params=p, cache=c,
                                                        dy=np.ones_like(y), dstate_T=_x((B, H), 4)))(*_rnn_cache()))
       for n in ["bptt_deltas", "rnn_backward", "bptt_trace"]},
    "rnn.rnn_backward_truncated": Case(lambda: (lambda p, y, c: _c(rnn.rnn_backward_truncated, params=p,
                                                                   cache=c, dy=np.ones_like(y), h=2))(*_rnn_cache())),
    "rnn.rtrl_sensitivity_step": Case(lambda: _c(rnn.rtrl_sensitivity_step, W_rec=_x((H, H)),
                                                 fprime_t=_x((B, H), 1), p_prev=_x((B, H, H, H + I + 1), 2),
                                                 z_t=_x((B, H + I + 1), 3))),
    "rnn.rnn_rtrl_gradient": Case(lambda: _c(rnn.rnn_rtrl_gradient, params=_rnn(), x=_x(), dy=_x((T, B, H), 1)),
                                  sizes={"x"}),
    "rnn.error_flow": Case(lambda: _c(rnn.error_flow, params=_rnn(), x=_x(), q_max=2), sizes={"x"}),
    "rnn.RTRL": Case(lambda: _c(rnn.RTRL, params=_rnn(), batch_size=B, state0=_x((B, H)))),
    "rnn.RTRL.step": Case(lambda: _c(rnn.RTRL(_rnn(), batch_size=B).step, x_t=_x((B, I)), dy_t=_x((B, H), 1))),
    # ---- lstm
    "lstm.LSTMConfig.preset": Case(lambda: _c(lstm.LSTMConfig.preset, name="vanilla")),
    "lstm.LSTMConfig": Case(lambda: _c(lstm.LSTMConfig, input_activation="tanh", block_size=1)),
    "lstm.LSTMParams": Case(lambda: (lambda p: _c(lstm.LSTMParams, W=p.W, R=p.R, b=p.b, P=p.P,
                                                  config=p.config))(_lstm()), lazy=True),
    "lstm.LSTMParams.init": Case(lambda: _c(lstm.LSTMParams.init, n_in=I, n_cells=H, config="vanilla",
                                            rng=0, scale=0.5)),
    "lstm.LSTMState": Case(lambda: _c(lstm.LSTMState, y=_x((B, H)), c=_x((B, H), 1)), lazy=True),
    "lstm.lstm_step": Case(lambda: _c(lstm.lstm_step, params=_lstm(), x_t=_x((B, I)),
                                      state=lstm.LSTMState(_x((B, H), 1), _x((B, H), 2)))),
    "lstm.lstm_step_backward": Case(lambda: (lambda p, s, c: _c(lstm.lstm_step_backward, params=p, cache=c,
                                                                dstate=lstm.LSTMState(_x((B, H), 3), _x((B, H), 4))))(*_lstm_step_cache())),
    "lstm.lstm_forward": Case(lambda: _c(lstm.lstm_forward, params=_lstm(), x=_x(),
                                         state0=lstm.LSTMState(_x((B, H), 1), _x((B, H), 2))), sizes={"x"}),
    "lstm.lstm_backward": Case(lambda: (lambda p, y, c: _c(lstm.lstm_backward, params=p, cache=c,
                                                           dy=_x(y.shape, 5),
                                                           dstate_T=lstm.LSTMState(_x((B, H), 3), _x((B, H), 4))))(*_lstm_cache()),
                               alt=lambda: [("cache", _foreign_lstm_cache())]),
    "lstm.lstm_trace": Case(lambda: _c(lstm.lstm_trace, params=_lstm(), x=_x(), dy=_x((T, B, H), 1)),
                            sizes={"x"}),
    "lstm.LSTMCache.part": Case(lambda: (lambda p, y, c: _c(c.part, name="f", config=p.config))(*_lstm_cache())),
    "lstm.LSTMTrace.step": Case(lambda: _c(lstm.lstm_trace(_lstm(), _x()).step, t=1)),
    "lstm_truncated.lstm_backward_truncated": Case(
        lambda: (lambda p, y, c: _c(lstm_truncated.lstm_backward_truncated, params=p, cache=c,
                                    dy=_x(y.shape, 5)))(*_lstm_cache("lstm1997")),
        alt=lambda: [("cache", _foreign_lstm_cache())]),
    "lstm_truncated.lstm_backward_carousel": Case(
        lambda: (lambda p, y, c: _c(lstm_truncated.lstm_backward_carousel, params=p, cache=c,
                                    dy=_x(y.shape, 5)))(*_lstm_cache("lstm1997")),
        alt=lambda: [("cache", _foreign_lstm_cache())]),
    "errorflow.delta_jacobian": Case(lambda: _c(errorflow.delta_jacobian, W_rec=_x((H, H)), fprime=_x((2, H), 1)),
                                    sizes={"fprime"}),
    "errorflow.lstm_error_flow": Case(lambda: _c(errorflow.lstm_error_flow, params=_lstm(), x=_x(), q_max=2), sizes={"x"}),
    # ---- gru
    "gru.GRUParams": Case(lambda: (lambda p: _c(gru.GRUParams, W=p.W, U=p.U, b=p.b))(gru.GRUParams.init(I, H, rng=0)), lazy=True),
    "gru.GRUParams.init": Case(lambda: _c(gru.GRUParams.init, n_in=I, n_hidden=H, rng=0)),
    "gru.gru_step": Case(lambda: _c(gru.gru_step, params=gru.GRUParams.init(I, H, rng=0), x_t=_x((B, I)),
                                    h_prev=_x((B, H), 1))),
    "gru.gru_step_backward": Case(lambda: (lambda p: _c(gru.gru_step_backward, params=p,
                                                        cache=gru.gru_step(p, _x((B, I)), _x((B, H), 1))[1],
                                                        dh=_x((B, H), 2)))(gru.GRUParams.init(I, H, rng=0))),
    "gru.gru_forward": Case(lambda: _c(gru.gru_forward, params=gru.GRUParams.init(I, H, rng=0), x=_x(),
                                       state0=_x((B, H), 1)), sizes={"x"}),
    "gru.gru_backward": Case(lambda: (lambda p, y, c: _c(gru.gru_backward, params=p, cache=c, dy=_x(y.shape, 5),
                                                         dstate_T=_x((B, H), 3)))(*_gru_cache())),
    # ---- grid
    "grid.GridLSTMParams": Case(lambda: (lambda p: _c(grid.GridLSTMParams, W_in=p.W_in, W=p.W, b=p.b))(_grid()), lazy=True),
    "grid.GridLSTMParams.init": Case(lambda: _c(grid.GridLSTMParams.init, n_in=I, n_hidden=H, rng=0, n_layers=2)),
    "grid.grid_block": Case(lambda: (lambda W, b, h, m: _c(grid.grid_block, W=W, b=b, h=h, m=m))(*_grid_block()),
                            sizes={"h"}),
    "grid.grid_block_backward": Case(lambda: (lambda W, b, h, m: _c(grid.grid_block_backward, W=W,
                                                                     cache=grid.grid_block(W, b, h, m)[2],
                                                                     dh_new=_x(h.shape, 5), dm_new=_x(h.shape, 6)))(*_grid_block())),
    "grid.grid_forward": Case(lambda: _c(grid.grid_forward, params=_grid(), x=_x()), sizes={"x"}),
    **{f"grid.{n}": Case(lambda n=n: (lambda p, y, c: _c(getattr(grid, n), params=p, cache=c,
                                                         dy=_x(y.shape, 5)))(*_grid_cache()))
       for n in ["grid_backward", "grid_depth_gradients", "grid_depth_gradient_norms"]},
    # ---- readout and whole nets
    "readout.ReadoutParams": Case(lambda: _c(readout.ReadoutParams, W=_x((K, H)), b=np.zeros(K)), lazy=True),
    "readout.ReadoutParams.init": Case(lambda: _c(readout.ReadoutParams.init, n_in=H, n_out=K, rng=0)),
    "readout.readout_forward": Case(lambda: _c(readout.readout_forward,
                                               params=readout.ReadoutParams.init(H, K, 0), h=_x((T, B, H))),
                                    sizes={"h"}),
    "readout.readout_backward": Case(lambda: (lambda p: _c(readout.readout_backward, params=p,
                                                           cache=readout.readout_forward(p, _x((T, B, H)))[1],
                                                           dy=_x((T, B, K), 1)))(readout.ReadoutParams.init(H, K, 0))),
    "readout.NetParams.init": Case(lambda: _c(readout.NetParams.init, n_in=I, n_hidden=4, n_out=K, rng=0,
                                              core="lstm1997")),
    "readout.net_forward": Case(lambda: _c(readout.net_forward, params=_net(), x=_x()), sizes={"x"}),
    "readout.net_backward": Case(lambda: (lambda p: (lambda y, c: _c(readout.net_backward, params=p, cache=c,
                                                                     dy=_x(y.shape, 1)))(*readout.net_forward(p, _x())))(_net())),
    "readout.net_loss_and_grads": Case(lambda: _c(readout.net_loss_and_grads, params=_net(), batch=_batch())),
    "readout.net_loss_and_grads[rnn]": Case(lambda: _c(readout.net_loss_and_grads, params=_net("rnn"),
                                                       batch=_batch())),
    "truncated_training.net_loss_and_grads_truncated": Case(
        lambda: _c(truncated_training.net_loss_and_grads_truncated, params=_net(), batch=_batch())),
    "truncated_training.lstm_truncated_online": Case(
        lambda: _c(truncated_training.lstm_truncated_online, params=_lstm("lstm1997"), x=_x(),
                   dy=_x((T, B, H), 1))),
    # ---- models
    "models.linear_readout": Case(lambda: _c(models.linear_readout, n_hidden=H, n_out=K, rng=0)),
    "models.SequenceModel.forward": Case(lambda: (lambda m, p: _c(m.forward, params=p, x=_x()))(*_seq_model()),
                                         sizes={"x"}),
    "models.SequenceModel.backward": Case(lambda: (lambda m, p: (lambda y, c: _c(m.backward, params=p, cache=c,
                                                                                 dy=_x(y.shape, 1)))(*m.forward(p, _x())))(*_seq_model())),
    "models.SequenceModel.loss": Case(lambda: (lambda m, p: _c(m.loss, y=_x((T, B, K), 3), batch=_class_batch(),
                                                               loss="cross_entropy"))(*_seq_model()),
                                      free={"batch.x"}),
    "models.SequenceModel.loss[squared]": Case(lambda: (lambda m, p: _c(m.loss, y=_x((T, B, K), 3), batch=_batch(),
                                                                        loss="squared"))(*_seq_model()),
                                               free={"batch.x"}),
    "models.SequenceModel.loss_and_grads": Case(lambda: (lambda m, p: _c(m.loss_and_grads, params=p,
                                                                         batch=_class_batch()))(*_seq_model("gru"))),
    "models.Stacked.forward": Case(lambda: (lambda s, p: _c(s.forward, params=p, x=_x()))(*_stacked()), sizes={"x"}),
    "models.Stacked.backward": Case(lambda: (lambda s, p: (lambda y, c: _c(s.backward, params=p, cache=c,
                                                                           dy=_x(y.shape, 1)))(*s.forward(p, _x())))(*_stacked())),
    "models.Stacked.input_gradient_norms": Case(lambda: (lambda s, p: (lambda y, c: _c(s.input_gradient_norms,
                                                                                       params=p, cache=c, dy=_x(y.shape, 1)))(*s.forward(p, _x())))(*_stacked())),
    "models.delay_targets": Case(lambda: _c(models.delay_targets, batch=_batch(), delay=2)),
    "models.count_params": Case(lambda: _c(models.count_params, params=_lstm()), lazy=True),
    # ---- bidirectional
    "bidirectional.Bidirectional.init": Case(lambda: _c(_bidir()[0].init, n_in=I, n_hidden=H, rng=0, n_out=K)),
    "bidirectional.Bidirectional.forward": Case(lambda: (lambda n, p: _c(n.forward, params=p, x=_x()))(*_bidir()),
                                                sizes={"x"}),
    "bidirectional.Bidirectional.backward": Case(lambda: (lambda n, p: (lambda y, c: _c(n.backward, params=p, cache=c,
                                                                                        dy=_x(y.shape, 1)))(*n.forward(p, _x())))(*_bidir())),
    # ---- charlm
    "charlm.Vocabulary.encode": Case(lambda: _c(charlm.Vocabulary("abcd").encode, text="abca")),
    "charlm.Vocabulary.one_hot": Case(lambda: _c(charlm.Vocabulary("abcd").one_hot, ids=np.array([0, 3, 1])),
                                      int_ok={"ids"}, sizes={"ids"}),
    "charlm.charlm_init": Case(lambda: _c(charlm.charlm_init, vocab_size=4, n_cells=H, rng=0)),
    "charlm.charlm_forward": Case(lambda: (lambda v, p, ids: _c(charlm.charlm_forward, params=p, ids=ids))(*_charlm()),
                                  int_ok={"ids"}, sizes={"ids"}),
    "charlm.charlm_backward": Case(lambda: (lambda v, p, ids: (lambda net, c, s: _c(charlm.charlm_backward, params=p,
                                                                                    cache=c, dnet=_x(net.shape, 1)))(*charlm.charlm_forward(p, ids)))(*_charlm())),
    "charlm.charlm_loss_and_grads": Case(lambda: (lambda v, p, ids: _c(charlm.charlm_loss_and_grads, params=p,
                                                                       inputs=ids, targets=ids[::-1].copy()))(*_charlm()),
                                         int_ok={"inputs", "targets"}),
    "charlm.final_state": Case(lambda: (lambda p, y, c: _c(charlm.final_state, params=p, cache=c))(*_lstm_cache()), free={"params"},
                               alt=lambda: [("cache", _foreign_lstm_cache())]),
    "charlm.text_streams": Case(lambda: _c(charlm.text_streams, ids=np.arange(12) % 4, batch_size=2), int_ok={"ids"},
                                sizes={"ids"}, unbounded={"ids"}),
    "charlm.TruncatedBPTT": Case(lambda: _c(charlm.TruncatedBPTT, streams=np.arange(12).reshape(6, 2) % 4, seq_len=2),
                                 int_ok={"streams"}, sizes={"streams"}, unbounded={"streams"}),
    "charlm.charlm_loss": Case(lambda: (lambda v, p, ids: _c(charlm.charlm_loss, params=p, ids=ids[:, 0].copy(), chunk=2))(*_charlm()),
                               int_ok={"ids"}, sizes={"ids"}),
    "charlm.bits_per_char": Case(lambda: _c(charlm.bits_per_char, loss_nats=1.3)),
    "charlm.next_char_probabilities": Case(lambda: _c(charlm.next_char_probabilities, net=_x((4,)), temperature=0.7),
                                           sizes={"net"}),
    "charlm.sample": Case(lambda: (lambda v, p, ids: _c(charlm.sample, params=p, vocab=v, n=3, rng=0, prime="ab",
                                                        temperature=1.0))(*_charlm())),
    # ---- optim, gradcheck, train
    "optim.SGD": Case(lambda: _c(optim.SGD, lr=0.1, momentum=0.5)),
    "optim.Adam": Case(lambda: _c(optim.Adam, lr=0.01)),
    "optim.SGD.step": Case(lambda: _c(optim.SGD(0.1).step, params=_rnn(), grads=rnn.RNNGrads.zeros_like(_rnn()))),
    "optim.Adam.step": Case(lambda: _c(optim.Adam(0.1).step, params=_rnn(), grads=rnn.RNNGrads.zeros_like(_rnn()))),
    "optim.global_norm": Case(lambda: _c(optim.global_norm, grads=rnn.RNNGrads.zeros_like(_rnn()))),
    "optim.clip_by_global_norm": Case(lambda: _c(optim.clip_by_global_norm, grads=rnn.RNNGrads.zeros_like(_rnn()),
                                                 max_norm=1.0)),
    "optim.clip_by_value": Case(lambda: _c(optim.clip_by_value, grads=rnn.RNNGrads.zeros_like(_rnn()), limit=1.0)),
    "train.train": Case(lambda: _c(train.train, loss_and_grads=lambda p, d: readout.net_loss_and_grads(p, _batch()),
                                   params=_net(), optimizer=optim.SGD(0.1), steps=2), free={"loss_and_grads"}),
    # ---- experiments (chapter 16 helpers)
    "experiments.setup": Case(lambda: _c(experiments.setup, name="adding")),
    "experiments.summarise": Case(lambda: _c(experiments.summarise, trials=_stats())),
    "experiments.sequence_errors": Case(lambda: _c(experiments.sequence_errors, y=_x((T, B, K)), batch=_batch(),
                                                   kind="E"), free={"batch.x"}),
    "experiments.paper_gate_biases": Case(lambda: _c(experiments.paper_gate_biases, params=_lstm("lstm1997"),
                                                     output_step=1.0, input_step=0.0), free={"params"}),
    "experiments.TaskSetup.batch": Case(lambda: _c(experiments.setup("adding").batch, rng=0, batch_size=2)),
    "output_gate.output_gate_network": Case(lambda: _c(output_gate.output_gate_network, output_gate=True, seed=0)),
    # ---- tasks: generators take (rng, sizes..., dtype); criteria take (y, batch)
    "tasks.logic.truth_table": Case(lambda: _c(logic.truth_table, name="xor")),
    "tasks.logic.truth_table_correct": Case(lambda: _c(logic.truth_table_correct, o=np.array([0.1, 0.9, 0.9, 0.1]),
                                                       table=logic.truth_table("xor")),
                                          free={"table"}, nonfinite_ok={"o"}),
    "tasks.logic.TruthTable.correct": Case(lambda: _c(logic.truth_table("xor").correct, o=np.array([0.1, 0.9, 0.9, 0.1])),
                                           nonfinite_ok={"o"}),
    "tasks.memory.parity": Case(lambda: _c(memory.parity, rng=0, batch_size=2, T=4)),
    "tasks.memory.copy_task": Case(lambda: _c(memory.copy_task, rng=0, batch_size=2, n_symbols=3, length=2, delay=2)),
    "tasks.memory.future_symbol": Case(lambda: _c(memory.future_symbol, rng=0, batch_size=2, T=5, n_symbols=3, shift=1),
                                          free={"shift"}),
    "tasks.continual.continual_latch": Case(lambda: _c(continual.continual_latch, rng=0, length=6, batch_size=2)),
    "tasks.timing.spike_delay": Case(lambda: _c(timing.spike_delay, rng=0, batch_size=2, delay=2, T=6)),
    "tasks.timing.spike_interval": Case(lambda: _c(timing.spike_interval, rng=0, batch_size=2, intervals=(4, 5),
                                                   max_onset=2)),
    "tasks.lookahead.next_marker": Case(lambda: _c(lookahead.next_marker, rng=0, batch_size=2, T=8)),
    "tasks.lookahead.next_marker_delay_bound": Case(lambda: _c(lookahead.next_marker_delay_bound,
                                                               batch=lookahead.next_marker(0, 2, 8), delay=1)),
    "tasks.spike_train.timed_spike_train": Case(lambda: _c(spike_train.timed_spike_train, rng=0, batch_size=2,
                                                           period=3, n_spikes=2, max_onset=2)),
    "tasks.longlag.noise_free_long_lag": Case(lambda: _c(longlag.noise_free_long_lag, rng=0, batch_size=2, p=4)),
    "tasks.longlag.adding_problem": Case(lambda: _c(longlag.adding_problem, rng=0, batch_size=2, T=6)),
    "tasks.longlag.multiplication_problem": Case(lambda: _c(longlag.multiplication_problem, rng=0, batch_size=2, T=6)),
    "tasks.longlag.temporal_order": Case(lambda: _c(longlag.temporal_order, rng=0, batch_size=2, T=12)),
    "tasks.reber.reber_string": Case(lambda: _c(reber.reber_string, rng=0)),
    "tasks.reber.reber_strings": Case(lambda: _c(reber.reber_strings, rng=0, n=2)),
    "tasks.reber.reber_batch": Case(lambda: _c(reber.reber_batch, rng=0, batch_size=2)),
    "tasks.reber.encode_reber": Case(lambda: _c(reber.encode_reber, strings=["BTXSE"], embedded=False), free={"strings"}),
    "tasks.reber.continual_reber_stream": Case(lambda: _c(reber.continual_reber_stream, rng=0, length=10, batch_size=1)),
    "tasks.reber.is_reber": Case(lambda: _c(reber.is_reber, string="BTXSE"), free={"string"}),
    "tasks.reber.legal_next": Case(lambda: _c(reber.legal_next, prefix="BT"), free={"prefix"}),
    "tasks.batch.as_rng": Case(lambda: _c(tbatch.as_rng, rng=0)),
    "tasks.batch.one_hot": Case(lambda: _c(tbatch.one_hot, indices=np.array([0, 2, 1]), n=3, dtype=np.float64),
                                int_ok={"indices"}, sizes={"indices"}),
    "tasks.batch.end_mask": Case(lambda: _c(tbatch.end_mask, lengths=np.array([2, 3]), T=3, dtype=np.float64),
                                 int_ok={"lengths"}, sizes={"lengths"}),
    "tasks.batch.length_mask": Case(lambda: _c(tbatch.length_mask, lengths=np.array([2, 3]), T=3, dtype=np.float64),
                                    int_ok={"lengths"}, sizes={"lengths"}),
    "tasks.batch.make_batch": Case(lambda: (lambda b: _c(tbatch.make_batch, name="fuzz", x=b.x, t=b.t, mask=b.mask,
                                                         lengths=b.lengths, criterion=b.criterion))(_batch()),
                                   int_ok={"lengths"}, free={"name", "criterion"}),
    # ---- hs97 (the 1997 battery's samplers)
    "hs97.wilson_interval": Case(lambda: _c(hs97.wilson_interval, k=3, n=10)),
    "hs97.random_long_lag": Case(lambda: _c(hs97.random_long_lag, rng=0, batch_size=2, p=4)),
    "hs97.distractor_long_lag": Case(lambda: _c(hs97.distractor_long_lag, rng=0, batch_size=2, q=6, p=4)),
    "hs97.two_sequence": Case(lambda: _c(hs97.two_sequence, rng=0, batch_size=2, T=6)),
    "hs97.delayed_xor": Case(lambda: _c(hs97.delayed_xor, rng=0, batch_size=2, T=6)),
    # ---- trials (the 1997 battery's nets on a trial axis)
    "trials.NetSpec": Case(lambda: _c(trials.NetSpec, n_in=I, n_out=K, n_blocks=2, block_size=1)),
    "trials.squash": Case(lambda: _c(trials.squash, name="g1997", x=_x()), sizes={"x"}),
    "trials.TrialNets": Case(lambda: (lambda n: _c(trials.TrialNets, spec=n.spec, W_c=n.W_c, W_in=n.W_in,
                                                   W_out=n.W_out, W_k=n.W_k, on=n.on))(_trial_nets())),
    "trials.init_nets": Case(lambda: _c(trials.init_nets, spec=_trial_spec(), rngs=np.array([0, 1, 2]), scale=0.3,
                                        input_gate_bias=np.array([-1.0, -2.0]),
                                        output_gate_bias=np.array([-1.0, -2.0]), on=np.array([True, False])),
                             sizes={"rngs"}, unbounded={"rngs"},
                             int_ok={"rngs", "input_gate_bias", "output_gate_bias"}),
    **{f"trials.forward{tag}": Case(lambda kw=kw, path=path: (lambda x, t, m: _c(
        trials.forward, nets=_trial_nets(**kw), x=x, t=t, mask=m, keep_states=True, path=path))(*_trial_data()),
        sizes={"x"}) for tag, kw, path in [("", {}, "auto"), ("[dense]", {}, "dense"), ("[2a]", TRIAL_2A, "auto")]},
    "trials.backward": Case(lambda: (lambda x, t, m: _c(trials.backward, nets=_trial_nets(), x=x, t=t, mask=m))(
        *_trial_data()), sizes={"x"}),
    "trials.OneHotInputs": Case(lambda: _c(trials.OneHotInputs, idx=np.array([[[0, 2]], [[1, 0]]]),
                                           on=np.array([[[True, True]], [[True, False]]]), width=3),
                                sizes={"idx", "on"}, int_ok={"idx"}),
    "trials.sgd_update": Case(lambda: _trial_step(0.1)),
    "trials.sgd_update[per-trial]": Case(lambda: _trial_step(np.array([0.1, 0.2, 0.3]),
                                                             active=np.array([True, False, True]))),
}

# criteria: (y, batch) of a generator's batch
_CRITERIA = {
    "tasks.memory.parity_correct": (memory.parity_correct, lambda: memory.parity(0, 2, 4)),
    "tasks.memory.copy_correct": (memory.copy_correct, lambda: memory.copy_task(0, 2, 3, 2, 2)),
    "tasks.memory.future_symbol_correct": (memory.future_symbol_correct, lambda: memory.future_symbol(0, 2, 5, 3, 1)),
    "tasks.continual.latch_correct": (continual.latch_correct, lambda: continual.continual_latch(0, 6, 2)),
    "tasks.continual.latch_steps_before_error": (continual.latch_steps_before_error,
                                                 lambda: continual.continual_latch(0, 6, 2)),
    "tasks.timing.spike_timing_correct": (timing.spike_timing_correct, lambda: timing.spike_delay(0, 2, 2, 6)),
    "tasks.timing.spike_interval_correct": (timing.spike_interval_correct,
                                            lambda: timing.spike_interval(0, 2, (4, 5), 2)),
    "tasks.lookahead.next_marker_correct": (lookahead.next_marker_correct, lambda: lookahead.next_marker(0, 2, 8)),
    "tasks.spike_train.spike_train_correct": (spike_train.spike_train_correct,
                                              lambda: spike_train.timed_spike_train(0, 2, 3, 2, 2)),
    "tasks.longlag.long_lag_correct": (longlag.long_lag_correct, lambda: longlag.noise_free_long_lag(0, 2, 4)),
    "tasks.longlag.adding_correct": (longlag.adding_correct, lambda: longlag.adding_problem(0, 2, 6)),
    "tasks.longlag.multiplication_correct": (longlag.multiplication_correct,
                                             lambda: longlag.multiplication_problem(0, 2, 6)),
    "tasks.longlag.temporal_order_correct": (longlag.temporal_order_correct, lambda: longlag.temporal_order(0, 2, T=12)),
    "tasks.reber.reber_correct": (reber.reber_correct, lambda: reber.reber_batch(0, 2)),
    "tasks.reber.continual_reber_symbols_before_error": (reber.continual_reber_symbols_before_error,
                                                         lambda: reber.continual_reber_stream(0, 10, 1)),
    "tasks.reber.continual_reber_solved": (lambda y, batch: reber.continual_reber_solved(y, batch, n_required=5), lambda: reber.continual_reber_stream(0, 10, 1)),
    "tasks.reber.continual_reber_correct": (reber.continual_reber_correct, lambda: reber.continual_reber_stream(0, 10, 1)),
    "tasks.batch.check_outputs": (tbatch.check_outputs, lambda: _batch()),
    "tasks.batch.abs_error_correct": (lambda y, batch: tbatch.abs_error_correct(y, batch, tol=0.1), lambda: _batch()),
    "tasks.batch.threshold_correct": (tbatch.threshold_correct, lambda: _batch()),
    "tasks.batch.argmax_correct": (tbatch.argmax_correct, lambda: _batch()),
    "tasks.batch.framewise_accuracy": (tbatch.framewise_accuracy, lambda: _batch()),
    "tasks.batch.TaskBatch.correct": (lambda y, batch: batch.correct(y), lambda: _batch()),
}
for _name, (_fn, _mk) in _CRITERIA.items():
    CASES[_name] = Case(lambda fn=_fn, mk=_mk: (lambda b: _c(fn, y=np.clip(b.t, 0.05, 0.95) + 0.0, batch=b))(mk()),
                        free={"batch"}, nonfinite_ok={"y"},
                        echoes={"y"} if _name == "tasks.batch.check_outputs" else ())

#: public names that are not called directly, with the reason (result containers are fuzzed
#: through the functions that consume them; long runs are fuzzed through their pieces)
NOT_FUZZED = {
    **{n: "result container (dataclass of arrays the library fills); fuzzed through its consumers"
       for n in ["bidirectional.BidirectionalGrads", "bidirectional.BidirectionalCache", "charlm.CharLMCache",
                 "errorflow.LSTMErrorFlow", "ffnn.FFNNCache", "ffnn.FFNNGrads", "ffnn.FFNNCost",
                 "grid.GridLSTMGrads", "grid.GridBlockCache", "grid.GridLSTMCache", "gru.GRUGrads",
                 "gru.GRUStepCache", "gru.GRUCache", "losses.LossResult", "lstm.LSTMGrads",
                 "lstm.LSTMStepCache", "lstm.LSTMCache", "lstm.LSTMTrace", "lstm_truncated.TruncatedTrace",
                 "models.StackedCache", "models.ModelGrads", "models.ModelCache", "perceptron.PerceptronHistory",
                 "perceptron.DeltaRuleHistory", "perceptron.SigmoidUnitGradient", "readout.ReadoutGrads",
                 "readout.ReadoutCache", "readout.NetGrads", "readout.NetCache", "rnn.RNNGrads", "rnn.StepCache",
                 "rnn.RNNCache", "rnn.BPTTTrace", "rnn.ErrorFlow", "train.TrainHistory",
                 "experiments.TrialResult", "hs97.TrialRecord", "trials.TrialCache", "tasks.batch.TaskBatch",
                 "tasks.logic.TruthTable"]},
    **{n: "container of other objects; fuzzed through the methods and functions that use it"
       for n in ["bidirectional.SequenceLayer", "bidirectional.BidirectionalParams", "models.Stacked",
                 "models.ModelParams", "models.SequenceModel", "readout.NetParams", "bidirectional.Bidirectional",
                 "activations.Activation", "charlm.Vocabulary", "experiments.TaskSetup", "hs97.Setup"]},
    **{n: "a whole training run (seconds to minutes); its pieces are fuzzed and its arguments checked "
          "by tests/test_experiments.py, tests/test_output_gate.py, tests/test_trials.py"
       for n in ["experiments.run_trial", "hs97.run_trials", "output_gate.output_gate_trial"]},
    **{n: "Reber grammar internals on grammar states (tuples) and symbols, no arrays"
       for n in ["tasks.reber.next_state", "tasks.reber.legal_from"]},
    **{n: "gradient-check utility: NaN/inf in the compared gradients is the failure it reports "
          "(relative error inf, verdict FAILED), so it must not reject them; tests/test_gradcheck.py"
       for n in ["gradcheck.relative_error", "gradcheck.numerical_gradient", "gradcheck.check_gradients",
                 "gradcheck.max_error", "gradcheck.error_bound", "gradcheck.report"]},
}


# --------------------------------------------------------------------------- mutations

ARRAY_KINDS = ["int", "object", "complex", "bool", "other_float", "nan", "inf", "list", "ragged",
               "empty", "shape", "huge", "none"]
INT_ARRAY_KINDS = ["negative", "too_big", "fraction", "bool", "object", "list", "ragged", "empty", "shape",
                   "none"]
#: what an array field of a parameter / batch / state object can be broken into (a field
#: set to a list or None after construction is not a case the library can see)
FIELD_KINDS = ["int", "object", "complex", "bool", "other_float", "nan", "inf", "empty", "shape", "huge"]
#: fields of the objects passed in that their consumers do not read as arrays
UNREAD_FIELDS = {"lengths", "info", "criterion", "name", "config", "activation", "activations"}
MUST_RAISE = {"object", "complex", "bool", "nan", "inf", "ragged", "empty", "none", "int", "negative",
              "too_big", "fraction"}


def _huge(a, draw):
    big = float(10.0 ** draw(st.integers(30, 38))) if a.dtype == np.float32 else \
        float(10.0 ** draw(st.integers(200, 307))) * draw(st.sampled_from([1.0, 1.7976]))
    sign = np.where(np.asarray(a) < 0, -1.0, 1.0)
    return (sign * big).astype(a.dtype)


def _shapes(shape):
    """Shapes that a careless function would broadcast or index without noticing."""
    out = []
    for ax in range(len(shape)):
        out.append(shape[:ax] + shape[ax + 1:])                       # drop an axis
        out.append(shape[:ax] + (shape[ax] + 1,) + shape[ax + 1:])    # one longer
        if shape[ax] > 1:
            out.append(shape[:ax] + (1,) + shape[ax + 1:])            # 1: broadcasts
    out.append(shape + (1,))
    out.append((1,) + shape)
    return [s for s in dict.fromkeys(out) if s != shape]


def mutate_array(kind, a, draw):
    a = np.asarray(a)
    if kind == "int":
        return np.round(a * 3).astype(np.int64)
    if kind == "object":
        return a.astype(object)
    if kind == "complex":
        return a.astype(np.complex128) + 1j
    if kind == "bool":
        return a > 0
    if kind == "other_float":
        return a.astype(np.float32 if a.dtype == np.float64 else np.float64)
    if kind in ("nan", "inf"):
        b = a.astype(a.dtype if a.dtype.kind == "f" else np.float64, copy=True)
        if b.size == 0:
            return b
        b.flat[draw(st.integers(0, b.size - 1))] = np.nan if kind == "nan" else draw(st.sampled_from([np.inf, -np.inf]))
        return b
    if kind == "list":
        return a.tolist()
    if kind == "ragged":
        lst = a.tolist()
        if a.ndim == 0:
            return [[1.0], [1.0, 2.0]]
        if a.ndim == 1 or len(lst) < 2:
            return [lst, lst + [0.0]] if a.ndim == 1 else [lst[0], lst[0][:-1] if isinstance(lst[0], list) else [lst[0]]]
        lst[-1] = lst[-1][:-1] if isinstance(lst[-1], list) and len(lst[-1]) > 1 else [lst[-1], lst[-1]]
        return lst
    if kind == "empty":
        if a.ndim == 0:
            return np.zeros(0, a.dtype)
        ax = draw(st.integers(0, a.ndim - 1))
        return np.take(a, np.arange(0), axis=ax)
    if kind == "shape":
        shape = draw(st.sampled_from(_shapes(a.shape) or [(2,)]))
        return np.resize(a, shape) if a.size else np.zeros(shape, a.dtype)
    if kind == "huge":
        return _huge(a, draw)
    if kind == "negative":
        return a - (a.max() + 2 if a.size else 1)
    if kind == "too_big":
        return a + 10 ** 6
    if kind == "fraction":
        return a + 0.5
    if kind == "none":
        return None
    raise AssertionError(kind)


def scalar_mutations(name, value):
    """(bad value, must it raise) for a scalar argument."""
    if name in ("rng", "seed"):
        return [(-1, True), ("abc", True), (1.5, True), ([1, 2], True)]
    if name == "dtype":
        return [(np.int64, True), ("bogus", True), (np.complex128, True), (bool, True)]
    if isinstance(value, bool):
        return [("yes", True), (None, False)]
    if isinstance(value, (int, np.integer)):
        return [(-1, True), (2.5, True), ("3", True), (None, False)]
    if isinstance(value, float):
        return [(math.nan, True), (math.inf, True), ("x", True), (None, False), (1e308, False)]
    if isinstance(value, str):
        return [("bogus", True), (3, True)]
    return []


# --------------------------------------------------------------------------- the property


def _leaves(obj, path="result", depth=0):
    """(path, value) for every array and float inside a result."""
    if depth > 4:
        return
    if isinstance(obj, np.ndarray) or isinstance(obj, (float, np.floating)):
        yield path, obj
    elif isinstance(obj, (tuple, list)) and len(obj) < 50:
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{path}[{i}]", depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{path}[{k!r}]", depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _leaves(getattr(obj, f.name), f"{path}.{f.name}", depth + 1)


def _check_result(got, ref, same_shape, same_dtype=True):
    ref_leaves = dict(_leaves(ref))
    for path, v in _leaves(got):
        r = ref_leaves.get(path)
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            if r is None or (isinstance(r, np.ndarray) and np.all(np.isfinite(r))):
                assert np.all(np.isfinite(v)), f"{path}: non-finite result ({np.sum(~np.isfinite(v))} entries)"
            if isinstance(r, np.ndarray) and same_dtype:
                assert v.dtype == r.dtype, f"{path}: dtype {v.dtype}, the valid call gives {r.dtype}"
                if same_shape:
                    assert v.shape == r.shape, f"{path}: shape {v.shape}, the valid call gives {r.shape} (a silent broadcast?)"
        elif isinstance(v, (float, np.floating)) and r is not None and np.isfinite(r):
            assert np.isfinite(v), f"{path}: non-finite result {v}"


def _names_it(msg, path):
    top, _, field = path.partition(".")
    names = {path, top} | ({field, field.split("[")[0]} if field else set())
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w(])", msg) for n in names if n)


def _targets(kw, case):
    """(path, value) of every argument that can be broken."""
    out = []
    for k, v in kw.items():
        if k in case.free or callable(v) and not isinstance(v, type) and not inspect.isclass(v):
            continue
        if "cache" in k:
            continue
        if isinstance(v, np.ndarray):
            out.append((k, v))
        elif isinstance(v, (int, float, str, np.integer)) or k == "dtype":
            out.append((k, v))
        elif isinstance(v, dict):                     # a dict of arrays (trials' grads)
            for f, a in v.items():
                if isinstance(a, np.ndarray) and a.size and f"{k}.{f}" not in case.free:
                    out.append((f"{k}.{f}", a))
        elif dataclasses.is_dataclass(v):
            for f in dataclasses.fields(v):
                a = getattr(v, f.name)
                if isinstance(a, np.ndarray) and a.size and f.name not in UNREAD_FIELDS \
                        and f"{k}.{f.name}" not in case.free:
                    out.append((f"{k}.{f.name}", a))
    return out


def _replace(obj, field, value):
    if isinstance(obj, dict):
        obj[field] = value
        return obj
    if getattr(type(obj), "__dataclass_params__").frozen:
        object.__setattr__(obj, field, value)
    else:
        setattr(obj, field, value)
    return obj


def _gap(name, path, kind):
    """The known gap of case ``name`` that (path, kind) falls in, or None."""
    for p, k in KNOWN_GAPS.get(name, {}).get("gaps", ()):
        if p in ("*", path) and (k == "*" or kind == k or kind.startswith(k + " ")):
            return p, k
    return None


def _call(case, draw, name=None, force=None, skip_gaps=True):
    """One malformed call. ``force=(path, kind)`` breaks that argument that way (the gap
    tests); otherwise hypothesis picks, and known gaps are skipped."""
    fn, kw = case.make()
    ref = fn(**kw)
    fn, kw = case.make()
    targets = _targets(kw, case)
    alt = case.alt() if case.alt else []
    options = [("array", p) for p, v in targets if isinstance(v, np.ndarray)] + \
              [("scalar", p) for p, v in targets if not isinstance(v, np.ndarray)] + \
              [("alt", i) for i in range(len(alt))]
    if force is not None:
        options = [o for o in options if o[1] == force[0] or o[0] == "alt" and force[0] == "cache"]
    if not options:
        return None, None, ref
    what, which = draw(st.sampled_from(options))
    if what == "alt":
        path, value = alt[which]
        must, same_shape = True, True
        kind = "foreign"
        kw[path] = value
    elif what == "array":
        path = which
        value = dict(targets)[path]
        kinds = INT_ARRAY_KINDS if value.dtype.kind in "iu" else ARRAY_KINDS
        if value.dtype == bool:                # flags (trials' ``on``, ``active``): bool is valid
            kinds = [k for k in kinds if k != "bool"]
        if "." in path:
            kinds = [k for k in kinds if k in FIELD_KINDS or value.dtype.kind in "iu" and k not in ("list", "ragged", "none")]
        top = path.split(".")[0]
        kind = force[1] if force is not None else draw(st.sampled_from(kinds))
        if kind == "too_big" and top in case.unbounded:
            kind = "negative"
        if skip_gaps and _gap(name, path, kind):
            return None, None, ref
        if kind == "int" and top in case.int_ok and value.dtype.kind in "iu":
            kind = "fraction"
        if kind == "none" and "." not in path:
            default = inspect.signature(fn).parameters.get(path)
            if default is not None and default.default is None:
                kind = "shape"
        bad = mutate_array(kind, value, draw)
        sizes = top in case.sizes
        must = kind in MUST_RAISE or (kind == "shape" and not sizes)
        if top in case.nonfinite_ok and kind in ("nan", "inf"):
            must = False
        if top in case.int_ok and value.dtype.kind == "f" and kind in ("int", "bool"):
            must = False                   # float targets given as ints / bools: converted
        if case.lazy:
            must = False
        same_shape = not sizes
        echo = bad if top in case.echoes and kind in ("nan", "inf") else None
        return _run(fn, kw, path, bad, kind, must, same_shape, ref, lazy=case.lazy, echo=echo)
    else:
        path = which
        bad, must = draw(st.sampled_from(scalar_mutations(path, dict(targets)[path]) or [(None, False)]))
        kind = f"scalar {bad!r}"
        if skip_gaps and _gap(name, path, "scalar"):
            return None, None, ref
        kw[path] = bad
        same_shape = False
    return _run(fn, kw, path, None, kind, must, same_shape, ref, placed=True)


def _run(fn, kw, path, bad, kind, must, same_shape, ref, placed=False, lazy=False, echo=None):
    """Make the call; ``echo``: the non-finite input the call must return unchanged."""
    where = f"{path} <- {kind}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if not placed:
                top, _, field = path.partition(".")
                if field:
                    _replace(kw[top], field, bad)
                else:
                    kw[top] = bad
            got = fn(**kw)
    except (ValueError, TypeError) as err:
        msg = str(err)
        named = _names_it(msg, path) or (kind == "other_float" and "dtype" in msg) or \
            (kind == "shape" and not same_shape and any(_names_it(msg, k) for k in kw)) or \
            (kind in ("shape", "empty") and "expected shape" in msg
             and any(_names_it(msg, k) for k, v in kw.items() if k != path.split(".")[0]))
        assert named, f"{where}: the message does not name {path!r}: {type(err).__name__}: {msg}"
        assert "inhomogeneous" not in msg and "could not broadcast" not in msg \
            and "operands could not" not in msg and "object has no attribute" not in msg, \
            f"{where}: NumPy's own message reached the user: {msg}"
        return where, "raised", None
    except Warning as w:
        raise AssertionError(f"{where}: warning {type(w).__name__}: {w}") from None
    except Exception as err:
        raise AssertionError(f"{where}: {type(err).__name__} from inside: {err}") from err
    assert not must, f"{where}: accepted (expected a ValueError/TypeError naming {path!r})"
    if echo is not None:
        assert got is echo or np.array_equal(got, echo, equal_nan=True), \
            f"{where}: the non-finite input did not come back unchanged"
    elif not lazy:
        try:
            _check_result(got, ref, same_shape, same_dtype=kind != "other_float")
        except AssertionError as err:
            raise AssertionError(f"{where}: {err}") from None
    return where, "returned", got


# KNOWN_GAPS_START
def _no_params():
    return ("not a bug: without ``params`` the gradients have no shape to match (any dict or dataclass "
            "of arrays is valid), so a resized gradient cannot be told from another net's; with "
            "``params`` given a wrong shape is rejected")


def _no_inputs():
    return ("not a bug: ``RTRL(params, batch_size, state0)`` sees no input before ``step``, so a "
            "``W_in`` of another column count is a valid net with another number of inputs I "
            "(``step`` then checks ``x_t`` against it)")


#: (path, kind) pairs that still fail the property, per case, and why they are not fixed.
#: ``kind`` is a mutation of :data:`ARRAY_KINDS` / :data:`INT_ARRAY_KINDS`, or ``"scalar"``.
KNOWN_GAPS: dict = {
    "optim.clip_by_global_norm": {"reason": _no_params(), "gaps": [('grads.W_in', 'shape'), ('grads.W_rec', 'shape'), ('grads.b', 'shape')]},
    "optim.clip_by_value": {"reason": _no_params(), "gaps": [('grads.W_in', 'shape'), ('grads.W_rec', 'shape'), ('grads.b', 'shape')]},
    "optim.global_norm": {"reason": _no_params(), "gaps": [('grads.W_in', 'shape'), ('grads.W_rec', 'shape'), ('grads.b', 'shape')]},
    "rnn.RTRL": {"reason": _no_inputs(), "gaps": [('params.W_in', 'shape')]},
}
# KNOWN_GAPS_END


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_malformed_input_is_rejected_or_harmless(name, data):
    """The property, for every case; the known gaps below are left out here and tested apart."""
    _call(CASES[name], data.draw, name)


class GapStillThere(AssertionError):
    """A known gap still fails the property (the expected failure of the gap tests)."""


class _FixedDraw:
    """A deterministic stand-in for ``data.draw``: the first, last or middle choice."""

    def __init__(self, which):
        self.which = which

    def __call__(self, strategy):
        inner = getattr(strategy, "wrapped_strategy", strategy)
        if hasattr(inner, "elements"):
            options = list(inner.elements)
        else:
            options = list(range(inner.start, inner.end + 1))
        return options[{"first": 0, "last": -1, "middle": len(options) // 2}[self.which]]


def _gap_fails(name, path, kind) -> bool:
    case = CASES[name]
    if kind == "scalar":
        fn, kw = case.make()
        for bad, must in scalar_mutations(path, kw[path]):
            fn, kw = case.make()
            ref = fn(**kw)
            fn, kw = case.make()
            kw[path] = bad
            try:
                _run(fn, kw, path, None, f"scalar {bad!r}", must, False, ref, placed=True)
            except AssertionError:
                return True
        return False
    for which in ("first", "last", "middle"):
        try:
            _call(case, _FixedDraw(which), name, force=(path, kind), skip_gaps=False)
        except AssertionError:
            return True
    return False


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(
    strict=True, raises=GapStillThere, reason=KNOWN_GAPS[n]["reason"])) for n in sorted(KNOWN_GAPS)])
def test_known_gaps_are_still_there(name):
    """Each case's known gaps still fail the property: an expected failure (strict), naming why
    it is not fixed. A gap that no longer fails is a real failure: take it off :data:`KNOWN_GAPS`."""
    gaps = KNOWN_GAPS[name]["gaps"]
    failing = [g for g in gaps if _gap_fails(name, *g)]
    fixed = [g for g in gaps if g not in failing]
    if fixed:
        pytest.fail(f"{name}: these known gaps are fixed, remove them from KNOWN_GAPS: {fixed}")
    raise GapStillThere(f"{name}: {len(failing)} known gaps: {failing}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_call_is_clean(name):
    """The valid call of each case runs without a warning and gives finite arrays."""
    fn, kw = CASES[name].make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fn(**kw)
    for path, v in _leaves(got):
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and "trace" not in path:
            assert np.all(np.isfinite(v)), f"{name}: {path} not finite"


def test_public_list_is_complete():
    """Every public callable has a fuzz case or a stated reason for having none."""
    covered = {n.split("[")[0] for n in CASES}
    covered |= {n.rsplit(".", 1)[0] for n in covered}          # Class.method covers Class
    missing = sorted(public_names() - covered - set(NOT_FUZZED))
    assert not missing, f"public names without a fuzz case or a NOT_FUZZED reason: {missing}"
    stale = sorted(n for n in set(NOT_FUZZED) | {c.split("[")[0] for c in CASES}
                   if n.split(".")[-1][:1].islower() and n not in public_names()
                   and n.rsplit(".", 1)[0] not in public_names())
    assert not stale, f"fuzz entries for names that are not public (any more): {stale}"
