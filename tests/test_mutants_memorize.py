"""numeric/memorize.py: mutmut survivors of the Gauss-Newton label fitter fit_labels (docs/mutation.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numeric.memorize import fit_labels
from numeric.network import ReLUNetwork


def _problem(N, d, seed):
    return np.random.default_rng(seed).standard_normal((N, d)), np.random.default_rng(seed + 100).standard_normal(N)


@pytest.mark.parametrize("N, d, n, seed", [(6, 3, [5], 1), (8, 3, [4, 4], 2)])
def test_fit_is_equivariant_under_power_of_two_scaling_of_the_data(N, d, n, seed):
    """F_L and J are positively 1-homogeneous in X (eq. (1) has no biases), and the Gauss-Newton
    step J^T Kbar^{-1} t, the trust radius and the stopping tests are scale-free, so
    X -> 2^k X gives the same iterates theta (the label scale s absorbs 2^-k): the same
    iterations, success and final residual, residual_path times 2^k and lambda_path times 4^k
    (both are for the rescaled labels Y / s).  (6, 3, [5]) fits, (8, 3, [4, 4]) stalls."""
    X, Y = _problem(N, d, seed)
    ref = fit_labels([d, *n], X, Y, seed=seed, restarts=1)
    for k in (-20, 20):
        r = fit_labels([d, *n], X * 2.0**k, Y, seed=seed, restarts=1)
        assert (r.iterations, r.success, r.scale) == (ref.iterations, ref.success, ref.scale * 2.0**-k)
        assert r.residual == pytest.approx(ref.residual, rel=1e-12, abs=1e-14)
        assert np.allclose(r.residual_path, 2.0**k * np.array(ref.residual_path), rtol=1e-12, atol=0)
        assert np.allclose(r.lambda_path, 4.0**k * np.array(ref.lambda_path), rtol=1e-10,
                           atol=4.0**k * 1e-12 * max(ref.lambda_path))


def test_never_stops_while_the_residual_still_exceeds_eps():
    """One attempt on a problem it solves (final residual ~3e-15) must report success for every
    eps in [4e-12, 0.1]: the ratio-1.5 grid puts every iterate's residual in some (eps, 1.5 eps],
    so a run that stopped at a residual above eps would be caught."""
    X, Y = _problem(6, 3, 1)
    for eps in 0.1 * 1.5 ** -np.arange(60):
        fit = fit_labels([3, 5], X, Y, seed=1, restarts=1, eps=float(eps))
        assert fit.success and fit.residual <= eps, (eps, fit.residual)


def test_zero_labels_are_fitted():
    """Corollary 4.2 covers every Y, including Y = 0 (then ||Y|| / ||F_L|| = 0 and s = 1)."""
    X, _ = _problem(6, 3, 1)
    fit = fit_labels([3, 5], X, np.zeros(6), seed=1, restarts=1)
    assert fit.success and fit.residual <= 1e-8 and fit.scale == 1.0
    assert np.linalg.norm(ReLUNetwork.from_weights(fit.weights).forward(X)) <= 1e-8


def test_labels_are_read_as_real_numbers():
    """Exact rationals are the same real labels as their float values: same fit."""
    X, Y = _problem(6, 3, 1)
    ref = fit_labels([3, 5], X, Y, seed=1, restarts=1)
    fit = fit_labels([3, 5], X, [Fraction(y) for y in Y], seed=1, restarts=1)
    assert (fit.success, fit.residual, fit.iterations) == (ref.success, ref.residual, ref.iterations)
    assert all(np.array_equal(a, b) for a, b in zip(fit.weights, ref.weights))


def test_restarts_that_cannot_do_better_leave_the_first_attempt():
    """x_3 = 0 gives f_L(x_3) = 0 for every theta (no biases), so no attempt beats the residual
    |y_3| = 1000 (the other rows are fitted far below 1e-5, invisible in the float norm): every
    attempt ties, and an attempt replaces the kept one only if it is strictly better, so three
    restarts return exactly the result of one."""
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
    Y = np.array([1.0, -0.5, 1000.0])
    one = fit_labels([2, 8], X, Y, seed=7, restarts=1)
    three = fit_labels([2, 8], X, Y, seed=7, restarts=3)
    assert one.residual == three.residual == 1000.0 and not three.success and three.attempts == 3
    assert one.iterations == three.iterations
    assert all(np.array_equal(a, b) for a, b in zip(one.weights, three.weights))
