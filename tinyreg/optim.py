"""Optimizers, with PyTorch's names and update rules, and penalties plugged in.

Every optimizer step, for each parameter w with a gradient, is

    d  = w.grad + penalty.grad(w)       (the smooth part of the penalty)
    w ← update(w, d)                     (SGD, Adam, ... : in place)
    w ← penalty.prox(w, t)               (the non-smooth part: exact zeros for L1)

-- proximal gradient descent, which converges to the minimiser of
loss + penalty. The proximal step t is the step the update takes per unit
of gradient once it has settled: ``lr`` for plain SGD,
lr·(1 − dampening)/(1 − momentum) with momentum (the momentum buffer
settles at d/(1 − momentum)), lr/(√v̂ + eps) per coordinate for Adam,
lr/(√v + eps) per coordinate for RMSprop (divided by 1 − momentum with
momentum) and clr/(√sum + eps) for Adagrad. With t = lr instead, SGD with
momentum m would converge to the solution for the penalty scaled by
(1 − m), and Adam to one scaled per coordinate.

:func:`sgd_update`, :func:`adam_update` (AdamW's too), :func:`rmsprop_update`
and :func:`adagrad_update` write this step for one parameter as the textbook
writes it, in plain numpy: the reference.
The optimizer classes are the speed path: the same floating-point
operations in the same order, hence the same bits, applied to every
parameter of every group in place, in work arrays reused from step to step.

The penalty applies only to parameters with ``regularize=True`` (weights,
not ``Linear.bias``) unless a parameter group sets ``"regularize"`` to True
or False for all of its parameters.

Parameter groups work as in PyTorch: pass a list of dicts, each with
``"params"`` and any hyper-parameters (``lr``, ``penalty``, ``momentum``, ...)
that override the optimizer's defaults for that group.

Non-finite gradients never reach the parameters unnoticed. A step first
computes every direction d, of every group, and checks that all are finite;
only then does it update anything. What happens otherwise is the
optimizer's ``nonfinite`` policy:

* ``"raise"`` (the default): raise FloatingPointError naming each bad
  parameter -- by its name in the model when the optimizer was given
  ``model`` or ``model.named_parameters()``, else by its position and shape
  -- and how many of its values are NaN or infinite. No parameter and no
  optimizer state has changed.
* ``"skip"``: change nothing, and count the step in ``skipped_steps`` (which
  ``state_dict`` saves) -- what a mixed-precision loss scaler does when a
  gradient overflows.
* ``"ignore"``: no check; NaN and infinity flow into the parameters.

``step()`` reads ``.grad`` and never writes it.

Weight decay is a penalty: ``penalty=L2(weight_decay)`` is PyTorch's
``weight_decay=`` (coupled: it joins the gradient), applied to the weights
and not to the biases. ``SGD``, ``Adam``, ``RMSprop`` and ``Adagrad`` take
``weight_decay=0`` (for code written for PyTorch) and refuse any other value
with a TypeError that says so; ``AdamW``'s ``weight_decay`` is the decoupled
decay, a different rule (see :class:`AdamW`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, enable_grad, grad_array
from tinyreg.validation import (
    all_finite,
    check_choice,
    check_finite_array,
    check_in_range,
    check_int,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "adagrad_update",
    "adam_update",
    "rmsprop_update",
    "sgd_update",
]

_NONFINITE_POLICIES = ("raise", "skip", "ignore")


# ---------------------------------------------------------------------------
# The reference: one parameter's update, as the textbook writes it
# ---------------------------------------------------------------------------
# The optimizers further down compute exactly these updates -- the same
# floating-point operations in the same order, hence the same bits (a test
# checks it) -- for many parameters at once, in place and in reused work arrays.


def sgd_update(
    w: np.ndarray,
    grad: np.ndarray,
    buf: np.ndarray | None,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    penalty: Any = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One SGD step on one parameter ``w``; returns the new ``(w, buf)``.

    With ∇R the penalty's smooth gradient and prox its proximal step::

        d ← ∇loss(w) + ∇R(w)
        b ← d                                 at the first step (buf is None)
        b ← momentum·b + (1 − dampening)·d    at every later one
        d ← d + momentum·b   if nesterov   else   b
        w ← w − lr·d
        w ← prox(w, t)    t = lr·(1 − dampening)/(1 − momentum), or lr without momentum

    ``grad`` has ``w``'s dtype (as backward leaves it); ``buf`` is None
    before the first step and stays None without momentum. ``penalty`` is
    None for a parameter it does not apply to.
    """
    d = grad if penalty is None else grad + penalty.grad(w)
    if momentum:
        buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    w = w - lr * d
    if penalty is not None:
        t = lr * (1 - dampening) / (1 - momentum) if momentum else lr
        w = penalty.prox(w, t)
    return w, buf


