"""The finite ReLU network of eq. (1): Jacobian (2), NTK (3), the Section 4.1 decomposition, and
the mpmath certification of the Jacobian."""

from hyp import examples
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from numeric.finite_diff import certify_jacobian
from numeric.network import ReLUNetwork

U = 2.0**-53


def gamma(n):
    return n * U / (1 - n * U)


def abs_ntk(feats):
    """sum_k (|F_k||F_k|^T) o (|B_{k+1}||B_{k+1}|^T): the scale of every rounding bound below."""
    return sum((np.abs(F) @ np.abs(F).T) * (np.abs(B) @ np.abs(B).T) for F, B in zip(feats.F, feats.B))


def jjt_vs_ntk_bound(net, feats):
    """Rounding bound for |fl(J J^T) - ntk|: J J^T sums P products of entries carrying one rounding
    each (gamma_{P+2}); the decomposition does two Gram products of lengths n_k, n_{k+1}, one
    Hadamard product and L additions (gamma_{n_k + n_{k+1} + L + 3})."""
    n = net.widths
    inner = max(n[k] + n[k + 1] for k in range(net.L))
    return (gamma(net.n_params + 2) + gamma(inner + net.L + 3)) * abs_ntk(feats)


@st.composite
def net_and_data(draw, max_width=6, max_layers=4, max_N=7):
    L = draw(st.integers(1, max_layers))
    widths = [draw(st.integers(1, max_width)) for _ in range(L)]
    init = draw(st.sampled_from(["standard", "he", "lecun"]))
    seed = draw(st.integers(0, 2**32 - 1))
    N = draw(st.integers(1, max_N))
    net = ReLUNetwork.init(widths + [1], init=init, seed=seed)
    X = np.random.default_rng(seed + 1).standard_normal((N, net.d))
    return net, X


# --------------------------------------------------------------------------- J J^T = ntk
@settings(max_examples=examples(50), deadline=None)
@given(net_and_data())
def test_ntk_equals_jjt_within_rounding(case):
    net, X = case
    J, K = net.jacobian(X), net.ntk(X)
    assert J.shape == (X.shape[0], net.n_params)
    assert K.shape == (X.shape[0], X.shape[0])
    assert np.array_equal(K, K.T)  # exactly symmetric by construction
    assert np.all(np.abs(J @ J.T - K) <= jjt_vs_ntk_bound(net, net.features(X)))


def test_ntk_equals_jjt_moderate_size():
    net = ReLUNetwork.init([12, 40, 25, 7], init="he", seed=3)
    X = np.random.default_rng(4).standard_normal((60, 12))
    J, K = net.jacobian(X), net.ntk(X)
    assert np.all(np.abs(J @ J.T - K) <= jjt_vs_ntk_bound(net, net.features(X)))
    assert np.linalg.eigvalsh(K).min() > 0  # N = 60 < P: full rank here, as Theorem 4.1 expects


def test_ntk_negative_control_detects_wrong_kernel():
    net = ReLUNetwork.init([4, 6, 5], init="he", seed=0)
    X = np.random.default_rng(1).standard_normal((5, 4))
    J, K = net.jacobian(X), net.ntk(X)
    bound = jjt_vs_ntk_bound(net, net.features(X))
    wrong = K.copy()
    wrong[0, 1] += 1e3 * bound[0, 1] + 1e-12
    assert not np.all(np.abs(J @ J.T - wrong) <= bound)


# --------------------------------------------------------------------------- Section 4.1
def test_backward_rows_match_the_explicit_products():
    """(B_k)_{i:} = Sigma_k(x_i) (prod_{l=k+1}^{L-1} W_l Sigma_l(x_i)) W_L, per sample."""
    net = ReLUNetwork.init([3, 5, 4, 6], init="he", seed=7)
    X = np.random.default_rng(8).standard_normal((4, 3))
    feats = net.features(X)
    L, W = net.L, net.weights
    for i in range(X.shape[0]):
        Sig = [np.diag(feats.masks[l - 1][i].astype(float)) for l in range(1, L)]
        for k in range(1, L):
            v = W[L - 1][:, 0]
            for l in range(L - 1, k, -1):
                v = W[l - 1] @ (Sig[l - 1] @ v)
            v = Sig[k - 1] @ v
            assert np.allclose(feats.B[k - 1][i], v, rtol=1e-13, atol=1e-13)
    assert np.array_equal(feats.B[L - 1], np.ones((X.shape[0], 1)))


