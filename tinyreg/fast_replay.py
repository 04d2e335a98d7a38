"""The fast replay of a traced step: the hot calls made as their numpy calls, into buffers.

The plain replay (:mod:`tinyreg.tracing`) calls the recorded functions. The
fast replay makes, for each call that has a *form* below, the very numpy calls that function
makes, in the same order, on the same operands; only the arrays they write
are planned once at trace time and passed as ``out=`` (a ufunc or BLAS call
writes the same values into a given array as into a new one), views of
constant arrays (a weight's transpose) are made once, and the Python around
the numpy calls (checks of shapes the guard fixes, dispatch on options the
trace fixes) is left out. A call without a form is made as in the plain replay.

A value is written into a buffer only when every call that reads it has a
form and it is not returned: a value that reaches ``.grad``, the caller or any
other function is a fresh array at every replay, as in eager.

Bit-identity is with eager's values, not its calls: a form may leave out or
replace a call when the mathematics guarantees the same bits, and says why.
A value that no call made reads is not computed (:func:`_kept`); the seed
of the backward pass is read in place of its copy, and what is computed
from it alone is computed once (:func:`_seed_copy`, :func:`_mse_vjp`); SGD's
step checks ``d * lr`` for all parameters at once (:func:`_sgd_step`). Two
rewrites rest on which loop numpy runs for the call's shapes and dtypes,
and are kept only where a check at trace time finds the same bits
(:func:`_same_bits`): a matrix product with an inner dimension of 1 as a
multiplication (:func:`_matmul_lines`), relu's comparison with an array of
zeros (:func:`_relu_forward`). An elementwise result may take the buffer
of an operand that nothing reads afterwards (:class:`_Plan`).

:mod:`tinyreg.tracing` records a step and builds its plain replay;
:func:`fast_program` plans the fast one from the same recording. Each
form stands for one recorded function (``_FORMS``, keyed on it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from tinyreg import autograd, functional, ops, optim, random
from tinyreg.autograd import Op, Tensor
from tinyreg.penalties import L2

if TYPE_CHECKING:  # the tracer builds on this module, never the other way round
    from tinyreg.tracing import _Call, _Recorder

__all__ = ["fast_program"]


class _Plan:
    """The constants of the fast replay, and which values are written into buffers.

    A value written into a buffer may take the buffer of an operand that no
    later call reads (:meth:`out` with ``reuse``): an elementwise ufunc
    writes the same values into one of its operands as into a new array,
    and fewer buffers keep more of the step in cache. ``last_read`` gives,
    for each value, the index of the last call made that reads it, and
    ``roots`` the value that another name stands for (:func:`_same`).
    """

    def __init__(
        self,
        rec: _Recorder,
        buffered: set[str] | None = None,
        last_read: dict[str, int] | None = None,
        roots: dict[str, str] | None = None,
    ) -> None:
        self.rec = rec
        self.constants: dict[str, Any] = dict(rec.constants)
        self.buffered = buffered or set()
        self.known: set[str] = set()  # values the same at every replay as at the trace
        self.last_read = last_read or {}
        self.roots = roots or {}
        self.held: dict[str, str] = {}  # value -> the buffer it is written into
        self.index = 0  # of the call being planned
        self.locals = 0  # local variables named so far

    def constant(self, value: Any, label: str) -> str:
        name = f"{label}_{len(self.constants)}"
        self.constants[name] = value
        return name

    def local(self, label: str) -> str:
        """A name for a local variable of the program, unique in it."""
        self.locals += 1
        return f"{label}_l{self.locals}"

    def buffer(self, like: np.ndarray) -> str:
        """A new array shaped and typed as ``like``, allocated once."""
        return self.constant(np.empty_like(like), "buf")

    def out(self, call: _Call, keyword: bool = False, reuse: tuple[str, ...] = ()) -> str:
        """``, buffer`` (``, out=buffer`` with ``keyword``) when ``call`` writes into a buffer,
        else "" (a fresh array at each replay). A ufunc takes ``out`` as its argument after
        the operands, the cheapest way to pass it (np.maximum and np.minimum want the keyword).

        The buffer is that of the first of the operands named in ``reuse`` (those an
        elementwise ufunc may overwrite) which is shaped and typed as the result and not
        read after this call; else a new one.
        """
        if call.name not in self.buffered:
            return ""
        buffer = next(
            (self.held[n] for n in map(self.root, reuse) if self._free(n, call.result)), None
        )
        self.held[call.name] = buffer or self.buffer(call.result)
        return f", {'out=' if keyword else ''}{self.held[call.name]}"

    def root(self, name: str) -> str:
        """The value ``name`` stands for (itself, unless it is another name for one)."""
        return self.roots.get(name, name)

    def _free(self, value: str, like: np.ndarray) -> bool:
        """Whether ``value``'s buffer may take a result like ``like`` at this call."""
        if value not in self.held or self.last_read.get(value, -1) > self.index:
            return False
        buffer = self.constants[self.held[value]]
        return bool(buffer.shape == like.shape and buffer.dtype == like.dtype)

    def transposed(self, name: str, value: np.ndarray) -> str:
        """``value.T`` in the program: a view made once when ``value`` is a constant array."""
        return self.constant(value.T, "transposed") if name in self.rec.constants else f"{name}.T"


