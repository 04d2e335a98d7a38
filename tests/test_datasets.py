"""Data sets are deterministic per seed, have their documented shapes, and tell the truth."""

import inspect
import math

import numpy as np
import pytest
from _imports import loaded_modules
from _tolerances import EPS, FUNCTION_ULPS, gamma
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg import datasets
from tinyreg.datasets import (
    Standardizer,
    make_house_prices,
    make_moons,
    make_polynomial_curve,
    make_regression,
    make_spirals,
    polynomial_features,
    train_test_split,
)

# Each generator with small arguments, returning its arrays as a tuple.
GENERATORS = {
    "house_prices": lambda seed: tuple(make_house_prices(50, 4, generator=seed)[:2]),
    "regression": lambda seed: make_regression(40, 8, 3, generator=seed),
    "polynomial_curve": lambda seed: tuple(make_polynomial_curve(20, 5, generator=seed)[:3]),
    "moons": lambda seed: make_moons(60, generator=seed),
    "spirals": lambda seed: make_spirals(61, 3, generator=seed),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_arrays_different_seed_different(name):
    make = GENERATORS[name]
    first, again, other = make(3), make(3), make(4)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


@pytest.mark.parametrize("name", GENERATORS)
def test_seed_none_follows_manual_seed(name):
    make = GENERATORS[name]
    tinyreg.manual_seed(7)
    first = make(None)
    tinyreg.manual_seed(7)
    again = make(None)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


# -- seed=, another spelling of generator= ------------------------------------------

# Every function that takes generator=, called with it as a keyword.
TAKING_GENERATOR = {
    "make_house_prices": lambda **kw: tuple(make_house_prices(50, 4, **kw)[:2]),
    "make_regression": lambda **kw: make_regression(40, 8, 3, **kw),
    "make_polynomial_curve": lambda **kw: tuple(make_polynomial_curve(20, 5, **kw)[:3]),
    "make_moons": lambda **kw: make_moons(60, **kw),
    "make_spirals": lambda **kw: make_spirals(61, 3, **kw),
    "train_test_split": lambda **kw: train_test_split(np.arange(20.0), np.arange(20), **kw),
}


@pytest.mark.parametrize("name", TAKING_GENERATOR)
@pytest.mark.parametrize("source", [5, "a Generator", None])
def test_seed_warns_naming_generator_and_does_exactly_what_generator_does(name, source):
    def call(keyword):
        tinyreg.manual_seed(11)  # for None
        value = np.random.default_rng(5) if source == "a Generator" else source
        return TAKING_GENERATOR[name](**{keyword: value})

    expected = call("generator")
    with pytest.warns(
        DeprecationWarning, match=rf"^{name}\(\): seed= is deprecated, pass generator="
    ) as record:
        got = call("seed")
    assert [w.filename for w in record] == [__file__]  # the warning points at the call
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_seed_and_generator_together_are_a_type_error():
    with pytest.raises(TypeError, match=r"make_moons\(\) got both generator and seed"):
        make_moons(60, generator=1, seed=1)
    with pytest.raises(TypeError, match=r"make_moons\(\) got both generator and seed"):
        make_moons(60, 0.1, 1, seed=1)  # generator given by position
    with pytest.raises(TypeError, match=r"train_test_split\(\) got both generator and seed"):
        train_test_split(np.arange(4.0), np.arange(4), 0.5, None, seed=None)


def test_the_signatures_show_generator_and_not_seed():
    for name in TAKING_GENERATOR:
        parameters = inspect.signature(getattr(datasets, name)).parameters
        assert "generator" in parameters and "seed" not in parameters, name


# -- house prices -------------------------------------------------------------------


def test_house_prices_shapes_names_and_true_coefficients():
    data = make_house_prices(n_samples=120, n_noise_features=6, generator=1)
    assert data.X.shape == (120, 9) and data.y.shape == (120,)
    assert data.feature_names == ["size_sqft", "bedrooms", "location_score"] + [
        f"noise_{i}" for i in range(6)
    ]
    assert data.coef.shape == (9,)
    assert np.all(data.coef[:3] > 0) and np.all(data.coef[3:] == 0)
    assert data.intercept > 0
    X, y, names, coef, intercept = data  # a NamedTuple unpacks
    assert X is data.X and y is data.y and coef is data.coef
    assert names is data.feature_names and intercept == data.intercept


def test_house_prices_features_look_like_houses():
    X = make_house_prices(n_samples=2000, generator=0).X
    size, bedrooms, location = X[:, 0], X[:, 1], X[:, 2]
    assert size.min() >= 800 and size.max() <= 4000
    assert set(np.unique(bedrooms)) <= {1, 2, 3, 4, 5, 6}
    assert location.min() >= 0 and location.max() <= 10
    # properties of the generator, not rounding: by construction the correlation is about
    # 0.75 (its standard error at n = 2000 is about 0.01) and the median price about $450k
    assert np.corrcoef(size, bedrooms)[0, 1] > 0.5  # bedrooms go with size
    y = make_house_prices(n_samples=2000, generator=0).y
    assert 300_000 < np.median(y) < 600_000


def test_house_prices_without_noise_is_exactly_linear():
    data = make_house_prices(n_samples=30, n_noise_features=0, noise=0.0, generator=2)
    assert data.X.shape == (30, 3)
    np.testing.assert_array_equal(data.y, data.intercept + data.X @ data.coef)  # same operations


def test_ols_on_a_big_sample_recovers_the_true_coefficients():
    data = make_house_prices(n_samples=20_000, generator=5)
    A = np.column_stack([np.ones(len(data.y)), data.X])
    solution, *_ = np.linalg.lstsq(A, data.y, rcond=None)
    # OLS standard errors, σ·sqrt(diag((AᵀA)⁻¹)) with the generator's default σ:
    # every estimate must lie within 4.5 of them of the truth (fails by chance ~1e-4 of seeds).
    sigma = inspect.signature(make_house_prices).parameters["noise"].default
    stderr = sigma * np.sqrt(np.diag(np.linalg.inv(A.T @ A)))
    truth = np.concatenate([[data.intercept], data.coef])
    assert np.all(np.abs(solution - truth) < 4.5 * stderr), (solution - truth) / stderr


def test_house_prices_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        make_house_prices(n_samples=0)
    with pytest.raises(ValueError, match="n_noise_features"):
        make_house_prices(n_noise_features=-1)
    with pytest.raises(TypeError, match="n_noise_features"):
        make_house_prices(n_noise_features=2.0)
    with pytest.raises(ValueError, match="noise"):
        make_house_prices(noise=-1.0)


# -- the other generators ------------------------------------------------------------


def test_make_regression_shapes_and_sparsity():
    X, y, coef = make_regression(
        n_samples=70, n_features=12, n_informative=4, noise=0.0, generator=3
    )
    assert X.shape == (70, 12) and y.shape == (70,) and coef.shape == (12,)
    assert np.count_nonzero(coef) == 4
    np.testing.assert_array_equal(y, X @ coef)  # noise 0: the same operations
    with pytest.raises(ValueError, match="n_informative"):
        make_regression(n_features=3, n_informative=4)


def test_polynomial_features_columns_are_powers():
    x = np.array([0.5, 2.0, -1.0])
    P = polynomial_features(x, 3)
    # pow(x, k) and x**k: each within an ulp of the power
    np.testing.assert_allclose(P, np.column_stack([x, x**2, x**3]), rtol=2 * EPS, atol=0)
    np.testing.assert_array_equal(polynomial_features(x.reshape(-1, 1), 3), P)
    with pytest.raises(ValueError, match="single column"):
        polynomial_features(np.ones((3, 2)), 2)
    with pytest.raises(ValueError, match="degree"):
        polynomial_features(x, 0)


def test_make_polynomial_curve():
    curve = make_polynomial_curve(n_samples=25, degree=7, noise=0.0, generator=1)
    assert curve.X.shape == (25, 7) and curve.y.shape == (25,) and curve.x.shape == (25,)
    assert np.all(np.diff(curve.x) >= 0) and curve.x.min() >= 0 and curve.x.max() <= 1
    np.testing.assert_array_equal(curve.X, polynomial_features(curve.x, 7))  # the same function
    np.testing.assert_array_equal(curve.y, curve.true_function(curve.x))  # noise 0
    # sin(π/2): numpy's sin is within FUNCTION_ULPS ulps
    np.testing.assert_allclose(curve.true_function(0.25), 1.0, rtol=FUNCTION_ULPS * EPS)


def test_moons_and_spirals_shapes_and_labels():
    X, y = make_moons(n_samples=101, noise=0.0, generator=0)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [51, 50]
    # Without noise, the outer moon lies on the unit circle (cos and sin a few ulps off each).
    ulps = 2 * FUNCTION_ULPS + 2
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, rtol=ulps * EPS)

    X, y = make_spirals(n_samples=302, n_classes=4, noise=0.0, generator=0)
    assert X.shape == (302, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [76, 76, 75, 75]
    assert np.hypot(*X.T).max() <= 1.0 + ulps * EPS  # radius ≤ 1, times cos and sin


# -- train_test_split -----------------------------------------------------------------


def test_split_sizes_disjoint_and_covering():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, generator=1)
    assert len(X_test) == len(y_test) == 5 and len(X_train) == len(y_train) == 15
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0] // 2, y_test)
    assert len(train_test_split(X, y, test_size=3)[1]) == 3


