"""The 1997 learning rule read as real-time learning: the weights change after every time step
(Chapter 16; Hochreiter & Schmidhuber 1997, appendix A.1).

Appendix A.1 gives each time step's contribution to a weight's update, Δw_lm(t) = α e_l(t) y^m(t−1)
(eqs. 22, 26, 28), says "each weight's total update is the sum of the contributions of all time
steps", and introduces the carried partials dS = ∂s_c/∂w as what one needs "to efficiently update
the system at time t". Two readings fit those words:

* **per sequence** — sum the contributions over the sequence and change the weights once at its
  end (:func:`lstm_core.trials.forward` + :func:`lstm_core.trials.sgd_update`, the battery's
  rows ``hs97-<exp>``);
* **per step** — change the weights at every step by that step's contribution, as real-time
  recurrent learning (RTRL) does, keeping the carried partials dS across the changes (this
  module, the rows ``hs97-<exp>-perstep``).

For a small rate α the two agree to first order (``tests/test_hs97_online.py`` checks that the
summed per-step changes divided by α equal the per-sequence gradient as α → 0). With α = 0.5 or 1,
the paper's rates, they are different learning rules, and which one the paper ran decides some
of its experiments (the book's chapter 16 shows both).

:func:`forward_online` is :func:`lstm_core.trials.forward` with the update moved inside the time
loop; :func:`run_trials` is :func:`lstm_core.hs97.run_trials` — the same seeds, data, sequential
construction, stop criteria and records — with that forward pass in place of the per-sequence
update. (It swaps ``hs97``'s reference to the trials module for the duration of the call, so the
trial logic is shared, not copied, while ``hs97.py`` stays byte-for-byte the code that produced the
battery's stored rows. When the battery is next re-run in full, the update rule becomes a field of
:class:`lstm_core.hs97.Setup` and this module folds into ``lstm_core``.)
"""
from __future__ import annotations

import types

import numpy as np

from lstm_core import hs97
from lstm_core import trials as tr

__all__ = ["forward_online", "run_trials"]


