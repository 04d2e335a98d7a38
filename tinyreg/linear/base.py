"""The estimator machinery every linear model shares, and ``LinearRegression``.

:class:`_LinearModel` does what scikit-learn's estimators do around the
solve: check the arguments, centre the data so the intercept is not
penalized, call the subclass's ``_fit_centred``, and provide ``predict``,
``score`` (R²), ``get_params`` and ``set_params``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.metrics import r2_score
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_X_y,
)


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before reaching ``tol``."""


class NotFittedError(ValueError, AttributeError):
    """``predict`` or ``score`` was called on an estimator that has not been fitted."""


# ---------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------


class _LinearModel:
    """Shared machinery of every estimator here: parameters, centring, predict, score.

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

    # -- parameters -------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict (scikit-learn semantics)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _LinearModel:
        """Set constructor parameters and return ``self``.

        Unknown names and invalid values raise ValueError, and then nothing
        is changed.
        """
        valid = self._param_names()
        for name in params:
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}"
                )
        self._check_params({**self.get_params(), **params})
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

    # -- fitting ----------------------------------------------------------

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _LinearModel:
        """Fit the model to ``X`` (n_samples, n_features) and ``y``; return ``self``."""
        params = self._check_params(self.get_params())
        X, y, sample_weight = check_X_y(X, y, sample_weight)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        Y = y.reshape(y.shape[0], -1)
        n = X.shape[0]

        sqrt_sw = None
        if sample_weight is not None:
            total = float(sample_weight.sum())
            if total <= 0:
                raise ValueError("sample_weight must have a positive sum")
            if self._normalize_sample_weight:
                sample_weight = sample_weight * (n / total)
            sqrt_sw = np.sqrt(sample_weight.astype(np.float64))

        if params["fit_intercept"]:
            x_offset = np.average(X, axis=0, weights=sample_weight)
            y_offset = np.average(Y, axis=0, weights=sample_weight)
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
        self.n_features_in_ = X.shape[1]
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
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit(X, y) "
                "before predict or score."
            )
        X = check_finite_array("X", X, ndim=2)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features (shape {X.shape}), but {type(self).__name__} "
                f"was fitted with {self.n_features_in_} features"
            )
        return X @ self.coef_.T + self.intercept_

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Return the coefficient of determination R² of ``predict(X)`` against ``y``."""
        X, y, sample_weight = check_X_y(X, y, sample_weight)
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
