"""The engine: Tensor, the recorded graph, reverse-mode differentiation to any order.

Read this file top to bottom; with :mod:`tinyreg.ops` (the primitives) it is
the whole of autograd. It is the engine only. Tensor's operators and methods
(``a + b``, ``t.sum()``) are ops, which :mod:`tinyreg.sugar` installs on it:
this file imports no op. Whether operations record is the per-thread state
of :mod:`tinyreg.grad_mode`.

1. A :class:`Tensor` wraps a numpy array (``.data``). A tensor computed by an
   operation remembers how: ``t.op`` is the operation, ``t.inputs`` what it
   was applied to and ``t.options`` its keyword options. Following
   ``inputs`` from a loss back to the leaves walks the whole computation:
   that is the graph.
2. An operation is defined once, with :func:`op`: a forward function on
   numpy arrays and, attached right under it with ``defvjp``, one
   vector-Jacobian product (VJP) per input: ``vjp(g, out, *inputs,
   **options)`` turns ``g``, the gradient of the output ``out``, into the
   gradient of one input. The built-in operations are defined this way, and
   so can yours be.
3. :meth:`Tensor.backward` and :func:`grad` order the graph topologically
   (iteratively, so a chain of 100,000 operations is fine), walk it from the
   outputs back to the inputs, call each VJP once, and add up the gradients
   that meet at a tensor used more than once.
4. Broadcasting is reversed in exactly one place, :func:`unbroadcast`: a VJP
   may return a gradient of the broadcast output's shape, and the engine
   sums it back to the input's shape.
5. **The backward pass is itself a program of tinyreg operations.** The same
   VJP runs in two modes. In an ordinary backward pass the engine calls it
   with numpy arrays (``g``, ``out.data``, the inputs' data) and records
   nothing: plain numpy, at numpy's speed. With ``create_graph=True`` it
   calls it with the tensors themselves and recording on, so the gradients
   it returns are recorded tensors that can be differentiated again --
   Hessians, Hessian-vector products, gradient penalties, to any order.

   So a VJP is written with what arrays and tensors both understand:
   operators; the methods they share (``.sum(axis=, keepdims=)``,
   ``.reshape``, ``.transpose``, ``.swapaxes``, ``.T``, indexing);
   comparisons, which give numpy booleans (masks are constants, so the
   second derivative of relu or |x| is 0 almost everywhere, as in PyTorch);
   ``np.asarray(x)``, the values of an array or a tensor as a constant; and
   tinyreg ops for functions (``exp``, ``log``, ``where``, ...). During an
   ordinary backward pass a tinyreg op given no tensor returns a plain
   array, so the VJP stays numpy; under ``create_graph`` it records. A VJP
   recomputes what it needs from ``out`` and the inputs (``g * exp(x -
   out)``), never from the forward's local variables: those would be
   constants to a second derivative.

Conventions (PyTorch's): leaf tensors made with ``requires_grad=True``
accumulate ``.grad`` across ``backward()`` calls until zeroed; intermediate
tensors keep no ``.grad`` unless :meth:`Tensor.retain_grad` asks;
``backward()`` frees the graph it walked unless ``retain_graph=True``.
"""

from __future__ import annotations

import functools
import heapq
import inspect
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tinyreg.grad_mode import _Backward, _mode, enable_grad, is_grad_enabled, no_grad
from tinyreg.validation import as_float_array

# Tensor's operators and methods are defined in tinyreg.sugar and copied onto Tensor when
# it is imported. Type checkers cannot see that copy, so for them alone Tensor derives
# from the class that defines them (a cycle only type checkers follow); at run time
# its base is object and this file imports nothing of the sugar or the ops.
if TYPE_CHECKING:
    from tinyreg.sugar import TensorMethods
else:
    TensorMethods = object

__all__ = [
    "Op",
    "Tensor",
    "enable_grad",
    "grad",
    "grad_array",
    "is_grad_enabled",
    "no_grad",
    "op",
    "unbroadcast",
]

#: A vector-Jacobian product: ``vjp(g, out, *inputs, **options) -> gradient of one input``.
VJP = Callable[..., Any]

_NO_OPTIONS: dict[str, Any] = {}  # the options of a leaf (never modified)
_creation_counter = itertools.count()  # numbers tensors in the order they are made


