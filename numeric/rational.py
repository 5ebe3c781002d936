"""Exact rational values of the numbers the suite computes with (floats and mpmath mpf are dyadic)."""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np


def to_fraction(x) -> Fraction:
    """The exact Fraction of an int, float, Fraction or mpmath mpf (ValueError for inf/NaN)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, mpmath.mpf) or hasattr(x, "_mpf_"):
        sign, man, exp, _ = x._mpf_
        if man == 0 and exp != 0:
            raise ValueError("non-finite mpf")
        val = Fraction(int(man)) * Fraction(2) ** int(exp)
        return -val if sign else val
    if isinstance(x, (bool, np.bool_)):
        raise TypeError("cannot convert a boolean to an exact fraction")
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            raise ValueError("non-finite number")
        return Fraction(float(x))
    raise TypeError(f"cannot convert {type(x).__name__} to an exact fraction")
