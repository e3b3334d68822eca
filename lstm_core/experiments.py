"""Reproducing the early LSTM experiments at laptop scale: task setups, one trial, a summary (Chapter 16).

Hochreiter & Schmidhuber (1997) test the memory cell on a family of artificial tasks, each built
so that the information a target needs lies far back in the sequence. A **trial** trains one
freshly initialised network on one task until a **stop criterion** holds or a budget of training
sequences is spent, then scores it on fresh test sequences with the task's published criterion.
A trial is **successful** when the stop criterion was met within the budget. The paper reports,
per task, the fraction of successful trials and the number of training sequences seen until
success; :func:`summarise` computes the same from our trials.

Two stop criteria, as in the paper:

``"test"``    every string of a training set and of a test set is predicted correctly
              (embedded Reber grammar, experiment 1), or every test sequence (noise-free long
              lags, experiment 2a); checked every ``eval_every`` updates.
``"window"``  the most recent ``window`` (2000) training sequences were all processed correctly
              and their average error is below ``max_error`` (adding, multiplication, temporal
              order, experiments 4-6); checked after every update. The "error" of a sequence is
              E = ½ Σ_k e_k² at its scored step, except for the multiplication problem, where we
              read the paper's "average training error" as the mean absolute error (see
              :data:`SETUPS`).

What differs from 1997 (the chapter states it next to every number): minibatches of B sequences
and Adam instead of online gradient descent with a fixed learning rate; full BPTT through the
cell instead of the truncated gradient (Chapter 11); output units see only the memory cells
(:mod:`lstm_core.readout`); a budget of training sequences far below the paper's.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field

import numpy as np

from . import _checks
from . import _validate as V
from . import tasks
from .lstm import LSTMConfig, LSTMParams
from .optim import Adam
from .readout import NetParams, net_backward, net_forward
from .losses import squared_error
from .train import train

__all__ = ["TaskSetup", "SETUPS", "setup", "TrialResult", "run_trial", "summarise",
           "sequence_errors", "paper_gate_biases"]


@dataclass(frozen=True)
class TaskSetup:
    """One task and how we train on it (Chapter 16).

    Attributes
    ----------
    name : str
        Key in :data:`SETUPS`.
    generator : str
        Name of the :mod:`lstm_core.tasks` generator (``"reber_batch"``, ``"adding_problem"``, …).
    task_kwargs : dict
        Extra arguments of the generator (``T``, ``p``, ``n_relevant``).
    n_in, n_out : int
        Input and output units.
    core : str
        An LSTM preset, ``"lstm1997"`` (memory cells without forget gate) or ``"gers2000"``
        (with), or ``"rnn"`` (tanh baseline).
    n_cells : int
        Memory cells (or tanh units).
    block_size : int
        Cells per memory block (LSTM only).
    direct : bool
        Direct input → output connections (the next-symbol tasks, experiments 1 and 2a).
    init_scale : float or None
        Initial weights uniform in ±init_scale (``None``: ±1/√H); the paper uses ±0.1 or ±0.2.
    input_gate_bias, output_gate_bias : float
        Initial gate biases of block k = 1, 2, … set to −k times this value (0: left random);
        see :func:`paper_gate_biases`.
    batch_size : int
        Sequences per update (the paper: 1).
    lr : float
        Adam's step size α.
    max_sequences : int
        Budget of training sequences per trial.
    stop : {"test", "window"}
        The stop criterion (see the module docstring).
    eval_every : int
        Updates between evaluations (``"test"``) or between points of the learning curve.
    window : int
        Recent training sequences the ``"window"`` criterion looks at.
    max_error : float
        Average-error bound of the ``"window"`` criterion.
    error_kind : {"E", "abs"}
        ``"E"``: E = ½ Σ e² per sequence; ``"abs"``: mean |e|.
    n_train : int
        ``"test"`` criterion for the Reber task: size of the fixed training set (0: fresh
        sequences every update).
    n_test : int
        Test sequences for the final score (and for the ``"test"`` criterion).
    criterion_kwargs : dict
        Extra arguments of the task's success criterion (e.g. ``rule="most_active"``).
    clip_norm : float
        Global gradient-norm clipping before each update.
    """

    name: str
    generator: str
    n_in: int
    n_out: int
    task_kwargs: dict = field(default_factory=dict)
    core: str = "lstm1997"
    n_cells: int = 4
    block_size: int = 1
    direct: bool = False
    init_scale: float | None = None
    input_gate_bias: float = 0.0
    output_gate_bias: float = 1.0
    batch_size: int = 16
    lr: float = 0.01
    max_sequences: int = 100_000
    stop: str = "window"
    eval_every: int = 50
    window: int = 2000
    max_error: float = 0.01
    error_kind: str = "E"
    n_train: int = 0
    n_test: int = 2560
    criterion_kwargs: dict = field(default_factory=dict)
    clip_norm: float = 1.0

    def batch(self, rng, batch_size: int) -> tasks.TaskBatch:
        """A batch of ``batch_size`` fresh sequences of this task."""
        return getattr(tasks, self.generator)(rng, batch_size, **self.task_kwargs)

    def correct(self, y, batch) -> np.ndarray:
        """The task's published per-sequence criterion, bool (B,)."""
        return batch.criterion(y, batch, **self.criterion_kwargs)

    def replace(self, **changes) -> "TaskSetup":
        """A copy with some fields changed (e.g. a smaller ``T`` for the live notebook run)."""
        return TaskSetup(**{**asdict(self), **changes})


