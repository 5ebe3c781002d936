"""`ntk-verify bench`: performance figures as ratios measured in one run.

Every figure compares our code with a reference timed in the same process, interleaved, best of
several repeats, so machine noise cancels as far as it can. Targets (issues 3 and 5) are printed
beside the figures; nothing here fails on a missed target: the numbers are for docs/performance.md.
"""
from __future__ import annotations

import math
import time

import numpy as np


def _best(fns, repeats):
    """Interleave the callables `repeats` times; the best time of each."""
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def bench_ntk(N=500, d=100, widths=(4000, 100), repeats=7, seed=0) -> dict:
    """GFLOP/s of `ReLUNetwork.ntk` on the decomposition's flop count, as a fraction of a plain
    matmul of comparable size ((N x n_1) @ (n_1 x N)) timed in the same run; and the explicit
    J J^T route for contrast (forming J)."""
    from numeric.network import ReLUNetwork

    rng = np.random.default_rng(seed)
    net = ReLUNetwork.init([d, *widths], "he", seed=seed)
    X = rng.standard_normal((N, d))
    A = rng.standard_normal((N, widths[0]))
    B = rng.standard_normal((widths[0], N))
    t_ntk, t_mm = _best([lambda: net.ntk(X), lambda: A @ B], repeats)
    n = list(net.widths)
    L = net.L
    forward = sum(2 * N * n[l] * n[l + 1] for l in range(L))
    backward = sum(2 * N * n[k] * n[k + 1] for k in range(1, L - 1))
    grams = 2 * sum(2 * N * N * n[k] for k in range(L)) - 2 * N * N * n[0]  # F F^T for k>=0, B B^T for k>=1
    flops = forward + backward + grams
    mm_rate = 2 * N * N * widths[0] / t_mm
    out = {"N": N, "d": d, "widths": list(widths), "t_ntk": t_ntk, "t_matmul": t_mm,
           "gflops_ntk": flops / t_ntk / 1e9, "gflops_matmul": mm_rate / 1e9,
           "ratio": (flops / t_ntk) / mm_rate, "target": ">= 0.7",
           "note": "flops counted as plain Gram products 2 N^2 n (dsyrk does half of that work)"}
    if N * net.n_params * 8 < 2e9:  # forming J: the slow route the decomposition avoids
        (t_j,) = _best([lambda: (lambda J: J @ J.T)(net.jacobian(X))], 1)
        out["t_explicit_JJt"] = t_j
        out["speedup_vs_explicit"] = t_j / t_ntk
    return out


def bench_limiting(N=2000, L=3, repeats=5) -> dict:
    from numeric.limiting import benchmark_limiting

    res = benchmark_limiting(N=N, L=L, seed=0, repeats=repeats)
    res["target"] = "ratio <= 0.5; err_fast <= 1e-12"
    return res


def _conditioned(N, cond, rng):
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    A = (Q * np.geomspace(1.0, 1.0 / cond, N)) @ Q.T
    return np.triu(A) + np.triu(A, 1).T  # exactly symmetric


def bench_eig(N=1000, cond=1e8, N_mp=200, dps=30, repeats=3) -> dict:
    """Certified `lambda_min` against `numpy.linalg.eigvalsh` at N (condition number `cond`), and the
    time of a `dps`-digit enclosure at N_mp."""
    from numeric.eig import lambda_min

    rng = np.random.default_rng(0)
    A = _conditioned(N, cond, rng)
    t_cert, t_eigvalsh = _best([lambda: lambda_min(A, method="certified"), lambda: np.linalg.eigvalsh(A)], repeats)
    enc = lambda_min(A, method="certified")
    Am = _conditioned(N_mp, 1e4, rng)
    t0 = time.perf_counter()
    enc_mp = lambda_min(Am, method="mpmath", dps=dps)
    t_mp = time.perf_counter() - t0
    return {"N": N, "cond": cond, "t_certified": t_cert, "t_eigvalsh": t_eigvalsh, "ratio": t_cert / t_eigvalsh,
            "target": "ratio <= 5; 30-digit enclosure at N=200 in about 1 s",
            "relative_width": float(enc.width) / abs(float(enc.hi)), "method": enc.method,
            "N_mp": N_mp, "dps": dps, "t_mpmath": t_mp, "mp_method": enc_mp.method,
            "mp_relative_width": float(enc_mp.width) / abs(float(enc_mp.hi))}


def bench_regions(d=2, widths=(20, 20, 20), seeds=5) -> dict:
    from numeric.regions import enumerate_regions

    out = {"d": d, "widths": list(widths)}
    for method in ("sector", "lp"):
        counts, secs = 0, 0.0
        for s in range(seeds if method == "sector" else 1):
            rng = np.random.default_rng(s)
            n = [d, *widths, 1]
            weights = [rng.standard_normal((n[i], n[i + 1])) for i in range(len(n) - 1)]
            t0 = time.perf_counter()
            en = enumerate_regions(weights, method=method, seed=s)
            secs += time.perf_counter() - t0
            counts += en.count
        out[f"{method}_regions"] = counts
        out[f"{method}_regions_per_second"] = counts / secs
    return out


def bench_scale(N=4000, d=100, width_factor=8, n2=100) -> dict:
    """`ntk()` at N with a wide layer of width_factor * N neurons: it must fit and finish."""
    import resource

    from numeric.network import ReLUNetwork

    net = ReLUNetwork.init([d, width_factor * N, n2], "he", seed=0)
    X = np.random.default_rng(1).standard_normal((N, d))
    t0 = time.perf_counter()
    K = net.ntk(X)
    t = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"N": N, "n_1": width_factor * N, "n_2": n2, "seconds": t, "peak_rss_gib": peak,
            "finite": bool(np.isfinite(K).all())}


BENCHES = {"ntk": bench_ntk, "limiting": bench_limiting, "eig": bench_eig, "regions": bench_regions,
           "scale": bench_scale}


def run(names=None, stream=None) -> dict:
    import sys

    stream = stream or sys.stdout
    results = {}
    for name in names or [n for n in BENCHES if n != "scale"]:
        res = BENCHES[name]()
        results[name] = res
        print(f"## {name}", file=stream)
        for k, v in res.items():
            print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}", file=stream)
        stream.flush()
    return results
