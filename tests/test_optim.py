"""Optimizers: PyTorch's update rules by hand, penalties plugged in, state, and convergence.

Every reference update is written out again below in plain numpy, from the
formulas (PyTorch's SGD, Adam and AdamW), and compared with tinyreg bit for
bit over several steps with different gradients set directly on ``.grad``:
both do the same elementwise IEEE operations (+, −, ×, ÷, √, comparisons,
each correctly rounded) in the same order, and no reduction, so nothing
depends on the machine or on the BLAS kernel. The package's own reference
updates, ``optim.sgd_update``, ``optim.adam_update``, ``optim.rmsprop_update``
and ``optim.adagrad_update``, are held to the same bits against the
optimizers, in float32 and float64, their state included. RMSprop and
Adagrad are also run beside PyTorch itself (when it is installed), to 1e-12
relative: PyTorch's fused kernels (addcmul, addcdiv) may round differently.

The convergence tests take their tolerances from the problem's conditioning
and the algorithm's guarantee, computed in the test: a contraction factor
raised to the number of steps, plus the rounding floor of the closed-form
reference, about κ·eps·‖solution‖ (κ the condition number).
"""

from __future__ import annotations

import copy
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg import functional as F
from tinyreg import nn, optim, penalties

EPS = np.finfo(np.float64).eps


def assert_same_values(got, expected):
    """Exactly equal values, with −0.0 equal to 0.0: the by-hand formulas below write
    the soft-threshold as sign(w)·max(|w| − t, 0), which gives −0.0 where tinyreg's
    w − clip(w, −t, t) gives 0.0 (``assert_identical`` compares the bits)."""
    np.testing.assert_array_equal(got, expected)


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    w = nn.Parameter(rng.standard_normal((3, 2)))
    b = nn.Parameter(rng.standard_normal(3), regularize=False)
    return w, b


