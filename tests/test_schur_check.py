"""Schur's product inequality lambda_min(P o Q) >= lambda_min(P) min_i Q_ii for PSD P, Q
(Schur 1911; used in the proof of Theorem 3.2 and for (24)), checked with certified enclosures."""
from __future__ import annotations

from hyp import examples
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.eig import _to_fraction
from numeric.schur_check import SchurCheck, check_schur


def mirror(M):
    return np.triu(M) + np.triu(M, 1).T


def random_pd(rng, n):
    X = rng.standard_normal((n, n + 2))
    return mirror(X @ X.T)


def exact_lambda_min(M) -> mpmath.mpf:
    with mpmath.workdps(60):
        return min(mpmath.eigsy(mpmath.matrix(M.tolist()), eigvals_only=True))


@settings(max_examples=examples(25), deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 2**32 - 1))
def test_schur_inequality_verified_for_random_psd_pairs(n, seed):
    rng = np.random.default_rng(seed)
    P, Q = random_pd(rng, n), random_pd(rng, n)
    res = check_schur(P, Q)
    assert isinstance(res, SchurCheck)
    assert res.hypotheses == "certified"
    assert res.verdict == "verified" and res.inequality == "holds"
    assert res.margin.lo >= 0
    with mpmath.workdps(60):  # the enclosures are right, not just consistent (products exact)
        PQ = mpmath.matrix([[mpmath.mpf(P[i, j]) * Q[i, j] for j in range(n)] for i in range(n)])
        exact_pq = min(mpmath.eigsy(PQ, eigvals_only=True))
    assert _to_fraction(res.lhs.lo) <= _to_fraction(exact_pq) <= _to_fraction(res.lhs.hi)
    assert _to_fraction(res.p_min.lo) <= _to_fraction(exact_lambda_min(P)) <= _to_fraction(res.p_min.hi)


@settings(max_examples=examples(15), deadline=None)
@given(n=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_stronger_false_inequality_is_caught(n, seed):
    # Negative control: with the constant raised just past the true ratio
    # lambda_min(P o Q) / (lambda_min(P) min Q_ii), the checker must report a counterexample;
    # just below it, it must verify.
    rng = np.random.default_rng(seed)
    P, Q = random_pd(rng, n), random_pd(rng, n)
    ratio = float(exact_lambda_min(P * Q) / (exact_lambda_min(P) * float(np.min(np.diag(Q)))))
    # P * Q in floats is not exactly P o Q; the 1e-6 relative steps dwarf that rounding.
    assert ratio >= 1.0 - 1e-9
    assert check_schur(P, Q, factor=ratio * (1 + 1e-6)).verdict == "counterexample"
    assert check_schur(P, Q, factor=ratio * (1 - 1e-6)).verdict == "verified"


def test_escalates_to_high_precision_when_floats_cannot_decide():
    # factor = the true ratio rounded to a float: the two sides then differ by ~1e-16 relative,
    # far below the float enclosures' width; only the high-precision path can settle it, and the
    # verdict must follow the sign of (factor - ratio).
    rng = np.random.default_rng(3)
    n = 5
    P, Q = random_pd(rng, n), random_pd(rng, n)
    with mpmath.workdps(80):
        PQ = mpmath.matrix([[mpmath.mpf(P[i, j]) * Q[i, j] for j in range(n)] for i in range(n)])
        lhs = min(mpmath.eigsy(PQ, eigvals_only=True))
        ratio = lhs / (exact_lambda_min(P) * float(np.min(np.diag(Q))))
        factor = float(ratio)
        expected = "counterexample" if factor > ratio else "verified"
        assert factor != ratio
    res = check_schur(P, Q, factor=factor)
    assert res.method == "high-precision"
    assert res.verdict == expected


def test_non_psd_q_is_not_applicable_and_the_inequality_can_fail():
    P = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 1, 3
    Q = np.array([[1.0, -3.0], [-3.0, 1.0]])  # eigenvalues -2, 4: not PSD
    res = check_schur(P, Q)
    assert res.q_psd.result is False and res.p_psd.result is True
    assert res.hypotheses == "violated"
    assert res.inequality == "fails"  # lambda_min(P o Q) = -1 < 1 = lambda_min(P) min Q_ii
    assert res.verdict == "not-applicable"
    assert res.margin.hi < 0


def test_equality_case_is_never_called_a_counterexample():
    # Q = J (all ones, PSD but singular, Q_ii = 1): P o J = P, so both sides are equal.
    rng = np.random.default_rng(1)
    P = random_pd(rng, 4)
    res = check_schur(P, np.ones((4, 4)), max_dps=30)
    assert res.verdict == "inconclusive"
    assert res.q_psd.result is None  # lambda_min(J) = 0 cannot be certified >= 0 by enclosures
    assert res.margin.lo <= 0 <= res.margin.hi


def test_identity_pair_is_tight_and_verified():
    res = check_schur(np.eye(3), np.eye(3))
    assert res.verdict == "verified" and res.lhs.method == "exact"
    assert res.margin.lo == 0 == res.margin.hi
    assert check_schur(np.eye(3), np.eye(3), factor=1 + 2.0**-40).verdict == "counterexample"


def test_evidence_is_json_ready():
    import json

    rng = np.random.default_rng(0)
    ev = check_schur(random_pd(rng, 3), random_pd(rng, 3)).evidence()
    json.dumps(ev)
    assert ev["inequality"] == "holds"


def test_validation():
    with pytest.raises(ValueError, match="same shape"):
        check_schur(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="symmetric"):
        check_schur(np.array([[1.0, 2.0], [0.0, 1.0]]), np.eye(2))
    with pytest.raises(ValueError, match="NaN"):
        check_schur(np.eye(2), np.array([[1.0, np.nan], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        check_schur(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="factor"):
        check_schur(np.eye(2), np.eye(2), factor=float("nan"))
    with pytest.raises(TypeError):
        check_schur(mpmath.eye(2), np.eye(2))
