"""Tensor's operators and methods, and the factories: tinyreg.sugar.

The engine's Tensor has data, a record and a backward pass; ``tinyreg.sugar``
installs the rest (``a + b``, ``t.sum()``, ``t.T``, comparisons, in-place
arithmetic) as calls of the ops, and makes leaf tensors (``tensor``,
``zeros``, ``ones``, ``full``, ``arange``, ``*_like``). Each op's values and
derivatives are tested in ``test_ops.py`` (its registry includes the operator
forms); here: that each operator and method is its op, the argument forms
numpy and PyTorch users write, and the factories; last, the PyTorch idioms
run side by side on PyTorch itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

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
    assert result.op is getattr(tr.ops, name)
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


def test_comparisons_at_ties_and_against_numbers():
    """Each comparison is numpy's on the values, ties included; the result is a plain array."""
    a = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tr.tensor([2.0, 2.0, 2.0])
    for result, expected in [
        (a == b, [False, True, False]),
        (a != b, [True, False, True]),
        (a == 2.0, [False, True, False]),
        (a != np.array([1.0, 0.0, 3.0]), [False, True, False]),
        (np.array([1.0, 0.0, 3.0]) == a, [True, False, True]),
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


# ---------------------------------------------------------------------------
# == and != are elementwise; a Tensor stays hashable by identity
# ---------------------------------------------------------------------------


def test_equality_of_equal_tensors_is_elementwise_not_identity():
    pred = tr.tensor([0.0, 1.0, 2.0])
    target = tr.tensor([0.0, 1.0, 2.0])
    assert np.mean(pred == target) == 1.0  # accuracy of perfect predictions
    assert not (pred != target).any()
    assert (pred == pred).all()


def test_a_tensor_is_hashable_by_identity():
    a, b = tr.tensor([1.0, 2.0]), tr.tensor([1.0, 2.0])
    assert hash(a) == object.__hash__(a) and hash(a) != hash(b)
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b" and len({a, b, a}) == 2


@tr.op
def _relu_by_equality(x):
    """max(x, 0) whose VJP is the textbook rule g · (out == x)."""
    return np.maximum(x, 0.0)


_relu_by_equality.defvjp(lambda g, out, x: g * (out == x))


def test_a_vjp_written_with_equality_differentiates_again():
    """Under create_graph ``out`` and ``x`` are tensors: ``out == x`` must be the same mask."""
    values = np.array([-1.5, 0.5, 2.0, -0.25])
    x = tr.tensor(values, requires_grad=True)
    (plain,) = tr.grad((_relu_by_equality(x) ** 2).sum(), [x])
    (recorded,) = tr.grad((_relu_by_equality(x) ** 2).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(recorded.data, plain.data)
    np.testing.assert_array_equal(recorded.data, 2 * np.maximum(values, 0.0))
    hessian = tr.func.hessian(lambda t: (_relu_by_equality(t) ** 2).sum())(values)
    np.testing.assert_array_equal(hessian.data, np.diag(2.0 * (values > 0)))
    assert tr.gradgradcheck(lambda t: _relu_by_equality(t) * t, [values])


# ---------------------------------------------------------------------------
# Factories: a shape as varargs or one sequence; *_like
# ---------------------------------------------------------------------------

SHAPED = {
    "zeros": tr.zeros,
    "ones": tr.ones,
    "randn": tr.randn,
    "rand": tr.rand,
    "full": lambda *shape, **kw: tr.full(shape[0] if len(shape) == 1 else shape, 0.5, **kw),
}


@pytest.mark.parametrize("name", SHAPED)
def test_factories_take_a_shape_as_varargs_a_tuple_or_a_list(name):
    factory = SHAPED[name]
    for args in [(2, 3), ((2, 3),), ([2, 3],), (np.int64(2), 3)]:
        t = factory(*args)
        assert t.shape == (2, 3) and t.dtype == np.float64 and t.is_leaf
    assert factory(4).shape == (4,)
    assert factory(()).shape == ()
    assert factory((2,), dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
@pytest.mark.parametrize(("shape", "error"), [((2.0, 3), TypeError), ((2, -1), ValueError)])
def test_a_bad_shape_is_an_error_naming_the_factory(name, shape, error):
    with pytest.raises(error, match=rf"{name}\(\): the shape must be"):
        SHAPED[name](*shape)


def test_full_fills_with_its_value():
    assert tr.full((2, 2), 7.0).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tr.full(3, -1.0, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    ("factory", "check"),
    [
        (tr.zeros_like, lambda d: (d == 0).all()),
        (tr.ones_like, lambda d: (d == 1).all()),
        (lambda x, **kw: tr.full_like(x, 2.5, **kw), lambda d: (d == 2.5).all()),
        (tr.randn_like, lambda d: np.isfinite(d).all()),
        (tr.rand_like, lambda d: ((d >= 0) & (d < 1)).all()),
    ],
)
def test_like_factories_take_shape_and_floating_dtype(factory, check):
    x32 = tr.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    t = factory(x32)
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.is_leaf and not t.requires_grad
    assert check(t.data)
    assert factory(np.arange(4)).dtype == np.float64  # integers: float64, tinyreg's policy
    assert factory(x32, dtype=np.float64, requires_grad=True).requires_grad


# ---------------------------------------------------------------------------
# Joining and shaping as PyTorch spells it
# ---------------------------------------------------------------------------


def test_cat_and_stack_take_dim_or_axis():
    a, b = tr.ones(2, 3), tr.zeros(2, 3)
    assert tr.cat([a, b]).shape == (4, 3)
    assert tr.cat([a, b], dim=1).shape == (2, 6) == tr.cat((a, b), 1).shape
    assert tr.concatenate([a, b], axis=1).shape == (2, 6)
    assert tr.stack([a, b], dim=-1).shape == (2, 3, 2) == tr.stack([a, b], axis=-1).shape
    for join in (tr.cat, tr.stack):
        with pytest.raises(TypeError, match=r"got both axis= and dim="):
            join([a, b], axis=0, dim=1)


def test_shape_methods_and_functions():
    x = tr.tensor(np.arange(24.0).reshape(2, 1, 3, 4), requires_grad=True)
    assert x.view(6, 4).shape == (6, 4) and x.view((4, -1)).shape == (4, 6)
    assert x.flatten().shape == (24,) and tr.flatten(x, 1).shape == (2, 12)
    assert x.flatten(start_dim=1, end_dim=2).shape == (2, 3, 4)
    assert x.squeeze().shape == (2, 3, 4) and x.squeeze(1).shape == (2, 3, 4)
    assert x.squeeze(0).shape == (2, 1, 3, 4)  # not of size 1: kept, as PyTorch
    assert tr.squeeze(x, (0, 1)).shape == (2, 3, 4)
    assert x.unsqueeze(0).shape == (1, 2, 1, 3, 4) and tr.unsqueeze(x, -1).shape == (2, 1, 3, 4, 1)
    assert tr.flatten(tr.tensor(3.0)).shape == (1,)
    with pytest.raises(IndexError, match=r"unsqueeze\(\): dim=5 is out of range"):
        x.unsqueeze(5)
    with pytest.raises(IndexError, match=r"flatten\(\): start_dim=4"):
        x.flatten(4)
    with pytest.raises(ValueError, match=r"start_dim=2 comes after end_dim=1"):
        x.flatten(2, 1)


# ---------------------------------------------------------------------------
# dim= and keepdim= beside axis= and keepdims=
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*REDUCTIONS, "logsumexp", "norm"])
def test_reductions_take_dim_and_keepdim(name):
    a = np.arange(1.0, 7.0).reshape(2, 3)
    t = tr.tensor(a)
    for axis in (0, 1, -1, (0, 1)):
        for keep in (False, True):
            expected = getattr(t, name)(axis=axis, keepdims=keep)
            for got in (
                getattr(t, name)(dim=axis, keepdim=keep),
                getattr(tr, name)(t, dim=axis, keepdim=keep),
            ):
                got = got.values if isinstance(got, tr.Extremes) else got  # max/min over one dim
                assert got.shape == expected.shape
                np.testing.assert_array_equal(got.data, expected.data)


@pytest.mark.parametrize("name", [*REDUCTIONS, "logsumexp", "norm", "softmax", "log_softmax"])
def test_both_spellings_of_one_argument_is_a_type_error(name):
    t = tr.ones(2, 3)
    with pytest.raises(TypeError, match=rf"{name}\(\) got both axis= and dim="):
        getattr(t, name)(axis=0, dim=0)
    with pytest.raises(TypeError, match=rf"{name}\(\) got both axis= and dim="):
        getattr(tr, name)(t, axis=0, dim=0)
    if name not in ("softmax", "log_softmax"):
        with pytest.raises(TypeError, match=r"got both keepdims= and keepdim="):
            getattr(t, name)(keepdims=True, keepdim=False)


def test_softmax_takes_dim_as_functional_does():
    x = tr.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(tr.functional.softmax(x, dim=0).data, x.softmax(axis=0).data)
    np.testing.assert_array_equal(x.log_softmax(dim=0).data, tr.log_softmax(x, axis=0).data)


# ---------------------------------------------------------------------------
# numel, argmax/argmin, clone, tolist, sign, norm
# ---------------------------------------------------------------------------


def test_numel_and_tolist():
    x = tr.tensor(np.arange(6.0).reshape(2, 3))
    assert x.numel() == 6 and isinstance(x.numel(), int) and tr.tensor(2.0).numel() == 1
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and tr.tensor(2.5).tolist() == 2.5


def test_argmax_and_argmin_are_integer_arrays_first_at_ties():
    x = tr.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 0.0]], requires_grad=True)
    for got, expected in [
        (x.argmax(), 3),
        (tr.argmax(x, dim=1), [1, 0]),
        (x.argmax(1, keepdim=True), [[1], [0]]),
        (x.argmin(dim=1), [0, 1]),
        (tr.argmin(x, axis=0, keepdims=True), [[0, 1, 1]]),
    ]:
        assert type(got) is np.ndarray and got.dtype.kind == "i"
        np.testing.assert_array_equal(got, expected)
        assert got.shape == np.shape(expected)
    with pytest.raises(TypeError, match=r"argmax\(\) got both axis= and dim="):
        x.argmax(0, axis=1)


