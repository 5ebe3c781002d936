"""Lemma 6.1 and Theorem 6.2 machinery (numeric.lipschitz)."""
from hyp import examples, gaussian_weights
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.lipschitz import (
    check_jacobian,
    difference_quotient_witness,
    empty_set_witness,
    kink_differentiable_witness,
    kink_witness,
    lemma_6_1_lower_witness,
    lemma_6_1_rhs,
    lipschitz_exact,
    lipschitz_lower_estimate,
    naive_upper_bound,
    one_sided_derivatives,
    scaling_36,
    segment_check,
    zero_column_witness,
    nongeneric_witness,
)
from numeric.regions import activation_pattern, backprop_jacobian, enumerate_regions, preactivations


nets_2d = st.tuples(st.integers(0, 10_000), st.lists(st.integers(1, 6), min_size=1, max_size=3), st.integers(1, 3))


# ---------------------------------------------------------------------------------------------------
# Lemma 6.1: both directions


@settings(max_examples=examples(25), deadline=None)
@given(nets_2d)
def test_lower_witness_attains_the_maximal_jacobian_norm(net):
    seed, hidden, n_out = net
    W = gaussian_weights(2, hidden, n_out, seed)
    exact, wit = lemma_6_1_lower_witness(W)
    assert exact.complete and wit.same_region
    assert wit.jac_norm == pytest.approx(exact.value, rel=1e-12)
    assert wit.rel_gap < 1e-9  # the quotient is ||J||_op up to rounding


@settings(max_examples=examples(25), deadline=None)
@given(nets_2d, st.integers(0, 10_000))
def test_segment_check_never_exceeds_the_exact_constant(net, seed2):
    seed, hidden, n_out = net
    W = gaussian_weights(2, hidden, n_out, seed)
    L = lipschitz_exact(W).value
    rng = np.random.default_rng(seed2)
    for _ in range(5):
        z1, z2 = 3 * rng.standard_normal((2, 2))
        res = segment_check(W, z1, z2, L)
        assert res.ok, res
        assert res.quotient <= res.path * (1 + 1e-12) + 1e-300
        assert res.max_piece_opnorm <= L * (1 + 1e-12)


def test_random_pairs_never_beat_the_exact_constant_in_3d():
    W = gaussian_weights(3, [5, 5], n_out=2, seed=2)
    L = lipschitz_exact(W).value
    rng = np.random.default_rng(0)
    Z1, Z2 = rng.standard_normal((2, 20_000, 3))
    q = np.linalg.norm(preactivations(W, Z1)[-1] - preactivations(W, Z2)[-1], axis=1) / np.linalg.norm(Z1 - Z2, axis=1)
    assert q.max() <= L * (1 + 1e-12)
    assert L**2 <= naive_upper_bound(W)


def test_segment_check_rejects_a_too_small_constant():
    # negative control: along the top singular direction inside the maximal region the quotient is L
    W = gaussian_weights(2, [6, 6], n_out=2, seed=4)
    exact, wit = lemma_6_1_lower_witness(W)
    assert segment_check(W, wit.z1, wit.z2, exact.value).ok
    bad = segment_check(W, wit.z1, wit.z2, 0.99 * exact.value)
    assert not bad.ok
    assert bad.quotient > bad.bound


def test_segment_check_counts_the_regions_crossed():
    W = gaussian_weights(2, [5], seed=1)
    L = lipschitz_exact(W).value
    # a segment through the origin's opposite side crosses every line through 0 at most once
    res = segment_check(W, np.array([-3.0, -2.9]), np.array([3.0, 3.1]), L)
    assert res.ok and 1 <= res.pieces <= 6


# ---------------------------------------------------------------------------------------------------
# Jacobian checks, negative controls, kinks


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_backprop_jacobian_passes_and_wrong_jacobians_fail(seed, d):
    n = 5
    W = gaussian_weights(d, [n, n, n], n_out=n, seed=seed)
    z = np.random.default_rng(seed).standard_normal(d)
    J = backprop_jacobian(W, z)
    assert check_jacobian(W, z, J).ok
    masks = [np.diag((g > 0).astype(float)) for g in preactivations(W, z)[:-1]]
    no_masks = W[3].T @ W[2].T @ W[1].T @ W[0].T              # sigma' = 1 everywhere
    reversed_order = W[3].T @ masks[0] @ W[2].T @ masks[1] @ W[1].T @ masks[2] @ W[0].T
    transposed_middle = W[3].T @ masks[2] @ W[2] @ masks[1] @ W[1] @ masks[0] @ W[0].T
    for wrong in (no_masks, reversed_order, transposed_middle):
        if not np.allclose(wrong, J):
            assert not check_jacobian(W, z, wrong).ok


def test_kink_backprop_jacobian_matches_only_the_inactive_side():
    W = gaussian_weights(3, [5, 5], n_out=2, seed=0)
    kw = kink_witness(W, neuron=0)
    assert kw["zero_preactivations"] == 1
    assert not kw["differentiable"]
    # sigma'(0) = 0 reproduces the side where the neuron is off, sigma'(0) = 1 the side where it is on
    on_bp, off_bp = kw["error_bp"]
    on_s1, off_s1 = kw["error_sigma1"]
    scale = np.linalg.norm(kw["D_plus"]) + np.linalg.norm(kw["D_minus"])
    assert off_bp <= 1e-9 * scale and on_s1 <= 1e-9 * scale
    assert on_bp > 1e-3 * scale and off_s1 > 1e-3 * scale
    # so neither convention passes the derivative check at the kink
    z = kw["z"]
    assert not check_jacobian(kw["weights"], z, kw["J_bp"]).ok
    assert not check_jacobian(kw["weights"], z, kw["J_sigma1"]).ok


