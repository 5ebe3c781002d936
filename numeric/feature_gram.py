r"""Gram matrices of hidden-layer features with rigorous error bounds (Section 5 of the paper).

What the claims of Section 5 compare, each returned together with a rigorous bound on its
distance to the exact matrix it stands for (to pass as ``abs_err`` to :func:`numeric.eig.decide`):

* :func:`relu_gram_expectation` -- ``E_{w ~ N(0, beta^2 I)}[sigma(F w) sigma(F w)^T]`` of (29) and
  Lemma 5.3, entry by entry from the arc-cosine closed form (no sampling), in mpmath interval
  arithmetic at ``dps`` digits.  With ``G = F F^T`` (exact, integer arithmetic) and
  ``a = G_ii, b = G_jj, c = G_ij``: ``sqrt(ab) sin(theta) = sqrt(ab - c^2)``,
  ``sqrt(ab) cos(theta) = c``, so

      E[sigma(u) sigma(v)] = (sqrt(ab - c^2) + (pi - theta) c) / (2 pi),
      theta = atan2(sqrt(ab - c^2), c),

  whose arguments ``ab - c^2 >= 0`` and ``c`` are exact integers (times a power of two): no
  cancellation near theta = 0 and no arccos.
* :func:`centered_gram_difference` -- ``(F F^T)^{o r} - (Ft Ft^T)^{o r}`` of (30), with
  ``Ft = F - 1 mu^T`` for *every* mean ``mu`` in a box ``|mu - mu_hat| <= mu_err``.
* :func:`gaussian_first_layer_mean` -- the population mean ``E_x[sigma(W^T x)] = ||w_j|| / sqrt(2 pi)``
  (x ~ N(0, I_d)) of the first-layer features.
* :func:`monte_carlo_mean` -- a Monte Carlo estimate (with its standard error) of the population
  mean of ``f_k(x)`` at deeper layers, where no closed form exists.
* :func:`features_with_error` / :func:`gram_with_perturbation` -- float features ``F_l = sigma(F_{l-1} W_l)``
  with entrywise bounds on their rounding error, and the resulting bound on ``F F^T``.

All float bounds use the standard model of :mod:`numeric.interval` (binary64, round to nearest).
"""
from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Real

import mpmath
import numpy as np
from mpmath import libmp

from .interval import TINY, U, gamma, round_up, upper_fro_norm
from numeric.rational import to_fraction
from numeric.validate import integer_at_least

__all__ = [
    "relu_gram_expectation",
    "parallel_rows",
    "gram_entrywise_error",
    "hadamard_power_with_error",
    "centered_gram_difference",
    "centered_gram_power",
    "gaussian_first_layer_mean",
    "features_with_error",
    "gram_with_perturbation",
    "monte_carlo_mean",
]


# ------------------------------------------------------------------------------------ validation
def _check_matrix(F, name: str = "F") -> np.ndarray:
    arr = np.asarray(F)
    if arr.dtype == object or arr.dtype.kind not in "fiu" or arr.dtype.kind == "b":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


