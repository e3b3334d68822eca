"""Walking nested parameter containers (used by :mod:`lstm_core.optim` and :mod:`lstm_core.gradcheck`)."""
from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np


def named_arrays(tree, prefix: str = "") -> dict[str, np.ndarray]:
    """All float ndarrays inside ``tree``, by path: ``{"W[0]": …, "b[0]": …, "R": …}``.

    ``tree`` is an ndarray, a dataclass, a mapping or a list/tuple, nested in any way. The
    arrays are returned themselves (not copies), so updating them updates ``tree``.
    """
    if isinstance(tree, np.ndarray):
        return {prefix: tree} if tree.dtype.kind == "f" else {}
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        items = ((f.name, getattr(tree, f.name)) for f in dataclasses.fields(tree))
    elif isinstance(tree, Mapping):
        items = ((str(k), v) for k, v in tree.items())
    elif isinstance(tree, (list, tuple)):
        return {k: v for i, item in enumerate(tree) for k, v in named_arrays(item, f"{prefix}[{i}]").items()}
    else:
        return {}  # strings, numbers, None: not parameters
    out = {}
    for name, value in items:
        out.update(named_arrays(value, f"{prefix}.{name}" if prefix else name))
    return out