#: The experiments of Chapter 16 at the scale the committed run uses (see experiments/).
SETUPS: dict[str, TaskSetup] = {
    # Exp. 1: 7 one-hot symbols in and out; 4 blocks of 2 cells as in the paper
    "embedded_reber": TaskSetup(
        "embedded_reber", "reber_batch", 7, 7, core="lstm1997", n_cells=8, block_size=2,
        direct=True, batch_size=16, lr=0.05, max_sequences=40_000, stop="test", eval_every=25,
        n_train=256, n_test=256, criterion_kwargs=dict(rule="most_active")),
    "embedded_reber_rnn": TaskSetup(
        "embedded_reber_rnn", "reber_batch", 7, 7, core="rnn", n_cells=12, direct=True,
        batch_size=16, lr=0.05, max_sequences=40_000, stop="test", eval_every=25, n_train=256,
        n_test=256, criterion_kwargs=dict(rule="most_active")),
    # Exp. 2a: p = 100, p + 1 one-hot symbols; two memory cells
    "long_lag": TaskSetup(
        "long_lag", "noise_free_long_lag", 101, 101, task_kwargs=dict(p=100), core="lstm1997",
        n_cells=2, direct=True, batch_size=16, lr=0.02, max_sequences=10_000, stop="test",
        eval_every=25, n_test=64),
    "long_lag_gers2000": TaskSetup(
        "long_lag_gers2000", "noise_free_long_lag", 101, 101, task_kwargs=dict(p=100),
        core="gers2000", n_cells=2, direct=True, batch_size=16, lr=0.02, max_sequences=10_000,
        stop="test", eval_every=25, n_test=64),
    "long_lag_rnn": TaskSetup(
        "long_lag_rnn", "noise_free_long_lag", 101, 101, task_kwargs=dict(p=100), core="rnn",
        n_cells=4, direct=True, batch_size=16, lr=0.02, max_sequences=10_000, stop="test",
        eval_every=25, n_test=64),
    # Exp. 4-6: T = 100, 2 blocks of 2 cells, weights in ±0.1, input gate biases −3, −6 (the
    # paper's initialisation for the adding problem; with our default ±1/√H most trials never
    # started to store the marked values)
    "adding": TaskSetup(
        "adding", "adding_problem", 2, 1, task_kwargs=dict(T=100), core="lstm1997", n_cells=4,
        block_size=2, init_scale=0.1, input_gate_bias=3.0, output_gate_bias=0.0, batch_size=32,
        lr=0.01, max_sequences=150_000, eval_every=50,
        max_error=0.01),
    # Exp. 5: T = 100; stop at an average (absolute, our reading) training error of 0.02
    "multiplication": TaskSetup(
        "multiplication", "multiplication_problem", 2, 1, task_kwargs=dict(T=100),
        core="lstm1997", n_cells=4, block_size=2, init_scale=0.1, input_gate_bias=3.0,
        output_gate_bias=0.0, batch_size=32, lr=0.01,
        max_sequences=450_000, eval_every=50, max_error=0.02, error_kind="abs",
        criterion_kwargs=dict(tol=0.04)),
    # Exp. 6a: T = 100, 8 input symbols, 4 classes; H&S: 2 blocks of 2 cells
    "temporal_order": TaskSetup(
        "temporal_order", "temporal_order", 8, 4, task_kwargs=dict(T=100, n_relevant=2),
        core="lstm1997", n_cells=4, block_size=2, init_scale=0.1, input_gate_bias=3.0,
        output_gate_bias=0.0, batch_size=32, lr=0.01,
        max_sequences=150_000, eval_every=50, max_error=0.1),
}


