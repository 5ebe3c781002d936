"""One rule for integer parameters of the public API (L, r, dps, sample counts, ...)."""
from __future__ import annotations

from numbers import Integral

import numpy as np


def integer_at_least(value, name: str, minimum: int, why: str = "") -> int:
    """`value` as a Python int; TypeError unless it is an integer (booleans refused), ValueError
    unless it is >= `minimum` (`why`, if given, is appended to the message)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{f' ({why})' if why else ''}, got {value}")
    return int(value)
