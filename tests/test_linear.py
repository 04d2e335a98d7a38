"""Tests of tinyreg.linear against closed forms and optimality conditions.

The main tests never use scikit-learn: ridge is checked against the normal
equations solved directly, the lasso against a hand-solved toy problem, the
KKT conditions and an independently computed duality gap, RidgeCV against
brute-force leave-one-out. Comparisons with scikit-learn itself are at the
end, skipped when it is not installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinyreg.linear import (
    ConvergenceWarning,
    ElasticNet,
    Lasso,
    LinearRegression,
    NotFittedError,
    Ridge,
    RidgeCV,
    enet_path,
    lasso_path,
)
from tinyreg.linear.enet_solvers import _enet_coordinate_descent, _enet_fista, _make_form
from tinyreg.linear.homotopy import _enet_homotopy
from tinyreg.linear.linalg import _ridge_cholesky, _ridge_svd

# ---------------------------------------------------------------------------
# Helpers: reference computations written from the math, independently of
# the module under test
# ---------------------------------------------------------------------------

SEED_X = np.array([[1500], [2000], [2500], [3000], [3500]])
SEED_Y = np.array([300000, 400000, 500000, 600000, 700000])


def centre(X, y, sample_weight=None):
    """Weighted-centred copies of X and y and the weights (ones by default)."""
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    x_mean = s @ X / s.sum()
    y_mean = s @ y / s.sum()
    return X - x_mean, y - y_mean, s


def ridge_reference(X, y, alpha, sample_weight=None):
    """Ridge with intercept via np.linalg.solve on the weighted normal equations."""
    Xc, yc, s = centre(X, y, sample_weight)
    A = Xc.T @ (s[:, None] * Xc) + alpha * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (s * yc))
    b = (s @ (y - X @ w)) / s.sum()
    return w, b


def enet_objective(X, y, w, b, alpha, l1_ratio):
    """scikit-learn's elastic net objective, unweighted."""
    r = y - X @ w - b
    return (
        r @ r / (2 * len(y))
        + alpha * l1_ratio * np.abs(w).sum()
        + alpha * (1 - l1_ratio) / 2 * (w @ w)
    )


def independent_duality_gap(Xc, yc, w, alpha, l1_ratio):
    """Duality gap of the (1/(2n)) elastic net at w, built from explicit augmented data.

    The elastic net on (Xc, yc) is the lasso on X̃ = [Xc; √(n·a2)·I], ỹ = [yc; 0]
    (objective multiplied by n), with a2 = alpha·(1 − l1_ratio); the lasso dual
    D(θ) = ỹᵀθ − ½‖θ‖² over ‖X̃ᵀθ‖∞ ≤ n·alpha·l1_ratio is evaluated at the
    feasible rescaling of the residual.
    """
    n, p = Xc.shape
    X_aug = np.vstack([Xc, np.sqrt(n * alpha * (1 - l1_ratio)) * np.eye(p)])
    y_aug = np.concatenate([yc, np.zeros(p)])
    r = y_aug - X_aug @ w
    bound = n * alpha * l1_ratio
    largest = np.abs(X_aug.T @ r).max()
    theta = r * min(1.0, bound / largest) if largest > 0 else r
    primal = 0.5 * (r @ r) + bound * np.abs(w).sum()
    dual = y_aug @ theta - 0.5 * (theta @ theta)
    return (primal - dual) / n


def kkt_violation(Xc, yc, w, alpha, l1_ratio):
    """Largest violation of the elastic net optimality conditions at w.

    With g = Xcᵀ(yc − Xc·w)/n − alpha·(1 − l1_ratio)·w:
    |g_j| ≤ alpha·l1_ratio where w_j = 0, g_j = alpha·l1_ratio·sign(w_j) elsewhere.
    """
    g = Xc.T @ (yc - Xc @ w) / len(yc) - alpha * (1 - l1_ratio) * w
    bound = alpha * l1_ratio
    at_zero = np.maximum(np.abs(g[w == 0]) - bound, 0.0)
    elsewhere = np.abs(g[w != 0] - bound * np.sign(w[w != 0]))
    return max(at_zero.max(initial=0.0), elsewhere.max(initial=0.0))


