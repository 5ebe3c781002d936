"""Data distributions satisfying Assumptions 2.1-2.2 of the paper.

Every generator has the signature ``f(N, d, seed) -> X`` with ``X`` of shape (N, d), float64, rows
i.i.d. from a distribution P_X with

* mean exactly zero (so Theorem 3.2's zero-mean hypothesis holds),
* E ||x||_2^2 = d exactly (Assumption 2.1.2; then 2.1.1 and 2.1.3 follow: E||x|| = Theta(sqrt d)
  by concentration, and the centred second moment equals the uncentred one),
* Lipschitz concentration with a dimension-free constant (Assumption 2.2): the Gaussian, the
  uniform law on the sphere of radius sqrt(d), the uniform law on {-1, +1}^d and on the cube
  [-sqrt 3, sqrt 3]^d (Vershynin 2018), and an O(1)-Lipschitz image of a Gaussian (the paper's
  GAN remark; Seddik et al. 2020).

``sample(name, N, d, seed, mean=...)`` adds an offset to leave the zero-mean setting on purpose.
"""

from __future__ import annotations

import functools
import numbers
from typing import Callable

import numpy as np

__all__ = [
    "DISTRIBUTIONS",
    "as_generator",
    "gaussian",
    "lipschitz_gaussian",
    "lipschitz_gaussian_map",
    "rademacher",
    "sample",
    "sphere",
    "uniform",
    "validate_data",
]


def validate_data(X, d: int | None = None, name: str = "X") -> np.ndarray:
    """Return ``X`` as a float64 array after checking it is a data matrix X = [x_1, ..., x_N]^T.

    Requires a real 2-D array with N >= 1 rows, d >= 1 columns and only finite entries; when
    ``d`` is given the number of columns must equal it (the input dimension n_0 = d of eq. (1)).
    Raises TypeError for non-numeric input and ValueError for every other violation.
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested sequences and the like
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got a complex array")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (N, d), got shape {arr.shape}")
    N, cols = arr.shape
    if N < 1 or cols < 1:
        raise ValueError(f"{name} must have N >= 1 rows and d >= 1 columns, got shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    if d is not None and cols != d:
        raise ValueError(f"{name} has {cols} columns but the network input dimension is d = {d}")
    return arr


def as_generator(seed) -> np.random.Generator:
    """A NumPy Generator from ``None``, a non-negative int, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None, an int or a numpy Generator, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def _check_size(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def gaussian(N: int, d: int, seed=None) -> np.ndarray:
    """N i.i.d. samples of x ~ N(0, I_d): mean 0, E||x||^2 = d."""
    N, d = _check_size(N, "N"), _check_size(d, "d")
    return as_generator(seed).standard_normal((N, d))


def sphere(N: int, d: int, seed=None) -> np.ndarray:
    """N i.i.d. samples uniform on the sphere of radius sqrt(d): ||x||^2 = d exactly, mean 0."""
    N, d = _check_size(N, "N"), _check_size(d, "d")
    rng = as_generator(seed)
    Z = rng.standard_normal((N, d))
    norms = np.linalg.norm(Z, axis=1)
    # A zero Gaussian vector has probability 0; redraw such rows rather than divide by zero.
    while np.any(norms == 0.0):
        bad = norms == 0.0
        Z[bad] = rng.standard_normal((int(bad.sum()), d))
        norms = np.linalg.norm(Z, axis=1)
    return Z * (np.sqrt(d) / norms)[:, None]


def rademacher(N: int, d: int, seed=None) -> np.ndarray:
    """N i.i.d. samples uniform on the hypercube vertices {-1, +1}^d: ||x||^2 = d, mean 0."""
    N, d = _check_size(N, "N"), _check_size(d, "d")
    bits = as_generator(seed).integers(0, 2, size=(N, d))
    return (2.0 * bits - 1.0).astype(np.float64)


def uniform(N: int, d: int, seed=None) -> np.ndarray:
    """N i.i.d. samples uniform on the cube [-sqrt 3, sqrt 3]^d: unit coordinate variance, so
    E||x||^2 = d, mean 0."""
    N, d = _check_size(N, "N"), _check_size(d, "d")
    a = np.sqrt(3.0)
    return as_generator(seed).uniform(-a, a, size=(N, d))


_MAP_SEED = 20210701  # fixes the map phi of ``lipschitz_gaussian``: P_X must not depend on the sample seed


@functools.lru_cache(maxsize=16)
def _lipschitz_map(d: int):
    rng = np.random.default_rng([_MAP_SEED, d])
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(R))[None, :]  # Haar-distributed orthogonal matrix
    B = rng.standard_normal((d, d)) / np.sqrt(d)
    B /= np.linalg.norm(B, 2)  # ||B||_op = 1, so z -> Q tanh(Bz) is 1-Lipschitz
    # E ||Q tanh(Bz)||^2 = sum_j E tanh(s_j xi)^2 with s_j = ||B_j:||, xi ~ N(0,1), because Q is
    # orthogonal; each term is a 1-D Gaussian integral, evaluated by Gauss-Hermite quadrature.
    nodes, weights = np.polynomial.hermite_e.hermegauss(160)
    weights = weights / np.sqrt(2.0 * np.pi)
    s = np.linalg.norm(B, axis=1)
    second_moment = float(np.sum(np.tanh(np.outer(s, nodes)) ** 2 @ weights))
    scale = np.sqrt(d / second_moment)
    for arr in (Q, B):
        arr.setflags(write=False)
    return Q, B, scale