def test_jacobian_blocks_are_outer_products_of_features_and_backward_rows():
    """dF_L(x_i)/dW_l = f_{l-1}(x_i) (B_l)_{i:}, vectorised column-major (documented order)."""
    net = ReLUNetwork.init([3, 4, 2], init="he", seed=11)
    X = np.random.default_rng(12).standard_normal((3, 3))
    feats, J = net.features(X), net.jacobian(X)
    offset = 0
    for l in range(net.L):
        n_in, n_out = net.widths[l], net.widths[l + 1]
        for i in range(X.shape[0]):
            block = np.outer(feats.F[l][i], feats.B[l][i])
            assert np.array_equal(J[i, offset:offset + n_in * n_out], block.reshape(-1, order="F"))
        offset += n_in * n_out
    assert offset == net.n_params


def test_last_layer_term_needs_B_L_equal_ones_not_paper_scaling():
    """Witness for the typo in Section 4.1: with B_L = 1_N / sqrt(N) the decomposition misses
    J J^T by a factor N in its k = L-1 term. Here L = 2, d = n_1 = 1, W_1 = W_2 = 1, X = [1; 2]:
    J = [[1, 1], [2, 2]] and J J^T = [[2, 4], [4, 8]]."""
    net = ReLUNetwork.from_weights([np.array([[1.0]]), np.array([1.0])])
    X = np.array([[1.0], [2.0]])
    J = net.jacobian(X)
    assert np.array_equal(J, np.array([[1.0, 1.0], [2.0, 2.0]]))
    assert np.array_equal(net.ntk(X), np.array([[2.0, 4.0], [4.0, 8.0]]))
    feats = net.features(X)
    N = X.shape[0]
    B_paper = np.ones((N, 1)) / np.sqrt(N)
    paper = (feats.F[0] @ feats.F[0].T) * (feats.B[0] @ feats.B[0].T) + (
        feats.F[1] @ feats.F[1].T
    ) * (B_paper @ B_paper.T)
    assert np.allclose(paper, [[1.5, 3.0], [3.0, 6.0]])
    assert not np.allclose(paper, J @ J.T)


def test_schur_lower_bound_24_and_diagonal_25():
    """(24): lambda_min(J J^T) >= sum_k lambda_min(F_k F_k^T) min_i ||(B_{k+1})_i:||^2 and
    (25): (J J^T)_11 = sum_k ||(F_k)_1:||^2 ||(B_{k+1})_1:||^2."""
    net = ReLUNetwork.init([20, 60, 30], init="he", seed=5)
    X = np.random.default_rng(6).standard_normal((10, 20))
    feats, K = net.features(X), net.ntk(X)
    rhs = sum(
        np.linalg.eigvalsh(F @ F.T).min() * np.min(np.sum(B**2, axis=1)) for F, B in zip(feats.F, feats.B)
    )
    assert np.linalg.eigvalsh(K).min() >= rhs * (1 - 1e-10)
    diag = sum(np.sum(F[0] ** 2) * np.sum(B[0] ** 2) for F, B in zip(feats.F, feats.B))
    assert np.isclose(K[0, 0], diag, rtol=1e-13)


def test_ntk_positive_homogeneity_exact():
    """ReLU is positively homogeneous, so Kbar(2X) = 4 Kbar(X) and F_L(2X) = 2 F_L(X) exactly."""
    net = ReLUNetwork.init([5, 7, 3], init="lecun", seed=2)
    X = np.random.default_rng(3).standard_normal((6, 5))
    assert np.array_equal(net.ntk(2.0 * X), 4.0 * net.ntk(X))
    assert np.array_equal(net(2.0 * X), 2.0 * net(X))


def test_weight_scaling_changes_all_terms_but_its_own():
    """Scaling W_l by c scales f_k (k >= l) and B_k (k < l) by c: every term of the decomposition
    gets c^2 except k = l-1 (the gradient with respect to W_l itself)."""
    net = ReLUNetwork.init([4, 6, 5], init="he", seed=9)
    X = np.random.default_rng(10).standard_normal((5, 4))
    feats = net.features(X)
    terms = [(F @ F.T) * (B @ B.T) for F, B in zip(feats.F, feats.B)]
    for l in range(1, net.L + 1):
        W = [w.copy() for w in net.weights]
        W[l - 1] *= 2.0
        scaled = ReLUNetwork.from_weights(W).ntk(X)
        expected = sum(t if k == l - 1 else 4.0 * t for k, t in enumerate(terms))
        assert np.allclose(scaled, expected, rtol=1e-12, atol=1e-12)


