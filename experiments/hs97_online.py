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


def forward_online(nets: tr.TrialNets, x, t, mask, lr, path: str = "auto") -> tr.TrialCache:
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

    ``path``: ``"dense"`` (:func:`_forward_online_dense`, the equations as written) or ``"fast"``
    (:func:`_forward_online_fast`, what ``"auto"`` picks: the same updates with one-hot inputs
    gathered and scattered instead of multiplied, fewer temporaries; equal to rounding,
    ``tests/test_hs97_online.py``).
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
    if path not in ("auto", "dense", "fast"):
        raise ValueError(f"path: expected 'auto', 'dense' or 'fast', got {path!r}")
    run = _forward_online_dense if path == "dense" else _forward_online_fast
    return run(nets, x, t, mask, lr)


def _forward_online_dense(nets: tr.TrialNets, x, t, mask, lr) -> tr.TrialCache:
    """:func:`forward_online` step by step as the equations read (arguments checked there)."""
    spec = nets.spec
    T, K, B, I = x.shape
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
        gc, gc_d = tr._squash(g_fn, a[..., :C])
        y_in, y_in_d = tr._squash("logistic", a[..., C:C + nb])
        y_in_c = np.repeat(y_in, S, axis=2) if S > 1 else y_in
        s = s + y_in_c * gc
        hs, hs_d = tr._squash(h_fn, s)
        if has_out:
            y_out, y_out_d = tr._squash("logistic", a[..., C + nb:])
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
        yk, yk_d = tr._squash("logistic", np.matmul(v_used, W_k_used.transpose(0, 2, 1)))
        y[step] = yk
        dS_c += (gc_d * y_in_c)[..., None] * u[:, :, None, :]                       # eq. 27
        dS_in += (gc * (np.repeat(y_in_d, S, axis=2) if S > 1 else y_in_d))[..., None] \
            * u[:, :, None, :]                                                        # eq. 25
        if scored[step]:
            e = mask[step] * (t[step] - yk)
            E += 0.5 * (e * e).sum(axis=2)
            delta_k = yk * (1.0 - yk) * e                                             # eq. 19
            hs_d = tr.SQUASHERS[h_fn][1](s, hs)
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


