"""Activation patterns, back-propagation Jacobians (eq. 35) and exact linear regions of g_k (Section 6).

Notation: weights [W_1, ..., W_k], W_l of shape (n_{l-1}, n_l), n_0 = d, and the bias-free
pre-activation feature maps

    g_1(z) = W_1^T z,    g_l(z) = W_l^T sigma(g_{l-1}(z))  (l = 2..k),   sigma = ReLU.

A_{1->k-1}(z) in {-1,0,1}^{n_1+...+n_{k-1}} is the sign pattern of g_1, ..., g_{k-1} (Section 6).
On the set of z with a fixed pattern s every pre-activation is linear, g_lj(z) = a_lj(s)^T z with
A_l(s) = W_l^T Sigma_{l-1}(s) A_{l-1}(s), A_1 = W_1^T, Sigma_l(s) = diag[s_l > 0]; so that set is the
open polyhedral cone {z : s_lj a_lj(s)^T z > 0 for every a_lj(s) != 0} (no biases: g_k is positively
homogeneous and regions are cones). A *linear region* is such a set when it is full-dimensional;
rows a_lj(s) that vanish identically (a dead layer upstream) carry sign 0 and no constraint.
On a region J(g_k) = A_k(s), which is the product (35).

Two exact enumerations: a breadth-first walk over facets with one HiGHS LP per region and per facet
(any d), and for d = 2 a sweep of the boundary of the square [-1,1]^2, on which every pre-activation is
piecewise linear in the sweep parameter, so breakpoints are roots of linear functions, layer by layer.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog, nnls

__all__ = [
    "validate_weights",
    "preactivations",
    "activation_pattern",
    "backprop_jacobian",
    "jacobian_for_pattern",
    "layer_maps",
    "region_pattern",
    "region_constraints",
    "region_margin",
    "SegmentPieces",
    "segment_walk",
    "RegionEnumeration",
    "enumerate_regions",
    "grid_patterns_2d",
    "region_count_bounds",
    "LipschitzExact",
    "lipschitz_exact",
    "lemma_6_1_rhs",
    "LP_TOL",
]

# Full-dimensionality threshold of the slack LP. Rows are unit vectors and z lies in [-1,1]^d, so t* is
# the radius of a ball inside (region cap box): t* > 1e-9 is 5 orders above HiGHS' feasibility
# tolerance (set to 1e-10 below) and 7 above float64 rounding of the pattern evaluation; every accepted
# interior point is re-verified by evaluating the pattern forward and its distance to every facet.
LP_TOL = 1e-9
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
# Breakpoints of the sweep closer than this (in the segment parameter t in [0, 1]) are one breakpoint:
# coincident hyperplanes (duplicated neurons, a layer with a single active neuron) round to roots that
# differ by ~1e-16; a genuine region this thin (angle < 1e-12) is reported in the diagnostics.
_BREAK_TOL = 1e-12
# Relative cancellation below which a row a_lj(s) counts as identically zero (see _analyze): rounding
# of the sums forming a_lj is ~ l n eps ~ 1e-13 of the summed magnitudes for the widths used here.
_ZERO_TOL = 1e-10
# Two unit constraint rows closer than this are the same hyperplane (same facet).
_ROW_TOL = 1e-10
# A facet candidate c_i is dropped as redundant when its distance to cone(other rows) is below this.
_NNLS_TOL = 1e-12


# ----------------------------------------------------------------------------------------------------
# validation


def validate_weights(weights) -> list:
    """Check [W_1, ..., W_k] (W_l of shape (n_{l-1}, n_l), finite, chained) and return float64 copies."""
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError("weights must be a list [W_1, ..., W_k] of 2-D arrays")
    if len(weights) < 1:
        raise ValueError("weights must contain at least one matrix W_1")
    out = []
    for l, W in enumerate(weights, start=1):
        arr = np.asarray(W)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"W_{l} must be a real numeric array, got dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ValueError(f"W_{l} must be 2-D of shape (n_{l-1}, n_{l}), got shape {arr.shape}")
        if min(arr.shape) < 1:
            raise ValueError(f"W_{l} has an empty dimension, shape {arr.shape}")
        if out and arr.shape[0] != out[-1].shape[1]:
            raise ValueError(f"W_{l} has {arr.shape[0]} rows but W_{l-1} has {out[-1].shape[1]} columns")
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"W_{l} contains NaN or infinite entries")
        out.append(arr)
    return out


def _points(z, d: int):
    """Return (Z of shape (N, d), was_single) for z of shape (d,) or (N, d)."""
    arr = np.asarray(z)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"z must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        if arr.shape[0] != d:
            raise ValueError(f"z must have length d = {d}, got {arr.shape[0]}")
        single, arr = True, arr[None, :]
    elif arr.ndim == 2:
        if arr.shape[1] != d:
            raise ValueError(f"z must have shape (N, {d}), got {arr.shape}")
        single = False
    else:
        raise ValueError(f"z must have shape (d,) or (N, d), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("z contains NaN or infinite entries")
    return arr, single


def _hidden_sizes(W: list) -> list:
    return [A.shape[1] for A in W[:-1]]


def _split_pattern(W: list, pattern) -> tuple:
    """Pattern(s) over layers 1..k-1 -> (list of (R, n_l) int8 blocks, was_single)."""
    sizes = _hidden_sizes(W)
    if isinstance(pattern, (list, tuple)) and len(sizes) > 0 and len(pattern) == len(sizes) and all(
        np.ndim(p) >= 1 for p in pattern
    ):
        pattern = np.concatenate([np.asarray(p) for p in pattern], axis=-1)
    arr = np.asarray(pattern)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"pattern must be numeric with entries in {{-1, 0, 1}}, got dtype {arr.dtype}")
    single = arr.ndim == 1
    arr = np.atleast_2d(arr)
    if arr.ndim != 2 or arr.shape[1] != sum(sizes):
        raise ValueError(f"pattern must have length n_1 + ... + n_(k-1) = {sum(sizes)}, got shape {np.shape(pattern)}")
    if not np.all(np.isin(arr, (-1, 0, 1))):
        raise ValueError("pattern entries must be -1, 0 or 1")
    arr = arr.astype(np.int8)
    blocks = np.split(arr, np.cumsum(sizes)[:-1], axis=1) if sizes else [arr]
    return blocks, single


# ----------------------------------------------------------------------------------------------------
# forward pass, patterns, Jacobians


def _forward(W: list, Z: np.ndarray) -> list:
    g = [Z @ W[0]]
    for A in W[1:]:
        g.append(np.maximum(g[-1], 0.0) @ A)
    return g


def preactivations(weights, z) -> list:
    """[g_1(z), ..., g_k(z)] of eq. (1) without output layer special-casing; each (N, n_l) or (n_l,)."""
    W = validate_weights(weights)
    Z, single = _points(z, W[0].shape[0])
    g = _forward(W, Z)
    return [x[0] for x in g] if single else g


def activation_pattern(weights, z, per_layer: bool = False):
    """A_{1->k-1}(z): signs of g_1(z), ..., g_{k-1}(z) in {-1, 0, 1} (Section 6), as int8.

    z of shape (d,) gives shape (n_1+...+n_{k-1},); z of shape (N, d) gives (N, n_1+...+n_{k-1}).
    per_layer=True returns the list [sign g_1, ..., sign g_{k-1}] instead. For k = 1 it is empty.
    """
    W = validate_weights(weights)
    Z, single = _points(z, W[0].shape[0])
    g = _forward(W, Z)[:-1]
    blocks = [np.sign(x).astype(np.int8) for x in g]
    if per_layer:
        return [b[0] for b in blocks] if single else blocks
    flat = np.concatenate(blocks, axis=1) if blocks else np.zeros((Z.shape[0], 0), np.int8)
    return flat[0] if single else flat


def backprop_jacobian(weights, z, sigma_prime_zero: float = 0.0) -> np.ndarray:
    """J(g_k)(z) = W_k^T Sigma_{k-1}(z) W_{k-1}^T ... Sigma_1(z) W_1^T of eq. (35), by back-propagation.

    Sigma_l(z) = diag(sigma'(g_l(z))) with sigma'(x) = [x > 0] and sigma'(0) = sigma_prime_zero
    (the paper's convention is 0; 1 is the other common one, used to illustrate Lemma 6.1).
    Returns shape (n_k, d) for z of shape (d,), (N, n_k, d) for z of shape (N, d).
    """
    W = validate_weights(weights)
    if not isinstance(sigma_prime_zero, (int, float)) or not 0.0 <= float(sigma_prime_zero) <= 1.0:
        raise ValueError(f"sigma_prime_zero must be a number in [0, 1], got {sigma_prime_zero!r}")
    Z, single = _points(z, W[0].shape[0])
    g = _forward(W, Z)
    J = np.broadcast_to(W[0].T, (Z.shape[0],) + W[0].T.shape)
    for l in range(1, len(W)):
        s = (g[l - 1] > 0).astype(np.float64) + float(sigma_prime_zero) * (g[l - 1] == 0)
        J = np.matmul(W[l].T, s[:, :, None] * J)
    J = np.array(J, dtype=np.float64)
    return J[0] if single else J


def _batched_maps(W: list, blocks: list) -> list:
    """[A_1(s), ..., A_k(s)] for R patterns at once, each of shape (R, n_l, d)."""
    R = blocks[0].shape[0]
    A = [np.broadcast_to(W[0].T, (R,) + W[0].T.shape)]
    for l in range(1, len(W)):
        mask = (blocks[l - 1] > 0).astype(np.float64)
        A.append(np.matmul(W[l].T, mask[:, :, None] * A[-1]))
    return [np.array(a) for a in A]


def layer_maps(weights, pattern) -> list:
    """[A_1(s), ..., A_k(s)]: the linear maps z -> g_l(z) on the region with pattern s (A_k = eq. 35)."""
    W = validate_weights(weights)
    blocks, single = _split_pattern(W, pattern)
    maps = _batched_maps(W, blocks)
    return [a[0] for a in maps] if single else maps


def jacobian_for_pattern(weights, pattern) -> np.ndarray:
    """J(g_k) on the region with pattern s: W_k^T Sigma_{k-1}(s) ... Sigma_1(s) W_1^T (eq. 35).

    pattern: (sum_{l<k} n_l,) entries in {-1,0,1}, or a per-layer list, or (R, sum n_l) for R patterns.
    """
    W = validate_weights(weights)
    blocks, single = _split_pattern(W, pattern)
    J = _batched_maps(W, blocks)[-1]
    return J[0] if single else J


def _analyze(W: list, patterns: np.ndarray):
    """Canonical patterns, constraint rows and live flags for R patterns of layers 1..k-1.

    Row a_lj(s) of layer l is computed with the masks of the canonical pattern. It *vanishes
    identically* when ||a_lj|| <= _ZERO_TOL * sum_i |W_l[i, j]| [s_{l-1,i} > 0] ||a_{l-1,i}||, i.e. when
    the sum that forms it cancels to rounding level (exact zeros from dead layers, and exact cancellations
    of non-generic weights, which float64 reproduces only up to rounding). Such a neuron is 0 on the
    whole region: its canonical sign is 0 and it carries no constraint.
    Returns (canonical (R, P) int8, rows (R, P, d), live (R, P) bool).
    """
    blocks, _ = _split_pattern(W, patterns)
    R, d = blocks[0].shape[0], W[0].shape[0]
    if len(W) == 1:
        return np.zeros((R, 0), np.int8), np.zeros((R, 0, d)), np.zeros((R, 0), bool)
    A = np.broadcast_to(W[0].T, (R,) + W[0].T.shape)
    bound = None
    canon, rows, live = [], [], []
    for l in range(len(W) - 1):
        norms = np.linalg.norm(A, axis=2)
        alive = norms > 0 if bound is None else norms > _ZERO_TOL * bound
        b = np.where(alive, blocks[l], 0).astype(np.int8)
        canon.append(b)
        rows.append(np.array(A))
        live.append(alive)
        m = (b > 0).astype(np.float64)
        A = np.matmul(W[l + 1].T, m[:, :, None] * A)
        bound = (m * norms) @ np.abs(W[l + 1])
    return np.concatenate(canon, axis=1), np.concatenate(rows, axis=1), np.concatenate(live, axis=1)


def region_pattern(weights, z) -> np.ndarray:
    """Pattern of the region of z: activation_pattern(z) with 0 at every neuron that vanishes
    identically on that region (see _analyze); equal to A_{1->k-1}(z) for generic weights."""
    W = validate_weights(weights)
    Z, single = _points(z, W[0].shape[0])
    canon = _analyze(W, activation_pattern(W, Z).reshape(len(Z), -1))[0]
    return canon[0] if single else canon


def region_constraints(weights, pattern):
    """Unit inward normals of the cone of pattern s: rows s_lj a_lj / ||a_lj|| for the live a_lj(s).

    Returns (C of shape (m, d), index of each row in the flat pattern, consistent) where consistent is
    False when s has a 0 at a live row (then the set is not full-dimensional).
    """
    W = validate_weights(weights)
    blocks, single = _split_pattern(W, pattern)
    if not single:
        raise ValueError("region_constraints takes one pattern")
    P = np.concatenate(blocks, axis=1)
    canon, rows, live = (x[0] for x in _analyze(W, P))
    consistent = bool(np.all(P[0][live] != 0))
    idx = np.flatnonzero(live & (canon != 0))
    C = canon[idx, None] * rows[idx]
    C = C / np.linalg.norm(C, axis=1, keepdims=True)
    return C, idx, consistent


def _margins(W: list, patterns: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """min_j s_j a_j^T z / ||a_j|| over live rows, per (pattern, point); inf when there is none and
    -inf when the pattern has a 0 at a live row."""
    P = np.asarray(patterns).reshape(len(Z), -1)
    canon, rows, live = _analyze(W, P)
    if not rows.shape[1]:
        return np.full(len(Z), np.inf)
    norms = np.linalg.norm(rows, axis=2)
    vals = np.einsum("rpd,rd->rp", rows, Z) * canon
    dist = np.where(live, vals / np.where(live, norms, 1.0), np.inf)
    dist = np.where(live & (P == 0), -np.inf, dist)
    return dist.min(axis=1)


def region_margin(weights, pattern, z) -> float:
    """Euclidean distance from z to the nearest hyperplane of the cone of pattern s (negative if z is
    outside it, -inf if s is not a full-dimensional pattern, inf if the cone has no facets)."""
    W = validate_weights(weights)
    blocks, single = _split_pattern(W, pattern)
    if not single:
        raise ValueError("region_margin takes one pattern")
    Z, zs = _points(z, W[0].shape[0])
    if not zs:
        raise ValueError("region_margin takes one point z of shape (d,)")
    return float(_margins(W, np.concatenate(blocks, axis=1), Z)[0])


# ----------------------------------------------------------------------------------------------------
# exact walk along segments


@dataclass(frozen=True)
class SegmentPieces:
    """Pieces of segments z(t) = z1_i + t dz_i, t in [0, 1], on which A_{1->k-1}(z(t)) is constant.

    segment[p]: which segment; [lo[p], hi[p]]: its t-interval; patterns[p]: A_{1->k-1} inside it;
    offset[p] + t slope[p] = g_k(z(t)) on the piece (slope[p] = J_p dz exactly, also when the segment runs
    inside a kink hyperplane: it is the derivative of the restriction t -> g_k(z(t))).
    n_coalesced counts breakpoints merged with a neighbour closer than 1e-12 (coincident hyperplanes)."""

    segment: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    patterns: np.ndarray
    offset: np.ndarray
    slope: np.ndarray
    n_coalesced: int

    @property
    def count(self) -> int:
        return int(self.lo.shape[0])


def segment_walk(weights, starts, steps) -> SegmentPieces:
    """Exact piecewise-linear structure of t -> g_k(z1 + t dz) on [0, 1] for one or many segments.

    Layer by layer: on a piece where layers < l have a fixed pattern, g_l(z(t)) = u + t v is affine in
    t, so the breakpoints of layer l inside the piece are the roots t = -u_j / v_j; the piece is split
    at them and the signs of layer l are read at the sub-piece midpoints.
    """
    W = validate_weights(weights)
    d = W[0].shape[0]
    Z1, _ = _points(starts, d)
    DZ, _ = _points(steps, d)
    if Z1.shape != DZ.shape:
        raise ValueError(f"starts and steps must have the same shape, got {Z1.shape} and {DZ.shape}")
    seg = np.arange(Z1.shape[0])
    lo, hi = np.zeros(len(seg)), np.ones(len(seg))
    u, v = Z1 @ W[0], DZ @ W[0]
    pats, merged = [], 0
    for l in range(len(W) - 1):
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = -u / v
        inside = (v != 0) & (roots > lo[:, None] + _BREAK_TOL) & (roots < hi[:, None] - _BREAK_TOL)
        B = np.concatenate([lo[:, None], np.where(inside, roots, np.nan), hi[:, None]], axis=1)
        B.sort(axis=1)
        close = np.zeros(B.shape, bool)
        close[:, 1:] = (B[:, 1:] - B[:, :-1]) < _BREAK_TOL
        merged += int(close.sum())
        B[close] = np.nan
        B.sort(axis=1)
        keep = ~np.isnan(B[:, 1:])
        parent = np.nonzero(keep)[0]
        lo, hi = B[:, :-1][keep], B[:, 1:][keep]
        u, v, seg = u[parent], v[parent], seg[parent]
        pats = [p[parent] for p in pats]
        s = np.sign(u + 0.5 * (lo + hi)[:, None] * v).astype(np.int8)
        pats.append(s)
        m = (s > 0).astype(np.float64)
        u, v = (m * u) @ W[l + 1], (m * v) @ W[l + 1]
    patterns = np.concatenate(pats, axis=1) if pats else np.zeros((len(lo), 0), np.int8)
    return SegmentPieces(seg, lo, hi, patterns, u, v, merged)


# ----------------------------------------------------------------------------------------------------
# enumeration


@dataclass(frozen=True)
class RegionEnumeration:
    """All full-dimensional linear regions of g_k (cones), one row per region.

    patterns (R, n_1+...+n_{k-1}) int8; points (R, d) an interior point; margins (R,) its distance to
    the region's nearest facet hyperplane (so the ball of that radius lies in the region; inf when the
    region is all of R^d); jacobians (R, n_k, d) = eq. (35) on the region; opnorms (R,) their ||.||_op.
    complete is True when no facet or region was skipped as numerically unresolvable. diagnostics hold
    the method's counters and the upper bounds of region_count_bounds ("bound_central", "bound_affine")."""

    patterns: np.ndarray
    points: np.ndarray
    margins: np.ndarray
    jacobians: np.ndarray
    opnorms: np.ndarray
    method: str
    seconds: float
    complete: bool
    diagnostics: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(self.patterns.shape[0])

    @property
    def regions_per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else math.inf

    def keys(self) -> set:
        """The patterns as a set of tuples (for comparing two enumerations)."""
        return {tuple(int(x) for x in row) for row in self.patterns}

    def region(self, i: int) -> dict:
        """Region i as {pattern, point, margin, jacobian, opnorm}."""
        return {"pattern": self.patterns[i], "point": self.points[i], "margin": float(self.margins[i]),
                "jacobian": self.jacobians[i], "opnorm": float(self.opnorms[i])}


def _finish(W, patterns, points, method, t0, complete, diag) -> RegionEnumeration:
    patterns = np.asarray(patterns, np.int8).reshape(len(points), -1)
    points = np.asarray(points, np.float64).reshape(len(points), W[0].shape[0])
    evaluated = region_pattern(W, points).reshape(len(points), -1)
    if not np.array_equal(evaluated, patterns):
        raise RuntimeError("internal error: an interior point does not reproduce its region's pattern")
    margins = _margins(W, patterns, points)
    if np.any(margins <= 0):
        raise RuntimeError("internal error: an interior point has a non-positive margin")
    blocks, _ = _split_pattern(W, patterns)
    J = _batched_maps(W, blocks)[-1]
    opn = np.linalg.norm(J, 2, axis=(1, 2))
    diag = dict(diag)
    diag["min_margin"] = float(margins.min()) if len(margins) else math.inf
    # regions are convex cones, so a pattern labels one region; a repeat means a mis-resolved sliver
    diag["duplicate_patterns"] = len(patterns) - len(np.unique(patterns, axis=0))
    complete = complete and diag["duplicate_patterns"] == 0
    bounds = region_count_bounds(W[0].shape[0], _hidden_sizes(W))
    diag["bound_central"], diag["bound_affine"] = bounds["central"], bounds["affine"]
    return RegionEnumeration(patterns, points, margins, J, opn, method, time.perf_counter() - t0, complete, diag)


def _trivial(W, t0, method) -> RegionEnumeration:
    """k = 1 (no hidden layer) or d = 1: the regions are R^d, or the two rays of R."""
    d = W[0].shape[0]
    if len(W) == 1:
        pts = np.ones((1, d)) / math.sqrt(d)
    else:
        cand = np.array([[1.0], [-1.0]])
        pats = region_pattern(W, cand)
        pts = cand[:1] if np.array_equal(pats[0], pats[1]) else cand
    return _finish(W, region_pattern(W, pts).reshape(len(pts), -1), pts, method, t0, True, {})


def _sector_2d(W, t0) -> RegionEnumeration:
    """d = 2: sweep the boundary of [-1,1]^2 counter-clockwise; regions are angular sectors (cones)."""
    corners = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
    steps = np.roll(corners, -1, axis=0) - corners
    pcs = segment_walk(W, corners, steps)
    pat = _analyze(W, pcs.patterns)[0]
    new = np.ones(pcs.count, bool)
    new[1:] = np.any(pat[1:] != pat[:-1], axis=1)
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, pcs.count - 1)
    if len(first) > 1 and np.array_equal(pat[0], pat[-1]):
        first[0] = first[-1]
        first, last = first[:-1], last[:-1]
    p_lo = corners[pcs.segment] + pcs.lo[:, None] * steps[pcs.segment]
    p_hi = corners[pcs.segment] + pcs.hi[:, None] * steps[pcs.segment]
    th = np.unwrap(np.arctan2(np.stack([p_lo[:, 1], p_hi[:, 1]], 1), np.stack([p_lo[:, 0], p_hi[:, 0]], 1)).ravel())
    th_lo, th_hi = th[0::2], th[1::2]
    if len(first) == 1 and first[0] == 0 and last[0] == pcs.count - 1:
        width = np.array([2 * math.pi])
    else:
        width = np.mod(th_hi[last] - th_lo[first], 2 * math.pi)
    mid = th_lo[first] + 0.5 * width
    pts = np.stack([np.cos(mid), np.sin(mid)], axis=1)
    diag = {"pieces": pcs.count, "n_coalesced": pcs.n_coalesced, "min_angle": float(width.min())}
    return _finish(W, pat[first], pts, "sector", t0, True, diag)


