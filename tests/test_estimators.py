"""MLPRegressor and MLPClassifier: what they learn, their penalties, and their contract.

These tests need numpy only; their life inside scikit-learn's tools is in
tests/test_sklearn.py.
"""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tinyreg import nn, penalties
from tinyreg.datasets import make_moons, train_test_split
from tinyreg.estimators import MLPClassifier, MLPRegressor
from tinyreg.linear import ConvergenceWarning, Lasso, NotFittedError


def sparse_problem(seed=0, n=200, p=10):
    """y = 2·x₀ − x₁ + noise: only the first 2 of ``p`` standard normal features matter."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, 2.0 * X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(n)


def quiet(model, *args, **kwargs):
    """``model.fit(...)`` with ConvergenceWarning silenced (tests that cap max_iter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def test_classifier_separates_two_moons():
    X, y = make_moons(400, noise=0.15, generator=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, generator=0)
    model = MLPClassifier(
        hidden_layer_sizes=(32, 32), learning_rate_init=0.01, max_iter=1000, random_state=0
    ).fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.93
    proba = model.predict_proba(X_test)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X_test)), proba, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])


def test_classifier_with_three_string_classes_uses_softmax():
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 3.0], [3.0, 0.0], [-3.0, -3.0]])
    labels = np.array(["cat", "dog", "eel"])
    codes = rng.integers(0, 3, 150)
    X = centres[codes] + rng.standard_normal((150, 2))
    model = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    quiet(model, X, labels[codes])
    np.testing.assert_array_equal(model.classes_, labels)
    assert model.n_outputs_ == 3 and model.predict_proba(X).shape == (150, 3)
    assert model.score(X, labels[codes]) > 0.9
    assert set(model.predict(X)) <= set(labels)


def test_classifier_refuses_continuous_or_single_class_targets():
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier().fit(X, np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.ones(10))
    with pytest.raises(ValueError, match="needs classes="):
        MLPClassifier().partial_fit(X, np.arange(10) % 2)


def test_l1_gives_exact_zeros_in_first_layer_weights_and_l2_does_not():
    X, y = sparse_problem()
    kwargs = dict(hidden_layer_sizes=(16,), alpha=0.01, learning_rate_init=0.01, random_state=0)
    l1 = quiet(MLPRegressor(penalty="l1", max_iter=500, **kwargs), X, y)
    l2 = quiet(MLPRegressor(penalty="l2", max_iter=500, **kwargs), X, y)
    first = l1.coefs_[0]  # (n_features, n_hidden)
    assert np.count_nonzero(first == 0.0) > first.size // 2
    dropped = np.flatnonzero((first == 0.0).all(axis=1))  # inputs the network ignores
    assert len(dropped) >= 4 and not {0, 1} & set(dropped)
    assert np.count_nonzero(l2.coefs_[0] == 0.0) == 0  # a gradient never lands on 0
    assert l1.score(X, y) > 0.95


