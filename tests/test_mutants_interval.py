"""Interval arithmetic (numeric/interval.py): the enclosures are sound AND tight.

Written against mutmut survivors (docs/mutation.md): soundness alone (tests/test_eig.py) cannot see
a bound that is valid but looser than the one-rounding-per-operation the module promises, nor the
operators that test_eig never calls (negation, |X|, c - X, c / X, membership)."""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
from mpmath.ctx_iv import MPIntervalContext
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hyp import examples
from numeric.interval import (
    Interval,
    U,
    gamma,
    lower_dot_nonneg,
    round_down,
    round_up,
    upper_dot_nonneg,
    upper_fro_norm,
    upper_matvec_nonneg,
    upper_sum,
    upper_sumsq,
)

FINITE = st.floats(-1e100, 1e100, allow_nan=False, allow_infinity=False)
SETTINGS = settings(max_examples=examples(40), deadline=None)


def interval(a, b) -> Interval:
    return Interval(min(a, b), max(a, b))


def tight_hull(iv: Interval, values: list[Fraction], ulps: int = 1) -> bool:
    """``iv`` contains every exact value and each endpoint is at most `ulps` ulps beyond the hull
    (one outward rounding of a correctly rounded result costs at most one ulp)."""
    lo, hi = min(values), max(values)
    slack_lo = ulps * Fraction(math.ulp(float(lo))) + Fraction(2 ** -1074)
    slack_hi = ulps * Fraction(math.ulp(float(hi))) + Fraction(2 ** -1074)
    return (lo - slack_lo <= Fraction(iv.lo) <= lo) and (hi <= Fraction(iv.hi) <= hi + slack_hi)


@SETTINGS
@given(a=FINITE, b=FINITE, c=FINITE, d=FINITE)
def test_arithmetic_is_one_rounding_from_the_exact_hull(a, b, c, d):
    x, y = interval(a, b), interval(c, d)
    X = [Fraction(x.lo), Fraction(x.hi)]
    Y = [Fraction(y.lo), Fraction(y.hi)]
    assert tight_hull(x + y, [p + q for p in X for q in Y], 2)
    assert tight_hull(x - y, [p - q for p in X for q in Y], 2)
    assert tight_hull(x * y, [p * q for p in X for q in Y], 2)
    if not y.contains(0.0):
        assert tight_hull(x / y, [p / q for p in X for q in Y], 2)
        assert tight_hull(3 / y, [3 / q for q in Y], 2)  # __rtruediv__
    assert tight_hull(7 - x, [7 - p for p in X], 2)  # __rsub__
    assert tight_hull(2.5 * x, [Fraction(5, 2) * p for p in X], 2)  # __rmul__
    assert tight_hull(1 + x, [1 + p for p in X], 2)  # __radd__


def test_exact_cases_are_only_one_ulp_wide():
    # 1 + 2 = 3 exactly: the result is [3 - ulp, 3 + ulp], not wider and not a single point
    s = Interval(1.0, 1.0) + Interval(2.0, 2.0)
    assert s.lo == math.nextafter(3.0, -math.inf) and s.hi == math.nextafter(3.0, math.inf)
    assert (Interval(2.0, 3.0) * Interval(-1.0, 4.0)).lo == math.nextafter(-3.0, -math.inf)
    assert (Interval(2.0, 3.0) * Interval(-1.0, 4.0)).hi == math.nextafter(12.0, math.inf)
    q = Interval(1.0, 2.0) / Interval(4.0, 8.0)  # exact hull [1/8, 1/2]
    assert q.lo == math.nextafter(0.125, 0.0) and q.hi == math.nextafter(0.5, 1.0)
    d = Interval(5.0, 6.0) - Interval(1.0, 2.0)  # exact hull [3, 5]
    assert d.lo == math.nextafter(3.0, 0.0) and d.hi == math.nextafter(5.0, 9.0)


@SETTINGS
@given(a=FINITE, b=FINITE)
def test_negation_and_absolute_value_are_exact_images(a, b):
    x = interval(a, b)
    n = -x
    assert (n.lo, n.hi) == (-x.hi, -x.lo)
    m = abs(x)
    if x.lo >= 0:
        expected = (x.lo, x.hi)
    elif x.hi <= 0:
        expected = (-x.hi, -x.lo)
    else:
        expected = (0.0, max(-x.lo, x.hi))
    assert (m.lo, m.hi) == expected  # |.| of a float is exact: no rounding is needed


