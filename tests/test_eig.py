"""Certified smallest-eigenvalue enclosures (numeric.eig) and outward-rounded intervals (numeric.interval).

Every enclosure is compared with an independent 60-digit mpmath reference (mpmath.eigsy on the exact
float matrix) or with an exactly known eigenvalue."""
from __future__ import annotations

from hyp import examples
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numeric.eig as eig_mod
from numeric.eig import Decision, Enclosure, decide, lambda_min
from numeric.interval import (
    Interval,
    gamma,
    lower_dot_nonneg,
    upper_dot_nonneg,
    upper_fro_norm,
    upper_matvec_nonneg,
    upper_sum,
    upper_sumsq,
)

SETTINGS = settings(max_examples=examples(30), deadline=None)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def mirror(M: np.ndarray) -> np.ndarray:
    """Exactly symmetric matrix from the upper triangle of M."""
    return np.triu(M) + np.triu(M, 1).T


def make_matrix(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "random":
        return mirror(rng.standard_normal((n, n)))
    if kind == "near_duplicate":  # Gram of rows with one nearly repeated row: lambda_min ~ 1e-14
        X = rng.standard_normal((n, n + 2))
        X[-1] = X[0] + 1e-7 * rng.standard_normal(n + 2)
        return mirror(X @ X.T)
    if kind == "rank_deficient":  # exact integer Gram of rank <= k < n: lambda_min = 0 exactly
        k = max(1, n // 2)
        X = rng.integers(-3, 4, size=(n, k)).astype(float)
        return mirror(X @ X.T)
    if kind == "badly_scaled":  # rows of norms spread over 8 orders of magnitude
        X = rng.standard_normal((n, n + 1))
        d = 10.0 ** rng.uniform(-4, 4, size=n)
        return mirror((d[:, None] * X) @ (d[:, None] * X).T)
    raise AssertionError(kind)


def reference_lambda_min(A) -> mpmath.mpf:
    """60-digit lambda_min of the exact matrix (entries converted to mpf exactly)."""
    with mpmath.workdps(60):
        M = A if isinstance(A, mpmath.matrix) else mpmath.matrix(A.tolist())
        return min(mpmath.eigsy(M, eigvals_only=True))


def ref_tol(A: np.ndarray) -> Fraction:
    """Uncertainty of the 60-digit reference itself (not of the code under test)."""
    return Fraction(1, 10 ** 55) * (1 + Fraction(float(np.max(np.abs(A))))) * A.shape[0]


def q(x) -> Fraction:
    return eig_mod._to_fraction(x)


def assert_contains(enc: Enclosure, value, tol=Fraction(0)) -> None:
    assert q(enc.lo) <= q(value) + tol, (enc, value)
    assert q(value) - tol <= q(enc.hi), (enc, value)


KINDS = st.sampled_from(["random", "near_duplicate", "rank_deficient", "badly_scaled"])


# ------------------------------------------------------------------------------------------------
# lambda_min: enclosures contain the true eigenvalue
# ------------------------------------------------------------------------------------------------
@settings(max_examples=examples(50), deadline=None)
@given(kind=KINDS, n=st.integers(2, 10), seed=st.integers(0, 2**32 - 1))
def test_certified_enclosure_contains_true_lambda_min(kind, n, seed):
    A = make_matrix(kind, n, seed)
    enc = lambda_min(A)
    assert enc.certified and enc.method in ("certified", "certified-gershgorin", "exact")
    if kind == "rank_deficient":
        assert_contains(enc, 0)  # exact: X X^T with n > rank
    else:
        assert_contains(enc, reference_lambda_min(A), ref_tol(A))


@settings(max_examples=examples(40), deadline=None)
@given(kind=KINDS, n=st.integers(2, 10), seed=st.integers(0, 2**32 - 1))
def test_mpmath_enclosure_contains_true_lambda_min(kind, n, seed):
    A = make_matrix(kind, n, seed)
    enc = lambda_min(A, method="mpmath", dps=30)
    assert enc.certified and (enc.method.startswith("mpmath") or enc.method == "exact")
    if kind == "rank_deficient":
        assert_contains(enc, 0)
    else:
        assert_contains(enc, reference_lambda_min(A), ref_tol(A))


@SETTINGS
@given(n=st.integers(2, 60), seed=st.integers(0, 2**32 - 1))
def test_certified_width_is_tight_for_well_conditioned(n, seed):
    # Measured worst case over 200 such matrices: 4.3e-14 ||A||_2.  The proof's width is at most
    # gamma_{n+2} (||R||_F^2 ~ tr A) + shift + Rayleigh rounding, so 3 gamma_{n+2} tr(A) must hold.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n))
    A = mirror(X @ X.T / n + np.eye(n))
    enc = lambda_min(A)
    assert enc.method == "certified"
    assert enc.hi - enc.lo <= 1e-12 * np.linalg.norm(A, 2)
    assert enc.hi - enc.lo <= 3 * gamma(n + 2) * np.trace(A) + 1e-15 * np.linalg.norm(A, 2)


def test_kato_temple_30_digits_against_60_digit_reference():
    rng = np.random.default_rng(7)
    for n in (12, 25):
        X = rng.standard_normal((n, n + 3))
        A = mirror(X @ X.T)
        ref = reference_lambda_min(A)
        enc = lambda_min(A, method="mpmath", dps=30)
        assert enc.method == "mpmath-kato-temple"
        assert_contains(enc, ref, ref_tol(A))
        assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 30) * abs(q(ref))
        assert enc.details["gap_lower_bound"] > float(ref)


def test_kato_temple_resolves_nearly_singular_gram():
    A = make_matrix("near_duplicate", 10, 3)
    ref = reference_lambda_min(A)
    assert 0 < ref < 1e-12  # nearly duplicated rows
    enc = lambda_min(A, method="mpmath", dps=40)
    assert_contains(enc, ref, ref_tol(A))
    assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 40) * q(ref)
    flt = lambda_min(A)  # the certified float enclosure is far wider but still correct
    assert_contains(flt, ref, ref_tol(A))
    assert flt.width > 1e3 * enc.width


