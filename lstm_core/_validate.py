"""Input checks shared by every module: clear errors instead of silent broadcasts or NaNs.

Every public function of :mod:`lstm_core` calls these on its arguments, so bad input fails
early with a message that names the argument, what was expected and what came.
"""
from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def float_array(name: str, x, ndim: int | None = None, shape: tuple | None = None,
                dtype=None, finite: bool = True) -> np.ndarray:
    """Return ``x`` as a float32/float64 ndarray after checking it.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    x : array_like
        The value to check. Python lists of floats are accepted and become float64;
        integer or boolean arrays are rejected (``TypeError``) rather than silently cast.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any size.
    dtype : numpy dtype, optional
        Required dtype (e.g. the dtype of the parameters the array meets).
    finite : bool
        Reject NaN and ±inf (``ValueError``).
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        arr = as_array(name, x, "floats")
        if arr.dtype.kind in "iu" or arr.dtype == object:
            # plain Python numbers: treat as float64
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as err:
                raise TypeError(f"{name}: expected an array of floats, got {type(x).__name__}") from err
    if arr.dtype.type not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected a float32 or float64 array, got dtype {arr.dtype}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name}: expected dtype {np.dtype(dtype)} (the parameters' dtype), "
                        f"got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimensions"
                         + (f" {_fmt_shape(shape)}" if shape is not None else "")
                         + f", got shape {arr.shape}")
    if shape is not None:
        if len(shape) != arr.ndim or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            raise ValueError(f"{name}: expected shape {_fmt_shape(shape)}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN/inf entries")
    return arr


def as_array(name: str, x, what: str = "numbers") -> np.ndarray:
    """``np.asarray(x)``, but ``None`` and ragged nested lists (rows of unequal lengths) are a
    ``TypeError`` naming the argument instead of an object array or NumPy's own message."""
    if x is None:
        raise TypeError(f"{name}: expected an array of {what}, got None")
    if isinstance(x, np.ndarray):
        return x
    try:
        with np.errstate(all="raise"):
            return np.asarray(x)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{name}: expected a rectangular array of {what} (equal lengths in every "
                        f"nested list), got a ragged or non-numeric {type(x).__name__}") from err


def int_array(name: str, x, ndim: int | None = None, low: int | None = None,
              high: int | None = None, what: str = "integers") -> np.ndarray:
    """Return ``x`` as an integer ndarray after checking it (indices, lengths, ids).

    Lists of Python ints are accepted; floats, booleans, objects, ``None``, ragged lists and
    empty arrays are rejected, as are values outside ``[low, high]``. ``what`` names the values
    in the messages (e.g. ``"sequence lengths"``). The array is returned as it came, not cast,
    so valid input gives exactly the result it gave before the check.
    """
    arr = as_array(name, x, what)
    if arr.dtype.kind not in "iu":
        of = "" if what == "integers" else f" of {what}"
        raise TypeError(f"{name}: expected an integer array{of}, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimension{'s' * (ndim != 1)}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty array of {what}, got shape {arr.shape}")
    lo, hi = arr.min(), arr.max()
    if (low is not None and lo < low) or (high is not None and hi > high):
        bound = (f">= {low}" if high is None else f"<= {high}" if low is None
                 else f"in [{low}, {high}]")
        bad = lo if low is not None and lo < low else hi
        raise ValueError(f"{name}: expected {what} {bound}, got {bad}")
    return arr


def positive_int(name: str, v, minimum: int = 1) -> int:
    """Check that ``v`` is an integer ≥ ``minimum`` (default 1) and return it as ``int``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {type(v).__name__} {v!r}")
    if v < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {v}")
    return int(v)


def positive_float(name: str, v, allow_zero: bool = False) -> float:
    """Check that ``v`` is a finite real number > 0 (or ≥ 0) and return it as ``float``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(v).__name__} {v!r}")
    v = float(v)
    ok = v >= 0 if allow_zero else v > 0
    if not np.isfinite(v) or not ok:
        raise ValueError(f"{name}: expected a finite number {'>=' if allow_zero else '>'} 0, got {v}")
    return v


def same_dtype(**arrays: np.ndarray) -> np.dtype:
    """Check that all given arrays share one dtype and return it."""
    dtypes = {k: a.dtype for k, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        desc = ", ".join(f"{k}: {d}" for k, d in dtypes.items())
        raise TypeError(f"expected one dtype for all arrays, got {desc}")
    return next(iter(dtypes.values()))


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_rng(rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, an int seed, or ``None`` (fresh entropy:
    only for interactive use — the book always passes a seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng: expected a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def float_dtype(dtype) -> np.dtype:
    """Check that ``dtype`` names float32 or float64 and return it as ``np.dtype``."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype: expected float32 or float64, got {dtype!r}") from err
    if dt.type not in FLOAT_DTYPES:
        raise TypeError(f"dtype: expected float32 or float64, got {dt}")
    return dt
