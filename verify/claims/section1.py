"""Section 1 (Introduction): the convergence (4) of the normalized empirical NTK to the limiting NTK
and the gradient inequality (5).

Each claim has its own block below: the generator registering it and its check functions.
Shared helpers (data, rate fits) sit at the top.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy import stats

from numeric.data import sample
from numeric.limiting import limiting_ntk
from numeric.exact_network import Dyadic, as_mpf_matrix, exact_jacobian, exact_output
from numeric.network import ReLUNetwork
from verify.figures import new_figure, render
from verify.judge import eigen_inequality
from verify.outcome import Outcome
from verify.registry import check, claim, counts_trials


def _seeds(ctx, k: int) -> list[int]:
    """k independent integer seeds derived from the check's seed."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(ctx.seed).spawn(k)]


def loglog_slope(x, y, confidence: float = 0.95) -> dict:
    """Least-squares fit log y = a + b log x: slope b, its two-sided t confidence interval
    (len(x) - 2 degrees of freedom) and the intercept a."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 3:
        raise ValueError("a slope with a confidence interval needs at least three points")
    xc = lx - lx.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (ly - ly.mean())) / sxx
    intercept = float(ly.mean() - slope * lx.mean())
    resid = ly - (intercept + slope * lx)
    stderr = float(np.sqrt(resid @ resid / (lx.size - 2) / sxx))
    t = float(stats.t.ppf(0.5 + confidence / 2, lx.size - 2))
    return dict(slope=slope, slope_ci=[slope - t * stderr, slope + t * stderr], intercept=intercept,
                slope_stderr=stderr, confidence=confidence)


# ============================================================================ eq. (4)

_EQ_4 = (r"(W_l)_{ij}\sim\mathcal{N}(0,1),\ \min_l n_l\to\infty:\quad "
         r"\Big(\prod_{l=1}^{L-1}\frac{2}{n_l}\Big)\bar K^{(L)} \xrightarrow{p} K^{(L)}")

# The rate predicted for the fluctuations of the finite-width NTK: ||.||_F = O_p(n^{-1/2}).
RATE = -0.5
# A fitted slope is compatible with that rate when its confidence interval contains -1/2 or lies
# inside [-3/4, -1/4] (a clearly negative slope of the right order, the pre-asymptotic bias of
# order 1/n being allowed to pull it below -1/2), and in every case lies below 0 (error decreasing).
RATE_WINDOW = (-0.75, -0.25)


@claim("eq-4", kind="scaling", title="The normalized empirical NTK converges to the limiting NTK",
       statement=_EQ_4)
def eq_4(profile):
    N, d = profile.pick(quick=(8, 10), standard=(12, 16), full=(32, 32))
    top = profile.pick(quick=9, standard=10, full=13)
    widths = [2 ** k for k in range(4, top + 1)]
    T = profile.pick(quick=4, standard=6, full=20)
    for L, dist in ((2, "gaussian"), (3, "sphere"), (4, "rademacher"), (5, "uniform")):
        yield check(f"L={L} {dist} N={N} d={d}: relative Frobenius error vs width n_l=n={widths[0]}..{widths[-1]}, "
                    f"T={T}", convergence, L=L, N=N, d=d, dist=dist, n=widths, T=T, init="standard")
    # unequal widths: (4) needs only min_l n_l -> infinity
    yield check(f"L=3 gaussian N={N} d={d}: relative Frobenius error vs width (n_1, n_2) = (2n, n), "
                f"n={widths[0]}..{widths[-2]}, T={T}", convergence, L=3, N=N, d=d, dist="gaussian",
                n=widths[:-1], T=T, init="standard", width_ratios=[2, 1])


def normalized_ntk(net: ReLUNetwork, X, skip_layer: int | None = None) -> np.ndarray:
    """(prod_{l=1}^{L-1} 2/n_l) Kbar^(L) of eq. (4) for the network `net`; `skip_layer` = l leaves
    the factor 2/n_l out (a deliberately wrong normalization)."""
    factor = 1.0
    for l in range(1, net.L):
        if l != skip_layer:
            factor *= 2.0 / net.widths[l]
    return factor * net.ntk(X)


@counts_trials(lambda n, T, **_: len(n) * T)
def convergence(ctx, L, N, d, dist, n, T, init="standard", width_ratios=None, skip_layer=None) -> Outcome:
    """Eq. (4) on a geometric grid of widths n (hidden widths n_l = width_ratios[l-1] * n, all equal
    to n by default), W ~ N(0, 1): the
    relative error e(n) = ||(prod 2/n_l) Kbar - K^(L)||_F / ||K^(L)||_F, averaged over T networks on
    one data set X, should decay like n^{-1/2}.  `consistent` when the log-log slope's confidence
    interval lies below 0 and contains -1/2 or lies within RATE_WINDOW; `inconclusive` otherwise
    (a rate on a finite grid is never a counterexample).  `skip_layer` drops one factor 2/n_l."""
    if init != "standard":
        raise ValueError("eq. (4) is stated for (W_l)_ij ~ N(0, 1): init must be 'standard'")
    ratios = [1] * (L - 1) if width_ratios is None else list(width_ratios)
    if len(ratios) != L - 1 or any(int(q) != q or q < 1 for q in ratios):
        raise ValueError(f"width_ratios must hold L - 1 = {L - 1} positive integers, got {width_ratios}")
    seeds = _seeds(ctx, 1 + len(n) * T)
    X = sample(dist, N, d, seed=seeds[0])
    K = limiting_ntk(X, L)
    norm_K = np.linalg.norm(K)
    errors = np.empty((len(n), T))
    for a, width in enumerate(n):
        for t in range(T):
            net = ReLUNetwork.init([d] + [int(q) * width for q in ratios], init=init, seed=seeds[1 + a * T + t])
            errors[a, t] = np.linalg.norm(normalized_ntk(net, X, skip_layer) - K) / norm_K
            ctx.tick()
    mean = errors.mean(axis=1)
    fit = loglog_slope(n, mean)
    lo, hi = fit["slope_ci"]
    compatible = hi < 0 and (lo <= RATE <= hi or (RATE_WINDOW[0] <= lo and hi <= RATE_WINDOW[1]))
    figure = _error_figure(n, errors, mean, fit, L, dist, N, d, T, ratios)
    ev = dict(widths=list(n), width_ratios=ratios, mean_rel_error=mean.tolist(), min_rel_error=errors.min(axis=1).tolist(),
              max_rel_error=errors.max(axis=1).tolist(), **fit, predicted_slope=RATE,
              rate_window=list(RATE_WINDOW), compatible=bool(compatible))
    if skip_layer is not None:
        ev["skipped_normalization_layer"] = skip_layer
    return Outcome("consistent" if compatible else "inconclusive", "monte-carlo", ev, (figure,))


def _error_figure(n, errors, mean, fit, L, dist, N, d, T, ratios):
    from matplotlib.ticker import NullFormatter

    fitted = np.exp(fit["intercept"]) * np.asarray(n, float) ** fit["slope"]
    reference = mean[0] * (np.asarray(n, float) / n[0]) ** RATE
    fig, ax = new_figure()
    for t in range(errors.shape[1]):
        ax.loglog(n, errors[:, t], ".", color="0.6", label="single network" if t == 0 else None)
    ax.loglog(n, mean, "o", label=f"mean of {T}")
    ax.loglog(n, fitted, "-", label=f"fit: slope {fit['slope']:.3f} "
                                    f"[{fit['slope_ci'][0]:.2f}, {fit['slope_ci'][1]:.2f}]")
    ax.loglog(n, reference, ":", label="slope -1/2")
    ax.set_xticks(list(n), [str(v) for v in n])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("width n" if set(ratios) == {1} else f"n (hidden widths {ratios} x n)")
    ax.set_ylabel("relative Frobenius error")
    ax.legend(loc="best", fontsize="small")
    columns = {"n": list(n), "mean_rel_error": mean.tolist(), "fit": fitted.tolist(),
               "min_rel_error": errors.min(axis=1).tolist(), "max_rel_error": errors.max(axis=1).tolist()}
    caption = (f"||(prod 2/n_l) Kbar - K^({L})||_F / ||K^({L})||_F against the width (L = {L}, {dist} data, "
               f"N = {N}, d = {d}, hidden widths {ratios} x n, W ~ N(0, 1))")
    name = f"eq-4-L{L}" + ("" if set(ratios) == {1} else "-widths-" + "-".join(str(q) for q in ratios))
    return render(fig, name, columns, caption)


_EQ5 = (r"\|\nabla\Phi(\theta)\|_2^2 \ge \lambda_{\min}\big(\bar K^{(L)}\big)\, 2\Phi(\theta),\qquad "
        r"\Phi(\theta)=\tfrac12\|F_L-Y\|_2^2 \quad (5)")


@claim("eq-5", kind="inequality", title="Gradient of the square loss bounded below by lambda_min(Kbar)",
       statement=_EQ5)
def eq_5(profile):
    cases = profile.pick(
        quick=[(2, 8, 4, [12], "he"), (3, 8, 3, [5, 9], "standard"), (4, 10, 4, [6, 12, 5], "he"),
               (3, 12, 2, [2, 2], "he")],
        standard=[(2, 10, 4, [16], "he"), (3, 10, 3, [5, 12], "standard"), (4, 12, 4, [6, 14, 5], "he"),
                  (5, 8, 3, [4, 6, 5, 4], "lecun"), (3, 12, 2, [2, 2], "he")])
    for L, N, d, n, init in cases:
        yield check(f"random theta and labels L={L} N={N} d={d} n={n} {init}", gradient_inequality,
                    L=L, N=N, d=d, n=n, init=init, labels="gaussian")
    yield check("residual along the bottom eigenvector (tight case) L=3 N=8 d=3 n=[5, 9] he",
                gradient_inequality, L=3, N=8, d=3, n=[5, 9], init="he", labels="bottom eigenvector")


def _rayleigh(J: Dyadic, e: Dyadic) -> tuple[Fraction, Fraction, Fraction]:
    """(||J^T e||^2, ||e||^2, their quotient), exactly."""
    g = Dyadic(J.m.T @ e.m, J.e + e.e)  # grad Phi = J^T (F_L - Y)
    gsq = sum((Fraction(int(x)) for x in (g.m * g.m)), Fraction(0)) * Fraction(2) ** (2 * g.e)
    esq = sum((Fraction(int(x)) for x in (e.m * e.m)), Fraction(0)) * Fraction(2) ** (2 * e.e)
    return gsq, esq, gsq / esq


def gradient_inequality(ctx, L, N, d, n, init, labels="gaussian", eigen="min") -> Outcome:
    """(5) at random theta (``init``) and labels Y: certified lambda_min(Kbar) <= ||grad Phi||^2 /
    (2 Phi) on the exact Kbar = J J^T. ``labels="bottom eigenvector"`` puts the residual along the
    computed bottom eigenvector of Kbar, where (5) is nearly an equality. ``eigen="max"`` states
    the false ||grad Phi||^2 >= 2 lambda_max(Kbar) Phi (negative control)."""
    if len(n) != L - 1:
        raise ValueError(f"n must hold the L - 1 = {L - 1} hidden widths, got {n}")
    if eigen not in ("min", "max"):
        raise ValueError(f"eigen must be 'min' or 'max', got {eigen!r}")
    rng = ctx.rng
    X = sample("gaussian", N, d, seed=rng)
    net = ReLUNetwork.init([d, *n, 1], init=init, seed=rng)
    J = exact_jacobian(net, X)
    K = J.gram()
    out = exact_output(net, X)
    if labels == "gaussian":
        Y = rng.standard_normal(N)
    elif labels == "bottom eigenvector":
        v = np.linalg.eigh(K.to_float())[1][:, 0]
        Y = out.to_float() - v
    else:
        raise ValueError(f"unknown labels {labels!r}")
    e = out - Dyadic.of(Y)
    gsq, esq, q = _rayleigh(J, e)
    ev = dict(N=N, L=L, n_params=net.n_params, labels=labels, grad_norm_sq=float(gsq),
              two_phi=float(esq), rayleigh_quotient=float(q), eigen=eigen,
              note="(5) <=> lambda op ||grad Phi||^2 / (2 Phi); exact Kbar, exact gradient J^T (F_L - Y)")
    if eigen == "min":
        return eigen_inequality(as_mpf_matrix(K), "<=", q, **ev)
    # lambda_max(K) <= q  <=>  lambda_min(-K) >= -q
    minus_K = Dyadic(-K.m, K.e)
    return eigen_inequality(as_mpf_matrix(minus_K), ">=", -q, **ev)
