"""linear/working_set.py: working-set coordinate descent against the homotopy and the reference.

The working-set solver, the exact path and the reference coordinate descent
certify their results by the duality gap; the gap bounds how far apart two
certified results can be, so the comparisons allow exactly that much (plus
rounding). Its extrapolation steps are checked never to raise the objective.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from _linear_reference import (
    assert_certified_close,
    assert_certified_solution,
    assert_same_minimiser,
    gap_from_definition,
    gaussian_problem,
    hard_problems,
    penalties_at,
    rounding,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso
from tinyreg.linear import working_set as ws
from tinyreg.linear.elastic_net import _auto_solver
from tinyreg.linear.enet_solvers import _enet_coordinate_descent, _make_form, _make_gram_form
from tinyreg.linear.homotopy import _enet_homotopy


def _form(X, y, gram):
    start = np.zeros(X.shape[1])
    return (
        _make_gram_form(X.T @ X, X.T @ y, y @ y, start) if gram else _make_form(X, y, start, None)
    )


@settings(max_examples=40, deadline=None)
@given(problem=hard_problems(), gram=st.booleans())
def test_working_set_reaches_the_minimiser_of_the_homotopy_and_the_reference(problem, gram):
    """Same minimiser as the exact path and the reference sweep, to what the gaps allow.

    Also: it converges (gap ≤ tol·‖y‖², the gap it reports is the gap from the
    definition), keeps all-zero columns at 0, respects w ≥ 0, meets the
    optimality conditions, and does no work at alpha ≥ alpha_max.
    """
    X, y, fraction, l1_ratio, positive = problem
    l1, l2, _ = penalties_at(X, y, fraction, l1_ratio, positive)
    tol = 1e-10
    w, gap, n_iter = ws._enet_working_set(_form(X, y, gram), l1, l2, 1000, tol, positive)
    w_path, gap_path, _ = _enet_homotopy(_form(X, y, gram), l1, l2, 1000, tol, positive)
    with warnings.catch_warnings():  # the reference may stop short here; its gap says where
        warnings.simplefilter("ignore", ConvergenceWarning)
        w_ref, gap_ref, _ = _enet_coordinate_descent(
            _form(X, y, False), l1, l2, 2000, tol, positive
        )

    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, positive, tol)
    assert_certified_close(X, y, w, gap, w_path, gap_path, l2)
    assert_certified_close(X, y, w, gap, w_ref, gap_ref, l2)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    shape=st.sampled_from([(30, 400), (400, 12), (60, 60)]),
    l1_ratio=st.sampled_from([1.0, 0.5]),
    positive=st.booleans(),
    fraction=st.sampled_from([0.3, 0.05, 0.01]),
)
def test_working_set_on_larger_problems_agrees_with_the_homotopy(
    seed, shape, l1_ratio, positive, fraction
):
    """p ≫ n, n ≫ p and n = p, with working sets that must grow several times."""
    X, y = gaussian_problem(seed, *shape, n_informative=8)
    l1, l2, _ = penalties_at(X, y, fraction, l1_ratio, positive)
    tol = 1e-10
    w, gap, _ = ws._enet_working_set(_form(X, y, False), l1, l2, 1000, tol, positive)
    w_path, gap_path, _ = _enet_homotopy(_form(X, y, False), l1, l2, 1000, tol, positive)
    assert gap <= tol * (y @ y) + rounding(y)
    assert gap == pytest.approx(gap_from_definition(X, y, w, l1, l2, positive), abs=rounding(y))
    assert_certified_close(X, y, w, gap, w_path, gap_path, l2)


def test_working_set_warm_start_from_the_solution_does_no_work():
    X, y = gaussian_problem(4, 40, 90, n_informative=6)
    model = Lasso(alpha=0.05, tol=1e-10, solver="ws", warm_start=True).fit(X, y)
    assert model.n_iter_ > 0
    assert model.fit(X, y).n_iter_ == 0


def test_working_set_stopped_by_max_iter_warns_with_the_gap():
    X, y = gaussian_problem(3, 30, 400, n_informative=8)
    yc = y - y.mean()
    model = Lasso(alpha=1e-3, max_iter=1, solver="ws")
    with pytest.warns(ConvergenceWarning, match=r"max_iter=1 iterations: duality gap \d") as seen:
        model.fit(X, y)
    assert [w.filename for w in seen] == [__file__]  # shown at the user's call of fit
    assert model.n_iter_ == 1  # one outer iteration: one working set, one pass over the data
    assert model.dual_gap_ > 1e-4 * (yc @ yc) / len(y)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_all_zero_column_scores_lowest_without_a_warning(l1_ratio):
    """An all-zero column is never chosen, and its score (0·∞ when l1 = 0) warns of nothing."""
    X, y = gaussian_problem(4, 30, 60, n_informative=5)
    X[:, 3] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ElasticNet(alpha=0.1, l1_ratio=l1_ratio, solver="ws").fit(X, y)
    assert model.coef_[3] == 0.0


# ---------------------------------------------------------------------------
# The extrapolation steps never raise the objective
# ---------------------------------------------------------------------------


def _subproblem(seed, m, l2):
    X, y = gaussian_problem(seed, 3 * m, m, n_informative=m // 2)
    X[:, 1:] += 0.9 * X[:, :1]  # correlated columns: slow coordinate descent
    return X.T @ X, X.T @ y, float(y @ y), 0.05 * np.abs(X.T @ y).max(), l2


@pytest.mark.parametrize("bad_step", ["newton", "anderson", "support", None])
@pytest.mark.parametrize("positive", [False, True])
def test_extrapolation_is_accepted_only_when_it_lowers_the_objective(
    monkeypatch, bad_step, positive
):
    """The objective at the start of every iteration never increases, even with useless steps.

    ``bad_step`` replaces one of the steps by a point far uphill; the solver
    must reject it and still reach the subproblem's tolerance. With a bad
    Anderson or support step the Newton step is switched off, so that the
    coordinate-descent iterations, where those two steps live, do the work.
    """
    G, b, yy, l1, l2 = _subproblem(7, 25, 0.5)
    seen = []
    newton = ws._newton_step
    uphill = np.full(G.shape[0], 1e3)

    def recording_newton(G_, b_, yy_, w, *args):
        seen.append(ws._objective(G, b, yy, w, l1, l2))
        if bad_step == "newton":  # honest about how far uphill it is
            return uphill.copy(), b - G @ uphill, ws._objective(G, b, yy, uphill, l1, l2)
        return None if bad_step else newton(G_, b_, yy_, w, *args)

    monkeypatch.setattr(ws, "_newton_step", recording_newton)
    if bad_step == "anderson":
        monkeypatch.setattr(ws, "_anderson", lambda iterates: uphill.copy())
    elif bad_step == "support":
        monkeypatch.setattr(ws, "_support_step", lambda *args: uphill.copy())
    tol_gap = 1e-10 * yy
    w, iterations = ws._solve_subproblem(G, b, yy, np.zeros(G.shape[0]), l1, l2, positive, tol_gap)
    assert iterations == len(seen) and iterations < ws._MAX_EPOCHS
    slack = 1e-12 * yy
    assert all(later <= earlier + slack for earlier, later in itertools.pairwise(seen))
    assert ws._objective(G, b, yy, w, l1, l2) <= seen[-1] + slack
    assert ws._subproblem_gap(G, b, yy, w, b - G @ w, l1, l2, positive) <= tol_gap


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_line_search_finds_the_minimiser_on_the_segment(seed, positive):
    """P at the line search's point is at most P anywhere on the segment (a fine grid)."""
    rng = np.random.default_rng(seed)
    G, b, yy, l1, l2 = _subproblem(seed, 12, 0.3)
    w = rng.standard_normal(12) * (rng.random(12) < 0.5)
    if positive:
        w = np.abs(w)
    d = 3 * rng.standard_normal(12) * (rng.random(12) < 0.7)
    if positive:  # a direction that keeps the coordinates at zero from going below
        d = np.where((w == 0) & (d < 0), 0.0, d)
    t = ws._line_search(b - G @ w, w, d, G @ d, l1, l2, positive)
    assert 0.0 <= t <= 1.0
    ts = np.linspace(0.0, 1.0, 2001)
    segment = [w + s * d for s in ts if not positive or np.all(w + s * d >= 0)]
    values = [ws._objective(G, b, yy, v, l1, l2) for v in segment]
    point = np.maximum(w + t * d, 0.0) if positive else w + t * d
    assert ws._objective(G, b, yy, point, l1, l2) <= min(values) + 1e-12 * yy