def adam_update(
    w: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    step: int,
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    penalty: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam's step number ``step`` (1 for the first) on one parameter ``w``; the new ``(w, m, v)``.

    With ∇R the penalty's smooth gradient (coupled: it joins d and is
    rescaled by the moments) and prox its proximal step::

        d ← ∇loss(w) + ∇R(w)
        w ← w·(1 − lr·weight_decay)            AdamW's decoupled decay (0 for Adam)
        m ← β1·m + (1 − β1)·d                  v ← β2·v + (1 − β2)·d²
        m̂ = m/(1 − β1ᵗ)                        √v̂ = √v/√(1 − β2ᵗ)
        w ← w − lr·m̂/(√v̂ + eps)
        w ← prox(w, t)    t = lr/(√v̂ + eps), one step per coordinate

    computed in that order: d from w before the decay, lr/(1 − β1ᵗ) as one
    number, √v̂ as √v divided by √(1 − β2ᵗ). ``m`` and ``v`` start as zeros;
    ``grad`` has ``w``'s dtype. ``penalty`` is None, and ``weight_decay``
    0, for a parameter they do not apply to.
    """
    beta1, beta2 = betas
    d = grad if penalty is None else grad + penalty.grad(w)
    if weight_decay:
        w = w * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * d
    v = beta2 * v + (1 - beta2) * (d * d)
    denom = np.sqrt(v) / math.sqrt(1 - beta2**step) + eps
    w = w - lr / (1 - beta1**step) * m / denom
    if penalty is not None:
        w = penalty.prox(w, lr / denom)
    return w, m, v


def rmsprop_update(
    w: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg: np.ndarray,
    momentum_buffer: np.ndarray,
    *,
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
    centered: bool = False,
    penalty: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One RMSprop step on one parameter ``w``; new ``(w, square_avg, grad_avg, momentum_buffer)``.

    With ∇R the penalty's smooth gradient (coupled) and prox its proximal step::

        d ← ∇loss(w) + ∇R(w)
        v ← α·v + (1 − α)·d²                  (square_avg)
        a = √v + eps,   or, centered,   ḡ ← α·ḡ + (1 − α)·d,  a = √(v − ḡ²) + eps
        b ← momentum·b + d/a,   w ← w − lr·b      with momentum
        w ← w − lr·(d/a)                          without
        w ← prox(w, t)    t = lr/a per coordinate, divided by (1 − momentum) with momentum

    ``square_avg``, ``grad_avg`` (ḡ) and ``momentum_buffer`` (b) start as
    zeros; ``grad_avg`` is returned unchanged unless ``centered``, and
    ``momentum_buffer`` unless ``momentum``. ``grad`` has ``w``'s dtype;
    ``penalty`` is None for a parameter it does not apply to.
    """
    d = grad if penalty is None else grad + penalty.grad(w)
    square_avg = alpha * square_avg + (1 - alpha) * (d * d)
    if centered:
        grad_avg = alpha * grad_avg + (1 - alpha) * d
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum:
        momentum_buffer = momentum * momentum_buffer + d / avg
        w = w - lr * momentum_buffer
    else:
        w = w - lr * (d / avg)
    if penalty is not None:
        t = lr / avg
        w = penalty.prox(w, t / (1 - momentum) if momentum else t)
    return w, square_avg, grad_avg, momentum_buffer


