"""lemma-6.1 and theorem-6.2 as claims, and the exact arithmetic behind them (numeric.exact_regions).

The true mathematics gives verified/consistent (or the expected not-applicable for the hypotheses'
illustrations); every check function also gets a deliberately false input that it must reject."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.exact_regions import ExactNet, dyadic_weights, opnorm_sq_enclosure
from numeric.lipschitz import kink_differentiable_witness
from numeric.regions import enumerate_regions, lipschitz_exact, preactivations
from verify.claims import section6 as s6
from verify.profiles import Profile
from verify.runner import Context


def ctx(seed=0):
    return Context(seed, Profile("quick"), "test", "test")


def dropped_mask(layer, signs):
    """A wrong (35): Sigma_l = I, as if the ReLU derivative were forgotten."""
    return np.ones_like(signs)


# ------------------------------------------------------------------------------------------------
# numeric.exact_regions


def _net(seed, widths, init="he"):
    return dyadic_weights(s6._random_weights(np.random.default_rng(seed), widths, init))


def test_exact_net_rejects_weights_that_are_not_dyadic():
    with pytest.raises(ValueError, match="multiples"):
        ExactNet([np.array([[0.1, 0.2]])], bits=20)
    with pytest.raises(ValueError, match="bits"):
        ExactNet([np.array([[1.0]])], bits=0)
    with pytest.raises(ValueError, match="d <= 2"):
        ExactNet(_net(0, [3, 4, 2])).regions()


def test_exact_forward_matches_float_and_is_positively_homogeneous():
    W = _net(1, [3, 5, 4, 2])
    X = ExactNet(W)
    Z = np.round(np.random.default_rng(2).standard_normal((6, 3)) * 2**20) / 2**20
    g = X.g(Z)
    assert np.allclose(g.astype(float), preactivations(W, Z)[-1], rtol=1e-13, atol=1e-13)
    g3 = X.g(3 * Z)
    assert all(a * 3 == b for a, b in zip(g.ravel(), g3.ravel()))  # exact: g(3z) = 3 g(z)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n1=st.integers(1, 6), n2=st.integers(1, 5), n3=st.integers(1, 4),
       k=st.integers(1, 3))
def test_exact_sweep_finds_exactly_the_regions_of_the_float_enumeration(seed, n1, n2, n3, k):
    W = _net(seed, [2, n1, n2, n3][:k + 1])
    R = ExactNet(W).regions()
    E = enumerate_regions(W)
    assert {tuple(int(x) for x in p) for p in R.patterns} == E.keys()
    # every exact interior point lies in its region and (35) there has the float enumeration's norm
    X = ExactNet(W)
    assert np.array_equal(X.patterns(R.points) != 0, R.patterns != 0)
    lo, hi = max(opnorm_sq_enclosure(X.jacobian(p), X.k * X.bits) for p in R.patterns)
    assert float(lo) * (1 - 1e-12) <= lipschitz_exact(W).value ** 2 <= float(hi) * (1 + 1e-12)


def test_segment_walk_tiles_the_segment_and_g_is_affine_on_each_piece():
    W = _net(3, [3, 6, 5, 2])
    X = ExactNet(W)
    z1, z2 = [Fraction(1), Fraction(-2), Fraction(1, 3)], [Fraction(-1), Fraction(3), Fraction(2)]
    pieces = X.segment_walk(z1, z2)
    assert pieces[0].lo == 0 and pieces[-1].hi == 1
    assert all(a.hi == b.lo for a, b in zip(pieces, pieces[1:]))
    for p in pieces:
        at = [[a + t * (b - a) for a, b in zip(z1, z2)] for t in (p.lo, (p.lo + p.hi) / 2, p.hi)]
        g = X.g(at)
        assert list(g[1] - g[0]) == list(g[2] - g[1])  # exactly affine along the piece
        assert np.array_equal(X.patterns([at[1]])[0], p.pattern)


def test_opnorm_enclosure_brackets_the_float_norm_and_rejects_a_wrong_value():
    P = np.array([[3, -5, 7], [1, 2, 4]], dtype=object)
    lo, hi = opnorm_sq_enclosure(P, 0)
    s2 = np.linalg.norm(np.array([[3, -5, 7], [1, 2, 4]], float), 2) ** 2
    assert lo <= Fraction(s2) * (1 + Fraction(1, 10**12)) and Fraction(s2) * (1 - Fraction(1, 10**12)) <= hi
    assert hi - lo < Fraction(1, 10**30) * hi
    assert not lo <= Fraction(s2 * 0.999) <= hi


# ------------------------------------------------------------------------------------------------
# lemma-6.1: the identity over every region


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_lemma_verified_exactly_for_d2_at_every_k(k):
    n = [2, 6, 5, 4, 1][:k + 1]
    out = s6.lemma_regions(ctx(k), d=2, k=k, n=n, init="he", T=8)
    assert out.status == "verified" and out.method == "exact", out.evidence
    ev = out.evidence
    assert ev["regions"] == ev["regions_pm1"] <= ev["region_bound_central"]
    assert ev["lipschitz_lo"] <= ev["witness_quotient"] <= ev["lipschitz_hi"]
    assert ev["witness_rel_gap_sq"] < 1e-25  # the quotient attains ||J||_op up to 1e-25 relative


def test_lemma_d1_and_the_float_lp_walk_for_d3():
    assert s6.lemma_regions(ctx(), d=1, k=3, n=[1, 4, 3, 1], init="standard", T=5).status == "verified"
    out = s6.lemma_regions(ctx(), d=3, k=2, n=[3, 4, 3], init="standard", T=5)
    assert out.status == "consistent" and out.method == "float"  # LP completeness is not proven


def test_lemma_holds_for_degenerate_last_layers():
    for case in ("degenerate-W_k", "zero-W_k"):
        out = s6.lemma_regions(ctx(), d=2, k=3, n=[2, 5, 4, 4], init="he", T=5, case=case)
        assert out.status == "verified", (case, out.evidence)
    assert out.evidence["lipschitz_hi"] == 0.0


def test_lemma_catches_a_dropped_mask():
    for d, n in ((2, [2, 6, 5]), (2, [2, 5, 4, 3, 1]), (3, [3, 4, 3])):
        out = s6.lemma_regions(ctx(), d=d, k=len(n) - 1, n=n, init="he", T=5, masks=dropped_mask)
        assert out.status == "counterexample" and out.method == "exact"
        w = out.evidence["witness"]
        assert w["difference_quotient"] != w["J_column"]


def test_lemma_catches_sigma_prime_one_at_a_kink():
    W = kink_differentiable_witness()["weights"]
    kw = dict(d=2, k=2, n=[2, 2, 1], init="witness", T=5, weights=W, include_kinks=True)
    good = s6.lemma_regions(ctx(), sigma_prime_zero=0, **kw)
    assert good.status == "verified"
    bad = s6.lemma_regions(ctx(), sigma_prime_zero=1, **kw)
    assert bad.status == "counterexample"
    assert bad.evidence["kink_max_opnorm"] == pytest.approx(2.0) and bad.evidence["lipschitz_hi"] == pytest.approx(1.0)


def test_segment_check_catches_a_value_one_percent_too_small():
    for d, n in ((2, [2, 6, 5, 4]), (3, [3, 4, 3])):
        good = s6.lemma_regions(ctx(5), d=d, k=len(n) - 1, n=n, init="he", T=5)
        assert good.status in ("verified", "consistent")
        bad = s6.lemma_regions(ctx(5), d=d, k=len(n) - 1, n=n, init="he", T=5, lipschitz_scale=0.99)
        assert bad.status == "counterexample" and bad.method == "certified"
        assert bad.evidence["quotient"] > bad.evidence["compared_value"]


# ------------------------------------------------------------------------------------------------
# lemma-6.1: the hypotheses


def test_nongeneric_weights_are_not_applicable_and_break_the_identity():
    out = s6.lemma_regions(ctx(), d=1, k=3, n=[1, 3, 2, 1], init="witness", T=5, case="nongeneric")
    assert out.status == "not-applicable" and out.evidence["identity_fails"]
    assert out.evidence["lipschitz_lo"] == pytest.approx(10.0) and out.evidence["rhs_hi"] == pytest.approx(1.0)
    # negative control: generic weights of the same shape are not flagged
    assert s6.lemma_regions(ctx(), d=1, k=3, n=[1, 3, 2, 1], init="standard", T=5).status == "verified"


def test_zero_column_empties_the_set_although_g_is_not_constant():
    out = s6.lemma_regions(ctx(), d=2, k=3, n=[2, 5, 4, 3], init="he", T=5, case="zero-column")
    assert out.status == "not-applicable"
    assert out.evidence["regions_pm1"] == 0 and out.evidence["lipschitz_lo"] > 0 and out.evidence["identity_fails"]


def test_empty_set_case_needs_the_convention_max_of_empty_set_is_zero():
    out = s6.lemma_regions(ctx(), d=2, k=4, n=[2, 3, 2, 2, 1], init="standard", T=5, case="empty-set")
    assert out.status == "not-applicable"
    assert out.evidence["lipschitz_hi"] == 0.0 and out.evidence["holds_with_convention_max_empty_0"]
    # negative control: without W_2 <= 0 the set is not empty and the identity is verified
    assert s6.lemma_regions(ctx(), d=2, k=4, n=[2, 3, 2, 2, 1], init="standard", T=5).status == "verified"


def test_kink_point_is_not_applicable_and_off_the_kink_35_is_exact():
    on = s6.kink_point(ctx(), d=2, k=3, n=[2, 5, 4, 3], init="he")
    assert on.status == "not-applicable" and not on.evidence["one_sided_derivatives_odd"]
    # at a kink each convention for sigma'(0) matches one side only
    assert not all(on.evidence["sigma0_agrees"]) and not all(on.evidence["sigma1_agrees"])
    off = s6.kink_point(ctx(), d=2, k=3, n=[2, 5, 4, 3], init="he", offset=2.0**-10)
    assert off.status == "verified" and off.method == "exact"
    wrong = s6.kink_point(ctx(), d=2, k=3, n=[2, 5, 4, 3], init="he", offset=2.0**-10, masks=dropped_mask)
    assert wrong.status == "counterexample"


def test_differentiable_kink_where_35_is_wrong_with_both_conventions():
    out = s6.kink_point(ctx(), d=2, k=2, n=[2, 2, 1], init="witness", which="differentiable")
    ev = out.evidence
    assert out.status == "not-applicable" and ev["one_sided_derivatives_odd"]
    assert ev["J_true"] == [[1.0, 0.0]] and ev["norm_J_sigma0"] == 0.0 and ev["norm_J_sigma1"] == 2.0
    assert ev["lipschitz"] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------
# theorem-6.2


XS = [round(2 ** (i / 2)) for i in range(4, 15)]  # 4 .. 128, as registered at the quick profile
SINGLE = dict(grid="single layer", k=1, n=[[N, 2 * N] for N in XS], x=XS, init="he", T=3)


def test_theorem_62_single_layer_consistent_and_wrong_rate_rejected():
    out = s6.lipschitz_scaling(ctx(), **SINGLE)
    assert out.status == "consistent" and len(out.figures) == 1
    # (36) for k = 1 is max(n_0, n_1) beta_1^2 = 4 and ||W_1||^2 -> 2 (1 + sqrt 2)^2: a band around 2.9
    assert 1.5 < out.evidence["band_lo"] <= out.evidence["band_hi"] < 6
    bad = s6.lipschitz_scaling(ctx(), predicted="over-max", **SINGLE)  # a false, too small O-bound
    assert bad.status != "consistent" and bad.evidence["ratio_slope"] > 0.5
    weaker = s6.lipschitz_scaling(ctx(), predicted="no-min", **SINGLE)  # a weaker O-bound is still true
    assert weaker.evidence["ratio_slope"] < -0.5


def test_theorem_62_naive_bound_grows_against_36_with_a_wide_hidden_layer():
    xs = [16, 64, 256, 1024]
    out = s6.lipschitz_scaling(ctx(), grid="wide hidden layer between narrow ends", k=2,
                               n=[[4, N, 4] for N in xs], x=xs, init="he", T=2, both_figure=True)
    assert len(out.figures) == 2
    ratio = out.evidence["naive_over_36"]  # prod ||W_l||^2 ~ N while (36) ~ log N
    assert ratio[-1] > 5 * ratio[0] and out.evidence["naive_over_36_slope"] > 0.4
    assert all(lo <= nv for lo, nv in zip(out.evidence["lower_sq"], out.evidence["naive_sq"]))


def test_theorem_62_a_lower_estimate_above_the_naive_bound_is_a_counterexample(monkeypatch):
    monkeypatch.setattr(s6, "naive_upper_bound", lambda W: 1e-9)  # a deliberately false upper bound
    xs = [16, 32, 64]
    out = s6.lipschitz_scaling(ctx(), grid="wide hidden layer between narrow ends", k=2,
                               n=[[4, N, 4] for N in xs], x=xs, init="he", T=1)
    assert out.status == "counterexample"


def test_claims_are_registered_with_every_layer_and_the_hypotheses():
    from verify import registry

    names = [c.name for c in registry.get("lemma-6.1").checks(Profile("quick"))]
    assert {f"k={k}" for k in (1, 2, 3, 4)} <= {part for name in names for part in name.split()}
    assert sum(name.startswith("hypothesis:") for name in names) == 6
    assert sorted({c.params["k"] for c in registry.get("theorem-6.2").checks(Profile("quick"))}) == [1, 2, 3, 4]
