"""Ridge: closed form vs the bare LAPACK floor vs scikit-learn, and gradient-trained ridge.

Part 1, closed form. For each shape (random Gaussian X, y = Xw + 1 + noise,
alpha = 1), in one process and with interleaved repeats:

* ``tinyreg cholesky`` / ``svd`` / ``auto`` -- ``tinyreg.linear.Ridge(1.0, solver=...)``;
* ``LAPACK floor`` -- the least work any implementation must do: centre X
  and y, form the Gram matrix with BLAS ``syrk`` (XcᵀXc when n ≥ p, the
  dual XcXcᵀ when p > n), ``scipy.linalg.cho_factor`` / ``cho_solve``, and
  the intercept. No input validation. Every BLAS/LAPACK call goes to scipy's
  library, so the floor never switches between two BLAS thread pools;
* ``floor + finite check`` -- the floor after ``np.isfinite(X).all()``, the
  one pass over X that any estimator validating its input pays (tinyreg
  and scikit-learn both do);
* ``sklearn`` -- ``sklearn.linear_model.Ridge(1.0)`` (solver="auto").

Reported: median and min seconds per fit, ratios (of medians) to the floor
and to scikit-learn, and the relative difference of the fitted
(coef_, intercept_) vector, max|a − b| / max|b|, against the floor and
against scikit-learn.

Part 2, gradient training. ``tinyreg.nn.Linear(p, 1)`` trained full-batch
through ``tinyreg.optim`` on 0.5·``F.mse_loss`` = (1/(2n))‖y − Xw − b‖²
with ``penalties.L2(alpha / n)``, whose minimiser is ``Ridge(alpha)``'s:

* ``SGD`` with lr = 1/L;
* ``SGD + Nesterov`` with lr = 1/L and momentum (√κ − 1)/(√κ + 1);
* ``Adam`` at lr = 0.1 and lr = 0.01;
* ``Newton (hvp + CG)``: one Newton step from 0, the gradient from
  ``tinyreg.func.grad`` and the Hessian applied by ``tinyreg.func.hvp``
  (second derivatives through autograd), the system solved by conjugate
  gradients; the objective is quadratic, so one step is the closed form;

where L and κ = L/μ are the largest eigenvalue and the condition number of
the training objective's Hessian in (w, b) (computed, see
``_common.hessian_bounds``; for centred X, L = max(λ_max(XcᵀXc/n) + alpha/n, 1)).
Reported: iterations and wall time until ‖w − w*‖/‖w*‖ ≤ 1e-6 against
the closed form w* (or "not reached" and the final error at the cap), and
the convergence curve (in the JSON; ``--plot DIR`` draws it).

Part 3, triangular solves. The Cholesky route's forward and back
substitutions: the blocked speed path against the readable row-by-row
algorithm, against ``np.linalg.solve`` on the triangular factors and
against numpy's LU solve (``bench_triangular``).

Options: ``--quick`` (smaller shapes, few repeats: seconds; ``--help`` and
the first printed line say what it shrinks), ``--shape N P`` (parts 1 and 2
at that shape alone, part 3 at that p), ``--json PATH``, ``--plot DIR``,
``--threads N`` (BLAS threads; 1 gives stable numbers on a busy machine).
scipy, scikit-learn and matplotlib are optional.

Run: ``python benchmarks/bench_ridge.py``
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import _common as C
import numpy as np

import tinyreg
from tinyreg import nn, optim, penalties
from tinyreg.linear import Ridge

ALPHA = 1.0
TOL = 1e-6
SHAPES = [(1000, 10), (10_000, 100), (10_000, 500), (100_000, 100), (2000, 2000), (500, 5000)]
QUICK_SHAPES = [(1000, 10), (10_000, 100), (300, 300), (100, 1000)]
TRAIN_SHAPES = [(1000, 10), (10_000, 100)]
QUICK_TRAIN_SHAPES = [(1000, 10)]
TRIANGULAR_P, QUICK_TRIANGULAR_P = (100, 500, 2000), (100, 300)
QUICK = (
    f"closed forms at {C.fmt_shapes(QUICK_SHAPES)} instead of {C.fmt_shapes(SHAPES)}, "
    "as many rounds (3 to 25) as fit in 0.4 s per shape instead of 5 to 25 in 12 s; "
    f"training at {C.fmt_shapes(QUICK_TRAIN_SHAPES)} instead of {C.fmt_shapes(TRAIN_SHAPES)}, "
    "one run of at most 2000 steps instead of 3 of 5000; triangular solves at "
    f"p = {', '.join(map(str, QUICK_TRIANGULAR_P))} instead of "
    f"{', '.join(map(str, TRIANGULAR_P))}, rounds that fit in 0.3 s instead of 5 s"
)
SOLVERS = ("cholesky", "svd", "auto")
NEWTON = "Newton (hvp + CG)"  # one exact Newton step: Hessian-vector products through autograd

scipy_linalg = C.optional_import("scipy.linalg")
sklearn_linear = C.optional_import("sklearn.linear_model")


def make_data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian X (n, p); y = Xw + 1 + noise with w ~ N(0, I) and unit noise."""
    rng = np.random.default_rng([seed, n, p])
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 1.0 + rng.standard_normal(n)
    return X, y


