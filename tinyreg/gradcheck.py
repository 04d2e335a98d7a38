"""Check a function's gradients against finite differences.

For a function f of tensors, backward() computes vector-Jacobian products
uᵀJ exactly (up to rounding). Finite differences estimate the Jacobian J
independently from forward evaluations only:

    J[:, j] ≈ (f(x + h·e_j) − f(x − h·e_j)) / (2h)

The central difference has error O(h²) from truncation and O(ε/h) from
rounding (ε = machine epsilon); h ≈ ∛ε · max(1, |x_j|) balances the two,
leaving about 10 correct digits in float64. So the check runs in float64
whatever the inputs' dtype.

``gradcheck`` compares the full Jacobian (one backward pass per output
element, two forward passes per input element), or with ``fast=True`` a
single random projection uᵀJv per input. It also checks that a zero upstream
gradient gives zero gradients, that the gradients have the inputs' shapes,
and that two backward passes through the same graph agree exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, no_grad

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (the message says where and by how much)."""


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


def _analytic_vjps(fn, xs, upstreams) -> list[list[np.ndarray]]:
    """For each upstream gradient u, the list of input gradients uᵀJ from one graph."""
    out = _output(fn, xs)
    results = []
    for u in upstreams:
        for x in xs:
            x.grad = None
        out.backward(u, retain_graph=True)
        results.append([np.zeros(x.shape) if x.grad is None else x.grad.copy() for x in xs])
    return results


def _step(x: np.ndarray, eps: float | None) -> np.ndarray:
    if eps is not None:
        return np.full(x.shape, float(eps))
    return np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x))


def _perturbed(fn, xs, i, delta) -> np.ndarray:
    """f evaluated with input i shifted by ``delta`` (no graph recorded)."""
    shifted = [
        Tensor(x.data + delta, requires_grad=False) if k == i else x.detach()
        for k, x in enumerate(xs)
    ]
    with no_grad():
        return np.array(_output(fn, shifted).data, dtype=np.float64)


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
        worst = np.unravel_index(int(np.argmax(excess)), error.shape)
        raise GradcheckError(
            f"gradcheck failed for {name} at {labels(worst)}: analytic {float(analytic[worst])!r}, "
            f"numerical {float(numeric[worst])!r} (|difference| {error[worst]:.3g} > "
            f"atol + rtol·|numerical| = {allowed[worst]:.3g}); {int(bad.sum())} of {bad.size} "
            "entries disagree"
        )


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    fast: bool = False,
    seed: int = 0,
) -> bool:
    """Compare ``fn``'s backward() with central finite differences; True or GradcheckError.

    Args:
        fn: takes the inputs as tensors and returns one Tensor. It must be
            deterministic (fix any random mask outside it).
        inputs: tensors, arrays or numbers. Each is copied to float64;
            tensors with ``requires_grad=False`` are held constant, every
            other input is differentiated.
        eps: finite-difference step; default ∛ε·max(1, |x|) per element.
        atol, rtol: an entry passes when |analytic − numerical| ≤
            atol + rtol·|numerical|.
        fast: compare one random projection uᵀJv per input instead of the
            full Jacobian (two forward passes per input instead of two per
            element).
        seed: seeds the random u and v.

    Raises:
        GradcheckError: naming the input, the index of the worst entry and
            both values; or when a zero upstream gradient gives a nonzero
            gradient, a gradient has the wrong shape, or two backward passes
            differ.
    """
    xs = _float64_inputs(inputs)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    out = _output(fn, xs)
    out_shape = out.shape
    rng = np.random.default_rng(seed)

    # Structural checks: shapes, zero in -> zero out, two passes agree.
    u = rng.standard_normal(out_shape)
    first, second = _analytic_vjps(fn, xs, [u, u])
    (zero,) = _analytic_vjps(fn, xs, [np.zeros(out_shape)])
    for i in checked:
        name = f"input {i}"
        if xs[i].grad is not None and xs[i].grad.shape != xs[i].shape:
            raise GradcheckError(
                f"gradcheck: the gradient of {name} has shape {xs[i].grad.shape}, "
                f"the input has shape {xs[i].shape}"
            )
        if not np.array_equal(first[i], second[i], equal_nan=True):
            raise GradcheckError(
                f"gradcheck: two backward passes gave different gradients for {name}"
            )
        if np.any(zero[i] != 0):
            raise GradcheckError(
                f"gradcheck: a zero upstream gradient gave a nonzero gradient for {name}"
            )

    if fast:
        for i in checked:
            x = xs[i].data
            v = rng.standard_normal(x.shape)
            h = float(np.max(_step(x, eps)))
            numeric = np.sum(u * (_perturbed(fn, xs, i, h * v) - _perturbed(fn, xs, i, -h * v))) / (
                2 * h
            )
            analytic = np.sum(first[i] * v)
            _compare(
                f"input {i}",
                np.array([analytic]),
                np.array([numeric]),
                atol,
                rtol,
                lambda _: "the random projection uᵀJv",
            )
        return True

    # Full Jacobians: row k of J from backward with upstream e_k, column j from differences.
    n_out = int(np.prod(out_shape))
    basis = np.eye(n_out).reshape((n_out, *out_shape))
    rows = _analytic_vjps(fn, xs, list(basis))
    for i in checked:
        x = xs[i].data
        analytic = (
            np.stack([row[i].reshape(-1) for row in rows]) if n_out else np.zeros((0, x.size))
        )
        numeric = np.empty((n_out, x.size))
        steps = _step(x, eps).reshape(-1)
        for j in range(x.size):
            delta = np.zeros(x.size)
            delta[j] = steps[j]
            delta = delta.reshape(x.shape)
            diff = _perturbed(fn, xs, i, delta) - _perturbed(fn, xs, i, -delta)
            numeric[:, j] = diff.reshape(-1) / (2 * steps[j])

        def where(k_j, x_shape=x.shape, i=i):
            k, j = k_j
            out_index = np.unravel_index(k, out_shape) if out_shape else ()
            in_index = np.unravel_index(j, x_shape) if x_shape else ()
            return (
                f"d out{tuple(int(a) for a in out_index)} / "
                f"d input{i}{tuple(int(a) for a in in_index)}"
            )

        _compare(f"input {i}", analytic, numeric, atol, rtol, where)
    return True
