"""Activation patterns, the Jacobian (35) and the exact linear regions of g_k (numeric.regions)."""
from hyp import examples, gaussian_weights
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.regions import (
    activation_pattern,
    backprop_jacobian,
    enumerate_regions,
    grid_patterns_2d,
    jacobian_for_pattern,
    layer_maps,
    lipschitz_exact,
    preactivations,
    region_constraints,
    region_count_bounds,
    region_margin,
    region_pattern,
    segment_walk,
)


def as_keys(P):
    return {tuple(int(x) for x in row) for row in np.atleast_2d(P)}


small_nets_2d = st.tuples(
    st.integers(0, 10_000),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.integers(1, 3),
)


# ---------------------------------------------------------------------------------------------------
# patterns and Jacobians


def product_35(W, z):
    """(35) written out with explicit diagonal matrices, independent of the vectorized code."""
    J = W[0].T
    h = W[0].T @ z
    for A in W[1:]:
        S = np.diag((h > 0).astype(float))
        J = A.T @ S @ J
        h = A.T @ np.maximum(h, 0)
    return J


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.lists(st.integers(1, 6), min_size=0, max_size=3))
def test_backprop_jacobian_is_the_product_35(seed, d, hidden):
    W = gaussian_weights(d, hidden, n_out=2, seed=seed)
    Z = np.random.default_rng(seed + 1).standard_normal((5, d))
    J = backprop_jacobian(W, Z)
    assert J.shape == (5, 2, d)
    for z, Jz in zip(Z, J):
        np.testing.assert_allclose(Jz, product_35(W, z), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jacobian_for_pattern(W, activation_pattern(W, z)), Jz, rtol=1e-12, atol=1e-12)


def test_pattern_is_the_sign_of_the_preactivations_layer_by_layer():
    W = gaussian_weights(3, [4, 5, 2], n_out=3, seed=1)
    Z = np.random.default_rng(2).standard_normal((7, 3))
    g = preactivations(W, Z)
    per = activation_pattern(W, Z, per_layer=True)
    assert len(per) == 3
    for gl, pl in zip(g[:-1], per):
        np.testing.assert_array_equal(pl, np.sign(gl))
    np.testing.assert_array_equal(activation_pattern(W, Z), np.concatenate(per, axis=1))
    np.testing.assert_array_equal(activation_pattern(W, Z[0]), activation_pattern(W, Z)[0])
    # a per-layer list is accepted by jacobian_for_pattern
    np.testing.assert_array_equal(jacobian_for_pattern(W, [p[0] for p in per]),
                                  jacobian_for_pattern(W, activation_pattern(W, Z[0])))


def test_layer_maps_are_linear_on_the_region():
    W = gaussian_weights(3, [6, 6], n_out=2, seed=3)
    z = np.random.default_rng(4).standard_normal(3)
    maps = layer_maps(W, activation_pattern(W, z))
    for A, g in zip(maps, preactivations(W, z)):
        np.testing.assert_allclose(A @ z, g, rtol=1e-12, atol=1e-12)


def test_sigma_prime_zero_matters_only_on_kinks():
    W = [np.array([[1.0, -1.0], [0.0, 0.0]]), np.array([[1.0], [-1.0]])]
    generic = np.array([0.3, 1.0])
    np.testing.assert_array_equal(backprop_jacobian(W, generic, 0.0), backprop_jacobian(W, generic, 1.0))
    kink = np.array([0.0, 1.0])
    np.testing.assert_array_equal(backprop_jacobian(W, kink, 0.0), [[0.0, 0.0]])
    np.testing.assert_array_equal(backprop_jacobian(W, kink, 1.0), [[2.0, 0.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: activation_pattern(np.eye(2), np.ones(2)),
        lambda: activation_pattern([np.eye(2), np.ones((3, 1))], np.ones(2)),
        lambda: activation_pattern([np.eye(2)], np.ones(3)),
        lambda: activation_pattern([np.eye(2)], np.array([np.nan, 1.0])),
        lambda: activation_pattern([np.array([[np.inf]])], np.ones(1)),
        lambda: activation_pattern([], np.ones(1)),
        lambda: backprop_jacobian([np.eye(2)], np.ones(2), sigma_prime_zero=2.0),
        lambda: jacobian_for_pattern([np.eye(2), np.ones((2, 1))], [1, 2]),
        lambda: jacobian_for_pattern([np.eye(2), np.ones((2, 1))], [1, 1, 1]),
        lambda: enumerate_regions([np.eye(2), np.ones((2, 1))], method="magic"),
        lambda: enumerate_regions([np.eye(3), np.ones((3, 1))], method="sector"),
        lambda: grid_patterns_2d([np.eye(2), np.ones((2, 1))], 0),
        lambda: region_count_bounds(0, [3]),
        lambda: region_count_bounds(2, [3, 0]),
    ],
)
def test_bad_input_is_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call()


# ---------------------------------------------------------------------------------------------------
# enumeration: exact counts, brute force, two methods


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 30))
def test_one_hidden_layer_in_the_plane_has_2n_sectors(seed, n):
    # n generic lines through the origin of R^2 cut it into 2n sectors (central bound attained)
    E = enumerate_regions(gaussian_weights(2, [n], seed=seed))
    assert E.count == 2 * n == region_count_bounds(2, [n])["central"]


