"""Check a function's first and second derivatives against finite differences.

For a function f of tensors, backpropagation computes vector-Jacobian
products uᵀJ exactly (up to rounding). Finite differences estimate the
Jacobian J independently, from forward evaluations only:

    J[:, j] ≈ (f(x + h·e_j) − f(x − h·e_j)) / (2h)

The central difference has error O(h²) from truncation and O(ε/h) from
rounding (ε = machine epsilon); h ≈ ∛ε · max(1, |x_j|) balances the two,
leaving about 10 correct digits in float64. So the check runs in float64
whatever the inputs' dtype.

``gradcheck`` first checks what finite differences cannot see (the
function returns a Tensor, gradients have their inputs' shapes, a zero
upstream gradient gives zero gradients, two backward passes agree exactly),
then compares the full Jacobian (one backward pass per output element, two
forward passes per input element) or, with ``fast=True``, one random
projection uᵀJv per input.

``gradgradcheck`` checks second derivatives the same way: it runs
``gradcheck`` on the function (inputs, u) ↦ uᵀJ(inputs), computed by a
backward pass recorded with ``create_graph=True``. Its exact derivatives
are the second derivatives of f (and J itself, with respect to u), and its
finite differences need only first derivatives, which backpropagation gives
to rounding error: the same error analysis, one order up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, enable_grad, grad, no_grad
from tinyreg.ops import concatenate
from tinyreg.random import seed_alias

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (the message says where and by how much)."""


@seed_alias
def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    fast: bool = False,
    generator: int | np.random.Generator = 0,
) -> bool:
    """Compare ``fn``'s backward pass with central finite differences; True or GradcheckError.

    Args:
        fn: takes the inputs as tensors and returns one Tensor. It must be
            deterministic (fix any random mask outside it).
        inputs: tensors, arrays or numbers. Each is copied to float64;
            tensors with ``requires_grad=False`` are held constant, every
            other input is differentiated.
        eps: finite-difference step; default ∛ε·max(1, |x|) per element.
        atol: an entry passes when |analytic − numerical| ≤ atol + rtol·|numerical|.
        rtol: the relative part of that tolerance.
        fast: compare one random projection uᵀJv per input instead of the
            full Jacobian (two forward passes per input instead of two per
            element).
        generator: the source of the random u and v: an int (the default,
            0, draws the same ones at every call) or a numpy Generator (used
            and advanced). ``seed`` is another spelling of ``generator``,
            deprecated.

    Raises:
        GradcheckError: naming the input, the index of the worst entry and
            both values; or when a zero upstream gradient gives a nonzero
            gradient, a gradient has the wrong shape, or two backward passes
            differ.
        TypeError: ``fn`` does not return a Tensor.
    """
    xs = _float64_inputs(inputs)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    rng = np.random.default_rng(generator)
    u = rng.standard_normal(_deterministic_output(fn, xs).shape)
    projected = _check_structure(fn, xs, checked, u)
    if fast:
        _check_projection(fn, xs, checked, u, projected, rng, eps, atol, rtol)
    else:
        _check_jacobian(fn, xs, checked, eps, atol, rtol)
    return True


@seed_alias
def gradgradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    grad_outputs: Any = None,
    eps: float | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    fast: bool = False,
    generator: int | np.random.Generator = 0,
) -> bool:
    """Compare ``fn``'s second derivatives with finite differences of its first; True or raises.

    Runs :func:`gradcheck` on (inputs, u) ↦ uᵀJ(inputs), the gradients of
    ⟨u, fn(inputs)⟩ computed with ``create_graph=True``. ``grad_outputs``
    is u (random, from ``generator``, when None); the other arguments are
    :func:`gradcheck`'s. An op whose backward is not itself differentiable
    fails here with the engine's error naming it. First, the first
    derivatives computed under ``create_graph=True`` must equal the ordinary
    ones (within atol + rtol·|ordinary|): a VJP that computes something else
    on tensors than on arrays fails here, naming the input.
    """
    xs = _float64_inputs(inputs)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    out_shape = _output(fn, xs).shape
    rng = np.random.default_rng(generator)
    if grad_outputs is None:
        grad_outputs = rng.standard_normal(out_shape)
    u = Tensor(np.array(np.asarray(grad_outputs), dtype=np.float64), requires_grad=True)
    _check_recorded_first_derivatives(fn, xs, checked, u.data, atol, rtol)

    def first_derivatives(*args: Tensor) -> Tensor:
        *ys, v = args
        with enable_grad():  # gradcheck also evaluates it under no_grad, on constant copies
            ys = [
                Tensor(y.data, requires_grad=True) if i in checked and not y.requires_grad else y
                for i, y in enumerate(ys)
            ]
            wrt = [ys[i] for i in checked]
            out = _output(fn, ys)
            grads = (
                grad(out, wrt, v, create_graph=True, allow_unused=True)
                if out.requires_grad
                else [None] * len(wrt)
            )
        flat = [
            Tensor(np.zeros(y.size)) if g is None else g.reshape(-1)
            for g, y in zip(grads, wrt, strict=True)
        ]
        return concatenate(flat)

    return gradcheck(first_derivatives, [*xs, u], eps, atol, rtol, fast, rng)


