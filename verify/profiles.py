"""Run profiles: how large the instances of every check are.

`quick` runs the whole suite in under a minute on two cores (the default and what CI runs),
`standard` is a few minutes, `full` is the paper's scale (Figure 2 with 50 trials per point).
"""
from __future__ import annotations

from dataclasses import dataclass

PROFILES = ("quick", "standard", "full")


@dataclass(frozen=True)
class Profile:
    name: str

    def __post_init__(self):
        if self.name not in PROFILES:
            raise ValueError(f"unknown profile {self.name!r}; choose one of {', '.join(PROFILES)}")

    def pick(self, *, quick, standard=None, full=None):
        """The value for this profile; `standard` defaults to `quick`, `full` to `standard`."""
        standard = quick if standard is None else standard
        full = standard if full is None else full
        return {"quick": quick, "standard": standard, "full": full}[self.name]

    def __str__(self):
        return self.name
