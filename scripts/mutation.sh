#!/usr/bin/env bash
# Mutation testing of the mathematical core with mutmut (configuration: [tool.mutmut] in
# pyproject.toml; documentation: docs/mutation.md).
#
# SLOW (hours on 2 cores for all ~12000 mutants; `--sample 30` takes about 15 minutes) and deliberately NOT part of CI's default
# path. mutmut copies symbolic/ and numeric/ into ./mutants (git-ignore it), caches every verdict
# in mutants/**/*.meta, and resumes where it stopped, so the run can be split across sessions.
#
# usage: scripts/mutation.sh [--fresh] [--sample K] [--time-limit SECONDS] [--jobs N] [--report-only]
#                            [MUTANT_GLOB ...]
#   --fresh         delete ./mutants first (needed after editing the mutated modules' tests
#                   only if you want every verdict recomputed; mutmut otherwise keeps old verdicts)
#   --time-limit S  stop the run after S seconds (default 3600); rerun to continue
#   --jobs N        parallel mutant workers (default: number of cores)
#   --sample K      test a seeded uniform random sample of K mutants per module (seed 2021, the
#                   sample is saved in mutants/sample.txt) instead of all of them, and report on the
#                   sample only; already decided sample members are not re-run
#   --report-only   skip the run, print the per-module table from the cached verdicts (restricted
#                   to mutants/sample.txt when it exists)
#   MUTANT_GLOB     re-run only these mutants, e.g. 'numeric.interval.*' or a survivor's name
#                   (explicitly named mutants are always re-tested, even with a cached verdict)
# Exit status: 0 if the overall kill rate is at least KILL_TARGET percent (default 90), else 1.
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=0; report_only=0; sample=0; time_limit=3600; jobs="$(nproc)"; names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fresh) fresh=1 ;;
    --report-only) report_only=1 ;;
    --sample) sample="$2"; shift ;;
    --time-limit) time_limit="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) names+=("$1") ;;
  esac
  shift
done

export HYPOTHESIS_PROFILE=ci   # derandomized hypothesis: the same examples on every run

if [[ $report_only -eq 0 ]]; then
  [[ $fresh -eq 1 ]] && rm -rf mutants
  if [[ $sample -gt 0 ]]; then
    if [[ ! -f mutants/mutmut-stats.json ]]; then
      # generate the mutants and the test-to-function map once; the forced-fail check of mutmut
      # needs at least one mutant, so let it test the cheapest one
      timeout "$time_limit" python -m mutmut run --max-children "$jobs" 'symbolic.schur.x__check_power__mutmut_1' \
        | tr '\r' '\n' | grep -v '^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]' || true
    fi
    python - "$sample" <<'PY'
"""Seeded uniform sample of K mutants per module -> mutants/sample.txt (kept once written)."""
import json
import random
import sys
from pathlib import Path

out = Path("mutants/sample.txt")
if not out.exists():
    k, names = int(sys.argv[1]), []
    for meta in sorted(Path("mutants").glob("*/*.py.meta")):
        keys = sorted(json.loads(meta.read_text())["exit_code_by_key"])
        names += random.Random(f"2021:{meta}").sample(keys, min(k, len(keys)))
    out.write_text("\n".join(names) + "\n")
PY
    # only the sample members without a verdict yet (explicitly named mutants are always re-run)
    mapfile -t names < <(python - <<'PY'
import json
from pathlib import Path
want = set(Path("mutants/sample.txt").read_text().split())
for meta in sorted(Path("mutants").glob("*/*.py.meta")):
    for key, code in json.loads(meta.read_text())["exit_code_by_key"].items():
        if key in want and code is None:
            print(key)
PY
)
    if [[ ${#names[@]} -eq 0 ]]; then report_only=1; fi
  fi
fi

if [[ $report_only -eq 0 ]]; then
  # mutmut's own exit status is not a verdict; the table below is.
  timeout "$time_limit" python -m mutmut run --max-children "$jobs" "${names[@]}" \
    | tr '\r' '\n' | grep -v '^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]' || true
fi

python - "${KILL_TARGET:-90}" <<'PY'
"""Per-module table from mutmut's cached verdicts (mutants/<module>.py.meta)."""
import json
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

target = float(sys.argv[1])
cols = ("killed", "survived", "timeout", "no tests", "not checked", "other")
sample_file = Path("mutants/sample.txt")
sample = set(sample_file.read_text().split()) if sample_file.exists() else None

def verdicts(meta):
    items = json.loads(meta.read_text())["exit_code_by_key"].items()
    return {k: v for k, v in items if sample is None or k in sample}

rows, total = [], dict.fromkeys(cols, 0)
for meta in sorted(Path("mutants").glob("*/*.py.meta")):
    codes = verdicts(meta).values()
    count = dict.fromkeys(cols, 0)
    for code in codes:
        status = status_by_exit_code[code]
        count[status if status in cols else "other"] += 1
    rows.append((str(meta)[len("mutants/"):-len(".meta")], len(codes), count))
    for c in cols:
        total[c] += count[c]
rows.append(("TOTAL", sum(r[1] for r in rows), total))

def rate(n, c):
    # timeouts count as kills (the mutant made the tests hang); "no tests" counts as a survivor
    tested = n - c["not checked"]
    return 100.0 * (c["killed"] + c["timeout"]) / tested if tested else float("nan")

if sample is not None:
    print(f"(seeded random sample of {len(sample)} mutants, listed in {sample_file})")
print(f"| module | mutants | killed | survived | timeout | no tests | not checked | kill rate |")
print(f"|---|---|---|---|---|---|---|---|")
for name, n, c in rows:
    print(f"| {name} | {n} | {c['killed']} | {c['survived']} | {c['timeout']} | {c['no tests']} "
          f"| {c['not checked']} | {rate(n, c):.1f}% |")
if sample is not None:
    # stratified estimate of the kill rate of ALL mutants: each module's sample rate weighted by the
    # module's number of mutants (equal samples per module over-represent small modules)
    sizes = {str(m)[len("mutants/"):-len(".meta")]: len(json.loads(m.read_text())["exit_code_by_key"])
             for m in sorted(Path("mutants").glob("*/*.py.meta"))}
    est = var = 0.0
    W = sum(sizes[name] for name, n, c in rows[:-1] if n - c["not checked"] > 0)
    for name, n, c in rows[:-1]:
        tested = n - c["not checked"]
        if tested:
            p, w = rate(n, c) / 100.0, sizes[name] / W
            est += w * p
            var += w * w * p * (1 - p) / tested * (1 - tested / sizes[name])
    half = 1.96 * var ** 0.5
    print(f"\nweighted by module size (all {W} mutants): {100 * est:.1f}% "
          f"(95% interval {100 * (est - half):.1f}-{100 * (est + half):.1f}%)")
survivors = [k for meta in sorted(Path("mutants").glob("*/*.py.meta"))
             for k, v in verdicts(meta).items()
             if status_by_exit_code[v] in ("survived", "no tests")]
if survivors:
    print("\nsurviving / untested mutants (inspect with: python -m mutmut show NAME):")
    print("\n".join("  " + s for s in survivors))
sys.exit(0 if rate(rows[-1][1], total) >= target else 1)
PY
