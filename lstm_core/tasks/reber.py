"""The Reber grammar, the embedded Reber grammar and its continual stream (Chapters 9, 16).

The **Reber grammar** (Reber 1967; used as a benchmark by Cleeremans, Servan-Schreiber &
McClelland 1989) is a small finite automaton over seven symbols ``B T P S X V E``. A string
starts with B, walks the graph below choosing each branch with probability ½, and ends with E::

    state 0 --T--> 1    state 1 --S--> 1    state 2 --T--> 2    state 3 --X--> 2
    state 0 --P--> 2    state 1 --X--> 3    state 2 --V--> 4    state 3 --S--> 5
    state 4 --P--> 3    state 4 --V--> 5    state 5 --E--> end        (B leads to state 0)

e.g. ``BTSSXXTVVE``, ``BPVVE``, ``BTXXVPSE``. The **embedded Reber grammar** wraps a Reber string
as ``B c <Reber string> c E`` with c ∈ {T, P} chosen once: to predict the second-last symbol a
network must remember c across the whole inner string. Hochreiter & Schmidhuber (1997,
experiment 1) train on next-symbol prediction: the input at step t is the symbol s(t), the
target is the **set of legal next symbols** (multi-hot), and a trial is successful when every
symbol of every test string is predicted correctly. The **continual** version (Gers,
Schmidhuber & Cummins 2000) concatenates embedded strings into one stream with no reset between
them; it is the task that needs the forget gate (Chapter 9).

Symbol ``k`` is one-hot unit ``k`` in the order of :data:`SYMBOLS` = ``"BTPSXVE"``.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .._validate import positive_int
from .batch import (TaskBatch, as_float_dtype, as_rng, check_outputs, length_mask, make_batch,
                    one_hot)

SYMBOLS = "BTPSXVE"
"""The seven symbols; symbol ``SYMBOLS[k]`` is one-hot unit k."""

INDEX = {s: k for k, s in enumerate(SYMBOLS)}

REBER_GRAPH: dict[int, tuple[tuple[str, int | None], ...]] = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
    5: (("E", None),),
}
"""Transitions of the Reber automaton after the initial B: ``state -> ((symbol, next state), …)``;
``None`` is the end of the string."""

# ---------------------------------------------------------------------------------------------
# The automaton: one state update (Chapter 16)
# ---------------------------------------------------------------------------------------------
# A state of the (embedded) grammar is a small tuple:
#   ("start",)                 nothing read yet, B expected
#   ("reber", q)               inside a Reber string, automaton state q of REBER_GRAPH
#   ("end",)                   a complete string has been read
# and for the embedded grammar additionally
#   ("outer",)                 read the outer B, expecting c ∈ {T, P}
#   ("inner", c, q)            inside the inner string ("start" before its B: q = -1)
#   ("close", c)               inner string finished, expecting c again
#   ("final",)                 read the closing c, expecting E

START = ("start",)
END = ("end",)


def _reber_step(q: int, symbol: str) -> int | None | bool:
    """Next Reber state after ``symbol`` in state q; ``None`` at the end, ``False`` if illegal."""
    for s, nxt in REBER_GRAPH[q]:
        if s == symbol:
            return nxt
    return False


def next_state(state: tuple, symbol: str, embedded: bool) -> tuple | None:
    """One step of the grammar's automaton: the state after reading ``symbol``, or ``None``
    if ``symbol`` cannot follow in ``state``."""
    kind = state[0]
    if kind == "start":
        if symbol != "B":
            return None
        return ("outer",) if embedded else ("reber", 0)
    if kind == "reber":
        nxt = _reber_step(state[1], symbol)
        return None if nxt is False else (END if nxt is None else ("reber", nxt))
    if kind == "outer":
        return ("inner", symbol, -1) if symbol in "TP" else None
    if kind == "inner":
        c, q = state[1], state[2]
        if q == -1:
            return ("inner", c, 0) if symbol == "B" else None
        nxt = _reber_step(q, symbol)
        return None if nxt is False else (("close", c) if nxt is None else ("inner", c, nxt))
    if kind == "close":
        return ("final",) if symbol == state[1] else None
    if kind == "final":
        return END if symbol == "E" else None
    return None  # END: nothing may follow a complete string


def legal_from(state: tuple, embedded: bool, continual: bool = False) -> frozenset[str]:
    """The symbols that may follow in ``state``; after a complete string that is ``{B}`` in a
    continual stream and nothing otherwise."""
    if state == END:
        return frozenset("B") if continual else frozenset()
    return frozenset(s for s in SYMBOLS if next_state(state, s, embedded) is not None)


def _check_symbols(name: str, string) -> str:
    if not isinstance(string, str):
        raise TypeError(f"{name}: expected a string over {SYMBOLS!r}, got {type(string).__name__}")
    bad = sorted(set(string) - set(SYMBOLS))
    if bad:
        raise ValueError(f"{name}: expected only the symbols {SYMBOLS!r}, got {''.join(bad)!r}")
    return string


def _run(string: str, embedded: bool, continual: bool) -> tuple | None:
    """Run the automaton over ``string``; ``None`` as soon as a symbol is illegal."""
    state = START
    for s in string:
        if continual and state == END:
            state = START
        state = next_state(state, s, embedded)
        if state is None:
            return None
    return state


def is_reber(string: str, embedded: bool = False) -> bool:
    """Recognise the (embedded) Reber grammar: ``True`` iff ``string`` is a complete string.

    Chapter 16. ``is_reber("BTSSXXTVVE") → True``, ``is_reber("BTSSPXSE") → False``,
    ``is_reber("BTBPVVETE", embedded=True) → True``.
    """
    _check_symbols("string", string)
    return _run(string, embedded, continual=False) == END


def legal_next(prefix: str, embedded: bool = False, continual: bool = False) -> frozenset[str]:
    """The set of symbols that may legally follow ``prefix`` — the targets of the Reber tasks.

    Chapter 16. ``legal_next("") → {B}``, ``legal_next("B") → {T, P}``,
    ``legal_next("BTS") → {S, X}``; in the embedded grammar
    ``legal_next("BTBTXSE", True) → {T}``, the one long-range prediction. With
    ``continual=True`` the prefix is a stream of strings and a complete string is followed
    by ``B``.

    Raises ``ValueError`` if ``prefix`` is not a legal prefix of the grammar.
    """
    _check_symbols("prefix", prefix)
    state = _run(prefix, embedded, continual)
    if state is None:
        raise ValueError(f"prefix: {prefix!r} is not a legal prefix of the "
                         f"{'embedded ' if embedded else ''}Reber grammar")
    return legal_from(state, embedded, continual)


# ---------------------------------------------------------------------------------------------
# Generating strings
# ---------------------------------------------------------------------------------------------

def reber_string(rng, embedded: bool = False) -> str:
    """One random string of the (embedded) Reber grammar, every branch taken with probability ½."""
    rng = as_rng(rng)
    out = ["B"]
    q = 0
    while q is not None:
        choices = REBER_GRAPH[q]
        s, q = choices[int(rng.integers(len(choices)))] if len(choices) > 1 else choices[0]
        out.append(s)
    inner = "".join(out)
    if not embedded:
        return inner
    c = "TP"[int(rng.integers(2))]
    return "B" + c + inner + c + "E"


def reber_strings(rng, n: int, embedded: bool = False) -> list[str]:
    """``n`` random strings (e.g. H&S 1997's training and test sets of 256 strings each)."""
    rng = as_rng(rng)
    n = positive_int("n", n)
    return [reber_string(rng, embedded) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# Encoding: next-symbol prediction batches
# ---------------------------------------------------------------------------------------------

def _targets(string: str, embedded: bool, continual: bool) -> tuple[np.ndarray, np.ndarray]:
    """Symbol indices of ``string`` and the multi-hot legal-next set after each of its symbols."""
    idx = np.array([INDEX[s] for s in string], dtype=np.intp)
    legal = np.zeros((len(string), len(SYMBOLS)), dtype=bool)
    state = START
    for k, s in enumerate(string):
        if continual and state == END:
            state = START
        state = next_state(state, s, embedded)
        if state is None:
            raise ValueError(f"strings: {string!r} leaves the grammar at symbol {k} ({s!r})")
        for nxt in legal_from(state, embedded, continual):
            legal[k, INDEX[nxt]] = True
    return idx, legal


def encode_reber(strings: Sequence[str], embedded: bool = True, dtype=np.float64) -> TaskBatch:
    """Next-symbol prediction batch for given complete strings (padded to the longest).

    Chapter 16. For a string s(1) … s(L) the inputs are the one-hot symbols s(1) … s(L−1) and
    the target at step t is the multi-hot set of legal successors of s(1) … s(t) (the final E
    is never an input: nothing follows it).

    Parameters
    ----------
    strings : sequence of str
        Complete strings of the grammar (checked with the automaton).
    embedded : bool
        Use the embedded grammar (H&S 1997, experiment 1) or the plain one.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x`` (T, B, 7) one-hot, ``t`` (T, B, 7) multi-hot, ``mask`` 1 for ``t < L_b − 1``,
        T = max_b L_b − 1; ``info["strings"]`` the strings, ``info["hard"]`` bool (T, B),
        True at the step whose target is the closing outer c (embedded grammar only).
        Criterion :func:`reber_correct`.
    """
    dt = as_float_dtype(dtype)
    if isinstance(strings, str) or not isinstance(strings, Iterable):
        raise TypeError(f"strings: expected a list of strings, got {type(strings).__name__}")
    strings = list(strings)
    if not strings:
        raise ValueError("strings: expected at least one string, got none")
    for s in strings:
        _check_symbols("strings", s)
        if not is_reber(s, embedded):
            raise ValueError(f"strings: {s!r} is not a complete "
                             f"{'embedded ' if embedded else ''}Reber string")
    lengths = np.array([len(s) - 1 for s in strings])
    T, B = int(lengths.max()), len(strings)
    x = np.zeros((T, B, len(SYMBOLS)), dtype=dt)
    t = np.zeros_like(x)
    hard = np.zeros((T, B), dtype=bool)
    for b, s in enumerate(strings):
        idx, legal = _targets(s, embedded, continual=False)
        L = lengths[b]
        x[:L, b] = one_hot(idx[:L], len(SYMBOLS), dt)
        t[:L, b] = legal[:L]
        if embedded:
            hard[L - 2, b] = True  # input: inner E, target: the closing c
    return make_batch("embedded_reber" if embedded else "reber", x, t,
                      length_mask(lengths, T, dt), lengths, reber_correct,
                      strings=strings, embedded=embedded, hard=hard)


def reber_batch(rng, batch_size: int, embedded: bool = True, dtype=np.float64) -> TaskBatch:
    """``batch_size`` random (embedded) Reber strings as a next-symbol prediction batch.

    Chapter 16 (H&S 1997, experiment 1). See :func:`encode_reber` for the layout.
    """
    positive_int("batch_size", batch_size)
    return encode_reber(reber_strings(rng, batch_size, embedded), embedded, dtype)


def _predicted_ok(y: np.ndarray, t: np.ndarray, rule: str) -> np.ndarray:
    """Per-step verdict ``(T, B)`` of a next-symbol prediction under ``rule``."""
    legal = t > 0.5
    with np.errstate(invalid="ignore"):
        if rule == "threshold":
            ok = np.all((y > 0.5) == legal, axis=-1)
        elif rule == "most_active":
            lo = np.min(np.where(legal, y, np.inf), axis=-1)
            hi = np.max(np.where(legal, -np.inf, y), axis=-1)
            ok = lo > hi
        else:
            raise ValueError(f"rule: expected 'threshold' or 'most_active', got {rule!r}")
    return ok & np.all(np.isfinite(y), axis=-1)


def reber_correct(y, batch: TaskBatch, rule: str = "threshold") -> np.ndarray:
    """Which strings are predicted correctly at every step (H&S 1997, experiment 1).

    Chapter 16. A step is predicted correctly when

    * ``rule="threshold"``: the outputs above 0.5 are exactly the legal next symbols;
    * ``rule="most_active"``: the outputs of the legal next symbols are all larger than every
      other output (the 1997 paper's wording: the units of the possible next symbols are
      "always the most active ones").

    A string is correct when all its steps are; ``correct.all()`` over the test strings (and the
    training strings) is a successful trial.

    Parameters
    ----------
    y : ndarray, shape (T, B, 7)
        Network outputs, one unit per symbol.
    batch : TaskBatch
        From :func:`reber_batch` / :func:`encode_reber`.
    rule : {"threshold", "most_active"}

    Returns
    -------
    ndarray of bool, shape (B,)
    """
    y = check_outputs(y, batch)
    ok = _predicted_ok(y, batch.t, rule)
    scored = batch.mask[..., 0] > 0
    return np.all(ok | ~scored, axis=0)


# ---------------------------------------------------------------------------------------------
# The continual stream (Gers et al. 2000; Chapter 9)
# ---------------------------------------------------------------------------------------------

def continual_reber_stream(rng, length: int, batch_size: int = 1, dtype=np.float64) -> TaskBatch:
    """``batch_size`` independent continual embedded Reber streams of ``length`` steps.

    Chapter 9 (Gers, Schmidhuber & Cummins 2000). Each stream concatenates random embedded
    Reber strings with no separator and no reset: ``BT…TEBP…PEBT…``. The input at step t is
    the symbol s(t), the target the multi-hot set of legal successors, where a complete string
    is followed by B. Every step is scored (``mask`` is all ones).

    Parameters
    ----------
    rng : np.random.Generator or int seed
    length : int
        Steps per stream (≥ 1). Embedded strings are about 12 symbols long on average.
    batch_size : int
        Number of independent streams B.
    dtype : float32 or float64

    Returns
    -------
    TaskBatch
        ``x``, ``t`` (length, B, 7); ``info["symbols"]`` the B streams as strings (length + 1
        symbols: the last one is the final target's symbol), ``info["hard"]`` bool (T, B), True
        where the target is the closing outer c that has to be remembered across the inner
        string, ``info["string_start"]`` bool (T, B), True where the input is a string's first B.
        Criterion :func:`continual_reber_correct` (every symbol of the stream predicted);
        :func:`continual_reber_symbols_before_error` counts the symbols predicted before the
        first error, the measure Gers et al. (2000) report.
    """
    rng = as_rng(rng)
    length = positive_int("length", length)
    B = positive_int("batch_size", batch_size)
    dt = as_float_dtype(dtype)
    x = np.zeros((length, B, len(SYMBOLS)), dtype=dt)
    t = np.zeros_like(x)
    hard = np.zeros((length, B), dtype=bool)
    starts = np.zeros((length, B), dtype=bool)
    streams = []
    for b in range(B):
        pieces, n = [], 0
        while n < length + 1:
            s = reber_string(rng, embedded=True)
            pieces.append(s)
            n += len(s)
        stream = "".join(pieces)[: length + 1]
        streams.append(stream)
        idx, legal = _targets(stream[:length], embedded=True, continual=True)
        x[:, b] = one_hot(idx, len(SYMBOLS), dt)
        t[:, b] = legal
        # string boundaries: each piece starts with B and its closing c is its second-last symbol
        pos = 0
        for s in pieces:
            if pos < length:
                starts[pos, b] = True
            close = pos + len(s) - 3  # input: inner E; target: closing c
            if close < length:
                hard[close, b] = True
            pos += len(s)
    return make_batch("continual_reber", x, t, np.ones((length, B, 1), dtype=dt),
                      np.full(B, length), continual_reber_correct,
                      symbols=streams, hard=hard, string_start=starts)


def continual_reber_symbols_before_error(y, batch: TaskBatch,
                                         rule: str = "threshold") -> np.ndarray:
    """Number of successive symbols each stream predicts correctly before its first error.

    Chapter 9. Gers et al. (2000) test a network on a continual stream until it makes its
    first prediction error and report how many symbols it predicted correctly until then; a
    network counts as having learned the task once that number reaches a large threshold.
    As we read the paper, it reports "perfect" solutions at 10^6 successive symbols and
    "good" results at 10^5 — check the paper before quoting those numbers; use
    :func:`continual_reber_solved` with the threshold the chapter states. A step is correct
    under ``rule`` exactly as in :func:`reber_correct` (default: outputs above 0.5 are exactly
    the legal next symbols).

    Returns
    -------
    ndarray of int, shape (B,)
        The index of the first wrong step; ``T`` (the stream length) if there is none.
    """
    y = check_outputs(y, batch)
    ok = _predicted_ok(y, batch.t, rule) | ~(batch.mask[..., 0] > 0)
    first_bad = np.argmin(ok, axis=0)  # first False
    return np.where(np.all(ok, axis=0), batch.T, first_bad).astype(np.int64)


def continual_reber_solved(y, batch: TaskBatch, n_required: int = 100_000,
                           rule: str = "threshold") -> np.ndarray:
    """``True`` for each stream whose first ``n_required`` symbols are all predicted correctly.

    Chapter 9. The stream must be at least ``n_required`` steps long. The default 10^5 is the
    lower of the two levels we read in Gers et al. (2000) (see
    :func:`continual_reber_symbols_before_error`).
    """
    n_required = positive_int("n_required", n_required)
    counts = continual_reber_symbols_before_error(y, batch, rule)
    if n_required > batch.T:
        raise ValueError(f"n_required: the stream has only T = {batch.T} steps, "
                         f"cannot check {n_required} successive symbols")
    return counts >= n_required


def continual_reber_correct(y, batch: TaskBatch, rule: str = "threshold") -> np.ndarray:
    """``True`` for each stream predicted correctly at every one of its T steps (Chapter 9);
    the same as ``continual_reber_solved(y, batch, n_required=batch.T)``."""
    return continual_reber_symbols_before_error(y, batch, rule) >= batch.T
