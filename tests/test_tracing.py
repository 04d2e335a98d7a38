"""tinyreg.compile: a traced step replays bit for bit what eager does.

Each scenario builds its model and optimizer from one seed, runs a sequence
of batches eagerly, builds them again from the same seed and runs the same
batches through the compiled step, and compares, after every step, the
returned loss, every parameter, every ``.grad`` and every optimizer state
array with ``assert_array_equal`` (replay runs the very numpy calls eager
runs, in the same order: the bits must agree, NaN positions included).
"""

from __future__ import annotations

import collections
import re
import warnings

import numpy as np
import pytest

import tinyreg
from tinyreg import fast_replay, nn, optim, penalties
from tinyreg import functional as F
from tinyreg.autograd import Op, Tensor
from tinyreg.lr_scheduler import StepLR


@pytest.fixture(params=["fast", "plain"], autouse=True)
def replay(request, monkeypatch):
    """Every test runs twice: with the fast replay, and with the plain replay in its place."""
    if request.param == "plain":

        def plain(rec, returned):
            return [*rec.prologue, *rec.lines], rec.constants

        monkeypatch.setattr(fast_replay, "fast_program", plain)
    return request.param


def mlp(n_in=1, hidden=64, n_out=1, p=0.5):
    return nn.Sequential(
        nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(p), nn.Linear(hidden, n_out)
    )


def snapshot(model, opt, loss):
    """Copies of everything a step changes."""
    arrays = [np.array(loss.data) if isinstance(loss, Tensor) else loss]
    for p in model.parameters():
        arrays += [p.data.copy(), None if p.grad is None else np.array(p.grad)]
    for state in opt.state.values():
        arrays += [
            np.array(v) if isinstance(v, np.ndarray) else v for _, v in sorted(state.items())
        ]
    arrays += [group["lr"] for group in opt.param_groups]
    return arrays


def assert_same(eager, compiled):
    assert len(eager) == len(compiled)
    for a, b in zip(eager, compiled, strict=True):
        if a is None or b is None:
            assert a is b
        else:
            np.testing.assert_array_equal(a, b)
            if isinstance(a, np.ndarray):  # the bits too: the sign of a zero, a NaN's payload
                assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def run(build, batches, compiled, between=None):
    """Build (model, opt, step) from seed 0 and run ``batches``; snapshots after each step.

    ``between(i, model, opt)`` runs before batch i (mode switches, schedulers). An
    exception from a step is recorded in the snapshot (its type) and the run goes on.
    """
    tinyreg.manual_seed(0)
    model, opt, step = build()
    if compiled:
        step = tinyreg.compile(step)
    out = []
    for i, batch in enumerate(batches):
        if between is not None:
            between(i, model, opt)
        try:
            loss = step(*batch)
        except FloatingPointError:
            loss = "FloatingPointError"
        out.append(snapshot(model, opt, loss))
    return out, step


def check(build, batches, between=None):
    """Eager and compiled agree after every step; returns the compiled step."""
    eager, _ = run(build, batches, False, between)
    compiled, step = run(build, batches, True, between)
    for e, c in zip(eager, compiled, strict=True):
        assert_same(e, c)
    return step


def training_step(model, opt, loss_fn=F.mse_loss):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def regression_batches(n, batch=100, n_in=1, n_out=1, seed=1):
    rng = np.random.default_rng(seed)
    return [
        (tinyreg.tensor(rng.standard_normal((batch, n_in))), rng.standard_normal((batch, n_out)))
        for _ in range(n)
    ]


def seed_size():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.01, penalty=penalties.L2(1e-4))
    return model, opt, training_step(model, opt)


def compiled_seed_size():
    """The seed-size model and its compiled step, built from seed 0."""
    tinyreg.manual_seed(0)
    model, _, step = seed_size()
    return model, tinyreg.compile(step)


# ---------------------------------------------------------------------------
# The scenarios
# ---------------------------------------------------------------------------


def test_seed_size_mlp_with_dropout_and_sgd_l2():
    step = check(seed_size, regression_batches(6))
    assert step.traces == 1 and not step.fallback_reasons
    assert "dropout_mask" in step.code  # the draw is replayed, not a stale mask


def test_adam_with_an_l1_prox():
    def build():
        model = mlp(3, 16, 2)
        opt = optim.Adam(model.parameters(), lr=1e-2, penalty=penalties.L1(1e-2))
        return model, opt, training_step(model, opt)

    step = check(build, regression_batches(6, 32, 3, 2))
    assert step.traces == 1


def test_sgd_with_momentum_and_nesterov():
    def build():
        model = mlp(3, 16, 2)
        opt = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
        return model, opt, training_step(model, opt)

    check(build, regression_batches(5, 32, 3, 2))


def test_a_partial_batch_is_another_trace():
    batches = regression_batches(3) + regression_batches(1, batch=37, seed=2)
    batches = batches + regression_batches(2, seed=3) + regression_batches(1, batch=37, seed=4)
    step = check(seed_size, batches)
    assert step.traces == 2  # the second partial batch replays the second trace


def test_eval_and_train_switches():
    def between(i, model, opt):
        model.train(i % 3 != 1)

    step = check(seed_size, regression_batches(7), between)
    assert step.traces == 2


def test_step_lr_is_read_at_every_replay():
    schedulers = {}

    def between(i, model, opt):
        if i == 0:
            schedulers[id(opt)] = StepLR(opt, step_size=2, gamma=0.5)
        else:
            schedulers[id(opt)].step()

    step = check(seed_size, regression_batches(6), between)
    assert step.traces == 1


def test_a_scheduler_stepped_inside_the_function():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        scheduler = StepLR(opt, step_size=2, gamma=0.5)
        inner = training_step(model, opt)

        def step(x, y):
            loss = inner(x, y)
            scheduler.step()
            return loss

        return model, opt, step

    check(build, regression_batches(6))


