"""The claim registry.

A claim is one numbered statement of the paper. It is declared by decorating a generator
function that, given a profile, yields the checks that exercise the statement:

    @claim("eq-8", kind="identity", title="Hermite coefficients of ReLU", statement=r"...")
    def eq_8(profile):
        for r in range(profile.pick(quick=20, standard=40, full=60) + 1):
            yield check(f"r={r}", hermite_matches_closed_form, r=r)

A check is a module-level function `fn(ctx, **params) -> Outcome`; `params` are the
statement's parameters under the paper's own symbol names and go into the report as they are.
Options that are not parameters of the statement are bound with `functools.partial`.
A check that runs Monte Carlo trials or a sweep declares how many with `@counts_trials` and calls
``ctx.tick()`` after each, so that the progress display counts trials.
"""
from __future__ import annotations

import importlib
import numbers
from dataclasses import dataclass, field
from typing import Callable, Iterator

KINDS = ("identity", "inequality", "high-probability", "scaling", "figure")


@dataclass(frozen=True)
class Check:
    """One check: ``fn(ctx, **params)``. ``trials`` is how many Monte Carlo trials (or sweep
    points) it runs, the unit of the progress display (see `counts_trials`); a check reports
    each finished one with ``ctx.tick()``. A check that declares nothing is one trial."""

    name: str
    fn: Callable
    params: dict = field(default_factory=dict)
    trials: int = 1

    def run(self, ctx):
        return self.fn(ctx, **self.params)


def check(name: str, fn: Callable, /, **params) -> Check:
    """A check named `name` that runs `fn(ctx, **params)`."""
    count = getattr(getattr(fn, "func", fn), "count_trials", None)  # functools.partial: its func
    trials = 1
    if count is not None:
        try:  # the count only sizes the progress bar: bad parameters are the check's to report
            trials = count(**{**getattr(fn, "keywords", {}), **params})
        except Exception:
            trials = 1
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        trials = 1
    return Check(name, fn, params, int(trials))


def counts_trials(count: Callable[..., int]):
    """Declare that the decorated check function runs ``count(**params)`` trials, e.g.
    ``@counts_trials(lambda n, T, **_: len(n) * T)`` for T trials at every width in n."""

    def mark(fn):
        fn.count_trials = count
        return fn

    return mark


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    kind: str
    build: Callable[..., Iterator[Check]]
    module: str

    def checks(self, profile) -> list[Check]:
        checks = list(self.build(profile))
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise RuntimeError(f"claim {self.id} has checks with the same name: {names}")
        if not checks:
            raise RuntimeError(f"claim {self.id} yields no checks")
        return checks


_REGISTRY: dict[str, Claim] = {}


def claim(id: str, *, kind: str, title: str, statement: str):
    """Register the decorated generator of checks as the claim `id`."""
    if kind not in KINDS:
        raise ValueError(f"unknown claim kind {kind!r}")

    def register(build):
        if id in _REGISTRY and _REGISTRY[id].build.__qualname__ != build.__qualname__:
            raise RuntimeError(f"claim {id} is registered twice")
        _REGISTRY[id] = Claim(id, title, statement, kind, build, build.__module__)
        return build

    return register


def all_claims() -> list[Claim]:
    """Every registered claim, in the paper's order (the order of `verify.claims` modules)."""
    _load()
    return list(_REGISTRY.values())


def get(claim_id: str) -> Claim:
    _load()
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        raise KeyError(claim_id) from None


_loaded = False


def _load():
    global _loaded
    if _loaded:
        return
    import verify.claims as pkg

    for name in pkg.MODULES:
        importlib.import_module(f"{pkg.__name__}.{name}")
    _loaded = True
