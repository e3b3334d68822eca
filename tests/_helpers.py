"""Small helpers shared by several test files."""
import dataclasses

import numpy as np


def random_biases(params, rng):
    """Give every bias array (fields named ``b…``) of a params dataclass non-zero random values,
    in place, so gradient checks never pass by accident at zero biases."""
    for f in dataclasses.fields(params):
        v = getattr(params, f.name)
        if f.name.startswith("b") and isinstance(v, np.ndarray):
            v[...] = rng.uniform(0.2, 0.8, v.shape) * rng.choice([-1, 1], v.shape)