def test_a_nan_batch_raises_and_changes_nothing():
    batches = regression_batches(5)
    x, y = batches[2]
    bad = x.data.copy()
    bad[3, 0] = np.nan
    batches[2] = (tinyreg.tensor(bad), y)
    step = check(seed_size, batches)
    assert step.traces == 1  # the NaN batch was a replay, and raised


def test_a_nan_first_batch_is_not_kept_as_a_trace():
    batches = regression_batches(3)
    x, y = batches[0]
    batches[0] = (tinyreg.tensor(np.full_like(x.data, np.nan)), y)
    check(seed_size, batches)


VALUE_READS = {
    "item()": lambda t: t.item() > 1.0,
    "__bool__()": bool,
    "__float__()": float,
    "__gt__()": lambda t: t > 0.5,
    "__array__()": lambda t: np.asarray(t) > 0.5,
}


@pytest.mark.parametrize("name", VALUE_READS)
def test_a_value_dependent_branch_runs_eagerly(name):
    read = VALUE_READS[name]

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            if np.all(read(loss)):  # a branch on a value: never replayed stale
                loss = loss * 2.0
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    step = check(build, regression_batches(6))
    assert len(step.fallback_reasons) == 1 and name in step.fallback_reasons[0]


def test_mnist_size_network_with_cross_entropy():
    rng = np.random.default_rng(2)
    batches = [
        (tinyreg.tensor(rng.standard_normal((16, 784))), rng.integers(0, 10, 16)) for _ in range(3)
    ]

    def build():
        model = mlp(784, 256, 10)
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, penalty=penalties.L2(1e-4))
        return model, opt, training_step(model, opt, F.cross_entropy)

    step = check(build, batches)
    assert step.traces == 1 and not step.fallback_reasons


def test_small_cnn():
    rng = np.random.default_rng(3)
    batches = [
        (tinyreg.tensor(rng.standard_normal((4, 1, 8, 8))), rng.integers(0, 3, 4)) for _ in range(3)
    ]

    def build():
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout2d(0.25),
            nn.Flatten(),
            nn.Linear(64, 3),
        )
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return model, opt, training_step(model, opt, F.cross_entropy)

    step = check(build, batches)
    assert step.traces == 1 and not step.fallback_reasons


@pytest.mark.parametrize("penalty", ["group lasso", "L2"])
def test_the_digits_cnn_example_step(penalty):
    """examples/digits_cnn.py's network and step: two conv blocks with Dropout2d, Adam, the
    group lasso on the conv weights in a parameter group of their own (or L2 on all)."""
    rng = np.random.default_rng(4)
    batches = [(rng.random((8, 1, 8, 8)), rng.integers(0, 10, 8)) for _ in range(4)]

    def build():
        layers = []
        for c_in, c_out in ((1, 8), (8, 16)):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            layers += [nn.Dropout2d(0.1)]
        model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(16 * 2 * 2, 10))
        if penalty == "L2":
            opt = optim.Adam(model.parameters(), lr=1e-2, penalty=penalties.L2(1e-3))
        else:
            convs = [m.weight for m in model.modules() if isinstance(m, nn.Conv2d)]
            others = [p for p in model.parameters() if all(p is not w for w in convs)]
            groups = [{"params": convs, "penalty": penalties.GroupLasso(1e-3)}, {"params": others}]
            opt = optim.Adam(groups, lr=1e-2)

        def step(images, labels):
            opt.zero_grad()
            loss = F.cross_entropy(model(tinyreg.tensor(images)), labels)
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    step = check(build, batches)
    assert step.traces == 1 and not step.fallback_reasons


# ---------------------------------------------------------------------------
# Guards, returns, fallbacks
# ---------------------------------------------------------------------------


def test_the_returned_loss_is_not_overwritten():
    _, step = compiled_seed_size()
    batches = regression_batches(4)
    losses = [step(*batch) for batch in batches]
    kept = [loss.data.copy() for loss in losses]
    step(*batches[0])
    for loss, value in zip(losses, kept, strict=True):
        np.testing.assert_array_equal(loss.data, value)
    assert len({id(loss.data) for loss in losses}) == len(losses)


def test_rebinding_a_parameter_array_retraces():
    model, step = compiled_seed_size()
    batches = regression_batches(3)
    step(*batches[0])
    step(*batches[1])
    assert step.traces == 1
    model.load_state_dict({k: v.copy() for k, v in model.state_dict().items()})
    weight = model[0].weight
    weight.data = weight.data.copy()  # a new array: the trace held the old one
    step(*batches[2])
    assert step.traces == 2


def test_freezing_a_parameter_retraces():
    def between(i, model, opt):
        model[0].bias.requires_grad = i < 2

    step = check(seed_size, regression_batches(4), between)
    assert step.traces == 2


def test_grad_mode_is_guarded():
    tinyreg.manual_seed(0)
    model = mlp()
    predict = tinyreg.compile(lambda x: model(x))
    x = regression_batches(1)[0][0]
    model.eval()
    assert predict(x).requires_grad is True  # the trace: eager's result
    assert predict(x).requires_grad is False  # a replay: the values, detached
    with tinyreg.no_grad():
        predict(x)
    assert predict.traces == 2


def test_the_cache_keeps_the_most_recent_traces():
    tinyreg.manual_seed(0)
    _, _, step = seed_size()
    step = tinyreg.compile(step, cache_size=2)
    for batch in (10, 11, 12, 10):
        step(*regression_batches(1, batch=batch)[0])
    assert step.traces == 4  # 10 was evicted by 11 and 12


def test_numpy_on_an_input_runs_eagerly():
    tinyreg.manual_seed(0)
    model = mlp()
    model.eval()
    forward = tinyreg.compile(lambda x: model(tinyreg.tensor(np.tanh(x))))
    x = np.ones((5, 1))
    forward(x)
    assert "argument 0 is read by no recorded call" in forward.fallback_reasons[0]
    np.testing.assert_array_equal(forward(-x).data, model(tinyreg.tensor(np.tanh(-x))).data)


