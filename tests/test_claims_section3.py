"""lemma-3.1, eq-13 and theorem-3.2 as claims: the true mathematics gets the expected status, and
every check function rejects a deliberately false variant."""
from hyp import examples
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.limiting import LimitingParts, limiting_ntk
from verify import registry
from verify.claims import section3 as s3
from verify.profiles import Profile
from verify.runner import Context

CTX = Context(7, Profile("quick"), "test", "test")
GRID = [2 ** k for k in range(4, 14)]


# ----------------------------------------------------------------------------- registry

@pytest.mark.parametrize("cid", ["lemma-3.1", "eq-13", "theorem-3.2"])
@pytest.mark.parametrize("profile", ["quick", "standard", "full"])
def test_claims_build_with_unique_names_and_json_params(cid, profile):
    import json

    checks = registry.get(cid).checks(Profile(profile))
    assert len({c.name for c in checks}) == len(checks)
    for c in checks:
        json.dumps(c.params)


def test_theorem_32_covers_every_L_r_and_layer():
    checks = registry.get("theorem-3.2").checks(Profile("quick"))
    chains = {c.params["L"] for c in checks if c.fn is s3.chain}
    assert chains == {2, 3, 4, 5}
    assert {c.params["r"] for c in checks if c.fn is s3.hermite_step} == {1, 2, 3, 4}
    assert all(c.params["L"] == 5 for c in checks if c.fn is s3.hermite_step)  # l = 2..5
    assert {c.params["L"] for c in checks if c.fn is s3.d_scaling} == {2, 3, 4, 5}


# ----------------------------------------------------------------------------- lemma 3.1

def test_covariance_route_verified():
    out = s3.covariance_route(CTX, L=4, N=6, d=4, dist="gaussian")
    assert out.status == "verified" and out.method == "high-precision"
    assert out.evidence["G1_minus_XXT_rel"] <= 1e-45


def test_covariance_route_rejects_entrywise_square_root():
    def entrywise_sqrt(G):
        return mpmath.matrix([[mpmath.sqrt(abs(G[i, j])) for j in range(G.cols)] for i in range(G.rows)])

    assert s3.covariance_route(CTX, L=4, N=6, d=4, dist="gaussian", sqrt_fn=entrywise_sqrt).status == "counterexample"


def test_quadrature_route_verified():
    out = s3.quadrature_route(CTX, L=3, N=5, d=4, dist="sphere", pairs=1)
    assert out.status == "verified" and out.evidence["max_diff_Gdot"] < 1e-45


def test_quadrature_route_rejects_recursion_without_factor_2():
    def halved(X, L):
        P = s3._mp_parts(X, L)
        with mpmath.workdps(s3.DPS):
            G = [P.G[0]] + [g * mpmath.mpf("0.5") for g in P.G[1:]]
        return LimitingParts(G=G, Gdot=P.Gdot, K=P.K)

    out = s3.quadrature_route(CTX, L=3, N=5, d=4, dist="sphere", pairs=1, recursion=halved)
    assert out.status == "counterexample" and out.evidence["max_diff_G_rel"] > 0.1


def test_monte_carlo_route_consistent_and_band_shrinks():
    out = s3.monte_carlo_route(CTX, L=4, N=8, d=5, dist="gaussian", S=[2000, 8000])
    assert out.status == "consistent" and out.method == "monte-carlo"
    assert abs(out.evidence["se_shrink"] - 2.0) < 0.4


def test_monte_carlo_route_rejects_missing_factor_2():
    out = s3.monte_carlo_route(CTX, L=4, N=8, d=5, dist="gaussian", S=[2000, 8000], factor=1.0)
    assert out.status == "inconclusive" and min(out.evidence["max_z"]) > 10 * out.evidence["z_bonferroni"]


# ----------------------------------------------------------------------------- eq. (13)

@pytest.mark.parametrize("L", [2, 3, 4, 5])
def test_eq13_verified(L):
    out = s3.unrolled_equals_recursion(CTX, L=L, N=6, d=4, dist="rademacher")
    assert out.status == "verified" and out.evidence["max_rel_difference"] < 1e-45


