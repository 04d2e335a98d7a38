"""The module system: :class:`Module`, :class:`Parameter` and the containers.

A :class:`Module` notices, on attribute assignment, the :class:`Parameter`
objects and sub-modules it is given, and keeps the buffers registered with
:meth:`Module.register_buffer` (state that is saved but not trained, such as
BatchNorm's running statistics); everything else -- ``parameters()``,
``state_dict()``, ``train()``/``eval()``, ``apply()``, ``print(model)`` --
walks that registry. A :class:`Parameter` is a Tensor that requires grad and
says whether penalties apply to it (``regularize``). :class:`Sequential`,
:class:`ModuleList` and :class:`ModuleDict` hold sub-modules in order or by
name. The layers built on it are in :mod:`tinyreg.layers`; both are reached
as :mod:`tinyreg.nn`.
"""

from __future__ import annotations

import operator
import warnings
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, NamedTuple

import numpy as np

from tinyreg.autograd import Tensor
from tinyreg.validation import (
    check_finite_array,
    user_stacklevel,
)

__all__ = [
    "LoadResult",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "StateDictError",
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
