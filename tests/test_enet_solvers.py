"""linear/enet_solvers.py: the duality gap, coordinate descent's two forms, FISTA.

The gap is checked against its definition, written out here from scratch,
at arbitrary points (not only near the optimum, where a wrong sign in a term
that vanishes there would go unnoticed). The solvers certify their results
by the gap, and the gap bounds how far apart two certified results can be:

    P(w) − P* ≥ ½‖X(w − w*)‖² + (l2/2)‖w − w*‖²   and   P(w) − P* ≤ gap(w).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _linear_reference import gap_from_definition, gap_rounding, gaussian_problem, regression_data
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso, PerformanceWarning, enet_solvers
from tinyreg.linear.enet_solvers import (
    _cd_sweep,
    _duality_gap,
    _enet_coordinate_descent,
    _enet_fista,
    _gap_safe_screen,
    _make_form,
)
from tinyreg.linear.homotopy import _enet_homotopy
from tinyreg.linear.working_set import _enet_working_set
from tinyreg.prox import soft_threshold

# ---------------------------------------------------------------------------
# The duality gap
# ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    shape=st.sampled_from([(8, 3), (5, 12), (20, 20)]),
    l1=st.sampled_from([0.0, 0.05, 1.0, 30.0]),
    l2=st.sampled_from([0.0, 0.3, 4.0]),
    positive=st.booleans(),
)
def test_duality_gap_matches_its_definition_anywhere(seed, shape, l1, l2, positive):
    """At arbitrary points, sparse or not: every term of the gap, l2 terms included."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal(shape), rng.standard_normal(shape[0])
    w = rng.standard_normal(shape[1]) * (rng.random(shape[1]) < 0.6)
    if positive:
        w = np.abs(w)
    R = y - X @ w
    ours = _duality_gap(w, X.T @ R, R @ R, R @ y, l1, l2, positive)
    expected = gap_from_definition(X, y, w, l1, l2, positive)
    scale = (y @ y) + (X.T @ R) @ (X.T @ R) + l2 * (w @ w) + l1 * np.abs(w).sum()
    assert ours == pytest.approx(expected, abs=1e-12 * scale)  # a few dozen roundings
    assert ours >= -1e-12 * scale  # weak duality


