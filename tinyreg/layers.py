"""The layers, activations and losses of :mod:`tinyreg.nn`, each a :class:`~tinyreg.module.Module`.

Each layer holds its parameters (weights with ``regularize=True``, biases and
the normalisation layers' scale and shift with ``regularize=False``, as is
usual for weight decay) and calls one function of :mod:`tinyreg.functional`
in ``forward``; arguments, defaults, initialisation and printout are
PyTorch's. In order: the linear layer and the activations, dropout,
convolution and pooling, normalisation and embeddings, losses.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

import numpy as np

from tinyreg import functional as F
from tinyreg import nn_init as init
from tinyreg import ops
from tinyreg.autograd import Tensor
from tinyreg.module import Module, Parameter
from tinyreg.random import resolve_generator
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_in_range,
    check_index,
    check_int,
    check_nonnegative,
    check_positive,
    check_sizes,
    user_stacklevel,
)

__all__ = [
    "ELU",
    "GELU",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "NLLLoss",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
]


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------


def _weight_and_bias(
    shape: tuple[int, ...], bias: bool, generator: Any, dtype: Any
) -> tuple[Parameter, Parameter | None]:
    """A layer's weight of ``shape`` (out, in, *kernel) and its bias (out,) or None, as PyTorch.

    W by ``nn.init.kaiming_uniform_(W, a=√5)``, which is uniform on
    [−1/√fan_in, 1/√fan_in] with fan_in = in·(kernel elements); b uniform on
    the same interval. The bias has ``regularize=False``.
    """
    rng = resolve_generator(generator)
    weight = Parameter(np.empty(shape, dtype=dtype))
    init.kaiming_uniform_(weight, a=math.sqrt(5), generator=rng)
    if not bias:
        return weight, None
    bound = 1.0 / math.sqrt(math.prod(shape[1:]))
    bias_ = Parameter(np.empty(shape[0], dtype=dtype), regularize=False)
    init.uniform_(bias_, -bound, bound, generator=rng)
    return weight, bias_


class Linear(Module):
    """y = x·Wᵀ + b, with W of shape (out_features, in_features) and b of shape (out_features,).

    Initialised as PyTorch does: W and b uniform on [−1/√in, 1/√in] (W by
    ``nn.init.kaiming_uniform_(W, a=√5)``, which gives that bound). The bias
    has ``regularize=False``, so penalties leave it alone. ``in_features`` and
    ``out_features`` are integers >= 1.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        generator: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        in_features = check_int("in_features", in_features)
        out_features = check_int("out_features", out_features)
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight, self.bias = _weight_and_bias(
            (out_features, in_features), bias, generator, dtype
        )

    def forward(self, x: Any) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return ops.relu(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return ops.tanh(x)


class Sigmoid(Module):
    """1 / (1 + exp(−x)), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return ops.sigmoid(x)


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope``·x otherwise; see :func:`tinyreg.functional.leaky_relu`."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        check_in_range("negative_slope", negative_slope, -math.inf, math.inf)
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """x·Φ(x), Φ the normal distribution function (or its tanh approximation with
    ``approximate="tanh"``); see :func:`tinyreg.functional.gelu`."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check_choice("approximate", approximate, F.GELU_APPROXIMATIONS)

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """(1/β)·log(1 + exp(β·x)), linear where β·x > ``threshold``; see
    :func:`tinyreg.functional.softplus`. ``beta`` > 0."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        check_positive("beta", beta)
        check_in_range("threshold", threshold, -math.inf, math.inf)
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Flatten axes ``start_dim..end_dim`` into one (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Any) -> Tensor:
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# ---------------------------------------------------------------------------
# Softmaxes and more activations
# ---------------------------------------------------------------------------


def _softmax_dim(name: str, dim: int | None, ndim: int) -> int:
    """``dim``, or for None PyTorch's implicit choice (0 for 0-, 1- or 3-D input, else 1)."""
    if dim is not None:
        return dim
    warnings.warn(
        f"{name}(dim=None) chooses dim={0 if ndim in (0, 1, 3) else 1} for a {ndim}-D input, as "
        f"PyTorch does; pass dim= to say which axis sums to 1",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return 0 if ndim in (0, 1, 3) else 1


class _AlongDim(Module):
    """A function of the entries along one axis, ``dim``; ``dim=None`` takes PyTorch's
    implicit choice, with a warning."""

    _function: Any

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        dim = _softmax_dim(type(self).__name__, self.dim, np.ndim(x))
        return self._function(x, dim=dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / Σ exp(x) along ``dim``: the entries along it are positive and sum to 1."""

    _function = ops.softmax


class LogSoftmax(_AlongDim):
    """x − log Σ exp(x) along ``dim``, the log of :class:`Softmax` computed without overflow."""

    _function = ops.log_softmax


class SiLU(Module):
    """x·σ(x), elementwise; see :func:`tinyreg.functional.silu`."""

    def forward(self, x: Any) -> Tensor:
        return F.silu(x)


class ELU(Module):
    """x for x > 0, ``alpha``·(exp(x) − 1) otherwise; see :func:`tinyreg.functional.elu`."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = check_in_range("alpha", alpha, -math.inf, math.inf)

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softsign(Module):
    """x / (1 + |x|), elementwise; see :func:`tinyreg.functional.softsign`."""

    def forward(self, x: Any) -> Tensor:
        return F.softsign(x)


class Dropout(Module):
    """Inverted dropout with probability ``p`` in training mode, the identity in eval mode.

    See :func:`tinyreg.functional.dropout`. Masks come from ``generator``, or
    the package generator (:func:`tinyreg.manual_seed`) at each call.
    """

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = check_in_range("dropout probability p", p, 0.0, 1.0)
        self.generator = generator

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ---------------------------------------------------------------------------
# Convolution and pooling layers (see tinyreg.convolution)
# ---------------------------------------------------------------------------


class _ConvNd(Module):
    """What Conv1d and Conv2d share: arguments, PyTorch's initialisation and printout.

    The weight is (out_channels, in_channels/groups, *kernel_size) and the
    bias (out_channels,), both uniform on [−1/√fan_in, 1/√fan_in] with
    fan_in = in_channels/groups · (kernel elements) -- PyTorch's
    kaiming_uniform(a=√5) -- from ``generator`` (or the package generator).
    The weight is penalised (``regularize=True``), the bias is not.
    """

    _dims = 2
    _convolution = staticmethod(F.conv2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        generator: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels)
        self.out_channels = check_int("out_channels", out_channels)
        self.groups = check_int("groups", groups)
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{name}={channels} must be divisible by groups={groups}")
        self.kernel_size = self._tuple("kernel_size", kernel_size, 1)
        self.stride = self._tuple("stride", stride, 1)
        self.padding: tuple[int, ...] | str = (
            check_choice("padding", padding, ("same", "valid"))
            if isinstance(padding, str)
            else self._tuple("padding", padding, 0)
        )
        self.dilation = self._tuple("dilation", dilation, 1)
        if self.padding == "same" and self.stride != (1,) * self._dims:
            raise ValueError(f"padding='same' needs stride=1, got stride={self.stride}")
        self.padding_mode = check_choice("padding_mode", padding_mode, ("zeros",))
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight, self.bias = _weight_and_bias(shape, bias, generator, dtype)

    def _tuple(self, name: str, value: Any, minimum: int) -> tuple[int, ...]:
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * self._dims
        if len(values) != self._dims:
            raise ValueError(f"{name} must be an int or a {self._dims}-tuple, got {value!r}")
        return tuple(check_int(name, v, minimum) for v in values)

    def forward(self, x: Any) -> Tensor:
        return self._convolution(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution of (N, C, H, W) or (C, H, W) inputs; see :func:`tinyreg.functional.conv2d`.

    Arguments, initialisation, ``state_dict`` and printout as ``torch.nn.Conv2d``
    (``padding_mode='zeros'`` only); ``generator`` and ``dtype`` as :class:`Linear`.
    """


class Conv1d(_ConvNd):
    """1-D convolution of (N, C, L) or (C, L) inputs; see :func:`tinyreg.functional.conv1d`.

    Arguments, initialisation, ``state_dict`` and printout as ``torch.nn.Conv1d``
    (``padding_mode='zeros'`` only); ``generator`` and ``dtype`` as :class:`Linear`.
    """

    _dims = 1
    _convolution = staticmethod(F.conv1d)


class MaxPool2d(Module):
    """The maximum over sliding windows; see :func:`tinyreg.functional.max_pool2d`."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Tensor:
        return F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """The mean over sliding windows; see :func:`tinyreg.functional.avg_pool2d`."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Means over windows that tile the input into ``output_size``; see
    :func:`tinyreg.functional.adaptive_avg_pool2d`."""

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


# ---------------------------------------------------------------------------
# Normalisation, embeddings, channel dropout
# ---------------------------------------------------------------------------


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share: all but the input shapes they take."""

    _input_dims: tuple[int, ...] = ()
    _input_shapes = ""
    running_mean: np.ndarray | None
    running_var: np.ndarray | None
    num_batches_tracked: np.ndarray | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features)
        self.eps = check_positive("eps", eps)
        self.momentum = None if momentum is None else check_in_range("momentum", momentum, 0, 1)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if self.affine:
            self.weight = Parameter(np.ones(num_features, dtype), regularize=False)
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype), regularize=False)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch tracked."""
        for name, value in (("running_mean", 0), ("running_var", 1), ("num_batches_tracked", 0)):
            buffer = self._buffers[name]
            if buffer is not None:
                buffer.fill(value)

    def forward(self, x: Any) -> Tensor:
        ndim = np.ndim(x)
        if ndim not in self._input_dims:
            raise ValueError(
                f"{type(self).__name__}: input must be {self._input_shapes}, got shape "
                f"{np.shape(x)}"
            )
        if np.shape(x)[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: input has {np.shape(x)[1]} channels (shape "
                f"{np.shape(x)}) but num_features={self.num_features}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked += 1
            if self.momentum is None:  # the cumulative average of the batches so far
                momentum = 1.0 / float(self.num_batches_tracked)
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=self.training or self.running_mean is None,  # no running stats: batch's
            momentum=momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel (C = ``num_features``).

    See :func:`tinyreg.functional.batch_norm`. In training mode each channel
    is normalised with the batch's mean and biased variance, and the
    buffers ``running_mean`` and ``running_var`` (the unbiased variance)
    move towards them by ``momentum`` (running ← (1 − momentum)·running +
    momentum·batch), or, with ``momentum=None``, hold the cumulative
    average of every batch so far (momentum = 1/``num_batches_tracked``,
    an int64 buffer). In eval mode the running statistics normalise. With
    ``track_running_stats=False`` these buffers are None and the batch
    statistics are used in both modes. ``affine`` gives the learnable
    per-channel scale ``weight`` (ones) and shift ``bias`` (zeros;
    ``bias=False`` omits it), both with ``regularize=False``: penalties skip
    normalisation parameters.
    """

    _input_dims = (2, 3)
    _input_shapes = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel (C = ``num_features``): the
    statistics of a channel are over N, H and W; otherwise as :class:`BatchNorm1d`."""

    _input_dims = (4,)
    _input_shapes = "4-D (N, C, H, W)"


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` axes of each sample.

    See :func:`tinyreg.functional.layer_norm`. ``elementwise_affine`` gives
    the learnable ``weight`` (ones) and ``bias`` (zeros; ``bias=False``
    omits it) of shape ``normalized_shape``, with ``regularize=False``:
    penalties skip normalisation parameters. The same in training and eval.
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.normalized_shape = check_sizes("normalized_shape", normalized_shape)
        self.eps = check_positive("eps", eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype), regularize=False)
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype), regularize=False)

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) for index i.

    See :func:`tinyreg.functional.embedding`. The weight is drawn from
    N(0, 1) (from ``generator``, or the package generator) and is
    regularized (``regularize=True``). The row ``padding_idx`` (negative
    counts from the end) starts at zero and gets no gradient.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        generator: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_int("num_embeddings", num_embeddings)
        self.embedding_dim = check_int("embedding_dim", embedding_dim)
        self.padding_idx = (
            None if padding_idx is None else check_index("padding_idx", padding_idx, num_embeddings)
        )
        rng = resolve_generator(generator)
        weight = rng.standard_normal((num_embeddings, embedding_dim)).astype(dtype)
        if self.padding_idx is not None:
            weight[self.padding_idx] = 0
        self.weight = Parameter(weight)

    def forward(self, input: Any) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


class Dropout2d(Dropout):
    """Channel dropout with probability ``p`` in training mode, the identity in eval mode.

    Zeroes whole channels of (N, C, H, W) or (C, H, W) inputs; see
    :func:`tinyreg.functional.dropout2d`. Masks come from ``generator``, or
    the package generator, as for :class:`Dropout`.
    """

    def forward(self, x: Any) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.generator)


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------


class _Loss(Module):
    """A loss module: ``loss(input, target)`` with a ``reduction`` ("mean", "sum" or "none")."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_choice("reduction", reduction, F.REDUCTIONS)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean (or summed) squared error; see :func:`tinyreg.functional.mse_loss`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean (or summed) absolute error; see :func:`tinyreg.functional.l1_loss`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, integer class targets; see :func:`F.cross_entropy`.

    ``label_smoothing`` = ε in [0, 1] mixes the one-hot target with the
    uniform distribution: (1 − ε)·onehot + ε/C.
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.label_smoothing = check_in_range("label_smoothing", label_smoothing, 0.0, 1.0)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(
            input, target, reduction=self.reduction, label_smoothing=self.label_smoothing
        )


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits; see :func:`F.binary_cross_entropy_with_logits`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of class targets given log-probabilities; see :func:`F.nll_loss`.

    ``weight`` (C,) weighs each class; targets equal to ``ignore_index`` are
    left out. ``LogSoftmax(dim=1)`` followed by this loss is
    :class:`CrossEntropyLoss`.
    """

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight = _constant_weight("weight", weight)
        self.ignore_index = check_int("ignore_index", ignore_index, minimum=-sys.maxsize)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1], logs clamped at −100; see
    :func:`F.binary_cross_entropy`. ``weight`` is broadcast to the input's shape."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = _constant_weight("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class HuberLoss(_Loss):
    """½d² for |d| < ``delta``, delta·(|d| − ½delta) beyond; see :func:`F.huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = check_positive("delta", delta)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """½d²/β for |d| < ``beta``, |d| − ½β beyond (L1 for β = 0); see :func:`F.smooth_l1_loss`."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = check_nonnegative("beta", beta)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


def _constant_weight(name: str, weight: Any) -> np.ndarray | None:
    """A loss's ``weight`` as a finite float array (a constant: not trained), or None."""
    if weight is None:
        return None
    return check_finite_array(name, weight.data if isinstance(weight, Tensor) else weight)
