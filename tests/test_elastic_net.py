"""linear/elastic_net.py: Lasso, ElasticNet and their paths, certified by the duality gap.

The fits are checked against a hand-solved toy problem, the KKT conditions,
and a duality gap computed independently from augmented data; two fits of
the same objective are as close as their gaps allow. Comparisons with
scikit-learn are skipped when it is not installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _linear_reference import (
    assert_certified_close,
    assert_same_minimiser,
    centre,
    gap_from_definition,
    gap_rounding,
    gaussian_problem,
    independent_duality_gap,
    kkt_violation,
    positive_kkt_violation,
    regression_data,
    rounding,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso, Ridge, enet_path, lasso_path

# ---------------------------------------------------------------------------
# Lasso and ElasticNet: optimality and the duality gap
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista", "ws", "dual"])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.3, 0.5, 2 / 3, 0.9, 2.0])
def test_lasso_toy_problem(solver, alpha):
    """w* = max(0, 1 − 1.5·alpha). With one column, P(w) − P* ≥ ½‖X‖²(w − w*)² ≤ gap."""
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    model = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, solver=solver).fit(X, y)
    bound = np.sqrt(2 * (3 * max(model.dual_gap_, 0.0) + gap_rounding(y)) / 2.0)  # ‖X‖² = 2
    assert model.coef_ == pytest.approx([max(0.0, 1 - 1.5 * alpha)], abs=bound)
    assert model.intercept_ == 0.0


@pytest.mark.parametrize("tol", [1e-8, 1e-12])
@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista", "ws", "dual"])
@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    shape=st.sampled_from([(40, 8), (15, 30), (60, 3)]),
    fraction=st.floats(0.02, 0.9),
    l1_ratio=st.sampled_from([1.0, 0.7, 0.2]),
)
def test_enet_kkt_conditions_and_duality_gap(tol, solver, seed, shape, fraction, l1_ratio):
    """The solution satisfies the KKT conditions to within what the gap allows.

    If coordinate j violated its condition by v, one exact step on w_j alone
    (that does not cross zero) would lower the objective by v²/(2·L_j), with
    L_j = ‖X_j‖²/n + alpha·(1 − l1_ratio); that decrease is at most the gap,
    so v ≤ √(2·L_j·gap).
    """
    X, y = gaussian_problem(seed, *shape)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    alpha = fraction * np.abs(Xc.T @ yc).max() / (n * l1_ratio)
    model = ElasticNet(alpha, l1_ratio=l1_ratio, tol=tol, max_iter=100000, solver=solver)
    model.fit(X, y)
    w = model.coef_

    gap = independent_duality_gap(Xc, yc, w, alpha, l1_ratio)
    rounding = gap_rounding(yc) / n
    assert -rounding <= gap <= tol * (yc @ yc) / n + rounding
    assert model.dual_gap_ == pytest.approx(gap, abs=rounding)

    L_max = (Xc**2).sum(axis=0).max() / n + alpha * (1 - l1_ratio)
    assert kkt_violation(Xc, yc, w, alpha, l1_ratio) <= np.sqrt(2 * L_max * (gap + rounding))
    assert model.intercept_ == pytest.approx(y.mean() - X.mean(axis=0) @ w)


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista", "ws", "dual"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 0.8])
def test_reported_dual_gap_is_the_gap_of_the_fit(solver, l1_ratio):
    """dual_gap_ is the gap of (coef_, intercept_) by its definition, also when stopped early.

    A loose tol (and, for cd and fista, a max_iter of 3) leaves a gap far from
    zero, where every term of it shows.
    """
    X, y = gaussian_problem(12, 40, 15, n_informative=6)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    model = ElasticNet(0.05, l1_ratio=l1_ratio, tol=1e-2, solver=solver)
    if solver != "homotopy":
        model.set_params(max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    l1, l2 = n * 0.05 * l1_ratio, n * 0.05 * (1 - l1_ratio)
    expected = gap_from_definition(Xc, yc, model.coef_, l1, l2) / n
    assert model.dual_gap_ == pytest.approx(expected, abs=rounding(yc) / n)
    if l1_ratio > 0:
        assert expected == pytest.approx(
            independent_duality_gap(Xc, yc, model.coef_, 0.05, l1_ratio)
        )


def enet_objective(X, y, w, b, alpha, l1_ratio):
    """scikit-learn's elastic net objective, unweighted."""
    r = y - X @ w - b
    return (
        r @ r / (2 * len(y))
        + alpha * l1_ratio * np.abs(w).sum()
        + alpha * (1 - l1_ratio) / 2 * (w @ w)
    )


