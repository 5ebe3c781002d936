r"""Section 4 (NTK matrix with a single wide layer): the decomposition and inequality (24), the
upper bound (25), the feature norms (26), Lemma 4.3, Theorem 4.1 and Corollary 4.2.

Conventions shared by the checks. A network is given by its input dimension ``d`` and hidden
widths ``n = [n_1, ..., n_{L-1}]`` (``n_L = 1``), initialized with ``(W_l)_ij ~ N(0, beta_l^2)``
(``init``: "standard" beta = 1, "he" beta_l^2 = 2/n_{l-1}, "lecun" beta_l^2 = 1/n_{l-1}); the data
are N i.i.d. samples of a zero-mean distribution of numeric.data. ``B_L`` is the column of ones:
the paper's ``B_L = 1_N / sqrt(N)`` is a typo, shown by its own check of eq-24.

Deterministic statements are decided exactly (integer arithmetic on the dyadic float weights,
numeric.exact_network) or with certified enclosures (numeric.eig through verify.judge, with
rigorous rounding bounds from numeric.ntk_error). Theta/Omega statements are judged by ratio
bands over geometric grids (NOTES.md).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

import symbolic
from numeric import ReLUNetwork, lambda_min, sample
from numeric.exact_network import (Dyadic, as_mpf_matrix, decomposition, exact_features,
                                   exact_jacobian, exact_output)
from numeric.interval import U, Interval, lower_dot_nonneg, round_down, round_up, upper_dot_nonneg
from numeric.khatri_rao import khatri_rao_gram_with_error
from numeric.memorize import fit_labels
from numeric.ntk_error import frobenius_upper, jjt_with_error, ntk_with_error
from verify.judge import eigen_inequality, exact_zero
from verify.outcome import Outcome, worst_status
from verify.registry import check, claim, counts_trials

# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _network(d: int, n, init, rng) -> ReLUNetwork:
    """The network of eq. (1) with widths [d, n_1, ..., n_{L-1}, 1]."""
    return ReLUNetwork.init([int(d), *[int(w) for w in n], 1], init=init, seed=rng)


def _instance(ctx, L, N, d, n, init, dist="gaussian"):
    if len(n) != L - 1:
        raise ValueError(f"n must hold the L - 1 = {L - 1} hidden widths, got {n}")
    rng = ctx.rng
    X = sample(dist, N, d, seed=rng)
    return X, _network(d, n, init, rng)


def _interval(lo: Fraction, hi: Fraction) -> Interval:
    return Interval(Interval.point(lo).lo, Interval.point(hi).hi)


def _frac(x) -> Fraction:
    """Exact value of a float, int, Fraction or mpmath mpf."""
    if isinstance(x, Fraction):
        return x
    if hasattr(x, "_mpf_"):
        sign, man, exp, _ = x._mpf_
        v = Fraction(man) * Fraction(2) ** exp
        return -v if sign else v
    return Fraction(x)


def _rational(q: Fraction) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def _combine(outcomes, **evidence) -> Outcome:
    """One outcome from several sub-decisions: the worst status, the weakest method among them
    (exact > certified > high-precision > float), their evidence side by side."""
    status = worst_status(o.status for o in outcomes)
    order = ("exact", "certified", "high-precision", "float", "monte-carlo")
    method = max((o.method for o in outcomes), key=order.index)
    figures = tuple(f for o in outcomes for f in o.figures)
    return Outcome(status, method, evidence, figures)


# --------------------------------------------------------------------------------------------
# eq-24: the decomposition of J J^T and the lower bound (24)
# --------------------------------------------------------------------------------------------

_EQ24 = (r"JJ^T = \sum_{k=0}^{L-1} F_kF_k^T \circ B_{k+1}B_{k+1}^T,\qquad "
         r"\lambda_{\min}(JJ^T) \ge \sum_{k=0}^{L-1} \lambda_{\min}(F_kF_k^T)\,"
         r"\min_{i\in[N]} \|(B_{k+1})_{i:}\|_2^2 \quad (24)")


@claim("eq-24", kind="inequality", title="Decomposition of J J^T and its Schur lower bound (24)",
       statement=_EQ24)
def eq_24(profile):
    exact_cases = profile.pick(
        quick=[(2, 6, 3, [7]), (3, 8, 4, [6, 9]), (4, 8, 3, [8, 5, 6]), (4, 10, 5, [2, 7, 3])],
        standard=[(2, 8, 3, [7]), (3, 10, 4, [6, 12]), (4, 10, 3, [8, 5, 6]), (4, 12, 5, [2, 7, 3]),
                  (5, 8, 3, [4, 6, 5, 4])],
        full=[(2, 12, 5, [16]), (3, 16, 6, [10, 20]), (4, 16, 4, [12, 6, 9]), (4, 16, 5, [2, 7, 3]),
              (5, 12, 3, [6, 8, 5, 7])])
    for L, N, d, n in exact_cases:
        yield check(f"identity exact (forward-mode J) L={L} N={N} d={d} n={n}", identity_exact,
                    L=L, N=N, d=d, n=n, init="he")
    yield check("identity exact with the paper's B_L = 1_N/sqrt(N) L=3 N=8 d=4 n=[6, 9]",
                identity_exact, L=3, N=8, d=4, n=[6, 9], init="he", B_L="1_N/sqrt(N)")
    float_cases = profile.pick(
        quick=[(2, 32, 16, [64]), (3, 24, 10, [32, 32]), (4, 32, 8, [16, 64, 16])],
        standard=[(2, 64, 16, [128]), (3, 48, 10, [64, 64]), (4, 64, 8, [16, 128, 16])],
        full=[(2, 128, 32, [256]), (3, 128, 16, [128, 256]), (4, 128, 8, [32, 512, 32])])
    for L, N, d, n in float_cases:
        yield check(f"identity float with rounding bounds L={L} N={N} d={d} n={n}", identity_float,
                    L=L, N=N, d=d, n=n, init="standard")
    ineq_exact = profile.pick(
        quick=[(2, 8, 4, [12]), (3, 8, 4, [12, 6]), (4, 8, 3, [6, 10, 8]), (3, 10, 3, [4, 4])],
        standard=[(2, 10, 4, [16]), (3, 10, 4, [16, 8]), (4, 10, 3, [6, 14, 8]), (3, 12, 3, [4, 4])])
    for L, N, d, n in ineq_exact:
        yield check(f"inequality (24) exact L={L} N={N} d={d} n={n}", inequality_exact,
                    L=L, N=N, d=d, n=n, init="he")
    ineq_float = profile.pick(quick=[(3, 32, 8, [12, 128]), (4, 24, 12, [96, 10, 10])],
                              standard=[(3, 64, 8, [14, 256]), (4, 48, 12, [192, 12, 12])],
                              full=[(3, 128, 16, [16, 640]), (4, 96, 16, [480, 16, 16])])
    for L, N, d, n in ineq_float:
        yield check(f"inequality (24) certified, float features L={L} N={N} d={d} n={n}",
                    inequality_float, L=L, N=N, d=d, n=n, init="he")


def identity_exact(ctx, L, N, d, n, init, B_L="1", terms=None) -> Outcome:
    """J J^T (J of eq. (2) by exact forward-mode differentiation) equals the decomposition built
    from the exact features and the back-propagation rows B_k of Section 4.1, entry by entry, in
    exact rational arithmetic. ``B_L="1_N/sqrt(N)"`` uses the paper's printed B_L (then the last
    term is divided by N); ``terms`` keeps only some k (negative controls)."""
    X, net = _instance(ctx, L, N, d, n, init)
    feats = exact_features(net, X)
    J = exact_jacobian(net, X)
    K = J.gram()
    last = "paper" if B_L == "1_N/sqrt(N)" else "ones"
    if B_L not in ("1", "1_N/sqrt(N)"):
        raise ValueError(f"B_L must be '1' or '1_N/sqrt(N)', got {B_L!r}")
    D = decomposition(feats, last=last, terms=terms)
    if last == "ones":
        residual = (K - D).max_abs()
    else:
        R = K.fractions() - D
        residual = max(abs(x) for x in R.flat)
    ev = dict(N=N, L=L, n_params=net.n_params, B_L=B_L, terms="all" if terms is None else list(terms),
              max_abs_JJT=float(K.max_abs()), max_abs_residual=float(residual),
              margin_min_abs_preactivation=None if feats.margin is None else float(feats.margin),
              frozen_sample_layers=feats.frozen,
              float_jacobian_max_error=float(np.max(np.abs(net.jacobian(X) - J.to_float()))),
              float_ntk_max_error=float(np.max(np.abs(net.ntk(X) - K.to_float()))),
              J="exact forward-mode derivatives of eq. (2), sigma'(0) = 0",
              B="exact rows Sigma_k W_{k+1} ... W_L (Section 4.1), B_L = " + B_L)
    if last == "paper":
        expected = (Fraction(N - 1, N)) * feats.F[L - 1].gram().fractions()
        ev["residual_equals_(1-1/N)F_{L-1}F_{L-1}^T"] = bool(np.all(R == expected))
    return exact_zero(_rational(residual), **ev)


def identity_float(ctx, L, N, d, n, init, terms=None) -> Outcome:
    """The float decomposition K = net.ntk(X) and fl(J J^T) with J = net.jacobian(X) differ by at
    most the sum of their rigorous rounding bounds (numeric.ntk_error), with the float features
    taken as exact: both approximate the same exact matrix sum_k (F_kF_k^T) o (B_{k+1}B_{k+1}^T)
    = J_e J_e^T. ``terms`` replaces net.ntk by a partial sum (negative controls)."""
    X, net = _instance(ctx, L, N, d, n, init)
    K, EK = ntk_with_error(net, X, terms=terms)
    M, EM = jjt_with_error(net, X)
    bound = round_up(EK + EM)
    diff = np.abs(K - M)  # fl(a - b) = (a - b)(1 + delta): enclose the exact difference
    diff_hi = round_up(diff / (1.0 - U))
    diff_lo = round_down(diff / (1.0 + U))
    ev = dict(N=N, L=L, n_params=net.n_params, terms="all" if terms is None else list(terms),
              max_abs_difference=float(diff.max()), max_bound=float(bound.max()),
              max_difference_over_bound=float(np.max(diff / np.maximum(bound, 1e-300))),
              max_abs_K=float(np.abs(K).max()),
              note="features from net.features taken as exact; bounds are a-priori rounding bounds "
                   "of dsyrk/GEMM and of the Jacobian's entrywise products")
    if np.all(diff_hi <= bound):
        return Outcome("verified", "certified", ev)
    if np.any(diff_lo > bound):
        i, j = np.unravel_index(np.argmax(diff_lo - bound), diff.shape)
        ev.update(witness_entry=[int(i), int(j)], witness_difference=float(diff[i, j]),
                  witness_bound=float(bound[i, j]))
        return Outcome("counterexample", "certified", ev)
    return Outcome("inconclusive", "certified", ev)


def _rhs_24_exact(feats, N, factor) -> tuple[Interval, list, bool]:
    """Enclosure of factor * sum_k lambda_min(F_kF_k^T) min_i ||(B_{k+1})_{i:}||^2 from exact
    features; lambda_min(F_kF_k^T) = 0 exactly when n_k < N (rank), else a certified enclosure
    (clipped at 0 below: a Gram matrix is PSD)."""
    lo, hi, parts = Fraction(0), Fraction(0), []
    for k in range(feats.L):
        F, B = feats.F[k], feats.B[k]
        m = min(_frac(x) for x in B.row_sumsq().fractions().flat)
        if F.shape[1] < N:
            l_lo = l_hi = Fraction(0)
            how = f"0 (rank F_{k} <= n_{k} = {F.shape[1]} < N)"
        else:
            enc = lambda_min(as_mpf_matrix(F.gram()), method="certified")
            l_lo, l_hi = max(_frac(enc.lo), Fraction(0)), _frac(enc.hi)
            how = enc.method
        lo += l_lo * m
        hi += l_hi * m
        parts.append({"k": k, "lambda_min_FkFk^T": [float(l_lo), float(l_hi)], "how": how,
                      "min_row_norm_sq_B_k+1": float(m)})
    f = Fraction(factor)
    return _interval(lo * f, hi * f), parts, hi == 0


def inequality_exact(ctx, L, N, d, n, init, factor=1.0) -> Outcome:
    """(24) for the exact J J^T (J by forward mode): certified lambda_min(J J^T) >= the right side,
    every factor of which is enclosed rigorously (``factor`` > 1 states a false, stronger bound)."""
    X, net = _instance(ctx, L, N, d, n, init)
    feats = exact_features(net, X)
    K = exact_jacobian(net, X).gram()
    rhs, parts, all_zero = _rhs_24_exact(feats, N, factor)
    ev = dict(N=N, L=L, n_params=net.n_params, rhs=[rhs.lo, rhs.hi], terms=parts, factor=factor)
    if all_zero:
        # Every lambda_min(F_k F_k^T) vanishes by rank; (24) reads lambda_min(J J^T) >= 0, true
        # because J J^T is a Gram matrix.
        return Outcome("verified", "exact", {**ev, "reason": "the right side is exactly 0 (see terms: "
                                                  "rank n_k < N or a zero row of B_{k+1}); J J^T is a "
                                                  "Gram matrix, so lambda_min(J J^T) >= 0"})
    return eigen_inequality(as_mpf_matrix(K), ">=", rhs, **ev)


def inequality_float(ctx, L, N, d, n, init, factor=1.0) -> Outcome:
    """(24) at larger sizes for the float features taken as exact (the inequality is linear algebra
    in F_k, B_k): lambda_min of the decomposition with abs_err = ||rounding bound||_F, the right
    side enclosed with khatri_rao_gram_with_error and rigorous row-norm bounds."""
    X, net = _instance(ctx, L, N, d, n, init)
    feats = net.features(X)
    K, EK = ntk_with_error(net, X)
    lo, hi, parts = Interval.point(0.0), Interval.point(0.0), []
    for k in range(L):
        F, B = feats.F[k], feats.B[k]
        Ba = np.abs(B)
        m_lo = min(lower_dot_nonneg(r, r) for r in Ba)
        m_hi = min(upper_dot_nonneg(r, r) for r in Ba)
        if F.shape[1] < N:
            l_lo = l_hi = 0.0
            how = f"0 (rank F_{k} <= n_{k} = {F.shape[1]} < N)"
        else:
            G, err = khatri_rao_gram_with_error(F, 1)
            enc = lambda_min(G, method="certified", abs_err=err)
            l_lo, l_hi = max(float(enc.lo), 0.0), float(enc.hi)
            how = enc.method
        lo = lo + Interval.point(l_lo) * m_lo
        hi = hi + Interval.point(l_hi) * m_hi
        parts.append({"k": k, "lambda_min_FkFk^T": [l_lo, l_hi], "how": how,
                      "min_row_norm_sq_B_k+1": [m_lo, m_hi]})
    rhs = Interval(lo.lo, hi.hi) * Interval.point(float(factor))
    abs_err = frobenius_upper(EK)
    return eigen_inequality(K, ">=", rhs, abs_err=abs_err, N=N, L=L, n_params=net.n_params,
                            rhs=[rhs.lo, rhs.hi], terms=parts, factor=factor,
                            note="float features taken as exact; abs_err bounds the rounding of net.ntk")


# --------------------------------------------------------------------------------------------
# eq-25: the diagonal of J J^T and lambda_min <= (J J^T)_11
# --------------------------------------------------------------------------------------------

_EQ25 = (r"\lambda_{\min}(JJ^T) \le (JJ^T)_{11} = \sum_{k=0}^{L-1} \|(F_k)_{1:}\|_2^2\,"
         r"\|(B_{k+1})_{1:}\|_2^2 \quad (25)")


@claim("eq-25", kind="inequality", title="Upper bound (25) by the first diagonal entry", statement=_EQ25)
def eq_25(profile):
    cases = profile.pick(quick=[(2, 8, 4, [12]), (3, 8, 4, [6, 9]), (4, 8, 3, [8, 5, 6])],
                         standard=[(2, 10, 4, [16]), (3, 10, 4, [6, 12]), (4, 10, 3, [8, 5, 6]),
                                   (5, 8, 3, [4, 6, 5, 4])])
    for L, N, d, n in cases:
        yield check(f"diagonal identity exact L={L} N={N} d={d} n={n}", diagonal_identity,
                    L=L, N=N, d=d, n=n, init="he")
        yield check(f"lambda_min <= (JJ^T)_11 exact L={L} N={N} d={d} n={n}", upper_bound_exact,
                    L=L, N=N, d=d, n=n, init="he")
    yield check("diagonal identity exact with the paper's B_L = 1_N/sqrt(N) L=3 N=8 d=4 n=[6, 9]",
                diagonal_identity, L=3, N=8, d=4, n=[6, 9], init="he", B_L="1_N/sqrt(N)")
    L, N, d, n = profile.pick(quick=(3, 32, 8, [12, 128]), standard=(3, 64, 8, [14, 256]))
    yield check(f"lambda_min <= (JJ^T)_11 certified, float L={L} N={N} d={d} n={n}", upper_bound_float,
                L=L, N=N, d=d, n=n, init="he")


def diagonal_identity(ctx, L, N, d, n, init, B_L="1", terms=None) -> Outcome:
    """(J J^T)_ii = sum_k ||(F_k)_{i:}||^2 ||(B_{k+1})_{i:}||^2 exactly, for i = 1 (the statement)
    and every other i; J by exact forward mode. ``B_L="1_N/sqrt(N)"`` gives the last term weight
    1/N (the paper's printed B_L); ``terms`` drops terms (negative controls)."""
    X, net = _instance(ctx, L, N, d, n, init)
    feats = exact_features(net, X)
    J = exact_jacobian(net, X)
    diag = J.row_sumsq().fractions()
    ks = range(L) if terms is None else terms
    rhs = np.zeros(N, dtype=object)
    rhs[:] = Fraction(0)
    contrib = []
    for k in ks:
        t = feats.F[k].row_sumsq().fractions() * feats.B[k].row_sumsq().fractions()
        if k == L - 1 and B_L == "1_N/sqrt(N)":
            t = t * Fraction(1, N)
        rhs = rhs + t
        contrib.append(float(t[0]))
    residual = max(abs(a - b) for a, b in zip(diag, rhs))
    return exact_zero(_rational(residual), N=N, L=L, B_L=B_L, JJT_11=float(diag[0]),
                      terms_for_i_1=contrib, max_abs_residual_over_i=float(residual),
                      residual_i_1=float(abs(diag[0] - rhs[0])))


def upper_bound_exact(ctx, L, N, d, n, init, threshold_factor=1.0) -> Outcome:
    """lambda_min(J J^T) <= (J J^T)_11 (Rayleigh quotient of e_1), certified on the exact matrix;
    ``threshold_factor`` < 1 states a false, smaller bound (negative controls)."""
    X, net = _instance(ctx, L, N, d, n, init)
    K = exact_jacobian(net, X).gram()
    k11 = K.fraction((0, 0)) * Fraction(threshold_factor)
    return eigen_inequality(as_mpf_matrix(K), "<=", k11, N=N, L=L, JJT_11=float(K.fraction((0, 0))),
                            threshold_factor=threshold_factor)


def upper_bound_float(ctx, L, N, d, n, init, threshold_factor=1.0) -> Outcome:
    """The same at a larger size on K = net.ntk(X) with its rigorous rounding bound: the threshold is
    the interval K_11 +- E_11, lambda_min widened by ||E||_F (float features taken as exact)."""
    X, net = _instance(ctx, L, N, d, n, init)
    K, EK = ntk_with_error(net, X)
    k11 = Interval(K[0, 0] - EK[0, 0], K[0, 0] + EK[0, 0]) * Interval.point(float(threshold_factor))
    return eigen_inequality(K, "<=", k11, abs_err=frobenius_upper(EK), N=N, L=L, JJT_11=float(K[0, 0]),
                            threshold_factor=threshold_factor)


# --------------------------------------------------------------------------------------------
# Ratio bands over geometric grids (shared by eq-26, Lemma 4.3, Theorem 4.1)
# --------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in text).strip("-")


def _bands(name, x, series, *, xlabel, caption, extra_columns=None, reference=None, logy=False):
    """Ratio bands (verify.stats.scaling_band, the rule of verify.judge.scaling) for several series
    {label: (measured, predicted)} over the same grid, drawn in one figure (``reference``: {label:
    value} dashed lines for the predicted large-width ratios; ``logy`` for series of different
    orders of magnitude). Returns (all settle, evidence per series, figure)."""
    from verify.figures import new_figure, render
    from verify.stats import scaling_band

    fig, ax = new_figure()
    columns = {"x": [float(v) for v in x]}
    evidence, settle = {}, True
    for i, (label, (measured, predicted)) in enumerate(series.items()):
        band = scaling_band(x, measured, predicted)
        settle = settle and band.settles
        evidence[label] = band.evidence()
        color = f"C{i}"
        (ax.loglog if logy else ax.semilogx)(band.x, band.ratio, "o-", color=color, label=label)
        if reference and label in reference:
            ax.axhline(reference[label], color=color, linestyle="--", linewidth=0.8)
        columns[f"ratio {label}"] = list(band.ratio)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("measured / predicted")
    if not logy:
        ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize="small")
    columns.update(extra_columns or {})
    return settle, evidence, render(fig, _slug(name), columns, caption)