def lipschitz_gaussian_map(d: int):
    """The fixed map x = phi(z) = c * Q tanh(B z) used by ``lipschitz_gaussian``.

    Returns (Q, B, c): Q a fixed Haar orthogonal d x d matrix, B a fixed Gaussian d x d matrix
    normalised to ||B||_op = 1, and c > 0 chosen so that E ||phi(z)||^2 = d exactly for
    z ~ N(0, I_d) (up to quadrature error ~1e-15). phi is odd, so phi(z) has mean exactly 0, and it
    is c-Lipschitz with c = O(1) uniformly in d (c is about 2.3 for large d), so Gaussian
    concentration transfers to P_X with a dimension-free constant (Assumption 2.2).
    """
    d = _check_size(d, "d")
    return _lipschitz_map(d)


def lipschitz_gaussian(N: int, d: int, seed=None) -> np.ndarray:
    """N i.i.d. samples x = c Q tanh(B z), z ~ N(0, I_d): a fixed O(1)-Lipschitz two-layer tanh
    map of a Gaussian (the paper's GAN remark after Assumption 2.2); mean 0, E||x||^2 = d, and
    dependent coordinates. See ``lipschitz_gaussian_map``."""
    N, d = _check_size(N, "N"), _check_size(d, "d")
    Q, B, c = _lipschitz_map(d)
    Z = as_generator(seed).standard_normal((N, d))
    return c * (np.tanh(Z @ B.T) @ Q.T)


DISTRIBUTIONS: dict[str, Callable[..., np.ndarray]] = {
    "gaussian": gaussian,
    "sphere": sphere,
    "rademacher": rademacher,
    "uniform": uniform,
    "lipschitz-gaussian": lipschitz_gaussian,
}


def sample(name: str, N: int, d: int, seed=None, mean=0.0) -> np.ndarray:
    """N i.i.d. samples from ``DISTRIBUTIONS[name]`` in dimension d, shifted by ``mean``.

    ``mean`` is a finite scalar (added to every coordinate) or a finite vector of length d; the
    result then has population mean ``mean`` instead of 0 (Assumption 2.1.3 still holds).
    """
    if not isinstance(name, str):
        raise TypeError(f"distribution name must be a string, got {type(name).__name__}")
    if name not in DISTRIBUTIONS:
        raise ValueError(
            f"unknown distribution {name!r}; choose one of {', '.join(sorted(DISTRIBUTIONS))}"
        )
    N, d = _check_size(N, "N"), _check_size(d, "d")
    try:
        mu = np.asarray(mean, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"mean must be a real scalar or a length-d vector, got {mean!r}") from None
    if mu.ndim > 1 or (mu.ndim == 1 and mu.shape[0] != d):
        raise ValueError(f"mean must be a scalar or a vector of length d = {d}, got shape {mu.shape}")
    if not np.all(np.isfinite(mu)):
        raise ValueError("mean must be finite")
    X = DISTRIBUTIONS[name](N, d, seed)
    if np.any(mu != 0.0):
        X = X + mu
    return X
