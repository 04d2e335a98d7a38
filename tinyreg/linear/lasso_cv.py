r"""``LassoCV`` and ``ElasticNetCV``: alpha (and l1_ratio) chosen by K-fold cross-validation.

The lasso and the elastic net see the data only through their moments
(``moments.py``), and so does their solution path (the homotopy on the Gram
statistics, ``homotopy.py``). The held-out error of a fold is a quadratic
form in the fold's own moments. So one pass over the data gives every
fold's moments, and the paths of all training sets and the errors at every
alpha follow from them, without touching the data again: the mechanism of
K-fold :class:`~tinyreg.linear.RidgeCV`, with a path in place of a solve.
Since only each fold's moments are needed, the rows may also come a chunk
at a time (``partial_fit``), each row dealt to a fold by its position.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.base import _warn_column_vector
from tinyreg.linear._dask import is_dask_input
from tinyreg.linear.base import _check_fit_intercept, _LinearModel
from tinyreg.linear.elastic_net import ElasticNet, _alpha_grid, _path_on_form
from tinyreg.linear.enet_solvers import _make_gram_form
from tinyreg.linear.moments import Moments, _finite_moments, _zero_moments
from tinyreg.linear.ridge_cv import _check_cv, _leave_each_out, _merge_all, _split_moments
from tinyreg.validation import (
    check_choice,
    check_feature_names,
    check_finite_array,
    check_in_range,
    check_int,
    check_n_features,
    check_positive,
    check_X_y,
    check_y_given,
)

#: the number of contiguous folds of ``cv=None``, scikit-learn's default
_DEFAULT_FOLDS = 5


class ElasticNetCV(_LinearModel):
    """Elastic net with alpha and l1_ratio chosen by K-fold cross-validation (scikit-learn's).

    For each l1_ratio in ``l1_ratio`` (a float or a list), the elastic net
    of :class:`~tinyreg.linear.ElasticNet` is solved along a decreasing
    grid of alphas on each fold's training set, and scored by its mean
    squared error on the fold's test set. The pair (l1_ratio, alpha) with
    the smallest error averaged over the folds wins (ties go to the first
    l1_ratio and the largest alpha), and the elastic net at that pair is
    fitted on all the data.

    **The grid** is scikit-learn's, computed once on all the data: with an
    int ``alphas`` (default 100), that many values spaced geometrically
    from alpha_max = max|Xᵀy| / (n·l1_ratio) (max(Xᵀy) when ``positive``;
    X and y centred when ``fit_intercept``), the smallest alpha whose
    solution is w = 0, down to ``eps·alpha_max``; or the given ``alphas``,
    sorted in decreasing order.
    Every fold's path runs on this same grid.

    **From per-fold moments.** ``cv`` (None: 5) contiguous folds, as
    scikit-learn's ``KFold(cv)`` without shuffling, have their moments
    (weight, means x̄ and ȳ, centred scatter; see
    :class:`~tinyreg.linear.Moments`) computed in one pass over the data,
    and each training set's moments are the merge of the other folds'
    (merges are exact). A training set's path needs only its Gram
    statistics XᵀX, Xᵀy, yᵀy (centred on its own means when
    ``fit_intercept``), and its intercept at w is b = ȳ_train − x̄_trainᵀw.
    On the test fold, with its n_test rows, means x̄, ȳ and centred sums
    XᵀX, Xᵀy, yᵀy, each residual splits into a centred part and the
    fold's mean: yᵢ − xᵢᵀw − b = (yᵢ − ȳ) − (xᵢ − x̄)ᵀw + (ȳ − x̄ᵀw − b),
    and the cross term sums to zero, so

        MSE_test(w, b) = (yᵀy − 2·wᵀXᵀy + wᵀXᵀXw + n_test·(ȳ − x̄ᵀw − b)²) / n_test

    (:meth:`Moments.residual_sum_of_squares`). One pass over the data
    serves every fold, l1_ratio and alpha. ``cv`` may also be a splitter
    (an object with ``split(X, y)``, such as scikit-learn's ``KFold(k,
    shuffle=True)``) or an iterable of (train, test) index arrays: each
    set's moments are then computed from its rows (in memory only).
    ``X`` and ``y`` may be dask arrays (integer ``cv``): the fold moments
    are computed block by block where the data live.

    **Over chunks.** :meth:`partial_fit` takes the rows a chunk at a time
    and deals them to the ``cv`` folds by their position in the stream of
    chunks: row i to fold i mod ``cv`` (contiguous folds would need the
    number of rows in advance). Each chunk adds to its folds' moments,
    merged exactly, and the estimator is fitted again on all the rows seen,
    as :meth:`fit` would be with those folds given as (train, test) index
    arrays.

    **Sample weights** s, as scikit-learn's: each training set's weights are
    rescaled to sum to its number of samples in the objective of
    :class:`~tinyreg.linear.ElasticNet` (which is W = Σ sᵢ in place of n
    above), the test errors are weighted means Σ sᵢrᵢ² / Σ sᵢ, and the grid's
    alpha_max is max|Σ sᵢ(xᵢ − x̄)(yᵢ − ȳ)| / (W·l1_ratio), all from the
    weighted moments.

    Each path point stops on the duality gap at ``tol``, as
    :class:`~tinyreg.linear.ElasticNet` does; ``solver`` ("homotopy" or
    "cd") is the solver of the paths and of the final fit. ``y`` is 1-D (a
    column vector is flattened with a :class:`~tinyreg.base.DataConversionWarning`).

    Attributes: ``alpha_``, ``l1_ratio_``; ``alphas_`` the grid, (n_alphas,)
    or (n_l1_ratio, n_alphas) when ``l1_ratio`` is a list of more than one
    value; ``mse_path_`` the test errors, (n_alphas, n_folds) or
    (n_l1_ratio, n_alphas, n_folds) likewise; and ``coef_``,
    ``intercept_``, ``dual_gap_``, ``n_iter_``, ``n_features_in_`` of the
    fit at (``l1_ratio_``, ``alpha_``) on all the data.
    """

    _multi_output = False

    alpha_: float
    l1_ratio_: float
    alphas_: np.ndarray
    mse_path_: np.ndarray
    _folds_seen: list[Moments]  # the moments of each fold of the rows seen by partial_fit
    _rows_seen: int  # how many rows partial_fit has seen since the last fit

    def __init__(
        self,
        l1_ratio: float | ArrayLike = 0.5,
        eps: float = 1e-3,
        alphas: int | ArrayLike = 100,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        cv: int | Any | None = None,
        positive: bool = False,
        solver: str = "homotopy",
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.positive = positive
        self.solver = solver

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        check_choice("positive", params["positive"], (True, False))
        ratios = check_finite_array("l1_ratio", np.atleast_1d(params.get("l1_ratio", 1.0)), ndim=1)
        if ratios.size == 0:
            raise ValueError("l1_ratio must contain at least one value")
        alphas = params["alphas"]
        if alphas is None or isinstance(alphas, (int, np.integer)):
            check_int("alphas", 100 if alphas is None else alphas)
        else:
            check_finite_array("alphas", alphas, ndim=1)
        return {
            **params,
            "l1_ratio": [
                check_in_range(f"l1_ratio[{i}]", r, 0.0, 1.0) for i, r in enumerate(ratios)
            ],
            "eps": check_positive("eps", params["eps"]),
            "max_iter": check_int("max_iter", params["max_iter"]),
            "tol": check_positive("tol", params["tol"]),
            "cv": _DEFAULT_FOLDS if params["cv"] is None else _check_cv(params["cv"]),
            "solver": check_choice("solver", params["solver"], ("homotopy", "cd")),
        }

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> ElasticNetCV:
        """Choose (l1_ratio, alpha) by cross-validation and fit with them; return ``self``.

        Forgets the rows seen by :meth:`partial_fit`.
        """
        params = self._check_params(self.get_params())
        y = _one_target(y, type(self).__name__)
        splits, total, _ = _split_moments(X, y, sample_weight, params["cv"])
        coef, intercept, attributes = self._choose(splits, total, params)
        # Nothing above touched self: a failure leaves a previous fit intact.
        for name in ("_folds_seen", "_rows_seen"):  # the stream of partial_fit ends
            self.__dict__.pop(name, None)
        self._store_fit(coef, intercept, params, 1, attributes, X)
        return self

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> ElasticNetCV:
        """Add a chunk of rows to the folds, choose (l1_ratio, alpha) again, refit; return ``self``.

        The rows seen by the calls of ``partial_fit`` since the estimator was
        made (or last fitted by :meth:`fit`) form one stream, numbered 0, 1,
        2, ... in the order they arrive; row i goes to fold i mod ``cv``
        (``cv`` an integer, or None: 5). After each call the estimator is
        fitted on all the rows seen: the same as :meth:`fit` on them
        concatenated with ``cv`` the list of those folds as (train, test)
        index arrays (to rounding), whatever the sizes of the chunks. Only
        each fold's moments are kept.

        Raises ValueError, changing nothing, for a ``cv`` that is not an
        integer or differs from the first call's, a chunk with another number
        of features (or column names) than the first, NaN or infinity in X or
        y, negative or all-zero sample weights, a y or weights with other
        rows than X, dask arrays (:meth:`fit` takes those), or fewer than
        ``cv`` rows seen.
        """
        params = self._check_params(self.get_params())
        owner = type(self).__name__
        if not isinstance(params["cv"], (int, np.integer)):
            raise ValueError(
                "partial_fit deals the rows to cv folds by their position, so cv must be None "
                f"or an integer; got {type(params['cv']).__name__}"
            )
        n_folds = int(params["cv"])
        seen = getattr(self, "_folds_seen", None)
        if seen is not None and len(seen) != n_folds:
            raise ValueError(
                f"cv={n_folds}, but the rows seen by partial_fit were dealt to {len(seen)} "
                f"folds: set cv={len(seen)} again, or call fit to start afresh"
            )
        if is_dask_input(X, y, sample_weight):
            raise ValueError("partial_fit takes chunks in memory; fit takes dask arrays")
        y = _one_target(y, owner)
        if seen is not None:
            check_feature_names(X, getattr(self, "feature_names_in_", None), owner)
        X_checked, y_checked, weights = check_X_y(X, y, sample_weight)  # NaN found in the chunk
        if seen is not None:
            check_n_features(X_checked, self.n_features_in_, owner)
        start = 0 if seen is None else self._rows_seen
        chunk = _dealt_moments(X_checked, y_checked, weights, n_folds, start)
        folds = chunk if seen is None else [a + b for a, b in zip(seen, chunk, strict=True)]
        rows = start + X_checked.shape[0]
        if rows < n_folds:
            raise ValueError(
                f"partial_fit has seen {rows} rows, fewer than the cv={n_folds} folds to fill: "
                f"pass at least {n_folds} rows in the first chunk"
            )
        splits = list(zip(_leave_each_out(folds), folds, strict=True))
        coef, intercept, attributes = self._choose(splits, _merge_all(folds), params)
        # Nothing above touched self: a failure leaves the rows seen and the fit intact.
        self._folds_seen, self._rows_seen = folds, rows
        self._store_fit(coef, intercept, params, 1, attributes, X)
        return self

    def _choose(
        self, splits: list[tuple[Moments, Moments]], total: Moments, params: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """``(coef, intercept, attributes)``: chosen on the (train, test) moments, fit on all."""
        if not total.weight_sum > 0:
            raise ValueError("sample_weight must have a positive sum")
        ratios = params["l1_ratio"]
        _, Xy, _ = total.normal_equations(params["fit_intercept"])
        grids = np.array(
            [
                _alpha_grid(
                    Xy[:, 0],
                    total.weight_sum,
                    r,
                    params["eps"],
                    100,
                    params["alphas"],
                    params["positive"],
                )
                for r in ratios
            ]
        )
        mse = np.empty((len(ratios), grids.shape[1], len(splits)))
        for f, (train, test) in enumerate(splits):
            for i, ratio in enumerate(ratios):
                coefs = _training_path(train, grids[i], ratio, params)
                mse[i, :, f] = _test_errors(test, train, coefs, params["fit_intercept"])
        best_ratio, best_alpha = np.unravel_index(np.argmin(mse.mean(axis=2)), grids.shape)
        alpha, ratio = float(grids[best_ratio, best_alpha]), ratios[best_ratio]

        model = ElasticNet(
            alpha=alpha,
            l1_ratio=ratio,
            fit_intercept=params["fit_intercept"],
            max_iter=params["max_iter"],
            tol=params["tol"],
            positive=params["positive"],
            solver=params["solver"],
        )
        coef, attributes = model._fit_summary(total, None, model._check_params(model.get_params()))
        intercept = total.y_mean - coef @ total.x_mean
        single = len(ratios) == 1
        attributes.update(
            alpha_=alpha,
            l1_ratio_=float(ratio),
            alphas_=grids[0] if single else grids,
            mse_path_=mse[0] if single else mse,
        )
        return coef, intercept, attributes


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by K-fold cross-validation (scikit-learn's ``LassoCV``).

    :class:`ElasticNetCV` with ``l1_ratio = 1`` (see it for the grid, the
    folds, the per-fold moments and the attributes; ``l1_ratio_`` is 1).
    """

    def __init__(
        self,
        eps: float = 1e-3,
        alphas: int | ArrayLike = 100,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        cv: int | Any | None = None,
        positive: bool = False,
        solver: str = "homotopy",
    ):
        super().__init__(
            l1_ratio=1.0,
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            cv=cv,
            positive=positive,
            solver=solver,
        )


