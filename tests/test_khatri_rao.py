"""Row-wise Khatri-Rao products (paper, Section 2 notation) and the Gram identity
(F^{*r})(F^{*r})^T = (F F^T)^{o r} used by Lemmas 5.3-5.5."""
from __future__ import annotations

from hyp import examples
from fractions import Fraction
from math import comb

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.eig import _to_fraction, decide, lambda_min
from numeric.khatri_rao import (
    khatri_rao,
    khatri_rao_gram,
    khatri_rao_gram_with_error,
    khatri_rao_power,
)

SETTINGS = settings(max_examples=examples(30), deadline=None)


def rowwise_kron(A, B):
    return np.array([np.kron(a, b) for a, b in zip(A, B)])


@SETTINGS
@given(m=st.integers(1, 5), p=st.integers(1, 4), q=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_khatri_rao_rows_are_kronecker_products(m, p, q, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m, p)), rng.standard_normal((m, q))
    K = khatri_rao(A, B)
    assert K.shape == (m, p * q)
    assert np.array_equal(K, rowwise_kron(A, B))  # each entry is one product: bitwise equal


@SETTINGS
@given(N=st.integers(1, 5), n=st.integers(1, 4), r=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_power_is_iterated_rowwise_kronecker(N, n, r, seed):
    F = np.random.default_rng(seed).integers(-3, 4, size=(N, n)).astype(float)
    expected = F
    for _ in range(r - 1):
        expected = rowwise_kron(expected, F)
    K = khatri_rao_power(F, r)
    assert K.shape == (N, n ** r)
    assert np.array_equal(K, expected)


@SETTINGS
@given(N=st.integers(1, 6), n=st.integers(1, 4), r=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_gram_equals_hadamard_power_exactly_on_integers(N, n, r, seed):
    # small integers: every float operation is exact, so the identity must hold bit for bit
    F = np.random.default_rng(seed).integers(-3, 4, size=(N, n)).astype(float)
    K = khatri_rao_power(F, r)
    G = khatri_rao_gram(F, r)
    assert np.array_equal(G, K @ K.T)
    assert np.array_equal(G, G.T)


@settings(max_examples=examples(15), deadline=None)
@given(N=st.integers(1, 5), n=st.integers(1, 3), r=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_exact_gram_and_rigorous_error_bound(N, n, r, seed):
    F = np.random.default_rng(seed).standard_normal((N, n))
    # exact reference with Fractions from the explicit Khatri-Rao rows
    rows = [[Fraction(x) for x in row] for row in F]
    kr = rows
    for _ in range(r - 1):
        kr = [[a * b for a in ka for b in fb] for ka, fb in zip(kr, rows)]
    exact = [[sum(a * b for a, b in zip(kr[i], kr[j])) for j in range(N)] for i in range(N)]
    Ge = khatri_rao_gram(F, r, exact=True)
    assert isinstance(Ge, mpmath.matrix)
    assert all(_to_fraction(Ge[i, j]) == exact[i][j] for i in range(N) for j in range(N))
    G, err = khatri_rao_gram_with_error(F, r)
    fro2 = sum((Fraction(G[i, j]) - exact[i][j]) ** 2 for i in range(N) for j in range(N))
    assert fro2 <= Fraction(err) ** 2
    assert err <= 1e-12 * max(1.0, float(np.linalg.norm(G)))  # and it is not vacuous


def test_float_gram_with_error_encloses_exact_lambda_min():
    F = np.random.default_rng(3).standard_normal((8, 3))
    G, err = khatri_rao_gram_with_error(F, 2)
    exact_enc = lambda_min(khatri_rao_gram(F, 2, exact=True), dps=30)
    flt = lambda_min(G, abs_err=err)
    assert _to_fraction(flt.lo) <= _to_fraction(exact_enc.lo)
    assert _to_fraction(exact_enc.hi) <= _to_fraction(flt.hi)


def test_gram_is_singular_beyond_symmetric_tensor_dimension():
    # rows of F^{*r} are symmetric tensors: rank <= C(n + r - 1, r).  With N above that the exact
    # Gram is singular, and the certified decider must refuse "lambda_min > 0" (negative control),
    # while for N below it the same decider proves positivity.
    n, r = 2, 2
    rng = np.random.default_rng(5)
    F_big = rng.standard_normal((comb(n + r - 1, r) + 2, n))
    singular = khatri_rao_gram(F_big, r, exact=True)
    assert decide(singular, ">", 0.0, max_dps=30).result is not True
    enc = lambda_min(singular, dps=30)
    assert _to_fraction(enc.lo) <= 0 <= _to_fraction(enc.hi)
    F_small = rng.standard_normal((comb(n + r - 1, r), n))
    assert decide(khatri_rao_gram(F_small, r, exact=True), ">", 0.0).result is True


def test_validation():
    F = np.ones((3, 2))
    for bad_r in (0, -1):
        with pytest.raises(ValueError, match="r must be >= 1"):
            khatri_rao_power(F, bad_r)
    for bad_r in (1.5, True, "2"):
        with pytest.raises(TypeError):
            khatri_rao_gram(F, bad_r)
    with pytest.raises(ValueError, match="same number of rows"):
        khatri_rao(np.ones((3, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        khatri_rao_gram(np.array([[1.0, np.nan]]), 2)
    with pytest.raises(ValueError, match="2-D"):
        khatri_rao(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="at least one"):
        khatri_rao_power(np.ones((0, 2)), 2)
    with pytest.raises(ValueError, match="entries"):
        khatri_rao_power(np.ones((10, 100)), 5)
    with pytest.raises(TypeError):
        khatri_rao(np.ones((2, 2), dtype=complex), np.ones((2, 2)))
