"""Tracing a training step: record its numpy-level calls once, replay them bit for bit.

``step = tinyreg.compile(fn)`` runs ``fn`` eagerly the first time it is
called with a given *guard* and records, in order, every call that
computes something. The guard: the shapes and dtypes of its arguments (and
of the tensors inside tuple, list and dict arguments, which are inputs
too); the attributes of the modules it calls (the train/eval flag, a value
such as dropout's ``p``, the parameter, submodule or generator an
attribute holds), and of the instance if ``fn`` is a bound method; the
globals and closure variables ``fn``'s code reads; the parameter arrays
and whether they require grad; the gradient mode. The calls recorded:

* each op's forward, ``op.forward(*arrays, **options)``;
* each VJP the backward pass runs, ``vjp(g, out, *arrays, **options)``, and
  the engine's own arithmetic between them: the sum of the gradients
  meeting at a tensor used twice, :func:`~tinyreg.autograd.unbroadcast`,
  the seed (a fresh copy of the ones), ``Tensor._accumulate`` into ``.grad``;
* ``Tensor(data)``'s conversion of its data, dropout's mask, drawn from
  its generator (``_dropout_mask``), and every draw of :mod:`tinyreg.random`
  (``randn``, ``rand``, ``normal``, ``randint``, ``randperm``: ``random._draw``);
* ``Tensor.zero_grad``, ``Optimizer.zero_grad``, ``Optimizer.step``,
  ``LRScheduler.step`` and the gradient clipping of ``nn.utils`` (its
  clipping of the gradients the parameters hold), each as one call.

Each argument of a recorded call is either the result of an earlier
recorded call, an argument of ``fn`` (an *input*), or a constant held by
reference (a parameter's array, a module, the optimizer, an option). The
recording becomes a straight-line Python function (``Compiled.code`` shows
it: ``v2 = relu_5(v1)``, ``accumulate_64(c_62, v12, c_63)``, ``step_75(c_74)``),
and later calls with the same guard run it: no Tensor objects, no graph, no
topological walk. The optimizer's parameter groups need no guard: its step
reads them when it runs. A VJP runs in the grad mode of eager's backward
pass (an op it calls on arrays gives an array).

That plain replay is the reference. What runs is the *fast replay*
(``Compiled.fast_code``, built by :mod:`tinyreg.fast_replay`): the same
program, except that the calls with a *form* -- linear, relu, mul, add,
sub, MSE and their VJPs, ``unbroadcast``, dropout's mask, SGD's step
without momentum -- are written out as the numpy calls those functions
make, writing into arrays planned once at trace time (``out=``).

**Why the replay is bit-identical.** This is the level chosen: the calls
recorded are the very functions eager runs, called with the same arrays in
the same order, so every numpy operation inside them runs again unchanged
-- nothing is fused, folded or reordered. What eager does in Python
between them (building tensors and edges, ordering the graph) computes no
number. The optimizer's step is replayed as a call of ``step()`` itself,
so it reads the current ``lr`` and every hyper-parameter of every group
(schedulers work), updates parameters and state as eager does, and keeps
its non-finite check: a NaN batch raises FloatingPointError with nothing
changed. Dropout's mask is drawn by the same function from the same
generator, in the same order. The fast replay's forms make the numpy calls
of the functions they stand for, in their order, on the same operands:
a ufunc or BLAS call writes the same values into a planned array as into a
new one; where a form leaves out or replaces a call, the mathematics
guarantees the same bits, and the form says why (:mod:`tinyreg.fast_replay`).
Only values that no function other than a form receives are planned: what
``fn`` returns and every ``.grad`` are fresh arrays at every replay, as in
eager, so what a call returned is never overwritten.

**Value-dependent Python falls back to eager.** Reading a value outside a
recorded call -- ``item()``, ``float()``, ``bool()``, a comparison,
``numpy()``, ``tolist()``, ``np.asarray(tensor)`` -- could steer a branch,
so a trace that does so is not kept: that call ran eagerly (its result is
eager's), and later calls with the same guard run ``fn`` eagerly too. So do
traces that use what the replay could not reproduce: ``create_graph=True``,
``backward(gradient=...)``, a gradient accumulated into a tensor made inside
``fn``, batch norm in training mode (its running statistics are updated
outside the recorded calls), an input that no recorded call reads, a
backward pass through a graph recorded before the call, ``fn``'s own code
reading or setting a tensor's ``.data`` or ``.grad`` (numpy on the values:
while tracing, these slots are properties that tell tinyreg's code from
the caller's), a tensor changed in place outside a recorded call
(``t *= 0.9``, ``copy_``, ``zero_``, ``fill_`` under ``no_grad``), a
tensor's values read by tinyreg's functions that compute on them with
numpy (``argmax``, ``argmin``, ``allclose``).
``Compiled.fallback_reasons`` says why.

What ``fn`` must keep to: compute with tinyreg (tensors, ops, modules,
optimizers), not with numpy on its inputs' values or on a tensor's
``.data``; draw randomness through tinyreg (dropout,
:mod:`tinyreg.random`); have no Python side effect other than the
recorded calls (they alone run at replay); read the
Python values that steer it (a global, a closure variable) in its own
code, where the guard sees them: a value read inside another function it
calls is fixed at the trace. A tensor ``fn`` returns comes back from a
replay as a new tensor holding the values, detached from any graph;
tuples, named tuples, lists and dicts are rebuilt around what they hold;
any other object returned makes the trace run eagerly.

Tracing patches the recorded functions for the duration of the eager call,
in the tracing thread only: eager code, untraced, runs exactly as without
this module. A replay writes its planned arrays: one compiled function is
not to be called from two threads at once.
"""