@pytest.mark.parametrize("positive", [False, True])
def test_newton_step_lands_on_the_minimiser_from_nearby(positive):
    """Near the minimiser the active set and signs are the minimiser's: one step lands on it."""
    G, b, yy, l1, l2 = _subproblem(5, 20, 0.2)
    w = np.zeros(G.shape[0])
    c = b - G @ w
    for _ in range(3000):
        ws._cd_epoch(G, np.diag(G).tolist(), w, c, l1, l2, positive)
    near = w + 1e-6 * np.random.default_rng(0).standard_normal(w.size) * (w != 0)
    now = ws._objective(G, b, yy, near, l1, l2)
    newton = ws._newton_step(G, b, yy, near, b - G @ near, now, l1, l2, positive)
    assert newton is not None
    stepped, c, value = newton
    np.testing.assert_allclose(c, b - G @ stepped, rtol=0, atol=1e-12 * np.abs(b).max())
    assert value == pytest.approx(ws._objective(G, b, yy, stepped, l1, l2), rel=1e-12)
    assert np.array_equal(stepped != 0, w != 0)
    assert ws._subproblem_gap(G, b, yy, stepped, b - G @ stepped, l1, l2, positive) <= 1e-12 * yy


def test_newton_step_drops_a_feature_whose_guessed_sign_fails(monkeypatch):
    """Two nearly collinear features both look active at 0, but their joint fit flips one sign.

    y leans on x₁ and away from the direction u that separates x₂ from x₁,
    so at w = 0 both correlations exceed l1 with sign +, while the target
    solved on {x₁, x₂} with signs (+, +) gives x₂ a negative coefficient:
    P is higher there. Solving again without x₂ gives the minimiser (its
    gap is zero to rounding), with no line search.
    """
    rng = np.random.default_rng(0)
    n = 20
    x1 = rng.standard_normal(n)
    u = rng.standard_normal(n)
    u -= x1 * (x1 @ u) / (x1 @ x1)
    u /= np.linalg.norm(u)
    X = np.column_stack([x1, x1 + 0.3 * np.linalg.norm(x1) * u, rng.standard_normal(n)])
    y = 2.0 * x1 - 0.5 * np.linalg.norm(x1) * u + 0.1 * rng.standard_normal(n)
    G, b, yy = X.T @ X, X.T @ y, float(y @ y)
    l1 = 0.3 * np.abs(b).max()
    w = np.zeros(3)
    now = ws._objective(G, b, yy, w, l1, 0.0)
    # the premises: the guess at 0 is {0, 1} with signs (+, +), and its target flips x₂'s sign
    assert np.array_equal(np.flatnonzero(np.abs(b) > l1), [0, 1]) and np.all(b[:2] > 0)
    first = np.linalg.solve(G[:2, :2], b[:2] - l1)
    assert first[1] < 0 < first[0]
    assert ws._objective(G, b, yy, np.append(first, 0.0), l1, 0.0) >= now

    def no_line_search(*args):
        raise AssertionError("the corrected target should have been taken")

    monkeypatch.setattr(ws, "_line_search", no_line_search)
    newton = ws._newton_step(G, b, yy, w, b - G @ w, now, l1, 0.0, False)
    assert newton is not None
    stepped, c, value = newton
    assert np.flatnonzero(stepped).tolist() == [0]
    assert stepped[0] == pytest.approx((b[0] - l1) / G[0, 0], rel=1e-12)
    assert value < now
    assert ws._subproblem_gap(G, b, yy, stepped, c, l1, 0.0, False) <= 1e-12 * yy


