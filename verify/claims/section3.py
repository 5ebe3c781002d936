"""Section 3 (limiting NTK with all wide layers): the arc-cosine closed forms of (9)-(10),
Lemma 3.1, equation (13) and Theorem 3.2."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from scipy import stats

import symbolic
from numeric.data import sample
from numeric.eig import lambda_min
from numeric.interval import Interval, round_down, round_up
from numeric.khatri_rao import khatri_rao_gram
from numeric.lemma31_routes import mc_first_layer, mc_next_layer, quadrature_entry
from numeric.limiting import LimitingParts, limiting_ntk
from verify import outcome as oc
from verify.judge import eigen_inequality, exact_zero, scaling
from verify.outcome import Outcome
from verify.registry import check, claim, counts_trials
from verify.stats import scaling_band


@claim("eq-10", kind="identity", title="Arc-cosine closed forms of the expectations in (9)-(10)",
       statement=r"2\,\mathbb{E}_{(u,v)\sim\mathcal{N}(0,A)}[\sigma(u)\sigma(v)] = \frac{\sqrt{ab}}{\pi}"
                 r"\big(\sin\theta + (\pi-\theta)\cos\theta\big),\quad 2\,\mathbb{E}[\sigma'(u)\sigma'(v)] = "
                 r"\frac{\pi-\theta}{\pi},\quad A=\begin{bmatrix}a&c\\c&b\end{bmatrix},\ \theta=\arccos\frac{c}{\sqrt{ab}}")
def eq_10(profile):
    order = profile.pick(quick=12, standard=30, full=60)
    yield check("polar-coordinate derivation = arc-cosine forms", derivation)
    yield check("Mehler: Taylor coefficients of E[relu relu] = mu_r(relu)^2", mehler, which="relu", n=order)
    yield check("Mehler: Taylor coefficients of E[step step] = mu_r(step)^2", mehler, which="step", n=order)
    yield check("d/drho E[relu relu] = E[step step] (unit variances)", derivative, unit_variance=True)
    yield check("d/dc E[relu relu] = E[step step] (general variances)", derivative, unit_variance=False)
    yield check("diagonal: G_ii^(l) = G_ii^(l-1), Gdot_ii^(l) = 1", diagonal)


def derivation(ctx, relu_expected=None, step_expected=None) -> Outcome:
    """The expectations integrated in polar coordinates equal the arc-cosine forms (no factor 2)."""
    r1, r2 = symbolic.derivation_residuals(relu_expected, step_expected)
    return exact_zero([r1, r2], relu=str(symbolic.derive_relu_kernel()), step=str(symbolic.derive_step_kernel()))


def mehler(ctx, which, n, kernel=None, hermite=None) -> Outcome:
    """The Taylor coefficients in rho of the unit-variance kernel are mu_r^2 for r <= n
    (the Hermite/Mehler expansion on which Lemma 5.3 rests)."""
    residuals = symbolic.mehler_residuals(n, which, kernel=kernel, hermite=hermite)
    return exact_zero(residuals, order=n)


def derivative(ctx, unit_variance, relu=None, step=None) -> Outcome:
    return exact_zero(symbolic.derivative_residual(relu, step, unit_variance=unit_variance))


def diagonal(ctx, relu=None, step=None) -> Outcome:
    """With the factor 2 of (10): G(a, a, a) = a and Gdot(a, a, a) = 1."""
    return exact_zero(list(symbolic.diagonal_residuals(relu, step)))


# ============================================================================ shared helpers
# Lemma 3.1, eq. (13) and Theorem 3.2 read the matrices G^(l), Gdot^(l), K^(l) of (9)-(12) from
# numeric.limiting_ntk, at DPS digits where a statement is decided and in float64 where it is
# measured.  G^(l) does not depend on L (L only truncates the recursion), so one run to L = 5
# holds the matrices of every L in [2, 5].

DPS = 50
# Relative accuracy claimed for an entry of the DPS-digit recursion: the arc-cosines are
# well-conditioned away from collinear rows (|cos| <= 1 - 1e-6 is checked), so each entry carries
# ~1e-48 relative error; 1e-45 per entry, times N for the spectral norm, is the stated bound.
_ENTRY_REL_ERR = 1e-45
_COLLINEAR = 1.0 - 1e-6


def _to_obj(M) -> np.ndarray:
    """An mpmath matrix as a NumPy object array of mpf (elementwise * and ** stay in mpmath)."""
    return np.array(M.tolist(), dtype=object)


def _to_mp(A: np.ndarray) -> mpmath.matrix:
    return mpmath.matrix(A.tolist())


def _max_abs(M) -> float:
    return float(max(abs(v) for v in (M if isinstance(M, np.ndarray) else _to_obj(M)).ravel()))


def _mp_err(M) -> float:
    """The stated bound on ||M_true - M||_2 for a matrix M computed at DPS digits:
    N * 1e-45 * max |M_ij| (see _ENTRY_REL_ERR)."""
    n = M.rows if isinstance(M, mpmath.matrix) else M.shape[0]
    return n * _ENTRY_REL_ERR * _max_abs(M)


def _max_offdiag_cos(X: np.ndarray) -> float:
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = np.abs(U @ U.T)
    np.fill_diagonal(C, 0.0)
    return float(C.max())


def _data(dist, N, d, seed, noncollinear=True) -> np.ndarray:
    """N samples of `dist` in dimension d, redrawn (with seeds derived from `seed`) while two rows
    are (nearly) collinear: the stated error bound of the DPS-digit recursion assumes
    |cos(x_i, x_j)| <= 1 - 1e-6, and Rademacher rows at small d coincide or are opposite with
    probability ~N^2 2^(1-d).  Duplicates are studied on purpose in `duplicated_point`.
    noncollinear=False: the first draw, whatever it is."""
    if not noncollinear:
        return sample(dist, N, d, seed=seed)
    for s in np.random.SeedSequence(seed).generate_state(20):
        X = sample(dist, N, d, seed=int(s))
        if N == 1 or _max_offdiag_cos(X) <= _COLLINEAR:
            return X
    raise ValueError(f"20 draws of {dist} with N={N}, d={d} all had collinear rows")


def _mp_parts(X, L) -> LimitingParts:
    return limiting_ntk(X, L, dps=DPS, return_parts=True)


def _seeds(ctx, k: int) -> list[int]:
    """k independent integer seeds derived from the check's seed."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(ctx.seed).spawn(k)]


