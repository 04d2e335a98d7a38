"""Lasso and elastic net: tinyreg's solvers against scikit-learn and celer, and tinyreg.optim.

**Part 1, scikit-learn's shapes.** X with correlated AR(1) columns
(corr(X_j, X_k) = 0.5^|j−k|, unit variance), y = Xw + N(0, 1) noise with
max(1, min(n, p)/10) nonzero true coefficients ±U(1, 2), at 442×10,
1000×100, 100×1000, 50×5000, 500×5000 and 10000×500:

* single fits ``Lasso(alpha).fit(X, y)`` (intercept fitted) at
  alpha = 0.1 and 0.01·alpha_max, the same call in tinyreg (its default
  solver, ``"auto"``), scikit-learn and celer, tol = 1e-4
  (scikit-learn's default), max_iter large enough for all;
* ``lasso_path`` with scikit-learn's 100-alpha grid on the first five
  shapes (centred data, the same grid for all; celer's ``celer_path``);
* the ElasticNet equivalents (l1_ratio = 0.5): fits and ``enet_path``.

Times are the best of 5 to 25 interleaved rounds (the median is in the JSON;
``--quick`` times one round). For
each result: the relative duality gap reached, computed here for every
library alike (gap / ‖y − ȳ‖², the scale of tol), and the largest
coefficient difference from scikit-learn's (which is allowed to be as
large as the two gaps permit; the JSON says whether it is). The summary
gives the geometric mean and the largest ratio of times to scikit-learn's.

**Part 2, every route of tinyreg** on standardized Gaussian X -- 442×10,
1000×100, 10000×500 -- with 10% true support and alpha at the universal
threshold σ·√(2·log p / n), run to a relative duality gap of 1e-6
(for the optimizer routes, whose intercept is an iterate too, the
suboptimality of the intercept, (b − ȳ + x̄ᵀw)²/2, is added):

* ``tinyreg homotopy`` / ``tinyreg CD`` / ``tinyreg FISTA`` --
  ``linear.Lasso(alpha, tol=1e-6)`` with ``solver="homotopy"`` (default),
  ``"cd"`` (the reference) and ``"fista"``;
* ``sklearn`` / ``sklearn (Gram)`` -- ``sklearn.linear_model.Lasso(alpha,
  tol=1e-6)`` with ``precompute=False`` and ``precompute=True``;
* ``SGD + L1 prox`` -- ``nn.Linear(p, 1)`` trained full batch with
  ``optim.SGD(lr=1/L, penalty=penalties.L1(alpha))``: proximal gradient
  descent; the gap is computed every 10 steps (included in the time);
* ``SGD + Nesterov + L1 prox`` -- the same with Nesterov momentum
  (√κ − 1)/(√κ + 1) (the prox then uses the settled step lr/(1 − momentum));
* ``Adam + L1 prox`` -- ``optim.Adam(lr=0.1, penalty=penalties.L1(alpha))``
  (prox with Adam's per-coordinate step);
* ``L1 via autograd`` -- ``loss + penalties.L1(alpha)(model)`` and plain
  SGD, same lr, as many steps as ``SGD + L1 prox`` took: a subgradient
  method, which gives no exact zeros.

Reported: median and min time to the target gap, iterations, the relative
gap reached, support recovered against the true support, exact zeros, and
the largest coefficient difference from a reference solution
(``linear.Lasso(tol=1e-13)``).

**benchopt's settings** (``--benchopt-settings``, only this part): the
simulated designs of benchopt's Lasso benchmark, tinyreg's routes against
scikit-learn, celer and skglm (see :func:`bench_benchopt_settings`).

Options: ``--quick`` (small problems: seconds; ``--help`` and the first
printed line say what it shrinks), ``--shape N P`` (every part at that shape
alone), ``--json PATH``, ``--plot DIR`` (part 2's convergence: the relative
gap against iteration for the optimizer routes, and against wall time for
every route, the estimators' curves from fits capped at max_iter = 1, 2, 4,
... and stopped at the target gap), ``--threads N``, ``--benchopt-settings``.
scikit-learn, celer, skglm and matplotlib are optional.

Run: ``python benchmarks/bench_lasso.py``
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import _common as C
import numpy as np

import tinyreg
from tinyreg import linear, nn, optim, penalties
from tinyreg.linear.enet_solvers import _duality_gap  # the gap formula the solvers stop on

TOL = 1e-6
REF_TOL = 1e-13
CHECK_EVERY = 10
SHAPES = [(442, 10), (1000, 100), (10_000, 500)]
QUICK_SHAPES = [(442, 10), (1000, 100)]
TARGET_SHAPE = (10_000, 500)

sklearn_linear = C.optional_import("sklearn.linear_model")


def make_problem(n: int, p: int, seed: int = 0) -> dict[str, Any]:
    """Standardized Gaussian X, 10% true support, y = Xw + 2 + N(0, 1), alpha σ√(2·log p/n)."""
    rng = np.random.default_rng([seed, n, p])
    X = rng.standard_normal((n, p))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    k = max(1, round(0.1 * p))
    support = np.sort(rng.choice(p, size=k, replace=False))
    w = np.zeros(p)
    w[support] = rng.choice([-1.0, 1.0], size=k) * rng.uniform(1.0, 2.0, size=k)
    sigma = 1.0
    y = X @ w + 2.0 + sigma * rng.standard_normal(n)
    yc = y - y.mean()
    alpha_max = float(np.max(np.abs(X.T @ yc))) / n
    alpha = sigma * math.sqrt(2.0 * math.log(p) / n)
    return {"X": X, "y": y, "support": support, "w_true": w, "alpha": alpha, "alpha_max": alpha_max}


class GapMonitor:
    """Relative duality gap of (w, b) for the lasso on (X, y), with tinyreg.linear's formula."""

    def __init__(self, X: np.ndarray, y: np.ndarray, alpha: float):
        self.x_mean, self.y_mean = X.mean(axis=0), float(y.mean())
        self.Xc, self.yc = X - self.x_mean, y - self.y_mean
        self.n = X.shape[0]
        self.l1 = self.n * alpha
        self.scale = float(self.yc @ self.yc)

    def __call__(self, w: np.ndarray, b: float | None = None) -> float:
        R = self.yc - self.Xc @ w
        gap = _duality_gap(w, self.Xc.T @ R, float(R @ R), float(R @ self.yc), self.l1, 0.0)
        if b is not None:  # the intercept's own suboptimality, on the same n-scaled objective
            gap += 0.5 * self.n * (b - (self.y_mean - float(self.x_mean @ w))) ** 2
        return gap / self.scale