def test_a_numpy_input_is_converted_at_every_replay():
    tinyreg.manual_seed(0)
    model = mlp()
    model.eval()
    forward = tinyreg.compile(lambda x: model(tinyreg.tensor(x)))
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((5, 1))
        np.testing.assert_array_equal(forward(x).data, model(tinyreg.tensor(x)).data)
    assert forward.traces == 1 and not forward.fallback_reasons


def test_create_graph_and_batch_norm_run_eagerly():
    tinyreg.manual_seed(0)
    w = tinyreg.tensor([1.0, 2.0], requires_grad=True)

    def penalty():
        (g,) = tinyreg.grad((w * w * w).sum(), w, create_graph=True)
        return (g * g).sum()

    step = tinyreg.compile(penalty)
    assert step().data == penalty().data
    assert "create_graph" in step.fallback_reasons[0]
    norm = nn.BatchNorm1d(2)
    normalize = tinyreg.compile(lambda x: norm(x))
    normalize(tinyreg.tensor(np.eye(2)))
    assert "batch norm" in normalize.fallback_reasons[0]


def test_tracing_leaves_the_engine_as_it_was():
    before = Op.__call__, Tensor.item, Tensor._accumulate, optim.Optimizer.step
    tinyreg.manual_seed(0)
    _, _, step = seed_size()
    tinyreg.compile(step)(*regression_batches(1)[0])
    assert (Op.__call__, Tensor.item, Tensor._accumulate, optim.Optimizer.step) == before


def test_an_argument_that_requires_grad_gets_its_grad_at_replay():
    w = tinyreg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)

    def loss_of(x):
        loss = (tinyreg.tanh(x @ w) ** 2).sum()
        loss.backward()
        return loss

    compiled = tinyreg.compile(loss_of)
    rng = np.random.default_rng(0)
    for _ in range(3):
        value = rng.standard_normal((4, 2))
        x_eager, x_compiled = (tinyreg.tensor(value, requires_grad=True) for _ in range(2))
        w.grad = None
        eager_loss = loss_of(x_eager)
        eager_w_grad = w.grad
        w.grad = None
        np.testing.assert_array_equal(compiled(x_compiled).data, eager_loss.data)
        np.testing.assert_array_equal(x_compiled.grad, x_eager.grad)
        np.testing.assert_array_equal(w.grad, eager_w_grad)
    assert compiled.traces == 1 and not compiled.fallback_reasons


def test_a_compiled_function_called_while_tracing_runs_eagerly():
    tinyreg.manual_seed(0)
    _, _, step = seed_size()
    inner = tinyreg.compile(step)
    outer = tinyreg.compile(lambda x, y: inner(x, y))
    batches = regression_batches(3)
    for batch in batches:
        outer(*batch)
    assert inner.traces == 0 and outer.traces == 1 and not outer.fallback_reasons


def test_backward_through_a_graph_recorded_before_the_call_runs_eagerly():
    w = tinyreg.tensor([1.0, 2.0], requires_grad=True)
    hidden = tinyreg.tanh(w * 3.0)  # recorded before the compiled function is called

    def step(x):
        loss = (hidden * x).sum()
        loss.backward(retain_graph=True)
        return loss

    compiled = tinyreg.compile(step)
    compiled(tinyreg.tensor([1.0, 1.0]))
    assert "a graph recorded before the call" in compiled.fallback_reasons[0]
    x = tinyreg.tensor([2.0, 0.5])
    w.grad = None
    step(x)
    eager = w.grad
    w.grad = None
    compiled(x)  # eager too: the same gradient, not a stale one
    np.testing.assert_array_equal(w.grad, eager)


# ---------------------------------------------------------------------------
# The fast replay: planned buffers, forms of the hot calls
# ---------------------------------------------------------------------------


def test_the_fast_replay_writes_the_hot_calls_into_buffers(replay):
    step = check(seed_size, regression_batches(3))
    if replay == "fast":
        code = step.fast_code
        assert "_matmul(" in code and "out=buf_" in code and "_subtract(w_" in code
        assert "dropout_mask" not in code and "linear" not in code  # all made as numpy calls
        called = set(re.findall(r"\b([a-z_]+?)_\d+\(", code))  # recorded functions called
        assert called <= {"zero_grad", "accumulate", "result_tensor"}  # accumulate: .grad set
        assert code.count("_isfinite(") == 1 and "_isfinite(flat_" in code  # one check
    assert "dropout_mask" in step.code and "step_" in step.code  # the plain replay as recorded


def test_two_successive_calls_return_distinct_correct_losses():
    batches = regression_batches(1) * 3  # the same batch: the losses differ by the updates
    eager, _ = run(seed_size, batches, False)
    _, step = compiled_seed_size()
    losses = [step(*batch) for batch in batches]
    assert len({id(loss.data) for loss in losses}) == 3
    for loss, snap in zip(losses, eager, strict=True):
        np.testing.assert_array_equal(loss.data, snap[0])  # each still holds its own value


def test_gradients_are_fresh_arrays_at_every_replay():
    model, step = compiled_seed_size()
    batches = regression_batches(4)
    step(*batches[0])
    seen = []
    for batch in batches[1:]:
        step(*batch)
        seen.append([(p.grad, p.grad.copy()) for p in model.parameters()])
    for grads in seen:  # no later replay wrote into a gradient handed out before
        for grad, value in grads:
            np.testing.assert_array_equal(grad, value)
    ids = [id(grad) for grads in seen for grad, _ in grads]
    assert len(set(ids)) == len(ids)


def test_an_input_is_not_aliased_by_a_buffer():
    def build():
        model = mlp(p=0.0)
        opt = optim.SGD(model.parameters(), lr=0.01)
        return model, opt, training_step(model, opt)

    batches = regression_batches(4)
    kept = [(x.data.copy(), y.copy()) for x, y in batches]
    check(build, batches)
    for (x, y), (x0, y0) in zip(batches, kept, strict=True):
        np.testing.assert_array_equal(x.data, x0)
        np.testing.assert_array_equal(y, y0)


def test_a_partial_last_batch_with_the_fast_replay():
    batches = regression_batches(3) + regression_batches(2, batch=37, seed=5)
    batches += regression_batches(2, seed=6)
    step = check(seed_size, batches)
    assert step.traces == 2


