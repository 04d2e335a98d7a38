"""The ridge, lasso and streaming benchmarks run (``--quick``, ``--shape``) and what they
report is correct.

Each script runs in a subprocess, from a temporary directory, and writes
its JSON. The checks are on structure and on the coefficient differences
the scripts report -- correctness, never timing: a busy machine must not
fail these tests. A quick run's first line says what ``--quick`` shrinks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _benchmarks import run_quick


def run_script(name: str, tmp_path: Path, *options: str) -> tuple[str, dict]:
    stdout, stderr, results = run_quick(name, tmp_path, *options)
    assert " at " in stderr  # progress: one line per case as it starts
    return stdout, results


def has_module(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def test_bench_ridge_quick(tmp_path):
    stdout, results = run_script("bench_ridge", tmp_path, "--threads", "1")
    assert "| shape (n×p) | implementation | median | min |" in stdout
    assert "## Gradient training" in stdout
    assert results["benchmark"] == "ridge"
    assert results["settings"]["quick"] is True
    for key in ("platform", "cores", "numpy", "sklearn", "loadavg_start"):
        assert key in results["machine"]

    entries = results["closed_form"]
    assert {(e["n"], e["p"]) for e in entries} >= {(1000, 10)}
    assert {e["form"] for e in entries} == {"primal", "dual"}
    have_scipy, have_sklearn = has_module("scipy"), has_module("sklearn")
    for e in entries:
        for solver in ("cholesky", "svd", "auto"):
            name = f"tinyreg {solver}"
            assert e["seconds"][name]["median"] > 0
            assert e["solver_used"][name] in ("cholesky", "svd")
            if have_scipy:
                assert e["rel_diff_vs_floor"][name] < 1e-9
            if have_sklearn:
                assert e["rel_diff_vs_sklearn"][name] < 1e-9
        if have_scipy and have_sklearn:
            assert e["rel_diff_vs_sklearn"]["LAPACK floor"] < 1e-9

    (train,) = results["training"]
    assert (train["n"], train["p"]) == (1000, 10)
    assert train["L"] >= train["mu"] > 0
    for name in ("SGD", "SGD + Nesterov", "Adam lr=0.1", "Adam lr=0.01"):
        method = train["methods"][name]
        assert method["curve"][0][0] == 0 and len(method["curve"]) == method["iterations"] + 1
        assert method["final_error"] == method["curve"][-1][1]
    for name in ("SGD", "SGD + Nesterov"):  # well conditioned: lr = 1/L gets there quickly
        assert train["methods"][name]["reached"]
        assert train["methods"][name]["final_error"] <= 1e-6
        assert train["methods"][name]["intercept_error"] < 1e-4

    if have_scipy and have_sklearn:
        agree = results["targets"]["agrees_with_sklearn_to_1e-9"]
        assert agree["met"] and agree["max_rel_diff"] < 1e-9

    assert [e["p"] for e in results["triangular"]] == [100, 300]
    for e in results["triangular"]:  # A = XᵀX/n + I is well conditioned (κ < 10)
        assert max(e["rel_diff_vs_lu"].values()) < 1e-12


def test_bench_lasso_quick(tmp_path):
    """Structure, and correctness by the duality gap: every solver that claims the target
    gap reaches it, and any two certified solutions are as close as their gaps allow
    (‖Xc·Δw‖ ≤ √(2·gap_a) + √(2·gap_b), computed by the script)."""
    stdout, results = run_script("bench_lasso", tmp_path, "--threads", "1")
    assert "| problem | method | median | min |" in stdout
    assert "## lasso_path" in stdout and "## Against scikit-learn" in stdout
    assert results["benchmark"] == "lasso"
    assert results["settings"]["quick"] is True
    tol = results["settings"]["tol"]
    have_sklearn, have_celer = has_module("sklearn"), has_module("celer")

    # scikit-learn's shapes: fits and paths, lasso and elastic net
    libraries = {"tinyreg"} | ({"sklearn"} if have_sklearn else set())
    libraries |= {"celer"} if have_celer else set()
    fit_tol = results["settings"]["fit_tol"]
    for key in ("fits", "enet_fits"):
        assert {(e["n"], e["p"], e["fraction"]) for e in results[key]} >= {(442, 10, 0.1)}
        for e in results[key]:
            assert libraries <= set(e)
            assert e["tinyreg"]["rel_gap"] <= fit_tol
            if have_sklearn:
                assert e["sklearn"]["rel_gap"] <= fit_tol
                assert e["tinyreg"]["within_gap_bound"]
    for key in ("paths", "enet_paths"):
        for path in results[key]:
            assert path["n_alphas"] == 100
            assert path["tinyreg"]["max_rel_gap"] <= path["tol"]
            if have_sklearn:
                assert path["tinyreg"]["within_gap_bound"]
    if have_sklearn:
        assert set(results["against_sklearn"]["lasso_fits"]) >= {"tinyreg"}

    # every route of tinyreg
    problems = results["problems"]
    assert [(e["n"], e["p"]) for e in problems] == [(442, 10), (1000, 100)]
    for e in problems:
        assert 0 < e["alpha"] < e["alpha_max"]
        assert e["reference"]["rel_gap"] <= 1e-12
        methods = e["methods"]
        expected = {
            "tinyreg homotopy",
            "tinyreg CD",
            "tinyreg FISTA",
            "SGD + L1 prox",
            "SGD + Nesterov + L1 prox",
            "Adam + L1 prox",
            "L1 via autograd (subgradient)",
        }
        if have_sklearn:
            expected |= {"sklearn", "sklearn (Gram)"}
        assert set(methods) == expected
        proximal = ("SGD + L1 prox", "SGD + Nesterov + L1 prox", "Adam + L1 prox")
        estimators = ("tinyreg homotopy", "tinyreg CD", "tinyreg FISTA")
        for name in estimators + proximal + (("sklearn", "sklearn (Gram)") if have_sklearn else ()):
            m = methods[name]
            assert m["reached"] and m["rel_gap"] <= tol, name
            assert m["within_gap_bound"], name
        # exact zeros where the reference has them (these problems' zeros have a margin)
        for name in ("tinyreg homotopy", "tinyreg CD", *proximal) + (
            ("sklearn",) if have_sklearn else ()
        ):
            assert methods[name]["same_support_as_ref"], name
        if have_sklearn:
            assert methods["tinyreg homotopy"]["nonzero"] == methods["sklearn"]["nonzero"]
        # L1 through autograd: a subgradient method, no exact zeros
        assert methods["L1 via autograd (subgradient)"]["support"]["n_zeros"] == 0


def test_bench_lasso_benchopt_settings_quick(tmp_path):
    """Every setting, every installed solver; tinyreg's routes reach the 1e-6 suboptimality."""
    stdout, results = run_script("bench_lasso", tmp_path, "--benchopt-settings")
    assert "auto / best peer" in stdout
    entries = results["entries"]
    assert len(entries) == 16  # 2 shapes × 2 ρ × 2 λ × with and without an intercept
    routes = {"tinyreg auto", "tinyreg homotopy", "tinyreg ws"}
    for e in entries:
        assert routes <= set(e["seconds"])
        assert ("sklearn" in e["seconds"]) == has_module("sklearn")
        for name in routes:
            assert e["subopt"][name] <= 1e-6, (name, e)


