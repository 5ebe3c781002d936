"""The same seed and profile give a byte-identical report.json apart from timings and timestamps,
and a subset run gives the same numbers for its checks as a run of more claims."""
import json

from verify import cli

CLAIMS = ["eq-8", "eq-10", "lemma-3.1", "eq-13"]


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("seconds", "started")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _run(tmp_path, name, *argv):
    out = tmp_path / name
    code = cli.main(["run", *argv, "--out", str(out), "--format", "json"])
    return code, json.loads((out / "report.json").read_text())


def test_same_seed_gives_identical_report_json(tmp_path):
    code1, a = _run(tmp_path, "a", *CLAIMS, "--seed", "11", "--jobs", "1")
    code2, b = _run(tmp_path, "b", *CLAIMS, "--seed", "11", "--jobs", "2")
    assert code1 == code2
    assert json.dumps(_strip(a), sort_keys=True) == json.dumps(_strip(b), sort_keys=True)


def test_subset_run_gives_the_same_numbers(tmp_path):
    _, full = _run(tmp_path, "full", *CLAIMS, "--seed", "3", "--jobs", "1")
    _, sub = _run(tmp_path, "sub", "lemma-3.1", "--seed", "3", "--jobs", "1")
    pick = lambda rep: [_strip(c) for cl in rep["claims"] if cl["id"] == "lemma-3.1" for c in cl["checks"]]
    assert pick(full) == pick(sub) and pick(sub)