from __future__ import annotations

import functools
import operator
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from tinyreg import (
    autograd,
    fast_replay,
    functional,
    layers,
    lr_scheduler,
    nn,
    nn_init,
    nn_utils,
    optim,
    random,
    sugar,
)
from tinyreg.autograd import Op, Tensor
from tinyreg.grad_mode import _Backward, _mode

__all__ = ["Compiled", "compile"]

_tracing = threading.Lock()  # one trace at a time: tracing patches shared functions
_tracer = threading.local()  # .active: whether this thread is tracing (a compiled call inside
#                              a traced one runs eagerly: the outer trace records its calls)


class _Fallback(Exception):
    """Raised inside the recorder when the trace cannot be replayed (caught by it)."""


# ---------------------------------------------------------------------------
# The recorder: what one traced call did
# ---------------------------------------------------------------------------


class _Call:
    """One recorded call: the function, its arguments (values, and names in the program),
    and its result (value and name, when it is an array or a tensor)."""

    def __init__(
        self, fn: Any, label: str, args: tuple, kwargs: dict, names: list, options: dict
    ) -> None:
        self.fn, self.label, self.args, self.kwargs = fn, label, args, kwargs
        self.names, self.options = names, options
        self.result: Any = None
        self.name: str | None = None

    def expression(self) -> str:
        """The call as a line of the plain replay: ``label(name, ..., key=name)``."""
        parts = [*self.names, *(f"{k}={v}" for k, v in self.options.items())]
        return f"{self.label}({', '.join(parts)})"