def test_bench_stream_quick(tmp_path):
    """Each part reports the same models as its reference (one BLAS thread: quick).

    The LocalCluster part is left out: test_dask.py starts one already, and
    starting worker processes is what takes the time.
    """
    parts = "chunks,tiles,cv,out_of_core,lassocv"
    stdout, results = run_script("bench_stream", tmp_path, "--threads", "1", "--parts", parts)
    assert "## 1. partial_fit over 10 chunks" in stdout and "## Targets" in stdout
    assert results["benchmark"] == "stream"
    chunks = results["chunks"]
    assert chunks["shape"] == [50_000, 10]
    for name, diff in chunks["rel_diff"].items():
        assert diff < 1e-9, name  # Gaussian design, alpha = 1: well conditioned
    for entry in results["tiles"]:
        assert entry["rel_diff"] < 1e-12  # Gaussian data: tiled and readable agree to rounding
    cv = results["cv"]
    assert len(cv["alpha_"]) == (2 if has_module("sklearn") else 1)
    if has_module("sklearn"):
        assert cv["same_alpha"] and cv["best_score_rel_diff"] <= 1e-9
    lassocv = results["lassocv"]
    assert lassocv["shape"] == [5_000, 10]
    if has_module("sklearn"):
        assert lassocv["same_alpha"]
        assert lassocv["coef_distance"] <= lassocv["coef_bound"]  # both certified by their gaps
    assert results["cluster"] is None
    if has_module("dask"):
        ooc = results["out_of_core"]
        assert ooc["shape"] == [200_000, 5]
        assert ooc["max_abs_z"] <= 5  # fixed seeds; a |z| above 5 has probability ~3e-6
        assert 0.99 < ooc["sigma_hat"] < 1.01  # σ = 1; its relative standard error is 0.0016


@pytest.mark.parametrize("name", ["bench_ridge", "bench_lasso", "bench_stream"])
def test_shape_runs_that_shape_alone(name, tmp_path):
    """``--shape N P``: every part of the script at N × P, and nothing else."""
    n, p = {"bench_ridge": (200, 5), "bench_lasso": (60, 30), "bench_stream": (2000, 5)}[name]
    options = ["--threads", "1", "--shape", str(n), str(p)]
    if name == "bench_stream":
        options += ["--parts", "chunks,tiles,cv"]
    stdout, results = run_script(name, tmp_path, *options)
    assert results["settings"]["shape"] == [n, p]
    if name == "bench_ridge":
        assert [(e["n"], e["p"]) for e in results["closed_form"]] == [(n, p)]
        assert [(e["n"], e["p"]) for e in results["training"]] == [(n, p)]
        assert [e["p"] for e in results["triangular"]] == [p]
    elif name == "bench_lasso":
        for key in ("fits", "paths", "enet_fits", "enet_paths", "problems"):
            assert {(e["n"], e["p"]) for e in results[key]} == {(n, p)}, key
        assert f"| {n}×{p}" in stdout
    else:
        assert results["chunks"]["shape"] == [n, p]
        assert [e["shape"] for e in results["tiles"]] == [[n, p]]
        assert results["cv"]["shape"] == [n, p]


def test_bench_lasso_plots_the_gap_against_time(tmp_path):
    """``--plot DIR``: per problem, the gap against iteration and against wall time."""
    pytest.importorskip("matplotlib")
    _, results = run_script(
        "bench_lasso", tmp_path, "--shape", "100", "20", "--plot", str(tmp_path / "plots")
    )
    names = sorted(Path(path).name for path in results["plots"])
    assert names == ["lasso_convergence_100x20.png", "lasso_time_100x20.png"]
    assert all(Path(path).stat().st_size > 0 for path in results["plots"])
    (problem,) = results["problems"]
    for name, curve in problem["time_curves"].items():
        assert all(seconds >= 0 for seconds, _ in curve), name
        if not name.startswith("L1 via autograd"):  # every other route reaches the target
            assert min(gap for _, gap in curve) <= results["settings"]["tol"], name
