"""Kills mutmut survivors of numeric/lipschitz.py (Lemma 6.1 witnesses, Theorem 6.2 search)."""
import math

import numpy as np
import pytest

from hyp import gaussian_weights
from numeric.lipschitz import (
    difference_quotient_witness,
    empty_set_witness,
    lemma_6_1_rhs,
    lipschitz_exact,
    lipschitz_lower_estimate,
    nongeneric_witness,
    zero_column_witness,
)
from numeric.regions import enumerate_regions


def test_linear_map_has_one_region_without_facets_and_quotient_its_operator_norm():
    # k = 1: g_1(z) = W_1^T z is linear on all of R^d (margin inf); the quotient is ||W_1||_op
    W1 = np.array([[3.0, 0.0, 1.0], [0.0, 1.0, -2.0]])
    wit = difference_quotient_witness([W1], np.array([0.5, -0.25]))
    assert wit.margin == math.inf and wit.same_region
    assert wit.jac_norm == pytest.approx(np.linalg.norm(W1, 2), rel=1e-14)
    assert wit.quotient == pytest.approx(wit.jac_norm, rel=1e-12)
    assert np.linalg.norm(wit.z2 - wit.z1) > 0


def test_nongeneric_witness_reports_its_regions():
    # g_3 = sigma(-z) + 10 sigma(z): the region z < 0 has the only non-zero pattern and ||J|| = 1,
    # the region z > 0 has a vanishing neuron (a 0 in its pattern) and ||J|| = 10
    w = nongeneric_witness()
    P, opn = w["patterns"], w["opnorms"]
    assert P.shape == (2, 5) and opn.shape == (2,)
    full = np.all(P != 0, axis=1)
    assert full.sum() == 1
    assert opn[full][0] == pytest.approx(1.0) == w["rhs_34"]
    assert opn[~full][0] == pytest.approx(10.0) == w["lipschitz"]


def test_zero_column_witness_defaults_to_column_0_of_W1():
    W = gaussian_weights(2, [3, 3], n_out=2, seed=5)
    w = zero_column_witness(W)
    assert np.all(w["weights"][0][:, 0] == 0.0)
    np.testing.assert_array_equal(w["weights"][0][:, 1:], W[0][:, 1:])
    for A, B in zip(w["weights"][1:], W[1:]):
        np.testing.assert_array_equal(A, B)
    assert w["lipschitz"] == pytest.approx(lipschitz_exact(w["weights"]).value, rel=1e-12)


def test_zero_column_witness_is_not_applicable():
    w = zero_column_witness(gaussian_weights(2, [4, 4], n_out=2, seed=3), layer=1, column=2)
    assert w["rhs_34"] is None and w["complete"]
    assert w["status"] == "not-applicable"


def test_empty_set_witness_probability_is_2_to_minus_n1_n2():
    w = empty_set_witness()
    W2 = w["weights"][1]
    assert np.all(W2 <= 0)  # the event W_2 <= 0 entrywise
    n1, n2 = W2.shape
    assert w["probability"] == 2.0 ** (-n1 * n2) == 2.0 ** (-6)


def test_empty_set_witness_default_seed_is_0():
    a, b = empty_set_witness(), empty_set_witness(seed=0)
    for A, B in zip(a["weights"], b["weights"]):
        np.testing.assert_array_equal(A, B)
    assert lemma_6_1_rhs(enumerate_regions(a["weights"])) is None


def test_lower_estimate_counts_every_jacobian_evaluation():
    # each start: 1 evaluation, then at least one step of n_candidates + 2 candidates (at most n_steps)
    W = gaussian_weights(2, [4, 4], seed=2)
    n_starts, n_steps, n_cand = 3, 5, 7
    est = lipschitz_lower_estimate(W, n_starts=n_starts, n_steps=n_steps, n_candidates=n_cand)
    assert n_starts * (1 + (n_cand + 2)) <= est.evaluations <= n_starts * (1 + n_steps * (n_cand + 2))