def test_clone_is_a_recorded_copy():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.op is tr.clone and not np.shares_memory(x.data, y.data)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_sign_has_derivative_zero_even_at_zero():
    x = tr.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = x.sign()
    np.testing.assert_array_equal(y.data, [-1.0, 0.0, 1.0])
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_norm_at_zero_has_the_zero_subgradient():
    for p in (1, 2, 3):
        x = tr.zeros(2, 3, requires_grad=True)
        (g,) = tr.grad(x.norm(p, dim=1).sum(), [x], create_graph=True)
        np.testing.assert_array_equal(g.data, np.zeros((2, 3)))
        if g.requires_grad:  # p = 1: g · sign(x) is a constant
            (second,) = tr.grad(g.sum(), [x], allow_unused=True)
            assert second is None or np.isfinite(second.data).all()
    with pytest.raises(ValueError, match=r"norm\(\): p must be a finite number >= 1, got 0.5"):
        tr.norm(tr.ones(2), p=0.5)


# ---------------------------------------------------------------------------
# In-place arithmetic
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (lambda w: operator.iadd(w, 1.0), [2.0, 3.0]),
        (lambda w: operator.isub(w, np.array([0.5, 0.5])), [0.5, 1.5]),
        (lambda w: operator.imul(w, tr.tensor([2.0, 3.0])), [2.0, 6.0]),
        (lambda w: operator.itruediv(w, 4), [0.25, 0.5]),
    ],
)
def test_in_place_arithmetic_under_no_grad_updates_the_tensor_itself(update, expected):
    for dtype in (np.float64, np.float32):
        w = tr.tensor([1.0, 2.0], requires_grad=True, dtype=dtype)
        with tr.no_grad():
            result = update(w)
        assert result is w and w.requires_grad and w.is_leaf and w.dtype == dtype
        np.testing.assert_array_equal(w.data, expected)