def gap_rounding(yc):
    """How far rounding can move a computed duality gap (n-scaled objective).

    The gap is a difference of terms of size up to ‖yc‖², each summed over
    at most a few thousand products: its absolute error stays below a few
    thousand ulps of ‖yc‖², 1e-13·‖yc‖² with room to spare.
    """
    return 1e-13 * float(yc @ yc)


def weighted_centred(X, y, sample_weight=None, fit_intercept=True):
    """The data of the n-scaled objective: √s·(X − x̄), √s·(y − ȳ), s rescaled to sum to n.

    Without an intercept, X and y are not centred.
    """
    Xc, yc, s = centre(X, y, sample_weight)
    if not fit_intercept:
        Xc, yc = np.asarray(X, float), np.asarray(y, float)
    root = np.sqrt(s * len(y) / s.sum())
    return root[:, None] * Xc, root * yc


def assert_same_minimiser(X, y, a, b, sample_weight=None):
    """Two elastic-net fits of the same objective are as close as their duality gaps allow.

    ``a`` and ``b`` are fitted estimators (any library) with ``alpha`` and
    ``l1_ratio``. Their gaps are computed here from the definition, on the
    weighted, centred data Xw, yw of the n-scaled objective P. As
    P(w) − P* ≥ ½‖Xw(w − w*)‖² + (l2/2)‖w − w*‖² and P(w) − P* ≤ gap(w),
    ‖Xw(w_a − w_b)‖ ≤ √(2·gap_a) + √(2·gap_b); the coefficients are within
    that divided by √l2, or by the smallest singular value of Xw when it has
    full column rank; the intercepts b = ȳ − x̄ᵀw within ‖x̄‖ times that.
    """
    Xw, yw = weighted_centred(X, y, sample_weight, a.fit_intercept)
    n = len(y)
    alpha, l1_ratio = a.alpha, getattr(a, "l1_ratio", 1.0)
    slack = gap_rounding(yw)
    gaps = [n * independent_duality_gap(Xw, yw, m.coef_, alpha, l1_ratio) for m in (a, b)]
    fit_bound = sum(np.sqrt(2 * (max(g, 0.0) + slack)) for g in gaps)
    assert np.linalg.norm(Xw @ (a.coef_ - b.coef_)) <= fit_bound
    l2 = n * alpha * (1 - l1_ratio)
    sigma_min = np.linalg.svd(Xw, compute_uv=False)[-1] if Xw.shape[0] >= Xw.shape[1] else 0.0
    curvature = max(np.sqrt(l2), sigma_min)
    if curvature > 0:
        assert np.linalg.norm(a.coef_ - b.coef_) <= fit_bound / curvature
        x_mean = np.average(X, axis=0, weights=sample_weight) if a.fit_intercept else 0 * X[0]
        bound = np.linalg.norm(x_mean) * fit_bound / curvature
        assert abs(a.intercept_ - b.intercept_) <= bound + 1e-13 * abs(b.intercept_)


def gaussian_problem(seed, n, p, n_informative=3, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    k = min(n_informative, p)
    w[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 3, k)
    y = X @ w + noise * rng.standard_normal(n) + 2.0
    return X, y


# ---------------------------------------------------------------------------
# Hypothesis strategies: bounded values, small shapes including p > n
# ---------------------------------------------------------------------------

values = st.floats(-1, 1, allow_subnormal=False).map(lambda v: round(v, 6))


@st.composite
def regression_data(draw, max_n=10, max_p=10, min_n=2):
    n = draw(st.integers(min_n, max_n))
    p = draw(st.integers(1, max_p))
    X = draw(arrays(np.float64, (n, p), elements=values))
    y = draw(arrays(np.float64, n, elements=values))
    return X, y


FEW = settings(max_examples=30, deadline=None)


# ---------------------------------------------------------------------------
# Ridge and least squares
# ---------------------------------------------------------------------------


def assert_close(actual, expected, rtol=1e-10):
    """Elementwise agreement relative to the scale of ``expected``."""
    expected = np.asarray(expected, float)
    scale = max(np.abs(expected).max(initial=0.0), 1e-6)  # the data are O(1)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@FEW
@given(regression_data(max_n=12, max_p=12), st.floats(0.1, 100.0), st.booleans())
def test_ridge_solvers_agree_with_normal_equations(data, alpha, fit_intercept):
    X, y = data
    if fit_intercept:
        w_ref, b_ref = ridge_reference(X, y, alpha)
    else:
        w_ref, b_ref = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y), 0.0
    for solver in ("auto", "cholesky", "svd"):
        model = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
        assert model.solver_ == ("svd" if solver == "svd" else "cholesky")
        assert_close(model.coef_, w_ref)
        assert model.intercept_ == pytest.approx(b_ref, rel=1e-9, abs=1e-9)


