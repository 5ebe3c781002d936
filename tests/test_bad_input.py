"""Bad input anywhere a user can reach it: one clear ValueError/TypeError in the API."""
import numpy as np
import pytest

import numeric
from numeric import data, eig, limiting, network


@pytest.mark.parametrize("X", [
    np.array([[1.0, np.nan]]), np.array([[np.inf, 1.0]]), np.ones(3), np.ones((0, 3)), np.ones((3, 0)),
    np.ones((2, 2, 2)),
])
def test_limiting_ntk_rejects_bad_data(X):
    with pytest.raises((ValueError, TypeError)):
        limiting.limiting_ntk(X, 3)


@pytest.mark.parametrize("L", [0, -1, 2.5, "3"])
def test_limiting_ntk_rejects_bad_depth(L):
    with pytest.raises((ValueError, TypeError)):
        limiting.limiting_ntk(np.eye(3), L)


def test_limiting_ntk_rejects_low_precision():
    with pytest.raises(ValueError):
        limiting.limiting_ntk(np.eye(3), 2, dps=10)


@pytest.mark.parametrize("widths", [[3, 0, 4], [0, 4], [3, -2], [3, 2.5]])
def test_network_rejects_bad_widths(widths):
    with pytest.raises((ValueError, TypeError)):
        network.ReLUNetwork.init(widths, seed=0)


def test_network_rejects_bad_init_and_shapes():
    with pytest.raises((ValueError, TypeError)):
        network.ReLUNetwork.init([3, 4], init="xavier", seed=0)
    with pytest.raises(ValueError):
        network.ReLUNetwork.from_weights([np.ones((3, 4)), np.ones((5, 1))])
    with pytest.raises(ValueError):
        network.ReLUNetwork.from_weights([np.ones((3, 4)), np.full((4, 1), np.nan)])
    net = network.ReLUNetwork.init([3, 4], seed=0)
    with pytest.raises(ValueError):
        net.ntk(np.ones((5, 2)))  # d = 2, not 3
    with pytest.raises(ValueError):
        net.features(np.array([[1.0, np.inf, 0.0]]))


@pytest.mark.parametrize("A, exc", [
    (np.array([[1.0, 2.0], [2.000001, 1.0]]), ValueError),  # not symmetric
    (np.ones((2, 3)), ValueError),
    (np.array([[np.nan]]), ValueError),
    (np.zeros((0, 0)), ValueError),
])
def test_lambda_min_rejects_bad_matrices(A, exc):
    with pytest.raises(exc):
        eig.lambda_min(A)


def test_lambda_min_rejects_low_precision_and_bad_method():
    with pytest.raises(ValueError):
        eig.lambda_min(np.eye(3) + 0.1, method="mpmath", dps=10)
    with pytest.raises(ValueError):
        eig.lambda_min(np.eye(3), method="guess")
    with pytest.raises(ValueError):
        eig.lambda_min(np.eye(3), abs_err=-1.0)


@pytest.mark.parametrize("N, d", [(0, 3), (3, 0), (-1, 2), (2.5, 3)])
def test_data_rejects_bad_sizes(N, d):
    for name in data.DISTRIBUTIONS:
        with pytest.raises((ValueError, TypeError)):
            data.sample(name, N, d, seed=0)


def test_data_rejects_unknown_distribution_and_bad_mean():
    with pytest.raises((ValueError, KeyError)):
        data.sample("cauchy", 3, 2, seed=0)
    with pytest.raises(ValueError):
        data.sample("gaussian", 3, 2, seed=0, mean=np.nan)


def test_errors_are_one_line():
    for call in (lambda: limiting.limiting_ntk(np.ones(3), 2), lambda: eig.lambda_min(np.ones((2, 3))),
                 lambda: numeric.ReLUNetwork.init([3, 0], seed=0)):
        with pytest.raises((ValueError, TypeError)) as info:
            call()
        assert "\n" not in str(info.value)
