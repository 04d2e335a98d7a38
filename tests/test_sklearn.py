"""tinyreg's estimators inside scikit-learn: check_estimator, model selection, pipelines.

Skipped without scikit-learn; CI installs the ``sklearn`` extra and runs them.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn.linear_model as sk
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_estimator,
)

import tinyreg.linear as tl
from tinyreg.datasets import make_moons, make_regression
from tinyreg.estimators import MLPClassifier, MLPRegressor

LINEAR = [
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "Lasso",
    "ElasticNet",
    "LassoCV",
    "ElasticNetCV",
]

# Checks that scikit-learn runs on its own estimators but not on tinyreg's, and why.
NOT_RUN = {
    "check_sample_weight_equivalence_on_sparse_data": (
        "tinyreg works on dense arrays: its tags say sparse=False, and a sparse X raises a "
        "TypeError that says so (check_estimator_sparse_* check that message)"
    ),
}


def expected_failures(estimator):
    """Checks expected to fail for ``estimator``, with the reason."""
    if isinstance(estimator, tl.RidgeCV) and "cv" not in estimator.get_params():
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "leave-one-out with weight 2 removes the sample, with a repeated row only one "
                "copy; scikit-learn's RidgeCV passes through its cv parameter (explicit folds)"
            )
        }
    return {}


def run_checks(estimator):
    """check_estimator's verdict on every check: {name: (status, exception)}.

    status is "passed", "failed", "skipped" or "xfail"; a check that runs
    several times counts with its worst outcome.
    """
    worst = {"passed": 0, "skipped": 1, "xfail": 2, "failed": 3}
    verdicts = {}

    def record(estimator, check_name, exception, status, **_):
        if worst[status] >= worst[verdicts.get(check_name, ("passed", None))[0]]:
            verdicts[check_name] = (status, exception)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(
            estimator,
            on_skip=None,
            on_fail=None,
            callback=record,
            expected_failed_checks=expected_failures(estimator),
        )
    return verdicts


@pytest.mark.parametrize("name", LINEAR)
def test_linear_estimator_passes_every_check_its_scikit_learn_counterpart_passes(name):
    theirs = run_checks(getattr(sk, name)())
    ours = run_checks(getattr(tl, name)())
    passed_there = {check for check, (status, _) in theirs.items() if status == "passed"}
    assert passed_there - set(ours) <= set(NOT_RUN)
    expected = expected_failures(getattr(tl, name)())
    problems = {
        check: (status, exception)
        for check, (status, exception) in ours.items()
        if not (
            status == "passed"
            or (status == "xfail" and check in expected)
            or (status == "skipped" and theirs.get(check, ("",))[0] == "skipped")
        )
    }
    assert not problems


@pytest.mark.parametrize("make", [MLPRegressor, MLPClassifier])
def test_mlps_pass_check_estimator(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(make(hidden_layer_sizes=(16,), random_state=0), on_skip=None)


# ---------------------------------------------------------------------------
# Same numbers as scikit-learn inside its tools
#
# The closed forms (OLS, ridge, leave-one-out) are backward stable, and the
# designs below are well conditioned (Gaussian, n ≥ 4p), so both libraries
# agree to a few ulps; coordinate descent is run to tol=1e-15, where both stop
# only once no coefficient moves by more than rounding, on a strongly convex
# problem (n > p) whose minimiser is unique. 1e-9 relative leaves a wide margin.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    X, y, _ = make_regression(n_samples=120, n_features=8, n_informative=4, noise=10.0, generator=0)
    return X, y + 30.0


PAIRS = [
    (tl.LinearRegression(), sk.LinearRegression()),
    (tl.Ridge(alpha=3.0), sk.Ridge(alpha=3.0)),
    (tl.RidgeCV(alphas=[0.1, 1.0, 10.0, 100.0]), sk.RidgeCV(alphas=[0.1, 1.0, 10.0, 100.0])),
    (tl.Lasso(alpha=2.0, tol=1e-15, max_iter=100_000), sk.Lasso(alpha=2.0, tol=1e-15)),
    (
        tl.ElasticNet(alpha=2.0, l1_ratio=0.3, tol=1e-15, max_iter=100_000),
        sk.ElasticNet(alpha=2.0, l1_ratio=0.3, tol=1e-15, max_iter=100_000),
    ),
    (tl.Lasso(alpha=2.0, tol=1e-15, solver="ws"), sk.Lasso(alpha=2.0, tol=1e-15)),
    (
        tl.ElasticNet(alpha=2.0, l1_ratio=0.3, tol=1e-15, solver="ws"),
        sk.ElasticNet(alpha=2.0, l1_ratio=0.3, tol=1e-15, max_iter=100_000),
    ),
]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=lambda m: type(m).__name__)
def test_cross_val_score_equals_scikit_learns(data, ours, theirs):
    X, y = data
    np.testing.assert_allclose(
        cross_val_score(ours, X, y, cv=5), cross_val_score(theirs, X, y, cv=5), rtol=1e-9
    )


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (tl.Ridge(), sk.Ridge()),
        (tl.Lasso(tol=1e-15, max_iter=100_000), sk.Lasso(tol=1e-15, max_iter=100_000)),
        (tl.ElasticNet(tol=1e-15, max_iter=100_000), sk.ElasticNet(tol=1e-15, max_iter=100_000)),
        (tl.Lasso(tol=1e-15, solver="ws"), sk.Lasso(tol=1e-15, max_iter=100_000)),
        (tl.ElasticNet(tol=1e-15, solver="ws"), sk.ElasticNet(tol=1e-15, max_iter=100_000)),
    ],
    ids=lambda m: type(m).__name__,
)
def test_grid_search_picks_the_same_alpha_and_refits_the_same_model(data, ours, theirs):
    X, y = data
    grid = {"alpha": np.geomspace(0.01, 100.0, 9)}
    if type(ours) is tl.ElasticNet:
        grid["l1_ratio"] = [0.2, 0.8]
    ours = GridSearchCV(ours, grid, cv=5).fit(X, y)
    theirs = GridSearchCV(theirs, grid, cv=5).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-9
    )
    np.testing.assert_allclose(ours.best_estimator_.coef_, theirs.best_estimator_.coef_, rtol=1e-9)
    assert ours.best_estimator_.intercept_ == pytest.approx(
        theirs.best_estimator_.intercept_, rel=1e-9
    )


def test_pipeline_and_a_grid_search_over_it_match_scikit_learn(data):
    X, y = data
    X = X * np.arange(1.0, 9.0) + 100.0  # scales and offsets for the scaler to undo
    ours = make_pipeline(StandardScaler(), tl.Ridge(alpha=5.0)).fit(X, y)
    theirs = make_pipeline(StandardScaler(), sk.Ridge(alpha=5.0)).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-9)

    grid = {"ridge__alpha": [0.1, 1.0, 10.0, 100.0]}
    ours = GridSearchCV(make_pipeline(StandardScaler(), tl.Ridge()), grid, cv=4).fit(X, y)
    theirs = GridSearchCV(make_pipeline(StandardScaler(), sk.Ridge()), grid, cv=4).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.best_estimator_[-1].coef_, theirs.best_estimator_[-1].coef_, rtol=1e-9
    )


def test_parallel_cross_validation_pickles_tinyreg_estimators(data):
    X, y = data
    serial = cross_val_score(tl.Ridge(alpha=2.0), X, y, cv=4)
    parallel = cross_val_score(tl.Ridge(alpha=2.0), X, y, cv=4, n_jobs=2)  # worker processes
    np.testing.assert_array_equal(parallel, serial)


def test_clone_copies_parameters_not_the_fit(data):
    X, y = data
    fitted = tl.Lasso(alpha=0.3, max_iter=500).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and copy is not fitted
    assert not hasattr(copy, "coef_")
    net = clone(MLPRegressor(hidden_layer_sizes=(4,), dropout=0.1, random_state=0))
    assert net.get_params()["dropout"] == 0.1 and not hasattr(net, "module_")


# ---------------------------------------------------------------------------
# The MLPs inside scikit-learn's tools
# ---------------------------------------------------------------------------


def test_mlp_alpha_is_scikit_learns_alpha_over_the_batch_size():
    """One full-batch SGD step from the same weights lands on the same weights.

    scikit-learn's MLPRegressor minimises ½·mean((y − f)²) + (alpha/(2n))·‖W‖²
    for a batch of n samples; tinyreg's the same data term + (alpha'/2)·‖W‖².
    With alpha' = alpha/n the gradients agree, so plain SGD steps agree to
    rounding.
    """
    rng = np.random.default_rng(0)
    n = 40
    X = rng.standard_normal((n, 3))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    common = dict(activation="tanh", solver="sgd", momentum=0.0, learning_rate_init=0.1)
    ours = MLPRegressor((5,), alpha=2.0 / n, batch_size=n, random_state=0, **common)
    theirs = SklearnMLPRegressor(
        hidden_layer_sizes=(5,),
        alpha=2.0,
        batch_size=n,
        nesterovs_momentum=False,
        shuffle=False,
        **common,
    )
    ours.partial_fit(X, y)  # each makes its network (and takes a first step)
    theirs.partial_fit(X, y)
    theirs.coefs_ = [w.copy() for w in ours.coefs_]  # from the same weights ...
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    ours.partial_fit(X, y)  # ... one step each
    theirs.partial_fit(X, y)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_grid_search_over_mlp_alpha_and_dropout_is_reproducible():
    X, y, _ = make_regression(n_samples=80, n_features=5, n_informative=2, noise=5.0, generator=1)
    pipeline = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=60, random_state=0),
    )
    grid = {"mlpregressor__alpha": [1e-4, 1e-1], "mlpregressor__dropout": [0.0, 0.2]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tl.ConvergenceWarning)
        search = GridSearchCV(pipeline, grid, cv=3).fit(X, y / 50.0)
        direct = clone(pipeline).set_params(**search.best_params_).fit(X, y / 50.0)
    assert len(search.cv_results_["mean_test_score"]) == 4
    for a, b in zip(search.best_estimator_[-1].coefs_, direct[-1].coefs_, strict=True):
        np.testing.assert_array_equal(a, b)  # the refit is the same deterministic training


def test_cross_val_score_of_the_classifier_is_stratified_and_accurate():
    X, y = make_moons(200, noise=0.15, generator=3)
    model = MLPClassifier(hidden_layer_sizes=(32, 32), learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tl.ConvergenceWarning)
        scores = cross_val_score(model, X, y, cv=4)
    assert scores.min() > 0.9


def test_feature_names_from_a_data_frame():
    pd = pytest.importorskip("pandas")
    estimators = [getattr(tl, name)() for name in LINEAR]
    estimators += [MLPRegressor((4,), max_iter=5, random_state=0)]
    estimators += [MLPClassifier((4,), max_iter=5, random_state=0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tl.ConvergenceWarning)
        for estimator in estimators:
            check_dataframe_column_names_consistency(type(estimator).__name__, estimator)

    X = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "rooms": [1.0, 3.0, 2.0, 5.0]})
    y = [1.0, 2.0, 2.5, 4.0]
    model = tl.Ridge().fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, ["size", "rooms"])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X.to_numpy())
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        model.predict(X[["rooms", "size"]])
    model.fit(X.to_numpy(), y)
    assert not hasattr(model, "feature_names_in_")  # a refit on an array forgets them
