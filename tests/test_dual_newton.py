"""linear/dual_newton.py: Newton steps on the elastic net's dual, against the homotopy and CD.

Like every solver, it certifies its result by the duality gap; the gap
bounds how far two certified results can be apart, and the comparisons
allow exactly that (plus rounding). Its line search is checked against the
minimum of φ along the line, found independently.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _linear_reference import (
    assert_certified_close,
    assert_certified_solution,
    gaussian_problem,
    hard_problems,
    penalties_at,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso
from tinyreg.linear import dual_newton as dn
from tinyreg.linear import working_set as ws
from tinyreg.linear.enet_solvers import _enet_coordinate_descent, _make_form, _make_gram_form
from tinyreg.linear.homotopy import _enet_homotopy


def _form(X, y, start=None):
    return _make_form(X, y, np.zeros(X.shape[1]) if start is None else start, None)


def _solve_alone(X, y, l1, l2, tol, positive=False, max_iter=1000):
    """The dual route from zero, (w, gap, n_iter), failing the test if it falls back to the
    working sets (which would hide a wrong Newton step)."""

    def fallback(*args):
        raise AssertionError("the dual route fell back to the working sets")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dn, "_enet_working_set", fallback)
        return dn._enet_dual_newton(_form(X, y), l1, l2, max_iter, tol, positive)


@settings(max_examples=40, deadline=None)
@given(problem=hard_problems())
def test_dual_newton_reaches_the_minimiser_of_the_homotopy_and_the_reference(problem):
    """Same minimiser as the exact path and the reference sweep, to what the gaps allow.

    Also: it converges (gap ≤ tol·‖y‖², the gap it reports is the gap from the
    definition), keeps all-zero columns at 0, respects w ≥ 0, meets the
    optimality conditions, and does no work at alpha ≥ alpha_max.
    """
    X, y, fraction, l1_ratio, positive = problem
    l1_ratio = min(l1_ratio, 0.6)  # an L2 part: the dual is smooth
    l1, l2, _ = penalties_at(X, y, fraction, l1_ratio, positive)
    tol = 1e-10
    w, gap, n_iter = _solve_alone(X, y, l1, l2, tol, positive)
    w_path, gap_path, _ = _enet_homotopy(_form(X, y), l1, l2, 1000, tol, positive)
    with warnings.catch_warnings():  # the reference may stop short here; its gap says where
        warnings.simplefilter("ignore", ConvergenceWarning)
        w_ref, gap_ref, _ = _enet_coordinate_descent(_form(X, y), l1, l2, 2000, tol, positive)
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, positive, tol)
    assert_certified_close(X, y, w, gap, w_path, gap_path, l2)
    assert_certified_close(X, y, w, gap, w_ref, gap_ref, l2)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    shape=st.sampled_from([(30, 400), (400, 12), (60, 60), (20, 300)]),
    l1_ratio=st.sampled_from([0.5, 0.1, 0.9]),
    positive=st.booleans(),
    fraction=st.sampled_from([0.3, 0.05, 0.001]),
)
def test_dual_newton_on_larger_problems_agrees_with_the_homotopy(
    seed, shape, l1_ratio, positive, fraction
):
    """p ≫ n (supports past n at small alpha), n ≫ p and n = p; both of its linear systems.

    Its own steps get there (the fallback to the working sets would hide a wrong step).
    """
    X, y = gaussian_problem(seed, *shape, n_informative=8)
    l1, l2, _ = penalties_at(X, y, fraction, l1_ratio, positive)
    tol = 1e-10
    w, gap, n_iter = _solve_alone(X, y, l1, l2, tol, positive)
    w_path, gap_path, _ = _enet_homotopy(_form(X, y), l1, l2, 1000, tol, positive)
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, positive, tol)
    assert_certified_close(X, y, w, gap, w_path, gap_path, l2)


def test_the_gram_of_the_active_features_kept_across_steps_agrees_with_forming_it(monkeypatch):
    """Speed path: X_A and X_AᵀX_A from rows kept across steps; plain: formed at each step."""
    X, y = gaussian_problem(5, 80, 300, n_informative=12)
    l1, l2, _ = penalties_at(X, y, 0.1, 0.5, False)  # fewer active features than rows
    tol = 1e-12
    w, gap, n_iter = _solve_alone(X, y, l1, l2, tol)
    formed = []

    class Formed:  # X_A and X_AᵀX_A formed afresh at every step
        def __init__(self, form):
            self.X, self.y = form.X, form.y

        def track(self, features):
            formed.append(features.size)
            self.Xt = self.X[:, features].T
            self.G = self.Xt @ self.Xt.T
            self.q = self.Xt @ self.y
            self.size = features.size
            self.pos = np.full(self.X.shape[1], -1)
            self.pos[features] = np.arange(features.size)

    monkeypatch.setattr(dn, "_TrackedGram", Formed)
    w_plain, gap_plain, n_plain = _solve_alone(X, y, l1, l2, tol)
    assert formed  # the plain computation ran
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, False, tol)
    assert_certified_solution(X, y, w_plain, gap_plain, n_plain, l1, l2, False, tol)
    assert_certified_close(X, y, w, gap, w_plain, gap_plain, l2)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_line_search_finds_the_minimiser_of_the_dual_along_the_line(seed, positive):
    """The t it returns minimises φ(r + t·Δ) over t ≥ 0, against a fine grid and its neighbours."""
    rng = np.random.default_rng(seed)
    n, p = 8, 30
    X, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    l1, l2 = 0.5 * np.abs(X.T @ y).max(), 0.7
    r, delta = rng.standard_normal(n), rng.standard_normal(n)
    u, v = X.T @ r, X.T @ delta

    def phi(t):
        s = dn._shrink(u + t * v, l1, positive)
        rt = r + t * delta
        return 0.5 * rt @ rt - y @ rt + (s @ s) / (2 * l2)

    a0 = float(delta @ (r - y))
    f0 = a0 + float(v @ dn._shrink(u, l1, positive)) / l2
    t = dn._line_search(a0, float(delta @ delta), f0, u, v, l1, l2, positive)
    grid = np.linspace(0.0, 10.0, 20001)
    values = np.array([phi(s) for s in grid])
    best = grid[np.argmin(values)]
    scale = abs(phi(0.0)) + 1.0
    assert phi(t) <= values.min() + 1e-12 * scale
    if 0 < best < 10:
        assert t == pytest.approx(best, abs=1e-3)
    assert phi(t) <= min(phi(t * (1 + 1e-6)), phi(t * (1 - 1e-6))) + 1e-12 * scale


def test_line_search_along_an_ascent_direction_stays_put():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((6, 12)), rng.standard_normal(6)
    l1, l2 = 0.3 * np.abs(X.T @ y).max(), 1.0
    r = np.zeros(6)
    delta = -y  # φ(t·(−y)) rises from r = 0: its slope there is yᵀy > 0
    a0 = float(delta @ (r - y))
    t = dn._line_search(a0, float(delta @ delta), a0, X.T @ r, X.T @ delta, l1, l2, False)
    assert t == 0.0


def test_without_an_l2_part_or_rows_it_runs_the_working_sets():
    X, y = gaussian_problem(2, 30, 120, n_informative=6)
    l1, l2, _ = penalties_at(X, y, 0.05, 0.5, False)
    for form, penalties in (
        (_form(X, y), (l1, 0.0)),
        (_make_gram_form(X.T @ X, X.T @ y, y @ y, np.zeros(120)), (l1, l2)),
    ):
        gram = not hasattr(form, "X")
        other = _make_gram_form(X.T @ X, X.T @ y, y @ y, np.zeros(120)) if gram else _form(X, y)
        ours = dn._enet_dual_newton(form, *penalties, 1000, 1e-10)
        theirs = ws._enet_working_set(other, *penalties, 1000, 1e-10)
        np.testing.assert_array_equal(ours[0], theirs[0])
        assert ours[1:] == theirs[1:]


def test_dual_newton_warm_start_from_the_solution_does_no_work():
    X, y = gaussian_problem(4, 40, 90, n_informative=6)
    model = ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-10, solver="dual", warm_start=True)
    assert model.fit(X, y).n_iter_ > 0
    assert model.fit(X, y).n_iter_ == 0


def test_dual_newton_stopped_by_max_iter_warns_with_the_gap():
    X, y = gaussian_problem(3, 30, 400, n_informative=8)
    yc = y - y.mean()
    model = ElasticNet(alpha=1e-3, l1_ratio=0.5, max_iter=3, solver="dual")
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3 iterations: duality gap \d") as seen:
        model.fit(X, y)
    assert [w.filename for w in seen] == [__file__]  # shown at the user's call of fit
    assert model.n_iter_ == 3  # Newton steps, each with its line search
    assert model.dual_gap_ > 1e-4 * (yc @ yc) / len(y)


def test_lasso_with_the_dual_route_is_the_working_sets():
    X, y = gaussian_problem(6, 30, 100, n_informative=6)
    a = Lasso(0.05, tol=1e-10, solver="dual").fit(X, y)
    b = Lasso(0.05, tol=1e-10, solver="ws").fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.n_iter_ == b.n_iter_


def test_a_step_without_descent_leaves_the_rest_to_the_working_sets(monkeypatch):
    """If a line search finds no descent, the working sets finish from w(r), and certify it."""
    X, y = gaussian_problem(8, 30, 120, n_informative=6)
    l1, l2, _ = penalties_at(X, y, 0.05, 0.5, False)
    searches = []

    def stuck(*args):
        searches.append(args)
        return 0.0 if len(searches) > 1 else dn_line_search(*args)  # the start moves, then none

    dn_line_search = dn._line_search
    monkeypatch.setattr(dn, "_line_search", stuck)
    finished = []
    monkeypatch.setattr(
        dn, "_enet_working_set", lambda *a: finished.append(a) or ws._enet_working_set(*a)
    )
    w, gap, n_iter = dn._enet_dual_newton(_form(X, y), l1, l2, 50, 1e-10)
    assert len(finished) == 1 and finished[0][3] == 50  # max_iter left: no Newton step was made
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, False, 1e-10)


def test_the_gap_is_taken_at_the_minimiser_for_the_active_set_and_signs():
    """Once P(w(r)) − D(r) is small and S(Xᵀr) has the minimiser's support and signs, the
    point that solves the optimality conditions for them is the minimiser: the reported gap
    is rounding, far below a loose tol (at w(r) itself it is of the order of tol)."""
    X, y = gaussian_problem(11, 60, 300, n_informative=10)
    l1, l2, _ = penalties_at(X, y, 0.3, 0.5, False)
    tol = 1e-3
    w, gap, n_iter = _solve_alone(X, y, l1, l2, tol, max_iter=100)
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, False, tol)
    assert 0 < np.count_nonzero(w) < X.shape[0]  # the |A| × |A| route, where this applies
    assert gap <= 1e-12 * (y @ y)


def test_the_outer_products_of_the_active_columns_kept_across_steps_agree_with_forming_them(
    monkeypatch,
):
    """Speed path: X_AX_Aᵀ changed by the columns entering and leaving; plain: formed afresh."""
    X, y = gaussian_problem(12, 30, 300, n_informative=12)
    l1, l2, _ = penalties_at(X, y, 0.01, 0.2, False)  # more active features than rows
    tol = 1e-12
    w, gap, n_iter = _solve_alone(X, y, l1, l2, tol)
    assert np.count_nonzero(w) > X.shape[0]
    formed = []

    class Formed:  # X_AX_Aᵀ formed afresh at every step
        def __init__(self, X):
            self.X = X

        def at(self, A):
            formed.append(A.size)
            return self.X[:, A] @ self.X[:, A].T

    monkeypatch.setattr(dn, "_ActiveOuter", Formed)
    w_plain, gap_plain, n_plain = _solve_alone(X, y, l1, l2, tol)
    assert formed
    assert_certified_solution(X, y, w, gap, n_iter, l1, l2, False, tol)
    assert_certified_solution(X, y, w_plain, gap_plain, n_plain, l1, l2, False, tol)
    assert_certified_close(X, y, w, gap, w_plain, gap_plain, l2)


def test_active_outer_products_follow_the_active_set():
    """After any sequence of active sets, ``at(A)`` is X_AX_Aᵀ to rounding."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((7, 40))
    outer = dn._ActiveOuter(X)
    for A in (
        [1, 2, 3, 4, 5, 6, 7, 8],
        [1, 2, 3, 4, 5, 6, 7, 9],
        [2, 3, 4, 5, 6, 7, 9, 10],
        [0, 39],
    ):
        A = np.array(A)
        scale = np.abs(X[:, A]).sum(axis=1).max() ** 2
        np.testing.assert_allclose(
            outer.at(A), X[:, A] @ X[:, A].T, rtol=0, atol=64 * 2.2e-16 * scale
        )