@FEW
@given(st.integers(0, 10**6), st.integers(2, 8), st.integers(1, 20), st.floats(0.01, 10.0))
def test_ridge_dual_form_equals_primal_form(seed, n, extra, alpha):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n + extra))  # p > n: the dual form is used
    Y = rng.standard_normal((n, 2))
    primal = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ Y).T
    alphas = np.full(2, alpha)
    assert_close(_ridge_cholesky(X, Y, alphas), primal)
    assert_close(_ridge_svd(X, Y, alphas), primal)


@FEW
@given(
    regression_data(),
    st.floats(0.1, 10.0),
    arrays(np.float64, 10, elements=st.floats(0.1, 5.0)),
)
def test_ridge_sample_weight_matches_weighted_normal_equations(data, alpha, weights):
    X, y = data
    s = weights[: len(y)]
    w_ref, b_ref = ridge_reference(X, y, alpha, s)
    model = Ridge(alpha=alpha).fit(X, y, sample_weight=s)
    assert_close(model.coef_, w_ref)
    assert model.intercept_ == pytest.approx(b_ref, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Ridge(alpha=0.3),
        LinearRegression,
        lambda: ElasticNet(0.01, tol=1e-12, max_iter=100000),
    ],
    ids=["Ridge", "LinearRegression", "ElasticNet"],
)
@FEW
@given(data=regression_data(min_n=3), seed=st.integers(0, 1000))
def test_sample_weight_semantics(make, data, seed):
    """Ones = no weights, a zero weight = dropping the row, integer weights = repeated rows."""
    X, y = data
    rng = np.random.default_rng(seed)
    plain = make().fit(X, y)
    ones = make().fit(X, y, sample_weight=np.ones(len(y)))
    counts = rng.integers(1, 4, len(y))
    counts[rng.integers(len(y))] = 0
    weighted = make().fit(X, y, sample_weight=counts)
    repeated = make().fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    kept = counts > 0
    dropped = make().fit(X[kept], y[kept], sample_weight=counts[kept])
    if isinstance(plain, ElasticNet):  # iterative: as close as the duality gaps allow
        assert_same_minimiser(X, y, ones, plain)
        for other in (repeated, dropped):
            assert_same_minimiser(X, y, weighted, other, sample_weight=counts)
        return
    assert_close(ones.coef_, plain.coef_, rtol=1e-8)
    for other in (repeated, dropped):
        assert_close(weighted.coef_, other.coef_, rtol=1e-7)
        assert weighted.intercept_ == pytest.approx(other.intercept_, rel=1e-7, abs=1e-7)


@FEW
@given(regression_data(max_n=12, max_p=12))
def test_ridge_alpha_zero_is_least_squares(data):
    X, y = data
    Xc, yc, _ = centre(X, y)
    w_ls = np.linalg.lstsq(Xc, yc, rcond=None)[0]  # minimum-norm solution
    ridge = Ridge(alpha=0.0).fit(X, y)
    ols = LinearRegression().fit(X, y)
    scale = max(np.abs(w_ls).max(), 1.0)
    # rank-deficient problems go through the SVD fallback; Cholesky is only used when
    # the normal equations keep at least half of the digits
    tol = 1e-14 * np.linalg.cond(Xc) ** 2 if ridge.solver_ == "cholesky" else 1e-9
    np.testing.assert_allclose(ridge.coef_, w_ls, atol=tol * scale)
    np.testing.assert_allclose(ols.coef_, w_ls, atol=1e-8 * scale)
    np.testing.assert_allclose(ridge.predict(X), ols.predict(X), atol=tol * scale)


