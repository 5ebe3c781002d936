"""The limiting (infinite-width) NTK K^(L) of eqs. (9)-(10), its unrolled form (13), and a baseline.

Paper conventions: G^(1) = X X^T; for l in [2, L], with A_ij^(l) = [[G_ii, G_ij], [G_ji, G_jj]]
of G^(l-1) and (u, v) ~ N(0, A_ij^(l)),

    G^(l)_ij    = 2 E[sigma(u) sigma(v)]   = sqrt(G_ii G_jj)/pi (sin t + (pi - t) cos t)   (10)
    Gdot^(l)_ij = 2 E[sigma'(u) sigma'(v)] = (pi - t)/pi                                  (9)
    K^(1) = G^(1),   K^(l) = K^(l-1) o Gdot^(l) + G^(l)                                   (9), (12)

with t = theta_ij^(l-1) = arccos(G_ij / sqrt(G_ii G_jj)) the angle between rows i and j of the
layer-(l-1) Gram matrix.  The factor 2 makes the diagonal invariant: G_ii^(l) = ||x_i||^2 and
Gdot_ii^(l) = 1 for every l.

Float path (`limiting_ntk(X, L)`): because the diagonal is preserved, every entry evolves on its
own once the layer-1 angle is known: cos theta^(l) = kappa(cos theta^(l-1)) with
kappa(cos t) = (sin t + (pi - t) cos t)/pi.  The plain recursion rho -> arccos(rho) loses half of
the digits near rho = 1 (an error eps in rho becomes sqrt(2 eps) in theta, and Gdot = (pi - t)/pi
feels it directly).  So the angle itself is propagated, never its cosine:

* layer 1: t = arccos(u.v) for unit rows u, v where |u.v| <= 1 - 1/8 (there arccos is
  well-conditioned, u.v coming from one BLAS product U U^T); for the nearly (anti)parallel
  pairs, and only for them, Kahan's t = 2 atan2(||u - v||, ||u + v||) with the differences
  formed directly (O(d) per such pair: for d = 1 or one tight cluster that is every pair,
  ~0.3-0.5 s at N = 2000 instead of ~0.06 s).  1 - cos t and sin t are carried along.
* layer l -> l + 1: s = 1 - cos theta^(l+1) = [(pi - t)(1 - cos t) + (t - sin t)] / pi, a sum of
  two non-negative terms (no cancellation between them; t - sin t is only needed to absolute
  accuracy eps t, which moves theta^(l+1) by O(eps)); then theta^(l+1) = 2 arcsin(sqrt(s/2))
  (theta^(l+1) <= pi/2 since kappa >= 0, so arcsin is well-conditioned),
  sin theta^(l+1) = sqrt(s (2 - s)), and G^(l+1)_ij = ||x_i|| ||x_j|| (1 - s).
  The absolute error of theta stays O(eps) through the layers.

One transcendental call per entry and layer (none for the last), half the matrix (symmetry),
processed in row strips small enough to stay in cache: ~0.3x the time of the plain recursion
`limiting_ntk_naive` at N = 2000, L = 3 (see `benchmark_limiting`).

Zero rows: for x_i = 0, u_i = 0 almost surely, so sigma(u_i) = 0 and, with the paper's convention
sigma'(0) = 0, sigma'(u_i) = 0: row and column i of every G^(l), Gdot^(l), K^(l) are 0 (including
Gdot_ii^(l) = 0; the rule Gdot_ii = 1 holds for non-zero rows).  theta is never needed there.

mpmath path (`limiting_ntk(X, L, dps=50)`): the plain arccos recursion entry by entry at dps
digits, with X read exactly (every float is an exact mpf).  At 50 digits arccos near 1 still
leaves ~25 correct digits of theta in the worst case (exactly collinear rows), far beyond float.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import mpmath
import numpy as np
from numeric.validate import integer_at_least

__all__ = [
    "LimitingParts",
    "limiting_ntk",
    "limiting_ntk_unrolled",
    "unrolled_ntk",
    "limiting_ntk_naive",
    "closed_form_entry",
    "layer1_angles",
    "benchmark_limiting",
    "collinear_instance",
]

_PI = math.pi
# Pairs with |cos t| > 1 - _TAU get the direct (Kahan) angle; elsewhere arccos has condition
# number 1/sin t <= 1/sqrt(2 _TAU - _TAU^2) ~ 2.1.
_TAU = 0.125
# Target number of entries of one row strip (a few hundred kB per work buffer).
_STRIP_ENTRIES = 1 << 15
# Bound on (pairs x d) doubles formed at once for the direct differences.
_PATCH_ENTRIES = 1 << 21


@dataclass(frozen=True)
class LimitingParts:
    """All matrices of (9)-(12): G = [G^(1), ..., G^(L)], Gdot = [Gdot^(2), ..., Gdot^(L)],
    K = [K^(1), ..., K^(L)] (numpy arrays, or mpmath matrices on the dps path)."""

    G: list
    Gdot: list
    K: list

    @property
    def L(self) -> int:
        return len(self.G)


# ----------------------------------------------------------------------------- validation


def _check_X(X) -> np.ndarray:
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError("X must be a 2-D array of real numbers with shape (N, d)")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"X must be a 2-D array of real numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"X must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError("X must be real, got a complex array")
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (N, d), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"X must have N >= 1 rows and d >= 1 columns, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("X must be finite (no NaN or inf)")
    return arr


def _check_L(L) -> int:
    return integer_at_least(L, "L", 1)


def _check_dps(dps):
    return None if dps is None else integer_at_least(dps, "dps", 15)


# ----------------------------------------------------------------------------- layer 1


def _row_norms(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(||x_i||, unit rows u_i) without overflow/underflow: rows are first scaled by a power of
    two (exact).  Zero rows get norm 0 and u_i = 0."""
    rowmax = np.max(np.abs(X), axis=1)
    _, expo = np.frexp(rowmax)
    Xs = np.ldexp(X, -expo[:, None])
    ns = np.sqrt(np.einsum("ij,ij->i", Xs, Xs))
    norms = np.ldexp(ns, expo)
    nz = ns > 0
    U = np.zeros_like(Xs)
    U[nz] = Xs[nz] / ns[nz, None]
    return norms, U


