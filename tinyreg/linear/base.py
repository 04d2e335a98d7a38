"""The estimator machinery every model shares, and ``LinearRegression``.

:class:`Estimator` is what makes an object a scikit-learn estimator without
scikit-learn: parameters (``get_params``, ``set_params``), the estimator
tags, and the checks around ``fit`` and ``predict``. The MLPs of
:mod:`tinyreg.estimators` build on it too. :class:`_LinearModel` adds what
the linear models share around their solvers: check the arguments, centre
the data so the intercept is not penalized, call the subclass's
``_fit_centred``, and provide ``predict`` and ``score`` (R²).
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.metrics import r2_score
from tinyreg.validation import (
    NotFittedError,
    check_choice,
    check_feature_names,
    check_finite_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
    feature_names,
)

__all__ = ["ConvergenceWarning", "Estimator", "LinearRegression", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before reaching ``tol``."""


# ---------------------------------------------------------------------------
# The scikit-learn estimator protocol
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
        from sklearn.utils import (  # type: ignore[import-untyped, import-not-found]
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

    def _check_input(self, X: Any, depth: int = 1) -> np.ndarray:
        """``X`` for ``predict``, checked: fitted, 2-D, finite, the fitted columns.

        ``depth``: how many calls lie between the user and this one (for warnings).
        """
        check_is_fitted(self, "n_features_in_")
        owner = type(self).__name__
        fitted_names = getattr(self, "feature_names_in_", None)
        check_feature_names(X, fitted_names, owner, stacklevel=depth + 3)
        X = check_finite_array("X", X, ndim=2)
        check_n_features(X, self.n_features_in_, owner)
        return X


# ---------------------------------------------------------------------------
# Linear models
# ---------------------------------------------------------------------------


_Model = TypeVar("_Model", bound="_LinearModel")


class _LinearModel(Estimator):
    """Shared machinery of every linear model here: centring, predict, score.

    Fitting with an unpenalized intercept. With weights s (all ones when no
    ``sample_weight``), let x̄ = Σ sᵢxᵢ / Σ sᵢ and ȳ likewise. For any fixed
    w the best intercept is b = ȳ − x̄ᵀw, and substituting it leaves the
    problem in w alone on the centred data Xc = X − x̄, yc = y − ȳ. Weights
    are then folded in by scaling the rows: Σ sᵢ(yᵢ − xᵢw − b)² =
    ‖√s·(yc − Xc·w)‖². So each subclass only implements ``_fit_centred`` on
    the scaled, centred data, and the intercept is recovered here.

    Subclasses declare their parameters as keyword arguments of ``__init__``
    (stored unchanged, as in scikit-learn) and check them in
    ``_check_params``, which returns the converted values.
    """

    #: scikit-learn rescales the weights of the elastic net to sum to n
    _normalize_sample_weight = False

    # -- fitting ----------------------------------------------------------

    def fit(
        self: _Model, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _Model:
        """Fit the model to ``X`` (n_samples, n_features) and ``y``; return ``self``."""
        params = self._check_params(self.get_params())
        X_in = X
        X, y, sw = check_X_y(X, y, sample_weight)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        Y = y.reshape(y.shape[0], -1)
        n = X.shape[0]

        sqrt_sw = None
        if sw is not None:
            if self._normalize_sample_weight:
                sw = sw * (n / float(sw.sum()))
            sqrt_sw = np.sqrt(sw.astype(np.float64))

        if params["fit_intercept"]:
            x_offset = np.average(X, axis=0, weights=sw)
            y_offset = np.average(Y, axis=0, weights=sw)
            Xc, Yc = X - x_offset, Y - y_offset  # the one copy of X
            if sqrt_sw is not None:
                Xc *= sqrt_sw[:, None]
                Yc *= sqrt_sw[:, None]
        else:
            x_offset, y_offset = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
            Xc, Yc = X, Y
            if sqrt_sw is not None:
                Xc, Yc = X * sqrt_sw[:, None], Y * sqrt_sw[:, None]

        coef, attributes = self._fit_centred(Xc, Yc, params, sqrt_sw)
        intercept = y_offset - coef @ x_offset

        # Nothing above touched self: a failure leaves a previous fit intact.
        if y.ndim == 1:
            coef, intercept = coef[0], float(intercept[0])
        self.coef_ = coef
        self.intercept_ = intercept if params["fit_intercept"] else 0.0
        self._remember_input(X_in, X.shape[1])
        for name, value in attributes.items():
            setattr(self, name, value)
        return self

    def _fit_centred(
        self, X: np.ndarray, Y: np.ndarray, params: dict[str, Any], sqrt_sw: np.ndarray | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Solve for ``coef`` of shape (n_targets, n_features) on centred, scaled data.

        Returns ``(coef, extra_fitted_attributes)``.
        """
        raise NotImplementedError

    # -- using a fit ------------------------------------------------------

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Return X·coefᵀ + intercept, shape (n_samples,) or (n_samples, n_targets)."""
        X = self._check_input(X)
        return X @ self.coef_.T + self.intercept_

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Return the coefficient of determination R² of ``predict(X)`` against ``y``."""
        return r2_score(y, self.predict(X), sample_weight)


def _check_fit_intercept(params: dict[str, Any]) -> None:
    check_choice("fit_intercept", params["fit_intercept"], (True, False))


class LinearRegression(_LinearModel):
    """Ordinary least squares: minimise Σ sᵢ·(yᵢ − xᵢᵀw − b)² (sᵢ = 1 without weights).

    Solved with ``np.linalg.lstsq`` (an SVD) on the centred data, so a
    rank-deficient X gets the minimum-norm solution.

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_`` (float or (n_targets,)), ``rank_`` and ``singular_``
    (rank and singular values of the centred, weighted X),
    ``n_features_in_``.
    """

    def __init__(self, fit_intercept: bool = True):
        self.fit_intercept = fit_intercept

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        return dict(params)

    def _fit_centred(self, X, Y, params, sqrt_sw):
        coef, _, rank, singular = np.linalg.lstsq(X, Y, rcond=None)
        return coef.T, {"rank_": int(rank), "singular_": singular}