def gradients(shape, steps=4, seed=1):
    """Different gradients at every step, of different sizes."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) * scale for scale in (1.0, 0.3, 2.5, 0.01, 1.7)[:steps]]


def run(opt, params, grads_per_param):
    for k in range(len(grads_per_param[0])):
        for p, grads in zip(params, grads_per_param, strict=True):
            p.grad = grads[k].copy()
        opt.step()
    return [p.data.copy() for p in params]


def soft_threshold(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


# -- reference formulas (PyTorch's documentation), plain numpy -------------------


def sgd_reference(
    w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, l1=0.0
):
    w, buf = w0.copy(), None
    for g in grads:
        d = g + weight_decay * w
        if momentum != 0:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        w = w - lr * d
        if l1:  # the prox step is the settled step: the buffer tends to d / (1 - momentum)
            step = lr * (1 - dampening) / (1 - momentum) if momentum else lr
            w = soft_threshold(w, step * l1)
    return w


def adam_reference(w0, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=0.0):
    b1, b2 = betas
    w = w0.copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w = w * (1 - lr * decoupled)  # AdamW: decay first
        d = g + weight_decay * w  # Adam + L2: coupled, before the moments
        m = b1 * m + (1 - b1) * d
        v = b2 * v + (1 - b2) * (d * d)
        denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
        w = w - lr / (1 - b1**t) * m / denom
    return w


SGD_SETTINGS = {
    "plain": {},
    "momentum": {"momentum": 0.9},
    "dampening": {"momentum": 0.8, "dampening": 0.3},
    "nesterov": {"momentum": 0.9, "nesterov": True},
}


@pytest.mark.parametrize("alpha", [0.0, 0.1], ids=["no-penalty", "L2"])
@pytest.mark.parametrize("name", list(SGD_SETTINGS))
def test_sgd_by_hand(name, alpha):
    settings = SGD_SETTINGS[name]
    w, b = make_params()
    w0, b0 = w.data.copy(), b.data.copy()
    gw, gb = gradients(w.shape, seed=1), gradients(b.shape, seed=2)
    penalty = penalties.L2(alpha) if alpha else None
    got_w, got_b = run(optim.SGD([w, b], lr=0.1, penalty=penalty, **settings), [w, b], [gw, gb])
    # L2(alpha) is PyTorch's weight_decay=alpha, on the weight only (the bias has regularize=False)
    expected_w = sgd_reference(w0, gw, 0.1, weight_decay=alpha, **settings)
    assert_same_values(got_w, expected_w)
    assert_same_values(got_b, sgd_reference(b0, gb, 0.1, **settings))
    assert not np.allclose(got_w, w0)


@pytest.mark.parametrize("name", list(SGD_SETTINGS))
def test_sgd_with_l1_is_a_gradient_step_then_the_soft_threshold(name):
    settings = SGD_SETTINGS[name]
    w, _ = make_params()
    w0 = w.data.copy()
    gw = gradients(w.shape, seed=3)
    # the prox threshold is lr·alpha·(1 - dampening)/(1 - momentum): keep it at 0.1 in every setting
    alpha = (1 - settings.get("momentum", 0.0)) / (1 - settings.get("dampening", 0.0))
    (got_w,) = run(optim.SGD([w], lr=0.1, penalty=penalties.L1(alpha), **settings), [w], [gw])
    expected = sgd_reference(w0, gw, 0.1, l1=alpha, **settings)
    assert_same_values(got_w, expected)
    np.testing.assert_array_equal(got_w == 0.0, expected == 0.0)
    assert 0 < np.count_nonzero(expected == 0.0) < expected.size


@pytest.mark.parametrize("alpha", [0.0, 0.05], ids=["no-penalty", "L2-coupled"])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.8)])
def test_adam_by_hand(alpha, betas):
    w, b = make_params()
    w0, b0 = w.data.copy(), b.data.copy()
    gw, gb = gradients(w.shape, seed=4), gradients(b.shape, seed=5)
    penalty = penalties.L2(alpha) if alpha else None
    opt = optim.Adam([w, b], lr=0.01, betas=betas, eps=1e-6, penalty=penalty)
    got_w, got_b = run(opt, [w, b], [gw, gb])
    expected_w = adam_reference(w0, gw, 0.01, betas, 1e-6, weight_decay=alpha)
    assert_same_values(got_w, expected_w)
    assert_same_values(got_b, adam_reference(b0, gb, 0.01, betas, 1e-6))
    if alpha:  # coupled and decoupled decay really are different updates
        decoupled = adam_reference(w0, gw, 0.01, betas, 1e-6, decoupled=alpha)
        # they differ at first order in lr·alpha·|w| (about 5e-4 per step), not by rounding
        assert np.abs(decoupled - expected_w).max() > 1e-6


@pytest.mark.parametrize("weight_decay", [0.0, 0.1, 2.0])
def test_adamw_by_hand(weight_decay):
    w, b = make_params()
    w0, b0 = w.data.copy(), b.data.copy()
    gw, gb = gradients(w.shape, seed=6), gradients(b.shape, seed=7)
    opt = optim.AdamW([w, b], lr=0.01, weight_decay=weight_decay)
    got_w, got_b = run(opt, [w, b], [gw, gb])
    assert_same_values(got_w, adam_reference(w0, gw, 0.01, decoupled=weight_decay))
    # the bias (regularize=False) is not decayed
    assert_same_values(got_b, adam_reference(b0, gb, 0.01))


def test_adamw_decays_every_parameter_of_a_group_marked_regularize():
    _, b = make_params()
    b0 = b.data.copy()
    gb = gradients(b.shape, seed=7)
    opt = optim.AdamW([{"params": [b], "regularize": True}], lr=0.01, weight_decay=0.5)
    (got_b,) = run(opt, [b], [gb])
    assert_same_values(got_b, adam_reference(b0, gb, 0.01, decoupled=0.5))


# -- the reference updates (optim.sgd_update, optim.adam_update) are the optimizers' bits ---


def assert_identical(got, expected):
    """The same dtype, shape and bytes: bit equality, signed zeros included."""
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


REFERENCE_SETTINGS = {
    "sgd": (optim.SGD, {}),
    "sgd-dampening-without-momentum": (optim.SGD, {"dampening": 0.4}),
    "sgd-momentum": (optim.SGD, {"momentum": 0.9}),
    "sgd-dampening": (optim.SGD, {"momentum": 0.7, "dampening": 0.3}),
    "sgd-nesterov": (optim.SGD, {"momentum": 0.8, "nesterov": True}),
    "adam": (optim.Adam, {"betas": (0.9, 0.999), "eps": 1e-8}),
    "adam-small-betas": (optim.Adam, {"betas": (0.5, 0.8), "eps": 1e-3}),
    "adamw": (optim.AdamW, {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}),
    "rmsprop": (optim.RMSprop, {}),
    "rmsprop-momentum": (optim.RMSprop, {"alpha": 0.9, "momentum": 0.8}),
    "rmsprop-centered": (optim.RMSprop, {"alpha": 0.8, "eps": 1e-3, "centered": True}),
    "rmsprop-centered-momentum": (optim.RMSprop, {"momentum": 0.5, "centered": True}),
    "adagrad": (optim.Adagrad, {}),
    "adagrad-decay": (
        optim.Adagrad,
        {"lr_decay": 0.3, "initial_accumulator_value": 0.5, "eps": 1e-3},
    ),
}
REFERENCE_PENALTIES = {
    "none": None,
    "L1": penalties.L1(0.3),
    "L2": penalties.L2(0.2),
    "ElasticNet": penalties.ElasticNet(0.3, 0.4),
}


class ReferenceRun:
    """One parameter stepped by the reference update of ``optim``, with its state."""

    def __init__(self, make, settings, w, lr, penalty):
        self.make, self.settings, self.w, self.lr, self.penalty = make, settings, w, lr, penalty
        self.buf, self.m, self.v, self.step = None, np.zeros_like(w), np.zeros_like(w), 0
        if make is optim.RMSprop:  # square_avg, grad_avg, momentum_buffer
            self.v, self.m, self.buf = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
        if make is optim.Adagrad:
            self.settings = {k: v for k, v in settings.items() if k != "initial_accumulator_value"}
            self.v = np.full_like(w, settings.get("initial_accumulator_value", 0.0))

    def update(self, grad):
        if self.make is optim.SGD:
            self.w, self.buf = optim.sgd_update(
                self.w, grad, self.buf, lr=self.lr, penalty=self.penalty, **self.settings
            )
        elif self.make is optim.RMSprop:
            self.step += 1
            self.w, self.v, self.m, self.buf = optim.rmsprop_update(
                self.w, grad, self.v, self.m, self.buf,
                lr=self.lr, penalty=self.penalty, **self.settings,
            )  # fmt: skip
        elif self.make is optim.Adagrad:
            self.step += 1
            self.w, self.v = optim.adagrad_update(
                self.w, grad, self.v, self.step, lr=self.lr, penalty=self.penalty, **self.settings
            )
        else:
            self.step += 1
            self.w, self.m, self.v = optim.adam_update(
                self.w, grad, self.m, self.v, self.step,
                lr=self.lr, penalty=self.penalty, **self.settings,
            )  # fmt: skip

    def assert_state_is(self, state):
        if self.make is optim.SGD:
            if self.buf is None:
                assert "momentum_buffer" not in state
            else:
                assert_identical(state["momentum_buffer"], self.buf)
        elif self.make is optim.RMSprop:
            assert state["step"] == self.step
            assert_identical(state["square_avg"], self.v)
            for key, used, value in [
                ("grad_avg", self.settings.get("centered"), self.m),
                ("momentum_buffer", self.settings.get("momentum"), self.buf),
            ]:
                if used:
                    assert_identical(state[key], value)
                else:
                    assert key not in state
        elif self.make is optim.Adagrad:
            assert state["step"] == self.step
            assert_identical(state["sum"], self.v)
        else:
            assert state["step"] == self.step
            assert_identical(state["exp_avg"], self.m)
            assert_identical(state["exp_avg_sq"], self.v)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("penalty", list(REFERENCE_PENALTIES))
@pytest.mark.parametrize("name", list(REFERENCE_SETTINGS))
def test_the_reference_updates_give_the_optimizers_bits(name, penalty, dtype, seed):
    """Several steps on a random problem: parameters and state bit for bit, after every step."""
    make, settings = REFERENCE_SETTINGS[name]
    rng = np.random.default_rng([list(REFERENCE_SETTINGS).index(name), seed])
    rows, cols = rng.integers(3, 8, size=2)
    w0 = rng.standard_normal((rows, cols))
    w0[rng.random(w0.shape) < 0.5] *= 1e-4  # small weights, for L1 to set to exactly 0
    w0, b0 = w0.astype(dtype), rng.standard_normal(cols).astype(dtype)
    lr = rng.uniform(0.01, 0.3) if make in (optim.SGD, optim.Adagrad) else rng.uniform(0.001, 0.05)
    w, b = nn.Parameter(w0.copy()), nn.Parameter(b0.copy(), regularize=False)
    opt = make([w, b], lr=lr, penalty=REFERENCE_PENALTIES[penalty], **settings)
    unregularized = {k: v for k, v in settings.items() if k != "weight_decay"}
    ref_w = ReferenceRun(make, settings, w0, lr, REFERENCE_PENALTIES[penalty])
    ref_b = ReferenceRun(make, unregularized, b0, lr, None)  # no penalty, no decay: a bias
    zeros = 0
    for scale in (1.0, 0.3, 10.0, 1e-3, 2.5, 0.05):
        grads = [(scale * rng.standard_normal(p.shape)).astype(dtype) for p in (w, b)]
        w.grad, b.grad = (g.copy() for g in grads)
        opt.step()
        for p, ref, grad in zip((w, b), (ref_w, ref_b), grads, strict=True):
            ref.update(grad)
            assert_identical(p.data, ref.w)
            ref.assert_state_is(opt.state[p])
        zeros += np.count_nonzero(w.data == 0.0)
    if penalty in ("L1", "ElasticNet"):
        assert zeros  # the proximal step set weights to exactly 0 along the way


OPTIMIZERS = {
    "sgd": lambda ps, pen: optim.SGD(ps, lr=0.1, penalty=pen),
    "sgd-momentum": lambda ps, pen: optim.SGD(ps, lr=0.1, momentum=0.9, penalty=pen),
    "sgd-nesterov": lambda ps, pen: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, penalty=pen),
    "sgd-dampening": lambda ps, pen: optim.SGD(
        ps, lr=0.1, momentum=0.5, dampening=0.5, penalty=pen
    ),
    "adam": lambda ps, pen: optim.Adam(ps, lr=0.01, penalty=pen),
    "adamw": lambda ps, pen: optim.AdamW(ps, lr=0.01, weight_decay=0.1, penalty=pen),
    "rmsprop": lambda ps, pen: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True, penalty=pen),
    "adagrad": lambda ps, pen: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, penalty=pen),
}
PENALTIES = {
    "none": None,
    "L2": penalties.L2(0.1),
    "L1": penalties.L1(0.1),
    "ElasticNet": penalties.ElasticNet(0.1, 0.5),
}


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_step_never_modifies_grad(name, penalty):
    w, b = make_params()
    grads = [np.random.default_rng(8).standard_normal(w.shape), np.ones(b.shape)]
    opt = OPTIMIZERS[name]([w, b], PENALTIES[penalty])
    w.grad, b.grad = grads[0].copy(), grads[1].copy()
    objects = [w.grad, b.grad]
    for _ in range(3):  # several steps: a momentum buffer must not alias the gradient
        opt.step()
        for p, g, obj in zip((w, b), grads, objects, strict=True):
            assert p.grad is obj
            assert p.grad.dtype == g.dtype
            assert p.grad.tobytes() == g.tobytes()


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_parameters_without_grad_are_skipped(name, penalty):
    w, b = make_params()
    frozen = nn.Parameter(np.array([0.05, -3.0, 0.0]))  # small values: a prox would change them
    before = frozen.data.copy()
    opt = OPTIMIZERS[name]([w, frozen, b], PENALTIES[penalty])
    for _ in range(3):
        w.grad, b.grad = np.ones(w.shape), np.ones(b.shape)
        opt.step()
    assert frozen.grad is None
    assert frozen.data.tobytes() == before.tobytes()
    assert not opt.state.get(frozen)


@pytest.mark.parametrize("penalty", [penalties.L2(0.5), penalties.L1(0.5)], ids=["L2", "L1"])
def test_biases_are_not_penalized_unless_the_group_says_so(penalty):
    tinyreg.manual_seed(0)
    layer = nn.Linear(4, 3)
    w0, b0 = layer.weight.data.copy(), layer.bias.data.copy()
    zero_grads = [np.zeros((3, 4)), np.zeros(3)]
    run(
        optim.SGD(layer.parameters(), lr=0.1, penalty=penalty),
        [layer.weight, layer.bias],
        [[zero_grads[0]], [zero_grads[1]]],
    )
    assert layer.bias.data.tobytes() == b0.tobytes()
    assert np.all(np.abs(layer.weight.data) < np.abs(w0))  # the weight was shrunk

    b1 = layer.bias.data.copy()
    forced = optim.SGD([{"params": [layer.bias], "regularize": True}], lr=0.1, penalty=penalty)
    run(forced, [layer.bias], [[zero_grads[1]]])
    assert np.all(np.abs(layer.bias.data) < np.abs(b1))

    w1 = layer.weight.data.copy()
    exempt = optim.SGD([{"params": [layer.weight], "regularize": False}], lr=0.1, penalty=penalty)
    run(exempt, [layer.weight], [[zero_grads[0]]])
    assert layer.weight.data.tobytes() == w1.tobytes()


def test_parameter_groups_apply_their_own_lr_and_penalty():
    rng = np.random.default_rng(9)
    w1, w2, w3 = (nn.Parameter(rng.standard_normal((2, 3))) for _ in range(3))
    starts = [w.data.copy() for w in (w1, w2, w3)]
    grads = [gradients((2, 3), seed=s) for s in (10, 11, 12)]
    opt = optim.SGD(
        [
            {"params": [w1], "lr": 0.3, "penalty": penalties.L2(0.2)},
            {"params": [w2], "momentum": 0.5},
            {"params": [w3], "penalty": None, "lr": 0.05},
        ],
        lr=0.1,
        penalty=penalties.L1(0.05),
    )
    got = run(opt, [w1, w2, w3], grads)
    expected = [
        sgd_reference(starts[0], grads[0], 0.3, weight_decay=0.2),  # its own lr and penalty
        sgd_reference(starts[1], grads[1], 0.1, momentum=0.5, l1=0.05),  # the defaults
    ]
    assert_same_values(got[0], expected[0])
    assert_same_values(got[1], expected[1])
    assert_same_values(got[2], sgd_reference(starts[2], grads[2], 0.05))
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.1, 0.05]


def test_add_param_group_uses_the_defaults():
    w, b = make_params()
    opt = optim.Adam([w], lr=0.02, betas=(0.8, 0.9))
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)
    assert opt.param_groups[1]["lr"] == 0.5


@pytest.mark.parametrize("from_module", [True, False])
def test_zero_grad(from_module):
    tinyreg.manual_seed(0)
    layer = nn.Linear(3, 2)
    opt = optim.SGD(layer if from_module else layer.parameters(), lr=0.1)
    layer(np.ones((4, 3))).sum().backward()
    grads = [p.grad for p in layer.parameters()]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(layer.parameters(), grads, strict=True):
        assert p.grad is g
        assert not np.any(p.grad)
    opt.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in layer.parameters())
    opt.zero_grad(set_to_none=False)  # grads already None stay None
    assert all(p.grad is None for p in layer.parameters())


def _param():
    return nn.Parameter(np.ones(3))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: optim.SGD([_param()], lr=0.0), ValueError, "lr"),
        (lambda: optim.SGD([_param()], lr=-0.1), ValueError, "lr"),
        (lambda: optim.SGD([_param()], lr=float("nan")), ValueError, "lr"),
        (lambda: optim.Adam([_param()], lr=0.0), ValueError, "lr"),
        (lambda: optim.SGD([_param()], lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda: optim.SGD([_param()], lr=0.1, dampening=-0.5), ValueError, "dampening"),
        (lambda: optim.SGD([_param()], lr=0.1, nesterov=True), ValueError, "nesterov"),
        (
            lambda: optim.SGD([_param()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "nesterov",
        ),
        (lambda: optim.Adam([_param()], betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
        (lambda: optim.Adam([_param()], betas=(-0.1, 0.999)), ValueError, r"betas\[0\]"),
        (lambda: optim.Adam([_param()], betas=(0.9, 1.5)), ValueError, r"betas\[1\]"),
        (lambda: optim.AdamW([_param()], betas=(0.9, 0.99, 0.9)), ValueError, "betas"),
        (lambda: optim.Adam([_param()], betas=0.9), ValueError, "betas"),
        (lambda: optim.Adam([_param()], eps=-1e-8), ValueError, "eps"),
        (lambda: optim.AdamW([_param()], weight_decay=-0.01), ValueError, "weight_decay"),
        (lambda: optim.RMSprop([_param()], lr=0.0), ValueError, "lr"),
        (lambda: optim.RMSprop([_param()], alpha=1.5), ValueError, "alpha"),
        (lambda: optim.RMSprop([_param()], alpha=-0.1), ValueError, "alpha"),
        (lambda: optim.RMSprop([_param()], eps=-1e-8), ValueError, "eps"),
        (lambda: optim.RMSprop([_param()], momentum=1.0), ValueError, "momentum"),
        (lambda: optim.RMSprop([_param()], momentum=-0.1), ValueError, "momentum"),
        (lambda: optim.RMSprop([_param()], centered="yes"), TypeError, "centered"),
        (lambda: optim.Adagrad([_param()], lr=-0.01), ValueError, "lr"),
        (lambda: optim.Adagrad([_param()], lr_decay=-0.1), ValueError, "lr_decay"),
        (
            lambda: optim.Adagrad([_param()], initial_accumulator_value=-1.0),
            ValueError,
            "initial_accumulator_value",
        ),
        (lambda: optim.Adagrad([_param()], eps=float("nan")), ValueError, "eps"),
        (lambda: optim.SGD([{"params": [_param()], "lrr": 0.1}], lr=0.1), ValueError, "lrr"),
        (
            lambda: optim.Adam([{"params": [_param()], "weight_decay": 0.1}]),
            ValueError,
            "weight_decay",
        ),
        (lambda: optim.SGD([{"params": [_param()], "lr": -1.0}], lr=0.1), ValueError, "lr"),
        (lambda: optim.SGD([], lr=0.1), ValueError, "empty"),
        (lambda: optim.SGD([np.ones(3)], lr=0.1), TypeError, "tensors that require grad"),
        (lambda: optim.SGD([_param()], lr=0.1, penalty=0.01), TypeError, "penalty"),
        (lambda: optim.SGD([_param()], lr=0.1, penalty="L2"), TypeError, "penalty"),
        (lambda: optim.SGD([_param()], lr=0.1, penalty=penalties.L2), TypeError, "penalty"),
        (lambda: optim.Adam([{"params": [_param()], "penalty": object()}]), TypeError, "penalty"),
    ],
)
def test_bad_hyper_parameters_raise_naming_them(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_duplicate_parameters_raise():
    p, q = _param(), _param()
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([p, q, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [p]}, {"params": [q, p]}], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [p]})
    assert len(opt.param_groups) == 1


# ---------------------------------------------------------------------------
# Optimizer state
# ---------------------------------------------------------------------------


def _problem():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((16, 3))
    y = np.tanh(X @ np.array([[1.0], [-2.0], [0.5]]))
    return X, y


def _model(seed):
    tinyreg.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))


def _train(model, opt, steps, X, y):
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        opt.step()


STATEFUL = {
    "sgd-nesterov": lambda ps: optim.SGD(
        ps, lr=0.05, momentum=0.9, nesterov=True, penalty=penalties.L1(1e-3)
    ),
    "adam-l2": lambda ps: optim.Adam(ps, lr=0.01, penalty=penalties.L2(0.01)),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.05),
    "rmsprop": lambda ps: optim.RMSprop(
        ps, lr=0.01, momentum=0.5, centered=True, penalty=penalties.L1(1e-3)
    ),
    "adagrad": lambda ps: optim.Adagrad(
        ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, penalty=penalties.L1(1e-3)
    ),
}


def assert_tree_equal(a, b):
    assert type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_tree_equal(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_tree_equal(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    else:
        assert a == b


@pytest.mark.parametrize("through_file", [False, True], ids=["in-memory", "save-load"])
@pytest.mark.parametrize("name", list(STATEFUL))
def test_resuming_from_a_state_dict_equals_uninterrupted_training(tmp_path, name, through_file):
    X, y = _problem()
    reference = _model(0)
    _train(reference, STATEFUL[name](reference.parameters()), 10, X, y)

    first = _model(0)
    opt = STATEFUL[name](first.parameters())
    _train(first, opt, 5, X, y)
    checkpoint = {"model": first.state_dict(), "optim": opt.state_dict()}
    if through_file:
        tinyreg.save(checkpoint, tmp_path / "ckpt.npz")
        checkpoint = tinyreg.load(tmp_path / "ckpt.npz")

    resumed = _model(1)  # different initial weights, overwritten by the checkpoint
    opt2 = STATEFUL[name](resumed.parameters())
    resumed.load_state_dict(checkpoint["model"])
    opt2.load_state_dict(checkpoint["optim"])
    _train(resumed, opt2, 5, X, y)
    for (key, a), (_, b) in zip(
        reference.state_dict().items(), resumed.state_dict().items(), strict=True
    ):
        assert a.tobytes() == b.tobytes(), key


def test_optimizer_state_dict_is_a_copy():
    X, y = _problem()
    model = _model(0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    _train(model, opt, 2, X, y)
    saved = opt.state_dict()
    snapshot = copy.deepcopy(saved)
    saved["state"][0]["momentum_buffer"][:] = 99.0
    saved["param_groups"][0]["lr"] = 123.0
    assert_tree_equal(opt.state_dict(), snapshot)
    assert opt.param_groups[0]["lr"] == 0.05
    assert "penalty" not in snapshot["param_groups"][0]  # configuration, not state


def _bad_state_dicts(saved):
    extra_group = copy.deepcopy(saved)
    extra_group["param_groups"].append(copy.deepcopy(saved["param_groups"][0]))
    wrong_buffer = copy.deepcopy(saved)
    wrong_buffer["state"][0]["momentum_buffer"] = np.zeros((2, 2))
    wrong_count = copy.deepcopy(saved)
    wrong_count["param_groups"][0]["params"] = wrong_count["param_groups"][0]["params"][:-1]
    bad_lr = copy.deepcopy(saved)
    bad_lr["param_groups"][0]["lr"] = -1.0
    bad_index = copy.deepcopy(saved)
    bad_index["state"][17] = {"momentum_buffer": np.zeros(3)}
    return {
        "extra-group": (extra_group, "parameter groups"),
        "wrong-buffer-shape": (wrong_buffer, r"momentum_buffer.*\(2, 2\)"),
        "wrong-param-count": (wrong_count, "parameters saved"),
        "bad-lr": (bad_lr, "lr"),
        "bad-index": (bad_index, "17"),
        "not-a-state-dict": ({"weights": 1}, "not an optimizer state dict"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "extra-group",
        "wrong-buffer-shape",
        "wrong-param-count",
        "bad-lr",
        "bad-index",
        "not-a-state-dict",
    ],
)
def test_bad_optimizer_state_dict_raises_and_changes_nothing(case):
    X, y = _problem()
    model = _model(0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    _train(model, opt, 3, X, y)
    twin = _model(0)
    twin_opt = optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    _train(twin, twin_opt, 3, X, y)

    before = opt.state_dict()
    groups_before = opt.param_groups
    bad, message = _bad_state_dicts(opt.state_dict())[case]
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    assert opt.param_groups is groups_before
    assert_tree_equal(opt.state_dict(), before)
    # and training goes on exactly as if nothing had happened
    _train(model, opt, 3, X, y)
    _train(twin, twin_opt, 3, X, y)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        assert a.data.tobytes() == b.data.tobytes()


def test_bad_optimizer_state_dict_lists_every_problem():
    model = _model(0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    _train(model, opt, 1, *_problem())
    bad = opt.state_dict()
    bad["state"][0]["momentum_buffer"] = np.zeros(7)
    bad["param_groups"][0]["momentum"] = -1.0
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(bad)
    message = str(info.value)
    assert "momentum_buffer" in message and "momentum must be in [0.0, 1.0)" in message


# ---------------------------------------------------------------------------
# Convergence on least squares: (1/(2n))‖y − Xw − b‖² + penalty
# ---------------------------------------------------------------------------


def _least_squares(n, p, w_true, intercept, noise, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + shift
    y = X @ w_true + intercept + noise * rng.standard_normal(n)
    return X, y


def _lipschitz(X):
    """Largest eigenvalue of the data term's Hessian in (w, b)."""
    Xa = np.hstack([X, np.ones((len(X), 1))])
    return float(np.linalg.eigvalsh(Xa.T @ Xa / len(X)).max())


