"""Lipschitz constants of the feature maps g_k: R^d -> R^{n_k} (Section 6: Lemma 6.1, Theorem 6.2).

Lemma 6.1: ||g_k||_Lip = max { ||J(g_k)(z)||_op : A_{1->k-1}(z) in {-1,+1}^{n_1+...+n_{k-1}} }   (34)
with J(g_k)(z) the back-propagation product (35) (sigma'(0) = 0). Here:

- from below: inside a region g_k is linear, so two points z1, z1 + eps v (v the top right singular
  vector of J, eps below the distance to the nearest facet) have difference quotient exactly ||J||_op;
- from above: along any segment the walk of numeric.regions.segment_walk splits g_k into linear
  pieces, and ||g(z2) - g(z1)|| <= sum_p ||J_p dz|| dt_p <= max_regions ||J||_op ||z2 - z1||;
- the hypotheses: witnesses where (34) fails for measure-zero weights, and kinks where (35) with
  sigma'(0) = 0 is not the derivative;
- Theorem 6.2 (36): a certified lower estimate by search, the naive product bound, the rate (36).
Weights are a list [W_1, ..., W_k], W_l of shape (n_{l-1}, n_l), as in numeric.regions.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .regions import (
    LipschitzExact,
    activation_pattern,
    backprop_jacobian,
    enumerate_regions,
    jacobian_for_pattern,
    lemma_6_1_rhs,
    lipschitz_exact,
    preactivations,
    region_constraints,
    region_pattern,
    segment_walk,
    validate_weights,
)

__all__ = [
    "lipschitz_exact",
    "lemma_6_1_rhs",
    "DifferenceQuotient",
    "difference_quotient_witness",
    "lemma_6_1_lower_witness",
    "SegmentCheck",
    "segment_check",
    "one_sided_derivatives",
    "JacobianCheck",
    "check_jacobian",
    "kink_witness",
    "kink_differentiable_witness",
    "nongeneric_witness",
    "zero_column_witness",
    "empty_set_witness",
    "LowerEstimate",
    "lipschitz_lower_estimate",
    "naive_upper_bound",
    "scaling_36",
]

# Relative slack for comparing float sums that are equal or ordered in exact arithmetic: each side is a
# sum of at most a few thousand float64 terms, so rounding is below 1e-12 relative; 1e-9 leaves 3 orders.
_RTOL = 1e-9
# A computed Jacobian must reproduce exact one-sided difference quotients to this relative accuracy.
# The quotients are exact in real arithmetic (g is linear on the step), so only rounding (~1e-13 at
# the step sizes used) separates them; a wrong Jacobian is off by O(1).
_JAC_RTOL = 1e-7


def _g_last(W, Z):
    return preactivations(W, Z)[-1]


def _vector(z, d, name="z"):
    arr = np.asarray(z)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric vector")
    arr = arr.astype(np.float64)
    if arr.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


# ----------------------------------------------------------------------------------------------------
# Lemma 6.1 from below


@dataclass(frozen=True)
class DifferenceQuotient:
    """||g_k(z2) - g_k(z1)|| / ||z2 - z1|| for z1, z2 in one linear region, against ||J(g_k)(z1)||_op."""

    z1: np.ndarray
    z2: np.ndarray
    quotient: float
    jac_norm: float
    margin: float
    same_region: bool

    @property
    def rel_gap(self) -> float:
        return abs(self.quotient - self.jac_norm) / self.jac_norm if self.jac_norm > 0 else abs(self.quotient)


def difference_quotient_witness(weights, z, fraction: float = 0.5) -> DifferenceQuotient:
    """Two points of the region of z whose difference quotient attains ||J(g_k)(z)||_op.

    z must be interior: every pre-activation of layers 1..k-1 that does not vanish identically on the
    region is non-zero at z. With m the distance from z to the region's nearest facet hyperplane and v
    the top right singular vector of J, z2 = z + fraction * m * v stays in the region, where g_k is
    linear, so the quotient equals ||J v|| = ||J||_op up to rounding: a certified lower bound on Lip.
    """
    W = validate_weights(weights)
    z = _vector(z, W[0].shape[0])
    if not isinstance(fraction, numbers.Real) or not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction!r}")
    p = region_pattern(W, z)
    C, _, consistent = region_constraints(W, p)
    if not consistent:
        raise ValueError("z lies on a kink: a pre-activation vanishes at z but not on a neighbourhood")
    margin = float(np.min(C @ z)) if len(C) else math.inf
    if margin <= 0:
        raise ValueError("z is not an interior point of its region")
    J = jacobian_for_pattern(W, p)
    _, S, Vt = np.linalg.svd(J, full_matrices=False)
    step = fraction * margin if math.isfinite(margin) else max(1.0, float(np.linalg.norm(z)))
    z2 = z + step * Vt[0]
    q = float(np.linalg.norm(_g_last(W, z2) - _g_last(W, z)) / np.linalg.norm(z2 - z))
    same = bool(np.array_equal(region_pattern(W, z2), p))
    return DifferenceQuotient(z, z2, q, float(S[0]), margin, same)


def lemma_6_1_lower_witness(weights, exact: LipschitzExact | None = None):
    """(exact, witness): the maximizing region of lipschitz_exact and a difference quotient in it that
    attains its ||J||_op, i.e. ||g_k||_Lip >= max_regions ||J||_op, the '>=' half of (34)."""
    W = validate_weights(weights)
    if exact is None:
        exact = lipschitz_exact(W)
    elif not isinstance(exact, LipschitzExact):
        raise TypeError("exact must be a LipschitzExact (from lipschitz_exact)")
    return exact, difference_quotient_witness(W, exact.point)


# ----------------------------------------------------------------------------------------------------
# Lemma 6.1 from above


@dataclass(frozen=True)
class SegmentCheck:
    """quotient = ||g(z2)-g(z1)||/||dz|| <= path = sum_p ||J_p dz|| dt_p / ||dz|| <= bound (= L_exact).

    max_piece_opnorm: max ||J_p||_op over the crossed pieces (each must be <= bound);
    telescoping_error: ||sum_p J_p dz dt_p - (g(z2) - g(z1))|| / ||dz|| (0 in exact arithmetic)."""

    pieces: int
    quotient: float
    path: float
    bound: float
    max_piece_opnorm: float
    telescoping_error: float
    ok: bool


def segment_check(weights, z1, z2, L_exact: float) -> SegmentCheck:
    """Walk the regions crossed by [z1, z2] exactly and check the chain of inequalities above."""
    W = validate_weights(weights)
    d = W[0].shape[0]
    z1, z2 = _vector(z1, d, "z1"), _vector(z2, d, "z2")
    if not isinstance(L_exact, numbers.Real) or not math.isfinite(L_exact) or L_exact < 0:
        raise ValueError(f"L_exact must be a finite non-negative number, got {L_exact!r}")
    dz = z2 - z1
    nrm = float(np.linalg.norm(dz))
    if nrm == 0:
        raise ValueError("z1 and z2 must differ")
    pcs = segment_walk(W, z1[None], dz[None])
    if not (pcs.lo[0] == 0.0 and pcs.hi[-1] == 1.0 and np.array_equal(pcs.lo[1:], pcs.hi[:-1])):
        raise RuntimeError("internal error: the pieces do not tile [0, 1]")
    dt = pcs.hi - pcs.lo
    diff = _g_last(W, z2) - _g_last(W, z1)
    path = float(np.sum(np.linalg.norm(pcs.slope, axis=1) * dt)) / nrm
    tele = float(np.linalg.norm(np.sum(pcs.slope * dt[:, None], axis=0) - diff)) / nrm
    quotient = float(np.linalg.norm(diff)) / nrm
    opn = np.linalg.norm(jacobian_for_pattern(W, pcs.patterns), 2, axis=(1, 2))
    scale = max(quotient, path, float(L_exact), 1e-300)
    ok = (quotient <= path + _RTOL * scale and path <= L_exact + _RTOL * scale
          and float(opn.max()) <= L_exact + _RTOL * scale and tele <= _RTOL * scale)
    return SegmentCheck(pcs.count, quotient, path, float(L_exact), float(opn.max()), tele, bool(ok))


# ----------------------------------------------------------------------------------------------------
# Jacobian checks and the hypotheses of Lemma 6.1


def one_sided_derivatives(weights, z, directions):
    """D g_k(z; u) = lim_{h->0+} (g_k(z + h u) - g_k(z)) / h for each row u of directions.

    Exact: the segment walk from z along u finds the first breakpoint t_1 > 0 (a kink at z itself, t = 0,
    is not a breakpoint of the open piece), g_k is linear on [z, z + t_1 u], and the quotient is taken by
    forward evaluation at h = t_1 / 2. Returns (D of shape (m, n_k), h of shape (m,)).
    """
    W = validate_weights(weights)
    d = W[0].shape[0]
    z = _vector(z, d)
    U = np.asarray(directions, dtype=np.float64)
    if U.ndim != 2 or U.shape[1] != d or not np.all(np.isfinite(U)):
        raise ValueError(f"directions must be a finite array of shape (m, {d})")
    reach = max(1.0, float(np.linalg.norm(z)))
    pcs = segment_walk(W, np.repeat(z[None], len(U), axis=0), reach * U)
    _, first = np.unique(pcs.segment, return_index=True)
    h = 0.5 * reach * pcs.hi[first]
    D = (_g_last(W, z[None] + h[:, None] * U) - _g_last(W, z[None])) / h[:, None]
    return D, h


@dataclass(frozen=True)
class JacobianCheck:
    """max_u ||J u - D g_k(z; u)|| / max(||J u||, ||D g_k(z; u)||) over random unit directions u."""

    max_rel_error: float
    n_dirs: int
    min_step: float
    ok: bool


def check_jacobian(weights, z, J, n_dirs: int = 8, seed: int = 0) -> JacobianCheck:
    """Is J the derivative of g_k at z? Compares J u with the exact one-sided difference quotients
    (one_sided_derivatives) for n_dirs random unit directions u and their negatives."""
    W = validate_weights(weights)
    d, nk = W[0].shape[0], W[-1].shape[1]
    J = np.asarray(J, dtype=np.float64)
    if J.shape != (nk, d) or not np.all(np.isfinite(J)):
        raise ValueError(f"J must be a finite array of shape ({nk}, {d}), got {J.shape}")
    if isinstance(n_dirs, bool) or not isinstance(n_dirs, int) or n_dirs < 1:
        raise ValueError(f"n_dirs must be a positive integer, got {n_dirs!r}")
    U = np.random.default_rng(seed).standard_normal((n_dirs, d))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    U = np.vstack([U, -U])
    D, h = one_sided_derivatives(W, z, U)
    pred = U @ J.T
    den = np.maximum(np.maximum(np.linalg.norm(pred, axis=1), np.linalg.norm(D, axis=1)), 1e-300)
    err = float(np.max(np.linalg.norm(pred - D, axis=1) / den))
    return JacobianCheck(err, len(U), float(h.min()), err <= _JAC_RTOL)


def _dyadic(x, bits=20):
    return np.round(np.asarray(x) * 2.0**bits) / 2.0**bits


def kink_witness(weights, neuron: int = 0, seed: int = 0) -> dict:
    """An input z on the hyperplane of first-layer neuron j (g_1j(z) = 0 exactly, every other
    pre-activation non-zero) and the derivatives there (outside the set of (34): 'not-applicable').

    Column j of W_1 is rounded to multiples of 2^-20 so that g_1j(z) = 0 holds exactly in float64 for
    z = (-w_2, w_1, 0, ...). Returns J_bp (35) with sigma'(0) = 0, J_one with sigma'(0) = 1, the exact
    one-sided derivatives D(+n), D(-n) along the unit normal n of the hyperplane, and the errors
    ||J n - D(n)|| for both conventions: at most one convention matches each side, and g_k is
    differentiable at z only if D(-n) = -D(n).
    """
    W = [w.copy() for w in validate_weights(weights)]
    d = W[0].shape[0]
    if d < 2 or len(W) < 2:
        raise ValueError("kink_witness needs d >= 2 and k >= 2")
    if isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < W[0].shape[1]:
        raise ValueError(f"neuron must index a column of W_1, got {neuron!r}")
    W[0][:, neuron] = _dyadic(W[0][:, neuron])
    w = W[0][:, neuron]
    if w[0] == 0 and w[1] == 0:
        raise ValueError("the chosen neuron needs a non-zero first or second weight")
    z = np.zeros(d)
    z[0], z[1] = -w[1], w[0]
    if np.random.default_rng(seed).random() < 0.5:
        z = -z
    g = preactivations(W, z)
    pat = activation_pattern(W, z)
    if g[0][neuron] != 0.0:
        raise RuntimeError("internal error: the pre-activation is not exactly zero")
    n = w / np.linalg.norm(w)
    D, _ = one_sided_derivatives(W, z, np.vstack([n, -n]))
    J0, J1 = backprop_jacobian(W, z, 0.0), backprop_jacobian(W, z, 1.0)
    return {
        "weights": W, "z": z, "neuron": neuron, "pattern": pat,
        "zero_preactivations": int(np.sum(pat == 0)),
        "J_bp": J0, "J_sigma1": J1, "D_plus": D[0], "D_minus": D[1],
        "error_bp": (float(np.linalg.norm(J0 @ n - D[0])), float(np.linalg.norm(-J0 @ n - D[1]))),
        "error_sigma1": (float(np.linalg.norm(J1 @ n - D[0])), float(np.linalg.norm(-J1 @ n - D[1]))),
        "differentiable": bool(np.allclose(D[1], -D[0], rtol=1e-12, atol=1e-12 * np.linalg.norm(D[0]))),
    }


def kink_differentiable_witness() -> dict:
    """g_2(z) = sigma(z_1) - sigma(-z_1) = z_1 (W_1 = [e_1, -e_1], W_2 = [1, -1]^T, d = 2): linear,
    so differentiable everywhere with J = [1, 0] and Lip = 1. At z = (0, 1) both pre-activations vanish:
    (35) with sigma'(0) = 0 gives J_bp = 0, not the derivative; with sigma'(0) = 1 it gives [2, 0],
    whose norm 2 exceeds the Lipschitz constant. Hence the restriction of (34) to non-zero patterns."""
    W = [np.array([[1.0, -1.0], [0.0, 0.0]]), np.array([[1.0], [-1.0]])]
    z = np.array([0.0, 1.0])
    J0, J1 = backprop_jacobian(W, z, 0.0), backprop_jacobian(W, z, 1.0)
    lip = lipschitz_exact(W)
    return {
        "weights": W, "z": z, "J_true": np.array([[1.0, 0.0]]), "J_bp": J0, "J_sigma1": J1,
        "lipschitz": lip.value, "norm_J_bp": float(np.linalg.norm(J0, 2)),
        "norm_J_sigma1": float(np.linalg.norm(J1, 2)), "check_bp": check_jacobian(W, z, J0),
        "check_sigma1": check_jacobian(W, z, J1),
    }


def nongeneric_witness() -> dict:
    """Measure-zero weights for which (34) is false although its set is non-empty (d = 1, k = 3):

    W_1 = [1, 1, -1] (duplicated column), W_2 columns (1, -1, 1) and (1, 0, -1), W_3 = (1, 10)^T give
    g_2 = (sigma(-z), z) -- the first neuron vanishes identically for z > 0 -- and g_3 = sigma(-z) +
    10 sigma(z), so ||g_3||_Lip = 10, while the only z with a non-zero pattern are z < 0, where
    ||J(g_3)|| = 1. Lemma 6.1 holds w.p. 1, i.e. off such sets: report 'not-applicable'."""
    W = [np.array([[1.0, 1.0, -1.0]]),
         np.array([[1.0, 1.0], [-1.0, 0.0], [1.0, -1.0]]),
         np.array([[1.0], [10.0]])]
    E = enumerate_regions(W)
    return {"weights": W, "lipschitz": float(E.opnorms.max()), "rhs_34": lemma_6_1_rhs(E),
            "patterns": E.patterns, "opnorms": E.opnorms, "status": "not-applicable"}


def zero_column_witness(weights, layer: int = 1, column: int = 0) -> dict:
    """Zero column j of W_l (l <= k-1): g_lj vanishes identically, so no z has a pattern in {-1,+1}
    and the max in (34) is over the empty set, while ||g_k||_Lip (exact) is usually positive."""
    W = [w.copy() for w in validate_weights(weights)]
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= len(W) - 1:
        raise ValueError(f"layer must be in [1, k-1] = [1, {len(W) - 1}], got {layer!r}")
    if isinstance(column, bool) or not isinstance(column, int) or not 0 <= column < W[layer - 1].shape[1]:
        raise ValueError(f"column must index a column of W_{layer}, got {column!r}")
    W[layer - 1][:, column] = 0.0
    E = enumerate_regions(W)
    return {"weights": W, "lipschitz": float(E.opnorms.max()), "rhs_34": lemma_6_1_rhs(E),
            "complete": E.complete, "status": "not-applicable"}


def empty_set_witness(seed: int = 0) -> dict:
    """A positive-probability event on which the set in (34) is empty: W_2 <= 0 entrywise (probability
    2^(-n_1 n_2) under Gaussian weights) makes g_2 <= 0, hence g_3 = 0 identically, and for k = 4 no z
    has a pattern in {-1,+1}; there ||g_4||_Lip = 0, so (34) holds only with the convention max of the
    empty set = 0. d = 2, widths (3, 2, 2, 1)."""
    rng = np.random.default_rng(seed)
    W = [rng.standard_normal((2, 3)), -np.abs(rng.standard_normal((3, 2))),
         rng.standard_normal((2, 2)), rng.standard_normal((2, 1))]
    E = enumerate_regions(W)
    return {"weights": W, "lipschitz": float(E.opnorms.max()), "rhs_34": lemma_6_1_rhs(E),
            "probability": 2.0 ** (-6), "status": "not-applicable"}


# ----------------------------------------------------------------------------------------------------
# Theorem 6.2


@dataclass(frozen=True)
class LowerEstimate:
    """A certified lower bound on ||g_k||_Lip: value is the difference quotient of witness (two points in
    the region of z, whose pattern has no kink), jac_norm = ||J(g_k)(z)||_op that it attains."""

    value: float
    jac_norm: float
    z: np.ndarray
    pattern: np.ndarray
    witness: DifferenceQuotient
    evaluations: int


def _opnorms(W, Z):
    return np.linalg.norm(backprop_jacobian(W, Z), 2, axis=(1, 2))


def lipschitz_lower_estimate(weights, n_starts: int = 8, seed: int = 0, n_steps: int = 60,
                             n_candidates: int = 32) -> LowerEstimate:
    """Best ||J(g_k)(z)||_op found by random-restart hill climbing over regions (Theorem 6.2 regime).

    J depends only on the direction of z (no biases), so the search runs on the unit sphere: from each
    random start, propose n_candidates random perturbations at the current scale plus moves along the
    top right singular vector +-v, move to the best if it increases ||J||, otherwise halve the scale.
    The best z is certified by difference_quotient_witness: ||g_k||_Lip >= value.
    """
    W = validate_weights(weights)
    for name, val in (("n_starts", n_starts), ("n_steps", n_steps), ("n_candidates", n_candidates)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise ValueError(f"{name} must be a positive integer, got {val!r}")
    d = W[0].shape[0]
    rng = np.random.default_rng(seed)
    best_z, best, evals = None, -1.0, 0
    for _ in range(n_starts):
        z = rng.standard_normal(d)
        z /= np.linalg.norm(z)
        cur, scale = float(_opnorms(W, z[None])[0]), 0.5
        evals += 1
        for _ in range(n_steps):
            _, _, Vt = np.linalg.svd(backprop_jacobian(W, z), full_matrices=False)
            v = Vt[0]
            cand = np.vstack([z + scale * rng.standard_normal((n_candidates, d)) / math.sqrt(d),
                              z + scale * v, z - scale * v])
            cand /= np.maximum(np.linalg.norm(cand, axis=1, keepdims=True), 1e-300)
            val = _opnorms(W, cand)
            evals += len(cand)
            j = int(np.argmax(val))
            if val[j] > cur:
                z, cur = cand[j], float(val[j])
            else:
                scale *= 0.5
                if scale < 1e-6:
                    break
        if cur > best:
            best, best_z = cur, z
    witness = difference_quotient_witness(W, best_z)
    return LowerEstimate(witness.quotient, witness.jac_norm, best_z, region_pattern(W, best_z),
                         witness, evals)


def naive_upper_bound(weights) -> float:
    """prod_{l=1}^k ||W_l||_op^2: the simple bound on ||g_k||_Lip^2 of Section 6 (squared, like (36))."""
    W = validate_weights(weights)
    return float(np.prod([np.linalg.norm(A, 2) ** 2 for A in W]))


def scaling_36(widths, betas) -> float:
    """The rate of (36) without its constant: prod_{l=0}^k n_l / min_{l in [0,k]} n_l
    * prod_{l=1}^{k-1} log(n_l) * prod_{l=1}^k beta_l^2, widths = (n_0 = d, n_1, ..., n_k), betas =
    (beta_1, ..., beta_k). A hidden width n_l = 1 makes log(n_l) = 0, so (36) is only meaningful for
    hidden widths >= 2 (the O(.) hides no additive term)."""
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise TypeError("widths must be a sequence (n_0, ..., n_k) of positive integers")
    n = list(widths)
    if len(n) < 2 or any(isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 1 for x in n):
        raise ValueError(f"widths must be (n_0, ..., n_k) with k >= 1 positive integers, got {n!r}")
    b = np.asarray(betas, dtype=np.float64).ravel()
    if b.shape != (len(n) - 1,):
        raise ValueError(f"betas must have length k = {len(n) - 1}, got {b.shape[0]}")
    if not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError("betas must be finite and positive")
    prod_n = math.prod(int(x) for x in n)
    logs = math.prod(math.log(int(x)) for x in n[1:-1])
    return float(prod_n / min(n) * logs * float(np.prod(b**2)))
