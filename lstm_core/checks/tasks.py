"""Checkers for the Reber-grammar exercises (Chapter 16).

Two exercises ask the reader to turn the grammar's graph into code:

* write ``is_reber(string) -> bool``, a recogniser of (embedded) Reber strings, checked by
  :func:`check_reber_recogniser`;
* write ``legal_next(prefix) -> set of symbols``, the targets of the prediction task, checked
  by :func:`check_legal_next`.

Both compare the reader's function with :mod:`lstm_core.tasks.reber` on random strings and on
near misses (one symbol changed, dropped or added, the outer letters swapped, cut short), and
report the first disagreement with the string that shows it.
"""
from __future__ import annotations

import numpy as np

from ..tasks.reber import SYMBOLS, is_reber, legal_next, reber_string
from . import CheckResult


def _near_misses(rng: np.random.Generator, s: str) -> list[str]:
    """Strings one edit away from ``s``: a symbol changed, dropped, inserted; a prefix."""
    k = int(rng.integers(len(s)))
    sym = SYMBOLS[int(rng.integers(len(SYMBOLS)))]
    out = [s[:k] + sym + s[k + 1:], s[:k] + s[k + 1:], s[:k] + sym + s[k:], s[:k], s + "E"]
    if len(s) > 4 and s[1] in "TP":  # the embedded grammar's outer letters disagree
        other = "P" if s[1] == "T" else "T"
        out.append(s[:-2] + other + s[-1])
    return out


def _describe(s: str, embedded: bool) -> str:
    """Why ``s`` is not in the grammar: the first symbol that cannot follow its prefix."""
    for k, sym in enumerate(s):
        try:
            ok = sym in legal_next(s[:k], embedded)
        except ValueError:
            ok = False
        if not ok:
            return f"{sym!r} at position {k} cannot follow {s[:k]!r}"
    return "the string stops before the final E"


def check_reber_recogniser(fn, embedded: bool = False, n_strings: int = 100,
                           seed: int = 0) -> CheckResult:
    """Check a reader's recogniser ``fn(string) -> bool`` of the (embedded) Reber grammar.

    Parameters
    ----------
    fn : callable
        The reader's function: ``True`` for strings of the grammar, ``False`` otherwise.
    embedded : bool
        Check against the embedded grammar instead of the plain one.
    n_strings : int
        Random grammatical strings to try (each with several near misses).
    seed : int
        Seed of the strings.
    """
    name = "embedded Reber recogniser" if embedded else "Reber recogniser"
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n_strings):
        s = reber_string(rng, embedded)
        cases.append(s)
        cases.extend(_near_misses(rng, s))
    cases.append("")
    for s in cases:
        expected = is_reber(s, embedded)
        try:
            got = fn(s)
        except Exception as err:  # the reader's code: report, never raise
            return CheckResult(name, False, f"raised {type(err).__name__}: {err} on {s!r}")
        if not isinstance(got, (bool, np.bool_)):
            return CheckResult(name, False, f"returned {type(got).__name__} {got!r} for {s!r}; "
                                            "expected True or False")
        if bool(got) != expected:
            if expected:
                return CheckResult(name, False, f"rejects {s!r}, which the grammar generates")
            return CheckResult(name, False, f"accepts {s!r}, which is not in the grammar: "
                                            f"{_describe(s, embedded)}")
    return CheckResult(name, True, f"agrees with the grammar on all {len(cases)} strings "
                                   f"({n_strings} grammatical, the rest near misses)")


def check_legal_next(fn, embedded: bool = False, n_strings: int = 50, seed: int = 0) -> CheckResult:
    """Check a reader's ``fn(prefix) -> set of symbols`` on every prefix of random strings.

    The answer may be any iterable of one-letter strings (a set, a list, a string like "TP").
    """
    name = "legal next symbols (embedded)" if embedded else "legal next symbols"
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    n_prefixes = 0
    for _ in range(n_strings):
        s = reber_string(rng, embedded)
        for k in range(len(s)):
            prefix = s[:k]
            expected = set(legal_next(prefix, embedded))
            try:
                got = fn(prefix)
                got = set(got)
            except Exception as err:  # the reader's code: report, never raise
                return CheckResult(name, False, f"raised {type(err).__name__}: {err} on {prefix!r}")
            n_prefixes += 1
            if got != expected:
                missing, extra = sorted(expected - got), sorted(got - expected)
                detail = "; ".join(part for part in (
                    f"missing {''.join(missing)}" if missing else "",
                    f"not legal: {''.join(map(str, extra))}" if extra else "") if part)
                return CheckResult(name, False, f"after {prefix!r} returned {sorted(got)}, "
                                                f"expected {sorted(expected)} ({detail})")
    return CheckResult(name, True, f"right on all {n_prefixes} prefixes of {n_strings} strings")