def test_a_hand_written_sgd_step_trains_the_same_tensor():
    w = tr.tensor([3.0, -2.0], requires_grad=True)
    original = w
    for _ in range(50):
        loss = (w * w).sum()
        loss.backward()
        with tr.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
    assert w is original and w.requires_grad
    assert np.abs(w.data).max() < 1e-4


def test_in_place_on_a_tensor_that_does_not_require_grad_needs_no_no_grad():
    t = tr.ones(3)
    t += 1
    t *= tr.tensor([1.0, 2.0, 3.0])
    assert t.tolist() == [2.0, 4.0, 6.0] and not t.requires_grad


def test_in_place_on_a_leaf_that_requires_grad_while_recording_says_what_to_do():
    w = tr.tensor([1.0, 2.0], requires_grad=True)
    for update in (operator.iadd, operator.isub, operator.imul, operator.itruediv):
        with pytest.raises(RuntimeError, match=r"wrap the update in `with tinyreg.no_grad\(\):`"):
            update(w, 1.0)
    assert w.tolist() == [1.0, 2.0]


def test_in_place_on_a_recorded_result_is_the_recorded_operation():
    w = tr.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss += (3 * w).sum()
    assert loss.op is tr.add
    loss.backward()
    np.testing.assert_array_equal(w.grad, [5.0, 7.0])


