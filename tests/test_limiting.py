"""The limiting NTK of (9)-(13) and the independent routes of Lemma 3.1."""

from hyp import examples
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.lemma31_routes import (
    compare_with_quadrature,
    default_covariances,
    mc_agreement,
    mc_first_layer,
    mc_next_layer,
    psd_sqrt,
    quadrature_entry,
    quadrature_layer,
)
from numeric.limiting import (
    LimitingParts,
    benchmark_limiting,
    closed_form_entry,
    collinear_instance,
    layer1_angles,
    limiting_ntk,
    limiting_ntk_naive,
    limiting_ntk_unrolled,
    unrolled_ntk,
)

TOL_FLOAT = 1e-12  # the accuracy requirement of the float path vs 50 digits


def to_np(M):
    return np.array(M.tolist(), dtype=np.float64)


def rel_err(A, ref):
    ref = to_np(ref) if isinstance(ref, mpmath.matrix) else ref
    return float(np.max(np.abs(A - ref)) / np.max(np.abs(ref)))


def mp_max_abs_diff(A, B):
    return max(abs(A[i, j] - B[i, j]) for i in range(A.rows) for j in range(A.cols))


def mp_max_abs(A):
    return max(abs(A[i, j]) for i in range(A.rows) for j in range(A.cols))


# ------------------------------------------------------------------ float vs 50 digits


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
def test_float_matches_50_digits_random(L):
    X = np.random.default_rng(L).standard_normal((12, 5))
    P = limiting_ntk(X, L, return_parts=True)
    R = limiting_ntk(X, L, dps=50, return_parts=True)
    assert rel_err(limiting_ntk(X, L), R.K[-1]) <= TOL_FLOAT
    for A, B in zip(P.G + P.Gdot + P.K, R.G + R.Gdot + R.K):
        assert rel_err(A, B) <= TOL_FLOAT


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float_matches_50_digits_collinear_and_naive_does_not(seed):
    """x + 1e-9 noise, 3x + 1e-12 noise, -x + 1e-10 noise: the angle-propagating float path
    stays at ~1e-16 while the plain arccos recursion loses ~half the digits (recorded)."""
    X = collinear_instance(seed)
    for L in range(1, 6):
        ref = limiting_ntk(X, L, dps=50)
        err = rel_err(limiting_ntk(X, L), ref)
        err_naive = rel_err(limiting_ntk_naive(X, L), ref)
        assert err <= TOL_FLOAT
        if L >= 2:
            # measured: err ~ 2e-16..4e-16, err_naive ~ 3e-9..1.3e-8
            assert err_naive > 1e-10 > 100 * err


@settings(max_examples=examples(30), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_base=st.integers(1, 3),
    d=st.integers(1, 6),
    log_eps=st.floats(-15, -3),
    mult=st.sampled_from([1.0, 3.0, -1.0, 0.25, -2.0]),
    L=st.integers(1, 5),
)
def test_float_matches_50_digits_hypothesis_nearly_collinear(seed, n_base, d, log_eps, mult, L):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_base, d))
    X = np.vstack([base, mult * base + 10.0**log_eps * rng.standard_normal((n_base, d)),
                   rng.standard_normal((2, d))])
    ref = limiting_ntk(X, L, dps=50)
    assert rel_err(limiting_ntk(X, L), ref) <= TOL_FLOAT


def test_layer1_angles_accurate_near_zero_and_pi():
    t = 1e-9
    X = np.array([[1.0, 0.0], [math.cos(t), math.sin(t)], [-1.0, 1e-13], [0.0, 2.0]])
    th = layer1_angles(X)
    with mpmath.workdps(50):
        for i in range(4):
            for j in range(4):
                xi = [mpmath.mpf(float(v)) for v in X[i]]
                xj = [mpmath.mpf(float(v)) for v in X[j]]
                exact = mpmath.atan2(abs(xi[0] * xj[1] - xi[1] * xj[0]), mpmath.fdot(xi, xj))
                assert abs(th[i, j] - float(exact)) <= 1e-15


def test_benchmark_records_accuracy_of_both_paths():
    """The benchmark's accuracy figures (its timings are reported by `ntk-verify bench`, never
    asserted: the machines are shared and noisy)."""
    res = benchmark_limiting(N=200, L=3, seed=0, repeats=1)
    assert set(res) >= {"t_fast", "t_naive", "ratio", "err_fast", "err_naive"}
    assert res["err_fast"] <= TOL_FLOAT < res["err_naive"], res


