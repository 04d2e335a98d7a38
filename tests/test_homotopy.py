"""linear/homotopy.py: the exact solution path against the reference coordinate descent.

The fast path and the reference must reach the same minimiser. Both certify
their result by the duality gap, and the gap bounds how far apart two
certified results can be, so the comparisons allow exactly that much (plus
rounding). The path's speed tricks are checked against their plain versions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _linear_reference import (
    assert_certified_close,
    assert_certified_solution,
    centre,
    gap_from_definition,
    gaussian_problem,
    hard_problems,
    kkt_violation,
    positive_kkt_violation,
    rounding,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso, enet_path, homotopy
from tinyreg.linear.enet_solvers import (
    _duality_gap,
    _enet_coordinate_descent,
    _make_form,
    _make_gram_form,
)
from tinyreg.linear.homotopy import (
    _ActiveSet,
    _enet_homotopy,
    _enet_path_homotopy,
    _lasso_gaps,
    _spd_inverse,
    _TrackedGram,
)

# ---------------------------------------------------------------------------
# The exact path reaches the reference's minimiser
# ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(problem=hard_problems(), gram=st.booleans())
def test_homotopy_and_coordinate_descent_reach_the_same_minimiser(problem, gram):
    """The exact path and the reference sweep agree to what their duality gaps allow.

    Also: the path converges (gap ≤ tol·‖y‖²), keeps all-zero columns at 0,
    respects w ≥ 0, meets the optimality conditions, and does no work at all
    at alpha ≥ alpha_max. ``gram`` runs the path on the Gram statistics
    alone (XᵀX, Xᵀy, yᵀy), as it runs for data summarised chunk by chunk.
    """
    X, y, fraction, l1_ratio, positive = problem
    n, p = X.shape
    Xy = X.T @ y
    top = max(Xy.max(), 0.0) if positive else np.abs(Xy).max()
    alpha = fraction * max(top, 1e-3) / (n * l1_ratio)
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    tol = 1e-10
    start = np.zeros(p)
    fast_form = (
        _make_gram_form(X.T @ X, Xy, y @ y, start) if gram else _make_form(X, y, start, None)
    )
    w_fast, gap_fast, n_fast = _enet_homotopy(fast_form, l1, l2, 1000, tol, positive)
    with warnings.catch_warnings():  # the reference may stop short here; its gap says where
        warnings.simplefilter("ignore", ConvergenceWarning)
        w_ref, gap_ref, _ = _enet_coordinate_descent(
            _make_form(X, y, start, None), l1, l2, 2000, tol, positive
        )

    assert_certified_solution(X, y, w_fast, gap_fast, n_fast, l1, l2, positive, tol)
    assert_certified_close(X, y, w_fast, gap_fast, w_ref, gap_ref, l2)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), l1_ratio=st.sampled_from([1.0, 0.5]), positive=st.booleans())
def test_homotopy_on_many_features_meets_the_kkt_conditions(seed, l1_ratio, positive):
    """p ≫ n with more features than one stretch tracks: the checked, redone stretches work."""
    X, y = gaussian_problem(seed, 30, 400, n_informative=8)
    Xc, yc, _ = centre(X, y)
    alpha = 0.02 * np.abs(Xc.T @ yc).max() / (30 * l1_ratio)
    model = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-10, positive=positive).fit(X, y)
    assert model.n_iter_ > 1  # several stretches, each checked over all 400 features
    l1, l2 = 30 * alpha * l1_ratio, 30 * alpha * (1 - l1_ratio)
    gap = gap_from_definition(Xc, yc, model.coef_, l1, l2, positive) / 30
    assert gap <= 1e-10 * (yc @ yc) / 30 + rounding(yc) / 30
    violation = (positive_kkt_violation if positive else kkt_violation)(
        Xc, yc, model.coef_, alpha, l1_ratio
    )
    L = (Xc**2).sum(axis=0).max() / 30 + alpha * (1 - l1_ratio)
    assert violation <= np.sqrt(2 * L * (gap + rounding(yc) / 30))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_by_homotopy_and_by_coordinate_descent_agree(l1_ratio):
    X, y = gaussian_problem(8, 20, 35, n_informative=5)
    tol = 1e-9
    a1, fast, gaps_fast = enet_path(X, y, l1_ratio=l1_ratio, n_alphas=10, eps=1e-2, tol=tol)
    with warnings.catch_warnings():  # the reference may stop short; its gaps say where
        warnings.simplefilter("ignore", ConvergenceWarning)
        a2, ref, gaps_ref = enet_path(
            X, y, l1_ratio=l1_ratio, n_alphas=10, eps=1e-2, tol=tol, solver="cd"
        )
    np.testing.assert_array_equal(a1, a2)
    n = len(y)
    for i, alpha in enumerate(a1):
        l2 = n * alpha * (1 - l1_ratio)
        assert gaps_fast[i] * n <= tol * (y @ y) + rounding(y)
        assert_certified_close(X, y, fast[:, i], gaps_fast[i] * n, ref[:, i], gaps_ref[i] * n, l2)


def _lasso_grid(X, y, positive, n_points=12, eps=1e-3):
    Xy = X.T @ y
    top = max(Xy.max(), 0.0) if positive else np.abs(Xy).max()
    return np.geomspace(max(top, 1e-3) * 1.5, max(top, 1e-3) * eps, n_points)


def _large_coefficients():
    """A design with a column of 1/64 next to columns of 1: coefficients near -186 at the end
    of the path, whose gap terms are far larger than ‖y‖² (see gap_rounding_at)."""
    X = np.zeros((7, 7))
    X[0, [2, 6]] = 0.875, 1.0
    X[1, [1, 2, 4]] = 0.015625, 1.0, 0.75
    X[2, 2], X[6, 4] = 0.25, 1.0
    return X, np.eye(7)[2], 0.01, 1.0, False


def _nearly_collinear():
    """Two columns 6.1e-5 apart: coefficients near ±8700 at the end of the path, where the
    gap's own rounding (gap_rounding_at, about 1e-6) is far above tol·‖y‖² (hypothesis's find)."""
    return np.array([[1.0, 1.0], [0.0, 6.1e-05]]), np.array([0.0, 1.0]), 0.01, 1.0, False


@settings(max_examples=40, deadline=None)
@given(problem=hard_problems(), gram=st.booleans())
@example(problem=_large_coefficients(), gram=False)
@example(problem=_nearly_collinear(), gram=False)
def test_lasso_path_read_off_the_knots_agrees_with_the_walk_point_by_point(problem, gram):
    """Speed path: the grid read off the knots and the readable walk reach the same minimisers.

    Every point of both is a certified solution (gap ≤ tol·‖y‖², equal to the
    gap from the definition, the optimality conditions), and the two are as
    close as their gaps allow. The grid starts above l1_max (w = 0 there).
    """
    X, y, _, _, positive = problem
    p = X.shape[1]
    l1s = _lasso_grid(X, y, positive, n_points=max(p, 12))
    tol = 1e-10

    def path(by_knots):
        form = (
            _make_gram_form(X.T @ X, X.T @ y, y @ y, np.zeros(p))
            if gram
            else _make_form(X, y, np.zeros(p), None)
        )
        return _enet_path_homotopy(form, l1s, 0 * l1s, 1000, tol, positive, by_knots=by_knots)

    knots, gaps_knots = path(True)
    walk, gaps_walk = path(False)
    Xy = X.T @ y
    top = max(Xy.max(), 0.0) if positive else np.abs(Xy).max()
    for k, l1 in enumerate(l1s):
        n_iter = int(l1 < top)  # nothing to do above l1_max
        assert_certified_solution(X, y, knots[:, k], gaps_knots[k], n_iter, l1, 0.0, positive, tol)
        assert_certified_close(X, y, knots[:, k], gaps_knots[k], walk[:, k], gaps_walk[k], 0.0)


def test_lasso_path_by_knots_solves_again_the_points_it_cannot_certify(monkeypatch):
    """A point whose gap (read off the knots) is too large is solved again, and certified."""
    X, y = gaussian_problem(4, 60, 10, n_informative=4)
    l1s = _lasso_grid(X, y, False)
    refused = np.zeros(l1s.size, dtype=bool)
    refused[3::4] = True
    gaps_of = homotopy._lasso_gaps
    monkeypatch.setattr(
        homotopy, "_lasso_gaps", lambda *args: np.where(refused, np.inf, gaps_of(*args))
    )
    tol = 1e-10
    form = _make_form(X, y, np.zeros(X.shape[1]), None)
    coefs, gaps = _enet_path_homotopy(form, l1s, 0 * l1s, 1000, tol)
    for k, l1 in enumerate(l1s):
        n_iter = int(l1 < np.abs(X.T @ y).max())  # nothing to do above l1_max
        assert_certified_solution(X, y, coefs[:, k], gaps[k], n_iter, l1, 0.0, False, tol)


@pytest.mark.parametrize("positive", [False, True])
def test_lasso_gaps_of_many_points_equal_the_gap_of_each(positive):
    """Speed path: the duality gaps of a batch of points equal ``_duality_gap`` of each."""
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((30, 6)), rng.standard_normal(30)
    W = rng.standard_normal((6, 5)) * (rng.random((6, 5)) < 0.5)
    W[:, 0] = 0.0
    R = y[:, None] - X @ W
    C, RR, Ry = X.T @ R, (R * R).sum(axis=0), y @ R
    l1s = np.geomspace(10.0, 0.1, 5)
    batch = _lasso_gaps(W, C, RR, Ry, l1s, positive)
    one_by_one = [
        _duality_gap(W[:, k], C[:, k], RR[k], Ry[k], l1s[k], 0.0, positive) for k in range(5)
    ]
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-12, atol=rounding(y))


def test_homotopy_stopped_by_max_iter_warns_with_the_gap():
    X, y = gaussian_problem(3, 30, 400, n_informative=8)
    yc = y - y.mean()
    model = Lasso(alpha=1e-3, max_iter=1)
    with pytest.warns(ConvergenceWarning, match=r"max_iter=1 iterations: duality gap \d") as seen:
        model.fit(X, y)
    assert [w.filename for w in seen] == [__file__]  # shown at the user's call of fit
    assert model.n_iter_ == 1  # one pass over the data
    assert model.dual_gap_ > 1e-4 * (yc @ yc) / len(y)
    more = Lasso(alpha=1e-3, max_iter=model.n_iter_ + 100).fit(X, y)
    assert more.dual_gap_ <= 1e-4 * (yc @ yc) / len(y)


# ---------------------------------------------------------------------------
# The speed tricks agree with their plain versions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("m", [5, 128, 129, 300])
def test_blocked_spd_inverse_equals_numpy_inverse(m):
    """_spd_inverse (blocks, Schur complements) against np.linalg.inv.

    Both are backward stable for a symmetric positive definite H: each is
    within about cond(H)·m·eps of the true inverse, relative to its size.
    """
    rng = np.random.default_rng(m)
    A = rng.standard_normal((m + 7, m))
    H = A.T @ A + 0.1 * np.eye(m)
    ours, reference = _spd_inverse(H), np.linalg.inv(H)
    bound = np.linalg.cond(H) * m * np.finfo(float).eps * np.abs(reference).max()
    np.testing.assert_allclose(ours, reference, rtol=0, atol=bound)


@pytest.mark.parametrize("l2", [0.0, 2.5])
def test_active_set_inverse_after_entering_and_leaving(l2):
    """The batched rank-one changes of H⁻¹ (bordering, Schur downdates) give (G_AA + l2·I)⁻¹.

    80 features enter (past the size where changes are batched) and every
    third then leaves again, in a scrambled order; H⁻¹·r is compared with
    a direct solve. Each change is exact up to rounding; over a few hundred
    of them on a well-conditioned H the error stays many orders below 1e-8.
    """
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 120)), rng.standard_normal(200)
    gram = _TrackedGram(_make_form(X, y, np.zeros(120), None))
    gram.track(np.arange(120))
    active = _ActiveSet()
    active.cover(gram)
    for j in rng.permutation(120)[:80]:
        assert active.enter(int(j), 1.0, gram, l2)
    for _ in range(26):
        active.leave(int(rng.integers(active.m)))
    pos = active.pos[: active.m]
    H = X[:, pos].T @ X[:, pos] + l2 * np.eye(active.m)
    r = rng.standard_normal(active.m)
    expected = np.linalg.solve(H, r)
    np.testing.assert_allclose(
        active.solve(r), expected, rtol=0, atol=1e-8 * np.abs(expected).max()
    )


def test_homotopy_stretches_track_a_share_of_the_features(monkeypatch):
    """At p ≫ n a stretch tracks p/25 candidates: fewer passes over X, the same minimiser."""
    X, y = gaussian_problem(3, 40, 5000, n_informative=30)
    p = X.shape[1]
    l1 = 0.05 * np.abs(X.T @ y).max()
    tol = 1e-10

    def fit():
        return _enet_homotopy(_make_form(X, y, np.zeros(p), None), l1, 0.0, 1000, tol)

    w_share, gap_share, passes_share = fit()
    monkeypatch.setattr(homotopy, "_CANDIDATE_SHARE", p + 1)  # 100 candidates, as many as active
    w_floor, gap_floor, passes_floor = fit()
    assert passes_share < passes_floor
    assert_certified_solution(X, y, w_share, gap_share, passes_share, l1, 0.0, False, tol)
    assert_certified_close(X, y, w_share, gap_share, w_floor, gap_floor, 0.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_homotopy_with_a_large_active_set(l1_ratio):
    """More than 64 active features (H⁻¹'s changes are then batched): still optimal."""
    X, y = gaussian_problem(5, 150, 300, n_informative=40)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    alpha = 0.005 * np.abs(Xc.T @ yc).max() / (n * l1_ratio)
    model = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    assert np.count_nonzero(model.coef_) > 64
    gap = gap_from_definition(Xc, yc, model.coef_, n * alpha * l1_ratio, n * alpha * (1 - l1_ratio))
    assert gap / n <= 1e-10 * (yc @ yc) / n + rounding(yc) / n
    assert model.dual_gap_ == pytest.approx(gap / n, abs=rounding(yc) / n)