def test_subproblem_stops_at_the_rounding_of_its_gap():
    """Columns 6.1e-5 apart, coefficients near ±8700: the gap's rounding is far above tol_gap.

    From the minimiser of the active set (one solve), the subproblem's gap is
    at its rounding floor (the gap of a point computed at 8700 cannot be
    certified below about 1e-7 here): the subproblem stops at once instead
    of running its epochs out against a gap it cannot reach, and the bound
    holds the gap computed at the point it returns.
    """
    X, y = np.array([[1.0, 1.0], [0.0, 6.1e-05]]), np.array([0.0, 1.0])
    G, b, yy = X.T @ X, X.T @ y, float(y @ y)
    l1 = 1.43e-5
    start = np.linalg.solve(G, b - l1 * np.array([-1.0, 1.0]))
    assert start[0] < -8000 and start[1] > 8000  # the signs solved with
    w, iterations = ws._solve_subproblem(G, b, yy, start, l1, 0.0, False, tol_gap=0.0)
    assert iterations <= 2
    c = b - G @ w
    floor = ws._gap_rounding(np.abs(G), b, yy, w, c, l1, 0.0)
    assert 0.0 < ws._subproblem_gap(G, b, yy, w, c, l1, 0.0, False) <= floor
    assert floor > 1e-12 * yy  # where tol = 1e-12 cannot be met


