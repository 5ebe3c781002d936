"""Run claims: build each claim's checks for a profile, run them with per-check seeds, and
collect the results into a report (a plain dict in the schema of CONTRACT.md)."""
from __future__ import annotations

import datetime as _dt
import itertools
import multiprocessing
import os
import platform
import threading
import time
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from queue import Empty
from typing import Callable

import numpy as np

from verify import findings as _findings
from verify import registry
from verify.outcome import STATUSES, Outcome, worst_status
from verify.profiles import Profile
from verify.seeds import check_seed

SCHEMA = "ntk-verify/report/1"


def _no_tick(k: int = 1) -> None:
    return None


@dataclass(frozen=True)
class Context:
    """What a check gets besides its parameters: its seed, a generator seeded with it, the
    profile, its place in the registry, and ``tick(k=1)``, which reports k finished trials to
    the progress display (a no-op where there is none)."""

    seed: int
    profile: Profile
    claim_id: str
    check_name: str
    tick: Callable[[int], None] = field(default=_no_tick, compare=False, repr=False)

    @property
    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)


@dataclass
class CheckResult:
    claim_id: str
    name: str
    params: dict
    outcome: Outcome
    seed: int
    seconds: float
    expected: bool = True
    error: str | None = None

    def to_json(self) -> dict:
        d = {
            "name": self.name,
            "params": _params_json(self.params),
            "status": self.outcome.status,
            "expected": self.expected,
            "method": self.outcome.method,
            "evidence": self.outcome.evidence,
            "seed": self.seed,
            "seconds": round(self.seconds, 4),
        }
        if self.outcome.figures:
            d["figures"] = [f.name for f in self.outcome.figures]
        return d


@dataclass
class Run:
    profile: Profile
    seed: int
    started: str
    claims: list = field(default_factory=list)  # [(Claim, [CheckResult])]
    seconds: float = 0.0

    @property
    def results(self):
        return [r for _, rs in self.claims for r in rs]

    @property
    def all_expected(self) -> bool:
        return all(r.expected for r in self.results)

    def summary(self) -> dict:
        counts = {s: 0 for s in STATUSES}
        for r in self.results:
            counts[r.outcome.status] += 1
        return counts

    def to_json(self) -> dict:
        import mpmath
        import scipy
        import sympy

        return {
            "schema": SCHEMA,
            "profile": self.profile.name,
            "seed": self.seed,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "environment": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "sympy": sympy.__version__,
                "mpmath": mpmath.__version__,
            },
            "claims": [
                {
                    "id": c.id,
                    "title": c.title,
                    "statement": c.statement,
                    "kind": c.kind,
                    "status": worst_status(r.outcome.status for r in rs),
                    "expected": all(r.expected for r in rs),
                    "checks": [r.to_json() for r in rs],
                }
                for c, rs in self.claims
            ],
            "summary": self.summary(),
            "all_expected": self.all_expected,
        }


def _params_json(params: dict) -> dict:
    from verify.outcome import jsonable

    return jsonable(params)


def run_check(claim_id: str, check, profile: Profile, root_seed: int, tick=None) -> CheckResult:
    """Run one check; an exception becomes an `inconclusive` outcome carrying the error.
    ``tick(k)`` receives the check's finished trials as they happen."""
    seed = check_seed(root_seed, claim_id, check.name)
    ctx = Context(seed, profile, claim_id, check.name, tick or _no_tick)
    t0 = time.perf_counter()
    error = None
    try:
        outcome = check.run(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check returned {type(outcome).__name__}, not an Outcome")
    except Exception as exc:  # a crashing check must not hide the others; it is reported
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        outcome = Outcome("inconclusive", "float", {"error": error})
    return CheckResult(claim_id, check.name, dict(check.params), outcome, seed, time.perf_counter() - t0, error=error)


# In a LocalPool worker: the queue on which checks report finished trials (None elsewhere, e.g.
# on a dask worker, where a check's trials are credited when it finishes).
_TRIALS_QUEUE = None


def _run_check_job(job):
    token, claim_id, chk, profile, seed = job
    queue = _TRIALS_QUEUE
    tick = None if queue is None else (lambda k=1: queue.put((token, k)))
    return run_check(claim_id, chk, profile, seed, tick)


def _limit_blas_threads(threads: int) -> None:
    """Jobs x BLAS threads must fit the cores (no oversubscription)."""
    import numpy  # noqa: F401  -- load every BLAS the checks use (SciPy ships its own OpenBLAS)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def _init_worker(threads: int, trials_queue) -> None:
    global _TRIALS_QUEUE
    _limit_blas_threads(threads)
    # a worker must be able to exit with ticks nobody reads any more (after Ctrl-C or an error);
    # they only move the progress bar, so losing them is harmless
    trials_queue.cancel_join_thread()
    _TRIALS_QUEUE = trials_queue


class LocalPool(ProcessPoolExecutor):
    """The default executor: ``jobs`` spawned worker processes, each limited to ``threads`` BLAS
    threads, whose checks report finished trials on ``trials_queue``."""

    def __init__(self, jobs: int, threads: int):
        ctx = multiprocessing.get_context("spawn")
        self.trials_queue = ctx.Queue()
        super().__init__(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                         initargs=(threads, self.trials_queue))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self.trials_queue.close()


class DaskExecutor(Executor):
    """The checks on a dask.distributed cluster: the client's executor, and the client closed on
    shutdown (a client left open keeps trying to reconnect once the cluster is gone)."""

    def __init__(self, client):
        self.client = client
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)
        finally:
            self.client.close()