_Form = Callable[["_Call", "_Plan"], "list[str] | None"]


def fast_program(rec: _Recorder, returned: str) -> tuple[list[str], dict[str, Any]]:
    """The fast replay's body and constants: each call with a form written as its numpy
    calls, into planned buffers, the others as recorded."""
    probe = _Plan(rec)  # nothing buffered: asks each form whether it applies
    forms: list[_Form | None] = []
    reads: list[list[str]] = []  # the names each call reads
    for call in rec.calls:
        form = _FORMS.get(getattr(call.fn, "vjp", call.fn))
        computed = [v for v, n in zip(call.args, call.names, strict=True) if n not in rec.constants]
        arrays = not any(isinstance(v, Tensor) for v in (*computed, call.result))  # no tensors
        lines = form(call, probe) if form is not None and arrays else None
        forms.append(form if lines else None)
        reads.append(_names_in(" ".join(lines)) if lines else [*call.names, *call.options.values()])
    kept = _kept(rec.calls, forms, reads, returned)
    escaping = set(_names_in(returned))  # values that a function other than a form receives
    for call, form, keep in reversed(list(zip(rec.calls, forms, kept, strict=True))):
        if not keep:
            continue
        if form is None or form is _accumulate:  # _accumulate stores its gradient in .grad
            escaping.update([*call.names, *call.options.values()])
        elif form is _same and call.name in escaping:
            escaping.add(call.names[0])  # the same array under another name
    buffered = {
        call.name
        for call, form in zip(rec.calls, forms, strict=True)
        if form is not None
        and form is not _same
        and call.name is not None
        and call.name not in escaping
        and type(call.result) is np.ndarray
    }
    roots: dict[str, str] = {}  # another name for an array -> the value it is (_same)
    for call, form in zip(rec.calls, forms, strict=True):
        if form is _same and call.name is not None:
            roots[call.name] = roots.get(call.names[0], call.names[0])
    last_read = {
        roots.get(name, name): i
        for i, (names, keep) in enumerate(zip(reads, kept, strict=True))
        if keep
        for name in names
    }
    plan = _Plan(rec, buffered, last_read, roots)
    body = list(rec.prologue)
    for i, (call, form, line, keep) in enumerate(
        zip(rec.calls, forms, rec.lines, kept, strict=True)
    ):
        plan.index = i
        if keep:
            body += form(call, plan) or [line] if form is not None else [line]
    return body, {**plan.constants, **_NUMPY}