def test_a_parameter_rebound_by_load_state_dict_matches_eager():
    saved = {}

    def between(i, model, opt):
        if i == 1:
            saved.update({k: v.copy() for k, v in model.state_dict().items()})
        if i == 3:
            model.load_state_dict(saved)
            for p in model.parameters():
                p.data = p.data.copy()  # new arrays: the buffers and views planned are stale

    step = check(seed_size, regression_batches(6), between)
    assert step.traces == 2


def _new_weight(model):
    model[0].weight = nn.Parameter(np.full((64, 1), 0.1))  # the optimizer keeps the old one


def _new_dropout_probability(model):
    model[2].p = 0.1


def _new_dropout_generator(model):
    model[2].generator = np.random.default_rng(5)


def test_a_module_attribute_set_again_to_an_equal_value_does_not_retrace():
    """Python values are guarded by equality, not identity: a new float object of the same
    value (or a new tuple of them) is the same guard."""

    def between(i, model, opt):
        model[2].p = float(np.float64(model[2].p))  # a new object, the same value
        model[0].extra = (1, float(np.float64(2.5)))

    step = check(seed_size, regression_batches(4), between)  # between() runs before each call
    assert step.traces == 1


@pytest.mark.parametrize("change", [_new_weight, _new_dropout_probability, _new_dropout_generator])
def test_a_module_attribute_changed_between_replays_retraces(change):
    """What a module's forward reads -- a parameter, a probability, a generator -- is guarded."""

    def between(i, model, opt):
        if i == 2:
            change(model)

    step = check(seed_size, regression_batches(5), between)
    assert step.traces == 2


def test_a_module_attribute_deleted_between_replays_retraces():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = 2.0

        def forward(self, x):
            return x * getattr(self, "scale", 1.0)

    module = Scaled()
    forward = tinyreg.compile(lambda x: module(x))
    x = tinyreg.tensor([1.0, -3.0])
    for _ in range(2):
        np.testing.assert_array_equal(forward(x).data, [2.0, -6.0])
    del module.scale
    np.testing.assert_array_equal(forward(x).data, [1.0, -3.0])
    assert forward.traces == 2


@pytest.mark.parametrize("clip", ["norm", "value"])
def test_gradient_clipping_in_the_step_is_replayed(clip):
    """nn.utils' clipping between backward() and step(): recorded, and clipped at every replay."""

    def build():
        model = mlp(n_in=3, hidden=8, n_out=1, p=0.2)
        opt = optim.SGD(model.parameters(), lr=0.05, penalty=penalties.L2(1e-3))

        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            if clip == "norm":
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            else:
                nn.utils.clip_grad_value_(model.parameters(), 0.05)
            opt.step()
            return loss

        return model, opt, step

    # large targets: the gradients are clipped; then small ones: (mostly) not
    batches = [(x, 10 * y) for x, y in regression_batches(3, batch=16, n_in=3)]
    batches += [(x, 0.01 * y) for x, y in regression_batches(3, batch=16, n_in=3, seed=4)]
    step = check(build, batches)
    assert step.traces == 1 and not step.fallback_reasons


def _update_data_by_hand(model):  # micrograd's loop
    for p in model.parameters():
        p.data -= 0.1 * p.grad


def _set_grads_to_none_by_hand(model):
    for p in model.parameters():
        p.grad = None


@pytest.mark.parametrize(
    "by_hand, reason",
    [(_update_data_by_hand, "reads a tensor's .data"), (_set_grads_to_none_by_hand, "sets")],
)
def test_numpy_on_a_tensors_data_or_grad_in_the_step_runs_eagerly(by_hand, reason):
    """What fn's own code does to .data or .grad is not recorded: such a trace is not kept."""

    def build():
        model = mlp(p=0.0)
        opt = optim.SGD(model.parameters(), lr=0.1)  # only snapshot() reads it

        def step(x, y):
            model.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            by_hand(model)
            return loss

        return model, opt, step

    step = check(build, regression_batches(4))
    assert step.traces == 1 and reason in step.fallback_reasons[0]


def _running_average(average, loss):
    average *= 0.9
    average += 0.1 * loss.detach()


def _copied(average, loss):
    average.copy_(loss.detach())


def _zeroed(average, loss):
    average.zero_()


def test_in_place_on_a_parameter_with_recording_on_raises_in_a_compiled_step_as_eager():
    model = mlp()

    def step(x):
        model[0].bias += 1.0  # a leaf that requires grad: the in-place rule's error
        return model(x)

    compiled = tinyreg.compile(step)
    with pytest.raises(RuntimeError, match="in-place"):
        compiled(regression_batches(1)[0][0])


@pytest.mark.parametrize("update", [_running_average, _copied, _zeroed])
def test_a_tensor_changed_in_place_in_the_step_runs_eagerly(update):
    """In-place arithmetic, copy_() and zero_() are numpy on .data: such a trace is not kept."""

    def build():
        model = mlp(p=0.0)
        opt = optim.SGD(model.parameters(), lr=0.01)
        average = tinyreg.tensor([5.0])
        train = training_step(model, opt)

        def step(x, y):
            update(average, train(x, y))
            return average

        return model, opt, step

    step = check(build, regression_batches(4))
    assert step.traces == 1 and "in place" in step.fallback_reasons[0]


def _gaussian_noise(x, y):
    return x + 0.1 * tinyreg.randn(*x.shape), y


def _uniform_scale(x, y):
    return x * tinyreg.rand_like(x), y


def _normal_noise(x, y):
    return x + tinyreg.normal(0.0, 0.1, x.shape), y


def _random_rows(x, y):
    rows = tinyreg.randint(0, x.shape[0], (x.shape[0],))
    return x[rows], tinyreg.tensor(y)[rows]


def _shuffled_rows(x, y):
    rows = tinyreg.randperm(x.shape[0])
    return x[rows], tinyreg.tensor(y)[rows]


