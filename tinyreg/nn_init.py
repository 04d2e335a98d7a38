"""Weight initialisation, PyTorch's ``torch.nn.init``: reached as ``tinyreg.nn.init``.

Each function fills a tensor in place and returns it, as PyTorch's do
(their names end in ``_``)::

    layer = nn.Linear(256, 128)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)

They write into the tensor's array directly, as an update under
:class:`~tinyreg.no_grad` does: the tensor keeps its identity, dtype and
``requires_grad``, and no graph records the write. Random ones draw from
``generator`` (an int seed or a numpy Generator) or else from the package
generator, which :func:`tinyreg.manual_seed` reseeds.

The scaled initialisations keep the variance of activations (or of
gradients) about constant through the layers. For a weight of shape
(out, in, k₁, k₂, ...) -- a Linear's (out, in) or a convolution's -- with
receptive field r = k₁·k₂···, fan_in = in·r and fan_out = out·r:

- Xavier (Glorot): std = gain·√(2/(fan_in + fan_out)); the uniform
  version draws from [−a, a] with a = √3·std, which has that std.
- Kaiming (He): std = gain/√fan, with fan = fan_in (``mode="fan_in"``,
  the forward pass) or fan_out (the backward pass), and
  gain = :func:`calculate_gain` of the ``nonlinearity`` that follows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor
from tinyreg.random import GeneratorLike, resolve_generator
from tinyreg.validation import check_choice, check_in_range, check_nonnegative

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

NONLINEARITIES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)
MODES = ("fan_in", "fan_out")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which ``nonlinearity`` is scaled to keep activations' variance, PyTorch's.

    1 for linear, convolutions and sigmoid; 5/3 for tanh; √2 for relu;
    √(2/(1 + s²)) for leaky_relu with negative slope s = ``param`` (0.01 by
    default); 3/4 for selu.
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_in_range("param", param, -math.inf, math.inf)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    return 1.0


def _fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, k₁, ...): (in·r, out·r), r = k₁·k₂···."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan_in and fan_out need a tensor of at least 2 dimensions (out, in, ...), "
            f"got shape {tensor.shape}"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    return fan_in if check_choice("mode", mode, MODES) == "fan_in" else fan_out


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` into ``tensor``'s array in place (cast to its dtype); return ``tensor``."""
    np.copyto(tensor.data, values, casting="unsafe")
    return tensor


def _checked(tensor: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"tensor must be a tinyreg Tensor (a Parameter, say), got {type(tensor).__name__}"
        )
    return tensor


# ---------------------------------------------------------------------------
# Constants and plain distributions
# ---------------------------------------------------------------------------


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``."""
    return _fill(_checked(tensor), val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 1."""
    return constant_(tensor, 1.0)


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: GeneratorLike = None
) -> Tensor:
    """Fill ``tensor`` with draws uniform on [a, b) (a <= b)."""
    _checked(tensor)
    if not a <= b:
        raise ValueError(f"uniform_: a must be <= b, got a={a}, b={b}")
    return _fill(tensor, resolve_generator(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: GeneratorLike = None
) -> Tensor:
    """Fill ``tensor`` with draws from the normal distribution N(mean, std²), std >= 0."""
    std = check_nonnegative("std", std)
    _checked(tensor)
    return _fill(tensor, resolve_generator(generator).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: GeneratorLike = None,
) -> Tensor:
    """Fill ``tensor`` with draws from N(mean, std²) conditioned on [a, b] (a < b, std > 0).

    The bounds are absolute values, as in PyTorch (the default [−2, 2] is
    ±2 std only for std = 1). Drawn by rejection: each value outside [a, b]
    is drawn again, which gives exactly the truncated distribution.
    """
    _checked(tensor)
    std = check_nonnegative("std", std)
    if not (a < b and std > 0):
        raise ValueError(f"trunc_normal_: needs a < b and std > 0, got a={a}, b={b}, std={std}")
    rng = resolve_generator(generator)
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


# ---------------------------------------------------------------------------
# Scaled by the fans: Xavier (Glorot) and Kaiming (He)
# ---------------------------------------------------------------------------


def _uniform_with_std(tensor: Tensor, std: float, generator: GeneratorLike) -> Tensor:
    """Fill with draws uniform on [−√3·std, √3·std], whose standard deviation is ``std``."""
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    """Uniform on [−a, a], a = gain·√(6/(fan_in + fan_out)): std gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(_checked(tensor))
    return _uniform_with_std(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    """Normal N(0, std²) with std = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(_checked(tensor))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """gain/√fan, with gain = calculate_gain(nonlinearity, a) and fan by ``mode``."""
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(_checked(tensor), mode))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: GeneratorLike = None,
) -> Tensor:
    """Uniform on [−b, b], b = gain·√(3/fan): std = gain/√fan.

    ``a`` is the negative slope of a leaky_relu (used when ``nonlinearity``
    is ``"leaky_relu"``). ``nn.Linear`` is initialised with a = √5, which
    gives b = 1/√fan_in.
    """
    return _uniform_with_std(tensor, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: GeneratorLike = None,
) -> Tensor:
    """Normal N(0, std²), std = gain/√fan (see :func:`kaiming_uniform_` for the arguments)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``, drawn uniformly (Haar measure), as PyTorch's.

    The tensor is seen as a matrix (shape[0], rest): its rows are
    orthonormal when it has no more rows than columns, its columns
    otherwise. Drawn as the Q of the QR factorisation of a standard normal
    matrix, with the signs of R's diagonal moved into Q (which makes the
    distribution uniform).
    """
    _checked(tensor)
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: needs a tensor of at least 2 dimensions, got shape {tensor.shape}"
        )
    rows = tensor.shape[0]
    columns = tensor.size // rows
    flat = resolve_generator(generator).standard_normal((rows, columns))
    if rows < columns:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < columns:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
