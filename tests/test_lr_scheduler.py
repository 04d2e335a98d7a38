"""StepLR and CosineAnnealingLR: PyTorch's formulas, per group, and the optimizer uses them."""

import itertools
import math

import numpy as np
import pytest
from _tolerances import EPS

import tinyreg as tr
from tinyreg import nn, optim, penalties
from tinyreg.optim import lr_scheduler


def two_groups():
    model = nn.Linear(3, 1)
    return optim.SGD(
        [{"params": [model.weight], "lr": 0.1}, {"params": [model.bias], "lr": 0.5}], lr=0.1
    )


def test_step_lr_decays_every_step_size_epochs_in_every_group():
    opt = two_groups()
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    seen = []
    for _ in range(7):
        sched.step()
        seen.append(sched.get_last_lr())
    # halving is exact in binary floating point
    assert [lr[0] for lr in seen] == [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    assert [lr[1] for lr in seen] == [0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]


def test_cosine_annealing_follows_half_a_cosine_to_eta_min():
    opt = two_groups()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    lrs = []
    for _ in range(10):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(1, 11)]
    # 0.1 − 0.01 is 0.09 to an ulp; the rest is the same arithmetic: a few ulps of 0.1,
    # relative to lr ≥ 0.01
    assert lrs == pytest.approx(expected, rel=40 * EPS)
    assert lrs[-1] == 0.01  # cos(π) is −1 exactly
    assert all(a > b for a, b in itertools.pairwise(lrs))


def test_the_optimizer_and_its_proximal_step_use_the_scheduled_lr():
    w = tr.tensor(np.array([1.0, -1.0, 0.02]), requires_grad=True)
    opt = optim.SGD([w], lr=1.0, penalty=penalties.L1(0.1))
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    sched.step()  # lr = 0.1: threshold 0.01 spares 0.02
    w.grad = np.zeros(3)
    opt.step()
    # w − clip(w, ±lr·alpha): a rounding or two of values of size 1 (relative to 0.01: 200 eps)
    np.testing.assert_allclose(w.data, [0.99, -0.99, 0.01], rtol=0, atol=4 * EPS)


def test_state_dict_round_trip_and_validation():
    opt = two_groups()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    sched.step()
    state = sched.state_dict()
    other = lr_scheduler.StepLR(two_groups(), step_size=2)
    other.load_state_dict(state)
    assert other.last_epoch == 1 and other.base_lrs == [0.1, 0.5]
    with pytest.raises(ValueError, match="2 parameter groups"):
        other.load_state_dict({"base_lrs": [0.1], "last_epoch": 0})
    with pytest.raises(ValueError, match="step_size must be >= 1"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="eta_min must be >= 0"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=-1.0)
