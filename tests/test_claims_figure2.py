"""Figure 2 (verify/claims/figure2.py): the true mathematics gives the expected status, and every
check has a negative control that it must not call consistent."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.eig import lambda_min as enclose
from numeric.limiting import limiting_ntk
from numeric.network import ReLUNetwork
from verify.claims import figure2 as f2
from verify.profiles import Profile
from verify.registry import get
from verify.runner import Context
from verify.stats import scaling_band


def ctx(seed=1):
    return Context(seed, Profile("quick"), "figure-2", "test")


# ------------------------------------------------------------------------------------ registry
def test_registered_with_both_panels_every_curve_and_the_extras():
    claim = get("figure-2")
    assert claim.kind == "figure"
    quick = claim.checks(Profile("quick"))
    names = [c.name for c in quick]
    assert len(set(names)) == len(names)
    assert sum(n.startswith("Figure 2 (both panels)") for n in names) == 1
    assert sum(n.startswith("left: lambda_min") for n in names) == 3
    assert sum(n.startswith("right: lambda_min") for n in names) == 3
    for c in quick:
        json.dumps(c.params)  # the report stores params as JSON
        assert c.params["L"] >= 3 and c.params["T"] >= 2
    right = [c for c in quick if c.name.startswith("right:")]
    assert all(c.params["init"] == "he" and c.params["n"][0] == "8N" for c in right)  # n_1 = 8N
    left = [c for c in quick if c.name.startswith("left: lambda_min")]
    assert all(c.params["init"] == "standard" for c in left)
    full = claim.checks(Profile("full"))
    assert all(c.params["T"] == 50 for c in full if c.name.startswith(("left: lambda", "right:", "Figure")))
    # Beyond the paper: every position of the wide layer for L = 3 (k = 1, 2) and L = 4 (k = 1, 2, 3).
    extra = [c.params for c in claim.checks(Profile("standard")) if c.name.startswith("extra")]
    positions = {(p["L"], [isinstance(v, str) and v.endswith("8N") for v in p["n"]].index(True) + 1)
                 for p in extra}
    assert {(3, 2), (4, 1), (4, 2), (4, 3), (5, 1)} <= positions
    assert {p["init"] for p in extra} == {"he", "lecun"}


# ------------------------------------------------------------------------------------ helpers
def test_paper_normalization_is_prod_2_over_n_and_the_control_differs():
    assert f2._scale([100, 200], "paper") == pytest.approx(4 / (100 * 200))
    assert f2._scale([100, 200], "double") == pytest.approx(4 / (100 * 200) ** 2)
    assert f2._scale([100, 200], "none") == 1.0
    with pytest.raises(ValueError):
        f2._scale([100, 200], "sqrt")


def test_width_specs_and_inits():
    assert f2._resolve("8N", 16) == 128 and f2._resolve("N", 16) == 16 and f2._resolve(50, 16) == 50
    for bad in ("8M", 0, -3, 2.5, True):
        with pytest.raises(ValueError):
            f2._resolve(bad, 16)
    assert np.allclose(f2._betas("he", [4, 8]), np.sqrt([0.5, 0.25]))
    assert np.allclose(f2._betas("lecun", [4, 8]), np.sqrt([0.25, 0.125]))
    with pytest.raises(ValueError):
        f2._betas("xavier", [4])
    with pytest.raises(ValueError):
        f2.left_curve(ctx(), L=3, N=5, n=[10, 10], d=[4, 8, 16], init="standard", T=1)


def test_shared_blocks_give_the_network_of_the_sliced_weights():
    """A curve's matrix is exactly the NTK of its own leading sub-blocks (sharing draws is exact)."""
    g = np.random.default_rng(3)
    X, Z = f2._draw(g, 12, 9, [30, 20])
    p = f2._lambda_ntk(X, Z, 7, 5, [10, 6], "he", 1.0)
    W = [math.sqrt(2 / 5) * Z[0][:5, :10], math.sqrt(2 / 10) * Z[1][:10, :6], math.sqrt(2 / 6) * Z[2][:6, :1]]
    K = ReLUNetwork.from_weights(W).ntk(X[:7, :5])
    assert p.lam == pytest.approx(np.linalg.eigvalsh(K)[0], rel=1e-12)
    assert not p.certified and 0 < p.margin < 1e-6 * abs(p.lam)


