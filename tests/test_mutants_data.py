"""numeric/data.py: mutmut survivors of the data generators and validate_data (docs/mutation.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numeric.data import gaussian, lipschitz_gaussian, sample, validate_data


def test_boolean_data_matrix_is_the_same_reals_as_floats():
    """validate_data accepts a boolean data matrix as the reals 0/1 (as limiting_ntk does)."""
    Xb = np.array([[True, False, True], [False, True, True]])
    out = validate_data(Xb, d=3)
    assert out.dtype == np.float64 and np.array_equal(out, Xb.astype(np.float64))


@pytest.mark.parametrize("fn, args, name", [
    (gaussian, (0, 3), "N"),
    (gaussian, (2.5, 3), "N"),
    (lipschitz_gaussian, (2, 0), "d"),
    (sample, ("gaussian", 2, 0), "d"),
    (sample, ("gaussian", 2, 1.5), "d"),
])
def test_size_errors_name_the_bad_argument(fn, args, name):
    """Issue 6 contract (tests/test_error_names.py): the message starts with the argument's name
    exactly as in the signature; N (samples) and d (input dimension) are the paper's symbols."""
    with pytest.raises((TypeError, ValueError)) as info:
        fn(*args)
    assert str(info.value).startswith(f"{name} "), str(info.value)


def test_mean_is_read_as_real_numbers():
    """``mean`` is a real scalar or a real length-d vector: exact rationals are accepted as the
    same reals, complex offsets are refused (the samples must stay in R^d)."""
    base = sample("rademacher", 4, 3, seed=1)
    assert np.array_equal(sample("rademacher", 4, 3, seed=1, mean=Fraction(1, 2)), base + 0.5)
    mu = [Fraction(1, 2), Fraction(-1, 4), Fraction(3)]
    assert np.array_equal(sample("rademacher", 4, 3, seed=1, mean=mu), base + np.array([0.5, -0.25, 3.0]))
    for bad in (1j, [1j, 0.0, 0.0]):
        with pytest.raises(TypeError):
            sample("rademacher", 4, 3, seed=1, mean=bad)
