"""Kills mutmut survivors of numeric/regions.py, numeric/exact_regions.py and numeric/exact_network.py."""
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from numeric.exact_network import Dyadic, exact_features
from numeric.exact_regions import ExactNet, dyadic_weights
from numeric.network import ReLUNetwork
from numeric.regions import _slack_lp, enumerate_regions, segment_walk


# ------------------------------------------------------------------------------------------------
# numeric.regions


def test_segment_walk_through_a_dead_layer_emits_no_floating_point_warning():
    # on z_1 < 0 the only first-layer neuron is off, so layer 2 has u = v = 0 there (root 0/0)
    W = [np.array([[1.0], [0.0]]), np.array([[1.0, -1.0]]), np.array([[1.0], [1.0]])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pcs = segment_walk(W, np.array([[-2.0, 0.0]]), np.array([[1.0, 0.0]]))
    assert pcs.count == 1 and np.array_equal(pcs.patterns[0], [-1, 0, 0])


def test_sector_sweep_of_the_whole_plane_is_one_sector_of_angle_2pi():
    W = [np.zeros((2, 3)), np.ones((3, 1))]  # g_1 = 0: no kink, the only region is R^2
    E = enumerate_regions(W, method="sector")
    assert E.count == 1 and E.complete
    assert E.diagnostics["min_angle"] == pytest.approx(2 * math.pi)


def test_slack_lp_is_the_largest_slack_over_the_unit_box():
    # wedge of half-angle a around -e_1: max_z min(c_i . z) over z in [-1, 1]^2 is sin(a) at z = -e_1
    a = 0.1
    C = np.array([[-math.sin(a), math.cos(a)], [-math.sin(a), -math.cos(a)]])
    z, t = _slack_lp(C)
    assert t == pytest.approx(math.sin(a), rel=1e-9)
    assert np.all(np.abs(z) <= 1 + 1e-12)
    assert np.min(C @ z) == pytest.approx(t, rel=1e-9)


def test_lp_walk_accepts_max_regions_1_and_reports_truncation():
    W = [np.random.default_rng(0).standard_normal((3, 4)), np.ones((4, 1))]
    E = enumerate_regions(W, method="lp", max_regions=1)
    assert E.count == 1 and not E.complete
    assert E.diagnostics["truncated_at"] == 1
    with pytest.raises(ValueError):
        enumerate_regions(W, method="lp", max_regions=0)


# ------------------------------------------------------------------------------------------------
# numeric.exact_regions


@pytest.mark.parametrize("bits", [True, 20.0, 0, 41])
def test_dyadic_weights_refuses_bits_outside_the_integers_1_to_40(bits):
    with pytest.raises(ValueError):
        dyadic_weights([np.array([[0.3, -0.7]])], bits=bits)


def test_dyadic_weights_at_40_bits_are_multiples_of_2_to_minus_40():
    (A,) = dyadic_weights([np.array([[0.3, -0.7]])], bits=40)
    assert np.array_equal(A * 2.0**40, np.round(A * 2.0**40))
    assert np.all(np.abs(A - [[0.3, -0.7]]) <= 2.0**-41)


def test_to_float_keeps_the_shape_of_P():
    X = ExactNet([np.array([[1.0, 0.5], [0.25, -1.0]]), np.array([[1.0], [2.0]])])
    for shape in [(0, 2), (1, 2), (3, 2)]:
        P = np.ones(shape, dtype=object)
        J = X.to_float(P)
        assert J.shape == shape and np.all(J == 2.0 ** (-X.k * X.bits))


def test_rays_of_a_dead_first_layer_are_one_region():
    # d = 1, W_1 = 0: g_1 = 0 on both rays, so R is a single region (pattern 0)
    R = ExactNet([np.zeros((1, 2)), np.ones((2, 1))]).regions()
    assert R.count == 1 and np.array_equal(R.patterns, [[0, 0]])
    assert R.points == [(Fraction(1),)]


def test_sweep_of_a_dead_first_layer_is_the_whole_plane():
    R = ExactNet([np.zeros((2, 2)), np.ones((2, 1))]).regions()
    assert R.count == 1 and np.array_equal(R.patterns, [[0, 0]])
    assert R.kinks == [(Fraction(0), Fraction(0))]


def test_sweep_with_a_kink_through_the_start_corner_keeps_both_half_planes():
    # g_11 = z_1 + z_2 vanishes exactly along (1, -1), where the sweep starts: two half-planes
    W = [np.array([[1.0], [1.0]]), np.array([[1.0]])]
    R = ExactNet(W).regions()
    assert R.count == 2 == enumerate_regions(W).count
    assert sorted(int(p[0]) for p in R.patterns) == [-1, 1]


# ------------------------------------------------------------------------------------------------
# numeric.exact_network


def test_max_abs_of_an_empty_dyadic_is_zero():
    assert Dyadic.of(np.zeros((0, 3))).max_abs() == 0
    assert Dyadic.of(np.array([[0.5, -3.0]])).max_abs() == 3


def test_B_L_is_an_exact_column_of_ones():
    net = ReLUNetwork.init([2, 3, 1], seed=0)
    feats = exact_features(net, np.array([[1.0, 2.0], [-1.0, 0.5]]))
    BL = feats.B[-1]
    assert all(type(x) is int and x == 1 for x in BL.m.flat)  # Dyadic: Python integers
    tiny = Dyadic.of(np.full((2, 1), 2.0**-80))
    assert all(v == 1 + Fraction(1, 2**80) for v in (BL + tiny).fractions().flat)  # exact sum
