"""LassoCV and ElasticNetCV: cross-validated paths from per-fold moments.

Against scikit-learn's LassoCV and ElasticNetCV (when installed) and against
themselves on dask arrays. Two fits of the same path agree as far as their
duality gaps allow: each path point is certified by a gap ≤ tol·‖yc‖² on the
n-scaled objective ½‖yc − Xc·w‖² + ..., which is μ-strongly convex with
μ = λ_min(XcᵀXc) (n > p below), so each point is within √(2·gap/μ) of the
minimiser, and two of them within twice that (δ). A test residual
r(w) = √s·(y − ȳ_train − (X − x̄_train)·w) moves by at most ‖A‖₂·δ, A the
test rows centred on the training means, so the test mean squared errors
differ by at most (‖r₁‖ + ‖r₂‖)·‖A‖₂·δ / W_test, plus the rounding of the
moments' quadratic form (about 1e-13 of its terms' size; 1e-12 allowed).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from _linear_reference import gaussian_problem, rounding

from tinyreg.base import DataConversionWarning
from tinyreg.linear import ElasticNet, ElasticNetCV, Lasso, LassoCV

TOL = 1e-12
MAX_ITER = 100_000


def problem(seed=0, n=240, p=8):
    """A Gaussian design with offsets and scales, 3 informative features."""
    X, y = gaussian_problem(seed, n, p, noise=1.5)
    return X * np.linspace(0.5, 3.0, p) + np.arange(p) * 10.0, y


def kfold(n, k):
    """scikit-learn's KFold(k) without shuffling: contiguous folds, the first n % k one longer."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    edges = np.concatenate(([0], np.cumsum(sizes)))
    rows = np.arange(n)
    return [
        (np.concatenate((rows[: edges[f]], rows[edges[f + 1] :])), rows[edges[f] : edges[f + 1]])
        for f in range(k)
    ]


def _centred(X, y, s, fit_intercept):
    sq = np.sqrt(s)
    if not fit_intercept:
        return X * sq[:, None], y * sq, np.zeros(X.shape[1]), 0.0
    x_mean, y_mean = s @ X / s.sum(), s @ y / s.sum()
    return (X - x_mean) * sq[:, None], (y - y_mean) * sq, x_mean, y_mean


def mse_bounds(X, y, s, folds, points, l2_per_unit, fit_intercept, tol=TOL):
    """Certified bound on |MSE₁ − MSE₂| of two fits, for each (alpha, fold).

    See the module docstring. ``points`` (n_alphas, n_folds, p) are path
    points certified to the same ``tol`` (giving the residuals' size: each fit's
    residual is within ‖A‖₂·δ of theirs); ``l2_per_unit`` is alpha·(1 − l1_ratio)
    at each alpha, which adds W·l2_per_unit to μ.
    """
    bounds = np.empty(points.shape[:2])
    for f, (train, test) in enumerate(folds):
        Xc, yc, x_mean, y_mean = _centred(X[train], y[train], s[train], fit_intercept)
        mu = np.linalg.eigvalsh(Xc.T @ Xc)[0]
        sq = np.sqrt(s[test])
        A = (X[test] - x_mean) * sq[:, None]
        yt = (y[test] - y_mean) * sq
        norm_A = np.linalg.norm(A, 2)
        W = s[test].sum()
        for i in range(points.shape[0]):
            strong = mu + l2_per_unit[i] * s[train].sum()
            delta = 2 * np.sqrt(2 * (tol * (yc @ yc) + rounding(yc)) / strong)
            residuals = 2 * (np.linalg.norm(yt - A @ points[i, f]) + norm_A * delta)
            size = (np.linalg.norm(yt) + norm_A * (np.abs(points[i, f]).sum() + delta)) ** 2
            bounds[i, f] = (residuals * norm_A * delta + 1e-12 * size) / W
    return bounds


def path_points(model_cls, X, y, s, folds, grid, l1_ratio, fit_intercept):
    """The path points of ``model_cls`` (tinyreg's or scikit-learn's ElasticNet) on each fold."""
    coefs = np.empty((grid.size, len(folds), X.shape[1]))
    for f, (train, _) in enumerate(folds):
        for i, alpha in enumerate(grid):
            model = model_cls(
                alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=TOL,
                max_iter=MAX_ITER,
            )  # fmt: skip
            coefs[i, f] = model.fit(X[train], y[train], sample_weight=s[train]).coef_
    return coefs


