r"""Certified enclosures of the smallest eigenvalue of a real symmetric matrix.

Every comparison of an eigenvalue with a bound in the suite (Theorems 3.2, 4.1, 5.1, Lemmas 5.3-5.5
with (30) and (32), the Schur product step behind (24)) goes through :func:`lambda_min` or
:func:`decide`.

Meaning.  ``lambda_min(A)`` encloses ``lambda_min(A)`` of the *exact* symmetric matrix whose entries
are the given numbers (binary64 floats or mpmath ``mpf``, both exact dyadic rationals).  ``abs_err``
is a rigorous bound on ``||A_true - A||_2`` for the matrix the caller really means (for example a
Frobenius-norm bound on the rounding errors that produced ``A``); by Weyl's inequality
``|lambda_min(A_true) - lambda_min(A)| <= ||A_true - A||_2`` it widens the enclosure both ways.

Methods (``Enclosure.method`` says honestly what was proven):

``"exact"``
    ``A`` is diagonal (this includes ``n = 1``): ``lambda_min`` is its smallest diagonal entry.
``"float"``
    LAPACK ``eigh`` only, ``lo/hi = lam_hat -/+ gamma_n ||A||_F``.  The half-width is the usual
    backward-stability estimate ``c(n) u ||A||`` with ``c(n) = n``; LAPACK does not guarantee it, so
    this enclosure is **not certified** (``certified = False``).
``"certified"``
    Both ends proven under IEEE binary64 round-to-nearest and conventional BLAS/LAPACK (inner
    products evaluated as sums of products in any order, fused multiply-add allowed, no Strassen).
    ``hi``: a rigorous upper bound of the Rayleigh quotient of the computed eigenvector, see
    :func:`_rayleigh_upper`.  ``lo``: the Cholesky certificate of :func:`_cholesky_lower`.
``"certified-gershgorin"``
    As "certified", but every Cholesky attempt failed, so ``lo`` is the (weak, proven) Gershgorin
    bound ``min_i (a_ii - sum_{j != i} |a_ij|)``.
``"mpmath-kato-temple"``
    Both ends proven, at about ``dps`` digits, in exact rational/integer arithmetic: ``hi`` is the
    exact Rayleigh quotient ``rho`` of a refined eigenvector, ``lo = rho - ||r||^2 / (b - rho)``
    (Kato-Temple) with a certified lower bound ``b`` on ``lambda_2`` (float Cholesky after a
    rank-one deflation, or an exact LDL^T inertia count); see :func:`_refine_and_bound` and
    :func:`_high_precision_stage`.
``"mpmath-ldl"``
    Both ends proven; ``lo`` from an exact fixed-point LDL^T positivity certificate of ``A - sI``
    (used when ``lambda_1`` is not separated from ``lambda_2``, e.g. a multiple eigenvalue); see
    :func:`_ldl_bound`.
``"mpmath-rayleigh"``
    Both ends proven, but only ``hi`` (the exact Rayleigh quotient) is high precision: no
    high-precision lower certificate applied (``n`` too large for the O(n^3) fallbacks), so ``lo``
    is the float certificate.

``dps`` for the mpmath methods is a target: the result is always proven, and aims at ``dps``
significant digits of ``lambda_min`` (``hi - lo <= 10^-dps |lambda_min|``), or, when the sign of
``lambda_min`` stays open (e.g. ``lambda_min = 0``), at ``hi - lo <= 10^-dps max_ij |a_ij|``;
``details["note"]`` says when the target was missed.

``Enclosure.report_method`` maps these to the report vocabulary of the contract
(``exact | certified | high-precision | float``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import scipy.linalg
from mpmath import libmp
from mpmath.matrices.matrices import _matrix as _MpMatrix  # base class of every context's matrix
from scipy.linalg.lapack import dpotrf

from .interval import (
    TINY,
    U,
    Interval,
    gamma,
    is_mpf,
    lower_dot_nonneg,
    round_down,
    round_up,
    upper_dot_nonneg,
    upper_fro_norm,
    upper_matvec_nonneg,
    upper_sum,
    upper_sumsq,
)
from numeric.rational import to_fraction
from numeric.validate import integer_at_least

__all__ = ["Enclosure", "Decision", "lambda_min", "decide"]

_METHODS = ("auto", "float", "certified", "mpmath")
_DEFAULT_DPS = 30
_LOG2_10 = math.log2(10.0)
_LDL_MAX_N = 400  # the exact LDL^T costs ~n^3/3 big-integer operations (~1-2 s at n = 200)


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Enclosure:
    """``lo <= lambda_min(A_true) <= hi`` (proven when ``certified``).

    ``lo``/``hi`` are floats for the float methods and mpmath ``mpf`` (rounded outward at about
    ``dps`` digits) for the mpmath methods.  ``estimate`` is a float point estimate, ``abs_err`` the
    Weyl widening already included in ``lo``/``hi``, ``details`` method-specific evidence."""

    lo: Any
    hi: Any
    method: str
    certified: bool
    n: int
    dps: int | None = None
    abs_err: float = 0.0
    estimate: float = math.nan
    note: str = ""
    details: dict = field(default_factory=dict, compare=False, hash=False)

    def as_interval(self) -> Interval:
        """Outward float enclosure ``Interval(lo, hi)``."""
        return Interval(Interval.point(self.lo).lo, Interval.point(self.hi).hi)

    @property
    def width(self) -> float:
        """Float upper bound for ``hi - lo``."""
        if isinstance(self.lo, float) and isinstance(self.hi, float):
            return round_up(self.hi - self.lo)
        return Interval.point(_to_fraction(self.hi) - _to_fraction(self.lo)).hi

    @property
    def report_method(self) -> str:
        """The contract's ``method`` word: exact, certified, high-precision or float."""
        if self.method == "exact":
            return "exact" if self.abs_err == 0 else "certified"
        if self.method.startswith("mpmath"):
            return "high-precision"
        return "certified" if self.certified else "float"


@dataclass(frozen=True)
class Decision:
    """Outcome of :func:`decide`: ``result`` is True/False when proven, None when undecided;
    ``reason`` says why in one sentence."""

    result: bool | None
    enclosure: Enclosure
    method: str
    op: str
    threshold: Any
    reason: str


