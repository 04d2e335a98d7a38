"""Hypothesis strategies for property-testing gradients -- tinyreg's own and yours.

Needs the ``test`` extra (``pip install "tinyreg[test]"``); importing
``tinyreg`` itself never imports hypothesis.

Every strategy draws float64 arrays with bounded values, so finite
differences stay accurate. Typical use with :func:`tinyreg.gradcheck`::

    from hypothesis import given
    from tinyreg import gradcheck
    from tinyreg.testing import arrays, broadcastable_arrays

    @given(broadcastable_arrays(2))
    def test_my_op(pair):
        assert gradcheck(my_op, pair)

The strategies:

* :func:`shapes` -- array shapes, including ``()`` and size-1 axes;
* :func:`arrays` -- arrays of a shape (or of a drawn shape), optionally
  kept a distance away from kinks (``avoid=(0.0,)`` for ReLU or |x|) or
  with well-separated distinct values (``distinct=True``, for max/min);
* :func:`broadcastable_shapes` / :func:`broadcastable_arrays` -- n shapes or
  arrays that broadcast together (numpy's rules, any of them may be ``()``);
* :func:`matmul_shapes` / :func:`matmul_arrays` -- operands valid for
  ``numpy.matmul``: 1-D, 2-D and batched with broadcast batch axes;
* :func:`axes` -- a valid ``axis`` argument (None, an int or a tuple) for a shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        'tinyreg.testing needs hypothesis; install the test extra: pip install "tinyreg[test]"'
    ) from error

__all__ = [
    "arrays",
    "axes",
    "broadcastable_arrays",
    "broadcastable_shapes",
    "matmul_arrays",
    "matmul_shapes",
    "shapes",
]

Shape = tuple[int, ...]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Array shapes with ``min_dims..max_dims`` axes of ``min_side..max_side`` elements."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def _push_away(values: np.ndarray, avoid: tuple[float, ...], margin: float) -> np.ndarray:
    """Move every value closer than ``margin`` to a point of ``avoid`` out to that distance."""
    values = values.copy()
    for point in avoid:
        near = np.abs(values - point) < margin
        direction = np.where(values[near] >= point, 1.0, -1.0)
        values[near] = point + direction * margin
    return values


def arrays(
    shape: Shape | Any | None = None,
    *,
    min_value: float = -3.0,
    max_value: float = 3.0,
    avoid: tuple[float, ...] = (),
    margin: float = 1e-2,
    distinct: bool = False,
) -> Any:
    """Float64 arrays with values in ``[min_value, max_value]``.

    Args:
        shape: a shape, a strategy of shapes, or None for :func:`shapes`.
        avoid: points where the function has a kink or a pole (0 for ReLU,
            |x| and 1/x); values are pushed at least ``margin`` away from
            them, so a finite-difference step never crosses one.
        distinct: draw values on a grid of spacing ``margin`` without
            repeats, so no two elements tie (max, min, sort-like ops).
    """
    shape_strategy = shapes() if shape is None else shape
    if isinstance(shape_strategy, tuple):
        shape_strategy = st.just(shape_strategy)

    if distinct:
        low, high = int(np.ceil(min_value / margin)), int(np.floor(max_value / margin))

        def grid(shape: Shape) -> Any:
            ints = hnp.arrays(np.int64, shape, elements=st.integers(low, high), unique=True)
            return ints.map(lambda a: a * margin)

        strategy = shape_strategy.flatmap(grid)
    else:
        elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
        strategy = shape_strategy.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements))
    if avoid:
        strategy = strategy.map(lambda a: _push_away(a, tuple(avoid), margin))
    return strategy


def broadcastable_shapes(n: int = 2, *, max_dims: int = 3, max_side: int = 4) -> Any:
    """Tuples of ``n`` shapes that broadcast together (some may be ``()`` or have size-1 axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda result: result.input_shapes)


def broadcastable_arrays(n: int = 2, **array_options: Any) -> Any:
    """Tuples of ``n`` arrays that broadcast together; options as in :func:`arrays`."""
    return broadcastable_shapes(n).flatmap(
        lambda shape_tuple: st.tuples(*(arrays(s, **array_options) for s in shape_tuple))
    )


def matmul_shapes(max_batch_dims: int = 2, max_side: int = 4) -> Any:
    """Pairs of shapes valid for ``numpy.matmul``: 1-D, 2-D, and batched with broadcasting.

    ``max_batch_dims`` bounds the broadcast batch axes in front of the two
    matrix axes (so operands have at most ``max_batch_dims + 2`` axes).
    """
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=max_batch_dims, min_side=1, max_side=max_side
    ).map(lambda result: result.input_shapes)


def matmul_arrays(**array_options: Any) -> Any:
    """Pairs of arrays valid for ``numpy.matmul``; options as in :func:`arrays`."""
    return matmul_shapes().flatmap(
        lambda pair: st.tuples(arrays(pair[0], **array_options), arrays(pair[1], **array_options))
    )


def axes(ndim: int, *, allow_none: bool = True, allow_tuple: bool = True) -> Any:
    """A valid numpy ``axis`` argument for an array of ``ndim`` dimensions.

    None (all axes), a single int (possibly negative), or a tuple of distinct
    axes. For ``ndim == 0`` only None (or the empty tuple) is valid.
    """
    options: list[st.SearchStrategy[Any]] = [st.none()] if allow_none else []
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                    tuple
                )
            )
    elif allow_tuple or not options:
        options.append(st.just(()))
    return st.one_of(*options)
