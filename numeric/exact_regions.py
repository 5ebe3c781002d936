"""Exact integer arithmetic for the bias-free ReLU feature maps g_k of Section 6 (dyadic weights).

Write every weight as W_l = M_l 2^-b with M_l an integer matrix (dyadic_weights rounds to such
weights) and every input as z = m / D with m an integer vector and D > 0. ReLU is positively
homogeneous, so

    g_l(z) = h_l / (D 2^(l b)),   h_1 = M_1^T m,   h_l = M_l^T sigma(h_{l-1})   (Python integers),

and activation patterns A_{1->k-1}(z), the Jacobians (35) J = W_k^T Sigma_{k-1} ... Sigma_1 W_1^T =
P_k 2^(-k b) (P_k an integer matrix), equalities g(z') - g(z) = J (z' - z) and difference quotients
are decided exactly. On top of it:

- segment_walk: the exact pieces of t -> g_k(z1 + t (z2 - z1)) on which A_{1->k-1} is constant
  (breakpoints are the rational roots t = -u_j / v_j, layer by layer);
- sweep_2d / rays_1d: every full-dimensional linear region of g_k for d = 2 (walk the boundary of
  [-1, 1]^2: an open sector meets it in an open arc) and d = 1 (the two rays), with an interior
  point of each and the kink points between them;
- opnorm_sq_enclosure: a proven enclosure of ||J||_op^2 (numeric.eig on the exact Gram matrix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from numeric.rational import to_fraction  # re-exported: part of this module's API

from .regions import validate_weights

__all__ = [
    "dyadic_weights",
    "ExactNet",
    "ExactPiece",
    "ExactRegions",
    "opnorm_sq_enclosure",
    "to_fraction",
]


def dyadic_weights(weights, bits: int = 20) -> list:
    """[W_1, ..., W_k] rounded to the nearest multiples of 2^-bits (float64, exact dyadic numbers)."""
    W = validate_weights(weights)
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 40:
        raise ValueError(f"bits must be an integer in [1, 40], got {bits!r}")
    out = [np.round(A * 2.0**bits) / 2.0**bits for A in W]
    if any(np.max(np.abs(A)) * 2.0**bits >= 2.0**52 for A in out):
        raise ValueError("weights too large for exact dyadic rounding at this many bits")
    return out





def _sign(arr: np.ndarray) -> np.ndarray:
    return (arr > 0).astype(np.int8) - (arr < 0).astype(np.int8)


def _int_matrix(A: np.ndarray) -> np.ndarray:
    return np.array(A.astype(np.int64).tolist(), dtype=object).reshape(A.shape)


def _default_mask(layer: int, signs: np.ndarray) -> np.ndarray:
    """Sigma_l = diag[g_l > 0]: the derivative of ReLU off its kink."""
    return (signs > 0).astype(np.int64)


@dataclass(frozen=True)
class ExactPiece:
    """t in [lo, hi] (exact) on which A_{1->k-1}(z1 + t dz) = pattern."""

    lo: Fraction
    hi: Fraction
    pattern: np.ndarray


@dataclass(frozen=True)
class ExactRegions:
    """Every full-dimensional linear region (d <= 2) or the k = 1 region, exactly.

    patterns (R, n_1+...+n_{k-1}) int8: canonical (0 exactly where g_lj vanishes identically on the
    region); points: an exact interior point (tuple of Fractions) per region; kinks: exact points
    where the pattern changes (the origin included), where at least one pre-activation is 0."""

    patterns: np.ndarray
    points: list
    kinks: list
    method: str

    @property
    def count(self) -> int:
        return int(self.patterns.shape[0])


class ExactNet:
    """g_k with dyadic weights [W_1, ..., W_k] (multiples of 2^-bits), evaluated exactly."""

    def __init__(self, weights, bits: int = 20):
        W = validate_weights(weights)
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 40:
            raise ValueError(f"bits must be an integer in [1, 40], got {bits!r}")
        scaled = [A * 2.0**bits for A in W]
        if any(not np.array_equal(S, np.round(S)) for S in scaled):
            raise ValueError(f"weights are not multiples of 2^-{bits}; round them with dyadic_weights")
        if any(np.max(np.abs(S)) >= 2.0**52 for S in scaled):
            raise ValueError("weights too large for exact integer conversion")
        self.weights = W
        self.bits = bits
        self.M = [_int_matrix(S) for S in scaled]
        self.k = len(W)
        self.d = W[0].shape[0]
        self.widths = [self.d] + [A.shape[1] for A in W]
        self.hidden = self.widths[1:-1]

    # ------------------------------------------------------------------------------------------
    # points and forward pass

    def integer_points(self, Z):
        """Z (N, d) of floats/ints/Fractions -> (m (N, d) object ints, D (N,) positive ints), Z = m / D."""
        rows = [list(r) for r in (Z if isinstance(Z, (list, tuple)) else np.asarray(Z, dtype=object))]
        if any(len(r) != self.d for r in rows):
            raise ValueError(f"points must have d = {self.d} coordinates")
        m_rows, dens = [], []
        for r in rows:
            fr = [to_fraction(x) for x in r]
            D = math.lcm(*[f.denominator for f in fr])
            m_rows.append([f.numerator * (D // f.denominator) for f in fr])
            dens.append(D)
        m = np.empty((len(rows), self.d), dtype=object)
        m[:, :] = m_rows if rows else np.zeros((0, self.d))
        return m, np.array(dens, dtype=object)

    def _h(self, m: np.ndarray) -> list:
        h = [m @ self.M[0]]
        for A in self.M[1:]:
            h.append(np.where(h[-1] > 0, h[-1], 0) @ A)
        return h

    def patterns(self, Z) -> np.ndarray:
        """A_{1->k-1}(z) for each row z of Z, exactly: (N, n_1+...+n_{k-1}) int8."""
        m, _ = self.integer_points(Z)
        h = self._h(m)[:-1]
        if not h:
            return np.zeros((m.shape[0], 0), np.int8)
        return np.concatenate([_sign(x) for x in h], axis=1)

    def g(self, Z) -> np.ndarray:
        """g_k(z) for each row z of Z as an (N, n_k) object array of Fractions (exact)."""
        m, D = self.integer_points(Z)
        h = self._h(m)[-1]
        scale = 2 ** (self.k * self.bits)
        out = np.empty(h.shape, dtype=object)
        for i in range(h.shape[0]):
            out[i] = [Fraction(int(x), int(D[i]) * scale) for x in h[i]]
        return out

    # ------------------------------------------------------------------------------------------
    # Jacobians

    def split(self, pattern) -> list:
        p = np.asarray(pattern).astype(np.int64).ravel()
        if p.shape[0] != sum(self.hidden):
            raise ValueError(f"pattern must have length {sum(self.hidden)}, got {p.shape[0]}")
        return np.split(p, np.cumsum(self.hidden)[:-1]) if self.hidden else []

    def layer_maps(self, pattern, masks: Callable | None = None) -> list:
        """[P_1, ..., P_k] integer matrices (n_l, d) with A_l(s) = P_l 2^(-l b): g_l = A_l z on the
        region of pattern s. masks(l, s_l) -> 0/1 vector gives Sigma_l (default [s_l > 0])."""
        rule = masks or _default_mask
        blocks = self.split(pattern)
        P = [self.M[0].T.copy()]
        for l in range(1, self.k):
            mask = np.asarray(rule(l, blocks[l - 1])).astype(np.int64)
            if mask.shape != (self.hidden[l - 1],) or not np.all((mask == 0) | (mask == 1)):
                raise ValueError("a mask must be a 0/1 vector of the layer's width")
            P.append(self.M[l].T @ (mask.astype(object)[:, None] * P[-1]))
        return P

    def jacobian(self, pattern, masks: Callable | None = None) -> np.ndarray:
        """P_k with J(g_k) = P_k 2^(-k b) on the region of pattern s (eq. 35)."""
        return self.layer_maps(pattern, masks)[-1]

    def backprop_jacobian(self, z, sigma_prime_zero: int = 0) -> np.ndarray:
        """P_k of (35) at the point z with Sigma_l = diag(sigma'(g_l(z))), sigma'(0) = sigma_prime_zero."""
        if sigma_prime_zero not in (0, 1):
            raise ValueError("sigma_prime_zero must be 0 or 1")
        m, _ = self.integer_points([z])
        h = self._h(m)
        P = self.M[0].T.copy()
        for l in range(1, self.k):
            hl = h[l - 1][0]
            mask = ((hl > 0) | ((hl == 0) & bool(sigma_prime_zero))).astype(np.int64).astype(object)
            P = self.M[l].T @ (mask[:, None] * P)
        return P

    def to_float(self, P: np.ndarray) -> np.ndarray:
        """The float64 value of J = P 2^(-k b)."""
        return np.ldexp(np.array([[float(x) for x in row] for row in P]).reshape(P.shape), -self.k * self.bits)

    def zero_kinds(self, pattern) -> np.ndarray:
        """For each hidden neuron of the canonical pattern s: '' when g_lj is not identically zero on
        the region, 'dead' when it vanishes because Sigma_{l-1} A_{l-1}(s) = 0 (every neuron of layer l-1
        is off or itself vanishes: a positive-probability event), 'cancelled' when the row
        a_lj(s) = W_l[:, j]^T Sigma_{l-1} A_{l-1}(s) cancels although Sigma_{l-1} A_{l-1}(s) != 0 (a
        null set of weights; for l = 1 a zero column of W_1)."""
        P = self.layer_maps(pattern)
        blocks = self.split(pattern)
        kinds = []
        for l in range(self.k - 1):
            zero_rows = np.array([all(x == 0 for x in row) for row in P[l]])
            if l == 0:
                upstream_zero = False
            else:
                mask = (blocks[l - 1] > 0).astype(np.int64).astype(object)
                upstream_zero = all(x == 0 for x in (mask[:, None] * P[l - 1]).ravel())
            kinds.append(np.where(zero_rows, "dead" if upstream_zero else "cancelled", ""))
        return np.concatenate(kinds) if kinds else np.zeros(0, dtype="<U9")

    # ------------------------------------------------------------------------------------------
    # segments and regions

    def segment_walk(self, z1, z2) -> list:
        """Exact pieces [lo, hi] of t in [0, 1] on which A_{1->k-1}(z1 + t (z2 - z1)) is constant.

        On a piece where layers < l have fixed signs, g_l(z(t)) is affine in t, so the layer-l
        breakpoints are the roots -u_j / v_j inside the piece; the signs of a sub-piece are read at
        its midpoint (a 0 there means u_j = v_j = 0: g_lj vanishes on the whole sub-piece)."""
        m, D = self.integer_points([z1, z2])
        Dc = math.lcm(int(D[0]), int(D[1]))
        a = m[0] * (Dc // int(D[0]))
        b = m[1] * (Dc // int(D[1])) - a
        pieces = [(Fraction(0), Fraction(1), a @ self.M[0], b @ self.M[0], [])]
        for l in range(self.k - 1):
            new = []
            for lo, hi, u, v, pats in pieces:
                roots = set()
                for uj, vj in zip(u, v):
                    if vj != 0:
                        t = Fraction(-int(uj), int(vj))
                        if lo < t < hi:
                            roots.add(t)
                cuts = [lo] + sorted(roots) + [hi]
                for t0, t1 in zip(cuts[:-1], cuts[1:]):
                    mid = (t0 + t1) / 2
                    s = _sign(u * mid.denominator + v * mid.numerator)
                    mask = (s > 0).astype(np.int64).astype(object)
                    new.append((t0, t1, (mask * u) @ self.M[l + 1], (mask * v) @ self.M[l + 1], pats + [s]))
            pieces = new
        return [ExactPiece(lo, hi, np.concatenate(p) if p else np.zeros(0, np.int8)) for lo, hi, _, _, p in pieces]

    def regions(self) -> ExactRegions:
        """Every full-dimensional linear region, exactly: k = 1, d = 1 or d = 2 (else ValueError)."""
        if self.k == 1:
            z = tuple(Fraction(int(i == 0)) for i in range(self.d))
            return ExactRegions(np.zeros((1, 0), np.int8), [z], [], "exact-trivial")
        if self.d == 1:
            return self._rays_1d()
        if self.d == 2:
            return self._sweep_2d()
        raise ValueError(f"exact region enumeration needs d <= 2 or k = 1, got d = {self.d}")

    def _rays_1d(self) -> ExactRegions:
        pts = [(Fraction(1),), (Fraction(-1),)]
        P = self.patterns(pts)
        if np.array_equal(P[0], P[1]):
            return ExactRegions(P[:1], pts[:1], [(Fraction(0),)], "exact-rays")
        return ExactRegions(P, pts, [(Fraction(0),)], "exact-rays")

    def _sweep_2d(self) -> ExactRegions:
        corners = [(1, -1), (1, 1), (-1, 1), (-1, -1)]
        runs = []  # [pattern, interior point, end point]
        for e in range(4):
            c0, c1 = corners[e], corners[(e + 1) % 4]
            for pc in self.segment_walk(c0, c1):
                def at(t):
                    return tuple(Fraction(c0[i]) + t * (c1[i] - c0[i]) for i in range(2))
                if runs and np.array_equal(runs[-1][0], pc.pattern):
                    runs[-1][2] = at(pc.hi)
                else:
                    runs.append([pc.pattern, at((pc.lo + pc.hi) / 2), at(pc.hi)])
        if len(runs) > 1 and np.array_equal(runs[0][0], runs[-1][0]):
            runs[0][1] = runs[-1][1]
            runs.pop()
        kinks = [(Fraction(0), Fraction(0))]
        if len(runs) > 1:
            kinks += [r[2] for r in runs]
        return ExactRegions(np.array([r[0] for r in runs], np.int8).reshape(len(runs), -1),
                            [r[1] for r in runs], kinks, "exact-sweep")

    def one_sided_derivative(self, z, u) -> np.ndarray:
        """D g_k(z; u) = lim_{h->0+} (g_k(z + h u) - g_k(z)) / h, exactly (Fractions): g_k is affine on
        [z, z + t_1 u] up to the first breakpoint t_1 of the walk from z along u."""
        z = [to_fraction(x) for x in z]
        u = [to_fraction(x) for x in u]
        far = [zi + ui for zi, ui in zip(z, u)]
        t1 = self.segment_walk(z, far)[0].hi
        h = t1 / 2
        g0, g1 = self.g([z, [zi + h * ui for zi, ui in zip(z, u)]])
        return np.array([(b - a) / h for a, b in zip(g0, g1)], dtype=object)


def opnorm_sq_enclosure(P: np.ndarray, scale_bits: int, dps: int = 50) -> tuple[Fraction, Fraction]:
    """Proven lo <= ||P 2^-scale_bits||_op^2 <= hi for an integer matrix P (object ints).

    ||P||_op^2 = lambda_max(G) for G = P P^T or P^T P (the smaller one, exact integers), enclosed by
    numeric.eig.lambda_min(-G) (Kato-Temple / LDL^T certificates at about dps digits)."""
    from .eig import lambda_min

    P = np.asarray(P, dtype=object)
    if P.ndim != 2 or min(P.shape) < 1:
        raise ValueError("P must be a non-empty 2-D integer matrix")
    if all(x == 0 for x in P.ravel()):
        return Fraction(0), Fraction(0)
    G = P @ P.T if P.shape[0] <= P.shape[1] else P.T @ P
    enc = lambda_min(-G, method="mpmath", dps=dps)
    if not enc.certified:
        raise RuntimeError("internal error: the enclosure is not certified")
    scale = Fraction(1, 2 ** (2 * scale_bits))
    return -to_fraction(enc.hi) * scale, -to_fraction(enc.lo) * scale
