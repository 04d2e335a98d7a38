"""Layers and models, with PyTorch's names, shapes and printout.

A :class:`Module` is a container that notices, on attribute assignment, the
:class:`Parameter` objects and sub-modules it is given, and keeps the buffers
registered with :meth:`Module.register_buffer` (state that is saved but not
trained, such as BatchNorm's running statistics); everything else --
``parameters()``, ``state_dict()``, ``train()``/``eval()``, ``print(model)``
-- walks that registry. A :class:`Parameter` is a Tensor that requires grad
and says whether penalties apply to it (``regularize``): True for weights
(of Linear and Embedding), False for biases and for the scale and shift of
the normalisation layers, as is usual for weight decay.

A model written for PyTorch runs unchanged but for its import::

    from tinyreg import nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super(SimpleNN, self).__init__()
            self.network = nn.Sequential(
                nn.Linear(1, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 1)
            )

        def forward(self, x):
            return self.network(x)
"""

from __future__ import annotations

import math
import operator
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, NamedTuple

import numpy as np

from tinyreg import functional as F
from tinyreg import nn_init as init
from tinyreg import ops
from tinyreg.autograd import Tensor
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
    "LoadResult",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Softsign",
    "StateDictError",
    "Tanh",
]


class Parameter(Tensor):
    """A Tensor that is a learnable part of a Module (``requires_grad=True`` by default).

    ``regularize`` tells optimizers whether their penalty applies to it.
    """

    __slots__ = ("regularize",)

    def __init__(self, data: Any, requires_grad: bool = True, regularize: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)
        self.regularize = bool(regularize)

    def __repr__(self) -> str:
        return f"Parameter containing:\n{super().__repr__()}"


class StateDictError(ValueError):
    """A state dict does not fit the model; the message lists every problem."""


