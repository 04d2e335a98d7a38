"""The elastic net and the lasso, scikit-learn's estimators and regularization paths.

The objective, its duality gap and the reference solvers (coordinate
descent, FISTA) are in ``enet_solvers.py``; the fast paths in
``homotopy.py`` (the exact homotopy), ``working_set.py`` (working-set
coordinate descent with extrapolation) and ``dual_newton.py`` (Newton steps
on the dual, with an L2 part). This module chooses between them
(:func:`_auto_solver`) and speaks scikit-learn's API.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.linear.base import _check_fit_intercept, _MomentsModel
from tinyreg.linear.dual_newton import _enet_dual_newton
from tinyreg.linear.enet_solvers import (
    _enet_coordinate_descent,
    _enet_fista,
    _GramForm,
    _make_form,
    _make_gram_form,
    _ResidualForm,
    _use_gram,
)
from tinyreg.linear.homotopy import _enet_homotopy, _enet_path_homotopy
from tinyreg.linear.working_set import _enet_working_set
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_in_range,
    check_int,
    check_nonnegative,
    check_positive,
    check_X_y,
)

_ENET_SOLVERS = {
    "homotopy": _enet_homotopy,
    "cd": _enet_coordinate_descent,
    "fista": _enet_fista,
    "ws": _enet_working_set,
    "dual": _enet_dual_newton,
}
_SOLVER_CHOICES = ("auto", *_ENET_SOLVERS)

# "auto" takes the working sets when n_samples ≥ this fraction of n_features, or when the
# L2 part is at least the L1 part (l2 ≥ l1, l1_ratio ≤ 0.5) -- then, with fewer samples than
# features, the Newton steps on the dual ...
_WS_FROM = 0.8
# ... and there are at least this many features.
_WS_MIN_FEATURES = 50


def _auto_solver(n_samples: int, n_features: int, l1: float, l2: float = 0.0) -> str:
    """The solver ``solver="auto"`` runs: the route rule.

    No L1 part (l1 = 0): coordinate descent (there is no path to follow).
    Otherwise, with p ≥ 50: the working sets when n ≥ 0.8·p; when l2 ≥ l1,
    the Newton steps on the dual at n < 0.8·p; the homotopy in the other
    cases. Why: the homotopy's cost grows with the knots of its path, and
    so with the active features; for the lasso at p ≫ n there are at most
    n of them, while coordinate descent slows down as the support
    approaches n (its Gram block is then nearly singular). An L2 part at
    least as large as the L1 part lets the support pass n (a long path);
    the dual's Newton systems, I + X_AX_Aᵀ/l2, are then at most n × n
    whatever the support, and one step lands on the minimiser once the
    active set is right. With fewer than 50 features the path is a handful
    of knots, which the homotopy walks exactly in less time than the others
    take to certify theirs. benchmarks/README.md has the measurements.
    """
    if l1 == 0:
        return "cd"
    if n_features < _WS_MIN_FEATURES:
        return "homotopy"
    if n_samples >= _WS_FROM * n_features:
        return "ws"
    return "dual" if l2 >= l1 else "homotopy"


class ElasticNet(_MomentsModel):
    """Elastic net: minimise over (w, b)

        (1/(2n))·Σ sᵢ(yᵢ − xᵢᵀw − b)² + alpha·l1_ratio·‖w‖₁ + (alpha·(1 − l1_ratio)/2)·‖w‖²

    (scikit-learn's objective; sample weights s, if given, are rescaled to
    sum to n, and sᵢ = 1 otherwise), subject to w ≥ 0 when ``positive``.
    l1_ratio = 1 is the lasso, l1_ratio = 0 ridge with ``Ridge(alpha·n)``.

    Solvers (``solver=``), all stopping on the same duality-gap test and
    reaching the same minimiser:

    * ``"auto"`` (default): with n_features ≥ 50, ``"ws"`` when
      n_samples ≥ 0.8·n_features, else ``"dual"`` when l1_ratio ≤ 0.5;
      ``"homotopy"`` otherwise (``"cd"`` without an L1 part).
    * ``"homotopy"``: follows the exact, piecewise-linear
      solution path from alpha_max down to alpha, knot by knot, tracking
      only the features likely to become active and checking the whole
      problem once per stretch (``tinyreg.linear.homotopy``). Its result
      is exact up to rounding; ``n_iter_`` and ``max_iter`` count passes
      over the data (full optimality checks). Without an L1 part
      (alpha·l1_ratio = 0) there is no path, and it runs ``"cd"``.
    * ``"ws"``: working sets: small sets of features ranked by how far
      they are from their optimality conditions, each solved by
      active-set Newton steps (one linear solve on the guessed active set
      and signs), with coordinate descent and Anderson extrapolation where
      a step does not lower the objective, growing until the duality gap
      of the whole problem certifies the result
      (``tinyreg.linear.working_set``). ``n_iter_`` counts passes over the
      data (outer iterations), as ``max_iter`` does.
    * ``"dual"``: semismooth Newton steps on the dual, a smooth problem in
      the n residuals when l1_ratio < 1: each step one linear solve of
      size min(n, active features) and an exact line search
      (``tinyreg.linear.dual_newton``). ``n_iter_`` and ``max_iter`` count
      the steps, each one or two passes over the data. For the lasso
      (l1_ratio = 1), or data seen in chunks, it runs ``"ws"``.
    * ``"cd"``: cyclic coordinate descent, scikit-learn's algorithm with
      the same iterates; the readable reference. ``n_iter_`` counts sweeps.
      It keeps XᵀX when n ≥ p and the residual y − Xw otherwise.
    * ``"fista"``: accelerated proximal gradient with step 1/L,
      L = ‖X‖₂²/n + alpha·(1 − l1_ratio). ``max_iter`` counts iterations.

    Stopping rule (scikit-learn's): with ``tol``, converged when the
    duality gap of the objective above is at most ``tol·‖yc‖²/n`` (yc the
    centred, weighted y). Reaching ``max_iter`` first gives a
    :class:`ConvergenceWarning` with the gap reached.

    ``warm_start=True`` starts from the previous ``coef_`` (if its shape
    fits); for the homotopy, a previous solution is a point of the path
    from which it continues.

    ``partial_fit(X, y, sample_weight)`` learns from data in chunks, and
    ``fit`` accepts dask arrays (see :class:`~tinyreg.linear.base._MomentsModel`).
    Both solve from the moments of all the data seen: XᵀX, Xᵀy and yᵀy are
    all that the solvers and the duality gap need (the Gram form). A single
    in-memory chunk with fewer rows than features is solved from its rows
    (the residual form). Each call starts from zero, as ``fit`` does (from
    the previous ``coef_`` with ``warm_start=True``).

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_``, ``n_iter_`` (a list for 2-D y), ``dual_gap_`` (duality
    gap of the objective above at the solution; an array for 2-D y),
    ``n_features_in_``, ``moments_`` (the :class:`Moments` of the data seen).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        solver: str = "auto",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        check_choice("warm_start", params["warm_start"], (True, False))
        check_choice("positive", params["positive"], (True, False))
        return {
            **params,
            "alpha": check_nonnegative("alpha", params["alpha"]),
            # Lasso has no l1_ratio parameter; it is fixed to 1 there.
            "l1_ratio": check_in_range("l1_ratio", params.get("l1_ratio", 1.0), 0.0, 1.0),
            "max_iter": check_int("max_iter", params["max_iter"]),
            "tol": check_positive("tol", params["tol"]),
            "solver": check_choice("solver", params["solver"], _SOLVER_CHOICES),
        }

    def _fit_summary(self, moments, chunk, params):
        summary = moments if moments is not None else chunk
        assert summary is not None
        p, n_targets = summary.n_features, summary.n_targets
        # The objective with weights s rescaled to sum to n, multiplied by n, is
        # ½·Σ sᵢ(yᵢ − xᵢᵀw − b)²·(n/W) + n·(penalty); dividing by n/W leaves the
        # raw weights and W in place of n.
        W = summary.weight_sum
        l1 = W * params["alpha"] * params["l1_ratio"]
        l2 = W * params["alpha"] * (1.0 - params["l1_ratio"])
        coef = np.zeros((n_targets, p))
        previous = getattr(self, "coef_", None)
        if params["warm_start"] and previous is not None and previous.size == coef.size:
            coef = np.array(previous, dtype=np.float64).reshape(n_targets, p)

        solver = params["solver"]
        if solver == "auto":
            solver = _auto_solver(summary.n_samples, p, l1, l2)
        elif solver == "homotopy" and l1 == 0:
            solver = "cd"  # no L1 part: no path to follow
        if moments is not None:  # n ≥ p, or data seen in several chunks: the Gram form
            Q, q, yy = moments.normal_equations(params["fit_intercept"])
        else:  # one chunk with n < p: the residual form on its rows
            Xr, Yr = chunk.rows(params["fit_intercept"])
        gaps, n_iters = np.empty(n_targets), []
        for k in range(n_targets):
            form: _GramForm | _ResidualForm
            if moments is not None:
                form = _make_gram_form(Q, q[:, k], yy[k], coef[k])
            else:
                form = _make_form(Xr, Yr[:, k], coef[k], None)
            coef[k], gap, n_iter = _ENET_SOLVERS[solver](
                form, l1, l2, params["max_iter"], params["tol"], params["positive"]
            )
            gaps[k] = gap / W  # back to the objective's own (1/(2n)) scale
            n_iters.append(n_iter)
        if n_targets == 1:
            return coef, {"n_iter_": n_iters[0], "dual_gap_": float(gaps[0])}
        return coef, {"n_iter_": n_iters, "dual_gap_": gaps}


class Lasso(ElasticNet):
    """Lasso: minimise (1/(2n))·Σ sᵢ(yᵢ − xᵢᵀw − b)² + alpha·‖w‖₁ (w ≥ 0 if ``positive``).

    The elastic net with ``l1_ratio = 1`` (see :class:`ElasticNet` for the
    solvers, the stopping rule, ``warm_start`` and the attributes).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        solver: str = "auto",
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            solver=solver,
        )


# ---------------------------------------------------------------------------
# Regularization paths
# ---------------------------------------------------------------------------


def enet_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
    solver: str = "homotopy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elastic net solutions along a decreasing grid of alphas (scikit-learn's ``enet_path``).

    Each point minimises (1/(2n))‖y − Xw‖² + alpha·l1_ratio‖w‖₁ +
    (alpha(1 − l1_ratio)/2)‖w‖² (subject to w ≥ 0 if ``positive``), started
    from the previous solution. **No intercept is fitted and the data are
    not centred**, as in scikit-learn's path functions: centre X and y
    first if you want an intercept (that is what the estimators do).

    ``solver="homotopy"`` (default) follows the exact solution path from
    grid point to grid point; ``"cd"`` runs the reference coordinate
    descent at each point, warm-started (as does the homotopy when
    l1_ratio = 0). Both stop on the duality gap at ``tol``.

    The default grid is scikit-learn's: ``n_alphas`` values spaced
    geometrically from alpha_max = max|Xᵀy| / (n·l1_ratio) (max(Xᵀy) when
    ``positive``), the smallest alpha whose solution is w = 0, down to
    ``eps·alpha_max``. Given ``alphas`` (a sequence; or an int,
    scikit-learn ≥ 1.7's way of asking for that many grid points) are
    sorted in decreasing order.

    Returns ``(alphas, coefs, dual_gaps)`` of shapes (n_alphas,),
    (n_features, n_alphas), (n_alphas,); the gaps are on the objective above.
    ``y`` must be 1-D (scikit-learn's multi-task path is not provided).
    """
    X, y, _ = check_X_y(X, y)
    if y.ndim != 1:
        raise ValueError(f"enet_path needs a 1-D y, got shape {y.shape}")
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    l1_ratio = check_in_range("l1_ratio", l1_ratio, 0.0, 1.0)
    max_iter = check_int("max_iter", max_iter)
    tol = check_positive("tol", tol)
    check_choice("positive", positive, (True, False))
    check_choice("solver", solver, ("homotopy", "cd"))
    n, p = X.shape

    grid = _alpha_grid(X.T @ y, n, l1_ratio, eps, n_alphas, alphas, positive)
    gram = X.T @ X if _use_gram(n, p) and not _follows_path(solver, l1_ratio, grid) else None
    coefs, gaps = _path_on_form(
        _make_form(X, y, np.zeros(p), gram), n, grid, l1_ratio, max_iter, tol, positive, solver
    )
    return grid, coefs, gaps


def _follows_path(solver: str, l1_ratio: float, grid: np.ndarray) -> bool:
    """Whether the homotopy runs the path: it needs an L1 part at every grid point."""
    return solver == "homotopy" and l1_ratio > 0 and bool(np.all(grid > 0))


def _path_on_form(
    form: _GramForm | _ResidualForm,
    n: float,
    grid: np.ndarray,
    l1_ratio: float,
    max_iter: int,
    tol: float,
    positive: bool,
    solver: str,
) -> tuple[np.ndarray, np.ndarray]:
    """``(coefs, gaps)`` of :func:`enet_path` at the decreasing ``grid``, on ``form`` (w = 0).

    ``n`` is the number of samples (the weight sum W with sample weights):
    the objective times n has l1 = n·alpha·l1_ratio and l2 = n·alpha·(1 − l1_ratio),
    and the returned gaps are divided by n, back on the (1/(2n)) scale.
    Only the Gram statistics are read when ``form`` is a :class:`_GramForm`,
    which is what lets cross-validation run every fold's path from moments.
    """
    l1s, l2s = n * grid * l1_ratio, n * grid * (1.0 - l1_ratio)
    p = form.w.size
    if _follows_path(solver, l1_ratio, grid):
        coefs, gaps = _enet_path_homotopy(form, l1s, l2s, max_iter, tol, positive)
        return coefs, gaps / n
    coefs = np.empty((p, grid.size))
    gaps = np.empty(grid.size)
    for i, (l1, l2) in enumerate(zip(l1s, l2s, strict=True)):
        w, gap, _ = _enet_coordinate_descent(form, l1, l2, max_iter, tol, positive)  # warm: form.w
        coefs[:, i], gaps[i] = w, gap / n
    return coefs, gaps


def _alpha_grid(
    Xy: np.ndarray,
    n: float,
    l1_ratio: float,
    eps: float,
    n_alphas: int,
    alphas: ArrayLike | int | None,
    positive: bool,
) -> np.ndarray:
    """The decreasing grid of ``enet_path`` (see its docstring), its arguments checked.

    ``Xy`` is Xᵀy (p,) and ``n`` the number of samples. alpha_max =
    max|Xᵀy| / (n·l1_ratio) (max(Xᵀy) if ``positive``) is the smallest
    alpha whose solution is w = 0; when it is below float64's resolution,
    y is orthogonal to every column and the grid is that resolution throughout.
    """
    if alphas is not None and not isinstance(alphas, (int, np.integer)):
        values = check_finite_array("alphas", alphas, ndim=1)
        return np.sort([check_nonnegative(f"alphas[{i}]", a) for i, a in enumerate(values)])[::-1]
    n_alphas = check_int("n_alphas", n_alphas) if alphas is None else check_int("alphas", alphas)
    eps = check_positive("eps", eps)
    if l1_ratio == 0:
        raise ValueError("the automatic alpha grid needs l1_ratio > 0; pass alphas=")
    top = max(float(np.max(Xy, initial=0.0)), 0.0) if positive else np.max(np.abs(Xy), initial=0.0)
    alpha_max = float(top) / (n * l1_ratio)
    resolution = float(np.finfo(np.float64).resolution)
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def lasso_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
    solver: str = "homotopy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lasso solutions along a decreasing grid of alphas: ``enet_path`` with l1_ratio = 1.

    Minimises (1/(2n))‖y − Xw‖² + alpha·‖w‖₁ at each alpha (w ≥ 0 if
    ``positive``), without an intercept (see :func:`enet_path` for the
    grid, the solvers, warm starts and shapes).
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        max_iter=max_iter,
        tol=tol,
        positive=positive,
        solver=solver,
    )