def _slack_lp(C: np.ndarray, normal: np.ndarray | None = None):
    """max t s.t. C z >= t, (normal^T z = 0), z in [-1,1]^d, t <= 1 (HiGHS). Returns (z*, t*)."""
    m, d = C.shape
    cost = np.zeros(d + 1)
    cost[-1] = -1.0
    A_ub = np.hstack([-C, np.ones((m, 1))]) if m else None
    b_ub = np.zeros(m) if m else None
    A_eq = np.append(normal, 0.0)[None, :] if normal is not None else None
    b_eq = np.zeros(1) if normal is not None else None
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(-1.0, 1.0)] * d + [(None, 1.0)], method="highs", options=_HIGHS)
    if res.status != 0:
        return None, -math.inf
    return res.x[:d], float(res.x[d])


def _unique_rows(C: np.ndarray) -> np.ndarray:
    if len(C) <= 1:
        return C
    dist = np.linalg.norm(C[:, None, :] - C[None, :, :], axis=2)
    dup = np.triu(dist < _ROW_TOL, k=1)
    return C[~dup.any(axis=0)]


def _facet_candidates(C: np.ndarray) -> np.ndarray:
    """Rows c_i not in cone(other rows) (Farkas: exactly the irredundant constraints of {Cz >= 0})."""
    if len(C) <= 1:
        return np.arange(len(C))
    out = []
    for i in range(len(C)):
        others = np.delete(C, i, axis=0)
        _, res = nnls(others.T, C[i])
        if res > _NNLS_TOL:
            out.append(i)
    return np.array(out, dtype=int)


