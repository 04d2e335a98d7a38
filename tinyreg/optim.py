"""Optimizers, with PyTorch's names and update rules, and penalties plugged in.

Every optimizer step, for each parameter w with a gradient, is

    d  = w.grad + penalty.grad(w)       (the smooth part of the penalty)
    w ← update(w, d)                     (SGD, Adam, ... : in place)
    w ← penalty.prox(w, t)               (the non-smooth part: exact zeros for L1)

-- proximal gradient descent, which converges to the minimiser of
loss + penalty. The proximal step t is the step the update takes per unit
of gradient once it has settled: ``lr`` for plain SGD,
lr·(1 − dampening)/(1 − momentum) with momentum (the momentum buffer
settles at d/(1 − momentum)), and lr/(√v̂ + eps) per coordinate for Adam.
With t = lr instead, SGD with momentum m would converge to the solution
for the penalty scaled by (1 − m), and Adam to one scaled per coordinate.

The penalty applies only to parameters with ``regularize=True`` (weights,
not ``Linear.bias``) unless a parameter group sets ``"regularize"`` to True
or False for all of its parameters.

Parameter groups work as in PyTorch: pass a list of dicts, each with
``"params"`` and any hyper-parameters (``lr``, ``penalty``, ``momentum``, ...)
that override the optimizer's defaults for that group.

``step()`` reads ``.grad`` and never writes it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, enable_grad, grad_array
from tinyreg.validation import check_in_range, check_nonnegative, check_positive

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


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


class Optimizer:
    """Base class: parameter groups, ``zero_grad``, ``step``, ``state_dict``.

    Subclasses give their ``defaults``, check hyper-parameters in
    ``_check_group`` and update one parameter in place in ``_update``.
    """

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = {"penalty": None, "regularize": None, **defaults}
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        # One work array per parameter, reused by every step (not state: never saved).
        self._scratch: dict[Tensor, np.ndarray] = {}
        if hasattr(params, "parameters"):
            params = params.parameters()
        groups = list(params)
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
            raise ValueError(
                f"unknown parameter-group setting(s) {sorted(unknown)} for {type(self).__name__}; "
                f"known: {sorted(self.defaults)}"
            )
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"optimizers take tensors that require grad, got {p!r}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears in more than one place in the parameter groups")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        _check_penalty(full["penalty"])
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_positive("lr", group["lr"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (to None, or to zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            penalty, override = group["penalty"], group["regularize"]
            for p in group["params"]:
                grad = grad_array(p)  # .grad is a Tensor after backward(create_graph=True)
                if grad is None:
                    continue
                regularized = getattr(p, "regularize", True) if override is None else override
                penalized = penalty is not None and regularized
                if penalized:
                    grad = np.add(grad, penalty.grad(p.data), out=self.scratch(p))
                step = self._update(p, grad, group, self.state.setdefault(p, {}), regularized)
                if penalized:
                    shrunk = penalty.prox(p.data, step)
                    if shrunk is not p.data:
                        np.copyto(p.data, shrunk, casting="unsafe")
        return loss

    def scratch(self, p: Tensor) -> np.ndarray:
        """A work array shaped like ``p``, allocated once: big temporaries cost page faults."""
        work = self._scratch.get(p)
        if work is None:
            work = self._scratch[p] = np.empty_like(p.data)
        return work

    def _update(
        self,
        p: Tensor,
        grad: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        regularized: bool,
    ) -> float | np.ndarray:
        """Update ``p.data`` in place from ``grad`` (never modifying ``grad``).

        Returns the proximal step t: the settled step per unit of gradient, a
        number or an array of per-coordinate steps.
        """
        raise NotImplementedError

    # -- saving and loading -------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters and per-parameter state (copies), parameters by position.

        Penalties are configuration, not state, and are not included: a
        loaded optimizer keeps its own.
        """
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {
                **{k: v for k, v in g.items() if k not in ("params", "penalty")},
                "params": [index[id(p)] for p in g["params"]],
            }
            for g in self.param_groups
        ]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict`.

        Everything is checked before anything changes; one ValueError lists
        every problem (wrong number of groups or parameters, state arrays of
        the wrong shape, invalid hyper-parameters).
        """
        problems: list[str] = []
        try:
            saved_groups = list(state_dict["param_groups"])
            saved_state = dict(state_dict["state"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an optimizer state dict: {error!r}") from error
        params = [p for g in self.param_groups for p in g["params"]]
        if len(saved_groups) != len(self.param_groups):
            problems.append(
                f"{len(saved_groups)} parameter groups saved, "
                f"optimizer has {len(self.param_groups)}"
            )
        new_groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=False)):
            if len(saved.get("params", ())) != len(group["params"]):
                problems.append(
                    f"group {i}: {len(saved.get('params', ()))} parameters saved, optimizer has "
                    f"{len(group['params'])}"
                )
            candidate = {
                **group,
                **{k: v for k, v in saved.items() if k in self.defaults and k != "penalty"},
            }
            try:
                self._check_group(candidate)
            except (TypeError, ValueError) as error:
                problems.append(f"group {i}: {error}")
            new_groups.append(candidate)
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            i = int(key)
            if not 0 <= i < len(params):
                problems.append(f"state for parameter {i}, but there are only {len(params)}")
                continue
            for name, value in entry.items():
                if isinstance(value, np.ndarray) and value.shape != params[i].shape:
                    problems.append(
                        f"state {name!r} of parameter {i} has shape {value.shape}, "
                        f"the parameter has shape {params[i].shape}"
                    )
            new_state[params[i]] = copy.deepcopy(dict(entry))
        if problems:
            raise ValueError(
                f"cannot load {type(self).__name__} state (nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        self.param_groups = new_groups
        self.state = new_state

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
    (just lr without momentum). ``SGD(..., penalty=L2(a))`` equals PyTorch's
    ``SGD(..., weight_decay=a)``.
    """

    def __init__(
        self,
        params: Any,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        penalty: Any = None,
    ) -> None:
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "nesterov": nesterov,
                "penalty": penalty,
            },
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        momentum = check_in_range("momentum", group["momentum"], 0.0, 1.0, closed=(True, False))
        dampening = check_in_range("dampening", group["dampening"], 0.0, 1.0)
        if group["nesterov"] and (momentum == 0 or dampening != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, p, grad, group, state, regularized):
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=p.dtype)
            else:
                buf *= momentum
                buf += (1.0 - group["dampening"]) * grad
            grad = np.add(grad, momentum * buf, out=self.scratch(p)) if group["nesterov"] else buf
        p.data -= np.multiply(grad, group["lr"], out=self.scratch(p))
        if not momentum:
            return group["lr"]
        return group["lr"] * (1.0 - group["dampening"]) / (1.0 - momentum)


def _pair(betas: Any) -> Any:
    """``betas`` as a tuple when it is a list or tuple (anything else is reported by the check)."""
    return tuple(betas) if isinstance(betas, (tuple, list)) else betas


class Adam(Optimizer):
    """Adam, PyTorch's formulation, with the penalty *coupled*.

    The smooth penalty gradient joins d before the moments (so it is
    rescaled like the loss gradient -- what PyTorch's ``Adam(weight_decay=)``
    does)::

        m ← β1·m + (1 − β1)·d            v ← β2·v + (1 − β2)·d²
        w ← w − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)

    then the penalty's proximal step with the per-coordinate step
    t = lr / (√v / √(1 − β2ᵗ) + eps), so that L1 converges to the lasso.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        penalty: Any = None,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": _pair(betas), "eps": eps, "penalty": penalty})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not isinstance(group["betas"], (tuple, list)) or len(group["betas"]) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {group['betas']!r}")
        beta1, beta2 = group["betas"]
        check_in_range("betas[0]", beta1, 0.0, 1.0, closed=(True, False))
        check_in_range("betas[1]", beta2, 0.0, 1.0, closed=(True, False))
        check_nonnegative("eps", group["eps"])

    def _update(self, p, grad, group, state, regularized):
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * (grad * grad)
        denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t)
        denom += group["eps"]
        p.data -= (group["lr"] / (1.0 - beta1**t)) * m / denom
        return group["lr"] / denom


class AdamW(Adam):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter), PyTorch's formula::

        w ← w·(1 − lr·weight_decay)      then the Adam step on the gradient

    The decay is not rescaled by Adam's moments, so its fixed point differs
    from ``Adam`` with ``penalty=L2(weight_decay)``. As with penalties, the
    decay applies only to parameters with ``regularize=True`` (PyTorch decays
    every parameter of the group; set the group's ``"regularize": True`` to
    get that). A ``penalty`` may be given as well.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        penalty: Any = None,
    ) -> None:
        Optimizer.__init__(
            self,
            params,
            {
                "lr": lr,
                "betas": _pair(betas),
                "eps": eps,
                "weight_decay": weight_decay,
                "penalty": penalty,
            },
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_nonnegative("weight_decay", group["weight_decay"])

    def _update(self, p, grad, group, state, regularized):
        if regularized and group["weight_decay"]:
            p.data *= 1.0 - group["lr"] * group["weight_decay"]
        return super()._update(p, grad, group, state, regularized)


from tinyreg import lr_scheduler  # noqa: E402, F401  (PyTorch's spelling: tinyreg.optim.lr_scheduler)
