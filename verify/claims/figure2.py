r"""Figure 2 of the paper (L = 3, Monte Carlo trials, mean +- one standard deviation).

Left panel: (W_l)_ij ~ N(0, 1) ("standard" init), fixed (N, n_1, n_2), the plotted quantity is
lambda_min( (prod_{l=1}^{L-1} 2/n_l) Kbar^(L) ) = lambda_min(4/(n_1 n_2) Kbar) (normalization (4)) as a
function of d, three (N, n_1, n_2); beside it the infinite-width value lambda_min(K^(3)) of (9)-(10) on
the same data. Theorem 3.2 predicts Theta(d).
Right panel: He init beta_l^2 = 2/n_{l-1}, fixed (d, n_2), n_1 = 8N, lambda_min(Kbar) against N, three
(d, n_2). Theorem 4.1 predicts Theta(n_1) = Theta(N).

The paper does not print its (N, n_1, n_2), (d, n_2) or grids; the values below are our choices
(written into every check's parameters and every caption). Data: standard Gaussian (mean zero).

Every curve is a scaling check (verify.judge.scaling with predicted d, resp. N; NOTES.md: an affine
law a + b x is Theta(x) as long as the ratio settles). lambda_min is a plotted statistic, taken from
LAPACK eigvalsh (method monte-carlo); each value carries a rounding margin

    margin = N u ||M||_2 + gamma_m trace(M),

the eigensolver's backward error plus a bound on the error of forming M = c Kbar in floating point
(gamma_m = m u/(1 - m u), m = max_k (n_k + n_{k+1}) + L + 3 as in the Section 4.1 decomposition; the
entrywise-absolute NTK is PSD with the same trace, so trace(M) bounds its spectral norm). A point
whose margin is not negligible (> 1e-6 |lambda_min|) is certified with numeric.eig.lambda_min instead.

Sizes (ours). quick: left (N, n_1, n_2) in {(20,100,100), (20,200,200), (40,200,200)}, d in
{40, 160, 640, 2560}; right (d, n_2) in {(50,50), (100,100), (200,100)}, N in {16, 32, 64, 128}; 5 trials.
standard: left {(20,200,200), (20,500,500), (50,500,500)}, d = 25 * 2^k up to 3200; right N up to 256;
20 trials. full: left {(20,500,500), (20,1000,1000), (50,1000,1000)}, d = 25..3200; right N = 16..512;
50 trials (the paper's count). The width sweep of the limit check goes to n = 800 / 1600 / 1600. The d grid spans d/N from about 1 to 100: the ratio lambda_min/d of
the limit approaches its large-d value 3 - 0.686 = 2.31 (K_ii = 3 ||x_i||^2 minus the off-diagonal
value at orthogonal inputs) only like sqrt(N/d).

Sharing draws: within one trial and one grid point the data and the standard normal weight blocks
are drawn once at the largest sizes; each curve uses the leading sub-blocks (an exact draw for its
own sizes, because Gaussian sub-blocks are Gaussian and the limiting kernel of a subset of the rows is
the principal submatrix). Curves of a panel are therefore correlated, each one is correctly distributed.
For d > N the left panel rotates the data into R^N first (`_draw`, exact in distribution), so the cost
does not grow with d.

Beyond the paper (standard/full; quick runs only the d = N case): depth L = 4, 5, the wide layer at
k = 2 (L = 3) and k = 2, 3 (L = 4), LeCun init, all at fixed d as in the figure; and d = N (d growing with
N, the regime in which Theorem 4.1's probability bound (21) stays away from 0).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from numeric.data import sample
from numeric.eig import lambda_min as enclose_lambda_min
from numeric.limiting import limiting_ntk
from numeric.network import ReLUNetwork
from verify.figures import new_figure, render
from verify.judge import scaling
from verify.outcome import Outcome, worst_status
from verify.registry import check, claim, counts_trials
from verify.stats import scaling_band

U = 2.0 ** -53  # unit roundoff of binary64
NEGLIGIBLE = 1e-6  # rounding margin / |lambda_min| below which a float eigenvalue is used as is
INITS = ("standard", "he", "lecun")
NORMALIZATIONS = ("paper", "none", "double")


# ------------------------------------------------------------------------------------- profiles
def _sizes(profile) -> dict:
    """Our (paper-like) sizes per profile; the paper gives no numbers for Figure 2."""
    return profile.pick(
        quick=dict(T=5,
                   left=[(20, [100, 100]), (20, [200, 200]), (40, [200, 200])],
                   d=[40, 160, 640, 2560],
                   right=[(50, ["8N", 50]), (100, ["8N", 100]), (200, ["8N", 100])],
                   N=[16, 32, 64, 128],
                   gap=dict(T=10, N=20, d=160, n=[50, 100, 200, 400, 800]),
                   extra=dict(T=10, d=50, n2=100, N=[16, 32, 64, 128], which=("d=N",))),
        standard=dict(T=20,
                      left=[(20, [200, 200]), (20, [500, 500]), (50, [500, 500])],
                      d=[25, 50, 100, 200, 400, 800, 1600, 3200],
                      right=[(50, ["8N", 50]), (100, ["8N", 100]), (200, ["8N", 100])],
                      N=[16, 32, 64, 128, 256],
                      gap=dict(T=20, N=20, d=200, n=[50, 100, 200, 400, 800, 1600]),
                      extra=dict(T=10, d=50, n2=100, N=[16, 32, 64, 128, 256], which=None)),
        full=dict(T=50,
                  left=[(20, [500, 500]), (20, [1000, 1000]), (50, [1000, 1000])],
                  d=[25, 50, 100, 200, 400, 800, 1600, 3200],
                  right=[(50, ["8N", 50]), (100, ["8N", 100]), (200, ["8N", 100])],
                  N=[16, 32, 64, 128, 256, 512],
                  gap=dict(T=50, N=20, d=200, n=[50, 100, 200, 400, 800, 1600]),
                  extra=dict(T=20, d=50, n2=100, N=[16, 32, 64, 128, 256], which=None)),
    )


def _extras(e: dict) -> list:
    """Beyond the paper: (label, L, d, hidden widths, init). "cN" widths scale with N; d = "N" is
    the regime of Theorem 4.1's probability bound (min_{l<k} n_l must grow with N), fixed d is the
    paper's Figure 2 setting."""
    m, d = e["n2"], e["d"]
    every = [
        ("depth L=4", 4, d, ["8N", m, m], "he"),
        ("depth L=5", 5, d, ["8N", m, m, m], "he"),
        ("wide layer k=2", 3, d, [m, "8N"], "he"),
        ("wide layer k=2", 4, d, [m, "8N", m], "he"),
        ("wide layer k=3", 4, d, [m, m, "8N"], "he"),
        ("LeCun init", 3, d, ["8N", m], "lecun"),
        ("d=N", 3, "N", ["8N", m], "he"),
        ("d=N, LeCun init", 3, "N", ["8N", m], "lecun"),
        ("d=n1=N, wide layer k=2", 3, "N", ["N", "8N"], "he"),
    ]
    return [x for x in every if e["which"] is None or x[0] in e["which"]]


