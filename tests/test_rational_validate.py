"""The exact conversion to_fraction (numeric/rational.py) and the integer rule integer_at_least
(numeric/validate.py): exact values, the edges, and the refusals."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, strategies as st

from numeric.rational import to_fraction
from numeric.validate import integer_at_least


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_converts_exactly(x):
    q = to_fraction(x)
    assert q == Fraction(x) and float(q) == x
    assert to_fraction(np.float64(x)) == q


@given(st.integers(-(2 ** 200), 2 ** 200), st.integers(-300, 300))
def test_an_mpf_converts_exactly_with_its_sign_and_exponent(man, exp):
    with mpmath.workprec(256):
        x = mpmath.ldexp(mpmath.mpf(man), exp)  # exact: 256 bits hold the mantissa
        q = to_fraction(x)
    assert q == Fraction(man) * Fraction(2) ** exp


def test_integers_fractions_and_zero():
    assert to_fraction(np.int64(-7)) == -7 and to_fraction(12) == 12
    half = Fraction(1, 3)
    assert to_fraction(half) is half
    assert to_fraction(mpmath.mpf(0)) == 0 and to_fraction(-0.0) == 0
    assert to_fraction(mpmath.mpf("-0.75")) == Fraction(-3, 4)


@pytest.mark.parametrize("bad, error", [
    (float("inf"), ValueError), (float("nan"), ValueError), (np.float32("inf"), ValueError),
    (mpmath.inf, ValueError), (-mpmath.inf, ValueError), (mpmath.nan, ValueError),
    (True, TypeError), (np.bool_(False), TypeError), ("1", TypeError), (1j, TypeError),
])
def test_non_finite_and_non_real_values_are_refused(bad, error):
    with pytest.raises(error):
        to_fraction(bad)


def test_integer_at_least_accepts_the_minimum_and_numpy_integers():
    assert integer_at_least(3, "L", 3) == 3
    v = integer_at_least(np.int32(5), "L", 2)
    assert v == 5 and type(v) is int


@pytest.mark.parametrize("value, error", [(True, TypeError), (np.bool_(True), TypeError), (2.0, TypeError),
                                          ("2", TypeError), (1, ValueError), (-4, ValueError)])
def test_integer_at_least_refuses_non_integers_and_small_values(value, error):
    with pytest.raises(error, match=r"^L must be"):
        integer_at_least(value, "L", 2)


def test_integer_at_least_messages():
    with pytest.raises(ValueError) as info:
        integer_at_least(1, "L", 2, why="the statement needs two layers")
    assert str(info.value) == "L must be >= 2 (the statement needs two layers), got 1"
    with pytest.raises(ValueError) as info:
        integer_at_least(0, "dps", 15)
    assert str(info.value) == "dps must be >= 15, got 0"
    with pytest.raises(TypeError) as info:
        integer_at_least(2.5, "N", 1)
    assert str(info.value) == "N must be an integer, got float"
