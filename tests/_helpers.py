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


def trial_case(spec, K, B, T, one_hot, seed):
    """K random 1997 nets of ``spec`` (trial 1's first block off) and a batch for them:
    ``nets, x, t, mask`` with x one-hot or Gaussian, about 60 % of the steps scored, and the
    last sequence of trial 0 padded (zero inputs, no targets) for its last 5 steps."""
    from lstm_core import trials as tr
    rng = np.random.default_rng(seed)
    nets = tr.init_nets(spec, range(K), scale=0.5)
    nets.on[1, 0] = False
    if one_hot:
        x = np.zeros((T, K, B, spec.n_in))
        np.put_along_axis(x, rng.integers(spec.n_in, size=(T, K, B, 1)), 1.0, axis=-1)
    else:
        x = rng.normal(size=(T, K, B, spec.n_in))
    t = rng.uniform(size=(T, K, B, spec.n_out))
    mask = (rng.uniform(size=(T, K, B, 1)) < 0.6).astype(float)
    x[T - 5:, 0, -1], mask[T - 5:, 0, -1] = 0.0, 0.0
    return nets, x, t, mask