@pytest.mark.parametrize("n", [2, 4, 7])
def test_one_hidden_layer_in_3d_attains_the_central_arrangement_count(n):
    E = enumerate_regions(gaussian_weights(3, [n], seed=n), method="lp")
    assert E.complete
    assert E.count == n * n - n + 2 == region_count_bounds(3, [n])["central"]


@settings(max_examples=examples(25), deadline=None)
@given(small_nets_2d)
def test_sector_sweep_matches_a_dense_angular_grid(net):
    seed, hidden, n_out = net
    W = gaussian_weights(2, hidden, n_out, seed)
    E = enumerate_regions(W, method="sector")
    n_angles = 50_000
    grid = as_keys(grid_patterns_2d(W, n_angles))
    assert grid <= E.keys()
    # every sector wider than two grid steps contains a grid angle, so then the sets coincide
    if E.diagnostics["min_angle"] > 2 * (2 * math.pi / n_angles):
        assert grid == E.keys()
    assert len(E.keys()) == E.count  # one region per pattern: regions are convex cones


@settings(max_examples=examples(12), deadline=None)
@given(small_nets_2d)
def test_lp_walk_and_sector_sweep_find_the_same_regions(net):
    seed, hidden, n_out = net
    W = gaussian_weights(2, hidden, n_out, seed)
    A = enumerate_regions(W, method="sector")
    B = enumerate_regions(W, method="lp", seed=seed)
    assert B.complete
    assert A.keys() == B.keys()
    np.testing.assert_allclose(A.opnorms.max(), B.opnorms.max(), rtol=1e-12)


@pytest.mark.parametrize(
    "W",
    [
        # duplicated first-layer column: two neurons share one hyperplane
        [np.array([[1.0, 1.0, 0.3], [2.0, 2.0, -1.0]]), np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.7]]),
         np.array([[1.0], [2.0]])],
        # zero first-layer column and a width-1 layer (coinciding hyperplanes in deeper layers)
        [np.array([[0.0, 1.0, -0.4], [0.0, 0.2, 1.0]]), np.array([[0.7], [-1.3], [0.9]]),
         np.array([[1.0, -1.0]]), np.array([[1.0], [0.5]])],
        # W_2 <= 0: layer 3 vanishes identically
        [np.array([[1.0, -0.5, 0.2], [0.1, 1.0, -1.0]]), -np.ones((3, 2)), np.array([[1.0, 2.0], [3.0, -1.0]]),
         np.ones((2, 1))],
    ],
)
def test_degenerate_weights_agree_across_methods_and_with_the_grid(W):
    A = enumerate_regions(W, method="sector")
    B = enumerate_regions(W, method="lp")
    assert A.keys() == B.keys()
    assert as_keys(grid_patterns_2d(W, 40_000)) == A.keys()


def test_lp_walk_in_3d_contains_every_sampled_pattern_and_respects_the_bounds():
    W = gaussian_weights(3, [5, 5], n_out=2, seed=7)
    E = enumerate_regions(W, method="lp")
    assert E.complete
    sampled = as_keys(activation_pattern(W, np.random.default_rng(0).standard_normal((100_000, 3))))
    assert sampled <= E.keys()
    b = region_count_bounds(3, [5, 5])
    assert E.count <= b["central"] <= b["affine"]


@settings(max_examples=examples(25), deadline=None)
@given(small_nets_2d)
def test_counts_respect_the_central_and_affine_bounds(net):
    seed, hidden, n_out = net
    E = enumerate_regions(gaussian_weights(2, hidden, n_out, seed))
    b = region_count_bounds(2, hidden)
    assert E.count <= b["central"] <= b["affine"]


def test_region_count_bounds_small_values():
    assert region_count_bounds(2, [5]) == {"central": 10, "affine": 16}
    assert region_count_bounds(3, [4])["central"] == 14  # 2 (1 + 3 + 3)
    # r_2 = min(d, n_1) = 1: a width-1 layer leaves a 1-dimensional row space, 2 pieces per region
    assert region_count_bounds(3, [1, 6])["central"] == 2 * 2


@settings(max_examples=examples(15), deadline=None)
@given(small_nets_2d, st.integers(2, 3))
def test_ball_of_radius_margin_lies_in_the_region(net, d):
    seed, hidden, n_out = net
    W = gaussian_weights(d, hidden, n_out, seed)
    E = enumerate_regions(W, method="auto", seed=seed)
    rng = np.random.default_rng(seed)
    for p, z, m, J in zip(E.patterns, E.points, E.margins, E.jacobians):
        U = rng.standard_normal((20, d))
        U *= 0.999 * m / np.linalg.norm(U, axis=1, keepdims=True)
        assert np.all(activation_pattern(W, z + U) == p)
        np.testing.assert_array_equal(J, jacobian_for_pattern(W, p))
        assert abs(region_margin(W, p, z) - m) <= 1e-12 * max(1.0, m)


