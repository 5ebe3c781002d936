"""eq-4 as a claim: the normalized empirical NTK approaches K^(L) at rate ~ n^{-1/2}; a wrong
normalization is not accepted."""
from hyp import examples
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.data import sample
from numeric.limiting import limiting_ntk
from numeric.network import ReLUNetwork
from verify import registry
from verify.claims import section1 as s1
from verify.profiles import Profile
from verify.runner import Context

CTX = Context(3, Profile("quick"), "test", "test")
WIDTHS = [16, 32, 64, 128, 256]


@pytest.mark.parametrize("profile", ["quick", "standard", "full"])
def test_eq4_builds_with_unique_names_every_L_and_json_params(profile):
    checks = registry.get("eq-4").checks(Profile(profile))
    assert len({c.name for c in checks}) == len(checks)
    assert {c.params["L"] for c in checks} == {2, 3, 4, 5}
    assert all(c.params["init"] == "standard" for c in checks)
    for c in checks:
        json.dumps(c.params)


@pytest.mark.parametrize("L", [2, 3])
def test_convergence_consistent_with_rate_one_half(L):
    out = s1.convergence(CTX, L=L, N=6, d=8, dist="gaussian", n=WIDTHS, T=3)
    assert out.status == "consistent" and out.method == "monte-carlo"
    lo, hi = out.evidence["slope_ci"]
    assert hi < 0
    (fig,) = out.figures
    assert fig.csv.splitlines()[0] == "n,mean_rel_error,fit,min_rel_error,max_rel_error"
    assert len(fig.csv.splitlines()) == len(WIDTHS) + 1


def test_convergence_with_unequal_widths():
    out = s1.convergence(CTX, L=3, N=6, d=8, dist="sphere", n=WIDTHS, T=3, width_ratios=[2, 1])
    assert out.status == "consistent"


@pytest.mark.parametrize("L,skip", [(2, 1), (3, 2)])
def test_convergence_rejects_a_missing_normalization_factor(L, skip):
    out = s1.convergence(CTX, L=L, N=6, d=8, dist="gaussian", n=WIDTHS, T=3, skip_layer=skip)
    assert out.status == "inconclusive"
    assert out.evidence["slope"] > 0  # the error grows like n: (n_l / 2) K


def test_convergence_refuses_other_initializations():
    with pytest.raises(ValueError):
        s1.convergence(CTX, L=2, N=4, d=3, dist="gaussian", n=WIDTHS, T=2, init="he")
    with pytest.raises(ValueError):
        s1.convergence(CTX, L=3, N=4, d=3, dist="gaussian", n=WIDTHS, T=2, width_ratios=[1])


def test_depth_one_normalized_ntk_is_exactly_the_limit():
    X = sample("gaussian", 5, 4, seed=1)
    net = ReLUNetwork.init([4], init="standard", seed=2)  # L = 1: f(x) = W_1^T x, empty product
    np.testing.assert_allclose(s1.normalized_ntk(net, X), limiting_ntk(X, 1), rtol=1e-13, atol=1e-13)


def test_two_layer_normalized_ntk_is_unbiased():
    """For L = 2, E[(2/n) Kbar] = G^(2) + G^(1) o Gdot^(2) = K^(2) exactly (one hidden layer):
    the average over many independent networks lies within a few standard errors."""
    X = sample("sphere", 4, 3, seed=4)
    K = limiting_ntk(X, 2)
    draws = np.array([s1.normalized_ntk(ReLUNetwork.init([3, 64], seed=s), X) for s in range(400)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(mean - K) <= 5 * se + 1e-12)


@settings(max_examples=examples(30), deadline=None)
@given(st.floats(-3, 3), st.floats(0.1, 10), st.integers(3, 8))
def test_loglog_slope_recovers_an_exact_power_law(b, a, k):
    x = 2.0 ** np.arange(k)
    fit = s1.loglog_slope(x, a * x ** b)
    assert fit["slope"] == pytest.approx(b, abs=1e-9)
    assert fit["slope_ci"][0] <= b + 1e-9 and b - 1e-9 <= fit["slope_ci"][1]


def test_loglog_slope_needs_three_points():
    with pytest.raises(ValueError):
        s1.loglog_slope([1, 2], [1, 2])
