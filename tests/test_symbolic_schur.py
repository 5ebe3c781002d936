"""Khatri-Rao / Hadamard identities on symbolic matrices, with negative controls."""

from hyp import examples
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symbolic import (
    hadamard,
    hadamard_power,
    is_zero_matrix,
    khatri_rao,
    khatri_rao_gram_residual,
    khatri_rao_power,
    khatri_rao_power_residual,
    schur_shift_residual,
)


def _symbolic(name, rows, cols):
    return sp.Matrix(rows, cols, sp.symbols(f"{name}0:{rows * cols}", real=True))


def _rows_mismatched_kr(A, B):
    """A_i (x) B_{i+1 mod m}: a false Khatri-Rao product."""
    m = A.rows
    return sp.Matrix.vstack(*[sp.kronecker_product(A.row(i), B.row((i + 1) % m)) for i in range(m)])


def test_khatri_rao_concrete_example():
    A = sp.Matrix([[1, 2], [3, 4]])
    B = sp.Matrix([[5, 6], [7, 8]])
    assert khatri_rao(A, B) == sp.Matrix([[5, 6, 10, 12], [21, 24, 28, 32]])


@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31))
@settings(max_examples=examples(25), deadline=None)
def test_khatri_rao_matches_numpy_rowwise_kron(m, n, p, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-5, 6, size=(m, n))
    B = rng.integers(-5, 6, size=(m, p))
    expected = np.einsum("ij,ik->ijk", A, B).reshape(m, n * p)
    got = np.array(khatri_rao(sp.Matrix(A), sp.Matrix(B)).tolist(), dtype=np.int64)
    assert np.array_equal(got, expected)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
@settings(max_examples=examples(20), deadline=None)
def test_gram_identity_symbolic(m, n, p):
    assert is_zero_matrix(khatri_rao_gram_residual(_symbolic("a", m, n), _symbolic("b", m, p)))


@pytest.mark.parametrize("shape,r", [((2, 2), 0), ((2, 2), 1), ((3, 2), 2), ((2, 3), 2), ((3, 2), 3)])
def test_power_identity_symbolic(shape, r):
    F = _symbolic("f", *shape)
    assert is_zero_matrix(khatri_rao_power_residual(F, r))
    assert khatri_rao_power(F, r).shape == (shape[0], shape[1] ** r)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_schur_shift_identity_symbolic(n):
    lam = sp.Symbol("lam", real=True)
    assert is_zero_matrix(schur_shift_residual(_symbolic("p", n, n), _symbolic("q", n, n), lam))


def test_khatri_rao_factor_order_only_permutes_columns():
    # B_i (x) A_i is a column permutation of A_i (x) B_i, so the Gram identity still holds.
    A, B = _symbolic("a", 2, 2), _symbolic("b", 2, 3)
    swapped = lambda X, Y: khatri_rao(Y, X)  # noqa: E731
    assert is_zero_matrix(khatri_rao_gram_residual(A, B, kr=swapped))


# --- negative controls -------------------------------------------------------------------------


@pytest.mark.parametrize("m", [2, 3])
def test_mismatched_khatri_rao_rows_are_rejected(m):
    residual = khatri_rao_gram_residual(_symbolic("a", m, 2), _symbolic("b", m, 2), kr=_rows_mismatched_kr)
    assert not is_zero_matrix(residual)


def test_matrix_product_is_not_hadamard():
    A, B = _symbolic("a", 2, 2), _symbolic("b", 2, 2)
    assert not is_zero_matrix(khatri_rao_gram_residual(A, B, had=lambda P, Q: P * Q))


def test_power_with_wrong_number_of_factors_is_rejected():
    F = _symbolic("f", 2, 2)
    short = lambda F, r: khatri_rao_power(F, r - 1)  # noqa: E731
    assert not is_zero_matrix(khatri_rao_power_residual(F, 2, power=short))
    assert not is_zero_matrix(khatri_rao_power_residual(F, 2, had_power=lambda P, r: P**r))


def test_schur_shift_with_hadamard_forgetting_diagonal_is_rejected():
    lam = sp.Symbol("lam", real=True)
    P, Q = _symbolic("p", 2, 2), _symbolic("q", 2, 2)
    # a false "Hadamard product" that ignores the diagonal of its second factor
    off_diag = lambda X, Y: hadamard(X, Y - sp.diag(*[Y[i, i] for i in range(Y.rows)]))  # noqa: E731
    assert not is_zero_matrix(schur_shift_residual(P, Q, lam, had=off_diag))


def test_schur_shift_false_right_hand_sides_are_rejected():
    lam = sp.Symbol("lam", real=True)
    P, Q = _symbolic("p", 2, 2), _symbolic("q", 2, 2)
    no_diag = lambda P, Q, lam: hadamard(P - lam * sp.eye(2), Q)  # noqa: E731
    wrong_sign = lambda P, Q, lam: hadamard(P + lam * sp.eye(2), Q) + lam * sp.diag(Q[0, 0], Q[1, 1])  # noqa: E731
    assert not is_zero_matrix(schur_shift_residual(P, Q, lam, rhs=no_diag))
    assert not is_zero_matrix(schur_shift_residual(P, Q, lam, rhs=wrong_sign))


# --- input validation --------------------------------------------------------------------------


def test_bad_inputs_rejected():
    with pytest.raises(ValueError):
        khatri_rao(sp.ones(2, 2), sp.ones(3, 2))
    with pytest.raises(ValueError):
        hadamard(sp.ones(2, 2), sp.ones(2, 3))
    with pytest.raises(ValueError):
        khatri_rao_power(sp.ones(2, 2), -1)
    with pytest.raises(ValueError):
        hadamard_power(sp.ones(2, 2), 1.5)
    with pytest.raises(ValueError):
        khatri_rao(sp.zeros(0, 2), sp.zeros(0, 2))
    with pytest.raises(ValueError):
        schur_shift_residual(sp.ones(2, 3), sp.ones(2, 3), 1)
    with pytest.raises(ValueError):
        schur_shift_residual(sp.ones(2, 2), sp.ones(2, 2), sp.nan)
    with pytest.raises(ValueError):
        hadamard(sp.Matrix([[sp.oo]]), sp.Matrix([[1]]))
    with pytest.raises(TypeError):
        khatri_rao("not a matrix", sp.ones(1, 1))
