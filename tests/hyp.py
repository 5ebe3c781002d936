"""Shared test helpers: `examples(n)`, a test's own hypothesis example count, scaled up under the
`deep` profile; `gaussian_weights`, the weights of a random ReLU network of Section 6."""
import numpy as np
from hypothesis import settings


def examples(n: int) -> int:
    return n if settings.default.max_examples <= 30 else n * 20


def gaussian_weights(d, hidden, n_out=1, seed=0):
    """[W_1, ..., W_k] with i.i.d. N(0, 1) entries, widths (d, *hidden, n_out)."""
    rng = np.random.default_rng(seed)
    ns = [d, *hidden, n_out]
    return [rng.standard_normal((ns[i], ns[i + 1])) for i in range(len(ns) - 1)]