def _kept(
    calls: list[_Call], forms: list[_Form | None], reads: list[list[str]], returned: str
) -> list[bool]:
    """Which calls the fast replay makes: all but the forms whose value nothing reads.

    A form other than those in ``_EFFECTS`` only computes its value (into a
    buffer or a new array): when no later call that is made reads it and
    ``fn`` does not return it -- the loss of a step that returns nothing,
    say, which MSE's VJP receives but does not read -- leaving it out changes
    no value that anything sees. (Only the floating-point warnings of that
    computation, an overflow in the loss, say, are not given.)
    """
    read = set(_names_in(returned))
    kept = []
    for call, form, names in reversed(list(zip(calls, forms, reads, strict=True))):
        dead = form is not None and form not in _EFFECTS and call.name not in (*read, None)
        if not dead:
            read.update(names)
        kept.append(not dead)
    return kept[::-1]


def _names_in(expression: str) -> list[str]:
    """The names in a Python expression made of names, calls, tuples and lists."""
    return "".join(ch if ch.isalnum() or ch == "_" else " " for ch in expression).split()


# -- The forms. Each makes the numpy calls of one recorded function, with the
#    result named ``call.name``, or returns None when it does not apply to
#    these arguments (the call is then made as recorded).

_NUMPY = {
    f"_{name}": getattr(np, name)
    for name in ("add", "subtract", "multiply", "matmul", "maximum", "greater", "greater_equal")
} | {
    "_add_reduce": np.add.reduce,
    "_asarray": np.asarray,
    "_copy": np.copy,
    "_copyto": np.copyto,
    "_isfinite": np.isfinite,
    "_ndarray": np.ndarray,
    "_resolve_generator": random.resolve_generator,
}


def _linear_forward(call: _Call, plan: _Plan) -> list[str] | None:
    """``functional.linear``: ``out = x @ weight.T``, then ``out += bias``."""
    if call.name is None or call.kwargs or len(call.args) not in (2, 3):
        return None
    if np.ndim(call.args[1]) != 2:
        return None
    r, x, w = call.name, call.names[0], plan.transposed(call.names[1], call.args[1])
    lines = _matmul_lines(r, (x, call.args[0]), (w, call.args[1].T), plan.out(call))
    if len(call.args) == 3:
        lines.append(f"_add({r}, {call.names[2]}, {r})")
    return lines


def _linear_vjp_input(call: _Call, plan: _Plan) -> list[str] | None:
    """``functional.linear``'s VJP for the input: ``g @ weight``."""
    if call.kwargs or call.name is None:
        return None
    g, weight = (call.names[0], call.args[0]), (call.names[3], call.args[3])
    return _matmul_lines(call.name, g, weight, plan.out(call))


def _matmul_lines(r: str, a: tuple[str, Any], b: tuple[str, Any], out: str) -> list[str]:
    """``r = a @ b`` for operands given as (name, value): as an outer product when it is one.

    A product whose inner dimension is 1 has one term per entry, aᵢ·bⱼ;
    numpy computes it in a loop of its own (not BLAS) as 0 + aᵢ·bⱼ: one
    rounding, and the zero it starts from turns a −0 product into +0. A
    broadcast multiplication then ``+ 0.0`` makes the same values with
    less work per entry, where :func:`_outer_product_exact` finds that this
    numpy gives the same bits on operands shaped, typed and laid out as
    these.
    """
    (a_name, a_value), (b_name, b_value) = a, b
    if _outer_product_exact(a_value, b_value):
        return [f"{r} = _multiply({a_name}, {b_name}{out})", f"_add({r}, 0.0, {r})"]
    return [f"{r} = _matmul({a_name}, {b_name}{out})"]