def test_forward_matches_eq1_by_hand():
    W1 = np.array([[1.0, -2.0], [0.5, 1.0]])
    W2 = np.array([3.0, -1.0])
    net = ReLUNetwork.from_weights([W1, W2])
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    # g_1(x_1) = (2, 0) -> f_1 = (2, 0); g_1(x_2) = (-0.5, 3) -> f_1 = (0, 3)
    assert np.array_equal(net(X), np.array([6.0, -3.0]))
    assert np.array_equal(net.forward(X), net.features(X).output)
    feats = net.features(X)
    assert np.array_equal(feats.masks[0], np.array([[True, False], [False, True]]))  # sigma'(0) = 0


# --------------------------------------------------------------------------- certification
@settings(max_examples=examples(30), deadline=None)
@given(net_and_data(max_width=4, max_layers=3, max_N=4))
def test_certify_jacobian_passes_for_correct_jacobian(case):
    net, X = case
    res = certify_jacobian(net, X, dps=50)
    assert res.passed, res  # Gaussian data: a zero hidden pre-activation has probability 0
    assert res.max_abs_diff <= res.error_bound
    assert res.step > 0 and res.margin > 0


@settings(max_examples=examples(25), deadline=None)
@given(net_and_data(max_width=4, max_layers=3, max_N=4), st.data())
def test_certify_jacobian_rejects_perturbed_entry(case, data):
    """Negative control: changing one entry of J by far more than rounding must fail."""
    net, X = case
    J = net.jacobian(X)
    i = data.draw(st.integers(0, J.shape[0] - 1))
    c = data.draw(st.integers(0, J.shape[1] - 1))
    J[i, c] += 1e-9 * (1.0 + abs(J[i, c]))
    res = certify_jacobian(net, X, J=J)
    assert res.status == "failed" and not res.passed
    assert res.worst["sample"] == i and res.worst["column"] == c


def test_certify_jacobian_rejects_row_major_vectorisation():
    """Negative control: a Jacobian with vec taken row-major (the wrong order) must fail."""
    net = ReLUNetwork.init([3, 4, 2], init="he", seed=21)
    X = np.random.default_rng(22).standard_normal((3, 3))
    feats = net.features(X)
    N = X.shape[0]
    wrong = np.concatenate(
        [(feats.F[l][:, :, None] * feats.B[l][:, None, :]).reshape(N, -1) for l in range(net.L)], axis=1
    )
    assert certify_jacobian(net, X).passed
    res = certify_jacobian(net, X, J=wrong)
    assert res.status == "failed" and res.max_abs_diff > 1e-3


def test_certify_jacobian_refuses_zero_margin():
    """g_{1,1}(x_1) = 1 - 1 = 0 with a nonzero input: F_L is not differentiable there."""
    net = ReLUNetwork.from_weights([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([1.0, 1.0])])
    res = certify_jacobian(net, np.array([[1.0, 1.0], [2.0, 3.0]]))
    assert res.status == "refused" and not res.passed
    assert res.margin <= 0
    assert res.worst == {"layer": 1, "sample": 0, "unit": 0}


def test_certify_jacobian_zero_input_row_is_frozen_not_refused():
    """x_i = 0 gives g_l(x_i) = 0 for every theta: f_L(x_i) is constant, derivative 0, certified."""
    net = ReLUNetwork.init([3, 4, 3], init="he", seed=4)
    X = np.random.default_rng(5).standard_normal((3, 3))
    X[1] = 0.0
    res = certify_jacobian(net, X)
    assert res.passed
    assert res.extra["frozen_sample_layers"] >= 1
    assert np.array_equal(net.jacobian(X)[1], np.zeros(net.n_params))


def test_certify_jacobian_bad_input():
    net = ReLUNetwork.init([3, 4], seed=0)
    X = np.ones((2, 3))
    with pytest.raises(ValueError):
        certify_jacobian(net, X, dps=10)
    with pytest.raises(ValueError):
        certify_jacobian(net, X, J=np.ones((2, 3)))
    with pytest.raises(TypeError):
        certify_jacobian("net", X)