# ------------------------------------------------------------------------------------------------
# Input normalisation
# ------------------------------------------------------------------------------------------------
_to_fraction = to_fraction


def _mpf_round(q: Fraction, prec: int, rnd: str):
    """mpf nearest to the exact rational ``q`` in direction ``rnd`` ('f' floor, 'c' ceiling)."""
    return mpmath.mp.make_mpf(libmp.from_rational(q.numerator, q.denominator, prec, rnd))


def _check_shape(shape) -> int:
    if len(shape) != 2:
        raise ValueError(f"A must be a 2-D matrix, got {len(shape)} dimension(s)")
    if shape[0] != shape[1]:
        raise ValueError(f"A must be square, got shape {tuple(shape)}")
    if shape[0] < 1:
        raise ValueError("A must be at least 1 x 1, got an empty matrix")
    return int(shape[0])


def _entry_man_exp(x) -> tuple[int, int]:
    """Exact ``x = m 2^e`` for a float, int or mpf entry."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError("boolean entries are not accepted")
    if is_mpf(x):
        sign, man, exp, _ = x._mpf_
        if man == 0 and exp != 0:
            raise ValueError("A contains NaN or infinite entries")
        return (-man if sign else man), exp
    if isinstance(x, (int, np.integer)):
        return int(x), 0
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if not math.isfinite(f):
            raise ValueError("A contains NaN or infinite entries")
        p, q = f.as_integer_ratio()
        return p, -(q.bit_length() - 1)
    raise TypeError(
        f"entries must be floats, ints or mpmath mpf (exact dyadic numbers), got {type(x).__name__}"
    )


def _ints_from_entries(rows: list[list[Any]], n: int) -> tuple[np.ndarray, int]:
    """Object int matrix ``X`` and exponent ``e0`` with ``A = X 2^e0`` exactly."""
    pairs = [_entry_man_exp(x) for row in rows for x in row]
    nonzero_exps = [e for m, e in pairs if m != 0]
    e0 = min(nonzero_exps) if nonzero_exps else 0
    flat = [m << (e - e0) if m else 0 for m, e in pairs]
    X = np.empty(n * n, dtype=object)
    X[:] = flat
    return X.reshape(n, n), e0


def _float_to_ints(A: np.ndarray) -> tuple[np.ndarray, int]:
    """Vectorised exact ``A = X 2^e0`` for a finite float64 array (object ints ``X``)."""
    frac, ex = np.frexp(A)
    m = np.ldexp(frac, 53).astype(np.int64)
    e = ex.astype(np.int64) - 53
    nz = m != 0
    if not nz.any():
        return np.zeros(A.shape, dtype=object), 0
    e0 = int(e[nz].min())
    shifts = np.where(nz, e - e0, 0)
    return m.astype(object) << shifts.astype(object), e0


def _ints_to_float(X: np.ndarray, e: int) -> np.ndarray:
    """Float approximation (not rounded in any known direction) of ``X 2^e`` for object ints."""
    X = np.asarray(X, dtype=object)
    if X.size == 0:
        return np.zeros(X.shape)
    big = int(np.max(np.abs(X)))
    sh = max(big.bit_length() - 1000, 0)
    T = (X >> sh) if sh else X
    return np.ldexp(T.astype(np.float64), sh + e)


class _Exact:
    """An exact symmetric matrix ``A = ints 2^e0``, with scaling ``A = 2^k A_s`` where the scaled
    ``A_s = ints 2^(e0 - k)`` has entries in ``(-1, 1)``, and a float approximation ``A_f`` of ``A_s``
    with a rigorous bound ``err_f >= ||A_s - A_f||_F``."""

    def __init__(self, ints: np.ndarray, e0: int, floats: np.ndarray | None = None):
        self.ints = ints
        self.n = ints.shape[0]
        big = int(np.max(np.abs(ints)))
        bits = big.bit_length()
        self.k = bits + e0 if big else 0
        self.es = e0 - self.k  # A_s = ints 2^es
        if floats is not None:
            self.A_f = np.ldexp(floats, -self.k)
            if np.array_equal(np.ldexp(self.A_f, self.k), floats):  # power-of-two scaling was exact
                self.err_f = 0.0
                return
        else:
            self.A_f = _ints_to_float(ints, self.es)
        self.err_f = self._float_error()

    def _float_error(self) -> float:
        if not np.all(np.isfinite(self.A_f)):
            raise ValueError("A could not be approximated by finite floats")
        F, ef = _float_to_ints(self.A_f)
        ec = min(self.es, ef)
        D = (self.ints << (self.es - ec)) - (F << (ef - ec))
        d = D.ravel()
        ss = int(np.dot(d, d))
        if ss == 0:
            return 0.0
        return Interval.point(Fraction(ss) * Fraction(2) ** (2 * ec)).sqrt().hi


def _normalise(A, want_exact: bool):
    """Validate ``A``; return ``(A_float_or_None, exact_or_None, n)``.

    ``A_float`` is returned when the entries are exactly binary64 floats; ``exact`` (an
    :class:`_Exact`) when ``want_exact`` or when the entries are not all floats."""
    if isinstance(A, _MpMatrix):
        n = _check_shape((A.rows, A.cols))
        rows = A.tolist()
        for row in rows:
            for x in row:
                if not is_mpf(x):
                    raise TypeError(
                        f"mpmath matrix entries must be real mpf, got {type(x).__name__}"
                    )
        ints, e0 = _ints_from_entries(rows, n)
        _check_symmetric_ints(ints)
        return None, _Exact(ints, e0), n
    arr = np.asarray(A)
    n = _check_shape(arr.shape)
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError("A must be real; complex matrices are not supported")
    if kind == "b":
        raise TypeError("A must be a real numeric matrix, got booleans")
    if kind in "iu":
        as_float = arr.astype(np.float64)
        if np.array_equal(as_float.astype(object), arr.astype(object)):
            arr = as_float
        else:
            kind = "O"
            arr = arr.astype(object)
    if kind == "f":
        if arr.dtype.itemsize > 8:
            raise TypeError("extended-precision floats are not supported: pass float64 or an mpmath matrix")
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError("A contains NaN or infinite entries")
        if not np.array_equal(arr, arr.T):
            gap = float(np.max(np.abs(arr - arr.T)))
            raise ValueError(
                f"A is not exactly symmetric (max |A - A^T| = {gap:.3e}); "
                "symmetrize it first, e.g. (A + A.T) / 2"
            )
        exact = None
        if want_exact:
            ints, e0 = _float_to_ints(arr)
            exact = _Exact(ints, e0, floats=arr)
        return arr, exact, n
    if kind == "O":
        ints, e0 = _ints_from_entries(arr.tolist(), n)
        _check_symmetric_ints(ints)
        return None, _Exact(ints, e0), n
    raise TypeError(f"unsupported matrix dtype {arr.dtype}")


def _check_symmetric_ints(ints: np.ndarray) -> None:
    if not np.array_equal(ints, ints.T):
        raise ValueError(
            "A is not exactly symmetric; symmetrize it first (e.g. (A + A.T) / 2)"
        )


def _check_abs_err(abs_err) -> float:
    if isinstance(abs_err, (bool, np.bool_)) or not isinstance(
            abs_err, (int, float, np.integer, np.floating, Fraction)) and not is_mpf(abs_err):
        raise TypeError(f"abs_err must be a real number, got {type(abs_err).__name__}")
    if is_mpf(abs_err) and not mpmath.isfinite(abs_err):
        raise ValueError(f"abs_err must be finite and >= 0, got {abs_err!r}")
    if isinstance(abs_err, (float, np.floating)) and not math.isfinite(float(abs_err)):
        raise ValueError(f"abs_err must be finite and >= 0, got {abs_err!r}")
    if abs_err < 0:
        raise ValueError(f"abs_err must be finite and >= 0, got {abs_err!r}")
    return Interval.point(_to_fraction(abs_err) if not isinstance(abs_err, (float, np.floating))
                          else float(abs_err)).hi


def _check_dps(dps) -> int:
    return integer_at_least(dps, "dps", 15)


# ------------------------------------------------------------------------------------------------
# Float certificates
# ------------------------------------------------------------------------------------------------
def _rayleigh_upper(A: np.ndarray, v: np.ndarray) -> float:
    r"""Rigorous upper bound of ``lambda_min(A) <= v^T A v / v^T v`` (Courant-Fischer).

    With ``y = fl(A v)`` and ``t = fl(v^T y)``, the dot-product model gives
    ``|y - A v| <= gamma_n |A||v| + n eta (1 + gamma_n)`` entrywise and
    ``|t - v^T y| <= gamma_n |v|^T|y| + n eta (1 + gamma_n)``, so
    ``v^T A v <= t + gamma_n (|v|^T|A||v| + |v|^T|y|) + n eta (1 + gamma_n)(||v||_1 + 1)``;
    the non-negative quantities are bounded above by :mod:`numeric.interval`, the denominator
    below by ``lower_dot_nonneg``, and the quotient is taken in interval arithmetic."""
    n = A.shape[0]
    y = A @ v
    t = float(v @ y)
    av = np.abs(v)
    e1 = upper_dot_nonneg(av, upper_matvec_nonneg(np.abs(A), av))
    e2 = upper_dot_nonneg(av, np.abs(y))
    g = gamma(n)
    under = Interval.point(n * TINY) * (1.0 + g) * (upper_sum(av) + 1.0)
    num_hi = (Interval.point(t) + g * (Interval.point(e1) + e2) + under).hi
    den = Interval(lower_dot_nonneg(av, av), upper_dot_nonneg(av, av))
    if den.lo <= 0.0:
        return math.inf
    return (Interval(num_hi, num_hi) / den).hi


def _upper_abs_norm_sq(R: np.ndarray, fro2: float) -> float:
    r"""Rigorous upper bound for ``|| |R| ||_2^2 = rho(|R|^T |R|)``, never above ``fro2``.

    Collatz-Wielandt: for a non-negative matrix ``M`` and any positive vector ``x``,
    ``rho(M) <= max_i (M x)_i / x_i``.  ``x`` comes from a few (unverified) power steps; the bound
    itself uses upward-rounded matrix-vector products (:func:`upper_matvec_nonneg`)."""
    M = np.abs(R)
    x = np.ones(M.shape[0])
    for _ in range(4):
        x = M.T @ (M @ x)
        top = float(np.max(x))
        if not (top > 0.0 and math.isfinite(top)):
            return fro2
        x = x / top
    x = np.maximum(x, 2.0 ** -60)  # any positive x gives a valid bound
    z = upper_matvec_nonneg(M.T, upper_matvec_nonneg(M, x))
    bound = float(np.max(round_up(z / x)))
    return min(bound, fro2) if math.isfinite(bound) else fro2


def _norm2_estimate(A: np.ndarray, shift: float) -> float:
    """A rough (unverified) estimate of ``||A - shift I||_2`` by power iteration; only steers the
    choice of the Cholesky shift."""
    x = np.ones(A.shape[0]) / math.sqrt(A.shape[0])
    est = 0.0
    for _ in range(6):
        y = A @ x - shift * x
        est = float(np.linalg.norm(y))
        if not est > 0.0:
            return 0.0
        x = y / est
    return est


def _cholesky_lower(A: np.ndarray, lam_hat: float, tries: int = 8):
    r"""Rigorous lower bound on ``lambda_min(A)`` from a floating-point Cholesky factorisation.

    Proof.  Pick a float shift ``s`` and let ``H = fl(A - s I)``: only the diagonal is rounded,
    ``|h_ii - (a_ii - s)| <= u |h_ii|``, so ``||H - (A - sI)||_2 <= u max_i |h_ii|``.  If LAPACK
    ``potrf`` completes on ``H`` with factor ``R``, then ``R^T R = H + dH`` with

        ``|dH| <= gamma_{n+2} |R^T||R| + 4 n (n + max_i r_ii) eta``   (entrywise).

    This is Demmel's bound ``gamma_{n+1}`` (Higham, Thm. 10.3: every ``r_ij`` is obtained from an
    inner product in some order, a division and for ``i = j`` a square root) with one more rounding
    to cover implementations that multiply by a computed reciprocal ``fl(1/r_ii)``; the second term
    carries the underflow errors (at most ``n`` products and one division per entry, each off by at
    most ``eta``, amplified by at most ``(1 + gamma)/(1 - gamma) < 4``).  As ``R^T R`` is PSD and
    ``|dH| <= B`` entrywise implies ``||dH||_2 <= ||B||_2``,
    ``lambda_min(H) >= -gamma_{n+2} || |R| ||_2^2 - 4 n^2 (n + max r_ii) eta``, hence

        ``lambda_min(A) >= s - gamma_{n+2} c - u max_i|h_ii| - 4 n^2 (n + max r_ii) eta``

    with ``c >= || |R| ||_2^2`` from :func:`_upper_abs_norm_sq` (at most ``||R||_F^2``), all
    evaluated with upward rounding.  This is the positive-definiteness test of Rump (BIT 46, 2006)
    with constants derived here.  Assumptions: binary64 round-to-nearest; potrf computes each
    entry from conventional inner products (true of reference LAPACK and OpenBLAS).

    The shift is chosen just below the float estimate: ``s = lam_hat - delta`` with
    ``delta = gamma_{n+2} ||A - lam_hat I||_2 / 8`` (estimated; below the certificate's own width
    and far above the typical rounding error of potrf), multiplied by 8 after each failed attempt.
    Returns ``(lo, shift, attempts)`` or ``None``."""
    n = A.shape[0]
    d = np.diag(A).copy()
    g = gamma(n + 2)
    spread = _norm2_estimate(A, lam_hat)
    delta = max(0.125 * g * spread, 8.0 * U * abs(lam_hat), 1e-300)
    idx = np.diag_indices(n)
    for attempt in range(1, tries + 1):
        s = lam_hat - delta
        hd = d - s
        H = A.copy()
        H[idx] = hd
        R, info = dpotrf(H, lower=0, clean=1, overwrite_a=1)
        if info == 0:
            rdiag = np.abs(np.diag(R))
            rmax = float(np.max(rdiag)) if rdiag.size else 0.0
            if np.all(np.isfinite(rdiag)) and rmax <= 2.0 ** 500 and np.all(np.isfinite(R)):
                c = _upper_abs_norm_sq(R, upper_sumsq(R))
                diag_err = round_up(U * float(np.max(np.abs(hd))))
                under = Interval.point(4.0 * n * n * TINY) * (n + max(1.0, rmax))
                lo = (Interval.point(s) - g * Interval.point(c) - diag_err - under).lo
                return lo, s, attempt
        delta *= 8.0
    return None


def _gershgorin_lower(A: np.ndarray) -> float:
    """Proven Gershgorin bound ``min_i (a_ii - sum_{j != i} |a_ij|)`` with upward-rounded row sums."""
    n = A.shape[0]
    absA = np.abs(A)
    absA[np.diag_indices(n)] = 0.0
    rows = absA.sum(axis=1)
    rows_up = round_up(rows / (1.0 - max(n - 1, 0) * U))
    return float(np.min(round_down(np.diag(A) - rows_up)))


def _scale_pow2(A: np.ndarray) -> tuple[np.ndarray, int]:
    """``A = 2^k A_s`` with ``max |A_s|`` in ``[1/2, 1)`` when that scaling is exact, else ``k = 0``."""
    m = float(np.max(np.abs(A)))
    if m == 0.0:
        return A, 0
    k = math.frexp(m)[1]
    As = np.ldexp(A, -k)
    if np.array_equal(np.ldexp(As, k), A):
        return As, k
    return A, 0


def _scale_back(lo: float, hi: float, k: int) -> tuple[float, float]:
    if k == 0:
        return lo, hi
    f = Interval.point(2.0 ** k) if abs(k) < 1000 else Interval.point(Fraction(2) ** k)
    return (Interval.point(lo) * f).lo, (Interval.point(hi) * f).hi


def _float_enclosure(A: np.ndarray, certified: bool, eig=None) -> dict:
    """Enclosure of ``lambda_min`` of the exact float matrix ``A`` (scaled internally by ``2^k``).

    ``eig`` may pass a precomputed ``(lam_hat, v)`` of the *scaled* matrix."""
    As, k = _scale_pow2(A)
    n = As.shape[0]
    if eig is None:
        w, V = scipy.linalg.eigh(As, subset_by_index=[0, 0], check_finite=False)
        lam_hat, v = float(w[0]), V[:, 0]
    else:
        lam_hat, v = math.ldexp(eig[0], -k), eig[1]
    if not certified:
        half = round_up(gamma(n) * math.sqrt(upper_sumsq(As)))
        lo, hi = round_down(lam_hat - half), round_up(lam_hat + half)
        lo, hi = _scale_back(lo, hi, k)
        return dict(lo=lo, hi=hi, method="float", certified=False, estimate=math.ldexp(lam_hat, k),
                    details={})
    hi = _rayleigh_upper(As, v)
    chol = _cholesky_lower(As, lam_hat)
    if chol is not None:
        lo, shift, attempts = chol
        method, details = "certified", {"shift": math.ldexp(shift, k), "cholesky_attempts": attempts}
    else:
        lo = _gershgorin_lower(As)
        method, details = "certified-gershgorin", {"cholesky_attempts": 8}
    if lo > hi:
        raise RuntimeError(
            f"certified bounds cross (lo={lo!r} > hi={hi!r}): the floating-point assumptions "
            "(IEEE round-to-nearest, conventional BLAS) do not hold on this machine"
        )
    lo, hi = _scale_back(lo, hi, k)
    return dict(lo=lo, hi=hi, method=method, certified=True, estimate=math.ldexp(lam_hat, k),
                details=details)


# ------------------------------------------------------------------------------------------------
# High precision: Kato-Temple and an exact fixed-point LDL^T certificate
# ------------------------------------------------------------------------------------------------
def _gap_lower_bound(ex: _Exact, lam: np.ndarray, Q: np.ndarray) -> float | None:
    r"""Certified float ``b <= lambda_2(A_s)``, or None.

    Interlacing for a rank-one PSD update: ``lambda_1(A + w w^T) <= lambda_2(A)`` for every ``w``.
    With ``w = sqrt(tau) q_1`` and ``tau = lam_n - lam_1`` the smallest eigenvalue of ``A + w w^T``
    is about ``lambda_2``.  We certify ``lambda_min`` of ``M = fl(A_f + fl(w w^T))`` by Cholesky;
    ``||M - (A_f + w w^T)||_F <= u (||M||_F + ||fl(w w^T)||_F) + n eta`` and
    ``||A_f - A_s||_2 <= err_f`` finish the bound (Weyl)."""
    n = ex.n
    tau = float(lam[-1] - lam[0])
    if not tau > 0.0:
        return None
    w = math.sqrt(tau) * Q[:, 0]
    W = np.outer(w, w)
    M = ex.A_f + W
    chol = _cholesky_lower(M, float(lam[1]))
    if chol is None:
        return None
    e_m = (Interval.point(upper_fro_norm(M)) + upper_fro_norm(W)) * U + n * TINY
    return (Interval.point(chol[0]) - e_m.hi - ex.err_f).lo


def _refine_and_bound(ex: _Exact, lam: np.ndarray, Q: np.ndarray, b: float | None, dps: int):
    r"""Kato-Temple enclosure of ``lambda_1(A_s)`` with an eigenvector refined in exact arithmetic.

    Kato-Temple.  For a nonzero ``v``, ``rho = v^T A v / v^T v`` and
    ``eps^2 = ||A v - rho v||^2 / v^T v``, if ``lambda_2 >= b > rho`` then
    ``rho - eps^2 / (b - rho) <= lambda_1 <= rho``.  Proof: expand ``v/||v|| = sum c_i q_i``;
    ``sum_i c_i^2 (lambda_i - lambda_1)(lambda_i - b) >= 0`` term by term, and the sum equals
    ``eps^2 + (rho - b)(rho - lambda_1)``.

    ``v`` is held as integers ``v_int 2^-P`` and ``A_s = ints 2^es``, so ``rho`` and ``eps^2`` are
    exact rationals: no rounding analysis is needed.  Refinement (not part of the proof):
    ``v <- v - Q_perp diag(1/(lam_i - rho)) Q_perp^T (A v - rho v)`` using the float
    eigendecomposition, gaining about ``-log10(u ||A|| / gap)`` digits per step."""
    n = ex.n
    ints, es = ex.ints, ex.es
    P = 64
    p_max = math.ceil(dps * _LOG2_10) + 64
    v = _float_vec_to_ints(Q[:, 0], P)
    norm_a = float(np.max(np.abs(lam)))
    cluster_tol = 64.0 * n * U * max(norm_a, 1e-300)
    tol = Fraction(1, 10 ** dps)
    b_q = None if b is None else Fraction(b)
    lo_best, hi_best, eps = None, None, math.inf
    prev_width = None
    iterations = 0
    scale = Fraction(2) ** es
    for iterations in range(1, 4 + math.ceil(p_max / 40)):
        y = ints @ v
        num = int(np.dot(v, y))
        den = int(np.dot(v, v))
        yy = int(np.dot(y, y))
        rho = Fraction(num, den) * scale
        eps2 = Fraction(yy * den - num * num, den * den) * scale * scale
        eps = math.sqrt(float(eps2))
        hi_best = rho if hi_best is None else min(hi_best, rho)
        if b_q is not None and b_q > rho:
            lo_kt = rho - eps2 / (b_q - rho)
            lo_best = lo_kt if lo_best is None else max(lo_best, lo_kt)
            width = hi_best - lo_best
            if width <= tol * max(abs(rho), tol):
                break
            if prev_width is not None and width > prev_width / 256:
                break  # no more progress: the gap or the float eigenvectors limit us
            prev_width = width
        if P >= p_max:
            break
        # Newton-type correction in floats (only steers v; the bounds above are exact).
        rho_f = float(rho)
        r_int = y * den - v * num  # den (y - (num/den) v): the residual in units of 2^(es-P)/den
        dbits = den.bit_length()
        r_f = (_ints_to_float(r_int, es - P - dbits)
               / float(_ints_to_float(np.array([den], dtype=object), -dbits)[0]))
        keep = np.abs(lam - rho_f) > cluster_tol
        keep[0] = False
        if not keep.any():
            break
        Qk = Q[:, keep]
        corr = Qk @ ((Qk.T @ r_f) / (lam[keep] - rho_f))
        P_new = min(P + 48, p_max)
        v = (v << (P_new - P)) - _float_vec_to_ints(corr, P_new)
        P = P_new
    return lo_best, hi_best, eps, iterations


def _float_vec_to_ints(x: np.ndarray, P: int) -> np.ndarray:
    """Integers ``trunc(x_i 2^P)`` (exact scaling, then truncation of any fractional part)."""
    scaled = np.ldexp(np.asarray(x, dtype=np.float64), P)
    out = np.empty(scaled.shape[0], dtype=object)
    out[:] = [int(t) for t in scaled]
    return out


def _ldl_bound(ex: _Exact, shift: Fraction, P: int, k: int = 0) -> Fraction | None:
    r"""Proven ``lambda_{k+1}(A_s) > bound`` from a fixed-point LDL^T of ``A_s - sI``, or None.

    Let ``S = floor(A_s 2^P) - floor(s 2^P) I`` (integers; ``A_s = S 2^-P + G`` with ``|G_ij| < 2^-P``,
    ``G = 0`` when the scaling is exact), and run symmetric Gaussian elimination without pivoting
    on ``S`` with the trailing update ``S_ik <- S_ik - floor(S_ij S_kj / S_jj)``.  Each floor
    perturbs the trailing block of step ``j`` by ``F^(j)``, ``|F^(j)_ik| < 1``, whatever the growth
    of the entries; because a Schur complement is affine in the trailing block, the computed
    numbers are the *exact* elimination of ``S~ = S + sum_j F^(j)`` (embedded), i.e.
    ``S~ = L D L^T`` with ``D`` the computed pivots.  If no pivot is zero and at most ``k`` are
    negative, Sylvester's law of inertia gives ``lambda_{k+1}(S~) > 0``; Weyl then gives
    ``lambda_{k+1}(S) > -sum_j ||F^(j)||_2 >= -n(n-1)/2`` and
    ``lambda_{k+1}(A_s) > floor(s 2^P) 2^-P - (n(n-1)/2 + n [G != 0]) 2^-P``.
    ``k = 0`` is a positive-definiteness certificate (a lower bound on ``lambda_min``), ``k = 1``
    a lower bound on ``lambda_2`` (the gap Kato-Temple needs).  No floating point is involved.
    Cost: about ``n^3/3`` big-integer operations (~1-2 s at n = 200)."""
    n = ex.n
    sh = ex.es + P
    if sh >= 0:
        S = ex.ints << sh
        rep_err = 0
    else:
        S = ex.ints >> (-sh)
        rep_err = n
    s_int = math.floor(shift * 2 ** P)
    S = S.copy()
    S[np.diag_indices(n)] = S[np.diag_indices(n)] - s_int
    negative = 0
    for j in range(n):
        piv = S[j, j]
        if piv == 0:
            return None
        if piv < 0:
            negative += 1
            if negative > k:
                return None
        col = S[j + 1:, j]
        if col.size:
            S[j + 1:, j + 1:] -= np.floor_divide(np.multiply.outer(col, col), piv)
    slack = n * (n - 1) // 2 + rep_err
    return Fraction(s_int - slack, 2 ** P)


def _mpf_to_scaled_int(x, P: int) -> int:
    """``floor(x 2^P)`` for an mpf ``x`` (exact)."""
    sign, man, exp, _ = x._mpf_
    if man == 0:
        return 0
    val = -man if sign else man
    e = exp + P
    return val << e if e >= 0 else val >> (-e)


def _kt_from_vector(ex: _Exact, v: np.ndarray, b: Fraction | None):
    """Exact ``(rho, eps^2)`` of the integer vector ``v`` for ``A_s`` and the Kato-Temple lower bound
    (None unless ``b > rho``)."""
    y = ex.ints @ v
    num, den, yy = int(np.dot(v, y)), int(np.dot(v, v)), int(np.dot(y, y))
    scale = Fraction(2) ** ex.es
    rho = Fraction(num, den) * scale
    eps2 = Fraction(yy * den - num * num, den * den) * scale * scale
    lo = rho - eps2 / (b - rho) if b is not None and b > rho else None
    return rho, eps2, lo


def _high_precision_stage(ex: _Exact, dps: int, lo_known: Fraction, details: dict):
    r"""Enclosure from mpmath eigenpairs when float eigenvectors cannot resolve ``lambda_1``
    (e.g. rows of very different norms: ``lambda_1, lambda_2 << u ||A||``).

    ``mpmath.eigsy`` at ``dps_work`` digits supplies ``v ~ q_1`` and estimates ``mu_1 <= mu_2``;
    nothing from it is trusted.  The proof: ``hi = rho(v)`` exactly; ``lo`` by Kato-Temple with
    ``b`` from an LDL^T inertia count at ``tau = (mu_1 + mu_2)/2`` (:func:`_ldl_bound`, ``k = 1``),
    or, when ``mu_1 ~ mu_2`` (a cluster), by the LDL^T positivity certificate of ``A_s - sI`` with
    ``s`` just below ``rho``.  Returns ``(lo, hi, method)`` or None."""
    n = ex.n
    mag = float(lo_known) if lo_known > 0 else 0.0
    extra = 2 * math.ceil(-math.log10(mag)) if 0.0 < mag < 1.0 else dps
    dps_work = min(dps + max(extra, 0) + 10, 3 * dps + 60)
    P = math.ceil(dps_work * _LOG2_10) + 8
    ctx = mpmath.MPContext()  # a private context: the global mpmath precision is left alone
    ctx.dps = dps_work
    E, V = ctx.eigsy(ctx.matrix(ex.ints.tolist()))
    order = sorted(range(n), key=lambda i: E[i])
    mu1 = _to_fraction(E[order[0]]) * Fraction(2) ** ex.es
    mu2 = _to_fraction(E[order[1]]) * Fraction(2) ** ex.es
    i0 = order[0]
    vmax = max(abs(V[i, i0]) for i in range(n))
    v = np.empty(n, dtype=object)
    v[:] = [_mpf_to_scaled_int(V[i, i0] / vmax, P) for i in range(n)]
    details["work_dps"] = dps_work
    cluster = mu2 - mu1 <= Fraction(1, 10 ** (dps_work - 5))
    if not cluster:
        tau = (mu1 + mu2) / 2
        gap = mu2 - mu1
        gap_log2 = gap.numerator.bit_length() - gap.denominator.bit_length()  # ~ log2(gap)
        p_gap = max(64, (8 * n * n).bit_length() - gap_log2 + 16)
        b = _ldl_bound(ex, tau, p_gap, k=1)
        details["gap_lower_bound_hp"] = None if b is None else math.ldexp(float(b), ex.k)
        rho, eps2, lo = _kt_from_vector(ex, v, b)
        if lo is not None:
            return lo, rho, "mpmath-kato-temple"
    rho, eps2, _ = _kt_from_vector(ex, v, None)
    p_pd = math.ceil(dps * _LOG2_10) + 2 * max(n, 2).bit_length() + 8
    delta = 8 * n * n * Fraction(1, 2 ** p_pd) + 4 * Fraction(math.sqrt(float(eps2)))
    for _ in range(4):
        lo = _ldl_bound(ex, rho - delta, p_pd, k=0)
        if lo is not None:
            return lo, rho, "mpmath-ldl"
        delta *= 2 ** 16
    return None


_HP_MAX_N = 80  # mpmath.eigsy costs O(n^3) multiprecision operations (~3 s at n = 60, dps 30)


def _mpmath_enclosure(ex: _Exact, dps: int) -> dict:
    """Kato-Temple (or LDL^T) enclosure of ``lambda_min`` of the exact matrix at about ``dps`` digits.

    Stage 1 (fast, O(n^2) exact work after one float ``eigh``): Kato-Temple with float eigenvectors
    refined in exact arithmetic and a float-certified gap.  Only while the target (module
    docstring) is missed: stage 2, the LDL^T positivity certificate just below the stage-1
    Rayleigh quotient (``n <= 400``); stage 3, mpmath eigenpairs certified by Kato-Temple with an
    LDL^T inertia gap (``n <= 80``).  Every candidate bound is proven; the tightest are kept."""
    n = ex.n
    lam, Q = scipy.linalg.eigh(ex.A_f, check_finite=False)
    base = _float_enclosure(ex.A_f, certified=True, eig=(float(lam[0]), Q[:, 0]))
    base_lo = Fraction(base["lo"]) - Fraction(ex.err_f)
    base_hi = Fraction(base["hi"]) + Fraction(ex.err_f)
    b = _gap_lower_bound(ex, lam, Q) if n >= 2 else None
    lo_kt, rho, eps, iterations = _refine_and_bound(ex, lam, Q, b, dps)
    lo = base_lo if lo_kt is None else max(lo_kt, base_lo)
    hi = min(rho, base_hi)
    method = "mpmath-kato-temple" if lo_kt is not None and lo == lo_kt else "certified"
    details = {"gap_lower_bound": None if b is None else math.ldexp(b, ex.k),
               "iterations": iterations, "residual": math.ldexp(eps, ex.k),
               "float_error_bound": math.ldexp(ex.err_f, ex.k)}

    tol = Fraction(1, 10 ** dps)
    abs_goal = tol / 2  # 10^-dps max|a_ij| (max|a_ij| is in [1/2, 1) after scaling)

    def done() -> bool:
        # dps significant digits, or (when the sign is open, e.g. lambda_min = 0) absolute ones
        width = hi - lo
        return width <= abs_goal and (width <= tol * abs(hi) or lo <= 0 <= hi)

    if not done() and n <= _LDL_MAX_N and (lo_kt is None or hi - lo > abs_goal):
        # the LDL^T positivity certificate just below the stage-1 Rayleigh quotient
        P = math.ceil(dps * _LOG2_10) + 2 * max(n, 2).bit_length() + 8
        delta = 8 * n * n * Fraction(1, 2 ** P) + 4 * Fraction(eps)
        for attempt in range(1, 5):
            got = _ldl_bound(ex, rho - delta, P, k=0)
            if got is not None:
                if got > lo:
                    lo, method = got, "mpmath-ldl"
                details["ldl_attempts"] = attempt
                break
            delta *= 2 ** 16
        details["stage"] = 2
    if not done() and n <= _HP_MAX_N:
        got = _high_precision_stage(ex, dps, lo, details)
        if got is not None:
            lo2, hi2, m2 = got
            if lo2 > lo:
                lo, method = lo2, m2
            hi = min(hi, hi2)
        details["stage"] = 3
    if not done():
        details["note"] = "target width not reached; the enclosure is proven but wider"
    if lo > hi:
        raise RuntimeError(f"certified bounds cross (lo={float(lo)!r} > hi={float(hi)!r})")
    if method == "certified":
        method = "mpmath-rayleigh"  # hi is the exact Rayleigh quotient, lo the float certificate
    scale = Fraction(2) ** ex.k
    return dict(lo=lo * scale, hi=hi * scale, method=method, estimate=float(rho * scale),
                details=details)


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------
def lambda_min(A, method: str = "auto", dps: int | None = None, abs_err: float = 0.0) -> Enclosure:
    r"""Enclosure of the smallest eigenvalue of the exact symmetric matrix ``A``.

    Parameters
    ----------
    A : (n, n) float array (entries taken as exact reals) or ``mpmath.matrix`` of real ``mpf``
        (entries taken exactly); must be exactly symmetric (this function never symmetrizes).
    method : ``"auto"`` (``"certified"`` for float input without ``dps``, else ``"mpmath"``),
        ``"float"`` (not certified), ``"certified"`` (proven, float speed) or ``"mpmath"``
        (proven, about ``dps`` digits).  See the module docstring for what each proves.
    dps : target digits for ``"mpmath"`` (default 30); must be >= 15.
    abs_err : rigorous bound on ``||A_true - A||_2`` (e.g. a Frobenius-norm bound); by Weyl the
        enclosure is widened by it on both sides.

    Returns an :class:`Enclosure` with ``lo <= lambda_min(A_true) <= hi``."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if dps is not None:
        dps = _check_dps(dps)
    err = _check_abs_err(abs_err)
    is_mp_input = isinstance(A, _MpMatrix) or (
        isinstance(A, np.ndarray) and A.dtype == object)
    if method == "auto":
        method = "mpmath" if (dps is not None or is_mp_input) else "certified"
    A_float, ex, n = _normalise(A, want_exact=(method == "mpmath"))

    # Diagonal matrices (including n = 1): the answer is exact.
    diag_answer = _diagonal_min(A_float, ex)
    if diag_answer is not None:
        lo = hi = diag_answer
        return _finish(lo, hi, "exact", True, n, dps, err, note="A is diagonal")

    if method == "mpmath":
        dps = _DEFAULT_DPS if dps is None else dps
        res = _mpmath_enclosure(ex, dps)
        return _finish(res["lo"], res["hi"], res["method"], True, n, dps, err,
                       estimate=res["estimate"], details=res["details"])

    extra = 0.0
    if A_float is None:
        # exact (mpmath) input on a float method: A_f differs from A_s by at most err_f (Weyl)
        res = _float_enclosure(ex.A_f, certified=(method == "certified"))
        lo, hi = res["lo"], res["hi"]
        lo = (Interval.point(lo) - ex.err_f).lo
        hi = (Interval.point(hi) + ex.err_f).hi
        lo, hi = _scale_back(lo, hi, ex.k)
        if math.isfinite(res["estimate"]):
            res["estimate"] = math.ldexp(res["estimate"], ex.k)
        extra = ex.err_f
    else:
        res = _float_enclosure(A_float, certified=(method == "certified"))
        lo, hi = res["lo"], res["hi"]
    details = dict(res["details"])
    if extra:
        details["float_error_bound"] = extra
    return _finish(lo, hi, res["method"], res["certified"], n, None, err,
                   estimate=res["estimate"], details=details)


