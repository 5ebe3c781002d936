"""eq-8 and eq-10 as claims: verified on the true mathematics, counterexample on false variants."""
import sympy as sp

import symbolic
from verify.claims import section2, section3
from verify.profiles import Profile
from verify.runner import Context

CTX = Context(0, Profile("quick"), "test", "test")


def test_eq8_verified_exactly_for_r_up_to_20():
    for r in range(21):
        out = section2.hermite_matches_closed_form(CTX, r)
        assert out.status == "verified" and out.method == "exact", r


def test_eq8_catches_a_sign_flip():
    flipped = lambda r: -symbolic.relu_hermite_closed_form(r)
    assert section2.hermite_matches_closed_form(CTX, 4, closed_form=flipped).status == "counterexample"


def test_eq8_catches_odd_r_fed_to_the_even_formula():
    out = section2.hermite_matches_closed_form(CTX, 5, closed_form=symbolic.equation_8)
    assert out.status == "counterexample" and out.evidence["residual"] != "0"


def test_derivative_relation_catches_a_missing_sqrt():
    bad_step = lambda r: symbolic.step_hermite(r) * sp.sqrt(r + 1)
    assert section2.derivative_relation(CTX, 3, step=bad_step).status == "counterexample"
    assert section2.derivative_relation(CTX, 3).status == "verified"


def test_parseval_verified_and_catches_a_wrong_normalisation():
    assert section2.parseval(CTX, 20).status == "verified"
    doubled = lambda r: 2 * symbolic.equation_8(r)
    assert section2.parseval(CTX, 20, formula=doubled).status == "counterexample"


def test_eq10_true_forms_verified():
    assert section3.derivation(CTX).status == "verified"
    assert section3.mehler(CTX, "relu", 8).status == "verified"
    assert section3.mehler(CTX, "step", 8).status == "verified"
    assert section3.derivative(CTX, False).status == "verified"
    assert section3.diagonal(CTX).status == "verified"


def test_eq10_catches_theta_replaced_by_pi_minus_theta():
    a, b, t = symbolic.arccos.A, symbolic.arccos.B, symbolic.arccos.THETA
    wrong = sp.sqrt(a * b) / (2 * sp.pi) * (sp.sin(t) + t * sp.cos(sp.pi - t))
    assert section3.derivation(CTX, relu_expected=wrong).status == "counterexample"
    rho = symbolic.arccos.RHO
    wrong_step = (sp.acos(rho)) / (2 * sp.pi)  # theta instead of pi - theta
    assert section3.mehler(CTX, "step", 4, kernel=wrong_step).status == "counterexample"


def test_eq10_catches_the_factor_2_dropped():
    out = section3.diagonal(CTX, relu=symbolic.relu_expectation, step=symbolic.step_expectation)
    assert out.status == "counterexample"
