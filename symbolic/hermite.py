"""Hermite coefficients of the ReLU and of its derivative, equation (8) of the paper.

Notation.  g ~ N(0, 1), phi(x) = exp(-x^2/2)/sqrt(2 pi), He_r the probabilists' Hermite
polynomial and h_r = He_r / sqrt(r!) its normalization, so that E[h_r(g) h_s(g)] = [r = s].
The r-th Hermite coefficient of f is mu_r(f) = E[f(g) h_r(g)].  sigma(x) = max(x, 0) is the
ReLU and sigma'(x) = 1{x > 0} the step function.

Every value returned by `relu_hermite` and `step_hermite` is *derived by exact integration*:
He_r is expanded in monomials and each monomial is integrated against exp(-x^2/2) on
[0, oo) by `sympy.integrate` (one integral per power, cached).  Equation (8) is only typed in
`equation_8` / `relu_hermite_closed_form`, which are what the integration is checked against.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from mpmath.ctx_iv import MPIntervalContext
from sympy.polys.orthopolys import hermite_prob_poly

__all__ = [
    "half_line_moment",
    "relu_hermite",
    "step_hermite",
    "equation_8",
    "relu_hermite_closed_form",
    "hermite_residual",
    "derivative_relation_residual",
    "relu_second_moment",
    "parseval_tail_bound",
    "ParsevalResult",
    "parseval_relu",
]

_X = sp.Symbol("x", positive=True)
_SQRT_2PI = sp.sqrt(2 * sp.pi)
_IV = MPIntervalContext()  # a private interval context: its precision is nobody else's business
_IV.dps = 60


def _check_order(r, name: str = "r") -> int:
    """Return r as a Python int; ValueError unless r is an integer >= 0 (bool rejected)."""
    if isinstance(r, bool) or not isinstance(r, (numbers.Integral, sp.Integer)):
        raise ValueError(f"{name} must be an integer >= 0, got {r!r}")
    r = int(r)
    if r < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {r}")
    return r


def half_line_moment(m: int) -> sp.Expr:
    """M_m = int_0^oo x^m exp(-x^2/2) dx, by `sympy.integrate` (cached per m).

    Equals 2^((m-1)/2) Gamma((m+1)/2): an integer for odd m, an integer times sqrt(pi/2) for
    even m.  Only the integral is used here, never this closed form.
    """
    return _half_line_moment(_check_order(m, "m"))


@lru_cache(maxsize=None)
def _half_line_moment(m: int) -> sp.Expr:
    value = sp.integrate(_X**m * sp.exp(-_X**2 / 2), (_X, 0, sp.oo))
    if value.has(sp.Integral):
        raise RuntimeError(f"SymPy could not integrate the moment of order {m}")
    return value


@lru_cache(maxsize=None)
def _he_coefficients(r: int) -> tuple[int, ...]:
    """Integer coefficients of He_r, lowest degree first."""
    coeffs = hermite_prob_poly(r, _X, polys=True).all_coeffs()
    return tuple(int(c) for c in reversed(coeffs))


@lru_cache(maxsize=None)
def _half_line_expectation(r: int, power: int) -> sp.Expr:
    """E[g^power 1{g > 0} h_r(g)] = int_0^oo x^power h_r(x) phi(x) dx, term by term."""
    total = sum(
        (c * _half_line_moment(j + power) for j, c in enumerate(_he_coefficients(r)) if c),
        sp.Integer(0),
    )
    return sp.simplify(total / (_SQRT_2PI * sp.sqrt(sp.factorial(r))))


def relu_hermite(r: int) -> sp.Expr:
    """mu_r(sigma) = E[sigma(g) h_r(g)], derived by exact integration (no table, no (8)).

    sigma(x) h_r(x) phi(x) vanishes on x < 0, so mu_r(sigma) = int_0^oo x h_r(x) phi(x) dx,
    a finite combination of the moments `half_line_moment(j + 1)`.
    """
    return _half_line_expectation(_check_order(r), 1)


def step_hermite(r: int) -> sp.Expr:
    """mu_r(sigma') = E[1{g > 0} h_r(g)] for the step sigma' = 1{x > 0}, by exact integration.

    Related to the ReLU by mu_{r+1}(sigma) = mu_r(sigma') / sqrt(r + 1) for every r >= 0,
    including r = 0 (both sides 1/2): Stein's identity E[f(g) He_{r+1}(g)] = E[f'(g) He_r(g)]
    holds for the continuous, piecewise-C^1 ReLU.  See `derivative_relation_residual`.
    """
    return _half_line_expectation(_check_order(r), 0)


def equation_8(r) -> sp.Expr:
    """The right-hand side of (8), evaluated literally for any r (no parity check):

        (1/sqrt(2 pi)) (-1)^((r-2)/2) (r-3)!! / sqrt(r!).

    The paper asserts it equals mu_r(sigma) for even r >= 2.  r may be a SymPy integer symbol
    (used for the Parseval series).  For odd r the value is spurious (imaginary for r >= 3),
    which is what negative controls feed to `hermite_residual`.
    """
    r = sp.sympify(r)
    return (-1) ** ((r - 2) / 2) * sp.factorial2(r - 3) / (_SQRT_2PI * sp.sqrt(sp.factorial(r)))


def relu_hermite_closed_form(r: int) -> sp.Expr:
    """mu_r(sigma) from (8) for even r >= 2, completed by mu_0 = 1/sqrt(2 pi), mu_1 = 1/2 and
    mu_r = 0 for odd r >= 3.  (For r = 2, (r-3)!! = (-1)!! = 1.)  ValueError unless r is an
    integer >= 0."""
    r = _check_order(r)
    if r == 0:
        return 1 / _SQRT_2PI
    if r == 1:
        return sp.Rational(1, 2)
    if r % 2:
        return sp.Integer(0)
    return sp.simplify(equation_8(r))


def hermite_residual(r: int, derived=None, closed_form=None) -> sp.Expr:
    """Exact residual derived(r) - closed_form(r); zero iff (8) (with its completion) holds at r.

    Defaults: derived = `relu_hermite` (integration), closed_form = `relu_hermite_closed_form`.
    Inject e.g. closed_form=equation_8 with an odd r, or a sign-flipped formula, to test rejection.
    """
    r = _check_order(r)
    derived = relu_hermite if derived is None else derived
    closed_form = relu_hermite_closed_form if closed_form is None else closed_form
    return sp.simplify(derived(r) - closed_form(r))


def derivative_relation_residual(r: int, relu=None, step=None) -> sp.Expr:
    """Exact residual mu_{r+1}(sigma) - mu_r(sigma')/sqrt(r+1); zero for every r >= 0.

    Defaults are the integrated `relu_hermite` and `step_hermite`; inject others to test.
    """
    r = _check_order(r)
    relu = relu_hermite if relu is None else relu
    step = step_hermite if step is None else step
    return sp.simplify(relu(r + 1) - step(r) / sp.sqrt(r + 1))


def relu_second_moment() -> sp.Expr:
    """E[sigma(g)^2] = int_0^oo x^2 phi(x) dx, by integration (= 1/2)."""
    return sp.simplify(_half_line_moment(2) / _SQRT_2PI)


def parseval_tail_bound(r_max: int) -> sp.Expr:
    """Proven upper bound on sum_{r > r_max} mu_r(sigma)^2 with mu_r from (8): 1/(6 pi R^(3/2)),
    where R is the largest even number <= r_max (R >= 2 required).

    Derivation.  Odd r >= 3 contribute 0.  For even r = 2k + 2 (k >= 0), (2k-1)!! = (2k)!/(2^k k!)
    gives mu_r^2 = t_k/(2 pi) with t_k = ((2k-1)!!)^2/(2k+2)! = c_k/((2k+1)(2k+2)) and
    c_k = binom(2k, k)/4^k.  Since c_{k+1}/c_k = (2k+1)/(2k+2), a_k = c_k^2 (2k+1) satisfies
    a_{k+1}/a_k = (2k+1)(2k+3)/(2k+2)^2 < 1 and a_0 = 1, hence c_k <= (2k+1)^(-1/2) and
    t_k <= (2k+1)^(-3/2) (2k+2)^(-1) < f(k) := (2k+1)^(-5/2).  f is convex and decreasing, so
    f(k) <= int_{k-1/2}^{k+1/2} f (midpoint rule) and sum_{k >= K} f(k) <= int_{K-1/2}^oo f
    = (2K)^(-3/2)/3.  The terms with r > R are those with k >= K = R/2, so the tail is at most
    (1/(2 pi)) (1/3) R^(-3/2).
    """
    r_max = _check_order(r_max, "r_max")
    big_r = r_max - (r_max % 2)
    if big_r < 2:
        raise ValueError(f"r_max must be >= 2, got {r_max}")
    return 1 / (6 * sp.pi * sp.Integer(big_r) ** sp.Rational(3, 2))


def _certainly_nonnegative(value: sp.Expr) -> bool:
    """True iff an mpmath interval enclosure (60 digits) of the constant `value` lies in [0, oo).

    Rigorous: every rational, pi and sqrt is evaluated in interval arithmetic."""
    enclosure = sp.lambdify(
        (), value, modules=[{"mpf": _IV.mpf, "pi": _IV.pi, "sqrt": _IV.sqrt}, "mpmath"]
    )()
    return bool(_IV.mpf(enclosure).a >= 0)


@dataclass(frozen=True)
class ParsevalResult:
    """Outcome of `parseval_relu`.  All values are exact SymPy numbers.

    target            E[sigma(g)^2], by integration (1/2)
    series_sum        sum_{r>=0} mu_r^2 summed in closed form by SymPy, mu_r from the formula
    exact_residual    series_sum - target (zero iff Parseval holds exactly for the formula)
    r_max             last index of the partial sum
    partial_sum       sum_{r<=r_max} mu_r^2
    tail_bound        proven bound on the tail (valid for (8) itself, see `parseval_tail_bound`)
    enclosure_holds   partial_sum <= target <= partial_sum + tail_bound
    """

    target: sp.Expr
    series_sum: sp.Expr
    exact_residual: sp.Expr
    r_max: int
    partial_sum: sp.Expr
    tail_bound: sp.Expr
    enclosure_holds: bool

    @property
    def holds_exactly(self) -> bool:
        """True iff SymPy's closed-form series sum equals E[sigma(g)^2] exactly."""
        return self.exact_residual == 0


def parseval_relu(r_max: int = 60, formula=None) -> ParsevalResult:
    """Parseval for the ReLU: sum_{r>=0} mu_r(sigma)^2 = E[sigma(g)^2] = 1/2.

    mu_0 = 1/sqrt(2 pi), mu_1 = 1/2, odd r >= 3 vanish, and even r >= 2 come from `formula`
    (default `equation_8`).  SymPy sums the series of formula(2k + 2)^2 over k >= 0 in closed
    form (for (8) it is (pi/2 - 1)/(2 pi), i.e. sum_{even r >= 2} ((r-3)!!)^2/r! = pi/2 - 1;
    all terms are >= 0 so the order of summation is immaterial).  Independently, the partial sum
    up to r_max and the proven tail bound must enclose the target.
    """
    formula = equation_8 if formula is None else formula
    r_max = _check_order(r_max, "r_max")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    head = 1 / (2 * sp.pi) + sp.Rational(1, 4)
    series = sp.summation(sp.expand_power_base(formula(2 * k + 2) ** 2, force=True), (k, 0, sp.oo))
    series_sum = sp.simplify(sp.unpolarify(head + series))
    target = relu_second_moment()
    partial = head + sum(
        (sp.simplify(formula(r) ** 2) for r in range(2, r_max + 1, 2)), sp.Integer(0)
    )
    partial = sp.together(partial)
    tail = parseval_tail_bound(r_max)
    enclosure = _certainly_nonnegative(target - partial) and _certainly_nonnegative(
        partial + tail - target
    )
    return ParsevalResult(
        target=target,
        series_sum=series_sum,
        exact_residual=sp.simplify(series_sum - target),
        r_max=r_max,
        partial_sum=partial,
        tail_bound=tail,
        enclosure_holds=enclosure,
    )
