"""Equations (9)-(10): arc-cosine closed forms derived by polar integration, with exact checks."""

from hyp import examples
import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import norm

from symbolic import (
    derivation_residuals,
    derivative_residual,
    derive_relu_kernel,
    derive_step_kernel,
    diagonal_residuals,
    equation_8,
    kernel_taylor_coefficients,
    mehler_holds,
    mehler_residuals,
    relu_expectation,
    relu_kernel,
    step_expectation,
    step_kernel,
)
from symbolic.arccos import A, B, EXPECTED_RELU, EXPECTED_STEP, RHO, THETA, in_rho, positive_arc


def _conditional_relu(a, b, c):
    """E[sigma(u) sigma(v)] by 1-D quadrature over u of E[sigma(v) | u] (independent of SymPy)."""
    s = math.sqrt(max(b - c * c / a, 0.0))

    def inner(x):
        m = c * x / a
        return m * norm.cdf(m / s) + s * norm.pdf(m / s) if s > 0 else max(m, 0.0)

    f = lambda x: x * inner(x) * norm.pdf(x, scale=math.sqrt(a))  # noqa: E731
    return quad(f, 0, math.inf, limit=200)[0]


def _conditional_step(a, b, c):
    s = math.sqrt(b - c * c / a)
    f = lambda x: norm.cdf(c * x / a / s) * norm.pdf(x, scale=math.sqrt(a))  # noqa: E731
    return quad(f, 0, math.inf, limit=200)[0]


def test_positive_arc_is_theta_minus_half_pi_to_half_pi():
    lo, hi = positive_arc()
    assert sp.simplify(lo - (THETA - sp.pi / 2)) == 0 and hi == sp.pi / 2


def test_derivation_confirms_arc_cosine_forms():
    assert derivation_residuals() == (0, 0)
    assert sp.simplify(derive_relu_kernel() - EXPECTED_RELU) == 0
    assert sp.simplify(derive_step_kernel() - EXPECTED_STEP) == 0


@given(
    a=st.floats(0.1, 5.0),
    b=st.floats(0.1, 5.0),
    t=st.floats(-0.95, 0.95),
)
@settings(max_examples=examples(15), deadline=None)
def test_closed_forms_agree_with_independent_quadrature(a, b, t):
    c = t * math.sqrt(a * b)
    assert float(relu_expectation(a, b, c)) == pytest.approx(_conditional_relu(a, b, c), rel=1e-7)
    assert float(step_expectation(a, b, c)) == pytest.approx(_conditional_step(a, b, c), rel=1e-7)


def test_factor_two_is_in_kernels_only():
    assert relu_kernel(2, 3, 1) == 2 * relu_expectation(2, 3, 1)
    assert step_kernel(2, 3, 1) == 2 * step_expectation(2, 3, 1)
    assert relu_kernel(A, B, 0) == sp.sqrt(A * B) / sp.pi
    assert step_kernel(A, B, 0) == sp.Rational(1, 2)


def test_extreme_correlations():
    assert relu_kernel(sp.Rational(1, 2), 2, -1) == 0  # theta = pi
    assert step_kernel(sp.Rational(1, 2), 2, -1) == 0
    assert relu_kernel(4, 9, 6) == 6  # theta = 0: sqrt(ab)
    assert step_kernel(4, 9, 6) == 1


@given(
    a=st.fractions(min_value=sp.Rational(1, 10), max_value=5),
    b=st.fractions(min_value=sp.Rational(1, 10), max_value=5),
    t=st.integers(-3, 3),
    s=st.integers(1, 5),
)
@settings(max_examples=examples(25), deadline=None)
def test_positive_homogeneity(a, b, t, s):
    a, b = sp.Rational(a), sp.Rational(b)
    c = sp.Rational(t, 3) * sp.sqrt(a * b)
    scaled = relu_kernel(s * a, s * b, s * c)
    assert sp.simplify(scaled - s * relu_kernel(a, b, c)) == 0
    assert sp.simplify(step_kernel(s * a, s * b, s * c) - step_kernel(a, b, c)) == 0