class _Recorder:
    """Records the calls of one eager run of ``fn`` as lines of a straight-line program.

    ``names`` maps the id of every value a recorded call produced (kept alive
    in ``values``, so ids stay unique) or an input to its variable name.
    """

    def __init__(self, inputs: list[Any]) -> None:
        self.thread = threading.get_ident()
        self.start = next(autograd._creation_counter)  # tensors made later are the trace's
        self.lines: list[str] = []
        self.calls: list[_Call] = []  # the same calls, structured: what the fast replay plans
        self.constants: dict[str, Any] = {}
        self.names: dict[int, str] = {}
        self.values: list[Any] = []  # keeps every named value alive
        self.used: set[str] = set()
        self.inputs: list[str] = []
        self.prologue: list[str] = []
        self.leaves: dict[int, Tensor] = {}  # tensors made before the trace that ops used
        self.modules: dict[int, nn.Module] = {}
        self.depth = 0  # > 0 inside a recorded call: what it calls is not recorded
        self.reason: str | None = None  # why this trace cannot be replayed
        self.converted = False  # set when as_float_array runs: an op's output was converted
        self.arrays_in: list[tuple[int, str, str]] = []  # (position, names) of array inputs
        for i, x in enumerate(inputs):
            self.inputs.append(f"a{i}")
            if isinstance(x, (Tensor, np.ndarray)):  # Python values are constants (guarded)
                self._name(x, f"a{i}")
                data = f"d{i}" if isinstance(x, Tensor) else f"a{i}"
                if isinstance(x, Tensor):
                    self._name(x.data, data)
                    self.prologue.append(f"{data} = a{i}.data")
                self.arrays_in.append((i, f"a{i}", data))

    # -- recording ------------------------------------------------------------
    def recording(self) -> bool:
        return self.reason is None and self.depth == 0 and threading.get_ident() == self.thread

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)``; record it when at the top level of the tracing thread."""
        if not self.recording():
            return fn(*args, **kwargs)
        try:
            record = self._expression(fn, args, kwargs)
        except _Fallback as error:
            self.fall_back(str(error))
            return fn(*args, **kwargs)
        self.depth += 1
        try:
            result = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        if fn in _SHAPE_ONLY and args and result is args[0]:
            return result  # nothing to sum or convert, for these shapes (guarded): no call
        self._emit(record, result)
        return result

    def _emit(self, record: _Call, result: Any) -> None:
        """Add the call to the program, naming its result when it is an array or a tensor."""
        line = record.expression()
        if isinstance(result, (np.ndarray, Tensor)):
            record.result = result
            record.name = self._name(result, f"v{len(self.lines)}")
            line = f"{record.name} = {line}"
        self.lines.append(line)
        self.calls.append(record)

    def fall_back(self, reason: str) -> None:
        """Keep running eagerly, but do not keep this trace."""
        if self.recording():
            self.reason = reason

    def _name(self, value: Any, name: str) -> str:
        self.names[id(value)] = name
        self.values.append(value)
        return name

    def _expression(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> _Call:
        names = [self._argument(a) for a in args]
        options = {k: self._argument(v) for k, v in kwargs.items()}
        return _Call(fn, self._constant(fn), args, kwargs, names, options)

    def _argument(self, value: Any) -> str:
        """How the program refers to ``value``: a variable, or a constant held by reference."""
        name = self.names.get(id(value))
        if name is not None:
            self.used.add(name)
            return name
        if isinstance(value, Tensor) and value._created > self.start:
            raise _Fallback(f"a tensor made inside the function ({value.shape}) is used as such")
        if isinstance(value, (tuple, list)) and any(id(v) in self.names for v in value):
            raise _Fallback("a computed array is passed inside a tuple or list")
        if isinstance(value, Tensor):
            self.leaves[id(value)] = value
        return self._constant(value)

    def _constant(self, value: Any) -> str:
        """A new name for ``value`` in the program: a function's name and a number, or c<n>."""
        label = getattr(value, "__name__", None) or getattr(
            getattr(value, "func", None), "__name__", ""
        )
        label = "".join(ch if ch.isalnum() else "_" for ch in str(label)).strip("_")
        name = f"{label or 'c'}_{len(self.constants)}"
        self.constants[name] = value
        return name

    # -- the program ----------------------------------------------------------
    def output(self, value: Any) -> str:
        """The expression that rebuilds ``fn``'s result at replay.

        Tuples (named ones too), lists and dicts are rebuilt around their
        items, a tensor computed by the recorded calls is a new tensor
        holding the value, an array is the variable holding it; anything
        else but Python values and tensors made before the call cannot be
        rebuilt, and makes the trace run eagerly.
        """
        kind = type(value)
        if kind in (tuple, list) or (issubclass(kind, tuple) and hasattr(kind, "_fields")):
            items = "".join(f"{self.output(v)}, " for v in value)
            if kind is list:
                return f"[{items}]"
            return f"({items})" if kind is tuple else f"{self._constant(kind)}({items})"
        if kind is dict:
            pairs = "".join(f"{self._constant(k)}: {self.output(v)}, " for k, v in value.items())
            return f"{{{pairs}}}"
        if isinstance(value, Tensor) and id(value) not in self.names:
            if value._created < self.start:
                return self._constant(value)
            if id(value.data) not in self.names:
                raise _Fallback("the function returns a tensor computed outside the recorded calls")
            return f"{self._constant(_result_tensor)}({self._argument(value.data)})"
        if value is None or isinstance(value, (bool, int, float, str)):
            return repr(value)
        if not isinstance(value, (np.ndarray, Tensor)):
            raise _Fallback(f"the function returns a {kind.__name__}: a replay cannot rebuild it")
        return self._argument(value)

    def program(self, result: Any) -> tuple[Callable[..., Any], str, Callable[..., Any], str]:
        """The plain replay and its source, then the fast replay and its source."""
        returned = self.output(result)
        for i, tensor, data in self.arrays_in:
            if tensor not in self.used and data not in self.used:
                raise _Fallback(
                    f"argument {i} is read by no recorded call "
                    "(is it computed on with numpy inside the function?)"
                )
        plain = _function(self.inputs, [*self.prologue, *self.lines], returned, self.constants)
        body, constants = fast_replay.fast_program(self, returned)
        return (*plain, *_function(self.inputs, body, returned, constants))

    def _guard(self, fn: Callable[..., Any]) -> tuple[Callable[[], tuple | None], tuple | None]:
        """What the guard reads of the leaves, modules, ``fn`` and gradient mode, and its value now.

        One generated function returns one tuple -- the gradient mode, then
        for each leaf the id of its array (the trace holds the array, so the
        id cannot be reused) and its ``requires_grad``, then each module's
        attributes and those of its submodules (how many, and each of its
        ``__dict__`` but the registries, whose members are attributes too),
        then those of the instance ``fn`` is a bound method of, then what
        ``fn``'s code reads from outside (the globals it names, its
        closure's cells) -- so that checking the guard is one tuple
        comparison. A Python value (``training``, dropout's ``p``, a global
        ``temperature``) is compared itself, any other object (a parameter,
        a submodule, a generator, the model) by its id, the trace holding
        it. An attribute or a global deleted since, or a cell emptied, makes
        the tuple None: a miss.
        """
        namespace: dict[str, Any] = {"_mode": _mode, "_id": id}
        parts = ["_mode.enabled", "_mode.numpy_backward"]

        def read(expression: str, value: Any) -> None:
            if _plain(value):
                parts.append(expression)
            else:
                namespace[f"held_{len(parts)}"] = value  # held: its id stays unique
                parts.append(f"_id({expression})")

        for i, t in enumerate(self.leaves.values()):
            namespace[f"t{i}"], namespace[f"held{i}"] = t, t.data  # held: ids stay unique
            parts += [f"_id(t{i}.data)", f"t{i}.requires_grad"]
        instances: dict[int, Any] = {}
        for module in self.modules.values():  # and what they hold: a ModuleList iterated
            instances.update((id(m), m) for m in module.modules())
        owner = getattr(fn, "__self__", None)  # a bound method's instance: as a module's
        if hasattr(owner, "__dict__") and not isinstance(owner, types.ModuleType):
            instances[id(owner)] = owner
        for i, instance in enumerate(instances.values()):
            namespace[f"m{i}"] = attributes = vars(instance)
            parts.append(f"len(m{i})")  # an attribute added (a module appended) is a miss
            for name, value in attributes.items():
                if name not in _REGISTRIES:
                    read(f"m{i}[{name!r}]", value)
        code = getattr(fn, "__code__", None)
        if code is not None:
            namespace["g"] = names = fn.__globals__
            for name in sorted(_names_read(code)):
                if name in names:
                    read(f"g[{name!r}]", names[name])
            for j, cell in enumerate(fn.__closure__ or ()):
                namespace[f"c{j}"] = cell
                try:
                    read(f"c{j}.cell_contents", cell.cell_contents)
                except ValueError:  # an empty cell: a name fn binds later
                    continue
        source = (
            "def state():\n"
            f"    try:\n        return ({', '.join(parts)},)\n"
            "    except (KeyError, ValueError):\n        return None\n"
        )
        exec(source, namespace)  # code built above from variable names and str literals only
        state = namespace["state"]
        return state, state()


