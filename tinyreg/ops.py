"""Every differentiable primitive, each defined with :func:`tinyreg.autograd.op`.

Each definition is one idea: compute the output with numpy and, right under
it, the vector-Jacobian product (VJP) of each input -- given ``g``, the
gradient of the loss with respect to the output ``out``, the gradient with
respect to that input. Read the VJPs as a table of derivatives:

    out = a * b        da = g * b,          db = g * a
    out = exp(x)       dx = g * out
    out = sum(x)       dx = g copied back over the summed axes

VJPs may return gradients of the broadcast output's shape; the engine sums
them back to each input's shape in one place (``autograd.unbroadcast``), so
no op here deals with broadcasting.

Every VJP is itself differentiable: it is written with operators, methods
that numpy arrays and tensors share, comparisons (constant masks),
``np.asarray(x)`` (x's values as a constant) and the ops of this module, so
the engine can run it on arrays (an ordinary backward pass, plain numpy) or
on tensors with recording on (``create_graph=True``: second and higher
derivatives). It recomputes what it needs from ``out`` and the inputs. For
the non-smooth ops (relu, abs, max/min, clip, maximum/minimum) the masks are
constants, so their second derivative is 0 almost everywhere, as in PyTorch.

The ops with an ``axis`` option (the reductions, softmax, the joins) take it
spelled as numpy does, ``axis=``/``keepdims=``, or as PyTorch does,
``dim=``/``keepdim=`` (:func:`dim_op`); giving both spellings is a TypeError.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinyreg.autograd import Op, Tensor, op

Axis = int | tuple[int, ...] | None

__all__ = [
    "abs",
    "add",
    "broadcast_to",
    "cast",
    "cat",
    "clip",
    "clone",
    "concatenate",
    "cos",
    "cumsum",
    "div",
    "exp",
    "flatten",
    "getitem",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "norm",
    "power",
    "prod",
    "relu",
    "reshape",
    "scatter_add",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
    "where",
]


# ---------------------------------------------------------------------------
# Arithmetic (broadcasting binary operators)
# ---------------------------------------------------------------------------


@op
def add(a, b):
    """``a + b``."""
    return a + b


add.defvjp(lambda g, out, a, b: g, lambda g, out, a, b: g)


@op
def sub(a, b):
    """``a - b``."""
    return a - b


sub.defvjp(lambda g, out, a, b: g, lambda g, out, a, b: -g)


@op
def mul(a, b):
    """``a * b``."""
    return a * b


mul.defvjp(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)


@op
def div(a, b):
    """``a / b``: d/da = 1/b, d/db = -a/b² = -out/b."""
    return a / b


div.defvjp(lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b)


@op
def neg(a):
    """``-a``."""
    return -a


neg.defvjp(lambda g, out, a: -g)


@op
def matmul(a, b):
    """``a @ b`` for 1-D, 2-D and batched (broadcast) operands, as ``numpy.matmul``.

    For matrices, out = a·b gives da = g·bᵀ and db = aᵀ·g. A 1-D ``a`` acts
    as a row (1, k) and a 1-D ``b`` as a column (k, 1): the VJPs give those
    axes back to the operands and to ``g``, use the matrix rule, and drop
    them again.
    """
    return a @ b


def _as_matrices(g, a, b):
    """``g``, ``a`` and ``b`` with the axes numpy's matmul removed for 1-D operands put back."""
    if b.ndim == 1:
        g, b = g.reshape((*g.shape, 1)), b.reshape((-1, 1))
    if a.ndim == 1:
        g, a = g.reshape((*g.shape[:-1], 1, g.shape[-1])), a.reshape((1, -1))
    return g, a, b


def _matmul_vjp_a(g, out, a, b):
    g, _, b_matrix = _as_matrices(g, a, b)
    grad = g @ b_matrix.swapaxes(-1, -2)
    return grad.reshape((*grad.shape[:-2], grad.shape[-1])) if a.ndim == 1 else grad


def _matmul_vjp_b(g, out, a, b):
    g, a_matrix, _ = _as_matrices(g, a, b)
    grad = a_matrix.swapaxes(-1, -2) @ g
    return grad.reshape(grad.shape[:-1]) if b.ndim == 1 else grad


matmul.defvjp(_matmul_vjp_a, _matmul_vjp_b)


# ---------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------