def test_taylor_coefficients_match_equation_8_squared():
    coeffs = kernel_taylor_coefficients(12)
    assert coeffs[0] == 1 / (2 * sp.pi) and coeffs[1] == sp.Rational(1, 4)
    for r in range(2, 13):
        expected = equation_8(r) ** 2 if r % 2 == 0 else 0
        assert sp.simplify(coeffs[r] - expected) == 0


@pytest.mark.parametrize("which", ["relu", "step"])
def test_mehler_expansion_to_order_20(which):
    assert mehler_residuals(20, which) == [0] * 21
    assert mehler_holds(20, which)


def test_derivative_identity_unit_and_general_variances():
    assert derivative_residual() == 0
    assert derivative_residual(unit_variance=False) == 0


def test_diagonal_facts():
    assert diagonal_residuals() == (0, 0)


# --- negative controls -------------------------------------------------------------------------

_FLIPPED_RELU = EXPECTED_RELU.subs(THETA, sp.pi - THETA)
_FLIPPED_STEP = EXPECTED_STEP.subs(THETA, sp.pi - THETA)


def _flipped_relu(a, b, c):
    return relu_expectation(a, b, -c)  # theta -> pi - theta


def test_derivation_rejects_false_forms():
    assert derivation_residuals(relu_expected=2 * EXPECTED_RELU)[0] != 0
    assert derivation_residuals(relu_expected=_FLIPPED_RELU)[0] != 0
    assert derivation_residuals(step_expected=_FLIPPED_STEP)[1] != 0
    assert derivation_residuals(step_expected=EXPECTED_STEP / 2)[1] != 0


def test_mehler_rejects_theta_flip_and_factor_two():
    flipped = in_rho(_FLIPPED_RELU.subs({A: 1, B: 1}))
    assert not mehler_holds(6, "relu", kernel=flipped)
    assert not mehler_holds(6, "step", kernel=in_rho(_FLIPPED_STEP))
    doubled = 2 * in_rho(EXPECTED_RELU.subs({A: 1, B: 1}))
    assert not mehler_holds(6, "relu", kernel=doubled)


def test_mehler_rejects_wrong_hermite_coefficients():
    assert not mehler_holds(6, "relu", hermite=lambda r: equation_8(r) if r >= 2 else 1)


def test_derivative_identity_rejects_false_variants():
    assert derivative_residual(relu=_flipped_relu) != 0
    assert derivative_residual(step=step_kernel) != 0  # factor 2 where none belongs
    assert derivative_residual(relu=relu_kernel, unit_variance=False) != 0


def test_diagonal_facts_reject_dropped_factor_two_and_theta_flip():
    dropped = diagonal_residuals(relu=relu_expectation, step=step_expectation)
    assert sp.simplify(dropped[0] + A / 2) == 0 and dropped[1] == sp.Rational(-1, 2)
    flipped = diagonal_residuals(relu=lambda a, b, c: 2 * _flipped_relu(a, b, c))
    assert flipped[0] != 0


def test_independent_quadrature_detects_theta_flip():
    a, b, c = 1.0, 2.0, 0.7
    assert abs(float(_flipped_relu(a, b, c)) - _conditional_relu(a, b, c)) > 1e-2


# --- input validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [(0, 1, 0), (-1, 1, 0), (1, 0, 0), (1, 1, 2), (1, 4, -3), (float("nan"), 1, 0),
     (1, float("inf"), 0), (1, 1, sp.I), ("x y", 1, 0)],
)
def test_bad_kernel_arguments_rejected(args):
    for f in (relu_kernel, step_kernel, relu_expectation, step_expectation):
        with pytest.raises(ValueError):
            f(*args)


def test_bad_taylor_order_and_kind_rejected():
    with pytest.raises(ValueError):
        kernel_taylor_coefficients(-1)
    with pytest.raises(ValueError):
        kernel_taylor_coefficients(3, which="tanh")


def test_taylor_in_rho_symbol():
    assert kernel_taylor_coefficients(2, "step") == [sp.Rational(1, 4), 1 / (2 * sp.pi), 0]
    assert RHO.is_real
