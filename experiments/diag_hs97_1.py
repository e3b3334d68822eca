"""Why experiment 1 (embedded Reber grammar) fails in the battery: where the errors are (Chapter 16).

    .venv/bin/python experiments/diag_hs97_1.py            # 10 trials x 2 update rules, ~10 CPU-min
    .venv/bin/python experiments/diag_hs97_1.py --quick    # smoke run, nothing stored

The battery's ``hs97-1`` trials are re-run here exactly (the same seeds, initial weights, training
and test sets and training order as ``lstm_core.hs97.run_trials``; one sequence per update at the
paper's learning rate 0.5), and every ``EVERY`` sequences the frozen net is scored on its 256
training strings, separately at

* the **hard step**: the prediction of the closing T or P, which needs the second symbol of the
  string, stored for the whole embedded string (the only long-range dependency of the task), and
* **all other steps**: the transitions of the inner Reber grammar, which need a few steps of
  memory only.

A second update rule is run beside it as a control for one reading of the paper: weights changed
after **every time step** (real-time learning, as RTRL does; the carried partials dS are kept
across the changes) instead of once per sequence with the step contributions summed (how
``lstm_core.trials`` reads "each weight's total update is the sum of the contributions of all
time steps", appendix A.1).

Writes ``results/hs97_diag/exp1.json``: per rule and trial, the error rates at each checkpoint.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402
import run_hs97  # noqa: E402

from lstm_core import hs97  # noqa: E402
from lstm_core import trials as tr  # noqa: E402
from lstm_core.tasks import reber  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "hs97_diag" / "exp1.json"
EVERY = 2000
BUDGET = 20_000
TRIALS = 10


def step_online(nets: tr.TrialNets, x, t, mask, lr: float) -> None:
    """One pass over a (T, K, 1, ·) batch, changing the weights after every time step.

    The forward pass and the step contributions are those of :func:`lstm_core.trials.forward`
    (the paper's equations (19)–(28)); here each contribution is applied at once.
    """
    spec = nets.spec
    T, K, B, I = x.shape
    C, S, nb = spec.n_cells, spec.block_size, spec.n_blocks
    M, G = spec.n_sources, spec.n_gates
    masks = spec.masks()
    u = np.zeros((K, B, M))
    u[..., -1] = 1.0
    v = np.zeros((K, B, C + I + 1))
    v[..., -1] = 1.0
    s = np.zeros((K, B, C))
    dS_c = np.zeros((K, B, C, M))
    dS_in = np.zeros((K, B, C, M))
    for step in range(T):
        W_hT = np.concatenate([nets.W_c, nets.W_in, nets.W_out], axis=1).transpose(0, 2, 1)
        u[..., :I] = x[step]
        a = np.matmul(u, W_hT)
        gc, gc_d = tr.squash(spec.g, a[..., :C])
        y_in, y_in_d = tr.squash("logistic", a[..., C:C + nb])
        y_in_c, y_in_dc = np.repeat(y_in, S, axis=2), np.repeat(y_in_d, S, axis=2)
        s = s + y_in_c * gc
        hs, hs_d = tr.squash(spec.h, s)
        y_out, y_out_d = tr.squash("logistic", a[..., C + nb:])
        y_out_c = np.repeat(y_out, S, axis=2)
        yc = y_out_c * hs
        v[..., :C] = yc
        v[..., C:C + I] = x[step]
        yk, yk_d = tr.squash("logistic", np.matmul(v, nets.W_k.transpose(0, 2, 1)))
        dS_c += (gc_d * y_in_c)[..., None] * u[:, :, None, :]
        dS_in += (gc * y_in_dc)[..., None] * u[:, :, None, :]
        delta_k = yk_d * mask[step] * (t[step] - yk)
        back = np.matmul(delta_k, nets.W_k[:, :, :C])
        d_out = (back * hs).reshape(K, B, nb, S).sum(axis=3) * y_out_d
        e_s = back * y_out_c * hs_d
        g_in = (e_s[..., None] * dS_in).sum(axis=1).reshape(K, nb, S, M).sum(axis=2)
        nets.W_k += lr * np.matmul(delta_k.transpose(0, 2, 1), v) * masks["W_k"]
        nets.W_out += lr * np.matmul(d_out.transpose(0, 2, 1), u) * masks["W_out"]
        nets.W_c += lr * (e_s[..., None] * dS_c).sum(axis=1) * masks["W_c"]
        nets.W_in += lr * g_in * masks["W_in"]
        u[..., I:I + C] = yc
        u[..., I + C:I + C + nb] = y_in
        u[..., I + C + nb:I + C + G] = y_out


def score(nets: tr.TrialNets, sets) -> list[dict]:
    """Per trial: strings right, error rate at the hard step and at all other steps."""
    out = []
    for k, b in enumerate(sets):
        y = tr.forward(nets.take([k]), b.x[:, None]).y[:, 0]
        ok = reber._predicted_ok(y, b.t, "most_active")
        scored, hard = b.mask[..., 0] > 0, b.info["hard"]
        out.append(dict(strings_right=round(float(np.all(ok | ~scored, axis=0).mean()), 4),
                        hard_wrong=round(float(1 - ok[hard].mean()), 4),
                        other_wrong=round(float(1 - ok[scored & ~hard].mean()), 4)))
    return out


def run(rule: str, seeds, budget: int, every: int) -> dict:
    setup = run_hs97.EXPERIMENTS_BY_ID["hs97-1"]["setup"]
    rngs = [np.random.default_rng(s) for s in seeds]         # as hs97.run_trials draws them
    nets = tr.init_nets(setup.spec, rngs, scale=setup.scale, output_gate_bias=setup.output_gate_bias)
    train = [setup.sample(r, setup.n_train) for r in rngs]
    _test = [setup.sample(r, setup.n_train) for r in rngs]    # drawn to keep the streams aligned
    streams = [hs97._Stream(setup, r, ts) for r, ts in zip(rngs, train)]
    checkpoints, t0 = [], time.process_time()
    for n in range(1, budget + 1):
        x, t, m = hs97._stack([st.next() for st in streams])
        if rule == "per-sequence":
            cache = tr.forward(nets, x, t, m)
            tr.sgd_update(nets, cache.grads, setup.lr)
        else:
            step_online(nets, x, t, m, setup.lr)
        if n % every == 0:
            checkpoints.append(dict(sequences=n, trials=score(nets, train)))
            print(f"{rule} {n}: hard step wrong "
                  f"{[c['hard_wrong'] for c in checkpoints[-1]['trials']]}", flush=True)
    return dict(rule=rule, seeds=list(seeds), checkpoints=checkpoints,
                cpu_seconds=round(time.process_time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    exp = run_hs97.EXPERIMENTS_BY_ID["hs97-1"]
    seeds = run_hs97.seeds_of(exp)[:2 if a.quick else TRIALS]
    budget, every = (40, 20) if a.quick else (BUDGET, EVERY)
    doc = dict(setup="hs97-1", budget=budget, every=every,
               runs=[run(rule, seeds, budget, every) for rule in ("per-sequence", "per-step")])
    if a.quick:
        return doc
    doc["fingerprint"] = records.fingerprint_of(run_hs97.FINGERPRINT_FILES + ["experiments/diag_hs97_1.py"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


if __name__ == "__main__":
    main()