def _fit(X, y, make_opt, steps, loss_penalty=None, start=None):
    """Full-batch training of nn.Linear(p, 1) on 0.5·mse = (1/(2n))‖y − Xw − b‖²."""
    tinyreg.manual_seed(0)
    model = nn.Linear(X.shape[1], 1)
    if start is not None:
        model.weight.data[:] = start[0]
        model.bias.data[:] = start[1]
    opt = make_opt(model.parameters())
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(model(Xt), yt)
        if loss_penalty is not None:
            loss = loss + loss_penalty(model)
        loss.backward()
        opt.step()
    return model.weight.data[0].copy(), float(model.bias.data[0])


def _ridge(X, y, alpha):
    """Closed form on centred data; the intercept is not penalized."""
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(p), Xc.T @ yc / n)
    return w, y.mean() - X.mean(axis=0) @ w


def _hessian(X, alpha):
    """Hessian in (w, b) of (1/(2n))‖y − Xw − b‖² + (alpha/2)‖w‖² (no penalty on b)."""
    Xa = np.hstack([X, np.ones((len(X), 1))])
    return Xa.T @ Xa / len(X) + alpha * np.diag([1.0] * X.shape[1] + [0.0])


def _heavy_ball_transfer(H, lr, momentum, steps):
    """G with e_k = G·e_0 for SGD with momentum (dampening 0) on a quadratic of Hessian H.

    tinyreg's update b ← m·b + d, w ← w − lr·b with b = d at the first step is
    the heavy ball w_{k+1} = w_k − lr·H·e_k + m·(w_k − w_{k−1}) with w_{−1} = w_0,
    so the errors e follow the linear recurrence of the 2×2 block matrix T.
    """
    n = len(H)
    identity = np.eye(n)
    T = np.block([[(1 + momentum) * identity - lr * H, -momentum * identity], [identity, 0 * H]])
    return (np.linalg.matrix_power(T, steps) @ np.vstack([identity, identity]))[:n]