# ---------------------------------------------------------------------------
# The idioms side by side with PyTorch
# ---------------------------------------------------------------------------

X = np.array([[[0.5, -1.25, 2.0]], [[-0.75, 1.5, 0.25]]])  # shape (2, 1, 3), no ties, no zeros
Y = np.array([[[0.5, 1.0, 2.0]], [[0.0, 1.5, -1.0]]])


def _functional(m: Any) -> Any:
    return m.functional if m is tr else m.nn.functional


#: Each idiom is written once, for ``m`` = tinyreg or torch, on a tensor made by ``m.tensor``.
IDIOMS: dict[str, Callable[[Any, Any], Any]] = {
    "zeros(tuple)": lambda m, x: m.zeros((2, 3)),
    "ones(list)": lambda m, x: m.ones([2, 3]),
    "zeros(*shape)": lambda m, x: m.zeros(2, 3),
    "full": lambda m, x: m.full((2, 3), 1.5),
    "zeros_like": lambda m, x: m.zeros_like(x),
    "ones_like": lambda m, x: m.ones_like(x),
    "full_like": lambda m, x: m.full_like(x, -2.0),
    "cat(dim=)": lambda m, x: m.cat([x, 2 * x], dim=2),
    "stack(dim=)": lambda m, x: m.stack([x, x * x], dim=1),
    "unsqueeze": lambda m, x: x.unsqueeze(-1) * 3,
    "squeeze": lambda m, x: x.squeeze() ** 2,
    "squeeze(dim)": lambda m, x: m.squeeze(x, 1).exp(),
    "view": lambda m, x: x.view(3, 2) @ x.view(2, 3),
    "flatten": lambda m, x: x.flatten() * x.flatten(),
    "flatten(start_dim)": lambda m, x: m.flatten(x, start_dim=1).tanh(),
    "sum(dim, keepdim)": lambda m, x: (x * x).sum(dim=2, keepdim=True),
    "mean(dim)": lambda m, x: (x**3).mean(dim=(0, 2)),
    "logsumexp(dim)": lambda m, x: m.logsumexp(x, dim=-1),
    "softmax(dim)": lambda m, x: _functional(m).softmax(x, dim=0),
    "log_softmax(dim)": lambda m, x: x.log_softmax(dim=2),
    "clone": lambda m, x: x.clone() * x,
    "sin": lambda m, x: m.sin(x) * x,
    "cos": lambda m, x: x.cos(),
    "log1p": lambda m, x: m.log1p(x * x),
    "sign": lambda m, x: x.sign() * x,
    "norm()": lambda m, x: x.norm(),
    "norm(dim)": lambda m, x: x.norm(dim=2),
    "norm(p=1, dim, keepdim)": lambda m, x: m.norm(x, p=1, dim=0, keepdim=True),
    "norm(p=3)": lambda m, x: x.norm(p=3, dim=(1, 2)),
    "numel": lambda m, x: x.numel(),
    "tolist": lambda m, x: x.tolist(),
    "argmax": lambda m, x: m.argmax(x),
    "argmax(dim)": lambda m, x: x.argmax(dim=2),
    "argmin(dim, keepdim)": lambda m, x: m.argmin(x, dim=0, keepdim=True),
    "max(dim)[0]": lambda m, x: x.max(2)[0] * x.sum(),
    "max(dim=).indices": lambda m, x: x.max(dim=0).indices,
    "min(dim, keepdim).values": lambda m, x: x.min(-1, keepdim=True).values ** 2,
    "_, predicted = max(dim)": lambda m, x: x.max(2)[1],
    "max()": lambda m, x: x.max() * x,
    "==": lambda m, x: x == m.tensor(Y),
    "!=": lambda m, x: x != m.tensor(Y),
    "size()": lambda m, x: list(x.size()),
    "size(dim)": lambda m, x: x.size(-1),
    "dim()": lambda m, x: x.dim(),
    # float32 inside, float64 out: each library's float32 gradients, rounded the same way
    "float()": lambda m, x: (x.float() * x.float()).double(),
    "double()": lambda m, x: x.float().double() * x,
    "to(dtype)": lambda m, x: (x.to(m.float32) * 3).to(m.float64),
    "to(cpu)": lambda m, x: x.to("cpu") * x,
    "type_as": lambda m, x: (x.type_as(m.ones(2, dtype=m.float32)) ** 2).type_as(x),
    "dtype names": lambda m, x: m.zeros(2, dtype=m.double) + m.ones(2, dtype=m.float),
    "tensor(dtype=)": lambda m, x: m.tensor([1.0, 2.0], dtype=m.float64),
    "contiguous": lambda m, x: x.contiguous() * 2,
    "t()": lambda m, x: x[0].t() @ x[1],
    "permute": lambda m, x: x.permute(2, 0, 1).exp(),
    "expand": lambda m, x: x.expand(2, 4, 3) * 2,
    "expand(-1, new dims)": lambda m, x: x.expand(3, -1, 2, -1).tanh(),
    "repeat": lambda m, x: x.repeat(1, 2, 2) * x.repeat(1, 2, 2),
    "repeat(new dims)": lambda m, x: x.repeat(2, 1, 1, 1).sin(),
    "pow": lambda m, x: x.pow(3),
    "clamp(min=)": lambda m, x: x.clamp(min=0.0) * x,
    "clamp(input, min, max)": lambda m, x: m.clamp(x, -1.0, 1.0) * x,
    "masked_fill": lambda m, x: x.masked_fill(x > 0, 0.5) * x,
    "split(size)": lambda m, x: m.cat(x.split(2, dim=2)[::-1], dim=2) * x.sum(),
    "split(sizes)": lambda m, x: x.split([1, 2], dim=2)[1] ** 2,
    "chunk": lambda m, x: x.chunk(2)[1] * 3,
    "new_zeros": lambda m, x: x.new_zeros((2, 3)),
    "new_ones": lambda m, x: x.new_ones(2),
    "new_full": lambda m, x: x.new_full((2,), 3.5),
    "prod()": lambda m, x: x.prod(),
    "prod(dim, keepdim)": lambda m, x: x.prod(dim=2, keepdim=True),
    "torch.prod(input, dim)": lambda m, x: m.prod(x * x, 0),
    "cumsum": lambda m, x: x.cumsum(2) ** 2,
    "torch.cumsum(dim=)": lambda m, x: m.cumsum(x * x, dim=0),
    "std()": lambda m, x: x.std(),
    "var()": lambda m, x: x.var(),
    "var(dim, unbiased=False)": lambda m, x: x.var(2, unbiased=False),
    "std(dim, correction=0, keepdim)": lambda m, x: m.std(x, dim=2, correction=0, keepdim=True),
    "var(dim=tuple)": lambda m, x: m.var(x, dim=(0, 2)),
    "max(input, other)": lambda m, x: m.max(x, 0.9 * m.tensor(Y)),
    "min(input, other)": lambda m, x: m.min(x, 0.9 * m.tensor(Y)) * x,
    "mm": lambda m, x: m.mm(x[0].t(), x[1]),
    "bmm": lambda m, x: m.bmm(x.permute(0, 2, 1), x),
    "eye": lambda m, x: m.eye(3),
    "eye(n, m)": lambda m, x: m.eye(2, 3),
    "linspace": lambda m, x: m.linspace(0, 1, 5),
    "empty": lambda m, x: list(m.empty(2, 3).shape),
    "allclose": lambda m, x: m.allclose(x, x + 1e-9),
    "from_numpy": lambda m, x: m.from_numpy(np.arange(3.0)) * x,
    "grad_fn of a leaf": lambda m, x: x.grad_fn is None,
    "grad_fn of a result": lambda m, x: (x * 2).grad_fn is None,
    "requires_grad_": lambda m, x: m.ones(3).requires_grad_().requires_grad,
    "fill_": lambda m, x: m.zeros(3).fill_(2.0) * x,
    "zero_": lambda m, x: m.ones(3).zero_() + x,
    "copy_": lambda m, x: m.zeros(2, 1, 3).copy_(x.detach()) * x,
}


