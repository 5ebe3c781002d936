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