# ---------------------------------------------------------------------------
# One fold: the path on its training moments, the errors on its test moments
# ---------------------------------------------------------------------------


def _training_path(
    train: Moments, grid: np.ndarray, l1_ratio: float, params: dict[str, Any]
) -> np.ndarray:
    """The coefficients (p, n_alphas) of the path on a training set, from its moments alone."""
    if not train.weight_sum > 0:
        raise ValueError("sample_weight must have a positive sum on every training set")
    G, B, c = train.normal_equations(params["fit_intercept"])
    form = _make_gram_form(G, B[:, 0], float(c[0]), np.zeros(train.n_features))
    coefs, _ = _path_on_form(
        form,
        train.weight_sum,
        grid,
        l1_ratio,
        params["max_iter"],
        params["tol"],
        params["positive"],
        params["solver"],
    )
    return coefs


def _test_errors(
    test: Moments, train: Moments, coefs: np.ndarray, fit_intercept: bool
) -> np.ndarray:
    """The mean squared error on ``test`` of each column of ``coefs``, from the moments alone.

    The intercept of w is b = ȳ_train − x̄_trainᵀw (0 without an intercept).
    """
    if not test.weight_sum > 0:
        raise ValueError("sample_weight must have a positive sum on every test set")
    points = coefs.T[:, None, :]  # (n_alphas, 1 target, p): every path point at once
    b = train.y_mean - points @ train.x_mean if fit_intercept else np.zeros((len(points), 1))
    return test.residual_sum_of_squares(points, b)[:, 0] / test.weight_sum


