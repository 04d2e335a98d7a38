"""Derivatives of derivatives: create_graph, tinyreg.grad, analytic second derivatives,
layers, losses and penalties to any order, and the regularization identities that
second derivatives make checkable.

Per-op second derivatives are checked over the whole registry in ``test_ops.py``, the
``tinyreg.func`` transforms in ``test_func.py`` and ``gradgradcheck`` itself in
``test_gradcheck.py``; the tests here are about the machinery and about analytic results.

Tolerances. Derivatives from recorded backward passes are compared with their closed
forms to ``DERIVATIVE_RTOL`` (justified in ``_tolerances.py``). Comparisons with finite
differences go through ``gradcheck``/``gradgradcheck``, whose tolerances are justified
in ``tinyreg/gradcheck.py``.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from _tolerances import DERIVATIVE_RTOL as RTOL
from hypothesis import given
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg import func, nn, penalties
from tinyreg import functional as F
from tinyreg.linear import Ridge
from tinyreg.testing import arrays


def _hessian_by_rows(f, x):
    """The Hessian of scalar f at x, one create_graph gradient and one row per element."""
    x = tr.tensor(x, requires_grad=True)
    (g,) = tr.grad(f(x), x, create_graph=True)
    if not g.requires_grad:  # the gradient is a constant (relu's masks, L1's signs)
        return np.zeros((x.size, x.size))
    rows = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        (row,) = tr.grad(g, x, e.reshape(x.shape), retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.size) if row is None else row.data.ravel())
    return np.array(rows)


# ---------------------------------------------------------------------------
# tinyreg.grad and backward(create_graph=True)
# ---------------------------------------------------------------------------


def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x * w).sum() + (x**3).sum()
    gx, gw = tr.grad(y, [x, w])
    np.testing.assert_allclose(gx.data, w.data + 3 * x.data**2, rtol=RTOL)
    np.testing.assert_array_equal(gw.data, x.data)
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad and not gw.requires_grad  # create_graph=False: constants


def test_grad_of_a_single_tensor_returns_a_one_tuple_and_takes_a_single_grad_output():
    x = tr.tensor([1.0, -2.0], requires_grad=True)
    (g,) = tr.grad(x * 3.0, x, np.array([1.0, 10.0]))
    np.testing.assert_array_equal(g.data, [3.0, 30.0])


def test_grad_with_respect_to_an_intermediate_tensor():
    x = tr.tensor([0.3, -0.7], requires_grad=True)
    h = x.tanh()
    y = (h * h).sum()
    gh, gx = tr.grad(y, [h, x])
    np.testing.assert_allclose(gh.data, 2 * np.tanh(x.data), rtol=RTOL)
    np.testing.assert_allclose(gx.data, 2 * np.tanh(x.data) * (1 - np.tanh(x.data) ** 2), rtol=RTOL)


def test_grad_sums_over_several_outputs_with_their_grad_outputs():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tr.grad([x * 2.0, (x * x).sum()], x, [np.array([1.0, -1.0]), None])
    np.testing.assert_array_equal(g.data, [2.0 + 2.0, -2.0 + 4.0])


def test_backward_create_graph_makes_dot_grad_a_tensor_that_can_be_differentiated():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert isinstance(x.grad, tr.Tensor) and x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])
    first = x.grad
    x.grad = None  # the gradient graph stays alive through `first`
    first.sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 12.0])  # d/dx Σ 3x² = 6x
    assert isinstance(x.grad, np.ndarray)


def test_create_graph_accumulates_out_of_place_into_a_recorded_sum():
    x = tr.tensor([2.0], requires_grad=True)
    y = x**2
    y.backward(create_graph=True)  # retain_graph defaults to create_graph
    y.backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, [8.0])
    (h,) = tr.grad(x.grad.sum(), x)
    np.testing.assert_array_equal(h.data, [4.0])


def test_without_create_graph_gradients_do_not_require_grad():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward()
    assert isinstance(x.grad, np.ndarray)
    (g,) = tr.grad((x**3).sum(), x)
    assert not g.requires_grad and g.is_leaf


def test_create_graph_works_inside_no_grad():
    """As in PyTorch, create_graph decides whether the backward pass is recorded."""
    x = tr.tensor([1.5], requires_grad=True)
    y = x**3
    with tr.no_grad():
        (g,) = tr.grad(y, x, create_graph=True)
    assert g.requires_grad
    (h,) = tr.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, [6 * 1.5], rtol=RTOL)


def test_a_grad_output_that_requires_grad_stays_in_the_graph():
    """The double-VJP trick: uᵀJ is linear in u, and its gradient in u is J v."""
    x = tr.tensor([0.5, 1.5], requires_grad=True)
    u = tr.tensor([0.0, 0.0], requires_grad=True)
    (vjp,) = tr.grad(x * x, x, u, create_graph=True)  # = 2x·u
    (jv,) = tr.grad((vjp * np.array([1.0, -1.0])).sum(), u)
    np.testing.assert_array_equal(jv.data, [1.0, -3.0])  # J = diag(2x)


def test_second_backward_through_a_freed_graph_is_still_a_clear_error():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    (g,) = tr.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match=r"second time.*freed.*retain_graph=True"):
        tr.grad(g.sum(), x)


# -- errors ---------------------------------------------------------------------------


def test_grad_with_an_unused_input_needs_allow_unused():
    x = tr.tensor([1.0], requires_grad=True)
    z = tr.tensor([1.0], requires_grad=True)
    y = (x * 2.0).sum()
    with pytest.raises(
        RuntimeError, match=r"outputs do not depend on inputs\[1\].*allow_unused=True"
    ):
        tr.grad(y, [x, z], retain_graph=True)
    gx, gz = tr.grad(y, [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_array_equal(gx.data, [2.0])


def test_grad_of_a_non_scalar_output_needs_grad_outputs():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element output.*\(2,\).*grad_outputs\[0\]"):
        tr.grad(x * 2.0, x)


def test_grad_outputs_of_the_wrong_shape():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\).*\(2,\)"):
        tr.grad(x * 2.0, x, np.ones(3))


def test_grad_needs_inputs_and_outputs_that_require_grad():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    c = tr.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        tr.grad((x * c).sum(), c)
    with pytest.raises(RuntimeError, match=r"outputs\[0\].*does not require grad"):
        tr.grad(c.sum(), x)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Tensor"):
        tr.grad((x * 2.0).sum(), [np.ones(2)])


def test_an_op_without_vjps_says_so():
    @tr.op
    def forgotten(x):
        return 2 * x

    assert not forgotten(np.ones(2)).requires_grad  # fine on constants
    with pytest.raises(TypeError, match=r"'forgotten' has no VJPs.*forgotten\.defvjp"):
        forgotten(tr.tensor([1.0], requires_grad=True))
    with pytest.raises(TypeError, match=r"defvjp\(\) takes 1 VJP"):
        forgotten.defvjp(None, None)


# ---------------------------------------------------------------------------
# Analytic second and third derivatives
# ---------------------------------------------------------------------------

VALUES = np.array([-1.3, -0.2, 0.4, 1.7])

SECOND_DERIVATIVES = {
    "x³": (lambda x: x**3, lambda x: 6 * x),
    "exp": (lambda x: x.exp(), np.exp),
    "tanh": (lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s),
    ),
    "log(1 + x²)": (lambda x: (1.0 + x * x).log(), lambda x: 2 * (1 - x * x) / (1 + x * x) ** 2),
    "sqrt(1 + x²)": (lambda x: (1.0 + x * x).sqrt(), lambda x: (1 + x * x) ** -1.5),
    "1/(2 + x)": (lambda x: 1.0 / (2.0 + x), lambda x: 2 / (2 + x) ** 3),
    "2^x": (lambda x: 2.0**x, lambda x: np.log(2) ** 2 * 2**x),
    "relu (0 a.e.)": (lambda x: x.relu() * 3.0, lambda x: 0 * x),
    "|x| (0 a.e.)": (lambda x: abs(x), lambda x: 0 * x),
    "clip (0 a.e.)": (lambda x: x.clip(-1.0, 1.0), lambda x: 0 * x),
}


@pytest.mark.parametrize("name", SECOND_DERIVATIVES)
def test_elementwise_second_derivatives_match_their_formulas(name):
    f, second = SECOND_DERIVATIVES[name]
    hessian = _hessian_by_rows(lambda x: f(x).sum(), VALUES)
    np.testing.assert_allclose(hessian, np.diag(second(VALUES)), rtol=RTOL, atol=1e-15)


def test_softmax_and_logsumexp_hessians():
    """∇² logsumexp(x) = diag(p) − ppᵀ with p = softmax(x); the Jacobian of softmax is the same."""
    x = np.array([0.3, -1.2, 2.0, 0.1])
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    expected = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(func.hessian(tr.logsumexp)(x).data, expected, rtol=RTOL, atol=1e-16)
    np.testing.assert_allclose(func.jacobian(tr.softmax)(x).data, expected, rtol=RTOL, atol=1e-16)
    second = func.hessian(lambda t: t.log_softmax()[1])(x).data
    np.testing.assert_allclose(second, -expected, rtol=RTOL, atol=1e-16)


def test_mixed_partials():
    """f(x, y) = x²y³ + sin-free polynomial: ∂²f/∂x∂y = 6xy², and the order does not matter."""
    a, b = 1.3, -0.7
    x = tr.tensor(a, requires_grad=True)
    y = tr.tensor(b, requires_grad=True)
    f = x**2 * y**3 + x * y
    gx, gy = tr.grad(f, [x, y], create_graph=True)
    (dxy,) = tr.grad(gx, y, retain_graph=True)
    (dyx,) = tr.grad(gy, x, retain_graph=True)
    dxx, dyy = tr.grad(gx, x, retain_graph=True)[0], tr.grad(gy, y)[0]
    assert dxy.item() == pytest.approx(6 * a * b**2 + 1, rel=RTOL)
    assert dyx.item() == pytest.approx(6 * a * b**2 + 1, rel=RTOL)
    assert dxx.item() == pytest.approx(2 * b**3, rel=RTOL)
    assert dyy.item() == pytest.approx(6 * a**2 * b, rel=RTOL)


def test_mixed_partials_of_a_matrix_product():
    """f(A, B) = Σ(AB)²: ∂f/∂A = 2(AB)Bᵀ, so ⟨∂f/∂A, U⟩ = 2 tr(UᵀABBᵀ), whose gradient in B
    is 2(UᵀA + AᵀU)B."""
    rng = np.random.default_rng(0)
    A0, B0, U = (rng.standard_normal(s) for s in [(2, 3), (3, 4), (2, 3)])
    A, B = tr.tensor(A0, requires_grad=True), tr.tensor(B0, requires_grad=True)
    (gA,) = tr.grad(((A @ B) ** 2).sum(), A, create_graph=True)
    (gB,) = tr.grad((gA * U).sum(), B)
    np.testing.assert_allclose(gB.data, 2 * (U.T @ A0 + A0.T @ U) @ B0, rtol=RTOL)


@given(x=arrays((4,), min_value=-2.0, max_value=2.0))
def test_hessians_are_symmetric(x):
    h = func.hessian(lambda t: t.tanh() @ t.sigmoid() + (t * t).logsumexp())(x).data
    # H[i, j] and H[j, i] are computed along different paths: equal to rounding
    np.testing.assert_allclose(h, h.T, rtol=RTOL, atol=1e-14)


@given(st.floats(-2, 2), st.floats(-2, 2))
def test_third_derivative_of_a_product(a, b):
    """∂³(x²y)/∂x²∂y = 2 through three nested recorded passes."""
    x, y = tr.tensor(a, requires_grad=True), tr.tensor(b, requires_grad=True)
    (gx,) = tr.grad(x * x * y, x, create_graph=True)
    (gxx,) = tr.grad(gx, x, create_graph=True)
    (gxxy,) = tr.grad(gxx, y)
    assert gxxy.item() == 2.0


# ---------------------------------------------------------------------------
# Layers, losses and penalties: differentiable to any order
# ---------------------------------------------------------------------------

LOSSES = {
    "mse_loss": (F.mse_loss, lambda rng: rng.standard_normal((3, 2))),
    "l1_loss": (F.l1_loss, lambda rng: rng.standard_normal((3, 2))),
    "bce_with_logits": (
        F.binary_cross_entropy_with_logits,
        lambda rng: rng.uniform(0.0, 1.0, (3, 2)),
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_losses_are_differentiable_twice(name, reduction):
    loss, target = LOSSES[name]
    rng = np.random.default_rng(1)
    prediction, t = rng.standard_normal((3, 2)), target(rng)
    assert tr.gradgradcheck(lambda p, q: loss(p, q, reduction=reduction), [prediction, t])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_is_differentiable_twice(reduction):
    logits = np.random.default_rng(2).standard_normal((4, 3))
    target = tr.tensor([0, 2, 1, 2])
    assert tr.gradgradcheck(lambda z: F.cross_entropy(z, target, reduction=reduction), [logits])


def test_linear_and_dropout_are_differentiable_twice():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    assert tr.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), [x, w, b])
    generator = np.random.default_rng(0)
    state = generator.bit_generator.state

    def dropped(t):
        generator.bit_generator.state = state  # the same mask at every evaluation
        return F.dropout(t.tanh(), p=0.5, generator=generator)

    assert tr.gradgradcheck(dropped, [x])


@pytest.mark.parametrize(
    "penalty, curvature",
    [
        (penalties.L2(0.3), 0.3),
        (penalties.L1(0.3), 0.0),
        (penalties.ElasticNet(0.3, 0.25), 0.3 * 0.75),
    ],
    ids=repr,
)
def test_penalty_terms_have_their_second_derivatives(penalty, curvature):
    w = np.array([[0.5, -1.0], [2.0, 0.25]])
    assert tr.gradgradcheck(penalty, [w])
    hessian = _hessian_by_rows(penalty, w)
    np.testing.assert_allclose(hessian, curvature * np.eye(4), rtol=RTOL, atol=1e-16)


def test_hessian_of_loss_plus_l2_includes_alpha_times_identity():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))
    model = nn.Linear(3, 1)
    alpha = 0.7
    x0 = model.weight.data.ravel().copy()

    def objective(w):
        return F.mse_loss(tr.tensor(X) @ w.reshape(3, 1) + model.bias, y) + penalties.L2(alpha)(w)

    h = func.hessian(objective)(x0).data
    np.testing.assert_allclose(h, 2 * X.T @ X / 10 + alpha * np.eye(3), rtol=RTOL)


class _NumpyGroupLasso(penalties.Penalty):
    """A user's penalty written in plain numpy (so first-order only)."""

    def value(self, w):
        return float(np.sqrt((w * w).sum()))

    def grad(self, w):
        return np.zeros_like(w)

    def prox(self, w, t):
        return w

    def subgradient(self, w):
        return w / np.sqrt((w * w).sum())


