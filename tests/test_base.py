"""The scikit-learn estimator protocol of tinyreg.base: parameters, tags, errors, warnings.

The linear models and the MLPs share it; the tests use both kinds. Tests
that need scikit-learn itself (its tags, its exception classes) skip
without it; CI runs them with the ``sklearn`` extra.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
from _imports import loaded_modules

import tinyreg.linear as tl
from tinyreg import base, validation
from tinyreg.base import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    check_class_labels,
    check_is_fitted,
    sklearn_flavoured,
)
from tinyreg.estimators import MLPClassifier, MLPRegressor

LINEAR = ["LinearRegression", "Ridge", "RidgeCV", "Lasso", "ElasticNet"]

# ---------------------------------------------------------------------------
# One home: every other import path gives the same objects
# ---------------------------------------------------------------------------


def test_the_protocol_is_defined_once_and_reexported_by_tinyreg_linear():
    assert tl.ConvergenceWarning is ConvergenceWarning
    assert tl.NotFittedError is NotFittedError
    assert tl.base.Estimator is base.Estimator
    assert tl.base.ConvergenceWarning is ConvergenceWarning
    for name in ["NotFittedError", "DataConversionWarning", "sklearn_flavoured"]:
        with pytest.warns(DeprecationWarning, match=rf"import {name} from tinyreg\.base") as seen:
            assert getattr(validation, name) is getattr(base, name)
        assert seen[0].filename == __file__
    with pytest.raises(AttributeError, match="has no attribute 'Estimator'"):
        validation.Estimator
    assert all(issubclass(getattr(tl, name), base.Estimator) for name in LINEAR)
    assert issubclass(MLPRegressor, base.Estimator) and issubclass(MLPClassifier, base.Estimator)


def test_importing_validation_imports_nothing_else_of_tinyreg():
    loaded = loaded_modules("import tinyreg.validation", bare_package=True)
    assert [m for m in loaded if m.startswith("tinyreg")] == ["tinyreg", "tinyreg.validation"]


# ---------------------------------------------------------------------------
# Estimator: parameters and repr
# ---------------------------------------------------------------------------


def test_get_params_set_params_and_repr():
    model = tl.Lasso(alpha=0.5)
    assert model.get_params() == {
        "alpha": 0.5,
        "fit_intercept": True,
        "max_iter": 1000,
        "tol": 1e-4,
        "warm_start": False,
        "positive": False,
        "solver": "auto",
    }
    assert model.set_params(alpha=0.2, tol=1e-6) is model
    assert model.alpha == 0.2 and model.tol == 1e-6
    assert repr(model) == "Lasso(alpha=0.2, tol=1e-06)"
    assert "l1_ratio" in tl.ElasticNet().get_params()
    with pytest.raises(ValueError, match="invalid parameter 'l1_ratio' for Lasso"):
        model.set_params(alpha=0.3, l1_ratio=0.5)
    assert model.alpha == 0.2  # unchanged
    # Values are checked by fit, as in scikit-learn (a grid search sets them first).
    model.set_params(alpha=-1.0)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        model.fit([[1.0], [2.0]], [1.0, 2.0])


# ---------------------------------------------------------------------------
# Estimator: tags
# ---------------------------------------------------------------------------


def test_estimator_kinds():
    sklearn_base = pytest.importorskip("sklearn.base")
    assert all(sklearn_base.is_regressor(getattr(tl, name)()) for name in LINEAR)
    assert sklearn_base.is_regressor(MLPRegressor())
    assert sklearn_base.is_classifier(MLPClassifier())
    assert "sklearn" in sys.modules  # imported by this test, never by tinyreg itself


# ---------------------------------------------------------------------------
# NotFittedError and check_is_fitted
# ---------------------------------------------------------------------------


def test_check_is_fitted_raises_a_not_fitted_error_naming_the_estimator():
    class Model:
        pass

    model = Model()
    with pytest.raises(NotFittedError, match="This Model instance is not fitted yet; call fit"):
        check_is_fitted(model)
    model.n_features_in_ = 3
    check_is_fitted(model)
    with pytest.raises(NotFittedError):
        check_is_fitted(model, "module_")
    # scikit-learn's NotFittedError is both: callers catching either one catch it
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    assert not hasattr(tl.Ridge(), "coef_")  # hasattr sees the AttributeError


def test_not_fitted_error_is_also_scikit_learns_and_survives_pickling():
    exceptions = pytest.importorskip("sklearn.exceptions")
    X = np.random.default_rng(0).standard_normal((10, 8))
    for model in [tl.Ridge(), MLPClassifier()]:
        with pytest.raises(exceptions.NotFittedError) as caught:
            model.predict(X)
        assert isinstance(caught.value, NotFittedError)
        again = pickle.loads(pickle.dumps(caught.value))
        assert isinstance(again, exceptions.NotFittedError) and isinstance(again, NotFittedError)
        assert str(again) == str(caught.value)


# ---------------------------------------------------------------------------
# sklearn_flavoured
# ---------------------------------------------------------------------------


def test_without_scikit_learn_loaded_the_classes_are_tinyregs_own():
    code = (
        "from tinyreg.base import DataConversionWarning, NotFittedError, sklearn_flavoured\n"
        "assert sklearn_flavoured(NotFittedError) is NotFittedError\n"
        "assert sklearn_flavoured(DataConversionWarning) is DataConversionWarning"
    )
    assert "sklearn" not in loaded_modules(code)  # and the asserts passed (or it raises)


def test_with_scikit_learn_loaded_the_classes_are_both():
    exceptions = pytest.importorskip("sklearn.exceptions")
    for ours in (NotFittedError, DataConversionWarning):
        joint = sklearn_flavoured(ours)
        assert issubclass(joint, ours) and issubclass(joint, getattr(exceptions, ours.__name__))
        assert joint.__name__ == ours.__name__ and joint is sklearn_flavoured(ours)  # one class


# ---------------------------------------------------------------------------
# check_class_labels and DataConversionWarning
# ---------------------------------------------------------------------------


def test_class_labels_are_sorted_and_coded():
    classes, codes = check_class_labels(["b", "a", "c", "a"])
    np.testing.assert_array_equal(classes, ["a", "b", "c"])
    np.testing.assert_array_equal(codes, [1, 0, 2, 0])
    classes, codes = check_class_labels(np.array([2.0, -1.0, 2.0]))  # whole-number floats
    np.testing.assert_array_equal(classes, [-1.0, 2.0])
    np.testing.assert_array_equal(codes, [1, 0, 1])


def test_a_column_of_labels_is_flattened_with_a_data_conversion_warning():
    with pytest.warns(DataConversionWarning, match="column-vector y was passed") as seen:
        classes, codes = check_class_labels(np.array([[1], [0], [1]]))
    assert [w.filename for w in seen] == [__file__]
    np.testing.assert_array_equal(classes, [0, 1])
    np.testing.assert_array_equal(codes, [1, 0, 1])


def test_targets_that_are_not_class_labels_raise():
    with pytest.raises(ValueError, match=r"Unknown label type: continuous.*such as 0\.5"):
        check_class_labels([0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match=r"y must be 1-D.*shape \(2, 2\)"):
        check_class_labels(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="y contains 1 non-finite"):
        check_class_labels([0.0, np.nan])
    with pytest.raises(ValueError, match="the target y is None"):
        check_class_labels(None)
    with pytest.raises(TypeError, match="y mixes labels of different types"):
        check_class_labels(np.array([1, "a"], dtype=object))


# ---------------------------------------------------------------------------
# ConvergenceWarning
# ---------------------------------------------------------------------------


def test_convergence_warning_is_a_user_warning_that_filters_can_silence():
    assert issubclass(ConvergenceWarning, UserWarning)
    X = np.random.default_rng(1).standard_normal((30, 4))
    y = X @ np.array([1.0, -1.0, 0.5, 0.0])
    with pytest.warns(ConvergenceWarning):
        tl.Lasso(alpha=1e-6, max_iter=1, solver="cd").fit(np.column_stack([X, X + 1e-3]), y)