@pytest.mark.parametrize("l1", [0.0, 0.4])
def test_gap_rounding_is_the_bound_its_docstring_states(l1):
    """The floor term by term, on a point with l2 > 0 and a dual scale s < 1 (every term counts)."""
    G = np.array([[4.0, -1.0, 0.5], [-1.0, 3.0, 2.0], [0.5, 2.0, 5.0]])
    b, yy, l2 = np.array([1.0, -2.0, 0.5]), 9.0, 0.3
    w = np.array([0.7, -1.1, 0.0])
    c = b - G @ w
    gamma = (3 + 2) * np.finfo(float).eps
    aw = np.abs(w)
    G_aw = [sum(abs(G[j, k]) * aw[k] for k in range(3)) for j in range(3)]
    delta = [gamma * (abs(b[j]) + G_aw[j] + l2 * aw[j]) for j in range(3)]
    sums = gamma * (yy + 2 * sum(abs(b[j]) * aw[j] for j in range(3)) + sum(aw * G_aw))
    expected = sums
    if l1 > 0:
        RR = yy - w @ b - w @ c + l2 * (w @ w)
        s = min(1.0, l1 / np.abs(c - l2 * w).max())
        assert s < 1 and RR > 0
        expected += (aw.sum() + (1 - s) * RR / l1) * max(delta)
    assert ws._gap_rounding(np.abs(G), b, yy, w, c, l1, l2) == pytest.approx(
        expected, rel=1e-12, abs=0.0
    )


def test_gap_rounding_is_negligible_on_a_well_conditioned_subproblem():
    """On an ordinary subproblem (correlated columns, coefficients of order 1) the floor is
    (m + 2)·eps times the terms of the gap, a few hundred ulps of ‖y‖²: far below the
    tolerance 1e-10 of the solver tests, so it never stops a subproblem there."""
    G, b, yy, l1, l2 = _subproblem(3, 20, 0.3)
    w, _ = ws._solve_subproblem(G, b, yy, np.zeros(20), l1, l2, False, 1e-12 * yy)
    assert ws._gap_rounding(np.abs(G), b, yy, w, b - G @ w, l1, l2) < 1e-11 * yy