def _lp_walk(W, t0, seed: int, max_regions: int) -> RegionEnumeration:
    """Breadth-first walk over facets; one slack LP per region, one facet LP per irredundant row."""
    d = W[0].shape[0]
    rng = np.random.default_rng(seed)
    diag = {"lp_solves": 0, "thin_facets": 0, "thin_regions": 0, "unresolved_crossings": 0, "nnls_solves": 0}

    def constraints(p):
        C, _, ok = region_constraints(W, p)
        return C, ok

    start = None
    for _ in range(20):
        z0 = rng.standard_normal(d)
        p0 = region_pattern(W, z0)
        C0, ok = constraints(p0)
        if not ok:
            continue
        if len(C0) == 0:
            return _finish(W, p0[None], z0[None] / np.linalg.norm(z0), "lp", t0, True, diag)
        z, t = _slack_lp(C0)
        diag["lp_solves"] += 1
        if t > LP_TOL and np.array_equal(region_pattern(W, z), p0):
            start = (p0, z)
            break
    if start is None:
        raise RuntimeError("could not find a full-dimensional starting region in 20 random draws")
    seen = {start[0].tobytes(): 0}
    patterns, points = [start[0]], [start[1]]
    queue = deque([0])
    complete = True
    while queue:
        r = queue.popleft()
        C, _ = constraints(patterns[r])
        U = _unique_rows(C)
        cand = _facet_candidates(U)
        diag["nnls_solves"] += len(U) if len(U) > 1 else 0
        for i in cand:
            c = U[i]
            if len(U) > 1:
                zf, tf = _slack_lp(np.delete(U, i, axis=0), normal=c)
                diag["lp_solves"] += 1
            else:  # a half-space: any non-zero point of the hyperplane is relatively interior
                zf, tf = np.zeros(d), 1.0
                while np.abs(zf).max() < 1e-3:  # (d >= 2) a draw parallel to c is retried
                    zf = rng.standard_normal(d)
                    zf = (zf - (c @ zf) * c) / np.linalg.norm(zf)
                zf /= np.abs(zf).max()
            if tf <= LP_TOL:
                if tf > 0:
                    diag["thin_facets"] += 1
                    complete = False
                continue
            zf = zf - (c @ zf) * c
            delta, crossed = 0.5 * tf, False
            for _ in range(40):
                zn = zf - delta * c
                pn = region_pattern(W, zn)
                Cn, ok = constraints(pn)
                if ok and (len(Cn) == 0 or (np.min(Cn @ zf) >= -1e-10 and np.min(Cn @ zn) > 0)):
                    crossed = True
                    break
                delta *= 0.25
            if not crossed:
                diag["unresolved_crossings"] += 1
                complete = False
                continue
            key = pn.tobytes()
            if key in seen:
                continue
            if len(patterns) >= max_regions:
                complete = False
                diag["truncated_at"] = max_regions
                queue.clear()
                break
            if len(Cn) == 0:  # cannot happen next to a facet; kept for safety
                diag["unresolved_crossings"] += 1
                complete = False
                continue
            z, t = _slack_lp(Cn)
            diag["lp_solves"] += 1
            if t > LP_TOL and np.array_equal(region_pattern(W, z), pn) and np.min(Cn @ z) > 0:
                point = z
            elif np.min(Cn @ zn) > 1e-12 * np.linalg.norm(zn):
                point = zn
                diag["thin_regions"] += 1
            else:
                diag["unresolved_crossings"] += 1
                complete = False
                continue
            seen[key] = len(patterns)
            patterns.append(pn)
            points.append(point)
            queue.append(len(patterns) - 1)
    return _finish(W, np.array(patterns), np.array(points), "lp", t0, complete, diag)


