"""tinyreg.testing: each hypothesis strategy draws what its docstring promises.

The rest of the suite draws its inputs from these strategies, so a strategy
that quietly drew less (no ``()`` shapes, values on a kink, ties) would
weaken every test that uses it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg.testing import (
    arrays,
    axes,
    broadcastable_arrays,
    broadcastable_shapes,
    conv_arguments,
    matmul_arrays,
    matmul_shapes,
    shapes,
)

# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------


@given(data=st.data(), bounds=st.tuples(st.integers(0, 3), st.integers(0, 2)))
def test_shapes_have_the_asked_number_of_axes_and_sides(data, bounds):
    min_dims, extra = bounds
    shape = data.draw(shapes(min_dims, min_dims + extra, min_side=2, max_side=3))
    assert min_dims <= len(shape) <= min_dims + extra
    assert all(2 <= side <= 3 for side in shape)


@given(data=st.data(), n=st.integers(1, 4))
def test_broadcastable_shapes_broadcast_together(data, n):
    drawn = data.draw(broadcastable_shapes(n, max_dims=3, max_side=4))
    assert len(drawn) == n
    assert all(len(shape) <= 3 and all(1 <= side <= 4 for side in shape) for shape in drawn)
    np.broadcast_shapes(*drawn)  # raises if they do not


@given(data=st.data(), max_batch_dims=st.integers(0, 2))
def test_matmul_shapes_are_valid_for_numpy_matmul(data, max_batch_dims):
    a, b = data.draw(matmul_shapes(max_batch_dims=max_batch_dims))
    assert 1 <= len(a) <= max_batch_dims + 2 and 1 <= len(b) <= max_batch_dims + 2
    np.matmul(np.ones(a), np.ones(b))  # raises if they are not


# ---------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------


@given(data=st.data(), shape=shapes())
def test_arrays_are_float64_of_the_given_shape_within_the_bounds(data, shape):
    for asked in (shape, st.just(shape)):  # a shape, or a strategy of shapes
        x = data.draw(arrays(asked, min_value=-0.5, max_value=2.0))
        assert x.dtype == np.float64 and x.shape == shape
        assert np.all((x >= -0.5) & (x <= 2.0))


@given(x=arrays(avoid=(0.0, 1.0), margin=0.25))
def test_arrays_keep_the_margin_away_from_the_points_to_avoid(x):
    # 0, 1 and 0.25 are exact in binary, so the pushed values are exactly 0.25 away
    assert np.all(np.abs(x) >= 0.25) and np.all(np.abs(x - 1.0) >= 0.25)


@given(x=arrays((5, 4), distinct=True, margin=0.25))
def test_distinct_arrays_have_no_two_values_closer_than_the_margin(x):
    values = np.sort(x.ravel())
    assert np.all(np.diff(values) >= 0.25)  # multiples of 0.25: exact


@given(x=arrays((30,), distinct=True))
def test_distinct_arrays_have_no_ties_at_the_default_margin(x):
    assert np.unique(x).size == x.size


@given(data=st.data(), n=st.integers(1, 3))
def test_broadcastable_arrays_broadcast_and_take_the_array_options(data, n):
    drawn = data.draw(broadcastable_arrays(n, avoid=(0.0,), margin=0.5))
    assert len(drawn) == n
    np.broadcast(*drawn)  # raises if they do not broadcast
    assert all(np.all(np.abs(x) >= 0.5) for x in drawn)


@given(data=st.data())
def test_public_matmul_strategy_draws(data):
    a, b = data.draw(matmul_arrays())
    np.testing.assert_array_equal(tr.matmul(a, b).data, np.matmul(a, b))


# ---------------------------------------------------------------------------
# Axes
# ---------------------------------------------------------------------------


@given(data=st.data(), shape=shapes(), allow_none=st.booleans(), allow_tuple=st.booleans())
def test_axes_are_valid_axis_arguments_of_the_asked_kinds(data, shape, allow_none, allow_tuple):
    axis = data.draw(axes(len(shape), allow_none=allow_none, allow_tuple=allow_tuple))
    np.sum(np.ones(shape), axis=axis)  # raises for an invalid axis
    if axis is None:
        assert allow_none
    elif isinstance(axis, tuple):
        assert allow_tuple or (shape == () and not allow_none)
        assert len(set(np.array(axis) % max(len(shape), 1))) == len(axis)  # distinct
    else:
        assert shape != ()


@given(data=st.data())
def test_a_zero_dimensional_shape_gets_none_or_the_empty_tuple(data):
    assert data.draw(axes(0)) in (None, ())
    assert data.draw(axes(0, allow_none=False)) == ()


# ---------------------------------------------------------------------------
# Convolution arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_arguments_are_consistent_and_give_a_nonempty_output(dims, data):
    args = data.draw(conv_arguments(dims))
    out_channels, group_channels, *kernel = args.weight_shape
    assert len(kernel) == dims and args.input_shape[-dims - 1] == group_channels * args.groups
    assert out_channels % args.groups == 0 and args.bias_shape == (out_channels,)
    assert len(args.input_shape) in (dims + 1, dims + 2)
    function = tr.functional.conv1d if dims == 1 else tr.functional.conv2d
    x, w = np.ones(args.input_shape), np.ones(args.weight_shape)
    out = function(x, w, np.ones(args.bias_shape), **args.options)
    assert out.shape[: len(args.input_shape) - dims] == (
        (*args.input_shape[: -dims - 1], out_channels)
    )
    assert min(out.shape) >= 1
    if args.padding == "same":
        assert out.shape[-dims:] == args.input_shape[-dims:]


@pytest.mark.parametrize(
    "wanted",
    [
        lambda a: a.padding == "same" and any(k % 2 == 0 for k in a.weight_shape[2:]),
        lambda a: a.padding == "valid",
        lambda a: isinstance(a.padding, tuple) and max(a.padding) > 0,
        lambda a: a.groups > 1 and a.weight_shape[1] == 1,  # depthwise
        lambda a: max(a.stride) > 1 and max(a.dilation) > 1,
        lambda a: len(a.input_shape) == 3,  # unbatched
    ],
    ids=[
        "same, even kernel",
        "valid",
        "numeric padding",
        "depthwise",
        "strided, dilated",
        "unbatched",
    ],
)
def test_conv_arguments_reach_every_kind_of_convolution(wanted):
    assert find(conv_arguments(), wanted)


def test_conv_arguments_take_only_one_or_two_dimensions():
    with pytest.raises(ValueError, match="dims must be 1 or 2, got 3"):
        conv_arguments(3)
