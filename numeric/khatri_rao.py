r"""Row-wise Khatri-Rao products and the Gram matrices of Khatri-Rao powers.

The paper (Section 2, notation) writes ``A * B = [A_1 \otimes B_1, ..., A_m \otimes B_m]^T`` for
``A, B`` with ``m`` rows, and ``F^{*r}`` for the ``r``-fold product ``F * ... * F``.  Lemma 5.3,
Lemma 5.4 (30) and Lemma 5.5 (32) concern ``(F_k^{*r})(F_k^{*r})^T``.  Because
``<A_i \otimes B_i, A_j \otimes B_j> = <A_i, A_j> <B_i, B_j>``, that Gram matrix equals the Hadamard
power ``(F F^T)^{\circ r}``, which is how :func:`khatri_rao_gram` computes it (``N x N`` work instead
of ``N x n^r``).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
from mpmath import libmp

from .interval import TINY, U, gamma, round_up, upper_fro_norm
from numeric.validate import integer_at_least

__all__ = [
    "khatri_rao",
    "khatri_rao_power",
    "khatri_rao_gram",
    "khatri_rao_gram_with_error",
]

_MAX_ENTRIES = 50_000_000


def _check_matrix(F, name: str) -> np.ndarray:
    if isinstance(F, mpmath.matrix):
        raise TypeError(f"{name} must be a NumPy array; convert mpmath matrices with numpy first")
    arr = np.asarray(F)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got a complex array")
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows x columns), got {arr.ndim} dimension(s)")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


def _check_r(r) -> int:
    return integer_at_least(r, "r", 1)


def khatri_rao(A, B) -> np.ndarray:
    r"""Row-wise Khatri-Rao product ``A * B``: row ``i`` is ``A_i \otimes B_i``; shape ``(m, p q)``
    for ``A`` of shape ``(m, p)`` and ``B`` of shape ``(m, q)``."""
    A = _check_matrix(A, "A")
    B = _check_matrix(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B need the same number of rows, got {A.shape[0]} and {B.shape[0]}")
    m, p = A.shape
    q = B.shape[1]
    if m * p * q > _MAX_ENTRIES:
        raise ValueError(f"the product would have {m * p * q} entries (limit {_MAX_ENTRIES})")
    return (A[:, :, None] * B[:, None, :]).reshape(m, p * q)


def khatri_rao_power(F, r) -> np.ndarray:
    r"""``F^{*r} = F * F * ... * F`` (``r`` factors), shape ``(N, n^r)``; ``F^{*1} = F``."""
    F = _check_matrix(F, "F")
    r = _check_r(r)
    N, n = F.shape
    if N * float(n) ** r > _MAX_ENTRIES:
        raise ValueError(
            f"F^(*{r}) would have {N} x {n}^{r} entries (limit {_MAX_ENTRIES}); "
            "use khatri_rao_gram for its Gram matrix"
        )
    out = F
    for _ in range(r - 1):
        out = khatri_rao(out, F)
    return out.copy() if r == 1 else out


def khatri_rao_gram(F, r, exact: bool = False):
    r"""``(F^{*r})(F^{*r})^T = (F F^T)^{\circ r}`` (Lemmas 5.3-5.5, (30), (32)), an ``N x N`` matrix.

    Float (default): ``fl(F F^T)`` with its upper triangle mirrored so the result is exactly
    symmetric, then ``r - 1`` entrywise multiplications; use :func:`khatri_rao_gram_with_error` for
    a rigorous bound on its distance to the exact matrix.  ``exact=True``: the exact matrix (the
    float entries of ``F`` taken as exact reals), computed in integer arithmetic and returned as an
    ``mpmath.matrix`` of exact ``mpf`` entries, ready for :func:`numeric.eig.lambda_min`."""
    F = _check_matrix(F, "F")
    r = _check_r(r)
    if exact:
        from .eig import _float_to_ints  # exact dyadic decomposition, shared with eig

        X, e = _float_to_ints(F)
        G = X @ X.T
        Gr = G ** r if r > 1 else G
        exp = 2 * e * r
        rows = [[mpmath.mp.make_mpf(libmp.from_man_exp(int(x), exp)) for x in row] for row in Gr]
        return mpmath.matrix(rows)
    G = F @ F.T
    G = np.triu(G) + np.triu(G, 1).T
    out = G.copy()
    for _ in range(r - 1):
        out = out * G
    return out


def khatri_rao_gram_with_error(F, r) -> tuple[np.ndarray, float]:
    r"""``(G, err)``: the float ``G = khatri_rao_gram(F, r)`` and a rigorous ``err`` with
    ``||G - (F F^T)^{\circ r}||_2 <= ||G - (F F^T)^{\circ r}||_F <= err`` (pass it as ``abs_err`` to
    :func:`numeric.eig.lambda_min`).

    Bound, entrywise, with ``d`` columns in ``F`` and ``g = F F^T`` exact:
    ``|G_1 - g| <= E_1 = gamma_d |F||F|^T + d eta (1 + gamma_d)`` for ``G_1 = fl(F F^T)``;
    with ``M = |G_1| + E_1 >= max(|G_1|, |g|)``: ``|G_1^r - g^r| <= r M^{r-1} E_1`` (mean value),
    and ``r - 1`` rounded multiplications add ``gamma_{r-1} M^r + (r-1) eta (1 + gamma_{r-1})
    max(1, M)^r``.  Every operation of the bound itself is rounded upward."""
    F = _check_matrix(F, "F")
    r = _check_r(r)
    d = F.shape[1]
    G = khatri_rao_gram(F, r)
    G1 = F @ F.T
    G1 = np.triu(G1) + np.triu(G1, 1).T
    absF = np.abs(F)
    C = absF @ absF.T  # fl(|F||F|^T) >= exact (1 - d u) - d eta: bound it above
    C_up = round_up(round_up(C + d * TINY) / (1.0 - d * U))
    g_d = gamma(d)
    E1 = round_up(round_up(g_d * C_up) + round_up(d * TINY * (1.0 + g_d)))
    M = round_up(np.abs(G1) + E1)
    err = np.zeros_like(G)
    if r > 1:
        Mpow = M.copy()
        for _ in range(r - 2):
            Mpow = round_up(Mpow * M)  # M^(r-1)
        err = round_up(round_up(float(r) * Mpow) * E1)
        Mr = round_up(Mpow * M)
        g_r = gamma(r - 1)
        err = round_up(err + round_up(g_r * Mr))
        big = np.maximum(M, 1.0)
        bigpow = big.copy()
        for _ in range(r - 1):
            bigpow = round_up(bigpow * big)
        under = round_up(round_up((r - 1) * TINY * (1.0 + g_r)) * bigpow)
        err = round_up(err + under)
    else:
        err = E1
    if not np.all(np.isfinite(err)):
        raise ValueError("the error bound overflowed; rescale F")
    total = upper_fro_norm(err)
    if not math.isfinite(total):
        raise ValueError("the error bound overflowed; rescale F")
    return G, total