def test_rotating_the_data_into_R_N_is_exact():
    """_draw(reduce=True) replaces X (d > N) by R^T with X = R^T Q^T: the NTK of (X, W_1) equals the
    NTK of (R^T, Q^T W_1), and Q^T W_1 is again standard normal, so the draw is equally likely."""
    g = np.random.default_rng(8)
    X = g.standard_normal((6, 40))
    Q, R = np.linalg.qr(X.T)
    W = [g.standard_normal((40, 9)), g.standard_normal((9, 5)), g.standard_normal((5, 1))]
    K = ReLUNetwork.from_weights(W).ntk(X)
    K_rot = ReLUNetwork.from_weights([Q.T @ W[0], W[1], W[2]]).ntk(R.T)
    assert np.allclose(K, K_rot, rtol=1e-10, atol=1e-10 * np.abs(K).max())
    # _draw keeps the Gram matrix of the drawn data (the same generator state draws the same X)
    Xr, Z = f2._draw(np.random.default_rng(9), 6, 40, [9, 5], reduce=True)
    X0 = f2.sample("gaussian", 6, 40, seed=np.random.default_rng(9))
    assert Xr.shape == (6, 6) and Z[0].shape == (6, 9)
    assert np.allclose(Xr @ Xr.T, X0 @ X0.T, rtol=1e-12, atol=1e-12 * 40)
    assert np.allclose(np.triu(Xr, 1), 0)  # row i depends on x_1..x_i only
    assert np.allclose(limiting_ntk(Xr, 3), limiting_ntk(X0, 3), rtol=1e-11, atol=1e-11 * 120)


def test_rounding_margin_covers_the_certified_eigenvalue():
    g = np.random.default_rng(4)
    X, Z = f2._draw(g, 40, 30, [60, 50])
    p = f2._lambda_ntk(X, Z, 40, 30, [60, 50], "standard", f2._scale([60, 50], "paper"))
    W = [Z[0], Z[1], Z[2]]
    enc = enclose(ReLUNetwork.from_weights(W).ntk(X) * f2._scale([60, 50], "paper"), method="certified")
    assert enc.certified
    assert enc.lo - p.margin <= p.lam <= enc.hi + p.margin


def test_singular_ntk_points_are_certified_not_taken_from_float():
    """N = 30 points but only 2*2 + 2*2 + 2 = 10 weights: Kbar = J J^T has rank <= 10, lambda_min = 0.
    The float margin is not negligible there, so the point must come from a certified enclosure."""
    g = np.random.default_rng(5)
    X, Z = f2._draw(g, 30, 2, [2, 2])
    p = f2._lambda_ntk(X, Z, 30, 2, [2, 2], "standard", 1.0)
    assert p.certified
    assert abs(p.lam) <= p.margin  # the enclosure contains the true value 0


def test_limit_submatrix_is_the_limit_of_the_first_points():
    X = np.random.default_rng(6).standard_normal((15, 8))
    K = limiting_ntk(X, 3)
    assert f2._lambda_limit(K, 9).lam == pytest.approx(np.linalg.eigvalsh(limiting_ntk(X[:9], 3))[0], rel=1e-10)


# ------------------------------------------------------------------------------------ gap decider
N_GRID = np.array([50, 100, 200, 400, 800], float)


def _gaps(a, c, seed, T=8):
    """Trial gaps c n^-a with independent multiplicative noise per (width, trial)."""
    noise = np.exp(np.random.default_rng(seed).normal(0, 0.3, (N_GRID.size, T)))
    return c * N_GRID[:, None] ** -a * noise


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.4, 1.5), c=st.floats(0.01, 10), seed=st.integers(0, 2**31))
def test_gap_trend_accepts_power_law_decay(a, c, seed):
    res = f2.gap_trend(N_GRID, _gaps(a, c, seed))
    assert res["shrinks"] and res["gap_slope_ci"][1] < 0
    assert res["gap_slope_ci"][0] <= res["gap_slope"] <= res["gap_slope_ci"][1]


@settings(max_examples=30, deadline=None)
@given(a=st.floats(-1.0, 0.0), c=st.floats(0.01, 10), seed=st.integers(0, 2**31))
def test_gap_trend_rejects_a_gap_that_does_not_shrink(a, c, seed):
    assert not f2.gap_trend(N_GRID, _gaps(a, c, seed))["shrinks"]


def test_gap_trend_refuses_bad_input():
    with pytest.raises(ValueError):
        f2.gap_trend([1, 2], [[1, 1], [1, 1]])  # two widths
    with pytest.raises(ValueError):
        f2.gap_trend([1, 2, 4], [1, 1, 1])  # no trials axis
    with pytest.raises(ValueError):
        f2.gap_trend([1, 2, 4], [[1, 1], [0, 0], [1, 1]])  # zero mean gap
    with pytest.raises(ValueError):
        f2.gap_trend([1, 2, 4], [[1, 1], [float("nan"), 1], [1, 1]])


# ------------------------------------------------------------------------------------ checks
LEFT = dict(L=3, N=10, n=[100, 100], d=[20, 80, 320, 1280], init="standard", T=4)


