"""Kills mutmut survivors of numeric/schur_check.py (docs/mutation.md)."""
from __future__ import annotations

from fractions import Fraction
import math

import numpy as np

from numeric.schur_check import check_schur

P = np.array([[2.0, 0.1], [0.1, 1.0]])
Q = np.array([[1.5, 0.3], [0.3, 0.7]])


def test_evidence_reports_min_diag_Q():
    res = check_schur(P, Q)
    ev = res.evidence()
    assert ev["min_diag_Q"] == 0.7 == res.q_diag_min
    assert ev["inequality"] == "holds" and res.verdict == "verified"


def test_details_carry_the_hadamard_rounding_bound_used_as_abs_err():
    # docstring: ||fl(P o Q) - P o Q||_F <= u ||fl(P o Q)||_F + n eta, passed as abs_err
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5))
    Y = rng.standard_normal((3, 5))
    A, B = X @ X.T, Y @ Y.T
    A, B = np.triu(A) + np.triu(A, 1).T, np.triu(B) + np.triu(B, 1).T
    res = check_schur(A, B, factor=1.0)
    d = res.details
    assert d["n"] == 3 and d["factor"] == 1.0
    bound = d["hadamard_rounding_bound"]
    true_sq = sum((Fraction(float(A[i, j] * B[i, j])) - Fraction(A[i, j]) * Fraction(B[i, j])) ** 2
                  for i in range(3) for j in range(3))
    assert true_sq <= Fraction(bound) ** 2
    fro = math.sqrt(float(np.sum((A * B) ** 2)))
    assert bound <= 2.0 ** -53 * fro * (1 + 1e-12) + 1e-300
    if res.method == "certified":
        assert res.lhs.abs_err == bound