@claim("figure-2", kind="figure",
       title="Figure 2: lambda_min of the NTK grows linearly in d (limit) and in N (one wide layer)",
       statement=r"\text{Left: } (W_l)_{ij}\sim\mathcal N(0,1),\ \lambda_{\min}\Big(\tfrac{4}{n_1n_2}\bar K^{(3)}\Big)"
                 r"=\Theta(d)\ \text{for fixed }(N,n_1,n_2)\ \text{(Theorem 3.2)};\quad"
                 r"\text{Right: } (W_l)_{ij}\sim\mathcal N(0,2/n_{l-1}),\ n_1=8N,\ "
                 r"\lambda_{\min}\big(\bar K^{(3)}\big)=\Theta(N)\ \text{for fixed }(d,n_2)\ \text{(Theorem 4.1)}")
def figure_2(profile):
    s = _sizes(profile)
    T = s["T"]
    left = [{"N": N, "n": n} for N, n in s["left"]]
    right = [{"d": d, "n": n} for d, n in s["right"]]
    yield check(f"Figure 2 (both panels), L=3, T={T}", both_panels, L=3, T=T, left=left, d=s["d"],
                right=right, N=s["N"])
    for c in left:
        yield check(f"left: lambda_min(4/(n1 n2) Kbar) ~ d, standard init, N={c['N']} n={_fmt(c['n'])}",
                    left_curve, L=3, N=c["N"], n=c["n"], d=s["d"], init="standard", T=T)
    for c in right:
        yield check(f"right: lambda_min(Kbar) ~ N, He init, d={c['d']} n={_fmt(c['n'])}",
                    right_curve, L=3, d=c["d"], n=c["n"], N=s["N"], init="he", T=T)
    g = s["gap"]
    yield check(f"left: 4/(n1 n2) Kbar -> K^(3) as n1=n2=n grows, N={g['N']} d={g['d']}",
                limit_gap, L=3, N=g["N"], d=g["d"], n=g["n"], init="standard", T=g["T"])
    # Beyond the paper: other depths, other positions of the wide layer, LeCun init, d growing with N.
    e = s["extra"]
    for what, L, d, n, init in _extras(e):
        yield check(f"extra, {what}: lambda_min(Kbar) ~ N, {init} init, L={L} d={d} n={_fmt(n)}",
                    functools.partial(right_curve, curve_figure=True),
                    L=L, d=d, n=n, N=e["N"], init=init, T=e["T"])