def adagrad_update(
    w: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    step: int,
    *,
    lr: float = 0.01,
    lr_decay: float = 0.0,
    eps: float = 1e-10,
    penalty: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Adagrad's step number ``step`` (1 for the first) on one parameter ``w``; new (w, state_sum).

    With ∇R the penalty's smooth gradient (coupled) and prox its proximal step::

        d ← ∇loss(w) + ∇R(w)
        clr = lr/(1 + (step − 1)·lr_decay)
        s ← s + d²                            (state_sum)
        w ← w − clr·(d/(√s + eps))
        w ← prox(w, t)    t = clr/(√s + eps), one step per coordinate

    ``state_sum`` starts filled with ``initial_accumulator_value``; ``grad`` has
    ``w``'s dtype; ``penalty`` is None for a parameter it does not apply to.
    """
    d = grad if penalty is None else grad + penalty.grad(w)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = state_sum + d * d
    std = np.sqrt(state_sum) + eps
    w = w - clr * (d / std)
    if penalty is not None:
        w = penalty.prox(w, clr / std)
    return w, state_sum


def _check_penalty(penalty: Any) -> Any:
    if isinstance(penalty, type):
        raise TypeError(
            f"penalty must be a penalty object, got the class {penalty.__name__}: "
            f"write {penalty.__name__}(alpha)"
        )
    if penalty is not None and not all(
        callable(getattr(penalty, m, None)) for m in ("grad", "prox")
    ):
        raise TypeError(
            f"penalty must provide grad(w) and prox(w, t) (see tinyreg.penalties), got {penalty!r}"
        )
    return penalty


def _refuse_weight_decay(optimizer: str, weight_decay: Any) -> None:
    """``weight_decay=0`` is no decay; any other value is refused, naming the penalty to use."""
    number = isinstance(weight_decay, (int, float, np.number))
    if number and not isinstance(weight_decay, (bool, np.bool_)) and weight_decay == 0:
        return
    raise TypeError(
        f"{optimizer}() takes no weight_decay={weight_decay!r}: weight decay is a penalty, "
        f"write {optimizer}(..., penalty=L2({weight_decay!r})) with L2 from tinyreg.penalties "
        "(PyTorch's coupled weight decay; it applies to the weights, and to the biases too "
        'in a parameter group with "regularize": True). AdamW(weight_decay=...) is the '
        "decoupled decay, a different rule."
    )


def _named(params: Any) -> list[tuple[str | None, Any]]:
    """``params`` as (name or None, tensor) pairs.

    Takes a Module (its named parameters), the pairs of
    ``named_parameters()``, a single Tensor, or an iterable of tensors.
    """
    if hasattr(params, "named_parameters"):
        return list(params.named_parameters())
    if isinstance(params, Tensor):
        return [(None, params)]
    items = list(params)
    named = [isinstance(item, tuple) and len(item) == 2 for item in items]
    if any(named) and not all(named):
        raise TypeError("give parameters either all as tensors or all as (name, tensor) pairs")
    if all(named) and items:
        for name, _ in items:
            if not isinstance(name, str):
                raise TypeError(f"a parameter's name must be a str, got {name!r}")
        return [(name, p) for name, p in items]
    return [(None, p) for p in items]


class Optimizer:
    """Base class: parameter groups, the checked two-phase ``step``, ``state_dict``.

    Subclasses give their ``defaults``, check hyper-parameters in
    ``_check_group`` and update one parameter in place in ``_update``.
    ``params`` is a Module, its ``named_parameters()``, an iterable of
    tensors, or a list of parameter-group dicts whose ``"params"`` is any of
    those; names, when given, are used in error messages.
    """

    def __init__(self, params: Any, defaults: dict[str, Any], nonfinite: str = "raise") -> None:
        self.defaults = {"penalty": None, "regularize": None, **defaults}
        self.nonfinite = check_choice("nonfinite", nonfinite, _NONFINITE_POLICIES)
        self.skipped_steps = 0
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._names: dict[Tensor, str] = {}
        # Work arrays shaped like each parameter, reused by every step (not state: never saved).
        self._work_arrays: dict[Tensor, list[np.ndarray]] = {}
        named = hasattr(params, "named_parameters")
        groups = list(params.named_parameters() if named else params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], "lr": ..., ...}``; missing settings take the defaults."""
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            hint = ""
            if "weight_decay" in unknown:
                hint = ' (weight decay is a penalty: give the group "penalty": L2(weight_decay))'
            raise ValueError(
                f"unknown parameter-group setting(s) {sorted(unknown)} for {type(self).__name__}; "
                f"known: {sorted(self.defaults)}{hint}"
            )
        named = _named(group["params"])
        params = [p for _, p in named]
        for p in params:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"optimizers take tensors that require grad, got {p!r}")
        seen = {id(p) for p in self._params()}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears in more than one place in the parameter groups")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        _check_penalty(full["penalty"])
        self.param_groups.append(full)
        self._names.update((p, name) for name, p in named if name is not None)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_positive("lr", group["lr"])

    def _params(self) -> list[Tensor]:
        """Every parameter, group after group: position i is parameter i of ``state_dict``."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (to None, or to zeros in place)."""
        for p in self._params():
            p.zero_grad(set_to_none)

    # -- the step -------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given.

        ``closure`` re-evaluates the model and returns the loss; it runs
        first, with gradient recording on. Then every direction is computed
        and checked (see the module docstring on ``nonfinite``), and only
        then is any parameter updated.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        updates = self._directions()
        if updates is None:
            return loss
        for p, d, group, regularized in updates:
            t = self._update(p, d, group, self.state.setdefault(p, {}), regularized)
            penalty = group["penalty"]
            if penalty is not None and regularized:
                shrunk = penalty.prox(p.data, t)
                if shrunk is not p.data:
                    np.copyto(p.data, shrunk, casting="unsafe")
        return loss

    def _directions(self) -> list[tuple[Tensor, np.ndarray, dict[str, Any], bool]] | None:
        """A step's first phase: d = grad + penalty.grad(w) for each parameter with a gradient.

        Changes no parameter and no state. Returns the updates to make, or
        None when the step is skipped (``nonfinite="skip"``).
        """
        updates, bad = [], []
        for group in self.param_groups:
            penalty, override = group["penalty"], group["regularize"]
            for p in group["params"]:
                grad = grad_array(p)
                if grad is None:
                    continue
                regularized = getattr(p, "regularize", True) if override is None else override
                d = grad
                if penalty is not None and regularized:
                    d = np.add(grad, penalty.grad(p.data), out=self._work_array(p))
                if self.nonfinite != "ignore" and not all_finite(d):
                    bad.append((p, grad, d))
                updates.append((p, d, group, regularized))
        if not bad:
            return updates
        if self.nonfinite == "raise":
            raise FloatingPointError(self._nonfinite_message(bad))
        self.skipped_steps += 1
        return None

    def _nonfinite_message(self, bad: list[tuple[Tensor, np.ndarray, np.ndarray]]) -> str:
        lines = []
        for p, grad, d in bad:
            source, values = ("gradient", grad) if not all_finite(grad) else ("direction", d)
            count = values.size - int(np.count_nonzero(np.isfinite(values)))
            what = "" if source == "gradient" else " (its gradient is finite: the penalty's is not)"
            lines.append(
                f"{self._describe(p)}: {count} of {values.size} values of its {source} "
                f"are NaN or infinite{what}"
            )
        hint = ""
        if any(p not in self._names for p, _, _ in bad):
            hint = "\n(to see parameters by name, give the optimizer model.named_parameters())"
        return (
            f"{type(self).__name__}.step(): non-finite gradient, so nothing was updated "
            f'(nonfinite="raise"; nonfinite="skip" would skip such steps):\n  '
            + "\n  ".join(lines)
            + hint
        )

    def _describe(self, p: Tensor) -> str:
        """How messages name ``p``: its name in the model, else its position; and its shape."""
        if p in self._names:
            return f"{self._names[p]!r} (shape {p.shape})"
        index = next(i for i, q in enumerate(self._params()) if q is p)
        return f"parameter {index} (shape {p.shape})"

    def _work_array(self, p: Tensor, index: int = 0) -> np.ndarray:
        """Work array number ``index`` shaped like ``p``, allocated once and reused by every step.

        A speed trick (measured in benchmarks/README.md): temporaries the
        size of a parameter are costly to allocate at each step.
        """
        arrays = self._work_arrays.setdefault(p, [])
        while len(arrays) <= index:
            arrays.append(np.empty_like(p.data))
        return arrays[index]

    def _update(
        self,
        p: Tensor,
        d: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        regularized: bool,
    ) -> float | np.ndarray:
        """Update ``p.data`` in place along the direction ``d`` (never modifying ``p.grad``).

        Returns the proximal step t: the settled step per unit of gradient, a
        number or an array of per-coordinate steps (which may be a work
        array, valid until the next step).
        """
        raise NotImplementedError

    # -- saving and loading -------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters, per-parameter state (copies) and ``skipped_steps``.

        Parameters are referred to by position. Penalties and the
        ``nonfinite`` policy are configuration, not state, and are not
        included: a loaded optimizer keeps its own.
        """
        index = {id(p): i for i, p in enumerate(self._params())}
        groups = [
            {
                **{k: v for k, v in g.items() if k not in ("params", "penalty")},
                "params": [index[id(p)] for p in g["params"]],
            }
            for g in self.param_groups
        ]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if s}
        return {"state": state, "param_groups": groups, "skipped_steps": self.skipped_steps}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict`.

        Everything is checked before anything changes; one ValueError lists
        every problem (wrong number of groups or parameters, invalid
        hyper-parameters, state arrays of the wrong shape or not finite).
        A state dict without ``skipped_steps`` counts none.
        """
        try:
            saved_groups = list(state_dict["param_groups"])
            saved_state = dict(state_dict["state"])
            skipped = state_dict.get("skipped_steps", 0)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not an optimizer state dict: {error!r}") from error
        problems: list[str] = []
        groups = self._groups_to_load(saved_groups, problems)
        state = self._state_to_load(saved_state, problems)
        try:
            skipped = check_int("skipped_steps", skipped, minimum=0)
        except (TypeError, ValueError) as error:
            problems.append(str(error))
        if problems:
            raise ValueError(
                f"cannot load {type(self).__name__} state (nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        self.param_groups, self.state, self.skipped_steps = groups, state, skipped

    def _groups_to_load(self, saved: list[Any], problems: list[str]) -> list[dict[str, Any]]:
        """The groups with the saved hyper-parameters; what is wrong goes to ``problems``."""
        if len(saved) != len(self.param_groups):
            problems.append(
                f"{len(saved)} parameter groups saved, optimizer has {len(self.param_groups)}"
            )
        groups = []
        for i, (entry, group) in enumerate(zip(saved, self.param_groups, strict=False)):
            if len(entry.get("params", ())) != len(group["params"]):
                problems.append(
                    f"group {i}: {len(entry.get('params', ()))} parameters saved, optimizer has "
                    f"{len(group['params'])}"
                )
            hyper = {k: v for k, v in entry.items() if k in self.defaults and k != "penalty"}
            candidate = {**group, **hyper}
            try:
                self._check_group(candidate)
            except (TypeError, ValueError) as error:
                problems.append(f"group {i}: {error}")
            groups.append(candidate)
        return groups

    def _state_to_load(self, saved: dict[Any, Any], problems: list[str]) -> dict[Tensor, Any]:
        """Copies of the saved per-parameter state, keyed by parameter; problems as above."""
        params = self._params()
        state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved.items():
            i = int(key)
            if not 0 <= i < len(params):
                problems.append(f"state for parameter {i}, but there are only {len(params)}")
                continue
            for name, value in entry.items():
                if not isinstance(value, np.ndarray):
                    continue
                if value.shape != params[i].shape:
                    problems.append(
                        f"state {name!r} of parameter {i} has shape {value.shape}, "
                        f"the parameter has shape {params[i].shape}"
                    )
                    continue
                try:
                    check_finite_array(f"state {name!r} of parameter {i}", value)
                except (TypeError, ValueError) as error:
                    problems.append(str(error))
            state[params[i]] = copy.deepcopy(dict(entry))
        return state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v!r}" for k, v in group.items() if k != "params"]
        return "\n".join([*lines, ")"])


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, PyTorch's formulation.

    With d the (penalised) gradient and buffer b (b = d at the first step)::

        b ← momentum·b + (1 − dampening)·d
        d ← d + momentum·b   if nesterov   else   b
        w ← w − lr·d

    then the penalty's proximal step with t = lr·(1 − dampening)/(1 − momentum)
    (just lr without momentum): :func:`sgd_update`, in place.
    ``SGD(..., penalty=L2(a))`` equals PyTorch's ``SGD(..., weight_decay=a)``
    on the weights; ``weight_decay`` itself is refused unless 0 (see the
    module docstring). ``nonfinite``: see the module docstring.
    """

    def __init__(
        self,
        params: Any,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        penalty: Any = None,
        *,
        weight_decay: float = 0.0,
        nonfinite: str = "raise",
    ) -> None:
        _refuse_weight_decay("SGD", weight_decay)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "penalty": penalty,
        }
        super().__init__(params, defaults, nonfinite)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        momentum = check_in_range("momentum", group["momentum"], 0.0, 1.0, closed=(True, False))
        dampening = check_in_range("dampening", group["dampening"], 0.0, 1.0)
        if group["nesterov"] and (momentum == 0 or dampening != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, p, d, group, state, regularized):
        momentum, dampening = group["momentum"], group["dampening"]
        # Speed: every temporary lives in a work array (d itself may be the first),
        # with sgd_update's operations in sgd_update's order.
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(d, dtype=p.dtype)
            else:
                buf *= momentum
                buf += np.multiply(d, 1.0 - dampening, out=self._work_array(p)) if dampening else d
            if group["nesterov"]:
                ahead = np.multiply(buf, momentum, out=self._work_array(p, 1))
                d = np.add(ahead, d, out=ahead)
            else:
                d = buf
        p.data -= np.multiply(d, group["lr"], out=self._work_array(p))
        if not momentum:
            return group["lr"]
        return group["lr"] * (1.0 - group["dampening"]) / (1.0 - momentum)


def _pair(betas: Any) -> Any:
    """``betas`` as a tuple when it is a list or tuple (anything else is reported by the check)."""
    return tuple(betas) if isinstance(betas, (tuple, list)) else betas


class _AdamBase(Optimizer):
    """Adam's moment estimates and step, shared by :class:`Adam` and :class:`AdamW`.

    With d the direction of this step and t the number of steps so far::

        m ← β1·m + (1 − β1)·d            v ← β2·v + (1 − β2)·d²
        w ← w − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)

    and the proximal step is lr / (√v / √(1 − β2ᵗ) + eps), per coordinate:
    :func:`adam_update`, in place.
    """

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not isinstance(group["betas"], (tuple, list)) or len(group["betas"]) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {group['betas']!r}")
        beta1, beta2 = group["betas"]
        check_in_range("betas[0]", beta1, 0.0, 1.0, closed=(True, False))
        check_in_range("betas[1]", beta2, 0.0, 1.0, closed=(True, False))
        check_nonnegative("eps", group["eps"])

    def _update(self, p, d, group, state, regularized):
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Speed (see benchmarks/README.md): the temporaries live in two work arrays
        # of the parameter's shape (d itself may be the first), with adam_update's
        # operations in adam_update's order.
        step, scratch = self._work_array(p, 0), self._work_array(p, 1)
        m *= beta1
        m += np.multiply(d, 1.0 - beta1, out=scratch)
        v *= beta2
        v += np.multiply(np.multiply(d, d, out=scratch), 1.0 - beta2, out=scratch)
        denom = np.sqrt(v, out=scratch)
        denom /= math.sqrt(1.0 - beta2**t)
        denom += group["eps"]
        np.multiply(m, group["lr"] / (1.0 - beta1**t), out=step)
        p.data -= np.divide(step, denom, out=step)
        return np.divide(group["lr"], denom, out=denom)


class Adam(_AdamBase):
    """Adam, PyTorch's formulation, with the penalty *coupled*.

    The smooth penalty gradient joins d before the moments (so it is
    rescaled like the loss gradient -- what PyTorch's ``Adam(weight_decay=)``
    does); then the update of :class:`_AdamBase`, and the penalty's proximal
    step with the per-coordinate step t = lr / (√v / √(1 − β2ᵗ) + eps), so
    that L1 converges to the lasso. ``penalty=L2(a)`` is PyTorch's
    ``Adam(weight_decay=a)`` on the weights; ``weight_decay`` itself is
    refused unless 0 (see the module docstring). ``nonfinite``: see the
    module docstring.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        penalty: Any = None,
        *,
        weight_decay: float = 0.0,
        nonfinite: str = "raise",
    ) -> None:
        _refuse_weight_decay("Adam", weight_decay)
        defaults = {"lr": lr, "betas": _pair(betas), "eps": eps, "penalty": penalty}
        super().__init__(params, defaults, nonfinite)


