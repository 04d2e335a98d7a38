"""Neural-network functions: activations, dropout, normalisation, embeddings, the linear
layer, losses.

``tinyreg.functional`` plays the part of ``torch.nn.functional``. ``relu``,
``tanh``, ``sigmoid`` and the softmaxes are the primitives of
:mod:`tinyreg.ops`; convolution, unfold/fold and pooling are those of
:mod:`tinyreg.convolution`; ``leaky_relu``, ``gelu``, ``softplus``, ``silu`` and
``elu`` are ops defined here, with VJPs that are differentiable again
(``softsign`` is composed of ops). So are the normalisation shared by
``batch_norm`` and ``layer_norm`` and the lookup of ``embedding``; ``dropout``
and ``dropout2d`` multiply by a constant mask. ``linear`` and the losses are
ops of their own, defined with the same :func:`~tinyreg.autograd.op` decorator:
fused into one node each, they are both shorter to read as maths and much
cheaper than a chain of small ops (one Python-level node instead of four or
five per layer or loss). ``smooth_l1_loss`` is ``huber_loss`` divided by
its β. ``one_hot`` turns class indices into an integer array.

Every loss takes ``reduction`` = ``"mean"`` (average over all elements, the
default; ``nll_loss`` and ``cross_entropy`` average over rows), ``"sum"`` or
``"none"`` (the elementwise losses), as PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, op
from tinyreg.convolution import (
    adaptive_avg_pool2d,
    avg_pool2d,
    conv1d,
    conv2d,
    fold,
    max_pool2d,
    unfold,
)
from tinyreg.ops import abs as absolute
from tinyreg.ops import (
    clip,
    exp,
    log,
    log_softmax,
    maximum,
    relu,
    reshape,
    scatter_add,
    sigmoid,
    softmax,
    sqrt,
    tanh,
    var,
    where,
)
from tinyreg.random import resolve_generator
from tinyreg.validation import (
    check_choice,
    check_in_range,
    check_index,
    check_int,
    check_nonnegative,
    check_positive,
    check_sizes,
)

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "fold",
    "gelu",
    "huber_loss",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
    "unfold",
]

REDUCTIONS = ("mean", "sum", "none")


@op
def linear(x, weight, bias=None):
    """``x @ weightᵀ + bias``: x is (..., in), weight (out, in), bias (out,).

    VJPs: dx = g·W; dW = gᵀ·x summed over all leading (batch) axes;
    db = g summed over them (the engine's unbroadcast does that sum).
    An input whose last axis is not ``in`` long is a ValueError naming both.
    """
    if np.ndim(x) == 0 or np.shape(x)[-1] != np.shape(weight)[-1]:
        raise ValueError(
            f"linear: the input (shape {np.shape(x)}) has {np.shape(x)[-1] if np.ndim(x) else 0} "
            f"features on its last axis, but the weight (shape {np.shape(weight)}) takes "
            f"in_features={np.shape(weight)[-1]}"
        )
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out


linear.defvjp(
    lambda g, out, x, weight, bias: g @ weight,
    lambda g, out, x, weight, bias: g.reshape(-1, g.shape[-1]).T @ x.reshape(-1, x.shape[-1]),
    lambda g, out, x, weight, bias: g,
)


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------


@op
def leaky_relu(input, *, negative_slope=0.01):
    """x for x > 0, ``negative_slope``·x otherwise: d/dx = 1 for x > 0, else the slope.

    At x = 0 the derivative is the slope, as in PyTorch. The mask is a
    constant, so the second derivative is 0.
    """
    return np.where(input > 0, input, input * negative_slope)


leaky_relu.defvjp(
    lambda g, out, input, *, negative_slope: where(np.asarray(input) > 0, g, g * negative_slope)
)


# The error function. numpy has none, so erfc is computed here from two expansions that
# converge for every argument; each is summed far enough to be exact to a few ulps.

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_ERFC_SWITCH = 1.5  # the series below, the continued fraction above
_ERFC_FRACTION_TERMS = 100  # enough for 1 ulp at z = 1.5, where the fraction converges slowest
_ERFC_UNDERFLOW = 40.0  # erfc(z) < 1e-600 beyond: 0 in float64


def _exp_minus_square(z: np.ndarray) -> np.ndarray:
    """exp(−z²), accurate to a few ulps even where z² is large.

    z² = h² + (z − h)(z + h) with h = z rounded down to a multiple of 1/16:
    h² is exact, and the small remainder's rounding error does not grow
    with z² (exp(−fl(z²)) has a relative error of up to z²·ε).
    """
    h = np.trunc(16 * z) / 16
    return np.exp(-h * h) * np.exp(-(z - h) * (z + h))


def _erf_series(z: np.ndarray) -> np.ndarray:
    """erf(z) = (2/√π)·z·exp(−z²)·Σₖ (2z²)ᵏ / (1·3·5···(2k + 1)), for |z| < 1.5.

    Every term is positive, so the sum has no cancellation; terms are added
    until none changes the sum (at most about 25 for |z| < 1.5).
    """
    two_z2 = 2 * z * z
    term = np.ones_like(z)
    total = np.ones_like(z)
    k = 0
    while np.any(term > 0.5 * np.finfo(np.float64).eps * total):
        k += 1
        term = term * two_z2 / (2 * k + 1)
        total += term
    return _TWO_OVER_SQRT_PI * z * _exp_minus_square(z) * total


def _erfc_fraction(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 1.5 by Laplace's continued fraction, evaluated from its tail:

    erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))
    """
    z = np.minimum(z, _ERFC_UNDERFLOW)  # erfc(inf) = 0 without inf − inf
    f = z.copy()
    for k in range(_ERFC_FRACTION_TERMS, 0, -1):
        f = z + (k / 2) / f
    return _exp_minus_square(z) / (math.sqrt(math.pi) * f)


def _erfc(z: np.ndarray) -> np.ndarray:
    """The complementary error function erfc(z) = 1 − erf(z) = (2/√π)∫_z^∞ exp(−t²) dt.

    1 − (the series) for |z| < 1.5; the continued fraction for z >= 1.5
    (where erfc is small, and computed with small relative error), 2 − that
    for z <= −1.5. Relative error at most 3e-14 in float64 (near |z| = 1.5,
    from 1 − erf; a few ulps elsewhere), checked against 40-digit arithmetic
    in the tests.
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    near = np.abs(z) < _ERFC_SWITCH
    out[near] = 1 - _erf_series(z[near])
    far = z[~near]
    tail = _erfc_fraction(np.abs(far))
    out[~near] = np.where(far > 0, tail, 2 - tail)
    return out


def _normal_pdf(x):
    """φ(x) = exp(−x²/2)/√(2π), the standard normal density (with ops: differentiable)."""
    return exp(-0.5 * x * x) * _INV_SQRT_2PI


@op
def _normal_cdf(x):
    """Φ(x) = erfc(−x/√2)/2, the standard normal distribution function: d/dx = φ(x).

    Relative error at most 3e-14 for |x| <= 10 (Φ's small values, x < 0,
    come from erfc directly, not from 1 − something); beyond, the rounding
    of x/√2 adds up to x²·ε.
    """
    return (0.5 * _erfc(-x * _SQRT1_2)).astype(x.dtype)


_normal_cdf.defvjp(lambda g, out, x: g * _normal_pdf(x))


GELU_APPROXIMATIONS = ("none", "tanh")
_GELU_KAPPA = 0.044715


@op
def gelu(input, *, approximate="none"):
    """The Gaussian error linear unit x·Φ(x), Φ the standard normal distribution function.

    ``approximate="none"``: exact, d/dx = Φ(x) + x·φ(x), with φ = Φ' the
    normal density; Φ is computed from the error function to a relative
    error of at most 3e-14 for |x| <= 10 (see ``_normal_cdf``), and gelu's
    is at most that plus two roundings. ``approximate="tanh"``: PyTorch's
    0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    """
    check_choice("approximate", approximate, GELU_APPROXIMATIONS)
    if approximate == "none":
        return input * _normal_cdf.forward(input)
    inner = _SQRT_2_OVER_PI * (input + _GELU_KAPPA * input * input * input)
    return 0.5 * input * (1 + np.tanh(inner))


def _gelu_vjp(g, out, input, *, approximate):
    """Exact: g·(Φ(x) + x·φ(x)). Tanh form, with t = tanh(u), u = √(2/π)(x + κx³):
    g·(0.5(1 + t) + 0.5·x·(1 − t²)·√(2/π)(1 + 3κx²))."""
    x = input
    if approximate == "none":
        return g * (_normal_cdf(x) + x * _normal_pdf(x))
    t = tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * x * x * x))
    du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_KAPPA * x * x)
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)


gelu.defvjp(_gelu_vjp)


@op
def softplus(input, *, beta=1.0, threshold=20.0):
    """(1/β)·log(1 + exp(β·x)), a smooth relu; x itself where β·x > ``threshold``, as PyTorch.

    Written as (max(βx, 0) + log(1 + exp(−|βx|)))/β, which never overflows.
    d/dx = σ(βx) (the sigmoid), and 1 above the threshold.
    """
    z = input * beta
    smooth = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    return np.where(z > threshold, input, smooth)


softplus.defvjp(
    lambda g, out, input, *, beta, threshold: where(
        np.asarray(input) * beta > threshold, g, g * sigmoid(beta * input)
    )
)


def dropout(
    x: Any, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> Tensor:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by 1/(1 − p).

    The expected output equals the input, so evaluation needs no rescaling:
    in eval mode (``training=False``) and for ``p = 0`` this is the identity;
    ``p = 1`` gives zeros. Backward multiplies by the same mask as forward.
    """
    return _dropout(x, p, training, generator, shared_axes=0)


def _dropout(x: Any, p: Any, training: bool, generator: Any, shared_axes: int) -> Tensor:
    """``x`` times a random mask of 0 (probability ``p``) and 1/(1 − p), the mask drawn once
    per position of all but the last ``shared_axes`` axes (dropout: 0; dropout2d: the two
    spatial axes, so a whole channel is kept or dropped). The identity when not training."""
    p = check_in_range("dropout probability p", p, 0.0, 1.0)
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if not training or p == 0.0:
        return x
    shape = x.shape[: x.ndim - shared_axes] + (1,) * shared_axes
    return x * _dropout_mask(generator, shape, p, x.dtype)  # an ops.mul with a constant mask


def _dropout_mask(generator: Any, shape: tuple[int, ...], p: float, dtype: Any) -> np.ndarray:
    """A fresh mask of 0 (probability ``p``) and 1/(1 − p), drawn from ``generator`` (None:
    the package one). One function, so that :mod:`tinyreg.tracing` can record the draw."""
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    keep = resolve_generator(generator).random(shape) >= p
    return np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype)


