"""Reference computations for the tests of tinyreg.linear, written from the mathematics.

Nothing here uses tinyreg: the references (weighted centring, the normal
equations solved by np.linalg.solve, the elastic net's duality gap and
optimality conditions built from their definitions) are independent of the
code under test. The strategies and problems are shared by the test files
of the linear modules.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# ---------------------------------------------------------------------------
# Problems and strategies
# ---------------------------------------------------------------------------


def gaussian_problem(seed, n, p, n_informative=3, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    k = min(n_informative, p)
    w[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 3, k)
    y = X @ w + noise * rng.standard_normal(n) + 2.0
    return X, y


values = st.floats(-1, 1, allow_subnormal=False).map(lambda v: round(v, 6))


@st.composite
def regression_data(draw, max_n=10, max_p=10, min_n=2):
    n = draw(st.integers(min_n, max_n))
    p = draw(st.integers(1, max_p))
    X = draw(arrays(np.float64, (n, p), elements=values))
    y = draw(arrays(np.float64, n, elements=values))
    return X, y


FEW = settings(max_examples=30, deadline=None)


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


def penalties_at(X, y, fraction, l1_ratio, positive):
    """(l1, l2, top) of the n-scaled elastic net at ``fraction`` of alpha_max (top: max |Xᵀy|,
    or max Xᵀy with w ≥ 0; alpha_max = top/(n·l1_ratio), with top floored at 1e-3)."""
    n = X.shape[0]
    Xy = X.T @ y
    top = max(Xy.max(), 0.0) if positive else np.abs(Xy).max()
    alpha = fraction * max(top, 1e-3) / (n * l1_ratio)
    return n * alpha * l1_ratio, n * alpha * (1 - l1_ratio), top


def chunks_of(X, Y, s, bounds, order):
    for i in order:
        rows = slice(bounds[i], bounds[i + 1])
        yield X[rows], Y[rows], None if s is None else s[rows]


def real_data_in_chunks():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True, scaled=False)  # bundled: no download
    return X, y, np.array_split(np.arange(len(y)), 7)


# ---------------------------------------------------------------------------
# Least squares and ridge, from the normal equations
# ---------------------------------------------------------------------------


def centre(X, y, sample_weight=None):
    """Weighted-centred copies of X and y and the weights (ones by default)."""
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    x_mean = s @ X / s.sum()
    y_mean = s @ y / s.sum()
    return X - x_mean, y - y_mean, s


def ridge_reference(X, y, alpha, sample_weight=None):
    """Ridge with intercept via np.linalg.solve on the weighted normal equations."""
    Xc, yc, s = centre(X, y, sample_weight)
    A = Xc.T @ (s[:, None] * Xc) + alpha * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (s * yc))
    b = (s @ (y - X @ w)) / s.sum()
    return w, b


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


def assert_close(actual, expected, rtol=1e-10, floor=0.0):
    """Elementwise agreement relative to the scale of ``expected``, or within ``floor``.

    ``floor``: the absolute rounding the computation allows where ``expected``
    is near zero (from the problem, as :func:`ridge_rounding`).
    """
    expected = np.asarray(expected, float)
    scale = max(np.abs(expected).max(initial=0.0), 1e-6)  # the data are O(1)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=max(rtol * scale, floor))


def ridge_rounding(X, y, alpha):
    """The absolute rounding of a ridge solution, coefficient by coefficient, to within a constant.

    With H = XᵀX + alpha·I (smallest eigenvalue ≥ alpha), rounding Xᵀy by
    (n + p)·eps·‖X‖·‖y‖ moves w by that over alpha; the SVD route's factors,
    each accurate to (n + p)·eps, move w by (n + p)·eps·‖y‖·max σ/(σ² + alpha)
    ≤ (n + p)·eps·‖y‖/(2√alpha). Four times their sum.
    """
    n, p = X.shape
    gamma = (n + p) * np.finfo(float).eps
    norm_y = float(np.linalg.norm(y))
    return 4 * gamma * (np.linalg.norm(X) * norm_y / alpha + norm_y / (2 * np.sqrt(alpha)))


# ---------------------------------------------------------------------------
# Moments, by weighted two-pass centring
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# The elastic net: duality gap and optimality conditions
# ---------------------------------------------------------------------------


def independent_duality_gap(Xc, yc, w, alpha, l1_ratio):
    """Duality gap of the (1/(2n)) elastic net at w, built from explicit augmented data.

    The elastic net on (Xc, yc) is the lasso on X̃ = [Xc; √(n·a2)·I], ỹ = [yc; 0]
    (objective multiplied by n), with a2 = alpha·(1 − l1_ratio); the lasso dual
    D(θ) = ỹᵀθ − ½‖θ‖² over ‖X̃ᵀθ‖∞ ≤ n·alpha·l1_ratio is evaluated at the
    feasible rescaling of the residual.
    """
    n, p = Xc.shape
    X_aug = np.vstack([Xc, np.sqrt(n * alpha * (1 - l1_ratio)) * np.eye(p)])
    y_aug = np.concatenate([yc, np.zeros(p)])
    r = y_aug - X_aug @ w
    bound = n * alpha * l1_ratio
    largest = np.abs(X_aug.T @ r).max()
    theta = r * min(1.0, bound / largest) if largest > 0 else r
    primal = 0.5 * (r @ r) + bound * np.abs(w).sum()
    dual = y_aug @ theta - 0.5 * (theta @ theta)
    return (primal - dual) / n


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


def gap_rounding(yc):
    """How far rounding can move a computed duality gap (n-scaled objective).

    The gap is a difference of terms of size up to ‖yc‖², each summed over
    at most a few thousand products: its absolute error stays below a few
    thousand ulps of ‖yc‖², 1e-13·‖yc‖² with room to spare.
    """
    return 1e-13 * float(yc @ yc)


def rounding(y):
    """How far rounding can move a duality gap computed on data y (n-scaled objective).

    The gap is a difference of terms of size up to ‖y‖², each a sum of at
    most a few thousand products; its absolute error stays below a few
    thousand ulps of ‖y‖²: 1e-13·‖y‖² with room to spare.
    """
    return gap_rounding(y) + 1e-300


def gap_rounding_at(X, y, w, l1, l2):
    """How far rounding can move the duality gap of w, computed by any route, beyond ``rounding``.

    ``rounding(y)`` covers terms of size ‖y‖². Large coefficients make
    larger terms: with M = |y| + |X|·|w| (entrywise; the L2 part adds rows
    √l2·|w|), every computed residual entry, correlation c_j = X_jᵀ(y − Xw)
    (or q_j − G_j·w) and square sum is off by at most γ = (n + p + 2)·ε
    times M, δ_j = (|X|ᵀM)_j + l2·|w_j| and ‖M‖² + l2‖w‖² + |w|ᵀδ. The dual
    point scales the residual by s = l1/‖c‖∞ (when below 1), and the dual
    objective moves with s by Rᵀ(y − sR) = cᵀw + (1 − s)‖R‖² per unit of
    s; a correlation off by γ·max δ moves s by at most s·γ·max δ/‖c‖∞ ≤
    γ·max δ/l1, so the gap by at most (‖w‖₁ + (1 − s)‖R‖²/l1)·γ·max δ.
    """
    n, p = X.shape
    gamma = (n + p + 2) * np.finfo(float).eps
    aw = np.abs(w)
    M = np.abs(y) + np.abs(X) @ aw
    delta = np.abs(X).T @ M + l2 * aw
    sums = M @ M + l2 * (aw @ aw) + aw @ delta
    if l1 == 0:
        return gamma * sums
    R = y - X @ w
    c = np.abs(X.T @ R - l2 * w).max(initial=0.0)
    s = min(1.0, l1 / c) if c > 0 else 1.0
    rr = R @ R + l2 * (w @ w)
    return gamma * (sums + (aw.sum() + (1.0 - s) * rr / l1) * delta.max(initial=0.0))


def kkt_violation(Xc, yc, w, alpha, l1_ratio):
    """Largest violation of the elastic net optimality conditions at w.

    With g = Xcᵀ(yc − Xc·w)/n − alpha·(1 − l1_ratio)·w:
    |g_j| ≤ alpha·l1_ratio where w_j = 0, g_j = alpha·l1_ratio·sign(w_j) elsewhere.
    """
    g = Xc.T @ (yc - Xc @ w) / len(yc) - alpha * (1 - l1_ratio) * w
    bound = alpha * l1_ratio
    at_zero = np.maximum(np.abs(g[w == 0]) - bound, 0.0)
    elsewhere = np.abs(g[w != 0] - bound * np.sign(w[w != 0]))
    return max(at_zero.max(initial=0.0), elsewhere.max(initial=0.0))


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


def weighted_centred(X, y, sample_weight=None, fit_intercept=True):
    """The data of the n-scaled objective: √s·(X − x̄), √s·(y − ȳ), s rescaled to sum to n.

    Without an intercept, X and y are not centred.
    """
    Xc, yc, s = centre(X, y, sample_weight)
    if not fit_intercept:
        Xc, yc = np.asarray(X, float), np.asarray(y, float)
    root = np.sqrt(s * len(y) / s.sum())
    return root[:, None] * Xc, root * yc


def assert_same_minimiser(X, y, a, b, sample_weight=None):
    """Two elastic-net fits of the same objective are as close as their duality gaps allow.

    ``a`` and ``b`` are fitted estimators (any library) with ``alpha`` and
    ``l1_ratio``. Their gaps are computed here from the definition, on the
    weighted, centred data Xw, yw of the n-scaled objective P. As
    P(w) − P* ≥ ½‖Xw(w − w*)‖² + (l2/2)‖w − w*‖² and P(w) − P* ≤ gap(w),
    ‖Xw(w_a − w_b)‖ ≤ √(2·gap_a) + √(2·gap_b); the coefficients are within
    that divided by √l2, or by the smallest singular value of Xw when it has
    full column rank; the intercepts b = ȳ − x̄ᵀw within ‖x̄‖ times that.
    """
    Xw, yw = weighted_centred(X, y, sample_weight, a.fit_intercept)
    n = len(y)
    alpha, l1_ratio = a.alpha, getattr(a, "l1_ratio", 1.0)
    slack = gap_rounding(yw)
    gaps = [n * independent_duality_gap(Xw, yw, m.coef_, alpha, l1_ratio) for m in (a, b)]
    fit_bound = sum(np.sqrt(2 * (max(g, 0.0) + slack)) for g in gaps)
    assert np.linalg.norm(Xw @ (a.coef_ - b.coef_)) <= fit_bound
    l2 = n * alpha * (1 - l1_ratio)
    sigma_min = np.linalg.svd(Xw, compute_uv=False)[-1] if Xw.shape[0] >= Xw.shape[1] else 0.0
    curvature = max(np.sqrt(l2), sigma_min)
    if curvature > 0:
        assert np.linalg.norm(a.coef_ - b.coef_) <= fit_bound / curvature
        x_mean = np.average(X, axis=0, weights=sample_weight) if a.fit_intercept else 0 * X[0]
        bound = np.linalg.norm(x_mean) * fit_bound / curvature
        assert abs(a.intercept_ - b.intercept_) <= bound + 1e-13 * abs(b.intercept_)


def assert_certified_close(X, y, w_a, gap_a, w_b, gap_b, l2):
    """w_a and w_b, certified by their gaps, are as close as the gaps allow."""
    slack = rounding(y)
    radius = [np.sqrt(2 * (max(g, 0.0) + slack)) for g in (gap_a, gap_b)]
    assert np.linalg.norm(X @ (w_a - w_b)) <= sum(radius)
    if l2 > 0:
        assert np.linalg.norm(w_a - w_b) <= sum(radius) / np.sqrt(l2)


def assert_coordinatewise_optimal(X, y, w, gap, l1, l2, positive=False):
    """w meets the optimality conditions coordinate by coordinate, as far as ``gap`` allows.

    The exact minimiser w'_j of P along coordinate j (curvature
    L_j = ‖X_j‖² + l2) lowers P by at least L_j·(w'_j − w_j)²/2, and by at
    most P(w) − P* ≤ gap. (A continuous form of the KKT conditions: a
    coefficient at rounding level, of either sign, passes as it should.)
    """
    g = X.T @ (y - X @ w) - l2 * w
    L = (X**2).sum(axis=0) + l2
    live = L > 0
    z = L[live] * w[live] + g[live]
    best = np.maximum(z - l1, 0.0) if positive else np.sign(z) * np.maximum(np.abs(z) - l1, 0.0)
    step = np.abs(best / L[live] - w[live])
    assert np.all(L[live] * step**2 <= 2 * (max(gap, 0.0) + rounding(y)))


def assert_certified_solution(X, y, w, gap, n_iter, l1, l2, positive, tol):
    """What every elastic-net solver guarantees of its result (w, gap, n_iter) at tolerance tol.

    The gap is at most tol·‖y‖², or at most its own rounding at w when that
    is larger (large coefficients on nearly collinear columns: no solver can
    certify below it), and is the gap from the definition (to the rounding
    of both, :func:`gap_rounding_at`); all-zero
    columns have coefficient 0; w ≥ 0 if ``positive``; at alpha ≥ alpha_max
    w = 0, certified before any work (n_iter = 0); and the optimality
    conditions hold coordinate by coordinate as far as the gap allows.
    """
    slack = rounding(y) + gap_rounding_at(X, y, w, l1, l2)
    assert gap <= tol * (y @ y) + slack
    assert abs(gap - gap_from_definition(X, y, w, l1, l2, positive)) <= slack
    assert np.all(w[~X.any(axis=0)] == 0)
    if positive:
        assert np.all(w >= 0)
    Xy = X.T @ y
    top = max(Xy.max(), 0.0) if positive else np.abs(Xy).max()
    if l1 >= top:  # alpha ≥ alpha_max: w = 0 is optimal, and certified before any work
        assert np.all(w == 0) and n_iter == 0
    assert_coordinatewise_optimal(X, y, w, gap, l1, l2, positive)
