"""One record per long run, for ``results/summary.json`` (Chapters 9–16).

The 1997 battery (``run_hs97.py``) summarises its own per-trial files. The other long runs of
the book — the extensions of Chapters 9, 10, 13, 14 and 15 — each store their trials where they
like and write **one record per experiment** here, with :func:`write_record`:

    results/records/<id>.json   {"id", "chapter", "trials", "successes", "median_sequences",
                                 "cpu_seconds", "published": {"success_pct", "sequences",
                                 "source"}, "departures": [...], "fingerprint": {file: hash}, ...}

``summary.json`` is the battery's records followed by these, sorted by id. The fingerprint maps
every file the numbers depend on (the experiment's script and the ``lstm_core`` modules it uses)
to :func:`code_hash`, the sha256 of its syntax tree without docstrings or comments, so rewording
a docstring does not invalidate a run and changing code does; ``tests/test_experiments.py``
recomputes it for every record.
"""
from __future__ import annotations

import ast
import hashlib
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECORDS = HERE / "results" / "records"

REQUIRED = ("id", "chapter", "trials", "successes", "median_sequences", "cpu_seconds",
            "published", "departures")
PUBLISHED = ("success_pct", "sequences", "source")


def code_hash(path: Path) -> str:
    """sha256 of a Python file's syntax tree with every docstring removed."""
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def fingerprint_of(files) -> dict:
    """``{path relative to the repository: code_hash}`` for the given files."""
    out = {}
    for f in files:
        p = (ROOT / f) if not Path(f).is_absolute() else Path(f)
        rel = p.resolve().relative_to(ROOT).as_posix()
        if not p.exists():
            raise FileNotFoundError(f"files: {rel} does not exist")
        out[rel] = code_hash(p)
    return out


def check_record(rec: dict) -> dict:
    """Raise ``ValueError`` naming the first field of ``rec`` that breaks the schema."""
    if not isinstance(rec, dict):
        raise TypeError(f"rec: expected a dict, got {type(rec).__name__}")
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        raise ValueError(f"rec: missing fields {missing}")
    missing = [k for k in PUBLISHED if k not in rec["published"]]
    if missing:
        raise ValueError(f"rec['published']: missing fields {missing}")
    n, k = rec["trials"], rec["successes"]
    if not (isinstance(n, int) and isinstance(k, int) and 0 <= k <= n):
        raise ValueError(f"rec: expected 0 <= successes <= trials (integers), got {k} of {n}")
    if not isinstance(rec["departures"], list):
        raise ValueError(f"rec['departures']: expected a list of strings, got "
                         f"{type(rec['departures']).__name__}")
    m = rec["median_sequences"]
    if m is not None and not (isinstance(m, (int, float)) and math.isfinite(m)):
        raise ValueError(f"rec['median_sequences']: expected a finite number or None, got {m!r}")
    return rec


def write_record(rec: dict, code_files) -> Path:
    """Check ``rec``, add the fingerprint of ``code_files`` and write ``records/<id>.json``."""
    rec = dict(check_record(rec))
    rec["fingerprint"] = fingerprint_of(code_files)
    RECORDS.mkdir(parents=True, exist_ok=True)
    path = RECORDS / f"{rec['id']}.json"
    path.write_text(json.dumps(rec, indent=1) + "\n")
    return path


def load_records() -> list[dict]:
    """Every record in ``results/records``, sorted by id."""
    if not RECORDS.exists():
        return []
    recs = [json.loads(p.read_text()) for p in RECORDS.glob("*.json")]
    return sorted(recs, key=lambda r: r["id"])


def store_part(path: Path, section: str, name: str, part: dict, code_files, **extra) -> dict:
    """Put ``part`` under ``doc[section][name]`` in the JSON file ``path`` and write it back with
    the fingerprint of ``code_files`` (and the fields ``extra``): how a diagnostic script whose
    parts run in separate processes (``--only``) shares one results file. The file is read just
    before it is written, so parts another process wrote in the meantime are kept. Returns the
    document."""
    path = Path(path)
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault(section, {})[name] = part
    doc.update(extra)
    doc["fingerprint"] = fingerprint_of(code_files)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def diagnostic_args(argv, doc: str, names, what: str = "parts"):
    """The command line every diagnostic script shares: ``--quick`` (2 trials, 300 sequences,
    nothing stored) and ``--only NAME…`` (some of ``names``). Returns ``(quick, chosen)``, the
    chosen names in the order given (all of ``names`` without ``--only``); an unknown name ends
    the script with a message naming it and the known ones."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 trials, 300 sequences, nothing stored")
    ap.add_argument("--only", nargs="*", default=None, help=f"some {what} of {list(names)}")
    a = ap.parse_args(argv)
    chosen = a.only or list(names)
    for name in chosen:
        if name not in names:
            sys.exit(f"--only: unknown {what[:-1]} {name!r}; known: {list(names)}")
    return a.quick, chosen


def trial_logger(prefix: str = ""):
    """``progress(record)`` for a trainer: one timestamped line per finished trial."""
    import time

    def log(r):
        print(f"[{time.strftime('%H:%M:%S')}] {prefix}seed {r.seed}: success {r.success} "
              f"after {r.sequences:,d}", flush=True)
    return log
