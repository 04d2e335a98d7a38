"""linear/ridge_cv.py: RidgeCV's exact leave-one-out and K-fold against brute force.

The references refit ridge by np.linalg.solve without each sample (or each
fold) in turn, independently of tinyreg.linear. The comparisons with
scikit-learn come last and are skipped when it is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from _linear_reference import (
    FEW,
    assert_close,
    chunked_data,
    gaussian_problem,
    real_data_in_chunks,
    regression_data,
    ridge_normal_equations,
    ridge_reference,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import Ridge, RidgeCV
from tinyreg.linear.data import InMemory

# ---------------------------------------------------------------------------
# Leave-one-out against brute force
# ---------------------------------------------------------------------------


def brute_force_loo(X, y, alpha, fit_intercept, sample_weight=None):
    """sᵢ·(yᵢ − ŷ₋ᵢ)², refitting ridge by np.linalg.solve without each sample in turn."""
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    errors = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        Xk, yk, sk = X[keep], y[keep], s[keep]
        if fit_intercept:
            w, b = ridge_reference(Xk, yk, alpha, sk)
        else:
            A = Xk.T @ (sk[:, None] * Xk) + alpha * np.eye(X.shape[1])
            w, b = np.linalg.solve(A, Xk.T @ (sk * yk)), 0.0
        errors[i] = s[i] * (y[i] - X[i] @ w - b) ** 2
    return errors


@FEW
@given(
    regression_data(min_n=3, max_n=9, max_p=12),
    st.booleans(),
    st.booleans(),
    st.integers(0, 1000),
)
def test_ridgecv_loo_errors_equal_brute_force(data, fit_intercept, weighted, seed):
    X, y = data
    alphas = [0.1, 1.0, 10.0]
    s = np.random.default_rng(seed).uniform(0.5, 2.0, len(y)) if weighted else None
    model = RidgeCV(alphas=alphas, fit_intercept=fit_intercept, store_cv_results=True)
    model.fit(X, y, sample_weight=s)
    assert model.cv_results_.shape == (len(y), 3)
    for j, alpha in enumerate(alphas):
        expected = brute_force_loo(X, y, alpha, fit_intercept, s)
        assert_close(model.cv_results_[:, j], expected, rtol=1e-10)
    means = model.cv_results_.mean(axis=0)
    assert model.alpha_ == alphas[int(np.argmin(means))]
    assert model.best_score_ == pytest.approx(-means.min(), rel=1e-12)
    refit = Ridge(alpha=model.alpha_, fit_intercept=fit_intercept).fit(X, y, sample_weight=s)
    assert_close(model.coef_, refit.coef_, rtol=1e-9)


def test_ridgecv_picks_a_middle_alpha_and_handles_2d_y():
    X, y = gaussian_problem(3, 40, 30, n_informative=30, noise=3.0)
    alphas = np.logspace(-3, 3, 13)
    model = RidgeCV(alphas=alphas).fit(X, y)
    assert alphas[0] < model.alpha_ < alphas[-1]
    Y = np.column_stack([y, y])
    both = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, Y)
    assert both.alpha_ == model.alpha_
    assert both.cv_results_.shape == (40, 2, 13)
    assert both.coef_.shape == (2, 30)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_leave_one_out_by_blocks_gives_the_sums_of_the_rows_route(fit_intercept, weighted):
    """The route of data that stay where they live (dask), run on data in memory: one block.

    It sums each block's squared LOO residuals from the moments' eigenbasis;
    the rows route computes every sample's residual from the centred rows.
    On a well-conditioned Gaussian X (κ ≈ 2) with alpha ≥ 0.1 the two agree
    to a few hundred ulps of the sums, 1e-10 relative with room to spare.
    """
    X, y = gaussian_problem(2, 30, 4)
    s = np.random.default_rng(3).uniform(0.5, 2.0, 30) if weighted else None
    model = RidgeCV(alphas=[0.1, 1.0, 10.0], fit_intercept=fit_intercept)
    params = model._check_params(model.get_params())
    data = InMemory(X, y, s)
    by_blocks, rss_blocks, _ = RidgeCV._loo_by_blocks(data, params)
    chunk, y_ndim = data.centred()
    from_rows, rss_rows, _ = model._loo_from_rows(chunk, y_ndim, params)
    np.testing.assert_allclose(rss_blocks, rss_rows, rtol=1e-10)
    assert by_blocks.n_samples == from_rows.n_samples == 30


# ---------------------------------------------------------------------------
# K-fold from per-fold moments against brute force
# ---------------------------------------------------------------------------


def brute_force_kfold(X, Y, alphas, k, s, fit_intercept, scoring):
    """Mean over contiguous folds of the held-out score, refitting by np.linalg.solve."""
    n = len(X)
    sizes = [n // k + (1 if f < n % k else 0) for f in range(k)]
    edges = np.concatenate([[0], np.cumsum(sizes)])
    scores = np.zeros(len(alphas))
    for f in range(k):
        test = np.arange(edges[f], edges[f + 1])
        train = np.setdiff1d(np.arange(n), test)
        for i, alpha in enumerate(alphas):
            coef, b = ridge_normal_equations(
                X[train], Y[train], [alpha] * Y.shape[1], s[train], fit_intercept
            )
            residual = Y[test] - X[test] @ coef.T - b
            st_ = s[test]
            if scoring == "neg_mean_squared_error":
                scores[i] -= np.mean(st_ @ residual**2 / st_.sum()) / k
            else:
                y_mean = st_ @ Y[test] / st_.sum()
                r2 = 1 - st_ @ residual**2 / (st_ @ (Y[test] - y_mean) ** 2)
                scores[i] += np.mean(r2) / k
    return scores


@settings(max_examples=25, deadline=None)
@given(
    chunked_data(max_n=40, max_p=4, max_k=2),
    st.integers(2, 5),
    st.sampled_from([None, "r2", "neg_mean_squared_error"]),
    st.booleans(),
)
def test_ridgecv_kfold_equals_brute_force(data, k, scoring, fit_intercept):
    X, Y, s, _ = data
    n = len(X)
    s = np.ones(n) if s is None else s + 0.1  # every fold weighs something
    if n < 2 * k:
        return
    X = (X - X.mean(axis=0)) / X.std(axis=0).clip(1e-12)
    alphas = np.array([0.01, 0.3, 3.0, 30.0])
    model = RidgeCV(alphas, fit_intercept=fit_intercept, cv=k, scoring=scoring).fit(X, Y, s)
    expected = brute_force_kfold(X, Y, alphas, k, s, fit_intercept, scoring)
    best = int(np.argmax(expected))
    # The held-out score from moments subtracts terms of the size of Σ s·y²: its error is
    # ~1e-13 of that (n ≤ 40), small next to differences between these alphas' scores.
    if np.sort(expected)[-1] - np.sort(expected)[-2] > 1e-9 * np.abs(expected).max():
        assert model.alpha_ == alphas[best]
    assert model.best_score_ == pytest.approx(expected.max(), rel=1e-7, abs=1e-9)
    refit = Ridge(alpha=model.alpha_, fit_intercept=fit_intercept).fit(X, Y, s)
    # The same system from merged per-fold moments and from one chunk: agreement
    # relative to the size of the solution (alpha >= 0.01 on standardized X).
    scale = np.abs(refit.coef_).max()
    np.testing.assert_allclose(model.coef_, refit.coef_, rtol=0, atol=1e-9 * scale)


def test_ridgecv_with_a_splitter_or_explicit_splits_equals_brute_force():
    """Any (train, test) splits: here shuffled folds, given as a list of index pairs."""
    X, y = gaussian_problem(15, 37, 4, n_informative=4, noise=3.0)
    s = np.random.default_rng(16).uniform(0.5, 2.0, 37)
    folds = np.array_split(np.random.default_rng(17).permutation(37), 4)
    splits = [(np.setdiff1d(np.arange(37), test), test) for test in folds]
    alphas = np.array([0.1, 3.0, 100.0])
    model = RidgeCV(alphas, cv=splits).fit(X, y, s)
    expected = np.zeros(3)
    for train, test in splits:
        for i, alpha in enumerate(alphas):
            w, b = ridge_reference(X[train], y[train], alpha, s[train])
            residual = y[test] - X[test] @ w - b
            y_mean = s[test] @ y[test] / s[test].sum()
            tss = s[test] @ (y[test] - y_mean) ** 2
            expected[i] += (1 - s[test] @ residual**2 / tss) / len(splits)
    assert model.alpha_ == alphas[np.argmax(expected)]
    assert model.best_score_ == pytest.approx(expected.max(), rel=1e-9)

    class Splitter:
        def split(self, X, y):
            return iter(splits)

    again = RidgeCV(alphas, cv=Splitter()).fit(X, y, s)
    assert again.best_score_ == model.best_score_


def test_ridgecv_needs_as_many_samples_as_folds():
    X, y = gaussian_problem(0, 4, 2)
    with pytest.raises(ValueError, match="cannot split 4 samples into cv=5 folds"):
        RidgeCV(cv=5).fit(X, y)


# ---------------------------------------------------------------------------
# RidgeCV's parameters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cv": 1}, "cv must be >= 2"),
        ({"cv": 2.5}, "cv must be an integer"),
        ({"cv": "folds"}, "cv must be an integer"),
        ({"cv": 3, "store_cv_results": True}, "store_cv_results=True needs cv=None"),
        ({"scoring": "accuracy"}, "scoring must be one of None, 'r2', 'neg_mean_squared_error'"),
        ({"cv": 3, "alphas": [-1.0]}, r"alphas\[0\] must be >= 0"),
        ({"alphas": [0.0]}, r"alphas\[0\] must be > 0"),
    ],
)
def test_ridgecv_parameter_errors(params, message):
    X, y = gaussian_problem(0, 20, 3)
    with pytest.raises((ValueError, TypeError), match=message):
        RidgeCV(**params).fit(X, y)


# ---------------------------------------------------------------------------
# RidgeCV against scikit-learn (skipped without it)
# ---------------------------------------------------------------------------


def test_ridgecv_leave_one_out_errors_match_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(11, 30, 10, n_informative=10, noise=2.0)
    alphas = np.logspace(-2, 2, 9)
    s = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    for sample_weight in (None, s):
        ours = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight)
        theirs = sk.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-9)
        np.testing.assert_allclose(ours.cv_results_, theirs.cv_results_, rtol=1e-9)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)


@pytest.mark.parametrize("scoring", [None, "neg_mean_squared_error"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridgecv_kfold_matches_sklearn(scoring, weighted):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, _ = real_data_in_chunks()
    Y = np.column_stack([y, np.sqrt(y)])
    s = np.random.default_rng(3).uniform(0.2, 3, len(y)) if weighted else None
    alphas = np.logspace(-3, 3, 13)
    for target in (y, Y):
        ours = RidgeCV(alphas, cv=5, scoring=scoring).fit(X, target, s)
        theirs = sk.RidgeCV(alphas, cv=5, scoring=scoring).fit(X, target, sample_weight=s)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-9)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)


@pytest.mark.parametrize("scoring", ["r2", "neg_mean_squared_error"])
def test_ridgecv_leave_one_out_scoring_matches_sklearn(scoring):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(11, 40, 6, n_informative=6, noise=2.0)
    s = np.random.default_rng(4).uniform(0.3, 2, len(y))
    alphas = np.logspace(-2, 2, 9)
    for sample_weight in (None, s):
        ours = RidgeCV(alphas, scoring=scoring, store_cv_results=True).fit(X, y, sample_weight)
        theirs = sk.RidgeCV(alphas, scoring=scoring, store_cv_results=True)
        theirs.fit(X, y, sample_weight=sample_weight)
        assert ours.alpha_ == theirs.alpha_
        assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-9)
        np.testing.assert_allclose(ours.cv_results_, theirs.cv_results_, rtol=1e-9)