class AdamW(_AdamBase):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter), PyTorch's formula::

        w ← w·(1 − lr·weight_decay)      then Adam's step on the gradient

    The decay is not rescaled by Adam's moments, so its fixed point differs
    from ``Adam`` with ``penalty=L2(weight_decay)``. As with penalties, the
    decay applies only to parameters with ``regularize=True`` (PyTorch decays
    every parameter of the group; set the group's ``"regularize": True`` to
    get that). A ``penalty`` may be given as well. ``nonfinite``: see the
    module docstring.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        penalty: Any = None,
        *,
        nonfinite: str = "raise",
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": _pair(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "penalty": penalty,
        }
        super().__init__(params, defaults, nonfinite)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonnegative("weight_decay", group["weight_decay"])

    def _update(self, p, d, group, state, regularized):
        if regularized and group["weight_decay"]:
            p.data *= 1.0 - group["lr"] * group["weight_decay"]
        return super()._update(p, d, group, state, regularized)


def _zeros_at_first_use(state: dict[str, Any], key: str, p: Tensor) -> np.ndarray:
    """``state[key]``, created as zeros shaped like ``p`` the first time it is asked for."""
    if key not in state:
        state[key] = np.zeros_like(p.data)
    return state[key]


class RMSprop(Optimizer):
    """RMSprop, PyTorch's formulation, with the penalty coupled.

    With d the (penalised) gradient, v the running mean of d² and, when
    ``centered``, ḡ the running mean of d::

        v ← α·v + (1 − α)·d²
        a = √v + eps      or, centered,      ḡ ← α·ḡ + (1 − α)·d,  a = √(v − ḡ²) + eps
        b ← momentum·b + d/a,  w ← w − lr·b      (with momentum; else w ← w − lr·d/a)

    then the penalty's proximal step with the per-coordinate settled step
    t = lr/a, divided by (1 − momentum) with momentum: :func:`rmsprop_update`,
    in place. ``penalty=L2(a)`` is PyTorch's ``RMSprop(weight_decay=a)`` on
    the weights; ``weight_decay`` itself is refused unless 0 (see the module
    docstring). ``nonfinite``: see the module docstring.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        penalty: Any = None,
        *,
        weight_decay: float = 0.0,
        nonfinite: str = "raise",
    ) -> None:
        _refuse_weight_decay("RMSprop", weight_decay)
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "momentum": momentum,
            "centered": centered,
            "penalty": penalty,
        }
        super().__init__(params, defaults, nonfinite)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_in_range("alpha", group["alpha"], 0.0, 1.0)
        check_nonnegative("eps", group["eps"])
        check_in_range("momentum", group["momentum"], 0.0, 1.0, closed=(True, False))
        if not isinstance(group["centered"], (bool, np.bool_)):
            raise TypeError(f"centered must be True or False, got {group['centered']!r}")

    def _update(self, p, d, group, state, regularized):
        alpha, momentum, lr = group["alpha"], group["momentum"], group["lr"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p.data))
        state["step"] += 1
        v = state["square_avg"]
        # Speed: the temporaries live in two work arrays (d itself may be the first),
        # with rmsprop_update's operations in rmsprop_update's order.
        quotient, avg = self._work_array(p, 0), self._work_array(p, 1)
        v *= alpha
        v += np.multiply(np.multiply(d, d, out=avg), 1.0 - alpha, out=avg)
        if group["centered"]:
            g = _zeros_at_first_use(state, "grad_avg", p)
            g *= alpha
            g += np.multiply(d, 1.0 - alpha, out=avg)
            np.subtract(v, np.multiply(g, g, out=avg), out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(v, out=avg)
        avg += group["eps"]
        np.divide(d, avg, out=quotient)
        if momentum:
            buf = _zeros_at_first_use(state, "momentum_buffer", p)
            buf *= momentum
            buf += quotient
            p.data -= np.multiply(buf, lr, out=quotient)
        else:
            p.data -= np.multiply(quotient, lr, out=quotient)
        t = np.divide(lr, avg, out=avg)
        if momentum:
            t /= 1.0 - momentum
        return t


class Adagrad(Optimizer):
    """Adagrad, PyTorch's formulation, with the penalty coupled.

    With d the (penalised) gradient, s the running sum of d² (starting at
    ``initial_accumulator_value``) and k the number of steps so far::

        clr = lr/(1 + (k − 1)·lr_decay)
        s ← s + d²
        w ← w − clr·d/(√s + eps)

    then the penalty's proximal step with the per-coordinate settled step
    t = clr/(√s + eps): :func:`adagrad_update`, in place. ``penalty=L2(a)``
    is PyTorch's ``Adagrad(weight_decay=a)`` on the weights;
    ``weight_decay`` itself is refused unless 0 (see the module docstring).
    ``nonfinite``: see the module docstring.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        penalty: Any = None,
        *,
        weight_decay: float = 0.0,
        nonfinite: str = "raise",
    ) -> None:
        _refuse_weight_decay("Adagrad", weight_decay)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "penalty": penalty,
        }
        super().__init__(params, defaults, nonfinite)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonnegative("lr_decay", group["lr_decay"])
        check_nonnegative("initial_accumulator_value", group["initial_accumulator_value"])
        check_nonnegative("eps", group["eps"])

    def _update(self, p, d, group, state, regularized):
        if not state:
            initial = group["initial_accumulator_value"]
            state.update(step=0, sum=np.full_like(p.data, initial))
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        quotient, std = self._work_array(p, 0), self._work_array(p, 1)
        # Speed: adagrad_update's operations in its order, in two work arrays.
        state["sum"] += np.multiply(d, d, out=std)
        np.sqrt(state["sum"], out=std)
        std += group["eps"]
        p.data -= np.multiply(np.divide(d, std, out=quotient), clr, out=quotient)
        return np.divide(clr, std, out=std)


from tinyreg import lr_scheduler  # noqa: E402, F401  (PyTorch's spelling: tinyreg.optim.lr_scheduler)