# ------------------------------------------------------------------ (12) vs (13)


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
def test_recursion_equals_unrolled_at_50_digits(L):
    X = np.random.default_rng(10 + L).standard_normal((7, 4))
    X[3] = 2 * X[1] + 1e-9  # a nearly collinear pair too
    parts = limiting_ntk(X, L, dps=50, return_parts=True)
    with mpmath.workdps(50):
        K13 = unrolled_ntk(parts)
        assert mp_max_abs_diff(K13, parts.K[-1]) <= mpmath.mpf("1e-40") * mp_max_abs(parts.K[-1])
    Kf = limiting_ntk(X, L)
    assert rel_err(limiting_ntk_unrolled(X, L), Kf) <= 1e-14


def test_unrolled_negative_control_misordered_products():
    """(13) with the Gdot factors of the wrong layers must not reproduce K^(L)."""
    X = np.random.default_rng(3).standard_normal((6, 3))
    P = limiting_ntk(X, 4, return_parts=True)
    wrong = LimitingParts(G=P.G, Gdot=P.Gdot[::-1], K=P.K)
    assert rel_err(unrolled_ntk(wrong), P.K[-1]) > 1e-3
    assert rel_err(unrolled_ntk(P), P.K[-1]) <= 1e-14


# ------------------------------------------------------------------ structure


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 9), d=st.integers(1, 6),
       L=st.integers(1, 6), dup=st.booleans())
def test_diagonal_preserved_and_K_psd(seed, N, d, L, dup):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    if dup and N > 1:
        X[-1] = X[0]  # K is then singular but still PSD
    P = limiting_ntk(X, L, return_parts=True)
    sq = np.einsum("ij,ij->i", X, X)
    for G in P.G:
        assert np.allclose(np.diag(G), sq, rtol=4e-16 * d + 1e-15, atol=0)
    for Gd in P.Gdot:
        assert np.array_equal(np.diag(Gd), np.ones(N))
        assert np.all(Gd >= 0) and np.all(Gd <= 1)
    assert np.allclose(np.diag(P.K[-1]), L * sq, rtol=1e-14, atol=0)  # K_ii = L ||x_i||^2
    K = P.K[-1]
    assert np.array_equal(K, K.T)
    ev = np.linalg.eigvalsh(K)
    assert ev.min() >= -1e-12 * ev.max()


def test_diagonal_preserved_at_50_digits():
    X = np.random.default_rng(4).standard_normal((5, 3))
    P = limiting_ntk(X, 4, dps=50, return_parts=True)
    with mpmath.workdps(50):
        for G in P.G[1:]:
            for i in range(5):
                assert abs(G[i, i] - P.G[0][i, i]) <= mpmath.mpf("1e-45") * P.G[0][i, i]
        for Gd in P.Gdot:
            for i in range(5):
                assert Gd[i, i] == 1


def test_homogeneity_degree_two():
    X = np.random.default_rng(5).standard_normal((8, 4))
    assert rel_err(limiting_ntk(2.0**7 * X, 3), 2.0**14 * limiting_ntk(X, 3)) <= 1e-15


def test_zero_rows():
    """x_i = 0: sigma(0) = sigma'(0) = 0, so row/column i of every G, Gdot, K is 0; the rest
    is the kernel of the remaining rows."""
    rng = np.random.default_rng(6)
    Y = rng.standard_normal((4, 3))
    X = np.insert(Y, 2, 0.0, axis=0)
    keep = [0, 1, 3, 4]
    for dps in (None, 50):
        P = limiting_ntk(X, 3, dps=dps, return_parts=True)
        Q = limiting_ntk(Y, 3, dps=dps, return_parts=True)
        for A, B in zip(P.G + P.Gdot + P.K, Q.G + Q.Gdot + Q.K):
            A = A if dps is None else to_np(A)
            B = B if dps is None else to_np(B)
            assert np.all(A[2, :] == 0) and np.all(A[:, 2] == 0)
            assert np.max(np.abs(A[np.ix_(keep, keep)] - B)) <= 1e-14 * np.max(np.abs(B))
    assert np.all(limiting_ntk(np.zeros((3, 2)), 2) == 0)