def lapack_floor(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Ridge with an unpenalized intercept in the fewest passes: centre, syrk, potrf, potrs.

    ``Xc.T`` of a C-ordered ``Xc`` is Fortran-ordered, which is what the
    BLAS wrappers want, so nothing is copied: syrk(Xc.T) = XcᵀXc and
    syrk(Xc.T, trans) = XcXcᵀ.
    """
    blas = scipy_linalg.blas
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    n, p = X.shape
    if n >= p:  # primal: (XcᵀXc + αI) w = Xcᵀyc
        G = blas.dsyrk(1.0, Xc.T, lower=1)
        G.flat[:: p + 1] += alpha
        rhs = blas.dgemv(1.0, Xc.T, yc)
        factor = scipy_linalg.cho_factor(G, lower=True, overwrite_a=True, check_finite=False)
        w = scipy_linalg.cho_solve(factor, rhs, overwrite_b=True, check_finite=False)
    else:  # dual: (XcXcᵀ + αI) a = yc, w = Xcᵀa
        K = blas.dsyrk(1.0, Xc.T, trans=1, lower=1)
        K.flat[:: n + 1] += alpha
        factor = scipy_linalg.cho_factor(K, lower=True, overwrite_a=True, check_finite=False)
        w = blas.dgemv(1.0, Xc.T, scipy_linalg.cho_solve(factor, yc, check_finite=False))
    return w, float(y_mean - x_mean @ w)


def lapack_floor_checked(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """The floor plus the one check every validating estimator makes: X and y are finite."""
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X or y contains NaN or infinity")
    return lapack_floor(X, y, alpha)


def _vector(result: Any) -> np.ndarray:
    """(coef_, intercept_) of a fitted estimator, or of the floor's (w, b) pair, as one vector."""
    if isinstance(result, tuple):
        return np.append(result[0], result[1])
    return np.append(result.coef_, result.intercept_)


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ---------------------------------------------------------------------------
# Part 1: closed form
# ---------------------------------------------------------------------------


def bench_closed_form(n: int, p: int, quick: bool) -> dict[str, Any]:
    X, y = make_data(n, p)
    functions: dict[str, Any] = {
        f"tinyreg {s}": (lambda s=s: Ridge(ALPHA, solver=s).fit(X, y)) for s in SOLVERS
    }
    if scipy_linalg is not None:
        functions["LAPACK floor"] = lambda: lapack_floor(X, y, ALPHA)
        functions["floor + finite check"] = lambda: lapack_floor_checked(X, y, ALPHA)
    if sklearn_linear is not None:
        functions["sklearn"] = lambda: sklearn_linear.Ridge(ALPHA).fit(X, y)
    budget, min_repeats = (0.4, 3) if quick else (12.0, 5)
    times, outputs, plan = C.time_interleaved(
        functions,
        min_repeats=min_repeats,
        budget=budget,
        cooldown=0.0 if quick else C.default_cooldown(),
    )
    timings = {name: C.stats(t) for name, t in times.items()}
    vectors = {name: _vector(out) for name, out in outputs.items()}
    entry: dict[str, Any] = {
        "n": n,
        "p": p,
        "form": "primal" if n >= p else "dual",
        "repeats": plan["repeats"],
        "calls_per_round": plan["number"],
        "seconds": timings,
        "solver_used": {f"tinyreg {s}": outputs[f"tinyreg {s}"].solver_ for s in SOLVERS},
        "ratio_to_floor": {},
        "ratio_to_sklearn": {},
        "rel_diff_vs_floor": {},
        "rel_diff_vs_sklearn": {},
    }
    for name in functions:
        for ref, key in (("LAPACK floor", "floor"), ("sklearn", "sklearn")):
            if ref in functions:
                entry[f"ratio_to_{key}"][name] = timings[name]["median"] / timings[ref]["median"]
                entry[f"rel_diff_vs_{key}"][name] = rel_diff(vectors[name], vectors[ref])
    return entry


def closed_form_table(entries: list[dict[str, Any]]) -> str:
    header = [
        "shape (n×p)",
        "implementation",
        "median",
        "min",
        "× floor",
        "× sklearn",
        "rel. diff vs floor",
        "rel. diff vs sklearn",
    ]
    rows = []
    names = [f"tinyreg {s}" for s in SOLVERS] + ["LAPACK floor", "floor + finite check", "sklearn"]
    for e in entries:
        for name in names:
            shape = f"{e['n']}×{e['p']} ({e['form']})"
            t = e["seconds"].get(name)
            if t is None:
                rows.append([shape, name, "not installed", "", "", "", "", ""])
                continue
            label = name
            if name.startswith("tinyreg") and e["solver_used"][name] != name.split()[1]:
                label += f" (→ {e['solver_used'][name]})"
            rows.append(
                [
                    shape,
                    label,
                    C.fmt_time(t["median"]),
                    C.fmt_time(t["min"]),
                    C.fmt_num(e["ratio_to_floor"].get(name), ".2f"),
                    C.fmt_num(e["ratio_to_sklearn"].get(name), ".2f"),
                    C.fmt_num(e["rel_diff_vs_floor"].get(name)),
                    C.fmt_num(e["rel_diff_vs_sklearn"].get(name)),
                ]
            )
    return C.table(header, rows, "llrrrrrr")


# ---------------------------------------------------------------------------
# Part 2: gradient training
# ---------------------------------------------------------------------------


def training_methods(L: float, kappa: float) -> dict[str, tuple[type, dict[str, Any]]]:
    momentum = (math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)
    return {
        "SGD": (optim.SGD, {"lr": 1.0 / L}),
        "SGD + Nesterov": (optim.SGD, {"lr": 1.0 / L, "momentum": momentum, "nesterov": True}),
        "Adam lr=0.1": (optim.Adam, {"lr": 0.1}),
        "Adam lr=0.01": (optim.Adam, {"lr": 0.01}),
    }


def bench_training(
    n: int, p: int, quick: bool, closed_form_seconds: float | None
) -> dict[str, Any]:
    X, y = make_data(n, p)
    ref = Ridge(ALPHA).fit(X, y)
    w_star, w_norm = ref.coef_, float(np.linalg.norm(ref.coef_))
    L, mu = C.hessian_bounds(X, ALPHA / n)
    kappa = L / mu
    Xc = X - X.mean(axis=0)
    L_centred = float(np.linalg.eigvalsh(Xc.T @ Xc / n)[-1]) + ALPHA / n  # for the record
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    max_iter = 2000 if quick else 5000
    repeats = 1 if quick else 3
    methods = training_methods(L, kappa)

    def run(name: str) -> dict[str, Any]:
        cls, options = methods[name]
        tinyreg.manual_seed(0)  # the same starting point for every method and repeat
        model = nn.Linear(p, 1)
        opt = cls(model.parameters(), penalty=penalties.L2(ALPHA / n), **options)
        step = C.linear_model_step(model, opt, Xt, yt)
        weight = model.weight.data

        def error() -> float:
            return float(np.linalg.norm(weight[0] - w_star)) / w_norm

        result = C.train(step, error, tol=TOL, max_iter=max_iter)
        result["intercept_error"] = abs(float(model.bias.data[0]) - ref.intercept_)
        return result

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in [*methods, NEWTON]}
    for _ in range(repeats):  # interleaved: one run of every method per round
        for name in methods:
            runs[name].append(run(name))
        runs[NEWTON].append(newton_cg_run(X, y, w_star, ref))
    out: dict[str, Any] = {
        "n": n,
        "p": p,
        "L": L,
        "L_centred": L_centred,
        "mu": mu,
        "kappa": kappa,
        "max_iter": max_iter,
        "closed_form_seconds": closed_form_seconds,
        "methods": {},
    }
    for name, results in runs.items():
        first = results[0]
        seconds = C.stats([r["seconds"] for r in results])
        optimizer, options = methods.get(name, ("tinyreg.func.hvp", {}))
        if name == NEWTON:
            options = {"CG iterations": first["cg_iterations"]}
        out["methods"][name] = {
            "optimizer": getattr(optimizer, "__name__", optimizer),
            "options": options,
            "iterations": first["iterations"],
            "reached": first["reached"],
            "seconds": seconds,
            "seconds_per_iteration": seconds["median"] / max(first["iterations"], 1),
            "final_error": first["final"],
            "best_error": first["best"],
            "intercept_error": first["intercept_error"],
            "curve": first["curve"],
        }
    return out