def forward_online(nets: tr.TrialNets, x, t, mask, lr) -> tr.TrialCache:
    """Run K nets over their batches, changing each net's weights after every scored time step.

    Parameters
    ----------
    nets : TrialNets
        Changed in place.
    x, t, mask : ndarray (T, K, B, I), (T, K, B, O), (T, K, B, 1)
        As in :func:`lstm_core.trials.forward` (time-major, zero-padded).
    lr : float or ndarray (K,)
        The learning rate α of each trial. With B > 1 sequences per trial, a step's change is the
        mean of their contributions (as :func:`lstm_core.trials.sgd_update` averages).

    Returns
    -------
    TrialCache
        ``y`` the outputs as the net produced them while it learned, ``E`` each sequence's error
        ½ Σ_t Σ_k mask (t − y)², ``grads`` zeros (the weights have already changed).

    The step's contributions (eqs. 19–28, as in :func:`lstm_core.trials.forward`) are all computed
    from the weights the step used, then applied at once:

        W_k  += α δ_k v(t)ᵀ,   W_out += α δ_out u(t)ᵀ,
        W_c  += α e_s(t) ⊙ dS_c(t),   W_in += α Σ_{v∈j} e_s,v(t) dS_in,v(t).
    """
    spec = nets.spec
    x = np.asarray(x, dtype=float)
    T, K, B, I = x.shape
    if K != nets.K or I != spec.n_in:
        raise ValueError(f"x: expected shape (T, {nets.K}, B, {spec.n_in}), got {x.shape}")
    t = np.asarray(t, dtype=float)
    mask = np.asarray(mask, dtype=float)
    if t.shape != (T, K, B, spec.n_out) or mask.shape != (T, K, B, 1):
        raise ValueError(f"t, mask: expected shapes {(T, K, B, spec.n_out)} and {(T, K, B, 1)}, "
                         f"got {t.shape} and {mask.shape}")
    rate = (np.broadcast_to(np.asarray(lr, dtype=float), (K,)) / float(B))[:, None, None]
    C, S, nb = spec.n_cells, spec.block_size, spec.n_blocks
    M, G = spec.n_sources, spec.n_gates
    g_fn, h_fn = spec.g, spec.h
    has_out = spec.output_gate
    masks = spec.masks()
    on_c = np.repeat(nets.on, S, axis=1).astype(float)              # (K, C)
    on_b = nets.on.astype(float)                                     # (K, n_blocks)
    # fused hidden weights (K, C + G, M), rows [cells | input gates | output gates], and which
    # of them may change: the connectivity masks times the blocks that are on
    parts = [nets.W_c, nets.W_in] + ([nets.W_out] if has_out else [])
    W_h = np.concatenate(parts, axis=1)
    live_h = np.concatenate([masks["W_c"] * on_c[:, :, None], masks["W_in"] * on_b[:, :, None]]
                            + ([masks["W_out"] * on_b[:, :, None]] if has_out else []), axis=1)
    W_k = nets.W_k.copy()
    live_k = masks["W_k"]

    u = np.zeros((K, B, M))
    u[..., -1] = 1.0
    v = np.zeros((K, B, C + I + 1))
    v[..., -1] = 1.0
    s = np.zeros((K, B, C))
    y = np.empty((T, K, B, spec.n_out))
    dS_c = np.zeros((K, B, C, M))
    dS_in = np.zeros((K, B, C, M))
    E = np.zeros((K, B))
    scored = mask.reshape(T, -1).any(axis=1)
    on = on_c[:, None, :]
    for step in range(T):
        u[..., :I] = x[step]
        a = np.matmul(u, W_h.transpose(0, 2, 1))                    # (K, B, C + G)
        gc, gc_d = tr.squash(g_fn, a[..., :C])
        y_in, y_in_d = tr.squash("logistic", a[..., C:C + nb])
        y_in_c = np.repeat(y_in, S, axis=2) if S > 1 else y_in
        s = s + y_in_c * gc
        hs, hs_d = tr.squash(h_fn, s)
        if has_out:
            y_out, y_out_d = tr.squash("logistic", a[..., C + nb:])
            y_out_c = np.repeat(y_out, S, axis=2) if S > 1 else y_out
        else:
            y_out_c = 1.0
        yc = y_out_c * hs * on
        v[..., :C] = yc
        v[..., C:C + I] = x[step]
        # one-hot inputs (experiments 1, 2): only a few columns of v are non-zero, and only
        # those columns of W_k take part in this step, forward and update alike
        cols = np.flatnonzero(v.reshape(-1, v.shape[-1]).any(axis=0))
        sparse = 2 * cols.size < v.shape[-1]
        v_used = v[..., cols] if sparse else v
        W_k_used = W_k[:, :, cols] if sparse else W_k
        yk, yk_d = tr.squash("logistic", np.matmul(v_used, W_k_used.transpose(0, 2, 1)))
        y[step] = yk
        dS_c += (gc_d * y_in_c)[..., None] * u[:, :, None, :]                       # eq. 27
        dS_in += (gc * (np.repeat(y_in_d, S, axis=2) if S > 1 else y_in_d))[..., None] \
            * u[:, :, None, :]                                                        # eq. 25
        if scored[step]:
            e = mask[step] * (t[step] - yk)
            E += 0.5 * (e * e).sum(axis=2)
            delta_k = yk_d * e                                                        # eq. 19
            back = np.matmul(delta_k, W_k[:, :, :C]) * on
            d_k = np.matmul(delta_k.transpose(0, 2, 1), v_used)                       # eq. 22
            e_s = back * y_out_c * hs_d                                               # eq. 23
            d_h = [(e_s[..., None] * dS_c).sum(axis=1),                               # eq. 28
                   (e_s[..., None] * dS_in).sum(axis=1).reshape(K, nb, S, M).sum(axis=2)]  # 26
            if has_out:
                d_out = (back * hs).reshape(K, B, nb, S).sum(axis=3) * y_out_d        # eq. 21
                d_h.append(np.matmul(d_out.transpose(0, 2, 1), u))
            if sparse:
                W_k[:, :, cols] += rate * d_k * live_k[:, cols]
            else:
                W_k += rate * d_k * live_k
            W_h += rate * np.concatenate(d_h, axis=1) * live_h
        if spec.recurrent:
            u[..., I:I + C] = yc
            u[..., I + C:I + C + nb] = y_in * on_b[:, None, :]
            if has_out:
                u[..., I + C + nb:I + C + G] = y_out * on_b[:, None, :]
    nets.W_c[...] = W_h[:, :C]
    nets.W_in[...] = W_h[:, C:C + nb]
    if has_out:
        nets.W_out[...] = W_h[:, C + nb:]
    nets.W_k[...] = W_k
    zeros = {n: np.zeros_like(a) for n, a in nets.arrays().items()}
    return tr.TrialCache(y=y, E=E, grads=zeros)


def _per_step_trials(lr: float) -> types.SimpleNamespace:
    """The trials module with the per-step rule in place of the per-sequence one."""
    ns = types.SimpleNamespace(**{n: getattr(tr, n) for n in dir(tr) if not n.startswith("__")})

    def forward(nets, x, t=None, mask=None, keep_states=False):
        if t is None:                                   # frozen tests: the plain forward pass
            return tr.forward(nets, x, keep_states=keep_states)
        return forward_online(nets, x, t, mask, lr)

    def sgd_update(nets, grads, lr_, active=None, batch_size=1):
        return None                                     # forward_online has changed the weights

    ns.forward, ns.sgd_update = forward, sgd_update
    return ns


def run_trials(setup: hs97.Setup, seeds, progress=None) -> list[hs97.TrialRecord]:
    """:func:`lstm_core.hs97.run_trials` with the weights changed after every time step."""
    saved = hs97.tr
    hs97.tr = _per_step_trials(setup.lr)
    try:
        return hs97.run_trials(setup, seeds, progress=progress)
    finally:
        hs97.tr = saved
