"""Gram matrices of hidden-layer features with error bounds (numeric/feature_gram.py).  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numeric.feature_gram import features_with_error, gaussian_first_layer_mean, relu_gram_expectation
from numeric.interval import TINY
from numeric.rational import to_fraction


def test_arccos_expectation_diagonal_is_exactly_beta2_norm2_over_2():
    """Docstring: the diagonal entries beta^2 ||F_i||^2 / 2 are exact, also when that number has far
    more bits than the working precision (entries of very different magnitudes, dps = 15)."""
    rng = np.random.default_rng(8)
    F = rng.standard_normal((3, 4)) * np.array([1.0, 2.0**-70, 2.0**40, 3.0**-20])
    beta = 0.7
    M, _ = relu_gram_expectation(F, beta=beta, dps=15)
    for i in range(3):
        exact = Fraction(beta) ** 2 * sum(Fraction(float(v)) ** 2 for v in F[i]) / 2
        assert to_fraction(M[i, i]) == exact


def test_first_layer_mean_bound_holds_when_the_squares_underflow():
    """|mu - mu_true| <= err must hold for a column w of d = 100 entries whose squares all
    underflow to 0 in float64: mu = 0 while ||w|| / sqrt(2 pi) ~ 0.28 sqrt(d 2^-1074) is not 0,
    which the underflow allowance (it grows with the length d of the sum) has to cover."""
    w = 0.7 * math.sqrt(TINY)  # w^2 = 0.49 * 2^-1074 rounds to 0
    W = np.full((100, 1), w)
    assert w > 0.0 and w * w == 0.0
    mu, err = gaussian_first_layer_mean(W)
    with mpmath.workdps(40):
        true = mpmath.sqrt(100 * mpmath.mpf(w) ** 2) / mpmath.sqrt(2 * mpmath.pi)
        assert abs(mpmath.mpf(float(mu[0])) - true) <= mpmath.mpf(float(err[0]))


@pytest.mark.parametrize("k", [-1, -2, 3, 1.0, True])
def test_features_with_error_layer_index_must_be_in_0_to_L(k):
    W = [np.eye(2), np.eye(2)]
    with pytest.raises(ValueError):
        features_with_error(W, np.ones((1, 2)), k)


def _exact_features(weights, X):
    F = [[Fraction(float(v)) for v in row] for row in X]
    for W in weights:
        Wf = [[Fraction(float(v)) for v in row] for row in W]
        F = [[max(Fraction(0), sum((r[a] * Wf[a][b] for a in range(len(r))), Fraction(0)))
              for b in range(len(Wf[0]))] for r in F]
    return F


def test_features_error_bound_carries_the_earlier_layers_errors():
    """Delta_l = gamma_n |F_{l-1}||W_l| + Delta_{l-1}|W_l|: the layer-1 rounding error of
    1 + 1.5u - 1 (u = 2^-53; exact 1.5u, rounded 2u when 1 + 1.5u is formed first) survives to
    layer 2, where the fresh rounding term gamma_1 |F_1| |W_2| ~ 2u^2 is far smaller. The six
    orders of the three summands make the rounding happen whatever order the dot product uses."""
    u = 2.0**-53
    X = np.array(list(itertools.permutations([1.0, 1.5 * u, -1.0])))
    weights = [np.ones((3, 1)), np.array([[1.0]])]
    F2, Delta = features_with_error(weights, X, 2)
    exact = _exact_features(weights, X)
    errs = [abs(Fraction(float(F2[i, 0])) - exact[i][0]) for i in range(len(X))]
    assert max(errs) > 0  # float64 did round somewhere
    for i in range(len(X)):
        assert errs[i] <= Fraction(float(Delta[i, 0]))
