"""The input checks of issue 16 change no result on valid input, to the bit.

The battery's stored results (``experiments/run_hs97.py``) depend on ``lstm_core/hs97.py``,
``lstm_core/tasks/{batch,longlag,reber}.py`` and ``lstm_core/_validate.py``. Adding checks to
them must be numerically inert: :func:`outputs` calls every function the checks touched (and
every task generator, which all build their batches with ``make_batch``, ``one_hot`` and the
masks) on a broad fixed set of valid inputs, and :func:`test_outputs_match_the_golden_file`
compares the sha256 of every output (bytes, dtype and shape of each array; the exact value and
type of each scalar) with ``tests/data/validation_golden.json``, written from the code before
the checks were added.

Regenerate (only when a result is *meant* to change)::

    PYTHONPATH=. python tests/test_validation_equivalence.py --write
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from lstm_core import hs97, tasks
from lstm_core.tasks import batch as tbatch
from lstm_core.tasks import longlag, reber

GOLDEN = Path(__file__).parent / "data" / "validation_golden.json"
SEEDS = (0, 7)


# --------------------------------------------------------------------------- digests

def _feed(h, v) -> None:
    """Feed ``v`` into the hash ``h``: type, dtype, shape and bytes; containers recursively."""
    if isinstance(v, tbatch.TaskBatch):
        h.update(b"TaskBatch")
        for f in dataclasses.fields(v):
            h.update(f.name.encode())
            value = getattr(v, f.name)
            _feed(h, getattr(value, "__qualname__", None) if f.name == "criterion" else value)
    elif isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        h.update(f"{type(v).__name__}|{a.dtype.str}|{a.shape}|".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    elif isinstance(v, float):
        h.update(f"float|{v.hex()}|".encode())
    elif isinstance(v, (bool, int, str, type(None))):
        h.update(f"{type(v).__name__}|{v!r}|".encode())
    elif isinstance(v, (tuple, list)):
        h.update(f"{type(v).__name__}[{len(v)}]".encode())
        for item in v:
            _feed(h, item)
    elif isinstance(v, dict):
        h.update(f"dict[{len(v)}]".encode())
        for k in sorted(v):
            h.update(f"{k!r}:".encode())
            _feed(h, v[k])
    else:
        raise TypeError(f"cannot digest {type(v).__name__}")


def digest(v) -> str:
    """The first 16 hex digits of the sha256 of ``v`` (64 bits: plenty to see any change)."""
    h = hashlib.sha256()
    _feed(h, v)
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- valid calls

def _outputs_like(batch: tbatch.TaskBatch, seed: int) -> dict:
    """Network outputs to judge: near the targets, noisy, and with NaN / ±inf entries."""
    rng = np.random.default_rng(seed)
    t = batch.t
    near = t + rng.normal(0.0, 0.02, t.shape).astype(t.dtype)
    noisy = rng.uniform(-0.2, 1.2, t.shape).astype(t.dtype)
    broken = noisy.copy()
    broken.flat[rng.integers(broken.size, size=3)] = [np.nan, np.inf, -np.inf]
    return {"near": near, "noisy": noisy, "broken": broken, "list": broken.tolist()}


def _batches():
    """(name, batch) of every generator, several seeds, sizes and both float dtypes."""
    for s in SEEDS:
        for B in (1, 3):
            yield f"hs97.random_long_lag[{s},{B}]", hs97.random_long_lag(s, B, 4)
            yield f"hs97.distractor_long_lag[{s},{B}]", hs97.distractor_long_lag(s, B, q=6, p=4)
            yield f"hs97.two_sequence[{s},{B}]", hs97.two_sequence(s, B, T=12, N=3)
            yield f"hs97.delayed_xor[{s},{B}]", hs97.delayed_xor(s, B, T=8)
            for dt in (np.float64, np.float32):
                d = np.dtype(dt).name
                yield f"reber_batch[{s},{B},{d}]", tasks.reber_batch(s, B, dtype=dt)
                yield f"reber_batch[{s},{B},{d},plain]", tasks.reber_batch(s, B, embedded=False, dtype=dt)
                yield f"continual_reber_stream[{s},{B},{d}]", tasks.continual_reber_stream(s, 30, B, dtype=dt)
                yield f"noise_free_long_lag[{s},{B},{d}]", tasks.noise_free_long_lag(s, B, 5, dtype=dt)
                yield f"adding[{s},{B},{d}]", tasks.adding_problem(s, B, T=20, dtype=dt)
                yield f"adding_fixed[{s},{B},{d}]", tasks.adding_problem(s, B, T=20, variable_length=False,
                                                                          dtype=dt)
                yield f"multiplication[{s},{B},{d}]", tasks.multiplication_problem(s, B, T=20, dtype=dt)
                yield f"temporal_order[{s},{B},{d}]", tasks.temporal_order(s, B, T=30, dtype=dt)
                yield f"temporal_order3[{s},{B},{d}]", tasks.temporal_order(s, B, n_relevant=3, T=40,
                                                                            dtype=dt)
                yield f"parity[{s},{B},{d}]", tasks.parity(s, B, 6, dtype=dt)
                yield f"parity_final[{s},{B},{d}]", tasks.parity(s, B, 6, running=False, dtype=dt)
                yield f"copy[{s},{B},{d}]", tasks.copy_task(s, B, 4, 3, 2, dtype=dt)
                yield f"future_symbol[{s},{B},{d}]", tasks.future_symbol(s, B, 7, 3, 2, dtype=dt)
                yield f"spike_delay[{s},{B},{d}]", tasks.spike_delay(s, B, 3, 12, dtype=dt)
                yield f"spike_interval[{s},{B},{d}]", tasks.spike_interval(s, B, (5, 6), 3, dtype=dt)
                yield f"next_marker[{s},{B},{d}]", tasks.next_marker(s, B, 10, dtype=dt)
                yield f"timed_spike_train[{s},{B},{d}]", tasks.timed_spike_train(s, B, 3, 2, 2, dtype=dt)
    for p in (1, 2, 10):
        yield f"hs97.random_long_lag[p={p}]", hs97.random_long_lag(np.random.default_rng(3), 3, p)
    for q, p in ((0, 1), (1, 2), (20, 3)):
        yield f"hs97.distractor_long_lag[q={q},p={p}]", hs97.distractor_long_lag(np.random.default_rng(3), 3, q=q, p=p)
    for T, N in ((1, 1), (10, 1), (100, 3), (20, 20)):
        yield f"hs97.two_sequence[T={T},N={N}]", hs97.two_sequence(np.random.default_rng(3), 3, T=T, N=N)
    yield "hs97.two_sequence[default]", hs97.two_sequence(np.random.default_rng(3), 2)
    for T in (4, 5, 7, 40):
        yield f"hs97.delayed_xor[T={T}]", hs97.delayed_xor(np.random.default_rng(3), 3, T=T)
    yield "hs97.delayed_xor[default]", hs97.delayed_xor(np.random.default_rng(3), np.int64(2))
    yield "hs97.random_long_lag[np.int64]", hs97.random_long_lag(5, np.int64(3), np.int64(4))
    yield "reber_batch[np.int64]", tasks.reber_batch(np.random.default_rng(9), np.int64(3))
    # the samplers by name (a fixed list: tests may register further samplers in SAMPLERS)
    for name, kw in {"reber": {}, "noise_free_long_lag": dict(p=5), "random_long_lag": dict(p=5),
                     "distractor_long_lag": dict(q=5, p=5), "two_sequence": dict(T=10, N=3),
                     "adding": dict(T=15), "multiplication": dict(T=15),
                     "temporal_order": dict(n_relevant=2), "delayed_xor": dict(T=12)}.items():
        yield f"SAMPLERS[{name}]", hs97.SAMPLERS[name](np.random.default_rng(11), 4, **kw)


def _judges(batch: tbatch.TaskBatch):
    """(name, judge) of the success criteria that apply to ``batch``."""
    generic = [("check_outputs", tbatch.check_outputs),
               ("abs_error_correct", lambda y, b: tbatch.abs_error_correct(y, b, 0.1)),
               ("abs_error_correct[int tol]", lambda y, b: tbatch.abs_error_correct(y, b, 1)),
               ("threshold_correct", tbatch.threshold_correct),
               ("threshold_correct[0.3]", lambda y, b: tbatch.threshold_correct(y, b, 0.3)),
               ("argmax_correct", tbatch.argmax_correct),
               ("framewise_accuracy", tbatch.framewise_accuracy)]
    yield from generic
    if batch.criterion is not None:
        yield "batch.correct", lambda y, b: b.correct(y)
    name = batch.name
    if name == "noise_free_long_lag" or name == "random_long_lag":
        yield "long_lag_correct", longlag.long_lag_correct
        yield "long_lag_correct[argmax,all]", lambda y, b: longlag.long_lag_correct(y, b, rule="argmax",
                                                                                     final_only=False)
        yield "long_lag_correct[0.4,all]", lambda y, b: longlag.long_lag_correct(y, b, 0.4, final_only=False)
    if name == "adding":
        yield "adding_correct", longlag.adding_correct
        yield "adding_correct[0.2]", lambda y, b: longlag.adding_correct(y, b, tol=0.2)
    if name == "multiplication":
        yield "multiplication_correct", longlag.multiplication_correct
        yield "multiplication_correct[0.2]", lambda y, b: longlag.multiplication_correct(y, b, tol=0.2)
    if name.startswith("temporal_order"):
        yield "temporal_order_correct", longlag.temporal_order_correct
        yield "temporal_order_correct[argmax]", lambda y, b: longlag.temporal_order_correct(y, b, rule="argmax")
    if name in ("reber", "embedded_reber", "continual_reber"):
        yield "reber_correct", reber.reber_correct
        yield "reber_correct[most_active]", lambda y, b: reber.reber_correct(y, b, "most_active")
    if name == "continual_reber":
        yield "continual_reber_correct", reber.continual_reber_correct
        yield "continual_reber_correct[most_active]", lambda y, b: reber.continual_reber_correct(y, b, "most_active")
        yield "symbols_before_error", reber.continual_reber_symbols_before_error
        yield "symbols_before_error[most_active]", lambda y, b: reber.continual_reber_symbols_before_error(
            y, b, "most_active")
        for n in (1, 5, 30):
            yield f"continual_reber_solved[{n}]", lambda y, b, n=n: reber.continual_reber_solved(y, b, n)


def _helpers():
    """The batch helpers and ``wilson_interval`` called directly."""
    for dt in (np.float64, np.float32, float, "float32"):
        d = np.dtype(dt).name + ("" if not isinstance(dt, str) else "-str") + ("" if dt is not float else "-py")
        yield f"one_hot[1d,{d}]", tbatch.one_hot(np.array([0, 2, 1]), 3, dt)
        yield f"one_hot[2d,{d}]", tbatch.one_hot(np.array([[0, 1], [3, 3], [2, 0]]), 4, dt)
        yield f"one_hot[list,{d}]", tbatch.one_hot([[1, 0], [0, 1]], 2, dt)
        yield f"one_hot[int32,{d}]", tbatch.one_hot(np.array([4, 0, 1], dtype=np.int32), 5, dt)
        yield f"one_hot[uint8,{d}]", tbatch.one_hot(np.array([1, 0], dtype=np.uint8), 2, dt)
        yield f"one_hot[broadcast,{d}]", tbatch.one_hot(np.broadcast_to(np.array([0, 1]), (3, 2)), 2, dt)
        yield f"one_hot[n=1,{d}]", tbatch.one_hot(np.zeros(4, dtype=np.int64), 1, dt)
        yield f"one_hot[np.int64 n,{d}]", tbatch.one_hot(np.array([0, 2]), np.int64(3), dt)
        for lengths in ([1], [3], [2, 3], [1, 1, 1], [4, 1, 2, 4]):
            for form, L in (("array", np.array(lengths)), ("list", list(lengths)),
                            ("int32", np.array(lengths, dtype=np.int32))):
                yield f"end_mask[{lengths},{form},{d}]", tbatch.end_mask(L, 4, dt)
                yield f"length_mask[{lengths},{form},{d}]", tbatch.length_mask(L, 4, dt)
        yield f"end_mask[T=np.int64,{d}]", tbatch.end_mask(np.array([2, 5]), np.int64(5), dt)
        yield f"length_mask[T=np.int64,{d}]", tbatch.length_mask(np.array([2, 5]), np.int64(5), dt)
    rng = np.random.default_rng(4)
    for dt in (np.float64, np.float32):
        x = rng.normal(size=(4, 3, 2)).astype(dt)
        t = rng.uniform(size=(4, 3, 2)).astype(dt)
        for mname, mask in (("ones", np.ones((4, 3, 1), dt)), ("end", tbatch.end_mask([2, 4, 1], 4, dt)),
                            ("perK", np.ones((4, 3, 2), dt))):
            for lname, lengths in (("array", np.array([2, 4, 1])), ("list", [2, 4, 1]),
                                   ("int32", np.array([2, 4, 1], dtype=np.int32))):
                b = tbatch.make_batch("m", x, t, mask, lengths, tbatch.threshold_correct, a=1, tag="z")
                yield f"make_batch[{np.dtype(dt).name},{mname},{lname}]", b
                yield f"make_batch[{np.dtype(dt).name},{mname},{lname}].x is x", b.x is x
                yield f"make_batch[{np.dtype(dt).name},{mname},{lname}].mask is mask", b.mask is mask
    for k, n in ((0, 0), (0, 1), (1, 1), (3, 10), (10, 10), (0, 18), (1, 5), (7, 30), (29, 30),
                 (np.int64(4), np.int64(7)), (np.int32(0), 3), (250, 2560), (2560, 2560)):
        yield f"wilson_interval[{k},{n}]", hs97.wilson_interval(k, n)
        yield f"wilson_interval[{k},{n},z=2.576]", hs97.wilson_interval(k, n, 2.576)
        yield f"wilson_interval[{k},{n},z=1]", hs97.wilson_interval(k, n, 1)


def outputs():
    """(group, name, value) of every output of the valid calls, in a fixed order: the helpers,
    then per batch the batch itself and each judge's verdict on each kind of output."""
    for name, value in _helpers():
        yield "helpers", name, value
    for bname, batch in _batches():
        yield bname, "batch", batch
        for yname, y in _outputs_like(batch, len(bname)).items():
            for jname, judge in _judges(batch):
                yield bname, f"{yname}|{jname}", judge(y, batch)


def current() -> dict:
    """{group: {name: digest}} of :func:`outputs`."""
    out: dict = {}
    for group, name, value in outputs():
        assert name not in out.setdefault(group, {}), f"duplicate name {group} {name}"
        out[group][name] = digest(value)
    return out


def _flat(digests: dict) -> dict:
    return {(g, n): v for g, inner in digests.items() for n, v in inner.items()}


def test_outputs_match_the_golden_file():
    golden = json.loads(GOLDEN.read_text())
    got = current()
    golden, got = _flat(golden), _flat(got)
    assert sorted(got) == sorted(golden), "the set of valid calls changed: regenerate the golden file"
    changed = [k for k in golden if got[k] != golden[k]]
    assert not changed, f"{len(changed)} of {len(golden)} outputs changed, e.g. {changed[:5]}"


if __name__ == "__main__":
    if "--write" not in sys.argv[1:]:
        sys.exit(__doc__)
    GOLDEN.parent.mkdir(exist_ok=True)
    digests = current()
    GOLDEN.write_text(json.dumps(digests, indent=0, sort_keys=True) + "\n")
    print(f"wrote {sum(map(len, digests.values()))} digests to {GOLDEN}")