@pytest.mark.parametrize("noise", [0.0, 1e-13, 1e-9])
def test_newton_step_on_duplicated_columns_never_raises_the_objective(noise):
    """Duplicated columns, no l2: the active-set system is singular, exactly or to rounding.

    The step must then be refused (None) or still lower P; never a point
    thrown along the null direction of X_A.
    """
    X, y = gaussian_problem(12, 6, 4, n_informative=2)
    X = np.hstack([X, X[:, :1] * (1.0 + noise)])  # the last column copies the first
    G, b, yy = X.T @ X, X.T @ y, float(y @ y)
    l1 = 0.05 * np.abs(b).max()
    w = np.zeros(G.shape[0])
    now = ws._objective(G, b, yy, w, l1, 0.0)
    newton = ws._newton_step(G, b, yy, w, b - G @ w, now, l1, 0.0, False)
    if newton is not None:
        stepped = newton[0]
        assert np.all(np.isfinite(stepped))
        assert ws._objective(G, b, yy, stepped, l1, 0.0) < ws._objective(G, b, yy, w, l1, 0.0)
        R = y - X @ stepped  # P from the data, not from the Gram statistics' rounding
        assert 0.5 * R @ R + l1 * np.abs(stepped).sum() < 0.5 * yy


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_working_set_with_and_without_newton_steps_agree(monkeypatch, l1_ratio):
    """The Newton steps are a speed trick: the plain solver reaches the same certified minimiser."""
    X, y = gaussian_problem(8, 80, 100, n_informative=20)
    l1, l2, _ = penalties_at(X, y, 0.05, l1_ratio, False)
    tol = 1e-10
    w, gap, _ = ws._enet_working_set(_form(X, y, False), l1, l2, 1000, tol)
    monkeypatch.setattr(ws, "_NEWTON_TRIES", 0)  # no Newton steps on the data ...
    monkeypatch.setattr(ws, "_newton_step", lambda *args: None)  # ... nor on the Gram matrix
    w_plain, gap_plain, _ = ws._enet_working_set(_form(X, y, False), l1, l2, 1000, tol)
    assert_certified_close(X, y, w, gap, w_plain, gap_plain, l2)


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_newton_steps_on_the_data_agree_with_the_gram_subproblem(
    monkeypatch, gram, positive, l1_ratio
):
    """The subproblem by Newton steps on the data is a speed path of the Gram-matrix one.

    Same certified minimiser; and where the Newton steps solve every
    subproblem, the Gram matrix holds only features that were active.
    """
    X, y = gaussian_problem(5, 120, 150, n_informative=40)
    l1, l2, _ = penalties_at(X, y, 0.05, l1_ratio, positive)
    tol = 1e-10
    tracked = []
    track = ws._TrackedGram.track

    def recording_track(self, features):
        tracked.append(features.copy())
        track(self, features)

    monkeypatch.setattr(ws._TrackedGram, "track", recording_track)
    w, gap, n_iter = ws._enet_working_set(_form(X, y, gram), l1, l2, 1000, tol, positive)
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, positive, tol)
    monkeypatch.setattr(ws, "_NEWTON_TRIES", 0)
    w_plain, gap_plain, _ = ws._enet_working_set(_form(X, y, gram), l1, l2, 1000, tol, positive)
    assert_certified_close(X, y, w, gap, w_plain, gap_plain, l2)
    assert len(np.unique(np.concatenate(tracked))) < X.shape[1]