def test_split_is_deterministic_per_seed_and_shuffles():
    X, y = np.arange(50.0).reshape(-1, 1), np.arange(50)
    a = train_test_split(X, y, generator=0)
    b = train_test_split(X, y, generator=0)
    c = train_test_split(X, y, generator=1)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    assert not np.array_equal(np.sort(a[3]), np.arange(38, 50))  # not just the last rows


def test_split_accepts_tensors():
    X_train, X_test, _, _ = train_test_split(tinyreg.ones(8, 2), tinyreg.zeros(8), test_size=2)
    assert isinstance(X_train, np.ndarray) and X_test.shape == (2, 2)


@pytest.mark.parametrize(
    ("test_size", "error", "match"),
    [
        (0.0, ValueError, "test_size"),
        (1.0, ValueError, "test_size"),
        (-0.5, ValueError, "test_size"),
        (0, ValueError, "test_size"),
        (10, ValueError, "no training samples"),
        (0.99, ValueError, "no training samples"),
        (True, TypeError, "test_size"),
        ("half", TypeError, "test_size"),
    ],
)
def test_split_rejects_bad_test_size(test_size, error, match):
    with pytest.raises(error, match=match):
        train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"\(10, 2\).*\(9,\)"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))


@given(
    n=st.integers(2, 300),
    fraction=st.floats(0.01, 0.99),
    count=st.integers(1, 299),
    use_count=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_sizes_property(n, fraction, count, use_count, seed):
    test_size = count if use_count else fraction
    expected = count if use_count else math.ceil(fraction * n)
    X, y = np.arange(n).reshape(-1, 1), np.arange(n)
    if expected >= n:
        with pytest.raises(ValueError, match="no training samples"):
            train_test_split(X, y, test_size=test_size, generator=seed)
        return
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, generator=seed)
    assert len(y_test) == expected and len(y_train) == n - expected
    assert np.array_equal(np.sort(np.concatenate([y_train, y_test])), np.arange(n))
    assert np.array_equal(X_train[:, 0], y_train) and np.array_equal(X_test[:, 0], y_test)