def _in_tinyreg(frame: Any) -> bool:
    """Whether ``frame`` runs tinyreg's own code (which reaches ``.data`` to compute, recorded)."""
    module = frame.f_globals.get("__name__", "")
    return bool(module == "tinyreg" or module.startswith("tinyreg."))


#: A module's registries: their members are its attributes too, which the guard reads.
_REGISTRIES = frozenset({"_parameters", "_buffers", "_non_persistent_buffers", "_modules"})


def _names_read(code: Any) -> set[str]:
    """The names ``code`` (and the functions and comprehensions inside it) looks up."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _names_read(constant)
    return names


def _plain(value: Any) -> bool:
    """Whether the guard compares ``value`` itself (a Python value), not its identity."""
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return True
    return type(value) is tuple and all(_plain(v) for v in value)


def _function(
    inputs: list[str], body: list[str], returned: str, constants: dict[str, Any]
) -> tuple[Callable[..., Any], str]:
    """A straight-line function ``replay(a0, a1, ...)`` made of ``body``, and its source."""
    lines = [*body, f"return {returned}"]
    code = f"def replay({', '.join(inputs)}):\n" + "".join(f"    {line}\n" for line in lines)
    namespace = dict(constants)
    exec(code, namespace)  # code built from variable and constant names only
    return namespace["replay"], code


#: Tensor's methods that hand a value to Python (or its array to numpy): a trace using them
#: outside a recorded call is not kept.
_VALUE_READS = (
    *("item", "numpy", "tolist", "__array__", "__bool__", "__float__", "__int__", "__index__"),
    *("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"),
)

#: Functions that return their first argument itself when, for the guarded shapes, there is
#: nothing to do: such a call is left out of the program.
_SHAPE_ONLY = (autograd.unbroadcast, autograd._as_gradient)


def _forward_output(op: Op, *arrays: Any, **options: Any) -> np.ndarray:
    """An op's forward with its output made a floating array, as eager's ``Op._run_forward``."""
    return Op._run_forward(op, list(arrays), options)[0]


def _in_backward(vjp: Callable[..., Any]) -> Callable[..., Any]:
    """``vjp`` run in the mode eager's backward pass runs it in (an op on arrays gives arrays)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with _Backward.NUMPY:
            return vjp(*args, **kwargs)

    run.__name__ = getattr(vjp, "__name__", "vjp")
    run.vjp = vjp  # type: ignore[attr-defined]  # what the fast replay's forms are keyed on
    return run