@pytest.mark.parametrize("solver", ["homotopy", "cd", "ws", "dual"])
@pytest.mark.parametrize("tol", [1e-2, 1e-4])
def test_reported_gap_bounds_the_suboptimality(tol, solver):
    """(Coordinate descent stops early at a loose tol; the homotopy's result is exact anyway.)"""
    X, y = gaussian_problem(7, 50, 20, n_informative=8)
    yc = y - y.mean()
    alpha = 0.05
    loose = Lasso(alpha, tol=tol, solver=solver).fit(X, y)
    exact = Lasso(alpha, tol=1e-14, max_iter=100000).fit(X, y)
    excess = enet_objective(X, y, loose.coef_, loose.intercept_, alpha, 1.0) - enet_objective(
        X, y, exact.coef_, exact.intercept_, alpha, 1.0
    )
    rounding = gap_rounding(yc) / len(y)  # the objectives and gaps are on the (1/(2n)) scale
    assert -rounding - exact.dual_gap_ <= excess <= loose.dual_gap_ + rounding
    assert loose.dual_gap_ <= tol * (yc @ yc) / len(y)


def test_alpha_max_gives_zeros_and_just_below_gives_a_nonzero():
    X, y = gaussian_problem(1, 30, 6)
    Xc, yc, _ = centre(X, y)
    alpha_max = np.abs(Xc.T @ yc).max() / len(y)
    for solver in ("homotopy", "cd", "fista", "ws", "dual"):
        at_max = Lasso(alpha=alpha_max, solver=solver).fit(X, y)
        assert np.all(at_max.coef_ == 0)
        assert at_max.intercept_ == pytest.approx(y.mean())
        assert at_max.n_iter_ == 0  # w = 0 is certified optimal before any sweep
        above = Lasso(alpha=2 * alpha_max, solver=solver).fit(X, y)
        assert np.all(above.coef_ == 0)
        below = Lasso(alpha=0.99 * alpha_max, tol=1e-10, solver=solver).fit(X, y)
        assert np.count_nonzero(below.coef_) == 1
    enet_max = alpha_max / 0.5
    assert np.all(ElasticNet(enet_max, l1_ratio=0.5).fit(X, y).coef_ == 0)
    assert np.any(ElasticNet(0.99 * enet_max, l1_ratio=0.5, tol=1e-10).fit(X, y).coef_ != 0)


@settings(max_examples=20, deadline=None)
@given(regression_data(max_n=10, max_p=10), st.floats(0.1, 10.0))
def test_elastic_net_with_l1_ratio_zero_is_ridge(data, alpha):
    """ElasticNet(alpha/n, l1_ratio=0) is Ridge(alpha): l2 = alpha on the n-scaled objective.

    So ‖w − w_ridge‖ ≤ √(2·gap/alpha) (strong convexity), plus ridge's own
    rounding: its system XᵀX + alpha·I has condition number below
    1 + 100/alpha ≤ 1001 here (entries in [−1, 1], at most 10×10), so its
    solution is good to well below 1e-10 of its size.
    """
    X, y = data
    n = len(y)
    enet = ElasticNet(alpha=alpha / n, l1_ratio=0.0, tol=1e-14, max_iter=100000).fit(X, y)
    ridge = Ridge(alpha=alpha).fit(X, y)
    _, yc, _ = centre(X, y)
    radius = np.sqrt(2 * (n * max(enet.dual_gap_, 0.0) + gap_rounding(yc)) / alpha)
    scale = np.abs(ridge.coef_).max(initial=0.0)
    assert np.linalg.norm(enet.coef_ - ridge.coef_) <= radius + 1e-10 * scale
    x_mean = X.mean(axis=0)
    assert abs(enet.intercept_ - ridge.intercept_) <= np.linalg.norm(x_mean) * (
        radius + 1e-10 * scale
    ) + 1e-13 * abs(ridge.intercept_)


def test_enet_2d_y_fits_each_target():
    X, y = gaussian_problem(2, 40, 6)
    Y = np.column_stack([y, -y + 1])
    model = ElasticNet(alpha=0.1, l1_ratio=0.6, tol=1e-10).fit(X, Y)
    assert model.coef_.shape == (2, 6)
    assert len(model.n_iter_) == 2 and model.dual_gap_.shape == (2,)
    for k in range(2):
        single = ElasticNet(alpha=0.1, l1_ratio=0.6, tol=1e-10).fit(X, Y[:, k])
        one = ElasticNet(alpha=0.1, l1_ratio=0.6)
        one.coef_, one.intercept_ = model.coef_[k], model.intercept_[k]
        assert_same_minimiser(X, Y[:, k], one, single)