# ---------------------------------------------------------------------------
# Normalisation, embeddings, channel dropout
# ---------------------------------------------------------------------------


@op
def _standardize(x, *, axes, eps):
    """x̂ = (x − μ)/σ over ``axes``, with μ the mean and σ² + eps the biased variance + eps.

    With s = 1/σ and means over ``axes``: d/dx = s·(g − mean(g) − x̂·mean(g·x̂)).
    The VJP reads x̂ from ``out`` and recomputes s from x with ops, so it is
    differentiable again.
    """
    centred = x - x.mean(axis=axes, keepdims=True)
    return centred / np.sqrt((centred * centred).mean(axis=axes, keepdims=True) + eps)


def _standardize_vjp(g, out, x, *, axes, eps):
    inv_std = 1 / sqrt(var(x, axis=axes, keepdims=True) + eps)
    g_mean = g.mean(axis=axes, keepdims=True)
    return inv_std * (g - g_mean - out * (g * out).mean(axis=axes, keepdims=True))


_standardize.defvjp(_standardize_vjp)


def _affine(x: Tensor, weight: Any, bias: Any, shape: tuple[int, ...]) -> Tensor:
    """x·weight + bias, the (optional) weight and bias reshaped to ``shape`` to broadcast."""
    if weight is not None:
        x = x * (weight if np.shape(weight) == shape else reshape(weight, shape=shape))
    if bias is not None:
        x = x + (bias if np.shape(bias) == shape else reshape(bias, shape=shape))
    return x


