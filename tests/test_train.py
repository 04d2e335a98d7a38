"""tinyreg.train.fit: loss curves, minibatches, early stopping, modes, determinism."""

import math
import warnings

import numpy as np
import pytest
from _tolerances import EPS
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg import nn, optim
from tinyreg.datasets import make_moons
from tinyreg.train import History, fit


def linear_problem(n=64, n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features))
    y = X @ np.arange(1.0, n_features + 1.0)[:, None] + 0.5 + 0.1 * rng.standard_normal((n, 1))
    return X, y


def linear_model(n_features=3, seed=0):
    return nn.Linear(n_features, 1, generator=np.random.default_rng(seed))


def params(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def test_full_batch_sgd_loss_decreases_on_linear_regression():
    X, y = linear_problem()
    model = linear_model()
    start = np.append(model.weight.data, model.bias.data)
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=40)
    assert isinstance(history, History)
    assert len(history.train_loss) == 40 and history.val_loss == []
    assert history.best_epoch == 39 and not history.stopped_early
    # Gradient descent on a convex quadratic with a step below 2/L never goes up ...
    assert all(b <= a for a, b in zip(history.train_loss, history.train_loss[1:], strict=False))
    # ... and contracts the distance to the least-squares solution by max|1 − lr·λ| per
    # step, λ the eigenvalues of the mean squared error's Hessian (2/n)·XaᵀXa
    Xa = np.hstack([X, np.ones((len(X), 1))])
    eigenvalues = np.linalg.eigvalsh(2 * Xa.T @ Xa / len(X))
    rate = np.abs(1 - 0.1 * eigenvalues).max()
    solution, *_ = np.linalg.lstsq(Xa, y[:, 0], rcond=None)
    bound = rate**40 * np.linalg.norm(start - solution)
    floor = 100 * (eigenvalues[-1] / eigenvalues[0]) * EPS * np.linalg.norm(solution)  # rounding
    got = np.append(model.weight.data, model.bias.data)
    assert np.linalg.norm(got - solution) <= bound + floor
    assert bound < 0.05  # 40 epochs are enough to be near it (rate ≈ 0.86 here)
    # the loss above its minimum is at most (λ_max/2)·distance²
    minimum = np.mean((y[:, 0] - Xa @ solution) ** 2)
    assert history.train_loss[-1] <= minimum + eigenvalues[-1] / 2 * (bound + floor) ** 2 + floor


def test_train_loss_is_measured_on_the_whole_set_after_the_epoch():
    X, y = linear_problem()
    model = linear_model()
    history = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        X,
        y,
        epochs=3,
        batch_size=10,
        generator=0,
    )
    with tinyreg.no_grad():
        final = nn.MSELoss()(model(tinyreg.tensor(X)), tinyreg.tensor(y)).item()
    assert history.train_loss[-1] == final  # the same computation on the same parameters


def test_validation_curve_is_recorded():
    X, y = linear_problem(n=80)
    model = linear_model()
    history = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.1),
        X[:60],
        y[:60],
        epochs=15,
        validation=(X[60:], y[60:]),
    )
    assert len(history.val_loss) == len(history.train_loss) == 15
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.best_epoch == int(np.argmin(history.val_loss))