def test_a_numpy_penalty_works_to_first_order_and_refuses_create_graph_by_name():
    w = np.array([3.0, 4.0])
    assert tr.gradcheck(_NumpyGroupLasso(), [w])
    t = tr.tensor(w, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_NumpyGroupLasso.*accepts_tensors = True"):
        tr.grad(_NumpyGroupLasso()(t), t, create_graph=True)


# ---------------------------------------------------------------------------
# Regularization identities
# ---------------------------------------------------------------------------


def _gradient_penalty_example():
    """examples/gradient_penalty.py as a module (its code runs only under ``__main__``)."""
    path = Path(__file__).resolve().parent.parent / "examples" / "gradient_penalty.py"
    sys.path.insert(0, str(path.parent))  # for its ``import _common``
    try:
        spec = importlib.util.spec_from_file_location("gradient_penalty", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _ridge_problem(n=40, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)
    return X, y


def test_hessian_of_the_ridge_objective():
    """(1/(2n))‖y − Xw‖² + (alpha/2)‖w‖² has the constant Hessian XᵀX/n + alpha·I."""
    X, y = _ridge_problem()
    n, p = X.shape
    alpha = 0.3

    def objective(w):
        return 0.5 * F.mse_loss(tr.tensor(X) @ w, tr.tensor(y)) + penalties.L2(alpha)(w)

    h = func.hessian(objective)(np.zeros(p)).data
    # each entry is a sum of n products of O(1) numbers: rounding ~ n·ε relative to ‖XᵀX/n‖
    np.testing.assert_allclose(h, X.T @ X / n + alpha * np.eye(p), rtol=1e-12, atol=1e-13)


def conjugate_gradient(matvec, b, tol=1e-13, max_iter=100):
    """Solve A x = b for symmetric positive definite A given only x ↦ A x."""
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        if math.sqrt(rr) <= tol * np.linalg.norm(b):
            break
        ad = matvec(d)
        step = rr / (d @ ad)
        x += step * d
        r -= step * ad
        rr, previous = r @ r, rr
        d = r + (rr / previous) * d
    return x


def test_one_newton_step_with_hvp_and_cg_is_closed_form_ridge():
    """On a quadratic, one Newton step from anywhere lands on the minimiser: here the ridge
    solution with an unpenalized intercept, which tinyreg.linear.Ridge computes in closed form.

    CG on the p+1 = 6 dimensional system converges in at most 6 steps in exact arithmetic;
    the Hessian's condition number is below 10 (checked), so the solution carries a relative
    error of about κ·ε ≈ 1e-15; 1e-10 is a wide margin for the step through autograd.
    """
    X, y = _ridge_problem()
    n, p = X.shape
    alpha = 0.3
    Xt, yt = tr.tensor(X), tr.tensor(y)

    def objective(theta):
        w, b = theta[:p], theta[p]
        return 0.5 * F.mse_loss(Xt @ w + b, yt) + penalties.L2(alpha)(w)

    theta = np.zeros(p + 1)
    gradient = func.grad(objective)(theta).data
    H = func.hessian(objective)(theta).data
    assert np.linalg.cond(H) < 10
    step = conjugate_gradient(lambda v: func.hvp(objective, theta, v)[1].data, gradient)
    theta = theta - step
    ref = Ridge(alpha * n).fit(X, y)
    np.testing.assert_allclose(theta[:p], ref.coef_, rtol=1e-10, atol=1e-10)
    assert theta[p] == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-10)


def test_gradient_penalty_on_a_linear_model_is_l2_of_twice_lambda():
    """For f(x) = w·x + b, ‖∂f/∂x‖² = ‖w‖², so λ·mean_i ‖∇ₓf(xᵢ)‖² is L2(2λ) and the
    minimiser of (1/(2n))‖y − Xw − b‖² + λ‖w‖² is Ridge(2λn). Trained to convergence by
    full-batch gradient descent at lr = 1/L on a problem with κ < 10, 400 steps contract
    the error by (1 − 1/κ)^400 < 1e-18: the result is the minimiser to rounding, so it
    must agree with the closed form to 1e-6 (and does to ~1e-12)."""
    fit_linear = _gradient_penalty_example().fit_linear
    X, y = _ridge_problem()
    n = X.shape[0]
    lam = 0.05
    w_gp, b_gp = fit_linear(X, y, "gradient penalty", lam, steps=400)
    w_l2, b_l2 = fit_linear(X, y, "L2", 2 * lam, steps=400)
    ref = Ridge(2 * lam * n).fit(X, y)
    np.testing.assert_allclose(w_gp, w_l2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(w_gp, ref.coef_, rtol=1e-6, atol=1e-6)
    assert b_gp == pytest.approx(ref.intercept_, abs=1e-6)
    assert b_l2 == pytest.approx(b_gp, abs=1e-9)


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def test_two_thousand_gradient_penalty_steps_do_not_grow_memory():
    rng = np.random.default_rng(0)
    X = tr.tensor(rng.standard_normal((16, 3)), requires_grad=True)
    y = tr.tensor(rng.standard_normal((16, 1)))
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = tr.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        out = model(X)
        (gx,) = tr.grad(out.sum(), X, create_graph=True)
        loss = F.mse_loss(out, y) + 0.1 * (gx * gx).sum(axis=1).mean()
        loss.backward()
        opt.step()
        return loss

    tracemalloc.start()
    try:
        for _ in range(200):
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1_800):
            step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        kept = [step() for _ in range(200)]  # control: keeping each step's loss is noticed
        gc.collect()
        with_leak = tracemalloc.get_traced_memory()[0]
        del kept
    finally:
        tracemalloc.stop()
    assert after - before < 32 * 1024, (before, after)
    assert with_leak - after > 32 * 1024, (after, with_leak)


# ---------------------------------------------------------------------------
# Side by side with PyTorch (only where it happens to be installed)
# ---------------------------------------------------------------------------

TORCH_CASES = {  # the same function written for both libraries: f(module, x) -> scalar
    "tanh·sigmoid + logsumexp": lambda m, x: m.tanh(x) @ m.sigmoid(x) + m.logsumexp(x * x, 0),
    "softmax·log_softmax": lambda m, x: (m.softmax(x, -1) * m.log_softmax(x, -1)).sum(),
    "x⁴ / (1 + |x|²), relu": lambda m, x: (x**4 / (1 + (x * x).sum())).sum() + m.relu(x).sum(),
}


def _torch_namespace(torch):
    class T:
        tanh, sigmoid, relu = torch.tanh, torch.sigmoid, torch.relu

        @staticmethod
        def logsumexp(x, axis):
            return torch.logsumexp(x, axis)

        @staticmethod
        def softmax(x, axis):
            return torch.softmax(x, axis)

        @staticmethod
        def log_softmax(x, axis):
            return torch.log_softmax(x, axis)

    return T


class _Tinyreg:
    tanh, sigmoid, relu = tr.tanh, tr.sigmoid, tr.relu
    logsumexp = staticmethod(lambda x, axis: tr.logsumexp(x, axis=axis))
    softmax = staticmethod(lambda x, axis: tr.softmax(x, axis=axis))
    log_softmax = staticmethod(lambda x, axis: tr.log_softmax(x, axis=axis))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's own, on import
@pytest.mark.parametrize("name", TORCH_CASES)
def test_hessian_hvp_and_jvp_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    f = TORCH_CASES[name]
    x0 = np.array([0.3, -1.2, 0.8, 2.0])
    v = np.array([1.0, -0.5, 0.25, 2.0])
    ours = func.hessian(lambda t: f(_Tinyreg, t))(x0).data
    theirs = torch.func.hessian(lambda t: f(_torch_namespace(torch), t))(torch.tensor(x0))
    # the same closed forms in a different order of operations: a few ulps per entry
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-14)
    _, hv = func.hvp(lambda t: f(_Tinyreg, t), x0, v)
    _, their_hv = torch.autograd.functional.hvp(
        lambda t: f(_torch_namespace(torch), t), torch.tensor(x0), torch.tensor(v)
    )
    np.testing.assert_allclose(hv.data, their_hv.numpy(), rtol=1e-12, atol=1e-14)
    g = torch.func.grad(lambda t: f(_torch_namespace(torch), t))
    _, jv = func.jvp(func.grad(lambda t: f(_Tinyreg, t)), x0, v)  # J of ∇f is H: jvp = H v
    _, their_jv = torch.autograd.functional.jvp(g, torch.tensor(x0), torch.tensor(v))
    np.testing.assert_allclose(jv.data, their_jv.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's own, on import
def test_a_gradient_penalty_step_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    W1, b1, W2 = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((1, 5))

    def loss_and_grads(lib, tensor, grad, params, X, y):
        W1, b1, W2 = params
        out = lib.tanh(X @ W1.T + b1) @ W2.T
        (slopes,) = grad(out.sum(), X, create_graph=True)
        loss = ((out - y) ** 2).mean() + 0.1 * (slopes * slopes).sum(1).mean()
        return grad(loss, params)

    ours = loss_and_grads(
        tr,
        tr.tensor,
        tr.grad,
        [tr.tensor(a, requires_grad=True) for a in (W1, b1, W2)],
        tr.tensor(X, requires_grad=True),
        tr.tensor(y),
    )
    theirs = loss_and_grads(
        torch,
        torch.tensor,
        torch.autograd.grad,
        [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2)],
        torch.tensor(X, requires_grad=True),
        torch.tensor(y),
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-12, atol=1e-14)


def test_a_vjp_calling_numpy_on_tensors_is_named_under_create_graph():
    @tr.op
    def expm(x):
        return np.exp(x)

    expm.defvjp(lambda g, out, x: g * np.exp(x))  # numpy's exp: first order only
    x = tr.tensor([0.5, -1.0], requires_grad=True)
    (first,) = tr.grad(expm(x).sum(), x)  # on arrays: fine
    np.testing.assert_array_equal(first.data, np.exp(x.data))
    with pytest.raises(TypeError, match=r"VJP of op 'expm' calls a numpy function.*tinyreg\.exp"):
        tr.grad(expm(x).sum(), x, create_graph=True)
