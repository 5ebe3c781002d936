"""Every validation error names the argument that is wrong (issue 6: one clear line).

Each case passes one bad argument to a public function and expects the message to start with that
argument's name, exactly as in the signature (case-sensitive). Besides documenting the contract,
these tests kill the mutants that only change the name a validator prints (docs/mutation.md).
"""
import importlib
import math

import numpy as np
import pytest
import sympy as sp

from numeric import interval
from symbolic import arccos, hermite, schur

kr = importlib.import_module("numeric.khatri_rao")  # the package exports a function of that name

GOOD = np.ones((2, 2))
NEG = np.array([1.0, -1.0])
EMPTY = np.ones((0, 2))

CASES = [
    # (function, args, kwargs, error type, name)
    (interval.upper_dot_nonneg, (NEG, [1.0, 1.0]), {}, ValueError, "x"),
    (interval.upper_dot_nonneg, ([1.0, 1.0], NEG), {}, ValueError, "y"),
    (interval.lower_dot_nonneg, (NEG, [1.0, 1.0]), {}, ValueError, "x"),
    (interval.lower_dot_nonneg, ([1.0, 1.0], NEG), {}, ValueError, "y"),
    (interval.upper_matvec_nonneg, (-GOOD, [1.0, 1.0]), {}, ValueError, "M"),
    (interval.upper_matvec_nonneg, (GOOD, NEG), {}, ValueError, "x"),
    (kr.khatri_rao, (EMPTY, GOOD), {}, ValueError, "A"),
    (kr.khatri_rao, (GOOD, EMPTY), {}, ValueError, "B"),
    (kr.khatri_rao, (GOOD, np.ones((2, 2, 2))), {}, ValueError, "B"),
    (kr.khatri_rao_power, (EMPTY, 2), {}, ValueError, "F"),
    (kr.khatri_rao_gram, (EMPTY, 2), {}, ValueError, "F"),
    (kr.khatri_rao_gram_with_error, (EMPTY, 2), {}, ValueError, "F"),
    (kr.khatri_rao_gram_with_error, (np.ones((2, 2), dtype=complex), 2), {}, TypeError, "F"),
    (schur.khatri_rao, (sp.zeros(0, 2), sp.ones(2, 2)), {}, ValueError, "A"),
    (schur.khatri_rao, (sp.ones(2, 2), sp.zeros(0, 2)), {}, ValueError, "B"),
    (schur.khatri_rao_power, (sp.zeros(0, 2), 2), {}, ValueError, "F"),
    (schur.hadamard, (sp.zeros(0, 2), sp.ones(2, 2)), {}, ValueError, "A"),
    (schur.hadamard, (sp.ones(2, 2), sp.zeros(0, 2)), {}, ValueError, "B"),
    (schur.hadamard_power, (sp.zeros(0, 2), 2), {}, ValueError, "P"),
    (schur.khatri_rao_gram_residual, (sp.zeros(0, 2), sp.ones(2, 2)), {}, ValueError, "A"),
    (schur.khatri_rao_gram_residual, (sp.ones(2, 2), sp.zeros(0, 2)), {}, ValueError, "B"),
    (schur.khatri_rao_power_residual, (sp.zeros(0, 2), 2), {}, ValueError, "F"),
    (schur.schur_shift_residual, (sp.zeros(0, 2), sp.eye(2), 1), {}, ValueError, "P"),
    (schur.schur_shift_residual, (sp.eye(2), sp.zeros(0, 2), 1), {}, ValueError, "Q"),
    (schur.khatri_rao_power, (sp.ones(2, 2), -1), {}, ValueError, "r"),
    (hermite.relu_hermite, (-1,), {}, ValueError, "r"),
    (hermite.relu_hermite_closed_form, (1.5,), {}, ValueError, "r"),
    (hermite.half_line_moment, (-1,), {}, ValueError, "m"),
    (hermite.parseval_tail_bound, (-2,), {}, ValueError, "r_max"),
    (hermite.parseval_relu, (-2,), {}, ValueError, "r_max"),
    (arccos.kernel_taylor_coefficients, (-1,), {}, ValueError, "n"),
    (arccos.mehler_residuals, (-1,), {}, ValueError, "n"),
    (arccos.relu_kernel, (-1, 1, 0), {}, ValueError, "a"),
    (arccos.relu_kernel, (1, -1, 0), {}, ValueError, "b"),
    (arccos.relu_kernel, (1, 1, math.inf), {}, ValueError, "c"),
    (arccos.step_kernel, (1, 1, sp.I), {}, ValueError, "c"),
]


@pytest.mark.parametrize("fn, args, kwargs, error, name", CASES,
                         ids=[f"{c[0].__module__}.{c[0].__name__}-{c[4]}-{i}" for i, c in enumerate(CASES)])
def test_the_error_names_the_bad_argument(fn, args, kwargs, error, name):
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{name} "), message
    assert "\n" not in message
