r"""Proximal operators on arrays: the exact step that handles a non-smooth penalty.

The proximal operator of a function R with step t > 0 maps a point w to

    prox_{tR}(w) = argmin_z  R(z) + ‖z − w‖² / (2t),

the point that trades a smaller R against staying close to w. For a convex R
the minimiser exists and is unique. A proximal gradient step on loss + R,
w ← prox_{tR}(w − t·∇loss(w)), converges to the minimiser of loss + R even
when R has kinks, where a gradient step would only oscillate.

For R(z) = a·‖z‖₁ the problem splits into one problem per coordinate,
min_z a·|z| + (z − w)²/(2t), whose optimality condition is
0 ∈ a·t·∂|z| + (z − w):

* z > 0 needs z = w − a·t, so w > a·t;
* z < 0 needs z = w + a·t, so w < −a·t;
* z = 0 needs |w| ≤ a·t (the subdifferential of |z| at 0 is [−1, 1]).

Together: z = sign(w)·max(|w| − a·t, 0), the *soft-threshold* at a·t.
Weights within a·t of zero become exactly 0; the others move a·t
towards 0. That is where exact zeros come from, in the proximal optimizers
(``tinyreg.penalties``) and in the reference lasso solvers (``tinyreg.linear``)
alike.

For R(z) = a·‖z‖₂ on a block of coordinates (the group lasso), the
optimality condition is 0 ∈ a·t·∂‖z‖ + (z − w), and ∂‖z‖ is z/‖z‖ away
from 0, the unit ball at 0:

* z = 0 needs ‖w‖ ≤ a·t;
* otherwise z = w·(1 − a·t/‖w‖): the *block soft-threshold*, which scales
  the whole block towards 0 and sets it to exactly 0 inside the ball.

With one step per coordinate -- min_z a·‖z‖ + Σᵢ (zᵢ − wᵢ)²/(2tᵢ), what
Adam's per-coordinate steps ask for -- write sᵢ = a·tᵢ. Then z = 0 exactly
when ‖w/s‖ ≤ 1 (elementwise wᵢ/sᵢ), and otherwise zᵢ = wᵢ·ρ/(ρ + sᵢ),
where ρ = ‖z‖ > 0 is the root of Σᵢ wᵢ²/(ρ + sᵢ)² = 1.
:func:`block_soft_threshold` computes both.

numpy only: the penalties and the reference solvers both import this
module, and it imports nothing of tinyreg.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

__all__ = ["block_soft_threshold", "row_norms", "soft_threshold"]

_Values = TypeVar("_Values", np.ndarray, float)


def soft_threshold(w: _Values, threshold: float | np.ndarray) -> _Values:
    """sign(w)·max(|w| − threshold, 0): the proximal step of threshold·‖w‖₁.

    Computed as w − clip(w, −threshold, threshold): whatever lies inside the
    band becomes exactly 0 (x − x is 0 in floating point), the rest moves
    ``threshold`` towards 0. ``w`` is an array, or one number (coordinate
    descent's scalar step); ``threshold`` is a number, or an array of
    per-coordinate thresholds shaped like ``w``.
    """
    if isinstance(w, float) and isinstance(threshold, float):
        # Speed: the same arithmetic on Python floats (np.clip costs microseconds a call)
        return w - min(max(w, -threshold), threshold)
    return w - np.clip(w, -threshold, threshold)


def _row_unit(w: np.ndarray) -> np.ndarray:
    """A power of 2 near the largest |wᵢ| of each row of ``w`` (1 for a zero row), as a column.

    Dividing by it changes only exponents (exact, but for subnormal numbers), and
    brings the row's largest value into [0.5, 1).
    """
    _, exponent = np.frexp(np.max(np.abs(w), axis=1, keepdims=True, initial=0))
    return np.ldexp(np.ones((), dtype=w.dtype), exponent)


def row_norms(w: np.ndarray) -> np.ndarray:
    """‖row‖₂ of each row of the 2-D array ``w``, with no square overflowing or underflowing.

    Computed as u·‖row/u‖ with u a power of 2 near the row's largest |wᵢ|.
    """
    w = np.asarray(w)
    unit = _row_unit(w)
    scaled = w / unit
    return (unit * np.sqrt(np.sum(scaled * scaled, axis=1, keepdims=True)))[:, 0]


def block_soft_threshold(w: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    """The proximal step of Σ_g ‖w_g‖₂ where the groups g are the rows of the 2-D array ``w``.

    ``threshold`` is a number s: the step t times the penalty's weight a
    (s = a·t). Each row is then scaled by max(0, 1 − s/‖row‖): rows with
    ‖row‖ ≤ s become exactly 0.

    ``threshold`` may also be an array s broadcastable to ``w``, one
    threshold sᵢ = a·tᵢ per coordinate: the exact minimiser of
    ‖z_g‖ + Σᵢ (zᵢ − wᵢ)²/(2sᵢ) for each row (the module docstring gives
    the conditions). A row is exactly 0 when ‖w_g/s_g‖ ≤ 1; otherwise
    zᵢ = wᵢ·ρ/(ρ + sᵢ), with ρ = ‖z_g‖ the root of

        g(ρ) = 1 / √(Σᵢ wᵢ²/(ρ + sᵢ)²) = 1,

    found by Newton's method on g, which is increasing and concave for
    ρ ≥ 0 (it is linear, (ρ + s)/‖w_g‖, when the sᵢ are equal). From a
    point left of the root, each Newton step lands left of the root again
    and the iterates increase monotonically, quadratically near the end.
    The start is the lower bound ρ₀ = max(‖w_g‖ − max sᵢ, ‖w_g‖ restricted
    to the sᵢ = 0, 0) (the root satisfies both: the sum is at least
    ‖w_g‖²/(ρ + max sᵢ)², and at least its sᵢ = 0 terms over ρ²). The
    iteration stops when a step moves ρ by at most 4·eps·(ρ + max sᵢ) -- a
    few roundings of ρ + max sᵢ -- or after 100 steps.

    Returns a new array of ``w``'s shape and dtype; ``w`` is not modified.
    """
    w = np.asarray(w)
    # In units of each row's _row_unit, squares neither overflow nor underflow; the result
    # is multiplied back. A threshold that overflows to inf in these units zeroes its row,
    # as it should.
    unit = _row_unit(w)
    w = w / unit
    with np.errstate(over="ignore"):
        s = np.asarray(threshold, dtype=w.dtype) / unit
    if np.ndim(threshold) == 0:
        norms = np.sqrt(np.sum(w * w, axis=1, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = np.where(norms > s, 1 - s / norms, 0).astype(w.dtype)
        return w * scale * unit
    s = np.broadcast_to(s, w.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scaled = np.where(w == 0, 0, w / s)  # wᵢ/sᵢ, and 0 where wᵢ = 0 (even if sᵢ = 0)
        active = np.sum(scaled * scaled, axis=1) > 1  # the rows that do not become 0
    z = np.zeros_like(w)
    if np.any(active):
        z[active] = _metric_block_shrink(w[active], s[active])
    return z * unit


def _metric_block_shrink(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """zᵢ = wᵢ·ρ/(ρ + sᵢ) for rows with ‖w/s‖ > 1, ρ by Newton (see block_soft_threshold)."""
    w2 = w * w
    norms = np.sqrt(np.sum(w2, axis=1))
    s_max = np.max(s, axis=1)
    unthresholded = np.sqrt(np.sum(np.where(s == 0, w2, 0), axis=1))
    rho = np.maximum(np.maximum(norms - s_max, unthresholded), 0)
    eps = np.finfo(w.dtype).eps
    moving = np.ones(len(rho), dtype=bool)
    for _ in range(100):
        num = w2[moving]
        # ρ + sᵢ, and 1 where wᵢ = 0: those terms are 0 (and ρ + sᵢ may be 0 there)
        denom = np.where(num > 0, rho[moving, None] + s[moving], 1)
        q = np.sum(num / denom**2, axis=1)  # Σ wᵢ²/(ρ + sᵢ)² = 1/g(ρ)²
        dq = np.sum(num / denom**3, axis=1)  # Σ wᵢ²/(ρ + sᵢ)³
        # Newton on g = q^(−1/2): g' = dq·q^(−3/2), so the step (1 − g)/g' is q·(√q − 1)/dq
        step = np.maximum(q * (np.sqrt(q) - 1) / dq, 0)
        rho[moving] += step
        moving[moving] = step > 4 * eps * (rho[moving] + s_max[moving])
        if not np.any(moving):
            break
    return w * (rho[:, None] / (rho[:, None] + s))
