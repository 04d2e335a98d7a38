"""What the linear models share, and ``LinearRegression``.

:class:`_LinearModel` is a scikit-learn estimator (:class:`tinyreg.base.Estimator`,
the protocol the MLPs of :mod:`tinyreg.estimators` follow too) with what the
linear models share around their solvers: check the arguments, centre the
data so the intercept is not penalized, call the subclass's
``_fit_centred``, and provide ``predict`` and ``score`` (R²).
:class:`_MomentsModel` is the linear model that sees the data only through
their :class:`~tinyreg.linear.moments.Moments`, and so learns from chunks
(``partial_fit``) and from dask arrays.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.base import ConvergenceWarning, Estimator, NotFittedError
from tinyreg.linear.data import data_of
from tinyreg.linear.moments import Moments, _as_moments, _centre, _Chunk, _RawChunk
from tinyreg.metrics import r2_score
from tinyreg.validation import check_choice, check_feature_names, check_X_y

__all__ = ["ConvergenceWarning", "Estimator", "LinearRegression", "NotFittedError"]


# ---------------------------------------------------------------------------
# Linear models
# ---------------------------------------------------------------------------


_Model = TypeVar("_Model", bound="_LinearModel")
_Moments = TypeVar("_Moments", bound="_MomentsModel")


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

    # -- fitting ----------------------------------------------------------

    def fit(
        self: _Model, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _Model:
        """Fit the model to ``X`` (n_samples, n_features) and ``y``; return ``self``."""
        params = self._check_params(self.get_params())
        X_in = X
        X, y, sw = check_X_y(X, y, sample_weight)
        chunk = _centre(X, y.reshape(y.shape[0], -1), sw)
        Xc, Yc = chunk.rows(params["fit_intercept"])
        coef, attributes = self._fit_centred(Xc, Yc, params, chunk.sqrt_weight)
        intercept = chunk.y_mean - coef @ chunk.x_mean

        # Nothing above touched self: a failure leaves a previous fit intact.
        self._store_fit(coef, intercept, params, y.ndim, attributes, X_in)
        return self

    def _store_fit(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        params: dict[str, Any],
        y_ndim: int,
        attributes: dict[str, Any],
        X_in: Any,
    ) -> None:
        """Set ``coef_``, ``intercept_``, the solver's ``attributes`` and the input's features.

        ``coef`` is (n_targets, n_features) and ``intercept`` (n_targets,);
        a 1-D y gets a 1-D ``coef_`` and a float ``intercept_``. ``X_in`` is
        X as the user passed it (see :meth:`Estimator._remember_input`).
        """
        self.coef_ = coef[0] if y_ndim == 1 else coef
        if not params["fit_intercept"]:
            self.intercept_: float | np.ndarray = 0.0
        else:
            self.intercept_ = float(intercept[0]) if y_ndim == 1 else intercept
        self._remember_input(X_in, coef.shape[1])
        for name, value in attributes.items():
            setattr(self, name, value)

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


class _MomentsModel(_LinearModel):
    """A linear model that sees the data only through their :class:`Moments`: ``partial_fit``.

    Ridge, the lasso and the elastic net depend on the data only through
    their weighted moments (see :mod:`tinyreg.linear.moments`), so they can
    learn from data in chunks. ``partial_fit`` checks a chunk completely,
    computes its moments, merges them into those of the data seen so far
    and solves from the result; only then does it change the estimator. A
    bad chunk raises and changes nothing: the next good one gives exactly
    the model the bad one never touched. ``fit`` forgets the data seen and
    does one ``partial_fit``. So ``fit(A)`` then ``partial_fit(B)`` is
    ``fit(A ∪ B)``, whatever the split and the order of the chunks.

    The moments do not depend on the parameters: after ``set_params``, the
    next ``partial_fit`` solves for all the data seen with the new values.

    ``X``, ``y`` and ``sample_weight`` may also be dask arrays; they are
    then summarised block by block where they live (see
    :mod:`tinyreg.linear.data`) and never gathered into one array.

    What is kept of the data seen is its moments, p×p numbers, except while
    the data seen is a single in-memory chunk with fewer rows than features:
    then its n×p centred rows (:class:`~tinyreg.linear.moments._Chunk`) are
    the smaller exact summary, and they let ridge use its dual form and the
    elastic net its residual form, as an in-memory fit should.

    Subclasses implement ``_fit_summary(moments, chunk, params)``: solve
    from ``moments``, or from ``chunk``'s rows when that is given (the data
    seen is that one chunk; ``moments`` is then None if n < p).
    """

    _seen: Moments | _Chunk  # the summary of the data seen since fit
    _y_ndim: int  # 1 or 2: the y of every chunk has the same

    def fit(
        self: _Moments, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _Moments:
        """Fit to ``X`` (n_samples, n_features) and ``y``, forgetting earlier data; return ``self``.

        The same as a ``partial_fit`` on an estimator that has seen nothing.
        """
        return self._learn(X, y, sample_weight, reset=True)

    def partial_fit(
        self: _Moments, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _Moments:
        """Add a chunk (``X``, ``y``, ``sample_weight``) to the data seen, refit; return ``self``.

        The result is the fit to all chunks seen since the last ``fit``, as
        if they had been passed to ``fit`` at once. Each chunk must have the
        same number of features (and column names, for data frames) and of
        targets as the first. Raises ValueError, changing nothing, for a
        chunk with another number of features or targets, NaN or infinity
        in X or y, negative or all-zero sample weights, a y or weights with
        other rows than X, or no rows.
        """
        return self._learn(X, y, sample_weight, reset=not hasattr(self, "_seen"))

    @property
    def moments_(self) -> Moments:
        """The :class:`Moments` of all the data seen since the last ``fit``."""
        if not hasattr(self, "_seen"):
            raise NotFittedError(f"This {type(self).__name__} instance has seen no data yet")
        return _as_moments(self._seen)

    def _learn(
        self: _Moments,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None,
        reset: bool,
    ) -> _Moments:
        params = self._check_params(self.get_params())
        owner = type(self).__name__
        if not reset:  # the column names of a data frame, as predict checks them
            fitted_names = getattr(self, "feature_names_in_", None)
            check_feature_names(X, fitted_names, owner)
        expected = None if reset else (self.n_features_in_, owner)
        summary, rows, y_ndim = data_of(X, y, sample_weight).summary(expected)
        if reset:
            seen = summary
        else:
            self._check_same_shape_as_seen(summary, y_ndim)
            seen = _as_moments(self._seen) + _as_moments(summary)
            rows = None  # the data seen is more than this chunk
        if not seen.weight_sum > 0:
            raise ValueError(
                "sample_weight must have a positive sum"
                + ("" if reset else " over all the data seen since fit (it sums to 0)")
            )
        moments = seen if isinstance(seen, Moments) else None
        coef, attributes = self._fit_summary(moments, rows, params)
        intercept = seen.y_mean - coef @ seen.x_mean

        # Nothing above touched self: a failure leaves the data seen and the fit intact.
        self._seen = seen
        self._y_ndim = y_ndim
        self._store_fit(coef, intercept, params, y_ndim, attributes, X)
        return self

    def _check_same_shape_as_seen(self, summary: Moments | _Chunk, y_ndim: int) -> None:
        seen = self._seen  # (its number of features was checked by summary())
        if (y_ndim, summary.n_targets) != (self._y_ndim, seen.n_targets):
            raise ValueError(
                f"this chunk has {_describe_y(y_ndim, summary.n_targets)}, but the data seen by "
                f"this {type(self).__name__} have {_describe_y(self._y_ndim, seen.n_targets)}"
            )

    def _fit_summary(
        self, moments: Moments | None, chunk: _Chunk | _RawChunk | None, params: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Solve for ``coef`` (n_targets, n_features); return ``(coef, extra_attributes)``."""
        raise NotImplementedError


def _describe_y(ndim: int, n_targets: int) -> str:
    return "a 1-D y" if ndim == 1 else f"a 2-D y with {n_targets} column(s)"


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
