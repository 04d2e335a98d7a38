"""The scikit-learn estimator protocol, without scikit-learn: one home for every estimator.

scikit-learn's tools (``clone``, ``Pipeline``, ``GridSearchCV``,
``cross_val_score``, ``check_estimator``) need little of an estimator: its
parameters, its tags, and errors and warnings of the classes they recognise.
This module holds that protocol for the linear models of
:mod:`tinyreg.linear` and the networks of :mod:`tinyreg.estimators`:

* :class:`Estimator`, the base class: ``get_params``, ``set_params``,
  ``__repr__``, ``__sklearn_tags__``, and the checks of the input around
  ``fit`` and ``predict``;
* the errors and warnings: :class:`NotFittedError`,
  :class:`ConvergenceWarning`, :class:`DataConversionWarning`, and
  :func:`sklearn_flavoured`, which makes tinyreg's classes scikit-learn's
  too while scikit-learn is loaded;
* the checks an estimator's methods start with: :func:`check_is_fitted`,
  and :func:`check_class_labels` for a classifier's targets.

tinyreg never imports scikit-learn: every use of it here happens only when
scikit-learn is already loaded, or inside a method that only scikit-learn
calls. The argument checks themselves are in :mod:`tinyreg.validation`, the
layer below.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from typing import Any, TypeVar, cast

import numpy as np

from tinyreg.validation import (
    check_feature_names,
    check_finite_array,
    check_labels,
    check_n_features,
    check_y_given,
    feature_names,
    user_stacklevel,
)

__all__ = [
    "ConvergenceWarning",
    "DataConversionWarning",
    "Estimator",
    "NotFittedError",
    "PerformanceWarning",
    "check_class_labels",
    "check_is_fitted",
    "sklearn_flavoured",
]


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------


class Estimator:
    """Base class of tinyreg's estimators: what scikit-learn's tools need of an estimator.

    ``clone``, ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` rely on:

    * **parameters**: every keyword argument of ``__init__`` is stored
      unchanged under its own name; ``get_params`` reads them and
      ``set_params`` writes them. Values are checked by ``fit`` (in
      ``_check_params``), never by ``__init__`` or ``set_params``, so a
      grid search can set any combination before fitting.
    * **tags**: ``__sklearn_tags__`` says what kind of estimator this is
      (regressor or classifier, multi-output or not, dense input only).
      It is scikit-learn's documented protocol for estimators that do not
      inherit its ``BaseEstimator``, and only scikit-learn calls it, so it
      imports scikit-learn inside the method: tinyreg does not depend on it.
    * **input checks**: ``fit`` ends with :meth:`_remember_input`, which
      sets ``n_features_in_`` and, when X is a data frame whose column
      names are all strings, ``feature_names_in_``. ``predict`` starts with
      :meth:`_check_input`, which raises :class:`NotFittedError` before
      ``fit`` and ValueError for another number of features or other
      column names.
    """

    #: "regressor" or "classifier", for the tags
    _estimator_type_tag = "regressor"
    #: whether y may be 2-D (one column per target), for the tags
    _multi_output = True

    # -- parameters -------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict (scikit-learn semantics)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor parameters and return ``self``.

        An unknown name raises ValueError, and then nothing is changed.
        Values are checked when ``fit`` runs, as in scikit-learn.
        """
        valid = self._param_names()
        for name in params:
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}"
                )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = []
        for name, value in self.get_params().items():
            default = defaults[name].default
            same = value is default or (
                np.ndim(value) == 0 and np.ndim(default) == 0 and value == default
            )
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the validated, converted parameters or raise ValueError."""
        return dict(params)

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's description of this estimator (a ``sklearn.utils.Tags``)."""
        from sklearn.utils import (
            ClassifierTags,
            InputTags,
            RegressorTags,
            Tags,
            TargetTags,
        )

        classifier = self._estimator_type_tag == "classifier"
        return Tags(
            estimator_type=self._estimator_type_tag,
            target_tags=TargetTags(required=True, multi_output=self._multi_output),
            classifier_tags=ClassifierTags(multi_label=False) if classifier else None,
            regressor_tags=None if classifier else RegressorTags(),
            input_tags=InputTags(sparse=False),
        )

    # -- input checks -----------------------------------------------------

    def _remember_input(self, X: Any, n_features: int) -> None:
        """Set ``n_features_in_`` and ``feature_names_in_`` (or remove a stale one) after fit.

        ``X`` is the input as the user passed it (a data frame keeps its column names).
        """
        names = feature_names(X)
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _check_input(self, X: Any) -> np.ndarray:
        """``X`` for ``predict``, checked: fitted, 2-D, finite, the fitted columns."""
        check_is_fitted(self, "n_features_in_")
        owner = type(self).__name__
        fitted_names = getattr(self, "feature_names_in_", None)
        check_feature_names(X, fitted_names, owner)
        X = check_finite_array("X", X, ndim=2)
        check_n_features(X, self.n_features_in_, owner)
        return X


# ---------------------------------------------------------------------------
# Errors and warnings that scikit-learn recognises
# ---------------------------------------------------------------------------


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before reaching ``tol``."""


class PerformanceWarning(UserWarning):
    """A fit is taking a slow route where another solver reaches the same result faster."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted estimator (``predict``, ``score``...) came before ``fit``."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuilt for the process that unpickles it, which may or may not have scikit-learn.
        return _sklearn_flavoured_instance, (NotFittedError, self.args)


class DataConversionWarning(UserWarning):
    """The data was converted to another shape or type than the one passed (e.g. y.ravel())."""


_T = TypeVar("_T")


@functools.cache
def _joint_class(tinyreg_class: type, sklearn_class: type) -> type:
    return type(
        tinyreg_class.__name__,
        (tinyreg_class, sklearn_class),
        {"__module__": __name__, "__doc__": tinyreg_class.__doc__},
    )


def sklearn_flavoured(cls: type[_T]) -> type[_T]:
    """``cls``, or while scikit-learn is loaded, a subclass of it and of scikit-learn's namesake.

    scikit-learn recognises some errors and warnings by their class:
    ``sklearn.exceptions.NotFittedError`` and ``DataConversionWarning``.
    tinyreg must not import scikit-learn, so it raises its own classes, but
    when scikit-learn is already loaded (as it always is when scikit-learn
    is the caller) it raises a class deriving from both, which scikit-learn
    and tinyreg both recognise.
    """
    exceptions = sys.modules.get("sklearn.exceptions")
    if exceptions is None:
        return cls
    joint = _joint_class(cast("type", cls), getattr(exceptions, cls.__name__))
    return cast("type[_T]", joint)


def _sklearn_flavoured_instance(cls: type[_T], args: tuple[Any, ...]) -> _T:
    return sklearn_flavoured(cls)(*args)


# ---------------------------------------------------------------------------
# The checks an estimator's methods start with
# ---------------------------------------------------------------------------


def check_is_fitted(estimator: Any, attribute: str = "n_features_in_") -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise sklearn_flavoured(NotFittedError)(
            f"This {name} instance is not fitted yet; call fit(X, y) before using it."
        )


def _warn_column_vector() -> None:
    """Warn (:class:`DataConversionWarning`) that a column-vector y is flattened to 1-D."""
    warnings.warn(
        "A column-vector y was passed when a 1d array was expected; "
        "it was flattened with y.ravel()",
        sklearn_flavoured(DataConversionWarning),
        stacklevel=user_stacklevel(),
    )


def check_class_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The classes found in ``y``, sorted, and ``y`` as indices into them: ``(classes, codes)``.

    ``y`` holds one label per sample: integers, strings, booleans, or
    floats that are whole numbers. A column vector (n_samples, 1) is
    flattened, with a :class:`DataConversionWarning`. Non-integer floats
    raise ValueError ("Unknown label type: continuous"): a continuous
    target needs a regressor.
    """
    check_y_given(y)
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        _warn_column_vector()
    labels = check_labels(
        "y", labels, hint="a classifier needs class labels; fit a regressor to a continuous target"
    )
    try:
        classes, codes = np.unique(labels, return_inverse=True)
    except TypeError as error:
        raise TypeError(
            f"y mixes labels of different types that cannot be sorted: {error}"
        ) from None
    return classes, codes.reshape(-1)
