"""Turn mathematical evidence into outcomes, one rule per kind of evidence.

The rules are shared by every claim so that a status means the same thing everywhere:
exact residuals (SymPy), certified eigenvalue decisions (numeric.eig), frequencies with a
Clopper-Pearson interval, and ratio bands of scaling statements (NOTES.md).
"""
from __future__ import annotations

import sympy as sp

from verify.outcome import Outcome


def exact_zero(residual, **evidence) -> Outcome:
    """`verified` when the SymPy residual (an expression or a matrix) simplifies to exactly 0,
    `counterexample` otherwise, with the residual as the witness."""
    if isinstance(residual, (list, tuple)):
        nonzero = [sp.simplify(r) for r in residual]
        nonzero = [r for r in nonzero if r != 0]
    elif isinstance(residual, sp.MatrixBase):
        nonzero = [r for r in sp.simplify(residual) if r != 0]
    else:
        r = sp.simplify(residual)
        nonzero = [] if r == 0 else [r]
    if not nonzero:
        return Outcome("verified", "exact", {**evidence, "residual": "0"})
    return Outcome("counterexample", "exact", {**evidence, "residual": str(nonzero[0]),
                                               "nonzero_entries": len(nonzero)})


def eigen_inequality(A, op: str, threshold, *, abs_err: float = 0.0, max_dps: int = 60,
                     **evidence) -> Outcome:
    """Decide `lambda_min(A) op threshold` with a certified enclosure (numeric.eig.decide), escalating
    to more digits while the enclosure straddles the threshold.

    `verified` when proven, `counterexample` when proven false (the enclosure is the witness),
    `inconclusive` when no precision up to `max_dps` decides (or `abs_err` blocks it). `abs_err` is a
    rigorous bound on ||A_true - A||_2 for the matrix the statement is about."""
    from numeric.eig import decide

    d = decide(A, op, threshold, abs_err=abs_err, max_dps=max_dps)
    enc = d.enclosure
    ev = {**evidence, "lambda_min_lo": float(enc.lo), "lambda_min_hi": float(enc.hi), "op": op,
          "threshold": float(threshold if not hasattr(threshold, "lo") else threshold.lo),
          "abs_err": abs_err, "enclosure": enc.method, "reason": d.reason}
    method = enc.report_method
    if d.result is None:
        return Outcome("inconclusive", method, ev)
    if method == "float":  # never decide an eigenvalue inequality by an uncertified float
        return Outcome("inconclusive", method, ev)
    return Outcome("verified" if d.result else "counterexample", method, ev)


def frequency(successes: int, trials: int, *, min_rate: float, confidence: float = 0.95,
              **evidence) -> Outcome:
    """A high-probability event observed in `successes` of `trials` independent trials.

    `consistent` when the Clopper-Pearson interval reaches `min_rate` (the probability the statement
    promises at these sizes), otherwise
    `inconclusive`: a failing trial of a high-probability event is not a counterexample (NOTES.md).
    Certain, structural failures are the claim's business to report as counterexamples.
    A promise of probability <= 0 (a vacuous bound) is met by any frequency, so it tests nothing:
    `inconclusive`."""
    from verify.stats import frequency_evidence

    ev = {**evidence, **frequency_evidence(successes, trials, confidence), "min_rate": min_rate}
    if min_rate <= 0:
        ev["reason"] = "the promised probability is <= 0 at these sizes (a vacuous bound): no frequency can test it"
        return Outcome("inconclusive", "monte-carlo", ev)
    status = "consistent" if ev["cp_hi"] >= min_rate else "inconclusive"
    return Outcome(status, "monte-carlo", ev)


def scaling(x, measured, predicted, *, name: str, xlabel: str, ylabel: str = "measured / predicted",
            caption: str = "", method: str = "monte-carlo", tolerance: float = 0.1, extra_columns=None,
            direction: str = "theta", **evidence) -> Outcome:
    """A Theta/Omega/O statement on a geometric grid: `consistent` when the ratio
    measured/predicted stays in a band whose drift dies out, `inconclusive` otherwise (NOTES.md).
    The band and its figure go into the report. `direction="upper"` judges an O-statement (only a
    ratio that grows counts against it), `"lower"` an Omega-statement."""
    from verify.figures import new_figure, render
    from verify.stats import scaling_band

    band = scaling_band(x, measured, predicted, tolerance=tolerance, direction=direction)
    fig, ax = new_figure()
    ax.semilogx(band.x, band.ratio, "o-", label="measured / predicted")
    ax.axhspan(band.band[0], band.band[1], alpha=0.15, label="band")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.25 * band.band[1])
    ax.legend(loc="best", fontsize="small")
    columns = {"x": list(band.x), "measured": [float(m) for m in measured],
               "predicted": [float(p) for p in predicted], "ratio": list(band.ratio)}
    columns.update(extra_columns or {})
    figure = render(fig, name, columns, caption or f"{ylabel} against {xlabel}")
    status = "consistent" if band.settles else "inconclusive"
    return Outcome(status, method, {**evidence, **band.evidence(), "direction": direction}, (figure,))