@pytest.fixture
def torch():
    """PyTorch with float64 as its default dtype, tinyreg's (restored afterwards)."""
    torch = pytest.importorskip("torch")
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(default)


def _value(result: Any) -> Any:
    """A result as numpy (or Python) values, from either library."""
    if hasattr(result, "detach"):  # a torch tensor
        return result.detach().numpy()
    return result.data if isinstance(result, tr.Tensor) else result


@pytest.mark.parametrize("name", IDIOMS)
def test_idioms_give_pytorchs_values_shapes_dtypes_and_derivatives(name, torch):
    idiom = IDIOMS[name]
    x_tr = tr.tensor(X, requires_grad=True)
    x_pt = torch.tensor(X, requires_grad=True)
    got, expected = idiom(tr, x_tr), idiom(torch, x_pt)
    got_value, expected_value = _value(got), _value(expected)
    if not isinstance(expected_value, np.ndarray):  # numel, tolist: Python values
        assert got_value == expected_value and type(got_value) is type(expected_value)
        return
    assert np.shape(got_value) == expected_value.shape
    assert np.asarray(got_value).dtype == expected_value.dtype
    np.testing.assert_allclose(got_value, expected_value, rtol=1e-14, atol=0)
    if not (isinstance(got, tr.Tensor) and got.requires_grad):
        assert not expected.requires_grad
        return
    # First derivatives of <out, u>, and second: derivatives of <first, v>.
    u = np.linspace(-1.0, 2.0, expected_value.size).reshape(expected_value.shape)
    v = np.linspace(0.5, -1.5, X.size).reshape(X.shape)
    (g_tr,) = tr.grad((got * u).sum(), [x_tr], create_graph=True)
    (g_pt,) = torch.autograd.grad((expected * torch.tensor(u)).sum(), x_pt, create_graph=True)
    np.testing.assert_allclose(g_tr.data, g_pt.numpy(force=True), rtol=1e-10, atol=1e-14)
    # A first derivative that is a constant (sign, norm with p=1) has second derivative 0.
    h_tr = h_pt = None
    if g_tr.requires_grad:
        (h_tr,) = tr.grad((g_tr * v).sum(), [x_tr], allow_unused=True)
    if g_pt.requires_grad:
        (h_pt,) = torch.autograd.grad((g_pt * torch.tensor(v)).sum(), x_pt, allow_unused=True)
    h_tr = np.zeros_like(X) if h_tr is None else h_tr.data
    h_pt = np.zeros_like(X) if h_pt is None else h_pt.numpy(force=True)
    np.testing.assert_allclose(h_tr, h_pt, rtol=1e-8, atol=1e-12)


