"""The output weight conflict, measured: memory cells with and without output gates (Chapter 8).

Hochreiter & Schmidhuber (1997, §5.1, "Importance of output gates") report for the embedded
Reber grammar that learning to store the first symbol, T or P, must not perturb the outputs that
predict the easy inner Reber transitions, that this is the job of the output gates, and that
without output gates they "did not achieve fast learning". :func:`output_gate_trial` trains one
network of that kind on the task, with or without output gates, with the paper's truncated
gradient or with full BPTT, and reports when it met the success criterion.

The network (close to the paper's experiment 1): 7 input and 7 logistic output units, one hidden
layer of ``n_blocks`` memory blocks of ``block_size`` cells of the 1997 kind (no forget gate,
g ∈ [−2, 2], h ∈ [−1, 1]), output units that see only the cell outputs, weights uniform in ±0.2,
output-gate biases −1, −2, … by block (the paper's remedy for the abuse problem), online gradient
descent (one string per update) with learning rate 0.5. A string is predicted correctly when at
every step the units of the legal next symbols are the most active ones
(:func:`lstm_core.tasks.reber_correct`, ``rule="most_active"``); a trial succeeds when all
``n_test`` strings of a fixed random test set are, checked every ``eval_every`` strings.
Departures from the paper: fresh random training strings instead of a fixed set of 256, gradient
norms clipped to 1, 4 blocks of 2 cells instead of 3 × 2 or 4 × 1, a smaller budget.
"""
from __future__ import annotations

import time

import numpy as np

from . import _validate as V
from . import tasks
from .lstm import LSTMConfig
from .optim import SGD
from .readout import NetParams, net_forward, net_loss_and_grads
from .train import train
from .truncated_training import net_loss_and_grads_truncated

__all__ = ["output_gate_network", "output_gate_trial", "GRADIENTS"]

#: the two training rules: the paper's truncated gradient, and full BPTT (Chapter 11)
GRADIENTS = {"truncated": net_loss_and_grads_truncated, "full": net_loss_and_grads}


def output_gate_network(output_gate: bool, seed: int, n_blocks: int = 4,
                        block_size: int = 2) -> NetParams:
    """The embedded-Reber network of :func:`output_gate_trial`, freshly initialised (Chapter 8).

    Parameters
    ----------
    output_gate : bool
        Memory cells with output gates (the 1997 cell, preset ``"lstm1997"``) or without.
    seed : int
        Seed of the initial weights.
    n_blocks, block_size : int
        Memory blocks and cells per block.
    """
    if not isinstance(output_gate, bool):
        raise TypeError(f"output_gate: expected True or False, got {output_gate!r}")
    n_blocks = V.positive_int("n_blocks", n_blocks)
    block_size = V.positive_int("block_size", block_size)
    cfg = LSTMConfig.preset("lstm1997", block_size=block_size, output_gate=output_gate)
    H = n_blocks * block_size
    net = NetParams.init(7, H, 7, rng=seed, core=cfg, scale=0.2)
    if output_gate:
        net.core.b[cfg.layout(H)["o"]] = -np.arange(1.0, n_blocks + 1.0)
    return net


def output_gate_trial(output_gate: bool, seed: int, gradient: str = "truncated",
                      max_sequences: int = 30_000, eval_every: int = 400, n_test: int = 256,
                      lr: float = 0.5) -> dict:
    """Train one network on the embedded Reber grammar until it predicts every test string (Chapter 8).

    Parameters
    ----------
    output_gate : bool
        With output gates (the 1997 cell) or without.
    seed : int
        Seeds the weights, the training strings and the test set.
    gradient : {"truncated", "full"}
        The 1997 truncated gradient (:func:`lstm_core.truncated_training.net_loss_and_grads_truncated`)
        or full BPTT (:func:`lstm_core.readout.net_loss_and_grads`).
    max_sequences : int
        Budget of training strings (one per update).
    eval_every : int
        Strings between checks of the success criterion (and points of the learning curve).
    n_test : int
        Size of the fixed test set.
    lr : float
        Learning rate of plain gradient descent.

    Returns
    -------
    dict
        ``output_gate``, ``seed``, ``gradient``, ``solved`` (bool), ``sequences`` (strings seen
        until success, or the budget), ``test_correct`` (fraction of test strings right at the
        end), ``curve_sequences`` and ``curve_correct`` (the learning curve), ``cpu_seconds``.
    """
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient: expected one of {sorted(GRADIENTS)}, got {gradient!r}")
    seed = V.positive_int("seed", seed, minimum=0)
    max_sequences = V.positive_int("max_sequences", max_sequences)
    eval_every = V.positive_int("eval_every", eval_every)
    n_test = V.positive_int("n_test", n_test)
    lr = V.positive_float("lr", lr)
    net = output_gate_network(output_gate, seed)
    test = tasks.reber_batch(np.random.default_rng(10_000 + seed), n_test)
    data_rng = np.random.default_rng(seed)

    def evaluate(params):
        y, _ = net_forward(params, test.x)
        return float(tasks.reber_correct(y, test, rule="most_active").mean())

    t0 = time.process_time()
    hist = train(GRADIENTS[gradient], net, SGD(lr=lr), max_sequences,
                 data=lambda n: tasks.reber_batch(data_rng, 1), evaluate=evaluate,
                 eval_every=eval_every, stop=lambda h: h.last_eval == 1.0, clip_norm=1.0)
    return dict(output_gate=output_gate, seed=seed, gradient=gradient, solved=bool(hist.stopped),
                sequences=len(hist.losses), test_correct=float(hist.evals[-1]),
                curve_sequences=[int(s) for s in hist.eval_steps],
                curve_correct=[float(e) for e in hist.evals],
                cpu_seconds=round(time.process_time() - t0, 2))
