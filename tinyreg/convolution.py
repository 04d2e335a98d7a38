"""Convolution and pooling: sliding windows plus one matmul.

One mechanism carries everything here. :func:`unfold` (im2col) copies every
window of a padded image into a column: an (N, C, H, W) batch becomes
(N, C·kh·kw, L), with L = oh·ow windows in row-major order and the rows
ordered channel first, then kernel row, then kernel column, as
``torch.nn.functional.unfold``. :func:`fold` (col2im) is its adjoint: it
adds each column back onto the window it came from, summing where windows
overlap. Both are linear, and each is the other's VJP::

    out = unfold(x)        dx = fold(g)
    out = fold(cols)       dcols = unfold(g)

so derivatives of any order come free.

A convolution is then one matmul of the weight, reshaped to
(groups, out/groups, in/groups·kh·kw), with the columns::

    out[n, o, l] = Σ_k W[o, k] · unfold(x)[n, k, l] + b[o]

:func:`conv2d` is written as exactly that composition of ops -- unfold,
reshape, matmul, add -- rather than as one op with hand-written VJPs: the
backward pass of the composition *is* the transposed convolution
(matmul's VJP gives Wᵀ·g for the columns and unfold's VJP folds them back,
dx = fold(Wᵀ·g); matmul's other VJP gives dW = g·colsᵀ summed over the
batch; the bias gets g summed over batch and positions), it keeps the
columns of the forward pass instead of recomputing them, and it costs a
handful of cheap graph nodes around two large numpy calls. :func:`conv1d`
is conv2d on images of height 1.

Pooling uses the same windows: :func:`avg_pool2d` sums unfold's columns,
:func:`max_pool2d` takes their maximum (an op whose VJP folds a one-hot
mask of each window's first maximum times g: a constant mask, so it is
differentiable again), and :func:`adaptive_avg_pool2d` multiplies by
averaging matrices, A_h·x·A_wᵀ.

Inputs are batches (N, C, H, W) -- or (N, C, L) for conv1d -- or single
images without the batch axis, (C, H, W), as PyTorch accepts. Arguments
follow PyTorch: an int or a pair for sizes, strides, paddings, dilations.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tinyreg import ops
from tinyreg.autograd import Tensor, op
from tinyreg.validation import check_choice, check_int

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "fold",
    "max_pool2d",
    "unfold",
]

Pair = tuple[int, int]
#: padding as ((top, bottom), (left, right))
Padding = tuple[tuple[int, int], tuple[int, int]]


# ---------------------------------------------------------------------------
# The windows: unfold (im2col) and its adjoint fold (col2im)
# ---------------------------------------------------------------------------


def _windows(
    x: np.ndarray, kernel: Pair, dilation: Pair, padding: Padding, stride: Pair, fill: float = 0.0
) -> np.ndarray:
    """A read-only strided view (N, C, kh, kw, oh, ow) of the windows of the padded batch ``x``.

    Element [n, c, i, j, p, q] is padded_x[n, c, p·sh + i·dh, q·sw + j·dw]:
    (i, j) walks the kernel, (p, q) the output positions. Padding is ``fill``.
    """
    (top, bottom), (left, right) = padding
    if top or bottom or left or right:
        n, c, height, width = x.shape
        padded = np.full((n, c, top + height + bottom, left + width + right), fill, x.dtype)
        padded[:, :, top : top + height, left : left + width] = x
        x = padded
    oh, ow = _output_shape("unfold", x.shape[2:], kernel, dilation, ((0, 0), (0, 0)), stride)
    n_stride, c_stride, h_stride, w_stride = x.strides
    return np.lib.stride_tricks.as_strided(
        x,
        shape=(x.shape[0], x.shape[1], *kernel, oh, ow),
        strides=(
            n_stride,
            c_stride,
            dilation[0] * h_stride,
            dilation[1] * w_stride,
            stride[0] * h_stride,
            stride[1] * w_stride,
        ),
        writeable=False,
    )


@op
def unfold(input, *, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding windows of an (N, C, H, W) batch as columns: (N, C·kh·kw, L).

    Column l holds window l (row-major over the oh × ow output positions);
    row c·kh·kw + i·kw + j holds channel c at kernel offset (i, j). A single
    image (C, H, W) gives (C·kh·kw, L). ``padding`` is an int, a pair, or
    ((top, bottom), (left, right)) for uneven padding (which conv2d's
    ``'same'`` needs with an even kernel); zeros are padded.
    VJP: :func:`fold` of g, its adjoint.
    """
    kernel, dilation, padding, stride = _window_arguments(kernel_size, dilation, padding, stride)
    batch = _batched("unfold", input, 3)
    windows = _windows(batch, kernel, dilation, padding, stride)
    n, c, kh, kw, oh, ow = windows.shape
    cols = windows.reshape(n, c * kh * kw, oh * ow)  # the one copy
    return cols if input.ndim == 4 else cols[0]