def test_multiple_smallest_eigenvalue_uses_ldl_certificate():
    # lambda_1 = lambda_2 = 0 (rank 2 of 6): no gap, so Kato-Temple cannot apply.
    A = make_matrix("rank_deficient", 6, 11)
    assert np.linalg.matrix_rank(A) <= 3
    enc = lambda_min(A, method="mpmath", dps=30)
    assert enc.method == "mpmath-ldl"
    assert_contains(enc, 0)
    assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 28)


def test_mpmath_matrix_input_is_taken_exactly():
    with mpmath.workdps(50):
        M = mpmath.matrix(5, 5)
        for i in range(5):
            for j in range(5):
                M[i, j] = mpmath.mpf(1) / (i + j + 1)  # Hilbert matrix at 50 digits
    ref = reference_lambda_min(M)
    enc = lambda_min(M)  # auto -> mpmath
    assert enc.method.startswith("mpmath")
    assert_contains(enc, ref, Fraction(1, 10 ** 55))
    assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 30) * q(ref)
    # the float path on the same exact matrix must account for rounding the entries to floats
    flt = lambda_min(M, method="certified")
    assert flt.details["float_error_bound"] > 0
    assert_contains(flt, ref, Fraction(1, 10 ** 55))
    ctx = mpmath.MPContext()  # matrices of a private mpmath context are accepted too
    ctx.dps = 50
    Mc = ctx.matrix([[ctx.mpf(1) / (i + j + 1) for j in range(5)] for i in range(5)])
    assert_contains(lambda_min(Mc), ref, Fraction(1, 10 ** 45))


def test_diagonal_is_exact():
    enc = lambda_min(np.diag([3.0, -2.5, 7.0]))
    assert enc.method == "exact" and enc.lo == enc.hi == -2.5
    one = lambda_min(np.array([[0.1]]))
    assert one.lo == one.hi == 0.1