def early_stopping_problem():
    """Training pulls w towards 2, validation wants w = 1: the validation loss falls, then rises."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 1))
    X_val = rng.standard_normal((50, 1))
    return X, 2.0 * X, X_val, 1.0 * X_val


def zero_model():
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 0.0
    return model


def test_early_stopping_stops_and_restores_the_best_parameters():
    X, y, X_val, y_val = early_stopping_problem()
    model = zero_model()
    history = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        X,
        y,
        epochs=200,
        validation=(X_val, y_val),
        patience=3,
    )
    best = history.best_epoch
    assert history.stopped_early
    assert len(history.train_loss) == len(history.val_loss) == best + 1 + 3
    assert best == int(np.argmin(history.val_loss)) and 0 < best < 20
    assert all(v > history.val_loss[best] for v in history.val_loss[best + 1 :])

    # The restored weight is the one after epoch `best`: retrain that many epochs to compare.
    replay = zero_model()
    fit(replay, nn.MSELoss(), optim.SGD(replay.parameters(), lr=0.05), X, y, epochs=best + 1)
    np.testing.assert_array_equal(model.weight.data, replay.weight.data)
    with tinyreg.no_grad():
        restored_val = nn.MSELoss()(model(tinyreg.tensor(X_val)), tinyreg.tensor(y_val)).item()
    assert restored_val == history.val_loss[best]  # the same computation on the same parameters


def test_patience_restores_the_best_even_without_stopping_early():
    X, y, X_val, y_val = early_stopping_problem()
    model = zero_model()
    history = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        X,
        y,
        epochs=30,
        validation=(X_val, y_val),
        patience=100,
    )
    assert not history.stopped_early and len(history.val_loss) == 30
    assert history.best_epoch < 29
    with tinyreg.no_grad():
        restored_val = nn.MSELoss()(model(tinyreg.tensor(X_val)), tinyreg.tensor(y_val)).item()
    assert restored_val == min(history.val_loss)  # the same computation on the same parameters


def run_minibatch(seed, batch_size=8):
    X, y = linear_problem(n=50)
    model = linear_model(seed=3)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(model, nn.MSELoss(), opt, X, y, epochs=5, batch_size=batch_size, generator=seed)
    return history, params(model)


def test_same_seed_gives_bit_identical_training():
    (h1, p1), (h2, p2), (h3, _) = run_minibatch(0), run_minibatch(0), run_minibatch(1)
    assert h1.train_loss == h2.train_loss
    for name in p1:
        np.testing.assert_array_equal(p1[name], p2[name])
    assert h1.train_loss != h3.train_loss


def test_seed_none_uses_the_package_generator():
    tinyreg.manual_seed(11)
    h1, _ = run_minibatch(None)
    tinyreg.manual_seed(11)
    h2, _ = run_minibatch(None)
    assert h1.train_loss == h2.train_loss


def test_seed_is_another_spelling_of_generator_and_warns():
    X, y = linear_problem(n=50)
    runs = []
    for keyword in ("generator", "seed"):
        model = linear_model(seed=3)
        opt = optim.SGD(model.parameters(), lr=0.05)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            history = fit(model, nn.MSELoss(), opt, X, y, epochs=3, batch_size=8, **{keyword: 4})
        runs.append((history.train_loss, params(model), record))
    (loss, weights, silence), (seed_loss, seed_weights, record) = runs
    assert silence == [] and loss == seed_loss
    for name, value in weights.items():
        np.testing.assert_array_equal(seed_weights[name], value)
    [warning] = record
    assert warning.category is DeprecationWarning and warning.filename == __file__
    assert str(warning.message).startswith("fit(): seed= is deprecated, pass generator=")


def test_seed_and_generator_together_are_a_type_error():
    X, y = linear_problem(n=10)
    model = linear_model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(TypeError, match=r"fit\(\) got both generator and seed"):
        fit(model, nn.MSELoss(), opt, X, y, 1, generator=0, seed=0)
    with pytest.raises(TypeError, match=r"fit\(\) got both generator and seed"):
        fit(model, nn.MSELoss(), opt, X, y, 1, None, None, 0, seed=0)


def test_batch_size_sets_the_number_of_steps():
    X, y = linear_problem(n=50)
    model = linear_model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    steps = []
    original = opt.step
    opt.step = lambda: steps.append(1) or original()
    fit(model, nn.MSELoss(), opt, X, y, epochs=3, batch_size=16, generator=0)
    assert len(steps) == 3 * math.ceil(50 / 16)
    steps.clear()
    fit(model, nn.MSELoss(), opt, X, y, epochs=2, batch_size=500, generator=0)  # > n: full batch
    assert len(steps) == 2


class RowRecorder(nn.Module):
    """Linear(1, 1) that records the rows (their x values) it sees in training mode."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1, generator=np.random.default_rng(0))
        self.batches = []

    def forward(self, x):
        if self.training:
            self.batches.append(x.data[:, 0].astype(int).tolist())
        return self.linear(x)


@given(n=st.integers(1, 30), batch_size=st.integers(1, 40), seed=st.integers(0, 1000))
def test_every_epoch_visits_every_row_once(n, batch_size, seed):
    X = np.arange(n, dtype=float).reshape(-1, 1)
    model = RowRecorder()
    fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=1e-3),
        X,
        np.zeros((n, 1)),
        epochs=2,
        batch_size=batch_size,
        generator=seed,
    )
    per_epoch = math.ceil(n / batch_size)
    assert len(model.batches) == 2 * per_epoch
    for epoch in range(2):
        batches = model.batches[epoch * per_epoch : (epoch + 1) * per_epoch]
        assert all(len(b) <= batch_size for b in batches)
        assert sorted(row for b in batches for row in b) == list(range(n))