@op
def exp(x):
    """exp(x): d/dx = exp(x) = out."""
    return np.exp(x)


exp.defvjp(lambda g, out, x: g * out)


@op
def log(x):
    """Natural log: d/dx = 1/x. Outside x > 0 it follows numpy (nan or -inf, with a warning)."""
    return np.log(x)


log.defvjp(lambda g, out, x: g / x)


@op
def log1p(x):
    """log(1 + x), accurate for small x: d/dx = 1/(1 + x)."""
    return np.log1p(x)


log1p.defvjp(lambda g, out, x: g / (1 + x))


@op
def sin(x):
    """sin(x): d/dx = cos(x)."""
    return np.sin(x)


@op
def cos(x):
    """cos(x): d/dx = −sin(x)."""
    return np.cos(x)


sin.defvjp(lambda g, out, x: g * cos(x))
cos.defvjp(lambda g, out, x: -g * sin(x))


@op
def sign(x):
    """−1, 0 or 1 as x is negative, zero or positive: d/dx = 0 (taken as 0 at 0 too, as PyTorch)."""
    return np.sign(x)


sign.defvjp(lambda g, out, x: np.zeros(out.shape, dtype=out.dtype))


@op
def power(a, b):
    """``a ** b``: d/da = b·a^(b-1), d/db = out·log(a) (needs a > 0).

    A numpy scalar base is taken as the 0-d array it stands for: numpy
    computes ``np.float64(x) ** 0.5`` and ``np.array(x) ** 0.5`` by
    different routines (they can differ in the last bit), and a VJP's base
    is a numpy scalar on arrays but a 0-d array in a tensor, so VJPs raise
    to a power by this op, never by ``**``.
    """
    return (np.asarray(a) if isinstance(a, np.generic) else a) ** b


power.defvjp(
    lambda g, out, a, b: g * b * power(a, b - 1),
    lambda g, out, a, b: g * out * log(a),
)


@op
def sqrt(x):
    """√x: d/dx = 1/(2√x) = 0.5/out."""
    return np.sqrt(x)


sqrt.defvjp(lambda g, out, x: g * 0.5 / out)


@op
def tanh(x):
    """tanh(x): d/dx = 1 − out²."""
    return np.tanh(x)


tanh.defvjp(lambda g, out, x: g * (1 - out * out))


@op
def sigmoid(x):
    """1 / (1 + exp(−x)): d/dx = out·(1 − out).

    Written with e = exp(−|x|) ≤ 1, which never overflows: for x ≥ 0 it is
    1/(1 + e), for x < 0 it is e/(1 + e).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


sigmoid.defvjp(lambda g, out, x: g * out * (1 - out))


@op
def relu(x):
    """max(x, 0): d/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""
    return np.maximum(x, 0)


relu.defvjp(lambda g, out, x: g * (x > 0))


@op
def abs(x):
    """|x|: d/dx = sign(x) (0 at the kink)."""
    return np.abs(x)


abs.defvjp(lambda g, out, x: g * np.sign(np.asarray(x)))


@op
def clip(x, *, min: Any = None, max: Any = None):
    """Limit x to [min, max]: the gradient passes where min ≤ x ≤ max, else 0."""
    if min is None and max is None:
        return x.copy()
    return np.clip(x, -np.inf if min is None else min, np.inf if max is None else max)


def _clip_vjp(g, out, x, *, min, max):
    inside = (x >= (-np.inf if min is None else min)) & (x <= (np.inf if max is None else max))
    return g * inside


clip.defvjp(_clip_vjp)


def _share(wins, a, b, dtype):
    """maximum/minimum's VJP factor: 1 where this input won, 1/2 on a tie, else 0 (a constant)."""
    return np.where(np.asarray(a) == np.asarray(b), 0.5, wins).astype(dtype)


@op
def maximum(a, b):
    """Elementwise larger of a and b; on a tie each gets half the gradient."""
    return np.maximum(a, b)


maximum.defvjp(
    lambda g, out, a, b: g * _share(a > b, a, b, g.dtype),
    lambda g, out, a, b: g * _share(b > a, a, b, g.dtype),
)


@op
def minimum(a, b):
    """Elementwise smaller of a and b; on a tie each gets half the gradient."""
    return np.minimum(a, b)


