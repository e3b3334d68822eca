"""lstm_core._buffers: big arrays are reused only when nobody refers to them any more."""
import numpy as np
import pytest

from lstm_core import _buffers
from lstm_core.lstm import LSTMParams, lstm_backward, lstm_forward

BIG = (300, 200)                      # 480 kB of float64: above MIN_BYTES


@pytest.fixture(autouse=True)
def fresh_pool():
    _buffers.clear()
    yield
    _buffers.clear()


def test_a_released_array_is_handed_out_again():
    a = _buffers.empty(BIG, np.float64)
    first = id(a)
    del a
    b = _buffers.empty(BIG, np.float64)
    assert id(b) == first


def test_an_array_in_use_is_never_handed_out():
    a = _buffers.empty(BIG, np.float64)
    b = _buffers.empty(BIG, np.float64)
    assert a is not b and not np.shares_memory(a, b)


def test_a_view_keeps_its_base_in_use():
    a = _buffers.empty(BIG, np.float64)
    v = a[1:, ::2]
    del a
    b = _buffers.empty(BIG, np.float64)
    assert not np.shares_memory(b, v)


def test_shape_and_dtype_must_match():
    a = _buffers.empty(BIG, np.float64)
    first = id(a)
    del a
    assert id(_buffers.empty(BIG[::-1], np.float64)) != first
    assert id(_buffers.empty(BIG, np.float32)) != first


def test_small_arrays_are_not_pooled():
    _buffers.empty((3, 4), np.float64)
    assert _buffers.pooled_bytes() == 0


def test_pool_stays_within_its_budget(monkeypatch):
    monkeypatch.setattr(_buffers, "MAX_BYTES", 3 * 480_000)
    for n in range(10):                          # ten different shapes, each released at once
        _buffers.empty((300, 200 + n), np.float64)
    assert _buffers.pooled_bytes() <= 3 * 480_000 + 300 * 209 * 8


def test_results_of_earlier_calls_survive_later_calls():
    """y, the cache and the gradients of call 1 are not overwritten by call 2 (buffer reuse)."""
    rng = np.random.default_rng(0)
    p = LSTMParams.init(40, 64, "vanilla", rng=rng)
    x1, x2 = rng.normal(size=(2, 30, 16, 40))
    dy = rng.normal(size=(30, 16, 64))
    y1, cache1 = lstm_forward(p, x1)
    g1, dx1, _ = lstm_backward(p, cache1, dy)
    kept = y1.copy(), cache1.act.copy(), g1.W.copy(), dx1.copy()
    y2, cache2 = lstm_forward(p, x2)
    g2, dx2, _ = lstm_backward(p, cache2, dy)
    for before, now in zip(kept, (y1, cache1.act, g1.W, dx1)):
        np.testing.assert_array_equal(before, now)
    assert not np.shares_memory(y1, y2) and not np.shares_memory(dx1, dx2)


def test_released_results_are_reused_and_recomputed_exactly():
    rng = np.random.default_rng(1)
    p = LSTMParams.init(40, 64, "NP", rng=rng)
    x = rng.normal(size=(30, 16, 40))
    y_ref = lstm_forward(p, x)[0].copy()
    before = _buffers.pooled_bytes()
    for _ in range(3):
        y, cache = lstm_forward(p, x)
        np.testing.assert_array_equal(y, y_ref)
        del y, cache                              # the caller drops the result: buffers free
    assert _buffers.pooled_bytes() == before      # the same buffers, not new ones
    y, cache = lstm_forward(p, x)
    y2, cache2 = lstm_forward(p, x)               # the first result is still held: new buffers
    assert _buffers.pooled_bytes() > before