def assert_same_choice(ours, theirs_mse, bounds, grid):
    """alpha_ equal, once the runner-up's mean error is further than the bounds allow."""
    mean, slack = theirs_mse.mean(axis=-1), bounds.mean(axis=-1)
    best = int(np.argmin(mean))
    others = np.delete(mean - slack, best)
    assert mean[best] + slack[best] < others.min(), "the choice is too close to call"
    assert ours.alpha_ == pytest.approx(grid[best], rel=1e-12)


# ---------------------------------------------------------------------------
# Against scikit-learn
# ---------------------------------------------------------------------------


def cv_forms(n):
    from sklearn.model_selection import KFold

    shuffled = KFold(4, shuffle=True, random_state=0)
    return {
        "int": (5, kfold(n, 5)),
        "int-3": (3, kfold(n, 3)),
        "index-list": (kfold(n, 4), kfold(n, 4)),
        "kfold-object": (shuffled, list(shuffled.split(np.zeros((n, 1))))),
    }


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("form", ["int", "int-3", "index-list", "kfold-object"])
def test_lassocv_equals_scikit_learns(form, fit_intercept):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = problem(3)  # a choice clear of the bounds for every cv form
    n = X.shape[0]
    cv, folds = cv_forms(n)[form]
    kwargs = {"cv": cv, "fit_intercept": fit_intercept, "tol": TOL, "max_iter": MAX_ITER}
    ours = LassoCV(alphas=12, **kwargs).fit(X, y)
    theirs = sk.LassoCV(alphas=12, **kwargs).fit(X, y)
    # The grid: max|Xᵀy|/n from moments against scikit-learn's centred product, to rounding.
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (12, len(folds))

    s = np.ones(n)
    points = path_points(ElasticNet, X, y, s, folds, ours.alphas_, 1.0, fit_intercept)
    bounds = mse_bounds(X, y, s, folds, points, np.zeros(12), fit_intercept)
    assert np.all(np.abs(ours.mse_path_ - theirs.mse_path_) <= bounds)
    assert_same_choice(ours, theirs.mse_path_, bounds, theirs.alphas_)
    assert ours.l1_ratio_ == 1.0

    converged = sk.Lasso(alpha=ours.alpha_, fit_intercept=fit_intercept, tol=TOL)
    converged.set_params(max_iter=MAX_ITER).fit(X, y)
    assert_certified_close(ours, converged, X, y, np.ones(n), 0.0, fit_intercept)


def test_positive_lassocv_equals_scikit_learns():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = problem(3)
    kwargs = {"positive": True, "alphas": 12, "tol": TOL, "max_iter": MAX_ITER}
    ours = LassoCV(**kwargs).fit(X, y)
    theirs = sk.LassoCV(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)  # from max(Xᵀy)
    folds, s = kfold(X.shape[0], 5), np.ones(X.shape[0])
    points = np.empty((12, 5, X.shape[1]))
    for f, (train, _) in enumerate(folds):
        for i, alpha in enumerate(ours.alphas_):
            model = Lasso(alpha=alpha, positive=True, tol=TOL, max_iter=MAX_ITER)
            points[i, f] = model.fit(X[train], y[train]).coef_
    bounds = mse_bounds(X, y, s, folds, points, np.zeros(12), True)
    assert np.all(np.abs(ours.mse_path_ - theirs.mse_path_) <= bounds)
    assert_same_choice(ours, theirs.mse_path_, bounds, theirs.alphas_)
    assert ours.coef_.min() >= 0


def assert_certified_close(ours, theirs, X, y, s, l2, fit_intercept):
    """coef_ within the sum of both fits' certified distances to the minimiser."""
    Xc, yc, x_mean, y_mean = _centred(X, y, s, fit_intercept)
    W = s.sum()
    mu = np.linalg.eigvalsh(Xc.T @ Xc)[0] + l2 * W
    # dual_gap_ is on the (1/(2n)) scale: times W for the n-scaled objective.
    gaps = (ours.dual_gap_ * W + rounding(yc), theirs.dual_gap_ * W + rounding(yc))
    delta = sum(np.sqrt(2 * max(g, 0.0) / mu) for g in gaps)
    assert np.linalg.norm(ours.coef_ - theirs.coef_) <= delta
    if fit_intercept:
        assert abs(ours.intercept_ - theirs.intercept_) <= np.linalg.norm(
            x_mean
        ) * delta + 1e-12 * (abs(y_mean) + np.abs(x_mean) @ np.abs(ours.coef_))