def test_max_over_a_dim_sends_the_gradient_to_the_first_maximum_as_pytorch(torch):
    ties = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0], [2.0, 2.0, 2.0]])
    for name in ("max", "min"):
        for dim in (0, 1, -1):
            x_tr = tr.tensor(ties, requires_grad=True)
            x_pt = torch.tensor(ties, requires_grad=True)
            values, indices = getattr(x_tr, name)(dim)
            expected = getattr(x_pt, name)(dim)
            np.testing.assert_array_equal(indices, expected.indices.numpy())
            values.sum().backward()
            expected.values.sum().backward()
            np.testing.assert_array_equal(x_tr.grad, x_pt.grad.numpy())


def test_max_over_axis_or_everything_is_the_values_alone():
    x = tr.tensor([[1.0, 5.0], [7.0, 0.0]])
    assert isinstance(x.max(axis=1), tr.Tensor) and isinstance(x.min(dim=(0, 1)), tr.Tensor)
    assert x.max().item() == 7.0
    result = x.max(1, keepdim=True)
    assert isinstance(result, tr.Extremes) and result.values.shape == (2, 1)
    np.testing.assert_array_equal(result.indices, [[1], [0]])


def test_a_no_grad_sgd_step_matches_pytorch(torch):
    results = []
    for m in (tr, torch):
        w = m.tensor(X, requires_grad=True)
        for _ in range(3):
            loss = (w.sin() * w).sum()
            loss.backward()
            with m.no_grad():
                w -= 0.1 * w.grad
                w *= 0.9
            w.grad = None
        assert w.requires_grad and w.is_leaf
        results.append(_value(w))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-14)


def test_norm_at_zero_matches_pytorch(torch):
    values = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0]])
    for p in (1, 2, 3):
        x_tr = tr.tensor(values, requires_grad=True)
        x_pt = torch.tensor(values, requires_grad=True)
        (g_tr,) = tr.grad(x_tr.norm(p, dim=1).sum(), [x_tr])
        (g_pt,) = torch.autograd.grad(x_pt.norm(p, dim=1).sum(), x_pt)
        np.testing.assert_allclose(g_tr.data, g_pt.numpy(), rtol=1e-10, atol=0)


