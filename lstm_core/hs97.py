"""The experiments of Hochreiter & Schmidhuber (1997), as the paper ran them, many trials at once
(Chapter 16).

Each :class:`Setup` is one row of the paper's tables 10 and 11: the net (:class:`~lstm_core.trials.NetSpec`),
the initialisation, the learning rate, how training sequences are drawn, and the stop and
success criteria. :func:`run_trials` trains K trials of one setup in lockstep with
:mod:`lstm_core.trials` — each trial with its own seed, data stream, weights and stopping point —
and returns one :class:`TrialRecord` per trial.

Stop criteria (the paper's wording in quotes):

``"streak"``   "during 10,000 successive, randomly chosen input sequences, the maximal absolute
               error of all output units is always below" ``tol`` (experiments 2a–2c). We count
               successive correct *training* sequences while learning goes on; the sequence
               count reported is where the streak began.
``"window"``   "average training error below β and the 2000 most recent sequences were processed
               correctly" (ST3, experiments 4 and 6); the average is of E = ½ Σ_k e_k² over the
               same 2000 sequences.
``"count"``    "less than n_seq of the 2000 most recent training sequences lead to absolute errors
               exceeding 0.04" (experiment 5).
``"test"``     a frozen test every ``eval_every`` sequences: every symbol of the training and the
               test strings predicted (experiment 1), or none of 256 test sequences misclassified
               (ST1, experiment 3a).

After a trial stops, its net is tested frozen on ``n_test`` fresh sequences (the paper: 2560).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field

import numpy as np

from . import tasks
from . import trials as tr
from ._validate import positive_float, positive_int
from .tasks.batch import TaskBatch, as_rng, end_mask, make_batch, one_hot

__all__ = ["Setup", "TrialRecord", "run_trials", "SAMPLERS", "wilson_interval",
           "random_long_lag", "distractor_long_lag", "two_sequence", "delayed_xor"]


# --------------------------------------------------------------------------------------------
# Tasks of the paper that lstm_core.tasks does not have yet
# --------------------------------------------------------------------------------------------

class _Symbols:
    """One-hot inputs of B sequences kept as the active unit's index (Chapter 16): ``sym``
    (T, B) ints, −1 at padding steps, for ``width`` input units. It slices like the (T, B, width)
    array it stands for (``x[:T, i0:i1]``, ``x[:T, idx]``), so the training stream handles it as
    it handles arrays; :func:`_stack` turns K of them into one :class:`~lstm_core.trials.OneHotInputs`.
    The battery's samplers of experiments 2a–2c return it instead of the dense one-hot ``x``
    of the public generators (equal: ``tests/test_trials.py``), which for q = 1000 spared most of
    a trial's time."""

    __slots__ = ("sym", "width")
    dtype = np.dtype(np.float64)

    def __init__(self, sym: np.ndarray, width: int):
        self.sym, self.width = sym, width

    @property
    def shape(self) -> tuple:
        return self.sym.shape + (self.width,)

    def __getitem__(self, key) -> "_Symbols":
        return _Symbols(self.sym[key], self.width)

    def dense(self) -> np.ndarray:
        """The (T, B, width) float64 one-hot array (zero rows at padding steps)."""
        out = one_hot(np.maximum(self.sym, 0), self.width, np.float64)
        out[self.sym < 0] = 0.0
        return out


def _hot_batch(name: str, sym, width: int, t, mask, lengths, criterion, **info) -> TaskBatch:
    """:func:`~lstm_core.tasks.batch.make_batch` with the inputs as symbol indices ``sym``
    (T, B), −1 at padding steps (:class:`_Symbols`); ``t`` and ``mask`` checked as there."""
    ref = make_batch(name, np.zeros(sym.shape[:2] + (1,)), t, mask, lengths, criterion, **info)
    return TaskBatch(x=_Symbols(np.asarray(sym, dtype=np.intp), width), t=ref.t, mask=ref.mask,
                     lengths=ref.lengths, name=name, info=ref.info, criterion=criterion)


def _abs_correct(y, batch: TaskBatch, tol: float) -> np.ndarray:
    return tasks.abs_error_correct(y, batch, tol)