def _diagonal_min(A_float, ex):
    if A_float is not None:
        d = np.diag(A_float)
        if np.count_nonzero(A_float) == np.count_nonzero(d):
            return float(np.min(d))
        return None
    d = np.diag(ex.ints)
    nnz_total = int(np.count_nonzero(ex.ints != 0))
    nnz_diag = int(np.count_nonzero(d != 0))
    if nnz_total == nnz_diag:
        return min(Fraction(int(x)) for x in d) * Fraction(2) ** (ex.es + ex.k)
    return None


def _finish(lo, hi, method, certified, n, dps, err, estimate=math.nan, details=None, note=""):
    """Apply the Weyl widening ``abs_err`` and produce the public :class:`Enclosure`."""
    details = details or {}
    if isinstance(lo, Fraction) or isinstance(hi, Fraction):
        lo_q, hi_q = _to_fraction(lo), _to_fraction(hi)
        if err:
            lo_q -= Fraction(err)
            hi_q += Fraction(err)
        prec = math.ceil((dps or _DEFAULT_DPS) * _LOG2_10) + 16
        if method == "exact":  # dyadic values: represent them exactly
            prec = max(prec, lo_q.numerator.bit_length() + 8, hi_q.numerator.bit_length() + 8)
        lo_out, hi_out = _mpf_round(lo_q, prec, "f"), _mpf_round(hi_q, prec, "c")
        est = estimate if math.isfinite(estimate) else float(lo_q)
        return Enclosure(lo_out, hi_out, method, certified, n, dps, err, est, note, details)
    lo, hi = float(lo), float(hi)
    if err:
        lo = (Interval.point(lo) - err).lo
        hi = (Interval.point(hi) + err).hi
    est = estimate if math.isfinite(estimate) else 0.5 * (lo + hi)
    return Enclosure(lo, hi, method, certified, n, dps, err, est, note, details)


