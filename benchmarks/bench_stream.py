"""Data in chunks and on clusters: partial_fit, RidgeCV(cv=k) and dask against their references.

Four measurements, each reported as ratios within one run:

1. **partial_fit over chunks.** ``Ridge().partial_fit`` over 10 chunks of a
   1,000,000 × 100 Gaussian design (consecutive row slices of one array:
   views, nothing copied to make them) against scikit-learn's
   ``Ridge(solver="cholesky").fit`` on the whole array, and tinyreg's own
   ``Ridge().fit`` on the whole. Target: ≤ 1.0× scikit-learn. Beside it,
   the moments of one chunk by the readable route and by the tiled speed
   path, against the bare product ``X.T @ X`` (``bench_tiles``).
2. **K-fold cross-validation.** ``RidgeCV(alphas, cv=5)`` over 13 alphas at
   200,000 × 100 (one pass: per-fold moments) against scikit-learn's
   ``RidgeCV(alphas, cv=5)`` (a grid search: 65 refits). Target: ≤ 0.05×,
   with the same ``alpha_`` and ``best_score_`` to 1e-9 relative.
3. **A dask cluster.** On a ``distributed.LocalCluster`` of 2 worker
   processes (1 thread each), a persisted 4,000,000 × 50 dask array:
   ``Ridge().fit`` against the one-pass floor
   ``dask.compute(X.T @ X, X.T @ y, X.sum(0), y.sum())`` (target ≤ 1.5×)
   and against dask-ml's ``LinearRegression(penalty="l2", solver="lbfgs")``
   (target ≤ 0.2×), which passes over the data many times.
4. **Out of core.** A 30,000,000 × 25 design (6 GB) generated lazily by
   ``dask.array.random``, y = X·w + N(0, 1), fitted by ``Ridge().fit`` with
   dask's threaded scheduler, in a fresh process: its peak resident memory
   (target < 1.5 GB) and the coefficients' distance to the true w in
   standard errors (target: every |z| ≤ 5; the standard errors come from
   the fitted moments).

5. **LassoCV.** ``LassoCV(cv=5)`` (100 alphas) at 100,000 × 100: per-fold
   moments in one pass, every fold's path on its Gram statistics, against
   scikit-learn's ``LassoCV(cv=5)``. Target: ≤ 0.1×, with the same
   ``alpha_``, and ``coef_`` within the certified distance (from both duality
   gaps) of scikit-learn's ``Lasso`` converged at that alpha (tol=1e-12).

Parts 3 and 4 need dask (part 3 also distributed; the dask-ml column needs
dask-ml, and is left out by ``--quick``); scikit-learn columns need
scikit-learn. Missing libraries skip their rows. Options: ``--quick``
(small shapes: seconds; ``--help`` and the first printed line say what it
shrinks), ``--shape N P`` (every part on an N × P design: 10 chunks, 5
folds, chunks of at most the full-run rows for dask), ``--json PATH``,
``--threads N``, ``--parts`` (which of chunks, tiles, cv, cluster,
out_of_core, lassocv to run; all by default).

Run: ``python benchmarks/bench_stream.py``
"""

from __future__ import annotations

import itertools
import json
import resource
import subprocess
import sys
import time
from typing import Any

import _common as C
import numpy as np

from tinyreg.linear import LassoCV, Ridge, RidgeCV

FULL = {
    "chunks": (1_000_000, 100, 10),
    "cv": (200_000, 100, 5),
    "cluster": (4_000_000, 50, 250_000),
    "out_of_core": (30_000_000, 25, 500_000),
    "lassocv": (100_000, 100, 5),
}
QUICK = {
    "chunks": (50_000, 10, 10),
    "cv": (5_000, 10, 5),
    "cluster": (100_000, 10, 25_000),
    "out_of_core": (200_000, 5, 50_000),
    "lassocv": (5_000, 10, 5),
}
TILES, QUICK_TILES = [(1_000_000, 25), (250_000, 50), (100_000, 100)], [(20_000, 10)]
QUICK_MEANS = (
    ", ".join(
        f"{part} at {C.fmt_shapes([QUICK[part][:2]])} instead of {C.fmt_shapes([FULL[part][:2]])}"
        for part in FULL
    )
    + f", tiles at {C.fmt_shapes(QUICK_TILES)} instead of {C.fmt_shapes(TILES)}; "
    "as many timed rounds as fit in 0.5 to 1 s per part (at least one) instead of 10 to 90 s "
    "(at least 3 or 5); "
    "no dask-ml column"
)
ALPHAS = np.logspace(-3, 3, 13)
PARTS = ("chunks", "tiles", "cv", "cluster", "out_of_core", "lassocv")
_CHILD_FLAG = "--out-of-core-child"