@SETTINGS
@given(n=st.integers(2, 6), seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-8, 1e-2))
def test_abs_err_widens_by_weyl(n, seed, scale):
    rng = np.random.default_rng(seed)
    A = mirror(rng.standard_normal((n, n)))
    E = mirror(scale * rng.standard_normal((n, n)))
    A_true = A + E  # the matrix "really meant"; its difference from A is bounded below
    bound = upper_fro_norm(A_true - A) * (1 + 1e-15)  # rounding of A + E is u|A_true| <= this slack
    bound = float(bound + 4e-16 * upper_fro_norm(A_true))
    enc = lambda_min(A, abs_err=bound)
    plain = lambda_min(A)
    assert enc.lo <= plain.lo - bound * (1 - 1e-12) and enc.hi >= plain.hi + bound * (1 - 1e-12)
    assert_contains(enc, reference_lambda_min(A_true), ref_tol(A_true))


def test_float_method_is_labelled_uncertified():
    A = make_matrix("random", 5, 1)
    enc = lambda_min(A, method="float")
    assert enc.method == "float" and not enc.certified and enc.report_method == "float"
    assert lambda_min(A).report_method == "certified"
    assert lambda_min(A, method="mpmath").report_method == "high-precision"


def test_gershgorin_fallback_when_cholesky_always_fails(monkeypatch):
    A = make_matrix("random", 6, 5)
    monkeypatch.setattr(eig_mod, "dpotrf", lambda H, **kw: (H, 1))
    enc = lambda_min(A)
    assert enc.method == "certified-gershgorin" and enc.certified
    assert_contains(enc, reference_lambda_min(A), ref_tol(A))
    rows = np.sum(np.abs(A), axis=1) - np.abs(np.diag(A))
    assert enc.lo <= np.min(np.diag(A) - rows)


def test_badly_scaled_extreme_magnitudes():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 4))
    for s in (1e-200, 1e200):
        A = mirror(s * (X @ X.T + np.eye(4)))
        ref = reference_lambda_min(A)
        for method in ("certified", "mpmath"):
            enc = lambda_min(A, method=method)
            assert_contains(enc, ref, Fraction(0))
            assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 10) * q(ref)


def test_badly_scaled_reaches_30_significant_digits():
    # lambda_1, lambda_2 far below u ||A||: float eigenvectors cannot resolve them, so the mpmath
    # eigenpair stage (certified by an LDL^T inertia gap) must take over.
    dps_before = mpmath.mp.dps
    for seed in (2, 3, 5):
        A = make_matrix("badly_scaled", 12, seed)
        ref = reference_lambda_min(A)
        enc = lambda_min(A, method="mpmath", dps=30)
        assert enc.details.get("stage") == 3
        assert mpmath.mp.dps == dps_before  # the global mpmath context is left alone
        assert_contains(enc, ref, ref_tol(A))
        assert q(enc.hi) - q(enc.lo) <= Fraction(1, 10 ** 30) * q(ref)


def test_ldl_inertia_certificate_and_its_negative_control():
    # 1-D Laplacian tridiag(-1, 2, -1): lambda_k = 2 - 2 cos(k pi / (n + 1)), exactly known.
    n = 9
    A = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    lam = [2 - 2 * math.cos(k * math.pi / (n + 1)) for k in range(1, n + 1)]
    _, ex, _ = eig_mod._normalise(A, want_exact=True)
    scale = Fraction(2) ** ex.k  # _ldl_bound works on A_s = A / 2^k
    P = 80

    def bound(shift, k):
        got = eig_mod._ldl_bound(ex, Fraction(shift) / scale, P, k=k)
        return None if got is None else got * scale

    below1 = bound(lam[0] - 1e-6, 0)
    assert below1 is not None and below1 <= Fraction(lam[0]) - Fraction(1, 10 ** 7)
    assert bound(lam[0] + 1e-6, 0) is None  # A - sI is not PD: the certificate must refuse
    between = bound((lam[0] + lam[1]) / 2, 1)  # exactly one eigenvalue below the shift
    assert between is not None and Fraction(lam[0]) < between <= Fraction(lam[1])
    assert bound((lam[1] + lam[2]) / 2, 1) is None  # two below: no claim about lambda_2


