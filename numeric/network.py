"""The finite bias-free ReLU network of eq. (1), its Jacobian (2) and its empirical NTK (3).

Notation follows the paper: widths n_0 = d, n_1, ..., n_{L-1}, n_L = 1; weights W_l of shape
(n_{l-1}, n_l); on a data matrix X = [x_1, ..., x_N]^T (N x d)

    F_0 = X,  G_l = F_{l-1} W_l,  F_l = sigma(G_l)  (l in [L-1]),  F_L(theta) = G_L = F_{L-1} W_L,

with sigma = ReLU and the back-propagation convention sigma'(0) = 0, so Sigma_l = [G_l > 0].
Section 4.1 writes the NTK as

    Kbar = J J^T = sum_{k=0}^{L-1} (F_k F_k^T) o (B_{k+1} B_{k+1}^T),

where row i of B_k is d f_L(x_i) / d g_k(x_i), i.e. B_L = 1 (an N x 1 column of ones) and
B_k = (B_{k+1} W_{k+1}^T) o Sigma_k for k in [L-1]. NOTE: the paper prints B_L = 1_N / sqrt(N);
with that choice the k = L-1 term would be (1/N) F_{L-1} F_{L-1}^T instead of F_{L-1} F_{L-1}^T
(the gradient of f_L(x_i) with respect to W_L is f_{L-1}(x_i)), so the identity needs B_L = 1.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np
from scipy.linalg.blas import dsyrk

from .data import as_generator, validate_data

__all__ = ["Features", "ReLUNetwork", "INITS"]

INITS = ("standard", "he", "lecun")


@dataclass(frozen=True)
class Features:
    """Layer-wise quantities of eq. (1) and Section 4.1 on N samples (lists are 0-based).

    g[l-1]     = G_l = F_{l-1} W_l, shape (N, n_l), l = 1..L (g[L-1] is the output, N x 1)
    F[k]       = F_k, shape (N, n_k), k = 0..L-1 (F[0] = X)
    masks[l-1] = Sigma_l as a boolean array [G_l > 0] (sigma'(0) = 0), shape (N, n_l), l = 1..L-1
    B[k-1]     = B_k, shape (N, n_k), k = 1..L; B_L is the N x 1 column of ones
    """

    g: list
    F: list
    masks: list
    B: list

    @property
    def output(self) -> np.ndarray:
        """F_L(theta) = [f_L(x_1), ..., f_L(x_N)], shape (N,)."""
        return self.g[-1][:, 0]

    @property
    def N(self) -> int:
        return self.F[0].shape[0]

    @property
    def L(self) -> int:
        return len(self.g)


def _check_widths(widths) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise TypeError(f"widths must be a sequence of positive integers, got {widths!r}")
    out = []
    for n in widths:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"widths must contain integers, got {n!r}")
        if n < 1:
            raise ValueError(f"every width must be >= 1, got {list(widths)}")
        out.append(int(n))
    if not out:
        raise ValueError("widths must contain at least the input dimension d")
    # Accept [d, n_1, ..., n_{L-1}] and [d, n_1, ..., n_{L-1}, 1]: a final 1 is read as n_L.
    if len(out) >= 2 and out[-1] == 1:
        out = out[:-1]
    return tuple(out) + (1,)


class ReLUNetwork:
    """A bias-free fully connected ReLU network, eq. (1), with L = len(weights) >= 1 layers.

    Attributes: ``weights`` (list [W_1, ..., W_L], read-only float64, W_l of shape
    (n_{l-1}, n_l)), ``widths`` (n_0 = d, n_1, ..., n_L = 1), ``betas`` (the standard deviations
    beta_l of (W_l)_ij ~ N(0, beta_l^2), or None when built by ``from_weights``), ``L``, ``d``,
    ``n_params`` = sum_l n_{l-1} n_l. L = 1 is the linear model f_1(x) = W_1^T x.
    """

    def __init__(self, weights, betas=None, init=None, *, _owned=False):
        # _owned: `weights` are fresh float64 arrays made by `init`; they are checked for overflow
        # and frozen in place instead of being validated and copied (a copy of an 8192 x 8192
        # layer costs as much as a third of drawing it).
        self.weights = self._freeze(weights) if _owned else self._check_weights(weights)
        self.widths = (self.weights[0].shape[0],) + tuple(W.shape[1] for W in self.weights)
        self.L = len(self.weights)
        self.d = self.widths[0]
        self.n_params = sum(W.size for W in self.weights)
        self.betas = None if betas is None else tuple(float(b) for b in betas)
        self.init_name = init

    # ------------------------------------------------------------------ construction
    @classmethod
    def init(cls, widths, init="standard", seed=None) -> "ReLUNetwork":
        """Random network with (W_l)_ij ~ N(0, beta_l^2) i.i.d. (Section 2).

        ``widths`` is [d, n_1, ..., n_{L-1}] or [d, n_1, ..., n_{L-1}, 1]: a trailing 1 is read as
        the output width n_L = 1 (so a last hidden layer of width 1 must be written [..., 1, 1]).
        ``init``: "standard" beta_l = 1 (the limit (4)); "he" beta_l^2 = 2 / n_{l-1};
        "lecun" beta_l^2 = 1 / n_{l-1}; or a sequence of L positive finite betas.
        ``seed``: None, an int or a numpy Generator.
        """
        full = _check_widths(widths)
        L = len(full) - 1
        fan_in = np.asarray(full[:-1], dtype=np.float64)
        if isinstance(init, str):
            if init == "standard":
                betas = np.ones(L)
            elif init == "he":
                betas = np.sqrt(2.0 / fan_in)
            elif init == "lecun":
                betas = np.sqrt(1.0 / fan_in)
            else:
                raise ValueError(f"init must be one of {INITS} or a sequence of {L} betas, got {init!r}")
            name = init
        else:
            try:
                betas = np.asarray(init, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"init must be one of {INITS} or a sequence of betas, got {init!r}") from None
            if betas.ndim != 1 or betas.shape[0] != L:
                raise ValueError(f"expected a sequence of L = {L} betas, got shape {betas.shape}")
            if not np.all(np.isfinite(betas)) or np.any(betas <= 0):
                raise ValueError(f"betas must be finite and positive, got {betas.tolist()}")
            name = "custom"
        rng = as_generator(seed)
        weights = []
        for l, b in enumerate(betas):
            W = rng.standard_normal((full[l], full[l + 1]))
            with np.errstate(over="ignore"):  # an overflow is refused by _freeze, with its layer
                W *= b
            weights.append(W)
        return cls(weights, betas=betas, init=name, _owned=True)

    @staticmethod
    def _freeze(weights) -> list:
        for l, W in enumerate(weights, start=1):
            if not np.all(np.isfinite(W)):  # a huge custom beta overflows
                raise ValueError(f"W_{l} contains infinite entries (beta_{l} too large)")
            W.setflags(write=False)
        return weights

    @classmethod
    def from_weights(cls, weights) -> "ReLUNetwork":
        """Network with the given [W_1, ..., W_L]; W_l of shape (n_{l-1}, n_l), W_L of shape
        (n_{L-1}, 1) or 1-D of length n_{L-1}. The arrays are copied."""
        return cls(weights)

    @staticmethod
    def _check_weights(weights) -> list:
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence):
            raise TypeError("weights must be a list [W_1, ..., W_L] of 2-D arrays")
        if len(weights) < 1:
            raise ValueError("weights must contain at least one matrix")
        out = []
        for l, W in enumerate(weights, start=1):
            arr = np.asarray(W)
            if arr.dtype == object or not (
                np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
            ) or np.iscomplexobj(arr):
                raise TypeError(f"W_{l} must be a real numeric array, got dtype {arr.dtype}")
            if l == len(weights) and arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                raise ValueError(f"W_{l} must be 2-D of shape (n_{l-1}, n_{l}), got shape {arr.shape}")
            if arr.shape[0] < 1 or arr.shape[1] < 1:
                raise ValueError(f"W_{l} has an empty dimension, shape {arr.shape}")
            if out and arr.shape[0] != out[-1].shape[1]:
                raise ValueError(
                    f"W_{l} has {arr.shape[0]} rows but W_{l-1} has {out[-1].shape[1]} columns"
                )
            arr = np.array(arr, dtype=np.float64, copy=True)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"W_{l} contains NaN or infinite entries")
            arr.setflags(write=False)
            out.append(arr)
        if out[-1].shape[1] != 1:
            raise ValueError(f"W_L must have shape (n_(L-1), 1) (single output), got {out[-1].shape}")
        return out

    def __repr__(self) -> str:
        return f"ReLUNetwork(widths={self.widths}, init={self.init_name!r})"

    # ------------------------------------------------------------------ passes
    def _forward(self, X: np.ndarray, keep_g: bool):
        """F_0, ..., F_{L-1}, the pre-activations G_1, ..., G_{L-1} (when keep_g) and G_L.

        With keep_g False the ReLU is applied in place, overwriting G_l by F_l; both modes perform
        the same floating-point operations, so every method sees bit-identical features.
        """
        F, g = [X], []
        for W in self.weights[:-1]:
            G = F[-1] @ W
            if keep_g:
                g.append(G)
                F.append(np.maximum(G, 0.0))
            else:
                F.append(np.maximum(G, 0.0, out=G))
        return F, g, F[-1] @ self.weights[-1]

    def _backward_step(self, B_next: np.ndarray, k: int, F_k: np.ndarray) -> np.ndarray:
        """B_k = (B_{k+1} W_{k+1}^T) o Sigma_k (Section 4.1), k the paper's 1-based index, using
        Sigma_k = [G_k > 0] = [F_k > 0]."""
        mask = F_k > 0.0
        if k == self.L - 1:
            return mask * self.weights[-1][:, 0]  # B_L W_L^T with B_L = 1 is the row W_L^T
        T = B_next @ self.weights[k].T  # BLAS reads the transpose in place (no copy of W)
        return np.multiply(T, mask, out=T)

    def features(self, X) -> Features:
        """G_l, F_k, Sigma_l and B_k of eq. (1) and Section 4.1 for the rows of X (see Features)."""
        X = validate_data(X, d=self.d)
        F, g, out = self._forward(X, keep_g=True)
        g.append(out)
        B = [None] * self.L
        B[-1] = np.ones((X.shape[0], 1))
        for k in range(self.L - 1, 0, -1):
            B[k - 1] = self._backward_step(B[k], k, F[k])
        masks = [F_k > 0.0 for F_k in F[1:]]
        return Features(g=g, F=F, masks=masks, B=B)

    def forward(self, X) -> np.ndarray:
        """F_L(theta) = [f_L(x_1), ..., f_L(x_N)]^T of eq. (1), shape (N,)."""
        X = validate_data(X, d=self.d)
        _, _, out = self._forward(X, keep_g=False)
        return out[:, 0]

    __call__ = forward

    def jacobian(self, X) -> np.ndarray:
        """The explicit Jacobian J of eq. (2), shape (N, sum_l n_{l-1} n_l), by back-propagation
        with sigma'(0) = 0.

        Columns are [vec(W_1), ..., vec(W_L)] with vec the column-major (Fortran) vectorisation:
        the column of (W_l)_{ab} (0-based a < n_{l-1}, b < n_l) is offset_l + a + b n_{l-1}. Row i
        of block l is vec(f_{l-1}(x_i) (B_l)_{i:}) = (B_l)_{i:} kron f_{l-1}(x_i).
        """
        feats = self.features(X)
        N = feats.N
        blocks = [
            (feats.B[l][:, :, None] * feats.F[l][:, None, :]).reshape(N, -1) for l in range(self.L)
        ]
        return np.concatenate(blocks, axis=1)

    def ntk(self, X) -> np.ndarray:
        """The empirical NTK Gram matrix Kbar = J J^T of eq. (3), (N, N), without forming J:

            Kbar = sum_{k=0}^{L-1} (F_k F_k^T) o (B_{k+1} B_{k+1}^T)      (Section 4.1, B_L = 1).

        Each Gram factor is one symmetric rank-n_k update (BLAS dsyrk, upper triangle only); the
        terms are accumulated while back-propagating, so memory is O(N sum_k n_k + N^2). The
        result is exactly symmetric.
        """
        X = validate_data(X, d=self.d)
        N = X.shape[0]
        F, _, _ = self._forward(X, keep_g=False)
        # Term k = L-1: B_L B_L^T is the all-ones matrix, so it is F_{L-1} F_{L-1}^T itself.
        K = dsyrk(1.0, F[-1].T, trans=1, c=np.zeros((N, N), order="F"), overwrite_c=1)
        if self.L > 1:
            P = np.zeros((N, N), order="F")
            Q = np.zeros((N, N), order="F")
            B = np.ones((N, 1))
            for k in range(self.L - 1, 0, -1):
                B = self._backward_step(B, k, F[k])
                F[k] = None  # F_k is not needed once B_k is formed
                P = dsyrk(1.0, F[k - 1].T, trans=1, c=P, overwrite_c=1)
                Q = dsyrk(1.0, B.T, trans=1, c=Q, overwrite_c=1)
                np.multiply(P, Q, out=P)
                K += P
        # dsyrk writes the upper triangle only, so the strict lower triangle of K is still the
        # zeros it was allocated with (P and Q likewise): mirroring is one addition.
        full = K + K.T
        np.fill_diagonal(full, K.diagonal())
        return full