def _fmt(n) -> str:
    return "[" + ",".join(str(v) for v in n) + "]"


# ------------------------------------------------------------------------------------- sampling
def _resolve(spec, N: int) -> int:
    """A width given as an int or as a multiple of N ("8N", "N")."""
    if isinstance(spec, str):
        if not spec.endswith("N"):
            raise ValueError(f"a width spec must be an integer or of the form 'cN', got {spec!r}")
        factor = spec[:-1]
        return (int(factor) if factor else 1) * N
    if isinstance(spec, bool) or not isinstance(spec, (int, np.integer)) or spec < 1:
        raise ValueError(f"a width must be a positive integer, got {spec!r}")
    return int(spec)


def _betas(init: str, fan_in) -> np.ndarray:
    """beta_l of (W_l)_ij ~ N(0, beta_l^2): 1, sqrt(2/n_{l-1}) (He) or sqrt(1/n_{l-1}) (LeCun)."""
    fan_in = np.asarray(fan_in, dtype=float)
    if init == "standard":
        return np.ones_like(fan_in)
    if init == "he":
        return np.sqrt(2.0 / fan_in)
    if init == "lecun":
        return np.sqrt(1.0 / fan_in)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def _scale(widths, normalization: str) -> float:
    """The factor c of the plotted matrix c Kbar: prod_{l=1}^{L-1} 2/n_l (4), 1, or the deliberately
    wrong prod 4/n_l^2 ("dividing by n_1 n_2 twice", a negative control)."""
    if normalization == "paper":
        return float(np.prod([2.0 / n for n in widths]))
    if normalization == "none":
        return 1.0
    if normalization == "double":
        return float(np.prod([2.0 / (n * n) for n in widths]))
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")


def _gamma(m: int) -> float:
    return m * U / (1.0 - m * U)


def _draw(g: np.random.Generator, N: int, d: int, widths, reduce: bool = False) -> tuple[np.ndarray, list]:
    """Standard Gaussian data X (N x d) and standard normal blocks Z_l (n_{l-1} x n_l), l = 1..L.

    With `reduce` and d > N the data are returned rotated into R^N: X = R^T Q^T (QR of X^T) becomes
    R^T (N x N, lower triangular), and Z_1 has N rows instead of d. This is exact in distribution:
    X W_1 = R^T (Q^T W_1) with Q^T W_1 again i.i.d. N(0, beta_1^2) (Q has orthonormal columns), and
    X X^T = R^T R, so Kbar and K^(L) are those of an equally likely draw, at N n_1 instead of d n_1
    normals. Row i of R^T depends on x_1..x_i only, so leading row blocks stay the first points'."""
    X = sample("gaussian", N, d, seed=g)
    if reduce and d > N:
        X = np.linalg.qr(X.T, mode="r").T
    dims = [X.shape[1], *widths, 1]
    return X, [g.standard_normal((dims[l], dims[l + 1])) for l in range(len(dims) - 1)]


@dataclass(frozen=True)
class Point:
    """lambda_min of one sampled matrix with its rounding margin (see the module docstring)."""

    lam: float
    margin: float
    certified: bool


def _lambda_ntk(X, Z, N: int, d: int, widths, init: str, c: float) -> Point:
    """lambda_min(c Kbar) of the network W_l = beta_l Z_l[:n_{l-1}, :n_l] (beta_1 from the true d)
    on the rows X[:N, :d] (X may be the rotated data of `_draw(reduce=True)`, with < d columns)."""
    dims = [d, *widths, 1]
    L = len(dims) - 1
    betas = _betas(init, dims[:-1])
    k = min(d, X.shape[1])
    shapes = [k, *widths, 1]
    weights = [Zl[: shapes[l], : shapes[l + 1]] * b if b != 1.0 else Zl[: shapes[l], : shapes[l + 1]]
               for l, (b, Zl) in enumerate(zip(betas, Z))]
    M = ReLUNetwork.from_weights(weights).ntk(X[:N, :k])
    if c != 1.0:
        M *= c
    w = np.linalg.eigvalsh(M)
    m = max(dims[l] + dims[l + 1] for l in range(L)) + L + 3
    trace = float(np.trace(M))
    formation = (_gamma(m) + 2 * U) * trace  # 2u: the scaling by c and the trace itself
    margin = N * U * max(abs(w[0]), abs(w[-1])) + formation
    lam = float(w[0])
    if margin <= NEGLIGIBLE * abs(lam):
        return Point(lam, margin, False)
    enc = enclose_lambda_min(M, method="certified", abs_err=formation)
    lo, hi = float(enc.lo), float(enc.hi)
    return Point(0.5 * (lo + hi), 0.5 * (hi - lo), True)