def test_absolute_value_cases():
    assert abs(Interval(-3.0, -1.0)) == Interval(1.0, 3.0)
    assert abs(Interval(-3.0, 2.0)) == Interval(0.0, 3.0)
    assert abs(Interval(-2.0, 3.0)) == Interval(0.0, 3.0)
    assert abs(Interval(1.0, 2.0)) == Interval(1.0, 2.0)
    assert abs(Interval(-2.0, 0.0)) == Interval(0.0, 2.0)
    assert abs(Interval(0.0, 2.0)) == Interval(0.0, 2.0)


def test_sqrt_is_tight_and_never_below_zero():
    r = Interval(4.0, 9.0).sqrt()
    assert r.lo == math.nextafter(2.0, 0.0) and r.hi == math.nextafter(3.0, 4.0)
    z = Interval(0.0, 1.0).sqrt()
    assert z.lo == 0.0 and z.hi == math.nextafter(1.0, 2.0)
    t = Interval(2.0, 2.0).sqrt()
    assert Fraction(t.lo) ** 2 < 2 < Fraction(t.hi) ** 2


def test_comparisons_on_touching_and_overlapping_intervals():
    a, b = Interval(0.0, 1.0), Interval(1.0, 2.0)
    assert a.certainly_le(b) and not a.certainly_lt(b)
    assert b.certainly_ge(a) and not b.certainly_gt(a)
    c = Interval(1.5, 3.0)
    assert a.certainly_lt(c) and a.certainly_le(c) and c.certainly_gt(a) and c.certainly_ge(a)
    assert not b.certainly_lt(c) and not b.certainly_le(c)  # overlapping: nothing is certain
    assert not c.certainly_gt(b) and not c.certainly_ge(b)
    assert not a.certainly_ge(b) and not a.certainly_gt(b)
    assert not b.certainly_le(a) and not b.certainly_lt(a)


def test_membership_is_closed_and_exact():
    x = Interval(1.0, 2.0)
    for inside in (1, 2, 1.0, 2.0, 1.5, Fraction(3, 2), np.int64(2), mpmath.mpf(1), Interval(1.0, 2.0),
                   Interval(1.25, 1.75)):
        assert inside in x and x.contains(inside)
    for outside in (0, 3, 0.5, Fraction(5, 2), np.int64(3), mpmath.mpf(3), Interval(0.5, 1.5),
                    Interval(1.5, 2.5)):
        assert outside not in x and not x.contains(outside)
    # exactness: numbers within 1e-30 of an endpoint are decided correctly
    assert Fraction(2) + Fraction(1, 10 ** 30) not in x and Fraction(1) - Fraction(1, 10 ** 30) not in x
    with mpmath.workdps(50):
        assert mpmath.mpf(2) + mpmath.mpf(10) ** -40 not in x
        assert mpmath.mpf(1) + mpmath.mpf(10) ** -40 in x
    assert 2 ** 60 + 1 not in Interval(0.0, float(2 ** 60))  # int compared exactly, not as float


def test_point_enclosures_are_the_thinnest_float_intervals():
    assert Interval.point(0.1) == Interval(0.1, 0.1)
    assert Interval.point(np.float32(0.5)) == Interval(0.5, 0.5)
    assert Interval.point(7) == Interval(7.0, 7.0)
    third = Interval.point(Fraction(1, 3))
    assert Fraction(third.lo) < Fraction(1, 3) < Fraction(third.hi)
    assert third.hi == math.nextafter(third.lo, 1.0)
    odd = Interval.point(2 ** 53 + 1)  # halfway between two floats
    assert (odd.lo, odd.hi) == (2.0 ** 53, 2.0 ** 53 + 2)
    assert Interval.point(-(2 ** 53 + 1)) == Interval(-(2.0 ** 53 + 2), -(2.0 ** 53))
    big = 1.7976931348623157e308
    assert Interval.point(10 ** 400) == Interval(big, math.inf)
    assert Interval.point(-(10 ** 400)) == Interval(-math.inf, -big)
    assert Interval.point(Fraction(-(10 ** 400), 3)) == Interval(-math.inf, -big)
    with mpmath.workdps(40):
        x = mpmath.mpf(1) / 3
        enc = Interval.point(x)
        assert enc.lo < x < enc.hi and enc.hi == math.nextafter(enc.lo, 1.0)
        exact = mpmath.mpf(0.25)
        assert Interval.point(exact) == Interval(0.25, 0.25)
        assert Interval.point(mpmath.mpf("1e400")) == Interval(big, math.inf)
        assert Interval.point(-mpmath.mpf("1e400")) == Interval(-math.inf, -big)
    assert Interval.point(mpmath.inf) == Interval(math.inf, math.inf)
    assert Interval.point(-mpmath.inf) == Interval(-math.inf, -math.inf)
    for bad in (mpmath.nan, float("nan"), np.float64("nan")):
        with pytest.raises(ValueError):
            Interval.point(bad)
    with pytest.raises(TypeError):
        Interval.point(True)
    with pytest.raises(TypeError):
        Interval.point("1")