# ---------------------------------------------------------------------------
# The pieces of gradcheck
# ---------------------------------------------------------------------------


def _check_structure(
    fn: Callable[..., Any], xs: list[Tensor], checked: list[int], u: np.ndarray
) -> list[np.ndarray]:
    """What finite differences cannot see; returns uᵀJ for each checked input.

    Gradients have their inputs' shapes, two backward passes through one
    graph agree exactly, and a zero upstream gradient gives zero gradients.
    """
    first, second, zero = _vjps(fn, xs, checked, [u, u, np.zeros(u.shape)])
    for k, i in enumerate(checked):
        name = f"input {i}"
        if first[k].shape != xs[i].shape:
            raise GradcheckError(
                f"gradcheck: the gradient of {name} has shape {first[k].shape}, "
                f"the input has shape {xs[i].shape}"
            )
        if not np.array_equal(first[k], second[k], equal_nan=True):
            raise GradcheckError(
                f"gradcheck: two backward passes gave different gradients for {name}"
            )
        if np.any(zero[k] != 0):
            raise GradcheckError(
                f"gradcheck: a zero upstream gradient gave a nonzero gradient for {name}"
            )
    return first


def _deterministic_output(fn: Callable[..., Any], xs: list[Tensor]) -> Tensor:
    """``fn(*xs)``, after checking that two evaluations at the same inputs agree exactly:
    finite differences of a random function (dropout in training mode) mean nothing."""
    out = _output(fn, xs)
    with no_grad():
        again = _output(fn, [x.detach() for x in xs])
    if not np.array_equal(out.data, again.data, equal_nan=True):
        raise GradcheckError(
            "gradcheck: the function gave different outputs for the same inputs, so it is "
            "random (dropout in training mode, say): call model.eval(), or fix its mask or "
            "generator, before checking its gradients"
        )
    return out


def _check_recorded_first_derivatives(
    fn: Callable[..., Any],
    xs: list[Tensor],
    checked: list[int],
    u: np.ndarray,
    atol: float,
    rtol: float,
) -> None:
    """uᵀJ from an ordinary backward and from one under ``create_graph`` agree, per input."""
    wrt = [xs[i] for i in checked]
    with enable_grad():
        out = _output(fn, xs)
        if not out.requires_grad:
            return
        ordinary = grad(out, wrt, u, retain_graph=True, allow_unused=True)
        recorded = grad(out, wrt, u, create_graph=True, allow_unused=True)
    for i, a, b in zip(checked, ordinary, recorded, strict=True):
        a_values = np.zeros(xs[i].shape) if a is None else a.data
        b_values = np.zeros(xs[i].shape) if b is None else b.data
        bad = ~(np.abs(a_values - b_values) <= atol + rtol * np.abs(a_values))
        if bad.any():
            at = tuple(int(k) for k in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradgradcheck: the first derivative of input {i} at {at} is "
                f"{float(b_values[at])!r} under create_graph=True but {float(a_values[at])!r} "
                "in an ordinary backward: a VJP computes something else on tensors than on arrays"
            )


def _check_projection(
    fn: Callable[..., Any],
    xs: list[Tensor],
    checked: list[int],
    u: np.ndarray,
    projected: list[np.ndarray],
    rng: np.random.Generator,
    eps: float | None,
    atol: float,
    rtol: float,
) -> None:
    """uᵀJv for a random v, per input: from backward (uᵀJ)·v, and from a difference along v."""
    for k, i in enumerate(checked):
        v = rng.standard_normal(xs[i].shape)
        h = float(np.max(_step(xs[i].data, eps)))
        ahead, behind = _perturbed(fn, xs, i, h * v), _perturbed(fn, xs, i, -h * v)
        numeric = np.sum(u * (ahead - behind)) / (2 * h)
        analytic = np.sum(projected[k] * v)
        _compare(f"input {i}", np.array([analytic]), np.array([numeric]), atol, rtol, _projection)