def test_no_hidden_layer_and_l1_is_exactly_the_lasso():
    """Proximal gradient descent with step 1/L converges linearly to the lasso minimiser.

    With hidden_layer_sizes=() the network is x·w + b and its objective is
    Lasso's, (1/(2n))‖y − Xw − b‖² + alpha‖w‖₁. On this well-conditioned design
    (n = 100 Gaussian rows, p = 6) the smooth part is strongly convex, so full-batch
    ISTA with step 1/L contracts the error by a constant factor per step; 3000 steps
    reach rounding level, and the coordinate-descent solution (at tol=1e-14) is the
    same point.
    """
    rng = np.random.default_rng(0)
    n = 100
    X = rng.standard_normal((n, 6))
    y = X @ np.array([3.0, -2.0, 0.0, 0.0, 1.0, 0.0]) + 0.5 * rng.standard_normal(n) + 4.0
    lasso = Lasso(alpha=0.3, tol=1e-14, max_iter=100_000).fit(X, y)
    design = np.column_stack([X, np.ones(n)])  # the bias is a parameter too
    L = np.linalg.eigvalsh(design.T @ design / n).max()  # Lipschitz constant of the gradient
    net = MLPRegressor(
        hidden_layer_sizes=(),
        penalty="l1",
        alpha=0.3,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1.0 / L,
        batch_size=n,
        max_iter=3000,
        tol=0.0,
        n_iter_no_change=3000,
        random_state=0,
    )
    quiet(net, X, y)
    np.testing.assert_allclose(net.coefs_[0][:, 0], lasso.coef_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(net.coefs_[0][:, 0] == 0.0, lasso.coef_ == 0.0)
    assert net.intercepts_[0][0] == pytest.approx(lasso.intercept_, abs=1e-10)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_the_penalty_spares_the_biases(penalty):
    """A huge alpha shrinks every weight to (nearly) zero; the biases still fit the mean of y."""
    X, y = sparse_problem()
    y = y + 5.0
    model = MLPRegressor(
        hidden_layer_sizes=(8,),
        penalty=penalty,
        alpha=100.0,
        learning_rate_init=0.05,
        max_iter=400,
        n_iter_no_change=400,  # no early end: the bias needs its 400 Adam steps
        random_state=0,
    )
    quiet(model, X, y)
    weights = np.concatenate([w.ravel() for w in model.coefs_])
    if penalty == "l1":
        assert np.all(weights == 0.0)  # the proximal step: exactly zero
    else:  # the gradient step: 100·w dominates, w settles near 0
        assert np.abs(weights).max() < 1e-2
    np.testing.assert_allclose(model.predict(X), y.mean(), atol=0.05)


def test_penalty_objects_and_elasticnet_are_accepted():
    X, y = sparse_problem()
    group = penalties.ElasticNet(0.01, l1_ratio=0.9)
    by_object = quiet(MLPRegressor((8,), penalty=group, max_iter=50, random_state=0), X, y)
    by_name = MLPRegressor((8,), penalty="elasticnet", alpha=0.01, l1_ratio=0.9, max_iter=50)
    quiet(by_name.set_params(random_state=0), X, y)
    for a, b in zip(by_object.coefs_, by_name.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="penalty must be one of 'l2', 'l1', 'elasticnet'"):
        MLPRegressor(penalty=penalties.L1).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw"])
def test_every_solver_learns_and_dropout_builds_the_layers(solver):
    X, y = sparse_problem()
    model = MLPRegressor(
        hidden_layer_sizes=(16, 8),
        solver=solver,
        dropout=0.2,
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    )
    quiet(model, X, y)
    kinds = [type(m).__name__ for m in model.module_]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [w.shape for w in model.coefs_] == [(10, 16), (16, 8), (8, 1)]
    assert model.score(X, y) > 0.9
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert not model.module_.training  # left in eval mode: predictions have no dropout


def test_fit_is_deterministic_and_bit_identical_on_refit():
    X, y = sparse_problem()
    model = MLPRegressor((16,), dropout=0.1, max_iter=30, random_state=3)
    first = [w.copy() for w in quiet(model, X, y).coefs_]
    again = quiet(model, X, y).coefs_
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = quiet(MLPRegressor((16,), dropout=0.1, max_iter=30, random_state=4), X, y)
    assert not np.array_equal(first[0], other.coefs_[0])


def test_partial_fit_continues_training_exactly_like_fit():
    """k calls of partial_fit are k epochs: the same generator, the same optimizer state."""
    X, y = sparse_problem()
    params = dict(hidden_layer_sizes=(8,), batch_size=50, max_iter=6, random_state=0)
    fitted = quiet(MLPRegressor(n_iter_no_change=100, **params), X, y)
    stepped = MLPRegressor(n_iter_no_change=100, **params)
    for epoch in range(1, 7):
        stepped.partial_fit(X, y)
        assert stepped.n_iter_ == epoch and len(stepped.loss_curve_) == epoch
    assert stepped.loss_curve_[-1] < stepped.loss_curve_[0]
    np.testing.assert_array_equal(stepped.loss_curve_, fitted.loss_curve_)
    for a, b in zip(stepped.coefs_, fitted.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)

    classifier = MLPClassifier((8,), random_state=0)
    X2, y2 = make_moons(100, generator=1)
    classifier.partial_fit(X2[:50], y2[:50], classes=[0, 1])
    classifier.partial_fit(X2[50:], y2[50:])  # classes known now
    assert classifier.n_iter_ == 2
    with pytest.raises(ValueError, match="not among the classes"):
        classifier.partial_fit(X2, y2 + 5)


def test_pickling_round_trips_and_training_goes_on_identically():
    X, y = sparse_problem()
    model = quiet(MLPRegressor((8,), dropout=0.2, max_iter=5, random_state=0), X, y)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.get_params() == model.get_params()
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    model.partial_fit(X, y)
    copy.partial_fit(X, y)  # generator, dropout masks and Adam's moments came along
    for a, b in zip(copy.coefs_, model.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)

    X2, y2 = make_moons(60, generator=2)
    classifier = quiet(MLPClassifier((4,), max_iter=5, random_state=0), X2, y2)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(classifier)).predict_proba(X2), classifier.predict_proba(X2)
    )