def _check_vector_shapes(name: str, expected: tuple[int, ...], what: str, **vectors: Any) -> None:
    """Each vector that is not None has shape ``expected``; else a ValueError naming both."""
    for argument, value in vectors.items():
        if value is not None and np.shape(value) != expected:
            raise ValueError(
                f"{name}: {argument} has shape {np.shape(value)}, but {what} needs {expected}"
            )


def _buffer_array(name: str, value: Any) -> np.ndarray:
    """A running statistic: a numpy array (or a Tensor's), updated in place."""
    array = value.data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"batch_norm: {name} must be a numpy array (updated in place), got "
            f"{type(value).__name__}"
        )
    return array


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over axis 1 (channels) of an (N, C, ...) input, as PyTorch's.

    y = (x − μ)/√(σ² + eps)·weight + bias per channel. In training, μ and σ²
    are the mean and the biased variance over every axis but 1, and the
    running statistics (numpy arrays of shape (C,), when given) are updated
    in place with the unbiased variance σ²·n/(n − 1):
    running ← (1 − momentum)·running + momentum·batch. Otherwise μ and σ² are
    ``running_mean`` and ``running_var``. (``nn.BatchNorm*`` with
    ``momentum=None`` passes momentum = 1/num_batches_tracked: a cumulative
    average.) The normalisation is the op ``standardize``; weight and bias
    are a recorded multiply and add.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C, ...), got shape {x.shape}")
    channels = (x.shape[1],)
    _check_vector_shapes(
        "batch_norm",
        channels,
        f"an input with {channels[0]} channels (shape {x.shape})",
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    eps = check_positive("eps", eps)
    axes = (0, *range(2, x.ndim))
    shape = channels + (1,) * (x.ndim - 2)
    if training:
        count = x.size // channels[0]
        if count < 2:
            raise ValueError(
                f"batch_norm: training needs more than 1 value per channel, got input shape "
                f"{x.shape}"
            )
        momentum = check_in_range("momentum", momentum, 0.0, 1.0)
        if running_mean is not None:
            mean = _buffer_array("running_mean", running_mean)
            mean *= 1 - momentum
            mean += momentum * x.data.mean(axis=axes)
        if running_var is not None:
            variance = _buffer_array("running_var", running_var)
            variance *= 1 - momentum
            variance += momentum * x.data.var(axis=axes, ddof=1)
        out = _standardize(x, axes=axes, eps=eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: training=False normalises with running_mean and running_var, "
                "but they are None"
            )
        mean = np.asarray(running_mean, dtype=x.dtype).reshape(shape)
        variance = np.asarray(running_var, dtype=x.dtype).reshape(shape)
        out = (x - mean) * (1 / np.sqrt(variance + eps))
    return _affine(out, weight, bias, shape)


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` axes, as PyTorch's.

    y = (x − μ)/√(σ² + eps)·weight + bias, μ and σ² the mean and biased
    variance of each sample over those axes; weight and bias have shape
    ``normalized_shape``. The normalisation is the op ``standardize``.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    shape = check_sizes("normalized_shape", normalized_shape)
    if x.shape[x.ndim - len(shape) :] != shape or x.ndim < len(shape):
        raise ValueError(
            f"layer_norm: input of shape {x.shape} does not end with normalized_shape {shape}"
        )
    _check_vector_shapes("layer_norm", shape, f"normalized_shape={shape}", weight=weight, bias=bias)
    eps = check_positive("eps", eps)
    out = _standardize(x, axes=tuple(range(x.ndim - len(shape), x.ndim)), eps=eps)
    return _affine(out, weight, bias, shape)


@op
def _embedding(weight, *, index, padding_idx):
    """The rows ``weight[index]``. d/dweight scatters g back to the rows it came from
    (adding where an index repeats: ``scatter_add``), skipping the row ``padding_idx``."""
    return weight[index]


def _embedding_vjp(g, out, weight, *, index, padding_idx):
    if padding_idx is not None:
        g = g * (index != padding_idx)[..., None]
    return scatter_add(g, index=index, shape=weight.shape)


_embedding.defvjp(_embedding_vjp)


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by integer indices, as PyTorch's.

    ``input`` holds indices in [0, num_embeddings): an integer array, a list,
    or a Tensor of integral values; the output has shape
    ``input.shape + (embedding_dim,)``. The row ``padding_idx`` (negative
    counts from the end) gets no gradient.
    """
    if np.ndim(weight) != 2:
        raise ValueError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
            f"{np.shape(weight)}"
        )
    count = np.shape(weight)[0]
    index = _integer_indices("embedding", "input", "indices", input, count, "num_embeddings")
    if padding_idx is not None:
        padding_idx = check_index("padding_idx", padding_idx, count)
    return _embedding(weight, index=index, padding_idx=padding_idx)


def _integer_indices(
    name: str,
    argument: str,
    kind: str,
    values: Any,
    count: int | None,
    count_name: str | None,
    ignore_index: int | None = None,
) -> np.ndarray:
    """``values`` (an array, a list or a Tensor) as int64 indices in [0, count).

    Integer-valued floats (a Tensor's data) are accepted. Entries equal to
    ``ignore_index`` are exempt from the range check; ``count=None`` only
    asks for indices >= 0. A value that is not an integer, or is out of
    range, is a ValueError naming ``argument`` and the value.
    """
    values = np.asarray(values.data if isinstance(values, Tensor) else values)
    if values.dtype.kind not in "iu":
        if values.dtype.kind not in "fb":
            raise TypeError(f"{name}: {argument} must hold integer {kind}, got {values.dtype}")
        fractional = values[~np.isfinite(values) | (values != np.round(values))]
        if fractional.size:
            raise ValueError(
                f"{name}: {argument} must hold integer {kind}, got {fractional.flat[0].item()}"
            )
    checked = values if ignore_index is None else values[values != ignore_index]
    if count is None:
        outside = checked[checked < 0]
        allowed = ">= 0"
    else:
        outside = checked[(checked < 0) | (checked >= count)]
        allowed = f"in [0, {count - 1}]" + (f" ({count_name}={count})" if count_name else "")
    if outside.size:
        raise ValueError(f"{name}: {kind} must be {allowed}, got {outside.flat[0].item()}")
    return values.astype(np.int64)


def dropout2d(
    input: Any, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> Tensor:
    """Channel dropout: zero each whole channel of an (N, C, H, W) or (C, H, W) input with
    probability ``p``, scale the kept ones by 1/(1 − p) (so the expected output is the input).

    The identity in eval mode. Neighbouring pixels of a feature map are
    strongly correlated, so dropping single pixels regularises little;
    dropping whole maps does.
    """
    if np.ndim(input) not in (3, 4):
        raise ValueError(
            f"dropout2d: input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape "
            f"{np.shape(input)}"
        )
    return _dropout(input, p, training, generator, shared_axes=2)


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    """Elementwise losses reduced as ``reduction`` says (their mean, their sum, or themselves)."""
    check_choice("reduction", reduction, REDUCTIONS)
    if reduction == "mean":
        return np.asarray(values.sum() / max(values.size, 1))
    if reduction == "sum":
        return np.asarray(values.sum())
    return values


def _weight(g: Any, reduction: str, size: int) -> Any:
    """g times d(reduced loss)/d(each elementwise loss): g / n for "mean", else g.

    A loss's VJP is then ``_weight(g, ...) * (elementwise derivative)``.
    """
    return g / max(size, 1) if reduction == "mean" else g


def _check_same_shape(name: str, input: np.ndarray, target: np.ndarray) -> None:
    if np.shape(input) != np.shape(target):
        raise ValueError(
            f"{name}: input has shape {np.shape(input)} but target has shape {np.shape(target)}"
        )


@op
def mse_loss(input, target, *, reduction="mean"):
    """Squared error (input − target)²: d/dinput = 2(input − target), d/dtarget = its negative."""
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def _mse_vjp_input(g, out, input, target, *, reduction):
    return 2 * _weight(g, reduction, input.size) * (input - target)


def _mse_vjp_target(g, out, input, target, *, reduction):
    return -2 * _weight(g, reduction, input.size) * (input - target)


mse_loss.defvjp(_mse_vjp_input, _mse_vjp_target)


@op
def l1_loss(input, target, *, reduction="mean"):
    """Absolute error |input − target|: d/dinput = sign(input − target), a constant."""
    _check_same_shape("l1_loss", input, target)
    return _reduce(np.abs(input - target), reduction)


def _l1_derivative(g, input, target, reduction):
    """g times d(loss)/d(input) = sign(input − target), a constant; d/d(target) is its negative."""
    sign = np.sign(np.asarray(input) - np.asarray(target))
    return _weight(g, reduction, input.size) * sign


l1_loss.defvjp(
    lambda g, out, input, target, *, reduction: _l1_derivative(g, input, target, reduction),
    lambda g, out, input, target, *, reduction: -_l1_derivative(g, input, target, reduction),
)


@op
def binary_cross_entropy_with_logits(input, target, *, reduction="mean"):
    """−[t·log σ(x) + (1 − t)·log(1 − σ(x))] for logits x and targets t in [0, 1].

    Written as max(x, 0) − x·t + log(1 + exp(−|x|)), which never overflows.
    d/dx = σ(x) − t;  d/dt = −x.
    """
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    values = np.maximum(input, 0) - input * target + np.log1p(np.exp(-np.abs(input)))
    return _reduce(values, reduction)


binary_cross_entropy_with_logits.defvjp(
    lambda g, out, input, target, *, reduction: (
        _weight(g, reduction, input.size) * (sigmoid(input) - target)
    ),
    lambda g, out, input, target, *, reduction: -_weight(g, reduction, input.size) * input,
)


@op
def cross_entropy(input, target, *, reduction="mean", label_smoothing=0.0):
    """−Σ_c q_c·log softmax(input)_c for logits (N, C) and integer class targets (N,).

    The target distribution q is the one-hot vector of the target class,
    smoothed as PyTorch does with ε = ``label_smoothing`` in [0, 1]:
    q = (1 − ε)·onehot(target) + ε/C. With ε = 0 the loss is
    −log softmax(input)[target]. Uses log_softmax, so large logits do not
    overflow. d/dlogits = softmax(logits) − q. Targets are not differentiable.
    """
    target = _class_targets("cross_entropy", input, target)
    check_in_range("label_smoothing", label_smoothing, 0.0, 1.0)
    log_probs = log_softmax.forward(input, axis=1)
    values = -log_probs[np.arange(input.shape[0]), target]
    if label_smoothing:
        values = (1 - label_smoothing) * values - label_smoothing * log_probs.mean(axis=1)
    return _reduce(values, reduction)


def _cross_entropy_vjp(g, out, input, target, *, reduction, label_smoothing):
    classes = input.shape[1]
    smoothed = np.full(input.shape, label_smoothing / classes, dtype=input.dtype)
    smoothed[np.arange(input.shape[0]), np.asarray(target).astype(np.intp)] += 1 - label_smoothing
    weight = _weight(g, reduction, input.shape[0])
    return (softmax(input, axis=1) - smoothed) * weight.reshape(-1, 1)


cross_entropy.defvjp(_cross_entropy_vjp, None)


def _class_targets(
    name: str, input: np.ndarray, target: Any, ignore_index: int | None = None
) -> np.ndarray:
    """``target`` checked to hold one class index in [0, C) per row of the (N, C) ``input``
    (or ``ignore_index``)."""
    target = np.asarray(target)
    if input.ndim != 2:
        raise ValueError(f"{name}: logits must be 2-D (batch, classes), got shape {input.shape}")
    if target.shape != input.shape[:1]:
        raise ValueError(
            f"{name}: target must have shape {input.shape[:1]} for logits of shape "
            f"{input.shape}, got {target.shape}"
        )
    classes = input.shape[1]
    return _integer_indices(name, "target", "class indices", target, classes, None, ignore_index)


# ---------------------------------------------------------------------------
# Classification and robust losses, one_hot, silu, elu, softsign
# ---------------------------------------------------------------------------


def one_hot(tensor: Any, num_classes: int = -1) -> np.ndarray:
    """Class indices as one-hot vectors: shape ``(*tensor.shape, num_classes)``.

    ``out[..., c]`` is 1 where ``tensor[...] == c`` and 0 elsewhere;
    ``num_classes=-1`` takes one more than the largest index. The indices
    are an integer array, a list, or an integer-valued Tensor. The result is
    an int64 numpy array, as PyTorch's is int64 and as :func:`tinyreg.argmax`
    returns integer arrays: class indices and what is built from them are
    integers and constants to every derivative, while tinyreg tensors hold
    floats. ``tinyreg.tensor(F.one_hot(y, 3))`` is the float64 tensor.
    """
    if num_classes != -1:
        num_classes = check_int("num_classes", num_classes)
    classes = None if num_classes == -1 else num_classes
    indices = _integer_indices("one_hot", "tensor", "class indices", tensor, classes, None)
    if num_classes == -1:
        if not indices.size:
            raise ValueError(
                "one_hot: num_classes=-1 cannot be inferred from an empty tensor; pass num_classes"
            )
        num_classes = int(indices.max()) + 1
    return (indices[..., None] == np.arange(num_classes)).astype(np.int64)


def _nll_coefficients(input, target, weight, ignore_index, reduction):
    """(c, columns): the loss is Σ_n c_n·(−input[n, columns_n]) (its terms for "none").

    c_n = w_{t_n} (1 without ``weight``), 0 for a row whose target is
    ``ignore_index``; for "mean" divided by Σ_n c_n (all 0 when that sum is 0).
    """
    target = np.asarray(target).astype(np.int64)
    kept = target != ignore_index
    columns = np.where(kept, target, 0)
    w = np.ones(input.shape[1], input.dtype) if weight is None else np.asarray(weight, input.dtype)
    c = np.where(kept, w[columns], 0).astype(input.dtype)
    if reduction == "mean":
        total = c.sum()
        c = c / total if total != 0 else np.zeros_like(c)
    return c, columns


@op
def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """−w_{t_n}·input[n, t_n]: the negative log-likelihood of class t_n given log-probabilities.

    ``input`` (N, C) holds log-probabilities (``log_softmax`` of logits:
    then this is :func:`cross_entropy`), ``target`` (N,) class indices,
    ``weight`` (C,) one weight per class (1 each by default). A row whose
    target is ``ignore_index`` adds nothing and is left out of the mean,
    which is Σ_n w_{t_n}·(−input[n, t_n]) / Σ_n w_{t_n} over the other rows,
    as PyTorch's; where that sum is 0 (every row ignored) the mean is 0, as
    an empty mean is in the other losses (PyTorch gives NaN). The loss is
    linear in ``input``: d/dinput[n, c] = −w_{t_n} where c = t_n (divided by
    that sum for "mean"), 0 elsewhere. Targets and weights are not
    differentiable.
    """
    check_choice("reduction", reduction, REDUCTIONS)
    target = _class_targets("nll_loss", input, target, ignore_index)
    if weight is not None and np.shape(weight) != input.shape[1:]:
        raise ValueError(
            f"nll_loss: weight must have one entry per class, shape {input.shape[1:]}, "
            f"got {np.shape(weight)}"
        )
    c, columns = _nll_coefficients(input, target, weight, ignore_index, reduction)
    values = -c * input[np.arange(input.shape[0]), columns]
    return values if reduction == "none" else np.asarray(values.sum())


def _nll_vjp(g, out, input, target, weight, *, ignore_index, reduction):
    c, columns = _nll_coefficients(input, target, weight, ignore_index, reduction)
    derivative = np.zeros(input.shape, dtype=input.dtype)
    derivative[np.arange(input.shape[0]), columns] = -c
    return (g.reshape(-1, 1) if reduction == "none" else g) * derivative


nll_loss.defvjp(_nll_vjp, None, None)

_LOG_FLOOR = -100.0  # binary_cross_entropy's logs are clamped here, as PyTorch's
_BCE_EPS = float(np.float32(1e-12))  # the floor of x(1 − x) in its derivative, PyTorch's


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` (numpy's rules, ``target`` kept)."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


@op
def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """−w·[t·log x + (1 − t)·log(1 − x)] for probabilities x = ``input`` in [0, 1] and targets t.

    Each log is clamped at −100, as PyTorch does, so x = 0 or 1 gives a
    finite loss (at most 100·w). ``weight`` w is broadcast to the input's
    shape (1 without it) and is not differentiable. The derivatives are
    PyTorch's: d/dx = w·(x − t)/max(x(1 − x), ε), with ε the float32 number
    nearest 1e-12 -- the exact derivative wherever x(1 − x) >= ε, and finite
    beyond, pointing away from the wrong end; d/dt = w·(log(1 − x) − log x),
    the derivative of the unclamped loss (infinite at x = 0 or 1). An input
    outside [0, 1] is a ValueError.
    """
    _check_same_shape("binary_cross_entropy", input, target)
    if input.size and not (np.min(input) >= 0 and np.max(input) <= 1):  # NaN fails too
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1], got values from "
            f"{np.min(input)} to {np.max(input)}"
        )
    if weight is not None and not _broadcasts_to(np.shape(weight), input.shape):
        raise ValueError(
            f"binary_cross_entropy: weight of shape {np.shape(weight)} does not broadcast to "
            f"the input's shape {input.shape}"
        )
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(input), _LOG_FLOOR)
        log_1mx = np.maximum(np.log1p(-input), _LOG_FLOOR)
    values = -(target * log_x + (1 - target) * log_1mx)
    return _reduce(values if weight is None else values * weight, reduction)


