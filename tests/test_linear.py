"""tinyreg.linear as a whole: what it imports, and what every estimator does alike.

Each estimator has its own tests (test_ridge.py, test_ridge_cv.py,
test_elastic_net.py, test_linear_base.py for LinearRegression and the shared
machinery); here are the properties they share: the closed forms of the
seed example, the checks of their arguments, and agreement with
scikit-learn (skipped when it is not installed). The package itself must
load neither the autograd engine nor dask.
"""

from __future__ import annotations

import numpy as np
import pytest
from _imports import loaded_modules
from _linear_reference import assert_same_minimiser, gaussian_problem

from tinyreg.linear import (
    ElasticNet,
    Lasso,
    LinearRegression,
    NotFittedError,
    Ridge,
    RidgeCV,
)

# ---------------------------------------------------------------------------
# What importing tinyreg.linear loads: numpy, never the engine, never dask
# ---------------------------------------------------------------------------


def test_importing_tinyreg_linear_loads_neither_autograd_nor_ops():
    """The reference solvers stand beside the engine: they load none of it.

    Imported under a bare tinyreg package (its ``__init__.py``, which loads
    everything for ``import tinyreg as tr``, does not run), tinyreg.linear
    loads what it needs; a model of every kind is fitted, so that the
    imports made inside functions are counted too.
    """
    code = (
        "import numpy as np, tinyreg.linear as tl\n"
        "X, y = np.random.default_rng(0).standard_normal((6, 3)), np.arange(6.0)\n"
        "for model in (tl.LinearRegression(), tl.Ridge(), tl.RidgeCV(), tl.RidgeCV(cv=2),\n"
        "              tl.Lasso(alpha=0.1), tl.ElasticNet(alpha=0.1, solver='cd')):\n"
        "    model.fit(X, y)\n"
        "tl.Ridge().partial_fit(X, y).partial_fit(X, y)\n"
        "tl.lasso_path(X, y, n_alphas=3)"
    )
    loaded = set(loaded_modules(code, bare_package=True))
    assert "tinyreg.linear.elastic_net" in loaded  # the imports did happen
    assert not loaded & {"tinyreg.autograd", "tinyreg.ops"}
    # tests/test_layout.py reads the same from the import statements of every module


def test_importing_tinyreg_never_imports_dask():
    code = (
        "import sys, numpy as np, tinyreg, tinyreg.linear as tl\n"
        "tl.Ridge().partial_fit(np.eye(3), np.ones(3))\n"
        "tl.RidgeCV(cv=2).fit(np.random.rand(6, 2), np.arange(6.0))"
    )
    loaded = loaded_modules(code)
    assert [m for m in loaded if m.split(".")[0] in ("dask", "distributed")] == []


# ---------------------------------------------------------------------------
# Every estimator: the seed example's closed forms
# ---------------------------------------------------------------------------


SEED_X = np.array([[1500], [2000], [2500], [3000], [3500]])
SEED_Y = np.array([300000, 400000, 500000, 600000, 700000])


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
# Every estimator: the checks of the arguments
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
        (
            Lasso(solver="lars"),
            "solver must be one of 'auto', 'homotopy', 'cd', 'fista', 'ws', 'dual'",
        ),
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


def test_integer_and_list_inputs_are_accepted():
    X = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 6]]
    y = [1, 2, 4, 3, 6]
    for make in ESTIMATORS:
        model = make().fit(X, y)
        assert model.coef_.dtype == np.float64
        assert model.predict(X).shape == (5,)


# ---------------------------------------------------------------------------
# Every estimator: agreement with scikit-learn (skipped without it)
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


def test_sklearn_clone_works():
    base = pytest.importorskip("sklearn.base")
    model = ElasticNet(alpha=0.3, l1_ratio=0.2)
    copy = base.clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