@pytest.mark.parametrize(
    "draw", [_gaussian_noise, _uniform_scale, _normal_noise, _random_rows, _shuffled_rows]
)
def test_random_draws_in_the_step_are_drawn_again_at_every_replay(draw):
    """tinyreg.random's draws are recorded: a replay draws from the same generator, in order."""

    def build():
        model = mlp(p=0.3)
        opt = optim.SGD(model.parameters(), lr=0.05)
        train = training_step(model, opt)
        return model, opt, lambda x, y: train(*draw(x, y))

    step = check(build, regression_batches(5))
    assert step.traces == 1 and not step.fallback_reasons


def test_nn_init_in_the_step_runs_eagerly():
    def build():
        model = mlp(p=0.0)
        opt = optim.SGD(model.parameters(), lr=0.05)
        train = training_step(model, opt)

        def step(x, y):
            nn.init.normal_(model[3].bias, std=0.1)  # numpy on the values: not recorded
            return train(x, y)

        return model, opt, step

    step = check(build, regression_batches(3))
    assert step.traces == 1 and "nn.init" in step.fallback_reasons[0]


Losses = collections.namedtuple("Losses", "loss output")


class Report:
    def __init__(self, loss):
        self.loss = loss


@pytest.mark.parametrize(
    "pack",
    [
        lambda loss, out: {"loss": loss, "output": out, 3: None},
        lambda loss, out: Losses(loss, out),
        lambda loss, out: [loss, (out, 1.5)],
    ],
    ids=["dict", "namedtuple", "nested"],
)
def test_what_the_step_returns_is_rebuilt_at_every_replay(pack):
    tinyreg.manual_seed(0)
    model = mlp(p=0.0)
    opt = optim.SGD(model.parameters(), lr=0.05)

    def step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = F.mse_loss(out, y)
        loss.backward()
        opt.step()
        return pack(loss, out)

    compiled = tinyreg.compile(step)
    results = [compiled(*batch) for batch in regression_batches(3)]
    assert compiled.traces == 1 and not compiled.fallback_reasons
    tinyreg.manual_seed(0)
    model2 = mlp(p=0.0)
    opt2 = optim.SGD(model2.parameters(), lr=0.05)
    eager = training_step(model2, opt2)
    for result, batch in zip(results, regression_batches(3), strict=True):
        assert type(result) is type(pack(None, None))
        loss = result["loss"] if isinstance(result, dict) else result[0]
        np.testing.assert_array_equal(loss.data, eager(*batch).data)  # each its own step's loss


def test_a_returned_object_a_replay_cannot_rebuild_runs_eagerly():
    tinyreg.manual_seed(0)
    model = mlp(p=0.0)
    opt = optim.SGD(model.parameters(), lr=0.05)
    train = training_step(model, opt)
    compiled = tinyreg.compile(lambda x, y: Report(train(x, y)))
    reports = [compiled(*batch) for batch in regression_batches(3)]
    assert "returns a Report" in compiled.fallback_reasons[0]
    assert len({id(r) for r in reports}) == 3 and reports[0].loss is not reports[2].loss


class Batch:
    def __init__(self, x, y):
        self.x, self.y = x, y


@pytest.mark.parametrize("container", ["tuple", "list reused", "dict", "object"])
def test_a_batch_passed_in_a_container_is_read_afresh_at_every_call(container):
    """The tensors inside a tuple, list or dict argument are inputs; another object is guarded
    by identity (the trace holds it, so that a new object is never taken for it)."""

    def unpack(batch):
        if isinstance(batch, Batch):
            return batch.x, batch.y
        return (batch["x"], batch["y"]) if isinstance(batch, dict) else batch

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.01, penalty=penalties.L2(1e-4))
        train = training_step(model, opt)
        return model, opt, lambda batch: train(*unpack(batch))

    data = [(x, tinyreg.tensor(y)) for x, y in regression_batches(4)]
    data += [(x, tinyreg.tensor(y)) for x, y in regression_batches(1, batch=37, seed=5)]
    between = None
    if container == "tuple":
        batches = [((x, y),) for x, y in data]
    elif container == "dict":
        batches = [({"x": x, "y": y},) for x, y in data]
    elif container == "object":
        batches = [(Batch(x, y),) for x, y in data]
    else:  # the same list at every call, refilled with the call's tensors
        reused: list = []
        batches = [(reused,)] * len(data)

        def between(i, model, opt):
            reused[:] = data[i]

    step = check(build, batches, between)
    assert step.traces == (5 if container == "object" else 2)  # the last batch is partial


def test_an_attribute_of_a_bound_methods_instance_changed_between_replays_retraces():
    class Scaled:
        def __init__(self):
            self.layer, self.temperature = nn.Linear(2, 1), 2.0

        def forward(self, x):
            return self.layer(x) / self.temperature

    scaled = Scaled()
    compiled = tinyreg.compile(scaled.forward)
    x = tinyreg.tensor([[1.0, 2.0]])
    for temperature in (2.0, 2.0, 4.0):
        scaled.temperature = temperature
        np.testing.assert_array_equal(compiled(x).data, scaled.forward(x).data)
    assert compiled.traces == 2


def test_a_module_appended_to_a_container_after_the_trace_retraces():
    class Blocks(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2)])

        def forward(self, x):
            for block in self.blocks:  # the list is iterated, never called
                x = block(x)
            return x

    sequential, blocks = nn.Sequential(nn.Linear(2, 2), nn.ReLU()), Blocks()
    x = tinyreg.tensor([[1.0, -2.0]])
    for model in (sequential, blocks):
        compiled = tinyreg.compile(lambda x, model=model: model(x))
        compiled(x)
        (model if model is sequential else model.blocks).append(nn.Linear(2, 2))
        np.testing.assert_array_equal(compiled(x).data, model(x).data)
        assert compiled.traces == 2


