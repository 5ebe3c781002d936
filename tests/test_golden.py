"""Regression against golden values computed independently (tests/golden/make_golden.py says how)."""
import json
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

import symbolic
from numeric.eig import lambda_min
from numeric.limiting import limiting_ntk
from numeric.network import ReLUNetwork

GOLDEN = json.loads((Path(__file__).parent / "golden" / "values.json").read_text())
DIGITS = 30


def agree(a, b, digits=DIGITS):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return abs(a - b) <= mpmath.mpf(10) ** (-digits) * max(1, abs(b))


@pytest.mark.parametrize("r", range(0, 61))
def test_hermite_coefficients_match_golden_to_30_digits(r):
    with mpmath.workdps(50):
        for value in (symbolic.relu_hermite(r), symbolic.relu_hermite_closed_form(r)):
            assert agree(sp.N(value, 45), GOLDEN["mu_r"][str(r)]), (r, value)


@pytest.mark.parametrize("L", [2, 3, 4, 5])
def test_limiting_ntk_lambda_min_matches_golden_to_30_digits(L):
    X = np.array(GOLDEN["X"], dtype=float)
    with mpmath.workdps(50):
        K = limiting_ntk(X, L, dps=50)
        enc = lambda_min(K, method="mpmath", dps=40)
        ref = mpmath.mpf(GOLDEN["lambda_min_K"][str(L)])
        assert enc.lo <= ref <= enc.hi or agree(enc.lo, ref), (enc, ref)
        assert agree(enc.hi, ref) and agree(enc.lo, ref)


def test_empirical_ntk_entry_matches_golden():
    W = [np.array(w, dtype=float) / 8 for w in GOLDEN["weights_over_8"]]
    X = np.array(GOLDEN["X"], dtype=float)
    net = ReLUNetwork.from_weights(W)
    exact = Fraction(GOLDEN["ntk_entry_01"]["exact"])
    assert net.ntk(X)[0, 1] == pytest.approx(float(exact), rel=1e-14)
    from numeric.exact_network import decomposition, exact_features

    assert decomposition(exact_features(net, X)).fraction((0, 1)) == exact
