"""Section 4 claims (eq-24, eq-25, eq-26, lemma-4.3, theorem-4.1, corollary-4.2) and eq-5: the true
mathematics gives the expected status; every check has a deliberately false variant it rejects."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric import ReLUNetwork, sample
from numeric.exact_network import Dyadic, decomposition, exact_features, exact_jacobian, exact_output
from numeric.memorize import fit_labels
from numeric.ntk_error import jjt_with_error, ntk_with_error
from verify.claims import section1, section4
from verify.profiles import Profile
from verify.runner import Context

GOOD = ("verified", "consistent")


def ctx(seed=0):
    return Context(seed, Profile("quick"), "test", "test")


# ------------------------------------------------------------------ numeric helpers


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(2, 6))
def test_forward_mode_jacobian_gram_equals_decomposition_exactly(seed, L, N):
    rng = np.random.default_rng(seed)
    widths = [int(w) for w in rng.integers(1, 6, size=L)]
    X = sample("gaussian", N, widths[0], seed=rng)
    net = ReLUNetwork.init(widths + [1], init="he", seed=rng)
    feats = exact_features(net, X)
    K = exact_jacobian(net, X).gram()
    assert (K - decomposition(feats)).is_zero()
    # the float library agrees with the exact values to rounding
    assert np.allclose(exact_jacobian(net, X).to_float(), net.jacobian(X), rtol=1e-12, atol=1e-12)
    assert np.allclose(exact_output(net, X).to_float(), net.forward(X), rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_float_ntk_error_bounds_contain_the_exact_decomposition(seed):
    rng = np.random.default_rng(seed)
    X = sample("gaussian", 5, 3, seed=rng)
    net = ReLUNetwork.init([3, 4, 6, 1], init="standard", seed=rng)
    feats = net.features(X)
    exact = None
    for k in range(net.L):
        t = Dyadic.of(feats.F[k]).gram() * Dyadic.of(feats.B[k]).gram()
        exact = t if exact is None else exact + t
    ex = exact.fractions()
    for K, E in (ntk_with_error(net, X), jjt_with_error(net, X)):
        for i in range(5):
            for j in range(5):
                assert abs(Fraction(float(K[i, j])) - ex[i, j]) <= Fraction(float(E[i, j]))


def test_dyadic_and_helpers_reject_bad_input():
    with pytest.raises(ValueError):
        Dyadic.of(np.array([1.0, np.nan]))
    with pytest.raises(TypeError):
        Dyadic.of(np.array(["a"]))
    net = ReLUNetwork.init([2, 3, 1], seed=0)
    with pytest.raises(ValueError):
        exact_features(net, np.ones((3, 5)))
    with pytest.raises(ValueError):
        decomposition(exact_features(net, np.ones((3, 2))), last="sqrt")
    with pytest.raises(TypeError):
        ntk_with_error("net", np.ones((3, 2)))
    with pytest.raises(ValueError):
        fit_labels([2, 3], np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError):
        fit_labels([2, 3], np.ones((3, 2)), np.ones(3), eps=0.0)


# ------------------------------------------------------------------ eq-24


def test_eq24_identity_exact_and_the_paper_typo():
    for L, N, d, n in [(2, 6, 3, [7]), (3, 6, 4, [5, 6]), (4, 6, 3, [4, 5, 3])]:
        out = section4.identity_exact(ctx(L), L, N, d, n, "he")
        assert out.status == "verified" and out.method == "exact", (L, out.evidence)
    bad = section4.identity_exact(ctx(), 3, 6, 4, [5, 6], "he", B_L="1_N/sqrt(N)")
    assert bad.status == "counterexample"
    assert bad.evidence["residual_equals_(1-1/N)F_{L-1}F_{L-1}^T"] is True
    dropped = section4.identity_exact(ctx(), 3, 6, 4, [5, 6], "he", terms=[0, 1])
    assert dropped.status == "counterexample"


def test_eq24_identity_float_within_rounding_bounds_and_a_dropped_term_is_caught():
    out = section4.identity_float(ctx(), 3, 12, 6, [16, 16], "standard")
    assert out.status == "verified" and out.method == "certified"
    assert out.evidence["max_difference_over_bound"] < 1.0
    assert section4.identity_float(ctx(), 3, 12, 6, [16, 16], "standard", terms=[1, 2]).status == "counterexample"


def test_eq24_inequality_exact_and_float_with_false_factors():
    out = section4.inequality_exact(ctx(), 2, 8, 4, [12], "he")
    assert out.status == "verified" and out.evidence["rhs"][0] > 0
    assert section4.inequality_exact(ctx(), 2, 8, 4, [12], "he", factor=1000.0).status == "counterexample"
    out = section4.inequality_float(ctx(), 3, 24, 8, [10, 96], "he")
    assert out.status == "verified" and out.evidence["rhs"][0] > 0
    assert section4.inequality_float(ctx(), 3, 24, 8, [10, 96], "he", factor=1000.0).status == "counterexample"


def test_eq24_inequality_with_zero_right_side_is_the_gram_argument():
    out = section4.inequality_exact(ctx(), 3, 10, 3, [4, 4], "he")
    assert out.status == "verified" and out.evidence["rhs"] == [0.0, 0.0]


# ------------------------------------------------------------------ eq-25


def test_eq25_diagonal_identity_and_negative_controls():
    assert section4.diagonal_identity(ctx(), 3, 8, 4, [6, 9], "he").status == "verified"
    assert section4.diagonal_identity(ctx(), 3, 8, 4, [6, 9], "he", terms=[0, 2]).status == "counterexample"
    assert section4.diagonal_identity(ctx(), 3, 8, 4, [6, 9], "he", B_L="1_N/sqrt(N)").status == "counterexample"


def test_eq25_upper_bound_certified_and_a_too_small_threshold_is_refuted():
    assert section4.upper_bound_exact(ctx(), 2, 8, 4, [12], "he").status == "verified"
    assert section4.upper_bound_exact(ctx(), 2, 8, 4, [12], "he", threshold_factor=1e-3).status == "counterexample"
    assert section4.upper_bound_float(ctx(), 3, 24, 8, [10, 96], "he").status == "verified"
    assert section4.upper_bound_float(ctx(), 3, 24, 8, [10, 96], "he",
                                      threshold_factor=1e-4).status == "counterexample"


# ------------------------------------------------------------------ eq-26 and Lemma 4.3

GRID = [16, 32, 64, 128]


def test_eq26_data_norm_and_a_false_power():
    assert section4.data_norm(ctx(), [4, 16, 64, 256], 16).status == "consistent"
    assert section4.data_norm(ctx(), [4, 16, 64, 256], 16, predicted_power=0.5).status not in GOOD


def test_eq26_feature_norms_consistent_and_false_variants_rejected():
    out = section4.feature_norms(ctx(1), 3, 16, GRID, [1, 2], "he", 12)
    assert out.status == "consistent", out.evidence["per_k"]
    assert section4.feature_norms(ctx(1), 3, 16, GRID, [1, 2], "he", 12, width_power=0.5).status not in GOOD
    # a wrong large-width value (2^{-k+1} instead of 2^{-k}, i.e. target 2 for R_k)
    assert section4.feature_norms(ctx(1), 3, 16, GRID, [1, 2], "he", 12, target=2.0).status not in GOOD


def test_lemma43_consistent_and_false_variants_rejected():
    out = section4.backward_rows(ctx(2), 4, 16, GRID, [1, 2, 1], "lecun", 12)
    assert out.status == "consistent", out.evidence["per_k"]
    assert section4.backward_rows(ctx(2), 4, 16, GRID, [1, 2, 1], "lecun", 12, width_power=0.5).status not in GOOD
    assert section4.backward_rows(ctx(2), 4, 16, GRID, [1, 2, 1], "lecun", 12, target=2.0).status not in GOOD
    with pytest.raises(ValueError):
        section4.backward_rows(ctx(), 2, 16, GRID, [1], "he", 4)


# ------------------------------------------------------------------ Theorem 4.1


def test_theorem41_tightness_consistent_and_a_false_scaling_rejected():
    kw = dict(L=3, k=2, N=[8, 16, 32, 64], init="he", T=4, delta=0.1, before="2N", after="2 ceil(log2 N) + 2")
    out = section4.tightness(ctx(3), **kw)
    assert out.status == "consistent"
    assert all(p["xi"][1] == 1 for p in out.evidence["per_N"])
    assert section4.tightness(ctx(3), **kw, extra_power=1.0).status not in GOOD
    assert section4.tightness(ctx(3), **kw, extra_power=-1.0).status not in GOOD


def test_theorem41_certified_skeleton_and_a_false_lower_bound():
    kw = dict(L=3, k=2, N=10, init="he", delta=0.1, before="2N", after="2 ceil(log2 N) + 2")
    assert section4.certified_skeleton(ctx(), **kw).status == "verified"
    assert section4.certified_skeleton(ctx(), **kw, factor=1e4).status == "counterexample"


def test_theorem41_rank_collapse_only_when_parameters_are_fewer_than_samples():
    out = section4.rank_collapse(ctx(), 3, 64, 4, [4, 4], "he")
    assert out.status == "not-applicable" and out.evidence["n_params"] < 64
    assert abs(out.evidence["lambda_min_float"]) < 1e-8
    assert section4.rank_collapse(ctx(), 2, 8, 4, [12], "he").status == "inconclusive"


def test_theorem41_no_wide_layer_contrast():
    out = section4.no_wide_layer(ctx(), 3, [8, 64, 256], 8, [8, 8], "he", 2, 0.1)
    assert out.status == "not-applicable"
    assert all(not any(p["xi"]) for p in out.evidence["per_N"])
    last = out.evidence["per_N"][-1]
    assert last["rank_forces_zero"] and abs(out.evidence["median_lambda_min"][-1]) < 1e-8
    # a network with a wide layer is no contrast and must not be reported as one
    assert section4.no_wide_layer(ctx(), 3, [8, 12], 8, [8, 200], "he", 1, 0.1).status == "inconclusive"


# ------------------------------------------------------------------ Corollary 4.2


def test_corollary42_memorization_proven_exactly():
    out = section4.memorization(ctx(), 3, 12, 6, [6, 143], "he", "gaussian", 1e-8, 0.1)
    assert out.status == "verified" and out.method == "exact"
    assert out.evidence["exact_residual"] <= 1e-8 and out.evidence["lambda_min_along_path_min"] > 0


def test_corollary42_duplicated_point_with_two_labels_is_not_fitted():
    out = section4.memorization(ctx(), 3, 12, 6, [6, 143], "he", "gaussian", 1e-8, 0.1, duplicate=True)
    assert out.status not in GOOD and out.evidence["exact_residual"] > 0.5


def test_corollary42_without_a_wide_layer_is_not_applicable():
    out = section4.memorization(ctx(), 3, 32, 4, [3, 3], "he", "gaussian", 1e-8, 0.1)
    assert out.status == "not-applicable" and "argument" in out.evidence
    assert out.evidence["exact_residual"] > 1e-3


# ------------------------------------------------------------------ eq-5


def test_eq5_verified_and_lambda_max_variant_refuted():
    out = section1.gradient_inequality(ctx(), 3, 8, 3, [5, 9], "he")
    assert out.status == "verified"
    assert out.evidence["grad_norm_sq"] >= out.evidence["lambda_min_lo"] * out.evidence["two_phi"]
    assert section1.gradient_inequality(ctx(), 3, 8, 3, [5, 9], "he", eigen="max").status == "counterexample"


def test_eq5_tight_case_needs_and_gets_high_precision():
    out = section1.gradient_inequality(ctx(), 3, 8, 3, [5, 9], "he", labels="bottom eigenvector")
    assert out.status == "verified"
    rel = (out.evidence["rayleigh_quotient"] - out.evidence["lambda_min_lo"]) / out.evidence["rayleigh_quotient"]
    assert rel < 1e-6


# ------------------------------------------------------------------ registry


@pytest.mark.parametrize("cid", ["eq-24", "eq-25", "eq-26", "lemma-4.3", "theorem-4.1", "corollary-4.2"])
def test_claims_are_registered_with_unique_check_names(cid):
    from verify import registry

    for profile in ("quick", "standard"):
        checks = registry.get(cid).checks(Profile(profile))
        assert len({c.name for c in checks}) == len(checks) > 0
