"""Every primitive of :mod:`tinyreg.ops`, checked from one registry.

Each :class:`OpCase` says once what an op is: the tinyreg call (a function,
a method or an operator), the numpy reference, and the input domain -- a
hypothesis strategy that draws the input arrays *and* the op's options (an
axis, keepdims, an index, clip bounds, ...) together, so that the options are
always valid for the drawn shapes. Three tests run over the whole registry:

* the forward result equals the numpy reference (rtol 1e-12) without any
  floating-point warning, and the output records the op it names;
* ``tinyreg.gradcheck`` (full Jacobian, default tolerances) passes;
* every gradient has its input's shape and dtype (float64 and float32), for a
  random upstream gradient, and no input array is modified.

Domains keep finite differences honest by construction: kinks (ReLU and |x|
at 0, clip at its bounds, max/min/maximum/minimum at ties) are kept away, and
poles (1/x, log, sqrt) are excluded. A new op in ``tinyreg.ops.__all__``
without a registry entry fails :func:`test_registry_covers_every_op`.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinyreg as tr
from tinyreg import func, ops
from tinyreg import functional as F
from tinyreg.testing import (
    arrays,
    axes,
    broadcastable_arrays,
    broadcastable_shapes,
    matmul_arrays,
    shapes,
)

# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


class Example(NamedTuple):
    """One draw from a domain: the input arrays and the op's options."""

    inputs: tuple[np.ndarray, ...]
    options: dict[str, Any]


@dataclass(frozen=True)
class OpCase:
    """One way of reaching one primitive of :mod:`tinyreg.ops`.

    Attributes:
        name: the primitive, a name in ``tinyreg.ops.__all__``; the output's
            ``.op`` must be this name, so an entry cannot test another op.
        variant: how it is reached ("function", "method", "operator", ...).
        fn: ``fn(*tensors, **options) -> Tensor``.
        reference: ``reference(*arrays, **options) -> ndarray`` in plain numpy.
        domain: a strategy of :class:`Example`.
        gradcheck: False for domains meant for the forward check only
            (inputs ~1e3, where finite differences are not meaningful).
    """

    name: str
    variant: str
    fn: Callable[..., tr.Tensor]
    reference: Callable[..., Any]
    domain: st.SearchStrategy
    gradcheck: bool = True

    def __str__(self) -> str:
        return f"{self.name}-{self.variant}"


# -- domains ------------------------------------------------------------------


def unary(**array_options: Any) -> st.SearchStrategy:
    """One array of any shape (including ``()`` and size-1 axes), no options."""
    return arrays(**array_options).map(lambda x: Example((x,), {}))


def binary(**array_options: Any) -> st.SearchStrategy:
    """Two arrays that broadcast together, no options."""
    return broadcastable_arrays(2, **array_options).map(lambda pair: Example(tuple(pair), {}))


@st.composite
def pairs(draw, first: dict | None = None, second: dict | None = None) -> Example:
    """Two broadcastable arrays, each with its own value options (e.g. a denominator)."""
    s0, s1 = draw(broadcastable_shapes(2))
    return Example((draw(arrays(s0, **(first or {}))), draw(arrays(s1, **(second or {})))), {})


@st.composite
def untied_pairs(draw) -> Example:
    """Two broadcastable arrays whose values are all distinct: no ties for maximum/minimum."""
    s0, s1 = draw(broadcastable_shapes(2))
    n0 = math.prod(s0)
    flat = draw(arrays((n0 + math.prod(s1),), distinct=True))
    return Example((flat[:n0].reshape(s0), flat[n0:].reshape(s1)), {})


@st.composite
def matmuls(draw) -> Example:
    """Operands for ``numpy.matmul``: 1-D, 2-D, batched with broadcast batch axes (<= 4-D)."""
    return Example(draw(matmul_arrays()), {})


@st.composite
def left_constant(draw, pair_strategy) -> Example:
    """A pair whose first operand is a plain numpy array (an option): the tensor is on the right."""
    a, b = draw(pair_strategy).inputs
    return Example((b,), {"a": a})


@st.composite
def reductions(draw, distinct: bool = False, **array_options: Any) -> Example:
    """An array, an ``axis`` (None, int -- maybe negative -- or tuple) and ``keepdims``."""
    x = draw(arrays(distinct=distinct, **array_options))
    return Example((x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())})


def _reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return math.prod(shape)
    axis = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axis)