def support_summary(w: np.ndarray, true_support: np.ndarray) -> dict[str, Any]:
    found = set(np.flatnonzero(w).tolist())
    truth = set(true_support.tolist())
    return {
        "n_nonzero": len(found),
        "n_zeros": int(w.size - len(found)),
        "false_positives": len(found - truth),
        "false_negatives": len(truth - found),
        "exact": found == truth,
    }


# ---------------------------------------------------------------------------
# Estimators: tinyreg CD and FISTA, scikit-learn
# ---------------------------------------------------------------------------


def bench_estimators(prob: dict[str, Any], quick: bool) -> dict[str, Any]:
    X, y, alpha = prob["X"], prob["y"], prob["alpha"]
    max_iter = 100_000
    functions: dict[str, Any] = {
        "tinyreg homotopy": lambda: linear.Lasso(alpha, tol=TOL, max_iter=max_iter).fit(X, y),
        "tinyreg CD": lambda: linear.Lasso(alpha, tol=TOL, max_iter=max_iter, solver="cd").fit(
            X, y
        ),
        "tinyreg FISTA": lambda: linear.Lasso(
            alpha, tol=TOL, max_iter=max_iter, solver="fista"
        ).fit(X, y),
    }
    if sklearn_linear is not None:
        functions["sklearn"] = lambda: sklearn_linear.Lasso(alpha, tol=TOL, max_iter=max_iter).fit(
            X, y
        )
        functions["sklearn (Gram)"] = lambda: sklearn_linear.Lasso(
            alpha, tol=TOL, max_iter=max_iter, precompute=True
        ).fit(X, y)
    budget, min_repeats = (0.3, 3) if quick else (8.0, 5)
    times, outputs, plan = C.time_interleaved(
        functions,
        min_repeats=min_repeats,
        budget=budget,
        cooldown=0.0 if quick else C.default_cooldown(),
    )
    results = {}
    for name, est in outputs.items():
        results[name] = {
            "seconds": C.stats(times[name]),
            "n_iter": int(est.n_iter_),
            "coef": est.coef_,
            "intercept": float(est.intercept_),
        }
    return {"estimators": results, "repeats": plan["repeats"]}


# ---------------------------------------------------------------------------
# tinyreg.optim routes
# ---------------------------------------------------------------------------


def bench_optimizers(
    prob: dict[str, Any], L: float, kappa: float, monitor: GapMonitor, quick: bool
) -> dict[str, Any]:
    X, y, alpha = prob["X"], prob["y"], prob["alpha"]
    p = X.shape[1]
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    momentum = (math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)
    max_iter = 300 if quick else 1000
    repeats = 1 if quick else 3
    l1 = penalties.L1(alpha)
    routes = {
        "SGD + L1 prox": ({"lr": 1.0 / L, "penalty": l1}, None),
        "SGD + Nesterov + L1 prox": (
            {"lr": 1.0 / L, "momentum": momentum, "nesterov": True, "penalty": l1},
            None,
        ),
        "Adam + L1 prox": ({"lr": 0.1, "penalty": l1}, None),
        "L1 via autograd (subgradient)": ({"lr": 1.0 / L}, l1),
    }

    def run(name: str, cap: int) -> tuple[dict[str, Any], np.ndarray, float]:
        options, extra = routes[name]
        tinyreg.manual_seed(0)
        model = nn.Linear(p, 1)
        cls = optim.Adam if name.startswith("Adam") else optim.SGD
        opt = cls(model.parameters(), **options)
        step = C.linear_model_step(model, opt, Xt, yt, extra)
        weight, bias = model.weight.data, model.bias.data

        def gap() -> float:
            return monitor(weight[0], float(bias[0]))

        if extra is not None:  # the subgradient route: a fixed number of steps, no target
            result = C.train(step, gap, tol=-1.0, max_iter=cap, check_every=CHECK_EVERY)
        else:
            result = C.train(step, gap, tol=TOL, max_iter=cap, check_every=CHECK_EVERY)
        return result, weight[0].copy(), float(bias[0])

    out: dict[str, Any] = {}
    for name in routes:
        cap = max_iter
        if name.startswith("L1 via autograd"):  # same number of steps as the prox route
            cap = max(out["SGD + L1 prox"]["iterations"], 1)
        runs = [run(name, cap) for _ in range(repeats)]
        result, w, b = runs[0]
        options = {k: v for k, v in routes[name][0].items() if k != "penalty"}
        out[name] = {
            "options": options,
            "iterations": result["iterations"],
            "reached": result["reached"] if routes[name][1] is None else None,
            "seconds": C.stats([r[0]["seconds"] for r in runs]),
            "rel_gap": result["final"],
            "best_rel_gap": result["best"],
            "curve": result["curve"],
            "curve_seconds": result["curve_seconds"],
            "coef": w,
            "intercept": b,
        }
    return out


