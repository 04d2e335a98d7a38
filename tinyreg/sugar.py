"""Syntactic sugar over the engine: Tensor's operators and methods, and the tensor factories.

The engine (:mod:`tinyreg.autograd`) gives a :class:`~tinyreg.autograd.Tensor`
its data, its record and its backward pass, and nothing else. What makes it
read like a numpy array is here: ``a + b`` is ``ops.add(a, b)``, ``a @ b``
is ``ops.matmul(a, b)``, ``t.sum(axis=0)`` is ``ops.sum(t, axis=0)``, each
operator and method one op of :mod:`tinyreg.ops`. They are written as the
class :class:`TensorMethods` and installed on ``Tensor`` when this module is
imported (``import tinyreg`` does it first), so the engine imports no op and
the package's imports flow one way: ``autograd <- ops <- sugar``.

The methods take the arguments numpy users and PyTorch users write:
``t.sum(axis=0, keepdims=True)`` or ``t.sum(dim=0, keepdim=True)``,
``t.reshape(2, 3)`` or ``t.view((2, 3))``.

Comparisons (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``) are elementwise
and not differentiable: they return numpy boolean arrays, constants to every
derivative; so do :func:`argmax` and :func:`argmin` (integer arrays). A
Tensor is still hashable, by identity, so tensors can be dict keys.

In-place arithmetic (``w -= lr * w.grad``) changes ``w.data`` in place
under :class:`~tinyreg.no_grad` or on a tensor that does not require grad:
``w`` keeps its identity, dtype and ``requires_grad``, as in PyTorch. On a
leaf that requires grad while recording is on it is a RuntimeError (the
update would not be part of any graph); on a recorded result
(``loss += penalty``) it is the recorded operation, ``loss = loss + penalty``.

The factories make leaf tensors: :func:`tensor`, :func:`zeros`, :func:`ones`
(a shape as varargs, ``zeros(2, 3)``, or as one sequence, ``zeros((2, 3))``),
:func:`full`, :func:`arange` and the ``*_like`` ones, of another tensor's
shape and dtype (the random ones, ``randn`` and ``rand``, are in
:mod:`tinyreg.random`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tinyreg import ops
from tinyreg.autograd import Tensor, _data
from tinyreg.grad_mode import is_grad_enabled
from tinyreg.ops import Axis, _given, _numpy_names
from tinyreg.validation import check_shape, float_dtype

__all__ = [
    "Extremes",
    "TensorMethods",
    "arange",
    "argmax",
    "argmin",
    "full",
    "full_like",
    "max",
    "min",
    "ones",
    "ones_like",
    "tensor",
    "zeros",
    "zeros_like",
]


# ---------------------------------------------------------------------------
# Indices of extremes (not differentiable: integer arrays), also methods
# ---------------------------------------------------------------------------


def argmax(
    input: Any,
    dim: int | None = None,
    keepdim: bool | None = None,
    *,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> np.ndarray:
    """The index of the largest element over ``dim`` (of the flattened input when None).

    A numpy integer array (0-d for one index); ``keepdim`` keeps the reduced
    axis with size 1. ``axis=``/``keepdims=`` are accepted too. At ties, the
    first maximum.
    """
    return _index_of(np.argmax, input, dim=dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def argmin(
    input: Any,
    dim: int | None = None,
    keepdim: bool | None = None,
    *,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> np.ndarray:
    """The index of the smallest element over ``dim``, as :func:`argmax`."""
    return _index_of(np.argmin, input, dim=dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def _index_of(extreme: Callable[..., Any], input: Any, **options: Any) -> np.ndarray:
    """``extreme`` (numpy argmax or argmin) of ``input``, its options in either spelling."""
    options = _numpy_names(extreme.__name__, _given(**options))
    return np.asarray(extreme(_data(input), **options))


class Extremes(NamedTuple):
    """``t.max(dim)`` and ``t.min(dim)``: the extreme values and where they are, as PyTorch's."""

    values: Tensor
    indices: np.ndarray


