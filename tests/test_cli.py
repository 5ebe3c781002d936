"""The command line: exit statuses, one-line errors, atomic reports (CONTRACT.md)."""
import json
import os
import subprocess
import sys

import pytest

from verify import cli, registry
from verify.outcome import Outcome
from verify.registry import Claim, check


def _good(ctx, n):
    return Outcome("verified", "exact", {"n": n, "draw": float(ctx.rng.standard_normal())})


def _bad(ctx):
    return Outcome("counterexample", "exact", {"witness": 1})


def _crash(ctx):
    raise ZeroDivisionError("boom")


@pytest.fixture
def fake_registry(monkeypatch):
    def good(profile):
        for n in range(profile.pick(quick=2, full=3)):
            yield check(f"n={n}", _good, n=n)

    claims = {
        "fake-good": Claim("fake-good", "always verified", r"1=1", "identity", good, __name__),
        "fake-bad": Claim("fake-bad", "always refuted", r"1=2", "identity", lambda p: [check("one", _bad)], __name__),
        "fake-crash": Claim("fake-crash", "crashes", r"?", "identity", lambda p: [check("one", _crash)], __name__),
    }
    monkeypatch.setattr(registry, "_REGISTRY", claims)
    monkeypatch.setattr(registry, "_loaded", True)
    return claims


def test_run_writes_three_reports_and_exits_0(fake_registry, tmp_path, capsys):
    out = tmp_path / "rep"
    assert cli.main(["run", "fake-good", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "report.html", ".cache"}
    rep = json.loads((out / "report.json").read_text())
    assert rep["schema"] == "ntk-verify/report/1" and rep["profile"] == "quick" and rep["seed"] == 0
    (c,) = rep["claims"]
    assert c["id"] == "fake-good" and c["status"] == "verified" and len(c["checks"]) == 2
    assert set(c["checks"][0]) >= {"name", "params", "status", "expected", "method", "evidence", "seed", "seconds"}
    assert rep["summary"]["verified"] == 2
    assert "fake-good" in capsys.readouterr().out


def test_unexpected_counterexample_and_crash_exit_1(fake_registry, tmp_path):
    assert cli.main(["run", "fake-bad", "--out", str(tmp_path / "a")]) == 1
    assert cli.main(["run", "fake-crash", "--out", str(tmp_path / "b")]) == 1
    rep = json.loads((tmp_path / "b" / "report.json").read_text())
    (chk,) = rep["claims"][0]["checks"]
    assert chk["status"] == "inconclusive" and "ZeroDivisionError" in chk["evidence"]["error"]


def test_subset_run_reproduces_the_numbers_of_a_full_run(fake_registry, tmp_path):
    cli.main(["run", "--out", str(tmp_path / "all"), "--seed", "7"])
    cli.main(["run", "fake-good", "--out", str(tmp_path / "one"), "--seed", "7"])
    full = json.loads((tmp_path / "all" / "report.json").read_text())
    one = json.loads((tmp_path / "one" / "report.json").read_text())
    pick = lambda rep: [(c["name"], c["evidence"], c["seed"]) for cl in rep["claims"] if cl["id"] == "fake-good" for c in cl["checks"]]
    assert pick(full) == pick(one)


@pytest.mark.parametrize("argv, fragment", [
    (["run", "lemma-9.9"], "unknown claim id"),
    (["run", "--profile", "nope"], "unknown profile"),
    (["run", "--seed", "-1"], "--seed"),
    (["run", "--seed", "1.5"], "--seed"),
    (["run", "--format", "pdf"], "--format"),
    (["run", "--jobs", "0"], "--jobs"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_usage_is_one_line_exit_2_and_touches_nothing(fake_registry, tmp_path, capsys, argv, fragment):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.json").write_text("previous")
    assert cli.main(argv + ["--out", str(out)] if argv[0] == "run" else argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert (out / "report.json").read_text() == "previous"


def test_out_that_is_a_file_or_unwritable_is_refused(fake_registry, tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("keep")
    assert cli.main(["run", "fake-good", "--out", str(f)]) == 2
    assert f.read_text() == "keep"
    assert cli.main(["run", "fake-good", "--out", str(tmp_path / "missing" / "rep")]) == 2
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        assert cli.main(["run", "fake-good", "--out", str(ro / "rep")]) == 2


def test_a_failing_write_leaves_the_previous_report(fake_registry, tmp_path, monkeypatch):
    from verify import report

    out = tmp_path / "rep"
    assert cli.main(["run", "fake-good", "--out", str(out)]) == 0
    before = (out / "report.json").read_text()
    monkeypatch.setattr(report, "render_html", lambda run: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert cli.main(["run", "fake-good", "--out", str(out), "--seed", "3"]) == 130
    assert (out / "report.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary folder left behind


def test_console_entry_points_agree():
    r = subprocess.run([sys.executable, "-m", "verify", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("ntk-verify ")


def test_resume_reuses_finished_checks_and_a_changed_seed_does_not(fake_registry, tmp_path, monkeypatch):
    from verify import runner

    out = tmp_path / "rep"
    assert cli.main(["run", "fake-good", "--out", str(out), "--jobs", "1"]) == 0
    first = json.loads((out / "report.json").read_text())
    calls = []
    real = runner.run_check
    monkeypatch.setattr(runner, "run_check", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    assert cli.main(["run", "fake-good", "--out", str(out), "--jobs", "1", "--resume"]) == 0
    assert calls == []
    again = json.loads((out / "report.json").read_text())
    assert [c["evidence"] for c in again["claims"][0]["checks"]] == [c["evidence"] for c in first["claims"][0]["checks"]]
    assert cli.main(["run", "fake-good", "--out", str(out), "--jobs", "1", "--resume", "--seed", "5"]) == 0
    assert len(calls) == 2


def test_jobs_do_not_change_the_numbers(tmp_path):
    for jobs in ("1", "2"):
        assert cli.main(["run", "eq-8", "--out", str(tmp_path / jobs), "--jobs", jobs, "--format", "json"]) == 0
    strip = lambda rep: [(c["name"], c["status"], c["evidence"], c["seed"]) for cl in rep["claims"] for c in cl["checks"]]
    one, two = (json.loads((tmp_path / j / "report.json").read_text()) for j in ("1", "2"))
    assert strip(one) == strip(two)
