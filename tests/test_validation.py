"""The shared argument checks: finiteness, the samples check, infinite hyper-parameters,
and the line every warning is shown at.

Every hyper-parameter of tinyreg must be finite (see tinyreg/validation.py for
why no setting keeps an infinite value); the table below tries infinity on
each of them and expects a ValueError that names it. Every warning tinyreg
gives names the user's line, however deep inside tinyreg it is raised.
"""

from __future__ import annotations

import math
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinyreg import (
    datasets,
    estimators,
    linear,
    lr_scheduler,
    nn,
    optim,
    penalties,
    train,
    validation,
)
from tinyreg.validation import (
    all_finite,
    check_finite_array,
    check_same_samples,
    user_stacklevel,
)

INF = math.inf


def _p():
    return nn.Parameter(np.ones(3))


def _fit(estimator):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    return lambda: estimator.fit(X, X @ np.array([1.0, -2.0, 0.5]))


def _path(**kwargs):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    return lambda: linear.lasso_path(X, X[:, 0], **kwargs)


INFINITE = {
    "SGD lr": (lambda: optim.SGD([_p()], lr=INF), "lr"),
    "SGD momentum": (lambda: optim.SGD([_p()], lr=0.1, momentum=INF), "momentum"),
    "SGD dampening": (lambda: optim.SGD([_p()], lr=0.1, momentum=0.5, dampening=-INF), "dampening"),
    "Adam lr": (lambda: optim.Adam([_p()], lr=INF), "lr"),
    "Adam eps": (lambda: optim.Adam([_p()], eps=INF), "eps"),
    "Adam betas": (lambda: optim.Adam([_p()], betas=(0.9, INF)), r"betas\[1\]"),
    "AdamW weight_decay": (lambda: optim.AdamW([_p()], weight_decay=INF), "weight_decay"),
    "group lr": (lambda: optim.SGD([{"params": [_p()], "lr": INF}], lr=0.1), "lr"),
    "L2 alpha": (lambda: penalties.L2(INF), "alpha"),
    "L1 alpha": (lambda: penalties.L1(INF), "alpha"),
    "ElasticNet alpha": (lambda: penalties.ElasticNet(INF), "alpha"),
    "ElasticNet l1_ratio": (lambda: penalties.ElasticNet(0.1, INF), "l1_ratio"),
    "Dropout p": (lambda: nn.Dropout(INF), "dropout probability p"),
    "StepLR gamma": (lambda: lr_scheduler.StepLR(optim.SGD([_p()], lr=0.1), 2, INF), "gamma"),
    "CosineAnnealingLR eta_min": (
        lambda: lr_scheduler.CosineAnnealingLR(optim.SGD([_p()], lr=0.1), 5, INF),
        "eta_min",
    ),
    "make_house_prices noise": (lambda: datasets.make_house_prices(noise=INF), "noise"),
    "make_regression noise": (lambda: datasets.make_regression(noise=INF), "noise"),
    "make_moons noise": (lambda: datasets.make_moons(noise=INF), "noise"),
    "make_spirals noise": (lambda: datasets.make_spirals(noise=INF), "noise"),
    "make_polynomial_curve noise": (lambda: datasets.make_polynomial_curve(noise=INF), "noise"),
    "train_test_split test_size": (
        lambda: datasets.train_test_split(np.zeros((4, 1)), np.zeros(4), test_size=INF),
        "test_size",
    ),
    "Ridge alpha": (_fit(linear.Ridge(alpha=INF)), "alpha"),
    "Lasso alpha": (_fit(linear.Lasso(alpha=INF)), "alpha"),
    "Lasso tol": (_fit(linear.Lasso(alpha=0.1, tol=INF)), "tol"),
    "ElasticNet (solver) alpha": (_fit(linear.ElasticNet(alpha=INF)), "alpha"),
    "ElasticNet (solver) tol": (_fit(linear.ElasticNet(alpha=0.1, tol=INF)), "tol"),
    "RidgeCV alphas": (_fit(linear.RidgeCV(alphas=[1.0, INF])), "alphas"),
    "lasso_path alphas": (_path(alphas=[INF, 1.0]), "alphas"),
    "lasso_path eps": (_path(eps=INF), "eps"),
    "lasso_path tol": (_path(tol=INF), "tol"),
}