minimum.defvjp(
    lambda g, out, a, b: g * _share(a < b, a, b, g.dtype),
    lambda g, out, a, b: g * _share(b < a, a, b, g.dtype),
)


@op
def where(condition, a, b):
    """``a`` where ``condition`` holds, else ``b``; the condition is not differentiable."""
    return np.where(np.asarray(condition, dtype=bool), a, b)


where.defvjp(
    None,
    lambda g, out, condition, a, b: where(condition, g, 0.0),
    lambda g, out, condition, a, b: where(condition, 0.0, g),
)


# ---------------------------------------------------------------------------
# Two spellings of an axis: numpy's axis=/keepdims=, PyTorch's dim=/keepdim=
# ---------------------------------------------------------------------------

_NUMPY_NAMES = {"dim": "axis", "keepdim": "keepdims"}


def _numpy_names(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with PyTorch's ``dim``/``keepdim`` renamed numpy's ``axis``/``keepdims``.

    Both spellings of one argument is a TypeError naming the function and the two names.
    """
    renamed = dict(options)
    for torch_name, numpy_name in _NUMPY_NAMES.items():
        if torch_name in renamed:
            if numpy_name in renamed:
                raise TypeError(
                    f"{name}() got both {numpy_name}= and {torch_name}=, two spellings of "
                    "one argument: pass only one"
                )
            renamed[numpy_name] = renamed.pop(torch_name)
    return renamed


def _given(**options: Any) -> dict[str, Any]:
    """The options that are not None: those a caller gave (None stands for the op's default)."""
    return {name: value for name, value in options.items() if value is not None}


class _DimOp(Op):
    """An op whose ``axis``/``keepdims`` options may be spelled ``dim``/``keepdim``."""

    def __call__(self, *inputs: Any, **options: Any) -> Tensor:
        if "dim" in options or "keepdim" in options:
            options = _numpy_names(self.name, options)
        return super().__call__(*inputs, **options)


def dim_op(forward: Any) -> Op:
    """:func:`~tinyreg.autograd.op` for a forward with an ``axis`` option (and maybe
    ``keepdims``): the op also takes them as PyTorch spells them, ``dim=``/``keepdim=``."""
    return _DimOp(forward)


# ---------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------


@op
def reshape(x, *, shape: tuple[int, ...]):
    """Same elements, new shape: the gradient is reshaped back."""
    return np.reshape(x, shape)


reshape.defvjp(lambda g, out, x, *, shape: g.reshape(x.shape))


@op
def transpose(x, *, axes: Sequence[int] | None = None):
    """Permute the axes (reverse them when ``axes`` is None); the VJP applies the inverse."""
    return np.transpose(x, axes)


def _transpose_vjp(g, out, x, *, axes):
    forward = range(x.ndim)[::-1] if axes is None else [a % x.ndim for a in axes]
    return g.transpose(tuple(int(i) for i in np.argsort(forward)))


transpose.defvjp(_transpose_vjp)


def _dim_index(name: str, argument: str, dim: int, ndim: int) -> int:
    """``dim`` as an index in ``range(ndim)`` (negative counts from the end); else an IndexError."""
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"{name}(): {argument}={dim} is out of range for a tensor of {ndim} dimension(s) "
            f"(it must be in [{-ndim}, {ndim - 1}])"
        )
    return dim % ndim


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes ``start_dim`` to ``end_dim`` (both included) merged into one, as ``torch.flatten``.

    A reshape: a 0-d tensor becomes shape (1,).
    """
    shape = np.shape(x)
    if not shape:
        return reshape(x, shape=(1,))
    start = _dim_index("flatten", "start_dim", start_dim, len(shape))
    end = _dim_index("flatten", "end_dim", end_dim, len(shape))
    if start > end:
        raise ValueError(f"flatten(): start_dim={start_dim} comes after end_dim={end_dim}")
    merged = math.prod(shape[start : end + 1])
    return reshape(x, shape=(*shape[:start], merged, *shape[end + 1 :]))


def squeeze(x: Any, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """``x`` without its size-1 axes (all of them, or those among ``dim``), as ``torch.squeeze``.

    An axis of ``dim`` whose size is not 1 is kept, as PyTorch does. A reshape.
    """
    shape = np.shape(x)
    if dim is None:
        dropped = set(range(len(shape)))
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
        dropped = {_dim_index("squeeze", "dim", int(d), builtins.max(len(shape), 1)) for d in dims}
    return reshape(x, shape=tuple(n for i, n in enumerate(shape) if n != 1 or i not in dropped))


def unsqueeze(x: Any, dim: int) -> Tensor:
    """``x`` with a new axis of size 1 at position ``dim`` (in [−ndim − 1, ndim]), a reshape."""
    shape = np.shape(x)
    at = _dim_index("unsqueeze", "dim", dim, len(shape) + 1)
    return reshape(x, shape=(*shape[:at], 1, *shape[at:]))


@op
def clone(x):
    """A copy of x with its own memory: the gradient passes through unchanged."""
    return x.copy()


clone.defvjp(lambda g, out, x: g)


@op
def cast(x, *, dtype: Any):
    """x converted to the floating ``dtype``: the gradient is converted back to x's dtype."""
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"cast(): dtype must be a floating-point type, got {np.dtype(dtype)}")
    return x.astype(dtype)