def test_from_mpmath_encloses_interval_endpoints_tightly():
    ivc = MPIntervalContext()  # a private 60-digit interval context: endpoints are not floats
    ivc.dps = 60
    iv = ivc.mpf([1, 2]) / 3
    enc = Interval.from_mpmath(iv)
    assert Fraction(enc.lo) < Fraction(1, 3) and enc.hi > 0.6666
    assert Fraction(2, 3) < Fraction(enc.hi)
    assert enc.hi - enc.lo < 1 / 3 + 1e-15
    assert Fraction(1, 3) - Fraction(enc.lo) < Fraction(math.ulp(1 / 3))
    assert Fraction(enc.hi) - Fraction(2, 3) < Fraction(math.ulp(2 / 3))
    with mpmath.workdps(60):
        point = Interval.from_mpmath(mpmath.mpf(1) / 7)
        assert point.lo < mpmath.mpf(1) / 7 < point.hi
    with pytest.raises(TypeError):
        Interval.from_mpmath(0.5)


def test_endpoints_are_validated_and_stored_as_floats():
    x = Interval(1, 2)
    assert type(x.lo) is float and type(x.hi) is float
    assert Interval(3.0, 3.0).width == math.ulp(0.0)  # a point has width 0, rounded up once
    for lo, hi in ((2.0, 1.0), (math.nan, 1.0), (0.0, math.nan)):
        with pytest.raises(ValueError):
            Interval(lo, hi)


def test_width_and_midpoint():
    x = Interval(1.0, 3.0)
    assert x.width == math.nextafter(2.0, 3.0) and x.mid == 2.0
    assert Interval(-4.0, -2.0).mid == -3.0
    huge = Interval(1e308, 1.7e308)
    assert math.isfinite(huge.mid) and 1e308 <= huge.mid <= 1.7e308
    w = Interval(0.1, 0.3).width
    assert Fraction(0.3) - Fraction(0.1) <= Fraction(w) <= Fraction(0.3) - Fraction(0.1) + Fraction(math.ulp(0.2))


def test_round_up_and_down_step_one_float_for_scalars_and_arrays():
    assert round_up(1.0) == math.nextafter(1.0, 2.0) and round_down(1.0) == math.nextafter(1.0, 0.0)
    a = np.array([1.0, -2.0, 0.0])
    assert np.array_equal(round_up(a), np.nextafter(a, np.inf))
    assert np.array_equal(round_down(a), np.nextafter(a, -np.inf))


def test_gamma_bounds_n_u_over_one_minus_n_u_tightly():
    u = Fraction(1, 2 ** 53)
    for n in (0, 1, 2, 10, 1000, 2 ** 40, 2 ** 52 - 1):
        exact = n * u / (1 - n * u)
        g = Fraction(gamma(n))
        assert exact <= g <= exact * (1 + 8 * u) + Fraction(2 ** -1070)
    with pytest.raises(ValueError):
        gamma(2 ** 52)  # n u = 1/2: outside the domain n u < 1/2
    with pytest.raises(ValueError):
        gamma(-1)


NONNEG = st.lists(st.floats(0, 1e100), min_size=1, max_size=30)