@st.composite
def variances(draw) -> Example:
    """Like :func:`reductions`, plus ``ddof`` (1 only when at least two values are reduced)."""
    example = draw(reductions())
    (x,) = example.inputs
    count = _reduced_count(x.shape, example.options["axis"])
    ddof = draw(st.sampled_from([0, 1])) if count > 1 else 0
    return Example(example.inputs, {**example.options, "ddof": ddof})


@st.composite
def along_an_axis(draw, min_value: float = -3.0, max_value: float = 3.0) -> Example:
    """An array with at least one axis and one int ``axis`` (softmax, log_softmax)."""
    x = draw(arrays(shapes(min_dims=1), min_value=min_value, max_value=max_value))
    return Example((x,), {"axis": draw(st.integers(-x.ndim, x.ndim - 1))})


@st.composite
def new_shapes(draw) -> Example:
    """An array and a shape with the same number of elements (``-1`` included)."""
    x = draw(arrays())
    n = x.size
    candidates = [(n,), (-1,), (1, n), (n, 1), (-1, 1), x.shape[::-1], (*x.shape, 1), (1, *x.shape)]
    if n == 1:
        candidates.append(())
    if x.ndim >= 2:
        candidates.append((x.shape[0], -1))
    return Example((x,), {"shape": draw(st.sampled_from(candidates))})


@st.composite
def permutations(draw) -> Example:
    """An array and a permutation of its axes, each axis spelled positive or negative."""
    x = draw(arrays())
    perm = draw(st.permutations(range(x.ndim)))
    perm = tuple(draw(st.sampled_from([a, a - x.ndim])) for a in perm)
    return Example((x,), {"axes": perm})