# ---------------------------------------------------------------------------
# Tensor: data, and the record of how it was computed
# ---------------------------------------------------------------------------


class Tensor(TensorMethods):
    """A numpy array that can record how it was computed, for differentiation.

    Attributes:
        data: the values, a numpy array (always of a floating dtype).
        grad: ``None``, or d(output)/d(this tensor) accumulated by
            :meth:`backward`: a numpy array of this tensor's shape, or a
            Tensor after ``backward(create_graph=True)``.
        requires_grad: whether operations on this tensor are recorded.
        op: the :class:`Op` that computed this tensor; None for a leaf.
        inputs: what ``op`` was applied to (tensors, arrays or numbers), in
            order; ``()`` for a leaf, None once backward has freed the graph.
        options: ``op``'s keyword options (an axis, a reduction, ...).
    """

    __slots__ = (
        "__weakref__",
        "_arrays",
        "_created",
        "_edges",
        "_no_grad_hint",
        "_retains_grad",
        "data",
        "grad",
        "inputs",
        "op",
        "options",
        "requires_grad",
    )

    # numpy defers to our reflected operators (``array + tensor`` -> Tensor.__radd__).
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | Tensor | None
    requires_grad: bool
    op: Op | None
    inputs: tuple[Any, ...] | None
    options: dict[str, Any]
    _arrays: list[Any] | None  # the inputs as the forward saw them: numpy arrays or numbers
    _edges: list[tuple[Tensor, VJP]] | None  # (input, its VJP) for each input the gradient flows to
    _created: int  # when this tensor was made (a counter): inputs are always older than outputs
    _retains_grad: bool
    _no_grad_hint: bool  # computed under no_grad from something that requires grad

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self._set(as_float_array("tensor data", data, dtype=dtype, copy=True))
        self.requires_grad = bool(requires_grad)

    @classmethod
    def _computed(cls, data: np.ndarray, *record: Any) -> Tensor:
        """A tensor made by an op (no copying, no checks); ``record`` as in :meth:`_set`."""
        out = object.__new__(Tensor)
        out._set(data, *record)
        return out

    def _set(
        self,
        data: np.ndarray,
        op: Op | None = None,
        inputs: tuple[Any, ...] = (),
        arrays: list[Any] | None = None,
        options: dict[str, Any] | None = None,
        edges: list[tuple[Tensor, VJP]] | None = None,
    ) -> None:
        """Fill every field; a tensor is recorded (requires grad) when ``op`` is given."""
        self.data = data
        self.grad = None
        self.requires_grad = op is not None
        self.op = op
        self.inputs = inputs
        self.options = _NO_OPTIONS if options is None else options
        self._arrays = arrays
        self._edges = [] if edges is None else edges
        self._created = next(_creation_counter)
        self._retains_grad = False
        self._no_grad_hint = False

    @property
    def is_leaf(self) -> bool:
        """True for tensors not computed by a recorded operation."""
        return self.op is None

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The inputs the gradient flows to: those that require grad (none for a leaf)."""
        return tuple(parent for parent, _ in self._edges or ())

    # -- reverse mode -------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self), of this tensor's shape (an array or a
                Tensor). May be omitted only when this tensor has one element
                (then it is 1).
            retain_graph: keep the graph so that backward can run through it
                again; by default, only when ``create_graph`` is True.
            create_graph: record the backward pass, so that the gradients
                (``.grad``, then a Tensor) can be differentiated again.

        The computation is all-or-nothing: if anything fails (a bad
        ``gradient``, a freed graph, a VJP that raises) no ``.grad`` changes.
        """
        if not self.requires_grad:
            _not_differentiable(self, "backward() called on a tensor")
        seed = _seed(self, gradient, create_graph, "backward()", "gradient")
        keep = create_graph if retain_graph is None else retain_graph
        with _Backward.RECORDED if create_graph else _Backward.NUMPY:
            found = _backpropagate([self], [seed], None, create_graph, keep)
            handed_out = {id(seed)} if gradient is not None else set()  # the caller's array
            for node, node_grad in found.items():  # nothing has changed until here
                node._accumulate(node_grad, _unshared(node_grad, handed_out))

    def _accumulate(self, grad: Any, unshared: bool) -> None:
        """Add ``grad`` to ``.grad``: in place on arrays, a recorded sum on tensors.

        A first gradient is stored as an array of its own (a copy, unless
        ``unshared`` says no one else holds ``grad``), so that changing one
        ``.grad`` in place never changes another or the caller's array.
        """
        if self.grad is None:
            if isinstance(grad, Tensor):
                self.grad = grad
            else:
                dtype = self.data.dtype
                self.grad = grad.astype(dtype, copy=False) if unshared else np.array(grad, dtype)
        elif isinstance(self.grad, np.ndarray) and isinstance(grad, np.ndarray):
            np.add(self.grad, grad, out=self.grad, casting="unsafe")
        else:
            self.grad = self.grad + grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate tensor in backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.op is not None:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """True for an intermediate tensor on which :meth:`retain_grad` was called."""
        return self._retains_grad

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradient (``grad = None``), or set it to zeros.

        With ``set_to_none=False`` an array ``.grad`` is zeroed in place; a
        Tensor ``.grad`` (left by ``backward(create_graph=True)``) becomes a
        zero array, cut off from its graph.
        """
        if set_to_none or self.grad is None:
            self.grad = None
        elif isinstance(self.grad, Tensor):
            self.grad = np.zeros_like(self.data)
        else:
            self.grad.fill(0)

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this tensor's data, cut off from the graph."""
        return Tensor._computed(self.data)

    # -- array-like attributes ----------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return float(self.data.reshape(()))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is None and not copy:
            return self.data
        return np.array(self.data, dtype=dtype, copy=True if copy else None)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self.op is not None:
            extra += f", grad_fn=<{self.op.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is untouched).

    As ``torch.autograd.grad``: computes Σ_k ⟨grad_outputs[k], d outputs[k]/d x⟩
    for each x in ``inputs`` (leaves or intermediate tensors).

    Args:
        outputs: a tensor or a sequence of tensors that require grad.
        inputs: a tensor or a sequence of tensors that require grad.
        grad_outputs: one gradient per output (arrays or tensors; None in
            the sequence, or None altogether, means 1 for a one-element output).
        retain_graph: keep the graph for another pass; default ``create_graph``.
        create_graph: record this backward pass, so that the returned
            gradients are tensors that can be differentiated again.
        allow_unused: return None for an input the outputs do not depend on
            (otherwise that is an error).

    Returns:
        A tuple of Tensors (or None), one per input, shaped like it. Without
        ``create_graph`` they do not require grad.
    """
    if grad_outputs is None or isinstance(outputs, Tensor):
        grad_outputs = [grad_outputs] * (1 if isinstance(outputs, Tensor) else len(outputs))
    outputs, inputs = _tensor_list(outputs, "outputs"), _tensor_list(inputs, "inputs")
    for i, x in enumerate(outputs):
        if not x.requires_grad:
            _not_differentiable(x, f"grad(): outputs[{i}] is a tensor")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad(): inputs[{i}] does not require grad")
    wanted = list(grad_outputs)
    if len(wanted) != len(outputs):
        raise ValueError(f"grad(): {len(outputs)} outputs but {len(wanted)} grad_outputs")
    seeds = [
        _seed(x, g, create_graph, "grad()", f"grad_outputs[{i}]")
        for i, (x, g) in enumerate(zip(outputs, wanted, strict=True))
    ]
    keep = create_graph if retain_graph is None else retain_graph
    with _Backward.RECORDED if create_graph else _Backward.NUMPY:
        found = _backpropagate(outputs, seeds, set(inputs), create_graph, keep)
    return tuple(_returned_gradient(found.get(x), x, i, allow_unused) for i, x in enumerate(inputs))


def grad_array(t: Tensor) -> np.ndarray | None:
    """``t.grad`` as a numpy array (what optimizers read): the array, or the data of the Tensor
    that ``backward(create_graph=True)`` leaves there; None when there is no gradient."""
    return t.grad.data if isinstance(t.grad, Tensor) else t.grad


# ---------------------------------------------------------------------------
# The one way to define an operation
# ---------------------------------------------------------------------------


class Op:
    """A differentiable operation: a forward function on numpy arrays and its VJPs.

    Made by the :func:`op` decorator; attach the VJPs with :meth:`defvjp`,
    call it like the forward (see :meth:`__call__`).
    """

    def __init__(self, forward: Callable[..., Any]) -> None:
        functools.update_wrapper(self, forward)
        parameters = list(inspect.signature(forward).parameters.values())
        positional = [
            p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        self.forward = forward
        self.name = forward.__name__.strip("_")
        self.variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
        self.n_inputs = len(positional)
        self.vjps: tuple[VJP | None, ...] | None = None  # set by defvjp
        self._several = self.variadic or self.n_inputs > 1
        self._defaults = [p.default for p in positional]
        self._option_names = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
        self._option_defaults = {
            p.name: p.default
            for p in parameters
            if p.kind is p.KEYWORD_ONLY and p.default is not inspect.Parameter.empty
        }

    def defvjp(self, *vjps: VJP | None) -> None:
        """Attach the VJPs: one per input, in order; None for an input that is not differentiable.

        Each is called as ``vjp(g, out, *inputs, **options)`` and returns the
        gradient of its input (of the input's shape, or of the broadcast
        output's: the engine sums it down). An op whose forward takes
        ``*inputs`` gets one VJP, also given ``argnum=`` (the input's position).
        """
        expected = 1 if self.variadic else self.n_inputs
        if len(vjps) != expected:
            raise TypeError(
                f"{self.name}.defvjp() takes {expected} VJP(s), one per input "
                f"(None for an input that is not differentiable), got {len(vjps)}"
            )
        self.vjps = vjps

    def __call__(self, *inputs: Any, **options: Any) -> Tensor:
        """Run the forward on ``inputs`` (tensors, arrays or numbers) and ``options``.

        Returns a Tensor, recorded (it requires grad and remembers this op,
        its inputs and options) when gradient mode is on and an input
        requires grad. One case returns what the forward itself returns (a
        numpy array, or a number): inside an ordinary backward pass, a VJP
        that calls an op on no tensor gets plain numpy back, so that the VJP
        runs at numpy's speed (under ``create_graph=True`` it gets a recorded
        Tensor). The annotation states the case user code meets.
        """
        if len(inputs) != self.n_inputs and not self.variadic:
            inputs = self._bind(inputs, options)
        if _mode.numpy_backward and not _any_tensor(inputs):
            return self.forward(*inputs, **options)  # see _any_tensor
        if len(options) != len(self._option_names):  # the VJPs see every option
            options = {**self._option_defaults, **options}
        arrays = [x.data if isinstance(x, Tensor) else _operand(x, self._several) for x in inputs]
        out, vjps = self._run_forward(arrays, options)
        if _mode.enabled:  # the graph's edges: (input, its VJP) for each input that needs one
            edges = [
                (x, vjps[i])
                for i, x in enumerate(inputs)
                if isinstance(x, Tensor) and x.requires_grad and vjps[i] is not None
            ]
            if edges:
                return Tensor._computed(out, self, inputs, arrays, options, edges)
        return self._constant(out, inputs)

    def __repr__(self) -> str:
        return f"<op {self.name!r}>"

    def _run_forward(self, arrays: list, options: dict) -> tuple[np.ndarray, Sequence[Any]]:
        """The forward's output as a floating array, and one VJP (or None) per input."""
        try:
            out = self.forward(*arrays, **options)
        except ValueError as error:
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            reason = str(error).removeprefix(f"{self.name}: ")
            raise ValueError(f"{self.name}: {reason} (input shapes: {shapes})") from error
        vjps: Sequence[Any] | None = self.vjps
        if vjps is None:
            vjps = [None] * len(arrays)  # no VJPs attached (see _constant)
        elif self.variadic:
            vjps = [functools.partial(vjps[0], argnum=i) for i in range(len(arrays))]
        if type(out) is not np.ndarray or out.dtype.kind != "f":
            if isinstance(out, tuple):
                raise TypeError(
                    f"the forward of op {self.name!r} returned a tuple: a forward returns one "
                    f"array, and the VJPs are attached with {self.name}.defvjp(...)"
                )
            out = as_float_array(f"the output of op {self.name!r}", out)  # numbers, ints, ...
        return out, vjps

    def _constant(self, out: np.ndarray, inputs: tuple) -> Tensor:
        """An unrecorded result; it remembers whether no_grad is why."""
        if (
            self.vjps is None
            and _mode.enabled
            and any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        ):
            raise TypeError(
                f"op {self.name!r} has no VJPs: attach them with {self.name}.defvjp(...)"
            )
        result = Tensor._computed(out)
        result._no_grad_hint = any(
            isinstance(x, Tensor) and (x._no_grad_hint or (x.requires_grad and not _mode.enabled))
            for x in inputs
        )
        return result

    def _bind(self, inputs: tuple, options: dict) -> tuple:
        """Extra positional arguments fill the options in order, as in numpy (``sum(x, 0)``);
        omitted optional inputs take their defaults."""
        if len(inputs) > self.n_inputs:
            extra = inputs[self.n_inputs :]
            if len(extra) > len(self._option_names):
                raise TypeError(f"{self.name}() got too many positional arguments")
            for name, value in zip(self._option_names, extra, strict=False):
                if name in options:
                    raise TypeError(f"{self.name}() got multiple values for argument {name!r}")
                options[name] = value
            return inputs[: self.n_inputs]
        missing = self._defaults[len(inputs) :]
        if any(default is inspect.Parameter.empty for default in missing):
            raise TypeError(f"{self.name}() takes {self.n_inputs} inputs, got {len(inputs)}")
        return (*inputs, *missing)


def op(forward: Callable[..., Any]) -> Op:
    """Turn a forward function on numpy arrays into a differentiable operation.

    ``forward`` receives its positional arguments as numpy arrays (tensors
    are unwrapped; beside other inputs a Python number stays a number, so a
    float32 tensor times 2.0 stays float32) and its keyword-only arguments as
    options; it returns the output array. Attach one VJP per input right
    under it, with the decorated op's ``defvjp``. Multiplication, whole::

        @op
        def mul(a, b):
            return a * b

        mul.defvjp(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)

    A VJP is called only for an input that requires grad. Extra positional
    arguments fill the options in order (``sum(x, 0)`` is ``sum(x, axis=0)``).
    """
    return Op(forward)


def _operand(x: Any, keep_numbers: bool) -> Any:
    """A non-tensor input as forward sees it: an array, or None.

    Beside other inputs a Python number stays a number, so that, as in numpy,
    ``float32_tensor * 2.0`` stays float32; a lone number becomes an array.
    """
    if x is None or (keep_numbers and isinstance(x, (int, float))):
        return x
    return np.asarray(x)


def _any_tensor(inputs: tuple) -> bool:
    """Whether any input is a Tensor.

    Inside an ordinary backward pass a VJP runs on arrays and records
    nothing: an op it calls with no tensor among its inputs just runs its
    numpy forward and returns what numpy returns.
    """
    return any(isinstance(x, Tensor) for x in inputs)


# ---------------------------------------------------------------------------
# The backward pass
# ---------------------------------------------------------------------------


def _backpropagate(
    roots: list[Tensor],
    seeds: list[Any],
    targets: set[Tensor] | None,
    create_graph: bool,
    retain_graph: bool,
) -> dict[Tensor, Any]:
    """Walk the graph from ``roots`` (seeded with ``seeds``) back to its leaves, once.

    Tensors are taken newest first. A tensor is always made after its inputs,
    so when it is taken, every tensor that used it has already passed its
    share of the gradient on, and its gradient is complete: the order of
    creation, reversed, is a topological order of the graph. A heap keeps the
    tensors reached so far, newest on top; the walk never recurses, so a
    chain of 100,000 operations is fine.

    Returns the gradients of ``targets``, or, when ``targets`` is None, of the
    leaves and of the tensors that retain grad. Changes nothing but, unless
    ``retain_graph``, frees the graph once every VJP has succeeded.
    """
    useful = None if targets is None else _leading_to(targets, roots)
    grads: dict[Tensor, Any] = {}  # the gradient each tensor reached but not taken has so far
    heap: list[tuple[int, Tensor]] = []  # those tensors, newest on top
    for root, seed in zip(roots, seeds, strict=True):
        _receive(root, seed, grads, heap)
    found, walked = {}, []
    while heap:
        node = heapq.heappop(heap)[1]
        node_grad = grads.pop(node)  # complete: every tensor that used node came first
        if _wanted(node, targets):
            found[node] = node_grad
        if node.op is not None:
            _pass_on(node, node_grad, useful, create_graph, grads, heap)
            walked.append(node)
    if not retain_graph:
        for node in walked:  # drop the VJPs and the arrays they use: the graph is freed
            node.inputs = node._arrays = node._edges = None
    return found


def _wanted(node: Tensor, targets: set[Tensor] | None) -> bool:
    """Whether the walk returns ``node``'s gradient: a target of :func:`grad`; else, for
    ``backward()``, a leaf or a tensor that retains grad."""
    if targets is not None:
        return node in targets
    return node.op is None or node._retains_grad


def _pass_on(
    node: Tensor,
    node_grad: Any,
    useful: set[Tensor] | None,
    create_graph: bool,
    grads: dict[Tensor, Any],
    heap: list[tuple[int, Tensor]],
) -> None:
    """The chain rule at one tensor: each input's VJP turns ``node_grad`` into that input's share.

    Each VJP gets arrays in an ordinary backward, the tensors themselves
    under ``create_graph``; its result is summed down to its input's shape
    (:func:`unbroadcast`) and added to what that input has received.
    """
    edges = _edges(node)  # (an error if an earlier backward freed them)
    out, args = (node, _recorded_inputs(node)) if create_graph else (node.data, node._arrays)
    assert node.op is not None and args is not None  # the graph behind node is alive
    for parent, vjp in edges:
        if useful is None or parent in useful:
            try:
                parent_grad = vjp(node_grad, out, *args, **node.options)
            except TypeError as error:
                _explain_numpy_on_tensors(node, error)
                raise
            if create_graph or type(parent_grad) is not np.ndarray:
                parent_grad = _as_gradient(parent_grad, create_graph)
            parent_grad = unbroadcast(parent_grad, parent.data.shape, node.op.name)
            _receive(parent, parent_grad, grads, heap)


def _explain_numpy_on_tensors(node: Tensor, error: TypeError) -> None:
    """Raise a clearer error when a VJP applied a numpy function to tensors (create_graph)."""
    if "__array_ufunc__" in str(error):
        name = node.op.name if node.op is not None else "?"
        raise TypeError(
            f"the VJP of op {name!r} calls a numpy function on tensors: under "
            "create_graph=True a VJP runs on tensors, so that its result can be "
            "differentiated again; write it with operators, tensor methods and tinyreg's "
            "functions (tinyreg.exp, tinyreg.where, ...) instead of numpy's "
            "(np.asarray(x) takes x's values as a constant)"
        ) from error


def _receive(
    t: Tensor, grad: Any, grads: dict[Tensor, Any], heap: list[tuple[int, Tensor]]
) -> None:
    """Add ``grad`` to ``t``'s gradient; a tensor met for the first time joins the heap."""
    if t in grads:  # a tensor used more than once: the chain rule's sum over paths
        grads[t] = grads[t] + grad
    else:
        grads[t] = grad
        heapq.heappush(heap, (-t._created, t))


def _unshared(grad: Any, handed_out: set[int]) -> bool:
    """Speed: True if ``grad`` may become a ``.grad`` without a copy.

    It must own its memory, be writeable, and not have been handed to
    another tensor in this pass (an identity VJP such as add's gives both
    inputs the same array) or be the caller's own array. Skipping the copy
    of a fresh gradient pays at MNIST size (benchmarks/README.md); the tests
    check that no two gradients ever share memory.
    """
    unshared = (
        type(grad) is np.ndarray
        and grad.base is None
        and grad.flags.writeable
        and id(grad) not in handed_out
    )
    handed_out.add(id(grad))
    return unshared


def _recorded_inputs(node: Tensor) -> list[Any]:
    """What a VJP gets under create_graph: the input tensors themselves, constants as arrays."""
    assert node.inputs is not None and node._arrays is not None
    return [
        x if isinstance(x, Tensor) else a for x, a in zip(node.inputs, node._arrays, strict=True)
    ]


def _as_gradient(value: Any, create_graph: bool) -> Any:
    """A VJP's result as the engine carries it: a tensor under create_graph, else an array."""
    if create_graph:
        return value if isinstance(value, Tensor) else Tensor._computed(np.asarray(value))
    return np.asarray(_data(value))


def unbroadcast(grad: Any, shape: tuple[int, ...], op_name: str | None = None) -> Any:
    """Sum ``grad`` (an array or a tensor) down to ``shape``, reversing numpy broadcasting.

    If an input of shape ``shape`` was broadcast to the output's shape, each
    of its elements was used once per copy, so its gradient is the sum of
    the output gradient over the copies: over the leading axes that
    broadcasting added, and over the axes where ``shape`` has size 1.
    This is the only place in tinyreg that undoes broadcasting.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead > 0:  # axes that broadcasting added in front
        grad = grad.sum(axis=tuple(range(lead)))
    if lead >= 0 and grad.shape != shape:  # axes where the input had size 1
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        raise ValueError(
            f"backward of op {op_name!r} returned a gradient of shape {grad.shape} "
            f"for an input of shape {shape}"
        )
    return grad


def _edges(node: Tensor) -> list[tuple[Tensor, VJP]]:
    """``node``'s edges, (input, VJP) pairs; an error if backward has freed them."""
    if node._edges is None:
        raise RuntimeError(
            "backward through the graph a second time: the graph behind this "
            f"{node.op.name if node.op else ''!r} result was freed by an earlier backward; "
            "pass retain_graph=True to the first call if you need to go through it twice"
        )
    return node._edges


def _leading_to(targets: set[Tensor], roots: Sequence[Tensor]) -> set[Tensor]:
    """The tensors behind ``roots`` from which some target can be reached (for :func:`grad`)."""
    reached, stack = set(), list(roots)
    while stack:  # every tensor behind the roots, once
        node = stack.pop()
        if node not in reached:
            reached.add(node)
            stack.extend(parent for parent, _ in _edges(node))
    useful: set[Tensor] = set()
    for node in sorted(reached, key=lambda t: t._created):  # inputs before outputs
        if node in targets or any(parent in useful for parent, _ in _edges(node)):
            useful.add(node)
    return useful


# -- checks and conversions at the edges of backward() and grad() ------------------


def _not_differentiable(t: Tensor, what: str) -> None:
    """Raise: ``t`` does not require grad, and why (no_grad, or no path to a leaf)."""
    reason = (
        "it was computed under no_grad(), which records nothing"
        if t._no_grad_hint
        else "it has no path to any leaf created with requires_grad=True"
    )
    raise RuntimeError(f"{what} that does not require grad: {reason}")


def _seed(output: Tensor, gradient: Any, create_graph: bool, where: str, name: str) -> Any:
    """The gradient that backpropagation starts from at ``output``: ``gradient``, checked, or 1."""
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{where} without {name} needs a one-element output, this one has shape "
                f"{output.shape}; pass {name}=<array of shape {output.shape}>"
            )
        ones = np.ones(output.data.shape, output.data.dtype)
        return Tensor._computed(ones) if create_graph else ones
    if np.shape(gradient) != output.shape:
        raise ValueError(
            f"{where}: {name} has shape {np.shape(gradient)} "
            f"but the tensor it is for has shape {output.shape}"
        )
    if create_graph and isinstance(gradient, Tensor):
        return gradient  # a gradient that requires grad stays part of the graph
    seed = np.asarray(_data(gradient)).astype(output.data.dtype, copy=False)
    return Tensor._computed(seed) if create_graph else seed


def _tensor_list(values: Tensor | Sequence[Tensor], name: str) -> list[Tensor]:
    """``values`` (a tensor or a sequence of tensors) as a list, checked."""
    values = [values] if isinstance(values, Tensor) else list(values)
    for i, value in enumerate(values):
        if not isinstance(value, Tensor):
            raise TypeError(f"grad(): {name}[{i}] must be a Tensor, got {type(value).__name__}")
    return values


def _returned_gradient(value: Any, x: Tensor, i: int, allow_unused: bool) -> Tensor | None:
    if value is None:
        if allow_unused:
            return None
        raise RuntimeError(
            f"grad(): the outputs do not depend on inputs[{i}] (no path from it to them); "
            "pass allow_unused=True to get None for it"
        )
    if isinstance(value, Tensor):
        return value
    return Tensor._computed(np.asarray(value, dtype=x.dtype))


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x
