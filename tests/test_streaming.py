"""Data in chunks: Moments and their merge, partial_fit, RidgeCV(cv=k), bad chunks.

The references are computed from the mathematics on the concatenated data
(two-pass weighted centring, np.linalg.solve on the normal equations,
brute-force K-fold), independently of tinyreg.linear.moments. Comparisons
with scikit-learn, on real data in chunks, come last and are skipped when it
is not installed. Dask arrays are tested in test_dask.py.
"""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_elastic_net import assert_certified_close, gap_from_definition, rounding
from test_linear import centre, gaussian_problem, kkt_violation, ridge_reference

from tinyreg.linear import ElasticNet, Lasso, Moments, Ridge, RidgeCV
from tinyreg.linear import linalg as linalg_module
from tinyreg.linear import moments as moments_module
from tinyreg.linear.linalg import (
    _cholesky_solve,
    _forward_substitution,
    _forward_substitution_blocked,
    _ridge_eigh,
    _ridge_svd,
)
from tinyreg.linear.moments import _centre, _tiled_moments

FEW = settings(max_examples=25, deadline=None)


def direct_moments(X, Y, s):
    """(W, x̄, ȳ, XᵀX, Xᵀy, yᵀy) of the whole data by weighted two-pass centring."""
    W = s.sum()
    x_mean, y_mean = s @ X / W, s @ Y / W
    Xc, Yc = X - x_mean, Y - y_mean
    return W, x_mean, y_mean, Xc.T @ (s[:, None] * Xc), Xc.T @ (s[:, None] * Yc), s @ Yc**2


def assert_moments_equal(m, X, Y, s, n_samples=None):
    """Agreement with ``direct_moments`` to within a bound on the rounding errors of both.

    Centring makes an error of eps·|x| in each value (eps·|x̄| in a chunk's
    mean, carried by the merge's δx term), and each sum of n terms adds
    about n·eps of the sum of their sizes. So an entry Σ s·a·b of a scatter
    matrix is known to about (n + 10)·eps·Σ s·(|a_c|·|b| + |a|·|b_c|), where
    a_c is centred (plus its own rounding, eps·|a|) and a not: the data's
    own conditioning (for a feature of mean 10³ and deviation 10⁻³ that is
    ~1e-10 relative, for both sides).
    """
    W, x_mean, y_mean, XtX, Xty, yty = direct_moments(X, Y, s)
    aX, aY = np.abs(X), np.abs(Y)
    unit = np.finfo(float).eps
    Xc, Yc = np.abs(X - x_mean) + unit * aX, np.abs(Y - y_mean) + unit * aY
    eps = 4 * (len(X) + 10) * unit
    assert m.n_samples == (len(X) if n_samples is None else n_samples)
    assert m.weight_sum == pytest.approx(W, rel=eps)
    bounds = [
        (m.x_mean, x_mean, eps * aX.max(axis=0)),
        (m.y_mean, y_mean, eps * aY.max(axis=0)),
        (m.XtX, XtX, eps * (Xc.T @ (s[:, None] * aX) + aX.T @ (s[:, None] * Xc))),
        (m.Xty, Xty, eps * (Xc.T @ (s[:, None] * aY) + aX.T @ (s[:, None] * Yc))),
        (m.yty, yty, eps * 2 * s @ (Yc * aY)),
    ]
    for ours, ref, bound in bounds:
        assert np.all(np.abs(ours - ref) <= bound + 1e-300), (ours, ref, bound)


