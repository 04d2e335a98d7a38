"""linear/base.py: what every linear model shares, and partial_fit over chunks.

_LinearModel centres the data so that the intercept is not penalized and
gives ``predict`` and ``score``; _MomentsModel learns from chunks, and the
fit after any sequence of chunks is the fit on their union. References are
computed from the mathematics on the concatenated data; the comparison
with scikit-learn on real data in chunks comes last and is skipped when it
is not installed. Dask arrays are tested in test_dask.py.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from _linear_reference import (
    FEW,
    assert_certified_close,
    assert_close,
    assert_same_minimiser,
    centre,
    chunked_data,
    chunks_of,
    gap_from_definition,
    gaussian_problem,
    kkt_violation,
    real_data_in_chunks,
    regression_data,
    rounding,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import ElasticNet, Lasso, LinearRegression, Ridge

# ---------------------------------------------------------------------------
# _LinearModel: sample weights, score, a failed fit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: Ridge(alpha=0.3),
        LinearRegression,
        lambda: ElasticNet(0.01, tol=1e-12, max_iter=100000),
    ],
    ids=["Ridge", "LinearRegression", "ElasticNet"],
)
@FEW
@given(data=regression_data(min_n=3), seed=st.integers(0, 1000))
def test_sample_weight_semantics(make, data, seed):
    """Ones = no weights, a zero weight = dropping the row, integer weights = repeated rows."""
    X, y = data
    rng = np.random.default_rng(seed)
    plain = make().fit(X, y)
    ones = make().fit(X, y, sample_weight=np.ones(len(y)))
    counts = rng.integers(1, 4, len(y))
    counts[rng.integers(len(y))] = 0
    weighted = make().fit(X, y, sample_weight=counts)
    repeated = make().fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    kept = counts > 0
    dropped = make().fit(X[kept], y[kept], sample_weight=counts[kept])
    if isinstance(plain, ElasticNet):  # iterative: as close as the duality gaps allow
        assert_same_minimiser(X, y, ones, plain)
        for other in (repeated, dropped):
            assert_same_minimiser(X, y, weighted, other, sample_weight=counts)
        return
    assert_close(ones.coef_, plain.coef_, rtol=1e-8)
    for other in (repeated, dropped):
        assert_close(weighted.coef_, other.coef_, rtol=1e-7)
        assert weighted.intercept_ == pytest.approx(other.intercept_, rel=1e-7, abs=1e-7)


def test_score_is_r2():
    X, y = gaussian_problem(8, 40, 4)
    model = Ridge(alpha=1.0).fit(X, y)
    residual = y - model.predict(X)
    expected = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    assert model.score(X, y) == pytest.approx(expected, rel=1e-12)
    assert LinearRegression().fit(X, X @ [1.0, 2, 3, 4]).score(X, X @ [1.0, 2, 3, 4]) == 1.0


def test_failed_fit_on_bad_data_leaves_the_fit_unchanged():
    X, y = gaussian_problem(0, 12, 3)
    model = Ridge().fit(X, y)
    coef = model.coef_.copy()
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(bad, y)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(X, y[:-1])
    np.testing.assert_array_equal(model.coef_, coef)


# ---------------------------------------------------------------------------
# _MomentsModel.partial_fit: chunks in any order give the fit on their union
# ---------------------------------------------------------------------------


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
    what that gap allows (the bound of test_elastic_net.py's KKT test).
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
# _MomentsModel.partial_fit: bad chunks change nothing
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
# partial_fit against scikit-learn on the concatenated data (skipped without it)
# ---------------------------------------------------------------------------


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