def make_data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian X (n, p); y = Xw + 1 + N(0, 1) with w ~ N(0, I)."""
    rng = np.random.default_rng([seed, n, p])
    X = rng.standard_normal((n, p))
    return X, X @ rng.standard_normal(p) + 1.0 + rng.standard_normal(n)


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def blas_line() -> str:
    threadpoolctl = C.optional_import("threadpoolctl")
    if threadpoolctl is None:
        return "BLAS: (threadpoolctl not installed)"
    pools = threadpoolctl.threadpool_info()
    return "BLAS: " + "; ".join(
        f"{p['internal_api']} {p.get('version')} {p.get('architecture')} kernel, "
        f"{p['num_threads']} threads"
        for p in pools
    )


def timing_rows(times: dict[str, list[float]], reference: str) -> list[list[str]]:
    stats = {name: C.stats(t) for name, t in times.items()}
    ref = stats[reference]["median"]
    return [
        [name, C.fmt_time(s["median"]), C.fmt_time(s["min"]), f"{s['median'] / ref:.3f}"]
        for name, s in stats.items()
    ]


# ---------------------------------------------------------------------------
# 1. partial_fit over chunks
# ---------------------------------------------------------------------------


def bench_chunks(n: int, p: int, n_chunks: int, quick: bool) -> dict[str, Any]:
    X, y = make_data(n, p)
    bounds = np.linspace(0, n, n_chunks + 1).astype(int)
    sklearn_linear = C.optional_import("sklearn.linear_model")  # after --threads took effect

    def stream() -> Ridge:
        model = Ridge()
        for start, stop in itertools.pairwise(bounds):
            model.partial_fit(X[start:stop], y[start:stop])
        return model

    functions: dict[str, Any] = {
        f"tinyreg partial_fit × {n_chunks} chunks": stream,
        "tinyreg fit (whole)": lambda: Ridge().fit(X, y),
    }
    if sklearn_linear is not None:
        functions['sklearn Ridge(solver="cholesky").fit (whole)'] = lambda: sklearn_linear.Ridge(
            solver="cholesky"
        ).fit(X, y)
    times, outputs, plan = C.time_interleaved(
        functions, min_repeats=1 if quick else 3, budget=1.0 if quick else 30.0, max_repeats=9
    )
    names = list(functions)
    reference = names[-1]
    return {
        "shape": [n, p],
        "chunks": n_chunks,
        "repeats": plan["repeats"],
        "seconds": {name: C.stats(t) for name, t in times.items()},
        "times": times,
        "reference": reference,
        "ratio": C.stats(times[names[0]])["median"] / C.stats(times[reference])["median"],
        "rel_diff": {
            name: rel_diff(
                np.append(out.coef_, out.intercept_),
                np.append(outputs[reference].coef_, outputs[reference].intercept_),
            )
            for name, out in outputs.items()
        },
    }


def bench_tiles(shapes: list[tuple[int, int]], quick: bool) -> list[dict[str, Any]]:
    """The moments of one chunk: the readable route, the tiled speed paths, the bare product.

    ``readable`` is ``_centre(X, Y, None).moments()`` (the means, one centred
    copy, its product); ``tiled`` is ``_tiled_moments`` (the same by cache-sized
    tiles, read from memory once, each centred on its own mean); ``shifted``
    is ``_shifted_moments`` (every tile centred on one shift, the sums
    corrected once: the route taken when its cancellation test allows);
    ``X.T @ X`` alone is the floor.
    """
    from tinyreg.linear.moments import _centre, _shifted_moments, _tiled_moments

    entries = []
    for n, p in shapes:
        X, y = make_data(n, p, seed=5)
        Y = y[:, None]
        functions = {
            "readable (one centred copy)": lambda X=X, Y=Y: _centre(X, Y, None).moments(),
            "tiled (speed path)": lambda X=X, Y=Y: _tiled_moments(X, Y, None),
            "shifted tiles (speed path)": lambda X=X, Y=Y: _shifted_moments(X, Y, None),
            "floor: X.T @ X": lambda X=X: X.T @ X,
        }
        times, outputs, _ = C.time_interleaved(
            functions, min_repeats=1 if quick else 5, budget=0.5 if quick else 10.0
        )
        readable, tiled = outputs["readable (one centred copy)"], outputs["tiled (speed path)"]
        shifted = outputs["shifted tiles (speed path)"]
        entries.append(
            {
                "shape": [n, p],
                "times": times,
                "reference": "floor: X.T @ X",
                "rel_diff": rel_diff(tiled.XtX, readable.XtX),
                "shifted_rel_diff": rel_diff(shifted.XtX, readable.XtX),
            }
        )
    return entries


# ---------------------------------------------------------------------------
# 2. RidgeCV(cv=5)
# ---------------------------------------------------------------------------


def time_cv(functions: dict[str, Any], quick: bool, **fields: Any) -> tuple[dict[str, Any], dict]:
    """Time a cross-validating fit against scikit-learn's (the last, if present), interleaved.

    Returns ``(entry, outputs)``: ``entry`` holds ``fields``, the times, the
    reference, each ``alpha_`` and, with both present, the ratio of medians.
    """
    times, outputs, plan = C.time_interleaved(
        functions, min_repeats=1 if quick else 3, budget=1.0 if quick else 30.0, max_repeats=7
    )
    names = list(functions)
    entry: dict[str, Any] = {
        **fields,
        "repeats": plan["repeats"],
        "times": times,
        "reference": names[-1],
        "alpha_": {name: out.alpha_ for name, out in outputs.items()},
    }
    if len(names) == 2:
        entry["ratio"] = C.stats(times[names[0]])["median"] / C.stats(times[names[1]])["median"]
    return entry, outputs


def bench_cv(n: int, p: int, k: int, quick: bool) -> dict[str, Any]:
    X, y = make_data(n, p, seed=1)
    sklearn_linear = C.optional_import("sklearn.linear_model")
    y = y + 5.0 * np.random.default_rng(2).standard_normal(n)  # noisier: alpha matters
    functions: dict[str, Any] = {
        f"tinyreg RidgeCV(cv={k})": lambda: RidgeCV(ALPHAS, cv=k).fit(X, y),
    }
    if sklearn_linear is not None:
        functions[f"sklearn RidgeCV(cv={k})"] = lambda: sklearn_linear.RidgeCV(ALPHAS, cv=k).fit(
            X, y
        )
    entry, outputs = time_cv(functions, quick, shape=[n, p], folds=k, alphas=len(ALPHAS))
    entry["best_score_"] = {name: out.best_score_ for name, out in outputs.items()}
    if "ratio" in entry:
        ours, theirs = outputs.values()
        entry["same_alpha"] = ours.alpha_ == theirs.alpha_
        entry["best_score_rel_diff"] = abs(ours.best_score_ / theirs.best_score_ - 1.0)
    return entry


# ---------------------------------------------------------------------------
# 5. LassoCV(cv=5)
# ---------------------------------------------------------------------------


def bench_lassocv(n: int, p: int, k: int, quick: bool) -> dict[str, Any]:
    """``LassoCV(cv=k)`` against scikit-learn's: times, alpha_, and coef_ against a converged Lasso.

    The coefficients are compared with scikit-learn's ``Lasso`` at tinyreg's
    ``alpha_``, run to tol=1e-12: a P(w) − P* ≤ gap bound on the n-scaled
    objective, μ-strongly convex with μ = λ_min(XcᵀXc), puts each within
    √(2·gap/μ) of the minimiser, so the two are within the sum of both.
    """
    rng = np.random.default_rng(3)
    X, _ = make_data(n, p, seed=3)
    w = np.zeros(p)
    w[: max(1, p // 10)] = rng.standard_normal(max(1, p // 10))
    y = X @ w + 3.0 * rng.standard_normal(n)  # sparse truth, noisy: alpha matters
    sklearn_linear = C.optional_import("sklearn.linear_model")
    functions: dict[str, Any] = {f"tinyreg LassoCV(cv={k})": lambda: LassoCV(cv=k).fit(X, y)}
    if sklearn_linear is not None:
        functions[f"sklearn LassoCV(cv={k})"] = lambda: sklearn_linear.LassoCV(cv=k).fit(X, y)
    entry, outputs = time_cv(functions, quick, shape=[n, p], folds=k)
    if "ratio" in entry:
        ours, theirs = outputs.values()
        entry["same_alpha"] = bool(np.isclose(ours.alpha_, theirs.alpha_, rtol=1e-12, atol=0))
        lasso = sklearn_linear.Lasso(alpha=ours.alpha_, tol=1e-12, max_iter=100_000).fit(X, y)
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        mu = float(np.linalg.eigvalsh(Xc.T @ Xc)[0])
        gaps = (ours.dual_gap_ * n + 1e-13 * (yc @ yc), lasso.dual_gap_ * n + 1e-13 * (yc @ yc))
        bound = sum(np.sqrt(2 * max(g, 0.0) / mu) for g in gaps)
        entry["coef_distance"] = float(np.linalg.norm(ours.coef_ - lasso.coef_))
        entry["coef_bound"] = float(bound)
    return entry


# ---------------------------------------------------------------------------
# 3. A LocalCluster of two worker processes
# ---------------------------------------------------------------------------


def bench_cluster(n: int, p: int, rows: int, quick: bool) -> dict[str, Any] | None:
    dask = C.optional_import("dask")
    distributed = C.optional_import("distributed")
    if dask is None or distributed is None:
        return None
    import dask.array as da

    # dask-ml's lbfgs takes seconds even on --quick's small array: full runs only
    dask_ml = None if quick else C.optional_import("dask_ml.linear_model")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        rng = da.random.default_rng(3)
        X = rng.standard_normal((n, p), chunks=(rows, p)).persist()
        w = np.linspace(-1, 1, p)
        y = (X @ w + 1.0 + rng.standard_normal(n, chunks=rows)).persist()
        distributed.wait([X, y])

        def floor() -> Any:
            return dask.compute(X.T @ X, X.T @ y, X.sum(axis=0), y.sum())

        functions: dict[str, Any] = {
            "tinyreg Ridge().fit": lambda: Ridge().fit(X, y),
            "floor: dask.compute(X.T @ X, X.T @ y, X.sum(0), y.sum())": floor,
        }
        if dask_ml is not None:
            functions['dask-ml LinearRegression(penalty="l2", solver="lbfgs")'] = lambda: (
                dask_ml.LinearRegression(penalty="l2", solver="lbfgs").fit(X, y)
            )
        times, outputs, plan = C.time_interleaved(
            functions, min_repeats=1 if quick else 3, budget=1.0 if quick else 90.0, max_repeats=7
        )
    names = list(functions)
    ours = C.stats(times[names[0]])["median"]
    entry: dict[str, Any] = {
        "shape": [n, p],
        "rows_per_block": rows,
        "repeats": plan["repeats"],
        "times": times,
        "reference": names[1],
        "ratio_to_floor": ours / C.stats(times[names[1]])["median"],
        "coef_error": float(np.abs(outputs[names[0]].coef_ - w).max()),
    }
    if len(names) == 3:
        entry["ratio_to_dask_ml"] = ours / C.stats(times[names[2]])["median"]
    return entry


# ---------------------------------------------------------------------------
# 4. Out of core, in a fresh process
# ---------------------------------------------------------------------------


def peak_rss_bytes() -> int:
    """The process's peak resident memory so far.

    Linux's ``VmHWM`` belongs to the running program alone; ``ru_maxrss``,
    the fallback elsewhere, also counts the parent's memory at the fork
    that started this process, which would be the benchmark's own arrays.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def out_of_core_child(n: int, p: int, rows: int) -> dict[str, Any]:
    """Fit ridge on a lazily generated design; return time, peak RSS and z-scores."""
    import dask
    import dask.array as da

    baseline = peak_rss_bytes()
    rng = da.random.default_rng(4)
    X = rng.standard_normal((n, p), chunks=(rows, p))
    w = np.linspace(-1, 1, p)
    y = X @ w + 1.0 + rng.standard_normal(n, chunks=rows)
    start = time.perf_counter()
    with dask.config.set(scheduler="threads"):
        model = Ridge().fit(X, y)
    seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    # Standard errors from the moments: σ̂²·diag((XᵀX)⁻¹), σ̂² = RSS / (n − p − 1).
    m = model.moments_
    rss = m.residual_sum_of_squares(model.coef_[None, :], np.array([model.intercept_]))[0]
    sigma2 = rss / (m.n_samples - p - 1)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(m.XtX)))
    z = (model.coef_ - w) / se
    return {
        "shape": [n, p],
        "rows_per_block": rows,
        "gigabytes": n * p * 8 / 1e9,
        "seconds": seconds,
        "peak_rss_bytes": peak,
        "rss_after_imports_bytes": baseline,
        "max_abs_z": float(np.abs(z).max()),
        "sigma_hat": float(np.sqrt(sigma2)),
    }