# --------------------------------------------------------------------------- initialisation
@pytest.mark.parametrize("init", ["standard", "he", "lecun"])
def test_init_variance_within_chi2_interval(init):
    widths = [60, 150, 80]
    net = ReLUNetwork.init(widths, init=init, seed=123)
    fan_in = [60, 150, 80]
    expected = {"standard": [1.0] * 3, "he": [2.0 / n for n in fan_in], "lecun": [1.0 / n for n in fan_in]}[init]
    for W, var, beta in zip(net.weights, expected, net.betas):
        assert np.isclose(beta**2, var)
        n = W.size
        s2 = W.var(ddof=1)
        lo, hi = stats.chi2.ppf([1e-6, 1 - 1e-6], n - 1) / (n - 1)
        assert lo <= s2 / var <= hi
        assert abs(W.mean()) <= 5.5 * np.sqrt(var / n)


def test_init_explicit_betas_seeds_and_widths_forms():
    a = ReLUNetwork.init([4, 5, 3], init=[0.5, 2.0, 3.0], seed=1)
    b = ReLUNetwork.init([4, 5, 3, 1], init=[0.5, 2.0, 3.0], seed=np.random.default_rng(1))
    assert a.widths == b.widths == (4, 5, 3, 1) and a.L == 3 and a.d == 4
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    z = ReLUNetwork.init([4, 5, 3], init="standard", seed=1)
    assert np.array_equal(a.weights[1], 2.0 * z.weights[1])
    assert a.betas == (0.5, 2.0, 3.0)
    assert ReLUNetwork.from_weights(a.weights).betas is None
    assert ReLUNetwork.init([7], seed=0).widths == (7, 1)  # L = 1: the linear model
    assert ReLUNetwork.init([7, 1, 1], seed=0).widths == (7, 1, 1)  # hidden width 1


def test_linear_model_L1():
    net = ReLUNetwork.init([3], seed=0)
    X = np.random.default_rng(0).standard_normal((4, 3))
    assert np.array_equal(net.jacobian(X), X)
    assert np.allclose(net.ntk(X), X @ X.T, rtol=1e-14, atol=1e-14)


# --------------------------------------------------------------------------- validation
def test_bad_inputs_raise_clear_errors():
    net = ReLUNetwork.init([3, 4], seed=0)
    for bad in (np.ones(3), np.ones((2, 4)), np.ones((0, 3)), np.array([[1.0, np.nan, 0.0]]),
                np.array([[np.inf, 0.0, 0.0]])):
        for method in (net.forward, net.features, net.jacobian, net.ntk):
            with pytest.raises(ValueError):
                method(bad)
    with pytest.raises(TypeError):
        net.ntk(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError):
        ReLUNetwork.init([3, 0], seed=0)
    with pytest.raises(TypeError):
        ReLUNetwork.init([3, 2.5], seed=0)
    with pytest.raises(ValueError):
        ReLUNetwork.init([3, 4], init="xavier")
    with pytest.raises(ValueError):
        ReLUNetwork.init([3, 4], init=[1.0])
    with pytest.raises(ValueError):
        ReLUNetwork.init([3, 4], init=[1.0, -1.0])
    with pytest.raises(ValueError):
        ReLUNetwork.init([3, 4], init=[1.0, np.nan])
    with pytest.raises(TypeError):
        ReLUNetwork.init([3, 4], seed=1.5)
    with pytest.raises(ValueError):
        ReLUNetwork.from_weights([np.ones((3, 4)), np.ones((5, 1))])
    with pytest.raises(ValueError):
        ReLUNetwork.from_weights([np.ones((3, 4)), np.ones((4, 2))])
    with pytest.raises(ValueError):
        ReLUNetwork.from_weights([np.ones((3, 4)), np.full((4, 1), np.nan)])
    with pytest.raises(ValueError):
        ReLUNetwork.from_weights([])
    with pytest.raises(ValueError):
        ReLUNetwork.from_weights([np.ones(3), np.ones(3)])
    net1d = ReLUNetwork.from_weights([np.ones((3, 4)), np.ones(4)])
    assert net1d.weights[-1].shape == (4, 1)


def test_init_refuses_betas_that_overflow_the_weights():  # negative control for the in-place scaling
    with pytest.raises(ValueError, match="W_1 contains infinite entries"):
        ReLUNetwork.init([50, 40], init=[1e308, 1.0], seed=0)