def test_elasticnetcv_with_several_l1_ratios_equals_scikit_learns():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = problem(1)
    ratios = [0.2, 0.6, 0.95]
    kwargs = {"l1_ratio": ratios, "alphas": 20, "cv": 4, "tol": TOL, "max_iter": MAX_ITER}
    ours = ElasticNetCV(**kwargs).fit(X, y)
    theirs = sk.ElasticNetCV(**kwargs).fit(X, y)
    assert ours.alphas_.shape == theirs.alphas_.shape == (3, 20)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (3, 20, 4)

    folds, s = kfold(X.shape[0], 4), np.ones(X.shape[0])
    for r, ratio in enumerate(ratios):
        grid = ours.alphas_[r]
        points = path_points(ElasticNet, X, y, s, folds, grid, ratio, True)
        bounds = mse_bounds(X, y, s, folds, points, grid * (1 - ratio), True)
        assert np.all(np.abs(ours.mse_path_[r] - theirs.mse_path_[r]) <= bounds)
    assert (ours.l1_ratio_, ours.alpha_) == (theirs.l1_ratio_, pytest.approx(theirs.alpha_))

    converged = sk.ElasticNet(alpha=ours.alpha_, l1_ratio=ours.l1_ratio_, tol=TOL)
    converged.set_params(max_iter=MAX_ITER).fit(X, y)
    l2 = ours.alpha_ * (1 - ours.l1_ratio_)
    assert_certified_close(ours, converged, X, y, s, l2, True)


def test_weighted_lassocv_equals_scikit_learns():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = problem(2)
    s = np.random.default_rng(2).uniform(0.2, 3.0, X.shape[0])
    kwargs = {"alphas": 25, "cv": 5, "tol": TOL, "max_iter": MAX_ITER}
    ours = LassoCV(**kwargs).fit(X, y, sample_weight=s)
    theirs = sk.LassoCV(**kwargs).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    folds = kfold(X.shape[0], 5)
    points = path_points(ElasticNet, X, y, s, folds, ours.alphas_, 1.0, True)
    bounds = mse_bounds(X, y, s, folds, points, np.zeros(25), True)
    assert np.all(np.abs(ours.mse_path_ - theirs.mse_path_) <= bounds)
    assert_same_choice(ours, theirs.mse_path_, bounds, theirs.alphas_)


# ---------------------------------------------------------------------------
# What the estimators promise by themselves
# ---------------------------------------------------------------------------


def test_the_choice_is_the_argmin_and_the_refit_is_lasso_at_it():
    X, y = problem(3)
    model = LassoCV(alphas=[0.5, 0.01, 0.1, 2.0], cv=3, tol=TOL, max_iter=MAX_ITER).fit(X, y)
    np.testing.assert_array_equal(model.alphas_, [2.0, 0.5, 0.1, 0.01])  # sorted, decreasing
    assert model.alpha_ == model.alphas_[np.argmin(model.mse_path_.mean(axis=1))]
    refit = Lasso(alpha=model.alpha_, tol=TOL, max_iter=MAX_ITER).fit(X, y)
    assert_certified_close(model, refit, X, y, np.ones(X.shape[0]), 0.0, True)


def test_mse_path_is_the_held_out_error_of_each_training_path():
    """mse_path_ from moments equals the error computed on the rows, within the bound."""
    X, y = problem(4, n=150)
    model = ElasticNetCV(l1_ratio=0.7, alphas=10, cv=3, tol=TOL, max_iter=MAX_ITER).fit(X, y)
    folds, s = kfold(150, 3), np.ones(150)
    points = path_points(ElasticNet, X, y, s, folds, model.alphas_, 0.7, True)
    direct = np.empty((10, 3))
    for f, (train, test) in enumerate(folds):
        for i in range(10):
            b = y[train].mean() - X[train].mean(axis=0) @ points[i, f]
            direct[i, f] = np.mean((y[test] - X[test] @ points[i, f] - b) ** 2)
    bounds = mse_bounds(X, y, s, folds, points, model.alphas_ * 0.3, True)
    assert np.all(np.abs(model.mse_path_ - direct) <= bounds)