def _bce_vjp_input(g, out, input, target, weight, *, reduction):
    derivative = (input - target) / maximum(input * (1 - input), _BCE_EPS)
    weighted = derivative if weight is None else derivative * weight
    return _weight(g, reduction, input.size) * weighted


def _bce_vjp_target(g, out, input, target, weight, *, reduction):
    with np.errstate(divide="ignore"):
        derivative = log(1 - input) - log(input)
    weighted = derivative if weight is None else derivative * weight
    return _weight(g, reduction, input.size) * weighted


binary_cross_entropy.defvjp(_bce_vjp_input, _bce_vjp_target, None)


@op
def huber_loss(input, target, *, reduction="mean", delta=1.0):
    """½d² where |d| < δ, δ·(|d| − ½δ) elsewhere, for d = input − target and δ = ``delta`` > 0.

    Quadratic near 0 and linear, with slope δ, beyond: d/dinput =
    clip(d, −δ, δ), d/dtarget its negative.
    """
    _check_same_shape("huber_loss", input, target)
    check_positive("delta", delta)
    diff = input - target
    size = np.abs(diff)
    values = np.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _reduce(values, reduction)


def _huber_derivative(g, input, target, reduction, delta):
    """g times d(loss)/d(input) = clip(input − target, −δ, δ); d/d(target) is its negative."""
    return _weight(g, reduction, input.size) * clip(input - target, min=-delta, max=delta)


