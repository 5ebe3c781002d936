"""The result cache behind `ntk-verify run --resume`.

Finished checks are pickled under `<out>/.cache/`, keyed by claim id, check name, parameters,
root seed, profile and the code version (a hash of the source of symbolic/, numeric/ and
verify/), so a changed parameter or a changed line of code invalidates the entry. Entries are
written as checks finish, so an interrupted full run keeps what it had done.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

CACHE_DIR = ".cache"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of every Python source file of the three packages (and of the findings file)."""
    import numeric
    import symbolic
    import verify

    h = hashlib.sha256()
    for pkg in (symbolic, numeric, verify):
        root = Path(pkg.__file__).parent
        for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.toml")):
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def key(claim_id: str, check_name: str, params: dict, seed: int, profile: str) -> str:
    from verify.outcome import jsonable

    blob = json.dumps([claim_id, check_name, jsonable(params), seed, profile, code_version()], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class Cache:
    def __init__(self, out: Path):
        self.dir = Path(out) / CACHE_DIR

    def _path(self, k: str) -> Path:
        return self.dir / k[:2] / f"{k}.pkl"

    def get(self, k: str):
        path = self._path(k)
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def put(self, k: str, result) -> None:
        path = self._path(k)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