def _outer_product_exact(a: Any, b: Any) -> bool:
    """Whether ``np.matmul(a, b)``, inner dimension 1, is ``np.multiply(a, b) + 0.0`` bit for bit.

    Checked (:func:`_same_bits`) on operands shaped, typed and laid out as
    ``a`` and ``b`` whose products tell the possible loops apart: products
    that are exactly −0 (+0 from numpy's loop, −0 from a plain
    multiplication), that underflow to −0 (+0 from a multiplication then an
    addition, −0 from a fused multiply-add), ±inf·0, NaN and ordinary
    values (one rounding).
    """
    if not (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim == b.ndim == 2
        and a.shape[1] == b.shape[0] == 1
        and a.dtype == b.dtype
        and a.dtype.kind == "f"
    ):
        return False
    tiny = np.finfo(a.dtype).smallest_subnormal
    columns = itertools.chain(_rolled(a, _specials(a.dtype)), [np.full(a.shape, -tiny)])
    rows = itertools.chain(_rolled(b, _specials(b.dtype)[::-1]), [np.full(b.shape, 0.25)])
    return _same_bits(
        lambda x, y: np.matmul(x, y),
        lambda x, y: np.add(np.multiply(x, y), 0.0),
        ((_like(a, x), _like(b, y)) for x, y in zip(columns, rows, strict=True)),
    )


def _same_bits(f: Callable[..., Any], g: Callable[..., Any], probes: Iterable[tuple]) -> bool:
    """Whether ``f(*args)`` and ``g(*args)`` are the same bytes for every ``args`` of ``probes``.

    How a numpy function computes (which loop, in what order) is numpy's
    choice, made by shape, dtype and layout, never by values: probes shaped,
    typed and laid out as the operands of a call, with each telling value
    at every position (:func:`_rolled`), show whether a rewrite of that call
    gives its bits here.
    """
    with np.errstate(all="ignore"):
        return all(f(*args).tobytes() == g(*args).tobytes() for args in probes)


def _specials(dtype: np.dtype) -> list[Any]:
    """Values of ``dtype`` that tell loops apart: ±0, ±inf, NaNs, subnormals, ordinary ones."""
    t = np.dtype(dtype).type
    nan = np.array(np.nan, dtype)
    bits = nan.view(f"u{nan.itemsize}") if nan.itemsize in (2, 4, 8) else None
    payload = nan if bits is None else (bits | 0x5).view(dtype)  # a quiet NaN of its own
    tiny = np.finfo(dtype).smallest_subnormal
    return [t(-0.0), t(0.0), t(np.inf), t(-np.inf), t(np.nan), -nan, payload, tiny, -tiny,
            t(1.5), t(-3.0), t(0.25)]  # fmt: skip


def _rolled(like: np.ndarray, values: list[Any]) -> Iterator[np.ndarray]:
    """Arrays shaped as ``like`` in which each of ``values`` takes every position, one by one."""
    values_, positions = np.array(values, like.dtype), np.arange(like.size)
    for k in range(len(values)):
        yield values_[(positions + k) % len(values)].reshape(like.shape)