def test_ridge_rank_deficient_falls_back_to_svd():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.1]])
    X[:, 1] = 2 * X[:, 0]  # exactly collinear
    y = np.array([1.0, 2.0, 2.5, 4.0])
    auto = Ridge(alpha=0.0).fit(X, y)
    assert auto.solver_ == "svd"
    with pytest.warns(RuntimeWarning, match="falling back to solver='svd'"):
        explicit = Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    assert explicit.solver_ == "svd"
    Xc, yc, _ = centre(X, y)
    np.testing.assert_allclose(auto.coef_, np.linalg.lstsq(Xc, yc, rcond=None)[0], atol=1e-12)


@FEW
@given(
    regression_data(),
    arrays(np.float64, 3, elements=st.floats(0.0, 10.0)),
    st.integers(0, 1000),
)
def test_ridge_per_target_alpha_equals_separate_fits(data, alphas, seed):
    X, y = data
    Y = np.column_stack([y, np.random.default_rng(seed).standard_normal((len(y), 2))])
    alphas[0] = max(alphas[0], 0.1)
    model = Ridge(alpha=alphas, solver="svd").fit(X, Y)
    assert model.coef_.shape == (3, X.shape[1])
    assert model.intercept_.shape == (3,)
    for k in range(3):
        single = Ridge(alpha=alphas[k], solver="svd").fit(X, Y[:, k])
        assert_close(model.coef_[k], single.coef_, rtol=1e-9)
        assert model.intercept_[k] == pytest.approx(single.intercept_, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(model.predict(X)[:, 0], Ridge(alphas[0]).fit(X, y).predict(X))


def test_ridge_shapes_and_scalar_alpha_for_2d_y():
    X, y = gaussian_problem(0, 30, 4)
    Y = np.column_stack([y, 2 * y])
    model = Ridge(alpha=1.0).fit(X, Y)
    assert model.coef_.shape == (2, 4)
    np.testing.assert_allclose(model.coef_[1], 2 * model.coef_[0])
    assert model.predict(X).shape == (30, 2)
    assert Ridge().fit(X, y).coef_.shape == (4,)


def test_seed_example_closed_forms():
    """The seed's Example 1: exact straight-line data, so the closed forms are simple."""
    x = SEED_X[:, 0].astype(float)
    xc, yc = x - x.mean(), SEED_Y - SEED_Y.mean()
    sxx, sxy, n = xc @ xc, xc @ yc, len(x)
    ols = LinearRegression().fit(SEED_X, SEED_Y)
    assert ols.coef_ == pytest.approx([200.0], rel=1e-12)
    assert ols.intercept_ == pytest.approx(0.0, abs=1e-6)
    ridge = Ridge(alpha=0.1).fit(SEED_X, SEED_Y)
    assert ridge.coef_ == pytest.approx([sxy / (sxx + 0.1)], rel=1e-12)
    lasso = Lasso(alpha=0.1).fit(SEED_X, SEED_Y)
    assert lasso.coef_ == pytest.approx([(sxy / n - 0.1) / (sxx / n)], rel=1e-12)
    for model in (ridge, lasso):
        expected_b = SEED_Y.mean() - model.coef_[0] * x.mean()
        assert model.intercept_ == pytest.approx(expected_b, abs=1e-6)


# ---------------------------------------------------------------------------
# RidgeCV: exact leave-one-out
# ---------------------------------------------------------------------------


def brute_force_loo(X, y, alpha, fit_intercept, sample_weight=None):
    """sᵢ·(yᵢ − ŷ₋ᵢ)², refitting ridge by np.linalg.solve without each sample in turn."""
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    errors = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        Xk, yk, sk = X[keep], y[keep], s[keep]
        if fit_intercept:
            w, b = ridge_reference(Xk, yk, alpha, sk)
        else:
            A = Xk.T @ (sk[:, None] * Xk) + alpha * np.eye(X.shape[1])
            w, b = np.linalg.solve(A, Xk.T @ (sk * yk)), 0.0
        errors[i] = s[i] * (y[i] - X[i] @ w - b) ** 2
    return errors


@FEW
@given(
    regression_data(min_n=3, max_n=9, max_p=12),
    st.booleans(),
    st.booleans(),
    st.integers(0, 1000),
)
def test_ridgecv_loo_errors_equal_brute_force(data, fit_intercept, weighted, seed):
    X, y = data
    alphas = [0.1, 1.0, 10.0]
    s = np.random.default_rng(seed).uniform(0.5, 2.0, len(y)) if weighted else None
    model = RidgeCV(alphas=alphas, fit_intercept=fit_intercept, store_cv_results=True)
    model.fit(X, y, sample_weight=s)
    assert model.cv_results_.shape == (len(y), 3)
    for j, alpha in enumerate(alphas):
        expected = brute_force_loo(X, y, alpha, fit_intercept, s)
        assert_close(model.cv_results_[:, j], expected, rtol=1e-10)
    means = model.cv_results_.mean(axis=0)
    assert model.alpha_ == alphas[int(np.argmin(means))]
    assert model.best_score_ == pytest.approx(-means.min(), rel=1e-12)
    refit = Ridge(alpha=model.alpha_, fit_intercept=fit_intercept).fit(X, y, sample_weight=s)
    assert_close(model.coef_, refit.coef_, rtol=1e-9)


def test_ridgecv_picks_a_middle_alpha_and_handles_2d_y():
    X, y = gaussian_problem(3, 40, 30, n_informative=30, noise=3.0)
    alphas = np.logspace(-3, 3, 13)
    model = RidgeCV(alphas=alphas).fit(X, y)
    assert alphas[0] < model.alpha_ < alphas[-1]
    Y = np.column_stack([y, y])
    both = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, Y)
    assert both.alpha_ == model.alpha_
    assert both.cv_results_.shape == (40, 2, 13)
    assert both.coef_.shape == (2, 30)