@st.composite
def indices(draw) -> Example:
    """An array and an index: basic (ints, slices, None, Ellipsis), integer arrays, or mixed."""
    x = draw(arrays())
    kind = draw(st.sampled_from(["basic", "integer arrays", "mixed"] if x.ndim else ["basic"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    elif kind == "integer arrays":
        index = draw(hnp.integer_array_indices(x.shape, result_shape=shapes(1, 2)))
    else:  # one integer array on one axis, full slices on the others
        axis = draw(st.integers(0, x.ndim - 1))
        n = x.shape[axis]
        picks = draw(hnp.arrays(np.intp, st.integers(1, 5), elements=st.integers(-n, n - 1)))
        index = tuple(picks if i == axis else slice(None) for i in range(x.ndim))
    return Example((x,), {"index": index})


@st.composite
def repeated_indices(draw) -> Example:
    """An integer-array index along axis 0 that picks some row several times."""
    x = draw(arrays(shapes(min_dims=1)))
    n = x.shape[0]
    row = draw(st.integers(-n, n - 1))
    others = draw(st.lists(st.integers(-n, n - 1), max_size=3))
    index = np.array([row, *others, row, row % n])  # the same row, spelled both ways
    return Example((x,), {"index": index})


@st.composite
def clips(draw) -> Example:
    """Bounds (either may be None) and values at least 1e-2 away from them."""
    lo = draw(st.none() | st.sampled_from([-2.0, -0.5, 0.0, 0.3]))
    hi = draw(st.none() | st.sampled_from([0.5, 1.0, 2.5]))
    avoid = tuple(b for b in (lo, hi) if b is not None)
    return Example((draw(arrays(avoid=avoid)),), {"min": lo, "max": hi})


def _clip_reference(x, *, min=None, max=None):
    return np.clip(x, -np.inf if min is None else min, np.inf if max is None else max)


@st.composite
def scalar_exponents(draw) -> Example:
    """``x ** p``: integer p for any x away from 0, fractional p for positive x."""
    p = draw(st.sampled_from([2, 3, -1, 2.0, 0.5, 1.5, -2.5]))
    if float(p).is_integer():
        x = draw(arrays(avoid=(0.0,), margin=0.25))
    else:
        x = draw(arrays(min_value=0.25, max_value=3.0))
    return Example((x,), {"exponent": p})


@st.composite
def scalar_bases(draw) -> Example:
    """``c ** x`` with a positive Python number c."""
    base = draw(st.sampled_from([0.5, 2.0, np.e, 3]))
    return Example((draw(arrays()),), {"base": base})


@st.composite
def wheres(draw) -> Example:
    """A boolean condition and two values, all three broadcast together."""
    sc, sa, sb = draw(broadcastable_shapes(3))
    condition = draw(hnp.arrays(np.bool_, sc))
    return Example((draw(arrays(sa)), draw(arrays(sb))), {"condition": condition})


@st.composite
def broadcasts(draw) -> Example:
    """An array and a shape it broadcasts to (new leading axes, stretched size-1 axes)."""
    s0, s1 = draw(broadcastable_shapes(2))
    return Example((draw(arrays(s0)),), {"shape": np.broadcast_shapes(s0, s1)})


@st.composite
def scatters(draw) -> Example:
    """Values, and an index into a zero array of ``shape`` where they are added (repeats add up)."""
    example = draw(st.one_of(indices(), repeated_indices()))
    (x,) = example.inputs
    index = example.options["index"]
    values = draw(arrays(x[index].shape))
    return Example((values,), {"index": index, "shape": x.shape})


def _scatter_add(x, *, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, x)
    return out


@st.composite
def concatenations(draw) -> Example:
    """1-3 arrays whose shapes agree except along ``axis``."""
    base = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(base), len(base) - 1))
    xs = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        shape[axis] = draw(st.integers(1, 3))
        xs.append(draw(arrays(tuple(shape))))
    return Example(tuple(xs), {"axis": axis})


@st.composite
def stacks(draw) -> Example:
    """1-3 arrays of one shape and a new ``axis`` position."""
    shape = draw(shapes())
    n = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Example(tuple(draw(arrays(shape)) for _ in range(n)), {"axis": axis})


@st.composite
def norms(draw) -> Example:
    """An array away from 0 (|x|'s kink), a ``p`` and reduction options."""
    x = draw(arrays(avoid=(0.0,), margin=0.25))
    p = draw(st.sampled_from([2, 1, 3, 1.5, 2.0]))
    return Example((x,), {"p": p, "axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())})


@st.composite
def flattens(draw) -> Example:
    """An array with at least one axis and ``start_dim`` <= ``end_dim`` (either may be negative)."""
    x = draw(arrays(shapes(min_dims=1)))
    start = draw(st.integers(0, x.ndim - 1))
    end = draw(st.integers(start, x.ndim - 1))
    spell = draw(st.sampled_from([0, -x.ndim]))  # the same axes, counted from either end
    return Example((x,), {"start_dim": start + spell, "end_dim": end + spell})


@st.composite
def squeezes(draw) -> Example:
    """An array and ``dim``: None, one axis or a tuple of axes (of size 1 or not)."""
    x = draw(arrays())
    if x.ndim == 0:
        return Example((x,), {"dim": None})
    dim = draw(
        st.none()
        | st.integers(-x.ndim, x.ndim - 1)
        | st.lists(st.integers(0, x.ndim - 1), max_size=x.ndim, unique=True).map(tuple)
    )
    return Example((x,), {"dim": dim})


@st.composite
def unsqueezes(draw) -> Example:
    """An array and a new axis position ``dim`` in [-ndim - 1, ndim]."""
    x = draw(arrays())
    return Example((x,), {"dim": draw(st.integers(-x.ndim - 1, x.ndim))})


# -- numpy references that numpy does not have as one function ---------------


def _norm(x, *, p, axis=None, keepdims=False):
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _flatten(x, *, start_dim, end_dim):
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(*x.shape[:start], -1, *x.shape[end + 1 :])


def _squeeze(x, *, dim):
    if dim is None:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, int) else dim
    return np.squeeze(x, axis=tuple(d for d in dims if x.shape[d] == 1))


def _torch_names(options: dict[str, Any]) -> dict[str, Any]:
    """Options spelled as PyTorch spells them: ``dim``/``keepdim`` for ``axis``/``keepdims``."""
    names = {"axis": "dim", "keepdims": "keepdim"}
    return {names.get(k, k): v for k, v in options.items()}


def _logsumexp(x, *, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, *, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, *, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _cumsum(x, *, axis):
    return np.cumsum(x, axis=axis)


def _reshape(x, *, shape):
    return np.reshape(x, shape)


def _sigmoid(x):
    # 1 / (1 + exp(-x)) through logaddexp: accurate and silent for any |x|.
    return np.exp(-np.logaddexp(0.0, -x))


# -- the entries --------------------------------------------------------------

C = OpCase
POSITIVE = {"min_value": 0.1, "max_value": 3.0}
NONZERO = {"avoid": (0.0,), "margin": 0.5}
LARGE = {"min_value": -1e3, "max_value": 1e3}
BASE = {"min_value": 0.25, "max_value": 3.0}  # a ** b is differentiable in b for a > 0
EXPONENT = {"min_value": -2.0, "max_value": 2.0}
PRODUCT = {"min_value": -1.5, "max_value": 1.5}  # products of up to 64 factors stay moderate

REGISTRY: list[OpCase] = [
    # arithmetic
    C("add", "operator", lambda a, b: a + b, np.add, binary()),
    C("add", "function", tr.add, np.add, binary()),
    C("add", "reflected", lambda x: 2.5 + x, lambda x: 2.5 + x, unary()),
    C(
        "add",
        "ndarray + tensor",
        lambda b, *, a: a + b,
        lambda b, *, a: a + b,
        left_constant(binary()),
    ),
    C("sub", "operator", lambda a, b: a - b, np.subtract, binary()),
    C("sub", "function", tr.sub, np.subtract, binary()),
    C("sub", "reflected", lambda x: 2.5 - x, lambda x: 2.5 - x, unary()),
    C("mul", "operator", lambda a, b: a * b, np.multiply, binary()),
    C("mul", "function", tr.mul, np.multiply, binary()),
    C("mul", "reflected", lambda x: -1.5 * x, lambda x: -1.5 * x, unary()),
    C("div", "operator", lambda a, b: a / b, np.divide, pairs(second=NONZERO)),
    C("div", "function", tr.div, np.divide, pairs(second=NONZERO)),
    C("div", "reflected", lambda x: 2.0 / x, lambda x: 2.0 / x, unary(**NONZERO)),
    C(
        "power",
        "tensor**scalar",
        lambda x, *, exponent: x**exponent,
        lambda x, *, exponent: np.power(x, exponent),
        scalar_exponents(),
    ),
    C(
        "power",
        "function(tensor, scalar)",
        lambda x, *, exponent: tr.power(x, exponent),
        lambda x, *, exponent: np.power(x, exponent),
        scalar_exponents(),
    ),
    C(
        "power",
        "scalar**tensor",
        lambda x, *, base: base**x,
        lambda x, *, base: np.power(base, x),
        scalar_bases(),
    ),
    C(
        "power",
        "function(scalar, tensor)",
        lambda x, *, base: tr.power(base, x),
        lambda x, *, base: np.power(base, x),
        scalar_bases(),
    ),
    C("power", "tensor**tensor", lambda a, b: a**b, np.power, pairs(BASE, EXPONENT)),
    C("power", "function(tensor, tensor)", tr.power, np.power, pairs(BASE, EXPONENT)),
    C("neg", "operator", lambda x: -x, np.negative, unary()),
    C("neg", "function", tr.neg, np.negative, unary()),
    C("matmul", "operator", lambda a, b: a @ b, np.matmul, matmuls()),
    C("matmul", "function", tr.matmul, np.matmul, matmuls()),
    C("matmul", "method", lambda a, b: a.matmul(b), np.matmul, matmuls()),
    C(
        "matmul",
        "ndarray @ tensor",
        lambda b, *, a: a @ b,
        lambda b, *, a: a @ b,
        left_constant(matmuls()),
    ),
    # reductions
    C("sum", "method", lambda x, **o: x.sum(**o), np.sum, reductions()),
    C("sum", "function", tr.sum, np.sum, reductions()),
    C(
        "sum",
        "positional options",
        lambda x, *, axis, keepdims: tr.sum(x, axis, keepdims),
        np.sum,
        reductions(),
    ),
    C(
        "sum",
        "method(dim=, keepdim=)",
        lambda x, **o: x.sum(**_torch_names(o)),
        np.sum,
        reductions(),
    ),
    C(
        "sum",
        "function(dim=, keepdim=)",
        lambda x, **o: tr.sum(x, **_torch_names(o)),
        np.sum,
        reductions(),
    ),
    C("mean", "method", lambda x, **o: x.mean(**o), np.mean, reductions()),
    C(
        "mean",
        "method(dim=, keepdim=)",
        lambda x, **o: x.mean(**_torch_names(o)),
        np.mean,
        reductions(),
    ),
    C("mean", "function", tr.mean, np.mean, reductions()),
    C("max", "method", lambda x, **o: x.max(**o), np.max, reductions(distinct=True)),
    C("max", "function", tr.max, np.max, reductions(distinct=True)),
    C("min", "method", lambda x, **o: x.min(**o), np.min, reductions(distinct=True)),
    C("min", "function", tr.min, np.min, reductions(distinct=True)),
    C("var", "method", lambda x, **o: x.var(**o), np.var, variances()),
    C("var", "function", tr.var, np.var, variances()),
    C(
        "var",
        "method(dim=, keepdim=)",
        lambda x, **o: x.var(**_torch_names(o)),
        np.var,
        variances(),
    ),
    # max and min over one dim= are PyTorch's (values, indices): tested in test_sugar.py
    C("prod", "method", lambda x, **o: x.prod(**o), np.prod, reductions(**PRODUCT)),
    C("prod", "function", tr.prod, np.prod, reductions(**PRODUCT)),
    C(
        "prod",
        "method(dim=, keepdim=)",
        lambda x, **o: x.prod(**_torch_names(o)),
        np.prod,
        reductions(**PRODUCT),
    ),
    C("cumsum", "method", lambda x, *, axis: x.cumsum(axis), _cumsum, along_an_axis()),
    C(
        "cumsum",
        "function(dim=)",
        lambda x, *, axis: tr.cumsum(x, dim=axis),
        _cumsum,
        along_an_axis(),
    ),
    C(
        "logsumexp",
        "method(dim=, keepdim=)",
        lambda x, **o: x.logsumexp(**_torch_names(o)),
        _logsumexp,
        reductions(),
    ),
    C("norm", "function", tr.norm, _norm, norms()),
    C(
        "norm",
        "method(p, dim, keepdim)",
        lambda x, *, p, axis, keepdims: x.norm(p, axis, keepdims),
        _norm,
        norms(),
    ),
    C("norm", "method(axis=, keepdims=)", lambda x, **o: x.norm(**o), _norm, norms()),
    C("logsumexp", "method", lambda x, **o: x.logsumexp(**o), _logsumexp, reductions()),
    C("logsumexp", "function", tr.logsumexp, _logsumexp, reductions()),
    C("logsumexp", "inputs ~1e3", tr.logsumexp, _logsumexp, reductions(**LARGE), gradcheck=False),
    C("softmax", "method", lambda x, *, axis: x.softmax(axis), _softmax, along_an_axis()),
    C("softmax", "function", tr.softmax, _softmax, along_an_axis()),
    C("softmax", "method(dim=)", lambda x, *, axis: x.softmax(dim=axis), _softmax, along_an_axis()),
    C(
        "softmax",
        "functional(dim=)",
        lambda x, *, axis: F.softmax(x, dim=axis),
        _softmax,
        along_an_axis(),
    ),
    C("softmax", "inputs ~1e3", tr.softmax, _softmax, along_an_axis(-1e3, 1e3), gradcheck=False),
    C(
        "log_softmax",
        "method",
        lambda x, *, axis: x.log_softmax(axis),
        _log_softmax,
        along_an_axis(),
    ),
    C("log_softmax", "function", tr.log_softmax, _log_softmax, along_an_axis()),
    C(
        "log_softmax",
        "function(dim=)",
        lambda x, *, axis: tr.log_softmax(x, dim=axis),
        _log_softmax,
        along_an_axis(),
    ),
    C(
        "log_softmax",
        "method(dim=)",
        lambda x, *, axis: x.log_softmax(dim=axis),
        _log_softmax,
        along_an_axis(),
    ),
    C(
        "log_softmax",
        "inputs ~1e3",
        tr.log_softmax,
        _log_softmax,
        along_an_axis(-1e3, 1e3),
        gradcheck=False,
    ),
    # shape
    C("reshape", "method", lambda x, *, shape: x.reshape(shape), _reshape, new_shapes()),
    C("reshape", "method(*shape)", lambda x, *, shape: x.reshape(*shape), _reshape, new_shapes()),
    C("reshape", "function", tr.reshape, _reshape, new_shapes()),
    C("reshape", "flatten", lambda x: x.flatten(), np.ravel, unary()),
    C("reshape", "view(*shape)", lambda x, *, shape: x.view(*shape), _reshape, new_shapes()),
    C("reshape", "view(shape)", lambda x, *, shape: x.view(shape), _reshape, new_shapes()),
    C("flatten", "function", tr.flatten, _flatten, flattens()),
    C("flatten", "method", lambda x, **o: x.flatten(**o), _flatten, flattens()),
    C("flatten", "0-d", tr.flatten, lambda x: x.reshape(1), unary(shape=())),
    C("squeeze", "function", tr.squeeze, _squeeze, squeezes()),
    C("squeeze", "method", lambda x, *, dim: x.squeeze(dim), _squeeze, squeezes()),
    C(
        "unsqueeze",
        "function",
        tr.unsqueeze,
        lambda x, *, dim: np.expand_dims(x, dim),
        unsqueezes(),
    ),
    C(
        "unsqueeze",
        "method",
        lambda x, *, dim: x.unsqueeze(dim),
        lambda x, *, dim: np.expand_dims(x, dim),
        unsqueezes(),
    ),
    C(
        "cast",
        "function, to float64 and back",
        lambda x: tr.cast(tr.cast(x, dtype=np.float64), dtype=x.dtype),
        np.copy,
        unary(),
    ),
    # through float32 and back: exact for float32 inputs, rounded for float64 (no gradcheck)
    C(
        "cast",
        "method to(float32).type_as(x)",
        lambda x: x.to(tr.float32 if x.dtype == np.float64 else tr.float64).type_as(x),
        lambda x: x.astype(np.float32).astype(x.dtype),
        unary(),
        gradcheck=False,
    ),
    C("clone", "function", tr.clone, np.copy, unary()),
    C("clone", "method", lambda x: x.clone(), np.copy, unary()),
    C("transpose", "method", lambda x, *, axes: x.transpose(*axes), np.transpose, permutations()),
    C("transpose", "function", tr.transpose, np.transpose, permutations()),
    C("transpose", "T", lambda x: x.T, np.transpose, unary()),
    C(
        "broadcast_to",
        "function",
        tr.broadcast_to,
        lambda x, *, shape: np.broadcast_to(x, shape),
        broadcasts(),
    ),
    C("scatter_add", "function", tr.scatter_add, _scatter_add, scatters()),
    C("getitem", "operator", lambda x, *, index: x[index], lambda x, *, index: x[index], indices()),
    C("getitem", "function", tr.getitem, lambda x, *, index: x[index], indices()),
    C(
        "getitem",
        "repeated indices",
        lambda x, *, index: x[index],
        lambda x, *, index: x[index],
        repeated_indices(),
    ),
    C(
        "concatenate",
        "function",
        lambda *xs, axis: tr.concatenate(xs, axis),
        lambda *xs, axis: np.concatenate(xs, axis),
        concatenations(),
    ),
    C(
        "cat",
        "function(dim=)",
        lambda *xs, axis: tr.cat(xs, dim=axis),
        lambda *xs, axis: np.concatenate(xs, axis),
        concatenations(),
    ),
    C(
        "stack",
        "function(dim=)",
        lambda *xs, axis: tr.stack(xs, dim=axis),
        lambda *xs, axis: np.stack(xs, axis),
        stacks(),
    ),
    C(
        "stack",
        "function",
        lambda *xs, axis: tr.stack(xs, axis),
        lambda *xs, axis: np.stack(xs, axis),
        stacks(),
    ),
    # elementwise
    C("exp", "method", lambda x: x.exp(), np.exp, unary()),
    C("exp", "function", tr.exp, np.exp, unary()),
    C("log", "method", lambda x: x.log(), np.log, unary(**POSITIVE)),
    C("log", "function", tr.log, np.log, unary(**POSITIVE)),
    C("log1p", "method", lambda x: x.log1p(), np.log1p, unary(min_value=-0.75)),
    C("log1p", "function", tr.log1p, np.log1p, unary(min_value=-0.75)),
    C("sin", "method", lambda x: x.sin(), np.sin, unary()),
    C("sin", "function", tr.sin, np.sin, unary()),
    C("cos", "method", lambda x: x.cos(), np.cos, unary()),
    C("cos", "function", tr.cos, np.cos, unary()),
    C("sign", "method", lambda x: x.sign(), np.sign, unary(avoid=(0.0,))),
    C("sign", "function", tr.sign, np.sign, unary(avoid=(0.0,))),
    C("sqrt", "method", lambda x: x.sqrt(), np.sqrt, unary(**POSITIVE)),
    C("sqrt", "function", tr.sqrt, np.sqrt, unary(**POSITIVE)),
    C("tanh", "method", lambda x: x.tanh(), np.tanh, unary()),
    C("tanh", "function", tr.tanh, np.tanh, unary()),
    C("sigmoid", "method", lambda x: x.sigmoid(), _sigmoid, unary()),
    C("sigmoid", "function", tr.sigmoid, _sigmoid, unary()),
    C("sigmoid", "inputs ~1e3", tr.sigmoid, _sigmoid, unary(**LARGE)),
    C("relu", "method", lambda x: x.relu(), lambda x: np.maximum(x, 0.0), unary(avoid=(0.0,))),
    C("relu", "function", tr.relu, lambda x: np.maximum(x, 0.0), unary(avoid=(0.0,))),
    C("abs", "operator", abs, np.abs, unary(avoid=(0.0,))),
    C("abs", "method", lambda x: x.abs(), np.abs, unary(avoid=(0.0,))),
    C("abs", "function", tr.abs, np.abs, unary(avoid=(0.0,))),
    C("clip", "method", lambda x, **o: x.clip(**o), _clip_reference, clips()),
    C("clip", "function", tr.clip, _clip_reference, clips()),
    C(
        "clip",
        "positional options",
        lambda x, *, min, max: tr.clip(x, min, max),
        _clip_reference,
        clips(),
    ),
    C("maximum", "function", tr.maximum, np.maximum, untied_pairs()),
    C(
        "maximum",
        "with a number",
        lambda x: tr.maximum(x, 0.25),
        lambda x: np.maximum(x, 0.25),
        unary(avoid=(0.25,)),
    ),
    C("minimum", "function", tr.minimum, np.minimum, untied_pairs()),
    C(
        "minimum",
        "with a number",
        lambda x: tr.minimum(0.25, x),
        lambda x: np.minimum(0.25, x),
        unary(avoid=(0.25,)),
    ),
    C(
        "where",
        "function",
        lambda a, b, *, condition: tr.where(condition, a, b),
        lambda a, b, *, condition: np.where(condition, a, b),
        wheres(),
    ),
    C(
        "where",
        "tensor condition",
        lambda a, b, *, condition: tr.where(tr.tensor(condition), a, b),
        lambda a, b, *, condition: np.where(condition, a, b),
        wheres(),
    ),
]


# ---------------------------------------------------------------------------
# The registry itself
# ---------------------------------------------------------------------------


#: Functions of ``tinyreg.ops.__all__`` that compute another op: the op their result records.
RECORDS = {"cat": "concatenate", "flatten": "reshape", "squeeze": "reshape", "unsqueeze": "reshape"}


def recorded_op(name: str) -> str:
    return RECORDS.get(name, name)


def test_registry_covers_every_op():
    covered = {case.name for case in REGISTRY}
    missing = sorted(set(ops.__all__) - covered)
    assert not missing, f"ops without a registry entry: {missing}"
    unknown = sorted(covered - set(ops.__all__))
    assert not unknown, f"registry entries for names that are not ops: {unknown}"


def test_registry_ids_are_unique():
    ids = [str(case) for case in REGISTRY]
    assert len(ids) == len(set(ids))


#: Package-level names that follow PyTorch's function of that name, calling the op within:
#: ``tinyreg.max(t, 1)`` is ``(values, indices)``, as ``torch.max``; ``ops.max`` is the op;
#: ``tinyreg.var`` has PyTorch's ``correction=1`` by default, ``ops.var`` numpy's ``ddof=0``.
PYTORCH_FRONTS = {"max": tr.sugar.max, "min": tr.sugar.min, "var": tr.sugar.var}


@pytest.mark.parametrize("name", ops.__all__)
def test_every_op_is_exported_by_the_package(name):
    assert getattr(tr, name) is PYTORCH_FRONTS.get(name, getattr(ops, name))


# ---------------------------------------------------------------------------
# Tests driven by the registry
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", REGISTRY, ids=str)
@given(data=st.data())
def test_forward_matches_numpy(case, data):
    example = data.draw(case.domain)
    xs = [tr.tensor(x, requires_grad=True) for x in example.inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warning from tinyreg
        out = case.fn(*xs, **example.options)
    expected = np.asarray(case.reference(*example.inputs, **example.options))

    assert isinstance(out, tr.Tensor)
    assert out.op is not None and out.op.name == recorded_op(case.name), (
        f"{case} recorded op {out.op!r}"
    )
    assert out.requires_grad
    assert out.dtype == np.float64
    assert out.shape == expected.shape
    assert np.all(np.isfinite(out.data))
    # Each op and its reference compute the same expression with at most a few roundings
    # apart (sigmoid's two formulas, logsumexp's shift): a few ulps of relative error, and
    # for inputs ~1e3 an absolute ε·1e3 that is still relative to an output of that size.
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", [c for c in REGISTRY if c.gradcheck], ids=str)
@given(data=st.data())
def test_gradcheck(case, data):
    example = data.draw(case.domain)
    assert tr.gradcheck(functools.partial(case.fn, **example.options), example.inputs)


@pytest.mark.parametrize("case", REGISTRY, ids=str)
@given(data=st.data())
def test_gradients_have_input_shape_and_dtype(case, data):
    example = data.draw(case.domain)
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    values = [x.astype(dtype) for x in example.inputs]
    before = [v.copy() for v in values]
    xs = [tr.tensor(v, requires_grad=True) for v in values]
    options = {  # constant float operands follow the inputs' dtype too (numpy would promote)
        key: value.astype(dtype)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f"
        else value
        for key, value in example.options.items()
    }

    out = case.fn(*xs, **options)
    assert out.dtype == dtype, f"{case} turned {np.dtype(dtype)} into {out.dtype}"
    upstream = data.draw(arrays(out.shape), label="upstream").astype(dtype)
    upstream_before = upstream.copy()
    out.backward(upstream)

    for i, (x, value, original) in enumerate(zip(xs, values, before, strict=True)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.shape == x.shape, f"input {i}: gradient {x.grad.shape}, input {x.shape}"
        assert x.grad.dtype == x.dtype, f"input {i}: gradient {x.grad.dtype}, input {x.dtype}"
        np.testing.assert_array_equal(x.data, original)  # nothing modified in place
        np.testing.assert_array_equal(value, original)
    np.testing.assert_array_equal(upstream, upstream_before)


# ---------------------------------------------------------------------------
# Ties, which the registry's domains keep away on purpose
# ---------------------------------------------------------------------------


def test_max_and_min_split_the_gradient_between_ties():
    x = tr.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    (x.max(axis=1).sum() + x.min()).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [0.5, 1.0, 0.5]])


def test_maximum_and_minimum_split_the_gradient_on_a_tie():
    a = tr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tr.tensor([1.0, 5.0, 0.0], requires_grad=True)
    (tr.maximum(a, b) + 10 * tr.minimum(a, b)).sum().backward()
    np.testing.assert_array_equal(a.grad, [5.5, 10.0, 1.0])
    np.testing.assert_array_equal(b.grad, [5.5, 1.0, 10.0])


# ---------------------------------------------------------------------------
# Higher order: every VJP is itself differentiable
# ---------------------------------------------------------------------------

# gradgradcheck runs a forward and a recorded backward pass per input element: fewer
# examples than the first-order tests (5 in the dev profile, 10 in ci, 200 thorough).
FEW = max(3, settings.default.max_examples // 5)

SMOOTH = {
    "add", "sub", "mul", "div", "power", "matmul", "sum", "mean", "var", "logsumexp",
    "softmax", "log_softmax", "exp", "log", "sqrt", "tanh", "sigmoid", "reshape", "transpose",
    "log1p", "sin", "cos", "clone", "flatten", "squeeze", "unsqueeze", "cat", "cast", "prod",
    "cumsum",
}  # fmt: skip


@pytest.mark.parametrize("case", REGISTRY, ids=str)
@given(data=st.data())
def test_first_order_and_create_graph_gradients_agree(case, data):
    """The same VJPs on arrays (an ordinary backward) and on tensors (recorded): same numbers.

    Both modes run the same numpy operations in the same order, so they agree exactly.
    """
    example = data.draw(case.domain)
    xs = [tr.tensor(x, requires_grad=True) for x in example.inputs]
    out = case.fn(*xs, **example.options)
    u = data.draw(arrays(out.shape), label="upstream")
    plain = tr.grad(out, xs, u, retain_graph=True)
    recorded = tr.grad(out, xs, u, create_graph=True)
    for a, b in zip(plain, recorded, strict=True):
        assert not a.requires_grad
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("shape", [(), (1,)])
def test_a_power_in_a_vjp_rounds_alike_on_arrays_and_tensors(shape):
    """norm's VJP raises |x|/out to p − 1: with a 0-d x, the base is a numpy scalar in an
    ordinary backward and a 0-d array under create_graph; both take the same routine."""
    for v in np.linspace(0.01, 3, 400):
        x = tr.tensor(np.full(shape, v), requires_grad=True)
        out = tr.norm(x, p=1.5)
        u = np.full(out.shape, 0.7)
        plain = tr.grad(out, [x], u, retain_graph=True)[0]
        recorded = tr.grad(out, [x], u, create_graph=True)[0]
        np.testing.assert_array_equal(plain.data, recorded.data)


@pytest.mark.parametrize("case", [c for c in REGISTRY if c.gradcheck], ids=str)
@settings(max_examples=FEW)
@given(data=st.data())
def test_gradgradcheck(case, data):
    example = data.draw(case.domain)
    assert tr.gradgradcheck(functools.partial(case.fn, **example.options), example.inputs)


@pytest.mark.parametrize("case", [c for c in REGISTRY if c.gradcheck and c.name in SMOOTH], ids=str)
@settings(max_examples=max(2, FEW // 2))
@given(data=st.data())
def test_third_derivatives(case, data):
    """gradgradcheck of the recorded first derivative checks the third derivatives."""
    example = data.draw(case.domain)
    fn = functools.partial(case.fn, **example.options)
    u = data.draw(arrays(fn(*map(tr.tensor, example.inputs)).shape), label="upstream")
    n = len(example.inputs)

    def first_derivatives(*xs):
        grads = func.grad(lambda *ys: (fn(*ys) * u).sum(), argnums=tuple(range(n)))(*xs)
        return tr.concatenate([g.reshape(-1) for g in grads])

    assert tr.gradgradcheck(first_derivatives, example.inputs)
