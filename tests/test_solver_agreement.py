"""Gradient training through ``tinyreg.optim`` reaches the solutions of ``tinyreg.linear``.

This ties the autograd half of tinyreg (``nn.Linear``, ``F.mse_loss``,
``backward``, ``optim.SGD`` with a penalty) to its solver half (closed-form
ridge, coordinate-descent lasso and elastic net), on hypothesis-generated
problems with an intercept and columns that are not centred. The training
objective is

    0.5·F.mse_loss(model(X), y) + penalty = (1/(2n))‖y − Xw − b‖² + penalty(w),

and by the alpha conventions of ``tinyreg.linear`` its minimiser is
``Ridge(alpha)`` for ``L2(alpha / n)``, ``Lasso(alpha)`` for ``L1(alpha)``
and ``ElasticNet(alpha, r)`` for ``ElasticNet(alpha, r)``. The non-smooth
penalties are checked with every optimizer that applies their proximal
step -- plain SGD, SGD with momentum or Nesterov momentum, Adam -- down to
the exact zeros.

Training stops on its own evidence -- when a step no longer moves (w, b) --
never on the distance to the reference, and the result is then compared
with the reference. The step size 1/L and the momentum come from the
Hessian of the objective in (w, b), computed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinyreg
from tinyreg import functional as F
from tinyreg import nn, optim, penalties
from tinyreg.linear import ElasticNet, Lasso, Ridge

MAX_ITER = 20_000


def hessian_bounds(X: np.ndarray, l2: float) -> tuple[float, float]:
    """Largest and smallest eigenvalue of the Hessian of (1/(2n))‖y − Xw − b‖² + (l2/2)‖w‖²."""
    n, p = X.shape
    A = np.column_stack([X, np.ones(n)])
    H = A.T @ A / n
    H[np.arange(p), np.arange(p)] += l2
    eig = np.linalg.eigvalsh(H)
    return float(eig[-1]), float(eig[0])


def make_problem(seed: int, n: int, p: int, sparse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian X with column means in [-1, 1]; y = Xw + b + noise (half of w zero if sparse)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1.0, 1.0, p)
    w = rng.choice([-1.0, 1.0], p) * rng.uniform(0.5, 2.0, p)
    if sparse:
        w[rng.permutation(p)[: p // 2]] = 0.0
    y = X @ w + rng.uniform(-2.0, 2.0) + 0.5 * rng.standard_normal(n)
    return X, y


def train(X, y, make_optimizer, *, kappa: float, loss_extra=None) -> tuple[np.ndarray, float, int]:
    """Full-batch training of ``nn.Linear(p, 1)`` until a step stops moving (w, b).

    With linear convergence, the distance to the minimiser is at most about
    κ times the length of the last step (for gradient descent with lr = 1/L
    exactly so), so stopping at a step of 1e-10/κ relative leaves a margin
    of two orders of magnitude below the 1e-6 the tests ask for.
    """
    p = X.shape[1]
    model = nn.Linear(p, 1, generator=np.random.default_rng(0))
    opt = make_optimizer(model.parameters())
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    weight, bias = model.weight.data, model.bias.data
    previous = np.append(weight[0], bias)
    threshold = 1e-10 / kappa
    for it in range(1, MAX_ITER + 1):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(model(Xt), yt)
        if loss_extra is not None:
            loss = loss + loss_extra(model)
        loss.backward()
        opt.step()
        current = np.append(weight[0], bias)
        if np.linalg.norm(current - previous) <= threshold * max(np.linalg.norm(current), 1.0):
            return weight[0].copy(), float(bias[0]), it
        previous = current
    raise AssertionError(f"training did not settle in {MAX_ITER} steps (κ = {kappa:.3g})")


def relative_error(w, b, ref_w, ref_b) -> float:
    target = np.append(ref_w, ref_b)
    return float(np.linalg.norm(np.append(w, b) - target) / np.linalg.norm(target))


# ---------------------------------------------------------------------------
# Ridge: SGD with momentum or Nesterov and L2(alpha / n)
# ---------------------------------------------------------------------------


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 40),
    p=st.integers(1, 30),  # p > n included: the ridge solution is unique for alpha > 0
    alpha=st.floats(0.1, 10.0),
    nesterov=st.booleans(),
)
def test_sgd_with_l2_reaches_closed_form_ridge(seed, n, p, alpha, nesterov):
    X, y = make_problem(seed, n, p)
    ref = Ridge(alpha).fit(X, y)
    L, mu = hessian_bounds(X, alpha / n)
    kappa = L / mu
    momentum = (math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)
    if momentum == 0.0:
        momentum, nesterov = 0.1, False  # κ = 1 (p = 1 and a lucky draw): plain momentum then

    def make_optimizer(params):
        return optim.SGD(
            params,
            lr=1.0 / L,
            momentum=momentum,
            nesterov=nesterov,
            penalty=penalties.L2(alpha / n),
        )

    w, b, _ = train(X, y, make_optimizer, kappa=kappa)
    assert relative_error(w, b, ref.coef_, ref.intercept_) <= 1e-6


# ---------------------------------------------------------------------------
# Lasso and elastic net: the proximal step of the penalty, after SGD (with or
# without momentum) or Adam
# ---------------------------------------------------------------------------


def _well_posed_sparse_problem(seed, n, p, alpha_fraction, l1_ratio):
    """A problem whose (unique, n > p) solution has a clear zero pattern, its reference and alpha.

    Clear: every zero coefficient has |∂_j smooth part| below its threshold
    by a margin, and every nonzero coefficient is not tiny -- so "the same
    exact zeros" is a well-posed question at the 1e-6 level.
    """
    X, y = make_problem(seed, n, p, sparse=True)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha = alpha_fraction * float(np.max(np.abs(Xc.T @ yc))) / (n * l1_ratio)
    ref = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
    w = ref.coef_
    correlation = np.abs(Xc.T @ (yc - Xc @ w)) / n  # |∂_j of the data term|
    zero = w == 0
    assume(np.all(correlation[zero] <= 0.99 * alpha * l1_ratio))
    assume(np.all(np.abs(w[~zero]) >= 1e-3 * max(np.abs(w).max(), 1e-300)))
    return X, y, alpha, ref


def proximal_optimizer(method: str, penalty, L: float, kappa: float):
    """An optimizer factory: plain SGD, momentum or Nesterov (lr = 1/L, tuned momentum), or Adam.

    Each applies the penalty's proximal step with its own settled step size
    (lr, lr/(1 − momentum), or Adam's per-coordinate lr/(√v̂ + eps)), which
    is what makes its fixed point the exact minimiser.
    """
    momentum = (math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)
    if method == "adam":
        return lambda params: optim.Adam(params, lr=0.05, penalty=penalty)
    if method == "sgd" or momentum == 0.0:
        return lambda params: optim.SGD(params, lr=1.0 / L, penalty=penalty)
    nesterov = method == "nesterov"
    return lambda params: optim.SGD(
        params, lr=1.0 / L, momentum=momentum, nesterov=nesterov, penalty=penalty
    )


METHODS = st.sampled_from(["sgd", "momentum", "nesterov", "adam"])


@given(
    seed=st.integers(0, 2**32 - 1),
    p=st.integers(2, 8),
    extra=st.integers(10, 50),
    alpha_fraction=st.floats(0.05, 0.7),
    method=METHODS,
)
def test_proximal_l1_training_reaches_coordinate_descent_lasso(
    seed, p, extra, alpha_fraction, method
):
    n = p + extra
    X, y, alpha, ref = _well_posed_sparse_problem(seed, n, p, alpha_fraction, 1.0)
    lasso = Lasso(alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_array_equal(lasso.coef_, ref.coef_)  # Lasso is ElasticNet(l1_ratio=1)
    L, mu = hessian_bounds(X, 0.0)
    make_optimizer = proximal_optimizer(method, penalties.L1(alpha), L, L / mu)
    w, b, _ = train(X, y, make_optimizer, kappa=L / mu)
    assert relative_error(w, b, lasso.coef_, lasso.intercept_) <= 1e-6
    np.testing.assert_array_equal(w == 0, lasso.coef_ == 0)  # the proximal step: exact zeros


@given(
    seed=st.integers(0, 2**32 - 1),
    p=st.integers(2, 8),
    extra=st.integers(10, 50),
    alpha_fraction=st.floats(0.05, 0.7),
    l1_ratio=st.floats(0.1, 0.9),
    method=METHODS,
)
def test_proximal_elastic_net_training_reaches_elastic_net(
    seed, p, extra, alpha_fraction, l1_ratio, method
):
    n = p + extra
    X, y, alpha, ref = _well_posed_sparse_problem(seed, n, p, alpha_fraction, l1_ratio)
    L, mu = hessian_bounds(X, alpha * (1.0 - l1_ratio))
    penalty = penalties.ElasticNet(alpha, l1_ratio)
    w, b, _ = train(X, y, proximal_optimizer(method, penalty, L, L / mu), kappa=L / mu)
    assert relative_error(w, b, ref.coef_, ref.intercept_) <= 1e-6
    np.testing.assert_array_equal(w == 0, ref.coef_ == 0)


def test_l1_through_autograd_reaches_no_exact_zeros_where_the_prox_does():
    """The contrast the design promises: L1 added to the loss is a subgradient method."""
    X, y = make_problem(1, 60, 6, sparse=True)
    alpha = 0.3
    ref = Lasso(alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    assert np.sum(ref.coef_ == 0) >= 2
    L, mu = hessian_bounds(X, 0.0)
    prox_w, _, steps = train(
        X, y, lambda ps: optim.SGD(ps, lr=1.0 / L, penalty=penalties.L1(alpha)), kappa=L / mu
    )
    np.testing.assert_array_equal(prox_w == 0, ref.coef_ == 0)

    model = nn.Linear(6, 1, generator=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=1.0 / L)
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * F.mse_loss(model(Xt), yt) + penalties.L1(alpha)(model)).backward()
        opt.step()
    subgradient_w = model.weight.data[0]
    assert np.all(subgradient_w != 0)
    # near the lasso solution, but the zeros are only small oscillating values
    assert np.max(np.abs(subgradient_w - ref.coef_)) < 10 * alpha / L


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_does_not_rescale_the_l1_penalty(nesterov):
    """With momentum m the update settles at lr/(1 − m) per unit of gradient.

    A proximal step of lr·alpha after it would make the fixed point the lasso
    for alpha·(1 − m) -- alpha/10 at m = 0.9. The prox must use the settled step.
    """
    X, y = make_problem(3, 80, 6, sparse=True)
    alpha, momentum = 0.2, 0.9
    ref = Lasso(alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    wrong = Lasso(alpha * (1 - momentum), tol=1e-12, max_iter=100_000).fit(X, y)
    L, mu = hessian_bounds(X, 0.0)

    def make_optimizer(params):
        return optim.SGD(
            params, lr=1.0 / L, momentum=momentum, nesterov=nesterov, penalty=penalties.L1(alpha)
        )

    w, b, _ = train(X, y, make_optimizer, kappa=L / mu)
    assert relative_error(w, b, ref.coef_, ref.intercept_) <= 1e-6
    np.testing.assert_array_equal(w == 0, ref.coef_ == 0)
    assert relative_error(w, b, wrong.coef_, wrong.intercept_) > 1e-2
