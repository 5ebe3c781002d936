"""Issue 7: the same sweep on a local process pool, a dask.distributed cluster, or in-process gives
identical results; Ctrl-C leaves the previous report intact."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from verify import cli, registry, runner
from verify.outcome import Outcome
from verify.profiles import Profile
from verify.registry import Claim, check, counts_trials


def _numbers(run):
    return [(r.claim_id, r.name, r.outcome.status, r.outcome.evidence, r.seed) for r in run.results]


def test_dask_local_cluster_gives_the_same_numbers():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = runner.make_executor(1, cluster.scheduler_address)
        try:
            on_dask = runner.run(["eq-10", "eq-13"], profile=Profile("quick"), seed=4, executor=executor)
        finally:
            executor.shutdown()
    local = runner.run(["eq-10", "eq-13"], profile=Profile("quick"), seed=4)
    assert _numbers(on_dask) == _numbers(local)


def test_unknown_scheduler_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    real = runner.make_executor
    monkeypatch.setattr(runner, "make_executor", lambda jobs, scheduler: real(jobs, scheduler, connect_timeout=1.0))
    code = cli.main(["run", "eq-8", "--out", str(tmp_path / "r"), "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_ctrl_c_keeps_the_previous_report_and_exits_non_zero(tmp_path):
    out = tmp_path / "rep"
    assert cli.main(["run", "eq-8", "--out", str(out), "--jobs", "1"]) == 0
    before = (out / "report.json").read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "verify", "run", "--out", str(out), "--jobs", "1",
                             "--profile", "standard"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(4.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert b"Traceback" not in err and b"interrupted" in err
    assert (out / "report.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


# ------------------------------------------------------------------ progress in trials

class _Bar:
    """A stand-in for the tqdm bar: records the total and every update."""

    def __init__(self, total):
        self.total, self.updates, self.closed = total, [], False

    def update(self, k):
        self.updates.append(k)

    def close(self):
        self.closed = True


@counts_trials(lambda T, **_: T)
def _ticking(ctx, T, ticks):
    for _ in range(ticks):
        ctx.tick()
    return Outcome("verified", "exact", {"T": T})


def _plain(ctx):
    return Outcome("verified", "exact", {})


@pytest.fixture
def trial_registry(monkeypatch):
    def build(profile):
        yield check("T=5 ticks all", _ticking, T=5, ticks=5)
        yield check("T=4 ticks too many", _ticking, T=4, ticks=9)
        yield check("T=3 never ticks", _ticking, T=3, ticks=0)
        yield check("one trial", _plain)

    monkeypatch.setattr(registry, "_REGISTRY", {"fake": Claim("fake", "t", "s", "identity", build, __name__)})
    monkeypatch.setattr(registry, "_loaded", True)


def test_the_progress_bar_counts_declared_trials_live_in_process(trial_registry):
    bars = []
    runner.run(["fake"], profile=Profile("quick"), seed=0, progress=lambda n: bars.append(_Bar(n)) or bars[-1],
               findings={})
    (bar,) = bars
    assert bar.total == 5 + 4 + 3 + 1 and sum(bar.updates) == bar.total and bar.closed
    # ticks arrive one by one; extra ticks are capped at the declared trials; a silent check is
    # credited in one step when it ends
    assert bar.updates == [1] * 5 + [1] * 4 + [3] + [1]


def test_declared_trials_follow_counts_trials_and_partial():
    import functools

    assert check("a", _ticking, T=7, ticks=0).trials == 7
    assert check("b", functools.partial(_ticking, T=6), ticks=0).trials == 6
    assert check("c", _plain).trials == 1
    # a count that fails or is not a positive integer sizes the bar as one trial; the bad
    # parameters are the check's to report when it runs, not the planner's
    assert check("d", _ticking, T=0, ticks=0).trials == 1
    assert check("e", _ticking, ticks=0).trials == 1


def test_a_local_pool_reports_trials_of_real_checks():
    bars = []
    executor = runner.make_executor(2)
    try:
        res = runner.run(["eq-26"], profile=Profile("quick"), seed=0, executor=executor,
                         progress=lambda n: bars.append(_Bar(n)) or bars[-1])
    finally:
        executor.shutdown()
    (bar,) = bars
    declared = [chk.trials for chk in registry.get("eq-26").checks(Profile("quick"))]
    assert bar.total == sum(declared) > len(declared) and sum(bar.updates) == bar.total
    assert len(bar.updates) > len(declared)  # live ticks from the workers, not only one per check
    assert res.all_expected


def test_cli_runs_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code = cli.main(["run", "eq-10", "--out", str(tmp_path / "r"), "--scheduler", cluster.scheduler_address])
    assert code == 0
    assert json.loads((tmp_path / "r" / "report.json").read_text())["all_expected"]