@pytest.mark.parametrize(
    "X, L, dps, exc",
    [
        (np.array([[np.nan, 1.0]]), 2, None, ValueError),
        (np.array([[np.inf, 1.0]]), 2, None, ValueError),
        (np.ones(3), 2, None, ValueError),
        (np.ones((0, 3)), 2, None, ValueError),
        (np.ones((3, 0)), 2, None, ValueError),
        (np.ones((2, 2)), 0, None, ValueError),
        (np.ones((2, 2)), 2.5, None, TypeError),
        (np.ones((2, 2)), True, None, TypeError),
        (np.ones((2, 2)), 2, 10, ValueError),
        (np.ones((2, 2)), 2, 30.0, TypeError),
        ("abc", 2, None, TypeError),
        (np.array([[1 + 1j, 0]]), 2, None, TypeError),
        (np.array([[1e200, 1.0]]), 2, None, ValueError),  # K overflows float64
    ],
)
def test_bad_input(X, L, dps, exc):
    with pytest.raises(exc):
        limiting_ntk(X, L, dps=dps)


def test_naive_rejects_zero_rows():
    with pytest.raises(ValueError):
        limiting_ntk_naive(np.zeros((2, 2)), 2)


# ------------------------------------------------------------------ symbolic cross-check


def test_closed_form_matches_sympy_derivation():
    arccos = pytest.importorskip("symbolic.arccos")
    import sympy as sp

    def mp_of(x):
        x = sp.Rational(x)
        return mpmath.mpf(x.p) / x.q

    for a, b, c in [(2, sp.Rational(7, 10), sp.Rational(1, 3)), (1, 1, sp.Rational(-9, 10)),
                    (3, 5, sp.Rational(-1, 2))]:
        g = arccos.relu_kernel(a, b, c).evalf(60)
        gd = arccos.step_kernel(a, b, c).evalf(60)
        with mpmath.workdps(60):
            G, Gd = closed_form_entry(mp_of(a), mp_of(b), mp_of(c))
            assert abs(G - mpmath.mpf(str(g))) <= mpmath.mpf("1e-50")
            assert abs(Gd - mpmath.mpf(str(gd))) <= mpmath.mpf("1e-50")


# ------------------------------------------------------------------ Monte Carlo route


def _exact_layers(X, L):
    return limiting_ntk(X, L, return_parts=True)


def test_monte_carlo_within_se_band_and_se_shrinks():
    X = np.random.default_rng(7).standard_normal((6, 4))
    P = _exact_layers(X, 3)
    S = 20000
    e2 = mc_first_layer(X, S, seed=1)
    e2b = mc_first_layer(X, 4 * S, seed=2)
    e3 = mc_next_layer(P.G[1], S, seed=3)  # eq. (11) with sqrt(G^(2))
    for est, G, Gd in ((e2, P.G[1], P.Gdot[0]), (e2b, P.G[1], P.Gdot[0]), (e3, P.G[2], P.Gdot[1])):
        res = mc_agreement(est, G, Gd, k=5.0)
        assert res["agrees"], res
    # eq. (11) route via sqrt(G^(1)) = sqrt(X X^T) has the same law as Xw
    assert mc_agreement(mc_next_layer(P.G[0], S, seed=4), P.G[1], P.Gdot[0])["agrees"]
    # SE ~ 1/sqrt(S): 4x the samples halves it
    for se, se4 in ((e2.G_se, e2b.G_se), (e2.Gdot_se, e2b.Gdot_se)):
        ratio = np.median(se / se4)
        assert 1.85 <= ratio <= 2.15, ratio


def test_monte_carlo_negative_controls():
    """A kernel without the factor 2, or with theta -> pi - theta, lies far outside the band."""
    X = np.random.default_rng(8).standard_normal((6, 4))
    P = _exact_layers(X, 2)
    est = mc_first_layer(X, 20000, seed=5)
    assert not mc_agreement(est, P.G[1] / 2, P.Gdot[0] / 2)["agrees"]
    th = layer1_angles(X)
    nn = np.sqrt(np.outer(np.diag(P.G[0]), np.diag(P.G[0])))
    sw = np.pi - th
    G_sw = nn / np.pi * (np.sin(sw) + (np.pi - sw) * np.cos(sw))
    assert not mc_agreement(est, G_sw, (np.pi - sw) / np.pi)["agrees"]


def test_monte_carlo_seeded_and_batched():
    X = np.random.default_rng(9).standard_normal((5, 3))
    a = mc_first_layer(X, 3000, seed=11, batch=3000)
    b = mc_first_layer(X, 3000, seed=11, batch=3000)
    assert np.array_equal(a.G, b.G) and np.array_equal(a.Gdot_se, b.Gdot_se)
    c = mc_first_layer(X, 3000, seed=11, batch=7)  # same total, small batches
    P = _exact_layers(X, 2)
    assert c.samples == 3000 and mc_agreement(c, P.G[1], P.Gdot[0])["agrees"]
    with pytest.raises(ValueError):
        mc_first_layer(X, 1)


