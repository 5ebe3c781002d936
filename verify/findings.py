"""The reviewed findings: outcomes the project expects that are not `verified`/`consistent`.

`verify/findings.toml` lists them, one `[[finding]]` table each with `claim`, `check` (the check
name, shell-style wildcards allowed), `status` and `why`. An outcome is *expected* when a finding
matches it with the same status, or when no finding matches and it is verified or consistent.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from importlib import resources

from verify.outcome import STATUSES

_GOOD = {"verified", "consistent"}


@dataclass(frozen=True)
class Finding:
    claim: str
    check: str
    status: str
    why: str

    def matches(self, claim_id: str, check_name: str) -> bool:
        return claim_id == self.claim and fnmatch.fnmatchcase(check_name, self.check)


def load(text: str | None = None) -> list[Finding]:
    if text is None:
        text = resources.files("verify").joinpath("findings.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    findings = []
    for entry in data.get("finding", []):
        f = Finding(entry["claim"], entry["check"], entry["status"], entry["why"].strip())
        if f.status not in STATUSES:
            raise ValueError(f"findings.toml: unknown status {f.status!r} for {f.claim} / {f.check}")
        findings.append(f)
    return findings


def finding_for(findings: list[Finding], claim_id: str, check_name: str) -> Finding | None:
    for f in findings:
        if f.matches(claim_id, check_name):
            return f
    return None


def is_expected(findings: list[Finding], claim_id: str, check_name: str, status: str) -> bool:
    f = finding_for(findings, claim_id, check_name)
    if f is None:
        return status in _GOOD
    return f.status == status