# ---------------------------------------------------------------------------
# One problem, the table
# ---------------------------------------------------------------------------


def bench_problem(n: int, p: int, quick: bool) -> dict[str, Any]:
    prob = make_problem(n, p)
    X, y, alpha = prob["X"], prob["y"], prob["alpha"]
    monitor = GapMonitor(X, y, alpha)
    ref = linear.Lasso(alpha, tol=REF_TOL, max_iter=1_000_000).fit(X, y)
    L, mu = C.hessian_bounds(X, 0.0)
    entry: dict[str, Any] = {
        "n": n,
        "p": p,
        "true_support_size": int(prob["support"].size),
        "alpha": alpha,
        "alpha_max": prob["alpha_max"],
        "alpha_over_alpha_max": alpha / prob["alpha_max"],
        "L": L,
        "mu": mu,
        "kappa": L / mu,
        "reference": {
            "tol": REF_TOL,
            "rel_gap": monitor(ref.coef_),
            **support_summary(ref.coef_, prob["support"]),
        },
    }
    estimators = bench_estimators(prob, quick)
    entry["repeats"] = estimators["repeats"]
    optimizers = bench_optimizers(prob, L, L / mu, monitor, quick)
    methods: dict[str, Any] = {}
    for kind, group in (("estimator", estimators["estimators"]), ("optimizer", optimizers)):
        for name, r in group.items():
            coef = r.pop("coef")
            r.pop("intercept")
            if kind == "estimator":
                r["rel_gap"] = monitor(coef)
                r["reached"] = r["rel_gap"] <= TOL
                r["iterations"] = r.pop("n_iter")
            r["kind"] = kind
            r["max_abs_diff_vs_ref"] = float(np.max(np.abs(coef - ref.coef_)))
            r["within_gap_bound"] = within_gap_bound(
                monitor.Xc, monitor.yc, coef, ref.coef_, monitor(coef), monitor(ref.coef_)
            )
            r["support"] = support_summary(coef, prob["support"])
            r["nonzero"] = np.flatnonzero(coef).tolist()
            r["same_support_as_ref"] = bool(
                np.array_equal(np.flatnonzero(coef), np.flatnonzero(ref.coef_))
            )
            methods[name] = r
    entry["methods"] = methods
    return entry


def problems_table(entries: list[dict[str, Any]]) -> str:
    header = [
        "problem",
        "method",
        "median",
        "min",
        "iterations",
        "rel. gap",
        "support (true)",
        "exact zeros",
        "max \\|Δw\\| vs reference",
    ]
    rows = []
    for e in entries:
        problem = (
            f"{e['n']}×{e['p']}, α = {e['alpha']:.3g} "
            f"({e['alpha_over_alpha_max']:.2f}·α_max), \\|S\\| = {e['true_support_size']}"
        )
        for name, m in e["methods"].items():
            s = m["support"]
            if s["exact"]:
                support = "exact"
            else:
                support = (
                    f"{s['n_nonzero']} nonzero: +{s['false_positives']} −{s['false_negatives']}"
                )
            if m["kind"] == "optimizer" and m["reached"] is not None and not m["reached"]:
                its = f"not reached ({m['iterations']})"
            else:
                its = str(m["iterations"])
            rows.append(
                [
                    problem,
                    name,
                    C.fmt_time(m["seconds"]["median"]),
                    C.fmt_time(m["seconds"]["min"]),
                    its,
                    C.fmt_num(m["rel_gap"]),
                    support,
                    str(s["n_zeros"]),
                    C.fmt_num(m["max_abs_diff_vs_ref"]),
                ]
            )
        if sklearn_linear is None:
            rows.append([problem, "sklearn", "not installed", "", "", "", "", "", ""])
    return C.table(header, rows, "llrrrrlrr")


# ---------------------------------------------------------------------------
# scikit-learn's shapes: correlated designs, single fits and paths, tol = 1e-4
# ---------------------------------------------------------------------------

FIT_SHAPES = [(442, 10), (1000, 100), (100, 1000), (50, 5000), (500, 5000), (10_000, 500)]
PATH_SHAPES = FIT_SHAPES[:5]
QUICK_FIT_SHAPES = [(442, 10), (60, 300)]
FRACTIONS = (0.1, 0.01)  # alpha / alpha_max
FIT_TOL = 1e-4  # scikit-learn's default
RHO = 0.5  # AR(1) correlation of neighbouring columns
ENET_L1_RATIO = 0.5

celer = C.optional_import("celer")