@pytest.mark.parametrize("case", list(INFINITE))
def test_infinite_hyper_parameters_are_rejected_naming_them(case):
    make, name = INFINITE[case]
    with pytest.raises(ValueError, match=name) as info:
        make()
    assert (
        "finite" in str(info.value) or "non-finite" in str(info.value) or "in [" in str(info.value)
    )


def test_infinite_learning_rate_in_a_state_dict_is_rejected():
    p = _p()
    opt = optim.SGD([p], lr=0.1)
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = INF
    with pytest.raises(ValueError, match="lr must be finite, got inf"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.1


# ---------------------------------------------------------------------------
# all_finite: exactly np.isfinite(a).all(), with no floating-point warning
# ---------------------------------------------------------------------------

special = st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 3e38, 0.0, -0.0, 1.0])
values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), special)


@given(
    dtype=st.sampled_from([np.float16, np.float32, np.float64, np.longdouble]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    data=st.data(),
    layout=st.sampled_from(["C", "F", "strided"]),
    summed=st.booleans(),
)
def test_all_finite_is_isfinite_all(dtype, shape, data, layout, summed):
    with np.errstate(all="ignore"):  # drawing huge values into float16/float32 overflows
        array = data.draw(hnp.arrays(np.float64, shape, elements=values)).astype(dtype)
    if layout == "F":
        array = np.asfortranarray(array)
    elif layout == "strided" and array.ndim:
        array = np.repeat(array, 2, axis=0)[::2]
    # ``summed``: take the path of large arrays (sum first) whatever the size
    with (
        warnings.catch_warnings(),
        mock.patch.object(validation, "SCAN_AT_ONCE", -1 if summed else 1 << 20),
    ):
        warnings.simplefilter("error")
        assert all_finite(array) == bool(np.isfinite(array).all())


@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf, "both infinities", "overflow"])
def test_all_finite_on_an_array_large_enough_to_be_summed(bad):
    array = np.ones(validation.SCAN_AT_ONCE + 1)
    if bad == "both infinities":
        array[[3, -3]] = np.inf, -np.inf
    elif bad == "overflow":
        array[:] = 1e305  # finite entries whose sum overflows
    elif bad is not None:
        array[12345] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all_finite(array) is (bad in (None, "overflow"))


def test_check_finite_array_says_how_many_and_where():
    X = np.ones((3, 4))
    X[1, 2], X[2, 0] = np.nan, -np.inf
    with pytest.raises(ValueError, match=r"X contains 2 non-finite.*nan at index \(1, 2\)"):
        check_finite_array("X", X)
    huge = np.full((3, 4), 1e300)  # finite; only a naive sum of squares would overflow
    assert check_finite_array("X", huge) is huge


# ---------------------------------------------------------------------------
# check_same_samples
# ---------------------------------------------------------------------------


def test_same_samples_returns_the_count_and_names_the_arrays():
    assert check_same_samples(X=np.zeros((5, 2)), y=np.zeros(5), w=np.zeros((5, 1, 1))) == 5
    with pytest.raises(ValueError, match=r"X and y have different numbers of samples: "):
        check_same_samples(X=np.zeros((5, 2)), y=np.zeros(4))
    with pytest.raises(ValueError, match=r"X has shape \(5, 2\), sample_weight has shape \(3,\)"):
        check_same_samples(X=np.zeros((5, 2)), sample_weight=np.zeros(3))
    with pytest.raises(ValueError, match="y must have a samples axis"):
        check_same_samples(X=np.zeros((5, 2)), y=np.float64(1.0))
    with pytest.raises(ValueError, match=r"X has no samples \(shape \(0, 2\)\)"):
        check_same_samples(X=np.zeros((0, 2)), y=np.zeros(0))


# ---------------------------------------------------------------------------
# user_stacklevel: every warning is shown at the user's line
# ---------------------------------------------------------------------------


def test_user_stacklevel_counts_the_frames_inside_tinyreg():
    assert user_stacklevel() == 1  # called from here, outside tinyreg: this very frame
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        validation.check_feature_names(np.zeros((2, 1)), np.array(["a"], dtype=object), "Model")
    assert [w.filename for w in seen] == [__file__]  # one frame inside tinyreg, skipped


