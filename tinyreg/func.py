"""Function transforms: derivatives as functions, composable to any order.

Each transform takes a function of tensors and returns a new function, or
evaluates a product without forming any matrix:

==========================  ==================================================
``grad(f)(x)``              ∇f(x), for f returning a one-element tensor
``value_and_grad(f)(x)``    (f(x), ∇f(x))
``jacobian(f)(x)``          J with J[i..., j...] = ∂f(x)[i...] / ∂x[j...]
                            (shape ``f(x).shape + x.shape``)
``hessian(f)(x)``           ``jacobian(grad(f))(x)`` (shape ``x.shape * 2``)
``hvp(f, x, v)``            (f(x), H(x)·v): the gradient of ⟨∇f(x), v⟩
``jvp(f, x, v)``            (f(x), J(x)·v): the double-VJP trick
==========================  ==================================================

``argnums`` (default 0) says which positional argument is differentiated;
``grad`` and ``value_and_grad`` also take a tuple and then return a tuple
of gradients. Arguments may be tensors, arrays or numbers.

They nest -- ``grad(grad(f))``, ``hessian(f)`` is a jacobian of a grad --
because each one records its own backward pass (``create_graph=True``)
exactly when its result has to stay differentiable: when ``f``'s output
depends on a tensor that requires grad other than the fresh variable the
transform made for its argument (an outer transform's variable, an
argument that requires grad, a tensor ``f`` closes over). Each transform
differentiates with respect to its own fresh variable, so an inner
transform never confuses its variable with an outer one's.

``jvp`` uses the double-VJP trick: with u a dummy cotangent, the VJP
g(u) = J(x)ᵀu is linear in u, so the gradient of ⟨g(u), v⟩ with respect to
u is J(x)·v -- forward mode from two reverse passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinyreg import autograd, ops
from tinyreg.autograd import Tensor, enable_grad

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad"]

Argnums = int | tuple[int, ...]


def grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function x ↦ ∇f(x) (a tuple of gradients when ``argnums`` is a tuple)."""

    def gradient(*args: Any) -> Any:
        return value_and_grad(f, argnums)(*args)[1]

    return gradient


def value_and_grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function x ↦ (f(x), ∇f(x)); f must return a one-element tensor."""

    def value_and_gradient(*args: Any) -> tuple[Tensor, Any]:
        with enable_grad():
            args, variables = _with_variables(args, argnums)
            value = _call(f, args)
            if value.size != 1:
                raise ValueError(
                    f"func.grad: f must return a one-element tensor, got shape {value.shape}; "
                    "use func.jacobian for a vector-valued function"
                )
            nested = _stays_differentiable(value, variables)
            grads = _gradients(value, variables, None, nested)
        gradients = grads[0] if isinstance(argnums, int) else grads
        return (value if nested else value.detach()), gradients

    return value_and_gradient


def jacobian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """The function x ↦ J(x), one backward pass per element of f(x)."""

    def jacobian_of_f(*args: Any) -> Tensor:
        with enable_grad():
            args, (variable,) = _with_variables(args, argnums)
            out = _call(f, args)
            nested = _stays_differentiable(out, [variable])
            rows = [
                _gradients(out, [variable], seed, nested, retain=True)[0]
                for seed in np.eye(out.size).reshape((out.size, *out.shape))
            ]
            if not rows:
                return Tensor(np.zeros(out.shape + variable.shape))
            return ops.stack(rows).reshape(out.shape + variable.shape)

    return jacobian_of_f


def hessian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """The function x ↦ H(x) = ∇²f(x), as ``jacobian(grad(f))``; shape ``x.shape * 2``."""
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> tuple[Tensor, Tensor]:
    """(f(x), H(x)·v) for f returning a one-element tensor: two backward passes, no matrix."""
    with enable_grad():
        _, (variable,) = _with_variables((x,), 0)
        value = f(variable)
        (gradient,) = _gradients(value, [variable], None, nested=True)
        directional = (gradient * _as_tensor_or_array(v)).sum()
        nested = _stays_differentiable(directional, [variable])
        (product,) = _gradients(directional, [variable], None, nested)
    return (value if nested else value.detach()), product


def jvp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> tuple[Tensor, Tensor]:
    """(f(x), J(x)·v) by the double-VJP trick (see the module docstring)."""
    with enable_grad():
        _, (variable,) = _with_variables((x,), 0)
        out = f(variable)
        cotangent = Tensor(np.zeros(out.shape), requires_grad=True)
        (transposed,) = _gradients(out, [variable], cotangent, nested=True)
        directional = (transposed * _as_tensor_or_array(v)).sum()
        nested = _stays_differentiable(directional, [variable, cotangent])
        (product,) = _gradients(directional, [cotangent], None, nested)
    return (out if nested else out.detach()), product


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _with_variables(args: tuple[Any, ...], argnums: Argnums) -> tuple[tuple, list[Tensor]]:
    """``args`` with each differentiated argument replaced by a fresh variable, and those.

    An argument that requires grad becomes a new node computed from it (so
    the result stays differentiable with respect to it, and this
    transform's gradient is with respect to its own node only); anything
    else becomes a new leaf that requires grad.
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    replaced = list(args)
    for position in positions:
        if not -len(args) <= position < len(args):
            raise IndexError(f"argnums {argnums!r} out of range for {len(args)} argument(s)")
        x = args[position]
        if isinstance(x, Tensor) and x.requires_grad:
            replaced[position] = ops.reshape(x, shape=x.shape)
        else:
            replaced[position] = Tensor(x, requires_grad=True)
    return tuple(replaced), [replaced[p] for p in positions]


def _call(f: Callable[..., Any], args: tuple[Any, ...]) -> Tensor:
    out = f(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"the function must return a Tensor, got {type(out).__name__}")
    return out


def _stays_differentiable(out: Tensor, variables: list[Tensor]) -> bool:
    """True if ``out`` depends on a tensor that requires grad other than ``variables``' leaves.

    Then the derivative must be recorded (``create_graph``) for whoever
    differentiates it next.
    """
    own = {v for v in variables if v.is_leaf}
    stack, seen = [out], set()
    while stack:
        t = stack.pop()
        if t in seen or not t.requires_grad:
            continue
        seen.add(t)
        if t.is_leaf or t.inputs is None:  # a leaf, or a result whose graph was freed
            if t not in own:
                return True
        else:
            stack.extend(t.parents)
    return False


def _gradients(
    out: Tensor, variables: list[Tensor], seed: Any, nested: bool, retain: bool = False
) -> tuple[Tensor, ...]:
    """d⟨seed, out⟩/d variable for each variable; zeros where ``out`` does not depend on it."""
    if not out.requires_grad:
        return tuple(Tensor(np.zeros(v.shape)) for v in variables)
    grads = autograd.grad(
        out, variables, seed, retain_graph=retain or nested, create_graph=nested, allow_unused=True
    )
    return tuple(
        Tensor(np.zeros(v.shape)) if g is None else g for g, v in zip(grads, variables, strict=True)
    )


def _as_tensor_or_array(v: Any) -> Any:
    return v if isinstance(v, Tensor) else np.asarray(v, dtype=np.float64)