@op
def fold(input, *, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C·kh·kw, L) added back onto their windows of an (N, C, H, W) image.

    The adjoint of :func:`unfold`: where windows overlap their values are
    summed, and what falls on the padding is dropped. ``output_size`` is
    (H, W); a single (C·kh·kw, L) gives (C, H, W). The sum itself is
    ``_fold_sum``, one strided addition per kernel offset; two labelled fast
    paths compute the same. VJP: :func:`unfold` of g.
    """
    kernel, dilation, padding, stride = _window_arguments(kernel_size, dilation, padding, stride)
    height, width = _pair("output_size", output_size)
    cols = _batched("fold", input, 2)
    (top, bottom), (left, right) = padding
    oh, ow = _output_shape("fold", (height, width), kernel, dilation, padding, stride)
    n, rows, length = cols.shape
    kh, kw = kernel
    if rows % (kh * kw) or length != oh * ow:
        raise ValueError(
            f"fold: input of shape {input.shape} does not hold columns of C·{kh}·{kw} rows "
            f"for the {oh}×{ow}={oh * ow} windows of output_size={(height, width)}"
        )
    cols = cols.reshape(n, rows // (kh * kw), kh, kw, oh, ow)
    padded = (height + top + bottom, width + left + right)
    if _tiles(kernel, dilation, ((0, 0), (0, 0)), stride):
        image = _fold_tiles(cols, padded)  # fast path: windows that do not overlap
    else:
        image = _fold_bincount(cols, padded, dilation, stride)  # fast path: any windows
    image = image[:, :, top : top + height, left : left + width]
    return image if input.ndim == 3 else image[0]


def _tiles(kernel: Pair, dilation: Pair, padding: Padding, stride: Pair) -> bool:
    """Whether the windows tile the (padded) image side by side: stride = kernel, dilation 1."""
    return dilation == (1, 1) and stride == kernel and padding == ((0, 0), (0, 0))


def _fold_sum(cols: np.ndarray, padded: Pair, dilation: Pair, stride: Pair) -> np.ndarray:
    """fold itself: cols (N, C, kh, kw, oh, ow) added onto a zero (N, C, *padded) image.

    One strided addition per kernel offset (i, j): the (i, j) entries of all
    windows land on the rows i·dh, i·dh + sh, ... and columns j·dw, j·dw + sw, ...
    """
    n, c, kh, kw, oh, ow = cols.shape
    image = np.zeros((n, c, *padded), dtype=cols.dtype)
    (dh, dw), (sh, sw) = dilation, stride
    for i in range(kh):
        for j in range(kw):
            rows_hit = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols_hit = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            image[:, :, rows_hit, cols_hit] += cols[:, :, i, j]
    return image


def _fold_tiles(cols: np.ndarray, padded: Pair) -> np.ndarray:
    """Fast path of :func:`_fold_sum` when stride = kernel and dilation = 1 (pooling's case).

    The windows then tile the image without overlapping, so nothing is
    summed: the image is the columns' entries moved into place, one
    transposed copy, pixel [p·kh + i, q·kw + j] = cols[i, j, p, q]; rows and
    columns beyond the last window stay 0. ``test_conv.py`` checks that it
    equals ``_fold_sum``.
    """
    n, c, kh, kw, oh, ow = cols.shape
    tiles = cols.transpose(0, 1, 4, 2, 5, 3).reshape(n, c, oh * kh, ow * kw)
    if (oh * kh, ow * kw) == padded:
        return tiles
    image = np.zeros((n, c, *padded), dtype=cols.dtype)
    image[:, :, : oh * kh, : ow * kw] = tiles
    return image


def _fold_bincount(cols: np.ndarray, padded: Pair, dilation: Pair, stride: Pair) -> np.ndarray:
    """Fast path of :func:`_fold_sum` for any windows: one ``np.bincount`` over every entry.

    Each entry of ``cols`` is added to the pixel whose flat index
    :func:`_fold_targets` gives; bincount does all those additions in one
    pass, where ``_fold_sum``'s kh·kw strided additions each run numpy's
    inner loop over rows only ow long. The indices depend only on the
    shapes and are cached. ``test_conv.py`` checks that it equals ``_fold_sum``.
    """
    n, c = cols.shape[:2]
    targets = _fold_targets(cols.shape, padded, dilation, stride)
    sums = np.bincount(targets, weights=cols.reshape(-1), minlength=n * c * padded[0] * padded[1])
    return sums.astype(cols.dtype, copy=False).reshape(n, c, *padded)


@functools.lru_cache(maxsize=8)
def _fold_targets(shape: tuple[int, ...], padded: Pair, dilation: Pair, stride: Pair) -> np.ndarray:
    """The flat index in the (N, C, *padded) image of each entry of (N, C, kh, kw, oh, ow) cols.

    Entry [n, c, i, j, p, q] lands on pixel (p·sh + i·dh, q·sw + j·dw) of image (n, c).
    """
    n, c, kh, kw, oh, ow = shape
    (dh, dw), (sh, sw), width = dilation, stride, padded[1]
    rows = np.arange(kh)[:, None, None, None] * dh + np.arange(oh)[None, None, :, None] * sh
    columns = np.arange(kw)[None, :, None, None] * dw + np.arange(ow)[None, None, None, :] * sw
    pixels = (rows * width + columns).reshape(-1)  # one window layout: (kh, kw, oh, ow)
    images = np.arange(n * c) * (padded[0] * width)
    targets = (images[:, None] + pixels[None, :]).reshape(-1)
    targets.flags.writeable = False
    return targets


# unfold and fold are linear and adjoint to each other: each is the other's VJP.
unfold.defvjp(
    lambda g, out, input, *, kernel_size, dilation, padding, stride: fold(
        g,
        output_size=input.shape[-2:],
        kernel_size=kernel_size,
        dilation=dilation,
        padding=padding,
        stride=stride,
    )
)
fold.defvjp(
    lambda g, out, input, *, output_size, kernel_size, dilation, padding, stride: unfold(
        g, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride
    )
)


# ---------------------------------------------------------------------------
# Convolution: unfold, then one matmul
# ---------------------------------------------------------------------------


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    out[n, o, p, q] = b[o] + Σ_{c,i,j} W[o, c, i, j]·x_pad[n, g·C/G + c, p·sh + i·dh, q·sw + j·dw]
    for output channel o in group g. ``input`` is (N, C, H, W) or (C, H, W);
    ``weight`` is (O, C/groups, kh, kw); ``bias`` is (O,) or None.
    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output
    as large as the input; needs stride 1; with an even total the extra
    row and column go to the bottom and right, as PyTorch). ``groups``
    splits the channels into independent convolutions (groups =
    in_channels is depthwise). Computed as unfold + matmul (see the module
    docstring); the backward pass is the transposed convolution.
    """
    return _convolve("conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation, as ``torch.nn.functional.conv1d``: conv2d on images of height 1.

    ``input`` is (N, C, L) or (C, L); ``weight`` is (O, C/groups, k);
    the other arguments as in :func:`conv2d`, with single numbers.
    """
    x, w = _data_shape(input), _data_shape(weight)
    if len(x) not in (2, 3) or len(w) != 3:
        raise ValueError(
            f"conv1d: input must be 3-D (N, C, L) or 2-D (C, L) and weight 3-D "
            f"(out_channels, in_channels/groups, k), got shapes {x} and {w}"
        )
    image = ops.reshape(input, shape=(*x[:-1], 1, x[-1]))
    kernel = ops.reshape(weight, shape=(*w[:-1], 1, w[-1]))
    pad = padding if isinstance(padding, str) else (0, _single("padding", padding, 0))
    out = _convolve(
        "conv1d",
        image,
        kernel,
        bias,
        (1, _single("stride", stride, 1)),
        pad,
        (1, _single("dilation", dilation, 1)),
        groups,
    )
    return ops.reshape(out, shape=(*out.shape[:-2], out.shape[-1]))


def _convolve(
    name: str,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
) -> Tensor:
    """conv2d, its errors naming the function ``name`` the user called."""
    x_shape, w_shape = _data_shape(input), _data_shape(weight)
    if len(x_shape) not in (3, 4) or len(w_shape) != 4:
        raise ValueError(
            f"{name}: input must be 4-D (N, C, H, W) or 3-D (C, H, W) and weight 4-D "
            f"(out_channels, in_channels/groups, kh, kw), got shapes {x_shape} and {w_shape}"
        )
    groups = check_int("groups", groups)
    out_channels, group_channels, kh, kw = w_shape
    channels = x_shape[-3]
    if out_channels % groups:
        raise ValueError(f"{name}: groups={groups} does not divide out_channels={out_channels}")
    if channels != group_channels * groups:
        raise ValueError(
            f"{name}: input has {channels} channels but weight expects "
            f"in_channels={group_channels * groups} (weight shape {w_shape}, groups={groups})"
        )
    if bias is not None and _data_shape(bias) != (out_channels,):
        raise ValueError(f"{name}: bias must have shape ({out_channels},), got {_data_shape(bias)}")
    stride, dilation = _pair("stride", stride), _pair("dilation", dilation)
    pads = _conv_padding(name, padding, (kh, kw), dilation, stride)
    oh, ow = _output_shape(name, x_shape[-2:], (kh, kw), dilation, pads, stride)

    batch = input if len(x_shape) == 4 else ops.reshape(input, shape=(1, *x_shape))
    n = _data_shape(batch)[0]
    cols = unfold(batch, kernel_size=(kh, kw), dilation=dilation, padding=pads, stride=stride)
    cols = ops.reshape(cols, shape=(n, groups, group_channels * kh * kw, oh * ow))
    w = ops.reshape(weight, shape=(groups, out_channels // groups, group_channels * kh * kw))
    out = ops.reshape(ops.matmul(w, cols), shape=(n, out_channels, oh, ow))
    if bias is not None:
        out = out + ops.reshape(bias, shape=(out_channels, 1, 1))
    return out if len(x_shape) == 4 else ops.reshape(out, shape=(out_channels, oh, ow))


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


@op
def _max_pool(input, *, kernel_size, dilation, padding, stride):
    """The maximum of each window of an (N, C, H, W) batch padded with −inf.

    VJP: g goes to the first maximum of its window in row-major order (as
    PyTorch): fold(onehot(argmax) · g), a constant mask times g.
    """
    windows = _windows(input, kernel_size, dilation, padding, stride, fill=-np.inf)
    out = windows[:, :, 0, 0].copy()
    for i in range(kernel_size[0]):
        for j in range(kernel_size[1]):
            np.maximum(out, windows[:, :, i, j], out=out)
    return out


def _max_pool_vjp(g, out, input, *, kernel_size, dilation, padding, stride):
    x, best = np.asarray(input), np.asarray(out)
    n, c, oh, ow = best.shape
    (kh, kw), (height, width) = kernel_size, x.shape[2:]
    if _tiles(kernel_size, dilation, padding, stride) and (oh * kh, ow * kw) == (height, width):
        # the fast path: the windows tile the image, so the image reshaped to
        # (N, C, oh, kh, ow, kw) holds window (p, q) at [:, :, p, :, q, :]: no copy, no fold
        tiles = x.reshape(n, c, oh, kh, ow, kw)
        first = _first_maxima(np.moveaxis(tiles, (3, 5), (0, 1)), best)
        hits = np.moveaxis(first, (0, 1), (3, 5))
        return (g.reshape((n, c, oh, 1, ow, 1)) * hits).reshape(x.shape)
    windows = _windows(x, kernel_size, dilation, padding, stride, fill=-np.inf)
    first = _first_maxima(np.moveaxis(windows, (2, 3), (0, 1)), best)
    hits = np.moveaxis(first, (0, 1), (2, 3))  # (N, C, kh, kw, oh, ow), as the windows
    cols = (g.reshape((n, c, 1, 1, oh, ow)) * hits).reshape((n, c * kh * kw, oh * ow))
    return fold(
        cols,
        output_size=x.shape[-2:],
        kernel_size=kernel_size,
        dilation=dilation,
        padding=padding,
        stride=stride,
    )


def _first_maxima(values: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The one-hot of each window's first maximum in row-major order, as booleans.

    ``values[i, j]`` holds every window's entry at kernel offset (i, j)
    (shape ``best.shape``); a window's first entry equal to its maximum
    ``best`` gets True, every other entry False -- PyTorch's rule at ties.
    """
    first = np.empty(values.shape, dtype=bool)
    free = np.ones(best.shape, dtype=bool)  # windows whose maximum is not met yet
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            np.logical_and(free, values[i, j] == best, out=first[i, j])
            free &= ~first[i, j]
    return first


_max_pool.defvjp(_max_pool_vjp)


def max_pool2d(
    input: Any,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """The maximum over each window, as ``torch.nn.functional.max_pool2d``.

    ``stride`` defaults to ``kernel_size``; the input is padded with −inf,
    at most half the kernel on each side. With ``ceil_mode`` the last
    window may run past the bottom/right edge (it must start inside the
    input or the left padding), which adds output rows and columns.
    At ties the gradient goes to the first maximum in row-major order.
    """
    x_shape = _image_shape("max_pool2d", input)
    kernel = _pair("kernel_size", kernel_size)
    stride = kernel if stride is None else _pair("stride", stride)
    dilation = _pair("dilation", dilation)
    pads = _pool_padding("max_pool2d", padding, kernel, dilation, stride, x_shape[-2:], ceil_mode)
    batch = input if len(x_shape) == 4 else ops.reshape(input, shape=(1, *x_shape))
    out = _max_pool(batch, kernel_size=kernel, dilation=dilation, padding=pads, stride=stride)
    return out if len(x_shape) == 4 else ops.reshape(out, shape=out.shape[1:])


def avg_pool2d(
    input: Any,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean over each window, as ``torch.nn.functional.avg_pool2d``: unfold, then a sum.

    ``stride`` defaults to ``kernel_size``; zeros are padded, at most half
    the kernel on each side; ``ceil_mode`` as in :func:`max_pool2d`. The
    divisor is ``divisor_override`` if given, else the number of the
    window's elements inside the padded input (``count_include_pad=True``:
    kh·kw, less what a ``ceil_mode`` window runs past the padding) or inside
    the input itself (``count_include_pad=False``).
    """
    x_shape = _image_shape("avg_pool2d", input)
    kernel = _pair("kernel_size", kernel_size)
    stride = kernel if stride is None else _pair("stride", stride)
    pads = _pool_padding("avg_pool2d", padding, kernel, (1, 1), stride, x_shape[-2:], ceil_mode)
    oh, ow = _output_shape("avg_pool2d", x_shape[-2:], kernel, (1, 1), pads, stride)
    if divisor_override is not None:
        divisor: Any = float(check_int("divisor_override", divisor_override))
    else:  # count the window's elements in the region that counts, with unfold of ones
        (top, bottom), (left, right) = pads
        region, outside = (x_shape[-2], x_shape[-1]), pads
        if count_include_pad:
            region = (x_shape[-2] + 2 * top, x_shape[-1] + 2 * left)
            outside = ((0, bottom - top), (0, right - left))
        ones = np.ones((1, 1, *region), dtype=_dtype(input))
        inside = unfold.forward(ones, kernel_size=kernel, padding=outside, stride=stride)
        divisor = inside.sum(axis=1).reshape(oh, ow)
    batch = input if len(x_shape) == 4 else ops.reshape(input, shape=(1, *x_shape))
    n, c = _data_shape(batch)[:2]
    cols = unfold(batch, kernel_size=kernel, padding=pads, stride=stride)
    sums = ops.sum(ops.reshape(cols, shape=(n, c, kernel[0] * kernel[1], oh, ow)), axis=2)
    out = sums / divisor
    return out if len(x_shape) == 4 else ops.reshape(out, shape=(c, oh, ow))


def adaptive_avg_pool2d(input: Any, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Means over oh × ow windows tiling the input, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output row i averages input rows floor(i·H/oh) to ceil((i + 1)·H/oh) − 1
    (likewise for columns), so windows may overlap by one when oh does not
    divide H. Linear: out = A_h · x · A_wᵀ with averaging matrices A_h
    (oh, H) and A_w (ow, W). ``None`` in ``output_size`` keeps that size.
    """
    x_shape = _image_shape("adaptive_avg_pool2d", input)
    sizes = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {sizes}")
    height, width = x_shape[-2:]
    oh = height if sizes[0] is None else check_int("output_size", sizes[0])
    ow = width if sizes[1] is None else check_int("output_size", sizes[1])
    dtype = _dtype(input)
    rows, cols = _averaging_matrix(height, oh, dtype), _averaging_matrix(width, ow, dtype)
    return ops.matmul(ops.matmul(rows, input), cols.T)


def _averaging_matrix(size: int, out: int, dtype: Any) -> np.ndarray:
    """The (out, size) matrix whose row i averages floor(i·size/out)..ceil((i+1)·size/out) − 1."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def _pair(name: str, value: Any, minimum: int = 1) -> Pair:
    """An int or a pair of ints >= ``minimum`` as a pair (PyTorch's kernel/stride/... arguments)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return check_int(name, value[0], minimum), check_int(name, value[1], minimum)
    number = check_int(name, value, minimum)
    return number, number


def _single(name: str, value: Any, minimum: int) -> int:
    """An int, or a 1-tuple of one (conv1d's arguments)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an int or a 1-tuple for conv1d, got {value!r}")
        value = value[0]
    return check_int(name, value, minimum)


def _padding(value: Any) -> Padding:
    """An int, a pair, or ((top, bottom), (left, right)) as ((top, bottom), (left, right))."""
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(side, (tuple, list)) for side in value)
    ):
        (top, bottom), (left, right) = (_pair("padding", side, 0) for side in value)
        return (top, bottom), (left, right)
    vertical, horizontal = _pair("padding", value, 0)
    return (vertical, vertical), (horizontal, horizontal)


def _window_arguments(
    kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> tuple[Pair, Pair, Padding, Pair]:
    return (
        _pair("kernel_size", kernel_size),
        _pair("dilation", dilation),
        _padding(padding),
        _pair("stride", stride),
    )


def _conv_padding(name: str, padding: Any, kernel: Pair, dilation: Pair, stride: Pair) -> Padding:
    """conv2d's ``padding`` as ((top, bottom), (left, right)); 'same' puts any extra last."""
    if not isinstance(padding, str):
        return _padding(padding)
    check_choice("padding", padding, ("same", "valid"))
    if padding == "valid":
        return (0, 0), (0, 0)
    if stride != (1, 1):
        raise ValueError(f"{name}: padding='same' needs stride=1, got stride={stride}")
    totals = (dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1))
    (top, left) = (totals[0] // 2, totals[1] // 2)
    return (top, totals[0] - top), (left, totals[1] - left)


def _pool_padding(
    name: str,
    padding: Any,
    kernel: Pair,
    dilation: Pair,
    stride: Pair,
    size: tuple[int, ...],
    ceil_mode: bool,
) -> Padding:
    """A pool's padding, at most half the kernel, extended at the bottom/right by ceil_mode."""
    pad = _pair("padding", padding, 0)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"{name}: padding={pad} must be at most half of kernel_size={kernel} on each axis"
        )
    extra = [0, 0]
    for axis in (0, 1) if ceil_mode else ():
        span = size[axis] + 2 * pad[axis] - dilation[axis] * (kernel[axis] - 1) - 1
        count = -(-span // stride[axis]) + 1
        if (count - 1) * stride[axis] >= size[axis] + pad[axis]:
            count -= 1  # the last window would start in the right padding
        reach = (count - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1
        extra[axis] = max(0, reach - size[axis] - 2 * pad[axis])
    return (pad[0], pad[0] + extra[0]), (pad[1], pad[1] + extra[1])


def _output_shape(
    name: str, size: Any, kernel: Pair, dilation: Pair, padding: Padding, stride: Pair
) -> Pair:
    """(oh, ow): how many windows fit in each padded axis; a ValueError if none does."""
    shape = []
    for axis in (0, 1):
        padded = size[axis] + sum(padding[axis])
        span = dilation[axis] * (kernel[axis] - 1) + 1
        if span > padded:
            raise ValueError(
                f"{name}: the kernel spans {span} (kernel_size={kernel}, dilation={dilation}) "
                f"but the padded input has only {padded} on axis {axis - 2} "
                f"(input size {tuple(size)}, padding {padding})"
            )
        shape.append((padded - span) // stride[axis] + 1)
    return shape[0], shape[1]


def _batched(name: str, x: np.ndarray, unbatched_ndim: int) -> np.ndarray:
    """``x`` with a batch axis (added to a single ``unbatched_ndim``-D example: an image
    (C, H, W) for unfold, columns (C·kh·kw, L) for fold)."""
    if x.ndim not in (unbatched_ndim, unbatched_ndim + 1):
        raise ValueError(
            f"{name}: input must be {unbatched_ndim + 1}-D (batched) or {unbatched_ndim}-D, "
            f"got shape {x.shape}"
        )
    return x if x.ndim == unbatched_ndim + 1 else x[None]


def _image_shape(name: str, input: Any) -> tuple[int, ...]:
    """The shape of a pool's input, checked to be (N, C, H, W) or (C, H, W)."""
    shape = _data_shape(input)
    if len(shape) not in (3, 4):
        raise ValueError(f"{name}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got {shape}")
    return shape


def _data_shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if isinstance(x, (Tensor, np.ndarray)) else np.shape(x)


def _dtype(x: Any) -> np.dtype:
    """The floating dtype an input computes in (float64 unless it is float32 or so)."""
    dtype = x.dtype if isinstance(x, (Tensor, np.ndarray)) else np.asarray(x).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)