def test_newton_subproblem_leaves_the_statistics_of_its_point():
    """When it returns statistics, they are ``form.stats()`` at the point it returns."""
    X, y = gaussian_problem(6, 60, 80, n_informative=15)
    l1, l2, _ = penalties_at(X, y, 0.1, 1.0, False)
    form = _form(X, y, False)
    W = np.sort(np.argsort(-np.abs(X.T @ y))[:10])  # a first working set
    b = X[:, W].T @ y
    w, stats = ws._newton_subproblem(
        form, ws._TrackedGram(form), W, b, np.zeros(W.size), b, l1, l2, False, np.inf
    )
    assert stats is not None
    full = np.zeros(X.shape[1])
    full[W] = w
    np.testing.assert_array_equal(form.w, full)
    R = y - X @ full
    scale = np.abs(X).sum(axis=0).max() * (np.abs(y).max() + np.abs(X @ full).max())
    np.testing.assert_allclose(stats[0], X.T @ R, rtol=0, atol=1e-13 * scale)
    assert stats[1] == pytest.approx(R @ R, rel=1e-12)
    assert stats[2] == pytest.approx(R @ y, rel=1e-12)


@pytest.mark.parametrize("gram", [False, True])
def test_full_statistics_from_the_tracked_columns_match_a_pass_over_the_data(gram):
    """``_full_stats`` (speed path) gives ``form.stats()``, from tracked columns or not."""
    X, y = gaussian_problem(9, 40, 90, n_informative=10)
    form = _form(X, y, gram)
    gram_stats = ws._TrackedGram(form)
    tracked = np.array([3, 17, 42, 60, 88])
    gram_stats.track(tracked)
    rng = np.random.default_rng(0)
    for support in (tracked[[0, 2, 4]], np.array([3, 5])):  # tracked; one feature untracked
        form.w = np.zeros(X.shape[1])
        form.w[support] = rng.standard_normal(support.size)
        fast = ws._full_stats(form, gram_stats)
        plain = form.stats()
        R = y - X @ form.w
        scale = np.abs(X).sum(axis=0).max() * (np.abs(y).max() + np.abs(X @ form.w).max())
        np.testing.assert_allclose(fast[0], plain[0], rtol=0, atol=1e-13 * scale)
        for k, exact in ((1, R @ R), (2, R @ y)):
            assert fast[k] == pytest.approx(plain[k], rel=1e-12)
            assert fast[k] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("fraction", "l1_ratio"), [(1e-4, 0.5), (1e-6, 0.5), (1e-4, 0.05)])
def test_working_set_certifies_supports_larger_than_n_with_small_l2(
    monkeypatch, fraction, l1_ratio
):
    """p > n, an L2 part small against ‖X‖² and more active features than rows.

    The Newton systems (G_AA + l2·I, |A| > n) then have condition numbers up
    to about ‖X‖²/l2; the result is still certified by its duality gap, and
    the solver with the full statistics from a pass over the data (the plain
    path of ``_full_stats``) reaches the same minimiser to what the gaps allow.
    """
    X, y = gaussian_problem(3, 30, 200, n_informative=10)
    l1, l2, _ = penalties_at(X, y, fraction, l1_ratio, False)
    tol = 1e-10
    w, gap, n_iter = ws._enet_working_set(_form(X, y, False), l1, l2, 1000, tol)
    assert np.count_nonzero(w) > X.shape[0]
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, False, tol)
    monkeypatch.setattr(ws, "_full_stats", lambda form, gram: form.stats())
    w_plain, gap_plain, n_plain = ws._enet_working_set(_form(X, y, False), l1, l2, 1000, tol)
    assert_certified_solution(X, y, w_plain, gap_plain, n_plain, l1, l2, False, tol)
    assert_certified_close(X, y, w, gap, w_plain, gap_plain, l2)


def test_anderson_extrapolation_approaches_the_fixed_point_of_a_linear_iteration():
    """On iterates of a contraction, the extrapolated point is nearer its fixed point."""
    rng = np.random.default_rng(0)
    fixed = rng.standard_normal(8)
    A = 0.5 * np.linalg.qr(rng.standard_normal((8, 8)))[0]  # a contraction
    iterates = [rng.standard_normal(8)]
    for _ in range(ws._ANDERSON):
        iterates.append(fixed + A @ (iterates[-1] - fixed))
    stacked = np.array(iterates)
    extrapolated = ws._anderson(stacked)
    assert extrapolated is not None
    # closer to the fixed point than the last iterate
    assert np.linalg.norm(extrapolated - fixed) < np.linalg.norm(stacked[-1] - fixed)
    assert ws._anderson(np.ones((ws._ANDERSON + 1, 3))) is None  # no differences: undefined