def setup(name: str, **changes) -> TaskSetup:
    """The setup called ``name`` from :data:`SETUPS`, with optional changes."""
    if name not in SETUPS:
        raise ValueError(f"name: expected one of {list(SETUPS)}, got {name!r}")
    return SETUPS[name].replace(**changes) if changes else SETUPS[name]


def paper_gate_biases(params: LSTMParams, output_step: float = 1.0,
                      input_step: float = 0.0) -> LSTMParams:
    """Negative initial gate biases, block by block, as H&S 1997 (in place; returns ``params``).

    Block k = 1, 2, … gets the output-gate bias −k·``output_step`` (the paper: −1, −2, −3, …)
    and the input-gate bias −k·``input_step`` (the paper's adding problem: −3, −6); a step of 0
    leaves those biases as they are. Closed gates at the start keep the cells from drifting and
    from all learning the same thing (the paper's "abuse problem"). Chapter 16.
    """
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params: expected LSTMParams, got {type(params).__name__}")
    output_step = V.positive_float("output_step", output_step, allow_zero=True)
    input_step = V.positive_float("input_step", input_step, allow_zero=True)
    for name, v in (("output_step", output_step), ("input_step", input_step)):
        if v * params.n_blocks > float(np.finfo(params.b.dtype).max):
            raise ValueError(f"{name}: expected a step whose biases −k·step stay within the "
                             f"{params.b.dtype} range, got {v!r}")
    lay = params.config.layout(params.n_cells)
    k = np.arange(1, params.n_blocks + 1, dtype=params.b.dtype)
    if "o" in lay and output_step:
        params.b[lay["o"]] = -output_step * k
    if "i" in lay and input_step:
        params.b[lay["i"]] = -input_step * k
    return params


def sequence_errors(y, batch, kind: str = "E") -> np.ndarray:
    """Error of each sequence at its scored steps, shape (B,) (Chapter 16).

    ``kind="E"``: E_b = ½ Σ_t Σ_k m_b(t) e_k(t)²; ``kind="abs"``: the mean of |e_k(t)| over
    the scored entries. ``y`` has the layout of ``batch.t``.

    Book equations: eq-ch16-window
    """
    _, t, mask = _checks.task_batch(batch)
    y = _checks.float_array("y", y, ndim=3, shape=t.shape, dtype=t.dtype)
    if kind not in ("E", "abs"):
        raise ValueError(f"kind: expected 'E' or 'abs', got {kind!r}")
    return _checks.overflow_checked("y, batch.t")(_sequence_errors)(y, t, mask, kind)


def _sequence_errors(y, t, mask, kind):
    e = (t - y) * mask
    if kind == "E":
        return 0.5 * np.sum(e * e, axis=(0, 2))
    if kind == "abs":
        n = np.maximum(np.sum(mask, axis=(0, 2)) * y.shape[2], 1.0)
        return np.sum(np.abs(e), axis=(0, 2)) / n
    raise ValueError(f"kind: expected 'E' or 'abs', got {kind!r}")


