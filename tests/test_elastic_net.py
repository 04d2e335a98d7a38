"""The elastic net's fast path against its reference, its duality gap, and positive=True.

The fast path (``linear/homotopy.py``, the exact solution path) and the
reference (``enet_solvers._enet_coordinate_descent``, cyclic coordinate
descent) must reach the same minimiser. Both certify their result by the
duality gap, and the gap bounds how far apart two certified results can be,
so the comparisons below allow exactly that much (plus rounding):

    P(w) − P* ≥ ½‖X(w − w*)‖² + (l2/2)‖w − w*‖²   and   P(w) − P* ≤ gap(w).

The gap itself is checked against its definition, written out here from
scratch, at arbitrary points (not only near the optimum, where a wrong sign
in a term that vanishes there would go unnoticed).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from test_linear import centre, gaussian_problem, independent_duality_gap, kkt_violation, values

from tinyreg.linear import ConvergenceWarning, ElasticNet, Lasso, enet_path, lasso_path
from tinyreg.linear.enet_solvers import (
    _duality_gap,
    _enet_coordinate_descent,
    _make_form,
    _make_gram_form,
)
from tinyreg.linear.homotopy import _ActiveSet, _enet_homotopy, _spd_inverse, _TrackedGram

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def rounding(y):
    """How far rounding can move a duality gap computed on data y (n-scaled objective).

    The gap is a difference of terms of size up to ‖y‖², each a sum of at
    most a few thousand products; its absolute error stays below a few
    thousand ulps of ‖y‖²: 1e-13·‖y‖² with room to spare.
    """
    return 1e-13 * float(y @ y) + 1e-300


def gap_from_definition(X, y, w, l1, l2, positive=False):
    """Duality gap P(w) − D(θ) of ½‖y − Xw‖² + l1‖w‖₁ + (l2/2)‖w‖², θ built as documented.

    l1 > 0: the lasso on X̃ = [X; √l2·I], ỹ = [y; 0], dual D(θ) = ỹᵀθ − ½‖θ‖²
    on {|X̃ᵀθ| ≤ l1} ({X̃ᵀθ ≤ l1} if positive), θ = the residual R̃ scaled
    into the feasible set. l1 = 0 < l2: D(v) = yᵀv − ½‖v‖² − ‖Xᵀv‖²/(2·l2)
    at v = R. l1 = l2 = 0: ‖Xᵀ(y − Xw)‖².
    """
    p = X.shape[1]
    R = y - X @ w
    primal = 0.5 * (R @ R) + l1 * np.abs(w).sum() + 0.5 * l2 * (w @ w)
    if l1 > 0:
        X_aug = np.vstack([X, np.sqrt(l2) * np.eye(p)])
        y_aug = np.concatenate([y, np.zeros(p)])
        R_aug = y_aug - X_aug @ w
        corr = X_aug.T @ R_aug
        largest = corr.max() if positive else np.abs(corr).max()
        theta = R_aug * min(1.0, l1 / largest) if largest > 0 else R_aug
        return primal - (y_aug @ theta - 0.5 * (theta @ theta))
    if l2 > 0:
        return primal - (y @ R - 0.5 * (R @ R) - (X.T @ R) @ (X.T @ R) / (2 * l2))
    return (X.T @ R) @ (X.T @ R)


def assert_certified_close(X, y, w_a, gap_a, w_b, gap_b, l2):
    """w_a and w_b, certified by their gaps, are as close as the gaps allow."""
    slack = rounding(y)
    radius = [np.sqrt(2 * (max(g, 0.0) + slack)) for g in (gap_a, gap_b)]
    assert np.linalg.norm(X @ (w_a - w_b)) <= sum(radius)
    if l2 > 0:
        assert np.linalg.norm(w_a - w_b) <= sum(radius) / np.sqrt(l2)


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


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 0.8])
def test_reported_dual_gap_is_the_gap_of_the_fit(solver, l1_ratio):
    """dual_gap_ is the gap of (coef_, intercept_) by its definition, also when stopped early.

    A loose tol (and, for cd and fista, a max_iter of 3) leaves a gap far from
    zero, where every term of it shows.
    """
    X, y = gaussian_problem(12, 40, 15, n_informative=6)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    model = ElasticNet(0.05, l1_ratio=l1_ratio, tol=1e-2, solver=solver)
    if solver != "homotopy":
        model.set_params(max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    l1, l2 = n * 0.05 * l1_ratio, n * 0.05 * (1 - l1_ratio)
    expected = gap_from_definition(Xc, yc, model.coef_, l1, l2) / n
    assert model.dual_gap_ == pytest.approx(expected, abs=rounding(yc) / n)
    if l1_ratio > 0:
        assert expected == pytest.approx(
            independent_duality_gap(Xc, yc, model.coef_, 0.05, l1_ratio)
        )


# ---------------------------------------------------------------------------
# The fast path reaches the reference's minimiser
# ---------------------------------------------------------------------------


@st.composite
def hard_problems(draw):
    """Small problems with p ≫ n allowed, duplicated and all-zero columns, and alpha ≥ alpha_max."""
    n = draw(st.integers(2, 10))
    p = draw(st.integers(1, 40))
    X = draw(arrays(np.float64, (n, p), elements=values))
    y = draw(arrays(np.float64, n, elements=values))
    if p >= 2 and draw(st.booleans()):  # an exact copy of a column
        i, j = draw(st.lists(st.integers(0, p - 1), min_size=2, max_size=2, unique=True))
        X[:, j] = X[:, i]
    if draw(st.booleans()):
        X[:, draw(st.integers(0, p - 1))] = 0.0
    fraction = draw(st.sampled_from([0.01, 0.2, 0.7, 1.0, 1.5]) | st.floats(0.01, 1.0))
    l1_ratio = draw(st.sampled_from([1.0, 0.6, 0.1]))
    return X, y, fraction, l1_ratio, draw(st.booleans())


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

    assert gap_fast <= tol * (y @ y) + rounding(y)
    assert gap_fast == pytest.approx(
        gap_from_definition(X, y, w_fast, l1, l2, positive), abs=rounding(y)
    )
    assert_certified_close(X, y, w_fast, gap_fast, w_ref, gap_ref, l2)
    assert np.all(w_fast[~X.any(axis=0)] == 0)
    if positive:
        assert np.all(w_fast >= 0)
    if l1 >= top:  # alpha ≥ alpha_max: w = 0 is optimal, and certified before any work
        assert np.all(w_fast == 0) and n_fast == 0
    # optimality conditions, to within what the gap allows (one exact coordinate
    # step would lower P by v²/(2·(‖X_j‖² + l2)) ≤ gap)
    g = X.T @ (y - X @ w_fast) - l2 * w_fast
    on = w_fast != 0
    violation = np.concatenate(
        [
            np.abs(g[on] - l1 * np.sign(w_fast[on])),
            np.maximum(g[~on] if positive else np.abs(g[~on]), l1) - l1,
        ]
    )
    L = (X**2).sum(axis=0).max() + l2
    assert violation.max(initial=0.0) <= np.sqrt(2 * L * (max(gap_fast, 0.0) + rounding(y)))


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


# ---------------------------------------------------------------------------
# positive=True
# ---------------------------------------------------------------------------


def positive_kkt_violation(Xc, yc, w, alpha, l1_ratio):
    """Largest violation of the optimality conditions with w ≥ 0.

    With g = Xcᵀ(yc − Xc·w)/n − alpha·(1 − l1_ratio)·w: g_j = alpha·l1_ratio
    where w_j > 0, and g_j ≤ alpha·l1_ratio where w_j = 0.
    """
    g = Xc.T @ (yc - Xc @ w) / len(yc) - alpha * (1 - l1_ratio) * w
    bound = alpha * l1_ratio
    on = w > 0
    return max(
        np.abs(g[on] - bound).max(initial=0.0), np.maximum(g[~on] - bound, 0.0).max(initial=0.0)
    )


@pytest.mark.parametrize("solver", ["homotopy", "cd", "fista"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_positive_coefficients_meet_their_optimality_conditions(solver, l1_ratio):
    X, y = gaussian_problem(4, 40, 25, n_informative=8)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    alpha = 0.05 / l1_ratio
    model = ElasticNet(alpha, l1_ratio=l1_ratio, positive=True, tol=1e-12, max_iter=100_000)
    model.set_params(solver=solver).fit(X, y)
    assert np.all(model.coef_ >= 0) and np.any(model.coef_ > 0)
    gap = model.dual_gap_ * n
    assert gap == pytest.approx(
        gap_from_definition(
            Xc, yc, model.coef_, n * alpha * l1_ratio, n * alpha * (1 - l1_ratio), True
        ),
        abs=rounding(yc),
    )
    L = (Xc**2).sum(axis=0).max() / n + alpha * (1 - l1_ratio)
    bound = np.sqrt(2 * L * (max(model.dual_gap_, 0.0) + rounding(yc) / n))
    assert positive_kkt_violation(Xc, yc, model.coef_, alpha, l1_ratio) <= bound
    unconstrained = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    assert np.any(unconstrained.coef_ < 0)  # so the constraint is active


def test_positive_matches_sklearn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = gaussian_problem(9, 40, 30, n_informative=10)
    Xc, yc, _ = centre(X, y)
    n = len(y)
    for ours, theirs in [
        (Lasso(0.05, positive=True, tol=1e-10), sk.Lasso(0.05, positive=True, tol=1e-10)),
        (
            ElasticNet(0.05, l1_ratio=0.3, positive=True, tol=1e-10),
            sk.ElasticNet(0.05, l1_ratio=0.3, positive=True, tol=1e-10, max_iter=100_000),
        ),
    ]:
        ours.fit(X, y)
        theirs.fit(X, y)
        l1, l2 = n * ours.alpha * ours.l1_ratio, n * ours.alpha * (1 - ours.l1_ratio)
        gap_theirs = gap_from_definition(Xc, yc, theirs.coef_, l1, l2, True)
        assert_certified_close(Xc, yc, ours.coef_, ours.dual_gap_ * n, theirs.coef_, gap_theirs, l2)
        assert ours.intercept_ == pytest.approx(y.mean() - X.mean(axis=0) @ ours.coef_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # n_alphas -> alphas in sklearn 1.7+
        a2, c2, _ = sk.lasso_path(Xc, yc, positive=True, n_alphas=10, tol=1e-10, max_iter=10**5)
    a1, c1, g1 = lasso_path(Xc, yc, positive=True, n_alphas=10, tol=1e-10)
    np.testing.assert_allclose(a1, a2, rtol=1e-14)  # alpha_max = max(Xᵀy)/n: a few roundings
    for i, alpha in enumerate(a1):
        gap_theirs = gap_from_definition(Xc, yc, c2[:, i], n * alpha, 0.0, True)
        assert_certified_close(Xc, yc, c1[:, i], g1[i] * n, c2[:, i], gap_theirs, 0.0)


def test_positive_grid_starts_at_the_largest_positive_correlation():
    X, y = gaussian_problem(2, 25, 6)
    Xc, yc, _ = centre(X, y)
    alphas, coefs, _ = lasso_path(Xc, yc, positive=True, n_alphas=5)
    assert alphas[0] == pytest.approx(max((Xc.T @ yc).max(), 0.0) / 25)
    assert np.all(coefs[:, 0] == 0) and np.all(coefs >= 0)
    with pytest.raises(ValueError, match="positive must be one of True, False"):
        lasso_path(Xc, yc, positive="yes")


def test_path_grid_argument_errors_name_the_argument_passed():
    X, y = gaussian_problem(0, 10, 3)
    with pytest.raises(ValueError, match="alphas must be >= 1, got 0"):
        lasso_path(X, y, alphas=0)
    with pytest.raises(ValueError, match="n_alphas must be >= 1, got 0"):
        lasso_path(X, y, n_alphas=0)


# ---------------------------------------------------------------------------
# The fast path's speed tricks agree with their plain versions
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