# ---------------------------------------------------------------------------
# Lasso and elastic net
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista"])
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
@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista"])
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


@pytest.mark.parametrize("solver", ["homotopy", "cd"])
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
    for solver in ("homotopy", "cd", "fista"):
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


@settings(max_examples=25, deadline=None)
@given(
    regression_data(max_n=10, max_p=10),
    st.floats(0.01, 0.5),
    st.sampled_from([1.0, 0.5]),
    st.booleans(),
)
def test_all_solvers_reach_the_same_minimiser(data, fraction, l1_ratio, gram):
    """Homotopy, coordinate descent and FISTA, each certified by its gap, are provably close.

    For the (n-scaled) elastic net P(w) − P* ≥ ½‖X(w − w*)‖² + (μ/2)‖w − w*‖²
    with μ = n·alpha·(1 − l1_ratio), and P(w) − P* ≤ gap. The gap itself is
    only known up to rounding (``gap_rounding``).
    """
    X, y = data
    n, p = X.shape
    alpha = fraction * max(np.abs(X.T @ y).max(), 1e-3) / (n * l1_ratio)
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    G = X.T @ X if gram else None
    w0 = np.zeros(p)
    tol_gap = 1e-12 * (y @ y) + gap_rounding(y)
    results = [
        solve(_make_form(X, y, w0, G), l1, l2, 100000, 1e-12)
        for solve in (_enet_homotopy, _enet_coordinate_descent, _enet_fista)
    ]
    radii = []
    for _, gap, _ in results:
        assert gap <= tol_gap
        radii.append(np.sqrt(2 * (max(gap, 0.0) + gap_rounding(y))))
    for i in range(3):
        for j in range(i):
            difference = results[i][0] - results[j][0]
            assert np.linalg.norm(X @ difference) <= radii[i] + radii[j]
            if l1_ratio < 1:
                assert np.linalg.norm(difference) <= (radii[i] + radii[j]) / np.sqrt(l2)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([(30, 5), (10, 25)]), st.floats(0.05, 0.8))
