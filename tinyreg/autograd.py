"""The engine: Tensor, the recorded graph, reverse-mode differentiation.

Read this file top to bottom; it is the whole of autograd.

1. A :class:`Tensor` wraps a numpy array (``.data``). A tensor made by an
   operation remembers its *parents* -- the input tensors it was computed
   from -- each paired with a function that turns the gradient of the output
   into the gradient of that input (a vector-Jacobian product, "VJP").
2. Every operation is defined once, with :func:`op`: a forward function on
   numpy arrays that returns the result *and* the VJPs, side by side. The
   built-in operations in :mod:`tinyreg.ops` use exactly this decorator, and
   so can you.
3. :meth:`Tensor.backward` orders the graph topologically (iteratively, so
   a chain of 100,000 operations is fine), walks it from the output back to
   the leaves, calls each VJP once, and sums the gradients that meet at a
   tensor used more than once.
4. Broadcasting is reversed in exactly one place, :func:`unbroadcast`: an
   op's VJP may return a gradient of the broadcast output shape, and the
   engine sums it back down to the input's shape.

Conventions (PyTorch's): leaf tensors made by the user with
``requires_grad=True`` accumulate ``.grad`` across ``backward()`` calls until
zeroed; intermediate tensors keep no ``.grad`` unless :meth:`Tensor.retain_grad`
asks; ``backward()`` frees the graph it walked unless ``retain_graph=True``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Tensor",
    "arange",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "op",
    "tensor",
    "unbroadcast",
    "zeros",
]

#: A vector-Jacobian product: gradient of the output -> gradient of one input.
VJP = Callable[[np.ndarray], Any]


# ---------------------------------------------------------------------------
# Gradient mode
# ---------------------------------------------------------------------------

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default)."""
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Set gradient recording on or off inside a ``with`` block or a decorated function.

    Each entry pushes the previous mode on a stack and each exit pops it, so
    the same object nests and can decorate a recursive function.
    """

    _enabled: bool

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        global _grad_enabled
        self._saved.append(_grad_enabled)
        _grad_enabled = self._enabled

    def __exit__(self, *exc_info: object) -> None:
        global _grad_enabled
        _grad_enabled = self._saved.pop()


class no_grad(_GradMode):
    """Do not record the graph: ``with no_grad(): ...`` or ``@no_grad()``.

    Results computed inside have ``requires_grad=False``. Use it for
    evaluation and for updating parameters in place.
    """

    _enabled = False


class enable_grad(_GradMode):
    """Record the graph again inside a :class:`no_grad` region."""

    _enabled = True


# ---------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------


def _as_float_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """The array a Tensor holds: floating dtypes are kept, ints/bools/lists become float64."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"tinyreg tensors hold floating-point data; dtype={dtype} is not floating"
            )
        return np.array(data, dtype=dtype) if copy else np.asarray(data, dtype=dtype)
    array = np.array(data) if copy else np.asarray(data)
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "biu":
        return array.astype(np.float64)
    raise TypeError(
        f"cannot make a tensor from data of dtype {array.dtype}: "
        "expected numbers (floating point, integer or boolean)"
    )


