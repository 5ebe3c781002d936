"""Independent certification of ``ReLUNetwork.jacobian`` (eq. (2)) by exact central differences.

Why a central difference is exact here. Let m > 0 be a lower bound on every hidden pre-activation
|g_{l,j}(x_i)|, l in [L-1] (a generic theta). Move a single weight, (W_l)_{ab} -> (W_l)_{ab} + t.
Then g_{l,b}(x_i) moves by t f_{l-1,a}(x_i) and, since ReLU is 1-Lipschitz, for every later hidden
layer q >= l each pre-activation moves by at most

    |t| R_l prod_{p=l+1}^{q} ||W_p||_F,    R_l = max_{i,a} |f_{l-1,a}(x_i)|.

If |t| <= h_l with h_l R_l max_q prod ||W_p||_F <= m/2 no pre-activation changes sign on [-h_l, h_l],
so the activation pattern is frozen and f_L(x_i) is affine in t there (W_l enters the frozen
linear network once). Hence (F_L(theta + h e) - F_L(theta - h e)) / (2h) equals the partial
derivative exactly, and with m > 0 the back-propagation convention sigma'(0) = 0 is never used, so
that derivative is the J of eq. (2).

The difference quotient is evaluated in mpmath at ``dps`` digits (h is a power of two, so h f is
exact); its rounding error is bounded a priori by the standard dot-product bound
|fl(sum) - sum| <= gamma_n sum |terms|, gamma_n = n u / (1 - n u), propagated through the layers.
The float64 Jacobian is compared with it entrywise against the sum of that bound and the a-priori
float64 rounding bound of back-propagation (same gamma_n argument for the forward pass, the
backward rows B_k and the products f_{l-1,a} (B_l)_b). Agreement within the bound certifies the
Jacobian; a larger difference is a certified failure. A zero margin is refused: the network is
not differentiable there and the statement above does not apply.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import mpmath
import numpy as np

from .data import validate_data
from .network import ReLUNetwork

__all__ = ["JacobianCertificate", "certify_jacobian"]

_to_mp = np.frompyfunc(mpmath.mpf, 1, 1)
_to_float = np.frompyfunc(float, 1, 1)
# The a-priori bounds are themselves evaluated in float64 with relative error far below this
# factor for the small networks this module is meant for (n u < 1e-12), so inflating by it keeps
# them upper bounds.
_SAFETY = 1.0 + 1e-8
_U64 = 2.0**-53


def _gamma(n: int, u: float) -> float:
    if n * u >= 0.5:
        raise ValueError("dimension too large for the rounding-error bound")
    return n * u / (1.0 - n * u)


def _abs_forward_bound(X_abs, W_abs, u, extra=0):
    """A-priori bounds for a forward pass of eq. (1) in arithmetic with unit roundoff u from exact
    inputs: returns (A, E) with A[l] >= |g_{l+1}|, |computed g_{l+1}| and E[l] >= |computed g_{l+1}
    - g_{l+1}| elementwise (N x n_{l+1}). ``extra`` adds roundings per dot product."""
    A_prev, E_prev = X_abs, np.zeros_like(X_abs)
    A, E = [], []
    for Wa in W_abs:
        g = _gamma(Wa.shape[0] + extra, u)
        Eg = (g * A_prev + E_prev) @ Wa
        Ag = A_prev @ Wa + Eg
        A.append(Ag)
        E.append(Eg)
        A_prev, E_prev = Ag, Eg  # |relu(z)| <= |z| and relu is 1-Lipschitz
    return A, E


def _float_forward_errors(net: ReLUNetwork, feats) -> list:
    """Ef[l] >= |computed F_l - F_l| (= the pre-activation error bound for l in [L-1]), Ef[0] = 0,
    for the float64 forward pass, using the computed |F_{l-1}| in gamma_n |W|^T |f|."""
    Ef = [np.zeros_like(feats.F[0])]
    for l in range(1, net.L):
        g = _gamma(net.widths[l - 1], _U64)
        Ef.append((g * np.abs(feats.F[l - 1]) + Ef[l - 1]) @ np.abs(net.weights[l - 1]))
    return Ef


def _float_jacobian_bound(net: ReLUNetwork, feats) -> np.ndarray:
    """Entrywise bound on |J_float - J| for back-propagation in float64 (columns as in
    ``ReLUNetwork.jacobian``), valid when the float masks Sigma_l equal the exact ones."""
    W_abs = [np.abs(W) for W in net.weights]
    L, N = net.L, feats.N
    Ef = _float_forward_errors(net, feats)
    EB = [None] * L
    EB[L - 1] = np.zeros((N, 1))  # B_L = 1 exactly
    for k in range(L - 1, 0, -1):
        if k == L - 1:
            EB[k - 1] = np.zeros_like(feats.B[k - 1])  # mask * W_L^T is exact
        else:
            g = _gamma(net.widths[k + 1], _U64)
            EB[k - 1] = ((g * np.abs(feats.B[k]) + EB[k]) @ W_abs[k].T) * feats.masks[k - 1]
    blocks = []
    for l in range(L):
        Fa, Ba = np.abs(feats.F[l]), np.abs(feats.B[l])
        ef, eb = Ef[l], EB[l]
        blk = (
            _U64 * Ba[:, :, None] * Fa[:, None, :]
            + Ba[:, :, None] * ef[:, None, :]
            + eb[:, :, None] * (Fa + ef)[:, None, :]
        )
        blocks.append(blk.reshape(N, -1))
    return np.concatenate(blocks, axis=1) * _SAFETY


def _pow2_floor(x: float) -> float:
    """The largest power of two <= x (x > 0 finite)."""
    mant, expo = np.frexp(x)
    return float(np.ldexp(1.0, int(expo) - 1))


@dataclass(frozen=True)
class JacobianCertificate:
    """Outcome of ``certify_jacobian``.

    status: "certified" (every entry within ``error_bound`` of the exact derivative), "failed"
    (some entry provably differs from the exact derivative) or "refused" (margin not certified
    positive: the network is not differentiable at theta, or float64 cannot resolve a sign).
    max_abs_diff: max |J_candidate - D| over entries, D the mpmath central difference.
    error_bound: max over entries of the per-entry allowance (float64 back-prop rounding bound
    + mpmath difference-quotient bound). margin: certified lower bound on min |g_{l,j}(x_i)| over
    hidden layers (inf for L = 1). step: min over layers of the step h_l; steps: all h_l.
    worst: the entry with the largest diff / allowance ratio (sample i, layer l, a, b, column).
    """

    status: str
    max_abs_diff: float
    error_bound: float
    margin: float
    step: float
    steps: tuple = ()
    dps: int = 50
    worst: dict | None = None
    reason: str = ""
    max_ratio: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "certified"


def certify_jacobian(net: ReLUNetwork, X, dps: int = 50, J=None) -> JacobianCertificate:
    """Certify J = dF_L/dtheta of eq. (2) for ``net`` on the rows of X against exact central
    differences evaluated in mpmath with ``dps`` digits (see the module docstring).

    ``J`` is the candidate (default ``net.jacobian(X)``), shape (N, sum_l n_{l-1} n_l), columns
    [vec(W_1), ..., vec(W_L)] in column-major order. Meant for small networks: the cost is about
    2 N sum_l n_{l-1} n_l (sum_{q >= l} n_{q-1} n_q) multiprecision operations.
    """
    if not isinstance(net, ReLUNetwork):
        raise TypeError(f"net must be a ReLUNetwork, got {type(net).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 20:
        raise ValueError(f"dps must be an integer >= 20, got {dps!r}")
    dps = int(dps)
    X = validate_data(X, d=net.d)
    N, L = X.shape[0], net.L
    cand = net.jacobian(X) if J is None else validate_data(J, name="J")
    if cand.shape != (N, net.n_params):
        raise ValueError(f"J must have shape {(N, net.n_params)}, got {cand.shape}")
    feats = net.features(X)
    W_abs = [np.abs(W) for W in net.weights]
    X_abs = np.abs(X)
    fro = [float(np.linalg.norm(W)) * _SAFETY for W in net.weights]

    with mpmath.workdps(dps):
        u_mp = 2.0 ** (1 - mpmath.mp.prec)
        zero = mpmath.mpf(0)
        Wmp = [_to_mp(W) for W in net.weights]
        Fmp, Gmp = [_to_mp(X)], []
        for l in range(L):
            G = Fmp[-1] @ Wmp[l]
            Gmp.append(G)
            if l < L - 1:
                Fmp.append(np.where(G > 0, G, zero))

        # Certified margin: exact |g| >= |computed g| - (a-priori mp error), hidden layers only.
        # A sample whose input to layer l is the zero vector has g_l(x_i) = 0 identically near
        # theta (its earlier units are frozen off), so those rows are structurally frozen, not
        # points of non-differentiability, and are left out of the margin.
        _, E_mp = _abs_forward_bound(X_abs, W_abs, u_mp)
        margin, where_min, frozen = float("inf"), None, 0
        live_rows = []
        for l in range(L - 1):
            live = np.asarray((Fmp[l] != 0).any(axis=1), dtype=bool)
            live_rows.append(live)
            frozen += int(np.sum(~live))
            if not live.any():
                continue
            lower = np.abs(Gmp[l][live]) - _to_mp(E_mp[l][live] * _SAFETY)
            idx = np.unravel_index(np.argmin(lower), lower.shape)
            val = float(lower[idx])
            if val < margin:
                margin, where_min = val, (l + 1, int(np.flatnonzero(live)[idx[0]]), int(idx[1]))
        margin = margin * (1.0 - 1e-12) if np.isfinite(margin) else margin
        base = dict(dps=dps, margin=margin, extra={"frozen_sample_layers": frozen})
        if margin <= 0.0:
            l, i, j = where_min
            return JacobianCertificate(
                status="refused", max_abs_diff=float("nan"), error_bound=float("nan"),
                step=float("nan"), reason=(
                    f"hidden pre-activation g_{l},{j + 1}(x_{i + 1}) is zero (or not resolved at "
                    f"{dps} digits): the margin is not positive, F_L is not differentiable there"),
                worst={"layer": l, "sample": i, "unit": j}, **base)
        # Float64 back-propagation uses the exact masks iff its pre-activation errors are
        # smaller than the exact |g| (lower bounded by |g_mp| - E_mp).
        Ef_float = _float_forward_errors(net, feats)
        for l in range(L - 1):
            live = live_rows[l]  # frozen rows are computed as exact zeros in float64 as well
            lower = _to_float(np.abs(Gmp[l][live]) - _to_mp(E_mp[l][live] * _SAFETY)).astype(float)
            if np.any(Ef_float[l + 1][live] * _SAFETY >= lower * (1.0 - 1e-12)):
                return JacobianCertificate(
                    status="refused", max_abs_diff=float("nan"), error_bound=float("nan"),
                    step=float("nan"), reason=(
                        f"a layer-{l + 1} pre-activation is too close to 0 for float64 to resolve its "
                        "sign, so the float64 masks cannot be certified"), **base)

        # Step sizes h_l (module docstring): frozen activation pattern on [-h_l, h_l].
        steps = []
        for l in range(L):
            if l == L - 1:
                steps.append(1.0)  # F_L is linear in W_L everywhere
                continue
            R = float(np.max(np.abs(Fmp[l]))) * _SAFETY
            chain, prod = 1.0, 1.0
            for q in range(l + 1, L - 1):
                prod *= fro[q]
                chain = max(chain, prod)
            steps.append(1.0 if R == 0.0 else _pow2_floor(margin / (2.0 * R * chain)))

        D_blocks, mp_bound_blocks = [], []
        for l in range(L):
            h = mpmath.mpf(steps[l])
            n_in, n_out = net.widths[l], net.widths[l + 1]
            P = n_in * n_out
            p = np.arange(P)
            a_idx, b_idx = p % n_in, p // n_in  # column-major vec of W_l
            shift = (Fmp[l][:, a_idx] * h).T  # (P, N): h f_{l-1,a}(x_i), exact (h = 2^k)
            outs = []
            for sgn in (1, -1):
                G = np.repeat(Gmp[l][None, :, :], P, axis=0)
                G[p, :, b_idx] = G[p, :, b_idx] + sgn * shift
                for q in range(l + 1, L):
                    G = np.where(G > 0, G, zero) @ Wmp[q]
                outs.append(G[:, :, 0])
            D_blocks.append(((outs[0] - outs[1]) / (2 * h)).T)  # (N, P)
            # mp rounding bound of the quotient: both evaluations are forward passes with every
            # |W_q| enlarged by h and one extra rounding (the shift) per dot product.
            _, E_pert = _abs_forward_bound(X_abs, [Wa + steps[l] for Wa in W_abs], u_mp, extra=1)
            e_out = E_pert[-1][:, 0] * _SAFETY  # (N,)
            Dabs = _to_float(np.abs(D_blocks[-1])).astype(float)
            mp_bound_blocks.append(
                (np.repeat((e_out / steps[l])[:, None], P, axis=1) + 4.0 * u_mp * Dabs) * _SAFETY
            )
        D = np.concatenate(D_blocks, axis=1)
        diff = _to_float(np.abs(_to_mp(cand) - D)).astype(float)
        # The mp -> float conversion of diff rounds by at most one ulp; allow for it below.
        diff_hi = diff * (1.0 + 2.0 * _U64)

    bound = _float_jacobian_bound(net, feats) + np.concatenate(mp_bound_blocks, axis=1)
    ratio = np.divide(diff_hi, bound, out=np.full_like(diff_hi, np.inf), where=bound > 0)
    ratio[(bound == 0) & (diff_hi == 0)] = 0.0
    i, c = np.unravel_index(np.argmax(ratio), ratio.shape)
    offsets = np.cumsum([0] + [net.widths[l] * net.widths[l + 1] for l in range(L)])
    l = int(np.searchsorted(offsets, c, side="right")) - 1
    local = int(c - offsets[l])
    worst = {
        "sample": int(i), "layer": l + 1, "a": local % net.widths[l], "b": local // net.widths[l],
        "column": int(c), "candidate": float(cand[i, c]), "reference": float(D[i, c]),
        "diff": float(diff[i, c]), "allowance": float(bound[i, c]),
    }
    ok = bool(np.all(diff_hi <= bound))
    return JacobianCertificate(
        status="certified" if ok else "failed",
        max_abs_diff=float(diff.max()),
        error_bound=float(bound.max()),
        step=float(min(steps)),
        steps=tuple(steps),
        worst=worst,
        max_ratio=float(ratio.max()),
        reason="" if ok else (
            f"entry (sample {i + 1}, W_{l + 1}[{worst['a']}, {worst['b']}]) differs from the exact "
            f"derivative by {worst['diff']:.3e} > allowance {worst['allowance']:.3e}"),
        **base,
    )