def test_region_constraints_flag_a_zero_sign_on_a_live_neuron():
    W = gaussian_weights(2, [3], seed=0)
    p = activation_pattern(W, np.array([1.0, 0.3]))
    C, idx, ok = region_constraints(W, p)
    assert ok and C.shape == (3, 2)
    np.testing.assert_allclose(np.linalg.norm(C, axis=1), 1.0)
    q = p.copy()
    q[0] = 0
    assert not region_constraints(W, q)[2]  # negative control: not a full-dimensional pattern


def test_grid_subset_check_rejects_an_enumeration_missing_a_region():
    # negative control for the brute-force comparison: drop one region, the grid finds it
    W = gaussian_weights(2, [4, 3], seed=5)
    keys = enumerate_regions(W).keys()
    dropped = set(list(keys)[1:])
    assert not as_keys(grid_patterns_2d(W, 20_000)) <= dropped


# ---------------------------------------------------------------------------------------------------
# segments, k = 1, timing


def test_segment_walk_pieces_tile_the_segment_and_are_linear():
    W = gaussian_weights(2, [8, 8, 8], n_out=3, seed=11)
    z1, z2 = np.array([-2.0, 1.0]), np.array([3.0, -0.5])
    pcs = segment_walk(W, z1[None], (z2 - z1)[None])
    assert pcs.lo[0] == 0.0 and pcs.hi[-1] == 1.0
    np.testing.assert_array_equal(pcs.lo[1:], pcs.hi[:-1])
    for t in (0.25, 0.5, 0.75):
        pts = z1 + ((1 - t) * pcs.lo + t * pcs.hi)[:, None] * (z2 - z1)
        tt = (1 - t) * pcs.lo + t * pcs.hi
        np.testing.assert_allclose(preactivations(W, pts)[-1], pcs.offset + tt[:, None] * pcs.slope,
                                   rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(activation_pattern(W, pts), pcs.patterns)


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 5))
def test_single_linear_layer_lipschitz_is_the_operator_norm(seed, d, n):
    W = [np.random.default_rng(seed).standard_normal((d, n))]
    L = lipschitz_exact(W)
    assert L.enumeration.count == 1
    assert L.value == pytest.approx(np.linalg.norm(W[0], 2), rel=1e-14)


def test_d2_widths_20_20_20_enumerates_in_well_under_a_second():
    W = gaussian_weights(2, [20, 20, 20], n_out=20, seed=0)
    E = enumerate_regions(W)
    assert E.method == "sector" and E.complete
    assert E.seconds < 1.0
    assert E.count <= region_count_bounds(2, [20, 20, 20])["central"]


@settings(max_examples=examples(12), deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(1, 4), min_size=1, max_size=3), st.sampled_from([1.0, 0.1]))
def test_small_integer_weights_agree_across_methods(seed, hidden, scale):
    # entries in {-2,...,2} (times 0.1: inexact cancellations) make coincident hyperplanes, dead neurons
    # and neurons that vanish identically on a region; all three methods must still agree
    rng = np.random.default_rng(seed)
    ns = [2, *hidden, 1]
    W = [scale * rng.integers(-2, 3, size=(ns[i], ns[i + 1])).astype(float) for i in range(len(ns) - 1)]
    A = enumerate_regions(W, method="sector")
    B = enumerate_regions(W, method="lp", seed=seed)
    assert A.complete and B.complete
    assert A.keys() == B.keys()
    assert as_keys(grid_patterns_2d(W, 20_000)) <= A.keys()


def test_region_pattern_zeroes_a_neuron_that_cancels_only_up_to_rounding():
    # g_21 = 0.1 z + 0.2 z - 0.3 z vanishes identically; float64 gives +-1e-17 at some z
    W = [np.array([[0.1, 0.2, 0.3]]), np.array([[1.0], [1.0], [-1.0]]), np.array([[2.0]])]
    z = np.array([0.7])
    assert preactivations(W, z)[1][0] != 0.0  # the literal sign is rounding noise ...
    assert region_pattern(W, z)[3] == 0       # ... the region's pattern has the exact 0
    E = enumerate_regions(W)
    assert E.count == 2 and np.all(E.patterns[:, 3] == 0) and np.all(E.opnorms == 0)


def test_enumeration_reports_its_bounds_and_regions():
    W = gaussian_weights(2, [6, 5], n_out=2, seed=9)
    E = enumerate_regions(W)
    assert E.diagnostics["bound_central"] == region_count_bounds(2, [6, 5])["central"]
    assert E.count <= E.diagnostics["bound_central"]
    r = E.region(int(np.argmax(E.opnorms)))
    assert r["opnorm"] == pytest.approx(np.linalg.norm(r["jacobian"], 2), rel=1e-14)
    np.testing.assert_array_equal(r["jacobian"], backprop_jacobian(W, r["point"]))