def _mu_squared(r: int) -> mpmath.mpf:
    """mu_r(sigma)^2 from the exact closed form (8) (completed for r = 1 and odd r), at DPS + 20
    digits."""
    with mpmath.workdps(DPS + 20):
        return mpmath.mpf(str(sp.N(symbolic.relu_hermite_closed_form(r) ** 2, DPS + 20)))


def _outward(x) -> Interval:
    """A float interval around the mpf x, two ulps wider than needed: it also covers the
    ~1e-60 relative error with which x was computed."""
    p = Interval.point(x)
    return Interval(round_down(p.lo), round_up(p.hi))


_STRENGTH = ("float", "monte-carlo", "high-precision", "certified", "exact")


def _weakest_method(outcomes) -> str:
    """The least rigorous method among several outcomes (what their conjunction proves)."""
    return min((o.method for o in outcomes), key=_STRENGTH.index)


# ============================================================================ Lemma 3.1

_LEMMA_31 = (r"G^{(1)} = XX^T,\quad G^{(2)} = 2\,\mathbb{E}_{w\sim\mathcal{N}(0,\mathbb{I}_d)}"
             r"[\sigma(Xw)\sigma(Xw)^T],\quad G^{(l)} = 2\,\mathbb{E}_{w\sim\mathcal{N}(0,\mathbb{I}_N)}"
             r"\big[\sigma(\sqrt{G^{(l-1)}}w)\sigma(\sqrt{G^{(l-1)}}w)^T\big]\ (l\in[3,L]),\quad"
             r"K^{(l)} = K^{(l-1)}\circ\dot G^{(l)} + G^{(l)},\quad \dot G^{(l)} = 2\,"
             r"\mathbb{E}_{w\sim\mathcal{N}(0,\mathbb{I}_N)}\big[\sigma'(\sqrt{G^{(l-1)}}w)"
             r"\sigma'(\sqrt{G^{(l-1)}}w)^T\big]\ (l\in[2,L])")


@claim("lemma-3.1", kind="identity", title="Matrix forms (11)-(12) of the limiting NTK recursion",
       statement=_LEMMA_31)
def lemma_3_1(profile):
    dists = profile.pick(quick=("gaussian", "sphere"),
                         standard=("gaussian", "sphere", "rademacher", "lipschitz-gaussian"),
                         full=("gaussian", "sphere", "rademacher", "uniform", "lipschitz-gaussian"))
    L = 5  # every G^(l), Gdot^(l), l in [2, 5]: the matrices of each L in [2, 5]
    N, d = profile.pick(quick=(10, 6), standard=(16, 8), full=(24, 12))
    pairs = profile.pick(quick=2, standard=6, full=12)
    S = profile.pick(quick=[4000, 16000], standard=[20000, 80000], full=[100000, 400000])
    for dist in dists:
        yield check(f"G^(1) = XX^T and cov(sqrt(G^(l-1)) w) = G^(l-1), l=2..{L}, {dist} N={N} d={d}",
                    covariance_route, L=L, N=N, d=d, dist=dist)
        yield check(f"quadrature of (9)-(10) = recursion to 1e-40, {pairs} pairs + 1 diagonal per layer, "
                    f"l=2..{L}, {dist} N={N} d={d}", quadrature_route, L=L, N=N, d=d, dist=dist, pairs=pairs)
        yield check(f"Monte Carlo (11)-(12) in Bonferroni CLT band, S={S[0]},{S[1]}, l=2..{L}, {dist} N={N} d={d}",
                    monte_carlo_route, L=L, N=N, d=d, dist=dist, S=S)


