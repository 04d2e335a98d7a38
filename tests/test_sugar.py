"""Tensor's operators and methods, and the factories: tinyreg.sugar.

The engine's Tensor has data, a record and a backward pass; ``tinyreg.sugar``
installs the rest (``a + b``, ``t.sum()``, ``t.T``, comparisons) as calls of
the ops, and makes leaf tensors (``tensor``, ``zeros``, ``ones``,
``arange``). Each op's values and derivatives are tested in ``test_ops.py``
(its registry includes the operator forms); here: that each operator and
method is its op, the argument forms numpy users write, and the factories.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinyreg as tr
from tinyreg.sugar import TensorMethods

# ---------------------------------------------------------------------------
# Every operator and method is one op, installed on Tensor
# ---------------------------------------------------------------------------


def test_every_method_of_the_sugar_is_installed_on_tensor():
    installed = {
        name: value
        for name, value in vars(TensorMethods).items()
        if callable(value) or isinstance(value, property)
    }
    assert {"__add__", "__rmatmul__", "__getitem__", "__lt__", "T", "sum", "reshape"} <= set(
        installed
    )
    for name, value in installed.items():
        assert tr.Tensor.__dict__[name] is value, name


a_values = np.array([[1.0, -2.0], [0.5, 3.0]])
b_values = np.array([[2.0, 0.25], [-1.0, 4.0]])

BINARY = [
    (operator.add, "add"),
    (operator.sub, "sub"),
    (operator.mul, "mul"),
    (operator.truediv, "div"),
    (operator.matmul, "matmul"),
    (operator.pow, "power"),
]


@pytest.mark.parametrize(("function", "name"), BINARY)
def test_a_binary_operator_records_its_op_on_either_side(function, name):
    x, b = (np.abs(a_values), np.abs(b_values)) if name == "power" else (a_values, b_values)
    a = tr.tensor(x, requires_grad=True)
    for result, expected in [
        (function(a, tr.tensor(b)), function(x, b)),
        (function(a, b), function(x, b)),  # a numpy array on the right
        (function(b, a), function(b, x)),  # and on the left: Tensor's reflected method
    ]:
        assert isinstance(result, tr.Tensor) and result.op is getattr(tr, name)
        np.testing.assert_array_equal(result.data, expected)


@pytest.mark.parametrize(
    ("method", "name", "reference"),
    [
        (operator.neg, "neg", np.negative),
        (abs, "abs", np.abs),
        (lambda t: t.abs(), "abs", np.abs),
        (lambda t: t.exp(), "exp", np.exp),
        (lambda t: t.tanh(), "tanh", np.tanh),
        (lambda t: t.relu(), "relu", lambda x: np.maximum(x, 0)),
        (lambda t: t.clip(-1.0, 1.0), "clip", lambda x: np.clip(x, -1.0, 1.0)),
        (lambda t: t.sum(axis=0), "sum", lambda x: x.sum(axis=0)),
        (lambda t: t.mean(1, keepdims=True), "mean", lambda x: x.mean(1, keepdims=True)),
        (lambda t: t.var(ddof=1), "var", lambda x: x.var(ddof=1)),
        (lambda t: t.max(axis=1), "max", lambda x: x.max(axis=1)),
        (lambda t: t[0, ::-1], "getitem", lambda x: x[0, ::-1]),
        (lambda t: t.T, "transpose", np.transpose),
        (lambda t: t.flatten(), "reshape", np.ravel),
        (lambda t: t.matmul(t), "matmul", lambda x: x @ x),
    ],
)
def test_a_method_records_its_op_and_gives_numpys_values(method, name, reference):
    a = tr.tensor(a_values, requires_grad=True)
    result = method(a)
    assert result.op is getattr(tr, name)
    np.testing.assert_array_equal(result.data, reference(a_values))


# ---------------------------------------------------------------------------
# The argument forms numpy users write
# ---------------------------------------------------------------------------


def test_reshape_transpose_and_swapaxes_take_numpys_argument_forms():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = tr.tensor(x)
    for got, expected in [
        (t.reshape(4, 6), x.reshape(4, 6)),
        (t.reshape((4, 6)), x.reshape((4, 6))),
        (t.reshape([-1, 2]), x.reshape([-1, 2])),
        (t.reshape(np.int64(24)), x.reshape(24)),
        (t.transpose(), x.transpose()),
        (t.transpose(1, 0, 2), x.transpose(1, 0, 2)),
        (t.transpose((2, 0, 1)), x.transpose((2, 0, 1))),
        (t.swapaxes(0, 2), x.swapaxes(0, 2)),
        (t.swapaxes(-1, 0), x.swapaxes(-1, 0)),
    ]:
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got.data, expected)


# ---------------------------------------------------------------------------
# What methods and functions take: plain numbers, reduction axes; comparisons
# ---------------------------------------------------------------------------


def test_ops_accept_plain_numbers_and_lists():
    """A lone number or list becomes an array (so reductions work on it); beside a tensor a
    Python number keeps numpy's weak typing, so a float32 tensor stays float32."""
    assert tr.sum(3.0).item() == 3.0
    assert tr.max(2).item() == 2.0
    assert tr.mean([1, 2, 3]).item() == 2.0
    x32 = tr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    assert (x32 * 2.0).dtype == np.float32
    assert (2 + x32).dtype == np.float32


