r"""Rigorous rounding-error bounds for the two float64 computations of the empirical NTK (3).

Both bounds are about the float features ``F_k``, ``B_k`` of :meth:`ReLUNetwork.features`, taken as
exact numbers (the forward pass is not re-analysed here; :mod:`numeric.exact_network` computes the
network exactly when that is needed). With ``P_k = F_k F_k^T`` and ``Q_k = B_{k+1} B_{k+1}^T``:

* :func:`ntk_with_error`: ``K = net.ntk(X)`` (the Section 4.1 decomposition, BLAS ``dsyrk``) and an
  entrywise bound ``E`` with ``|K - sum_k P_k o Q_k| <= E``;
* :func:`jjt_with_error`: ``M = fl(J J^T)`` for ``J = net.jacobian(X)`` and an entrywise bound with
  ``|M - J_e J_e^T| <= E``, ``J_e`` the exact ``(B_l)_{ib} f_{l-1,a}(x_i)`` products.

Since ``J_e J_e^T = sum_k P_k o Q_k`` is an algebraic identity of Kronecker products, the two
computed matrices must agree within the sum of the two bounds; a larger gap is a certified failure.

Model (Higham, *Accuracy and Stability*, 2nd ed., sec. 2.2, 3.1; as in :mod:`numeric.interval`):
an inner product of length n is computed with error at most ``gamma_n |a|^T |b| + n eta (1 +
gamma_n)``, a product or sum is correctly rounded, ``eta = 2^-1075`` is the underflow unit. Every
bound is itself evaluated with one upward rounding after each operation on non-negative numbers.
"""
from __future__ import annotations

import numpy as np

from .data import validate_data
from .interval import TINY, U, gamma, round_up, upper_fro_norm
from .network import ReLUNetwork

__all__ = ["ntk_with_error", "jjt_with_error", "gram_abs_upper", "frobenius_upper"]


def _check(net, X):
    if not isinstance(net, ReLUNetwork):
        raise TypeError(f"net must be a ReLUNetwork, got {type(net).__name__}")
    return validate_data(X, d=net.d)


def _up(x):
    return round_up(x)


def gram_abs_upper(A: np.ndarray) -> np.ndarray:
    """Entrywise upper bound of the exact ``|A| |A|^T`` (A of shape (N, n))."""
    n = A.shape[1]
    Aa = np.abs(A)
    C = Aa @ Aa.T  # fl(sum) >= (1 - n u) exact - n eta for non-negative terms
    return _up(_up(C + n * TINY) / (1.0 - n * U))


def _matmul_nonneg_upper(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    n = A.shape[1]
    C = A @ B
    return _up(_up(C + n * TINY) / (1.0 - n * U))


def _gram_error(C_up: np.ndarray, n: int) -> np.ndarray:
    """Bound on |fl(A A^T) - A A^T| from C_up >= |A||A|^T (n = inner dimension)."""
    g = gamma(n)
    return _up(_up(g * C_up) + _up(n * TINY * (1.0 + g)))


def _sym_gram(A: np.ndarray) -> np.ndarray:
    G = A @ A.T
    return np.triu(G) + np.triu(G, 1).T


def ntk_with_error(net: ReLUNetwork, X, terms=None) -> tuple[np.ndarray, np.ndarray]:
    r"""``(K, E)``: ``K = net.ntk(X)`` and ``E >= |K - sum_{k=0}^{L-1} P_k o Q_k|`` entrywise.

    Term k: ``fl(P_k)``, ``fl(Q_k)`` have errors ``E_P <= gamma_{n_k} |F_k||F_k|^T`` (+ underflow)
    and ``E_Q`` likewise; ``|fl(fl(P) o fl(Q)) - P o Q| <= E_P (|Q| + E_Q) + |P| E_Q + u |fl(P) o
    fl(Q)| + eta``; the term ``k = L-1`` has ``Q = 1`` exactly and no product. The ``L`` terms are
    accumulated with ``L - 1`` additions: ``+ gamma_{L-1} sum_k |term_k|``.

    ``terms`` (a list of k in [0, L-1]): instead of ``net.ntk``, compute the partial sum over those
    terms here (plain GEMM Gram matrices, same error model), with ``E`` bounding its distance to
    the exact partial sum; a proper subset is a deliberately wrong decomposition (negative
    controls)."""
    X = _check(net, X)
    feats = net.features(X)
    L = net.L
    if terms is None:
        K = net.ntk(X)
        ks = list(range(L))
    else:
        ks = sorted({int(k) for k in terms})
        if not ks or ks[0] < 0 or ks[-1] >= L:
            raise ValueError(f"terms must be a non-empty subset of [0, {L - 1}], got {terms!r}")
        K = np.zeros((X.shape[0], X.shape[0]))
        for k in ks:
            P = _sym_gram(feats.F[k])
            K = K + (P if k == L - 1 else P * _sym_gram(feats.B[k]))
    total_err = np.zeros_like(K)
    total_abs = np.zeros_like(K)
    for k in ks:
        F, B = feats.F[k], feats.B[k]
        CP = gram_abs_upper(F)
        EP = _gram_error(CP, F.shape[1])
        P_abs = _up(CP + EP)  # >= |P| and >= |fl(P)|
        if k == L - 1:
            err, mag = EP, P_abs
        else:
            CQ = gram_abs_upper(B)
            EQ = _gram_error(CQ, B.shape[1])
            Q_abs = _up(CQ + EQ)
            prod = _up(P_abs * Q_abs)
            err = _up(_up(EP * Q_abs) + _up(CP * EQ))
            err = _up(_up(err + _up(U * prod)) + TINY)
            mag = _up(_up(prod * (1.0 + U)) + TINY)
        total_err = _up(total_err + err)
        total_abs = _up(total_abs + mag)
    if len(ks) > 1:
        total_err = _up(total_err + _up(gamma(len(ks) - 1) * total_abs))
    return K, total_err


def jjt_with_error(net: ReLUNetwork, X) -> tuple[np.ndarray, np.ndarray]:
    r"""``(M, E)``: ``M = fl(J J^T)`` for ``J = net.jacobian(X)`` and ``E >= |M - J_e J_e^T|``.

    Each entry of J is one rounded product, ``|J - J_e| <= u |J_e| + eta =: Delta`` with
    ``|J_e| <= (|J| + eta) / (1 - u)``; hence ``|J J^T - J_e J_e^T| <= Delta |J|^T + |J_e| Delta^T``,
    plus the matrix product's ``gamma_P |J||J|^T + P eta (1 + gamma_P)``."""
    X = _check(net, X)
    J = net.jacobian(X)
    M = J @ J.T
    P = J.shape[1]
    A = np.abs(J)
    Ae = _up(_up(A + TINY) / (1.0 - U))
    D = _up(_up(U * Ae) + TINY)
    err = _up(_matmul_nonneg_upper(D, A.T) + _matmul_nonneg_upper(Ae, D.T))
    err = _up(err + _gram_error(gram_abs_upper(J), P))
    return M, err


def frobenius_upper(E: np.ndarray) -> float:
    """Upper bound of ``||E||_F`` (so of the spectral norm): the ``abs_err`` for numeric.eig."""
    return upper_fro_norm(E)
