"""Outward-rounded interval arithmetic on binary64 floats and rigorous bounds for float reductions.

Everything here assumes IEEE 754 binary64 arithmetic in the default round-to-nearest mode, which is
what CPython floats and NumPy float64 use.  Under that assumption a correctly rounded result ``fl(x)``
lies within half an ulp of ``x``, so one ``math.nextafter`` step away from ``fl(x)`` is a rigorous
outward rounding; that is how every operation of :class:`Interval` stays an enclosure.

Reduction bounds (``upper_sum`` and friends) use the standard model, valid for any summation order
and with or without fused multiply-add (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., sections 2.2, 3.1): ``fl(a + b) = (a + b)(1 + d)``, ``fl(a * b) = a b (1 + d) + e`` with
``|d| <= u = 2^-53`` and ``|e| <= eta = 2^-1075`` (gradual underflow; additions never underflow).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

import mpmath
import numpy as np

U = 2.0 ** -53
"""Unit roundoff of binary64 round-to-nearest."""
TINY = 2.0 ** -1074
"""Smallest positive subnormal; an upper bound for the underflow error ``eta = 2^-1075`` of a product."""

_INF = math.inf


def round_up(x):
    """Next float above ``x`` (scalar or array): an upper bound for the exact result of the one
    correctly rounded operation that produced ``x``."""
    if isinstance(x, np.ndarray):
        return np.nextafter(x, _INF)
    return math.nextafter(x, _INF)


def round_down(x):
    """Next float below ``x`` (scalar or array); see :func:`round_up`."""
    if isinstance(x, np.ndarray):
        return np.nextafter(x, -_INF)
    return math.nextafter(x, -_INF)


def gamma(n: int) -> float:
    """Rigorous upper bound for ``gamma_n = n u / (1 - n u)`` (Higham, eq. (3.8))."""
    n = int(n)
    if n < 0 or n * U >= 0.5:
        raise ValueError(f"gamma_n needs 0 <= n < 2^52, got n = {n}")
    return round_up(round_up(n * U) / round_down(1.0 - n * U))


def _check_nonneg(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.size and not (np.all(x >= 0.0) and np.all(np.isfinite(x))):
        raise ValueError(f"{name} must hold finite non-negative floats")
    return x


def upper_sum(abs_values) -> float:
    """Rigorous upper bound for the exact sum of finite non-negative floats.

    With ``s_hat = fl(sum x_i)`` in any order, ``s_hat >= (1 - u)^(n-1) s >= (1 - (n-1)u) s``, so
    ``s <= s_hat / (1 - (n-1)u)``, rounded up."""
    x = _check_nonneg(abs_values, "abs_values").ravel()
    n = x.size
    if n == 0:
        return 0.0
    s_hat = float(np.sum(x))
    return round_up(s_hat / (1.0 - (n - 1) * U))  # 1 - k u is exact for k < 2^52


def upper_dot_nonneg(x, y) -> float:
    """Rigorous upper bound for the exact ``sum x_i y_i`` of finite non-negative float vectors.

    ``fl(x_i y_i) >= x_i y_i (1 - u) - eta`` and at most ``n - 1`` further additions of non-negative
    terms give ``s_hat >= (1 - n u) s - n eta``, so ``s <= (s_hat + n eta) / (1 - n u)``."""
    x = _check_nonneg(x, "x").ravel()
    y = _check_nonneg(y, "y").ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same size, got {x.size} and {y.size}")
    n = x.size
    if n == 0:
        return 0.0
    s_hat = float(np.dot(x, y))
    return round_up(round_up(s_hat + n * TINY) / (1.0 - n * U))


def lower_dot_nonneg(x, y) -> float:
    """Rigorous lower bound for the exact ``sum x_i y_i`` of finite non-negative float vectors:
    ``s_hat <= (1 + u)^n s + n eta`` gives ``s >= s_hat (1 - n u) - n eta``."""
    x = _check_nonneg(x, "x").ravel()
    y = _check_nonneg(y, "y").ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same size, got {x.size} and {y.size}")
    n = x.size
    if n == 0:
        return 0.0
    s_hat = float(np.dot(x, y))
    return max(0.0, round_down(round_down(s_hat * (1.0 - n * U)) - n * TINY))


def upper_sumsq(values) -> float:
    """Rigorous upper bound for the exact ``sum x_i^2`` of finite floats (any signs, any shape)."""
    x = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    return upper_dot_nonneg(x, x)


def upper_fro_norm(values) -> float:
    """Rigorous upper bound for the Frobenius (or Euclidean) norm of a finite float array."""
    return round_up(math.sqrt(upper_sumsq(values)))


def upper_matvec_nonneg(M, x) -> np.ndarray:
    """Entrywise rigorous upper bound for the exact ``M x`` with non-negative float ``M`` (m, n) and
    ``x`` (n,); the bound of :func:`upper_dot_nonneg` applied to every row at once."""
    M = _check_nonneg(M, "M")
    x = _check_nonneg(x, "x")
    if M.ndim != 2 or x.ndim != 1 or M.shape[1] != x.shape[0]:
        raise ValueError(f"need M of shape (m, n) and x of shape (n,), got {M.shape} and {x.shape}")
    n = x.shape[0]
    y_hat = M @ x
    return round_up(round_up(y_hat + n * TINY) / (1.0 - n * U))


def is_mpf(x) -> bool:
    """Whether ``x`` is a real mpmath number of any context (``mp``, a private ``MPContext``)."""
    return hasattr(x, "_mpf_")


def _enclose_number(x) -> tuple[float, float]:
    """Floats ``(lo, hi)`` with ``lo <= x <= hi`` for an exact real ``x`` (int, float, Fraction, mpf)."""
    if isinstance(x, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(x, float) or isinstance(x, np.floating):
        f = float(x)
        if math.isnan(f):
            raise ValueError("cannot enclose NaN")
        return f, f
    if is_mpf(x):
        if not mpmath.isfinite(x):
            if mpmath.isnan(x):
                raise ValueError("cannot enclose NaN")
            f = float(x)
            return f, f
        exact = x
        to_exact = mpmath.mpf  # a float converts to mpf exactly
    elif isinstance(x, (int, np.integer, Fraction)):
        exact = Fraction(x)
        to_exact = Fraction
    elif isinstance(x, Real):
        return _enclose_number(Fraction(x))
    else:
        raise TypeError(f"cannot make an Interval from {type(x).__name__}")
    try:
        f = float(exact)  # rounds to nearest
    except OverflowError:
        f = math.inf if exact > 0 else -math.inf
    if math.isinf(f):  # a finite exact value beyond the float range
        big = 1.7976931348623157e308
        return (big, math.inf) if f > 0 else (-math.inf, -big)
    lo = f if to_exact(f) <= exact else round_down(f)
    hi = f if to_exact(f) >= exact else round_up(f)
    return lo, hi


@dataclass(frozen=True)
class Interval:
    """A closed real interval ``[lo, hi]`` with float endpoints; arithmetic rounds outward, so the
    result of every operation contains every exact result of the operation on members."""

    lo: float
    hi: float

    def __post_init__(self):
        lo, hi = float(self.lo), float(self.hi)
        if math.isnan(lo) or math.isnan(hi):
            raise ValueError("Interval endpoints must not be NaN")
        if lo > hi:
            raise ValueError(f"Interval needs lo <= hi, got [{lo!r}, {hi!r}]")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def point(cls, x) -> "Interval":
        """The thinnest float interval containing the exact number ``x`` (int, float, Fraction, mpf)."""
        return cls(*_enclose_number(x))

    @classmethod
    def from_mpmath(cls, x) -> "Interval":
        """Outward float enclosure of an mpmath ``mpf`` or of an mpmath interval
        (``mpmath.iv.mpf``, endpoints ``a`` and ``b``)."""
        mpi = getattr(x, "_mpi_", None)
        if mpi is not None:  # the raw endpoint tuples: exact, whatever the working precision
            a, b = (mpmath.mp.make_mpf(t) for t in mpi)
            return cls(_enclose_number(a)[0], _enclose_number(b)[1])
        if not is_mpf(x):
            raise TypeError(f"expected an mpmath mpf or interval, got {type(x).__name__}")
        return cls.point(x)

    @staticmethod
    def _coerce(other) -> "Interval":
        return other if isinstance(other, Interval) else Interval.point(other)

    # -- arithmetic -----------------------------------------------------------------------------
    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    def __add__(self, other) -> "Interval":
        o = self._coerce(other)
        return Interval(round_down(self.lo + o.lo), round_up(self.hi + o.hi))

    __radd__ = __add__

    def __sub__(self, other) -> "Interval":
        o = self._coerce(other)
        return Interval(round_down(self.lo - o.hi), round_up(self.hi - o.lo))

    def __rsub__(self, other) -> "Interval":
        return self._coerce(other) - self

    def __mul__(self, other) -> "Interval":
        o = self._coerce(other)
        products = [a * b for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        products = [0.0 if math.isnan(p) else p for p in products]  # 0 * inf: the 0 endpoint is exact
        return Interval(round_down(min(products)), round_up(max(products)))

    __rmul__ = __mul__

    def __truediv__(self, other) -> "Interval":
        o = self._coerce(other)
        if o.lo <= 0.0 <= o.hi:
            raise ZeroDivisionError(f"division by an interval containing 0: {o}")
        quotients = [a / b for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        return Interval(round_down(min(quotients)), round_up(max(quotients)))

    def __rtruediv__(self, other) -> "Interval":
        return self._coerce(other) / self

    def sqrt(self) -> "Interval":
        """Enclosure of ``sqrt`` over the interval; requires ``lo >= 0``."""
        if self.lo < 0.0:
            raise ValueError(f"sqrt of an interval with negative members: {self}")
        lo = max(0.0, round_down(math.sqrt(self.lo)))
        return Interval(lo, round_up(math.sqrt(self.hi)))

    def __abs__(self) -> "Interval":
        if self.lo >= 0.0:
            return self
        if self.hi <= 0.0:
            return -self
        return Interval(0.0, max(-self.lo, self.hi))

    # -- comparisons that are proofs ------------------------------------------------------------
    def certainly_ge(self, other) -> bool:
        """True only if every member of ``self`` is ``>=`` every member of ``other``."""
        return self.lo >= self._coerce(other).hi

    def certainly_gt(self, other) -> bool:
        """True only if every member of ``self`` is ``>`` every member of ``other``."""
        return self.lo > self._coerce(other).hi

    def certainly_le(self, other) -> bool:
        """True only if every member of ``self`` is ``<=`` every member of ``other``."""
        return self.hi <= self._coerce(other).lo

    def certainly_lt(self, other) -> bool:
        """True only if every member of ``self`` is ``<`` every member of ``other``."""
        return self.hi < self._coerce(other).lo

    def contains(self, x) -> bool:
        """Whether the exact number ``x`` (or every member of the Interval ``x``) lies in ``self``."""
        if isinstance(x, Interval):
            return self.lo <= x.lo and x.hi <= self.hi
        if is_mpf(x):
            return bool(self.lo <= x <= self.hi)  # mpf-float comparisons are exact
        if isinstance(x, (int, Fraction, np.integer)):
            return Fraction(self.lo) <= Fraction(x) <= Fraction(self.hi)
        return self.lo <= float(x) <= self.hi

    def __contains__(self, x) -> bool:
        return self.contains(x)

    @property
    def width(self) -> float:
        """Upper bound for ``hi - lo``."""
        return round_up(self.hi - self.lo)

    @property
    def mid(self) -> float:
        """A float midpoint (not rounded in any direction; for display and starting guesses)."""
        return 0.5 * self.lo + 0.5 * self.hi

    def __repr__(self) -> str:
        return f"Interval({self.lo!r}, {self.hi!r})"
