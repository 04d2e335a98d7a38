"""Every differentiable primitive, each defined with :func:`tinyreg.autograd.op`.

Each definition is one idea: compute the output with numpy, and next to it
write the vector-Jacobian product (VJP) for each input -- given ``g``, the
gradient of the loss with respect to the output, return the gradient with
respect to that input. Read the VJPs as a table of derivatives:

    out = a * b        da = g * b,          db = g * a
    out = exp(x)       dx = g * out
    out = sum(x)       dx = g copied back over the summed axes

VJPs may return gradients of the broadcast output's shape; the engine sums
them back to each input's shape in one place (``autograd.unbroadcast``), so
no op here deals with broadcasting.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, op

Axis = int | tuple[int, ...] | None

__all__ = [
    "abs",
    "add",
    "clip",
    "concatenate",
    "div",
    "exp",
    "getitem",
    "log",
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
    "power",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "sqrt",
    "stack",
    "sub",
    "sum",
    "tanh",
    "transpose",
    "var",
    "where",
]


# ---------------------------------------------------------------------------
# Arithmetic (broadcasting binary operators)
# ---------------------------------------------------------------------------


@op
def add(a, b):
    """``a + b``."""
    return a + b, (lambda g: g, lambda g: g)


@op
def sub(a, b):
    """``a - b``."""
    return a - b, (lambda g: g, lambda g: -g)


@op
def mul(a, b):
    """``a * b``."""
    return a * b, (lambda g: g * b, lambda g: g * a)


@op
def div(a, b):
    """``a / b``: d/da = 1/b, d/db = -a/b² = -out/b."""
    out = a / b
    return out, (lambda g: g / b, lambda g: -g * out / b)


@op
def power(a, b):
    """``a ** b``: d/da = b·a^(b-1), d/db = out·log(a) (needs a > 0)."""
    out = a**b
    return out, (lambda g: g * b * a ** (b - 1), lambda g: g * out * np.log(a))


@op
def neg(a):
    """``-a``."""
    return -a, lambda g: -g


@op
def matmul(a, b):
    """``a @ b`` for 1-D, 2-D and batched (broadcast) operands, as ``numpy.matmul``.

    For matrices, out = a·b gives da = g·bᵀ and db = aᵀ·g. A 1-D ``a`` acts
    as a row (1, k) and a 1-D ``b`` as a column (k, 1); the VJPs restore
    those axes on ``g``, use the matrix rule, and drop them again.
    """
    out = a @ b
    a_row = a[None, :] if a.ndim == 1 else a
    b_col = b[:, None] if b.ndim == 1 else b

    def as_matrix(g):
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        return g

    def vjp_a(g):
        grad = as_matrix(g) @ np.swapaxes(b_col, -1, -2)
        return grad[..., 0, :] if a.ndim == 1 else grad

    def vjp_b(g):
        grad = np.swapaxes(a_row, -1, -2) @ as_matrix(g)
        return grad[..., 0] if b.ndim == 1 else grad

    return out, (vjp_a, vjp_b)


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the shape of a keepdims=True result)."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, kept: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """``g`` (a reduction's gradient) copied back along the reduced axes: an array of ``shape``."""
    grad = np.empty(shape, dtype=np.result_type(g))
    grad[...] = np.reshape(g, kept)
    return grad


@op
def sum(x, *, axis: Axis = None, keepdims: bool = False):
    """Sum over ``axis``: every summed element receives the output's gradient."""
    kept = _kept_shape(x.shape, axis)
    return x.sum(axis=axis, keepdims=keepdims), lambda g: _spread(g, kept, x.shape)


@op
def mean(x, *, axis: Axis = None, keepdims: bool = False):
    """Mean over ``axis``: each of the n averaged elements receives g / n."""
    kept = _kept_shape(x.shape, axis)
    count = x.size // builtins.max(math.prod(kept), 1)
    out = x.sum(axis=axis, keepdims=keepdims) / count
    return out, lambda g: _spread(np.reshape(g, kept) / count, kept, x.shape)


@op
def var(x, *, axis: Axis = None, ddof: int = 0, keepdims: bool = False):
    """Variance Σ(x − x̄)² / (n − ddof) over ``axis``: d/dx = 2(x − x̄) / (n − ddof).

    (The x̄ term's own derivative drops out because Σ(x − x̄) = 0.)
    """
    kept = _kept_shape(x.shape, axis)
    count = x.size // builtins.max(math.prod(kept), 1)
    centred = x - x.sum(axis=axis, keepdims=True) / count
    out = (centred * centred).sum(axis=axis, keepdims=keepdims) / (count - ddof)
    return out, lambda g: np.reshape(g, kept) * (2 / (count - ddof)) * centred


def _extremum(x, axis: Axis, keepdims: bool, reduce):
    """max or min: the gradient goes to the extreme element(s), split evenly between ties."""
    out = reduce(x, axis=axis, keepdims=True)

    def vjp(g):
        hits = x == out
        return hits * (np.reshape(g, out.shape) / hits.sum(axis=axis, keepdims=True))

    return (out if keepdims else np.squeeze(out, axis=axis)), vjp


@op
def max(x, *, axis: Axis = None, keepdims: bool = False):
    """Largest element over ``axis``; ties share the gradient equally."""
    return _extremum(x, axis, keepdims, np.ndarray.max)


@op
def min(x, *, axis: Axis = None, keepdims: bool = False):
    """Smallest element over ``axis``; ties share the gradient equally."""
    return _extremum(x, axis, keepdims, np.ndarray.min)


@op
def logsumexp(x, *, axis: Axis = None, keepdims: bool = False):
    """log Σ exp(x) over ``axis``, computed as m + log Σ exp(x − m) with m = max(x).

    Shifting by the maximum keeps exp() from overflowing. d/dx = softmax(x).
    """
    m = x.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    out = np.log(s) + m
    return (
        out if keepdims else np.squeeze(out, axis=axis)
    ), lambda g: np.reshape(g, s.shape) * (e / s)


@op
def softmax(x, *, axis: int = -1):
    """exp(x) / Σ exp(x) along ``axis`` (shifted by the max for stability).

    With s = softmax(x): d/dx = s · (g − Σ g·s), the sum along ``axis``.
    """
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    s = e / e.sum(axis=axis, keepdims=True)
    return s, lambda g: s * (g - (g * s).sum(axis=axis, keepdims=True))


@op
def log_softmax(x, *, axis: int = -1):
    """x − logsumexp(x) along ``axis``: d/dx = g − softmax(x) · Σ g."""
    shifted = x - x.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out, lambda g: g - np.exp(out) * g.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------


@op
def reshape(x, *, shape: tuple[int, ...]):
    """Same elements, new shape: the gradient is reshaped back."""
    return np.reshape(x, shape), lambda g: np.reshape(g, x.shape)


@op
def transpose(x, *, axes: Sequence[int] | None = None):
    """Permute the axes (reverse them when ``axes`` is None); the VJP applies the inverse."""
    out = np.transpose(x, axes)
    # The inverse permutation; axes may be spelled negative, as numpy allows.
    inverse = None if axes is None else np.argsort([a % x.ndim for a in axes])
    return out, lambda g: np.transpose(g, inverse)


def _is_basic_index(index: Any) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (no element repeats)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


@op
def getitem(x, *, index: Any):
    """``x[index]`` with numpy's basic and integer-array indexing.

    The gradient is scattered back into a zero array of x's shape; with
    integer arrays an element may be picked twice, so ``np.add.at`` adds
    the contributions instead of overwriting them.
    """
    if isinstance(index, Tensor) or (
        isinstance(index, tuple) and builtins.any(isinstance(i, Tensor) for i in index)
    ):
        raise TypeError(
            "index a tensor with ints, slices or numpy integer arrays, not with a Tensor"
        )
    basic = _is_basic_index(index)

    def vjp(g):
        grad = np.zeros(x.shape, dtype=np.result_type(x, g))
        if basic:
            grad[index] = g
        else:
            np.add.at(grad, index, g)
        return grad

    return x[index], vjp


def _concatenate(*xs, axis: int = 0):
    """Join along an existing axis; each input's gradient is its slice of g."""
    bounds = np.cumsum([0] + [np.shape(x)[axis] for x in xs])

    def vjp_for(i):
        def vjp(g):
            where = [slice(None)] * g.ndim
            where[axis] = slice(bounds[i], bounds[i + 1])
            return g[tuple(where)]

        return vjp

    return np.concatenate(xs, axis=axis), tuple(vjp_for(i) for i in range(len(xs)))


def _stack(*xs, axis: int = 0):
    """Join along a new axis; input i's gradient is g taken at position i of that axis."""
    return np.stack(xs, axis=axis), tuple(
        (lambda g, i=i: np.take(g, i, axis=axis)) for i in range(len(xs))
    )


_concatenate_op = op(_concatenate)
_stack_op = op(_stack)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join a sequence of tensors along an existing axis (``numpy.concatenate``)."""
    return _concatenate_op(*tensors, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join a sequence of same-shaped tensors along a new axis (``numpy.stack``)."""
    return _stack_op(*tensors, axis=axis)


# ---------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------


@op
def exp(x):
    """exp(x): d/dx = exp(x) = out."""
    out = np.exp(x)
    return out, lambda g: g * out


@op
def log(x):
    """Natural log: d/dx = 1/x. Outside x > 0 it follows numpy (nan or -inf, with a warning)."""
    return np.log(x), lambda g: g / x


@op
def sqrt(x):
    """√x: d/dx = 1/(2√x) = 0.5/out."""
    out = np.sqrt(x)
    return out, lambda g: g * 0.5 / out


@op
def tanh(x):
    """tanh(x): d/dx = 1 − out²."""
    out = np.tanh(x)
    return out, lambda g: g * (1 - out * out)


@op
def sigmoid(x):
    """1 / (1 + exp(−x)): d/dx = out·(1 − out).

    Written with e = exp(−|x|) ≤ 1, which never overflows: for x ≥ 0 it is
    1/(1 + e), for x < 0 it is e/(1 + e).
    """
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1, e) / (1 + e)
    return out, lambda g: g * out * (1 - out)