huber_loss.defvjp(
    lambda g, out, input, target, *, reduction, delta: _huber_derivative(
        g, input, target, reduction, delta
    ),
    lambda g, out, input, target, *, reduction, delta: (
        -_huber_derivative(g, input, target, reduction, delta)
    ),
)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where |d| < β, |d| − ½β elsewhere, for d = input − target and β = ``beta`` >= 0.

    The Huber loss with δ = β, divided by β (so the linear part has slope 1);
    β = 0 is the L1 loss. Composed of :func:`huber_loss` and a division.
    """
    beta = check_nonnegative("beta", beta)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return huber_loss(input, target, reduction=reduction, delta=beta) / beta


@op
def silu(input):
    """x·σ(x), the sigmoid-weighted linear unit (swish): d/dx = σ(x)·(1 + x·(1 − σ(x)))."""
    return input * sigmoid.forward(input)


def _silu_vjp(g, out, input):
    s = sigmoid(input)
    return g * s * (1 + input * (1 - s))


silu.defvjp(_silu_vjp)


@op
def elu(input, *, alpha=1.0):
    """x for x > 0, α·(exp(x) − 1) otherwise: d/dx = 1 for x > 0, α·exp(x) = out + α otherwise."""
    return np.where(input > 0, input, alpha * np.expm1(np.minimum(input, 0)))


elu.defvjp(lambda g, out, input, *, alpha: where(np.asarray(input) > 0, g, g * (out + alpha)))


def softsign(input: Any) -> Tensor:
    """x/(1 + |x|): d/dx = 1/(1 + |x|)². Composed of ops (abs, add, div)."""
    return input / (1 + absolute(input))
