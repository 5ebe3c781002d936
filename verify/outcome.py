"""What a check returns: a status, the method that produced the evidence, and the evidence.

The statuses and methods are those of CONTRACT.md. A status says what the evidence proves;
the method says how strong that evidence is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

STATUSES = ("verified", "consistent", "counterexample", "inconclusive", "not-applicable")
METHODS = ("exact", "certified", "high-precision", "float", "monte-carlo")

# Worst first: a claim's status is the worst status among its checks.
_SEVERITY = {"counterexample": 0, "inconclusive": 1, "not-applicable": 2, "consistent": 3, "verified": 4}

# Which methods can support which statuses (CONTRACT.md: `verified` only by exact symbolic
# equality, a certified enclosure, or high precision with a stated error bound).
_VERIFYING_METHODS = {"exact", "certified", "high-precision"}


def worst_status(statuses) -> str:
    """The worst status of a collection (`verified` for an empty one is refused)."""
    statuses = list(statuses)
    if not statuses:
        raise ValueError("a claim without checks has no status")
    return min(statuses, key=_SEVERITY.__getitem__)


@dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG and SVG bytes and the plotted numbers as CSV text."""

    name: str
    png: bytes
    svg: bytes
    csv: str
    caption: str = ""


@dataclass(frozen=True)
class Outcome:
    """The result of one check.

    `evidence` holds plain numbers and strings: both sides of the statement, the margin, the
    error bound, and for a counterexample the witness that reproduces it.
    """

    status: str
    method: str
    evidence: dict = field(default_factory=dict)
    figures: tuple = ()

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; expected one of {METHODS}")
        if self.status == "verified" and self.method not in _VERIFYING_METHODS:
            raise ValueError(f"status 'verified' needs an exact, certified or high-precision method, not {self.method!r}")
        object.__setattr__(self, "evidence", jsonable(dict(self.evidence)))
        object.__setattr__(self, "figures", tuple(self.figures))


def verified(method: str, **evidence) -> Outcome:
    return Outcome("verified", method, evidence)


def consistent(method: str, **evidence) -> Outcome:
    return Outcome("consistent", method, evidence)


def counterexample(method: str, **evidence) -> Outcome:
    return Outcome("counterexample", method, evidence)


def inconclusive(method: str, **evidence) -> Outcome:
    return Outcome("inconclusive", method, evidence)


def not_applicable(method: str, **evidence) -> Outcome:
    return Outcome("not-applicable", method, evidence)


def decide(holds: bool | None, method: str, *, refuted_status: str = "counterexample", **evidence) -> Outcome:
    """Map a three-valued decision to an outcome: True -> verified, False -> counterexample
    (or `refuted_status`), None -> inconclusive."""
    if holds is None:
        return inconclusive(method, **evidence)
    return Outcome("verified" if holds else refuted_status, method, evidence)


def jsonable(value: Any) -> Any:
    """Convert evidence to JSON-ready values: mpmath and SymPy numbers become floats (their
    exact or many-digit form belongs in an explicit string field), NumPy scalars and arrays
    become Python numbers and lists, non-finite floats become strings."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (Integral, Real)):  # numpy arrays
        return jsonable(value.tolist())
    if isinstance(value, Integral):
        return int(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isfinite(x):
        return x
    return str(x)