def test_a_column_vector_y_is_flattened_with_a_warning():
    X, y = problem(5, n=60)
    with pytest.warns(DataConversionWarning, match="column-vector"):
        model = LassoCV(alphas=5, cv=3).fit(X, y[:, None])
    assert model.coef_.shape == (X.shape[1],)
    np.testing.assert_array_equal(model.coef_, LassoCV(alphas=5, cv=3).fit(X, y).coef_)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"l1_ratio": 1.5}, r"l1_ratio\[0\]"),
        ({"l1_ratio": []}, "l1_ratio must contain"),
        ({"l1_ratio": [0.5, np.nan]}, "l1_ratio"),
        ({"alphas": 0}, "alphas"),
        ({"alphas": [1.0, -1.0]}, r"alphas\[1\]"),
        ({"eps": 0.0}, "eps"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"cv": 1}, "cv"),
        ({"cv": "five"}, "cv"),
        ({"positive": "yes"}, "positive"),
        ({"solver": "fista"}, "solver"),
        ({"fit_intercept": None}, "fit_intercept"),
    ],
)
def test_bad_parameters_are_named(params, message):
    X, y = problem(6, n=40)
    with pytest.raises((TypeError, ValueError), match=message):
        ElasticNetCV(**params).fit(X, y)


def test_bad_data_is_named():
    X, y = problem(7, n=40)
    with pytest.raises(ValueError, match="fits one target"):
        LassoCV().fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="cv=5"):
        LassoCV().fit(X[:3], y[:3])
    with pytest.raises(ValueError, match="automatic alpha grid needs l1_ratio > 0"):
        ElasticNetCV(l1_ratio=0.0).fit(X, y)
    s = np.ones(40)
    s[:8] = 0.0  # the first fold weighs nothing
    with pytest.raises(ValueError, match="positive sum on every test set"):
        LassoCV(alphas=5, cv=5).fit(X, y, sample_weight=s)


def test_a_failed_fit_keeps_the_previous_one():
    X, y = problem(8, n=60)
    model = LassoCV(alphas=5, cv=3).fit(X, y)
    coef, alpha = model.coef_.copy(), model.alpha_
    with pytest.raises(ValueError):
        model.set_params(eps=-1.0).fit(X, y)
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.alpha_ == alpha


# ---------------------------------------------------------------------------
# On dask arrays: the same fit as in memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_on_dask_arrays_equals_in_memory(weighted):
    da = pytest.importorskip("dask.array")
    X, y = problem(9, n=203)
    s = np.random.default_rng(9).uniform(0.5, 2.0, 203) if weighted else None
    kwargs = {"l1_ratio": [0.5, 1.0], "alphas": 15, "cv": 4, "tol": TOL, "max_iter": MAX_ITER}
    Xd = da.from_array(X, chunks=(37, 3))  # blocks straddle the fold boundaries
    yd = da.from_array(y, chunks=50)
    sd = None if s is None else da.from_array(s, chunks=90)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on_dask = ElasticNetCV(**kwargs).fit(Xd, yd, sample_weight=sd)
    in_memory = ElasticNetCV(**kwargs).fit(X, y, sample_weight=s)
    assert type(on_dask.coef_) is np.ndarray
    weights = np.ones(203) if s is None else s
    assert_same_cv_fit(on_dask, in_memory, X, y, weights, kfold(203, 4), [0.5, 1.0])


def assert_same_cv_fit(ours, reference, X, y, s, folds, ratios):
    """Two ElasticNetCV fits of the same folds, from moments summed differently, agree.

    The grids to rounding, the held-out errors within the certified bounds,
    the same (l1_ratio, alpha) pair, and coef_ within both fits' certified distances.
    """
    np.testing.assert_allclose(ours.alphas_, reference.alphas_, rtol=1e-12)
    for r, ratio in enumerate(ratios):
        grid = reference.alphas_[r]
        points = path_points(ElasticNet, X, y, s, folds, grid, ratio, True)
        bounds = mse_bounds(X, y, s, folds, points, grid * (1 - ratio), True)
        assert np.all(np.abs(ours.mse_path_[r] - reference.mse_path_[r]) <= bounds)
    assert ours.l1_ratio_ == reference.l1_ratio_
    assert ours.alpha_ == pytest.approx(reference.alpha_, rel=1e-12)  # the same grid point
    l2 = reference.alpha_ * (1 - reference.l1_ratio_)
    assert_certified_close(ours, reference, X, y, s, l2, True)


def test_on_dask_arrays_a_splitter_is_refused():
    da = pytest.importorskip("dask.array")
    X, y = problem(10, n=60)
    with pytest.raises(ValueError, match="cv must be None or an integer"):
        LassoCV(cv=kfold(60, 3)).fit(da.from_array(X, chunks=20), da.from_array(y, chunks=20))


# ---------------------------------------------------------------------------
# Over chunks: partial_fit deals row i of the stream to fold i mod cv
# ---------------------------------------------------------------------------


def dealt(n, k):
    """The (train, test) index arrays of n rows dealt to k folds: row i to fold i mod k."""
    rows = np.arange(n)
    return [(rows[rows % k != f], rows[rows % k == f]) for f in range(k)]