def conjugate_gradient(
    matvec: Any, b: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, int]:
    """Solve A x = b (A symmetric positive definite, given as x ↦ Ax) to ‖Ax − b‖ ≤ tol·‖b‖."""
    x, r = np.zeros_like(b), b.copy()
    d, rr = r.copy(), float(r @ r)
    for it in range(max_iter):
        if math.sqrt(rr) <= tol * float(np.linalg.norm(b)):
            return x, it
        ad = matvec(d)
        step = rr / float(d @ ad)
        x += step * d
        r -= step * ad
        rr, previous = float(r @ r), rr
        d = r + (rr / previous) * d
    return x, max_iter


def newton_cg_run(X: np.ndarray, y: np.ndarray, w_star: np.ndarray, ref: Any) -> dict[str, Any]:
    """One Newton step from 0: gradient by tinyreg.func.grad, H·v by tinyreg.func.hvp, CG.

    The objective, in θ = (w, b), is (1/(2n))‖y − Xw − b‖² + (α/(2n))‖w‖², a
    quadratic: one exact Newton step from anywhere lands on its minimiser,
    the closed form. CG stops at a relative residual of 1e-12.
    """
    from tinyreg import func
    from tinyreg import functional as F

    n, p = X.shape
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y)

    def objective(theta: Any) -> Any:
        return 0.5 * F.mse_loss(Xt @ theta[:p] + theta[p], yt) + penalties.L2(ALPHA / n)(theta[:p])

    start = time.perf_counter()
    theta = np.zeros(p + 1)
    gradient = func.grad(objective)(theta).data
    step, cg_iterations = conjugate_gradient(
        lambda v: func.hvp(objective, theta, v)[1].data, gradient, 1e-12, 10 * (p + 1)
    )
    theta = theta - step
    seconds = time.perf_counter() - start
    error = float(np.linalg.norm(theta[:p] - w_star)) / float(np.linalg.norm(w_star))
    return {
        "iterations": 1,
        "cg_iterations": cg_iterations,
        "reached": error <= TOL,
        "seconds": seconds,
        "final": error,
        "best": error,
        "curve": [(0, 1.0), (1, error)],
        "intercept_error": abs(float(theta[p]) - ref.intercept_),
    }