def _result_tensor(data: np.ndarray) -> Tensor:
    """What a replay returns for a tensor: its values, in a new tensor without a graph."""
    return Tensor._computed(data)


# ---------------------------------------------------------------------------
# The hooks: the recorded functions, patched for the length of one eager call
# ---------------------------------------------------------------------------


def _hooks(rec: _Recorder) -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for every function tracing patches."""
    run_forward = Op._run_forward
    receive, seed, accumulate = autograd._receive, autograd._seed, Tensor._accumulate
    as_float_array = autograd.as_float_array
    call, module_call = Op.__call__, nn.Module.__call__
    check_in_place, data_of, fill = sugar._check_in_place, sugar._data, nn_init._fill

    def forward(op: Op, arrays: list, options: dict) -> tuple[np.ndarray, Any]:
        if not rec.recording():
            return run_forward(op, arrays, options)
        rec.depth, rec.converted = 1, False
        try:
            out, vjps = run_forward(op, arrays, options)
        finally:
            rec.depth = 0
        # the forward itself, or, when its output had to be made a floating array, all of it
        fn, args = (op.forward, arrays) if not rec.converted else (_forward_output, [op, *arrays])
        try:
            rec._emit(rec._expression(fn, tuple(args), options), out)
        except _Fallback as error:
            rec.fall_back(str(error))
        wrapped = [
            None if v is None else functools.partial(rec.call, _in_backward(v)) for v in vjps
        ]
        return out, wrapped

    def op_call(op: Op, *inputs: Any, **options: Any) -> Any:
        if rec.recording():
            for x in inputs:
                if isinstance(x, Tensor) and x._created < rec.start and id(x) not in rec.names:
                    rec.leaves[id(x)] = x
        return call(op, *inputs, **options)

    def receive_(t: Tensor, grad: Any, grads: dict, heap: list) -> None:
        if t.op is not None and t._created < rec.start:  # its VJPs were not wrapped
            rec.fall_back("backward through a graph recorded before the call")
        if t in grads:  # the sum over paths, recorded
            grads[t] = rec.call(operator.add, grads[t], grad)
        else:
            receive(t, grad, grads, heap)

    def seed_(output: Tensor, gradient: Any, create_graph: bool, where: str, name: str) -> Any:
        if create_graph:
            rec.fall_back("backward with create_graph=True")
        elif gradient is not None:
            rec.fall_back("backward(gradient=...) or grad(grad_outputs=...)")
        value = seed(output, gradient, create_graph, where, name)
        return rec.call(np.copy, value) if rec.recording() else value

    def accumulate_(t: Tensor, grad: Any, unshared: bool) -> None:
        rec.call(accumulate, t, grad, unshared)

    def module_call_(module: nn.Module, *args: Any, **kwargs: Any) -> Any:
        if rec.recording():
            rec.modules[id(module)] = module
            if isinstance(module, layers._BatchNorm) and module.training:
                rec.fall_back("batch norm in training mode (its running statistics)")
        return module_call(module, *args, **kwargs)

    def falls_back(reason: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` itself, which makes the trace fall back with ``reason`` (binds as a method)."""

        def hook(*args: Any, **kwargs: Any) -> Any:
            rec.fall_back(reason)
            return fn(*args, **kwargs)

        return hook

    def watched(name: str) -> property:
        """Tensor's slot ``name`` as a property: reached outside tinyreg, the trace falls back."""
        slot = Tensor.__dict__[name]

        def get(t: Tensor) -> Any:
            if rec.recording() and not _in_tinyreg(sys._getframe(1)):
                rec.fall_back(f"the function reads a tensor's .{name} (numpy is not recorded)")
            return slot.__get__(t, Tensor)

        def set_(t: Tensor, value: Any) -> None:
            if rec.recording() and not _in_tinyreg(sys._getframe(1)):
                rec.fall_back(f"the function sets a tensor's .{name}")
            slot.__set__(t, value)

        return property(get, set_)

    def in_place(t: Tensor, what: str, instead: str) -> None:
        rec.fall_back(f"{what} changes a tensor's values in place (numpy is not recorded)")
        check_in_place(t, what, instead)

    def valued(x: Any) -> Any:
        if isinstance(x, Tensor):  # argmax, argmin, allclose, ...: numpy on the values
            rec.fall_back("a tinyreg function reads a tensor's values (numpy is not recorded)")
        return data_of(x)

    def recorded(fn: Callable[..., Any]) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:  # a function: it binds as a method
            return rec.call(fn, *args, **kwargs)

        return method

    def converting(*args: Any, **kwargs: Any) -> Any:
        rec.converted = True
        return rec.call(as_float_array, *args, **kwargs)

    hooks: list[tuple[Any, str, Any]] = [
        (Op, "__call__", op_call),
        (Op, "_run_forward", forward),
        (autograd, "_receive", receive_),
        (autograd, "_seed", seed_),
        (autograd, "unbroadcast", recorded(autograd.unbroadcast)),
        (autograd, "_as_gradient", recorded(autograd._as_gradient)),
        (autograd, "as_float_array", converting),
        (functional, "_dropout_mask", recorded(functional._dropout_mask)),
        (nn_utils, "_clip_norm", recorded(nn_utils._clip_norm)),
        (nn_utils, "_clip_value", recorded(nn_utils._clip_value)),
        (Tensor, "_accumulate", accumulate_),
        (nn.Module, "__call__", module_call_),
        (sugar, "_check_in_place", in_place),
        (sugar, "_data", valued),
        (
            nn_init,
            "_fill",
            falls_back("nn.init changes a tensor's values in place (numpy is not recorded)", fill),
        ),
        (random, "_draw", recorded(random._draw)),
        (Tensor, "data", watched("data")),
        (Tensor, "grad", watched("grad")),
    ]
    for owner, name in [
        (Tensor, "zero_grad"),
        (optim.Optimizer, "zero_grad"),
        (optim.Optimizer, "step"),
        (lr_scheduler.LRScheduler, "step"),
    ]:
        hooks.append((owner, name, recorded(getattr(owner, name))))
    for name in _VALUE_READS:
        if name in Tensor.__dict__:
            reason = f"{name}() reads a value, which may steer Python"
            hooks.append((Tensor, name, falls_back(reason, getattr(Tensor, name))))
    return hooks