_OPS = (">=", ">", "<=", "<")
_ABS_ERR_REASON = ("undecidable: the threshold lies within abs_err of lambda_min, "
                   "so no precision can decide")


def _threshold_bounds(threshold):
    if isinstance(threshold, Interval):
        if not (math.isfinite(threshold.lo) and math.isfinite(threshold.hi)):
            raise ValueError(f"threshold interval must be finite, got {threshold}")
        return Fraction(threshold.lo), Fraction(threshold.hi)
    if isinstance(threshold, (bool, np.bool_)):
        raise TypeError("threshold must be a number or an Interval, got a boolean")
    if isinstance(threshold, (int, np.integer)):
        q = Fraction(int(threshold))
        return q, q
    if isinstance(threshold, (float, np.floating)):
        t = float(threshold)
        if not math.isfinite(t):
            raise ValueError(f"threshold must be finite, got {threshold!r}")
        return Fraction(t), Fraction(t)
    if isinstance(threshold, Fraction) or is_mpf(threshold):
        q = _to_fraction(threshold)
        return q, q
    raise TypeError("threshold must be a float, int, mpf, Fraction or Interval, "
                    f"got {type(threshold).__name__}")


def _compare(enc: Enclosure, op: str, t_lo, t_hi):
    lo, hi = _to_fraction(enc.lo), _to_fraction(enc.hi)
    t_lo, t_hi = _to_fraction(t_lo), _to_fraction(t_hi)
    if op == ">=":
        return True if lo >= t_hi else (False if hi < t_lo else None)
    if op == ">":
        return True if lo > t_hi else (False if hi <= t_lo else None)
    if op == "<=":
        return True if hi <= t_lo else (False if lo > t_hi else None)
    return True if hi < t_lo else (False if lo >= t_hi else None)


