"""Kills mutmut survivors of numeric/eig.py (docs/mutation.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from numeric.eig import _to_fraction, lambda_min


def test_diagonal_float_input_has_the_exact_value_as_estimate():
    # "estimate is a float point estimate": for a diagonal A it is lambda_min itself, not NaN
    enc = lambda_min(np.diag([3.0, 1.5, 2.0]))
    assert enc.method == "exact" and enc.lo == enc.hi == 1.5
    assert enc.estimate == 1.5
    enc = lambda_min(np.diag([3.0, 1.5]), abs_err=0.25)
    assert enc.lo <= 1.25 and enc.hi >= 1.75 and abs(enc.estimate - 1.5) < 1e-15


def test_multiple_eigenvalue_ldl_certificate_succeeds_at_its_first_shift():
    # lambda_1 = lambda_2 = 0 (integer Gram of rank 30 < 60).  Stage 2 shifts by
    # delta = 8 n^2 2^-P + 4 eps below rho; as 8 n^2 exceeds the certificate's worst-case slack
    # n(n-1)/2 + n (in units 2^-P), the first LDL^T attempt must succeed, and its width
    # (<= ~8.5 n^2 2^-P + 4 eps, 2^-P = 10^-dps 2^-(2 bitlen(n) + 8) relative to max|a_ij|)
    # is a small fraction of the target 10^-dps max|a_ij|.
    rng = np.random.default_rng(3)
    X = rng.integers(-3, 4, size=(60, 30)).astype(float)
    A = X @ X.T
    A = np.triu(A) + np.triu(A, 1).T
    dps = 30
    enc = lambda_min(A, method="mpmath", dps=dps)
    assert enc.method == "mpmath-ldl" and enc.details["ldl_attempts"] == 1
    lo, hi = _to_fraction(enc.lo), _to_fraction(enc.hi)
    assert lo <= 0 <= hi
    assert hi - lo <= Fraction(1, 10 ** dps) * Fraction(float(np.max(np.abs(A)))) / 10


def test_stage_one_meeting_the_target_runs_no_further_stage():
    # _mpmath_enclosure: stages 2 (LDL^T) and 3 (mpmath eigsy) run "only while the target is
    # missed".  Here Kato-Temple alone gives hi - lo ~ 0.5e-30 <= 10^-30 |lambda_min|
    # (and <= 10^-30 max|a_ij|), i.e. 30 significant digits: no further stage may run.
    A = np.array([[0.9702239520201068, -0.060144986602875684, -0.11726633890919438],
                  [-0.060144986602875684, 0.9809891124317764, 0.1458658038037451],
                  [-0.11726633890919438, 0.1458658038037451, 0.9606293091240554]])
    dps = 30
    enc = lambda_min(A, method="mpmath", dps=dps)
    lo, hi = _to_fraction(enc.lo), _to_fraction(enc.hi)
    tol = Fraction(1, 10 ** dps)
    assert 0 < hi - lo <= tol * min(lo, Fraction(float(np.max(np.abs(A)))))
    assert enc.method == "mpmath-kato-temple"
    assert "stage" not in enc.details and "note" not in enc.details


def test_kato_temple_keeps_the_tightest_bound_when_refinement_is_misled():
    # _refine_and_bound: the refinement only steers v ("not part of the proof"); every iterate's
    # Kato-Temple bound rho - eps^2 / (b - rho) is proven, and the tightest is kept.  A float
    # eigendecomposition whose lam_2 is wrongly placed next to lam_1 makes the Newton step spoil v;
    # the result must still be at least the bound of the unrefined float eigenvector.
    import scipy.linalg

    from numeric.eig import _float_vec_to_ints, _kt_from_vector, _normalise, _refine_and_bound

    A = np.array([[0.5, 0.125, 0.0], [0.125, 0.75, 0.0625], [0.0, 0.0625, 0.875]])
    _, ex, _ = _normalise(A, want_exact=True)
    assert ex.k == 0  # max|a_ij| in [1/2, 1): A_s = A
    lam, Q = scipy.linalg.eigh(A)
    b = float(lam[1]) - 0.01  # a valid lower bound on lambda_2
    misled = lam.copy()
    misled[1] = lam[0] + 1e-10
    lo, hi, _, _ = _refine_and_bound(ex, misled, Q, b, 60)
    _, _, lo0 = _kt_from_vector(ex, _float_vec_to_ints(Q[:, 0], 64), Fraction(b))
    assert lo0 is not None and lo >= lo0 and lo <= hi