cast.defvjp(lambda g, out, x, *, dtype: cast(g, dtype=x.dtype))


@op
def broadcast_to(x, *, shape: tuple[int, ...]):
    """``x`` repeated to ``shape`` by numpy's broadcasting rules (a read-only view).

    Each element of x is used once per copy, so its gradient is g summed over
    the copies -- which is what the engine's ``unbroadcast`` does to any
    gradient: the VJP is g itself. (The VJP of ``sum`` is a ``broadcast_to``:
    the two are each other's adjoint.)
    """
    return np.broadcast_to(x, shape)


broadcast_to.defvjp(lambda g, out, x, *, shape: g)


def _is_basic_index(index: Any) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (no element repeats)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


@op
def scatter_add(x, *, index: Any, shape: tuple[int, ...]):
    """A zero array of ``shape`` with ``x`` added at ``index``: ``getitem``'s adjoint.

    An element that ``index`` picks twice receives both contributions. The
    VJP gathers: d/dx = g[index].
    """
    out = np.zeros(shape, dtype=x.dtype)
    if _is_basic_index(index):  # speed: basic indices never repeat, and assignment beats add.at
        out[index] = x
    else:
        np.add.at(out, index, x)
    return out


scatter_add.defvjp(lambda g, out, x, *, index, shape: g[index])


@op
def getitem(x, *, index: Any):
    """``x[index]`` with numpy's basic and integer-array indexing.

    The gradient is scattered back into a zero array of x's shape, adding
    the contributions of an element picked twice (:func:`scatter_add`).
    """
    if isinstance(index, Tensor) or (
        isinstance(index, tuple) and builtins.any(isinstance(i, Tensor) for i in index)
    ):
        raise TypeError(
            "index a tensor with ints, slices or numpy integer arrays, not with a Tensor"
        )
    return x[index]


getitem.defvjp(lambda g, out, x, *, index: scatter_add(g, index=index, shape=x.shape))


@dim_op
def _concatenate(*xs, axis: int = 0):
    """Join along an existing axis; each input's gradient is its slice of g."""
    return np.concatenate(xs, axis=axis)


def _concatenate_vjp(g, out, *xs, axis, argnum):
    start = builtins.sum(x.shape[axis] for x in xs[:argnum])
    where = [slice(None)] * out.ndim
    where[axis] = slice(start, start + xs[argnum].shape[axis])
    return g[tuple(where)]


_concatenate.defvjp(_concatenate_vjp)


@dim_op
def _stack(*xs, axis: int = 0):
    """Join along a new axis; input i's gradient is g taken at position i of that axis."""
    return np.stack(xs, axis=axis)


_stack.defvjp(lambda g, out, *xs, axis, argnum: g[(slice(None),) * (axis % out.ndim) + (argnum,)])