def test_gram_and_residual_forms_give_the_same_iterates(seed, shape, fraction):
    """Coordinate descent bookkept with XᵀX or with the residual: the same iterates.

    After three sweeps (a fixed number, no stopping rule) the two differ only by
    rounding: each correlation is computed in two ways that agree to a few
    hundred ulps, and a coordinate update moves by at most that over ‖X_j‖²,
    so 1e-10 relative to the largest coefficient leaves a wide margin. At
    convergence both are certified by their gaps.
    """
    X, y = gaussian_problem(seed, *shape)
    n = len(y)
    l1 = fraction * np.abs(X.T @ y).max()
    w0 = np.zeros(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w_g, _, _ = _enet_coordinate_descent(_make_form(X, y, w0, X.T @ X), l1, 0.1 * n, 3, 1e-30)
        w_r, _, _ = _enet_coordinate_descent(_make_form(X, y, w0, None), l1, 0.1 * n, 3, 1e-30)
    np.testing.assert_allclose(w_g, w_r, rtol=0, atol=1e-10 * np.abs(w_r).max(initial=1.0))
    w_g, gap_g, _ = _enet_coordinate_descent(
        _make_form(X, y, w0, X.T @ X), l1, 0.1 * n, 1000, 1e-10
    )
    w_r, gap_r, _ = _enet_coordinate_descent(_make_form(X, y, w0, None), l1, 0.1 * n, 1000, 1e-10)
    radius = sum(np.sqrt(2 * (max(g, 0.0) + gap_rounding(y)) / (0.1 * n)) for g in (gap_g, gap_r))
    assert np.linalg.norm(w_g - w_r) <= radius


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


def test_convergence_warning_when_max_iter_is_reached():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((50, 1))
    X = z + 1e-2 * rng.standard_normal((50, 10))  # ten nearly identical columns
    y = X[:, 0] - X[:, 1] + 0.01 * rng.standard_normal(50)  # ... told apart by y
    yc = y - y.mean()
    for solver in ("cd", "fista"):
        with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=1 "):
            model = Lasso(alpha=1e-5, max_iter=1, solver=solver).fit(X, y)
        assert model.n_iter_ == 1
        assert model.dual_gap_ > 1e-4 * (yc @ yc) / len(y)


@pytest.mark.parametrize("solver", ["homotopy", "cd"])
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
# Paths
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


# ---------------------------------------------------------------------------
# Parameters, validation, the estimator protocol
# ---------------------------------------------------------------------------


ESTIMATORS = [
    LinearRegression,
    Ridge,
    RidgeCV,
    lambda: Lasso(alpha=0.1),
    lambda: ElasticNet(alpha=0.1),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_input_validation_messages(make):
    X, y = gaussian_problem(0, 10, 3)
    with pytest.raises(ValueError, match=r"X must be 2-D.*reshape\(-1, 1\)"):
        make().fit(X[:, 0], y)
    with pytest.raises(ValueError, match=r"X has shape \(10, 3\), y has shape \(9,\)"):
        make().fit(X, y[:9])
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 non-finite.*\(2, 1\)"):
        make().fit(bad, y)
    bad_y = y.copy()
    bad_y[0] = np.inf
    with pytest.raises(ValueError, match="y contains 1 non-finite"):
        make().fit(X, bad_y)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\)"):
        make().fit(X, y, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        make().predict(X)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    model = make().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but .* is expecting 3 features"):
        model.predict(X[:, :2])


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Ridge(alpha=-1.0), "alpha must be >= 0"),
        (Ridge(alpha=[1.0, -2.0]), r"alpha\[1\] must be >= 0"),
        (Ridge(alpha=[1.0, 2.0, 3.0]), "alpha has 3 values but y has 1 target"),
        (Ridge(solver="lsqr"), "solver must be one of 'auto', 'cholesky', 'svd'"),
        (Lasso(alpha=-0.1), "alpha must be >= 0"),
        (Lasso(solver="lars"), "solver must be one of 'homotopy', 'cd', 'fista'"),
        (Lasso(positive="yes"), "positive must be one of True, False"),
        (Lasso(max_iter=0), "max_iter must be >= 1"),
        (Lasso(tol=0.0), "tol must be > 0"),
        (ElasticNet(l1_ratio=1.5), r"l1_ratio must be in \[0.0, 1.0\], got 1.5"),
        (ElasticNet(alpha=float("nan")), "alpha must be a number, got nan"),
        (RidgeCV(alphas=[1.0, 0.0]), r"alphas\[1\] must be > 0"),
        (RidgeCV(alphas=[]), "alphas must contain at least one value"),
        (LinearRegression(fit_intercept="yes"), "fit_intercept must be one of True, False"),
    ],
)
def test_bad_parameters_raise_and_leave_a_fitted_model_unchanged(model, message):
    X, y = gaussian_problem(0, 12, 3)
    bad = model.get_params()
    model.set_params(**type(model)().get_params()).fit(X, y)  # a good fit first
    coef, intercept = model.coef_.copy(), model.intercept_
    model.set_params(**bad)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.intercept_ == intercept


