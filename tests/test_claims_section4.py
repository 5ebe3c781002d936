"""Section 4 claims (eq-24, eq-25, eq-26, lemma-4.3, theorem-4.1, corollary-4.2) and eq-5: the true
mathematics gives the expected status; every check has a deliberately false variant it rejects."""
from fractions import Fraction

import numpy as np
import pytest
from hyp import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from numeric import ReLUNetwork, sample
from numeric.exact_network import Dyadic, decomposition, exact_features, exact_jacobian, exact_output
from numeric.memorize import fit_labels
from numeric.ntk_error import jjt_with_error, ntk_with_error
from verify.claims import section1, section4
from verify.profiles import Profile
from verify.runner import Context

GOOD = ("verified", "consistent")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """The checks multiply many small matrices; a second BLAS thread only adds overhead (scipy's
    bundled OpenBLAS dsyrk of a 128 x 4444 factor takes ~60x longer with 2 threads here)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


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


@settings(max_examples=examples(40), deadline=None)
@given(st.integers(0, 40))
def test_theorem41_after_width_rule_has_no_rounding_jumps_on_the_half_octave_grid(j):
    # N_j = round(8 * 2^(j/2)) and round(4 log2 N_j) = 12 + 2j exactly: one step of 2 per grid point
    N = round(8 * 2 ** (j / 2))
    assert section4._WIDTH_RULES["round(4 log2 N)"](N, 0.1) == 12 + 2 * j
    assert section4._half_octave_grid(8, N)[-1] == N and len(section4._half_octave_grid(8, N)) == j + 1


def test_theorem41_half_octave_grid():
    assert section4._half_octave_grid(8, 128) == [8, 11, 16, 23, 32, 45, 64, 91, 128]
    assert section4._half_octave_grid(8, 7) == []


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.floats(1e-6, 1e6), min_size=4, max_size=20), st.floats(1e-3, 1e3))
def test_theorem41_typical_value_is_scale_equivariant_and_inside_the_middle_half(v, c):
    for stat in ("iqm-log", "median"):
        t = section4._typical(v, stat)
        assert np.isclose(section4._typical([c * x for x in v], stat), c * t, rtol=1e-9)
        srt, g = sorted(v), len(v) // 4  # the trimmed sample is srt[g : n - g]
        assert srt[g] * (1 - 1e-9) <= t <= srt[-1 - g] * (1 + 1e-9)


def test_theorem41_typical_value_ignores_a_collapsed_trial():
    v = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 0.0]
    assert 2.0 < section4._typical(v, "iqm-log") < 32.0  # one lambda_min = 0 is trimmed away
    assert section4._typical([2.0] * 5, "iqm-log") == pytest.approx(2.0)
    with pytest.raises(ValueError):
        section4._typical(v, "mean")


# The quick-profile design of a wide layer followed by a narrow one (the noisiest position).
TIGHT = dict(L=3, k=1, N=section4._half_octave_grid(8, 128), init="he", T=12, delta=0.1, before="2N",
             after="round(4 log2 N)")


@pytest.fixture(scope="module")
def tight_true():
    return section4.tightness(ctx(3), **TIGHT)


def test_theorem41_tightness_settles_with_a_narrow_layer_after_the_wide_one(tight_true):
    out = tight_true
    assert out.status == "consistent"
    assert all(p["xi"][0] == 1 and p["beta_after_wide_is_min"] for p in out.evidence["per_N"])
    lo, hi = out.evidence["bands"]["(23)"]["ratio_slope_ci"]
    assert -0.5 < lo and hi < 0.5  # the grid resolves a half power


@pytest.mark.parametrize("power", [1.0, -1.0, 0.5, -0.5])
def test_theorem41_tightness_rejects_a_prediction_wrong_by_a_power_of_N(tight_true, power):
    out = section4.tightness(ctx(3), **TIGHT, extra_power=power)
    assert out.status not in GOOD
    # same trials, only the prediction moved: the ratio's slope is shifted by -power
    s0 = tight_true.evidence["bands"]["(23)"]["ratio_slope"]
    assert out.evidence["bands"]["(23)"]["ratio_slope"] == pytest.approx(s0 - power, abs=1e-9)


def test_theorem41_log_width_layers_before_the_wide_layer_do_not_settle():
    out = section4.tightness(ctx(3), L=4, k=3, N=[8, 16, 32, 64, 128], init="he", T=8, delta=0.1,
                             before="2 ceil(log2 N) + 2", after="2 ceil(log2 N) + 2", statistic="median")
    assert out.status == "inconclusive"
    assert out.evidence["bands"]["(23)"]["ratio_slope_ci"][1] < 0  # a significant decay, not noise


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


def test_theorem41_every_wide_layer_position_is_covered():
    from verify import registry

    def positions(profile):
        return {(c.params["init"], c.params["L"], c.params["k"]) for c in registry.get("theorem-4.1").checks(
            Profile(profile)) if c.params.get("before") == "2N" and "T" in c.params}

    assert {("he", L, k) for L in (3, 4) for k in range(1, L)} <= positions("standard")
    quick = positions("quick")
    assert {("he", 3, 1), ("he", 3, 2)} <= quick and any(L == 4 for _, L, _ in quick)


@pytest.mark.parametrize("cid", ["eq-24", "eq-25", "eq-26", "lemma-4.3", "theorem-4.1", "corollary-4.2"])
def test_claims_are_registered_with_unique_check_names(cid):
    from verify import registry

    for profile in ("quick", "standard"):
        checks = registry.get(cid).checks(Profile(profile))
        assert len({c.name for c in checks}) == len(checks) > 0