def _mean_ci(values, confidence=0.99):
    """Mean and two-sided Student-t confidence interval."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if v.size < 2:
        return m, (m, m)
    h = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return m, (m - h, m + h)


def _concentration(x, samples, alpha=0.01) -> dict:
    """Does the spread shrink as the grid variable grows? One-sided F-test of Var(first grid point)
    > Var(last grid point) at level ``alpha``; the log-log slope of the standard deviation over the
    grid (about -1/2 for a 1/sqrt(width) concentration) is reported as well."""
    from scipy import stats

    first, last = np.asarray(samples[0], float), np.asarray(samples[-1], float)
    v0, v1 = float(first.var(ddof=1)), float(last.var(ddof=1))
    p = float(stats.f.sf(v0 / v1, first.size - 1, last.size - 1)) if v1 > 0 else 0.0
    spreads = [float(np.std(s, ddof=1)) for s in samples]
    slope = float(stats.linregress(np.log(np.asarray(x, float)), np.log(spreads)).slope)
    return dict(spread=spreads, spread_loglog_slope=slope, variance_ratio_first_last=v0 / v1 if v1 else None,
                f_test_p=p, shrinks=p < alpha)


def _statistical_verdict(parts) -> str:
    """consistent when every part holds, inconclusive otherwise (never a counterexample: NOTES.md)."""
    return "consistent" if all(parts) else "inconclusive"


# --------------------------------------------------------------------------------------------
# eq-26: ||f_k(x)||^2 = Theta(d prod_{l<=k} n_l beta_l^2)
# --------------------------------------------------------------------------------------------

_EQ26 = (r"\|f_k(x_1)\|_2^2 = \Theta\Big(d\prod_{l=1}^k n_l\beta_l^2\Big),\ 0\le k\le L-1,\ "
         r"\text{w.p.}\ \ge 1-\sum_{l=1}^k e^{-\Omega(n_l)}-e^{-\Omega(d)} \quad (26)")


@claim("eq-26", kind="high-probability", title="Scaling (26) of the feature norms", statement=_EQ26)
def eq_26(profile):
    d_grid = profile.pick(quick=[4, 16, 64, 256], standard=[4, 16, 64, 256, 1024],
                          full=[4, 16, 64, 256, 1024, 4096])
    T = profile.pick(quick=16, standard=48, full=200)
    yield check(f"k=0: ||x||^2 / d over d={d_grid} gaussian", data_norm, d=d_grid, T=T, dist="gaussian")
    grid = profile.pick(quick=[16, 32, 64, 128, 256], standard=[16, 32, 64, 128, 256, 512],
                        full=[16, 32, 64, 128, 256, 512, 1024])
    for init in ("he", "standard", "lecun"):
        yield check(f"k=1..3: L=4 n=(m, 2m, m) m={grid} d=16 {init}", feature_norms, L=4, d=16,
                    m=grid, shape=[1, 2, 1], init=init, T=T)


@counts_trials(lambda d, **_: len(d))
def data_norm(ctx, d, T, dist="gaussian", predicted_power=1.0) -> Outcome:
    """k = 0 of (26): ||x||^2 against d over a grid of d (Assumption 2.1); the mean ratio must settle
    and the spread of ||x||^2 / d must shrink (F-test, first against last d). ``predicted_power``
    != 1 is a false scaling."""
    rng = ctx.rng
    means, samples = [], []
    for dd in d:
        v = np.sum(sample(dist, T, dd, seed=rng) ** 2, axis=1) / dd
        means.append(float(v.mean()) * dd)
        samples.append(v)
        ctx.tick()
    predicted = [float(dd) ** predicted_power for dd in d]
    conc = _concentration(d, samples)
    settle, bands, fig = _bands(f"eq-26-k0-{dist}", d, {"k=0": (means, predicted)}, xlabel="d",
                                caption="||x||^2 / d over d (k = 0 of (26))",
                                extra_columns={"spread": conc["spread"]})
    status = _statistical_verdict([settle, conc["shrinks"]])
    return Outcome(status, "monte-carlo", dict(bands=bands, concentration=conc, trials=T,
                                               predicted_power=predicted_power), (fig,))


def _width_profile(m, shape):
    return [int(m * s) for s in shape]


@counts_trials(lambda m, T, **_: len(m) * T)
def feature_norms(ctx, L, d, m, shape, init, T, width_power=1.0, target=None) -> Outcome:
    r"""(26) for k = 1..L-1 over a width grid (hidden widths n_l = m * shape[l]), T independent
    trials per width (fresh weights and a fresh x each).

    Three things must hold for ``consistent``, for every k: the ratio of the mean ||f_k||^2 to
    d prod n_l beta_l^2 settles (its large-width value is 2^{-k} E||x||^2/d); the mean of
    R_k = 2^k ||f_k||^2 / (prod n_l beta_l^2 ||x||^2) over all trials, whose expectation is exactly 1
    at every width (E relu(g)^2 = Var(g)/2 layer by layer), has a confidence interval (99%,
    Bonferroni over k) containing ``target`` (default 1); the spread of R_k shrinks as the widths
    grow (F-test, smallest against largest width, level 1%; the log-log slope of the standard
    deviation, about -1/2, is reported). ``width_power`` != 1 puts a false power of the widths in
    the prediction."""
    rng = ctx.rng
    target = 1.0 if target is None else float(target)
    ks = list(range(1, L))
    meas = {k: [] for k in ks}
    pred = {k: [] for k in ks}
    R = {k: [] for k in ks}
    for mm in m:
        widths = _width_profile(mm, shape)
        norms = {k: [] for k in ks}
        rk = {k: [] for k in ks}
        for _ in range(T):
            x = sample("gaussian", 1, d, seed=rng)
            net = _network(d, widths, init, rng)
            feats = net.features(x)
            xx = float(np.sum(x ** 2))
            for k in ks:
                fk = float(np.sum(feats.F[k] ** 2))
                scale = float(np.prod([widths[l] * net.betas[l] ** 2 for l in range(k)]))
                norms[k].append(fk)
                rk[k].append(2 ** k * fk / (scale * xx))
            ctx.tick()
        for k in ks:
            p = d * float(np.prod([widths[l] ** width_power * net.betas[l] ** 2 for l in range(k)]))
            meas[k].append(float(np.mean(norms[k])))
            pred[k].append(p)
            R[k].append(rk[k])
    series = {f"k={k}": (meas[k], pred[k]) for k in ks}
    settle, bands, fig = _bands(f"eq-26-L{L}-{init}", m, series, xlabel="m (n = m * shape)",
                                caption=f"||f_k||^2 / (d prod n_l beta_l^2), {init} init, n = m * {shape}; "
                                        "dashed: 2^-k (the large-width value for E||x||^2 = d)",
                                reference={f"k={k}": 2.0 ** -k for k in ks})
    parts, per_k = [settle], {}
    confidence = 1.0 - 0.01 / len(ks)
    for k in ks:
        mean, ci = _mean_ci([v for r in R[k] for v in r], confidence)
        conc = _concentration(m, R[k])
        contains = ci[0] <= target <= ci[1]
        parts += [contains, conc["shrinks"]]
        per_k[f"k={k}"] = dict(large_width_mean_ratio=float(np.mean(R[k][-1]) * 2.0 ** -k),
                               predicted_large_width_ratio=2.0 ** -k,
                               normalized_mean_all_trials=mean, ci=list(ci), confidence=confidence,
                               contains_target=contains, concentration=conc)
    return Outcome(_statistical_verdict(parts), "monte-carlo",
                   dict(bands=bands, per_k=per_k, trials=T, widths_shape=shape, init=init,
                        target=target, width_power=width_power), (fig,))


# --------------------------------------------------------------------------------------------
# Lemma 4.3: ||(B_{k+1})_{i:}||^2 = Theta(beta_L^2 n_{k+1} prod_{l=k+2}^{L-1} n_l beta_l^2)
# --------------------------------------------------------------------------------------------

_LEMMA43 = (r"\Big\|\Sigma_{k+1}(x)\Big(\prod_{l=k+2}^{L-1} W_l\Sigma_l(x)\Big)W_L\Big\|_2^2 = "
            r"\Theta\Big(\beta_L^2\, n_{k+1}\prod_{l=k+2}^{L-1} n_l\beta_l^2\Big),\ k\in[L-2],\ "
            r"\text{w.p.}\ \ge 1-\sum_{l=1}^{L-1} e^{-\Omega(n_l)}-e^{-\Omega(d)}")


@claim("lemma-4.3", kind="high-probability", title="Norms of the back-propagation rows B_{k+1}",
       statement=_LEMMA43)
def lemma_4_3(profile):
    grid = profile.pick(quick=[16, 32, 64, 128, 256], standard=[16, 32, 64, 128, 256, 512],
                        full=[16, 32, 64, 128, 256, 512, 1024])
    T = profile.pick(quick=16, standard=48, full=200)
    cases = [(3, [1, 2], "he"), (4, [1, 2, 1], "he"), (5, [1, 2, 1, 2], "he"),
             (4, [1, 2, 1], "standard"), (4, [1, 2, 1], "lecun")]
    for L, shape, init in cases:
        ks = "1" if L == 3 else f"1..{L - 2}"
        yield check(f"k={ks}: L={L} n=m*{shape} m={grid} d=16 {init}", backward_rows,
                    L=L, d=16, m=grid, shape=shape, init=init, T=T)


@counts_trials(lambda m, T, **_: len(m) * T)
def backward_rows(ctx, L, d, m, shape, init, T, width_power=1.0, target=None) -> Outcome:
    r"""Lemma 4.3 for every k in [L-2] over a width grid (n_l = m * shape[l]), T independent trials
    (fresh weights and x each); (B_{k+1})_{1:} is the back-propagation row of net.features.

    ``consistent`` when, for every k: the ratio of the mean ||(B_{k+1})_{1:}||^2 to
    beta_L^2 n_{k+1} prod_{l=k+2}^{L-1} n_l beta_l^2 settles over the grid; at the two largest
    widths the mean of 2^{L-1-k} times that ratio (one factor 1/2 per mask Sigma_{k+1}, ...,
    Sigma_{L-1}) has a confidence interval (99%, Bonferroni over k) containing ``target`` (default
    1, the large-width value; finite widths may bias it by O(1/n)); its spread shrinks as the widths
    grow (F-test, smallest against largest width, level 1%). ``width_power`` != 1 is a false
    scaling."""
    if L < 3:
        raise ValueError("Lemma 4.3 needs L >= 3 (k ranges over [L-2])")
    rng = ctx.rng
    target = 1.0 if target is None else float(target)
    ks = list(range(1, L - 1))
    meas = {k: [] for k in ks}
    pred = {k: [] for k in ks}
    R = {k: [] for k in ks}
    for mm in m:
        widths = _width_profile(mm, shape)  # n_1, ..., n_{L-1}
        vals = {k: [] for k in ks}
        for _ in range(T):
            x = sample("gaussian", 1, d, seed=rng)
            net = _network(d, widths, init, rng)
            feats = net.features(x)
            for k in ks:
                vals[k].append(float(np.sum(feats.B[k][0] ** 2)))  # B[k] is B_{k+1}
            ctx.tick()
        b = net.betas  # beta_1, ..., beta_L
        for k in ks:
            exact_scale = b[L - 1] ** 2 * widths[k] * float(np.prod([widths[l - 1] * b[l - 1] ** 2
                                                                      for l in range(k + 2, L)]))
            p = b[L - 1] ** 2 * widths[k] ** width_power * float(
                np.prod([widths[l - 1] ** width_power * b[l - 1] ** 2 for l in range(k + 2, L)]))
            meas[k].append(float(np.mean(vals[k])))
            pred[k].append(p)
            R[k].append([2.0 ** (L - 1 - k) * v / exact_scale for v in vals[k]])
    series = {f"k={k}": (meas[k], pred[k]) for k in ks}
    settle, bands, fig = _bands(f"lemma-4.3-L{L}-{init}", m, series, xlabel="m (n = m * shape)",
                                caption=f"||(B_(k+1))_1:||^2 / (beta_L^2 n_(k+1) prod n_l beta_l^2), L = {L}, "
                                        f"{init} init, n = m * {shape}; dashed: 2^-(L-1-k)",
                                reference={f"k={k}": 2.0 ** -(L - 1 - k) for k in ks})
    parts, per_k = [settle], {}
    confidence = 1.0 - 0.01 / len(ks)
    for k in ks:
        mean, ci = _mean_ci([v for r in R[k][-2:] for v in r], confidence)
        conc = _concentration(m, R[k])
        contains = ci[0] <= target <= ci[1]
        parts += [contains, conc["shrinks"]]
        per_k[f"k={k}"] = dict(large_width_mean_ratio=mean * 2.0 ** -(L - 1 - k),
                               predicted_large_width_ratio=2.0 ** -(L - 1 - k),
                               normalized_mean_two_largest_widths=mean, ci=list(ci),
                               confidence=confidence, contains_target=contains,
                               normalized_mean_per_width=[float(np.mean(r)) for r in R[k]],
                               concentration=conc)
    return Outcome(_statistical_verdict(parts), "monte-carlo",
                   dict(bands=bands, per_k=per_k, trials=T, widths_shape=shape, init=init,
                        target=target, width_power=width_power), (fig,))


# --------------------------------------------------------------------------------------------
# Theorem 4.1: lambda_min(Kbar) with a single wide layer
# --------------------------------------------------------------------------------------------

_THM41 = (r"\lambda_{\min}(\bar K^{(L)}) \ge \sum_{k=2}^{L}\xi_{k-1}\mu_r(\sigma)^2\,"
          r"\Omega\Big(d\prod_{l=1}^{L-1}n_l\prod_{l\ne k}\beta_l^2\Big) + \lambda_{\min}(XX^T)\,"
          r"\Omega\Big(\prod_{l=1}^{L-1}n_l\prod_{l=2}^{L}\beta_l^2\Big)\ (20),\quad "
          r"\lambda_{\min}(\bar K^{(L)}) \le \sum_{k=1}^{L}\mathcal O\Big(d\prod_{l=1}^{L-1}n_l"
          r"\prod_{l\ne k}\beta_l^2\Big)\ (22);\ \text{tight:}\ \Big(d\prod_{l=1}^{L-1}n_l\Big)"
          r"\Big(\prod_{l=1}^{L}\beta_l^2\Big)\big(\min_l\beta_l\big)^{-2}\ (23)")

_WIDTH_RULES = {
    "N log N log(N/delta)": lambda N, delta: math.ceil(N * math.log(N) * math.log(N / delta)),
    "2N": lambda N, delta: 2 * N,
    "N/2": lambda N, delta: max(N // 2, 1),
    "4 ceil(sqrt N)": lambda N, delta: 4 * math.ceil(math.sqrt(N)),
    "2 ceil(log2 N) + 2": lambda N, delta: 2 * math.ceil(math.log2(N)) + 2,
    "round(4 log2 N)": lambda N, delta: round(4 * math.log2(N)),
}
# Why "round(4 log2 N)" for the layers after the wide layer in the tightness checks. Theorem 4.1
# allows any widths there up to log factors, but its Theta constant is reached only when the
# smallest row norm min_i ||(B_{k+1})_{i:}||^2 over the N data points is a fixed fraction of its
# mean. That minimum sits where N P(a row is small) ~ 1, i.e. at the large-deviation rate
# ln N / n_{k+1}: with n_{k+1} = c log2 N this rate is ln 2 / c for every N, so the ratio to (23)
# has no drift from this source. "2 ceil(log2 N) + 2" moves it from 0.26 (N = 8) to 0.30
# (N = 128) towards ln 2 / 2, a real drift of the ratio (log-log slope -0.12 to -0.19 over
# N = 8..128, medians of 100-160 trials per N) on top of a standard deviation of log lambda_min
# of about 1 per trial (the worst row of B_{k+1} keeps only about a tenth of its units active),
# which no quick grid resolves. c = 4 cuts that spread to about 0.4 (N = 64), some data point at
# which a whole such layer is inactive has probability at most N 2^-n = N^-3, and on the
# half-octave grids below round(4 log2 N) is 12, 14, 16, ...: one step of 2 per grid point, no
# rounding jumps.


def _half_octave_grid(lo: int, hi: int) -> list[int]:
    """N_j = round(lo 2^{j/2}) for j = 0, 1, ... up to hi: a geometric grid with ratio sqrt 2 (more
    points per octave narrow the confidence interval of the log-log slope for the same cost,
    which is dominated by the largest N)."""
    out, j = [], 0
    while round(lo * 2 ** (j / 2)) <= hi:
        out.append(round(lo * 2 ** (j / 2)))
        j += 1
    return out


def _widths_41(N, L, k, delta, before, after):
    """[d, n_1, ..., n_{L-1}]: the wide layer n_k = N log N log(N/delta) (condition (18) with its
    constant set to 1), the input and the layers before it by the rule ``before``, the layers
    after it by ``after``; k = 0 means no wide layer (every width by ``after``)."""
    wide = _WIDTH_RULES["N log N log(N/delta)"](N, delta)
    b, a = _WIDTH_RULES[before](N, delta), _WIDTH_RULES[after](N, delta)
    if k == 0:
        return [a] * L
    return [b] + [wide if l == k else (b if l < k else a) for l in range(1, L)]


def _xi(widths, N, delta):
    """xi_l for l in [L-1]: (18) n_l >= N log N log(N/delta) and (19) prod_{l'=1}^{l-2} log n_{l'}
    <= min_{l' in [0, l-1]} n_{l'}, with the constants of Omega and o set to 1."""
    out = []
    for l in range(1, len(widths)):
        c18 = widths[l] >= N * math.log(N) * math.log(N / delta)
        c19 = math.prod(math.log(widths[q]) for q in range(1, l - 1)) <= min(widths[:l])
        out.append(int(c18 and c19))
    return out


def _prob_21(widths, N, delta, xi, r):
    """(21) with every Omega constant set to 1 (a value <= 0 means the bound is vacuous)."""
    p = 1.0 - delta
    for l in range(1, len(widths)):
        if xi[l - 1]:
            denom = N ** (2.0 / (r - 0.1)) * math.prod(math.log(widths[q]) for q in range(1, l - 1))
            p -= N ** 2 * math.exp(-min(widths[:l]) / denom)
    p -= N * sum(math.exp(-w) for w in widths[1:]) + N * math.exp(-widths[0])
    return p


def _mu_sq(r):
    return float(symbolic.relu_hermite_closed_form(r)) ** 2


def _bounds_41(widths, betas, xi, lam_xx, r=2):
    """(20), (22), (23) with their hidden constants set to 1 (r in mu_r^2 of (20))."""
    d, n = widths[0], widths[1:]
    L = len(betas)
    b2 = [b * b for b in betas]
    base = d * math.prod(n)
    prod_b2 = math.prod(b2)
    lower = sum(xi[kk - 2] * _mu_sq(r) * base * prod_b2 / b2[kk - 1] for kk in range(2, L + 1))
    lower += lam_xx * math.prod(n) * math.prod(b2[1:])
    upper = sum(base * prod_b2 / b2[kk - 1] for kk in range(1, L + 1))
    tight = base * prod_b2 / min(b2)
    return lower, upper, tight


@claim("theorem-4.1", kind="scaling", title="Finite-width scaling of lambda_min(Kbar) with one wide layer",
       statement=_THM41)
def theorem_4_1(profile):
    # Tightness: a half-octave grid of N, layers before the wide layer of width 2N, after it of
    # width round(4 log2 N) (see _WIDTH_RULES). Every position k in [L-1] at standard; at quick
    # the noisiest one (L = 4, k = 1: two narrow layers after the wide one) waits for standard.
    grid = profile.pick(quick=_half_octave_grid(8, 128), standard=_half_octave_grid(8, 256),
                        full=_half_octave_grid(8, 512))
    T = profile.pick(quick=12, standard=16, full=20)
    he_positions = profile.pick(quick=[(3, 1), (3, 2), (4, 2), (4, 3)],
                                standard=[(3, 1), (3, 2), (4, 1), (4, 2), (4, 3)])
    for init, positions in (("he", he_positions), ("lecun", [(3, 1), (3, 2)])):
        for L, k in positions:
            yield check(f"bounds (20), (22), tightness (23) {init} L={L} wide layer k={k} N={grid}",
                        tightness, L=L, k=k, N=grid, init=init, T=T, delta=0.1,
                        before="2N", after="round(4 log2 N)")
    # Contrasts, on the octave grid of their reviewed findings.
    grid_oct = profile.pick(quick=[8, 16, 32, 64, 128], standard=[8, 16, 32, 64, 128, 256],
                            full=[8, 16, 32, 64, 128, 256, 512])
    T_oct = profile.pick(quick=8, standard=10, full=20)
    # Narrow layers *before* the wide layer: polynomial (sqrt) and exponential (log) bottlenecks.
    for before in profile.pick(quick=["2 ceil(log2 N) + 2"],
                               standard=["4 ceil(sqrt N)", "2 ceil(log2 N) + 2"]):
        yield check(f"layers of width {before} before the wide layer he L=4 k=3 N={grid_oct}", tightness,
                    L=4, k=3, N=grid_oct, init="he", T=T_oct, delta=0.1, before=before,
                    after="2 ceil(log2 N) + 2", statistic="median")
    for L, k in ((3, 1), (4, 2), (4, 3)):
        yield check(f"certified (24) and (25) at N=12 he L={L} wide layer k={k}", certified_skeleton,
                    L=L, k=k, N=12, init="he", delta=0.1, before="2N", after="2 ceil(log2 N) + 2")
    yield check("no wide layer, parameters < N: lambda_min = 0 by rank L=3 N=64 d=4 n=[4, 4]",
                rank_collapse, L=3, N=64, d=4, n=[4, 4], init="he")
    grid_narrow = profile.pick(quick=[8, 16, 32, 64, 128, 256], standard=[8, 16, 32, 64, 128, 256, 512])
    yield check(f"no wide layer (fixed widths d=8 n=[8, 8]) he L=3 N={grid_narrow}", no_wide_layer,
                L=3, N=grid_narrow, d=8, n=[8, 8], init="he", T=T_oct, delta=0.1)


def _typical(lams, statistic: str) -> float:
    """The typical lambda_min of T trials: ``"iqm-log"`` exp of the interquartile mean of
    log lambda_min (the mean of the middle half: nearly as efficient as the mean of the logs for
    the bulk, and, like the median, blind to a rare trial whose lambda_min collapses to 0 -- a
    data point at which a whole narrow layer is inactive, an event of the failure probability
    (21)); ``"median"``. Non-positive values (float noise of a singular Kbar) count as 1e-300."""
    v = np.maximum(np.asarray(lams, dtype=float), 1e-300)
    if statistic == "median":
        return float(np.median(v))
    if statistic == "iqm-log":
        from scipy import stats

        return float(np.exp(stats.trim_mean(np.log(v), 0.25)))
    raise ValueError(f"statistic must be 'iqm-log' or 'median', got {statistic!r}")


@counts_trials(lambda N, T, **_: len(N) * T)
def tightness(ctx, L, k, N, init, T, delta, before, after, extra_power=0.0, statistic="iqm-log") -> Outcome:
    r"""lambda_min(Kbar) over a geometric grid of N with one wide layer at position k (see
    ``_widths_41``): the typical value over T trials (``_typical``: by default exp of the
    interquartile mean of log lambda_min) divided by (23) must settle (``consistent``); its
    ratios to (20) and (22) (hidden constants 1, r = 2) are reported with their bands.
    lambda_min is the float eigvalsh of net.ntk (only a scaling is judged:
    method monte-carlo). The conditions xi (18)-(19) and the probability (21) with constants 1 are
    reported for every N. ``extra_power`` multiplies the predictions by N^extra_power (a false
    scaling, for negative controls)."""
    rng = ctx.rng
    med, low, up, tight, per_N = [], [], [], [], []
    for NN in N:
        widths = _widths_41(NN, L, k, delta, before, after)
        xi = _xi(widths, NN, delta)
        lams, lxx = [], []
        for _ in range(T):
            X = sample("gaussian", NN, widths[0], seed=rng)
            net = _network(widths[0], widths[1:], init, rng)
            lams.append(float(np.linalg.eigvalsh(net.ntk(X))[0]))
            lxx.append(max(float(np.linalg.eigvalsh(X @ X.T)[0]), 0.0))
            ctx.tick()
        lo_b, up_b, t_b = _bounds_41(widths, net.betas, xi, float(np.mean(lxx)))
        f = float(NN) ** extra_power
        med.append(_typical(lams, statistic))
        low.append(lo_b * f)
        up.append(up_b * f)
        tight.append(t_b * f)
        b2 = [b * b for b in net.betas]
        log_lams = np.log(np.maximum(lams, 1e-300))
        per_N.append(dict(N=NN, widths=widths, xi=xi, lambda_min=lams, median_lambda_min=float(np.median(lams)),
                          sd_log_lambda_min=float(np.std(log_lams, ddof=1)) if T > 1 else 0.0,
                          beta_after_wide_is_min=bool(k and abs(b2[k] - min(b2)) <= 1e-12 * min(b2)),
                          prob_21_const1={f"r={r}": _prob_21(widths, NN, delta, xi, r) for r in (2, 4, 8)},
                          n_params=net.n_params))
    if k and not all(p["xi"][k - 1] for p in per_N):
        return Outcome("not-applicable", "monte-carlo", dict(per_N=per_N, reason="xi_k = 0 at some N"))
    _, bands, fig = _bands(
        f"theorem-4.1-{init}-L{L}-k{k}-{before}", N,
        {"(23)": (med, tight), "(20)": (med, low), "(22)": (med, up)}, xlabel="N",
        caption=f"{statistic} lambda_min(Kbar) / bound, {init} init, L = {L}, wide layer k = {k}, "
                f"layers before: {before}, after: {after}", logy=True)
    # The verdict is the settling of lambda_min / (23), the common scaling of (20) and (22) when
    # xi_k = 1 and beta_{k+1} = min beta; the bands against (20) and (22) are reported.
    settle = bands["(23)"]["settles"]
    return Outcome("consistent" if settle else "inconclusive", "monte-carlo",
                   dict(bands=bands, per_N=per_N, typical_lambda_min=med, statistic=statistic,
                        constants="all Omega/O/o constants set to 1, r = 2 in (20)", trials=T, delta=delta,
                        width_rules=dict(wide="N log N log(N/delta)", before=before, after=after),
                        extra_power=extra_power), (fig,))


def certified_skeleton(ctx, L, k, N, init, delta, before, after, factor=1.0) -> Outcome:
    """The deterministic part of the proof of Theorem 4.1 on one instance with a wide layer, in
    exact arithmetic: lambda_min(Kbar) > 0, lambda_min(Kbar) >= the right side of (24) (times
    ``factor``: > 1 is a false bound) and lambda_min(Kbar) <= (Kbar)_11 (25), all certified.
    Kbar is the exact decomposition of Section 4.1 (equal to J J^T: see eq-24)."""
    widths = _widths_41(N, L, k, delta, before, after)
    X, net = _instance(ctx, L, N, widths[0], widths[1:], init)
    feats = exact_features(net, X)
    K = decomposition(feats)
    A = as_mpf_matrix(K)
    rhs, parts, _ = _rhs_24_exact(feats, N, factor)
    outs = [eigen_inequality(A, ">", 0), eigen_inequality(A, ">=", rhs),
            eigen_inequality(A, "<=", K.fraction((0, 0)))]
    return _combine(outs, N=N, L=L, widths=widths, xi=_xi(widths, N, delta),
                    positive=outs[0].evidence, lower_bound_24=outs[1].evidence, rhs_24_terms=parts,
                    upper_bound_25=outs[2].evidence, factor=factor)


def rank_collapse(ctx, L, N, d, n, init) -> Outcome:
    """A network with fewer parameters than samples has rank J <= sum_l n_{l-1} n_l < N, so Kbar is
    singular and lambda_min(Kbar) = 0 exactly (a structural fact). No layer is wide (xi = 0), so
    Theorem 4.1's lower bound (20) is vacuous there: not-applicable. With P >= N the rank argument
    says nothing (inconclusive)."""
    X, net = _instance(ctx, L, N, d, n, init)
    xi = _xi([d, *n], N, 0.1)
    lam = float(np.linalg.eigvalsh(net.ntk(X))[0])
    ev = dict(N=N, n_params=net.n_params, xi=xi, lambda_min_float=lam,
              argument="rank(J J^T) = rank J <= number of columns of J = sum_l n_(l-1) n_l < N")
    if net.n_params < N:
        return Outcome("not-applicable", "exact", {**ev, "lambda_min": 0.0})
    return Outcome("inconclusive", "float", {**ev, "reason": "P >= N: the rank argument does not apply"})


@counts_trials(lambda N, T, **_: len(N) * T)
def no_wide_layer(ctx, L, N, d, n, init, T, delta) -> Outcome:
    """Contrast: fixed widths (d and n_1, ..., n_{L-1} all << N) over a grid of N, so xi_k = 0 for
    every k and (20) reduces to lambda_min(XX^T) Omega(...), which is 0 once N > d: the theorem
    promises nothing. lambda_min(Kbar) (median of T trials) and its ratio to (23) are reported; once
    N exceeds the number of parameters P, rank J <= P < N forces lambda_min(Kbar) = 0 exactly."""
    rng = ctx.rng
    widths = [int(d), *[int(w) for w in n]]
    med, per_N, any_xi = [], [], False
    for NN in N:
        xi = _xi(widths, NN, delta)
        any_xi = any_xi or any(xi)
        lams = []
        for _ in range(T):
            X = sample("gaussian", NN, d, seed=rng)
            net = _network(d, n, init, rng)
            lams.append(float(np.linalg.eigvalsh(net.ntk(X))[0]))
            ctx.tick()
        t_b = _bounds_41(widths, net.betas, xi, 0.0)[2]
        med.append(float(np.median(lams)))
        per_N.append(dict(N=NN, xi=xi, n_params=net.n_params, rank_forces_zero=net.n_params < NN,
                          lambda_min=lams, ratio_to_23=float(np.median(lams)) / t_b))
    ev = dict(widths=widths, per_N=per_N, median_lambda_min=med,
              argument="for N > P = sum_l n_(l-1) n_l: rank(J J^T) <= P < N, so lambda_min(Kbar) = 0 exactly "
                       "(the float values there are rounding noise)")
    if any_xi:
        return Outcome("inconclusive", "monte-carlo", {**ev, "reason": "some layer is wide: not a contrast"})
    return Outcome("not-applicable", "monte-carlo",
                   {**ev, "reason": "xi_k = 0 for every k: no wide layer, Theorem 4.1 gives no lower bound"})


# --------------------------------------------------------------------------------------------
# Corollary 4.2: memorization with one wide layer
# --------------------------------------------------------------------------------------------

_COR42 = (r"\exists k\in[L-1]:\ n_k=\Omega\big(N\log N\log\tfrac{N}{\delta}\big),\ \prod_{l=1}^{k-2}\log n_l"
          r"=o\big(\min_{l\in[0,k-1]}n_l\big)\ \Longrightarrow\ \forall Y,\ \forall\epsilon>0,\ \exists\theta:"
          r"\ \|F_L(\theta)-Y\|_2\le\epsilon\quad\text{w.p. over the data}")

_DIMENSION_ARGUMENT = (
    "theta -> F_L(theta) is piecewise polynomial (semialgebraic) from R^P to R^N; its image is a "
    "semialgebraic set of dimension <= P, and so is its closure; with P < N the closure has empty "
    "interior and Lebesgue measure 0, so for almost every Y some eps > 0 admits no theta with "
    "||F_L(theta) - Y|| <= eps: the conclusion of Corollary 4.2 fails for generic labels.")


@claim("corollary-4.2", kind="high-probability", title="Memorization of arbitrary labels with one wide layer",
       statement=_COR42)
def corollary_4_2(profile):
    N = profile.pick(quick=16, standard=24, full=32)
    for L, k in ((3, 1), (3, 2), (4, 1), (4, 2), (4, 3)):
        widths = _widths_41(N, L, k, 0.1, "N/2", "2 ceil(log2 N) + 2")
        for labels in profile.pick(quick=["gaussian"] if (L, k) != (4, 3) else ["gaussian", "gaussian x 1e6"],
                                   standard=["gaussian", "gaussian x 1e6"]):
            yield check(f"fit {labels} labels to eps=1e-8: L={L} wide layer k={k} N={N} d={widths[0]} "
                        f"n={widths[1:]}", memorization, L=L, N=N, d=widths[0], n=widths[1:], init="he",
                        labels=labels, eps=1e-8, delta=0.1)
    yield check("no wide layer, parameters < N: L=3 N=32 d=4 n=[3, 3]", memorization, L=3, N=32, d=4,
                n=[3, 3], init="he", labels="gaussian", eps=1e-8, delta=0.1)


def _labels(kind, N, rng):
    if kind == "gaussian":
        return rng.standard_normal(N)
    if kind == "gaussian x 1e6":
        return 1e6 * rng.standard_normal(N)
    raise ValueError(f"unknown labels {kind!r}")


def memorization(ctx, L, N, d, n, init, labels, eps, delta, duplicate=False) -> Outcome:
    r"""Corollary 4.2 on one data set: look for theta with ||F_L(theta) - Y||_2 <= eps by damped
    Gauss-Newton in the NTK geometry (numeric.memorize), tracking lambda_min(Kbar) on the way, then
    evaluate ||F_L(theta) - Y||^2 at the final theta in exact rational arithmetic (the float
    weights are exact dyadic numbers): ``verified`` (exact) when it is <= eps^2, which proves
    "exists theta" for these data and labels. ``inconclusive`` when the search fails (an optimizer
    failure proves nothing). Without a wide layer (xi_k = 0 for every k) the hypothesis fails:
    ``not-applicable``, with the best residual found and, when P < N, the dimension argument.
    ``duplicate`` makes x_2 = x_1 with a different label: no theta fits (negative control)."""
    rng = ctx.rng
    X = sample("gaussian", N, d, seed=rng)
    Y = _labels(labels, N, rng)
    if duplicate:
        X[1] = X[0]
        Y[1] = Y[0] + 1.0
    widths = [d, *n]
    xi = _xi(widths, N, delta)
    fit = fit_labels(widths, X, Y, init=init, eps=eps, seed=rng)
    out = exact_output(fit.weights, X)
    res = out - Dyadic.of(Y)
    res_sq = sum((_frac(x) for x in (Dyadic(res.m * res.m, 2 * res.e)).fractions().flat), Fraction(0))
    eps_q = Fraction(str(eps))
    lam_path = list(fit.lambda_path)
    P = sum(a * b for a, b in zip(widths, [*n, 1]))
    ev = dict(N=N, widths=widths, xi=xi, n_params=P, labels=labels, eps=eps,
              exact_residual=float(res_sq) ** 0.5, exact_residual_sq_le_eps_sq=bool(res_sq <= eps_q ** 2),
              float_residual=fit.residual, iterations=fit.iterations, attempts=fit.attempts,
              label_scale_power_of_two=fit.scale,
              lambda_min_initial=lam_path[0], lambda_min_along_path_min=min(lam_path),
              lambda_min_final=lam_path[-1], residual_path=list(fit.residual_path),
              lambda_min_note="lambda_min(Kbar) at the accepted iterates of the search, for the labels "
                              "Y / s (s = label_scale_power_of_two; W_L is multiplied by s at the end)",
              duplicate=duplicate)
    if not any(xi):
        ev["reason"] = "no k with xi_k = 1 (conditions (18)-(19), constants 1): hypothesis fails"
        if P < N:
            ev["argument"] = _DIMENSION_ARGUMENT
        return Outcome("not-applicable", "exact", ev)
    if res_sq <= eps_q ** 2:
        return Outcome("verified", "exact", ev)
    return Outcome("inconclusive", "float", {**ev, "reason": "the search did not reach eps"})