@pytest.mark.parametrize(
    "read",
    [
        lambda out: tinyreg.argmax(out, dim=1),
        lambda out: tinyreg.argmin(out, dim=1),
        lambda out: tinyreg.allclose(out, out * 0.5),
    ],
    ids=["argmax", "argmin", "allclose"],
)
def test_a_function_that_reads_values_in_the_step_runs_eagerly(read):
    """argmax and the like are numpy on the values, not recorded calls: such a trace is not kept."""
    tinyreg.manual_seed(0)
    model = mlp(n_out=3, p=0.0).eval()

    def predict(x):
        with tinyreg.no_grad():
            return read(model(x))

    compiled = tinyreg.compile(predict)
    for x, _ in regression_batches(3):
        np.testing.assert_array_equal(compiled(x), predict(x))
    assert "reads a tensor's values" in compiled.fallback_reasons[0]


TEMPERATURE = 2.0  # a global that a compiled function reads


def test_a_global_the_function_reads_changed_between_replays_retraces(monkeypatch):
    layer = nn.Linear(2, 1)

    def forward(x):
        return layer(x) / TEMPERATURE

    compiled = tinyreg.compile(forward)
    x = tinyreg.tensor([[1.0, 2.0]])
    for temperature in (2.0, 2.0, 4.0):
        monkeypatch.setattr(f"{__name__}.TEMPERATURE", temperature)
        np.testing.assert_array_equal(compiled(x).data, forward(x).data)
    assert compiled.traces == 2


def test_a_closure_variable_rebound_between_replays_retraces():
    x = tinyreg.tensor([[1.0, 2.0]])
    first, second = nn.Linear(2, 1), nn.Linear(2, 1)
    layer, scale = first, 3.0

    def forward(x):
        return layer(x) * scale

    compiled = tinyreg.compile(forward)
    outputs = [compiled(x).data.copy() for _ in range(2)]
    scale = 5.0  # a value: compared itself
    outputs.append(compiled(x).data.copy())
    layer = second  # an object: compared by identity
    outputs.append(compiled(x).data.copy())
    expected = [first(x).data * 3.0] * 2 + [first(x).data * 5.0, second(x).data * 5.0]
    for out, want in zip(outputs, expected, strict=True):
        np.testing.assert_array_equal(out, want)
    assert compiled.traces == 3


def test_a_closure_cell_filled_or_emptied_after_the_trace():
    x = tinyreg.tensor([1.0, 2.0])

    def forward(x):
        return x * factor if use else x  # noqa: F821 (factor is bound, then deleted, below)

    use = False
    compiled = tinyreg.compile(forward)
    np.testing.assert_array_equal(compiled(x).data, [1.0, 2.0])  # factor's cell still empty
    factor, use = 3.0, True
    np.testing.assert_array_equal(compiled(x).data, [3.0, 6.0])
    del factor
    with pytest.raises(NameError):  # as eager: a miss, and the trace runs forward itself
        compiled(x)


def test_momentum_set_after_the_trace_is_honoured():
    def between(i, model, opt):
        if i == 3:
            opt.param_groups[0]["momentum"] = 0.9

    check(seed_size, regression_batches(6), between)


def test_a_scheduler_and_a_penalty_changed_between_replays():
    def between(i, model, opt):
        opt.param_groups[0]["lr"] = 0.01 / (i + 1)
        if i == 3:
            opt.param_groups[0]["penalty"] = penalties.L1(1e-3)

    check(seed_size, regression_batches(6), between)


def test_gradients_stay_arrays_when_a_vjp_calls_an_op():
    # cross_entropy's VJP calls the softmax op: in the backward pass, on arrays, it gives an
    # array; the replay runs VJPs in that mode too, so .grad has eager's type
    rng = np.random.default_rng(3)
    batches = [(tinyreg.tensor(rng.standard_normal((8, 5))), rng.integers(0, 3, 8))] * 3

    def build():
        model = mlp(5, 7, 3)
        opt = optim.SGD(model.parameters(), lr=0.1)
        return model, opt, training_step(model, opt, F.cross_entropy)

    tinyreg.manual_seed(0)
    model, _, step = build()
    step = tinyreg.compile(step)
    for batch in batches:
        step(*batch)
        assert all(type(p.grad) is np.ndarray for p in model.parameters())
    check(build, batches)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf times a dropped 0
def test_nonfinite_skip_with_the_fast_step():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.01, nonfinite="skip")
        return model, opt, training_step(model, opt)

    batches = regression_batches(4)
    x, y = batches[2]
    bad = x.data.copy()
    bad[0, 0] = np.inf
    batches[2] = (tinyreg.tensor(bad), y)
    check(build, batches)


def test_gradients_accumulated_across_calls_without_zero_grad():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.01, penalty=penalties.L2(1e-4))

        def step(x, y):  # no zero_grad: .grad adds up from call to call
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    check(build, regression_batches(5))


# ---------------------------------------------------------------------------
# The fast replay's rewrites: each leaves out or replaces calls whose values are known
# ---------------------------------------------------------------------------


class Several:
    """Parameters p_k of several shapes, and loss = Σ_k mse(x_k * p_k, y_k) (``losses`` of them).

    The gradient of p_k depends on x_k alone: a NaN or an inf in x_k makes
    that one gradient non-finite.
    """

    shapes = ((3, 4), (4,), (1,), (2, 1, 4))

    def __init__(self, dtype=np.float64):
        rng = np.random.default_rng(0)
        dtypes = dtype if isinstance(dtype, list) else [dtype] * len(self.shapes)
        self.params = [
            nn.Parameter(rng.standard_normal(s).astype(t))
            for s, t in zip(self.shapes, dtypes, strict=True)
        ]

    def parameters(self):
        return self.params


def several(nonfinite="raise", dtype=np.float64, scale=None, alpha=1e-3, lr=0.1, unused=None):
    """``Several``, SGD with L2, and its step; parameter ``unused`` gets no gradient."""
    model = Several(dtype)
    opt = optim.SGD(model.parameters(), lr=lr, penalty=penalties.L2(alpha), nonfinite=nonfinite)

    def step(*xs):
        opt.zero_grad()
        pairs = [
            (x, p) for k, (x, p) in enumerate(zip(xs, model.params, strict=True)) if k != unused
        ]
        losses = [F.mse_loss(x * p, x) for x, p in pairs]
        loss = losses[0]
        for other in losses[1:]:
            loss = loss + other
        if scale is not None:
            loss = loss * scale
        loss.backward()
        opt.step()
        return loss

    return model, opt, step