# ---------------------------------------------------------------------------
# size, casts, in-place methods on leaves
# ---------------------------------------------------------------------------


def test_size_is_numpys_element_count_and_pytorchs_size_when_called():
    t = tr.zeros(2, 3)
    assert t.size == 6 and isinstance(t.size, int) and len(range(t.size)) == 6
    assert np.zeros(t.size).shape == (6,)
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(-1) == 3
    assert tr.tensor(1.0).size == 1 and tr.tensor(1.0).size() == ()
    with pytest.raises(IndexError, match=r"size\(\): dim=2 is out of range"):
        t.size(2)


@pytest.mark.parametrize(("source", "target"), [(np.float64, np.float32), (np.float32, np.float64)])
def test_a_cast_is_recorded_and_its_gradient_keeps_the_inputs_dtype(source, target):
    x = tr.tensor([0.5, -1.5, 2.0], dtype=source, requires_grad=True)
    y = x.to(target)
    assert y.dtype == target and y.op is tr.cast and y.grad_fn is tr.cast
    (g,) = tr.grad((y**3).sum(), [x], create_graph=True)
    assert g.dtype == source
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-6)
    (h,) = tr.grad(g.sum(), [x])
    assert h.dtype == source
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-6)


def test_a_cast_to_the_same_dtype_or_device_is_the_tensor_itself():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    assert x.double() is x and x.to("cpu") is x and x.to(np.float64) is x and x.type_as(x) is x
    assert x.contiguous() is x
    x32 = x.float()
    assert x32.float() is x32 and x32.to(tr.float32) is x32


def test_a_cast_to_an_integer_type_or_another_device_is_an_error():
    x = tr.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype must be a floating-point type, got int64"):
        x.to(np.int64)
    with pytest.raises(ValueError, match="CPU only, got device 'cuda'"):
        x.to("cuda")


def test_dtype_names_are_numpys():
    assert tr.float32 is np.float32 and tr.float is np.float32
    assert tr.float64 is np.float64 and tr.double is np.float64
    assert tr.zeros(2, dtype=tr.float).dtype == np.float32
    assert tr.tensor([1.0], dtype=tr.float32).dtype == np.float32


IN_PLACE = {
    "fill_": (lambda t: t.fill_(2.5), [2.5, 2.5]),
    "zero_": (lambda t: t.zero_(), [0.0, 0.0]),
    "copy_": (lambda t: t.copy_(tr.tensor([3.0, 4.0])), [3.0, 4.0]),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_methods_follow_the_rule_of_in_place_arithmetic(name):
    method, expected = IN_PLACE[name]
    for dtype in (np.float64, np.float32):
        plain = tr.tensor([1.0, 2.0], dtype=dtype)
        assert method(plain) is plain and plain.tolist() == expected and plain.dtype == dtype
        w = tr.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
        with pytest.raises(RuntimeError, match=rf"in-place {name}\(\) on a leaf tensor"):
            method(w)
        assert w.tolist() == [1.0, 2.0]
        with pytest.raises(RuntimeError, match=rf"in-place {name}\(\) on a recorded tensor"):
            method(w * 1)
        with tr.no_grad():
            assert method(w) is w
        assert w.tolist() == expected and w.requires_grad and w.is_leaf


def test_requires_grad_on_leaves_and_on_recorded_tensors():
    t = tr.ones(3)
    assert t.requires_grad_() is t and t.requires_grad and t.is_leaf
    assert t.requires_grad_(False) is t and not t.requires_grad
    weight = tr.nn.Linear(2, 2).weight
    assert weight.requires_grad_(False) is weight and not weight.requires_grad
    y = tr.ones(2, requires_grad=True) * 2
    assert y.requires_grad_() is y and y.requires_grad
    with pytest.raises(RuntimeError, match="requires_grad_\\(False\\) on a tensor computed by mul"):
        y.requires_grad_(False)


def test_grad_fn_is_the_recorded_op():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad_fn is None and (x * x).grad_fn is tr.mul and x.sum().grad_fn is tr.ops.sum
    with tr.no_grad():
        assert (x * x).grad_fn is None


def test_from_numpy_shares_a_floating_arrays_memory():
    a = np.arange(3.0)
    t = tr.from_numpy(a)
    a[0] = 7.0
    t.data[1] = 8.0
    assert t.tolist() == [7.0, 8.0, 2.0] and a.tolist() == [7.0, 8.0, 2.0]
    assert t.is_leaf and not t.requires_grad
    assert tr.from_numpy(np.arange(3)).dtype == np.float64  # integers: a float64 copy
    with pytest.raises(TypeError, match="expected a numpy array, got list"):
        tr.from_numpy([1.0])


# ---------------------------------------------------------------------------
# Shape methods, products, matrix products: their errors
# ---------------------------------------------------------------------------


def test_split_and_chunk_give_pytorchs_pieces():
    t = tr.arange(7.0)
    assert [p.tolist() for p in t.split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.shape for p in t.chunk(3)] == [(3,), (3,), (1,)]
    assert [p.shape for p in tr.arange(6.0).chunk(4)] == [(2,), (2,), (2,)]  # fewer pieces
    with pytest.raises(ValueError, match=r"the sizes \[3, 3\] add up to 6, but dimension 0 has 7"):
        t.split([3, 3])
    with pytest.raises(ValueError, match="chunks must be a positive int, got 0"):
        t.chunk(0)


def test_shape_methods_refuse_what_pytorch_refuses():
    t = tr.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"t\(\) expects a tensor with at most 2 dimensions"):
        t.t()
    with pytest.raises(ValueError, match=r"permute\(\): dims=\(1, 0\) must name each of the 3"):
        t.permute(1, 0)
    with pytest.raises(ValueError, match=r"repeat\(\): give at least one size per dimension"):
        t.repeat(2, 2)
    with pytest.raises(ValueError, match=r"expand\(\): sizes=\(3, 4\) has fewer dimensions"):
        t.expand(3, 4)