# ------------------------------------------------------------------------------------------------
# input validation
# ------------------------------------------------------------------------------------------------
def test_rejects_bad_input():
    A = make_matrix("random", 4, 0)
    B = A.copy()
    B[0, 1] = np.nextafter(B[0, 1], np.inf)  # one ulp of asymmetry
    with pytest.raises(ValueError, match="symmetric"):
        lambda_min(B)
    with pytest.raises(ValueError, match="symmetric"):
        lambda_min(mpmath.matrix([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="square"):
        lambda_min(np.ones((2, 3)))
    with pytest.raises(ValueError, match="empty"):
        lambda_min(np.ones((0, 0)))
    with pytest.raises(ValueError, match="2-D"):
        lambda_min(np.ones(3))
    for bad in (np.nan, np.inf):
        C = A.copy()
        C[1, 1] = bad
        with pytest.raises(ValueError, match="NaN or infinite"):
            lambda_min(C)
    with pytest.raises(ValueError, match="dps"):
        lambda_min(A, method="mpmath", dps=10)
    with pytest.raises(ValueError, match="abs_err"):
        lambda_min(A, abs_err=-1.0)
    with pytest.raises(ValueError, match="abs_err"):
        lambda_min(A, abs_err=math.nan)
    with pytest.raises(ValueError, match="method"):
        lambda_min(A, method="magic")
    with pytest.raises(TypeError):
        lambda_min(A.astype(complex))
    with pytest.raises(ValueError, match="op"):
        decide(A, "==", 0.0)
    with pytest.raises(ValueError, match="dps"):
        decide(A, ">=", 0.0, max_dps=5)


# ------------------------------------------------------------------------------------------------
# decide: proofs, refusals, and negative controls
# ------------------------------------------------------------------------------------------------
def test_decide_refuses_a_false_claim_just_above_lambda_min():
    A = make_matrix("random", 8, 42)
    with mpmath.workdps(60):
        ref = reference_lambda_min(A)
        eps = abs(ref) * mpmath.mpf(10) ** -25
        above, below = ref + eps, ref - eps
    false_claim = decide(A, ">=", above)  # lambda_min >= ref + tiny is FALSE
    assert false_claim.result is False, false_claim
    assert false_claim.method.startswith("mpmath")  # floats alone cannot see 1e-25
    true_claim = decide(A, ">=", below)
    assert true_claim.result is True, true_claim
    assert decide(A, "<", above).result is True
    assert decide(A, ">", below).result is True
    assert decide(A, "<=", below).result is False


def test_decide_uses_float_certificate_when_it_suffices():
    A = mirror(np.eye(5) * 2 + 0.1 * np.ones((5, 5)))
    d = decide(A, ">=", 1.5)
    assert d.result is True and d.method == "certified"
    d2 = decide(A, ">=", Interval(1.99, 2.01))  # every member must be below lambda_min = 2
    assert d2.result is None or d2.result is False
    assert decide(A, ">", Interval(1.0, 1.9)).result is True


def test_decide_cannot_beat_abs_err():
    A = make_matrix("random", 5, 9)
    ref = float(reference_lambda_min(A))
    d = decide(A, ">=", ref + 1e-6, abs_err=1e-3, max_dps=60)
    assert d.result is None and "abs_err" in d.reason


def test_decide_equality_stays_undecided():
    A = make_matrix("rank_deficient", 6, 4)  # lambda_min = 0 exactly
    d = decide(A, ">", 0.0, max_dps=30)
    assert d.result is None  # never "proves" lambda_min > 0
    assert decide(A, ">=", -1e-20, max_dps=30).result is True
    assert decide(A, "<", 1e-20, max_dps=30).result is True


def test_decision_type():
    d = decide(make_matrix("random", 3, 0), "<", 100.0)
    assert isinstance(d, Decision) and isinstance(d.enclosure, Enclosure) and d.result is True


# ------------------------------------------------------------------------------------------------
# interval arithmetic and reduction bounds
# ------------------------------------------------------------------------------------------------
FLOATS = st.floats(-1e150, 1e150, allow_nan=False, allow_infinity=False, allow_subnormal=True)


def encloses(iv: Interval, exact: Fraction) -> bool:
    lo_ok = iv.lo == -math.inf or Fraction(iv.lo) <= exact
    hi_ok = iv.hi == math.inf or exact <= Fraction(iv.hi)
    return lo_ok and hi_ok


@settings(max_examples=examples(50), deadline=None)
@given(a=FLOATS, b=FLOATS, c=FLOATS, d=FLOATS)
def test_interval_operations_enclose_exact_results(a, b, c, d):
    x = Interval(min(a, b), max(a, b))
    y = Interval(min(c, d), max(c, d))
    for xa in (x.lo, x.hi):
        for yb in (y.lo, y.hi):
            X, Y = Fraction(xa), Fraction(yb)
            for res, exact in ((x + y, X + Y), (x - y, X - Y), (x * y, X * Y)):
                assert encloses(res, exact)
            if not y.contains(0.0):
                assert encloses(x / y, X / Y)
    if x.lo >= 0:
        s = x.sqrt()
        assert Fraction(s.lo) ** 2 <= Fraction(x.lo) and Fraction(x.hi) <= Fraction(s.hi) ** 2


def test_interval_comparisons_and_conversions():
    a, b = Interval(1.0, 2.0), Interval(2.0, 3.0)
    assert b.certainly_ge(a) and not b.certainly_gt(a) and a.certainly_le(b) and not a.certainly_lt(b)
    assert Interval(0.0, 1.0).certainly_lt(1.5) and not Interval(0.0, 1.0).certainly_lt(1.0)
    third = Interval.point(Fraction(1, 3))
    assert third.contains(Fraction(1, 3)) and third.lo < third.hi
    with mpmath.workdps(40):
        x = mpmath.mpf(1) / 3
        enc = Interval.from_mpmath(x)
        assert enc.lo <= x <= enc.hi and enc.lo < enc.hi
        iv = Interval.from_mpmath(mpmath.iv.mpf([1, 2]) / 3)
        assert iv.lo <= Fraction(1, 3) and Fraction(2, 3) <= iv.hi
    big = Interval.point(10 ** 400)
    assert big.hi == math.inf and big.lo == 1.7976931348623157e308
    with pytest.raises(ValueError):
        Interval(2.0, 1.0)
    with pytest.raises(ZeroDivisionError):
        Interval(1.0, 2.0) / Interval(-1.0, 1.0)
    with pytest.raises(ValueError):
        Interval(-1.0, 1.0).sqrt()


NONNEG = st.lists(st.one_of(st.floats(0, 1e100), st.floats(0, 1e-300, allow_subnormal=True)),
                  min_size=1, max_size=40)


@settings(max_examples=examples(50), deadline=None)
@given(x=NONNEG, data=st.data())
def test_reduction_bounds_are_rigorous(x, data):
    y = data.draw(st.lists(st.floats(0, 1e100), min_size=len(x), max_size=len(x)))
    X = [Fraction(t) for t in x]
    Y = [Fraction(t) for t in y]
    assert sum(X) <= Fraction(upper_sum(x))
    assert sum(t * t for t in X) <= Fraction(upper_sumsq(x))
    exact_dot = sum(a * b for a, b in zip(X, Y))
    assert Fraction(lower_dot_nonneg(x, y)) <= exact_dot <= Fraction(upper_dot_nonneg(x, y))
    M = np.array([x, y])
    v = np.array(y)
    ub = upper_matvec_nonneg(M, v)
    for row, bound in zip((X, Y), ub):
        assert sum(a * b for a, b in zip(row, Y)) <= Fraction(bound)
    assert Fraction(gamma(len(x))) >= Fraction(len(x), 2 ** 53 - len(x))


def test_reduction_bounds_reject_negative_input():
    with pytest.raises(ValueError):
        upper_sum([1.0, -1.0])
    with pytest.raises(ValueError):
        upper_dot_nonneg([1.0], [np.nan])