def several_batches(n, dtype=np.float64, bad=None, value=np.nan, at=2):
    """Batches for ``several``: x_k shaped as p_k, with ``value`` in x_``bad`` of batch ``at``."""
    rng = np.random.default_rng(1)
    batches = [
        tuple(tinyreg.tensor(rng.standard_normal(s).astype(dtype)) for s in Several.shapes)
        for _ in range(n)
    ]
    if bad is not None:
        xs = list(batches[at])
        x = xs[bad].data.copy()
        x.flat[-1] = value
        xs[bad] = tinyreg.tensor(x)
        batches[at] = tuple(xs)
    return batches


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf in a loss
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("bad", range(len(Several.shapes)))
@pytest.mark.parametrize("nonfinite", ["raise", "skip"])
def test_a_nonfinite_gradient_of_each_parameter(bad, value, nonfinite):
    step = check(lambda: several(nonfinite), several_batches(5, bad=bad, value=value))
    assert step.traces == 1  # the bad batch was a replay: it raised or skipped as eager


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # lr * d, with lr = 10
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # then 0 * inf
@pytest.mark.parametrize("lr", [0.1, 10.0])
def test_finite_directions_whose_sum_or_step_overflows(lr):
    # d = grad + alpha * w with w = 1e308: each entry finite, their sum overflows; the check
    # must find them finite (as eager does) and update, without a warning; with lr = 10,
    # lr * d overflows: eager's check passes (d is finite) and w becomes -inf
    def build():
        model, opt, step = several(alpha=1.5, lr=lr)
        big = model.params[0]
        big.data[...] = 1e308

        def with_big(*xs):
            return step(tinyreg.tensor(np.zeros(big.shape)), *xs[1:])

        return model, opt, with_big

    with warnings.catch_warnings():
        if lr < 1:
            warnings.simplefilter("error")
        step = check(build, several_batches(4))
    assert step.traces == 1


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf in a loss
@pytest.mark.parametrize("bad", [None, 1, 3])
@pytest.mark.parametrize("unused", [None, 0, 3])
@pytest.mark.parametrize("dtype", [np.float64, [np.float64, np.float32, np.float64, np.float32]])
def test_a_parameter_without_gradient_and_mixed_dtypes(unused, dtype, bad):
    step = check(
        lambda: several(dtype=dtype, unused=unused),
        several_batches(4, np.float64, bad=bad, value=np.inf),
    )
    assert step.traces == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [None, 3.0])
def test_losses_summed_scaled_and_in_float32(dtype, scale):
    step = check(lambda: several(dtype=dtype, scale=scale), several_batches(4, dtype))
    assert step.traces == 1 and not step.fallback_reasons


def test_the_known_seed_weight_is_folded_and_a_weight_of_one_left_out(replay):
    # the seed's weight for a mean over n entries is 2 * (1 / n): exactly 1 for n = 2
    batches = {n: regression_batches(3, batch=n) for n in (2, 3)}
    steps = {n: check(seed_size, batches[n]) for n in (2, 3)}
    if replay == "fast":
        for n, step in steps.items():
            code = step.fast_code
            assert "_copy(" not in code  # the seed's copy: only forms read it
            assert ("_multiply(weight_" in code) == (n != 2)


def test_a_loss_that_is_not_returned_is_not_computed(replay):
    def build():
        model, opt, step = seed_size()

        def quiet(x, y):
            step(x, y)

        return model, opt, quiet

    def returned():
        model, opt, step = seed_size()
        return model, opt, step

    quiet, loud = check(build, regression_batches(3)), check(returned, regression_batches(3))
    if replay == "fast":
        assert "_asarray(" not in quiet.fast_code and "_asarray(" in loud.fast_code


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_dropout_and_sgd_l2_in_a_narrower_dtype(dtype):
    def build():
        model, opt, step = seed_size()
        for p in model.parameters():
            p.data = p.data.astype(dtype)
        return model, opt, step

    rng = np.random.default_rng(2)
    batches = [
        (tinyreg.tensor(rng.standard_normal((100, 1)).astype(dtype)), rng.standard_normal((100, 1)))
        for _ in range(4)
    ]
    batches = [(x, y.astype(dtype)) for x, y in batches]
    step = check(build, batches)
    assert step.traces == 1 and not step.fallback_reasons


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf times a zero weight
def test_products_with_one_input_feature_keep_their_signed_zeros(replay):
    # x @ w1.T and g @ w2 have an inner dimension of 1: products that are -0 exactly, that
    # underflow to -0, and inf * 0 come out of numpy's matmul as +0, +0 and NaN
    def build():
        model = nn.Sequential(nn.Linear(1, 6), nn.ReLU(), nn.Linear(6, 1))
        w1, b1, w2, _ = (p.data for p in model.parameters())
        w1[:, 0] = [0.0, -0.0, 1e-200, -1e-200, 2.0, -3.0]
        b1[...] = [-0.0, 0.0, -0.0, 0.0, -0.0, 1.0]
        w2[0] = [1e-200, -0.0, 0.0, -1e-200, 1.5, -2.0]
        opt = optim.SGD(model.parameters(), lr=0.01)
        return model, opt, training_step(model, opt)

    column = np.array([[-0.0], [0.0], [-1e-200], [1e-200], [-2.5], [4.0]])
    batches = [
        (tinyreg.tensor(column), np.full((6, 1), -0.0)),
        (tinyreg.tensor(column * 1e-150), np.zeros((6, 1))),
        (tinyreg.tensor(np.vstack([column[:5], [[np.inf]]])), np.zeros((6, 1))),
    ]
    step = check(build, batches)
    if replay == "fast":
        exact = fast_replay._outer_product_exact(np.ones((6, 1)), np.ones((1, 6)))
        assert step.fast_code.count(", 0.0, v") == (2 if exact else 0)  # both made so