# ---------------------------------------------------------------------------
# Coordinate descent: the Gram form and the residual form
# ---------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([(30, 5), (10, 25)]), st.floats(0.05, 0.8))
def test_gram_and_residual_forms_give_the_same_iterates(seed, shape, fraction):
    """Coordinate descent bookkept with XᵀX or with the residual: the same iterates.

    After three sweeps (a fixed number, no stopping rule) the two differ only by
    rounding: each correlation is computed in two ways that agree to a few
    hundred ulps, and a coordinate update moves by at most that over ‖X_j‖²,
    so 1e-10 relative to the largest coefficient leaves a wide margin. At
    convergence both are certified by their gaps.
    """
    X, y = gaussian_problem(seed, *shape)
    n = len(y)
    l1 = fraction * np.abs(X.T @ y).max()
    w0 = np.zeros(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w_g, _, _ = _enet_coordinate_descent(_make_form(X, y, w0, X.T @ X), l1, 0.1 * n, 3, 1e-30)
        w_r, _, _ = _enet_coordinate_descent(_make_form(X, y, w0, None), l1, 0.1 * n, 3, 1e-30)
    np.testing.assert_allclose(w_g, w_r, rtol=0, atol=1e-10 * np.abs(w_r).max(initial=1.0))
    w_g, gap_g, _ = _enet_coordinate_descent(
        _make_form(X, y, w0, X.T @ X), l1, 0.1 * n, 1000, 1e-10
    )
    w_r, gap_r, _ = _enet_coordinate_descent(_make_form(X, y, w0, None), l1, 0.1 * n, 1000, 1e-10)
    radius = sum(np.sqrt(2 * (max(g, 0.0) + gap_rounding(y)) / (0.1 * n)) for g in (gap_g, gap_r))
    assert np.linalg.norm(w_g - w_r) <= radius


# ---------------------------------------------------------------------------
# FISTA
# ---------------------------------------------------------------------------


def test_fista_takes_beck_and_teboulles_first_two_steps():
    """FISTA's first two iterates, written out: from x₀ = 0 with t₀ = 1,

    x₁ = S(c₀/L, l1/L),  t₁ = (1 + √5)/2,  t₂ = (1 + √(1 + 4t₁²))/2,  β = (t₁ − 1)/t₂,
    z = x₁ + β·x₁,  c_z = c₁ + β·(c₁ − c₀),  x₂ = S(z − (l2·z − c_z)/L, l1/L),

    with c(w) = Xᵀ(y − Xw), L = λ_max(XᵀX) + l2 and S soft-thresholding (no intercept).
    """
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    n, alpha, l1_ratio = len(y), 0.05, 0.7
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    L = np.linalg.eigvalsh(X.T @ X)[-1] + l2
    soft = lambda v, k: np.sign(v) * np.maximum(np.abs(v) - k, 0.0)  # noqa: E731
    c0 = X.T @ y
    x1 = soft(c0 / L, l1 / L)
    t1 = (1 + math.sqrt(5)) / 2
    beta = (t1 - 1) / ((1 + math.sqrt(1 + 4 * t1 * t1)) / 2)
    c1 = X.T @ (y - X @ x1)
    z, c_z = x1 + beta * x1, c1 + beta * (c1 - c0)
    x2 = soft(z - (l2 * z - c_z) / L, l1 / L)
    for steps, expected in [(1, x1), (2, x2)]:
        model = ElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=False, solver="fista")
        model.set_params(max_iter=steps, tol=1e-14)
        with pytest.warns(ConvergenceWarning):
            model.fit(X, y)
        assert model.n_iter_ == steps
        # The solver forms c from the moments (Xᵀy − XᵀX·w), this test from the rows: both
        # within a few hundred ulps of the iterates' scale on this well-conditioned 30×5 X.
        scale = np.abs(expected).max()
        np.testing.assert_allclose(model.coef_, expected, rtol=0, atol=1e-12 * scale)


# ---------------------------------------------------------------------------
# Every solver: the same minimiser, or a ConvergenceWarning
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    regression_data(max_n=10, max_p=10),
    st.floats(0.01, 0.5),
    st.sampled_from([1.0, 0.5]),
    st.booleans(),
)
def test_all_solvers_reach_the_same_minimiser(data, fraction, l1_ratio, gram):
    """Homotopy, working sets, CD and FISTA, each certified by its gap, are provably close.

    For the (n-scaled) elastic net P(w) − P* ≥ ½‖X(w − w*)‖² + (μ/2)‖w − w*‖²
    with μ = n·alpha·(1 − l1_ratio), and P(w) − P* ≤ gap. The gap itself is
    only known up to rounding (``gap_rounding``).
    """
    X, y = data
    n, p = X.shape
    alpha = fraction * max(np.abs(X.T @ y).max(), 1e-3) / (n * l1_ratio)
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    G = X.T @ X if gram else None
    w0 = np.zeros(p)
    tol_gap = 1e-12 * (y @ y) + gap_rounding(y)
    results = [
        solve(_make_form(X, y, w0, G), l1, l2, 100000, 1e-12)
        for solve in (_enet_homotopy, _enet_working_set, _enet_coordinate_descent, _enet_fista)
    ]
    radii = []
    for _, gap, _ in results:
        assert gap <= tol_gap
        radii.append(np.sqrt(2 * (max(gap, 0.0) + gap_rounding(y))))
    for i in range(len(results)):
        for j in range(i):
            difference = results[i][0] - results[j][0]
            assert np.linalg.norm(X @ difference) <= radii[i] + radii[j]
            if l1_ratio < 1:
                assert np.linalg.norm(difference) <= (radii[i] + radii[j]) / np.sqrt(l2)


def test_convergence_warning_when_max_iter_is_reached():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((50, 1))
    X = z + 1e-2 * rng.standard_normal((50, 10))  # ten nearly identical columns
    y = X[:, 0] - X[:, 1] + 0.01 * rng.standard_normal(50)  # ... told apart by y
    yc = y - y.mean()
    for solver in ("cd", "fista"):
        with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=1 "):
            model = Lasso(alpha=1e-5, max_iter=1, solver=solver).fit(X, y)
        assert model.n_iter_ == 1
        assert model.dual_gap_ > 1e-4 * (yc @ yc) / len(y)


