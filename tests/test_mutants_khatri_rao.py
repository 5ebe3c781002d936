"""The rigorous error bound of `khatri_rao_gram_with_error` is the a-priori bound stated in its
docstring (Higham's standard model), evaluated with upward rounding: never below that bound (else
it is not a proof) and at most a few ulps above it (else it is a different, weaker bound).
Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import importlib
import math
from fractions import Fraction

import numpy as np
import pytest

from numeric.khatri_rao import khatri_rao_gram, khatri_rao_gram_with_error, khatri_rao_power

U = Fraction(1, 2 ** 53)
ETA = Fraction(1, 2 ** 1075)  # underflow error of one product


def gamma_exact(n: int) -> Fraction:
    return n * U / (1 - n * U)


def stated_bound_squared(F: np.ndarray, r: int) -> Fraction:
    """||E||_F^2 of the docstring's entrywise bound E, in exact rational arithmetic."""
    N, d = F.shape
    G1 = F @ F.T
    G1 = np.triu(G1) + np.triu(G1, 1).T  # the float Gram the routine itself forms
    gd, gr = gamma_exact(d), gamma_exact(r - 1)
    total = Fraction(0)
    for i in range(N):
        for j in range(N):
            c = sum(abs(Fraction(F[i, k])) * abs(Fraction(F[j, k])) for k in range(d))
            e1 = gd * c + d * ETA * (1 + gd)
            if r == 1:
                e = e1
            else:
                m = abs(Fraction(G1[i, j])) + e1
                e = r * m ** (r - 1) * e1 + gr * m ** r + (r - 1) * ETA * (1 + gr) * max(1, m) ** r
            total += e * e
    return total


@pytest.mark.parametrize("r", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_error_bound_is_the_stated_bound_rounded_up(r, seed):
    F = np.random.default_rng(seed).standard_normal((4, 3))
    G, err = khatri_rao_gram_with_error(F, r)
    exact_sq = stated_bound_squared(F, r)
    assert exact_sq <= Fraction(err) ** 2  # not below the proof's bound
    assert err <= math.sqrt(float(exact_sq)) * (1 + 1e-12)  # and not a looser one
    assert np.array_equal(G, khatri_rao_gram(F, r))


def test_error_bound_dominates_the_true_error_on_integer_data():
    # integers: the float Gram is exact for r = 1, so the bound is pure pessimism but must be > 0
    F = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 5.0]])
    G, err = khatri_rao_gram_with_error(F, 1)
    assert np.array_equal(G, F @ F.T) and 0.0 < err < 1e-12


def test_khatri_rao_first_power_is_a_copy_not_an_alias():
    F = np.arange(6.0).reshape(3, 2)
    P = khatri_rao_power(F, 1)
    assert np.array_equal(P, F)
    P[0, 0] = 99.0
    assert F[0, 0] == 0.0


def test_complex_factors_are_refused_not_silently_truncated():
    with pytest.raises(TypeError):
        khatri_rao_gram(np.array([[1.0 + 2.0j, 0.0]]), 2)


def test_error_bound_of_a_high_power_that_underflows_stays_at_the_underflow_floor():
    # |F F^T| < 1 entrywise, so M < 1 and M^r underflows for r = 600: of the stated bound only the
    # underflow term (r - 1) eta (1 + gamma_{r-1}) max(1, M)^r = ~(r - 1) eta per entry remains;
    # its Frobenius norm (with the norm's own underflow allowance) is ~1e-161, far below 1e-150.
    F = 0.3 * np.random.default_rng(0).standard_normal((3, 2))
    r = 600
    G, err = khatri_rao_gram_with_error(F, r)
    assert np.all(G == 0.0)
    assert 0.0 < err < 1e-150


def test_khatri_rao_refuses_products_above_the_entry_limit(monkeypatch):
    # the documented refusal: "the product would have m p q entries (limit ...)"
    kr = importlib.import_module("numeric.khatri_rao")  # the package exports a function of that name
    monkeypatch.setattr(kr, "_MAX_ENTRIES", 1000)
    A, B = np.ones((10, 10)), np.ones((10, 10))  # m p q = 1000: allowed
    assert kr.khatri_rao(A, B).shape == (10, 100)
    with pytest.raises(ValueError, match="would have 2000 entries"):
        kr.khatri_rao(np.ones((10, 20)), np.ones((10, 10)))
    with pytest.raises(ValueError, match="would have 4000 entries"):
        kr.khatri_rao(np.ones((10, 20)), np.ones((10, 20)))
