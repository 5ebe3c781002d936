"""The `ntk-verify` command line (CONTRACT.md).

Exit status: 0 when every outcome matches the reviewed findings, 1 when any differs, 2 on bad
usage or bad input (one line on stderr, no traceback, no report touched), 130 on Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from verify.profiles import PROFILES
from verify.seeds import DEFAULT_SEED


class UsageError(Exception):
    """Bad usage or bad input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage plus a message; we want one line
        raise UsageError(message)


def _version() -> str:
    try:
        return version("ntk-eigen-verify")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ntk-verify", description="Executable checks of every numbered claim of Nguyen, Mondelli, "
                "Montufar (ICML 2021), 'Tight bounds on the smallest eigenvalue of the NTK for deep ReLU networks'.")
    p.add_argument("--version", action="version", version=f"ntk-verify {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("list", help="one row per claim: id, kind, title")
    r = sub.add_parser("run", help="run claims and write the reports")
    r.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: every claim)")
    r.add_argument("--profile", default="quick", help=f"one of {', '.join(PROFILES)} (default quick)")
    r.add_argument("--seed", default=str(DEFAULT_SEED), help=f"root seed, a non-negative integer (default {DEFAULT_SEED})")
    r.add_argument("--out", default="ntk-verify-report", help="report folder (default ./ntk-verify-report)")
    r.add_argument("--format", default="md,json,html", help="comma-separated subset of md,json,html")
    r.add_argument("--jobs", default=str(os.cpu_count() or 1),
                   help="worker processes (default: the number of cores); results do not depend on it")
    r.add_argument("--resume", action="store_true",
                   help="reuse the checks already finished in OUT/.cache (same parameters, seed and code)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the checks on a dask.distributed cluster (tcp://host:port; the [dask] extra)")
    b = sub.add_parser("bench", help="performance figures (ratios measured in one run)")
    b.add_argument("names", nargs="*", metavar="NAME",
                   help="ntk, limiting, eig, regions, scale (default: all but scale)")
    return p


def _parse_run(args):
    from verify import registry
    from verify.profiles import Profile
    from verify.report import FORMATS, check_out_dir

    if args.profile not in PROFILES:
        raise UsageError(f"unknown profile {args.profile!r}; choose one of {', '.join(PROFILES)}")
    profile = Profile(args.profile)
    try:
        seed = int(args.seed)
    except ValueError:
        raise UsageError(f"--seed must be a non-negative integer, not {args.seed!r}") from None
    if seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, not {seed}")
    try:
        jobs = int(args.jobs)
    except ValueError:
        raise UsageError(f"--jobs must be a positive integer, not {args.jobs!r}") from None
    if jobs < 1:
        raise UsageError(f"--jobs must be a positive integer, not {jobs}")
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError(f"--format takes a comma-separated subset of {','.join(FORMATS)}, not {args.format!r}")
    known = {c.id for c in registry.all_claims()}
    unknown = [i for i in args.ids if i not in known]
    if unknown:
        raise UsageError(f"unknown claim id {unknown[0]!r}; `ntk-verify list` shows the claims")
    ids = list(dict.fromkeys(args.ids))
    out = Path(args.out)
    try:
        check_out_dir(out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return ids, profile, seed, jobs, formats, out


def _progress(total):
    from tqdm import tqdm

    return tqdm(total=total, unit="trial", file=sys.stderr, delay=1.0, leave=False,
                dynamic_ncols=True)


def cmd_list(_args) -> int:
    from verify import registry

    claims = registry.all_claims()
    w = max(len(c.id) for c in claims)
    k = max(len(c.kind) for c in claims)
    for c in claims:
        print(f"{c.id.ljust(w)}  {c.kind.ljust(k)}  {c.title}")
    return 0


def cmd_run(args) -> int:
    from verify import report, runner

    from verify.cache import Cache

    ids, profile, seed, jobs, formats, out = _parse_run(args)
    try:
        executor = runner.make_executor(jobs, args.scheduler)
    except (RuntimeError, OSError, ValueError) as exc:
        raise UsageError(f"--scheduler {args.scheduler}: {exc}") from None
    try:
        result = runner.run(ids, profile=profile, seed=seed, executor=executor, progress=_progress,
                            cache=Cache(out), resume=args.resume)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    path = report.write(result, out, formats)
    print(report.summary_table(result))
    print(f"reports: {os.path.relpath(path)}", file=sys.stderr)
    return 0 if result.all_expected else 1


def cmd_bench(args) -> int:
    from verify import bench

    unknown = [n for n in args.names if n not in bench.BENCHES]
    if unknown:
        raise UsageError(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(bench.BENCHES)}")
    bench.run(args.names or None)
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return {"list": cmd_list, "run": cmd_run, "bench": cmd_bench}[args.command](args)
    except UsageError as exc:
        print(f"ntk-verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ntk-verify: interrupted; the previous report (if any) is left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