def _forward_online_fast(nets: tr.TrialNets, x, t, mask, lr) -> tr.TrialCache:
    """:func:`forward_online` with fewer and smaller operations per step (arguments checked
    there): cells and gates squashed by one ``tanh`` (:data:`lstm_core.trials.TANH_FORMS`), the
    readout kept as W_kᵀ (K, C + I + 1, O) so that a one-hot input's row is gathered for the
    forward pass and its change scattered back, buffers reused from step to step, the weight
    changes masked by a precomputed α·mask."""
    spec = nets.spec
    T, K, B, I = x.shape
    C, S, nb, G, O = spec.n_cells, spec.block_size, spec.n_blocks, spec.n_gates, spec.n_out
    H, M = C + G, spec.n_sources
    has_out = spec.output_gate
    hot = tr._one_hot(x) if I >= tr.ONE_HOT_MIN_WIDTH else None
    rate = np.broadcast_to(np.asarray(lr, dtype=float), (K,)) / float(B)
    masks = spec.masks()
    on_c = np.repeat(nets.on, S, axis=1).astype(float)              # (K, C)
    on_b = nets.on.astype(float)                                     # (K, n_blocks)
    on = on_c[:, None, :]
    on_g = np.tile(on_b, 2 if has_out else 1)[:, None, :]            # (K, 1, G)
    parts = [nets.W_c, nets.W_in] + ([nets.W_out] if has_out else [])
    W_h = np.concatenate(parts, axis=1)                              # (K, H, M)
    live_h = np.concatenate([masks["W_c"] * on_c[:, :, None], masks["W_in"] * on_b[:, :, None]]
                            + ([masks["W_out"] * on_b[:, :, None]] if has_out else []), axis=1)
    step_h = rate[:, None, None] * live_h                            # α · which weights change
    W_kT = nets.W_k.transpose(0, 2, 1).copy()                        # (K, C + I + 1, O)
    live_kT = masks["W_k"].T                                          # (C + I + 1, O)
    step_kc = rate[:, None, None] * live_kT[None, :C]                # α · mask, by part of W_k
    step_kb = rate[:, None] * live_kT[None, -1]
    direct = bool(masks["W_k"][:, C:C + I].any() or np.any(nets.W_k[:, :, C:C + I]))
    gamma, alpha, c1, c2 = tr._tanh_form([spec.g] * C + ["logistic"] * G)
    form = tuple(v[0] if np.all(v == v[0]) else v for v in (alpha, c1, c2))
    dg = tr.SQUASHERS[spec.g][1]
    h_fn = spec.h
    h_gamma, h_alpha, h_c1, h_c2 = tr._tanh_form([h_fn])[:, 0]
    h_form = (h_alpha, h_c1, h_c2)
    kk, bb = np.arange(K)[:, None], np.arange(B)[None, :]

    u = np.zeros((K, B, M))
    u[..., -1] = 1.0
    a = np.empty((K, B, H))
    Y = np.empty((K, B, H))
    Y_d = np.empty((K, B, H))
    s = np.zeros((K, B, C))
    dS_c = np.zeros((K, B, C, M))
    dS_in = np.zeros((K, B, C, M))
    dH = np.empty((K, H, M))
    y = np.empty((T, K, B, O))
    E = np.zeros((K, B))
    scored = mask.reshape(T, -1).any(axis=1)
    blk = (K, B, nb, S)
    rep = (lambda z: np.repeat(z, S, axis=2)) if S > 1 else (lambda z: z)
    for step in range(T):
        u[..., :I] = x[step]
        np.matmul(u, W_h.transpose(0, 2, 1), out=a)                  # (K, B, H)
        a *= gamma
        tr._squash_into(a, Y, form)
        if spec.g == "identity":
            Y[..., :C] = a[..., :C]
        gc, y_in = Y[..., :C], Y[..., C:C + nb]
        Y_d[..., :C] = dg(a[..., :C], gc)
        np.multiply(Y[..., C:], 1.0 - Y[..., C:], out=Y_d[..., C:])
        y_in_c = rep(y_in)
        s += y_in_c * gc
        if h_fn == "identity":
            hs = s.copy()
        else:                                                        # h(s), its slope when scored
            hs = np.multiply(s, h_gamma)
            tr._squash_into(hs, hs, h_form)
        if has_out:
            y_out, y_out_d = Y[..., C + nb:], Y_d[..., C + nb:]
            y_out_c = rep(y_out)
            yc = y_out_c * hs * on
        else:
            y_out_c = 1.0
            yc = hs * on
        # y^k = f(W_k [y^c, x, 1]): the input part gathered when x is one-hot
        net_k = np.matmul(yc, W_kT[:, :C])
        net_k += W_kT[:, None, -1]
        if hot is not None:
            idx, on_x = hot[0][step], hot[1][step]                   # (K, B)
            if direct:
                net_k += W_kT[kk, C + idx] * on_x[..., None]
        elif direct:
            net_k += np.matmul(x[step], W_kT[:, C:C + I])
        yk = y[step]
        np.multiply(net_k, 0.5, out=yk)
        tr._squash_into(yk, yk, (0.5, 1.0, 0.0))                     # σ(net) = ½ (1 + tanh(net / 2))
        alpha_c = Y_d[..., :C] * y_in_c                                  # g'(net_c) y^in
        alpha_in = gc * rep(Y_d[..., C:C + nb])                          # g(net_c) f'(net_in)
        if hot is None:
            dS_c += alpha_c[..., None] * u[:, :, None, :]                               # eq. 27
            dS_in += alpha_in[..., None] * u[:, :, None, :]                             # eq. 25
        else:          # one-hot u: of the input columns only the active one changes
            dS_c[..., I:] += alpha_c[..., None] * u[:, :, None, I:]
            dS_in[..., I:] += alpha_in[..., None] * u[:, :, None, I:]
            dS_c[kk, bb, :, idx] += alpha_c * on_x[..., None]
            dS_in[kk, bb, :, idx] += alpha_in * on_x[..., None]
        if scored[step]:
            e = mask[step] * (t[step] - yk)
            E += 0.5 * (e * e).sum(axis=2)
            delta_k = yk * (1.0 - yk) * e                                             # eq. 19
            hs_d = tr.SQUASHERS[h_fn][1](s, hs)
            back = np.matmul(delta_k, W_kT[:, :C].transpose(0, 2, 1)) * on
            e_s = back * y_out_c * hs_d                                               # eq. 23
            if B == 1:                                                                # eq. 28
                np.multiply(e_s[:, 0, :, None], dS_c[:, 0], out=dH[:, :C])
                g_in = e_s[:, 0, :, None] * dS_in[:, 0]
            else:
                np.sum(e_s[..., None] * dS_c, axis=1, out=dH[:, :C])
                g_in = (e_s[..., None] * dS_in).sum(axis=1)
            dH[:, C:C + nb] = g_in.reshape(K, nb, S, M).sum(axis=2) if S > 1 else g_in  # 26
            if has_out:
                d_out = (back * hs).reshape(blk).sum(axis=3) * y_out_d               # eq. 21
                np.matmul(d_out.transpose(0, 2, 1), u, out=dH[:, C + nb:])
            dH *= step_h
            # W_k += α δ_k v(t)ᵀ (eq. 22), all parts computed from this step's weights
            d_kc = np.matmul(yc.transpose(0, 2, 1), delta_k)                           # (K, C, O)
            d_kb = delta_k.sum(axis=1) if B > 1 else delta_k[:, 0]                   # (K, O)
            if hot is not None:
                if direct:
                    rows = delta_k * (rate[:, None, None] * on_x[..., None])
                    if B == 1:                               # one row per trial: no repeats
                        W_kT[kk, C + idx] += rows
                    else:
                        np.add.at(W_kT, (np.broadcast_to(kk, idx.shape), C + idx), rows)
            else:
                W_kT[:, C:C + I] += rate[:, None, None] * live_kT[C:C + I] * np.matmul(
                    x[step].transpose(0, 2, 1), delta_k)
            W_kT[:, :C] += step_kc * d_kc
            W_kT[:, -1] += step_kb * d_kb
            W_h += dH
        if spec.recurrent:
            u[..., I:I + C] = yc
            np.multiply(Y[..., C:], on_g, out=u[..., I + C:I + H])
    nets.W_c[...] = W_h[:, :C]
    nets.W_in[...] = W_h[:, C:C + nb]
    if has_out:
        nets.W_out[...] = W_h[:, C + nb:]
    nets.W_k[...] = W_kT.transpose(0, 2, 1)
    zeros = {n: np.zeros(a.shape) for n, a in nets.arrays().items()}   # calloc: pages untouched
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
