r"""``RidgeCV``: ridge with alpha chosen by exact leave-one-out or K-fold cross-validation.

Leave-one-out needs no refit: ridge is a linear smoother, and the error of
the model fitted without sample i follows from the fit on all the data and
the leverage of sample i. One eigendecomposition serves every alpha.
K-fold needs no second pass either: each fold's moments are computed once,
each training set's are the merge of the other folds', and a fold's test
error is a quadratic form in its own moments. :class:`RidgeCV` has the
formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.linear.base import _check_fit_intercept, _LinearModel
from tinyreg.linear.data import Data, data_of
from tinyreg.linear.linalg import _EPS, _gram_eigenbasis, _ridge_eigh, _ridge_primal
from tinyreg.linear.moments import (
    Moments,
    _Chunk,
)
from tinyreg.linear.ridge import _ridge_from_summary
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_int,
    check_nonnegative,
    check_positive,
)

_SCORINGS = (None, "r2", "neg_mean_squared_error")


class RidgeCV(_LinearModel):
    """Ridge with alpha chosen by exact cross-validation: leave-one-out, or K-fold.

    **Leave-one-out** (``cv=None``, the default). For each alpha in
    ``alphas`` the LOO error is computed without refitting: ridge with an
    unpenalized intercept is a linear smoother ŷ = H·y, and for such
    penalized least squares the prediction for sample i from the model
    fitted without i satisfies yᵢ − ŷ₋ᵢ = (yᵢ − ŷᵢ)/(1 − Hᵢᵢ). The hat
    matrix of the augmented design [1, X] whose intercept column is not
    penalized splits into the intercept's projection plus ridge on the
    centred data: H = 11ᵀ/n + Xc(XcᵀXc + αI)⁻¹Xcᵀ. With one
    eigendecomposition, of XcXcᵀ = U·diag(λ)·Uᵀ when n ≤ p, for every alpha

        ŷ = ȳ + U·diag(λ/(λ + α))·Uᵀyc,    Hᵢᵢ = 1/n + Σₖ Uᵢₖ²·λₖ/(λₖ + α),

    and of XcᵀXc = V·diag(λ)·Vᵀ when n > p, the same with Z = Xc·V = U·diag(√λ)
    and gains 1/(λ + α) in place of λ/(λ + α). With sample weights s the
    same holds on the √s-scaled problem, with the intercept's share
    sᵢ/Σs; like scikit-learn the stored squared error of sample i is then
    sᵢ·(yᵢ − ŷ₋ᵢ)², which is the error of a fit with sample i's weight removed.

    **K-fold** (``cv=k``): scikit-learn's ``KFold(k)``, contiguous folds
    without shuffling. Each fold's moments are computed once; the model for
    fold f is solved from the merge of the other folds' moments, and its
    test error from fold f's own moments (a quadratic form, see
    :meth:`Moments.residual_sum_of_squares`), for every alpha, without
    touching the data again: one pass over the data in all. As in
    scikit-learn, sample weights weigh both the training and the scores.
    ``cv`` may also be a splitter (an object with ``split(X, y)``, such as
    scikit-learn's ``KFold(k, shuffle=True)``) or an iterable of (train,
    test) index arrays; the moments of each training and test set are then
    computed from its rows (in memory only).

    Scoring (``scoring=``), larger is better; ``best_score_`` is the best
    mean over samples (LOO) or folds (K-fold):

    * ``None``: with LOO, minus the mean squared LOO error (weighted as
      above); with K-fold, R² (the estimator's ``score``, as scikit-learn);
    * ``"r2"``: R² of the held-out predictions (weighted by s for LOO);
    * ``"neg_mean_squared_error"``: minus their mean squared error.

    Ties go to the first alpha. A 2-D y gets one alpha for all targets
    (scores average over them). ``X``, ``y`` and ``sample_weight`` may be
    dask arrays: K-fold then needs one pass over them, leave-one-out two
    (the second for each sample's leverage).

    Attributes: ``alpha_``, ``best_score_``, ``cv_results_`` (LOO only,
    with ``store_cv_results=True``: the squared LOO errors, or with a
    ``scoring`` the LOO predictions, shape (n_samples, n_alphas) or
    (n_samples, n_targets, n_alphas)), and ``coef_``, ``intercept_``,
    ``n_features_in_`` of the ridge fit at ``alpha_`` on all the data.
    """

    alpha_: float
    best_score_: float

    def __init__(
        self,
        alphas: ArrayLike = (0.1, 1.0, 10.0),
        fit_intercept: bool = True,
        scoring: str | None = None,
        cv: int | None = None,
        store_cv_results: bool = False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.store_cv_results = store_cv_results

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        check_choice("store_cv_results", params["store_cv_results"], (True, False))
        check_choice("scoring", params["scoring"], _SCORINGS)
        cv = params["cv"]
        if cv is not None:
            cv = _check_cv(cv)
            if params["store_cv_results"]:
                raise ValueError(
                    "store_cv_results=True needs cv=None: per-sample results exist only for "
                    "leave-one-out"
                )
        alphas = check_finite_array("alphas", np.atleast_1d(params["alphas"]), ndim=1)
        if alphas.size == 0:
            raise ValueError("alphas must contain at least one value")
        check = check_positive if cv is None else check_nonnegative  # LOO needs alpha > 0
        alphas = np.array([check(f"alphas[{i}]", a) for i, a in enumerate(alphas)])
        return {**params, "alphas": alphas, "cv": cv}

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> RidgeCV:
        """Choose alpha by cross-validation and fit ridge with it; return ``self``."""
        params = self._check_params(self.get_params())
        if params["cv"] is None:
            scores, best, y_ndim, attributes = self._leave_one_out(X, y, sample_weight, params)
        else:
            scores, best, y_ndim, attributes = self._k_fold(X, y, sample_weight, params)
        coef, intercept = best
        attributes["best_score_"] = float(scores.max())
        # Nothing above touched self: a failure leaves a previous fit intact.
        self._store_fit(coef, intercept, params, y_ndim, attributes, X)
        return self

    # -- the two ways of cross-validating -----------------------------------

    def _leave_one_out(self, X, y, sample_weight, params):
        data = data_of(X, y, sample_weight)
        centred = data.centred()
        if centred is not None:  # the rows at hand: every sample's own residual
            chunk, y_ndim = centred
            moments, rss, attributes = self._loo_from_rows(chunk, y_ndim, params)
        else:  # the rows where they live: the moments, then a pass for the leverages
            chunk, attributes = None, {}
            moments, rss, y_ndim = self._loo_by_blocks(data, params)
        summary = moments if moments is not None else chunk
        assert summary is not None
        alphas = params["alphas"]
        scores = _loo_scores(rss, summary, params["scoring"])
        best = int(np.argmax(scores))
        attributes["alpha_"] = float(alphas[best])
        alpha = np.full(summary.n_targets, alphas[best])
        coef, _ = _ridge_from_summary(moments, chunk, alpha, params["fit_intercept"], "auto")
        intercept = summary.y_mean - coef @ summary.x_mean
        return scores, (coef, intercept), y_ndim, attributes

    def _loo_from_rows(
        self, chunk: _Chunk, y_ndim: int, params: dict[str, Any]
    ) -> tuple[Moments | None, np.ndarray, dict[str, Any]]:
        """``(moments, rss, attributes)`` of leave-one-out from the centred rows.

        ``moments`` is None when n ≤ p (the rows are then the smaller
        summary); ``rss`` is the sum of squared LOO residuals per target and
        alpha; ``attributes`` holds ``cv_results_`` when it is asked for.
        """
        n, fit_intercept = chunk.n_samples, params["fit_intercept"]
        if n < 2:
            raise ValueError(
                f"leave-one-out needs at least 2 samples, got n_samples={n} "
                f"(X has shape {chunk.X.shape})"
            )
        moments = chunk.moments() if n > chunk.n_features else None
        looe = self._loo_residuals_in_memory(chunk, moments, params["alphas"], fit_intercept)
        rss = np.einsum("ijk,ijk->jk", looe, looe)
        attributes: dict[str, Any] = {}
        if params["store_cv_results"]:
            results = _loo_cv_results(chunk, looe, params["scoring"], fit_intercept)
            attributes["cv_results_"] = results[:, 0, :] if y_ndim == 1 else results
        return moments, rss, attributes

    @staticmethod
    def _loo_by_blocks(data: Data, params: dict[str, Any]) -> tuple[Moments, np.ndarray, int]:
        """``(moments, rss, y.ndim)`` of leave-one-out on data summarised where they live.

        One pass gives the moments, and with them the eigenbasis of XᵀX; a
        second pass sums each block's squared LOO residuals (:func:`_loo_block_sums`).
        """
        if params["store_cv_results"]:
            raise ValueError(
                "store_cv_results=True is not available for dask arrays: the per-sample "
                "results would be as long as the data"
            )
        moments, y_ndim = data.moments()
        if moments.n_samples < 2:
            raise ValueError("leave-one-out needs at least 2 samples")
        G, _, _ = moments.normal_equations(params["fit_intercept"])
        V, lam = _gram_eigenbasis(G, moments.n_samples)
        args = (moments, V, lam, params["alphas"], params["fit_intercept"])
        return moments, data.map_reduce(_loo_block_sums, args, _add), y_ndim

    @staticmethod
    def _loo_residuals_in_memory(
        chunk: _Chunk, moments: Moments | None, alphas: np.ndarray, fit_intercept: bool
    ) -> np.ndarray:
        """LOO residuals of every sample, target and alpha: shape (n, n_targets, n_alphas)."""
        Xr, Yr = chunk.rows(fit_intercept)
        n = Xr.shape[0]
        if not fit_intercept:
            h_intercept = np.zeros(n)
        elif chunk.sqrt_weight is None:
            h_intercept = np.full(n, 1.0 / n)
        else:
            h_intercept = chunk.sqrt_weight**2 / chunk.weight_sum
        if moments is None:  # n ≤ p: eigenbasis of XXᵀ, gains λ/(λ + α)
            lam, U = np.linalg.eigh(Xr @ Xr.T)
            kept = lam > max(Xr.shape) * _EPS * max(lam.max(initial=0.0), 0.0)
            basis, lam = U[:, kept], lam[kept]
            basis_t_y = basis.T @ Yr
            gains = [lam / (lam + alpha) for alpha in alphas]
        else:  # n > p: eigenbasis of XᵀX from the moments, gains 1/(λ + α)
            G, B, _ = moments.normal_equations(fit_intercept)
            V, lam = _gram_eigenbasis(G, n)
            basis, basis_t_y = Xr @ V, V.T @ B
            gains = [1.0 / (lam + alpha) for alpha in alphas]
        looe = np.empty((*Yr.shape, alphas.size))
        for i, gain in enumerate(gains):
            looe[..., i] = _loo_residuals(basis, basis_t_y, Yr, h_intercept, gain)
        return looe

    def _k_fold(self, X, y, sample_weight, params):
        alphas, scoring = params["alphas"], params["scoring"]
        fit_intercept = params["fit_intercept"]
        splits, total, y_ndim = _split_moments(X, y, sample_weight, params["cv"])
        n_targets = total.n_targets
        scores = np.zeros(alphas.size)
        for train, test in splits:
            if not train.weight_sum > 0:
                raise ValueError("sample_weight must have a positive sum on every training set")
            G, B, _ = train.normal_equations(fit_intercept)
            for i, alpha in enumerate(alphas):
                per_target = np.full(n_targets, alpha)
                try:
                    coef = _ridge_primal(G, B, per_target)
                except np.linalg.LinAlgError:
                    coef = _ridge_eigh(G, B, per_target, train.n_samples)
                intercept = train.y_mean - coef @ train.x_mean
                if not fit_intercept:
                    intercept = np.zeros(n_targets)
                rss = test.residual_sum_of_squares(coef, intercept)
                if scoring == "neg_mean_squared_error":
                    scores[i] -= rss.sum() / (test.weight_sum * n_targets) / len(splits)
                else:
                    scores[i] += _r2_from_sums(rss, test.yty).mean() / len(splits)
        best = int(np.argmax(scores))
        if not total.weight_sum > 0:
            raise ValueError("sample_weight must have a positive sum")
        alpha = np.full(n_targets, alphas[best])
        coef, _ = _ridge_from_summary(total, None, alpha, fit_intercept, "auto")
        intercept = total.y_mean - coef @ total.x_mean
        return scores, (coef, intercept), y_ndim, {"alpha_": float(alphas[best])}


# ---------------------------------------------------------------------------
# Leave-one-out: residuals from the hat matrix, in memory or block by block
# ---------------------------------------------------------------------------


def _loo_residuals(
    basis: np.ndarray, basis_t_y: np.ndarray, Y: np.ndarray, h_intercept: np.ndarray, gain: Any
) -> np.ndarray:
    """Leave-one-out residuals yᵢ − ŷ₋ᵢ (on the √s scale) of ridge at one alpha.

    The hat matrix of ridge on the rows of ``Y`` is H = h + B·diag(g)·Bᵀ,
    with B = ``basis`` (n × r), g = ``gain`` (r,) and h the intercept's
    share; Bᵀy is given as ``basis_t_y``. Then ŷ = Σ (fit), Hᵢᵢ is the
    leverage, and the LOO residual is (yᵢ − ŷᵢ)/(1 − Hᵢᵢ) (see :class:`RidgeCV`).
    """
    fitted = basis @ (gain[:, None] * basis_t_y)
    leverage = h_intercept + (basis**2) @ gain
    return (Y - fitted) / (1.0 - leverage)[:, None]


def _loo_block_sums(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    where: str,
    moments: Moments,
    V: np.ndarray,
    lam: np.ndarray,
    alphas: np.ndarray,
    fit_intercept: bool,
) -> np.ndarray:
    """Σᵢ of the squared LOO residuals of one block of rows, shape (n_targets, n_alphas).

    The second pass of leave-one-out over data in blocks: with XᵀX = V·diag(λ)·Vᵀ
    known from the moments, a block's rows x̃ᵢ = √sᵢ·(xᵢ − x̄) need only the
    basis x̃ᵢᵀV and the gains 1/(λ + α).
    """
    Y = y.reshape(y.shape[0], -1).astype(np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else sample_weight.astype(np.float64)
    sqrt_s = np.sqrt(s)[:, None]
    if fit_intercept:
        Xr = (X - moments.x_mean) * sqrt_s
        Yr = (Y - moments.y_mean) * sqrt_s
        h_intercept = s / moments.weight_sum
    else:
        Xr, Yr, h_intercept = X * sqrt_s, Y * sqrt_s, np.zeros(X.shape[0])
    _, B, _ = moments.normal_equations(fit_intercept)
    basis, basis_t_y = Xr @ V, V.T @ B
    sums = np.empty((Y.shape[1], alphas.size))
    for i, alpha in enumerate(alphas):
        looe = _loo_residuals(basis, basis_t_y, Yr, h_intercept, 1.0 / (lam + alpha))
        sums[:, i] = np.einsum("ij,ij->j", looe, looe)
    return sums


def _add(*arrays: np.ndarray) -> np.ndarray:
    return np.sum(arrays, axis=0)


def _loo_cv_results(
    chunk: _Chunk, looe: np.ndarray, scoring: str | None, fit_intercept: bool
) -> np.ndarray:
    """Per-sample leave-one-out results, (n_samples, n_targets, n_alphas).

    The squared errors without ``scoring``; with it, the held-out
    predictions yᵢ − (yᵢ − ŷ₋ᵢ), back on the scale of y.
    """
    if scoring is None:
        return looe**2
    Yr = chunk.rows(fit_intercept)[1]
    sqrt_s = 1.0 if chunk.sqrt_weight is None else chunk.sqrt_weight[:, None, None]
    offset = chunk.y_mean[None, :, None] if fit_intercept else 0.0
    return offset + (Yr[:, :, None] - looe) / sqrt_s


# ---------------------------------------------------------------------------
# K-fold: the moments of each fold, merged into each training set
# ---------------------------------------------------------------------------


def _check_cv(cv: Any) -> int | list | Any:
    """``cv`` checked: a number of folds (≥ 2), a splitter, or a list of (train, test) pairs.

    A splitter is an object with ``split(X, y)``; any other iterable is read
    once into a list of (train, test) index arrays, kept for every alpha and the refit.
    """
    splitter = not isinstance(cv, (str, bytes)) and (
        hasattr(cv, "split") or hasattr(cv, "__iter__")
    )
    if not splitter:
        return check_int("cv", cv, minimum=2)
    return cv if hasattr(cv, "split") else list(cv)


def _split_moments(
    X: Any, y: Any, sample_weight: Any, cv: Any
) -> tuple[list[tuple[Moments, Moments]], Moments, int]:
    """``([(train, test) moments of each split], moments of all the data, y.ndim)``.

    With an integer ``cv`` the data pass once: each contiguous fold's moments,
    and each training set as the merge of the other folds. With a splitter
    (an object with ``split(X, y)``) or an iterable of (train, test) index
    arrays, each set's moments are computed from its rows (in memory only).
    """
    data = data_of(X, y, sample_weight)
    if isinstance(cv, (int, np.integer)):
        folds, y_ndim = data.fold_moments(int(cv))
        return list(zip(_leave_each_out(folds), folds, strict=True)), _merge_all(folds), y_ndim
    return data.split_moments(cv)


def _merge_all(moments: list[Moments]) -> Moments:
    total = moments[0]
    for m in moments[1:]:
        total = total + m
    return total


def _leave_each_out(folds: list[Moments]) -> list[Moments]:
    """For each fold, the merge of all the other folds (prefix and suffix merges: O(k) merges)."""
    k = len(folds)
    prefix: list[Moments | None] = [None]
    for fold in folds[:-1]:
        prefix.append(fold if prefix[-1] is None else prefix[-1] + fold)
    suffix: list[Moments | None] = [None]
    for fold in folds[:0:-1]:
        suffix.append(fold if suffix[-1] is None else fold + suffix[-1])
    suffix.reverse()
    out = []
    for f in range(k):
        before, after = prefix[f], suffix[f]
        merged = before + after if before is not None and after is not None else before or after
        assert merged is not None
        out.append(merged)
    return out


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------


def _loo_scores(rss: np.ndarray, summary: Moments | _Chunk, scoring: str | None) -> np.ndarray:
    """One score per alpha from the leave-one-out sums of squares ``rss`` (n_targets, n_alphas).

    Without ``scoring``, minus the (weighted) squared errors averaged over
    the number of samples and targets, as scikit-learn's RidgeCV;
    "neg_mean_squared_error" divides their sum by the weight sum instead;
    "r2" averages 1 − rss/tss over targets.
    """
    if scoring is None:
        return -rss.sum(axis=0) / (summary.n_samples * summary.n_targets)
    if scoring == "neg_mean_squared_error":
        return -rss.sum(axis=0) / (summary.weight_sum * summary.n_targets)
    tss = summary.moments().yty if isinstance(summary, _Chunk) else summary.yty
    return _r2_from_sums(rss, tss[:, None]).mean(axis=0)


def _r2_from_sums(rss: np.ndarray, tss: np.ndarray) -> np.ndarray:
    """R² = 1 − RSS/TSS per target (columns of constant y: 1 if fitted exactly, else 0)."""
    safe = np.where(tss > 0, tss, 1.0)
    return np.where(tss > 0, 1.0 - rss / safe, np.where(rss == 0, 1.0, 0.0))