@given(alpha=st.floats(0.01, 2.0), seed=st.integers(0, 1000))
def test_sgd_momentum_with_l2_reaches_the_closed_form_ridge_solution(alpha, seed):
    X, y = _least_squares(40, 4, np.array([1.5, -2.0, 0.5, 3.0]), 0.7, 0.3, seed, shift=0.3)
    w_ridge, b_ridge = _ridge(X, y, alpha)
    solution = np.append(w_ridge, b_ridge)
    H = _hessian(X, alpha)
    eigenvalues = np.linalg.eigvalsh(H)
    kappa = eigenvalues[-1] / eigenvalues[0]
    lr, momentum, steps = 1.0 / eigenvalues[-1], 0.5, 400
    # From w = 0, b = 0 the error is e_k = G·e_0 with e_0 = −solution: the guarantee is ‖G‖·‖e_0‖.
    transfer = np.linalg.norm(_heavy_ball_transfer(H, lr, momentum, steps), 2)
    assert transfer < 1e-12  # 400 steps are enough for these problems (κ < 12, rate √m)
    w, b = _fit(
        X,
        y,
        lambda ps: optim.SGD(ps, lr=lr, momentum=momentum, penalty=penalties.L2(alpha)),
        steps=steps,
        start=(np.zeros(4), 0.0),
    )
    scale = np.linalg.norm(solution)
    # what is left is rounding: the reference's κ·eps·‖solution‖, with a factor 100 of margin
    tolerance = transfer * scale + 100 * kappa * EPS * scale
    assert np.linalg.norm(np.append(w, b) - solution) <= tolerance
    # and the penalty made a difference: z_ols − z_ridge = alpha·(H0 + alpha·D)⁻¹·D·z_ols, whose
    # norm is at least alpha·‖w_ols‖/λ_max(H); half of that, for rounding
    w_ols, b_ols = _ridge(X, y, 0.0)
    gap = np.linalg.norm(np.append(w_ols - w_ridge, b_ols - b_ridge))
    assert gap >= 0.5 * alpha * np.linalg.norm(w_ols) / eigenvalues[-1]


