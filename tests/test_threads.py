"""Gradient mode belongs to the thread that sets it (as in PyTorch).

Every scenario makes its interleaving happen with barriers and events: no sleeps, no
timing assumptions. Each thread's failures are collected and re-raised in the main
thread, so an assertion inside a thread fails the test.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinyreg as tr
from tinyreg import functional as F
from tinyreg import nn, optim, penalties

TIMEOUT = 60  # seconds a thread may wait at a barrier before the test fails (a deadlock)


def run_threads(*targets):
    """Run each target in its own thread; re-raise the first exception any of them raised."""
    errors = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported in the main thread
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish (deadlock?)"
    if errors:
        raise errors[0]


def make_model(seed):
    tr.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(3, 16),
        nn.ReLU(),
        nn.Dropout(0.25, generator=np.random.default_rng(seed + 100)),
        nn.Linear(16, 1),
    )


def make_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 3))
    return tr.tensor(x), tr.tensor(x @ np.array([[1.0], [-2.0], [0.5]]))


def training_steps(model, x, y, steps, before=lambda: None, after=lambda: None):
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.5, penalty=penalties.L2(1e-3))
    for _ in range(steps):
        before()
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()  # raises if another thread's no_grad switched recording off here
        opt.step()
        after()
    return [p.data.copy() for p in model.parameters()]


def test_training_beside_no_grad_evaluation_is_bit_identical_to_training_alone():
    """Two trainers and two evaluators; each training step runs while both evaluators are
    inside no_grad (and one toggles enable_grad inside it)."""
    steps, n_trainers, n_evaluators = 30, 2, 2
    alone = [training_steps(make_model(k), *make_data(k), steps) for k in range(n_trainers)]

    # Models are made here: the package generator that initialises them is shared by all
    # threads, so only per-thread generators (as the dropout layers have) are reproducible.
    models = {k: make_model(k) for k in [*range(n_trainers), 10, 11]}
    barrier = threading.Barrier(n_trainers + n_evaluators, timeout=TIMEOUT)
    results: dict[int, list] = {}

    def trainer(k):
        def run():
            x, y = make_data(k)
            results[k] = training_steps(models[k], x, y, steps, barrier.wait, barrier.wait)

        return run

    def evaluator(k):
        def run():
            model, (x, _) = models[10 + k], make_data(10 + k)
            model.eval()
            for _ in range(steps):
                with tr.no_grad():
                    barrier.wait()  # the trainers take their step while this block is open
                    assert not tr.is_grad_enabled()
                    out = model(x)
                    if k == 0:
                        with tr.enable_grad():
                            assert tr.is_grad_enabled()
                            assert model(x).requires_grad
                        assert not tr.is_grad_enabled()
                    assert not out.requires_grad
                    barrier.wait()
                assert tr.is_grad_enabled()

        return run

    run_threads(*(trainer(k) for k in range(n_trainers)), *(evaluator(k) for k in range(2)))
    for k in range(n_trainers):
        for together, solo in zip(results[k], alone[k], strict=True):
            np.testing.assert_array_equal(together, solo)


def test_grad_mode_set_in_one_thread_is_invisible_to_the_others():
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def holder():
        with tr.no_grad():
            entered.set()
            assert checked.wait(TIMEOUT)
            assert not tr.is_grad_enabled()

    def observer():
        assert entered.wait(TIMEOUT)
        seen["observer"] = tr.is_grad_enabled()
        x = tr.tensor([1.0], requires_grad=True)
        seen["records"] = (x * 2.0).requires_grad
        checked.set()

    run_threads(holder, observer)
    assert seen == {"observer": True, "records": True}
    assert tr.is_grad_enabled()


def test_a_thread_started_inside_no_grad_starts_with_grad_enabled():
    seen = {}

    def child():
        seen["enabled"] = tr.is_grad_enabled()
        x = tr.tensor([1.0], requires_grad=True)
        (x * 3.0).sum().backward()
        seen["grad"] = x.grad.copy()

    with tr.no_grad():
        run_threads(child)
        assert not tr.is_grad_enabled()
    assert seen["enabled"] is True
    np.testing.assert_array_equal(seen["grad"], [3.0])


@pytest.mark.parametrize("mode", [tr.no_grad, tr.enable_grad], ids=lambda m: m.__name__)
def test_blocks_closing_in_another_order_than_they_opened_leave_every_thread_as_it_was(mode):
    """Thread 1 enters, thread 2 enters, thread 1 leaves, thread 2 leaves."""
    one_in, two_in, one_out = threading.Event(), threading.Event(), threading.Event()
    after = {}
    inside = mode is tr.enable_grad

    def one():
        with tr.no_grad():  # start from "off", so that enable_grad changes something too
            with mode():
                one_in.set()
                assert two_in.wait(TIMEOUT)
                assert tr.is_grad_enabled() is inside
            one_out.set()
            after["one, outer block"] = tr.is_grad_enabled()
        after["one"] = tr.is_grad_enabled()

    def two():
        assert one_in.wait(TIMEOUT)
        with mode():
            two_in.set()
            assert one_out.wait(TIMEOUT)
            assert tr.is_grad_enabled() is inside
        after["two"] = tr.is_grad_enabled()

    run_threads(one, two)
    assert after == {"one, outer block": False, "one": True, "two": True}
    assert tr.is_grad_enabled()


def test_one_decorated_function_called_from_two_threads_at_once():
    """A @no_grad() function is one object shared by every caller: its state must not be."""
    both_in, release = threading.Barrier(2, timeout=TIMEOUT), threading.Event()

    @tr.no_grad()
    def evaluate(x):
        both_in.wait()
        assert release.wait(TIMEOUT) and not tr.is_grad_enabled()
        return x * 2.0

    def caller():
        out = evaluate(tr.tensor([1.0], requires_grad=True))
        assert not out.requires_grad
        assert tr.is_grad_enabled()

    def releaser():
        release.set()

    threads = [caller, caller]
    run_threads(*threads, releaser)
