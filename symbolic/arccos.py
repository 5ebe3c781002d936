"""Arc-cosine closed forms of the Gaussian expectations in (9)-(10), derived with SymPy.

For (u, v) ~ N(0, [[a, c], [c, b]]) with a, b > 0 and |c| <= sqrt(ab), let
rho = c / sqrt(ab) and theta = arccos(rho) in [0, pi].  The derivation (`derive_relu_kernel`,
`derive_step_kernel`) writes

    u = sqrt(a) z1,   v = sqrt(b) (rho z1 + sqrt(1 - rho^2) z2),   z ~ N(0, I_2),

puts z in polar coordinates z = R (cos phi, sin phi) with density exp(-R^2/2) R/(2 pi), finds
the arc of angles phi where u > 0 and v > 0, and lets SymPy do the radial and angular
integrals.  Nothing of the answer is typed in; `EXPECTED_RELU` / `EXPECTED_STEP` hold the
textbook forms only as something to compare the derivation against.

Naming of the factor 2 in (9)-(10):
    relu_expectation(a, b, c) = E[sigma(u) sigma(v)]              (no factor 2)
    step_expectation(a, b, c) = E[sigma'(u) sigma'(v)]            (no factor 2)
    relu_kernel(a, b, c)      = G_ij    = 2 E[sigma(u) sigma(v)]   (factor 2 of (10) included)
    step_kernel(a, b, c)      = Gdot_ij = 2 E[sigma'(u) sigma'(v)] (factor 2 of (9) included)
with a = G_ii^(l-1), b = G_jj^(l-1), c = G_ij^(l-1).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .hermite import _check_order, relu_hermite, step_hermite

__all__ = [
    "A",
    "B",
    "C",
    "THETA",
    "RHO",
    "EXPECTED_RELU",
    "EXPECTED_STEP",
    "positive_arc",
    "derive_relu_kernel",
    "derive_step_kernel",
    "in_rho",
    "relu_expectation",
    "step_expectation",
    "relu_kernel",
    "step_kernel",
    "kernel_taylor_coefficients",
    "derivation_residuals",
    "mehler_residuals",
    "mehler_holds",
    "derivative_residual",
    "diagonal_residuals",
]

A, B = sp.symbols("a b", positive=True)
C = sp.Symbol("c", real=True)
THETA = sp.Symbol("theta", positive=True)
RHO = sp.Symbol("rho", real=True)

_R = sp.Symbol("R", nonnegative=True)
_PHI = sp.Symbol("phi", real=True)

# Textbook forms (Cho & Saul's arc-cosine kernels of degree 1 and 0), for comparison only.
EXPECTED_RELU = sp.sqrt(A * B) / (2 * sp.pi) * (sp.sin(THETA) + (sp.pi - THETA) * sp.cos(THETA))
EXPECTED_STEP = (sp.pi - THETA) / (2 * sp.pi)


def _positive_throughout(f: sp.Expr, theta: sp.Symbol) -> bool:
    """Decide the sign of a function f, affine in theta, on the open range 0 < theta < pi.

    True if f > 0 throughout, False if f <= 0 throughout (exact: an affine function's sign on an
    interval is fixed by its values at the end points); RuntimeError if f changes sign."""
    if sp.Poly(f, theta).degree() > 1:
        raise RuntimeError(f"{f} is not affine in {theta}")
    at_0, at_pi = f.subs(theta, 0), f.subs(theta, sp.pi)
    if at_0 >= 0 and at_pi >= 0 and not (at_0 == 0 and at_pi == 0):
        return True
    if at_0 <= 0 and at_pi <= 0:
        return False
    raise RuntimeError(f"{f} changes sign for 0 < {theta} < pi")


def positive_arc(theta: sp.Symbol = THETA) -> tuple[sp.Expr, sp.Expr]:
    """The arc {phi : cos(phi) > 0 and cos(phi - theta) > 0} for 0 < theta < pi, decided exactly.

    u > 0 iff phi lies in one of the arcs (-pi/2, pi/2) + 2 pi k; v > 0 iff phi - theta lies in
    (-pi/2, pi/2) mod 2 pi, i.e. phi in the window W = (theta - pi/2, theta + pi/2) of length pi
    (one period of phi suffices since the integrand is 2 pi-periodic).  Only k in {-1, 0, 1} can
    meet W; for each, the emptiness of the intersection and which end points bound it are
    decided by signs of affine functions of theta.  Returns (lo, hi) of the single non-empty
    piece; RuntimeError otherwise.
    """
    w_lo, w_hi = theta - sp.pi / 2, theta + sp.pi / 2
    pieces = []
    for k in (-1, 0, 1):
        u_lo, u_hi = -sp.pi / 2 + 2 * sp.pi * k, sp.pi / 2 + 2 * sp.pi * k
        lo = u_lo if _positive_throughout(u_lo - w_lo, theta) else w_lo
        hi = u_hi if _positive_throughout(w_hi - u_hi, theta) else w_hi
        if _positive_throughout(hi - lo, theta):
            pieces.append((lo, hi))
    if len(pieces) != 1:
        raise RuntimeError(f"expected one arc where u, v > 0, found {pieces}")
    return pieces[0]


def _polar_expectation(integrand: sp.Expr, phi_lo, phi_hi) -> sp.Expr:
    """E[integrand(z) 1{phi in (phi_lo, phi_hi)}] for z ~ N(0, I_2) in polar coordinates."""
    density = sp.exp(-_R**2 / 2) * _R / (2 * sp.pi)
    radial = sp.integrate(sp.expand(integrand * density), (_R, 0, sp.oo))
    angular = sp.integrate(sp.expand_trig(radial), (_PHI, phi_lo, phi_hi))
    if angular.has(sp.Integral):
        raise RuntimeError("SymPy left an integral unevaluated")
    return sp.simplify(angular)


def _gaussian_pair():
    """(u, v) in polar coordinates with rho = cos(theta), sqrt(1 - rho^2) = sin(theta)."""
    z1, z2 = _R * sp.cos(_PHI), _R * sp.sin(_PHI)
    rho = sp.cos(THETA)
    u = sp.sqrt(A) * z1
    v = sp.sqrt(B) * (rho * z1 + sp.sin(THETA) * z2)
    return u, v


@lru_cache(maxsize=None)
def _covariance_of_construction() -> sp.Matrix:
    """Cov(u, v) of the construction, by the same polar integration over the full circle."""
    u, v = _gaussian_pair()
    entries = [[u * u, u * v], [v * u, v * v]]
    return sp.Matrix(2, 2, lambda i, j: _polar_expectation(entries[i][j], -sp.pi, sp.pi))


@lru_cache(maxsize=None)
def derive_relu_kernel() -> sp.Expr:
    """E[sigma(u) sigma(v)] in symbols A, B, THETA, derived by polar integration.

    sigma(u) sigma(v) = u v on the arc `positive_arc()` and 0 elsewhere.  Also asserts that the
    construction has covariance [[a, sqrt(ab) cos theta], [., b]].  Derived for 0 < theta < pi
    (|rho| < 1); the values at theta = 0, pi follow by continuity (dominated convergence).
    Result: sqrt(ab)/(2 pi) (sin theta + (pi - theta) cos theta).  `in_rho` gives the rho form.
    """
    cov = _covariance_of_construction()
    target = sp.Matrix([[A, sp.sqrt(A * B) * sp.cos(THETA)], [sp.sqrt(A * B) * sp.cos(THETA), B]])
    if sp.simplify(cov - target) != sp.zeros(2, 2):
        raise RuntimeError(f"construction has covariance {cov}, not {target}")
    u, v = _gaussian_pair()
    return _polar_expectation(u * v, *positive_arc())


@lru_cache(maxsize=None)
def derive_step_kernel() -> sp.Expr:
    """E[sigma'(u) sigma'(v)] in symbol THETA, derived by polar integration of 1 over the arc:
    (pi - theta)/(2 pi).  Same range remarks as `derive_relu_kernel`."""
    return _polar_expectation(sp.Integer(1), *positive_arc())


def in_rho(expr: sp.Expr) -> sp.Expr:
    """Substitute theta = arccos(rho) (a = b = 1 is left to the caller)."""
    return sp.simplify(expr.subs(THETA, sp.acos(RHO)))


def _validate_entries(a, b, c):
    """Sympify (a, b, c); ValueError for non-finite values, a or b <= 0, or c^2 > ab."""
    try:
        a, b, c = (sp.sympify(x) for x in (a, b, c))
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"kernel arguments must be numbers or SymPy expressions: {exc}") from None
    for name, x in (("a", a), ("b", b), ("c", c)):
        if x.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or x.is_finite is False:
            raise ValueError(f"{name} must be finite, got {x}")
        if x.is_extended_real is False:
            raise ValueError(f"{name} must be real, got {x}")
    for name, x in (("a", a), ("b", b)):
        if x.is_positive is False:
            raise ValueError(f"{name} must be a positive variance, got {x}")
    if (a * b - c**2).is_negative:
        raise ValueError(f"[[a, c], [c, b]] is not positive semidefinite: c^2 > ab for {(a, b, c)}")
    return a, b, c


def _evaluate(expr: sp.Expr, a, b, c) -> sp.Expr:
    a, b, c = _validate_entries(a, b, c)
    theta = sp.acos(c / sp.sqrt(a * b))
    return sp.simplify(expr.subs({A: a, B: b, THETA: theta}, simultaneous=True))


def relu_expectation(a, b, c) -> sp.Expr:
    """E[sigma(u) sigma(v)], (u, v) ~ N(0, [[a, c], [c, b]]), WITHOUT the factor 2 of (10).

    = sqrt(ab)/(2 pi) (sin theta + (pi - theta) cos theta), theta = arccos(c/sqrt(ab)), as
    derived by `derive_relu_kernel`.
    """
    return _evaluate(derive_relu_kernel(), a, b, c)


def step_expectation(a, b, c) -> sp.Expr:
    """E[sigma'(u) sigma'(v)] = (pi - theta)/(2 pi), WITHOUT the factor 2 of (9)."""
    return _evaluate(derive_step_kernel(), a, b, c)


def relu_kernel(a, b, c) -> sp.Expr:
    """G_ij^(l) = 2 E[sigma(u) sigma(v)] of (10), factor 2 INCLUDED:
    sqrt(ab)/pi (sin theta + (pi - theta) cos theta) with a = G_ii, b = G_jj, c = G_ij of layer l-1.
    """
    return 2 * relu_expectation(a, b, c)


def step_kernel(a, b, c) -> sp.Expr:
    """Gdot_ij^(l) = 2 E[sigma'(u) sigma'(v)] of (9), factor 2 INCLUDED: (pi - theta)/pi."""
    return 2 * step_expectation(a, b, c)


def _unit_variance_rho(which: str) -> sp.Expr:
    if which == "relu":
        return in_rho(derive_relu_kernel().subs({A: 1, B: 1}))
    if which == "step":
        return in_rho(derive_step_kernel())
    raise ValueError(f"which must be 'relu' or 'step', got {which!r}")


def _taylor(expr: sp.Expr, n: int) -> list[sp.Expr]:
    poly = sp.series(expr, RHO, 0, n + 1).removeO()
    return [sp.simplify(poly.coeff(RHO, r)) for r in range(n + 1)]


def kernel_taylor_coefficients(n: int, which: str = "relu") -> list[sp.Expr]:
    """Coefficients of rho^0..rho^n of E[sigma(u) sigma(v)] ('relu') or E[sigma'(u) sigma'(v)]
    ('step') at unit variances a = b = 1, c = rho, WITHOUT the factor 2.  By Mehler's formula
    they equal mu_r(sigma)^2, resp. mu_r(sigma')^2."""
    return _taylor(_unit_variance_rho(which), _check_order(n, "n"))


def derivation_residuals(relu_expected=None, step_expected=None) -> tuple[sp.Expr, sp.Expr]:
    """(derived - expected) for E[sigma sigma] and E[sigma' sigma'] in A, B, THETA; zero iff the
    derivation confirms the expected forms (defaults `EXPECTED_RELU`, `EXPECTED_STEP`)."""
    relu_expected = EXPECTED_RELU if relu_expected is None else relu_expected
    step_expected = EXPECTED_STEP if step_expected is None else step_expected
    return (
        sp.simplify(derive_relu_kernel() - relu_expected),
        sp.simplify(derive_step_kernel() - step_expected),
    )


def mehler_residuals(n: int, which: str = "relu", kernel=None, hermite=None) -> list[sp.Expr]:
    """[coef_r(kernel) - hermite(r)^2 for r = 0..n]: all zero iff Mehler's expansion
    E[f(u) f(v)] = sum_r mu_r(f)^2 rho^r holds up to order n at unit variances.

    kernel: expression in RHO (default: the derived one for `which`); hermite: r -> mu_r
    (default `relu_hermite` / `step_hermite`, both from integration).
    """
    n = _check_order(n, "n")
    if kernel is None:
        kernel = _unit_variance_rho(which)
    if hermite is None:
        hermite = {"relu": relu_hermite, "step": step_hermite}.get(which)
        if hermite is None:
            raise ValueError(f"which must be 'relu' or 'step', got {which!r}")
    coefficients = _taylor(kernel, n)
    return [sp.simplify(coefficients[r] - hermite(r) ** 2) for r in range(n + 1)]


def mehler_holds(n: int, which: str = "relu", kernel=None, hermite=None) -> bool:
    """True iff every residual of `mehler_residuals` is exactly zero."""
    return all(res == 0 for res in mehler_residuals(n, which, kernel, hermite))


def derivative_residual(relu=None, step=None, unit_variance: bool = True) -> sp.Expr:
    """d/dc E[sigma(u) sigma(v)] - E[sigma'(u) sigma'(v)]; zero iff the derivative identity holds.

    relu, step: callables (a, b, c) -> expression (defaults `relu_expectation`,
    `step_expectation`).  With unit_variance, a = b = 1 and c = rho; otherwise a, b > 0 are
    symbolic and c = sqrt(ab) rho, with d/dc = (ab)^(-1/2) d/drho (chain rule).
    """
    relu = relu_expectation if relu is None else relu
    step = step_expectation if step is None else step
    a, b = (1, 1) if unit_variance else (A, B)
    scale = sp.sqrt(a * b)
    residual = sp.diff(relu(a, b, scale * RHO), RHO) / scale - step(a, b, scale * RHO)
    return sp.simplify(residual)


def diagonal_residuals(relu=None, step=None) -> tuple[sp.Expr, sp.Expr]:
    """(G(a, a, a) - a, Gdot(a, a, a) - 1) for a symbol a > 0: both zero iff the diagonal facts
    G_ii^(l) = G_ii^(l-1) and Gdot_ii^(l) = 1 hold.  Defaults: the factor-2 `relu_kernel`,
    `step_kernel`."""
    relu = relu_kernel if relu is None else relu
    step = step_kernel if step is None else step
    return sp.simplify(relu(A, A, A) - A), sp.simplify(step(A, A, A) - 1)
