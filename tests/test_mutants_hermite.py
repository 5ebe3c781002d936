"""symbolic/hermite.py: the residual checkers really use the formulas they are handed (negative
controls through injection).  Written against mutmut survivors (docs/mutation.md)."""
from __future__ import annotations

import sympy as sp

from symbolic.hermite import hermite_residual, relu_hermite, relu_hermite_closed_form


def test_hermite_residual_uses_the_injected_derivation():
    assert hermite_residual(4) == 0
    sign_flipped = lambda r: -relu_hermite(r)
    assert hermite_residual(4, derived=sign_flipped) != 0
    assert hermite_residual(4, derived=relu_hermite_closed_form) == 0
    assert sp.simplify(hermite_residual(2, derived=lambda r: 0) + relu_hermite_closed_form(2)) == 0


def test_nonnegativity_decider_is_rigorous_beyond_double_precision():
    from symbolic.hermite import _certainly_nonnegative

    # q - sqrt(2) = 1.2e-18 > 0, but a double-precision sqrt(2) (rounded up) makes it -9.5e-17
    q = sp.Rational(141421356237309505, 10**17)
    assert _certainly_nonnegative(q - sp.sqrt(2)) is True
    assert _certainly_nonnegative(sp.sqrt(2) - q) is False
    assert _certainly_nonnegative(sp.pi - sp.Rational(314159265358979323846, 10**20)) is True  # 2.6e-21
    assert _certainly_nonnegative(sp.Rational(314159265358979323846, 10**20) - sp.pi) is False


def test_parseval_partial_sum_is_the_sum_up_to_r_max():
    from symbolic.hermite import equation_8, parseval_relu

    res = parseval_relu(5)  # odd r_max: the even terms r = 2, 4 only
    expected = 1 / (2 * sp.pi) + sp.Rational(1, 4) + equation_8(2) ** 2 + equation_8(4) ** 2
    assert sp.simplify(res.partial_sum - expected) == 0
    assert res.enclosure_holds and res.holds_exactly


def test_tail_bound_is_valid_and_within_a_factor_two_of_the_true_tail():
    """sum_{even r > R} mu_r^2 with mu_r from (8), i.e. (1/(2 pi)) sum_{k >= R/2} t_k with
    t_k = ((2k-1)!!)^2/(2k+2)!, summed by mpmath: the proven bound 1/(6 pi R^(3/2)) lies above it
    and stays within a factor 1.7 of it (ratio ~1.26 for large R): the R^(3/2) decay is the truth."""
    import mpmath

    from symbolic.hermite import parseval_tail_bound

    with mpmath.workdps(30):
        def t(k):
            log_df = mpmath.loggamma(2 * k + 1) - k * mpmath.log(2) - mpmath.loggamma(k + 1)
            return mpmath.exp(2 * log_df - mpmath.loggamma(2 * k + 3))

        for R in (2, 10, 60, 200):
            tail = mpmath.nsum(t, [R // 2, mpmath.inf]) / (2 * mpmath.pi)
            bound = mpmath.mpf(sp.N(parseval_tail_bound(R), 30))
            assert tail < bound < 1.7 * tail
        assert parseval_tail_bound(61) == parseval_tail_bound(60)  # R = largest even <= r_max


def test_parseval_series_for_a_form_of_8_valid_only_at_even_r():
    """`formula` is only used at even r = 2k + 2 (k a non-negative integer): (8) written with
    floor(r/2) in place of r/2 is the same sequence there, so its series must also sum to 1/2."""
    from symbolic.hermite import _SQRT_2PI, equation_8, parseval_relu

    floor_form = lambda r: (sp.factorial2(2 * sp.floor(r / 2) - 3)
                            / (_SQRT_2PI * sp.sqrt(sp.factorial(r))))
    assert all(sp.simplify(floor_form(r) ** 2 - equation_8(r) ** 2) == 0 for r in (2, 4, 6))
    res = parseval_relu(6, formula=floor_form)
    assert res.series_sum == sp.Rational(1, 2) and res.holds_exactly and res.enclosure_holds