def _sqrt_psd_mp(G) -> mpmath.matrix:
    """The symmetric PSD square root V diag(sqrt(max(w, 0))) V^T of an mpmath matrix (eigsy)."""
    w, V = mpmath.eigsy(G)
    D = mpmath.diag([mpmath.sqrt(max(x, 0)) for x in w])
    return V * D * V.T


def covariance_route(ctx, L, N, d, dist, sqrt_fn=_sqrt_psd_mp) -> Outcome:
    """The step that turns (11)-(12) into (9)-(10): with B = sqrt(G^(l-1)) (symmetric, B B^T =
    G^(l-1)), (u, v) = (<B_i, w>, <B_j, w>) ~ N(0, A_ij^(l)) for w ~ N(0, I_N); for l = 2, Xw has
    covariance X X^T = G^(1).  Checked at DPS digits: G^(1) of the recursion equals the exact
    X X^T (integer arithmetic), B = B^T, and ||B B^T - G^(l-1)||_max <= 1e-40 max|G^(l-1)|."""
    X = _data(dist, N, d, ctx.seed)
    P = _mp_parts(X, L)
    with mpmath.workdps(DPS):
        exact_gram = _to_obj(khatri_rao_gram(X, 1, exact=True))
        g1_res = max(abs(v) for v in (_to_obj(P.G[0]) - exact_gram).ravel()) / _max_abs(exact_gram)
        residuals, asym = [], []
        for l in range(3, L + 1):
            Gp = P.G[l - 2]
            B = sqrt_fn(Gp)
            Bo = _to_obj(B)
            asym.append(float(max(abs(v) for v in (Bo - Bo.T).ravel()) / _max_abs(Gp)))
            residuals.append(float(max(abs(v) for v in (_to_obj(B * B.T) - _to_obj(Gp)).ravel()) / _max_abs(Gp)))
    tol = 1e-40
    ev = dict(dps=DPS, tolerance=tol, G1_minus_XXT_rel=float(g1_res),
              layers=list(range(3, L + 1)), BBt_minus_G_rel=residuals, B_asymmetry_rel=asym,
              error_bound=f"residuals are measured at {DPS} digits; rounding contributes < 1e-45")
    worst = max([float(g1_res)] + residuals + asym)
    return Outcome("verified" if worst <= tol else "counterexample", "high-precision", ev)


def quadrature_route(ctx, L, N, d, dist, pairs, recursion=_mp_parts, tol=1e-40) -> Outcome:
    """(9)-(10) entry by entry without the arc-cosine closed form: G_ij^(l), Gdot_ij^(l) by
    one-dimensional quadrature at DPS digits (numeric.lemma31_routes.quadrature_entry) from
    A_ij^(l), against the recursion's entries; |difference| <= tol (G relative to
    sqrt(G_ii G_jj), Gdot absolutely) with the quadrature's own error below tol / 10.
    `pairs` random off-diagonal entries and the diagonal entry (0, 0) per layer l in [2, L]."""
    X = _data(dist, N, d, ctx.seed)
    P = recursion(X, L)
    rng = ctx.rng
    iu = np.array(np.triu_indices(N, 1)).T
    worst_G = worst_Gd = worst_q = mpmath.mpf(0)
    checked = []
    with mpmath.workdps(DPS + 10):
        for l in range(2, L + 1):
            Gp = P.G[l - 2]
            chosen = [(0, 0)] + [tuple(int(v) for v in iu[k]) for k in rng.choice(len(iu), min(pairs, len(iu)), replace=False)]
            for i, j in chosen:
                a, b, c = Gp[i, i], Gp[j, j], Gp[i, j]
                q = quadrature_entry(a, b, c, DPS)
                scale = mpmath.sqrt(a * b)
                worst_G = max(worst_G, abs(q.G - P.G[l - 1][i, j]) / scale)
                worst_Gd = max(worst_Gd, abs(q.Gdot - P.Gdot[l - 2][i, j]))
                worst_q = max(worst_q, q.G_error / scale, q.Gdot_error)
                checked.append([l, i, j])
    ev = dict(dps=DPS, tolerance=tol, entries=checked, max_diff_G_rel=float(worst_G),
              max_diff_Gdot=float(worst_Gd), max_quadrature_error=float(worst_q),
              error_bound="quadrature error estimate (mpmath.quad) plus Gaussian tail bound")
    if worst_q > tol / 10:
        return Outcome("inconclusive", "high-precision", {**ev, "reason": "quadrature error above tol/10"})
    agrees = worst_G <= tol and worst_Gd <= tol
    return Outcome("verified" if agrees else "counterexample", "high-precision", ev)


