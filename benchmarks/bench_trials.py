"""Benchmark: many 1997 trials at once (lstm_core.trials) against the same trials one by one.

Run from the repository root (a script, not a test; about two minutes):

    .venv/bin/python benchmarks/bench_trials.py [--seconds 2] [--ks 1 4 16 64] [--nets 2a 2a-hot ...]

For three nets of Hochreiter & Schmidhuber (1997) — the 2a net (101 inputs and outputs, one cell,
T = 100), the adding net (2 blocks of 2 cells, T = 100) and the embedded-Reber net (3 blocks of 2
cells, T = 12) — it measures training sequences per second (forward pass, truncated gradient and
the weight update, one sequence per trial per update):

* **serial**    one trial at a time (a stack of K = 1), which is what K trials one after another get;
* **together**  K trials in one stack (``lstm_core.trials``), K = 1, 4, 16, 64;
* **torch**     ``torch.nn.LSTM`` of the same number of cells with a linear readout, forward +
                backward + an SGD step per sequence, one trial at a time (skipped without torch;
                ``pip install -r benchmarks/requirements.txt``). Its cell is PyTorch's (forget
                gate, full BPTT), so the comparison is of cost per sequence, not of the same maths;
* **torch K stacked**  the same cell for K trials in one stack (weights with a trial axis, one
                ``bmm`` per step for all K, autograd through time), K = 1, 4, 16, 64.

The 2a net is measured twice: on dense random inputs and targets ("2a", every input weight in
play) and on the task's own coding ("2a-hot": one of 101 symbols per step, given to
``trials.forward`` by index as :class:`lstm_core.trials.OneHotInputs`, and a one-hot target).

Every measurement runs in a process of its own with one BLAS thread. The script prints the
BLAS in use and the machine's load average, then a table of sequences per second and ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

NETS = {
    "2a": dict(spec=dict(n_in=101, n_out=101, n_blocks=1, block_size=1, output_gate=False,
                         recurrent=False, direct=True, bias_cells=False, bias_gates=False,
                         bias_out=False, g="h1997", h="identity"), T=100),
    "adding": dict(spec=dict(n_in=2, n_out=1, n_blocks=2, block_size=2), T=100),
    "reber": dict(spec=dict(n_in=7, n_out=7, n_blocks=3, block_size=2, bias_cells=False,
                            bias_out=False), T=12),
}
NETS["2a-hot"] = dict(NETS["2a"], hot=True)   # the 2a net on one-hot inputs by index (see above)


def measure_ours(net: str, K: int, seconds: float) -> float:
    import numpy as np
    from lstm_core import trials as tr
    cfg = NETS[net]
    spec = tr.NetSpec(**cfg["spec"])
    nets = tr.init_nets(spec, range(K), scale=0.1)
    rng = np.random.default_rng(0)
    T = cfg["T"]
    if cfg.get("hot"):
        x = tr.OneHotInputs(idx=rng.integers(spec.n_in, size=(T, K, 1)),
                            on=np.ones((T, K, 1), dtype=bool), width=spec.n_in)
        t = np.eye(spec.n_out)[rng.integers(spec.n_out, size=(T, K, 1))]
    else:
        x = rng.uniform(0, 1, size=(T, K, 1, spec.n_in))
        t = rng.uniform(0, 1, size=(T, K, 1, spec.n_out))
    m = np.ones((T, K, 1, 1))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        tr.sgd_update(nets, tr.backward(nets, x, t, m), 0.01)
        n += 1
    return K * n / (time.perf_counter() - t0)


def measure_torch(net: str, seconds: float) -> float:
    import torch
    torch.set_num_threads(1)
    cfg = NETS[net]
    s = cfg["spec"]
    C = s["n_blocks"] * s["block_size"]
    lstm = torch.nn.LSTM(s["n_in"], C, dtype=torch.float64)
    out = torch.nn.Linear(C, s["n_out"], dtype=torch.float64)
    opt = torch.optim.SGD(list(lstm.parameters()) + list(out.parameters()), lr=0.01)
    x = torch.rand(cfg["T"], 1, s["n_in"], dtype=torch.float64)
    t = torch.rand(cfg["T"], 1, s["n_out"], dtype=torch.float64)
    if cfg.get("hot"):                  # the same coding, dense (torch.nn.LSTM takes no indices)
        x = torch.nn.functional.one_hot(torch.randint(s["n_in"], (cfg["T"], 1)), s["n_in"]).double()
        t = torch.nn.functional.one_hot(torch.randint(s["n_out"], (cfg["T"], 1)), s["n_out"]).double()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        opt.zero_grad()
        y, _ = lstm(x)
        loss = 0.5 * ((torch.sigmoid(out(y)) - t) ** 2).sum()
        loss.backward()
        opt.step()
        n += 1
    return n / (time.perf_counter() - t0)


def measure_torch_stacked(net: str, K: int, seconds: float) -> float:
    """K torch LSTMs (the cell of ``torch.nn.LSTM``: i, f, g, o gates) trained in one stack:
    every weight has a leading trial axis and each step is one ``bmm`` for all K nets, as in
    ``lstm_core.trials``; full BPTT by autograd, an SGD step per sequence."""
    import torch
    torch.set_num_threads(1)
    cfg = NETS[net]
    s = cfg["spec"]
    I, C, O, T = s["n_in"], s["n_blocks"] * s["block_size"], s["n_out"], cfg["T"]
    f64 = dict(dtype=torch.float64)
    params = [(0.1 * torch.randn(K, *shape, **f64)).requires_grad_()
              for shape in ((I, 4 * C), (C, 4 * C), (1, 4 * C), (C, O), (1, O))]
    W_x, W_h, b, W_o, b_o = params
    x = torch.rand(K, T, I, **f64)
    t = torch.rand(K, T, O, **f64)
    if cfg.get("hot"):
        x = torch.nn.functional.one_hot(torch.randint(I, (K, T)), I).double()
        t = torch.nn.functional.one_hot(torch.randint(O, (K, T)), O).double()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        a_x = torch.baddbmm(b, x, W_x)                                   # (K, T, 4C) at once
        h = torch.zeros(K, 1, C, **f64)
        c = torch.zeros(K, 1, C, **f64)
        hs = []
        for step in range(T):
            g = a_x[:, step:step + 1] + torch.bmm(h, W_h)
            i, f, u, o = g.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        y = torch.sigmoid(torch.baddbmm(b_o, torch.cat(hs, dim=1), W_o))
        loss = 0.5 * ((y - t) ** 2).sum()
        for p, g in zip(params, torch.autograd.grad(loss, params)):
            with torch.no_grad():
                p -= 0.01 * g
        n += 1
    return K * n / (time.perf_counter() - t0)


def run_one(args) -> float:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--one", json.dumps(args)], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--ks", type=int, nargs="*", default=[1, 4, 16, 64])
    ap.add_argument("--nets", nargs="*", default=list(NETS), choices=list(NETS))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        job = json.loads(a.one)
        if job["kind"] == "torch":
            v = measure_torch(job["net"], job["seconds"])
        elif job["kind"] == "torch-stacked":
            v = measure_torch_stacked(job["net"], job["K"], job["seconds"])
        else:
            v = measure_ours(job["net"], job["K"], job["seconds"])
        print(v)
        return
    import numpy as np
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('version')}" for i in threadpool_info()
                         if i["user_api"] == "blas")
    except ImportError:
        blas = "threadpoolctl not installed"
    print(f"numpy {np.__version__}, BLAS: {blas or 'unknown'}; load average {os.getloadavg()}")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for net in a.nets:
        serial = run_one(dict(kind="ours", net=net, K=1, seconds=a.seconds))
        torch_sps = run_one(dict(kind="torch", net=net, seconds=a.seconds)) if have_torch else None
        print(f"\n{net} net (T = {NETS[net]['T']}): serial {serial:,.0f} sequences/s"
              + (f"; torch one by one {torch_sps:,.0f} sequences/s" if torch_sps else "; torch: not installed"))
        print(f"{'K':>4} {'together seq/s':>15} {'× serial':>9} {'× torch':>8}"
              + (f" {'torch K stacked':>16} {'ours / it':>10}" if have_torch else ""))
        for K in a.ks:
            tog = run_one(dict(kind="ours", net=net, K=K, seconds=a.seconds))
            line = f"{K:4d} {tog:15,.0f} {tog / serial:9.1f} " \
                + (f"{tog / torch_sps:8.1f}" if torch_sps else f"{'—':>8}")
            if have_torch:
                ts = run_one(dict(kind="torch-stacked", net=net, K=K, seconds=a.seconds))
                line += f" {ts:16,.0f} {tog / ts:10.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