def enumerate_regions(weights, method: str = "auto", seed: int = 0, max_regions: int = 200_000) -> RegionEnumeration:
    """All full-dimensional linear regions of g_k: R^d -> R^{n_k} (patterns of layers 1..k-1).

    method: "sector" (d = 2 only: exact sweep, fast), "lp" (facet walk with HiGHS, any d), or "auto"
    (sector for d = 2, lp otherwise). k = 1 or d = 1 are handled directly. seed fixes the LP walk's start.
    """
    W = validate_weights(weights)
    if method not in ("auto", "sector", "lp"):
        raise ValueError(f"method must be 'auto', 'sector' or 'lp', got {method!r}")
    if isinstance(max_regions, bool) or not isinstance(max_regions, int) or max_regions < 1:
        raise ValueError(f"max_regions must be a positive integer, got {max_regions!r}")
    d = W[0].shape[0]
    t0 = time.perf_counter()
    if len(W) == 1 or d == 1:
        return _trivial(W, t0, "trivial")
    if method == "sector" or (method == "auto" and d == 2):
        if d != 2:
            raise ValueError(f"the sector method needs d = 2, got d = {d}")
        return _sector_2d(W, t0)
    return _lp_walk(W, t0, seed, max_regions)


def grid_patterns_2d(weights, n_angles: int) -> np.ndarray:
    """Brute force for d = 2: the distinct region patterns at n_angles equally spaced unit vectors
    (angles (i + 1/2) 2 pi / n_angles; points lying on a kink are skipped)."""
    W = validate_weights(weights)
    if W[0].shape[0] != 2:
        raise ValueError(f"grid_patterns_2d needs d = 2, got d = {W[0].shape[0]}")
    if isinstance(n_angles, bool) or not isinstance(n_angles, int) or n_angles < 1:
        raise ValueError(f"n_angles must be a positive integer, got {n_angles!r}")
    th = (np.arange(n_angles) + 0.5) * (2 * math.pi / n_angles)
    Z = np.stack([np.cos(th), np.sin(th)], axis=1)
    P = region_pattern(W, Z).reshape(n_angles, -1)
    interior = _margins(W, P, Z) > 0  # drop grid points that fall on a kink
    return np.unique(P[interior], axis=0)