@st.composite
def chunked_data(draw, max_n=60, max_p=6, max_k=3, weights=True):
    """(X, Y, s, cuts): data, weights (some zero) and the row offsets where chunks start."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(2, max_n))
    p = draw(st.integers(1, max_p))
    k = draw(st.integers(1, max_k))
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-3, 3, p)
    means = rng.choice([0.0, 1.0, -50.0, 1e3], p)
    X = means + scales * rng.standard_normal((n, p))
    Y = X @ (rng.standard_normal((p, k)) / scales[:, None]) + rng.standard_normal((n, k))
    s = rng.uniform(0, 3, n) * (rng.random(n) > 0.1) if weights and draw(st.booleans()) else None
    n_cuts = draw(st.integers(0, min(n - 1, 6)))
    cuts = sorted(set(rng.choice(np.arange(1, n), n_cuts, replace=False).tolist()))
    return X, Y, s, [0, *cuts, n]


def chunks_of(X, Y, s, bounds, order):
    for i in order:
        rows = slice(bounds[i], bounds[i + 1])
        yield X[rows], Y[rows], None if s is None else s[rows]


# ---------------------------------------------------------------------------
# Moments: computation, merge, numerics
# ---------------------------------------------------------------------------


@FEW
@given(chunked_data(), st.integers(0, 1000))
def test_merged_moments_equal_those_of_the_whole_in_any_order(data, seed):
    X, Y, s, bounds = data
    weights = np.ones(len(X)) if s is None else s
    # Moments.of refuses a chunk whose weights are all zero (it would say nothing)
    assume(all(weights[a:b].any() for a, b in itertools.pairwise(bounds)))
    order = np.random.default_rng(seed).permutation(len(bounds) - 1)
    parts = [Moments.of(*chunk) for chunk in chunks_of(X, Y, s, bounds, order)]
    left = parts[0]
    for part in parts[1:]:
        left = left + part  # ((a + b) + c) + ...
    right = parts[-1]
    for part in parts[-2::-1]:
        right = part.merge(right)  # a + (b + (c + ...))
    for merged in (left, right):
        assert_moments_equal(merged, X, Y, weights)


def test_moments_of_a_feature_with_mean_1e6_keep_their_digits():
    """Centred merging keeps about 10 digits where raw sums keep about 4.

    X = 10⁶ + z with z a multiple of 1/8 in [-4, 4]: every value is exact in
    binary, so the exact scatter is a rational number computed here with
    Fractions. Within a chunk, x − fl(x̄) is exact (Sterbenz), so the only
    error is that of the rounded means, about eps·10⁶ ≈ 2e-10, carried into
    the merge's (x̄_A − x̄_B)² term: a relative error of order 1e-10.
    """
    rng = np.random.default_rng(0)
    n = 2000
    z = rng.integers(-32, 33, n) / 8
    x = 1e6 + z
    bounds = np.sort(rng.choice(np.arange(1, n), 9, replace=False))
    pieces = np.split(x, bounds)
    merged = Moments.of(pieces[0][:, None], pieces[0])
    for piece in pieces[1:]:
        merged = merged + Moments.of(piece[:, None], piece)
    exact_mean = sum(Fraction(v) for v in z) / n
    exact = float(sum((Fraction(v) - exact_mean) ** 2 for v in z))
    assert merged.XtX[0, 0] == pytest.approx(exact, rel=1e-9)
    assert merged.yty[0] == pytest.approx(exact, rel=1e-9)
    # What the raw sums would give: Σx² − n·x̄², each of size 2e15, cancelling to ~1e4.
    raw = float(np.sum(x * x) - n * np.mean(x) ** 2)
    assert abs(raw - exact) > 1e-7 * exact  # the test above can tell the two apart


def test_moments_pickle_and_merge_rules():
    X, y = gaussian_problem(0, 30, 4)
    m = Moments.of(X, y)
    back = pickle.loads(pickle.dumps(m))
    for name in ("x_mean", "y_mean", "XtX", "Xty", "yty"):
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
    assert (back.n_samples, back.weight_sum) == (30, 30.0)
    assert (m.n_features, m.n_targets) == (4, 1)
    assert "n_samples=30" in repr(m)

    nothing = _tiled_moments(X[:5], y[:5, None], np.zeros(5))  # e.g. a dask block
    for merged in (m + nothing, nothing + m):
        assert_moments_equal(merged, X, y[:, None], np.ones(30), n_samples=35)
    assert (nothing + nothing).weight_sum == 0

    with pytest.raises(ValueError, match="cannot merge the moments of data with 3 features"):
        m + Moments.of(X[:, :3], y)
    with pytest.raises(ValueError, match=r"and 1 target\(s\).*and 2 target\(s\)"):
        Moments.of(X, np.column_stack([y, y])).merge(m)
    with pytest.raises(TypeError, match="can only merge Moments with Moments, got ndarray"):
        m.merge(X)
    with pytest.raises(ValueError, match="X has no samples"):
        Moments.of(X[:0], y[:0])


@pytest.mark.parametrize("weights", ["none", "some zero", "a tile of zeros"])
def test_tiled_moments_agree_with_the_readable_route(monkeypatch, weights):
    """The speed path (tiles of 1024 rows here: 5 of them, the last short) equals one copy."""
    monkeypatch.setattr(moments_module, "_TILE_BYTES", 1)  # the minimum tile: 1024 rows
    rng = np.random.default_rng(12)
    X = rng.standard_normal((4500, 3)) * [1.0, 1e3, 1e-3] + [0.0, 1e4, 5.0]
    Y = X @ [[1.0], [2e-3], [3e2]] + rng.standard_normal((4500, 1))
    s = {
        "none": None,
        "some zero": rng.uniform(0, 2, 4500) * (rng.random(4500) > 0.2),
        "a tile of zeros": np.r_[np.zeros(1024), rng.uniform(0.5, 2, 3476)],
    }[weights]
    tiled = _tiled_moments(X, Y, s)
    readable = _centre(X, Y, s).moments()
    for m in (tiled, readable):  # both within the rounding bound of the direct computation
        assert_moments_equal(m, X, Y, np.ones(4500) if s is None else s)


def test_non_finite_values_are_found_through_the_moments():
    """A NaN on a row of weight zero still poisons the moments (0·NaN = NaN), so it is found."""
    X, y = gaussian_problem(13, 3000, 2)
    s = np.ones(3000)
    s[2500] = 0.0
    X[2500, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 non-finite value.*\(2500, 1\)"):
        Moments.of(X, y, s)
    X[2500, 1] = 0.0
    y[10] = -np.inf
    with pytest.raises(ValueError, match=r"y contains 1 non-finite value.*-inf at index \(10,\)"):
        Ridge().fit(X, y, s)
    y[10] = 0.0
    with pytest.raises(ValueError, match="the moments of X and y overflow"):
        Ridge().fit(X * 1e160, y)


@FEW
@given(chunked_data(max_k=2), st.booleans(), st.integers(0, 1000))
def test_residual_sum_of_squares_and_normal_equations_from_moments(data, fit_intercept, seed):
    X, Y, s, _ = data
    s = np.ones(len(X)) if s is None else s
    if s.sum() == 0:
        s = np.ones(len(X))
    m = Moments.of(X, Y, s)
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal((Y.shape[1], X.shape[1])) / np.abs(X).max(axis=0)
    intercept = rng.standard_normal(Y.shape[1])
    residual = Y - X @ coef.T - intercept
    direct = s @ residual**2
    # The quadratic form subtracts terms of the size of Σ s·y² (yᵀy, wᵀXᵀXw, W·offset²).
    scale = s @ (Y**2 + (X @ coef.T) ** 2 + intercept**2)
    rss = m.residual_sum_of_squares(coef, intercept)
    np.testing.assert_allclose(rss, direct, rtol=0, atol=1e-11 * scale.max())

    G, B, c = m.normal_equations(fit_intercept)
    _, _, _, XtX, Xty, yty = direct_moments(X, Y, s)
    if fit_intercept:
        expected = XtX, Xty, yty
    else:
        expected = X.T @ (s[:, None] * X), X.T @ (s[:, None] * Y), s @ Y**2
    # Rounding errors are at most a few eps times the raw sums Σ s·|a|·|b| (see
    # assert_moments_equal), whatever the centred values are (zero, for one weighted row).
    aX, aY = np.abs(X), np.abs(Y)
    sizes = (aX.T @ (s[:, None] * aX), aX.T @ (s[:, None] * aY), s @ aY**2)
    for ours, ref, size in zip((G, B, c), expected, sizes, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * size.max())


# ---------------------------------------------------------------------------
# partial_fit
# ---------------------------------------------------------------------------


def ridge_normal_equations(X, Y, alphas, s, fit_intercept):
    """(coef (k, p), intercept (k,)) by np.linalg.solve, one target at a time."""
    coefs, intercepts = [], []
    for j, alpha in enumerate(alphas):
        if fit_intercept:
            w, b = ridge_reference(X, Y[:, j], alpha, s)
        else:
            A = X.T @ (s[:, None] * X) + alpha * np.eye(X.shape[1])
            w, b = np.linalg.solve(A, X.T @ (s * Y[:, j])), 0.0
        coefs.append(w)
        intercepts.append(b)
    return np.array(coefs), np.array(intercepts)


@FEW
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


@pytest.mark.parametrize("first_rows", [3, 8, 40])  # fewer rows than features, as many, more
@pytest.mark.parametrize("model", [Ridge(alpha=0.5), Lasso(alpha=0.05, tol=1e-12, max_iter=10**5)])
def test_fit_then_partial_fit_equals_fit_on_the_union(first_rows, model):
    X, y = gaussian_problem(3, 60, 8)
    model.fit(X[:first_rows], y[:first_rows])
    model.partial_fit(X[first_rows:], y[first_rows:])
    whole = type(model)(**model.get_params()).fit(X, y)
    # Ridge: well-conditioned (alpha > 0, Gaussian X), 1e-10. Lasso: both fits certified by a
    # duality gap ≤ 1e-12·‖y‖² of a problem whose restricted Hessian is well conditioned.
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=1e-8, atol=1e-10)
    assert model.intercept_ == pytest.approx(whole.intercept_, rel=1e-9)
    assert model.moments_.n_samples == 60


def test_a_pickled_estimator_goes_on_learning():
    X, y = gaussian_problem(14, 60, 4)
    model = pickle.loads(
        pickle.dumps(ElasticNet(alpha=0.05, tol=1e-12).partial_fit(X[:25], y[:25]))
    )
    model.partial_fit(X[25:], y[25:])
    whole = ElasticNet(alpha=0.05, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=1e-8, atol=1e-10)


def test_fit_forgets_and_parameters_may_change_between_chunks():
    X, y = gaussian_problem(4, 50, 5)
    model = Ridge(alpha=1.0).fit(X[:20], y[:20])
    model.fit(X[20:], y[20:])  # fit starts afresh
    np.testing.assert_allclose(model.coef_, Ridge(alpha=1.0).fit(X[20:], y[20:]).coef_)
    model.set_params(alpha=3.0).partial_fit(X[:20], y[:20])  # all data, the new alpha
    np.testing.assert_allclose(model.coef_, Ridge(alpha=3.0).fit(X, y).coef_, rtol=1e-10)


@pytest.mark.parametrize("make", [Lasso, ElasticNet])
@settings(max_examples=10, deadline=None)
@given(
    data=chunked_data(max_p=5, max_k=1, weights=False),
    fraction=st.floats(0.05, 0.8),
    seed=st.integers(0, 1000),
)
def test_enet_partial_fit_reaches_the_minimiser_of_the_whole(make, data, fraction, seed):
    """partial_fit over chunks, in any order, minimises the objective on all the data.

    Its duality gap (computed from the moments) is ≤ tol·Σ(y − ȳ)²/n, and
    the coefficients satisfy the KKT conditions of the whole data to within
    what that gap allows (the bound of test_linear's KKT test).
    """
    X, Y, _, bounds = data
    X = (X - X.mean(axis=0)) / X.std(axis=0).clip(1e-12)  # the lasso is not scale-invariant
    y = Y[:, 0]
    n = len(y)
    Xc, yc, _ = centre(X, y)
    l1_ratio = 1.0 if make is Lasso else 0.5
    alpha = fraction * np.abs(Xc.T @ yc).max() / (n * l1_ratio) + 1e-12
    model = make(alpha=alpha, tol=1e-12, max_iter=10**5)
    order = np.random.default_rng(seed).permutation(len(bounds) - 1)
    for chunk_X, chunk_y, _ in chunks_of(X, y, None, bounds, order):
        model.partial_fit(chunk_X, chunk_y)
    rounding = 1e-13 * (yc @ yc) / n
    assert model.dual_gap_ <= 1e-12 * (yc @ yc) / n + rounding
    L_max = (Xc**2).sum(axis=0).max() / n + alpha * (1 - l1_ratio)
    gap = max(model.dual_gap_, 0.0) + rounding
    assert kkt_violation(Xc, yc, model.coef_, alpha, l1_ratio) <= np.sqrt(2 * L_max * gap)


# ---------------------------------------------------------------------------
# Bad chunks change nothing
# ---------------------------------------------------------------------------


def snapshot(model):
    m = model.moments_
    return (model.coef_.copy(), model.intercept_, m.n_samples, m.XtX.copy(), m.Xty.copy())


def assert_same_snapshot(a, b):
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("make", [Ridge, lambda: Lasso(alpha=0.01), ElasticNet])
def test_bad_chunks_raise_and_change_nothing(make):
    X, y = gaussian_problem(5, 90, 4)
    model = make().partial_fit(X[:30], y[:30])
    before = snapshot(model)
    good_X, good_y = X[30:60], y[30:60]

    def nan_in(a, where):
        a = a.copy()
        a[where] = np.nan
        return a

    inf_y = good_y.copy()
    inf_y[3] = np.inf
    bad_chunks = [
        ((good_X[:, :3], good_y), r"X has 3 features, but \w+ is expecting 4 features as input"),
        ((nan_in(good_X, (2, 1)), good_y), r"X contains 1 non-finite value.*\(2, 1\)"),
        ((good_X, inf_y), "y contains 1 non-finite value"),
        ((good_X, good_y, -np.ones(30)), "sample_weight must be >= 0"),
        ((good_X, good_y[:-1]), r"X has shape \(30, 4\), y has shape \(29,\)"),
        ((good_X, np.column_stack([good_y, good_y])), "a 2-D y with 2 column.*a 1-D y"),
        ((good_X, good_y, np.ones(29)), r"sample_weight has shape \(29,\)"),
        ((good_X[:0], good_y[:0]), "X has no samples"),
    ]
    for args, message in bad_chunks:
        with pytest.raises(ValueError, match=message):
            model.partial_fit(*args)
        assert_same_snapshot(snapshot(model), before)
    model.partial_fit(good_X, good_y)
    untouched = make().partial_fit(X[:30], y[:30]).partial_fit(good_X, good_y)
    assert_same_snapshot(snapshot(model), snapshot(untouched))  # bit for bit


def test_a_chunk_that_weighs_nothing_is_refused_and_changes_nothing():
    X, y = gaussian_problem(6, 20, 3)
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        Ridge().partial_fit(X, y, sample_weight=np.zeros(20))
    model = Ridge().partial_fit(X, y)
    before = snapshot(model)
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        model.partial_fit(X, 2 * y, sample_weight=np.zeros(20))
    assert_same_snapshot(snapshot(model), before)


# ---------------------------------------------------------------------------
# Ridge's solver choice and its cut-offs
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


@pytest.mark.parametrize(("pivot", "raises"), [(4.0, False), (0.25, True)])
@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_cholesky_cut_off_reads_the_equilibrated_pivot(pivot, raises, scale):
    """Refused exactly when some L_kk²/A_kk ≤ √eps, whatever the scales of the columns.

    A = D·[[1, c], [c, 1]]·D has second equilibrated pivot 1 − c²; it is set
    to pivot·√eps, on either side of the cut-off, for D = diag(1, scale).
    """
    root_eps = np.sqrt(np.finfo(float).eps)
    c = np.sqrt(1 - pivot * root_eps)
    D = np.diag([1.0, scale])
    A = D @ np.array([[1.0, c], [c, 1.0]]) @ D
    b = np.array([1.0, 2.0])
    if raises:
        with pytest.raises(np.linalg.LinAlgError, match="too ill-conditioned"):
            _cholesky_solve(A, b)
    else:
        # κ(equilibrated) ≈ 2/(pivot·√eps) ≈ 3e7: the solution keeps ~8 digits.
        np.testing.assert_allclose(_cholesky_solve(A, b), np.linalg.solve(A, b), rtol=1e-6)


@pytest.mark.parametrize(("factor", "kept"), [(2.0, True), (0.5, False)])
def test_svd_and_eigh_cut_offs_drop_directions_at_rounding_level(factor, kept):
    """A direction whose singular value is just above (below) the cut-off is kept (dropped).

    X is n×2 with the singular values 1 and σ = factor·max(n, p)·eps on its
    diagonal (an SVD that LAPACK computes exactly), y = e₁ + 1e-15·e₂, alpha = 0:
    the second coefficient is 1e-15/σ when the direction is kept, exactly 0
    when it is dropped. The same for the eigendecomposition of G = diag(1, λ).
    """
    n, eps = 5, np.finfo(float).eps
    small = factor * n * eps
    X = np.zeros((n, 2))
    X[0, 0], X[1, 1] = 1.0, small
    y = np.zeros((n, 1))
    y[0, 0], y[1, 0] = 1.0, 1e-15
    expected = pytest.approx(1e-15 / small, rel=1e-12) if kept else 0.0
    coef = _ridge_svd(X, y, np.zeros(1))[0]
    assert coef[0] == 1.0
    assert coef[1] == expected
    coef = _ridge_eigh(np.diag([1.0, small]), np.array([[1.0], [1e-15]]), np.zeros(1), n_rows=n)[0]
    assert coef[0] == 1.0
    assert coef[1] == (pytest.approx(1e-15 / small, rel=1e-12) if kept else 0.0)


@pytest.mark.parametrize("p", [1, 5, 64, 65, 150])
def test_blocked_forward_substitution_agrees_with_the_row_by_row_algorithm(p):
    """Both are backward stable on a well-conditioned L (κ ≈ 10): agreement to ~1e-13."""
    rng = np.random.default_rng(p)
    L = np.tril(rng.standard_normal((p, p)) / np.sqrt(p)) + 3 * np.eye(p)
    B = rng.standard_normal((p, 3))
    plain, blocked = _forward_substitution(L, B), _forward_substitution_blocked(L, B)
    np.testing.assert_allclose(blocked, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(L @ plain, B, atol=1e-12)
    np.testing.assert_allclose(_forward_substitution_blocked(L, B[:, 0]), plain[:, 0], atol=1e-13)


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
# RidgeCV(cv=k): exact K-fold from per-fold moments
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


@FEW
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
# Optional dependencies stay optional
# ---------------------------------------------------------------------------


def test_importing_tinyreg_never_imports_dask():
    code = (
        "import sys, numpy as np, tinyreg, tinyreg.linear as tl\n"
        "tl.Ridge().partial_fit(np.eye(3), np.ones(3))\n"
        "tl.RidgeCV(cv=2).fit(np.random.rand(6, 2), np.arange(6.0))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# Optional: agreement with scikit-learn on the concatenated data
# ---------------------------------------------------------------------------


def real_data_in_chunks():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True, scaled=False)  # bundled: no download
    return X, y, np.array_split(np.arange(len(y)), 7)


@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_on_real_data_matches_sklearn_on_the_whole(weighted):
    """Chunks in any order give scikit-learn's fit on the concatenated data.

    Ridge is solved exactly by both: 1e-9 relative. The lasso and the
    elastic net stop at a duality gap of tol·‖yc‖² (scaled objective); two
    results so certified are as close as their gaps allow (see
    ``assert_certified_close``), and each must meet its own tolerance.
    """
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, chunks = real_data_in_chunks()
    s = np.random.default_rng(0).uniform(0.5, 2, len(y)) if weighted else None
    Y = np.column_stack([y, np.log(y)])
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(1).permutation(len(chunks))

    def learn(ours, data_X, data_y):
        for i in order:
            rows = chunks[i]
            ours.partial_fit(data_X[rows], data_y[rows], None if s is None else s[rows])
        return ours

    ridge = learn(Ridge(alpha=[0.3, 30.0]), X, Y)
    theirs = sk.Ridge(alpha=[0.3, 30.0]).fit(X, Y, sample_weight=s)
    np.testing.assert_allclose(
        ridge.coef_, theirs.coef_, rtol=0, atol=1e-9 * np.abs(theirs.coef_).max()
    )
    np.testing.assert_allclose(
        ridge.intercept_, theirs.intercept_, rtol=1e-9, atol=1e-9 * np.abs(Y).max()
    )

    weights = np.ones(len(y)) if s is None else s
    W = weights.sum()
    x_mean, y_mean = weights @ Xs / W, weights @ y / W
    Xc = np.sqrt(weights)[:, None] * (Xs - x_mean)
    yc = np.sqrt(weights) * (y - y_mean)
    for alpha, l1_ratio in [(0.3, 1.0), (0.05, 0.4)]:
        ours = learn(ElasticNet(alpha, l1_ratio=l1_ratio), Xs, y)
        theirs = sk.ElasticNet(alpha, l1_ratio=l1_ratio).fit(Xs, y, sample_weight=s)
        l1, l2 = W * alpha * l1_ratio, W * alpha * (1 - l1_ratio)
        gaps = [gap_from_definition(Xc, yc, m.coef_, l1, l2) for m in (ours, theirs)]
        for gap in gaps:  # each at its own stopping tolerance (tol = 1e-4)
            assert gap <= 1e-4 * (yc @ yc) + rounding(yc)
        assert_certified_close(Xc, yc, ours.coef_, gaps[0], theirs.coef_, gaps[1], l2)
        assert ours.intercept_ == pytest.approx(
            y_mean - x_mean @ ours.coef_, rel=1e-12, abs=1e-12 * abs(y_mean)
        )


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