def _lambda_limit(K_lim: np.ndarray, N: int) -> Point:
    """lambda_min of the leading N x N block of K^(L) (the limiting kernel of the first N points)."""
    K = K_lim[:N, :N]
    w = np.linalg.eigvalsh(K)
    # limiting_ntk's documented max-entry error is ~1e-15 max|K| (= max diag, K is PSD); 10x that,
    # times N, bounds the spectral norm of the error matrix.
    margin = N * U * max(abs(w[0]), abs(w[-1])) + 1e-14 * N * float(np.max(np.diag(K)))
    return Point(float(w[0]), margin, False)


@dataclass
class Curve:
    """One curve: label, grid, and per (grid point, trial) values of lambda_min (+ limit, margins)."""

    label: str
    x: list
    lam: np.ndarray
    margin: np.ndarray
    certified: int = 0
    lim: np.ndarray | None = None
    lim_margin: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    @property
    def T(self) -> int:
        return self.lam.shape[1]

    def mean(self, a=None):
        return (self.lam if a is None else a).mean(axis=1)

    def std(self, a=None):
        a = self.lam if a is None else a
        return a.std(axis=1, ddof=1) if a.shape[1] > 1 else np.zeros(a.shape[0])

    def rel_margin(self) -> float:
        """max over points of margin / |lambda_min| (the plotted values' float rounding margin)."""
        r = self.margin / np.abs(self.lam)
        if self.lim is not None:
            r = np.maximum(r, self.lim_margin / np.abs(self.lim))
        return float(np.max(r))


def _blas_threads():
    """One BLAS thread: the Gram products and eigvalsh here are small (N <= 512), threads gain little
    on them and idle-spinning threads on a loaded machine cost several times the work. Two cores
    are used by running checks in parallel (`--jobs 2`)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _check_T(T):
    if isinstance(T, bool) or not isinstance(T, int) or T < 2:
        raise ValueError(f"T (trials per point) must be an integer >= 2, got {T!r}")


def _left_panel(rng, L: int, curves, d_grid, T: int, init: str, normalization: str,
                tick=lambda: None) -> list[Curve]:
    """Left panel: for each (N, [n_1..n_{L-1}]) curve and each d, T trials of lambda_min(c Kbar) and
    of lambda_min(K^(L)) on the same data (c from `normalization`)."""
    _check_T(T)
    widths = [[_resolve(v, 1) for v in n] for _, n in curves]
    if any(len(w) != L - 1 for w in widths):
        raise ValueError(f"every curve needs L - 1 = {L - 1} hidden widths, got {widths}")
    N_max = max(N for N, _ in curves)
    w_max = [max(w[l] for w in widths) for l in range(L - 1)]
    P = len(d_grid)
    out = [Curve(f"(N, n) = ({N}, {_fmt(w)})", list(d_grid), np.empty((P, T)), np.empty((P, T)),
                 lim=np.empty((P, T)), lim_margin=np.empty((P, T)), meta={"N": N, "n": w})
           for (N, _), w in zip(curves, widths)]
    with _blas_threads():
        for t, g in enumerate(rng.spawn(T)):
            for j, d in enumerate(d_grid):
                X, Z = _draw(g, N_max, d, w_max, reduce=True)
                K_lim = limiting_ntk(X, L)
                limits = {N: _lambda_limit(K_lim, N) for N, _ in curves}
                for cur, (N, _), w in zip(out, curves, widths):
                    p = _lambda_ntk(X, Z, N, d, w, init, _scale(w, normalization))
                    q = limits[N]
                    cur.lam[j, t], cur.margin[j, t] = p.lam, p.margin
                    cur.lim[j, t], cur.lim_margin[j, t] = q.lam, q.margin
                    cur.certified += p.certified
                tick()
    return out


def _right_panel(rng, L: int, curves, N_grid, T: int, init: str, tick=lambda: None) -> list[Curve]:
    """Right panel: for each (d, [n_1..n_{L-1}]) curve (entries may be multiples of N) and each N,
    T trials of lambda_min(Kbar)."""
    _check_T(T)
    for d, n in curves:
        if len(n) != L - 1:
            raise ValueError(f"every curve needs L - 1 = {L - 1} hidden widths, got {n}")
    P = len(N_grid)
    out = [Curve(f"(d, n) = ({d}, {_fmt(n)})", list(N_grid), np.empty((P, T)), np.empty((P, T)),
                 meta={"d": d, "n": list(n)}) for d, n in curves]
    with _blas_threads():
        for t, g in enumerate(rng.spawn(T)):
            for i, N in enumerate(N_grid):
                dims = [(_resolve(d, N), [_resolve(v, N) for v in n]) for d, n in curves]
                d_max = max(d for d, _ in dims)
                w_max = [max(w[l] for _, w in dims) for l in range(L - 1)]
                X, Z = _draw(g, N, d_max, w_max)
                for cur, (d, w) in zip(out, dims):
                    p = _lambda_ntk(X, Z, N, d, w, init, 1.0)
                    cur.lam[i, t], cur.margin[i, t] = p.lam, p.margin
                    cur.certified += p.certified
                tick()
    return out


# ------------------------------------------------------------------------------------- evidence
def _affine_fit(x, y) -> dict:
    """Least-squares lambda ~ a + b x over the grid (NOTES.md: an affine law is Theta(x))."""
    res = stats.linregress(np.asarray(x, float), np.asarray(y, float))
    return {"affine_a": float(res.intercept), "affine_b": float(res.slope), "affine_r2": float(res.rvalue ** 2)}


def _curve_evidence(cur: Curve) -> dict:
    ev = {"mean": cur.mean(), "std": cur.std(), "T": cur.T, **_affine_fit(cur.x, cur.mean()),
          "max_rel_rounding_margin": cur.rel_margin(), "certified_points": cur.certified,
          "rounding": "plotted lambda_min from eigvalsh; margin = N u ||M||_2 + gamma_m trace(M) "
                      f"<= {cur.rel_margin():.1e} of the plotted values (points above {NEGLIGIBLE:g} are certified)"}
    if cur.lim is not None:
        lim = cur.mean(cur.lim)
        ev.update(limit_mean=lim, limit_std=cur.std(cur.lim),
                  rel_gap_to_limit=(cur.mean() - lim) / lim, **{f"limit_{k}": v for k, v in
                                                                 _affine_fit(cur.x, lim).items()})
    return ev


def _judge_curve(cur: Curve, *, panel: str, predicted_power: float, name: str, **evidence) -> Outcome:
    """judge.scaling of the curve's mean lambda_min against x^predicted_power (x = d or N)."""
    x = np.asarray(cur.x, dtype=float)
    xlabel = "d" if panel == "left" else "N"
    columns = {"std": list(cur.std()), "T": [cur.T] * len(cur.x)}
    if cur.lim is not None:
        columns.update(limit_mean=list(cur.mean(cur.lim)), limit_std=list(cur.std(cur.lim)))
    return scaling(x, cur.mean(), x ** predicted_power, name=name, xlabel=xlabel,
                   ylabel=f"lambda_min / {xlabel}" + (f"^{predicted_power:g}" if predicted_power != 1 else ""),
                   caption=f"{cur.label}: mean lambda_min divided by the predicted scaling "
                           f"{xlabel}{'' if predicted_power == 1 else f'^{predicted_power:g}'} "
                           f"(band and settling as in NOTES.md)",
                   extra_columns=columns, curve=cur.label, predicted_scaling=f"{xlabel}^{predicted_power:g}",
                   **_curve_evidence(cur), **evidence)