def _trace(fn: Callable[..., Any], inputs: list[Any], args: tuple, kwargs: dict) -> Any:
    """Run ``fn`` eagerly with the hooks in; returns (its result, the recorder)."""
    rec = _Recorder(inputs)
    hooks = _hooks(rec)
    with _tracing:
        saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in hooks]
        _tracer.active = True
        try:
            for owner, name, hook in hooks:
                setattr(owner, name, hook)
            result = fn(*args, **kwargs)
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)
            _tracer.active = False
    return result, rec


# ---------------------------------------------------------------------------
# Compiled: guards, the cache of traces, replay
# ---------------------------------------------------------------------------


def _signature(value: Any) -> Any:
    """What the guard compares of one argument: type, shape and dtype; a Python value itself.

    Any other object by its id: the trace holds its arguments (``_Entry.held``),
    so that the id of one is never another object's.
    """
    if isinstance(value, Tensor):
        return (Tensor, value.data.shape, value.data.dtype, value.requires_grad)
    if isinstance(value, np.ndarray):
        return (np.ndarray, value.shape, value.dtype)
    if _plain(value):
        return (type(value), value)
    return (object, id(value))


def _flatten(value: Any, leaves: list[Any]) -> Any:
    """The guard's view of an argument, its leaves appended to ``leaves`` (the replay's inputs).

    A tuple, a list or a dict with str keys is its structure with each
    item's view, so that a tensor inside a batch tuple is an input, read
    afresh at every call; anything else is a leaf, seen as its
    :func:`_signature`.
    """
    kind = type(value)
    if kind is tuple or kind is list:
        return (kind, tuple(_flatten(v, leaves) for v in value))
    if kind is dict and all(type(k) is str for k in value):
        return (dict, tuple((k, _flatten(v, leaves)) for k, v in value.items()))
    leaves.append(value)
    return _signature(value)