def test_kink_where_g_is_differentiable_but_backprop_is_wrong():
    kd = kink_differentiable_witness()
    assert kd["lipschitz"] == pytest.approx(1.0, rel=1e-14)
    assert kd["norm_J_bp"] == 0.0 and kd["norm_J_sigma1"] == 2.0
    assert kd["norm_J_sigma1"] > kd["lipschitz"]  # sigma'(0) = 1 would overestimate (34)
    assert not kd["check_bp"].ok and not kd["check_sigma1"].ok
    assert check_jacobian(kd["weights"], kd["z"], kd["J_true"]).ok


def test_one_sided_derivatives_are_exact_difference_quotients():
    W = gaussian_weights(2, [4, 4], n_out=2, seed=8)
    z = np.array([0.4, -1.1])
    U = np.random.default_rng(1).standard_normal((6, 2))
    D, h = one_sided_derivatives(W, z, U)
    np.testing.assert_allclose(D, U @ backprop_jacobian(W, z).T, rtol=1e-10, atol=1e-12)
    assert np.all(h > 0)


def test_difference_quotient_witness_refuses_a_kink():
    kw = kink_witness(gaussian_weights(2, [3, 3], seed=1), neuron=1)
    with pytest.raises(ValueError):
        difference_quotient_witness(kw["weights"], kw["z"])


# ---------------------------------------------------------------------------------------------------
# hypotheses of Lemma 6.1


def test_nongeneric_weights_break_34():
    w = nongeneric_witness()
    assert w["lipschitz"] == 10.0
    assert w["rhs_34"] == 1.0
    assert w["status"] == "not-applicable"


def test_zero_column_empties_the_set_of_34():
    w = zero_column_witness(gaussian_weights(2, [4, 4], n_out=2, seed=3), layer=2, column=1)
    assert w["rhs_34"] is None and w["lipschitz"] > 0


def test_dead_layer_event_needs_max_of_empty_set_zero():
    w = empty_set_witness()
    assert w["rhs_34"] is None and w["lipschitz"] == 0.0 and w["probability"] > 0


@settings(max_examples=examples(20), deadline=None)
@given(nets_2d)
def test_generic_weights_satisfy_34(net):
    seed, hidden, n_out = net
    E = enumerate_regions(gaussian_weights(2, hidden, n_out, seed))
    rhs = lemma_6_1_rhs(E)
    lip = E.opnorms.max()
    # regions with a zero entry exist only downstream of a dead layer, where J = 0
    zero_rows = np.any(E.patterns == 0, axis=1)
    assert np.all(E.opnorms[zero_rows] == 0)
    assert (rhs is None and lip == 0) or rhs == lip


# ---------------------------------------------------------------------------------------------------
# Theorem 6.2


@settings(max_examples=examples(10), deadline=None)
@given(nets_2d)
def test_lower_estimate_is_a_certified_lower_bound(net):
    seed, hidden, n_out = net
    W = gaussian_weights(2, hidden, n_out, seed)
    L = lipschitz_exact(W).value
    est = lipschitz_lower_estimate(W, n_starts=3, n_steps=20, seed=seed)
    assert est.witness.same_region
    assert est.jac_norm <= L * (1 + 1e-12)
    assert est.value <= L * (1 + 1e-9)
    assert est.value == pytest.approx(est.jac_norm, rel=1e-9)


def test_lower_estimate_finds_the_exact_constant_on_a_small_net():
    W = gaussian_weights(2, [20, 20, 20], n_out=5, seed=0)
    L = lipschitz_exact(W).value
    est = lipschitz_lower_estimate(W, n_starts=8, seed=0)
    assert est.jac_norm == pytest.approx(L, rel=1e-12)
    assert np.all(est.pattern != 0)


def test_lower_estimate_in_the_enumeration_free_regime_sits_below_the_naive_bound():
    W = gaussian_weights(10, [30, 30], n_out=30, seed=1)
    est = lipschitz_lower_estimate(W, n_starts=3, n_steps=15, seed=1)
    assert est.witness.same_region and np.all(activation_pattern(W, est.z) != 0)
    assert est.value**2 <= naive_upper_bound(W)


def test_naive_bound_and_scaling_36_values():
    W = [np.diag([3.0, 1.0]), np.array([[2.0], [0.5]])]
    assert naive_upper_bound(W) == pytest.approx(9.0 * (4.0 + 0.25))
    # (n_0 n_1 n_2 / min) log(n_1) beta_1^2 beta_2^2
    assert scaling_36([4, 8, 2], [1.0, 0.5]) == pytest.approx(4 * 8 * 2 / 2 * math.log(8) * 0.25)
    assert scaling_36([5, 7], [2.0]) == pytest.approx(5 * 7 / 5 * 4.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: scaling_36([4], []),
        lambda: scaling_36([4, 0, 2], [1.0, 1.0]),
        lambda: scaling_36([4, 3, 2], [1.0]),
        lambda: scaling_36([4, 3, 2], [1.0, -1.0]),
        lambda: naive_upper_bound([np.ones((2, 2)), np.ones((3, 1))]),
        lambda: segment_check([np.eye(2)], np.ones(2), np.ones(2), 1.0),
        lambda: segment_check([np.eye(2)], np.ones(2), np.zeros(2), -1.0),
        lambda: check_jacobian([np.eye(2)], np.ones(2), np.ones((3, 3))),
        lambda: lipschitz_lower_estimate([np.eye(2)], n_starts=0),
        lambda: difference_quotient_witness([np.eye(2)], np.ones(2), fraction=1.5),
        lambda: kink_witness([np.ones((1, 2)), np.ones((2, 1))]),
        lambda: zero_column_witness([np.eye(2), np.ones((2, 1))], layer=2),
    ],
)
def test_bad_input_is_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call()
