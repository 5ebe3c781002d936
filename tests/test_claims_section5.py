"""Section 5 claims (Theorem 5.1, Lemmas 5.2-5.5): the true mathematics gives the expected status,
every check function rejects a deliberately false variant, and the numeric helpers behind them
(numeric.feature_gram) compute what they say."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.feature_gram import (
    centered_gram_difference,
    centered_gram_power,
    features_with_error,
    gaussian_first_layer_mean,
    gram_with_perturbation,
    monte_carlo_mean,
    parallel_rows,
    relu_gram_expectation,
)
from numeric.limiting import limiting_ntk
from verify.claims import section5 as s5
from verify.profiles import Profile
from verify.registry import get
from verify.runner import Context

CTX = Context(0, Profile("quick"), "test", "test")


def ctx(seed):
    return Context(seed, Profile("quick"), "test", "test")


# ------------------------------------------------------------------------------ numeric helpers
def test_arccos_expectation_matches_the_limiting_kernel_and_monte_carlo():
    rng = np.random.default_rng(1)
    F = rng.standard_normal((5, 3))
    M, err = relu_gram_expectation(F, beta=0.7)
    E = np.array(M.tolist(), dtype=float)
    # eq. (10): G^(2) = 2 E[sigma sigma] for w ~ N(0, I); with beta the expectation scales by beta^2
    G2 = limiting_ntk(F, 2, return_parts=True).G[1]
    assert np.allclose(E, 0.49 * G2 / 2, rtol=1e-13, atol=1e-13)
    assert err < 1e-50
    W = 0.7 * rng.standard_normal((3, 200000))
    S = np.maximum(F @ W, 0)
    assert np.max(np.abs(E - S @ S.T / W.shape[1])) < 0.02 * np.max(E)


def test_arccos_expectation_exact_cases():
    F = np.array([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.0], [0.0, 3.0]])
    M, _ = relu_gram_expectation(F)
    assert M[0, 0] == mpmath.mpf(1) / 2 and M[3, 3] == mpmath.mpf(9) / 2
    assert M[0, 1] == 1  # parallel rows: E[sigma(g) sigma(2g)] = 2 E[g^2 1{g>0}] = 1
    assert M[0, 2] == 0  # antiparallel rows never fire together
    with mpmath.workdps(60):  # orthogonal rows: sqrt(ab) / (2 pi)
        assert abs(M[0, 3] - mpmath.mpf(3) / (2 * mpmath.pi)) < mpmath.mpf(10) ** -45


def test_parallel_rows_exactly():
    assert parallel_rows(np.array([[1.0, 2.0], [-0.5, -1.0], [1.0, 0.0]]))
    assert not parallel_rows(np.array([[1.0, 2.0], [1.0, 2.0 + 2 ** -50]]))  # exact, not up to rounding


def test_first_layer_population_mean_against_monte_carlo():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((4, 3))
    mu, err = gaussian_first_layer_mean(W)
    assert np.all(err < 1e-13 * (1 + mu))
    mc = monte_carlo_mean([W], 1, 200000, rng)
    assert np.all(np.abs(mc["mu"] - mu) < 5 * mc["se"])


def test_monte_carlo_mean_with_d_above_n1_has_the_same_law():
    # d > n_1: the first pre-activation is drawn as z R (W_1 = QR); its mean and spread must be those
    # of x W_1, x ~ N(0, I_d) (exact population mean of Lemma 5.4 at k = 1)
    rng = np.random.default_rng(5)
    W = rng.standard_normal((64, 5)) * np.linspace(0.2, 3.0, 64)[:, None]
    mu, _ = gaussian_first_layer_mean(W)
    mc = monte_carlo_mean([W], 1, 100000, rng)
    assert np.all(np.abs(mc["mu"] - mu) < 5 * mc["se"])
    sd = np.sqrt((W * W).sum(axis=0))  # E[relu(g)^2] = sd^2 / 2 for g ~ N(0, sd^2)
    assert np.allclose(mc["se"] * np.sqrt(100000), np.sqrt(sd ** 2 / 2 - mu ** 2), rtol=0.02)


def test_monte_carlo_mean_at_layer_two_matches_direct_sampling_when_d_exceeds_n1():
    # the joint law of x W_1 (not only its marginals) reaches layer 2: compare with drawing x itself
    rng = np.random.default_rng(6)
    W1 = rng.standard_normal((40, 6)) * np.linspace(0.2, 2.0, 40)[:, None]
    W2 = rng.standard_normal((6, 4))
    mc = monte_carlo_mean([W1, W2], 2, 100000, rng)
    x = rng.standard_normal((100000, 40))
    F = np.maximum(np.maximum(x @ W1, 0.0) @ W2, 0.0)
    se = np.hypot(mc["se"], F.std(axis=0, ddof=1) / np.sqrt(len(F)))
    assert np.all(np.abs(mc["mu"] - F.mean(axis=0)) < 5 * se)


def test_centered_difference_r1_is_the_rank_two_identity():
    rng = np.random.default_rng(3)
    F = np.abs(rng.standard_normal((6, 4)))
    mu = rng.random(4)
    D, err = centered_gram_difference(F, mu, 0.0, 1)
    a = (F - mu) @ mu
    S = a[:, None] + a[None, :] + mu @ mu
    assert np.max(np.abs(D - S)) <= err
    ev = s5.structural_r1(F, mu)
    assert math.isclose(np.linalg.eigvalsh(S)[0], ev["lambda_minus_closed_form"], rel_tol=1e-9)


def test_centered_difference_identity_is_exact_symbolically():
    f = sp.Matrix(3, 2, sp.symbols("f0:6"))
    m = sp.Matrix(sp.symbols("m0:2"))
    one = sp.ones(3, 1)
    ft = f - one * m.T
    a = ft * m
    lhs = f * f.T - ft * ft.T
    rhs = a * one.T + one * a.T + (m.T * m)[0] * one * one.T
    assert sp.expand(lhs - rhs) == sp.zeros(3, 3)
    C = sp.Matrix([[sp.Symbol("m", positive=True), 1], [1, 0]])
    assert C.det() == -1  # the 2 x 2 signature argument: one negative eigenvalue


def test_error_bounds_cover_the_exact_matrices():
    rng = np.random.default_rng(4)
    F = rng.standard_normal((5, 7))
    mu = rng.standard_normal(7)
    B, err = centered_gram_power(F, mu, 1e-3, 3)
    # a mean inside the box: the exact Hadamard power must be within err (Frobenius)
    mu2 = mu + 1e-3 * (2 * rng.random(7) - 1)
    Ft = F - mu2
    exact = (Ft @ Ft.T) ** 3
    assert np.linalg.norm(B - exact) <= err
    W = rng.standard_normal((7, 9))
    Fk, delta = features_with_error([W], F, 1)
    G, gerr = gram_with_perturbation(Fk, delta)
    assert np.linalg.norm(G - Fk @ Fk.T) <= gerr
    # a mean outside the box is not covered: the bound is not vacuous
    far = mu + 1.0
    Ft = F - far
    assert np.linalg.norm(B - (Ft @ Ft.T) ** 3) > err


@pytest.mark.parametrize("bad, exc", [
    (np.array([[np.nan, 1.0]]), ValueError),
    (np.zeros((0, 2)), ValueError),
    (np.ones(3), ValueError),
    (np.array([["a"]]), TypeError),
])
def test_bad_input_is_rejected(bad, exc):
    with pytest.raises(exc):
        relu_gram_expectation(bad)
    with pytest.raises(exc):
        gaussian_first_layer_mean(bad)


def test_bad_parameters_are_rejected():
    F = np.ones((2, 2))
    with pytest.raises(ValueError):
        relu_gram_expectation(F, beta=0.0)
    with pytest.raises(ValueError):
        relu_gram_expectation(F, dps=5)
    with pytest.raises(ValueError):
        centered_gram_difference(F, np.ones(3), 0.0, 1)
    with pytest.raises(ValueError):
        centered_gram_difference(F, np.ones(2), -1.0, 1)
    with pytest.raises(ValueError):
        centered_gram_power(F, np.ones(2), 0.0, 0)
    with pytest.raises(TypeError):
        centered_gram_power(F, np.ones(2), 0.0, 1.5)
    with pytest.raises(ValueError):
        monte_carlo_mean([F], 2, 100, np.random.default_rng(0))


# ------------------------------------------------------------------------------- shared helpers
def test_mu_sq_interval_encloses_the_exact_values():
    assert s5.mu_sq_interval(1)[0].contains(0.25)
    iv, exact = s5.mu_sq_interval(2)
    assert exact == "1/(4*pi)" and iv.lo <= 1 / (4 * math.pi) <= iv.hi
    assert s5.mu_sq_interval(5)[1] == "0"


def test_probability_bounds_with_constants_one():
    # (33) for r = 1 needs min n_l >> N^2.2: vacuous for small widths, near 1 for huge ones
    assert s5.bound_33(10, [50, 50], 1, 1) < 0
    assert s5.bound_33(10, [10 ** 5, 10 ** 5], 1, 1) > 0.99
    assert s5.bound_31(10, [200, 2000], 1) > 1 - 1e-12
    c = s5.conditions_27_28(64, [256, 1720], 1, 0.1)
    assert c["27_holds"] and not s5.conditions_27_28(64, [256, 1000], 1, 0.1)["27_holds"]


# ------------------------------------------------------------------------------------ lemma 5.3
@pytest.mark.parametrize("instance, N, n", [("gaussian", 6, 8), ("relu-features", 6, 8), ("row-norms", 6, 8),
                                            ("large-norms", 5, 6), ("near-duplicate", 6, 8),
                                            ("rank-deficient", 7, 2), ("orthonormal", 5, 5)])
def test_lemma53_verified_for_every_instance(instance, N, n):
    for r in (1, 2, 3, 6):
        out = s5.khatri_rao_bound(CTX, instance, N, n, r, 0.5)
        assert out.status == "verified", (instance, r, out.evidence)
        assert out.method in ("certified", "high-precision")


def test_lemma53_catches_a_larger_constant():
    out = s5.khatri_rao_bound(CTX, "orthonormal", 6, 6, 1, 1.0, factor=4.0)
    assert out.status == "counterexample"
    # the witness: lambda_min(E) = 1/2 - 1/(2 pi) < 4 mu_1^2 = 1 for orthonormal rows
    assert out.evidence["lambda_min_hi"] < 0.35 and out.evidence["rhs_lo"] > 0.99


def test_lemma53_catches_a_dropped_denominator():
    out = s5.khatri_rao_bound(CTX, "large-norms", 6, 8, 2, 1.0, drop_denominator=True)
    assert out.status == "counterexample"
    assert s5.khatri_rao_bound(CTX, "large-norms", 6, 8, 2, 1.0).status == "verified"


def test_lemma53_equality_cases_are_decided_exactly():
    F = np.array([[1.0], [2.0], [-3.0]])  # n = 1: parallel rows, E and (F F^T)^{o r} both singular
    for r in (1, 2):
        out = s5.khatri_rao_bound(CTX, "gaussian", 3, 1, r, 1.0, F=F)
        assert out.status == "verified" and out.method == "exact"
    # the exact fallback is no loophole: a larger constant on a non-degenerate instance is still caught
    assert s5.khatri_rao_bound(CTX, "orthonormal", 4, 4, 2, 1.0, factor=10.0).status == "counterexample"


def test_lemma53_rejects_zero_rows():
    with pytest.raises(ValueError):
        s5.khatri_rao_bound(CTX, "gaussian", 2, 2, 1, 1.0, F=np.array([[1.0, 0.0], [0.0, 0.0]]))


@settings(max_examples=25, deadline=None)
@given(N=st.integers(2, 6), n=st.integers(1, 6), r=st.integers(1, 6), beta=st.floats(0.05, 5.0),
       seed=st.integers(0, 2 ** 32 - 1), spread=st.floats(0.0, 3.0))
def test_lemma53_property(N, n, r, beta, seed, spread):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((N, n)) * 10.0 ** rng.uniform(-spread, spread, size=(N, 1))
    if not np.all(np.any(F != 0, axis=1)):
        return
    out = s5.khatri_rao_bound(CTX, "gaussian", N, n, r, beta, F=F)
    assert out.status == "verified", out.evidence


# ------------------------------------------------------------------------------------ lemma 5.2
def test_lemma52_frequency_reaches_one_for_wide_layers():
    out = s5.event_frequency(CTX, 1, 8, 16, [16], "he", 15, 0.05, [1, 4, 16])
    assert out.status == "consistent" and out.method == "monte-carlo"
    ev = out.evidence
    assert ev["successes_per_n_k"][-1] == 15 and sum(ev["undecided_per_n_k"]) == 0
    assert ev["Q"] > 0 and ev["c_empirical"] is not None and ev["c_empirical"] < 1
    assert out.figures


def test_lemma52_rejects_a_larger_constant():
    out = s5.event_frequency(CTX, 2, 8, 16, [16, 32], "he", 15, 0.05, [1, 4, 16], const=2.0)
    assert out.status not in ("consistent", "verified")


def test_lemma52_narrow_layer_is_not_applicable():
    out = s5.narrow_layer(CTX, 1, 8, 16, [16], 4, "he", 5)
    assert out.status == "not-applicable" and out.evidence["failures"] == 5
    with pytest.raises(ValueError):
        s5.narrow_layer(CTX, 1, 8, 16, [16], 8, "he", 5)


# ------------------------------------------------------------------------------------ lemma 5.4
def test_lemma54_r1_fails_structurally_at_every_trial():
    out = s5.centering_frequency(CTX, 1, 1, 6, 32, [32, 128, 128], "standard", 6, None)
    assert out.status == "counterexample" and out.method == "certified"
    w = out.evidence["witness"]
    assert w["lambda_min_hi"] < 0 and w["beta_perp"] > 0
    assert w["lambda_min_lo"] <= w["lambda_minus_closed_form"] <= w["lambda_min_hi"] + 1e-9 * abs(w["lambda_min_lo"])


def test_lemma54_r2_consistent_for_wide_layers_and_reverse_order_rejected():
    assert s5.centering_frequency(CTX, 1, 2, 6, 64, [64, 256, 256], "standard", 6, None).status == "consistent"
    out = s5.centering_frequency(CTX, 1, 2, 6, 64, [64, 256, 256], "standard", 6, None, reverse=True)
    assert out.status not in ("consistent", "verified") and out.evidence["failures"] == 6


def test_lemma54_monte_carlo_mean_never_verifies_or_refutes():
    for r in (1, 3):
        out = s5.centering_frequency(ctx(5), 2, r, 5, 32, [32, 128, 128], "standard", 2, 5000)
        assert out.status in ("consistent", "inconclusive") and out.method == "monte-carlo"
    assert out.evidence["mc_samples_used"]


def test_lemma54_witnesses():
    out = s5.centering_witness(CTX, 1, 1, 10, 20, [20, 50])
    assert out.status == "counterexample" and out.evidence["lambda_min_hi"] < 0
    assert out.evidence["lambda_min_lo"] <= out.evidence["lambda_minus_closed_form"] <= out.evidence["lambda_min_hi"]
    # no false alarm: a wide draw where (30) holds for r = 2 is verified by the same check
    assert s5.centering_witness(CTX, 1, 2, 6, 64, [64, 256]).status == "verified"
    out = s5.centering_witness(CTX, 1, 2, 23, 40, [40, 20])
    assert out.status == "counterexample" and out.evidence["null_space_dim"] >= 3
    assert out.evidence["lambda_min_restricted_SoS_float"] < 0
    with pytest.raises(ValueError):
        s5.centering_witness(CTX, 2, 1, 10, 20, [20, 50])


def test_r1_box_certificate_needs_a_small_box():
    rng = np.random.default_rng(6)
    F = np.abs(rng.standard_normal((5, 4)))
    mu = rng.random(4) + 0.5
    assert s5.r1_box_certificate(F, mu, np.zeros(4))
    assert not s5.r1_box_certificate(F, mu, np.full(4, 100.0))


# ------------------------------------------------------------------------------------ lemma 5.5
def test_lemma55_scaling_consistent_and_wrong_exponent_rejected():
    grid = [16, 32, 64, 128, 256]
    out = s5.centered_scaling(CTX, 1, [1, 2], 5, 40, grid, 5, "standard", None)
    assert out.status == "consistent" and out.figures
    bad = s5.centered_scaling(CTX, 1, [1, 2], 5, 40, grid, 5, "standard", None, power_offset=1)
    assert bad.status == "inconclusive"


def test_lemma55_rank_deficiency_is_not_applicable():
    out = s5.rank_deficient_centered(CTX, 1, 2, 6, 32, 2, "standard")
    assert out.status == "not-applicable"
    ev = out.evidence
    assert ev["distinct_monomials"] == 3 and ev["lambda_min_lo"] <= 0 <= ev["lambda_min_hi"]
    assert ev["bound_33_constants_1"] < 0
    # negative control: with C(n_k + r - 1, r) >= N there is no structural deficiency to report
    assert s5.rank_deficient_centered(CTX, 1, 2, 6, 32, 4, "standard").status == "inconclusive"


# ---------------------------------------------------------------------------------- theorem 5.1
def test_theorem51_scaling_consistent_and_wrong_exponent_rejected():
    grid = [8, 12, 16, 24, 32, 48]
    out = s5.feature_scaling(CTX, 1, [1, 2], grid, 4, 0.1, 3, "standard")
    assert out.status == "consistent"
    assert all(c["27_holds"] for c in out.evidence["conditions_27_28"])
    assert set(out.evidence["per_r"]) == {"r=1", "r=2"}
    assert s5.feature_scaling(CTX, 1, [1], grid, 4, 0.1, 3, "standard", exponent=1.3).status == "inconclusive"


def test_theorem51_deterministic_parts():
    assert s5.trivial_lower_bound(CTX, 1, 3, 8, 32, 0.1, "standard").status == "verified"
    with pytest.raises(ValueError):
        s5.trivial_lower_bound(CTX, 1, 2, 8, 32, 0.1, "standard")
    for k in (1, 2):
        assert s5.upper_bound_rows(CTX, k, 8, 32, 0.1, "standard").status == "verified"
    assert s5.upper_bound_rows(CTX, 1, 8, 32, 0.1, "standard", factor=0.01).status == "counterexample"


def test_relu_layer_shortcut_has_the_right_covariance():
    rng = np.random.default_rng(7)
    F = rng.standard_normal((3, 10))  # n_prev > N: drawn through S z
    out = np.stack([s5._relu_layer(rng, F, 0.5, 4000) for _ in range(5)], axis=0)
    emp = np.mean([o @ o.T / o.shape[1] for o in out], axis=0)
    M, _ = relu_gram_expectation(F, beta=0.5)
    assert np.allclose(emp, np.array(M.tolist(), dtype=float), rtol=0.05, atol=0.05 * float(M[0, 0]))


# ------------------------------------------------------------------------------------- registry
def test_claims_registered_with_unique_check_names():
    for cid in ("theorem-5.1", "lemma-5.2", "lemma-5.3", "lemma-5.4", "lemma-5.5"):
        checks = get(cid).checks(Profile("quick"))
        names = [c.name for c in checks]
        assert len(names) == len(set(names)) and names
        assert not any(ch in n for n in names for ch in "[]")  # names are used as fnmatch patterns
    names53 = [c.name for c in get("lemma-5.3").checks(Profile("quick"))]
    assert any("r=1 " in n for n in names53) and any("r=6 " in n for n in names53)
    ks = {c.params["k"] for c in get("lemma-5.4").checks(Profile("quick")) if "k" in c.params}
    assert ks == {1, 2}
