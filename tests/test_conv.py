"""Convolution and pooling (``tinyreg.convolution``), their modules, and PyTorch side by side.

A registry drives gradcheck and gradgradcheck of every function of the
module on shapes drawn by hypothesis (``tinyreg.testing.conv_arguments``);
the PyTorch comparisons run when PyTorch is installed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg import convolution as C
from tinyreg import functional as F
from tinyreg import nn
from tinyreg.testing import arrays, conv_arguments

# ---------------------------------------------------------------------------
# The registry: every function of tinyreg.convolution, with inputs drawn by hypothesis
# ---------------------------------------------------------------------------


class Case(NamedTuple):
    name: str
    domain: Any  # a strategy of (function of the inputs, the inputs)

    def __str__(self) -> str:
        return self.name


def _window_options(args) -> dict[str, Any]:
    """unfold/fold's options for the windows of a drawn convolution (numeric padding)."""
    padding = (0, 0) if isinstance(args.padding, str) else args.padding
    return {
        "kernel_size": args.weight_shape[2:],
        "dilation": args.dilation,
        "padding": padding,
        "stride": args.stride,
    }


@st.composite
def _unfold_case(draw):
    args = draw(conv_arguments().filter(lambda a: a.padding != "same"))
    x = draw(arrays(args.input_shape))
    return functools.partial(C.unfold, **_window_options(args)), (x,)


@st.composite
def _fold_case(draw):
    args = draw(conv_arguments().filter(lambda a: a.padding != "same"))
    options = _window_options(args)
    columns_shape = C.unfold(np.zeros(args.input_shape), **options).shape
    cols = draw(arrays(columns_shape))
    return functools.partial(C.fold, output_size=args.input_shape[-2:], **options), (cols,)


def _conv_case(function, dims):
    @st.composite
    def case(draw):
        args = draw(conv_arguments(dims))
        x, w = draw(arrays(args.input_shape)), draw(arrays(args.weight_shape))
        b = draw(arrays(args.bias_shape))
        return functools.partial(function, **args.options), (x, w, b)

    return case()