def _like(like: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` in an array laid out as ``like`` (its strides' order)."""
    out = np.empty_like(like)
    out[...] = values
    return out


def _linear_vjp_weight(call: _Call, plan: _Plan) -> list[str] | None:
    """``functional.linear``'s VJP for the weight, for a 2-D input: ``g.T @ x``."""
    g, _, x = call.args[:3]
    if np.ndim(g) != 2 or np.ndim(x) != 2:
        return None  # g.reshape(-1, n) and x.reshape(-1, n) are g and x themselves only in 2-D
    g_name, x_name = call.names[0], call.names[2]
    return [f"{call.name} = _matmul({plan.transposed(g_name, g)}, {x_name}{plan.out(call)})"]


def _same(call: _Call, plan: _Plan) -> list[str] | None:
    """A VJP that returns ``g`` itself (of a sum, say): another name for the same array."""
    if call.name is None or call.kwargs:
        return None
    if call.names[0] in plan.known:
        plan.known.add(call.name)
    return [f"{call.name} = {call.names[0]}"]


def _seed_copy(call: _Call, plan: _Plan) -> list[str] | None:
    """The backward pass's seed, ``np.copy(ones)``: the ones themselves when only forms read it.

    The ones are an array that only the plan holds (eager's backward pass
    received the copy), and a form never writes into its operands: read in
    place of the copy, they are the same values at every replay, which the
    forms that read them may use at plan time (``plan.known``).
    """
    if call.kwargs or call.name is None or call.names[0] not in plan.rec.constants:
        return None
    if call.name not in plan.buffered:  # it escapes (or the probe asks): a fresh copy
        return [f"{call.name} = _copy({call.names[0]})"]
    plan.known.add(call.name)
    return [f"{call.name} = {call.names[0]}"]


def _binary(ufunc: str, left: int, right: int) -> _Form:
    """The form of a function that is ``args[left] <operator> args[right]``, one ufunc."""

    def form(call: _Call, plan: _Plan) -> list[str] | None:
        if call.kwargs or call.name is None:
            return None
        a, b = call.names[left], call.names[right]
        return [f"{call.name} = {ufunc}({a}, {b}{plan.out(call, reuse=(a, b))})"]

    return form


def _floating(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _relu_forward(call: _Call, plan: _Plan) -> list[str] | None:
    """``ops.relu``: ``np.maximum(x, 0)``, for a floating x.

    The 0 is an array of zeros shaped and typed as x, made once and only
    read, where :func:`_same_bits` finds that this numpy's maximum gives
    the same bits with it as with 0 (its loop for two arrays can be faster
    than its loop for an array and a number); else 0.0, the value numpy
    converts 0 to for a floating x: the same comparisons, without the
    conversion at every call.
    """
    x = call.args[0]
    if not _floating(x):
        return None
    zeros = np.zeros_like(x)
    same = _same_bits(
        lambda v: np.maximum(v, 0),
        lambda v: np.maximum(v, zeros),
        ((_like(x, v),) for v in _rolled(x, _specials(x.dtype))),
    )
    zero = plan.constant(zeros, "zeros") if same else "0.0"
    out = plan.out(call, keyword=True, reuse=(call.names[0],))
    return [f"{call.name} = _maximum({call.names[0]}, {zero}{out})"]


def _relu_vjp(call: _Call, plan: _Plan) -> list[str] | None:
    """``ops.relu``'s VJP: ``g * (x > 0)``, the mask in a buffer of its own (0 as 0.0, above)."""
    if not _floating(call.args[2]):
        return None
    g, x = call.names[0], call.names[2]
    mask = plan.buffer(np.greater(call.args[2], 0))
    r = call.name
    return [
        f"_greater({x}, 0.0, {mask})",
        f"{r} = _multiply({g}, {mask}{plan.out(call, reuse=(g,))})",
    ]


def _mse_forward(call: _Call, plan: _Plan) -> list[str] | None:
    """``functional.mse_loss``, mean or sum: ``diff = input - target``, ``diff * diff``, reduced."""
    reduction = call.kwargs.get("reduction", "mean")
    if reduction not in ("mean", "sum") or call.name is None:
        return None
    like = np.subtract(call.args[0], call.args[1])
    diff = plan.buffer(like)
    total = f"{diff}.sum()" + (f" / {max(like.size, 1)}" if reduction == "mean" else "")
    return [
        f"_subtract({call.names[0]}, {call.names[1]}, {diff})",
        f"_multiply({diff}, {diff}, {diff})",
        f"{call.name} = _asarray({total})",  # a new 0-d array: the loss is the caller's
    ]


def _mse_vjp(sign: int) -> _Form:
    """``functional.mse_loss``'s VJPs: ``sign * weight(g) * (input - target)``.

    When ``g`` is known at plan time (the seed, ones), the weight
    ``sign * (g / n)`` (``sign * g`` for a sum) is computed then, by the same
    Python and numpy operations on the same value: the same bits, once. When
    that weight is exactly 1 and does not change the dtype, the
    multiplication is left out: x · 1 = x for every x, ±0, ±inf and NaN
    included.
    """

    def form(call: _Call, plan: _Plan) -> list[str] | None:
        reduction = call.kwargs.get("reduction", "mean")
        if reduction not in ("mean", "sum") or call.name is None:
            return None
        g, _, i, t = call.names[:4]
        n = max(np.size(call.args[2]), 1)
        r = call.name
        lines = [f"{r} = _subtract({i}, {t}{plan.out(call, reuse=(i, t))})"]
        if g not in plan.known:
            weight = f"({g} / {n})" if reduction == "mean" else g
            return [*lines, f"_multiply({sign} * {weight}, {r}, {r})"]
        value = sign * (call.args[0] / n) if reduction == "mean" else sign * call.args[0]
        if value == 1 and np.result_type(value, call.result) == call.result.dtype:
            return lines
        return [*lines, f"_multiply({plan.constant(value, 'weight')}, {r}, {r})"]

    return form


def _unbroadcast_form(call: _Call, plan: _Plan) -> list[str] | None:
    """``autograd.unbroadcast`` when it sums leading axes only: ``grad.sum(axis=...)``.

    Written ``np.add.reduce(grad, axes, None, out)``: ``ndarray.sum`` is that
    very reduction (the same loop, the same order), called through Python.
    """
    grad, shape = call.args[0], call.args[1]
    lead = grad.ndim - len(shape)
    if call.kwargs or lead <= 0 or grad.shape[lead:] != tuple(shape):
        return None
    axes, out = tuple(range(lead)), plan.out(call)
    options = f"{axes}, None{out}" if out else f"{axes}"
    return [f"{call.name} = _add_reduce({call.names[0]}, {options})"]


def _dropout_mask_form(call: _Call, plan: _Plan) -> list[str] | None:
    """``functional._dropout_mask``: ``random(shape) >= p``, times 1/(1 − p) as ``dtype``.

    The uniform draws go into a buffer (``Generator.random(out=...)`` draws
    the same numbers from the same generator), the generator is resolved at
    every replay, as eager does. The comparison writes its True and False
    as ``dtype``'s 1 and 0 -- the very values the multiplication converts
    the booleans to -- into the mask's own array, where the multiplication
    by 1/(1 − p) as ``dtype`` follows: the same products, without the
    booleans' array and its conversion inside the multiplication. The
    mask's array is the draws' own when ``dtype`` is theirs (float64): the
    comparison reads each draw before it writes its place.
    """
    generator, shape, p, dtype = call.args
    if call.kwargs or p == 1.0 or call.name is None:
        return None
    uniform = plan.buffer(np.empty(shape))
    own = plan.constants[uniform].dtype == call.result.dtype
    mask = uniform if own else plan.buffer(call.result)
    out = ""  # a fresh array (it escapes), or:
    if call.name in plan.buffered:
        plan.held[call.name], out = mask, f", {mask}"
    return [
        f"_resolve_generator({plan.constant(generator, 'generator')}).random(out={uniform})",
        f"_greater_equal({uniform}, {plan.constant(p, 'p')}, {mask})",
        f"{call.name} = _multiply({mask}, {plan.constant(1.0 / (1.0 - p), 'scale')}"
        f"{out}, dtype={plan.constant(dtype, 'dtype')})",
    ]


def _sgd_step(call: _Call, plan: _Plan) -> list[str] | None:
    """``SGD.step()`` without momentum as its numpy calls, for the groups as they are.

    For each parameter with a gradient, in the groups' order, eager computes
    the direction d = grad + penalty.grad(w) (d = grad without a penalty),
    checks every d finite before any update, then makes ``w -= d * lr`` and
    the penalty's prox (``Optimizer.step``, ``SGD._update``). The lines made
    here do the same when the groups are as they were at the trace -- the
    same dicts, parameter lists and tensors in them, parameter arrays,
    penalties and ``regularize`` settings, no momentum, gradients (arrays)
    on the same parameters -- and read the learning rates and the penalties' own
    hyper-parameters at every replay; anything else is left to
    ``opt.step()`` itself, which has changed nothing yet.

    The same values, with fewer calls:

    * :class:`~tinyreg.penalties.L2`'s gradient, ``alpha * w``, goes into
      the work array that ``grad + alpha * w`` then overwrites (the same
      multiplication and addition, without a new array);
    * ``d * lr`` is computed for every parameter before the check, into
      its work array (parameters are untouched until every one is made);
    * the check reads ``d * lr``: when every ``d * lr`` is finite, so is
      every d (a NaN or ±inf times any lr is not finite), and eager's check
      passes; otherwise -- a non-finite d, or a finite one whose product
      overflows -- ``opt.step()`` decides, as eager. The work arrays of a
      group whose parameters share a dtype are views of one flat array
      (planned here; the optimizer's own work arrays are scratch that
      nothing reads after a step), so that when each of its parameters has
      a gradient the check is one ``np.isfinite`` of the flat array, into
      a boolean array planned with it, and one ``all()``;
    * L2's prox is the identity (it returns ``w``): it is not called.
    """
    opt = call.args[0] if len(call.args) == 1 and not call.kwargs else None
    if type(opt) is not optim.SGD or any(g["momentum"] for g in opt.param_groups):
        return None
    o = call.names[0]
    same = [f"len({o}.param_groups) == {len(opt.param_groups)}"]  # the groups as traced
    directions: list[str] = []  # d * lr into the work arrays
    checks: list[str] = []  # the non-finite checks of the work arrays
    updates: list[str] = []  # w -= d * lr, and the prox
    for i, group in enumerate(opt.param_groups):
        g, params = plan.constant(group, "group"), plan.constant(group["params"], "params")
        penalty, override = group["penalty"], group["regularize"]
        pen, lr = plan.constant(penalty, "penalty"), plan.local("lr")
        same += [
            f"{o}.param_groups[{i}] is {g}",
            f"{g}['params'] is {params}",
            f"len({params}) == {len(group['params'])}",
            f"not {g}['momentum']",
            f"{g}['penalty'] is {pen}",
            f"{g}['regularize'] is {plan.constant(override, 'regularize')}",
        ]
        directions.append(f"{lr} = {g}['lr']")
        flat, works = _work_arrays([p.data for p in group["params"]])
        written = []
        for k, (p, work) in enumerate(zip(group["params"], works, strict=True)):
            t, w, d = (
                plan.constant(p, "param"),
                plan.constant(p.data, "w"),
                plan.constant(work, "d"),
            )
            same.append(f"{params}[{k}] is {t}")  # the list may have been changed in place
            if p.grad is None:
                same.append(f"{t}.grad is None")
                continue
            same += [f"type({t}.grad) is _ndarray", f"{t}.data is {w}"]
            regularized = getattr(p, "regularize", True) if override is None else override
            if penalty is not None and override is None:
                same.append(f"bool(getattr({t}, 'regularize', True)) is {bool(regularized)}")
            if penalty is None or not regularized:
                directions.append(f"_multiply({t}.grad, {lr}, {d})")
            elif type(penalty) is L2:
                directions += [
                    f"_multiply({pen}.alpha, {w}, {d})",
                    f"_add({t}.grad, {d}, {d})",
                    f"_multiply({d}, {lr}, {d})",
                ]
            else:
                directions += [
                    f"_add({t}.grad, {pen}.grad({w}), {d})",
                    f"_multiply({d}, {lr}, {d})",
                ]
            written.append(d)
            updates += [f"{o}.state.setdefault({t}, {{}})", f"_subtract({w}, {d}, {w})"]
            if penalty is not None and regularized and type(penalty) is not L2:
                shrunk = plan.local("shrunk")
                updates += [
                    f"{shrunk} = {pen}.prox({w}, {lr})",
                    f"if {shrunk} is not {w}:",
                    f"    _copyto({w}, {shrunk}, casting='unsafe')",
                ]
        if flat is not None and written and len(written) == len(works):
            ok = plan.constant(np.empty(flat.shape, bool), "ok")  # the check's output
            checks.append(f"_isfinite({plan.constant(flat, 'flat')}, out={ok}).all()")
        else:
            checks += [f"_isfinite({d}).all()" for d in written]
    finite = " and ".join(checks) or "True"  # else opt.step() decides (nonfinite="ignore" too)
    return [
        "if (",
        *(f"    {'and ' if k else ''}{condition}" for k, condition in enumerate(same)),
        "):",
        *(f"    {line}" for line in directions),
        f"    if {finite}:",
        *(f"        {line}" for line in updates or ["pass"]),
        "    else:",
        f"        {o}.step()  # decides, as eager: nothing is changed yet",
        "else:",
        f"    {o}.step()",
    ]


def _work_arrays(datas: list[np.ndarray]) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """Work arrays shaped as ``datas``: views of one flat array when they share a dtype."""
    if not datas or len({w.dtype for w in datas}) != 1:
        return None, [np.empty_like(w) for w in datas]
    flat = np.empty(sum(w.size for w in datas), datas[0].dtype)
    ends = np.cumsum([w.size for w in datas]).tolist()
    return flat, [flat[e - w.size : e].reshape(w.shape) for w, e in zip(datas, ends, strict=True)]


def _accumulate(call: _Call, plan: _Plan) -> list[str] | None:
    """``Tensor._accumulate(t, grad, unshared=True)`` when ``t.grad`` is None: ``t.grad = grad``.

    That is what it does then for an array ``grad`` of ``t``'s dtype (its
    ``astype(copy=False)`` is ``grad`` itself); otherwise it is called.
    """
    t, grad, unshared = call.args
    if call.kwargs or unshared is not True or type(grad) is not np.ndarray:
        return None
    if grad.dtype != t.data.dtype:
        return None
    name, g, line = call.names[0], call.names[1], call.expression()
    return [f"if {name}.grad is None:", f"    {name}.grad = {g}", "else:", f"    {line}"]


def _vjps(op: Op) -> tuple[Any, ...]:
    """The VJPs ``op.defvjp`` attached (a form is keyed on the very function)."""
    assert op.vjps is not None
    return tuple(op.vjps)


_FORMS: dict[Any, _Form] = {
    functional.linear.forward: _linear_forward,
    _vjps(functional.linear)[0]: _linear_vjp_input,
    _vjps(functional.linear)[1]: _linear_vjp_weight,
    _vjps(functional.linear)[2]: _same,  # g
    ops.relu.forward: _relu_forward,
    _vjps(ops.relu)[0]: _relu_vjp,
    ops.mul.forward: _binary("_multiply", 0, 1),
    _vjps(ops.mul)[0]: _binary("_multiply", 0, 3),  # g * b
    _vjps(ops.mul)[1]: _binary("_multiply", 0, 2),  # g * a
    ops.add.forward: _binary("_add", 0, 1),
    _vjps(ops.add)[0]: _same,
    _vjps(ops.add)[1]: _same,
    _vjps(ops.sub)[0]: _same,
    ops.sub.forward: _binary("_subtract", 0, 1),
    functional.mse_loss.forward: _mse_forward,
    _vjps(functional.mse_loss)[0]: _mse_vjp(2),
    _vjps(functional.mse_loss)[1]: _mse_vjp(-2),
    autograd.unbroadcast: _unbroadcast_form,
    functional._dropout_mask: _dropout_mask_form,
    optim.Optimizer.step: _sgd_step,
    Tensor._accumulate: _accumulate,
    np.copy: _seed_copy,  # only the seed of the backward pass is recorded as np.copy
}

#: The forms with an effect other than their value: always made (see _kept).
_EFFECTS = (_dropout_mask_form, _sgd_step, _accumulate)