# ---------------------------------------------------------------------------
# warm_start and max_iter
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["homotopy", "cd", "ws", "dual"])
def test_warm_start(solver):
    """A refit at the solution does no work; a warm start at a nearby alpha does less than cold.

    The homotopy counts passes over the data: with 400 features, a cold fit
    walks the path from alpha_max in several checked stretches, a warm one
    continues from the previous solution in one.
    """
    X, y = gaussian_problem(5, 60, 12 if solver == "cd" else 400, n_informative=6)
    model = Lasso(alpha=0.05, tol=1e-10, warm_start=True, solver=solver).fit(X, y)
    first = model.coef_.copy()
    model.fit(X, y)  # starts at the solution: certified before any sweep
    assert model.n_iter_ == 0
    np.testing.assert_array_equal(model.coef_, first)
    for alpha in (0.04, 0.06):  # the next alpha down, and back up
        model.set_params(alpha=alpha).fit(X, y)
        cold = Lasso(alpha=alpha, tol=1e-10, solver=solver).fit(X, y)
        assert model.n_iter_ < cold.n_iter_
        assert_same_minimiser(X, y, model, cold)
    fresh = Lasso(alpha=0.04, tol=1e-10, warm_start=False, solver=solver)
    fresh.coef_ = np.full(X.shape[1], 100.0)  # ignored without warm_start
    assert fresh.fit(X, y).n_iter_ == Lasso(alpha=0.04, tol=1e-10, solver=solver).fit(X, y).n_iter_


def test_max_iter_must_be_an_integer():
    with pytest.raises(TypeError, match="max_iter must be an integer, got float"):
        Lasso(max_iter=10.0).fit([[1.0], [2.0]], [1.0, 2.0])


# ---------------------------------------------------------------------------
# positive=True
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista", "ws", "dual"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_positive_coefficients_meet_their_optimality_conditions(solver, l1_ratio):
    X, y = gaussian_problem(4, 40, 25, n_informative=8)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    alpha = 0.05 / l1_ratio
    model = ElasticNet(alpha, l1_ratio=l1_ratio, positive=True, tol=1e-12, max_iter=100_000)
    model.set_params(solver=solver).fit(X, y)
    assert np.all(model.coef_ >= 0) and np.any(model.coef_ > 0)
    gap = model.dual_gap_ * n
    assert gap == pytest.approx(
        gap_from_definition(
            Xc, yc, model.coef_, n * alpha * l1_ratio, n * alpha * (1 - l1_ratio), True
        ),
        abs=rounding(yc),
    )
    L = (Xc**2).sum(axis=0).max() / n + alpha * (1 - l1_ratio)
    bound = np.sqrt(2 * L * (max(model.dual_gap_, 0.0) + rounding(yc) / n))
    assert positive_kkt_violation(Xc, yc, model.coef_, alpha, l1_ratio) <= bound
    unconstrained = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    assert np.any(unconstrained.coef_ < 0)  # so the constraint is active


