"""The derivative identity d/dc E[sigma(u) sigma(v)] = E[sigma'(u) sigma'(v)] (symbolic/arccos.py)
checked at unit variance and with symbolic variances a, b.  Written against mutmut survivors
(docs/mutation.md)."""
from __future__ import annotations

import sympy as sp

from symbolic.arccos import derivative_residual, relu_expectation


def _relu_without_variance_scale(a, b, c):
    """E[sigma sigma] evaluated at unit variances and correlation c / sqrt(ab): right only for
    a = b = 1 (the sqrt(ab) prefactor is missing)."""
    return relu_expectation(1, 1, c / sp.sqrt(a * b))


def test_unit_variance_check_is_exactly_a_equals_b_equals_one():
    assert derivative_residual() == 0
    assert derivative_residual(relu=_relu_without_variance_scale) == 0


def test_symbolic_variance_check_rejects_a_missing_variance_scale():
    assert derivative_residual(unit_variance=False) == 0
    assert derivative_residual(relu=_relu_without_variance_scale, unit_variance=False) != 0


def test_sign_decider_on_the_open_range_zero_to_pi():
    """`_positive_throughout` decides the sign of an AFFINE f on 0 < theta < pi from its end
    values; the endpoint argument is wrong for curved f, so those must be refused."""
    import pytest

    from symbolic.arccos import THETA, _positive_throughout

    assert _positive_throughout(1 - THETA / sp.pi, THETA) is True  # vanishes only at theta = pi
    assert _positive_throughout(THETA, THETA) is True  # vanishes only at theta = 0
    assert _positive_throughout(sp.Integer(0), THETA) is False  # the zero function is not > 0
    assert _positive_throughout(-THETA, THETA) is False
    for curved in (THETA**2 + sp.pi, sp.pi * THETA**2 - 1, THETA * (THETA - sp.pi) + 1):
        with pytest.raises(RuntimeError):
            _positive_throughout(curved, THETA)
    with pytest.raises(RuntimeError):
        _positive_throughout(THETA - sp.pi / 2, THETA)  # changes sign inside the range


def test_kernel_arguments_with_infinite_parts_are_refused():
    import pytest

    from symbolic.arccos import relu_kernel

    t = sp.Symbol("t")
    for bad in (t + sp.oo, t - sp.oo, sp.oo, -sp.oo, sp.zoo, sp.nan):
        for args in ((bad, 1, 0), (1, bad, 0), (1, 1, bad)):
            with pytest.raises(ValueError):
                relu_kernel(*args)


def test_kernel_is_symmetric_in_the_two_variances_even_as_symbols():
    from symbolic.arccos import A, B, relu_expectation, step_expectation

    # substituting (A, B) -> (B, A) must be simultaneous: sqrt(ab) stays sqrt(ab)
    assert sp.simplify(relu_expectation(B, A, 0) - sp.sqrt(A * B) / (2 * sp.pi)) == 0
    assert sp.simplify(relu_expectation(B, A, 0) - relu_expectation(A, B, 0)) == 0
    assert step_expectation(B, A, 0) == sp.Rational(1, 4)


def test_non_finite_or_complex_variances_are_named():
    """Issue 6 contract (tests/test_error_names.py): the message starts with the bad argument's
    name as in the signature (a, b: the variances; A and B are the symbols of the covariance)."""
    import pytest

    from symbolic.arccos import relu_kernel

    for args, name in (((sp.oo, 1, 0), "a"), ((sp.I, 1, 0), "a"), ((1, sp.oo, 0), "b"), ((1, sp.I, 0), "b")):
        with pytest.raises(ValueError) as info:
            relu_kernel(*args)
        assert str(info.value).startswith(f"{name} "), str(info.value)
