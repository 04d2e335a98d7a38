"""The benchopt benchmark in benchmarks/benchopt: its objective reports tinyreg's own duality
gap, and a run of every route of tinyreg on the simulated data gives certified results.

Needs benchopt (skipped without it). The gap bounds the suboptimality,
P(w, b) − min P ≤ gap(w, b): checked against tight solutions, and within
a run against the best objective value found (which is ≥ min P).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from tinyreg import linear
from tinyreg.linear.elastic_net import _SOLVER_CHOICES

benchopt = pytest.importorskip("benchopt")

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "benchopt"
ROUNDING = 1e-12  # relative: the objective and the gap are sums of a few hundred terms


def _load(relative: str):
    """A file of the benchmark as a module (benchopt's own loader needs a run)."""
    if str(BENCHMARK) not in sys.path:
        sys.path.insert(0, str(BENCHMARK))  # benchmark_utils, as benchopt provides it
    name = "_benchopt_" + relative.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, BENCHMARK / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data(n: int = 60, p: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 3.0  # offsets: the intercept matters
    y = X[:, :4] @ np.array([2.0, -1.0, 1.5, 1.0]) + rng.standard_normal(n) + 5.0
    return X, y


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_objective_reports_the_gap_tinyregs_solvers_stop_on(fit_intercept):
    X, y = _data()
    objective = _load("objective.py").Objective.get_instance(reg=0.1, fit_intercept=fit_intercept)
    objective.set_data(X=X, y=y)
    lmbd = objective.get_objective()["lmbd"]
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    assert lmbd == pytest.approx(0.1 * np.max(np.abs(Xc.T @ yc)) / X.shape[0], rel=1e-14)

    tight = linear.Lasso(lmbd, fit_intercept=fit_intercept, tol=1e-14, max_iter=10_000).fit(X, y)
    best = objective.evaluate_result(coef=tight.coef_, intercept=tight.intercept_)
    assert best["duality_gap"] <= 1e-10 * best["value"]

    est = linear.Lasso(lmbd, fit_intercept=fit_intercept, tol=1e-3, solver="cd").fit(X, y)
    result = objective.evaluate_result(coef=est.coef_, intercept=est.intercept_)
    assert result["duality_gap"] == pytest.approx(est.dual_gap_, abs=ROUNDING * result["value"])
    assert result["support_size"] == np.count_nonzero(est.coef_)
    # the gap bounds the suboptimality, at a solution and away from one
    start = objective.evaluate_result(**objective.get_one_result())
    for r in (result, start):
        assert r["value"] - best["value"] <= r["duality_gap"] + ROUNDING * r["value"]
    if fit_intercept:  # an intercept off its best value adds ½(b − b*)² to both
        off = objective.evaluate_result(coef=est.coef_, intercept=est.intercept_ + 0.5)
        assert off["duality_gap"] - result["duality_gap"] == pytest.approx(0.125, rel=1e-9)
        assert off["value"] - result["value"] == pytest.approx(0.125, rel=1e-9)
    else:
        with pytest.raises(ValueError, match="intercept must be 0"):
            objective.evaluate_result(coef=est.coef_, intercept=0.5)


def test_tinyreg_solver_runs_every_route_to_the_solution():
    X, y = _data(seed=1)
    objective = _load("objective.py").Objective.get_instance(reg=0.05, fit_intercept=True)
    objective.set_data(X=X, y=y)
    Solver = _load("solvers/tinyreg.py").Solver
    assert Solver.parameters["solver"] == list(_SOLVER_CHOICES)
    for route in _SOLVER_CHOICES:
        solver = Solver.get_instance(solver=route)
        solver.set_objective(**objective.get_objective())
        solver.run(0)
        start = objective.evaluate_result(**solver.get_result())
        solver.run(5000)
        end = objective.evaluate_result(**solver.get_result())
        assert end["duality_gap"] <= 1e-9 * start["duality_gap"], route


def test_benchopt_run_of_tinyreg_on_simulated_data(tmp_path):
    """benchopt's runner: the simulated dataset, every route, both intercept settings."""
    pandas = pytest.importorskip("pandas")  # benchopt's results; it depends on pandas
    saved = benchopt.run_benchmark(
        str(BENCHMARK),
        solver_names=["tinyreg"],
        dataset_names=["simulated[n_samples=50,n_features=80,rho=0.6]"],
        objective_filters=["*[reg=0.1]"],
        max_runs=25,
        timeout=60,
        plot_result=False,
        display=False,
        html=False,
        show_progress=False,
        no_cache=True,
        output_file=str(tmp_path / "results"),
    )
    results = pandas.read_parquet(saved)
    assert set(results["p_solver_solver"]) == set(_SOLVER_CHOICES)
    assert set(results["p_obj_fit_intercept"]) == {False, True}
    for _, run in results.groupby("p_obj_fit_intercept"):
        best = run["objective_value"].min()  # ≥ min P
        slack = ROUNDING * run["objective_value"].abs()
        assert (run["objective_value"] - best <= run["objective_duality_gap"] + slack).all()
        for route, curve in run.groupby("p_solver_solver"):
            assert curve.sort_values("stop_val")["objective_duality_gap"].iloc[-1] <= 1e-8, route

    # report.py on the same results: the table's times are those of fits that got there
    report = _load("report.py")
    results = report.suboptimality(pandas.read_parquet(saved))
    table = report.time_to(results, 1e-6)
    assert list(table.columns) == list(dict.fromkeys(results["solver_name"]))
    for (dataset, solver), seconds in table.stack().items():
        fits = results[(results["dataset_name"] == dataset) & (results["solver_name"] == solver)]
        assert seconds == fits[fits["subopt"] <= 1e-6]["time"].min()
    assert report.markdown(table, 1e-6).count("\n") == 1 + len(table)
    if importlib.util.find_spec("matplotlib") is not None:
        assert report.main([str(saved), "--figure", str(tmp_path / "curves.png")]) == 0
        assert (tmp_path / "curves.png").stat().st_size > 0