@settings(max_examples=examples(12), deadline=None)
@given(st.data())
def test_eq13_catches_any_dropped_factor(data):
    L = data.draw(st.integers(2, 5))
    l = data.draw(st.integers(1, L - 1))
    p = data.draw(st.integers(l + 1, L))
    out = s3.unrolled_equals_recursion(CTX, L=L, N=5, d=3, dist="gaussian", drop=(l, p))
    assert out.status == "counterexample"


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(1, 6), st.integers(0, 2 ** 31))
def test_unrolled_sum_with_unit_gdot_is_the_sum_of_G(L, seed):
    rng = np.random.default_rng(seed)
    G = [rng.standard_normal((3, 3)) for _ in range(L)]
    ones = [np.ones((3, 3))] * (L - 1)
    np.testing.assert_allclose(s3.unrolled_sum(G, ones), sum(G), rtol=1e-12, atol=1e-12)
    # and it satisfies the recursion K^(l) = K^(l-1) o Gdot^(l) + G^(l) for any Gdot
    Gd = [rng.uniform(0, 1, (3, 3)) for _ in range(L - 1)]
    K = G[0]
    for l in range(2, L + 1):
        K = K * Gd[l - 2] + G[l - 1]
    np.testing.assert_allclose(s3.unrolled_sum(G, Gd), K, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- theorem 3.2 (a), (b)

@pytest.mark.parametrize("L,dist", [(2, "gaussian"), (5, "lipschitz-gaussian")])
def test_chain_verified(L, dist):
    out = s3.chain(CTX, L=L, N=10, d=6, dist=dist)
    assert out.status == "verified" and out.method in ("certified", "high-precision")


def test_chain_rejects_a_wrong_K():
    X = s3._data("gaussian", 10, 6, CTX.seed)
    lam = float(np.linalg.eigvalsh(limiting_ntk(X, 4))[0])
    out = s3.chain(CTX, L=4, N=10, d=6, dist="gaussian", K_shift=lam)
    assert out.status == "counterexample"


def test_upper_side_verified_and_rejects_a_too_small_bound():
    assert s3.upper_side(CTX, L=3, N=10, d=6, dist="sphere").status == "verified"
    assert s3.upper_side(CTX, L=3, N=10, d=6, dist="sphere", factor=0.01).status == "counterexample"


@pytest.mark.parametrize("r", [1, 2, 3, 4])
def test_hermite_step_verified_for_every_r(r):
    out = s3.hermite_step(CTX, r=r, L=4, N=8, d=6, dist="gaussian")
    assert out.status == "verified"
    assert [e["l"] for e in out.evidence["layers"]] == [2, 3, 4]


def test_hermite_step_rejects_a_too_large_constant():
    out = s3.hermite_step(CTX, r=1, L=4, N=8, d=6, dist="gaussian", constant=50)
    assert out.status == "counterexample"


def test_mu_squared_matches_equation_8():
    with mpmath.workdps(80):
        assert abs(s3._mu_squared(2) - 1 / (4 * mpmath.pi)) < mpmath.mpf(10) ** -60
        assert abs(s3._mu_squared(4) - 1 / (48 * mpmath.pi)) < mpmath.mpf(10) ** -60
    assert s3._mu_squared(1) == mpmath.mpf(1) / 4 and s3._mu_squared(3) == 0


# ----------------------------------------------------------------------------- theorem 3.2 (c), (d)

def test_d_scaling_consistent_and_rejects_a_wrong_rate():
    out = s3.d_scaling(CTX, L=3, N=20, d=GRID, dists=["gaussian", "sphere"], T=2)
    assert out.status == "consistent" and out.figures
    assert 0 < out.evidence["band_lo"] and out.evidence["band_hi_over_L"] < 1.5
    wrong = s3.d_scaling(CTX, L=3, N=20, d=GRID, dists=["gaussian", "sphere"], T=2, predicted_power=2.0)
    assert wrong.status == "inconclusive"


def test_depth_scaling_consistent_and_rejects_dropping_the_factor_L():
    kw = dict(L=[2, 3, 4, 5], N=20, d=GRID[-3:], dists=["gaussian"], T=2)
    assert s3.depth_scaling(CTX, **kw).status == "consistent"
    assert s3.depth_scaling(CTX, **kw, depth_power=0.0).status == "inconclusive"


def test_uncentered_is_not_applicable_and_centered_is_judged():
    kw = dict(L=3, N=20, d=GRID[:8], dists=["gaussian"], T=2)
    out = s3.uncentered(CTX, mean=1.0, **kw)
    assert out.status == "not-applicable" and "zero mean" in out.evidence["hypothesis_failing"]
    assert s3.uncentered(CTX, mean=0.0, **kw).status in ("consistent", "inconclusive")


def test_duplicated_point_gives_lambda_min_zero_and_distinct_points_do_not():
    out = s3.duplicated_point(CTX, L=3, N=8, d=5, dist="gaussian")
    assert out.status == "not-applicable" and out.evidence["witness_rayleigh"] in ("0.0", "0")
    assert out.evidence["lambda_min_lo"] <= 0 <= out.evidence["lambda_min_hi"] < 1e-40
    assert s3.duplicated_point(CTX, L=3, N=8, d=5, dist="gaussian", duplicate=False).status == "verified"


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(2, 200), st.sampled_from([2, 4, 6, 8]), st.integers(1, 500))
def test_failure_bound_decreases_in_d_and_is_vacuous_at_d_1(N, r, d):
    assert s3.failure_bound(N, d + 1, r) < s3.failure_bound(N, d, r)  # no underflow for d <= 500
    assert s3.failure_bound(N, 1, r) >= 1.0
    assert s3.failure_bound(N, d, r) >= N * N * math.exp(-d)  # the second term alone, r-independent floor
