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
``t.reshape(2, 3)`` or ``t.view((2, 3))``. Where the two libraries give one
name two meanings, the method is PyTorch's and stays numpy-compatible where it
can: ``t.size`` is numpy's element count, an int that called gives PyTorch's
shape (:class:`Size`); ``var`` and ``std`` are PyTorch's (``correction=1`` by
default), taking numpy's ``ddof=`` too. Casts (``t.float()``, ``t.to(dtype)``)
are one op, ``cast``, so gradients come back in each tensor's own dtype.

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
``fill_``, ``zero_`` and ``copy_`` follow the same rule, and are a
RuntimeError on a recorded result too (they are no operation to record).

The factories make leaf tensors: :func:`tensor`, :func:`zeros`, :func:`ones`
(a shape as varargs, ``zeros(2, 3)``, or as one sequence, ``zeros((2, 3))``),
:func:`full`, :func:`arange`, :func:`linspace`, :func:`eye`, :func:`empty`,
:func:`from_numpy` and the ``*_like`` ones, of another tensor's shape and dtype
(the random ones, ``randn``, ``rand``, ``normal``, are in :mod:`tinyreg.random`).
After them, the functions PyTorch users call on tensors that are not one op:
:func:`mm`, :func:`bmm` (matmul with PyTorch's shape checks), :func:`allclose`.
"""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tinyreg import ops
from tinyreg.autograd import Tensor, _data
from tinyreg.grad_mode import is_grad_enabled
from tinyreg.ops import Axis, _dim_index, _given, _numpy_names
from tinyreg.validation import check_int, check_shape, float_dtype

__all__ = [
    "Extremes",
    "Size",
    "TensorMethods",
    "allclose",
    "arange",
    "argmax",
    "argmin",
    "bmm",
    "clamp",
    "double",
    "empty",
    "eye",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "max",
    "min",
    "mm",
    "ones",
    "ones_like",
    "std",
    "tensor",
    "var",
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


def _extreme(
    reduce: Any, index_of: Callable[..., np.ndarray], elementwise: Any
) -> Callable[..., Any]:
    """``max``/``min`` as function and method: PyTorch's over one ``dim``, numpy's over ``axis``,
    and ``elementwise`` (maximum/minimum) when the second argument is a tensor or an array."""

    def method(
        input: Any,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        if isinstance(dim, (Tensor, np.ndarray)):  # max(input, other), as torch.max
            return elementwise(input, dim)
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
        "size 1 when ``keepdim`` or ``keepdims`` is True. With a tensor or an array as "
        f"second argument, ``{reduce.name}(input, other)`` is the elementwise "
        f"``{elementwise.name}``, as PyTorch's."
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
max = _extreme(ops.max, argmax, ops.maximum)
min = _extreme(ops.min, argmin, ops.minimum)


# ---------------------------------------------------------------------------
# Variance and standard deviation, PyTorch's (ops.var is the op, with numpy's ddof=0)
# ---------------------------------------------------------------------------


def var(
    input: Any,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool | None = None,
    *,
    correction: float | None = None,
    ddof: float | None = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The variance Σ(x − x̄)² / (n − correction) over ``dim`` (all elements by default).

    PyTorch's defaults: ``correction=1``, the unbiased estimate. ``unbiased=False``
    is ``correction=0`` (the biased variance, numpy's default), and numpy's
    ``ddof=`` is another spelling of ``correction``; ``axis=``/``keepdims=`` are
    accepted too. The op underneath is :func:`tinyreg.ops.var`.
    """
    options = _given(axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
    return ops.var(input, ddof=_correction(unbiased, correction, ddof), **options)


def std(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """The standard deviation, √:func:`var` of the same arguments (``correction=1`` by default)."""
    return ops.sqrt(var(input, *args, **kwargs))


def _correction(unbiased: bool | None, correction: float | None, ddof: float | None) -> float:
    """The ``correction`` that ``unbiased``, ``correction`` or ``ddof`` gives (1 by default)."""
    given = _given(unbiased=unbiased, correction=correction, ddof=ddof)
    if len(given) > 1:
        names = " and ".join(f"{name}=" for name in given)
        raise TypeError(
            f"var()/std() got {names}, spellings of one argument (unbiased=True is "
            "correction=1 is ddof=1): pass only one"
        )
    if unbiased is not None:
        return int(bool(unbiased))
    return next(iter(given.values()), 1)


def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:
    """``input`` limited to [min, max] (either bound may be None): PyTorch's name for ``clip``."""
    return ops.clip(input, min=min, max=max)


# ---------------------------------------------------------------------------
# Tensor's operators and methods
# ---------------------------------------------------------------------------


class Size(int):
    """``t.size``: the number of elements (an int), callable for the shape, as PyTorch's.

    ``t.size == 6`` and ``range(t.size)`` work as on a numpy array; ``t.size()``
    is the shape tuple and ``t.size(dim)`` the length of one axis.
    """

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> Size:
        size = super().__new__(cls, math.prod(shape))
        size.shape = tuple(shape)
        return size

    def __reduce__(self) -> tuple[Any, ...]:
        return int, (int(self),)  # copied or pickled, the element count

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self.shape[_dim_index("size", "dim", dim, len(self.shape))]


def _sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes or axes given as varargs, ``(2, 3)``, or as one sequence, ``((2, 3),)``."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(args[0])
    return args


def _cast(t: Any, dtype: Any) -> Any:
    """``t`` in ``dtype`` (the op ``cast``); ``t`` itself when it has that dtype already."""
    return t if t.dtype == np.dtype(dtype) else ops.cast(t, dtype=dtype)


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
    op: Any  # the op that computed it, None on a leaf
    requires_grad: bool

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

    prod = _reduction(ops.prod)
    # var(input, dim, unbiased, keepdim, *, correction=1, ...) and std, PyTorch's (t is the input).
    var = var
    std = std

    def cumsum(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running sums along ``dim`` (or ``axis``), as ``torch.cumsum``."""
        return ops.cumsum(self, **_given(dim=dim, axis=axis))

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

    @property
    def size(self) -> Size:
        """The number of elements, an int as numpy's ``a.size``, that is also PyTorch's
        ``size()``: ``t.size()`` is the shape (a tuple), ``t.size(dim)`` one axis's length."""
        return Size(self.data.shape)

    def dim(self) -> int:
        """The number of dimensions, ``t.ndim``."""
        return int(self.data.ndim)

    @property
    def grad_fn(self) -> Any:
        """The op that computed this tensor (PyTorch's name for ``t.op``); None on a leaf."""
        return self.op

    # Casts: one op, cast, whose gradient is cast back to the input's dtype. A tensor that
    # already has the dtype asked for is returned itself, as in PyTorch.
    def to(self, *args: Any, dtype: Any = None) -> Tensor:
        """``t.to(dtype)``, ``t.to(other)`` (other's dtype), ``t.to("cpu")`` (the tensor itself:
        tinyreg computes on the CPU), or a device and a dtype."""
        for arg in args:
            if isinstance(arg, str):
                if arg.split(":")[0] != "cpu":
                    raise ValueError(f"to(): tinyreg computes on the CPU only, got device {arg!r}")
            else:
                dtype = np.asarray(arg).dtype if isinstance(arg, Tensor) else arg
        return _cast(self, self.data.dtype if dtype is None else dtype)

    def float(self) -> Tensor:
        """The tensor as float32 (PyTorch's ``float``), a differentiable cast."""
        return _cast(self, np.float32)

    def double(self) -> Tensor:
        """The tensor as float64 (PyTorch's ``double``), a differentiable cast."""
        return _cast(self, np.float64)

    def type_as(self, other: Any) -> Tensor:
        """The tensor in ``other``'s dtype, a differentiable cast."""
        return _cast(self, np.asarray(other).dtype)

    def contiguous(self) -> Tensor:
        """The tensor itself (numpy arrays need no contiguous copy here)."""
        return self  # type: ignore[return-value]

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of shape ``size`` in this tensor's dtype (or ``dtype``)."""
        return self.new_full(size, 0.0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of shape ``size`` in this tensor's dtype (or ``dtype``)."""
        return self.new_full(size, 1.0, dtype=dtype, requires_grad=requires_grad)

    def new_full(
        self, size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """``fill_value`` in shape ``size`` and this tensor's dtype (or ``dtype``): a leaf."""
        shape = check_shape("new_full", size if isinstance(size, tuple) else (size,))
        data = np.full(shape, fill_value, dtype=dtype or self.data.dtype)
        return Tensor(data, requires_grad=requires_grad)

    # In place on leaves, by the rule of in-place arithmetic (see the module docstring).
    def fill_(self, value: Any) -> Tensor:
        """Every element set to ``value``, in place; returns the tensor."""
        _check_in_place(self, "fill_()", "`tinyreg.full_like(t, value)`")
        self.data[...] = _data(value)
        return self  # type: ignore[return-value]

    def zero_(self) -> Tensor:
        """Every element set to 0, in place; returns the tensor."""
        _check_in_place(self, "zero_()", "`tinyreg.zeros_like(t)`")
        self.data[...] = 0
        return self  # type: ignore[return-value]

    def copy_(self, src: Any) -> Tensor:
        """``src``'s values (broadcast to this shape, cast to this dtype), in place."""
        _check_in_place(self, "copy_()", "`src.clone()`")
        np.copyto(self.data, _data(src), casting="same_kind")
        return self  # type: ignore[return-value]

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf, in place; returns the tensor.

        A recorded result requires grad by construction: ``requires_grad_(False)`` on it is a
        RuntimeError (``t.detach()`` is the tensor cut off from the graph).
        """
        if self.op is not None:
            if not requires_grad:
                raise RuntimeError(
                    f"requires_grad_(False) on a tensor computed by {self.op.name}: only a "
                    "leaf's flag can change; use t.detach() for a tensor cut off from the graph"
                )
        else:
            self.requires_grad = bool(requires_grad)
        return self  # type: ignore[return-value]

    def tolist(self) -> Any:
        """The values as (nested lists of) Python floats; a 0-d tensor gives a float."""
        return self.data.tolist()

    def clone(self) -> Tensor:
        """A copy with its own memory, recorded: gradients flow back to this tensor."""
        return ops.clone(self)

    def reshape(self, *shape: Any) -> Tensor:
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``, as numpy."""
        return ops.reshape(self, shape=_sizes(shape))

    def transpose(self, *axes: Any) -> Tensor:
        """``t.transpose()`` reverses the axes; ``t.transpose(1, 0, 2)`` permutes them."""
        return ops.transpose(self, axes=_sizes(axes) or None)

    def permute(self, *dims: Any) -> Tensor:
        """The axes in the order ``dims`` (varargs or one sequence), as ``torch.permute``."""
        dims = _sizes(dims)
        if len(dims) != self.data.ndim:
            raise ValueError(
                f"permute(): dims={dims} must name each of the {self.data.ndim} dimensions once"
            )
        return ops.transpose(self, axes=dims)

    def t(self) -> Tensor:
        """The transpose of a matrix (a 0-d or 1-D tensor is returned as it is), as PyTorch's."""
        if self.data.ndim > 2:
            raise ValueError(
                f"t() expects a tensor with at most 2 dimensions, got shape {self.data.shape}: "
                "use permute() or transpose(dim0, dim1)"
            )
        return ops.transpose(self)

    def expand(self, *sizes: Any) -> Tensor:
        """A broadcast to ``sizes`` (new axes in front; −1 keeps an axis's size): broadcast_to."""
        sizes, shape = _sizes(sizes), self.data.shape
        lead = len(sizes) - len(shape)
        if lead < 0:
            raise ValueError(
                f"expand(): sizes={sizes} has fewer dimensions than the tensor's shape {shape}"
            )
        target = tuple(shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        return ops.broadcast_to(self, shape=target)

    def repeat(self, *sizes: Any) -> Tensor:
        """The tensor tiled ``sizes[i]`` times along axis i (new axes in front), as PyTorch's.

        Composed of ops: each axis of size s becomes a pair (1, s), broadcast to
        (r, s), and merged into r·s, so copy k of element j lands at k·s + j.
        """
        sizes = _sizes(sizes)
        if len(sizes) < self.data.ndim:
            raise ValueError(
                f"repeat(): give at least one size per dimension, got sizes={sizes} for a "
                f"tensor of shape {self.data.shape}"
            )
        shape = (1,) * (len(sizes) - self.data.ndim) + self.data.shape
        pairs = ops.reshape(self, shape=tuple(n for size in shape for n in (1, size)))
        tiled = list(zip(sizes, shape, strict=True))
        copies = ops.broadcast_to(pairs, shape=tuple(n for pair in tiled for n in pair))
        return ops.reshape(copies, shape=tuple(r * size for r, size in tiled))

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``: of ``split_size_or_sections`` elements each (the last may be
        smaller) or, for a list, of those sizes; each a slice (a ``getitem``), as PyTorch's."""
        axis = _dim_index("split", "dim", dim, self.data.ndim)
        n = self.data.shape[axis]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            if step <= 0:
                raise ValueError(f"split(): split_size must be positive, got {step}")
            sizes = [step] * (n // step) + ([n % step] if n % step else [])
        else:
            sizes = [int(k) for k in split_size_or_sections]
            if sum(sizes) != n:
                raise ValueError(
                    f"split(): the sizes {sizes} add up to {sum(sizes)}, but dimension {dim} "
                    f"has {n} elements"
                )
        before = (slice(None),) * axis
        pieces = itertools.pairwise(np.cumsum([0, *sizes]))
        return tuple(self[tuple([*before, slice(a, b)])] for a, b in pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces along ``dim`` of ⌈n / chunks⌉ elements (fewer pieces when they
        run out first), as PyTorch's: :meth:`split` with that size."""
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ValueError(f"chunk(): chunks must be a positive int, got {chunks!r}")
        n = self.data.shape[_dim_index("chunk", "dim", dim, self.data.ndim)]
        return self.split(builtins.max(-(-n // int(chunks)), 1), dim)

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

    def pow(self, exponent: Any) -> Tensor:
        return ops.power(self, exponent)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return ops.clip(self, min=min, max=max)

    clamp = clamp  # clamp(input, min, max), as a method (t is the input)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is True, the tensor elsewhere: a ``where``."""
        return ops.where(mask, value, self)

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
    if t.requires_grad and is_grad_enabled() and t.op is not None:
        return recorded(t, other)
    _check_in_place(t, symbol, f"`t = t {symbol[0]} ...`")
    ufunc(t.data, _data(other), out=t.data, casting="same_kind")
    return t


def _check_in_place(t: Any, what: str, instead: str) -> None:
    """The rule for changing ``t.data`` in place: allowed under no_grad or when ``t`` does not
    require grad; else a RuntimeError saying what to write ``instead``."""
    if t.requires_grad and is_grad_enabled():
        kind = "leaf tensor" if t.op is None else "recorded tensor"
        raise RuntimeError(
            f"in-place {what} on a {kind} that requires grad, with gradient recording "
            f"on: wrap the update in `with tinyreg.no_grad():` (as for an optimizer step), "
            f"or write {instead} for a new, recorded tensor"
        )


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


def empty(*shape: Any, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """PyTorch's uninitialised tensor, here a tensor of zeros: ``empty(2, 3)``."""
    return Tensor(np.zeros(check_shape("empty", shape), dtype=dtype), requires_grad=requires_grad)


def linspace(
    start: float, end: float, steps: int, *, requires_grad: bool = False, dtype: Any = np.float64
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    steps = check_int("steps", steps, minimum=0)
    return Tensor(np.linspace(start, end, steps, dtype=dtype), requires_grad=requires_grad)


def eye(
    n: int, m: int | None = None, *, requires_grad: bool = False, dtype: Any = np.float64
) -> Tensor:
    """The n × m identity matrix (n × n when ``m`` is None)."""
    n = check_int("n", n, minimum=0)
    m = n if m is None else check_int("m", m, minimum=0)
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A leaf tensor sharing ``array``'s memory, as PyTorch's: a change to one is seen in both.

    tinyreg tensors are floating point: a floating array is shared, an integer or
    boolean array becomes a float64 copy.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy array, got {type(array).__name__}")
    if array.dtype.kind == "f":
        return Tensor._computed(array)  # a leaf holding the array itself
    return Tensor(array)


def allclose(
    input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether |input − other| ≤ atol + rtol·|other| everywhere (on the values)."""
    return bool(np.allclose(_data(input), _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def mm(input: Any, mat2: Any) -> Tensor:
    """The matrix product of two matrices (2-D only, as ``torch.mm``): a ``matmul``."""
    _check_matmul("mm", input, mat2, "2-D matrices", 2)
    return ops.matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Matrix products of two batches of matrices, (b, n, m) @ (b, m, p) (3-D, as ``torch.bmm``)."""
    _check_matmul("bmm", input, mat2, "3-D batches of matrices", 3)
    if np.shape(input)[0] != np.shape(mat2)[0]:
        raise ValueError(
            f"bmm(): input of shape {np.shape(input)} and mat2 of shape {np.shape(mat2)} have "
            "different batch sizes"
        )
    return ops.matmul(input, mat2)


def _check_matmul(name: str, input: Any, mat2: Any, what: str, ndim: int) -> None:
    """``input`` and ``mat2`` are ``ndim``-D and their inner sizes agree; else a ValueError."""
    a, b = np.shape(input), np.shape(mat2)
    if len(a) != ndim or len(b) != ndim:
        raise ValueError(f"{name}(): expects {what}, got shapes {a} and {b}")
    if a[-1] != b[-2]:
        raise ValueError(
            f"{name}(): input of shape {a} and mat2 of shape {b} cannot be multiplied "
            f"({a[-1]} columns against {b[-2]} rows)"
        )


#: PyTorch's dtype names, as the numpy dtypes tinyreg tensors hold (``tinyreg.float`` is float32,
#: as ``torch.float`` is; it is defined in the package, where it shadows no builtin in use).
float32 = np.float32
float64 = np.float64
double = np.float64