def random_long_lag(rng, batch_size: int, p: int, hot: bool = False) -> TaskBatch:
    """Experiment 2b: ``(y, a_i1, …, a_i(p−1), y)`` / ``(x, …, x)`` with random middle symbols.

    Chapter 16. As :func:`lstm_core.tasks.noise_free_long_lag` (same units: a_i is unit i − 1,
    x unit p − 1, y unit p), but the p − 1 middle symbols are drawn uniformly from a_1 … a_{p−1};
    every next symbol is a target, only the last one is scored (success: all outputs within 0.25
    at the sequence end). ``x``, ``t`` (p, B, p + 1); ``mask`` ones; ``info["score"]`` (p, B, 1)
    is 1 at the last step. ``batch_size`` ≥ 1, ``p`` ≥ 1. ``hot``: ``x`` as symbol indices
    (:class:`_Symbols`, the battery's form), the same numbers.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    positive_int("p", p)
    first = p - 1 + rng.integers(2, size=B)
    middle = rng.integers(0, p - 1, size=(p - 1, B))
    inputs = np.concatenate([first[None, :], middle], axis=0)
    targets = np.concatenate([middle, first[None, :]], axis=0)
    score = np.zeros((p, B, 1))
    score[-1] = 1.0
    args = (one_hot(targets, p + 1, np.float64), np.ones((p, B, 1)), np.full(B, p), None)
    if hot:
        return _hot_batch("random_long_lag", inputs, p + 1, *args, first=first, score=score)
    return make_batch("random_long_lag", one_hot(inputs, p + 1, np.float64), *args,
                      first=first, score=score)


def distractor_long_lag(rng, batch_size: int, q: int, p: int, hot: bool = False) -> TaskBatch:
    """Experiment 2c: minimal lag q + 1 among p distractor symbols, trigger e, target at the end.

    Chapter 16. Symbols (one-hot over p + 4 units): distractors a_1 … a_p (units 0 … p − 1),
    e (unit p), b (p + 1), x (p + 2), y (p + 3). A sequence is b, then x or y (the class), then
    q distractors, then further distractors each with probability 9/10 until e comes (probability
    1/10 per step), and finally x or y again: the symbol to predict, at the step that shows e.
    Two outputs code x / y locally; the only target is at that step. ``x`` (T_max, B, p + 4),
    ``t`` (T_max, B, 2); expected length q + 14 as in the paper. ``batch_size`` ≥ 1, ``q`` ≥ 0,
    ``p`` ≥ 1. ``hot``: ``x`` as symbol indices (:class:`_Symbols`, the battery's form), the
    same numbers.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    positive_int("q", q, minimum=0)
    positive_int("p", p)
    cls = rng.integers(2, size=B)                         # 0: x, 1: y
    extra = rng.geometric(0.1, size=B) - 1                # distractors after the first q
    lengths = q + 3 + extra                               # b, x/y, q + k distractors, e
    T = int(lengths.max())
    sym = rng.integers(0, p, size=(T, B))
    sym[0] = p + 1
    sym[1] = p + 2 + cls
    b = np.arange(B)
    sym[lengths - 1, b] = p
    pad = np.arange(T)[:, None] >= lengths[None, :]
    mask = end_mask(lengths, T, np.float64)
    t = mask * one_hot(np.broadcast_to(cls, (T, B)), 2, np.float64)
    if hot:
        sym[pad] = -1
        return _hot_batch("distractor_long_lag", sym, p + 4, t, mask, lengths, None, label=cls)
    x = one_hot(sym, p + 4, np.float64)
    x[pad] = 0.0
    return make_batch("distractor_long_lag", x, t, mask, lengths, None, label=cls)


def two_sequence(rng, batch_size: int, T: int = 100, N: int = 3) -> TaskBatch:
    """Experiment 3a, Bengio et al.'s 2-sequence problem as H&S 1997 pose it (Chapter 16).

    One input line: the first N elements are +1 (class 1) or −1 (class 2), the rest Gaussian
    noise with mean 0 and variance 0.2; length uniform in [T, T + T/10]; target at the end 1.0
    (class 1) or 0.0 (class 2); correct if the absolute error there is below 0.2.
    ``batch_size`` ≥ 1, ``T`` ≥ 1, 1 ≤ ``N`` ≤ ``T``.
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    positive_int("T", T)
    if positive_int("N", N) > T:
        raise ValueError(f"N: expected an integer <= T = {T} (the N class elements must fit in the "
                         f"shortest sequence), got {N}")
    lengths = rng.integers(T, T + T // 10 + 1, size=B)
    T_max = int(lengths.max())
    cls = rng.integers(2, size=B)                         # 1: class 1
    x = rng.normal(0.0, np.sqrt(0.2), size=(T_max, B, 1))
    x[:N, :, 0] = np.where(cls == 1, 1.0, -1.0)
    x[np.arange(T_max)[:, None] >= lengths[None, :]] = 0.0
    mask = end_mask(lengths, T_max, np.float64)
    t = mask * cls[None, :, None].astype(float)
    return make_batch("two_sequence", x, t, mask, lengths, None, label=cls)


def delayed_xor(rng, batch_size: int, T: int = 40) -> TaskBatch:
    """A strongly delayed XOR (the paper's section 6, first limitation; Chapters 12, 16).

    Two input lines: a value line of random bits ±1 and a marker line that is 1 at two steps,
    one among the first T/4 steps and one among the next T/4. The target at the last step is
    1.0 if the two marked bits differ, 0.0 if they are equal; correct if the absolute error is
    below 0.3. Storing one of the two bits alone does not reduce the expected error.
    ``batch_size`` ≥ 1, ``T`` ≥ 4 (each quarter holds a step).
    """
    rng = as_rng(rng)
    B = positive_int("batch_size", batch_size)
    positive_int("T", T, minimum=4)
    bits = rng.choice([-1.0, 1.0], size=(T, B))
    i1 = rng.integers(0, T // 4, size=B)
    i2 = rng.integers(T // 4, T // 2, size=B)
    marker = np.zeros((T, B))
    b = np.arange(B)
    marker[i1, b] = marker[i2, b] = 1.0
    x = np.stack([bits, marker], axis=2)
    lengths = np.full(B, T)
    mask = end_mask(lengths, T, np.float64)
    target = (bits[i1, b] != bits[i2, b]).astype(float)
    return make_batch("delayed_xor", x, mask * target[None, :, None], mask, lengths, None)


# --------------------------------------------------------------------------------------------
# Setups
# --------------------------------------------------------------------------------------------

def _noise_free_long_lag_hot(rng, B: int, p: int) -> TaskBatch:
    """:func:`lstm_core.tasks.noise_free_long_lag` (experiment 2a) with ``x`` as symbol indices
    (:class:`_Symbols`): the same draws from ``rng``, the same numbers."""
    rng = as_rng(rng)
    B = positive_int("batch_size", B)
    p = positive_int("p", p)
    first = p - 1 + rng.integers(2, size=B)
    middle = np.broadcast_to(np.arange(p - 1)[:, None], (p - 1, B))
    inputs = np.concatenate([first[None, :], middle], axis=0)
    targets = np.concatenate([middle, first[None, :]], axis=0)
    return _hot_batch("noise_free_long_lag", inputs, p + 1, one_hot(targets, p + 1, np.float64),
                      np.ones((p, B, 1)), np.full(B, p), tasks.long_lag_correct, first=first,
                      hard_step=p - 1)


def _reber(rng, B):
    return tasks.reber_batch(rng, B)


SAMPLERS = {
    "reber": lambda rng, B, **kw: tasks.reber_batch(rng, B),
    "noise_free_long_lag": lambda rng, B, p: tasks.noise_free_long_lag(rng, B, p=p),
    "random_long_lag": lambda rng, B, p: random_long_lag(rng, B, p=p),
    "distractor_long_lag": lambda rng, B, q, p: distractor_long_lag(rng, B, q=q, p=p),
    "two_sequence": lambda rng, B, T, N: two_sequence(rng, B, T=T, N=N),
    "adding": lambda rng, B, T: tasks.adding_problem(rng, B, T=T),
    "multiplication": lambda rng, B, T: tasks.multiplication_problem(rng, B, T=T),
    "temporal_order": lambda rng, B, n_relevant: tasks.temporal_order(rng, B, n_relevant=n_relevant),
    "delayed_xor": lambda rng, B, T: delayed_xor(rng, B, T=T),
}
"""Training-sequence generators by name: ``sampler(rng, B, **task_kwargs) -> TaskBatch``."""

HOT_SAMPLERS = {
    "noise_free_long_lag": lambda rng, B, p: _noise_free_long_lag_hot(rng, B, p=p),
    "random_long_lag": lambda rng, B, p: random_long_lag(rng, B, p=p, hot=True),
    "distractor_long_lag": lambda rng, B, q, p: distractor_long_lag(rng, B, q=q, p=p, hot=True),
}
"""The samplers of :data:`SAMPLERS` whose inputs are one-hot, with ``x`` as symbol indices
(:class:`_Symbols`): the same draws and numbers, what :func:`run_trials` trains and tests on."""


@dataclass(frozen=True)
class Setup:
    """One experiment as the paper ran it, and what we change (Chapter 16).

    ``spec`` the net; ``task`` a key of :data:`SAMPLERS` with ``task_kwargs``; ``scale`` the
    initial weight range ±scale; ``input_gate_bias`` / ``output_gate_bias`` per block or
    ``None`` (random); ``lr`` the learning rate α; ``batch_size`` sequences per update (the
    paper: 1); ``stop`` and its parameters ``tol`` (per-output absolute error of a correct
    sequence), ``beta`` (the average error bound of ``"window"``), ``n_seq`` (``"count"``),
    ``score`` (``"end"``: only the last step of a sequence decides correctness; ``"all"``: every
    scored step); ``sequential``: start with every block off and add one each time the training
    error stops falling (``plateau_window`` sequences per comparison); ``max_sequences``: the
    budget per trial; ``n_train`` a fixed training set (experiment 1); ``eval_every``
    sequences between frozen tests (``"test"``).
    """

    id: str
    spec: tr.NetSpec
    task: str
    task_kwargs: dict = field(default_factory=dict)
    scale: float = 0.1
    input_gate_bias: tuple | None = None
    output_gate_bias: tuple | None = None
    lr: float = 0.5
    batch_size: int = 1
    stop: str = "window"
    tol: float = 0.04
    beta: float = 0.01
    n_seq: int = 0
    streak: int = 10_000
    window: int = 2000
    score: str = "end"
    sequential: bool = False
    plateau_window: int = 200
    max_sequences: int = 100_000
    n_train: int = 0
    eval_every: int = 100
    n_test: int = 2560
    chunk: int = 64

    def sample(self, rng, n: int, hot: bool = False) -> TaskBatch:
        """``n`` sequences of the task from ``rng``; ``hot``: one-hot inputs as symbol indices
        where the task has them (:data:`HOT_SAMPLERS`)."""
        samplers = HOT_SAMPLERS if hot and self.task in HOT_SAMPLERS else SAMPLERS
        return samplers[self.task](rng, n, **self.task_kwargs)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["spec"] = asdict(self.spec)
        return d


@dataclass
class TrialRecord:
    """One trial's result (Chapter 16): ``success`` (the stop criterion met within the budget),
    ``sequences`` (training sequences until then, or the budget), ``test_wrong`` / ``test_mse``
    (the frozen test on ``n_test`` fresh sequences), ``cpu_seconds`` (this trial's share of the
    lockstep run), ``blocks_added_at`` (sequential construction), ``curve`` (mean training error
    per 1000 sequences)."""

    seed: int
    success: bool
    sequences: int
    test_wrong: int
    test_n: int
    test_mse: float
    cpu_seconds: float
    blocks_added_at: list
    curve: list


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a success fraction k / n (Chapter 16).

    ``k`` successes of ``n`` trials, integers with 0 ≤ k ≤ n; n = 0 (no trials) gives (0, 1).
    ``z`` > 0 the normal quantile (1.96: 95 %).
    """
    positive_int("n", n, minimum=0)
    if positive_int("k", k, minimum=0) > n:
        raise ValueError(f"k: expected an integer <= n = {n} (successes of n trials), got {k}")
    positive_float("z", z)
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


# --------------------------------------------------------------------------------------------
# Judging outputs
# --------------------------------------------------------------------------------------------

def _scored_steps(setup: Setup, batch: TaskBatch) -> np.ndarray:
    """(T, B, 1): the steps whose outputs decide whether a sequence is correct."""
    if setup.score == "all":
        return batch.mask
    sel = batch.info.get("score", None)
    return end_mask(batch.lengths, batch.T, np.float64) if sel is None else sel


def _stack(batches: list[TaskBatch], setup: Setup | None = None):
    """Pad and stack K trials' batches into (T, K, B, ·) arrays: x, t, mask (and the steps that
    decide correctness, when ``setup`` is given)."""
    T = max(b.T for b in batches)

    def stack(parts):                    # one copy into a zero-padded array (no pad + stack)
        out = np.zeros((T, len(parts)) + parts[0].shape[1:], parts[0].dtype)
        for k, a in enumerate(parts):
            out[:a.shape[0], k] = a
        return out
    if isinstance(batches[0].x, _Symbols):      # one-hot inputs by index: pad with −1 (off)
        sym = np.full((T, len(batches), batches[0].B), -1, dtype=np.intp)
        for k, b in enumerate(batches):
            sym[:b.T, k] = b.x.sym
        on = sym >= 0
        x = tr.OneHotInputs(idx=np.where(on, sym, 0), on=on, width=batches[0].x.width)
    else:
        x = stack([b.x for b in batches])
    t = stack([b.t for b in batches])
    m = stack([b.mask for b in batches])
    if setup is None:
        return x, t, m
    sel = stack([_scored_steps(setup, b) for b in batches])
    return x, t, m, sel


def _judge(setup: Setup, y, t, m, sel, batches=None):
    """Per sequence of K stacked trials (all arrays (T, K, B, ·)): ``ok`` (K, B) the paper's
    criterion, ``E`` (K, B) = ½ Σ_t Σ_k mask e², ``sq_end`` (K, B) the mean squared output error
    at the scored steps, ``n_wrong`` (K, B) the number of scored steps with an output off by
    ``tol`` or more (the error measure of sequential construction)."""
    err = np.subtract(t, y)
    np.abs(err, out=err)
    err *= m
    err2 = err * err
    E = 0.5 * err2.sum(axis=(0, 3))
    bad_step = (np.fmax.reduce(err, axis=3) >= setup.tol) & (sel[..., 0] > 0)   # (T, K, B)
    n_wrong = bad_step.sum(axis=0)
    if setup.task == "reber":
        ok = np.stack([tasks.reber_correct(y[:b.T, k], b, rule="most_active")
                       for k, b in enumerate(batches)])
    else:
        ok = (n_wrong == 0) & np.all(np.isfinite(y), axis=(0, 3))
    err2 *= sel
    sq_end = err2.sum(axis=(0, 3)) / np.maximum(1.0, sel.sum(axis=(0, 3))) / y.shape[3]
    return ok, E, sq_end, n_wrong


def _slice(batch: TaskBatch, i0: int, i1: int) -> TaskBatch:
    """Sequences i0:i1 of a batch, trimmed to their longest length."""
    L = batch.lengths[i0:i1]
    T = int(L.max())
    info = {k: (v[:T, i0:i1] if k == "score" else v) for k, v in batch.info.items()}
    return TaskBatch(x=batch.x[:T, i0:i1], t=batch.t[:T, i0:i1], mask=batch.mask[:T, i0:i1],
                     lengths=L, name=batch.name, info=info, criterion=batch.criterion)


def _evaluate(setup: Setup, nets: tr.TrialNets, batches: list[TaskBatch], chunk: int = 512,
              until_all_wrong: bool = False):
    """Frozen test of K nets, trial k on batches[k]: (wrong (K,), mse (K,), mean_abs (K,)).

    The sums run over groups of ``chunk`` sequences; each group is passed through the nets in
    smaller pieces of at most :data:`EVAL_ELEMENTS` numbers per (T, K, B, ·) array, which keeps
    them in the cache (2a's 256 test sequences of 18 trials: 1.9 s in one piece, 1.0 s in 16).

    ``until_all_wrong``: stop after the first piece at which every trial has processed a sequence
    wrongly (the pass/fail test of the stop rule "test" needs no more). ``wrong`` is then a lower
    bound, zero exactly where it is zero for the whole set; ``mse`` and ``mean_abs`` are not
    computed (``None``). The pieces computed are the same as without it."""
    K = nets.K
    wrong, se, ae, n = np.zeros(K, int), np.zeros(K), np.zeros(K), batches[0].B
    b0 = batches[0]
    width = max(b0.x.shape[-1], b0.t.shape[-1])
    piece = int(np.clip(EVAL_ELEMENTS // max(1, b0.T * K * width), 8, chunk))
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        sq = np.empty((K, i1 - i0))
        for j0 in range(i0, i1, piece):
            j1 = min(i1, j0 + piece)
            parts = [_slice(b, j0, j1) for b in batches]
            x, t, m, sel = _stack(parts, setup)
            y = tr.forward(nets, x).y
            ok, _, sq[:, j0 - i0:j1 - i0], _ = _judge(setup, y, t, m, sel, parts)
            wrong += (~ok).sum(axis=1)
            if until_all_wrong and wrong.all():
                return wrong, None, None
        se += sq.sum(axis=1)
        ae += np.sqrt(sq).sum(axis=1)
    return wrong, se / n, ae / n


#: the most numbers per (T, K, B, ·) array in one frozen-test forward pass (:func:`_evaluate`)
EVAL_ELEMENTS = 1 << 21


# --------------------------------------------------------------------------------------------
# The lockstep trainer
# --------------------------------------------------------------------------------------------

class _Stream:
    """One trial's stream of training batches, drawn in chunks from its own generator."""

    def __init__(self, setup: Setup, rng, train_set: TaskBatch | None):
        self.setup, self.rng, self.train_set = setup, rng, train_set
        self.buf, self.pos = None, 0

    def next(self) -> TaskBatch:
        B = self.setup.batch_size
        if self.train_set is not None:
            idx = self.rng.integers(self.train_set.B, size=B)
            return _take(self.train_set, idx)
        if self.buf is None or self.pos + B > self.buf.B:
            self.buf, self.pos = self.setup.sample(self.rng, B * self.setup.chunk, hot=True), 0
        b = _slice(self.buf, self.pos, self.pos + B)
        self.pos += B
        return b


def _take(batch: TaskBatch, idx) -> TaskBatch:
    L = batch.lengths[idx]
    T = int(L.max())
    return TaskBatch(x=batch.x[:T, idx], t=batch.t[:T, idx], mask=batch.mask[:T, idx], lengths=L,
                     name=batch.name, info={}, criterion=batch.criterion)


def run_trials(setup: Setup, seeds, progress=None) -> list[TrialRecord]:
    """Train ``len(seeds)`` trials of ``setup`` together; one :class:`TrialRecord` each (Chapter 16).

    Trial k uses ``np.random.default_rng(seeds[k])`` for its initial weights, then for its
    training data (and, for experiment 1, its training and test sets), so its record does not
    depend on which other trials run beside it. ``progress(record)`` is called as each trial ends.
    """
    seeds = [int(s) for s in seeds]
    K = len(seeds)
    rngs = [np.random.default_rng(s) for s in seeds]
    spec = setup.spec
    nets = tr.init_nets(spec, rngs, scale=setup.scale, input_gate_bias=setup.input_gate_bias,
                        output_gate_bias=setup.output_gate_bias, on=not setup.sequential)
    if setup.sequential:
        nets.on[:, :] = False
    train_sets = test_sets = [None] * K
    if setup.n_train:
        train_sets = [setup.sample(r, setup.n_train) for r in rngs]
        test_sets = [setup.sample(r, setup.n_train) for r in rngs]
    streams = [_Stream(setup, r, ts) for r, ts in zip(rngs, train_sets)]
    B = setup.batch_size
    alive = np.arange(K)                       # indices (into seeds) of trials still training
    seen = np.zeros(K, int)
    recent_ok = [deque(maxlen=setup.window) for _ in range(K)]
    recent_E = [deque(maxlen=setup.window) for _ in range(K)]
    streak = np.zeros(K, int)
    plateau = [[0.0, 0, None] for _ in range(K)]    # running sum, count, previous window mean
    added = [[] for _ in range(K)]
    curve_acc = [[0.0, 0] for _ in range(K)]
    curves = [[] for _ in range(K)]
    done: dict[int, TrialRecord] = {}
    t_start = time.process_time()
    cpu_used = np.zeros(K)

    def finish(k_global, success, sequences, net_one):
        rng = np.random.default_rng([seeds[k_global], 2])      # the test set: fresh sequences
        test = setup.sample(rng, setup.n_test, hot=True) if not setup.n_train else test_sets[k_global]
        wrong, mse, _ = _evaluate(setup, net_one, [test])
        rec = TrialRecord(seed=seeds[k_global], success=bool(success), sequences=int(sequences),
                          test_wrong=int(wrong[0]), test_n=int(test.B), test_mse=float(mse[0]),
                          cpu_seconds=0.0, blocks_added_at=added[k_global],
                          curve=curves[k_global])
        done[k_global] = rec
        return rec

    while alive.size:
        t0 = time.process_time()
        batches = [streams[k].next() for k in alive]
        x, t, m, sel = _stack(batches, setup)
        cache = tr.forward(nets, x, t, m)
        tr.sgd_update(nets, cache.grads, setup.lr, batch_size=B)
        stop_now = np.zeros(alive.size, bool)
        success = np.zeros(alive.size, bool)
        OK, EE, _, NW = _judge(setup, cache.y, t, m, sel, batches)
        for j, k in enumerate(alive):
            ok, E, n_wrong = OK[j], EE[j], NW[j]
            seen[k] += B
            for o, e in zip(ok, E):
                recent_ok[k].append(bool(o))
                recent_E[k].append(float(e))
                streak[k] = streak[k] + 1 if o else 0
                ca = curve_acc[k]
                ca[0] += float(e)
                ca[1] += 1
                if ca[1] == 1000:
                    curves[k].append(round(ca[0] / 1000, 6))
                    ca[0], ca[1] = 0.0, 0
            if setup.sequential and not nets.on[j].all():
                pl = plateau[k]
                pl[0] += float(n_wrong.sum())
                pl[1] += B
                if pl[1] >= setup.plateau_window:
                    mean = pl[0] / pl[1]
                    if pl[2] is not None and mean > 0.99 * pl[2]:
                        nxt = int(np.argmin(nets.on[j]))
                        nets.on[j, nxt] = True
                        added[k].append(int(seen[k]))
                        pl[2] = None
                    else:
                        pl[2] = mean
                    pl[0], pl[1] = 0.0, 0
            met = False
            if setup.stop == "streak":
                met = streak[k] >= setup.streak
            elif setup.stop == "window":
                met = (len(recent_ok[k]) == setup.window and all(recent_ok[k])
                       and np.mean(recent_E[k]) < setup.beta)
            elif setup.stop == "count":
                met = (len(recent_ok[k]) == setup.window
                       and (setup.window - sum(recent_ok[k])) < setup.n_seq)
            success[j] = met
            stop_now[j] = met or seen[k] >= setup.max_sequences
        if setup.stop == "test":
            due = [j for j, k in enumerate(alive) if seen[k] % setup.eval_every < B and not stop_now[j]]
            if due:
                sub = nets.take(due)
                if setup.n_train:       # solved: no sequence wrong in either set
                    w1, _, _ = _evaluate(setup, sub, [train_sets[alive[j]] for j in due],
                                         until_all_wrong=True)
                    solved = w1 == 0
                    if solved.any():
                        w2, _, _ = _evaluate(setup, sub, [test_sets[alive[j]] for j in due],
                                             until_all_wrong=True)
                        solved &= w2 == 0
                else:
                    tests = [setup.sample(np.random.default_rng([seeds[alive[j]], 1,
                                                                 int(seen[alive[j]])]), 256, hot=True)
                             for j in due]
                    w, _, _ = _evaluate(setup, sub, tests, until_all_wrong=True)
                    solved = w == 0
                for j, s in zip(due, solved):
                    if s:
                        success[j] = stop_now[j] = True
        cpu = time.process_time() - t0
        cpu_used[alive] += cpu / alive.size
        if stop_now.any():
            keep = []
            for j, k in enumerate(alive):
                if stop_now[j]:
                    seqs = seen[k] - (setup.streak if (setup.stop == "streak" and success[j]) else 0)
                    rec = finish(k, success[j], seqs, nets.take([j]))
                    rec.cpu_seconds = round(float(cpu_used[k]), 2)
                    if progress:
                        progress(rec)
                else:
                    keep.append(j)
            nets = nets.take(keep)
            alive = alive[keep]
    _ = t_start
    return [done[k] for k in range(K)]