def test_module_is_the_trained_network():
    X, y = sparse_problem()
    model = quiet(MLPRegressor((8,), activation="tanh", max_iter=20, random_state=0), X, y)
    assert isinstance(model.module_, nn.Sequential)
    state = model.module_.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    np.testing.assert_array_equal(state["0.weight"], model.coefs_[0].T)
    np.testing.assert_array_equal(state["2.bias"], model.intercepts_[1])
    fresh = nn.Sequential(nn.Linear(10, 8), nn.Tanh(), nn.Linear(8, 1))
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh(X).data[:, 0], model.predict(X))


def test_module_state_dict_loads_into_pytorch():
    torch = pytest.importorskip("torch")
    X, y = sparse_problem()
    model = quiet(MLPRegressor((8, 4), dropout=0.3, max_iter=20, random_state=0), X, y)
    layers = {"Linear": lambda m: torch.nn.Linear(m.in_features, m.out_features)}
    layers.update(ReLU=lambda m: torch.nn.ReLU(), Dropout=lambda m: torch.nn.Dropout(m.p))
    twin = torch.nn.Sequential(*(layers[type(m).__name__](m) for m in model.module_))
    twin = twin.double().eval()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.module_.state_dict().items()})
    with torch.no_grad():
        out = twin(torch.from_numpy(X)).numpy()[:, 0]
    np.testing.assert_allclose(out, model.predict(X), rtol=1e-12, atol=1e-12)


