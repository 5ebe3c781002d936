"""Write a run's reports: report.json (CONTRACT.md schema), report.md, report.html (self-contained,
figures embedded) and the figures with their CSV files.

Writing is atomic: everything goes to a fresh folder beside `--out`, which then replaces `--out`
in two renames, so an interrupted or failed run never leaves a partial or corrupted report.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

from verify.outcome import STATUSES

FORMATS = ("md", "json", "html")


def render_json(run) -> str:
    return json.dumps(run.to_json(), indent=2, sort_keys=False, allow_nan=False) + "\n"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        if len(v) > 8:
            return "[" + ", ".join(_fmt(x) for x in v[:8]) + f", … ({len(v)} values)]"
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}"
    return str(v)


def summary_rows(run):
    """One row per claim: id, kind, status, expected, number of checks, seconds."""
    for c, rs in run.claims:
        data = run_claim_status(rs)
        yield c.id, c.kind, data, all(r.expected for r in rs), len(rs), sum(r.seconds for r in rs)


def run_claim_status(rs):
    from verify.outcome import worst_status

    return worst_status(r.outcome.status for r in rs)


def summary_table(run) -> str:
    rows = [("claim", "kind", "status", "expected", "checks", "seconds")]
    for cid, kind, status, expected, n, secs in summary_rows(run):
        rows.append((cid, kind, status, "yes" if expected else "NO", str(n), f"{secs:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = run.summary()
    lines.append("")
    lines.append(", ".join(f"{counts[s]} {s}" for s in STATUSES) + f" in {run.seconds:.1f} s")
    unexpected = [r for r in run.results if not r.expected]
    if unexpected:
        lines.append(f"{len(unexpected)} check(s) differ from the reviewed findings:")
        for r in unexpected[:20]:
            lines.append(f"  {r.claim_id} / {r.name}: {r.outcome.status}" + (f" ({r.error})" if r.error else ""))
    else:
        lines.append("every outcome matches the reviewed findings")
    return "\n".join(lines)


def render_md(run) -> str:
    out = ["# ntk-verify report", "",
           f"Profile `{run.profile.name}`, seed {run.seed}, started {run.started}, {run.seconds:.1f} s.", "",
           "```", summary_table(run), "```", ""]
    for c, rs in run.claims:
        out += [f"## {c.id}: {c.title}", "", f"Kind: {c.kind}. Status: **{run_claim_status(rs)}**.", "",
                "$$", c.statement, "$$", "",
                "| check | params | status | expected | method | evidence | seconds |",
                "|---|---|---|---|---|---|---|"]
        for r in rs:
            ev = "; ".join(f"{k} = {_fmt(v)}" for k, v in r.outcome.evidence.items()).replace("|", "\\|")
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in r.params.items()).replace("|", "\\|")
            out.append(f"| {r.name} | {params} | {r.outcome.status} | {'yes' if r.expected else 'NO'} | "
                       f"{r.outcome.method} | {ev} | {r.seconds:.3f} |")
        out.append("")
        for r in rs:
            for f in r.outcome.figures:
                out += [f"![{f.caption or f.name}](figures/{f.name}.png)", "",
                        f"*{f.caption}* ([SVG](figures/{f.name}.svg), [CSV](figures/{f.name}.csv))", ""]
    return "\n".join(out) + "\n"


def render_html(run) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("verify", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["fmt"] = _fmt
    env.filters["b64"] = lambda b: base64.b64encode(b).decode("ascii")
    claims = [{"claim": c, "status": run_claim_status(rs), "results": rs} for c, rs in run.claims]
    return env.get_template("report.html.j2").render(run=run, claims=claims, summary=summary_table(run))


def check_out_dir(out: Path) -> None:
    """Refuse an `--out` that cannot become a report folder (before any work is done)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise ValueError(f"--out {out}: parent directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK | os.X_OK)):
        raise ValueError(f"--out {out} is not writable")


def write(run, out, formats=FORMATS) -> Path:
    """Write the reports of `run` atomically into the folder `out`."""
    out = Path(out).resolve()
    check_out_dir(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        figdir = tmp / "figures"
        figures = [f for r in run.results for f in r.outcome.figures]
        if figures:
            figdir.mkdir()
        for f in figures:
            (figdir / f"{f.name}.png").write_bytes(f.png)
            (figdir / f"{f.name}.svg").write_bytes(f.svg)
            (figdir / f"{f.name}.csv").write_text(f.csv, encoding="utf-8")
        if "json" in formats:
            (tmp / "report.json").write_text(render_json(run), encoding="utf-8")
        if "md" in formats:
            (tmp / "report.md").write_text(render_md(run), encoding="utf-8")
        if "html" in formats:
            (tmp / "report.html").write_text(render_html(run), encoding="utf-8")
        old = None
        if (out / ".cache").is_dir():  # the resume cache outlives the report it sits beside
            os.replace(out / ".cache", tmp / ".cache")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if (tmp / ".cache").is_dir() and out.is_dir() and not (out / ".cache").exists():
            os.replace(tmp / ".cache", out / ".cache")
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