def _direct_angles(U, rows, cols):
    """Kahan angles for the pairs (rows[k], cols[k]) from directly formed differences (no
    cancellation): with p = |u - v|, q = |u + v|, h = hypot(p, q),
    t = 2 atan2(p, q), 1 - cos t = 2 p^2 / h^2, sin t = 2 p q / h^2.
    Yields (k-slice, t, 1 - cos t, sin t) in chunks bounded by _PATCH_ENTRIES doubles."""
    step = max(1, _PATCH_ENTRIES // U.shape[1])
    for s0 in range(0, rows.size, step):
        Ui, Uj = U[rows[s0 : s0 + step]], U[cols[s0 : s0 + step]]
        diff = Ui - Uj
        Ui += Uj
        p = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        q = np.sqrt(np.einsum("ij,ij->i", Ui, Ui))
        h = np.hypot(p, q)
        p /= h
        q /= h
        yield slice(s0, s0 + step), 2.0 * np.arctan2(p, q), 2.0 * p * p, 2.0 * p * q


def _strip_layer1(Cfull, U, r0, r1):
    """Layer-1 quantities on the strip rows [r0, r1) x columns [r0, N) of Cfull = U U^T (whose
    diagonal the caller has set to 1): C = cos t (a read-only view), T = t/pi,
    oc = 1 - cos t, snp = sin(t)/pi for t = theta^(1)_ij.

    arccos(C) where |C| <= 1 - _TAU, i.e. sin^2 t = (1 - C)(1 + C) >= _TAU (2 - _TAU)
    (well-conditioned there); `_direct_angles` for the nearly (anti)parallel pairs, including
    |C| > 1 from rounding (whose NaNs are overwritten); exactly t = 0 on the diagonal.
    Zero rows have u = 0, hence C = 0 off the diagonal (their G, K vanish through the norm
    factor)."""
    C = Cfull[r0:r1, r0:]
    with np.errstate(invalid="ignore"):
        T = np.arccos(C)
        T *= 1.0 / _PI
        oc = np.subtract(1.0, C)
        snp = np.add(1.0, C)
        snp *= oc  # sin^2 t
        bad = snp < _TAU * (2.0 - _TAU)
        snp *= 1.0 / _PI**2
        np.sqrt(snp, out=snp)
    diag = np.arange(r1 - r0)
    bad[diag, diag] = False
    ii, jj = np.nonzero(bad) if np.count_nonzero(bad) else (diag[:0], diag[:0])
    for sl, t, oc_, sn in _direct_angles(U, ii + r0, jj + r0):
        idx = (ii[sl], jj[sl])
        T[idx], oc[idx], snp[idx] = t / _PI, oc_, sn / _PI
    # The pair (x_i, x_i): theta = 0 exactly (u = v).
    T[diag, diag] = 0.0
    oc[diag, diag] = 0.0
    snp[diag, diag] = 0.0
    return C, T, oc, snp


def layer1_angles(X) -> np.ndarray:
    """theta_ij^(1) = angle between x_i and x_j, to absolute accuracy O(eps) for every pair,
    including nearly parallel and antiparallel ones (NaN where x_i or x_j is 0)."""
    X = _check_X(X)
    norms, U = _row_norms(X)
    N = X.shape[0]
    Cfull = U @ U.T
    np.fill_diagonal(Cfull, 1.0)
    _, T, _, _ = _strip_layer1(Cfull, U, 0, N)
    T *= _PI
    zero = norms == 0
    T[zero, :] = np.nan
    T[:, zero] = np.nan
    return T


def _mirror_upper(M: np.ndarray, tile: int = 128) -> None:
    """Copy the upper triangle of M onto its lower triangle in place, tile by tile
    (cache-friendly transposes)."""
    N = M.shape[0]
    for i0 in range(0, N, tile):
        i1 = min(N, i0 + tile)
        blk = M[i0:i1, i0:i1]
        low = np.tril_indices(i1 - i0, -1)
        blk[low] = blk.T[low]
        for j0 in range(i1, N, tile):
            j1 = min(N, j0 + tile)
            M[j0:j1, i0:i1] = M[i0:i1, j0:j1].T


def _float_path(X: np.ndarray, L: int, parts: bool):
    """Angle propagation (module docstring) on row strips of the upper triangle.

    Per entry, with T = theta^(l-1)/pi, oc = 1 - cos theta^(l-1), snp = sin(theta^(l-1))/pi:
    Gdot^(l) = 1 - T, s = 1 - cos theta^(l) = (1 - T) oc + T - snp, G^(l) = nn (1 - s),
    then theta^(l) = 2 arcsin(sqrt(s/2)), sin theta^(l) = sqrt(s (2 - s)); all matrices are
    kept divided by nn = ||x_i|| ||x_j|| until they are stored."""
    N = X.shape[0]
    norms, U = _row_norms(X)
    zero = norms == 0
    n_mats = 3 * L - 1 if parts else 1
    mats = [np.empty((N, N)) for _ in range(n_mats)]
    rows_per_strip = max(1, _STRIP_ENTRIES // N)
    Cfull = U @ U.T  # one symmetric rank-d product (BLAS syrk); strips below read views of it
    np.fill_diagonal(Cfull, 1.0)

    for r0 in range(0, N, rows_per_strip):
        r1 = min(N, r0 + rows_per_strip)
        nn = np.multiply.outer(norms[r0:r1], norms[r0:])
        C, T, oc, snp = _strip_layer1(Cfull, U, r0, r1)  # C = K^(1)/nn = G^(1)/nn
        if parts:
            np.multiply(C, nn, out=mats[0][r0:r1, r0:])  # G^(1)
            np.multiply(C, nn, out=mats[2 * L - 1][r0:r1, r0:])  # K^(1)
        k = C
        gd = np.empty_like(k)
        s = np.empty_like(k)
        for l in range(2, L + 1):
            np.subtract(1.0, T, out=gd)  # Gdot^(l) = (pi - theta^(l-1))/pi
            np.multiply(gd, oc, out=s)
            s += T
            s -= snp
            np.maximum(s, 0.0, out=s)  # s = 1 - cos theta^(l) >= 0; rounding may dip below
            if l == 2:
                k = np.multiply(C, gd)  # C is a view of Cfull: not modified in place
            else:
                k *= gd
            k -= s
            k += 1.0  # K^(l)/nn = K^(l-1)/nn o Gdot^(l) + G^(l)/nn
            if parts:
                np.multiply(gd, 1.0, out=mats[L + l - 2][r0:r1, r0:])
                G = mats[l - 1][r0:r1, r0:]
                np.subtract(1.0, s, out=G)
                G *= nn
                np.multiply(k, nn, out=mats[2 * L + l - 2][r0:r1, r0:])
            if l < L:
                oc, s = s, oc  # 1 - cos theta^(l)
                np.subtract(2.0, oc, out=snp)
                snp *= oc
                snp *= 1.0 / _PI**2
                np.sqrt(snp, out=snp)  # sin(theta^(l))/pi = sqrt(s (2 - s))/pi
                np.multiply(oc, 0.5, out=T)
                np.sqrt(T, out=T)
                np.arcsin(T, out=T)
                T *= 2.0 / _PI  # theta^(l)/pi, <= 1/2
        if not parts:
            np.multiply(k, nn, out=mats[0][r0:r1, r0:])

    for M in mats:
        _mirror_upper(M)
    if not parts:
        return mats[0]
    Gs, Gds, Ks = mats[:L], mats[L : 2 * L - 1], mats[2 * L - 1 :]
    if zero.any():
        for Gd in Gds:  # sigma'(0) = 0
            Gd[zero, :] = 0.0
            Gd[:, zero] = 0.0
    return LimitingParts(G=Gs, Gdot=Gds, K=Ks)


# ----------------------------------------------------------------------------- mpmath path


def closed_form_entry(a, b, c, dps: int | None = None):
    """(G_ij^(l), Gdot_ij^(l)) of (10), (9) in closed form from A_ij^(l) = [[a, c], [c, b]]
    (a = G_ii^(l-1), b = G_jj^(l-1), c = G_ij^(l-1)) as mpf at the current (or given) precision:
    sqrt(ab)/pi (sin t + (pi - t) cos t) and (pi - t)/pi, t = arccos(c / sqrt(ab)).
    If a = 0 or b = 0 both are 0 (sigma(0) = sigma'(0) = 0)."""
    if dps is not None:
        with mpmath.workdps(_check_dps(dps)):
            return closed_form_entry(a, b, c)
    a, b, c = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(c)
    if a < 0 or b < 0:
        raise ValueError(f"variances must be >= 0, got a={a}, b={b}")
    if a == 0 or b == 0:
        return mpmath.mpf(0), mpmath.mpf(0)
    nn = mpmath.sqrt(a) * mpmath.sqrt(b)
    return _closed_form_scaled(nn, c / nn)


def _closed_form_scaled(nn, rho):
    rho = min(max(rho, -1), 1)
    t = mpmath.acos(rho)
    pt = mpmath.pi - t
    return nn * (mpmath.sin(t) + pt * rho) / mpmath.pi, pt / mpmath.pi


def _mp_path(X: np.ndarray, L: int, dps: int, parts: bool):
    N = X.shape[0]
    with mpmath.workdps(dps):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in X]
        G = mpmath.matrix(N, N)
        for i in range(N):
            for j in range(i, N):
                G[i, j] = G[j, i] = mpmath.fdot(rows[i], rows[j])
        K = G.copy()
        Gs, Gds, Ks = [G], [], [K]
        sq = [mpmath.sqrt(G[i, i]) for i in range(N)]  # the diagonal is preserved
        for _ in range(2, L + 1):
            Gn, Gd = mpmath.matrix(N, N), mpmath.matrix(N, N)
            for i in range(N):
                for j in range(i, N):
                    if sq[i] == 0 or sq[j] == 0:
                        g, gd = mpmath.mpf(0), mpmath.mpf(0)
                    else:
                        nn = sq[i] * sq[j]
                        # (u, u) for i = j: rho = 1 exactly, not G_ii / sqrt(G_ii)^2.
                        rho = mpmath.mpf(1) if i == j else G[i, j] / nn
                        g, gd = _closed_form_scaled(nn, rho)
                    Gn[i, j] = Gn[j, i] = g
                    Gd[i, j] = Gd[j, i] = gd
            Kn = mpmath.matrix(N, N)
            for i in range(N):
                for j in range(i, N):
                    Kn[i, j] = Kn[j, i] = K[i, j] * Gd[i, j] + Gn[i, j]
            G, K = Gn, Kn
            Gs.append(G)
            Gds.append(Gd)
            Ks.append(K)
    if parts:
        return LimitingParts(G=Gs, Gdot=Gds, K=Ks)
    return K


# ----------------------------------------------------------------------------- public API


def limiting_ntk(X, L, dps=None, return_parts=False):
    """The limiting NTK K^(L) of (9)-(10) (paper normalization, eq. (4)) for data X of shape (N, d).

    dps=None: float64 (N, N) array, computed by angle propagation (see module docstring); its
    max-entry error relative to max |K| is ~1e-15 even for nearly collinear rows.
    dps=int >= 15: mpmath.matrix at dps digits (plain arccos recursion, entry by entry).
    return_parts=True: a `LimitingParts` with G^(1..L), Gdot^(2..L), K^(1..L) instead.
    Zero rows give zero rows/columns in every matrix (sigma(0) = sigma'(0) = 0).
    """
    X = _check_X(X)
    L = _check_L(L)
    dps = _check_dps(dps)
    if dps is None:
        # |K^(L)_ij| <= sqrt(K_ii K_jj) = L ||x_i|| ||x_j||: finite iff L max ||x_i||^2 is.
        big = float(np.max(np.abs(X)))
        if not math.isfinite(L * (big * big) * X.shape[1]):
            raise ValueError("K^(L) of this X may exceed the float64 range; rescale X (K^(L) is "
                             "homogeneous of degree 2 in X) or use dps=...")
        if L == 1 and not return_parts:
            return X @ X.T  # K^(1) = G^(1) = X X^T
        return _float_path(X, L, bool(return_parts))
    return _mp_path(X, L, dps, bool(return_parts))


def _hadamard(P, Q):
    if isinstance(P, np.ndarray):
        return P * Q
    n, m = P.rows, P.cols
    R = mpmath.matrix(n, m)
    for i in range(n):
        for j in range(m):
            R[i, j] = P[i, j] * Q[i, j]
    return R


def _add(P, Q):
    return P + Q  # elementwise for both numpy arrays and mpmath matrices


def unrolled_ntk(parts: LimitingParts):
    """Eq. (13): K^(L) = G^(L) + sum_{l=1}^{L-1} G^(l) o Gdot^(l+1) o ... o Gdot^(L), combined
    from parts.G and parts.Gdot by suffix products (independent of the recursion (12))."""
    if not isinstance(parts, LimitingParts):
        raise TypeError("parts must be a LimitingParts (limiting_ntk(..., return_parts=True))")
    L = len(parts.G)
    if L < 1 or len(parts.Gdot) != L - 1:
        raise ValueError(f"parts must hold L >= 1 matrices G and L - 1 matrices Gdot, got "
                         f"{len(parts.G)} and {len(parts.Gdot)}")
    K = parts.G[L - 1]
    suffix = None  # Gdot^(l+1) o ... o Gdot^(L)
    for l in range(L - 1, 0, -1):
        Gd = parts.Gdot[l - 1]  # Gdot^(l+1)
        suffix = Gd if suffix is None else _hadamard(suffix, Gd)
        K = _add(K, _hadamard(parts.G[l - 1], suffix))
    return K


def limiting_ntk_unrolled(X, L, dps=None):
    """K^(L) by eq. (13) from the G^(l), Gdot^(l) of `limiting_ntk` (float64 or mpmath)."""
    return unrolled_ntk(limiting_ntk(X, L, dps=dps, return_parts=True))


def limiting_ntk_naive(X, L):
    """Baseline: the straightforward NumPy recursion (9)-(10) on full matrices,
    theta = arccos(G_ij / sqrt(G_ii G_jj)), G <- sqrt(G_ii G_jj)/pi (sin theta + (pi - theta) rho),
    Gdot = (pi - theta)/pi, K <- K o Gdot + G.  Loses ~half the digits of Gdot for nearly
    collinear rows; kept for benchmarks and accuracy comparisons.  Rows must be non-zero."""
    X = _check_X(X)
    L = _check_L(L)
    G = X @ X.T
    dg = np.sqrt(np.diag(G))
    if np.any(dg == 0):
        raise ValueError("limiting_ntk_naive needs non-zero rows of X")
    nn = np.outer(dg, dg)
    K = G.copy()
    for _ in range(2, L + 1):
        rho = np.clip(G / nn, -1.0, 1.0)
        theta = np.arccos(rho)
        Gdot = (np.pi - theta) / np.pi
        G = nn / np.pi * (np.sin(theta) + (np.pi - theta) * rho)
        K = K * Gdot + G
    return K


def _rel_err(K, ref) -> float:
    ref = np.array(ref.tolist(), dtype=np.float64) if not isinstance(ref, np.ndarray) else ref
    return float(np.max(np.abs(K - ref)) / np.max(np.abs(ref)))


def collinear_instance(seed: int = 0, n_base: int = 4, d: int = 6) -> np.ndarray:
    """A small adversarial X: for each base row x, also x + 1e-9 noise, 3x + 1e-12 noise and
    -x + 1e-10 noise (nearly parallel / antiparallel pairs); shape (4 n_base, d)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_base, d))
    rows = []
    for x in base:
        rows += [x, x + 1e-9 * rng.standard_normal(d), 3 * x + 1e-12 * rng.standard_normal(d),
                 -x + 1e-10 * rng.standard_normal(d)]
    return np.array(rows)


def benchmark_limiting(N=2000, L=3, seed=0, d=100, repeats=5):
    """Time `limiting_ntk` against `limiting_ntk_naive` on Gaussian X of shape (N, d) (best of
    `repeats`), and measure both against the 50-digit path on `collinear_instance(seed)`.
    Returns a dict: t_fast, t_naive (seconds), ratio = t_fast / t_naive, err_fast, err_naive
    (max entry error / max |entry| of K^(L)), and the parameters."""
    N, L = int(N), _check_L(L)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))

    t_naive = t_fast = math.inf
    for _ in range(max(1, int(repeats))):  # interleaved, best of each: robust to machine noise
        t0 = time.perf_counter()
        limiting_ntk_naive(X, L)
        t1 = time.perf_counter()
        limiting_ntk(X, L)
        t2 = time.perf_counter()
        t_naive, t_fast = min(t_naive, t1 - t0), min(t_fast, t2 - t1)
    Xc = collinear_instance(seed)
    ref = limiting_ntk(Xc, L, dps=50)
    return {
        "N": N, "L": L, "d": d, "seed": seed,
        "t_fast": t_fast, "t_naive": t_naive, "ratio": t_fast / t_naive,
        "err_fast": _rel_err(limiting_ntk(Xc, L), ref),
        "err_naive": _rel_err(limiting_ntk_naive(Xc, L), ref),
    }