LEFT_YLABEL = r"$\lambda_{\min}\left(\frac{4}{n_1 n_2}\bar{K}^{(3)}\right)$"
RIGHT_YLABEL = r"$\lambda_{\min}\left(\bar{K}^{(3)}\right)$"


def _draw_left(ax, curves: list[Curve], ylabel: str):
    shown_limits = set()
    for k, cur in enumerate(curves):
        color = f"C{k}"
        ax.errorbar(cur.x, cur.mean(), yerr=cur.std(), fmt="o-", ms=4, capsize=3, color=color,
                    label=f"(N, n1, n2) = ({cur.meta['N']}, {', '.join(map(str, cur.meta['n']))})")
        if cur.lim is not None and cur.meta["N"] not in shown_limits:
            shown_limits.add(cur.meta["N"])
            ax.errorbar(cur.x, cur.mean(cur.lim), yerr=cur.std(cur.lim), fmt="s--", ms=3, capsize=2,
                        color="0.35" if len(shown_limits) == 1 else "0.6", mfc="none",
                        label=f"limit K^(3), N = {cur.meta['N']}")
    _axes(ax, "$d$", ylabel, curves)


def _draw_right(ax, curves: list[Curve], ylabel: str, n_label: str = "n2"):
    for k, cur in enumerate(curves):
        n = [v for v in cur.meta["n"] if not isinstance(v, str)]
        ax.errorbar(cur.x, cur.mean(), yerr=cur.std(), fmt="o-", ms=4, capsize=3, color=f"C{k}",
                    label=f"(d, {n_label}) = ({cur.meta['d']}, {', '.join(map(str, n))})")
    _axes(ax, "$N$", ylabel, curves)