def test_support_step_lands_on_the_minimiser_when_the_support_is_right():
    G, b, yy, l1, l2 = _subproblem(3, 12, 0.0)
    w = np.zeros(G.shape[0])
    c = b - G @ w
    for _ in range(2000):
        ws._cd_epoch(G, np.diag(G).tolist(), w, c, l1, l2, False)
    stepped = ws._support_step(G, b, w, l1, l2)
    assert stepped is not None
    assert ws._subproblem_gap(G, b, yy, stepped, b - G @ stepped, l1, l2, False) <= 1e-12 * yy


# ---------------------------------------------------------------------------
# Through the estimators
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_elastic_net_with_working_sets_matches_the_homotopy(l1_ratio):
    X, y = gaussian_problem(11, 50, 120, n_informative=10)
    a = ElasticNet(0.02, l1_ratio=l1_ratio, tol=1e-10, solver="ws").fit(X, y)
    b = ElasticNet(0.02, l1_ratio=l1_ratio, tol=1e-10, solver="homotopy").fit(X, y)
    assert_same_minimiser(X, y, a, b)


# ---------------------------------------------------------------------------
# The route rule of solver="auto"
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "p", "l1", "l2", "expected"),
    [
        (100, 10000, 1.0, 0.0, "homotopy"),
        (400, 600, 1.0, 0.0, "homotopy"),
        (480, 600, 1.0, 0.0, "ws"),
        (500, 600, 1.0, 0.0, "ws"),
        (10000, 100, 1.0, 0.0, "ws"),
        (1000, 50, 1.0, 0.0, "ws"),
        (1000, 49, 1.0, 0.0, "homotopy"),
        (442, 10, 1.0, 0.0, "homotopy"),
        (10000, 100, 0.0, 0.0, "cd"),
        (100, 10000, 0.0, 0.0, "cd"),
        (100, 10000, 0.0, 1.0, "cd"),
        (100, 1000, 1.0, 1.0, "dual"),
        (50, 5000, 1.0, 3.0, "dual"),
        (480, 600, 1.0, 1.0, "ws"),
        (100, 1000, 1.0, 0.99, "homotopy"),
        (40, 49, 1.0, 1.0, "homotopy"),
    ],
)
def test_auto_route_rule(n, p, l1, l2, expected):
    """From p ≥ 50: working sets at n ≥ 0.8·p, else the dual's Newton steps when l2 ≥ l1;
    otherwise the homotopy; CD without L1."""
    assert _auto_solver(n, p, l1, l2) == expected


@pytest.mark.parametrize(
    ("shape", "l1_ratio", "expected"),
    [
        ((40, 200), 1.0, "homotopy"),
        ((200, 40), 1.0, "homotopy"),
        ((200, 60), 1.0, "ws"),
        ((40, 200), 0.5, "dual"),
        ((190, 200), 0.5, "ws"),
        ((40, 200), 0.9, "homotopy"),
    ],
)
def test_auto_runs_the_solver_its_rule_picks(shape, l1_ratio, expected):
    X, y = gaussian_problem(2, *shape, n_informative=6)
    settings = {"alpha": 0.02, "l1_ratio": l1_ratio, "tol": 1e-10}
    auto = ElasticNet(**settings).fit(X, y)  # "auto" is the default
    chosen = ElasticNet(**settings, solver=expected).fit(X, y)
    assert auto.get_params()["solver"] == "auto"
    assert auto.n_iter_ == chosen.n_iter_
    np.testing.assert_array_equal(auto.coef_, chosen.coef_)
