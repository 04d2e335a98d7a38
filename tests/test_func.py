"""tinyreg.func: grad, value_and_grad, jacobian, hessian, hvp and jvp, against their
definitions and each other, nested to any order and without perturbation confusion.

Derivatives are compared with their closed forms to ``DERIVATIVE_RTOL`` (see
``_tolerances.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _tolerances import DERIVATIVE_RTOL as RTOL

import tinyreg as tr
from tinyreg import func


def _quartic(x):
    return (x**4).sum() + (x[0] * x[1] * x[2]) + x.tanh().sum()


def test_hvp_equals_hessian_times_v():
    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -2.0])
    value, hv = func.hvp(_quartic, x, v)
    h = func.hessian(_quartic)(x).data
    np.testing.assert_allclose(hv.data, h @ v, rtol=RTOL)
    assert value.item() == pytest.approx(_quartic(tr.tensor(x)).item(), rel=1e-15)
    assert not hv.requires_grad and not value.requires_grad


def test_jvp_equals_jacobian_times_v():
    def f(x):
        return tr.stack([x[0] * x[1], x.exp().sum(), (x * x).mean(), x[2].sigmoid()])

    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -2.0])
    value, jv = func.jvp(f, x, v)
    np.testing.assert_allclose(jv.data, func.jacobian(f)(x).data @ v, rtol=RTOL)
    np.testing.assert_array_equal(value.data, f(tr.tensor(x)).data)


def test_jacobian_shape_and_values():
    a = np.arange(6.0).reshape(2, 3)
    j = func.jacobian(lambda x: tr.tensor(a) @ x)(np.ones(3))
    assert j.shape == (2, 3)
    np.testing.assert_array_equal(j.data, a)
    j2 = func.jacobian(lambda x: x * 2.0)(np.ones((2, 2)))
    assert j2.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(j2.data.reshape(4, 4), 2 * np.eye(4))


def test_grad_and_value_and_grad():
    value, g = func.value_and_grad(_quartic)(np.array([1.0, 2.0, 3.0]))
    assert value.item() == pytest.approx(_quartic(tr.tensor([1.0, 2.0, 3.0])).item(), rel=1e-15)
    np.testing.assert_allclose(
        g.data, 4 * np.array([1.0, 8.0, 27.0]) + [6.0, 3.0, 2.0] + 1 - np.tanh([1.0, 2, 3]) ** 2
    )
    g0, g1 = func.grad(lambda a, b: (a * b * b).sum(), argnums=(0, 1))(2.0, 3.0)
    assert (g0.item(), g1.item()) == (9.0, 12.0)
    with pytest.raises(ValueError, match=r"one-element tensor.*\(3,\).*jacobian"):
        func.grad(lambda x: x * 2.0)(np.ones(3))


def test_transforms_nest_to_any_order():
    d = func.grad
    x = 0.7
    assert d(lambda t: t**5)(x).item() == pytest.approx(5 * x**4, rel=RTOL)
    assert d(d(lambda t: t**5))(x).item() == pytest.approx(20 * x**3, rel=RTOL)
    assert d(d(d(lambda t: t**5)))(x).item() == pytest.approx(60 * x**2, rel=RTOL)
    assert d(d(d(d(lambda t: t**5))))(x).item() == pytest.approx(120 * x, rel=RTOL)
    assert d(d(d(d(lambda t: t.exp()))))(x).item() == pytest.approx(math.exp(x), rel=RTOL)


def test_nested_transforms_keep_their_variables_apart():
    """No perturbation confusion: an inner transform differentiates only with respect to its
    own argument, even when that argument is the outer variable (torch.func gives the same)."""
    x0 = 1.5
    # inner: d/dy (x·y) = x, evaluated at y = x  ->  f(x) = x, f'(x) = 1 (not 2x)
    assert func.grad(lambda x: func.grad(lambda y: x * y)(x))(x0).item() == 1.0
    # inner: d/dy (x·y) = x at a constant y  ->  f(x) = x·x, f'(x) = 2x
    assert func.grad(lambda x: x * func.grad(lambda y: x * y)(2.0))(x0).item() == 2 * x0


def test_hessian_of_a_function_closing_over_a_parameter_stays_differentiable():
    w = tr.tensor([2.0, -1.0], requires_grad=True)
    h = func.hessian(lambda x: ((w * x) ** 2).sum())(np.array([0.3, 0.4]))  # = diag(2w²)
    np.testing.assert_array_equal(h.data, np.diag([8.0, 2.0]))
    assert h.requires_grad
    (gw,) = tr.grad(h.sum(), w)
    np.testing.assert_array_equal(gw.data, [8.0, -4.0])  # d/dw Σ 2w²