def training_table(entries: list[dict[str, Any]]) -> str:
    header = [
        "shape (n×p)",
        "method",
        "settings",
        "iterations to 1e-6",
        "median",
        "min",
        "µs / iter",
        "× closed form",
        "final ‖w − w*‖/‖w*‖",
    ]
    rows = []
    for e in entries:
        shape = f"{e['n']}×{e['p']} (κ = {e['kappa']:.2f})"
        for name, m in e["methods"].items():
            settings = ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in m["options"].items()
            )
            its = str(m["iterations"]) if m["reached"] else f"not reached ({m['iterations']})"
            rows.append(
                [
                    shape,
                    name,
                    settings,
                    its,
                    C.fmt_time(m["seconds"]["median"]),
                    C.fmt_time(m["seconds"]["min"]),
                    f"{m['seconds_per_iteration'] * 1e6:.0f}",
                    C.fmt_num(
                        m["seconds"]["median"] / e["closed_form_seconds"]
                        if e["closed_form_seconds"]
                        else None,
                        ".3g",
                    ),
                    C.fmt_num(m["final_error"]),
                ]
            )
    return C.table(header, rows, "lllrrrrrr")


# ---------------------------------------------------------------------------
# Part 3: the triangular solves inside the Cholesky route
# ---------------------------------------------------------------------------


