"""Statistical evidence for statements that hold with high probability or up to constants
(NOTES.md): Clopper-Pearson intervals for observed frequencies, and the ratio band of a
measured quantity against its predicted scaling over a geometric grid."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided confidence interval of a binomial proportion."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes}/{trials}")
    a = 1.0 - confidence
    lo = 0.0 if successes == 0 else float(stats.beta.ppf(a / 2, successes, trials - successes + 1))
    hi = 1.0 if successes == trials else float(stats.beta.ppf(1 - a / 2, successes + 1, trials - successes))
    return lo, hi


def frequency_evidence(successes: int, trials: int, confidence: float = 0.95) -> dict:
    lo, hi = clopper_pearson(successes, trials, confidence)
    return {"successes": successes, "trials": trials, "frequency": successes / trials,
            "cp_lo": lo, "cp_hi": hi, "confidence": confidence}


@dataclass(frozen=True)
class ScalingBand:
    """R = measured / predicted over a geometric grid of the scaling variable x.

    `slope` is the log-log slope of R against x with its confidence interval; `slope_first` and
    `slope_last` are the slopes over the first and the last half of the grid (a drift that dies
    out has |slope_last| well below |slope_first|)."""

    x: tuple
    ratio: tuple
    band: tuple
    slope: float
    slope_ci: tuple
    slope_first: float
    slope_last: float
    settles: bool

    def evidence(self) -> dict:
        return {"x": list(self.x), "ratio": list(self.ratio), "band_lo": self.band[0], "band_hi": self.band[1],
                "ratio_slope": self.slope, "ratio_slope_ci": list(self.slope_ci),
                "slope_first_half": self.slope_first, "slope_last_half": self.slope_last, "settles": self.settles}


def _slope(lx, ly):
    if len(lx) < 2 or np.ptp(ly) == 0:  # a constant ratio: no trend, no scatter
        return 0.0, 0.0
    res = stats.linregress(lx, ly)
    return float(res.slope), float(res.stderr)


def scaling_band(x, measured, predicted, confidence: float = 0.95, tolerance: float = 0.1,
                 direction: str = "theta") -> ScalingBand:
    """The ratio band of `measured / predicted` over the grid `x` and whether it settles.

    The ratio settles (NOTES.md) when the grid can tell -- the confidence interval of the log-log
    slope of R lies inside (-1/2, 1/2), so a prediction wrong by a factor x^(1/2) would be seen --
    and either that interval reaches within `tolerance` of 0 or the drift over the last half of
    the grid is at most half of that over the first half and below `tolerance`. A ratio that keeps
    moving at an undiminished rate does not settle; a grid too short or too noisy to exclude a
    wrong power is inconclusive.

    `direction="upper"` judges an O-statement (measured <= C predicted): only an upward trend
    counts against it, so the ratio settles when the grid resolves an upward half power (upper end
    of the slope interval below 1/2) and that upper end is within `tolerance` of 0, or the upward
    drift dies out. `direction="lower"` is the mirror image for an Omega-statement.
    """
    if direction not in ("theta", "upper", "lower"):
        raise ValueError(f"direction must be 'theta', 'upper' or 'lower', not {direction!r}")
    x = np.asarray(x, dtype=float)
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if x.ndim != 1 or x.size < 3 or m.shape != x.shape or p.shape != x.shape:
        raise ValueError("scaling_band needs at least three grid points with one measurement and prediction each")
    if np.any(x <= 0) or np.any(m <= 0) or np.any(p <= 0):
        raise ValueError("scaling_band needs positive grid values, measurements and predictions")
    r = m / p
    lx, lr = np.log(x), np.log(r)
    s, se = _slope(lx, lr)
    dof = max(x.size - 2, 1)
    t = float(stats.t.ppf(0.5 + confidence / 2, dof))
    ci = (s - t * se, s + t * se)
    h = (x.size + 1) // 2
    s_first, _ = _slope(lx[:h], lr[:h])
    s_last, _ = _slope(lx[-h:], lr[-h:])
    if direction == "theta":
        resolves = -0.5 < ci[0] and ci[1] < 0.5
        no_trend = ci[0] - tolerance <= 0 <= ci[1] + tolerance
        dying = abs(s_last) <= 0.5 * abs(s_first) and abs(s_last) < tolerance
    else:
        sign = 1.0 if direction == "upper" else -1.0  # look at the trend that would refute the bound
        hi = max(sign * ci[0], sign * ci[1])
        first, last = sign * s_first, sign * s_last
        resolves = hi < 0.5
        no_trend = hi <= tolerance
        dying = last < tolerance and last <= 0.5 * max(first, 0.0)
    return ScalingBand(tuple(x.tolist()), tuple(r.tolist()), (float(r.min()), float(r.max())), s, ci,
                       s_first, s_last, bool(resolves and (no_trend or dying)))
