"""Compare a re-run of the 1997 battery with the run before it, trial by trial (Chapter 16).

    .venv/bin/python experiments/compare_reruns.py [--old REV]   # REV: a git revision (HEAD)

A re-run of faster code must give the same trials. The per-trial files keep every run's records
(``results/hs97/<id>.jsonl``); this script pairs, for each experiment, the records of the current
code (the library fingerprint and setup hash :func:`run_hs97.summarise` uses) with those of the
code whose ``summary.json`` revision ``REV`` holds, by seed, and compares every field but the
CPU time and the hashes. It prints a Markdown table: trials paired, how many are identical,
CPU minutes before and after, and for the whole battery the wall time two workers taking the
rows longest first (LPT) would need. The exit status is 1 if any paired trial differs.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_hs97 as R  # noqa: E402

IGNORED = {"cpu_seconds", "fingerprint", "setup_hash"}


def lpt_hours(minutes: list[float], workers: int = 2) -> float:
    """Wall hours of ``workers`` processes taking jobs of the given minutes longest first."""
    load = [0.0] * workers
    for m in sorted(minutes, reverse=True):
        load[load.index(min(load))] += m
    return max(load) / 60


def compare(old_fp: dict, new_fp: dict | None = None) -> dict:
    """Pair each experiment's trials of the current code with those of the code whose library
    fingerprint per experiment is ``old_fp`` (``{id: fingerprint}``), by seed. With ``new_fp``
    (the same form) the later run is that code's instead of the current code's: an earlier
    re-run, checked again from the per-trial files, which keep every run's records. Rows the
    old run did not have (absent from ``old_fp``) are left out.

    Returns ``{"rows": [{"id", "trials", "paired", "identical", "cpu_min_before",
    "cpu_min_now"}], "paired", "identical", "cpu_min_before", "cpu_min_now", "lpt_h_before",
    "lpt_h_now"}``; ``identical`` counts pairs equal in every field but :data:`IGNORED`.
    """
    current = R.fingerprint()
    rows = []
    for exp in R.EXPERIMENTS:
        rid, sh = exp["id"], R.setup_hash(exp)
        if rid not in old_fp:
            continue                  # a row added after the old run: nothing to pair it with
        fp = current if new_fp is None else new_fp.get(rid)
        recs = R.load_trials(rid)
        new, old = {}, {}
        for r in recs:
            if fp is not None and r.get("fingerprint") == fp and r.get("setup_hash") == sh:
                new.setdefault(r["seed"], r)          # the first record per seed, as summarise
            elif old_fp.get(rid) is not None and r.get("fingerprint") == old_fp[rid]:
                old[r["seed"]] = r                    # the last one of the old code
        seeds = sorted(set(new) & set(old))
        same = sum(all(new[s].get(k) == old[s].get(k) for k in set(new[s]) | set(old[s])
                       if k not in IGNORED) for s in seeds)
        rows.append(dict(id=rid, trials=len(new), paired=len(seeds), identical=same,
                         cpu_min_before=round(sum(old[s]["cpu_seconds"] for s in old) / 60, 2),
                         cpu_min_now=round(sum(new[s]["cpu_seconds"] for s in new) / 60, 2)))
    tot = {k: sum(r[k] for r in rows) for k in ("paired", "identical")}
    for k in ("cpu_min_before", "cpu_min_now"):
        tot[k] = round(sum(r[k] for r in rows), 1)
    tot["lpt_h_before"] = round(lpt_hours([r["cpu_min_before"] for r in rows]), 2)
    tot["lpt_h_now"] = round(lpt_hours([r["cpu_min_now"] for r in rows]), 2)
    return {"rows": rows, **tot}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", default="HEAD", help="git revision of the previous summary.json")
    ap.add_argument("--new", help="git revision of the re-run's summary.json (default: the "
                                  "current code's trials)")
    ap.add_argument("--json", help="also store the comparison (and --wall) in this file")
    ap.add_argument("--wall", nargs=2, metavar=("START", "END"),
                    help="UTC start and end of the re-run (ISO 8601), stored with --json")
    a = ap.parse_args()
    def fingerprints(rev: str) -> dict:
        summary = json.loads(subprocess.run(
            ["git", "show", f"{rev}:experiments/results/summary.json"], cwd=HERE.parent,
            check=True, capture_output=True, text=True).stdout)
        return {r["id"]: r["fingerprint"] for r in summary
                if r["id"] in R.EXPERIMENTS_BY_ID and "fingerprint" in r}

    old_fp = fingerprints(a.old)
    new_fp = fingerprints(a.new) if a.new else None
    res = compare(old_fp, new_fp)
    print("| row | trials | paired | identical | before, CPU min | now, CPU min | before / now |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(res["rows"], key=lambda r: -r["cpu_min_now"]):
        c0, c1 = r["cpu_min_before"], r["cpu_min_now"]
        ratio = f"{c0 / c1:.1f}×" if c1 > 0 and r["paired"] == r["trials"] else "–"
        print(f"| `{r['id']}` | {r['trials']} | {r['paired']} | {r['identical']} | {c0:.1f} | "
              f"{c1:.1f} | {ratio} |")
    c0, c1 = res["cpu_min_before"], res["cpu_min_now"]
    print(f"| **{len(res['rows'])} rows** | {sum(r['trials'] for r in res['rows'])} | "
          f"{res['paired']} | {res['identical']} | **{c0:.0f}** | **{c1:.0f}** | "
          f"{c0 / c1 if c1 else float('nan'):.1f}× |")
    print(f"\nLPT on two workers: before {res['lpt_h_before']:.2f} h, now {res['lpt_h_now']:.2f} h; "
          f"paired trials that differ: {res['paired'] - res['identical']}")
    if a.json:
        doc = {"old_revision": subprocess.run(["git", "rev-parse", "--short", a.old],
                                              cwd=HERE.parent, capture_output=True, text=True,
                                              check=True).stdout.strip(),
               "old_fingerprint": old_fp, **res}
        if new_fp is not None:
            doc["new_revision"] = subprocess.run(["git", "rev-parse", "--short", a.new],
                                                 cwd=HERE.parent, capture_output=True, text=True,
                                                 check=True).stdout.strip()
            doc["new_fingerprint"] = new_fp
        if a.wall:
            doc["wall"] = {"start": a.wall[0], "end": a.wall[1]}
        Path(a.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 1 if res["paired"] != res["identical"] else 0


if __name__ == "__main__":
    sys.exit(main())