def bench_triangular(quick: bool, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """One SPD solve A·x = b (A = XᵀX/n + I, X Gaussian with 2p rows), four ways.

    numpy has no triangular solver. ``tinyreg blocked`` is what ridge runs
    (``_cholesky_solve``: Cholesky, then ``_forward_substitution_blocked``
    twice); ``row by row`` replaces the speed path by the readable
    ``_forward_substitution``; ``np.linalg.solve(L) × 2`` treats the factors
    as general matrices; ``LU`` is ``np.linalg.solve(A)``, which does not
    certify positive definiteness (the reason ridge keeps Cholesky).
    """
    from tinyreg.linear import linalg

    def cholesky_with(substitute: Any) -> Any:
        def solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
            L = np.linalg.cholesky(A)
            z = substitute(L, b)
            return substitute(np.ascontiguousarray(L.T[::-1, ::-1]), z[::-1])[::-1]

        return solve

    entries = []
    for p in sizes:
        C.progress(f"triangular solves, p = {p}")
        rng = np.random.default_rng(p)
        X = rng.standard_normal((2 * p, p))
        A, b = X.T @ X / (2 * p) + np.eye(p), rng.standard_normal(p)
        functions = {
            "tinyreg blocked": lambda A=A, b=b: linalg._cholesky_solve(A, b),
            "row by row": lambda A=A, b=b: cholesky_with(linalg._forward_substitution)(A, b),
            "np.linalg.solve(L) × 2": lambda A=A, b=b: cholesky_with(np.linalg.solve)(A, b),
            "LU: np.linalg.solve(A)": lambda A=A, b=b: np.linalg.solve(A, b),
        }
        times, outputs, _ = C.time_interleaved(
            functions, min_repeats=3, budget=0.3 if quick else 5.0, max_repeats=15
        )
        reference = outputs["LU: np.linalg.solve(A)"]
        entries.append(
            {
                "p": p,
                "seconds": {name: C.stats(t) for name, t in times.items()},
                "rel_diff_vs_lu": {name: rel_diff(x, reference) for name, x in outputs.items()},
            }
        )
    return entries


def triangular_table(entries: list[dict[str, Any]]) -> str:
    names = list(entries[0]["seconds"])
    rows = [
        [str(e["p"])]
        + [
            f"{C.fmt_time(e['seconds'][name]['median'])} "
            f"({e['seconds'][name]['median'] / e['seconds']['tinyreg blocked']['median']:.2f}×)"
            for name in names
        ]
        for e in entries
    ]
    return C.table(["p", *names], rows, "r" * (len(names) + 1))


# ---------------------------------------------------------------------------
# Targets and main
# ---------------------------------------------------------------------------


def evaluate_targets(entries: list[dict[str, Any]]) -> dict[str, Any]:
    by_shape = {(e["n"], e["p"]): e for e in entries}
    targets: dict[str, Any] = {}
    tall = [e for e in entries if e["n"] >= 20 * e["p"] and e["n"] >= 10_000]
    if tall and "LAPACK floor" in tall[0]["seconds"]:
        ratios = {
            f"{e['n']}x{e['p']}": {
                "median": e["ratio_to_floor"]["tinyreg auto"],
                "min": e["seconds"]["tinyreg auto"]["min"] / e["seconds"]["LAPACK floor"]["min"],
            }
            for e in tall
        }
        targets["closed_form_within_1.1x_of_floor_at_n>>p"] = {
            "ratios": ratios,
            "met": all(r["median"] <= 1.1 for r in ratios.values()),
        }
    small = by_shape.get((1000, 10))
    if small and "sklearn" in small["seconds"]:
        ratio = small["ratio_to_sklearn"]["tinyreg auto"]
        targets["at_most_half_sklearn_time_at_1000x10"] = {"ratio": ratio, "met": ratio <= 0.5}
    if sklearn_linear is not None:
        worst = max(e["rel_diff_vs_sklearn"][f"tinyreg {s}"] for e in entries for s in SOLVERS)
        targets["agrees_with_sklearn_to_1e-9"] = {"max_rel_diff": worst, "met": worst <= 1e-9}
    return targets


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = C.make_parser(__doc__.split("\n")[0], quick=QUICK, shape=True)
    args = parser.parse_args(argv)
    code = C.reexec_with_threads(args.threads, __file__, argv)
    if code is not None:
        return code

    C.announce(args)
    info = C.machine_info()
    print(f"# Ridge benchmark (alpha = {ALPHA})\n\nMachine: {C.machine_line(info)}\n")
    note = C.busy_note(info)
    if note:
        print(note + "\n")
    shapes = C.shapes(args, QUICK_SHAPES if args.quick else SHAPES)
    entries = []
    for n, p in shapes:
        C.progress(f"closed form at {n}×{p}")
        entries.append(bench_closed_form(n, p, args.quick))
    missing = [
        name
        for name, mod in (("scipy", scipy_linalg), ("scikit-learn", sklearn_linear))
        if mod is None
    ]
    print("## Closed form: seconds per fit (median and min over interleaved rounds)\n")
    if missing:
        print(f"({' and '.join(missing)} not installed: those columns are empty)\n")
    print(closed_form_table(entries))
    print(
        "\nrel. diff = max|Δ(coef_, intercept_)| / max|reference|; rounds per shape: "
        + ", ".join(f"{e['n']}×{e['p']}: {e['repeats']}" for e in entries)
    )

    train_shapes = C.shapes(args, QUICK_TRAIN_SHAPES if args.quick else TRAIN_SHAPES)
    closed = {(e["n"], e["p"]): e["seconds"]["tinyreg auto"]["median"] for e in entries}
    training = []
    for n, p in train_shapes:
        C.progress(f"gradient training at {n}×{p}")
        training.append(bench_training(n, p, args.quick, closed.get((n, p))))
    print(
        f"\n## Gradient training to ‖w − w*‖/‖w*‖ ≤ {TOL:g} (nn.Linear + tinyreg.optim, "
        f"L2(alpha/n), full batch)\n"
    )
    print(training_table(training))
    print(
        "\nL, κ: largest eigenvalue and condition number of the objective's Hessian in (w, b) "
        "("
        + "; ".join(
            f"{e['n']}×{e['p']}: L = {e['L']:.4f}, λ_max(XcᵀXc/n) + α/n = {e['L_centred']:.4f}"
            for e in training
        )
        + "). × closed form: training time / tinyreg Ridge(solver='auto') time."
    )

    plots = []
    if args.plot:
        for e in training:
            path = Path(args.plot) / f"ridge_convergence_{e['n']}x{e['p']}.png"
            curves = {name: m["curve"] for name, m in e["methods"].items()}
            title = f"Ridge by gradient training, {e['n']}×{e['p']} (κ = {e['kappa']:.2f})"
            if C.plot_curves(path, title, curves, "‖w − w*‖ / ‖w*‖", TOL):
                plots.append(str(path))
        print("\nPlots: " + (", ".join(plots) if plots else "skipped (matplotlib not installed)"))

    triangular_p = QUICK_TRIANGULAR_P if args.quick else TRIANGULAR_P
    if args.shape:
        triangular_p = (args.shape[1],)
    triangular = bench_triangular(args.quick, triangular_p)
    print("\n## Triangular solves: one SPD system A·x = b, p×p, median seconds (× blocked)\n")
    print(triangular_table(triangular))
    worst = max(d for e in triangular for d in e["rel_diff_vs_lu"].values())
    print(f"\nlargest rel. diff of any solution vs LU: {worst:.1e}")

    targets = evaluate_targets(entries)
    C.print_targets(targets, info)

    if args.json:
        C.write_json(
            args.json,
            {
                "benchmark": "ridge",
                "machine": info,
                "settings": {
                    "alpha": ALPHA,
                    "tol": TOL,
                    "quick": args.quick,
                    "shape": args.shape,
                },
                "closed_form": entries,
                "training": training,
                "triangular": triangular,
                "targets": targets,
                "plots": plots,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