@SETTINGS
@given(x=NONNEG, data=st.data())
def test_reduction_bounds_are_within_the_rounding_model(x, data):
    """The bounds exceed the exact value by at most the model's n u relative error (plus a few
    ulps): a sound but looser formula is a different, weaker theorem."""
    y = data.draw(st.lists(st.floats(0, 1e100), min_size=len(x), max_size=len(x)))
    n = len(x)
    slack = Fraction(1) + 3 * (n + 2) * U
    tiny = Fraction(2 ** -1070) * (n + 2)
    X = [Fraction(t) for t in x]
    Y = [Fraction(t) for t in y]
    s = sum(X)
    assert s <= Fraction(upper_sum(x)) <= s * slack + tiny
    dot = sum(a * b for a, b in zip(X, Y))
    assert dot <= Fraction(upper_dot_nonneg(x, y)) <= dot * slack + tiny
    assert dot / slack - tiny <= Fraction(lower_dot_nonneg(x, y)) <= dot
    sq = sum(a * a for a in X)
    assert sq <= Fraction(upper_sumsq(x)) <= sq * slack + tiny
    mv = upper_matvec_nonneg(np.array([x, y]), np.array(y))
    for row, b in zip((X, Y), mv):
        exact = sum(a * c for a, c in zip(row, Y))
        assert exact <= Fraction(b) <= exact * slack + tiny


def test_reduction_bounds_on_exact_data_are_one_or_two_ulps():
    ones = np.ones(4)
    assert upper_sum(ones) == math.nextafter(4.0 / (1 - 3 * U), 5.0)
    assert upper_sum([2.0]) == math.nextafter(2.0, 3.0)  # one term: no addition, one outward step
    assert upper_sum([]) == 0.0
    assert upper_dot_nonneg([], []) == 0.0 and lower_dot_nonneg([], []) == 0.0
    # s_hat (1 - n u) = 4 (1 - 4u), then two downward steps of one ulp (= 4u relative near 4)
    assert 4.0 * (1 - 4 * U) - 2 * math.ulp(3.9) == lower_dot_nonneg(ones, ones)
    # (4 + 4 eta) / (1 - 4u), with two upward steps of one ulp (= 2u relative just above 4)
    assert 4.0 < upper_dot_nonneg(ones, ones) <= 4.0 * (1 + 4 * U) + 2 * math.ulp(4.0)
    assert lower_dot_nonneg([1e-320], [1e-10]) == 0.0  # an underflowed product is bounded below by 0
    assert upper_dot_nonneg([1e-320], [1e-10]) > 0.0  # ... and above by n eta, not by 0
    assert upper_fro_norm([3.0, -4.0]) >= 5.0 and upper_fro_norm([3.0, -4.0]) <= 5.0 * (1 + 8 * U)
    assert upper_fro_norm(np.array([[3.0], [-4.0]])) >= 5.0
    v = upper_matvec_nonneg(np.eye(3), np.array([1.0, 2.0, 3.0]))
    assert np.all(v > [1.0, 2.0, 3.0]) and np.all(v <= np.array([1.0, 2.0, 3.0]) * (1 + 8 * U))


def test_reduction_bounds_reject_negative_nonfinite_and_mismatched_input():
    for bad in ([-1.0], [np.inf], [np.nan]):
        with pytest.raises(ValueError):
            upper_sum(bad)
        with pytest.raises(ValueError):
            upper_dot_nonneg(bad, [1.0])
        with pytest.raises(ValueError):
            lower_dot_nonneg([1.0], bad)
    with pytest.raises(ValueError):
        upper_dot_nonneg([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        lower_dot_nonneg([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        upper_matvec_nonneg(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError):
        upper_matvec_nonneg(np.ones(3), np.ones(3))
    with pytest.raises(ValueError):
        upper_matvec_nonneg(-np.ones((2, 2)), np.ones(2))


def test_products_with_unbounded_intervals_take_zero_times_infinity_as_zero():
    # [0, 1] x (-inf, 2] = (-inf, 2]: the 0 endpoint times -inf contributes the exact 0, not NaN
    p = Interval(0.0, 1.0) * Interval(-math.inf, 2.0)
    assert p.lo == -math.inf and p.hi == math.nextafter(2.0, 3.0)
    q = Interval(-math.inf, 0.0) * Interval(0.0, 3.0)
    assert q.lo == -math.inf and 0.0 <= q.hi <= math.ulp(0.0)


def test_other_exact_rationals_are_enclosed_exactly():
    import sympy as sp

    third = Interval.point(sp.Rational(1, 3))  # a numbers.Rational that is not a Fraction
    assert Fraction(third.lo) < Fraction(1, 3) < Fraction(third.hi)
    assert third.hi == math.nextafter(third.lo, 1.0)