# -- Standardizer ----------------------------------------------------------------------


def assert_round_trip(scaler, Z, X):
    """(X − mean)/scale·scale + mean is X up to four roundings of values of |X| + |mean|."""
    bound = 4 * EPS * (np.abs(X) + np.abs(scaler.mean_))
    assert np.all(np.abs(scaler.inverse_transform(Z) - X) <= bound)


def test_standardizer_round_trip_and_statistics():
    X = make_house_prices(n_samples=80, generator=0).X
    scaler = Standardizer()
    Z = scaler.fit_transform(X)
    # the statistics are numpy's own, and Z's are exact but for rounding: means of n terms
    # (γ_n of their absolute values, which are |X|/scale_ before centring)
    np.testing.assert_array_equal(scaler.mean_, X.mean(axis=0))
    np.testing.assert_array_equal(scaler.scale_, X.std(axis=0))
    size = np.abs(X).mean(axis=0) / scaler.scale_ + np.abs(Z).mean(axis=0)
    assert np.all(np.abs(Z.mean(axis=0)) <= 4 * gamma(len(X)) * size)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=8 * gamma(len(X)) * size.max())
    assert_round_trip(scaler, Z, X)


def test_standardizer_constant_column_gets_scale_one():
    X = np.array([[1.0, 0.1], [2.0, 0.1], [3.0, 0.1]])
    scaler = Standardizer().fit(X)
    assert scaler.scale_[1] == 1.0
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z[:, 1] == 0.0)
    assert_round_trip(scaler, Z, X)