def monte_carlo_route(ctx, L, N, d, dist, S, alpha=0.01, factor=2.0) -> Outcome:
    """(11)-(12) by Monte Carlo: 2 E[f(Bw) f(Bw)^T] (f = sigma, sigma'; B = X for l = 2, w ~ N(0, I_d);
    B = sqrt(G^(l-1)), w ~ N(0, I_N) for l >= 3) at two sample sizes S = [S1, S2] against the
    closed forms.  Every upper-triangular entry of G^(l) and Gdot^(l), l in [2, L], at both sizes
    must satisfy |MC - exact| <= z SE, z the Bonferroni-corrected two-sided normal quantile at
    family-wise level alpha; and the band must shrink like 1/sqrt(S) (median SE ratio within
    20% of sqrt(S2/S1)).  `factor` is the constant in front of E (2 in the lemma)."""
    if len(S) != 2 or S[1] <= S[0]:
        raise ValueError("S must be two increasing sample sizes")
    X = _data(dist, N, d, ctx.seed)
    P = limiting_ntk(X, L, return_parts=True)
    iu = np.triu_indices(N)
    seeds = _seeds(ctx, 2 * (L - 1))
    z_all, med_se, rms_err = [], [], []
    k = 0
    for s in S:
        zs, se_G, err_G = [], [], []
        for l in range(2, L + 1):
            est = (mc_first_layer(X, s, seed=seeds[k]) if l == 2
                   else mc_next_layer(P.G[l - 2], s, seed=seeds[k]))
            k += 1
            c = factor / 2.0
            for mean, se, exact in ((c * est.G, c * est.G_se, P.G[l - 1]),
                                    (c * est.Gdot, c * est.Gdot_se, P.Gdot[l - 2])):
                diff, se_u = np.abs(mean - exact)[iu], se[iu]
                zs.append(np.divide(diff, se_u, out=np.where(diff > 0, np.inf, 0.0), where=se_u > 0))
            rel = (c * est.G - P.G[l - 1])[iu] / np.sqrt(np.outer(np.diag(P.G[l - 1]), np.diag(P.G[l - 1])))[iu]
            err_G.append(rel)
            se_G.append((c * est.G_se)[iu])
        z_all.append(np.concatenate(zs))
        med_se.append(float(np.median(np.concatenate(se_G))))
        rms_err.append(float(np.sqrt(np.mean(np.concatenate(err_G) ** 2))))
    m = sum(z.size for z in z_all)
    z_crit = float(stats.norm.isf(alpha / (2 * m)))
    max_z = [float(z.max()) for z in z_all]
    shrink = med_se[0] / med_se[1]
    expected_shrink = math.sqrt(S[1] / S[0])
    in_band = all(z <= z_crit for z in max_z)
    shrinks = abs(shrink / expected_shrink - 1.0) <= 0.2
    ev = dict(S=list(S), entries_compared=m, alpha=alpha, z_bonferroni=z_crit, max_z=max_z,
              median_se_G=med_se, se_shrink=shrink, expected_shrink=expected_shrink,
              rms_rel_error_G=rms_err, rms_error_shrink=rms_err[0] / rms_err[1], in_band=in_band,
              band_shrinks=shrinks)
    return Outcome("consistent" if in_band and shrinks else "inconclusive", "monte-carlo", ev)


# ============================================================================ eq. (13)

@claim("eq-13", kind="identity", title="Unrolled form (13) of the NTK recursion (12)",
       statement=r"K^{(L)} = G^{(L)} + \sum_{l=1}^{L-1} G^{(l)} \circ \dot G^{(l+1)} \circ \dots \circ \dot G^{(L)}")
def eq_13(profile):
    dists = profile.pick(quick=("gaussian", "sphere"),
                         standard=("gaussian", "sphere", "rademacher", "uniform", "lipschitz-gaussian"))
    shapes = profile.pick(quick=((6, 4), (10, 12)), standard=((8, 4), (16, 16), (24, 8)),
                          full=((8, 4), (16, 16), (32, 8), (40, 64)))
    for L in range(2, 6):
        for dist in dists:
            for N, d in shapes:
                yield check(f"L={L} {dist} N={N} d={d}", unrolled_equals_recursion, L=L, N=N, d=d, dist=dist)


def unrolled_sum(G, Gdot, drop=None) -> np.ndarray:
    """Eq. (13) term by term: G^(L) + sum_{l=1}^{L-1} G^(l) o Gdot^(l+1) o ... o Gdot^(L), for
    lists G = [G^(1..L)], Gdot = [Gdot^(2..L)] of equally shaped arrays (object arrays of mpf work).
    `drop=(l, p)` leaves the factor Gdot^(p) out of term l (a deliberately wrong sum)."""
    L = len(G)
    K = G[L - 1].copy()
    for l in range(1, L):
        term = G[l - 1]
        for p in range(l + 1, L + 1):
            if (l, p) != drop:
                term = term * Gdot[p - 2]
        K = K + term
    return K


