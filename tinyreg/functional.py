"""Neural-network functions: activations, dropout, the linear layer, losses.

``tinyreg.functional`` plays the part of ``torch.nn.functional``. Activations
are the primitives of :mod:`tinyreg.ops`. ``linear`` and the losses are ops
of their own, defined with the same :func:`~tinyreg.autograd.op` decorator:
fused into one node each, they are both shorter to read as maths and much
cheaper than a chain of small ops (one Python-level node instead of four or
five per layer or loss).

Every loss takes ``reduction`` = ``"mean"`` (average over all elements, the
default), ``"sum"`` or ``"none"`` (the elementwise losses), as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, op
from tinyreg.ops import log_softmax, relu, sigmoid, softmax, tanh
from tinyreg.random import resolve_generator
from tinyreg.validation import check_choice, check_in_range

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "l1_loss",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

REDUCTIONS = ("mean", "sum", "none")


@op
def linear(x, weight, bias=None):
    """``x @ weightᵀ + bias``: x is (..., in), weight (out, in), bias (out,).

    VJPs: dx = g·W; dW = gᵀ·x summed over all leading (batch) axes;
    db = g summed over them (the engine's unbroadcast does that sum).
    An input whose last axis is not ``in`` long is a ValueError naming both.
    """
    if np.ndim(x) == 0 or np.shape(x)[-1] != np.shape(weight)[-1]:
        raise ValueError(
            f"linear: the input (shape {np.shape(x)}) has {np.shape(x)[-1] if np.ndim(x) else 0} "
            f"features on its last axis, but the weight (shape {np.shape(weight)}) takes "
            f"in_features={np.shape(weight)[-1]}"
        )
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out


linear.defvjp(
    lambda g, out, x, weight, bias: g @ weight,
    lambda g, out, x, weight, bias: g.reshape(-1, g.shape[-1]).T @ x.reshape(-1, x.shape[-1]),
    lambda g, out, x, weight, bias: g,
)


def dropout(
    x: Any, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> Tensor:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by 1/(1 − p).

    The expected output equals the input, so evaluation needs no rescaling:
    in eval mode (``training=False``) and for ``p = 0`` this is the identity;
    ``p = 1`` gives zeros. Backward multiplies by the same mask as forward.
    """
    p = check_in_range("dropout probability p", p, 0.0, 1.0)
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = resolve_generator(generator).random(x.shape) >= p
        mask = np.multiply(keep, 1.0 / (1.0 - p), dtype=x.dtype)
    return x * mask  # an ops.mul with a constant: its VJP is g * mask


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    """Elementwise losses reduced as ``reduction`` says (their mean, their sum, or themselves)."""
    check_choice("reduction", reduction, REDUCTIONS)
    if reduction == "mean":
        return np.asarray(values.sum() / max(values.size, 1))
    if reduction == "sum":
        return np.asarray(values.sum())
    return values


def _weight(g: Any, reduction: str, size: int) -> Any:
    """g times d(reduced loss)/d(each elementwise loss): g / n for "mean", else g.

    A loss's VJP is then ``_weight(g, ...) * (elementwise derivative)``.
    """
    return g / max(size, 1) if reduction == "mean" else g


def _check_same_shape(name: str, input: np.ndarray, target: np.ndarray) -> None:
    if np.shape(input) != np.shape(target):
        raise ValueError(
            f"{name}: input has shape {np.shape(input)} but target has shape {np.shape(target)}"
        )


@op
def mse_loss(input, target, *, reduction="mean"):
    """Squared error (input − target)²: d/dinput = 2(input − target), d/dtarget = its negative."""
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def _mse_vjp_input(g, out, input, target, *, reduction):
    return 2 * _weight(g, reduction, input.size) * (input - target)


def _mse_vjp_target(g, out, input, target, *, reduction):
    return -2 * _weight(g, reduction, input.size) * (input - target)


mse_loss.defvjp(_mse_vjp_input, _mse_vjp_target)


@op
def l1_loss(input, target, *, reduction="mean"):
    """Absolute error |input − target|: d/dinput = sign(input − target), a constant."""
    _check_same_shape("l1_loss", input, target)
    return _reduce(np.abs(input - target), reduction)


def _l1_derivative(g, input, target, reduction):
    """g times d(loss)/d(input) = sign(input − target), a constant; d/d(target) is its negative."""
    sign = np.sign(np.asarray(input) - np.asarray(target))
    return _weight(g, reduction, input.size) * sign


l1_loss.defvjp(
    lambda g, out, input, target, *, reduction: _l1_derivative(g, input, target, reduction),
    lambda g, out, input, target, *, reduction: -_l1_derivative(g, input, target, reduction),
)


@op
def binary_cross_entropy_with_logits(input, target, *, reduction="mean"):
    """−[t·log σ(x) + (1 − t)·log(1 − σ(x))] for logits x and targets t in [0, 1].

    Written as max(x, 0) − x·t + log(1 + exp(−|x|)), which never overflows.
    d/dx = σ(x) − t;  d/dt = −x.
    """
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    values = np.maximum(input, 0) - input * target + np.log1p(np.exp(-np.abs(input)))
    return _reduce(values, reduction)


binary_cross_entropy_with_logits.defvjp(
    lambda g, out, input, target, *, reduction: (
        _weight(g, reduction, input.size) * (sigmoid(input) - target)
    ),
    lambda g, out, input, target, *, reduction: -_weight(g, reduction, input.size) * input,
)


@op
def cross_entropy(input, target, *, reduction="mean"):
    """−log softmax(input)[target] for logits (N, C) and integer class targets (N,).

    Uses log_softmax, so large logits do not overflow.
    d/dlogits = softmax(logits) − onehot(target). Targets are not differentiable.
    """
    target = _class_indices(input, target)
    log_probs = log_softmax.forward(input, axis=1)
    return _reduce(-log_probs[np.arange(input.shape[0]), target], reduction)


def _cross_entropy_vjp(g, out, input, target, *, reduction):
    onehot = np.zeros(input.shape, dtype=input.dtype)
    onehot[np.arange(input.shape[0]), np.asarray(target).astype(np.intp)] = 1.0
    weight = _weight(g, reduction, input.shape[0])
    return (softmax(input, axis=1) - onehot) * weight.reshape(-1, 1)


cross_entropy.defvjp(_cross_entropy_vjp, None)


def _class_indices(input: np.ndarray, target: Any) -> np.ndarray:
    """``target`` checked to hold one class index in [0, C) per row of the (N, C) ``input``."""
    target = np.asarray(target)
    if input.ndim != 2:
        raise ValueError(
            f"cross_entropy: logits must be 2-D (batch, classes), got shape {input.shape}"
        )
    if target.shape != input.shape[:1]:
        raise ValueError(
            f"cross_entropy: target must have shape {input.shape[:1]} for logits of shape "
            f"{input.shape}, got {target.shape}"
        )
    if target.dtype.kind not in "iu" and not np.array_equal(target, np.round(target)):
        raise ValueError("cross_entropy: target must hold integer class indices")
    target = target.astype(np.intp)
    if target.size and (target.min() < 0 or target.max() >= input.shape[1]):
        raise ValueError(
            f"cross_entropy: class indices must be in [0, {input.shape[1] - 1}], "
            f"got values from {target.min()} to {target.max()}"
        )
    return target