REDUCTIONS = ["sum", "mean", "var", "max", "min"]


@pytest.mark.parametrize("name", [*REDUCTIONS, "logsumexp"])
def test_reductions_drop_the_reduced_axes_by_default(name):
    a = np.arange(6.0).reshape(2, 3)
    t = tr.tensor(a)
    for axis in (None, 0, 1, (0, 1)):
        expected = np.sum(a, axis=axis).shape  # numpy's default: keepdims=False
        assert getattr(t, name)(axis=axis).shape == expected, (name, axis)
        assert getattr(tr, name)(t, axis=axis).shape == expected, (name, axis)
        kept = np.sum(a, axis=axis, keepdims=True).shape
        assert getattr(t, name)(axis=axis, keepdims=True).shape == kept, (name, axis)


@pytest.mark.parametrize("name", [*REDUCTIONS, "logsumexp"])
@pytest.mark.parametrize("axis", [1.5, "0", (0, 1.0), True])
def test_a_non_integer_axis_is_a_type_error_naming_axis(name, axis):
    t = tr.tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=rf"{name}\(\): axis must be None, an int or a tuple"):
        getattr(t, name)(axis=axis)
    with pytest.raises(TypeError, match="axis"):
        getattr(tr, name)(t, axis=axis)


def test_equality_is_elementwise_and_tensors_stay_hashable_by_identity():
    a = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tr.tensor([1.0, 0.0, 3.0])
    for result, expected in [
        (a == b, [True, False, True]),
        (a != b, [False, True, False]),
        (a == 2.0, [False, True, False]),
        (np.array([1.0, 2.0, 0.0]) == a, [True, True, False]),
    ]:
        assert type(result) is np.ndarray and result.dtype == bool
        assert result.tolist() == expected
    assert np.mean(tr.tensor([0.0, 1.0, 1.0]) == tr.tensor([0.0, 1.0, 1.0])) == 1.0  # accuracy
    twin = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)  # equal values, another tensor
    assert {a: "a", twin: "twin"}[a] == "a" and len({a, twin, a}) == 2


def test_a_vjp_written_with_equality_is_right_to_second_order():
    """The textbook rule for max(x, 0), g·[out = x], on tensors under create_graph too."""

    @tr.op
    def clamp_below(x):
        return np.maximum(x, 0.0)

    clamp_below.defvjp(lambda g, out, x: g * (out == x))
    x = tr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (recorded,) = tr.grad((clamp_below(x) ** 2).sum(), x, create_graph=True)
    np.testing.assert_array_equal(recorded.data, [1.0, 0.0, 4.0])  # 2·max(x, 0)
    (second,) = tr.grad(recorded.sum(), x)
    np.testing.assert_array_equal(second.data, [2.0, 0.0, 2.0])
    assert tr.gradgradcheck(lambda t: clamp_below(t) ** 2, [x])


def test_comparisons_at_ties_and_against_numbers():
    """Each comparison is numpy's on the values, ties included; the result is a plain array."""
    a = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tr.tensor([2.0, 2.0, 2.0])
    for result, expected in [
        (a < b, [True, False, False]),
        (a <= b, [True, True, False]),
        (a > b, [False, False, True]),
        (a >= b, [False, True, True]),
        (a < 2.0, [True, False, False]),
        (a >= 2.0, [False, True, True]),
    ]:
        assert type(result) is np.ndarray and result.dtype == bool
        assert result.tolist() == expected


# ---------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "fill"), [(tr.zeros, 0.0), (tr.ones, 1.0)])
def test_zeros_and_ones_take_a_shape_a_dtype_and_requires_grad(factory, fill):
    t = factory(2, 3)
    assert t.shape == (2, 3) and t.dtype == np.float64 and not t.requires_grad
    assert (t.data == fill).all()
    assert factory().shape == ()
    t32 = factory(4, dtype=np.float32, requires_grad=True)
    assert t32.dtype == np.float32 and t32.requires_grad and t32.is_leaf


def test_tensor_is_a_leaf_holding_a_copy():
    data = np.array([1.0, 2.0])
    t = tr.tensor(data, requires_grad=True)
    data[0] = 99.0
    assert t.data.tolist() == [1.0, 2.0] and t.is_leaf and t.requires_grad


def test_arange_is_numpys_as_a_tensor():
    t = tr.arange(1, 7, 2, requires_grad=True)
    assert isinstance(t, tr.Tensor) and t.requires_grad and t.dtype == np.float64
    assert t.data.tolist() == [1.0, 3.0, 5.0]
    assert tr.arange(3, dtype=np.float32).data.tolist() == [0.0, 1.0, 2.0]
    assert tr.arange(3, dtype=np.float32).dtype == np.float32