def unrolled_equals_recursion(ctx, L, N, d, dist, drop=None) -> Outcome:
    """K^(L) from the recursion (12) (numeric.limiting_ntk at DPS digits) equals the unrolled sum
    (13) formed here from the same G^(l), Gdot^(l): max |difference| <= 1e-40 max |K^(L)|.  Both sides
    are exact functions of the same matrices, so the only error is rounding at DPS digits
    (~L 1e-50 relative), whatever the accuracy of the matrices themselves: collinear or repeated
    rows (Rademacher data at small d) are allowed."""
    X = _data(dist, N, d, ctx.seed, noncollinear=False)
    P = _mp_parts(X, L)
    with mpmath.workdps(DPS):
        K_unrolled = unrolled_sum([_to_obj(G) for G in P.G], [_to_obj(G) for G in P.Gdot], drop=drop)
        K_rec = _to_obj(P.K[L - 1])
        scale = _max_abs(K_rec)
        residual = float(max(abs(v) for v in (K_unrolled - K_rec).ravel()) / scale)
    tol = 1e-40
    ev = dict(dps=DPS, tolerance=tol, max_rel_difference=residual, max_abs_K=scale,
              error_bound=f"rounding at {DPS} digits: < {L} * 1e-49 relative")
    if drop is not None:
        ev["dropped_factor"] = list(drop)
    return Outcome("verified" if residual <= tol else "counterexample", "high-precision", ev)


# ============================================================================ Theorem 3.2

_THEOREM_32 = (r"\text{zero-mean } P_X \text{ with Assumptions 2.1-2.2, any even } r\ge 2:\ "
               r"\text{w.p.} \ge 1 - Ne^{-\Omega(d)} - N^2e^{-\Omega(dN^{-2/(r-0.5)})},\quad "
               r"L\,\mathcal{O}(d) \ge \lambda_{\min}(K^{(L)}) \ge \mu_r(\sigma)^2\,\Omega(d)")

# Distributions whose samplers are cheap at every d of the scaling grids (the lipschitz-gaussian
# map costs O(d^3) to build: ~5 s at d = 1024); it joins the small-d checks at every profile.
_CHEAP = ("gaussian", "sphere", "rademacher", "uniform")


@claim("theorem-3.2", kind="high-probability", title="Smallest eigenvalue of the limiting NTK",
       statement=_THEOREM_32)
def theorem_3_2(profile):
    dists = profile.pick(quick=("gaussian", "sphere", "rademacher", "lipschitz-gaussian"),
                         standard=("gaussian", "sphere", "rademacher", "uniform", "lipschitz-gaussian"))
    shapes = profile.pick(quick=((12, 8), (8, 16)), standard=((12, 8), (8, 16), (24, 16)),
                          full=((12, 8), (8, 16), (24, 16), (40, 32)))
    # (a) the chain of the proof, and the upper side with its factor L
    for L in range(2, 6):
        for dist in dists:
            for N, d in shapes:
                yield check(f"(a) chain lambda_min(K^(L)) >= sum_l lambda_min(G^(l)), L={L} {dist} N={N} d={d}",
                            chain, L=L, N=N, d=d, dist=dist)
        N, d = shapes[0]
        yield check(f"(a) upper side lambda_min(K^(L)) <= L min_i ||x_i||^2, L={L} {dists[0]} N={N} d={d}",
                    upper_side, L=L, N=N, d=d, dist=dists[0])
    # (b) the Hermite step for every l in [2, L] (L = 5 covers every L <= 5), r = 1..4
    N, d = shapes[0]
    for r in range(1, 5):
        for dist in dists:
            yield check(f"(b) Hermite step r={r}, l=2..5, {dist} N={N} d={d}", hermite_step,
                        r=r, L=5, N=N, d=d, dist=dist)
    # (c) scaling in d, per L, and the factor L of the upper side
    N = profile.pick(quick=20, standard=30, full=50)
    top = profile.pick(quick=13, standard=14, full=15)
    grid = [2 ** k for k in range(4, top + 1)]
    trials = profile.pick(quick=3, standard=6, full=30)
    scaling_dists = _CHEAP
    for L in range(2, 6):
        yield check(f"(c) lambda_min(K^(L))/d over d={grid[0]}..{grid[-1]}, L={L} N={N}", d_scaling,
                    L=L, N=N, d=grid, dists=list(scaling_dists), T=trials)
    yield check(f"(c) upper side lambda_min(K^(L))/(L d) as L grows, L=2..5 N={N} d={grid[-4]}..{grid[-1]}",
                depth_scaling, L=[2, 3, 4, 5], N=N, d=grid[-4:], dists=list(scaling_dists), T=trials)
    # (d) outside the hypotheses
    small = grid[: max(3, len(grid) - 2)]
    for m in (1.0, 4.0):
        yield check(f"(d) uncentered data x + m*1, m={m:g}, L=3 N={N} d={small[0]}..{small[-1]}", uncentered,
                    L=3, N=N, d=small, dists=list(scaling_dists), T=trials, mean=m)
    N, d = shapes[0]
    for L in (2, 5):
        yield check(f"(d) duplicated data point, L={L} {dists[0]} N={N} d={d}", duplicated_point,
                    L=L, N=N, d=d, dist=dists[0])


