"""Benchmark: lstm_core's LSTM (forward + full BPTT) vs a per-gate NumPy LSTM and torch.nn.LSTM.

Run from the repository root (a script, not a test; takes about a minute):

    .venv/bin/python benchmarks/bench_lstm.py [--repeats N] [--threads 2]

All three compute the same function — the ``NP`` preset (no peepholes, g = h = tanh), which is
what ``torch.nn.LSTM`` computes — and the script checks that their outputs and input gradients
agree before timing them. Times are the best of ``--repeats`` runs of forward + backward.

* **ours**      :func:`lstm_core.lstm.lstm_forward` + :func:`lstm_core.lstm.lstm_backward`
* **per-gate**  the straightforward version written below: separate weight matrices per gate,
                separate matmuls per gate and per step (input projections included), no fused
                buffers, new temporaries everywhere.
* **torch**     ``torch.nn.LSTM`` on the CPU, ``y.backward(dy)`` (skipped if torch is missing;
                ``pip install -r benchmarks/requirements.txt``).
"""
from __future__ import annotations

import argparse
import os
import platform
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


def best_times(fns, repeats):
    """Best-of-``repeats`` wall time of each function; rounds interleave the functions so that
    a busy machine slows all of them alike."""
    for fn in fns.values():
        fn()                                               # warm-up
    best = dict.fromkeys(fns, np.inf)
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:                                    # pragma: no cover
        torch = None

    with threadpool_limits(args.threads):
        if torch is not None:
            torch.set_num_threads(args.threads)
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(f"python {platform.python_version()}, numpy {np.__version__}, "
              f"torch {torch.__version__ if torch else 'not installed'}, {args.threads} threads")
        for lib in threadpool_info():
            print(f"  BLAS/OpenMP: {lib.get('internal_api')} {lib.get('version')} "
                  f"({lib.get('architecture', '?')}, {lib.get('num_threads')} threads) "
                  f"{lib.get('filepath', '').split('/')[-1]}")
        if torch is not None:
            print(f"  torch: mkl={torch.backends.mkl.is_available()} "
                  f"mkldnn={torch.backends.mkldnn.is_available()} threads={torch.get_num_threads()}")
        print()
        head = (f"{'dtype':8s} {'B':>4s} {'H':>4s} {'T':>4s} | {'ours ms':>8s} {'per-gate':>9s} "
                f"{'torch ms':>9s} | {'per-gate/ours':>13s} {'ours/torch':>10s} | {'vanilla ms':>10s}")
        print(head)
        print("-" * len(head))
        for dtype in DTYPES:
            for B, H, T in SIZES:
                I = H
                rng = np.random.default_rng(0)
                p = LSTMParams.init(I, H, "NP", rng=rng, dtype=dtype)
                x = rng.normal(size=(T, B, I)).astype(dtype)
                dy = rng.normal(size=(T, B, H)).astype(dtype)
                lay = p.config.layout(H)
                Wg = {k: np.ascontiguousarray(p.W[s]) for k, s in lay.items()}
                Rg = {k: np.ascontiguousarray(p.R[s]) for k, s in lay.items()}
                bg = {k: p.b[s].copy() for k, s in lay.items()}

                def ours():
                    y, cache = lstm_forward(p, x)
                    return y, lstm_backward(p, cache, dy)

                def pergate():
                    y, steps = pergate_forward(Wg, Rg, bg, x)
                    return y, pergate_backward(Wg, Rg, x, steps, dy)

                # the three agree before they are timed
                y1, (g1, dx1, _) = ours()
                y2, (_, _, _, dx2) = pergate()
                tol = 1e-9 if dtype == np.float64 else 2e-3
                assert np.allclose(y1, y2, atol=tol) and np.allclose(dx1, dx2, atol=tol * 10), "per-gate differs"
                pv = LSTMParams.init(I, H, "vanilla", rng=1, dtype=dtype)

                def vanilla():
                    y, cache = lstm_forward(pv, x)
                    return lstm_backward(pv, cache, dy)

                fns = {"ours": ours, "pergate": pergate, "vanilla": vanilla}
                if torch is not None:
                    tdt = torch.float64 if dtype == np.float64 else torch.float32
                    m = torch.nn.LSTM(I, H).to(tdt)
                    with torch.no_grad():
                        m.weight_ih_l0.copy_(torch.from_numpy(p.W))
                        m.weight_hh_l0.copy_(torch.from_numpy(p.R))
                        m.bias_ih_l0.copy_(torch.from_numpy(p.b))
                        m.bias_hh_l0.zero_()
                    xt = torch.from_numpy(x).requires_grad_(True)
                    dyt = torch.from_numpy(dy)

                    def run_torch():
                        m.zero_grad(set_to_none=True)
                        xt.grad = None
                        y, _ = m(xt)
                        y.backward(dyt)
                        return y

                    yt = run_torch()
                    assert np.allclose(y1, yt.detach().numpy(), atol=tol), "torch differs"
                    assert np.allclose(dx1, xt.grad.numpy(), atol=tol * 10), "torch dx differs"
                    fns["torch"] = run_torch
                best = best_times(fns, args.repeats)
                t_ours, t_pg, t_van = best["ours"], best["pergate"], best["vanilla"]
                t_torch = best.get("torch", np.nan)
                print(f"{np.dtype(dtype).name:8s} {B:4d} {H:4d} {T:4d} | {t_ours * 1e3:8.2f} "
                      f"{t_pg * 1e3:9.2f} {t_torch * 1e3:9.2f} | {t_pg / t_ours:13.2f} "
                      f"{t_ours / t_torch:10.2f} | {t_van * 1e3:10.2f}")
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print("\nours/torch < 1: ours is faster. per-gate/ours: how much the fusion buys. "
              "'vanilla' = ours with peepholes (torch has none).")


if __name__ == "__main__":
    main()
