"""tinyreg.gradcheck: gradcheck and gradgradcheck pass right derivatives and catch
wrong ones, naming the input and the entry.

The negative controls are ops with a deliberately wrong VJP: a check that
passed them would be worthless.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinyreg as tr
from tinyreg import GradcheckError, gradcheck

# ---------------------------------------------------------------------------
# gradcheck catches wrong backwards (negative controls)
# ---------------------------------------------------------------------------


@tr.op
def sin_wrong(x):
    return np.sin(x)


sin_wrong.defvjp(lambda g, out, x: g * np.sin(x))  # should be cos


@tr.op
def mul_wrong_b(a, b):
    return a * b


mul_wrong_b.defvjp(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a * 1.01)  # 1% off


def test_gradcheck_names_input_index_and_both_values():
    x = np.array([0.3, -1.1, 2.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(sin_wrong, [x])
    message = str(info.value)
    found = re.search(
        r"for input 0 at d out\((\d+),\) / d input0\((\d+),\): analytic (\S+), numerical (\S+) ",
        message,
    )
    assert found, message
    k, j, analytic, numerical = found.groups()
    assert k == j  # the Jacobian is diagonal; the worst entry is on the diagonal
    j = int(j)
    assert float(analytic.rstrip(",")) == np.sin(x[j])  # repr round-trips exactly
    # central differences: truncation h²/6·|cos| + rounding ε/h ≈ 1e-11 for h = ∛ε
    assert float(numerical.rstrip(",")) == pytest.approx(np.cos(x[j]), abs=1e-9)


def test_gradcheck_names_the_wrong_input_among_several():
    with pytest.raises(GradcheckError, match=r"for input 1 at d out\(\d+, \d+\) / d input1"):
        gradcheck(mul_wrong_b, [np.ones((2, 2)) * 1.5, np.full((2, 1), -0.5)])
    assert gradcheck(tr.mul, [np.ones((2, 2)) * 1.5, np.full((2, 1), -0.5)])  # the control


def test_gradcheck_fast_mode_catches_it_too():
    with pytest.raises(GradcheckError, match=r"input 0.*random projection"):
        gradcheck(sin_wrong, [np.array([0.3, -1.1, 2.0])], fast=True)
    assert gradcheck(tr.tanh, [np.array([0.3, -1.1, 2.0])], fast=True)


def test_gradcheck_catches_a_vjp_nonzero_for_zero_upstream():
    @tr.op
    def leaky(x):
        return np.sin(x)

    leaky.defvjp(lambda g, out, x: g * np.cos(x) + 1e-3)

    with pytest.raises(GradcheckError, match="zero upstream gradient"):
        gradcheck(leaky, [np.array([0.1, 0.2])])


def test_gradcheck_catches_a_non_deterministic_vjp():
    rng = np.random.default_rng(0)

    @tr.op
    def noisy(x):
        return np.sin(x)

    noisy.defvjp(lambda g, out, x: g * (np.cos(x) + 1e-9 * rng.standard_normal(x.shape)))

    with pytest.raises(GradcheckError, match="two backward passes gave different gradients"):
        gradcheck(noisy, [np.array([0.1, 0.2])])


# ---------------------------------------------------------------------------
# What gradcheck checks besides the Jacobian: shapes, a Tensor output, the step
# ---------------------------------------------------------------------------


def test_gradcheck_checks_the_gradients_shape(monkeypatch):
    """The engine's unbroadcast guarantees shapes; gradcheck checks them independently."""
    from tinyreg import autograd

    monkeypatch.setattr(autograd, "unbroadcast", lambda grad, shape, op_name=None: grad)
    with pytest.raises(GradcheckError, match=r"gradient of input 1 has shape \(2, 3\).*\(3,\)"):
        gradcheck(tr.add, [np.ones((2, 3)), np.ones(3)])


def test_gradcheck_needs_a_function_returning_a_tensor():
    with pytest.raises(TypeError, match="must return a Tensor, got ndarray"):
        gradcheck(lambda x: x.data * 2.0, [np.ones(3)])
    with pytest.raises(TypeError, match="must return a Tensor, got float"):
        gradcheck(lambda x: 1.0, [np.ones(3)])


