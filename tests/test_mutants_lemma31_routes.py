"""Kills mutmut survivors of numeric/lemma31_routes.py (docs/mutation.md)."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest

from numeric.lemma31_routes import (
    MonteCarloEstimate,
    compare_with_quadrature,
    mc_agreement,
    psd_sqrt,
    quadrature_entry,
    quadrature_layer,
)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (0, 0)])
def test_psd_sqrt_refuses_non_square_and_empty_matrices_naming_G(shape):
    # the validator's message names the argument (issue 6) and says what is wrong
    with pytest.raises(ValueError, match=r"^G must be a non-empty square matrix"):
        psd_sqrt(np.ones(shape))


def test_psd_sqrt_of_a_matrix_with_an_exact_zero_eigenvalue_and_rtol_zero():
    # rtol = 0: no noise is tolerated, but an eigenvalue exactly 0 is still PSD (w >= 0)
    G = np.diag([4.0, 0.0])
    assert np.array_equal(psd_sqrt(G, rtol=0.0), np.diag([2.0, 0.0]))
    assert np.array_equal(psd_sqrt(np.zeros((2, 2)), rtol=0.0), np.zeros((2, 2)))


def test_mc_agreement_refuses_k_zero():
    # "k must be a positive number": k = 0 standard errors is not a tolerance
    z = np.zeros((1, 1))
    est = MonteCarloEstimate(G=z, G_se=z, Gdot=z, Gdot_se=z, samples=2)
    assert mc_agreement(est, z, z, k=1.0)["agrees"]
    with pytest.raises(ValueError, match="^k must be a positive number"):
        mc_agreement(est, z, z, k=0)


def test_quadrature_layer_accepts_a_numpy_matrix():
    # 1 x 1, a = b = c = 1: G = 2 E[sigma(u)^2] = a = 1, Gdot = 2 P(u > 0) = 1
    G, Gd, err = quadrature_layer(np.array([[1.0]]), dps=15)
    assert abs(G[0, 0] - 1) < 1e-14 and abs(Gd[0, 0] - 1) < 1e-14 and 0 < err < 1e-14


def test_quadrature_layer_refuses_an_empty_numpy_matrix():
    with pytest.raises(ValueError, match=r"^G_prev must be a non-empty square matrix"):
        quadrature_layer(np.zeros((0, 0)), dps=15)


def test_quadrature_layer_error_is_the_maximum_over_all_entries():
    # the last entry (b = 0) is exact (error 0); the first one carries a positive tail bound
    G_prev = np.array([[1.0, 0.0], [0.0, 0.0]])
    G, Gd, err = quadrature_layer(G_prev, dps=15)
    e00 = quadrature_entry(1.0, 1.0, 1.0, 15)
    assert quadrature_entry(0.0, 0.0, 0.0, 15).G_error == 0
    assert err == max(e00.G_error, e00.Gdot_error) > 0
    assert G[1, 1] == 0 and Gd[0, 1] == 0


def test_compare_with_quadrature_agrees_when_the_difference_equals_tol():
    # docstring: "agrees: decided and both differences <= tol"; at a = 0 the quadrature is exact 0
    tol = 1e-40

    def kernel(a, b, c):
        return mpmath.mpf(0), mpmath.mpf(tol)

    res = compare_with_quadrature(kernel, covariances=[(0, 3, 0)], dps=50, tol=tol)
    assert res.decided and res.max_diff_Gdot == tol and res.max_diff_G == 0
    assert res.agrees
    res2 = compare_with_quadrature(kernel, covariances=[(0, 3, 0)], dps=50, tol=tol / 2)
    assert res2.decided and not res2.agrees