LASSO_W = np.array([2.0, 0.0, -1.5, 0.0, 0.0, 1.0])


def _lasso_problem():
    return _least_squares(60, 6, LASSO_W, 0.5, 0.1, seed=1)


def _proximal_gradient_contraction(X):
    """1 − μ/L: proximal gradient descent with lr = 1/L contracts ‖w − w*‖ by this factor.

    μ and L are the extreme eigenvalues of the data term's Hessian in (w, b)
    (strongly convex: X has full column rank); the prox is non-expansive.
    """
    eigenvalues = np.linalg.eigvalsh(_hessian(X, 0.0))
    return 1.0 - eigenvalues[0] / eigenvalues[-1], eigenvalues[-1] / eigenvalues[0]


def test_sgd_with_l1_reaches_the_lasso_solution_with_exact_zeros():
    X, y = _lasso_problem()
    alpha, steps = 0.1, 500
    rate, kappa = _proximal_gradient_contraction(X)
    assert rate**steps < 1e-30  # from any start within 1e15 of the solution: converged
    w, b = _fit(
        X,
        y,
        lambda ps: optim.SGD(ps, lr=1 / _lipschitz(X), penalty=penalties.L1(alpha)),
        steps=steps,
    )
    absent = LASSO_W == 0
    assert np.all(w[absent] == 0.0)  # exact zeros, not merely small
    assert np.all(w[~absent] != 0.0)
    # optimality (KKT) of (1/(2n))‖y − Xw − b‖² + alpha·‖w‖₁, up to the rounding floor of
    # computing the residual and the correlations (κ·eps times their scale, with margin 100)
    n = len(y)
    r = y - X @ w - b
    correlation = X.T @ r / n
    floor = 100 * kappa * EPS * np.abs(X).max() * (np.abs(y).max() + np.abs(r).max())
    assert abs(r.mean()) <= floor  # the intercept is at its optimum
    assert np.all(np.abs(correlation[absent]) <= alpha + floor)
    np.testing.assert_allclose(
        correlation[~absent], alpha * np.sign(w[~absent]), rtol=0, atol=floor
    )


def test_l1_through_autograd_gives_no_exact_zeros():
    """The subgradient route hovers near the lasso solution and never lands on its zeros.

    With h = 1/L and H the data term's Hessian, its error obeys
    e ← (I − h·H)·e − h·alpha·(s − s*), s and s* sign vectors in [−1, 1]^p, so
    ‖e_k‖ ≤ (1 − μ/L)^k·‖e_0‖ + 2·alpha·√p/μ: near, not at, the solution.
    """
    X, y = _lasso_problem()
    alpha, steps = 0.1, 500
    lr = 1 / _lipschitz(X)
    w, b = _fit(
        X,
        y,
        lambda ps: optim.SGD(ps, lr=lr),
        steps=steps,
        loss_penalty=penalties.L1(alpha),
    )
    assert np.count_nonzero(w == 0.0) == 0
    # the proximal route converges to the lasso solution itself (previous test)
    w_prox, b_prox = _fit(X, y, lambda ps: optim.SGD(ps, lr=lr, penalty=penalties.L1(alpha)), steps)
    assert np.count_nonzero(w_prox == 0.0) == np.count_nonzero(LASSO_W == 0)
    rate, _ = _proximal_gradient_contraction(X)
    mu = np.linalg.eigvalsh(_hessian(X, 0.0))[0]
    tinyreg.manual_seed(0)
    start = nn.Linear(X.shape[1], 1)  # where _fit starts
    e0 = np.append(start.weight.data[0] - w_prox, start.bias.data[0] - b_prox)
    bound = rate**steps * np.linalg.norm(e0) + 2 * alpha * np.sqrt(X.shape[1]) / mu
    assert np.linalg.norm(np.append(w - w_prox, b - b_prox)) <= bound


def _adam_problem():
    X, y = _least_squares(40, 4, np.array([1.5, -2.0, 0.5, 3.0]), 0.7, 0.3, seed=0, shift=0.3)
    return X, y, 0.3


def _ridge_gradient_norm(X, y, w, b, alpha):
    """Norm of the gradient of (1/(2n))‖y − Xw − b‖² + (alpha/2)‖w‖²; zero at the ridge solution."""
    r = y - X @ w - b
    return np.linalg.norm(np.append(-X.T @ r / len(y) + alpha * w, -r.mean()))


def _distance_bounds(X, y, w, b, alpha):
    """Certified bounds on the distance from (w, b) to ridge's solution (alpha 0: least squares).

    For a strongly convex quadratic F, ‖∇F‖/L ≤ ‖(w, b) − (w*, b*)‖ ≤ ‖∇F‖/μ, with μ
    and L the extreme eigenvalues of its Hessian.
    """
    eigenvalues = np.linalg.eigvalsh(_hessian(X, alpha))
    gradient = _ridge_gradient_norm(X, y, w, b, alpha)
    return gradient / eigenvalues[-1], gradient / eigenvalues[0]


def _separation(X, y, alpha):
    """The distance between the two candidate fixed points, ridge and least squares."""
    (w_ridge, b_ridge), (w_ols, b_ols) = _ridge(X, y, alpha), _ridge(X, y, 0.0)
    return np.linalg.norm(np.append(w_ridge - w_ols, b_ridge - b_ols))


def test_adamw_fixed_point_differs_from_adam_with_l2():
    """Both trained from the same start on the same problem with weight_decay = alpha.

    Adam + L2 converges to the ridge solution. AdamW does not: its decay is
    not rescaled by the moments, so it is stationary where
    wd·w = −m̂/(√v̂ + eps), i.e. where the loss gradient is of order eps --
    next to the unpenalized least-squares solution here. It approaches that
    point slowly (on the 1/(1 − β2) time scale), so after the same number of
    steps it is merely far from ridge; the next tests pin its fixed point.

    Adam with a constant lr has no convergence rate to derive a tolerance
    from; what this test claims is *which* fixed point each one reaches, so
    distances are certified by the gradient (see _distance_bounds) and
    compared with the separation of the candidates (about 1.2 here).
    """
    X, y, alpha = _adam_problem()
    separation = _separation(X, y, alpha)
    w_adam, b_adam = _fit(
        X, y, lambda ps: optim.Adam(ps, lr=0.03, penalty=penalties.L2(alpha)), steps=2000
    )
    w_adamw, b_adamw = _fit(
        X, y, lambda ps: optim.AdamW(ps, lr=0.03, weight_decay=alpha), steps=2000
    )
    # Adam + L2 (coupled) is at the ridge solution, to a millionth of the separation ...
    _, adam_at_most = _distance_bounds(X, y, w_adam, b_adam, alpha)
    assert adam_at_most <= 1e-6 * separation
    # ... AdamW (decoupled) is a tenth of the separation away, at least
    adamw_at_least, _ = _distance_bounds(X, y, w_adamw, b_adamw, alpha)
    assert adamw_at_least >= 0.1 * separation