def chain(ctx, L, N, d, dist, K_shift=0.0) -> Outcome:
    """The proof's chain lambda_min(K^(L)) >= sum_{l=1}^L lambda_min(G^(l)) (Schur's inequality on
    (13) with Gdot_ii = 1), a deterministic inequality: certified enclosures of every
    lambda_min(G^(l)) give an interval for the sum, and lambda_min(K^(L)) is decided against its
    upper end (numeric.eig.decide), on the DPS-digit matrices with abs_err = N 1e-45 max|entry|.
    `K_shift` subtracts K_shift * I from K^(L) (a deliberately wrong K)."""
    X = _data(dist, N, d, ctx.seed)
    P = _mp_parts(X, L)
    encs = [lambda_min(G, abs_err=_mp_err(G)) for G in P.G]
    total = sum((e.as_interval() for e in encs[1:]), encs[0].as_interval())
    K = P.K[L - 1]
    if K_shift:
        with mpmath.workdps(DPS):
            K = K - mpmath.mpf(K_shift) * mpmath.eye(N)
    return eigen_inequality(K, ">=", total, abs_err=_mp_err(K),
                            lambda_min_G=[float(e.estimate) for e in encs],
                            sum_lambda_min_G=[total.lo, total.hi], dps=DPS,
                            error_bound="abs_err = N * 1e-45 * max|entry| per matrix (50-digit recursion)",
                            max_offdiag_cos=_max_offdiag_cos(X))


def upper_side(ctx, L, N, d, dist, factor=1.0) -> Outcome:
    """The O(d) side with its factor L: K_ii^(L) = L ||x_i||^2 (G_ii^(l) = ||x_i||^2, Gdot_ii = 1), so
    lambda_min(K^(L)) <= L min_i ||x_i||^2 (Rayleigh quotient at e_i), decided with a certified
    enclosure; ||x_i||^2 = Theta(d) w.h.p. by Assumptions 2.1-2.2.  `factor` scales the bound
    (a value < lambda_min / (L min ||x||^2) is a deliberately false bound)."""
    X = _data(dist, N, d, ctx.seed)
    P = _mp_parts(X, L)
    with mpmath.workdps(DPS + 10):
        bound = mpmath.mpf(factor) * L * min(P.G[0][i, i] for i in range(N))
    K = P.K[L - 1]
    return eigen_inequality(K, "<=", _outward(bound), abs_err=_mp_err(K), dps=DPS,
                            L_min_norm_sq=float(bound), min_norm_sq_over_d=float(bound) / (factor * L * d))


def hermite_step(ctx, r, L, N, d, dist, constant=2, normalize=True) -> Outcome:
    """The Hermite step of the proof, for every l in [2, L]:

        lambda_min(G^(l)) >= 2 mu_r(sigma)^2 lambda_min((G^(l-1))^{o r}) / max_i (G_ii^(l-1))^(r-1).

    Derivation: G^(l) = 2 E[sigma(Bw) sigma(Bw)^T], B = sqrt(G^(l-1)) (Lemma 3.1); by homogeneity and
    Mehler's formula 2 E[sigma(u) sigma(v)] = 2 sum_k mu_k^2 G_ij^k / (G_ii G_jj)^((k-1)/2), so
    G^(l) = 2 sum_k mu_k^2 D^(1-k) (G^(l-1))^{o k} D^(1-k), D = diag(sqrt(G_ii)), a sum of PSD
    terms (Schur); keeping the term k = r gives the bound with the factor 2 of (10) (Lemma 5.3 with
    beta^2 E -> 2 E).  The weaker form without the 2 follows.  Decided with certified enclosures on
    DPS-digit matrices.  `constant` replaces the 2 and `normalize=False` drops the division by
    max_i G_ii^(r-1) (deliberately wrong variants)."""
    X = _data(dist, N, d, ctx.seed)
    P = _mp_parts(X, L)
    mu2 = _mu_squared(r)
    outs, per_layer = [], []
    for l in range(2, L + 1):
        Gp = P.G[l - 2]
        with mpmath.workdps(DPS):
            Gp_r = _to_mp(_to_obj(Gp) ** r)
        enc = lambda_min(Gp_r, abs_err=_mp_err(Gp_r))
        with mpmath.workdps(DPS + 20):
            denom = max(Gp[i, i] for i in range(N)) ** (r - 1) if normalize else mpmath.mpf(1)
            t_lo = mpmath.mpf(constant) * mu2 * enc.lo / denom
            t_hi = mpmath.mpf(constant) * mu2 * enc.hi / denom
        threshold = Interval(_outward(t_lo).lo, _outward(t_hi).hi)
        out = eigen_inequality(P.G[l - 1], ">=", threshold, abs_err=_mp_err(P.G[l - 1]))
        outs.append(out)
        per_layer.append(dict(l=l, status=out.status, lambda_min_G_l=[out.evidence["lambda_min_lo"], out.evidence["lambda_min_hi"]],
                              rhs=[threshold.lo, threshold.hi],
                              lambda_min_G_prev_hadamard_r=float(enc.estimate)))
    status = oc.worst_status(o.status for o in outs)
    return Outcome(status, _weakest_method(outs), dict(r=r, mu_r_squared=float(mu2), constant=constant, normalized=normalize,
                                        layers=per_layer, dps=DPS,
                                        error_bound="abs_err = N * 1e-45 * max|entry| per matrix"))


