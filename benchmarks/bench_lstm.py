"""Benchmark: lstm_core's LSTM (forward + full BPTT) vs a per-gate NumPy LSTM and torch.nn.LSTM.

Run from the repository root (a script, not a test; takes about three minutes):

    .venv/bin/python benchmarks/bench_lstm.py [--repeats N] [--rounds N] [--threads 2]

All three compute the same function — the ``NP`` preset (no peepholes, g = h = tanh), which is
what ``torch.nn.LSTM`` computes — and the script checks that their outputs and input gradients
agree before timing them. Times are the best of ``--repeats`` runs of forward + backward.

Each implementation is timed in a process of its own (``--rounds`` processes each, alternating,
best over all). Timed side by side in one process they disturb each other: after a matmul,
OpenBLAS's worker thread keeps spinning for a while and takes the second core from PyTorch's
OpenMP threads; measured that way torch looked up to 1.6× slower than it is.

* **ours**      :func:`lstm_core.lstm.lstm_forward` + :func:`lstm_core.lstm.lstm_backward`
* **per-gate**  the straightforward version written below: separate weight matrices per gate,
                separate matmuls per gate and per step (input projections included), no fused
                buffers, new temporaries everywhere.
* **torch**     ``torch.nn.LSTM`` on the CPU, ``y.backward(dy)`` (skipped if torch is missing;
                ``pip install -r benchmarks/requirements.txt``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from lstm_core.activations import sigmoid
from lstm_core.lstm import LSTMParams, lstm_backward, lstm_forward

SIZES = [(32, 128, 100), (64, 256, 50), (1, 32, 200)]     # (batch B, hidden H, steps T); I = H
DTYPES = [np.float64, np.float32]


# ---------------------------------------------------------------- the per-gate baseline


def pergate_forward(Wg, Rg, bg, x):
    """Per-gate LSTM (i, f, z, o in dicts): one matmul per gate per step for x and for y."""
    T, B, _ = x.shape
    H = Rg["i"].shape[0]
    y, c = np.zeros((B, H), x.dtype), np.zeros((B, H), x.dtype)
    steps = []
    for t in range(T):
        i = sigmoid(x[t] @ Wg["i"].T + y @ Rg["i"].T + bg["i"])
        f = sigmoid(x[t] @ Wg["f"].T + y @ Rg["f"].T + bg["f"])
        z = np.tanh(x[t] @ Wg["z"].T + y @ Rg["z"].T + bg["z"])
        o = sigmoid(x[t] @ Wg["o"].T + y @ Rg["o"].T + bg["o"])
        c_prev, y_prev = c, y
        c = z * i + c_prev * f
        hc = np.tanh(c)
        y = hc * o
        steps.append((i, f, z, o, c_prev, y_prev, c, hc))
    return np.stack([s[7] * s[3] for s in steps]), steps


def pergate_backward(Wg, Rg, x, steps, dy):
    """BPTT for :func:`pergate_forward`, gate by gate, step by step."""
    dW = {k: np.zeros_like(v) for k, v in Wg.items()}
    dR = {k: np.zeros_like(v) for k, v in Rg.items()}
    db = {k: np.zeros(v.shape[0], v.dtype) for k, v in Wg.items()}
    dx = np.zeros_like(x)
    dy_next = np.zeros_like(dy[0])
    dc_next = np.zeros_like(dy[0])
    for t in reversed(range(len(steps))):
        i, f, z, o, c_prev, y_prev, c, hc = steps[t]
        d = dy[t] + dy_next
        dc = dc_next + d * o * (1 - hc * hc)
        dnet = {"o": d * hc * o * (1 - o), "z": dc * i * (1 - z * z),
                "i": dc * z * i * (1 - i), "f": dc * c_prev * f * (1 - f)}
        dy_next = np.zeros_like(d)
        for k, dn in dnet.items():
            dW[k] += dn.T @ x[t]
            dR[k] += dn.T @ y_prev
            db[k] += dn.sum(axis=0)
            dx[t] += dn @ Wg[k]
            dy_next += dn @ Rg[k]
        dc_next = dc * f
    return dW, dR, db, dx


# ---------------------------------------------------------------- timing


IMPLS = ("ours", "pergate", "vanilla", "torch")


def make_problem(dtype, B, H, T):
    """Parameters, inputs and output errors of one size; the same in every process (seeded)."""
    rng = np.random.default_rng(0)
    p = LSTMParams.init(H, H, "NP", rng=rng, dtype=dtype)                 # I = H
    x = rng.normal(size=(T, B, H)).astype(dtype)
    dy = rng.normal(size=(T, B, H)).astype(dtype)
    return p, x, dy


def make_runner(impl, p, x, dy):
    """A function that runs forward + backward once with implementation ``impl``."""
    dtype, H = p.W.dtype, p.n_cells
    if impl == "ours":
        def run():
            y, cache = lstm_forward(p, x)
            return y, lstm_backward(p, cache, dy)
        return run
    if impl == "vanilla":
        pv = LSTMParams.init(H, H, "vanilla", rng=1, dtype=dtype)

        def run():
            y, cache = lstm_forward(pv, x)
            return y, lstm_backward(pv, cache, dy)
        return run
    if impl == "pergate":
        lay = p.config.layout(H)
        Wg = {k: np.ascontiguousarray(p.W[s]) for k, s in lay.items()}
        Rg = {k: np.ascontiguousarray(p.R[s]) for k, s in lay.items()}
        bg = {k: p.b[s].copy() for k, s in lay.items()}

        def run():
            y, steps = pergate_forward(Wg, Rg, bg, x)
            return y, pergate_backward(Wg, Rg, x, steps, dy)
        return run
    import torch
    m = torch.nn.LSTM(H, H).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(p.W))
        m.weight_hh_l0.copy_(torch.from_numpy(p.R))
        m.bias_ih_l0.copy_(torch.from_numpy(p.b))
        m.bias_hh_l0.zero_()
    xt = torch.from_numpy(x).requires_grad_(True)
    dyt = torch.from_numpy(dy)

    def run():
        m.zero_grad(set_to_none=True)
        xt.grad = None
        y, _ = m(xt)
        y.backward(dyt)
        return y.detach().numpy(), xt.grad.numpy()
    return run


def check_agreement():
    """ours, per-gate and torch compute the same outputs and ∂E/∂x (run before any timing)."""
    try:
        import torch  # noqa: F401
        impls = ("ours", "pergate", "torch")
    except ImportError:                                    # pragma: no cover
        impls = ("ours", "pergate")
    for dtype in DTYPES:
        for B, H, T in SIZES:
            p, x, dy = make_problem(dtype, B, min(H, 64), min(T, 30))
            out = {}
            for impl in impls:
                y, rest = make_runner(impl, p, x, dy)()
                # ours returns (grads, dx, dstate0), per-gate (dW, dR, db, dx), torch dx itself
                dx = {"ours": 1, "pergate": 3}.get(impl)
                out[impl] = (y, rest if dx is None else rest[dx])
            tol = 1e-9 if dtype == np.float64 else 2e-3
            for impl in impls[1:]:
                assert np.allclose(out["ours"][0], out[impl][0], atol=tol), f"{impl}: y differs"
                assert np.allclose(out["ours"][1], out[impl][1], atol=tol * 10), f"{impl}: dx differs"
    return impls


def worker(impl, threads, repeats):
    """Time ``impl`` at every size in this process; print {"dtype B H T": best seconds} as JSON."""
    with threadpool_limits(threads):
        if impl == "torch":
            import torch
            torch.set_num_threads(threads)
        best = {}
        for dtype in DTYPES:
            for B, H, T in SIZES:
                run = make_runner(impl, *make_problem(dtype, B, H, T))
                run()                                      # warm-up
                t = np.inf
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    run()
                    t = min(t, time.perf_counter() - t0)
                best[f"{np.dtype(dtype).name} {B} {H} {T}"] = t
    print(json.dumps(best))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per size in each process")
    ap.add_argument("--rounds", type=int, default=3, help="processes per implementation")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", choices=IMPLS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.repeats)
        return

    checked = check_agreement()
    impls = ("ours", "pergate", "vanilla") + (("torch",) if "torch" in checked else ())
    torch_version = "not installed"
    if "torch" in impls:
        import torch
        torch_version = torch.__version__
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch_version}, "
          f"{args.threads} threads; best of {args.repeats} runs x {args.rounds} processes each")
    with threadpool_limits(args.threads):
        for lib in threadpool_info():
            print(f"  BLAS/OpenMP: {lib.get('internal_api')} {lib.get('version')} "
                  f"({lib.get('architecture', '?')}, {lib.get('num_threads')} threads) "
                  f"{lib.get('filepath', '').split('/')[-1]}")
    print("  outputs and dx agree:", ", ".join(checked))
    best = {}
    for _ in range(args.rounds):                            # rounds alternate the implementations
        for impl in impls:
            out = subprocess.run([sys.executable, __file__, "--worker", impl, "--threads", str(args.threads),
                                  "--repeats", str(args.repeats)], check=True, capture_output=True, text=True)
            for key, t in json.loads(out.stdout.strip().splitlines()[-1]).items():
                best[impl, key] = min(best.get((impl, key), np.inf), t)
    print()
    head = (f"{'dtype':8s} {'B':>4s} {'H':>4s} {'T':>4s} | {'ours ms':>8s} {'per-gate':>9s} "
            f"{'torch ms':>9s} | {'per-gate/ours':>13s} {'ours/torch':>10s} | {'vanilla ms':>10s}")
    print(head)
    print("-" * len(head))
    for dtype in DTYPES:
        for B, H, T in SIZES:
            key = f"{np.dtype(dtype).name} {B} {H} {T}"
            t_ours, t_pg, t_van = best["ours", key], best["pergate", key], best["vanilla", key]
            t_torch = best.get(("torch", key), np.nan)
            print(f"{np.dtype(dtype).name:8s} {B:4d} {H:4d} {T:4d} | {t_ours * 1e3:8.2f} "
                  f"{t_pg * 1e3:9.2f} {t_torch * 1e3:9.2f} | {t_pg / t_ours:13.2f} "
                  f"{t_ours / t_torch:10.2f} | {t_van * 1e3:10.2f}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\nours/torch < 1: ours is faster. per-gate/ours: how much the fusion buys. "
          "'vanilla' = ours with peepholes (torch has none).")


if __name__ == "__main__":
    main()
