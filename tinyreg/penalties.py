"""Penalties: what regularization adds to the objective, in one protocol.

A penalty R(w) is split into a smooth part, handled by its gradient, and a
non-smooth part, handled by its proximal step::

    prox(w, t) = argmin_z  R_nonsmooth(z) + ‖z − w‖² / (2t)

(with an array t, one step per coordinate: Σᵢ (zᵢ − wᵢ)² / (2tᵢ) in place
of the last term; for L1, a soft threshold at tᵢ·alpha per coordinate).

An optimizer step on loss + R is then *proximal gradient descent*:

    w ← prox(w − t·(∇loss(w) + grad(w)), t)

which converges to the exact minimiser of loss + R -- exact zeros included,
because the proximal step of the L1 norm (soft-thresholding, from
:mod:`tinyreg.prox`) sets small weights to 0 exactly. The conventions match
scikit-learn's ``ElasticNet``:

====================  ============================  ===========  ==================================
penalty               value added to the objective  ``grad(w)``  ``prox(w, t)``
====================  ============================  ===========  ==================================
``L2(a)``             (a/2)·Σw²                     a·w          w
``L1(a)``             a·Σ|w|                        0            sign(w)·max(|w| − t·a, 0)
``ElasticNet(a, r)``  a·r·Σ|w| + (a·(1 − r)/2)·Σw²  a·(1 − r)·w  soft-threshold at t·a·r
``GroupLasso(a)``     a·Σ_g ‖w_g‖₂                  0            w_g·max(0, 1 − t·a/‖w_g‖) per group
====================  ============================  ===========  ==================================

(a = alpha, r = l1_ratio; the groups w_g of ``GroupLasso`` are the slices
w[k] along axis 0 -- a row of ``Linear.weight``, a filter of
``Conv2d.weight`` -- and, with one step per coordinate, its prox is the
exact minimiser in that metric: see :class:`GroupLasso`.) With the data
term (1/(2n))‖y − Xw − b‖², ``L1(alpha)`` is scikit-learn's
``Lasso(alpha)``, ``ElasticNet(alpha, r)`` its ``ElasticNet(alpha, r)``,
and ``L2(alpha)`` its ``Ridge(alpha·n)``;
``L2(alpha)`` with plain SGD is PyTorch's ``weight_decay=alpha``.

A penalty can also be *called* on parameters -- ``loss = mse + penalty(model)``
-- to get a differentiable Tensor. Autograd then sees L1 through a
subgradient, alpha·sign(w): the weights oscillate around zero and never land
on it. Only the proximal step gives exact zeros.

Your own penalty plugs in by subclassing :class:`Penalty` and writing
``value``, ``grad`` and ``prox`` (and ``subgradient`` if the non-smooth part
should work through autograd too); see the penalty on groups of input
features in ``docs/regularization.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, op
from tinyreg.prox import block_soft_threshold, row_norms, soft_threshold
from tinyreg.validation import check_in_range, check_nonnegative

__all__ = ["L1", "L2", "ElasticNet", "GroupLasso", "Penalty", "soft_threshold"]


@op
def _penalty_term(w, *, penalty):
    """R(w) as a differentiable scalar; its VJP is g times a subgradient of R."""
    return np.asarray(penalty.value(w))


def _penalty_vjp(g, out, w, *, penalty):
    if isinstance(w, Tensor) and not getattr(penalty, "accepts_tensors", False):
        raise RuntimeError(
            f"create_graph=True through the penalty {penalty!r}: its subgradient(w) is "
            "written for numpy arrays, so it can only be differentiated once. Write it with "
            "operations tensors understand too and set accepts_tensors = True on its class"
        )
    return g * penalty.subgradient(w)


_penalty_term.defvjp(_penalty_vjp)


class Penalty:
    """The penalty protocol. Subclasses define the first three methods.

    * ``value(w)``: R(w), a float;
    * ``grad(w)``: gradient of R's smooth part (an array shaped like w);
    * ``prox(w, t)``: proximal step of R's non-smooth part with step t
      (return ``w`` itself when there is none). t is a positive float, or
      an array broadcastable to w: the step of each coordinate (SGD passes
      a float, Adam an array shaped like w);
    * ``subgradient(w)``: a subgradient of the whole of R, used only when
      the penalty is called to build a Tensor; defaults to ``grad(w)``.

    The Tensor that calling a penalty returns can be differentiated to any
    order (``create_graph=True``: gradient penalties, Hessians) when
    ``accepts_tensors`` is True: ``subgradient`` (and ``grad``, its default)
    then also take a Tensor ``w`` and are written with what arrays and
    tensors both understand -- operators, comparisons, ``np.asarray(w)`` for
    a constant. The built-in penalties are. A penalty written in plain numpy
    leaves it False: first derivatives work, and ``create_graph=True``
    through it raises an error that says so.
    """

    accepts_tensors: bool = False

    def value(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def prox(self, w: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def subgradient(self, w: np.ndarray) -> np.ndarray:
        return self.grad(w)

    def __call__(self, params: Any) -> Tensor:
        """Σ R(p) over ``params`` as a differentiable Tensor, to add to a loss.

        ``params`` is a Tensor, an iterable of Tensors, or a Module (then
        only its parameters with ``regularize=True``: biases are skipped).
        """
        if isinstance(params, Tensor):
            tensors = [params]
        elif hasattr(params, "parameters"):
            tensors = [p for p in params.parameters() if getattr(p, "regularize", True)]
        else:
            tensors = list(params)
        total = Tensor(0.0)
        for p in tensors:
            total = total + _penalty_term(p, penalty=self)
        return total


class L2(Penalty):
    """(alpha/2)·Σw², all smooth: grad = alpha·w, prox = identity."""

    accepts_tensors = True

    def __init__(self, alpha: float) -> None:
        self.alpha = check_nonnegative("alpha", alpha)

    def value(self, w: np.ndarray) -> float:
        return 0.5 * self.alpha * float(np.vdot(w, w))

    def grad(self, w: np.ndarray) -> np.ndarray:
        return self.alpha * w

    def prox(self, w: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        return w

    def __repr__(self) -> str:
        return f"L2(alpha={self.alpha!r})"


class L1(Penalty):
    """alpha·Σ|w|, all non-smooth: grad = 0, prox = soft-threshold at t·alpha."""

    accepts_tensors = True

    def __init__(self, alpha: float) -> None:
        self.alpha = check_nonnegative("alpha", alpha)

    def value(self, w: np.ndarray) -> float:
        return self.alpha * float(np.abs(w).sum())

    def grad(self, w: np.ndarray) -> np.ndarray:
        return np.zeros_like(w)

    def prox(self, w: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        return soft_threshold(w, t * self.alpha)

    def subgradient(self, w: np.ndarray) -> np.ndarray:
        return self.alpha * np.sign(np.asarray(w))  # sign(w) is a constant (np.asarray: values)

    def __repr__(self) -> str:
        return f"L1(alpha={self.alpha!r})"


class ElasticNet(Penalty):
    """alpha·l1_ratio·Σ|w| + (alpha·(1 − l1_ratio)/2)·Σw² (scikit-learn's parametrisation).

    l1_ratio = 1 is ``L1(alpha)``; l1_ratio = 0 is ``L2(alpha)``.
    """

    accepts_tensors = True

    def __init__(self, alpha: float, l1_ratio: float = 0.5) -> None:
        self.alpha = check_nonnegative("alpha", alpha)
        self.l1_ratio = check_in_range("l1_ratio", l1_ratio, 0.0, 1.0)

    def value(self, w: np.ndarray) -> float:
        l1 = self.alpha * self.l1_ratio * float(np.abs(w).sum())
        return l1 + 0.5 * self.alpha * (1.0 - self.l1_ratio) * float(np.vdot(w, w))

    def grad(self, w: np.ndarray) -> np.ndarray:
        return (self.alpha * (1.0 - self.l1_ratio)) * w

    def prox(self, w: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        return soft_threshold(w, t * self.alpha * self.l1_ratio)

    def subgradient(self, w: np.ndarray) -> np.ndarray:
        return self.grad(w) + self.alpha * self.l1_ratio * np.sign(np.asarray(w))

    def __repr__(self) -> str:
        return f"ElasticNet(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"


def _groups(w: Any) -> Any:
    """``w`` (an array or a Tensor) as a 2-D view with one group per row: w[k] flattened.

    A 1-D (or 0-D) ``w`` has one-element groups.
    """
    return w.reshape(w.shape[0], -1) if w.ndim >= 2 else w.reshape(-1, 1)


class GroupLasso(Penalty):
    """alpha·Σ_g ‖w_g‖₂ over the groups w_g = w[k], the slices of a parameter along axis 0.

    A group is what one output unit owns: a row of ``Linear.weight`` (out,
    in) -- the unit's incoming weights -- or a filter of ``Conv2d.weight``
    (out, in, kh, kw). A zero group is a unit or filter that is switched
    off: its output is its bias alone. A 1-D parameter has one-element
    groups, and the penalty is ``L1(alpha)`` on it.

    All of it is non-smooth: ``grad`` is 0 and ``prox`` the block
    soft-threshold (:func:`tinyreg.prox.block_soft_threshold`):

    * with a step t (a number: SGD, with or without momentum), each group
      becomes w_g·max(0, 1 − t·alpha/‖w_g‖) -- exactly 0 when
      ‖w_g‖ ≤ t·alpha;
    * with one step tᵢ per coordinate (an array: Adam, RMSprop, Adagrad),
      the exact argmin_z alpha·‖z‖ + Σᵢ (zᵢ − wᵢ)²/(2tᵢ) per group: z = 0
      when ‖w_g/t_g‖ ≤ alpha (elementwise wᵢ/tᵢ), else
      zᵢ = wᵢ·ρ/(ρ + alpha·tᵢ), where ρ = ‖z‖ solves
      Σᵢ wᵢ²/(ρ + alpha·tᵢ)² = 1.

    With the settled step of each optimizer (see :mod:`tinyreg.optim`)
    every optimizer therefore has the minimiser of loss + penalty as its
    fixed point, with whole groups exactly zero.

    Called on parameters, the penalty's gradient is the subgradient
    alpha·w_g/‖w_g‖ (0 for a zero group), written with operations tensors
    understand, so ``GroupLasso(alpha)(model)`` can be differentiated to any
    order.
    """

    accepts_tensors = True

    def __init__(self, alpha: float) -> None:
        self.alpha = check_nonnegative("alpha", alpha)

    def value(self, w: np.ndarray) -> float:
        return self.alpha * float(row_norms(_groups(np.asarray(w))).sum())

    def grad(self, w: np.ndarray) -> np.ndarray:
        return np.zeros_like(w)

    def prox(self, w: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        if np.ndim(t) == 0:
            return block_soft_threshold(_groups(w), t * self.alpha).reshape(w.shape)
        steps = np.broadcast_to(t, w.shape)
        return block_soft_threshold(_groups(w), _groups(steps * self.alpha)).reshape(w.shape)

    def subgradient(self, w: np.ndarray) -> np.ndarray:
        groups = _groups(w)
        squares = (groups * groups).sum(axis=1, keepdims=True)
        zero = np.asarray(squares) == 0  # constants: which groups are zero
        # A zero group gets 0, and its own derivative 0: w_g·0/√(0 + 1), where the 1 added
        # to its squared norm keeps the square root's derivative finite
        keep, ones_at_zero = (~zero).astype(squares.dtype), zero.astype(squares.dtype)
        return (self.alpha * groups * keep / (squares + ones_at_zero) ** 0.5).reshape(w.shape)

    def __repr__(self) -> str:
        return f"GroupLasso(alpha={self.alpha!r})"