def failure_bound(N, d, r) -> float:
    """Theorem 3.2's failure probability N e^{-d} + N^2 e^{-d N^{-2/(r-0.5)}} with every constant
    hidden in Omega set to 1 (it is vacuous where >= 1)."""
    return N * math.exp(-d) + N * N * math.exp(-d * N ** (-2.0 / (r - 0.5)))


def _bound_evidence(N, ds) -> dict:
    """Where the probability bound (constants 1) stops being vacuous on the grid, for even r."""
    out = {}
    for r in (2, 4, 6, 8):
        fails = [failure_bound(N, d, r) for d in ds]
        ok = [d for d, f in zip(ds, fails) if f < 1.0]
        out[f"r={r}"] = dict(mu_r_squared=float(_mu_squared(r)), failure_bound_at_d_min=fails[0],
                             failure_bound_at_d_max=fails[-1], first_nonvacuous_d=ok[0] if ok else None)
    return out


def _lambda_min_means(seeds, Ls, N, ds, dists, T, mean=0.0, tick=lambda: None) -> np.ndarray:
    """Mean over T samples of lambda_min(K^(L)) (float64), shape (len(dists), len(Ls), len(ds));
    one draw of X serves every L (the recursion to max(Ls) holds every K^(L))."""
    out = np.zeros((len(dists), len(Ls), len(ds)))
    it = iter(seeds)
    for a, dist in enumerate(dists):
        for c, d in enumerate(ds):
            for _ in range(T):
                X = sample(dist, N, d, seed=next(it), mean=mean)
                P = limiting_ntk(X, max(Ls), return_parts=True)
                for b, L in enumerate(Ls):
                    out[a, b, c] += np.linalg.eigvalsh(P.K[L - 1])[0] / T
                tick()
    return out


@counts_trials(lambda d, dists, T, **_: len(dists) * len(d) * T)
def d_scaling(ctx, L, N, d, dists, T, predicted_power=1.0) -> Outcome:
    """(c) lambda_min(K^(L)) = Theta(d): the ratio lambda_min / d over the geometric grid `d`
    (mean over T samples, pooled over `dists`) must settle in a band [c, C] (verify.judge.scaling);
    every distribution's own band must settle too.  The band's upper end divided by L is
    reported (the O(d) side carries a factor L).  `predicted_power` p compares with d^p instead
    (p != 1 is a deliberately wrong rate)."""
    seeds = _seeds(ctx, len(dists) * len(d) * T)
    means = _lambda_min_means(seeds, [L], N, d, dists, T, tick=ctx.tick)[:, 0, :]
    pooled = means.mean(axis=0)
    predicted = np.asarray(d, dtype=float) ** predicted_power
    bands = {dist: scaling_band(d, means[a], predicted) for a, dist in enumerate(dists)}
    out = scaling(d, pooled, predicted, name=f"theorem-3.2-d-scaling-L{L}", xlabel="d",
                  ylabel=f"lambda_min(K^({L})) / d" if predicted_power == 1 else "lambda_min / d^p",
                  caption=f"lambda_min(K^({L})) / d against d (N = {N}, mean of {T} samples, pooled over "
                          f"{', '.join(dists)})",
                  extra_columns={f"ratio_{dist}": list(b.ratio) for dist, b in bands.items()},
                  per_distribution={dist: dict(band=list(b.band), settles=b.settles, slope_last_half=b.slope_last)
                                    for dist, b in bands.items()},
                  predicted_power=predicted_power)
    ev = dict(out.evidence)
    ev["band_hi_over_L"] = ev["band_hi"] / L
    ev["band_lo_over_mu_2_squared"] = ev["band_lo"] / float(_mu_squared(2))
    bounds = _bound_evidence(N, d)
    ev["probability_bound_constants_1"] = bounds
    first = bounds["r=2"]["first_nonvacuous_d"]
    ev["note"] = (f"with every hidden constant 1, the failure bound N e^(-d) + N^2 e^(-d N^(-2/(r-0.5))) at N = {N} "
                  f"is vacuous (>= 1) for r = 2 at every d < {first if first else 'the whole grid'}; larger even r "
                  f"makes it non-vacuous at smaller d at the price of a smaller mu_r^2 (see "
                  f"probability_bound_constants_1)")
    status = "consistent" if out.status == "consistent" and all(b.settles for b in bands.values()) else "inconclusive"
    return Outcome(status, out.method, ev, out.figures)


