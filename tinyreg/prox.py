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

numpy only: the penalties and the reference solvers both import this
module, and it imports nothing of tinyreg.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

__all__ = ["soft_threshold"]

_Values = TypeVar("_Values", np.ndarray, float)


def soft_threshold(w: _Values, threshold: float | np.ndarray) -> _Values:
    """sign(w)·max(|w| − threshold, 0): the proximal step of threshold·‖w‖₁.

    Computed as w − clip(w, −threshold, threshold): whatever lies inside the
    band becomes exactly 0 (x − x is 0 in floating point), the rest moves
    ``threshold`` towards 0. ``w`` is an array, or one number (coordinate
    descent's scalar step); ``threshold`` is a number, or an array of
    per-coordinate thresholds shaped like ``w``.
    """
    return w - np.clip(w, -threshold, threshold)