def region_count_bounds(d: int, hidden_widths) -> dict:
    """Upper bounds on the number of linear regions of g_k, hidden_widths = (n_1, ..., n_{k-1}).

    "central": prod_l 2 sum_{i=0}^{r_l - 1} C(n_l - 1, i), r_l = min(d, n_1, ..., n_{l-1}) (r_1 = d).
      Derivation: inside a region of layers < l, the layer-l pre-activations are a_j^T z with every a_j
      in the row space of Sigma_{l-1} A_{l-1}, of dimension <= r_l; n_l central hyperplanes whose normals
      span r dimensions cut R^d into at most 2 sum_{i<r} C(n-1, i) regions (Cover 1965; equality in
      general position), and each meets the convex region in at most one convex piece.
    "affine": prod_l sum_{j=0}^{d_l} C(n_l, j), d_l = min(d, n_1, ..., n_l), the product bound for ReLU
      networks with biases (Montufar 2017; Serra et al. 2018), valid here a fortiori.
    For one hidden layer in general position the central bound is attained: 2 n_1 (d = 2).
    """
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    widths = list(hidden_widths)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in widths):
        raise ValueError(f"hidden widths must be positive integers, got {widths!r}")
    central, affine, r = 1, 1, d
    for n in widths:
        n = int(n)
        central *= 2 * sum(math.comb(n - 1, i) for i in range(r))
        dl = min(r, n)
        affine *= sum(math.comb(n, j) for j in range(dl + 1))
        r = dl
    return {"central": central, "affine": affine}


