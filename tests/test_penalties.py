"""Penalties: values, gradients and proximal steps per this table.

====================  ==================================  ===============  =========================
penalty               value                               grad(w)          prox(w, t)
====================  ==================================  ===============  =========================
L2(alpha)             (alpha/2)·Σw²                       alpha·w          w
L1(alpha)             alpha·Σ|w|                          0                sign(w)·max(|w| − tα, 0)
ElasticNet(alpha, r)  alpha·r·Σ|w| + (alpha·(1−r)/2)·Σw²  alpha·(1 − r)·w  soft-threshold at t·α·r
GroupLasso(alpha)     alpha·Σ_g ‖w_g‖₂ (w_g = w[k])       0                block soft-threshold
====================  ==================================  ===============  =========================

Every reference below is written out again in plain numpy. The group lasso's
prox with one step per coordinate has no closed form: it is checked by its
optimality conditions. The last part plugs two user-defined penalties (a
group lasso that takes one step per group, and a max-norm constraint) into
the optimizers through the ``Penalty`` protocol.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _tolerances import EPS, gamma
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg import functional as F
from tinyreg import gradcheck, nn, optim, penalties
from tinyreg.testing import arrays, shapes

ALPHAS = st.floats(0.0, 5.0, allow_nan=False, allow_infinity=False)
POSITIVE_ALPHAS = st.floats(0.01, 5.0)
STEPS = st.floats(0.0, 3.0, allow_nan=False, allow_infinity=False)
RATIOS = st.floats(0.0, 1.0)


def soft_threshold_reference(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


def value_tolerance(w: np.ndarray) -> dict:
    """A penalty's value is a sum of w.size non-negative terms: within γ of it, computed
    any way; terms below the normal range (squares of |w| < 1e-154) lose their relative
    accuracy, but together they stay below 1e-300."""
    return {"rel": 2 * gamma(w.size + 2), "abs": 1e-300}


def all_penalties(alpha: float, ratio: float) -> list[penalties.Penalty]:
    return [penalties.L2(alpha), penalties.L1(alpha), penalties.ElasticNet(alpha, ratio)]


# ---------------------------------------------------------------------------
# The table, one penalty at a time
# ---------------------------------------------------------------------------


@given(w=arrays(), alpha=ALPHAS, t=STEPS)
def test_l2_value_grad_prox(w, alpha, t):
    pen = penalties.L2(alpha)
    assert pen.value(w) == pytest.approx(0.5 * alpha * np.sum(w**2), **value_tolerance(w))
    grad = pen.grad(w)
    assert grad.shape == w.shape
    np.testing.assert_array_equal(grad, alpha * w)  # the same product
    assert np.array_equal(pen.prox(w, t), w)  # nothing non-smooth: the identity


@given(w=arrays(), alpha=ALPHAS, t=STEPS)
def test_l1_value_grad_prox(w, alpha, t):
    pen = penalties.L1(alpha)
    assert pen.value(w) == pytest.approx(alpha * np.sum(np.abs(w)), **value_tolerance(w))
    grad = pen.grad(w)
    assert grad.shape == w.shape
    assert not np.any(grad)  # all of L1 is non-smooth
    prox = pen.prox(w, t)
    assert prox.shape == w.shape
    # exactly the soft threshold, bit for bit (-0.0 == 0.0)
    assert np.array_equal(prox, soft_threshold_reference(w, t * alpha))
    # inside the band the result is exactly zero, not merely small
    inside = np.abs(w) <= t * alpha
    assert np.all(prox[inside] == 0.0)
    assert np.all(prox[~inside] != 0.0)


@given(
    w=st.floats(-4.0, 4.0, allow_nan=False),
    alpha=POSITIVE_ALPHAS,
    t=st.floats(0.05, 3.0),
)
def test_l1_prox_is_the_argmin(w, alpha, t):
    """prox(w, t) minimizes f(z) = alpha·|z| + (z − w)²/(2t): on a dense grid and by optimality."""
    z_star = float(penalties.L1(alpha).prox(np.array([w]), t)[0])

    def f(z):
        return alpha * np.abs(z) + (z - w) ** 2 / (2 * t)

    reach = abs(w) + 1.0
    grid = np.linspace(-reach, reach, 40_001)
    values = f(grid)
    # no grid point beats the prox (the grid includes points arbitrarily close to z*), up to
    # the rounding of f's few operations on values of f's size
    assert f(z_star) <= values.min() + 8 * EPS * np.abs(values).max()
    # f is (1/t)-strongly convex, so the grid's best point lies within a grid spacing of z*
    assert abs(grid[np.argmin(values)] - z_star) <= 2 * (grid[1] - grid[0])
    # first-order optimality: 0 ∈ (z − w)/t + alpha·∂|z|
    if z_star == 0.0:
        assert abs(w) / t <= alpha * (1 + 4 * EPS)  # |w| ≤ t·alpha, up to two roundings
    else:
        # z* − w = ∓t·alpha up to the rounding of w ∓ t·alpha: eps·(|w| + t·alpha), over t
        residual = (z_star - w) / t + alpha * math.copysign(1.0, z_star)
        assert abs(residual) <= 4 * EPS * (abs(w) / t + alpha)


@given(w=arrays(), alpha=ALPHAS, ratio=RATIOS, t=STEPS)
def test_elastic_net_value_grad_prox(w, alpha, ratio, t):
    pen = penalties.ElasticNet(alpha, ratio)
    expected = alpha * ratio * np.sum(np.abs(w)) + 0.5 * alpha * (1 - ratio) * np.sum(w**2)
    assert pen.value(w) == pytest.approx(expected, **value_tolerance(w))
    np.testing.assert_array_equal(pen.grad(w), alpha * (1 - ratio) * w)  # the same products
    np.testing.assert_array_equal(pen.prox(w, t), soft_threshold_reference(w, t * alpha * ratio))


@given(w=arrays(), alpha=ALPHAS, t=STEPS)
def test_elastic_net_endpoints_are_l1_and_l2(w, alpha, t):
    as_l1, l1 = penalties.ElasticNet(alpha, 1.0), penalties.L1(alpha)
    assert as_l1.value(w) == l1.value(w)  # alpha·1.0·s + 0.0 is alpha·s
    np.testing.assert_array_equal(as_l1.grad(w), l1.grad(w))
    np.testing.assert_array_equal(as_l1.prox(w, t), l1.prox(w, t))
    np.testing.assert_array_equal(as_l1.subgradient(w), l1.subgradient(w))

    as_l2, l2 = penalties.ElasticNet(alpha, 0.0), penalties.L2(alpha)
    assert as_l2.value(w) == l2.value(w)  # 0.0 + (0.5·alpha)·1.0·v is (0.5·alpha)·v
    np.testing.assert_array_equal(as_l2.grad(w), l2.grad(w))
    np.testing.assert_array_equal(as_l2.prox(w, t), l2.prox(w, t))
    np.testing.assert_array_equal(as_l2.subgradient(w), l2.subgradient(w))


@given(
    pair=shapes(min_dims=1).flatmap(lambda s: st.tuples(arrays(s), arrays(s))),
    alpha=ALPHAS,
    ratio=RATIOS,
    t=STEPS,
)
def test_prox_is_non_expansive(pair, alpha, ratio, t):
    a, b = pair
    for pen in all_penalties(alpha, ratio):
        gap = np.linalg.norm(pen.prox(a, t) - pen.prox(b, t))
        # up to rounding: the norms (γ), and each prox's few ulps of |a| and |b|
        rounding = 4 * EPS * (np.linalg.norm(a) + np.linalg.norm(b))
        assert gap <= np.linalg.norm(a - b) * (1 + 2 * gamma(a.size + 2)) + rounding, pen


@given(w=arrays(), alpha=ALPHAS, ratio=RATIOS, t=STEPS)
def test_prox_never_modifies_its_input(w, alpha, ratio, t):
    before = w.copy()
    for pen in all_penalties(alpha, ratio):
        pen.prox(w, t)
        pen.grad(w)
        assert np.array_equal(w, before), pen


@given(
    arrays_=shapes(min_dims=1).flatmap(
        lambda s: st.tuples(arrays(s), arrays(s, min_value=0.0), arrays(s[-1:], min_value=0.0))
    ),
    alpha=ALPHAS,
    ratio=RATIOS,
)
def test_prox_with_an_array_t_takes_each_coordinates_own_step(arrays_, alpha, ratio):
    """Adam passes t as an array: coordinate i gets the scalar prox with step t[i], bit for bit,
    for t shaped like w or broadcast to it (here along w's last axis)."""
    w, t_full, t_last_axis = arrays_
    for t in (t_full, t_last_axis):
        steps = np.broadcast_to(t, w.shape)
        for pen in all_penalties(alpha, ratio):
            prox = pen.prox(w, t)
            assert prox.shape == w.shape, pen
            flat_w, flat_t = w.ravel(), steps.ravel()
            one_by_one = [pen.prox(flat_w[i : i + 1], float(flat_t[i])) for i in range(w.size)]
            np.testing.assert_array_equal(prox.ravel(), np.concatenate(one_by_one))
        l1 = penalties.L1(alpha).prox(w, t)
        np.testing.assert_array_equal(l1, soft_threshold_reference(w, steps * alpha))
        inside = np.abs(w) <= steps * alpha  # each coordinate's own band: exactly zero
        assert np.all(l1[inside] == 0.0) and np.all(l1[~inside] != 0.0)


# ---------------------------------------------------------------------------
# GroupLasso: groups along axis 0, the block soft-threshold
# ---------------------------------------------------------------------------


def group_rows(w: np.ndarray) -> np.ndarray:
    """The groups of GroupLasso, as rows: w[k] flattened (one-element groups for 1-D w)."""
    return w.reshape(len(w), -1) if w.ndim >= 2 else w.reshape(-1, 1)


def row_norms(w: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """‖row‖₂ of each row, as m·‖row/m‖ with m = max |row| so that no square underflows."""
    m = np.max(np.abs(w), axis=1, keepdims=True)
    m = np.where(m > 0, m, 1.0)
    norms = m * np.sqrt(np.sum((w / m) ** 2, axis=1, keepdims=True))
    return norms if keepdims else norms[:, 0]


def block_shrink_reference(w: np.ndarray, s: float) -> np.ndarray:
    """Each row scaled by max(0, 1 − s/‖row‖), straight from the formula."""
    norms = row_norms(w, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return w * np.where(norms > 0, np.maximum(0.0, 1.0 - s / norms), 0.0)


TINY = np.finfo(np.float64).tiny  # below it, numbers lose relative accuracy (subnormals)
GROUP_SHAPES = st.sampled_from([(1,), (5,), (3, 4), (4, 1), (2, 3, 2, 2), (3, 2, 3, 3)])
STEP_ARRAYS = {"min_value": 0.01, "max_value": 3.0}


@given(w=arrays(GROUP_SHAPES), alpha=ALPHAS, t=STEPS)
def test_group_lasso_value_grad_and_scalar_prox(w, alpha, t):
    pen = penalties.GroupLasso(alpha)
    rows = group_rows(w)
    norms = row_norms(rows)
    assert pen.value(w) == pytest.approx(alpha * norms.sum(), **value_tolerance(w))
    assert not np.any(pen.grad(w)) and pen.grad(w).shape == w.shape
    z = pen.prox(w, t)
    assert z.shape == w.shape and z.dtype == w.dtype
    z_rows, k = group_rows(z), rows.shape[1]
    # two routes to ‖row‖ differ by γ_k, and 1 − s/‖row‖ cancels near the threshold:
    # an absolute error of (k + 4)·eps·|wᵢ|
    expected = block_shrink_reference(rows, t * alpha)
    assert np.all(np.abs(z_rows - expected) <= (k + 4) * EPS * np.abs(rows) + TINY)
    # whole groups exactly zero, exactly where ‖w_g‖ ≤ t·alpha (up to the rounding of the norm)
    zero = np.all(z_rows == 0.0, axis=1)
    assert np.all(zero[norms < t * alpha * (1 - gamma(k + 2))])
    assert not np.any(zero[norms > t * alpha * (1 + gamma(k + 2))])
    if w.ndim == 1:  # one-element groups: the L1 soft threshold
        assert np.all(np.abs(z - penalties.L1(alpha).prox(w, t)) <= 4 * EPS * np.abs(w) + TINY)


def _kkt_residual_bound(rows, s, rho, k):
    """How far from 0 the optimality residual of a nonzero group may be, in units of alpha.

    The residual of group g is alpha·(wᵢ/(ρ + sᵢ))·(ρ/‖z‖ − 1) with |wᵢ/(ρ + sᵢ)| ≤ 1 at the
    root, and ρ/‖z‖ = g(ρ) = 1/√Σ wᵢ²/(ρ + sᵢ)², whose slope is at most 1/(ρ + min sᵢ). The
    Newton iteration stops within 4·eps·(ρ + max sᵢ) of the root, the sums round by γ_k,
    and the test's own (z − w)/t and z/‖z‖ by a few eps each.
    """
    stop = 4 * EPS * (rho + s.max(axis=1)) / (rho + s.min(axis=1))
    return stop + 2 * gamma(k + 4)


@given(
    w_and_t=GROUP_SHAPES.flatmap(lambda s: st.tuples(arrays(s), arrays(s, **STEP_ARRAYS))),
    alpha=POSITIVE_ALPHAS,
)
def test_group_lasso_prox_with_per_coordinate_steps_is_the_minimiser(w_and_t, alpha):
    """argmin_z alpha·‖z‖ + Σᵢ (zᵢ − wᵢ)²/(2tᵢ) per group, by its optimality conditions:
    0 ∈ alpha·∂‖z‖ + (z − w)/t, i.e. z = 0 when ‖w/t‖ ≤ alpha, else (z − w)/t + alpha·z/‖z‖ = 0."""
    w, t = w_and_t
    z = penalties.GroupLasso(alpha).prox(w, t)
    assert z.shape == w.shape
    rows, steps, z_rows = group_rows(w), group_rows(t), group_rows(z)
    k = rows.shape[1]
    zero = np.all(z_rows == 0.0, axis=1)
    dual_norms = row_norms(rows / steps)
    assert np.all(dual_norms[zero] <= alpha * (1 + gamma(k + 2)))  # 0 is optimal there
    assert np.all(dual_norms[~zero] >= alpha * (1 - gamma(k + 2)))
    live = ~zero
    if not np.any(live):
        return
    rows, steps, z_rows = rows[live], steps[live], z_rows[live]
    rho = row_norms(z_rows)
    assert np.all(rho > 0) and np.all(np.sign(z_rows) * np.sign(rows) >= 0)
    residual = (z_rows - rows) / steps + alpha * z_rows / rho[:, None]
    bound = alpha * _kkt_residual_bound(rows, alpha * steps, rho, k)[:, None]
    bound = bound + (4 * EPS * (np.abs(rows) + np.abs(z_rows)) + TINY) / steps
    assert np.all(np.abs(residual) <= bound)


@given(w=arrays(GROUP_SHAPES), alpha=ALPHAS, t=st.floats(0.01, 3.0))
def test_group_lasso_prox_with_equal_steps_is_the_scalar_prox(w, alpha, t):
    pen = penalties.GroupLasso(alpha)
    k = group_rows(w).shape[1]
    scalar, array = pen.prox(w, t), pen.prox(w, np.full(w.shape, t))
    # both are w·(1 − s/‖w_g‖) up to the rounding of the norm and of the stopping rule
    assert np.all(np.abs(scalar - array) <= (k + 8) * EPS * np.abs(w) + TINY)


@given(
    triple=GROUP_SHAPES.flatmap(
        lambda s: st.tuples(arrays(s), arrays(s), arrays(s, **STEP_ARRAYS))
    ),
    alpha=ALPHAS,
)
def test_group_lasso_prox_is_non_expansive_in_its_metric(triple, alpha):
    """A prox is firmly non-expansive in the norm of its own metric: Σᵢ xᵢ²/tᵢ for steps tᵢ."""
    a, b, t = triple
    pen = penalties.GroupLasso(alpha)

    def norm(x, steps):
        return math.sqrt(np.sum(x * x / steps))

    for steps in (t, np.full(t.shape, t.mean())):
        gap = norm(pen.prox(a, steps) - pen.prox(b, steps), steps)
        rounding = 16 * EPS * (norm(a, steps) + norm(b, steps)) * group_rows(a).shape[1]
        assert gap <= norm(a - b, steps) * (1 + 2 * gamma(a.size + 2)) + rounding


@given(w=arrays(GROUP_SHAPES), alpha=POSITIVE_ALPHAS, t1=st.floats(0.0, 2.0), t2=st.floats(0, 2))
def test_group_lasso_prox_steps_add_up(w, alpha, t1, t2):
    """Shrinking each group's norm by s₁ then by s₂ is shrinking it by s₁ + s₂; a zero group
    stays zero, and a step of 0 changes nothing."""
    pen = penalties.GroupLasso(alpha)
    twice, once = pen.prox(pen.prox(w, t1), t2), pen.prox(w, t1 + t2)
    k = group_rows(w).shape[1]
    assert np.all(np.abs(twice - once) <= 2 * (k + 4) * EPS * np.abs(w) + TINY)
    zeroed = pen.prox(w, t1)
    np.testing.assert_array_equal(group_rows(pen.prox(zeroed, t2))[~group_rows(zeroed).any(1)], 0)
    assert np.all(np.abs(pen.prox(w, 0.0) - w) <= TINY)  # exact for normal numbers


@given(w=arrays(GROUP_SHAPES), alpha=ALPHAS, t=STEPS)
def test_group_lasso_prox_never_modifies_its_input_and_keeps_float32(w, alpha, t):
    before = w.copy()
    pen = penalties.GroupLasso(alpha)
    pen.prox(w, t)
    pen.prox(w, np.full(w.shape, t))
    assert np.array_equal(w, before)
    w32 = w.astype(np.float32)
    assert pen.prox(w32, t).dtype == np.float32
    assert pen.prox(w32, np.full(w.shape, t, dtype=np.float32)).dtype == np.float32


def test_group_lasso_prox_of_a_tiny_or_huge_group_does_not_underflow_or_overflow():
    w = np.array([[3e-200, 4e-200], [3e200, 4e200]])
    pen = penalties.GroupLasso(1.0)
    t = np.array([[1e-200, 1e-200], [1e200, 1e200]])
    np.testing.assert_allclose(pen.prox(w, t), w * 0.8, rtol=8 * EPS)


def _irrelevant_outputs_problem():
    """A Linear(6, 4) problem whose outputs 2 and 3 are noise: their rows should be zero."""
    rng = np.random.default_rng(7)
    n, p, k = 80, 6, 4
    X = rng.standard_normal((n, p))
    W_true = rng.uniform(1.0, 2.0, (k, p)) * rng.choice([-1.0, 1.0], (k, p))
    W_true[2:] = 0.0
    Y = X @ W_true.T + 0.3 + 0.3 * rng.standard_normal((n, k))
    Xa = np.hstack([X, np.ones((n, 1))])
    return X, Y, np.linalg.eigvalsh(Xa.T @ Xa / n).max()


def _group_lasso_objective(X, Y, W, b, alpha):
    R = Y - X @ W.T - b
    return np.sum(R * R) / (2 * len(X)) + alpha * np.linalg.norm(W, axis=1).sum()


def _proximal_gradient_reference(X, Y, alpha, lipschitz, steps):
    """ISTA in numpy with step 1/L and the row-wise block shrink."""
    n = len(X)
    W, b = np.zeros((Y.shape[1], X.shape[1])), np.zeros(Y.shape[1])
    for _ in range(steps):
        R = Y - X @ W.T - b
        W, b = W + (R.T @ X) / n / lipschitz, b + R.mean(axis=0) / lipschitz
        W = block_shrink_reference(W, alpha / lipschitz)
    return W, b


@pytest.mark.parametrize(
    ("make", "steps"),
    [
        (lambda ps, L, pen: optim.SGD(ps, lr=1 / L, penalty=pen), 2000),
        (lambda ps, L, pen: optim.SGD(ps, lr=0.2 / L, momentum=0.8, penalty=pen), 2000),
        (lambda ps, L, pen: optim.Adam(ps, lr=0.01, penalty=pen), 3000),
        (lambda ps, L, pen: optim.RMSprop(ps, lr=0.003, alpha=0.9999, penalty=pen), 3000),
        (lambda ps, L, pen: optim.Adagrad(ps, lr=0.5, penalty=pen), 3000),
    ],
    ids=["SGD", "SGD-momentum", "Adam", "RMSprop", "Adagrad"],
)
def test_every_optimizer_reaches_the_group_lasso_minimiser_with_whole_rows_zero(make, steps):
    """The settled-step prox makes the exact minimiser every optimizer's fixed point."""
    X, Y, lipschitz = _irrelevant_outputs_problem()
    alpha = 0.15
    W_ref, b_ref = _proximal_gradient_reference(X, Y, alpha, lipschitz, steps=5000)
    tinyreg.manual_seed(0)
    model = nn.Linear(X.shape[1], Y.shape[1])
    opt = make(model.parameters(), lipschitz, penalties.GroupLasso(alpha))
    Xt, Yt = tinyreg.tensor(X), tinyreg.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        (F.mse_loss(model(Xt), Yt, reduction="sum") / (2 * len(X))).backward()
        opt.step()
    W, b = model.weight.data, model.bias.data
    assert np.array_equal(np.all(W == 0.0, axis=1), [False, False, True, True])
    assert np.array_equal(np.all(W_ref == 0.0, axis=1), [False, False, True, True])
    floor = _converged_floor(X, Y, Y - X @ W_ref.T - b_ref, steps=5000)
    np.testing.assert_allclose(W, W_ref, rtol=0, atol=floor)
    np.testing.assert_allclose(b, b_ref, rtol=0, atol=floor)
    reference = _group_lasso_objective(X, Y, W_ref, b_ref, alpha)
    objective = _group_lasso_objective(X, Y, W, b, alpha)
    assert objective == pytest.approx(reference, rel=2 * gamma(Y.size + W.size))


def test_group_lasso_zeroes_whole_conv_filters_with_adam():
    """A filter of a (out, in, kh, kw) weight is one group: filters fitted to noise vanish."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 2 * 3 * 3))
    target = np.zeros((4, 2, 3, 3))
    target[:2] = rng.uniform(1.0, 2.0, (2, 2, 3, 3))
    Y = X @ target.reshape(4, -1).T + 0.05 * rng.standard_normal((60, 4))
    W = tinyreg.tensor(np.full((4, 2, 3, 3), 0.1), requires_grad=True)
    opt = optim.Adam([W], lr=0.01, penalty=penalties.GroupLasso(0.1))
    Xt, Yt = tinyreg.tensor(X), tinyreg.tensor(Y)
    for _ in range(1500):
        opt.zero_grad()
        (F.mse_loss(Xt @ W.reshape(4, -1).T, Yt, reduction="sum") / 120).backward()
        opt.step()
    filters = W.data.reshape(4, -1)
    assert np.all(filters[2:] == 0.0) and np.all(np.linalg.norm(filters[:2], axis=1) > 1.0)


@given(w=arrays(GROUP_SHAPES, avoid=(0.0,), margin=0.05), alpha=POSITIVE_ALPHAS)
def test_group_lasso_called_on_a_tensor_gives_value_and_subgradient(w, alpha):
    pen = penalties.GroupLasso(alpha)
    tensor = tinyreg.tensor(w, requires_grad=True)
    total = pen(tensor)
    assert total.item() == pytest.approx(pen.value(w), rel=2 * gamma(w.size + 2))
    total.backward()
    rows = group_rows(w)
    expected = alpha * rows / np.linalg.norm(rows, axis=1, keepdims=True)
    np.testing.assert_allclose(tensor.grad, expected.reshape(w.shape), rtol=gamma(w.size + 4))


def test_group_lasso_can_be_differentiated_twice():
    """The Hessian of alpha·‖w_g‖ is alpha·(I − uuᵀ)/‖w_g‖ per group (u = w_g/‖w_g‖);
    a zero group has subgradient 0 and a finite (zero) second derivative."""
    w = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 0.0]])
    pen = penalties.GroupLasso(0.5)
    assert tinyreg.gradcheck(lambda a: pen(a), [w[[0, 2]]])
    assert tinyreg.gradgradcheck(lambda a: pen(a), [w[[0, 2]]])
    x = tinyreg.tensor(w, requires_grad=True)
    (g,) = tinyreg.autograd.grad(pen(x), [x], create_graph=True)
    np.testing.assert_allclose(g.data, [[0.3, 0.4], [0.0, 0.0], [-0.5, 0.0]], rtol=4 * EPS)
    v = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    (hv,) = tinyreg.autograd.grad((g * tinyreg.tensor(v)).sum(), [x])
    u = np.array([0.6, 0.8])
    expected = [0.5 * (v[0] - u * (u @ v[0])) / 5.0, [0.0, 0.0], [0.0, 0.5]]
    np.testing.assert_allclose(hv, expected, rtol=8 * EPS, atol=8 * EPS)


def test_group_lasso_repr_and_bad_alpha():
    assert repr(penalties.GroupLasso(0.25)) == "GroupLasso(alpha=0.25)"
    for bad in (-0.1, float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            penalties.GroupLasso(bad)


# ---------------------------------------------------------------------------
# Calling a penalty: a differentiable Tensor to add to a loss
# ---------------------------------------------------------------------------


@given(
    ws=st.lists(arrays(avoid=(0.0,), margin=0.05), min_size=1, max_size=3),
    alpha=POSITIVE_ALPHAS,
    ratio=RATIOS,
)
def test_calling_a_penalty_gives_sum_of_values_and_the_subgradient(ws, alpha, ratio):
    for pen in all_penalties(alpha, ratio):
        tensors = [tinyreg.tensor(w, requires_grad=True) for w in ws]
        total = pen(tensors)
        assert isinstance(total, tinyreg.Tensor)
        assert total.shape == ()
        expected_total = sum(pen.value(w) for w in ws)
        assert total.item() == pytest.approx(expected_total, rel=2 * gamma(len(ws) + 1), abs=1e-300)
        total.backward()
        for w, tensor in zip(ws, tensors, strict=True):
            expected = pen.grad(w)
            if not isinstance(pen, penalties.L2):
                l1_part = alpha * (ratio if isinstance(pen, penalties.ElasticNet) else 1.0)
                expected = expected + l1_part * np.sign(w)
            # g·subgradient with g = 1, against the same sum: a rounding or two
            np.testing.assert_allclose(tensor.grad, expected, rtol=2 * EPS, atol=0)


@given(
    ws=shapes(max_dims=2, max_side=3).flatmap(
        lambda s: st.tuples(*(arrays(s, avoid=(0.0,), margin=0.05) for _ in range(2)))
    ),
    alpha=POSITIVE_ALPHAS,
    ratio=RATIOS,
)
def test_penalty_tensor_passes_gradcheck_away_from_zero(ws, alpha, ratio):
    for pen in all_penalties(alpha, ratio):
        assert gradcheck(lambda a, b, pen=pen: pen([a, b]), list(ws))
        assert gradcheck(lambda a, pen=pen: pen(a), [ws[0]])


def test_calling_a_penalty_on_a_module_skips_biases():
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    pen = penalties.L2(0.7)
    weights = [model[0].weight, model[2].weight]
    expected = sum(0.35 * np.sum(w.data**2) for w in weights)
    total = pen(model)
    rel = 2 * gamma(sum(w.size for w in weights) + 2)  # a sum of 20 squares, either way
    assert total.item() == pytest.approx(expected, rel=rel)
    total.backward()
    for w in weights:
        np.testing.assert_allclose(w.grad, 0.7 * w.data, rtol=EPS)
    assert model[0].bias.grad is None
    assert model[2].bias.grad is None
    # a bias marked for regularization is included
    model[0].bias.regularize = True
    with_bias = expected + 0.35 * np.sum(model[0].bias.data ** 2)
    assert pen(model).item() == pytest.approx(with_bias, rel=2 * gamma(24 + 2))


def test_l1_in_the_loss_adds_alpha_sign_to_the_gradient():
    w = tinyreg.tensor([[-2.0, 0.5], [3.0, -0.25]], requires_grad=True)
    x = tinyreg.tensor([[1.0, 2.0]])
    loss = (x @ w).sum() + penalties.L1(0.3)(w)
    loss.backward()
    expected = np.array([[1.0, 1.0], [2.0, 2.0]]) + 0.3 * np.sign(w.data)
    np.testing.assert_allclose(w.grad, expected, rtol=EPS)  # small integers, then one sum


# ---------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: penalties.L2(-0.1), "alpha"),
        (lambda: penalties.L1(-1.0), "alpha"),
        (lambda: penalties.ElasticNet(-1.0, 0.5), "alpha"),
        (lambda: penalties.L2(float("nan")), "alpha"),
        (lambda: penalties.L1(float("nan")), "alpha"),
        (lambda: penalties.ElasticNet(float("nan"), 0.5), "alpha"),
        (lambda: penalties.ElasticNet(1.0, 1.5), "l1_ratio"),
        (lambda: penalties.ElasticNet(1.0, -0.1), "l1_ratio"),
        (lambda: penalties.ElasticNet(1.0, float("nan")), "l1_ratio"),
    ],
)
def test_bad_penalty_arguments_raise_value_error_naming_them(make, name):
    with pytest.raises(ValueError, match=name):
        make()


# ---------------------------------------------------------------------------
# User-defined penalties through the protocol
# ---------------------------------------------------------------------------


class LargestStepGroupLasso(penalties.Penalty):
    """alpha·Σ_groups ‖w_group‖₂ on a 2-D weight; groups are its rows (or columns).

    grad = 0 (all non-smooth); prox is the block soft threshold: each group
    scaled by max(0, 1 − t·alpha/‖group‖). ``groups="columns"`` groups the
    columns of a Linear weight (out, in), i.e. one group per *input feature*
    across all outputs (scikit-learn's MultiTaskLasso). With an array t
    (Adam's, one step per coordinate) each group takes the largest step of
    its coordinates.
    """

    def __init__(self, alpha: float, groups: str = "rows") -> None:
        self.alpha = alpha
        self.axis = 1 if groups == "rows" else 0  # the axis the norm runs along

    def _norms(self, w: np.ndarray) -> np.ndarray:
        return np.sqrt(np.sum(w * w, axis=self.axis, keepdims=True))

    def value(self, w):
        return self.alpha * float(np.sum(self._norms(w)))

    def grad(self, w):
        return np.zeros_like(w)

    def prox(self, w, t):
        t = np.max(np.broadcast_to(t, w.shape), axis=self.axis, keepdims=True)  # one per group
        norms = self._norms(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(norms > 0, np.maximum(0.0, 1.0 - t * self.alpha / norms), 0.0)
        return w * scale

    def subgradient(self, w):
        norms = self._norms(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(norms > 0, self.alpha * w / norms, 0.0)


class MaxNorm(penalties.Penalty):
    """The constraint ‖w_row‖₂ ≤ c (value 0 inside, inf outside); prox = projection."""

    def __init__(self, c: float) -> None:
        self.c = c

    def value(self, w):
        return 0.0 if np.all(np.linalg.norm(w, axis=-1) <= self.c * (1 + 1e-12)) else math.inf

    def grad(self, w):
        return np.zeros_like(w)

    def prox(self, w, t):
        norms = np.linalg.norm(w, axis=-1, keepdims=True)
        return w * np.minimum(1.0, self.c / np.maximum(norms, 1e-300))


@given(
    w=arrays(st.tuples(st.integers(1, 4), st.integers(1, 4))),
    alpha=POSITIVE_ALPHAS,
    t=st.floats(0.01, 3.0),
)
def test_group_lasso_prox_is_the_block_soft_threshold_and_its_argmin(w, alpha, t):
    pen = LargestStepGroupLasso(alpha)
    z = pen.prox(w, t)
    for row, z_row in zip(w, z, strict=True):
        norm = np.linalg.norm(row)
        # two routes to ‖row‖ differ by γ_k; 1 − t·alpha/‖row‖ cancels near the threshold, so
        # bound the error absolutely: |row|·(k + 4)·eps
        k = len(row)
        if norm <= t * alpha:
            assert np.all(z_row == 0.0)
            # optimality of 0: the block's subdifferential ball contains w/t
            assert norm / t <= alpha * (1 + (k + 4) * EPS)
        else:
            expected = row * (1 - t * alpha / norm)
            assert np.all(np.abs(z_row - expected) <= (k + 4) * EPS * np.abs(row))
            # optimality: (z − w)/t + alpha·z/‖z‖ = 0, up to the rounding of z − w over t
            resid = (z_row - row) / t + alpha * z_row / np.linalg.norm(z_row)
            bound = 4 * (k + 4) * EPS * (np.abs(row).max() / t + alpha)
            assert np.all(np.abs(resid) <= bound)


@given(
    w_and_t=st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
        lambda s: st.tuples(arrays(s), arrays(s, min_value=0.01))
    ),
    alpha=POSITIVE_ALPHAS,
    groups=st.sampled_from(["rows", "columns"]),
)
def test_group_lasso_prox_with_an_array_t_takes_each_groups_largest_step(w_and_t, alpha, groups):
    w, t = w_and_t
    pen = LargestStepGroupLasso(alpha, groups)
    z = pen.prox(w, t)
    for k in range(w.shape[0] if groups == "rows" else w.shape[1]):
        group = (k, slice(None)) if groups == "rows" else (slice(None), k)
        # the block soft threshold of the test above, with the group's largest step
        np.testing.assert_array_equal(z[group], pen.prox(w, float(t[group].max()))[group])


def test_group_lasso_plugs_into_adam_and_zeroes_whole_groups():
    """Adam passes an array t; the group lasso still zeroes whole columns."""
    X, Y, W_true, _ = _multitask_problem()
    tinyreg.manual_seed(0)
    model = nn.Linear(X.shape[1], Y.shape[1])
    pen = LargestStepGroupLasso(0.1, groups="columns")
    opt = optim.Adam(model.parameters(), lr=0.05, penalty=pen)
    Xt, Yt = tinyreg.tensor(X), tinyreg.tensor(Y)
    for _ in range(300):
        opt.zero_grad()
        (0.5 * F.mse_loss(model(Xt), Yt)).backward()
        opt.step()
    W = model.weight.data
    irrelevant = ~np.any(W_true, axis=0)
    assert np.all(W[:, irrelevant] == 0.0)  # whole columns, exactly
    assert np.all(np.linalg.norm(W[:, ~irrelevant], axis=0) > 0.5)


def _multitask_problem():
    rng = np.random.default_rng(7)
    n, p, k = 80, 6, 3
    X = rng.standard_normal((n, p))
    W_true = np.zeros((k, p))
    W_true[:, [0, 2, 5]] = rng.uniform(1.0, 2.0, (k, 3)) * rng.choice([-1.0, 1.0], (k, 3))
    Y = X @ W_true.T + 0.3 + 0.05 * rng.standard_normal((n, k))
    Xa = np.hstack([X, np.ones((n, 1))])
    lipschitz = np.linalg.eigvalsh(Xa.T @ Xa / n).max()
    return X, Y, W_true, lipschitz


def _converged_floor(X, Y, R, steps):
    """Proximal gradient with lr = 1/L contracts the error by 1 − μ/L per step: after
    ``steps`` nothing is left but rounding, about κ·eps times the size of the residuals
    and data (a margin of 100 over it)."""
    Xa = np.hstack([X, np.ones((len(X), 1))])
    eigenvalues = np.linalg.eigvalsh(Xa.T @ Xa / len(X))
    kappa = eigenvalues[-1] / eigenvalues[0]
    assert (1 - 1 / kappa) ** steps < 1e-30
    return 100 * kappa * EPS * np.abs(Xa).max() * (np.abs(Y).max() + np.abs(R).max())


def _fit(X, Y, penalty, lr, steps):
    n, p = X.shape
    tinyreg.manual_seed(0)
    model = nn.Linear(p, Y.shape[1])
    opt = optim.SGD(model.parameters(), lr=lr, penalty=penalty)
    Xt, Yt = tinyreg.tensor(X), tinyreg.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(Xt), Yt, reduction="sum") / (2 * n)
        loss.backward()
        opt.step()
    return model


def test_group_lasso_plugs_into_sgd_and_zeroes_whole_groups():
    """Columns of a Linear weight = input features: the irrelevant ones are zeroed as a block."""
    X, Y, W_true, lipschitz = _multitask_problem()
    alpha = 0.1
    model = _fit(X, Y, LargestStepGroupLasso(alpha, groups="columns"), lr=1 / lipschitz, steps=400)
    W, b = model.weight.data, model.bias.data
    irrelevant = ~np.any(W_true, axis=0)
    assert np.all(W[:, irrelevant] == 0.0)  # exact zeros, whole columns
    assert np.all(np.linalg.norm(W[:, ~irrelevant], axis=0) > 0.5)
    # optimality (block KKT) of (1/(2n))‖Y − XWᵀ − b‖² + alpha·Σ_j ‖W[:, j]‖
    n = X.shape[0]
    R = Y - X @ W.T - b
    G = -(R.T @ X) / n  # gradient of the data term with respect to W
    floor = _converged_floor(X, Y, R, steps=400)
    np.testing.assert_allclose(R.mean(axis=0), 0.0, atol=floor)
    for j in range(X.shape[1]):
        if irrelevant[j]:
            assert np.linalg.norm(G[:, j]) <= alpha + floor
        else:
            col = W[:, j]
            np.testing.assert_allclose(G[:, j], -alpha * col / np.linalg.norm(col), atol=floor)


def test_group_lasso_on_rows_zeroes_outputs_unrelated_to_the_inputs():
    """Rows of a Linear weight = outputs: a target that is pure noise gets an all-zero row."""
    X, Y, _, lipschitz = _multitask_problem()
    rng = np.random.default_rng(8)
    Y = np.hstack([Y, 0.1 * rng.standard_normal((X.shape[0], 1))])  # output 3: noise
    model = _fit(X, Y, LargestStepGroupLasso(0.1), lr=1 / lipschitz, steps=400)
    W = model.weight.data
    assert np.all(W[3] == 0.0)
    assert np.all(np.linalg.norm(W[:3], axis=1) > 0.5)
    # the unpenalized bias still fits the noise target's mean
    floor = _converged_floor(X, Y, Y - model(tinyreg.tensor(X)).data, steps=400)
    assert model.bias.data[3] == pytest.approx(Y[:, 3].mean(), abs=floor)


def test_group_lasso_value_and_subgradient_through_autograd():
    w = np.array([[3.0, 4.0], [0.6, -0.8]])
    pen = LargestStepGroupLasso(0.5)
    assert pen.value(w) == pytest.approx(0.5 * (5.0 + 1.0), rel=4 * EPS)  # ‖(0.6, −0.8)‖ ≈ 1
    assert gradcheck(pen, [w])


def test_max_norm_constraint_keeps_rows_within_the_bound():
    X, Y, _, lipschitz = _multitask_problem()
    c = 1.0
    n, p = X.shape
    tinyreg.manual_seed(0)
    model = nn.Linear(p, Y.shape[1])
    opt = optim.SGD(model.parameters(), lr=1 / lipschitz, momentum=0.5, penalty=MaxNorm(c))
    Xt, Yt = tinyreg.tensor(X), tinyreg.tensor(Y)
    for _ in range(200):
        opt.zero_grad()
        (F.mse_loss(model(Xt), Yt, reduction="sum") / (2 * n)).backward()
        opt.step()
        # a projected row has norm c up to the rounding of its norm (γ_p) and of the scaling
        assert np.all(np.linalg.norm(model.weight.data, axis=1) <= c * (1 + gamma(p + 4)))
    # the constraint is active (the unconstrained fit has rows of norm > 2): every step
    # pushes the rows out and projects them back onto the sphere
    norms = np.linalg.norm(model.weight.data, axis=1)
    np.testing.assert_allclose(norms, c, rtol=gamma(p + 4))
    assert MaxNorm(c).value(model.weight.data) == 0.0


def test_duck_typed_penalty_without_subclassing_plugs_in():
    """Any object with grad(w) and prox(w, t) works as an optimizer penalty."""

    class HalveAfterStep:
        def grad(self, w):
            return np.ones_like(w)

        def prox(self, w, t):
            return w / 2

    p = nn.Parameter(np.array([4.0, -2.0]))
    p.grad = np.array([1.0, 1.0])
    optim.SGD([p], lr=0.5, penalty=HalveAfterStep()).step()
    np.testing.assert_array_equal(p.data, (np.array([4.0, -2.0]) - 0.5 * 2.0) / 2)


def test_the_bare_protocol_asks_for_its_methods():
    bare, w = penalties.Penalty(), np.ones(3)
    for call in (lambda: bare.value(w), lambda: bare.grad(w), lambda: bare.prox(w, 0.1)):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(NotImplementedError):  # subgradient defaults to grad
        bare.subgradient(w)


def test_penalty_of_an_object_with_parameters_but_no_regularize_flags_penalizes_them_all():
    """Only a parameter that says regularize=False is skipped; a duck-typed model whose
    parameters() yields plain tensors has every one of them penalized."""

    class Duck:
        def __init__(self):
            self.w = tinyreg.tensor([1.0, -2.0], requires_grad=True)
            self.b = tinyreg.tensor([3.0], requires_grad=True)

        def parameters(self):
            return iter([self.w, self.b])

    assert float(penalties.L2(1.0)(Duck()).item()) == 0.5 * (1.0 + 4.0 + 9.0)
    assert float(penalties.L1(1.0)(Duck()).item()) == 6.0
