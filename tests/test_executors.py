"""Issue 7: the same sweep on a local process pool, a dask.distributed cluster, or in-process gives
identical results; Ctrl-C leaves the previous report intact."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from verify import cli, runner
from verify.profiles import Profile


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
