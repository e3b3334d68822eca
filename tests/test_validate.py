"""Input validation helpers: every message names what was expected and what came."""
import numpy as np
import pytest

from lstm_core._validate import float_array, positive_float, positive_int, same_dtype


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