def make_correlated_problem(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X with AR(1) columns (corr(X_j, X_k) = ρ^|j−k|, unit variance); y = Xw + N(0, 1).

    w has max(1, min(n, p)/10) nonzero entries ±U(1, 2) at random places.
    """
    rng = np.random.default_rng([seed, n, p])
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    scale = math.sqrt(1 - RHO**2)
    for j in range(1, p):
        X[:, j] = RHO * X[:, j - 1] + scale * Z[:, j]
    k = max(1, min(n, p) // 10)
    w = np.zeros(p)
    w[rng.choice(p, size=k, replace=False)] = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 2, k)
    return X, X @ w + rng.standard_normal(n)


def relative_gap(
    Xc: np.ndarray, yc: np.ndarray, w: np.ndarray, alpha: float, l1_ratio: float
) -> float:
    """Duality gap of w on the centred data (the intercept optimal), over ‖yc‖²: tol's scale."""
    n = Xc.shape[0]
    R = yc - Xc @ w
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    return _duality_gap(w, Xc.T @ R, float(R @ R), float(R @ yc), l1, l2) / float(yc @ yc)


def within_gap_bound(Xc: np.ndarray, yc: np.ndarray, wa, wb, gap_a: float, gap_b: float) -> bool:
    """‖Xc(wa − wb)‖ ≤ √(2·gap_a) + √(2·gap_b) (n-scaled gaps): what two certified fits allow.

    P(w) − P* ≥ ½‖Xc(w − w*)‖² for the (n-scaled) elastic net, and
    P(w) − P* ≤ its duality gap; relative gaps are over ‖yc‖². The slack
    is the gaps' own rounding (1e-13·‖yc‖²).
    """
    scale = float(yc @ yc)
    bound = sum(math.sqrt(2 * scale * max(g, 0.0) + 1e-13 * scale) for g in (gap_a, gap_b))
    return bool(np.linalg.norm(Xc @ (np.asarray(wa) - np.asarray(wb))) <= bound)


def _timed(functions: dict[str, Any], quick: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Interleaved rounds: at least 5 (one with --quick), up to 25 while they fit in 6 s.

    The best (min) of the rounds is what the tables show; a millisecond fit
    on a shared machine needs more than five rounds for one of them to run
    undisturbed.
    """
    times, outputs, plan = C.time_interleaved(
        functions,
        min_repeats=1 if quick else 5,
        max_repeats=1 if quick else 25,
        budget=0.0 if quick else 6.0,
        cooldown=0.0 if quick else C.default_cooldown(),
    )
    seconds = {name: C.stats(t) for name, t in times.items()}
    for stat in seconds.values():
        if stat is not None:
            stat["rounds"] = plan["repeats"]
    return seconds, outputs


def bench_fit(n: int, p: int, fraction: float, l1_ratio: float, quick: bool) -> dict[str, Any]:
    """One estimator fit (intercept fitted) by tinyreg, scikit-learn and celer."""
    X, y = make_correlated_problem(n, p)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha = fraction * float(np.max(np.abs(Xc.T @ yc))) / (n * l1_ratio)
    settings = {"tol": FIT_TOL, "max_iter": 100_000}
    lasso = l1_ratio == 1.0
    functions: dict[str, Any] = {
        "tinyreg": (
            (lambda: linear.Lasso(alpha, **settings).fit(X, y))
            if lasso
            else (lambda: linear.ElasticNet(alpha, l1_ratio=l1_ratio, **settings).fit(X, y))
        )
    }
    if sklearn_linear is not None:
        functions["sklearn"] = (
            (lambda: sklearn_linear.Lasso(alpha, **settings).fit(X, y))
            if lasso
            else (lambda: sklearn_linear.ElasticNet(alpha, l1_ratio=l1_ratio, **settings).fit(X, y))
        )
    if celer is not None:
        functions["celer"] = (
            (lambda: celer.Lasso(alpha, tol=FIT_TOL).fit(X, y))
            if lasso
            else (lambda: celer.ElasticNet(alpha, l1_ratio=l1_ratio, tol=FIT_TOL).fit(X, y))
        )
    seconds, outputs = _timed(functions, quick)
    entry: dict[str, Any] = {"n": n, "p": p, "fraction": fraction, "alpha": alpha}
    for name, est in outputs.items():
        entry[name] = {
            "seconds": seconds[name],
            "rel_gap": relative_gap(Xc, yc, est.coef_, alpha, l1_ratio),
            "nonzero": int(np.count_nonzero(est.coef_)),
        }
        if "sklearn" in outputs:
            ref = outputs["sklearn"].coef_
            entry[name]["max_abs_diff"] = float(np.max(np.abs(est.coef_ - ref)))
            entry[name]["same_support"] = bool(np.array_equal(est.coef_ != 0, ref != 0))
            entry[name]["within_gap_bound"] = within_gap_bound(
                Xc,
                yc,
                est.coef_,
                ref,
                entry[name]["rel_gap"],
                relative_gap(Xc, yc, ref, alpha, l1_ratio),
            )
    entry["max_coef"] = float(np.max(np.abs(outputs["tinyreg"].coef_)))
    return entry


def bench_path(n: int, p: int, l1_ratio: float, quick: bool) -> dict[str, Any]:
    """A 100-alpha path (centred data, scikit-learn's default grid) by the three libraries."""
    X, y = make_correlated_problem(n, p)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha_max = float(np.max(np.abs(Xc.T @ yc))) / (n * l1_ratio)
    grid = np.geomspace(alpha_max, 1e-3 * alpha_max, num=100)  # both libraries' default grid
    settings = {"alphas": grid, "tol": FIT_TOL, "max_iter": 100_000}
    functions: dict[str, Any] = {
        "tinyreg": lambda: linear.enet_path(Xc, yc, l1_ratio=l1_ratio, **settings)[:2]
    }
    if sklearn_linear is not None:
        functions["sklearn"] = lambda: sklearn_linear.enet_path(
            Xc, yc, l1_ratio=l1_ratio, **settings
        )[:2]
    if celer is not None:
        functions["celer"] = (
            lambda: celer.celer_path(  # max_iter: outer iterations (20 default)
                Xc, yc, "lasso", alphas=grid, l1_ratio=l1_ratio, tol=FIT_TOL, max_iter=100
            )[:2]
        )
    seconds, outputs = _timed(functions, quick)
    entry: dict[str, Any] = {"n": n, "p": p, "n_alphas": int(grid.size), "tol": FIT_TOL}
    for name, (_, coefs) in outputs.items():
        gaps = [relative_gap(Xc, yc, coefs[:, i], a, l1_ratio) for i, a in enumerate(grid)]
        entry[name] = {"seconds": seconds[name], "max_rel_gap": float(max(gaps)), "gaps": gaps}
        if "sklearn" in outputs:
            ref = outputs["sklearn"][1]
            entry[name]["max_abs_diff"] = float(np.max(np.abs(coefs - ref)))
            entry[name]["same_zero_points"] = int(np.sum(np.all((coefs == 0) == (ref == 0), 0)))
    if "sklearn" in outputs:
        ref, ref_gaps = outputs["sklearn"][1], entry["sklearn"]["gaps"]
        for name, (_, coefs) in outputs.items():
            entry[name]["within_gap_bound"] = all(
                within_gap_bound(Xc, yc, coefs[:, i], ref[:, i], g, ref_gaps[i])
                for i, g in enumerate(entry[name]["gaps"])
            )
    entry["max_coef"] = float(np.max(np.abs(outputs["tinyreg"][1])))
    # the fields the smoke test reads
    entry["max_rel_gap"] = entry["tinyreg"]["max_rel_gap"]
    if "sklearn" in outputs:
        entry["max_abs_diff"] = entry["tinyreg"]["max_abs_diff"]
    return entry


def _ratio(entry: dict[str, Any], name: str, stat: str = "min") -> float | None:
    if name not in entry or "sklearn" not in entry:
        return None
    return entry[name]["seconds"][stat] / entry["sklearn"]["seconds"][stat]


def summary(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometric mean and largest ratio of tinyreg's (and celer's) time to scikit-learn's."""
    out: dict[str, Any] = {}
    for name in ("tinyreg", "celer"):
        ratios = [r for r in (_ratio(e, name) for e in entries) if r is not None]
        if ratios:
            out[name] = {
                "geometric_mean": float(np.exp(np.mean(np.log(ratios)))),
                "max": float(max(ratios)),
            }
    return out


def shapes_table(entries: list[dict[str, Any]], path: bool) -> str:
    names = [name for name in ("sklearn", "tinyreg", "celer") if name in entries[0]]
    header = ["n × p"] + ([] if path else ["α/α_max"])
    header += [f"{name} (best)" for name in names]
    header += [f"{name} / sklearn" for name in names if name != "sklearn"]
    gap_label = "max rel. gap" if path else "rel. gap"
    header += [f"{gap_label} {name}" for name in names]
    header += [f"max \\|Δw\\| {name}" for name in names if name != "sklearn"]
    header += ["nonzero sk/tr/ce" if not path else "same zeros (of 100)"]
    rows = []
    for e in entries:
        row = [f"{e['n']}×{e['p']}"] + ([] if path else [f"{e['fraction']:g}"])
        row += [C.fmt_time(e[name]["seconds"]["min"]) for name in names]
        row += [
            C.fmt_ratio(
                e[name]["seconds"]["min"], e.get("sklearn", {}).get("seconds", {}).get("min")
            )
            for name in names
            if name != "sklearn"
        ]
        key = "max_rel_gap" if path else "rel_gap"
        row += [C.fmt_num(e[name][key]) for name in names]
        row += [C.fmt_num(e[name].get("max_abs_diff")) for name in names if name != "sklearn"]
        if path:
            row.append("/".join(str(e[name].get("same_zero_points", "–")) for name in names))
        else:
            row.append("/".join(str(e[name]["nonzero"]) for name in names))
        rows.append(row)
    return C.table(
        header, rows, "l" * (1 if path else 2) + "r" * (len(header) - (1 if path else 2))
    )


def summary_lines(label: str, result: dict[str, Any]) -> str:
    lines = []
    for name, s in result.items():
        lines.append(
            f"- {label}, {name} / sklearn: geometric mean {s['geometric_mean']:.2f}×, "
            f"largest {s['max']:.2f}×"
        )
    return "\n".join(lines)


def evaluate_targets(entries: list[dict[str, Any]], against: dict[str, Any]) -> dict[str, Any]:
    """The targets: tinyreg's time over scikit-learn's, geometric mean ≤ 1 and largest ≤ 2."""
    targets: dict[str, Any] = {}
    for label in ("lasso_fits", "lasso_paths"):
        if "tinyreg" in against.get(label, {}):
            s = against[label]["tinyreg"]
            targets[f"{label}_geometric_mean_at_most_1x"] = {
                "value": s["geometric_mean"],
                "met": s["geometric_mean"] <= 1.0,
            }
            targets[f"{label}_none_above_2x"] = {"value": s["max"], "met": s["max"] <= 2.0}
    for e in entries:
        if (e["n"], e["p"]) != TARGET_SHAPE or "sklearn" not in e["methods"]:
            continue
        ours = e["methods"]["tinyreg homotopy"]
        for name in ("sklearn", "sklearn (Gram)"):
            sk = e["methods"][name]
            ratio = ours["seconds"]["median"] / sk["seconds"]["median"]
            targets[f"routes_within_2x_of_{name.replace(' ', '_')}_at_10000x500"] = {
                "ratio_median": ratio,
                "ratio_min": ours["seconds"]["min"] / sk["seconds"]["min"],
                "identical_support": ours["nonzero"] == sk["nonzero"],
                "met": ratio <= 2.0,
            }
    return targets


# ---------------------------------------------------------------------------
# Convergence plots
# ---------------------------------------------------------------------------


def estimator_time_curves(n: int, p: int, quick: bool) -> dict[str, list[tuple[float, float]]]:
    """(seconds, relative gap) of each estimator of part 2, fitted with max_iter = 1, 2, 4, ...

    Every fit starts from zero and stops at the target gap ``TOL`` or at
    ``max_iter``; a curve ends at the first fit that reaches the target (or
    when one fit takes longer than a few seconds). The x-axis is the wall
    time of that one fit (the least of three): benchopt's iteration sampling.
    """
    prob = make_problem(n, p)
    X, y, alpha = prob["X"], prob["y"], prob["alpha"]
    monitor = GapMonitor(X, y, alpha)
    estimators: dict[str, Any] = {
        f"tinyreg {label}": lambda k, solver=solver: linear.Lasso(
            alpha, tol=TOL, max_iter=k, solver=solver
        )
        for label, solver in (("homotopy", "homotopy"), ("CD", "cd"), ("FISTA", "fista"))
    }
    if sklearn_linear is not None:
        estimators["sklearn"] = lambda k: sklearn_linear.Lasso(alpha, tol=TOL, max_iter=k)
    limit = 1.0 if quick else 10.0
    curves: dict[str, list[tuple[float, float]]] = {}
    for name, make in estimators.items():
        curve, k = [], 1
        with warnings.catch_warnings():  # a capped fit stops short of tol: that is the point
            warnings.simplefilter("ignore")
            make(1).fit(X, y)  # warm-up: the first call pays for imports and caches
        while True:
            seconds = math.inf
            for _ in range(3):  # the least disturbed of three fits
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    est = make(k).fit(X, y)
                    seconds = min(seconds, time.perf_counter() - start)
            curve.append((seconds, monitor(est.coef_)))
            if curve[-1][1] <= TOL or seconds > limit or k >= 1_000_000:
                break
            k *= 2
        curves[name] = curve
    return curves


def convergence_plots(entry: dict[str, Any], folder: Path, quick: bool) -> list[str]:
    """Part 2's curves for one problem: gap against iteration, and against time; the paths."""
    n, p = entry["n"], entry["p"]
    C.progress(f"convergence curves against time at {n}×{p}")
    optimizers = {name: m for name, m in entry["methods"].items() if "curve" in m}
    by_time = estimator_time_curves(n, p, quick)
    by_time |= {
        name: [(t, v) for t, (_, v) in zip(m["curve_seconds"], m["curve"], strict=True)]
        for name, m in optimizers.items()
    }
    entry["time_curves"] = by_time
    written = []
    path = folder / f"lasso_convergence_{n}x{p}.png"
    title = f"Lasso through tinyreg.optim, {n}×{p}"
    curves = {name: m["curve"] for name, m in optimizers.items()}
    if C.plot_curves(path, title, curves, "relative duality gap", TOL):
        written.append(str(path))
    path = folder / f"lasso_time_{n}x{p}.png"
    title = f"Lasso, {n}×{p}: relative duality gap against time"
    if C.plot_curves(
        path, title, by_time, "relative duality gap", TOL, xlabel="seconds", logx=True
    ):
        written.append(str(path))
    return written


QUICK = (
    f"correlated-design fits and paths at {C.fmt_shapes(QUICK_FIT_SHAPES)} instead of "
    f"{C.fmt_shapes(FIT_SHAPES)} (paths: the first five), one timed round instead of the best of "
    f"5 to 25; every route of tinyreg at {C.fmt_shapes(QUICK_SHAPES)} instead of "
    f"{C.fmt_shapes(SHAPES)}, rounds (3 to 25) that fit in 0.3 s instead of 5 to 25 in 8 s, "
    "one run of at most 300 optimizer steps instead of 3 of 1000"
)
QUICK_BENCHOPT = (
    "benchopt's settings at 50×500 and 100×120 instead of 100×10000, 500×600 and 10000×100, "
    "one timed round instead of the best of 5 to 25"
)
ROUNDS = "the best of 5 to 25 interleaved rounds (as many as fit in 6 s)"
ROUNDS_QUICK = "one round (--quick): not a measurement"


def bench_benchopt_settings(quick: bool) -> dict[str, Any]:
    """benchopt's Lasso settings: tinyreg's routes against scikit-learn, celer and skglm.

    X rows Gaussian with Toeplitz correlation ρ^|i−j| (ρ = 0, 0.6), w* with
    20% nonzero N(0, 1) entries, y = Xw* + noise at signal-to-noise ratio 3
    (benchopt's simulated design) at 100×10000, 500×600, 10000×100;
    alpha = 0.1 and 0.05·alpha_max, without and with an intercept. Every
    solver runs with tol = 1e-6, one thread: scikit-learn, celer and tinyreg
    stop at a duality gap ≤ 1e-6·‖y‖²/n; skglm stops on its optimality
    violation at 1e-6. Reported: times, and each result's suboptimality
    P(w) − P_best over ‖y‖²/n (P_best the lowest objective any solver found;
    the target is 1e-6). Prints the table and returns the entries.
    """
    skglm = C.optional_import("skglm")

    def candidates(X: np.ndarray, y: np.ndarray, alpha: float, intercept: bool) -> dict[str, Any]:
        common = {"fit_intercept": intercept, "tol": 1e-6}
        functions: dict[str, Any] = {
            f"tinyreg {solver}": (
                lambda solver=solver: linear.Lasso(
                    alpha, max_iter=100_000, solver=solver, **common
                ).fit(X, y)
            )
            for solver in ("auto", "homotopy", "ws")
        }
        if sklearn_linear is not None:
            functions["sklearn"] = lambda: sklearn_linear.Lasso(
                alpha, max_iter=100_000, **common
            ).fit(X, y)
        for name, library in (("celer", celer), ("skglm", skglm)):
            if library is not None:
                functions[name] = lambda library=library: library.Lasso(alpha, **common).fit(X, y)
        return functions

    shapes = [(50, 500), (100, 120)] if quick else [(100, 10_000), (500, 600), (10_000, 100)]
    rows, entries = [], []
    for (n, p), rho, fraction, intercept in (
        (shape, rho, fraction, intercept)
        for shape in shapes
        for rho in (0.0, 0.6)
        for fraction in (0.1, 0.05)
        for intercept in (False, True)
    ):
        C.progress(
            f"benchopt setting at {n}×{p}, ρ = {rho:g}, {fraction:g}·λmax, intercept {intercept}"
        )
        rng = np.random.default_rng([n, p, int(10 * rho)])
        X = rng.standard_normal((n, p))
        for j in range(1, p):  # columns AR(1): corr(X_j, X_k) = ρ^|j−k|
            X[:, j] = rho * X[:, j - 1] + math.sqrt(1 - rho**2) * X[:, j]
        w_true = np.where(rng.random(p) < 0.2, rng.standard_normal(p), 0.0)
        signal = X @ w_true
        y = signal + rng.standard_normal(n) * np.linalg.norm(signal) / (3 * math.sqrt(n))
        Xc, yc = (X - X.mean(axis=0), y - y.mean()) if intercept else (X, y)
        alpha = fraction * float(np.max(np.abs(Xc.T @ yc))) / n
        functions = candidates(X, y, alpha, intercept)
        seconds, outputs = _timed(functions, quick)
        objective = {
            name: 0.5 * float(np.sum((yc - Xc @ est.coef_) ** 2)) / n
            + alpha * float(np.abs(est.coef_).sum())
            for name, est in outputs.items()
        }
        best = min(objective.values())
        scale = float(yc @ yc) / n
        entry = {
            "n": n,
            "p": p,
            "rho": rho,
            "fraction": fraction,
            "intercept": intercept,
            "seconds": {name: seconds[name]["min"] for name in outputs},
            "subopt": {name: (objective[name] - best) / scale for name in outputs},
        }
        peers = [entry["seconds"][k] for k in ("sklearn", "celer", "skglm") if k in outputs]
        entry["ratio_to_best_peer"] = (
            entry["seconds"]["tinyreg auto"] / min(peers) if peers else None
        )
        entries.append(entry)
        rows.append(
            [f"{n}×{p}", f"{rho:g}", f"{fraction:g}", "yes" if intercept else "no"]
            + [
                C.fmt_time(entry["seconds"][name])
                + ("" if entry["subopt"][name] <= 1e-6 else f" ({entry['subopt'][name]:.0e})")
                for name in functions
            ]
            + [f"{entry['ratio_to_best_peer']:.2f}×" if peers else "-"]
        )
    header = ["shape", "ρ", "λ/λmax", "intercept", *functions, "auto / best peer"]
    print(C.table(header, rows))
    ratios = [e["ratio_to_best_peer"] for e in entries if e["ratio_to_best_peer"] is not None]
    if ratios:
        print(
            f"\ntinyreg auto against the best peer: geometric mean "
            f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}×, "
            f"largest {max(ratios):.2f}×; within 1.0×: {sum(r <= 1.0 for r in ratios)} "
            f"of {len(ratios)}. Times: best of the interleaved rounds; a time with "
            "(x) stopped at suboptimality x > 1e-6·‖y‖²/n."
        )
    return {"entries": entries}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = C.make_parser(__doc__.split("\n")[0], quick=QUICK, shape=True)
    parser.add_argument(
        "--benchopt-settings",
        action="store_true",
        help="run only benchopt's Lasso settings against scikit-learn, celer and skglm",
    )
    args = parser.parse_args(argv)
    code = C.reexec_with_threads(args.threads, __file__, argv)
    if code is not None:
        return code
    warnings.simplefilter("ignore", category=linear.ConvergenceWarning)
    if args.benchopt_settings:
        if args.quick:
            args.quick_means = QUICK_BENCHOPT
        C.announce(args)
        print("# Lasso on benchopt's settings (time to suboptimality 1e-6·‖y‖²/n)\n")
        results = bench_benchopt_settings(args.quick)
        if args.json:
            C.write_json(args.json, {"benchmark": "lasso-benchopt", **results})
        return 0

    C.announce(args)
    info = C.machine_info()
    print(
        f"# Lasso benchmark (target: relative duality gap ≤ {TOL:g})\n\n"
        f"Machine: {C.machine_line(info)}\n"
    )
    note = C.busy_note(info)
    if note:
        print(note + "\n")

    fit_shapes = C.shapes(args, QUICK_FIT_SHAPES if args.quick else FIT_SHAPES)
    path_shapes = C.shapes(args, QUICK_FIT_SHAPES if args.quick else PATH_SHAPES)
    fits, paths, enet_fits, enet_paths = [], [], [], []
    runs = ((1.0, fits, paths), (ENET_L1_RATIO, enet_fits, enet_paths))
    for l1_ratio, fit_list, path_list in runs:
        model = "Lasso" if l1_ratio == 1.0 else f"ElasticNet(l1_ratio={l1_ratio})"
        for n, p in fit_shapes:
            for fraction in FRACTIONS:
                C.progress(f"{model} fits at {n}×{p}, alpha = {fraction:g}·alpha_max")
                fit_list.append(bench_fit(n, p, fraction, l1_ratio, args.quick))
        for n, p in path_shapes:
            C.progress(f"{model} path at {n}×{p}")
            path_list.append(bench_path(n, p, l1_ratio, args.quick))
    against = {
        "lasso_fits": summary(fits),
        "lasso_paths": summary(paths),
        "enet_fits": summary(enet_fits),
        "enet_paths": summary(enet_paths),
    }
    print(
        f"## Correlated designs: Lasso, tol = {FIT_TOL:g}\n\n"
        f"X with AR(1) columns (ρ = {RHO}), y = Xw + noise; `Lasso(alpha).fit(X, y)` "
        "(intercept fitted), the same call in each library.\n"
    )
    print(shapes_table(fits, path=False))
    print(f"\n## lasso_path, 100 alphas (scikit-learn's grid, tol = {FIT_TOL:g}, centred data)\n")
    print(shapes_table(paths, path=True))
    print(f"\n## Correlated designs: ElasticNet(l1_ratio = {ENET_L1_RATIO}), tol = {FIT_TOL:g}\n")
    print(shapes_table(enet_fits, path=False))
    print(f"\n## enet_path(l1_ratio = {ENET_L1_RATIO}), 100 alphas\n")
    print(shapes_table(enet_paths, path=True))
    print(
        f"\nTimes are {ROUNDS_QUICK if args.quick else ROUNDS}. rel. gap: "
        "duality gap of the returned "
        "coefficients over ‖y − ȳ‖² (the scale of tol), computed here for every library "
        "alike. max |Δw|: largest coefficient difference from scikit-learn's.\n"
    )
    print("## Against scikit-learn\n")
    for label, result in against.items():
        print(summary_lines(label.replace("_", " "), result))

    print("\n## Time to the target gap: every route of tinyreg\n")
    entries = []
    for n, p in C.shapes(args, QUICK_SHAPES if args.quick else SHAPES):
        C.progress(f"every route of tinyreg at {n}×{p}")
        entries.append(bench_problem(n, p, args.quick))
    if sklearn_linear is None:
        print("(scikit-learn not installed: its rows are empty)\n")
    print(problems_table(entries))
    print(
        f"\nrel. gap = duality gap / (‖y − ȳ‖²/n) at the returned solution; optimizer routes "
        f"check it every {CHECK_EVERY} steps (inside the timing). support: 'exact' when the "
        f"nonzeros are the true support, else +false positives −false negatives. reference: "
        f"linear.Lasso(tol={REF_TOL:g}). Rounds: "
        + ", ".join(f"{e['n']}×{e['p']}: {e['repeats']}" for e in entries)
    )
    for e in entries:
        print(
            f"- {e['n']}×{e['p']}: L = {e['L']:.3f}, κ = {e['kappa']:.2f}, "
            f"reference support: {'exact' if e['reference']['exact'] else e['reference']}"
        )

    plots = []
    if args.plot:
        for e in entries:
            plots += convergence_plots(e, Path(args.plot), args.quick)
        print("\nPlots: " + (", ".join(plots) if plots else "skipped (matplotlib not installed)"))

    targets = evaluate_targets(entries, against)
    if targets:
        print("\n## Targets\n")
        for name, t in targets.items():
            shown = {k: v for k, v in t.items() if k != "met"}
            print(f"- {name}: {'MET' if t['met'] else 'NOT MET'} {shown}")
    C.finish_info(info)
    print(f"\nLoad average at end: {info['loadavg_end']}")

    if args.json:
        C.write_json(
            args.json,
            {
                "benchmark": "lasso",
                "machine": info,
                "settings": {
                    "tol": TOL,
                    "reference_tol": REF_TOL,
                    "check_every": CHECK_EVERY,
                    "fit_tol": FIT_TOL,
                    "quick": args.quick,
                    "shape": args.shape,
                },
                "fits": fits,
                "paths": paths,
                "enet_fits": enet_fits,
                "enet_paths": enet_paths,
                "against_sklearn": against,
                "problems": entries,
                "targets": targets,
                "plots": plots,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