# ----------------------------------------------------------------------------------------------------
# Lemma 6.1: exact Lipschitz constant


@dataclass(frozen=True)
class LipschitzExact:
    """||g_k||_Lip = max over linear regions of ||J(g_k)||_op, with the maximizing region as witness."""

    value: float
    index: int
    pattern: np.ndarray
    point: np.ndarray
    margin: float
    jacobian: np.ndarray
    enumeration: RegionEnumeration

    @property
    def complete(self) -> bool:
        """False when the enumeration skipped an unresolvable facet: value is then only a lower bound."""
        return self.enumeration.complete


def lipschitz_exact(weights, method: str = "auto", seed: int = 0) -> LipschitzExact:
    """||g_k||_Lip exactly (up to float64 SVD): g_k is continuous and linear with Jacobian (35) on each
    full-dimensional region, the closures of which cover R^d, so the constant is the max of ||J||_op.
    This holds for every W (regions with identically-zero rows included); compare lemma_6_1_rhs.
    If the enumeration is not complete (see .complete), the value is a certified lower bound only."""
    E = enumerate_regions(weights, method=method, seed=seed)
    i = int(np.argmax(E.opnorms))
    return LipschitzExact(float(E.opnorms[i]), i, E.patterns[i], E.points[i], float(E.margins[i]),
                          E.jacobians[i], E)


def lemma_6_1_rhs(enumeration: RegionEnumeration) -> float | None:
    """Right side of (34): max ||J||_op over regions whose pattern A_{1->k-1} has no zero entry.
    None when that set of inputs is empty (the max over an empty set)."""
    if not isinstance(enumeration, RegionEnumeration):
        raise TypeError("lemma_6_1_rhs takes a RegionEnumeration")
    full = np.all(enumeration.patterns != 0, axis=1)  # canonical: 0 only where g_lj vanishes identically
    return float(enumeration.opnorms[full].max()) if np.any(full) else None