class Frame:
    """The least a data frame needs to be one for tinyreg: ``columns`` and its values."""

    def __init__(self, values, columns):
        self.values, self.columns = np.asarray(values, dtype=float), list(columns)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def _problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    return X, X @ np.array([1.0, -2.0]) + 0.1 * rng.standard_normal(40)


def _ridge_falls_back():
    X, y = _problem()
    linear.Ridge(alpha=0.0, solver="cholesky").fit(np.column_stack([X, X[:, 0]]), y)


def _lasso_stops_at_max_iter():
    X, y = _problem()
    linear.Lasso(alpha=1e-6, max_iter=1, solver="cd").fit(np.column_stack([X, X + 1e-3]), y)


def _predict_without_names():
    X, y = _problem()
    linear.Ridge().fit(Frame(X, ["a", "b"]), y).predict(X)


def _partial_fit_without_names():
    X, y = _problem()
    linear.Ridge().fit(Frame(X, ["a", "b"]), y).partial_fit(X, y)


def _mlp_predict_without_names():
    X, y = _problem()
    model = estimators.MLPRegressor((3,), max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linear.ConvergenceWarning)
        model.fit(Frame(X, ["a", "b"]), y)
    model.predict(X)


def _mlp_stops_at_max_iter():
    X, y = _problem()
    estimators.MLPRegressor((3,), max_iter=1, random_state=0).fit(X, y)


def _classifier_gets_a_column_y():
    X, y = _problem()
    labels = (y > 0).astype(int)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linear.ConvergenceWarning)
        estimators.MLPClassifier((3,), max_iter=5, random_state=0).fit(X, labels)


def _training_diverges_after_its_best_epoch():
    X, y = _problem()
    model = nn.Linear(2, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.05)

    def blow_up(epoch):
        if epoch == 3:
            optimizer.param_groups[0]["lr"] *= 1e6

    with np.errstate(all="ignore"):
        train.fit(
            model,
            nn.MSELoss(),
            optimizer,
            X[:30],
            y[:30, None],
            epochs=500,
            validation=(X[30:], y[30:, None]),
            callback=blow_up,
        )


WARNINGS = {
    "Ridge: Cholesky falls back": (_ridge_falls_back, RuntimeWarning, "falling back"),
    "Lasso: max_iter reached": (_lasso_stops_at_max_iter, linear.ConvergenceWarning, "max_iter"),
    "predict: no feature names": (_predict_without_names, UserWarning, "feature names"),
    "partial_fit: no feature names": (_partial_fit_without_names, UserWarning, "feature names"),
    "MLP predict: no feature names": (_mlp_predict_without_names, UserWarning, "feature names"),
    "MLP: max_iter reached": (_mlp_stops_at_max_iter, linear.ConvergenceWarning, "max_iter"),
    "MLPClassifier: a column y": (_classifier_gets_a_column_y, UserWarning, "column-vector y"),
    "fit: diverged": (_training_diverges_after_its_best_epoch, RuntimeWarning, "diverged"),
}


@pytest.mark.parametrize("case", list(WARNINGS))
def test_every_warning_names_the_users_line(case):
    run, category, match = WARNINGS[case]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run()
    ours = [w for w in seen if issubclass(w.category, category) and match in str(w.message)]
    assert ours, f"no {category.__name__} matching {match!r}"
    assert {w.filename for w in ours} == {__file__}


def test_check_index_counts_negative_indices_from_the_end():
    assert validation.check_index("padding_idx", 2, 5) == 2
    assert validation.check_index("padding_idx", -1, 5) == 4
    with pytest.raises(ValueError, match=r"padding_idx must be in \[-5, 4\] for size 5, got 5"):
        validation.check_index("padding_idx", 5, 5)
    with pytest.raises(ValueError, match=r"padding_idx must be >= -5, got -6"):
        validation.check_index("padding_idx", -6, 5)
    with pytest.raises(TypeError, match="padding_idx must be an integer"):
        validation.check_index("padding_idx", 1.0, 5)


def test_check_sizes_takes_an_int_or_a_sequence_of_ints():
    assert validation.check_sizes("normalized_shape", 4) == (4,)
    assert validation.check_sizes("normalized_shape", [2, 3]) == (2, 3)
    with pytest.raises(ValueError, match="normalized_shape must be >= 1, got 0"):
        validation.check_sizes("normalized_shape", (2, 0))
