"""Certification of the Jacobian (2) by exact central differences (numeric/finite_diff.py).  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import numpy as np
import pytest

from numeric.finite_diff import _SAFETY, _float_forward_errors, certify_jacobian
from numeric.network import ReLUNetwork


def test_default_precision_is_the_documented_50_digits():
    net = ReLUNetwork.init([2, 3, 1], init="he", seed=1)
    X = np.random.default_rng(2).standard_normal((2, 2))
    res = certify_jacobian(net, X)
    assert res.passed and res.dps == 50


def test_unit_with_zero_incoming_weights_has_zero_margin_and_is_refused_as_non_differentiable():
    """W_1[:, 1] = 0: g_{1,2}(x_i) = 0 for every sample, exactly (no rounding), while perturbing
    (W_1)_{a,2} moves it to either side of the ReLU kink: F_L is not differentiable at theta."""
    rng = np.random.default_rng(3)
    W1 = rng.standard_normal((3, 3))
    W1[:, 1] = 0.0
    net = ReLUNetwork.from_weights([W1, np.array([1.0, 2.0, -1.0])])
    X = rng.standard_normal((2, 3))
    res = certify_jacobian(net, X)
    assert res.status == "refused" and not res.passed
    assert res.margin == 0.0
    assert res.worst["layer"] == 1 and res.worst["unit"] == 1 and res.worst["sample"] in (0, 1)
    assert "not differentiable" in res.reason


def test_refused_when_float64_error_bound_reaches_the_exact_pre_activation():
    """x = (1, -1, delta), W_1 = 1: the exact g_1(x) = delta, while the float64 forward error
    bound is gamma_3 (2 + delta).  With delta just below that bound (by a relative 5e-13) float64
    cannot certify the sign of g_1, so its masks are not certified: refused, whatever the rest."""
    W1, W2 = np.ones((3, 1)), np.array([[1.0]])
    net = ReLUNetwork.from_weights([W1, W2])
    delta = 1e-15
    for _ in range(5):
        X = np.array([[1.0, -1.0, delta]])
        bound = float(_float_forward_errors(net, net.features(X))[1][0, 0]) * _SAFETY
        delta = bound * (1.0 - 5e-13)
    X = np.array([[1.0, -1.0, delta]])
    bound = float(_float_forward_errors(net, net.features(X))[1][0, 0]) * _SAFETY
    assert 0.0 < delta < bound  # exact |g_1(x)| = delta is below the float64 error bound
    res = certify_jacobian(net, X)
    assert res.status == "refused" and not res.passed
    assert res.margin > 0  # the exact network is differentiable; only float64 is in doubt
    assert "float64" in res.reason


@pytest.mark.parametrize("c, layer, a, b", [(4, 1, 0, 2), (7, 2, 1, 0)])
def test_worst_entry_is_located_in_the_column_major_layout(c, layer, a, b):
    """Columns are [vec(W_1), vec(W_2)], the column of (W_l)_{ab} at offset_l + a + b n_{l-1};
    for widths (2, 3, 1) the offsets are 0 and 6."""
    net = ReLUNetwork.init([2, 3, 1], init="he", seed=5)
    X = np.random.default_rng(6).standard_normal((2, 2))
    J = net.jacobian(X)
    J[1, c] += 1e-6
    res = certify_jacobian(net, X, J=J)
    assert res.status == "failed"
    assert res.worst["column"] == c and res.worst["sample"] == 1
    assert (res.worst["layer"], res.worst["a"], res.worst["b"]) == (layer, a, b)
    assert f"W_{layer}[{a}, {b}]" in res.reason
