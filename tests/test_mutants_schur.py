"""The Schur-product shift identity (symbolic/schur.py) is only stated for finite lam and square
P, Q of one size: the checker must refuse the rest even when the right-hand side under test would
not notice.  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import pytest
import sympy as sp

from symbolic.schur import hadamard, is_zero_matrix, schur_shift_residual

P = sp.Matrix([[2, 1], [1, 3]])
Q = sp.Matrix([[1, -1], [-1, 4]])


@pytest.mark.parametrize("lam", [sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Symbol("t") + sp.oo])
def test_shift_identity_refuses_non_finite_lambda(lam):
    with pytest.raises(ValueError):
        schur_shift_residual(P, Q, lam)
    with pytest.raises(ValueError):  # also when the right-hand side under test ignores lam
        schur_shift_residual(P, Q, lam, rhs=lambda P_, Q_, lam_: hadamard(P_, Q_))


def test_shift_identity_holds_for_finite_and_symbolic_lambda():
    for lam in (0, 1, sp.Rational(-7, 3), sp.Symbol("lam")):
        assert is_zero_matrix(schur_shift_residual(P, Q, lam))


def test_shift_identity_refuses_non_square_even_with_a_shape_agnostic_rhs():
    A = sp.Matrix([[1, 2, 3], [4, 5, 6]])
    lenient = lambda P_, Q_, lam: hadamard(P_, Q_)  # would make the residual zero
    with pytest.raises(ValueError):
        schur_shift_residual(A, A, 1, rhs=lenient)
    with pytest.raises(ValueError):  # square but of different sizes
        schur_shift_residual(P, sp.eye(3), 1, rhs=lambda P_, Q_, lam: sp.zeros(2, 2))


@pytest.mark.parametrize("bad", [sp.nan, sp.zoo, sp.oo, -sp.oo, sp.Symbol("x") - sp.oo])
def test_matrices_with_non_finite_entries_are_refused(bad):
    M = sp.Matrix([[1, bad], [0, 1]])
    with pytest.raises(ValueError):
        hadamard(M, sp.eye(2))
    with pytest.raises(ValueError):
        hadamard(sp.eye(2), M)
