"""linear/moments.py: Moments computed, merged and read, against the direct computation.

The reference is weighted two-pass centring of the concatenated data,
computed here independently of tinyreg.linear.moments; agreement is asserted
to within a bound on the rounding errors of both (``assert_moments_equal``).
"""

from __future__ import annotations

import itertools
import pickle
from fractions import Fraction

import numpy as np
import pytest
from _linear_reference import (
    assert_moments_equal,
    chunked_data,
    chunks_of,
    direct_moments,
    gaussian_problem,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinyreg.linear import Lasso, Moments, Ridge
from tinyreg.linear import moments as moments_module
from tinyreg.linear.data import data_of
from tinyreg.linear.moments import (
    _centre,
    _chunk_moments,
    _shifted_moments,
    _tiled_moments,
    _uncentred_moments,
)

# ---------------------------------------------------------------------------
# Moments: computation and merge
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
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


def tiles_problem(weights):
    """4500 rows (5 tiles of 1024 with _TILE_BYTES = 1, the last short) with offsets and a trend."""
    rng = np.random.default_rng(12)
    X = rng.standard_normal((4500, 3)) * [1.0, 1e3, 1e-3] + [0.0, 1e4, 5.0]
    X[:, 0] += np.linspace(0.0, 3.0, 4500)  # a trend: the first rows' mean is not the mean
    Y = X @ [[1.0], [2e-3], [3e2]] + rng.standard_normal((4500, 1))
    s = {
        "none": None,
        "some zero": rng.uniform(0, 2, 4500) * (rng.random(4500) > 0.2),
        "a tile of zeros": np.r_[np.zeros(1024), rng.uniform(0.5, 2, 3476)],
    }[weights]
    return X, Y, s, np.ones(4500) if s is None else s


@pytest.mark.parametrize("weights", ["none", "some zero", "a tile of zeros"])
def test_tiled_moments_agree_with_the_readable_route(monkeypatch, weights):
    """The speed path (tiles of 1024 rows here: 5 of them, the last short) equals one copy."""
    monkeypatch.setattr(moments_module, "_TILE_BYTES", 1)  # the minimum tile: 1024 rows
    X, Y, s, weights = tiles_problem(weights)
    for m in (_tiled_moments(X, Y, s), _centre(X, Y, s).moments()):
        assert_moments_equal(m, X, Y, weights)  # both within the bound of the direct computation


@pytest.mark.parametrize("weights", ["none", "some zero", "a tile of zeros"])
def test_shifted_moments_agree_with_the_readable_route(monkeypatch, weights):
    """The speed path (one shift for every tile of 1024 rows, corrected once) equals one copy."""
    monkeypatch.setattr(moments_module, "_TILE_BYTES", 1)
    X, Y, s, weights = tiles_problem(weights)
    shifted = _shifted_moments(X, Y, s)
    assert shifted is not None
    assert_moments_equal(shifted, X, Y, weights)
    wide = np.repeat(X, 17, axis=1)  # enough features for _chunk_moments to take this route
    assert_moments_equal(_chunk_moments(wide, Y, s), wide, Y, weights)


@pytest.mark.parametrize("case", ["sampled rows off the mean", "nan", "weights sum to zero"])
def test_shifted_moments_are_refused_where_the_sums_would_cancel(case):
    """ρ > 1 about the shift (the sampled rows' mean), a NaN, or no weight: the tiles' own means."""
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((4096, 2)), rng.standard_normal((4096, 1))
    s = None
    if case == "sampled rows off the mean":
        X[::4, 0] += 1e6  # every sampled row (one in 4) and no other: ρ = 3 for the shift
    elif case == "nan":
        X[7, 1] = np.nan
    else:
        s = np.zeros(4096)
    assert _shifted_moments(X, Y, s) is None
    if case == "sampled rows off the mean":  # enough features for the shifted route: refused
        wide = np.repeat(X, 25, axis=1)
        assert _shifted_moments(wide, Y, None) is None
        assert_moments_equal(_chunk_moments(wide, Y, None), wide, Y, np.ones(4096))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 80),
    st.integers(1, 5),
    st.lists(st.floats(-1.0, 1.0), min_size=6, max_size=6),
    st.lists(st.floats(-6.0, 6.0), min_size=6, max_size=6),
    st.integers(0, 1000),
)
def test_uncentred_route_agrees_when_it_is_taken(n, p, offsets, log_scales, seed):
    """Offsets up to the spread (ρ ≤ 1): the raw sums, corrected, are within the rounding bound."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.array(log_scales)
    Z = rng.standard_normal((n, p + 1)) * scales[: p + 1]
    Z -= Z.mean(axis=0)
    Z += 0.9 * np.array(offsets[: p + 1]) * Z.std(axis=0)  # |mean| < std: the route is open
    X, Y = Z[:, :p], Z[:, p:]
    m = _uncentred_moments(X, Y)
    assert m is not None
    assert_moments_equal(m, X, Y, np.ones(n))
    assert_moments_equal(_chunk_moments(X, Y, None), X, Y, np.ones(n))


@pytest.mark.parametrize(
    "case", ["mean 1e6", "offset twice the spread", "a constant column", "float32", "y offset"]
)
def test_uncentred_route_is_refused_where_the_sums_would_cancel(case):
    """ρ = n·z̄²/‖z − z̄‖² > 1 in any column of X or y (or not float64): centre instead."""
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((500, 3)), rng.standard_normal((500, 1))
    if case == "mean 1e6":
        X[:, 1] += 1e6
    elif case == "offset twice the spread":
        X[:, 2] = 2.0 * X[:, 2].std() + (X[:, 2] - X[:, 2].mean())
    elif case == "a constant column":
        X[:, 0] = 3.0
    elif case == "float32":
        X = X.astype(np.float32)
    else:
        Y += 1e3
    assert _uncentred_moments(X, Y) is None
    assert_moments_equal(_chunk_moments(X, Y, None), X, Y, np.ones(500))


def test_ridge_on_a_feature_with_mean_1e6_equals_ridge_on_the_centred_feature():
    """Ridge is invariant to feature offsets; the fit keeps that to rounding of the centring.

    Values are multiples of 1/8 below 2⁵, so x + 10⁶ is exact in binary and
    centring makes an error of about eps·10⁶ ≈ 2e-10 per value (on O(1)
    data): the coefficients agree to a relative 1e-8, where the
    uncorrected raw sums would keep about four digits.
    """
    rng = np.random.default_rng(5)
    X = rng.integers(-32, 33, (3000, 250)) / 8  # enough features for the raw sums' route
    y = X @ rng.integers(-4, 5, 250) + rng.integers(-8, 9, 3000) / 8
    shifted = X + np.where(np.arange(250) % 3 == 0, 1e6, 0.0)
    assert _uncentred_moments(X, y[:, None]) is not None  # the raw sums for X ...
    assert _uncentred_moments(shifted, y[:, None]) is None  # ... centring for the shifted X
    a, b = Ridge(1.0).fit(X, y), Ridge(1.0).fit(shifted, y)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8)
    assert b.intercept_ == pytest.approx(a.intercept_ - shifted[0] @ b.coef_ + X[0] @ a.coef_)


# ---------------------------------------------------------------------------
# Moments: numerics
# ---------------------------------------------------------------------------


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


def test_non_finite_values_of_fewer_rows_than_features_are_found_through_the_means():
    """n < p: the chunk is centred, not summed into moments; its means find NaN and infinity."""
    X, y = gaussian_problem(13, 30, 60)
    s = np.ones(30)
    s[25] = 0.0
    X[25, 40] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 non-finite value.*\(25, 40\)"):
        Lasso(0.1).fit(X, y, s)
    X[25, 40] = 0.0
    y[10] = -np.inf
    with pytest.raises(ValueError, match=r"y contains 1 non-finite value.*-inf at index \(10,\)"):
        Ridge().fit(X, y)
    y[10] = 0.0
    X[:, 0] = 1e307  # finite, but 30 of them sum beyond the largest float
    with pytest.raises(ValueError, match="the means of X and y overflow"):
        Ridge().fit(X, y)


def test_rows_without_intercept_or_weights_are_the_data_as_given():
    """The rows a solver gets without intercept are X and y themselves (in float64), not
    X − x̄ + x̄; the summary an estimator keeps does not hold them; weights scale copies."""
    X, y = gaussian_problem(3, 20, 50)
    summary, rows, _ = data_of(X, y).summary()
    Xr, Yr = rows.rows(False)
    assert Xr is X
    assert np.shares_memory(Yr, y) and Yr.shape == (20, 1)
    assert summary.given is None
    np.testing.assert_array_equal(summary.X, X - X.mean(axis=0))
    Xr32, _ = data_of(X.astype(np.float32), y).summary()[1].rows(False)
    assert Xr32.dtype == np.float64
    np.testing.assert_array_equal(Xr32, X.astype(np.float32))
    s = np.linspace(0.5, 2.0, 20)
    Xw, _ = data_of(X, y, s).summary()[1].rows(False)
    np.testing.assert_allclose(Xw, np.sqrt(s)[:, None] * X, rtol=1e-14, atol=1e-14)
    assert not np.shares_memory(Xw, X)
    X_tall, y_tall = gaussian_problem(4, 60, 5)  # n ≥ p: the summary is the moments
    assert data_of(X_tall, y_tall).summary()[1].rows(False)[0] is X_tall


# ---------------------------------------------------------------------------
# What the solvers read: the normal equations and the residual sum of squares
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
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