@dataclass
class TrialResult:
    """What one trial did (Chapter 16).

    Attributes
    ----------
    task, seed : the setup's name and the trial's seed
    solved : bool
        The stop criterion was met within the budget.
    sequences : int
        Training sequences seen when training ended (at success, or the whole budget).
    curve_sequences, curve_correct, curve_loss : lists
        The learning curve: after ``curve_sequences[i]`` training sequences, the fraction
        correct (test sets for ``"test"``, the recent window for ``"window"``) and the mean
        training loss since the previous point.
    test_correct : float
        Fraction of the ``n_test`` fresh test sequences processed correctly at the end.
    test_wrong : int
        Their number of wrong ones (the paper reports "# wrong predictions").
    test_n : int
    test_mse : float
        Mean squared error at the scored steps of the test sequences.
    seconds : float
        Wall-clock time of the trial (not reproducible; for the budget only).
    cpu_seconds : float
        CPU time of the trial's process (less sensitive than ``seconds`` to other programs
        sharing the machine).
    n_weights : int
    """

    task: str
    seed: int
    solved: bool
    sequences: int
    curve_sequences: list
    curve_correct: list
    curve_loss: list
    test_correct: float
    test_wrong: int
    test_n: int
    test_mse: float
    seconds: float
    cpu_seconds: float
    n_weights: int


def _init_net(s: TaskSetup, rng) -> NetParams:
    if s.core == "rnn":
        return NetParams.init(s.n_in, s.n_cells, s.n_out, rng, core="rnn", direct=s.direct)
    cfg = LSTMConfig.preset(s.core, block_size=s.block_size)
    kw = {} if s.init_scale is None else {"scale": s.init_scale}
    net = NetParams.init(s.n_in, s.n_cells, s.n_out, rng, core=cfg, direct=s.direct, **kw)
    if s.init_scale is not None:
        net.out.W[:] = rng.uniform(-s.init_scale, s.init_scale, net.out.W.shape)
    paper_gate_biases(net.core, s.output_gate_bias, s.input_gate_bias)
    return net


def _predict(params: NetParams, batch, chunk: int = 512) -> np.ndarray:
    """Outputs on a (large) batch, computed in chunks of sequences to bound memory."""
    B = batch.x.shape[1]
    return np.concatenate([net_forward(params, batch.x[:, i:i + chunk])[0]
                           for i in range(0, B, chunk)], axis=1)


