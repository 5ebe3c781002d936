r"""Exact evaluation of the ReLU network of eq. (1) and of the objects of Section 4.1.

Float64 weights and data are dyadic rationals, and eq. (1) uses only sums, products and
``max(0, .)``, so every feature, pre-activation, back-propagation row and Jacobian entry of the
network *with those weights* is again a dyadic rational. This module computes them exactly, as
Python integers times a power of two (:class:`Dyadic`); nothing is rounded.

What it gives (paper notation, 1-based layer indices, ``F_0 = X``):

* :func:`exact_features`: ``g_l = F_{l-1} W_l``, ``F_l = sigma(g_l)`` (l in [L-1]), the output
  ``F_L(theta)``, and the rows of ``B_k`` by the product formula of Section 4.1 evaluated right to
  left, ``(B_k)_{i:} = Sigma_k(x_i) W_{k+1} Sigma_{k+1}(x_i) ... W_L`` (``B_{L-1} = Sigma_{L-1} W_L``),
  with ``B_L`` the column of ones (the paper prints ``1_N / sqrt(N)``; see :func:`decomposition`).
* :func:`exact_jacobian`: ``J`` of eq. (2) by *forward-mode* differentiation (tangents pushed from
  each weight to the output), an algorithm independent of the back-propagation rows ``B_k``; with
  sigma'(0) = 0 as in the paper. Columns are ``[vec(W_1), ..., vec(W_L)]`` in column-major order,
  as in :meth:`numeric.network.ReLUNetwork.jacobian`.
* :func:`decomposition`: ``sum_{k=0}^{L-1} (F_k F_k^T) o (B_{k+1} B_{k+1}^T)`` (the identity above
  (24)), exactly, with ``B_L = 1`` or with the paper's literal ``B_L = 1_N / sqrt(N)``.

Meant for small networks: the cost is that of the float computation times big-integer overhead
(forward mode: about ``N P max_l n_l`` integer products for ``P`` parameters).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import libmp

from .data import validate_data
from .network import ReLUNetwork

__all__ = ["Dyadic", "ExactFeatures", "exact_features", "exact_jacobian", "decomposition",
           "exact_output", "as_mpf_matrix"]


@dataclass(frozen=True)
class Dyadic:
    """The exact array ``m * 2**e``: ``m`` an object array of Python ints, ``e`` an int."""

    m: np.ndarray
    e: int

    @classmethod
    def of(cls, A) -> "Dyadic":
        """The exact value of a finite float64 array (or of Python/NumPy integers)."""
        arr = np.asarray(A)
        if arr.dtype == object:
            if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in arr.flat):
                raise TypeError("object arrays must hold Python integers")
            return cls(arr.astype(object), 0)
        if arr.dtype.kind in "iu":
            return cls(arr.astype(object), 0)
        if arr.dtype.kind != "f":
            raise TypeError(f"expected a real float array, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError("array contains NaN or infinite entries")
        frac, ex = np.frexp(arr)
        man = np.ldexp(frac, 53).astype(np.int64)  # exact: |frac| < 1 has 53 significant bits
        ex = ex.astype(np.int64) - 53
        nz = man != 0
        e0 = int(ex[nz].min()) if nz.any() else 0
        shift = np.where(nz, ex - e0, 0).astype(object)
        return cls(man.astype(object) << shift, e0)

    # -- arithmetic ---------------------------------------------------------------------------
    def _aligned(self, other: "Dyadic"):
        e = min(self.e, other.e)
        return self.m << (self.e - e), other.m << (other.e - e), e

    def __add__(self, other: "Dyadic") -> "Dyadic":
        a, b, e = self._aligned(other)
        return Dyadic(a + b, e)

    def __sub__(self, other: "Dyadic") -> "Dyadic":
        a, b, e = self._aligned(other)
        return Dyadic(a - b, e)

    def __mul__(self, other: "Dyadic") -> "Dyadic":
        """Entrywise (Hadamard) product, with NumPy broadcasting."""
        return Dyadic(self.m * other.m, self.e + other.e)

    def __matmul__(self, other: "Dyadic") -> "Dyadic":
        return Dyadic(self.m @ other.m, self.e + other.e)

    @property
    def T(self) -> "Dyadic":
        return Dyadic(self.m.T, self.e)

    @property
    def shape(self):
        return self.m.shape

    def relu(self) -> "Dyadic":
        return Dyadic(np.where(self.m > 0, self.m, 0).astype(object), self.e)

    def positive(self) -> np.ndarray:
        """Boolean array [value > 0] (the mask Sigma with sigma'(0) = 0)."""
        return np.asarray(self.m > 0, dtype=bool)

    def gram(self) -> "Dyadic":
        """``A A^T``."""
        return Dyadic(self.m @ self.m.T, 2 * self.e)

    def row_sumsq(self) -> "Dyadic":
        """``||A_{i:}||_2^2`` for every row i."""
        return Dyadic((self.m * self.m).sum(axis=1), 2 * self.e)

    # -- conversions --------------------------------------------------------------------------
    def fraction(self, index) -> Fraction:
        """The exact value of one entry."""
        return Fraction(int(self.m[index])) * Fraction(2) ** self.e

    def fractions(self) -> np.ndarray:
        """Object array of exact ``Fraction`` values."""
        scale = Fraction(2) ** self.e
        out = np.empty(self.m.shape, dtype=object)
        out.flat[:] = [Fraction(int(x)) * scale for x in self.m.flat]
        return out

    def is_zero(self) -> bool:
        return not np.any(self.m != 0)

    def max_abs(self) -> Fraction:
        if self.m.size == 0:
            return Fraction(0)
        return Fraction(int(np.max(np.abs(self.m)))) * Fraction(2) ** self.e

    def to_float(self) -> np.ndarray:
        """Nearest-ish float64 values (for display; not rounded in a known direction)."""
        return np.array([float(Fraction(int(x)) * Fraction(2) ** self.e) for x in self.m.flat],
                        dtype=np.float64).reshape(self.m.shape)


def as_mpf_matrix(A) -> np.ndarray:
    """An object array of exact mpmath ``mpf`` values for a :class:`Dyadic` matrix (the input
    :func:`numeric.eig.lambda_min` and :func:`numeric.eig.decide` take exactly)."""
    if not isinstance(A, Dyadic):
        raise TypeError(f"expected a Dyadic matrix, got {type(A).__name__}")
    out = np.empty(A.m.shape, dtype=object)
    out.flat[:] = [mpmath.mp.make_mpf(libmp.from_man_exp(int(x), A.e)) for x in A.m.flat]
    return out


@dataclass(frozen=True)
class ExactFeatures:
    """Exact layer quantities (0-based lists, like :class:`numeric.network.Features`).

    g[l-1] = g_l (N x n_l), l = 1..L (g[L-1] is the output column); F[k] = F_k, k = 0..L-1;
    B[k-1] = B_k, k = 1..L (B_L the column of ones); margin = min |g_{l,j}(x_i)| over hidden
    layers l in [L-1] and samples whose input to layer l is not the zero vector (a Fraction, None
    for L = 1; 0 means some pre-activation is exactly 0, where the convention sigma'(0) = 0 is
    used); frozen = number of (sample, layer) pairs left out because that input is zero."""

    g: list
    F: list
    B: list
    margin: Fraction | None
    frozen: int = 0

    @property
    def L(self) -> int:
        return len(self.g)

    @property
    def N(self) -> int:
        return self.F[0].shape[0]

    @property
    def output(self) -> Dyadic:
        """F_L(theta), shape (N,)."""
        return Dyadic(self.g[-1].m[:, 0], self.g[-1].e)


def _weights(net) -> list:
    if isinstance(net, ReLUNetwork):
        return list(net.weights)
    if isinstance(net, (list, tuple)):
        return list(ReLUNetwork.from_weights(list(net)).weights)
    raise TypeError(f"expected a ReLUNetwork or a list of weight matrices, got {type(net).__name__}")


def _forward(W: list, X: np.ndarray):
    F = [Dyadic.of(X)]
    g = []
    Wd = [Dyadic.of(w) for w in W]
    for l, w in enumerate(Wd):
        G = F[-1] @ w
        g.append(G)
        if l < len(Wd) - 1:
            F.append(G.relu())
    return Wd, F, g


def exact_output(net, X) -> Dyadic:
    """F_L(theta) = [f_L(x_1), ..., f_L(x_N)] of eq. (1), exactly, shape (N,)."""
    W = _weights(net)
    X = validate_data(X, d=W[0].shape[0])
    _, _, g = _forward(W, X)
    return Dyadic(g[-1].m[:, 0], g[-1].e)


def exact_features(net, X) -> ExactFeatures:
    """Exact g_l, F_k and B_k (Section 4.1 product formula) for the rows of X; see the module
    docstring. ``net`` is a :class:`ReLUNetwork` or a list [W_1, ..., W_L]."""
    W = _weights(net)
    X = validate_data(X, d=W[0].shape[0])
    Wd, F, g = _forward(W, X)
    L, N = len(W), X.shape[0]
    B = [None] * L
    B[L - 1] = Dyadic(np.full((N, 1), 1, dtype=object), 0)
    if L > 1:
        # (B_{L-1})_{i:} = Sigma_{L-1}(x_i) W_L, then (B_k)_{i:} = Sigma_k(x_i) W_{k+1} (B_{k+1})_{i:}^T:
        # the product of Section 4.1 multiplied out from the right.
        B[L - 2] = Dyadic(F[L - 1].positive() * Wd[L - 1].m[:, 0][None, :], Wd[L - 1].e)
        for k in range(L - 2, 0, -1):
            T = B[k] @ Wd[k].T  # row i: W_{k+1} (B_{k+1})_{i:}^T
            B[k - 1] = Dyadic(np.where(F[k].positive(), T.m, 0).astype(object), T.e)
    # A sample whose input to layer l is the zero vector has g_l(x_i) = 0 for every W_l: such
    # rows are structurally frozen (not kinks) and are left out of the margin.
    margin, frozen = None, 0
    for l, G in enumerate(g[:-1]):
        live = np.asarray((F[l].m != 0).any(axis=1), dtype=bool)
        frozen += int(np.sum(~live))
        if live.any():
            v = Fraction(int(np.min(np.abs(G.m[live])))) * Fraction(2) ** G.e
            margin = v if margin is None else min(margin, v)
    return ExactFeatures(g=g, F=F, B=B, margin=margin, frozen=frozen)


def exact_jacobian(net, X) -> Dyadic:
    r"""J of eq. (2), exactly, by forward-mode differentiation (sigma'(0) = 0).

    For the block of W_m, the tangent of g_m(x_i) along (W_m)_{ab} is f_{m-1,a}(x_i) e_b; it is
    pushed through t_q = (Sigma_{q-1} t_{q-1}) W_q up to the output. Shape (N, sum_l n_{l-1} n_l),
    columns [vec(W_1), ..., vec(W_L)] with vec column-major."""
    W = _weights(net)
    X = validate_data(X, d=W[0].shape[0])
    Wd, F, g = _forward(W, X)
    L, N = len(W), X.shape[0]
    masks = [G.positive() for G in g[:-1]]
    blocks, exps = [], []
    for m in range(L):
        n_in, n_out = Wd[m].shape
        P = n_in * n_out
        p = np.arange(P)
        a, b = p % n_in, p // n_in
        # T[i, p, c] = d g_{m+1, c}(x_i) / d (W_{m+1})_{a_p b_p}  (0-based m)
        T = np.zeros((N, P, n_out), dtype=object)
        T[:, p, b] = F[m].m[:, a]
        e = F[m].e
        for q in range(m + 1, L):
            T = np.where(masks[q - 1][:, None, :], T, 0).astype(object) @ Wd[q].m
            e += Wd[q].e
        blocks.append(T[:, :, 0])
        exps.append(e)
    e0 = min(exps)
    J = np.concatenate([blk << (e - e0) for blk, e in zip(blocks, exps)], axis=1)
    return Dyadic(J, e0)


def decomposition(features: ExactFeatures, last: str = "ones", terms=None):
    r"""``sum_{k=0}^{L-1} (F_k F_k^T) o (B_{k+1} B_{k+1}^T)`` exactly (the identity above (24)).

    ``last="ones"``: B_L = 1 (a :class:`Dyadic` result). ``last="paper"``: the paper's literal
    ``B_L = 1_N / sqrt(N)``, so ``B_L B_L^T = 11^T / N`` (an object array of ``Fraction``).
    ``terms``: the k to include (default all of 0..L-1; a proper subset is a deliberately wrong
    decomposition for negative controls)."""
    if not isinstance(features, ExactFeatures):
        raise TypeError("features must come from exact_features")
    if last not in ("ones", "paper"):
        raise ValueError(f"last must be 'ones' or 'paper', got {last!r}")
    L, N = features.L, features.N
    ks = range(L) if terms is None else [int(k) for k in terms]
    total = None
    for k in ks:
        if not 0 <= k < L:
            raise ValueError(f"term index k must lie in [0, {L - 1}], got {k}")
        term = features.F[k].gram() * features.B[k].gram()
        total = term if total is None else total + term
    if total is None:
        total = Dyadic(np.zeros((N, N), dtype=object), 0)
    if last == "ones":
        return total
    out = total.fractions()
    if (L - 1) in ks:
        last_term = features.F[L - 1].gram().fractions()  # B_L B_L^T = 1 counted above
        out = out - last_term + last_term * Fraction(1, N)
    return out