def test_ridge_is_an_exact_fixed_point_of_adam_with_l2_but_not_of_adamw():
    """On a problem whose ridge solution is exact in binary floating point.

    X has orthogonal ±1 columns of mean 0 (so XᵀX/n = I) and alpha = 1, so
    the ridge solution is w = Xᵀ(y − ȳ)/(2n) = (0.5, 1), b = ȳ = 2, and every
    residual and gradient at it is a small dyadic number: the gradient is
    exactly 0 whatever the order of summation (whatever the BLAS kernel).
    Adam + L2 then has m = 0 and takes steps of exactly 0. AdamW's decay
    w·(1 − lr·wd) does not vanish there, so ridge is not its fixed point.
    (A generic closed-form solution is not exact: its rounding-level gradient
    is amplified by Adam's 1/√v̂ into an O(lr) first step, so it cannot be
    used to test "stays there".)
    """
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    y = np.array([5.0, 1.0, 3.0, -1.0])
    alpha = 1.0
    w_ridge, b_ridge = np.array([0.5, 1.0]), 2.0
    assert _ridge_gradient_norm(X, y, w_ridge, b_ridge, alpha) == 0.0
    start = (w_ridge, b_ridge)
    w_adam, b_adam = _fit(
        X,
        y,
        lambda ps: optim.Adam(ps, lr=0.01, penalty=penalties.L2(alpha)),
        steps=100,
        start=start,
    )
    np.testing.assert_array_equal(w_adam, w_ridge)
    assert b_adam == b_ridge
    w_adamw, _ = _fit(
        X, y, lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=alpha), steps=100, start=start
    )
    assert np.abs(w_adamw - w_ridge).max() > 0.1


def test_adam_with_l2_converges_to_ridge_and_adamw_stays_at_least_squares():
    """Started at the least-squares solution (far from ridge).

    Adam + L2 contracts towards ridge while its second moment remembers the
    large early gradients (it acts as gradient descent with step lr/√v̂).
    AdamW's decay is not rescaled by the moments, so least squares is (up to
    hovering of order lr) its fixed point: it stays next to it. As in the
    test above, the claim is which fixed point, so each distance is
    certified by a gradient and compared with the separation of the two.
    """
    X, y, alpha = _adam_problem()
    w_ols, b_ols = _ridge(X, y, 0.0)
    separation = _separation(X, y, alpha)
    assert separation > 0.5  # the two candidate points are far apart
    w_adam, b_adam = _fit(
        X,
        y,
        lambda ps: optim.Adam(ps, lr=0.01, penalty=penalties.L2(alpha)),
        steps=1000,
        start=(w_ols, b_ols),
    )
    _, adam_to_ridge = _distance_bounds(X, y, w_adam, b_adam, alpha)
    assert adam_to_ridge <= 1e-6 * separation
    w_adamw, b_adamw = _fit(
        X,
        y,
        lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=alpha),
        steps=1000,
        start=(w_ols, b_ols),
    )
    # within a twentieth of the separation of least squares (so 19/20 of it from ridge);
    # Adam's steps are at most about lr each, and lr = 0.01 here
    _, adamw_to_ols = _distance_bounds(X, y, w_adamw, b_adamw, 0.0)
    assert adamw_to_ols <= 0.05 * separation


# ---------------------------------------------------------------------------
# Non-finite gradients: raise (default), skip, ignore
# ---------------------------------------------------------------------------


def _two_group_model():
    tinyreg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def _grouped(make, model, penalty):
    """Two parameter groups (first layer, last layer), given by name."""
    named = list(model.named_parameters())
    return make([{"params": named[:2]}, {"params": named[2:]}], penalty)


def _snapshot(model, opt):
    return [p.data.copy() for p in model.parameters()], copy.deepcopy(opt.state_dict())


def _assert_untouched(model, opt, snapshot):
    params, state = snapshot
    for p, before in zip(model.parameters(), params, strict=True):
        assert p.data.tobytes() == before.tobytes()
    assert_tree_equal(opt.state_dict(), state)


def _set_gradients(model, seed):
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.grad = rng.standard_normal(p.shape)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_nonfinite_gradient_raises_naming_the_parameter_and_changes_nothing(name, penalty, bad):
    model = _two_group_model()
    opt = _grouped(OPTIMIZERS[name], model, PENALTIES[penalty])
    for seed in range(2):  # some state first: momentum buffers, moments, step counts
        _set_gradients(model, seed)
        opt.step()
    snapshot = _snapshot(model, opt)
    _set_gradients(model, 5)
    model[2].weight.grad[0, :2] = bad  # the second group; the first group's gradients are fine
    with pytest.raises(FloatingPointError) as info:
        opt.step()
    message = str(info.value)
    assert "'2.weight' (shape (2, 5)): 2 of 10 values of its gradient are NaN or infinite" in (
        message
    )
    assert "0.weight" not in message and "2.bias" not in message
    _assert_untouched(model, opt, snapshot)
    # the error changed nothing: with the gradient repaired, the step is the one it would have been
    model[2].weight.grad[0, :2] = 0.0
    twin = _two_group_model()
    twin_opt = _grouped(OPTIMIZERS[name], twin, PENALTIES[penalty])
    for seed in range(2):
        _set_gradients(twin, seed)
        twin_opt.step()
    _set_gradients(twin, 5)
    twin[2].weight.grad[0, :2] = 0.0
    opt.step()
    twin_opt.step()
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert p.data.tobytes() == q.data.tobytes()


def test_nonfinite_message_without_names_gives_index_and_shape():
    w, b = make_params()
    opt = optim.Adam([w, b], lr=0.01)
    w.grad, b.grad = np.ones(w.shape), np.array([1.0, np.nan, np.inf])
    with pytest.raises(FloatingPointError) as info:
        opt.step()
    message = str(info.value)
    assert "parameter 1 (shape (3,)): 2 of 3 values of its gradient are NaN or infinite" in message
    assert "parameter 0" not in message
    assert "named_parameters()" in message  # says how to get names
    assert not opt.state and w.data.tobytes() == make_params()[0].data.tobytes()


def test_nonfinite_message_lists_every_bad_parameter_of_a_module():
    model = _two_group_model()
    opt = optim.SGD(model, lr=0.1)  # a Module: its parameter names are known
    _set_gradients(model, 0)
    model[0].bias.grad[:] = np.inf
    model[2].weight.grad[1, 1] = np.nan
    with pytest.raises(FloatingPointError) as info:
        opt.step()
    message = str(info.value)
    assert "'0.bias' (shape (5,)): 5 of 5 values" in message
    assert "'2.weight' (shape (2, 5)): 1 of 10 values" in message
    assert "named_parameters()" not in message


