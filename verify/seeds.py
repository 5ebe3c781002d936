"""Per-check seeds derived from one root seed.

The seed of a check depends only on the root seed, the claim id and the check name, so running
a subset of the claims gives the same numbers for its checks as running all of them.
"""
from __future__ import annotations

import hashlib

import numpy as np

DEFAULT_SEED = 0


def check_seed(root: int, claim_id: str, check_name: str) -> int:
    """A 63-bit seed from (root, claim id, check name), stable across runs and platforms."""
    digest = hashlib.sha256(f"{root}\x1f{claim_id}\x1f{check_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)