def test_mm_and_bmm_check_shapes_as_pytorch_does():
    with pytest.raises(ValueError, match=r"mm\(\): expects 2-D matrices, got shapes \(2, 3, 4\)"):
        tr.mm(tr.zeros(2, 3, 4), tr.zeros(4, 5))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) and mat2 of shape \(2, 3\) cannot be"):
        tr.mm(tr.zeros(2, 3), tr.zeros(2, 3))
    with pytest.raises(ValueError, match="bmm\\(\\): expects 3-D batches of matrices"):
        tr.bmm(tr.zeros(3, 4), tr.zeros(4, 5))
    with pytest.raises(ValueError, match="different batch sizes"):
        tr.bmm(tr.zeros(2, 3, 4), tr.zeros(3, 4, 5))


@pytest.mark.parametrize(
    "values",
    [
        [[1.5, 0.0, -2.0], [0.5, 3.0, 1.0]],  # exactly one zero in a row
        [[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]],  # several zeros
    ],
    ids=["one zero", "several zeros"],
)
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros_has_pytorchs_first_and_second_derivatives(values, dim, torch):
    values = np.array(values)
    x_tr = tr.tensor(values, requires_grad=True)
    x_pt = torch.tensor(values, requires_grad=True)
    out_tr = x_tr.prod() if dim is None else x_tr.prod(dim)
    out_pt = x_pt.prod() if dim is None else x_pt.prod(dim)
    (g_tr,) = tr.grad(out_tr.sum(), [x_tr], create_graph=True)
    (g_pt,) = torch.autograd.grad(out_pt.sum(), x_pt, create_graph=True)
    np.testing.assert_array_equal(g_tr.data, g_pt.detach().numpy())
    v = np.linspace(0.5, -1.5, values.size).reshape(values.shape)
    (h_tr,) = tr.grad((g_tr * v).sum(), [x_tr])
    (h_pt,) = torch.autograd.grad((g_pt * torch.tensor(v)).sum(), x_pt)
    np.testing.assert_allclose(h_tr.data, h_pt.numpy(), rtol=1e-14, atol=0)


def test_var_and_std_default_to_pytorchs_unbiased_estimate(torch):
    x_tr, x_pt = tr.tensor(X), torch.tensor(X)
    for got, expected in [
        (x_tr.var(), x_pt.var()),
        (tr.std(x_tr, 2), torch.std(x_pt, 2)),
        (x_tr.var(ddof=0), x_pt.var(correction=0)),
        (x_tr.std(unbiased=False), x_pt.std(unbiased=False)),
        (x_tr.var(2, correction=2), x_pt.var(2, correction=2)),
    ]:
        np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-14)
    np.testing.assert_allclose(tr.ops.var(x_tr).data, X.var(), rtol=1e-14)  # the op: numpy's
    with pytest.raises(TypeError, match="got correction= and ddof=, spellings of one argument"):
        x_tr.var(correction=1, ddof=1)