def test_max_iter_must_be_an_integer():
    with pytest.raises(TypeError, match="max_iter must be an integer, got float"):
        Lasso(max_iter=10.0).fit([[1.0], [2.0]], [1.0, 2.0])


def test_failed_fit_on_bad_data_leaves_the_fit_unchanged():
    X, y = gaussian_problem(0, 12, 3)
    model = Ridge().fit(X, y)
    coef = model.coef_.copy()
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(bad, y)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(X, y[:-1])
    np.testing.assert_array_equal(model.coef_, coef)


def test_integer_and_list_inputs_are_accepted():
    X = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 6]]
    y = [1, 2, 4, 3, 6]
    for make in ESTIMATORS:
        model = make().fit(X, y)
        assert model.coef_.dtype == np.float64
        assert model.predict(X).shape == (5,)


def test_score_is_r2():
    X, y = gaussian_problem(8, 40, 4)
    model = Ridge(alpha=1.0).fit(X, y)
    residual = y - model.predict(X)
    expected = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    assert model.score(X, y) == pytest.approx(expected, rel=1e-12)
    assert LinearRegression().fit(X, X @ [1.0, 2, 3, 4]).score(X, X @ [1.0, 2, 3, 4]) == 1.0


# ---------------------------------------------------------------------------
# Optional: agreement with scikit-learn
# ---------------------------------------------------------------------------


def test_seed_example_matches_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    import tinyreg.linear as tl

    for name, kwargs in [
        ("LinearRegression", {}),
        ("Lasso", {"alpha": 0.1}),
        ("Ridge", {"alpha": 0.1}),
    ]:
        ours = getattr(tl, name)(**kwargs).fit(SEED_X, SEED_Y)
        theirs = getattr(sk, name)(**kwargs).fit(SEED_X, SEED_Y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
        assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-9 * SEED_Y.max())
        np.testing.assert_allclose(ours.predict(SEED_X), theirs.predict(SEED_X), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_random_problems_match_sklearn(seed):
    sk = pytest.importorskip("sklearn.linear_model")
    n, p = [(50, 8), (20, 35), (200, 30), (15, 15)][seed]
    X, y = gaussian_problem(seed, n, p, n_informative=4)
    w = np.random.default_rng(seed).uniform(0.5, 2, n)
    pairs = [
        (
            Lasso(alpha=0.05, tol=1e-12, max_iter=100000),
            sk.Lasso(alpha=0.05, tol=1e-12, max_iter=100000),
        ),
        (
            ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12, max_iter=100000),
            sk.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12, max_iter=100000),
        ),
        (Ridge(alpha=0.7), sk.Ridge(alpha=0.7)),
        (LinearRegression(), sk.LinearRegression()),
    ]
    for ours, theirs in pairs:
        for sample_weight in (None, w):
            ours.fit(X, y, sample_weight=sample_weight)
            theirs.fit(X, y, sample_weight=sample_weight)
            if isinstance(ours, ElasticNet):  # both iterative, both certified by their gaps
                assert_same_minimiser(X, y, ours, theirs, sample_weight)
                continue
            if isinstance(ours, LinearRegression) and p >= n:
                continue  # not unique; both give a least-squares fit
            scale = np.abs(theirs.coef_).max()
            np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-9 * scale)
            assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-9 * np.abs(y).max())
    lasso = Lasso(alpha=0.05, tol=1e-12, max_iter=100000, solver="cd").fit(X, y)
    assert lasso.n_iter_ == pairs[0][1].fit(X, y).n_iter_  # the reference: the same cyclic iterates


def test_ridgecv_and_lasso_path_match_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(11, 30, 10, n_informative=10, noise=2.0)
    alphas = np.logspace(-2, 2, 9)
    s = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    for sample_weight in (None, s):
        ours = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight)
        theirs = sk.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-9)
        np.testing.assert_allclose(ours.cv_results_, theirs.cv_results_, rtol=1e-9)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)
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


def test_sklearn_clone_works():
    base = pytest.importorskip("sklearn.base")
    model = ElasticNet(alpha=0.3, l1_ratio=0.2)
    copy = base.clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
