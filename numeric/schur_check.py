r"""Certified check of Schur's product inequality (Schur, 1911), used in the proof of Theorem 3.2
and to obtain (24) in the proof of Theorem 4.1: for PSD ``P, Q``,

    ``lambda_min(P \circ Q) >= lambda_min(P) min_i Q_ii``.

:func:`check_schur` encloses both sides with :func:`numeric.eig.lambda_min`, certifies the
hypotheses (``P`` and ``Q`` PSD) with :func:`numeric.eig.decide`, and gives a verdict:

``verified``        the inequality is proven for this instance (so "hypotheses => inequality" holds,
                    whether or not the hypotheses could be certified);
``counterexample``  the hypotheses are certified and the inequality is proven false;
``not-applicable``  ``P`` or ``Q`` is proven not PSD (the inequality may then fail: ``inequality``
                    still reports what the enclosures prove);
``inconclusive``    otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import libmp

from .eig import Decision, Enclosure, _float_to_ints, _to_fraction, decide, lambda_min
from .interval import TINY, U, Interval, round_up, upper_fro_norm

__all__ = ["SchurCheck", "check_schur"]


@dataclass(frozen=True)
class SchurCheck:
    """Result of :func:`check_schur`.

    ``lhs`` encloses ``lambda_min(P o Q)``; ``rhs`` (float Interval) encloses
    ``lambda_min(P) min_i Q_ii``; ``margin`` encloses ``lhs - rhs``.  ``inequality`` is ``holds``,
    ``fails`` or ``undecided`` as proven by the enclosures; ``hypotheses`` is ``certified``,
    ``violated`` or ``undecided`` for "P and Q are PSD"."""

    verdict: str
    inequality: str
    hypotheses: str
    lhs: Enclosure
    rhs: Interval
    margin: Interval
    p_min: Enclosure
    q_diag_min: float
    p_psd: Decision
    q_psd: Decision
    method: str
    details: dict = field(default_factory=dict, compare=False, hash=False)

    def evidence(self) -> dict:
        """JSON-ready evidence for a report check."""
        return {
            "lhs": [float(self.lhs.lo), float(self.lhs.hi)],
            "rhs": [self.rhs.lo, self.rhs.hi],
            "margin": [self.margin.lo, self.margin.hi],
            "lambda_min_P": [float(self.p_min.lo), float(self.p_min.hi)],
            "min_diag_Q": self.q_diag_min,
            "P_psd": self.p_psd.result,
            "Q_psd": self.q_psd.result,
            "inequality": self.inequality,
            "hypotheses": self.hypotheses,
            "method": self.method,
        }


def _check_pair(P, Q) -> tuple[np.ndarray, np.ndarray]:
    arrs = []
    for name, M in (("P", P), ("Q", Q)):
        if isinstance(M, mpmath.matrix):
            raise TypeError(f"{name} must be a float NumPy array")
        a = np.asarray(M)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{name} must be a real float array, got dtype {a.dtype}")
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
            raise ValueError(f"{name} must be a non-empty square matrix, got shape {a.shape}")
        a = a.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or infinite entries")
        if not np.array_equal(a, a.T):
            raise ValueError(f"{name} is not exactly symmetric; symmetrize it first")
        arrs.append(a)
    if arrs[0].shape != arrs[1].shape:
        raise ValueError(f"P and Q must have the same shape, got {arrs[0].shape} and {arrs[1].shape}")
    return arrs[0], arrs[1]


def _hadamard_exact(P: np.ndarray, Q: np.ndarray) -> mpmath.matrix:
    """The exact ``P o Q`` (float entries taken exactly) as an mpmath matrix of exact mpf."""
    Xp, ep = _float_to_ints(P)
    Xq, eq = _float_to_ints(Q)
    H = Xp * Xq
    e = ep + eq
    rows = [[mpmath.mp.make_mpf(libmp.from_man_exp(int(x), e)) for x in row] for row in H]
    return mpmath.matrix(rows)


def _sides(lhs: Enclosure, p_min: Enclosure, qmin: float, factor: float):
    """Exact-rational comparison of ``lhs`` with ``factor [p_min] qmin``; returns
    (inequality, rhs Interval, margin Interval)."""
    q = Fraction(qmin) * Fraction(factor)
    cands = [_to_fraction(p_min.lo) * q, _to_fraction(p_min.hi) * q]
    r_lo, r_hi = min(cands), max(cands)
    l_lo, l_hi = _to_fraction(lhs.lo), _to_fraction(lhs.hi)
    if l_lo >= r_hi:
        ineq = "holds"
    elif l_hi < r_lo:
        ineq = "fails"
    else:
        ineq = "undecided"
    rhs = Interval(Interval.point(r_lo).lo, Interval.point(r_hi).hi)
    margin = Interval(Interval.point(l_lo - r_hi).lo, Interval.point(l_hi - r_lo).hi)
    return ineq, rhs, margin


def check_schur(P, Q, max_dps: int = 60, factor: float = 1.0) -> SchurCheck:
    r"""Check ``lambda_min(P o Q) >= factor lambda_min(P) min_i Q_ii`` for exactly symmetric float
    matrices ``P, Q`` (Schur 1911, as used for (24), has ``factor = 1``; a ``factor > 1`` states a
    stronger inequality that is false in general and serves as a negative control).

    ``P o Q`` is formed in floats with the rigorous rounding bound
    ``||fl(P o Q) - P o Q||_F <= u ||fl(P o Q)||_F + n eta`` passed as ``abs_err``.  When the
    certified float enclosures cannot decide, both sides are recomputed at 30, 60, ... digits (up
    to ``max_dps``) on the exact ``P o Q``."""
    P, Q = _check_pair(P, Q)
    if (isinstance(factor, (bool, np.bool_))
            or not isinstance(factor, (int, float, np.integer, np.floating))
            or not math.isfinite(factor)):
        raise ValueError(f"factor must be a finite real number, got {factor!r}")
    n = P.shape[0]
    qmin = float(np.min(np.diag(Q)))
    p_psd = decide(P, ">=", 0.0, max_dps=max_dps)
    q_psd = decide(Q, ">=", 0.0, max_dps=max_dps)
    if p_psd.result is False or q_psd.result is False:
        hyp = "violated"
    elif p_psd.result and q_psd.result:
        hyp = "certified"
    else:
        hyp = "undecided"

    PQ = P * Q
    had_err = round_up(round_up(U * upper_fro_norm(PQ)) + n * TINY)
    lhs = lambda_min(PQ, method="certified", abs_err=had_err)
    p_min = lambda_min(P, method="certified")
    ineq, rhs, margin = _sides(lhs, p_min, qmin, float(factor))
    method = "certified"
    if ineq == "undecided":
        exact_pq = None
        dps = min(30, max_dps)
        while True:
            if exact_pq is None:
                exact_pq = _hadamard_exact(P, Q)
            lhs = lambda_min(exact_pq, method="mpmath", dps=dps)
            p_min = lambda_min(P, method="mpmath", dps=dps)
            ineq, rhs, margin = _sides(lhs, p_min, qmin, float(factor))
            method = "high-precision"
            if ineq != "undecided" or dps >= max_dps:
                break
            dps = min(2 * dps, max_dps)

    if hyp == "violated":
        verdict = "not-applicable"
    elif ineq == "holds":
        verdict = "verified"
    elif ineq == "fails" and hyp == "certified":
        verdict = "counterexample"
    else:
        verdict = "inconclusive"
    return SchurCheck(verdict, ineq, hyp, lhs, rhs, margin, p_min, qmin, p_psd, q_psd, method,
                      details={"hadamard_rounding_bound": had_err, "n": n, "factor": factor})