def test_nonfinite_from_the_penalty_is_named_as_such():
    class Broken(penalties.L2):
        def grad(self, w):
            return np.full_like(w, np.nan)

    w, _ = make_params()
    opt = optim.SGD([("w", w)], lr=0.1, penalty=Broken(0.1))
    w.grad = np.ones(w.shape)
    before = w.data.copy()
    with pytest.raises(FloatingPointError, match=r"'w'.*6 of 6 values of its direction.*penalty"):
        opt.step()
    assert w.data.tobytes() == before.tobytes()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_nonfinite_skip_skips_the_step_and_counts_it(name, tmp_path):
    model = _two_group_model()
    make = OPTIMIZERS[name]
    opt = make(model.parameters(), penalties.L1(0.01))
    opt.nonfinite = "skip"
    twin = _two_group_model()
    twin_opt = make(twin.parameters(), penalties.L1(0.01))
    for seed in range(6):
        _set_gradients(model, seed)
        if seed in (2, 4):
            model[0].weight.grad[0, 0] = np.nan  # skipped: as if the step had not been called
            snapshot = _snapshot(model, opt)
            opt.step()
            params, state = snapshot
            state["skipped_steps"] += 1
            _assert_untouched(model, opt, (params, state))
        else:
            _set_gradients(twin, seed)
            opt.step()
            twin_opt.step()
    assert opt.skipped_steps == 2 and twin_opt.skipped_steps == 0
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert p.data.tobytes() == q.data.tobytes()
    # the count is state: saved, and restored by load_state_dict
    tinyreg.save(opt.state_dict(), tmp_path / "opt.npz")
    resumed = make(model.parameters(), penalties.L1(0.01))
    assert resumed.skipped_steps == 0
    resumed.load_state_dict(tinyreg.load(tmp_path / "opt.npz"))
    assert resumed.skipped_steps == 2
    assert_tree_equal(resumed.state_dict(), opt.state_dict())


def test_nonfinite_skip_raises_no_floating_point_warning():
    w, b = make_params()
    opt = optim.Adam([w, b], lr=0.01, nonfinite="skip")
    w.grad = np.full(w.shape, np.inf)
    w.grad[0, 0] = -np.inf
    b.grad = np.full(b.shape, 1e300)  # finite, but its squares overflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    assert opt.skipped_steps == 1


def test_nonfinite_ignore_lets_nan_through():
    w, b = make_params()
    opt = optim.SGD([w, b], lr=0.1, nonfinite="ignore")
    w.grad, b.grad = np.ones(w.shape), np.array([np.nan, 0.0, 0.0])
    with np.errstate(invalid="ignore"):
        opt.step()
    assert np.isnan(b.data[0]) and np.isfinite(b.data[1:]).all()
    assert opt.skipped_steps == 0


def test_nonfinite_policy_is_checked():
    with pytest.raises(ValueError, match="nonfinite must be one of 'raise', 'skip', 'ignore'"):
        optim.SGD([_param()], lr=0.1, nonfinite="warn")


@pytest.mark.parametrize("bad", [-1, 1.5, "2"])
def test_bad_skipped_steps_in_a_state_dict_is_reported(bad):
    w, _ = make_params()
    opt = optim.SGD([w], lr=0.1)
    state = opt.state_dict()
    state["skipped_steps"] = bad
    with pytest.raises(ValueError, match="skipped_steps"):
        opt.load_state_dict(state)
    assert opt.skipped_steps == 0


def test_a_state_dict_without_skipped_steps_counts_none():
    w, _ = make_params()
    opt = optim.SGD([w], lr=0.1, nonfinite="skip")
    opt.skipped_steps = 3
    state = opt.state_dict()
    del state["skipped_steps"]
    opt.load_state_dict(state)
    assert opt.skipped_steps == 0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_recorded_gradient_tensor_is_read_by_its_values(name):
    """After backward(create_graph=True) a gradient is a Tensor; steps and zero_grad read it."""
    w, b = make_params()
    w2, b2 = make_params()
    opt, twin = OPTIMIZERS[name]([w, b], None), OPTIMIZERS[name]([w2, b2], None)
    gw, gb = gradients(w.shape)[0], gradients(b.shape)[0]
    w.grad, b.grad = tinyreg.tensor(gw), tinyreg.tensor(gb)
    w2.grad, b2.grad = gw.copy(), gb.copy()
    opt.step()
    twin.step()
    assert w.data.tobytes() == w2.data.tobytes() and b.data.tobytes() == b2.data.tobytes()
    opt.zero_grad(set_to_none=False)
    assert isinstance(w.grad, np.ndarray) and not w.grad.any() and w.grad.shape == w.shape
    w.grad = tinyreg.tensor(np.full(w.shape, np.nan))
    with pytest.raises(FloatingPointError, match="parameter 0"):
        opt.step()


# ---------------------------------------------------------------------------
# step(closure), the optimizers' names, and their work arrays
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_step_returns_the_closure_loss_computed_before_the_update(name):
    X, y = _problem()
    model = _model(0)
    opt = OPTIMIZERS[name](model.parameters(), None)
    seen = []

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        seen.append([p.data.copy() for p in model.parameters()])
        return loss

    before = [p.data.copy() for p in model.parameters()]
    with tinyreg.no_grad():  # step turns recording back on for the closure
        loss = opt.step(closure)
    assert isinstance(loss, tinyreg.Tensor) and loss.item() > 0
    for a, b in zip(seen[0], before, strict=True):
        assert a.tobytes() == b.tobytes()  # the closure ran first
    assert any(
        a.tobytes() != p.data.tobytes() for a, p in zip(before, model.parameters(), strict=True)
    )
    assert opt.step() is None


def test_parameters_can_be_given_by_name_in_groups_but_not_mixed():
    model = _two_group_model()
    named = list(model.named_parameters())
    opt = optim.SGD([{"params": named[:2], "lr": 0.5}, {"params": named[2:]}], lr=0.1)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2]
    assert all(isinstance(p, nn.Parameter) for g in opt.param_groups for p in g["params"])
    with pytest.raises(TypeError, match="all as tensors or all as"):
        optim.SGD([named[0], model[2].weight], lr=0.1)
    with pytest.raises(TypeError, match="name must be a str"):
        optim.SGD([(0, model[2].weight)], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD(nn.ReLU(), lr=0.1)


def _peak_allocation(function):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.0),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.1),
        lambda ps: optim.AdamW(ps, lr=0.1),
        lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
        lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1),
    ],
    ids=["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"],
)
def test_steps_reuse_their_work_arrays(make):
    """After the first step, a step allocates nothing the size of the parameter."""
    p = nn.Parameter(np.zeros((500, 400)))  # 1.6 MB
    p.grad = np.random.default_rng(0).standard_normal(p.shape)
    opt = make([p])
    opt.step()  # the first step allocates the state and the work arrays
    opt.step()
    assert _peak_allocation(opt.step) < 0.5 * p.data.nbytes


def test_bad_optimizer_state_dict_lists_every_kind_of_problem_at_once():
    model = _model(0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    _train(model, opt, 2, *_problem())
    before = opt.state_dict()
    bad = copy.deepcopy(before)
    bad["param_groups"].append(copy.deepcopy(bad["param_groups"][0]))  # a group too many
    bad["param_groups"][0]["params"] = bad["param_groups"][0]["params"][:-1]  # a parameter short
    bad["param_groups"][0]["lr"] = -1.0  # invalid hyper-parameter
    bad["state"][0]["momentum_buffer"] = np.zeros(7)  # wrong shape
    bad["state"][1]["momentum_buffer"][0] = np.nan  # not finite
    bad["state"][17] = {"momentum_buffer": np.zeros(3)}  # no such parameter
    bad["skipped_steps"] = -2
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(bad)
    lines = str(info.value).splitlines()
    assert lines[0] == "cannot load SGD state (nothing was changed):"
    expected = [
        "2 parameter groups saved, optimizer has 1",
        "group 0: 3 parameters saved, optimizer has 4",
        "group 0: lr must be > 0, got -1.0",
        "state 'momentum_buffer' of parameter 0 has shape (7,), the parameter has shape (5, 3)",
        "state 'momentum_buffer' of parameter 1 contains 1 non-finite value(s)",
        "state for parameter 17, but there are only 4",
        "skipped_steps must be >= 0, got -2",
    ]
    assert len(lines) == 1 + len(expected)
    for line, text in zip(lines[1:], expected, strict=True):
        assert line.strip().startswith(text), (line, text)
    assert_tree_equal(opt.state_dict(), before)


def test_adam_accepts_the_closed_ends_of_its_ranges():
    """beta1 = 0 (no momentum: RMSprop with bias correction) and eps = 0 are valid settings."""
    w, b = make_params()
    w0 = w.data.copy()
    gw, gb = gradients(w.shape, seed=4), gradients(b.shape, seed=5)
    opt = optim.Adam([w, b], lr=0.01, betas=(0.0, 0.9), eps=0.0)
    (got_w, _) = run(opt, [w, b], [gw, gb])
    assert_same_values(got_w, adam_reference(w0, gw, 0.01, (0.0, 0.9), 0.0))


# ---------------------------------------------------------------------------
# RMSprop and Adagrad beside PyTorch; weight_decay refused
# ---------------------------------------------------------------------------

TORCH_SETTINGS = {
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop-alpha": ("RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-6}),
    "rmsprop-momentum": ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    "rmsprop-centered": ("RMSprop", {"lr": 0.01, "alpha": 0.8, "centered": True}),
    "rmsprop-centered-momentum": (
        "RMSprop",
        {"lr": 0.005, "momentum": 0.5, "centered": True},
    ),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad-decay": (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.2, "initial_accumulator_value": 0.5, "eps": 1e-6},
    ),
}


