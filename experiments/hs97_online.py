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

import functools
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
    gathered and scattered instead of multiplied, few NumPy calls per step; equal to rounding,
    ``tests/test_hs97_online.py``).
    """
    spec = nets.spec
    if not isinstance(x, tr.OneHotInputs):
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
    if path == "dense":
        return _forward_online_dense(nets, x.dense() if isinstance(x, tr.OneHotInputs) else x,
                                     t, mask, lr)
    return _forward_online_fast(nets, x, t, mask, lr)


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


#: f'(y) = (y − lo)(hi − y)·inv for the squashers whose derivative in
#: :data:`lstm_core.trials.SQUASHERS` is such a product — the same floating-point operations
#: (y − 0 = y, y − (−2) = 2 + y, ·¼ = /4)
_BOUNDS = {"logistic": (0.0, 1.0, 1.0), "g1997": (-2.0, 2.0, 0.25), "h1997": (-1.0, 1.0, 0.5)}


@functools.lru_cache(maxsize=32)
def _masks(spec: tr.NetSpec) -> dict:
    """``spec.masks()``, made once per spec (the arrays are only read)."""
    return spec.masks()


@functools.lru_cache(maxsize=32)
def _consts(spec: tr.NetSpec) -> tuple:
    """Per spec, for :func:`_forward_online_fast`: γ (1, H, 1); the squashers' (α, c₁, c₂) and
    whether c₂ is added; the slopes' (lo, hi) of :data:`_BOUNDS` from unit d0 on; κ; the factor
    (H,) of each row's weight change; h's (γ, α, c₁, c₂, bounds).

    When g and h both have bounds, the cells' g is made κ g (κ = h's γ = ½: α and c₂ times κ,
    exact), so s accumulates as κ s and h(s) = α_h (tanh(κ s) + c₁) + c₂ needs no scaling; the
    cells' slopes from κ g are κ² g' / inv, and ∂s/∂W_in is κ times itself: the rows' weight
    changes are multiplied by inv / κ² and 1 / κ (powers of two, exact) to make up."""
    C, G = spec.n_cells, spec.n_gates
    gamma, alpha, c1, c2 = tr._tanh_form([spec.g] * C + ["logistic"] * G)
    cells_bounded = spec.g in _BOUNDS
    lo_hi = np.array([_BOUNDS[n] for n in ([spec.g] * C if cells_bounded else [])
                      + ["logistic"] * G]).T
    lo, hi, inv = lo_hi
    fold = cells_bounded and spec.h in _BOUNDS
    kappa = float(tr._tanh_form([spec.h])[0, 0]) if fold else 1.0
    rows = np.ones(C + G)
    if cells_bounded:
        alpha[:C] *= kappa
        c2[:C] *= kappa
        lo[:C] *= kappa
        hi[:C] *= kappa
        rows[:C] = inv[:C] / kappa ** 2                  # the slopes are taken without inv
        rows[C:C + spec.n_blocks] = 1.0 / kappa
    assert np.all(inv[C if cells_bounded else 0:] == 1.0)   # the gates: logistic
    alpha, c1, c2 = _uniform(alpha), _uniform(c1), _uniform(c2)
    add_c2 = not (np.ndim(c2) == 0 and c2 == 0.0)
    lo, hi = _uniform(lo), _uniform(hi)
    d0 = 0 if cells_bounded else C                       # first unit whose slope _BOUNDS gives
    h_consts = None
    if spec.h != "identity":
        h_consts = tuple(float(v) for v in tr._tanh_form([spec.h])[:, 0]) + (_BOUNDS.get(spec.h),)
    return (gamma[None, :, None], alpha, c1, c2, add_c2, cells_bounded, lo, hi, kappa,
            rows[None, :, None], d0, h_consts)


def _view(a, shape):
    """``a`` seen with ``shape``, never a copy (an error if it would need one)."""
    v = a.view()
    v.shape = shape
    return v


def _uniform(v):
    """A per-unit constant as a scalar when all units share it."""
    v = np.asarray(v, dtype=float)
    return float(v.flat[0]) if np.all(v == v.flat[0]) else v


def _forward_online_fast(nets: tr.TrialNets, x, t, mask, lr) -> tr.TrialCache:
    """:func:`forward_online` with few NumPy calls per step (arguments checked there), each
    the same floating-point operation as in the previous version of this path (on the battery's
    per-step rows it changes the weights bit for bit as that one did; ``tests/test_hs97_online.py``
    checks it against :func:`_forward_online_dense`):

    * cells and gates squashed by one ``tanh`` (:data:`lstm_core.trials.TANH_FORMS`), their
      slopes by one formula (:data:`_BOUNDS`); W_h kept as γ W_h and the readout as ½ W_kᵀ, so
      neither net input needs scaling, and s as κ s (:func:`_consts`) — all factors powers of
      two, so exact; the weight changes are scaled alike and the weights scaled back at the end;
    * ∂s_c/∂W_c and ∂s_c/∂W_in (eqs. 25, 27) in one array, changed by one product;
    * the readout y^k computed only at the scored steps, for all steps since the last one at
      once (W_k changes at scored steps only);
    * one-hot inputs set in u, gathered and scattered through indices computed for all steps
      at once (padding steps to a row or column no one reads); the errors kept per scored step
      and E summed at the end, in step order;
    * all buffers and views made before the loop; with one sequence per trial (the battery)
      the outer products done as broadcast products (one product each: exact).

    The only bits in which it can differ from that previous version are signs of zero in
    weights the connectivity mask holds at zero (it leaves the readout's input weights of a net
    without direct connections untouched), and results in the subnormal range.
    """
    spec = nets.spec
    T, K, B, I = x.shape
    C, S, nb, G, O = spec.n_cells, spec.block_size, spec.n_blocks, spec.n_gates, spec.n_out
    H, M = C + G, spec.n_sources
    R = C + I + 1
    has_out, rec = spec.output_gate, spec.recurrent
    if isinstance(x, tr.OneHotInputs):                               # given by index
        hot = (x.idx, x.on)
    else:
        hot = tr._one_hot(x) if I >= tr.ONE_HOT_MIN_WIDTH else None
    masks = _masks(spec)                                             # read only
    direct = bool(masks["W_k"][:, C:C + I].any() or np.any(nets.W_k[:, :, C:C + I]))
    rate = np.broadcast_to(np.asarray(lr, dtype=float), (K,)) / float(B)
    on_c = np.repeat(nets.on, S, axis=1).astype(float)              # (K, C)
    on_b = nets.on.astype(float)                                     # (K, n_blocks)
    on = on_c[:, None, :]
    on2 = 2.0 * on                          # back-propagating through ½ W_k: ×2, and the mask
    on_g = np.tile(on_b, 2 if has_out else 1)[:, None, :]            # (K, 1, G)

    # the hidden layer's weights W_h = [W_c; W_in; W_out] (K, H, M), kept as γ W_h
    (gam, alpha, c1, c2, add_c2, cells_bounded, lo, hi, kappa, row_f, d0,
     h_consts) = _consts(spec)
    parts = [nets.W_c, nets.W_in] + ([nets.W_out] if has_out else [])
    W_h = np.concatenate(parts, axis=1) * gam
    live_h = np.concatenate([masks["W_c"] * on_c[:, :, None], masks["W_in"] * on_b[:, :, None]]
                            + ([masks["W_out"] * on_b[:, :, None]] if has_out else []), axis=1)
    step_h = rate[:, None, None] * live_h * gam * row_f              # α · mask, times γ, …
    W_hT = W_h.transpose(0, 2, 1)
    dg = tr.SQUASHERS[spec.g][1]
    h_fn = spec.h
    if h_fn != "identity":
        h_gamma, h_alpha, h_c1, h_c2, h_bounds = h_consts

    # the readout, kept as ½ W_kᵀ with its rows [cells | bias | inputs | zeros | scrap]: the
    # cells and the bias change by one product, a padding step gathers the row of zeros and
    # scatters into the scrap row
    WkT = nets.W_k.transpose(0, 2, 1)
    Wk = np.zeros((K, R + 2, O))
    np.multiply(WkT[:, :C], 0.5, out=Wk[:, :C])
    np.multiply(WkT[:, -1], 0.5, out=Wk[:, C])
    if direct:
        np.multiply(WkT[:, C:C + I], 0.5, out=Wk[:, C + 1:R])
    Wk2 = _view(Wk, (K * (R + 2), O))
    live_kT = masks["W_k"].T                                          # (C + I + 1, O)
    step_kv = 0.5 * rate[:, None, None] * np.concatenate([live_kT[:C], live_kT[-1:]])[None]
    step_kx = 0.5 * rate[:, None, None] * live_kT[None, C:C + I] if direct and hot is None else None
    Wk_c, Wk_b, Wk_x = Wk[:, :C], Wk[:, None, C], Wk[:, C + 1:R]
    Wk_cT = Wk_c.transpose(0, 2, 1)
    Wk_cb = Wk[:, :C + 1]

    # buffers; Z = [Y, Y'] the hidden units' activations and slopes
    Z = np.empty((2, K, B, H))
    Y, Yd = Z[0], Z[1]
    if not cells_bounded and spec.g == "identity":
        Yd[..., :C] = 1.0
    Ycell = _view(Y[..., :C], (K, B, nb, S))
    Yin = Y[..., C:C + nb, None]                                     # (K, B, nb, 1)
    Yout, Yd_out = Y[..., C + nb:, None], Yd[..., C + nb:]
    Zsw = _view(Z[::-1, ..., :C], (2, K, B, nb, S))                  # [Y'_c, Y_c]
    Zin = Z[..., C:C + nb, None]                                      # [y_in, y_in']
    tmpH = np.empty((K, B, H - d0))
    a = np.empty((K, B, H))
    alph = np.empty((K, B, 2, C))                       # [g'(net_c) y_in, g(net_c) f'(net_in)]
    alphT = _view(alph.transpose(2, 0, 1, 3), (2, K, B, nb, S))
    s = np.zeros((K, B, C))
    s4 = _view(s, (K, B, nb, S))
    incr = np.empty((K, B, nb, S))
    hs = s if h_fn == "identity" else np.empty((K, B, C))
    hs4 = _view(hs, (K, B, nb, S))
    hd = np.empty((K, B, C)) if h_fn != "identity" else None
    tmpC = np.empty((K, B, C))
    ubuf = np.zeros((2 if rec else 1, K, B, M))
    ubuf[..., -1] = 1.0
    gon = np.empty((K, B, G))                            # gates × on (non-recurrent nets)
    v = np.empty((K, B, C + 1))                          # [y^c, 1] at a scored step
    v[..., C] = 1.0
    vc, vT = v[..., :C], v.transpose(0, 2, 1)
    yc_all = np.empty((T, K, B, C))                      # y^c of every step
    yc4_all = _view(yc_all, (T, K, B, nb, S))
    Xs = np.empty((K, B, 2, C, M))
    Mx = M + (hot is not None)                           # one-hot: a scrap column
    dS = np.zeros((K, B, 2, C, Mx))
    dS_flat = _view(dS, (-1,))
    dSm = dS[..., :M]
    alph_x = alph[..., None]
    scored = mask.reshape(T, -1).any(axis=1)
    e_sc = np.empty((int(scored.sum()), K, B, O))        # the errors of the scored steps
    dl = np.empty((K, B, O))
    back = np.empty((K, B, C))
    back4 = _view(back, (K, B, nb, S))
    es = np.empty((K, B, C)) if has_out or h_fn != "identity" else back
    es4 = _view(es, (K, B, nb, S))
    bh = np.empty((K, B, C))
    bh4 = _view(bh, (K, B, nb, S))
    dout = np.empty((K, B, nb))
    dH = np.empty((K, H, M))
    gin = np.empty((K, C, M))
    gin4 = _view(gin, (K, nb, S, M))
    dk = np.empty((K, C + 1, O))
    dkx = np.empty((K, I, O))
    rows = np.empty((K, B, O))
    rows2 = _view(rows, (K * B, O))
    rate_h = 0.5 * rate[:, None, None]
    y = np.empty((T, K, B, O))
    if hot is not None:
        idx, on_x = hot
        kb = np.arange(K)[:, None] * (R + 2)
        g_idx = np.where(on_x, kb + C + 1 + idx, kb + R).reshape(T, K * B)       # zeros row
        s_idx = np.where(on_x, kb + C + 1 + idx, kb + R + 1).reshape(T, K * B)   # scrap row
        col = np.where(on_x, idx, M)                                             # (T, K, B)
        base = np.arange(K * B * 2 * C).reshape(K, B, 2, C) * Mx
        d_idx = (base[None] + col[:, :, :, None, None]).reshape(T, -1)
        alph_flat = _view(alph, (-1,))
        u_pos = (np.arange(K * B).reshape(K, B) * M + idx).reshape(T, K * B)   # x's unit in u
        u_val = on_x.reshape(T, K * B).astype(float)
        u_flat = [_view(ub, (-1,)) for ub in ubuf]
    YG, Yd_d, Y_d = Y[..., C:], Yd[..., d0:], Y[..., d0:]
    bufs = []                           # per source buffer: it, its views, the next one's views
    for p in range(ubuf.shape[0]):
        u, un = ubuf[p], ubuf[(p + 1) % ubuf.shape[0]]
        g_on = un[..., I + C:I + H] if rec else gon
        g_out = _view(g_on[..., nb:], (K, B, nb, 1)) if has_out else None
        bufs.append((u, u[:, :, None, None, :], u[:, :, None, None, I:], u[:, 0, None, :],
                     g_on, g_out, un[..., I:I + C], un[..., :I]))
    es_h = back if not has_out else es
    dH2 = _view(dH[:, :2 * C], (K, 2, C, M)) if S == 1 else None
    dH_c, dH_in, dH_out = dH[:, :C], dH[:, C:C + nb], dH[:, C + nb:]
    es_b1 = es[:, 0, None, :, None] if S == 1 else es[:, 0, :, None]
    dS_c0, dS_in0 = dSm[:, 0, 0], dSm[:, 0, 1]
    dout_b1 = dout[:, 0, :, None]
    Xs_I, dSm_I, dSm_bias = Xs[..., I:], dSm[..., I:], dSm[..., M - 1]
    doutT = dout.transpose(0, 2, 1)
    mul, add, sub, matmul, tanh = np.multiply, np.add, np.subtract, np.matmul, np.tanh
    gk_now = None

    def readout(l0, l1):
        """y^k = σ(W_k [y^c, x, 1]) = ½ (1 + tanh(½ net)) for steps l0:l1, over which W_k did
        not change (the readout kept halved); the gathered one-hot rows of the last step."""
        yb = y[l0:l1]
        if C == 1:                                   # one product per output: as the matmul
            mul(yc_all[l0:l1], Wk_c, out=yb)
        else:
            matmul(yc_all[l0:l1], Wk_c, out=yb)
        yb += Wk_b
        gk = None
        if hot is not None:
            if direct:
                gk = np.take(Wk2, g_idx[l0:l1], axis=0)
                yb += _view(gk, yb.shape)
        elif direct:
            yb += matmul(x[l0:l1], Wk_x)
        tanh(yb, out=yb)
        yb += 1.0
        yb *= 0.5
        return gk[-1] if gk is not None else None

    l0 = n_sc = 0

    for step in range(T):
        u, u_b, u_bI, u_0, g_on, g_on_out, un_c, un_x = bufs[step & 1 if rec else 0]
        if hot is None:
            if step == 0 or not rec:
                u[..., :I] = x[step]
        elif not rec:                    # x's unit in u: the last step's off, this step's on
            if step:
                u_flat[0][u_pos[step - 1]] = 0.0
            u_flat[0][u_pos[step]] = u_val[step]
        elif step == 0:
            u[..., :I] = x.dense(0) if isinstance(x, tr.OneHotInputs) else x[0]
        yc, yc4 = yc_all[step], yc4_all[step]
        matmul(u, W_hT, out=a)                                       # γ net (K, B, H)
        tanh(a, out=Y)
        Y += c1
        Y *= alpha
        if add_c2:
            Y += c2
        if spec.g == "identity":
            Y[..., :C] = a[..., :C]
        sub(Y_d, lo, out=Yd_d)
        sub(hi, Y_d, out=tmpH)
        Yd_d *= tmpH
        if d0 and spec.g != "identity":
            Yd[..., :C] = dg(a[..., :C], Y[..., :C])
        mul(Zsw, Zin, out=alphT)                                     # α_c, α_in
        mul(Yin, Ycell, out=incr)
        s4 += incr                                                   # s += y_in g
        if h_fn != "identity":
            if kappa == 1.0:
                mul(s, h_gamma, out=hs)
                tanh(hs, out=hs)
            else:                                                    # s is κ s already
                tanh(s, out=hs)
            hs += h_c1
            if h_alpha != 1.0:
                hs *= h_alpha
            if h_c2 != 0.0:
                hs += h_c2
        mul(YG, on_g, out=g_on)                                      # gates × on
        if has_out:
            mul(g_on_out, hs4, out=yc4)                              # y^c = y_out on h(s)
        else:
            mul(hs, on, out=yc)
        # the carried partials (eqs. 25, 27)
        if hot is None:
            mul(alph_x, u_b, out=Xs)
            dS += Xs
        else:          # one-hot u: of the input columns only the active one changes
            if rec:
                mul(alph_x, u_bI, out=Xs_I)
                dSm_I += Xs_I
            else:      # recurrent sources are zero: only the bias column
                dSm_bias += alph
            dS_flat[d_idx[step]] += alph_flat
        if rec:
            un_c[...] = yc
            if hot is None:
                if step + 1 < T:
                    un_x[...] = x[step + 1]
            else:                        # un holds x(step − 1): its unit off, x(step + 1)'s on
                if step:
                    u_flat[(step + 1) & 1][u_pos[step - 1]] = 0.0
                if step + 1 < T:
                    u_flat[(step + 1) & 1][u_pos[step + 1]] = u_val[step + 1]
        if not scored[step]:
            continue
        gk_now = readout(l0, step + 1)
        l0 = step + 1
        yk = y[step]
        vc[...] = yc
        e = e_sc[n_sc]
        n_sc += 1
        sub(t[step], yk, out=e)
        e *= mask[step]
        sub(1.0, yk, out=dl)
        dl *= yk
        dl *= e                                                      # δ_k (eq. 19)
        matmul(dl, Wk_cT, out=back)
        back *= on2
        if has_out:                                                  # e_s (eq. 23)
            mul(back4, Yout, out=es4)
        if h_fn != "identity":
            if h_bounds is not None:
                sub(hs, h_bounds[0], out=hd)
                sub(h_bounds[1], hs, out=tmpC)
                hd *= tmpC
                if h_bounds[2] != 1.0:
                    hd *= h_bounds[2]
            else:
                hd[...] = tr.SQUASHERS[h_fn][1](s, hs)
            mul(es_h, hd, out=es)
        if B == 1:                                                   # eqs. 26, 28
            if S == 1:
                mul(es_b1, dSm[:, 0], out=dH2)
            else:
                mul(es_b1, dS_c0, out=dH_c)
                mul(es_b1, dS_in0, out=gin)
        else:
            np.sum(es[..., None] * dSm[:, :, 0], axis=1, out=dH_c)
            np.sum(es[..., None] * dSm[:, :, 1], axis=1, out=gin)
        if S > 1 or B > 1:
            if S == 1:
                dH_in[...] = gin
            elif S == 2:
                add(gin4[:, :, 0], gin4[:, :, 1], out=dH_in)
            else:
                np.sum(gin4, axis=2, out=dH_in)
        if has_out:                                                  # eq. 21
            mul(back, hs, out=bh)
            if S == 1:
                mul(bh, Yd_out, out=dout)
            else:
                if S == 2:
                    add(bh4[..., 0], bh4[..., 1], out=dout)
                else:
                    np.sum(bh4, axis=3, out=dout)
                dout *= Yd_out
            if B == 1:
                mul(dout_b1, u_0, out=dH_out)
            else:
                matmul(doutT, u, out=dH_out)
        dH *= step_h
        # W_k += α δ_k v(t)ᵀ (eq. 22), all parts from this step's weights
        if B == 1:
            mul(vT, dl, out=dk)
        else:
            matmul(vT, dl, out=dk)
        dk *= step_kv
        if hot is not None:
            if direct:
                mul(dl, rate_h, out=rows)
                if B == 1:         # one row per trial: the gathered row plus its change
                    gk_now += rows2
                    Wk2[s_idx[step]] = gk_now
                else:
                    np.add.at(Wk2, s_idx[step], rows2)
        elif direct:
            matmul(x[step].transpose(0, 2, 1), dl, out=dkx)
            dkx *= step_kx
            Wk_x += dkx
        Wk_cb += dk
        W_h += dH
    if l0 < T:
        readout(l0, T)
    W_h /= gam
    nets.W_c[...] = W_h[:, :C]
    nets.W_in[...] = W_h[:, C:C + nb]
    if has_out:
        nets.W_out[...] = W_h[:, C + nb:]
    Wk *= 2.0
    WkT[:, :C] = Wk[:, :C]
    WkT[:, -1] = Wk[:, C]
    if direct:
        WkT[:, C:C + I] = Wk[:, C + 1:R]
    e_sc *= e_sc
    h = e_sc.sum(axis=3)
    h *= 0.5
    E = np.cumsum(h, axis=0)[-1] if n_sc else np.zeros((K, B))   # in step order, as E += …
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
