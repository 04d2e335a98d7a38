"""Gradient clipping, PyTorch's ``torch.nn.utils``: reached as ``tinyreg.nn.utils``.

Both functions rescale or cut the ``.grad`` of the parameters in place,
between ``backward()`` and the optimizer's ``step()``::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

:func:`clip_grad_norm_` treats all the gradients as one vector g: with
‖g‖ its p-norm (the p-norm of the parameters' p-norms; p = inf: the
largest |gᵢ|), it multiplies every gradient by c = max_norm/(‖g‖ + 1e-6)
when c < 1, so that ‖g‖ becomes (just under) ``max_norm`` and the
direction is kept. :func:`clip_grad_value_` cuts each entry to
[−clip_value, clip_value], which changes the direction.

Parameters without a gradient are left out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, grad_array
from tinyreg.validation import check_nonnegative

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _tensors(parameters: Any) -> list[Tensor]:
    """``parameters`` (a Tensor or an iterable of them) as a list; TypeError for anything else."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"parameters must be tensors, got {type(p).__name__}")
    return params


def _grads(params: list[Tensor]) -> list[np.ndarray]:
    """The gradient arrays that ``params`` hold now (those without one left out)."""
    return [g for g in (grad_array(p) for p in params) if g is not None]


def _norm(values: np.ndarray, p: float) -> Any:
    """The p-norm of ``values`` as one vector (p = inf: the largest magnitude)."""
    flat = np.abs(values.ravel())
    if p == math.inf:
        return flat.max(initial=0.0)
    if p == 2.0:
        return np.sqrt(np.dot(flat, flat))
    return np.sum(flat**p) ** (1.0 / p)


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their total ``norm_type``-norm is at most ``max_norm``.

    The total norm is the norm of the vector of every gradient's norm (the
    norm of all the entries at once). When c = max_norm/(total + 1e-6) is
    below 1, every gradient is multiplied by c. Returns the total norm
    before clipping, as a Tensor of shape () in the gradients' dtype.

    Args:
        parameters: a Tensor or an iterable of tensors (``model.parameters()``).
        max_norm: the largest total norm allowed, ≥ 0 (``math.inf``: measure, never clip).
        norm_type: p > 0 of the p-norm, ``math.inf`` or ``"inf"`` for the largest |gᵢ|.
        error_if_nonfinite: raise RuntimeError when the total norm is NaN or
            infinite (otherwise the gradients are scaled by c all the same:
            NaN for a NaN norm, 0 for an infinite one).
    """
    if max_norm != math.inf:
        max_norm = check_nonnegative("max_norm", max_norm)
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        p = math.nan
    if not p > 0:
        raise ValueError(f"norm_type must be a positive number or inf, got {norm_type!r}")
    return _clip_norm(_tensors(parameters), max_norm, p, norm_type, error_if_nonfinite)


def _clip_norm(
    params: list[Tensor], max_norm: float, p: float, norm_type: Any, error_if_nonfinite: bool
) -> Tensor:
    """:func:`clip_grad_norm_` on checked arguments, with the gradients ``params`` hold now.

    One function from the gradients to the clipped gradients and the norm:
    what ``tinyreg.compile`` records of a clipping, and calls again at replay.
    """
    grads = _grads(params)
    if not grads:
        return Tensor(np.array(0.0))
    dtype = np.result_type(*grads)
    total = _norm(np.array([_norm(g, p) for g in grads], dtype=dtype), p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total {norm_type}-norm of the gradients is {float(total)}, so they cannot be "
            "clipped; error_if_nonfinite=False scales them by it all the same"
        )
    coefficient = max_norm / (total + 1e-6)
    if not coefficient >= 1.0:  # NaN too, as PyTorch: a NaN norm spreads to the gradients
        with np.errstate(invalid="ignore"):  # an infinite entry times 0 is NaN, as documented
            for g in grads:
                g *= coefficient
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Cut every gradient entry to [−clip_value, clip_value], in place.

    Args:
        parameters: a Tensor or an iterable of tensors (``model.parameters()``).
        clip_value: the largest magnitude allowed, ≥ 0.
    """
    clip_value = check_nonnegative("clip_value", clip_value)
    _clip_value(_tensors(parameters), clip_value)


def _clip_value(params: list[Tensor], clip_value: float) -> None:
    """:func:`clip_grad_value_` on checked arguments, with the gradients ``params`` hold now.

    What ``tinyreg.compile`` records of a clipping, and calls again at replay.
    """
    for g in _grads(params):
        np.clip(g, -clip_value, clip_value, out=g)