@op
def relu(x):
    """max(x, 0): d/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""
    return np.maximum(x, 0), lambda g: g * (x > 0)


@op
def abs(x):
    """|x|: d/dx = sign(x) (0 at the kink)."""
    return np.abs(x), lambda g: g * np.sign(x)


@op
def clip(x, *, min: Any = None, max: Any = None):
    """Limit x to [min, max]: the gradient passes where min ≤ x ≤ max, else 0."""
    if min is None and max is None:
        return x.copy(), lambda g: g
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    inside = (x >= lo) & (x <= hi)
    return np.clip(x, lo, hi), lambda g: g * inside


def _pick(first_wins, tie):
    """VJP factor for maximum/minimum: 1 where this input won, 1/2 on a tie, else 0."""
    return np.where(tie, 0.5, first_wins.astype(np.float64))


@op
def maximum(a, b):
    """Elementwise larger of a and b; on a tie each gets half the gradient."""
    tie = a == b
    return np.maximum(a, b), (lambda g: g * _pick(a > b, tie), lambda g: g * _pick(b > a, tie))


@op
def minimum(a, b):
    """Elementwise smaller of a and b; on a tie each gets half the gradient."""
    tie = a == b
    return np.minimum(a, b), (lambda g: g * _pick(a < b, tie), lambda g: g * _pick(b < a, tie))


@op
def where(condition, a, b):
    """``a`` where ``condition`` holds, else ``b``; the condition is not differentiable."""
    condition = np.asarray(condition, dtype=bool)
    return np.where(condition, a, b), (
        None,
        lambda g: np.where(condition, g, 0.0),
        lambda g: np.where(condition, 0.0, g),
    )