def test_an_outer_product_stays_a_matmul_where_numpy_rounds_it_otherwise(monkeypatch):
    a, b = np.ones((5, 1)), np.ones((1, 4))
    # kept only where numpy's loop turns -0 products into +0, among other things: which loops
    # agree is numpy's choice (of two NaNs, numpy 2.0's broadcast multiplication gives the
    # second and its matmul loop the first, so there the matmul stays)
    assert not fast_replay._outer_product_exact(a, b) or _numpy_loop_is_zero_plus_product()
    matmul = np.matmul
    for imitation in (  # a fused multiply-add keeps -0 and the -0 of an underflow
        lambda x, y: np.multiply(x, y),
        lambda x, y: matmul(x, y) * (1 + np.finfo(x.dtype).eps),  # another rounding
    ):
        monkeypatch.setattr(np, "matmul", imitation)
        assert not fast_replay._outer_product_exact(a, b)
        monkeypatch.setattr(np, "matmul", matmul)
    assert not fast_replay._outer_product_exact(a, np.ones((1, 4), np.float32))  # mixed dtypes


def _numpy_loop_is_zero_plus_product():
    """What numpy's matmul of a column and a row gives for -0 products, here."""
    with np.errstate(under="ignore"):
        x = np.array([[-0.0], [-1e-200]]) @ np.array([[1e-200, 2e-200]])  # all -0 products
    return not np.signbit(x).any()


class TwoBranches(nn.Module):
    """out = a(x) + relu(b(x)) * c: the add's gradient reaches both branches under two names,
    and the product's inputs are read again by its gradients."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 5), nn.Linear(3, 5)
        self.c = nn.Parameter(np.linspace(-1.0, 2.0, 5))

    def forward(self, x):
        return self.a(x) + F.relu(self.b(x)) * self.c


def test_a_buffer_is_reused_only_once_nothing_reads_its_value(replay):
    def build():
        model = TwoBranches()
        opt = optim.SGD(model.parameters(), lr=0.05)
        return model, opt, training_step(model, opt)

    step = check(build, regression_batches(3, batch=8, n_in=3, n_out=5))
    if replay == "fast":
        assert step.traces == 1 and not step.fallback_reasons
        held = dict(re.findall(r"(v\d+) = _\w+\(.*(buf_\d+)\)", step.fast_code))
        assert len(set(held.values())) < len(held)  # some value took a dead operand's buffer


def test_probes_put_each_telling_value_at_every_position():
    values = fast_replay._specials(np.float32)
    probes = list(fast_replay._rolled(np.empty((2, 3), np.float32), values))
    assert all(p.shape == (2, 3) and p.dtype == np.float32 for p in probes)
    for position in np.ndindex(2, 3):  # compared by bits: -0 is not 0, NaNs differ
        seen = {p[position].tobytes() for p in probes}
        assert seen == {np.float32(v).tobytes() for v in values}
    assert len({np.float32(v).tobytes() for v in values}) == len(values)


def test_relu_compares_with_an_array_of_zeros_only_where_numpy_gives_the_same_bits(
    replay, monkeypatch
):
    if replay != "fast":
        pytest.skip("a form of the fast replay")

    def zeros_in(code):
        return re.search(r"_maximum\(\w+, zeros_\d+", code) is not None

    _, step = compiled_seed_size()
    for batch in regression_batches(2):
        step(*batch)
    exact = fast_replay._same_bits(
        lambda v: np.maximum(v, 0),
        lambda v: np.maximum(v, np.zeros_like(v)),
        ((v,) for v in fast_replay._rolled(np.empty((100, 64)), fast_replay._specials(float))),
    )
    assert zeros_in(step.fast_code) == exact
    maximum = np.maximum

    def loop_of_its_own(x, y, **kwargs):  # two arrays: y's 0 where x is NaN
        if np.ndim(y) == 0:
            return maximum(x, y, **kwargs)
        return np.where(np.isnan(x), y, maximum(x, y))

    monkeypatch.setattr(np, "maximum", loop_of_its_own)
    _, step = compiled_seed_size()
    for batch in regression_batches(2):
        step(*batch)
    assert not zeros_in(step.fast_code)


def _leave_l1(model, opt):
    model[3].weight.regularize = False  # one weight leaves L1


def _biases_by_their_flags(model, opt):
    opt.param_groups[1]["regularize"] = None  # the biases follow their own flags
    model[0].bias.regularize = True


def _new_group_dict(model, opt):
    opt.param_groups[0] = dict(opt.param_groups[0], lr=0.01)


def _stronger_l1(model, opt):
    opt.param_groups[0]["penalty"].alpha = 0.2  # read at every replay


def _another_tensor_in_the_list(model, opt):
    # the same list, another tensor in it: eager steps that one, not the model's weight
    opt.param_groups[0]["params"][0] = nn.Parameter(np.zeros_like(model[0].weight.data))


@pytest.mark.parametrize(
    "change",
    [
        None,
        _leave_l1,
        _biases_by_their_flags,
        _new_group_dict,
        _stronger_l1,
        _another_tensor_in_the_list,
    ],
)
def test_sgd_groups_with_proxes_and_a_setting_changed_between_replays(change):
    # group 0: L1 (a prox with exact zeros); group 1: elastic net, but regularize=False
    def build():
        model = mlp(n_in=3, hidden=8, n_out=2, p=0.2)
        weights = [model[0].weight, model[3].weight]
        biases = [model[0].bias, model[3].bias]
        opt = optim.SGD(
            [
                {"params": weights, "penalty": penalties.L1(0.05)},
                {"params": biases, "penalty": penalties.ElasticNet(0.1, 0.5), "regularize": False},
            ],
            lr=0.05,
        )
        return model, opt, training_step(model, opt)

    def between(i, model, opt):
        if i == 2 and change is not None:
            change(model, opt)

    step = check(build, regression_batches(5, batch=16, n_in=3, n_out=2), between)
    assert step.traces == 1