class LoadResult(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model.

    Subclasses assign parameters and sub-modules as attributes in
    ``__init__`` (after calling ``super().__init__()``) and define
    ``forward``; calling the module calls ``forward``. A list or dict of
    modules is registered only inside a :class:`ModuleList` or
    :class:`ModuleDict`: assigning a plain list, tuple or dict that holds
    modules warns (a UserWarning), since their parameters would not be
    trained.

    Buffers are numpy arrays registered with :meth:`register_buffer`:
    state that is not trained (no gradient, no optimizer) but is saved,
    such as BatchNorm's running statistics. Being arrays, they keep any
    dtype (``num_batches_tracked`` is int64, which a Tensor, always
    floating, could not hold). Assigning an array (or None) to a buffer's
    name replaces the buffer.
    """

    training: bool
    _parameters: OrderedDict[str, Parameter]
    _buffers: OrderedDict[str, np.ndarray | None]
    _non_persistent_buffers: set[str]
    _modules: OrderedDict[str, Module]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: "
                "call super().__init__() first"
            )
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            self._buffers[name] = _checked_buffer(self, name, value)
            object.__setattr__(self, name, self._buffers[name])
            return
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)
        # a replaced parameter or module keeps its place in the registry's order, as in PyTorch
        if not isinstance(value, Parameter):
            self._parameters.pop(name, None)
        if not isinstance(value, Module):
            self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif _holds_modules(value):
            container = "ModuleDict" if isinstance(value, dict) else "ModuleList"
            warnings.warn(
                f"{type(self).__name__}.{name} is a plain {type(value).__name__} of Modules: "
                "their parameters are not registered, so parameters(), state_dict(), "
                f"train()/eval() and the optimizers do not see them; wrap it in nn.{container}",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- the registry -----------------------------------------------------------
    def add_module(self, name: str, module: Module) -> None:
        """Register ``module`` under ``name`` (as ``setattr`` does), checking both.

        The name is a non-empty string without ".", and not an attribute
        that is not already a sub-module (a method, say); the module is a
        Module.
        """
        self._check_new_name("module", name, self._modules)
        setattr(self, name, _checked_module(self, name, module))

    def _check_new_name(self, kind: str, name: Any, registry: Mapping[str, Any]) -> None:
        """``name`` for a ``kind`` ("module", "buffer"): a non-empty string without ".",
        and not an attribute other than one already in ``registry``."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__} {name!r}")
        if not name or "." in name:
            raise KeyError(f"{kind} name must be non-empty and contain no '.', got {name!r}")
        if hasattr(self, name) and name not in registry:
            raise KeyError(
                f"cannot name a {kind} {name!r}: {type(self).__name__} has an attribute of "
                "that name"
            )

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Keep ``tensor`` (a numpy array, a Tensor's values, or None) as the buffer ``name``.

        The buffer is the attribute ``self.name``. A persistent buffer is in
        ``state_dict()`` (after this module's parameters) and is loaded by
        ``load_state_dict``; a None buffer is in neither (as PyTorch's).
        """
        self._check_new_name("buffer", name, self._buffers)
        self._buffers[name] = None  # registered: the assignment below checks and stores it
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        setattr(self, name, tensor)

    def named_buffers(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, np.ndarray]]:
        """Every buffer that is not None, with its dotted name (``"1.running_mean"``)."""
        for name, buffer, _ in self._named_states(prefix, recurse, "_buffers"):
            yield name, buffer

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _named_states(
        self, prefix: str, recurse: bool, *kinds: str
    ) -> Iterator[tuple[str, Any, bool]]:
        """(dotted name, value, persistent) of the parameters and/or buffers (``kinds`` names
        the registries, in order) of each module in turn, each shared value once: the order
        of ``state_dict()``."""
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        seen: set[int] = set()
        for module_name, module in modules:
            for kind in kinds:
                for name, value in getattr(module, kind).items():
                    if value is not None and id(value) not in seen:
                        seen.add(id(value))
                        persistent = name not in module._non_persistent_buffers
                        yield (f"{module_name}.{name}" if module_name else name), value, persistent

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module below it, with dotted names ("" for this one)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child}" if name else child, m) for child, m in module._modules.items()
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``"0.weight"``), each shared one once."""
        for name, param, _ in self._named_states(prefix, recurse, "_parameters"):
            yield name, param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # -- modes and gradients ----------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active) on this module and all below; returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout is the identity); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes the module); returns self."""
        for param in self.parameters():
            param.requires_grad = bool(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every sub-module, children first, then on this one; returns self.

        As PyTorch's: the order is a post-order walk (each module after the
        modules below it; a module held twice by one parent is visited once
        there), so ``model.apply(init_weights)`` initialises every layer.
        """
        for child in {id(child): child for child in self.children()}.values():
            child.apply(fn)
        fn(self)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None, or to zeros in place)."""
        for param in self.parameters():
            param.zero_grad(set_to_none)

    # -- saving and loading -------------------------------------------------------
    def _state_arrays(self) -> OrderedDict[str, np.ndarray]:
        """The arrays ``state_dict`` copies, by key: module after module (as
        ``named_modules``), each one's parameters, then its persistent buffers."""
        return OrderedDict(
            (name, value.data if isinstance(value, Parameter) else value)
            for name, value, persistent in self._named_states("", True, "_parameters", "_buffers")
            if persistent
        )

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter's and persistent buffer's array, under PyTorch's keys
        and in its order (``"0.weight"``, ``"0.bias"``, ``"1.weight"``, ..., with each
        module's buffers after its parameters: ``"1.running_mean"``)."""
        return OrderedDict((name, array.copy()) for name, array in self._state_arrays().items())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy arrays from ``state_dict`` into the parameters and buffers, after checking all.

        Every entry is checked first -- missing and unexpected keys (when
        ``strict``), shapes, numeric type, finiteness -- and one
        :class:`StateDictError` lists every problem. Only if there is none
        are the values copied (cast to each parameter's or buffer's dtype:
        an int64 buffer stays int64), so a failed load leaves the model
        exactly as it was.
        """
        own = self._state_arrays()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict:
            problems += [f"missing key {key!r}" for key in missing]
            problems += [f"unexpected key {key!r}" for key in unexpected]
        values = {}
        for key, param in own.items():
            if key not in state_dict:
                continue
            value = np.asarray(
                state_dict[key].data if isinstance(state_dict[key], Tensor) else state_dict[key]
            )
            if value.shape != param.shape:
                problems.append(f"{key!r} has shape {value.shape}, the model expects {param.shape}")
                continue
            try:  # numbers only, all finite
                values[key] = check_finite_array(repr(key), value)
            except (TypeError, ValueError) as error:
                problems.append(str(error))
        if problems:
            raise StateDictError(
                f"cannot load state dict into {type(self).__name__} (nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        for key, value in values.items():
            np.copyto(own[key], value, casting="unsafe")
        return LoadResult(missing, unexpected)

    # -- printing -----------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``print(model)``."""
        return ""

    def _child_reprs(self) -> list[tuple[str, str]]:
        """(label, text) for each line of ``print(model)``: each sub-module under its name."""
        return [(name, repr(module)) for name, module in self._modules.items()]

    def __repr__(self) -> str:
        lines = [f"({label}): " + text.replace("\n", "\n  ") for label, text in self._child_reprs()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _holds_modules(value: Any) -> bool:
    """True for a list, tuple or dict with a Module among its items (values, for a dict)."""
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return any(isinstance(item, Module) for item in value)


def _checked_buffer(owner: Module, name: str, value: Any) -> np.ndarray | None:
    """``value`` as a buffer: a numpy array (itself), a Tensor's array, or None; else TypeError."""
    if isinstance(value, Tensor):
        return value.data
    if value is None or isinstance(value, np.ndarray):
        return value
    raise TypeError(
        f"cannot assign {type(value).__name__} {value!r} as buffer {name!r} of "
        f"{type(owner).__name__}: a buffer is a numpy array (or a Tensor's values, or None)"
    )


def _checked_module(owner: Module, name: str, module: Any) -> Module:
    """``module`` if it is a Module, else a TypeError saying what ``owner`` got for ``name``."""
    if not isinstance(module, Module):
        raise TypeError(
            f"{type(owner).__name__} holds Modules, got {type(module).__name__} {module!r} "
            f"for {name!r}"
        )
    return module


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


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(1, 8), ReLU(), Linear(8, 1))``.

    Sub-modules are named "0", "1", ... (or by the keys of an OrderedDict),
    so state dict keys are PyTorch's (``"0.weight"``).
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            named = list(modules[0].items())
        else:
            named = [(str(i), module) for i, module in enumerate(modules)]
        for name, module in named:
            self.add_module(name, module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end, named by its position."""
        self.add_module(str(len(self._modules)), module)
        return self

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # keeps the names, as PyTorch: seq[1:] holds "1", "2", ...
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[index]


class ModuleList(Module):
    """A list of modules, registered: their parameters are the container's.

    ``ModuleList([Linear(2, 8), Linear(8, 8)])`` names its modules "0", "1",
    ... by position (state dict keys ``"layers.0.weight"`` when assigned as
    ``self.layers``), renumbered when one is inserted or deleted. It indexes,
    slices (a new ModuleList), iterates and has ``len``, ``append``,
    ``extend``, ``insert`` and ``+=``. It has no ``forward``: the model that
    holds it says how its modules are applied.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _position(self, index: int) -> int:
        """``index`` (negative counts from the end) as a position, or an IndexError."""
        i = operator.index(index)
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ModuleList of length {n}")
        return i % n

    def _renumber(self, modules: list[Module]) -> None:
        """Hold exactly ``modules``, named "0", "1", ... in order."""
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # a new list, numbered from 0 (as PyTorch's)
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(self._position(index))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(self._position(index)), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else self._position(index)]
        self._renumber(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules`` in order; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` (as ``list.insert``), renumbering."""
        modules = list(self._modules.values())
        modules.insert(index, _checked_module(self, str(index), module))
        self._renumber(modules)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def _child_reprs(self) -> list[tuple[str, str]]:
        """Runs of equal modules on one line, as PyTorch prints them: ``(0-2): 3 x Linear(...)``."""
        texts = [repr(module) for module in self._modules.values()]
        lines = []
        start = 0
        for end in range(1, len(texts) + 1):
            if end == len(texts) or texts[end] != texts[start]:
                count = end - start
                if count == 1:
                    lines.append((str(start), texts[start]))
                else:
                    lines.append((f"{start}-{end - 1}", f"{count} x {texts[start]}"))
                start = end
        return lines


class ModuleDict(Module):
    """A dict of modules by name, registered: their parameters are the container's.

    ``ModuleDict({"encoder": Linear(4, 2), "decoder": Linear(2, 4)})`` keeps
    the insertion order (state dict keys ``"parts.encoder.weight"`` when
    assigned as ``self.parts``). It has ``d[key]``, ``d[key] = module``,
    ``del d[key]``, ``in``, ``len``, iteration over the keys, ``keys()``,
    ``items()``, ``values()``, ``update``, ``pop`` and ``clear``. Keys are
    strings without "." that are not attribute names of ModuleDict
    (``"keys"``, ``"train"``, ...).
    """

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> KeysView[str]:
        return self._modules.keys()

    def items(self) -> ItemsView[str, Module]:
        return self._modules.items()

    def values(self) -> ValuesView[Module]:
        return self._modules.values()

    def update(
        self, modules: ModuleDict | Mapping[str, Module] | Iterable[tuple[str, Module]]
    ) -> None:
        """Add or replace modules from a mapping (or a ModuleDict) or from (key, module) pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs: Iterable[Any] = modules.items()
        else:
            pairs = modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"ModuleDict.update takes a mapping or (key, module) pairs; item {i} is "
                    f"{pair!r}"
                )
            self[pair[0]] = pair[1]

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._modules):
            del self[key]


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


# PyTorch's spellings of gradient clipping: nn.utils.clip_grad_norm_(...) and, registered
# as a submodule the way os.path is, `from tinyreg.nn.utils import clip_grad_norm_`.
from tinyreg import nn_utils as utils  # noqa: E402

sys.modules[f"{__name__}.utils"] = utils
# the same for initialisation: nn.init.kaiming_normal_(...), `from tinyreg.nn.init import ...`
sys.modules[f"{__name__}.init"] = init
