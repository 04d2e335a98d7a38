"""Syntactic sugar over the engine: Tensor's operators and methods, and the tensor factories.

The engine (:mod:`tinyreg.autograd`) gives a :class:`~tinyreg.autograd.Tensor`
its data, its record and its backward pass, and nothing else. What makes it
read like a numpy array is here: ``a + b`` is ``ops.add(a, b)``, ``a @ b``
is ``ops.matmul(a, b)``, ``t.sum(axis=0)`` is ``ops.sum(t, axis=0)``, each
operator and method one op of :mod:`tinyreg.ops`. They are written as the
class :class:`TensorMethods` and installed on ``Tensor`` when this module is
imported (``import tinyreg`` does it first), so the engine imports no op and
the package's imports flow one way: ``autograd <- ops <- sugar``.

Comparisons (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``) are elementwise
and not differentiable: they return numpy boolean arrays, constants to every
derivative. A tensor stays hashable, by identity.

The factories make leaf tensors: :func:`tensor`, :func:`zeros`,
:func:`ones`, :func:`arange` (the random ones, ``randn`` and ``rand``, are in
:mod:`tinyreg.random`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg import ops
from tinyreg.autograd import Tensor, _data

__all__ = ["TensorMethods", "arange", "ones", "tensor", "zeros"]


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

    # Comparisons are not differentiable: they return plain numpy boolean arrays.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _data(other)

    # Defining == removes the inherited hash: a tensor stays hashable by identity (as in
    # PyTorch), so that tensors can key dicts and fill sets, as the backward walk does.
    __hash__ = object.__hash__

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (numpy's ``.T``)."""
        return ops.transpose(self)

    def matmul(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def var(
        self, axis: int | tuple[int, ...] | None = None, ddof: int = 0, keepdims: bool = False
    ) -> Tensor:
        return ops.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.min(self, axis=axis, keepdims=keepdims)

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

    def flatten(self) -> Tensor:
        return ops.reshape(self, shape=(-1,))

    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

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

    def logsumexp(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> Tensor:
        return ops.logsumexp(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return ops.softmax(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops.log_softmax(self, axis=axis)


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


def zeros(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``."""
    return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


def ones(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of ones: ``ones(2, 3)``."""
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


def arange(*args: float, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """Evenly spaced values, as ``numpy.arange(start, stop, step)``."""
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)