def concatenate(
    tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """Join a sequence of tensors along an existing axis, ``axis`` or ``dim`` (default 0).

    ``numpy.concatenate``, and ``torch.cat`` (``cat`` is this function).
    """
    return _concatenate(*tensors, **_given(axis=axis, dim=dim))


cat = concatenate  # PyTorch's name


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join a sequence of same-shaped tensors along a new axis, ``axis`` or ``dim`` (default 0).

    ``numpy.stack`` and ``torch.stack``.
    """
    return _stack(*tensors, **_given(axis=axis, dim=dim))


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


def _checked_axis(name: str, axis: Any) -> Axis:
    """``axis`` if it is None, an int or a tuple of ints; else a TypeError naming it."""
    integer = (int, np.integer)
    if axis is None or (isinstance(axis, integer) and not isinstance(axis, bool)):
        return None if axis is None else int(axis)
    if isinstance(axis, (tuple, list)) and all(
        isinstance(a, integer) and not isinstance(a, bool) for a in axis
    ):
        return tuple(axis)
    raise TypeError(f"{name}(): axis must be None, an int or a tuple of ints, got {axis!r}")


def _reduced_axes(ndim: int, axis: Axis) -> list[int]:
    """The axes a reduction over ``axis`` combines, in order, each counted from 0."""
    if axis is None:
        return list(range(ndim))
    return sorted({a % ndim for a in ((axis,) if isinstance(axis, int) else axis)})


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the shape of a keepdims=True result)."""
    axes = _reduced_axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements each result of a reduction over ``axis`` combines."""
    return math.prod(shape) // builtins.max(math.prod(_kept_shape(shape, axis)), 1)


def _spread(g, shape: tuple[int, ...], axis: Axis):
    """``g``, a reduction's gradient, copied back along the reduced axes to ``shape``."""
    return broadcast_to(g.reshape(_kept_shape(shape, axis)), shape=shape)


@dim_op
def sum(x, *, axis: Axis = None, keepdims: bool = False):
    """Sum over ``axis``: every summed element receives the output's gradient."""
    return np.sum(x, axis=_checked_axis("sum", axis), keepdims=keepdims)


sum.defvjp(lambda g, out, x, *, axis, keepdims: _spread(g, x.shape, axis))


@dim_op
def mean(x, *, axis: Axis = None, keepdims: bool = False):
    """Mean over ``axis``: each of the n averaged elements receives g / n."""
    axis = _checked_axis("mean", axis)
    return np.sum(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)


mean.defvjp(lambda g, out, x, *, axis, keepdims: _spread(g / _count(x.shape, axis), x.shape, axis))


@dim_op
def prod(x, *, axis: Axis = None, keepdims: bool = False):
    """Product over ``axis``: d/dx_i = g · Π_{j≠i} x_j, the product of the others.

    The VJP computes the product of the others as it reads, never as out / x_i
    (which is 0/0 where x_i = 0): for each i, the product of the reduced
    elements with x_i replaced by 1 -- itself a ``prod``, of n copies of the n
    elements, so the VJP is differentiable again and exact with any number
    of zeros (at the cost of n² products for n reduced elements).
    """
    return np.prod(x, axis=_checked_axis("prod", axis), keepdims=keepdims)


def _prod_vjp(g, out, x, *, axis, keepdims):
    shape, n = x.shape, _count(x.shape, axis)
    reduced = _reduced_axes(len(shape), axis)
    kept = [i for i in range(len(shape)) if i not in reduced]
    order = (*kept, *reduced)  # the reduced axes last, then merged into one of size n
    rows = x.transpose(order).reshape((*(shape[i] for i in kept), n))
    others = prod(where(np.eye(n, dtype=bool), 1.0, rows[..., None, :]), axis=-1)
    grad = (g.reshape((*(shape[i] for i in kept), 1)) * others).reshape([shape[i] for i in order])
    return grad.transpose(tuple(int(i) for i in np.argsort(order)))


prod.defvjp(_prod_vjp)


@dim_op
def cumsum(x, *, axis: int):
    """Running sums along ``axis``: out_i = Σ_{j≤i} x_j.

    x_j is a term of every out_i with i ≥ j, so d/dx_j = Σ_{i≥j} g_i: the
    running sum of g taken from the other end (a cumsum of g reversed, reversed).
    """
    return np.cumsum(x, axis=_dim_index("cumsum", "dim", axis, x.ndim))


def _cumsum_vjp(g, out, x, *, axis):
    backwards = (slice(None),) * (axis % x.ndim) + (slice(None, None, -1),)
    return cumsum(g[backwards], axis=axis)[backwards]


cumsum.defvjp(_cumsum_vjp)


@dim_op
def var(x, *, axis: Axis = None, ddof: int = 0, keepdims: bool = False):
    """Variance Σ(x − x̄)² / (n − ddof) over ``axis``: d/dx = 2(x − x̄) / (n − ddof).

    (The x̄ term's own derivative drops out because Σ(x − x̄) = 0.)
    """
    return np.var(x, axis=_checked_axis("var", axis), ddof=ddof, keepdims=keepdims)


def _var_vjp(g, out, x, *, axis, ddof, keepdims):
    scale = 2 / (_count(x.shape, axis) - ddof)
    return g.reshape(_kept_shape(x.shape, axis)) * scale * (x - x.mean(axis=axis, keepdims=True))


var.defvjp(_var_vjp)


@dim_op
def max(x, *, axis: Axis = None, keepdims: bool = False):
    """Largest element over ``axis``; ties share the gradient equally."""
    return np.max(x, axis=_checked_axis("max", axis), keepdims=keepdims)


@dim_op
def min(x, *, axis: Axis = None, keepdims: bool = False):
    """Smallest element over ``axis``; ties share the gradient equally."""
    return np.min(x, axis=_checked_axis("min", axis), keepdims=keepdims)


def _to_extremes(g, out, x, *, axis, keepdims):
    """max/min's VJP: g goes to the element(s) equal to the result, split evenly between ties.

    Which elements those are is a constant mask (from the values alone).
    """
    kept = _kept_shape(x.shape, axis)
    hits = np.asarray(x) == np.asarray(out).reshape(kept)
    ties = hits.sum(axis=axis, keepdims=True).astype(g.dtype)
    return hits * (g.reshape(kept) / ties)  # g / ties on the reduced shape: one full-size pass


max.defvjp(_to_extremes)
min.defvjp(_to_extremes)


@dim_op
def logsumexp(x, *, axis: Axis = None, keepdims: bool = False):
    """log Σ exp(x) over ``axis``, computed as m + log Σ exp(x − m) with m = max(x).

    Shifting by the maximum keeps exp() from overflowing. d/dx = softmax(x) = exp(x − out).
    """
    axis = _checked_axis("logsumexp", axis)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_vjp(g, out, x, *, axis, keepdims):
    kept = _kept_shape(x.shape, axis)
    return g.reshape(kept) * exp(x - out.reshape(kept))


logsumexp.defvjp(_logsumexp_vjp)


@dim_op
def softmax(x, *, axis: int = -1):
    """exp(x) / Σ exp(x) along ``axis`` (shifted by the max for stability).

    With s = softmax(x) = out: d/dx = s · (g − Σ g·s), the sum along ``axis``.
    """
    e = np.exp(x - np.max(x, axis=_checked_axis("softmax", axis), keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax.defvjp(lambda g, out, x, *, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)))


@dim_op
def log_softmax(x, *, axis: int = -1):
    """x − logsumexp(x) along ``axis``: d/dx = g − softmax(x) · Σ g, with softmax(x) = exp(out)."""
    shifted = x - np.max(x, axis=_checked_axis("log_softmax", axis), keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


log_softmax.defvjp(lambda g, out, x, *, axis: g - exp(out) * g.sum(axis=axis, keepdims=True))


def _checked_p(p: Any) -> float:
    """``norm``'s ``p``: a real number ≥ 1; else a ValueError naming p."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm(): p must be a number >= 1, got {p!r}")
    if not 1 <= p < np.inf:
        raise ValueError(f"norm(): p must be a finite number >= 1, got {p!r}")
    return float(p)


@dim_op
def norm(x, *, p: float = 2, axis: Axis = None, keepdims: bool = False):
    """The p-norm (Σ|x|ᵖ)^(1/p) over ``axis`` (all elements by default), p ≥ 1.

    d/dx = sign(x)·|x|^(p−1) / out^(p−1): x / out for p = 2, sign(x) for
    p = 1. Where the norm is 0 (every x is 0) the derivative is 0, the
    subgradient PyTorch takes.
    """
    p, axis = _checked_p(p), _checked_axis("norm", axis)
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _norm_vjp(g, out, x, *, p, axis, keepdims):
    kept = _kept_shape(x.shape, axis)
    g, out = g.reshape(kept), out.reshape(kept)
    if p == 1:
        return g * np.sign(np.asarray(x))
    safe = out + (np.asarray(out) == 0)  # 1 where the norm is 0, and there x = 0: no 0/0
    if p == 2:
        return g * (x / safe)
    return g * np.sign(np.asarray(x)) * power(abs(x) / safe, p - 1)


norm.defvjp(_norm_vjp)