@counts_trials(lambda d, dists, T, **_: len(dists) * len(d) * T)
def depth_scaling(ctx, L, N, d, dists, T, depth_power=1.0, tolerance=0.1) -> Outcome:
    """(c) The upper side L O(d): the ratio lambda_min(K^(L)) / (L d) must not grow with L.  For each
    d of the grid, the log-log slope of the ratio against L has a confidence interval whose upper
    end must stay below `tolerance` (then the ratio is bounded by its value at the smallest L).
    `depth_power` q compares with L^q d (q = 0 drops the factor L: a deliberately wrong bound)."""
    seeds = _seeds(ctx, len(dists) * len(d) * T)
    means = _lambda_min_means(seeds, L, N, d, dists, T, tick=ctx.tick).mean(axis=0)  # (len(L), len(d))
    Ls = np.asarray(L, dtype=float)
    rows, bounded = [], True
    for c, dd in enumerate(d):
        band = scaling_band(Ls, means[:, c], Ls ** depth_power * dd)
        grows = band.slope_ci[1] > tolerance
        bounded &= not grows
        rows.append(dict(d=dd, ratio=list(band.ratio), slope=band.slope, slope_ci=list(band.slope_ci)))
    ev = dict(per_d=rows, depth_power=depth_power, tolerance=tolerance,
              max_ratio=float(max(max(r["ratio"]) for r in rows)), not_growing=bool(bounded))
    return Outcome("consistent" if bounded else "inconclusive", "monte-carlo", ev)


@counts_trials(lambda d, dists, T, **_: len(dists) * len(d) * T)
def uncentered(ctx, L, N, d, dists, T, mean) -> Outcome:
    """(d) Data with mean m 1 (||m 1|| = m sqrt(d)) violates the zero-mean hypothesis of Theorem 3.2
    (Assumptions 2.1-2.2 still hold, with E||x||^2 = (1 + m^2) d): lambda_min(K^(L)) / d over the
    grid is reported as `not-applicable`, with whether it decays.  With mean = 0 the hypothesis
    holds and the check judges the band like (c) (consistent / inconclusive)."""
    seeds = _seeds(ctx, len(dists) * len(d) * T)
    pooled = _lambda_min_means(seeds, [L], N, d, dists, T, mean=mean, tick=ctx.tick)[:, 0, :].mean(axis=0)
    band = scaling_band(d, pooled, d)
    decays = band.slope_ci[1] < 0 and band.slope_last < -0.1
    ev = dict(band.evidence(), mean=mean, mean_norm_over_sqrt_d=mean, decays=bool(decays))
    if mean == 0:
        return Outcome("consistent" if band.settles else "inconclusive", "monte-carlo", ev)
    ev["hypothesis_failing"] = f"zero mean: E x = {mean:g} * 1, ||E x|| = {mean:g} sqrt(d)"
    ev["observation"] = ("lambda_min / d decays on the grid" if decays else
                         "lambda_min / d does not decay on the grid: the zero-mean hypothesis is not needed "
                         "for the Theta(d) scaling at a fixed mean m (cos(x_i, x_j) -> m^2/(1+m^2) < 1)")
    return Outcome("not-applicable", "monte-carlo", ev)


def duplicated_point(ctx, L, N, d, dist, duplicate=True) -> Outcome:
    """(d) x_1 = x_0: every entry K_ij^(L) depends on (x_i, x_j) only and K_01 = K_00 = K_11 = L ||x_0||^2,
    so v = e_0 - e_1 gives v^T K v = 0 exactly and lambda_min(K^(L)) = 0 (K is PSD): certain, outside
    the theorem (i.i.d. draws from a distribution with a density never coincide; Rademacher data
    coincide with probability 2^-d).  K is built from the N - 1 distinct points by repeating row
    and column 0 (the exact K of the duplicated data); the direct 50-digit computation is reported
    too (it carries ~1e-25 relative error at the duplicate: arccos near 1).  With
    duplicate=False the N points are distinct and lambda_min(K^(L)) > 0 is decided instead."""
    if not duplicate:
        X = _data(dist, N, d, ctx.seed)
        return eigen_inequality(_mp_parts(X, L).K[L - 1], ">", 0, abs_err=0.0, dps=DPS, duplicate=False)
    Xu = _data(dist, N - 1, d, ctx.seed)
    idx = np.r_[0, np.arange(N - 1)]
    Ku = _to_obj(limiting_ntk(Xu, L, dps=DPS))
    K = Ku[np.ix_(idx, idx)]
    with mpmath.workdps(DPS):
        witness = K[0, 0] + K[1, 1] - 2 * K[0, 1]
        K_direct = _to_obj(limiting_ntk(Xu[idx], L, dps=DPS))
        direct_dev = float(max(abs(v) for v in (K_direct - K).ravel()) / _max_abs(K))
    enc = lambda_min(_to_mp(K))
    ev = dict(witness_rayleigh=str(witness), lambda_min_lo=float(enc.lo), lambda_min_hi=float(enc.hi),
              enclosure=enc.method, direct_computation_rel_deviation=direct_dev,
              hypothesis_failing="i.i.d. points from P_X: a duplicate has probability 0 for a distribution with a density")
    if witness != 0 or not enc.lo <= 0 <= enc.hi:
        return Outcome("inconclusive", enc.report_method,
                       {**ev, "reason": "the enclosure does not show lambda_min(K) = 0 although two rows coincide"})
    return Outcome("not-applicable", "certified", ev)
