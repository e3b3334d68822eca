"""Big scratch arrays that are reused from call to call instead of allocated afresh (Chapter 11).

:func:`lstm_core.lstm.lstm_forward` and :func:`~lstm_core.lstm.lstm_backward` need several
arrays of T·B·G numbers per call (tens of MB at batch 64). Taken fresh from ``np.empty`` each
time, that memory often comes straight from the operating system: the C allocator hands big
freed blocks back, and the first write to every new page is a page fault. Measured on the
project's machine, that was 13–30 % of a forward + backward pass at batch 32 and about 7 % at
batch 64.

:func:`empty` is ``np.empty`` with a memory: it keeps the arrays it made and hands one out again
(same shape and dtype) once nothing else refers to it, i.e. once the cache or result that held
it was dropped. Views keep their base array alive, so an array is never reused while any view of
it exists. This is what PyTorch's caching allocator does for its tensors, in a few lines. At most
:data:`MAX_BYTES` are kept; the least recently used free arrays go first. Reused arrays hold old
numbers, exactly like ``np.empty``.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np

#: the most memory the pool keeps alive for reuse (bytes)
MAX_BYTES = 512 * 2**20
#: arrays smaller than this are cheap to allocate and are not pooled (bytes)
MIN_BYTES = 256 * 2**10

_pool: OrderedDict[int, np.ndarray] = OrderedDict()    # id → array, least recently used first
_lock = threading.Lock()


def _refs_when_free() -> int:
    """What ``sys.getrefcount`` reports for a pooled array that nobody else holds, measured with
    the same access pattern as :func:`empty` (the pool's dict, the local name ``a``, and the
    call's argument in CPython 3.11; measured rather than assumed, so a Python that counts
    differently cannot make the pool hand out an array in use)."""
    pool = {0: np.empty(1)}
    for key in list(pool):
        a = pool[key]
        return sys.getrefcount(a)
    raise AssertionError("unreachable")


_ONLY_POOL = _refs_when_free()


def empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised array like ``np.empty(shape, dtype)``, reused when one is free."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    nbytes = dtype.itemsize * int(np.prod(shape))
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    with _lock:
        for key in list(_pool):
            a = _pool[key]
            if a.shape == shape and a.dtype == dtype and sys.getrefcount(a) == _ONLY_POOL:
                _pool.move_to_end(key)
                return a
        a = np.empty(shape, dtype)
        _pool[id(a)] = a
        _trim()
        return a


def pooled_bytes() -> int:
    """Bytes the pool holds (in use or free)."""
    with _lock:
        return sum(a.nbytes for a in _pool.values())


def clear() -> None:
    """Forget every pooled array (arrays still in use stay valid; they are just not reused)."""
    with _lock:
        _pool.clear()


def _trim() -> None:
    """Drop free arrays, least recently used first, until the pool is within MAX_BYTES."""
    total = sum(a.nbytes for a in _pool.values())
    for key in list(_pool):
        if total <= MAX_BYTES:
            break
        a = _pool[key]
        if sys.getrefcount(a) == _ONLY_POOL:
            total -= a.nbytes
            del _pool[key]
        del a