@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_over_chunks_equals_fit_with_the_dealt_folds(weighted):
    """After every chunk, the fit on all rows seen, with each row's fold given by its position."""
    X, y = problem(11, n=211)
    s = np.random.default_rng(11).uniform(0.5, 2.0, 211) if weighted else None
    kwargs = {"l1_ratio": [0.5, 1.0], "alphas": 15, "cv": 4, "tol": TOL, "max_iter": MAX_ITER}
    model = ElasticNetCV(**kwargs)
    edges = [0, 5, 7, 90, 91, 211]  # chunks of 5, 2, 83, 1 and 120 rows: folds start mid-chunk
    for a, b in itertools.pairwise(edges):
        model.partial_fit(X[a:b], y[a:b], sample_weight=None if s is None else s[a:b])
        if b in (90, 211):
            weights = np.ones(b) if s is None else s[:b]
            cv = kwargs | {"cv": dealt(b, 4)}
            whole = ElasticNetCV(**cv).fit(X[:b], y[:b], sample_weight=weights)
            assert_same_cv_fit(model, whole, X[:b], y[:b], weights, dealt(b, 4), [0.5, 1.0])


def test_partial_fit_after_fit_starts_a_new_stream():
    X, y = problem(12, n=120)
    kwargs = {"alphas": 10, "cv": 3}
    fresh = LassoCV(**kwargs).partial_fit(X[:60], y[:60])
    model = LassoCV(**kwargs).partial_fit(X[60:], y[60:]).fit(X, y)
    model.partial_fit(X[:60], y[:60])
    np.testing.assert_array_equal(model.mse_path_, fresh.mse_path_)
    np.testing.assert_array_equal(model.coef_, fresh.coef_)


def test_partial_fit_refuses_bad_chunks_and_changes_nothing():
    """Each bad chunk raises naming what is wrong; the next good chunk gives the same fit."""
    X, y = problem(13, n=150)
    good = LassoCV(alphas=10, cv=3)
    with pytest.raises(ValueError, match="fewer than the cv=3 folds"):
        good.partial_fit(X[:2], y[:2])
    assert not hasattr(good, "coef_")
    good.partial_fit(X[:50], y[:50])
    fitted = {name: np.copy(getattr(good, name)) for name in ("coef_", "alpha_", "mse_path_")}
    nan_X, nan_y = X[50:60].copy(), y[50:60].copy()
    nan_X[3, 2], nan_y[4] = np.nan, np.nan
    bad_chunks = [
        ((X[50:60, :-1], y[50:60]), {}, "X has 7 features, but LassoCV is expecting 8"),
        ((nan_X, y[50:60]), {}, r"X contains 1 non-finite value.*index \(3, 2\)"),
        ((X[50:60], nan_y), {}, r"y contains 1 non-finite value.*index \(4,\)"),
        ((X[50:60], y[50:59]), {}, "different numbers of samples"),
        ((X[50:60], y[50:60]), {"sample_weight": -np.ones(10)}, "sample_weight must be >= 0"),
        ((X[50:60], y[50:60]), {"sample_weight": np.zeros(10)}, "sample_weight must not be all"),
        ((X[50:60], np.column_stack([y[50:60]] * 2)), {}, "fits one target"),
    ]
    for args, kwargs, message in bad_chunks:
        with pytest.raises(ValueError, match=message):
            good.partial_fit(*args, **kwargs)
        for name, value in fitted.items():
            np.testing.assert_array_equal(getattr(good, name), value)
    for cv, message in [(4, "cv=4, but the rows seen .* dealt to 3 folds"), (kfold(10, 2), "cv")]:
        with pytest.raises(ValueError, match=message):
            good.set_params(cv=cv).partial_fit(X[50:60], y[50:60])
    good.set_params(cv=3).partial_fit(X[50:], y[50:])
    clean = LassoCV(alphas=10, cv=3).partial_fit(X[:50], y[:50]).partial_fit(X[50:], y[50:])
    np.testing.assert_array_equal(good.mse_path_, clean.mse_path_)
    np.testing.assert_array_equal(good.coef_, clean.coef_)


def test_partial_fit_refuses_dask_arrays():
    da = pytest.importorskip("dask.array")
    X, y = problem(14, n=60)
    with pytest.raises(ValueError, match="partial_fit takes chunks in memory"):
        LassoCV(cv=3).partial_fit(da.from_array(X, chunks=20), da.from_array(y, chunks=20))