def _check_positive(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {x}")
    return x


def _check_r(r) -> int:
    return integer_at_least(r, "r", 1)


def _upper_nonneg_product(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Entrywise upper bound of the exact ``A @ B`` for non-negative float matrices."""
    n = A.shape[1]
    return round_up(round_up(A @ B + n * TINY) / (1.0 - n * U))


# ------------------------------------------------------------------------ arc-cosine expectation
def _exact_gram_ints(F: np.ndarray):
    """``F F^T = X X^T 2^(2e)`` exactly, with X an object array of Python ints."""
    from .eig import _float_to_ints  # exact dyadic decomposition of a float array

    X, e = _float_to_ints(F)
    return X @ X.T, 2 * e


def relu_gram_expectation(F, beta: float = 1.0, dps: int = 50):
    r"""``(M, abs_err)`` with ``M`` an ``mpmath.matrix`` and ``||M - E||_F <= abs_err`` rigorously, where

        E = E_{w ~ N(0, beta^2 I_n)}[sigma(F w) sigma(F w)^T]          (29), Lemma 5.3

    for the exact matrix ``F`` (float entries taken as exact reals, shape ``(N, n)``).  Entries come
    from the arc-cosine closed form (module docstring) evaluated in mpmath interval arithmetic at
    ``dps`` digits; ``M`` holds the interval midpoints and ``abs_err`` bounds the Frobenius norm of
    the radii.  Diagonal entries ``beta^2 ||F_i||^2 / 2`` are exact; zero rows give zero rows."""
    F = _check_matrix(F)
    beta = _check_positive(beta, "beta")
    if isinstance(dps, bool) or not isinstance(dps, Integral) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    G, e2 = _exact_gram_ints(F)
    bm, be = _float_man_exp(beta)
    scale_man, scale_exp = bm * bm, 2 * be + e2  # beta^2 2^(2e): exact
    N = F.shape[0]
    iv = mpmath.iv
    old = iv.prec
    iv.dps = dps + 10
    try:
        scale = iv.mpf(mpmath.mp.make_mpf(libmp.from_man_exp(scale_man, scale_exp)))
        two_pi = 2 * iv.pi
        pi = iv.pi
        M = mpmath.matrix(N, N)
        rad2 = Fraction(0)
        with mpmath.workdps(dps + 10):
            for i in range(N):
                a = int(G[i, i])
                M[i, i] = mpmath.mp.make_mpf(libmp.from_man_exp(scale_man * a, scale_exp - 1))  # exact
                for j in range(i + 1, N):
                    b, c = int(G[j, j]), int(G[i, j])
                    det = a * b - c * c  # >= 0 by Cauchy-Schwarz, exact
                    if det == 0:
                        val = iv.mpf(c) / 2 if c > 0 else iv.mpf(0)  # parallel / antiparallel rows
                    else:
                        s = iv.sqrt(iv.mpf(det))
                        theta = iv.atan2(s, iv.mpf(c))
                        val = (s + (pi - theta) * c) / two_pi
                    val = val * scale
                    lo, hi = (mpmath.mp.make_mpf(t) for t in val._mpi_)
                    mid = (lo + hi) / 2
                    M[i, j] = M[j, i] = mid
                    r = max(_fr(hi) - _fr(mid), _fr(mid) - _fr(lo))
                    rad2 += 2 * r * r
    finally:
        iv.prec = old
    err = math.sqrt(float(rad2)) if rad2 else 0.0
    err = round_up(round_up(err) * (1 + 4 * U)) if err else 0.0
    return M, err


def _float_man_exp(x: float) -> tuple[int, int]:
    p, q = float(x).as_integer_ratio()
    return p, -(q.bit_length() - 1)


def parallel_rows(F) -> bool:
    """Whether two rows of the exact matrix F are parallel or antiparallel (``F_i = c F_j``), decided in
    exact integer arithmetic: ``||F_i||^2 ||F_j||^2 = <F_i, F_j>^2``.  Zero rows count as parallel."""
    F = _check_matrix(F)
    G, _ = _exact_gram_ints(F)
    d = [int(x) for x in np.diag(G)]
    N = F.shape[0]
    return any(d[i] * d[j] == int(G[i, j]) ** 2 for i in range(N) for j in range(i + 1, N))


_fr = to_fraction


# ------------------------------------------------------------------------ Gram errors, entrywise
def gram_entrywise_error(F, delta=None) -> tuple[np.ndarray, np.ndarray]:
    r"""``(G, E)``: ``G = fl(F F^T)`` (exactly symmetric) and an entrywise bound ``E >= |G - Ft Ft^T|``
    valid for every ``Ft`` with ``|Ft - F| <= delta`` entrywise (``delta = 0`` when None):
    ``gamma_n |F||F|^T`` for the rounding of the product plus ``|F| delta^T + delta |F|^T + delta delta^T``."""
    F = _check_matrix(F)
    n = F.shape[1]
    G = F @ F.T
    G = np.triu(G) + np.triu(G, 1).T
    A = np.abs(F)
    C = _upper_nonneg_product(A, A.T)
    E = round_up(round_up(gamma(n) * C) + round_up(n * TINY * (1.0 + gamma(n))))
    if delta is not None:
        D = np.broadcast_to(np.asarray(delta, dtype=np.float64), F.shape)
        if np.any(D < 0) or not np.all(np.isfinite(D)):
            raise ValueError("delta must be finite and >= 0")
        P = _upper_nonneg_product(A, D.T)
        Q = _upper_nonneg_product(D, D.T)
        E = round_up(E + round_up(round_up(P + P.T) + Q))
    return G, E


def hadamard_power_with_error(G: np.ndarray, E: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    r"""``(P, Err)``: ``P = fl(G^{o r})`` and ``Err >= |P - g^{o r}|`` entrywise for every exact ``g``
    with ``|g - G| <= E``.  Mean value theorem: ``|G^r - g^r| <= r M^{r-1} E`` with ``M = |G| + E``;
    the ``r - 1`` rounded products add ``gamma_{r-1} |G|^r`` plus underflow."""
    r = _check_r(r)
    if r == 1:
        return G.copy(), E.copy()
    P = G.copy()
    for _ in range(r - 1):
        P = P * G
    M = round_up(np.abs(G) + E)
    Mpow = M.copy()
    for _ in range(r - 2):
        Mpow = round_up(Mpow * M)
    err = round_up(round_up(float(r) * Mpow) * E)
    Mr = round_up(Mpow * M)
    g = gamma(r - 1)
    big = np.maximum(M, 1.0)
    bigpow = big.copy()
    for _ in range(r - 1):
        bigpow = round_up(bigpow * big)
    err = round_up(err + round_up(g * Mr) + round_up(round_up((r - 1) * TINY * (1.0 + g)) * bigpow))
    if not np.all(np.isfinite(err)):
        raise ValueError("the error bound overflowed; rescale F")
    return P, err


def _center(F: np.ndarray, mu, mu_err):
    mu = np.asarray(mu, dtype=np.float64).reshape(-1)
    if mu.shape[0] != F.shape[1]:
        raise ValueError(f"mu must have {F.shape[1]} entries (one per column of F), got {mu.shape[0]}")
    err = np.broadcast_to(np.asarray(mu_err, dtype=np.float64), mu.shape)
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(err))) or np.any(err < 0):
        raise ValueError("mu must be finite and mu_err finite and >= 0")
    Ft = F - mu[None, :]
    # |fl(x - y) - (x - y)| <= u |x - y| <= 2u |fl(x - y)|, plus the uncertainty of mu itself
    delta = round_up(round_up(2 * U * np.abs(Ft)) + err[None, :])
    return Ft, delta


def centered_gram_power(F, mu, mu_err, r: int) -> tuple[np.ndarray, float]:
    r"""``(B, abs_err)``: ``B = fl((Ft Ft^T)^{o r})`` with ``Ft = F - 1 mu_hat^T`` and
    ``||B - (Ft' Ft'^T)^{o r}||_F <= abs_err`` for every ``Ft' = F - 1 mu^T`` with
    ``|mu - mu_hat| <= mu_err`` (the centred Khatri-Rao Gram of Lemma 5.5)."""
    F = _check_matrix(F)
    r = _check_r(r)
    Ft, delta = _center(F, mu, mu_err)
    G, E = gram_entrywise_error(Ft, delta)
    B, Eb = hadamard_power_with_error(G, E, r)
    return B, upper_fro_norm(Eb)


def centered_gram_difference(F, mu, mu_err, r: int) -> tuple[np.ndarray, float]:
    r"""``(D, abs_err)`` for Lemma 5.4, (30): ``D = fl((F F^T)^{o r} - (Ft Ft^T)^{o r})`` with
    ``Ft = F - 1 mu_hat^T``, and ``||D - D_true||_F <= abs_err`` for the exact difference built from
    any mean ``mu`` with ``|mu - mu_hat| <= mu_err`` entrywise (F itself is exact)."""
    F = _check_matrix(F)
    r = _check_r(r)
    GA, EA = gram_entrywise_error(F)
    A, ErrA = hadamard_power_with_error(GA, EA, r)
    Ft, delta = _center(F, mu, mu_err)
    GB, EB = gram_entrywise_error(Ft, delta)
    B, ErrB = hadamard_power_with_error(GB, EB, r)
    D = A - B
    Err = round_up(round_up(ErrA + ErrB) + round_up(2 * U * np.abs(D)))
    return D, upper_fro_norm(Err)


# ------------------------------------------------------------------------------- population means
def gaussian_first_layer_mean(W) -> tuple[np.ndarray, np.ndarray]:
    r"""``(mu, err)``: the population mean ``E_{x ~ N(0, I_d)}[sigma(W^T x)]`` of the first-layer
    features, ``mu_j = ||W_{:j}||_2 / sqrt(2 pi)`` (``w^T x ~ N(0, ||w||^2)``, ``E sigma(g) = s/sqrt(2 pi)``
    for ``g ~ N(0, s^2)``), with a rigorous entrywise bound ``|mu - mu_true| <= err``."""
    W = _check_matrix(W, "W")
    d = W.shape[0]
    ss = np.einsum("ij,ij->j", W, W)
    mu = np.sqrt(ss) / math.sqrt(2 * math.pi)
    # relative error: gamma_d for the sum of squares (halved by sqrt), sqrt, 1/sqrt(2 pi) and the
    # division each add at most u (a generous gamma_{d + 8} covers them all); plus underflow
    err = round_up(gamma(d + 8) * mu + math.sqrt(d * TINY))
    return mu, err


def features_with_error(weights, X, k: int) -> tuple[np.ndarray, np.ndarray]:
    r"""``(F_k, Delta)``: the float features ``F_k = sigma(... sigma(X W_1) ... W_k)`` of eq. (1) and an
    entrywise bound ``|F_k - F_k^exact| <= Delta`` (X and the W_l exact).  Per layer:
    ``Delta_l = gamma_n |F_{l-1}||W_l| + Delta_{l-1}|W_l|`` (ReLU is 1-Lipschitz)."""
    X = _check_matrix(X, "X")
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 0 or k > len(weights):
        raise ValueError(f"k must be an integer in [0, {len(weights)}], got {k!r}")
    F = X
    Delta = np.zeros_like(X)
    for W in weights[:k]:
        W = _check_matrix(W, "W")
        if W.shape[0] != F.shape[1]:
            raise ValueError(f"weight shape {W.shape} does not match features with {F.shape[1]} columns")
        n = W.shape[0]
        aW = np.abs(W)
        rnd = round_up(gamma(n) * _upper_nonneg_product(np.abs(F), aW) + n * TINY * (1 + gamma(n)))
        Delta = round_up(rnd + _upper_nonneg_product(Delta, aW)) if np.any(Delta) else rnd
        F = np.maximum(F @ W, 0.0)
    return F, Delta


def gram_with_perturbation(F, delta) -> tuple[np.ndarray, float]:
    r"""``(G, abs_err)``: ``G = fl(F F^T)`` and ``||G - Ft Ft^T||_F <= abs_err`` for every exact ``Ft`` with
    ``|Ft - F| <= delta`` entrywise (e.g. the exact features behind the float ``F``)."""
    G, E = gram_entrywise_error(F, delta)
    return G, upper_fro_norm(E)


def monte_carlo_mean(weights, k: int, samples: int, rng, batch: int = 8192) -> dict:
    r"""Monte Carlo estimate of the population mean ``mu = E_{x ~ N(0, I_d)}[f_k(x)]`` of the layer-k
    features of eq. (1) (Lemma 5.4 at layers k >= 2, where no closed form exists).

    Returns a dict: ``mu`` (the average of ``samples`` i.i.d. draws) and ``se`` (the per-coordinate
    standard error ``std / sqrt(samples)``): a statistical error, not a rigorous one (the float
    rounding of the average, relative ~1e-13, is negligible next to it). When d > n_1 the first
    pre-activation x W_1 is drawn as z R (W_1 = QR, z ~ N(0, I_{n_1})), which has the same law."""
    if isinstance(samples, bool) or not isinstance(samples, Integral) or samples < 2:
        raise ValueError(f"samples must be an integer >= 2, got {samples!r}")
    weights = [_check_matrix(W, "W") for W in weights]
    if isinstance(k, bool) or not isinstance(k, Integral) or not 1 <= k <= len(weights):
        raise ValueError(f"k must be an integer in [1, {len(weights)}], got {k!r}")
    maps = list(weights[:k])
    if maps[0].shape[0] > maps[0].shape[1]:
        # x W_1 with x ~ N(0, I_d) has the law of z R, z ~ N(0, I_{n_1}), where W_1 = QR (Q^T x is
        # standard Gaussian in R^{n_1}): n_1 draws per sample instead of d, and an n_1 x n_1 product.
        maps[0] = np.linalg.qr(maps[0], mode="r")
    d = maps[0].shape[0]
    nk = weights[k - 1].shape[1]
    total, total2 = np.zeros(nk), np.zeros(nk)
    done = 0
    while done < samples:
        m = min(batch, samples - done)
        F = rng.standard_normal((m, d))
        for W in maps:
            F = F @ W
            np.maximum(F, 0.0, out=F)
        total += F.sum(axis=0)
        total2 += np.einsum("ij,ij->j", F, F)
        done += m
    mu = total / samples
    var = np.maximum(total2 / samples - mu * mu, 0.0) * samples / (samples - 1)
    return {"mu": mu, "se": np.sqrt(var / samples), "samples": samples}