def decide(A, op: str, threshold, abs_err: float = 0.0, max_dps: int = 100) -> Decision:
    r"""Prove or refute ``lambda_min(A_true) op threshold`` (``op`` in ``>=, >, <=, <``).

    The certified float enclosure is tried first; while it straddles the threshold the exact-
    arithmetic Kato-Temple/LDL^T enclosure is computed at 30, 60, ... digits up to ``max_dps``.
    ``threshold`` may be a number (float, int, mpf, Fraction: taken exactly) or an
    :class:`Interval` (then the claim must hold for every member).  ``result`` is None when even
    ``max_dps`` digits cannot decide; ``reason`` then says whether ``abs_err`` (which no precision
    removes), the threshold's own width, or precision is to blame."""
    if op not in _OPS:
        raise ValueError(f"op must be one of {_OPS}, got {op!r}")
    max_dps = _check_dps(max_dps)
    t_lo, t_hi = _threshold_bounds(threshold)
    err = _check_abs_err(abs_err)
    enc = lambda_min(A, method="certified", abs_err=err)
    res = _compare(enc, op, t_lo, t_hi)
    if res is not None:
        return Decision(res, enc, enc.method, op, threshold,
                        f"proven by the {enc.method} enclosure [{float(enc.lo):.6g}, {float(enc.hi):.6g}]")
    if err and _abs_err_blocks(enc, err, t_lo, t_hi):
        return Decision(None, enc, enc.method, op, threshold, _ABS_ERR_REASON)
    dps_list = []
    d = min(30, max_dps)
    while d < max_dps:
        dps_list.append(d)
        d *= 2
    dps_list.append(max_dps)
    for d in dps_list:
        enc = lambda_min(A, method="mpmath", dps=d, abs_err=err)
        res = _compare(enc, op, t_lo, t_hi)
        if res is not None:
            return Decision(res, enc, enc.method, op, threshold,
                            f"proven by the {enc.method} enclosure at {d} digits")
        if err and _abs_err_blocks(enc, err, t_lo, t_hi):
            return Decision(None, enc, enc.method, op, threshold, _ABS_ERR_REASON)
    lo_q, hi_q = _to_fraction(enc.lo), _to_fraction(enc.hi)
    tl, th = _to_fraction(t_lo), _to_fraction(t_hi)
    if th - tl >= hi_q - lo_q and th > tl:
        reason = "undecided: the threshold interval is wider than the enclosure"
    else:
        reason = (f"undecided at max_dps={max_dps}: the threshold lies inside the enclosure "
                  "(lambda_min may equal it)")
    return Decision(None, enc, enc.method, op, threshold, reason)


def _abs_err_blocks(enc: Enclosure, err: float, t_lo, t_hi) -> bool:
    """True when the enclosure without the widening lies within ``err`` of the threshold on both
    sides, i.e. only ``abs_err`` keeps the claim open."""
    e = Fraction(err)
    lo0 = _to_fraction(enc.lo) + e  # the enclosure of the given matrix, before widening
    hi0 = _to_fraction(enc.hi) - e
    tl, th = _to_fraction(t_lo), _to_fraction(t_hi)
    # for every lambda in [lo0, hi0] the best possible answer [lambda - e, lambda + e] meets [tl, th]
    return hi0 - e <= th and lo0 + e >= tl