def test_left_curve_is_linear_in_d():
    out = f2.left_curve(ctx(), **LEFT)
    ev = out.evidence
    assert out.status == "consistent" and out.method == "monte-carlo"
    assert ev["settles"] and ev["limit_settles"]
    assert ev["T"] == 4 and len(ev["std"]) == 4
    assert ev["max_rel_rounding_margin"] < 1e-6
    # The finite-width points lie below the limit (lambda_min of a noisy matrix is biased low).
    assert all(-1 < g < 0.1 for g in ev["rel_gap_to_limit"])
    assert len(out.figures) == 1 and out.figures[0].png.startswith(b"\x89PNG")


def test_left_curve_negative_control_wrong_scaling():
    out = f2.left_curve(ctx(), **LEFT, predicted_power=2.0)
    assert out.status != "consistent"
    assert out.evidence["ratio_slope"] < -0.5  # lambda_min / d^2 keeps falling like 1/d


def test_left_panel_is_deterministic_given_the_generator():
    a = f2._left_panel(np.random.default_rng(7), 3, [(6, [20, 20])], [4, 8, 16], 2, "standard", "paper")[0]
    b = f2._left_panel(np.random.default_rng(7), 3, [(6, [20, 20])], [4, 8, 16], 2, "standard", "paper")[0]
    assert np.array_equal(a.lam, b.lam) and np.array_equal(a.lim, b.lim)


# n_2 = 40: a narrow layer of 16 units gives a heavy lower tail of lambda_min (rows i with few active
# units in layer 2); (21) pays for it with N exp(-Omega(n_l)), which is not small at n_l = 16.
RIGHT_DN = dict(L=3, d="N", n=["8N", 40], N=[8, 16, 32, 64], init="he", T=6)


def test_right_curve_linear_when_d_grows_with_n():
    out = f2.right_curve(ctx(2), **RIGHT_DN, curve_figure=True)
    assert out.status == "consistent"
    assert out.evidence["wide_layer"] == [1]
    assert max(out.evidence["ratio"]) / min(out.evidence["ratio"]) < 1.6
    assert len(out.figures) == 2


def test_right_curve_negative_control_wrong_scaling():
    out = f2.right_curve(ctx(2), **RIGHT_DN, predicted_power=2.0)
    assert out.status != "consistent"


def test_right_panel_at_fixed_d_falls_below_linear():
    """The witness of the proposed finding: with d fixed, lambda_min(Kbar)/N keeps falling."""
    N = [16, 32, 64, 128]
    (cur,) = f2._right_panel(np.random.default_rng(3), 3, [(30, ["8N", 30])], N, 4, "he")
    band = scaling_band(N, cur.mean(), N)
    assert band.slope < -0.3 and band.slope_last < -0.2 and not band.settles


GAP = dict(L=3, N=10, d=80, n=[50, 100, 200, 400], init="standard", T=6)


def test_limit_gap_shrinks_with_the_paper_normalization():
    out = f2.limit_gap(ctx(), **GAP)
    assert out.status == "consistent"
    assert out.evidence["gap_at_largest_n"] < out.evidence["gap_at_smallest_n"]


@pytest.mark.parametrize("wrong", ["double", "none"])
def test_limit_gap_negative_control_wrong_normalization(wrong):
    out = f2.limit_gap(ctx(), **GAP, normalization=wrong)
    assert out.status != "consistent"
    assert out.evidence["gap_at_largest_n"] > 0.5  # the wrongly scaled matrix never approaches K^(3)


BOTH = dict(L=3, T=4, left=[{"N": 8, "n": [60, 60]}, {"N": 12, "n": [60, 60]}], d=[16, 64, 256, 1024],
            right=[{"d": "N", "n": ["8N", 40]}], N=[8, 16, 32, 64])


def test_both_panels_draw_one_figure_with_every_plotted_number():
    out = f2.both_panels(ctx(), **BOTH)
    (fig,) = out.figures
    assert fig.name == "figure-2" and fig.png.startswith(b"\x89PNG") and b"<svg" in fig.svg
    rows = fig.csv.strip().splitlines()
    assert rows[0].startswith("panel,curve,x,mean,std,T,limit_mean")
    assert len(rows) - 1 == 2 * 4 + 1 * 4
    curves = out.evidence["curves"]
    assert len(curves) == 3
    assert out.status == ("consistent" if all(c["status"] == "consistent" for c in curves) else "inconclusive")
    assert out.evidence["max_rel_rounding_margin"] < 1e-6


def test_both_panels_negative_control_wrong_scaling():
    out = f2.both_panels(ctx(), **BOTH, predicted_power=2.0)
    assert out.status == "inconclusive"
    assert all(c["status"] == "inconclusive" for c in out.evidence["curves"])
