"""Independent routes to the matrices of Lemma 3.1 (eqs. (11)-(12)), for checking the closed forms.

Monte Carlo (the lemma's own form, eqs. (11)-(12)):
    G^(2)    = 2 E_{w ~ N(0, I_d)} [sigma(X w) sigma(X w)^T],
    G^(l)    = 2 E_{w ~ N(0, I_N)} [sigma(B w) sigma(B w)^T],     B = sqrt(G^(l-1)),
    Gdot^(l) = 2 E_{w ~ N(0, I_N)} [sigma'(B w) sigma'(B w)^T],   sigma'(z) = 1{z > 0},
estimated with S samples, with the per-entry CLT standard error (sample std / sqrt(S)).

Quadrature (eqs. (9)-(10) entry by entry, without the arc-cosine closed form): for
(u, v) ~ N(0, [[a, c], [c, b]]) write u = sqrt(a) z1, v = sqrt(b) (rho z1 + q z2) with
rho = c / sqrt(ab), q = sqrt(1 - rho^2), z ~ N(0, I_2).  Conditioning on z1 reduces both
expectations to one-dimensional integrals over z = z1 > 0 (phi, Phi: standard normal pdf, cdf):

    E[sigma'(u) sigma'(v)] = int_0^inf phi(z) Phi(rho z / q) dz,
    E[sigma(u) sigma(v)]   = sqrt(ab) int_0^inf z phi(z) [rho z Phi(rho z/q) + q phi(rho z/q)] dz,

using E[max(0, m + q Z)] = m Phi(m/q) + q phi(m/q) for Z ~ N(0, 1); q is taken from
det(A) = ab - c^2 formed with exact products.  For q = 0 the inner
factors become 1{rho z > 0} and max(0, rho z).  The integrals are done by mpmath.quad
(Gauss-Legendre; tanh-sinh was seen to report errors 1e-63 while being off by 1e-45 on the thin
layer of width q/|rho| near z = 0 when rho -> 1) on [0, T] split geometrically at multiples of
q/|rho|, with T chosen so that the Gaussian tail beyond T is below 10^-(dps+20); that tail bound
is added to the quadrature's own error estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real

import mpmath
import numpy as np

from .limiting import _check_X
from numeric.validate import integer_at_least

__all__ = [
    "MonteCarloEstimate",
    "psd_sqrt",
    "mc_first_layer",
    "mc_next_layer",
    "mc_agreement",
    "QuadratureEntry",
    "quadrature_entry",
    "quadrature_layer",
    "QuadratureComparison",
    "compare_with_quadrature",
    "default_covariances",
]

# Bound on the doubles of one batch of pre-activations (N x batch).
_BATCH_ENTRIES = 1 << 21


# ----------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class MonteCarloEstimate:
    """Monte Carlo estimates of G^(l), Gdot^(l) with per-entry standard errors (CLT:
    sample std of 2 f(z_i) f(z_j) over the S samples, divided by sqrt(S))."""

    G: np.ndarray
    G_se: np.ndarray
    Gdot: np.ndarray
    Gdot_se: np.ndarray
    samples: int


def _check_square_symmetric(G, name="G") -> np.ndarray:
    if isinstance(G, (str, bytes)) or G is None:
        raise TypeError(f"{name} must be a square real matrix")
    G = np.asarray(G)
    if G.dtype == object or not np.issubdtype(G.dtype, np.number) or np.iscomplexobj(G):
        raise TypeError(f"{name} must be a real numeric matrix, got dtype {G.dtype}")
    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {G.shape}")
    if not np.all(np.isfinite(G)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    scale = max(float(np.max(np.abs(G))), np.finfo(float).tiny)
    if np.max(np.abs(G - G.T)) > 1e-12 * scale:
        raise ValueError(f"{name} must be symmetric")
    return G


def psd_sqrt(G, rtol: float = 1e-10) -> np.ndarray:
    """The symmetric PSD square root B = V diag(sqrt(w)) V^T of a PSD matrix G = V diag(w) V^T
    (numpy.linalg.eigh; real, unlike scipy.linalg.sqrtm on a numerically singular G).

    Eigenvalues in [-rtol max|w|, 0) are rounding noise of a PSD matrix computed in floating
    point and are set to 0; a more negative one raises ValueError (G is not PSD).
    B B^T = G up to that clipping; only B B^T matters for the law of B w."""
    G = _check_square_symmetric(G)
    w, V = np.linalg.eigh(0.5 * (G + G.T))
    floor = -rtol * max(float(np.max(np.abs(w))), np.finfo(float).tiny)
    if w.min() < floor:
        raise ValueError(f"G is not positive semidefinite: smallest eigenvalue {w.min():.3e}")
    w = np.clip(w, 0.0, None)
    return (V * np.sqrt(w)) @ V.T


def _check_samples(samples) -> int:
    return integer_at_least(samples, "samples", 2, "a standard error needs two")


def _monte_carlo(B: np.ndarray, samples: int, seed, batch) -> MonteCarloEstimate:
    """Rows of B define z_i = <B_i, w>, w ~ N(0, I_m); estimate 2 E[f(z_i) f(z_j)] for
    f = sigma and f = sigma' with standard errors."""
    S = _check_samples(samples)
    rng = np.random.default_rng(seed)
    N, m = B.shape
    if batch is None:
        batch = max(1, _BATCH_ENTRIES // max(N, m))
    elif isinstance(batch, bool) or not isinstance(batch, Integral) or batch < 1:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    sum_g = np.zeros((N, N))
    sumsq_g = np.zeros((N, N))
    sum_d = np.zeros((N, N))
    done = 0
    while done < S:
        b = min(batch, S - done)
        Z = B @ rng.standard_normal((m, b))
        F = np.maximum(Z, 0.0)
        D = (Z > 0).astype(np.float64)  # sigma'(0) = 0
        sum_g += F @ F.T
        F *= F
        sumsq_g += F @ F.T
        sum_d += D @ D.T  # products of indicators are indicators: sum of squares = sum
        done += b

    def mean_se(total, total_sq):
        mean = 2.0 * total / S
        var = (4.0 * total_sq / S - mean * mean) * (S / (S - 1.0))
        return mean, np.sqrt(np.clip(var, 0.0, None) / S)

    G, G_se = mean_se(sum_g, sumsq_g)
    Gd, Gd_se = mean_se(sum_d, sum_d)
    return MonteCarloEstimate(G=G, G_se=G_se, Gdot=Gd, Gdot_se=Gd_se, samples=S)


def mc_first_layer(X, samples: int, seed=0, batch=None) -> MonteCarloEstimate:
    """Eq. (11), first line, and (12) for l = 2: G^(2) = 2 E_w[sigma(Xw) sigma(Xw)^T] and
    Gdot^(2) = 2 E_w[sigma'(Xw) sigma'(Xw)^T], w ~ N(0, I_d), from `samples` draws
    (np.random.default_rng(seed): an int, a SeedSequence or a Generator), in batches of at most
    `batch` draws (default: N x batch <= 2^21 doubles)."""
    X = _check_X(X)
    return _monte_carlo(X, samples, seed, batch)


def mc_next_layer(G_prev, samples: int, seed=0, batch=None) -> MonteCarloEstimate:
    """Eqs. (11)-(12) for l >= 2: G^(l), Gdot^(l) = 2 E_w[f(B w) f(B w)^T], w ~ N(0, I_N),
    B = `psd_sqrt`(G^(l-1)), f = sigma resp. sigma', from `samples` seeded draws."""
    return _monte_carlo(psd_sqrt(G_prev), samples, seed, batch)


def mc_agreement(est: MonteCarloEstimate, G, Gdot, k: float = 5.0) -> dict:
    """Do exact G, Gdot lie within k standard errors of the estimate, entry by entry?

    Returns {"agrees": bool, "max_z_G": float, "max_z_Gdot": float}: z = |est - exact| / se
    (entries with se = 0 must match to 1e-12 of the matrix scale; otherwise z = inf)."""
    if not isinstance(est, MonteCarloEstimate):
        raise TypeError("est must be a MonteCarloEstimate")
    if not isinstance(k, Real) or not k > 0:
        raise ValueError(f"k must be a positive number, got {k!r}")
    out = {}
    for name, mean, se, exact in (("G", est.G, est.G_se, G), ("Gdot", est.Gdot, est.Gdot_se, Gdot)):
        exact = np.asarray(exact, dtype=np.float64)
        if exact.shape != mean.shape:
            raise ValueError(f"{name} has shape {exact.shape}, the estimate {mean.shape}")
        diff = np.abs(mean - exact)
        scale = max(float(np.max(np.abs(exact))), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / np.where(se > 0, se, 1.0),
                         np.where(diff <= 1e-12 * scale, 0.0, np.inf))
        out[f"max_z_{name}"] = float(np.max(z))
    out["agrees"] = out["max_z_G"] <= k and out["max_z_Gdot"] <= k
    return out


# ----------------------------------------------------------------------------- quadrature


@dataclass(frozen=True)
class QuadratureEntry:
    """G_ij = 2 E[sigma(u) sigma(v)] and Gdot_ij = 2 E[sigma'(u) sigma'(v)] by quadrature, with
    absolute error estimates (mpmath.quad's estimate plus the truncated Gaussian tail)."""

    G: mpmath.mpf
    Gdot: mpmath.mpf
    G_error: mpmath.mpf
    Gdot_error: mpmath.mpf


def _check_dps(dps) -> int:
    return integer_at_least(dps, "dps", 15)


def _to_mpf(x, name):
    if isinstance(x, bool):
        raise TypeError(f"{name} must be a real number")
    try:
        v = mpmath.mpf(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {x!r}") from None
    if not mpmath.isfinite(v):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return v


def quadrature_entry(a, b, c, dps: int = 50) -> QuadratureEntry:
    """(G_ij^(l), Gdot_ij^(l)) of (10), (9) for A_ij^(l) = [[a, c], [c, b]] by one-dimensional
    quadrature (module docstring), computed at dps + 10 digits and returned at dps digits.

    a, b >= 0, c^2 <= ab (a relative excess of 1e-12 is taken as rounding and clipped).
    a = 0 or b = 0 gives (0, 0): u or v is 0 a.s. and sigma(0) = sigma'(0) = 0.
    Results are memoized on (a, b, c, dps) (the computation is pure)."""
    dps = _check_dps(dps)
    with mpmath.workdps(dps + 10):
        key = (_to_mpf(a, "a"), _to_mpf(b, "b"), _to_mpf(c, "c"), dps)
    return _quadrature_entry(*key)


@lru_cache(maxsize=4096)
def _quadrature_entry(a, b, c, dps: int) -> QuadratureEntry:
    with mpmath.workdps(dps + 10):
        if a < 0 or b < 0:
            raise ValueError(f"variances must be >= 0, got a={a}, b={b}")
        zero = mpmath.mpf(0)
        if a == 0 or b == 0:
            if c != 0:
                raise ValueError("[[a, c], [c, b]] is not positive semidefinite")
            return QuadratureEntry(zero, zero, zero, zero)
        ab = mpmath.fmul(a, b, exact=True)
        nn = mpmath.sqrt(ab)
        rho = c / nn
        if abs(rho) > 1 + mpmath.mpf("1e-12"):
            raise ValueError(
                f"[[a, c], [c, b]] is not positive semidefinite: c^2 > ab ({a}, {b}, {c})")
        rho = min(max(rho, -1), 1)
        # q^2 = 1 - rho^2 = det(A) / (ab), det(A) = ab - c^2 from exact products (one rounding),
        # so that q = 0 exactly for an exactly singular A such as (a, a, a).
        det = mpmath.fsub(ab, mpmath.fmul(c, c, exact=True))
        q = mpmath.sqrt(max(det, 0) / ab)
        inv_sqrt_2pi = 1 / mpmath.sqrt(2 * mpmath.pi)
        inv_sqrt_2 = 1 / mpmath.sqrt(2)
        cache = {}  # both integrals are taken on the same nodes: share phi(z), Phi(m/q), phi(m/q)

        def factors(z):
            hit = cache.get(z)
            if hit is None:
                pz = inv_sqrt_2pi * mpmath.exp(-z * z / 2)
                m = rho * z
                if q == 0:
                    hit = (pz, m, mpmath.mpf(m > 0), zero)
                else:
                    x = m / q
                    hit = (pz, m, mpmath.erfc(-x * inv_sqrt_2) / 2,
                           q * inv_sqrt_2pi * mpmath.exp(-x * x / 2))
                cache[z] = hit
            return hit

        def f_step(z):
            pz, _, cdf, _ = factors(z)
            return pz * cdf

        def f_relu(z):  # for q = 0: z phi(z) max(0, rho z)
            pz, m, cdf, qpdf = factors(z)
            return z * pz * (m * cdf + qpdf)

        # phi(T) < 10^-(dps+20): the tail beyond T is below the target precision.
        T = mpmath.sqrt(2 * mpmath.log(10) * (dps + 20)) + 1
        points = [zero]
        if q > 0 and rho != 0:
            w = q / abs(rho)  # width of the layer where Phi(rho z/q) moves
            while w < 1:
                points.append(w)
                w *= 4
        points += [mpmath.mpf(p) for p in (1, 2, 4, 8, 12) if p < T] + [T]
        D, eD = mpmath.quad(f_step, points, method="gauss-legendre", error=True)
        Gi, eG = mpmath.quad(f_relu, points, method="gauss-legendre", error=True)
        # int_T^inf of |f_relu| <= (T + 1/T + 1) phi(T); of |f_step| <= phi(T)/T.
        tail = (T + 1 / T + 1) * inv_sqrt_2pi * mpmath.exp(-T * T / 2)
        vals = (2 * nn * Gi, 2 * D, 2 * nn * (abs(eG) + tail), 2 * (abs(eD) + tail))
    with mpmath.workdps(dps):
        return QuadratureEntry(*(+v for v in vals))


def quadrature_layer(G_prev, dps: int = 50):
    """All entries of G^(l), Gdot^(l) from G^(l-1) by `quadrature_entry` (small N only:
    ~0.2 s per entry at dps = 50).  G_prev: numpy array or mpmath matrix.
    Returns (G mpmath.matrix, Gdot mpmath.matrix, max error estimate)."""
    dps = _check_dps(dps)
    if isinstance(G_prev, mpmath.matrix):
        N = G_prev.rows
        if G_prev.cols != N:
            raise ValueError("G_prev must be square")
        get = lambda i, j: G_prev[i, j]  # noqa: E731
    else:
        arr = _check_square_symmetric(G_prev, "G_prev")
        N = arr.shape[0]
        get = lambda i, j: float(arr[i, j])  # noqa: E731
    with mpmath.workdps(dps):
        G, Gd = mpmath.matrix(N, N), mpmath.matrix(N, N)
        err = mpmath.mpf(0)
        for i in range(N):
            for j in range(i, N):
                e = quadrature_entry(get(i, i), get(j, j), get(i, j), dps)
                G[i, j] = G[j, i] = e.G
                Gd[i, j] = Gd[j, i] = e.Gdot
                err = max(err, e.G_error, e.Gdot_error)
    return G, Gd, err


@dataclass(frozen=True)
class QuadratureComparison:
    """Closed form vs quadrature over a list of covariances.  max_diff_G is measured relative
    to sqrt(ab) (G is homogeneous of degree 1 in (a, b)), max_diff_Gdot absolutely.
    decided: every quadrature error estimate is below tol / 10.  agrees: decided and both
    differences <= tol."""

    max_diff_G: float
    max_diff_Gdot: float
    max_quad_error: float
    worst: tuple
    decided: bool
    agrees: bool


def default_covariances():
    """(a, b, c) test covariances: generic correlations, nearly (anti)parallel ones with
    1 -+ rho down to 1e-30, exactly singular ones rho = +-1 (with sqrt(ab) exactly
    representable, so the input itself is singular), unequal variances, a zero variance.

    (Near rho = +-1 the kernels are square-root singular in rho: an input rounded at 10^-60
    moves Gdot by ~10^-30, so degenerate inputs must be exact for a 1e-40 comparison.)"""
    out = []
    with mpmath.workdps(80):
        for a, b in ((1, 1), (2, "0.7"), ("1e-3", 50)):
            a, b = mpmath.mpf(a), mpmath.mpf(b)
            nn = mpmath.sqrt(a * b)
            for rho in ("0", "0.3", "-0.6", "0.95", "-0.999", "1e-8"):
                out.append((a, b, mpmath.mpf(rho) * nn))
            for k in (6, 15, 30):
                out.append((a, b, (1 - mpmath.mpf(10) ** -k) * nn))
                out.append((a, b, (-1 + mpmath.mpf(10) ** -k) * nn))
        for a, b, nn in ((1, 1, 1), (2, 8, 4), ("0.25", 9, "1.5")):
            a, b, nn = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(nn)
            out += [(a, b, nn), (a, b, -nn)]
        out.append((mpmath.mpf(0), mpmath.mpf(3), mpmath.mpf(0)))
    return out


def compare_with_quadrature(
    kernel, covariances=None, dps: int = 50, tol: float = 1e-40
) -> QuadratureComparison:
    """Check a closed form kernel(a, b, c) -> (G_ij, Gdot_ij) (mpf, evaluated at dps + 10
    digits) against `quadrature_entry` on each (a, b, c) (default `default_covariances()`).
    A kernel that drops the factor 2 of (9)-(10) or swaps theta for pi - theta disagrees."""
    if not callable(kernel):
        raise TypeError("kernel must be callable (a, b, c) -> (G, Gdot)")
    dps = _check_dps(dps)
    if not isinstance(tol, Real) or not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    covs = default_covariances() if covariances is None else list(covariances)
    if not covs:
        raise ValueError("covariances must not be empty")
    dG = dD = qerr = mpmath.mpf(0)
    worst, worst_val = None, mpmath.mpf(-1)
    for a, b, c in covs:
        quad = quadrature_entry(a, b, c, dps)
        with mpmath.workdps(dps + 10):
            g, gd = kernel(mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(c))
            scale = mpmath.sqrt(mpmath.mpf(a) * mpmath.mpf(b))
            eg = abs(mpmath.mpf(g) - quad.G) / (scale if scale > 0 else 1)
            ed = abs(mpmath.mpf(gd) - quad.Gdot)
        dG, dD = max(dG, eg), max(dD, ed)
        qerr = max(qerr, quad.G_error / (scale if scale > 0 else 1), quad.Gdot_error)
        if max(eg, ed) > worst_val:
            worst_val, worst = max(eg, ed), (a, b, c)
    decided = bool(qerr < tol / 10)
    agrees = decided and bool(dG <= tol) and bool(dD <= tol)
    return QuadratureComparison(
        max_diff_G=float(dG), max_diff_Gdot=float(dD), max_quad_error=float(qerr),
        worst=tuple(float(x) for x in worst), decided=decided, agrees=agrees,
    )
