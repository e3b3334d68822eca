"""Experiment 1 between the paper's net and Chapter 8's: what the wiring decides (Chapter 16).

    .venv/bin/python experiments/diag_hs97_1_wiring.py                  # 8 parts, ~25 CPU-min
    .venv/bin/python experiments/diag_hs97_1_wiring.py --only nogate 4x2
    .venv/bin/python experiments/diag_hs97_1_wiring.py --quick          # smoke run, nothing stored

Chapter 8 trains a net close to experiment 1's on the same embedded Reber strings with the same
truncated gradient, learning rate (0.5) and one string per update, and it learns: 9 of 10 trials
predict every test string after a few thousand strings (``results/ch08_outputgate.json``), the
paper's pace. The battery's ``hs97-1`` solves 2 of 30. Chapter 8's net differs from the paper's
in three ways of wiring, besides its gradient clipping and its fresh strings:

* **gate sources**: in the paper's connectivity "F" (table 10) memory cells and gate units
  receive connections from the input units, the memory cells *and the gate units*, so every cell
  and gate sees the previous activations of all input and output gates. Chapter 8's cells and
  gates see the inputs and the previous cell outputs only;
* **biases**: the paper's experiment 1 has bias weights on the gates only ("ga"); Chapter 8's
  cells and output units have them too;
* **size**: 3 blocks of 2 cells (the paper's row 1-5, 276 weights) against 4 blocks of 2.

This script runs the 2 × 2 × 2 crossing of the three, as the battery runs ``hs97-1`` — its 30
seeds, string sets, training order, criterion (every training and test string predicted) and
budget (60,000 strings), through :func:`lstm_core.hs97.run_trials` — so a part changes only
what its name says. The corner with none of the three changes is the battery's row itself; its
stored trials are the reference (``battery``). Part names: ``nogate`` (no gate sources),
``bias`` (bias weights on cells and output units as well), ``4x2`` (4 blocks of 2 cells,
output-gate biases −1, −2, −3, −4 as the paper gives its 4-block rows). Removing the gate sources
is a mask on the weights (:class:`NoGateSources`): every other weight is drawn exactly as in
``hs97-1``, and the masked ones are zero and stay zero. Part ``nogate-perstep`` is ``nogate``
under the per-step rule (:func:`hs97_online.run_trials`), against ``hs97-1-perstep``.

Each trial's net at its end is also measured on its training strings at the hard step (the
inner string's closing E, whose target is the second symbol, T or P) with
:func:`diag_hs97_1_table1.cell_measures`: ``hard_right`` (share of strings whose unit for the
second symbol is the most active there), ``h_flat`` (share of cells whose h'(s) is below a tenth
of h'(0)), ``sep`` (the best cell's separation of the two classes).

None of these nets is the paper's but the battery's own corner; they test which difference
between the two nets of this book decides experiment 1, not a reading of the paper.

Writes ``results/hs97_diag/exp1_wiring.json`` (with the code fingerprint). Two processes may
share the file (``--only``).
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import diag_hs97_1_table1 as t1  # noqa: E402
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp1_wiring.json"
BASE = "hs97-1"
#: the three changes a part name may combine, in this order
CHANGES = ("bias", "nogate", "4x2")
PARTS = ["nogate", "bias", "bias-nogate", "4x2", "nogate-4x2", "bias-4x2", "bias-nogate-4x2",
         "nogate-perstep"]
OGB_4 = (-1.0, -2.0, -3.0, -4.0)


@dataclass(frozen=True)
class NoGateSources(tr.NetSpec):
    """A :class:`lstm_core.trials.NetSpec` whose cells and gates do not see the previous gate
    activations y^in(t−1), y^out(t−1): those columns of ``W_c``, ``W_in``, ``W_out`` are masked
    (Chapter 8's wiring). Everything else, the order of the random draws included, is the
    parent's."""

    def masks(self) -> dict:
        m = super().masks()
        I, C, G = self.n_in, self.n_cells, self.n_gates
        for n in ("W_c", "W_in", "W_out"):
            if n in m:
                m[n] = m[n].copy()
                m[n][:, I + C:I + C + G] = 0.0
        return m


def changes_of(part: str) -> tuple[set, str]:
    """The changes named in ``part`` and its rule."""
    rule = "per-step" if part.endswith("-perstep") else "per-sequence"
    name = part[:-len("-perstep")] if rule == "per-step" else part
    got = set(name.split("-"))
    if not got <= set(CHANGES):
        raise ValueError(f"part: expected a '-'-joined subset of {CHANGES}, got {part!r}")
    return got, rule


def wiring_setup(part: str, budget: int | None = None) -> hs97.Setup:
    """``hs97-1`` (or ``hs97-1-perstep``) with the changes named in ``part``, nothing else."""
    got, rule = changes_of(part)
    base = run_hs97.EXPERIMENTS_BY_ID[BASE + t1.RULES[rule]]["setup"]
    assert not base.spec.bias_cells and not base.spec.bias_out, "the paper's net for task 1"
    spec, kw = base.spec, {}
    if "bias" in got:
        spec = replace(spec, bias_cells=True, bias_out=True)
    if "4x2" in got:
        spec = replace(spec, n_blocks=4)
        kw["output_gate_bias"] = OGB_4
    if "nogate" in got:
        spec = NoGateSources(**{f.name: getattr(spec, f.name) for f in fields(spec)})
    if budget is not None:
        kw["max_sequences"] = budget
    return replace(base, id=f"hs97-1-wiring-{part}", spec=spec, **kw)


def run_part(part: str, seeds, budget=None, progress=None) -> dict:
    """One part: its trials and each trial's cell measures at the end."""
    setup = wiring_setup(part, budget)
    _, rule = changes_of(part)
    recs, ends = t1.run_with_nets(setup, seeds, rule, progress=progress)
    trials = [dict(asdict(r), **t1.cell_measures(net, strings, setup))
              for r, (net, strings) in zip(recs, ends)]
    ok = [r.sequences for r in recs if r.success]
    return dict(part=part, rule=rule, changes=sorted(changes_of(part)[0]), seeds=list(seeds),
                blocks=setup.spec.n_blocks, cells=setup.spec.block_size,
                weights=setup.spec.n_weights(), budget=setup.max_sequences,
                output_gate_bias=list(setup.output_gate_bias), trials=trials,
                successes=len(ok), median_sequences=float(np.median(ok)) if ok else None)


def main(argv=None):
    quick, names = records.diagnostic_args(argv, __doc__, PARTS)
    seeds = run_hs97.seeds_of(run_hs97.EXPERIMENTS_BY_ID[BASE])
    seeds = seeds[:2] if quick else seeds
    budget = 300 if quick else None
    log = records.trial_logger()
    doc = {"parts": {}}
    for name in names:
        t0 = time.process_time()
        part = run_part(name, seeds, budget, progress=log)
        part["cpu_seconds"] = round(time.process_time() - t0, 1)
        print(f"{name}: {part['successes']}/{len(seeds)} ({part['weights']} weights)", flush=True)
        if quick:
            doc["parts"][name] = part
            continue
        doc = records.store_part(OUT, "parts", name, part, run_hs97.FINGERPRINT_FILES + [
            "experiments/hs97_online.py", "experiments/diag_hs97_1_table1.py",
            "experiments/diag_hs97_1_wiring.py"],
            battery={i: run_hs97.stored_row(i) for i in (BASE, BASE + "-perstep")})
    return doc


if __name__ == "__main__":
    main()