def test_modes_train_for_steps_eval_for_curves_and_restored_after():
    X, y = linear_problem(n=40)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
    seen = []

    def loss_fn(pred, target):
        seen.append((model.training, model[2].training, tinyreg.is_grad_enabled()))
        return nn.MSELoss()(pred, target)

    opt = optim.SGD(model.parameters(), lr=0.01)
    fit(model, loss_fn, opt, X, y, epochs=2, batch_size=20, generator=0, validation=(X, y))
    # per epoch: two training steps, then the train and validation evaluations
    assert (
        seen
        == [(True, True, True)] * 2
        + [(False, False, False)] * 2
        + [(True, True, True)] * 2
        + [(False, False, False)] * 2
    )
    assert model.training and model[2].training
    assert tinyreg.is_grad_enabled()

    model.eval()
    fit(model, loss_fn, opt, X, y, epochs=1)
    assert not model.training and not model[2].training  # the mode it had before


def test_dropout_curves_are_measured_without_dropout():
    X, y = linear_problem(n=40)
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), X, y, epochs=2)
    model.eval()
    with tinyreg.no_grad():
        twice = [nn.MSELoss()(model(tinyreg.tensor(X)), tinyreg.tensor(y)).item() for _ in range(2)]
    assert twice[0] == twice[1] == history.train_loss[-1]  # dropout off: the same computation


def test_classification_with_integer_labels_and_tensor_inputs():
    X, y = make_moons(n_samples=120, noise=0.1, generator=0)
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        tinyreg.tensor(X),
        y,
        epochs=30,
        batch_size=32,
        generator=0,
    )
    # an end-to-end check, not a rounding tolerance: the two moons are separable with this
    # noise, and the seeded run reaches about 0.97; rounding cannot move it by 0.1
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    with tinyreg.no_grad():
        accuracy = (model(tinyreg.tensor(X)).data.argmax(axis=1) == y).mean()
    assert accuracy > 0.85


def test_verbose_prints_one_line_per_epoch_to_stderr(capsys):
    X, y = linear_problem(n=20)
    model = linear_model()
    fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=4,
        validation=(X, y),
        verbose=True,
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("epoch 1/4") and "train_loss" in lines[0] and "val_loss" in lines[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"patience": 2}, ValueError, "validation"),
        ({"patience": 0, "validation": "set below"}, ValueError, "patience"),
        ({"y": np.zeros((19, 1))}, ValueError, r"X has shape \(20, 3\), y has shape \(19, 1\)"),
        ({"y": np.zeros((0, 1))}, ValueError, "samples"),
        ({"X": np.float64(1.0)}, ValueError, "X must have a samples axis"),
        ({"validation": "mismatched"}, ValueError, r"X_val and y_val .*\(20, 3\).*\(5, 1\)"),
    ],
)
def test_bad_arguments_raise_and_change_nothing(kwargs, error, match):
    X, y = linear_problem(n=20)
    model = linear_model()
    before = params(model)
    arguments = {"X": X, "y": y, "epochs": 3, **kwargs}
    if arguments.get("validation") == "set below":
        arguments["validation"] = (X, y)
    elif arguments.get("validation") == "mismatched":
        arguments["validation"] = (X, y[:5])
    with pytest.raises(error, match=match):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), **arguments)
    for name, value in params(model).items():
        np.testing.assert_array_equal(value, before[name])


def test_callback_is_called_after_every_epoch():
    X, y, X_val, y_val = early_stopping_problem()
    model = zero_model()
    calls = []
    history = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        X,
        y,
        epochs=200,
        validation=(X_val, y_val),
        patience=2,
        callback=calls.append,
    )
    assert calls == list(range(1, len(history.train_loss) + 1))


# ---------------------------------------------------------------------------
# Divergence: never a normal return with non-finite weights
# ---------------------------------------------------------------------------


def blow_up_after(epochs, optimizer, factor=1e6):
    """A callback that multiplies the learning rate by ``factor`` after ``epochs`` epochs."""

    def callback(n):
        if n == epochs:
            for group in optimizer.param_groups:
                group["lr"] *= factor

    return callback


def all_finite(model):
    return all(np.isfinite(p.data).all() for p in model.parameters())


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverging on purpose
def test_divergence_without_validation_raises_naming_the_epoch():
    X, y = linear_problem()
    model = linear_model()
    with pytest.raises(
        FloatingPointError,
        match=r"training diverged in epoch \d+: the (training )?loss is (inf|nan)",
    ):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e3), X, y, epochs=500)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverging on purpose