def test_max_iter_warns_and_verbose_reports_on_stderr(capsys):
    X, y = sparse_problem()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3 epochs"):
        MLPRegressor((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("MLPRegressor: epoch 1, loss ")


def test_non_finite_loss_raises_and_changes_nothing():
    X, y = sparse_problem()
    explosive = dict(solver="sgd", learning_rate_init=1e6, max_iter=50)
    fresh = MLPRegressor((8,), random_state=0, **explosive)
    with pytest.raises(FloatingPointError, match=r"learning_rate_init=1000000.0.*left as it was"):
        fresh.fit(X, y)
    assert not hasattr(fresh, "module_")

    model = quiet(MLPRegressor((8,), max_iter=5, random_state=0), X, y)
    model.set_params(**explosive)
    before = pickle.dumps(model)
    with pytest.raises(FloatingPointError):
        model.fit(X, y)
    assert pickle.dumps(model) == before  # weights, optimizer state, loss curve: all as they were
    model = MLPRegressor((8,), random_state=0, **explosive)
    for _ in range(100):  # each partial_fit epoch takes the weights further, until they overflow
        before = pickle.dumps(model)
        try:
            model.partial_fit(X, y)
        except FloatingPointError:
            break
    else:
        pytest.fail("training never diverged")
    assert pickle.dumps(model) == before
    assert model.n_iter_ >= 1 and all(np.isfinite(w).all() for w in model.coefs_)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverging on purpose
@pytest.mark.parametrize("batch_size", [10, 200])
def test_divergence_names_the_epoch_and_the_loss_that_is_not_finite(batch_size):
    X, y = sparse_problem()
    model = MLPRegressor((8,), solver="sgd", learning_rate_init=1e3, batch_size=batch_size)
    with pytest.raises(
        FloatingPointError,
        match=r"MLPRegressor: training diverged in epoch \d+: the (loss on minibatch \d+|"
        r"training loss) is (inf|nan)\. The learning rate",
    ):
        model.set_params(random_state=0).fit(1e3 * X, y)


class _NaNGradientL2(penalties.L2):
    """An L2 penalty whose gradient is NaN: finite losses, a non-finite optimizer step."""

    def grad(self, w):
        return np.full_like(w, np.nan)


def test_the_optimizers_non_finite_error_is_the_cause_and_changes_nothing():
    X, y = sparse_problem()
    model = MLPRegressor((8,), penalty=_NaNGradientL2(1e-3), solver="sgd", random_state=0)
    with pytest.raises(FloatingPointError, match=r"diverged in epoch 1: SGD\.step\(\)") as info:
        model.fit(X, y)
    assert isinstance(info.value.__cause__, FloatingPointError)
    assert "the penalty's is not" in str(info.value.__cause__)
    assert not hasattr(model, "module_")


def test_early_stopping_keeps_the_best_epoch():
    X, y = sparse_problem()
    params = dict(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        learning_rate_init=0.01,
        random_state=0,
    )
    model = MLPRegressor(**params).fit(X, y)
    assert model.best_loss_ is None and len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    best = int(np.argmax(model.validation_scores_))
    assert best + 1 < model.n_iter_ < 200  # it went on past the best epoch, then stopped
    # The same training stopped right after the best epoch has the weights kept.
    short = quiet(MLPRegressor(**{**params, "max_iter": best + 1}), X, y)
    for a, b in zip(short.coefs_, model.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="leaves none to train on"):
        MLPRegressor(early_stopping=True, validation_fraction=0.99).fit(X[:5], y[:5])


def test_errors_name_the_argument_and_leave_the_model_unchanged():
    X, y = sparse_problem()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        MLPRegressor().predict(X)
    with pytest.raises(NotFittedError):
        MLPClassifier().coefs_
    model = quiet(MLPRegressor((4,), max_iter=3, random_state=0), X, y)
    coefs = [w.copy() for w in model.coefs_]
    bad = [
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0.0, 1.0\)"),
        ({"hidden_layer_sizes": (4, 0)}, ValueError, r"hidden_layer_sizes\[1\] must be >= 1"),
        ({"hidden_layer_sizes": 2.5}, TypeError, "hidden_layer_sizes must be a tuple"),
        ({"activation": "softplus"}, ValueError, "activation must be one of"),
        ({"solver": "lbfgs"}, ValueError, "solver must be one of 'sgd', 'adam', 'adamw'"),
        ({"alpha": -1.0}, ValueError, "alpha must be >= 0"),
        ({"learning_rate_init": 0.0}, ValueError, "learning_rate_init must be > 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"random_state": "seed"}, TypeError, "random_state must be None, an int"),
    ]
    for params, error, message in bad:
        good = model.get_params()
        with pytest.raises(error, match=message):
            model.set_params(**params).fit(X, y)
        model.set_params(**good)
        for a, b in zip(model.coefs_, coefs, strict=True):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"X has 3 features, but MLPRegressor is expecting 10"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="different numbers of samples"):
        MLPRegressor().fit(X, y[:-1])


def test_importing_tinyreg_imports_no_optional_dependency():
    code = (
        "import sys, tinyreg, tinyreg.estimators, tinyreg.linear\n"
        "optional = {'sklearn', 'scipy', 'pandas', 'torch', 'matplotlib', 'hypothesis', 'dask'}\n"
        "print(sorted(optional & {name.split('.')[0] for name in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
