"""Rounding-error bounds of the empirical NTK (numeric/ntk_error.py).  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numeric.interval import gamma
from numeric.network import ReLUNetwork
from numeric.ntk_error import ntk_with_error


def _exact(A):
    return [[Fraction(float(v)) for v in row] for row in np.asarray(A)]


def _exact_gram(A):
    A = _exact(A)
    return [[sum((a * b for a, b in zip(r, s)), Fraction(0)) for s in A] for r in A]


def _net_and_data(L, seed=3):
    net = ReLUNetwork.init([3] + [4] * (L - 1) + [1], init="he", seed=seed)
    X = np.random.default_rng(seed + 1).standard_normal((4, 3))
    return net, X


def test_terms_must_be_a_nonempty_subset_of_the_layer_indices():
    """``terms`` ranges over k in [0, L-1]: an empty list, a negative k and k >= L are refused."""
    net, X = _net_and_data(3)
    for bad in ([], [-1], [-1, 1], [3], [0, 3]):
        with pytest.raises(ValueError):
            ntk_with_error(net, X, terms=bad)


def test_single_term_k0_is_the_first_summand_of_the_decomposition():
    """terms=[0]: K is F_0 F_0^T o B_1 B_1^T (Section 4.1, k = 0) within the returned bound E."""
    net, X = _net_and_data(3)
    K, E = ntk_with_error(net, X, terms=[0])
    feats = net.features(X)
    P, Q = _exact_gram(feats.F[0]), _exact_gram(feats.B[0])
    N = X.shape[0]
    for i in range(N):
        for j in range(N):
            assert abs(Fraction(float(K[i, j])) - P[i][j] * Q[i][j]) <= Fraction(float(E[i, j]))
    assert np.any(K != 0)


@pytest.mark.parametrize("L", [2, 3])
def test_accumulating_the_L_terms_adds_gamma_L_minus_1_times_their_magnitudes(L):
    """Docstring of ntk_with_error: the L terms are summed with L - 1 additions, which adds
    gamma_{L-1} sum_k |term_k| on top of the per-term bounds (each term alone has no addition)."""
    net, X = _net_and_data(L)
    _, E = ntk_with_error(net, X)
    per_term = sum(ntk_with_error(net, X, terms=[k])[1] for k in range(L))
    feats = net.features(X)
    mags = sum(
        (np.abs(F) @ np.abs(F).T) * (np.abs(B) @ np.abs(B).T) for F, B in zip(feats.F, feats.B)
    )
    assert np.all(E - per_term >= 0.999 * gamma(L - 1) * mags)