@pytest.mark.parametrize("batch_size", [None, 16])
def test_divergence_with_validation_restores_the_best_epoch_and_warns(batch_size):
    X, y = linear_problem(n=80)
    model = linear_model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    with pytest.warns(RuntimeWarning, match=r"diverged in epoch \d+.*restored the parameters of "):
        history = fit(
            model,
            nn.MSELoss(),
            opt,
            X[:60],
            y[:60],
            epochs=500,
            batch_size=batch_size,
            generator=0,
            validation=(X[60:], y[60:]),
            callback=blow_up_after(5, opt),
        )
    assert history.diverged and history.stopped_early
    assert len(history.val_loss) == len(history.train_loss) < 500
    assert all(map(math.isfinite, history.train_loss + history.val_loss))
    assert all_finite(model)
    # the restored parameters are those of the best epoch: replay that many epochs
    replay = linear_model()
    fit(
        replay,
        nn.MSELoss(),
        optim.SGD(replay.parameters(), lr=0.05),
        X[:60],
        y[:60],
        epochs=history.best_epoch + 1,
        batch_size=batch_size,
        generator=0,
    )
    for name, value in params(replay).items():
        np.testing.assert_array_equal(params(model)[name], value)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverging on purpose
def test_the_divergence_warning_points_at_the_call_of_fit():
    X, y = linear_problem(n=80)
    model = linear_model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    with pytest.warns(RuntimeWarning, match="diverged") as record:
        fit(
            model,
            nn.MSELoss(),
            opt,
            X[:60],
            y[:60],
            epochs=50,
            generator=0,
            validation=(X[60:], y[60:]),
            callback=blow_up_after(3, opt),
        )
    assert [w.filename for w in record if "diverged" in str(w.message)] == [__file__]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverging on purpose
def test_divergence_in_the_first_epoch_raises_even_with_validation():
    X, y = linear_problem()
    model = linear_model()
    opt = optim.SGD(model.parameters(), lr=1e200)
    with pytest.raises(FloatingPointError, match="epoch 1"):
        fit(model, nn.MSELoss(), opt, X, y, epochs=3, batch_size=8, validation=(X, y), generator=0)


@tinyreg.op
def nan_gradient(x):
    """The identity, with a NaN gradient: a finite loss whose gradient is not."""
    return x.copy()


nan_gradient.defvjp(lambda g, out, x: np.full_like(g, np.nan))


def test_a_nan_gradient_stops_fit_through_the_optimizer_error():
    X, y = linear_problem()
    model = linear_model()
    loss_fn = lambda pred, target: nn.MSELoss()(nan_gradient(pred), target)  # noqa: E731
    before = params(model)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    with pytest.raises(FloatingPointError) as info:
        fit(model, loss_fn, opt, X, y, epochs=3)
    message = str(info.value)
    assert "training diverged in epoch 1" in message
    assert isinstance(info.value.__cause__, FloatingPointError)
    assert "'weight' (shape (1, 3)): 3 of 3 values of its gradient" in str(info.value.__cause__)
    for name, value in params(model).items():  # the optimizer changed nothing
        np.testing.assert_array_equal(value, before[name])


def test_nan_weights_from_an_unchecked_optimizer_are_caught_at_the_end_of_the_epoch():
    X, y = linear_problem()
    model = linear_model()
    loss_fn = lambda pred, target: nn.MSELoss()(nan_gradient(pred), target)  # noqa: E731
    opt = optim.SGD(model.parameters(), lr=0.1, nonfinite="ignore")
    with pytest.raises(FloatingPointError, match="epoch 1: the training loss is nan"):
        fit(model, loss_fn, opt, X, y, epochs=3)


@pytest.mark.parametrize("where", ["X", "y", "X_val", "y_val"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_is_named_before_any_step(where, bad):
    X, y = linear_problem()
    data = {"X": X.copy(), "y": y.copy(), "X_val": X[:8].copy(), "y_val": y[:8].copy()}
    data[where][3, 0] = bad
    model = linear_model()
    before = params(model)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=rf"^{where} contains 1 non-finite value.*index \(3, 0\)"):
        fit(
            model,
            nn.MSELoss(),
            opt,
            data["X"],
            data["y"],
            epochs=2,
            validation=(data["X_val"], data["y_val"]),
        )
    for name, value in params(model).items():
        np.testing.assert_array_equal(value, before[name])
