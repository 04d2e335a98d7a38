"""linear/ridge.py: Ridge against the normal equations, its choice of route, partial_fit.

The reference is the weighted normal equations solved by np.linalg.solve
(or the minimum-norm least squares solution at alpha = 0), computed here
independently of tinyreg.linear. The comparison with scikit-learn comes
last and is skipped when it is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from _linear_reference import (
    FEW,
    assert_close,
    centre,
    chunked_data,
    chunks_of,
    gaussian_problem,
    regression_data,
    ridge_normal_equations,
    ridge_reference,
    ridge_rounding,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinyreg.linear import LinearRegression, Ridge
from tinyreg.linear import linalg as linalg_module
from tinyreg.linear.linalg import _cholesky_solve

# ---------------------------------------------------------------------------
# Ridge against the normal equations
# ---------------------------------------------------------------------------


@FEW
@given(regression_data(max_n=12, max_p=12), st.floats(0.1, 100.0), st.booleans())
def test_ridge_solvers_agree_with_normal_equations(data, alpha, fit_intercept):
    X, y = data
    if fit_intercept:
        w_ref, b_ref = ridge_reference(X, y, alpha)
    else:
        w_ref, b_ref = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y), 0.0
    for solver in ("auto", "cholesky", "svd"):
        model = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
        assert model.solver_ == ("svd" if solver == "svd" else "cholesky")
        assert_close(model.coef_, w_ref, floor=ridge_rounding(X, y, alpha))
        assert model.intercept_ == pytest.approx(b_ref, rel=1e-9, abs=1e-9)


@FEW
@given(
    regression_data(),
    st.floats(0.1, 10.0),
    arrays(np.float64, 10, elements=st.floats(0.1, 5.0)),
)
def test_ridge_sample_weight_matches_weighted_normal_equations(data, alpha, weights):
    X, y = data
    s = weights[: len(y)]
    w_ref, b_ref = ridge_reference(X, y, alpha, s)
    model = Ridge(alpha=alpha).fit(X, y, sample_weight=s)
    assert_close(model.coef_, w_ref)
    assert model.intercept_ == pytest.approx(b_ref, rel=1e-9, abs=1e-9)


@FEW
@given(regression_data(max_n=12, max_p=12))
def test_ridge_alpha_zero_is_least_squares(data):
    X, y = data
    Xc, yc, _ = centre(X, y)
    w_ls = np.linalg.lstsq(Xc, yc, rcond=None)[0]  # minimum-norm solution
    ridge = Ridge(alpha=0.0).fit(X, y)
    ols = LinearRegression().fit(X, y)
    scale = max(np.abs(w_ls).max(), 1.0)
    # rank-deficient problems go through the SVD fallback; Cholesky is only used when
    # the normal equations keep at least half of the digits
    tol = 1e-14 * np.linalg.cond(Xc) ** 2 if ridge.solver_ == "cholesky" else 1e-9
    np.testing.assert_allclose(ridge.coef_, w_ls, atol=tol * scale)
    np.testing.assert_allclose(ols.coef_, w_ls, atol=1e-8 * scale)
    np.testing.assert_allclose(ridge.predict(X), ols.predict(X), atol=tol * scale)


@FEW
@given(
    regression_data(),
    arrays(np.float64, 3, elements=st.floats(0.0, 10.0)),
    st.integers(0, 1000),
)
def test_ridge_per_target_alpha_equals_separate_fits(data, alphas, seed):
    X, y = data
    Y = np.column_stack([y, np.random.default_rng(seed).standard_normal((len(y), 2))])
    alphas[0] = max(alphas[0], 0.1)
    model = Ridge(alpha=alphas, solver="svd").fit(X, Y)
    assert model.coef_.shape == (3, X.shape[1])
    assert model.intercept_.shape == (3,)
    for k in range(3):
        single = Ridge(alpha=alphas[k], solver="svd").fit(X, Y[:, k])
        assert_close(model.coef_[k], single.coef_, rtol=1e-9)
        assert model.intercept_[k] == pytest.approx(single.intercept_, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(model.predict(X)[:, 0], Ridge(alphas[0]).fit(X, y).predict(X))


def test_ridge_shapes_and_scalar_alpha_for_2d_y():
    X, y = gaussian_problem(0, 30, 4)
    Y = np.column_stack([y, 2 * y])
    model = Ridge(alpha=1.0).fit(X, Y)
    assert model.coef_.shape == (2, 4)
    np.testing.assert_allclose(model.coef_[1], 2 * model.coef_[0])
    assert model.predict(X).shape == (30, 2)
    assert Ridge().fit(X, y).coef_.shape == (4,)


# ---------------------------------------------------------------------------
# Ridge's route: primal or dual, and its fallbacks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "form"), [(6, "primal"), (5, "dual")])
def test_ridge_uses_the_primal_system_from_n_equal_p_and_the_dual_below(monkeypatch, n, form):
    """p = 6: with n = p the p×p system XcᵀXc + αI is factorised, with n = p − 1 the n×n dual."""
    X, y = gaussian_problem(7, n, 6)
    factorised = []

    def recording(A, B):
        factorised.append(A.copy())
        return _cholesky_solve(A, B)

    monkeypatch.setattr(linalg_module, "_cholesky_solve", recording)
    model = Ridge(alpha=0.3).fit(X, y)
    Xc = X - X.mean(axis=0)
    expected = Xc.T @ Xc if form == "primal" else Xc @ Xc.T
    (A,) = factorised
    np.testing.assert_allclose(A, expected + 0.3 * np.eye(len(expected)), atol=1e-12)
    w_ref, _ = ridge_reference(X, y, 0.3)
    np.testing.assert_allclose(model.coef_, w_ref, atol=1e-10)


def test_ridge_rank_deficient_falls_back_to_svd():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.1]])
    X[:, 1] = 2 * X[:, 0]  # exactly collinear
    y = np.array([1.0, 2.0, 2.5, 4.0])
    auto = Ridge(alpha=0.0).fit(X, y)
    assert auto.solver_ == "svd"
    with pytest.warns(RuntimeWarning, match="falling back to solver='svd'"):
        explicit = Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    assert explicit.solver_ == "svd"
    Xc, yc, _ = centre(X, y)
    np.testing.assert_allclose(auto.coef_, np.linalg.lstsq(Xc, yc, rcond=None)[0], atol=1e-12)


def test_ridge_on_badly_scaled_features_stays_on_cholesky_and_is_accurate():
    """Columns of size 1e-3 and 1e3 with alpha = 1 are badly scaled, not ill-conditioned."""
    X, y = gaussian_problem(9, 400, 4)
    X = X * np.array([1e-3, 1.0, 1e3, 1e2])
    model = Ridge(alpha=1.0).fit(X, y)
    assert model.solver_ == "cholesky"
    w_ref, _ = ridge_reference(X, y, 1.0)
    np.testing.assert_allclose(model.coef_, w_ref, rtol=1e-9)
    model.partial_fit(X, y)  # from the moments alone now
    assert model.solver_ == "cholesky"


def test_ridge_from_moments_falls_back_to_eigh_on_collinear_columns():
    X, y = gaussian_problem(10, 40, 3)
    X = np.column_stack([X, X[:, 0] - X[:, 1]])  # exactly collinear
    model = Ridge(alpha=0.0).partial_fit(X[:20], y[:20]).partial_fit(X[20:], y[20:])
    assert model.solver_ == "eigh"
    Xc, yc, _ = centre(X, y)
    w_min_norm = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    # Squares the condition number of the well-determined part (κ(Xc) ≈ 3): ~1e-14.
    np.testing.assert_allclose(model.coef_, w_min_norm, atol=1e-11)
    with pytest.warns(RuntimeWarning, match="falling back to solver='svd'"):
        model = Ridge(alpha=0.0, solver="cholesky").partial_fit(X[:20], y[:20])  # rows: SVD
    with pytest.warns(RuntimeWarning, match="falling back to solver='eigh'"):
        model.partial_fit(X[20:], y[20:])  # moments alone: eigh


# ---------------------------------------------------------------------------
# Ridge.partial_fit: chunks with per-target alphas
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(chunked_data(), st.booleans(), st.integers(0, 1000))
def test_ridge_partial_fit_over_chunks_equals_the_normal_equations(data, fit_intercept, seed):
    """Per-target alphas, weights (some zero), mixed scales and means, any chunk order.

    Tolerance. Each side's moments are off by rounding of at most
    δG ≈ (n + 10)·eps·Σ s·|x|·|x|ᵀ and δB likewise (see assert_moments_equal),
    and λ_min(XᵀX + αI) ≥ α, so each solution is within
    p·(|δB| + |δG|·|w|)/α of the exact one (the data's own conditioning,
    which is poor for a feature of mean 1e3 and deviation 1e-3), and 1e-9
    relative on top for the solves themselves (α ≥ 1e-2·max XᵀX_jj keeps the
    systems' condition numbers below ~1e2).
    """
    X, Y, s, bounds = data
    weights = np.ones(len(X)) if s is None else s
    if weights.sum() == 0:
        return
    rng = np.random.default_rng(seed)
    scale = (X - (weights @ X) / weights.sum()) ** 2 if fit_intercept else X**2
    base_alpha = 1e-2 * (weights @ scale).max() + 1e-12
    alphas = base_alpha * rng.uniform(1, 10, Y.shape[1])
    order = rng.permutation(len(bounds) - 1)
    model = Ridge(alpha=alphas, fit_intercept=fit_intercept)
    for chunk in chunks_of(X, Y, s, bounds, order):
        if chunk[2] is not None and not chunk[2].any():
            continue  # a chunk that weighs nothing is refused (and would change nothing)
        model.partial_fit(*chunk)
    coef, intercept = ridge_normal_equations(X, Y, alphas, weights, fit_intercept)
    whole = Ridge(alpha=alphas, fit_intercept=fit_intercept).fit(X, Y, s)

    aX, aY = np.abs(X), np.abs(Y)
    unit = 4 * (len(X) + 10) * np.finfo(float).eps
    dG = unit * (aX.T @ (weights[:, None] * aX)).max()
    dB = unit * (aX.T @ (weights[:, None] * aY)).max()
    tol_w = (
        1e-9 * np.abs(coef).max() + 2 * X.shape[1] * (dB + dG * np.abs(coef).max()) / alphas.min()
    )
    for ours in (model.coef_, whole.coef_):
        np.testing.assert_allclose(ours, coef, rtol=0, atol=tol_w)
    # b = ȳ − x̄ᵀw carries w's error times |x̄| (large for a mean of 1e3).
    x_mean = np.abs(weights @ X / weights.sum())
    tol_b = 1e-9 * (np.abs(intercept).max() + (np.abs(coef) @ x_mean).max())
    tol_b += x_mean.sum() * tol_w + unit * aY.max()
    np.testing.assert_allclose(model.intercept_, whole.intercept_, rtol=0, atol=tol_b)


# ---------------------------------------------------------------------------
# Ridge against scikit-learn (skipped without it)
# ---------------------------------------------------------------------------


def test_ridge_with_features_of_mean_1e6_matches_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(2)
    n, p = 3000, 5
    X = rng.standard_normal((n, p)) * np.array([1.0, 1e-3, 1e3, 1.0, 10.0]) + np.array(
        [1e6, 0.0, 1e6, -1e6, 5.0]
    )
    y = (X - X.mean(axis=0)) @ rng.standard_normal(p) + rng.standard_normal(n)
    model = Ridge(alpha=1.0)
    for rows in np.array_split(rng.permutation(n), 9):  # chunks in a random order
        model.partial_fit(X[rows], y[rows])
    theirs = sk.Ridge(alpha=1.0).fit(X, y)
    np.testing.assert_allclose(model.coef_, theirs.coef_, rtol=1e-6)
    assert model.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6)
