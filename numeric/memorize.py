r"""Fitting N labels with the ReLU network of eq. (1): damped Gauss-Newton in the NTK geometry.

Corollary 4.2 says that, with one wide layer, for every Y and eps > 0 some theta has
``||F_L(theta) - Y||_2 <= eps``. :func:`fit_labels` looks for such a theta with the Gauss-Newton
step of the empirical NTK (3),

    theta <- theta + J^T Kbar^{-1} t,      Kbar = J J^T,

where the target ``t`` is the residual ``Y - F_L(theta)`` shortened to a trust radius in output
space (the radius grows after good steps and shrinks after bad ones, so each step crosses few
ReLU kinks). ``Kbar^{-1}`` is damped by ``1e-12 lambda_max`` so that the step stays defined when
``Kbar`` is singular (then it is a least-squares step). ``lambda_min(Kbar)`` is recorded at every
accepted iterate.

Labels of any size are handled by homogeneity: ``F_L`` is linear in ``W_L``, so the fit is run on
``Y / s`` for a power of two ``s`` (of the order of ``||Y|| / ||F_L(theta_0)||``) and ``W_L`` is
multiplied by ``s`` at the end, which is exact in binary floating point.

A run that stalls (e.g. a sample whose features die in a narrow layer) is restarted from a fresh
random initialization; the corollary is about the existence of theta, so any starting point is
allowed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .data import as_generator, validate_data
from .network import ReLUNetwork

__all__ = ["FitResult", "fit_labels", "unflatten"]


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit_labels`.

    ``weights``: the final [W_1, ..., W_L] of the best attempt (float64, W_L already rescaled);
    ``residual``: float ``||F_L - Y||_2`` there; ``success``: residual <= eps in float;
    ``iterations``: accepted + rejected steps of the best attempt; ``attempts``: initializations
    tried; ``lambda_path``: lambda_min(Kbar) (float, for the rescaled problem, times s^2 gives the
    original) at every accepted iterate; ``residual_path`` likewise; ``scale``: s."""

    weights: list
    residual: float
    success: bool
    iterations: int
    attempts: int
    lambda_path: tuple
    residual_path: tuple
    scale: float
    details: dict = field(default_factory=dict)


def unflatten(shapes, theta: np.ndarray) -> list:
    """[W_1, ..., W_L] from theta = [vec(W_1), ..., vec(W_L)] (column-major vec, as in J)."""
    out, o = [], 0
    for shape in shapes:
        n = shape[0] * shape[1]
        out.append(theta[o:o + n].reshape(shape, order="F"))
        o += n
    return out


def _flatten(weights) -> np.ndarray:
    return np.concatenate([W.ravel(order="F") for W in weights])


def _one_attempt(net: ReLUNetwork, X, Yt, tol: float, max_iter: int):
    shapes = [W.shape for W in net.weights]
    theta = _flatten(net.weights)
    F = net.forward(X)
    r = Yt - F
    res = float(np.linalg.norm(r))
    J = net.jacobian(X)
    w, V = np.linalg.eigh(J @ J.T)
    tau = res
    lams, ress = [float(w[0])], [res]
    it = 0
    for it in range(1, max_iter + 1):
        if res <= tol:
            break
        # A tiny damping keeps the step defined where Kbar is singular (fewer parameters than
        # samples, or a dead sample); it is negligible when lambda_min(Kbar) is not tiny.
        mu = 1e-12 * max(float(w[-1]), 1e-300)
        t = r if res <= tau else r * (tau / res)
        c = V.T @ t
        wp = np.maximum(w, 0.0)
        step = J.T @ (V @ (c / (wp + mu)))
        change = V @ (c * wp / (wp + mu))  # the linear model's change of F_L
        new = ReLUNetwork.from_weights(unflatten(shapes, theta + step))
        Fn = new.forward(X)
        rn = Yt - Fn
        nr = float(np.linalg.norm(rn))
        predicted = res - float(np.linalg.norm(r - change))
        rho = (res - nr) / predicted if predicted > 0 else -1.0
        if rho > 0.1:
            theta, net, F, r, res = theta + step, new, Fn, rn, nr
            J = net.jacobian(X)
            w, V = np.linalg.eigh(J @ J.T)
            lams.append(float(w[0]))
            ress.append(res)
            if rho > 0.75:
                tau = max(tau, 2.0 * float(np.linalg.norm(t)))
        else:
            tau = 0.25 * min(tau, float(np.linalg.norm(t)))
            if tau <= 1e-12 * max(res, 1e-300):
                break  # no progress possible at any radius: a stationary point of the model
    return net, res, it, lams, ress


def fit_labels(widths, X, Y, *, init="he", eps: float = 1e-8, seed=None, max_iter: int = 200,
               restarts: int = 5) -> FitResult:
    """Search theta with ``||F_L(theta) - Y||_2 <= eps`` for the network of the given widths
    (``[d, n_1, ..., n_{L-1}]``) on the rows of X (see the module docstring).

    Each attempt draws a fresh initialization (``init`` as in :meth:`ReLUNetwork.init`) from the
    generator of ``seed``; at most ``restarts`` attempts; the best attempt is returned (the
    earliest of attempts with equal residuals)."""
    X = validate_data(X)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 1 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must be a vector of length N = {X.shape[0]}, got shape {Y.shape}")
    if not np.all(np.isfinite(Y)):
        raise ValueError("Y contains NaN or infinite entries")
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    if int(restarts) < 1 or int(max_iter) < 1:
        raise ValueError("restarts and max_iter must be >= 1")
    rng = as_generator(seed)
    best = None
    for attempt in range(1, int(restarts) + 1):
        net = ReLUNetwork.init(widths, init=init, seed=rng)
        F0 = net.forward(X)
        ratio = float(np.linalg.norm(Y)) / max(float(np.linalg.norm(F0)), 1e-300)
        s = 2.0 ** round(math.log2(ratio)) if ratio > 0 else 1.0
        # stop a little below eps / s so that the rescaled float residual is <= eps
        net, res, it, lams, ress = _one_attempt(net, X, Y / s, 0.5 * eps / s, int(max_iter))
        weights = list(net.weights)
        weights[-1] = weights[-1] * s  # exact: s is a power of two
        final = ReLUNetwork.from_weights(weights)
        residual = float(np.linalg.norm(final.forward(X) - Y))
        cand = FitResult(weights=weights, residual=residual, success=residual <= eps, iterations=it,
                         attempts=attempt, lambda_path=tuple(lams), residual_path=tuple(ress), scale=s)
        if best is None or cand.residual < best.residual:
            best = cand
        if cand.success:
            break
    return FitResult(**{**best.__dict__, "attempts": attempt})