def _dealt_moments(
    X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None, n_folds: int, start: int
) -> list[Moments]:
    """The moments of each fold of a checked chunk whose first row is row ``start`` of a stream.

    Row i of the stream goes to fold i mod ``n_folds``: in this chunk, fold f
    holds the rows (f − start) mod n_folds, then every ``n_folds``-th (views, no copy).
    """
    folds = []
    for f in range(n_folds):
        rows = slice((f - start) % n_folds, None, n_folds)
        if not y[rows].size:  # a chunk shorter than the folds: none of its rows here
            folds.append(_zero_moments(0, X.shape[1], 1))
            continue
        weights = None if sample_weight is None else sample_weight[rows]
        folds.append(_finite_moments(X[rows], y[rows], weights))
    return folds


def _one_target(y: Any, owner: str) -> Any:
    """``y`` as one target: a column vector flattened (with a warning), more columns refused."""
    check_y_given(y)
    if not hasattr(y, "shape"):
        y = np.asarray(y)
    if len(y.shape) == 2 and y.shape[1] == 1:
        _warn_column_vector()
        return y[:, 0]
    if len(y.shape) == 2:
        raise ValueError(
            f"{owner} fits one target: y must be 1-D, got shape {tuple(y.shape)} "
            f"(fit one {owner} per column)"
        )
    return y