# ---------------------------------------------------------------------------
# Coordinate descent: gap safe screening, and the warning that it is slow
# ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    shape=st.sampled_from([(10, 4), (8, 30), (30, 60), (40, 10)]),
    fraction=st.sampled_from([0.9, 0.5, 0.2, 0.05]),
    l1_ratio=st.sampled_from([1.0, 0.7]),
    positive=st.booleans(),
    gram=st.booleans(),
    sweeps=st.integers(0, 6),
)
def test_gap_safe_screening_never_discards_a_feature_of_the_solution(
    seed, shape, fraction, l1_ratio, positive, gram, sweeps
):
    """A feature screened out at any point of coordinate descent is zero in the exact solution.

    The rule proves |X̃ⱼᵀv*| < l1 at the dual optimum, which forces wⱼ = 0 at
    every minimiser; the homotopy's exact path has it at zero.
    """
    rng = np.random.default_rng(seed)
    n, p = shape
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))  # correlated columns
    y = X[:, : min(3, p)].sum(axis=1) + 0.3 * rng.standard_normal(n)
    top = np.max(y @ X if positive else np.abs(y @ X))
    if top <= 0:
        return
    l1 = fraction * top
    l2 = l1 * (1 - l1_ratio) / l1_ratio
    G = X.T @ X if gram else None
    exact, gap, _ = _enet_homotopy(_make_form(X, y, np.zeros(p), G), l1, l2, 1000, 1e-13, positive)
    assert gap <= 1e-13 * (y @ y) + gap_rounding(y)
    form = _make_form(X, y, np.zeros(p), G)
    features = np.arange(p)
    for _ in range(sweeps + 1):
        c, RR, Ry = form.stats()
        features = _gap_safe_screen(
            form, c, _duality_gap(form.w, c, RR, Ry, l1, l2, positive), l1, l2, features, positive
        )
        discarded = np.setdiff1d(np.arange(p), features)
        assert np.all(exact[discarded] == 0), (discarded, exact[discarded])
        assert np.all(form.w[discarded] == 0)
        _cd_sweep(form, l1, l2, positive, features)


def test_screening_leaves_the_survivors_near_the_optimum():
    """Near the optimum the sphere is small: p ≫ n, the screened set shrinks to near the support."""
    X, y = gaussian_problem(3, 40, 400)
    l1 = 0.3 * np.max(np.abs(X.T @ y))
    form = _make_form(X, y, np.zeros(400), None)
    w, gap, _ = _enet_coordinate_descent(form, l1, 0.0, 10000, 1e-12)
    kept = _gap_safe_screen(form, form.stats()[0], gap, l1, 0.0, np.arange(400), False)
    assert np.count_nonzero(w) <= kept.size < 400 // 4


def test_coordinate_descent_warns_when_it_is_slow(monkeypatch):
    """Past _SLOW_STEPS coordinate steps (with an L1 part), once, naming the fast solver."""
    monkeypatch.setattr(enet_solvers, "_SLOW_STEPS", 50)
    X, y = gaussian_problem(0, 20, 40)
    with pytest.warns(PerformanceWarning, match="solver='homotopy'") as record:
        Lasso(alpha=0.01, tol=1e-6, max_iter=100_000, solver="cd").fit(X, y)
    assert sum(issubclass(r.category, PerformanceWarning) for r in record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        Lasso(alpha=0.01, tol=1e-10).fit(X, y)  # the homotopy
        ElasticNet(alpha=0.01, l1_ratio=0.0, tol=1e-10, solver="cd").fit(X, y)  # no L1 part


@pytest.mark.parametrize("w", [-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.5, 1e300])
def test_soft_threshold_of_floats_is_the_array_formula(w):
    for threshold in (0.0, 0.5, 1.0):
        expected = float(soft_threshold(np.array([w]), threshold)[0])
        assert soft_threshold(w, threshold) == expected
        assert math.copysign(1, soft_threshold(w, threshold)) == math.copysign(1, expected)
