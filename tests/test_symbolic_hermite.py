"""Equation (8): Hermite coefficients of the ReLU, derived by integration and checked exactly."""

from hyp import examples
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.hermite_e import hermeval
from scipy.integrate import quad

from symbolic import (
    derivative_relation_residual,
    equation_8,
    hermite_residual,
    parseval_relu,
    relu_hermite,
    relu_hermite_closed_form,
    step_hermite,
)
from symbolic.hermite import half_line_moment, parseval_tail_bound

QUICK_R = range(0, 21)


def _quadrature_coefficient(r, f):
    """E[f(g) h_r(g)] on (0, oo) by floating-point quadrature, independent of SymPy."""
    unit = np.zeros(r + 1)
    unit[r] = 1.0
    integrand = lambda x: f(x) * hermeval(x, unit) * math.exp(-x * x / 2)  # noqa: E731
    value, _ = quad(integrand, 0, np.inf, limit=200)
    return value / math.sqrt(2 * math.pi * math.factorial(r))


def _sign_flipped_8(r):
    return -relu_hermite_closed_form(r)


@pytest.mark.parametrize("r", QUICK_R)
def test_integration_agrees_with_equation_8(r):
    assert hermite_residual(r) == 0


@pytest.mark.parametrize("r", [0, 1, 2, 3, 4, 7, 10])
def test_integration_agrees_with_quadrature(r):
    assert float(relu_hermite(r)) == pytest.approx(_quadrature_coefficient(r, lambda x: x), abs=1e-9)
    assert float(step_hermite(r)) == pytest.approx(_quadrature_coefficient(r, lambda x: 1.0), abs=1e-9)


def test_low_order_values():
    assert relu_hermite(0) == 1 / sp.sqrt(2 * sp.pi)
    assert relu_hermite(1) == sp.Rational(1, 2)
    assert relu_hermite(2) == 1 / (2 * sp.sqrt(sp.pi))  # (1/sqrt(2 pi)) (-1)!! / sqrt(2!)
    assert step_hermite(0) == sp.Rational(1, 2)
    assert step_hermite(1) == 1 / sp.sqrt(2 * sp.pi)


@pytest.mark.parametrize("r", range(3, 21, 2))
def test_odd_relu_coefficients_vanish(r):
    assert relu_hermite(r) == 0


@pytest.mark.parametrize("r", range(2, 21, 2))
def test_even_step_coefficients_vanish(r):
    assert step_hermite(r) == 0


@pytest.mark.parametrize("r", range(2, 21, 2))
def test_sign_alternates_as_in_equation_8(r):
    assert sp.sign(relu_hermite(r)) == (-1) ** ((r - 2) // 2)


@pytest.mark.parametrize("r", QUICK_R)
def test_derivative_relation_holds_for_every_r_including_zero(r):
    assert derivative_relation_residual(r) == 0


def test_derivative_relation_at_zero_explicitly():
    assert relu_hermite(1) == step_hermite(0) / sp.sqrt(1) == sp.Rational(1, 2)


@given(st.integers(min_value=0, max_value=40))
@settings(max_examples=examples(30), deadline=None)
def test_property_integration_equals_closed_form(r):
    assert hermite_residual(r) == 0
    assert derivative_relation_residual(r) == 0


def test_moments_are_the_gaussian_half_line_moments():
    for m in range(0, 12):
        expected = 2 ** sp.Rational(m - 1, 2) * sp.gamma(sp.Rational(m + 1, 2))
        assert sp.simplify(half_line_moment(m) - expected) == 0


# --- negative controls -------------------------------------------------------------------------


@pytest.mark.parametrize("r", range(2, 21, 2))
def test_sign_flipped_equation_8_is_rejected(r):
    assert hermite_residual(r, closed_form=_sign_flipped_8) != 0


@pytest.mark.parametrize("r", [3, 5, 7, 9])
def test_odd_r_fed_to_even_formula_is_rejected(r):
    assert hermite_residual(r, closed_form=equation_8) != 0


def test_even_formula_at_r_1_is_undefined():
    with pytest.raises(ValueError):
        equation_8(1)  # (-2)!! does not exist


def test_missing_sqrt_in_derivative_relation_is_rejected():
    wrong_step = lambda r: step_hermite(r) * sp.sqrt(r + 1)  # noqa: E731
    assert any(derivative_relation_residual(r, step=wrong_step) != 0 for r in range(0, 6))


def test_shifted_index_in_derivative_relation_is_rejected():
    wrong_relu = lambda r: relu_hermite(r - 1) if r >= 1 else relu_hermite(0)  # noqa: E731
    assert derivative_relation_residual(0, relu=wrong_relu) != 0


# --- Parseval ----------------------------------------------------------------------------------


def test_parseval_exact_and_enclosed():
    result = parseval_relu(r_max=60)
    assert result.target == sp.Rational(1, 2)
    assert result.series_sum == sp.Rational(1, 2)
    assert result.holds_exactly
    assert result.enclosure_holds
    tail = result.target - result.partial_sum
    assert 0 < float(tail) <= float(result.tail_bound)


def test_parseval_rejects_wrong_normalization():
    wrong = lambda r: equation_8(r) * sp.sqrt(2)  # 1/sqrt(pi) instead of 1/sqrt(2 pi)  # noqa: E731
    result = parseval_relu(r_max=20, formula=wrong)
    assert not result.holds_exactly
    assert not result.enclosure_holds


def test_parseval_rejects_too_small_coefficients():
    wrong = lambda r: equation_8(r) / 2  # noqa: E731
    result = parseval_relu(r_max=60, formula=wrong)
    assert not result.holds_exactly
    assert not result.enclosure_holds


@given(st.integers(min_value=0, max_value=400))
@settings(max_examples=examples(40), deadline=None)
def test_tail_bound_termwise_inequality(k):
    # mu_{2k+2}^2 <= (1/(2 pi)) (2k+1)^(-5/2), the termwise bound behind parseval_tail_bound
    term = relu_hermite_closed_form(2 * k + 2) ** 2
    assert sp.simplify(term * 2 * sp.pi * (2 * k + 1) ** sp.Rational(5, 2) - 1).is_negative


@pytest.mark.parametrize("r_max", [2, 3, 10, 41, 100])
def test_tail_bound_dominates_true_tail(r_max):
    partial = sp.Rational(1, 4) + 1 / (2 * sp.pi)
    partial += sum(relu_hermite_closed_form(r) ** 2 for r in range(2, r_max + 1, 2))
    true_tail = sp.Rational(1, 2) - partial
    assert 0 < sp.N(true_tail, 40) <= sp.N(parseval_tail_bound(r_max), 40)


# --- input validation --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 2.0, 1.5, True, "3", None, sp.Rational(1, 2)])
def test_bad_orders_are_rejected(bad):
    for f in (relu_hermite, relu_hermite_closed_form, step_hermite):
        with pytest.raises(ValueError):
            f(bad)


def test_numpy_and_sympy_integers_accepted():
    assert relu_hermite(np.int64(4)) == relu_hermite_closed_form(sp.Integer(4))
