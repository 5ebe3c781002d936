"""Exact Khatri-Rao / Hadamard (Schur product) identities used in the proofs, on SymPy matrices.

Notation of the paper (Section 2): for A, B with m rows, A o B is the Hadamard product and
A * B = [A_1 (x) B_1, ..., A_m (x) B_m]^T the row-wise Khatri-Rao product; F^{*r} = F * ... * F
(r factors) and P^{o r} the r-th Hadamard power.  Identities checked (each checker returns the
expanded difference matrix, which is the zero matrix iff the identity holds):

    (A * B)(A * B)^T = (A A^T) o (B B^T)                      `khatri_rao_gram_residual`
    (F^{*r})(F^{*r})^T = (F F^T)^{o r}                        `khatri_rao_power_residual`
    P o Q = (P - lam I) o Q + lam diag(Q_11, ..., Q_NN)       `schur_shift_residual`

The last is the step behind Schur's bound lambda_min(P o Q) >= lambda_min(P) min_i Q_ii.
"""

from __future__ import annotations

import numbers

import sympy as sp

__all__ = [
    "khatri_rao",
    "khatri_rao_power",
    "hadamard",
    "hadamard_power",
    "khatri_rao_gram_residual",
    "khatri_rao_power_residual",
    "schur_shift_rhs",
    "schur_shift_residual",
    "is_zero_matrix",
]


def _as_matrix(M, name: str) -> sp.Matrix:
    """An immutable SymPy matrix with at least one row and column; TypeError/ValueError otherwise."""
    try:
        M = sp.ImmutableMatrix(M)
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise TypeError(f"{name} must be a matrix (SymPy Matrix or nested list): {exc}") from None
    if M.rows < 1 or M.cols < 1:
        raise ValueError(f"{name} must have at least one row and one column, got shape {M.shape}")
    if any(e.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for e in M):
        raise ValueError(f"{name} has a non-finite entry")
    return M


def _check_power(r) -> int:
    if isinstance(r, bool) or not isinstance(r, (numbers.Integral, sp.Integer)) or int(r) < 0:
        raise ValueError(f"r must be an integer >= 0, got {r!r}")
    return int(r)


def khatri_rao(A, B) -> sp.ImmutableMatrix:
    """Row-wise Khatri-Rao product A * B: row i is A_i (x) B_i = [A_i1 B_i, ..., A_in B_i].

    A is m x n, B is m x p; the result is m x (n p).  ValueError if the row counts differ.
    """
    A, B = _as_matrix(A, "A"), _as_matrix(B, "B")
    if A.rows != B.rows:
        raise ValueError(f"A and B need the same number of rows, got {A.rows} and {B.rows}")
    rows = [sp.kronecker_product(A.row(i), B.row(i)) for i in range(A.rows)]
    return sp.ImmutableMatrix(sp.Matrix.vstack(*rows))


def khatri_rao_power(F, r: int) -> sp.ImmutableMatrix:
    """F^{*r} = F * F * ... * F (r factors), N x n^r; F^{*0} is the N x 1 column of ones (the
    empty Kronecker product), consistent with (F F^T)^{o 0} = all-ones."""
    F, r = _as_matrix(F, "F"), _check_power(r)
    power = sp.ImmutableMatrix.ones(F.rows, 1)
    for _ in range(r):
        power = khatri_rao(power, F)
    return power


def hadamard(A, B) -> sp.ImmutableMatrix:
    """Hadamard (entry-wise, Schur) product A o B; ValueError unless the shapes agree."""
    A, B = _as_matrix(A, "A"), _as_matrix(B, "B")
    if A.shape != B.shape:
        raise ValueError(f"A and B need the same shape, got {A.shape} and {B.shape}")
    return sp.ImmutableMatrix(A.multiply_elementwise(B))


def hadamard_power(P, r: int) -> sp.ImmutableMatrix:
    """P^{o r}, the r-th Hadamard power (P^{o 0} is the all-ones matrix)."""
    P, r = _as_matrix(P, "P"), _check_power(r)
    return sp.ImmutableMatrix(P.applyfunc(lambda e: e**r))


def _expanded(M) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(M.applyfunc(lambda e: sp.simplify(sp.expand(e))))


def is_zero_matrix(M) -> bool:
    """True iff every entry of M is exactly zero."""
    return all(e == 0 for e in sp.ImmutableMatrix(M))


def khatri_rao_gram_residual(A, B, kr=None, had=None) -> sp.ImmutableMatrix:
    """(A * B)(A * B)^T - (A A^T) o (B B^T), expanded; zero iff the identity holds.

    kr, had: the Khatri-Rao and Hadamard products to test (defaults `khatri_rao`, `hadamard`).
    """
    kr = khatri_rao if kr is None else kr
    had = hadamard if had is None else had
    A, B = _as_matrix(A, "A"), _as_matrix(B, "B")
    K = kr(A, B)
    return _expanded(K * K.T - had(A * A.T, B * B.T))


def khatri_rao_power_residual(F, r: int, power=None, had_power=None) -> sp.ImmutableMatrix:
    """(F^{*r})(F^{*r})^T - (F F^T)^{o r}, expanded; zero iff the identity holds.

    power, had_power: the Khatri-Rao power and Hadamard power to test (defaults
    `khatri_rao_power`, `hadamard_power`).
    """
    power = khatri_rao_power if power is None else power
    had_power = hadamard_power if had_power is None else had_power
    F, r = _as_matrix(F, "F"), _check_power(r)
    K = power(F, r)
    return _expanded(K * K.T - had_power(F * F.T, r))


def schur_shift_rhs(P, Q, lam) -> sp.ImmutableMatrix:
    """(P - lam I) o Q + lam diag(Q_11, ..., Q_NN), the right-hand side of the shift identity."""
    n = P.rows
    return hadamard(P - lam * sp.eye(n), Q) + lam * sp.diag(*[Q[i, i] for i in range(n)])


def schur_shift_residual(P, Q, lam, had=None, rhs=None) -> sp.ImmutableMatrix:
    """P o Q - [(P - lam I) o Q + lam diag(Q_11, ..., Q_NN)], expanded; zero iff the identity holds.

    P, Q square of the same size, lam a scalar or symbol.  had (default `hadamard`) is the product
    on the left; rhs(P, Q, lam) (default `schur_shift_rhs`) the right-hand side under test.
    """
    had = hadamard if had is None else had
    rhs = schur_shift_rhs if rhs is None else rhs
    P, Q = _as_matrix(P, "P"), _as_matrix(Q, "Q")
    if not P.is_square or P.shape != Q.shape:
        raise ValueError(f"P and Q must be square of the same size, got {P.shape} and {Q.shape}")
    lam = sp.sympify(lam)
    if lam.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise ValueError(f"lam must be finite, got {lam}")
    return _expanded(had(P, Q) - rhs(P, Q, lam))