def bench_out_of_core(n: int, p: int, rows: int) -> dict[str, Any] | None:
    if C.optional_import("dask") is None:
        return None
    done = subprocess.run(
        [sys.executable, __file__, _CHILD_FLAG, str(n), str(p), str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def evaluate_targets(results: dict[str, Any]) -> dict[str, Any]:
    targets: dict[str, Any] = {}
    chunks = results["chunks"]
    if chunks is not None and "sklearn" in chunks["reference"]:
        targets["partial_fit_at_most_1.0x_sklearn_cholesky"] = {
            "ratio": chunks["ratio"],
            "met": chunks["ratio"] <= 1.0,
        }
    cv = results["cv"]
    if cv is not None and "ratio" in cv:
        met = cv["ratio"] <= 0.05 and cv["same_alpha"] and cv["best_score_rel_diff"] <= 1e-9
        targets["ridgecv_cv5_at_most_0.05x_sklearn_same_result"] = {
            "ratio": cv["ratio"],
            "same_alpha": cv["same_alpha"],
            "best_score_rel_diff": cv["best_score_rel_diff"],
            "met": met,
        }
    lassocv = results["lassocv"]
    if lassocv is not None and "ratio" in lassocv:
        close = lassocv["coef_distance"] <= lassocv["coef_bound"]
        targets["lassocv_cv5_at_most_0.1x_sklearn_same_alpha_and_coef"] = {
            "ratio": lassocv["ratio"],
            "same_alpha": lassocv["same_alpha"],
            "coef_within_certified_distance": close,
            "met": lassocv["ratio"] <= 0.1 and lassocv["same_alpha"] and close,
        }
    cluster = results["cluster"]
    if cluster is not None:
        targets["cluster_at_most_1.5x_floor"] = {
            "ratio": cluster["ratio_to_floor"],
            "met": cluster["ratio_to_floor"] <= 1.5,
        }
        if "ratio_to_dask_ml" in cluster:
            targets["cluster_at_most_0.2x_dask_ml_lbfgs"] = {
                "ratio": cluster["ratio_to_dask_ml"],
                "met": cluster["ratio_to_dask_ml"] <= 0.2,
            }
    ooc = results["out_of_core"]
    if ooc is not None:
        targets["out_of_core_peak_rss_below_1.5GB_and_|z|<=5"] = {
            "peak_rss_GB": ooc["peak_rss_bytes"] / 1e9,
            "max_abs_z": ooc["max_abs_z"],
            "met": ooc["peak_rss_bytes"] < 1.5e9 and ooc["max_abs_z"] <= 5,
        }
    return targets


def print_report(results: dict[str, Any]) -> None:
    header = ["implementation", "median", "min", "× reference"]
    chunks = results["chunks"]
    if chunks is not None:
        n, p = chunks["shape"]
        print(f"## 1. partial_fit over {chunks['chunks']} chunks of a {n:,} × {p} design\n")
        print(C.table(header, timing_rows(chunks["times"], chunks["reference"])))
        diffs = ", ".join(f"{k}: {v:.1e}" for k, v in chunks["rel_diff"].items())
        print(f"\nrel. diff of (coef_, intercept_) vs the reference: {diffs}\n")

    for entry in results["tiles"] or []:
        n, p = entry["shape"]
        print(f"### The moments of one {n:,} × {p} chunk\n")
        print(C.table(header, timing_rows(entry["times"], entry["reference"])))
        print(
            f"\nrel. diff of XᵀX vs readable: tiled {entry['rel_diff']:.1e}, "
            f"shifted tiles {entry['shifted_rel_diff']:.1e}\n"
        )

    cv = results["cv"]
    if cv is not None:
        n, p = cv["shape"]
        print(f"## 2. RidgeCV(cv={cv['folds']}), {cv['alphas']} alphas, {n:,} × {p}\n")
        print(C.table(header, timing_rows(cv["times"], cv["reference"])))
        print(f"\nalpha_: {cv['alpha_']}; best_score_: {cv['best_score_']}")
        if "best_score_rel_diff" in cv:
            print(f"best_score_ rel. diff: {cv['best_score_rel_diff']:.1e}\n")

    cluster = results["cluster"]
    if cluster is None:
        print("## 3. LocalCluster: not run (not asked for, or dask/distributed missing)\n")
    else:
        n, p = cluster["shape"]
        print(
            f"## 3. LocalCluster, 2 worker processes × 1 thread, persisted {n:,} × {p} dask "
            f"array in blocks of {cluster['rows_per_block']:,} rows\n"
        )
        rows = timing_rows(cluster["times"], cluster["reference"])
        print(C.table(header, rows))
        print(f"\nmax |coef_ − w| of tinyreg's fit: {cluster['coef_error']:.1e}\n")

    ooc = results["out_of_core"]
    if ooc is None:
        print("## 4. Out of core: not run (not asked for, or dask missing)\n")
    else:
        n, p = ooc["shape"]
        print(
            f"## 4. Out of core: {n:,} × {p} ({ooc['gigabytes']:.1f} GB) generated lazily by "
            f"dask.array.random, blocks of {ooc['rows_per_block']:,} rows, threaded scheduler\n"
        )
        print(
            C.table(
                ["seconds", "peak RSS", "RSS after imports", "max |z| of coef_ − w", "σ̂"],
                [
                    [
                        f"{ooc['seconds']:.1f}",
                        f"{ooc['peak_rss_bytes'] / 1e9:.2f} GB",
                        f"{ooc['rss_after_imports_bytes'] / 1e9:.2f} GB",
                        f"{ooc['max_abs_z']:.2f}",
                        f"{ooc['sigma_hat']:.4f}",
                    ]
                ],
            )
        )
        print()

    lassocv = results["lassocv"]
    if lassocv is not None:
        n, p = lassocv["shape"]
        print(f"## 5. LassoCV(cv={lassocv['folds']}), 100 alphas, {n:,} × {p}\n")
        print(C.table(header, timing_rows(lassocv["times"], lassocv["reference"])))
        print(f"\nalpha_: {lassocv['alpha_']}")
        if "coef_distance" in lassocv:
            print(
                f"‖coef_ − sklearn Lasso(alpha_, tol=1e-12).coef_‖: {lassocv['coef_distance']:.1e} "
                f"(certified bound {lassocv['coef_bound']:.1e})\n"
            )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == _CHILD_FLAG:
        n, p, rows = map(int, argv[1:4])
        print(json.dumps(C._jsonable(out_of_core_child(n, p, rows))))
        return 0
    parser = C.make_parser(__doc__.split("\n")[0], quick=QUICK_MEANS, shape=True, plot=False)
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown --parts {unknown}; choose from {','.join(PARTS)}")
    code = C.reexec_with_threads(args.threads, __file__, argv)
    if code is not None:
        return code

    C.announce(args)
    info = C.machine_info()
    print(f"# Streaming benchmark\n\nMachine: {C.machine_line(info)}\n\n{blas_line()}\n")
    note = C.busy_note(info)
    if note:
        print(note + "\n")
    shapes = QUICK if args.quick else FULL
    tiles = QUICK_TILES if args.quick else TILES
    if args.shape:
        tiles = C.shapes(args, tiles)
        n, p = tiles[0]
        shapes = {part: (n, p, min(third, n)) for part, (_, _, third) in FULL.items()}
    runs = {
        "chunks": lambda: bench_chunks(*shapes["chunks"], args.quick),
        "tiles": lambda: bench_tiles(tiles, args.quick),
        "cv": lambda: bench_cv(*shapes["cv"], args.quick),
        "cluster": lambda: bench_cluster(*shapes["cluster"], args.quick),
        "out_of_core": lambda: bench_out_of_core(*shapes["out_of_core"]),
        "lassocv": lambda: bench_lassocv(*shapes["lassocv"], args.quick),
    }
    results: dict[str, Any] = {}
    for part in PARTS:
        if part in parts:
            C.progress(part + (f" at {C.fmt_shapes([shapes[part][:2]])}" if part in shapes else ""))
        results[part] = runs[part]() if part in parts else None
    print_report(results)
    targets = evaluate_targets(results)
    C.print_targets(targets, info)
    if args.json:
        C.write_json(
            args.json,
            {
                "benchmark": "stream",
                "machine": info,
                "settings": {"quick": args.quick, "shape": args.shape},
                **results,
                "targets": targets,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
