"""Layer-wise features of eq. (1) (numeric/network.py): G_l = F_{l-1} W_l, F_l = sigma(G_l),
Sigma_l = [G_l > 0], one entry per layer.  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import numpy as np
import pytest

from numeric.network import ReLUNetwork


@pytest.mark.parametrize("widths", [[3, 4, 5, 1], [2, 3], [4, 1], [3, 6, 2, 5, 1]])
def test_features_are_the_layers_of_equation_1(widths):
    net = ReLUNetwork.init(widths, seed=7)
    X = np.random.default_rng(1).standard_normal((6, widths[0]))
    feats = net.features(X)
    assert feats.L == net.L == len(feats.g) and feats.N == 6
    assert np.array_equal(feats.F[0], X)
    for l in range(1, net.L + 1):
        G = feats.g[l - 1]
        assert G.shape == (6, net.widths[l])
        assert np.array_equal(G, feats.F[l - 1] @ net.weights[l - 1])  # pre-activation G_l
        if l < net.L:
            assert np.array_equal(feats.F[l], np.maximum(G, 0.0))
            assert np.array_equal(feats.masks[l - 1], G > 0)
    assert np.array_equal(feats.output, net.forward(X))



def test_weights_are_private_read_only_float64_copies():
    W1 = np.array([[1.0, -2.0], [0.5, 3.0]])
    W2 = np.array([[2.0], [1.0]])
    net = ReLUNetwork.from_weights([W1, W2])
    W1[0, 0] = 100.0  # the caller's arrays stay writable and independent of the network
    assert net.weights[0][0, 0] == 1.0
    for W in net.weights:
        assert W.dtype == np.float64 and not W.flags.writeable
        with pytest.raises(ValueError):
            W[0, 0] = 5.0
    ints = ReLUNetwork.from_weights([np.array([[1, 2], [3, 4]]), np.array([[1], [1]])])
    assert all(W.dtype == np.float64 for W in ints.weights)
    X = np.array([[1.0, 1.0]])
    assert ints.forward(X)[0] == 10.0  # relu([4, 6]) . [1, 1]


def test_weight_forms_accepted_and_rejected():
    X = np.array([[1.0, -1.0], [2.0, 0.5]])
    col = ReLUNetwork.from_weights([np.eye(2), np.array([[1.0], [2.0]])])
    flat = ReLUNetwork.from_weights([np.eye(2), np.array([1.0, 2.0])])  # W_L given 1-D
    assert flat.weights[1].shape == (2, 1) and np.array_equal(flat.forward(X), col.forward(X))
    boolean = ReLUNetwork.from_weights([np.array([[True], [False]])])  # 0/1 weights are reals
    assert np.array_equal(boolean.forward(X), X[:, 0])
    with pytest.raises(TypeError):
        ReLUNetwork.from_weights([np.array([[1.0 + 1j], [2.0]])])
    for empty in ([np.zeros((0, 1))], [np.zeros((2, 0)), np.zeros((0, 1))]):
        with pytest.raises(ValueError):
            ReLUNetwork.from_weights(empty)


def test_network_records_its_initialisation():
    assert ReLUNetwork.init([3, 4, 1], init=[1.0, 2.0], seed=0).init_name == "custom"
    assert ReLUNetwork.init([3, 4, 1], init="he", seed=0).init_name == "he"
    assert ReLUNetwork.from_weights([np.ones((3, 1))]).init_name is None