def _check_jacobian(
    fn: Callable[..., Any],
    xs: list[Tensor],
    checked: list[int],
    eps: float | None,
    atol: float,
    rtol: float,
) -> None:
    """The full Jacobian: row k from backward with upstream e_k, column j from differences."""
    out_shape = _output(fn, xs).shape
    n_out = int(np.prod(out_shape))
    basis = list(np.eye(n_out).reshape((n_out, *out_shape)))
    rows = _vjps(fn, xs, checked, basis)
    for k, i in enumerate(checked):
        x = xs[i].data
        analytic = (
            np.stack([row[k].reshape(-1) for row in rows]) if n_out else np.zeros((0, x.size))
        )
        numeric = np.empty((n_out, x.size))
        steps = _step(x, eps).reshape(-1)
        for j in range(x.size):
            flat = np.zeros(x.size)
            flat[j] = steps[j]
            delta = flat.reshape(x.shape)
            diff = _perturbed(fn, xs, i, delta) - _perturbed(fn, xs, i, -delta)
            numeric[:, j] = diff.reshape(-1) / (2 * steps[j])
        _compare(f"input {i}", analytic, numeric, atol, rtol, _entry_names(i, out_shape, x.shape))


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _float64_inputs(inputs: Sequence[Any]) -> list[Tensor]:
    """Float64 copies of ``inputs``; arrays and numbers become tensors that require grad."""
    copies = []
    for x in inputs:
        wants_grad = x.requires_grad if isinstance(x, Tensor) else True
        copies.append(Tensor(np.array(np.asarray(x), dtype=np.float64), requires_grad=wants_grad))
    return copies


def _output(fn: Callable[..., Any], xs: Sequence[Tensor]) -> Tensor:
    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: the function must return a Tensor, got {type(out).__name__}")
    return out


def _vjps(
    fn: Callable[..., Any], xs: list[Tensor], checked: list[int], upstreams: list[np.ndarray]
) -> list[list[np.ndarray]]:
    """For each upstream gradient u, the gradients uᵀJ of the checked inputs, from one graph."""
    out = _output(fn, xs)
    wrt = [xs[i] for i in checked]
    results = []
    for u in upstreams:
        if not out.requires_grad:  # no input reaches the output: every derivative is 0
            results.append([np.zeros(x.shape) for x in wrt])
            continue
        grads = grad(out, wrt, u, retain_graph=True, allow_unused=True)
        results.append(
            [
                np.zeros(x.shape) if g is None else g.data.copy()
                for g, x in zip(grads, wrt, strict=True)
            ]
        )
    return results


def _step(x: np.ndarray, eps: float | None) -> np.ndarray:
    if eps is not None:
        return np.full(x.shape, float(eps))
    return np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x))


def _perturbed(fn: Callable[..., Any], xs: list[Tensor], i: int, delta: np.ndarray) -> np.ndarray:
    """f evaluated with input i shifted by ``delta`` (no graph recorded)."""
    shifted = [
        Tensor(x.data + delta, requires_grad=False) if k == i else x.detach()
        for k, x in enumerate(xs)
    ]
    with no_grad():
        return np.array(_output(fn, shifted).data, dtype=np.float64)


def _projection(entry: tuple[int, ...]) -> str:
    return "the random projection uᵀJv"


def _entry_names(
    i: int, out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> Callable[[tuple[int, ...]], str]:
    """Names of Jacobian entries (k, j) for error messages: d out(...) / d input_i(...)."""

    def name(k_j: tuple[int, ...]) -> str:
        k, j = k_j
        out_index = np.unravel_index(k, out_shape) if out_shape else ()
        in_index = np.unravel_index(j, in_shape) if in_shape else ()
        return (
            f"d out{tuple(int(a) for a in out_index)} / d input{i}{tuple(int(a) for a in in_index)}"
        )

    return name


def _compare(
    name: str,
    analytic: np.ndarray,
    numeric: np.ndarray,
    atol: float,
    rtol: float,
    labels: Callable[[tuple[int, ...]], str],
) -> None:
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    bad = ~(error <= allowed)  # also catches NaN
    if bad.any():
        excess = np.where(np.isnan(error), np.inf, error - allowed)
        worst = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), error.shape))
        raise GradcheckError(
            f"gradcheck failed for {name} at {labels(worst)}: analytic {float(analytic[worst])!r}, "
            f"numerical {float(numeric[worst])!r} (|difference| {error[worst]:.3g} > "
            f"atol + rtol·|numerical| = {allowed[worst]:.3g}); {int(bad.sum())} of {bad.size} "
            "entries disagree"
        )
