"""Input validation helpers: every message names what was expected and what came."""
import numpy as np
import pytest

from lstm_core import hs97
from lstm_core._validate import float_array, int_array, positive_float, positive_int, same_dtype
from lstm_core.tasks import batch as tbatch


def test_accepts_and_returns_float_arrays():
    x = np.zeros((2, 3), dtype=np.float32)
    assert float_array("x", x, ndim=2, shape=(None, 3)) is x
    assert float_array("x", [[1, 2]]).dtype == np.float64


@pytest.mark.parametrize("bad, err, msg", [
    (np.zeros((2, 3), dtype=np.int64), TypeError, "x: expected a float32 or float64 array, got dtype int64"),
    (np.zeros((2,)), ValueError, r"x: expected 2 dimensions \(any, 3\), got shape \(2,\)"),
    (np.zeros((2, 4)), ValueError, r"x: expected shape \(any, 3\), got \(2, 4\)"),
    (np.array([[np.nan, 0, 0]]), ValueError, "x: expected finite values, got 1 NaN/inf entries"),
    (np.array([[np.inf, 0, 0]]), ValueError, "finite values"),
    (np.zeros((2, 3), dtype=bool), TypeError, "got dtype bool"),
])
def test_rejects_bad_arrays(bad, err, msg):
    with pytest.raises(err, match=msg):
        float_array("x", bad, ndim=2, shape=(None, 3))


def test_dtype_must_match_parameters():
    with pytest.raises(TypeError, match="expected dtype float64 .*got float32"):
        float_array("x", np.zeros(3, np.float32), dtype=np.float64)


def test_integers_and_numbers():
    assert positive_int("n", 3) == 3
    with pytest.raises(ValueError, match="n: expected an integer >= 1, got -2"):
        positive_int("n", -2)
    with pytest.raises(TypeError, match="n: expected an integer >= 1, got float 2.5"):
        positive_int("n", 2.5)
    with pytest.raises(TypeError, match="got bool"):
        positive_int("n", True)
    assert positive_float("lr", 0.1) == 0.1
    with pytest.raises(ValueError, match="lr: expected a finite number > 0, got -0.1"):
        positive_float("lr", -0.1)
    with pytest.raises(ValueError, match="got nan"):
        positive_float("lr", float("nan"))


def test_same_dtype():
    a, b = np.zeros(2), np.zeros(2, np.float32)
    with pytest.raises(TypeError, match="a: float64, b: float32"):
        same_dtype(a=a, b=b)


def test_as_rng_and_float_dtype():
    from lstm_core._validate import as_rng, float_dtype
    g = np.random.default_rng(3)
    assert as_rng(g) is g
    assert as_rng(5).integers(100) == np.random.default_rng(5).integers(100)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator, an int seed or None, got str"):
        as_rng("seed")
    assert float_dtype("float32") == np.float32
    with pytest.raises(TypeError, match="dtype: expected float32 or float64, got int64"):
        float_dtype(np.int64)


@pytest.mark.parametrize("bad, msg", [
    (None, r"^y: expected an array of floats, got None$"),
    ([[1.0], [1.0, 2.0]], r"^y: expected a rectangular array of floats \(equal lengths"),
])
def test_float_array_refuses_none_and_ragged_lists(bad, msg):
    with pytest.raises(TypeError, match=msg):
        float_array("y", bad)


def test_int_array():
    x = np.array([0, 2, 1], dtype=np.int32)
    assert int_array("i", x, ndim=1, low=0, high=2) is x
    assert int_array("i", [[1, 2]]).dtype.kind == "i"
    for bad, err, msg in [
        (np.array([0.0, 1.0]), TypeError, "i: expected an integer array, got dtype float64"),
        (np.array([True]), TypeError, "got dtype bool"),
        (np.array([1], dtype=object), TypeError, "got dtype object"),
        (None, TypeError, "i: expected an array of integers, got None"),
        ([[1], [1, 2]], TypeError, "i: expected a rectangular array of integers"),
        (np.zeros(0, int), ValueError, r"i: expected a non-empty array of integers, got shape \(0,\)"),
        (np.array([[1]]), ValueError, r"i: expected 1 dimension, got shape \(1, 1\)"),
        (np.array([2, -3]), ValueError, r"i: expected integers in \[0, 2\], got -3"),
        (np.array([2, 3]), ValueError, r"i: expected integers in \[0, 2\], got 3"),
    ]:
        with pytest.raises(err, match=msg):
            int_array("i", bad, ndim=1, low=0, high=2)


@pytest.mark.parametrize("call, err, msg", [
    # each of these used to return a wrong result without a word
    (lambda: tbatch.one_hot(np.array([0, -1]), 3, np.float64), ValueError,
     r"indices: expected class indices in \[0, 2\], got -1"),
    (lambda: tbatch.end_mask(np.array([2, 0]), 3, np.float64), ValueError,
     r"lengths: expected sequence lengths in \[1, 3\], got 0"),
    (lambda: tbatch.length_mask(np.array([2, 5]), 3, np.float64), ValueError,
     r"lengths: expected sequence lengths in \[1, 3\], got 5"),
    (lambda: tbatch.make_batch("b", np.zeros((3, 2, 1)), np.zeros((3, 2, 1)), np.ones((3, 2)), [3, 3], None),
     ValueError, r"mask: expected 3 dimensions, got shape \(3, 2\)"),
    (lambda: hs97.distractor_long_lag(0, 2, q=-1, p=4), ValueError, "q: expected an integer >= 0, got -1"),
    (lambda: hs97.random_long_lag(0, "3", p=4), TypeError, "batch_size: expected an integer >= 1, got str '3'"),
    (lambda: hs97.wilson_interval(11, 10), ValueError, r"k: expected an integer <= n = 10"),
    (lambda: hs97.wilson_interval(1, 2.5), TypeError, "n: expected an integer >= 0, got float 2.5"),
])
def test_batch_helpers_and_samplers_name_the_argument(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_wilson_interval_of_no_trials_is_the_unit_interval():
    assert hs97.wilson_interval(0, 0) == (0.0, 1.0)