def _torch_side_by_side(name, weight_decay=0.0, dtype=np.float64):
    """Eight steps of tinyreg and PyTorch on the same weight and bias, with the same gradients.

    PyTorch's ``weight_decay=a`` decays every parameter; in tinyreg that is
    ``penalty=L2(a)`` in a group with ``"regularize": True``.
    """
    torch = pytest.importorskip("torch")
    cls, settings = TORCH_SETTINGS[name]
    rng = np.random.default_rng(list(TORCH_SETTINGS).index(name))
    w0, b0 = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    w, b = nn.Parameter(w0.copy()), nn.Parameter(b0.copy(), regularize=False)
    penalty = penalties.L2(weight_decay) if weight_decay else None
    group = {"params": [w, b], "regularize": True}
    ours = getattr(optim, cls)([group], penalty=penalty, **settings)
    tw, tb = (torch.tensor(a.copy(), requires_grad=True) for a in (w0, b0))
    theirs = getattr(torch.optim, cls)([tw, tb], weight_decay=weight_decay, **settings)
    for scale in (1.0, 0.3, 3.0, 0.01, 1.7, 0.5, 2.0, 0.1):
        for p, t in ((w, tw), (b, tb)):
            g = (scale * rng.standard_normal(p.shape)).astype(dtype)
            p.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
        ours.step()
        theirs.step()
    return [(p.data, t.detach().numpy()) for p, t in ((w, tw), (b, tb))], ours, theirs


@pytest.mark.parametrize("weight_decay", [0.0, 0.1], ids=["plain", "L2"])
@pytest.mark.parametrize("name", list(TORCH_SETTINGS))
def test_rmsprop_and_adagrad_agree_with_pytorch(name, weight_decay):
    """float64, eight steps: the same formulas, rounded alike but for PyTorch's fused kernels."""
    pairs, ours, theirs = _torch_side_by_side(name, weight_decay)
    for got, expected in pairs:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # the state too, under PyTorch's names
    for i, p in enumerate(ours._params()):
        torch_state = theirs.state_dict()["state"][i]
        for key, value in ours.state[p].items():
            expected = torch_state[key]
            if key == "step":
                assert value == int(expected)
            else:
                np.testing.assert_allclose(value, expected.numpy(), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", ["rmsprop-centered-momentum", "adagrad-decay"])
def test_rmsprop_and_adagrad_keep_float32(name):
    pairs, _, _ = _torch_side_by_side(name, 0.1, dtype=np.float32)
    for got, expected in pairs:
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0)


def _lasso_fit_from_its_solution(make_opt, settled_state, steps=100):
    """Steps of ``make_opt`` on a least-squares problem whose lasso solution is exact in binary.

    X has orthogonal ±1 columns of mean 0 (XᵀX/n = I), so for alpha = 1.5 the
    lasso solution of (1/(2n))‖y − Xw − b‖² + alpha‖w‖₁ is the soft-threshold
    of Xᵀ(y − ȳ)/n = (1, 2): w = (0, 0.5), b = ȳ = 2; the gradient there is
    exactly (−1, −1.5) (|−1| < alpha: the first weight is 0) and 0 for b.
    ``settled_state(d)`` gives the optimizer's state for a parameter whose
    direction has been d at every step (None: start from scratch).
    """
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    y = np.array([5.0, 1.0, 3.0, -1.0])
    model = nn.Linear(2, 1)
    model.weight.data[:] = [[0.0, 0.5]]
    model.bias.data[:] = 2.0
    opt = make_opt(model.parameters())
    if settled_state is not None:
        for p, d in ((model.weight, np.array([[-1.0, -1.5]])), (model.bias, np.zeros(1))):
            opt.state[p] = settled_state(d)
    Xt, yt = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    for k in range(steps):
        opt.zero_grad()
        (0.5 * F.mse_loss(model(Xt), yt)).backward()
        if k == 0:
            np.testing.assert_array_equal(model.weight.grad, [[-1.0, -1.5]])
            assert model.bias.grad[0] == 0.0
        opt.step()
    return model.weight.data[0].copy(), float(model.bias.data[0])


def _rmsprop_settled(momentum):
    """RMSprop's state after many steps along d: v = d², and b = (d/a)/(1 − momentum)."""

    def state(d):
        avg = np.abs(d) + 1e-8
        return {"step": 1000, "square_avg": d * d, "momentum_buffer": d / avg / (1 - momentum)}

    return state


@pytest.mark.parametrize(
    ("make", "settled_state"),
    [
        (lambda ps: optim.RMSprop(ps, lr=0.01, penalty=penalties.L1(1.5)), None),
        (
            lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, penalty=penalties.L1(1.5)),
            None,
        ),
        (
            lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, penalty=penalties.L1(1.5)),
            _rmsprop_settled(0.9),
        ),
        (lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1, penalty=penalties.L1(1.5)), None),
    ],
    ids=["rmsprop", "rmsprop-centered", "rmsprop-momentum", "adagrad"],
)
def test_the_lasso_solution_is_a_fixed_point_with_its_exact_zero(make, settled_state):
    """The settled-step rule: the prox's t is the step per unit of gradient, coordinate by
    coordinate, so at the lasso solution the gradient step and the soft-threshold cancel.

    With momentum m the step settles at lr/(a·(1 − m)); a prox with t = lr/a would
    threshold ten times too little at m = 0.9 and move the weight 0.5 by lr·1.5·9/a per
    step. What remains is rounding: a few ulps per step, added up over the steps.
    """
    steps = 100
    w, b = _lasso_fit_from_its_solution(make, settled_state, steps)
    assert w[0] == 0.0  # exactly
    tolerance = steps * 8 * EPS
    assert abs(w[1] - 0.5) <= tolerance
    assert abs(b - 2.0) <= tolerance


@pytest.mark.parametrize("cls", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_weight_decay_is_refused_naming_the_penalty_to_use(cls):
    make = getattr(optim, cls)
    with pytest.raises(TypeError, match=r"weight_decay=0\.1.*penalty=L2\(0\.1\).*AdamW") as info:
        make([_param()], lr=0.1, weight_decay=0.1)
    assert f"{cls}()" in str(info.value)
    with pytest.raises(TypeError, match="weight_decay"):
        make([_param()], lr=0.1, weight_decay=True)
    # 0, as PyTorch code often writes it, is no decay: the same steps as without it
    w, v = _param(), _param()
    with pytest.raises(TypeError, match="weight_decay"):
        make([_param()], lr=0.1, weight_decay=False)
    for p, opt in ((w, make([w], lr=0.1, weight_decay=np.float64(0.0))), (v, make([v], lr=0.1))):
        p.grad = np.array([1.0, -2.0, 0.5])
        opt.step()
    np.testing.assert_array_equal(w.data, v.data)


def test_weight_decay_in_a_parameter_group_names_the_penalty():
    with pytest.raises(ValueError, match=r'weight_decay.*"penalty": L2\(weight_decay\)'):
        optim.RMSprop([{"params": [_param()], "weight_decay": 0.1}])