def test_psd_sqrt():
    X = np.random.default_rng(12).standard_normal((6, 2))  # rank-2 Gram: tiny negative eigenvalues
    G = X @ X.T
    B = psd_sqrt(G)
    assert np.allclose(B, B.T) and np.max(np.abs(B @ B.T - G)) <= 1e-13 * np.max(np.abs(G))
    with pytest.raises(ValueError):  # negative control: not PSD
        psd_sqrt(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError):
        psd_sqrt(np.array([[1.0, 0.5], [0.0, 1.0]]))


# ------------------------------------------------------------------ quadrature route


def _no_factor_two(a, b, c):
    g, gd = closed_form_entry(a, b, c)
    return g / 2, gd / 2


def _pi_minus_theta(a, b, c):
    if a == 0 or b == 0:
        return mpmath.mpf(0), mpmath.mpf(0)
    nn = mpmath.sqrt(a) * mpmath.sqrt(b)
    t = mpmath.pi - mpmath.acos(max(-1, min(1, c / nn)))
    G = nn * (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t)) / mpmath.pi
    return G, (mpmath.pi - t) / mpmath.pi


def test_quadrature_matches_closed_form_to_1e40():
    res = compare_with_quadrature(closed_form_entry, dps=50, tol=1e-40)
    assert res.decided and res.agrees, res
    assert res.max_diff_G <= 1e-40 and res.max_diff_Gdot <= 1e-40


@pytest.mark.parametrize("wrong", [_no_factor_two, _pi_minus_theta])
def test_quadrature_negative_controls(wrong):
    res = compare_with_quadrature(wrong, dps=50, tol=1e-40)
    assert res.decided and not res.agrees
    assert max(res.max_diff_G, res.max_diff_Gdot) > 0.1


def test_quadrature_layer_matches_mp_path():
    """G^(l), Gdot^(l) from G^(l-1) by quadrature (no closed form) equal the 50-digit path."""
    X = np.random.default_rng(13).standard_normal((3, 2))
    X[2] = -X[0] + 1e-8
    P = limiting_ntk(X, 3, dps=50, return_parts=True)
    for l in (2, 3):
        G, Gd, err = quadrature_layer(P.G[l - 2], dps=50)
        with mpmath.workdps(50):
            assert err <= mpmath.mpf("1e-45")
            assert mp_max_abs_diff(G, P.G[l - 1]) <= mpmath.mpf("1e-40") * mp_max_abs(P.G[l - 1])
            assert mp_max_abs_diff(Gd, P.Gdot[l - 2]) <= mpmath.mpf("1e-40")


def test_quadrature_diagonal_and_degenerate():
    with mpmath.workdps(60):
        a = mpmath.mpf("2.5")
        e = quadrature_entry(a, a, a)  # (u, u): G_ii preserved, Gdot_ii = 1
        assert abs(e.G - a) <= mpmath.mpf("1e-48") and abs(e.Gdot - 1) <= mpmath.mpf("1e-48")
        e = quadrature_entry(a, a, a * (1 - mpmath.mpf(10) ** -30))  # continuity at rho -> 1
        assert abs(e.G - a) <= mpmath.mpf("1e-29") and abs(e.Gdot - 1) <= mpmath.mpf("1e-14")
        e = quadrature_entry(a, a, -a)  # (u, -u): sigma(u) sigma(-u) = 0
        assert abs(e.G) <= mpmath.mpf("1e-48") and abs(e.Gdot) <= mpmath.mpf("1e-48")
    assert quadrature_entry(0, 2, 0).G == 0
    with pytest.raises(ValueError):
        quadrature_entry(1, 1, 2)  # not PSD
    with pytest.raises(ValueError):
        quadrature_entry(-1, 1, 0)
    with pytest.raises(ValueError):
        quadrature_entry(1, 1, float("nan"))
    with pytest.raises(ValueError):
        quadrature_entry(1, 1, 0, dps=10)


def test_default_covariances_cover_degenerate_cases():
    covs = default_covariances()
    with mpmath.workdps(80):
        rhos = [c / mpmath.sqrt(a * b) for a, b, c in covs if a > 0 and b > 0]
        assert any(r == 1 for r in rhos) and any(r == -1 for r in rhos)
        assert any(0 < 1 - r < mpmath.mpf("1e-20") for r in rhos)
        assert any(0 < 1 + r < mpmath.mpf("1e-20") for r in rhos)
