"""Data generators for Assumptions 2.1-2.2: scaling E||x||^2 = d, zero mean, Lipschitz map."""

from hyp import examples
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate

from numeric.data import (
    DISTRIBUTIONS,
    lipschitz_gaussian_map,
    sample,
    validate_data,
)

NAMES = sorted(DISTRIBUTIONS)
# Var ||x||^2 per coordinate: Gaussian 2, uniform on [-sqrt3, sqrt3]: E x^4 - 1 = 9/5 - 1.
NORM_VAR_PER_COORD = {"gaussian": 2.0, "uniform": 0.8}


@settings(max_examples=examples(40), deadline=None)
@given(st.sampled_from(NAMES), st.integers(1, 20), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_shape_dtype_determinism(name, N, d, seed):
    X = sample(name, N, d, seed)
    assert X.shape == (N, d) and X.dtype == np.float64 and np.all(np.isfinite(X))
    assert np.array_equal(X, DISTRIBUTIONS[name](N, d, seed))


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_support_of_exact_norm_laws(N, d, seed):
    S = sample("sphere", N, d, seed)
    assert np.allclose(np.sum(S**2, axis=1), d, rtol=1e-13)
    R = sample("rademacher", N, d, seed)
    assert set(np.unique(R)) <= {-1.0, 1.0}
    Unif = sample("uniform", N, d, seed)
    assert np.all(np.abs(Unif) <= np.sqrt(3.0))


@pytest.mark.parametrize("name", NAMES)
def test_second_moment_is_d_and_mean_is_zero(name):
    """Assumption 2.1.2 with constant 1 (E||x||^2 = d) and zero mean (Theorem 3.2), by a 6-sigma
    CLT test on 20000 samples (fixed seed)."""
    N, d = 20000, 8
    X = sample(name, N, d, seed=2021)
    sq = np.sum(X**2, axis=1)
    sd = np.sqrt(NORM_VAR_PER_COORD[name] * d) if name in NORM_VAR_PER_COORD else sq.std()
    assert abs(sq.mean() - d) <= 6 * sd / np.sqrt(N) + 1e-12 * d
    coord_sd = X.std(axis=0)
    assert np.all(np.abs(X.mean(axis=0)) <= 6 * coord_sd / np.sqrt(N))


def test_mean_control_biased_sample_is_caught():
    """Negative control for the zero-mean test: a shifted sample must fail it."""
    N, d = 20000, 8
    X = sample("gaussian", N, d, seed=2021, mean=0.1)
    assert not np.all(np.abs(X.mean(axis=0)) <= 6 * X.std(axis=0) / np.sqrt(N))


def test_mean_offset_scalar_and_vector():
    base = sample("rademacher", 5, 3, seed=1)
    assert np.array_equal(sample("rademacher", 5, 3, seed=1, mean=2.0), base + 2.0)
    mu = np.array([1.0, -2.0, 0.5])
    assert np.array_equal(sample("rademacher", 5, 3, seed=1, mean=mu), base + mu)


def test_lipschitz_map_is_odd_lipschitz_and_normalised():
    d = 6
    Q, B, c = lipschitz_gaussian_map(d)
    assert np.allclose(Q @ Q.T, np.eye(d), atol=1e-14)
    assert np.linalg.norm(B, 2) <= 1 + 1e-12
    assert 0.5 < c < 3.0  # O(1) Lipschitz constant (about 2.3 for large d)
    phi = lambda Z: c * (np.tanh(Z @ B.T) @ Q.T)
    rng = np.random.default_rng(0)
    Z, Z2 = rng.standard_normal((500, d)), rng.standard_normal((500, d))
    assert np.allclose(phi(-Z), -phi(Z), rtol=0, atol=1e-14)  # odd: mean exactly 0
    ratio = np.linalg.norm(phi(Z) - phi(Z2), axis=1) / np.linalg.norm(Z - Z2, axis=1)
    assert np.all(ratio <= c * (1 + 1e-12))
    # E||phi(z)||^2 = c^2 sum_j E tanh(||B_j|| xi)^2 = d, checked by independent 1-D quadrature.
    pdf = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    second = sum(
        integrate.quad(lambda x: np.tanh(s * x) ** 2 * pdf(x), -40, 40, epsabs=1e-14)[0]
        for s in np.linalg.norm(B, axis=1)
    )
    assert abs(c**2 * second - d) <= 1e-9 * d
    X = sample("lipschitz-gaussian", 7, d, seed=3)
    assert np.allclose(X, phi(np.random.default_rng(3).standard_normal((7, d))), rtol=0, atol=1e-14)


def test_bad_arguments():
    for N, d in [(0, 3), (3, 0), (-1, 2)]:
        with pytest.raises(ValueError):
            sample("gaussian", N, d, 0)
    for N, d in [(2.5, 3), (3, "4"), (True, 3)]:
        with pytest.raises(TypeError):
            sample("gaussian", N, d, 0)
    with pytest.raises(ValueError):
        sample("cauchy", 3, 3, 0)
    with pytest.raises(ValueError):
        sample("gaussian", 3, 3, 0, mean=np.ones(4))
    with pytest.raises(ValueError):
        sample("gaussian", 3, 3, 0, mean=np.nan)
    with pytest.raises(TypeError):
        sample("gaussian", 3, 3, seed="x")
    with pytest.raises(ValueError):
        sample("gaussian", 3, 3, seed=-1)


def test_validate_data():
    X = validate_data([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.shape == (2, 2)
    for bad in (np.ones(3), np.ones((0, 2)), np.ones((2, 0)), np.ones((2, 2, 2)),
                [[1.0, np.nan]], [[np.inf, 1.0]], [[1.0], [1.0, 2.0]]):
        with pytest.raises(ValueError):
            validate_data(bad)
    with pytest.raises(ValueError):
        validate_data(np.ones((2, 3)), d=4)
    for bad in ([["a", "b"]], np.ones((2, 2), dtype=complex), None):
        with pytest.raises(TypeError):
            validate_data(bad)