def test_gradcheck_steps_relative_to_large_values():
    """The difference step is ∛ε·max(1, |x|): at |x| ~ 1e6 an absolute ∛ε step would leave
    rounding error of order ε·x²/(∛ε/x), far above the tolerance, while the relative step
    keeps the central difference of x² exact but for rounding (~ε·x²/(∛ε·x) ≈ 1e-5·x)."""
    x = tr.tensor([1e6, -3e5, 2.0], requires_grad=True)
    assert gradcheck(lambda t: t * t, [x])


# ---------------------------------------------------------------------------
# gradgradcheck: second derivatives
# ---------------------------------------------------------------------------


def test_gradgradcheck_passes_a_right_second_derivative_and_catches_a_wrong_one():
    @tr.op
    def cube(x):
        return x**3

    cube.defvjp(lambda g, out, x: 3 * g * x * x)

    @tr.op
    def cube_wrong(x):
        return x**3

    # Right first derivative, but written from a constant: its own derivative is lost.
    cube_wrong.defvjp(lambda g, out, x: 3 * g * np.asarray(x) ** 2)

    x = np.array([0.5, -1.2, 2.0])
    assert tr.gradcheck(cube, [x]) and tr.gradcheck(cube_wrong, [x])
    assert tr.gradgradcheck(cube, [x])
    with pytest.raises(tr.GradcheckError, match="input 0"):
        tr.gradgradcheck(cube_wrong, [x])
    with pytest.raises(tr.GradcheckError, match="random projection"):
        tr.gradgradcheck(cube_wrong, [x], fast=True)


def test_gradgradcheck_over_several_inputs_and_a_given_grad_output():
    assert tr.gradgradcheck(
        lambda a, b: (a @ b).tanh(), [np.ones((2, 3)) * 0.3, np.eye(3)[:, :2]], np.ones((2, 2))
    )


def test_gradgradcheck_of_a_function_that_ignores_an_input():
    """An input the function does not use has zero first and second derivatives:
    gradgradcheck checks them as zeros instead of calling the input unused."""
    x = tr.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    w = tr.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert tr.gradgradcheck(lambda a, b: 3.0 * a, [x, w])
    assert tr.gradgradcheck(lambda a, b: a * a + 2.0 * a, [x, w])


# ---------------------------------------------------------------------------
# The random projections' source
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("check", [tr.gradcheck, tr.gradgradcheck])
def test_the_projections_come_from_generator_and_seed_is_its_other_spelling(check):
    x = tr.tensor([0.3, -0.7, 1.1], requires_grad=True)
    assert check(tr.tanh, [x], fast=True, generator=np.random.default_rng(5))
    assert check(tr.tanh, [x], fast=True, generator=5)
    with pytest.warns(DeprecationWarning, match=r"seed= is deprecated, pass generator="):
        assert check(tr.tanh, [x], fast=True, seed=5)
    with pytest.raises(TypeError, match="got both generator and seed"):
        check(tr.tanh, [x], generator=1, seed=1)


# ---------------------------------------------------------------------------
# Mistakes the checks name: a random function, a VJP that differs on tensors
# ---------------------------------------------------------------------------


def test_gradcheck_says_a_random_function_is_random():
    # training mode: a new mask at every call (two of 64 elements each agree with chance 2⁻⁶⁴)
    layer = tr.nn.Dropout(0.5, generator=np.random.default_rng(0))
    x = tr.tensor(np.linspace(0.1, 1.0, 64), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"different outputs for the same inputs.*eval\(\)"):
        tr.gradcheck(layer, [x])
    layer.eval()
    assert tr.gradcheck(layer, [x])


def test_gradgradcheck_compares_the_recorded_first_derivative_with_the_ordinary_one():
    """A VJP that computes something else on tensors than on arrays fails, naming the input."""

    @tr.op
    def square(x):
        return x * x

    # right on arrays (an ordinary backward), half the derivative on tensors (create_graph)
    square.defvjp(lambda g, out, x: g * x * (2.0 if isinstance(x, np.ndarray) else 1.0))
    x = tr.tensor([0.5, -1.5, 2.0], requires_grad=True)
    assert tr.gradcheck(square, [x])
    with pytest.raises(
        GradcheckError, match=r"first derivative of input 0 at \(0,\).*create_graph"
    ):
        tr.gradgradcheck(square, [x])