@st.composite
def _pool_case(draw, function):
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    padding = draw(st.tuples(*(st.integers(0, k // 2) for k in kernel)))
    options: dict[str, Any] = {"kernel_size": kernel, "stride": stride, "padding": padding}
    dilation = (1, 1)
    if function is C.max_pool2d:
        dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
        options.update(dilation=dilation, ceil_mode=draw(st.booleans()))
    else:
        options["count_include_pad"] = draw(st.booleans())
        options["ceil_mode"] = draw(st.booleans())
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    sizes = tuple(draw(st.integers(span, span + 3)) for span in spans)
    shape = draw(st.sampled_from([(2, 2, *sizes), (2, *sizes)]))
    # max: distinct values, so that no finite-difference step crosses a tie
    x = draw(arrays(shape, distinct=function is C.max_pool2d))
    return functools.partial(function, **options), (x,)


@st.composite
def _adaptive_case(draw):
    shape = draw(st.sampled_from([(2, 2), (2,)])) + draw(
        st.tuples(st.integers(1, 6), st.integers(1, 6))
    )
    size = draw(st.tuples(st.integers(1, 5), st.integers(1, 5) | st.none()))
    x = draw(arrays(shape))
    return functools.partial(C.adaptive_avg_pool2d, output_size=size), (x,)


REGISTRY = [
    Case("unfold", _unfold_case()),
    Case("fold", _fold_case()),
    Case("conv2d", _conv_case(C.conv2d, 2)),
    Case("conv1d", _conv_case(C.conv1d, 1)),
    Case("max_pool2d", _pool_case(C.max_pool2d)),
    Case("avg_pool2d", _pool_case(C.avg_pool2d)),
    Case("adaptive_avg_pool2d", _adaptive_case()),
]

#: gradgradcheck runs a recorded backward pass per input element: fewer examples
FEW = max(3, settings.default.max_examples // 5)


def test_registry_covers_the_module():
    assert sorted(case.name for case in REGISTRY) == sorted(C.__all__)


@pytest.mark.parametrize("name", C.__all__)
def test_functional_reexports_the_module(name):
    assert getattr(F, name) is getattr(C, name)


@pytest.mark.parametrize("case", REGISTRY, ids=str)
@given(data=st.data())
def test_gradcheck(case, data):
    function, inputs = data.draw(case.domain)
    assert tr.gradcheck(function, inputs)


@pytest.mark.parametrize("case", REGISTRY, ids=str)
@settings(max_examples=FEW)
@given(data=st.data())
def test_gradgradcheck(case, data):
    function, inputs = data.draw(case.domain)
    assert tr.gradgradcheck(function, inputs)


@given(data=st.data())
def test_fold_is_the_adjoint_of_unfold(data):
    """⟨unfold(x), y⟩ = ⟨x, fold(y)⟩: fold is unfold's transpose (so each is the other's VJP)."""
    args = data.draw(conv_arguments().filter(lambda a: a.padding != "same"))
    options = _window_options(args)
    x = data.draw(arrays(args.input_shape))
    cols = C.unfold(x, **options).data
    y = data.draw(arrays(cols.shape))
    folded = C.fold(y, output_size=args.input_shape[-2:], **options).data
    left, right = np.sum(cols * y), np.sum(x * folded)
    bound = 1e-13 * cols.size * (np.abs(cols) * np.abs(y)).max(initial=1.0)
    assert abs(left - right) <= bound


@pytest.mark.parametrize("image", [(4, 6), (5, 7), (2, 3)])
@pytest.mark.parametrize("kernel", [(2, 2), (2, 3), (1, 1)])
def test_folds_fast_path_for_tiling_windows_is_fold(image, kernel):
    """stride = kernel, dilation 1: the transposed copy gives fold's loop of additions exactly."""
    oh, ow = image[0] // kernel[0], image[1] // kernel[1]
    cols = np.random.default_rng(0).standard_normal((2, 3, *kernel, oh, ow))
    np.testing.assert_array_equal(
        C._fold_tiles(cols, image), C._fold_sum(cols, image, (1, 1), kernel)
    )


@pytest.mark.parametrize(
    ("kernel", "image", "dilation", "stride"),
    [
        ((3, 3), (6, 6), (1, 1), (1, 1)),
        ((2, 3), (9, 8), (2, 1), (1, 2)),
        ((5, 5), (12, 12), (1, 1), (3, 2)),
    ],
)
def test_folds_bincount_path_is_fold(kernel, image, dilation, stride):
    """The one-pass bincount sums what the loop of strided additions sums, up to the order of
    the additions: each pixel adds at most kh·kw entries, so the two differ by at most
    kh·kw·eps·Σ|entries| there; float32 stays float32."""
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    oh, ow = (image[0] - dh * (kh - 1) - 1) // sh + 1, (image[1] - dw * (kw - 1) - 1) // sw + 1
    cols = np.random.default_rng(1).standard_normal((2, 3, kh, kw, oh, ow))
    fast = C._fold_bincount(cols, image, dilation, stride)
    plain = C._fold_sum(cols, image, dilation, stride)
    bound = kh * kw * np.finfo(float).eps * C._fold_sum(np.abs(cols), image, dilation, stride)
    assert np.all(np.abs(fast - plain) <= bound)
    assert C._fold_bincount(cols.astype(np.float32), image, dilation, stride).dtype == np.float32


@pytest.mark.parametrize("kernel", [2, (2, 3), 3])
def test_max_pools_fast_path_for_tiling_windows_gives_the_general_paths_gradient(kernel):
    """Windows that tile the image take the fast path; one more row and column (outside every
    window) send the same input through the general one. Ties abound (small integers): the
    gradient goes to each window's first maximum either way, to the bit."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    rng = np.random.default_rng(3)
    tiled = rng.integers(0, 3, (2, 3, 2 * kh, 3 * kw)).astype(float)
    framed = np.pad(tiled, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=-1.0)
    u = rng.standard_normal((2, 3, 2, 3))
    grads = []
    for image in (tiled, framed):
        x = tr.tensor(image, requires_grad=True)
        (g,) = tr.grad((C.max_pool2d(x, kernel) * u).sum(), [x])
        grads.append(g.data[:, :, : 2 * kh, : 3 * kw])
    np.testing.assert_array_equal(grads[0], grads[1])
    assert np.count_nonzero(grads[0]) == u.size  # one entry per window


# ---------------------------------------------------------------------------
# PyTorch side by side
# ---------------------------------------------------------------------------


def _close(ours, theirs, rtol):
    """|ours − theirs| <= rtol · (the largest |theirs|): relative to the result's scale."""
    ours = np.asarray(ours.data if isinstance(ours, tr.Tensor) else ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    scale = max(np.abs(theirs).max(initial=0.0), 1e-300)
    assert np.abs(ours - theirs).max(initial=0.0) <= rtol * scale


#: (name, input shape, weight shape, options, bias) -- conv1d when the weight is 3-D
CONV_CONFIGS = [
    ("plain", (2, 3, 7, 6), (4, 3, 3, 3), {}, True),
    ("stride 2", (2, 3, 7, 6), (4, 3, 3, 3), {"stride": 2}, True),
    ("stride pair", (2, 3, 7, 6), (4, 3, 3, 2), {"stride": (2, 1)}, True),
    ("stride 3 odd size", (1, 2, 8, 7), (3, 2, 2, 2), {"stride": 3, "padding": 1}, True),
    ("padding 1", (2, 3, 5, 6), (4, 3, 3, 3), {"padding": 1}, True),
    ("padding pair", (2, 3, 5, 6), (4, 3, 3, 2), {"padding": (1, 2)}, True),
    ("same odd", (2, 3, 5, 6), (4, 3, 3, 5), {"padding": "same"}, True),
    ("same even", (2, 3, 5, 6), (4, 3, 4, 2), {"padding": "same"}, True),
    ("same dilated", (2, 2, 6, 6), (3, 2, 4, 2), {"padding": "same", "dilation": (1, 3)}, True),
    ("valid", (2, 3, 5, 6), (4, 3, 3, 3), {"padding": "valid"}, True),
    ("dilation 2", (2, 3, 7, 7), (4, 3, 3, 3), {"dilation": 2}, True),
    ("dilation pair", (2, 3, 7, 6), (4, 3, 2, 3), {"dilation": (2, 1), "padding": 2}, True),
    ("groups 2", (2, 4, 5, 5), (6, 2, 3, 3), {"groups": 2}, True),
    ("depthwise", (2, 4, 5, 5), (4, 1, 3, 3), {"groups": 4, "padding": 1}, True),
    ("depthwise x2", (2, 3, 5, 5), (6, 1, 2, 2), {"groups": 3, "stride": 2}, True),
    ("no bias", (2, 3, 5, 5), (4, 3, 3, 3), {"padding": 1}, False),
    ("unbatched", (3, 5, 6), (4, 3, 3, 3), {"stride": (1, 2)}, True),
    ("1x1", (2, 3, 4, 4), (5, 3, 1, 1), {}, True),
    ("kernel as input", (2, 2, 3, 4), (3, 2, 3, 4), {}, True),
    (
        "everything",
        (2, 4, 9, 8),
        (6, 2, 3, 2),
        dict(stride=2, padding=(2, 1), dilation=2, groups=2),
        True,
    ),
    ("conv1d", (2, 3, 9), (4, 3, 3), {}, True),
    ("conv1d strided", (2, 3, 9), (4, 3, 3), {"stride": 2, "padding": 1, "dilation": 2}, True),
    ("conv1d same even", (2, 3, 9), (4, 3, 4), {"padding": "same"}, True),
    ("conv1d groups unbatched", (4, 9), (6, 2, 3), {"groups": 2, "padding": 1}, False),
    ("conv1d depthwise", (2, 4, 7), (4, 1, 2), {"groups": 4, "padding": "valid"}, True),
]


def _conv_functions(torch, weight_shape):
    if len(weight_shape) == 3:
        return C.conv1d, torch.nn.functional.conv1d
    return C.conv2d, torch.nn.functional.conv2d


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "options", "use_bias"),
    [config[1:] for config in CONV_CONFIGS],
    ids=[config[0] for config in CONV_CONFIGS],
)
def test_conv_matches_pytorch(x_shape, w_shape, options, use_bias):
    torch = pytest.importorskip("torch")
    ours_fn, theirs_fn = _conv_functions(torch, w_shape)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    if use_bias:
        values.append(rng.standard_normal(w_shape[0]))
    ours = [tr.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out = ours_fn(*ours, **options)
    expected = theirs_fn(*theirs, **options)
    _close(out, expected, 1e-12)

    # first derivatives of ⟨u, out⟩, recorded
    u = rng.standard_normal(expected.shape)
    first = tr.grad(out, ours, u, create_graph=True)
    first_t = torch.autograd.grad(expected, theirs, torch.tensor(u), create_graph=True)
    for a, b in zip(first, first_t, strict=True):
        _close(a, b, 1e-10)

    # second derivatives: of |d/dx|² + ⟨v, d/dw⟩ with respect to every input
    v = rng.standard_normal(w_shape)
    second = tr.grad((first[0] * first[0]).sum() + (first[1] * v).sum(), ours, allow_unused=True)
    second_t = torch.autograd.grad(
        (first_t[0] ** 2).sum() + (first_t[1] * torch.tensor(v)).sum(), theirs, allow_unused=True
    )
    for a, b in zip(second, second_t, strict=True):
        if b is None:  # the bias enters linearly: no second derivative
            assert a is None or not np.any(a.data)
        else:
            _close(a, b, 1e-8)


@pytest.mark.parametrize("weight_shape", [(4, 3, 3, 3), (4, 3, 3)], ids=["conv2d", "conv1d"])
def test_conv_keeps_float32(weight_shape):
    torch = pytest.importorskip("torch")
    ours_fn, theirs_fn = _conv_functions(torch, weight_shape)
    rng = np.random.default_rng(1)
    x_shape = (2, 3, 6, 5)[: len(weight_shape)]
    values = [rng.standard_normal(s).astype(np.float32) for s in (x_shape, weight_shape, (4,))]
    ours = [tr.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out = ours_fn(*ours, padding=1)
    expected = theirs_fn(*theirs, padding=1)
    assert out.dtype == np.float32
    _close(out, expected, 1e-5)  # 27 products of float32 numbers (ε = 1.2e-7) per output
    out.sum().backward()
    expected.sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        assert a.grad.dtype == np.float32
        _close(a.grad, b.grad, 1e-5)


@pytest.mark.parametrize(
    ("x_shape", "kernel", "options"),
    [
        ((2, 3, 7, 6), (3, 2), {"dilation": (1, 2), "padding": (1, 0), "stride": 2}),
        ((3, 5, 5), 2, {}),
    ],
)
def test_unfold_and_fold_match_pytorch(x_shape, kernel, options):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(x_shape)
    cols = C.unfold(x, kernel, **options)
    _close(cols, torch.nn.functional.unfold(torch.tensor(x), kernel, **options), 0)
    back = C.fold(cols, x_shape[-2:], kernel, **options)
    expected = torch.nn.functional.fold(torch.tensor(cols.data), x_shape[-2:], kernel, **options)
    _close(back, expected, 1e-15)


# -- pools ----------------------------------------------------------------------------

POOL_CONFIGS = [
    ("max 2", "max", {"kernel_size": 2}),
    ("max 3 stride 2 padding 1", "max", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max dilated", "max", {"kernel_size": (3, 2), "dilation": 2, "padding": 1}),
    ("max ceil", "max", {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("max ceil padded", "max", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg 2", "avg", {"kernel_size": 2}),
    ("avg padded with pad", "avg", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg without pad", "avg", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("avg divisor", "avg", {"kernel_size": (2, 3), "padding": (1, 1), "divisor_override": 5}),
    ("avg stride pair", "avg", {"kernel_size": 3, "stride": (1, 2)}),
    ("avg ceil", "avg", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (
        "avg ceil without pad",
        "avg",
        dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True, count_include_pad=False),
    ),
    ("avg ceil divisor", "avg", dict(kernel_size=3, stride=2, ceil_mode=True, divisor_override=2)),
]


def _pools(torch, kind):
    if kind == "max":
        return C.max_pool2d, torch.nn.functional.max_pool2d
    return C.avg_pool2d, torch.nn.functional.avg_pool2d


@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 7, 8)], ids=["batched", "unbatched"])
@pytest.mark.parametrize(
    ("kind", "options"), [c[1:] for c in POOL_CONFIGS], ids=[c[0] for c in POOL_CONFIGS]
)
def test_pools_match_pytorch_at_ties(kind, options, shape):
    """An integer-valued image with many ties: the gradient goes to each window's first max."""
    torch = pytest.importorskip("torch")
    ours_fn, theirs_fn = _pools(torch, kind)
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, shape).astype(np.float64)
    ours, theirs = tr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours_fn(ours, **options), theirs_fn(theirs, **options)
    _close(out, expected, 1e-15)
    u = rng.standard_normal(expected.shape)
    (first,) = tr.grad(out, [ours], u, create_graph=True)
    (first_t,) = torch.autograd.grad(expected, [theirs], torch.tensor(u))
    _close(first, first_t, 1e-15)


def test_max_pool_pads_with_minus_infinity():
    torch = pytest.importorskip("torch")
    x = -1.0 - np.arange(2 * 5 * 5, dtype=np.float64).reshape(2, 1, 5, 5)  # all negative
    out = C.max_pool2d(x, 3, stride=2, padding=1)
    assert np.all(out.data < 0)
    _close(out, torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1), 0)


@pytest.mark.parametrize(
    ("shape", "size"),
    [((2, 3, 7, 5), 3), ((2, 3, 7, 5), (4, 2)), ((3, 6, 5), (4, None)), ((1, 2, 3, 2), (5, 4))],
)
def test_adaptive_avg_pool_matches_pytorch(shape, size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    ours, theirs = tr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = C.adaptive_avg_pool2d(ours, size)
    expected = torch.nn.functional.adaptive_avg_pool2d(theirs, size)
    _close(out, expected, 1e-14)
    u = rng.standard_normal(expected.shape)
    (first,) = tr.grad(out, [ours], u)
    (first_t,) = torch.autograd.grad(expected, [theirs], torch.tensor(u))
    _close(first, first_t, 1e-14)


def test_pools_keep_float32():
    x = np.random.default_rng(5).standard_normal((1, 2, 6, 6)).astype(np.float32)
    for pool in (
        lambda t: C.max_pool2d(t, 2),
        lambda t: C.avg_pool2d(t, 3, 1, 1, count_include_pad=False),
        lambda t: C.adaptive_avg_pool2d(t, 4),
    ):
        t = tr.tensor(x, requires_grad=True)
        out = pool(t)
        out.sum().backward()
        assert out.dtype == np.float32 and t.grad.dtype == np.float32


# -- modules --------------------------------------------------------------------------


def _module_pairs(lib):
    return [
        lib.Conv2d(3, 4, 3),
        lib.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 0), dilation=2, groups=2, bias=False),
        lib.Conv2d(2, 2, 4, padding="same"),
        lib.Conv2d(2, 4, 1, padding="valid"),
        lib.Conv1d(3, 4, 3),
        lib.Conv1d(4, 4, 5, stride=2, padding=2, groups=4),
        lib.MaxPool2d(2),
        lib.MaxPool2d((3, 2), stride=1, padding=1, dilation=2, ceil_mode=True),
        lib.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        lib.AvgPool2d((2, 3), ceil_mode=True, divisor_override=4),
        lib.AdaptiveAvgPool2d((3, None)),
    ]


def test_modules_print_like_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_module_pairs(nn), _module_pairs(torch.nn), strict=True):
        assert repr(ours) == repr(theirs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv_state_dicts_load_both_ways():
    torch = pytest.importorskip("torch")

    def cnn(lib):
        return lib.Sequential(
            lib.Conv2d(1, 4, 3, padding=1), lib.ReLU(), lib.MaxPool2d(2),
            lib.Conv2d(4, 6, 2, groups=2, padding="same"), lib.AvgPool2d(2),
            lib.AdaptiveAvgPool2d(1), lib.Flatten(), lib.Linear(6, 2),
        )  # fmt: skip

    x = np.random.default_rng(6).standard_normal((3, 1, 8, 8))
    ours, theirs = cnn(nn), cnn(torch.nn).double()
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    with torch.no_grad():
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)
    theirs = cnn(torch.nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    with torch.no_grad():
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)


def test_conv_init_is_uniform_on_the_pytorch_bound():
    layer = nn.Conv2d(4, 6, (3, 2), groups=2, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(2 * 3 * 2)  # fan_in = in_channels/groups · kh · kw
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.8 * bound
    assert layer.weight.regularize and not layer.bias.regularize
    same = nn.Conv2d(4, 6, (3, 2), groups=2, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(same.weight.data, layer.weight.data)
    assert nn.Conv1d(2, 3, 2, dtype=np.float32).weight.dtype == np.float32


def test_conv_module_trains_a_step():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 1))
    x = np.random.default_rng(7).standard_normal((4, 1, 6, 6))
    loss = model(x).sum()
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


# ---------------------------------------------------------------------------
# Bad inputs: errors that name the numbers
# ---------------------------------------------------------------------------

BAD: list[tuple[str, Callable[[], Any], str]] = [
    (
        "wrong channels",
        lambda: C.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((2, 4, 3, 3))),
        "input has 3 channels but weight expects in_channels=4",
    ),
    (
        "wrong channels, grouped",
        lambda: C.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((2, 2, 3, 3)), groups=2),
        "input has 3 channels but weight expects in_channels=4",
    ),
    (
        "conv1d wrong channels",
        lambda: C.conv1d(np.zeros((1, 3, 5)), np.zeros((2, 2, 3))),
        "conv1d: input has 3 channels but weight expects in_channels=2",
    ),
    (
        "kernel larger than the padded input",
        lambda: C.conv2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 5, 2)), padding=(0, 1)),
        "the kernel spans 5",
    ),
    (
        "dilated kernel larger",
        lambda: C.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), dilation=4),
        "padded input has only 4",
    ),
    (
        "same with stride 2",
        lambda: C.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding="same", stride=2),
        "padding='same' needs stride=1, got stride=(2, 2)",
    ),
    (
        "groups not dividing out_channels",
        lambda: C.conv2d(np.zeros((1, 4, 4, 4)), np.zeros((3, 2, 1, 1)), groups=2),
        "groups=2 does not divide out_channels=3",
    ),
    (
        "bias of the wrong size",
        lambda: C.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((2, 1, 1, 1)), np.zeros(3)),
        "bias must have shape (2,), got (3,)",
    ),
    (
        "module groups not dividing in_channels",
        lambda: nn.Conv2d(3, 4, 3, groups=2),
        "in_channels=3 must be divisible by groups=2",
    ),
    (
        "module with wrong channels",
        lambda: nn.Conv2d(3, 4, 3)(np.zeros((1, 2, 5, 5))),
        "input has 2 channels but weight expects in_channels=3",
    ),
    (
        "module same with stride",
        lambda: nn.Conv1d(3, 4, 3, stride=2, padding="same"),
        "padding='same' needs stride=1",
    ),
    (
        "unknown padding",
        lambda: C.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding="full"),
        "padding",
    ),
    (
        "max pool padding over half the kernel",
        lambda: C.max_pool2d(np.zeros((1, 1, 6, 6)), 3, padding=2),
        "padding=(2, 2) must be at most half of kernel_size=(3, 3)",
    ),
    (
        "avg pool padding over half the kernel",
        lambda: C.avg_pool2d(np.zeros((1, 1, 6, 6)), (2, 4), padding=(0, 3)),
        "padding=(0, 3) must be at most half of kernel_size=(2, 4)",
    ),
    (
        "2-D input to conv2d",
        lambda: C.conv2d(np.zeros((5, 5)), np.zeros((1, 1, 3, 3))),
        "got shapes (5, 5) and (1, 1, 3, 3)",
    ),
    (
        "fold of mismatched columns",
        lambda: C.fold(np.zeros((1, 4, 5)), (4, 4), 2),
        "for the 3×3=9 windows of output_size=(4, 4)",
    ),
]


@pytest.mark.parametrize(("call", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_raise_value_errors_naming_the_numbers(call, message):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert message in str(info.value)