def _extreme(reduce: Any, index_of: Callable[..., np.ndarray]) -> Callable[..., Any]:
    """``max``/``min`` as function and method: PyTorch's over one ``dim``, numpy's over ``axis``."""

    def method(
        input: Any,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        options = _given(axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
        _numpy_names(reduce.name, options)  # both spellings of one argument: a TypeError
        if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
            input = input if isinstance(input, Tensor) else Tensor(input)
            kept = bool(options.get("keepdim", options.get("keepdims", False)))
            return _at_extremes(input, index_of(input, dim=dim, keepdim=True), int(dim), kept)
        return reduce(input, **options)

    method.__name__ = method.__qualname__ = reduce.name
    method.__doc__ = (
        f"``{reduce.name}`` of ``input`` (of the tensor, as a method). Over one ``dim`` "
        "(an int, by position or by name), as PyTorch: the pair ``(values, indices)``, an "
        ":class:`Extremes` (the indices of the first extreme at ties, a numpy integer "
        "array; the values' gradient goes to those entries). Over ``axis`` (an int or a "
        "tuple), a tuple ``dim``, or everything when neither is given: the values alone "
        "(the op, whose gradient is shared between ties). The reduced axes are kept with "
        "size 1 when ``keepdim`` or ``keepdims`` is True."
    )
    return method


def _at_extremes(t: Any, indices: np.ndarray, dim: int, keepdim: bool) -> Extremes:
    """The entries of ``t`` at ``indices`` along ``dim`` (kept with size 1), and the indices.

    An indexing op, so the gradient goes to exactly those entries.
    """
    axis = dim % t.ndim
    grid = np.indices(indices.shape, sparse=True)
    values = t[tuple(indices if k == axis else grid[k] for k in range(t.ndim))]
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return Extremes(values, indices)


#: ``tinyreg.max(t, dim)`` and ``t.max(dim)`` (likewise min): PyTorch's, on the ops max and min.
max = _extreme(ops.max, argmax)
min = _extreme(ops.min, argmin)


# ---------------------------------------------------------------------------
# Tensor's operators and methods
# ---------------------------------------------------------------------------


def _reduction(reduce: Any) -> Callable[..., Tensor]:
    """The method ``t.name(axis=None, keepdims=None, *, dim=None, keepdim=None)``: ``reduce``."""

    def method(
        self: Any,
        axis: Axis = None,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return reduce(self, **_given(axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim))

    method.__name__ = method.__qualname__ = reduce.name
    method.__doc__ = (
        f"``{reduce.name}`` over ``axis`` or ``dim`` (all axes when None); the reduced axes "
        "are kept with size 1 when ``keepdims`` or ``keepdim`` is True."
    )
    return method


class TensorMethods:
    """Tensor's operators and methods, each one op of :mod:`tinyreg.ops` (installed on Tensor)."""

    data: np.ndarray  # the Tensor's values

    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index=index)

    # In-place arithmetic: on .data under no_grad (see the module docstring).
    def __iadd__(self, other: Any) -> Tensor:
        return _in_place(self, other, "+=", np.add, ops.add)

    def __isub__(self, other: Any) -> Tensor:
        return _in_place(self, other, "-=", np.subtract, ops.sub)

    def __imul__(self, other: Any) -> Tensor:
        return _in_place(self, other, "*=", np.multiply, ops.mul)

    def __itruediv__(self, other: Any) -> Tensor:
        return _in_place(self, other, "/=", np.divide, ops.div)

    # Comparisons are elementwise and not differentiable: they return numpy boolean arrays.
    # Defining == would make Tensor unhashable: it stays hashable by identity.
    __hash__ = object.__hash__

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _data(other)

    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (numpy's ``.T``)."""
        return ops.transpose(self)

    def matmul(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    # Reductions: over ``axis`` (numpy) or ``dim`` (PyTorch), all axes by default; the reduced
    # axes are kept with size 1 when ``keepdims`` or ``keepdim`` is True.
    sum = _reduction(ops.sum)
    mean = _reduction(ops.mean)
    max = max
    min = min
    logsumexp = _reduction(ops.logsumexp)

    def var(
        self,
        axis: Axis = None,
        ddof: int = 0,
        keepdims: bool | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """The variance with numpy's ``ddof`` (0 by default: the biased variance)."""
        options = _given(axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
        return ops.var(self, ddof=ddof, **options)

    def norm(
        self,
        p: float = 2,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The p-norm over ``dim`` or ``axis`` (all elements by default)."""
        return ops.norm(self, p=p, **_given(dim=dim, keepdim=keepdim, axis=axis, keepdims=keepdims))

    # argmax(input, dim, keepdim) and argmin, as methods (t is the input).
    argmax = argmax
    argmin = argmin

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def tolist(self) -> Any:
        """The values as (nested lists of) Python floats; a 0-d tensor gives a float."""
        return self.data.tolist()

    def clone(self) -> Tensor:
        """A copy with its own memory, recorded: gradients flow back to this tensor."""
        return ops.clone(self)

    def reshape(self, *shape: Any) -> Tensor:
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``, as numpy."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape=shape)

    def transpose(self, *axes: Any) -> Tensor:
        """``t.transpose()`` reverses the axes; ``t.transpose(1, 0, 2)`` permutes them."""
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes=axes or None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """The tensor with two axes interchanged (numpy's ``swapaxes``)."""
        axes = list(range(self.data.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return ops.transpose(self, axes=tuple(axes))

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for :meth:`reshape`: ``t.view(2, 3)`` or ``t.view((2, 3))``."""
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes ``start_dim`` to ``end_dim`` merged into one (all of them by default)."""
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: int | tuple[int, ...] | None = None) -> Tensor:
        """Without the size-1 axes (all of them, or those among ``dim``)."""
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """With a new axis of size 1 at position ``dim``."""
        return ops.unsqueeze(self, dim)

    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def log1p(self) -> Tensor:
        return ops.log1p(self)

    def sin(self) -> Tensor:
        return ops.sin(self)

    def cos(self) -> Tensor:
        return ops.cos(self)

    def sign(self) -> Tensor:
        return ops.sign(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def abs(self) -> Tensor:
        return ops.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return ops.clip(self, min=min, max=max)

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Softmax along ``axis`` or ``dim`` (the last axis by default)."""
        return ops.softmax(self, **_given(axis=axis, dim=dim))

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """log(softmax) along ``axis`` or ``dim`` (the last axis by default)."""
        return ops.log_softmax(self, **_given(axis=axis, dim=dim))


def _in_place(
    t: Any, other: Any, symbol: str, ufunc: Callable[..., Any], recorded: Callable[..., Tensor]
) -> Any:
    """``t += other`` (or ``-=``, ``*=``, ``/=``) in place on ``t.data``, keeping its dtype.

    On a recorded result (``loss += penalty``) it is the recorded ``recorded(t, other)``. A
    leaf that requires grad, with recording on, is a RuntimeError.
    """
    if t.requires_grad and is_grad_enabled():
        if t.op is not None:
            return recorded(t, other)
        raise RuntimeError(
            f"in-place {symbol} on a leaf tensor that requires grad, with gradient recording "
            f"on: wrap the update in `with tinyreg.no_grad():` (as for an optimizer step), "
            f"or write `t = t {symbol[0]} ...` for a new, recorded tensor"
        )
    ufunc(t.data, _data(other), out=t.data, casting="same_kind")
    return t


def _install(methods: type, cls: type) -> None:
    """Copy the operators, methods and properties defined on ``methods`` onto ``cls``."""
    for name, value in vars(methods).items():
        if callable(value) or isinstance(value, property):
            setattr(cls, name, value)


_install(TensorMethods, Tensor)


# ---------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a leaf tensor holding a copy of ``data``.

    Floating-point data keeps its dtype; integers, booleans, lists and Python
    numbers become float64 (or ``dtype`` if given, which must be floating).
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(check_shape("zeros", shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor(np.ones(check_shape("ones", shape), dtype=dtype), requires_grad=requires_grad)


def full(
    size: Any, fill_value: float, *, requires_grad: bool = False, dtype: Any = np.float64
) -> Tensor:
    """A tensor of shape ``size`` (a sequence, or an int) filled with ``fill_value``."""
    shape = check_shape("full", (size,))
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(input: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype (floating: an integer array gives float64)."""
    return full_like(input, 0.0, requires_grad=requires_grad, dtype=dtype)


def ones_like(input: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Ones of ``input``'s shape and dtype (floating: an integer array gives float64)."""
    return full_like(input, 1.0, requires_grad=requires_grad, dtype=dtype)


def full_like(
    input: Any, fill_value: float, *, requires_grad: bool = False, dtype: Any = None
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype (or ``dtype``) -- a leaf, never recorded."""
    data = np.full(np.shape(input), fill_value, dtype=dtype or float_dtype(input))
    return Tensor(data, requires_grad=requires_grad)


def arange(*args: float, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """Evenly spaced values, as ``numpy.arange(start, stop, step)``."""
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)