class Tensor:
    """A numpy array that can record how it was computed, for differentiation.

    Attributes:
        data: the values, a numpy array (always of a floating dtype).
        grad: ``None``, or a numpy array of the same shape and dtype holding
            d(output)/d(this tensor) accumulated by :meth:`backward`.
        requires_grad: whether operations on this tensor are recorded.
    """

    __slots__ = ("__weakref__", "_op", "_parents", "_retains_grad", "data", "grad", "requires_grad")

    # numpy defers to our reflected operators (``array + tensor`` -> Tensor.__radd__).
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | None
    requires_grad: bool
    # ((parent, vjp), ...) for a tensor made by an op; () for a leaf;
    # None once backward() has freed this part of the graph.
    _parents: tuple[tuple[Tensor, VJP], ...] | None
    _op: str | None
    _retains_grad: bool

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _as_float_array(data, dtype, copy=True)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._op = None
        self._retains_grad = False

    @classmethod
    def _from_op(
        cls, data: np.ndarray, parents: tuple[tuple[Tensor, VJP], ...], name: str
    ) -> Tensor:
        """A tensor produced by op ``name`` (no copying, no checks: the engine's fast path)."""
        out = object.__new__(Tensor)
        out.data = data
        out.grad = None
        out.requires_grad = bool(parents)
        out._parents = parents
        out._op = name if parents else None
        out._retains_grad = False
        return out

    # -- array-like attributes ------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return not self._parents

    @property
    def op(self) -> str | None:
        """Name of the operation that produced this tensor (None for leaves)."""
        return self._op

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The input tensors this tensor was computed from (empty for leaves)."""
        return tuple(parent for parent, _ in self._parents or ())

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return float(self.data.reshape(()))

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this tensor's data, cut off from the graph."""
        return Tensor._from_op(self.data, (), "")

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate tensor during backward (leaves always do)."""
        if self.requires_grad and self._parents:
            self._retains_grad = True

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``)."""
        self.grad = None

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is None and not copy:
            return self.data
        return np.array(self.data, dtype=dtype, copy=True if copy else None)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._op:
            extra += f", grad_fn=<{self._op}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- reverse mode -----------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self), an array of this tensor's shape. May be
                omitted only when this tensor has one element (then it is 1).
            retain_graph: keep the graph so that ``backward`` can run through
                it again (otherwise its VJPs are freed as it is walked).

        The computation is all-or-nothing: if anything fails (a bad
        ``gradient``, a freed graph, a VJP that raises) no ``.grad`` changes.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: it has no path "
                "to any leaf created with requires_grad=True"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output, this one has shape "
                    f"{self.shape}; pass gradient=<array of shape {self.shape}>"
                )
            seed = np.ones_like(self.data)
        else:
            seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient has shape {seed.shape} "
                    f"but the tensor has shape {self.shape}"
                )
            seed = seed.astype(self.dtype, copy=False)

        order = _topological_order(self)
        grads: dict[Tensor, np.ndarray] = {self: seed}
        retained: list[tuple[Tensor, np.ndarray]] = []
        for node in reversed(order):  # outputs before inputs
            grad = grads.get(node)
            if grad is None or not node._parents:  # no gradient reached it, or a leaf
                continue
            if node._retains_grad:
                retained.append((node, grad))
            del grads[node]
            for parent, vjp in node._parents:
                parent_grad = unbroadcast(vjp(grad), parent.data.shape, node._op)
                previous = grads.get(parent)
                grads[parent] = parent_grad if previous is None else previous + parent_grad

        # Nothing above has changed any state; now commit. A gradient array
        # becomes a tensor's .grad as it is when no one else can see it: it
        # owns its memory, is writeable, and has not been handed out already
        # (``lambda g: g`` gives two inputs the same array; a user's seed
        # gradient belongs to the user). Anything else is copied first.
        handed_out = {id(seed)} if gradient is not None else set()
        for node, grad in grads.items():
            if not node._parents:  # a leaf
                node._accumulate(grad, _unshared(grad, handed_out))
        for node, grad in retained:
            node._accumulate(grad, _unshared(grad, handed_out))
        if not retain_graph:
            for node in order:
                if node._parents:
                    node._parents = None  # drop the VJPs and the arrays they hold

    def _accumulate(self, grad: np.ndarray, private: bool) -> None:
        """Add ``grad`` to ``.grad``; ``private`` says ``grad`` may be kept without a copy."""
        if self.grad is None:
            self.grad = grad.astype(self.data.dtype, copy=not private)
        else:
            np.add(self.grad, grad, out=self.grad, casting="unsafe")

    # -- operators and methods: each is one op from tinyreg.ops -----------------
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
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.reshape(self, shape=shape)

    def transpose(self, *axes: Any) -> Tensor:
        """``t.transpose()`` reverses the axes; ``t.transpose(1, 0, 2)`` permutes them."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return ops.transpose(self, axes=axes or None)

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


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


# ---------------------------------------------------------------------------
# The one way to define an operation
# ---------------------------------------------------------------------------


def op(forward: Callable[..., tuple[Any, Any]]) -> Callable[..., Tensor]:
    """Turn a forward function on numpy arrays into a differentiable operation.

    ``forward`` receives its positional arguments as numpy arrays (tensors are
    unwrapped; Python numbers are passed as they are) and its keyword-only
    arguments as options. It returns ``(output, vjps)``: the output array and
    one VJP per positional input, ``vjp(g) -> gradient for that input``,
    where ``g`` is the gradient of the output. A unary op may return a single
    function instead of a 1-tuple; an input that is not differentiable gets
    ``None``. A VJP may return a gradient of the broadcast output's shape:
    the engine reduces it to the input's shape (see :func:`unbroadcast`).

    Example -- the whole definition of multiplication::

        @op
        def mul(a, b):
            return a * b, (lambda g: g * b, lambda g: g * a)

    The decorated function takes tensors, arrays or numbers, and returns a
    Tensor. It records the graph only when gradient mode is on and some
    input requires grad; VJPs of inputs that do not require grad are never
    called. Extra positional arguments fill the keyword-only options in
    order, as in numpy (``sum(x, 0)`` is ``sum(x, axis=0)``).
    """
    parameters = inspect.signature(forward).parameters.values()
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    n_inputs = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
    option_names = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    defaults = [
        p.default for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    name = forward.__name__.strip("_")
    binary = variadic or n_inputs > 1

    @functools.wraps(forward)
    def apply(*inputs: Any, **options: Any) -> Tensor:
        if len(inputs) != n_inputs and not variadic:
            if len(inputs) > n_inputs:
                _move_to_options(name, inputs[n_inputs:], option_names, options)
                inputs = inputs[:n_inputs]
            else:  # omitted optional inputs take their defaults
                given = len(inputs)
                inputs = (*inputs, *defaults[given:])
                if any(x is inspect.Parameter.empty for x in inputs):
                    raise TypeError(f"{name}() takes {n_inputs} inputs, got {given}")
        arrays = [x.data if isinstance(x, Tensor) else _operand(x, binary) for x in inputs]
        try:
            out, vjps = forward(*arrays, **options)
        except ValueError as error:
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            reason = str(error).removeprefix(f"{name}: ")
            raise ValueError(f"{name}: {reason} (input shapes: {shapes})") from error
        if type(out) is not np.ndarray or out.dtype.kind != "f":
            out = _as_float_array(out)
        if not _grad_enabled:
            return Tensor._from_op(out, (), name)
        if callable(vjps):
            vjps = (vjps,)
        if len(vjps) != len(inputs):
            raise TypeError(f"op {name!r} returned {len(vjps)} VJPs for {len(inputs)} inputs")
        parents = tuple(
            [
                (x, vjp)
                for x, vjp in zip(inputs, vjps, strict=False)  # lengths checked above
                if vjp is not None and isinstance(x, Tensor) and x.requires_grad
            ]
        )
        return Tensor._from_op(out, parents, name)

    return apply


def _unshared(grad: np.ndarray, handed_out: set[int]) -> bool:
    """True if no one else can see ``grad``: it owns its memory, is writeable, and is new here."""
    private = grad.base is None and grad.flags.writeable and id(grad) not in handed_out
    handed_out.add(id(grad))
    return private


def _operand(x: Any, keep_numbers: bool) -> Any:
    """A non-tensor input as forward sees it: an array, or None.

    Beside other inputs a Python number stays a number, so that, as in numpy,
    ``float32_tensor * 2.0`` stays float32; a lone number becomes an array.
    """
    if x is None or (keep_numbers and isinstance(x, (int, float))):
        return x
    return np.asarray(x)


def _move_to_options(
    name: str, extra: Sequence[Any], option_names: list[str], options: dict
) -> None:
    if len(extra) > len(option_names):
        raise TypeError(f"{name}() got too many positional arguments")
    for option, value in zip(option_names, extra, strict=False):
        if option in options:
            raise TypeError(f"{name}() got multiple values for argument {option!r}")
        options[option] = value


def unbroadcast(grad: Any, shape: tuple[int, ...], op_name: str | None = None) -> np.ndarray:
    """Sum ``grad`` down to ``shape``, reversing numpy broadcasting.

    If an input of shape ``shape`` was broadcast to the output's shape, each
    of its elements was used once per copy, so its gradient is the sum of
    the output gradient over the copies: over the leading axes that
    broadcasting added, and over the axes where ``shape`` has size 1.
    This is the only place in tinyreg that undoes broadcasting.
    """
    grad = np.asarray(grad)
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead > 0:  # axes that broadcasting added in front
        grad = np.asarray(grad.sum(axis=tuple(range(lead))))  # an array even when 0-d
    if lead >= 0 and grad.shape != shape:  # axes where the input had size 1
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        raise ValueError(
            f"backward of op {op_name!r} returned a gradient of shape {grad.shape} "
            f"for an input of shape {shape}"
        )
    return grad


def _topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on (that requires grad), inputs before outputs.

    Depth-first search with an explicit stack instead of recursion, so the
    depth of the graph is limited by memory, not by Python's recursion limit.
    Each tensor is pushed once to be expanded and once more, marked done, to
    be emitted after all of its parents.
    """
    order: list[Tensor] = []
    visited: set[Tensor] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        if node._parents is None:
            raise RuntimeError(
                f"backward() through the graph a second time: the graph behind this "
                f"{node._op!r} result was freed by an earlier backward(); pass "
                "retain_graph=True to the first call if you need to go through it twice"
            )
        stack.append((node, True))
        for parent, _ in node._parents:
            if parent not in visited:
                stack.append((parent, False))
    return order


from tinyreg import ops  # noqa: E402  (ops is built on the definitions above)
