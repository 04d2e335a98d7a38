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
* :func:`axes` -- a valid ``axis`` argument (None, an int or a tuple) for a shape;
* :func:`conv_arguments` -- consistent shapes and options for ``conv1d`` /
  ``conv2d`` (stride, padding including ``'same'``/``'valid'``, dilation,
  groups) whose output is not empty.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        'tinyreg.testing needs hypothesis; install the test extra: pip install "tinyreg[test]"'
    ) from error

__all__ = [
    "ConvArguments",
    "arrays",
    "axes",
    "broadcastable_arrays",
    "broadcastable_shapes",
    "conv_arguments",
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


class ConvArguments(NamedTuple):
    """A convolution's shapes and options: ``conv2d(x, w, **args.options)`` for such x, w.

    ``input_shape`` is (N, C, H, W), or (C, H, W) unbatched (for conv1d
    without the H axis); ``weight_shape`` is (O, C/groups, kh, kw) (kw only
    for conv1d); ``bias_shape`` is (O,).
    """

    input_shape: Shape
    weight_shape: Shape
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]
    groups: int

    @property
    def bias_shape(self) -> Shape:
        return self.weight_shape[:1]

    @property
    def options(self) -> dict[str, Any]:
        """The keyword arguments of conv1d/conv2d."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }


def conv_arguments(
    dims: int = 2,
    *,
    max_batch: int = 2,
    max_channels: int = 2,
    max_groups: int = 2,
    max_kernel: int = 3,
    max_stride: int = 2,
    max_dilation: int = 2,
    max_extra: int = 3,
    batched: bool | None = None,
) -> Any:
    """:class:`ConvArguments` for ``conv2d`` (``dims=2``) or ``conv1d`` (``dims=1``).

    Per spatial axis it draws a kernel size k, a dilation d, a stride s
    and a padding p -- a number in [0, d·(k − 1)], or ``'valid'``, or
    ``'same'`` when every stride is 1 -- and an input size n such that the
    padded input holds at least one window (n + 2p >= d·(k − 1) + 1, up to
    ``max_extra`` more). Channels are ``groups`` times 1..``max_channels``
    (in and out separately), so ``groups`` > 1 includes depthwise
    convolution. ``batched=None`` draws with and without the batch axis.
    """
    if dims not in (1, 2):
        raise ValueError(f"conv_arguments: dims must be 1 or 2, got {dims}")

    @st.composite
    def draw_arguments(draw: Any) -> ConvArguments:
        def ints(high: int, low: int = 1) -> Any:
            return st.tuples(*[st.integers(low, high)] * dims)

        groups = draw(st.integers(1, max_groups))
        in_channels = groups * draw(st.integers(1, max_channels))
        out_channels = groups * draw(st.integers(1, max_channels))
        kernel, dilation = draw(ints(max_kernel)), draw(ints(max_dilation))
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
        stride = draw(ints(max_stride))
        modes = ["numbers", "valid"] + (["same"] if max(stride) == 1 else [])
        mode = draw(st.sampled_from(modes))
        pads = [draw(st.integers(0, span - 1)) if mode == "numbers" else 0 for span in spans]
        padding: tuple[int, ...] | str = tuple(pads) if mode == "numbers" else mode
        # the smallest input that holds a window ('same' pads any input to hold one)
        smallest = [
            1 if mode == "same" else max(1, span - 2 * p)
            for span, p in zip(spans, pads, strict=True)
        ]
        sizes = tuple(draw(st.integers(low, low + max_extra)) for low in smallest)
        batch = draw(st.integers(1, max_batch))
        keep_batch = draw(st.booleans()) if batched is None else batched
        input_shape = ((batch,) if keep_batch else ()) + (in_channels, *sizes)
        return ConvArguments(
            input_shape,
            (out_channels, in_channels // groups, *kernel),
            stride,
            padding,
            dilation,
            groups,
        )

    return draw_arguments()
