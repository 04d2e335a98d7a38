"""Learning-rate schedules, PyTorch's ``StepLR`` and ``CosineAnnealingLR``.

Also reachable as ``tinyreg.optim.lr_scheduler``. Call ``scheduler.step()``
once per epoch, after ``optimizer.step()``; each schedule sets every
parameter group's ``lr`` from its initial value by a closed formula of the
epoch count e:

    StepLR             lr = lr₀ · gamma^⌊e / step_size⌋
    CosineAnnealingLR  lr = eta_min + (lr₀ − eta_min) · (1 + cos(π·e / T_max)) / 2

Penalties see the change too: the proximal step of the next ``step()`` uses
the new ``lr``.
"""

from __future__ import annotations

import math
from typing import Any

from tinyreg.validation import check_int, check_nonnegative, check_positive

__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: remembers each group's initial lr and applies ``lr_at(lr₀, epoch)``."""

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's learning rate."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the last ``step()``."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"base_lrs": list(self.base_lrs), "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        base_lrs = [check_positive("base_lrs", lr) for lr in state["base_lrs"]]
        if len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{len(base_lrs)} learning rates saved, the optimizer has "
                f"{len(self.optimizer.param_groups)} parameter groups"
            )
        self.base_lrs = base_lrs
        self.last_epoch = check_int("last_epoch", state["last_epoch"], minimum=0)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int("step_size", step_size)
        self.gamma = check_positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from lr₀ to ``eta_min`` along half a cosine in ``T_max`` epochs."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int("T_max", T_max)
        self.eta_min = check_nonnegative("eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return (
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        )