def test_positive_matches_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(9, 40, 30, n_informative=10)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    for ours, theirs in [
        (Lasso(0.05, positive=True, tol=1e-10), sk.Lasso(0.05, positive=True, tol=1e-10)),
        (
            ElasticNet(0.05, l1_ratio=0.3, positive=True, tol=1e-10),
            sk.ElasticNet(0.05, l1_ratio=0.3, positive=True, tol=1e-10, max_iter=100_000),
        ),
    ]:
        ours.fit(X, y)
        theirs.fit(X, y)
        l1, l2 = n * ours.alpha * ours.l1_ratio, n * ours.alpha * (1 - ours.l1_ratio)
        gap_theirs = gap_from_definition(Xc, yc, theirs.coef_, l1, l2, True)
        assert_certified_close(Xc, yc, ours.coef_, ours.dual_gap_ * n, theirs.coef_, gap_theirs, l2)
        assert ours.intercept_ == pytest.approx(y.mean() - X.mean(axis=0) @ ours.coef_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # n_alphas -> alphas in sklearn 1.7+
        a2, c2, _ = sk.lasso_path(Xc, yc, positive=True, n_alphas=10, tol=1e-10, max_iter=10**5)
    a1, c1, g1 = lasso_path(Xc, yc, positive=True, n_alphas=10, tol=1e-10)
    np.testing.assert_allclose(a1, a2, rtol=1e-14)  # alpha_max = max(Xᵀy)/n: a few roundings
    for i, alpha in enumerate(a1):
        gap_theirs = gap_from_definition(Xc, yc, c2[:, i], n * alpha, 0.0, True)
        assert_certified_close(Xc, yc, c1[:, i], g1[i] * n, c2[:, i], gap_theirs, 0.0)


def test_positive_grid_starts_at_the_largest_positive_correlation():
    X, y = gaussian_problem(2, 25, 6)
    Xc, yc, _ = centre(X, y)
    alphas, coefs, _ = lasso_path(Xc, yc, positive=True, n_alphas=5)
    assert alphas[0] == pytest.approx(max((Xc.T @ yc).max(), 0.0) / 25)
    assert np.all(coefs[:, 0] == 0) and np.all(coefs >= 0)
    with pytest.raises(ValueError, match="positive must be one of True, False"):
        lasso_path(Xc, yc, positive="yes")


# ---------------------------------------------------------------------------
# Paths: lasso_path and enet_path
# ---------------------------------------------------------------------------


def test_lasso_path_shapes_grid_and_columns():
    X, y = gaussian_problem(4, 30, 8)
    n = len(y)
    alphas, coefs, gaps = lasso_path(X, y, n_alphas=12, eps=1e-2, tol=1e-12, max_iter=100000)
    assert alphas.shape == (12,) and coefs.shape == (8, 12) and gaps.shape == (12,)
    alpha_max = np.abs(X.T @ y).max() / n  # no centring in the path functions
    assert alphas[0] == pytest.approx(alpha_max)
    assert alphas[-1] == pytest.approx(1e-2 * alpha_max)
    ratios = alphas[1:] / alphas[:-1]
    np.testing.assert_allclose(ratios, ratios[0])
    assert np.all(coefs[:, 0] == 0)
    for i in (1, 5, 11):
        single = Lasso(alpha=alphas[i], fit_intercept=False, tol=1e-12, max_iter=100000)
        point = Lasso(alpha=alphas[i], fit_intercept=False)
        point.coef_, point.intercept_ = coefs[:, i], 0.0
        assert_same_minimiser(X, y, point, single.fit(X, y))
        assert gaps[i] <= 1e-12 * (y @ y) / n + gap_rounding(y) / n
        assert gaps[i] == pytest.approx(
            independent_duality_gap(X, y, coefs[:, i], alphas[i], 1.0), abs=gap_rounding(y) / n
        )


def test_enet_path_given_alphas_are_sorted_and_match_separate_fits():
    X, y = gaussian_problem(6, 25, 5)
    given_alphas = [0.01, 1.0, 0.1]
    alphas, coefs, _ = enet_path(X, y, l1_ratio=0.5, alphas=given_alphas, tol=1e-12)
    np.testing.assert_array_equal(alphas, [1.0, 0.1, 0.01])
    for i, alpha in enumerate(alphas):
        single = ElasticNet(alpha, l1_ratio=0.5, fit_intercept=False, tol=1e-12).fit(X, y)
        point = ElasticNet(alpha, l1_ratio=0.5, fit_intercept=False)
        point.coef_, point.intercept_ = coefs[:, i], 0.0
        assert_same_minimiser(X, y, point, single)
    default_grid = enet_path(X, y, l1_ratio=0.5, n_alphas=5)[0]
    assert default_grid[0] == pytest.approx(np.abs(X.T @ y).max() / (25 * 0.5))
    assert len(enet_path(X, y, alphas=7)[0]) == 7  # scikit-learn >= 1.7 spelling


def test_path_grid_argument_errors_name_the_argument_passed():
    X, y = gaussian_problem(0, 10, 3)
    with pytest.raises(ValueError, match="alphas must be >= 1, got 0"):
        lasso_path(X, y, alphas=0)
    with pytest.raises(ValueError, match="n_alphas must be >= 1, got 0"):
        lasso_path(X, y, n_alphas=0)


def test_lasso_path_matches_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(11, 30, 10, n_informative=10, noise=2.0)
    a1, c1, _ = lasso_path(X, y, n_alphas=10, tol=1e-12, max_iter=100000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # n_alphas -> alphas in sklearn 1.7+
        a2, c2, _ = sk.lasso_path(X, y, n_alphas=10, tol=1e-12, max_iter=100000)
    np.testing.assert_allclose(a1, a2, rtol=1e-12)  # the same formula: a few roundings apart
    n = len(y)
    sigma_min = np.linalg.svd(X, compute_uv=False)[-1]  # no intercept: X itself
    for i, alpha in enumerate(a1):
        # both certified: ‖X(Δw)‖ ≤ Σ √(2·gap), gaps from the definition (no centring here)
        gaps = [n * independent_duality_gap(X, y, c[:, i], alpha, 1.0) for c in (c1, c2)]
        radius = sum(np.sqrt(2 * (max(g, 0.0) + gap_rounding(y))) for g in gaps)
        assert np.linalg.norm(X @ (c1[:, i] - c2[:, i])) <= radius
        assert np.linalg.norm(c1[:, i] - c2[:, i]) <= radius / sigma_min