def _axes(ax, xlabel, ylabel, curves: list[Curve]):
    """Log-log axes with a dotted slope-1 guide through the median curve end: linear growth is a
    line parallel to it."""
    _loglog(ax)
    x0 = min(min(c.x) for c in curves)
    x1 = max(max(c.x) for c in curves)
    y_anchor = float(np.median([c.mean()[-1] for c in curves]))
    ax.plot([x0, x1], [y_anchor * x0 / x1, y_anchor], ":", color="k", lw=1, label="slope 1 (linear growth)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="x-small")


def _loglog(ax):
    """Log-log axes with plain tick labels (matplotlib's default 10^k labels go through mathtext,
    which costs a large part of a quick run)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    def minor(v, _):  # label 2 and 5 times a power of ten: enough ticks on a short decade
        return f"{v:g}" if v > 0 and round(v / 10 ** math.floor(math.log10(v)), 6) in (2.0, 5.0) else ""

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(FuncFormatter(minor))


def _columns(panels: list[tuple[str, list[Curve]]]) -> dict:
    """Long-format CSV of the plotted numbers: one row per (panel, curve, grid point)."""
    cols = {k: [] for k in ("panel", "curve", "x", "mean", "std", "T", "limit_mean", "limit_std",
                            "rel_rounding_margin", "certified_points")}
    for panel, curves in panels:
        for cur in curves:
            lim_m = cur.mean(cur.lim) if cur.lim is not None else [math.nan] * len(cur.x)
            lim_s = cur.std(cur.lim) if cur.lim is not None else [math.nan] * len(cur.x)
            rel = np.max(cur.margin / np.abs(cur.lam), axis=1)
            for j, x in enumerate(cur.x):
                cols["panel"].append(panel)
                cols["curve"].append(cur.label)
                cols["x"].append(int(x))
                cols["mean"].append(float(cur.mean()[j]))
                cols["std"].append(float(cur.std()[j]))
                cols["T"].append(cur.T)
                cols["limit_mean"].append(float(lim_m[j]))
                cols["limit_std"].append(float(lim_s[j]))
                cols["rel_rounding_margin"].append(float(rel[j]))
                cols["certified_points"].append(cur.certified)
    return cols


def _curve_figure(name: str, cur: Curve, panel: str, caption: str):
    fig, ax = new_figure()
    if panel == "left":
        _draw_left(ax, [cur], LEFT_YLABEL)
    else:
        L = len(cur.meta["n"]) + 1
        ylabel = rf"$\lambda_{{\min}}\left(\bar{{K}}^{{({L})}}\right)$"
        _draw_right(ax, [cur], ylabel, n_label="n")
    return render(fig, name, _columns([(panel, [cur])]), caption)


def _slug(*parts) -> str:
    s = "-".join(str(p) for p in parts)
    return "".join(ch if ch.isalnum() else "-" for ch in s).strip("-").replace("--", "-")


def _with_figure(out: Outcome, figure) -> Outcome:
    return Outcome(out.status, out.method, out.evidence, (figure, *out.figures))


# ------------------------------------------------------------------------------------- checks
@counts_trials(lambda d, T, **_: len(d) * T)
def left_curve(ctx, L, N, n, d, init, T, normalization="paper", predicted_power=1.0) -> Outcome:
    """One left-panel curve: lambda_min((prod_l 2/n_l) Kbar^(L)) against d for fixed (N, n), with the
    limiting lambda_min(K^(L)) on the same data; judged Theta(d^predicted_power) (Theorem 3.2: 1)."""
    (cur,) = _left_panel(ctx.rng, L, [(N, n)], d, T, init, normalization, ctx.tick)
    name = _slug("figure-2-left", f"N{N}", "n", *n, normalization, f"p{predicted_power:g}")
    return _judge_curve(cur, panel="left", predicted_power=predicted_power, name=name,
                        normalization=normalization, **_limit_band(cur))


def _limit_band(cur: Curve) -> dict:
    """The infinite-width curve's own ratio band against d (Theorem 3.2 on the same data)."""
    band = scaling_band(cur.x, cur.mean(cur.lim), cur.x)
    return {"limit_ratio": list(band.ratio), "limit_band_lo": band.band[0], "limit_band_hi": band.band[1],
            "limit_settles": band.settles}


@counts_trials(lambda N, T, **_: len(N) * T)
def right_curve(ctx, L, d, n, N, init, T, predicted_power=1.0, curve_figure=False) -> Outcome:
    """One right-panel curve: lambda_min(Kbar^(L)) against N, hidden widths n (entries "cN" scale with
    N: the wide layer), data dimension d (or "N"); judged Theta(N^predicted_power) (Theorem 4.1: 1).
    With `curve_figure` the curve itself (mean +- std against N) is drawn too."""
    (cur,) = _right_panel(ctx.rng, L, [(d, n)], N, T, init, ctx.tick)
    name = _slug("figure-2-right", f"L{L}", f"d{d}", "n", *n, init, f"p{predicted_power:g}")
    out = _judge_curve(cur, panel="right", predicted_power=predicted_power, name=name + "-ratio",
                       wide_layer=[k + 1 for k, v in enumerate(n) if isinstance(v, str)])
    if not curve_figure:
        return out
    caption = (f"lambda_min(Kbar) against N: {init} init, L = {L}, d = {d}, n = {_fmt(n)}, "
               f"{T} trials per N, mean +- 1 std")
    return _with_figure(out, _curve_figure(name, cur, "right", caption))


@counts_trials(lambda d, N, T, **_: (len(d) + len(N)) * T)
def both_panels(ctx, L, T, left, d, right, N, normalization="paper", predicted_power=1.0) -> Outcome:
    """The combined Figure 2: both panels drawn from one set of draws. Status: the worst of the
    per-curve scaling judgements (each curve as in `left_curve` / `right_curve`)."""
    rng_left, rng_right = ctx.rng.spawn(2)
    lc = _left_panel(rng_left, L, [(c["N"], c["n"]) for c in left], d, T, "standard", normalization, ctx.tick)
    rc = _right_panel(rng_right, L, [(c["d"], c["n"]) for c in right], N, T, "he", ctx.tick)
    # The per-curve checks render the ratio figures; here only the rule of judge.scaling is applied.
    bands = [scaling_band(c.x, c.mean(), np.asarray(c.x, float) ** predicted_power) for c in lc + rc]
    fig, (axl, axr) = new_figure(ncols=2, width=5.2, height=4.0)
    _draw_left(axl, lc, LEFT_YLABEL if normalization == "paper" else f"lambda_min(c Kbar), c: {normalization}")
    _draw_right(axr, rc, RIGHT_YLABEL)
    axl.set_title("standard init N(0, 1)", fontsize="small")
    axr.set_title("He init N(0, 2/n_(l-1)), n1 = 8N", fontsize="small")
    caption = (f"Figure 2 reproduced (L = {L}, {T} Monte Carlo trials per point, mean +- 1 std, standard "
               f"Gaussian data). Left: lambda_min(4/(n1 n2) Kbar) against d for (N, n1, n2) in "
               f"{[(c['N'], *c['n']) for c in left]}, dashed: lambda_min(K^(3)). Right: He init, n1 = 8N, "
               f"lambda_min(Kbar) against N for (d, n2) in {[(c['d'], c['n'][1]) for c in right]}. "
               f"Sizes and grids are our choice (the paper does not print them); log-log axes, the dotted "
               f"line has slope 1.")
    figure = render(fig, "figure-2", _columns([("left", lc), ("right", rc)]), caption)
    curves = []
    for cur, band in zip(lc + rc, bands):
        ev = _curve_evidence(cur)
        curves.append({"curve": cur.label, "status": "consistent" if band.settles else "inconclusive",
                       "ratio": list(band.ratio), "band": list(band.band), "ratio_slope": band.slope,
                       "slope_first_half": band.slope_first, "slope_last_half": band.slope_last,
                       **{k: ev[k] for k in ("mean", "std", "affine_a", "affine_b", "affine_r2",
                                             "max_rel_rounding_margin")}})
        if cur.lim is not None:
            curves[-1]["rel_gap_to_limit"] = ev["rel_gap_to_limit"]
    status = worst_status(c["status"] for c in curves)
    evidence = {"curves": curves, "T": T, "d_grid": d, "N_grid": N, "predicted_power": predicted_power,
                "max_rel_rounding_margin": max(c.rel_margin() for c in lc + rc),
                "certified_points": sum(c.certified for c in lc + rc),
                "sizes_note": "the paper does not print (N, n1, n2), (d, n2) or the grids; these are ours"}
    return Outcome(status, "monte-carlo", evidence, (figure,))


def gap_trend(n, gaps, confidence: float = 0.95, resamples: int = 2000) -> dict:
    """Does the relative gap |lambda_min(c Kbar) - lambda_min(K)| / lambda_min(K) shrink as the width
    n grows? `gaps` has one row per width and one column per independent trial. The log-log slope
    of the mean gap against n, with a bootstrap confidence interval over the trials (resampling
    whole trials keeps the dependence between widths of one trial); `shrinks` when the whole
    interval is below 0 (the limit (4) predicts a gap -> 0). Deterministic (fixed resampling seed)."""
    n = np.asarray(n, dtype=float)
    gaps = np.asarray(gaps, dtype=float)
    if n.ndim != 1 or n.size < 3 or gaps.ndim != 2 or gaps.shape[0] != n.size or gaps.shape[1] < 2:
        raise ValueError("gap_trend needs at least three widths and a (widths x trials) array with >= 2 trials")
    if np.any(n <= 0) or not np.all(np.isfinite(gaps)) or np.any(gaps < 0):
        raise ValueError("gap_trend needs positive widths and non-negative finite gaps")
    if np.any(gaps.mean(axis=1) <= 0):
        raise ValueError("gap_trend needs a positive mean gap at every width")
    lx = np.log(n) - np.log(n).mean()

    def slopes(mean_gaps):  # least-squares slope of log(mean gap) on log n, for each row
        ly = np.log(mean_gaps)
        return (ly - ly.mean(axis=-1, keepdims=True)) @ lx / (lx @ lx)

    T = gaps.shape[1]
    pick = np.random.default_rng(0).integers(0, T, size=(resamples, T))
    boot = gaps[:, pick].mean(axis=2).T  # (resamples, widths)
    boot = slopes(boot[np.all(boot > 0, axis=1)])
    a = (1 - confidence) / 2
    ci = (float(np.quantile(boot, a)), float(np.quantile(boot, 1 - a)))
    return {"gap_slope": float(slopes(gaps.mean(axis=1))), "gap_slope_ci": list(ci), "shrinks": bool(ci[1] < 0),
            "gap_slope_ci_method": f"bootstrap over trials, {resamples} resamples"}


@counts_trials(lambda T, **_: T)
def limit_gap(ctx, L, N, d, n, init, T, normalization="paper") -> Outcome:
    """(4) behind the left panel: with n_1 = ... = n_{L-1} = n growing, the plotted
    lambda_min((prod 2/n_l) Kbar) approaches lambda_min(K^(L)) of the same data. Per trial the
    relative gap |lam_n - lam_inf| / lam_inf; `consistent` when its mean shrinks with n (slope CI < 0)."""
    _check_T(T)
    n = [int(v) for v in n]
    if len(n) < 3 or sorted(set(n)) != n:
        raise ValueError(f"n must be an increasing grid of at least three widths, got {n}")
    P = len(n)
    lam = np.empty((P, T))
    lim = np.empty(T)
    margins = np.empty((P, T))
    certified = 0
    with _blas_threads():
        for t, g in enumerate(ctx.rng.spawn(T)):
            X, Z = _draw(g, N, d, [n[-1]] * (L - 1), reduce=True)
            lim[t] = _lambda_limit(limiting_ntk(X, L), N).lam
            for j, w in enumerate(n):
                widths = [w] * (L - 1)
                p = _lambda_ntk(X, Z, N, d, widths, init, _scale(widths, normalization))
                lam[j, t], margins[j, t] = p.lam, p.margin
                certified += p.certified
            ctx.tick()
    rel = np.abs(lam - lim) / lim
    mean, std = rel.mean(axis=1), rel.std(axis=1, ddof=1)
    trend = gap_trend(n, rel)
    fig, ax = new_figure()
    ax.errorbar(n, mean, yerr=std / math.sqrt(T), fmt="o-", capsize=3, label="mean relative gap (+- s.e.)")
    for p, style in ((-0.5, ":"), (-0.25, "--")):
        ax.plot(n, mean[0] * (np.asarray(n, float) / n[0]) ** p, style, color="0.4", lw=1,
                label=f"n^{p:g} guide")
    _loglog(ax)
    ax.set_xlabel("$n = n_1 = n_2$")
    ax.set_ylabel(r"$|\lambda_{\min}(\frac{4}{n^2}\bar K) - \lambda_{\min}(K^{(3)})| / \lambda_{\min}(K^{(3)})$")
    ax.legend(loc="best", fontsize="small")
    name = _slug("figure-2-gap", f"N{N}", f"d{d}", normalization)
    figure = render(fig, name, {"n": n, "mean_rel_gap": list(mean), "std_rel_gap": list(std),
                                "mean_lambda_finite": list(lam.mean(axis=1)), "T": [T] * P},
                    f"Left panel of Figure 2 as the width grows: N = {N}, d = {d}, {init} init, L = {L}, "
                    f"{T} trials; relative gap to the limit on the same data")
    evidence = {"mean_rel_gap": mean, "std_rel_gap": std, "mean_lambda_finite": lam.mean(axis=1),
                "mean_lambda_limit": float(lim.mean()), "T": T, "normalization": normalization,
                "gap_at_smallest_n": float(mean[0]), "gap_at_largest_n": float(mean[-1]),
                "max_rel_rounding_margin": float(np.max(margins / np.abs(lam))), "certified_points": certified,
                "note": "(15) (Arora et al.) bounds the entrywise gap by O(n^-1/4); fluctuations suggest n^-1/2",
                **trend}
    return Outcome("consistent" if trend["shrinks"] else "inconclusive", "monte-carlo", evidence, (figure,))