class _Entry:
    """One trace: its guard and replay, or no replay (None) to run eagerly, and why.

    The guard is ``key`` (the arguments' signatures) and ``state() == traced``
    (:meth:`_Recorder._guard`). ``replay`` is the fast replay; ``plain`` is the
    replay of the recorded calls themselves (both bit-identical to eager).
    """

    def __init__(
        self, key: Any, rec: _Recorder, result: Any, fn: Callable[..., Any], inputs: list[Any]
    ) -> None:
        self.key, self.reason = key, rec.reason
        self.held = inputs  # the ids in the key stay theirs
        self.state, self.traced = rec._guard(fn)
        self.replay: Callable[..., Any] | None = None
        self.plain: Callable[..., Any] | None = None
        self.code = self.fast_code = ""
        if rec.reason is None:
            try:
                self.plain, self.code, self.replay, self.fast_code = rec.program(result)
            except _Fallback as error:
                self.reason = rec.reason = str(error)


class Compiled:
    """``fn`` traced once per guard and replayed: see the module docstring.

    Attributes:
        fn: the function compiled.
        cache_size: how many traces are kept (the least recently used goes first).
        fallback_reasons: why calls ran eagerly, one line per guard that did.
        traces: how many times ``fn`` was traced (each guard miss is one).
    """

    def __init__(self, fn: Callable[..., Any], cache_size: int = 8) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = int(cache_size)
        self._entries: list[_Entry] = []
        self.fallback_reasons: list[str] = []
        self.traces = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(_tracer, "active", False):
            return self.fn(*args, **kwargs)  # inside another trace, which records these calls
        leaves: list[Any] = []  # the inputs, those inside tuples, lists and dicts too
        key = (
            tuple(_flatten(v, leaves) for v in (*args, *kwargs.values())),
            tuple(kwargs),
        )
        inputs = tuple(leaves)
        for i, entry in enumerate(self._entries):
            if entry.key == key and entry.state() == entry.traced:
                if i:
                    self._entries.insert(0, self._entries.pop(i))
                if entry.replay is None:
                    return self.fn(*args, **kwargs)
                return entry.replay(*inputs)
        return self._trace(key, list(inputs), args, kwargs)

    def _trace(self, key: Any, inputs: list[Any], args: tuple, kwargs: dict) -> Any:
        self.traces += 1
        result, rec = _trace(self.fn, inputs, args, kwargs)
        entry = _Entry(key, rec, result, self.fn, inputs)
        if entry.reason is not None:
            name = getattr(self.fn, "__name__", repr(self.fn))
            self.fallback_reasons.append(f"{name}: runs eagerly: {entry.reason}")
        self._entries.insert(0, entry)
        del self._entries[self.cache_size :]
        return result

    @property
    def code(self) -> str:
        """The source of the most recently used plain replay ("" if it runs eagerly)."""
        return self._entries[0].code if self._entries else ""

    @property
    def fast_code(self) -> str:
        """The source of the most recently used fast replay ("" if it runs eagerly)."""
        return self._entries[0].fast_code if self._entries else ""


def compile(fn: Callable[..., Any], cache_size: int = 8) -> Compiled:
    """Trace ``fn`` (a training step, say) once per guard and replay its numpy calls.

    Returns a callable that behaves as ``fn``, bit for bit: see the module
    docstring for what is recorded, what is guarded and when ``fn`` runs
    eagerly instead. ``cache_size`` traces are kept (a last partial batch
    is one more trace).
    """
    return Compiled(fn, cache_size)