def run_trial(s: TaskSetup, seed: int, verbose: bool = False) -> TrialResult:
    """Train a fresh network on task ``s`` with seed ``seed``; score it; return a :class:`TrialResult`.

    Chapter 16. The seed fixes the initial weights, the training sequences and the test sets
    (three independent streams of ``np.random.default_rng(seed)``). Training is
    :func:`lstm_core.train.train` with :class:`~lstm_core.optim.Adam`, gradient clipping, and
    E = (1/B) Σ_b ½ Σ_t m_b(t) |t − y|² (:func:`lstm_core.readout.net_loss_and_grads`).

    Book equations: eq-ch16-window
    """
    if not isinstance(s, TaskSetup):
        raise TypeError(f"s: expected a TaskSetup, got {type(s).__name__}")
    seed = V.positive_int("seed", seed, minimum=0)
    if s.stop not in ("test", "window"):
        raise ValueError(f"s.stop: expected 'test' or 'window', got {s.stop!r}")
    start, cpu_start = time.perf_counter(), time.process_time()
    rng_init, rng_data, rng_test = (np.random.default_rng(k) for k in
                                    np.random.SeedSequence(seed).spawn(3))
    params = _init_net(s, rng_init)
    B = s.batch_size
    steps = -(-s.max_sequences // B)

    # where batches come from: a fixed training set (Reber, as in the paper) or fresh sequences
    if s.n_train:
        train_set = s.batch(rng_data, s.n_train)
        order = np.arange(s.n_train)

        def data(n):
            k = (n * B) % s.n_train
            if k < B:
                rng_data.shuffle(order)
            idx = order[k:k + B]
            return _subset(train_set, idx)
    else:
        train_set = None

        def data(n):
            return s.batch(rng_data, B)

    test_set = s.batch(rng_test, s.n_test)
    recent_ok: deque = deque(maxlen=s.window)
    recent_err: deque = deque(maxlen=s.window)
    curve = ([], [], [])
    losses_since: list = []

    def loss_and_grads(p, batch):
        y, cache = net_forward(p, batch.x)
        E, dy = squared_error(y * batch.mask, batch.t, mean=True)
        if s.stop == "window":
            recent_ok.extend(s.correct(y, batch).tolist())
            recent_err.extend(sequence_errors(y, batch, s.error_kind).tolist())
        losses_since.append(E)
        grads, _ = net_backward(p, cache, dy * batch.mask)
        return E, grads

    def test_fraction(p):
        ok = s.correct(_predict(p, test_set), test_set)
        if train_set is not None:
            ok = np.concatenate([ok, s.correct(_predict(p, train_set), train_set)])
        return float(ok.mean())

    def evaluate(p):
        frac = test_fraction(p) if s.stop == "test" else float(np.mean(recent_ok))
        return frac

    def stop(h):
        n = h.steps
        if s.stop == "window":
            done = (len(recent_ok) == s.window and all(recent_ok)
                    and float(np.mean(recent_err)) < s.max_error)
        else:
            done = bool(h.eval_steps) and h.eval_steps[-1] == n and h.evals[-1] == 1.0
        if n % s.eval_every == 0 or done:
            frac = h.evals[-1] if (h.eval_steps and h.eval_steps[-1] == n) else evaluate(params)
            curve[0].append(n * B)
            curve[1].append(round(float(frac), 6))
            curve[2].append(round(float(np.mean(losses_since)), 8))
            losses_since.clear()
            if verbose:
                print(f"{s.name} seed {seed}: {n * B} sequences, correct {frac:.3f}")
        return done

    hist = train(loss_and_grads, params, Adam(lr=s.lr), steps, data=data, stop=stop,
                 evaluate=evaluate if s.stop == "test" else None,
                 eval_every=s.eval_every if s.stop == "test" else None, clip_norm=s.clip_norm)
    y = _predict(params, test_set)
    ok = s.correct(y, test_set)
    mse = float(np.sum(((test_set.t - y) * test_set.mask) ** 2) /
                max(float(np.sum(test_set.mask)) * y.shape[2], 1.0))
    return TrialResult(task=s.name, seed=seed, solved=bool(hist.stopped), sequences=hist.steps * B,
                       curve_sequences=curve[0], curve_correct=curve[1], curve_loss=curve[2],
                       test_correct=float(ok.mean()), test_wrong=int((~ok).sum()),
                       test_n=int(ok.size), test_mse=mse,
                       seconds=time.perf_counter() - start,
                       cpu_seconds=time.process_time() - cpu_start, n_weights=params.n_weights)


def _subset(batch: tasks.TaskBatch, idx: np.ndarray) -> tasks.TaskBatch:
    """The sequences ``idx`` of a batch (trimmed to their longest length)."""
    T = int(batch.lengths[idx].max())
    return tasks.TaskBatch(x=batch.x[:T, idx], t=batch.t[:T, idx], mask=batch.mask[:T, idx],
                           lengths=batch.lengths[idx], name=batch.name, info={},
                           criterion=batch.criterion)


def summarise(trials: list[dict]) -> dict:
    """Per-task summary of trial results (dicts of :class:`TrialResult` fields), Chapter 16.

    Returns ``{task: {"trials", "solved", "success_rate", "median_sequences",
    "mean_test_correct", "seconds", "cpu_seconds"}}``, where ``median_sequences`` is the median
    number of training sequences of the *successful* trials (``None`` if none succeeded) — the
    paper's "success after" column — and ``seconds`` / ``cpu_seconds`` the total wall-clock / CPU
    time of the task's trials.
    """
    if isinstance(trials, dict) or not hasattr(trials, "__iter__"):
        raise TypeError(f"trials: expected a list of trial dicts, got {type(trials).__name__}")
    out: dict = {}
    for r in trials:
        for key in ("task", "solved", "sequences"):
            if key not in r:
                raise ValueError(f"trials: every trial needs {key!r}, got keys {sorted(r)}")
        out.setdefault(r["task"], []).append(r)
    summary = {}
    for task, rs in out.items():
        solved = [r for r in rs if r["solved"]]
        summary[task] = {
            "trials": len(rs),
            "solved": len(solved),
            "success_rate": len(solved) / len(rs),
            "median_sequences": float(np.median([r["sequences"] for r in solved])) if solved else None,
            "mean_test_correct": float(np.mean([r.get("test_correct", np.nan) for r in rs])),
            "seconds": float(sum(r.get("seconds", 0.0) for r in rs)),
            "cpu_seconds": float(sum(r.get("cpu_seconds", 0.0) for r in rs)),
        }
    return summary
