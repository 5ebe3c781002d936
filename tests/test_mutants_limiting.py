"""numeric/limiting.py: the plain recursion `limiting_ntk_naive` is the same kernel (9)-(10) as
the angle-propagating float path on well-separated data, and `collinear_instance` has the nearly
(anti)parallel structure its docstring promises.  Written against mutmut survivors
(docs/mutation.md)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from numeric.limiting import benchmark_limiting, collinear_instance, layer1_angles, limiting_ntk, limiting_ntk_naive


@pytest.mark.parametrize("L", [1, 2, 3, 5])
def test_naive_recursion_is_the_same_kernel_on_generic_data(L):
    X = np.random.default_rng(3).standard_normal((7, 4))
    X[2] *= 10.0  # unequal norms: the sqrt(G_ii G_jj) prefactor of (10) matters
    K, K_naive = limiting_ntk(X, L), limiting_ntk_naive(X, L)
    # the naive arccos recursion keeps only ~half the digits where rho ~ 1 (module docstring)
    assert np.allclose(K, K_naive, rtol=1e-7, atol=0)


def test_naive_recursion_for_orthogonal_and_antiparallel_pairs():
    # x = e1, y = e2 (theta = pi/2) and z = -e1 (theta = pi): closed forms of (9)-(10) for L = 2
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    K = limiting_ntk_naive(X, 2)
    # K^(2) = G^(1) o Gdot^(2) + G^(2); G^(2)_12 = 1/pi, Gdot_12 = 1/2; G_13 = 0 = Gdot_13
    assert K[0, 1] == pytest.approx(1 / math.pi, rel=1e-14)
    assert K[0, 2] == pytest.approx(0.0, abs=1e-15)
    assert np.allclose(np.diag(K), 2.0)  # K_ii^(2) = ||x||^2 (Gdot = 1) + ||x||^2


@pytest.mark.parametrize("seed", [0, 5])
def test_collinear_instance_structure(seed):
    X = collinear_instance(seed, n_base=3, d=5)
    assert X.shape == (12, 5) and np.array_equal(X, collinear_instance(seed, n_base=3, d=5))
    t = layer1_angles(X)
    for k in range(3):
        i = 4 * k
        assert 0.0 < t[i, i + 1] < 1e-8  # x vs x + 1e-9 noise
        assert 0.0 < t[i, i + 2] < 1e-11  # x vs 3x + 1e-12 noise
        assert math.pi - 1e-9 < t[i, i + 3] < math.pi  # x vs -x + 1e-10 noise
        assert np.linalg.norm(X[i + 2]) == pytest.approx(3 * np.linalg.norm(X[i]), rel=1e-10)
    assert not np.array_equal(X, collinear_instance(seed + 1, n_base=3, d=5))


def test_benchmark_reports_its_parameters():
    res = benchmark_limiting(N=50, L=2, seed=4, d=7, repeats=1)
    assert (res["N"], res["L"], res["d"], res["seed"]) == (50, 2, 7, 4)
    assert res["ratio"] == res["t_fast"] / res["t_naive"]
    assert 0.0 <= res["err_fast"] < 1e-12


def test_kernel_is_exactly_symmetric_even_in_recycled_memory():
    # the float path fills the upper triangle and mirrors it; a fresh X of the same size must not
    # inherit any entry of the previous result (np.empty recycles freed blocks)
    rng = np.random.default_rng(11)
    for N in (9, 200, 200):  # N = 200 > sqrt(2^15): several row strips, the lower part is mirrored
        X = rng.standard_normal((N, 3))
        K = limiting_ntk(X, 3)
        assert np.array_equal(K, K.T)
        assert np.allclose(K, limiting_ntk_naive(X, 3), rtol=1e-7, atol=0)  # naive: ~half the digits


def test_many_nearly_parallel_pairs_in_several_chunks():
    # d = 2^19 makes `_direct_angles` process only 4 pairs per chunk; all 12 pairs are near-parallel
    d = 1 << 19
    base = np.ones(d)
    X = np.array([base, base + 1e-7 * np.eye(1, d, 0)[0], base + 2e-7 * np.eye(1, d, 1)[0],
                  base - 3e-7 * np.eye(1, d, 2)[0]])
    t = layer1_angles(X)
    U = X / np.linalg.norm(X, axis=1)[:, None]
    for i in range(4):
        for j in range(4):
            if i != j:
                ref = 2.0 * math.atan2(np.linalg.norm(U[i] - U[j]), np.linalg.norm(U[i] + U[j]))
                assert 0.0 < t[i, j] < 1e-9 and t[i, j] == pytest.approx(ref, rel=1e-6)


def test_boolean_and_integer_data_are_the_same_reals_as_floats():
    Xb = np.array([[True, False, True], [True, True, False], [False, True, True], [True, True, True]])
    Xf = Xb.astype(np.float64)
    for X in (Xb, Xb.astype(np.int64)):
        assert np.array_equal(limiting_ntk(X, 3), limiting_ntk(Xf, 3))


def test_empty_data_is_refused():
    for X in (np.zeros((0, 3)), np.zeros((3, 0))):
        with pytest.raises(ValueError):
            limiting_ntk(X, 2)


def test_closed_form_entry_at_a_given_precision():
    """(10), (9) at dps = 50 for A = [[1, 0], [0, 4]] (t = pi/2): G = sqrt(ab)/pi = 2/pi and
    Gdot = 1/2, to 50 digits; the caller's precision is restored."""
    import mpmath

    from numeric.limiting import closed_form_entry

    dps0 = mpmath.mp.dps
    g, gd = closed_form_entry(1, 4, 0, dps=50)
    assert mpmath.mp.dps == dps0
    with mpmath.workdps(50):
        assert abs(g - 2 / mpmath.pi) <= mpmath.mpf("1e-48") and gd == mpmath.mpf(1) / 2
    g, gd = closed_form_entry(2, 0, 0, dps=30)  # a zero variance: sigma(0) = sigma'(0) = 0
    assert g == 0 and gd == 0