def test_standardizer_transform_uses_the_training_statistics():
    train = np.array([[0.0], [2.0]])  # mean 1, scale 1
    scaler = Standardizer().fit(train)
    np.testing.assert_array_equal(scaler.transform(np.array([[5.0], [1.0]])), [[4.0], [0.0]])
    assert scaler.mean_.tolist() == [1.0] and scaler.scale_.tolist() == [1.0]


def test_standardizer_on_1d_targets():
    y = np.array([100.0, 200.0, 300.0])
    scaler = Standardizer()
    z = scaler.fit_transform(y)
    assert z.shape == (3,)
    assert_round_trip(scaler, z, y)


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.ones((2, 2)))
    scaler = Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        scaler.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="no samples"):
        Standardizer().fit(np.ones((0, 2)))


def test_public_names():
    for name in datasets.__all__:
        assert hasattr(datasets, name)


# ---------------------------------------------------------------------------
# load_digits: the shipped UCI images
# ---------------------------------------------------------------------------


def test_load_digits_shapes_dtypes_values_and_classes():
    digits = datasets.load_digits()
    assert isinstance(digits, datasets.Digits)
    assert digits.images.shape == (1797, 8, 8) and digits.images.dtype == np.float64
    assert digits.data.shape == (1797, 64) and digits.data.dtype == np.float64
    assert digits.target.shape == (1797,) and digits.target.dtype == np.int64
    np.testing.assert_array_equal(digits.data, digits.images.reshape(1797, 64))
    assert digits.images.min() == 0.0 and digits.images.max() == 16.0
    np.testing.assert_array_equal(digits.images, np.round(digits.images))  # bit counts
    counts = np.bincount(digits.target, minlength=10)
    assert len(counts) == 10 and counts.min() >= 174 and counts.max() <= 183
    # the images are not all alike: every class has its own mean image
    means = np.array([digits.data[digits.target == k].mean(axis=0) for k in range(10)])
    assert np.linalg.matrix_rank(means) == 10


def test_load_digits_returns_fresh_arrays():
    first = datasets.load_digits()
    first.images[:] = -1.0
    first.target[:] = -1
    again = datasets.load_digits()
    assert again.images.min() == 0.0 and again.target.min() == 0


def test_load_digits_needs_numpy_only():
    code = "import tinyreg.datasets as d\nd.load_digits()"
    loaded = loaded_modules(code, bare_package=True)
    assert not [m for m in loaded if m.split(".")[0] in ("sklearn", "scipy", "pandas")]


def test_load_digits_is_scikit_learns_digits():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    theirs, ours = sklearn_datasets.load_digits(), datasets.load_digits()
    np.testing.assert_array_equal(ours.images, theirs.images)
    np.testing.assert_array_equal(ours.target, theirs.target)