class _TrialCounter:
    """Credits finished trials to a progress bar: each check's ticks as they arrive, capped at
    the trials it declared, and whatever it did not tick when it finishes (so the total is
    exact even for checks that never tick, or whose last ticks arrive after their result)."""

    def __init__(self, bar, declared: dict):
        self.bar, self.declared = bar, declared
        self.credited = dict.fromkeys(declared, 0)
        self.lock = threading.Lock()

    def tick(self, token, k: int = 1) -> None:
        with self.lock:
            if token not in self.declared:
                return  # a straggler from an earlier run on the same pool
            k = min(int(k), self.declared[token] - self.credited[token])
            if k > 0:
                self.credited[token] += k
                if self.bar is not None:
                    self.bar.update(k)

    def finish(self, token) -> None:
        self.tick(token, self.declared.get(token, 0))

    def listen(self, queue) -> threading.Event:
        """Drain ``queue`` in a daemon thread until the returned event is set."""
        stop = threading.Event()

        def drain():
            while not stop.is_set():
                try:
                    msg = queue.get(timeout=0.2)
                except (Empty, OSError, EOFError, ValueError):  # timed out, or the pool is gone
                    continue
                self.tick(*msg)

        threading.Thread(target=drain, name="ntk-verify-trials", daemon=True).start()
        return stop


_RUNS = itertools.count()


def run(claim_ids=None, *, profile: Profile, seed: int, executor: Executor | None = None,
        progress=None, findings=None, cache=None, resume: bool = False) -> Run:
    """Run the given claims (all when None) and return the collected `Run`.

    `executor` runs checks concurrently; results are identical whatever the executor because
    every check's seed depends only on (seed, claim id, check name). `progress(n_trials)` returns
    an object with `update(k)` and `close()` (e.g. a tqdm bar); it counts trials (a check's
    ``trials``), live from a `LocalPool` or this process, at each check's end from other
    executors. With a `cache` (verify.cache.Cache) every finished check is stored; with `resume`
    too, checks found there are not run again.
    """
    claims = registry.all_claims() if not claim_ids else [registry.get(i) for i in claim_ids]
    findings = _findings.load() if findings is None else findings
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    plan = [(c, c.checks(profile)) for c in claims]
    nonce = (os.getpid(), next(_RUNS))
    pairs = [(c.id, chk) for c, chks in plan for chk in chks]
    jobs = [((nonce, i), claim_id, chk, profile, seed) for i, (claim_id, chk) in enumerate(pairs)]
    keys = [_cache_key(job) for job in jobs] if cache is not None else [None] * len(jobs)
    results: list = [cache.get(k) if (resume and k) else None for k in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    bar = progress(sum(jobs[i][2].trials for i in todo)) if progress and todo else None
    counter = _TrialCounter(bar, {jobs[i][0]: jobs[i][2].trials for i in todo})
    queue = getattr(executor, "trials_queue", None)
    listener = counter.listen(queue) if queue is not None and todo else None
    try:
        if executor is None:
            done = ((i, run_check(*jobs[i][1:], tick=lambda k=1, t=jobs[i][0]: counter.tick(t, k)))
                    for i in todo)
        else:  # collect in completion order so the progress bar moves; results keep their place
            futures = {executor.submit(_run_check_job, jobs[i]): i for i in todo}
            done = ((futures[f], f.result()) for f in as_completed(futures))
        for i, res in done:
            results[i] = res
            if cache is not None and res.error is None:
                cache.put(keys[i], res)
            counter.finish(jobs[i][0])
    finally:
        if listener is not None:
            listener.set()
        if bar:
            bar.close()
    for res in results:
        res.expected = res.error is None and _findings.is_expected(findings, res.claim_id, res.name, res.outcome.status)
    out = Run(profile, seed, started)
    it = iter(results)
    for c, chks in plan:
        out.claims.append((c, [next(it) for _ in chks]))
    out.seconds = time.perf_counter() - t0
    return out


def _cache_key(job) -> str:
    from verify.cache import key

    _, claim_id, chk, profile, seed = job
    return key(claim_id, chk.name, chk.params, seed, profile.name)


def make_executor(jobs: int, scheduler: str | None = None, connect_timeout: float = 10.0) -> Executor | None:
    """None (run in this process) for one job; a process pool whose workers each get
    max(1, cores // jobs) BLAS threads otherwise; or, with `scheduler`, the executor of a
    dask.distributed cluster at that address (the `[dask]` extra)."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise RuntimeError("--scheduler needs the dask extra: pip install 'ntk-eigen-verify[dask]'") from None
        return DaskExecutor(Client(scheduler, timeout=connect_timeout))
    if jobs <= 1:
        return None
    return LocalPool(jobs, threads=max(1, (os.cpu_count() or 1) // jobs))
